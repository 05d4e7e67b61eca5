//! journalctl text output (REFERENCE.md §2.2–2.3). Placeholder until the parser lands.

use super::{LineParser, Parsed};
use crate::framing::Line;

/// Line parser for journalctl text output.
#[derive(Debug, Default)]
pub struct Parser;

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        out.push_unparsed(&line);
    }

    fn variant(&self) -> &'static str {
        "journal-text"
    }
}

/// How strongly a line says "journalctl text".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recognized {
    /// Not a journalctl line.
    No,
    /// A line journalctl could print, but so could syslog or dmesg.
    Shared,
    /// A line only journalctl prints (a banner, a zero-padded day, `+0200`, a weekday…).
    Distinct,
}

/// Whether `text` is a journalctl text line (used by detection).
pub fn recognizes(_text: &[u8]) -> Recognized {
    Recognized::No
}
