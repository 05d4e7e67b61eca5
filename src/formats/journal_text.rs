//! journalctl text output, every `short*` mode (REFERENCE.md §2.2–2.3, §2.5).
//!
//! One layout, `<TIMESTAMP> <HOSTNAME> <IDENT>[<PID>]: <MESSAGE>` (kernel lines have no pid),
//! with eight timestamp notations, told apart line by line:
//!
//! ```text
//! Jul 29 09:56:40 pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.                short
//! Jul 29 09:56:40.006000 pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.         short-precise
//! 2025-07-29T11:56:40+0200 pve1 kernel: Out of memory: Killed process 4242 (kvm) …          short-iso (≤ 252; 257: +02:00)
//! 2022-10-24T00:00:00.994371+0000 fedora kernel: Booting Linux on physical CPU 0x0000000000 short-iso-precise
//! Tue 2025-07-29 09:56:40 UTC pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.    short-full (and with-unit)
//! 1753783000.005000 pve1 systemd[1]: 101.scope: A process of this unit has been killed …    short-unix
//! [86400.005000] pve1 systemd[1]: 101.scope: A process of this unit has been killed …       short-monotonic
//! [    0.000000 <    0.000010*>] fedora kernel: Booting Linux on physical CPU 0x0000000000  short-delta
//! ```
//!
//! Times are recorded as written: `short`/`short-precise` are [`RecordedTime::Yearless`] (local
//! time of the machine that ran journalctl, no year, no zone); `short-iso*` and `short-unix` are
//! [`RecordedTime::Absolute`]; `short-full` is absolute when its zone is `UTC`, `GMT`, `Z` or a
//! numeric offset (`+0200`, `+02`), and [`RecordedTime::Local`] for any other abbreviation
//! (`CEST`, `EST`): an abbreviation does not name one offset, so the clock stage applies the
//! machine's zone (the abbreviation stays readable in `time_text`). `short-monotonic` and
//! `short-delta` are [`RecordedTime::Monotonic`] (the delta part of `short-delta` is dropped).
//!
//! Lines that are not entries (REFERENCE.md §2.3) are banners, never events:
//!
//! ```text
//! -- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --       boot boundary with its id (systemd ≥ 247)
//! -- Reboot --                                      boot boundary without an id (≤ 246, mini-journalreader)
//! -- Logs begin at …, end at …. --                  header (≤ 246)
//! -- Journal begins at …, ends at …. --             header (247)
//! -- No entries --                                  nothing matched
//! -- cursor: s=…                                    --show-cursor
//! s=0b5e…;i=1;b=5ea5…;m=59607a;t=5ebbc790f8c43;x=…  first/last line of Proxmox's mini-journalreader
//! ░░ Subject: A start job for unit … has finished   catalog text of `journalctl -x` (≥ 246)
//! ```
//!
//! A multi-line MESSAGE is printed with its further lines indented by spaces to the message
//! column. An indented line right after an entry (or its continuation) continues it, with the
//! prefix width removed when it has that many leading spaces, or all leading white space
//! otherwise. Paste artifacts and anything else are unparsed. Lines cut at the terminal width
//! (ending in `…`) and `[18B blob data]` messages are ordinary entries.
//!
//! # Known deviations
//! - `-o verbose`, `export` and `json*` have parsers of their own ([`super::journal_verbose`],
//!   [`super::journal_export`], [`super::journal_json`]), which detection picks before this one;
//!   forced through this parser, their lines are unparsed. `-o cat` (messages only) is unparsed.
//! - Proxmox's mini-journalreader prints a multi-line MESSAGE raw, without indentation: its
//!   further lines are counted unparsed rather than attached.
//! - An empty line inside a multi-line MESSAGE ends the record; the indented lines after it are
//!   unparsed (the driver counts blank lines before the parser sees them).
//! - Catalog text in the pre-246 notation (`-- Subject: …`, `-- ` body lines) is unparsed; only
//!   the `░░ ` notation is recognized as a banner.
//! - A `short-full` zone abbreviation is not resolved here (see above), and `with-unit` output is
//!   read as `short-full` with the unit name in [`Event::ident`].
//! - With `--no-hostname` the host field is absent; a first token ending in `:` is taken as the
//!   identifier.

use chrono::{DateTime, NaiveDateTime};
use nom::{
    Parser as _,
    bytes::complete::{take_while, take_while_m_n, take_while1},
    character::complete::char,
    combinator::opt,
};

use super::common::{self, PResult, err, is_paste_artifact};
use super::{BootMark, LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::{Line, indent_width};

/// The `short*` timestamp notations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Short = 0,
    ShortPrecise = 1,
    ShortIso = 2,
    ShortIsoPrecise = 3,
    ShortFull = 4,
    ShortUnix = 5,
    ShortMonotonic = 6,
    ShortDelta = 7,
}

const MODE_NAMES: [&str; 8] = [
    "journal-short",
    "journal-short-precise",
    "journal-short-iso",
    "journal-short-iso-precise",
    "journal-short-full",
    "journal-short-unix",
    "journal-short-monotonic",
    "journal-short-delta",
];

/// A parsed timestamp.
#[derive(Clone, Copy, Debug)]
struct Stamp<'b> {
    mode: Mode,
    recorded: RecordedTime,
    text: &'b [u8],
    /// What the timestamp alone says about the writer.
    strength: Recognized,
}

/// A parsed entry line.
#[derive(Clone, Copy, Debug)]
struct Record<'b> {
    stamp: Stamp<'b>,
    hostname: Option<&'b [u8]>,
    ident: Option<&'b [u8]>,
    pid: Option<u32>,
    message: &'b [u8],
    /// Bytes before the message: the column continuation lines are indented to.
    prefix: usize,
}

