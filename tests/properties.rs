//! Property tests of the pipeline's invariants:
//! - any bytes, in any format, parse without panicking and every line is accounted for;
//! - every format of the registry, fed input shaped like it (real records, mutated, among random
//!   lines), keeps `formats::check_invariants`: events inside the input, borrowed text borrowed
//!   from it, times RFC 3339 can write (tests/fuzz_targets.rs checks that each format has its
//!   shape here and its fuzz target);
//! - the merged timeline is sorted by its total key and holds every event exactly once;
//! - the output does not depend on the thread count.

use proptest::prelude::*;
use pvelog::analysis::{self, Options};
use pvelog::bundle::{Bundle, Member};
use pvelog::formats::{self, FormatKind};
use pvelog::limits::Limits;

fn kinds() -> impl Strategy<Value = FormatKind> {
    prop_oneof![
        Just(FormatKind::Syslog),
        Just(FormatKind::Dmesg),
        Just(FormatKind::DmesgJson),
        Just(FormatKind::JournalText),
        Just(FormatKind::JournalVerbose),
        Just(FormatKind::Sel),
        Just(FormatKind::KubeVirt),
        Just(FormatKind::PveTaskIndex),
        Just(FormatKind::PveTaskLog),
        Just(FormatKind::Vzdump),
        Just(FormatKind::Context),
        Just(FormatKind::Fragment),
        Just(FormatKind::Unrecognized),
    ]
}

