//! Snapshot parsers through the public entry points (`formats::detect` and `formats::parse`):
//! each command's output is detected from its content, gets its variant name, and every line
//! is accounted for. The qemu-server configuration samples in
//! `../shared/formats/samples/proxmox/qemu-server-conf` are read in place when present.

use std::path::Path;

use pvelog::facts::FactKind;
use pvelog::formats::{self, FormatKind};
use pvelog::limits::Limits;

fn parse(text: &str) -> formats::Parsed<'_> {
    let parsed = formats::parse(FormatKind::Snapshot, text.as_bytes(), &Limits::default());
    assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
    parsed
}

/// (file name, content, variant, facts, unparsed)
const OUTPUTS: &[(&str, &str, &str, usize, u64)] = &[
    (
        "qm-list.txt",
        "      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       \n\
         \x20      101 web                  running    8192              32.00 4242      \n\
         \x20      102 db                   stopped    16384            100.00 0         \n",
        "snapshot-qm-list",
        2,
        0,
    ),
    (
        "meminfo.txt",
        "MemTotal:       32671852 kB\nMemFree:          412396 kB\nMemAvailable:     786432 kB\n\
         Buffers:           10240 kB\nCached:           501220 kB\nSwapTotal:             0 kB\n\
         SwapFree:              0 kB\nCommitted_AS:   40123456 kB\nHugePages_Total:       0\n\
         Hugepagesize:       2048 kB\n",
        "snapshot-meminfo",
        1,
        0,
    ),
    (
        "free.txt",
        "               total        used        free      shared  buff/cache   available\n\
         Mem:            31Gi        30Gi       402Mi       1,5Gi       1,1Gi       768Mi\n\
         Swap:             0B          0B          0B\n",
        "snapshot-free",
        1,
        0,
    ),
    (
        "df.txt",
        "Filesystem                    Size  Used Avail Use% Mounted on\n\
         udev                           16G     0   16G   0% /dev\n\
         /dev/mapper/pve-root           94G   90G  3,6G  97% /\n\
         /dev/mapper/vg_backup-lv_very_long_name_for_backups\n\
         \x20                              1,8T  1,8T     0 100% /mnt/backup\n",
        "snapshot-df",
        3,
        0,
    ),
    (
        "zpool-status.txt",
        "  pool: rpool\n state: ONLINE\n  scan: scrub repaired 0B in 00:01:02 with 0 errors on Sun Jul 13 00:25:03 2025\n\
         config:\n\n\tNAME        STATE     READ WRITE CKSUM\n\trpool       ONLINE       0     0     0\n\
         \t  mirror-0  ONLINE       0     0     0\n\t    sda3    ONLINE       0     0     0\n\
         \t    sdb3    ONLINE       0     0     0\n\nerrors: No known data errors\n",
        "snapshot-zpool",
        1,
        0,
    ),
    (
        "zpool-x.txt",
        "all pools are healthy\n",
        "snapshot-zpool",
        1,
        0,
    ),
    (
        "sensors.txt",
        "coretemp-isa-0000\nAdapter: ISA adapter\nPackage id 0:  +98.0°C  (high = +80.0°C, crit = +100.0°C)\n\
         Core 0:        +97.0°C  (high = +80.0°C, crit = +100.0°C)\n\n\
         acpitz-acpi-0\nAdapter: ACPI interface\ntemp1:        +27.8°C  (crit = +105.0°C)\n",
        "snapshot-sensors",
        3,
        0,
    ),
    (
        "uptime.txt",
        " 10:30:01 up 12 days,  3:04,  2 users,  load average: 0,52, 0,48, 0,40\n",
        "snapshot-uptime",
        1,
        0,
    ),
    (
        "list-boots.txt",
        "IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY\n\
         \x20-1 0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978 Tue 2025-07-29 09:56:40 UTC Tue 2025-07-29 09:56:40 UTC\n\
         \x20 0 7a8b9c0d1e2f40516273849506a7b8c9 Tue 2025-07-29 10:01:40 UTC Tue 2025-07-29 10:01:41 UTC\n",
        "snapshot-list-boots",
        2,
        0,
    ),
    (
        "list-boots-old.txt",
        "-1 b298059636bf4c98a8367cdbd2330103 Sun 2017-03-05 12:29:39 PST—Thu 2017-03-09 15:30:39 PST\n\
         \x200 4860f8a9014c4da9866cf323fc4373c3 Thu 2017-03-09 15:31:10 PST—Thu 2017-03-09 16:00:00 PST\n",
        "snapshot-list-boots",
        2,
        0,
    ),
    (
        "qm-config.txt",
        "root@pve1:~# qm config 101\nagent: 1\nballoon: 2048\nboot: order=scsi0\ncores: 4\n\
         memory: 8192\nname: web\nonboot: 1\nscsi0: local-zfs:vm-101-disk-0,size=32G\nsockets: 1\n",
        "snapshot-qm-config",
        1,
        1,
    ),
];

