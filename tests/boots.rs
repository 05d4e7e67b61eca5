//! `pvelog boots` on `corpora/bundles/boots`: the guest's clean, unclean and running boots and
//! the host's `last -x` boots (no year in the file: years from the `wtmp begins` trailer) are
//! labelled and dated right, in text and JSON.

mod support;

use serde_json::Value;
use support::{corpora, pvelog};

fn boots_json() -> Value {
    boots_json_of(&corpora().join("bundles/boots"), &[])
}

/// `pvelog boots --format json [ARGS] DIR`, which must succeed.
fn boots_json_of(dir: &std::path::Path, args: &[&str]) -> Value {
    let out = pvelog()
        .args(["boots", "--format", "json"])
        .args(args)
        .arg(dir)
        .output()
        .expect("run pvelog");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn machine<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["machines"]
        .as_array()
        .expect("machines")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("machine {name} in {doc:#}"))
}

/// (start, end, end_kind) of each boot.
fn summary(m: &Value) -> Vec<(String, String, String)> {
    m["boots"]
        .as_array()
        .expect("boots")
        .iter()
        .map(|b| {
            let s = |k: &str| b[k].as_str().unwrap_or("-").to_string();
            (s("start"), s("end"), s("end_kind"))
        })
        .collect()
}

fn row(start: &str, end: &str, kind: &str) -> (String, String, String) {
    (start.to_string(), end.to_string(), kind.to_string())
}

#[test]
fn guest_boots_are_labelled_and_dated() {
    let doc = boots_json();
    assert_eq!(doc["schema_version"], 1);
    let app = machine(&doc, "app");
    assert_eq!(app["role"], "guest");
    // rsyslog stamped each boot's kernel banner when it read the ring buffer; the kernel lines
    // that carry their uptime put the start a second or two earlier.
    assert_eq!(
        summary(app),
        [
            row(
                "2025-01-13T06:00:03.295482Z",
                "2025-01-13T23:10:03.000000Z",
                "clean"
            ),
            row(
                "2025-01-13T23:10:24.301228Z",
                "2025-01-14T22:41:17.000000Z",
                "unclean"
            ),
            row("2025-01-14T22:43:04.197552Z", "-", "running"),
        ]
    );
    let boots = app["boots"].as_array().expect("boots");
    let texts = |i: usize| -> Vec<String> {
        boots[i]["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .map(|e| e["text"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(
        texts(0).iter().any(|t| t.ends_with("System is rebooting.")),
        "{:?}",
        texts(0)
    );
    assert!(
        texts(1)
            .iter()
            .any(|t| t.contains("corrupted or uncleanly shut down")),
        "{:?}",
        texts(1)
    );
    // Evidence is quoted with its place in the source.
    let e = &boots[1]["evidence"][0];
    assert_eq!(e["source"], "guest/101-app/var/log/syslog");
    assert!(e["line"].as_u64().is_some() && e["offset"].as_u64().is_some());
}

#[test]
fn host_last_boots_take_their_years_from_the_trailer() {
    let doc = boots_json();
    let host = machine(&doc, "pve2");
    assert_eq!(host["role"], "host");
    assert_eq!(
        summary(host),
        [
            row(
                "2024-12-02T09:12:00.000000Z",
                "2024-12-20T07:58:00.000000Z",
                "clean"
            ),
            row("2024-12-20T08:00:00.000000Z", "-", "running"),
        ]
    );
}

#[test]
fn text_output_lists_each_boot_with_its_evidence() {
    let dir = corpora().join("bundles/boots");
    let out = pvelog()
        .arg("boots")
        .arg(&dir)
        .output()
        .expect("run pvelog");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.contains("app (guest): 3 boots"), "{text}");
    assert!(text.contains("pve2 (host): 2 boots"), "{text}");
    let unclean = text
        .lines()
        .find(|l| l.contains("2025-01-13T23:10:24.301228Z"))
        .expect("the unclean boot");
    assert!(unclean.contains("unclean"), "{unclean}");
    assert!(text.contains("guest/101-app/var/log/syslog:28"), "{text}");
}

/// A source that shows no boot of its own (Proxmox's task index: no kernel banner, no boot id)
/// runs on across a host's power loss: its records after the next boot began belong to that
/// boot, and the lost boot ends at its own last record, not at the boot-time `startall` task's.
#[test]
fn a_source_without_boots_is_split_at_the_machines_reboot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = dir.path().join("host/pve1");
    std::fs::create_dir_all(host.join("var/log/pve/tasks")).expect("mkdir");
    std::fs::write(
        host.join("journal.txt"),
        "2025-07-17T23:50:01+0000 pve1 pvestatd[1204]: status update time (5.112 seconds)\n\
         2025-07-18T00:52:17+0000 pve1 pveproxy[2210]: worker 3301 finished\n\
         2025-07-18T00:55:29+0000 pve1 kernel: Linux version 6.8.12-11-pve (build@proxmox) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-11 (2025-05-22T09:39Z) ()\n\
         2025-07-18T00:55:35+0000 pve1 systemd-journald[402]: File /var/log/journal/0c9a/system.journal corrupted or uncleanly shut down, renaming and replacing.\n\
         2025-07-18T00:58:02+0000 pve1 pvestatd[1190]: status update time (5.021 seconds)\n",
    )
    .expect("journal");
    // The `qmshutdown` of the evening before, then the boot's `startall` (00:55:37 to 00:56:56).
    std::fs::write(
        host.join("var/log/pve/tasks/index"),
        "UPID:pve1:001B0C44:0810D64A:687973A0:qmshutdown:203:root@pam: 687973A1 OK\n\
         UPID:pve1:000007C2:00001C3E:68799BC9:startall::root@pam: 68799BD8 OK\n",
    )
    .expect("index");
    let doc = boots_json_of(dir.path(), &["--reference-time", "2025-07-18T02:00:00Z"]);
    let rows = summary(machine(&doc, "pve1"));
    assert_eq!(
        rows.iter()
            .map(|(_, end, kind)| (end.as_str(), kind.as_str()))
            .collect::<Vec<_>>(),
        [("2025-07-18T00:52:17.000000Z", "unclean"), ("-", "running")],
        "{rows:?}"
    );
}

