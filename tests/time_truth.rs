//! Time truth across a machine's files: one zone per machine (a `last -x` output, which shares
//! no record with the logs, takes the offset derived for its machine's other files, or the
//! offsets its machine's own records were written with), a task log's status line at the task's
//! end, a migration over before a kill no activity at it, and notes
//! that say only what happened (the note about years inferred from file modification times
//! appears only when a year was).

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on purpose"
)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use support::{pvelog, timeline_jsonl};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The JSON Lines events of a bundle, keyed by source.

#[test]
fn a_last_output_takes_the_zone_of_its_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let host = tmp.path().join("host/pve1");
    // rsyslog's RFC 3339 copy dates the traditional kern.log (+02:00); last -x shares no record.
    write(
        &host,
        "syslog",
        "2025-07-29T10:00:00.123456+02:00 pve1 pvedaemon[1200]: <root@pam> starting task UPID:pve1:00001234:00000001:6888A0A0:qmstart:101:root@pam:\n\
         2025-07-29T10:00:05.000000+02:00 pve1 kernel: device tap101i0 entered promiscuous mode\n",
    );
    write(
        &host,
        "kern.log",
        "Jul 29 10:00:05 pve1 kernel: device tap101i0 entered promiscuous mode\n\
         Jul 29 10:00:06 pve1 kernel: vmbr0: port 2(tap101i0) entered forwarding state\n",
    );
    write(
        &host,
        "last.txt",
        "reboot   system boot  6.8.12-4-pve     Tue Jul 29 09:58   still running\n",
    );
    let all = timeline_jsonl(&tmp.path().join("host"));
    let time_of = |source: &str| {
        all.iter()
            .find(|e| e["source"] == source)
            .map(|e| (e["time"].clone(), e["time_quality"].clone()))
            .unwrap()
    };
    let (kern, _) = time_of("pve1/kern.log");
    assert_eq!(kern, "2025-07-29T08:00:05.000000Z");
    let (boot, quality) = time_of("pve1/last.txt");
    assert_eq!(boot, "2025-07-29T07:58:00.000000Z");
    assert!(
        quality
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q == "tz_derived"),
        "{quality}"
    );
    let out = pvelog()
        .args(["sources", "--quiet"])
        .arg(tmp.path().join("host"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("offset +02:00 of machine pve1, as derived for pve1/kern.log"),
        "{text}"
    );
}

