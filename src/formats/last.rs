//! `last` text output: util-linux's `last -x` in every time format, and wtmpdb's `last`
//! (Debian 13 / PVE 9) (REFERENCE.md §5.1, §5.2).
//!
//! ```text
//! reboot   system boot  6.1.0-26-amd64   Tue Jul 29 10:21   still running              util-linux, default
//! admin    pts/0        198.51.100.7     Tue Jul 29 09:58 - crash  (00:05)
//! reboot   system boot  6.1.0-25-amd64   Mon Jul 28 08:00:05 2025 - Tue Jul 29 10:21:00 2025 (1+02:20)   -F
//! root     pts/0        192.0.2.10       2025-07-29T10:10:00+00:00 - 2025-07-29T10:20:00+00:00  (00:10)  iso
//! reboot   system boot  6.1.0-26-amd64   Tue Jul 29 10:21 - still running              wtmpdb
//! reboot   system boot  6.1.0-25-amd64   2025-07-28T08:00:05+0000  - crash             wtmpdb iso
//!
//! guest-crash.wtmp begins Mon Jul 28 08:00:05 2025                                      trailer
//! ```
//!
//! A line is read by locating its login time (the first word from which a `last` time parses),
//! not by column positions: `-w` widens the user and host columns, `-R` drops the host, `-a`
//! moves it after the length, and wtmpdb adds a service column. Before the time are the user,
//! the line (`system boot`, `system down`, `(to lvl 5)`, `new time` and `old time` hold a space)
//! and the host; after it the logout and the length.
//!
//! Each record gives an event (ident `last`, message the trimmed line, so boots and logins show
//! on the timeline) and a [`Session`] fact. The `wtmp begins` trailer gives the year: the default
//! layout prints none, and records come newest first, so the year is taken from the trailer and
//! carried upwards, adding one whenever a record's date is earlier than the record below it —
//! unless the printed weekday fits only the year without the step (an out-of-order record).
//! Such times become [`RecordedTime::Local`] with `year_inferred` set; without a trailer they
//! stay [`RecordedTime::Yearless`] for the clock stage. Several outputs in one file (one
//! trailer each) are inferred separately.
//!
//! # Known deviations
//! - `--time-format notime` lines carry no time and are unparsed; so are `wtmpdb last -j` JSON
//!   lines, shell prompts, Markdown fences and headings.
//! - A logout shown as a bare `HH:MM` is dated from the login plus the printed length.
//! - util-linux 2.38 prints a crashed boot's end as the next shutdown's time; that is kept as
//!   written (a `Logout`), not re-labelled `Crash` (wtmp and wtmpdb give the crash).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::common::{self, digits_n, month};
use super::{FormatKind, LineParser, Parsed};
use crate::event::{Event, RecordedTime, TimeFix};
use crate::facts::{Fact, FactKind, Session, SessionEnd, SessionKind};
use crate::framing::{Line, Lines, is_blank};
use crate::limits::Limits;

const VARIANT_NAMES: [&str; 6] = [
    "last-short",
    "last-full",
    "last-iso",
    "wtmpdb-short",
    "wtmpdb-full",
    "wtmpdb-iso",
];

/// How a time was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `Tue Jul 29 10:03`.
    Short = 0,
    /// `Tue Jul 29 10:03:41 2025`.
    Full = 1,
    /// `2025-07-29T10:03:41+00:00`.
    Iso = 2,
}

/// A login time as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    style: Style,
    weekday: Option<Weekday>,
    month: u32,
    day: u32,
    time: NaiveTime,
    year: Option<i32>,
    recorded: RecordedTime,
    /// The iso offset had no colon (wtmpdb).
    colonless: bool,
}

/// The logout column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Kind(SessionEnd),
    /// A bare `HH:MM`, to be dated from the login and the length.
    Clock(u32, u32),
    At(RecordedTime),
}

/// One parsed line.
#[derive(Clone, Debug, PartialEq)]
struct Record<'b> {
    user: &'b [u8],
    tty: &'b [u8],
    host: &'b [u8],
    start: Stamp,
    start_text: &'b [u8],
    end: End,
    minutes: Option<i64>,
    /// A wtmpdb-only mark (` - still running`, `- crash` without a length, `+0000`).
    wtmpdb: bool,
}

