//! `dmesg --json` (util-linux ≥ 2.37, REFERENCE.md §4.1): the kernel ring buffer as one JSON
//! document.
//!
//! ```text
//! {
//!    "dmesg": [
//!       {
//!          "pri": 6,
//!          "time":     0.000000,
//!          "caller": "T1",
//!          "msg": "Linux version 6.8.12-4-pve (build@proxmox) …"
//!       },{
//!          "pri": 4,
//!          "time":    12.345678,
//!          "msg": "ACPI: \"PNP0A08\" …"
//!       }
//!    ]
//! }
//! ```
//!
//! Each record is an object of the `dmesg` array: `pri` is the syslog priority and facility
//! (`facility << 3 | level`), or with `--decode` the level's name beside a `fac` name; `time` is
//! the seconds since boot as a number that util-linux pads with spaces (a JSON number all the
//! same), or a formatted time as a string when another `--time-format` was asked for; `caller`
//! is the printk caller id (CONFIG_PRINTK_CALLER), not kept; `msg` is the message, with its JSON
//! escapes decoded (borrowed from the input when it has none).
//!
//! The document is read by its keys, line by line, rather than as a whole: util-linux writes one
//! key a line, `jq .` keeps that shape, and `jq -c` puts records (or all of them) on one line,
//! so a line may hold part of a record, one record or several. A record's lines (those holding
//! its keys) are its event lines; lines with only braces, brackets and commas are separator
//! lines. A record with no `msg`, and a line that is not JSON of this shape, are unparsed, the
//! record's lines with a problem at its offset. A time that goes back starts a new boot segment
//! (two boots' outputs in one file), as in dmesg's text output.
//!
//! # Known deviations
//! - Keys other than `pri`, `fac`, `time`, `caller` and `msg` are skipped.
//! - A record cut off by the end of the input is kept when it has its `msg`.

use super::common::json_decoded;
use super::dmesg::{facility_named, json_stamp, level_named};
use super::{LineParser, LineProblem, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::Line;

/// One record being read: its keys' raw values, and where its lines are.
#[derive(Debug, Default)]
struct Pending<'b> {
    /// The first line holding one of its keys.
    first: Option<Line<'b>>,
    /// How many lines hold its keys.
    lines: u32,
    /// `pri`, as written (a number, or a level name).
    pri: Option<&'b [u8]>,
    /// `fac`, as written.
    fac: Option<&'b [u8]>,
    /// `time`, as written (a number's text, or a string's contents).
    time: Option<&'b [u8]>,
    /// `msg`, escapes as written.
    msg: Option<&'b [u8]>,
}

/// The parser.
#[derive(Debug, Default)]
pub struct Parser<'b> {
    /// The record being read, once its `{` was seen inside the array.
    record: Option<Pending<'b>>,
    /// Whether the `dmesg` array was opened.
    in_array: bool,
    /// The last seconds since boot, to see a second boot start.
    last_monotonic: Option<u64>,
    /// Records read.
    records: u64,
}

/// One piece of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'b> {
    /// `{`.
    Open,
    /// `}`.
    Close,
    /// `[`, `]` or `,`.
    Punct,
    /// `"key": value`, with a string value's contents or a number's text.
    Pair(&'b [u8], &'b [u8]),
    /// `"dmesg": [`.
    Array,
}

/// The end of a JSON string whose contents start at `from`: the position of its closing quote.
fn string_end(text: &[u8], from: usize) -> Option<usize> {
    let mut escaped = false;
    for (i, &b) in text.get(from..)?.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(from + i),
            _ => {}
        }
    }
    None
}

