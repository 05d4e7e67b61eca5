//! A `.tgz` read as a stream gives the directory's answers.
//!
//! `pvelog` parses each member of a `.tgz` while the next one is inflated
//! (`analysis::open`); nothing of that may show in the output. Every directory case of
//! `corpora/` (the golden bundles, the scenarios, the time-truth and correlation bundles) is
//! packed as a `.tgz` (members in reverse name order, each with its file's modification time)
//! and `diagnose --format json` and `timeline --format jsonl` must print the same bytes, with the
//! same exit code, for the `.tgz` and for the directory. The unit tests of `bundle` compare the
//! streamed read with the whole one on cut, damaged and capped archives.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on purpose"
)]

mod support;

use std::path::Path;

use support::{bundles, corpora, dirs_in, pvelog, tgz_with_mtimes};

fn output(args: &[&str], input: &Path) -> (Vec<u8>, Option<i32>) {
    let out = pvelog().args(args).arg(input).output().unwrap();
    (out.stdout, out.status.code())
}

#[test]
fn a_streamed_tgz_gives_the_directorys_answers() {
    let root = corpora();
    let mut cases = bundles();
    cases.extend(
        dirs_in(&root.join("scenarios"), Some("expected.json"))
            .into_iter()
            .map(|d| d.join("bundle")),
    );
    cases.extend(
        dirs_in(&root.join("time-truth"), Some("truth.json"))
            .into_iter()
            .map(|d| d.join("bundle")),
    );
    cases.extend(dirs_in(&root.join("correlation"), None));
    assert!(cases.len() > 20, "the corpora are there");
    let tmp = tempfile::tempdir().unwrap();
    for (i, dir) in cases.iter().enumerate() {
        let tgz = tmp.path().join(format!("case{i}.tgz"));
        std::fs::write(&tgz, tgz_with_mtimes(dir)).unwrap();
        for args in [
            &["diagnose", "--format", "json", "-q"][..],
            &["timeline", "--format", "jsonl", "-q"][..],
        ] {
            let from_dir = output(args, dir);
            let from_tgz = output(args, &tgz);
            assert!(!from_dir.0.is_empty(), "{}", dir.display());
            assert!(
                from_dir == from_tgz,
                "{} {args:?}: the directory and its .tgz differ",
                dir.display()
            );
        }
    }
}
