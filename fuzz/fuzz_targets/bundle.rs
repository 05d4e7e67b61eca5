//! Fuzz target for the bundle reader and the whole analysis: structured input (`arbitrary`)
//! builds an INPUT from forged containers (tar headers with lying sizes, odd types and hostile
//! names; gzip cut short, doubled or followed by garbage) around members that are raw bytes,
//! lines of a chosen format, or forged native journal files (header fields, objects with lying
//! sizes, pointers anywhere), then asserts the invariants of `common::check_bundle`.

#![no_main]

mod common;

use std::io::Write;

use arbitrary::Arbitrary;
use flate2::{Compression, write::GzEncoder};
use pvelog::formats::REGISTRY;

#[derive(Arbitrary, Debug)]
struct Input {
    layout: Layout,
    members: Vec<MemberSpec>,
    /// Force a registry format on every member (by row), as `--format-override` does.
    force: Option<u8>,
    /// Run the whole analysis when this is 7 modulo 8 (not 0: `arbitrary` fills an input that
    /// ran out with zeros, and the short inputs would all pay for it).
    analyze: u8,
}

#[derive(Arbitrary, Debug)]
enum Layout {
    /// The first member alone, as a plain file.
    Plain,
    /// The first member, gzip-compressed, maybe cut or followed by trailing bytes.
    Gzip { cut: Option<u16>, trailing: Vec<u8> },
    /// Every member in a tar.
    Tar,
    /// Every member in a tar, gzip-compressed (`.tgz`).
    TarGz,
    /// The first member gzip-compressed twice.
    GzGz,
    /// A tar holding a tar of every member.
    TarInTar,
}

#[derive(Arbitrary, Debug)]
struct MemberSpec {
    name: String,
    /// The tar type flag (`0` a file, `2` a symlink, `5` a directory…).
    typeflag: u8,
    /// A size written in the tar header instead of the true one.
    size_lie: Option<u32>,
    content: Content,
}

#[derive(Arbitrary, Debug)]
enum Content {
    Raw(Vec<u8>),
    /// Lines joined by `\n`, with a registry row's records in mind (the fuzzer finds them).
    Lines(Vec<Vec<u8>>),
    Journal(JournalSpec),
}

#[derive(Arbitrary, Debug)]
struct JournalSpec {
    state: u8,
    incompatible: u32,
    header_size_lie: Option<u64>,
    arena_size_lie: Option<u64>,
    n_entries: u64,
    /// Index of the object the header's entry array points at.
    entry_array: Option<u8>,
    objects: Vec<ObjectSpec>,
    cut: Option<u16>,
}

#[derive(Arbitrary, Debug)]
enum ObjectSpec {
    Data {
        flags: u8,
        payload: Vec<u8>,
        entry: Option<u8>,
        n_entries: u64,
    },
    Entry {
        seqnum: u64,
        realtime: u64,
        monotonic: u64,
        items: Vec<u8>,
    },
    EntryArray {
        next: Option<u8>,
        items: Vec<u8>,
    },
    Raw {
        kind: u8,
        flags: u8,
        size_lie: Option<u64>,
        body: Vec<u8>,
    },
}

const HEADER: usize = 272;

impl ObjectSpec {
    fn body_len(&self) -> usize {
        match self {
            ObjectSpec::Data { payload, .. } => 48 + payload.len(),
            ObjectSpec::Entry { items, .. } => 48 + 16 * items.len(),
            ObjectSpec::EntryArray { items, .. } => 8 + 8 * items.len(),
            ObjectSpec::Raw { body, .. } => body.len(),
        }
    }
}

