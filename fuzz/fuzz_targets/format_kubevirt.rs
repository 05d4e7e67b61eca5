//! Fuzz target for the `kubevirt` format: any bytes parsed as `kubevirt` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("kubevirt", data));
