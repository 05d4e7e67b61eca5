//! `journalctl -o verbose`: every field of every entry as text (REFERENCE.md §10.8, §2.3).
//!
//! People paste and collect this output because it shows what the short modes hide (`UNIT=`,
//! `_SYSTEMD_UNIT=`, `_PID=` of a VM's scope), so each record is read like a journal export
//! entry: one event per record, its fields kept as the export's are, and the time taken from the
//! cursor, not from the zone abbreviation the header prints.
//!
//! ```text
//! Tue 2025-07-29 09:56:40.005000 UTC [s=51d5…;i=4;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77388;t=63b0e6cba7988;x=83fa…]
//!     _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978                       a field: four spaces, NAME=value
//!     SYSLOG_IDENTIFIER=systemd
//!     _PID=1
//!     UNIT=101.scope
//!     MESSAGE=first line                                              a multi-line value: its further
//!             second line                                             lines are indented past `NAME=`
//!     SYSLOG_RAW=[60B blob data]                                      a binary value, not shown
//! -- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --                         banners as in the short modes
//! ```
//!
//! - **Header**: `%a %Y-%m-%d %H:%M:%S.%06u %Z [<cursor>]`. The cursor's `t=` (hex µs since the
//!   epoch, UTC: `__REALTIME_TIMESTAMP`), `m=` (hex µs of the boot's monotonic clock) and `b=`
//!   (the boot id) are exact; when all three are there they become the entry's
//!   [`EntryHeader`], exactly as a journal file entry's header, and a `_BOOT_ID` field equal to
//!   `b=` is held there only. A cursor missing some of them gives those it has as fields.
//!   The cursor itself is kept as `__CURSOR`.
//! - **Time**: `t=`, else a `__REALTIME_TIMESTAMP` or `_SOURCE_REALTIME_TIMESTAMP` field
//!   ([`super::journal`]'s rule), else the header's local time (absolute when its zone is `UTC`
//!   or numeric, [`RecordedTime::Local`] for an abbreviation such as `CEST`, which names no one
//!   offset), else the monotonic clock. The header text stays in `time_text`.
//! - **Fields**: ident, pid, priority, facility, host and message come from the fields by
//!   [`super::journal::entry_event`], the mapping every journal encoding shares, and every field
//!   stays readable through [`crate::event::Event::journal`] (`_SYSTEMD_UNIT`, `UNIT`, …), so the
//!   rules that read export entries read these unchanged. A continuation line (indented past
//!   four spaces) adds `\n` and its text, without the `4 + NAME= ` indentation, to the value
//!   above it. `NAME=[18B blob data]` is kept as written: journalctl did not print the bytes.
//!   Repeated names are kept in order; fields past `--max-entry-fields` are counted, reported
//!   once, not kept.
//! - **Lines**: a record's header, field and continuation lines are event lines; banners
//!   (`-- Boot … --`, `-- No entries --`, `-- Journal begins at …`) are banner lines and
//!   `-- Boot` starts a boot segment as in [`super::journal_text`]. A record ends at the next
//!   header, banner, empty line or line that is none of these. Such a line is unparsed, and so
//!   are field lines left without a header (a damaged or cut header), reported once per run
//!   with their line. Lines over `--max-line-bytes` are unparsed and reported, and end the
//!   record.
//!
//! `journalctl -r` prints the records newest first; the analysis reverses such a source as it
//! does the short modes (`analysis::read_oldest_first`).
//!
//! # Known deviations
//! - A header must carry a cursor with `t=` or `b=`; a header journalctl wrote as
//!   `(no timestamp)` is not recognized, and its fields are unparsed.
//! - A trailing newline of a value is lost in journalctl's rendering and is not restored; an
//!   empty inner line of a value is read back only while it keeps its indentation.
//! - Fields indented with a tab instead of four spaces (a paste through an editor) are not
//!   fields.

use super::common;
use super::journal::entry_event;
use super::journal_export::valid_name;
use super::journal_text::{banner_mark, full_stamp, zone_time};
use super::{LineProblem, Parsed};
use crate::event::{Bytes, EntryHeader, JournalFields, RecordedTime};
use crate::framing::{Line, Lines, is_blank};
use crate::limits::{LimitKind, Limits};

