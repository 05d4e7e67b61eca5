//! `pvelog timeline` renderers.
//!
//! Text, one record per line (continuation lines indented below it):
//!
//! ```text
//! 2025-07-29T09:56:40.006000Z  pve1/host    kernel: Out of memory: Killed process 32969 (kvm) …
//! boot+12.345678s              web/guest    kernel: EXT4-fs (vda1): mounted filesystem
//! ```
//!
//! JSON Lines, one object per event, time-ordered, with the keys of DESIGN.md §2: `time`,
//! `time_quality`, `role`, `machine`, `source`, `line`, `format`, `priority`, `ident`, `pid`,
//! `message`; plus `offset`, `hostname`, `time_recorded` (the time as written, when a fix changed
//! it), `monotonic_s` (seconds since boot, when the record has them) and `message_bytes` (base64,
//! only when the message is not UTF-8; `message` then holds it with U+FFFD replacements) and
//! `dup_group` (records sharing it are one record seen through several sources; null otherwise).
//!
//! In text, such a record is one row that lists every place it was seen; JSON Lines keeps every
//! copy. The CSV and Timesketch exports ([`super::export`]) write the same records.

use std::borrow::Cow;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use base64::Engine as _;
use serde::Serialize;

use super::escape;
use crate::analysis::Analysis;
use crate::clock::monotonic_seconds;
use crate::event::rfc3339;
use crate::event::{Event, RecordedTime, Role};
use crate::source::Source;
use crate::timeline::Window;

/// Which events to print.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Time window.
    pub window: Window,
    /// Only these machines (empty: all).
    pub machines: Vec<String>,
    /// Only records at this syslog priority or more severe (records without one pass).
    pub max_priority: Option<u8>,
    /// Only records of these guests, by VMID (empty: all).
    pub vms: Vec<u32>,
    /// Only records of these systemd units or identifiers (`pvedaemon`, `qemu-server@101`;
    /// a unit matches with or without its `.service` suffix; empty: all).
    pub units: Vec<String>,
}

impl Filter {
    fn admits(&self, source: &Source<'_>, event: &Event<'_>) -> bool {
        self.window.admits(event.time)
            && (self.machines.is_empty() || self.machines.contains(&source.machine))
            && (self.vms.is_empty() || source.vmid.is_some_and(|v| self.vms.contains(&v)))
            && (self.units.is_empty() || self.units.iter().any(|u| unit_matches(u, event)))
            && self
                .max_priority
                .is_none_or(|max| event.priority.is_none_or(|p| p <= max))
    }
}

/// Whether a record comes from `unit`: its journal `_SYSTEMD_UNIT` or `UNIT` field (with or
/// without the `.service` suffix), or its syslog identifier.
fn unit_matches(unit: &str, event: &Event<'_>) -> bool {
    let bare = unit.strip_suffix(".service").unwrap_or(unit).as_bytes();
    let same = |value: &[u8]| value == bare || value.strip_suffix(b".service") == Some(bare);
    if let Some(j) = &event.journal
        && [b"_SYSTEMD_UNIT".as_slice(), b"UNIT".as_slice()]
            .iter()
            .any(|f| j.value(f).is_some_and(|v| same(&v)))
    {
        return true;
    }
    event.ident.is_some_and(same)
}

/// Counts of what a render printed and left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Printed {
    /// Events printed.
    pub events: u64,
    /// Events without a wall-clock time that an active time window left out.
    pub undated_left_out: u64,
    /// Events without a wall-clock time that the format cannot hold (Timesketch).
    pub undated_not_exported: u64,
}

/// The events that pass `filter`, in timeline order, with their duplicate group; counts what
/// it passes and what an active window leaves out.
pub(super) fn each<'a, 'b>(
    analysis: &'a Analysis<'b>,
    filter: &'a Filter,
    printed: &'a mut Printed,
) -> impl Iterator<Item = (&'a Source<'b>, &'a Event<'b>, Option<u32>)> + 'a {
    analysis
        .order
        .iter()
        .enumerate()
        .filter_map(move |(pos, r)| {
            let source = &analysis.sources[r.source as usize];
            let event = &source.parsed.events[r.event as usize];
            if filter.admits(source, event) {
                printed.events += 1;
                let group = analysis.dup_groups.get(pos).copied().flatten();
                Some((source, event, group))
            } else {
                if event.time.is_none() && filter.window.is_active() {
                    printed.undated_left_out += 1;
                }
                None
            }
        })
}

