//! Timeline exports for the tools forensic teams run at fleet scale: CSV for spreadsheets and
//! Timesketch (or OpenSearch) JSON Lines.
//!
//! Both write the records `timeline --format jsonl` writes, in the same order, with the same
//! fields:
//!
//! - **CSV** (RFC 4180, through the `csv` crate's quoting): a header row with the JSON Lines keys
//!   in their order ([`super::timeline::JSONL_KEYS`]), every event, `time_quality` joined by
//!   `;`, absent values empty. A spreadsheet opens it as it is.
//! - **Timesketch** JSON Lines: each dated event with the fields Timesketch requires —
//!   `message`, `datetime` (ISO 8601, the record's UTC time), `timestamp` (integer µs since the
//!   epoch) and `timestamp_desc` (plaso's words: `Recorded Time` for journal entries, `Content
//!   Modification Time` for lines written to a file) — plus pvelog's fields. Timesketch cannot
//!   place a record without a time, so those are left out and counted
//!   ([`super::Rendered::undated_not_exported`]) for a note on stderr.

use std::io::{self, Write};

use serde::Serialize;

use super::timeline::{Filter, JSONL_KEYS, JsonEvent, Printed, each, json_event};
use crate::analysis::Analysis;
use crate::event::RFC3339_LEN;

/// A Timesketch record: its required fields, then pvelog's.
#[derive(Serialize)]
struct TimesketchEvent<'a> {
    datetime: &'a str,
    timestamp: i64,
    timestamp_desc: &'static str,
    #[serde(flatten)]
    event: JsonEvent<'a>,
}

fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes the timeline as CSV.
pub fn write_csv(
    analysis: &Analysis<'_>,
    filter: &Filter,
    out: &mut dyn Write,
) -> io::Result<Printed> {
    let mut printed = Printed::default();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(JSONL_KEYS)?;
    for (source, event, group) in each(analysis, filter, &mut printed) {
        let mut buf = [0u8; RFC3339_LEN];
        let e = json_event(source, event, group, &mut buf);
        w.write_record([
            cell(e.time),
            e.time_quality.join(";"),
            e.role.to_string(),
            e.machine.to_string(),
            e.source.to_string(),
            cell(e.line),
            e.offset.to_string(),
            e.format.to_string(),
            cell(e.priority),
            cell(e.facility),
            cell(e.hostname),
            cell(e.ident),
            cell(e.pid),
            cell(e.time_recorded),
            // As JSON writes it (`0.0`, not `0`), so the two exports agree.
            cell(e.monotonic_s.map(serde_json::Value::from)),
            e.message.into_owned(),
            cell(e.message_bytes),
            cell(e.dup_group),
        ])?;
    }
    w.flush()?;
    Ok(printed)
}

/// Writes the dated timeline as Timesketch JSON Lines.
pub fn write_timesketch(
    analysis: &Analysis<'_>,
    filter: &Filter,
    out: &mut dyn Write,
) -> io::Result<Printed> {
    let mut printed = Printed::default();
    let mut undated = 0;
    let mut line = Vec::with_capacity(512);
    for (source, event, group) in each(analysis, filter, &mut printed) {
        let Some(time) = event.time else {
            undated += 1;
            continue;
        };
        let mut buf = [0u8; RFC3339_LEN];
        let e = json_event(source, event, group, &mut buf);
        let Some(datetime) = e.time else {
            undated += 1;
            continue;
        };
        let record = TimesketchEvent {
            datetime,
            timestamp: time.timestamp_micros(),
            timestamp_desc: if event.journal.is_some() || source.parsed.binary {
                "Recorded Time"
            } else {
                "Content Modification Time"
            },
            event: e,
        };
        line.clear();
        serde_json::to_writer(&mut line, &record).map_err(io::Error::from)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    printed.events -= undated;
    printed.undated_not_exported = undated;
    Ok(printed)
}