/// A line that is not an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Banner<'b> {
    /// `-- Boot <id> --`.
    Boot(&'b [u8]),
    /// `-- Reboot --`.
    Reboot,
    /// Headers, cursors, catalog text.
    Other,
}

/// Line parser for journalctl text output.
#[derive(Debug, Default)]
pub struct Parser {
    counts: [u64; 8],
    /// Message column of the last entry.
    prefix: usize,
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let mut text = line.text;
        if line.number == 1 {
            text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
        }
        let follows_event = out.last_line_was_event(&line);
        let spaces = text.iter().take_while(|&&b| b == b' ').count();
        // Indented to the message column: a continuation, whatever it looks like.
        if follows_event && self.prefix > 0 && spaces >= self.prefix && !is_paste_artifact(text) {
            out.push_continuation(text.get(self.prefix..).unwrap_or_default());
            return;
        }
        if let Some(mark) = banner_mark(text, line.number) {
            out.push_banner(mark);
            return;
        }
        if let Some(rec) = record(text) {
            self.counts[rec.stamp.mode as usize] += 1;
            self.prefix = rec.prefix;
            let mut event = Event::new(
                rec.stamp.recorded,
                rec.stamp.text,
                line.number,
                line.offset,
                rec.message,
            );
            event.hostname = rec.hostname;
            event.ident = rec.ident;
            event.pid = rec.pid;
            out.push_event(event);
            return;
        }
        let indent = indent_width(text);
        if follows_event && indent > 0 && !is_paste_artifact(text) {
            out.push_continuation(text.get(indent..).unwrap_or_default());
        } else {
            out.push_unparsed(&line);
        }
    }

    fn variant(&self) -> &'static str {
        super::most_seen(&self.counts, &MODE_NAMES)
    }
}

/// How strongly a line says "journalctl text".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recognized {
    /// Not a journalctl line.
    No,
    /// A line journalctl could print, but so could syslog or dmesg.
    Shared,
    /// A line only journalctl prints (a banner, a zero-padded day, `+0200`, a weekday…).
    Distinct,
}

/// Whether `text` is a journalctl text line (used by detection).
///
/// Banners, cursors and catalog lines are [`Recognized::Distinct`], and so are entries whose
/// timestamp only journalctl writes: a zero-padded day below 10 or a fraction in a `short` stamp,
/// an ISO offset without a colon (`+0200`), a `short-full` weekday, `short-unix`,
/// `short-monotonic` and `short-delta` (with a pid or `kernel` as identifier: dmesg prints
/// the same brackets). An entry must name a host and an identifier; a stamp rsyslog
/// writes as well (`Jul 29 …`, `…+02:00`) is [`Recognized::Shared`], a space-padded day
/// (`Jul  9`, never printed by journalctl) is [`Recognized::No`]. A dmesg line
/// `[   12.3] ACPI: Core revision` has no identifier after its first token and is `No`.
pub fn recognizes(text: &[u8]) -> Recognized {
    let text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text);
    if banner(text).is_some() {
        return Recognized::Distinct;
    }
    match record(text) {
        Some(rec) if rec.hostname.is_some() && rec.ident.is_some() => match rec.stamp.mode {
            Mode::ShortMonotonic | Mode::ShortDelta => kernel_clock_strength(text, &rec),
            _ => rec.stamp.strength,
        },
        _ => Recognized::No,
    }
}

/// How journalctl-specific a `short-monotonic`/`short-delta` entry is. dmesg prints the same
/// brackets, and many kernel messages read `subsystem device: msg`, which looks like
/// `host ident: msg`: `usb usb1: New USB device found` is [`Recognized::Shared`];
/// `pci 0000:00:00.0: [8086:3e0f]`, `sd 2:0:0:0: [sda]` and `EXT4-fs (sda1): mounted` have no
/// program-like identifier followed by `: ` and are [`Recognized::No`]. Only an identifier with
/// a pid, or `kernel`, is [`Recognized::Distinct`].
fn kernel_clock_strength(text: &[u8], rec: &Record<'_>) -> Recognized {
    let ident = rec.ident.unwrap_or_default();
    let head = text.get(..rec.prefix).unwrap_or_default();
    let colon_space = head.ends_with(b": ") || (rec.message.is_empty() && head.ends_with(b":"));
    let program_like = ident
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b'/');
    if !colon_space || !program_like {
        Recognized::No
    } else if rec.pid.is_some() || ident == b"kernel" {
        Recognized::Distinct
    } else {
        Recognized::Shared
    }
}

/// Whether `text` (line `line`) is a banner or separator rather than an entry, and the boot
/// boundary it marks if it is one (`-- Boot <id> --`, `-- Reboot --`). `-o verbose` prints the
/// same lines between its records.
pub(crate) fn banner_mark(text: &[u8], line: u32) -> Option<Option<BootMark<'_>>> {
    Some(match banner(text)? {
        Banner::Boot(id) => Some(BootMark {
            boot_id: Some(id),
            line,
        }),
        Banner::Reboot => Some(BootMark {
            boot_id: None,
            line,
        }),
        Banner::Other => None,
    })
}