/// Lines shaped like each format, with random times and random bytes mixed in.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (1u32..13, 1u32..29, 0u32..24, 0u32..60, "[a-z ]{0,20}").prop_map(|(mo, d, h, mi, msg)| {
            let month = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ][(mo - 1) as usize];
            format!("{month} {d:>2} {h:02}:{mi:02}:00 pve1 kernel: {msg}").into_bytes()
        }),
        (0u64..100_000, 0u32..1_000_000, "[a-z ]{0,20}")
            .prop_map(|(s, us, msg)| format!("[{s:>5}.{us:06}] {msg}").into_bytes()),
        (0i64..2_000_000_000, "[a-z ]{0,20}").prop_map(|(t, msg)| {
            let time = chrono::DateTime::from_timestamp(t, 0).expect("in range by construction");
            format!(
                "{} pve1 systemd[1]: {msg}",
                time.format("%Y-%m-%dT%H:%M:%S+0000")
            )
            .into_bytes()
        }),
        (0u32..0xffff, 1u32..13, 1u32..29, 0u32..100, "[A-Za-z #]{0,20}").prop_map(
            |(id, mo, d, y, ev)| {
                format!("{id:4x} | {mo:02}/{d:02}/{y:02} | 12:00:00 CET | Memory #0x88 | {ev} | Asserted")
                    .into_bytes()
            }
        ),
        "[a-z-]{1,12}\\[[0-9]{1,5}\\]: [a-z ]{0,20}".prop_map(String::into_bytes),
        ("[a-z ]{0,20}", 0u32..60).prop_map(|(msg, s)| {
            format!(
                r#"{{"component":"virt-launcher","level":"info","msg":"{msg}"","timestamp":"2023-07-17T09:12:{s:02}.351046Z"}}"#
            )
            .into_bytes()
        }),
        (0u32..0xffff_ffff, 0u32..0xffff_ffff, "[a-z]{1,10}", 0u32..1000).prop_map(
            |(start, end, task, vmid)| {
                format!("UPID:pve1:0003B004:0161D0A0:{start:08X}:{task}:{vmid}:root@pam: {end:08X} OK")
                    .into_bytes()
            }
        ),
        (1u32..13, 1u32..29, 0u32..24, "[a-z ]{0,20}").prop_map(|(mo, d, h, msg)| {
            format!("2024-{mo:02}-{d:02} {h:02}:04:05 INFO: {msg}").into_bytes()
        }),
        Just(b"-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --".to_vec()),
        Just(b"    continuation".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

/// Real records of `kind`. The match is exhaustive, so a new format does not compile here until
/// it has its records.
fn records(kind: FormatKind) -> &'static [&'static [u8]] {
    match kind {
        FormatKind::Syslog => &[
            b"Jul 29 09:56:40 pve1 kernel: [12345.678901] Out of memory: Killed process 42 (kvm)",
            b"2025-07-29T09:56:40.123456+02:00 pve1 pvedaemon[1234]: <root@pam> starting task",
            b"<34>1 2025-07-29T09:56:40Z pve1 app 7 ID47 [x a=\"b\"] message",
        ],
        FormatKind::Dmesg => &[
            b"[    1.000000] Linux version 6.8.12-4-pve",
            b"[Tue Jul 29 09:56:40 2025] EXT4-fs error",
            b"6,339,5140900,-;NET: Registered protocol family 10",
        ],
        FormatKind::DmesgJson => &[
            b"{\n   \"dmesg\": [",
            b"      {\n         \"pri\": 3,\n         \"time\":     12.345678,\n         \"caller\": \"T1\",",
            b"         \"msg\": \"Out of memory: Killed process 4242 (kvm) \\\"x\\\"\"\n      },{",
            b"{\"fac\":\"kern\",\"pri\":\"err\",\"time\":\"2025-07-29T09:56:40,123456+02:00\",\"msg\":\"EXT4-fs error\"},",
            b"   ]\n}",
        ],
        FormatKind::JournalText => &[
            b"-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --",
            b"Jul 29 09:56:40 pve1 systemd[1]: Started Session 1 of user root.",
            b"2025-07-29T09:56:40+0200 pve1 kernel: oom-kill:constraint=CONSTRAINT_NONE",
            b"[12345.678901] pve1 kernel: x",
        ],
        FormatKind::JournalVerbose => &[
            b"Tue 2025-07-29 09:56:40.005000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=4;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77388;t=63b0e6cba7988;x=83fa4b8ef438cfe3]\n    _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978\n    _PID=1\n    UNIT=101.scope\n    MESSAGE=101.scope: A process of this unit has been killed by the OOM killer.",
            b"Mon 2022-10-24 00:00:00.994371 UTC [s=0b5e1a0cfc5249f499630477ce92c52e;i=1;b=5ea5fc4f82a14186b5332a788ef9435e;m=59607a;t=5ebbc790f8c43;x=6966112d3682c34f]",
            b"    MESSAGE=first line\n            second line",
            b"    SYSLOG_RAW=[60B blob data]",
            b"    _SOURCE_REALTIME_TIMESTAMP=1753783000006000",
            b"Tue 2025-07-29 11:56:40.123456 CEST [b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=5]",
            b"-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --",
        ],
        FormatKind::JournalExport => &[
            b"__CURSOR=s=1;i=1\n__REALTIME_TIMESTAMP=1753783000000000\n__MONOTONIC_TIMESTAMP=5\n_BOOT_ID=7a8b9c0d1e2f40516273849506a7b8c9\nMESSAGE=hello\n",
            b"MESSAGE\n\x05\x00\x00\x00\x00\x00\x00\x00a\nb\x00c\n_PID=1\n",
        ],
        FormatKind::JournalJson => &[
            b"{\"__REALTIME_TIMESTAMP\":\"1753783000000000\",\"MESSAGE\":\"x\\u00e9\",\"_PID\":\"1\"}",
            b"{\"MESSAGE\":[104,105],\"PRIORITY\":\"3\",\"_HOSTNAME\":\"pve1\"}",
        ],
        FormatKind::JournalFile => &[b"LPKSHHRH\0\0\0\0\x1f\0\0\0\x01"],
        FormatKind::Last => &[
            b"root     pts/0        10.0.0.1         Tue Jul 29 09:56 - 10:00  (00:04)",
            b"reboot   system boot  6.8.12-4-pve     Tue Jul 29 09:56   still running",
            b"wtmp begins Tue Jul 29 09:56:40 2025",
        ],
        FormatKind::Wtmp => &[b"\x02\0\0\0\0\0\0\0~\0\0\0"],
        FormatKind::Wtmpdb => &[
            b"SQLite format 3\0\x10\0\x01\x01\0\x40\x20\x20\0\0\0\x0b\0\0\0\x02",
            b"SQLite format 3\0\x02\0\x01\x01\0\x40\x20\x20",
        ],
        FormatKind::Snapshot => &[
            b"      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID",
            b"       101 web                  running    2048              32.00 1234",
            b"MemTotal:       65843720 kB",
            b"Filesystem     1K-blocks    Used Available Use% Mounted on",
            b"NAME        STATE     READ WRITE CKSUM\nrpool       DEGRADED     0     0     0\n  mirror-0  DEGRADED    26     0     0",
            b" 09:56:40 up 3 days,  2:01,  1 user,  load average: 0.00, 0.01, 0.05",
            b"Membership information\n----------------------\n    Nodeid      Votes Name",
            b"0x00000001          1 10.10.10.1 (local)",
            b"         2          1 pve-b",
            b"Quorum information\n------------------\nRing ID:          1.2d",
            b"smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.8.12-4-pve] (local build)",
            b"Local Time is:                      Thu Jul 31 10:58:31 2025 CEST",
            b"SMART overall-health self-assessment test result: FAILED!\n- media has been placed in read only mode",
            b"  LV   VG  Attr       LSize   Pool Origin Data%  Meta%\n  data pve twi-aotzM-  <3.13t             71.18 100.00",
        ],
        FormatKind::Fragment => &[
            b"Out of memory: Killed process 6643 (kvm) total-vm:1kB",
            b"pvedaemon[12]: worker exited",
            b"(XEN) Panic on CPU 0",
            b"> kernel: x",
            b"root@hv01:~# qm status 205 --verbose\nqmpstatus: guest-panicked\nstatus: running",
        ],
        FormatKind::Sel => &[
            b"1e60 | 02/16/2021 | 23:46:57 | Power Unit #0x44 | Redundancy Lost | Asserted",
            b"  3a | 12/14/22 | 23:09:44 CET | Memory #0x88 | Correctable ECC (CPU0_G1) | Asserted",
            b"  5b | Pre-Init  |0000000123| System Event #0x83 | Timestamp Clock Sync | Asserted",
        ],
        FormatKind::KubeVirt => &[
            b"{\"component\":\"virt-launcher\",\"level\":\"info\",\"msg\":\"Signaled graceful shutdown\",\"timestamp\":\"2024-09-20T13:03:26.595310Z\"}",
            b"\"component\":\"virt-handler\",\"level\":\"error\",\"msg\":\"a \\\"quoted\\\" word\",\"timestamp\":\"2024-09-20T13:03:26Z\"}",
        ],
        FormatKind::PveTaskIndex => &[
            b"UPID:pve1:0003B004:0161D0A0:6543AD10:vzdump::root@pam: 6543B2E0 job errors",
            b"UPID:suprox:000080BD:000C41F2:65DE37EA:qmstart:101:root@pam: 65DE37EE start failed: QEMU exited with code 1",
            b"UPID:pve:0003C76F:00F0CD27:6AB6D538:vzshutdown:333:root@pam: 1 6AB6D54A OK",
            b"UPID:pve:0003C770:00F0CD30:6AB6D540:qmstart:101:root@pam: 0",
        ],
        FormatKind::PveTaskLog => &[
            b"INFO: starting new backup job: vzdump 101 --mode snapshot --storage local --compress zstd --node pve",
            b"ERROR: Backup of VM 111 failed - VM 111 qmp command 'backup' failed - got timeout",
            b"INFO: Failed at 2026-04-23 22:02:56",
            b"2026-09-06T09:54:25-05:00: TASK OK",
            b"TASK ERROR: job errors",
        ],
        FormatKind::Vzdump => &[
            b"2019-05-17 23:06:14 INFO: Starting Backup of VM 117 (qemu)",
            b"2019-05-17 23:06:15 INFO: include disk 'scsi0' 'iSCSI-StorageXYZ-VOL601:vm-117-disk-0' 32G",
            b"Feb 04 22:30:02 INFO: Starting Backup of VM 100 (qemu)",
        ],
        FormatKind::Context => &[
            b"proxmox-ve: 8.2.0 (running kernel: 6.8.12-4-pve)",
            b"some avg10=0.00 avg60=0.00 avg300=0.00 total=0",
        ],
        FormatKind::Unrecognized => &[b"anything at all"],
    }
}

