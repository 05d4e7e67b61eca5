//! Neutralizing hostile bytes before they reach a terminal.
//!
//! Log lines are attacker-controlled: a message can carry `ESC [ 2 J` or an OSC 52 clipboard
//! write. Text output replaces every C0 and C1 control character (except tab) and DEL with a
//! visible `\xNN` / `\u{NNNN}` escape (so are the Unicode bidirectional overrides), and non-UTF-8 bytes with U+FFFD (JSON output keeps them
//! losslessly in `message_bytes`).

use std::fmt::Write as _;

/// Makes `bytes` safe to print on a terminal: one line, controls escaped.
pub fn terminal(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            // C1 controls, and the bidirectional overrides and isolates that can make a quoted
            // line read differently from what it holds ("Trojan Source").
            '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_made_visible() {
        assert_eq!(terminal(b"a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(terminal(b"bell\x07\ttab"), "bell\\x07\ttab");
        assert_eq!(terminal("c1\u{9b}x".as_bytes()), "c1\\u{009b}x");
        assert_eq!(terminal(b"caf\xe9"), "caf\u{fffd}");
        assert_eq!(terminal(b"nl\nx\r"), "nl\\x0ax\\x0d");
        assert_eq!(terminal("a\u{202e}b".as_bytes()), "a\\u{202e}b");
    }
}
