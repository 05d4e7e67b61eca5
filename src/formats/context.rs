//! Context files: command outputs and files a collection keeps for the analyst to read
//! (`pveversion -v`, `pvesm status`, `lvs`, `ha-manager status`, `smartctl`, `/proc/pressure/*`,
//! pstore and crash-dump listings…) that no parser reads yet.
//!
//! A bundle's `manifest.json` names them (`pvelog collect` writes the list), so their lines are
//! neither guessed at by the fallback formats (which would turn `proxmox-ve: 8.2.0` into an
//! undated event) nor counted as unparsed: each non-blank line is a context line, kept in the
//! bundle and shown by `pvelog sources`. The format is never detected from content; a manifest
//! or `--format-override SUFFIX=context` chooses it.

use super::{LineParser, Parsed};
use crate::framing::Line;

/// The parser.
#[derive(Debug, Default)]
pub struct Parser;

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, _line: Line<'b>, out: &mut Parsed<'b>) {
        out.stats.context_lines += 1;
    }

    fn variant(&self) -> &'static str {
        "context"
    }
}

#[cfg(test)]
mod tests {
    use crate::formats::{FormatKind, parse};
    use crate::limits::Limits;

    #[test]
    fn every_line_is_context() {
        let text = b"proxmox-ve: 8.2.0 (running kernel: 6.8.12-4-pve)\npve-manager: 8.2.7 (running version: 8.2.7/3e0176e6bb2ade3b)\n\nsome: x\n";
        let p = parse(FormatKind::Context, text, &Limits::default());
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.stats.context_lines, 3);
        assert_eq!(p.stats.blank_lines, 1);
        assert_eq!(p.stats.unparsed_lines, 0);
        assert!(p.events.is_empty());
    }
}
