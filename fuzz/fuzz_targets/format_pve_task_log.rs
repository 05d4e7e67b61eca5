//! Fuzz target for the `pve-task-log` format: any bytes parsed as `pve-task-log` keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_format("pve-task-log", data));
