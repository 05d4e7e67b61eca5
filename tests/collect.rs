//! `pvelog collect` end to end: the real binary against a fake root made from a scenario of
//! `corpora/scenarios` and stand-in commands on PATH (one serving the scenario's snapshot, one
//! missing, one failing, one hanging). The collected bundle must get the scenario's diagnosis,
//! the manifest must say how every command went, the timeout must hold, and nothing may be
//! written anywhere but the output.

mod support;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use support::{corpora, files_below, pvelog};

/// The scenario served: host kern.log with ATA and ZFS I/O errors, a `zpool status` with a
/// FAULTED vdev, the host's zone in the manifest.
const SCENARIO: &str = "zfs-io-errors";

/// Empty directories for everything the collection could write to besides its output.
struct Sandbox {
    root: tempfile::TempDir,
    bin: tempfile::TempDir,
    home: tempfile::TempDir,
    tmp: tempfile::TempDir,
    cwd: tempfile::TempDir,
    out: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = || tempfile::tempdir().expect("tempdir");
        Sandbox {
            root: dir(),
            bin: dir(),
            home: dir(),
            tmp: dir(),
            cwd: dir(),
            out: dir(),
        }
    }

    fn write(&self, rel: &str, data: &[u8]) {
        let path = self.root.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, data).expect("write");
    }

    /// A stand-in command: a shell script on the test's PATH.
    fn command(&self, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.bin.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// A data file the stand-ins print (kept beside them, read-only for the run).
    fn data(&self, name: &str, data: &[u8]) -> PathBuf {
        let path = self.bin.path().join(name);
        std::fs::write(&path, data).expect("write");
        path
    }

    /// `pvelog collect ARGS` with PATH holding only the stand-ins, and HOME, TMPDIR and the
    /// working directory empty.
    fn collect(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = pvelog();
        cmd.env_clear()
            .env("PATH", self.bin.path())
            .env("HOME", self.home.path())
            .env("TMPDIR", self.tmp.path())
            .env("TZ", "Pacific/Chatham")
            .current_dir(self.cwd.path())
            .arg("collect")
            .arg("--root")
            .arg(self.root.path())
            .args(args);
        cmd.output().expect("run pvelog collect")
    }

    /// Asserts that nothing was written outside the output folder.
    fn assert_nothing_else_written(&self, root_before: &[String], bin_before: &[String]) {
        for (name, dir) in [
            ("HOME", self.home.path()),
            ("TMPDIR", self.tmp.path()),
            ("the working directory", self.cwd.path()),
        ] {
            assert!(
                files_below(dir).is_empty(),
                "{name} was written to: {:?}",
                files_below(dir)
            );
            let entries = std::fs::read_dir(dir).expect("read_dir").count();
            assert_eq!(entries, 0, "{name} is not empty");
        }
        assert_eq!(
            files_below(self.root.path()),
            root_before,
            "the root changed"
        );
        assert_eq!(files_below(self.bin.path()), bin_before, "PATH changed");
    }
}

/// The members of a `.tgz`, by path.
fn members(tgz: &[u8]) -> Vec<(String, Vec<u8>)> {
    let gz = flate2::read::MultiGzDecoder::new(tgz);
    let mut archive = tar::Archive::new(gz);
    let mut out = Vec::new();
    for entry in archive.entries().expect("a tar stream") {
        let mut entry = entry.expect("a member");
        let path = entry.path().expect("path").to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read member");
        out.push((path, data));
    }
    out
}

fn manifest_of(members: &[(String, Vec<u8>)]) -> serde_json::Value {
    let (_, data) = members
        .iter()
        .find(|(p, _)| p == "manifest.json")
        .expect("manifest.json in the bundle");
    serde_json::from_slice(data).expect("manifest.json is JSON")
}

/// The manifest's record of the command whose arguments start with `argv`.
fn command<'m>(manifest: &'m serde_json::Value, argv: &[&str]) -> &'m serde_json::Value {
    manifest["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| {
            let words: Vec<&str> = c["command"]
                .as_array()
                .expect("command")
                .iter()
                .filter_map(|w| w.as_str())
                .collect();
            words.starts_with(argv)
        })
        .unwrap_or_else(|| panic!("{argv:?} not in the manifest"))
}

