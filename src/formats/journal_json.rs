//! `journalctl -o json`, `json-seq`, `json-pretty` and `json-sse` (REFERENCE.md §2.1).
//!
//! One JSON object per entry, framed four ways:
//!
//! ```text
//! {"PRIORITY":"6","SYSLOG_IDENTIFIER":"binary-demo","MESSAGE":[99,97,102,233,…],…}     json: one object per line
//! \x1e{"__CURSOR":"s=903d6e26…;i=1;…","__MONOTONIC_TIMESTAMP":"5872674",…}             json-seq (RFC 7464)
//! data: {"MESSAGE":"Booting Linux on physical CPU 0x0000000000 [0x410fd083]",…}        json-sse, then an empty line
//! {                                                                                   json-pretty: one field a line
//!     "_HOSTNAME" : "fedora",                                                     (a tab, shown as spaces)
//!     …
//! }
//! ```
//!
//! Objects are split by brace depth outside strings, not by lines. Values are strings, `null`
//! (a value over journalctl's size threshold, cut unless `--all` was given: kept as an empty
//! value and counted in a note), arrays of numbers (bytes of a value that is not printable
//! UTF-8) and arrays of those (a repeated field: one field per element, in order). Names and
//! escape-free strings borrow from the input; strings with escapes and byte arrays are owned.
//! Every object goes through [`entry_event`], the mapping the journal encodings share.
//!
//! Line accounting: every line from the one holding an object's `{` (with its `\x1e` or
//! `data:` framing) to the one holding its `}` is an event line, so a `json-pretty` entry
//! spans many. White-space-only lines (the empty line after each `json-sse` event, a lone
//! `\x1e`) are blank lines. A line that holds no object, an object that is not valid JSON of
//! this shape, and an object cut off (by the end of the input, a raw newline inside a string, or
//! a next object starting before it closed) are unparsed lines, with a problem at their offset
//! (one per run of such lines).
//!
//! # Known deviations
//! - Bytes after an object's `}` on the same line are reported as a problem and otherwise
//!   ignored (journalctl writes nothing there); two objects on one line lose the second.
//! - Numbers, `true` and `false` (never written by journalctl) are kept as their literal text;
//!   nested objects make the entry invalid.
//! - An empty array is read as an empty value.
//! - A lone UTF-16 surrogate in a `\u` escape becomes U+FFFD.

use std::borrow::Cow;

use super::journal::{compact_entry_event, entry_event, lazy_fields};
use super::journal_export::push_unparsed_lines;
use super::{LineProblem, Parsed, most_seen};
use crate::event::{Bytes, JournalFields};
use crate::framing::{count_lines, is_blank};
use crate::limits::{LimitKind, Limits};

/// The four framings.
const VARIANT_NAMES: [&str; 4] = [
    "journal-json",
    "journal-json-seq",
    "journal-json-pretty",
    "journal-json-sse",
];

/// Index into [`VARIANT_NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Plain = 0,
    Seq = 1,
    Sse = 3,
}

/// The record separator of `json-seq`.
const RS: u8 = 0x1e;

/// A UTF-8 byte order mark, which an editor may have added.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// Skips the framing before an object on a line: white space, `\x1e`, `data:`, a BOM.
/// Returns the framing and the position of the first byte after it.
fn skip_framing(data: &[u8], mut at: usize) -> (Framing, usize) {
    let mut framing = Framing::Plain;
    loop {
        match data.get(at) {
            Some(b' ' | b'\t' | b'\r') => at = at.saturating_add(1),
            Some(&RS) => {
                framing = Framing::Seq;
                at = at.saturating_add(1);
            }
            Some(0xef) if data.get(at..).is_some_and(|r| r.starts_with(BOM)) => {
                at = at.saturating_add(BOM.len());
            }
            Some(b'd') if data.get(at..).is_some_and(|r| r.starts_with(b"data:")) => {
                framing = Framing::Sse;
                at = at.saturating_add(5);
            }
            _ => return (framing, at),
        }
    }
}

/// Where an object that starts at a `{` ends.
enum Extent {
    /// At the `}` at this position.
    Closed(usize),
    /// Cut off: its last line ends at this position (a `\n`, or the end of the input).
    Cut(usize),
}

