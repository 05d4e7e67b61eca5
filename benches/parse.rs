//! Parser throughput benchmarks (filled in with the corpora).
fn main() {}
