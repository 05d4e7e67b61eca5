//! Fragments: log lines as people paste them, mostly without a timestamp — bare kernel messages
//! (`Out of memory: Killed process …`), `kernel: msg`, `ident[pid]: msg`, a serial console's
//! tail (systemd's status lines, `[  OK  ] Reached target Power-Off.`, are PID 1's records), a
//! Xen hypervisor console (`(XEN) …`), a QEMU or libvirt per-domain log line, bash's
//! job reports — and the lines of application logs that start with an ISO date and time
//! (`2022-07-19 20:02:12 [INFO] …`, `2022-07-19 20:02:12.345 host ident[pid]: …`), bare or in
//! brackets (`[2022-04-19T18:20:33.138] [debug] …`), and logfmt lines dated by their `t=`,
//! `ts=` or `time=` key (`lvl=info msg="…" t=2018-01-20T21:16:58+0000`).
//!
//! A shell prompt's command (`root@pve:~# qm start 101`, `[user@host ~]$ sudo yum update`) is
//! the operator's context: an undated event of identifier `shell` holding the command. Each
//! other line that is not a paste artifact (a Markdown fence or rule, a `...` elision) becomes
//! an event in file order, so the signal table still reads it: with no time
//! (`RecordedTime::Missing`), or the local (or, with an offset, absolute) time its ISO prefix
//! gives. A line continues the previous record only when it is indented (a call trace, an OOM
//! task table). A `> ` quote marker and the backticks of a line pasted as inline code are not
//! part of the record. Detection takes a member as a fragment only when no other format
//! recognized its lines and a third of the lines it weighs have a log line's shape
//! ([`recognizes`]); anything else stays unrecognized. Other formats' pastes keep their
//! unmistakable log lines through [`mixed_in_event`].

use super::common::{self, is_paste_artifact, record_share, tagged};
use super::{LineParser, Parsed};
use crate::event::{Event, RecordedTime};
use crate::facts::{Fact, FactKind, VmStatus};
use crate::framing::Line;

/// The parser.
#[derive(Debug, Default)]
pub struct Parser {
    dated: u64,
    xen: u64,
    tagged: u64,
    bare: u64,
    /// The prompt above ran `qm status [<vmid>]`: its `status:` and `qmpstatus:` lines are
    /// also read as the VM's state ([`FactKind::VmStatus`]).
    qm_status: Option<Option<u32>>,
    /// The line before was syslogd's wall broadcast header (`Message from syslogd@ovh1 at Oct
    /// 12 11:00:26 ...`): the indented line after it is the broadcast record itself, not a
    /// continuation.
    after_wall_header: bool,
}

/// syslogd's header for a message it broadcast to every terminal (an emergency: a kernel
/// panic, an NMI, a machine check), as pasted from a shell: the record follows on the next
/// line, indented (` kernel:[6115219.458972] Uhhuh. NMI received for unknown reason …`).
fn is_wall_header(record: &[u8]) -> bool {
    record.starts_with(b"Message from syslogd@")
}

/// What a line holds once its quote marker, or the backticks of a line pasted as inline code
/// (`` `qemu-system-x86_64: terminating on signal 15` ``), are removed.
fn unquoted(text: &[u8]) -> &[u8] {
    let t = text.strip_prefix(b"> ").unwrap_or(text);
    let t = t.strip_prefix(b">").filter(|r| r.is_empty()).unwrap_or(t);
    match t.strip_prefix(b"`").and_then(|r| r.strip_suffix(b"`")) {
        Some(inner) if !inner.is_empty() && !inner.contains(&b'`') => inner,
        _ => t,
    }
}

/// QEMU's stderr lines that carry no program name (REFERENCE.md §10.3): a per-domain log's
/// lines between the libvirt headers.
const QEMU_BARE: &[&[u8]] = &[
    b"block I/O error in device ",
    b"char device redirected to ",
    b"Failed to allocate memory: ",
];

/// `2022-07-19 20:02:12 `, `2022-07-19T20:02:12.345Z `, `2022-07-19 20:02:12,345+02:00 `: the ISO
/// date and time an application log (a dump tool, a script, a Java or Python logger) starts its
/// lines with, bare or in brackets (`[2022-04-19T18:20:33.138] [debug] …`, as multipass and
/// many daemons write it). Without an offset the time is local.
fn iso_prefix(text: &[u8]) -> Option<(RecordedTime, &[u8], &[u8])> {
    // A level word before the bracketed stamp (LXD's and Incus's text log:
    // `DEBUG  [2025-01-16T12:12:33Z] Shutdown request sent to instance  instance=…`): the stamp
    // dates the line, the whole line is the message.
    if let Some(after_level) = level_word(text)
        && let Some(inner) = after_level.strip_prefix(b"[")
        && let Some((recorded, rest)) = iso_stamp(inner)
        && rest.starts_with(b"] ")
    {
        let start = text.len() - inner.len();
        return Some((
            recorded,
            &text[start..start + (inner.len() - rest.len())],
            text,
        ));
    }
    let (recorded, rest) = match text.strip_prefix(b"[") {
        Some(inner) => {
            let (recorded, rest) = iso_stamp(inner)?;
            (recorded, rest.strip_prefix(b"]")?)
        }
        None => iso_stamp(text)?,
    };
    let stamp = &text[..text.len() - rest.len()];
    let message = rest
        .strip_prefix(b" ")
        .or_else(|| rest.strip_prefix(b"\t"))?;
    Some((recorded, stamp, message))
}

