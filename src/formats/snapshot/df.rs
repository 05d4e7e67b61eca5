//! `df` (REFERENCE.md §8): `-h`, `-k`, `-T`, `-P`, `-H`.
//!
//! ```text
//! Filesystem                    Type      Size  Used Avail Use% Mounted on
//! /dev/mapper/pve-root          ext4       94G   91G  2,5G  98% /
//! /dev/mapper/vg_backup-lv_very_long_name_for_backups
//!                                         1,8T  1,8T     0 100% /mnt/backup
//! rpool/data                    zfs       3.4T  128K  3.4T   1% /rpool/data
//! //nas/share                   cifs      2.0T  1.0T  1.0T  50% /mnt/my\040share
//! Filesystem     1K-blocks     Used Available Use% Mounted on
//! ```
//!
//! The header gives the columns (`Type` with `-T`) and the unit: `Size` (`-h`: suffixes in
//! powers of 1024, or of 1000 with `-H`/`--si` in the prompt), `1K-blocks`, `1024-blocks`
//! (`-P`), `1M-blocks`… A device name too long for its column is printed alone and the rest
//! of the row on the next, indented, line (coreutils without `-P`). Mount points keep spaces as
//! `\040`, which is decoded; a pseudo file system's `Use%` may be `-`.

use super::{Sink, lossy, size_bytes, words};
use crate::facts::{Df, FactKind};

/// Whether a line is a `df` header.
pub(super) fn starts(text: &[u8]) -> bool {
    let w = words(text);
    w.first() == Some(&&b"Filesystem"[..])
        && text.windows(7).any(|x| x == b"Mounted")
        && !w.iter().any(|x| x.starts_with(b"Inodes") || *x == b"IUsed")
}

/// Whether a line is a `df -h` row pasted without its header
/// (`/dev/sda1       119G  116G     0 100% /`): six words or more, the fifth a percentage, the
/// sixth an absolute mount point, and a size with a unit suffix among the three before (bare
/// numbers without a header have no known unit).
pub(super) fn headerless_row(text: &[u8]) -> bool {
    let w = words(text);
    if w.len() < 6 || text.first().is_some_and(u8::is_ascii_whitespace) {
        return false;
    }
    let percent = w[4]
        .strip_suffix(b"%")
        .and_then(super::number)
        .is_some_and(|n| n <= 100);
    let sizes = w[1..4].iter().all(|v| size_bytes(v, 1024, 1).is_some());
    let suffixed = w[1..4]
        .iter()
        .any(|v| v.last().is_some_and(u8::is_ascii_alphabetic));
    percent && sizes && suffixed && w[5].starts_with(b"/")
}

/// Reads a `df` section.
#[derive(Debug, Default)]
pub(super) struct State {
    si: bool,
    header: bool,
    typed: bool,
    /// Bytes per bare number; 0 for `-h` sizes.
    block: u64,
    /// A device name printed alone, with its line and offset.
    wrapped: Option<(String, u32, u64)>,
}

impl State {
    pub(super) fn new(si: bool) -> State {
        State {
            si,
            ..State::default()
        }
    }

    /// A section of `df -h` rows without their header.
    pub(super) fn headerless() -> State {
        State {
            header: true,
            ..State::default()
        }
    }

    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        if starts(text) {
            let w = words(text);
            self.header = true;
            self.typed = w.get(1) == Some(&&b"Type"[..]);
            let size_col = w
                .get(if self.typed { 2 } else { 1 })
                .copied()
                .unwrap_or_default();
            self.block = block_size(size_col).unwrap_or(0);
            self.wrapped = None;
            return true;
        }
        if !self.header {
            return false;
        }
        let w = words(text);
        let indented = text.first().is_some_and(u8::is_ascii_whitespace);
        if w.len() == 1 && !indented {
            self.wrapped = Some((lossy(w[0]), sink.line, sink.offset));
            return true;
        }
        let (filesystem, rest, at) = match self.wrapped.take() {
            Some((name, line, offset)) if indented => (name, &w[..], (line, offset)),
            _ => match w.split_first() {
                Some((fs, rest)) if !indented => (lossy(fs), rest, (sink.line, sink.offset)),
                _ => return false,
            },
        };
        let fixed = if self.typed { 5 } else { 4 };
        if rest.len() <= fixed {
            return false;
        }
        let (fs_type, nums) = if self.typed {
            (Some(lossy(rest[0])), &rest[1..])
        } else {
            (None, rest)
        };
        let base = if self.si { 1000 } else { 1024 };
        let bare = if self.block == 0 { 1 } else { self.block };
        let size = |v: &[u8]| size_bytes(v, base, bare);
        let (Some(size_bytes), Some(used_bytes), Some(avail_bytes)) =
            (size(nums[0]), size(nums[1]), size(nums[2]))
        else {
            return false;
        };
        let use_percent = match nums[3] {
            b"-" => None,
            p => match p.strip_suffix(b"%").and_then(super::number) {
                Some(n) if n <= 100 => Some(n as u8),
                _ => return false,
            },
        };
        let mounted_on = unescape(&nums[4..].join(&b' '));
        sink.push_at(
            at.0,
            at.1,
            FactKind::Df(Df {
                filesystem,
                fs_type,
                size_bytes,
                used_bytes,
                avail_bytes,
                use_percent,
                mounted_on,
            }),
        );
        true
    }
}

