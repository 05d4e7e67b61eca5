//! Fuzz target for the `pvecm status` / `pvecm nodes` section of the `snapshot` format: any bytes
//! after a `pvecm status` prompt, parsed as `snapshot`, keep the parse invariants
//! (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut input =
        b"root@pve:~# pvecm status\nMembership information\n----------------------\n".to_vec();
    input.extend_from_slice(data);
    common::check_format("snapshot", &input);
});