/// A record waiting for its year.
#[derive(Clone, Copy, Debug)]
struct Pending {
    event: usize,
    fact: usize,
    stamp: Stamp,
    end: End,
    minutes: Option<i64>,
}

/// Line parser for `last` output; the year is settled by [`parse`] once all lines were seen.
#[derive(Debug, Default)]
pub struct Parser {
    counts: [u64; 6],
    pending: Vec<Pending>,
    /// Trailers: index into `pending` where the block they close ends, and their year.
    trailers: Vec<(usize, Option<i32>)>,
}

/// Parses a `last` output member.
pub fn parse<'b>(data: &'b [u8], limits: &Limits) -> Parsed<'b> {
    let mut parser = Parser::default();
    let mut out = super::drive(FormatKind::Last, data, limits, &mut parser);
    parser.settle_years(&mut out);
    out
}

/// Whether the head of a member looks like `last` output: at least two record lines (or one
/// and a trailer), and at least half as many records as other non-artifact lines.
pub fn recognizes(head: &[u8]) -> bool {
    let (mut records, mut trailers, mut other) = (0u32, 0u32, 0u32);
    for line in Lines::new(head).filter(|l| !is_blank(l.text)).take(200) {
        if record(line.text).is_some() {
            records += 1;
        } else if trailer(line.text).is_some() {
            trailers += 1;
        } else if !common::is_paste_artifact(line.text) {
            other += 1;
        }
    }
    // Pasted outputs carry headings, JSON and notes: records must be a good part of the head,
    // not all of it.
    (records >= 2 || (records == 1 && trailers > 0)) && records * 2 >= other
}

impl<'b> LineParser<'b> for &mut Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        if let Some(rec) = record(line.text) {
            let variant = rec.start.style as usize + if rec.wtmpdb { 3 } else { 0 };
            self.counts[variant] += 1;
            let text = line.text.trim_ascii();
            let mut event = Event::new(
                rec.start.recorded,
                rec.start_text,
                line.number,
                line.offset,
                text,
            );
            event.ident = Some(b"last");
            let end = match rec.end {
                End::Kind(k) => k,
                End::At(t) => SessionEnd::Logout(t),
                End::Clock(..) => SessionEnd::Unknown,
            };
            let fact = Fact {
                line: line.number,
                offset: line.offset,
                kind: FactKind::Session(Session {
                    kind: session_kind(rec.user, rec.tty),
                    user: lossy(rec.user),
                    tty: lossy(rec.tty),
                    host: lossy(rec.host),
                    start: rec.start.recorded,
                    end,
                    duration_minutes: rec.minutes,
                }),
            };
            self.pending.push(Pending {
                event: out.events.len(),
                fact: out.facts.len(),
                stamp: rec.start,
                end: rec.end,
                minutes: rec.minutes,
            });
            out.push_event(event);
            out.facts.push(fact);
        } else if let Some(year) = trailer(line.text) {
            self.trailers.push((self.pending.len(), year));
            out.push_banner(None);
        } else {
            out.push_unparsed(&line);
        }
    }

    fn variant(&self) -> &'static str {
        super::most_seen(&self.counts, &VARIANT_NAMES)
    }
}

