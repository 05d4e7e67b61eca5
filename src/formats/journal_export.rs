//! `journalctl -o export`: the binary-safe export stream (REFERENCE.md §1).
//!
//! An entry is a run of fields ended by an empty line (or by the end of the input). A field is
//! text or binary, decided by the first byte after its name:
//!
//! ```text
//! __CURSOR=s=51d58b14f83c435082ff3f6ef00f4efc;i=5;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77770;t=63b0e6cba7d70;x=fb6c2ef954866621
//! __REALTIME_TIMESTAMP=1753783000006000
//! _BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978
//! MESSAGE=101.scope: Failed with result 'oom-kill'.          text:   NAME=VALUE\n
//! SYSLOG_RAW\n<\0\0\0\0\0\0\0<28>Oct 24 00:00:03 rpc.idmapd…\n\n binary: NAME\n u64-LE length, bytes, \n
//!                                                            (empty line: end of the entry)
//! ```
//!
//! The stream is read byte-wise, never by lines: binary data may hold `\n`, `=` or NUL. Field
//! names and values borrow from the input; a repeated name is kept as often as it appears, in
//! order. Every entry goes through [`entry_event`], the mapping the three journal encodings
//! share.
//!
//! Line accounting (so that `stats.balanced()` holds, with lines counted as
//! [`crate::framing::count_lines`] does): the lines of an entry's fields, including the `\n`
//! bytes inside binary data, are event lines; the empty line after an entry is a blank line;
//! a line that is no field (no valid name, NUL in the name, a name without `=` that does not
//! start a well-formed binary field) is unparsed, and the first one in each entry is reported as
//! a problem with its offset. A binary field whose length runs past the end of the input, or
//! whose data is not followed by `\n`, is a problem at its offset: the entry ends with the fields
//! read so far, and the lines up to the next empty line are unparsed.
//!
//! # Known deviations
//! - Field names must be `[A-Z0-9_]+` (journald's rule, without its "no leading digit" and
//!   64-byte limits); anything else on a line is not a field.
//! - A white-space-only line ends an entry like an empty line (journal-remote would read it as a
//!   malformed field).
//! - A binary field whose data ends exactly at the end of the input, without its final `\n`, is
//!   kept: the input was cut right there.
//! - A CRLF-converted export (REFERENCE §1 pitfall 5) is reported once as a problem. Its text
//!   fields are still read (the `\r` is dropped), its binary fields no longer match their
//!   lengths and are lost as described above.

use std::borrow::Cow;

use super::journal::{compact_entry_event, lazy_fields};
use super::{LineProblem, Parsed, dmesg, journal_text, syslog};
use crate::event::Bytes;
use crate::framing::{Line, Lines, count_lines, is_blank};
use crate::limits::{LimitKind, Limits};

/// Position of the first `\n` in `hay`.
fn newline(hay: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', hay)
}

/// Number of `\n` bytes in `hay`.
fn newlines(hay: &[u8]) -> u32 {
    u32::try_from(bytecount::count(hay, b'\n')).unwrap_or(u32::MAX)
}

/// Whether `name` is a journal field name (`[A-Z0-9_]+`).
pub(crate) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The name of a text field line (`NAME=…`), when the line is one.
fn text_field_name(text: &[u8]) -> Option<&[u8]> {
    let eq = text.iter().position(|&b| b == b'=')?;
    let name = text.get(..eq)?;
    valid_name(name).then_some(name)
}

/// Records every line of `data[start..end]` (which starts at line `first_line`) as unparsed.
/// `end` is just after a `\n` or the end of the input. Returns how many lines that was.
pub(crate) fn push_unparsed_lines(
    out: &mut Parsed<'_>,
    data: &[u8],
    start: usize,
    end: usize,
    first_line: u32,
) -> u32 {
    let mut count = 0u32;
    for line in Lines::new(data.get(start..end).unwrap_or_default()) {
        out.push_unparsed(&Line {
            text: line.text,
            number: first_line.saturating_add(line.number.saturating_sub(1)),
            offset: (start as u64).saturating_add(line.offset),
        });
        count = count.saturating_add(1);
    }
    count
}

/// One line of an export stream, as both readers of it ([`parse`] and the lazy
/// [`read_entry_fields`]) see it.
struct ExportLine<'b> {
    /// The line without its `\n` and a `\r` before it.
    text: &'b [u8],
    /// Whether it ended in `\r\n`.
    crlf: bool,
    /// Where the next line starts.
    next: usize,
    /// Whether a `\n` follows it somewhere (a binary field's name line must be terminated).
    terminated: bool,
}

/// The line starting at `pos`, `None` at the end of the input.
fn line_at(data: &[u8], pos: usize) -> Option<ExportLine<'_>> {
    let rest = data.get(pos..).filter(|r| !r.is_empty())?;
    let (raw, next) = match newline(rest) {
        Some(i) => (
            rest.get(..i).unwrap_or_default(),
            pos.saturating_add(i).saturating_add(1),
        ),
        None => (rest, data.len()),
    };
    let (text, crlf) = match raw {
        [head @ .., b'\r'] => (head, true),
        _ => (raw, false),
    };
    Some(ExportLine {
        text,
        crlf,
        next,
        terminated: next < data.len() || data.last() == Some(&b'\n'),
    })
}

