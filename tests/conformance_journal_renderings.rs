//! The same journal read as a journal file, as `journalctl -o export` and as `-o json` gives the
//! same events: times, identifiers, priorities, messages (byte for byte) and every field.
//! Uses `../shared/formats/samples/journal-file/synthetic-systemd252/` (a PVE OOM journal written
//! by systemd 252 and its journalctl renderings); skips cleanly when the folder is absent.

use std::collections::BTreeMap;
use std::path::Path;

use pvelog::event::Event;
use pvelog::formats::{self, FormatKind};
use pvelog::limits::Limits;

/// Fields journalctl adds around an entry rather than storing in it.
const META: &[&[u8]] = &[
    b"__CURSOR",
    b"__REALTIME_TIMESTAMP",
    b"__MONOTONIC_TIMESTAMP",
    b"_BOOT_ID",
    b"__SEQNUM",
    b"__SEQNUM_ID",
];

/// What must agree between renderings, per event.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    realtime: Option<u64>,
    monotonic: Option<u64>,
    boot: Option<Vec<u8>>,
    ident: Option<Vec<u8>>,
    pid: Option<u32>,
    priority: Option<u8>,
    message: Vec<u8>,
    fields: BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
}

fn key(e: &Event<'_>) -> Key {
    let j = e.journal.as_ref().expect("journal entry");
    let mut fields: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
    for (n, v) in j.all() {
        if !META.contains(&n.as_ref()) {
            fields.entry(n.to_vec()).or_default().push(v.to_vec());
        }
    }
    Key {
        realtime: j.realtime_us(),
        monotonic: j.monotonic_us(),
        boot: j.boot_id().map(<[u8]>::to_vec),
        ident: e.ident.map(<[u8]>::to_vec),
        pid: e.pid,
        priority: e.priority,
        message: e.message.to_vec(),
        fields,
    }
}

#[test]
fn file_export_and_json_give_identical_events() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/formats/samples/journal-file/synthetic-systemd252");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let read = |name: &str, kind| {
        let data = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(formats::detect(name, &data), kind, "{name}");
        data
    };
    let native = read("synthetic-pve-oom.journal", FormatKind::JournalFile);
    let export = read("synthetic-pve-oom.o-export", FormatKind::JournalExport);
    let json = read("synthetic-pve-oom.o-json.jsonl", FormatKind::JournalJson);
    let keys = |kind, data: &[u8]| -> Vec<Key> {
        let parsed = formats::parse(kind, data, &Limits::default());
        assert!(
            parsed.problems.is_empty(),
            "{kind:?}: {:?}",
            parsed.problems
        );
        parsed.events.iter().map(key).collect()
    };
    let from_native = keys(FormatKind::JournalFile, &native);
    let from_export = keys(FormatKind::JournalExport, &export);
    let from_json = keys(FormatKind::JournalJson, &json);
    assert_eq!(from_native.len(), 10);
    assert_eq!(from_native, from_export, "journal file vs export");
    assert_eq!(from_export, from_json, "export vs json");
    // The non-UTF-8 and multi-line messages survive every rendering byte for byte.
    assert!(
        from_native
            .iter()
            .any(|k| std::str::from_utf8(&k.message).is_err())
    );
    assert!(from_native.iter().any(|k| k.message.contains(&b'\n')));
}
