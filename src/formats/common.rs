//! Grammar productions shared by the text formats: month names, timestamps, and the
//! `host ident[pid]: message` tail that syslog and journalctl text have in common.
//!
//! Every production is a nom parser over `&[u8]` that borrows from its input. Timestamps are
//! returned as [`RecordedTime`]; turning them into UTC is the clock stage's job.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use nom::{
    IResult, Parser,
    bytes::complete::{take_while, take_while_m_n, take_while1},
    character::complete::char,
    combinator::opt,
};

use crate::event::{Bytes, RecordedTime};

/// The result type of every production here.
pub type PResult<'b, O> = IResult<&'b [u8], O>;

/// Month names as `%b` prints them in the C locale and in the locales seen in bundles
/// (German, French, Spanish, Italian, Dutch, Portuguese), lowercased. Journal text and syslog
/// written under a non-C `LC_TIME` carry these (REFERENCE.md §2 pitfalls).
const MONTHS: &[(&[u8], u32)] = &[
    (b"jan", 1),
    (b"feb", 2),
    (b"mar", 3),
    (b"apr", 4),
    (b"may", 5),
    (b"jun", 6),
    (b"jul", 7),
    (b"aug", 8),
    (b"sep", 9),
    (b"oct", 10),
    (b"nov", 11),
    (b"dec", 12),
    ("mär".as_bytes(), 3),
    (b"mrz", 3),
    (b"mai", 5),
    (b"okt", 10),
    (b"dez", 12),
    ("fév".as_bytes(), 2),
    (b"fev", 2),
    (b"avr", 4),
    (b"jui", 6),
    ("aoû".as_bytes(), 8),
    (b"ene", 1),
    (b"abr", 4),
    (b"ago", 8),
    (b"dic", 12),
    (b"gen", 1),
    (b"mag", 5),
    (b"giu", 6),
    (b"lug", 7),
    (b"set", 9),
    (b"ott", 10),
    (b"mrt", 3),
    (b"mei", 5),
    (b"out", 10),
    ("déc".as_bytes(), 12),
    (b"sept", 9),
    (b"juil", 7),
];

/// A month name (`Jan`, `Okt`, `Mär`…), case-insensitive, optionally followed by a `.`
/// as some locales print it.
pub fn month(input: &[u8]) -> PResult<'_, u32> {
    // Longest names first so `sept` wins over `sep`.
    let mut best: Option<(usize, u32)> = None;
    for &(name, number) in MONTHS {
        if input.len() >= name.len()
            && input[..name.len()].eq_ignore_ascii_case(name)
            && best.is_none_or(|(len, _)| name.len() > len)
        {
            best = Some((name.len(), number));
        }
    }
    match best {
        Some((len, number)) => {
            let mut rest = &input[len..];
            if let [b'.', tail @ ..] = rest {
                rest = tail;
            }
            // A month name is a whole word: `Mayday` is not May.
            if rest.first().is_some_and(|b| b.is_ascii_alphabetic()) {
                return Err(err(input));
            }
            Ok((rest, number))
        }
        None => Err(err(input)),
    }
}

/// A nom error at `input`.
pub fn err(input: &[u8]) -> nom::Err<nom::error::Error<&[u8]>> {
    nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Verify))
}

/// Exactly `n` ASCII digits as a number.
pub fn digits_n(n: usize) -> impl Fn(&[u8]) -> PResult<'_, u32> {
    move |input| {
        let (rest, d) = take_while_m_n(n, n, |b: u8| b.is_ascii_digit()).parse(input)?;
        Ok((rest, parse_u32(d)))
    }
}

/// One or more ASCII digits as a `u64` (saturating: logs are hostile).
pub fn number(input: &[u8]) -> PResult<'_, u64> {
    let (rest, d) = take_while1(|b: u8| b.is_ascii_digit()).parse(input)?;
    Ok((rest, parse_u64(d)))
}

/// Decimal digits to `u32`, saturating.
pub fn parse_u32(d: &[u8]) -> u32 {
    u32::try_from(parse_u64(d)).unwrap_or(u32::MAX)
}