#[test]
fn the_modification_time_note_appears_only_when_a_year_came_from_one() {
    let tmp = tempfile::tempdir().unwrap();
    // Seconds since boot need no year: no note.
    write(
        tmp.path(),
        "dmesg.txt",
        "[    0.000000] Linux version 6.8.12-4-pve (build@proxmox) #1 SMP PREEMPT_DYNAMIC\n\
         [    5.123456] EXT4-fs (dm-1): mounted filesystem with ordered data mode\n",
    );
    let out = pvelog()
        .arg("timeline")
        .arg(tmp.path().join("dmesg.txt"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("modification times"), "{stderr}");
    // A yearless syslog alone takes its year from the file's modification time: the note.
    write(
        tmp.path(),
        "syslog",
        "Jul 29 10:00:05 pve1 kernel: device tap101i0 entered promiscuous mode\n",
    );
    let out = pvelog()
        .arg("timeline")
        .arg(tmp.path().join("syslog"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("modification times"), "{stderr}");
}

#[test]
fn a_machines_timedatectl_names_the_zone_of_its_local_time_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let guest = tmp.path().join("guest/101-web");
    // The guest's rsyslog writes Berlin time without an offset; its timedatectl says so. The
    // manifest names the collecting host's zone, UTC, which must not apply to the guest.
    write(
        tmp.path(),
        "manifest.json",
        r#"{"collected_at": "2024-10-28T10:00:00Z", "timezone": "UTC"}"#,
    );
    write(
        &guest,
        "var/log/syslog",
        "Oct 26 23:30:00 web CRON[812]: (root) CMD (run-parts /etc/cron.hourly)\n\
         Oct 27 02:30:00 web CRON[813]: (root) CMD (run-parts /etc/cron.hourly)\n",
    );
    write(
        &guest,
        "timedatectl.txt",
        "               Local time: Mon 2024-10-28 11:00:00 CET\n           Universal time: Mon 2024-10-28 10:00:00 UTC\n                 RTC time: Mon 2024-10-28 10:00:00\n                Time zone: Europe/Berlin (CET, +0100)\nSystem clock synchronized: yes\n              NTP service: active\n          RTC in local TZ: no\n",
    );
    let all = timeline_jsonl(tmp.path());
    let times: Vec<&str> = all
        .iter()
        .filter(|e| e["source"] == "guest/101-web/var/log/syslog")
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    // 23:30 CEST (+02:00) the evening before; 02:30 after the change back is ambiguous in
    // Berlin and either reading is an hour apart, never the UTC one.
    assert_eq!(times[0], "2024-10-26T21:30:00.000000Z");
    assert!(
        times[1] == "2024-10-27T00:30:00.000000Z" || times[1] == "2024-10-27T01:30:00.000000Z",
        "{times:?}"
    );
}

#[test]
fn a_printed_weekday_pins_the_year_over_a_file_modification_time() {
    let tmp = tempfile::tempdir().unwrap();
    let host = tmp.path().join("host/pve1");
    // No trailer, no manifest, no other dated record: the reference is the file's modification
    // time (now), but Thursday 8 May is 2025, not this year.
    write(
        &host,
        "last.txt",
        "root     pts/0        10.0.0.5         Thu May  8 10:02   still logged in\n\
         reboot   system boot  6.8.12-4-pve     Thu May  8 09:58   still running\n",
    );
    let all = timeline_jsonl(&tmp.path().join("host"));
    let times: Vec<&str> = all.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        ["2025-05-08T09:58:00.000000Z", "2025-05-08T10:02:00.000000Z"]
    );
    let out = pvelog()
        .args(["timeline", "--format", "jsonl"])
        .arg(tmp.path().join("host"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("modification time"), "{stderr}");
}

#[test]
fn a_journal_pasted_newest_first_is_read_oldest_first() {
    let tmp = tempfile::tempdir().unwrap();
    // `journalctl -r` across New Year, no year written: read oldest first, the December
    // records take the year before the January ones.
    write(
        tmp.path(),
        "host/pve1/journal.txt",
        "Jan 01 00:00:40 pve1 pvestatd[1580]: status update time (2.118 seconds)\n\
         Jan 01 00:00:30 pve1 pvestatd[1580]: status update time (1.683 seconds)\n\
         Jan 01 00:00:20 pve1 pvestatd[1580]: status update time (1.204 seconds)\n\
         Dec 31 23:59:50 pve1 pvestatd[1580]: status update time (3.101 seconds)\n\
         Dec 31 23:59:40 pve1 pvestatd[1580]: status update time (4.471 seconds)\n\
         Dec 31 23:59:30 pve1 pvestatd[1580]: status update time (2.950 seconds)\n",
    );
    write(
        tmp.path(),
        "manifest.json",
        r#"{"collected_at": "2026-01-01T01:00:00Z", "timezone": "UTC"}"#,
    );
    let all = timeline_jsonl(tmp.path());
    let mut times: Vec<&str> = all.iter().map(|e| e["time"].as_str().unwrap()).collect();
    times.sort_unstable();
    assert_eq!(
        times,
        [
            "2025-12-31T23:59:30.000000Z",
            "2025-12-31T23:59:40.000000Z",
            "2025-12-31T23:59:50.000000Z",
            "2026-01-01T00:00:20.000000Z",
            "2026-01-01T00:00:30.000000Z",
            "2026-01-01T00:00:40.000000Z"
        ]
    );
}

/// The machine and how it was found, per source, from `pvelog sources --format json`.
fn machines_of(input: &Path) -> Vec<(String, String, String)> {
    let out = pvelog()
        .args(["sources", "--format", "json", "--quiet"])
        .arg(input)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["machine"].as_str().unwrap_or_default().to_string(),
                s["machine_from"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_nameless_file_takes_the_machine_of_its_folder_prefix_or_role() {
    let tmp = tempfile::tempdir().unwrap();
    // A flat paste folder: the host's kern.log and its dmesg (no host name in dmesg; both a
    // `-pve` kernel), the guest's syslog; then a second folder of two machines where only the
    // file-name prefix ties a dmesg to its journal.
    write(
        tmp.path(),
        "paste/kern.log",
        "Jul 28 09:56:40 pve1 kernel: [    0.000000] Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4\n\
         Jul 29 09:56:40 pve1 kernel: [86400.123456] Out of memory: Killed process 32969 (kvm) total-vm:17339840kB\n",
    );
    write(
        tmp.path(),
        "paste/web-syslog",
        "Jul 29 09:56:30 web php-fpm8.2[811]: [pool www] server reached pm.max_children setting (5)\n",
    );
    write(
        tmp.path(),
        "paste/dmesg.txt",
        "[    0.000000] Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4\n",
    );
    write(
        tmp.path(),
        "other/pve2-journal.txt",
        "Jul 29 09:50:00 pve2 pvestatd[1580]: status update time (2.118 seconds)\n",
    );
    write(
        tmp.path(),
        "other/web2-syslog",
        "Jul 29 09:56:30 web2 php-fpm8.2[811]: [pool www] server reached pm.max_children setting (5)\n",
    );
    write(
        tmp.path(),
        "other/pve2-dmesg.txt",
        "[ 1000.000000] perf: interrupt took too long (2505 > 2500), lowering kernel.perf_event_max_sample_rate to 79750\n",
    );
    let found = machines_of(tmp.path());
    let of = |path: &str| {
        found
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, m, from)| (m.as_str(), from.as_str()))
            .unwrap()
    };
    assert_eq!(of("paste/dmesg.txt"), ("pve1", "same folder"));
    assert_eq!(of("other/pve2-dmesg.txt"), ("pve2", "same name prefix"));
}

#[test]
fn an_efi_pstore_record_is_dated_by_its_own_name() {
    let tmp = tempfile::tempdir().unwrap();
    // systemd-pstore's archive of an EFI pstore record: the file name is
    // (seconds * 100 + part) * 1000 + count, the seconds those of the crash (2025-07-29
    // 09:56:39 UTC); nothing else of that boot is in the bundle.
    write(
        tmp.path(),
        "host/pve1/var/lib/systemd/pstore/1753783100/dmesg-efi-175378299901001",
        "Panic#1 Part1\n\
         <6>[86390.100000] perf: interrupt took too long (2505 > 2500), lowering kernel.perf_event_max_sample_rate to 79750\n\
         <4>[86399.500000] mce: [Hardware Error]: CPU 2: Machine Check Exception: 5 Bank 4: b200000000070005\n\
         <0>[86399.600000] Kernel panic - not syncing: Fatal machine check\n",
    );
    let all = timeline_jsonl(tmp.path());
    let times: Vec<&str> = all.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        [
            "2025-07-29T09:56:29.500000Z",
            "2025-07-29T09:56:38.900000Z",
            "2025-07-29T09:56:39.000000Z"
        ]
    );
    let found = machines_of(tmp.path());
    assert_eq!(found.len(), 1);
    let out = pvelog()
        .args(["sources", "--format", "json", "--quiet"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            v["sources"][0]["unparsed"].as_u64(),
            v["sources"][0]["banner_lines"].as_u64()
        ),
        (Some(0), Some(1)),
        "{v:#}"
    );
}

