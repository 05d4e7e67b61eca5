//! Native systemd journal files, `*.journal` and `*.journal~` (REFERENCE.md §3).
//!
//! The reader follows systemd's `journal-def.h` layout and tolerates damage, because the files
//! that matter most in an incident are the ones journald never closed:
//!
//! 1. The header is checked (signature, `header_size`, flags, state). A bad signature stops the
//!    read; an odd `header_size` or an unknown incompatible flag is reported as a problem and the
//!    reader goes on with what is safe (objects are then looked for from the smallest header on).
//! 2. **Main path**: the global entry array chain from `entry_array_offset`, bounded by the
//!    header's `n_entries` as `journalctl` bounds it. Every pointer is checked (alignment, inside
//!    the file, past the header, object type and minimum size) and the chain stops on a loop.
//! 3. **Salvage path**: a linear walk over the objects from the end of the header, by
//!    `align8(size)`, collecting every ENTRY object. After an invalid object header the walk
//!    resynchronizes on the next plausible 8-aligned object header and reports the skipped bytes;
//!    a zero-filled tail (preallocated space) is not damage. Entries found only this way (or in
//!    the entry arrays past `n_entries`) are what `journalctl` does not show: they get a synthetic
//!    field `_PVELOG_SALVAGED=1`.
//! 4. Each entry becomes an event through [`super::journal::entry_event`], with
//!    `__REALTIME_TIMESTAMP`, `__MONOTONIC_TIMESTAMP` and `_BOOT_ID` synthesized from the ENTRY
//!    header as `journalctl -o export` shows them, then the DATA fields in item order.
//!    Uncompressed payloads are borrowed from the input. XZ, LZ4 and ZSTD payloads are decoded
//!    once per DATA object, however many entries reference it, and every entry shares the
//!    decoded buffer ([`Bytes::Shared`]). Decoding is bounded by the caller's [`Limits`]: one
//!    payload by `max_object_bytes`, all decoded payloads of the file together by
//!    `max_decoded_bytes` (so a 10 KB file whose entries point at a few highly compressed fields
//!    costs at most that budget, in memory and in decoding time), and the items read per entry
//!    by `max_entry_fields`. Each cap hit is reported once with the flag that raises it.
//!
//! Damage is aggregated, not reported per entry: one problem per damaged region (capped), one
//! for unreadable fields, one for unreadable entries. Events carry `line` 0, `lines` 0 and the
//! ENTRY object's byte offset, so the line statistics of a journal file stay all zero.
//!
//! # Known deviations
//! - Entry order is the entry array's, then the salvaged entries in file order; `journalctl`
//!   interleaves files by time, which the timeline does anyway.
//! - Hash values (`xor_hash`, item hashes, keyed or not) are not verified, and sealed (FSS) files
//!   are read without checking their tags.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::sync::Arc;

use super::journal::entry_event;
use super::{LineProblem, Parsed, UncleanEvidence};
use crate::event::{Bytes, EntryHeader, JournalFields, LazyFields, SharedField};
use crate::limits::{LimitKind, Limits};

#[cfg(test)]
mod tests;

/// The file signature.
const SIGNATURE: &[u8; 8] = b"LPKSHHRH";
/// The smallest header systemd accepts: every field up to `tail_entry_monotonic`.
const HEADER_SIZE_MIN: u64 = 208;
/// The largest header believed; systemd 257 writes 272 bytes, this leaves room for newer writers.
const HEADER_SIZE_MAX: u64 = 4096;
/// Where the header keeps `entry_array_offset`.
const ENTRY_ARRAY_OFFSET_FIELD: u64 = 176;
/// Bytes of every object header (`type, flags, reserved[6], size`).
const OBJECT_HEADER: u64 = 16;
/// Damaged regions reported one by one; the rest are summed up in one more problem.
const MAX_REGION_PROBLEMS: usize = 16;

const INCOMPAT_XZ: u32 = 1;
const INCOMPAT_LZ4: u32 = 2;
const INCOMPAT_KEYED_HASH: u32 = 4;
const INCOMPAT_ZSTD: u32 = 8;
const INCOMPAT_COMPACT: u32 = 16;
const INCOMPAT_KNOWN: u32 = 0x1f;

const OBJECT_DATA: u8 = 1;
const OBJECT_FIELD: u8 = 2;
const OBJECT_ENTRY: u8 = 3;
const OBJECT_DATA_HASH_TABLE: u8 = 4;
const OBJECT_FIELD_HASH_TABLE: u8 = 5;
const OBJECT_ENTRY_ARRAY: u8 = 6;
const OBJECT_TAG: u8 = 7;

const DATA_XZ: u8 = 1;
const DATA_LZ4: u8 = 2;
const DATA_ZSTD: u8 = 4;

/// Whether the head of a member is this encoding.
pub fn recognizes(head: &[u8]) -> bool {
    head.starts_with(SIGNATURE)
}