/// How many non-blank lines [`recognizes`] looks at.
const SNIFF_LINES: usize = 200;

/// The indentation of a field line.
const FIELD_INDENT: &[u8] = b"    ";

/// A record's header line, read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header<'b> {
    /// The timestamp as printed, `Mon 2022-10-24 00:00:00.994371 UTC`.
    stamp: &'b [u8],
    /// The timestamp's time, when its zone says enough ([`zone_time`]).
    local: Option<RecordedTime>,
    /// The cursor between the brackets.
    cursor: &'b [u8],
    /// `t=`: µs since the epoch.
    realtime: Option<u64>,
    /// `m=`: µs since the boot.
    monotonic: Option<u64>,
    /// `b=`: 32 hex digits.
    boot: Option<&'b [u8]>,
}

/// Reads a header line: `<stamp> [<cursor>]`, the stamp in the `short-full` layout with or
/// without a fraction, the cursor `key=value` pairs joined by `;` with `t=` or `b=` among them.
fn header(text: &[u8]) -> Option<Header<'_>> {
    let text = text.trim_ascii_end();
    let inner = text.strip_suffix(b"]")?;
    let open = inner.iter().rposition(|&b| b == b'[')?;
    let stamp = inner.get(..open)?.strip_suffix(b" ")?;
    let cursor = inner.get(open.saturating_add(1)..)?;
    let (rest, (local, zone)) = full_stamp(stamp).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let mut head = Header {
        stamp,
        local: zone_time(local, zone),
        cursor,
        realtime: None,
        monotonic: None,
        boot: None,
    };
    for part in cursor.split(|&b| b == b';') {
        let eq = part.iter().position(|&b| b == b'=')?;
        let (key, value) = (part.get(..eq)?, part.get(eq.saturating_add(1)..)?);
        if key.is_empty() || value.is_empty() || !key.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        match key {
            b"t" => head.realtime = common::hex(value, 1, 16),
            b"m" => head.monotonic = common::hex(value, 1, 16),
            b"b" => {
                head.boot =
                    (value.len() == 32 && value.iter().all(u8::is_ascii_hexdigit)).then_some(value);
            }
            _ => {}
        }
    }
    (head.realtime.is_some() || head.boot.is_some()).then_some(head)
}

/// The name and value of a field line, `    NAME=value`.
fn field(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = text.strip_prefix(FIELD_INDENT)?;
    let eq = rest.iter().position(|&b| b == b'=')?;
    let name = rest.get(..eq)?;
    valid_name(name).then(|| (name, rest.get(eq.saturating_add(1)..).unwrap_or_default()))
}

/// Whether `text` is indented past a field line's four spaces (a value's further line).
fn is_continuation(text: &[u8]) -> bool {
    text.get(..FIELD_INDENT.len().saturating_add(1))
        .is_some_and(|head| head.iter().all(|&b| b == b' '))
}

/// Whether `head` is `journalctl -o verbose` output: its first line that is neither blank nor a
/// banner is a record header and the next line a field. Field and continuation lines before it
/// (a record cut at the start) are passed over.
pub fn recognizes(head: &[u8]) -> bool {
    let mut lines = Lines::new(head)
        .map(|l| strip_bom(l.text, l.number))
        .filter(|t| !is_blank(t))
        .take(SNIFF_LINES);
    while let Some(text) = lines.next() {
        if banner_mark(text, 0).is_some() || field(text).is_some() || is_continuation(text) {
            continue;
        }
        return header(text).is_some() && lines.next().is_some_and(|t| field(t).is_some());
    }
    false
}

/// The first line without a UTF-8 byte order mark.
fn strip_bom(text: &[u8], number: u32) -> &[u8] {
    if number == 1 {
        text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text)
    } else {
        text
    }
}

/// The record being read.
struct Record<'b> {
    head: Header<'b>,
    /// Line and offset of the header.
    line: u32,
    offset: u64,
    /// Lines taken so far (the header included).
    lines: u32,
    fields: Vec<(Bytes<'b>, Bytes<'b>)>,
    /// Fields past the cap: counted, not kept.
    dropped: u64,
    /// The indentation of the last field's further lines (`4 + NAME=`), `None` before the first
    /// field or after a dropped one.
    value_indent: Option<usize>,
}

