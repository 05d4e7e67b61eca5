//! A per-VM vzdump log: `/var/log/vzdump/<qemu|lxc>-<vmid>.log`, rewritten by each backup run
//! and copied next to the archive as `vzdump-<type>-<vmid>-<YYYY_MM_DD-HH_MM_SS>.log`
//! (REFERENCE.md §7.4, §10.2). It is the backup's own account, line by line with its time: what
//! was running on the host when memory or I/O ran out.
//!
//! ```text
//! 2019-05-17 23:06:14 INFO: Starting Backup of VM 117 (qemu)          since 2017 (%F %T)
//! 2019-05-17 23:06:15 INFO: include disk 'scsi0' 'iSCSI-StorageXYZ-VOL601:vm-117-disk-0' 32G
//! Feb 04 22:30:02 INFO: Starting Backup of VM 100 (qemu)               PVE ≤ 4.4 (%b %d %T)
//! ```
//!
//! Times are local time without a zone ([`RecordedTime::Local`], or [`RecordedTime::Yearless`]
//! in the old layout), for the clock stage to place. Each line is an event with ident `vzdump`;
//! its message keeps the level word (`INFO: Starting Backup of VM 117 (qemu)`) as vzdump's
//! syslog lines do, so the signal table reads both alike, and the level gives the priority.
//! Lines without the time prefix (a paste's prompt, a fence) are unparsed.

use super::common::{is_paste_artifact, record_share};
use super::{LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::Line;

/// The ident every event of a vzdump log carries.
pub const IDENT: &[u8] = b"vzdump";

/// The parser.
#[derive(Debug, Default)]
pub struct Parser {
    dated: u64,
    yearless: u64,
}

/// A line's time, the time's text, and the message (from the level word on).
fn record(text: &[u8]) -> Option<(RecordedTime, &[u8], &[u8])> {
    let (rest, recorded) = match super::common::date(text) {
        Ok((rest, day)) => {
            let rest = rest.strip_prefix(b" ")?;
            let (rest, time) = super::common::time_of_day(rest, false).ok()?;
            (rest, RecordedTime::Local(day.and_time(time)))
        }
        Err(_) => super::common::yearless(text).ok()?,
    };
    let message = rest.strip_prefix(b" ")?;
    let level = message.split(|&b| b == b':').next()?;
    if !matches!(level, b"INFO" | b"WARN" | b"ERROR") || message.get(level.len()) != Some(&b':') {
        return None;
    }
    let stamp = &text[..text.len() - rest.len()];
    Some((recorded, stamp, message))
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let text = line.text.trim_ascii_end();
        let Some((recorded, stamp, message)) = record(text) else {
            out.push_unparsed(&line);
            return;
        };
        if matches!(recorded, RecordedTime::Yearless { .. }) {
            self.yearless += 1;
        } else {
            self.dated += 1;
        }
        let mut e = Event::new(recorded, stamp, line.number, line.offset, message);
        e.ident = Some(IDENT);
        e.priority = Some(match message.first() {
            Some(b'E') => 3,
            Some(b'W') => 4,
            _ => 6,
        });
        out.push_event(e);
    }

    fn variant(&self) -> &'static str {
        if self.yearless > self.dated {
            "vzdump-log-pve4"
        } else {
            "vzdump-log"
        }
    }
}

