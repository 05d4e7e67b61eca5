//! Conformance of the native journal file reader against `journalctl` over the real samples in
//! `../shared/formats/samples/journal-file` (read in place, never copied into this repository).
//!
//! For the readable samples, `journalctl --file F -o export` is the reference: its
//! `(__REALTIME_TIMESTAMP, MESSAGE)` pairs must equal, as a multiset, those of pvelog's events
//! that are not flagged `_PVELOG_SALVAGED` (entries `journalctl` does not show are counted
//! apart). The fuzzed and corrupted samples must give a partial read or a clear problem, quickly
//! and without a panic. Skips cleanly when the samples or `journalctl` are absent.

// Helpers outside `#[test]` functions read fixed sample files and journalctl output: a failure is
// a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pvelog::event::RecordedTime;
use pvelog::formats::{self, FormatKind, journal_file};
use pvelog::limits::Limits;

fn samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/formats/samples/journal-file");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

fn journalctl_available() -> bool {
    let ok = Command::new("journalctl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: journalctl is absent");
    }
    ok
}

fn journal_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".journal") || name.ends_with(".journal~")
        })
        .collect();
    files.sort();
    files
}

/// The entries of a `journalctl -o export` stream, each a list of `(name, value)`.
fn read_export(mut data: &[u8]) -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut entries = Vec::new();
    let mut current = Vec::new();
    while !data.is_empty() {
        let nl = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let line = &data[..nl];
        data = &data[(nl + 1).min(data.len())..];
        if line.is_empty() {
            if !current.is_empty() {
                entries.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(eq) = line.iter().position(|&b| b == b'=') {
            current.push((line[..eq].to_vec(), line[eq + 1..].to_vec()));
        } else {
            let len = u64::from_le_bytes(data[..8].try_into().unwrap()) as usize;
            current.push((line.to_vec(), data[8..8 + len].to_vec()));
            data = &data[8 + len + 1..];
        }
    }
    if !current.is_empty() {
        entries.push(current);
    }
    entries
}

type Multiset = BTreeMap<(u64, Vec<u8>), u32>;

fn journalctl_pairs(path: &Path) -> Multiset {
    let out = Command::new("journalctl")
        .arg("--file")
        .arg(path)
        .args(["-o", "export", "--no-pager"])
        .env("SYSTEMD_LOG_LEVEL", "err")
        .output()
        .unwrap();
    let mut set = Multiset::new();
    for entry in read_export(&out.stdout) {
        let get = |n: &[u8]| entry.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let time: u64 = String::from_utf8(get(b"__REALTIME_TIMESTAMP").unwrap())
            .unwrap()
            .parse()
            .unwrap();
        let message = get(b"MESSAGE").unwrap_or_default();
        *set.entry((time, message)).or_default() += 1;
    }
    set
}

struct Read {
    shown: Multiset,
    salvaged: usize,
    problems: Vec<String>,
    unclean: usize,
    notes: Vec<String>,
}

fn pvelog_read(data: &[u8]) -> Read {
    let parsed = formats::parse(FormatKind::JournalFile, data, &Limits::default());
    assert!(parsed.binary);
    assert!(parsed.stats.balanced());
    assert_eq!(parsed.stats.lines, 0);
    let mut shown = Multiset::new();
    let mut salvaged = 0;
    for e in &parsed.events {
        let fields = e.journal.as_ref().unwrap();
        if fields.get(b"_PVELOG_SALVAGED").is_some() {
            salvaged += 1;
            continue;
        }
        let time = match e.recorded {
            RecordedTime::Absolute(t) => t.timestamp_micros() as u64,
            other => panic!("entry at {} has no realtime: {other:?}", e.offset),
        };
        assert_eq!(Some(time), fields.realtime_us());
        *shown.entry((time, e.message.to_vec())).or_default() += 1;
    }
    Read {
        shown,
        salvaged,
        problems: parsed
            .problems
            .iter()
            .map(|p| format!("@{}: {}", p.offset, p.reason))
            .collect(),
        unclean: parsed.unclean.len(),
        notes: parsed.notes.clone(),
    }
}

fn count(set: &Multiset) -> u32 {
    set.values().sum()
}

/// Expected salvaged entries per readable sample (entries `journalctl` does not show).
/// Every ENTRY object of these files is reachable through the entry array within `n_entries`;
/// the ONLINE ones lose their unwritten tail (array slots pointing at zeros), which neither
/// reader can show.
const EXPECTED_SALVAGED: &[(&str, usize)] = &[
    ("system.journal", 0),
    ("system@0005ebbfd42fc981-39a8842ec948769a.journal~", 0),
    ("system@0005ebbfd4346b9f-43185b46162d9fa5.journal~", 0),
    ("system@0005ebbfd4385848-2e5dff5354ab9bcf.journal~", 0),
    ("user-1000.journal", 0),
    ("user-1000@0005ebbfd660bcbe-dbef2eee11f4b575.journal~", 0),
    ("user-1000@0005ebbfe89faec4-a5e890e7b00bedd1.journal~", 0),
    ("synthetic-pve-oom.journal", 0),
];

#[test]
fn readable_samples_match_journalctl() {
    let Some(root) = samples() else { return };
    if !journalctl_available() {
        return;
    }
    let mut seen = 0;
    for sub in ["systemd-no-rtc", "synthetic-systemd252"] {
        for path in journal_files(&root.join(sub)) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let data = std::fs::read(&path).unwrap();
            assert_eq!(
                formats::detect(&name, &data),
                FormatKind::JournalFile,
                "{name}"
            );
            let expected = journalctl_pairs(&path);
            let start = Instant::now();
            let got = pvelog_read(&data);
            let elapsed = start.elapsed();
            eprintln!(
                "{sub}/{name}: journalctl {} entries, pvelog {} matched + {} salvaged, {} problems, \
                 {} unclean, {elapsed:?}\n  notes: {:?}\n  problems: {:?}",
                count(&expected),
                count(&got.shown),
                got.salvaged,
                got.problems.len(),
                got.unclean,
                got.notes,
                got.problems,
            );
            if got.shown != expected {
                let missing: Vec<_> = expected
                    .iter()
                    .filter(|(k, n)| got.shown.get(*k) != Some(n))
                    .take(5)
                    .collect();
                let extra: Vec<_> = got
                    .shown
                    .iter()
                    .filter(|(k, n)| expected.get(*k) != Some(n))
                    .take(5)
                    .collect();
                panic!("{name}: differs from journalctl\n missing {missing:?}\n extra {extra:?}");
            }
            assert!(count(&expected) > 0, "{name}: journalctl shows nothing");
            let (_, n) = EXPECTED_SALVAGED
                .iter()
                .find(|(f, _)| *f == name)
                .unwrap_or_else(|| panic!("{name}: add it to EXPECTED_SALVAGED"));
            assert_eq!(got.salvaged, *n, "{name}: salvaged entries");
            let online = data.get(16) == Some(&1);
            assert_eq!(got.unclean > 0, online, "{name}: unclean evidence");
            assert_eq!(
                journal_file::unclean_from_name(&name).is_some(),
                name.ends_with(".journal~")
            );
            assert!(elapsed < Duration::from_secs(5), "{name}: {elapsed:?}");
            seen += 1;
        }
    }
    assert_eq!(seen, EXPECTED_SALVAGED.len(), "readable samples");
}