#[test]
fn each_command_is_detected_and_read() {
    for (name, text, variant, facts, unparsed) in OUTPUTS {
        assert_eq!(
            formats::detect(name, text.as_bytes()),
            FormatKind::Snapshot,
            "{name}"
        );
        // Names are only hints: the same content under a neutral name is still a snapshot.
        assert_eq!(
            formats::detect("paste.txt", text.as_bytes()),
            FormatKind::Snapshot,
            "{name}"
        );
        let parsed = parse(text);
        assert_eq!(parsed.variant, *variant, "{name}");
        assert_eq!(parsed.facts.len(), *facts, "{name}: {:?}", parsed.facts);
        assert_eq!(
            parsed.stats.unparsed_lines, *unparsed,
            "{name}: {:?}",
            parsed.unparsed_examples
        );
        assert!(parsed.events.is_empty(), "{name}");
    }
}

#[test]
fn qm_config_prompt_names_the_vm() {
    let parsed = parse(OUTPUTS.iter().find(|o| o.0 == "qm-config.txt").unwrap().1);
    let FactKind::VmConfig(c) = &parsed.facts[0].kind else {
        panic!("{:?}", parsed.facts)
    };
    assert_eq!(c.vmid, Some(101));
    assert_eq!(
        (c.memory_mb, c.balloon_mb, c.onboot),
        (Some(8192), Some(2048), Some(true))
    );
    assert_eq!(parsed.facts[0].line, 2);
}

