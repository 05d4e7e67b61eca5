//! syslog text files: `/var/log/syslog`, `kern.log`, `messages` (REFERENCE.md §6).
//!
//! Three layouts, told apart line by line:
//!
//! ```text
//! Mar  6 04:07:28 pve1 systemd[1]: Stopping Regular background program processing daemon...   RFC 3164 (Debian ≤ 11)
//! 2020-05-31T00:00:45.738158+00:00 pve1 systemd[1]: Reloaded System Logging Service.          rsyslog RFC 3339 (Debian 12)
//! <30>1 2021-03-06T04:07:38.263426+00:00 pve1 systemd 1 - -  Stopping Regular background…     RFC 5424
//! ```
//!
//! Any of them may start with a `<PRI>` (forwarding formats), and forwarded records can be stored
//! back to back without a newline: such a line is split at each `<PRI>` that starts a new header.
//! Kernel lines received through imklog keep printk's `[seconds.micros]` after `kernel:`; that
//! second clock is kept in [`Event::uptime_us`] (it anchors dmesg) and removed from the message.
//!
//! A line without a header that follows a record continues it when it is indented, or when it
//! does not look like a failed record start or a paste artifact (rsyslog writes a message's raw
//! newline as a bare line: `…this is info` / `with another line`). Anything else is unparsed.
//!
//! # Known deviations
//! - The RFC 5424 structured data is kept in the message, not parsed.
//! - A tag without a colon (sysklogd's `hostname log_tag this is debug`) is left in the message.

use nom::{Parser as _, bytes::complete::take_while_m_n, character::complete::char};

use super::common::{self, PResult, is_paste_artifact, looks_like_record_start};
use super::{LineParser, Parsed, UncleanEvidence};
use crate::event::{Event, RecordedTime};
use crate::framing::{Line, indent_width};

/// The three header layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Rfc3164 = 0,
    Rfc3339 = 1,
    Rfc5424 = 2,
}

const VARIANT_NAMES: [&str; 3] = ["syslog-rfc3164", "syslog-rfc3339", "syslog-rfc5424"];

/// A parsed header and the fields after it.
#[derive(Clone, Copy, Debug)]
struct Record<'b> {
    /// The input the record was parsed from: its first byte is the record's first byte.
    start: &'b [u8],
    variant: Variant,
    pri: Option<u8>,
    recorded: RecordedTime,
    time_text: &'b [u8],
    hostname: Option<&'b [u8]>,
    ident: Option<&'b [u8]>,
    pid: Option<u32>,
    severity_word: Option<u8>,
    message: &'b [u8],
}

/// Line parser for syslog files.
#[derive(Debug, Default)]
pub struct Parser {
    counts: [u64; 3],
    /// The file stores forwarded records back to back (more `<PRI>` headers than lines that
    /// start with one): only then is a line split at the headers inside it. Anywhere else a
    /// header inside a message is text someone logged, and splitting there would let any
    /// program forge records.
    back_to_back: bool,
}

/// How much of a member the framing check reads.
const FRAMING_SAMPLE: usize = 64 * 1024;

impl<'b> LineParser<'b> for Parser {
    fn prepare(&mut self, data: &'b [u8]) {
        let head = &data[..data.len().min(FRAMING_SAMPLE)];
        let mut line_starts = 0usize;
        let mut headers = 0usize;
        for line in head.split(|&b| b == b'\n') {
            if record(line).is_some_and(|r| r.pri.is_some()) {
                line_starts += 1;
            }
            let mut from = 0;
            while let Some(at) = line.get(from..).and_then(next_forwarded) {
                headers += 1;
                from += at + 1;
            }
        }
        // Forwarding formats without framing put many records on a line; a normal file has one.
        // (At least three extra headers: one message quoting one header is not a framing.)
        self.back_to_back =
            line_starts > 0 && headers >= 2 * line_starts && headers >= line_starts + 3;
    }

    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        // A run of NULs where records should be: a preallocated file that an unclean stop left
        // unwritten (REFERENCE.md §6). The run is evidence; the record after it is still read.
        let nuls = line.text.iter().take_while(|&&b| b == 0).count();
        if nuls > 0 {
            out.unclean.push(UncleanEvidence {
                boot_id: None,
                offset: Some(line.offset),
                reason: format!(
                    "line {}: a run of {nuls} NUL bytes, as an unclean stop leaves in a log file",
                    line.number
                ),
            });
        }
        if let Some(first) = line.text.get(nuls..).and_then(record) {
            self.emit(first, &line, 1, out);
            return;
        }
        let indent = indent_width(line.text);
        let continues = out.last_line_was_event(&line)
            && !is_paste_artifact(line.text)
            && (indent > 0 || !looks_like_record_start(line.text));
        if continues {
            let text = &line.text[indent..];
            // A raw newline inside a forwarded record: the rest of the line may hold the next
            // records, back to back.
            let split = if self.back_to_back {
                next_forwarded(text)
            } else {
                None
            };
            match split.and_then(|at| Some((at, record(&text[at..])?))) {
                Some((at, next)) => {
                    out.push_continuation(&text[..at]);
                    self.emit(next, &line, 0, out);
                }
                None => {
                    out.push_continuation(text);
                }
            }
        } else {
            out.push_unparsed(&line);
        }
    }

    fn variant(&self) -> &'static str {
        super::most_seen(&self.counts, &VARIANT_NAMES)
    }
}