fn diagnose(input: &Path) -> serde_json::Value {
    let out = pvelog()
        .args(["diagnose", "--format", "json"])
        .arg(input)
        .output()
        .expect("run diagnose");
    assert!(
        out.status.success(),
        "diagnose {}: {}",
        input.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("diagnose JSON")
}

/// Serves the scenario: its kern.log under the root, its zone as `/etc/timezone`, its `zpool
/// status` from a stand-in `zpool`; `sensors` fails, `pvesm` hangs, the rest are missing.
fn serve_scenario(sb: &Sandbox) {
    let bundle = corpora().join("scenarios").join(SCENARIO).join("bundle");
    let host = bundle.join("host/pve4");
    sb.write(
        "var/log/kern.log",
        &std::fs::read(host.join("var/log/kern.log")).expect("scenario kern.log"),
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).expect("manifest"))
            .expect("JSON");
    let zone = manifest["timezone"].as_str().expect("the scenario's zone");
    sb.write("etc/timezone", format!("{zone}\n").as_bytes());
    sb.write("etc/hostname", b"pve4\n");
    std::fs::create_dir_all(sb.root.path().join("etc/pve/qemu-server")).expect("mkdir");
    let status = sb.data(
        "zpool-status.out",
        &std::fs::read(host.join("zpool-status.txt")).expect("scenario zpool status"),
    );
    sb.command(
        "zpool",
        &format!(
            "case \"$1\" in status) exec /bin/cat '{}' ;; *) echo \"unrecognized command '$1'\" >&2; exit 2 ;; esac",
            status.display()
        ),
    );
    // lm-sensors' words when it finds no chip.
    sb.command(
        "sensors",
        "echo 'No sensors found!' >&2\necho 'Make sure you loaded all the kernel drivers you need.' >&2\nexit 1",
    );
    // A storage that does not answer: `pvesm status` waits for it. The child `sleep` holds
    // the output pipe too, so only killing the whole group ends it.
    sb.command("pvesm", "/bin/sleep 30\necho never");
}