/// `1K-blocks` → 1024, `1024-blocks` → 1024, `1M-blocks` → 1 MiB, `Size` → 0 (suffixes).
fn block_size(col: &[u8]) -> Option<u64> {
    if col == b"Size" {
        return Some(0);
    }
    let n = col.strip_suffix(b"-blocks")?;
    size_bytes(n, 1024, 1)
}

/// Decodes df's octal escapes (`\040` for a space).
fn unescape(text: &[u8]) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            if let Some(oct) = text.get(i + 1..i + 4) {
                if oct.iter().all(|b| (b'0'..=b'7').contains(b)) {
                    let v = oct.iter().fold(0u32, |a, b| a * 8 + u32::from(b - b'0'));
                    if let Ok(byte) = u8::try_from(v) {
                        out.push(byte);
                        i += 4;
                        continue;
                    }
                }
            }
        }
        out.push(text[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

    fn run(si: bool, text: &str) -> (Vec<Fact>, usize) {
        crate::formats::snapshot::run_lines(
            text.as_bytes(),
            false,
            State::new(si),
            State::line,
            |_, _| {},
        )
    }

    fn df(f: &Fact) -> &Df {
        match &f.kind {
            FactKind::Df(d) => d,
            other => panic!("{other:?}"),
        }
    }

    const GI: u64 = 1 << 30;

    #[test]
    fn human_typed_wrapped_and_escaped() {
        let (facts, rejected) = run(
            false,
            "Filesystem                    Type      Size  Used Avail Use% Mounted on\n\
             udev                          devtmpfs   16G     0   16G   0% /dev\n\
             /dev/mapper/pve-root          ext4       94G   91G  2,5G  98% /\n\
             /dev/mapper/vg_backup-lv_very_long_name_for_backups\n\
             \x20                             ext4      1,8T  1,8T     0 100% /mnt/backup\n\
             //nas/share                   cifs      2.0T  1.0T  1.0T  50% /mnt/my\\040share\n\
             proc                          proc         0     0     0    - /proc",
        );
        assert_eq!(rejected, 0);
        assert_eq!(facts.len(), 5);
        let root = df(&facts[1]);
        assert_eq!(root.fs_type.as_deref(), Some("ext4"));
        assert_eq!(root.size_bytes, 94 * GI);
        assert_eq!(root.avail_bytes, (2.5 * GI as f64) as u64);
        assert_eq!(root.use_percent, Some(98));
        let wrapped = df(&facts[2]);
        assert_eq!(
            wrapped.filesystem,
            "/dev/mapper/vg_backup-lv_very_long_name_for_backups"
        );
        assert_eq!(wrapped.use_percent, Some(100));
        assert_eq!(
            facts[2].line, 4,
            "a wrapped row is located at its device line"
        );
        assert_eq!(df(&facts[3]).mounted_on, "/mnt/my share");
        assert_eq!(df(&facts[4]).use_percent, None);
    }

    #[test]
    fn kilobyte_blocks_and_posix() {
        let (facts, _) = run(
            false,
            "Filesystem     1K-blocks     Used Available Use% Mounted on\n\
             /dev/sda1       30832548 29338360         0 100% /",
        );
        assert_eq!(df(&facts[0]).size_bytes, 30_832_548 * 1024);
        let (facts, _) = run(
            false,
            "Filesystem         1024-blocks      Used Available Capacity Mounted on\n\
             rpool/ROOT/pve-1     98045952  12345678  85700274      13% /",
        );
        assert_eq!(df(&facts[0]).used_bytes, 12_345_678 * 1024);
        let (facts, _) = run(
            true,
            "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        32G   30G  1,0G  97% /",
        );
        assert_eq!(df(&facts[0]).size_bytes, 32_000_000_000);
    }

    #[test]
    fn malformed_rows_are_rejected() {
        let (facts, rejected) = run(
            false,
            "Filesystem      Size  Used Avail Use% Mounted on\n\
             /dev/sda1        32G   30G  1,0G 197% /\n\
             /dev/sda1        32X   30G  1,0G  97% /\n\
             \x20  1G 2G\n\
             /dev/sda1        32G",
        );
        assert!(facts.is_empty());
        assert_eq!(rejected, 4);
    }
}
