//! The bundle reader: turns INPUTs (directories, plain files, tarballs, gzip files, stdin) into
//! [`Member`]s, each a path and its bytes.
//!
//! Nothing is extracted to disk. Plain files are memory-mapped; uncompressed tar members are
//! borrowed in place from the archive's buffer; a compressed member (a `.gz` inside a tarball, a
//! whole `.tgz`) is decompressed once into a buffer that its members then borrow from. Archives
//! may nest (`logs/host.tgz!var/log/kern.log`) up to a depth limit.
//!
//! Everything that cannot be read becomes an [`InputProblem`] naming the member and the byte
//! offset, and the rest of the bundle is still read: a truncated `.tgz` yields every member before
//! the damage. Sizes are capped ([`Limits`]) with errors that name the flag raising the cap.
//!
//! A compressed tar (`.tgz`) is read as a stream ([`Bundle::open_each`]): each member gets a
//! buffer of its own and is handed on as soon as it is inflated, so that it is parsed while the
//! next one is still being inflated; a [`Store`] keeps those buffers where the parsed records
//! can borrow from them. The members, problems and limits are those of reading the whole
//! archive first (`tests/stream.rs` and the unit tests below compare both ways).
//!
//! Member paths follow DESIGN.md §2: relative to a directory INPUT, as stored in an archive
//! (minus `./`), nested archive members joined with `!`, a single file by its name, stdin as `-`,
//! and with several INPUTs each path is prefixed by its INPUT's file name.

mod archive;
mod mmap;

use std::fs;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;

pub use crate::error::InputProblem;
pub use crate::limits::{LimitKind, Limits};

/// Bytes that members borrow from.
#[derive(Debug)]
enum Buffer {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Buffer {
    fn bytes(&self) -> &[u8] {
        match self {
            Buffer::Mapped(m) => m,
            Buffer::Owned(v) => v,
        }
    }
}

/// Where the bytes of members handed out by [`Bundle::open_each`] stay while they are parsed
/// and afterwards: an append-only arena of the members' buffers, so that a member's bytes can be
/// borrowed for as long as the store lives while the bundle is still being read.
#[derive(Default)]
pub struct Store {
    buffers: typed_arena::Arena<Arc<Buffer>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Keeps `member`'s buffer and returns its bytes, borrowed from the store.
    pub fn hold(&self, member: &Member) -> &[u8] {
        let buffer: &Buffer = self.buffers.alloc(Arc::clone(&member.buffer));
        buffer.bytes().get(member.range.clone()).unwrap_or_default()
    }
}

/// One file of the bundle: its path and its (decompressed) bytes.
#[derive(Clone, Debug)]
pub struct Member {
    /// The path used in every output (DESIGN.md §2 `source`).
    pub path: String,
    /// Modification time (seconds since the epoch, UTC) from the archive header or file system.
    pub mtime: Option<i64>,
    /// Whether the bytes were decompressed from gzip.
    pub decompressed: bool,
    buffer: Arc<Buffer>,
    range: Range<usize>,
}

impl Member {
    /// The member's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.buffer
            .bytes()
            .get(self.range.clone())
            .unwrap_or_default()
    }

    /// A member holding `data` (used by tests and benches).
    pub fn from_vec(path: impl Into<String>, data: Vec<u8>) -> Self {
        let len = data.len();
        Member {
            path: path.into(),
            mtime: None,
            decompressed: false,
            buffer: Arc::new(Buffer::Owned(data)),
            range: 0..len,
        }
    }
}

/// A path that was passed over on purpose (not a problem: symlinks, special files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The path.
    pub path: String,
    /// Why.
    pub reason: &'static str,
}

