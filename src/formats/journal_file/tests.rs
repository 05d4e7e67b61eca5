//! Hand-built journal files: the header, a few objects, regular and COMPACT, with and without
//! compression, and the damage the reader must survive.

use super::*;
use crate::event::RecordedTime;
use crate::formats::{FormatKind, detect, parse as parse_kind};

const BOOT_A: [u8; 16] = [0x7a; 16];
const BOOT_B: [u8; 16] = [
    0x35, 0xe8, 0x50, 0x11, 0x29, 0x13, 0x4e, 0xdd, 0x9d, 0xf5, 0x26, 0x7c, 0x49, 0xf7, 0x44, 0xa4,
];
const HEADER: usize = 272;

/// Builds a journal file object by object.
struct Builder {
    buf: Vec<u8>,
    compact: bool,
}

impl Builder {
    fn new(compact: bool, incompatible: u32) -> Self {
        let mut buf = vec![0u8; HEADER];
        buf[..8].copy_from_slice(SIGNATURE);
        let flags = incompatible | if compact { INCOMPAT_COMPACT } else { 0 };
        buf[12..16].copy_from_slice(&flags.to_le_bytes());
        buf[40..56].copy_from_slice(&[0x2d; 16]);
        buf[88..96].copy_from_slice(&(HEADER as u64).to_le_bytes());
        Builder { buf, compact }
    }

    fn set(&mut self, at: usize, v: u64) {
        self.buf[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }

    fn object(&mut self, kind: u8, flags: u8, body: &[u8]) -> u64 {
        while self.buf.len() % 8 != 0 {
            self.buf.push(0);
        }
        let at = self.buf.len() as u64;
        self.buf.extend_from_slice(&[kind, flags, 0, 0, 0, 0, 0, 0]);
        self.buf
            .extend_from_slice(&(16 + body.len() as u64).to_le_bytes());
        self.buf.extend_from_slice(body);
        at
    }

    fn data_flags(&mut self, payload: &[u8], flags: u8) -> u64 {
        let mut body = vec![0u8; 48];
        body[0..8].copy_from_slice(&0x1234_5678u64.to_le_bytes());
        if self.compact {
            body.extend_from_slice(&[0; 8]);
        }
        body.extend_from_slice(payload);
        self.object(OBJECT_DATA, flags, &body)
    }

    fn data(&mut self, payload: &[u8]) -> u64 {
        self.data_flags(payload, 0)
    }

    fn entry(&mut self, seqnum: u64, realtime: u64, boot: [u8; 16], items: &[u64]) -> u64 {
        let mut body = Vec::new();
        body.extend_from_slice(&seqnum.to_le_bytes());
        body.extend_from_slice(&realtime.to_le_bytes());
        body.extend_from_slice(&(realtime % 1_000_000_000).to_le_bytes());
        body.extend_from_slice(&boot);
        body.extend_from_slice(&0u64.to_le_bytes());
        for &item in items {
            if self.compact {
                body.extend_from_slice(&(item as u32).to_le_bytes());
            } else {
                body.extend_from_slice(&item.to_le_bytes());
                body.extend_from_slice(&0xabcdu64.to_le_bytes());
            }
        }
        self.object(OBJECT_ENTRY, 0, &body)
    }

    fn entry_array(&mut self, next: u64, items: &[u64], capacity: usize) -> u64 {
        let mut body = next.to_le_bytes().to_vec();
        for i in 0..capacity {
            let item = items.get(i).copied().unwrap_or(0);
            if self.compact {
                body.extend_from_slice(&(item as u32).to_le_bytes());
            } else {
                body.extend_from_slice(&item.to_le_bytes());
            }
        }
        self.object(OBJECT_ENTRY_ARRAY, 0, &body)
    }

    fn finish(mut self, state: u8, n_entries: u64, entry_array: u64) -> Vec<u8> {
        while self.buf.len() % 8 != 0 {
            self.buf.push(0);
        }
        self.buf[16] = state;
        let arena = (self.buf.len() - HEADER) as u64;
        self.set(96, arena);
        self.set(152, n_entries);
        self.set(176, entry_array);
        self.buf
    }
}

/// A small file: two entries of boot A and one of boot B, all in one entry array.
fn three_entries(compact: bool, state: u8) -> (Vec<u8>, [u64; 3]) {
    let mut b = Builder::new(compact, 0);
    let host = b.data(b"_HOSTNAME=pve1");
    let m1 = b.data(b"MESSAGE=first");
    let ident = b.data(b"SYSLOG_IDENTIFIER=pvedaemon");
    let e1 = b.entry(1, 1_753_783_000_000_001, BOOT_A, &[host, m1, ident]);
    let m2 = b.data(b"MESSAGE=second=with equals");
    let e2 = b.entry(2, 1_753_783_000_000_002, BOOT_A, &[host, m2]);
    let m3 = b.data(b"MESSAGE=third");
    let e3 = b.entry(3, 1_753_783_000_000_003, BOOT_B, &[m3, host]);
    let arr = b.entry_array(0, &[e1, e2, e3], 4);
    (b.finish(state, 3, arr), [e1, e2, e3])
}

fn read(data: &[u8]) -> Parsed<'_> {
    let mut out = crate::formats::parsed_for(FormatKind::JournalFile);
    parse(data, &Limits::default(), &mut out);
    out
}