/// Decimal digits to `u64`, saturating.
pub fn parse_u64(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |acc, b| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(b.wrapping_sub(b'0')))
    })
}

/// Hexadecimal digits, `min..=max` of them, as a number (UPID fields, journal cursor clocks);
/// `None` past `u64`.
pub fn hex(text: &[u8], min: usize, max: usize) -> Option<u64> {
    if text.len() < min || text.len() > max || !text.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(text).ok()?, 16).ok()
}

/// A fraction after its separator: 1–9 digits, as nanoseconds.
pub fn fraction_nanos(input: &[u8]) -> PResult<'_, u32> {
    let (rest, d) = take_while_m_n(1, 9, |b: u8| b.is_ascii_digit()).parse(input)?;
    // Digits past nanoseconds are dropped, not rounded.
    let (rest, _) = take_while(|b: u8| b.is_ascii_digit()).parse(rest)?;
    let mut nanos = parse_u32(d);
    for _ in d.len()..9 {
        nanos *= 10;
    }
    Ok((rest, nanos))
}

/// `HH:MM:SS` with an optional `.fraction` (or `,fraction` when `comma` is set).
pub fn time_of_day(input: &[u8], comma: bool) -> PResult<'_, NaiveTime> {
    let (rest, (h, _, m, _, s)) =
        (digits_n(2), char(':'), digits_n(2), char(':'), digits_n(2)).parse(input)?;
    let sep = if comma { ',' } else { '.' };
    let (rest, nanos) = opt((char(sep), fraction_nanos).map(|(_, n)| n)).parse(rest)?;
    // A leap second (`:60`) is kept as chrono's leap representation: second 59 with a
    // nanosecond count past 1e9. Seconds past 60 are not a time.
    let nanos = nanos.unwrap_or(0);
    let time = match s {
        0..=59 => NaiveTime::from_hms_nano_opt(h, m, s, nanos),
        60 => NaiveTime::from_hms_nano_opt(h, m, 59, 1_000_000_000 + nanos.min(999_999_999)),
        _ => None,
    }
    .ok_or_else(|| err(input))?;
    Ok((rest, time))
}

/// `YYYY-MM-DD`.
pub fn date(input: &[u8]) -> PResult<'_, NaiveDate> {
    let (rest, (y, _, m, _, d)) =
        (digits_n(4), char('-'), digits_n(2), char('-'), digits_n(2)).parse(input)?;
    let date = NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| err(input))?;
    Ok((rest, date))
}

/// A UTC offset: `Z`, `+HH:MM`, `+HHMM` or `+HH`, in seconds east of UTC.
pub fn utc_offset(input: &[u8]) -> PResult<'_, i32> {
    if let Some(rest) = input
        .strip_prefix(b"Z")
        .or_else(|| input.strip_prefix(b"z"))
    {
        return Ok((rest, 0));
    }
    let (rest, sign) = nom::branch::alt((char('+'), char('-'))).parse(input)?;
    let (rest, hours) = digits_n(2)(rest)?;
    let (rest, _) = opt(char(':')).parse(rest)?;
    let (rest, minutes) = opt(digits_n(2)).parse(rest)?;
    let minutes = minutes.unwrap_or(0);
    if hours > 23 || minutes > 59 {
        return Err(err(input));
    }
    let secs = (hours * 3600 + minutes * 60) as i32;
    Ok((rest, if sign == '-' { -secs } else { secs }))
}

/// RFC 3339 / ISO 8601 date-time with a mandatory offset: `2025-07-29T11:56:40.123+02:00`,
/// `2025-07-29T11:56:40+0200`. With `comma`, the fraction follows a `,` (dmesg `--time-format iso`).
pub fn rfc3339(input: &[u8], comma: bool) -> PResult<'_, DateTime<Utc>> {
    let (rest, day) = date(input)?;
    let (rest, _) = nom::branch::alt((char('T'), char('t'), char(' '))).parse(rest)?;
    let (rest, time) = time_of_day(rest, comma)?;
    let (rest, offset) = utc_offset(rest)?;
    let instant = absolute(day.and_time(time), offset).ok_or_else(|| err(input))?;
    Ok((rest, instant))
}