/// Everything read from the INPUTs.
#[derive(Debug, Default)]
pub struct Bundle {
    /// The members, in a deterministic order (INPUT order, then directory/archive order).
    pub members: Vec<Member>,
    /// What could not be read.
    pub problems: Vec<InputProblem>,
    /// What was passed over on purpose.
    pub skipped: Vec<Skipped>,
    /// The path prefix of each INPUT's members (empty for a single INPUT, else `name/`).
    pub prefixes: Vec<String>,
    heap_bytes: u64,
    /// A compressed member inside a streamed `.tgz` was decompressed before the archive's own
    /// size was known (see [`Bundle::open_each`]).
    early_budget: bool,
}

/// How much of a gzip stream is decompressed to see whether it holds a tar: one tar header.
const TAR_SNIFF_BYTES: u64 = 512;

impl Bundle {
    /// A bundle of ready members (for tests, benches and callers that read input themselves).
    pub fn from_members(members: Vec<Member>) -> Bundle {
        Bundle {
            members,
            prefixes: vec![String::new()],
            ..Bundle::default()
        }
    }

    /// Reads one in-memory INPUT named `name` the way a file INPUT is read (gzip, tar, nesting,
    /// every limit): for tests and the fuzz targets, which have bytes rather than files.
    pub fn from_bytes(name: &str, data: Vec<u8>, limits: &Limits) -> Bundle {
        Bundle::from_bytes_read(name, data, limits, Reading::Whole, &mut |_| {})
    }

    /// [`Bundle::from_bytes`] read as [`Bundle::open_each`] reads a file: a `.tgz` as a stream,
    /// each member handed to `each` as it is read; `None` in [`Bundle::open_each`]'s case.
    pub fn from_bytes_each(
        name: &str,
        data: Vec<u8>,
        limits: &Limits,
        each: &mut dyn FnMut(&Member),
    ) -> Option<Bundle> {
        let bundle = Bundle::from_bytes_read(name, data, limits, Reading::Stream, each);
        (!bundle.early_budget || bundle.heap_bytes <= limits.max_bundle_bytes).then_some(bundle)
    }

    fn from_bytes_read(
        name: &str,
        data: Vec<u8>,
        limits: &Limits,
        reading: Reading,
        each: &mut dyn FnMut(&Member),
    ) -> Bundle {
        let mut reader = Reader {
            bundle: Bundle {
                heap_bytes: data.len() as u64,
                ..Bundle::default()
            },
            reading,
            streaming: 0,
            each,
        };
        reader.add_blob(Blob::owned(name, data, None), Nesting::Input(""), 0, limits);
        reader.bundle.prefixes.push(String::new());
        reader.bundle
    }

    /// Reads every INPUT. `-` is stdin. Problems are collected, never fatal.
    ///
    /// With several INPUTs, each member path is prefixed by its INPUT's file name; two INPUTs
    /// with the same file name would give the same paths, so [`Bundle::input_names`] lets the
    /// caller refuse them first.
    pub fn open(inputs: &[String], limits: &Limits) -> Bundle {
        Bundle::read(inputs, limits, Reading::Whole, &mut |_| {})
    }

    /// Reads every INPUT as [`Bundle::open`] does, handing each member to `each` as soon as its
    /// bytes are read: a `.tgz` is inflated as a stream, one member at a time, so that `each`
    /// can have a member parsed while the next is inflated.
    ///
    /// The result is the one [`Bundle::open`] gives, with one exception `each` must handle: a
    /// compressed member inside a streamed `.tgz` is decompressed before the archive's own size
    /// is known, so its share of `--max-bundle-bytes` is found only at the end. When the bundle
    /// then turns out to exceed that budget, the members handed out may differ from
    /// [`Bundle::open`]'s, and `None` is returned: the caller drops what it made of them and
    /// calls [`Bundle::open`].
    pub fn open_each(
        inputs: &[String],
        limits: &Limits,
        each: &mut dyn FnMut(&Member),
    ) -> Option<Bundle> {
        let bundle = Bundle::read(inputs, limits, Reading::Stream, each);
        (!bundle.early_budget || bundle.heap_bytes <= limits.max_bundle_bytes).then_some(bundle)
    }

