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
