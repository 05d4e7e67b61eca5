//! KubeVirt component logs (virt-launcher, virt-handler, virt-controller…): one JSON object per
//! line, keys sorted (REFERENCE.md §10.5). virt-launcher runs beside each VM's QEMU and relays its
//! libvirt and QEMU lines, so its log is the VM's host-side record on Kubernetes.
//!
//! ```text
//! {"component":"virt-launcher","level":"info","msg":"Connecting to libvirt daemon: qemu:///system","pos":"libvirt.go:545","timestamp":"2023-07-17T09:12:16.351046Z"}
//! 2023-08-31 16:31:24<TAB>{"component":"virt-launcher",…}                  a log UI's own prefix
//! "component":"virt-launcher","kind":"","level":"info","msg":"Signaled graceful shutdown for testvmi-txhzt",…}   pasted without its brace
//! ```
//!
//! Each line is read by its keys, not as a whole document, so a line a poster cut at the front
//! still counts: `component` becomes the ident, `msg` the message (JSON escapes decoded),
//! `level` the priority, and `timestamp` (Go's `2006-01-02T15:04:05.000000Z`) the time.
//!
//! # Known deviations
//! - Relayed QEMU lines and unparsable libvirt lines carry `time.Now()` with a literal `Z` that
//!   is not UTC; they are read as UTC like the rest.
//! - Keys other than `component`, `level`, `msg`, `timestamp` (`pos`, `name`, `uid`, `reason`…)
//!   stay in the record's text but are not fields of the event.

use crate::event::Bytes;

use super::common::{is_paste_artifact, json_decoded, record_share};
use super::{LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::Line;

/// The parser.
#[derive(Debug, Default)]
pub struct Parser;

/// The raw text of a string value (between its quotes, escapes as written).
fn raw_value<'a>(text: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut pattern = Vec::with_capacity(key.len() + 4);
    pattern.push(b'"');
    pattern.extend_from_slice(key);
    pattern.extend_from_slice(b"\":\"");
    let start = text.windows(pattern.len()).position(|w| w == pattern)? + pattern.len();
    let rest = &text[start..];
    let mut escaped = false;
    for (i, &b) in rest.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(&rest[..i]),
            _ => {}
        }
    }
    None
}

/// Whether a line is a KubeVirt record: a JSON object's keys (its brace may be cut off) with
/// `component` and `msg`, ending the object.
fn is_record(text: &[u8]) -> bool {
    let t = text.trim_ascii_end();
    t.ends_with(b"}") && raw_value(t, b"component").is_some() && raw_value(t, b"msg").is_some()
}

/// syslog severities for KubeVirt's levels.
fn priority(level: &[u8]) -> Option<u8> {
    Some(match level {
        b"fatal" => 2,
        b"error" => 3,
        b"warning" => 4,
        b"info" => 6,
        b"debug" => 7,
        _ => return None,
    })
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let text = line.text.trim_ascii();
        if is_paste_artifact(text) || !is_record(text) {
            out.push_unparsed(&line);
            return;
        }
        let recorded = raw_value(text, b"timestamp")
            .and_then(|t| super::common::rfc3339(t, false).ok())
            .map_or(RecordedTime::Missing, |(_, t)| RecordedTime::Absolute(t));
        let time_text = raw_value(text, b"timestamp").unwrap_or_default();
        let mut event = Event::new(recorded, time_text, line.number, line.offset, text);
        event.ident = raw_value(text, b"component");
        event.priority = raw_value(text, b"level").and_then(priority);
        event.message = raw_value(text, b"msg").map_or(Bytes::Borrowed(&b""[..]), json_decoded);
        out.push_event(event);
    }

    fn variant(&self) -> &'static str {
        "kubevirt-json"
    }
}

/// Whether a member's head is a KubeVirt component log: records make up at least half of the
/// lines that are not paste artifacts.
pub fn recognizes(head: &[u8]) -> bool {
    let (records, lines) = record_share(head, |t| {
        let t = t.trim_ascii();
        (!is_paste_artifact(t)).then(|| is_record(t))
    });
    records > 0 && records * 2 >= lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::FormatKind;
    use crate::limits::Limits;

    fn parse(text: &str) -> Parsed<'_> {
        super::super::parse(FormatKind::KubeVirt, text.as_bytes(), &Limits::default())
    }

    #[test]
    fn records_whole_prefixed_and_cut() {
        let p = parse(concat!(
            "**for virt launcher logs during shutdown:**\n",
            r#"{"component":"virt-launcher","level":"info","msg":"Connecting to libvirt daemon: qemu:///system","pos":"libvirt.go:545","timestamp":"2023-07-17T09:12:16.351046Z"}"#,
            "\n",
            "2023-08-31 16:31:24\t",
            r#"{"component":"virt-launcher","level":"error","msg":"internal error: \"qemu\" unexpectedly closed","timestamp":"2023-08-31T16:31:24.000000Z"}"#,
            "\n",
            r#""component":"virt-launcher","kind":"","level":"info","msg":"Signaled graceful shutdown for testvmi-txhzt","name":"testvmi-txhzt","timestamp":"2024-09-20T13:03:26.595310Z","uid":"c0c6908d"}"#,
            "\n",
        ));
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 3);
        assert_eq!(p.stats.unparsed_lines, 1);
        let e = &p.events[0];
        assert_eq!(e.ident, Some(&b"virt-launcher"[..]));
        assert_eq!(e.priority, Some(6));
        assert!(matches!(e.recorded, RecordedTime::Absolute(_)));
        assert_eq!(
            &p.events[1].message[..],
            br#"internal error: "qemu" unexpectedly closed"#
        );
        assert_eq!(p.events[1].priority, Some(3));
        assert_eq!(
            &p.events[2].message[..],
            b"Signaled graceful shutdown for testvmi-txhzt"
        );
    }

    #[test]
    fn detection() {
        assert!(recognizes(
            br#"{"component":"virt-handler","level":"info","msg":"x","timestamp":"2023-07-17T09:12:16.351046Z"}"#
        ));
        assert!(!recognizes(
            br#"{"MESSAGE":"x","__REALTIME_TIMESTAMP":"1"}"#
        ));
        assert!(!recognizes(
            b"Jul 29 10:10:00 pve1 kernel: {\"component\":\"x\"}\nfoo\nbar\n"
        ));
    }
}