impl Parser {
    /// Gives each short-layout record its year from the trailer that closes its block, and
    /// dates the bare `HH:MM` logouts.
    fn settle_years(&self, out: &mut Parsed<'_>) {
        let mut from = 0usize;
        let mut blocks: Vec<(usize, usize, Option<i32>)> = Vec::new();
        for &(to, year) in &self.trailers {
            blocks.push((from, to, year));
            from = to;
        }
        if from < self.pending.len() {
            blocks.push((from, self.pending.len(), None));
        }
        for (from, to, trailer_year) in blocks {
            let Some(block) = self.pending.get(from..to) else {
                continue;
            };
            let mut year = trailer_year;
            let mut below: Option<NaiveDateTime> = None;
            for p in block.iter().rev() {
                let stamp = p.stamp;
                let start = match (stamp.year, year) {
                    (Some(y), _) => NaiveDate::from_ymd_opt(y, stamp.month, stamp.day)
                        .map(|d| d.and_time(stamp.time)),
                    (None, Some(y)) => {
                        let chosen = choose_year(y, &stamp, below);
                        year = Some(chosen);
                        let dated = NaiveDate::from_ymd_opt(chosen, stamp.month, stamp.day)
                            .map(|d| d.and_time(stamp.time));
                        if let Some(dt) = dated {
                            let local = RecordedTime::Local(dt);
                            if let Some(e) = out.events.get_mut(p.event) {
                                e.recorded = local;
                                e.quality.insert(TimeFix::YearInferred);
                            }
                            if let Some(FactKind::Session(s)) =
                                out.facts.get_mut(p.fact).map(|f| &mut f.kind)
                            {
                                s.start = local;
                            }
                        }
                        dated
                    }
                    (None, None) => None,
                };
                if let Some(s) = start {
                    below = Some(s);
                }
                if let End::Clock(h, m) = p.end {
                    let end = clock_end(&stamp, start, h, m, p.minutes);
                    if let Some(FactKind::Session(s)) =
                        out.facts.get_mut(p.fact).map(|f| &mut f.kind)
                    {
                        s.end = end.map_or(SessionEnd::Unknown, SessionEnd::Logout);
                    }
                }
            }
        }
    }
}

/// The year of a yearless record printed above one dated `below` (newest first): the year of
/// the record below, or the next one when the date went backwards, unless the weekday fits
/// only the other.
fn choose_year(current: i32, stamp: &Stamp, below: Option<NaiveDateTime>) -> i32 {
    let at =
        |y: i32| NaiveDate::from_ymd_opt(y, stamp.month, stamp.day).map(|d| d.and_time(stamp.time));
    let ordered = match (below, at(current)) {
        (Some(b), Some(t)) if t < b => current + 1,
        (_, None) => {
            // Feb 29 in a year without it: the next leap year within the step.
            if at(current + 1).is_some() {
                current + 1
            } else {
                current
            }
        }
        _ => current,
    };
    let fits = |y: i32| {
        stamp
            .weekday
            .is_none_or(|w| at(y).is_some_and(|t| t.weekday() == w))
    };
    if fits(ordered) {
        ordered
    } else {
        let other = if ordered == current {
            current + 1
        } else {
            current
        };
        if fits(other) { other } else { ordered }
    }
}

/// The date of a bare `HH:MM` logout: the one nearest to login + length (the length is cut to
/// minutes, so the sum can be a minute short).
fn clock_end(
    stamp: &Stamp,
    start: Option<NaiveDateTime>,
    h: u32,
    m: u32,
    minutes: Option<i64>,
) -> Option<RecordedTime> {
    let time = NaiveTime::from_hms_opt(h, m, 0)?;
    // A leap year stands in when the year is unknown, so that Feb 29 exists.
    let (start, yearless) = match start {
        Some(s) => (s, false),
        None => (
            NaiveDate::from_ymd_opt(2000, stamp.month, stamp.day)?.and_time(stamp.time),
            true,
        ),
    };
    let target = start.checked_add_signed(Duration::minutes(minutes.unwrap_or(0).max(0)))?;
    let best = [-1i64, 0, 1]
        .into_iter()
        .filter_map(|d| target.date().checked_add_signed(Duration::days(d)))
        .map(|d| d.and_time(time))
        .filter(|t| *t >= start - Duration::minutes(1))
        .min_by_key(|t| (*t - target).num_seconds().abs())?;
    Some(if yearless {
        RecordedTime::Yearless {
            month: best.month(),
            day: best.day(),
            time: best.time(),
        }
    } else {
        RecordedTime::Local(best)
    })
}

