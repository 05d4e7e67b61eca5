//! Line framing: splits a member's bytes into lines with their 1-based number and byte offset.
//!
//! Framing is kept apart from format parsing (as Vector splits `framing` from `format`) so that
//! every parser sees the same line boundaries: `\n` ends a line, a `\r` before it is dropped
//! (files that went through Windows), and the last line may lack its `\n`. A NUL run is kept as
//! line content: after an unclean stop a preallocated syslog file can end in zeros, and those are
//! evidence, not something to skip silently.

/// One line of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'b> {
    /// The line's bytes without the terminating `\n` or `\r\n`.
    pub text: &'b [u8],
    /// 1-based line number.
    pub number: u32,
    /// Byte offset of the line's first byte in the member.
    pub offset: u64,
}

/// Iterator over the lines of a buffer.
#[derive(Clone, Debug)]
pub struct Lines<'b> {
    data: &'b [u8],
    pos: usize,
    number: u32,
}

impl<'b> Lines<'b> {
    /// Starts framing `data`.
    pub fn new(data: &'b [u8]) -> Self {
        Lines {
            data,
            pos: 0,
            number: 0,
        }
    }
}

impl<'b> Iterator for Lines<'b> {
    type Item = Line<'b>;

    fn next(&mut self) -> Option<Line<'b>> {
        let rest = self.data.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let start = self.pos;
        let (mut text, advance) = match memchr_newline(rest) {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        if let [head @ .., b'\r'] = text {
            text = head;
        }
        self.pos += advance;
        self.number = self.number.saturating_add(1);
        Some(Line {
            text,
            number: self.number,
            offset: start as u64,
        })
    }
}

/// Position of the first `\n`.
fn memchr_newline(hay: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', hay)
}

/// Counts the lines [`Lines`] would yield.
pub fn count_lines(data: &[u8]) -> u64 {
    if data.is_empty() {
        return 0;
    }
    let newlines = bytecount::count(data, b'\n') as u64;
    newlines + u64::from(data.last() != Some(&b'\n'))
}

/// Number of leading spaces or tabs.
pub fn indent_width(text: &[u8]) -> usize {
    text.iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// Whether the line holds nothing but white space.
pub fn is_blank(text: &[u8]) -> bool {
    text.iter().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8]) -> Vec<(u32, u64, &[u8])> {
        Lines::new(data)
            .map(|l| (l.number, l.offset, l.text))
            .collect()
    }

    #[test]
    fn splits_lf_and_crlf_and_unterminated_last_line() {
        assert_eq!(
            collect(b"a\r\nbb\n\nccc"),
            vec![
                (1, 0, &b"a"[..]),
                (2, 3, b"bb"),
                (3, 6, b""),
                (4, 7, b"ccc")
            ]
        );
        assert_eq!(count_lines(b"a\r\nbb\n\nccc"), 4);
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(collect(b"").is_empty());
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"\n"), 1);
    }

    #[test]
    fn nul_bytes_stay_in_the_line() {
        assert_eq!(collect(b"x\0\0\0\n"), vec![(1, 0, &b"x\0\0\0"[..])]);
    }
}