/// What follows a log level word and its padding at the start of `text` (`DEBUG  `, `INFO `,
/// `WARN `, `EROR `…).
fn level_word(text: &[u8]) -> Option<&[u8]> {
    let word = text.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let level = &text[..word];
    let known = [
        &b"TRACE"[..],
        b"DEBUG",
        b"DEBU",
        b"DBUG",
        b"INFO",
        b"WARN",
        b"WARNING",
        b"ERROR",
        b"ERRO",
        b"FATA",
        b"PANI",
        b"EROR",
        b"FATAL",
        b"CRIT",
    ];
    if !known.contains(&level) {
        return None;
    }
    let rest = &text[word..];
    let pad = rest.iter().take_while(|&&b| b == b' ').count();
    (pad > 0).then_some(&rest[pad..])
}

/// The ISO date and time at the start of `text`, and what follows it.
fn iso_stamp(text: &[u8]) -> Option<(RecordedTime, &[u8])> {
    let (rest, day) = common::date(text).ok()?;
    let rest = rest
        .strip_prefix(b"T")
        .or_else(|| rest.strip_prefix(b" "))?;
    let comma = rest.get(8) == Some(&b',');
    let (rest, time) = common::time_of_day(rest, comma).ok()?;
    let local = day.and_time(time);
    Some(match common::utc_offset(rest) {
        Ok((rest, offset)) => (
            RecordedTime::Absolute(common::absolute(local, offset)?),
            rest,
        ),
        Err(_) => (RecordedTime::Local(local), rest),
    })
}

/// The `key=value` pairs of a logfmt line, values unquoted as written (`msg="a b"` → `a b`,
/// escapes kept). A word without `=` ends nothing and is skipped.
fn logfmt_pairs(text: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            rest = rest.trim_ascii_start();
            if rest.is_empty() {
                return None;
            }
            let word_end = rest
                .iter()
                .position(|&b| b == b' ' || b == b'=')
                .unwrap_or(rest.len());
            if rest.get(word_end) != Some(&b'=') {
                rest = &rest[word_end..];
                continue;
            }
            let key = &rest[..word_end];
            let after = &rest[word_end + 1..];
            let (value, next) = match after.strip_prefix(b"\"") {
                Some(quoted) => {
                    let mut escaped = false;
                    let end = quoted
                        .iter()
                        .position(|&b| {
                            let close = b == b'"' && !escaped;
                            escaped = b == b'\\' && !escaped;
                            close
                        })
                        .unwrap_or(quoted.len());
                    (&quoted[..end], quoted.get(end + 1..).unwrap_or_default())
                }
                None => {
                    let end = after.iter().position(|&b| b == b' ').unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            rest = next;
            return Some((key, value));
        }
    })
}

/// The time of a logfmt line (`lvl=info msg="Shutting down container" name=c1
/// t=2018-01-20T21:16:58+0000`, as LXD, Incus and many Go daemons write): the value of its `t`,
/// `ts` or `time` key, when the line has a `msg` key too. Keys are read pair by pair, so a
/// `t=` inside a quoted message is no time. Returns the time and the value as written.
fn logfmt_time(text: &[u8]) -> Option<(RecordedTime, &[u8])> {
    let mut has_msg = false;
    let mut time = None;
    for (key, value) in logfmt_pairs(text) {
        match key {
            b"msg" => has_msg = true,
            b"t" | b"ts" | b"time" if time.is_none() => {
                if let Some((recorded, rest)) = iso_stamp(value)
                    && rest.is_empty()
                {
                    time = Some((recorded, value));
                }
            }
            _ => {}
        }
    }
    time.filter(|_| has_msg)
}

/// `[ 12345.678901] ` at the start of a kernel line (a dmesg paste stripped of nothing else).
fn uptime_prefix(text: &[u8]) -> Option<(u64, &[u8])> {
    let rest = text.strip_prefix(b"[")?;
    let close = rest.iter().position(|&b| b == b']')?;
    let inside = rest[..close].trim_ascii();
    let (secs, frac) = match inside.iter().position(|&b| b == b'.') {
        Some(dot) => (&inside[..dot], &inside[dot + 1..]),
        None => (inside, &b""[..]),
    };
    if secs.is_empty()
        || secs.len() > 12
        || !secs.iter().all(u8::is_ascii_digit)
        || !frac.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let whole: u64 = std::str::from_utf8(secs).ok()?.parse().ok()?;
    let micros = whole
        .saturating_mul(1_000_000)
        .saturating_add(super::common::frac_micros(frac));
    let after = &rest[close + 1..];
    Some((micros, after.strip_prefix(b" ").unwrap_or(after)))
}

