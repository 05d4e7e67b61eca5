//! Fuzz target for the `journal-json` format: any bytes parsed as `journal-json` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("journal-json", data));
