//! `/proc/meminfo` (REFERENCE.md §8): `Name:   value kB` lines (`kB` means KiB), some without
//! a unit (`HugePages_Total:       0`).
//!
//! ```text
//! MemTotal:       16318000 kB
//! MemAvailable:     412000 kB
//! HugePages_Total:       0
//! ```

use super::{Sink, words};
use crate::facts::{FactKind, MemInfo};

/// Whether a line starts a meminfo dump.
pub(super) fn starts(text: &[u8]) -> bool {
    text.starts_with(b"MemTotal:") && entry(text).is_some()
}

/// `Name: value [kB]`.
fn entry(text: &[u8]) -> Option<(&[u8], u64)> {
    let colon = text.iter().position(|&b| b == b':')?;
    let name = &text[..colon];
    if name.is_empty()
        || !name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'(' | b')'))
    {
        return None;
    }
    match words(&text[colon + 1..]).as_slice() {
        [v] | [v, b"kB"] if v.len() <= 20 && v.iter().all(u8::is_ascii_digit) => {
            Some((name, crate::formats::common::parse_u64(v)))
        }
        _ => None,
    }
}

/// Reads a meminfo section; the fact is emitted at its end, at its first line.
#[derive(Debug, Default)]
pub(super) struct State {
    at: Option<(u32, u64)>,
    info: MemInfo,
}

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        let Some((name, value)) = entry(text) else {
            return false;
        };
        // A second `MemTotal:` is the next dump.
        if name == b"MemTotal" && self.at.is_some() {
            std::mem::take(self).finish(sink);
        }
        self.at.get_or_insert((sink.line, sink.offset));
        let i = &mut self.info;
        let slot = match name {
            b"MemTotal" => &mut i.mem_total_kib,
            b"MemFree" => &mut i.mem_free_kib,
            b"MemAvailable" => &mut i.mem_available_kib,
            b"Buffers" => &mut i.buffers_kib,
            b"Cached" => &mut i.cached_kib,
            b"Shmem" => &mut i.shmem_kib,
            b"SwapTotal" => &mut i.swap_total_kib,
            b"SwapFree" => &mut i.swap_free_kib,
            b"CommitLimit" => &mut i.commit_limit_kib,
            b"Committed_AS" => &mut i.committed_as_kib,
            b"HugePages_Total" => &mut i.hugepages_total,
            b"HugePages_Free" => &mut i.hugepages_free,
            b"Hugepagesize" => &mut i.hugepagesize_kib,
            _ => return true,
        };
        *slot = Some(value);
        true
    }

    pub(super) fn finish(self, sink: &mut Sink<'_>) {
        if let Some((line, offset)) = self.at {
            sink.push_at(line, offset, FactKind::MemInfo(self.info));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        let table: &[(&str, Option<(&str, u64)>)] = &[
            (
                "MemTotal:       16318000 kB",
                Some(("MemTotal", 16_318_000)),
            ),
            ("HugePages_Total:       0", Some(("HugePages_Total", 0))),
            ("Active(anon):    1234 kB", Some(("Active(anon)", 1234))),
            (
                "DirectMap1G:    10485760 kB",
                Some(("DirectMap1G", 10_485_760)),
            ),
            ("MemTotal:       16318000 MB", None),
            ("MemTotal:", None),
            ("Mem: 1 2 3", None),
        ];
        for (line, want) in table {
            let got =
                entry(line.as_bytes()).map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), v));
            assert_eq!(got, want.map(|(n, v)| (n.to_string(), v)), "{line}");
        }
    }

    #[test]
    fn two_dumps_give_two_facts() {
        let mut facts = Vec::new();
        let mut state = State::default();
        for (n, line) in [
            "MemTotal: 100 kB",
            "MemAvailable: 10 kB",
            "MemTotal: 200 kB",
        ]
        .iter()
        .enumerate()
        {
            let mut sink = Sink {
                facts: &mut facts,
                line: n as u32 + 1,
                offset: n as u64 * 20,
            };
            assert!(state.line(line.as_bytes(), &mut sink));
        }
        state.finish(&mut Sink {
            facts: &mut facts,
            line: 0,
            offset: 0,
        });
        assert_eq!(facts.len(), 2);
        let FactKind::MemInfo(first) = &facts[0].kind else {
            panic!()
        };
        assert_eq!(
            (first.mem_total_kib, first.mem_available_kib),
            (Some(100), Some(10))
        );
        assert_eq!(facts[1].line, 3);
    }
}