/// `/usr/bin/fakeroot: line 181: …`: bash's message about a line of a script.
fn bash_error(text: &[u8]) -> bool {
    let Some(at) = text.windows(7).position(|w| w == b": line ") else {
        return false;
    };
    let rest = &text[at + 7..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && rest[digits..].starts_with(b": ") && !text[..at].contains(&b' ')
}

/// Whether an identifier looks like a program's name rather than the first word of prose or
/// of a kernel message (`Out of memory: …` has a space, so it is no identifier).
fn plausible_ident(ident: &[u8]) -> bool {
    ident.len() <= 40
        && ident
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'@'))
        && ident.first().is_some_and(u8::is_ascii_alphabetic)
}

/// The VMID of a `qm status [<vmid>] [--verbose]` command (`Some(None)` when it names none),
/// `None` for any other command.
fn qm_status_command(command: &[u8]) -> Option<Option<u32>> {
    let mut words = command
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .skip_while(|w| *w == b"sudo");
    (words.next()? == b"qm" && words.next()? == b"status").then(|| {
        words
            .find(|w| w.iter().all(u8::is_ascii_digit))
            .and_then(|w| std::str::from_utf8(w).ok()?.parse().ok())
    })
}

/// A state line of `qm status` (REFERENCE.md §10.4): `status: running`, `qmpstatus: io-error`,
/// at the start of the line (the verbose form's nested keys are indented by TABs).
fn qm_status_line(text: &[u8]) -> Option<(&str, &str)> {
    let (key, state) = if let Some(state) = text.strip_prefix(b"status: ") {
        ("status", state)
    } else {
        ("qmpstatus", text.strip_prefix(b"qmpstatus: ")?)
    };
    let state = std::str::from_utf8(state.trim_ascii()).ok()?;
    let word = !state.is_empty() && state.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    word.then_some((key, state))
}

/// The identifier of an operator's command read from a shell prompt line.
pub const SHELL: &[u8] = b"shell";

/// bash's report of a job killed by SIGKILL: a bare `Killed` (the foreground command) or
/// `NAME: line N:  PID Killed  COMMAND` (a script's job).
fn job_report(text: &[u8]) -> bool {
    text == b"Killed" || bash_error(text) && memchr::memmem::find(text, b" Killed ").is_some()
}

/// What kind of line an undated event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Dated,
    Xen,
    Tagged,
    Bare,
}

/// The undated event of a line (`text` is the line without indentation and quote marker).
fn event_of<'b>(line: &Line<'b>, text: &'b [u8]) -> (Event<'b>, Shape) {
    let shape;
    let (recorded, stamp, text_after) = iso_prefix(text)
        .or_else(|| logfmt_time(text).map(|(recorded, stamp)| (recorded, stamp, text)))
        .or_else(|| {
            time_only_prefix(text).map(|(stamp, rest)| (RecordedTime::Missing, stamp, rest))
        })
        .unwrap_or((RecordedTime::Missing, b"", text));
    // A time of day alone dates nothing: the line is read as undated, its stamp kept.
    let dated = !matches!(recorded, RecordedTime::Missing);
    // After any stamp, a time of day alone included, may come `host ident[pid]:`.
    let stamped = !stamp.is_empty();
    let mut event = Event::new(recorded, stamp, line.number, line.offset, text);
    // After a date, `host ident[pid]: msg` as a syslog daemon writes it.
    let text = match text_after.iter().position(|&b| b == b' ') {
        Some(sp) if stamped && plausible_ident(&text_after[..sp]) => {
            let after = &text_after[sp + 1..];
            let t = tagged(after);
            let syslog_tag = t.pid.is_some() || t.ident == Some(b"kernel");
            if syslog_tag && t.ident.is_some_and(plausible_ident) && !t.message.is_empty() {
                event.hostname = Some(&text_after[..sp]);
                after
            } else {
                text_after
            }
        }
        _ => text_after,
    };
    if let Some(rest) = text.strip_prefix(b"(XEN) ") {
        shape = Shape::Xen;
        event.ident = Some(b"xen");
        event.message = crate::event::Bytes::Borrowed(rest);
    } else if let Some(message) = common::console_status(text) {
        // systemd's manager speaking on the console: PID 1's words.
        shape = Shape::Tagged;
        event.ident = Some(b"systemd");
        event.pid = Some(1);
        event.message = message;
    } else {
        let (uptime, rest) = match uptime_prefix(text) {
            Some((us, rest)) => (Some(us), rest),
            None => (None, text),
        };
        let t = tagged(rest);
        match t.ident {
            Some(ident) if plausible_ident(ident) => {
                shape = Shape::Tagged;
                event.ident = Some(ident);
                event.pid = t.pid;
                let (uptime, message) = match (uptime, uptime_prefix(t.message)) {
                    (None, Some((us, m))) => (Some(us), m),
                    (u, _) => (u, t.message),
                };
                event.uptime_us = uptime;
                event.message = crate::event::Bytes::Borrowed(message);
            }
            _ => {
                shape = Shape::Bare;
                event.uptime_us = uptime;
                event.message = crate::event::Bytes::Borrowed(rest);
            }
        }
    }
    (event, if dated { Shape::Dated } else { shape })
}

