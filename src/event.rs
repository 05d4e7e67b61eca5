//! The event model: one record of one source, borrowed from the bundle's bytes.
//!
//! Parsers produce [`Event`]s whose text fields borrow from the member buffer (`'b`), so a
//! 500 MB kern.log costs one allocation per record at most (the `Vec` slot), never a copy of
//! its text. A record spread over several lines (an indented continuation, a call trace written
//! as one record) keeps its first line's position and owns a joined copy of its message, since
//! the pieces are not contiguous once their indentation is removed.
//!
//! Times come in two steps: the parser records the time *as written* ([`RecordedTime`]), and the
//! clock stage ([`crate::clock`]) turns it into UTC, noting every fix it applied in
//! [`TimeQuality`]. Keeping both lets `time_recorded` show the original text and lets the clock
//! stage use whole-bundle knowledge (reference time, zones, boot anchors) that a single line
//! does not have.

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use serde::Serialize;

/// Which side of the virtualization boundary a machine is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The Proxmox VE node.
    Host,
    /// A virtual machine running on a host.
    Guest,
    /// Nothing in the path or the content said which.
    Unknown,
}

impl Role {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Guest => "guest",
            Role::Unknown => "unknown",
        }
    }
}

/// A record's timestamp as it was written, before any inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordedTime {
    /// A complete instant: an offset or `Z` was written, or the clock is UTC by definition
    /// (journal microseconds, `short-unix`).
    Absolute(DateTime<Utc>),
    /// Date and time with a year but no zone (`dmesg -T`, `short-full` with a zone
    /// abbreviation that does not name one offset).
    Local(NaiveDateTime),
    /// Month, day and time, no year, no zone (RFC 3164, journalctl `short`).
    Yearless {
        /// Month, 1–12.
        month: u32,
        /// Day of the month, 1–31.
        day: u32,
        /// Time of day, possibly with a fraction.
        time: NaiveTime,
    },
    /// Microseconds since the machine booted (dmesg default, `short-monotonic`, kmsg).
    Monotonic {
        /// Microseconds since boot.
        micros: u64,
    },
    /// The record carries no time at all (`dmesg -t`).
    Missing,
}

/// One fix the clock stage applied to a record's time (DESIGN.md §2 `time_quality`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum TimeFix {
    /// The year was not written; it was inferred from the reference time.
    YearInferred = 1,
    /// No offset was written and none was known for the machine: UTC or a flag's zone was assumed.
    TzAssumed = 2,
    /// No offset was written; it was derived from an overlapping source of the same machine.
    TzDerived = 4,
    /// Seconds since boot were placed on the wall clock using a boot time found elsewhere.
    BootAnchored = 8,
    /// The machine's clock offset from its host was removed.
    ClockAligned = 16,
    /// Seconds since boot that could not be placed on the wall clock.
    BootRelative = 32,
    /// The record has no time of its own; it is placed at the start of the Proxmox VE task whose
    /// log it is (the UPID that names the file), or, for the log's status line, at the task's
    /// end (the task list, the journal, else the log's last dated line).
    TaskAnchored = 64,
}

impl TimeFix {
    /// Every fix, in the order outputs list them.
    pub const ALL: [TimeFix; 7] = [
        TimeFix::YearInferred,
        TimeFix::TzAssumed,
        TimeFix::TzDerived,
        TimeFix::BootAnchored,
        TimeFix::ClockAligned,
        TimeFix::BootRelative,
        TimeFix::TaskAnchored,
    ];

    /// The snake_case name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeFix::YearInferred => "year_inferred",
            TimeFix::TzAssumed => "tz_assumed",
            TimeFix::TzDerived => "tz_derived",
            TimeFix::BootAnchored => "boot_anchored",
            TimeFix::ClockAligned => "clock_aligned",
            TimeFix::BootRelative => "boot_relative",
            TimeFix::TaskAnchored => "task_anchored",
        }
    }
}

/// The set of [`TimeFix`]es applied to one record; empty when the record carried a complete time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TimeQuality(u8);

