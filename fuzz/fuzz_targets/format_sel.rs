//! Fuzz target for the `sel` format: any bytes parsed as `sel` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("sel", data));