/// The undated event of a line of another format's member that the caller found worth keeping
/// (a line the signal table reads as a statement: `cpio: write error: No space left on device`
/// among a terminal session's command output).
pub(crate) fn stated_event<'b>(line: &Line<'b>) -> Event<'b> {
    event_of(line, unquoted(line.text.trim_ascii_start())).0
}

/// An undated event for a line of another format's member that is unmistakably a log line (a
/// kernel uptime, a Xen console, QEMU's bare stderr, bash's script error, `ident[pid]: …`,
/// `kernel: …`): a paste that mixes command output with log lines keeps both.
pub(crate) fn mixed_in_event<'b>(line: &Line<'b>) -> Option<Event<'b>> {
    let text = unquoted(line.text.trim_ascii_start());
    if is_paste_artifact(text) {
        return None;
    }
    let strong = text.starts_with(b"(XEN) ")
        || bash_error(text)
        || QEMU_BARE.iter().any(|p| text.starts_with(p))
        || uptime_prefix(text).is_some()
        || {
            let t = tagged(text);
            t.ident.is_some_and(plausible_ident)
                && (t.pid.is_some() || t.ident == Some(b"kernel"))
                && !t.message.is_empty()
        };
    strong.then(|| event_of(line, text).0)
}

impl<'b> LineParser<'b> for Parser {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        let text = line.text;
        // The line without indentation and quote marker.
        let record = unquoted(text.trim_ascii_start());
        // The operator's command at a shell prompt: context for the lines it printed.
        if let Some(command) = common::prompt_command(record) {
            let mut event =
                Event::new(RecordedTime::Missing, b"", line.number, line.offset, record);
            event.ident = Some(SHELL);
            event.message = crate::event::Bytes::Borrowed(command);
            out.push_event(event);
            self.qm_status = qm_status_command(command);
            return;
        }
        // `qm status`'s own lines stay events (the signal table reads `status: io-error`), and
        // state the VM's status too.
        if let Some(vmid) = self.qm_status
            && let Some((key, state)) = qm_status_line(text)
        {
            out.facts.push(Fact {
                line: line.number,
                offset: line.offset,
                kind: FactKind::VmStatus(VmStatus {
                    vmid,
                    key: key.to_string(),
                    state: state.to_string(),
                }),
            });
        }
        if is_paste_artifact(text) {
            out.push_unparsed(&line);
            return;
        }
        let after_wall_header = std::mem::take(&mut self.after_wall_header);
        if is_wall_header(record) {
            out.push_banner(None);
            self.after_wall_header = true;
            return;
        }
        let indented = text.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if indented && !after_wall_header && out.last_line_was_event(&line) {
            out.push_continuation(text.trim_ascii_start());
            return;
        }
        if record.is_empty() || is_paste_artifact(record) {
            out.push_unparsed(&line);
            return;
        }
        let (event, shape) = event_of(&line, record);
        match shape {
            Shape::Dated => self.dated += 1,
            Shape::Xen => self.xen += 1,
            Shape::Tagged => self.tagged += 1,
            Shape::Bare => self.bare += 1,
        }
        out.push_event(event);
    }

    fn variant(&self) -> &'static str {
        if self.dated > self.xen && self.dated > self.tagged && self.dated > self.bare {
            "fragment-dated"
        } else if self.xen > self.tagged && self.xen > self.bare {
            "fragment-xen-console"
        } else if self.tagged >= self.bare {
            "fragment-tagged"
        } else {
            "fragment-bare"
        }
    }
}

/// Whether a member's head looks like a pasted fragment of log lines: at least one line with a
/// log line's shape (`ident[pid]: …`, `kernel: …`, `(XEN) …`, a kernel `[uptime]` prefix), and
/// at least a third of the lines that are not paste artifacts with one; or a terminal session
/// (shell prompts with their commands) in which bash reported a job `Killed` or whose commands
/// printed little.
pub fn recognizes(head: &[u8]) -> bool {
    // Indented lines without a shape of their own continue a record (a call trace, an OOM
    // task table): not weighed.
    let (mut prompts, mut killed) = (0u32, 0u32);
    // Every line a command printed, indented or not.
    let mut output = 0u32;
    let (shaped, lines) = record_share(head, |line| {
        let indented = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        let text = unquoted(line.trim_ascii_start());
        if common::prompt_command(text).is_some() {
            prompts += 1;
        }
        if job_report(text) {
            killed += 1;
        }
        let artifact = is_paste_artifact(text);
        if !artifact {
            output += 1;
        }
        let shape = has_shape(text);
        (!artifact && (shape || !indented)).then_some(shape)
    });
    // A terminal session is a fragment too (the operator's commands are context) when the
    // shell reported a job killed, whatever else the commands printed, or when the commands
    // printed little (at most three lines each on average: a command output worth parsing has a
    // format of its own).
    shaped > 0 && shaped * 3 >= lines || prompts > 0 && (killed > 0 || output <= 3 * prompts)
}