/// Input shaped like `kind`: its records, some with a byte changed, among random lines; binary
/// formats get their record as a head followed by random bytes.
fn shaped(kind: FormatKind) -> BoxedStrategy<Vec<u8>> {
    let record = (
        proptest::sample::select(records(kind)),
        any::<proptest::sample::Index>(),
        proptest::option::of(any::<u8>()),
    )
        .prop_map(|(r, at, byte)| {
            let mut r = r.to_vec();
            if let (Some(b), false) = (byte, r.is_empty()) {
                let i = at.index(r.len());
                r[i] = b;
            }
            r
        });
    if matches!(
        kind,
        FormatKind::JournalFile | FormatKind::Wtmp | FormatKind::Wtmpdb
    ) {
        return (record, proptest::collection::vec(any::<u8>(), 0..2048))
            .prop_map(|(mut head, tail)| {
                head.extend(tail);
                head
            })
            .boxed();
    }
    let line = prop_oneof![
        4 => record,
        1 => line(),
    ];
    proptest::collection::vec(line, 0..30)
        .prop_map(|lines| lines.join(&b"\n"[..]))
        .boxed()
}

fn registry_kind() -> impl Strategy<Value = FormatKind> {
    proptest::sample::select(formats::REGISTRY.iter().map(|s| s.kind).collect::<Vec<_>>())
}