impl TimeQuality {
    /// Adds one fix.
    pub fn insert(&mut self, fix: TimeFix) {
        self.0 |= fix as u8;
    }

    /// Takes one fix back (a zone assumed, then derived).
    pub fn remove(&mut self, fix: TimeFix) {
        self.0 &= !(fix as u8);
    }

    /// Whether `fix` was applied.
    pub fn contains(self, fix: TimeFix) -> bool {
        self.0 & fix as u8 != 0
    }

    /// Whether no fix was applied.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The applied fixes, in a fixed order.
    pub fn iter(self) -> impl Iterator<Item = TimeFix> {
        TimeFix::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

/// A record that a decision stands on, by position in the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cite {
    /// Event `event` of source `source`.
    Event {
        /// Source index.
        source: usize,
        /// Event index in that source.
        event: usize,
    },
    /// Fact `fact` of source `source` (a snapshot row without an event).
    Fact {
        /// Source index.
        source: usize,
        /// Fact index in that source.
        fact: usize,
    },
    /// Unclean-stop evidence `index` of source `source` (a file's state or name).
    Unclean {
        /// Source index.
        source: usize,
        /// Index in the source's `parsed.unclean`.
        index: usize,
    },
}

impl Cite {
    /// The source the record is in.
    pub fn source(self) -> usize {
        match self {
            Cite::Event { source, .. }
            | Cite::Fact { source, .. }
            | Cite::Unclean { source, .. } => source,
        }
    }
}

/// One record of one source.
#[derive(Clone, Debug)]
pub struct Event<'b> {
    /// The time as written.
    pub recorded: RecordedTime,
    /// The timestamp text as written (empty when the format has none).
    pub time_text: &'b [u8],
    /// The resolved UTC time; `None` until the clock stage ran, or when the record cannot be
    /// placed in time at all.
    pub time: Option<DateTime<Utc>>,
    /// The fixes applied to reach `time`.
    pub quality: TimeQuality,
    /// 1-based line of the record's first line in the (decompressed) member.
    pub line: u32,
    /// Byte offset of the record's first byte in the (decompressed) member.
    pub offset: u64,
    /// How many lines the record spans (1 unless it has continuation lines).
    pub lines: u32,
    /// Syslog severity 0–7 where the record says it.
    pub priority: Option<u8>,
    /// Syslog facility where the record says it.
    pub facility: Option<u8>,
    /// The host name field of the record.
    pub hostname: Option<&'b [u8]>,
    /// The syslog identifier (tag), e.g. `kernel`, `systemd`, `pvedaemon`.
    pub ident: Option<&'b [u8]>,
    /// The process id in `ident[pid]`.
    pub pid: Option<u32>,
    /// The kernel's seconds-since-boot (µs) printed inside a syslog kernel line
    /// (`kernel: [12345.678901] msg`), a second clock that anchors dmesg.
    pub uptime_us: Option<u64>,
    /// Index of the boot segment within its source (journal text boot banners split a source).
    pub boot: u32,
    /// The message bytes, lossless.
    pub message: Bytes<'b>,
    /// Every field of a systemd journal entry (export, JSON or journal file); `None` for the
    /// line formats.
    pub journal: Option<Box<JournalFields<'b>>>,
}

/// Bytes of a record: borrowed from the bundle (the common case), owned (a joined multi-line
/// message, an unescaped JSON string), or shared among records.
///
/// Sharing is for decoded data that several records hold: a compressed journal DATA object is
/// decoded once and every entry that references it holds the same buffer, so a file whose
/// entries all point at one large field costs that field once, not once per entry. The shared
/// variants are one pointer, so `Bytes` is no larger than a `Cow<[u8]>` (journal entries hold
/// millions of fields).
#[derive(Clone)]
pub enum Bytes<'b> {
    /// Borrowed from the bundle's bytes.
    Borrowed(&'b [u8]),
    /// Owned by this record.
    Owned(Vec<u8>),
    /// The name of a field shared with other records.
    SharedName(Arc<SharedField>),
    /// The value of a field shared with other records.
    SharedValue(Arc<SharedField>),
}