/// The entry being read.
#[derive(Default)]
struct Entry<'b> {
    fields: Vec<(Bytes<'b>, Bytes<'b>)>,
    /// Line and offset of the first field.
    line: u32,
    offset: u64,
    /// Lines taken by the fields.
    lines: u32,
    /// Whether a problem was already reported for this entry.
    reported: bool,
    /// Fields past the `--max-entry-fields` cap: counted, their lines kept, not stored.
    dropped: u64,
}

/// The outcome of reading a binary field at a name line.
enum Binary<'b> {
    /// The value, and the position just after the field.
    Field(&'b [u8], usize),
    /// The field is broken: the reason, and whether its length runs past the end of the input
    /// (where a later read of more input might find it whole).
    Broken(String, bool),
}

/// Reads the length, data and final `\n` of a binary field whose name line ends at `at` (the
/// position just after the name's `\n`).
fn binary_field<'b>(data: &'b [u8], at: usize, name: &[u8]) -> Binary<'b> {
    let name = String::from_utf8_lossy(name);
    let rest = data.get(at..).unwrap_or_default();
    let Some((len_bytes, after_len)) = rest.split_first_chunk::<8>() else {
        return Binary::Broken(
            format!(
                "binary field {name}: the 8-byte length is cut off ({} bytes left)",
                rest.len()
            ),
            true,
        );
    };
    let len = u64::from_le_bytes(*len_bytes);
    let fits = usize::try_from(len).ok().filter(|&n| n <= after_len.len());
    let Some(n) = fits else {
        return Binary::Broken(
            format!(
                "binary field {name}: length {len} runs past the end of the input ({} bytes left)",
                after_len.len()
            ),
            true,
        );
    };
    let (value, tail) = after_len.split_at(n);
    let value_end = at.saturating_add(8).saturating_add(n);
    match tail.first() {
        Some(b'\n') => Binary::Field(value, value_end.saturating_add(1)),
        None => Binary::Field(value, value_end),
        Some(other) => Binary::Broken(
            format!(
                "binary field {name}: {n} bytes of data are followed by byte 0x{other:02x}, not a newline"
            ),
            false,
        ),
    }
}

/// Parses a whole member into journal entries.
pub fn parse<'b>(data: &'b [u8], out: &mut Parsed<'b>, limits: &Limits) {
    let threads = rayon::current_num_threads();
    if data.len() >= 2 * CHUNK_MIN
        && threads > 1
        && parse_chunked(data, out, limits, (threads * 4, CHUNK_MIN))
    {
        return;
    }
    parse_entries(data, out, limits, true);
}

/// Members at least twice this size are read in chunks on several threads.
const CHUNK_MIN: usize = 32 << 20;

/// Reads `data` in up to `chunks` pieces of at least `min` bytes, on the thread pool, cut where
/// an empty line ends an entry, and joins them into `out` as one sequential read would have made
/// them: lines and offsets counted from the member's start, a problem reported once per member
/// (CRLF line ends, the field cap) kept once.
///
/// A cut is only a guess, since binary field data may hold an empty line; a piece is right when
/// its read ends on an empty line and no binary field ran into its end, which is exactly when
/// the sequential read stands between two entries there. Returns `false`, leaving `out`
/// untouched, when a piece is not (the caller reads the member in one piece).
fn parse_chunked<'b>(
    data: &'b [u8],
    out: &mut Parsed<'b>,
    limits: &Limits,
    (chunks, min): (usize, usize),
) -> bool {
    use rayon::prelude::*;
    let step = (data.len() / chunks.max(1)).max(min).max(1);
    let mut starts = vec![0usize];
    let mut at = step;
    while at < data.len() {
        let Some(i) = memchr::memmem::find(data.get(at..).unwrap_or_default(), b"\n\n") else {
            break;
        };
        let cut = at.saturating_add(i).saturating_add(2);
        if cut >= data.len() {
            break;
        }
        starts.push(cut);
        at = cut.saturating_add(step);
    }
    if starts.len() < 2 {
        return false;
    }
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain([data.len()]).collect();
    let pieces: Vec<(usize, Parsed<'b>, Ended)> = starts
        .par_iter()
        .zip(&ends)
        .map(|(&start, &end)| {
            let mut piece = Parsed::new(out.kind);
            let ended = parse_entries(
                data.get(start..end).unwrap_or_default(),
                &mut piece,
                limits,
                true,
            );
            (start, piece, ended)
        })
        .collect();
    let last = pieces.len().saturating_sub(1);
    if pieces
        .iter()
        .take(last)
        .any(|(_, _, ended)| !ended.between_entries)
    {
        return false;
    }
    let mut line_base = 0u32;
    let mut once_seen: Vec<Once> = Vec::new();
    for (start, piece, ended) in pieces {
        let base = start as u64;
        let lines = u32::try_from(piece.stats.lines).unwrap_or(u32::MAX);
        let shift = |line: u32| line.saturating_add(line_base);
        out.events.extend(piece.events.into_iter().map(|mut e| {
            e.line = shift(e.line);
            e.offset = e.offset.saturating_add(base);
            e
        }));
        for (i, mut p) in piece.problems.into_iter().enumerate() {
            if let Some(&(_, once)) = ended.once.iter().find(|(at, _)| *at == i) {
                if once_seen.contains(&once) {
                    continue;
                }
                once_seen.push(once);
            }
            p.line = shift(p.line);
            p.offset = p.offset.saturating_add(base);
            out.problems.push(p);
        }
        for mut example in piece.unparsed_examples {
            if out.unparsed_examples.len() < super::MAX_EXAMPLES {
                example.line = shift(example.line);
                out.unparsed_examples.push(example);
            }
        }
        let (a, b) = (&mut out.stats, piece.stats);
        a.lines += b.lines;
        a.event_lines += b.event_lines;
        a.banner_lines += b.banner_lines;
        a.blank_lines += b.blank_lines;
        a.unparsed_lines += b.unparsed_lines;
        a.fact_lines += b.fact_lines;
        a.context_lines += b.context_lines;
        out.notes.extend(piece.notes);
        out.after_event_line = shift(piece.after_event_line);
        line_base = line_base.saturating_add(lines);
    }
    true
}

/// A problem reported once per member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Once {
    Crlf,
    FieldCap,
}