/// Splits a line into tokens; `None` when it is not JSON of this shape.
fn tokens(text: &[u8]) -> Option<Vec<Token<'_>>> {
    let mut out = Vec::with_capacity(4);
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b' ' | b'\t' | b'\r' => i += 1,
            b'{' => {
                out.push(Token::Open);
                i += 1;
            }
            b'}' => {
                out.push(Token::Close);
                i += 1;
            }
            b'[' | b']' | b',' => {
                out.push(Token::Punct);
                i += 1;
            }
            b'"' => {
                let key_end = string_end(text, i + 1)?;
                let key = text.get(i + 1..key_end)?;
                i = key_end + 1;
                while text.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
                    i += 1;
                }
                if text.get(i) != Some(&b':') {
                    return None;
                }
                i += 1;
                while text.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
                    i += 1;
                }
                match text.get(i) {
                    Some(b'"') => {
                        let end = string_end(text, i + 1)?;
                        out.push(Token::Pair(key, text.get(i + 1..end)?));
                        i = end + 1;
                    }
                    Some(b'[') if key == b"dmesg" => {
                        out.push(Token::Array);
                        i += 1;
                    }
                    Some(b) if b.is_ascii_digit() || *b == b'-' => {
                        let len = text
                            .get(i..)?
                            .iter()
                            .position(|&c| {
                                matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace()
                            })
                            .unwrap_or(text.len() - i);
                        out.push(Token::Pair(key, text.get(i..i + len)?));
                        i += len;
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

impl<'b> Parser<'b> {
    /// Ends the record being read: an event when it has its `msg`, else unparsed lines.
    fn close(&mut self, out: &mut Parsed<'b>) {
        let Some(record) = self.record.take() else {
            return;
        };
        let Some(first) = record.first else {
            return;
        };
        let Some(msg) = record.msg else {
            // Its lines (none when it shares its only line with an earlier record).
            if record.lines > 0 {
                out.push_unparsed(&first);
                out.stats.unparsed_lines += u64::from(record.lines - 1);
            }
            out.problems.push(LineProblem {
                offset: first.offset,
                line: first.number,
                reason: "dmesg JSON record without \"msg\"".to_string(),
            });
            return;
        };
        let recorded = record
            .time
            .and_then(json_stamp)
            .unwrap_or(RecordedTime::Missing);
        let mut event = Event::new(
            recorded,
            record.time.unwrap_or_default(),
            first.number,
            first.offset,
            msg,
        );
        event.message = json_decoded(msg);
        event.lines = record.lines;
        event.ident = Some(b"kernel");
        match record.pri {
            Some(p) if p.first().is_some_and(u8::is_ascii_digit) => {
                let p: u64 = std::str::from_utf8(p)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(u64::MAX);
                if p <= 191 {
                    event.priority = u8::try_from(p & 7).ok();
                    event.facility = u8::try_from(p >> 3).ok();
                }
            }
            Some(name) => event.priority = level_named(name),
            None => {}
        }
        if let Some(fac) = record.fac {
            event.facility = facility_named(fac);
        }
        if let RecordedTime::Monotonic { micros } = recorded {
            if self.last_monotonic.is_some_and(|before| micros < before) {
                out.start_boot_segment(first.number);
            }
            self.last_monotonic = Some(micros);
        }
        self.records += 1;
        out.push_event(event);
    }
}

impl<'b> LineParser<'b> for Parser<'b> {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let Some(tokens) = tokens(line.text) else {
            out.push_unparsed(&line);
            return;
        };
        // Whether the line holds a key of some record (it is then that record's line).
        let mut counted = false;
        let mut stray = false;
        for token in tokens {
            match token {
                Token::Array => self.in_array = true,
                Token::Open if self.in_array => {
                    self.close(out);
                    self.record = Some(Pending::default());
                }
                Token::Close => self.close(out),
                Token::Pair(key, value) => match self.record.as_mut() {
                    Some(record) => {
                        // A line counts once, for the first record that holds a key on it.
                        if !counted {
                            counted = true;
                            record.lines += 1;
                        }
                        record.first.get_or_insert(line);
                        match key {
                            b"pri" => record.pri = Some(value),
                            b"fac" => record.fac = Some(value),
                            b"time" => record.time = Some(value),
                            b"msg" => record.msg = Some(value),
                            _ => {}
                        }
                    }
                    None => stray = true,
                },
                Token::Open | Token::Punct => {}
            }
        }
        if !counted {
            if stray {
                out.push_unparsed(&line);
            } else {
                out.push_banner(None);
            }
        }
    }

    fn finish(&mut self, out: &mut Parsed<'b>) {
        self.close(out);
    }

    fn variant(&self) -> &'static str {
        "dmesg-json"
    }
}