#[test]
fn a_fenced_paste_of_several_commands() {
    let text = "Host state right after the incident\n\n```\n\
        [2025-07-29 10:30:00] root@pve1:~# df -hT\n\
        Filesystem           Type  Size  Used Avail Use% Mounted on\n\
        /dev/mapper/pve-root ext4   94G   94G     0 100% /\n\
        root@pve1:~# zpool status -x\n\
        all pools are healthy\n\
        root@pve1:~# cat /etc/pve/qemu-server/101.conf\n\
        #web front\n\
        memory: 8192\n\
        name: web\n\
        \n\
        [before-upgrade]\n\
        memory: 4096\n\
        root@pve1:~# journalctl --list-boots -o json\n\
        [{\"index\":0,\"boot_id\":\"7a8b9c0d1e2f40516273849506a7b8c9\",\"first_entry\":1753783300000000,\"last_entry\":1753785000000000}]\n\
        ```\n";
    assert_eq!(
        formats::detect("notes.md", text.as_bytes()),
        FormatKind::Snapshot
    );
    let parsed = parse(text);
    assert_eq!(parsed.variant, "snapshot");
    let kinds: Vec<&str> = parsed
        .facts
        .iter()
        .map(|f| match &f.kind {
            FactKind::SnapshotTakenAt(_) => "taken_at",
            FactKind::Df(_) => "df",
            FactKind::ZpoolSummary(_) => "zpool_summary",
            FactKind::VmConfig(_) => "vm_config",
            FactKind::ListBoot(_) => "list_boot",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["taken_at", "df", "zpool_summary", "vm_config", "list_boot"]
    );
    let FactKind::VmConfig(c) = &parsed.facts[3].kind else {
        panic!()
    };
    assert_eq!((c.vmid, c.memory_mb), (Some(101), Some(8192)));
    assert_eq!(c.sections, ["before-upgrade"]);
    // The note, two fences, and three prompts without a time.
    assert_eq!(
        parsed.stats.unparsed_lines, 6,
        "{:?}",
        parsed.unparsed_examples
    );
}

#[test]
fn other_formats_are_not_taken_for_snapshots() {
    for (name, text, want) in [
        (
            "syslog",
            "Jul 29 09:56:40 pve1 kernel: Out of memory: Killed process 4242 (kvm)\n",
            FormatKind::Syslog,
        ),
        (
            "last-x.txt",
            "reboot   system boot  6.8.12-4-pve     Tue Jul 29 10:21   still running\n\
             reboot   system boot  6.8.12-4-pve     Mon Jul 28 08:00 - 10:21 (1+02:20)\n\n\
             wtmp begins Mon Jul 28 08:00:05 2025\n",
            FormatKind::Last,
        ),
    ] {
        assert_eq!(formats::detect(name, text.as_bytes()), want, "{name}");
    }
}

/// qemu-server's own test configurations: one VM config each, every line read.
#[test]
fn qemu_server_conf_samples() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/formats/samples/proxmox/qemu-server-conf");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // `*.conf.cmd` is the QEMU command line qemu-server's tests expect: not a config.
        if !name.ends_with(".conf") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        assert_eq!(
            formats::detect(&name, &data),
            FormatKind::Snapshot,
            "{name}"
        );
        let parsed = formats::parse(FormatKind::Snapshot, &data, &Limits::default());
        assert!(parsed.stats.balanced(), "{name}");
        assert_eq!(parsed.variant, "snapshot-qm-config", "{name}");
        assert_eq!(
            parsed.stats.unparsed_lines, 0,
            "{name}: {:?}",
            parsed.unparsed_examples
        );
        assert_eq!(parsed.facts.len(), 1, "{name}");
        let FactKind::VmConfig(c) = &parsed.facts[0].kind else {
            panic!("{name}")
        };
        if name.contains("locked") {
            assert_eq!(c.lock.as_deref(), Some("backup"));
        }
        if name.contains("duplicate-sections") {
            assert_eq!(c.name.as_deref(), Some("deb122"));
            assert_eq!(c.sections.len(), 6);
        }
        seen += 1;
    }
    assert_eq!(seen, 7);
}