/// How kernel messages start when they are pasted bare, without time, host or `kernel:` tag
/// (REFERENCE.md §7, §10.11): the OOM report, panics and oopses, hung tasks, machine checks,
/// block and file-system errors.
const KERNEL_BARE: &[&[u8]] = &[
    b"Out of memory: ",
    b"Out of memory (oom_kill_allocating_task): ",
    b"Memory cgroup out of memory: ",
    b"Killed process ",
    b"oom-kill:constraint=",
    b"oom_reaper: ",
    b"Task in /",
    b"Tasks state (memory values in pages):",
    b"[  pid  ]   uid  tgid total_vm",
    b"Mem-Info:",
    b"Free swap  = ",
    b"Total swap = ",
    b"Swap cache stats: ",
    b"Out of memory and no killable processes",
    b"---[ end Kernel panic",
    b"Kernel panic - not syncing",
    b"BUG: ",
    b"Oops: ",
    b"INFO: task ",
    b"watchdog: BUG: soft lockup",
    b"mce: [Hardware Error]",
    b"[Hardware Error]: ",
    b"EDAC ",
    b"Buffer I/O error on dev",
    b"blk_update_request: ",
    b"EXT4-fs error",
    b"EXT4-fs (",
    b"XFS (",
    b"Call Trace:",
];

/// Whether a line is a kernel message pasted bare ([`KERNEL_BARE`], or the OOM killer's header
/// `<task> invoked oom-killer: …`).
fn kernel_bare(text: &[u8]) -> bool {
    KERNEL_BARE.iter().any(|p| text.starts_with(p))
        || memchr::memmem::find(text, b" invoked oom-killer: ").is_some()
        || show_mem_count(text)
}

/// The memory report's counts (`show_mem`): `26790 total pagecache pages`, `32638 pages RAM`,
/// `0 pages in swap cache`, `3977 pages reserved`, `0 pages HighMem/MovableOnly`.
fn show_mem_count(text: &[u8]) -> bool {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0
        && [
            &b" total pagecache pages"[..],
            b" pages RAM",
            b" pages in swap cache",
            b" pages reserved",
            b" pages HighMem/MovableOnly",
        ]
        .contains(&&text[digits..])
}

/// `22:41:43 ` at the start of a line whose date was cut off: the time of day alone, kept as
/// written (no date to place it by), and what follows it.
fn time_only_prefix(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let shape = text.get(..8)?;
    let ok = shape.iter().enumerate().all(|(i, b)| match i {
        2 | 5 => *b == b':',
        _ => b.is_ascii_digit(),
    });
    if !ok {
        return None;
    }
    let frac = text[8..].strip_prefix(b".").map_or(0, |r| {
        1 + r.iter().take_while(|b| b.is_ascii_digit()).count()
    });
    let stamp = &text[..8 + frac];
    let rest = text[8 + frac..].strip_prefix(b" ")?;
    Some((stamp, rest))
}

/// A BMC's event as its web interface or health log words it: the sensor's event, then the
/// IPMI direction (`Uncorrectable ECC / … @P2-DIMMH2(CPU2) - Assertion`).
fn bmc_event(text: &[u8]) -> bool {
    text.ends_with(b" - Assertion") || text.ends_with(b" - Deassertion")
}