    /// The path prefix of each INPUT's members: empty for a single INPUT, else its file name
    /// and `/` (as [`Bundle::prefixes`] holds them once read).
    pub fn input_prefixes(inputs: &[String]) -> Vec<String> {
        if inputs.len() > 1 {
            Bundle::input_names(inputs)
                .into_iter()
                .map(|name| format!("{name}/"))
                .collect()
        } else {
            vec![String::new(); inputs.len()]
        }
    }

    fn read(
        inputs: &[String],
        limits: &Limits,
        reading: Reading,
        each: &mut dyn FnMut(&Member),
    ) -> Bundle {
        let mut reader = Reader {
            bundle: Bundle::default(),
            reading,
            streaming: 0,
            each,
        };
        for (input, prefix) in inputs.iter().zip(Bundle::input_prefixes(inputs)) {
            reader.open_input(input, &prefix, limits);
            reader.bundle.prefixes.push(prefix);
        }
        reader.bundle
    }
    fn problem(&mut self, path: impl Into<String>, offset: Option<u64>, reason: impl Into<String>) {
        self.problems.push(InputProblem::new(path, offset, reason));
    }
}

/// How a `.tgz` is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reading {
    /// Inflated whole, then listed ([`Bundle::open`]).
    Whole,
    /// Inflated as a stream, each member handed on as it comes ([`Bundle::open_each`]).
    Stream,
}

/// A bundle being read, and who gets each member as it is read.
struct Reader<'f> {
    bundle: Bundle,
    reading: Reading,
    /// How many streamed `.tgz`s the blob being read is inside.
    streaming: u32,
    each: &'f mut dyn FnMut(&Member),
}

impl std::ops::Deref for Reader<'_> {
    type Target = Bundle;
    fn deref(&self) -> &Bundle {
        &self.bundle
    }
}

impl std::ops::DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut Bundle {
        &mut self.bundle
    }
}