/// How a read of a piece of a member ended (see [`parse_chunked`]).
#[derive(Debug, Default)]
struct Ended {
    /// The last line read was an empty line and no binary field ran into the end of the input:
    /// a read of the whole member stands between two entries there too.
    between_entries: bool,
    /// The problems reported once per member, by index in the piece's problems.
    once: Vec<(usize, Once)>,
}

/// [`parse`] in one piece, with `compact` saying whether entries become compact events (always,
/// but for the tests that hold the compact fields to the eager ones).
fn parse_entries<'b>(
    data: &'b [u8],
    out: &mut Parsed<'b>,
    limits: &Limits,
    compact: bool,
) -> Ended {
    let mut ended = Ended::default();
    // Whether a binary field's read reached the end of the input.
    let mut ran_into_end = false;
    out.stats.lines = count_lines(data);
    let max_fields = usize::try_from(limits.get(LimitKind::EntryFields)).unwrap_or(usize::MAX);
    let mut capped = false;
    let mut pos = 0usize;
    let mut line_no = 1u32;
    let mut entry = Entry::default();
    // After a broken binary field: lines up to the next empty line are unparsed.
    let mut skipping = false;
    let mut crlf_reported = false;
    while let Some(ExportLine {
        text,
        crlf,
        next,
        terminated,
    }) = line_at(data, pos)
    {
        let here = Line {
            text,
            number: line_no,
            offset: pos as u64,
        };
        ended.between_entries = is_blank(text);
        if is_blank(text) {
            if crlf && !crlf_reported && !skipping {
                crlf_reported = true;
                ended.once.push((out.problems.len(), Once::Crlf));
                report_crlf(out, &here);
            }
            finish(out, &mut entry, &mut capped, (data, compact), &mut ended);
            skipping = false;
            out.stats.blank_lines += 1;
        } else if skipping {
            out.push_unparsed(&here);
        } else if let Some(name) = text_field_name(text) {
            if crlf && !crlf_reported {
                crlf_reported = true;
                ended.once.push((out.problems.len(), Once::Crlf));
                report_crlf(out, &here);
            }
            let value = text.get(name.len().saturating_add(1)..).unwrap_or_default();
            entry.add(
                Cow::Borrowed(name),
                Cow::Borrowed(value),
                &here,
                1,
                max_fields,
            );
        } else if terminated && valid_name(text) {
            match binary_field(data, next, text) {
                Binary::Field(value, end) => {
                    // Its data ended where the input does, without the final `\n`.
                    ran_into_end |= end >= data.len() && data.last() != Some(&b'\n');
                    let lines = lines_in(data, pos, end);
                    entry.add(
                        Cow::Borrowed(text),
                        Cow::Borrowed(value),
                        &here,
                        lines,
                        max_fields,
                    );
                    line_no = line_no.saturating_add(lines);
                    pos = end;
                    continue;
                }
                Binary::Broken(reason, past_end) => {
                    ran_into_end |= past_end;
                    out.problems.push(LineProblem {
                        offset: pos as u64,
                        line: line_no,
                        reason,
                    });
                    // The entry ends here; its remaining lines belong to this problem.
                    finish(out, &mut entry, &mut capped, (data, compact), &mut ended);
                    skipping = true;
                    out.push_unparsed(&here);
                }
            }
        } else {
            if !entry.reported {
                entry.reported = true;
                out.problems.push(LineProblem {
                    offset: pos as u64,
                    line: line_no,
                    reason: not_a_field(text),
                });
            }
            out.push_unparsed(&here);
        }
        line_no = line_no.saturating_add(1);
        pos = next;
    }
    finish(out, &mut entry, &mut capped, (data, compact), &mut ended);
    ended.between_entries &= !ran_into_end;
    ended
}

/// Lines in `data[start..end]`, where `start` is a line start and `end` is just after a `\n`
/// or the end of the input.
fn lines_in(data: &[u8], start: usize, end: usize) -> u32 {
    let span = data.get(start..end).unwrap_or_default();
    let open_end = end >= data.len() && span.last().is_some_and(|&b| b != b'\n');
    newlines(span).saturating_add(u32::from(open_end))
}

/// Why a line is not a field, for the problem list.
fn not_a_field(text: &[u8]) -> String {
    let shown: String = String::from_utf8_lossy(text.get(..40).unwrap_or(text))
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    let name_end = text.iter().position(|&b| b == b'=').unwrap_or(text.len());
    let why = if text.get(..name_end).unwrap_or(text).contains(&0) {
        "a NUL in the field name"
    } else if name_end == text.len() {
        "no `=` and no binary field"
    } else {
        "the field name is not [A-Z0-9_]+"
    };
    format!("not an export field ({why}): {shown:?}")
}

