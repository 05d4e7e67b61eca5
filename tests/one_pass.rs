//! Every command runs the signal pass once: `timeline`, `diagnose`, `boots`, `sources`,
//! `report` and `timeline --incident` each match every record against the signal table exactly once
//! (ARCHITECTURE.md, "one analysis"). The counter is process-wide, so this file holds a single
//! test that runs the commands one after another.

use clap::Parser;
use pvelog::cli::{Cli, execute};
use pvelog::signals;

#[test]
fn each_command_matches_the_records_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    for bundle in ["corpora/bundles/pve-oom", "corpora/bundles/boots"] {
        let bundle = format!("{}/{bundle}", env!("CARGO_MANIFEST_DIR"));
        for args in [
            &["timeline"][..],
            &["timeline", "--format", "jsonl"],
            &["timeline", "--incident"],
            &["diagnose"],
            &["diagnose", "--format", "json"],
            &["boots"],
            &["sources", "--format", "json"],
            &["report", "--format", "json"],
            &["report", "--format", "html"],
        ] {
            let mut argv = vec!["pvelog"];
            argv.extend_from_slice(args);
            argv.extend(["--quiet", "-o", out, bundle.as_str()]);
            let cli = Cli::try_parse_from(&argv).unwrap();
            let before = signals::passes();
            execute(&cli).unwrap();
            assert_eq!(
                signals::passes() - before,
                1,
                "{argv:?} ran the signal pass more than once"
            );
        }
    }
}