impl Parser {
    /// Pushes the record, splitting back-to-back forwarded records that share the line.
    fn emit<'b>(
        &mut self,
        mut rec: Record<'b>,
        line: &Line<'b>,
        mut lines_taken: u32,
        out: &mut Parsed<'b>,
    ) {
        let whole = line.text;
        loop {
            let next = if self.back_to_back && rec.pri.is_some() {
                next_forwarded(rec.message)
            } else {
                None
            };
            let (message, following) = match next {
                Some(at) => (&rec.message[..at], Some(&rec.message[at..])),
                None => (rec.message, None),
            };
            rec.message = message;
            self.counts[rec.variant as usize] += 1;
            let offset = line.offset
                + (rec.start.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize) as u64;
            let mut event = to_event(rec, line.number, offset);
            // Only the first record of a line counts the line itself.
            event.lines = lines_taken;
            lines_taken = 0;
            out.push_event(event);
            match following.and_then(record) {
                Some(r) => rec = r,
                None => break,
            }
        }
    }
}

fn to_event<'b>(rec: Record<'b>, line: u32, offset: u64) -> Event<'b> {
    let mut message = rec.message;
    let mut uptime_us = None;
    if rec.ident == Some(b"kernel")
        && let Ok((rest, up)) = common::bracketed_uptime(message)
    {
        uptime_us = Some(up);
        message = rest.strip_prefix(b" ").unwrap_or(rest);
    }
    let mut event = Event::new(rec.recorded, rec.time_text, line, offset, message);
    event.priority = rec.pri.map(|p| p & 7).or(rec.severity_word);
    event.facility = rec.pri.map(|p| p >> 3);
    event.hostname = rec.hostname;
    event.ident = rec.ident;
    event.pid = rec.pid;
    event.uptime_us = uptime_us;
    event
}

/// Whether `text` is a syslog record in any of the layouts (used by detection).
pub fn recognizes(text: &[u8]) -> bool {
    record(text).is_some()
}

/// Parses one record header and splits the rest.
fn record(text: &[u8]) -> Option<Record<'_>> {
    let (after_pri, pri) = match pri(text) {
        Ok((rest, p)) => (rest, Some(p)),
        Err(_) => (text, None),
    };
    if pri.is_some()
        && let Some(rest) = after_pri.strip_prefix(b"1 ")
    {
        return rfc5424(text, rest, pri);
    }
    if let Ok((rest, instant)) = common::rfc3339(after_pri, false) {
        let time_text = &after_pri[..after_pri.len() - rest.len()];
        let rest = rest.strip_prefix(b" ")?;
        let (rest, host) = common::hostname(rest).ok()?;
        let severity_word = severity_word(host);
        let tagged = common::tagged(rest);
        return Some(Record {
            start: text,
            variant: Variant::Rfc3339,
            pri,
            recorded: RecordedTime::Absolute(instant),
            time_text,
            hostname: if severity_word.is_some() {
                None
            } else {
                Some(host)
            },
            ident: tagged.ident,
            pid: tagged.pid,
            severity_word,
            message: tagged.message,
        });
    }
    let (rest, recorded) = common::yearless(after_pri).ok()?;
    let time_text = &after_pri[..after_pri.len() - rest.len()];
    // Old sysklogd: `Mar 11 09:39:39: --- last message repeated 5 times ---` has no host.
    if let Some(msg) = rest.strip_prefix(b": ") {
        return Some(Record {
            start: text,
            variant: Variant::Rfc3164,
            pri,
            recorded,
            time_text,
            hostname: None,
            ident: None,
            pid: None,
            severity_word: None,
            message: msg,
        });
    }
    let rest = rest.strip_prefix(b" ")?;
    let (hostname, rest) = match common::hostname(rest) {
        Ok((r, h)) => (Some(h), r),
        // A header with a host and nothing after it.
        Err(_) => (Some(rest).filter(|h| !h.is_empty()), &rest[rest.len()..]),
    };
    let tagged = common::tagged(rest);
    Some(Record {
        start: text,
        variant: Variant::Rfc3164,
        pri,
        recorded,
        time_text,
        hostname,
        ident: tagged.ident,
        pid: tagged.pid,
        severity_word: None,
        message: tagged.message,
    })
}

