//! The CSV and Timesketch exports round-trip: parsed back, every corpus bundle gives the same
//! events, field for field, as `timeline --format jsonl` (Timesketch: the dated ones, with the
//! undated counted on stderr).

mod support;

use serde_json::Value;
use support::{bundles, pvelog};

fn run(args: &[&str]) -> (Vec<u8>, String) {
    let out = pvelog().args(args).output().expect("run pvelog");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn jsonl(path: &str) -> Vec<Value> {
    let (out, _) = run(&["timeline", "--format", "jsonl", path]);
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("a JSON line"))
        .collect()
}

/// A JSON Lines value as the CSV writes it.
fn as_cell(key: &str, v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if key == "time_quality" => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

#[test]
fn csv_round_trips_to_the_jsonl_events() {
    let mut total = 0;
    for dir in bundles() {
        let path = dir.to_str().expect("UTF-8 path");
        let events = jsonl(path);
        let (csv_bytes, _) = run(&["timeline", "--format", "csv", path]);
        let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        // The JSON Lines keys, in their order.
        let first_keys: Vec<&str> = header.iter().map(String::as_str).collect();
        assert_eq!(
            &first_keys[..11],
            [
                "time",
                "time_quality",
                "role",
                "machine",
                "source",
                "line",
                "offset",
                "format",
                "priority",
                "facility",
                "hostname"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader
            .records()
            .map(|r| r.expect("an RFC 4180 record"))
            .collect();
        assert_eq!(rows.len(), events.len(), "{path}");
        for (row, event) in rows.iter().zip(&events) {
            for (key, cell) in header.iter().zip(row.iter()) {
                assert_eq!(cell, as_cell(key, event.get(key.as_str())), "{path}: {key}");
            }
        }
        total += rows.len();
    }
    assert!(total > 100, "the corpus has {total} events");
}

#[test]
fn timesketch_round_trips_to_the_dated_jsonl_events() {
    for dir in bundles() {
        let path = dir.to_str().expect("UTF-8 path");
        let events = jsonl(path);
        let (out, stderr) = run(&["timeline", "--format", "timesketch", path]);
        let sketch: Vec<Value> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("a JSON line"))
            .collect();
        let dated: Vec<&Value> = events.iter().filter(|e| !e["time"].is_null()).collect();
        assert_eq!(sketch.len(), dated.len(), "{path}");
        for (s, e) in sketch.iter().zip(&dated) {
            let time = e["time"].as_str().expect("time");
            assert_eq!(s["datetime"], time);
            let parsed = chrono::DateTime::parse_from_rfc3339(time).expect("RFC 3339");
            assert_eq!(s["timestamp"].as_i64(), Some(parsed.timestamp_micros()));
            assert!(s["timestamp_desc"].as_str().is_some_and(|d| !d.is_empty()));
            assert!(s["message"].is_string());
            for (key, value) in e.as_object().expect("object") {
                assert_eq!(&s[key.as_str()], value, "{path}: {key}");
            }
        }
        let undated = events.len() - dated.len();
        if undated > 0 {
            assert!(
                stderr.contains(&format!(
                    "{undated} records without a wall-clock time were left out"
                )),
                "{path}: {stderr}"
            );
        } else {
            assert!(!stderr.contains("left out"), "{path}: {stderr}");
        }
    }
}

#[test]
fn redacted_exports_keep_their_shape_and_name_no_host() {
    let dir = support::corpora().join("bundles/pve-oom");
    let path = dir.to_str().expect("UTF-8 path");
    let events = jsonl(path);
    for format in ["jsonl", "csv", "timesketch", "text"] {
        let (out, stderr) = run(&["timeline", "--format", format, "--redact", path]);
        let text = String::from_utf8(out).expect("UTF-8");
        for secret in ["pve1", "root@pam", "101-web"] {
            assert!(!text.contains(secret), "{format}: {secret} left");
        }
        assert!(text.contains("host-1"), "{format}");
        assert!(
            stderr.contains("pvelog: redacted: host-1 (host, "),
            "{format}: {stderr}"
        );
        match format {
            "csv" => {
                let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
                    .records()
                    .map(|r| r.expect("RFC 4180"))
                    .collect();
                assert_eq!(rows.len(), events.len());
            }
            "jsonl" => {
                let redacted: Vec<Value> = text
                    .lines()
                    .map(|l| serde_json::from_str(l).expect("JSON"))
                    .collect();
                assert_eq!(redacted.len(), events.len());
                // Keys, times and numbers are untouched; the host is host-1 everywhere.
                for (r, e) in redacted.iter().zip(&events) {
                    assert_eq!(r["time"], e["time"]);
                    assert_eq!(r["offset"], e["offset"]);
                    if e["machine"] == "pve1" {
                        assert_eq!(r["machine"], "host-1");
                    }
                }
            }
            _ => {}
        }
    }
}