fn report_crlf(out: &mut Parsed<'_>, line: &Line<'_>) {
    out.problems.push(LineProblem {
        offset: line.offset,
        line: line.number,
        reason: "export stream with CRLF line ends (converted as text, e.g. on Windows): text \
                 fields are read without the \\r, binary fields no longer match their lengths"
            .to_string(),
    });
}

impl<'b> Entry<'b> {
    /// Adds a field, or counts it when the entry already holds `max` fields.
    fn add(
        &mut self,
        name: Cow<'b, [u8]>,
        value: Cow<'b, [u8]>,
        at: &Line<'_>,
        lines: u32,
        max: usize,
    ) {
        if self.fields.is_empty() && self.dropped == 0 {
            self.line = at.number;
            self.offset = at.offset;
        }
        if self.fields.len() < max {
            self.fields.push((name.into(), value.into()));
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
        self.lines = self.lines.saturating_add(lines);
    }
}

/// Turns a finished entry into a compact event, and leaves `entry` empty for the next one (its
/// field list keeps its capacity). An entry over the field cap is reported once per member
/// (`capped` remembers it), with the flag that raises the cap.
fn finish<'b>(
    out: &mut Parsed<'b>,
    entry: &mut Entry<'b>,
    capped: &mut bool,
    (data, compact): (&'b [u8], bool),
    ended: &mut Ended,
) {
    if entry.dropped > 0 && !*capped {
        *capped = true;
        ended.once.push((out.problems.len(), Once::FieldCap));
        out.problems.push(LineProblem::field_cap(
            entry.offset,
            entry.line,
            entry.fields.len(),
            entry.dropped,
        ));
    }
    let lines = entry.lines;
    let at = (entry.line, entry.offset);
    let mut fields = std::mem::take(&mut entry.fields);
    let event = if entry.dropped > 0 || !compact {
        // Read again, the entry would come back with the default cap's fields, not this run's.
        let all = crate::event::JournalFields {
            fields: std::mem::take(&mut fields),
            ..Default::default()
        };
        super::journal::entry_event(all, at.0, at.1)
    } else {
        compact_entry_event(&mut fields, at, data, read_entry_fields)
    };
    if let Some(mut event) = event {
        event.lines = lines;
        out.push_event(event);
    }
    *entry = Entry {
        fields,
        ..Entry::default()
    };
}

/// The fields of the entry whose first field starts at `offset` of `data`, read again as
/// [`parse`] read them (for a compact event's [`crate::event::LazyFields`]): text and binary
/// fields up to the empty line that ends the entry, a broken binary field or the end of the
/// input; lines that are no field are passed over. Bounded by the default field cap, which
/// entries read compactly were within.
fn read_entry_fields(data: &[u8], offset: u64) -> Vec<(Bytes<'_>, Bytes<'_>)> {
    let max = usize::try_from(Limits::default().get(LimitKind::EntryFields)).unwrap_or(usize::MAX);
    let mut fields = Vec::new();
    let mut pos = usize::try_from(offset).unwrap_or(usize::MAX);
    while let Some(ExportLine {
        text,
        next,
        terminated,
        ..
    }) = line_at(data, pos)
    {
        if fields.len() >= max {
            break;
        }
        if is_blank(text) {
            break;
        } else if let Some(name) = text_field_name(text) {
            let value = text.get(name.len().saturating_add(1)..).unwrap_or_default();
            fields.push((Bytes::Borrowed(name), Bytes::Borrowed(value)));
        } else if terminated && valid_name(text) {
            match binary_field(data, next, text) {
                Binary::Field(value, end) => {
                    fields.push((Bytes::Borrowed(text), Bytes::Borrowed(value)));
                    pos = end;
                    continue;
                }
                Binary::Broken(..) => break,
            }
        }
        pos = next;
    }
    lazy_fields(fields)
}

/// How many non-blank lines of the head [`recognizes`] looks at.
const SNIFF_LINES: usize = 200;

/// Whether the head of a member is this encoding: it starts with `__CURSOR=` or
/// `__REALTIME_TIMESTAMP=`, or at least three of its lines are `NAME=…` fields, one of them
/// `MESSAGE`, `__REALTIME_TIMESTAMP` or `_BOOT_ID`, and no other line looks like syslog, dmesg
/// or journalctl text.
pub fn recognizes(head: &[u8]) -> bool {
    let mut lines = Lines::new(head).filter(|l| !is_blank(l.text));
    let Some(first) = lines.next() else {
        return false;
    };
    if first.text.starts_with(b"__CURSOR=") || first.text.starts_with(b"__REALTIME_TIMESTAMP=") {
        return true;
    }
    let (mut fields, mut key) = (0u32, false);
    for line in std::iter::once(first).chain(lines).take(SNIFF_LINES) {
        if let Some(name) = text_field_name(line.text) {
            fields += 1;
            key |= matches!(name, b"MESSAGE" | b"__REALTIME_TIMESTAMP" | b"_BOOT_ID");
        } else if syslog::recognizes(line.text)
            || dmesg::recognizes(line.text)
            || journal_text::recognizes(line.text) != journal_text::Recognized::No
        {
            return false;
        }
    }
    fields >= 3 && key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, RecordedTime};
    use crate::formats::{FormatKind, detect, parse as parse_kind};
    use chrono::DateTime;

