//! The binary end to end: inputs in every container form, exit codes, filters, determinism.

mod support;

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use support::{bundles, corpora, pvelog, tgz_of};

fn stdout_of(args: &[&str]) -> (String, i32) {
    let out = pvelog().args(args).output().expect("run pvelog");
    (
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        out.status.code().expect("exit code"),
    )
}

#[test]
fn tarball_and_directory_give_identical_events() {
    let tmp = tempfile::tempdir().unwrap();
    for dir in bundles() {
        let tgz = tmp.path().join("bundle.tgz");
        std::fs::write(&tgz, tgz_of(&dir)).unwrap();
        let dir = dir.to_str().unwrap();
        let tgz = tgz.to_str().unwrap();
        let (from_dir, code_dir) = stdout_of(&["timeline", "--format", "jsonl", dir]);
        let (from_tgz, code_tgz) = stdout_of(&["timeline", "--format", "jsonl", tgz]);
        assert_eq!((code_dir, code_tgz), (0, 0), "{dir}");
        assert!(!from_dir.is_empty(), "{dir}");
        assert_eq!(from_dir, from_tgz, "{dir}: directory and .tgz differ");
    }
}

#[test]
fn one_and_many_threads_give_identical_output() {
    for dir in bundles() {
        let dir = dir.to_str().unwrap();
        for format in ["text", "jsonl"] {
            let (one, _) = stdout_of(&["timeline", "--threads", "1", "--format", format, dir]);
            let (many, _) = stdout_of(&["timeline", "--threads", "4", "--format", format, dir]);
            assert_eq!(one, many, "{dir} {format}");
        }
        let (one, _) = stdout_of(&["sources", "--threads", "1", "--format", "json", dir]);
        let (many, _) = stdout_of(&["sources", "--threads", "3", "--format", "json", dir]);
        assert_eq!(one, many, "{dir}");
    }
}

#[test]
fn timeline_is_in_utc_order_across_host_and_guest() {
    let dir = corpora().join("bundles/pve-oom");
    let (out, code) = stdout_of(&["timeline", "--format", "jsonl", dir.to_str().unwrap()]);
    assert_eq!(code, 0);
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let times: Vec<&str> = events.iter().filter_map(|e| e["time"].as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not time-ordered");
    let formats: std::collections::BTreeSet<&str> =
        events.iter().filter_map(|e| e["format"].as_str()).collect();
    for f in ["syslog-rfc3164", "journal-short-iso", "dmesg"] {
        assert!(formats.contains(f), "no {f} events: {formats:?}");
    }
    // The host kill (11:56:40 CEST in kern.log) lands at 09:56:40Z, after the guest's last
    // record before it (09:56:35Z, assumed UTC) and before the guest's reboot.
    let kill = events
        .iter()
        .find(|e| {
            e["source"] == "host/pve1/var/log/kern.log"
                && e["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("Out of memory: Killed process 32969")
        })
        .expect("kill in kern.log");
    assert_eq!(kill["time"], "2025-07-29T09:56:40.000000Z");
    assert_eq!(
        kill["time_quality"],
        serde_json::json!(["year_inferred", "tz_derived"])
    );
    assert_eq!(kill["time_recorded"], "Jul 29 11:56:40");
    assert_eq!(
        (kill["role"].as_str(), kill["machine"].as_str()),
        (Some("host"), Some("pve1"))
    );
    // The guest dmesg is anchored to the guest syslog's kernel lines that carry the uptime.
    let dmesg: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["source"] == "guest/101-web/dmesg.txt")
        .collect();
    assert!(!dmesg.is_empty());
    for e in &dmesg {
        let q = e["time_quality"].as_array().unwrap();
        assert!(q.contains(&serde_json::json!("boot_anchored")), "{e}");
        assert!(e["time"].is_string(), "{e}");
    }
    let linux = dmesg
        .iter()
        .find(|e| e["message"].as_str().unwrap().starts_with("Linux version"))
        .unwrap();
    // Boot at 10:01:43.5Z; the anchor is good to about a second.
    let t = linux["time"].as_str().unwrap();
    assert!(
        ("2025-07-29T10:01:42.5"..="2025-07-29T10:01:44.5").contains(&t),
        "{t}"
    );
}

#[test]
fn truncated_tarball_yields_readable_members_and_exit_3() {
    let dir = corpora().join("bundles/pve-oom");
    let tgz = tgz_of(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let cut = tmp.path().join("cut.tgz");
    std::fs::write(&cut, &tgz[..tgz.len() * 2 / 3]).unwrap();
    let out = pvelog()
        .args(["timeline", "--format", "jsonl", cut.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cut.tgz: at byte "), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
    assert!(
        !out.stdout.is_empty(),
        "readable members must still be shown"
    );
}

#[test]
fn gzip_and_stdin_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let kern = corpora().join("bundles/pve-oom/host/pve1/var/log/kern.log");
    let data = std::fs::read(&kern).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data[..100]).unwrap();
    let mut bytes = gz.finish().unwrap();
    // A second gzip member, as `cat a.gz b.gz` or logrotate's delaycompress can leave.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data[100..]).unwrap();
    bytes.extend(gz.finish().unwrap());
    let path = tmp.path().join("kern.log.1.gz");
    std::fs::write(&path, &bytes).unwrap();
    let args = [
        "timeline",
        "--reference-time",
        "2025-07-30",
        "--tz",
        "Europe/Berlin",
    ];
    let (from_gz, code) = stdout_of(&[&args[..], &[path.to_str().unwrap()]].concat());
    assert_eq!(code, 0);
    let (from_plain, _) = stdout_of(&[&args[..], &[kern.to_str().unwrap()]].concat());
    assert_eq!(
        from_gz.lines().count(),
        data.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
    );
    assert_eq!(from_gz, from_plain);
    let out = pvelog()
        .args([&args[..], &["-"]].concat())
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), from_plain);
}