/// The unclean-stop reason a member's name alone gives: journald renames a file it found dirty
/// or corrupt at startup to `*.journal~`. Compression suffixes a collector added are ignored.
pub fn unclean_from_name(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let name = [".gz", ".zst", ".xz", ".lz4", ".bz2"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name);
    name.ends_with(".journal~").then(|| {
        "journal file renamed to *.journal~: journald found it dirty or corrupt when it started \
         (it was not closed cleanly: crash, power loss or VM kill)"
            .to_string()
    })
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let bytes = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let bytes = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn align8(x: u64) -> Option<u64> {
    Some(x.checked_add(7)? & !7)
}

/// The field that marks an entry found only by the salvage scan.
const SALVAGE_MARK: &[u8] = b"_PVELOG_SALVAGED";

/// Turns a freshly read entry into its event at once, so that millions of entries never hold
/// all their fields together: the event keeps what it needs (time, identifier, message…), the
/// other fields stay in the file and are read again on demand ([`JournalFields::value`]).
fn settle<'b>(mut e: EntryRead<'b>, data: &'b [u8], out: &mut Parsed<'b>) -> Settled {
    let fields = std::mem::take(&mut e.fields);
    let boot = fields.entry.map(|h| h.boot_id);
    let event = entry_event(fields, 0, e.offset).map(|mut event| {
        event.lines = 0;
        if let Some(j) = event.journal.as_mut() {
            // The salvage mark is not in the file: it stays with the event.
            j.fields.retain(|(n, _)| n.as_ref() == SALVAGE_MARK);
            j.fields.shrink_to_fit();
            j.lazy = Some(LazyFields {
                file: data,
                entry_offset: e.offset,
                read: read_entry_fields,
            });
        }
        event
    });
    // Straight into the source's events: holding every entry first, then moving it, cost a
    // gigabyte of copying on a 550 MB journal directory.
    if let Some(event) = event {
        out.push_event(event);
    }
    Settled {
        offset: e.offset,
        boot,
        bad_items: e.bad_items,
        first_bad_item: e.first_bad_item,
        header_only: e.header_only,
    }
}

/// What the summary needs of an entry once its event is made.
struct Settled {
    offset: u64,
    boot: Option<[u8; 32]>,
    bad_items: u64,
    first_bad_item: Option<String>,
    header_only: bool,
}

/// The DATA fields of the entry at `entry_offset` of the journal file `data`, read again (for
/// [`JournalFields::value`]). Damaged items are skipped, as on the first read.
///
/// The read is bounded by the default [`Limits`] (the function pointer cannot carry the run's):
/// one entry's fields, each payload decoded at most once.
fn read_entry_fields(data: &[u8], entry_offset: u64) -> Vec<(Bytes<'_>, Bytes<'_>)> {
    let Some(header) = Header::read(data) else {
        return Vec::new();
    };
    let min_offset = header
        .header_size
        .max(HEADER_SIZE_MIN)
        .min(data.len() as u64);
    let mut reader = Reader::new(data, header.compact(), min_offset, &Limits::default());
    reader
        .entry(entry_offset, true)
        .map(|e| e.fields.fields)
        .unwrap_or_default()
}

/// A 128-bit id as 32 lowercase hex digits, without formatting machinery: it runs for every
/// entry (a profile showed `format!`-based hex at 9 % of reading a 550 MB journal directory).
fn hex_id(bytes: &[u8]) -> [u8; 32] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'0'; 32];
    for (i, b) in bytes.iter().take(16).enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The header fields the reader uses.
#[derive(Clone, Debug, Default)]
struct Header {
    incompatible: u32,
    state: u8,
    machine_id: [u8; 16],
    tail_entry_boot_id: [u8; 16],
    header_size: u64,
    arena_size: u64,
    n_entries: u64,
    entry_array_offset: u64,
}

impl Header {
    /// Reads the fixed part of the header; `None` when the file is too short for it.
    fn read(data: &[u8]) -> Option<Header> {
        let id = |at: usize| -> Option<[u8; 16]> { data.get(at..at + 16)?.try_into().ok() };
        Some(Header {
            incompatible: u32_at(data, 12)?,
            state: *data.get(16)?,
            machine_id: id(40)?,
            tail_entry_boot_id: id(56)?,
            header_size: u64_at(data, 88)?,
            arena_size: u64_at(data, 96)?,
            n_entries: u64_at(data, 152)?,
            entry_array_offset: u64_at(data, 176)?,
        })
    }

    fn compact(&self) -> bool {
        self.incompatible & INCOMPAT_COMPACT != 0
    }

    fn state_name(&self) -> Cow<'static, str> {
        match self.state {
            0 => "OFFLINE".into(),
            1 => "ONLINE".into(),
            2 => "ARCHIVED".into(),
            s => format!("unknown ({s})").into(),
        }
    }

    fn flag_names(&self) -> String {
        let names = [
            (INCOMPAT_XZ, "COMPRESSED-XZ"),
            (INCOMPAT_LZ4, "COMPRESSED-LZ4"),
            (INCOMPAT_KEYED_HASH, "KEYED-HASH"),
            (INCOMPAT_ZSTD, "COMPRESSED-ZSTD"),
            (INCOMPAT_COMPACT, "COMPACT"),
        ];
        let mut out: Vec<String> = names
            .iter()
            .filter(|(bit, _)| self.incompatible & bit != 0)
            .map(|(_, n)| (*n).to_string())
            .collect();
        let unknown = self.incompatible & !INCOMPAT_KNOWN;
        if unknown != 0 {
            out.push(format!("unknown 0x{unknown:x}"));
        }
        if out.is_empty() {
            "none".to_string()
        } else {
            out.join(" ")
        }
    }
}