/// `<PRI>`: facility × 8 + severity, at most 191.
fn pri(input: &[u8]) -> PResult<'_, u8> {
    let (rest, (_, digits, _)) = (
        char('<'),
        take_while_m_n(1, 3, |b: u8| b.is_ascii_digit()),
        char('>'),
    )
        .parse(input)?;
    let value = common::parse_u32(digits);
    if value > 191 {
        return Err(common::err(input));
    }
    Ok((rest, value as u8))
}

/// `TS HOST APP PROCID MSGID SD MSG` after `<PRI>1 `; `-` is the nil value.
fn rfc5424<'b>(start: &'b [u8], input: &'b [u8], pri: Option<u8>) -> Option<Record<'b>> {
    let (rest, recorded, time_text) = if let Some(rest) = input.strip_prefix(b"- ") {
        (rest, RecordedTime::Missing, &input[..0])
    } else {
        let (rest, instant) = common::rfc3339(input, false).ok()?;
        let time_text = &input[..input.len() - rest.len()];
        (
            rest.strip_prefix(b" ")?,
            RecordedTime::Absolute(instant),
            time_text,
        )
    };
    let mut fields = rest.splitn(5, |&b| b == b' ');
    let host = nil(fields.next()?);
    let app = nil(fields.next()?);
    let procid = nil(fields.next()?);
    let _msgid = fields.next()?;
    let tail = fields.next().unwrap_or_default();
    let message = skip_structured_data(tail);
    let message = message.strip_prefix(b" ").unwrap_or(message);
    let message = message
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(message);
    Some(Record {
        start,
        variant: Variant::Rfc5424,
        pri,
        recorded,
        time_text,
        hostname: host,
        ident: app,
        pid: procid.and_then(|p| std::str::from_utf8(p).ok()?.parse().ok()),
        severity_word: None,
        message,
    })
}

fn nil(field: &[u8]) -> Option<&[u8]> {
    (field != b"-" && !field.is_empty()).then_some(field)
}

/// Skips RFC 5424 STRUCTURED-DATA (`-` or one or more `[id k="v"]` elements, where `\]` escapes).
fn skip_structured_data(input: &[u8]) -> &[u8] {
    if let Some(rest) = input.strip_prefix(b"-") {
        return rest;
    }
    let mut i = 0;
    while input.get(i) == Some(&b'[') {
        let mut escaped = false;
        let mut closed = false;
        i += 1;
        while let Some(&b) = input.get(i) {
            i += 1;
            match b {
                b'\\' if !escaped => escaped = true,
                b']' if !escaped => {
                    closed = true;
                    break;
                }
                _ => escaped = false,
            }
        }
        if !closed {
            return input;
        }
    }
    &input[i..]
}

/// The `INFO`/`WARNING`… that some writers (ChromeOS) put where the host name goes.
fn severity_word(token: &[u8]) -> Option<u8> {
    Some(match token {
        b"EMERG" => 0,
        b"ALERT" => 1,
        b"CRIT" | b"CRITICAL" => 2,
        b"ERR" | b"ERROR" => 3,
        b"WARN" | b"WARNING" => 4,
        b"NOTICE" => 5,
        b"INFO" => 6,
        b"DEBUG" => 7,
        _ => return None,
    })
}

