//! dmesg output in every time format, and `/dev/kmsg` records (REFERENCE.md §4).
//!
//! Each line is one of these shapes (util-linux `dmesg` options in the right column):
//!
//! ```text
//! [    1.000000] example[1]                                                      default
//! <6>[  216.000000] example[6]                                                  -r / --raw
//! kern  :notice: [  125.000000] example[5]                                      -x / --decode
//! [Fri Feb 13 23:31:30 2009] example[0]                                         -T / --ctime
//! 2009-02-13T23:31:30,123456+00:00 example[0]                                   --time-format iso
//! [Feb13 23:31] example[0]                                                      -e / --reltime (and -H), first of a minute
//! [  +7.000000] example[2]                                                      -e, the records after it
//! [<    0.000000>] new                                                          -d with --notime
//! [    8.000000 <    7.000000>] example[2]                                      -d / --show-delta
//! [    0.000000] [Fri Feb 13 23:31:30 2009] 2009-02-13T23:31:30,123456+00:00 example[0]   several formats
//! kern  :emerg : \x1b[32m[    0.000000] \x1b[0mexample[0]                      --color=always
//! 6,339,5140900,-;NET: Registered protocol family 10                           /dev/kmsg record
//!  SUBSYSTEM=acpi                                                              its dictionary lines
//! ```
//!
//! A prefix is an optional `<prio_fac>` (raw) or `facility:level:` (decode), then any number of
//! time stamps separated by one space, in any order. When several time stamps are printed, the
//! most complete one becomes [`Event::recorded`]: iso ([`RecordedTime::Absolute`]) over ctime
//! ([`RecordedTime::Local`], a year but no zone) over reltime ([`RecordedTime::Yearless`]) over
//! seconds since boot ([`RecordedTime::Monotonic`]); the seconds since boot, when printed beside
//! a wall clock, are kept in [`Event::uptime_us`]. Every time stamp is removed from the message.
//! A delta (`<    7.000000>`) is dropped: it only repeats what the neighbouring records say.
//!
//! reltime prints the month, day, hour and minute on the first record of each minute and a
//! delta to the *previous record* on the others; such a record gets the base line's minute (its
//! seconds are not printed: 0) plus the deltas accumulated since that line. The precision is
//! therefore the minute of the base line plus the deltas, within a minute of the truth.
//!
//! A message that spans several lines continues on lines indented by spaces to the message
//! column; that indentation (and no more) is removed. Only a line that comes right after a record
//! can continue it, and paste artifacts (Markdown fences, prompts, `...`) never do.
//!
//! `/dev/kmsg` records (`prio_fac,seqnum,ts_usec,flags[,ext…];text`) are followed by their
//! dictionary (` SUBSYSTEM=acpi`, lines starting with one space): those lines are continuation
//! lines of the record, so the dictionary stays in the message, after a newline. A file saved for
//! `dmesg --kmsg-file` separates records with NUL bytes rather than newlines (a record's text may
//! then hold raw newlines): a line is split at every NUL run that is followed by a record, each
//! record keeps the line's number and its own byte offset, and once such a file was seen,
//! unindented lines after a record are the rest of its text. A line of NULs alone after such a
//! record is its separator (counted as a separator line, not unparsed).
//!
//! Colour escapes (CSI sequences) are skipped between the parts of the prefix, and the reset
//! that closes the time stamp's colour is skipped before the message; the message keeps every
//! other byte, including the colours dmesg puts inside it.
//!
//! Kernel records carry no identifier: [`Event::ident`] is `kernel` for every record.
//!
//! # Known deviations
//! - `dmesg -t` (`--notime`) output has no prefix at all: its lines are only recognizable when
//!   the whole source is dmesg, and they are counted as unparsed (a line indented after a record
//!   still continues it). A `-t` line that starts with a caller id (`[T1] msg`) is a record
//!   without a time.
//! - `dmesg --json` is read by its own parser (`dmesg_json`), not here.
//! - `\xHH` escapes in kmsg text (`\x5c` for a backslash) stay as written.
//! - kmsg continuation fragments (flag `c`) are separate records, not joined to the previous one.
//! - The caller id (`[T1]`, `[C2]`) stays in the message of dmesg output; the `caller=` field of
//!   a kmsg prefix is not kept.
//! - The reltime wall clock is the base minute plus deltas (see above), and a reltime delta
//!   before any base line has no time (or the seconds since boot, when printed too).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use nom::{
    Parser as _,
    bytes::complete::{take_while, take_while_m_n, take_while1},
    character::complete::char,
};

use super::common::{self, PResult, is_paste_artifact};
use super::{LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::{Line, indent_width};

/// The output variants, in the order ties are broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Plain = 0,
    Raw = 1,
    Decode = 2,
    Ctime = 3,
    Iso = 4,
    Reltime = 5,
    Delta = 6,
    Kmsg = 7,
}

const VARIANT_NAMES: [&str; 8] = [
    "dmesg",
    "dmesg-raw",
    "dmesg-decode",
    "dmesg-ctime",
    "dmesg-iso",
    "dmesg-reltime",
    "dmesg-delta",
    "kmsg",
];

/// The most complete time stamp of a prefix, ranked from worst to best.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Best {
    /// No time stamp at all.
    None,
    /// A delta alone (`[<    7.000000>]`): no clock.
    Delta,
    /// Seconds since boot, in µs.
    Monotonic(u64),
    /// A reltime stamp: resolved against the parser's reltime state.
    Reltime,
    /// `-T`.
    Ctime(NaiveDateTime),
    /// `--time-format iso`.
    Iso(DateTime<Utc>),
}

impl Best {
    fn rank(self) -> u8 {
        match self {
            Best::None => 0,
            Best::Delta => 1,
            Best::Monotonic(_) => 2,
            Best::Reltime => 3,
            Best::Ctime(_) => 4,
            Best::Iso(_) => 5,
        }
    }
}

/// A reltime stamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rel {
    /// `[Feb13 23:31]`: month, day, hour and minute.
    Base {
        month: u32,
        day: u32,
        time: NaiveTime,
    },
    /// `[  +7.000000]`: µs since the previous record.
    Delta(i64),
}

/// One time stamp of a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stamp {
    /// `[    1.000000]`, possibly with a delta (`[    8.000000 <    7.000000>]`).
    Monotonic { micros: u64, delta: bool },
    /// `[<    0.000000>]`.
    Delta,
    /// `[Fri Feb 13 23:31:30 2009]`, possibly with a delta.
    Ctime(NaiveDateTime),
    /// `2009-02-13T23:31:30,123456+00:00`.
    Iso(DateTime<Utc>),
    /// `[Feb13 23:31]` or `[  +7.000000]`.
    Rel(Rel),
}

impl Stamp {
    /// A small number per kind of stamp.
    fn kind(self) -> u8 {
        match self {
            Stamp::Monotonic { .. } => 0,
            Stamp::Delta => 1,
            Stamp::Ctime(_) => 2,
            Stamp::Iso(_) => 3,
            Stamp::Rel(_) => 4,
        }
    }
}

