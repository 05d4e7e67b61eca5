//! A Proxmox VE task log, `/var/log/pve/tasks/<H>/<UPID>` (REFERENCE.md §10.1, §10.2): what a
//! worker (a VM start, a backup, a migration) wrote to its stdout and stderr, ending in the task's
//! status line. It holds the words the journal only summarizes: QEMU's error at a failed start,
//! each VM's backup steps, the guest agent's freeze and thaw.
//!
//! ```text
//! INFO: starting new backup job: vzdump 111 --mode snapshot --storage pbs --node pve01
//! INFO: issuing guest-agent 'fs-freeze' command
//! ERROR: Backup of VM 111 failed - VM 111 qmp command 'backup' failed - got timeout
//! INFO: Failed at 2026-04-23 22:02:56
//!
//! TASK ERROR: job errors
//! ```
//!
//! Most task logs are free text with no time per line: each line is an event with the line as
//! its message, its priority from the `ERROR:`/`WARN:`/`INFO:` prefix or the status line. The
//! few lines that say a wall-clock time (`Backup started at`, `Backup finished at`, `Failed at`,
//! in local time without a zone) are recorded at it. A migration's or a replication's log
//! stamps every line but the status line with the node's local time (`2025-03-10 14:10:20
//! migration active, transferred 1.1 GiB of 4.0 GiB VM-state, 1.1 GiB/s`), recorded at it; a
//! Proxmox Backup Server task log's lines start with an RFC 3339 time and are recorded at that.
//! The clock stage places the other lines at the task's start, which the file's name (its UPID)
//! says, and the status line ([`status_event`]) at the task's end: when the task list or the
//! journal says it, else at the log's last dated line (a lower bound), never at the start.
//!
//! Detection needs the name or the shape: a member named by a UPID, or one whose last line is a
//! task status line (`TASK OK`, `TASK ERROR: …`, `TASK WARNINGS: n`).

use chrono::NaiveDateTime;

use super::pve_task_index::{Upid, upid};
use super::{LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::Line;

/// The ident every event of a task log carries.
pub const IDENT: &[u8] = b"pve-task-log";

/// The parser.
#[derive(Debug, Default)]
pub struct Parser {
    pbs: u64,
    pve: u64,
}

/// The syslog priority a task-log line's prefix says.
fn priority(text: &[u8]) -> Option<u8> {
    Some(
        if text.starts_with(b"TASK ERROR:") || text.starts_with(b"ERROR:") {
            3
        } else if text.starts_with(b"TASK WARNINGS:") || text.starts_with(b"WARN:") {
            4
        } else if text.starts_with(b"TASK OK") || text.starts_with(b"INFO:") {
            6
        } else {
            return None;
        },
    )
}

/// The wall-clock time a line says of itself (`… started at %F %T`, `… finished at …`,
/// `Failed at …`): the time and its text.
fn stated_time(text: &[u8]) -> Option<(NaiveDateTime, &[u8])> {
    const MARKS: [&[u8]; 3] = [b"Backup started at ", b"Backup finished at ", b"Failed at "];
    let body = text.strip_prefix(b"INFO: ").unwrap_or(text);
    let rest = MARKS.iter().find_map(|m| body.strip_prefix(*m))?;
    let stamp = rest.trim_ascii_end();
    let (tail, day) = super::common::date(stamp).ok()?;
    let tail = tail.strip_prefix(b" ")?;
    let (tail, time) = super::common::time_of_day(tail, false).ok()?;
    tail.is_empty().then_some((day.and_time(time), stamp))
}

/// The local time a line starts with (`2025-03-10 14:10:20 migration active, transferred …`):
/// a migration's and a replication's task log stamp each line with `strftime("%F %H:%M:%S",
/// localtime)` (qemu-server `PVE::QemuMigrate`, pve-guest-common `PVE::AbstractMigrate::log`):
/// the time, the stamp and the message after it.
fn prefixed_time(text: &[u8]) -> Option<(NaiveDateTime, &[u8], &[u8])> {
    let (tail, day) = super::common::date(text).ok()?;
    let tail = tail.strip_prefix(b" ")?;
    let (tail, time) = super::common::time_of_day(tail, false).ok()?;
    let message = tail.strip_prefix(b" ")?;
    let stamp = &text[..text.len() - tail.len()];
    (!message.trim_ascii().is_empty()).then_some((day.and_time(time), stamp, message))
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let text = line.text.trim_ascii_end();
        // A Proxmox Backup Server task log: `2026-09-06T09:54:25-05:00: message`.
        if let Ok((rest, t)) = super::common::rfc3339(text, false)
            && let Some(message) = rest.strip_prefix(b": ")
        {
            self.pbs += 1;
            let stamp = &text[..text.len() - rest.len()];
            out.push_event(task_event(RecordedTime::Absolute(t), stamp, &line, message));
            return;
        }
        self.pve += 1;
        // A migration's or a replication's task log: `%F %T message`, the node's local time.
        if let Some((t, stamp, message)) = prefixed_time(text) {
            out.push_event(task_event(RecordedTime::Local(t), stamp, &line, message));
            return;
        }
        let (recorded, stamp) = match stated_time(text) {
            Some((t, stamp)) => (RecordedTime::Local(t), stamp),
            None => (RecordedTime::Missing, &b""[..]),
        };
        out.push_event(task_event(recorded, stamp, &line, text));
    }

    fn variant(&self) -> &'static str {
        if self.pbs > self.pve {
            "pbs-task-log"
        } else {
            "pve-task-log"
        }
    }
}

