//! Native systemd journal files, `*.journal` and `*.journal~` (REFERENCE.md §3).
//!
//! Placeholder until the reader lands: every byte is reported as not read.

use super::{LineProblem, Parsed};

/// Parses a whole member into journal entries.
pub fn parse<'b>(data: &'b [u8], out: &mut Parsed<'b>) {
    if !data.is_empty() {
        out.problems.push(LineProblem {
            offset: 0,
            line: 0,
            reason: "this journal encoding is not read yet".to_string(),
        });
    }
}

/// Whether the head of a member is this encoding.
pub fn recognizes(_head: &[u8]) -> bool {
    false
}