#[test]
fn damaged_samples_read_partially_or_report() {
    let Some(root) = samples() else { return };
    let mut seen = 0;
    for sub in ["systemd-afl-corrupted", "systemd-corrupted"] {
        for path in journal_files(&root.join(sub)) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let data = std::fs::read(&path).unwrap();
            let start = Instant::now();
            let parsed = formats::parse(FormatKind::JournalFile, &data, &Limits::default());
            let elapsed = start.elapsed();
            let salvaged = parsed
                .events
                .iter()
                .filter(|e| {
                    e.journal
                        .as_ref()
                        .is_some_and(|j| j.get(b"_PVELOG_SALVAGED").is_some())
                })
                .count();
            eprintln!(
                "{sub}/{name}: {} events ({salvaged} salvaged), {} problems, {} unclean, {elapsed:?}\n  notes: {:?}\n  problems: {:?}",
                parsed.events.len(),
                parsed.problems.len(),
                parsed.unclean.len(),
                parsed.notes,
                parsed
                    .problems
                    .iter()
                    .map(|p| format!("@{}: {}", p.offset, p.reason))
                    .collect::<Vec<_>>()
            );
            assert!(
                !parsed.events.is_empty() || !parsed.problems.is_empty(),
                "{name}: neither entries nor a problem"
            );
            assert!(parsed.stats.balanced());
            assert!(elapsed < Duration::from_secs(5), "{name}: {elapsed:?}");
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} damaged samples");
}
