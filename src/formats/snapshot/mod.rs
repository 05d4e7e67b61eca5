//! Snapshot command outputs: the state an SRE captures next to the logs (REFERENCE.md §8),
//! turned into typed [`Fact`]s with their line and offset.
//!
//! One member may hold several snapshots, pasted one after the other with their shell prompts
//! and Markdown fences:
//!
//! ```text
//! root@pve1:~# qm list
//!       VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID
//!        101 web                  running    8192              32.00 4242
//! root@pve1:~# free -h
//!                total        used        free      shared  buff/cache   available
//! Mem:            31Gi        29Gi       512Mi       1,5Gi       1,8Gi       1,2Gi
//! ```
//!
//! A prompt names the command whose output follows, and so picks the parser (`qm list`,
//! `qm config <vmid>`, `cat /etc/pve/qemu-server/<vmid>.conf`, `cat /proc/meminfo`, `free`,
//! `df`, `zpool status`, `sensors`, `uptime`, `journalctl --list-boots`, `pvecm status|nodes`,
//! `date`); its flags
//! give units (`free -m`, `df -k`, `--si`). Without a prompt, a section starts at a line that
//! only its command prints (`      VMID NAME`, `MemTotal:`, a `free` header, `Filesystem … Mounted
//! on`, `  pool:`, a chip line followed by `Adapter:`, ` 10:30:00 up`, `IDX BOOT ID`, a `pvecm`
//! block title over its dashes (`Membership information`), known
//! `qm config` keys). A `date` output line (or a `[YYYY-MM-DD HH:MM:SS]` before a prompt) gives
//! a [`FactKind::SnapshotTakenAt`].
//!
//! `last` output pasted among the snapshots (after a `last`/`wtmpdb` prompt, or a line only
//! `last` prints) is handed to the `last` parser when its block ends, so its records become
//! events and [`FactKind::Session`] facts with the year inference of
//! [`crate::formats::last`], at their own lines and offsets.
//!
//! Accounting: every line is blank, a fact line (it produced a fact or belongs to one, such as
//! a table header or a config line of a snapshot section), or unparsed (prompts without a time,
//! fences, lines no section accepts). Snapshots give no events: what they state has no time of
//! its own.
//!
//! # Known deviations
//! - Localized headers and row labels (`free` and `df` under a non-English `LANG`) are not
//!   recognized; localized decimal commas in the numbers are.
//! - `journalctl --list-boots -o json-pretty` (multi-line JSON) is unparsed; `-o json` is read.
//! - `sensors` readings other than temperatures (fans, voltages, power) are fact lines without
//!   a fact.

mod df;
mod free;
mod list_boots;
mod lvs;
mod meminfo;
mod pvecm;
mod qm_config;
mod qm_list;
mod sensors;
mod smartctl;
mod timedatectl;
mod uptime;
mod vm_table;
mod zpool;

use chrono::NaiveDateTime;

use crate::event::RecordedTime;
use crate::facts::{ClockShown, Fact, FactKind};
use crate::formats::{FormatKind, LineProblem, Parsed, common, parsed_for};
use crate::framing::{Line, Lines, is_blank};
use crate::limits::Limits;

/// The snapshot kinds, in the order of [`KIND_NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    QmList = 0,
    QmConfig = 1,
    MemInfo = 2,
    Free = 3,
    Df = 4,
    Zpool = 5,
    Sensors = 6,
    Uptime = 7,
    ListBoots = 8,
    Date = 9,
    Last = 10,
    VmTable = 11,
    Timedatectl = 12,
    ZoneFile = 13,
    Pvecm = 14,
    Smartctl = 15,
    Lvs = 16,
}

/// The variant names `pvelog sources` shows.
const KIND_NAMES: [&str; 17] = [
    "snapshot-qm-list",
    "snapshot-qm-config",
    "snapshot-meminfo",
    "snapshot-free",
    "snapshot-df",
    "snapshot-zpool",
    "snapshot-sensors",
    "snapshot-uptime",
    "snapshot-list-boots",
    "snapshot-date",
    "snapshot-last",
    "snapshot-vm-list",
    "snapshot-timedatectl",
    "snapshot-timezone",
    "snapshot-pvecm",
    "snapshot-smartctl",
    "snapshot-lvs",
];

/// Where facts go, with the position of the line being read.
pub(crate) struct Sink<'a> {
    facts: &'a mut Vec<Fact>,
    line: u32,
    offset: u64,
}

impl Sink<'_> {
    /// Records a fact at the current line.
    fn push(&mut self, kind: FactKind) {
        self.facts.push(Fact {
            line: self.line,
            offset: self.offset,
            kind,
        });
    }

    /// Records a fact at an earlier line (a section's first line).
    fn push_at(&mut self, line: u32, offset: u64, kind: FactKind) {
        self.facts.push(Fact { line, offset, kind });
    }
}