/// A task log line's record: the task log's identifier, the priority its words say.
fn task_event<'b>(
    recorded: RecordedTime,
    stamp: &'b [u8],
    line: &Line<'b>,
    message: &'b [u8],
) -> Event<'b> {
    let mut e = Event::new(recorded, stamp, line.number, line.offset, message);
    e.ident = Some(IDENT);
    e.priority = priority(message);
    e
}

/// The UPID a member's path names (its last component), when it does.
pub fn upid_of_path(path: &str) -> Option<Upid<'_>> {
    let name = path.rsplit(['/', '!']).next().unwrap_or(path);
    match upid(name.as_bytes()) {
        Some((u, [])) => Some(u),
        _ => None,
    }
}

/// Whether a line is a task's status line, with or without a PBS time before it.
fn is_status_line(text: &[u8]) -> bool {
    let body = match super::common::rfc3339(text, false) {
        Ok((rest, _)) => rest.strip_prefix(b": ").unwrap_or(rest),
        Err(_) => text,
    };
    body == b"TASK OK" || body.starts_with(b"TASK ERROR: ") || body.starts_with(b"TASK WARNINGS: ")
}

/// The index of a task log's status line (`TASK OK`, `TASK ERROR: …`, `TASK WARNINGS: n`)
/// among its events, when it has one without a time of its own: the last such line.
pub fn status_event(events: &[Event<'_>]) -> Option<usize> {
    events
        .iter()
        .rposition(|e| e.recorded == RecordedTime::Missing && is_status_line(&e.message[..]))
}

/// Whether a member is a task log: named by a UPID, or ending in a status line.
pub fn recognizes(path: &str, data: &[u8]) -> bool {
    if upid_of_path(path).is_some() {
        return true;
    }
    let tail = &data[data.len().saturating_sub(4096)..];
    tail.split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .rfind(|l| !l.is_empty())
        .is_some_and(is_status_line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::FormatKind;
    use crate::limits::Limits;
    use chrono::NaiveDate;

    fn parse(text: &str) -> Parsed<'_> {
        super::super::parse(FormatKind::PveTaskLog, text.as_bytes(), &Limits::default())
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> RecordedTime {
        RecordedTime::Local(
            NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|d| d.and_hms_opt(h, mi, s))
                .expect("valid"),
        )
    }

    /// A PVE 9.1 backup task log as posted in nbuchwitz/check_pve#85 (REFERENCE.md §10.2), with
    /// its status line.
    #[test]
    fn a_failed_backup_task() {
        let p = parse(concat!(
            "INFO: VM Name: vmname\n",
            "INFO: include disk 'scsi0' 'ceph-hdd:vm-111-disk-0' 1G\n",
            "INFO: backup mode: snapshot\n",
            "INFO: creating Proxmox Backup Server archive 'vm/111/2026-04-23T20:00:14Z'\n",
            "INFO: issuing guest-agent 'fs-freeze' command\n",
            "INFO: issuing guest-agent 'fs-thaw' command\n",
            "ERROR: VM 111 qmp command 'backup' failed - got timeout\n",
            "INFO: aborting backup job\n",
            "ERROR: Backup of VM 111 failed - VM 111 qmp command 'backup' failed - got timeout\n",
            "INFO: Failed at 2026-04-23 22:02:56\n",
            "INFO: Backup job finished with errors\n",
            "\n",
            "TASK ERROR: job errors\n",
        ));
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 12);
        assert_eq!(p.stats.unparsed_lines, 0);
        assert_eq!(p.stats.blank_lines, 1);
        let table: &[(usize, Option<u8>, RecordedTime, &str)] = &[
            (0, Some(6), RecordedTime::Missing, "INFO: VM Name: vmname"),
            (
                6,
                Some(3),
                RecordedTime::Missing,
                "ERROR: VM 111 qmp command 'backup' failed - got timeout",
            ),
            (
                9,
                Some(6),
                local(2026, 4, 23, 22, 2, 56),
                "INFO: Failed at 2026-04-23 22:02:56",
            ),
            (11, Some(3), RecordedTime::Missing, "TASK ERROR: job errors"),
        ];
        for (i, prio, recorded, message) in table {
            let e = &p.events[*i];
            assert_eq!(&e.message[..], message.as_bytes());
            assert_eq!(e.priority, *prio, "{message}");
            assert_eq!(e.recorded, *recorded, "{message}");
            assert_eq!(e.ident, Some(IDENT));
        }
        assert_eq!(p.events[9].time_text, b"2026-04-23 22:02:56");
        assert_eq!(p.variant, "pve-task-log");
    }

    /// REFERENCE.md §10.1/§10.2 wordings: an HA-started task, a start that failed on memory,
    /// the backup's own times, warnings.
    #[test]
    fn lines_of_other_tasks() {
        let table: &[(&str, Option<u8>, bool)] = &[
            ("task started by HA resource agent", None, false),
            (
                "kvm: cannot set up guest memory 'pc.ram': Cannot allocate memory",
                None,
                false,
            ),
            (
                "TASK ERROR: start failed: QEMU exited with code 1",
                Some(3),
                false,
            ),
            ("INFO: Starting Backup of VM 100 (qemu)", Some(6), false),
            ("INFO: Backup started at 2020-02-04 22:30:02", Some(6), true),
            (
                "INFO: Backup finished at 2020-02-04 22:31:40",
                Some(6),
                true,
            ),
            (
                "WARN: no efidisk configured! Using temporary efivars disk.",
                Some(4),
                false,
            ),
            ("TASK WARNINGS: 2", Some(4), false),
            ("TASK OK", Some(6), false),
        ];
        for (line, prio, dated) in table {
            let p = parse(line);
            assert_eq!(p.events.len(), 1, "{line}");
            let e = &p.events[0];
            assert_eq!(e.priority, *prio, "{line}");
            assert_eq!(
                matches!(e.recorded, RecordedTime::Local(_)),
                *dated,
                "{line}"
            );
        }
    }

    /// A live migration's task log as qemu-server writes it (`PVE::QemuMigrate`, each line
    /// stamped `%F %H:%M:%S` in the node's local time by `PVE::AbstractMigrate::log`): every
    /// line but the status line is recorded at its stamp, the message after it; the status line
    /// has no time of its own and is the log's [`status_event`].
    #[test]
    fn a_migration_task_log() {
        let p = parse(concat!(
            "2025-03-10 14:10:16 starting migration of VM 101 to node 'pve-b' (10.10.10.2)\n",
            "2025-03-10 14:10:19 start migrate command to unix:/run/qemu-server/101.migrate\n",
            "2025-03-10 14:10:20 migration active, transferred 1.1 GiB of 4.0 GiB VM-state, 1.1 GiB/s\n",
            "2025-03-10 14:10:27 migration status: completed\n",
            "2025-03-10 14:10:30 ERROR: migration finished with problems (duration 00:00:14)\n",
            "TASK ERROR: migration problems\n",
        ));
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 6);
        assert_eq!(p.events[2].recorded, local(2025, 3, 10, 14, 10, 20));
        assert_eq!(p.events[2].time_text, b"2025-03-10 14:10:20");
        assert_eq!(
            &p.events[2].message[..],
            b"migration active, transferred 1.1 GiB of 4.0 GiB VM-state, 1.1 GiB/s"
        );
        assert_eq!(p.events[4].priority, Some(3));
        assert_eq!(p.events[5].recorded, RecordedTime::Missing);
        assert_eq!(status_event(&p.events), Some(5));
        assert_eq!(p.variant, "pve-task-log");
        // A stamp with nothing after it, or no space, is not a stamped line.
        for line in [
            "2025-03-10 14:10:16",
            "2025-03-10 14:10:16x",
            "2025-03-10T14:10:16 x",
        ] {
            assert_eq!(prefixed_time(line.as_bytes()), None, "{line}");
        }
    }

    /// A Proxmox Backup Server task log (Joulenap/joulenap#61): an RFC 3339 time on each line.
    #[test]
    fn a_pbs_task_log() {
        let p = parse(concat!(
            "2026-09-06T09:54:25-05:00: percentage done: 100.00% (19/19 groups)\n",
            "2026-09-06T09:54:25-05:00: TASK OK\n",
        ));
        assert_eq!(p.events.len(), 2);
        assert!(matches!(p.events[1].recorded, RecordedTime::Absolute(_)));
        assert_eq!(&p.events[1].message[..], b"TASK OK");
        assert_eq!(p.events[1].priority, Some(6));
        assert_eq!(p.variant, "pbs-task-log");
    }

    #[test]
    fn detection() {
        let path = "host/pve/var/log/pve/tasks/C/UPID:pve:000079D3:00083FE1:654BDC0C:qmstart:101:root@pam:";
        assert!(recognizes(path, b"anything\n"));
        assert_eq!(upid_of_path(path).and_then(|u| u.vmid()), Some(101));
        assert!(recognizes("x", b"INFO: starting\nTASK OK\n\n"));
        assert!(recognizes("x", b"kvm: oops\n\nTASK ERROR: start failed\n"));
        assert!(recognizes(
            "x",
            b"2026-09-06T09:54:25-05:00: TASK WARNINGS: 1\n"
        ));
        assert!(!recognizes("x", b"TASK OK\nmore after it\n"));
        assert!(!recognizes(
            "var/log/syslog",
            b"Nov 09 03:23:03 pve pvedaemon[30421]: TASK OK\n"
        ));
    }
}
