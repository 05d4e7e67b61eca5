//! The signal table's literal prefilter never changes an answer.
//!
//! The signal pass skips a record that holds none of the table's literals before running the
//! patterns (`signals::Matcher`). Every case of `corpora/` is analysed twice, with the prefilter
//! and without it (`analysis::Options::no_prefilter`), and must give byte-identical
//! `diagnose --format json` output and, source by source, the same signals:
//!
//! - the golden bundles (`corpora/bundles/*`), the scenarios (`corpora/scenarios/*/bundle`), the
//!   generated time-truth bundles (`corpora/time-truth/*/bundle`), the correlation bundles
//!   (`corpora/correlation/*`) and the journal export (`corpora/journal/*`), each read as the
//!   other tests read it: the INPUT alone, no options;
//! - the real incidents (`corpora/real/*`), every log file of a case as one INPUT each, with the
//!   reference time `tests/real.rs` gives them;
//! - a bundle written by the large-bundle generator (`tests/gen/bundle.rs`) at 2 MiB.
//!
//! The JSON is rendered through the library the way `pvelog diagnose --format json` renders it
//! (open, analyse, diagnose, render); for one case of each kind the binary's own output is
//! compared with it, so the test renders what the command prints.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on purpose"
)]

#[path = "gen/bundle.rs"]
#[allow(
    dead_code,
    reason = "the example uses the size parser and the packer; this test does not"
)]
mod bundle;
mod support;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use pvelog::analysis::{self, Options};
use pvelog::bundle::Bundle;
use pvelog::clock::ClockOptions;
use pvelog::diagnose;
use pvelog::output::diagnose::DiagnosisView;
use pvelog::output::{Format, Render};
use pvelog::signals::{self, Matched};
use support::{corpora, dirs_in, pvelog};

/// The reference time of `tests/real.rs`: a date after every post.
const REAL_REFERENCE: &str = "2030-01-01T00:00:00Z";

