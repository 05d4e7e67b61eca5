//! `journalctl -o verbose` through the command line: `pvelog timeline` prints its records at
//! the cursor's times, in either order journalctl writes them (`-r` newest first), and the
//! real sample renders whole when `../shared/formats/samples` is present.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on purpose"
)]

mod support;

use std::path::Path;

use serde_json::Value;
use support::{pvelog, timeline_jsonl};

/// Five records of a PVE host around a VM's OOM kill (the synthetic journal's records, as
/// journalctl 252 prints them), a boot apart: (header, fields) oldest first.
const RECORDS: &[(&str, &str)] = &[
    (
        "Tue 2025-07-29 09:56:40.000020 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=3;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd76014;t=63b0e6cba6614;x=a8d4ef9d1e385faf]",
        "    _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978\n    _HOSTNAME=pve1\n    _TRANSPORT=kernel\n    SYSLOG_IDENTIFIER=kernel\n    PRIORITY=3\n    MESSAGE=Out of memory: Killed process 4242 (kvm) total-vm:17339840kB, anon-rss:15797740kB, file-rss:1536kB, shmem-rss:0kB, UID:0 pgtables:31152kB oom_score_adj:0\n",
    ),
    (
        "Tue 2025-07-29 09:56:40.005000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=4;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77388;t=63b0e6cba7988;x=83fa4b8ef438cfe3]",
        "    _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978\n    _HOSTNAME=pve1\n    PRIORITY=6\n    SYSLOG_IDENTIFIER=systemd\n    _PID=1\n    _COMM=systemd\n    UNIT=101.scope\n    MESSAGE=101.scope: A process of this unit has been killed by the OOM killer.\n",
    ),
    (
        "Tue 2025-07-29 09:56:40.006000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=5;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77770;t=63b0e6cba7d70;x=fb6c2ef954866621]",
        "    _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978\n    _HOSTNAME=pve1\n    PRIORITY=4\n    SYSLOG_IDENTIFIER=systemd\n    _PID=1\n    _COMM=systemd\n    UNIT=101.scope\n    MESSAGE=101.scope: Failed with result 'oom-kill'.\n",
    ),
    (
        "Tue 2025-07-29 09:56:40.008000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=7;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77f40;t=63b0e6cba8540;x=4a44b733a58d6d6a]",
        "    _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978\n    _HOSTNAME=pve1\n    PRIORITY=6\n    SYSLOG_IDENTIFIER=multiline-demo\n    _PID=777\n    MESSAGE=first line\n            second line\n",
    ),
    (
        "Tue 2025-07-29 10:01:40.000000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=9;b=7a8b9c0d1e2f40516273849506a7b8c9;m=4c4b40;t=63b0e7e9c0900;x=37c28d8658ab7524]",
        "    _HOSTNAME=pve1\n    _TRANSPORT=kernel\n    SYSLOG_IDENTIFIER=kernel\n    _BOOT_ID=7a8b9c0d1e2f40516273849506a7b8c9\n    PRIORITY=5\n    MESSAGE=Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z) ()\n",
    ),
];

const TIMES: [&str; 5] = [
    "2025-07-29T09:56:40.000020Z",
    "2025-07-29T09:56:40.005000Z",
    "2025-07-29T09:56:40.006000Z",
    "2025-07-29T09:56:40.008000Z",
    "2025-07-29T10:01:40.000000Z",
];

/// The records as `journalctl -o verbose` writes them, or newest first as `-r` does: the boot
/// banner names the boot of the records below it.
fn rendering(newest_first: bool) -> String {
    let mut out = String::new();
    let mut boot = "";
    let order: Vec<&(&str, &str)> = if newest_first {
        RECORDS.iter().rev().collect()
    } else {
        RECORDS.iter().collect()
    };
    for (header, fields) in order {
        let id = header
            .split(";b=")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .unwrap();
        if !boot.is_empty() && boot != id {
            out.push_str(&format!("-- Boot {id} --\n"));
        }
        boot = id;
        out.push_str(header);
        out.push('\n');
        out.push_str(fields);
    }
    out
}

fn write(dir: &Path, name: &str, text: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn sources(input: &Path) -> Value {
    let out = pvelog()
        .args(["sources", "--format", "json", "--quiet"])
        .arg(input)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn timeline_prints_verbose_records_at_their_cursor_times_in_either_order() {
    for newest_first in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "host/pve1/journal-verbose.txt",
            rendering(newest_first).as_bytes(),
        );
        let events = timeline_jsonl(tmp.path());
        let times: Vec<&str> = events.iter().map(|e| e["time"].as_str().unwrap()).collect();
        assert_eq!(times, TIMES, "newest first: {newest_first}");
        let messages: Vec<&str> = events
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert_eq!(
            messages[1],
            "101.scope: A process of this unit has been killed by the OOM killer."
        );
        assert_eq!(messages[3], "first line\nsecond line");
        for e in &events {
            assert_eq!(e["format"], "journal-verbose", "{e}");
            assert_eq!(e["machine"], "pve1", "{e}");
            assert!(
                e["time_quality"].as_array().is_some_and(Vec::is_empty),
                "the cursor's time is exact: {e}"
            );
        }
        assert_eq!(
            (events[2]["ident"].as_str(), events[2]["pid"].as_u64()),
            (Some("systemd"), Some(1))
        );
        let s = sources(tmp.path());
        let source = &s["sources"][0];
        assert_eq!(source["format"], "journal-verbose", "{source}");
        assert_eq!(source["unparsed"], 0, "{source}");
        let notes = source.to_string();
        assert_eq!(
            notes.contains("newest first"),
            newest_first,
            "the reversal is noted only when it happened: {notes}"
        );
    }
}

#[test]
fn timeline_prints_the_real_verbose_sample() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/formats/samples/journal-file/synthetic-systemd252/synthetic-pve-oom.o-verbose.txt");
    if !sample.is_file() {
        eprintln!("skipped: {} is absent", sample.display());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "host/pve1/journalctl-o-verbose.txt",
        &std::fs::read(&sample).unwrap(),
    );
    let out = pvelog()
        .args(["timeline", "--quiet"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for wanted in [
        "2025-07-29T09:56:40.000000Z",
        "kvm invoked oom-killer",
        "101.scope: Failed with result 'oom-kill'.",
        "VM 101 qmp command failed - VM 101 not running",
        "[18B blob data]",
        "2025-07-29T10:01:41.000000Z",
        "corrupted or uncleanly shut down",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing from:\n{text}");
    }
    assert_eq!(timeline_jsonl(tmp.path()).len(), 10);
}