/// A parsed record prefix and the message after it.
#[derive(Clone, Copy, Debug)]
struct Record<'b> {
    variant: Variant,
    best: Best,
    /// The text of the time stamp `best` came from.
    time_text: &'b [u8],
    /// Seconds since boot printed in the prefix, in µs.
    monotonic: Option<u64>,
    rel: Option<Rel>,
    priority: Option<u8>,
    facility: Option<u8>,
    message: &'b [u8],
    /// Visible width of the prefix: the indentation of the message's continuation lines.
    column: usize,
    /// A time stamp, a kmsg prefix or a decode prefix was seen (what detection trusts).
    distinct: bool,
}

/// The reltime clock: the last base line (in a leap year, so that Feb 29 exists) and the deltas
/// accumulated since.
#[derive(Clone, Copy, Debug)]
struct RelClock {
    base: NaiveDateTime,
    micros: i64,
}

/// Line parser for dmesg output and kmsg records.
#[derive(Debug, Default)]
pub struct Parser {
    counts: [u64; 8],
    /// The message column of the last record (how much indentation a continuation loses).
    column: usize,
    /// The reltime clock, once a base line was seen.
    rel: Option<RelClock>,
    /// Records separated by NUL bytes were seen (a `dmesg --kmsg-file` file).
    nul_separated: bool,
    /// Seconds since boot of the last record, to see a new boot start (the clock going back).
    last_monotonic: Option<u64>,
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        if line.text.contains(&0) {
            self.line_with_nuls(line, out);
            return;
        }
        if let Some(rec) = record(line.text) {
            self.emit(rec, &line, 0, 1, out);
        } else if pstore_header(line.text) {
            out.push_banner(None);
        } else if !self.continuation(&line, line.text, out) {
            out.push_unparsed(&line);
        }
    }

    fn variant(&self) -> &'static str {
        super::most_seen(&self.counts, &VARIANT_NAMES)
    }
}

impl Parser {
    /// A line holding NUL bytes: records separated by NULs (`dmesg --kmsg-file`), or NULs inside
    /// a message. The line is split at every NUL run that a record follows.
    fn line_with_nuls<'b>(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let text = line.text;
        let mut split = next_split(text, 0);
        let head = &text[..split.map_or(text.len(), |(nul, _)| nul)];
        let mut counted = false;
        if head.iter().any(|&b| b != 0) {
            if let Some(rec) = record(head) {
                self.emit(rec, &line, 0, 1, out);
            } else if !self.continuation(&line, head, out) {
                out.push_unparsed(&line);
            }
            counted = true;
        }
        while let Some((_, start)) = split {
            split = next_split(text, start);
            let end = split.map_or(text.len(), |(nul, _)| nul);
            let segment = text.get(start..end).unwrap_or_default();
            match record(segment) {
                Some(rec) => {
                    self.nul_separated = true;
                    self.emit(rec, &line, start, u32::from(!counted), out);
                }
                // `next_split` saw a record here; cut at the next NUL it cannot fail, but if it
                // did, the line is at least accounted for.
                None if !counted => out.push_unparsed(&line),
                None => {}
            }
            counted = true;
        }
        if !counted {
            // Nothing but NULs: the separator after the last record of a kmsg file.
            if self.nul_separated && out.last_line_was_event(&line) {
                out.push_banner(None);
            } else {
                out.push_unparsed(&line);
            }
        }
    }

    /// Attaches `text` (the line, or its part before a NUL) to the previous record when it can
    /// continue it. Returns whether it did.
    fn continuation<'b>(&self, line: &Line<'b>, text: &'b [u8], out: &mut Parsed<'b>) -> bool {
        if !out.last_line_was_event(line) || is_paste_artifact(text) {
            return false;
        }
        let indent = indent_width(text);
        if indent == 0 && !self.nul_separated {
            return false;
        }
        let strip = indent.min(self.column);
        out.push_continuation(text.get(strip..).unwrap_or_default())
    }

    fn emit<'b>(
        &mut self,
        rec: Record<'b>,
        line: &Line<'b>,
        start: usize,
        lines: u32,
        out: &mut Parsed<'b>,
    ) {
        let recorded = self.resolve(&rec);
        self.counts[rec.variant as usize] += 1;
        self.column = rec.column;
        let offset = line.offset.saturating_add(start as u64);
        let mut message = rec.message;
        if rec.variant == Variant::Kmsg {
            // The NUL that ends a record of a kmsg file is not part of its text.
            while let [head @ .., 0] = message {
                message = head;
            }
        }
        let mut event = Event::new(recorded, rec.time_text, line.number, offset, message);
        event.lines = lines;
        event.priority = rec.priority;
        event.facility = rec.facility;
        event.ident = Some(b"kernel");
        event.uptime_us = match recorded {
            RecordedTime::Monotonic { .. } => None,
            _ => rec.monotonic,
        };
        // Two boots pasted into one file: the kernel clock starts again. Each boot is anchored
        // on its own.
        if let Some(now) = rec.monotonic {
            if self.last_monotonic.is_some_and(|before| now < before) {
                out.start_boot_segment(line.number);
            }
            self.last_monotonic = Some(now);
        }
        out.push_event(event);
    }

    /// Turns the record's best time stamp into a recorded time, advancing the reltime clock.
    fn resolve(&mut self, rec: &Record<'_>) -> RecordedTime {
        match rec.rel {
            Some(Rel::Base { month, day, time }) => {
                self.rel = NaiveDate::from_ymd_opt(2000, month, day).map(|d| RelClock {
                    base: d.and_time(time),
                    micros: 0,
                });
            }
            Some(Rel::Delta(micros)) => {
                if let Some(clock) = &mut self.rel {
                    // A year of deltas is as far as a reltime clock can sensibly run.
                    const LIMIT: i64 = 366 * 86_400 * 1_000_000;
                    clock.micros = clock.micros.saturating_add(micros).clamp(-LIMIT, LIMIT);
                }
            }
            None => {}
        }
        let monotonic =
            rec.monotonic
                .map_or(RecordedTime::Missing, |micros| RecordedTime::Monotonic {
                    micros,
                });
        match rec.best {
            Best::Iso(t) => RecordedTime::Absolute(t),
            Best::Ctime(t) => RecordedTime::Local(t),
            Best::Reltime => self
                .rel
                .and_then(|c| c.base.checked_add_signed(TimeDelta::microseconds(c.micros)))
                .map_or(monotonic, |t| RecordedTime::Yearless {
                    month: t.month(),
                    day: t.day(),
                    time: t.time(),
                }),
            Best::Monotonic(micros) => RecordedTime::Monotonic { micros },
            Best::Delta | Best::None => RecordedTime::Missing,
        }
    }
}

/// The next NUL run at or after `from` that a record follows: (start of the run, start of the
/// record).
fn next_split(text: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut at = from;
    loop {
        let nul = at + text.get(at..)?.iter().position(|&b| b == 0)?;
        let after = text.get(nul..)?;
        let start = nul + after.iter().take_while(|&&b| b == 0).count();
        let rest = text.get(start..)?;
        if rest.is_empty() {
            return None;
        }
        if record(rest).is_some() {
            return Some((nul, start));
        }
        at = start;
    }
}

