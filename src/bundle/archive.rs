//! Containers: gzip (multi-member, size-capped) and tar (members borrowed in place).
//!
//! Gzip is read by one capped stream ([`GzStream`]); [`gunzip`] reads it to its end, and
//! [`stream_tar`] reads a tar from it member by member, so that a `.tgz`'s members can be parsed
//! while the rest is still compressed. Both ways give the same bytes, members and damage.
//!
//! Both readers keep what they could read when the data is damaged and say where the damage
//! starts, so that a truncated `.tgz` still yields every member before the cut. Bytes after the
//! last gzip member are told apart from a cut: zeros are padding (as `gzip -d` says, "trailing
//! zero bytes ignored"), anything else is trailing garbage; a cut inside a member is truncation.
//! Tar entries that are not regular files (links, fifos, devices) are listed as passed over,
//! never followed or created.

use std::io::{self, BufRead, Cursor, Read, Seek, SeekFrom};
use std::ops::Range;

// The one place a single-member decoder is right: members are read one by one here, so that
// what follows the last one can be told apart from a cut.
#[allow(
    clippy::disallowed_types,
    reason = "the capped multi-member reader is built on the single-member decoder"
)]
use flate2::bufread::GzDecoder;

/// Where a tar's `ustar` magic ends: fewer bytes are not a tar.
const TAR_MAGIC_END: usize = 262;

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
        } else if data.get(257..TAR_MAGIC_END) == Some(b"ustar") {
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

/// Decompresses every gzip member of `data` (as `gzip -d` does), up to `cap` bytes of output:
/// [`GzStream`] read to its end, so that a member read whole and one read as a stream hold the
/// same bytes, whatever the damage.
pub fn gunzip(data: &[u8], cap: u64) -> Gunzipped {
    let guess = (data.len() as u64).saturating_mul(6).min(cap).min(1 << 30);
    let mut bytes = Vec::with_capacity(usize::try_from(guess).unwrap_or(0));
    let mut stream = GzStream::new(data, cap);
    // The stream never fails: damage ends it and is in its status.
    let _ = stream.read_to_end(&mut bytes);
    let status = stream.finish();
    Gunzipped {
        data: bytes,
        capped: status.capped,
        error: status.error,
        trailing: status.trailing,
        padding: status.padding,
    }
}

/// What a gzip stream said about itself once read to its end: what [`gunzip`] reports besides
/// the bytes.
#[derive(Debug, Default)]
pub struct GzStatus {
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

/// How much the decoder is asked for at a time. The bytes of a member that breaks are kept up
/// to the last whole window before the break, so the window is fixed, whoever reads.
const WINDOW: usize = 1 << 16;

/// The capped multi-member gzip reader: every gzip member of `data` (as `gzip -d` reads them),
/// at most `cap` bytes, decompressed as they are read, so that a tar reader can hand out each
/// member while the next one is still compressed. [`gunzip`] reads it to its end.
///
/// The decoder is always asked for [`WINDOW`] bytes (or what the cap leaves), into the
/// reader's buffer when it is that large, else into a buffer of the stream's own: where the
/// data breaks, the bytes kept are the same however the stream is read. It seeks forward the
/// way a `Cursor` over [`gunzip`]'s output does (a seek past the end succeeds and later reads
/// give nothing), so that `tar::Archive::entries_with_seek` reads it exactly as [`list_tar`]
/// reads the whole buffer.
#[allow(
    clippy::disallowed_types,
    reason = "the capped multi-member reader is built on the single-member decoder"
)]
pub struct GzStream<'a> {
    data: &'a [u8],
    cap: u64,
    decoder: Option<GzDecoder<Tracked<'a>>>,
    /// Where the current gzip member starts in `data`.
    start: usize,
    /// Bytes decompressed (at most `cap`).
    decoded: u64,
    /// Decompressed bytes not handed out yet: `chunk[chunk_at..]`.
    chunk: Vec<u8>,
    chunk_at: usize,
    /// The reader's position: the bytes handed out, or more after a seek past the end.
    position: u64,
    status: GzStatus,
    /// The first bytes decompressed, as many as it takes to tell a tar.
    head: Vec<u8>,
}