/// A decoded `NAME=value` journal field that several entries share.
#[derive(Debug, PartialEq, Eq)]
pub struct SharedField {
    payload: Vec<u8>,
    eq: usize,
}

impl SharedField {
    /// The field in `payload`; `None` when it has no `=`.
    pub fn new(payload: Vec<u8>) -> Option<Self> {
        let eq = payload.iter().position(|&b| b == b'=')?;
        Some(SharedField { payload, eq })
    }

    /// The part before the first `=`.
    pub fn name(&self) -> &[u8] {
        self.payload.get(..self.eq).unwrap_or_default()
    }

    /// The part after the first `=`.
    pub fn value(&self) -> &[u8] {
        self.payload.get(self.eq + 1..).unwrap_or_default()
    }

    /// The decoded payload's length.
    pub fn len(&self) -> usize {
        self.payload.len()
    }

    /// Whether the payload is empty (never: it holds a `=`).
    pub fn is_empty(&self) -> bool {
        self.payload.is_empty()
    }
}

impl<'b> Bytes<'b> {
    /// The bytes, made owned (and copied) if they are not already; for appending.
    pub fn to_mut(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Bytes::Owned(_)) {
            *self = Bytes::Owned(self.to_vec());
        }
        match self {
            Bytes::Owned(v) => v,
            Bytes::Borrowed(_) | Bytes::SharedName(_) | Bytes::SharedValue(_) => {
                unreachable!("made owned above")
            }
        }
    }

    /// Whether the bytes are borrowed from the bundle.
    pub fn is_borrowed(&self) -> bool {
        matches!(self, Bytes::Borrowed(_))
    }
}

impl Deref for Bytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Borrowed(b) => b,
            Bytes::Owned(v) => v,
            Bytes::SharedName(f) => f.name(),
            Bytes::SharedValue(f) => f.value(),
        }
    }
}

impl AsRef<[u8]> for Bytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Default for Bytes<'_> {
    fn default() -> Self {
        Bytes::Borrowed(b"")
    }
}

impl PartialEq for Bytes<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Bytes<'_> {}

impl std::fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl<'b> From<&'b [u8]> for Bytes<'b> {
    fn from(b: &'b [u8]) -> Self {
        Bytes::Borrowed(b)
    }
}

impl From<Vec<u8>> for Bytes<'_> {
    fn from(v: Vec<u8>) -> Self {
        Bytes::Owned(v)
    }
}

impl<'b> From<Cow<'b, [u8]>> for Bytes<'b> {
    fn from(c: Cow<'b, [u8]>) -> Self {
        match c {
            Cow::Borrowed(b) => Bytes::Borrowed(b),
            Cow::Owned(v) => Bytes::Owned(v),
        }
    }
}

/// The fields of one journal entry, in the order they were stored; a name may repeat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalFields<'b> {
    /// `(name, value)` pairs, values lossless.
    pub fields: Vec<(Bytes<'b>, Bytes<'b>)>,
    /// The clocks and boot of a journal file's ENTRY object, which are binary in the file: kept
    /// as numbers rather than as three formatted fields per entry (millions of entries).
    pub entry: Option<EntryHeader>,
    /// Fields left in the journal file and read again on demand ([`JournalFields::value`]):
    /// a journal entry carries twenty-odd fields, and holding them all for millions of entries
    /// cost more memory than the rest of the event.
    pub lazy: Option<LazyFields<'b>>,
}

/// Where the rest of a journal file entry's fields are: the file and its entry's offset.
#[derive(Clone, Copy, Debug)]
pub struct LazyFields<'b> {
    /// The journal file.
    pub file: &'b [u8],
    /// The offset of the entry's ENTRY object.
    pub entry_offset: u64,
    /// Reads the fields of the entry at `entry_offset` of `file`.
    pub read: fn(&'b [u8], u64) -> Vec<(Bytes<'b>, Bytes<'b>)>,
}

impl PartialEq for LazyFields<'_> {
    /// The same entry of the same file (the reader function is not compared).
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.file, other.file) && self.entry_offset == other.entry_offset
    }
}