/// Whether `text` is a dmesg line or a kmsg record (used by detection). Lines that only a
/// dmesg source explains (a raw priority or a caller id without a time) do not count.
pub fn recognizes(text: &[u8]) -> bool {
    let start = text.iter().take_while(|&&b| b == 0).count();
    record(text.get(start..).unwrap_or_default()).is_some_and(|r| r.distinct)
}

/// Parses a record: a kmsg record, or a dmesg prefix and its message.
fn record(text: &[u8]) -> Option<Record<'_>> {
    if let Some(rec) = kmsg(text) {
        return Some(rec);
    }
    let mut rest = skip_csi(text);
    let mut variant = Variant::Plain;
    let (mut priority, mut facility) = (None, None);
    let mut distinct = false;
    if let Ok((r, p)) = raw_priority(rest) {
        variant = Variant::Raw;
        priority = Some((p & 7) as u8);
        facility = Some(u8::try_from(p >> 3).unwrap_or(u8::MAX));
        rest = r;
    } else if let Ok((r, (fac, level))) = decode(rest) {
        variant = Variant::Decode;
        distinct = true;
        priority = Some(level);
        facility = Some(fac);
        rest = r;
    }
    let mut best = Best::None;
    let mut time_text: &[u8] = &[];
    let (mut monotonic, mut rel, mut delta) = (None, None, false);
    let mut stamps = 0;
    // Each kind of stamp at most once: a message may itself start like a stamp.
    let mut seen = 0u8;
    loop {
        let candidate = skip_csi(rest);
        let Ok((after, found)) = stamp(candidate) else {
            break;
        };
        let kind = 1u8 << found.kind();
        if seen & kind != 0 {
            break;
        }
        seen |= kind;
        stamps += 1;
        let written = &candidate[..candidate.len() - after.len()];
        let this = match found {
            Stamp::Monotonic { micros, delta: d } => {
                delta |= d;
                monotonic = monotonic.or(Some(micros));
                Best::Monotonic(micros)
            }
            Stamp::Delta => {
                delta = true;
                Best::Delta
            }
            Stamp::Ctime(t) => Best::Ctime(t),
            Stamp::Iso(t) => Best::Iso(t),
            Stamp::Rel(r) => {
                rel = rel.or(Some(r));
                Best::Reltime
            }
        };
        if this.rank() > best.rank() {
            best = this;
            time_text = written;
        }
        rest = after.strip_prefix(b" ").unwrap_or(after);
    }
    if stamps > 0 {
        distinct = true;
    } else if variant == Variant::Plain {
        // `dmesg -t` with caller ids: `[T1] msg` is a record without a time.
        caller_id(rest).ok()?;
    }
    if variant == Variant::Plain {
        variant = match best {
            Best::Iso(_) => Variant::Iso,
            Best::Ctime(_) => Variant::Ctime,
            Best::Reltime => Variant::Reltime,
            _ if delta => Variant::Delta,
            _ => Variant::Plain,
        };
    }
    let message = skip_resets(rest);
    let column = visible_width(&text[..text.len() - message.len()]);
    Some(Record {
        variant,
        best,
        time_text,
        monotonic,
        rel,
        priority,
        facility,
        message,
        column,
        distinct,
    })
}

/// `prio_fac,seqnum,ts_usec,flags[,ext…];text` (kernel `Documentation/ABI/testing/dev-kmsg`).
fn kmsg(text: &[u8]) -> Option<Record<'_>> {
    fn prefix(input: &[u8]) -> PResult<'_, (u64, &[u8], u64)> {
        let (rest, (prio_fac, _, _seq, _)) =
            (common::number, char(','), common::number, char(',')).parse(input)?;
        let (rest, ts_text) = take_while1(|b: u8| b.is_ascii_digit()).parse(rest)?;
        let (mut rest, _) = char(',')(rest)?;
        // Flags: `-`, `c`, `+` (old kernels); fuzzed files leave them empty.
        let (r, _) = take_while_m_n(0, 4, |b: u8| b.is_ascii_graphic() && b != b',' && b != b';')
            .parse(rest)?;
        rest = r;
        // Extensions such as `caller=T1`.
        for _ in 0..8 {
            let Some(r) = rest.strip_prefix(b",") else {
                break;
            };
            let (r, _) = take_while_m_n(1, 64, |b: u8| {
                b.is_ascii_graphic() && b != b',' && b != b';'
            })
            .parse(r)?;
            rest = r;
        }
        let (rest, _) = char(';')(rest)?;
        let micros = common::parse_u64(ts_text);
        if micros / 1_000_000 > common::MAX_UPTIME_SECS {
            return Err(common::err(input));
        }
        Ok((rest, (prio_fac, ts_text, micros)))
    }
    let (message, (prio_fac, ts_text, micros)) = prefix(text).ok()?;
    Some(Record {
        variant: Variant::Kmsg,
        best: Best::Monotonic(micros),
        time_text: ts_text,
        monotonic: Some(micros),
        rel: None,
        priority: Some((prio_fac & 7) as u8),
        facility: Some(u8::try_from(prio_fac >> 3).unwrap_or(u8::MAX)),
        message,
        // A dictionary line starts with one space.
        column: 1,
        distinct: true,
    })
}

/// `<prio_fac>` in front of a `-r` prefix.
fn raw_priority(input: &[u8]) -> PResult<'_, u64> {
    let (rest, (_, digits, _)) = (
        char('<'),
        take_while_m_n(1, 4, |b: u8| b.is_ascii_digit()),
        char('>'),
    )
        .parse(input)?;
    Ok((rest, common::parse_u64(digits)))
}

/// A time stamp as `dmesg --json` writes it (see `dmesg_json`): seconds since boot as a
/// number (`     0.000000`, padded), or, as a string's contents, an iso or ctime stamp.
pub(super) fn json_stamp(text: &[u8]) -> Option<RecordedTime> {
    let text = text.trim_ascii();
    if let Ok((rest, Stamp::Iso(t))) = iso(text)
        && rest.trim_ascii().is_empty()
    {
        return Some(RecordedTime::Absolute(t));
    }
    if let Ok((rest, micros)) = seconds(text)
        && rest.is_empty()
    {
        return Some(RecordedTime::Monotonic { micros });
    }
    // `jq` rewrites the numbers: `0.000000` as `0`, `0.000001` as `1e-06`.
    if text.first().is_some_and(u8::is_ascii_digit)
        && text
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && let Some(secs) = std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|s| (0.0..common::MAX_UPTIME_SECS as f64).contains(s))
    {
        return Some(RecordedTime::Monotonic {
            micros: (secs * 1e6).round() as u64,
        });
    }
    // ctime's parser reads up to the `]` that closes it in dmesg's own output.
    let mut closed = text.to_vec();
    closed.push(b']');
    match ctime(&closed) {
        Ok((b"", Stamp::Ctime(t))) => Some(RecordedTime::Local(t)),
        _ => None,
    }
}

