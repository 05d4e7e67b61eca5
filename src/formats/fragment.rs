//! Fragments: log lines as people paste them, without any timestamp — bare kernel messages
//! (`Out of memory: Killed process …`), `kernel: msg`, `ident[pid]: msg`, a serial console's
//! tail, a Xen hypervisor console (`(XEN) …`), a QEMU or libvirt per-domain log line.
//!
//! Each line that is not a paste artifact (a Markdown fence, a `...` elision, a shell prompt)
//! becomes an event with no time (`RecordedTime::Missing`), in file order, so the signal table
//! still reads it; a line continues the previous record only when it is indented (a call trace,
//! an OOM task table). A `> ` quote marker is not part of the record. Detection takes a member as
//! a fragment only when no dated format recognized its lines and at least one of them has a log
//! line's shape ([`recognizes`]); anything else stays unrecognized.

use super::common::{is_paste_artifact, tagged};
use super::{LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::{Line, Lines, is_blank};

/// The parser.
#[derive(Debug, Default)]
pub struct Parser {
    xen: u64,
    tagged: u64,
    bare: u64,
}

/// What a line holds once its quote marker is removed.
fn unquoted(text: &[u8]) -> &[u8] {
    let t = text.strip_prefix(b"> ").unwrap_or(text);
    t.strip_prefix(b">").filter(|r| r.is_empty()).unwrap_or(t)
}

/// `[ 12345.678901] ` at the start of a kernel line (a dmesg paste stripped of nothing else).
fn uptime_prefix(text: &[u8]) -> Option<(u64, &[u8])> {
    let rest = text.strip_prefix(b"[")?;
    let close = rest.iter().position(|&b| b == b']')?;
    let inside = rest[..close].trim_ascii();
    let (secs, frac) = match inside.iter().position(|&b| b == b'.') {
        Some(dot) => (&inside[..dot], &inside[dot + 1..]),
        None => (inside, &b""[..]),
    };
    if secs.is_empty()
        || secs.len() > 12
        || !secs.iter().all(u8::is_ascii_digit)
        || !frac.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let whole: u64 = std::str::from_utf8(secs).ok()?.parse().ok()?;
    let micros = whole
        .saturating_mul(1_000_000)
        .saturating_add(super::common::frac_micros(frac));
    let after = &rest[close + 1..];
    Some((micros, after.strip_prefix(b" ").unwrap_or(after)))
}

/// Whether an identifier looks like a program's name rather than the first word of prose or
/// of a kernel message (`Out of memory: …` has a space, so it is no identifier).
fn plausible_ident(ident: &[u8]) -> bool {
    ident.len() <= 40
        && ident
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'@'))
        && ident.first().is_some_and(u8::is_ascii_alphabetic)
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let text = line.text;
        if is_paste_artifact(text) {
            out.push_unparsed(&line);
            return;
        }
        let indented = text.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if indented && out.last_line_was_event(&line) {
            out.push_continuation(text.trim_ascii_start());
            return;
        }
        let text = unquoted(text.trim_ascii_start());
        if text.is_empty() || is_paste_artifact(text) {
            out.push_unparsed(&line);
            return;
        }
        let mut event = Event::new(RecordedTime::Missing, b"", line.number, line.offset, text);
        if let Some(rest) = text.strip_prefix(b"(XEN) ") {
            self.xen += 1;
            event.ident = Some(b"xen");
            event.message = crate::event::Bytes::Borrowed(rest);
        } else {
            let (uptime, rest) = match uptime_prefix(text) {
                Some((us, rest)) => (Some(us), rest),
                None => (None, text),
            };
            let t = tagged(rest);
            match t.ident {
                Some(ident) if plausible_ident(ident) => {
                    self.tagged += 1;
                    event.ident = Some(ident);
                    event.pid = t.pid;
                    let (uptime, message) = match (uptime, uptime_prefix(t.message)) {
                        (None, Some((us, m))) => (Some(us), m),
                        (u, _) => (u, t.message),
                    };
                    event.uptime_us = uptime;
                    event.message = crate::event::Bytes::Borrowed(message);
                }
                _ => {
                    self.bare += 1;
                    event.uptime_us = uptime;
                    event.message = crate::event::Bytes::Borrowed(rest);
                }
            }
        }
        out.push_event(event);
    }

    fn variant(&self) -> &'static str {
        if self.xen > self.tagged && self.xen > self.bare {
            "fragment-xen-console"
        } else if self.tagged >= self.bare {
            "fragment-tagged"
        } else {
            "fragment-bare"
        }
    }
}

