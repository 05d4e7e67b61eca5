//! Parser throughput in MB/s, one criterion group per format, over corpus files repeated to a
//! few megabytes (real lines, enough volume to measure). Each iteration checks the result, so a
//! broken parser cannot post a good number.
//!
//! Run: `cargo bench --bench parse`; criterion prints `thrpt` in MiB/s per format.

#![allow(
    missing_docs,
    reason = "criterion_group! and criterion_main! generate undocumented items"
)]

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pvelog::analysis::{self, Options};
use pvelog::bundle::{Bundle, Limits};
use pvelog::formats::{self, FormatKind};

/// Target size of each benchmark input.
const INPUT_BYTES: usize = 8 << 20;

fn corpus(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpora")
        .join(rel);
    let one = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut data = Vec::with_capacity(INPUT_BYTES + one.len());
    while data.len() < INPUT_BYTES {
        data.extend_from_slice(&one);
    }
    data
}

fn parsers(c: &mut Criterion) {
    let cases = [
        (
            "syslog-rfc3164",
            "bundles/pve-oom/host/pve1/var/log/kern.log",
            FormatKind::Syslog,
        ),
        (
            "syslog-rfc3164-guest",
            "bundles/pve-oom/guest/101-web/var/log/syslog",
            FormatKind::Syslog,
        ),
        (
            "journal-short-iso",
            "bundles/pve-oom/host/pve1/journal.txt",
            FormatKind::JournalText,
        ),
        (
            "dmesg",
            "bundles/pve-oom/guest/101-web/dmesg.txt",
            FormatKind::Dmesg,
        ),
        (
            "journal-export",
            "journal/pve-host.export",
            FormatKind::JournalExport,
        ),
    ];
    let mut group = c.benchmark_group("parse");
    for (name, rel, kind) in cases {
        let data = corpus(rel);
        let expected = formats::parse(kind, &data, &Limits::default()).events.len();
        assert!(expected > 0, "{name}: no events");
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_with_input(BenchmarkId::new(name, data.len()), &data, |b, data| {
            b.iter(|| {
                let parsed = formats::parse(kind, black_box(data), &Limits::default());
                assert_eq!(parsed.events.len(), expected);
                parsed.stats
            })
        });
        // Detection reads only the head of a member: its throughput is over those bytes.
        let head = data.len().min(formats::SNIFF_BYTES);
        group.throughput(Throughput::Bytes(head as u64));
        group.bench_with_input(
            BenchmarkId::new(format!("detect-{name}"), head),
            &data,
            |b, data| {
                b.iter(|| {
                    let detected = formats::detect(rel, black_box(data));
                    assert_eq!(detected, kind);
                })
            },
        );
    }
    group.finish();
}

/// The whole pipeline on a bundle directory: read, detect, parse, clock, merge.
fn pipeline(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/bundles/pve-oom");
    let inputs = [dir.to_string_lossy().into_owned()];
    let bytes: u64 = Bundle::open(&inputs, &Limits::default())
        .members
        .iter()
        .map(|m| m.bytes().len() as u64)
        .sum();
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("analyze-pve-oom", |b| {
        b.iter(|| {
            let bundle = Bundle::open(&inputs, &Limits::default());
            let analysis = analysis::analyze(&bundle, &Options::default());
            assert!(!analysis.order.is_empty());
            analysis.order.len()
        })
    });
    group.finish();
}

criterion_group!(benches, parsers, pipeline);
criterion_main!(benches);
