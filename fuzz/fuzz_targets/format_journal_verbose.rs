//! Fuzz target for the `journal-verbose` format: any bytes parsed as `journal-verbose` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("journal-verbose", data));