/// Whether a member's head looks like a pasted fragment of log lines: at least one line with a
/// log line's shape (`ident[pid]: …`, `kernel: …`, `(XEN) …`, a kernel `[uptime]` prefix), and
/// at least a third of the lines that are not paste artifacts with one.
pub fn recognizes(head: &[u8]) -> bool {
    let (mut shaped, mut lines) = (0u32, 0u32);
    for line in Lines::new(head).filter(|l| !is_blank(l.text)).take(200) {
        let text = unquoted(line.text.trim_ascii_start());
        if is_paste_artifact(text) {
            continue;
        }
        lines += 1;
        let t = tagged(uptime_prefix(text).map_or(text, |(_, rest)| rest));
        let has_shape = text.starts_with(b"(XEN) ")
            || uptime_prefix(text).is_some()
            || t.ident.is_some_and(plausible_ident) && !t.message.is_empty();
        if has_shape {
            shaped += 1;
        }
    }
    shaped > 0 && shaped * 3 >= lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::FormatKind;
    use crate::limits::Limits;

    fn parse(text: &str) -> Parsed<'_> {
        super::super::parse(FormatKind::Fragment, text.as_bytes(), &Limits::default())
    }

    #[test]
    fn bare_and_tagged_lines_are_undated_events() {
        let p = parse(
            "```\n\
             kernel: Out of memory: Killed process 6643 (mysqld) total-vm:1117156kB, anon-rss:225548kB\n\
             pvedaemon[1234]: VM 101 qmp command failed - VM 101 not running\n\
             Kernel panic - not syncing: Fatal machine check\n\
             (XEN) domain_crash called from p2m.c:1122\n\
             ...\n\
             ```\n",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 4);
        assert_eq!(p.stats.unparsed_lines, 3);
        let e = &p.events[0];
        assert_eq!(e.recorded, RecordedTime::Missing);
        assert_eq!(e.ident, Some(&b"kernel"[..]));
        assert!(e.message.starts_with(b"Out of memory: Killed process 6643"));
        assert_eq!(p.events[1].pid, Some(1234));
        assert_eq!(p.events[2].ident, None);
        assert_eq!(
            &p.events[2].message[..],
            b"Kernel panic - not syncing: Fatal machine check"
        );
        assert_eq!(p.events[3].ident, Some(&b"xen"[..]));
        assert_eq!(p.events[0].line, 2);
    }

    #[test]
    fn indented_lines_continue_and_uptimes_are_kept() {
        let p = parse(
            "kernel: [386930.442556] tor invoked oom-killer: gfp_mask=0x24201ca, order=0\n\
             \x20dump_stack+0x5c/0x78\n\
             \x20dump_header+0x78/0x1fd\n\
             > qemu-system-x86_64: terminating on signal 15 from pid 4242\n",
        );
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[0].lines, 3);
        assert_eq!(p.events[0].uptime_us, Some(386_930_442_556));
        assert!(p.events[0].message.starts_with(b"tor invoked oom-killer"));
        assert_eq!(p.events[1].ident, Some(&b"qemu-system-x86_64"[..]));
    }

    #[test]
    fn detection_needs_log_shaped_lines() {
        assert!(recognizes(
            b"kernel: Out of memory: Killed process 1 (x)\nmore text here\n"
        ));
        assert!(recognizes(
            b"(XEN) Xen call trace:\n(XEN)    [<ffff82d08022e3c1>] foo\n"
        ));
        assert!(!recognizes(
            b"This is a sentence about a VM.\nAnother one.\nAnd a third.\n"
        ));
        assert!(!recognizes(
            b"url = \"https://example.org\"\nlabel = \"x\"\n"
        ));
    }
}