fn file() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(line(), 0..40).prop_map(|lines| lines.join(&b"\n"[..]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn parsing_accounts_for_every_line(kind in kinds(), data in file()) {
        let parsed = formats::parse(kind, &data, &Limits { max_line_bytes: 64, ..Limits::default() });
        prop_assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
        prop_assert_eq!(parsed.stats.lines, pvelog::framing::count_lines(&data));
        for event in &parsed.events {
            prop_assert!(event.offset <= data.len() as u64);
            prop_assert!(event.line >= 1 && u64::from(event.line) <= parsed.stats.lines);
        }
    }

    #[test]
    fn every_format_keeps_the_parse_invariants(
        (kind, data) in registry_kind().prop_flat_map(|k| (Just(k), shaped(k)))
    ) {
        let parsed = formats::parse(kind, &data, &Limits { max_line_bytes: 256, ..Limits::default() });
        if let Err(e) = formats::check_invariants(&data, &parsed) {
            prop_assert!(false, "{}: {}", kind.as_str(), e);
        }
        let detected = formats::detect("x", &data);
        let parsed = formats::parse(detected, &data, &Limits::default());
        if let Err(e) = formats::check_invariants(&data, &parsed) {
            prop_assert!(false, "detected {}: {}", detected.as_str(), e);
        }
    }

    #[test]
    fn detection_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = formats::detect("x", &data);
    }

    #[test]
    fn merged_timeline_is_sorted_complete_and_thread_independent(
        files in proptest::collection::vec(file(), 1..5)
    ) {
        let members: Vec<Member> = files
            .iter()
            .enumerate()
            .map(|(i, f)| Member::from_vec(format!("host/pve1/f{i}.log"), f.clone()))
            .collect();
        let bundle = Bundle::from_members(members);
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        let render = |n: usize| {
            pool(n).install(|| {
                let analysis = analysis::analyze(&bundle, &Options::default());
                let mut out = Vec::new();
                pvelog::output::timeline::write_jsonl(&analysis, &Default::default(), &mut out).unwrap();
                (analysis.order.len(), analysis.sources.iter().map(|s| s.parsed.events.len()).sum::<usize>(), out)
            })
        };
        let (ordered, total, one) = render(1);
        prop_assert_eq!(ordered, total, "every event appears once in the order");
        let (_, _, many) = render(3);
        prop_assert_eq!(&one, &many);

        let analysis = analysis::analyze(&bundle, &Options::default());
        let keys: Vec<_> = analysis
            .order
            .iter()
            .map(|r| {
                let e = &analysis.sources[r.source as usize].parsed.events[r.event as usize];
                (e.time.is_none(), e.time, r.source, e.offset)
            })
            .collect();
        prop_assert!(keys.windows(2).all(|w| w[0] < w[1]), "not in total order");
    }
}