/// A facility's number from its `dmesg -x` name.
pub(super) fn facility_named(name: &[u8]) -> Option<u8> {
    FACILITIES
        .iter()
        .position(|&f| f == name)
        .and_then(|i| u8::try_from(i).ok())
}

/// A level's number from its `dmesg -x` name (`warning` and `error` as well).
pub(super) fn level_named(name: &[u8]) -> Option<u8> {
    match name {
        b"warning" => Some(4),
        b"error" => Some(3),
        _ => LEVELS
            .iter()
            .position(|&l| l == name)
            .and_then(|i| u8::try_from(i).ok()),
    }
}

/// Facility names as `dmesg -x` prints them, by number.
const FACILITIES: [&[u8]; 24] = [
    b"kern",
    b"user",
    b"mail",
    b"daemon",
    b"auth",
    b"syslog",
    b"lpr",
    b"news",
    b"uucp",
    b"cron",
    b"authpriv",
    b"ftp",
    b"res0",
    b"res1",
    b"res2",
    b"res3",
    b"local0",
    b"local1",
    b"local2",
    b"local3",
    b"local4",
    b"local5",
    b"local6",
    b"local7",
];

/// Level names as `dmesg -x` prints them, by number.
const LEVELS: [&[u8]; 8] = [
    b"emerg", b"alert", b"crit", b"err", b"warn", b"notice", b"info", b"debug",
];

/// `kern  :notice: `: the facility and level names of `-x`, each padded to six columns.
fn decode(input: &[u8]) -> PResult<'_, (u8, u8)> {
    let (rest, name) = take_while_m_n(1, 10, |b: u8| b.is_ascii_alphanumeric()).parse(input)?;
    let facility = facility_named(name).ok_or_else(|| common::err(input))?;
    let (rest, _) = (take_while(|b| b == b' '), char(':')).parse(rest)?;
    let (rest, name) = take_while_m_n(1, 10, |b: u8| b.is_ascii_alphabetic()).parse(rest)?;
    let level = level_named(name).ok_or_else(|| common::err(input))?;
    let (rest, _) = (take_while(|b| b == b' '), char(':')).parse(rest)?;
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    Ok((rest, (facility, level)))
}

/// One time stamp of any format.
fn stamp(input: &[u8]) -> PResult<'_, Stamp> {
    if input.first().is_some_and(u8::is_ascii_digit) {
        return iso(input);
    }
    let (inner, _) = char('[')(input)?;
    if let Some(r) = inner.strip_prefix(b"<") {
        let (rest, _) = (seconds, char('>'), char(']')).parse(r)?;
        return Ok((rest, Stamp::Delta));
    }
    let body = skip_spaces(inner);
    match body.first() {
        Some(b'+' | b'-') => reltime_delta(inner),
        Some(b) if b.is_ascii_digit() => {
            let (rest, micros) = seconds(inner)?;
            let (rest, delta) = opt_delta(rest)?;
            let (rest, _) = char(']')(rest)?;
            Ok((rest, Stamp::Monotonic { micros, delta }))
        }
        Some(b) if b.is_ascii_alphabetic() && inner.first() == Some(b) => {
            ctime(inner).or_else(|_| reltime_base(inner))
        }
        _ => Err(common::err(input)),
    }
}

/// `2009-02-13T23:31:30,123456+00:00`: util-linux always prints the comma and the µs, which
/// tells it from a syslog RFC 3339 stamp.
fn iso(input: &[u8]) -> PResult<'_, Stamp> {
    if input.get(19) != Some(&b',') {
        return Err(common::err(input));
    }
    let (rest, t) = common::rfc3339(input, true)?;
    Ok((rest, Stamp::Iso(t)))
}

/// `Fri Feb 13 23:31:30 2009]` (after the `[`), with a space-padded day and an optional delta.
fn ctime(input: &[u8]) -> PResult<'_, Stamp> {
    // The weekday as the locale abbreviates it (`Fri`, `Fr`, `ven.`, `mié`).
    let (rest, _weekday) = take_while_m_n(2, 12, |b: u8| {
        b.is_ascii_alphabetic() || b == b'.' || b >= 0x80
    })
    .parse(input)?;
    let (rest, _) = char(' ')(rest)?;
    let (rest, month) = common::month(rest)?;
    let (rest, _) = take_while_m_n(1, 2, |b| b == b' ').parse(rest)?;
    let (rest, day) = take_while_m_n(1, 2, |b: u8| b.is_ascii_digit()).parse(rest)?;
    let (rest, _) = char(' ')(rest)?;
    let (rest, time) = common::time_of_day(rest, false)?;
    let (rest, _) = char(' ')(rest)?;
    let (rest, year) = common::digits_n(4)(rest)?;
    let (rest, _) = opt_delta(rest)?;
    let (rest, _) = char(']')(rest)?;
    let date = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, common::parse_u32(day)))
        .ok_or_else(|| common::err(input))?;
    Ok((rest, Stamp::Ctime(date.and_time(time))))
}

/// `Feb13 23:31]` (after the `[`): the reltime base line.
fn reltime_base(input: &[u8]) -> PResult<'_, Stamp> {
    let (rest, month) = common::month(input)?;
    let rest = skip_spaces(rest);
    let (rest, day) = take_while_m_n(1, 2, |b: u8| b.is_ascii_digit()).parse(rest)?;
    let (rest, (_, hour, _, minute, _)) = (
        char(' '),
        common::digits_n(2),
        char(':'),
        common::digits_n(2),
        char(']'),
    )
        .parse(rest)?;
    let day = common::parse_u32(day);
    let time = NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(|| common::err(input))?;
    if !(1..=31).contains(&day) {
        return Err(common::err(input));
    }
    Ok((rest, Stamp::Rel(Rel::Base { month, day, time })))
}

/// `  +7.000000]` (after the `[`): a reltime delta to the previous record.
fn reltime_delta(input: &[u8]) -> PResult<'_, Stamp> {
    let rest = skip_spaces(input);
    let (rest, sign) = nom::branch::alt((char('+'), char('-'))).parse(rest)?;
    let (rest, micros) = seconds(rest)?;
    let (rest, _) = char(']')(rest)?;
    let micros = i64::try_from(micros).unwrap_or(i64::MAX);
    let micros = if sign == '-' { -micros } else { micros };
    Ok((rest, Stamp::Rel(Rel::Delta(micros))))
}

/// ` <    7.000000>` inside a bracket, after the main stamp: whether there was one.
fn opt_delta(input: &[u8]) -> PResult<'_, bool> {
    let Some(r) = skip_spaces(input).strip_prefix(b"<") else {
        return Ok((input, false));
    };
    let (rest, _) = (seconds, char('>')).parse(r)?;
    Ok((rest, true))
}

/// `   12.345678`: optional padding, seconds, a point and 1–9 fraction digits, as µs.
fn seconds(input: &[u8]) -> PResult<'_, u64> {
    let rest = skip_spaces(input);
    let (rest, secs) = common::number(rest)?;
    let (rest, _) = char('.')(rest)?;
    let (rest, frac) = take_while_m_n(1, 9, |b: u8| b.is_ascii_digit()).parse(rest)?;
    if secs > common::MAX_UPTIME_SECS {
        return Err(common::err(input));
    }
    Ok((rest, secs * 1_000_000 + common::frac_micros(frac)))
}

