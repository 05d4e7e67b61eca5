//! `timedatectl` (systemd): the zone a machine is configured with, so its logs written in local
//! time without an offset (rsyslog's traditional format, `journalctl -o short`, `last`) are read
//! in it rather than guessed.
//!
//! ```text
//!                Local time: Sun 2024-10-27 02:30:15 CET
//!            Universal time: Sun 2024-10-27 01:30:15 UTC
//!                  RTC time: Sun 2024-10-27 01:30:15
//!                 Time zone: Europe/Berlin (CET, +0100)
//! System clock synchronized: yes
//!               NTP service: active
//!           RTC in local TZ: no
//! ```
//!
//! systemd ≤ 235 printed `Network time on:` and `NTP synchronized:` instead of the two lines
//! after the zone; older ones `Timezone:`. Every line is `key: value`, right-aligned keys.
//!
//! `Universal time` is when the command ran: a bundle without a manifest takes it as "now" for
//! the years of its yearless logs.
//!
//! Debian's `/etc/timezone` (one line, `Europe/Berlin`) says the same with less authority
//! (`timedatectl set-timezone` leaves it stale): read as a zone too, when it names one.

use chrono::{DateTime, Utc};

use super::Sink;
use crate::event::RecordedTime;
use crate::facts::{FactKind, TimeZone};
use crate::formats::common;

/// The keys `timedatectl` prints, across systemd versions.
const KEYS: &[&[u8]] = &[
    b"Local time",
    b"Universal time",
    b"RTC time",
    b"Time zone",
    b"Timezone",
    b"System clock synchronized",
    b"NTP service",
    b"RTC in local TZ",
    b"Network time on",
    b"NTP synchronized",
    b"NTP enabled",
    b"DST active",
    b"Last DST change",
    b"Next DST change",
];

/// A `key: value` line of `timedatectl`.
fn pair(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let t = text.trim_ascii();
    let colon = t.iter().position(|&b| b == b':')?;
    let (key, value) = (&t[..colon], t[colon + 1..].trim_ascii());
    KEYS.contains(&key).then_some((key, value))
}

/// `Universal time`'s value: `Tue 2025-02-18 15:52:30 UTC` (`n/a` when the clock is unset).
fn universal_time(value: &[u8]) -> Option<DateTime<Utc>> {
    let rest = value.get(4..).filter(|_| value.get(3) == Some(&b' '))?;
    let (rest, day) = common::date(rest).ok()?;
    let rest = rest.strip_prefix(b" ")?;
    let (rest, time) = common::time_of_day(rest, false).ok()?;
    (rest.trim_ascii() == b"UTC").then(|| day.and_time(time).and_utc())
}

/// Whether a line starts a `timedatectl` output (its first line, `Local time: …`).
pub(super) fn starts(text: &[u8]) -> bool {
    pair(text).is_some_and(|(key, _)| key == b"Local time")
}

/// The zone a line of `/etc/timezone` names: an IANA name with a region (`Europe/Berlin`,
/// `Etc/UTC`) or `UTC`.
pub(super) fn zone_file_line(text: &[u8]) -> Option<String> {
    let t = std::str::from_utf8(text.trim_ascii()).ok()?;
    let named = (t.contains('/') || t == "UTC") && t.parse::<chrono_tz::Tz>().is_ok();
    named.then(|| t.to_string())
}

/// Reads `/etc/timezone`.
#[derive(Debug, Default)]
pub(super) struct ZoneFile;

impl ZoneFile {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        match zone_file_line(text) {
            Some(name) => {
                sink.push(FactKind::TimeZone(TimeZone {
                    name,
                    rtc_local: None,
                }));
                true
            }
            None => false,
        }
    }
}