/// The kind of record the user and line columns name.
fn session_kind(user: &[u8], tty: &[u8]) -> SessionKind {
    match (user, tty) {
        (b"reboot" | b"s-reboot" | b"soft-reboot", b"system boot") => SessionKind::Reboot,
        (_, b"system down") => SessionKind::Shutdown,
        (_, t) if t.starts_with(b"(to lvl") => SessionKind::Runlevel,
        (b"date", b"new time" | b"old time") => SessionKind::TimeChange,
        _ => SessionKind::User,
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Line column values that contain a space.
const SPACED_LINES: &[&[u8]] = &[b"system boot", b"system down", b"new time", b"old time"];

/// Parses one `last` record line.
fn record(text: &[u8]) -> Option<Record<'_>> {
    let text = text.trim_ascii_end();
    if text.first().is_none_or(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let user_len = text.iter().position(|&b| b == b' ')?;
    let user = &text[..user_len];
    if user_len > 64 || user.starts_with(b"#") || user.starts_with(b"```") {
        return None;
    }
    let rest = &text[user_len..];
    // The login time is the first word a time parses from; the line column comes first, so
    // start looking after one more word.
    let (at, start, after) = (1..rest.len())
        .filter(|&i| rest[i] != b' ' && rest[i - 1] == b' ')
        .skip(1)
        .take(8)
        .find_map(|i| login_time(&rest[i..]).map(|(s, after)| (i, s, after)))
        .or_else(|| {
            // `last -R` without a host and a one-word line: the time is the second word.
            (1..rest.len())
                .filter(|&i| rest[i] != b' ' && rest[i - 1] == b' ')
                .take(1)
                .find_map(|i| login_time(&rest[i..]).map(|(s, after)| (i, s, after)))
        })?;
    let prefix = rest[..at].trim_ascii();
    let (tty, mut host) = match SPACED_LINES
        .iter()
        .find(|l| prefix.starts_with(l))
        .map(|l| l.len())
        .or_else(|| {
            prefix.starts_with(b"(to lvl ").then(|| {
                prefix
                    .iter()
                    .position(|&b| b == b')')
                    .map_or(prefix.len(), |p| p + 1)
            })
        }) {
        Some(len) => (&prefix[..len], prefix[len..].trim_ascii()),
        None => {
            let len = prefix
                .iter()
                .position(|&b| b == b' ')
                .unwrap_or(prefix.len());
            (&prefix[..len], prefix[len..].trim_ascii())
        }
    };
    if tty.is_empty() {
        return None;
    }
    let start_text = &rest[at..rest.len() - after.len()];
    let (end, after_end, mut wtmpdb) = logout(after, start.style)?;
    let mut tail = after_end.trim_ascii_start();
    let mut minutes = None;
    if let Some((m, r)) = length(tail) {
        minutes = Some(m);
        tail = r.trim_ascii_start();
    }
    if matches!(end, End::Kind(SessionEnd::Crash)) && minutes.is_none() {
        wtmpdb = true;
    }
    if !tail.is_empty() {
        if host.is_empty() {
            // `last -a`: the host comes last.
            host = tail;
        } else if !wtmpdb {
            return None;
        }
    }
    wtmpdb |= start.colonless;
    Some(Record {
        user,
        tty,
        host,
        start,
        start_text,
        end,
        minutes,
        wtmpdb,
    })
}

/// The logout column. Returns the end, the rest, and whether it had a wtmpdb-only shape.
fn logout(input: &[u8], style: Style) -> Option<(End, &[u8], bool)> {
    let t = input.trim_ascii_start();
    for (word, end) in [
        (&b"still running"[..], SessionEnd::StillRunning),
        (b"still logged in", SessionEnd::StillLoggedIn),
        (b"gone - no logout", SessionEnd::GoneNoLogout),
    ] {
        if let Some(r) = t.strip_prefix(word) {
            return Some((End::Kind(end), r, false));
        }
    }
    let after_dash = t.strip_prefix(b"-")?;
    let u = after_dash.trim_ascii_start();
    if after_dash.len() == u.len() {
        return None;
    }
    for (word, end, wtmpdb) in [
        (&b"still running"[..], SessionEnd::StillRunning, true),
        (b"still logged in", SessionEnd::StillLoggedIn, true),
        (b"gone - no logout", SessionEnd::GoneNoLogout, true),
        (b"crash", SessionEnd::Crash, false),
        (b"down", SessionEnd::Down, false),
    ] {
        if let Some(r) = u.strip_prefix(word) {
            return Some((End::Kind(end), r, wtmpdb));
        }
    }
    match style {
        Style::Short => {
            let (r, (h, _, m)) = nom::Parser::parse(
                &mut (
                    digits_n(2),
                    nom::character::complete::char(':'),
                    digits_n(2),
                ),
                u,
            )
            .ok()?;
            (h < 24 && m < 60 && r.first().is_none_or(|&b| b == b' ')).then_some((
                End::Clock(h, m),
                r,
                false,
            ))
        }
        _ => {
            let (s, r) = login_time(u)?;
            Some((End::At(s.recorded), r, false))
        }
    }
}

/// `(HH:MM)`, `(D+HH:MM)`, `(-00:MM)` as minutes.
fn length(input: &[u8]) -> Option<(i64, &[u8])> {
    let inner = input.strip_prefix(b"(")?;
    let close = inner.iter().position(|&b| b == b')')?;
    let body = inner[..close].trim_ascii();
    let rest = &inner[close + 1..];
    let (neg, body) = match body.strip_prefix(b"-") {
        Some(b) => (true, b),
        None => (false, body),
    };
    let (days, hm) = match body.iter().position(|&b| b == b'+') {
        Some(p) => (digits(&body[..p])?, &body[p + 1..]),
        None => (0, body),
    };
    let colon = hm.iter().position(|&b| b == b':')?;
    let h = digits(&hm[..colon])?;
    let m = digits(&hm[colon + 1..])?;
    let total = days
        .checked_mul(1440)?
        .checked_add(h.checked_mul(60)?)?
        .checked_add(m)?;
    Some((if neg { -total } else { total }, rest))
}

fn digits(d: &[u8]) -> Option<i64> {
    if d.is_empty() || d.len() > 12 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    i64::try_from(common::parse_u64(d)).ok()
}

/// A login time in any of `last`'s formats; the input continues after it with a space or ends.
fn login_time(input: &[u8]) -> Option<(Stamp, &[u8])> {
    if input.first().is_some_and(u8::is_ascii_digit) {
        return iso(input);
    }
    let weekday = weekday(input.get(..3)?)?;
    let r = input.get(3..)?.strip_prefix(b" ")?;
    let (r, month) = month(r).ok()?;
    let r = r.strip_prefix(b" ")?;
    let r = r.strip_prefix(b" ").unwrap_or(r);
    let dlen = r.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&dlen) {
        return None;
    }
    let day = common::parse_u32(&r[..dlen]);
    let r = r[dlen..].strip_prefix(b" ")?;
    let (r2, (h, _, m)) = nom::Parser::parse(
        &mut (
            digits_n(2),
            nom::character::complete::char(':'),
            digits_n(2),
        ),
        r,
    )
    .ok()?;
    if !(1..=31).contains(&day) || h > 23 || m > 59 {
        return None;
    }
    // `-F`: `:SS YYYY`.
    if let Some(full) = r2.strip_prefix(b":") {
        let (full, s) = digits_n(2)(full).ok()?;
        let full = full.strip_prefix(b" ")?;
        let (full, y) = digits_n(4)(full).ok()?;
        let time = NaiveTime::from_hms_opt(h, m, s)?;
        let date = NaiveDate::from_ymd_opt(y as i32, month, day)?;
        if full.first().is_some_and(|&b| b != b' ') {
            return None;
        }
        let stamp = Stamp {
            style: Style::Full,
            weekday: Some(weekday),
            month,
            day,
            time,
            year: Some(y as i32),
            recorded: RecordedTime::Local(date.and_time(time)),
            colonless: false,
        };
        return Some((stamp, full));
    }
    if r2.first().is_some_and(|&b| b != b' ') {
        return None;
    }
    let time = NaiveTime::from_hms_opt(h, m, 0)?;
    let stamp = Stamp {
        style: Style::Short,
        weekday: Some(weekday),
        month,
        day,
        time,
        year: None,
        recorded: RecordedTime::Yearless { month, day, time },
        colonless: false,
    };
    Some((stamp, r2))
}

/// `2025-07-29T10:03:41+00:00` (util-linux) or `+0000` (wtmpdb), optionally with a `,fraction`.
fn iso(input: &[u8]) -> Option<(Stamp, &[u8])> {
    let (rest, t) = common::rfc3339(input, true).ok()?;
    if rest.first().is_some_and(|&b| b != b' ') {
        return None;
    }
    let written = &input[..input.len() - rest.len()];
    let colonless = written.get(written.len().checked_sub(3)?) != Some(&b':');
    let local = common::date(input).ok()?.1;
    let stamp = Stamp {
        style: Style::Iso,
        weekday: None,
        month: local.month(),
        day: local.day(),
        time: t.time(),
        year: Some(local.year()),
        recorded: RecordedTime::Absolute(t),
        colonless,
    };
    Some((stamp, rest))
}

fn weekday(w: &[u8]) -> Option<Weekday> {
    Some(match w {
        b"Mon" => Weekday::Mon,
        b"Tue" => Weekday::Tue,
        b"Wed" => Weekday::Wed,
        b"Thu" => Weekday::Thu,
        b"Fri" => Weekday::Fri,
        b"Sat" => Weekday::Sat,
        b"Sun" => Weekday::Sun,
        _ => return None,
    })
}

/// `<file> begins <ctime with year>` (or an iso time): the year it gives (a time must follow
/// `begins`, so prose is not taken for a trailer).
fn trailer(text: &[u8]) -> Option<Option<i32>> {
    let text = text.trim_ascii();
    let at = text.windows(8).position(|w| w == b" begins ")?;
    let name = &text[..at];
    if name.is_empty() || name.contains(&b' ') {
        return None;
    }
    let (stamp, _) = login_time(&text[at + 8..])?;
    Some(stamp.year)
}

/// Whether a line is a `last` record or trailer (for pastes that hold `last` output among
/// other commands' outputs).
pub(crate) fn accepts(text: &[u8]) -> bool {
    record(text).is_some() || trailer(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Parsed<'_> {
        parse(text.as_bytes(), &Limits::default())
    }

    fn session(f: &Fact) -> &Session {
        match &f.kind {
            FactKind::Session(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn ymd_hms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    /// (line, user, tty, host, end, minutes)
    #[test]
    fn record_table() {
        let rows: &[(&str, &str, &str, &str, SessionEnd, Option<i64>)] = &[
            (
                "reboot   system boot  6.1.0-26-amd64   Tue Jul 29 10:21   still running",
                "reboot",
                "system boot",
                "6.1.0-26-amd64",
                SessionEnd::StillRunning,
                None,
            ),
            (
                "admin    pts/0        198.51.100.7     Tue Jul 29 09:58 - crash  (00:05)",
                "admin",
                "pts/0",
                "198.51.100.7",
                SessionEnd::Crash,
                Some(5),
            ),
            (
                "runlevel (to lvl 5)   6.1.0-25-amd64   Mon Jul 28 08:00 - 10:03 (1+02:03)",
                "runlevel",
                "(to lvl 5)",
                "6.1.0-25-amd64",
                SessionEnd::Unknown,
                Some(1563),
            ),
            (
                "root     pts/1        2001:db8::5      Tue Jul 29 11:00    gone - no logout",
                "root",
                "pts/1",
                "2001:db8::5",
                SessionEnd::GoneNoLogout,
                None,
            ),
            (
                "nonvalid foo          zero             Wed Aug 28 12:00 - down   (03:00)",
                "nonvalid",
                "foo",
                "zero",
                SessionEnd::Down,
                Some(180),
            ),
            (
                "rick     long         never-gonna-log* Thu Jan  1 00:00 - 03:14 (24855+03:14)",
                "rick",
                "long",
                "never-gonna-log*",
                SessionEnd::Unknown,
                Some(24855 * 1440 + 194),
            ),
            // -R: no host.
            (
                "torvalds linux        Mon Aug 26 00:57    gone - no logout",
                "torvalds",
                "linux",
                "",
                SessionEnd::GoneNoLogout,
                None,
            ),
            // -a: the host last.
            (
                "shutdown system down  Tue Jul 29 10:21 - 10:21  (00:00)     6.1.0-25-amd64",
                "shutdown",
                "system down",
                "6.1.0-25-amd64",
                SessionEnd::Unknown,
                Some(0),
            ),
            // wtmpdb.
            (
                "reboot   system boot  6.1.0-26-amd64   Tue Jul 29 10:21 - still running",
                "reboot",
                "system boot",
                "6.1.0-26-amd64",
                SessionEnd::StillRunning,
                None,
            ),
            (
                "reboot   system boot  6.1.0-25-amd64   Mon Jul 28 08:00 - crash ",
                "reboot",
                "system boot",
                "6.1.0-25-amd64",
                SessionEnd::Crash,
                None,
            ),
            (
                "root     pts/1        2001:db8::5      2025-07-29T11:00:00+0000  - still logged in           ",
                "root",
                "pts/1",
                "2001:db8::5",
                SessionEnd::StillLoggedIn,
                None,
            ),
            (
                "IPv6     root         2001:503:ba3e::* Wed Aug 28 20:30 - 20:40  (00:10)",
                "IPv6",
                "root",
                "2001:503:ba3e::*",
                SessionEnd::Unknown,
                Some(10),
            ),
        ];
        for (line, user, tty, host, end, minutes) in rows {
            let p = parse_str(line);
            assert_eq!(p.facts.len(), 1, "{line}: {:?}", p.unparsed_examples);
            let s = session(&p.facts[0]);
            assert_eq!(
                (s.user.as_str(), s.tty.as_str(), s.host.as_str()),
                (*user, *tty, *host),
                "{line}"
            );
            if *end != SessionEnd::Unknown {
                assert_eq!(s.end, *end, "{line}");
            }
            assert_eq!(s.duration_minutes, *minutes, "{line}");
            assert_eq!(p.events[0].ident, Some(&b"last"[..]));
        }
    }

    #[test]
    fn full_and_iso_times() {
        let p = parse_str(
            "reboot   system boot  6.1.0-25-amd64   Mon Jul 28 08:00:05 2025 - Tue Jul 29 10:21:00 2025 (1+02:20)\n\
             admin    pts/0        198.51.100.7     Tue Jul 29 09:58:00 2025 - crash                     (00:05)\n\
             root     pts/0        192.0.2.10       2025-07-29T10:10:00+00:00 - 2025-07-29T10:20:00+00:00  (00:10)\n",
        );
        assert_eq!(p.stats.unparsed_lines, 0, "{:?}", p.unparsed_examples);
        let s = session(&p.facts[0]);
        assert_eq!(s.start, RecordedTime::Local(ymd_hms(2025, 7, 28, 8, 0, 5)));
        assert_eq!(
            s.end,
            SessionEnd::Logout(RecordedTime::Local(ymd_hms(2025, 7, 29, 10, 21, 0)))
        );
        assert_eq!(session(&p.facts[1]).end, SessionEnd::Crash);
        let s = session(&p.facts[2]);
        assert!(matches!(s.start, RecordedTime::Absolute(_)));
        assert!(matches!(
            s.end,
            SessionEnd::Logout(RecordedTime::Absolute(_))
        ));
        assert_eq!(p.variant, "last-full");
    }

    #[test]
    fn trailer_gives_the_year_walking_up_across_new_year() {
        let p = parse_str(
            "reboot   system boot  6.8.12-4-pve     Thu Jan  2 09:00   still running\n\
             root     pts/0        10.0.0.5         Tue Dec 31 23:50 - 00:20  (00:30)\n\
             reboot   system boot  6.8.12-4-pve     Mon Dec 30 08:00 - 08:59 (3+00:59)\n\
             \n\
             wtmp begins Mon Dec 30 08:00:01 2024\n",
        );
        assert_eq!(p.stats.banner_lines, 1);
        assert!(p.stats.balanced());
        let starts: Vec<_> = p.facts.iter().map(|f| session(f).start).collect();
        assert_eq!(
            starts,
            vec![
                RecordedTime::Local(ymd_hms(2025, 1, 2, 9, 0, 0)),
                RecordedTime::Local(ymd_hms(2024, 12, 31, 23, 50, 0)),
                RecordedTime::Local(ymd_hms(2024, 12, 30, 8, 0, 0)),
            ]
        );
        assert_eq!(
            session(&p.facts[1]).end,
            SessionEnd::Logout(RecordedTime::Local(ymd_hms(2025, 1, 1, 0, 20, 0)))
        );
        assert_eq!(
            session(&p.facts[2]).end,
            SessionEnd::Logout(RecordedTime::Local(ymd_hms(2025, 1, 2, 8, 59, 0)))
        );
        assert!(
            p.events
                .iter()
                .all(|e| e.quality.contains(TimeFix::YearInferred))
        );
    }

    #[test]
    fn without_trailer_times_stay_yearless() {
        let p =
            parse_str("reboot   system boot  6.1.0-25-amd64   Tue Jul 29 10:03 - 10:21  (00:17)\n");
        let s = session(&p.facts[0]);
        assert!(matches!(
            s.start,
            RecordedTime::Yearless {
                month: 7,
                day: 29,
                ..
            }
        ));
        assert!(matches!(
            s.end,
            SessionEnd::Logout(RecordedTime::Yearless {
                month: 7,
                day: 29,
                ..
            })
        ));
    }

    #[test]
    fn out_of_order_record_keeps_the_year_its_weekday_fits() {
        // util-linux's test data: a 1991 login printed above 2013 boots. Mon Aug 26 fits 2013,
        // not 2014, so the year does not step.
        let p = parse_str(
            "torvalds linux        hobby            Mon Aug 26 00:57    gone - no logout\n\
             reboot   system boot  system-name      Wed Aug 28 18:00   still running\n\
             \n\
             wtmp-a begins Wed Aug 28 03:00:00 2013\n",
        );
        assert_eq!(
            session(&p.facts[0]).start,
            RecordedTime::Local(ymd_hms(2013, 8, 26, 0, 57, 0))
        );
    }

    #[test]
    fn prompts_fences_and_notime_lines_are_unparsed() {
        let p = parse_str(
            "```\nroot@pve1:~# last -x\n\
             reboot   system boot  6.1.0-26-amd64   Tue Jul 29 10:21   still running\n\
             reboot   system boot  6.1.0-26-amd64     running\n```\n",
        );
        assert_eq!(p.stats.unparsed_lines, 4);
        assert_eq!(p.events.len(), 1);
        assert!(p.stats.balanced());
    }

    #[test]
    fn detection() {
        assert!(recognizes(
            b"root     pts/0        192.0.2.10       Tue Jul 29 10:10 - 10:20  (00:10)\n\
              reboot   system boot  6.1.0-25-amd64   Tue Jul 29 10:03 - 10:21  (00:17)\n\nwtmp begins Mon Jul 28 08:00:05 2025\n"
        ));
        assert!(!recognizes(
            b"Jul 29 10:10:00 pve1 sshd[1]: Accepted publickey for root\n"
        ));
        assert!(!recognizes(
            b"MemTotal:       16318000 kB\nMemFree:         1000 kB\n"
        ));
    }

    #[test]
    fn hostile_lines_do_not_panic() {
        for line in [
            "a b Tue Jul 29 10:21 - (",
            "a b Tue Jul 29 10:21 - (99999999999999999999+99:99)",
            "a b Tue Feb 30 10:21   still running",
            "x (to lvl Tue Jul 29 10:21 - 10:2",
            "reboot   system boot  k   2025-13-40T10:10:00+00:00 - crash",
            " begins ",
            "wtmp begins",
            "history begins here",
            "é€ Tue Jul 29 99:99",
        ] {
            let p = parse_str(line);
            assert!(p.stats.balanced(), "{line}");
        }
    }
}