/// Where, inside a forwarded record's message, the next `<PRI>` header starts.
fn next_forwarded(message: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(rel) = message.get(from..)?.iter().position(|&b| b == b'<') {
        let at = from + rel;
        let candidate = &message[at..];
        if let Ok((rest, _)) = pri(candidate)
            && (rest.starts_with(b"1 ")
                || common::rfc3339(rest, false).is_ok()
                || common::yearless(rest).is_ok())
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FormatKind, parse};
    use chrono::{Datelike, Timelike};

    fn one(line: &[u8]) -> Event<'_> {
        let parsed = parse(FormatKind::Syslog, line, &crate::limits::Limits::default());
        assert_eq!(parsed.events.len(), 1, "{}", String::from_utf8_lossy(line));
        parsed.events.into_iter().next().unwrap()
    }

    /// Real lines from Debian, Proxmox VE and plaso's test data, each with the fields pvelog
    /// must take from it: (line, host, ident, pid, message).
    /// (line, host, ident, pid, message)
    type Row = (
        &'static [u8],
        Option<&'static [u8]>,
        Option<&'static [u8]>,
        Option<u32>,
        &'static [u8],
    );

    #[test]
    fn header_table() {
        let table: &[Row] = &[
            (
                b"Mar  6 04:07:28 hostname systemd[1]: Stopping Regular background program processing daemon...",
                Some(b"hostname"),
                Some(b"systemd"),
                Some(1),
                b"Stopping Regular background program processing daemon...",
            ),
            (
                b"2020-05-31T00:00:45.738158+00:00 localhost systemd[1]: Reloaded System Logging Service.",
                Some(b"localhost"),
                Some(b"systemd"),
                Some(1),
                b"Reloaded System Logging Service.",
            ),
            (
                b"<30>1 2021-03-06T04:07:38.263426+00:00 hostname systemd 1 - -  Stopping Regular background program processing daemon...",
                Some(b"hostname"),
                Some(b"systemd"),
                Some(1),
                b" Stopping Regular background program processing daemon...",
            ),
            (
                b"Jul 29 09:56:40 pve1 kernel: [86399.123456] Out of memory: Killed process 32969 (kvm) total-vm:9124732kB, anon-rss:8388608kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:17024kB oom_score_adj:0",
                Some(b"pve1"),
                Some(b"kernel"),
                None,
                b"Out of memory: Killed process 32969 (kvm) total-vm:9124732kB, anon-rss:8388608kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:17024kB oom_score_adj:0",
            ),
            (
                b"Mar 11 09:39:39: --- last message repeated 5 times ---",
                None,
                None,
                None,
                b"--- last message repeated 5 times ---",
            ),
            (
                b"Jan 22 07:52:33 myhostname.myhost.com client[30840]: INFO No new content in \xc3\xadmynd.dd.",
                Some(b"myhostname.myhost.com"),
                Some(b"client"),
                Some(30840),
                b"INFO No new content in \xc3\xadmynd.dd.",
            ),
            (
                b"Mar  6 04:07:28 pve pvedaemon[1234]: <root@pam> starting task UPID:pve:00001A2B:0001E240:6889A1B8:qmstart:101:root@pam:",
                Some(b"pve"),
                Some(b"pvedaemon"),
                Some(1234),
                b"<root@pam> starting task UPID:pve:00001A2B:0001E240:6889A1B8:qmstart:101:root@pam:",
            ),
        ];
        for &(line, host, ident, pid, message) in table {
            let e = one(line);
            let ctx = String::from_utf8_lossy(line);
            assert_eq!(e.hostname, host, "{ctx}");
            assert_eq!(e.ident, ident, "{ctx}");
            assert_eq!(e.pid, pid, "{ctx}");
            assert_eq!(&*e.message, message, "{ctx}");
        }
    }

    #[test]
    fn kernel_uptime_is_kept_apart() {
        let e = one(b"Jul 29 09:56:40 pve1 kernel: [   12.345678] ACPI: Core revision 20230628");
        assert_eq!(e.uptime_us, Some(12_345_678));
        assert_eq!(&*e.message, b"ACPI: Core revision 20230628");
        let RecordedTime::Yearless { month, day, time } = e.recorded else {
            panic!("expected a yearless time")
        };
        assert_eq!((month, day, time.hour()), (7, 29, 9));
    }

    #[test]
    fn rfc3339_time_is_absolute() {
        let e = one(b"2025-07-29T11:56:40.500000+02:00 pve1 pvedaemon[42]: hello");
        let RecordedTime::Absolute(t) = e.recorded else {
            panic!("expected an absolute time")
        };
        assert_eq!((t.year(), t.hour(), t.nanosecond()), (2025, 9, 500_000_000));
        assert_eq!(e.time_text, b"2025-07-29T11:56:40.500000+02:00");
    }

    #[test]
    fn chromeos_severity_in_host_position() {
        let e = one(
            b"2016-10-25T12:37:24.987014-07:00 DEBUG kernel: [  316.559919] wlan0: deauthenticating from 94:b4:0f:ff:9a:b0 by local choice (reason=3)",
        );
        assert_eq!((e.hostname, e.priority), (None, Some(7)));
        assert_eq!(e.uptime_us, Some(316_559_919));
    }

    #[test]
    fn forwarded_records_without_newlines_are_split() {
        // rsyslog's forwarding formats written to a file without framing (plaso's samples).
        let data = b"<15>Mar  6 04:07:23 hostname log_tag this is debug<14>Mar  6 04:07:23 hostname log_tag this is info\nwith another line<30>Mar  6 04:07:23 hostname systemd[1]: Stopped x.<78>Mar  6 04:07:23 hostname cron[18786]: (CRON) INFO (pidfile fd = 3)<30>Mar  6 04:07:23 hostname systemd[1]: Started x.\n";
        let parsed = parse(FormatKind::Syslog, data, &crate::limits::Limits::default());
        let msgs: Vec<_> = parsed.events.iter().map(|e| e.message.to_vec()).collect();
        assert_eq!(
            msgs,
            vec![
                b"log_tag this is debug".to_vec(),
                b"log_tag this is info\nwith another line".to_vec(),
                b"Stopped x.".to_vec(),
                b"(CRON) INFO (pidfile fd = 3)".to_vec(),
                b"Started x.".to_vec(),
            ]
        );
        let at = |needle: &[u8]| {
            data.windows(needle.len())
                .position(|w| w == needle)
                .unwrap() as u64
        };
        assert_eq!(parsed.events[1].offset, at(b"<14>"));
        assert_eq!(parsed.events[1].priority, Some(6));
        assert_eq!(
            (parsed.events[2].line, parsed.events[2].offset),
            (2, at(b"<30>"))
        );
        assert_eq!(parsed.events[3].facility, Some(9));
        assert!(parsed.stats.balanced());
    }

    #[test]
    fn a_header_inside_a_normal_message_is_not_split() {
        // One record per line: a `<0>… kernel: Out of memory` inside a message is what someone
        // logged, not a record (it would otherwise forge a host, an identifier and a priority).
        let data = b"<14>Jul 29 09:56:40 web01 app[5]: user said: <0>Jul 29 09:56:41 pve1 kernel: Out of memory: Killed process 1 (kvm)\n<14>Jul 29 09:56:42 web01 app[5]: next\n";
        let parsed = parse(FormatKind::Syslog, data, &crate::limits::Limits::default());
        assert_eq!(parsed.events.len(), 2);
        let one_line = &data[..data.iter().position(|&b| b == b'\n').unwrap()];
        assert_eq!(
            parse(
                FormatKind::Syslog,
                one_line,
                &crate::limits::Limits::default()
            )
            .events
            .len(),
            1
        );
        assert!(
            parsed.events[0]
                .message
                .ends_with(b"Killed process 1 (kvm)")
        );
        assert_eq!(parsed.events[0].hostname, Some(&b"web01"[..]));
    }

    #[test]
    fn nul_runs_are_evidence_and_the_record_after_them_is_read() {
        let data = b"\0\0\0\0Jul 29 10:01:47 web kernel: Linux version 6.1.0-37-amd64\n";
        let parsed = parse(FormatKind::Syslog, data, &crate::limits::Limits::default());
        assert_eq!(parsed.events.len(), 1);
        assert_eq!(parsed.events[0].offset, 4);
        assert_eq!(parsed.unclean.len(), 1);
        assert!(parsed.unclean[0].reason.contains("4 NUL bytes"));
        assert_eq!(crate::formats::detect("syslog", data), FormatKind::Syslog);
    }

    #[test]
    fn offsets_count_the_pri_as_written() {
        let data = b"<030>Mar  6 04:07:23 h a: x\n";
        assert_eq!(
            parse(FormatKind::Syslog, data, &crate::limits::Limits::default()).events[0].offset,
            0
        );
    }

    #[test]
    fn continuation_and_unparsed_lines() {
        let data = b"```\nJan 22 07:52:33 h client[1]: first\n\tindented more\nMMM 22 07:54:32 h anacron[2]: broken month\nwith another line\n...\n";
        let parsed = parse(FormatKind::Syslog, data, &crate::limits::Limits::default());
        assert_eq!(parsed.events.len(), 1);
        assert_eq!(&*parsed.events[0].message, b"first\nindented more");
        assert_eq!(parsed.stats.unparsed_lines, 4);
        assert_eq!(parsed.unparsed_examples[0].line, 1);
        assert!(parsed.stats.balanced());
    }

    #[test]
    fn rfc5424_structured_data_and_nil_time() {
        let e = one(b"<165>1 - mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\]lication\"] An application event");
        assert_eq!(e.recorded, RecordedTime::Missing);
        assert_eq!(&*e.message, b"An application event");
        assert_eq!((e.priority, e.facility), (Some(5), Some(20)));
    }
}
