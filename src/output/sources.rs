//! `pvelog sources` renderers: what was found in the bundle.
//!
//! For each source: its path, format, role and machine (with how each was decided), event and
//! line counts with the first unparsed lines, its time span, and the time fixes applied. Then the
//! machines, the input problems and what was skipped on purpose.
//!
//! JSON: `{"schema_version": 1, "reference_time", "sources": [...], "machines": [...],
//! "problems": [...], "skipped": [...]}` (DESIGN.md §2).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::escape;
use crate::analysis::Analysis;
use crate::event::TimeFix;
use crate::event::rfc3339;
use crate::formats::{UncleanEvidence, UnparsedExample};
use crate::source::Source;

#[derive(Serialize)]
struct JsonSources<'a> {
    schema_version: u32,
    reference_time: Option<JsonReference>,
    manifests: &'a [String],
    manifest_problems: &'a [String],
    sources: Vec<JsonSource<'a>>,
    machines: Vec<JsonMachine<'a>>,
    problems: Vec<JsonProblem<'a>>,
    skipped: Vec<JsonSkipped<'a>>,
}

#[derive(Serialize)]
struct JsonReference {
    time: String,
    from: String,
}

#[derive(Serialize)]
struct JsonSource<'a> {
    path: &'a str,
    format: &'static str,
    kind: &'static str,
    role: &'static str,
    role_from: &'static str,
    machine: &'a str,
    machine_from: &'static str,
    vmid: Option<u32>,
    events: usize,
    lines: u64,
    event_lines: u64,
    banner_lines: u64,
    blank_lines: u64,
    fact_lines: u64,
    /// Lines of a context file (kept for the reader: no parser, not unparsed); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    context_lines: u64,
    facts: usize,
    unparsed: u64,
    unparsed_examples: &'a [UnparsedExample],
    boots: usize,
    first: Option<String>,
    last: Option<String>,
    undated: usize,
    time_quality: BTreeMap<&'static str, usize>,
    time_fixes: &'a [String],
    line_problems: Vec<String>,
    binary: bool,
    notes: &'a [String],
    unclean: &'a [UncleanEvidence],
}

#[derive(Serialize)]
struct JsonMachine<'a> {
    #[serde(flatten)]
    machine: &'a crate::correlate::Machine,
    sources: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    path: &'a str,
    offset: Option<u64>,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
}

/// Per-source figures that both renderers print.
struct Summary {
    first: Option<String>,
    last: Option<String>,
    undated: usize,
    quality: BTreeMap<&'static str, usize>,
}

fn summarize(source: &Source<'_>) -> Summary {
    let events = &source.parsed.events;
    let first = events.iter().filter_map(|e| e.time).min().map(rfc3339);
    let last = events.iter().filter_map(|e| e.time).max().map(rfc3339);
    let mut quality = BTreeMap::new();
    for event in events {
        for fix in event.quality.iter() {
            *quality.entry(fix.as_str()).or_insert(0) += 1;
        }
    }
    Summary {
        first,
        last,
        undated: events.iter().filter(|e| e.time.is_none()).count(),
        quality,
    }
}

fn machines<'a>(analysis: &'a Analysis<'_>) -> Vec<JsonMachine<'a>> {
    analysis
        .machines
        .iter()
        .map(|m| JsonMachine {
            machine: m,
            sources: analysis
                .sources
                .iter()
                .filter(|s| s.machine == m.name)
                .map(|s| s.path.as_str())
                .collect(),
        })
        .collect()
}

