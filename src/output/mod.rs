//! Renderers: the timeline as text, JSON Lines, CSV or Timesketch JSON Lines, the source
//! inventory, the boot history and the diagnosis as text or JSON, and the postmortem report as
//! Markdown, HTML or JSON.
//!
//! Every renderer is a view of the [`Analysis`](crate::analysis::Analysis) (and, for the
//! diagnosis, of the verdict computed from it) behind one interface, [`Render`]: it writes to a
//! `dyn Write` in a [`Format`] and changes nothing. A new output (a report, an export) is one more
//! view here, never a second computation. Times are always printed in UTC as RFC 3339 with six
//! fractional digits and `Z` (DESIGN.md §2). Text output escapes control characters
//! ([`escape::terminal`]); JSON output keeps non-UTF-8 bytes as base64.

pub mod boots;
pub mod diagnose;
pub mod escape;
pub mod export;
pub mod json;
pub mod report;
pub mod sources;
pub mod timeline;

use std::io::{self, Write};

/// How an incident known only within a bound is said: a bound that starts at the incident's
/// time is its last record and the next boot; any other (a guest's record on a clock the bundle
/// bounds but does not pin) is an estimate and the interval it lies in. `esc` escapes each time
/// for the renderer.
pub fn incident_bound(
    time: Option<&str>,
    from: &str,
    to: &str,
    esc: impl Fn(&str) -> String,
) -> String {
    match time {
        Some(t) if t != from => format!(
            "about {}, between {} and {} (a guest clock the bundle bounds but does not pin)",
            esc(t),
            esc(from),
            esc(to)
        ),
        _ => format!(
            "between {} (last record) and {} (next boot)",
            esc(from),
            esc(to)
        ),
    }
}

/// How a view is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Text for a person, coloured when `color` is set.
    Text {
        /// Whether to colour the text.
        color: bool,
    },
    /// JSON for scripts (JSON Lines for the timeline).
    Json,
    /// Markdown (the report).
    Markdown,
    /// One self-contained HTML page (the report).
    Html,
    /// CSV, RFC 4180 (the timeline).
    Csv,
    /// Timesketch JSON Lines (the timeline).
    Timesketch,
}

/// The error of a view asked for a format it does not have.
pub fn unsupported(format: Format) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("this view cannot be written as {format:?}"),
    )
}

/// What a renderer reports besides the bytes it wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Records written (timeline events).
    pub records: u64,
    /// Records without a wall-clock time that an active time window left out.
    pub undated_left_out: u64,
    /// Records without a wall-clock time that the format cannot hold (Timesketch).
    pub undated_not_exported: u64,
}

/// A view of the analysis that can be written.
pub trait Render {
    /// Writes the view in `format`.
    fn render(&self, format: Format, out: &mut dyn Write) -> io::Result<Rendered>;
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorWhen {
    /// Decides, given whether the output is a terminal and the environment.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}