/// Feeds `text` line by line to a section parser, as the snapshot driver does (for the unit
/// tests of each parser): `line` says whether it took the line, `finish` emits what the section
/// held. Blank lines are skipped when `skip_blank`. Returns the facts and the lines not taken.
#[cfg(test)]
pub(crate) fn run_lines<S>(
    text: &[u8],
    skip_blank: bool,
    mut state: S,
    line: fn(&mut S, &[u8], &mut Sink<'_>) -> bool,
    finish: fn(S, &mut Sink<'_>),
) -> (Vec<Fact>, usize) {
    let mut facts = Vec::new();
    let mut rejected = 0;
    for (n, text) in text.split(|&b| b == b'\n').enumerate() {
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if skip_blank && text.trim_ascii().is_empty() {
            continue;
        }
        let mut sink = Sink {
            facts: &mut facts,
            line: n as u32 + 1,
            offset: n as u64,
        };
        if !line(&mut state, text, &mut sink) {
            rejected += 1;
        }
    }
    finish(
        state,
        &mut Sink {
            facts: &mut facts,
            line: 0,
            offset: 0,
        },
    );
    (facts, rejected)
}

/// The parser state of the section being read.
enum Section {
    None,
    QmList(qm_list::State),
    QmConfig(qm_config::State),
    MemInfo(meminfo::State),
    Free(free::State),
    Df(df::State),
    Zpool(zpool::State),
    Sensors(sensors::State),
    Uptime(uptime::State),
    ListBoots(list_boots::State),
    VmTable(vm_table::State),
    Timedatectl(timedatectl::State),
    ZoneFile(timedatectl::ZoneFile),
    Pvecm(pvecm::State),
    Smartctl(smartctl::State),
    Lvs(lvs::State),
    Date,
    /// `last` output among the snapshots: the indexes of its first and last lines, read by the
    /// `last` parser when the section ends.
    Last(Option<(usize, usize)>),
}

impl Section {
    fn kind(&self) -> Option<Kind> {
        Some(match self {
            Section::None => return None,
            Section::QmList(_) => Kind::QmList,
            Section::QmConfig(_) => Kind::QmConfig,
            Section::MemInfo(_) => Kind::MemInfo,
            Section::Free(_) => Kind::Free,
            Section::Df(_) => Kind::Df,
            Section::Zpool(_) => Kind::Zpool,
            Section::Sensors(_) => Kind::Sensors,
            Section::Uptime(_) => Kind::Uptime,
            Section::ListBoots(_) => Kind::ListBoots,
            Section::VmTable(_) => Kind::VmTable,
            Section::Timedatectl(_) => Kind::Timedatectl,
            Section::ZoneFile(_) => Kind::ZoneFile,
            Section::Pvecm(_) => Kind::Pvecm,
            Section::Smartctl(_) => Kind::Smartctl,
            Section::Lvs(_) => Kind::Lvs,
            Section::Date => Kind::Date,
            Section::Last(_) => Kind::Last,
        })
    }

    /// Hands a line to the section; `true` when it belongs to it.
    fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        match self {
            Section::None | Section::Last(_) => false,
            Section::QmList(s) => s.line(text, sink),
            Section::QmConfig(s) => s.line(text, sink),
            Section::MemInfo(s) => s.line(text, sink),
            Section::Free(s) => s.line(text, sink),
            Section::Df(s) => s.line(text, sink),
            Section::Zpool(s) => s.line(text, sink),
            Section::Sensors(s) => s.line(text, sink),
            Section::Uptime(s) => s.line(text, sink),
            Section::ListBoots(s) => s.line(text, sink),
            Section::VmTable(s) => s.line(text, sink),
            Section::Timedatectl(s) => s.line(text, sink),
            Section::ZoneFile(s) => s.line(text, sink),
            Section::Pvecm(s) => s.line(text, sink),
            Section::Smartctl(s) => s.line(text, sink),
            Section::Lvs(s) => s.line(text, sink),
            Section::Date => match date_output(text) {
                Some((t, shown)) => {
                    if let Some(shown) = shown {
                        sink.push(FactKind::ClockShown(shown));
                    }
                    sink.push(FactKind::SnapshotTakenAt(t));
                    true
                }
                None => false,
            },
        }
    }

    /// Emits what the section accumulated.
    fn finish(self, sink: &mut Sink<'_>) {
        match self {
            Section::QmConfig(s) => s.finish(sink),
            Section::MemInfo(s) => s.finish(sink),
            Section::Free(s) => s.finish(sink),
            Section::Zpool(s) => s.finish(sink),
            Section::Timedatectl(s) => s.finish(sink),
            Section::Smartctl(s) => s.finish(sink),
            _ => {}
        }
    }

    /// The section a prompt's command starts.
    fn from_command(cmd: &[u8]) -> Section {
        let words: Vec<&[u8]> = cmd
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        let first = words.first().copied().unwrap_or_default();
        let has = |w: &[u8]| words.contains(&w);
        let flags = |w: &[&[u8]]| words.iter().skip(1).any(|x| w.contains(x));
        match first {
            b"qm" if words.get(1) == Some(&&b"list"[..]) => Section::QmList(Default::default()),
            b"qm" if matches!(words.get(1), Some(&b"config" | &b"showcmd")) => {
                Section::QmConfig(qm_config::State::new(words.get(2).and_then(|v| number(v))))
            }
            b"cat" | b"less" | b"more" | b"head" | b"tail" => {
                let target = words.last().copied().unwrap_or_default();
                if target.ends_with(b"meminfo") {
                    Section::MemInfo(Default::default())
                } else if target.ends_with(b"/etc/timezone") || target == b"timezone" {
                    Section::ZoneFile(Default::default())
                } else if target.ends_with(b".conf")
                    && target.windows(11).any(|w| w == b"qemu-server")
                {
                    let stem = target.rsplit(|&b| b == b'/').next().unwrap_or_default();
                    let vmid = stem.strip_suffix(b".conf").and_then(number);
                    Section::QmConfig(qm_config::State::new(vmid))
                } else {
                    Section::None
                }
            }
            b"free" => Section::Free(free::State::new(&words)),
            b"df" => Section::Df(df::State::new(flags(&[b"-H", b"--si"]))),
            b"zpool" if has(b"status") => Section::Zpool(Default::default()),
            b"sensors" => Section::Sensors(Default::default()),
            b"uptime" => Section::Uptime(uptime::State::new(flags(&[b"-s", b"--since"]))),
            b"journalctl" if has(b"--list-boots") => Section::ListBoots(Default::default()),
            b"date" => Section::Date,
            b"timedatectl" => Section::Timedatectl(Default::default()),
            b"smartctl" => Section::Smartctl(Default::default()),
            b"lvs" => Section::Lvs(Default::default()),
            b"pvecm" if matches!(words.get(1), Some(&b"status" | &b"nodes")) => {
                Section::Pvecm(Default::default())
            }
            b"virsh" if has(b"list") => Section::VmTable(vm_table::State::new()),
            b"kubectl" if has(b"get") => Section::VmTable(vm_table::State::new()),
            b"limactl" if matches!(words.get(1), Some(&b"ls" | &b"list")) => {
                Section::VmTable(vm_table::State::new())
            }
            b"last" | b"lastb" | b"wtmpdb" => Section::Last(None),
            _ => Section::None,
        }
    }

    /// The section a line starts when no prompt named one; `next` is the next non-blank line.
    fn start(text: &[u8], next: Option<&[u8]>) -> Section {
        if qm_list::starts(text) {
            Section::QmList(Default::default())
        } else if meminfo::starts(text) {
            Section::MemInfo(Default::default())
        } else if free::starts(text) {
            Section::Free(free::State::new(&[]))
        } else if df::starts(text) {
            Section::Df(df::State::new(false))
        } else if zpool::starts(text) {
            Section::Zpool(Default::default())
        } else if sensors::starts(text, next) {
            Section::Sensors(Default::default())
        } else if timedatectl::starts(text) {
            Section::Timedatectl(Default::default())
        } else if smartctl::starts(text) {
            Section::Smartctl(Default::default())
        } else if lvs::starts(text) {
            Section::Lvs(Default::default())
        } else if pvecm::starts(text, next) {
            Section::Pvecm(Default::default())
        } else if next.is_none() && timedatectl::zone_file_line(text).is_some() {
            // A file of one line naming a zone: `/etc/timezone`.
            Section::ZoneFile(Default::default())
        } else if uptime::starts(text) {
            Section::Uptime(uptime::State::new(false))
        } else if list_boots::starts(text) {
            Section::ListBoots(Default::default())
        } else if crate::formats::last::accepts(text) {
            Section::Last(None)
        } else if qm_config::starts(text, next) {
            Section::QmConfig(qm_config::State::new(None))
        } else if date_output(text).is_some() {
            Section::Date
        } else if vm_table::header(text).is_some() {
            Section::VmTable(vm_table::State::new())
        } else if df::headerless_row(text) {
            Section::Df(df::State::headerless())
        } else {
            Section::None
        }
    }
}

/// Parses a snapshot member.
pub fn parse<'b>(data: &'b [u8], limits: &Limits) -> Parsed<'b> {
    parse_keeping(data, limits, &|_| false)
}