/// A guest that booted on its RTC and had its clock stepped back by NTP seconds later stamps
/// the rest of its new boot before the kernel banner. Those records are still the new boot's
/// (they were written after the banner): the old boot ends at its own last record.
#[test]
fn records_stamped_before_the_banner_by_a_clock_stepped_back_stay_in_the_new_boot() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("syslog"),
        "Sep 22 12:17:00 gitlab CRON[522210]: pam_unix(cron:session): session closed for user root\n\
         Sep 22 13:05:23 gitlab systemd[1]: Started Session 2211 of User git.\n\
         Sep 22 13:36:30 gitlab kernel: [    0.000000] Linux version 5.15.0-119-generic (buildd@lcy02-amd64-075) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #129-Ubuntu SMP Fri Aug 2 19:25:20 UTC 2024 (Ubuntu 5.15.0-119.129-generic 5.15.158)\n\
         Sep 22 13:36:32 gitlab kernel: [    1.911000] EXT4-fs (dm-0): recovery complete\n\
         Sep 22 13:36:33 gitlab systemd-journald[389]: File /var/log/journal/e2197b637ece34553a2a21361d14e12f/system.journal corrupted or uncleanly shut down, renaming and replacing.\n\
         Sep 22 13:35:04 gitlab systemd-timesyncd[611]: Initial synchronization to time server 10.1.1.5:123 (ntp1.corp.lan).\n\
         Sep 22 13:35:04 gitlab systemd-journald[389]: Time jumped backwards, rotating.\n\
         Sep 22 13:35:18 gitlab systemd[1]: Reached target Multi-User System.\n\
         Sep 22 14:17:00 gitlab CRON[7122]: pam_unix(cron:session): session closed for user root\n",
    )
    .expect("syslog");
    let doc = boots_json_of(dir.path(), &["--reference-time", "2025-09-22T15:00:00Z"]);
    let rows = summary(machine(&doc, "gitlab"));
    assert_eq!(
        rows.iter()
            .map(|(_, end, kind)| (end.as_str(), kind.as_str()))
            .collect::<Vec<_>>(),
        [("2025-09-22T13:05:23.000000Z", "unclean"), ("-", "running")],
        "{rows:?}"
    );
}

/// `journalctl --list-boots` before systemd 251 prints local times with a zone abbreviation
/// (`BST`) that names no one offset: the machine's zone (its `timedatectl`) dates the rows, so
/// they join the boots its other files show rather than standing apart undated.
#[test]
fn list_boots_rows_in_local_time_take_the_machines_zone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = dir.path().join("host/pve-node3");
    std::fs::create_dir_all(&host).expect("mkdir");
    std::fs::write(
        host.join("list-boots.txt"),
        "-1 0e60df92f8231d9965e382cbad3c3ba1 Wed 2025-09-03 10:41:20 BST—Mon 2025-09-22 14:10:41 BST\n \
         0 7387da67d9d2ef5d715256ba6d80d558 Mon 2025-09-22 14:36:05 BST—Mon 2025-09-22 15:30:31 BST\n",
    )
    .expect("list-boots");
    std::fs::write(
        host.join("timedatectl.txt"),
        "               Local time: Mon 2025-09-22 15:30:41 BST\n           Universal time: Mon 2025-09-22 14:30:41 UTC\n                 RTC time: Mon 2025-09-22 14:30:41\n                Time zone: Europe/London (BST, +0100)\nSystem clock synchronized: yes\n",
    )
    .expect("timedatectl");
    std::fs::write(
        host.join("kern.log"),
        "Sep 22 14:36:05 pve-node3 kernel: [    0.000000] Linux version 5.15.158-2-pve (build@proxmox) (gcc (Debian 10.2.1-6) 10.2.1 20210110, GNU ld (GNU Binutils for Debian) 2.35.2) #1 SMP PVE 5.15.158-2 (2024-07-26T13:15Z) ()\n\
         Sep 22 15:17:00 pve-node3 kernel: [ 2455.000000] perf: interrupt took too long (2505 > 2500), lowering kernel.perf_event_max_sample_rate to 79750\n",
    )
    .expect("kern.log");
    let doc = boots_json_of(dir.path(), &["--reference-time", "2025-09-22T15:00:00Z"]);
    let rows = summary(machine(&doc, "pve-node3"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    let boots = machine(&doc, "pve-node3")["boots"]
        .as_array()
        .expect("boots");
    assert_eq!(boots[0]["first_record"], "2025-09-03T09:41:20.000000Z");
    assert_eq!(boots[0]["last_record"], "2025-09-22T13:10:41.000000Z");
    // The current boot's row and its kernel banner are one boot.
    assert_eq!(boots[1]["boot_id"], "7387da67d9d2ef5d715256ba6d80d558");
    assert!(rows[1].0.starts_with("2025-09-22T13:36:0"), "{rows:?}");
}