fn messages(p: &Parsed<'_>) -> Vec<String> {
    p.events
        .iter()
        .map(|e| String::from_utf8_lossy(&e.message).into_owned())
        .collect()
}

fn salvaged(p: &Parsed<'_>) -> usize {
    p.events
        .iter()
        .filter(|e| {
            e.journal
                .as_ref()
                .is_some_and(|j| j.get(b"_PVELOG_SALVAGED").is_some())
        })
        .count()
}

fn reasons(p: &Parsed<'_>) -> String {
    p.problems
        .iter()
        .map(|p| format!("@{} {}", p.offset, p.reason))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn regular_and_compact_files_read_through_the_entry_array() {
    for compact in [false, true] {
        let (data, offsets) = three_entries(compact, 0);
        assert!(recognizes(&data));
        assert_eq!(detect("system.journal", &data), FormatKind::JournalFile);
        let p = parse_kind(
            FormatKind::JournalFile,
            &data,
            &crate::limits::Limits::default(),
        );
        assert!(p.binary);
        assert_eq!(p.stats, Default::default());
        assert!(p.problems.is_empty(), "{}", reasons(&p));
        assert!(p.unclean.is_empty());
        assert_eq!(
            messages(&p),
            ["first", "second=with equals", "third"],
            "compact {compact}"
        );
        assert_eq!(
            p.variant,
            if compact {
                "journal-file-compact"
            } else {
                "journal-file"
            }
        );
        let e = &p.events[0];
        assert_eq!((e.line, e.lines, e.offset), (0, 0, offsets[0]));
        assert_eq!(
            e.recorded,
            RecordedTime::Absolute(
                chrono::DateTime::from_timestamp_micros(1_753_783_000_000_001).unwrap()
            )
        );
        assert_eq!(e.ident, Some(&b"pvedaemon"[..]));
        assert_eq!(e.hostname, Some(&b"pve1"[..]));
        let j = e.journal.as_ref().unwrap();
        // The fields stay in the file and are read again on demand; the clocks and boot come
        // from the ENTRY header.
        assert!(j.fields.is_empty());
        let all = j.all();
        let names: Vec<&[u8]> = all.iter().map(|(n, _)| n.as_ref()).collect();
        assert_eq!(
            names,
            [
                &b"__REALTIME_TIMESTAMP"[..],
                b"__MONOTONIC_TIMESTAMP",
                b"_BOOT_ID",
                b"_HOSTNAME",
                b"MESSAGE",
                b"SYSLOG_IDENTIFIER"
            ]
        );
        assert_eq!(j.boot_id(), Some(&b"7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"[..]));
        assert_eq!(
            j.monotonic_us(),
            Some(1_753_783_000_000_001 % 1_000_000_000)
        );
        // Uncompressed payloads are borrowed from the input.
        assert!(all[4].1.is_borrowed());
        assert_eq!(j.value(b"_HOSTNAME").as_deref(), Some(&b"pve1"[..]));
        assert_eq!(
            p.events[2].journal.as_ref().unwrap().boot_id(),
            Some(&b"35e8501129134edd9df5267c49f744a4"[..])
        );
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("3 entries read via the entry array"))
        );
    }
}