    fn run(data: &[u8]) -> Parsed<'_> {
        let parsed = parse_kind(
            FormatKind::JournalExport,
            data,
            &crate::limits::Limits::default(),
        );
        assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
        assert_eq!(parsed.stats.lines, count_lines(data));
        parsed
    }

    fn field<'a>(e: &'a Event<'_>, name: &[u8]) -> Option<&'a [u8]> {
        e.journal.as_ref()?.get(name)
    }

    /// Entry i=5 of `synthetic-pve-oom.o-export`: text fields only.
    const OOM_SCOPE: &[u8] = b"__CURSOR=s=51d58b14f83c435082ff3f6ef00f4efc;i=5;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77770;t=63b0e6cba7d70;x=fb6c2ef954866621
__REALTIME_TIMESTAMP=1753783000006000
__MONOTONIC_TIMESTAMP=86400006000
_BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978
_MACHINE_ID=2dc07f7a727e4b46a1927eab9d6cd4b7
_HOSTNAME=pve1
PRIORITY=4
_TRANSPORT=journal
SYSLOG_FACILITY=3
SYSLOG_IDENTIFIER=systemd
_PID=1
_COMM=systemd
UNIT=101.scope
MESSAGE=101.scope: Failed with result 'oom-kill'.
";

    /// Entry i=7 of `synthetic-pve-oom.o-export`: a multi-line MESSAGE in binary form, at EOF
    /// without the final empty line.
    const MULTILINE: &[u8] = b"__REALTIME_TIMESTAMP=1753783000008000
__MONOTONIC_TIMESTAMP=86400008000
_BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978
SYSLOG_IDENTIFIER=multiline-demo
_PID=777
MESSAGE
!\0\0\0\0\0\0\0first line
second line
third line
";

    /// Entry i=8: a non-UTF-8 MESSAGE (Latin-1 `é`, a BEL).
    const LATIN1: &[u8] = b"__REALTIME_TIMESTAMP=1753783000009000