/// One `journalctl -o verbose` record with random clocks, boot, fields and a message of one or
/// more lines (journalctl indents the further lines past `MESSAGE=`).
fn verbose_record() -> impl Strategy<Value = String> {
    (
        1_000_000_000_000_000u64..2_000_000_000_000_000,
        0u64..1_000_000_000_000,
        "[0-9a-f]{32}",
        proptest::collection::vec(("[A-Z_][A-Z0-9_]{0,12}", "[ -~]{0,30}"), 0..6),
        proptest::collection::vec("[a-z][ -~]{0,20}", 1..4),
    )
        .prop_map(|(t, m, boot, fields, message)| {
            let stamp = chrono::DateTime::from_timestamp_micros(t as i64)
                .expect("in range by construction")
                .format("%a %Y-%m-%d %H:%M:%S%.6f UTC");
            let mut r = format!("{stamp} [s=0;i=1;b={boot};m={m:x};t={t:x};x=2]\n");
            r.push_str(&format!("    _BOOT_ID={boot}\n"));
            for (name, value) in fields {
                r.push_str(&format!("    {name}={value}\n"));
            }
            r.push_str(&format!("    MESSAGE={}\n", message.join("\n            ")));
            r
        })
}

/// What a verbose record must give the same however the member is cut: its time, identity,
/// message, fields and span.
fn verbose_events(data: &[u8]) -> Vec<String> {
    let parsed = formats::parse(FormatKind::JournalVerbose, data, &Limits::default());
    assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
    assert_eq!(
        parsed.stats.unparsed_lines, 0,
        "{:?}",
        parsed.unparsed_examples
    );
    formats::check_invariants(data, &parsed).expect("parse invariants");
    parsed
        .events
        .iter()
        .map(|e| {
            let fields = formats::journal::sorted_fields(e);
            format!(
                "{:?} {:?} {:?} {:?} {:?} {} {fields:?}",
                e.recorded,
                e.ident,
                e.pid,
                e.priority,
                &e.message[..],
                e.lines
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Verbose records read alike in one member, one member each, or newest first
    /// (`journalctl -r`): nothing is lost and no record borrows from its neighbours.
    #[test]
    fn verbose_records_read_alike_whole_split_or_reversed(
        records in proptest::collection::vec(verbose_record(), 1..8)
    ) {
        let whole = verbose_events(records.concat().as_bytes());
        prop_assert_eq!(whole.len(), records.len());
        let split: Vec<String> = records
            .iter()
            .flat_map(|r| verbose_events(r.as_bytes()))
            .collect();
        prop_assert_eq!(&whole, &split);
        let mut reversed = verbose_events(records.iter().rev().cloned().collect::<String>().as_bytes());
        reversed.reverse();
        prop_assert_eq!(&whole, &reversed);
    }
}