/// Finds the end of the object starting at `start` by brace depth outside strings.
fn extent(data: &[u8], start: usize) -> Extent {
    let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
    let mut i = start;
    while let Some(&b) = data.get(i) {
        if in_string {
            if b == b'\n' {
                return Extent::Cut(i);
            } else if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            } else {
                // Inside a string only these three bytes matter: skip to the next of them
                // (values are most of a journal JSON line).
                let rest = data.get(i..).unwrap_or_default();
                match memchr::memchr3(b'"', b'\\', b'\n', rest) {
                    Some(k) => i = i.saturating_add(k),
                    None => return Extent::Cut(data.len()),
                }
                continue;
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' => depth = depth.saturating_add(1),
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Extent::Closed(i);
                    }
                }
                b'\n' => {
                    // journalctl never writes an empty line or a new object inside an object.
                    let (_, next) = skip_framing(data, i.saturating_add(1));
                    if matches!(data.get(next), None | Some(b'{' | b'\n')) {
                        return Extent::Cut(i);
                    }
                }
                _ => {}
            }
        }
        i = i.saturating_add(1);
    }
    Extent::Cut(data.len())
}

/// End of the line holding `at`: the position of its `\n`, or the end of the input.
fn line_end(data: &[u8], at: usize) -> usize {
    data.get(at..)
        .and_then(|r| memchr::memchr(b'\n', r))
        .map_or(data.len(), |i| at.saturating_add(i))
}

/// Number of `\n` in `data[from..to]`.
fn newlines(data: &[u8], from: usize, to: usize) -> u32 {
    let span = data.get(from..to).unwrap_or_default();
    u32::try_from(bytecount::count(span, b'\n')).unwrap_or(u32::MAX)
}

/// The parse state carried across objects.
struct Reader<'b> {
    data: &'b [u8],
    /// Values written as `null`.
    cut_values: u64,
    /// Objects per framing.
    counts: [u64; 4],
    /// Whether the current run of unparsed lines was reported.
    reported: bool,
    /// The `--max-entry-fields` cap.
    max_fields: usize,
    /// Whether an entry over the cap was reported (once per member).
    capped: bool,
    /// Whether objects become compact events (always, but for the tests that hold the compact
    /// fields to the eager ones).
    compact: bool,
}

/// Parses a whole member into journal entries.
pub fn parse<'b>(data: &'b [u8], out: &mut Parsed<'b>, limits: &Limits) {
    parse_objects(data, out, limits, true);
}

/// [`parse`], with `compact` saying whether objects become compact events.
fn parse_objects<'b>(data: &'b [u8], out: &mut Parsed<'b>, limits: &Limits, compact: bool) {
    out.stats.lines = count_lines(data);
    let mut reader = Reader {
        data,
        cut_values: 0,
        counts: [0; 4],
        reported: false,
        max_fields: usize::try_from(limits.get(LimitKind::EntryFields)).unwrap_or(usize::MAX),
        capped: false,
        compact,
    };
    let mut pos = 0usize;
    let mut line_no = 1u32;
    while pos < data.len() {
        let end = line_end(data, pos);
        let (framing, body) = skip_framing(data, pos);
        let taken = match data.get(body) {
            Some(b'{') => reader.object(out, pos, line_no, framing, body),
            _ if is_blank(data.get(pos..end).unwrap_or_default())
                || data.get(pos..end).is_some_and(only_framing) =>
            {
                out.stats.blank_lines += 1;
                1
            }
            _ => {
                reader.unparsed(out, pos, end, line_no, "no JSON object on this line");
                1
            }
        };
        // Every branch consumes whole lines.
        let mut next = pos;
        for _ in 0..taken {
            next = line_end(data, next).saturating_add(1);
        }
        pos = next;
        line_no = line_no.saturating_add(taken);
    }
    out.variant = most_seen(&reader.counts, &VARIANT_NAMES);
    if reader.cut_values > 0 {
        out.notes.push(format!(
            "{} values were cut by journalctl (-o json without --all)",
            reader.cut_values
        ));
    }
}

/// Whether a line holds only white space and `\x1e` record separators.
fn only_framing(line: &[u8]) -> bool {
    line.iter().all(|&b| b == RS || b.is_ascii_whitespace())
}

