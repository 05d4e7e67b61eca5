//! `smartctl -a`/`-x`/`-H` (smartmontools): a disk's health verdict, and the machine's clock with
//! its zone's abbreviation.
//!
//! ```text
//! smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.5.13-5-pve] (local build)
//! Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org
//!
//! === START OF INFORMATION SECTION ===
//! Model Number:                       Samsung SSD 970 EVO Plus 2TB
//! Serial Number:                      S59CNM0R812447K
//! Local Time is:                      Thu Jul 31 10:58:31 2025 CEST
//!
//! === START OF SMART DATA SECTION ===
//! SMART overall-health self-assessment test result: FAILED!
//! - available spare has fallen below threshold
//! - media has been placed in read only mode
//! ...
//! Percentage Used:                    103%
//! ```
//!
//! `Local Time is:` is `asctime` plus the zone's abbreviation: the moment the command ran on
//! the machine's clock, and, where the abbreviation names one offset, the machine's offset then
//! (a host whose logs are written in local time without an offset, and whose zone nothing else
//! names, is read in it). SCSI drives print `SMART Health Status: OK` instead of the
//! self-assessment. Every other line of the output (attribute tables, error logs, self-test
//! logs) belongs to the section and states nothing more here.

use chrono::NaiveDate;

use super::{Sink, number, words};
use crate::facts::{DiskHealth, FactKind};
use crate::formats::common;

/// Whether a line is smartctl's banner: `smartctl 7.3 2022-02-28 r5338 [x86_64-linux-…]`.
pub(super) fn starts(text: &[u8]) -> bool {
    let w = words(text);
    matches!(w.as_slice(), [b"smartctl", version, ..]
        if version.first().is_some_and(u8::is_ascii_digit)
            && version.iter().all(|b| b.is_ascii_digit() || *b == b'.'))
}

/// Reads a `smartctl` section.
#[derive(Debug, Default)]
pub(super) struct State {
    health: DiskHealth,
    /// Line and offset of the verdict, where the fact is cited.
    at: Option<(u32, u64)>,
    /// The verdict's warning lines follow it.
    in_warnings: bool,
}

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        let t = text.trim_ascii();
        if self.in_warnings {
            if let Some(warning) = t.strip_prefix(b"- ") {
                self.health
                    .warnings
                    .push(String::from_utf8_lossy(warning).into_owned());
                return true;
            }
            self.in_warnings = false;
        }
        let Some(colon) = t.iter().position(|&b| b == b':') else {
            return true;
        };
        let (key, value) = (&t[..colon], t[colon + 1..].trim_ascii());
        let text_of = |v: &[u8]| Some(String::from_utf8_lossy(v).into_owned());
        match key {
            b"Device Model" | b"Model Number" | b"Product" => self.health.model = text_of(value),
            b"Serial Number" | b"Serial number" => self.health.serial = text_of(value),
            b"Local Time is" => {
                if let Some((local, zone)) = local_time(value) {
                    let (at, shown) = super::shown_time(local, zone);
                    if let Some(shown) = shown {
                        sink.push(FactKind::ClockShown(shown));
                    }
                    sink.push(FactKind::SnapshotTakenAt(at));
                }
            }
            b"SMART overall-health self-assessment test result" | b"SMART Health Status" => {
                self.health.passed = Some(!value.starts_with(b"FAILED"));
                self.at = Some((sink.line, sink.offset));
                self.in_warnings = true;
            }
            b"Percentage Used" => {
                self.health.percentage_used = value.strip_suffix(b"%").and_then(number);
            }
            _ => {}
        }
        true
    }

    pub(super) fn finish(self, sink: &mut Sink<'_>) {
        if let Some((line, offset)) = self.at {
            sink.push_at(line, offset, FactKind::DiskHealth(self.health));
        }
    }
}

/// `Thu Jul 31 10:58:31 2025 CEST`: the local time and the zone's abbreviation.
fn local_time(value: &[u8]) -> Option<(chrono::NaiveDateTime, &[u8])> {
    let w = words(value);
    let [weekday, month, day, time, year, zone] = w.as_slice() else {
        return None;
    };
    if weekday.len() != 3 || zone.is_empty() || !zone.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let (_, month) = common::month(month).ok()?;
    let (rest, time) = common::time_of_day(time, false).ok()?;
    let year = i32::try_from(number(year)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, month, number(day)?)?;
    rest.is_empty().then(|| (date.and_time(time), *zone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::RecordedTime;
    use crate::facts::ClockShown;
    use crate::formats::snapshot::run_lines;

    const NVME: &str = "smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.5.13-5-pve] (local build)
Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org

=== START OF INFORMATION SECTION ===
Model Number:                       Samsung SSD 970 EVO Plus 2TB
Serial Number:                      S59CNM0R812447K
Local Time is:                      Thu Jul 31 10:58:31 2025 CEST

=== START OF SMART DATA SECTION ===
SMART overall-health self-assessment test result: FAILED!
- available spare has fallen below threshold
- media has been placed in read only mode

SMART/Health Information (NVMe Log 0x02)
Critical Warning:                   0x09
Percentage Used:                    103%
";

    fn facts(text: &str) -> Vec<FactKind> {
        let (facts, rejected) = run_lines(
            text.as_bytes(),
            true,
            State::default(),
            State::line,
            State::finish,
        );
        assert_eq!(rejected, 0);
        facts.into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn an_nvme_drive_that_failed_and_the_clock_with_its_zone() {
        assert!(starts(NVME.lines().next().unwrap_or_default().as_bytes()));
        let facts = facts(NVME);
        let at = chrono::DateTime::parse_from_rfc3339("2025-07-31T08:58:31Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            facts,
            [
                FactKind::ClockShown(ClockShown {
                    at: RecordedTime::Absolute(at),
                    offset_s: 7200,
                    abbreviation: "CEST".into(),
                }),
                FactKind::SnapshotTakenAt(RecordedTime::Absolute(at)),
                FactKind::DiskHealth(DiskHealth {
                    model: Some("Samsung SSD 970 EVO Plus 2TB".into()),
                    serial: Some("S59CNM0R812447K".into()),
                    passed: Some(false),
                    warnings: vec![
                        "available spare has fallen below threshold".into(),
                        "media has been placed in read only mode".into(),
                    ],
                    percentage_used: Some(103),
                }),
            ]
        );
    }

    #[test]
    fn a_scsi_drive_that_passed_and_a_zone_that_names_several_offsets() {
        let facts = facts(
            "=== START OF READ SMART DATA SECTION ===\nLocal Time is:    Tue Feb 18 09:33:02 2025 CST\nSMART Health Status: OK\n",
        );
        let naive = NaiveDate::from_ymd_opt(2025, 2, 18)
            .and_then(|d| d.and_hms_opt(9, 33, 2))
            .unwrap();
        assert_eq!(
            facts,
            [
                FactKind::SnapshotTakenAt(RecordedTime::Local(naive)),
                FactKind::DiskHealth(DiskHealth {
                    passed: Some(true),
                    ..DiskHealth::default()
                }),
            ]
        );
        assert!(!starts(b"smartctl -a /dev/sda"));
    }
}