SYSLOG_IDENTIFIER=binary-demo
_PID=778
MESSAGE
\x12\0\0\0\0\0\0\0caf\xe9 latin-1 byte\x07
";

    /// Every field of `data`'s entries as the eager parse keeps them, and as the compact events
    /// give them back (both sorted: the compact header comes first).
    fn eager_and_compact(
        data: &[u8],
    ) -> (Vec<Vec<(Vec<u8>, Vec<u8>)>>, Vec<Vec<(Vec<u8>, Vec<u8>)>>) {
        eager_and_compact_within(data, &crate::limits::Limits::default())
    }

    fn eager_and_compact_within(
        data: &[u8],
        limits: &crate::limits::Limits,
    ) -> (Vec<Vec<(Vec<u8>, Vec<u8>)>>, Vec<Vec<(Vec<u8>, Vec<u8>)>>) {
        let all = |p: &Parsed<'_>| -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
            p.events
                .iter()
                .map(|e| {
                    let mut f = super::super::journal::sorted_fields(e);
                    // The event itself, first: compact or not, it is the same.
                    let event = format!(
                        "{:?}",
                        (
                            e.recorded,
                            e.time_text,
                            (e.ident, e.hostname, e.pid, e.priority, e.facility),
                            &e.message[..],
                            (e.line, e.offset, e.lines)
                        )
                    );
                    f.insert(0, (b"<event>".to_vec(), event.into_bytes()));
                    f
                })
                .collect()
        };
        let mut eager = Parsed::new(FormatKind::JournalExport);
        parse_entries(data, &mut eager, limits, false);
        let compact = parse_kind(FormatKind::JournalExport, data, limits);
        assert_eq!(compact.events.len(), eager.events.len());
        (all(&eager), all(&compact))
    }

    #[test]
    fn compact_events_give_back_every_field() {
        let data = [OOM_SCOPE, b"\n", MULTILINE, b"\n", LATIN1].concat();
        let (eager, compact) = eager_and_compact(&data);
        assert_eq!(eager, compact);
        // Over a small cap, entries are kept whole with the fields within it, as eagerly.
        for cap in [1, 4, 13, 14] {
            let limits = Limits {
                max_entry_fields: cap,
                ..Limits::default()
            };
            let (eager, compact) = eager_and_compact_within(&data, &limits);
            assert_eq!(eager, compact, "cap {cap}");
        }
        assert!(
            run(&data).events[0]
                .journal
                .as_ref()
                .unwrap()
                .fields
                .is_empty()
        );
        // Cut anywhere or with a byte changed, the compact fields still are the eager ones.
        for end in (0..=data.len()).step_by(7) {
            let (eager, compact) = eager_and_compact(&data[..end]);
            assert_eq!(eager, compact, "cut at {end}");
        }
        for at in 0..data.len() {
            for b in [b'\n', b'=', b'0', b'\r', b'\0'] {
                let mut d = data.clone();
                d[at] = b;
                let (eager, compact) = eager_and_compact(&d);
                assert_eq!(eager, compact, "byte {at} = {b:#x}");
            }
        }
    }

    /// What a read gives, lines and offsets included, for comparing two reads.
    fn reading(p: &Parsed<'_>) -> String {
        let events: Vec<String> = p
            .events
            .iter()
            .map(|e| {
                let fields = super::super::journal::sorted_fields(e);
                format!(
                    "{:?}",
                    (
                        e.recorded,
                        e.time_text,
                        (e.ident, e.hostname, e.pid, e.priority, e.facility),
                        &e.message[..],
                        (e.line, e.offset, e.lines),
                        fields
                    )
                )
            })
            .collect();
        format!(
            "{events:#?}\n{:?}\n{:?}\n{:?}\n{:?}",
            p.stats, p.problems, p.unparsed_examples, p.notes
        )
    }

    #[test]
    fn a_member_read_in_pieces_is_read_as_in_one() {
        // Entries with text and binary fields, binary data holding empty lines (a cut there is
        // a wrong guess), a broken line, an entry over the field cap and CRLF line ends late on.
        let raw = b"SYSLOG_RAW\n\x09\0\0\0\0\0\0\0a\n\nb\n\nc\n_PID=3\n";
        let junk = b"__REALTIME_TIMESTAMP=1753783000006001\nnot a field\nMESSAGE=after junk\n";
        let mut many = b"__REALTIME_TIMESTAMP=1753783000006002\n".to_vec();
        for i in 0..12 {
            many.extend_from_slice(format!("F{i}=x\n").as_bytes());
        }
        let crlf = b"MESSAGE=windows\r\n_PID=4\r\n\r\n";
        let parts: [&[u8]; 8] = [OOM_SCOPE, MULTILINE, raw, junk, &many, LATIN1, raw, crlf];
        let mut data = Vec::new();
        for round in 0..6 {
            for (i, part) in parts.iter().enumerate() {
                if round < 5 && i == parts.len() - 1 {
                    continue;
                }
                data.extend_from_slice(part);
                data.extend_from_slice(b"\n");
            }
        }
        let limits = Limits {
            max_entry_fields: 10,
            ..Limits::default()
        };
        let mut whole = Parsed::new(FormatKind::JournalExport);
        parse_entries(&data, &mut whole, &limits, true);
        let expected = reading(&whole);
        assert!(whole.problems.len() > 3 && whole.stats.unparsed_lines > 0);
        let mut split = 0;
        for chunks in 2..40 {
            let mut pieces = Parsed::new(FormatKind::JournalExport);
            if parse_chunked(&data, &mut pieces, &limits, (chunks, 1)) {
                split += 1;
                assert_eq!(reading(&pieces), expected, "{chunks} pieces");
                assert!(pieces.stats.balanced());
            } else {
                assert!(pieces.events.is_empty() && pieces.problems.is_empty());
            }
        }
        assert!(split > 10, "only {split} splits were taken");
        // A cut inside binary data is refused, not misread.
        let mut binary = [OOM_SCOPE, b"\n"].concat();
        binary.extend_from_slice(raw);
        binary.extend_from_slice(b"\n");
        binary.extend_from_slice(OOM_SCOPE);
        let cut = OOM_SCOPE.len() + 1 + b"SYSLOG_RAW\n\x09\0\0\0\0\0\0\0a\n".len();
        let mut pieces = Parsed::new(FormatKind::JournalExport);
        assert!(!parse_chunked(
            &binary,
            &mut pieces,
            &Limits::default(),
            (binary.len() / cut, cut - 2)
        ));
        // Mutated anywhere, the pieces still read as the whole.
        for at in (0..data.len()).step_by(3) {
            for b in [b'\n', b'\0', b'='] {
                let mut d = data.clone();
                d[at] = b;
                let mut whole = Parsed::new(FormatKind::JournalExport);
                parse_entries(&d, &mut whole, &limits, true);
                let mut pieces = Parsed::new(FormatKind::JournalExport);
                if parse_chunked(&d, &mut pieces, &limits, (7, 1)) {
                    assert_eq!(reading(&pieces), reading(&whole), "byte {at} = {b:#x}");
                }
            }
        }
    }

    #[test]
    fn fields_past_the_cap_are_counted_not_kept() {
        let mut data = b"__REALTIME_TIMESTAMP=1753783000006000\nMESSAGE=kept\n".to_vec();
        for i in 0..10 {
            data.extend_from_slice(format!("F{i}=x\n").as_bytes());
        }
        data.extend_from_slice(b"\nMESSAGE=next entry\n");
        let limits = Limits {
            max_entry_fields: 4,
            ..Limits::default()
        };
        let parsed = parse_kind(FormatKind::JournalExport, &data, &limits);
        assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
        assert_eq!(parsed.events.len(), 2);
        assert_eq!(parsed.events[0].journal.as_ref().unwrap().fields.len(), 4);
        assert_eq!(parsed.events[0].lines, 12);
        assert_eq!(&parsed.events[0].message[..], b"kept");
        assert_eq!(parsed.problems.len(), 1);
        let reason = &parsed.problems[0].reason;
        assert!(
            reason.contains("12 fields") && reason.contains("--max-entry-fields"),
            "{reason}"
        );
    }

    #[test]
    fn text_fields_map_to_the_event() {
        let mut data = OOM_SCOPE.to_vec();
        data.extend_from_slice(b"\n");
        let parsed = run(&data);
        assert_eq!(parsed.events.len(), 1);
        let e = &parsed.events[0];
        assert_eq!((e.line, e.offset, e.lines), (1, 0, 14));
        assert_eq!(
            e.recorded,
            RecordedTime::Absolute(DateTime::from_timestamp_micros(1_753_783_000_006_000).unwrap())
        );
        assert_eq!(e.time_text, b"1753783000006000");
        assert_eq!(
            (e.ident, e.pid, e.priority, e.facility, e.hostname),
            (
                Some(&b"systemd"[..]),
                Some(1),
                Some(4),
                Some(3),
                Some(&b"pve1"[..])
            )
        );
        assert_eq!(&*e.message, b"101.scope: Failed with result 'oom-kill'.");
        let j = e.journal.as_ref().unwrap();
        assert_eq!(j.value(b"UNIT").as_deref(), Some(&b"101.scope"[..]));
        // Compact: the clocks and boot are numbers, the other fields are read again on demand.
        assert!(j.fields.is_empty());
        assert_eq!(j.boot_id(), Some(&b"0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978"[..]));
        assert_eq!(j.monotonic_us(), Some(86_400_006_000));
        let all = j.all();
        assert_eq!(all.len(), 14);
        for line in OOM_SCOPE.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let (name, value) = line.split_at(line.iter().position(|&b| b == b'=').unwrap());
            assert!(
                all.iter()
                    .any(|(n, v)| n.as_ref() == name && v.as_ref() == &value[1..]),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // Zero-copy: the fields read again borrow from the input.
        let lazy = j.lazy.unwrap();
        assert!(
            (lazy.read)(lazy.file, lazy.entry_offset)
                .iter()
                .all(|(n, v)| n.is_borrowed() && v.is_borrowed())
        );
        assert!(e.message.is_borrowed());
        assert_eq!(parsed.stats.blank_lines, 1);
        assert!(parsed.problems.is_empty());
    }

    #[test]
    fn binary_fields_multiline_and_non_utf8() {
        let mut data = MULTILINE.to_vec();
        data.extend_from_slice(b"\n");
        let second = data.len();
        data.extend_from_slice(LATIN1);
        let parsed = run(&data);
        assert_eq!(parsed.events.len(), 2);
        let (a, b) = (&parsed.events[0], &parsed.events[1]);
        assert_eq!(&*a.message, b"first line\nsecond line\nthird line");
        assert_eq!((a.line, a.offset, a.lines), (1, 0, 9));
        assert_eq!(a.ident, Some(&b"multiline-demo"[..]));
        assert_eq!(&*b.message, b"caf\xe9 latin-1 byte\x07");
        assert_eq!((b.line, b.offset, b.lines), (11, second as u64, 5));
        assert_eq!(b.pid, Some(778));
        assert_eq!(parsed.stats.event_lines, 14);
        assert_eq!(parsed.stats.blank_lines, 1);
        assert!(parsed.problems.is_empty());
    }

    /// REFERENCE §1's binary field: a SYSLOG_RAW ending in `\n`, then more text fields.
    #[test]
    fn syslog_raw_binary_field_then_text_fields() {
        let data = b"MESSAGE=Setting log level to 0\nSYSLOG_RAW\n<\0\0\0\0\0\0\0<28>Oct 24 00:00:03 rpc.idmapd[402]: Setting log level to 0\n\n_PID=402\n_COMM=rpc.idmapd\n\n";
        let parsed = run(data);
        assert_eq!(parsed.events.len(), 1);
        let e = &parsed.events[0];
        assert_eq!(
            field(e, b"SYSLOG_RAW"),
            Some(&b"<28>Oct 24 00:00:03 rpc.idmapd[402]: Setting log level to 0\n"[..])
        );
        assert_eq!((e.pid, e.ident), (Some(402), Some(&b"rpc.idmapd"[..])));
        // MESSAGE, SYSLOG_RAW (3 lines: name, data with its own \n, final \n), _PID, _COMM.
        assert_eq!(e.lines, 6);
        assert_eq!(parsed.stats.blank_lines, 1);
    }

    #[test]
    fn repeated_fields_are_kept_in_order() {
        let data = b"_UDEV_SYSNAME=sda\n_UDEV_DEVLINK=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001\n_UDEV_DEVLINK=/dev/disk/by-path/pci-0000:00:01.1-ata-1\nMESSAGE=sda: sda1 sda2 sda3\n";
        let parsed = run(data);
        let fields = &parsed.events[0].journal.as_ref().unwrap().fields;
        let links: Vec<&[u8]> = fields
            .iter()
            .filter(|(n, _)| n.as_ref() == b"_UDEV_DEVLINK")
            .map(|(_, v)| v.as_ref())
            .collect();
        assert_eq!(
            links,
            vec![
                &b"/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001"[..],
                b"/dev/disk/by-path/pci-0000:00:01.1-ata-1"
            ]
        );
    }

    /// Fields, blank, events, unparsed and problems for short inputs (fuzz inputs from systemd's
    /// `test/fuzz/fuzz-journal-remote/` among them).
    #[test]
    fn damage_table() {
        // (input, events, fields of the first event, event lines, blank, unparsed, problems)
        let rows: &[(&[u8], usize, usize, u64, u64, u64, usize)] = &[
            // EOF in place of the last separator, and an unterminated last line.
            (b"A=1\nMESSAGE=x", 1, 2, 2, 0, 0, 0),
            // Several empty lines between entries.
            (b"A=1\n\n\n\nB=2\n\n", 2, 1, 2, 4, 0, 0),
            // oss-fuzz-8658: white space and NULs, no field at all.
            (b" \n    \0\0\0\0", 0, 0, 0, 1, 1, 1),
            // crash-nul-in-field-name: a NUL inside a name; the entry goes on around it.
            (
                b"__REALTIME_TIMESTAMP=1404101101501873\n__MO\0f3f=\xc9\xc1\n_UID=0\n\n",
                1,
                2,
                2,
                1,
                1,
                1,
            ),
            // A lowercase name and an empty name: two garbage lines, one problem per entry.
            (b"MESSAGE=a\nBBr\n=      \nB=\n", 1, 2, 2, 0, 2, 1),
            // A binary length that runs past the end: the entry keeps its earlier fields.
            (
                b"MESSAGE=a\nSYSLOG_RAW\n\xff\0\0\0\0\0\0\0abc\nX=1\n\nB=2\n",
                2,
                1,
                2,
                1,
                3,
                1,
            ),
            // The 8-byte length itself is cut off.
            (b"MESSAGE=a\nSYSLOG_RAW\n\x03\0\0", 1, 1, 1, 0, 2, 1),
            // Data not followed by a newline.
            (
                b"SYSLOG_RAW\n\x02\0\0\0\0\0\0\0abcd\nX=1\n\nB=2",
                1,
                1,
                1,
                1,
                3,
                1,
            ),
            // Binary data ending at EOF without its newline is kept.
            (b"MESSAGE\n\x02\0\0\0\0\0\0\0ab", 1, 1, 2, 0, 0, 0),
            // A `\n` inside the 8-byte length (length 10).
            (b"MESSAGE\n\n\0\0\0\0\0\0\0abcdefghij\n\n", 1, 1, 3, 1, 0, 0),
        ];
        for (i, (data, events, fields, ev_lines, blank, unparsed, problems)) in
            rows.iter().enumerate()
        {
            let p = run(data);
            assert_eq!(p.events.len(), *events, "row {i}: {:?}", p.problems);
            if let Some(e) = p.events.first() {
                assert_eq!(e.journal.as_ref().unwrap().fields.len(), *fields, "row {i}");
            }
            assert_eq!(
                (
                    p.stats.event_lines,
                    p.stats.blank_lines,
                    p.stats.unparsed_lines
                ),
                (*ev_lines, *blank, *unparsed),
                "row {i}"
            );
            assert_eq!(p.problems.len(), *problems, "row {i}: {:?}", p.problems);
        }
    }

    #[test]
    fn truncated_length_is_a_problem_at_its_offset() {
        let data = b"MESSAGE=a\nSYSLOG_RAW\n\xff\0\0\0\0\0\0\0abc\nX=1\n\nB=2\n";
        let p = run(data);
        assert_eq!(p.problems[0].offset, 10);
        assert_eq!(p.problems[0].line, 2);
        assert!(
            p.problems[0].reason.contains("runs past the end"),
            "{:?}",
            p.problems
        );
        assert_eq!(
            p.events[1].journal.as_ref().unwrap().get(b"B"),
            Some(&b"2"[..])
        );
        assert_eq!(p.events[1].line, 6);
    }

    #[test]
    fn crlf_export_is_reported_once_and_text_fields_read() {
        let data = b"__REALTIME_TIMESTAMP=1753783000006000\r\nSYSLOG_IDENTIFIER=systemd\r\nMESSAGE=101.scope: Failed with result 'oom-kill'.\r\n\r\n__REALTIME_TIMESTAMP=1753783000007000\r\nMESSAGE=second\r\n";
        let p = run(data);
        assert_eq!(p.events.len(), 2);
        assert_eq!(
            &*p.events[0].message,
            b"101.scope: Failed with result 'oom-kill'."
        );
        assert_eq!(p.events[0].ident, Some(&b"systemd"[..]));
        assert_eq!(p.events[1].time_text, b"1753783000007000");
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].reason.contains("CRLF"));
        assert_eq!(p.stats.blank_lines, 1);
    }

    #[test]
    fn recognizes_exports_and_not_text_logs() {
        assert!(recognizes(OOM_SCOPE));
        assert!(recognizes(MULTILINE));
        assert!(recognizes(
            b"\n_BOOT_ID=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978\nPRIORITY=6\nMESSAGE=x\n"
        ));
        assert_eq!(detect("x", OOM_SCOPE), FormatKind::JournalExport);
        for text in [
            &b"Jul 29 09:56:40 pve1 systemd[1]: Started session.\nMESSAGE=a\nB=1\nC=2\n"[..],
            b"[    0.000000] Linux version 6.8.12-4-pve\nMESSAGE=a\nB=1\nC=2\n",
            b"A=1\nB=2\nC=3\n",
            b"MESSAGE=a\n",
            b"",
            b"{\"MESSAGE\":\"x\"}\n",
        ] {
            assert!(!recognizes(text), "{}", String::from_utf8_lossy(text));
        }
    }

    /// Every prefix of a mixed input, and every byte replaced by `\n`, NUL or 0xff, keeps the
    /// books balanced without panicking.
    #[test]
    fn prefixes_and_mutations_stay_balanced() {
        let data = [
            OOM_SCOPE,
            b"\n",
            MULTILINE,
            b"\n",
            LATIN1,
            b"\nSYSLOG_RAW\n<\0\0\0\0\0\0\0<28>Oct 24 00:00:03 rpc.idmapd[402]: Setting log level to 0\n\n",
        ]
        .concat();
        for end in 0..=data.len() {
            run(&data[..end]);
        }
        for at in (0..data.len()).step_by(3) {
            for b in [b'\n', 0, 0xff, b'='] {
                let mut d = data.clone();
                d[at] = b;
                run(&d);
            }
        }
    }
}