/// The facts of the `boots` corpus bundle, which the boot history is built on.
#[test]
fn boots_bundle_facts() {
    use pvelog::event::RecordedTime;
    use pvelog::facts::{SessionEnd, SessionKind};

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/bundles/boots/host/pve2");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();

    let last = read("last-x.txt");
    assert_eq!(formats::detect("last-x.txt", &last), FormatKind::Last);
    let parsed = formats::parse(FormatKind::Last, &last, &Limits::default());
    let boots: Vec<(String, SessionEnd)> = parsed
        .facts
        .iter()
        .filter_map(|f| match &f.kind {
            FactKind::Session(s) if s.kind == SessionKind::Reboot => Some((
                match s.start {
                    RecordedTime::Local(t) => t.to_string(),
                    other => format!("{other:?}"),
                },
                s.end,
            )),
            _ => None,
        })
        .collect();
    let ended = chrono::NaiveDate::from_ymd_opt(2024, 12, 20)
        .unwrap()
        .and_hms_opt(7, 58, 0)
        .unwrap();
    assert_eq!(
        boots,
        [
            ("2024-12-20 08:00:00".to_string(), SessionEnd::StillRunning),
            (
                "2024-12-02 09:12:00".to_string(),
                SessionEnd::Logout(RecordedTime::Local(ended))
            ),
        ]
    );

    let conf = read("qemu-server/101.conf");
    let parsed = formats::parse(
        formats::detect("101.conf", &conf),
        &conf,
        &Limits::default(),
    );
    let FactKind::VmConfig(c) = &parsed.facts[0].kind else {
        panic!("{:?}", parsed.facts)
    };
    assert_eq!((c.memory_mb, c.balloon_mb), (Some(12288), Some(4096)));
    assert_eq!(c.sections, ["before-upgrade"]);

    let df = read("df.txt");
    let parsed = formats::parse(formats::detect("df.txt", &df), &df, &Limits::default());
    let full: Vec<&str> = parsed
        .facts
        .iter()
        .filter_map(|f| match &f.kind {
            FactKind::Df(d) if d.use_percent >= Some(95) => Some(d.filesystem.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(full, ["192.0.2.50:/export/backup-storage-for-pve-cluster"]);
}

proptest::proptest! {
    /// Any bytes, read as `last`, wtmp or snapshot output, parse without panicking and with
    /// every line accounted for.
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
        for kind in [FormatKind::Last, FormatKind::Wtmp, FormatKind::Snapshot] {
            let parsed = formats::parse(kind, &data, &Limits { max_line_bytes: 256, ..Limits::default() });
            proptest::prop_assert!(parsed.stats.balanced(), "{:?} {:?}", kind, parsed.stats);
        }
        let _ = formats::detect("wtmp", &data);
    }

    /// Real line shapes with random fields mixed in.
    #[test]
    fn shaped_lines_never_panic(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                "[a-z]{1,8} +(pts/[0-9]|system boot|\\(to lvl [0-9]\\)) +[0-9a-z.:-]{0,16} +(Mon|Tue) (Jan|Feb) [ 0-9]{2} [0-9]{2}:[0-9]{2}( - [0-9:]{5}| +still running| - crash)? *\\([0-9+:-]{0,12}\\)?",
                "[A-Za-z_()]{1,16}: +[0-9]{0,22}( kB)?",
                "(Mem|Swap): +([0-9,.]{1,8}[KMGT]?i? +){0,7}",
                "[/a-z0-9:.-]{1,40}( +[0-9,.]{1,6}[KMGT]?){0,3}( +[0-9-]{1,3}%?)?( +/[a-z\\\\0-9]{0,10})?",
                "[ \\t]{0,6}[a-z0-9-]{1,12} +(ONLINE|DEGRADED|UNAVAIL)( +[0-9.KM]{1,4}){0,3}",
                "[A-Za-z0-9 ]{1,12}: +[+-]?[0-9.,]{1,8}(°C| C|\u{b0}C)? *(\\((high|crit|low) = [+-]?[0-9.,]{1,6}°C(, )?\\)){0,2}( ALARM)?",
                " ?[0-9]{2}:[0-9]{2}:[0-9]{2} up [0-9a-z ,:]{0,40}(load average: [0-9., ]{0,20})?",
                "-?[0-9]{1,3} [0-9a-f]{32} [A-Za-z0-9 :—-]{0,64}",
                "root@pve:~# (qm list|free -h|df -hT|zpool status|sensors|uptime|date|cat /proc/meminfo)",
            ],
            0..30,
        )
    ) {
        let text = lines.join("\n");
        for kind in [FormatKind::Last, FormatKind::Snapshot] {
            let parsed = formats::parse(kind, text.as_bytes(), &Limits { max_line_bytes: 1 << 16, ..Limits::default() });
            proptest::prop_assert!(parsed.stats.balanced());
        }
        let _ = formats::detect("x", text.as_bytes());
    }
}