impl Eq for LazyFields<'_> {}

/// The header of a journal file's ENTRY object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryHeader {
    /// `__REALTIME_TIMESTAMP`, µs.
    pub realtime_us: u64,
    /// `__MONOTONIC_TIMESTAMP`, µs.
    pub monotonic_us: u64,
    /// `_BOOT_ID`, as 32 lowercase hex digits.
    pub boot_id: [u8; 32],
}

impl<'b> JournalFields<'b> {
    /// The first value of field `name`.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The first value of field `name`, including fields left in a journal file (read again from
    /// the file, so prefer it for rare look-ups, not for every event).
    pub fn value(&self, name: &[u8]) -> Option<Bytes<'b>> {
        if let Some(v) = self.fields.iter().find(|(n, _)| n.as_ref() == name) {
            return Some(v.1.clone());
        }
        if let Some(h) = &self.entry {
            match name {
                b"__REALTIME_TIMESTAMP" => {
                    return Some(Bytes::Owned(h.realtime_us.to_string().into_bytes()));
                }
                b"__MONOTONIC_TIMESTAMP" => {
                    return Some(Bytes::Owned(h.monotonic_us.to_string().into_bytes()));
                }
                b"_BOOT_ID" => return Some(Bytes::Owned(h.boot_id.to_vec())),
                _ => {}
            }
        }
        let lazy = self.lazy?;
        (lazy.read)(lazy.file, lazy.entry_offset)
            .into_iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v)
    }

    /// Every field, including those left in a journal file.
    ///
    /// For a journal file entry the clocks and boot of its ENTRY header come first, as
    /// `journalctl -o export` shows them; the other fields are read again from the file at every
    /// call, so this is for occasional look-ups.
    pub fn all(&self) -> Vec<(Bytes<'b>, Bytes<'b>)> {
        let mut out = Vec::with_capacity(self.fields.len() + 3);
        if let Some(h) = &self.entry {
            out.push((
                Bytes::Borrowed(&b"__REALTIME_TIMESTAMP"[..]),
                Bytes::Owned(h.realtime_us.to_string().into_bytes()),
            ));
            out.push((
                Bytes::Borrowed(&b"__MONOTONIC_TIMESTAMP"[..]),
                Bytes::Owned(h.monotonic_us.to_string().into_bytes()),
            ));
            out.push((
                Bytes::Borrowed(&b"_BOOT_ID"[..]),
                Bytes::Owned(h.boot_id.to_vec()),
            ));
        }
        out.extend(self.fields.iter().cloned());
        if let Some(lazy) = self.lazy {
            out.extend((lazy.read)(lazy.file, lazy.entry_offset));
        }
        out
    }

    /// The first value of field `name`, as a decimal number.
    pub fn number(&self, name: &[u8]) -> Option<u64> {
        if let Some(h) = &self.entry {
            match name {
                b"__REALTIME_TIMESTAMP" => return Some(h.realtime_us),
                b"__MONOTONIC_TIMESTAMP" => return Some(h.monotonic_us),
                _ => {}
            }
        }
        let v = self.get(name)?;
        if v.is_empty() || v.len() > 20 || !v.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(v).ok()?.parse().ok()
    }

    /// `_BOOT_ID` as written (32 hex digits).
    pub fn boot_id(&self) -> Option<&[u8]> {
        if let Some(h) = &self.entry {
            return Some(&h.boot_id);
        }
        self.get(b"_BOOT_ID")
            .filter(|b| b.len() == 32 && b.iter().all(u8::is_ascii_hexdigit))
    }

    /// `__MONOTONIC_TIMESTAMP`: µs since the boot in `_BOOT_ID`.
    pub fn monotonic_us(&self) -> Option<u64> {
        self.number(b"__MONOTONIC_TIMESTAMP")
    }

    /// `__REALTIME_TIMESTAMP`: µs since the epoch, when journald received the entry.
    pub fn realtime_us(&self) -> Option<u64> {
        self.number(b"__REALTIME_TIMESTAMP")
    }
}

