//! Conformance of the journalctl text parser against the real sample outputs in
//! `../shared/formats/samples/` (REFERENCE.md §2.2–2.3). The samples are not part of the crate:
//! when they are absent the test returns early.

use std::path::{Path, PathBuf};

use pvelog::formats::{FormatKind, detect, parse};

/// Every sample file: (path under `samples/`, unparsed lines, variant when it is a `short*` mode).
/// A non-zero count says why.
const TABLE: &[(&str, u64, Option<&str>)] = &[
    // `-o cat` prints the MESSAGE only: no timestamp, host or identifier on any line.
    ("journal-text/no-rtc_merged_o-cat.head300.txt", 300, None),
    (
        "journal-text/no-rtc_merged_o-short-delta.head300.txt",
        0,
        Some("journal-short-delta"),
    ),
    (
        "journal-text/no-rtc_merged_o-short-full.head300.txt",
        0,
        Some("journal-short-full"),
    ),
    (
        "journal-text/no-rtc_merged_o-short-iso-precise.head300.txt",
        0,
        Some("journal-short-iso-precise"),
    ),
    (
        "journal-text/no-rtc_merged_o-short-iso.head300.txt",
        0,
        Some("journal-short-iso"),
    ),
    (
        "journal-text/no-rtc_merged_o-short-iso_TZ-Europe-Berlin.head300.txt",
        0,
        Some("journal-short-iso"),
    ),
    (
        "journal-text/no-rtc_merged_o-short-monotonic.head300.txt",
        0,
        Some("journal-short-monotonic"),
    ),
    (
        "journal-text/no-rtc_merged_o-short-precise.head300.txt",
        0,
        Some("journal-short-precise"),
    ),
    (
        "journal-text/no-rtc_merged_o-short-unix.head300.txt",
        0,
        Some("journal-short-unix"),
    ),
    (
        "journal-text/no-rtc_merged_o-short.head300.txt",
        0,
        Some("journal-short"),
    ),
    (
        "journal-text/no-rtc_merged_o-short_TZ-Europe-Berlin.head300.txt",
        0,
        Some("journal-short"),
    ),
    // `-o verbose` (a header with the cursor, then `    FIELD=value` lines) has its own parser
    // (tests/conformance_journal_verbose.rs); forced through this one, every line is unparsed.
    (
        "journal-text/no-rtc_merged_o-verbose.head400.txt",
        400,
        None,
    ),
    // `-o with-unit` has the short-full layout, with the unit name as identifier.
    (
        "journal-text/no-rtc_merged_o-with-unit.head300.txt",
        0,
        Some("journal-short-full"),
    ),
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-full.txt",
        0,
        Some("journal-short-full"),
    ),
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-iso-precise.txt",
        0,
        Some("journal-short-iso-precise"),
    ),
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-iso.txt",
        0,
        Some("journal-short-iso"),
    ),
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-iso_TZ-Europe-Berlin.txt",
        0,
        Some("journal-short-iso"),
    ),
    // `journalctl -r`: newest first, the boot banner after the boot it introduces.
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-iso_reverse.txt",
        0,
        Some("journal-short-iso"),
    ),
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-monotonic.txt",
        0,
        Some("journal-short-monotonic"),
    ),
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-precise.txt",
        0,
        Some("journal-short-precise"),
    ),
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-unix.txt",
        0,
        Some("journal-short-unix"),
    ),
    (
        "journal-file/synthetic-systemd252/synthetic-pve-oom.o-short.txt",
        0,
        Some("journal-short"),
    ),
];

/// `--list-boots` output is a different format (REFERENCE.md §2.4), not journal text.
const EXCLUDED: &[&str] = &["journal-text/no-rtc_list-boots_systemd252.txt"];

fn samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/formats/samples");
    dir.join("journal-text").is_dir().then_some(dir)
}

/// The files the test must cover: every `*.txt` in `journal-text/` and the synthetic
/// `*.o-short*.txt` outputs.
fn sample_files(root: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for (dir, wanted) in [
        ("journal-text", (|_: &str| true) as fn(&str) -> bool),
        ("journal-file/synthetic-systemd252", |n: &str| {
            n.contains(".o-short")
        }),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt") && wanted(&name) {
                names.push(format!("{dir}/{name}"));
            }
        }
    }
    names.sort();
    names
}

#[test]
fn every_sample_is_in_the_table() {
    let Some(root) = samples() else {
        eprintln!("samples absent, skipped");
        return;
    };
    for name in sample_files(&root) {
        assert!(
            TABLE.iter().any(|(n, _, _)| *n == name) || EXCLUDED.contains(&name.as_str()),
            "{name} is not in the conformance table"
        );
    }
}

#[test]
fn samples_parse_with_the_expected_unparsed_counts() {
    let Some(root) = samples() else {
        eprintln!("samples absent, skipped");
        return;
    };
    let mut failures = Vec::new();
    for &(name, unparsed, variant) in TABLE {
        let Ok(bytes) = std::fs::read(root.join(name)) else {
            failures.push(format!("{name}: missing"));
            continue;
        };
        let parsed = parse(
            FormatKind::JournalText,
            &bytes,
            &pvelog::limits::Limits::default(),
        );
        assert!(parsed.stats.balanced(), "{name}: {:?}", parsed.stats);
        if parsed.stats.unparsed_lines != unparsed {
            failures.push(format!(
                "{name}: {} unparsed, expected {unparsed}; first: {:?}",
                parsed.stats.unparsed_lines, parsed.unparsed_examples
            ));
        }
        if let Some(variant) = variant {
            if parsed.variant != variant {
                failures.push(format!("{name}: variant {}", parsed.variant));
            }
            if parsed.events.is_empty() {
                failures.push(format!("{name}: no events"));
            }
            let detected = detect(name, &bytes);
            if detected != FormatKind::JournalText {
                failures.push(format!("{name}: detected as {detected:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn boot_banners_in_the_samples() {
    let Some(root) = samples() else {
        eprintln!("samples absent, skipped");
        return;
    };
    let Ok(bytes) = std::fs::read(
        root.join("journal-file/synthetic-systemd252/synthetic-pve-oom.o-short-monotonic.txt"),
    ) else {
        return;
    };
    let parsed = parse(
        FormatKind::JournalText,
        &bytes,
        &pvelog::limits::Limits::default(),
    );
    assert_eq!(parsed.boots.len(), 1);
    assert_eq!(
        parsed.boots[0].boot_id,
        Some(&b"7a8b9c0d1e2f40516273849506a7b8c9"[..])
    );
    let last = parsed.events.last().map(|e| e.boot);
    assert_eq!(last, Some(1));
    // The multi-line entry keeps its three lines.
    let multi = parsed
        .events
        .iter()
        .find(|e| e.ident == Some(&b"multiline-demo"[..]));
    assert_eq!(
        multi.map(|e| (&*e.message, e.lines)),
        Some((&b"first line\nsecond line\nthird line"[..], 3))
    );
}
