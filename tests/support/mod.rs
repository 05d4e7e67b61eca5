//! Helpers shared by the integration tests: the binary under test, the corpus paths, and
//! tarballs built from corpus directories (so the repository holds each bundle once, unpacked,
//! and tests compare the two forms).

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

use std::path::{Path, PathBuf};

use flate2::{Compression, write::GzEncoder};

/// `pvelog timeline --format jsonl --quiet INPUT`, which must succeed: one JSON value per event.
pub fn timeline_jsonl(input: &Path) -> Vec<serde_json::Value> {
    let out = pvelog()
        .args(["timeline", "--format", "jsonl", "--quiet"])
        .arg(input)
        .output()
        .expect("run pvelog");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// The `pvelog` binary.
pub fn pvelog() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("pvelog").expect("binary built");
    cmd.env_remove("NO_COLOR").env("TZ", "Pacific/Chatham");
    cmd
}

/// `corpora/` in the repository.
pub fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora")
}

/// Every bundle directory under `corpora/bundles`.
pub fn bundles() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpora().join("bundles"))
        .expect("corpora/bundles")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every file below `dir`, relative paths with `/`, sorted.
pub fn files_below(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("prefix");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A `.tar.gz` of `dir` with fixed metadata, members in reverse name order (so a test that
/// compares it with the directory also checks that output does not depend on archive order).
pub fn tgz_of(dir: &Path) -> Vec<u8> {
    pack(dir, |_| 1_753_785_000, |rel| format!("./{rel}"))
}

/// A `.tar.gz` of `dir`, members in reverse name order, each with its file's modification time
/// (which the directory read gives too, and years may be inferred from).
pub fn tgz_with_mtimes(dir: &Path) -> Vec<u8> {
    let mtime = |path: &Path| {
        std::fs::metadata(path)
            .expect("metadata")
            .modified()
            .expect("mtime")
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
    };
    pack(dir, mtime, str::to_string)
}

/// The files below `dir` in reverse name order as a `.tar.gz`, each member named by `name` from
/// its relative path and dated by `mtime` from its path.
fn pack(dir: &Path, mtime: impl Fn(&Path) -> u64, name: impl Fn(&str) -> String) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    let mut files = files_below(dir);
    files.reverse();
    for rel in files {
        let path = dir.join(&rel);
        let data = std::fs::read(&path).expect("read corpus file");
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime(&path));
        header.set_cksum();
        builder
            .append_data(&mut header, name(&rel), &data[..])
            .expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("gzip")
}

/// The directories below `dir` (holding `marker` when one is given), sorted.
pub fn dirs_in(dir: &Path, marker: Option<&str>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() && marker.is_none_or(|m| p.join(m).exists()))
        .collect();
    dirs.sort();
    dirs
}