/// Parses a snapshot member, keeping as an undated event every line no section reads for which
/// `states` holds (the caller's test for a line worth reading: one the signal table reads, such
/// as a tool's `No space left on device` among a terminal session's output), rather than
/// counting it unparsed.
pub fn parse_keeping<'b>(
    data: &'b [u8],
    limits: &Limits,
    states: &dyn Fn(&[u8]) -> bool,
) -> Parsed<'b> {
    let max_line = limits.max_line_bytes;
    let mut out = parsed_for(FormatKind::Snapshot);
    let lines: Vec<Line<'_>> = Lines::new(data).collect();
    let mut facts = Vec::new();
    let mut section = Section::None;
    let mut seen = [0u64; KIND_NAMES.len()];
    for (i, line) in lines.iter().enumerate() {
        out.stats.lines += 1;
        let text = line.text;
        let too_long = text.len() > max_line;
        // `last` output is read by the `last` parser once its section ends (at the first line
        // that is neither a `last` line nor blank); until then its lines are only collected.
        if !too_long && matches!(section, Section::Last(_)) && !is_blank(text) {
            if crate::formats::last::accepts(text) {
                if let Section::Last(range) = &mut section {
                    *range = Some(range.map_or((i, i), |(first, _)| (first, i)));
                }
                seen[Kind::Last as usize] += 1;
                continue;
            }
            if let Section::Last(Some(range)) = std::mem::replace(&mut section, Section::None) {
                read_last(data, &lines, range, &mut out, &mut facts);
            }
        }
        if too_long {
            if let Section::Last(Some(range)) = std::mem::replace(&mut section, Section::None) {
                read_last(data, &lines, range, &mut out, &mut facts);
            }
            out.problems.push(LineProblem::long_line(
                line.offset,
                line.number,
                text.len(),
                max_line,
            ));
            out.push_unparsed(line);
            continue;
        }
        if is_blank(text) {
            out.stats.blank_lines += 1;
            continue;
        }
        let mut sink = Sink {
            facts: &mut facts,
            line: line.number,
            offset: line.offset,
        };
        let trimmed = text.trim_ascii();
        if trimmed.starts_with(b"```") || trimmed.starts_with(b"~~~") {
            std::mem::replace(&mut section, Section::None).finish(&mut sink);
            out.push_unparsed(line);
            continue;
        }
        if let Some((cmd, at)) = prompt_command(text) {
            std::mem::replace(&mut section, Section::None).finish(&mut sink);
            section = Section::from_command(cmd);
            match at {
                Some(t) => {
                    sink.push(FactKind::SnapshotTakenAt(t));
                    out.stats.fact_lines += 1;
                }
                None => out.push_unparsed(line),
            }
            continue;
        }
        if section.line(text, &mut sink) {
            if let Some(k) = section.kind() {
                seen[k as usize] += 1;
            }
            out.stats.fact_lines += 1;
            continue;
        }
        let next = lines
            .get(i + 1..)
            .and_then(|rest| rest.iter().find(|l| !is_blank(l.text)))
            .map(|l| l.text);
        let mut started = Section::start(text, next);
        if let Section::Last(_) = started {
            std::mem::replace(&mut section, Section::Last(Some((i, i)))).finish(&mut sink);
            seen[Kind::Last as usize] += 1;
            continue;
        }
        if started.kind().is_some() && started.line(text, &mut sink) {
            std::mem::replace(&mut section, started).finish(&mut sink);
            if let Some(k) = section.kind() {
                seen[k as usize] += 1;
            }
            out.stats.fact_lines += 1;
        } else if let Some(event) = crate::formats::fragment::mixed_in_event(line) {
            // A paste that mixes command output with log lines keeps the log lines, undated.
            out.push_event(event);
        } else if states(trimmed) {
            out.push_event(crate::formats::fragment::stated_event(line));
        } else {
            out.push_unparsed(line);
        }
    }
    if let Section::Last(Some(range)) = section {
        read_last(data, &lines, range, &mut out, &mut facts);
    } else {
        let mut sink = Sink {
            facts: &mut facts,
            line: 0,
            offset: 0,
        };
        section.finish(&mut sink);
    }
    // Accumulated facts are emitted when their section ends: put them back in line order.
    facts.sort_by_key(|f| f.offset);
    out.facts = facts;
    let kinds: Vec<usize> = (0..seen.len()).filter(|&k| seen[k] > 0).collect();
    out.variant = match kinds.as_slice() {
        [one] => KIND_NAMES[*one],
        _ => FormatKind::Snapshot.as_str(),
    };
    out
}

