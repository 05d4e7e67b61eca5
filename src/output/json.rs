//! JSON written byte by byte into a `Vec<u8>`, for the records of `timeline --format jsonl`:
//! strings escaped exactly as `serde_json` escapes them, integers without formatting machinery.
//!
//! A profile of `timeline --format jsonl` over the generator's 1 GiB bundle had
//! `serde_json`'s string escaping, its `Serialize` plumbing and the `Cow`s built for it at about
//! a tenth of the run; these writers append to a reused buffer and allocate nothing unless a
//! string is not UTF-8. The output is the same bytes `serde_json::to_writer` writes (the
//! tests hold them to it).

/// Appends `text` as a JSON string, quotes included, escaped as `serde_json` escapes it: `"`,
/// `\` and the controls U+0000–U+001F (`\b`, `\t`, `\n`, `\f`, `\r` by name, the others as
/// `\u00xx`); everything else, DEL and non-ASCII included, as it is. `text` must be UTF-8 for the
/// result to be JSON ([`string_lossy`] takes any bytes).
pub fn string(out: &mut Vec<u8>, text: &[u8]) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut at = 0;
    // Eight bytes at a time while none needs escaping; byte by byte through a word that does.
    while at < text.len() {
        if let Some(word) = text.get(at..at + 8) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            if !needs_escape(u64::from_le_bytes(bytes)) {
                at += 8;
                continue;
            }
        }
        let end = (at + 8).min(text.len());
        while at < end {
            let b = text[at];
            let escape = ESCAPE[b as usize];
            if escape != 0 {
                out.extend_from_slice(&text[start..at]);
                put_escape(out, b, escape);
                start = at + 1;
            }
            at += 1;
        }
    }
    out.extend_from_slice(&text[start..]);
    out.push(b'"');
}

/// Appends `bytes` as a JSON string, invalid UTF-8 replaced by U+FFFD as
/// `String::from_utf8_lossy` replaces it.
pub fn string_lossy(out: &mut Vec<u8>, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(_) => string(out, bytes),
        Err(_) => string(out, String::from_utf8_lossy(bytes).as_bytes()),
    }
}

/// Whether any byte of the little-endian word is `"`, `\` or below 0x20 (exact as a yes/no:
/// the borrows of the subtraction can only mark bytes above the first that matches).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    below_space | zero_byte(word ^ (ONES * u64::from(b'"'))) | zero_byte(word ^ (ONES * 0x5c)) != 0
}

/// How a byte is escaped: 0 for not at all, `u` for `\u00xx`, else the letter after `\`.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends the escape of `byte`.
fn put_escape(out: &mut Vec<u8>, byte: u8, escape: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if escape == b'u' {
        out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(byte >> 4) as usize],
            HEX[(byte & 0xf) as usize],
        ]);
    } else {
        out.extend_from_slice(&[b'\\', escape]);
    }
}

/// Appends `value` in decimal.
pub fn uint(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Appends `value` in decimal, or `null`.
pub fn opt_uint(out: &mut Vec<u8>, value: Option<u64>) {
    match value {
        Some(v) => uint(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(text: &str) -> Vec<u8> {
        serde_json::to_vec(text).expect("a string serializes")
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_byte: Vec<u8> = (0u8..0x80).collect();
        every_byte.extend_from_slice("é – ☃ 🦀 \u{7f}\u{80}\u{2028}".as_bytes());
        let mut cases: Vec<Vec<u8>> = vec![every_byte.clone()];
        // Every special byte at every position of a word, and runs of plain bytes around it.
        for special in [b'"', b'\\', 0, 0x1f, b'\n', 0x7f, b' ', b'!', b']', b'\xc3'] {
            for len in 0..20 {
                for at in 0..len {
                    let mut v = vec![b'a'; len];
                    v[at] = special;
                    if special == b'\xc3' {
                        v[at] = b'b';
                    }
                    cases.push(v);
                }
            }
        }
        for case in cases {
            let text = std::str::from_utf8(&case).expect("test cases are UTF-8");
            let mut ours = Vec::new();
            string(&mut ours, &case);
            assert_eq!(ours, serde(text), "{text:?}");
        }
    }

    #[test]
    fn lossy_strings_replace_what_is_not_utf8() {
        let bytes = b"ab\xff\"c\xc3";
        let mut ours = Vec::new();
        string_lossy(&mut ours, bytes);
        assert_eq!(ours, serde(&String::from_utf8_lossy(bytes)));
    }

    #[test]
    fn integers_are_plain_decimals() {
        for v in [0u64, 7, 10, 99, 100, 12345, u64::from(u32::MAX), u64::MAX] {
            let mut ours = Vec::new();
            uint(&mut ours, v);
            assert_eq!(ours, v.to_string().into_bytes());
        }
        let mut ours = Vec::new();
        opt_uint(&mut ours, None);
        assert_eq!(ours, b"null");
    }
}