/// One object, validated to lie inside the file.
#[derive(Clone, Copy, Debug)]
struct Object<'b> {
    flags: u8,
    /// The whole object, its 16-byte header included.
    bytes: &'b [u8],
}

/// The smallest valid size of an object of type `kind` (its header included); `None` for a
/// type that does not exist.
fn min_size(kind: u8, compact: bool) -> Option<u64> {
    Some(match kind {
        OBJECT_DATA if compact => 73,
        OBJECT_DATA => 65,
        OBJECT_FIELD => 41,
        OBJECT_ENTRY => 64,
        OBJECT_DATA_HASH_TABLE | OBJECT_FIELD_HASH_TABLE => OBJECT_HEADER,
        OBJECT_ENTRY_ARRAY => 24,
        OBJECT_TAG => 64,
        _ => return None,
    })
}

fn type_name(kind: u8) -> &'static str {
    match kind {
        OBJECT_DATA => "DATA",
        OBJECT_FIELD => "FIELD",
        OBJECT_ENTRY => "ENTRY",
        OBJECT_DATA_HASH_TABLE => "DATA_HASH_TABLE",
        OBJECT_FIELD_HASH_TABLE => "FIELD_HASH_TABLE",
        OBJECT_ENTRY_ARRAY => "ENTRY_ARRAY",
        OBJECT_TAG => "TAG",
        _ => "unknown",
    }
}

/// How an object header at some offset looks to the linear walk.
enum Probe {
    /// A plausible object of `size` bytes that fits in the file.
    Valid { kind: u8, size: u64 },
    /// A plausible object header whose object runs past the end of the file.
    Truncated,
    /// Not an object header.
    Invalid,
}

/// One entry that was read.
struct EntryRead<'b> {
    offset: u64,
    /// The fields, until [`settle`] turned them into the event.
    fields: JournalFields<'b>,
    bad_items: u64,
    first_bad_item: Option<String>,
    /// No item could be read: only the fields synthesized from the ENTRY header are there.
    header_only: bool,
}

/// What the linear walk over the objects found.
#[derive(Default)]
struct Scan {
    /// ENTRY objects, in file order.
    entries: Vec<u64>,
    /// `(offset, bytes)` of regions that hold no valid object.
    damaged: Vec<(u64, u64)>,
    /// Offset of an object that runs past the end of the file.
    truncated_at: Option<u64>,
    /// Objects seen.
    objects: u64,
}

/// The first time a cap stopped the reader: where, and the report that names the flag.
#[derive(Clone, Debug, Default)]
struct CapHit {
    /// Offset of the first object or entry the cap hit, and the reason.
    first: Option<(u64, String)>,
    /// How many times it hit.
    count: u64,
}

impl CapHit {
    fn record(&mut self, offset: u64, reason: &str) {
        self.count += 1;
        self.first
            .get_or_insert_with(|| (offset, reason.to_string()));
    }
}

struct Reader<'b> {
    data: &'b [u8],
    compact: bool,
    /// Objects may not start before this offset.
    min_offset: u64,
    /// Decoded payloads of compressed DATA objects, by object offset: each object is decoded
    /// once (a failure too is remembered), whatever number of entries reference it.
    decoded: HashMap<u64, Result<Arc<SharedField>, String>>,
    /// The most bytes one payload may decode to ([`LimitKind::ObjectBytes`]).
    max_object: u64,
    /// Decoded bytes left in the file's budget ([`LimitKind::DecodedBytes`]).
    decoded_left: u64,
    /// The whole budget, for reports.
    max_decoded: u64,
    /// The most items read per entry ([`LimitKind::EntryFields`]).
    max_fields: usize,
    /// Where each cap hit first.
    hits: HashMap<LimitKind, CapHit>,
}