/// Whether a member's head is a vzdump log: records make up at least half of the lines that
/// are not paste artifacts.
pub fn recognizes(head: &[u8]) -> bool {
    let (records, lines) = record_share(head, |t| {
        let t = t.trim_ascii();
        (!is_paste_artifact(t)).then(|| record(t).is_some())
    });
    records > 0 && records * 2 >= lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::FormatKind;
    use crate::limits::Limits;
    use chrono::NaiveDate;

    fn parse(text: &str) -> Parsed<'_> {
        super::super::parse(FormatKind::Vzdump, text.as_bytes(), &Limits::default())
    }

    /// Per-VM log lines as posted in edvler/check_mk_proxmox-qemu-backup#1 and #4 and quoted in
    /// REFERENCE.md §10.2, and the pre-2017 layout.
    #[test]
    fn real_lines() {
        let table: &[(&str, Option<(i32, u32, u32, u32, u32, u32)>, u8, &str)] = &[
            (
                "2019-05-17 23:06:14 INFO: Starting Backup of VM 117 (qemu)",
                Some((2019, 5, 17, 23, 6, 14)),
                6,
                "INFO: Starting Backup of VM 117 (qemu)",
            ),
            (
                "2019-05-17 23:06:14 INFO: status = running",
                Some((2019, 5, 17, 23, 6, 14)),
                6,
                "INFO: status = running",
            ),
            (
                "2019-05-17 23:06:15 INFO: update VM 117: -lock backup",
                Some((2019, 5, 17, 23, 6, 15)),
                6,
                "INFO: update VM 117: -lock backup",
            ),
            (
                "2019-05-17 23:06:15 INFO: include disk 'scsi0' 'iSCSI-StorageXYZ-VOL601:vm-117-disk-0' 32G",
                Some((2019, 5, 17, 23, 6, 15)),
                6,
                "INFO: include disk 'scsi0' 'iSCSI-StorageXYZ-VOL601:vm-117-disk-0' 32G",
            ),
            (
                "2019-08-14 02:34:41 INFO: Starting Backup of VM 104 (qemu)",
                Some((2019, 8, 14, 2, 34, 41)),
                6,
                "INFO: Starting Backup of VM 104 (qemu)",
            ),
            (
                "2020-02-04 22:30:02 INFO: Starting Backup of VM 100 (qemu)",
                Some((2020, 2, 4, 22, 30, 2)),
                6,
                "INFO: Starting Backup of VM 100 (qemu)",
            ),
            (
                "2026-04-23 22:02:56 ERROR: Backup of VM 111 failed - VM 111 qmp command 'backup' failed - got timeout",
                Some((2026, 4, 23, 22, 2, 56)),
                3,
                "ERROR: Backup of VM 111 failed - VM 111 qmp command 'backup' failed - got timeout",
            ),
            (
                "Feb 04 22:30:02 INFO: Starting Backup of VM 100 (qemu)",
                None,
                6,
                "INFO: Starting Backup of VM 100 (qemu)",
            ),
        ];
        for (line, when, prio, message) in table {
            let p = parse(line);
            assert_eq!(p.events.len(), 1, "{line}");
            let e = &p.events[0];
            assert_eq!(&e.message[..], message.as_bytes(), "{line}");
            assert_eq!(e.priority, Some(*prio), "{line}");
            assert_eq!(e.ident, Some(IDENT));
            match when {
                Some((y, mo, d, h, mi, s)) => assert_eq!(
                    e.recorded,
                    RecordedTime::Local(
                        NaiveDate::from_ymd_opt(*y, *mo, *d)
                            .and_then(|d| d.and_hms_opt(*h, *mi, *s))
                            .expect("valid")
                    ),
                    "{line}"
                ),
                None => assert!(
                    matches!(
                        e.recorded,
                        RecordedTime::Yearless {
                            month: 2,
                            day: 4,
                            ..
                        }
                    ),
                    "{line}"
                ),
            }
        }
    }

    #[test]
    fn accounting_and_detection() {
        let text = "```\n2019-05-17 23:06:14 INFO: Starting Backup of VM 117 (qemu)\n\n2019-05-17 23:06:14 DEBUG: x\n```\n";
        let p = parse(text);
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 1);
        assert_eq!(p.stats.unparsed_lines, 3);
        assert!(recognizes(text.as_bytes()));
        assert!(!recognizes(
            b"2025-07-29T09:56:40+02:00 pve1 vzdump[1235]: INFO: Starting Backup of VM 101 (qemu)\n"
        ));
        assert_eq!(
            crate::formats::detect(
                "host/pve/var/log/vzdump/qemu-117.log",
                b"2019-05-17 23:06:14 INFO: Starting Backup of VM 117 (qemu)\n2019-05-17 23:06:14 INFO: status = running\n"
            ),
            FormatKind::Vzdump
        );
    }
}