impl Reader<'_> {
    fn open_input(&mut self, input: &str, prefix: &str, limits: &Limits) {
        if input == "-" {
            let mut data = Vec::new();
            let cap = limits.max_member_bytes.min(limits.max_bundle_bytes);
            // `cap + 1` wrapped to 0 when both caps were at their maximum, and stdin was read as
            // empty without a word: saturate.
            let probe = cap.saturating_add(1);
            match std::io::stdin().lock().take(probe).read_to_end(&mut data) {
                Ok(_) if data.len() as u64 > cap => self.problem(
                    "-",
                    None,
                    format!("stdin holds more than {cap} bytes (raise --max-member-bytes)"),
                ),
                Ok(_) => {
                    let name = prefix.strip_suffix('/').unwrap_or("-");
                    let name = if name.is_empty() { "-" } else { name };
                    self.heap_bytes = self.heap_bytes.saturating_add(data.len() as u64);
                    self.add_blob(
                        Blob::owned(name, data, None),
                        Nesting::Input(prefix),
                        0,
                        limits,
                    )
                }
                Err(e) => self.problem("-", None, format!("cannot read stdin: {e}")),
            }
            return;
        }
        let path = Path::new(input);
        match fs::symlink_metadata(path).and_then(|m| {
            // An INPUT named on the command line is followed even if it is a link.
            if m.file_type().is_symlink() {
                fs::metadata(path)
            } else {
                Ok(m)
            }
        }) {
            Ok(meta) if meta.is_dir() => self.walk_dir(path, prefix, limits),
            Ok(meta) if meta.is_file() => {
                let name = if prefix.is_empty() {
                    file_name(path)
                } else {
                    prefix.trim_end_matches('/').to_string()
                };
                self.add_file(path, &name, Nesting::Input(prefix), limits)
            }
            Ok(_) => self.problem(input, None, "not a regular file or directory"),
            Err(e) => self.problem(input, None, format!("cannot open: {e}")),
        }
    }

    fn walk_dir(&mut self, root: &Path, prefix: &str, limits: &Limits) {
        let mut stack = vec![(root.to_path_buf(), String::new())];
        while let Some((dir, rel)) = stack.pop() {
            let mut entries: Vec<_> = match fs::read_dir(&dir) {
                Ok(rd) => rd.filter_map(Result::ok).collect(),
                Err(e) => {
                    self.problem(
                        format!("{prefix}{rel}"),
                        None,
                        format!("cannot list directory: {e}"),
                    );
                    continue;
                }
            };
            entries.sort_by_key(|e| e.file_name());
            let mut subdirs = Vec::new();
            for entry in entries {
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel_path = if rel.is_empty() {
                    name
                } else {
                    format!("{rel}/{name}")
                };
                let shown = format!("{prefix}{rel_path}");
                match entry.file_type() {
                    Ok(t) if t.is_symlink() => self.skipped.push(Skipped {
                        path: shown,
                        reason: "symbolic link (not followed)",
                    }),
                    Ok(t) if t.is_dir() => subdirs.push((entry.path(), rel_path)),
                    Ok(t) if t.is_file() => {
                        self.add_file(&entry.path(), &shown, Nesting::Member, limits)
                    }
                    Ok(_) => self.skipped.push(Skipped {
                        path: shown,
                        reason: "not a regular file",
                    }),
                    Err(e) => self.problem(shown, None, format!("cannot stat: {e}")),
                }
            }
            // Depth-first in name order: push in reverse so the first name is walked first.
            stack.extend(subdirs.into_iter().rev());
        }
    }

    fn add_file(&mut self, path: &Path, shown: &str, nesting: Nesting<'_>, limits: &Limits) {
        let file = match fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return self.problem(shown, None, format!("cannot open: {e}")),
        };
        let meta = file.metadata().ok();
        let mtime = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        let buffer = if meta.as_ref().is_some_and(|m| m.len() == 0) {
            Buffer::Owned(Vec::new())
        } else {
            match mmap::map(&file) {
                Ok(m) => Buffer::Mapped(m),
                Err(e) => return self.problem(shown, None, format!("cannot map: {e}")),
            }
        };
        let len = buffer.bytes().len();
        let blob = Blob {
            path: shown.to_string(),
            buffer: Arc::new(buffer),
            range: 0..len,
            mtime,
            decompressed: false,
        };
        self.add_blob(blob, nesting, 0, limits);
    }

    /// Adds a blob: decompresses it if it is gzip, expands it if it is a tar archive, else keeps
    /// it as a member.
    fn add_blob(&mut self, blob: Blob, nesting: Nesting<'_>, depth: u32, limits: &Limits) {
        let data = blob.bytes();
        match archive::Container::sniff(data) {
            archive::Container::Gzip => {
                // A compressed tar (`.tgz`) is the bundle, not one member of it: its size is
                // bounded by the bundle's budget (its members are slices of it). A compressed
                // file is one member. The first block tells which.
                let room = limits.max_bundle_bytes.saturating_sub(self.heap_bytes);
                let head = archive::gunzip(data, TAR_SNIFF_BYTES.min(room));
                let holds_tar = matches!(
                    archive::Container::sniff(&head.data),
                    archive::Container::Tar
                );
                let budget = if holds_tar {
                    room
                } else {
                    limits.max_member_bytes.min(room)
                };
                if self.streaming > 0 {
                    // Decompressed before the streamed archive around it is counted whole.
                    self.bundle.early_budget = true;
                }
                // A tar at a depth where it is still read is streamed, when the caller takes
                // members as they come.
                if holds_tar && self.reading == Reading::Stream && depth < limits.max_depth {
                    return self.add_tgz(blob, nesting, depth, budget, limits);
                }
                let out = archive::gunzip(data, budget);
                let kind = if holds_tar || budget < limits.max_member_bytes {
                    LimitKind::BundleBytes
                } else {
                    LimitKind::MemberBytes
                };
                let (problems, padding) = gzip_problems(
                    &blob.path,
                    &out.error,
                    &out.trailing,
                    out.padding.is_some(),
                    out.capped.then_some((budget, kind)),
                );
                self.bundle.problems.extend(problems);
                self.bundle.skipped.extend(padding);
                self.add_gunzipped(blob, out.data, nesting, depth, limits);
            }
            archive::Container::Tar => self.add_tar(blob, nesting, depth, limits),
            archive::Container::Unsupported(what) => self.problem(
                &blob.path,
                Some(0),
                format!("compressed with {what}, which pvelog does not read: decompress it first"),
            ),
            archive::Container::Plain => self.push_member(blob, limits),
        }
    }

    /// Goes on with the decompressed bytes `data` of the gzip blob `blob`.
    fn add_gunzipped(
        &mut self,
        blob: Blob,
        data: Vec<u8>,
        nesting: Nesting<'_>,
        depth: u32,
        limits: &Limits,
    ) {
        self.heap_bytes = self.heap_bytes.saturating_add(data.len() as u64);
        let inner = Blob {
            path: blob.path,
            range: 0..data.len(),
            buffer: Arc::new(Buffer::Owned(data)),
            mtime: blob.mtime,
            decompressed: true,
        };
        // The decompressed bytes may be a tar (a `.tgz`, at this depth), gzip again (a
        // `.gz.gz`: one level deeper) or a member.
        match archive::Container::sniff(inner.bytes()) {
            archive::Container::Gzip if depth.saturating_add(1) >= limits.max_depth => self
                .problem(
                    &inner.path,
                    Some(0),
                    format!(
                        "gzip inside gzip nested deeper than {} levels (raise it with {}): not read",
                        limits.max_depth,
                        LimitKind::NestingDepth.flag()
                    ),
                ),
            archive::Container::Gzip => {
                self.add_blob(inner, nesting, depth.saturating_add(1), limits)
            }
            _ => self.add_blob(inner, nesting, depth, limits),
        }
    }

    fn add_tar(&mut self, blob: Blob, nesting: Nesting<'_>, depth: u32, limits: &Limits) {
        if depth >= limits.max_depth {
            return self.problem(
                &blob.path,
                None,
                format!(
                    "archive nested deeper than {} levels (raise it with {})",
                    limits.max_depth,
                    LimitKind::NestingDepth.flag()
                ),
            );
        }
        let member_prefix = match nesting {
            Nesting::Input(prefix) => prefix.to_string(),
            Nesting::Member => format!("{}!", blob.path),
        };
        let listing = archive::list_tar(blob.bytes());
        for (path, reason) in listing.passed_over {
            self.skipped.push(Skipped {
                path: format!("{member_prefix}{path}"),
                reason,
            });
        }
        for entry in listing.entries {
            let path = format!("{member_prefix}{}", entry.path);
            if let Some(reason) = entry.truncated {
                self.problem(&path, Some(entry.data_offset as u64), reason);
            }
            let start = blob.range.start + entry.data.start;
            let end = blob.range.start + entry.data.end;
            let child = Blob {
                path,
                buffer: Arc::clone(&blob.buffer),
                range: start..end,
                mtime: entry.mtime,
                decompressed: false,
            };
            self.add_blob(child, Nesting::Member, depth.saturating_add(1), limits);
        }
        if let Some(err) = listing.error {
            self.problem(&blob.path, Some(err.offset), err.reason);
        }
    }

    /// Reads a compressed tar as a stream, each member handed on as soon as it is inflated.
    /// Gives the members, problems and skipped entries that [`archive::gunzip`] then
    /// [`Reader::add_tar`] give, in the same order: what only the end of the stream tells (the
    /// gzip stream's damage, padding and cap) is put back where reading it whole puts it.
    fn add_tgz(
        &mut self,
        blob: Blob,
        nesting: Nesting<'_>,
        depth: u32,
        budget: u64,
        limits: &Limits,
    ) {
        let problems_at = self.problems.len();
        let skipped_at = self.skipped.len();
        let member_prefix = match nesting {
            Nesting::Input(prefix) => prefix.to_string(),
            Nesting::Member => format!("{}!", blob.path),
        };
        let mut passed = Vec::new();
        let mut stream = archive::GzStream::new(blob.bytes(), budget);
        self.streaming += 1;
        let damage = archive::stream_tar(&mut stream, &mut |item| match item {
            archive::TarItem::PassedOver(path, reason) => passed.push(Skipped {
                path: format!("{member_prefix}{path}"),
                reason,
            }),
            archive::TarItem::File {
                path,
                data,
                data_offset,
                mtime,
                truncated,
            } => {
                let path = format!("{member_prefix}{path}");
                if let Some(reason) = truncated {
                    self.problem(&path, Some(data_offset as u64), reason);
                }
                let len = data.len();
                let child = Blob {
                    path,
                    buffer: Arc::new(Buffer::Owned(data)),
                    range: 0..len,
                    mtime,
                    decompressed: false,
                };
                self.add_blob(child, Nesting::Member, depth.saturating_add(1), limits);
            }
        });
        self.streaming -= 1;
        if let Some(err) = damage {
            self.problem(&blob.path, Some(err.offset), err.reason);
        }
        let status = stream.finish();
        let (problems, padding) = gzip_problems(
            &blob.path,
            &status.error,
            &status.trailing,
            status.padding.is_some(),
            status.capped.then_some((budget, LimitKind::BundleBytes)),
        );
        if let Some(head) = stream.too_short_for_tar() {
            // Damage or the cap left too few bytes to be a tar (its first block told that it
            // is one): no member was handed out, and the bytes are read as they are.
            self.bundle.problems.truncate(problems_at);
            self.bundle.problems.extend(problems);
            self.bundle.skipped.extend(padding);
            return self.add_gunzipped(blob, head, nesting, depth, limits);
        }
        self.heap_bytes = self.heap_bytes.saturating_add(stream.produced());
        self.bundle
            .problems
            .splice(problems_at..problems_at, problems);
        self.bundle
            .skipped
            .splice(skipped_at..skipped_at, padding.into_iter().chain(passed));
    }

    fn push_member(&mut self, blob: Blob, limits: &Limits) {
        if self.members.len() >= limits.max_members {
            if self.members.len() == limits.max_members {
                self.problem(
                    &blob.path,
                    None,
                    format!(
                        "more than {} members: this one and the rest are not read (raise it with {})",
                        limits.max_members,
                        LimitKind::Members.flag()
                    ),
                );
            }
            return;
        }
        let member = Member {
            path: blob.path,
            mtime: blob.mtime,
            decompressed: blob.decompressed,
            buffer: blob.buffer,
            range: blob.range,
        };
        (self.each)(&member);
        self.bundle.members.push(member);
    }
}