#[test]
fn a_collected_scenario_gets_its_diagnosis_and_the_manifest_records_every_command() {
    let sb = Sandbox::new();
    serve_scenario(&sb);
    let (root_before, bin_before) = (files_below(sb.root.path()), files_below(sb.bin.path()));
    let output = sb.out.path().join("incident.tgz");
    let started = Instant::now();
    let run = sb.collect(&[
        "-o",
        output.to_str().expect("UTF-8 path"),
        "--since",
        "2025-09-01",
        "--vm",
        "101",
        "--command-timeout",
        "1s",
    ]);
    let elapsed = started.elapsed();
    assert!(
        run.status.success(),
        "collect failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Every missing command is immediate and the hanging one is killed after 1 s: the run does
    // not wait out the hang (30 s).
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    sb.assert_nothing_else_written(&root_before, &bin_before);
    assert_eq!(files_below(sb.out.path()), ["incident.tgz"]);

    let tgz = std::fs::read(&output).expect("the bundle");
    let members = members(&tgz);
    let manifest = manifest_of(&members);

    // The reader's keys, and the collection's own.
    assert!(
        chrono::DateTime::parse_from_rfc3339(manifest["collected_at"].as_str().expect("str"))
            .is_ok()
    );
    assert_eq!(manifest["timezone"], "Europe/Vienna");
    assert_eq!(manifest["hostname"], "pve4");
    assert_eq!(manifest["role"], "host");
    assert_eq!(manifest["pvelog_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["window"]["since"], "2025-09-01T00:00:00.000000Z");
    assert_eq!(manifest["incident"]["vmid"], 101);
    assert_eq!(manifest["incident"]["vmids"], serde_json::json!([101]));

    // Every command has a status; the four kinds of outcome are each recorded as they were.
    let statuses: BTreeSet<&str> = manifest["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| c["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        ["failed", "missing", "ok", "timed_out"]
            .into_iter()
            .collect()
    );
    for c in manifest["commands"].as_array().expect("commands") {
        for key in ["command", "exit_status", "duration_s", "bytes", "error"] {
            assert!(c.get(key).is_some(), "{c}: no {key}");
        }
    }
    let zpool = command(&manifest, &["zpool", "status"]);
    assert_eq!(zpool["status"], "ok");
    assert_eq!(zpool["exit_status"], 0);
    assert_eq!(zpool["path"], "host/pve4/zpool-status.txt");
    let sensors = command(&manifest, &["sensors"]);
    assert_eq!(sensors["status"], "failed");
    assert_eq!(sensors["exit_status"], 1);
    assert!(
        sensors["error"]
            .as_str()
            .is_some_and(|e| e.contains("No sensors found!")),
        "{sensors}"
    );
    let pvesm = command(&manifest, &["pvesm", "status"]);
    assert_eq!(pvesm["status"], "timed_out");
    let ran = pvesm["duration_s"].as_f64().expect("duration");
    assert!((0.9..10.0).contains(&ran), "pvesm ran {ran} s");
    assert_eq!(pvesm["path"], serde_json::Value::Null);
    // Below --root, journalctl reads the root's journal.
    let argv = |c: &serde_json::Value| -> Vec<String> {
        c["command"]
            .as_array()
            .expect("argv")
            .iter()
            .filter_map(|w| w.as_str().map(str::to_string))
            .collect()
    };
    let journal = manifest["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| {
            argv(c).first().is_some_and(|w| w == "journalctl")
                && argv(c).contains(&"export".to_string())
        })
        .expect("the journal export in the manifest");
    assert_eq!(journal["status"], "missing");
    let words = argv(journal);
    let journal_dir = sb.root.path().join("var/log/journal");
    assert_eq!(words[2], journal_dir.to_str().expect("UTF-8"));
    assert_eq!(words[3..7], ["-o", "export", "--since", "@1756684800"]);

    // Every member is accounted for by a command or a file of the manifest.
    let recorded: BTreeSet<&str> = ["commands", "files"]
        .iter()
        .flat_map(|k| manifest[k].as_array().expect("list"))
        .filter_map(|r| r["path"].as_str())
        .collect();
    for (path, _) in &members {
        assert!(
            path == "manifest.json" || recorded.contains(path.as_str()),
            "{path} is not in the manifest"
        );
    }

    // The diagnosis of the collected bundle is the scenario's.
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            corpora()
                .join("scenarios")
                .join(SCENARIO)
                .join("expected.json"),
        )
        .expect("expected.json"),
    )
    .expect("JSON");
    let original = diagnose(&corpora().join("scenarios").join(SCENARIO).join("bundle"));
    let collected = diagnose(&output);
    let (o, c) = (&original["verdict"], &collected["verdict"]);
    assert_eq!(c["family"], expected["family"], "{collected:#}");
    for key in ["family", "outcome", "confidence", "summary"] {
        assert_eq!(c[key], o[key], "verdict {key}");
    }
    // The logs name no VM; the manifest's incident (`--vm`) does.
    assert_eq!(o["affected_vms"], serde_json::json!([]));
    assert_eq!(
        c["affected_vms"],
        serde_json::json!([101]),
        "verdict affected_vms"
    );
    // The scenario's kern.log has no year: the collection's time is the reference, so only
    // the year may differ.
    let time = |v: &serde_json::Value| {
        v["incident_time"]
            .as_str()
            .and_then(|t| t.get(4..))
            .map(str::to_string)
    };
    assert_eq!(time(c), time(o));
    // Nothing collected is unparsed: what no parser reads is context.
    for s in collected["sources"].as_array().expect("sources") {
        assert_eq!(s["unparsed"], 0, "{s}");
    }
    let context: Vec<&str> = manifest["context"]
        .as_array()
        .expect("context")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    // `/etc/timezone` has a reader now (the machine's zone): not context.
    assert!(!context.contains(&"host/pve4/etc/timezone"), "{context:?}");
    let timezone = collected["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["path"] == "host/pve4/etc/timezone")
        .expect("etc/timezone among the sources");
    assert_eq!(timezone["format"], "snapshot-timezone", "{timezone}");
}

#[test]
fn streams_to_stdout_reaches_guests_through_their_agent_and_caps_keep_the_newest() {
    let sb = Sandbox::new();
    serve_scenario(&sb);
    sb.write("etc/pve/qemu-server/101.conf", b"memory: 4096\nname: web\n");
    sb.write("etc/pve/qemu-server/102.conf", b"memory: 2048\nname: db\n");
    // A task list with a task of the window and one of long before, and the first's log.
    sb.write(
        "var/log/pve/tasks/index",
        b"UPID:pve4:00001234:00000100:5F5E1000:vzdump::root@pam: 5F5E2000 OK\n\
          UPID:pve4:00001235:00000200:68B68000:qmstart:101:root@pam: 68B68010 OK\n",
    );
    sb.write(
        "var/log/pve/tasks/0/UPID:pve4:00001235:00000200:68B68000:qmstart:101:root@pam:",
        b"generating cloud-init ISO\nTASK OK\n",
    );
    let guest_syslog = b"Sep  3 20:31:40 web systemd[1]: Started cron.service.\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(guest_syslog);
    let qm_list = sb.data(
        "qm-list.out",
        b"      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID\n       101 web                  running    4096              32.00 4242\n       102 db                   running    2048              16.00 4343\n",
    );
    sb.command(
        "qm",
        &format!(
            r#"case "$1 $2 $3" in
"list  ") exec /bin/cat '{list}' ;;
"guest cmd 101") echo '{{}}' ;;
"guest cmd 102") echo 'QEMU guest agent is not running' >&2; exit 255 ;;
"guest exec 101")
  for last; do :; done
  if [ "$last" = /var/log/syslog ]; then
    printf '%s\n' '{{"exitcode":0,"exited":1,"out-data":"{encoded}"}}'
  else
    printf '%s\n' '{{"exitcode":1,"exited":1,"err-data":"No such file or directory\n"}}'
  fi ;;
