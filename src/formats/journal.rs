//! What the three journal encodings (export stream, JSON, journal files) have in common: an
//! entry is a list of fields, and [`entry_event`] turns one into an [`Event`].
//!
//! Field meanings follow `systemd.journal-fields(7)` (REFERENCE.md §1):
//! - time: `__REALTIME_TIMESTAMP` (µs, UTC, when journald received the entry; DESIGN.md §2), else
//!   `_SOURCE_REALTIME_TIMESTAMP`, else the entry is placed by `__MONOTONIC_TIMESTAMP` only;
//! - identifier: `SYSLOG_IDENTIFIER`, else `_COMM` (journalctl's choice);
//! - pid: `_PID`, else `SYSLOG_PID`; priority `PRIORITY`; facility `SYSLOG_FACILITY`;
//!   host `_HOSTNAME`; message `MESSAGE` (lossless: it may be binary).
//!
//! Every field stays reachable through [`Event::journal`] for later rules (`UNIT`,
//! `_SYSTEMD_UNIT`, `_KERNEL_SUBSYSTEM`, …).
//!
//! The text encodings (export and JSON) keep an entry compact ([`compact_entry_event`]): the
//! event holds what it needs, the clocks and boot as numbers ([`EntryHeader`]), and the place the
//! entry starts, where its other fields are read again on demand. A journal export carries
//! twenty-odd fields per entry; holding them as pairs cost about a kilobyte per entry, three
//! times the bytes of the export itself, and most of the parse's time went to allocating and
//! freeing them.
//!
//! # Known deviations
//! - The identifier and host name borrow from the input; where a decoder had to build them (a
//!   JSON string with escapes, a compressed journal DATA object), they stay in the fields only
//!   and the event shows none.

use chrono::DateTime;

use crate::event::{Bytes, EntryHeader, Event, JournalFields, LazyFields, RecordedTime};

/// Journal timestamps as text for `time_recorded`: the realtime µs as written.
fn borrowed<'b>(fields: &JournalFields<'b>, name: &[u8]) -> Option<&'b [u8]> {
    fields.fields.iter().find_map(|(n, v)| match v {
        Bytes::Borrowed(b) if n.as_ref() == name => Some(*b),
        _ => None,
    })
}

/// Turns the fields of one entry into an event at `line`/`offset` (`line` 0 for binary
/// sources). Returns `None` when the entry has no field at all (a journal file entry always has
/// its header's clocks).
pub fn entry_event<'b>(fields: JournalFields<'b>, line: u32, offset: u64) -> Option<Event<'b>> {
    let mut event = event_of(&fields, line, offset)?;
    event.journal = Some(Box::new(fields));
    Some(event)
}

/// The three fields an [`EntryHeader`] holds as numbers.
const HEADER_NAMES: [&[u8]; 3] = [
    b"__REALTIME_TIMESTAMP",
    b"__MONOTONIC_TIMESTAMP",
    b"_BOOT_ID",
];

/// The entry's clocks and boot as an [`EntryHeader`], when each of the three fields is written
/// once and exactly as the header would give it back (decimal without leading zeros; 32 hex
/// digits): then nothing is lost by holding them as numbers. `None` otherwise, and the entry
/// keeps its fields.
fn header_of(fields: &[(Bytes<'_>, Bytes<'_>)]) -> Option<EntryHeader> {
    let mut found: [Option<&[u8]>; 3] = [None; 3];
    for (name, value) in fields {
        if let Some(i) = HEADER_NAMES.iter().position(|h| *h == name.as_ref()) {
            let slot = found.get_mut(i)?;
            if slot.is_some() {
                return None;
            }
            *slot = Some(value.as_ref());
        }
    }
    let [Some(real), Some(mono), Some(boot)] = found else {
        return None;
    };
    let number = |v: &[u8]| -> Option<u64> {
        let n: u64 = std::str::from_utf8(v).ok()?.parse().ok()?;
        (n.to_string().as_bytes() == v).then_some(n)
    };
    let boot_id: [u8; 32] = boot.try_into().ok()?;
    if !boot_id.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    Some(EntryHeader {
        realtime_us: number(real)?,
        monotonic_us: number(mono)?,
        boot_id,
    })
}

/// The fields of an entry read again from its member (for [`LazyFields`]), without the three
/// its header holds when [`compact_entry_event`] made one: the same rule on the same bytes gives
/// the same answer.
pub(crate) fn lazy_fields<'b>(
    mut fields: Vec<(Bytes<'b>, Bytes<'b>)>,
) -> Vec<(Bytes<'b>, Bytes<'b>)> {
    if header_of(&fields).is_some() {
        fields.retain(|(name, _)| !HEADER_NAMES.contains(&name.as_ref()));
    }
    fields
}

/// Turns the fields of one entry of a text encoding into a compact event: what the event needs is
/// taken out, the clocks and boot become an [`EntryHeader`], and the fields stay in `file`, read
/// again from `offset` by `read` when a rule or renderer asks ([`JournalFields::value`]). An
/// entry whose clocks and boot are not written canonically keeps its fields.
///
/// `fields` is left empty with its capacity, for the next entry.
pub fn compact_entry_event<'b>(
    fields: &mut Vec<(Bytes<'b>, Bytes<'b>)>,
    (line, offset): (u32, u64),
    file: &'b [u8],
    read: fn(&'b [u8], u64) -> Vec<(Bytes<'b>, Bytes<'b>)>,
) -> Option<Event<'b>> {
    let Some(entry) = header_of(fields) else {
        let fields = JournalFields {
            fields: std::mem::take(fields),
            ..JournalFields::default()
        };
        return entry_event(fields, line, offset);
    };
    let all = JournalFields {
        fields: std::mem::take(fields),
        ..JournalFields::default()
    };
    let mut event = event_of(&all, line, offset);
    *fields = all.fields;
    fields.clear();
    if let Some(event) = event.as_mut() {
        event.journal = Some(Box::new(JournalFields {
            fields: Vec::new(),
            entry: Some(entry),
            lazy: Some(LazyFields {
                file,
                entry_offset: offset,
                read,
            }),
        }));
    }
    event
}