/// A naive local date-time at a fixed offset, as UTC.
pub fn absolute(local: NaiveDateTime, offset_secs: i32) -> Option<DateTime<Utc>> {
    let offset = FixedOffset::east_opt(offset_secs)?;
    offset
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// `Mmm dd HH:MM:SS[.ffffff]`: the yearless syslog/journalctl `short` stamp. The day may be
/// space-padded (`Jul  9`, RFC 3164) or zero-padded (`Jul 09`, journalctl).
pub fn yearless(input: &[u8]) -> PResult<'_, RecordedTime> {
    let (rest, month) = month(input)?;
    let (rest, _) = take_while_m_n(1, 2, |b| b == b' ').parse(rest)?;
    let (rest, day) = take_while_m_n(1, 2, |b: u8| b.is_ascii_digit()).parse(rest)?;
    let day = parse_u32(day);
    let (rest, _) = char(' ')(rest)?;
    let (rest, time) = time_of_day(rest, false)?;
    if !(1..=31).contains(&day) {
        return Err(err(input));
    }
    Ok((rest, RecordedTime::Yearless { month, day, time }))
}

/// The longest uptime taken as one (a century): longer "uptimes" are corrupt text, and would
/// push boot arithmetic outside the calendar.
pub const MAX_UPTIME_SECS: u64 = 100 * 366 * 86_400;

/// `[   12.345678]`: seconds since boot in brackets, as printk and journalctl
/// `short-monotonic` print them. Returns microseconds.
pub fn bracketed_uptime(input: &[u8]) -> PResult<'_, u64> {
    let (rest, _) = char('[')(input)?;
    let (rest, _) = take_while(|b| b == b' ')(rest)?;
    let (rest, secs) = number(rest)?;
    let (rest, _) = char('.')(rest)?;
    let (rest, frac) = take_while_m_n(1, 9, |b: u8| b.is_ascii_digit()).parse(rest)?;
    let (rest, _) = char(']')(rest)?;
    if secs > MAX_UPTIME_SECS {
        return Err(err(input));
    }
    Ok((rest, secs * 1_000_000 + frac_micros(frac)))
}

/// Fraction digits (as written after the point) to microseconds, truncating.
pub fn frac_micros(frac: &[u8]) -> u64 {
    let mut micros = 0u64;
    for i in 0..6 {
        micros = micros * 10 + frac.get(i).map_or(0, |b| u64::from(b.wrapping_sub(b'0')));
    }
    micros
}

/// The `ident[pid]: message` part of a syslog or journalctl line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tagged<'b> {
    /// The identifier (syslog tag), e.g. `kernel`, `pve-ha-lrm`, `sshd(pam_unix)`.
    pub ident: Option<&'b [u8]>,
    /// The pid in brackets.
    pub pid: Option<u32>,
    /// Everything after `: `.
    pub message: &'b [u8],
}

/// Splits `ident[pid]: message`. A tag is up to 48 bytes without white space, `[` or `:`
/// (RFC 3164 allows 32; rsyslog keeps longer ones). When there is no tag, the whole input is
/// the message: old sysklogd's `--- last message repeated 5 times ---` has none.
pub fn tagged(input: &[u8]) -> Tagged<'_> {
    fn parts(input: &[u8]) -> PResult<'_, (&[u8], Option<u32>)> {
        let (rest, ident) = take_while_m_n(1, 48, |b: u8| {
            !b.is_ascii_whitespace() && b != b'[' && b != b':'
        })
        .parse(input)?;
        let (rest, pid) = opt((char('['), number, char(']')).map(|(_, p, _)| p)).parse(rest)?;
        let (rest, _) = char(':')(rest)?;
        Ok((
            rest,
            (ident, pid.map(|p| u32::try_from(p).unwrap_or(u32::MAX))),
        ))
    }
    match parts(input) {
        Ok((rest, (ident, pid))) => Tagged {
            ident: Some(ident),
            pid,
            message: rest.strip_prefix(b" ").unwrap_or(rest),
        },
        Err(_) => Tagged {
            ident: None,
            pid: None,
            message: input,
        },
    }
}

