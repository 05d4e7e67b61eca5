//! Fuzz target for the `wtmpdb` format: any bytes parsed as `wtmpdb` (wtmpdb's SQLite database,
//! read without SQLite) keep the parse invariants (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("wtmpdb", data));