/// Reads the `last` output on `lines[first..=last]` with the `last` parser (its year inference
/// included) and moves its events, facts and line counts into `out`. The lines were counted,
/// and its blank lines classified, by the caller.
fn read_last<'b>(
    data: &'b [u8],
    lines: &[Line<'b>],
    (first, last): (usize, usize),
    out: &mut Parsed<'b>,
    facts: &mut Vec<Fact>,
) {
    let (Some(from), Some(to)) = (lines.get(first), lines.get(last)) else {
        return;
    };
    let start = usize::try_from(from.offset).unwrap_or(usize::MAX);
    let end = usize::try_from(to.offset)
        .unwrap_or(usize::MAX)
        .saturating_add(to.text.len());
    let Some(slice) = data.get(start..end) else {
        return;
    };
    let sub = crate::formats::last::parse(
        slice,
        &Limits {
            max_line_bytes: usize::MAX,
            ..Limits::default()
        },
    );
    let shift_line = from.number - 1;
    for mut event in sub.events {
        event.line = event.line.saturating_add(shift_line);
        event.offset += from.offset;
        out.push_event(event);
    }
    for mut fact in sub.facts {
        fact.line = fact.line.saturating_add(shift_line);
        fact.offset += from.offset;
        facts.push(fact);
    }
    out.stats.banner_lines += sub.stats.banner_lines;
    out.stats.unparsed_lines += sub.stats.unparsed_lines;
    for mut example in sub.unparsed_examples {
        if out.unparsed_examples.len() < crate::formats::MAX_EXAMPLES {
            example.line = example.line.saturating_add(shift_line);
            out.unparsed_examples.push(example);
        }
    }
}

/// Whether the head of a member looks like snapshot output: a prompt naming a snapshot
/// command, or a line that starts a snapshot section.
pub fn recognizes(head: &[u8]) -> bool {
    let lines: Vec<&[u8]> = Lines::new(head)
        .map(|l| l.text)
        .filter(|t| !is_blank(t))
        .take(200)
        .collect();
    lines.iter().enumerate().any(|(i, text)| {
        if let Some((cmd, _)) = prompt_command(text) {
            return Section::from_command(cmd)
                .kind()
                .is_some_and(|k| k != Kind::Date);
        }
        let next = lines.get(i + 1).copied();
        // A lone `date` line is not enough to call a file a snapshot.
        Section::start(text, next)
            .kind()
            .is_some_and(|k| k != Kind::Date)
    })
}

