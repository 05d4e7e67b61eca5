//! dmesg output and `/dev/kmsg` records (REFERENCE.md §4). Placeholder until the parser lands.

use super::{LineParser, Parsed};
use crate::framing::Line;

/// Line parser for dmesg output.
#[derive(Debug, Default)]
pub struct Parser;

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        out.push_unparsed(&line);
    }

    fn variant(&self) -> &'static str {
        "dmesg"
    }
}

/// Whether `text` is a dmesg line (used by detection).
pub fn recognizes(_text: &[u8]) -> bool {
    false
}
