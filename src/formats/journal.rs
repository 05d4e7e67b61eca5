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
//! # Known deviations
//! - The identifier and host name borrow from the input; where a decoder had to build them (a
//!   JSON string with escapes, a compressed journal DATA object), they stay in the fields only
//!   and the event shows none.

use chrono::DateTime;

use crate::event::{Bytes, Event, JournalFields, RecordedTime};

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
    let time_text = borrowed(&fields, time_name).unwrap_or_default();
    let message: Bytes<'b> = fields
        .fields
        .iter()
        .find(|(n, _)| n.as_ref() == b"MESSAGE")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut event = Event::new(recorded, time_text, line, offset, b"");
    event.message = message;
    event.ident = borrowed(&fields, b"SYSLOG_IDENTIFIER").or_else(|| borrowed(&fields, b"_COMM"));
    event.hostname = borrowed(&fields, b"_HOSTNAME");
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
    event.journal = Some(Box::new(fields));
    Some(event)
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