/// `[T1] ` / `[    C12] `: a printk caller id (CONFIG_PRINTK_CALLER).
fn caller_id(input: &[u8]) -> PResult<'_, ()> {
    let (rest, _) = char('[')(input)?;
    let rest = skip_spaces(rest);
    let (rest, _) = nom::branch::alt((char('T'), char('C'))).parse(rest)?;
    let (rest, _) = (
        take_while_m_n(1, 10, |b: u8| b.is_ascii_digit()),
        char(']'),
        char(' '),
    )
        .parse(rest)?;
    Ok((rest, ()))
}

fn skip_spaces(input: &[u8]) -> &[u8] {
    let n = input.iter().take_while(|&&b| b == b' ').count();
    &input[n..]
}

/// Skips every CSI sequence at the start of `input`.
fn skip_csi(mut input: &[u8]) -> &[u8] {
    while let Some(n) = common::csi_len(input) {
        input = &input[n..];
    }
    input
}

/// Skips the colour resets (`ESC[0m`, `ESC[m`) that close the prefix's colour.
fn skip_resets(mut input: &[u8]) -> &[u8] {
    while let Some(rest) = input
        .strip_prefix(b"\x1b[0m")
        .or_else(|| input.strip_prefix(b"\x1b[m"))
    {
        input = rest;
    }
    input
}

/// Width of `text` on a terminal, CSI sequences excluded.
fn visible_width(mut text: &[u8]) -> usize {
    let mut width = 0;
    while let Some(&b) = text.first() {
        match common::csi_len(text) {
            Some(n) => text = &text[n..],
            None => {
                // Count characters, not bytes (a localized month name).
                width += usize::from(b & 0xc0 != 0x80);
                text = &text[1..];
            }
        }
    }
    width
}

