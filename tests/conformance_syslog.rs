//! Conformance over the real syslog samples in `../shared/formats/samples/syslog` (plaso's test
//! data: RFC 3164, rsyslog's RFC 3339 file format, RFC 5424, forwarding formats with records
//! stored back to back, ChromeOS). Skips cleanly when the folder is absent; the samples are read
//! in place, never copied into this repository.

use std::path::Path;

use pvelog::formats::{self, FormatKind};
use pvelog::limits::Limits;

/// Expected unparsed lines per file, each non-zero count explained.
const EXPECTED_UNPARSED: &[(&str, u64)] = &[
    // Line 8 is `MMM 22 07:54:32 …`: plaso's deliberate bad month. It starts like a record, so it
    // is counted as unparsed rather than glued to the record above.
    ("syslog", 1),
    ("syslog_chromeos", 0),
    ("syslog_cron.log", 0),
    ("syslog_rsyslog", 0),
    ("syslog_rsyslog_ForwardFormat", 0),
    ("syslog_rsyslog_SysklogdFileFormat", 0),
    ("syslog_rsyslog_SyslogProtocol23Format", 0),
    ("syslog_rsyslog_TraditionalForwardFormat", 0),
    ("syslog_rsyslog_traditional", 0),
    ("syslog_ssh.log", 0),
];

#[test]
fn plaso_syslog_samples() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/formats/samples/syslog/plaso");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        assert_eq!(formats::detect(&name, &data), FormatKind::Syslog, "{name}");
        let parsed = formats::parse(FormatKind::Syslog, &data, &Limits::default());
        assert!(parsed.stats.balanced(), "{name}: {:?}", parsed.stats);
        let expected = EXPECTED_UNPARSED
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name}: new sample, add it to EXPECTED_UNPARSED"))
            .1;
        assert_eq!(
            parsed.stats.unparsed_lines, expected,
            "{name}: {:?}",
            parsed.unparsed_examples
        );
        assert!(!parsed.events.is_empty(), "{name}");
        seen += 1;
    }
    assert_eq!(seen, EXPECTED_UNPARSED.len());
}

/// The forwarding formats store records back to back: every `<PRI>` header is its own event,
/// and no message still holds the header of the next record.
#[test]
fn forwarded_records_are_split() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/formats/samples/syslog/plaso");
    for name in [
        "syslog_rsyslog_TraditionalForwardFormat",
        "syslog_rsyslog_ForwardFormat",
    ] {
        let Ok(data) = std::fs::read(dir.join(name)) else {
            eprintln!("skipped: samples absent");
            return;
        };
        let parsed = formats::parse(FormatKind::Syslog, &data, &Limits::default());
        // Nine records, each header `<PRI>` followed by a timestamp.
        assert_eq!(parsed.events.len(), 9, "{name}");
        for event in &parsed.events {
            let msg = String::from_utf8_lossy(&event.message);
            assert!(
                !msg.contains(">Mar  6 ") && !msg.contains(">2021-03-06T"),
                "{name}: {msg}"
            );
        }
    }
}