#[allow(
    clippy::disallowed_types,
    reason = "the capped multi-member reader is built on the single-member decoder"
)]
impl<'a> GzStream<'a> {
    /// A stream over the gzip members of `data`, giving at most `cap` bytes.
    pub fn new(data: &'a [u8], cap: u64) -> GzStream<'a> {
        GzStream {
            data,
            cap,
            decoder: Some(GzDecoder::new(Tracked { data, pos: 0 })),
            start: 0,
            decoded: 0,
            chunk: Vec::new(),
            chunk_at: 0,
            position: 0,
            status: GzStatus::default(),
            head: Vec::new(),
        }
    }

    /// All the bytes decompressed, when they are too few to hold a tar's first block's magic.
    pub fn too_short_for_tar(&self) -> Option<Vec<u8>> {
        (self.decoded < TAR_MAGIC_END as u64).then(|| self.head.clone())
    }

    /// How many bytes were decompressed so far (all of them once [`GzStream::finish`] ran).
    pub fn produced(&self) -> u64 {
        self.decoded
    }

    /// How many bytes were handed out.
    fn handed(&self) -> u64 {
        self.decoded - (self.chunk.len() - self.chunk_at) as u64
    }

    /// Reads the rest of the stream and returns where its first non-zero byte was.
    fn drain(&mut self) -> Option<u64> {
        let mut sink = vec![0u8; WINDOW];
        let mut first = None;
        loop {
            let at = self.position;
            match self.read(&mut sink) {
                Ok(n) if n > 0 => {
                    if first.is_none() {
                        first = sink
                            .get(..n)
                            .and_then(|b| b.iter().position(|&b| b != 0))
                            .map(|i| at + i as u64);
                    }
                }
                _ => return first,
            }
        }
    }

    /// Reads the rest of the stream (so that the status covers all of it) and returns the
    /// status.
    pub fn finish(&mut self) -> GzStatus {
        self.drain();
        std::mem::take(&mut self.status)
    }

    /// The size of the decoder's next window: [`WINDOW`], or one more byte than the cap leaves
    /// (the cap is hit only when the data goes on past it).
    fn window(&self) -> usize {
        let left = self.cap.saturating_add(1).saturating_sub(self.decoded);
        usize::try_from(left).unwrap_or(usize::MAX).min(WINDOW)
    }

    /// Decompresses the next window into `out` (at least [`GzStream::window`] bytes long):
    /// how many bytes it holds, 0 at the end of the data, at the cap or at damage.
    #[allow(
        clippy::disallowed_types,
        reason = "the capped multi-member reader is built on the single-member decoder"
    )]
    fn decode(&mut self, out: &mut [u8]) -> usize {
        loop {
            let window = self.window();
            let Some(decoder) = self.decoder.as_mut() else {
                return 0;
            };
            let Some(out) = out.get_mut(..window) else {
                return 0;
            };
            match decoder.read(out) {
                Ok(0) => {
                    let pos = decoder.get_ref().pos;
                    self.status.members += 1;
                    self.next_member(pos);
                }
                Ok(n) => {
                    let mut n = n as u64;
                    if self.decoded + n > self.cap {
                        n = self.cap - self.decoded;
                        self.status.capped = true;
                        self.decoder = None;
                    }
                    let n = usize::try_from(n).unwrap_or(0);
                    if self.head.len() < TAR_MAGIC_END {
                        let want = TAR_MAGIC_END - self.head.len();
                        self.head
                            .extend_from_slice(out.get(..n.min(want)).unwrap_or_default());
                    }
                    self.decoded += n as u64;
                    return n;
                }
                Err(e) => {
                    let pos = decoder.get_ref().pos;
                    self.status.error = Some(Damage {
                        offset: pos as u64,
                        reason: describe_gzip_error(
                            &e,
                            usize::try_from(self.decoded).unwrap_or(usize::MAX),
                        ),
                    });
                    self.decoder = None;
                    return 0;
                }
            }
        }
    }

    /// After a member ended at `pos`: starts the next one, or records what follows the last.
    #[allow(
        clippy::disallowed_types,
        reason = "the capped multi-member reader is built on the single-member decoder"
    )]
    fn next_member(&mut self, pos: usize) {
        self.decoder = None;
        let rest = self.data.get(pos..).unwrap_or_default();
        if rest.is_empty() || pos <= self.start {
            return;
        }
        if !rest.starts_with(&[0x1f, 0x8b]) {
            if rest.iter().all(|&b| b == 0) {
                self.status.padding = Some((pos as u64, rest.len() as u64));
            } else {
                self.status.trailing = Some(Damage {
                    offset: pos as u64,
                    reason: trailing_reason(rest.len(), self.decoded),
                });
            }
            return;
        }
        self.start = pos;
        self.decoder = Some(GzDecoder::new(Tracked {
            data: self.data,
            pos,
        }));
    }
}

impl Read for GzStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // After a seek past the end, as a `Cursor` would.
        if self.position > self.handed() || buf.is_empty() {
            return Ok(0);
        }
        if self.chunk_at == self.chunk.len() {
            if buf.len() >= self.window() {
                // Straight into the reader's buffer: no copy.
                let n = self.decode(buf);
                self.position += n as u64;
                return Ok(n);
            }
            let mut chunk = std::mem::take(&mut self.chunk);
            chunk.resize(self.window(), 0);
            let n = self.decode(&mut chunk);
            chunk.truncate(n);
            self.chunk = chunk;
            self.chunk_at = 0;
        }
        let rest = self.chunk.get(self.chunk_at..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
            to.copy_from_slice(from);
        }
        self.chunk_at += n;
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for GzStream<'_> {
    /// Forward seeks only (all that `tar` asks for): the bytes skipped are read and dropped;
    /// past the end the position still moves, as a `Cursor`'s does.
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(_) => None,
        };
        let Some(target) = target.filter(|&t| t >= self.position) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid seek to a negative or overflowing position",
            ));
        };
        let mut scratch = [0u8; 8192];
        while self.position < target {
            let want = usize::try_from(target - self.position)
                .unwrap_or(usize::MAX)
                .min(scratch.len());
            match self.read(scratch.get_mut(..want).unwrap_or_default()) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        self.position = target;
        Ok(target)
    }
}

