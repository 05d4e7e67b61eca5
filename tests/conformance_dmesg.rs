//! Conformance of the dmesg parser against util-linux's expected test outputs.
//!
//! The samples live outside the repository (`../shared/formats/samples/dmesg`, see
//! REFERENCE.md §4); when they are absent the tests skip.

use std::path::{Path, PathBuf};

use pvelog::formats::{FormatKind, detect, parse};

fn samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/formats/samples/dmesg");
    dir.is_dir().then_some(dir)
}

/// Files with unparsed lines, how many, and why. Every other file must parse completely.
const ALLOWED_UNPARSED: &[(&str, u64)] = &[
    // The test script prints `Display console level: N` before each run (16 lines), and the last run
    // fails with `test_dmesg: unknown level '+'`: harness output, not dmesg.
    ("cid-kmsg-console-levels", 17),
    ("console-levels", 1),
    // `Display facility list: N` lines from the test script.
    ("cid-kmsg-facilities", 14),
    // The `--time-format=notime` run prints bare messages (`new`, `line`…): without a prefix
    // they are unparsed (a known deviation of the parser).
    ("indentation", 5),
];

#[test]
fn util_linux_samples_parse() {
    let Some(dir) = samples() else {
        eprintln!("samples absent: skipped");
        return;
    };
    let expected = dir.join("util-linux-tests/expected");
    let mut entries: Vec<_> = std::fs::read_dir(&expected)
        .expect("expected/ is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| !p.to_string_lossy().ends_with(".CMDLINE.txt"))
        .collect();
    entries.sort();
    let mut failures = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let data = std::fs::read(&path).expect("sample is readable");
        // `dmesg --json` output (`json`, `cid-json`, `cid-kmsg-json`, `kmsg-file`) has its own
        // parser; every other output is dmesg's text.
        let kind = if pvelog::formats::dmesg_json::recognizes(&data) {
            FormatKind::DmesgJson
        } else {
            FormatKind::Dmesg
        };
        let parsed = parse(kind, &data, &pvelog::limits::Limits::default());
        assert!(parsed.stats.balanced(), "{name}: {:?}", parsed.stats);
        let allowed = ALLOWED_UNPARSED
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |&(_, count)| count);
        println!(
            "{name}: {} events, {} unparsed, variant {}",
            parsed.events.len(),
            parsed.stats.unparsed_lines,
            parsed.variant
        );
        // Detection must pick dmesg for every output it parses (a `dmesg` file name, as in a
        // bundle, only breaks ties).
        if !parsed.events.is_empty() {
            let detected = detect(&format!("commands/{name}.dmesg"), &data);
            if detected != kind {
                failures.push(format!("{name}: detected as {detected:?}"));
            }
        }
        if parsed.stats.unparsed_lines != allowed {
            failures.push(format!(
                "{name}: {} unparsed (allowed {allowed}), e.g. {:?}",
                parsed.stats.unparsed_lines, parsed.unparsed_examples
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// util-linux's inputs and systemd's kmsg fuzz inputs: hostile bytes must parse without a
/// panic and keep the books balanced.
#[test]
fn inputs_and_fuzz_inputs_stay_balanced() {
    let Some(dir) = samples() else {
        return;
    };
    for sub in ["util-linux-tests/input", "systemd-fuzz-journald-kmsg"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let data = std::fs::read(entry.path()).expect("sample is readable");
            let parsed = parse(FormatKind::Dmesg, &data, &pvelog::limits::Limits::default());
            println!(
                "{}: {} events, {:?}",
                entry.path().display(),
                parsed.events.len(),
                parsed.stats
            );
            assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
            if sub.starts_with("util-linux") {
                // `dmesg --file` and `--kmsg-file` inputs: raw prefixes and NUL-separated
                // kmsg records.
                assert_eq!(parsed.stats.unparsed_lines, unparsed_input(&entry.path()));
                assert_eq!(detect("input", &data), FormatKind::Dmesg);
            }
        }
    }
}

/// Unparsed lines expected in util-linux's inputs: `newlines` is the kernel's syslog buffer
/// (`dmesg --file` reads it), where a message's raw newlines are not indented, so the three
/// bare lines in it are unparsed like `dmesg -t` output.
fn unparsed_input(path: &Path) -> u64 {
    match path.file_name().and_then(|n| n.to_str()) {
        Some("newlines") => 3,
        _ => 0,
    }
}

/// `dmesg --json` prints the records its input holds: each JSON output reads as the same
/// records, with the same messages, seconds since boot and priorities, as the input it was
/// made from (`--file input`, `--kmsg-file kmsg-input`, as the `.CMDLINE.txt` files say).
#[test]
fn json_outputs_hold_their_inputs_records() {
    let Some(dir) = samples() else {
        eprintln!("samples absent: skipped");
        return;
    };
    let limits = pvelog::limits::Limits::default();
    for (output, input) in [("json", "input"), ("kmsg-file", "kmsg-input")] {
        let json = std::fs::read(dir.join("util-linux-tests/expected").join(output))
            .expect("sample is readable");
        let text = std::fs::read(dir.join("util-linux-tests/input").join(input))
            .expect("sample is readable");
        assert_eq!(detect(output, &json), FormatKind::DmesgJson, "{output}");
        let from_json = parse(FormatKind::DmesgJson, &json, &limits);
        let from_text = parse(FormatKind::Dmesg, &text, &limits);
        let records = |p: &pvelog::formats::Parsed<'_>| -> Vec<_> {
            p.events
                .iter()
                .map(|e| (e.recorded, e.priority, e.message.to_vec()))
                .collect()
        };
        let (a, b) = (records(&from_json), records(&from_text));
        assert_eq!(a.len(), b.len(), "{output}");
        for (j, t) in a.iter().zip(&b) {
            // The kmsg input's dictionary lines (` SUBSYSTEM=…`) stay in its messages, and its
            // `\xHH` escapes as written (a known deviation of the kmsg reader); JSON leaves the
            // dictionary out and writes the byte.
            assert_eq!((j.0, j.1), (t.0, t.1), "{output}");
            let t = unescape_kmsg(&t.2);
            assert!(
                t.starts_with(&j.2),
                "{output}: {:?} vs {:?}",
                String::from_utf8_lossy(&j.2),
                String::from_utf8_lossy(&t)
            );
        }
    }
}

/// kmsg text with its `\xHH` escapes decoded.
fn unescape_kmsg(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hex = text
            .get(i + 2..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (text.get(i..i + 2), hex) {
            (Some(b"\\x"), Some(b)) => {
                out.push(b);
                i += 4;
            }
            _ => {
                out.push(text[i]);
                i += 1;
            }
        }
    }
    out
}