/// Width of the time column: `2025-07-29T09:56:40.006000Z`.
const TIME_WIDTH: usize = 27;

/// Writes the text timeline.
pub fn write_text(
    analysis: &Analysis<'_>,
    filter: &Filter,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<Printed> {
    let mut printed = Printed::default();
    let width = analysis
        .sources
        .iter()
        .map(|s| s.machine.len() + 1 + s.role.as_str().len())
        .max()
        .unwrap_or(0);
    let paint = |style: Style, text: &str| -> String {
        if color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    };
    // Where each record seen through several sources stands: listed on its first row.
    let mut places: std::collections::HashMap<u32, Vec<String>> = std::collections::HashMap::new();
    for (pos, r) in analysis.order.iter().enumerate() {
        if let Some(g) = analysis.dup_groups.get(pos).copied().flatten() {
            let source = &analysis.sources[r.source as usize];
            let event = &source.parsed.events[r.event as usize];
            places.entry(g).or_default().push(source.place(event));
        }
    }
    let mut shown: std::collections::HashSet<u32> = std::collections::HashSet::new();
    for (source, event, group) in each(analysis, filter, &mut printed) {
        if let Some(g) = group
            && !shown.insert(g)
        {
            continue;
        }
        let time = match (event.time, event.recorded) {
            (Some(t), _) => rfc3339(t),
            (None, RecordedTime::Monotonic { micros }) => {
                format!("boot+{}.{:06}s", micros / 1_000_000, micros % 1_000_000)
            }
            (None, _) => "-".to_string(),
        };
        let who = format!(
            "{}/{}",
            escape::terminal(source.machine.as_bytes()),
            source.role.as_str()
        );
        let who_style = match source.role {
            Role::Host => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            Role::Guest => Style::new().fg_color(Some(AnsiColor::Magenta.into())),
            Role::Unknown => Style::new(),
        };
        let mut line = format!(
            "{}  {}  ",
            paint(Style::new().dimmed(), &format!("{time:<TIME_WIDTH$}")),
            paint(who_style, &format!("{who:<width$}")),
        );
        if let Some(ident) = event.ident {
            let ident = escape::terminal(ident);
            let tag = match event.pid {
                Some(pid) => format!("{ident}[{pid}]:"),
                None => format!("{ident}:"),
            };
            line.push_str(&paint(Style::new().bold(), &tag));
            line.push(' ');
        }
        let message_style = match event.priority {
            Some(0..=3) => Style::new().fg_color(Some(AnsiColor::Red.into())),
            Some(4) => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            _ => Style::new(),
        };
        let mut parts = event.message.split(|&b| b == b'\n');
        let first = parts.next().unwrap_or_default();
        line.push_str(&paint(message_style, &escape::terminal(first)));
        for more in parts {
            line.push('\n');
            line.push_str(&" ".repeat(TIME_WIDTH + 4));
            line.push_str(&paint(message_style, &escape::terminal(more)));
        }
        if let Some(list) = group.and_then(|g| places.get(&g)) {
            line.push_str(&paint(
                Style::new().dimmed(),
                &format!("  [{}]", escape::terminal(list.join(", ").as_bytes())),
            ));
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(printed)
}

/// One JSON Lines record (also the fields of the CSV and Timesketch exports).
#[derive(Serialize)]
pub(super) struct JsonEvent<'a> {
    pub(super) time: Option<&'a str>,
    pub(super) time_quality: Vec<&'static str>,
    pub(super) role: &'static str,
    pub(super) machine: &'a str,
    pub(super) source: &'a str,
    pub(super) line: Option<u32>,
    pub(super) offset: u64,
    pub(super) format: &'static str,
    pub(super) priority: Option<u8>,
    pub(super) facility: Option<u8>,
    pub(super) hostname: Option<Cow<'a, str>>,
    pub(super) ident: Option<Cow<'a, str>>,
    pub(super) pid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) time_recorded: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) monotonic_s: Option<f64>,
    pub(super) message: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) message_bytes: Option<String>,
    /// Records with the same group id are one record seen through several sources.
    pub(super) dup_group: Option<u32>,
}