/// The reader's state over one member.
struct Reader<'b, 'o> {
    out: &'o mut Parsed<'b>,
    max_fields: usize,
    record: Option<Record<'b>>,
    /// Whether the field cap was reported (once per member).
    capped: bool,
    /// Whether the last line was a field line left without a record (a run reports once).
    orphans: bool,
}

impl<'b> Reader<'b, '_> {
    fn line(&mut self, line: Line<'b>) {
        let text = strip_bom(line.text, line.number);
        let orphans = std::mem::take(&mut self.orphans);
        if let Some(rec) = self.record.as_mut() {
            if let Some((name, value)) = field(text) {
                rec.lines = rec.lines.saturating_add(1);
                if rec.fields.len() < self.max_fields {
                    rec.fields
                        .push((Bytes::Borrowed(name), Bytes::Borrowed(value)));
                    rec.value_indent = Some(
                        FIELD_INDENT
                            .len()
                            .saturating_add(name.len())
                            .saturating_add(1),
                    );
                } else {
                    rec.dropped = rec.dropped.saturating_add(1);
                    rec.value_indent = None;
                }
                return;
            }
            if is_continuation(text) && rec.lines > 1 {
                rec.lines = rec.lines.saturating_add(1);
                if let (Some(indent), Some((_, value))) = (rec.value_indent, rec.fields.last_mut())
                {
                    let spaces = text.iter().take_while(|&&b| b == b' ').count();
                    let more = text.get(indent.min(spaces)..).unwrap_or_default();
                    let v = value.to_mut();
                    v.push(b'\n');
                    v.extend_from_slice(more);
                }
                return;
            }
        }
        self.finish();
        if let Some(mark) = banner_mark(text, line.number) {
            self.out.push_banner(mark);
        } else if let Some(head) = header(text) {
            self.record = Some(Record {
                head,
                line: line.number,
                offset: line.offset,
                lines: 1,
                fields: vec![(Bytes::Borrowed(b"__CURSOR"), Bytes::Borrowed(head.cursor))],
                dropped: 0,
                value_indent: None,
            });
        } else if is_blank(text) {
            self.out.stats.blank_lines += 1;
        } else {
            let orphan = field(text).is_some() || (orphans && is_continuation(text));
            if orphan && !orphans {
                self.out.problems.push(LineProblem {
                    offset: line.offset,
                    line: line.number,
                    reason: "journalctl -o verbose field lines without their record's header \
                             line (missing or damaged): counted unparsed"
                        .to_string(),
                });
            }
            self.orphans = orphan;
            self.out.push_unparsed(&line);
        }
    }

    /// Turns the record read so far into an event.
    fn finish(&mut self) {
        let Some(rec) = self.record.take() else {
            return;
        };
        if rec.dropped > 0 && !self.capped {
            self.capped = true;
            self.out.problems.push(LineProblem::field_cap(
                rec.offset,
                rec.line,
                rec.fields.len(),
                rec.dropped,
            ));
        }
        let head = rec.head;
        let mut fields = rec.fields;
        let entry = match (head.realtime, head.monotonic, head.boot) {
            (Some(realtime_us), Some(monotonic_us), Some(boot)) => {
                let mut boot_id = [0u8; 32];
                for (to, from) in boot_id.iter_mut().zip(boot) {
                    *to = from.to_ascii_lowercase();
                }
                Some(EntryHeader {
                    realtime_us,
                    monotonic_us,
                    boot_id,
                })
            }
            _ => None,
        };
        if let Some(h) = &entry {
            // The header gives it back: kept once, as a journal file entry keeps it.
            if let Some(at) = fields
                .iter()
                .position(|(n, v)| n.as_ref() == b"_BOOT_ID" && v.as_ref() == h.boot_id)
            {
                fields.remove(at);
            }
        } else {
            let named = |fields: &[(Bytes<'_>, Bytes<'_>)], name: &[u8]| {
                fields.iter().any(|(n, _)| n.as_ref() == name)
            };
            for (name, value) in [
                (&b"__REALTIME_TIMESTAMP"[..], head.realtime),
                (b"__MONOTONIC_TIMESTAMP", head.monotonic),
            ] {
                if let Some(v) = value.filter(|_| !named(&fields, name)) {
                    fields.push((
                        Bytes::Borrowed(name),
                        Bytes::Owned(v.to_string().into_bytes()),
                    ));
                }
            }
            if let Some(boot) = head.boot.filter(|_| !named(&fields, b"_BOOT_ID")) {
                fields.push((Bytes::Borrowed(b"_BOOT_ID"), Bytes::Borrowed(boot)));
            }
        }
        let journal = JournalFields {
            fields,
            entry,
            lazy: None,
        };
        let Some(mut event) = entry_event(journal, rec.line, rec.offset) else {
            // Never: a record holds its cursor at least. Its lines are still accounted for.
            self.out.stats.unparsed_lines += u64::from(rec.lines);
            return;
        };
        event.time_text = head.stamp;
        let wall = match event.recorded {
            RecordedTime::Absolute(t) => writable(t),
            _ => false,
        };
        if !wall {
            event.recorded = match (head.local, event.journal.as_ref()) {
                (Some(local), _) if local_writable(local) => local,
                (_, Some(j)) => j.monotonic_us().map_or(RecordedTime::Missing, |micros| {
                    RecordedTime::Monotonic { micros }
                }),
                (_, None) => RecordedTime::Missing,
            };
        }
        event.lines = rec.lines;
        self.out.push_event(event);
    }
}

