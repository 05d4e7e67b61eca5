//! The Proxmox VE task lists `/var/log/pve/tasks/index` (and its old copy `index.1`) and
//! `/var/log/pve/tasks/active` (REFERENCE.md §10.1): one line per task, naming it by its UPID,
//! with when it ended and how. They are the node's own record of every start, stop, backup and
//! migration, kept when the journal of the window is gone.
//!
//! ```text
//! UPID:pve1:0003B004:0161D0A0:6543AD10:vzdump::root@pam: 6543B2E0 job errors            index
//! UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam: 654BE017 OK               index
//! UPID:pve:0003C76F:00F0CD27:6AB6D538:vzshutdown:333:root@pam: 1 6AB6D54A OK           active, ended
//! UPID:pve:0003C76F:00F0CD27:6AB6D538:qmstart:101:root@pam: 0                          active, running
//! ```
//!
//! A UPID is `UPID:node:pid:pstart:starttime:type:id:user:` with the pid, the process start
//! (clock ticks since boot) and the start time (epoch seconds) in hexadecimal; `id` is the VMID
//! of guest tasks and may be empty. The index line adds the end time (hexadecimal epoch seconds)
//! and the status: `OK`, `WARNINGS: n`, an error text, or `unexpected status` for a worker that
//! vanished (a task running when the host died gets it after the next boot).
//!
//! Each line states two moments, so it gives two events: the task's start, at the UPID's start
//! time, whose message is the UPID itself; and, when the line has an end time, the task's end, at
//! that time, whose message is the whole line. Both cite the line (the start event spans no line
//! of its own, so the accounting counts the line once). Every time is epoch seconds: UTC by
//! definition. The signal table reads a bare UPID as a task start and a UPID followed by an end
//! time as a task end, so the type, VMID and status reach the rules as the syslog's
//! `starting task`/`end task` lines do.

use chrono::{DateTime, Utc};

use super::common::{self, is_paste_artifact, record_share};
use super::{LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::framing::Line;

/// The ident every event of a task list carries.
pub const IDENT: &[u8] = b"pve-task";

/// A parsed UPID, borrowing its fields from the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upid<'a> {
    /// The whole UPID, `UPID:` to the trailing colon.
    pub text: &'a [u8],
    /// The node name.
    pub node: &'a [u8],
    /// The worker's pid.
    pub pid: u32,
    /// The worker's start in clock ticks since boot (field 22 of `/proc/<pid>/stat`).
    pub pstart: u64,
    /// The start time, epoch seconds.
    pub starttime: i64,
    /// The start time as written (eight hexadecimal digits).
    pub starttime_text: &'a [u8],
    /// The task type (`qmstart`, `vzdump`…).
    pub task: &'a [u8],
    /// The id field: a VMID for guest tasks, empty for node tasks.
    pub id: &'a [u8],
    /// The user (`root@pam`, an API token `user@pam!name`).
    pub user: &'a [u8],
}

impl Upid<'_> {
    /// The VMID the task is about, when its id is one.
    pub fn vmid(&self) -> Option<u32> {
        let id = std::str::from_utf8(self.id).ok()?;
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
            .then(|| id.parse().ok())
            .flatten()
    }

    /// The start time as a UTC instant.
    pub fn start(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.starttime, 0)
    }
}

/// Whether a UPID field is a name (`[^:\s/]`), non-empty unless `empty_ok`.
fn name_field(text: &[u8], empty_ok: bool) -> bool {
    (empty_ok || !text.is_empty())
        && text
            .iter()
            .all(|&b| b != b':' && b != b'/' && !b.is_ascii_whitespace())
}

/// Reads a UPID at the start of `text` (pve-common's grammar, REFERENCE.md §10.1); returns it
/// and what follows its trailing colon.
pub fn upid(text: &[u8]) -> Option<(Upid<'_>, &[u8])> {
    let rest = text.strip_prefix(b"UPID:")?;
    let mut fields = [&b""[..]; 7];
    let mut pos = 0usize;
    for field in &mut fields {
        let tail = rest.get(pos..)?;
        let end = tail.iter().position(|&b| b == b':')?;
        *field = &tail[..end];
        pos += end + 1;
    }
    let [node, pid, pstart, start, task, id, user] = fields;
    let node_ok = !node.is_empty()
        && node.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && node.first().is_some_and(u8::is_ascii_alphanumeric);
    if !node_ok || !name_field(task, false) || !name_field(id, true) || !name_field(user, false) {
        return None;
    }
    let end = 5 + pos;
    Some((
        Upid {
            text: text.get(..end)?,
            node,
            pid: u32::try_from(common::hex(pid, 8, 8)?).ok()?,
            pstart: common::hex(pstart, 8, 9)?,
            starttime: i64::try_from(common::hex(start, 8, 8)?).ok()?,
            starttime_text: start,
            task,
            id,
            user,
        },
        text.get(end..)?,
    ))
}

