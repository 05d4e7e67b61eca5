//! Golden tests over `corpora/`: the text and JSON outputs of every bundle are pinned as insta
//! snapshots, and every line of every corpus file is accounted for.
//!
//! Update the snapshots with `cargo insta review` (or `INSTA_UPDATE=always cargo test`) after a
//! deliberate change, and read the diff: it is the change in what an SRE sees.

mod support;

use pvelog::analysis::{self, Options};
use pvelog::bundle::{Bundle, Limits};
use support::{bundles, pvelog};

fn run(args: &[&str]) -> String {
    let out = pvelog().args(args).output().expect("run pvelog");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn golden_outputs() {
    for dir in bundles() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let path = dir.to_str().unwrap();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(name.clone());
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| {
            insta::assert_snapshot!(
                "timeline_text",
                run(&["timeline", "--color", "never", path])
            );
            insta::assert_snapshot!(
                "timeline_jsonl",
                run(&["timeline", "--format", "jsonl", path])
            );
            insta::assert_snapshot!("sources_text", run(&["sources", path]));
            insta::assert_snapshot!("sources_json", run(&["sources", "--format", "json", path]));
            insta::assert_snapshot!("diagnose_text", run(&["diagnose", path]));
            insta::assert_snapshot!(
                "diagnose_json",
                run(&["diagnose", "--format", "json", path])
            );
            insta::assert_snapshot!("boots_text", run(&["boots", path]));
            insta::assert_snapshot!("boots_json", run(&["boots", "--format", "json", path]));
        });
    }
}

/// events + banners + blank + unparsed = lines, for every source, and the line totals match
/// the files: nothing in the corpora is silently dropped.
#[test]
fn every_corpus_line_is_accounted_for() {
    for dir in bundles() {
        let bundle = Bundle::open(&[dir.to_string_lossy().into_owned()], &Limits::default());
        assert!(bundle.problems.is_empty(), "{:?}", bundle.problems);
        let analysis = analysis::analyze(&bundle, &Options::default());
        for source in &analysis.sources {
            let st = &source.parsed.stats;
            assert!(st.balanced(), "{}: {st:?}", source.path);
            let bytes = std::fs::read(dir.join(&source.path)).unwrap();
            assert_eq!(
                st.lines,
                pvelog::framing::count_lines(&bytes),
                "{}",
                source.path
            );
            let first_lines: u64 = source
                .parsed
                .events
                .iter()
                .map(|e| u64::from(e.lines))
                .sum();
            assert_eq!(first_lines, st.event_lines, "{}", source.path);
        }
        let parsed_members = analysis.sources.len() + analysis.manifests.len();
        assert_eq!(parsed_members, bundle.members.len(), "{}", dir.display());
    }
}

/// The OOM kill of the pve-oom bundle is in the host's kern.log (local time, no year) and its
/// journal (an offset written): the journal's copy is the primary one, the kern.log's is seen
/// elsewhere, whichever copy one asks from.
#[test]
fn the_primary_copy_of_a_record_seen_twice_is_the_journals() {
    let dir = support::corpora().join("bundles/pve-oom");
    let bundle = Bundle::open(&[dir.to_str().unwrap().to_string()], &Limits::default());
    let analysis = analysis::analyze(&bundle, &Options::default());
    let kill = analysis
        .order
        .iter()
        .find(|r| {
            let s = &analysis.sources[r.source as usize];
            s.path.ends_with("kern.log")
                && s.parsed.events[r.event as usize]
                    .message
                    .starts_with(b"Out of memory: Killed process")
        })
        .copied()
        .expect("the kill in kern.log");
    let (primary, also) = analysis.copies(kill).expect("seen twice");
    assert!(
        analysis.sources[primary.source as usize]
            .path
            .ends_with("journal.txt")
    );
    assert_eq!(also, vec![kill]);
    assert_eq!(analysis.copies(primary).map(|(p, _)| p), Some(primary));
}