/// The command of a shell prompt line (`root@pve1:~# qm list`, `# df -h`, `$ free -m`), and the
/// time a `[YYYY-MM-DD HH:MM:SS]` before it shows.
fn prompt_command(text: &[u8]) -> Option<(&[u8], Option<RecordedTime>)> {
    let mut t = text.trim_ascii();
    let mut at = None;
    if let Some(inner) = t.strip_prefix(b"[") {
        if let Some(close) = inner.iter().position(|&b| b == b']') {
            if let Some(time) = local_datetime(&inner[..close]) {
                at = Some(RecordedTime::Local(time));
                t = inner[close + 1..].trim_ascii_start();
            }
        }
    }
    let cmd = if let Some(rest) = t.strip_prefix(b"# ").or_else(|| t.strip_prefix(b"$ ")) {
        rest
    } else {
        common::prompt_hostname(t)?;
        let colon = t.iter().position(|&b| b == b':')?;
        let after = &t[colon..];
        let end = after.iter().position(|b| b.is_ascii_whitespace())?;
        &after[end..]
    };
    let cmd = cmd.trim_ascii();
    let first = cmd.split(|&b| b == b' ').next().unwrap_or_default();
    const COMMANDS: &[&[u8]] = &[
        b"qm",
        b"cat",
        b"less",
        b"more",
        b"head",
        b"tail",
        b"free",
        b"df",
        b"zpool",
        b"sensors",
        b"uptime",
        b"journalctl",
        b"date",
        b"last",
        b"pvesh",
        b"pct",
        b"lsblk",
        b"ls",
        b"dmesg",
        b"grep",
        b"zcat",
        b"timedatectl",
        b"smartctl",
        b"lvs",
        b"pvecm",
        b"ip",
    ];
    COMMANDS.contains(&first).then_some((cmd, at))
}

/// `YYYY-MM-DD HH:MM:SS` (or with a `T`).
fn local_datetime(text: &[u8]) -> Option<NaiveDateTime> {
    let (rest, day) = common::date(text).ok()?;
    let rest = rest
        .strip_prefix(b" ")
        .or_else(|| rest.strip_prefix(b"T"))?;
    let (rest, time) = common::time_of_day(rest, false).ok()?;
    rest.is_empty().then(|| day.and_time(time))
}

/// `date`'s output: `Tue Jul 29 10:30:00 UTC 2025` (C locale), `date -Is`/`--rfc-3339`. A zone
/// abbreviation that names one offset (`CEST`) makes the time absolute, and shows the
/// machine's offset then.
fn date_output(text: &[u8]) -> Option<(RecordedTime, Option<ClockShown>)> {
    let t = text.trim_ascii();
    if let Ok((rest, instant)) = common::rfc3339(t, false) {
        return rest
            .is_empty()
            .then_some((RecordedTime::Absolute(instant), None));
    }
    let words: Vec<&[u8]> = t.split(|&b| b == b' ').filter(|w| !w.is_empty()).collect();
    let [wd, mon, day, time, zone, year] = words.as_slice() else {
        return None;
    };
    if wd.len() != 3 || !wd.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let (_, month) = common::month(mon).ok()?;
    let day = number(day)?;
    let (rest, time) = common::time_of_day(time, false).ok()?;
    if !rest.is_empty()
        || year.len() != 4
        || !zone
            .iter()
            .all(|b| b.is_ascii_alphabetic() || b"+-0123456789".contains(b))
    {
        return None;
    }
    let year = i32::try_from(number(year)?).ok()?;
    let local = chrono::NaiveDate::from_ymd_opt(year, month, day)?.and_time(time);
    let (at, shown) = shown_time(local, zone);
    // `date -u` prints UTC whatever the machine's zone: a UTC reading dates, but says nothing
    // of the zone its logs are written in.
    Some((at, shown.filter(|s| s.offset_s != 0)))
}

/// A local time printed with a zone's abbreviation (`Tue Jul 29 12:30:00 CEST 2025`, smartctl's
/// `Local Time is: … CEST`): absolute, with the machine's offset then, when the abbreviation
/// names one offset; left local when it names several (`CST`) or none.
fn shown_time(local: NaiveDateTime, zone: &[u8]) -> (RecordedTime, Option<ClockShown>) {
    match common::abbreviation_offset(zone) {
        Some(offset_s) => {
            let at = RecordedTime::Absolute(
                (local - chrono::Duration::seconds(i64::from(offset_s))).and_utc(),
            );
            let shown = ClockShown {
                at,
                offset_s,
                abbreviation: String::from_utf8_lossy(zone).into_owned(),
            };
            (at, Some(shown))
        }
        None => (RecordedTime::Local(local), None),
    }
}

/// A decimal number without sign or fraction.
fn number(text: &[u8]) -> Option<u32> {
    (!text.is_empty() && text.len() <= 9 && text.iter().all(u8::is_ascii_digit))
        .then(|| common::parse_u32(text))
}

