//! `free` (REFERENCE.md §8), procps-ng ≥ 3.3.10 and the older layout with `-/+ buffers/cache`:
//!
//! ```text
//!                total        used        free      shared  buff/cache   available
//! Mem:            31Gi        29Gi       512Mi       1,5Gi       1,8Gi       1,2Gi
//! Swap:          8,0Gi       8,0Gi          0B
//!
//!              total       used       free     shared    buffers     cached      (≤ 3.3.9)
//! Mem:       2049484    1963480      86004          0     161116    1289820
//! -/+ buffers/cache:     512544    1536940
//! Swap:      1048572          0    1048572
//! ```
//!
//! Values are turned into bytes: `-h` values carry a suffix (`Ki`, `Mi`, `Gi`; `1,5Gi` with a
//! locale's decimal comma; `--si` makes the suffixes powers of 1000); otherwise the prompt's
//! flag gives the unit (`-b`, `-k`, `-m`, `-g`, `--mega`…), and without a prompt the default
//! unit, KiB, is assumed and said so in [`Free::scale`].

use super::{Sink, lossy, size_bytes, words};
use crate::facts::{FactKind, Free};

/// Whether a line is a `free` header.
pub(super) fn starts(text: &[u8]) -> bool {
    header(text).is_some()
}

/// The column names of a header line.
fn header(text: &[u8]) -> Option<Vec<String>> {
    let w = words(text);
    (w.first() == Some(&&b"total"[..]) && w.get(1) == Some(&&b"used"[..]) && w.len() >= 3)
        .then(|| w.iter().map(|c| lossy(c)).collect())
}

/// Reads a `free` section.
#[derive(Debug, Default)]
pub(super) struct State {
    columns: Vec<String>,
    /// Bytes per bare number, and the scale description.
    unit: u64,
    base: u64,
    scale: &'static str,
    at: Option<(u32, u64)>,
    free: Free,
}