impl<'b> Reader<'b> {
    /// Reads the object at `start` (on line `line_no`, which begins at `pos`). Returns how many
    /// lines it took.
    fn object(
        &mut self,
        out: &mut Parsed<'b>,
        pos: usize,
        line_no: u32,
        framing: Framing,
        start: usize,
    ) -> u32 {
        let data = self.data;
        let close = match extent(data, start) {
            Extent::Closed(close) => close,
            Extent::Cut(last) => {
                let end = if last < data.len() {
                    last.saturating_add(1)
                } else {
                    last
                };
                return self.unparsed(out, pos, end, line_no, "JSON object cut off");
            }
        };
        let end = line_end(data, close);
        let lines = newlines(data, pos, end).saturating_add(1);
        let object = data.get(start..=close).unwrap_or_default();
        let mut fields = Vec::new();
        let mut cut = 0u64;
        let parsed = Object {
            s: object,
            i: 0,
            fields: &mut fields,
            cut: &mut cut,
            max: self.max_fields,
            dropped: 0,
        }
        .parse();
        let dropped = match parsed {
            Ok(dropped) => dropped,
            Err((at, why)) => {
                let at = start.saturating_add(at);
                let reason = format!("invalid journal JSON object: {why} at byte {at}");
                let region_end = end.saturating_add(1).min(data.len());
                return self.unparsed_at(out, (pos, region_end), line_no, at, reason);
            }
        };
        if dropped > 0 && !self.capped {
            self.capped = true;
            out.problems.push(LineProblem::field_cap(
                start as u64,
                line_no,
                fields.len(),
                dropped,
            ));
        }
        let trailing = data.get(close.saturating_add(1)..end).unwrap_or_default();
        if !only_framing(trailing) {
            out.problems.push(LineProblem {
                offset: close.saturating_add(1) as u64,
                line: line_no.saturating_add(lines.saturating_sub(1)),
                reason: "bytes after the JSON object on its last line are ignored".to_string(),
            });
        }
        let event = if dropped > 0 || !self.compact {
            // Read again, the entry would come back with the default cap's fields.
            let all = JournalFields {
                fields,
                ..JournalFields::default()
            };
            entry_event(all, line_no, start as u64)
        } else {
            compact_entry_event(
                &mut fields,
                (line_no, start as u64),
                data,
                read_entry_fields,
            )
        };
        match event {
            Some(mut event) => {
                event.lines = lines;
                out.push_event(event);
                self.cut_values = self.cut_values.saturating_add(cut);
                let variant = if lines > 1 { 2 } else { framing as usize };
                if let Some(c) = self.counts.get_mut(variant) {
                    *c = c.saturating_add(1);
                }
                self.reported = false;
                lines
            }
            None => {
                let region_end = end.saturating_add(1).min(data.len());
                self.unparsed(out, pos, region_end, line_no, "JSON object without fields")
            }
        }
    }

    /// Records `data[start..end]` as unparsed lines, reporting the first of a run.
    fn unparsed(
        &mut self,
        out: &mut Parsed<'b>,
        start: usize,
        end: usize,
        line_no: u32,
        reason: &str,
    ) -> u32 {
        self.unparsed_at(out, (start, end), line_no, start, reason.to_string())
    }

    fn unparsed_at(
        &mut self,
        out: &mut Parsed<'b>,
        (start, end): (usize, usize),
        line_no: u32,
        at: usize,
        reason: String,
    ) -> u32 {
        if !self.reported {
            self.reported = true;
            out.problems.push(LineProblem {
                offset: at as u64,
                line: line_no.saturating_add(newlines(self.data, start, at)),
                reason,
            });
        }
        // At least the current line, even when the region is empty.
        let end = end.max(
            line_end(self.data, start)
                .saturating_add(1)
                .min(self.data.len()),
        );
        push_unparsed_lines(out, self.data, start, end, line_no)
    }
}

/// The fields of the object that starts at `offset` of `data`, read again as [`parse`] read them
/// (for a compact event's [`crate::event::LazyFields`]), within the default field cap, which
/// objects read compactly were within.
fn read_entry_fields(data: &[u8], offset: u64) -> Vec<(Bytes<'_>, Bytes<'_>)> {
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let Extent::Closed(close) = extent(data, start) else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    let mut cut = 0u64;
    let read = Object {
        s: data.get(start..=close).unwrap_or_default(),
        i: 0,
        fields: &mut fields,
        cut: &mut cut,
        max: usize::try_from(Limits::default().get(LimitKind::EntryFields)).unwrap_or(usize::MAX),
        dropped: 0,
    }
    .parse();
    if read.is_err() {
        return Vec::new();
    }
    lazy_fields(fields)
}