impl<'b> Reader<'b> {
    fn new(data: &'b [u8], compact: bool, min_offset: u64, limits: &Limits) -> Self {
        Reader {
            data,
            compact,
            min_offset,
            decoded: HashMap::new(),
            max_object: limits.get(LimitKind::ObjectBytes),
            decoded_left: limits.get(LimitKind::DecodedBytes),
            max_decoded: limits.get(LimitKind::DecodedBytes),
            max_fields: usize::try_from(limits.get(LimitKind::EntryFields)).unwrap_or(usize::MAX),
            hits: HashMap::new(),
        }
    }

    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn slice(&self, offset: u64, len: u64) -> Option<&'b [u8]> {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        self.data.get(start..end)
    }

    /// The object of type `kind` at `offset`, every bound checked.
    fn object(&self, offset: u64, kind: u8) -> Result<Object<'b>, String> {
        if offset % 8 != 0 {
            return Err(format!("offset {offset} is not 8-byte aligned"));
        }
        if offset < self.min_offset {
            return Err(format!("offset {offset} points into the file header"));
        }
        let head = self
            .slice(offset, OBJECT_HEADER)
            .ok_or_else(|| format!("offset {offset} is past the end of the file"))?;
        let found = head.first().copied().unwrap_or_default();
        if found != kind {
            return Err(format!(
                "expected a {} object at offset {offset}, found type {found} ({})",
                type_name(kind),
                type_name(found)
            ));
        }
        let size = u64_at(head, 8).unwrap_or_default();
        let min = min_size(kind, self.compact).unwrap_or(OBJECT_HEADER);
        if size < min {
            return Err(format!(
                "{} object at offset {offset} has size {size}, below the minimum {min}",
                type_name(kind)
            ));
        }
        let bytes = self.slice(offset, size).ok_or_else(|| {
            format!(
                "{} object at offset {offset} ({size} bytes) runs past the end of the file",
                type_name(kind)
            )
        })?;
        Ok(Object {
            flags: head.get(1).copied().unwrap_or_default(),
            bytes,
        })
    }

    fn probe(&self, offset: u64) -> Probe {
        let Some(head) = self.slice(offset, OBJECT_HEADER) else {
            return Probe::Invalid;
        };
        let kind = head.first().copied().unwrap_or_default();
        let flags = head.get(1).copied().unwrap_or_default();
        let size = u64_at(head, 8).unwrap_or_default();
        let Some(min) = min_size(kind, self.compact) else {
            return Probe::Invalid;
        };
        let flags_ok = if kind == OBJECT_DATA {
            flags & !(DATA_XZ | DATA_LZ4 | DATA_ZSTD) == 0 && flags.count_ones() <= 1
        } else {
            flags == 0
        };
        if size < min || !flags_ok || head.get(2..8).is_some_and(|r| r.iter().any(|&b| b != 0)) {
            return Probe::Invalid;
        }
        match offset.checked_add(size) {
            Some(end) if end <= self.len() => Probe::Valid { kind, size },
            Some(_) => Probe::Truncated,
            None => Probe::Invalid,
        }
    }

    /// Every non-zero item of the entry array chain from `first`, in chain order, each with the
    /// file offset of the slot that holds it, and where and why the chain stopped early (at the
    /// file offset of the pointer that failed: the header field or the previous array's `next`).
    fn entry_array_items(&self, first: u64) -> (Vec<(u64, u64)>, Option<(u64, String)>) {
        let mut items = Vec::new();
        let mut visited = HashSet::new();
        let (mut at, mut pointer) = (first, ENTRY_ARRAY_OFFSET_FIELD);
        let item_size = if self.compact { 4 } else { 8 };
        while at != 0 {
            if !visited.insert(at) {
                let reason = format!("entry array chain loops back to offset {at}");
                return (items, Some((pointer, reason)));
            }
            let array = match self.object(at, OBJECT_ENTRY_ARRAY) {
                Ok(o) => o,
                Err(e) => {
                    return (
                        items,
                        Some((pointer, format!("entry array chain broken: {e}"))),
                    );
                }
            };
            let slots = array.bytes.get(24..).unwrap_or_default();
            let mut slot = at.saturating_add(24);
            for c in slots.chunks_exact(item_size) {
                let item = if self.compact {
                    u32_at(c, 0).map(u64::from)
                } else {
                    u64_at(c, 0)
                }
                .unwrap_or_default();
                if item != 0 {
                    items.push((item, slot));
                }
                slot = slot.saturating_add(item_size as u64);
            }
            pointer = at.saturating_add(16);
            at = u64_at(array.bytes, 16).unwrap_or_default();
        }
        (items, None)
    }

    /// Walks the objects linearly from `start`.
    fn scan(&self, start: u64) -> Scan {
        let mut scan = Scan::default();
        let len = self.len();
        let mut at = start;
        while at.checked_add(OBJECT_HEADER).is_some_and(|e| e <= len) {
            match self.probe(at) {
                Probe::Valid { kind, size } => {
                    scan.objects += 1;
                    if kind == OBJECT_ENTRY {
                        scan.entries.push(at);
                    }
                    match at.checked_add(size).and_then(align8) {
                        Some(next) if next > at => at = next,
                        _ => break,
                    }
                }
                probe @ (Probe::Truncated | Probe::Invalid) => {
                    let bad = at;
                    // Resynchronize on the next plausible object header.
                    let mut next = at.saturating_add(8);
                    let found = loop {
                        if next.saturating_add(OBJECT_HEADER) > len {
                            break None;
                        }
                        if matches!(self.probe(next), Probe::Valid { .. }) {
                            break Some(next);
                        }
                        next = next.saturating_add(8);
                    };
                    let end = found.unwrap_or(len);
                    let skipped = self.slice(bad, end - bad).unwrap_or_default();
                    if found.is_none() && matches!(probe, Probe::Truncated) {
                        // The last object was cut short: a truncated tail, not scattered damage.
                        scan.truncated_at = Some(bad);
                    } else if found.is_some() || skipped.iter().any(|&b| b != 0) {
                        scan.damaged.push((bad, end - bad));
                    }
                    match found {
                        Some(n) => at = n,
                        None => break,
                    }
                }
            }
        }
        scan
    }

    /// Reads the ENTRY object at `offset` and the DATA objects its items point at.
    ///
    /// An entry whose header is sound but none of whose items can be read is kept with its
    /// header's fields only when `header_only` allows it (`journalctl` shows such entries).
    fn entry(&mut self, offset: u64, header_only: bool) -> Result<EntryRead<'b>, String> {
        let o = self.object(offset, OBJECT_ENTRY)?;
        let b = o.bytes;
        let seqnum = u64_at(b, 16).unwrap_or_default();
        let realtime = u64_at(b, 24).unwrap_or_default();
        let monotonic = u64_at(b, 32).unwrap_or_default();
        let boot_hex = hex_id(b.get(40..56).unwrap_or_default());
        let item_size = if self.compact { 4 } else { 16 };
        let item_bytes = b.get(64..).unwrap_or_default();
        // systemd's own checks (journal-file.c `check_object`).
        if item_bytes.is_empty() || item_bytes.len() % item_size != 0 {
            return Err(format!(
                "ENTRY object at offset {offset} has {} item bytes, not a whole number of items",
                item_bytes.len()
            ));
        }
        if seqnum == 0 || realtime == 0 || realtime >= 1 << 55 || monotonic >= 1 << 55 {
            return Err(format!(
                "ENTRY object at offset {offset} has an invalid seqnum or timestamp"
            ));
        }
        let items = item_bytes.chunks_exact(item_size);
        let n_items = items.len();
        let mut fields: Vec<(Bytes<'b>, Bytes<'b>)> =
            Vec::with_capacity(n_items.min(self.max_fields));
        let entry = EntryHeader {
            realtime_us: realtime,
            monotonic_us: monotonic,
            boot_id: boot_hex,
        };
        let (mut bad_items, mut first_bad_item) = (0, None);
        if n_items > self.max_fields {
            let reason = format!(
                "ENTRY object at offset {offset} has {n_items} items, over the limit of {} \
                 (raise it with {}): the rest are not read",
                self.max_fields,
                LimitKind::EntryFields.flag()
            );
            self.hits
                .entry(LimitKind::EntryFields)
                .or_default()
                .record(offset, &reason);
            bad_items += (n_items - self.max_fields) as u64;
            first_bad_item = Some(reason);
        }
        for item in items.take(self.max_fields) {
            let target = if self.compact {
                u32_at(item, 0).map(u64::from)
            } else {
                u64_at(item, 0)
            }
            .unwrap_or_default();
            match self.data_field(target) {
                Ok(field) => fields.push(field),
                Err(e) => {
                    bad_items += 1;
                    first_bad_item.get_or_insert(e);
                }
            }
        }
        let header_only_entry = fields.is_empty();
        if header_only_entry && !header_only {
            return Err(format!(
                "no readable field ({})",
                first_bad_item.unwrap_or_default()
            ));
        }
        Ok(EntryRead {
            offset,
            fields: JournalFields {
                fields,
                entry: Some(entry),
                lazy: None,
            },
            bad_items,
            first_bad_item,
            header_only: header_only_entry,
        })
    }

    /// The `(name, value)` of the DATA object at `offset`.
    fn data_field(&mut self, offset: u64) -> Result<(Bytes<'b>, Bytes<'b>), String> {
        let o = self.object(offset, OBJECT_DATA)?;
        let entry_offset = u64_at(o.bytes, 40).unwrap_or_default();
        let n_entries = u64_at(o.bytes, 56).unwrap_or_default();
        let links_ok = [24, 32, 40, 48]
            .iter()
            .all(|&at| u64_at(o.bytes, at).unwrap_or_default() % 8 == 0);
        if (entry_offset == 0) != (n_entries == 0) || !links_ok {
            return Err(format!(
                "DATA object at offset {offset} has inconsistent links"
            ));
        }
        let payload_at = if self.compact { 72 } else { 64 };
        let payload = o.bytes.get(payload_at..).unwrap_or_default();
        let compression = o.flags & (DATA_XZ | DATA_LZ4 | DATA_ZSTD);
        if compression == 0 {
            let eq = payload
                .iter()
                .position(|&c| c == b'=')
                .ok_or_else(|| format!("DATA object at offset {offset} has no '=' in it"))?;
            let (name, value) = payload.split_at(eq);
            return Ok((
                Bytes::Borrowed(name),
                Bytes::Borrowed(value.get(1..).unwrap_or_default()),
            ));
        }
        let decoded = match self.decoded.get(&offset) {
            Some(d) => d.clone(),
            None => {
                let d = self.decode(offset, compression, payload);
                self.decoded.insert(offset, d.clone());
                d
            }
        }?;
        Ok((
            Bytes::SharedName(Arc::clone(&decoded)),
            Bytes::SharedValue(decoded),
        ))
    }

    /// Decodes the payload of the DATA object at `offset`, within the object cap and what is
    /// left of the file's decoded-bytes budget; what a decode produced counts against the budget
    /// even when it fails, so that failing bombs cannot be retried for free.
    fn decode(
        &mut self,
        offset: u64,
        compression: u8,
        payload: &[u8],
    ) -> Result<Arc<SharedField>, String> {
        let (cap, kind) = if self.decoded_left < self.max_object {
            (self.decoded_left, LimitKind::DecodedBytes)
        } else {
            (self.max_object, LimitKind::ObjectBytes)
        };
        let result = decompress(compression, payload, cap);
        let spent = match &result {
            Ok(d) => d.len() as u64,
            Err(Failure::OverCap { spent }) => *spent,
            Err(Failure::Bad(_)) => 0,
        };
        self.decoded_left = self.decoded_left.saturating_sub(spent);
        let decoded = match result {
            Ok(d) => d,
            Err(Failure::Bad(e)) => return Err(format!("DATA object at offset {offset}: {e}")),
            Err(Failure::OverCap { .. }) => {
                let reason = match kind {
                    LimitKind::DecodedBytes => format!(
                        "DATA object at offset {offset}: the decoded journal payload of this file \
                         went past its budget of {} bytes (raise it with {}): not decoded",
                        self.max_decoded,
                        kind.flag()
                    ),
                    _ => format!(
                        "DATA object at offset {offset}: decoded payload exceeds the {cap}-byte \
                         limit (raise it with {}): not decoded",
                        kind.flag()
                    ),
                };
                self.hits.entry(kind).or_default().record(offset, &reason);
                return Err(reason);
            }
        };
        SharedField::new(decoded)
            .map(Arc::new)
            .ok_or_else(|| format!("DATA object at offset {offset} has no '=' in it"))
    }
}

