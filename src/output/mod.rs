//! Renderers: the timeline as text or JSON Lines, the source inventory and the boot history as
//! text or JSON.
//!
//! Every renderer reads the [`Analysis`](crate::analysis::Analysis) and writes to a
//! `dyn Write`; none of them changes it. Times are always printed in UTC as RFC 3339 with six
//! fractional digits and `Z` (DESIGN.md §2). Text output escapes control characters
//! ([`escape::terminal`]); JSON output keeps non-UTF-8 bytes as base64.

pub mod boots;
pub mod diagnose;
pub mod escape;
pub mod sources;
pub mod timeline;

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