/// One case: its INPUTs and the reference time the other tests give it.
struct Case {
    kind: &'static str,
    name: String,
    inputs: Vec<PathBuf>,
    reference_time: Option<&'static str>,
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Every case of `corpora/`.
fn corpus_cases() -> Vec<Case> {
    let root = corpora();
    let mut cases = Vec::new();
    let whole = |kind, dirs: Vec<PathBuf>, below: &str| {
        dirs.into_iter()
            .map(|d| Case {
                kind,
                name: name_of(&d),
                inputs: vec![if below.is_empty() { d } else { d.join(below) }],
                reference_time: None,
            })
            .collect::<Vec<_>>()
    };
    cases.extend(whole("bundle", support::bundles(), ""));
    cases.extend(whole(
        "scenario",
        dirs_in(&root.join("scenarios"), Some("expected.json")),
        "bundle",
    ));
    cases.extend(whole(
        "time-truth",
        dirs_in(&root.join("time-truth"), Some("truth.json")),
        "bundle",
    ));
    cases.extend(whole(
        "correlation",
        dirs_in(&root.join("correlation"), None),
        "",
    ));
    let mut journals: Vec<PathBuf> = std::fs::read_dir(root.join("journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    journals.sort();
    cases.extend(journals.into_iter().map(|f| Case {
        kind: "journal",
        name: name_of(&f),
        inputs: vec![f],
        reference_time: None,
    }));
    for dir in dirs_in(&root.join("real"), Some("CASE.toml")) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().is_some_and(|n| n != "CASE.toml"))
            .collect();
        files.sort();
        cases.push(Case {
            kind: "real",
            name: name_of(&dir),
            inputs: files,
            reference_time: Some(REAL_REFERENCE),
        });
    }
    cases
}

/// What one analysis gives: the `diagnose --format json` bytes, and each source's path with its
/// signals.
struct Answer {
    json: Vec<u8>,
    signals: Vec<(String, Vec<Matched>)>,
    events: usize,
}

/// Analyses a case as `pvelog diagnose --format json` does, with the prefilter or without it.
fn answer(case: &Case, prefilter: bool) -> Answer {
    let options = Options {
        clock: ClockOptions {
            reference_time: case
                .reference_time
                .map(|t| t.parse::<DateTime<Utc>>().unwrap()),
            ..ClockOptions::default()
        },
        no_prefilter: !prefilter,
        ..Options::default()
    };
    let inputs: Vec<String> = case
        .inputs
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let bundle = Bundle::open(&inputs, &options.limits);
    assert!(
        !bundle.members.is_empty(),
        "{} {}: nothing readable",
        case.kind,
        case.name
    );
    let unfiltered_before = signals::unfiltered_passes();
    let analysis = analysis::analyze(&bundle, &options);
    // The option reaches the pass: a run without the prefilter is counted as one.
    if !prefilter {
        assert!(
            signals::unfiltered_passes() > unfiltered_before,
            "no_prefilter did not reach the signal pass"
        );
    }
    let diagnosis = diagnose::diagnose(&analysis, None);
    let mut json = Vec::new();
    DiagnosisView {
        analysis: &analysis,
        diagnosis: &diagnosis,
    }
    .render(Format::Json, &mut json)
    .unwrap();
    Answer {
        json,
        signals: analysis
            .sources
            .iter()
            .map(|s| s.path.clone())
            .zip(analysis.signals.iter().cloned())
            .collect(),
        events: analysis.sources.iter().map(|s| s.parsed.events.len()).sum(),
    }
}

/// The binary's `diagnose --format json` output for a case.
fn binary_json(case: &Case) -> Vec<u8> {
    let mut cmd = pvelog();
    cmd.args(["diagnose", "--format", "json", "--quiet"]);
    if let Some(t) = case.reference_time {
        cmd.args(["--reference-time", t]);
    }
    let out = cmd.args(&case.inputs).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{} {}: exit {:?}: {}",
        case.kind,
        case.name,
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The first line where two renderings differ, for the failure message.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map_or_else(
            || format!("lengths {} and {}", a.len(), b.len()),
            |(i, (x, y))| format!("line {}:\n  with:    {x}\n  without: {y}", i + 1),
        )
}

/// Compares one case with and without the prefilter; returns its sources, events and signals.
fn compare(case: &Case, check_binary: bool) -> (usize, usize, usize) {
    let with = answer(case, true);
    let without = answer(case, false);
    let paths = |a: &Answer| a.signals.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(
        paths(&with),
        paths(&without),
        "{} {}: sources",
        case.kind,
        case.name
    );
    // The signals one list has and the other lacks, for the failure message.
    let only = |x: &[Matched], y: &[Matched]| -> Vec<Matched> {
        x.iter()
            .filter(|m| !y.contains(m))
            .take(3)
            .cloned()
            .collect()
    };
    for ((path, a), (_, b)) in with.signals.iter().zip(&without.signals) {
        assert!(
            a == b,
            "{} {}: {path}: {} signals with the prefilter, {} without; \
             only without: {:?}; only with: {:?}",
            case.kind,
            case.name,
            a.len(),
            b.len(),
            only(b, a),
            only(a, b)
        );
    }
    assert!(
        with.json == without.json,
        "{} {}: diagnose --format json differs without the prefilter at {}",
        case.kind,
        case.name,
        first_difference(&with.json, &without.json)
    );
    if check_binary {
        let printed = binary_json(case);
        assert!(
            printed == with.json,
            "{} {}: the library's rendering is not the command's, at {}",
            case.kind,
            case.name,
            first_difference(&with.json, &printed)
        );
    }
    let signals = with.signals.iter().map(|(_, s)| s.len()).sum();
    (with.signals.len(), with.events, signals)
}

#[test]
fn the_prefilter_never_changes_an_answer() {
    let cases = corpus_cases();
    let tmp = tempfile::tempdir().unwrap();
    let generated = tmp.path().join("generated");
    bundle::generate(&generated, 2 << 20, 7).unwrap();
    let mut all = cases;
    all.push(Case {
        kind: "generated",
        name: "gen-bundle 2 MiB seed 7".into(),
        inputs: vec![generated],
        reference_time: None,
    });

    let mut kinds: Vec<(&str, usize)> = Vec::new();
    let (mut sources, mut events, mut signals) = (0, 0, 0);
    for case in &all {
        let first_of_kind = !kinds.iter().any(|(k, _)| *k == case.kind);
        let (s, e, n) = compare(case, first_of_kind);
        sources += s;
        events += e;
        signals += n;
        match kinds.iter_mut().find(|(k, _)| *k == case.kind) {
            Some((_, count)) => *count += 1,
            None => kinds.push((case.kind, 1)),
        }
    }
    let per_kind: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    eprintln!(
        "prefilter: {} cases compared with and without the prefilter ({}): {sources} sources, \
         {events} records, {signals} signals, identical",
        all.len(),
        per_kind.join(", ")
    );
    assert!(!all.is_empty(), "no case compared");
    for kind in [
        "bundle",
        "scenario",
        "time-truth",
        "correlation",
        "real",
        "generated",
    ] {
        assert!(
            kinds.iter().any(|(k, _)| *k == kind),
            "no {kind} case compared: {per_kind:?}"
        );
    }
    assert!(signals > 0, "no signal matched in any case");
}