/// Writes the inventory as JSON.
pub fn write_json(analysis: &Analysis<'_>, out: &mut dyn Write) -> io::Result<()> {
    let bundle = analysis.bundle;
    let sources = analysis
        .sources
        .iter()
        .map(|s| {
            let sum = summarize(s);
            JsonSource {
                path: &s.path,
                format: s.parsed.variant,
                kind: s.parsed.kind.as_str(),
                role: s.role.as_str(),
                role_from: s.role_from,
                machine: &s.machine,
                machine_from: s.machine_from,
                vmid: s.vmid,
                events: s.parsed.events.len(),
                lines: s.parsed.stats.lines,
                event_lines: s.parsed.stats.event_lines,
                banner_lines: s.parsed.stats.banner_lines,
                blank_lines: s.parsed.stats.blank_lines,
                fact_lines: s.parsed.stats.fact_lines,
                context_lines: s.parsed.stats.context_lines,
                facts: s.parsed.facts.len(),
                unparsed: s.parsed.stats.unparsed_lines,
                unparsed_examples: &s.parsed.unparsed_examples,
                boots: s.parsed.boots.len(),
                first: sum.first,
                last: sum.last,
                undated: sum.undated,
                time_quality: sum.quality,
                time_fixes: &s.time_notes,
                line_problems: s
                    .parsed
                    .problems
                    .iter()
                    .map(|p| format!("line {} (byte {}): {}", p.line, p.offset, p.reason))
                    .collect(),
                binary: s.parsed.binary,
                notes: &s.parsed.notes,
                unclean: &s.parsed.unclean,
            }
        })
        .collect();
    let doc = JsonSources {
        schema_version: 1,
        reference_time: analysis
            .clock
            .reference
            .as_ref()
            .map(|(t, from)| JsonReference {
                time: rfc3339(*t),
                from: from.clone(),
            }),
        manifests: &analysis.manifests,
        manifest_problems: &analysis.manifest_problems,
        sources,
        machines: machines(analysis),
        problems: bundle
            .problems
            .iter()
            .map(|p| JsonProblem {
                path: &p.path,
                offset: p.offset,
                reason: &p.reason,
            })
            .collect(),
        skipped: bundle
            .skipped
            .iter()
            .map(|s| JsonSkipped {
                path: &s.path,
                reason: s.reason,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// Writes the inventory as text.
pub fn write_text(analysis: &Analysis<'_>, out: &mut dyn Write) -> io::Result<()> {
    let bundle = analysis.bundle;
    if let Some((t, from)) = &analysis.clock.reference {
        writeln!(
            out,
            "reference time {} ({})",
            rfc3339(*t),
            escape::terminal(from.as_bytes())
        )?;
    }
    for m in &analysis.manifests {
        writeln!(out, "manifest {}", escape::terminal(m.as_bytes()))?;
    }
    for p in &analysis.manifest_problems {
        writeln!(out, "manifest problem {}", escape::terminal(p.as_bytes()))?;
    }
    for s in &analysis.sources {
        let sum = summarize(s);
        let st = &s.parsed.stats;
        writeln!(out)?;
        writeln!(out, "{}", escape::terminal(s.path.as_bytes()))?;
        writeln!(
            out,
            "  format   {}\n  machine  {} ({}, from {}), role from {}{}",
            s.parsed.variant,
            escape::terminal(s.machine.as_bytes()),
            s.role.as_str(),
            s.machine_from,
            s.role_from,
            s.vmid.map(|v| format!(", VMID {v}")).unwrap_or_default()
        )?;
        if s.parsed.binary {
            writeln!(
                out,
                "  entries  {} (binary file: records are located by byte offset)",
                s.parsed.events.len()
            )?;
        } else {
            writeln!(
                out,
                "  lines    {} events in {} lines: {} event lines, {} banners, {} blank, {} unparsed",
                s.parsed.events.len(),
                st.lines,
                st.event_lines,
                st.banner_lines,
                st.blank_lines,
                st.unparsed_lines
            )?;
            if st.context_lines > 0 {
                writeln!(
                    out,
                    "  context  {} lines kept for the reader (no parser reads them)",
                    st.context_lines
                )?;
            }
            if !s.parsed.facts.is_empty() {
                writeln!(
                    out,
                    "  facts    {} snapshot facts from {} lines",
                    s.parsed.facts.len(),
                    st.fact_lines
                )?;
            }
        }
        match (&sum.first, &sum.last) {
            (Some(f), Some(l)) => writeln!(out, "  span     {f} .. {l}")?,
            _ => writeln!(out, "  span     no wall-clock times")?,
        }
        if sum.undated > 0 {
            writeln!(out, "  undated  {} records", sum.undated)?;
        }
        if !sum.quality.is_empty() {
            let fixes: Vec<String> = TimeFix::ALL
                .iter()
                .filter_map(|f| {
                    sum.quality
                        .get(f.as_str())
                        .map(|n| format!("{} {n}", f.as_str()))
                })
                .collect();
            writeln!(out, "  fixes    {}", fixes.join(", "))?;
        }
        for note in &s.time_notes {
            writeln!(out, "  time     {}", escape::terminal(note.as_bytes()))?;
        }
        for note in &s.parsed.notes {
            writeln!(out, "  note     {}", escape::terminal(note.as_bytes()))?;
        }
        for u in &s.parsed.unclean {
            let boot = u
                .boot_id
                .as_deref()
                .map(|b| format!(" (boot {b})"))
                .unwrap_or_default();
            writeln!(
                out,
                "  unclean  {}{boot}",
                escape::terminal(u.reason.as_bytes())
            )?;
        }
        for ex in &s.parsed.unparsed_examples {
            writeln!(
                out,
                "  unparsed line {}: {}",
                ex.line,
                escape::terminal(ex.text.as_bytes())
            )?;
        }
        for p in &s.parsed.problems {
            writeln!(
                out,
                "  problem  line {} (byte {}): {}",
                p.line, p.offset, p.reason
            )?;
        }
    }
    let machines = machines(analysis);
    if !machines.is_empty() {
        writeln!(out, "\nmachines")?;
        for JsonMachine {
            machine: m,
            sources,
        } in machines
        {
            writeln!(
                out,
                "  {} ({}{}{}): {} sources",
                escape::terminal(m.name.as_bytes()),
                m.role,
                m.vmid.map(|v| format!(", VMID {v}")).unwrap_or_default(),
                m.host
                    .as_deref()
                    .map(|h| format!(", on {}", escape::terminal(h.as_bytes())))
                    .unwrap_or_default(),
                sources.len()
            )?;
            match (
                m.clock_offset_s,
                m.clock_offset_error_s,
                m.clock_offset_bounds_s,
            ) {
                (Some(o), Some(e), _) => writeln!(
                    out,
                    "    clock offset {o:+.3} s ± {e:.3} s{}",
                    if m.aligned {
                        ", aligned"
                    } else {
                        ", not applied"
                    }
                )?,
                (_, _, Some((lo, hi))) => writeln!(
                    out,
                    "    clock offset bounded: {} .. {} s (one-sided: not applied)",
                    lo.map_or("-inf".to_string(), |v| format!("{v:+.3}")),
                    hi.map_or("+inf".to_string(), |v| format!("{v:+.3}"))
                )?,
                _ => {}
            }
            for e in &m.evidence {
                writeln!(out, "    {}", escape::terminal(e.as_bytes()))?;
            }
        }
    }
    if !bundle.problems.is_empty() {
        writeln!(out, "\nproblems")?;
        for p in &bundle.problems {
            writeln!(out, "  {}", escape::terminal(p.to_string().as_bytes()))?;
        }
    }
    if !bundle.skipped.is_empty() {
        writeln!(out, "\nskipped")?;
        for s in &bundle.skipped {
            writeln!(
                out,
                "  {}: {}",
                escape::terminal(s.path.as_bytes()),
                s.reason
            )?;
        }
    }
    Ok(())
}

/// `pvelog sources`: what was found in the bundle.
#[derive(Clone, Copy, Debug)]
pub struct SourcesView<'a, 'b> {
    /// The analysis.
    pub analysis: &'a Analysis<'b>,
}

impl super::Render for SourcesView<'_, '_> {
    fn render(&self, format: super::Format, out: &mut dyn Write) -> io::Result<super::Rendered> {
        match format {
            super::Format::Text { .. } => write_text(self.analysis, out)?,
            super::Format::Json => write_json(self.analysis, out)?,
            other => return Err(super::unsupported(other)),
        }
        Ok(super::Rendered::default())
    }
}

/// Whether a count is zero (for `skip_serializing_if`).
fn is_zero(n: &u64) -> bool {
    *n == 0
}
