//! Containers: gzip (multi-member, size-capped) and tar (members borrowed in place).
//!
//! Both readers keep what they could read when the data is damaged and say where the damage
//! starts, so that a truncated `.tgz` still yields every member before the cut.

use std::io::{self, BufRead, Cursor, Read};
use std::ops::Range;

use flate2::bufread::MultiGzDecoder;

/// What a blob's first bytes say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// gzip (`1f 8b`).
    Gzip,
    /// A tar archive (`ustar` magic at byte 257).
    Tar,
    /// A compression or archive format pvelog does not open.
    Unsupported(&'static str),
    /// Anything else: a member to parse.
    Plain,
}

impl Container {
    /// Looks at the magic bytes.
    pub fn sniff(data: &[u8]) -> Container {
        if data.starts_with(&[0x1f, 0x8b]) {
            Container::Gzip
        } else if data.get(257..262) == Some(b"ustar") {
            Container::Tar
        } else if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Container::Unsupported("xz")
        } else if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Container::Unsupported("zstd")
        } else if data.starts_with(b"BZh") && data.get(3).is_some_and(|b| (b'1'..=b'9').contains(b))
        {
            Container::Unsupported("bzip2")
        } else if data.starts_with(b"PK\x03\x04") {
            Container::Unsupported("zip")
        } else {
            Container::Plain
        }
    }
}

/// Where a container stopped being readable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// Byte offset in the container's stored bytes.
    pub offset: u64,
    /// What was wrong.
    pub reason: String,
}

/// The result of decompressing a gzip blob.
#[derive(Debug)]
pub struct Gunzipped {
    /// The decompressed bytes (all of them, or the readable part, or the first `cap` bytes).
    pub data: Vec<u8>,
    /// Whether decompression stopped at the size cap.
    pub capped: bool,
    /// Where the compressed stream broke, if it did.
    pub error: Option<Damage>,
}

/// A `BufRead` over a slice that knows how far it was consumed.
struct Tracked<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Read for Tracked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Tracked<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(self.data.get(self.pos..).unwrap_or_default())
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.data.len());
    }
}

/// Decompresses every gzip member of `data` (as `gzip -d` does), up to `cap` bytes of output.
pub fn gunzip(data: &[u8], cap: u64) -> Gunzipped {
    let mut decoder = MultiGzDecoder::new(Tracked { data, pos: 0 });
    let guess = (data.len() as u64).saturating_mul(6).min(cap).min(1 << 30);
    let mut out = Vec::with_capacity(usize::try_from(guess).unwrap_or(0));
    let result = (&mut decoder)
        .take(cap.saturating_add(1))
        .read_to_end(&mut out);
    let mut capped = false;
    if out.len() as u64 > cap {
        out.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
        capped = true;
    }
    let error = result.err().map(|e| Damage {
        offset: decoder.get_ref().pos as u64,
        reason: describe_gzip_error(&e, out.len()),
    });
    Gunzipped {
        data: out,
        capped,
        error,
    }
}

fn describe_gzip_error(e: &io::Error, produced: usize) -> String {
    let what = match e.kind() {
        io::ErrorKind::UnexpectedEof => "gzip stream ends early (truncated file)".to_string(),
        _ => format!("corrupt gzip data: {e}"),
    };
    format!("{what}; the {produced} bytes decompressed before it were kept")
}

/// One member of a tar archive, located in the archive's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TarEntry {
    /// The stored path, minus a leading `./`.
    pub path: String,
    /// The member's bytes within the archive.
    pub data: Range<usize>,
    /// Where the member's data starts (for problem reports).
    pub data_offset: usize,
    /// Modification time from the header.
    pub mtime: Option<i64>,
    /// Set when the archive ends inside this member's data.
    pub truncated: Option<String>,
}

/// The regular-file members of a tar archive.
#[derive(Debug, Default)]
pub struct TarListing {
    /// Members in archive order.
    pub entries: Vec<TarEntry>,
    /// Where the archive stopped being readable.
    pub error: Option<Damage>,
}

