//! What the fuzz targets share: the limits they run under and the invariants they assert.

#![allow(dead_code, reason = "each target uses part of it")]

use pvelog::analysis::{self, Options};
use pvelog::bundle::Bundle;
use pvelog::formats::{self, FormatKind};
use pvelog::limits::Limits;

/// Limits that keep one input within the fuzzing memory budget (`-rss_limit_mb=1024`): a member,
/// a journal payload and a journal file's decoded payloads are all capped well below it.
pub fn limits() -> Limits {
    Limits {
        max_member_bytes: 64 << 20,
        max_bundle_bytes: 128 << 20,
        max_line_bytes: 1 << 16,
        max_object_bytes: 16 << 20,
        max_decoded_bytes: 64 << 20,
        ..Limits::default()
    }
}

/// Parses `data` as the registry format `name` and asserts the parse invariants.
pub fn check_format(name: &str, data: &[u8]) {
    let Some(kind) = FormatKind::from_name(name) else {
        panic!("{name} is not a registry format");
    };
    let parsed = formats::parse(kind, data, &limits());
    if let Err(e) = formats::check_invariants(data, &parsed) {
        panic!("{name}: {e}");
    }
}

/// Reads `data` as a bundle INPUT named `name` and asserts the parse invariants of every member
/// (detected, or forced by `overrides`). With `analyze`, also runs the whole analysis, renders
/// the timeline and the diagnosis, and asserts that every placed time is one RFC 3339 can write
/// and that the order holds every event once. (The analysis compiles the signal table each
/// time, tens of milliseconds: only some inputs pay for it, or the reader would be fuzzed at a
/// few executions a second.)
pub fn check_bundle(
    name: &str,
    data: Vec<u8>,
    overrides: Vec<(String, FormatKind)>,
    analyze: bool,
) {
    use chrono::Datelike;
    let limits = limits();
    // A `.tgz` read as a stream gives what reading it whole gives (or declines, by contract).
    let mut handed = Vec::new();
    let streamed = Bundle::from_bytes_each(name, data.clone(), &limits, &mut |m| {
        handed.push((m.path.clone(), m.bytes().to_vec()));
    });
    let bundle = Bundle::from_bytes(name, data, &limits);
    if let Some(streamed) = streamed {
        let members = |b: &Bundle| -> Vec<(String, Vec<u8>)> {
            b.members
                .iter()
                .map(|m| (m.path.clone(), m.bytes().to_vec()))
                .collect()
        };
        assert_eq!(
            members(&bundle),
            members(&streamed),
            "streamed members differ"
        );
        assert_eq!(members(&bundle), handed, "members handed out differ");
        assert_eq!(
            bundle.problems, streamed.problems,
            "streamed problems differ"
        );
        assert_eq!(bundle.skipped, streamed.skipped, "streamed skipped differ");
    }
    for member in &bundle.members {
        let data = member.bytes();
        let kind = overrides
            .first()
            .map_or_else(|| formats::detect(&member.path, data), |o| o.1);
        let parsed = formats::parse(kind, data, &limits);
        if let Err(e) = formats::check_invariants(data, &parsed) {
            panic!("{} ({}): {e}", member.path, kind.as_str());
        }
    }
    if !analyze {
        return;
    }
    let options = Options {
        limits,
        format_overrides: overrides,
        ..Options::default()
    };
    let analysis = analysis::analyze(&bundle, &options);
    for source in &analysis.sources {
        if let Err(e) = formats::check_invariants(source.data, &source.parsed) {
            panic!("{} ({}): {e}", source.path, source.parsed.kind.as_str());
        }
        for e in &source.parsed.events {
            if let Some(t) = e.time {
                assert!(
                    (0..=9999).contains(&t.year()),
                    "{}: event at offset {} placed in year {}",
                    source.path,
                    e.offset,
                    t.year()
                );
            }
        }
    }
    let ordered = analysis.order.len();
    let total: usize = analysis.sources.iter().map(|s| s.parsed.events.len()).sum();
    assert_eq!(ordered, total, "every event appears once in the order");
    let mut sink = std::io::sink();
    let _ = pvelog::output::timeline::write_jsonl(&analysis, &Default::default(), &mut sink);
    let _ = pvelog::diagnose::diagnose(&analysis, None);
}
