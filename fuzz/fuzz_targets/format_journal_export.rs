//! Fuzz target for the `journal-export` format: any bytes parsed as `journal-export` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("journal-export", data));
