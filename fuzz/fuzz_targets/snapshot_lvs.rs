//! Fuzz target for the `lvs` section of the `snapshot` format: any bytes after its header,
//! parsed as `snapshot`, keep the parse invariants (`pvelog::formats::check_invariants`).

#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut input =
        b"  LV   VG  Attr       LSize   Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\n"
            .to_vec();
    input.extend_from_slice(data);
    common::check_format("snapshot", &input);
});
