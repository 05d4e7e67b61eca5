//! Fuzz target for the `journal-file` format: any bytes parsed as `journal-file` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("journal-file", data));