#[test]
fn a_fatal_machine_check_console_tail_is_dated_by_the_records_own_time() {
    let tmp = tempfile::tempdir().unwrap();
    // A serial-console capture of the host's last seconds: uptimes only, no other file of that
    // boot. TIME 1753782999 is 2025-07-29 09:56:39 UTC, the whole second when the error was
    // logged; the line printed at uptime 86399.6 is dated to the middle of that second.
    write(
        tmp.path(),
        "host/pve1/console.txt",
        "[86390.100000] perf: interrupt took too long (2505 > 2500), lowering kernel.perf_event_max_sample_rate to 79750\n\
         [86399.500000] mce: [Hardware Error]: CPU 2: Machine Check Exception: 5 Bank 4: b200000000070005\n\
         [86399.600000] mce: [Hardware Error]: TSC 0 ADDR 1f6c0b3c0 MISC 900008000005086\n\
         [86399.600000] mce: [Hardware Error]: PROCESSOR 0:50654 TIME 1753782999 SOCKET 0 APIC 6 microcode 2006e05\n\
         [86399.700000] mce: [Hardware Error]: Machine check: Processor context corrupt\n\
         [86399.800000] Kernel panic - not syncing: Fatal machine check\n",
    );
    let all = timeline_jsonl(tmp.path());
    let times: Vec<&str> = all.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        [
            "2025-07-29T09:56:30.000000Z",
            "2025-07-29T09:56:39.400000Z",
            "2025-07-29T09:56:39.500000Z",
            "2025-07-29T09:56:39.500000Z",
            "2025-07-29T09:56:39.600000Z",
            "2025-07-29T09:56:39.700000Z",
        ]
    );
}

#[test]
fn machine_check_records_that_disagree_on_their_boot_date_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // Two records of one boot whose TIME fields are an hour apart for the same uptime: one of
    // them is wrong, and nothing says which.
    write(
        tmp.path(),
        "host/pve1/console.txt",
        "[86399.600000] mce: [Hardware Error]: PROCESSOR 0:50654 TIME 1753782999 SOCKET 0 APIC 6 microcode 2006e05\n\
         [86399.700000] mce: [Hardware Error]: PROCESSOR 0:50654 TIME 1753786599 SOCKET 0 APIC 6 microcode 2006e05\n",
    );
    let all = timeline_jsonl(tmp.path());
    assert!(all.iter().all(|e| e["time"].is_null()), "{all:?}");
}

#[test]
fn a_machines_etc_timezone_names_its_zone_when_nothing_better_does() {
    let tmp = tempfile::tempdir().unwrap();
    let guest = tmp.path().join("guest/101-web");
    write(
        tmp.path(),
        "manifest.json",
        r#"{"collected_at": "2024-10-28T10:00:00Z", "timezone": "UTC"}"#,
    );
    write(
        &guest,
        "var/log/syslog",
        "Oct 26 23:30:00 web CRON[812]: (root) CMD (run-parts /etc/cron.hourly)\n",
    );
    // What `pvelog collect` brings of a guest's /etc/timezone.
    write(&guest, "timezone.txt", "Europe/Berlin\n");
    let all = timeline_jsonl(tmp.path());
    let syslog: Vec<&str> = all
        .iter()
        .filter(|e| e["source"] == "guest/101-web/var/log/syslog")
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    assert_eq!(syslog, ["2024-10-26T21:30:00.000000Z"]);
}

