//! `zpool status` (REFERENCE.md §8), one [`Zpool`] fact per pool, and `-x`'s one-liners.
//!
//! ```text
//!   pool: rpool
//!  state: DEGRADED
//! status: One or more devices could not be used because the label is missing or
//!         invalid.  Sufficient replicas exist for the pool to continue
//!         functioning in a degraded state.
//! action: Replace the device using 'zpool replace'.
//!    see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J
//!   scan: scrub repaired 0B in 00:01:02 with 0 errors on Sun Jul 13 00:25:03 2025
//! config:
//!
//!         NAME                                  STATE     READ WRITE CKSUM
//!         rpool                                 DEGRADED     0     0     0
//!           mirror-0                            DEGRADED     0     0     0
//!             ata-SAMSUNG_MZ7LH480-part3        ONLINE       0     0     0
//!             12345678901234567890              UNAVAIL      0     0     0  was /dev/sdb3
//!
//! errors: No known data errors
//! ```
//!
//! Counters may be abbreviated (`1.2K`, read with powers of 1024). `status:`, `action:` and
//! `scan:` continue on indented lines, which are joined with a space. Group rows without a
//! state (`logs`, `cache`, `spares`) belong to the table but give no vdev.

use super::{Sink, decimal, lossy, words};
use crate::facts::{FactKind, Vdev, Zpool, ZpoolSummary};

/// Whether a line starts a `zpool status` output: its `pool:` line, a `-x` one-liner, or the
/// `config:` table's header alone (a paste of the table without the lines above it).
pub(super) fn starts(text: &[u8]) -> bool {
    key(text).is_some_and(|(k, v)| k == b"pool" && !v.is_empty())
        || summary(text).is_some()
        || table_header(text)
}

/// `NAME  STATE  READ WRITE CKSUM`: the header of the pool table.
fn table_header(text: &[u8]) -> bool {
    words(text) == [&b"NAME"[..], b"STATE", b"READ", b"WRITE", b"CKSUM"]
}

fn summary(text: &[u8]) -> Option<ZpoolSummary> {
    match text.trim_ascii() {
        b"all pools are healthy" => Some(ZpoolSummary::AllHealthy),
        b"no pools available" => Some(ZpoolSummary::NoPools),
        _ => None,
    }
}

/// `  key: value` with a known key (right-aligned by zpool).
fn key(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let t = text.trim_ascii_start();
    let colon = t.iter().position(|&b| b == b':')?;
    let k = &t[..colon];
    const KEYS: &[&[u8]] = &[
        b"pool",
        b"id",
        b"state",
        b"status",
        b"action",
        b"see",
        b"scan",
        b"remove",
        b"checkpoint",
        b"config",
        b"errors",
    ];
    KEYS.contains(&k).then(|| (k, t[colon + 1..].trim_ascii()))
}

/// Which field continuation lines go to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Field {
    #[default]
    None,
    Status,
    Scan,
    Other,
    Table,
}

