//! A BMC's system event log as `ipmitool sel list` / `sel elist` prints it (REFERENCE.md §10.7):
//! power supplies, memory ECC, machine checks, thermal trips and watchdogs as the board saw them,
//! the evidence of a hardware fault the host's own logs may not have lived to write.
//!
//! ```text
//!   3a | 12/14/22 | 23:09:44 CET | Memory #0x88 | Correctable ECC (CPU0_G1) | Asserted      1.8.19
//! 1e60 | 02/16/2021 | 23:46:57 | Power Unit #0x44 | Redundancy Lost | Asserted           ≤ 1.8.18
//!   5b | Pre-Init  |0000000123| System Event #0x83 | Timestamp Clock Sync | Asserted       no time
//! ```
//!
//! A record is a hexadecimal id, then ` | `-separated date, time, sensor, event and direction
//! (threshold events add the reading). ipmitool ≤ 1.8.18 prints the BMC clock as it is, with a
//! four-digit year; 1.8.19 converts to the reader's zone with `%x %X %Z`, a two-digit year in
//! the C locale. Neither zone is reliable (the abbreviation names no single offset; the BMC clock
//! is not the host's), so times are [`RecordedTime::Local`] and the clock stage decides. A
//! `Pre-Init` record counts from the BMC's own start: no wall time.
//!
//! Each record is an event with ident `sel` and the fields from the sensor on as its message,
//! so the signal table reads `Uncorrectable ECC`, `Redundancy Lost`, `Thermal Trip` as written.
//! Markdown fences and prompts are counted as unparsed.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::common::{is_paste_artifact, record_share};
use super::{LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::Line;

/// The parser.
#[derive(Debug, Default)]
pub struct Parser {
    /// Records with a two-digit year (ipmitool 1.8.19).
    short_year: u64,
    /// Records with a four-digit year.
    long_year: u64,
}

/// A record's fields: its time (or `None` for `Pre-Init`), and the byte offset of the sensor
/// field within the line.
fn record(text: &[u8]) -> Option<(Option<NaiveDateTime>, bool, usize)> {
    let mut fields = text.split(|&b| b == b'|');
    let id = fields.next()?.trim_ascii();
    if id.is_empty() || id.len() > 8 || !id.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let date = fields.next()?.trim_ascii();
    let time = fields.next()?.trim_ascii();
    // The sensor, event and direction follow: at least two more fields.
    let sensor_at = id_date_time_len(text)?;
    if fields.clone().count() < 2 {
        return None;
    }
    if date == b"Pre-Init" {
        return time
            .iter()
            .all(u8::is_ascii_digit)
            .then_some((None, false, sensor_at));
    }
    let (when, short) = date_time(date, time)?;
    Some((Some(when), short, sensor_at))
}

/// The offset just past the third `|` (the start of the sensor field).
fn id_date_time_len(text: &[u8]) -> Option<usize> {
    let mut bars = text
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'|')
        .map(|(i, _)| i);
    bars.nth(2).map(|i| i + 1)
}

/// `MM/DD/YYYY` or `MM/DD/YY`, and `HH:MM:SS` with an optional zone abbreviation after it.
fn date_time(date: &[u8], time: &[u8]) -> Option<(NaiveDateTime, bool)> {
    // Digits and slashes only: `parse` would take a sign (`6/1/-100`).
    if !date.iter().all(|b| b.is_ascii_digit() || *b == b'/') {
        return None;
    }
    let date = std::str::from_utf8(date).ok()?;
    let mut parts = date.split('/');
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let year_text = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let (year, short) = match year_text.len() {
        4 => (year_text.parse::<i32>().ok()?, false),
        // The C locale's `%x`: 69–99 are 1969–1999 as POSIX `%y` reads them, else 20xx.
        2 => {
            let y: i32 = year_text.parse().ok()?;
            (if y >= 69 { 1900 + y } else { 2000 + y }, true)
        }
        _ => return None,
    };
    let clock = time.split(|b| b.is_ascii_whitespace()).next()?;
    let clock = NaiveTime::parse_from_str(std::str::from_utf8(clock).ok()?, "%H:%M:%S").ok()?;
    let day = NaiveDate::from_ymd_opt(year, month, day)?;
    Some((day.and_time(clock), short))
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let text = line.text.trim_ascii_start();
        let Some((when, short, sensor_at)) =
            (!is_paste_artifact(text)).then(|| record(text)).flatten()
        else {
            out.push_unparsed(&line);
            return;
        };
        let recorded = match when {
            Some(t) => {
                if short {
                    self.short_year += 1;
                } else {
                    self.long_year += 1;
                }
                RecordedTime::Local(t)
            }
            None => RecordedTime::Missing,
        };
        let message = text.get(sensor_at..).unwrap_or_default().trim_ascii();
        let mut event = Event::new(recorded, b"", line.number, line.offset, text);
        event.ident = Some(b"sel");
        event.message = crate::event::Bytes::Borrowed(message);
        out.push_event(event);
    }

    fn variant(&self) -> &'static str {
        if self.short_year > self.long_year {
            "ipmitool-sel-1.8.19"
        } else {
            "ipmitool-sel"
        }
    }
}

