//! Fuzz target for the `dmesg` format: any bytes parsed as `dmesg` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("dmesg", data));
