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
        let mut bundle = Bundle {
            heap_bytes: data.len() as u64,
            ..Bundle::default()
        };
        bundle.add_blob(Blob::owned(name, data, None), Nesting::Input(""), 0, limits);
        bundle.prefixes.push(String::new());
        bundle
    }

    /// Reads every INPUT. `-` is stdin. Problems are collected, never fatal.
    ///
    /// With several INPUTs, each member path is prefixed by its INPUT's file name; two INPUTs
    /// with the same file name would give the same paths, so [`Bundle::input_names`] lets the
    /// caller refuse them first.
    pub fn open(inputs: &[String], limits: &Limits) -> Bundle {
        let mut bundle = Bundle::default();
        let several = inputs.len() > 1;
        for input in inputs {
            let prefix = if several {
                let name = Bundle::input_names(std::slice::from_ref(input)).concat();
                format!("{name}/")
            } else {
                String::new()
            };
            bundle.open_input(input, &prefix, limits);
            bundle.prefixes.push(prefix);
        }
        bundle
    }

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
                let out = archive::gunzip(data, budget);
                if let Some(err) = &out.error {
                    self.problem(&blob.path, Some(err.offset), err.reason.clone());
                }
                if let Some(err) = &out.trailing {
                    self.problem(&blob.path, Some(err.offset), err.reason.clone());
                }
                if out.padding.is_some() {
                    self.skipped.push(Skipped {
                        path: blob.path.clone(),
                        reason: "zero bytes after the last gzip member (padding)",
                    });
                }
                if out.capped {
                    let kind = if holds_tar || budget < limits.max_member_bytes {
                        LimitKind::BundleBytes
                    } else {
                        LimitKind::MemberBytes
                    };
                    self.problem(
                        &blob.path,
                        None,
                        format!(
                            "decompressed size exceeds the limit of {budget} bytes (raise it with {}); only the first {budget} bytes were read",
                            kind.flag()
                        ),
                    );
                }
                self.heap_bytes = self.heap_bytes.saturating_add(out.data.len() as u64);
                let inner = Blob {
                    path: blob.path,
                    range: 0..out.data.len(),
                    buffer: Arc::new(Buffer::Owned(out.data)),
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
            archive::Container::Tar => self.add_tar(blob, nesting, depth, limits),
            archive::Container::Unsupported(what) => self.problem(
                &blob.path,
                Some(0),
                format!("compressed with {what}, which pvelog does not read: decompress it first"),
            ),
            archive::Container::Plain => self.push_member(blob, limits),
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
        self.members.push(Member {
            path: blob.path,
            mtime: blob.mtime,
            decompressed: blob.decompressed,
            buffer: blob.buffer,
            range: blob.range,
        });
    }

    fn problem(&mut self, path: impl Into<String>, offset: Option<u64>, reason: impl Into<String>) {
        self.problems.push(InputProblem::new(path, offset, reason));
    }
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
