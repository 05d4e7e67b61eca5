//! Fuzz target for the `vzdump` format: any bytes parsed as `vzdump` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("vzdump", data));