/// Error: position in the object and what was expected.
type PErr = (usize, &'static str);

/// A hand parser for one journal JSON object.
struct Object<'b, 'o> {
    s: &'b [u8],
    i: usize,
    fields: &'o mut Vec<(Bytes<'b>, Bytes<'b>)>,
    cut: &'o mut u64,
    /// The `--max-entry-fields` cap, and the fields past it (counted, not kept).
    max: usize,
    dropped: u64,
}

impl<'b> Object<'b, '_> {
    /// Keeps a field, or counts it once the object holds `max`.
    fn push(&mut self, field: (Bytes<'b>, Bytes<'b>)) {
        if self.fields.len() < self.max {
            self.fields.push(field);
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i = self.i.saturating_add(1);
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8, what: &'static str) -> Result<(), PErr> {
        self.ws();
        if self.peek() == Some(c) {
            self.i = self.i.saturating_add(1);
            Ok(())
        } else {
            Err((self.i, what))
        }
    }

    /// Reads the object; the number of fields past the cap.
    fn parse(mut self) -> Result<u64, PErr> {
        self.eat(b'{', "expected `{`")?;
        self.ws();
        if self.peek() == Some(b'}') {
            return Ok(0);
        }
        loop {
            self.ws();
            let name = self.string()?;
            self.eat(b':', "expected `:`")?;
            self.ws();
            self.value(name)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i = self.i.saturating_add(1),
                Some(b'}') => return Ok(self.dropped),
                _ => return Err((self.i, "expected `,` or `}`")),
            }
        }
    }

    /// A field value: string, `null`, byte array or array of values.
    fn value(&mut self, name: Cow<'b, [u8]>) -> Result<(), PErr> {
        match self.peek() {
            Some(b'[') => {
                self.i = self.i.saturating_add(1);
                self.ws();
                match self.peek() {
                    Some(b']') => {
                        self.i = self.i.saturating_add(1);
                        self.push((name.clone().into(), Bytes::Borrowed(b"")));
                        Ok(())
                    }
                    Some(b'0'..=b'9') => {
                        let bytes = self.bytes_rest()?;
                        self.push((name.clone().into(), Bytes::Owned(bytes)));
                        Ok(())
                    }
                    _ => loop {
                        self.ws();
                        let value = match self.peek() {
                            Some(b'[') => {
                                self.i = self.i.saturating_add(1);
                                self.ws();
                                if self.peek() == Some(b']') {
                                    self.i = self.i.saturating_add(1);
                                    Cow::Borrowed(&b""[..])
                                } else {
                                    Cow::Owned(self.bytes_rest()?)
                                }
                            }
                            _ => self.scalar()?,
                        };
                        self.push((name.clone().into(), value.into()));
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.i = self.i.saturating_add(1),
                            Some(b']') => {
                                self.i = self.i.saturating_add(1);
                                return Ok(());
                            }
                            _ => return Err((self.i, "expected `,` or `]`")),
                        }
                    },
                }
            }
            _ => {
                let value = self.scalar()?;
                self.push((name.clone().into(), value.into()));
                Ok(())
            }
        }
    }

    /// A string, `null` (a cut value: empty), or a number/`true`/`false` kept as written.
    fn scalar(&mut self) -> Result<Cow<'b, [u8]>, PErr> {
        match self.peek() {
            Some(b'"') => self.string(),
            Some(b'n') => {
                self.literal(b"null")?;
                *self.cut = self.cut.saturating_add(1);
                Ok(Cow::Borrowed(b""))
            }
            Some(b't') => self.literal(b"true").map(Cow::Borrowed),
            Some(b'f') => self.literal(b"false").map(Cow::Borrowed),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while matches!(
                    self.peek(),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.i = self.i.saturating_add(1);
                }
                Ok(Cow::Borrowed(self.s.get(start..self.i).unwrap_or_default()))
            }
            _ => Err((self.i, "expected a string, null or an array")),
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<&'b [u8], PErr> {
        let s = self.s;
        let end = self.i.saturating_add(word.len());
        match s.get(self.i..end) {
            Some(w) if w == word => {
                self.i = end;
                Ok(w)
            }
            _ => Err((self.i, "unknown literal")),
        }
    }

    /// The rest of a byte array, after its `[`: numbers 0–255 and the closing `]`.
    fn bytes_rest(&mut self) -> Result<Vec<u8>, PErr> {
        let mut bytes = Vec::new();
        loop {
            self.ws();
            let start = self.i;
            let mut n = 0u32;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                n = n.saturating_mul(10).saturating_add(u32::from(d - b'0'));
                self.i = self.i.saturating_add(1);
            }
            if self.i == start {
                return Err((self.i, "expected a byte value"));
            }
            bytes.push(u8::try_from(n).map_err(|_| (start, "byte value over 255"))?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i = self.i.saturating_add(1),
                Some(b']') => {
                    self.i = self.i.saturating_add(1);
                    return Ok(bytes);
                }
                _ => return Err((self.i, "expected `,` or `]` in a byte array")),
            }
        }
    }

    /// A JSON string: borrowed when it has no escapes, decoded otherwise.
    fn string(&mut self) -> Result<Cow<'b, [u8]>, PErr> {
        if self.peek() != Some(b'"') {
            return Err((self.i, "expected a string"));
        }
        let s = self.s;
        let start = self.i.saturating_add(1);
        // The string ends at the first `"` unless a `\` comes first.
        let rest = s.get(start..).unwrap_or_default();
        let i = match memchr::memchr2(b'"', b'\\', rest) {
            None => return Err((s.len(), "unterminated string")),
            Some(k) => start.saturating_add(k),
        };
        if s.get(i) == Some(&b'"') {
            self.i = i.saturating_add(1);
            return Ok(Cow::Borrowed(s.get(start..i).unwrap_or_default()));
        }
        let mut i = i;
        // Escapes: decode into an owned copy.
        let mut out = s.get(start..i).unwrap_or_default().to_vec();
        loop {
            match s.get(i) {
                None => return Err((i, "unterminated string")),
                Some(b'"') => {
                    self.i = i.saturating_add(1);
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    let esc = s.get(i.saturating_add(1)).copied();
                    i = i.saturating_add(2);
                    let simple = match esc {
                        Some(b'"') => Some(b'"'),
                        Some(b'\\') => Some(b'\\'),
                        Some(b'/') => Some(b'/'),
                        Some(b'b') => Some(0x08),
                        Some(b'f') => Some(0x0c),
                        Some(b'n') => Some(b'\n'),
                        Some(b'r') => Some(b'\r'),
                        Some(b't') => Some(b'\t'),
                        Some(b'u') => None,
                        _ => return Err((i.saturating_sub(2), "unknown escape")),
                    };
                    if let Some(b) = simple {
                        out.push(b);
                        continue;
                    }
                    let unit = hex4(s, i).ok_or((i, "bad \\u escape"))?;
                    i = i.saturating_add(4);
                    let c = if (0xd800..0xdc00).contains(&unit) {
                        let low = (s.get(i) == Some(&b'\\')
                            && s.get(i.saturating_add(1)) == Some(&b'u'))
                        .then(|| hex4(s, i.saturating_add(2)))
                        .flatten()
                        .filter(|l| (0xdc00..0xe000).contains(l));
                        match low {
                            Some(low) => {
                                i = i.saturating_add(6);
                                char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))
                            }
                            None => None,
                        }
                    } else {
                        char::from_u32(unit)
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(
                        c.unwrap_or(char::REPLACEMENT_CHARACTER)
                            .encode_utf8(&mut buf)
                            .as_bytes(),
                    );
                }
                Some(&b) => {
                    out.push(b);
                    i = i.saturating_add(1);
                }
            }
        }
    }
}

