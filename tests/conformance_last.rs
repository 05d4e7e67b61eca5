//! Conformance over the `last` samples in `../shared/formats/samples/last` (REFERENCE.md §5):
//! the binary wtmp files give the same records as the `last` outputs stored next to them, and
//! every `last` text sample parses with its unparsed lines counted and explained. Skips cleanly
//! when the folder is absent; the samples are read in place, never copied into this repository.
//!
//! A text record matches a wtmp record when the user and line agree (a name `last` cut with `*`
//! matches its prefix), the host agrees (not compared under `-i`, which prints addresses, nor
//! when the layout has no host), the start agrees to the minute (and to the second, with the
//! year, in `-F` and iso layouts), and the end is of the same kind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDateTime, Timelike};
use pvelog::event::{RecordedTime, TimeFix};
use pvelog::facts::{FactKind, Session, SessionEnd, SessionKind};
use pvelog::formats::{self, FormatKind};
use pvelog::limits::Limits;

fn samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/formats/samples/last");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

/// The sessions of a parsed member, with the text of their login time.
fn sessions(parsed: &formats::Parsed<'_>) -> Vec<(Session, usize, bool)> {
    parsed
        .facts
        .iter()
        .zip(&parsed.events)
        .filter_map(|(f, e)| match &f.kind {
            FactKind::Session(s) => Some((
                s.clone(),
                e.time_text.len(),
                e.quality.contains(TimeFix::YearInferred),
            )),
            _ => None,
        })
        .collect()
}

