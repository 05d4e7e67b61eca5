//! Fuzz target for the `dmesg-json` format: any bytes parsed as `dmesg-json` keep the parse
//! invariants (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("dmesg-json", data));