*) echo "qm: unexpected: $*" >&2; exit 2 ;;
esac"#,
            list = qm_list.display()
        ),
    );
    let (root_before, bin_before) = (files_below(sb.root.path()), files_below(sb.bin.path()));
    let run = sb.collect(&[
        "-o",
        "-",
        "--around",
        "2025-09-02 10:00",
        "--window",
        "2d",
        "--vm",
        "101",
        "--vm",
        "102",
        "--guests",
        "--command-timeout",
        "1s",
        "--max-command-bytes",
        "400",
    ]);
    assert!(
        run.status.success(),
        "collect failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    sb.assert_nothing_else_written(&root_before, &bin_before);
    assert!(files_below(sb.out.path()).is_empty());
    let members = members(&run.stdout);
    let manifest = manifest_of(&members);
    let member = |path: &str| {
        members
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, d)| d.as_slice())
            .unwrap_or_else(|| {
                panic!(
                    "{path} not in the bundle: {:?}",
                    members.iter().map(|m| &m.0).collect::<Vec<_>>()
                )
            })
    };

    assert_eq!(manifest["incident"]["vmid"], 101);
    assert_eq!(manifest["incident"]["vmids"], serde_json::json!([101, 102]));
    assert_eq!(manifest["incident"]["time"], "2025-09-02T10:00:00.000000Z");
    // The guest with an agent: its syslog, decoded from the agent's base64.
    assert_eq!(member("guest/101-web/var/log/syslog"), guest_syslog);
    let guests = manifest["guests"].as_array().expect("guests");
    assert_eq!(guests[0]["agent"], true);
    assert_eq!(guests[1]["vmid"], 102);
    assert_eq!(guests[1]["agent"], false);
    assert!(
        guests[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("QEMU guest agent is not running")),
        "{guests:?}"
    );
    let missing = manifest["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| c["via"] == "qm guest exec 101" && c["command"][1] == "/var/log/messages")
        .expect("the guest's messages");
    assert_eq!(missing["status"], "failed");
    assert_eq!(missing["exit_status"], 1);

    // The host's files and snapshots.
    assert!(member("host/pve4/qm-list.txt").starts_with(b"      VMID NAME"));
    assert_eq!(
        member("host/pve4/etc/pve/qemu-server/101.conf"),
        b"memory: 4096\nname: web\n"
    );
    // The task list keeps the window's task; its log comes along.
    assert_eq!(
        member("host/pve4/var/log/pve/tasks/index"),
        b"UPID:pve4:00001235:00000200:68B68000:qmstart:101:root@pam: 68B68010 OK\n"
    );
    assert_eq!(
        member(
            "host/pve4/var/log/pve/tasks/0/UPID:pve4:00001235:00000200:68B68000:qmstart:101:root@pam:"
        ),
        b"generating cloud-init ISO\nTASK OK\n"
    );

    // The 821-byte kern.log over the 400-byte cap: its newest whole lines are kept and the
    // cut is recorded.
    let original = std::fs::read(sb.root.path().join("var/log/kern.log")).expect("kern.log");
    let kept = member("host/pve4/var/log/kern.log");
    assert!(
        kept.len() <= 400 && !kept.is_empty(),
        "{} bytes",
        kept.len()
    );
    assert!(original.ends_with(kept));
    assert_eq!(original[original.len() - kept.len() - 1], b'\n');
    let file = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["from"] == "/var/log/kern.log")
        .expect("kern.log record");
    assert_eq!(
        file["cut_bytes"].as_u64(),
        Some((original.len() - kept.len()) as u64)
    );

    // The bundle reads back: the guest's syslog is VM 101's, the task list feeds signals.
    let dir = tempfile::tempdir().expect("tempdir");
    let tgz = dir.path().join("b.tgz");
    std::fs::write(&tgz, &run.stdout).expect("write");
    let out = pvelog()
        .args(["sources", "--format", "json"])
        .arg(&tgz)
        .output()
        .expect("sources");
    let sources: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let by_path = |p: &str| {
        sources["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .find(|s| s["path"] == p)
            .unwrap_or_else(|| panic!("{p}"))
            .clone()
    };
    let guest = by_path("guest/101-web/var/log/syslog");
    assert_eq!(guest["role"], "guest");
    assert_eq!(guest["vmid"], 101);
    assert_eq!(
        by_path("host/pve4/var/log/pve/tasks/index")["format"],
        "pve-task-index"
    );
    let log = by_path(
        "host/pve4/var/log/pve/tasks/0/UPID:pve4:00001235:00000200:68B68000:qmstart:101:root@pam:",
    );
    assert_eq!(log["format"], "pve-task-log");
    assert_eq!(log["time_quality"]["task_anchored"], 2);
    for s in sources["sources"].as_array().expect("sources") {
        assert_eq!(s["unparsed"], 0, "{s}");
    }
}