#[test]
fn compressed_payloads_are_decoded_and_shared() {
    let message = b"MESSAGE="
        .iter()
        .copied()
        .chain(b"out of memory: killed process 4242 (kvm) ".repeat(40))
        .collect::<Vec<u8>>();
    let zstd = ruzstd::encoding::compress_to_vec(
        &message[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let mut lz4 = (message.len() as u64).to_le_bytes().to_vec();
    lz4.extend_from_slice(&lz4_flex::block::compress(&message));
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut &message[..], &mut xz).unwrap();
    for compact in [false, true] {
        for (flag, payload) in [(DATA_ZSTD, &zstd), (DATA_LZ4, &lz4), (DATA_XZ, &xz)] {
            let mut b = Builder::new(compact, INCOMPAT_ZSTD | INCOMPAT_LZ4 | INCOMPAT_XZ);
            let d = b.data_flags(payload, flag);
            let host = b.data(b"_HOSTNAME=pve1");
            let e = b.entry(1, 1_753_783_000_000_000, BOOT_A, &[d, host]);
            let arr = b.entry_array(0, &[e], 1);
            let data = b.finish(2, 1, arr);
            let p = read(&data);
            assert!(p.problems.is_empty(), "{flag}: {}", reasons(&p));
            assert_eq!(p.events.len(), 1);
            assert_eq!(&p.events[0].message[..], &message[8..], "flag {flag}");
            assert!(matches!(p.events[0].message, Bytes::SharedValue(_)));
        }
    }
}

#[test]
fn bad_compressed_payloads_skip_the_field_and_are_counted() {
    let mut huge = (Limits::default().max_object_bytes + 1)
        .to_le_bytes()
        .to_vec();
    huge.extend_from_slice(&vec![0u8; 300_000]);
    let mut impossible = 1_000_000u64.to_le_bytes().to_vec();
    impossible.extend_from_slice(&[0x1f, 0, 0, 0]);
    let cases: [(u8, Vec<u8>, &str); 5] = [
        (DATA_LZ4, huge, "limit"),
        (DATA_LZ4, impossible, "impossible"),
        (DATA_ZSTD, b"not zstd at all".to_vec(), "zstd"),
        (DATA_XZ, b"not xz".to_vec(), "xz"),
        (
            DATA_XZ | DATA_ZSTD,
            b"x".to_vec(),
            "several compression flags",
        ),
    ];
    for (flag, payload, want) in cases {
        let mut b = Builder::new(false, INCOMPAT_LZ4);
        let d = b.data_flags(&payload, flag);
        let m = b.data(b"MESSAGE=still here");
        let e = b.entry(1, 1_753_783_000_000_000, BOOT_A, &[d, m]);
        let arr = b.entry_array(0, &[e], 1);
        let data = b.finish(0, 1, arr);
        let p = read(&data);
        assert_eq!(messages(&p), ["still here"]);
        let r = reasons(&p);
        assert!(r.contains("1 fields unreadable in 1 entries"), "{r}");
        assert!(r.contains(want), "{want}: {r}");
    }
}

#[test]
fn entries_past_n_entries_or_unlinked_are_salvaged() {
    let mut b = Builder::new(false, 0);
    let m1 = b.data(b"MESSAGE=linked");
    let e1 = b.entry(1, 1_753_783_000_000_001, BOOT_A, &[m1]);
    let m2 = b.data(b"MESSAGE=in the array past n_entries");
    let e2 = b.entry(2, 1_753_783_000_000_002, BOOT_A, &[m2]);
    let arr = b.entry_array(0, &[e1, e2], 4);
    let m3 = b.data(b"MESSAGE=never linked");
    let _e3 = b.entry(3, 1_753_783_000_000_003, BOOT_B, &[m3]);
    // The header counters lag behind the data, as on an ONLINE file.
    let mut data = b.finish(1, 1, arr);
    data.extend_from_slice(&[0u8; 4096]); // preallocated zero tail: not damage
    let p = read(&data);
    assert_eq!(
        messages(&p),
        ["linked", "in the array past n_entries", "never linked"]
    );
    assert_eq!(salvaged(&p), 2);
    assert!(p.problems.is_empty(), "{}", reasons(&p));
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("1 entries read via the entry array")
                && n.contains("2 more salvaged"))
    );
    assert!(p.notes.iter().any(|n| n.contains("state ONLINE")));
    // ONLINE: unclean, with the boot of the last entry written.
    assert_eq!(p.unclean.len(), 1);
    assert_eq!(
        p.unclean[0].boot_id.as_deref(),
        Some("35e8501129134edd9df5267c49f744a4")
    );
}

