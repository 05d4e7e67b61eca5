//! Fuzz target for the `pve-task-index` format: any bytes parsed as `pve-task-index` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("pve-task-index", data));