/// The JSON Lines keys, in their order.
pub const JSONL_KEYS: [&str; 18] = [
    "time",
    "time_quality",
    "role",
    "machine",
    "source",
    "line",
    "offset",
    "format",
    "priority",
    "facility",
    "hostname",
    "ident",
    "pid",
    "time_recorded",
    "monotonic_s",
    "message",
    "message_bytes",
    "dup_group",
];

/// Writes the timeline as JSON Lines.
///
/// The merged order is cut into chunks serialized on the thread pool, a batch of chunks at a
/// time, each chunk into a buffer that the next batch reuses; the buffers are written in order,
/// so the output is the same for any thread count. Reused buffers keep the memory the text
/// takes to one batch and spare the kernel zeroing fresh pages for every batch.
pub fn write_jsonl(
    analysis: &Analysis<'_>,
    filter: &Filter,
    out: &mut dyn Write,
) -> io::Result<Printed> {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    const BATCH: usize = 32 * CHUNK;
    let mut printed = Printed::default();
    let mut bufs: Vec<(Vec<u8>, Printed)> = Vec::new();
    for (b, batch) in analysis.order.chunks(BATCH).enumerate() {
        let chunks = batch.len().div_ceil(CHUNK);
        bufs.resize_with(bufs.len().max(chunks), Default::default);
        bufs.par_iter_mut()
            .zip(batch.par_chunks(CHUNK))
            .enumerate()
            .for_each(|(c, ((text, counts), chunk))| {
                text.clear();
                *counts = Printed::default();
                let first = b * BATCH + c * CHUNK;
                for (i, r) in chunk.iter().enumerate() {
                    let source = &analysis.sources[r.source as usize];
                    let event = &source.parsed.events[r.event as usize];
                    if filter.admits(source, event) {
                        counts.events += 1;
                        let group = analysis.dup_groups.get(first + i).copied().flatten();
                        json_line(source, event, group, text);
                    } else if event.time.is_none() && filter.window.is_active() {
                        counts.undated_left_out += 1;
                    }
                }
            });
        for (text, counts) in bufs.iter().take(chunks) {
            out.write_all(text)?;
            printed.events += counts.events;
            printed.undated_left_out += counts.undated_left_out;
        }
    }
    Ok(printed)
}

/// One event as its JSON Lines record; `time_buf` holds the time's text.
pub(super) fn json_event<'a>(
    source: &'a Source<'_>,
    event: &'a Event<'_>,
    dup_group: Option<u32>,
    time_buf: &'a mut [u8; crate::event::RFC3339_LEN],
) -> JsonEvent<'a> {
    let (message, message_bytes) = match std::str::from_utf8(&event.message) {
        Ok(s) => (Cow::Borrowed(s), None),
        Err(_) => (
            String::from_utf8_lossy(&event.message),
            Some(base64::engine::general_purpose::STANDARD.encode(&event.message)),
        ),
    };
    JsonEvent {
        time: event
            .time
            .and_then(|t| crate::event::write_rfc3339(t, time_buf)),
        time_quality: event.quality.iter().map(|f| f.as_str()).collect(),
        role: source.role.as_str(),
        machine: &source.machine,
        source: &source.path,
        // Binary sources (journal files) have no lines: `offset` locates the record.
        line: (!source.parsed.binary).then_some(event.line),
        offset: event.offset,
        format: source.parsed.variant,
        priority: event.priority,
        facility: event.facility,
        hostname: event.hostname.map(String::from_utf8_lossy),
        ident: event.ident.map(String::from_utf8_lossy),
        pid: event.pid,
        time_recorded: (!event.quality.is_empty() && !event.time_text.is_empty())
            .then(|| String::from_utf8_lossy(event.time_text)),
        monotonic_s: monotonic_seconds(event),
        message,
        message_bytes,
        dup_group,
    }
}