/// A decimal with a `.` or a locale's `,` as the separator, optionally signed.
fn decimal(text: &[u8]) -> Option<f64> {
    if text.is_empty() || text.len() > 32 {
        return None;
    }
    let s: String = text
        .iter()
        .map(|&b| if b == b',' { '.' } else { char::from(b) })
        .collect();
    let body = s.strip_prefix(['+', '-']).unwrap_or(&s);
    if body.is_empty()
        || !body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || body.bytes().filter(|&b| b == b'.').count() > 1
        || !body.bytes().next().is_some_and(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse().ok()
}

/// A size with an optional unit suffix (`1,5Gi`, `973M`, `4.0K`, `512`, `12kB`), in bytes.
/// Suffixes without `i` use `base` (1024 unless `--si`); a bare number is `bare_unit` bytes.
fn size_bytes(text: &[u8], base: u64, bare_unit: u64) -> Option<u64> {
    let digits = text
        .iter()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'.' | b','))
        .count();
    let (num, suffix) = text.split_at(digits);
    let value = decimal(num)?;
    let (power, binary) = match suffix {
        b"" => return Some((value * bare_unit as f64).round() as u64),
        b"B" => (0, true),
        b"K" | b"k" | b"kB" | b"KB" => (1, false),
        b"Ki" | b"KiB" => (1, true),
        b"M" | b"MB" => (2, false),
        b"Mi" | b"MiB" => (2, true),
        b"G" | b"GB" => (3, false),
        b"Gi" | b"GiB" => (3, true),
        b"T" | b"TB" => (4, false),
        b"Ti" | b"TiB" => (4, true),
        b"P" | b"PB" => (5, false),
        b"Pi" | b"PiB" => (5, true),
        b"E" | b"EB" => (6, false),
        b"Ei" | b"EiB" => (6, true),
        _ => return None,
    };
    let unit = if binary { 1024u64 } else { base };
    let scale = unit.checked_pow(power)? as f64;
    let bytes = value * scale;
    (bytes.is_finite() && bytes < 1.8e19).then(|| bytes.round() as u64)
}