/// Whether a member's head is `dmesg --json` output: an object whose first key is `dmesg`,
/// holding an array.
pub fn recognizes(head: &[u8]) -> bool {
    let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
    let Some(rest) = head.trim_ascii_start().strip_prefix(b"{") else {
        return false;
    };
    let Some(rest) = rest.trim_ascii_start().strip_prefix(b"\"dmesg\"") else {
        return false;
    };
    let Some(rest) = rest.trim_ascii_start().strip_prefix(b":") else {
        return false;
    };
    rest.trim_ascii_start().starts_with(b"[")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FormatKind, parse};
    use crate::limits::Limits;

    fn run(text: &str) -> Parsed<'_> {
        parse(FormatKind::DmesgJson, text.as_bytes(), &Limits::default())
    }

    /// util-linux 2.38's own layout (its test `expected/dmesg/json`), with a caller id and a
    /// Proxmox host's records.
    const UTIL_LINUX: &str = r#"{
   "dmesg": [
      {
         "pri": 6,
         "time":     0.000000,
         "caller": "T0",
         "msg": "Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z) ()"
      },{
         "pri": 3,
         "time": 81234.567890,
         "caller": "T1234",
         "msg": "Out of memory: Killed process 4242 (kvm) total-vm:17005212kB, anon-rss:16384000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:33000kB oom_score_adj:0"
      },{
         "pri": 30,
         "time": 81234.600001,
         "msg": "systemd[1]: 101.scope: A process of this unit has been killed by the OOM killer.\n"
      }
   ]
}
"#;

    #[test]
    fn util_linux_layout() {
        let p = run(UTIL_LINUX);
        assert_eq!(p.variant, "dmesg-json");
        assert_eq!(p.events.len(), 3);
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.stats.unparsed_lines, 0);
        let e = &p.events[1];
        assert_eq!(
            e.recorded,
            RecordedTime::Monotonic {
                micros: 81_234_567_890
            }
        );
        assert_eq!(
            (e.priority, e.facility, e.line, e.lines),
            (Some(3), Some(0), 9, 4)
        );
        assert!(
            e.message
                .starts_with(b"Out of memory: Killed process 4242 (kvm)")
        );
        let s = &p.events[2];
        assert_eq!((s.priority, s.facility), (Some(6), Some(3)));
        assert_eq!(
            &*s.message,
            b"systemd[1]: 101.scope: A process of this unit has been killed by the OOM killer.\n"
        );
        assert_eq!(p.events[0].ident, Some(&b"kernel"[..]));
    }

    #[test]
    fn compact_decoded_and_formatted_times() {
        let text = concat!(
            r#"{"dmesg":[{"fac":"kern","pri":"err","time":"2025-07-29T09:56:40,123456+02:00","msg":"EXT4-fs error (device dm-1): ext4_journal_check_start:83: comm kworker: Detected aborted journal"},"#,
            r#"{"fac":"daemon","pri":"info","time":"Tue Jul 29 09:56:41 2025","msg":"x"}]}"#,
            "\n"
        );
        let p = run(text);
        assert_eq!(p.events.len(), 2);
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.stats.event_lines, 1);
        assert_eq!(
            (p.events[0].priority, p.events[0].facility),
            (Some(3), Some(0))
        );
        assert!(matches!(p.events[0].recorded, RecordedTime::Absolute(_)));
        assert!(matches!(p.events[1].recorded, RecordedTime::Local(_)));
        assert_eq!(p.events[1].facility, Some(3));
    }

    /// `jq .` keeps one key a line but rewrites the numbers (`0.000000` as `0`, `0.000001` as
    /// `1e-06`) and puts `},` and `{` on lines of their own.
    #[test]
    fn reshaped_by_jq() {
        let text = "{\n  \"dmesg\": [\n    {\n      \"pri\": 6,\n      \"time\": 0,\n      \"msg\": \"Linux version 6.8.12-4-pve\"\n    },\n    {\n      \"pri\": 6,\n      \"time\": 1e-06,\n      \"msg\": \"Command line: BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve\"\n    },\n    {\n      \"pri\": 3,\n      \"time\": 81234.56789,\n      \"msg\": \"x\"\n    }\n  ]\n}\n";
        let p = run(text);
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.stats.unparsed_lines, 0);
        let times: Vec<RecordedTime> = p.events.iter().map(|e| e.recorded).collect();
        assert_eq!(
            times,
            [
                RecordedTime::Monotonic { micros: 0 },
                RecordedTime::Monotonic { micros: 1 },
                RecordedTime::Monotonic {
                    micros: 81_234_567_890
                }
            ]
        );
    }

    #[test]
    fn a_second_boot_a_record_without_msg_and_junk() {
        let text = "{\n \"dmesg\": [\n  {\n   \"pri\": 6,\n   \"time\": 500.000000,\n   \"msg\": \"reboot: Restarting system\"\n  },{\n   \"pri\": 6,\n   \"time\": 0.000000\n  },{\n   \"pri\": 6,\n   \"time\": 0.000000,\n   \"msg\": \"Linux version 6.8.12-4-pve\"\n  }\nthis is not json\n ]\n}\n";
        let p = run(text);
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 2);
        assert_eq!(
            p.boots.len(),
            1,
            "the kernel clock went back: a second boot"
        );
        assert_eq!(
            p.stats.unparsed_lines, 3,
            "two lines of the record without msg, one junk line"
        );
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, 8);
    }

    #[test]
    fn a_record_cut_off_at_the_end_is_kept_when_it_has_its_message() {
        let p = run(
            "{\n \"dmesg\": [\n  {\n   \"pri\": 2,\n   \"time\": 9.5,\n   \"msg\": \"Kernel panic - not syncing: Fatal machine check\"",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 1);
        assert_eq!(
            p.events[0].recorded,
            RecordedTime::Monotonic { micros: 9_500_000 }
        );
    }

    #[test]
    fn recognizes_dmesg_json_only() {
        assert!(recognizes(b"{\n   \"dmesg\": [\n"));
        assert!(recognizes(b"\xef\xbb\xbf{\"dmesg\":[{\"pri\":0"));
        assert!(!recognizes(
            b"{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"x\"}"
        ));
        assert!(!recognizes(b"[    0.000000] Linux version"));
        assert!(!recognizes(b"{\"dmesg\": 3}"));
    }
}