/// Whether a line has a log line's shape: a tag, a kernel uptime, a Xen console prefix, one
/// of QEMU's bare stderr lines, bash's message about a script, a kernel message pasted bare or a
/// BMC's event.
fn has_shape(text: &[u8]) -> bool {
    let text = time_only_prefix(text).map_or(text, |(_, rest)| rest);
    let t = tagged(uptime_prefix(text).map_or(text, |(_, rest)| rest));
    kernel_bare(text)
        || bmc_event(text)
        || logfmt_time(text).is_some()
        || text.starts_with(b"(XEN) ")
        || common::console_status(text).is_some()
        || iso_prefix(text).is_some()
        || bash_error(text)
        || QEMU_BARE.iter().any(|p| text.starts_with(p))
        || uptime_prefix(text).is_some()
        || t.ident.is_some_and(plausible_ident) && !t.message.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::FormatKind;
    use crate::limits::Limits;

    fn parse(text: &str) -> Parsed<'_> {
        super::super::parse(FormatKind::Fragment, text.as_bytes(), &Limits::default())
    }

    #[test]
    fn qm_status_after_its_prompt_states_the_vms_state() {
        // As pasted with `--verbose` (nested keys indented by a TAB), then a plain one; the
        // lines stay events for the signal table.
        let p = parse(
            "root@hv01:~# qm status 205 --verbose\n\
             ballooninfo:\n\
             \tactual: 17179869184\n\
             qmpstatus: guest-panicked\n\
             status: running\n\
             root@hv01:~# qm status 201\n\
             status: io-error\n\
             root@hv01:~# cat /tmp/status.txt\n\
             status: stopped\n",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        let got: Vec<(u32, Option<u32>, &str, &str)> = p
            .facts
            .iter()
            .filter_map(|f| match &f.kind {
                FactKind::VmStatus(v) => Some((f.line, v.vmid, &*v.key, &*v.state)),
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            [
                (4, Some(205), "qmpstatus", "guest-panicked"),
                (5, Some(205), "status", "running"),
                (7, Some(201), "status", "io-error"),
            ]
        );
        assert!(p.events.iter().any(|e| &*e.message == b"io-error"));
        assert_eq!(qm_status_command(b"sudo qm status"), Some(None));
        assert_eq!(qm_status_command(b"qm list"), None);
    }

    #[test]
    fn systemds_console_status_lines_are_pid_1s_records() {
        let p = parse(
            "[  OK  ] Stopped target Timers.\n\
             [  OK  ] Stopped Daily Cleanup of Temporary Directories.\n\
             \x1b[0;32m\x1b[0m\n\
             [\x1b[0;32m  OK  \x1b[0m] Reached target \x1b[0;1;39mPower-Off\x1b[0m.\r\n\
             [FAILED] Failed to start Load Kernel Modules.\n",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        let got: Vec<(&[u8], Option<u32>, &[u8])> = p
            .events
            .iter()
            .map(|e| (e.ident.unwrap_or_default(), e.pid, &*e.message))
            .collect();
        let want: Vec<(&[u8], Option<u32>, &[u8])> = vec![
            (b"systemd", Some(1), b"Stopped target Timers."),
            (
                b"systemd",
                Some(1),
                b"Stopped Daily Cleanup of Temporary Directories.",
            ),
            (b"", None, b"\x1b[0;32m\x1b[0m"),
            (b"systemd", Some(1), b"Reached target Power-Off."),
            (b"systemd", Some(1), b"Failed to start Load Kernel Modules."),
        ];
        assert_eq!(got, want);
        assert!(recognizes(
            b"[  OK  ] Stopped target Timers.\n[  OK  ] Reached target Shutdown.\n"
        ));
        // A bracketed word that is not a status is no status line.
        assert!(common::console_status(b"[ NOTE ] something").is_none());
        assert!(common::console_status(b"[  OK  ]").is_none());
    }

    #[test]
    fn bare_and_tagged_lines_are_undated_events() {
        let p = parse(
            "```\n\
             kernel: Out of memory: Killed process 6643 (mysqld) total-vm:1117156kB, anon-rss:225548kB\n\
             pvedaemon[1234]: VM 101 qmp command failed - VM 101 not running\n\
             Kernel panic - not syncing: Fatal machine check\n\
             (XEN) domain_crash called from p2m.c:1122\n\
             ...\n\
             ```\n",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.events.len(), 4);
        assert_eq!(p.stats.unparsed_lines, 3);
        let e = &p.events[0];
        assert_eq!(e.recorded, RecordedTime::Missing);
        assert_eq!(e.ident, Some(&b"kernel"[..]));
        assert!(e.message.starts_with(b"Out of memory: Killed process 6643"));
        assert_eq!(p.events[1].pid, Some(1234));
        assert_eq!(p.events[2].ident, None);
        assert_eq!(
            &p.events[2].message[..],
            b"Kernel panic - not syncing: Fatal machine check"
        );
        assert_eq!(p.events[3].ident, Some(&b"xen"[..]));
        assert_eq!(p.events[0].line, 2);
    }

    #[test]
    fn syslogds_wall_broadcasts_are_records_of_their_own() {
        // As pasted from a shell (openfoodfacts-infrastructure#430).
        let p = parse(
            "Message from syslogd@ovh1 at Oct 12 11:00:26 ...\n              kernel:[6115219.458972] Uhhuh. NMI received for unknown reason 2d on CPU 42.\n\n             Message from syslogd@ovh1 at Oct 12 11:00:26 ...\n              kernel:[6115219.458974] Do you have a strange power saving mode enabled?\n",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.stats.banner_lines, 2);
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[0].ident, Some(&b"kernel"[..]));
        assert_eq!(
            &p.events[0].message[..],
            b"Uhhuh. NMI received for unknown reason 2d on CPU 42."
        );
        assert_eq!(p.events[1].line, 5);
    }

    #[test]
    fn lines_with_an_iso_date_are_dated() {
        let p = parse(
            "2022-07-19 20:02:12.345 pve1 pvedaemon[1234]: VM 101 qmp command failed - VM 101 not running\n\
             2022-07-19T20:02:13Z [INFO] - Thread 4 dumping data\n\
             2022-07-19 20:02:14 Starting backup: job 3\n\
             Killed\n\
             [2022-04-19T18:20:37.121] [info] [current-pewee] VM shut down\n",
        );
        assert_eq!(p.events.len(), 5);
        let e = &p.events[0];
        assert!(matches!(e.recorded, RecordedTime::Local(_)));
        assert_eq!(e.hostname, Some(&b"pve1"[..]));
        assert_eq!((e.ident, e.pid), (Some(&b"pvedaemon"[..]), Some(1234)));
        assert!(matches!(p.events[1].recorded, RecordedTime::Absolute(_)));
        assert_eq!(&p.events[1].message[..], b"[INFO] - Thread 4 dumping data");
        // A word and a colon after the date is no host and tag.
        assert_eq!(p.events[2].hostname, None);
        assert_eq!(p.events[3].recorded, RecordedTime::Missing);
        // multipassd's bracketed stamp (as posted in canonical/multipass#2531).
        let e = &p.events[4];
        assert!(matches!(e.recorded, RecordedTime::Local(_)));
        assert_eq!(e.time_text, b"[2022-04-19T18:20:37.121]");
        assert_eq!(&e.message[..], b"[info] [current-pewee] VM shut down");
        // LXD's text log: a level word, then the bracketed stamp.
        let p2 = parse(
            "DEBUG  [2025-01-16T12:12:38Z] Instance stopped   instance=win11test project=default reason=guest-shutdown\n",
        );
        assert!(matches!(p2.events[0].recorded, RecordedTime::Absolute(_)));
        assert_eq!(p2.events[0].time_text, b"2025-01-16T12:12:38Z");
        assert!(p2.events[0].message.starts_with(b"DEBUG  ["));
        assert_eq!(p.variant, "fragment-dated");
    }

    #[test]
    fn a_terminal_session_keeps_the_operators_commands() {
        // As posted in amazonlinux/amazon-linux-2023#404: nothing but prompts, ssh's farewell
        // and bash's report of the killed command.
        let text = "[ec2-user@ip-x-x-x-x ~]$ sudo yum update\n\
                    Connection to x.x.x.x closed by remote host.\n\
                    Connection to x.x.x.x closed.\n\
                    \n\
                    [root@ip-x-x-x-x ~]$ yum update\n\
                    Killed\n\
                    Connection to x.x.x.x closed by remote host.\n";
        assert!(recognizes(text.as_bytes()));
        let p = parse(text);
        assert!(p.stats.balanced(), "{:?}", p.stats);
        let shell: Vec<&[u8]> = p
            .events
            .iter()
            .filter(|e| e.ident == Some(SHELL))
            .map(|e| &e.message[..])
            .collect();
        assert_eq!(shell, [&b"sudo yum update"[..], b"yum update"]);
        assert!(p.events.iter().any(|e| &e.message[..] == b"Killed"));
        // Prompts and their output alone, no job killed: not a fragment.
        assert!(!recognizes(
            b"root@pve:~# qm list\n      VMID NAME  STATUS\n       101 web   running\n       102 db    running\n       103 mail  stopped\n"
        ));
        // An operator's command and its short answer (canonical/multipass#2217, as posted).
        let session = "```bash\n$ multipass stop cka\nStopping cka /[2021-08-26T16:48:50.242] [error] [cka] process error occurred Crashed\n```\n";
        assert!(recognizes(session.as_bytes()));
        let p = parse(session);
        assert_eq!(p.events[0].ident, Some(SHELL));
        assert_eq!(&p.events[0].message[..], b"multipass stop cka");
    }

    #[test]
    fn logfmt_lines_are_dated_by_their_time_key() {
        // LXD's log as posted in lxc/lxd#4193.
        let text = "action=shutdown created=2018-01-11T21:10:03+0000 ephemeral=false lvl=info msg=\"Shutting down container\" name=container01 t=2018-01-20T21:16:58+0000 timeout=30s used=2018-01-20T12:11:09+0000\n\
                    lvl=warn msg=\"Unable to update backup.yaml at this time.\" name=pgpoon1i t=2018-01-20T21:16:58+0000\n\
                    time=\"2024-03-01T10:00:00Z\" level=info msg=\"Stopping instance\" instance=c1\n";
        assert!(recognizes(text.as_bytes()));
        let p = parse(text);
        assert_eq!(p.events.len(), 3);
        for e in &p.events {
            assert!(matches!(e.recorded, RecordedTime::Absolute(_)), "{e:?}");
        }
        assert_eq!(p.events[0].time_text, b"2018-01-20T21:16:58+0000");
        assert_eq!(p.events[2].time_text, b"2024-03-01T10:00:00Z");
        assert!(p.events[0].message.starts_with(b"action=shutdown"));
        // A `t=` that is no time, or no `msg=`, is no logfmt time.
        assert!(logfmt_time(b"lvl=info msg=x t=soon").is_none());
        assert!(logfmt_time(b"lvl=info t=2018-01-20T21:16:58+0000").is_none());
        // A `t=` inside a quoted value is part of the message.
        let (_, at) = logfmt_time(
            br#"level=info msg="replaying from t=2019-01-01T00:00:00Z" t=2024-03-01T10:00:02Z"#,
        )
        .unwrap();
        assert_eq!(at, b"2024-03-01T10:00:02Z");
    }

    #[test]
    fn bare_kernel_lines_and_bmc_events_are_a_fragment() {
        // As posted in kubevirt/kubevirt#2687: the OOM report, wrapped, nothing else.
        let oom = b"Memory cgroup out of memory: Kill process 226667 (container-disk)\n\
                    score 1001 or sacrifice child\n\
                    Killed process 226431 (container-disk) total-vm:115804kB,\n\
                    anon-rss:0kB, file-rss:3760kB, shmem-rss:0kB\n";
        assert!(recognizes(oom));
        let p = super::super::parse(FormatKind::Fragment, oom, &Limits::default());
        assert_eq!(p.events.len(), 4);
        // A Supermicro BMC's health event, as posted in openstreetmap/operations#962.
        assert!(recognizes(
            b"```\nUncorrectable ECC / other uncorrectable memory error @P2-DIMMA1(CPU2) - Assertion\n```\n"
        ));
        // Prose is not.
        assert!(!recognizes(
            b"The server rebooted twice last night.\nWe replaced the DIMM.\n"
        ));
    }

    #[test]
    fn a_time_of_day_alone_and_the_oom_reports_counts() {
        // As posted in IceWhaleTech/ZimaOS#588: the date cut off.
        let text = "22:41:43 nut-monitor[1862]: UPS ups@localhost battery is low\n\
                    22:41:48 nut-monitor[1862]: Executing automatic power-fail shutdown\n\
                    22:42:04 (poweroff)\n";
        assert!(recognizes(text.as_bytes()));
        let p = parse(text);
        assert_eq!(p.events.len(), 3);
        let e = &p.events[1];
        assert_eq!(e.recorded, RecordedTime::Missing);
        assert_eq!(e.time_text, b"22:41:48");
        assert_eq!((e.ident, e.pid), (Some(&b"nut-monitor"[..]), Some(1862)));
        assert_eq!(&e.message[..], b"Executing automatic power-fail shutdown");
        // A guest's OOM report and panic on its console (krabs#8), as posted.
        assert!(recognizes(
            b"26790 total pagecache pages\n0 pages in swap cache\nFree swap  = 0kB\nTotal swap = 0kB\n32638 pages RAM\nOut of memory and no killable processes...\nKernel panic - not syncing: System is deadlocked on memory\n"
        ));
        // A host before the tag, after the time of day.
        let p = parse("22:41:48 pve nut-monitor[1862]: Executing automatic power-fail shutdown\n");
        assert_eq!(p.events[0].hostname, Some(&b"pve"[..]));
        assert_eq!(p.events[0].ident, Some(&b"nut-monitor"[..]));
        assert!(time_only_prefix(b"22:41 x").is_none());
        assert!(time_only_prefix(b"12:34:56").is_none());
    }

    #[test]
    fn a_line_pasted_as_inline_code_is_the_line() {
        let p = parse("`qemu-system-x86_64: terminating on signal 15`\n");
        assert_eq!(p.events.len(), 1);
        assert_eq!(p.events[0].ident, Some(&b"qemu-system-x86_64"[..]));
        assert_eq!(&p.events[0].message[..], b"terminating on signal 15");
    }

    #[test]
    fn indented_lines_continue_and_uptimes_are_kept() {
        let p = parse(
            "kernel: [386930.442556] tor invoked oom-killer: gfp_mask=0x24201ca, order=0\n\
             \x20dump_stack+0x5c/0x78\n\
             \x20dump_header+0x78/0x1fd\n\
             > qemu-system-x86_64: terminating on signal 15 from pid 4242\n",
        );
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[0].lines, 3);
        assert_eq!(p.events[0].uptime_us, Some(386_930_442_556));
        assert!(p.events[0].message.starts_with(b"tor invoked oom-killer"));
        assert_eq!(p.events[1].ident, Some(&b"qemu-system-x86_64"[..]));
    }

    #[test]
    fn detection_needs_log_shaped_lines() {
        assert!(recognizes(
            b"kernel: Out of memory: Killed process 1 (x)\nmore text here\n"
        ));
        assert!(recognizes(
            b"(XEN) Xen call trace:\n(XEN)    [<ffff82d08022e3c1>] foo\n"
        ));
        assert!(!recognizes(
            b"This is a sentence about a VM.\nAnother one.\nAnd a third.\n"
        ));
        assert!(!recognizes(
            b"url = \"https://example.org\"\nlabel = \"x\"\n"
        ));
        assert!(recognizes(
            b"`qemu-system-x86_64: terminating on signal 15`\n"
        ));
        assert!(recognizes(
            b" 249   ocp-master01                   paused\n\
              block I/O error in device 'drive-virtio-disk0': No space left on device (28)\n"
        ));
        assert!(recognizes(
            b"    /usr/local/bin/drone: line 82:    48 Killed                  bundle install\n"
        ));
        // A call trace's frames neither count for nor against a fragment; Markdown rules are
        // paste artifacts.
        assert!(recognizes(
            b"###\nFailed to allocate memory: Resource temporarily unavailable\n###\n\
              The core dump shows:\n\
              \x20ffffdf7fff29f0ea _lwp_kill () + a\n\
              \x20ffffdf7fff2338f0 raise (6) + 20\n\
              \x20000000000054b172 qemu_oom_check (0) + 49\n"
        ));
    }
}