/// The event of an entry's fields, without the fields themselves.
fn event_of<'b>(fields: &JournalFields<'b>, line: u32, offset: u64) -> Option<Event<'b>> {
    if fields.fields.is_empty() && fields.entry.is_none() {
        return None;
    }
    let micros_time = |name: &[u8]| {
        fields
            .number(name)
            .and_then(|us| DateTime::from_timestamp_micros(i64::try_from(us).ok()?))
    };
    let (recorded, time_name): (RecordedTime, &[u8]) =
        if let Some(t) = micros_time(b"__REALTIME_TIMESTAMP") {
            (RecordedTime::Absolute(t), b"__REALTIME_TIMESTAMP")
        } else if let Some(t) = micros_time(b"_SOURCE_REALTIME_TIMESTAMP") {
            (RecordedTime::Absolute(t), b"_SOURCE_REALTIME_TIMESTAMP")
        } else if let Some(us) = fields.monotonic_us() {
            (
                RecordedTime::Monotonic { micros: us },
                b"__MONOTONIC_TIMESTAMP",
            )
        } else {
            (RecordedTime::Missing, b"")
        };
    let time_text = borrowed(fields, time_name).unwrap_or_default();
    let message: Bytes<'b> = fields
        .fields
        .iter()
        .find(|(n, _)| n.as_ref() == b"MESSAGE")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut event = Event::new(recorded, time_text, line, offset, b"");
    event.message = message;
    event.ident = borrowed(fields, b"SYSLOG_IDENTIFIER").or_else(|| borrowed(fields, b"_COMM"));
    event.hostname = borrowed(fields, b"_HOSTNAME");
    event.pid = fields
        .number(b"_PID")
        .or_else(|| fields.number(b"SYSLOG_PID"))
        .and_then(|p| u32::try_from(p).ok());
    event.priority = fields
        .number(b"PRIORITY")
        .and_then(|p| u8::try_from(p).ok())
        .filter(|p| *p <= 7);
    event.facility = fields
        .number(b"SYSLOG_FACILITY")
        .and_then(|f| u8::try_from(f).ok());
    Some(event)
}

/// Every field of an event's journal entry (the compact ones read again), sorted: what the tests
/// compare between the ways of reading an entry (export, JSON, journal file, verbose).
pub fn sorted_fields(event: &Event<'_>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut fields: Vec<(Vec<u8>, Vec<u8>)> = event
        .journal
        .as_ref()
        .map(|j| j.all())
        .unwrap_or_default()
        .into_iter()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect();
    fields.sort();
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&'static [u8], &'static [u8])]) -> JournalFields<'static> {
        JournalFields {
            fields: pairs
                .iter()
                .map(|(n, v)| (Bytes::Borrowed(n), Bytes::Borrowed(v)))
                .collect(),
            ..JournalFields::default()
        }
    }

    #[test]
    fn pve_scope_oom_entry() {
        let f = fields(&[
            (b"__REALTIME_TIMESTAMP", b"1753783000006000"),
            (b"__MONOTONIC_TIMESTAMP", b"86400006000"),
            (b"_BOOT_ID", b"7a8b9c0d1e2f40516273849506a7b8c9"),
            (b"PRIORITY", b"4"),
            (b"SYSLOG_FACILITY", b"3"),
            (b"SYSLOG_IDENTIFIER", b"systemd"),
            (b"_PID", b"1"),
            (b"_HOSTNAME", b"pve1"),
            (b"UNIT", b"101.scope"),
            (b"_SYSTEMD_UNIT", b"init.scope"),
            (b"MESSAGE", b"101.scope: Failed with result 'oom-kill'."),
        ]);
        let e = entry_event(f, 0, 4096).unwrap();
        assert_eq!(
            e.recorded,
            RecordedTime::Absolute(DateTime::from_timestamp_micros(1_753_783_000_006_000).unwrap())
        );
        assert_eq!(e.time_text, b"1753783000006000");
        assert_eq!(
            (e.ident, e.pid, e.priority, e.facility),
            (Some(&b"systemd"[..]), Some(1), Some(4), Some(3))
        );
        assert_eq!(e.hostname, Some(&b"pve1"[..]));
        let j = e.journal.as_ref().unwrap();
        assert_eq!(j.get(b"UNIT"), Some(&b"101.scope"[..]));
        assert_eq!(j.boot_id(), Some(&b"7a8b9c0d1e2f40516273849506a7b8c9"[..]));
        assert_eq!(j.monotonic_us(), Some(86_400_006_000));
    }

    #[test]
    fn kernel_entry_takes_comm_fallbacks_and_bad_numbers() {
        let f = fields(&[
            (b"__MONOTONIC_TIMESTAMP", b"4010213"),
            (b"_COMM", b"kworker"),
            (b"SYSLOG_PID", b"12"),
            (b"PRIORITY", b"9"),
            (b"MESSAGE", b"x"),
        ]);
        let e = entry_event(f, 3, 0).unwrap();
        assert_eq!(e.recorded, RecordedTime::Monotonic { micros: 4_010_213 });
        assert_eq!(
            (e.ident, e.pid, e.priority),
            (Some(&b"kworker"[..]), Some(12), None)
        );
        assert!(entry_event(JournalFields::default(), 1, 0).is_none());
    }
}