/// Reads a `zpool status` section.
#[derive(Debug, Default)]
pub(super) struct State {
    pool: Option<(Zpool, u32, u64)>,
    field: Field,
    /// Indentation of the table's first row (the pool itself).
    base_indent: Option<usize>,
    /// The table was pasted without the lines above it: the pool's name and state come from
    /// its first row, and rows may start at the left margin.
    headerless: bool,
}

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        if let Some(s) = summary(text) {
            sink.push(FactKind::ZpoolSummary(s));
            return true;
        }
        if let Some((k, v)) = key(text) {
            if k == b"pool" {
                std::mem::take(self).finish(sink);
                let pool = Zpool {
                    name: lossy(v),
                    ..Zpool::default()
                };
                self.pool = Some((pool, sink.line, sink.offset));
                return true;
            }
            let Some((pool, _, _)) = self.pool.as_mut() else {
                return false;
            };
            let value = (!v.is_empty()).then(|| lossy(v));
            self.field = Field::Other;
            match k {
                b"state" => pool.state = value,
                b"status" => {
                    pool.status = value;
                    self.field = Field::Status;
                }
                b"scan" => {
                    pool.scan = value;
                    self.field = Field::Scan;
                }
                b"errors" => pool.errors = value,
                b"config" => self.field = Field::Table,
                _ => {}
            }
            return true;
        }
        if self.pool.is_none() && table_header(text) {
            self.pool = Some((Zpool::default(), sink.line, sink.offset));
            self.field = Field::Table;
            self.headerless = true;
            return true;
        }
        let Some((pool, _, _)) = self.pool.as_mut() else {
            return false;
        };
        let indent = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if indent == 0 && !(self.headerless && self.field == Field::Table) {
            return false;
        }
        let w = words(text);
        match self.field {
            Field::Status | Field::Scan | Field::Other => {
                if w.first() == Some(&&b"NAME"[..]) {
                    self.field = Field::Table;
                    return true;
                }
                let target = match self.field {
                    Field::Status => &mut pool.status,
                    Field::Scan => &mut pool.scan,
                    _ => return true,
                };
                let more = lossy(text.trim_ascii());
                match target {
                    Some(s) => {
                        s.push(' ');
                        s.push_str(&more);
                    }
                    None => *target = Some(more),
                }
                true
            }
            Field::Table => {
                if w.first() == Some(&&b"NAME"[..]) && w.get(1) == Some(&&b"STATE"[..]) {
                    return true;
                }
                match w.as_slice() {
                    [_group] => true,
                    [name, state, rest @ ..] => {
                        let base = *self.base_indent.get_or_insert(indent);
                        // Without its `pool:` and `state:` lines, the pool is the first row.
                        if pool.name.is_empty() && indent == base {
                            pool.name = lossy(name);
                            pool.state = Some(lossy(state));
                        }
                        let counters: Vec<Option<u64>> =
                            rest.iter().take(3).map(|c| counter(c)).collect();
                        let note = rest
                            .get(3..)
                            .filter(|n| !n.is_empty())
                            .map(|n| lossy(&n.join(&b' ')));
                        pool.vdevs.push(Vdev {
                            name: lossy(name),
                            depth: u8::try_from(indent.saturating_sub(base) / 2).unwrap_or(u8::MAX),
                            state: lossy(state),
                            read_errors: counters.first().copied().flatten(),
                            write_errors: counters.get(1).copied().flatten(),
                            cksum_errors: counters.get(2).copied().flatten(),
                            note,
                        });
                        true
                    }
                    _ => false,
                }
            }
            Field::None => false,
        }
    }

    pub(super) fn finish(self, sink: &mut Sink<'_>) {
        if let Some((pool, line, offset)) = self.pool {
            sink.push_at(line, offset, FactKind::Zpool(pool));
        }
    }
}