/// Whitespace-separated words.
fn words(text: &[u8]) -> Vec<&[u8]> {
    text.split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Lossy text.
fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Parsed<'_> {
        parse(text.as_bytes(), &Limits::default())
    }

    #[test]
    fn a_line_the_caller_reads_is_kept_as_an_undated_event() {
        // A terminal session: an `apt-get` run whose initramfs step ran out of space, then `df`.
        let text = "root@pve:~# apt-get install -y rsync sshfs\n\
                    update-initramfs: Generating /boot/initrd.img-5.11.22-1-pve\n\
                    cpio: write error: No space left on device\n\
                    E: mkinitramfs failure cpio 2\n\
                    root@pve:~# df -h\n\
                    Filesystem            Size  Used Avail Use% Mounted on\n\
                    /dev/mapper/pve-root  3.4G  3.1G  114M  97% /\n";
        let states = |line: &[u8]| line.ends_with(b"No space left on device");
        let p = parse_keeping(text.as_bytes(), &Limits::default(), &states);
        assert_eq!(p.events.len(), 1, "{:?}", p.events);
        assert_eq!(p.events[0].line, 3);
        assert!(p.events[0].time.is_none());
        assert_eq!(
            p.events[0].message.as_ref(),
            b"write error: No space left on device"
        );
        assert_eq!(kinds(&p), ["df"]);
        // Without the caller's test the line is counted unparsed, not lost.
        let plain = parse_str(text);
        assert!(plain.events.is_empty());
        assert_eq!(plain.stats.unparsed_lines, p.stats.unparsed_lines + 1);
    }

    fn kinds(p: &Parsed<'_>) -> Vec<&'static str> {
        p.facts
            .iter()
            .map(|f| match f.kind {
                FactKind::Session(_) => "session",
                FactKind::QmVm(_) => "qm_vm",
                FactKind::VmConfig(_) => "vm_config",
                FactKind::MemInfo(_) => "meminfo",
                FactKind::Free(_) => "free",
                FactKind::Df(_) => "df",
                FactKind::Zpool(_) => "zpool",
                FactKind::ZpoolSummary(_) => "zpool_summary",
                FactKind::Sensor(_) => "sensor",
                FactKind::Uptime(_) => "uptime",
                FactKind::ListBoot(_) => "list_boot",
                FactKind::VmListed(_) => "vm_listed",
                FactKind::TimeZone(_) => "time_zone",
                FactKind::ClusterMember(_) => "cluster_member",
                FactKind::VmStatus(_) => "vm_status",
                FactKind::ClockShown(_) => "clock_shown",
                FactKind::DiskHealth(_) => "disk_health",
                FactKind::LogicalVolume(_) => "logical_volume",
                FactKind::SnapshotTakenAt(_) => "taken_at",
            })
            .collect()
    }

    /// `pvecm status` after its prompt, then `free`: the cluster's members, the variant, and
    /// every line accounted for; `pvecm nodes` found without a prompt by its title and dashes.
    #[test]
    fn pvecm_among_other_snapshots() {
        let p = parse_str(concat!(
            "root@pve-a:~# pvecm status\n",
            "Cluster information\n",
            "-------------------\n",
            "Name:             prod\n",
            "Config Version:   2\n",
            "\n",
            "Membership information\n",
            "----------------------\n",
            "    Nodeid      Votes Name\n",
            "0x00000001          1 10.10.10.1 (local)\n",
            "0x00000002          1 10.10.10.2\n",
            "root@pve-a:~# free -m\n",
            "               total        used        free      shared  buff/cache   available\n",
            "Mem:           64298       61203         512          60        2582        2110\n",
        ));
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(kinds(&p), ["cluster_member", "cluster_member", "free"]);
        // The two prompts, which carry no time.
        assert_eq!(p.stats.unparsed_lines, 2);
        let p = parse_str(concat!(
            "Membership information\n",
            "----------------------\n",
            "    Nodeid      Votes Name\n",
            "         1          1 pve-a (local)\n",
            "         2          1 pve-b\n",
        ));
        assert_eq!(p.variant, "snapshot-pvecm");
        assert_eq!(kinds(&p), ["cluster_member", "cluster_member"]);
        assert_eq!(p.stats.unparsed_lines, 0);
        assert!(recognizes(
            b"Quorum information\n------------------\nNodes: 2\n"
        ));
    }

    #[test]
    fn sizes_and_decimals() {
        let table: &[(&str, u64, u64, Option<u64>)] = &[
            ("1,5Gi", 1024, 1, Some(1_610_612_736)),
            ("1.5Gi", 1024, 1, Some(1_610_612_736)),
            ("973M", 1024, 1, Some(1_020_264_448)),
            ("973M", 1000, 1, Some(973_000_000)),
            ("4,0K", 1024, 1, Some(4096)),
            ("0B", 1024, 1, Some(0)),
            ("512", 1024, 1024, Some(524_288)),
            ("12Q", 1024, 1, None),
            ("", 1024, 1, None),
            (",5G", 1024, 1, None),
            ("1.2.3G", 1024, 1, None),
            ("99999999999999999999999E", 1024, 1, None),
        ];
        for (text, base, bare, want) in table {
            assert_eq!(size_bytes(text.as_bytes(), *base, *bare), *want, "{text}");
        }
        assert_eq!(decimal(b"+45,5"), Some(45.5));
        assert_eq!(decimal(b"-273.1"), Some(-273.1));
        assert_eq!(decimal(b"+"), None);
    }

    #[test]
    fn prompts_name_the_command() {
        let table: &[(&str, Option<&str>)] = &[
            ("root@pve1:~# qm list", Some("qm list")),
            (
                "root@pve1:/etc/pve# cat qemu-server/101.conf",
                Some("cat qemu-server/101.conf"),
            ),
            ("# free -h", Some("free -h")),
            ("$ df -hT", Some("df -hT")),
            ("# locked", None),
            ("#balloon test", None),
            ("admin@db-01:~$ uptime", Some("uptime")),
        ];
        for (line, want) in table {
            assert_eq!(
                prompt_command(line.as_bytes()).map(|(c, _)| lossy(c)),
                want.map(str::to_string),
                "{line}"
            );
        }
        let (_, at) = prompt_command(b"[2025-07-29 10:30:00] root@pve1:~# qm list").unwrap();
        assert!(matches!(at, Some(RecordedTime::Local(_))));
    }

    #[test]
    fn date_lines() {
        assert!(matches!(
            date_output(b"Tue Jul 29 10:30:00 UTC 2025"),
            Some((RecordedTime::Absolute(_), None))
        ));
        // `CEST` names one offset: the instant, and the machine's offset then.
        let Some((RecordedTime::Absolute(at), Some(shown))) =
            date_output(b"Tue Jul 29 12:30:00 CEST 2025")
        else {
            panic!("CEST is +02:00");
        };
        assert_eq!(at.to_rfc3339(), "2025-07-29T10:30:00+00:00");
        assert_eq!((shown.offset_s, &*shown.abbreviation), (7200, "CEST"));
        // `CST` names three (US Central, China, Cuba): left local.
        assert!(matches!(
            date_output(b"Tue Feb 18 09:33:02 CST 2025"),
            Some((RecordedTime::Local(_), None))
        ));
        assert!(matches!(
            date_output(b"2025-07-29T12:30:00+02:00"),
            Some((RecordedTime::Absolute(_), None))
        ));
        assert_eq!(date_output(b"Tue Jul 29 10:30:00 UTC"), None);
    }

    #[test]
    fn several_snapshots_in_one_paste() {
        let p = parse_str(
            "Collected on the host after the incident:\n\
             ```\n\
             root@pve1:~# date\n\
             Tue Jul 29 10:30:00 UTC 2025\n\
             root@pve1:~# qm list\n\
             \x20     VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       \n\
             \x20      101 web                  running    8192              32.00 4242      \n\
             root@pve1:~# free -m\n\
             \x20              total        used        free      shared  buff/cache   available\n\
             Mem:           31906       29120         512        1536        2274        1254\n\
             Swap:              0           0           0\n\
             root@pve1:~# uptime\n\
             \x2010:30:01 up 12 days,  3:04,  2 users,  load average: 9,52, 7,48, 5,40\n\
             ```\n",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(kinds(&p), ["taken_at", "qm_vm", "free", "uptime"]);
        // The note, two fences and four prompts without a time.
        assert_eq!(p.stats.unparsed_lines, 7, "{:?}", p.unparsed_examples);
        assert_eq!(p.stats.fact_lines, 7);
        assert_eq!(p.variant, "snapshot");
        let FactKind::Free(f) = &p.facts[2].kind else {
            panic!()
        };
        assert_eq!(f.mem_total_bytes, Some(31906 * 1024 * 1024));
        assert_eq!(f.scale, "flag");
    }

    #[test]
    fn last_output_among_snapshots_is_read_by_the_last_parser() {
        let input = "root@pve1:~# qm list\n\
             \x20     VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID\n\
             \x20      101 web                  running    8192              32.00 4242\n\
             root@pve1:~# last -x reboot shutdown\n\
             reboot   system boot  6.8.12-4-pve     Thu Jan  2 09:00   still running\n\
             reboot   system boot  6.8.12-4-pve     Mon Dec 30 08:00 - 08:59 (3+00:59)\n\
             \n\
             wtmp begins Mon Dec 30 08:00:01 2024\n\
             root@pve1:~# uptime\n\
             \x2010:30:01 up 3 days,  1:30,  1 user,  load average: 0.10, 0.20, 0.30\n\
             reboot   system boot  6.8.12-4-pve     Thu Jan  2 09:00   still running\n";
        let p = parse_str(input);
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(
            kinds(&p),
            ["qm_vm", "session", "session", "uptime", "session"]
        );
        // Events: the three `last` records, at their own lines.
        let lines: Vec<u32> = p.events.iter().map(|e| e.line).collect();
        assert_eq!(lines, [5, 6, 11]);
        assert_eq!((p.stats.event_lines, p.stats.banner_lines), (3, 1));
        // Three prompts.
        assert_eq!(p.stats.unparsed_lines, 3, "{:?}", p.unparsed_examples);
        // The year comes from the trailer of its own block; the last record has none.
        assert!(matches!(
            p.events[0].recorded,
            RecordedTime::Local(t) if t.to_string() == "2025-01-02 09:00:00"
        ));
        assert!(matches!(
            p.events[2].recorded,
            RecordedTime::Yearless { .. }
        ));
        // Offsets point into the member.
        for e in &p.events {
            assert!(input.as_bytes()[e.offset as usize..].starts_with(b"reboot   system boot"));
        }
    }

    #[test]
    fn sections_start_without_prompts() {
        let p = parse_str(
            "MemTotal:       16318000 kB\nMemFree:          234000 kB\n\n\
             Filesystem      Size  Used Avail Use% Mounted on\n\
             /dev/sda1        29G   28G  1,0G  97% /\n\n\
             \x20 pool: rpool\n state: ONLINE\nconfig:\n\n\
             \tNAME        STATE     READ WRITE CKSUM\n\
             \trpool       ONLINE       0     0     0\n\
             \t  sda3      ONLINE       0     0     0\n\n\
             errors: No known data errors\n",
        );
        assert!(p.stats.balanced());
        assert_eq!(p.stats.unparsed_lines, 0, "{:?}", p.unparsed_examples);
        assert_eq!(kinds(&p), ["meminfo", "df", "zpool"]);
    }

    #[test]
    fn a_paste_of_command_output_and_log_lines_keeps_both() {
        let p = parse_str(
            "virsh list\n\
             \x20Id    Name                           State\n\
             ----------------------------------------------------\n\
             \x20249   ocp-master01                   paused\n\
             \n\
             [root@rhel ~]# tail /var/log/libvirt/qemu/ocp-master01.log\n\
             block I/O error in device 'drive-virtio-disk0': No space left on device (28)\n\
             kernel: Out of memory: Killed process 6643 (mysqld)\n\
             just some words: here\n",
        );
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(kinds(&p), ["vm_listed"]);
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[0].recorded, RecordedTime::Missing);
        assert!(
            p.events[0]
                .message
                .starts_with(b"block I/O error in device")
        );
        assert_eq!(p.events[1].ident, Some(&b"kernel"[..]));
        // A line with a tag but no pid is prose, not a log line.
        assert_eq!(p.stats.unparsed_lines, 3, "{:?}", p.unparsed_examples);
    }

    #[test]
    fn df_rows_pasted_without_their_header() {
        let p = parse_str("```\n/dev/sda1       119G  116G     0 100% /\n```\n");
        assert_eq!(kinds(&p), ["df"]);
        let FactKind::Df(d) = &p.facts[0].kind else {
            panic!("{:?}", p.facts)
        };
        assert_eq!((d.mounted_on.as_str(), d.use_percent), ("/", Some(100)));
        assert_eq!(d.avail_bytes, 0);
        // Bare numbers without a header have no unit; prose is no df row.
        assert!(!recognizes(b"/dev/sda1 1000 900 100 90% /\n"));
        assert!(!recognizes(b"the disk is 100% full on / now\n"));
    }

    #[test]
    fn detection_from_content() {
        for head in [
            "      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID\n",
            "MemTotal:       16318000 kB\n",
            "Filesystem      Size  Used Avail Use% Mounted on\n",
            "  pool: rpool\n state: ONLINE\n",
            "coretemp-isa-0000\nAdapter: ISA adapter\n",
            "IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY\n",
            "root@pve:~# qm config 101\nboot: order=scsi0\n",
        ] {
            assert!(recognizes(head.as_bytes()), "{head}");
        }
        for head in [
            "Jul 29 10:10:00 pve1 sshd[1]: Accepted publickey for root\n",
            "Tue Jul 29 10:30:00 UTC 2025\n",
            "hello: world\nfoo: bar\n",
        ] {
            assert!(!recognizes(head.as_bytes()), "{head}");
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in [
            "root@pve:~# df -h\nFilesystem Size Used Avail Use% Mounted on\n/dev/x\n",
            "root@pve:~# df -h\nFilesystem Size Used Avail Use% Mounted on\n  \n  1G 2G\n",
            "root@pve:~# free\n total used\nMem: 1 2 3 4 5 6 7 8 9\n",
            "  pool: \n\tNAME STATE READ WRITE CKSUM\n\t x\n",
            "x-isa-0\nAdapter: y\ntemp1: +99999999999999999999°C (high = , crit = +)\n",
            "IDX BOOT ID FIRST ENTRY LAST ENTRY\n-1 zz\n[{\"index\":\"x\"}]\n",
            "root@pve:~# uptime\n 10:00:00 up 99999999999999999999 days, 99:99, load average: a, b\n",
            "root@pve:~# qm list\n VMID NAME\n 1 2 3 4 5 6 7 8\n",
            "\u{feff}\0\0\0",
        ] {
            let p = parse_str(text);
            assert!(p.stats.balanced(), "{text}: {:?}", p.stats);
        }
    }
}