/// One task-list line: the UPID, and the end time (with its text) and status when it has ended.
struct TaskLine<'a> {
    upid: Upid<'a>,
    end: Option<(i64, &'a [u8])>,
    active: bool,
}

/// Reads an `index` line (`UPID endtime status`) or an `active` line (`UPID 0|1[ endtime[
/// status]]`).
fn task_line(text: &[u8]) -> Option<TaskLine<'_>> {
    let (upid, rest) = upid(text)?;
    if rest.is_empty() {
        return None;
    }
    let rest = rest.strip_prefix(b" ")?;
    let mut words = rest.splitn(2, |&b| b == b' ');
    let first = words.next()?;
    let after = words.next();
    match first {
        b"0" | b"1" => {
            let end = match after {
                None => None,
                Some(a) => {
                    let word = a.split(|&b| b == b' ').next()?;
                    Some((i64::try_from(common::hex(word, 8, 8)?).ok()?, word))
                }
            };
            Some(TaskLine {
                upid,
                end,
                active: true,
            })
        }
        word => {
            // The index: an end time and a status (which may hold spaces, and is never empty).
            let end = i64::try_from(common::hex(word, 8, 8)?).ok()?;
            after.filter(|s| !s.trim_ascii().is_empty())?;
            Some(TaskLine {
                upid,
                end: Some((end, word)),
                active: false,
            })
        }
    }
}

/// The parser.
#[derive(Debug, Default)]
pub struct Parser {
    index_lines: u64,
    active_lines: u64,
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let text = line.text.trim_ascii_end();
        let Some(task) = task_line(text) else {
            out.push_unparsed(&line);
            return;
        };
        if task.active {
            self.active_lines += 1;
        } else {
            self.index_lines += 1;
        }
        let start = task
            .upid
            .start()
            .map_or(RecordedTime::Missing, RecordedTime::Absolute);
        let mut started = Event::new(
            start,
            task.upid.starttime_text,
            line.number,
            line.offset,
            task.upid.text,
        );
        started.ident = Some(IDENT);
        started.pid = Some(task.upid.pid);
        started.hostname = Some(task.upid.node);
        match task.end {
            Some((end, end_text)) => {
                // The start spans no line of its own: the end event holds the line.
                started.lines = 0;
                out.push_event(started);
                let recorded = DateTime::from_timestamp(end, 0)
                    .map_or(RecordedTime::Missing, RecordedTime::Absolute);
                let mut ended = Event::new(recorded, end_text, line.number, line.offset, text);
                ended.ident = Some(IDENT);
                ended.pid = Some(task.upid.pid);
                ended.hostname = Some(task.upid.node);
                out.push_event(ended);
            }
            None => out.push_event(started),
        }
    }

    fn variant(&self) -> &'static str {
        if self.active_lines > self.index_lines {
            "pve-task-active"
        } else {
            "pve-task-index"
        }
    }
}