/// Whether RFC 3339 can write `t` (years 0–9999): a cursor or field of any 16 hex digits is
/// not a time.
fn writable(t: chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::Datelike;
    (0..=9999).contains(&t.year())
}

/// [`writable`] for a header's time.
fn local_writable(t: RecordedTime) -> bool {
    match t {
        RecordedTime::Absolute(t) => writable(t),
        RecordedTime::Local(_) => true,
        _ => false,
    }
}

/// Parses a whole member of `journalctl -o verbose` output.
pub fn parse<'b>(data: &'b [u8], limits: &Limits, out: &mut Parsed<'b>) {
    let max_line = limits.max_line_bytes;
    let mut reader = Reader {
        out,
        max_fields: usize::try_from(limits.get(LimitKind::EntryFields)).unwrap_or(usize::MAX),
        record: None,
        capped: false,
        orphans: false,
    };
    for line in Lines::new(data) {
        reader.out.stats.lines += 1;
        if line.text.len() > max_line {
            reader.finish();
            reader.orphans = false;
            reader.out.problems.push(LineProblem::long_line(
                line.offset,
                line.number,
                line.text.len(),
                max_line,
            ));
            reader.out.push_unparsed(&line);
        } else {
            reader.line(line);
        }
    }
    reader.finish();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FormatKind, detect, parse as parse_kind};
    use chrono::{DateTime, NaiveDate};

    fn run(data: &[u8]) -> Parsed<'_> {
        let p = parse_kind(FormatKind::JournalVerbose, data, &Limits::default());
        assert!(p.stats.balanced(), "{:?}", p.stats);
        if let Err(e) = crate::formats::check_invariants(data, &p) {
            panic!("{e}");
        }
        p
    }

    fn utc(us: i64) -> RecordedTime {
        RecordedTime::Absolute(DateTime::from_timestamp_micros(us).unwrap())
    }

    /// The synthetic PVE OOM journal rendered by journalctl 252 (`synthetic-pve-oom.o-verbose.txt`),
    /// its systemd, multi-line, blob and second-boot records.
    const OOM: &str = "\
Tue 2025-07-29 09:56:40.005000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=4;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77388;t=63b0e6cba7988;x=83fa4b8ef438cfe3]
    _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978
    _MACHINE_ID=2dc07f7a727e4b46a1927eab9d6cd4b7
    _HOSTNAME=pve1
    PRIORITY=6
    _TRANSPORT=journal
    SYSLOG_FACILITY=3
    SYSLOG_IDENTIFIER=systemd
    _PID=1
    _COMM=systemd
    UNIT=101.scope
    MESSAGE=101.scope: A process of this unit has been killed by the OOM killer.
Tue 2025-07-29 09:56:40.008000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=7;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77f40;t=63b0e6cba8540;x=4a44b733a58d6d6a]
    _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978
    _MACHINE_ID=2dc07f7a727e4b46a1927eab9d6cd4b7
    _HOSTNAME=pve1
    PRIORITY=6
    _TRANSPORT=stdout
    SYSLOG_IDENTIFIER=multiline-demo
    _PID=777
    MESSAGE=first line
            second line
            third line
