//! `pvelog boots` renderers: each machine's boots, and how each ended, with the evidence.
//!
//! Text: per machine a heading, then one line per boot (index, boot id or `-`, start, end, end
//! kind) and the evidence records indented below it, every piece of log text escaped for the
//! terminal ([`escape::terminal`]). JSON (DESIGN.md §2): `{"schema_version": 1, "machines":
//! [{"name", "role", "boots": [{"boot_id", "start", "end", "end_kind", "evidence": [...]}]}]}`,
//! evidence items as in `diagnose` (`time`, `source`, `line`, `offset`, `text`) plus `why`.

use std::io::{self, Write};

use serde::Serialize;

use super::escape;
use crate::analysis::Analysis;
use crate::boots::{Boot, MachineBoots};
use crate::event::rfc3339;
use crate::evidence;

#[derive(Serialize)]
struct JsonBoots<'a> {
    schema_version: u32,
    machines: Vec<JsonMachine<'a>>,
}

#[derive(Serialize)]
struct JsonMachine<'a> {
    name: &'a str,
    role: &'static str,
    boots: Vec<JsonBoot<'a>>,
}

#[derive(Serialize)]
struct JsonBoot<'a> {
    index: usize,
    boot_id: Option<&'a str>,
    start: Option<String>,
    start_from: Option<&'static str>,
    first_record: Option<String>,
    last_record: Option<String>,
    end: Option<String>,
    end_kind: &'static str,
    reason: &'a str,
    sources: Vec<&'a str>,
    evidence: Vec<JsonEvidence>,
}

#[derive(Serialize)]
struct JsonEvidence {
    time: Option<String>,
    source: String,
    line: Option<u32>,
    offset: u64,
    text: String,
    why: &'static str,
}

fn evidence(analysis: &Analysis<'_>, boot: &Boot) -> Vec<JsonEvidence> {
    boot.evidence
        .iter()
        .filter_map(|c| {
            let e = evidence::cite(&analysis.sources, c.cite, c.time)?;
            Some(JsonEvidence {
                time: e.time,
                source: e.source,
                line: e.line,
                offset: e.offset,
                text: e.text,
                why: c.why,
            })
        })
        .collect()
}

fn json_boot<'a>(analysis: &'a Analysis<'_>, index: usize, boot: &'a Boot) -> JsonBoot<'a> {
    JsonBoot {
        index,
        boot_id: boot.boot_id.as_deref(),
        start: boot.start.as_ref().map(|s| rfc3339(s.time)),
        start_from: boot.start.as_ref().map(|s| s.from),
        first_record: boot.first.map(|f| rfc3339(f.time)),
        last_record: boot.last.map(|l| rfc3339(l.time)),
        end: boot.end.map(rfc3339),
        end_kind: boot.end_kind.as_str(),
        reason: &boot.reason,
        sources: boot
            .sources
            .iter()
            .filter_map(|&s| analysis.sources.get(s).map(|s| s.path.as_str()))
            .collect(),
        evidence: evidence(analysis, boot),
    }
}

/// Writes the boot history as JSON.
pub fn write_json(
    analysis: &Analysis<'_>,
    machines: &[MachineBoots],
    out: &mut dyn Write,
) -> io::Result<()> {
    let doc = JsonBoots {
        schema_version: 1,
        machines: machines
            .iter()
            .map(|m| JsonMachine {
                name: &m.name,
                role: m.role.as_str(),
                boots: m
                    .boots
                    .iter()
                    .enumerate()
                    .map(|(i, b)| json_boot(analysis, i + 1, b))
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Writes the boot history as text.
pub fn write_text(
    analysis: &Analysis<'_>,
    machines: &[MachineBoots],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut first = true;
    for machine in machines {
        if !first {
            writeln!(out)?;
        }
        first = false;
        writeln!(
            out,
            "{} ({}): {} boot{}",
            escape::terminal(machine.name.as_bytes()),
            machine.role.as_str(),
            machine.boots.len(),
            if machine.boots.len() == 1 { "" } else { "s" }
        )?;
        for (i, boot) in machine.boots.iter().enumerate() {
            let start = match (&boot.start, boot.first) {
                (Some(s), _) => rfc3339(s.time),
                (None, Some(f)) => format!("{} (first record)", rfc3339(f.time)),
                (None, None) => "-".to_string(),
            };
            writeln!(
                out,
                "  #{:<2} {:<32}  {}  ->  {}  {}: {}",
                i + 1,
                escape::terminal(boot.boot_id.as_deref().unwrap_or("-").as_bytes()),
                start,
                boot.end.map_or_else(|| "-".to_string(), rfc3339),
                boot.end_kind.as_str(),
                escape::terminal(boot.reason.as_bytes()),
            )?;
            for e in evidence(analysis, boot) {
                let place = match e.line {
                    Some(line) => format!("{}:{line}", e.source),
                    None => format!("{}@{}", e.source, e.offset),
                };
                writeln!(
                    out,
                    "        {:<18} {}  {}  {}",
                    e.why,
                    e.time.as_deref().unwrap_or("-"),
                    escape::terminal(place.as_bytes()),
                    escape::terminal(e.text.as_bytes()),
                )?;
            }
        }
    }
    Ok(())
}

/// `pvelog boots`: each machine's boots.
#[derive(Clone, Copy, Debug)]
pub struct BootsView<'a, 'b> {
    /// The analysis.
    pub analysis: &'a Analysis<'b>,
}

impl super::Render for BootsView<'_, '_> {
    fn render(&self, format: super::Format, out: &mut dyn Write) -> io::Result<super::Rendered> {
        let machines = self.analysis.boots();
        match format {
            super::Format::Text { .. } => write_text(self.analysis, machines, out)?,
            super::Format::Json => write_json(self.analysis, machines, out)?,
            other => return Err(super::unsupported(other)),
        }
        Ok(super::Rendered::default())
    }
}