/// Whether a member's head is a task list: task lines make up at least half of the lines that
/// are not paste artifacts.
pub fn recognizes(head: &[u8]) -> bool {
    let (records, lines) = record_share(head, |t| {
        let t = t.trim_ascii();
        (!is_paste_artifact(t)).then(|| task_line(t).is_some())
    });
    records > 0 && records * 2 >= lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::FormatKind;
    use crate::limits::Limits;

    fn parse(text: &str) -> Parsed<'_> {
        super::super::parse(
            FormatKind::PveTaskIndex,
            text.as_bytes(),
            &Limits::default(),
        )
    }

    fn at(secs: i64) -> RecordedTime {
        RecordedTime::Absolute(DateTime::from_timestamp(secs, 0).expect("in range"))
    }

    /// UPIDs from REFERENCE.md §7.1 and §10.1 (pve-common's test vector among them) with the
    /// line shapes of `index` and `active`.
    #[test]
    fn upids_of_real_tasks() {
        let table: &[(&str, &str, &str, Option<u32>, i64)] = &[
            (
                "UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam:",
                "pve",
                "vncproxy",
                Some(103),
                0x654B_DC03,
            ),
            (
                "UPID:suprox:000080BD:000C41F2:65DE37EA:qmstart:101:root@pam:",
                "suprox",
                "qmstart",
                Some(101),
                0x65DE_37EA,
            ),
            (
                "UPID:example-node:0000C346:165A0CE4:68D7279C:aptupdate::root@pam:",
                "example-node",
                "aptupdate",
                None,
                0x68D7_279C,
            ),
            (
                "UPID:pve:0003C76F:00F0CD27:6AB6D538:vzshutdown:333:root@pam:",
                "pve",
                "vzshutdown",
                Some(333),
                0x6AB6_D538,
            ),
            // Nine digits of pstart after 497 days of uptime; an API token as the user.
            (
                "UPID:pve1:0003B004:10161D0A0:6543AD10:vzdump::root@pam!backup:",
                "pve1",
                "vzdump",
                None,
                0x6543_AD10,
            ),
        ];
        for (text, node, task, vmid, start) in table {
            let (u, rest) = upid(text.as_bytes()).unwrap_or_else(|| panic!("{text}"));
            assert!(rest.is_empty(), "{text}");
            assert_eq!(u.text, text.as_bytes());
            assert_eq!(u.node, node.as_bytes(), "{text}");
            assert_eq!(u.task, task.as_bytes(), "{text}");
            assert_eq!(u.vmid(), *vmid, "{text}");
            assert_eq!(u.starttime, *start, "{text}");
        }
        for bad in [
            "UPID:pve:79D3:00083FE1:654BDC03:vncproxy:103:root@pam:",
            "UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam",
            "UPID::000079D3:00083FE1:654BDC03:vncproxy:103:root@pam:",
            "UPID:pve:000079D3:00083FE1:654BDC03::103:root@pam:",
            "UPID:pve:000079D3:00083FE1:654BDC03:vnc proxy:103:root@pam:",
        ] {
            assert!(upid(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn index_and_active_lines() {
        let p = parse(concat!(
            "UPID:pve1:0003B004:0161D0A0:6543AD10:vzdump::root@pam: 6543B2E0 job errors\n",
            "UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam: 654BE017 OK\n",
            "UPID:suprox:000080BD:000C41F2:65DE37EA:qmstart:101:root@pam: 65DE37EE start failed: QEMU exited with code 1\n",
            "UPID:pve:0003C76F:00F0CD27:6AB6D538:vzshutdown:333:root@pam: 1 6AB6D54A OK\n",
            "UPID:pve:0003C770:00F0CD30:6AB6D540:qmstart:101:root@pam: 0\n",
            "\n",
            "not a task\n",
        ));
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.stats.event_lines, 5);
        assert_eq!(p.stats.unparsed_lines, 1);
        assert_eq!(p.events.len(), 9);
        let e = &p.events[0];
        assert_eq!(e.recorded, at(0x6543_AD10));
        assert_eq!(
            &e.message[..],
            b"UPID:pve1:0003B004:0161D0A0:6543AD10:vzdump::root@pam:"
        );
        assert_eq!(e.lines, 0);
        assert_eq!(e.ident, Some(IDENT));
        let e = &p.events[1];
        assert_eq!(e.recorded, at(0x6543_B2E0));
        assert!(e.message.ends_with(b" 6543B2E0 job errors"));
        assert_eq!(e.time_text, b"6543B2E0");
        assert_eq!(e.lines, 1);
        assert_eq!(e.pid, Some(0x3B004));
        assert!(p.events[5].message.starts_with(b"UPID:suprox"));
        assert!(p.events[5].message.ends_with(b"code 1"));
        // `active`: an ended task's two events, a running task's start alone.
        assert_eq!(p.events[7].recorded, at(0x6AB6_D54A));
        assert_eq!(p.events[8].recorded, at(0x6AB6_D540));
        assert_eq!(p.events[8].lines, 1);
        assert_eq!(p.variant, "pve-task-index");
        assert!(crate::formats::check_invariants(b"", &parse("")).is_ok());
    }

    #[test]
    fn detection() {
        assert!(recognizes(
            b"UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam: 654BE017 OK\n"
        ));
        assert!(recognizes(
            b"UPID:pve:0003C770:00F0CD30:6AB6D540:qmstart:101:root@pam: 0\n"
        ));
        assert!(!recognizes(
            b"Nov 09 03:05:39 pve pvedaemon[30421]: <root@pam> starting task UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam:\n"
        ));
        assert!(!recognizes(
            b"UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam: ZZ OK\n"
        ));
    }
}