/// A host name token: anything up to the next space, but not a bracketed word.
pub fn hostname(input: &[u8]) -> PResult<'_, &[u8]> {
    // A bracketed word there is an application's level (`[Note]`, `[ERROR]`: MariaDB's
    // `2026-04-06 19:40:14+00:00 [Note] [Entrypoint]: …`), never a host name.
    if input.first() == Some(&b'[') {
        return Err(err(input));
    }
    let (rest, host) = take_while1(|b: u8| b != b' ' && b != b'\t').parse(input)?;
    let (rest, _) = char(' ')(rest)?;
    Ok((rest, host))
}

/// Length of the CSI sequence (`ESC [ params final`: a terminal colour) at the start of
/// `input`, if any.
pub fn csi_len(input: &[u8]) -> Option<usize> {
    let body = input.strip_prefix(b"\x1b[")?;
    let params = body
        .iter()
        .take(32)
        .take_while(|&&b| (0x20..=0x3f).contains(&b))
        .count();
    let last = *body.get(params)?;
    (0x40..=0x7e).contains(&last).then_some(2 + params + 1)
}

/// The words systemd's manager puts in brackets before a status line on the console.
const CONSOLE_STATUS: &[&[u8]] = &[
    b"  OK  ", b"FAILED", b"DEPEND", b" TIME ", b" INFO ", b" WARN ", b"UNSAFE",
];

/// A status line of systemd's manager on a console (a serial console's capture, a VM's
/// screen, `virsh console`): `[  OK  ] Reached target Power-Off.`, `[FAILED] Failed to start
/// …`, coloured (`ESC[0;32m  OK  ESC[0m`) or not, with the carriage return a serial console
/// ends lines with. Returns what PID 1 said, without the status or its colours.
pub fn console_status(text: &[u8]) -> Option<crate::event::Bytes<'_>> {
    use crate::event::Bytes;
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    let rest = text.strip_prefix(b"[")?;
    if memchr::memchr(0x1b, rest).is_none() {
        let (word, message) = (rest.get(..6)?, rest.get(6..)?.strip_prefix(b"] ")?);
        return (CONSOLE_STATUS.contains(&word) && !message.is_empty())
            .then_some(Bytes::Borrowed(message));
    }
    // Coloured: drop every CSI sequence, then read the plain line.
    let mut plain = Vec::with_capacity(rest.len());
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        match csi_len(&rest[i..]) {
            Some(n) => i += n,
            None => {
                plain.push(b);
                i += 1;
            }
        }
    }
    let (word, message) = (plain.get(..6)?, plain.get(6..)?.strip_prefix(b"] ")?);
    (CONSOLE_STATUS.contains(&word) && !message.is_empty()).then(|| Bytes::Owned(message.to_vec()))
}

/// Lines that come from pasting logs into a ticket rather than from any log: Markdown fences,
/// `...` elisions, shell prompts. They are never taken as continuation lines of a record.
pub fn is_paste_artifact(text: &[u8]) -> bool {
    let t = text.trim_ascii();
    t.starts_with(b"```")
        || t.starts_with(b"~~~")
        || matches!(t, b"..." | b"[...]" | b"(...)")
        // Markdown's horizontal rules and empty headings: `---`, `***`, `###`.
        || t.len() >= 3 && t.iter().all(|b| matches!(b, b'#' | b'-' | b'=' | b'*' | b'_'))
        || t == "…".as_bytes()
        || t.starts_with(b"$ ")
        || t.starts_with(b"# ")
        || is_prompt(t)
}

/// How many of a member's first 200 non-blank lines are records, and how many are weighed at
/// all: `classify` says `Some(true)` for a record, `Some(false)` for a line that is none, and
/// `None` for a line not to weigh (a paste artifact: fence, elision, prompt). The two numbers
/// the fallback detectors compare.
pub fn record_share(head: &[u8], mut classify: impl FnMut(&[u8]) -> Option<bool>) -> (u32, u32) {
    let (mut records, mut lines) = (0u32, 0u32);
    for line in crate::framing::Lines::new(head)
        .filter(|l| !crate::framing::is_blank(l.text))
        .take(200)
    {
        if let Some(record) = classify(line.text) {
            lines += 1;
            records += u32::from(record);
        }
    }
    (records, lines)
}

