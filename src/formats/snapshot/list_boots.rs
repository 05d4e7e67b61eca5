//! `journalctl --list-boots` (REFERENCE.md §2.4): the table of systemd ≥ 251, the header-less
//! em-dash form of older systemd, and `-o json`.
//!
//! ```text
//! IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY
//!  -1 0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978 Tue 2025-07-29 09:56:40 UTC Tue 2025-07-29 09:56:40 UTC
//! -9 b298059636bf4c98a8367cdbd2330103 Sun 2017-03-05 12:29:39 PST—Thu 2017-03-09 15:30:39 PST
//! [{"index":-2,"boot_id":"5ea5…","first_entry":1666569600994371,"last_entry":1666584266223608}]
//! ```
//!
//! Times in `UTC` are absolute; any other zone abbreviation is kept in [`ListBoot::zone`] and
//! the times stay local (an abbreviation does not name one offset).

use chrono::DateTime;
use serde::Deserialize;

use super::{Sink, lossy, words};
use crate::event::RecordedTime;
use crate::facts::{FactKind, ListBoot};

/// Whether a line is the header, a row, or the JSON form.
pub(super) fn starts(text: &[u8]) -> bool {
    is_header(text) || row(text).is_some() || json(text).is_some()
}

fn is_header(text: &[u8]) -> bool {
    text.trim_ascii().starts_with(b"IDX BOOT ID")
}

/// One table row, either layout.
fn row(text: &[u8]) -> Option<ListBoot> {
    let replaced;
    let text = if text.windows(3).any(|w| w == "—".as_bytes()) {
        replaced = text
            .split(|&b| b == b'\n')
            .next()
            .map(|t| String::from_utf8_lossy(t).replace('—', " "))?;
        replaced.as_bytes()
    } else {
        text
    };
    let w = words(text);
    let [idx, id, w1, d1, t1, z1, w2, d2, t2, z2] = w.as_slice() else {
        return None;
    };
    let index: i64 = std::str::from_utf8(idx).ok()?.parse().ok()?;
    if id.len() != 32 || !id.iter().all(u8::is_ascii_hexdigit) || w1.len() != 3 || w2.len() != 3 {
        return None;
    }
    let first = stamp(d1, t1, z1)?;
    let last = stamp(d2, t2, z2)?;
    Some(ListBoot {
        index,
        boot_id: lossy(id),
        first: Some(first),
        last: Some(last),
        zone: (*z1 != b"UTC").then(|| lossy(z1)),
    })
}

fn stamp(date: &[u8], time: &[u8], zone: &[u8]) -> Option<RecordedTime> {
    let (_, d) = crate::formats::common::date(date).ok()?;
    let (rest, t) = crate::formats::common::time_of_day(time, false).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let local = d.and_time(t);
    Some(match zone {
        b"UTC" | b"GMT" => RecordedTime::Absolute(local.and_utc()),
        _ => RecordedTime::Local(local),
    })
}

#[derive(Deserialize)]
struct JsonBoot {
    index: i64,
    boot_id: String,
    first_entry: Option<i64>,
    last_entry: Option<i64>,
}

/// The `-o json` array.
fn json(text: &[u8]) -> Option<Vec<ListBoot>> {
    let t = text.trim_ascii();
    if !t.starts_with(b"[") {
        return None;
    }
    let boots: Vec<JsonBoot> = serde_json::from_slice(t).ok()?;
    let at = |us: Option<i64>| {
        us.and_then(DateTime::from_timestamp_micros)
            .map(RecordedTime::Absolute)
    };
    Some(
        boots
            .into_iter()
            .map(|b| ListBoot {
                index: b.index,
                boot_id: b.boot_id,
                first: at(b.first_entry),
                last: at(b.last_entry),
                zone: None,
            })
            .collect(),
    )
}

/// Reads a list-boots section.
#[derive(Debug, Default)]
pub(super) struct State;

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        if is_header(text) {
            return true;
        }
        if let Some(b) = row(text) {
            sink.push(FactKind::ListBoot(b));
            return true;
        }
        match json(text) {
            Some(boots) => {
                for b in boots {
                    sink.push(FactKind::ListBoot(b));
                }
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let b = row(b" -1 0f3c6b0e4c1a4d7b9f1e2d3c4b5a6978 Tue 2025-07-29 09:56:40 UTC Tue 2025-07-29 09:56:40 UTC").unwrap();
        assert_eq!((b.index, b.zone.as_deref()), (-1, None));
        assert!(matches!(b.first, Some(RecordedTime::Absolute(_))));
        let b = row("-50 4860f8a9014c4da9866cf323fc4373c3 Thu 1970-01-01 05:30:08 IST—Tue 2016-03-22 15:24:32 IST".as_bytes()).unwrap();
        assert_eq!((b.index, b.zone.as_deref()), (-50, Some("IST")));
        assert!(matches!(b.last, Some(RecordedTime::Local(_))));
        let boots = json(br#"[{"index":-2,"boot_id":"5ea5fc0000000000000000000000abcd","first_entry":1666569600994371,"last_entry":1666584266223608}]"#).unwrap();
        assert_eq!(boots[0].index, -2);
        assert!(matches!(boots[0].first, Some(RecordedTime::Absolute(_))));
        assert!(
            row(b" -1 nothex Tue 2025-07-29 09:56:40 UTC Tue 2025-07-29 09:56:40 UTC").is_none()
        );
        assert!(json(b"[1,2]").is_none());
        assert!(is_header(
            b"IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY"
        ));
    }
}