/// Reads a `timedatectl` section.
#[derive(Debug, Default)]
pub(super) struct State {
    zone: Option<(String, u32, u64)>,
    rtc_local: Option<bool>,
}

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        let Some((key, value)) = pair(text) else {
            return false;
        };
        match key {
            b"Time zone" | b"Timezone" => {
                // `Europe/Berlin (CET, +0100)`: the name is the first word.
                let name = value
                    .split(|b| b.is_ascii_whitespace())
                    .next()
                    .unwrap_or_default();
                if !name.is_empty() && name.iter().all(|b| b.is_ascii_graphic()) {
                    self.zone = Some((
                        String::from_utf8_lossy(name).into_owned(),
                        sink.line,
                        sink.offset,
                    ));
                }
            }
            b"RTC in local TZ" => self.rtc_local = Some(value.starts_with(b"yes")),
            // `Tue 2025-02-18 15:52:30 UTC`: the moment the command ran, on the machine's
            // clock, with its year: what a bundle without a manifest has for "now".
            b"Universal time" => {
                if let Some(t) = universal_time(value) {
                    sink.push(FactKind::SnapshotTakenAt(RecordedTime::Absolute(t)));
                }
            }
            _ => {}
        }
        true
    }

    pub(super) fn finish(self, sink: &mut Sink<'_>) {
        if let Some((name, line, offset)) = self.zone {
            sink.push_at(
                line,
                offset,
                FactKind::TimeZone(TimeZone {
                    name,
                    rtc_local: self.rtc_local,
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::snapshot::run_lines;

    fn zone(text: &str) -> Vec<(String, Option<bool>)> {
        let (facts, rejected) = run_lines(
            text.as_bytes(),
            true,
            State::default(),
            State::line,
            State::finish,
        );
        assert_eq!(rejected, 0, "{text}");
        facts
            .into_iter()
            .filter_map(|f| match f.kind {
                FactKind::TimeZone(z) => Some((z.name, z.rtc_local)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn universal_time_is_when_the_command_ran() {
        let (facts, _) = run_lines(
            b"               Local time: Tue 2025-02-18 09:52:30 CST\n           Universal time: Tue 2025-02-18 15:52:30 UTC\n                Time zone: America/Chicago (CST, -0600)\n",
            true,
            State::default(),
            State::line,
            State::finish,
        );
        let taken: Vec<_> = facts
            .iter()
            .filter_map(|f| match &f.kind {
                FactKind::SnapshotTakenAt(RecordedTime::Absolute(t)) => Some(t.to_rfc3339()),
                _ => None,
            })
            .collect();
        assert_eq!(taken, ["2025-02-18T15:52:30+00:00"]);
        assert_eq!(universal_time(b"n/a"), None);
        assert_eq!(universal_time(b"Tue 2025-02-18 15:52:30 CST"), None);
    }

    #[test]
    fn the_zone_across_systemd_versions() {
        // systemd 252 (Debian 12, Proxmox VE 8).
        assert_eq!(
            zone(
                "               Local time: Sun 2024-10-27 02:30:15 CET\n           Universal time: Sun 2024-10-27 01:30:15 UTC\n                 RTC time: Sun 2024-10-27 01:30:15\n                Time zone: Europe/Berlin (CET, +0100)\nSystem clock synchronized: yes\n              NTP service: active\n          RTC in local TZ: no\n"
            ),
            vec![("Europe/Berlin".to_string(), Some(false))]
        );
        // systemd 229 (Ubuntu 16.04 guests).
        assert_eq!(
            zone(
                "      Local time: Tue 2019-03-12 09:45:47 UTC\n  Universal time: Tue 2019-03-12 09:45:47 UTC\n        RTC time: Tue 2019-03-12 09:45:48\n       Time zone: Etc/UTC (UTC, +0000)\n Network time on: yes\nNTP synchronized: yes\n RTC in local TZ: yes\n"
            ),
            vec![("Etc/UTC".to_string(), Some(true))]
        );
        assert!(starts(
            b"               Local time: Sun 2024-10-27 02:30:15 CET"
        ));
        assert_eq!(
            zone_file_line(b"Europe/Berlin"),
            Some("Europe/Berlin".into())
        );
        assert_eq!(zone_file_line(b"Etc/UTC\r"), Some("Etc/UTC".into()));
        assert_eq!(zone_file_line(b"Berlin"), None);
        assert_eq!(zone_file_line(b"Europe/Nowhere"), None);
        assert!(!starts(b"Local: nothing"));
    }
}