/// Whether a member's head is an `ipmitool sel` listing: records make up at least half of the
/// lines that are not paste artifacts.
pub fn recognizes(head: &[u8]) -> bool {
    let (records, lines) = record_share(head, |t| {
        let t = t.trim_ascii_start();
        (!is_paste_artifact(t)).then(|| record(t).is_some())
    });
    records > 0 && records * 2 >= lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::FormatKind;
    use crate::limits::Limits;

    fn parse(text: &str) -> Parsed<'_> {
        super::super::parse(FormatKind::Sel, text.as_bytes(), &Limits::default())
    }

    #[test]
    fn records_of_both_ipmitool_generations() {
        let p = parse(
            "```\n\
             1e60 | 02/16/2021 | 23:46:57 | Power Unit #0x44 | Redundancy Lost | Asserted\n\
             \x20 3a | 12/14/22 | 23:09:44 CET | Memory #0x88 | Correctable ECC (CPU0_G1) | Asserted\n\
             \x20 5b | Pre-Init  |0000000123| System Event #0x83 | Timestamp Clock Sync | Asserted\n\
             \x20 41 | 03/02/2019 | 11:02:10 | Temperature #0x30 | Upper Critical going high | Asserted | Reading 87 > Threshold 85 degrees C\n\
             ```\n",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 4);
        assert_eq!(p.stats.unparsed_lines, 2);
        let at = |y, mo, d, h, mi, s| {
            RecordedTime::Local(
                NaiveDate::from_ymd_opt(y, mo, d)
                    .and_then(|d| d.and_hms_opt(h, mi, s))
                    .expect("valid"),
            )
        };
        assert_eq!(p.events[0].recorded, at(2021, 2, 16, 23, 46, 57));
        assert_eq!(
            &p.events[0].message[..],
            b"Power Unit #0x44 | Redundancy Lost | Asserted"
        );
        assert_eq!(p.events[0].ident, Some(&b"sel"[..]));
        assert_eq!(p.events[1].recorded, at(2022, 12, 14, 23, 9, 44));
        assert_eq!(p.events[2].recorded, RecordedTime::Missing);
        assert!(
            p.events[3]
                .message
                .ends_with(b"Reading 87 > Threshold 85 degrees C")
        );
    }

    #[test]
    fn a_signed_year_is_no_date() {
        // Found by the format_sel fuzz target: `-100` parsed as a four-digit year.
        let p = parse("5|6/1/-100|5:1:6 |+ |u0`\n5|6/101/-0|5:0:6 |+ |\x01\n");
        assert!(p.events.is_empty(), "{:?}", p.events);
        assert!(p.stats.balanced());
    }

    #[test]
    fn detection() {
        assert!(recognizes(
            b"```\n1e60 | 02/16/2021 | 23:46:57 | Power Unit #0x44 | Redundancy Lost | Asserted\n```\n"
        ));
        assert!(!recognizes(b"| a | b | c |\n|---|---|---|\n"));
        assert!(!recognizes(
            b"Jul 29 10:10:00 pve1 kernel: a | b | c | d | e\n"
        ));
    }
}
