//! Fuzz target for the `wtmp` format: any bytes parsed as `wtmp` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("wtmp", data));
