//! Fuzz target for the `snapshot` format: any bytes parsed as `snapshot` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("snapshot", data));
