//! Conformance of the `journalctl -o verbose` parser against the real sample outputs in
//! `../shared/formats/samples/` (REFERENCE.md §10.8): every record is read, with the times,
//! identifiers and messages the `short-iso-precise` and `short-monotonic` renderings of the same
//! journal print; and the synthetic PVE journal's records equal the same entries read from
//! `-o export` (fields, clocks, boot, identifiers, messages). The samples are not part of the
//! crate: when they are absent the tests return early.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pvelog::event::{Event, RecordedTime};
use pvelog::formats::{FormatKind, Parsed, detect, parse};
use pvelog::limits::Limits;

fn samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/formats/samples");
    dir.join("journal-text").is_dir().then_some(dir)
}

fn read(root: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Parses a verbose sample, which must be detected as such and read whole: no unparsed line,
/// no problem.
fn verbose<'b>(rel: &str, data: &'b [u8]) -> Parsed<'b> {
    assert_eq!(detect(rel, data), FormatKind::JournalVerbose, "{rel}");
    let p = parse(FormatKind::JournalVerbose, data, &Limits::default());
    assert!(p.stats.balanced(), "{rel}: {:?}", p.stats);
    assert_eq!(
        p.stats.unparsed_lines, 0,
        "{rel}: {:?}",
        p.unparsed_examples
    );
    assert!(p.problems.is_empty(), "{rel}: {:?}", p.problems);
    p
}

fn micros(t: RecordedTime) -> Option<i64> {
    match t {
        RecordedTime::Absolute(t) => Some(t.timestamp_micros()),
        _ => None,
    }
}

#[test]
fn no_rtc_verbose_reads_every_record_at_the_times_of_the_other_renderings() {
    let Some(root) = samples() else {
        eprintln!("skipped: ../shared/formats/samples is absent");
        return;
    };
    let rel = "journal-text/no-rtc_merged_o-verbose.head400.txt";
    let data = read(&root, rel);
    let p = verbose(rel, &data);
    // 400 lines: 40 records of a header and nine fields.
    let headers = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && !l.starts_with(b" ") && !l.starts_with(b"-- "))
        .count();
    assert_eq!(p.events.len(), headers);
    assert_eq!(p.events.len(), 40);
    assert_eq!(p.stats.event_lines, 400);

    // The same merge rendered `short-iso-precise` (UTC, µs) and `short-monotonic`: record for
    // record, the same instant, monotonic clock, identifier and message.
    let iso_rel = "journal-text/no-rtc_merged_o-short-iso-precise.head300.txt";
    let iso_data = read(&root, iso_rel);
    let iso = parse(FormatKind::JournalText, &iso_data, &Limits::default());
    let mono_rel = "journal-text/no-rtc_merged_o-short-monotonic.head300.txt";
    let mono_data = read(&root, mono_rel);
    let mono = parse(FormatKind::JournalText, &mono_data, &Limits::default());
    assert!(iso.events.len() >= p.events.len() && mono.events.len() >= p.events.len());
    for (i, e) in p.events.iter().enumerate() {
        let (short, m) = (&iso.events[i], &mono.events[i]);
        assert!(micros(e.recorded).is_some(), "record {i}: {:?}", e.recorded);
        assert_eq!(micros(e.recorded), micros(short.recorded), "record {i}");
        assert_eq!(
            (e.ident, &e.message[..], e.hostname),
            (short.ident, &short.message[..], short.hostname),
            "record {i}"
        );
        let RecordedTime::Monotonic { micros: shown } = m.recorded else {
            panic!("record {i}: {:?}", m.recorded);
        };
        let j = e.journal.as_ref().expect("journal fields");
        // journalctl 252 prints a kernel record's own clock (`_SOURCE_MONOTONIC_TIMESTAMP`,
        // 0 this early) where it has one, the cursor's `m=` otherwise.
        let printed = j
            .number(b"_SOURCE_MONOTONIC_TIMESTAMP")
            .or(j.monotonic_us());
        assert_eq!(printed, Some(shown), "record {i}");
        assert!(j.monotonic_us().is_some_and(|m| m > 0), "record {i}");
        assert_eq!(
            j.boot_id(),
            Some(&b"5ea5fc4f82a14186b5332a788ef9435e"[..]),
            "record {i}"
        );
        assert_eq!(
            j.get(b"_TRANSPORT"),
            Some(&b"kernel"[..]),
            "every field is kept (record {i})"
        );
    }
}

/// What must agree between the verbose and the export rendering of one entry.
type Key = (
    Option<u64>,
    Option<u64>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<u32>,
    Option<u8>,
    Vec<u8>,
    BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
);

fn key(e: &Event<'_>) -> Key {
    let j = e.journal.as_ref().expect("journal entry");
    let mut fields: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
    // Every field, the cursor and the clocks included (the cursor says which entry it is).
    for (n, v) in j.all() {
        fields.entry(n.to_vec()).or_default().push(v.to_vec());
    }
    (
        j.realtime_us(),
        j.monotonic_us(),
        j.boot_id().map(<[u8]>::to_vec),
        e.ident.map(<[u8]>::to_vec),
        e.pid,
        e.priority,
        e.message.to_vec(),
        fields,
    )
}

#[test]
fn synthetic_pve_journal_reads_as_its_export() {
    let Some(root) = samples() else {
        eprintln!("skipped: ../shared/formats/samples is absent");
        return;
    };
    let dir = "journal-file/synthetic-systemd252";
    let rel = format!("{dir}/synthetic-pve-oom.o-verbose.txt");
    let data = read(&root, &rel);
    let p = verbose(&rel, &data);
    let export_data = read(&root, &format!("{dir}/synthetic-pve-oom.o-export"));
    let export = parse(FormatKind::JournalExport, &export_data, &Limits::default());
    assert_eq!(p.events.len(), 10);
    assert_eq!(p.events.len(), export.events.len());
    assert_eq!(p.stats.banner_lines, 1);
    for (i, (v, x)) in p.events.iter().zip(&export.events).enumerate() {
        assert_eq!(v.recorded, x.recorded, "record {i}");
        let (mut kv, kx) = (key(v), key(x));
        // journalctl prints a binary MESSAGE as `[18B blob data]`; the rest is the same.
        if kv.6 == b"[18B blob data]" {
            assert!(std::str::from_utf8(&kx.6).is_err(), "record {i}");
            kv.6.clone_from(&kx.6);
            kv.7.insert(b"MESSAGE".to_vec(), vec![kx.6.clone()]);
        }
        assert_eq!(kv, kx, "record {i}");
    }
    // The multi-line message comes back byte for byte; the systemd record keeps the unit it is
    // about.
    assert!(p.events.iter().any(|e| e.message.contains(&b'\n')));
    assert!(p.events.iter().any(|e| {
        e.journal
            .as_ref()
            .is_some_and(|j| j.get(b"UNIT") == Some(&b"101.scope"[..]))
    }));
}
