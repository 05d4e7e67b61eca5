//! `pvelog diagnose` renderers.
//!
//! JSON (DESIGN.md §2): `{"schema_version": 1, "verdict": {"family", "confidence", "summary",
//! "outcome", "incident_time", "incident_time_bound", "affected_vms"}, "runner_up", "reconstruction": {"activities",
//! "pressure_start", "pressure", "trigger", "recovery", "recovered_at", "recovered_by",
//! "downtime_s"}, "findings": [{"family", "confidence", "title",
//! "evidence": [{"time", "source", "line", "offset", "text",
//! "also_seen": [{"source", "line", "offset"}]}], "against", "missing",
//! "recommendations"}], "incidents", "escalate", "sources": [...]}`.
//!
//! Text: the verdict first, then each finding with its evidence, so that the first screen
//! answers the runbook's question.

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::Analysis;
use crate::diagnose::Diagnosis;
use crate::diagnose::reconstruction::{Reconstruction, Recovery, Step};
use crate::output::escape;

#[derive(Serialize)]
struct JsonDiagnosis<'a> {
    schema_version: u32,
    #[serde(flatten)]
    diagnosis: &'a Diagnosis,
    sources: Vec<JsonSource<'a>>,
}

#[derive(Serialize)]
struct JsonSource<'a> {
    path: &'a str,
    format: &'static str,
    role: &'static str,
    machine: &'a str,
    events: usize,
    unparsed: u64,
}

/// Writes the diagnosis as one JSON object.
pub fn write_json(d: &Diagnosis, analysis: &Analysis<'_>, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonDiagnosis {
        schema_version: 1,
        diagnosis: d,
        sources: analysis
            .sources
            .iter()
            .map(|s| JsonSource {
                path: &s.path,
                format: s.parsed.variant,
                role: s.role.as_str(),
                machine: &s.machine,
                events: s.parsed.events.len(),
                unparsed: s.parsed.stats.unparsed_lines,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// Writes the diagnosis as text.
pub fn write_text(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    let t = |s: &str| escape::terminal(s.as_bytes());
    let v = &d.verdict;
    writeln!(
        out,
        "verdict     {} (confidence {:.2})",
        v.family.as_str(),
        v.confidence
    )?;
    writeln!(out, "summary     {}", t(&v.summary))?;
    match (&v.incident_time, &v.incident_time_bound) {
        (time, Some([from, to])) => writeln!(
            out,
            "incident    {}",
            super::incident_bound(time.as_deref(), from, to, t)
        )?,
        (Some(time), None) => writeln!(out, "incident    {time}")?,
        (None, None) => {}
    }
    if !v.affected_vms.is_empty() {
        let vms: Vec<String> = v.affected_vms.iter().map(u32::to_string).collect();
        writeln!(out, "affected    VM {}", vms.join(", "))?;
    }
    if let Some(r) = &d.runner_up {
        writeln!(
            out,
            "runner-up   {} ({:.2})",
            r.family.as_str(),
            r.confidence
        )?;
    }
    for e in &d.escalate {
        writeln!(out, "ESCALATE    {}", t(e))?;
    }
    write_reconstruction(&d.reconstruction, out)?;
    for (i, x) in d.findings.iter().enumerate() {
        writeln!(out)?;
        writeln!(
            out,
            "finding {}: {} ({:.2}): {}",
            i + 1,
            x.family.as_str(),
            x.confidence,
            t(&x.title)
        )?;
        for e in &x.evidence {
            let place = place(e);
            writeln!(
                out,
                "  evidence  {} {}\n            {}",
                e.time.as_deref().unwrap_or("(no time)"),
                t(&place),
                t(&e.text)
            )?;
            for seen in &e.also_seen {
                writeln!(out, "  also seen {}", t(&seen_place(seen)))?;
            }
        }
        for i in &x.identified {
            writeln!(out, "  named     {}", t(i))?;
        }
        for a in &x.against {
            writeln!(out, "  against   {}", t(a))?;
        }
        for m in &x.missing {
            writeln!(out, "  missing   {}", t(m))?;
        }
        for r in &x.recommendations {
            writeln!(out, "  action    {}", t(r))?;
        }
    }
    if !d.incidents.is_empty() {
        writeln!(out, "\nincidents")?;
        for i in &d.incidents {
            writeln!(
                out,
                "  VM {}  {}  {} ({:.2}), seen as {}",
                i.vmid.map_or("?".to_string(), |v| v.to_string()),
                i.time.as_deref().unwrap_or("(no time)"),
                i.family.as_str(),
                i.confidence,
                i.what
            )?;
        }
    }
    Ok(())
}

/// Where a record stands: `path:line`, or `path@offset` for binary sources.
fn place(e: &crate::evidence::Evidence) -> String {
    match e.line {
        Some(line) => format!("{}:{line}", e.source),
        None => format!("{}@{}", e.source, e.offset),
    }
}

/// Where another copy of a record stands.
fn seen_place(s: &crate::evidence::Seen) -> String {
    match s.line {
        Some(line) => format!("{}:{line}", s.source),
        None => format!("{}@{}", s.source, s.offset),
    }
}

/// The runbook's reconstruction as text: what ran, when pressure started, the trigger, the
/// recovery.
fn write_reconstruction(r: &Reconstruction, out: &mut dyn Write) -> io::Result<()> {
    let t = |s: &str| escape::terminal(s.as_bytes());
    if r.trigger.is_none() && r.activities.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nreconstruction")?;
    let step = |out: &mut dyn Write, label: &str, s: &Step| {
        writeln!(
            out,
            "  {label:<10}{} {} {} {}\n            {}",
            s.evidence.time.as_deref().unwrap_or("(no time)"),
            t(&s.machine),
            s.kind,
            t(&place(&s.evidence)),
            t(&s.evidence.text)
        )
    };
    for a in &r.activities {
        step(out, "running", a)?;
    }
    if let Some(p) = &r.pressure {
        step(out, "pressure", p)?;
    }
    if let Some(x) = &r.trigger {
        step(out, "trigger", x)?;
    }
    match (&r.recovery, &r.recovered_by) {
        (Recovery::Recovered, Some(by)) => {
            if let Some(d) = r.downtime_s {
                writeln!(out, "  downtime  {d:.0} s")?;
            }
            step(out, "recovered", by)?;
        }
        (Recovery::NotRecovered, _) => writeln!(out, "  recovery  none within the logs")?,
        (Recovery::NotApplicable, _) => writeln!(out, "  recovery  not needed: nothing stopped")?,
        _ => writeln!(out, "  recovery  unknown")?,
    }
    Ok(())
}

/// `pvelog diagnose`: the verdict computed from the analysis, and the sources it read.
#[derive(Clone, Copy, Debug)]
pub struct DiagnosisView<'a, 'b> {
    /// The analysis.
    pub analysis: &'a Analysis<'b>,
    /// Its diagnosis.
    pub diagnosis: &'a Diagnosis,
}

impl super::Render for DiagnosisView<'_, '_> {
    fn render(&self, format: super::Format, out: &mut dyn Write) -> io::Result<super::Rendered> {
        match format {
            super::Format::Text { .. } => write_text(self.diagnosis, out)?,
            super::Format::Json => write_json(self.diagnosis, self.analysis, out)?,
            other => return Err(super::unsupported(other)),
        }
        Ok(super::Rendered::default())
    }
}