#[test]
fn symlinks_out_of_the_root_are_not_followed_and_the_output_is_never_clobbered() {
    let sb = Sandbox::new();
    sb.write("etc/hostname", b"img\n");
    // A secret outside the image, and links in the image pointing at it.
    let secret = sb.data("secret", b"root:$6$notforthebundle:19000:0:99999:7:::\n");
    std::fs::create_dir_all(sb.root.path().join("var/log")).expect("mkdir");
    std::os::unix::fs::symlink(&secret, sb.root.path().join("var/log/syslog")).expect("symlink");
    std::os::unix::fs::symlink(&secret, sb.root.path().join("etc/timezone")).expect("symlink");
    let output = sb.out.path().join("bundle.tgz");
    let run = sb.collect(&["-o", output.to_str().expect("UTF-8"), "--since", "1d"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let bytes = std::fs::read(&output).expect("bundle");
    let members = members(&bytes);
    assert!(
        members
            .iter()
            .all(|(_, data)| !data.windows(15).any(|w| w == b"notforthebundle")),
        "a file outside the root reached the bundle"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&output)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o077,
        0,
        "the bundle is readable by others: {mode:o}"
    );
    // A second run does not replace the bundle unless asked to.
    let again = sb.collect(&["-o", output.to_str().expect("UTF-8"), "--since", "1d"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read(&output).expect("bundle"), bytes);
}