impl<'b> Event<'b> {
    /// A record at `line`/`offset` with the given time and message, every other field empty.
    pub fn new(
        recorded: RecordedTime,
        time_text: &'b [u8],
        line: u32,
        offset: u64,
        message: &'b [u8],
    ) -> Self {
        Event {
            recorded,
            time_text,
            time: None,
            quality: TimeQuality::default(),
            line,
            offset,
            lines: 1,
            priority: None,
            facility: None,
            hostname: None,
            ident: None,
            pid: None,
            uptime_us: None,
            boot: 0,
            message: Bytes::Borrowed(message),
            journal: None,
        }
    }

    /// Appends a continuation line (already stripped of its indentation) to the message.
    pub fn push_continuation(&mut self, text: &[u8]) {
        let msg = self.message.to_mut();
        msg.push(b'\n');
        msg.extend_from_slice(text);
        self.lines += 1;
    }
}

/// Formats a time as DESIGN.md §2 requires: `2025-07-29T10:00:00.123456Z`.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    let mut buf = [0u8; RFC3339_LEN];
    match write_rfc3339(time, &mut buf) {
        Some(text) => text.to_string(),
        None => time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
    }
}

/// Length of [`write_rfc3339`]'s output.
pub const RFC3339_LEN: usize = 27;

/// Writes `2025-07-29T10:00:00.123456Z` into `buf` without formatting machinery: a profile of
/// `timeline --format jsonl` showed chrono's strftime, then `format!`, each near a tenth of the
/// run. `None` for years outside 0–9999, which RFC 3339 cannot write.
pub fn write_rfc3339(time: DateTime<Utc>, buf: &mut [u8; RFC3339_LEN]) -> Option<&str> {
    use chrono::{Datelike, Timelike};
    // The UTC fields read directly: `DateTime<Utc>`'s own accessors add the (zero) offset
    // first, ~1 % of a `timeline --format jsonl` profile.
    let time = time.naive_utc();
    let year = u32::try_from(time.year()).ok().filter(|y| *y <= 9999)?;
    // chrono represents a leap second as a nanosecond count past 1e9 in second 59.
    let nanos = time.nanosecond();
    let (second, micros) = if nanos >= 1_000_000_000 {
        (60, (nanos - 1_000_000_000) / 1000)
    } else {
        (time.second(), nanos / 1000)
    };
    let mut put = |at: usize, width: usize, mut value: u32| {
        for k in (0..width).rev() {
            buf[at + k] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, time.month());
    put(8, 2, time.day());
    put(11, 2, time.hour());
    put(14, 2, time.minute());
    put(17, 2, second);
    put(20, 6, micros.min(999_999));
    for (at, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (26, b'Z'),
    ] {
        buf[at] = c;
    }
    std::str::from_utf8(buf).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_no_larger_than_a_cow_and_share_one_field() {
        assert_eq!(
            std::mem::size_of::<Bytes<'_>>(),
            std::mem::size_of::<Cow<'_, [u8]>>()
        );
        let field = Arc::new(SharedField::new(b"MESSAGE=a=b".to_vec()).unwrap());
        let (name, value) = (
            Bytes::SharedName(Arc::clone(&field)),
            Bytes::SharedValue(Arc::clone(&field)),
        );
        assert_eq!((&*name, &*value), (&b"MESSAGE"[..], &b"a=b"[..]));
        assert_eq!(value.clone().to_mut(), b"a=b");
        assert!(SharedField::new(b"no equals".to_vec()).is_none());
    }

    #[test]
    fn rfc3339_has_six_digits_and_z() {
        let t = DateTime::from_timestamp(1_753_783_000, 5_000).unwrap();
        assert_eq!(rfc3339(t), "2025-07-29T09:56:40.000005Z");
        assert_eq!(rfc3339(t), t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        // A leap second keeps its :60 as chrono prints it.
        let leap = DateTime::from_timestamp(1_483_228_799, 1_500_000_000).unwrap();
        assert_eq!(rfc3339(leap), "2016-12-31T23:59:60.500000Z");
    }
}