Tue 2025-07-29 09:56:40.009000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=8;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd78328;t=63b0e6cba8928;x=8bc1add02aa6b747]
    _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978
    _MACHINE_ID=2dc07f7a727e4b46a1927eab9d6cd4b7
    _HOSTNAME=pve1
    PRIORITY=6
    _TRANSPORT=stdout
    SYSLOG_IDENTIFIER=binary-demo
    _PID=778
    MESSAGE=[18B blob data]
-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --
Tue 2025-07-29 10:01:40.000000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=9;b=7a8b9c0d1e2f40516273849506a7b8c9;m=4c4b40;t=63b0e7e9c0900;x=37c28d8658ab7524]
    _MACHINE_ID=2dc07f7a727e4b46a1927eab9d6cd4b7
    _HOSTNAME=pve1
    _TRANSPORT=kernel
    SYSLOG_FACILITY=0
    SYSLOG_IDENTIFIER=kernel
    _BOOT_ID=7a8b9c0d1e2f40516273849506a7b8c9
    PRIORITY=5
    MESSAGE=Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z) ()
";

    /// Real header lines (the no-rtc and synthetic samples, REFERENCE.md §10.8) and what the
    /// header gives: (line, realtime µs, monotonic µs, boot, local time of the stamp).
    #[test]
    fn header_table() {
        let berlin = NaiveDate::from_ymd_opt(2025, 7, 29)
            .and_then(|d| d.and_hms_micro_opt(11, 56, 40, 123_456))
            .unwrap();
        let rows: &[(
            &str,
            Option<u64>,
            Option<u64>,
            Option<&str>,
            Option<RecordedTime>,
        )] = &[
            (
                "Mon 2022-10-24 00:00:00.994371 UTC [s=0b5e1a0cfc5249f499630477ce92c52e;i=1;b=5ea5fc4f82a14186b5332a788ef9435e;m=59607a;t=5ebbc790f8c43;x=6966112d3682c34f]",
                Some(1_666_569_600_994_371),
                Some(5_857_402),
                Some("5ea5fc4f82a14186b5332a788ef9435e"),
                Some(utc(1_666_569_600_994_371)),
            ),
            (
                "Tue 2025-07-29 09:56:40.005000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=4;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77388;t=63b0e6cba7988;x=83fa4b8ef438cfe3]",
                Some(1_753_783_000_005_000),
                Some(86_400_005_000),
                Some("0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978"),
                Some(utc(1_753_783_000_005_000)),
            ),
            // A zone abbreviation names no one offset: the stamp is local time.
            (
                "Tue 2025-07-29 11:56:40.123456 CEST [s=51d58b14f83c435082ff3f6ef00f4efc;i=4;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77388;t=63b0e6cba7988;x=83fa4b8ef438cfe3]",
                Some(1_753_783_000_005_000),
                Some(86_400_005_000),
                Some("0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978"),
                Some(RecordedTime::Local(berlin)),
            ),
            // A file-specific cursor (`;p=`) and a German weekday.
            (
                "Di 2025-07-29 09:56:40.005000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=4;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77388;t=63b0e6cba7988;x=83fa4b8ef438cfe3;p=system.journal]",
                Some(1_753_783_000_005_000),
                Some(86_400_005_000),
                Some("0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978"),
                Some(utc(1_753_783_000_005_000)),
            ),
            // Only the boot: still a header.
            (
                "Tue 2025-07-29 11:56:40.123456 CEST [b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978]",
                None,
                None,
                Some("0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978"),
                Some(RecordedTime::Local(berlin)),
            ),
        ];
        for (line, realtime, monotonic, boot, local) in rows {
            let h = header(line.as_bytes()).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(
                (h.realtime, h.monotonic, h.boot, h.local),
                (*realtime, *monotonic, boot.map(str::as_bytes), *local),
                "{line}"
            );
        }
        for line in [
            // short-full: no cursor.
            "Tue 2025-07-29 09:56:40 UTC pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.",
            // A cursor without t= or b=, a broken pair, a message that ends in brackets.
            "Tue 2025-07-29 09:56:40.005000 UTC [s=51d58b14f83c435082ff3f6ef00f4efc;i=4]",
            "Tue 2025-07-29 09:56:40.005000 UTC [t=63b0e6cba7988;garbage]",
            "Tue 2025-07-29 09:56:40 UTC pve1 kernel: [t=1]",
            "-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --",
            "",
        ] {
            assert!(header(line.as_bytes()).is_none(), "{line}");
        }
    }

    #[test]
    fn records_become_events_like_export_entries() {
        let p = run(OOM.as_bytes());
        assert_eq!(p.events.len(), 4);
        assert_eq!((p.stats.event_lines, p.stats.banner_lines), (41, 1));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.variant, "journal-verbose");
        let e = &p.events[0];
        assert_eq!(e.recorded, utc(1_753_783_000_005_000));
        assert_eq!(e.time_text, b"Tue 2025-07-29 09:56:40.005000 UTC");
        assert_eq!((e.line, e.offset, e.lines, e.boot), (1, 0, 12, 0));
        assert_eq!(
            (e.ident, e.pid, e.priority, e.facility, e.hostname),
            (
                Some(&b"systemd"[..]),
                Some(1),
                Some(6),
                Some(3),
                Some(&b"pve1"[..])
            )
        );
        assert_eq!(
            &*e.message,
            b"101.scope: A process of this unit has been killed by the OOM killer."
        );
        assert!(e.message.is_borrowed());
        let j = e.journal.as_ref().unwrap();
        assert_eq!(j.get(b"UNIT"), Some(&b"101.scope"[..]));
        assert_eq!(j.value(b"_PID").as_deref(), Some(&b"1"[..]));
        assert_eq!(j.boot_id(), Some(&b"0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978"[..]));
        assert_eq!(
            (j.realtime_us(), j.monotonic_us()),
            (Some(1_753_783_000_005_000), Some(86_400_005_000))
        );
        assert!(j.get(b"__CURSOR").is_some_and(|c| c.starts_with(b"s=51d5")));
        // `_BOOT_ID` once, from the cursor, as a journal file entry gives it.
        let all = j.all();
        assert_eq!(
            all.iter()
                .filter(|(n, _)| n.as_ref() == b"_BOOT_ID")
                .count(),
            1
        );
        assert_eq!(all.len(), 14);

        let multi = &p.events[1];
        assert_eq!(&*multi.message, b"first line\nsecond line\nthird line");
        assert_eq!((multi.line, multi.lines), (13, 11));
        assert_eq!(&*p.events[2].message, b"[18B blob data]");
        let boot = &p.events[3];
        assert_eq!((boot.line, boot.boot, boot.priority), (34, 1, Some(5)));
        assert_eq!(
            boot.journal.as_ref().and_then(|j| j.boot_id()),
            Some(&b"7a8b9c0d1e2f40516273849506a7b8c9"[..])
        );
        assert_eq!(p.boots.len(), 1);
        assert_eq!(
            p.boots[0].boot_id,
            Some(&b"7a8b9c0d1e2f40516273849506a7b8c9"[..])
        );
    }

    /// A VM's QEMU logging from its scope: what `vmpids` reads of a journal entry (the event's
    /// pid, the entry's `_SYSTEMD_UNIT`) reads the same from a verbose record.
    #[test]
    fn scope_fields_read_as_vmpids_reads_them() {
        let p = run(b"Tue 2025-07-29 09:50:00.000000 UTC [s=1;i=2;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=1;t=63b0e6b4f2600;x=3]\n    _PID=4242\n    _COMM=kvm\n    _SYSTEMD_CGROUP=/qemu.slice/101.scope\n    _SYSTEMD_UNIT=101.scope\n    _SYSTEMD_SLICE=qemu.slice\n    MESSAGE=kvm: warning: host doesn't support requested feature\n");
        let e = &p.events[0];
        assert_eq!((e.pid, e.ident), (Some(4242), Some(&b"kvm"[..])));
        let j = e.journal.as_ref().unwrap();
        assert_eq!(
            j.value(b"_SYSTEMD_UNIT").as_deref(),
            Some(&b"101.scope"[..])
        );
        assert_eq!(j.get(b"_SYSTEMD_SLICE"), Some(&b"qemu.slice"[..]));
    }

    #[test]
    fn time_falls_back_from_cursor_to_fields_to_the_header() {
        // No t=: the source time field.
        let p = run(b"Tue 2025-07-29 11:56:40.123456 CEST [b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=5]\n    _SOURCE_REALTIME_TIMESTAMP=1753783000006000\n    MESSAGE=x\n");
        let e = &p.events[0];
        assert_eq!(e.recorded, utc(1_753_783_000_006_000));
        let j = e.journal.as_ref().unwrap();
        assert_eq!(j.boot_id(), Some(&b"0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978"[..]));
        assert_eq!(j.monotonic_us(), Some(5));
        // No clock field either: the header's local time, zone left to the clock stage.
        let p = run(b"Tue 2025-07-29 11:56:40.123456 CEST [b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=5]\n    MESSAGE=x\n");
        assert!(matches!(p.events[0].recorded, RecordedTime::Local(_)));
        assert_eq!(
            p.events[0].time_text,
            b"Tue 2025-07-29 11:56:40.123456 CEST"
        );
        // A t= past year 9999 is no time; nor is a huge field.
        let p = run(b"Tue 2025-07-29 09:56:40.000000 UTC [b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=5;t=7fffffffffffffff]\n    _SOURCE_REALTIME_TIMESTAMP=999999999999999999\n    MESSAGE=x\n");
        assert_eq!(p.events[0].recorded, utc(1_753_783_000_000_000));
        // A zone no time can be read from, and no wall clock: the monotonic clock.
        let p = run(b"Tue 2025-07-29 11:56:40.123456 XYZABCDEF [b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=5]\n    MESSAGE=x\n");
        assert_eq!(p.events[0].recorded, RecordedTime::Monotonic { micros: 5 });
    }

    /// (input, events, event lines, banner, blank, unparsed, problems)
    #[test]
    fn damage_table() {
        let h = "Tue 2025-07-29 09:56:40.005000 UTC [s=1;i=4;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=1;t=63b0e6cba7988;x=2]";
        let rows: Vec<(String, usize, u64, u64, u64, u64, usize)> = vec![
            // A header alone, and one cut at the end without a newline.
            (format!("{h}\n{h}"), 2, 2, 0, 0, 0, 0),
            // Field lines before any header (a record cut at the start): one problem per run.
            (
                format!("    MESSAGE=a\n    _PID=1\n{h}\n    MESSAGE=b\n"),
                1,
                2,
                0,
                0,
                2,
                1,
            ),
            // A junk line ends the record; the fields after it are orphans.
            (
                format!("{h}\n    MESSAGE=a\njunk\n    _PID=1\n              more\n{h}\n"),
                2,
                3,
                0,
                0,
                3,
                1,
            ),
            // An empty line ends the record; an indented blank line continues a value.
            (
                format!("{h}\n    MESSAGE=a\n            \n            b\n\n    _PID=1\n"),
                1,
                4,
                0,
                1,
                1,
                1,
            ),
            // Banners between records; a bracketed line that is no header.
            (
                format!(
                    "-- No entries --\n-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --\n{h}\n    MESSAGE=a\nTue [x]\n"
                ),
                1,
                2,
                2,
                0,
                1,
                0,
            ),
            // Continuation right after the header (no field to continue).
            (format!("{h}\n        stray\n"), 1, 1, 0, 0, 1, 0),
        ];
        for (i, (data, events, ev_lines, banner, blank, unparsed, problems)) in
            rows.iter().enumerate()
        {
            let p = run(data.as_bytes());
            assert_eq!(p.events.len(), *events, "row {i}");
            assert_eq!(
                (
                    p.stats.event_lines,
                    p.stats.banner_lines,
                    p.stats.blank_lines,
                    p.stats.unparsed_lines
                ),
                (*ev_lines, *banner, *blank, *unparsed),
                "row {i}"
            );
            assert_eq!(p.problems.len(), *problems, "row {i}: {:?}", p.problems);
        }
        let data = format!("{h}\n    MESSAGE=a\n            \n            b\n");
        assert_eq!(&*run(data.as_bytes()).events[0].message, b"a\n\nb");
        let data = format!("    MESSAGE=a\n{h}\n");
        let p = run(data.as_bytes());
        assert_eq!((p.problems[0].line, p.unparsed_examples[0].line), (1, 1));
    }

    #[test]
    fn long_lines_and_the_field_cap_are_reported() {
        let mut data = OOM.as_bytes().to_vec();
        data.extend_from_slice(b"Tue 2025-07-29 10:01:41.000000 UTC [b=7a8b9c0d1e2f40516273849506a7b8c9;t=63b0e7eab4b40;m=5b8d80]\n    MESSAGE=");
        data.extend(std::iter::repeat_n(b'x', 300));
        data.extend_from_slice(b"\n    _PID=321\n");
        let limits = Limits {
            max_line_bytes: 256,
            max_entry_fields: 5,
            ..Limits::default()
        };
        let p = parse_kind(FormatKind::JournalVerbose, &data, &limits);
        assert!(p.stats.balanced());
        assert_eq!(p.events.len(), 5);
        // Five kept (the cursor and four fields), less `_BOOT_ID`, which the cursor holds.
        assert_eq!(p.events[0].journal.as_ref().unwrap().fields.len(), 4);
        assert_eq!(p.events[0].lines, 12);
        let reasons: Vec<&str> = p.problems.iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("--max-entry-fields"), "{reasons:?}");
        assert!(reasons[1].contains("--max-line-bytes"), "{reasons:?}");
        assert!(reasons[2].contains("without their record's header"));
        // The header line before the long one is an event; the orphan after it is unparsed.
        assert_eq!(p.stats.unparsed_lines, 2);
    }

    #[test]
    fn recognition_and_detection() {
        assert!(recognizes(OOM.as_bytes()));
        assert_eq!(detect("x", OOM.as_bytes()), FormatKind::JournalVerbose);
        // Behind banners, a byte order mark, or a record cut at the start.
        for head in [
            format!(
                "-- Journal begins at Mon 2021-01-04 10:00:00 CET, ends at Tue 2021-01-05 10:00:00 CET. --\n{OOM}"
            ),
            format!("\u{feff}{OOM}"),
            format!("    MESSAGE=cut\n            more\n\n{OOM}"),
        ] {
            assert_eq!(detect("x", head.as_bytes()), FormatKind::JournalVerbose);
        }
        // Not verbose: the short modes, export, JSON, a header without fields, nothing.
        for (text, kind) in [
            (
                &b"Tue 2025-07-29 09:56:40 UTC pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.\nTue 2025-07-29 09:56:41 UTC pve1 systemd[1]: Started x.\n"[..],
                FormatKind::JournalText,
            ),
            (
                b"-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --\n2025-07-29T11:56:40+0200 pve1 kernel: x\n",
                FormatKind::JournalText,
            ),
            (
                b"__CURSOR=s=1;i=1\n__REALTIME_TIMESTAMP=1753783000000000\n_BOOT_ID=7a8b9c0d1e2f40516273849506a7b8c9\nMESSAGE=hello\n",
                FormatKind::JournalExport,
            ),
            (
                b"{\"__REALTIME_TIMESTAMP\":\"1753783000000000\",\"MESSAGE\":\"x\"}\n",
                FormatKind::JournalJson,
            ),
        ] {
            assert!(!recognizes(text), "{}", String::from_utf8_lossy(text));
            assert_eq!(detect("x", text), kind, "{}", String::from_utf8_lossy(text));
        }
        assert!(!recognizes(
            b"Tue 2025-07-29 09:56:40.005000 UTC [b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978]\nTue 2025-07-29 09:56:41.005000 UTC [b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978]\n"
        ));
        assert!(!recognizes(b""));
        assert!(!recognizes(b"-- No entries --\n"));
    }

    /// Every prefix of the sample, and every byte replaced by `\n`, `=`, NUL, a space or 0xff,
    /// keeps the books balanced and the invariants, without panicking.
    #[test]
    fn prefixes_and_mutations_stay_balanced() {
        let data = OOM.as_bytes();
        for end in 0..=data.len() {
            run(&data[..end]);
        }
        for at in (0..data.len()).step_by(3) {
            for b in [b'\n', b'=', 0, b' ', 0xff] {
                let mut d = data.to_vec();
                d[at] = b;
                run(&d);
            }
        }
    }
}
