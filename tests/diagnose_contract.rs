//! `diagnose --format json` read back: the runbook's reconstruction (on the pve-oom bundle the
//! host's memory ran out, the kernel killed VM 101's kvm, and `qmstart` brought it back), and
//! each record cited once, by its primary copy, with the other places it was seen.

mod support;

use support::{corpora, pvelog};

fn diagnose_json(bundle: &str) -> serde_json::Value {
    let dir = corpora().join("bundles").join(bundle);
    let out = pvelog()
        .args(["diagnose", "--format", "json"])
        .arg(&dir)
        .output()
        .expect("run pvelog");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn pve_oom_is_a_kill_of_vm_101_recovered_by_qmstart_after_five_minutes() {
    let d = diagnose_json("pve-oom");
    let r = &d["reconstruction"];
    assert_eq!(r["trigger"]["kind"], "oom_killed");
    assert_eq!(r["trigger"]["time"], d["verdict"]["incident_time"]);
    assert!(
        r["trigger"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Killed process 32969 (kvm)"))
    );
    assert_eq!(r["pressure_start"], "2025-07-29T09:56:40.000000Z");
    assert_eq!(r["pressure"]["kind"], "oom_invoked");
    assert_eq!(r["recovery"], "recovered");
    assert_eq!(r["recovered_at"], "2025-07-29T10:01:40.000000Z");
    assert!(
        r["recovered_by"]["text"]
            .as_str()
            .is_some_and(|t| t.contains(":qmstart:101:"))
    );
    assert_eq!(r["downtime_s"], 300.0);
}

#[test]
fn a_bundle_without_a_trigger_reconstructs_nothing() {
    let r = &diagnose_json("boots")["reconstruction"];
    assert_eq!(r["trigger"], serde_json::Value::Null);
    assert_eq!(r["recovery"], "unknown");
    assert_eq!(r["activities"], serde_json::json!([]));
}

#[test]
fn a_record_in_the_journal_and_kern_log_is_cited_once_with_also_seen() {
    let d = diagnose_json("pve-oom");
    let evidence = d["findings"][0]["evidence"].as_array().expect("evidence");
    let kills: Vec<&serde_json::Value> = evidence
        .iter()
        .filter(|e| {
            e["text"]
                .as_str()
                .is_some_and(|t| t.contains("Out of memory: Killed process 32969"))
        })
        .collect();
    assert_eq!(kills.len(), 1, "{evidence:?}");
    assert_eq!(kills[0]["source"], "host/pve1/journal.txt");
    assert_eq!(
        kills[0]["also_seen"],
        serde_json::json!([{"source": "host/pve1/var/log/kern.log", "line": 24, "offset": kills[0]["also_seen"][0]["offset"]}])
    );
    // The offset names the line's first byte in kern.log.
    let kern = std::fs::read(corpora().join("bundles/pve-oom/host/pve1/var/log/kern.log"))
        .expect("kern.log");
    let offset = kills[0]["also_seen"][0]["offset"].as_u64().expect("offset") as usize;
    let line: Vec<u8> = kern[offset..]
        .iter()
        .take_while(|&&b| b != b'\n')
        .copied()
        .collect();
    assert!(String::from_utf8_lossy(&line).contains("Killed process 32969 (kvm)"));
    for e in evidence {
        assert!(e["also_seen"].is_array(), "{e}");
    }
}

#[test]
fn incident_n_narrows_the_diagnosis_to_that_vm_and_never_eats_the_input() {
    let dir = corpora().join("bundles/pve-oom");
    let run = |args: &[&str]| {
        pvelog()
            .arg("diagnose")
            .args(args)
            .arg(&dir)
            .output()
            .expect("run pvelog")
    };
    let by_incident = run(&["--format", "json", "--incident=1"]);
    let by_vm = run(&["--format", "json", "--vm", "101"]);
    assert_eq!(by_incident.status.code(), Some(0));
    assert_eq!(by_incident.stdout, by_vm.stdout);
    let bare = run(&["--incident"]);
    assert_eq!(bare.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bare.stdout).starts_with("verdict     memory_overcommit"));
    let missing = run(&["--incident=2"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("shows 1 incident(s)"));
}

#[test]
fn a_pod_listing_that_shows_oom_killed_is_memory_evidence() {
    // `kubectl get pod` as pasted: KubeVirt's launcher pod holds the VM's QEMU, so the VM
    // stopped; another pod's container is a service killed.
    let tmp = tempfile::tempdir().unwrap();
    let verdict = |listing: &str| {
        let path = tmp.path().join("pods.txt");
        std::fs::write(&path, listing).unwrap();
        let out = pvelog()
            .args(["diagnose", "--format", "json", "--quiet"])
            .arg(&path)
            .output()
            .expect("run pvelog");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        (
            json["verdict"]["family"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            json["verdict"]["outcome"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    assert_eq!(
        verdict(
            "NAME                            READY   STATUS      RESTARTS   AGE\n\
             virt-launcher-testvm-abcde      0/2     OOMKilled   0          5m\n"
        ),
        ("memory_overcommit".to_owned(), "vm_stopped".to_owned())
    );
    assert_eq!(
        verdict(
            "NAME                            READY   STATUS      RESTARTS   AGE\n\
             importer-prime-4f2a             0/1     OOMKilled   2          3m\n"
        ),
        ("memory_overcommit".to_owned(), "service_killed".to_owned())
    );
}

#[test]
fn a_guest_held_after_its_panic_is_paused_and_dated_by_timedatectl() {
    // A flat paste folder: the host's syslog (no year), its `timedatectl`, `qm list`, and the
    // operator's `qm status 205 --verbose` showing the guest panicked (pvpanic with
    // `-action panic=pause`); the Windows guest's events in a file named after the VM.
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(tmp.path().join(name), text).unwrap();
    write(
        "syslog",
        "Feb 18 09:10:01 hv01 CRON[1822001]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)\n\
         Feb 18 09:14:20 hv01 pmxcfs[1402]: [status] notice: received log\n\
         Feb 18 09:34:40 hv01 pvedaemon[1822301]: <root@pam> starting task UPID:hv01:001BCE7D:0462C1A4:67B4A9E0:qmreset:205:root@pam:\n\
         Feb 18 09:34:40 hv01 pvedaemon[1822301]: <root@pam> end task UPID:hv01:001BCE7D:0462C1A4:67B4A9E0:qmreset:205:root@pam: OK\n",
    );
    write(
        "timedatectl.txt",
        "               Local time: Tue 2025-02-18 09:52:30 CST\n           Universal time: Tue 2025-02-18 15:52:30 UTC\n                 RTC time: Tue 2025-02-18 15:52:30\n                Time zone: America/Chicago (CST, -0600)\nSystem clock synchronized: yes\n              NTP service: active\n          RTC in local TZ: no\n",
    );
    write(
        "qm-list.txt",
        "      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       \n       205 win-sql01            running    16384            200.00 2211      \n",
    );
    write(
        "qm-status-205.txt",
        "root@hv01:~# qm status 205 --verbose\nballoon: 17179869184\nballooninfo:\n\tactual: 17179869184\ncpus: 8\nname: win-sql01\npid: 2211\nqmpstatus: guest-panicked\nrunning-qemu: 8.1.5\nstatus: running\nuptime: 736001\nvmid: 205\n",
    );
    write(
        "win-sql01-System-events.txt",
        "TimeCreated                      Id LevelDisplayName Message\r\n-----------                      -- ---------------- -------\r\n2/18/2025 9:36:27 AM          1001 Error            The computer has rebooted from a bugcheck.  The bugcheck was: 0x000000d1 (0x0000000000000010, 0x0000000000000002, 0x0000000000000000, 0xfffff8057a2c1d3e).\r\n2/18/2025 9:35:38 AM            41 Critical         The system has rebooted without cleanly shutting down first. This error could be caused if the system stopped responding, crashed, or lost power unexpectedly.\r\n",
    );
    let out = pvelog()
        .args(["diagnose", "--format", "json"])
        .arg(tmp.path())
        .output()
        .expect("run pvelog");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The year comes from `timedatectl`'s `Universal time`, not the files' age.
    assert!(!stderr.contains("modification times"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let verdict = &json["verdict"];
    assert_eq!(verdict["family"], "inconclusive", "{verdict}");
    assert_eq!(verdict["outcome"], "vm_paused", "{verdict}");
    assert_eq!(verdict["affected_vms"], serde_json::json!([205]));
    let quoted = json.to_string();
    assert!(quoted.contains("qmpstatus: guest-panicked"), "{quoted}");
    assert!(quoted.contains("rebooted from a bugcheck"), "{quoted}");

    let sources = pvelog()
        .args(["sources"])
        .arg(tmp.path())
        .output()
        .expect("run pvelog");
    let listing = String::from_utf8_lossy(&sources.stdout);
    assert!(
        listing.contains("machine  win-sql01 (guest, from vm name)"),
        "{listing}"
    );
    assert!(listing.contains("2025-02-18T15:10:01"), "{listing}");
}
