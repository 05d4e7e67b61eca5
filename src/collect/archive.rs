//! The bundle being written: a gzip-compressed tar stream straight to the output (a file or
//! stdout), one member at a time from memory. No temporary file or directory is made; the total
//! size is capped, and a member that would pass the cap keeps its newest bytes.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

/// How a member was cut to fit a cap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cut {
    /// Bytes dropped from the member's start.
    pub bytes: u64,
}

/// A `.tgz` written as members arrive.
pub struct TarGz<W: Write> {
    builder: tar::Builder<GzEncoder<W>>,
    /// Bytes of member data still allowed.
    remaining: u64,
    /// Bytes of member data written.
    pub written: u64,
}

impl<W: Write> TarGz<W> {
    /// Starts the stream; `total_cap` bounds the member data it will hold.
    pub fn new(out: W, total_cap: u64) -> Self {
        let mut builder = tar::Builder::new(GzEncoder::new(out, Compression::default()));
        builder.mode(tar::HeaderMode::Deterministic);
        TarGz {
            builder,
            remaining: total_cap,
            written: 0,
        }
    }

    /// How many more bytes of member data fit.
    #[cfg(test)]
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Appends a member; when it does not fit the total cap, its start is dropped (at a line
    /// start, or at `boundary`'s choice) and the cut returned. `None` when nothing fit.
    pub fn append(
        &mut self,
        path: &str,
        data: &[u8],
        mtime: u64,
        boundary: impl Fn(&[u8], usize) -> usize,
    ) -> std::io::Result<Option<Cut>> {
        let mut cut = Cut::default();
        let mut data = data;
        if data.len() as u64 > self.remaining {
            let want = data.len() - usize::try_from(self.remaining).unwrap_or(usize::MAX);
            let at = boundary(data, want).min(data.len());
            cut.bytes = at as u64;
            data = &data[at..];
            if data.is_empty() {
                return Ok(None);
            }
        }
        self.write_member(path, data, mtime)?;
        self.remaining = self.remaining.saturating_sub(data.len() as u64);
        Ok(Some(cut))
    }

    /// Appends a member whatever the cap (the manifest: small, and the bundle's key).
    pub fn append_uncapped(&mut self, path: &str, data: &[u8], mtime: u64) -> std::io::Result<()> {
        self.write_member(path, data, mtime)
    }

    /// Writes one regular file member (mode 0644) and counts its bytes.
    fn write_member(&mut self, path: &str, data: &[u8], mtime: u64) -> std::io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        self.builder.append_data(&mut header, path, data)?;
        self.written += data.len() as u64;
        Ok(())
    }

    /// Ends the tar stream and the gzip member, and flushes the output.
    pub fn finish(self) -> std::io::Result<W> {
        let gz = self.builder.into_inner()?;
        let mut out = gz.finish()?;
        out.flush()?;
        Ok(out)
    }
}

/// The first line start at or after `at` (text output: a cut keeps whole lines).
pub fn line_boundary(data: &[u8], at: usize) -> usize {
    if at == 0 || data.get(at - 1) == Some(&b'\n') {
        return at;
    }
    data.get(at..)
        .and_then(|rest| memchr::memchr(b'\n', rest))
        .map_or(data.len(), |i| at + i + 1)
}

/// The first entry start at or after `at` in a journal export stream (entries end with an
/// empty line).
pub fn entry_boundary(data: &[u8], at: usize) -> usize {
    if at == 0 || (at >= 2 && data.get(at - 2..at) == Some(&b"\n\n"[..])) {
        return at;
    }
    data.get(at.saturating_sub(1)..)
        .and_then(|rest| memchr::memmem::find(rest, b"\n\n"))
        .map_or(data.len(), |i| at.saturating_sub(1) + i + 2)
}

/// The first record start at or after `at` in a file of fixed-size records (wtmp: 384 bytes).
pub fn record_boundary(size: usize) -> impl Fn(&[u8], usize) -> usize {
    move |data, at| at.div_ceil(size).saturating_mul(size).min(data.len())
}

/// A compressed file cannot lose its start: it is kept whole or not at all.
pub fn whole(data: &[u8], at: usize) -> usize {
    if at == 0 { 0 } else { data.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        assert_eq!(line_boundary(b"ab\ncd\nef", 1), 3);
        assert_eq!(line_boundary(b"ab\ncd\nef", 3), 3);
        assert_eq!(line_boundary(b"ab\ncd", 4), 5);
        assert_eq!(entry_boundary(b"A=1\n\nB=2\n\nC=3\n\n", 2), 5);
        assert_eq!(entry_boundary(b"A=1\n\nB=2\n\nC=3\n\n", 5), 5);
        assert_eq!(record_boundary(384)(&[0u8; 1000], 10), 384);
        assert_eq!(whole(b"abc", 1), 3);
    }

    #[test]
    fn the_total_cap_keeps_the_newest_lines() {
        let mut tgz = TarGz::new(Vec::new(), 10);
        let cut = tgz
            .append("a.txt", b"old line\nnew\n", 0, line_boundary)
            .expect("write");
        assert_eq!(cut, Some(Cut { bytes: 9 }));
        assert_eq!(tgz.remaining(), 6);
        let cut = tgz.append("b.gz", b"0123456789", 0, whole).expect("write");
        assert_eq!(cut, None);
        let bytes = tgz.finish().expect("finish");
        // The bundle reader reads what was written.
        let bundle =
            crate::bundle::Bundle::from_bytes("b.tgz", bytes, &crate::limits::Limits::default());
        assert!(bundle.problems.is_empty(), "{:?}", bundle.problems);
        let names: Vec<(String, String)> = bundle
            .members
            .iter()
            .map(|m| {
                (
                    m.path.clone(),
                    String::from_utf8_lossy(m.bytes()).into_owned(),
                )
            })
            .collect();
        assert_eq!(names, [("a.txt".to_string(), "new\n".to_string())]);
    }
}