/// Classifies a non-entry line.
fn banner(text: &[u8]) -> Option<Banner<'_>> {
    let t = text.trim_ascii_end();
    if let Some(rest) = t.strip_prefix(b"-- ") {
        if let Some(id) = rest
            .strip_prefix(b"Boot ")
            .and_then(|r| r.strip_suffix(b" --"))
            .filter(|id| id.len() == 32 && id.iter().all(u8::is_ascii_hexdigit))
        {
            return Some(Banner::Boot(id));
        }
        if rest == b"Reboot --" {
            return Some(Banner::Reboot);
        }
        let header = [
            &b"Logs begin at "[..],
            b"Journal begins at ",
            b"No entries --",
            b"cursor: ",
        ]
        .iter()
        .any(|p| rest.starts_with(p));
        return header.then_some(Banner::Other);
    }
    if t.starts_with("░░".as_bytes()) || is_cursor(t) {
        return Some(Banner::Other);
    }
    None
}

/// A bare journal cursor, `s=…;i=…;b=…;m=…;t=…;x=…`, as mini-journalreader prints first and last.
fn is_cursor(t: &[u8]) -> bool {
    let mut fields = t.split(|&b| b == b';');
    [b's', b'i', b'b', b'm', b't', b'x'].iter().all(|&key| {
        fields.next().is_some_and(|f| {
            f.len() > 2
                && f.first() == Some(&key)
                && f.get(1) == Some(&b'=')
                && f.iter().skip(2).all(u8::is_ascii_hexdigit)
        })
    }) && fields.next().is_none()
}

/// Parses an entry line.
fn record(text: &[u8]) -> Option<Record<'_>> {
    let (rest, stamp) = stamp(text)?;
    let rest = rest.strip_prefix(b" ")?;
    let (after_host, host) = common::hostname(rest).ok()?;
    let (hostname, tagged) = if host.ends_with(b":") {
        // `--no-hostname`: the first token already is `ident[pid]:`.
        (None, common::tagged(rest))
    } else {
        (Some(host), common::tagged(after_host))
    };
    Some(Record {
        stamp,
        hostname,
        ident: tagged.ident,
        pid: tagged.pid,
        message: tagged.message,
        // The message is a suffix of the line.
        prefix: text.len().saturating_sub(tagged.message.len()),
    })
}

/// The timestamp of any `short*` mode, and the rest of the line after it.
fn stamp(text: &[u8]) -> Option<(&[u8], Stamp<'_>)> {
    let first = *text.first()?;
    let (rest, mode, recorded, strength) = if first == b'[' {
        let (rest, (mode, recorded, strength)) = bracketed(text).ok()?;
        (rest, mode, recorded, strength)
    } else if first.is_ascii_digit() && text.get(4) == Some(&b'-') {
        let (rest, instant) = common::rfc3339(text, false).ok()?;
        let written = text.get(..text.len().saturating_sub(rest.len()))?;
        let precise = written.contains(&b'.');
        let mode = if precise {
            Mode::ShortIsoPrecise
        } else {
            Mode::ShortIso
        };
        (
            rest,
            mode,
            RecordedTime::Absolute(instant),
            iso_strength(written),
        )
    } else if first.is_ascii_digit() || first == b' ' {
        let (rest, instant) = unix(text).ok()?;
        (
            rest,
            Mode::ShortUnix,
            RecordedTime::Absolute(instant),
            Recognized::Distinct,
        )
    } else if let Ok((rest, (recorded, strength))) = yearless(text) {
        let precise = text
            .get(..text.len().saturating_sub(rest.len()))?
            .contains(&b'.');
        let mode = if precise {
            Mode::ShortPrecise
        } else {
            Mode::Short
        };
        (rest, mode, recorded, strength)
    } else {
        let (rest, recorded) = short_full(text).ok()?;
        (rest, Mode::ShortFull, recorded, Recognized::Distinct)
    };
    let written = text.get(..text.len().saturating_sub(rest.len()))?;
    Some((
        rest,
        Stamp {
            mode,
            recorded,
            text: written,
            strength,
        },
    ))
}

/// An ISO stamp with a `+HHMM` offset is journalctl's (≤ 252); `+HH:MM` and `Z` rsyslog writes too.
fn iso_strength(written: &[u8]) -> Recognized {
    let offset_start = written
        .iter()
        .rposition(|&b| b == b'+' || b == b'-')
        .filter(|&i| i > 10);
    match offset_start.and_then(|i| written.get(i..)) {
        Some(offset) if !offset.contains(&b':') => Recognized::Distinct,
        _ => Recognized::Shared,
    }
}

/// `short`/`short-precise`: `Jul 29 09:56:40[.ffffff]`, with how journalctl-specific it is.
fn yearless(input: &[u8]) -> PResult<'_, (RecordedTime, Recognized)> {
    let (after_month, _) = common::month(input)?;
    let (rest, recorded) = common::yearless(input)?;
    let written = input
        .get(..input.len().saturating_sub(rest.len()))
        .unwrap_or_default();
    let strength = if after_month.starts_with(b"  ") {
        // `Jul  9`: syslog's space-padded day, never printed by journalctl.
        Recognized::No
    } else if after_month.starts_with(b" 0") || written.contains(&b'.') {
        Recognized::Distinct
    } else {
        Recognized::Shared
    };
    Ok((rest, (recorded, strength)))
}

/// `short-full`: `Tue 2025-07-29 09:56:40 UTC`.
fn short_full(input: &[u8]) -> PResult<'_, RecordedTime> {
    let (rest, (local, zone)) = full_stamp(input)?;
    let recorded = zone_time(local, zone).ok_or_else(|| err(input))?;
    Ok((rest, recorded))
}