/// The events of one source, as (time, time_quality, message).
fn events_of(all: &[Value], source: &str) -> Vec<(String, Vec<String>, String)> {
    all.iter()
        .filter(|e| e["source"] == source)
        .map(|e| {
            (
                e["time"].as_str().unwrap_or("null").to_string(),
                e["time_quality"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|q| q.as_str().unwrap().to_string())
                    .collect(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A host whose journal (`short-iso`) writes `+0200` and whose kern.log (RFC 3164, no zone) and
/// `last -x` share none of its records: both take the zone its own records carry, with nothing
/// better naming it (no manifest zone, no timedatectl). A `timedatectl` naming another zone
/// beats it.
#[test]
fn a_machine_takes_the_offset_its_own_records_are_stamped_with() {
    let tmp = tempfile::tempdir().unwrap();
    let host = tmp.path().join("host/pve");
    write(
        tmp.path(),
        "manifest.json",
        r#"{"collected_at": "2025-07-29T10:30:00Z"}"#,
    );
    write(
        &host,
        "journal.txt",
        "2025-07-29T11:50:00+0200 pve pvestatd[1580]: status update time (3.902 seconds)\n\
         2025-07-29T11:55:00+0200 pve pvedaemon[2211]: <root@pam> successful auth for user 'root@pam'\n\
         2025-07-29T12:00:00+0200 pve pvestatd[1580]: status update time (2.118 seconds)\n",
    );
    write(
        &host,
        "var/log/kern.log",
        "Jul 29 11:56:40 pve kernel: [1234567.123456] kvm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0\n",
    );
    write(
        &host,
        "last-x.txt",
        "root     pts/0        10.0.0.5         Tue Jul 29 11:58   still logged in\n\
         reboot   system boot  6.8.12-4-pve     Mon Jul 14 09:00   still running\n",
    );
    let all = timeline_jsonl(tmp.path());
    let kern = events_of(&all, "host/pve/var/log/kern.log");
    assert_eq!(kern[0].0, "2025-07-29T09:56:40.000000Z");
    assert!(kern[0].1.contains(&"tz_derived".to_string()), "{kern:?}");
    let last = events_of(&all, "host/pve/last-x.txt");
    assert!(
        last.iter().any(|e| e.0 == "2025-07-29T09:58:00.000000Z"),
        "{last:?}"
    );
    let out = pvelog()
        .args(["sources", "--quiet"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "offset +02:00 of machine pve, as its own records carry it in host/pve/journal.txt"
        ),
        "{text}"
    );
    // The machine's own timedatectl names its zone: it wins over the written offsets.
    write(
        &host,
        "timedatectl.txt",
        "               Local time: Tue 2025-07-29 06:30:00 EDT\n           Universal time: Tue 2025-07-29 10:30:00 UTC\n                 RTC time: Tue 2025-07-29 10:30:00\n                Time zone: America/New_York (EDT, -0400)\nSystem clock synchronized: yes\n              NTP service: active\n          RTC in local TZ: no\n",
    );
    let all = timeline_jsonl(tmp.path());
    let kern = events_of(&all, "host/pve/var/log/kern.log");
    assert_eq!(kern[0].0, "2025-07-29T15:56:40.000000Z");
}

/// The night summer time ends in Berlin: the journal writes `+0200` up to 02:59:59 and `+0100`
/// from 02:00:00 again; a kern.log of other lines (no zone) spans the change. Each kern.log
/// record takes the offset written at its instant, the repeated hour resolved by the order of
/// the records.
#[test]
fn written_offsets_that_change_are_followed_in_time() {
    let tmp = tempfile::tempdir().unwrap();
    let host = tmp.path().join("host/pve");
    write(
        tmp.path(),
        "manifest.json",
        r#"{"collected_at": "2025-10-26T06:00:00Z"}"#,
    );
    write(
        &host,
        "journal.txt",
        "2025-10-26T01:00:00+0200 pve pvestatd[1580]: status update time (3.902 seconds)\n\
         2025-10-26T02:59:00+0200 pve pvestatd[1580]: status update time (2.118 seconds)\n\
         2025-10-26T02:01:00+0100 pve pvestatd[1580]: status update time (1.402 seconds)\n\
         2025-10-26T04:00:00+0100 pve pvestatd[1580]: status update time (1.009 seconds)\n",
    );
    write(
        &host,
        "var/log/kern.log",
        "Oct 26 01:30:00 pve kernel: vmbr0: port 2(tap101i0) entered blocking state\n\
         Oct 26 02:30:00 pve kernel: vmbr0: port 2(tap101i0) entered disabled state\n\
         Oct 26 02:40:00 pve kernel: vmbr0: port 2(tap101i0) entered forwarding state\n\
         Oct 26 02:20:00 pve kernel: tap101i0: left allmulticast mode\n\
         Oct 26 03:30:00 pve kernel: vmbr0: port 3(tap102i0) entered blocking state\n",
    );
    let all = timeline_jsonl(tmp.path());
    let times: Vec<String> = events_of(&all, "host/pve/var/log/kern.log")
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        times,
        [
            "2025-10-25T23:30:00.000000Z",
            "2025-10-26T00:30:00.000000Z",
            "2025-10-26T00:40:00.000000Z",
            "2025-10-26T01:20:00.000000Z",
            "2025-10-26T02:30:00.000000Z",
        ]
    );
}

/// The live migration's task log as qemu-server writes it, named by its UPID.
const MIGRATION_UPID: &str = "UPID:pve:00031A2B:05124C7E:67CEF2C8:qmigrate:102:root@pam:";

fn migration_task_log(dir: &Path, status: bool) {
    let mut text = String::from(
        "2025-03-10 14:10:16 starting migration of VM 102 to node 'pve-b' (10.10.10.2)\n\
         2025-03-10 14:10:16 found local disk 'local-lvm:vm-102-disk-0' (in current VM config)\n\
         2025-03-10 14:10:19 start migrate command to unix:/run/qemu-server/102.migrate\n\
         2025-03-10 14:10:20 migration active, transferred 1.1 GiB of 4.0 GiB VM-state, 1.1 GiB/s\n\
         2025-03-10 14:10:27 average migration speed: 819.2 MiB/s - downtime 45 ms\n\
         2025-03-10 14:10:27 migration status: completed\n\
         2025-03-10 14:10:30 migration finished successfully (duration 00:00:14)\n",
    );
    if status {
        text.push_str("TASK OK\n");
    }
    write(dir, &format!("var/log/pve/tasks/8/{MIGRATION_UPID}"), &text);
}

/// A task log's status line (`TASK OK`) has no time of its own: it is dated at the task's end
/// from the task list (`index`: UPID, end time in hex), else at the log's last dated line (a
/// lower bound, said so), never at the task's start.
#[test]
fn a_task_logs_status_line_is_dated_at_the_tasks_end() {
    let tmp = tempfile::tempdir().unwrap();
    let host = tmp.path().join("host/pve");
    write(
        tmp.path(),
        "manifest.json",
        r#"{"collected_at": "2025-03-10T15:00:00Z", "timezone": "UTC"}"#,
    );
    migration_task_log(&host, true);
    let log = format!("host/pve/var/log/pve/tasks/8/{MIGRATION_UPID}");
    let status = |all: &[Value]| {
        events_of(all, &log)
            .into_iter()
            .find(|e| e.2 == "TASK OK")
            .unwrap()
    };
    // The log alone: its last dated line, 14:10:30, as a lower bound.
    let all = timeline_jsonl(tmp.path());
    assert_eq!(status(&all).0, "2025-03-10T14:10:30.000000Z");
    let sources = |dir: &Path| {
        let out = pvelog()
            .args(["sources", "--quiet"])
            .arg(dir)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(sources(tmp.path()).contains("a lower bound"));
    // The task list says when it ended: 0x67CEF2E0 = 14:10:40.
    write(
        &host,
        "var/log/pve/tasks/index",
        &format!("{MIGRATION_UPID} 67CEF2E0 OK\n"),
    );
    let all = timeline_jsonl(tmp.path());
    let (time, quality, _) = status(&all);
    assert_eq!(time, "2025-03-10T14:10:40.000000Z");
    assert_eq!(quality, ["task_anchored"]);
    assert!(sources(tmp.path()).contains("placed at the task's end"));
    // A status line nothing dates is left undated, not put at the start.
    let bare = tempfile::tempdir().unwrap();
    write(
        bare.path(),
        &format!("var/log/pve/tasks/8/{MIGRATION_UPID}"),
        "found local disk 'local-lvm:vm-102-disk-0' (in current VM config)\nTASK OK\n",
    );
    let all = timeline_jsonl(bare.path());
    let events = events_of(&all, &format!("var/log/pve/tasks/8/{MIGRATION_UPID}"));
    assert_eq!(events[0].0, "2025-03-10T14:10:16.000000Z");
    assert_eq!(events[1].0, "null");
}

/// A node's journal around an OOM kill of VM 101 at 14:40:22, 30 minutes after VM 102 was
/// live-migrated away from it (`end task … OK` when `ended`).
fn node_journal(ended: bool) -> String {
    let mut text = format!(
        "2025-03-10T14:00:00.483444+0000 pve pvestatd[1580]: status update time (3.902 seconds)\n\
         2025-03-10T14:10:16.643379+0000 pve pvedaemon[2211]: <root@pam> starting task {MIGRATION_UPID}\n\
         2025-03-10T14:10:28.585701+0000 pve systemd[1]: 102.scope: Deactivated successfully.\n"
    );
    if ended {
        text.push_str(&format!(
            "2025-03-10T14:10:30.447524+0000 pve pvedaemon[2211]: <root@pam> end task {MIGRATION_UPID} OK\n"
        ));
    }
    text.push_str(
        "2025-03-10T14:40:22.705144+0000 pve kernel: kvm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0\n\
         2025-03-10T14:40:22.705344+0000 pve kernel: oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=qemu.slice,mems_allowed=0,global_oom,task_memcg=/qemu.slice/101.scope,task=kvm,pid=163380,uid=0\n\
         2025-03-10T14:40:22.705444+0000 pve kernel: Out of memory: Killed process 163380 (kvm) total-vm:5339840kB, anon-rss:4197740kB, file-rss:1536kB, shmem-rss:0kB, UID:0 pgtables:9520kB oom_score_adj:0\n\
         2025-03-10T14:40:23.015144+0000 pve systemd[1]: 101.scope: A process of this unit has been killed by the OOM killer.\n\
         2025-03-10T14:40:23.065144+0000 pve systemd[1]: 101.scope: Failed with result 'oom-kill'.\n\
         2025-03-10T14:50:00.483444+0000 pve pvestatd[1580]: status update time (3.902 seconds)\n",
    );
    text
}

/// A live migration that ended (its `TASK OK`, the journal's `end task … OK`) half an hour
/// before an OOM kill on the same node was not running at the kill: its `transferred …` line is
/// no activity, and the verdict stays memory_overcommit. The same log without its status line
/// and without an end in the journal is a migration still running: the activity.
#[test]
fn a_migration_that_ended_before_a_kill_was_not_running_at_it() {
    let verdict = |dir: &Path| {
        let out = pvelog()
            .args(["diagnose", "--format", "json", "--quiet"])
            .arg(dir)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            v["verdict"]["family"].as_str().unwrap().to_string(),
            v["reconstruction"]["activities"].as_array().unwrap().len(),
        )
    };
    let manifest = r#"{"collected_at": "2025-03-10T15:00:00Z", "timezone": "UTC"}"#;
    for (journal_end, status, family, activities) in [
        (true, true, "memory_overcommit", 0),
        // Only the task log's own `TASK OK`, dated at its last dated line.
        (false, true, "memory_overcommit", 0),
        // Still running: the task's start and its transfer.
        (false, false, "resource_intensive_operation", 2),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "manifest.json", manifest);
        let host = tmp.path().join("host/pve");
        write(&host, "journal.txt", &node_journal(journal_end));
        migration_task_log(&host, status);
        assert_eq!(
            verdict(tmp.path()),
            (family.to_string(), activities),
            "journal end {journal_end}, status line {status}"
        );
    }
}

/// Two cluster nodes' syslogs pasted into one folder, each with kernel lines only (nothing says
/// Proxmox), beside `pvecm nodes` from one of them: the listing names both nodes, so each is a
/// host of its own; the listing itself is the local node's and is no fragment of undated lines.
#[test]
fn a_cluster_listing_keeps_each_node_a_host_of_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let paste = tmp.path().join("paste");
    write(
        &paste,
        "a-syslog",
        "Mar 10 14:40:22 pve-a kernel: [1036800.123456] perf: interrupt took too long (2505 > 2500), lowering kernel.perf_event_max_sample_rate to 79750\n",
    );
    write(
        &paste,
        "b-syslog",
        "Mar 10 14:40:22 pve-b kernel: [1036800.223456] perf: interrupt took too long (2510 > 2500), lowering kernel.perf_event_max_sample_rate to 79500\n",
    );
    write(
        &paste,
        "cluster.txt",
        "root@pve-a:~# pvecm nodes\n\nMembership information\n----------------------\n    Nodeid      Votes Name\n         1          1 pve-a (local)\n         2          1 pve-b\n",
    );
    let out = pvelog()
        .args(["sources", "--format", "json", "--quiet"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let source = |path: &str| {
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["path"] == path)
            .unwrap()
            .clone()
    };
    for (path, machine) in [("paste/a-syslog", "pve-a"), ("paste/b-syslog", "pve-b")] {
        let s = source(path);
        assert_eq!(
            (s["machine"].as_str(), s["role"].as_str()),
            (Some(machine), Some("host")),
            "{s}"
        );
    }
    let listing = source("paste/cluster.txt");
    assert_eq!(listing["format"], "snapshot-pvecm");
    assert_eq!(listing["machine"], "pve-a");
    assert_eq!(listing["role"], "host");
    assert_eq!(listing["events"], 0);
    assert_eq!(listing["facts"], 2);
    let hosts: Vec<&str> = v["machines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "host")
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(hosts, ["pve-a", "pve-b"]);
}

/// Host files at the top of a bundle, guests in folders beneath: the top-level files that name
/// no machine are the host's (its `last -x`, `timedatectl`, a BMC's event list pasted from a
/// jump host that read it over the network), a guest's `etc/timezone` is its guest's, the
/// host's `timedatectl` gives its syslog the zone, and the dated records of the bundle (a BMC's
/// full dates, `--list-boots`) give the year, not the files' modification time.
#[test]
fn top_level_host_files_and_nested_guest_files_find_their_machine_zone_and_year() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "syslog",
        "Sep 22 14:07:31 pve-node3 kernel: [1653973.182113] pcieport 0000:40:01.1: AER: Uncorrected (Fatal) error received: 0000:41:00.0\n\
         Sep 22 14:36:24 pve-node3 pve-guests[2289]: <root@pam> starting task UPID:pve-node3:000008F2:00000877:68D150D8:startall::root@pam:\n",
    );
    write(
        dir,
        "last-x.txt",
        "reboot   system boot  5.15.158-2-pve   Mon Sep 22 14:36   still running\n\
         \n\
         wtmp begins Sun Jun 14 10:05:12 2025\n",
    );
    write(
        dir,
        "timedatectl.txt",
        "               Local time: Mon 2025-09-22 15:30:41 BST\n\
         \x20          Universal time: Mon 2025-09-22 14:30:41 UTC\n\
         \x20                RTC time: Mon 2025-09-22 14:30:41\n\
         \x20               Time zone: Europe/London (BST, +0100)\n\
         System clock synchronized: yes\n",
    );
    write(
        dir,
        "ipmitool-sel-elist.txt",
        "root@jump01:~# ipmitool -I lanplus -H 10.1.9.13 -U ADMIN -E sel elist\n\
         \x20 68 | 09/22/2025 | 14:08:18 | Critical Interrupt #0x1a | Bus Fatal Error | Asserted\n\
         \x20 69 | 09/22/2025 | 14:35:39 | System Boot Initiated #0x14 | Initiated by hard reset | Asserted\n\
         \x20 6a | 09/22/2025 | 14:36:41 | System Event #0x83 | OEM System boot event | Asserted\n",
    );
    write(
        dir,
        "101/journal.txt",
        "Sep 22 14:07:14.300201 mail01 postfix/qmgr[688]: 1F3C82A0B7: removed\n",
    );
    write(dir, "101/etc/timezone", "Europe/London\n");
    let found = machines_of(dir);
    let of = |path: &str| {
        found
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, m, from)| (m.as_str(), from.as_str()))
            .unwrap_or_else(|| panic!("{path} in {found:?}"))
    };
    assert_eq!(of("last-x.txt"), ("pve-node3", "same folder"));
    assert_eq!(of("timedatectl.txt"), ("pve-node3", "same folder"));
    assert_eq!(of("ipmitool-sel-elist.txt"), ("pve-node3", "same folder"));
    assert_eq!(of("101/etc/timezone"), ("mail01", "same folder"));
    let all = timeline_jsonl(dir);
    let times = |source: &str| -> Vec<String> {
        all.iter()
            .filter(|e| e["source"] == source)
            .map(|e| e["time"].as_str().unwrap_or("-").to_string())
            .collect()
    };
    // 14:07:31 BST is 13:07:31 UTC, in 2025 as the BMC's dates say, whatever the files' age.
    assert_eq!(
        times("syslog"),
        ["2025-09-22T13:07:31.000000Z", "2025-09-22T13:36:24.000000Z"]
    );
    assert_eq!(times("101/journal.txt"), ["2025-09-22T13:07:14.300201Z"]);
}