#[test]
fn missing_input_is_a_usage_error() {
    let out = pvelog()
        .args(["timeline", "/nonexistent/bundle.tgz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/bundle.tgz: cannot open"),
        "{stderr}"
    );
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let dir = corpora().join("bundles/pve-oom");
    for args in [
        &["timeline", "--tz", "Mars/Olympus"][..],
        &["timeline", "--since", "yesterday"],
        &[
            "timeline",
            "--around",
            "2025-07-29T09:56:40Z",
            "--window",
            "5y",
        ],
    ] {
        let out = pvelog().args(args).arg(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn around_window_selects_the_incident() {
    let dir = corpora().join("bundles/pve-oom");
    let (out, code) = stdout_of(&[
        "timeline",
        "--around",
        "2025-07-29T09:56:40Z",
        "--window",
        "1s",
        "--format",
        "jsonl",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(!out.is_empty());
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let t = v["time"].as_str().unwrap();
        assert!(
            ("2025-07-29T09:56:39"..="2025-07-29T09:56:41.999999Z").contains(&t),
            "{t}"
        );
    }
}

#[test]
fn control_sequences_are_neutralized_in_text_output() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("syslog");
    std::fs::write(
        &path,
        b"2025-07-29T10:00:00+00:00 h evil[1]: \x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J cleared\n",
    )
    .unwrap();
    for color in ["never", "always"] {
        let out = pvelog()
            .args(["timeline", "--color", color, path.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("\\x1b]52;c;cm0gLXJmIH4=\\x07 \\x1b[2J cleared"),
            "{text}"
        );
        assert!(!text.contains("\x1b]52"), "raw OSC reached the terminal");
        assert!(!text.contains("\x1b[2J"), "raw CSI reached the terminal");
    }
}

#[test]
fn non_utf8_messages_are_lossless_in_jsonl() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("syslog");
    std::fs::write(
        &path,
        b"2025-07-29T10:00:00+00:00 h app[1]: caf\xe9 latin-1\n",
    )
    .unwrap();
    let (out, _) = stdout_of(&["timeline", "--format", "jsonl", path.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["message"], "caf\u{fffd} latin-1");
    assert_eq!(v["message_bytes"], "Y2Fm6SBsYXRpbi0x");
}

#[test]
fn broken_pipe_exits_zero() {
    // Enough output (several MB) to overflow the pipe and pvelog's own buffer.
    let tmp = tempfile::tempdir().unwrap();
    let kern = std::fs::read(corpora().join("bundles/pve-oom/host/pve1/var/log/kern.log")).unwrap();
    let big = tmp.path().join("kern.log");
    std::fs::write(&big, kern.repeat(1000)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pvelog"))
        .args([
            "timeline",
            "--format",
            "jsonl",
            "--reference-time",
            "2025-08-01",
        ])
        .arg(&big)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn inputs_with_the_same_name_are_refused() {
    let dir = corpora().join("bundles/pve-oom");
    let out = pvelog()
        .args(["sources"])
        .arg(&dir)
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two INPUTs are named 'pve-oom'"));
}

#[test]
fn an_empty_directory_is_nothing_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let out = pvelog()
        .args(["timeline"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn several_inputs_are_prefixed_by_their_name() {
    let dir = corpora().join("bundles/pve-oom");
    let kern = dir.join("host/pve1/var/log/kern.log");
    let (out, code) = stdout_of(&[
        "sources",
        "--format",
        "json",
        dir.to_str().unwrap(),
        kern.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"pve-oom/host/pve1/var/log/kern.log"),
        "{paths:?}"
    );
    assert!(paths.contains(&"kern.log"), "{paths:?}");
}

#[test]
fn one_record_seen_through_several_sources_is_one_row() {
    let dir = corpora().join("bundles/pve-oom");
    let dir = dir.to_str().unwrap();
    let (jsonl, _) = stdout_of(&["timeline", "--format", "jsonl", dir]);
    let events: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kill = "Out of memory: Killed process 32969 (kvm)";
    let kills: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["message"].as_str().unwrap().starts_with(kill))
        .collect();
    // JSON Lines keeps every copy, marked as one group.
    assert_eq!(kills.len(), 2);
    assert!(kills[0]["dup_group"].is_u64());
    assert_eq!(kills[0]["dup_group"], kills[1]["dup_group"]);
    // A line logged twice in the same second stays twice: two groups of two copies.
    let tap = "vmbr0: port 2(tap101i0) entered disabled state";
    let taps: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["message"] == tap && e["time"] == "2025-07-29T09:56:41.000000Z")
        .collect();
    assert_eq!(taps.len(), 4);
    let groups: std::collections::BTreeSet<u64> = taps
        .iter()
        .map(|e| e["dup_group"].as_u64().unwrap())
        .collect();
    assert_eq!(groups.len(), 2);
    // Text shows each once, with both places.
    let (text, _) = stdout_of(&["timeline", "--color", "never", dir]);
    let rows: Vec<&str> = text.lines().filter(|l| l.contains(kill)).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains("host/pve1/journal.txt:10")
            && rows[0].contains("host/pve1/var/log/kern.log:24"),
        "{}",
        rows[0]
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.contains(tap) && l.starts_with("2025-07-29T09:56:41"))
            .count(),
        2
    );
}

#[test]
fn guest_clock_is_aligned_to_its_host() {
    let dir = corpora().join("bundles/skewed-guest");
    let dir = dir.to_str().unwrap();
    let (json, code) = stdout_of(&["sources", "--format", "json", dir]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let web = v["machines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "web")
        .expect("guest machine");
    // The guest clock runs 40 s ahead of the host's (as the corpus was written).
    let offset = web["clock_offset_s"].as_f64().unwrap();
    assert!((offset - 40.0).abs() <= 2.0, "{offset}");
    assert!(web["clock_offset_error_s"].as_f64().unwrap() <= 2.0);
    assert_eq!(
        (
            web["vmid"].as_u64(),
            web["host"].as_str(),
            web["aligned"].as_bool()
        ),
        (Some(101), Some("pve1"), Some(true))
    );
    assert!(
        web["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("guest-agent freeze"))
    );

    let order = |extra: &[&str]| -> Vec<(String, String)> {
        let (out, _) = stdout_of(&[&["timeline", "--format", "jsonl"][..], extra, &[dir]].concat());
        out.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|e| {
                (
                    e["time"].as_str().unwrap().to_string(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let pos = |events: &[(String, String)], needle: &str| {
        events.iter().position(|(_, m)| m.contains(needle)).unwrap()
    };
    // Aligned: the guest's last record comes before the host's kill of its kvm process, as it
    // must; unaligned (the guest's own clock), it would stand 35 s after it.
    let aligned = order(&[]);
    assert!(pos(&aligned, "pm.max_children") < pos(&aligned, "Killed process 32969"));
    let raw = order(&["--no-align"]);
    assert!(pos(&raw, "pm.max_children") > pos(&raw, "Killed process 32969"));
    // A hand-set offset wins.
    let (json, _) = stdout_of(&[
        "sources",
        "--format",
        "json",
        "--clock-offset",
        "101=+35s",
        dir,
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let web = v["machines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "web")
        .unwrap();
    assert_eq!(web["clock_offset_s"].as_f64(), Some(35.0));
}

#[test]
fn incident_window_shows_host_and_guest_around_the_stop() {
    let dir = corpora().join("bundles/pve-oom");
    let out = pvelog()
        .args([
            "timeline",
            "--incident",
            "--window",
            "10s",
            "--format",
            "jsonl",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the verdict's incident: VM 101 at 2025-07-29T09:56:40"),
        "{stderr}"
    );
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let roles: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["guest", "host"].into_iter().collect());
    for e in &events {
        let t = e["time"].as_str().unwrap();
        assert!(
            ("2025-07-29T09:56:30"..="2025-07-29T09:56:50").contains(&t),
            "{t}"
        );
    }
    let out = pvelog()
        .args(["timeline", "--incident=2"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shows 1 incident(s)"));
    let out = pvelog()
        .args(["timeline", "--incident=1", "--window", "10s"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("incident 1 of 1: VM 101"));
}

/// The README's `pvelog timeline --incident bundle.tgz`: a bare `--incident` never takes the
/// path as its N.
#[test]
fn a_bare_incident_flag_never_eats_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let tgz = dir.path().join("bundle.tgz");
    std::fs::write(&tgz, tgz_of(&corpora().join("bundles/pve-oom"))).unwrap();
    let out = pvelog()
        .current_dir(dir.path())
        .args(["timeline", "--incident", "bundle.tgz"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Out of memory: Killed process 32969"));
}

#[test]
fn vm_and_unit_filters_narrow_the_timeline() {
    let dir = corpora().join("bundles/pve-oom");
    let lines = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = pvelog()
            .args(["timeline", "--format", "jsonl"])
            .args(args)
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let vm = lines(&["--vm", "101"]);
    assert!(!vm.is_empty());
    assert!(
        vm.iter()
            .all(|e| e["role"] == "guest" && e["machine"] == "web")
    );
    let unit = lines(&["--unit", "pvedaemon.service"]);
    assert!(!unit.is_empty());
    assert!(unit.iter().all(|e| e["ident"] == "pvedaemon"));
    assert!(lines(&["--vm", "999"]).is_empty());
}

#[test]
fn a_flood_of_one_line_in_two_sources_pairs_every_copy() {
    // 300 identical kernel lines in the same second, in kern.log and in the journal: 300 pairs,
    // none lost, none merged within a source.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("host/pve1");
    std::fs::create_dir_all(&dir).unwrap();
    let line =
        "kernel: Buffer I/O error on dev dm-7, logical block 3819520, lost async page write\n";
    std::fs::write(
        dir.join("kern.log"),
        format!("Jul 29 09:56:40 pve1 {line}").repeat(300),
    )
    .unwrap();
    std::fs::write(
        dir.join("journal.txt"),
        format!("2025-07-29T09:56:40+0000 pve1 {line}").repeat(300),
    )
    .unwrap();
    let (out, code) = stdout_of(&[
        "timeline",
        "--format",
        "jsonl",
        "--reference-time",
        "2025-08-01",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let mut sizes = std::collections::BTreeMap::new();
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        *sizes
            .entry(v["dup_group"].as_u64().expect("every copy grouped"))
            .or_insert(0) += 1;
    }
    assert_eq!(sizes.len(), 300);
    assert!(sizes.values().all(|n| *n == 2));
}

#[test]
fn clock_pairs_from_another_vm_are_not_used() {
    // Both bundles hold VM 102's freeze or kill next to guest 101's records: pairing them gave
    // a confident, wrong offset before the pairs were tied to their VM.
    for (name, truth) in [("other-vms-freeze", 70.0), ("other-vms-kill", 0.0)] {
        let dir = corpora().join("correlation").join(name);
        let (json, code) = stdout_of(&["sources", "--format", "json", dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        for m in v["machines"].as_array().unwrap() {
            if m["aligned"] == true {
                let offset = m["clock_offset_s"].as_f64().unwrap();
                assert!((offset - truth).abs() <= 2.0, "{name}: {m}");
            }
        }
    }
}

#[test]
fn dmesg_is_anchored_to_its_own_boot_not_the_first_that_reads_the_same() {
    // kern.log holds two boots whose first kernel lines read alike; dmesg is the second boot.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("host/pve1");
    std::fs::create_dir_all(&dir).unwrap();
    let boot = |day: &str, hh: &str| {
        format!(
            "2025-07-{day}T{hh}:00:00.100000+00:00 pve1 kernel: [    0.000000] Linux version 6.8.12-4-pve\n\
             2025-07-{day}T{hh}:00:01.000000+00:00 pve1 kernel: [    0.900000] ACPI: Core revision 20230628\n\
             2025-07-{day}T{hh}:00:02.000000+00:00 pve1 kernel: [    1.900000] EXT4-fs (dm-1): mounted filesystem\n"
        )
    };
    std::fs::write(dir.join("kern.log"), boot("01", "08") + &boot("20", "12")).unwrap();
    std::fs::write(
        dir.join("dmesg.txt"),
        "[    0.000000] Linux version 6.8.12-4-pve\n[    0.900000] ACPI: Core revision 20230628\n[    1.900000] EXT4-fs (dm-1): mounted filesystem\n[  100.000000] after kern.log ends\n",
    )
    .unwrap();
    let (out, code) = stdout_of(&[
        "timeline",
        "--format",
        "jsonl",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let last = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["message"] == "after kern.log ends")
        .unwrap();
    assert_eq!(last["time"], "2025-07-20T12:01:40.100000Z");
}