/// What a gzip stream's end says, as problems and a skipped entry of the blob at `path`: where
/// it broke, bytes after its last member, zero padding, and the cap (`budget`, the flag's kind)
/// when it bit.
fn gzip_problems(
    path: &str,
    error: &Option<archive::Damage>,
    trailing: &Option<archive::Damage>,
    padding: bool,
    capped: Option<(u64, LimitKind)>,
) -> (Vec<InputProblem>, Option<Skipped>) {
    let mut problems = Vec::new();
    for err in [error, trailing].into_iter().flatten() {
        problems.push(InputProblem::new(
            path,
            Some(err.offset),
            err.reason.clone(),
        ));
    }
    if let Some((budget, kind)) = capped {
        problems.push(InputProblem::new(
            path,
            None,
            format!(
                "decompressed size exceeds the limit of {budget} bytes (raise it with {}); only the first {budget} bytes were read",
                kind.flag()
            ),
        ));
    }
    let padding = padding.then(|| Skipped {
        path: path.to_string(),
        reason: "zero bytes after the last gzip member (padding)",
    });
    (problems, padding)
}

/// Where a blob sits, which decides how the members of an archive blob are named.
#[derive(Clone, Copy, Debug)]
enum Nesting<'a> {
    /// The blob is an INPUT itself: its members take the INPUT's prefix.
    Input(&'a str),
    /// The blob is a member of a directory or archive: its members are `path!member`.
    Member,
}