#[test]
fn entry_array_cycles_and_bad_pointers_stop_the_chain() {
    let (mut data, offsets) = three_entries(false, 0);
    // Point the array's `next` at itself.
    let arr = u64_at(&data, 176).unwrap() as usize;
    data[arr + 16..arr + 24].copy_from_slice(&(arr as u64).to_le_bytes());
    let p = read(&data);
    assert_eq!(messages(&p), ["first", "second=with equals", "third"]);
    assert!(reasons(&p).contains("loops back"), "{}", reasons(&p));

    for bad in [3u64, 8, 1 << 40, offsets[0]] {
        let (mut data, _) = three_entries(false, 0);
        data[176..184].copy_from_slice(&bad.to_le_bytes());
        let p = read(&data);
        // The chain is broken; the scan still finds every entry.
        assert_eq!(
            messages(&p),
            ["first", "second=with equals", "third"],
            "{bad}"
        );
        assert_eq!(salvaged(&p), 3);
        assert!(
            reasons(&p).contains("entry array chain broken"),
            "{}",
            reasons(&p)
        );
    }
}

#[test]
fn unreadable_items_are_skipped_and_counted() {
    let mut b = Builder::new(true, 0);
    let m = b.data(b"MESSAGE=kept");
    let no_eq = b.data(b"NOEQUALSIGN");
    let e1 = b.entry(
        1,
        1_753_783_000_000_001,
        BOOT_A,
        &[0, 12, m, 1 << 30, no_eq],
    );
    let e2 = b.entry(2, 1_753_783_000_000_002, BOOT_A, &[e1]);
    let arr = b.entry_array(0, &[e1, e2], 2);
    let data = b.finish(0, 2, arr);
    let p = read(&data);
    // journalctl shows an entry whose items are all bad with its header fields only.
    assert_eq!(messages(&p), ["kept", ""]);
    let r = reasons(&p);
    assert!(r.contains("5 fields unreadable in 2 entries"), "{r}");
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("1 more with no readable field"))
    );
    let j = p.events[1].journal.as_ref().unwrap();
    // Only the ENTRY header's clocks and boot: no field could be read.
    assert_eq!(j.all().len(), 3);
    assert_eq!(j.realtime_us(), Some(1_753_783_000_000_002));
}