fn journal(spec: &JournalSpec) -> Vec<u8> {
    // Offsets first, so that pointers (object indices) can be written as offsets.
    let mut offsets = Vec::with_capacity(spec.objects.len());
    let mut at = HEADER;
    for o in &spec.objects {
        offsets.push(at as u64);
        at = (at + 16 + o.body_len()).div_ceil(8) * 8;
    }
    let to = |i: Option<u8>| -> u64 {
        match i {
            Some(i) if !offsets.is_empty() => offsets[usize::from(i) % offsets.len()],
            _ => 0,
        }
    };
    let mut buf = vec![0u8; HEADER];
    buf[..8].copy_from_slice(b"LPKSHHRH");
    buf[12..16].copy_from_slice(&spec.incompatible.to_le_bytes());
    buf[16] = spec.state;
    for o in &spec.objects {
        buf.resize(buf.len().div_ceil(8) * 8, 0);
        let (kind, flags, size_lie, body) = match o {
            ObjectSpec::Data {
                flags,
                payload,
                entry,
                n_entries,
            } => {
                let mut body = vec![0u8; 48];
                body[24..32].copy_from_slice(&to(*entry).to_le_bytes());
                body[40..48].copy_from_slice(&n_entries.to_le_bytes());
                body.extend_from_slice(payload);
                (1, *flags, None, body)
            }
            ObjectSpec::Entry {
                seqnum,
                realtime,
                monotonic,
                items,
            } => {
                let mut body = Vec::new();
                body.extend_from_slice(&seqnum.to_le_bytes());
                body.extend_from_slice(&realtime.to_le_bytes());
                body.extend_from_slice(&monotonic.to_le_bytes());
                body.extend_from_slice(&[0x7a; 16]);
                body.extend_from_slice(&0u64.to_le_bytes());
                for &i in items {
                    body.extend_from_slice(&to(Some(i)).to_le_bytes());
                    body.extend_from_slice(&0u64.to_le_bytes());
                }
                (3, 0, None, body)
            }
            ObjectSpec::EntryArray { next, items } => {
                let mut body = to(*next).to_le_bytes().to_vec();
                for &i in items {
                    body.extend_from_slice(&to(Some(i)).to_le_bytes());
                }
                (6, 0, None, body)
            }
            ObjectSpec::Raw {
                kind,
                flags,
                size_lie,
                body,
            } => (*kind, *flags, *size_lie, body.clone()),
        };
        buf.extend_from_slice(&[kind, flags, 0, 0, 0, 0, 0, 0]);
        let size = size_lie.unwrap_or(16 + body.len() as u64);
        buf.extend_from_slice(&size.to_le_bytes());
        buf.extend_from_slice(&body);
    }
    buf.resize(buf.len().div_ceil(8) * 8, 0);
    let header_size = spec.header_size_lie.unwrap_or(HEADER as u64);
    let arena = spec.arena_size_lie.unwrap_or((buf.len() - HEADER) as u64);
    buf[88..96].copy_from_slice(&header_size.to_le_bytes());
    buf[96..104].copy_from_slice(&arena.to_le_bytes());
    buf[152..160].copy_from_slice(&spec.n_entries.to_le_bytes());
    buf[176..184].copy_from_slice(&to(spec.entry_array).to_le_bytes());
    if let Some(cut) = spec.cut {
        buf.truncate(usize::from(cut).max(8));
    }
    buf
}

fn content(c: &Content) -> Vec<u8> {
    match c {
        Content::Raw(b) => b.clone(),
        Content::Lines(lines) => lines.join(&b"\n"[..]),
        Content::Journal(spec) => journal(spec),
    }
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// A tar of the members, headers written field by field so that they can lie.
fn tar(members: &[MemberSpec]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        let data = content(&m.content);
        let mut h = [0u8; 512];
        let name = m.name.as_bytes();
        let n = name.len().min(100);
        h[..n].copy_from_slice(&name[..n]);
        h[100..108].copy_from_slice(b"0000644\0");
        let size = m.size_lie.map_or(data.len() as u64, u64::from);
        h[124..136].copy_from_slice(format!("{:011o}\0", size & 0o77_777_777_777).as_bytes());
        h[136..148].copy_from_slice(b"14527155330\0");
        h[156] = m.typeflag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(&data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

libfuzzer_sys::fuzz_target!(|input: Input| {
    let first = input
        .members
        .first()
        .map(|m| content(&m.content))
        .unwrap_or_default();
    let data = match &input.layout {
        Layout::Plain => first,
        Layout::Gzip { cut, trailing } => {
            let mut z = gz(&first);
            if let Some(cut) = cut {
                z.truncate(usize::from(*cut));
            }
            z.extend_from_slice(trailing);
            z
        }
        Layout::Tar => tar(&input.members),
        Layout::TarGz => gz(&tar(&input.members)),
        Layout::GzGz => gz(&gz(&first)),
        Layout::TarInTar => {
            let inner = tar(&input.members);
            tar(&[MemberSpec {
                name: "inner.tar".to_string(),
                typeflag: b'0',
                size_lie: None,
                content: Content::Raw(inner),
            }])
        }
    };
    let overrides = input
        .force
        .map(|row| {
            let spec = &REGISTRY[usize::from(row) % REGISTRY.len()];
            vec![(String::new(), spec.kind)]
        })
        .unwrap_or_default();
    common::check_bundle("input", data, overrides, input.analyze % 8 == 7);
});