impl State {
    /// A state for `free` run with `args` (the prompt's words; empty without a prompt).
    pub(super) fn new(args: &[&[u8]]) -> State {
        let mut unit = 1024u64;
        let mut scale = if args.is_empty() {
            "assumed-kib"
        } else {
            "flag"
        };
        let mut base = 1024u64;
        for a in args.iter().skip(1) {
            match *a {
                b"-b" | b"--bytes" => unit = 1,
                b"-k" | b"--kibi" => unit = 1024,
                b"-m" | b"--mebi" => unit = 1 << 20,
                b"-g" | b"--gibi" => unit = 1 << 30,
                b"--tebi" => unit = 1 << 40,
                b"--kilo" => unit = 1000,
                b"--mega" => unit = 1_000_000,
                b"--giga" => unit = 1_000_000_000,
                b"--si" => base = 1000,
                // `-h` values carry suffixes; a bare number is bytes.
                b"-h" | b"--human" => {
                    unit = 1;
                    scale = "suffix";
                }
                _ => {
                    // Combined short flags: `-hw`, `-mt`.
                    if a.starts_with(b"-") && !a.starts_with(b"--") {
                        if a.contains(&b'h') {
                            unit = 1;
                            scale = "suffix";
                        } else if a.contains(&b'm') {
                            unit = 1 << 20;
                        } else if a.contains(&b'g') {
                            unit = 1 << 30;
                        } else if a.contains(&b'b') {
                            unit = 1;
                        }
                    }
                }
            }
        }
        State {
            unit,
            base,
            scale,
            ..State::default()
        }
    }

    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        if let Some(columns) = header(text) {
            if self.at.is_some() {
                let next = State {
                    unit: self.unit,
                    base: self.base,
                    scale: self.scale,
                    ..State::default()
                };
                std::mem::replace(self, next).finish(sink);
            }
            self.columns = columns;
            self.at = Some((sink.line, sink.offset));
            return true;
        }
        if self.columns.is_empty() {
            return false;
        }
        let w = words(text);
        let Some((label, values)) = w.split_first() else {
            return false;
        };
        if label.ends_with(b"buffers/cache:") || *label == b"-/+" {
            return true;
        }
        if !label.ends_with(b":") {
            return false;
        }
        let mut bytes = Vec::with_capacity(values.len());
        for v in values {
            let unit = if v.last().is_some_and(u8::is_ascii_alphabetic) {
                1
            } else {
                self.unit
            };
            match size_bytes(v, self.base, unit) {
                Some(b) => bytes.push(b),
                None => return false,
            }
            if v.last().is_some_and(u8::is_ascii_alphabetic) {
                self.scale = "suffix";
            }
        }
        let col = |name: &str| {
            self.columns
                .iter()
                .position(|c| c == name)
                .and_then(|i| bytes.get(i).copied())
        };
        let f = &mut self.free;
        match *label {
            b"Mem:" => {
                f.mem_total_bytes = col("total");
                f.mem_used_bytes = col("used");
                f.mem_free_bytes = col("free");
                f.mem_shared_bytes = col("shared");
                f.mem_available_bytes = col("available");
                f.mem_buff_cache_bytes = col("buff/cache").or_else(|| {
                    match (col("buffers"), col("cached").or_else(|| col("cache"))) {
                        (Some(a), Some(b)) => Some(a.saturating_add(b)),
                        _ => None,
                    }
                });
            }
            b"Swap:" => {
                f.swap_total_bytes = col("total");
                f.swap_used_bytes = col("used");
                f.swap_free_bytes = col("free");
            }
            _ => {}
        }
        true
    }

    pub(super) fn finish(mut self, sink: &mut Sink<'_>) {
        if let Some((line, offset)) = self.at {
            self.free.scale = self.scale;
            sink.push_at(line, offset, FactKind::Free(self.free));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

    fn run(args: &[&str], text: &str) -> Vec<Fact> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let mut state = State::new(&args);
        let mut facts = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let mut sink = Sink {
                facts: &mut facts,
                line: n as u32 + 1,
                offset: n as u64,
            };
            assert!(state.line(line.as_bytes(), &mut sink), "{line}");
        }
        state.finish(&mut Sink {
            facts: &mut facts,
            line: 0,
            offset: 0,
        });
        facts
    }

    fn free(f: &Fact) -> &Free {
        match &f.kind {
            FactKind::Free(f) => f,
            other => panic!("{other:?}"),
        }
    }

    const GI: u64 = 1 << 30;
    const MI: u64 = 1 << 20;

    #[test]
    fn human_with_decimal_commas() {
        let facts = run(
            &["free", "-h"],
            "               total        used        free      shared  buff/cache   available\n\
             Mem:            31Gi        29Gi       512Mi       1,5Gi       1,8Gi       1,2Gi\n\
             Swap:          8,0Gi       8,0Gi          0B",
        );
        let f = free(&facts[0]);
        assert_eq!(f.mem_total_bytes, Some(31 * GI));
        assert_eq!(f.mem_free_bytes, Some(512 * MI));
        assert_eq!(f.mem_shared_bytes, Some(GI + GI / 2));
        assert_eq!(
            f.mem_available_bytes,
            Some((1.2 * GI as f64).round() as u64)
        );
        assert_eq!(f.swap_free_bytes, Some(0));
        assert_eq!(f.scale, "suffix");
    }

    #[test]
    fn old_layout_in_kib_without_prompt() {
        let facts = run(
            &[],
            "             total       used       free     shared    buffers     cached\n\
             Mem:       2049484    1963480      86004          0     161116    1289820\n\
             -/+ buffers/cache:     512544    1536940\n\
             Swap:      1048572          0    1048572",
        );
        let f = free(&facts[0]);
        assert_eq!(f.mem_total_bytes, Some(2_049_484 * 1024));
        assert_eq!(f.mem_buff_cache_bytes, Some((161_116 + 1_289_820) * 1024));
        assert_eq!(f.mem_available_bytes, None);
        assert_eq!(f.swap_total_bytes, Some(1_048_572 * 1024));
        assert_eq!(f.scale, "assumed-kib");
    }

    #[test]
    fn megabytes_and_bytes_flags() {
        let text = "               total        used        free      shared  buff/cache   available\n\
                    Mem:           31906       29120         512        1536        2274        1254\n\
                    Swap:              0           0           0";
        assert_eq!(
            free(&run(&["free", "-m"], text)[0]).mem_total_bytes,
            Some(31906 * MI)
        );
        assert_eq!(
            free(&run(&["free", "-b"], text)[0]).mem_total_bytes,
            Some(31906)
        );
        // Old procps -h: single-letter binary suffixes.
        let facts = run(
            &["free", "-h"],
            "             total       used       free     shared    buffers     cached\n\
             Mem:          1.9G       1.8G        84M         0B       157M       1.2G",
        );
        assert_eq!(free(&facts[0]).mem_free_bytes, Some(84 * MI));
    }
}