fn wtmp_sessions(data: &[u8]) -> Vec<Session> {
    let parsed = formats::parse(FormatKind::Wtmp, data, &Limits::default());
    assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
    parsed
        .facts
        .iter()
        .filter_map(|f| match &f.kind {
            FactKind::Session(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn naive(t: &RecordedTime) -> Option<NaiveDateTime> {
    match t {
        RecordedTime::Absolute(t) => Some(t.naive_utc()),
        RecordedTime::Local(n) => Some(*n),
        _ => None,
    }
}

fn same_name(text: &str, binary: &str) -> bool {
    match text.strip_suffix('*') {
        Some(prefix) => binary.starts_with(prefix),
        None => text == binary,
    }
}

/// The end kinds compared; an open login is one kind whatever `last` guessed about its pid.
fn end_class(end: &SessionEnd) -> &'static str {
    match end {
        SessionEnd::Logout(_) => "logout",
        SessionEnd::Crash => "crash",
        SessionEnd::Down => "down",
        SessionEnd::StillRunning => "running",
        SessionEnd::StillLoggedIn | SessionEnd::GoneNoLogout => "open",
        SessionEnd::Unknown => "unknown",
    }
}

/// How one text record compares with a wtmp record.
#[derive(Debug, PartialEq, Eq)]
enum Match {
    No,
    Exact,
    /// util-linux 2.38 prints a crashed boot's end as the next shutdown (REFERENCE.md §5.1).
    CrashedBootShownAsLogout,
}

fn compare(text: &(Session, usize, bool), bin: &Session, hosts: bool, ends: bool) -> Match {
    let (t, time_len, year_inferred) = text;
    if !same_name(&t.user, &bin.user) || !same_name(&t.tty, &bin.tty) {
        return Match::No;
    }
    if hosts && !t.host.is_empty() && !same_name(&t.host, &bin.host) {
        return Match::No;
    }
    let Some(b) = naive(&bin.start) else {
        return Match::No;
    };
    let (month, day, hour, minute) = match t.start {
        RecordedTime::Yearless { month, day, time } => (month, day, time.hour(), time.minute()),
        ref other => match naive(other) {
            Some(n) => (n.month(), n.day(), n.hour(), n.minute()),
            None => return Match::No,
        },
    };
    if (month, day, hour, minute) != (b.month(), b.day(), b.hour(), b.minute()) {
        return Match::No;
    }
    if *time_len > 16 && !year_inferred {
        let n = naive(&t.start);
        if n.map(|n| (n.year(), n.second())) != Some((b.year(), b.second())) {
            return Match::No;
        }
    }
    let (te, be) = (end_class(&t.end), end_class(&bin.end));
    if te == be || !ends {
        Match::Exact
    } else if t.kind == SessionKind::Reboot && te == "logout" && be == "crash" {
        Match::CrashedBootShownAsLogout
    } else {
        Match::No
    }
}

/// Splits an output file at its `### command` / `~~~ name ~~~` headers.
fn sections(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut name = String::new();
    let mut body = String::new();
    for line in text.lines() {
        if line.starts_with("### ") || line.starts_with("~~~ ") {
            if !name.is_empty() {
                out.insert(std::mem::take(&mut name), std::mem::take(&mut body));
            }
            name = line
                .trim_matches(|c| c == '#' || c == '~' || c == ' ')
                .to_string();
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    if !name.is_empty() {
        out.insert(name, body);
    }
    out
}

/// Checks one output section against the wtmp records: every text record matches a distinct
/// wtmp record; returns (records, 2.38 crash deviations).
fn check_section(name: &str, body: &str, wtmp: &[Session], hosts: bool) -> (usize, usize) {
    // `--until` hides the logouts after the window, so `last` shows those logins as open.
    let ends = !name.contains("until");
    let parsed = formats::parse(FormatKind::Last, body.as_bytes(), &Limits::default());
    assert!(parsed.stats.balanced(), "{name}: {:?}", parsed.stats);
    let text = sessions(&parsed);
    let mut used = vec![false; wtmp.len()];
    let mut deviations = 0;
    for t in &text {
        let found = wtmp
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, b)| (i, compare(t, b, hosts, ends)))
            .find(|(_, m)| *m != Match::No);
        match found {
            Some((i, m)) => {
                used[i] = true;
                if m == Match::CrashedBootShownAsLogout {
                    deviations += 1;
                }
            }
            None => panic!("{name}: no wtmp record for {t:?}\nwtmp: {wtmp:#?}"),
        }
    }
    (text.len(), deviations)
}

#[test]
fn guest_crash_wtmp_matches_util_linux_and_wtmpdb_outputs() {
    let Some(dir) = samples() else { return };
    let wtmp = std::fs::read(dir.join("synthetic-utmpdump/guest-crash.wtmp")).unwrap();
    assert_eq!(formats::detect("guest-crash.wtmp", &wtmp), FormatKind::Wtmp);
    let records = wtmp_sessions(&wtmp);
    // 3 boots, 3 runlevel records, 1 shutdown, 4 logins.
    assert_eq!(records.len(), 11, "{records:#?}");
    let is = |kinds: &[SessionKind]| -> Vec<Session> {
        records
            .iter()
            .filter(|s| kinds.contains(&s.kind))
            .cloned()
            .collect()
    };
    let all = records.clone();
    let no_x = is(&[SessionKind::Reboot, SessionKind::User]);
    let reboot = is(&[SessionKind::Reboot]);
    let reboot_shutdown = is(&[SessionKind::Reboot, SessionKind::Shutdown]);

    let text = std::fs::read_to_string(
        dir.join("synthetic-utmpdump/guest-crash.last-outputs_util-linux-2.38.1.txt"),
    )
    .unwrap();
    let secs = sections(&text);
    // (section, wtmp records it shows, whether hosts compare, records, 2.38 deviations)
    let expected: &[(&str, &[Session], bool, usize, usize)] = &[
        ("last -f guest-crash.wtmp", &no_x, true, 7, 1),
        ("last -f guest-crash.wtmp -x", &all, true, 11, 1),
        ("last -f guest-crash.wtmp -x -F", &all, true, 11, 1),
        (
            "last -f guest-crash.wtmp -x --time-format iso",
            &all,
            true,
            11,
            1,
        ),
        // -i prints the address field: 0.0.0.0 for system records.
        ("last -f guest-crash.wtmp -x -i", &all, false, 11, 1),
        ("last -f guest-crash.wtmp -x -w", &all, true, 11, 1),
        ("last -f guest-crash.wtmp -x -a", &all, true, 11, 1),
        ("last -f guest-crash.wtmp -x -R", &all, true, 11, 1),
        // No times at all: nothing to read.
        (
            "last -f guest-crash.wtmp -x --time-format notime",
            &all,
            true,
            0,
            0,
        ),
        ("last -f guest-crash.wtmp reboot", &reboot, true, 3, 1),
        (
            "last -f guest-crash.wtmp -x shutdown reboot",
            &reboot_shutdown,
            true,
            4,
            1,
        ),
    ];
    assert_eq!(secs.len(), expected.len());
    for (name, wtmp, hosts, count, deviations) in expected {
        let body = secs
            .get(*name)
            .unwrap_or_else(|| panic!("{name}: section missing"));
        assert_eq!(
            check_section(name, body, wtmp, *hosts),
            (*count, *deviations),
            "{name}"
        );
    }

    // wtmpdb imported the same wtmp; it stores no runlevel records and synthesises the
    // shutdown from the boot's end. It gives the crash on the boot line, as wtmp does.
    let text = std::fs::read_to_string(
        dir.join("wtmpdb/guest-crash.wtmpdb-last-outputs_wtmpdb-0.75.0.txt"),
    )
    .unwrap();
    let secs = sections(&text);
    let mut checked = 0;
    for (name, body) in &secs {
        let (records, deviations) = check_section(name, body, &all, !name.contains(" -i"));
        assert_eq!(deviations, 0, "{name}");
        let want = match name.as_str() {
            "wtmpdb last -f guest-crash.wtmpdb.db" => 7,
            // `-j` prints JSON, which is not read.
            n if n.ends_with(" -j") => 0,
            _ => 8,
        };
        assert_eq!(records, want, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 8);
}

#[test]
fn util_linux_test_wtmp_files_match_their_expected_outputs() {
    let Some(dir) = samples() else { return };
    let dir = dir.join("util-linux-tests");
    let text = std::fs::read_to_string(dir.join("expected_last-nodns")).unwrap();
    let secs = sections(&text);
    for file in ["wtmp-a.LE", "wtmp-a.BE"] {
        let data = std::fs::read(dir.join(file)).unwrap();
        assert_eq!(formats::detect(file, &data), FormatKind::Wtmp, "{file}");
        let records = wtmp_sessions(&data);
        for (name, body) in &secs {
            // "show ip" prints addresses instead of host names.
            let hosts = !name.contains("ip");
            let (count, deviations) = check_section(name, body, &records, hosts);
            assert_eq!(deviations, 0, "{file} {name}");
            if name == "include system" {
                assert_eq!(count, 16, "{file} {name}");
            }
        }
    }
    let data = std::fs::read(dir.join("wtmp-ipv6.LE")).unwrap();
    let records = wtmp_sessions(&data);
    let text = std::fs::read_to_string(dir.join("expected_last-ipv6-nodns")).unwrap();
    for (name, body) in &sections(&text) {
        let hosts = !name.contains("ip");
        assert_eq!(check_section(name, body, &records, hosts), (1, 0), "{name}");
    }
}

/// Unparsed lines per text sample, each count explained.
const EXPECTED_UNPARSED: &[(&str, u64)] = &[
    // 11 `### last …` headings, and the 11 records of `--time-format notime`, which carry no
    // time.
    (
        "synthetic-utmpdump/guest-crash.last-outputs_util-linux-2.38.1.txt",
        22,
    ),
    // 8 `### wtmpdb last …` headings and the 57 lines of the `-j` JSON output.
    (
        "wtmpdb/guest-crash.wtmpdb-last-outputs_wtmpdb-0.75.0.txt",
        65,
    ),
    // 10 `~~~ name ~~~` headings, and the 14 records of `--time-format notime`.
    ("util-linux-tests/expected_last-nodns", 24),
    // Two `~~~ name ~~~` headings.
    ("util-linux-tests/expected_last-ipv6-nodns", 2),
];

#[test]
fn every_last_text_sample_parses() {
    let Some(dir) = samples() else { return };
    for (name, unparsed) in EXPECTED_UNPARSED {
        let data = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(formats::detect(name, &data), FormatKind::Last, "{name}");
        let parsed = formats::parse(FormatKind::Last, &data, &Limits::default());
        assert!(parsed.stats.balanced(), "{name}: {:?}", parsed.stats);
        assert_eq!(
            parsed.stats.unparsed_lines, *unparsed,
            "{name}: {:?}",
            parsed.unparsed_examples
        );
        assert_eq!(parsed.events.len(), parsed.facts.len(), "{name}");
    }
}

/// The other binary samples: real Ubuntu utmp files, a truncated one, and a fuzzer's record.
#[test]
fn other_binary_samples_are_read_or_rejected_cleanly() {
    let Some(dir) = samples() else { return };
    for (name, wtmp) in [
        ("plaso/utmp", true),
        ("plaso/utmp_x86_64", true),
        ("plaso/wtmp.1", true),
        ("plaso/utmp_corrupted", true),
        ("util-linux-tests/wtmp-b.LE", true),
        ("util-linux-tests/fuzz_github-1097.wtmp", false),
    ] {
        let data = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(
            formats::detect(name, &data) == FormatKind::Wtmp,
            wtmp,
            "{name}"
        );
        let parsed = formats::parse(FormatKind::Wtmp, &data, &Limits::default());
        assert!(
            parsed.binary && parsed.stats.balanced(),
            "{name}: {:?}",
            parsed.stats
        );
        if wtmp {
            assert!(!parsed.events.is_empty(), "{name}");
        } else {
            assert!(
                parsed.events.is_empty() && !parsed.problems.is_empty(),
                "{name}"
            );
        }
    }
}

/// wtmpdb's own database, read without SQLite, gives the records every `wtmpdb last` output of
/// it shows: three boots (the first crashed, the second shut down, the third running), the
/// shutdown `-x` synthesises from the second boot's end, and four logins.
#[test]
fn the_wtmpdb_database_matches_wtmpdb_last() {
    let Some(dir) = samples() else { return };
    let db = std::fs::read(dir.join("wtmpdb/guest-crash.wtmpdb.db")).unwrap();
    assert_eq!(formats::detect("wtmp.db", &db), FormatKind::Wtmpdb);
    let parsed = formats::parse(FormatKind::Wtmpdb, &db, &Limits::default());
    assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
    assert_eq!(parsed.stats.unparsed_lines, 0, "{:?}", parsed.problems);
    let records: Vec<Session> = parsed
        .facts
        .iter()
        .filter_map(|f| match &f.kind {
            FactKind::Session(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(records.len(), 8, "{records:#?}");
    let text = std::fs::read_to_string(
        dir.join("wtmpdb/guest-crash.wtmpdb-last-outputs_wtmpdb-0.75.0.txt"),
    )
    .unwrap();
    let mut checked = 0;
    for (name, body) in &sections(&text) {
        let (shown, deviations) = check_section(name, body, &records, !name.contains(" -i"));
        assert_eq!(deviations, 0, "{name}");
        let want = match name.as_str() {
            "wtmpdb last -f guest-crash.wtmpdb.db" => 7,
            n if n.ends_with(" -j") => 0,
            _ => 8,
        };
        assert_eq!(shown, want, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 8);
}