/// `%a %Y-%m-%d %H:%M:%S[.%06u] %Z` as `short-full` and `-o verbose` print it: the local time and
/// the zone as written (see [`zone_time`]).
pub(crate) fn full_stamp(input: &[u8]) -> PResult<'_, (NaiveDateTime, &[u8])> {
    // `%a` in any locale: `Tue`, `Di`, `mar.`.
    let (rest, _) =
        take_while_m_n(2, 12, |b: u8| b.is_ascii_alphabetic() || b >= 0x80).parse(input)?;
    let (rest, _) = opt(char('.')).parse(rest)?;
    let (rest, _) = char(' ')(rest)?;
    let (rest, day) = common::date(rest)?;
    let (rest, _) = char(' ')(rest)?;
    let (rest, time) = common::time_of_day(rest, false)?;
    let (rest, _) = char(' ')(rest)?;
    let (rest, zone) = take_while1(|b: u8| b != b' ').parse(rest)?;
    Ok((rest, (day.and_time(time), zone)))
}

/// A local time and its `%Z`: UTC and numeric offsets are absolute, abbreviations are local.
pub(crate) fn zone_time(local: NaiveDateTime, zone: &[u8]) -> Option<RecordedTime> {
    if [&b"UTC"[..], b"GMT", b"Z", b"UT"]
        .iter()
        .any(|z| zone.eq_ignore_ascii_case(z))
    {
        return Some(RecordedTime::Absolute(local.and_utc()));
    }
    if let Ok((rest, secs)) = common::utc_offset(zone)
        && rest.is_empty()
        && !zone.eq_ignore_ascii_case(b"z")
    {
        return common::absolute(local, secs).map(RecordedTime::Absolute);
    }
    (2..=6)
        .contains(&zone.len())
        .then_some(())
        .filter(|()| zone.iter().all(u8::is_ascii_alphabetic))
        .map(|()| RecordedTime::Local(local))
}

/// `short-unix`: `%10llu.%06llu`, seconds and microseconds since the epoch (UTC).
fn unix(input: &[u8]) -> PResult<'_, DateTime<chrono::Utc>> {
    let (rest, pad) = take_while(|b: u8| b == b' ').parse(input)?;
    let (rest, secs) = take_while_m_n(1, 12, |b: u8| b.is_ascii_digit()).parse(rest)?;
    let width = pad.len().saturating_add(secs.len());
    // printf pads to ten columns, so a short number comes with spaces, and never without.
    if width < 10 || (!pad.is_empty() && width != 10) {
        return Err(err(input));
    }
    let (rest, _) = char('.')(rest)?;
    let (rest, micros) = take_while_m_n(6, 6, |b: u8| b.is_ascii_digit()).parse(rest)?;
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return Err(err(input));
    }
    let secs = i64::try_from(common::parse_u64(secs)).map_err(|_| err(input))?;
    let nanos = common::parse_u32(micros).saturating_mul(1000);
    let instant = DateTime::from_timestamp(secs, nanos).ok_or_else(|| err(input))?;
    Ok((rest, instant))
}

