//! Neutralizing hostile bytes before they reach a terminal.
//!
//! Log lines are attacker-controlled: a message can carry `ESC [ 2 J` or an OSC 52 clipboard
//! write. Text output replaces every C0 and C1 control character (except tab) and DEL with a
//! visible `\xNN` / `\u{NNNN}` escape (so are the Unicode bidirectional overrides), and non-UTF-8 bytes with U+FFFD (JSON output keeps them
//! losslessly in `message_bytes`).
//!
//! Reports escape at this boundary too, never at call sites: [`markdown`] for text in Markdown
//! (every character GitHub or GitLab would read as markup backslash-escaped, `<` and `&` as
//! entities), [`code_block`] for records quoted whole, and [`html`] for every piece of text in
//! the HTML report. All three make control characters visible first, as [`terminal`] does, so
//! no escape byte reaches a report.

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

/// Makes log text inert in Markdown (a paragraph, a list item or a table cell): controls and
/// line ends made visible, every character that can start inline markup backslash-escaped (`|`
/// included, so a record cannot split a table row; `$` for GitLab's math), a leading `-`, `+`
/// or `=` too, and `<`, `>` and `&` as entities (no HTML, no entity reaches the page).
pub fn markdown(text: &str) -> String {
    let safe = terminal(text.as_bytes());
    let mut out = String::with_capacity(safe.len() + 16);
    for (i, c) in safe.chars().enumerate() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            // At the start, these would begin a list item or a heading underline.
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A record quoted whole as a fenced Markdown code block: controls made visible, and a fence
/// longer than any run of backticks or tildes in the text, so the record cannot close it.
pub fn code_block(text: &str) -> String {
    let safe: Vec<String> = text
        .split('\n')
        .map(|l| terminal(l.strip_suffix('\r').unwrap_or(l).as_bytes()))
        .collect();
    let body = safe.join("\n");
    let longest = |ch: char| {
        body.split(|c| c != ch)
            .map(|run| run.chars().count())
            .max()
            .unwrap_or(0)
    };
    let fence = "`".repeat((longest('`') + 1).max(3));
    format!("{fence}text\n{body}\n{fence}\n")
}

/// Makes log text inert in HTML (element content and quoted attribute values): controls made
/// visible, then `&`, `<`, `>`, `"` and `'` as entities.
pub fn html(text: &str) -> String {
    let safe = terminal(text.as_bytes());
    let mut out = String::with_capacity(safe.len() + 16);
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_cannot_make_markup() {
        assert_eq!(
            markdown("a|b `c` <script>*x* [l](u) \x1b[31m"),
            "a\\|b \\`c\\` &lt;script&gt;\\*x\\* \\[l\\](u) \\\\x1b\\[31m"
        );
        assert_eq!(markdown("# h"), "\\# h");
        assert_eq!(markdown("- a-b"), "\\- a-b");
    }

    #[test]
    fn code_blocks_outlast_backtick_runs() {
        assert_eq!(code_block("x ```` y"), "`````text\nx ```` y\n`````\n");
        assert_eq!(code_block("a\x1bb"), "```text\na\\x1bb\n```\n");
    }

    #[test]
    fn html_text_is_inert() {
        assert_eq!(
            html("<img src=x onerror=\"alert(1)\"></style>&'"),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;/style&gt;&amp;&#39;"
        );
        assert_eq!(html("\x1b]52;c;x\x07"), "\\x1b]52;c;x\\x07");
    }

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