/// A host's files copied with their paths (`etc/timezone`, `var/log/syslog`) are one machine's
/// file system: its `etc/timezone` names the zone of its `var/log/syslog`.
#[test]
fn files_copied_with_their_paths_are_one_machines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "var/log/syslog",
        "Apr 22 22:14:07 pve01 systemd-logind[812]: The system will reboot now!\n\
         Apr 22 22:14:08 pve01 pve-guests[1930044]: <root@pam> starting task UPID:pve01:001D733D:0B173B64:68085B00:stopall::root@pam:\n",
    );
    write(dir, "etc/timezone", "America/Chicago\n");
    write(
        dir,
        "etc/pve/qemu-server/104.conf",
        "boot: order=ide0\ncores: 4\nmemory: 16384\nname: win-fileserver\nostype: win10\n",
    );
    let found = machines_of(dir);
    let of = |path: &str| {
        found
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, m, _)| m.as_str())
            .unwrap_or_else(|| panic!("{path} in {found:?}"))
    };
    assert_eq!(of("etc/timezone"), "pve01");
    assert_eq!(of("etc/pve/qemu-server/104.conf"), "pve01");
    let all = pvelog()
        .args([
            "timeline",
            "--format",
            "jsonl",
            "--reference-time",
            "2025-04-23T04:00:00Z",
        ])
        .arg(dir)
        .output()
        .unwrap();
    let first = String::from_utf8_lossy(&all.stdout);
    assert!(
        first.contains("\"time\":\"2025-04-23T03:14:07.000000Z\""),
        "{first}"
    );
}