/// Four hex digits at `at`.
fn hex4(s: &[u8], at: usize) -> Option<u32> {
    let digits = s.get(at..at.saturating_add(4))?;
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?))
}

/// Whether the head of a member is this encoding: it starts with `{`, `\x1e` or `data: {`
/// and names a journal field (`"__REALTIME_TIMESTAMP"`, `"MESSAGE"` or `"__CURSOR"`).
pub fn recognizes(head: &[u8]) -> bool {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let rest = head.get(start..).unwrap_or_default();
    let framed = match rest.first() {
        Some(b'{' | &RS) => true,
        _ => rest
            .strip_prefix(b"data:")
            .map(|r| r.trim_ascii_start())
            .is_some_and(|r| r.starts_with(b"{")),
    };
    framed
        && [
            &b"\"__REALTIME_TIMESTAMP\""[..],
            b"\"MESSAGE\"",
            b"\"__CURSOR\"",
        ]
        .iter()
        .any(|needle| head.windows(needle.len()).any(|w| w == *needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, RecordedTime};
    use crate::formats::{FormatKind, detect, parse as parse_kind};

    fn run(data: &[u8]) -> Parsed<'_> {
        let parsed = parse_kind(
            FormatKind::JournalJson,
            data,
            &crate::limits::Limits::default(),
        );
        assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
        assert_eq!(parsed.stats.lines, count_lines(data));
        parsed
    }

    #[test]
    fn fields_past_the_cap_are_counted_not_kept() {
        let data = b"{\"__REALTIME_TIMESTAMP\":\"1753783000000000\",\"MESSAGE\":\"kept\",\"A\":\"1\",\"B\":[\"2\",\"3\"],\"C\":[104,105],\"D\":\"4\"}\n{\"MESSAGE\":\"next\"}\n";
        let limits = Limits {
            max_entry_fields: 3,
            ..Limits::default()
        };
        let parsed = parse_kind(FormatKind::JournalJson, data, &limits);
        assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
        assert_eq!(parsed.events.len(), 2);
        assert_eq!(parsed.events[0].journal.as_ref().unwrap().fields.len(), 3);
        assert_eq!(&parsed.events[0].message[..], b"kept");
        assert_eq!(parsed.problems.len(), 1);
        let reason = &parsed.problems[0].reason;
        assert!(
            reason.contains("7 fields") && reason.contains("--max-entry-fields"),
            "{reason}"
        );
    }

    fn values<'a>(e: &'a Event<'_>, name: &[u8]) -> Vec<&'a [u8]> {
        e.journal
            .as_ref()
            .unwrap()
            .fields
            .iter()
            .filter(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v.as_ref())
            .collect()
    }

    /// Lines 7 and 8 of `synthetic-pve-oom.o-json.jsonl`: a multi-line MESSAGE (escapes) and a
    /// non-UTF-8 MESSAGE (a byte array).
    const MULTILINE: &[u8] = br#"{"__CURSOR":"s=51d58b14f83c435082ff3f6ef00f4efc;i=7;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd77f40;t=63b0e6cba8540;x=4a44b733a58d6d6a","MESSAGE":"first line\nsecond line\nthird line","PRIORITY":"6","_TRANSPORT":"stdout","__MONOTONIC_TIMESTAMP":"86400008000","SYSLOG_IDENTIFIER":"multiline-demo","_PID":"777","_HOSTNAME":"pve1","_MACHINE_ID":"2dc07f7a727e4b46a1927eab9d6cd4b7","_BOOT_ID":"0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978","__REALTIME_TIMESTAMP":"1753783000008000"}"#;
    const BINARY: &[u8] = br#"{"PRIORITY":"6","SYSLOG_IDENTIFIER":"binary-demo","_PID":"778","__REALTIME_TIMESTAMP":"1753783000009000","MESSAGE":[99,97,102,233,32,108,97,116,105,110,45,49,32,98,121,116,101,7],"_TRANSPORT":"stdout","_HOSTNAME":"pve1","__MONOTONIC_TIMESTAMP":"86400009000","_BOOT_ID":"0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978","_MACHINE_ID":"2dc07f7a727e4b46a1927eab9d6cd4b7","__CURSOR":"s=51d58b14f83c435082ff3f6ef00f4efc;i=8;b=0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978;m=141dd78328;t=63b0e6cba8928;x=8bc1add02aa6b747"}"#;

    #[test]
    fn json_lines_with_escapes_and_byte_arrays() {
        let data = [MULTILINE, b"\n", BINARY, b"\n"].concat();
        let p = run(&data);
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.variant, "journal-json");
        let (a, b) = (&p.events[0], &p.events[1]);
        assert_eq!(&*a.message, b"first line\nsecond line\nthird line");
        assert!(matches!(a.message, Bytes::Owned(_)));
        assert_eq!((a.line, a.offset, a.lines), (1, 0, 1));
        assert_eq!(
            (a.ident, a.pid, a.priority),
            (Some(&b"multiline-demo"[..]), Some(777), Some(6))
        );
        assert_eq!(
            a.recorded,
            RecordedTime::Absolute(
                chrono::DateTime::from_timestamp_micros(1_753_783_000_008_000).unwrap()
            )
        );
        assert_eq!(&*b.message, b"caf\xe9 latin-1 byte\x07");
        assert_eq!((b.line, b.offset), (2, MULTILINE.len() as u64 + 1));
        // Escape-free names and values borrow from the input.
        let j = b.journal.as_ref().unwrap();
        // Compact: the fields are read again from the line on demand.
        assert!(j.fields.is_empty());
        let lazy = j.lazy.unwrap();
        let again = (lazy.read)(lazy.file, lazy.entry_offset);
        assert!(again.iter().all(|(n, _)| n.is_borrowed()));
        assert!(again[0].1.is_borrowed());
        assert_eq!(j.all().len(), 11);
        assert_eq!(
            j.value(b"_MACHINE_ID").as_deref(),
            Some(&b"2dc07f7a727e4b46a1927eab9d6cd4b7"[..])
        );
        assert!(p.problems.is_empty() && p.notes.is_empty());
    }

    /// The first record of `no-rtc_system_o-json-seq.head20.txt`, then one of the sse file.
    #[test]
    fn seq_and_sse_framings() {
        let seq = b"\x1e{\"__CURSOR\":\"s=903d6e26b4ec473abddc5c25f8b9ab70;i=1;b=35e8501129134edd9df5267c49f744a4;m=599c22;t=5ebbc790fc89f;x=557fb4700ad6116a\",\"__MONOTONIC_TIMESTAMP\":\"5872674\",\"_TRANSPORT\":\"kernel\",\"__REALTIME_TIMESTAMP\":\"1666569601009823\",\"PRIORITY\":\"6\",\"_BOOT_ID\":\"35e8501129134edd9df5267c49f744a4\",\"MESSAGE\":\"Booting Linux on physical CPU 0x0000000000 [0x410fd083]\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"SYSLOG_FACILITY\":\"0\"}\n\x1e{\"MESSAGE\":\"second\",\"__REALTIME_TIMESTAMP\":\"1666569601009952\"}\n";
        let p = run(seq);
        assert_eq!((p.events.len(), p.variant), (2, "journal-json-seq"));
        assert_eq!(
            &*p.events[0].message,
            b"Booting Linux on physical CPU 0x0000000000 [0x410fd083]"
        );
        assert_eq!((p.events[0].offset, p.events[1].line), (1, 2));
        assert!(recognizes(seq));

        let sse = b"data: {\"MESSAGE\":\"Booting Linux on physical CPU 0x0000000000 [0x410fd083]\",\"_TRANSPORT\":\"kernel\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"__MONOTONIC_TIMESTAMP\":\"5872674\",\"PRIORITY\":\"6\"}\n\ndata: {\"MESSAGE\":\"x\",\"__MONOTONIC_TIMESTAMP\":\"5872804\"}\n\n";
        let p = run(sse);
        assert_eq!((p.events.len(), p.variant), (2, "journal-json-sse"));
        assert_eq!((p.stats.event_lines, p.stats.blank_lines), (2, 2));
        assert_eq!(
            p.events[1].recorded,
            RecordedTime::Monotonic { micros: 5_872_804 }
        );
        assert_eq!(
            (p.events[1].line, p.events[1].offset),
            (3, sse.iter().position(|&b| b == b'\n').unwrap() as u64 + 8)
        );
        assert!(recognizes(sse));
    }

    /// The first record of `no-rtc_system_o-json-pretty.head120.txt`, then a record cut off by
    /// `head`.
    #[test]
    fn pretty_objects_span_lines_and_a_cut_one_is_unparsed() {
        let data = b"{\n\t\"_HOSTNAME\" : \"fedora\",\n\t\"__MONOTONIC_TIMESTAMP\" : \"5872674\",\n\t\"_TRANSPORT\" : \"kernel\",\n\t\"SYSLOG_IDENTIFIER\" : \"kernel\",\n\t\"MESSAGE\" : \"Booting Linux on physical CPU 0x0000000000 [0x410fd083]\",\n\t\"_BOOT_ID\" : \"35e8501129134edd9df5267c49f744a4\",\n\t\"SYSLOG_FACILITY\" : \"0\",\n\t\"__REALTIME_TIMESTAMP\" : \"1666569601009823\",\n\t\"PRIORITY\" : \"6\"\n}\n{\n\t\"_MACHINE_ID\" : \"46eff2c0526d485fa8103457ae6f7146\",\n\t\"PRIORITY\" : \"6\",\n";
        let p = run(data);
        assert_eq!((p.events.len(), p.variant), (1, "journal-json-pretty"));
        let e = &p.events[0];
        assert_eq!((e.line, e.offset, e.lines), (1, 0, 11));
        assert_eq!(e.hostname, Some(&b"fedora"[..]));
        assert_eq!(p.stats.unparsed_lines, 3);
        assert_eq!(p.problems.len(), 1);
        let second = data.windows(3).position(|w| w == b"}\n{").unwrap() + 2;
        assert_eq!(
            (p.problems[0].line, p.problems[0].offset),
            (12, second as u64)
        );
        assert!(p.problems[0].reason.contains("cut off"));
        assert_eq!(detect("x", data), FormatKind::JournalJson);
    }

    #[test]
    fn repeated_fields_nulls_and_escapes() {
        let data = br#"{"MESSAGE":"a \"quoted\" tab\there \u00e9 \ud83d\ude00 \ud800x","_UDEV_DEVLINK":["/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001",null,[104,105]],"BIG":null,"EMPTY":[]}
{"MESSAGE":null}
"#;
        let p = run(data);
        assert_eq!(p.events.len(), 2);
        let e = &p.events[0];
        assert_eq!(
            &*e.message,
            "a \"quoted\" tab\there é 😀 \u{fffd}x".as_bytes()
        );
        assert_eq!(
            values(e, b"_UDEV_DEVLINK"),
            vec![
                &b"/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001"[..],
                b"",
                b"hi"
            ]
        );
        assert_eq!(values(e, b"BIG"), vec![&b""[..]]);
        assert_eq!(values(e, b"EMPTY"), vec![&b""[..]]);
        assert_eq!(
            p.notes,
            vec!["3 values were cut by journalctl (-o json without --all)".to_string()]
        );
    }

    #[test]
    fn invalid_objects_and_junk_lines() {
        // (input, events, event lines, blank, unparsed, problems)
        let rows: &[(&[u8], usize, u64, u64, u64, usize)] = &[
            (
                b"{\"MESSAGE\":\"ok\"}\nnot json\n{\"MESSAGE\":\"ok\"}",
                2,
                2,
                0,
                1,
                1,
            ),
            // Two junk lines in a row: one problem.
            (b"junk\nmore junk\n\n{\"MESSAGE\":\"ok\"}\n", 1, 1, 1, 2, 1),
            // A byte value over 255, a missing colon, a nested object.
            (b"{\"MESSAGE\":[256]}\n", 0, 0, 0, 1, 1),
            (
                b"{\"MESSAGE\" \"x\"}\n{\"MESSAGE\":\"ok\"}\n",
                1,
                1,
                0,
                1,
                1,
            ),
            (b"{\"MESSAGE\":{\"a\":\"b\"}}\n", 0, 0, 0, 1, 1),
            // A line cut inside a string, then a good line.
            (
                b"{\"MESSAGE\":\"cut her\n{\"MESSAGE\":\"ok\"}\n",
                1,
                1,
                0,
                1,
                1,
            ),
            // A line cut outside a string.
            (
                b"{\"MESSAGE\":\"a\",\n{\"MESSAGE\":\"ok\"}\n",
                1,
                1,
                0,
                1,
                1,
            ),
            // An empty object, a lone record separator, trailing bytes after an object.
            (b"{}\n\x1e\n{\"MESSAGE\":\"ok\"} x\n", 1, 1, 1, 1, 2),
            (b"", 0, 0, 0, 0, 0),
        ];
        for (i, (data, events, ev, blank, unparsed, problems)) in rows.iter().enumerate() {
            let p = run(data);
            assert_eq!(p.events.len(), *events, "row {i}: {:?}", p.problems);
            assert_eq!(
                (
                    p.stats.event_lines,
                    p.stats.blank_lines,
                    p.stats.unparsed_lines
                ),
                (*ev, *blank, *unparsed),
                "row {i}"
            );
            assert_eq!(p.problems.len(), *problems, "row {i}: {:?}", p.problems);
        }
    }

    #[test]
    fn recognizes_journal_json_only() {
        assert!(recognizes(MULTILINE));
        assert!(recognizes(b"  \n{\n\t\"MESSAGE\" : \"x\"\n}\n"));
        assert!(recognizes(b"data: {\"__CURSOR\":\"s=1\"}\n\n"));
        assert!(!recognizes(b"{\"level\":\"info\",\"msg\":\"x\"}\n"));
        assert!(!recognizes(
            b"Jul 29 09:56:40 pve1 pvedaemon[1]: {\"MESSAGE\":1}\n"
        ));
        assert!(!recognizes(b""));
        let bom = [BOM, MULTILINE].concat();
        assert!(recognizes(&bom));
        assert_eq!(run(&bom).events.len(), 1);
    }

    /// Every field of the objects of `data` as the eager parse keeps them and as the compact
    /// events give them back (both sorted: the compact header comes first).
    fn eager_and_compact(
        data: &[u8],
    ) -> (Vec<Vec<(Vec<u8>, Vec<u8>)>>, Vec<Vec<(Vec<u8>, Vec<u8>)>>) {
        let all = |p: &Parsed<'_>| -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
            p.events
                .iter()
                .map(super::super::journal::sorted_fields)
                .collect()
        };
        let mut eager = Parsed::new(FormatKind::JournalJson);
        parse_objects(data, &mut eager, &Limits::default(), false);
        let compact = run(data);
        assert_eq!(compact.events.len(), eager.events.len());
        (all(&eager), all(&compact))
    }

    #[test]
    fn compact_events_give_back_every_field() {
        let data = [MULTILINE, b"\n", BINARY, b"\n", MULTILINE].concat();
        let (eager, compact) = eager_and_compact(&data);
        assert_eq!(eager, compact);
        assert_eq!(eager[0].len(), 11);
        for at in 0..data.len() {
            for b in [b'\n', b'"', b'0', b'\\', b','] {
                let mut d = data.clone();
                d[at] = b;
                let (eager, compact) = eager_and_compact(&d);
                assert_eq!(eager, compact, "byte {at} = {b:#x}");
            }
        }
    }

    /// Every prefix of a mixed input, and every byte replaced by a structural byte, keeps the
    /// books balanced without panicking.
    #[test]
    fn prefixes_and_mutations_stay_balanced() {
        let data = [
            MULTILINE,
            b"\n\x1e",
            BINARY,
            b"\n\ndata: {\"MESSAGE\":[\"a\\u00e9\",null,[1,2]]}\n\n{\n\t\"MESSAGE\" : \"x\"\n}\n",
        ]
        .concat();
        for end in 0..=data.len() {
            run(&data[..end]);
        }
        for at in 0..data.len() {
            for b in [b'\n', b'"', b'{', b'}', b'\\', b'['] {
                let mut d = data.clone();
                d[at] = b;
                run(&d);
            }
        }
    }
}