/// What [`stream_tar`] hands out, in archive order.
#[derive(Debug)]
pub enum TarItem {
    /// A regular file with its bytes.
    File {
        /// The stored path, minus a leading `./`.
        path: String,
        /// The member's bytes (fewer than its size when the archive ends inside it).
        data: Vec<u8>,
        /// Where the member's data starts in the archive (for problem reports).
        data_offset: usize,
        /// Modification time from the header.
        mtime: Option<i64>,
        /// Set when the archive ends inside this member's data.
        truncated: Option<String>,
    },
    /// An entry that is not a regular file, with why it was passed over.
    PassedOver(String, &'static str),
}

/// [`list_tar`] over a stream: each regular file is read into a buffer of its own and handed to
/// `each` as soon as it is read, while the rest of the archive is still compressed. The items,
/// their order and the damage returned are what [`list_tar`] gives over the same bytes; the
/// stream is left at the end of what the archive read (call [`GzStream::finish`] for the rest).
pub fn stream_tar(stream: &mut GzStream<'_>, each: &mut dyn FnMut(TarItem)) -> Option<Damage> {
    // No member can hold more than the stream may still give.
    let room = stream.cap.saturating_sub(stream.decoded);
    let mut archive = tar::Archive::new(&mut *stream);
    let entries = match archive.entries_with_seek() {
        Ok(e) => e,
        Err(e) => {
            return Some(Damage {
                offset: 0,
                reason: format!("unreadable tar archive: {e}"),
            });
        }
    };
    let mut last_end = 0usize;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                return Some(Damage {
                    offset: last_end as u64,
                    reason: format!("tar archive damaged or truncated after this point: {e}"),
                });
            }
        };
        let (start, size, kind, path) = entry_head(&entry);
        last_end = start.saturating_add(size);
        if !(kind.is_file() || kind.is_contiguous()) {
            if let Some(reason) = passed_over(kind) {
                each(TarItem::PassedOver(path, reason));
            }
            continue;
        }
        if path.is_empty() {
            continue;
        }
        let mtime = entry
            .header()
            .mtime()
            .ok()
            .and_then(|m| i64::try_from(m).ok());
        let mut data = Vec::new();
        // The stated size is only a claim: reserve no more than the stream may still give,
        // and read on regardless when even that cannot be reserved.
        let _ = data.try_reserve_exact(size.min(usize::try_from(room).unwrap_or(usize::MAX)));
        // The stream never fails (damage ends it), so a short read is the archive's end.
        let _ = entry.read_to_end(&mut data);
        let truncated = (data.len() < size).then(|| {
            data.shrink_to_fit();
            format!(
                "archive ends inside this member: {} of {size} bytes present",
                data.len()
            )
        });
        let cut = truncated.is_some();
        each(TarItem::File {
            path,
            data,
            data_offset: start,
            mtime,
            truncated,
        });
        if cut {
            return None;
        }
    }
    // The archive ended (a zero block, which the reader has just read): anything but zeros
    // after it is not read, and says so.
    let at = stream.drain()?;
    Some(Damage {
        offset: at,
        reason: format!(
            "{} bytes after the end of the tar archive (trailing garbage or a second \
             archive): not read",
            stream.decoded - at
        ),
    })
}

fn trailing_reason(rest: usize, produced: u64) -> String {
    format!(
        "{rest} bytes after the last gzip member are not gzip data (trailing garbage, not a \
         truncation): ignored; the {produced} bytes decompressed before them were kept"
    )
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

/// Where a tar entry's data starts and how long it is, its type, and its stored path minus a
/// leading `./`.
fn entry_head<R: io::Read>(entry: &tar::Entry<'_, R>) -> (usize, usize, tar::EntryType, String) {
    let start = usize::try_from(entry.raw_file_position()).unwrap_or(usize::MAX);
    let size = usize::try_from(entry.size()).unwrap_or(usize::MAX);
    let path = String::from_utf8_lossy(&entry.path_bytes())
        .trim_start_matches("./")
        .to_string();
    (start, size, entry.header().entry_type(), path)
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
        let (start, size, kind, path) = entry_head(&entry);
        last_end = start.saturating_add(size);
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
        let mut stream = GzStream::new(&data, 1 << 20);
        assert_eq!(stream.finish().members, 2);
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
