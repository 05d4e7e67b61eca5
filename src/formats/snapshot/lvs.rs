//! `lvs` / `lvs -a` (LVM2): logical volumes, and above all the thin pools Proxmox VE's
//! `local-lvm` keeps VM disks in (REFERENCE.md §10.4).
//!
//! ```text
//!   LV            VG  Attr       LSize   Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert
//!   data          pve twi-aotzM-  <3.13t             71.18 100.00
//!   [data_tdata]  pve Twi-ao----  <3.13t
//!   root          pve -wi-ao----  96.00g
//!   vm-201-disk-0 pve Vwi-aotz-- 200.00g data        41.87
//! ```
//!
//! Empty columns (`Pool`, `Origin` of a pool) break splitting on whitespace, so a row is read
//! as its first four words (LV, VG, Attr, LSize) and, after them, the names (pool, origin) and
//! the percentages in their order: `Data%`, then `Meta%`. The attribute's ninth character is
//! the volume's health: `D` a thin pool out of data space, `M` its metadata read-only, `F`
//! failed, `p` partial. Sizes may start with `<` (rounded down), hidden volumes are bracketed.

use super::{Sink, lossy, words};
use crate::facts::{FactKind, LogicalVolume};

/// Whether a line is the `lvs` header (`  LV   VG   Attr   LSize …`).
pub(super) fn starts(text: &[u8]) -> bool {
    matches!(
        words(text).as_slice(),
        [b"LV", b"VG", b"Attr", b"LSize", ..]
    )
}

/// Reads an `lvs` section.
#[derive(Debug, Default)]
pub(super) struct State {
    header: bool,
}

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        if starts(text) {
            self.header = true;
            return true;
        }
        if !self.header {
            return false;
        }
        match row(text) {
            Some(lv) => {
                sink.push(FactKind::LogicalVolume(lv));
                true
            }
            None => false,
        }
    }
}

/// One row: LV, VG, a ten-character attribute, a size, then names and percentages.
fn row(text: &[u8]) -> Option<LogicalVolume> {
    let w = words(text);
    let [lv, vg, attr, size, rest @ ..] = w.as_slice() else {
        return None;
    };
    let attr_ok = attr.len() == 10 && attr.iter().all(|b| b.is_ascii_graphic());
    let size_ok = size
        .strip_prefix(b"<")
        .unwrap_or(size)
        .first()
        .is_some_and(u8::is_ascii_digit);
    if !attr_ok || !size_ok {
        return None;
    }
    let mut percents = rest.iter().filter_map(|v| percent(v));
    // A thin volume's first name is its pool; a thin pool's names (none) and a plain volume's
    // (an origin's snapshot) say nothing here.
    let pool = (attr.first() == Some(&b'V'))
        .then(|| rest.iter().find(|v| percent(v).is_none()).map(|v| lossy(v)))
        .flatten();
    Some(LogicalVolume {
        lv: lossy(lv),
        vg: lossy(vg),
        attr: lossy(attr),
        size: lossy(size),
        pool,
        data_percent: percents.next(),
        meta_percent: percents.next(),
    })
}

/// A percentage column: `71.18`, `100.00` (two decimals, as lvs prints them).
fn percent(text: &[u8]) -> Option<f64> {
    let (int, frac) = std::str::from_utf8(text).ok()?.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let whole = std::str::from_utf8(text).ok()?;
    (digits(int) && frac.len() == 2 && digits(frac))
        .then(|| whole.parse().ok())
        .flatten()
        .filter(|p| *p <= 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::snapshot::run_lines;

    /// `lvs -a` as pasted in a thin pool's metadata exhaustion: the pool `twi-aotzM-` at
    /// Meta% 100.00, its hidden volumes, a thin volume with its pool and one with an origin.
    #[test]
    fn a_thin_pool_out_of_metadata_space() {
        let text = "  LV                                  VG  Attr         LSize Pool Origin        Data%  Meta% Move Log Cpy%Sync Convert
  data                                pve twi-aotzM-  <3.13t                    71.18 100.00
  [data_tmeta]                        pve ewi-ao----   1.00g
  root                                pve -wi-ao----  96.00g
  snap_vm-201-disk-0_pre-pg15-upgrade pve Vri---tz-k 200.00g data vm-201-disk-0
  vm-201-disk-0                       pve Vwi-aotz-- 200.00g data               41.87
";
        let (facts, rejected) = run_lines(
            text.as_bytes(),
            true,
            State::default(),
            State::line,
            |_, _| {},
        );
        assert_eq!(rejected, 0);
        let lvs: Vec<LogicalVolume> = facts
            .into_iter()
            .filter_map(|f| match f.kind {
                FactKind::LogicalVolume(lv) => Some(lv),
                _ => None,
            })
            .collect();
        assert_eq!(lvs.len(), 5);
        assert_eq!(
            (
                &*lvs[0].lv,
                &*lvs[0].attr,
                lvs[0].data_percent,
                lvs[0].meta_percent
            ),
            ("data", "twi-aotzM-", Some(71.18), Some(100.0))
        );
        assert!(lvs[0].thin_pool_full());
        assert_eq!(lvs[1].lv, "[data_tmeta]");
        assert_eq!(lvs[3].pool.as_deref(), Some("data"));
        assert_eq!(lvs[3].data_percent, None);
        assert_eq!(
            (lvs[4].pool.as_deref(), lvs[4].data_percent),
            (Some("data"), Some(41.87))
        );
        assert!(!lvs[4].thin_pool_full());
    }

    #[test]
    fn a_pool_out_of_data_space_and_a_healthy_one() {
        let full = row(b"  data pve twi-aotzD- <1.67t             100.00 4.24").unwrap();
        assert!(full.thin_pool_full());
        let fine = row(b"  data pve twi-a-tz--   4.38g             0.00   0.63").unwrap();
        assert!(!fine.thin_pool_full());
        assert!(row(b"  LV VG Attr LSize").is_none());
        assert!(row(b"  data pve bad 1g").is_none());
    }
}
