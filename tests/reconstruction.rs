//! The runbook's reconstruction in `diagnose --format json`, read back: on the pve-oom bundle
//! the host's memory ran out, the kernel killed VM 101's kvm, and `qmstart` brought it back.

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