/// Bytes on their way to becoming a member.
struct Blob {
    path: String,
    buffer: Arc<Buffer>,
    range: Range<usize>,
    mtime: Option<i64>,
    decompressed: bool,
}

impl Blob {
    fn owned(path: &str, data: Vec<u8>, mtime: Option<i64>) -> Blob {
        let len = data.len();
        Blob {
            path: path.to_string(),
            buffer: Arc::new(Buffer::Owned(data)),
            range: 0..len,
            mtime,
            decompressed: false,
        }
    }

    fn bytes(&self) -> &[u8] {
        self.buffer
            .bytes()
            .get(self.range.clone())
            .unwrap_or_default()
    }
}

impl Bundle {
    /// The name each INPUT's members are prefixed with when there are several INPUTs.
    pub fn input_names(inputs: &[String]) -> Vec<String> {
        inputs
            .iter()
            .map(|i| {
                if i == "-" {
                    "-".to_string()
                } else {
                    file_name(Path::new(i))
                }
            })
            .collect()
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    //! Reading a `.tgz` as a stream gives what reading it whole gives: the same members in the
    //! same order, the same problems at the same offsets, the same skipped entries, and each
    //! member handed out once, in order. Damaged archives are cut and flipped everywhere.

    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).expect("in memory");
        e.finish().expect("in memory")
    }

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(1_753_783_000);
            h.set_cksum();
            b.append_data(&mut h, name, *data).expect("in memory");
        }
        let mut link = tar::Header::new_gnu();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        link.set_link_name("/etc/shadow").expect("short");
        link.set_cksum();
        b.append_data(&mut link, "a/link", &[][..])
            .expect("in memory");
        b.into_inner().expect("in memory")
    }

    /// Everything a read gives, as text to compare.
    fn seen(bundle: &Bundle) -> String {
        let members: Vec<_> = bundle
            .members
            .iter()
            .map(|m| (&m.path, m.mtime, m.decompressed, m.bytes()))
            .collect();
        format!(
            "{members:?}\n{:#?}\n{:?}\n{:?}",
            bundle.problems, bundle.skipped, bundle.prefixes
        )
    }

    /// Reads `data` both ways and requires the same result.
    fn same(data: &[u8], limits: &Limits) {
        let whole = Bundle::from_bytes("b.tgz", data.to_vec(), limits);
        let mut handed = Vec::new();
        let streamed =
            Bundle::from_bytes_each("b.tgz", data.to_vec(), limits, &mut |m: &Member| {
                handed.push((m.path.clone(), m.bytes().to_vec()))
            });
        let Some(streamed) = streamed else {
            // Reading it whole is then the answer, by contract.
            assert!(whole.heap_bytes > 0);
            return;
        };
        assert_eq!(seen(&whole), seen(&streamed));
        assert_eq!(whole.heap_bytes, streamed.heap_bytes);
        let members: Vec<_> = whole
            .members
            .iter()
            .map(|m| (m.path.clone(), m.bytes().to_vec()))
            .collect();
        assert_eq!(members, handed, "each member handed out once, in order");
    }

    fn sample() -> Vec<u8> {
        let long = format!("host/pve1/{}/kern.log", "d".repeat(150));
        let big: Vec<u8> = (0..3000u32)
            .flat_map(|i| {
                format!("Jul 29 09:56:{:02} pve1 kernel: line {i}\n", i % 60).into_bytes()
            })
            .collect();
        let rotated = gz(b"Jul 28 09:00:00 pve1 kernel: rotated\n");
        let inner = gz(&tar_of(&[("dmesg.txt", b"[    1.000000] x\n")]));
        tar_of(&[
            ("./manifest.json", b"{}"),
            (&long, b"Jul 29 09:56:40 pve1 kernel: a\n"),
            ("host/pve1/var/log/syslog", &big),
            ("host/pve1/var/log/kern.log.2.gz", &rotated),
            ("guest/101/logs.tgz", &inner),
            ("empty.log", b""),
        ])
    }

    #[test]
    fn a_whole_tgz_reads_the_same_both_ways() {
        let tgz = gz(&sample());
        same(&tgz, &Limits::default());
        let mut padded = tgz.clone();
        padded.extend_from_slice(&[0; 700]);
        same(&padded, &Limits::default());
        let mut garbage = tgz.clone();
        garbage.extend_from_slice(b"not gzip");
        same(&garbage, &Limits::default());
        let mut two = gz(&sample());
        two.extend(gz(b"\0\0\0\0more after the tar's end"));
        same(&two, &Limits::default());
        let mut after = sample();
        after.extend_from_slice(b"GARBAGE after the archive");
        same(&gz(&after), &Limits::default());
    }

    #[test]
    fn a_cut_tgz_reads_the_same_both_ways_wherever_it_is_cut() {
        let tgz = gz(&sample());
        for cut in (0..tgz.len()).step_by(7).chain([tgz.len() - 1]) {
            same(&tgz[..cut], &Limits::default());
        }
        // A tar cut inside its blocks, compressed whole.
        let tar = sample();
        for cut in (0..tar.len()).step_by(97).chain(
            [512, 1024, 1536, 2048]
                .into_iter()
                .flat_map(|b| [b - 1, b, b + 1]),
        ) {
            same(&gz(&tar[..cut.min(tar.len())]), &Limits::default());
        }
    }

    #[test]
    fn a_damaged_tgz_reads_the_same_both_ways() {
        let tgz = gz(&sample());
        for at in (10..tgz.len()).step_by(13) {
            let mut bad = tgz.clone();
            bad[at] ^= 0x5a;
            same(&bad, &Limits::default());
        }
        let tar = sample();
        for at in (0..tar.len()).step_by(61) {
            let mut bad = tar.clone();
            bad[at] ^= 0xff;
            same(&gz(&bad), &Limits::default());
        }
    }

    #[test]
    fn caps_bite_the_same_both_ways() {
        let tgz = gz(&sample());
        let total = sample().len() as u64;
        for cap in [
            0,
            100,
            511,
            512,
            1000,
            5000,
            total / 2,
            total - 1,
            total,
            total + 1,
        ] {
            let limits = Limits {
                max_bundle_bytes: cap + tgz.len() as u64,
                ..Limits::default()
            };
            same(&tgz, &limits);
            let limits = Limits {
                max_member_bytes: cap,
                ..Limits::default()
            };
            same(&tgz, &limits);
        }
        for depth in 0..4 {
            let limits = Limits {
                max_depth: depth,
                ..Limits::default()
            };
            same(&tgz, &limits);
        }
        let limits = Limits {
            max_members: 3,
            ..Limits::default()
        };
        same(&tgz, &limits);
    }

    #[test]
    fn a_bundle_over_budget_after_a_nested_member_is_read_whole() {
        // The rotated log inside is inflated before the archive is counted whole: when the sum
        // exceeds the budget, the streamed read declines rather than differ.
        let tar = sample();
        let tgz = gz(&tar);
        let limits = Limits {
            max_bundle_bytes: tgz.len() as u64 + tar.len() as u64 + 10,
            ..Limits::default()
        };
        let streamed = Bundle::from_bytes_each("b.tgz", tgz.clone(), &limits, &mut |_| {});
        assert!(streamed.is_none());
        same(&tgz, &limits);
    }
}