/// Lists the regular files of a tar archive without copying their data.
pub fn list_tar(data: &[u8]) -> TarListing {
    let mut listing = TarListing::default();
    let mut archive = tar::Archive::new(Cursor::new(data));
    let entries = match archive.entries_with_seek() {
        Ok(e) => e,
        Err(e) => {
            listing.error = Some(Damage {
                offset: 0,
                reason: format!("unreadable tar archive: {e}"),
            });
            return listing;
        }
    };
    let mut last_end = 0usize;
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                listing.error = Some(Damage {
                    offset: last_end as u64,
                    reason: format!("tar archive damaged or truncated after this point: {e}"),
                });
                break;
            }
        };
        let start = usize::try_from(entry.raw_file_position()).unwrap_or(usize::MAX);
        let size = usize::try_from(entry.size()).unwrap_or(usize::MAX);
        last_end = start.saturating_add(size);
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_contiguous()) {
            continue;
        }
        let raw_path = entry.path_bytes();
        let path = String::from_utf8_lossy(&raw_path);
        let path = path.trim_start_matches("./").to_string();
        if path.is_empty() {
            continue;
        }
        let available_end = last_end.min(data.len());
        let truncated = (available_end < last_end).then(|| {
            format!(
                "archive ends inside this member: {} of {size} bytes present",
                available_end.saturating_sub(start.min(data.len()))
            )
        });
        listing.entries.push(TarEntry {
            path,
            data: start.min(data.len())..available_end,
            data_offset: start,
            mtime: entry
                .header()
                .mtime()
                .ok()
                .and_then(|m| i64::try_from(m).ok()),
            truncated,
        });
        if available_end < last_end {
            break;
        }
    }
    listing
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(1_753_783_000);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn multi_member_gzip_is_read_whole() {
        let mut data = gz(b"first\n");
        data.extend(gz(b"second\n"));
        let out = gunzip(&data, 1 << 20);
        assert_eq!(out.data, b"first\nsecond\n");
        assert!(out.error.is_none() && !out.capped);
    }

    #[test]
    fn gzip_cap_stops_and_says_so() {
        let out = gunzip(&gz(&[b'x'; 10_000]), 100);
        assert_eq!(out.data.len(), 100);
        assert!(out.capped);
    }

    #[test]
    fn truncated_gzip_keeps_the_readable_part() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let data = gz(&text);
        let out = gunzip(&data[..data.len() / 2], 1 << 30);
        assert!(out.error.is_some());
        assert!(!out.data.is_empty() && text.starts_with(&out.data));
    }

    #[test]
    fn tar_members_are_borrowed_in_place() {
        let data = tar_of(&[
            ("./var/log/kern.log", b"abc\n"),
            ("dmesg.txt", b"[    1.000000] x\n"),
        ]);
        let listing = list_tar(&data);
        assert!(listing.error.is_none());
        let names: Vec<_> = listing.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(names, ["var/log/kern.log", "dmesg.txt"]);
        assert_eq!(&data[listing.entries[0].data.clone()], b"abc\n");
        assert_eq!(listing.entries[0].mtime, Some(1_753_783_000));
    }

    #[test]
    fn truncated_tar_yields_the_members_before_the_cut() {
        let big = vec![b'y'; 4096];
        let data = tar_of(&[("a.log", b"abc\n"), ("b.log", &big)]);
        let listing = list_tar(&data[..512 * 3 + 100]);
        assert_eq!(listing.entries[0].path, "a.log");
        assert_eq!(
            listing.entries[1]
                .truncated
                .as_deref()
                .map(|s| s.contains("100 of 4096")),
            Some(true)
        );
    }

    #[test]
    fn magic_bytes() {
        assert_eq!(Container::sniff(&gz(b"x")), Container::Gzip);
        assert_eq!(Container::sniff(&tar_of(&[("a", b"b")])), Container::Tar);
        assert_eq!(
            Container::sniff(b"\xfd7zXZ\0rest"),
            Container::Unsupported("xz")
        );
        assert_eq!(Container::sniff(b"Jul 29 09:56:40 pve1"), Container::Plain);
    }
}
