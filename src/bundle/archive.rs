//! Containers: gzip (multi-member, size-capped) and tar (members borrowed in place).
//!
//! Both readers keep what they could read when the data is damaged and say where the damage
//! starts, so that a truncated `.tgz` still yields every member before the cut. Bytes after the
//! last gzip member are told apart from a cut: zeros are padding (as `gzip -d` says, "trailing
//! zero bytes ignored"), anything else is trailing garbage; a cut inside a member is truncation.
//! Tar entries that are not regular files (links, fifos, devices) are listed as passed over,
//! never followed or created.

use std::io::{self, BufRead, Cursor, Read};
use std::ops::Range;

// The one place a single-member decoder is right: members are read one by one here, so that
// what follows the last one can be told apart from a cut.
#[allow(
    clippy::disallowed_types,
    reason = "the capped multi-member reader is built on the single-member decoder"
)]
use flate2::bufread::GzDecoder;

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
    /// Bytes after the last member that are not gzip data (and not only zeros).
    pub trailing: Option<Damage>,
    /// Zero bytes after the last member, and where they start (padding, as from `dd`).
    pub padding: Option<(u64, u64)>,
    /// How many gzip members were read whole.
    pub members: u64,
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
#[allow(
    clippy::disallowed_types,
    reason = "the capped multi-member reader is built on the single-member decoder"
)]
pub fn gunzip(data: &[u8], cap: u64) -> Gunzipped {
    let guess = (data.len() as u64).saturating_mul(6).min(cap).min(1 << 30);
    let mut out = Gunzipped {
        data: Vec::with_capacity(usize::try_from(guess).unwrap_or(0)),
        capped: false,
        error: None,
        trailing: None,
        padding: None,
        members: 0,
    };
    let mut pos = 0usize;
    loop {
        let mut reader = Tracked { data, pos };
        // One more byte than the cap left, saturating: a cap at its maximum must not wrap.
        let left = cap.saturating_add(1).saturating_sub(out.data.len() as u64);
        let result = GzDecoder::new(&mut reader)
            .take(left)
            .read_to_end(&mut out.data);
        let start = pos;
        pos = reader.pos;
        if out.data.len() as u64 > cap {
            out.data
                .truncate(usize::try_from(cap).unwrap_or(usize::MAX));
            out.capped = true;
            break;
        }
        if let Err(e) = result {
            out.error = Some(Damage {
                offset: pos as u64,
                reason: describe_gzip_error(&e, out.data.len()),
            });
            break;
        }
        out.members += 1;
        let rest = data.get(pos..).unwrap_or_default();
        if rest.is_empty() || pos <= start {
            break;
        }
        if !rest.starts_with(&[0x1f, 0x8b]) {
            if rest.iter().all(|&b| b == 0) {
                out.padding = Some((pos as u64, rest.len() as u64));
            } else {
                out.trailing = Some(Damage {
                    offset: pos as u64,
                    reason: format!(
                        "{} bytes after the last gzip member are not gzip data (trailing \
                         garbage, not a truncation): ignored; the {} bytes decompressed before \
                         them were kept",
                        rest.len(),
                        out.data.len()
                    ),
                });
            }
            break;
        }
    }
    out
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
    /// Entries that are not regular files (links, fifos, devices), with why they were passed
    /// over; directories are not listed.
    pub passed_over: Vec<(String, &'static str)>,
    /// Where the archive stopped being readable.
    pub error: Option<Damage>,
}

/// Why a tar entry of type `kind` is not read; `None` for entries that hold nothing to read or
/// report (directories, the headers of long names and extended attributes).
fn passed_over(kind: tar::EntryType) -> Option<&'static str> {
    use tar::EntryType;
    match kind {
        EntryType::Symlink => Some("symbolic link in an archive (not followed)"),
        EntryType::Link => Some("hard link in an archive (not followed)"),
        EntryType::Char | EntryType::Block => Some("device node in an archive (not read)"),
        EntryType::Fifo => Some("fifo in an archive (not read)"),
        EntryType::Directory
        | EntryType::GNULongName
        | EntryType::GNULongLink
        | EntryType::XHeader
        | EntryType::XGlobalHeader => None,
        _ => Some("tar entry of an unknown type (not read)"),
    }
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
        let raw_path = entry.path_bytes();
        let path = String::from_utf8_lossy(&raw_path);
        let path = path.trim_start_matches("./").to_string();
        if !(kind.is_file() || kind.is_contiguous()) {
            if let Some(reason) = passed_over(kind) {
                listing.passed_over.push((path, reason));
            }
            continue;
        }
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
            return listing;
        }
    }
    if listing.error.is_none() {
        // The archive ended (a zero block): anything but zeros after it is not read, and says so.
        let end = last_end.div_ceil(512).saturating_mul(512);
        let rest = data.get(end..).unwrap_or_default();
        if let Some(at) = rest.iter().position(|&b| b != 0) {
            let at = end + at;
            listing.error = Some(Damage {
                offset: at as u64,
                reason: format!(
                    "{} bytes after the end of the tar archive (trailing garbage or a second \
                     archive): not read",
                    data.len() - at
                ),
            });
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
    fn bytes_after_the_last_member_are_trailing_garbage_not_truncation() {
        let mut data = gz(b"first\n");
        data.extend(gz(b"second\n"));
        let end = data.len() as u64;
        data.extend_from_slice(b"not gzip at all");
        let out = gunzip(&data, 1 << 20);
        assert_eq!(out.data, b"first\nsecond\n");
        assert_eq!(out.members, 2);
        assert!(out.error.is_none(), "{:?}", out.error);
        let trailing = out.trailing.expect("trailing garbage reported");
        assert_eq!(trailing.offset, end);
        assert!(
            trailing
                .reason
                .contains("15 bytes after the last gzip member")
        );
        assert!(trailing.reason.contains("not a truncation"));
    }

    #[test]
    fn zero_padding_after_the_last_member_is_padding() {
        let mut data = gz(b"first\n");
        let end = data.len() as u64;
        data.extend_from_slice(&[0; 512]);
        let out = gunzip(&data, 1 << 20);
        assert_eq!(out.data, b"first\n");
        assert!(out.error.is_none() && out.trailing.is_none());
        assert_eq!(out.padding, Some((end, 512)));
    }

    #[test]
    fn a_cut_inside_the_second_member_is_truncation() {
        let mut data = gz(b"first\n");
        let second = gz(&[b'y'; 4000]);
        data.extend_from_slice(&second[..second.len() / 2]);
        let out = gunzip(&data, 1 << 20);
        assert!(out.trailing.is_none());
        let err = out.error.expect("truncation reported");
        assert!(err.reason.contains("truncated"), "{}", err.reason);
        assert!(out.data.starts_with(b"first\n"));
    }

    #[test]
    fn a_cap_at_its_maximum_does_not_wrap() {
        let out = gunzip(&gz(b"abc\n"), u64::MAX);
        assert_eq!(out.data, b"abc\n");
        assert!(!out.capped);
    }

    #[test]
    fn links_fifos_and_devices_are_listed_as_passed_over() {
        let mut b = tar::Builder::new(Vec::new());
        for (name, kind) in [
            ("link", tar::EntryType::Symlink),
            ("hard", tar::EntryType::Link),
            ("fifo", tar::EntryType::Fifo),
            ("dev", tar::EntryType::Char),
            ("dir/", tar::EntryType::Directory),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(kind);
            h.set_size(0);
            if matches!(kind, tar::EntryType::Symlink | tar::EntryType::Link) {
                h.set_link_name("/etc/shadow").unwrap();
            }
            h.set_cksum();
            b.append_data(&mut h, name, &[][..]).unwrap();
        }
        let mut h = tar::Header::new_gnu();
        h.set_size(4);
        h.set_cksum();
        b.append_data(&mut h, "real.log", &b"abc\n"[..]).unwrap();
        let data = b.into_inner().unwrap();
        let listing = list_tar(&data);
        let names: Vec<_> = listing.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(names, ["real.log"]);
        let passed: Vec<_> = listing.passed_over.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(passed, ["link", "hard", "fifo", "dev"]);
        assert!(listing.passed_over[0].1.contains("not followed"));
    }

    #[test]
    fn bytes_after_the_end_of_a_tar_are_reported() {
        let mut data = tar_of(&[("a.log", b"abc\n")]);
        assert!(
            list_tar(&data).error.is_none(),
            "zero padding is not garbage"
        );
        let end = data.len();
        data.extend_from_slice(b"GARBAGE");
        let listing = list_tar(&data);
        assert_eq!(listing.entries.len(), 1);
        let err = listing.error.expect("trailing bytes reported");
        assert_eq!(err.offset, end as u64);
        assert!(
            err.reason
                .contains("7 bytes after the end of the tar archive")
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