/// Why a payload could not be decoded.
#[derive(Debug)]
enum Failure {
    /// It decodes to more than the cap; `spent` bytes were decoded before that was known.
    OverCap { spent: u64 },
    /// It is not valid data of its compression.
    Bad(String),
}

/// A `Write` that refuses to grow past `cap` bytes.
struct Capped {
    buf: Vec<u8>,
    cap: u64,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if (self.buf.len() as u64).saturating_add(data.len() as u64) > self.cap {
            self.over = true;
            return Err(std::io::Error::other("over the cap"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decodes a compressed DATA payload (`compression` is one of the DATA flags) to at most `cap`
/// bytes.
fn decompress(compression: u8, payload: &[u8], cap: u64) -> Result<Vec<u8>, Failure> {
    // A decoder bug on hostile input must not take the whole run down.
    std::panic::catch_unwind(|| decompress_inner(compression, payload, cap)).unwrap_or_else(|_| {
        Err(Failure::Bad(
            "the decoder failed on this payload".to_string(),
        ))
    })
}

fn decompress_inner(compression: u8, payload: &[u8], cap: u64) -> Result<Vec<u8>, Failure> {
    let bad = |what: String| Failure::Bad(what);
    match compression {
        DATA_ZSTD => {
            let decoder = ruzstd::decoding::StreamingDecoder::new(payload)
                .map_err(|e| bad(format!("bad zstd frame: {e}")))?;
            let mut out = Vec::new();
            decoder
                .take(cap.saturating_add(1))
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("bad zstd data: {e}")))?;
            if out.len() as u64 > cap {
                return Err(Failure::OverCap { spent: cap });
            }
            Ok(out)
        }
        DATA_LZ4 => {
            let size = u64_at(payload, 0)
                .ok_or_else(|| bad("LZ4 payload shorter than its size prefix".to_string()))?;
            let block = payload.get(8..).unwrap_or_default();
            // LZ4 expands at most about 255 times.
            let possible = (block.len() as u64).saturating_mul(255).saturating_add(16);
            if size > possible {
                return Err(bad(format!(
                    "LZ4 size prefix {size} is impossible for a {}-byte block",
                    block.len()
                )));
            }
            if size > cap {
                return Err(Failure::OverCap { spent: 0 });
            }
            let size = usize::try_from(size).map_err(|_| Failure::OverCap { spent: 0 })?;
            let out = lz4_flex::block::decompress(block, size)
                .map_err(|e| bad(format!("bad LZ4 block: {e}")))?;
            if out.len() != size {
                return Err(bad(format!(
                    "LZ4 block decoded to {} bytes, its prefix says {size}",
                    out.len()
                )));
            }
            Ok(out)
        }
        DATA_XZ => {
            let mut out = Capped {
                buf: Vec::new(),
                cap,
                over: false,
            };
            let mut input = payload;
            match lzma_rs::xz_decompress(&mut input, &mut out) {
                Ok(()) => Ok(out.buf),
                Err(_) if out.over => Err(Failure::OverCap {
                    spent: out.buf.len() as u64,
                }),
                Err(e) => Err(bad(format!("bad xz stream: {e}"))),
            }
        }
        _ => Err(bad(format!(
            "several compression flags set (0x{compression:x})"
        ))),
    }
}

fn problem(out: &mut Parsed<'_>, offset: u64, reason: String) {
    out.problems.push(LineProblem {
        offset,
        line: 0,
        reason,
    });
}

/// Parses a whole member into journal entries, within `limits`.
pub fn parse<'b>(data: &'b [u8], limits: &Limits, out: &mut Parsed<'b>) {
    out.binary = true;
    if !recognizes(data) {
        let reason = if data.len() < SIGNATURE.len() {
            format!("{} bytes: too short for a journal file", data.len())
        } else {
            "no journal file signature (LPKSHHRH): not read".to_string()
        };
        problem(out, 0, reason);
        return;
    }
    let Some(header) = Header::read(data) else {
        problem(
            out,
            0,
            format!(
                "journal file of {} bytes is shorter than the smallest header ({HEADER_SIZE_MIN} bytes)",
                data.len()
            ),
        );
        return;
    };
    let len = data.len() as u64;
    if header.compact() {
        out.variant = "journal-file-compact";
    }
    out.notes.push(format!(
        "journal file: state {}, header {} bytes, incompatible flags {}, machine {}",
        header.state_name(),
        header.header_size,
        header.flag_names(),
        hex(&header.machine_id)
    ));
    if header.state == 1 {
        out.notes
            .push("state ONLINE (file was not closed cleanly)".to_string());
    }
    if header.state > 2 {
        problem(
            out,
            16,
            format!("unknown file state {}: the header is damaged", header.state),
        );
    }
    let unknown = header.incompatible & !INCOMPAT_KNOWN;
    if unknown != 0 {
        problem(
            out,
            12,
            format!(
                "unknown incompatible flags 0x{unknown:x} (a newer writer or a damaged header): \
                 reading what is safe"
            ),
        );
    }

    let header_ok = header.header_size >= HEADER_SIZE_MIN
        && header.header_size <= HEADER_SIZE_MAX.min(len)
        && header.header_size % 8 == 0;
    let min_offset = if header_ok {
        header.header_size
    } else {
        HEADER_SIZE_MIN
    };
    let mut reader = Reader::new(data, header.compact(), min_offset, limits);
    let scan_start = if header_ok {
        header.header_size
    } else {
        problem(
            out,
            88,
            format!(
                "header_size {} is out of range ({HEADER_SIZE_MIN}..={HEADER_SIZE_MAX}, 8-aligned, \
                 within the file): looking for objects after the smallest header",
                header.header_size
            ),
        );
        first_object(&reader)
    };
    let mut truncated: Option<u64> = None;
    if header_ok
        && header
            .header_size
            .checked_add(header.arena_size)
            .is_none_or(|used| used > len)
    {
        problem(
            out,
            96,
            format!(
                "header says {} + {} bytes are in use but the file has {len}: it is truncated",
                header.header_size, header.arena_size
            ),
        );
        truncated = Some(len);
    }

    // Main path: the entry array chain, bounded by n_entries as journalctl bounds it.
    let (items, stop) = if header.entry_array_offset == 0 {
        (Vec::new(), None)
    } else {
        reader.entry_array_items(header.entry_array_offset)
    };
    let stop_seen = stop.as_ref().map(|(at, _)| *at);
    if let Some((at, reason)) = stop {
        problem(out, at, reason);
    }
    let shown = usize::try_from(header.n_entries).unwrap_or(usize::MAX);
    let mut entries: Vec<(bool, Settled)> = Vec::with_capacity(items.len().min(shown));
    out.events.reserve(items.len().min(shown));
    // Offsets read by the main path: strictly increasing (checked below), so searchable.
    let mut main_offsets: Vec<u64> = Vec::with_capacity(items.len().min(shown));
    let mut unreadable: Vec<(u64, String)> = Vec::new();
    let mut extra = Vec::new();
    // journalctl stops reading a file at the first unreadable or out-of-order entry; what
    // follows is salvage.
    let mut main_ok = true;
    let mut previous = 0;
    for (i, &(at, slot)) in items.iter().enumerate() {
        if i >= shown || !main_ok {
            extra.push((at, slot));
            continue;
        }
        if at <= previous {
            main_ok = false;
            problem(
                out,
                slot,
                format!("entry array out of order at item {i} (offset {at} after {previous})"),
            );
            extra.push((at, slot));
            continue;
        }
        previous = at;
        main_offsets.push(at);
        match reader.entry(at, true) {
            Ok(e) => entries.push((false, settle(e, data, out))),
            Err(reason) => {
                unreadable.push((if at < len { at } else { slot }, reason));
                main_ok = false;
            }
        }
    }
    let from_array = entries.len();

    // Salvage path: every ENTRY object in the file that the main path did not show. A file
    // closed cleanly (OFFLINE or ARCHIVED) whose entry array gave every entry the header counts
    // has nothing to salvage: the scan, a second pass over every object, is skipped for it.
    let clean = matches!(header.state, 0 | 2)
        && header_ok
        && main_ok
        && stop_seen.is_none()
        && truncated.is_none()
        && extra.is_empty()
        && from_array == shown;
    let scan = if clean {
        Scan::default()
    } else {
        reader.scan(scan_start)
    };
    // `(entry offset, where the pointer to it is)`, in file order.
    let mut salvage: Vec<(u64, u64)> = extra;
    salvage.extend(scan.entries.iter().map(|&e| (e, e)));
    salvage.sort_unstable();
    salvage.dedup_by_key(|(at, _)| *at);
    for (at, slot) in salvage {
        if main_offsets.binary_search(&at).is_ok() {
            continue;
        }
        match reader.entry(at, false) {
            Ok(mut e) => {
                e.fields
                    .fields
                    .push((Bytes::Borrowed(SALVAGE_MARK), Bytes::Borrowed(b"1")));
                entries.push((true, settle(e, data, out)));
            }
            Err(reason) => unreadable.push((if at < len { at } else { slot }, reason)),
        }
    }
    let salvaged = entries.len() - from_array;

    if clean {
        out.notes.push(format!(
            "{from_array} entries read via the entry array, as the header counts (file closed \
             cleanly: no salvage scan needed)"
        ));
    } else {
        out.notes.push(format!(
            "{from_array} entries read via the entry array (the header says {}), {salvaged} more \
             salvaged by scanning {} objects (marked _PVELOG_SALVAGED=1)",
            header.n_entries, scan.objects
        ));
    }
    if items.len().min(shown) < shown {
        out.notes.push(format!(
            "the entry array holds {} of the {} entries the header counts",
            items.len(),
            header.n_entries
        ));
    }

    // Damage, aggregated.
    for &(at, bytes) in scan.damaged.iter().take(MAX_REGION_PROBLEMS) {
        problem(
            out,
            at,
            format!("{bytes} bytes unreadable from offset {at}: no valid object header"),
        );
    }
    if scan.damaged.len() > MAX_REGION_PROBLEMS {
        let rest = scan.damaged.get(MAX_REGION_PROBLEMS..).unwrap_or_default();
        let bytes: u64 = rest.iter().map(|r| r.1).sum();
        let at = rest.first().map_or(0, |r| r.0);
        problem(
            out,
            at,
            format!(
                "{} more damaged regions, {bytes} bytes, from offset {at}",
                rest.len()
            ),
        );
    }
    let header_only = entries.iter().filter(|(_, e)| e.header_only).count();
    if let Some((at, reason)) = unreadable.first() {
        let n = unreadable.len();
        problem(
            out,
            *at,
            format!("{n} entries unreadable, first at offset {at}: {reason}"),
        );
    }
    if !unreadable.is_empty() || header_only > 0 {
        out.notes.push(format!(
            "{} entries unreadable, {header_only} more with no readable field (kept with the \
             time and boot of their ENTRY header only)",
            unreadable.len()
        ));
    }
    let bad_fields: u64 = entries.iter().map(|(_, e)| e.bad_items).sum();
    if let Some((_, e)) = entries.iter().find(|(_, e)| e.bad_items > 0) {
        let hit = entries.iter().filter(|(_, e)| e.bad_items > 0).count();
        let reason = e.first_bad_item.clone().unwrap_or_default();
        problem(
            out,
            e.offset,
            format!(
                "{bad_fields} fields unreadable in {hit} entries, first in the entry at offset {}: {reason}",
                e.offset
            ),
        );
    }
    // Caps hit, once each, with the flag that raises them.
    for kind in [
        LimitKind::ObjectBytes,
        LimitKind::DecodedBytes,
        LimitKind::EntryFields,
    ] {
        if let Some(CapHit {
            first: Some((at, reason)),
            count,
        }) = reader.hits.get(&kind)
        {
            let more = if *count > 1 {
                format!(" ({} times in this file)", count)
            } else {
                String::new()
            };
            problem(out, *at, format!("{reason}{more}"));
        }
    }
    if let Some(at) = scan.truncated_at {
        problem(
            out,
            at,
            format!("the last object, at offset {at}, runs past the end of the file: truncated"),
        );
        truncated = Some(truncated.map_or(at, |t| t.min(at)));
    }

    // Unclean-stop evidence.
    let last_boot = entries
        .iter()
        .max_by_key(|(_, e)| e.offset)
        .and_then(|(_, e)| e.boot.map(|b| String::from_utf8_lossy(&b).into_owned()))
        .or_else(|| {
            (header.tail_entry_boot_id != [0; 16]).then(|| hex(&header.tail_entry_boot_id))
        });
    if header.state == 1 {
        out.unclean.push(UncleanEvidence {
            boot_id: last_boot.clone(),
            offset: None,
            reason: "journal file left ONLINE: journald never closed it (crash, power loss, VM \
                     kill, or a copy taken from a running system)"
                .to_string(),
        });
    }
    if let Some(at) = truncated {
        out.unclean.push(UncleanEvidence {
            boot_id: last_boot,
            offset: Some(at),
            reason: "journal file truncated: its tail was never written out".to_string(),
        });
    }
}

/// The first offset at or after the smallest header where a plausible object starts, for a
/// header whose `header_size` cannot be believed.
fn first_object(reader: &Reader<'_>) -> u64 {
    let mut at = HEADER_SIZE_MIN;
    while at < HEADER_SIZE_MAX.min(reader.len()) {
        if matches!(reader.probe(at), Probe::Valid { .. }) {
            return at;
        }
        at += 8;
    }
    HEADER_SIZE_MIN
}