/// A backup task's log holds its lines without times; each per-VM vzdump log repeats its VM's
/// lines with theirs. Lines unique to both take their copy's time; a line between two copied
/// lines that follow each other in the vzdump log (zstd's error) is placed at the later; a
/// line one VM's section shares with another's (`resuming VM again`) pairs nothing and stays at
/// the task's start.
#[test]
fn a_backup_tasks_lines_take_the_times_of_their_copies_in_the_vms_vzdump_log() {
    let tmp = tempfile::tempdir().unwrap();
    // UPID start 67B55742 = 2025-02-19T04:00:02Z.
    write(
        tmp.path(),
        "host/pve1/var/log/pve/tasks/2/UPID:pve1:00304050:0820C0BA:67B55742:vzdump::root@pam:",
        "INFO: starting new backup job: vzdump 101 106 --storage local --mode snapshot\n\
         INFO: Starting Backup of VM 101 (qemu)\n\
         INFO: resuming VM again\n\
         INFO: Finished Backup of VM 101 (00:11:19)\n\
         INFO: Starting Backup of VM 106 (qemu)\n\
         INFO:  44% (234.2 GiB of 532.0 GiB) in 18m 46s, read: 223.2 MiB/s, write: 226.8 MiB/s\n\
         INFO:  45% (239.4 GiB of 532.0 GiB) in 19m 11s, read: 203.7 MiB/s, write: 202.6 MiB/s\n\
         zstd: error 70 : Write error : cannot write block : No space left on device\n\
         INFO:  45% (240.3 GiB of 532.0 GiB) in 19m 15s, read: 180.3 MiB/s, write: 169.5 MiB/s\n\
         INFO: resuming VM again\n\
         TASK ERROR: job errors\n",
    );
    write(
        tmp.path(),
        "host/pve1/var/log/vzdump/qemu-106.log",
        "2025-02-19 04:18:35 INFO: Starting Backup of VM 106 (qemu)\n\
         2025-02-19 04:37:23 INFO:  44% (234.2 GiB of 532.0 GiB) in 18m 46s, read: 223.2 MiB/s, write: 226.8 MiB/s\n\
         2025-02-19 04:37:48 INFO:  45% (239.4 GiB of 532.0 GiB) in 19m 11s, read: 203.7 MiB/s, write: 202.6 MiB/s\n\
         2025-02-19 04:37:52 INFO:  45% (240.3 GiB of 532.0 GiB) in 19m 15s, read: 180.3 MiB/s, write: 169.5 MiB/s\n\
         2025-02-19 04:37:54 INFO: resuming VM again\n",
    );
    // The other VM's log dates its own section of the job.
    write(
        tmp.path(),
        "host/pve1/var/log/vzdump/qemu-101.log",
        "2025-02-19 04:00:03 INFO: Starting Backup of VM 101 (qemu)\n\
         2025-02-19 04:11:20 INFO: resuming VM again\n\
         2025-02-19 04:11:22 INFO: Finished Backup of VM 101 (00:11:19)\n",
    );
    write(
        tmp.path(),
        "manifest.json",
        r#"{"collected_at": "2025-02-19T06:00:00Z", "timezone": "UTC"}"#,
    );
    let all = timeline_jsonl(tmp.path());
    let task: BTreeMap<u64, (String, Vec<String>)> = all
        .iter()
        .filter(|e| e["source"].as_str().unwrap().contains("UPID:"))
        .map(|e| {
            let quality = e["time_quality"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q.as_str().unwrap().to_string())
                .collect();
            (
                e["line"].as_u64().unwrap(),
                // The status line is undated: nothing says when the task ended.
                (e["time"].as_str().unwrap_or("").to_string(), quality),
            )
        })
        .collect();
    let time = |line: u64| task[&line].0.as_str();
    assert_eq!(time(2), "2025-02-19T04:00:03.000000Z", "VM 101's log");
    assert_eq!(time(4), "2025-02-19T04:11:22.000000Z", "VM 101's log");
    assert_eq!(
        time(3),
        "2025-02-19T04:00:02.000000Z",
        "shared with 106's section"
    );
    assert_eq!(time(5), "2025-02-19T04:18:35.000000Z");
    assert_eq!(time(7), "2025-02-19T04:37:48.000000Z");
    assert_eq!(time(8), "2025-02-19T04:37:52.000000Z", "between 48 and 52");
    assert!(task[&8].1.contains(&"task_anchored".to_string()));
    assert!(!task[&7].1.contains(&"task_anchored".to_string()));
    assert_eq!(time(9), "2025-02-19T04:37:52.000000Z");
    assert_eq!(
        time(10),
        "2025-02-19T04:00:02.000000Z",
        "not unique in the task log"
    );
}
