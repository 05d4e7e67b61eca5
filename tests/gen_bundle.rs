//! The large-bundle generator (`tests/gen/bundle.rs`, run by `cargo run --release --example
//! gen-bundle`) at a small size: the same seed writes byte-identical files, the whole bundle
//! compresses like real logs (8–12× with gzip, as the benchmark script also checks at 64 MiB),
//! pvelog reads every line of every source, and the incident inside is diagnosed as the
//! generator wrote it: VM 101's kvm process killed by the host's OOM killer.

#[path = "gen/bundle.rs"]
#[allow(
    dead_code,
    reason = "the example uses the size parser; the test does not"
)]
mod bundle;
mod support;

use std::path::Path;

use serde_json::Value;
use support::pvelog;

/// The size generated here: small enough for a fast debug run, big enough for every template.
const SIZE: u64 = 2 << 20;

fn json_of(command: &str, dir: &Path) -> Value {
    let out = pvelog()
        .args([command, "--format", "json", "--quiet"])
        .arg(dir)
        .output()
        .expect("pvelog runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "pvelog {command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

#[test]
fn generated_bundle_is_deterministic_compresses_like_logs_and_is_diagnosed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let first = bundle::generate(&a, SIZE, 7).expect("generate a");
    let second = bundle::generate(&b, SIZE, 7).expect("generate b");
    assert_eq!(first.files, second.files);
    assert_eq!(first.bytes, second.bytes);
    for rel in &first.files {
        let (x, y) = (
            std::fs::read(a.join(rel)).expect("read a"),
            std::fs::read(b.join(rel)).expect("read b"),
        );
        assert!(x == y, "{rel} differs between two runs with the same seed");
    }
    let other = bundle::generate(&c, SIZE, 8).expect("generate c");
    let export = "host/pve1/journal.export";
    assert_ne!(
        std::fs::read(a.join(export)).expect("read a"),
        std::fs::read(c.join(export)).expect("read c"),
        "another seed writes other bytes"
    );
    assert!(other.bytes >= SIZE);

    assert!(
        first.bytes >= SIZE && first.bytes <= SIZE + SIZE / 2,
        "{} bytes for a target of {SIZE}",
        first.bytes
    );
    for rel in [
        "manifest.json",
        "host/pve1/journal.export",
        "host/pve1/journal.json",
        "host/pve1/var/log/kern.log",
        "host/pve1/var/log/syslog",
        "host/pve1/last-x.txt",
        "host/pve1/qm-list.txt",
        "host/pve1/meminfo.txt",
        "host/pve1/df.txt",
        "host/pve1/zpool-status.txt",
        "guest/101-web/journal.export",
        "guest/101-web/var/log/syslog",
        "guest/101-web/dmesg.txt",
        "guest/102-db/var/log/syslog",
        "guest/102-db/dmesg.txt",
        "guest/103-mail/var/log/syslog",
        "guest/103-mail/dmesg.txt",
    ] {
        assert!(first.files.iter().any(|f| f == rel), "{rel} missing");
    }

    let mut tgz = Vec::new();
    let packed = bundle::pack(&a, &first.files, &mut tgz).expect("pack");
    assert_eq!(packed, tgz.len() as u64);
    let ratio = first.bytes as f64 / packed as f64;
    assert!(
        (8.0..=12.0).contains(&ratio),
        "gzip ratio {ratio:.2} is outside 8–12×"
    );

    let sources = json_of("sources", &a);
    let list = sources["sources"].as_array().expect("sources");
    for rel in first.files.iter().filter(|f| *f != "manifest.json") {
        assert!(
            list.iter().any(|s| s["path"] == rel.as_str()),
            "{rel} is not a source"
        );
    }
    for source in list {
        assert_eq!(source["unparsed"], 0, "unparsed lines in {source}");
    }
    let formats: Vec<&str> = list.iter().filter_map(|s| s["format"].as_str()).collect();
    for format in [
        "journal-export",
        "journal-json",
        "syslog-rfc3164",
        "syslog-rfc3339",
        "dmesg",
    ] {
        assert!(formats.contains(&format), "no {format} source: {formats:?}");
    }

    let diagnosis = json_of("diagnose", &a);
    let verdict = &diagnosis["verdict"];
    assert_eq!(verdict["family"], "memory_overcommit", "{verdict}");
    assert_eq!(verdict["outcome"], "vm_stopped", "{verdict}");
    assert_eq!(
        verdict["affected_vms"],
        serde_json::json!([101]),
        "{verdict}"
    );
    let kill = chrono::DateTime::from_timestamp_micros(first.kill)
        .expect("kill time")
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let incident = verdict["incident_time"].as_str().unwrap_or_default();
    assert!(
        incident.starts_with(&kill),
        "incident {incident}, killed at {kill}"
    );
}