/// Appends one event as a JSON line: the record [`json_event`] describes, written byte by
/// byte ([`super::json`]) in its keys' order, as `serde_json` would write it.
fn json_line(source: &Source<'_>, event: &Event<'_>, dup_group: Option<u32>, out: &mut Vec<u8>) {
    use super::json::{opt_uint, string, string_lossy, uint};
    let mut time_buf = [0u8; crate::event::RFC3339_LEN];
    out.extend_from_slice(b"{\"time\":");
    match event
        .time
        .and_then(|t| crate::event::write_rfc3339(t, &mut time_buf))
    {
        Some(time) => string(out, time.as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"time_quality\":[");
    for (i, fix) in event.quality.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, fix.as_str().as_bytes());
    }
    out.extend_from_slice(b"],\"role\":");
    string(out, source.role.as_str().as_bytes());
    out.extend_from_slice(b",\"machine\":");
    string(out, source.machine.as_bytes());
    out.extend_from_slice(b",\"source\":");
    string(out, source.path.as_bytes());
    out.extend_from_slice(b",\"line\":");
    // Binary sources (journal files) have no lines: `offset` locates the record.
    opt_uint(
        out,
        (!source.parsed.binary).then_some(u64::from(event.line)),
    );
    out.extend_from_slice(b",\"offset\":");
    uint(out, event.offset);
    out.extend_from_slice(b",\"format\":");
    string(out, source.parsed.variant.as_bytes());
    out.extend_from_slice(b",\"priority\":");
    opt_uint(out, event.priority.map(u64::from));
    out.extend_from_slice(b",\"facility\":");
    opt_uint(out, event.facility.map(u64::from));
    out.extend_from_slice(b",\"hostname\":");
    match event.hostname {
        Some(h) => string_lossy(out, h),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"ident\":");
    match event.ident {
        Some(i) => string_lossy(out, i),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"pid\":");
    opt_uint(out, event.pid.map(u64::from));
    if !event.quality.is_empty() && !event.time_text.is_empty() {
        out.extend_from_slice(b",\"time_recorded\":");
        string_lossy(out, event.time_text);
    }
    if let Some(seconds) = monotonic_seconds(event) {
        out.extend_from_slice(b",\"monotonic_s\":");
        // serde_json's own float text (and `null` where JSON has no number).
        if serde_json::to_writer(&mut *out, &seconds).is_err() {
            out.extend_from_slice(b"null");
        }
    }
    out.extend_from_slice(b",\"message\":");
    let message: &[u8] = &event.message;
    if std::str::from_utf8(message).is_ok() {
        string(out, message);
    } else {
        string(out, String::from_utf8_lossy(message).as_bytes());
        out.extend_from_slice(b",\"message_bytes\":");
        string(
            out,
            base64::engine::general_purpose::STANDARD
                .encode(message)
                .as_bytes(),
        );
    }
    out.extend_from_slice(b",\"dup_group\":");
    opt_uint(out, dup_group.map(u64::from));
    out.extend_from_slice(b"}\n");
}

/// `pvelog timeline`: the merged records that pass a filter.
#[derive(Clone, Copy, Debug)]
pub struct TimelineView<'a, 'b> {
    /// The analysis.
    pub analysis: &'a Analysis<'b>,
    /// Which records to show.
    pub filter: &'a Filter,
}

impl super::Render for TimelineView<'_, '_> {
    fn render(&self, format: super::Format, out: &mut dyn Write) -> io::Result<super::Rendered> {
        let printed = match format {
            super::Format::Text { color } => write_text(self.analysis, self.filter, color, out)?,
            super::Format::Json => write_jsonl(self.analysis, self.filter, out)?,
            super::Format::Csv => super::export::write_csv(self.analysis, self.filter, out)?,
            super::Format::Timesketch => {
                super::export::write_timesketch(self.analysis, self.filter, out)?
            }
            other => return Err(super::unsupported(other)),
        };
        Ok(super::Rendered {
            records: printed.events,
            undated_left_out: printed.undated_left_out,
            undated_not_exported: printed.undated_not_exported,
        })
    }
}