/// `root@pve:~# cmd`, `user@host:/var/log$ cmd`, and the bracketed prompt of Red Hat's bash
/// (`[ec2-user@ip-10-0-0-1 ~]$ cmd`).
fn is_prompt(t: &[u8]) -> bool {
    if bracketed_prompt_end(t).is_some() {
        return true;
    }
    let Some(at) = t.iter().position(|&b| b == b'@') else {
        return false;
    };
    let head = &t[..at];
    if head.is_empty() || head.iter().any(|b| b.is_ascii_whitespace()) {
        return false;
    }
    t[at..]
        .windows(2)
        .take(200)
        .any(|w| matches!(w, b"# " | b"$ ") || w == b"#" || w == b"$")
        && t[at..].contains(&b':')
}

/// Where the command starts after a bracketed prompt (`[user@host dir]$ ` or `]# `).
fn bracketed_prompt_end(t: &[u8]) -> Option<usize> {
    let inner = t.strip_prefix(b"[")?;
    let close = inner.iter().take(200).position(|&b| b == b']')?;
    let (head, tail) = inner.split_at(close);
    let at = head.iter().position(|&b| b == b'@')?;
    let user = &head[..at];
    let valid = !user.is_empty()
        && user
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && head[at..].contains(&b' ');
    let mark = tail.get(1)?;
    let after = tail.get(2..).unwrap_or_default();
    (valid && matches!(mark, b'$' | b'#') && (after.is_empty() || after.starts_with(b" ")))
        .then_some(1 + close + 2)
}

/// The command a pasted shell prompt line runs (`root@pve:~# dmesg -T` → `dmesg -T`,
/// `[ec2-user@ip-x ~]$ sudo yum update` → `sudo yum update`, `$ docker run …`): what the operator
/// was doing, kept as context. `None` for a line that is no prompt or a prompt with no command.
pub fn prompt_command(text: &[u8]) -> Option<&[u8]> {
    let t = text.trim_ascii();
    let rest = if let Some(end) = bracketed_prompt_end(t) {
        &t[end..]
    } else if let Some(rest) = t.strip_prefix(b"$ ") {
        rest
    } else {
        prompt_hostname(t)?;
        let at = t.iter().position(|&b| b == b'@')?;
        let mark = t[at..]
            .windows(2)
            .position(|w| matches!(w, b"# " | b"$ "))?;
        &t[at + mark + 2..]
    };
    let command = rest.trim_ascii();
    (!command.is_empty()).then_some(command)
}

/// The host name in a shell prompt that starts a pasted command (`root@pve1:~# dmesg -T`),
/// the only name a pasted fragment may carry.
pub fn prompt_hostname(text: &[u8]) -> Option<&[u8]> {
    let t = text.trim_ascii_start();
    let at = t.iter().position(|&b| b == b'@')?;
    let user = &t[..at];
    let rest = &t[at + 1..];
    let colon = rest.iter().position(|&b| b == b':')?;
    let host = &rest[..colon];
    let name_byte = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let valid = !user.is_empty()
        && !host.is_empty()
        && user.iter().all(name_byte)
        && host.iter().all(name_byte);
    // The path, then `# ` or `$ ` before the command.
    let after = &rest[colon + 1..];
    let end = after.iter().position(|b| b.is_ascii_whitespace())?;
    (valid && end > 0 && matches!(after[end - 1], b'#' | b'$')).then_some(host)
}