/// `short-monotonic` `[86400.005000]` or `short-delta` `[    0.000000 <    0.000010*>]`
/// (first line of a boot: `[    0.000000                ]`).
fn bracketed(input: &[u8]) -> PResult<'_, (Mode, RecordedTime, Recognized)> {
    if let Ok((rest, micros)) = common::bracketed_uptime(input) {
        return Ok((
            rest,
            (
                Mode::ShortMonotonic,
                RecordedTime::Monotonic { micros },
                Recognized::Distinct,
            ),
        ));
    }
    let (rest, _) = char('[')(input)?;
    let (rest, _) = take_while(|b| b == b' ').parse(rest)?;
    let (rest, secs) = common::number(rest)?;
    let (rest, _) = char('.')(rest)?;
    let (rest, frac) = take_while_m_n(1, 9, |b: u8| b.is_ascii_digit()).parse(rest)?;
    let (rest, _) = take_while1(|b| b == b' ').parse(rest)?;
    let (rest, _) = opt((
        char('<'),
        take_while(|b| b == b' '),
        common::number,
        char('.'),
        take_while1(|b: u8| b.is_ascii_digit()),
        // `*` when the delta was computed across boots, else a space.
        take_while(|b| b == b'*' || b == b' '),
        char('>'),
    ))
    .parse(rest)?;
    let (rest, _) = char(']')(rest)?;
    let micros = secs
        .saturating_mul(1_000_000)
        .saturating_add(common::frac_micros(frac));
    Ok((
        rest,
        (
            Mode::ShortDelta,
            RecordedTime::Monotonic { micros },
            Recognized::Distinct,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FormatKind, parse};
    use chrono::{NaiveDate, NaiveTime};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> RecordedTime {
        RecordedTime::Absolute(naive(y, mo, d, h, mi, s, micro).and_utc())
    }

    fn naive(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|day| day.and_hms_micro_opt(h, mi, s, micro))
            .unwrap_or_default()
    }

    fn yearless(month: u32, day: u32, h: u32, mi: u32, s: u32, micro: u32) -> RecordedTime {
        RecordedTime::Yearless {
            month,
            day,
            time: NaiveTime::from_hms_micro_opt(h, mi, s, micro).unwrap_or_default(),
        }
    }

    fn parsed(data: &[u8]) -> Parsed<'_> {
        let parsed = parse(
            FormatKind::JournalText,
            data,
            &crate::limits::Limits::default(),
        );
        assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
        parsed
    }

    type Row = (
        &'static [u8],
        RecordedTime,
        Option<&'static [u8]>,
        Option<&'static [u8]>,
        Option<u32>,
        &'static [u8],
        &'static str,
    );

    /// Real lines of every `short*` mode (REFERENCE.md §2.2 and the journal-text samples), each
    /// with what pvelog must take from it: (line, time, host, ident, pid, message, variant).
    #[test]
    fn mode_table() {
        let table: &[Row] = &[
            (
                b"Jul 29 09:56:40 pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.",
                yearless(7, 29, 9, 56, 40, 0),
                Some(b"pve1"),
                Some(b"systemd"),
                Some(1),
                b"101.scope: Failed with result 'oom-kill'.",
                "journal-short",
            ),
            (
                b"Oct 24 00:00:00 fedora kernel: Machine model: Raspberry Pi 4 Model B Rev 1.1",
                yearless(10, 24, 0, 0, 0, 0),
                Some(b"fedora"),
                Some(b"kernel"),
                None,
                b"Machine model: Raspberry Pi 4 Model B Rev 1.1",
                "journal-short",
            ),
            (
                b"Jul 29 09:56:40.006000 pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.",
                yearless(7, 29, 9, 56, 40, 6000),
                Some(b"pve1"),
                Some(b"systemd"),
                Some(1),
                b"101.scope: Failed with result 'oom-kill'.",
                "journal-short-precise",
            ),
            (
                b"2025-07-29T11:56:40+0200 pve1 kernel: Out of memory: Killed process 4242 (kvm) total-vm:17339840kB, anon-rss:15797740kB, file-rss:1536kB, shmem-rss:0kB, UID:0 pgtables:31152kB oom_score_adj:0",
                utc(2025, 7, 29, 9, 56, 40, 0),
                Some(b"pve1"),
                Some(b"kernel"),
                None,
                b"Out of memory: Killed process 4242 (kvm) total-vm:17339840kB, anon-rss:15797740kB, file-rss:1536kB, shmem-rss:0kB, UID:0 pgtables:31152kB oom_score_adj:0",
                "journal-short-iso",
            ),
            (
                b"2025-07-29T11:56:40+02:00 pve1 pvedaemon[1598]: VM 101 qmp command failed - VM 101 not running",
                utc(2025, 7, 29, 9, 56, 40, 0),
                Some(b"pve1"),
                Some(b"pvedaemon"),
                Some(1598),
                b"VM 101 qmp command failed - VM 101 not running",
                "journal-short-iso",
            ),
            (
                b"2022-10-24T00:00:00.994371+0000 fedora kernel: Booting Linux on physical CPU 0x0000000000 [0x410fd083]",
                utc(2022, 10, 24, 0, 0, 0, 994_371),
                Some(b"fedora"),
                Some(b"kernel"),
                None,
                b"Booting Linux on physical CPU 0x0000000000 [0x410fd083]",
                "journal-short-iso-precise",
            ),
            (
                b"2025-07-29T09:56:40.008000+0000 pve1 multiline-demo[777]: first line",
                utc(2025, 7, 29, 9, 56, 40, 8000),
                Some(b"pve1"),
                Some(b"multiline-demo"),
                Some(777),
                b"first line",
                "journal-short-iso-precise",
            ),
            (
                b"Tue 2025-07-29 09:56:40 UTC pve1 pvedaemon[1598]: VM 101 qmp command failed - VM 101 not running",
                utc(2025, 7, 29, 9, 56, 40, 0),
                Some(b"pve1"),
                Some(b"pvedaemon"),
                Some(1598),
                b"VM 101 qmp command failed - VM 101 not running",
                "journal-short-full",
            ),
            (
                b"Tue 2025-07-29 11:56:40 CEST pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.",
                RecordedTime::Local(naive(2025, 7, 29, 11, 56, 40, 0)),
                Some(b"pve1"),
                Some(b"systemd"),
                Some(1),
                b"101.scope: Failed with result 'oom-kill'.",
                "journal-short-full",
            ),
            (
                b"Tue 2025-07-29 12:56:40 +03 pve1 systemd[1]: 101.scope: Failed with result 'oom-kill'.",
                utc(2025, 7, 29, 9, 56, 40, 0),
                Some(b"pve1"),
                Some(b"systemd"),
                Some(1),
                b"101.scope: Failed with result 'oom-kill'.",
                "journal-short-full",
            ),
            (
                b"1753783000.005000 pve1 systemd[1]: 101.scope: A process of this unit has been killed by the OOM killer.",
                utc(2025, 7, 29, 9, 56, 40, 5000),
                Some(b"pve1"),
                Some(b"systemd"),
                Some(1),
                b"101.scope: A process of this unit has been killed by the OOM killer.",
                "journal-short-unix",
            ),
            (
                b"1666569600.994371 fedora kernel: Booting Linux on physical CPU 0x0000000000 [0x410fd083]",
                utc(2022, 10, 24, 0, 0, 0, 994_371),
                Some(b"fedora"),
                Some(b"kernel"),
                None,
                b"Booting Linux on physical CPU 0x0000000000 [0x410fd083]",
                "journal-short-unix",
            ),
            (
                b"[86400.005000] pve1 systemd[1]: 101.scope: A process of this unit has been killed by the OOM killer.",
                RecordedTime::Monotonic {
                    micros: 86_400_005_000,
                },
                Some(b"pve1"),
                Some(b"systemd"),
                Some(1),
                b"101.scope: A process of this unit has been killed by the OOM killer.",
                "journal-short-monotonic",
            ),
            (
                b"[    6.000000] pve1 systemd-journald[321]: File /var/log/journal/2dc07f7a727e4b46a1927eab9d6cd4b7/system.journal corrupted or uncleanly shut down, renaming and replacing.",
                RecordedTime::Monotonic { micros: 6_000_000 },
                Some(b"pve1"),
                Some(b"systemd-journald"),
                Some(321),
                b"File /var/log/journal/2dc07f7a727e4b46a1927eab9d6cd4b7/system.journal corrupted or uncleanly shut down, renaming and replacing.",
                "journal-short-monotonic",
            ),
            (
                b"[    0.000000                ] fedora kernel: Booting Linux on physical CPU 0x0000000000 [0x410fd083]",
                RecordedTime::Monotonic { micros: 0 },
                Some(b"fedora"),
                Some(b"kernel"),
                None,
                b"Booting Linux on physical CPU 0x0000000000 [0x410fd083]",
                "journal-short-delta",
            ),
            (
                b"[    0.360426 <    0.000046*>] fedora kernel: xor: measuring software checksum speed",
                RecordedTime::Monotonic { micros: 360_426 },
                Some(b"fedora"),
                Some(b"kernel"),
                None,
                b"xor: measuring software checksum speed",
                "journal-short-delta",
            ),
            (
                b"[    0.363814 <    0.003388 >] fedora kernel:    8regs           :  2912 MB/sec",
                RecordedTime::Monotonic { micros: 363_814 },
                Some(b"fedora"),
                Some(b"kernel"),
                None,
                b"   8regs           :  2912 MB/sec",
                "journal-short-delta",
            ),
            (
                b"Jul 29 09:56:40 pve1 binary-demo[778]: [18B blob data]",
                yearless(7, 29, 9, 56, 40, 0),
                Some(b"pve1"),
                Some(b"binary-demo"),
                Some(778),
                b"[18B blob data]",
                "journal-short",
            ),
            (
                "Jul 29 09:56:40 pve1 kernel: oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=qemu.slice,mems_allowed=0,glob…".as_bytes(),
                yearless(7, 29, 9, 56, 40, 0),
                Some(b"pve1"),
                Some(b"kernel"),
                None,
                "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=qemu.slice,mems_allowed=0,glob…".as_bytes(),
                "journal-short",
            ),
        ];
        for &(line, recorded, host, ident, pid, message, variant) in table {
            let ctx = String::from_utf8_lossy(line);
            let p = parsed(line);
            assert_eq!(p.events.len(), 1, "{ctx}");
            assert_eq!(p.stats.event_lines, 1, "{ctx}");
            let e = &p.events[0];
            assert_eq!(e.recorded, recorded, "{ctx}");
            assert_eq!(e.hostname, host, "{ctx}");
            assert_eq!(e.ident, ident, "{ctx}");
            assert_eq!(e.pid, pid, "{ctx}");
            assert_eq!(&*e.message, message, "{ctx}");
            assert_eq!((e.line, e.offset, e.boot), (1, 0, 0), "{ctx}");
            assert_eq!(p.variant, variant, "{ctx}");
            assert!(line.starts_with(e.time_text), "{ctx}");
            assert_eq!(line.get(e.time_text.len()), Some(&b' '), "{ctx}");
        }
    }

    #[test]
    fn time_text_is_the_stamp_as_written() {
        for (line, stamp) in [
            (
                &b"[    0.000000 <    0.000010*>] fedora kernel: Booting"[..],
                &b"[    0.000000 <    0.000010*>]"[..],
            ),
            (
                b"Tue 2025-07-29 09:56:40 UTC pve1 kernel: x",
                b"Tue 2025-07-29 09:56:40 UTC",
            ),
            (
                b"Jul 09 09:56:40.000010 pve1 kernel: x",
                b"Jul 09 09:56:40.000010",
            ),
        ] {
            let p = parsed(line);
            assert_eq!(p.events[0].time_text, stamp);
        }
    }

    #[test]
    fn german_month_names() {
        let p = parsed("Okt 03 14:02:11 pve1 pvedaemon[2210]: <root@pam> successful auth for user 'root@pam'\nMär 01 08:00:00 pve1 kernel: x\nDez 24 23:59:59 pve1 cron[1]: y\n".as_bytes());
        let days: Vec<_> = p
            .events
            .iter()
            .map(|e| match e.recorded {
                RecordedTime::Yearless { month, day, .. } => (month, day),
                _ => (0, 0),
            })
            .collect();
        assert_eq!(days, vec![(10, 3), (3, 1), (12, 24)]);
        assert_eq!(p.events[0].ident, Some(&b"pvedaemon"[..]));
        assert_eq!(
            recognizes(b"Okt 03 14:02:11 pve1 pvedaemon[2210]: x"),
            Recognized::Distinct
        );
    }

    #[test]
    fn boot_banners_split_boot_segments() {
        let data = b"-- Journal begins at Mon 2021-03-01 10:00:00 CET, ends at Tue 2021-03-02 10:00:00 CET. --\n\
Jul 29 09:56:40 pve1 binary-demo[778]: [18B blob data]\n\
-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --\n\
Jul 29 10:01:40 pve1 kernel: Linux version 6.8.12-4-pve (build@proxmox)\n\
-- Reboot --\n\
Jul 29 10:05:00 pve1 kernel: Linux version 6.8.12-4-pve (build@proxmox)\n\
-- No entries --\n\
-- Logs begin at Mon 2019-08-05 10:00:00 UTC, end at Mon 2019-08-05 11:00:00 UTC. --\n\
-- cursor: s=0b5e1a0cfc5249f499630477ce92c52e;i=1;b=5ea5fc4f82a14186b5332a788ef9435e;m=59607a;t=5ebbc790f8c43;x=6966112d3682c34f\n";
        let p = parsed(data);
        assert_eq!(p.stats.banner_lines, 6);
        assert_eq!(p.stats.event_lines, 3);
        assert_eq!(p.stats.unparsed_lines, 0);
        let boots: Vec<_> = p.events.iter().map(|e| e.boot).collect();
        assert_eq!(boots, vec![0, 1, 2]);
        assert_eq!(
            p.boots,
            vec![
                BootMark {
                    boot_id: Some(&b"7a8b9c0d1e2f40516273849506a7b8c9"[..]),
                    line: 3,
                },
                BootMark {
                    boot_id: None,
                    line: 5,
                },
            ]
        );
        let second = data
            .windows(15)
            .position(|w| w == b"Jul 29 10:01:40")
            .unwrap_or_default();
        assert_eq!(p.events[1].offset, second as u64);
        assert_eq!(p.events[1].line, 4);
    }

    #[test]
    fn flapping_boot_banners_of_a_host_without_rtc() {
        let data = b"-- Boot bea6864f21ad4c9594c04a99d89948b0 --\n\
[    0.000000 <    0.000010*>] fedora kernel: Booting Linux on physical CPU 0x0000000000 [0x410fd083]\n\
-- Boot 5ea5fc4f82a14186b5332a788ef9435e --\n\
[    0.360426 <    0.000046*>] fedora kernel: xor: measuring software checksum speed\n\
[    0.363814 <    0.003388 >] fedora kernel:    8regs           :  2912 MB/sec\n";
        let p = parsed(data);
        assert_eq!(p.boots.len(), 2);
        let boots: Vec<_> = p.events.iter().map(|e| e.boot).collect();
        assert_eq!(boots, vec![1, 2, 2]);
        assert_eq!(p.variant, "journal-short-delta");
    }

    #[test]
    fn mini_journalreader_cursors_and_reboot() {
        let data = b"s=0b5e1a0cfc5249f499630477ce92c52e;i=1;b=5ea5fc4f82a14186b5332a788ef9435e;m=59607a;t=5ebbc790f8c43;x=6966112d3682c34f\n\
Nov 22 10:15:02 pve8 pvedaemon[1436]: <root@pam> successful auth for user 'root@pam'\n\
-- Reboot --\n\
Nov 22 10:20:13 pve8 kernel: Linux version 6.2.16-19-pve (build@proxmox)\n\
s=0b5e1a0cfc5249f499630477ce92c52e;i=2a;b=35e8501129134edd9df5267c49f744a4;m=5960a9;t=5ebbc790f8cd2;x=9619d4153e907f4b\n";
        let p = parsed(data);
        assert_eq!(
            (
                p.stats.banner_lines,
                p.stats.event_lines,
                p.stats.unparsed_lines
            ),
            (3, 2, 0)
        );
        assert_eq!(p.boots.len(), 1);
        assert_eq!(p.events[1].boot, 1);
        assert_eq!(
            recognizes(data.split(|&b| b == b'\n').next().unwrap_or_default()),
            Recognized::Distinct
        );
        assert!(!is_cursor(b"s=0b5e;i=1;b=zz;m=1;t=2;x=3"));
        assert!(!is_cursor(b"s=0b5e;i=1"));
    }

    #[test]
    fn multi_line_messages_continue_at_the_message_column() {
        let data = concat!(
            "Jul 29 09:56:40 pve1 multiline-demo[777]: first line\n",
            "                                          second line\n",
            "                                            indented more\n",
            "  short indent\n",
            "Jul 29 09:56:40 pve1 binary-demo[778]: [18B blob data]\n",
        )
        .as_bytes();
        let p = parsed(data);
        assert_eq!(p.events.len(), 2);
        assert_eq!(
            &*p.events[0].message,
            b"first line\nsecond line\n  indented more\nshort indent"
        );
        assert_eq!(p.events[0].lines, 4);
        assert_eq!(p.events[1].line, 5);
        assert_eq!(p.stats.event_lines, 5);
    }

    #[test]
    fn continuation_needs_an_event_right_above() {
        let data = concat!(
            "                                          orphan line\n",
            "Jul 29 09:56:40 pve1 multiline-demo[777]: first line\n",
            "```\n",
            "                                          after a fence\n",
            "unindented text\n",
            "...\n",
            "Jul 29 09:56:41 pve1 multiline-demo[777]: again\n",
            "                                          ...\n",
        )
        .as_bytes();
        let p = parsed(data);
        assert_eq!(p.events.len(), 2);
        assert_eq!(&*p.events[0].message, b"first line");
        assert_eq!(&*p.events[1].message, b"again");
        // Five examples are kept; the sixth unparsed line is the `...` at the message column.
        assert_eq!(p.stats.unparsed_lines, 6);
        let lines: Vec<_> = p.unparsed_examples.iter().map(|u| u.line).collect();
        assert_eq!(lines, vec![1, 3, 4, 5, 6]);
    }

    #[test]
    fn crlf_lines() {
        let data = b"-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --\r\n2025-07-29T09:56:40.008000+0000 pve1 multiline-demo[777]: first line\r\n                                                          second line\r\n";
        let p = parsed(data);
        assert_eq!(p.boots.len(), 1);
        assert_eq!(&*p.events[0].message, b"first line\nsecond line");
        assert_eq!(p.stats.lines, 3);
        assert_eq!(p.stats.unparsed_lines, 0);
    }

    #[test]
    fn verbose_output_is_detected_as_its_own_format() {
        let data = concat!(
            "Mon 2022-10-24 00:00:00.994371 UTC [s=0b5e1a0cfc5249f499630477ce92c52e;i=1;b=5ea5fc4f82a14186b5332a788ef9435e;m=59607a;t=5ebbc790f8c43;x=6966112d3682c34f]\n",
            "    _SOURCE_MONOTONIC_TIMESTAMP=0\n",
            "    _TRANSPORT=kernel\n",
            "    MESSAGE=Booting Linux on physical CPU 0x0000000000 [0x410fd083]\n",
        )
        .as_bytes();
        // Not a `short*` line: forced through this parser, every line stays unparsed…
        let p = parsed(data);
        assert!(p.events.is_empty());
        assert_eq!(p.stats.unparsed_lines, 4);
        // …and detection hands it to the verbose parser, where it is one entry.
        assert_eq!(
            crate::formats::detect("journal.txt", data),
            FormatKind::JournalVerbose
        );
        let v = parse(
            FormatKind::JournalVerbose,
            data,
            &crate::limits::Limits::default(),
        );
        assert_eq!((v.events.len(), v.stats.event_lines), (1, 4));
        assert_eq!(
            &*v.events[0].message,
            b"Booting Linux on physical CPU 0x0000000000 [0x410fd083]"
        );
    }

    #[test]
    fn catalog_lines_are_banners() {
        let data =
            "Jul 29 09:56:40 pve1 systemd[1]: Started pvestatd.service - PVE Status Daemon.\n\
░░ Subject: A start job for unit pvestatd.service has finished successfully\n\
░░ Defined-By: systemd\n"
                .as_bytes();
        let p = parsed(data);
        assert_eq!((p.stats.event_lines, p.stats.banner_lines), (1, 2));
        assert!(p.boots.is_empty());
    }

    #[test]
    fn no_hostname_lines() {
        let p = parsed(b"Jul 29 09:56:40 systemd[1]: 101.scope: Failed with result 'oom-kill'.");
        let e = &p.events[0];
        assert_eq!(
            (e.hostname, e.ident, e.pid),
            (None, Some(&b"systemd"[..]), Some(1))
        );
        assert_eq!(&*e.message, b"101.scope: Failed with result 'oom-kill'.");
    }

    #[test]
    fn recognition() {
        for (line, want) in [
            (&b"-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --"[..], Recognized::Distinct),
            (b"-- Reboot --", Recognized::Distinct),
            (b"-- No entries --", Recognized::Distinct),
            (b"Jul 09 09:56:40 pve1 systemd[1]: x", Recognized::Distinct),
            (b"Jul 29 09:56:40.006000 pve1 systemd[1]: x", Recognized::Distinct),
            (b"Jul 29 09:56:40 pve1 systemd[1]: x", Recognized::Shared),
            (b"Jul  9 09:56:40 pve1 systemd[1]: x", Recognized::No),
            (b"2025-07-29T11:56:40+0200 pve1 kernel: x", Recognized::Distinct),
            (b"2025-07-29T11:56:40+02:00 pve1 kernel: x", Recognized::Shared),
            (b"2020-05-31T00:00:45.738158+00:00 localhost systemd[1]: Reloaded System Logging Service.", Recognized::Shared),
            (b"Tue 2025-07-29 09:56:40 UTC pve1 kernel: x", Recognized::Distinct),
            (b"1753783000.005000 pve1 systemd[1]: x", Recognized::Distinct),
            (b"[86400.005000] pve1 systemd[1]: x", Recognized::Distinct),
            (b"[    0.000000                ] fedora kernel: x", Recognized::Distinct),
            (b"[   12.345678] ACPI: Core revision 20230628", Recognized::No),
            (b"[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd083]", Recognized::No),
            (b"[    0.403163] pci 0000:00:00.0: [8086:3e0f] type 00 class 0x060000", Recognized::No),
            (b"[    2.345678] sd 2:0:0:0: [sda] Attached SCSI disk", Recognized::No),
            (b"[    3.456789] EXT4-fs (sda1): mounted filesystem with ordered data mode.", Recognized::No),
            (b"[    4.567890] device tap100i0 entered promiscuous mode", Recognized::No),
            (b"[    1.234567] usb usb1: New USB device found, idVendor=1d6b", Recognized::Shared),
            (b"[   10.000000] pve1 audit[1234]: AVC apparmor=\"DENIED\"", Recognized::Distinct),
            (b"Mar 11 09:39:39: --- last message repeated 5 times ---", Recognized::No),
            (b"<30>1 2021-03-06T04:07:38.263426+00:00 hostname systemd 1 - -  Stopping", Recognized::No),
            (b"Mon 2022-10-24 00:00:00.994371 UTC [s=0b5e1a0cfc5249f499630477ce92c52e;i=1]", Recognized::No),
            (b"IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY", Recognized::No),
            (b" -1 0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978 Tue 2025-07-29 09:56:40 UTC Tue 2025-07-29 09:56:40 UTC", Recognized::No),
            (b"3.5 GB used by pve1 foo: bar", Recognized::No),
            (b"kvm invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0", Recognized::No),
        ] {
            assert_eq!(recognizes(line), want, "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn detection_picks_journal_text() {
        use crate::formats::detect;
        let short = b"Jul 29 09:56:40 pve1 systemd[1]: a\n-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --\nJul 29 10:01:40 pve1 kernel: b\n";
        assert_eq!(detect("x.txt", short), FormatKind::JournalText);
        let mono = b"[86400.005000] pve1 systemd[1]: a\n[86400.006000] pve1 systemd[1]: b\n";
        assert_eq!(detect("x.txt", mono), FormatKind::JournalText);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for line in [
            &b"["[..],
            b"[ 99999999999999999999999.9999999999 <",
            b"99999999999999999.000000 h i: m",
            b"9999999999.999999 h i: m",
            b"Tue 9999-12-31 23:59:59 +2359 h i: m",
            b"-- Boot --",
            b"-- ",
            b"s=",
            "Jul 29 09:56:40 h\u{feff}".as_bytes(),
            b"\xff\xfe 12",
        ] {
            let _ = parsed(line);
            let _ = recognizes(line);
        }
    }
}
