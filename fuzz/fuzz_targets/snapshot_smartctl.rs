//! Fuzz target for the `smartctl` section of the `snapshot` format: any bytes after smartctl's
//! banner, parsed as `snapshot`, keep the parse invariants (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut input = b"smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.8.12-4-pve] (local build)\n=== START OF INFORMATION SECTION ===\n".to_vec();
    input.extend_from_slice(data);
    common::check_format("snapshot", &input);
});