/// Whether an unindented line *tries* to be a record (it starts like a timestamp or a priority)
/// without parsing as one. Such a line is unparsed, never a continuation of the record above.
pub fn looks_like_record_start(text: &[u8]) -> bool {
    match text.first() {
        Some(b'[' | b'<') => true,
        Some(b) if b.is_ascii_digit() => true,
        Some(b) if b.is_ascii_alphabetic() => {
            // `Mmm dd` / `MMM 22`: a three-letter word and a day number.
            let word = text.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            word == 3
                && text.get(3) == Some(&b' ')
                && text
                    .get(4..)
                    .and_then(|r| r.iter().find(|&&b| b != b' '))
                    .is_some_and(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// The offset (seconds east of UTC) a zone abbreviation stands for, for the abbreviations that
/// name one offset in the zone database (`CEST` is +02:00 wherever it is written). Those that
/// name several are not guessed: `CST` (US Central, China, Cuba), `IST` (India, Ireland,
/// Israel), and the numeric-only zones' `+08`. `GMT`, `UTC` and `Z` are 0.
pub fn abbreviation_offset(abbreviation: &[u8]) -> Option<i32> {
    const H: i32 = 3600;
    Some(match abbreviation {
        b"UTC" | b"GMT" | b"Z" | b"WET" => 0,
        b"WEST" | b"BST" | b"CET" | b"MET" => H,
        b"CEST" | b"MEST" | b"EET" | b"SAST" => 2 * H,
        b"EEST" | b"MSK" | b"IDT" => 3 * H,
        b"PKT" => 5 * H,
        b"WIB" => 7 * H,
        b"HKT" | b"AWST" | b"PHT" => 8 * H,
        b"JST" | b"KST" => 9 * H,
        b"ACST" => 9 * H + 1800,
        b"AEST" => 10 * H,
        b"ACDT" => 10 * H + 1800,
        b"AEDT" => 11 * H,
        b"NZST" => 12 * H,
        b"NZDT" => 13 * H,
        b"NDT" => -2 * H - 1800,
        b"ADT" => -3 * H,
        b"NST" => -3 * H - 1800,
        b"AST" | b"EDT" => -4 * H,
        b"EST" | b"CDT" => -5 * H,
        b"MDT" => -6 * H,
        b"MST" | b"PDT" => -7 * H,
        b"PST" | b"AKDT" => -8 * H,
        b"AKST" => -9 * H,
        b"HST" => -10 * H,
        _ => return None,
    })
}

/// A JSON string's contents (between its quotes, escapes as written) with the escapes decoded;
/// borrowed when it has none, and kept as written when they do not decode.
pub fn json_decoded(raw: &[u8]) -> Bytes<'_> {
    if !raw.contains(&b'\\') {
        return Bytes::Borrowed(raw);
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    match serde_json::from_slice::<String>(&quoted) {
        Ok(s) => Bytes::Owned(s.into_bytes()),
        Err(_) => Bytes::Borrowed(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike};

    #[test]
    fn months_in_several_locales() {
        for (text, want) in [
            (&b"Jul 29"[..], 7),
            (b"OKT 3", 10),
            ("Mär 1".as_bytes(), 3),
            (b"Dez 24", 12),
            (b"sept. 2", 9),
            (b"May 5", 5),
        ] {
            assert_eq!(
                month(text).unwrap().1,
                want,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        assert!(month(b"Mayday").is_err());
        assert!(month(b"MMM 22").is_err());
    }

    #[test]
    fn rfc3339_offsets_in_every_notation() {
        for text in [
            &b"2025-07-29T11:56:40+0200"[..],
            b"2025-07-29T11:56:40+02:00",
            b"2025-07-29T09:56:40Z",
            b"2025-07-29T09:56:40.000000+00:00",
        ] {
            let (_, t) = rfc3339(text, false).unwrap();
            assert_eq!((t.hour(), t.minute(), t.second()), (9, 56, 40));
        }
        let (_, t) = rfc3339(b"2009-02-13T23:31:30,123456+00:00", true).unwrap();
        assert_eq!(t.timestamp_subsec_micros(), 123_456);
        assert!(rfc3339(b"2025-13-29T11:56:40Z", false).is_err());
        assert!(rfc3339(b"2025-07-29T12:00:75Z", false).is_err());
        let (_, leap) = rfc3339(b"2016-12-31T23:59:60.5Z", false).unwrap();
        assert_eq!(leap.nanosecond(), 1_500_000_000);
    }

    #[test]
    fn yearless_space_and_zero_padded() {
        let (rest, t) = yearless(b"Jul  9 09:56:40 pve").unwrap();
        assert_eq!(rest, b" pve");
        let RecordedTime::Yearless { month, day, time } = t else {
            panic!("not yearless")
        };
        assert_eq!((month, day, time.second()), (7, 9, 40));
        let (_, t) = yearless(b"Jul 09 09:56:40.006000 pve").unwrap();
        let RecordedTime::Yearless { time, .. } = t else {
            panic!("not yearless")
        };
        assert_eq!(time.nanosecond(), 6_000_000);
        assert!(yearless(b"Jul 32 09:56:40").is_err());
        let _ = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().year();
    }

    #[test]
    fn tags_with_odd_characters() {
        let t = tagged(b"sshd(pam_unix)[19939]: session opened");
        assert_eq!(t.ident, Some(&b"sshd(pam_unix)"[..]));
        assert_eq!(t.pid, Some(19939));
        assert_eq!(t.message, b"session opened");
        let t = tagged(b"/USR/SBIN/CRON[123]: (root) CMD");
        assert_eq!(t.ident, Some(&b"/USR/SBIN/CRON"[..]));
        let t = tagged(b"kernel: [  316.559919] wlan0: deauth");
        assert_eq!((t.ident, t.pid), (Some(&b"kernel"[..]), None));
        let t = tagged(b"--- last message repeated 5 times ---");
        assert_eq!(t.ident, None);
        assert_eq!(t.message, b"--- last message repeated 5 times ---");
    }

    #[test]
    fn uptime_brackets() {
        assert_eq!(
            bracketed_uptime(b"[  316.559919] x").unwrap().1,
            316_559_919
        );
        assert_eq!(
            bracketed_uptime(b"[12345678.1]").unwrap().1,
            12_345_678_100_000
        );
        assert!(bracketed_uptime(b"[abc]").is_err());
    }

    #[test]
    fn paste_artifacts() {
        for t in [
            &b"```"[..],
            b"```text",
            b"...",
            b"root@pve:~# journalctl -k",
            b"user@guest:/var/log$ dmesg",
        ] {
            assert!(is_paste_artifact(t), "{}", String::from_utf8_lossy(t));
        }
        assert!(!is_paste_artifact(b"with another line"));
        assert_eq!(
            prompt_hostname(b"root@pve1:~# dmesg -T"),
            Some(&b"pve1"[..])
        );
        assert_eq!(
            prompt_hostname(b"admin@db-01.example:/var/log$ tail syslog"),
            Some(&b"db-01.example"[..])
        );
        assert_eq!(prompt_hostname(b"<root@pam> starting task"), None);
        for (line, command) in [
            (&b"root@pve1:~# dmesg -T"[..], Some(&b"dmesg -T"[..])),
            (
                b"[ec2-user@ip-x-x-x-x ~]$ sudo yum update",
                Some(b"sudo yum update"),
            ),
            (b"[root@ip-x-x-x-x ~]$ yum update", Some(b"yum update")),
            (
                b"$ docker run -it fedora:26 bash",
                Some(b"docker run -it fedora:26 bash"),
            ),
            (b"root@pve1:~# ", None),
            (b"[ 8123.456789] kvm: exiting hardware virtualization", None),
            (b"[INFO] user@example.com logged in", None),
            (b"Jul 29 09:56:40 pve1 sshd[1]: root@10.0.0.1: x", None),
        ] {
            assert_eq!(
                prompt_command(line),
                command,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        assert!(is_paste_artifact(
            b"[ec2-user@ip-x-x-x-x ~]$ sudo yum update"
        ));
        assert_eq!(
            prompt_hostname(b"Jul 29 09:56:40 pve1 sshd[1]: root@10.0.0.1: x"),
            None
        );
        assert!(looks_like_record_start(b"MMM 22 07:54:32 host x"));
        assert!(!looks_like_record_start(b"with another line"));
    }
}