#[test]
fn truncated_tail_is_unclean_and_earlier_entries_survive() {
    let (data, offsets) = three_entries(false, 0);
    let cut = &data[..offsets[2] as usize + 40];
    let p = read(cut);
    assert_eq!(messages(&p), ["first", "second=with equals"]);
    let r = reasons(&p);
    assert!(
        r.contains("runs past the end of the file: truncated"),
        "{r}"
    );
    assert!(r.contains("it is truncated"), "{r}");
    // The entry array was written last and is gone: both entries come from the scan.
    assert!(r.contains("entry array chain broken"), "{r}");
    assert_eq!(salvaged(&p), 2);
    assert!(
        p.unclean
            .iter()
            .any(|u| u.reason.contains("truncated") && u.offset.is_some()),
        "{:?}",
        p.unclean
    );
}

#[test]
fn damaged_region_is_reported_and_the_walk_resynchronizes() {
    let mut b = Builder::new(false, 0);
    let m1 = b.data(b"MESSAGE=before");
    b.entry(1, 1_753_783_000_000_001, BOOT_A, &[m1]);
    let junk = b.buf.len();
    b.buf.extend_from_slice(&[0xee; 40]);
    let m2 = b.data(b"MESSAGE=after the damage");
    b.entry(2, 1_753_783_000_000_002, BOOT_A, &[m2]);
    let data = b.finish(0, 2, 0);
    let p = read(&data);
    assert_eq!(messages(&p), ["before", "after the damage"]);
    assert_eq!(salvaged(&p), 2);
    let r = reasons(&p);
    assert!(
        r.contains(&format!("40 bytes unreadable from offset {junk}")),
        "{r}"
    );
    assert!(p.unclean.is_empty());
}

#[test]
fn garbage_headers_are_problems_not_panics() {
    assert!(!recognizes(b"LPKSHH"));
    let p = read(b"");
    assert!(p.events.is_empty() && !p.problems.is_empty());
    let p = read(b"LPKSHHRH\0\0\0\0");
    assert!(reasons(&p).contains("shorter than the smallest header"));
    let p = read(&[0x55; 400]);
    assert!(reasons(&p).contains("signature"));

    // header_size out of range: objects are looked for after the smallest header.
    for size in [0u64, 48, 239, 257, 12336, u64::MAX] {
        let (mut data, _) = three_entries(false, 0);
        data[88..96].copy_from_slice(&size.to_le_bytes());
        let p = read(&data);
        assert!(reasons(&p).contains("header_size"), "{size}");
        assert_eq!(p.events.len(), 3, "{size}: {}", reasons(&p));
    }

    // Unknown incompatible flag and state: reported, still read.
    let (mut data, _) = three_entries(false, 0);
    data[12..16].copy_from_slice(&0x100u32.to_le_bytes());
    data[16] = 48;
    let p = read(&data);
    let r = reasons(&p);
    assert!(
        r.contains("unknown incompatible flags 0x100") && r.contains("state 48"),
        "{r}"
    );
    assert_eq!(p.events.len(), 3);

    // Every prefix and a sweep of single-byte corruptions: no panic, bounded.
    let (data, _) = three_entries(true, 1);
    for cut in 0..data.len() {
        let _ = read(&data[..cut]);
    }
    for at in (0..data.len()).step_by(3) {
        let mut d = data.clone();
        d[at] ^= 0xff;
        let _ = read(&d);
    }
}

#[test]
fn names_that_mean_an_unclean_stop() {
    assert!(
        unclean_from_name("var/log/journal/x/system@0005ebbfd42fc981-39a8842ec948769a.journal~")
            .is_some()
    );
    assert!(
        unclean_from_name("user-1000@0005ebbfd660bcbe-dbef2eee11f4b575.journal~.zst").is_some()
    );
    assert!(unclean_from_name("system.journal").is_none());
    assert!(unclean_from_name("system@abc-0000000000000001-0005ebbfd42fc981.journal").is_none());
}