/// The header the kernel writes at the top of each pstore dmesg record (`Panic#1 Part1`,
/// `Oops#2 Part3`; `kmsg_dump_reason_str`): the record's reason and part, not a log line.
fn pstore_header(text: &[u8]) -> bool {
    let text = text.trim_ascii();
    let Some(hash) = text.iter().position(|&b| b == b'#') else {
        return false;
    };
    let (reason, rest) = text.split_at(hash);
    let rest = rest.get(1..).unwrap_or_default();
    let Some(space) = rest.iter().position(|&b| b == b' ') else {
        return false;
    };
    let (count, part) = (&rest[..space], &rest[space + 1..]);
    matches!(
        reason,
        b"Panic"
            | b"Oops"
            | b"Emergency"
            | b"Restart"
            | b"Halt"
            | b"Poweroff"
            | b"Shutdown"
            | b"Unknown"
    ) && !count.is_empty()
        && count.iter().all(u8::is_ascii_digit)
        && part
            .strip_prefix(b"Part")
            .is_some_and(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FormatKind, parse};
    use chrono::Timelike;

    fn run(data: &[u8]) -> Parsed<'_> {
        let parsed = parse(FormatKind::Dmesg, data, &crate::limits::Limits::default());
        assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
        parsed
    }

    fn one(line: &[u8]) -> Event<'_> {
        let parsed = run(line);
        assert_eq!(parsed.events.len(), 1, "{}", String::from_utf8_lossy(line));
        assert_eq!(parsed.stats.unparsed_lines, 0);
        parsed.events.into_iter().next().unwrap()
    }

    fn mono(secs: u64, micros: u64) -> RecordedTime {
        RecordedTime::Monotonic {
            micros: secs * 1_000_000 + micros,
        }
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> RecordedTime {
        RecordedTime::Local(
            NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_opt(h, mi, s)
                .unwrap(),
        )
    }

    fn iso_at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> RecordedTime {
        let t = NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_micro_opt(h, mi, s, us)
            .unwrap();
        RecordedTime::Absolute(t.and_utc())
    }

    fn yearless(month: u32, day: u32, h: u32, m: u32, s: u32) -> RecordedTime {
        RecordedTime::Yearless {
            month,
            day,
            time: NaiveTime::from_hms_opt(h, m, s).unwrap(),
        }
    }

    /// Real lines from util-linux's expected dmesg outputs, the kernel's dev-kmsg document and
    /// systemd's kmsg fuzz inputs: (line, time, time text, message, priority, facility, variant).
    #[test]
    fn prefix_table() {
        type Row<'a> = (
            &'a [u8],
            RecordedTime,
            &'a [u8],
            &'a [u8],
            Option<u8>,
            Option<u8>,
            &'a str,
        );
        let table: &[Row<'_>] = &[
            (
                b"[    1.000000] example[1]",
                mono(1, 0),
                b"[    1.000000]",
                b"example[1]",
                None,
                None,
                "dmesg",
            ),
            (
                b"[1124864.000000] example[104]",
                mono(1_124_864, 0),
                b"[1124864.000000]",
                b"example[104]",
                None,
                None,
                "dmesg",
            ),
            (
                b"[    0.209670] [T14]   #1  #3  #5  #7",
                mono(0, 209_670),
                b"[    0.209670]",
                b"[T14]   #1  #3  #5  #7",
                None,
                None,
                "dmesg",
            ),
            (
                b"<6>[  216.000000] example[6]",
                mono(216, 0),
                b"[  216.000000]",
                b"example[6]",
                Some(6),
                Some(0),
                "dmesg-raw",
            ),
            (
                b"<14>[ 2744.000000] example[14]",
                mono(2744, 0),
                b"[ 2744.000000]",
                b"example[14]",
                Some(6),
                Some(1),
                "dmesg-raw",
            ),
            (
                b"<1>[    1.000000] [    T1] example[1]",
                mono(1, 0),
                b"[    1.000000]",
                b"[    T1] example[1]",
                Some(1),
                Some(0),
                "dmesg-raw",
            ),
            (
                b"kern  :notice: [  125.000000] example[5]",
                mono(125, 0),
                b"[  125.000000]",
                b"example[5]",
                Some(5),
                Some(0),
                "dmesg-decode",
            ),
            (
                b"authpriv:notice: [614125.000000] example[85]",
                mono(614_125, 0),
                b"[614125.000000]",
                b"example[85]",
                Some(5),
                Some(10),
                "dmesg-decode",
            ),
            (
                b"local2:info  : [4557523.000000] example[105]",
                mono(4_557_523, 0),
                b"[4557523.000000]",
                b"example[105]",
                Some(6),
                Some(18),
                "dmesg-decode",
            ),
            (
                b"daemon:info  : [   10.441520] [T31] systemd[1]: systemd 254.7-1.fc39 running in system mode",
                mono(10, 441_520),
                b"[   10.441520]",
                b"[T31] systemd[1]: systemd 254.7-1.fc39 running in system mode",
                Some(6),
                Some(3),
                "dmesg-decode",
            ),
            (
                b"[Fri Feb 13 23:31:30 2009] example[0]",
                local(2009, 2, 13, 23, 31, 30),
                b"[Fri Feb 13 23:31:30 2009]",
                b"example[0]",
                None,
                None,
                "dmesg-ctime",
            ),
            (
                // `%e`: a space-padded day.
                b"[Sun Mar  1 00:00:05 2009] example[0]",
                local(2009, 3, 1, 0, 0, 5),
                b"[Sun Mar  1 00:00:05 2009]",
                b"example[0]",
                None,
                None,
                "dmesg-ctime",
            ),
            (
                b"2009-02-13T23:31:30,123456+00:00 example[0]",
                iso_at(2009, 2, 13, 23, 31, 30, 123_456),
                b"2009-02-13T23:31:30,123456+00:00",
                b"example[0]",
                None,
                None,
                "dmesg-iso",
            ),
            (
                // util-linux < 2.32 printed the offset with strftime's `%z`.
                b"2009-02-13T23:31:30,123456+0000 example[0]",
                iso_at(2009, 2, 13, 23, 31, 30, 123_456),
                b"2009-02-13T23:31:30,123456+0000",
                b"example[0]",
                None,
                None,
                "dmesg-iso",
            ),
            (
                b"[<    0.000000>] new",
                RecordedTime::Missing,
                b"[<    0.000000>]",
                b"new",
                None,
                None,
                "dmesg-delta",
            ),
            (
                b"[    8.000000 <    7.000000>] example[2]",
                mono(8, 0),
                b"[    8.000000 <    7.000000>]",
                b"example[2]",
                None,
                None,
                "dmesg-delta",
            ),
            (
                b"[    0.000000] [Fri Feb 13 23:31:30 2009] 2009-02-13T23:31:30,123456+00:00 example[0]",
                iso_at(2009, 2, 13, 23, 31, 30, 123_456),
                b"2009-02-13T23:31:30,123456+00:00",
                b"example[0]",
                None,
                None,
                "dmesg-iso",
            ),
            (
                b"2009-02-13T23:31:38,123456+00:00 [<    7.000000>] example[2]",
                iso_at(2009, 2, 13, 23, 31, 38, 123_456),
                b"2009-02-13T23:31:38,123456+00:00",
                b"example[2]",
                None,
                None,
                "dmesg-iso",
            ),
            (
                b"[    8.000000 <    7.000000>] [Fri Feb 13 23:31:38 2009] example[2]",
                local(2009, 2, 13, 23, 31, 38),
                b"[Fri Feb 13 23:31:38 2009]",
                b"example[2]",
                None,
                None,
                "dmesg-ctime",
            ),
            (
                b"[T0] line zero",
                RecordedTime::Missing,
                b"",
                b"[T0] line zero",
                None,
                None,
                "dmesg",
            ),
            (
                b"6,339,5140900,-;NET: Registered protocol family 10",
                mono(5, 140_900),
                b"5140900",
                b"NET: Registered protocol family 10",
                Some(6),
                Some(0),
                "kmsg",
            ),
            (
                b"0,0,0,-,caller=T1;Linux version 6.6.4-arch1-1 (linux@archlinux) (gcc (GCC) 13.2.1 20230801, GNU ld (GNU Binutils) 2.41.0) #1 SMP PREEMPT_DYNAMIC Mon, 04 Dec 2023 00:29:19 +0000",
                mono(0, 0),
                b"0",
                b"Linux version 6.6.4-arch1-1 (linux@archlinux) (gcc (GCC) 13.2.1 20230801, GNU ld (GNU Binutils) 2.41.0) #1 SMP PREEMPT_DYNAMIC Mon, 04 Dec 2023 00:29:19 +0000",
                Some(0),
                Some(0),
                "kmsg",
            ),
            (
                b"4,311,209670,c;  #1  #3  #5  #7",
                mono(0, 209_670),
                b"209670",
                b"  #1  #3  #5  #7",
                Some(4),
                Some(0),
                "kmsg",
            ),
            (
                b"29,456,292891883,-;systemd[1]: Reexecuting.",
                mono(292, 891_883),
                b"292891883",
                b"systemd[1]: Reexecuting.",
                Some(5),
                Some(3),
                "kmsg",
            ),
            (
                b"1,1,1,-;Command line: initrd=\\x5cucode.img initrd=\\x5cinitramfs-linux.img rw",
                mono(0, 1),
                b"1",
                b"Command line: initrd=\\x5cucode.img initrd=\\x5cinitramfs-linux.img rw",
                Some(1),
                Some(0),
                "kmsg",
            ),
        ];
        for &(line, recorded, time_text, message, priority, facility, variant) in table {
            let ctx = String::from_utf8_lossy(line);
            let parsed = run(line);
            assert_eq!(parsed.stats.unparsed_lines, 0, "{ctx}");
            assert_eq!(parsed.variant, variant, "{ctx}");
            let e = &parsed.events[0];
            assert_eq!(e.recorded, recorded, "{ctx}");
            assert_eq!(e.time_text, time_text, "{ctx}");
            assert_eq!(&*e.message, message, "{ctx}");
            assert_eq!((e.priority, e.facility), (priority, facility), "{ctx}");
            assert_eq!(e.ident, Some(&b"kernel"[..]), "{ctx}");
            assert_eq!((e.line, e.offset, e.lines), (1, 0, 1), "{ctx}");
        }
    }

    #[test]
    fn ctime_in_other_locales() {
        let e = one("[Fr Mär  6 04:07:28 2026] Hallo".as_bytes());
        assert_eq!(e.recorded, local(2026, 3, 6, 4, 7, 28));
        assert_eq!(&*e.message, b"Hallo");
        let e = one("[mié dic 24 23:59:59 2025] hola".as_bytes());
        assert_eq!(e.recorded, local(2025, 12, 24, 23, 59, 59));
    }

    #[test]
    fn combined_formats_keep_the_uptime() {
        let e = one(
            b"[  125.000000] [Fri Feb 13 23:33:35 2009] 2009-02-13T23:33:35,123456+00:00 example[5]",
        );
        assert_eq!(e.uptime_us, Some(125_000_000));
        let RecordedTime::Absolute(t) = e.recorded else {
            panic!("expected the iso time")
        };
        assert_eq!((t.minute(), t.second()), (33, 35));
        assert_eq!(&*e.message, b"example[5]");
        assert_eq!(one(b"[  125.000000] example[5]").uptime_us, None);
    }

    #[test]
    fn a_message_that_starts_like_a_stamp_keeps_it() {
        let e = one(b"[    5.000000] [    6.000000] quoted");
        assert_eq!(e.recorded, mono(5, 0));
        assert_eq!(&*e.message, b"[    6.000000] quoted");
        let e = one(b"[    5.000000] [Firmware Bug]: TSC doesn't count with P0 frequency!");
        assert_eq!(
            &*e.message,
            b"[Firmware Bug]: TSC doesn't count with P0 frequency!"
        );
    }

    #[test]
    fn colour_escapes_around_the_prefix() {
        let data = b"kern  :emerg : \x1b[32m[    0.000000] \x1b[0mexample[0]\n\
kern  :alert : \x1b[32m[    1.000000] \x1b[0m\x1b[7m\x1b[31mexample[1]\x1b[0m\n\
kern  :alert : \x1b[32m[    0.000001] \x1b[0m[T2] \x1b[33mCommand line: \x1b[0m\x1b[7m\x1b[31minitrd=\\ucode.img\x1b[0m\n";
        let parsed = run(data);
        assert_eq!(parsed.stats.unparsed_lines, 0);
        assert_eq!(parsed.variant, "dmesg-decode");
        let e = &parsed.events;
        assert_eq!(e.len(), 3);
        assert_eq!(
            (e[0].recorded, &*e[0].message),
            (mono(0, 0), &b"example[0]"[..])
        );
        assert_eq!(e[0].time_text, b"[    0.000000]");
        assert_eq!(e[0].priority, Some(0));
        assert_eq!(&*e[1].message, b"\x1b[7m\x1b[31mexample[1]\x1b[0m");
        assert_eq!(e[1].priority, Some(1));
        assert_eq!(
            &*e[2].message,
            b"[T2] \x1b[33mCommand line: \x1b[0m\x1b[7m\x1b[31minitrd=\\ucode.img\x1b[0m"
        );
        assert!(recognizes(b"\x1b[32m[    0.000000] \x1b[0mexample[0]"));
    }

    #[test]
    fn reltime_base_minute_plus_deltas() {
        let data = b"[Feb13 23:31] [T0] line zero\n\
[  +0.000000] [T1] new\n\
[  +1.000000] [T2] two\n\
[  +1.500000] [T3] three\n\
[Feb13 23:32] example[4]\n\
[ +19.000000] example[5]\n";
        let parsed = run(data);
        assert_eq!(parsed.variant, "dmesg-reltime");
        let times: Vec<_> = parsed.events.iter().map(|e| e.recorded).collect();
        let mut three = yearless(2, 13, 23, 31, 2);
        if let RecordedTime::Yearless { time, .. } = &mut three {
            *time = NaiveTime::from_hms_micro_opt(23, 31, 2, 500_000).unwrap();
        }
        assert_eq!(
            times,
            vec![
                yearless(2, 13, 23, 31, 0),
                yearless(2, 13, 23, 31, 0),
                yearless(2, 13, 23, 31, 1),
                three,
                yearless(2, 13, 23, 32, 0),
                yearless(2, 13, 23, 32, 19),
            ]
        );
        assert_eq!(parsed.events[0].time_text, b"[Feb13 23:31]");
        assert_eq!(parsed.events[1].time_text, b"[  +0.000000]");
        assert_eq!(&*parsed.events[3].message, b"[T3] three");
    }

    #[test]
    fn reltime_delta_without_a_base_has_no_time() {
        let parsed = run(b"[  +7.000000] example[2]\n");
        assert_eq!(parsed.events[0].recorded, RecordedTime::Missing);
        assert_eq!(&*parsed.events[0].message, b"example[2]");
    }

    #[test]
    fn reltime_with_ctime_takes_ctime_and_keeps_the_clock() {
        let data = b"[Feb13 23:31] [Fri Feb 13 23:31:30 2009 <    0.000000>] example[0]\n\
[  +7.000000] [Fri Feb 13 23:31:38 2009 <    7.000000>] example[2]\n";
        let parsed = run(data);
        assert_eq!(parsed.variant, "dmesg-ctime");
        assert_eq!(parsed.events[1].recorded, local(2009, 2, 13, 23, 31, 38));
        assert_eq!(&*parsed.events[1].message, b"example[2]");
    }

    #[test]
    fn continuation_lines_lose_the_message_column() {
        let data = b"[    1.000000] new\n               line\n[    2.000000] two\n               new\n                 lines\n\
user  :crit  : [    1.000000] new\n                              line\n\
[<    0.000000>] new\n                 line\n\
2009-02-13T23:31:31,123456+00:00 new\n                                 line\n";
        let parsed = run(data);
        assert_eq!(parsed.stats.unparsed_lines, 0);
        let msgs: Vec<_> = parsed.events.iter().map(|e| e.message.to_vec()).collect();
        assert_eq!(
            msgs,
            vec![
                b"new\nline".to_vec(),
                b"two\nnew\n  lines".to_vec(),
                b"new\nline".to_vec(),
                b"new\nline".to_vec(),
                b"new\nline".to_vec(),
            ]
        );
        assert_eq!(parsed.events[1].lines, 3);
        assert_eq!(parsed.stats.event_lines, 11);
    }

    #[test]
    fn notime_prompts_and_errors_are_unparsed() {
        let data = b"root@pve:~# dmesg -T\n\
[    1.000000] new\n\
line\n\
```\n\
    indented after a fence\n\
dmesg: read kernel buffer failed: Operation not permitted\n\
...\n";
        let parsed = run(data);
        assert_eq!(parsed.events.len(), 1);
        assert_eq!(&*parsed.events[0].message, b"new");
        assert_eq!(parsed.stats.unparsed_lines, 6);
        assert_eq!(parsed.unparsed_examples[0].line, 1);
        assert_eq!(parsed.unparsed_examples[1].text, "line");
    }

    #[test]
    fn kmsg_dictionary_lines_belong_to_the_record() {
        let data = b"7,160,424069,-;pci_root PNP0A03:00: host bridge window [io  0x0000-0x0cf7] (ignored)\n SUBSYSTEM=acpi\n DEVICE=+acpi:PNP0A03:00\n6,339,5140900,-;NET: Registered protocol family 10\n";
        let parsed = run(data);
        assert_eq!(parsed.stats.unparsed_lines, 0);
        assert_eq!(parsed.variant, "kmsg");
        let e = &parsed.events;
        assert_eq!(e.len(), 2);
        assert_eq!(
            &*e[0].message,
            b"pci_root PNP0A03:00: host bridge window [io  0x0000-0x0cf7] (ignored)\nSUBSYSTEM=acpi\nDEVICE=+acpi:PNP0A03:00"
        );
        assert_eq!(
            (e[0].lines, e[0].priority, e[0].facility),
            (3, Some(7), Some(0))
        );
        assert_eq!((e[1].line, e[1].offset), (4, 126));
    }

    #[test]
    fn kmsg_file_records_separated_by_nul() {
        // `dmesg --kmsg-file` input: each record ends with a newline and a NUL.
        let data = b"0,0,0,-;Linux version 6.6.4-arch1-1\n\x001,1,1,-;Command line: initrd=\\x5cucode.img\n\x006,438,377378,-;acpi PNP0A08:00: _OSC: OS supports\n SUBSYSTEM=acpi\n\x00";
        let parsed = run(data);
        assert_eq!(parsed.stats.unparsed_lines, 0);
        assert_eq!(parsed.stats.banner_lines, 1);
        let e = &parsed.events;
        assert_eq!(e.len(), 3);
        assert_eq!((e[1].line, e[1].offset), (2, 37));
        assert_eq!(&*e[1].message, b"Command line: initrd=\\x5cucode.img");
        assert_eq!(e[1].recorded, mono(0, 1));
        assert_eq!(
            &*e[2].message,
            b"acpi PNP0A08:00: _OSC: OS supports\nSUBSYSTEM=acpi"
        );
    }

    #[test]
    fn kmsg_file_records_on_one_line_and_raw_newlines() {
        // Records separated by NULs only, one holding a raw newline (`cid-kmsg-newlines`).
        let data = b"5,0,0,-,caller=T0;line zero\x0010,1,1000000,-,caller=T1;new\nline\n\x0020,1,2000000,-,caller=T2;two\n";
        let parsed = run(data);
        assert_eq!(parsed.stats.unparsed_lines, 0);
        let e = &parsed.events;
        assert_eq!(e.len(), 3);
        assert_eq!((e[0].line, e[0].offset, e[0].lines), (1, 0, 1));
        assert_eq!(&*e[0].message, b"line zero");
        assert_eq!((e[1].line, e[1].offset, e[1].lines), (1, 28, 1));
        assert_eq!(&*e[1].message, b"new\nline");
        assert_eq!((e[1].priority, e[1].facility), (Some(2), Some(1)));
        assert_eq!((e[2].line, e[2].offset), (3, 63));
        assert_eq!(parsed.stats.event_lines, 3);
    }

    #[test]
    fn nul_only_lines_outside_kmsg_files_are_unparsed() {
        let parsed = run(b"[    1.000000] x\n\x00\x00\x00\n");
        assert_eq!(parsed.stats.unparsed_lines, 1);
        let parsed = run(b"[    1.000000] x\x00\x00\n");
        assert_eq!(&*parsed.events[0].message, b"x\x00\x00");
    }

    #[test]
    fn text_before_a_nul_separated_record_is_unparsed_once() {
        let data = b"garbage\x00\x00[    1.000000] x\n";
        let parsed = run(data);
        assert_eq!(parsed.stats.unparsed_lines, 1);
        assert_eq!(parsed.stats.event_lines, 0);
        assert_eq!(parsed.events.len(), 1);
        assert_eq!((parsed.events[0].offset, parsed.events[0].lines), (9, 0));
        assert_eq!(&*parsed.events[0].message, b"x");
    }

    #[test]
    fn a_second_boot_starts_a_new_segment() {
        let parsed = run(b"[    0.000000] Linux version 6.8.12-4-pve\n[   12.000000] a\n[    0.000000] Linux version 6.8.12-4-pve\n[    3.000000] b\n");
        let boots: Vec<u32> = parsed.events.iter().map(|e| e.boot).collect();
        assert_eq!(boots, [0, 0, 1, 1]);
        assert_eq!(parsed.stats.banner_lines, 0);
        assert!(parsed.stats.balanced());
    }

    #[test]
    fn variant_is_the_one_seen_most() {
        let data = b"[    1.000000] a\n<6>[  216.000000] b\n<6>[  217.000000] c\n";
        assert_eq!(run(data).variant, "dmesg-raw");
        assert_eq!(run(b"").variant, "dmesg");
    }

    #[test]
    fn detection_sees_dmesg_lines_only() {
        for line in [
            &b"[    1.000000] example[1]"[..],
            b"<6>[  216.000000] example[6]",
            b"kern  :notice: [  125.000000] example[5]",
            b"[Fri Feb 13 23:31:30 2009] example[0]",
            b"2009-02-13T23:31:30,123456+00:00 example[0]",
            b"[Feb13 23:31] example[0]",
            b"[  +7.000000] example[2]",
            b"[<    0.000000>] new",
            b"6,339,5140900,-;NET: Registered protocol family 10",
            b"\x001,1,1,-;Command line: initrd=\\x5cucode.img",
        ] {
            assert!(recognizes(line), "{}", String::from_utf8_lossy(line));
        }
        for line in [
            &b"Mar  6 04:07:28 hostname systemd[1]: Stopping Regular background program processing daemon..."[..],
            b"2020-05-31T00:00:45.738158+00:00 localhost systemd[1]: Reloaded System Logging Service.",
            b"2020-05-31T00:00:45+00:00 localhost systemd[1]: Reloaded System Logging Service.",
            b"<30>Mar  6 04:07:23 hostname systemd[1]: Stopped x.",
            b"dmesg: read kernel buffer failed: Operation not permitted",
            b"[T0] line zero",
            b" SUBSYSTEM=acpi",
            b"8,0,1;2,0,7;",
        ] {
            assert!(!recognizes(line), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn hostile_numbers_saturate() {
        // Uptimes past a century are corrupt text, not records.
        let parsed = run(b"<9999>[99999999999999999999.999999999] x\n");
        assert!(
            parsed
                .events
                .iter()
                .all(|e| !matches!(e.recorded, RecordedTime::Monotonic { .. })),
            "{:?}",
            parsed.events
        );
        let parsed = run(b"99999999999999999999,1,99999999999999999999,-;x\n");
        assert_eq!((parsed.events.len(), parsed.stats.unparsed_lines), (0, 1));
        let e = one(b"<9999>[    1.000000] x");
        assert_eq!((e.priority, e.facility), (Some(7), Some(255)));
        let parsed = run(b"[Feb13 23:31] a\n[+99999999999999999999.000000] b\n[Feb31 23:31] c\n[  +1.000000] d\n");
        // The absurd delta is not a record; `d` follows an impossible base date: no time.
        assert_eq!((parsed.events.len(), parsed.stats.unparsed_lines), (3, 1));
        assert_eq!(parsed.events[2].recorded, RecordedTime::Missing);
    }

    proptest::proptest! {
        /// Any bytes, built from the pieces of real prefixes so that the parser goes deep:
        /// no panic, and every line is accounted for.
        #[test]
        fn arbitrary_input_stays_balanced(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(&b"[    1.000000] "[..]),
                    proptest::strategy::Just(&b"<6>"[..]),
                    proptest::strategy::Just(&b"kern  :info  : "[..]),
                    proptest::strategy::Just(&b"[Feb13 23:31] "[..]),
                    proptest::strategy::Just(&b"[  +1.5] "[..]),
                    proptest::strategy::Just(&b"[Fri Feb 13 23:31:30 2009 <    0.1>] "[..]),
                    proptest::strategy::Just(&b"2009-02-13T23:31:30,123456+00:00 "[..]),
                    proptest::strategy::Just(&b"6,339,5140900,-,caller=T1;"[..]),
                    proptest::strategy::Just(&b"\x1b[32m"[..]),
                    proptest::strategy::Just(&b"\x00"[..]),
                    proptest::strategy::Just(&b"\n"[..]),
                    proptest::strategy::Just(&b" "[..]),
                    proptest::strategy::Just(&b"x"[..]),
                    proptest::strategy::Just(&b"[T1] "[..]),
                ],
                0..40,
            ),
            noise in proptest::collection::vec(proptest::num::u8::ANY, 0..16),
        ) {
            let mut data: Vec<u8> = pieces.concat();
            data.extend_from_slice(&noise);
            let parsed = parse(FormatKind::Dmesg, &data, &crate::limits::Limits::default());
            proptest::prop_assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
            let _ = recognizes(&data);
        }
    }
}
