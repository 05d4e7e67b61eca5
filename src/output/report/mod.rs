//! `pvelog report`: the postmortem attachment, as Markdown, one self-contained HTML page, or
//! JSON.
//!
//! The content is built once ([`model::build`]) from the analysis and its diagnosis — the
//! verdict with confidence, outcome and runner-up, what stopped when and where, the runbook's
//! reconstruction, the timeline around the incident with host and guest side by side and the
//! evidence marked, the findings with each record once and every place it was seen, the
//! resource tables, the boots, the clock fixes, the sources and what they cover, the runbook's
//! actions and escalation, and the provenance (each input's SHA-256, pvelog's version, the
//! flags) — and every format lays out the same tree: JSON serializes it, [`markdown`] and
//! [`html`] write it, escaping every piece of log text at that boundary
//! ([`crate::output::escape`]). A report never computes a verdict or a time of its own.

pub mod html;
pub mod markdown;
pub mod model;
pub mod redact;

use std::io::{self, Write};

use super::{Format, Render, Rendered};
use model::Report;

/// The report of an analysis, ready to be written.
#[derive(Clone, Debug)]
pub struct ReportView<'a> {
    /// The content.
    pub report: &'a Report,
}

impl Render for ReportView<'_> {
    fn render(&self, format: Format, out: &mut dyn Write) -> io::Result<Rendered> {
        match format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, self.report).map_err(io::Error::from)?;
                out.write_all(b"\n")?;
            }
            Format::Markdown => markdown::write(self.report, out)?,
            Format::Html => html::write(self.report, out)?,
            other => return Err(super::unsupported(other)),
        }
        Ok(Rendered::default())
    }
}

/// The first `max` characters of `text`, with `…` when it was longer (for table cells; the full
/// record is quoted in the findings).
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or(text)),
        None => text.to_string(),
    }
}