/// Decode speed of the ZSTD payloads of the real no-rtc journals, and whole-file parse speed:
/// `cargo test --release --lib journal_file::tests::zstd_throughput -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check; needs ../shared/formats/samples"]
fn zstd_throughput() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/formats/samples/journal-file/systemd-no-rtc");
    let Ok(list) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    let mut files: Vec<_> = list.map(|e| e.unwrap().path()).collect();
    files.sort();
    let (mut payloads, mut parse_bytes, mut parse_entries) = (Vec::new(), 0u64, 0usize);
    let mut text = Vec::new();
    let mut parse_time = std::time::Duration::ZERO;
    for path in files
        .iter()
        .filter(|p| p.to_string_lossy().contains(".journal"))
    {
        let data = std::fs::read(path).unwrap();
        let reader = Reader::new(&data, false, 256, &Limits::default());
        let mut at = u64_at(&data, 88).unwrap();
        while let Probe::Valid { kind, size } = reader.probe(at) {
            let o = reader.slice(at, size).unwrap();
            if kind == OBJECT_DATA && o[1] == DATA_ZSTD {
                payloads.push(o[64..].to_vec());
            } else if kind == OBJECT_DATA && o[1] == 0 {
                text.extend_from_slice(&o[64..]);
                text.push(b'\n');
            }
            at = align8(at + size).unwrap();
        }
        let start = std::time::Instant::now();
        let p = read(&data);
        parse_time += start.elapsed();
        parse_bytes += at;
        parse_entries += p.events.len();
    }
    eprintln!(
        "real ZSTD payloads in the no-rtc journals: {}",
        payloads.len()
    );
    // journald compresses only payloads over its threshold (512 bytes), so few are compressed:
    // measure on the files' own uncompressed payload text, cut into 2 KiB frames.
    // Kept for a comparison with the C library: `zstd -b1 -B2048 <temp>/pvelog-jfile-payload-text`.
    std::fs::write(
        std::env::temp_dir().join("pvelog-jfile-payload-text"),
        &text,
    )
    .unwrap();
    payloads.extend(text.chunks(2048).map(|c| {
        ruzstd::encoding::compress_to_vec(c, ruzstd::encoding::CompressionLevel::Fastest)
    }));
    let rounds = 20;
    let start = std::time::Instant::now();
    let mut out_bytes = 0usize;
    for _ in 0..rounds {
        for p in &payloads {
            out_bytes += decompress(DATA_ZSTD, p, u64::MAX).unwrap().len();
        }
    }
    let t = start.elapsed().as_secs_f64();
    let in_bytes: usize = payloads.iter().map(Vec::len).sum::<usize>() * rounds;
    eprintln!(
        "ruzstd: {} payloads x {rounds}: {:.1} MB in -> {:.1} MB out in {t:.3} s = {:.0} MB/s out, {:.2} us/payload",
        payloads.len(),
        in_bytes as f64 / 1e6,
        out_bytes as f64 / 1e6,
        out_bytes as f64 / 1e6 / t,
        t * 1e6 / (payloads.len() * rounds) as f64
    );
    eprintln!(
        "parse: {parse_entries} entries, {:.1} MB of objects in {:.3} s = {:.0} MB/s, {:.0} entries/s",
        parse_bytes as f64 / 1e6,
        parse_time.as_secs_f64(),
        parse_bytes as f64 / 1e6 / parse_time.as_secs_f64(),
        parse_entries as f64 / parse_time.as_secs_f64()
    );
}

fn read_with<'b>(data: &'b [u8], limits: &Limits) -> Parsed<'b> {
    let mut out = crate::formats::parsed_for(FormatKind::JournalFile);
    parse(data, limits, &mut out);
    out
}

/// `MESSAGE=` and `size` bytes of `fill`, zstd-compressed: a few KB that decode to `size`.
fn zstd_bomb(fill: u8, size: usize) -> Vec<u8> {
    let message: Vec<u8> = b"MESSAGE="
        .iter()
        .copied()
        .chain(std::iter::repeat_n(fill, size))
        .collect();
    ruzstd::encoding::compress_to_vec(&message[..], ruzstd::encoding::CompressionLevel::Fastest)
}