/// An error counter: `0`, `12`, `1.2K`, `3M`.
fn counter(text: &[u8]) -> Option<u64> {
    let (num, mult) = match text.last()? {
        b'K' => (&text[..text.len() - 1], 1024.0),
        b'M' => (&text[..text.len() - 1], 1024.0 * 1024.0),
        b'G' => (&text[..text.len() - 1], 1024.0 * 1024.0 * 1024.0),
        _ => (text, 1.0),
    };
    let v = decimal(num)? * mult;
    (0.0..1e18).contains(&v).then(|| v.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

    fn run(text: &str) -> (Vec<Fact>, usize) {
        crate::formats::snapshot::run_lines(
            text.as_bytes(),
            true,
            State::default(),
            State::line,
            State::finish,
        )
    }

    #[test]
    fn degraded_pool() {
        let (facts, rejected) = run("  pool: rpool\n\
             \x20state: DEGRADED\n\
             status: One or more devices could not be used because the label is missing or\n\
             \tinvalid.  Sufficient replicas exist for the pool to continue\n\
             \tfunctioning in a degraded state.\n\
             action: Replace the device using 'zpool replace'.\n\
             \x20  see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J\n\
             \x20 scan: scrub repaired 0B in 00:01:02 with 0 errors on Sun Jul 13 00:25:03 2025\n\
             config:\n\
             \n\
             \tNAME                                  STATE     READ WRITE CKSUM\n\
             \trpool                                 DEGRADED     0     0     0\n\
             \t  mirror-0                            DEGRADED     0     0     0\n\
             \t    ata-SAMSUNG_MZ7LH480-part3        ONLINE       0     0  1.2K\n\
             \t    12345678901234567890              UNAVAIL      0     0     0  was /dev/sdb3\n\
             \tlogs\n\
             \t  nvme0n1p1                           ONLINE       0     0     0\n\
             \n\
             errors: 3 data errors, use '-v' for a list\n");
        assert_eq!(rejected, 0);
        let FactKind::Zpool(p) = &facts[0].kind else {
            panic!()
        };
        assert_eq!(p.name, "rpool");
        assert_eq!(p.state.as_deref(), Some("DEGRADED"));
        assert!(
            p.status
                .as_deref()
                .unwrap()
                .ends_with("in a degraded state.")
        );
        assert!(p.scan.as_deref().unwrap().starts_with("scrub repaired 0B"));
        assert_eq!(
            p.errors.as_deref(),
            Some("3 data errors, use '-v' for a list")
        );
        let v: Vec<_> = p
            .vdevs
            .iter()
            .map(|v| (v.name.as_str(), v.depth, v.state.as_str(), v.cksum_errors))
            .collect();
        assert_eq!(
            v,
            [
                ("rpool", 0, "DEGRADED", Some(0)),
                ("mirror-0", 1, "DEGRADED", Some(0)),
                ("ata-SAMSUNG_MZ7LH480-part3", 2, "ONLINE", Some(1229)),
                ("12345678901234567890", 2, "UNAVAIL", Some(0)),
                ("nvme0n1p1", 1, "ONLINE", Some(0)),
            ]
        );
        assert_eq!(p.vdevs[3].note.as_deref(), Some("was /dev/sdb3"));
    }

    /// The table pasted alone, its pool row at the left margin (as a blog post shows it).
    #[test]
    fn a_table_pasted_without_the_lines_above_it() {
        let (facts, _) = run(concat!(
            "NAME                                       STATE     READ WRITE CKSUM\n",
            "rpool                                      DEGRADED     0     0     0\n",
            "  mirror-0                                 DEGRADED    26     0     0\n",
            "    ata-CT500MX500SSD1_XXXXXXXXXXXX-part3  DEGRADED    28     0     2  too many errors\n",
            "    ata-CT500MX500SSD1_YYYYYYYYYYYY-part3  FAULTED     17     0     1  too many errors\n",
        ));
        let [
            Fact {
                kind: FactKind::Zpool(z),
                ..
            },
        ] = facts.as_slice()
        else {
            panic!("{facts:?}");
        };
        assert_eq!(
            (z.name.as_str(), z.state.as_deref()),
            ("rpool", Some("DEGRADED"))
        );
        assert_eq!(z.vdevs.len(), 4);
        assert_eq!(z.vdevs[3].state, "FAULTED");
        assert_eq!(z.vdevs[3].read_errors, Some(17));
        assert_eq!(z.vdevs[2].depth, 2);
    }

    #[test]
    fn two_pools_and_summaries() {
        let (facts, _) = run("  pool: a\n state: ONLINE\n  pool: b\n state: SUSPENDED\n");
        assert_eq!(facts.len(), 2);
        let (facts, _) = run("all pools are healthy\n");
        assert_eq!(
            facts[0].kind,
            FactKind::ZpoolSummary(ZpoolSummary::AllHealthy)
        );
        assert!(starts(b"no pools available"));
        assert!(!starts(b"  pool:"));
    }
}
