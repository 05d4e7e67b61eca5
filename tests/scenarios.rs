//! Diagnosis accuracy over `corpora/scenarios/`: every scenario gets its expected verdict, and
//! every piece of evidence points at a real line (read back from the cited source and compared).
//!
//! A scenario is `corpora/scenarios/<name>/bundle/` plus `expected.json`:
//! `{"family": "...", "affected_vms": [..] (optional), "indirect": true (optional: the evidence
//! is indirect only, so the confidence must stay below 0.8)}`.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on purpose"
)]

mod support;

use std::path::Path;

use serde_json::Value;
use support::{corpora, pvelog};

fn scenarios() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(corpora().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn diagnose(bundle: &Path) -> Value {
    let out = pvelog()
        .args(["diagnose", "--format", "json"])
        .arg(bundle)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_scenario_gets_its_expected_verdict() {
    let mut wrong = Vec::new();
    let all = scenarios();
    assert!(all.len() >= 10, "scenario corpus missing");
    for dir in &all {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let got = diagnose(&dir.join("bundle"));
        let verdict = &got["verdict"];
        if verdict["family"] != expected["family"] {
            wrong.push(format!(
                "{name}: expected {}, got {} ({})",
                expected["family"], verdict["family"], verdict["summary"]
            ));
            continue;
        }
        if let Some(outcome) = expected.get("outcome")
            && verdict["outcome"] != *outcome
        {
            wrong.push(format!(
                "{name}: expected outcome {outcome}, got {}",
                verdict["outcome"]
            ));
        }
        if let Some(vms) = expected["affected_vms"].as_array() {
            for vm in vms {
                if !verdict["affected_vms"].as_array().unwrap().contains(vm) {
                    wrong.push(format!(
                        "{name}: VM {vm} not in {}",
                        verdict["affected_vms"]
                    ));
                }
            }
        }
        let confidence = verdict["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence), "{name}");
        if expected["indirect"] == true {
            assert!(
                confidence < 0.8,
                "{name}: indirect evidence only, but confidence {confidence}"
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn evidence_points_at_real_lines() {
    let mut checked = 0;
    let bundles: Vec<_> = scenarios()
        .into_iter()
        .map(|d| d.join("bundle"))
        .chain(support::bundles())
        .collect();
    for bundle in bundles {
        let got = diagnose(&bundle);
        for finding in got["findings"].as_array().unwrap() {
            for e in finding["evidence"].as_array().unwrap() {
                let Some(line) = e["line"].as_u64() else {
                    continue;
                };
                let source = bundle.join(e["source"].as_str().unwrap());
                let data = std::fs::read(&source).unwrap();
                let text = String::from_utf8_lossy(&data);
                let actual = text
                    .lines()
                    .nth(line as usize - 1)
                    .unwrap_or_else(|| panic!("{}: no line {line}", source.display()));
                let cited = e["text"].as_str().unwrap().lines().next().unwrap();
                if source.extension().is_some_and(|x| x == "export") {
                    // A journal export entry: `line` is its first field, the text its MESSAGE.
                    let message = format!("MESSAGE={cited}");
                    let entry = text
                        .lines()
                        .skip(line as usize - 1)
                        .take_while(|l| !l.is_empty());
                    assert!(
                        entry.into_iter().any(|l| l == message),
                        "{}:{line}",
                        source.display()
                    );
                } else {
                    assert_eq!(cited, actual, "{}:{line}", source.display());
                }
                // The offset is inside that line.
                let offset = e["offset"].as_u64().unwrap() as usize;
                let line_start: usize = text
                    .lines()
                    .take(line as usize - 1)
                    .map(|l| l.len() + 1)
                    .sum();
                assert!(
                    offset >= line_start && offset <= line_start + actual.len(),
                    "{}:{line}",
                    source.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} evidence lines checked");
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = corpora().join("scenarios/oom-host-fragment/bundle");
    for (flag, code) in [("memory_overcommit", 1), ("any", 1), ("hardware", 0)] {
        let out = pvelog()
            .args(["diagnose", "--fail-on", flag])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{flag}");
    }
    let out = pvelog()
        .args(["diagnose", "--fail-on", "nonsense"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