#[test]
fn a_field_every_entry_shares_is_decoded_once_and_held_once() {
    let bomb = zstd_bomb(b'x', 4 << 20);
    assert!(bomb.len() < 64 << 10, "{}", bomb.len());
    let mut b = Builder::new(false, INCOMPAT_ZSTD);
    let d = b.data_flags(&bomb, DATA_ZSTD);
    let entries: Vec<u64> = (1..=8)
        .map(|i| b.entry(i, 1_753_783_000_000_000 + i, BOOT_A, &[d]))
        .collect();
    let arr = b.entry_array(0, &entries, 8);
    let data = b.finish(2, 8, arr);
    // A budget of one decode: eight copies, or eight decodes, would not fit.
    let limits = Limits {
        max_decoded_bytes: 5 << 20,
        ..Limits::default()
    };
    let p = read_with(&data, &limits);
    assert!(p.problems.is_empty(), "{}", reasons(&p));
    assert_eq!(p.events.len(), 8);
    assert!(p.events.iter().all(|e| e.message.len() == 4 << 20));
    let buffers: HashSet<*const u8> = p.events.iter().map(|e| e.message.as_ptr()).collect();
    assert_eq!(
        buffers.len(),
        1,
        "every entry holds the same decoded buffer"
    );
}

#[test]
fn distinct_bombs_stop_at_the_decoded_budget_which_names_its_flag() {
    let mut b = Builder::new(false, INCOMPAT_ZSTD);
    let entries: Vec<u64> = (1..=6u8)
        .map(|i| {
            let d = b.data_flags(&zstd_bomb(b'a' + i, 1 << 20), DATA_ZSTD);
            let m = b.data(format!("SYSLOG_IDENTIFIER=n{i}").as_bytes());
            b.entry(u64::from(i), 1_753_783_000_000_000, BOOT_A, &[d, m])
        })
        .collect();
    let arr = b.entry_array(0, &entries, 6);
    let data = b.finish(2, 6, arr);
    let limits = Limits {
        max_decoded_bytes: (5 << 20) / 2,
        ..Limits::default()
    };
    let p = read_with(&data, &limits);
    // Nothing is lost: every entry is there, the ones past the budget without their message.
    assert_eq!(p.events.len(), 6);
    let full = p.events.iter().filter(|e| !e.message.is_empty()).count();
    assert_eq!(full, 2);
    let r = reasons(&p);
    assert!(r.contains("--max-decoded-bytes"), "{r}");
    assert!(r.contains("4 fields unreadable in 4 entries"), "{r}");
}

#[test]
fn object_and_field_count_caps_name_their_flags() {
    let mut b = Builder::new(false, INCOMPAT_ZSTD);
    let d = b.data_flags(&zstd_bomb(b'z', 2 << 20), DATA_ZSTD);
    let items: Vec<u64> = (0..10)
        .map(|i| b.data(format!("F{i}=v").as_bytes()))
        .collect();
    let e1 = b.entry(1, 1_753_783_000_000_001, BOOT_A, &[d, items[0]]);
    let e2 = b.entry(2, 1_753_783_000_000_002, BOOT_A, &items);
    let arr = b.entry_array(0, &[e1, e2], 2);
    let data = b.finish(2, 2, arr);
    let limits = Limits {
        max_object_bytes: 1 << 20,
        max_entry_fields: 4,
        ..Limits::default()
    };
    let p = read_with(&data, &limits);
    assert_eq!(p.events.len(), 2);
    let r = reasons(&p);
    assert!(r.contains("--max-object-bytes"), "{r}");
    assert!(r.contains("has 10 items, over the limit of 4"), "{r}");
    assert!(r.contains("--max-entry-fields"), "{r}");
    let fields = p.events[1].journal.as_ref().unwrap().all();
    // Read again on demand, with the default limits: the three header fields and every item.
    assert_eq!(fields.len(), 3 + 10);
}
