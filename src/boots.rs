//! Boot history per machine: when each machine booted, and whether each boot ended cleanly.
//!
//! The runbook's first question is "did the VM really restart, and was it clean?". The answer
//! is spread over several sources, each seeing part of it: journal entries carry `_BOOT_ID` and
//! the boot's own clock, journalctl text has boot banners, syslog and dmesg have the kernel's
//! `Linux version …` line where a boot starts, `last -x`/wtmp has `reboot`, `shutdown` and
//! `crash` records, and `journalctl --list-boots` lists boot ids with their first and last entry.
//!
//! The stage works in two steps, so that the rules can be tested without a bundle:
//! 1. [`observe`] reads one source into [`Segment`]s (the part of one boot that source shows: its
//!    start, first and last record, and the end evidence inside it) and [`Loose`] observations
//!    (a `shutdown` record, a login) that belong to whichever boot ran at their time.
//! 2. [`assemble`] merges the segments of one machine into [`Boot`]s (the same boot id, or starts
//!    within [`MERGE_WINDOW_S`] seen by different sources), orders them by start time, and
//!    classifies each boot's end ([`EndKind`]):
//!    - **unclean**: explicit evidence of an unclean stop (a `crash` end in `last`, a journal file
//!      left ONLINE or renamed `~`, journald's "corrupted or uncleanly shut down" line at the
//!      start of the *next* boot) — even when a shutdown had begun, since it did not complete;
//!    - **clean**: a `shutdown` record or `down` end, systemd's shutdown sequence or power-off
//!      target, `Power key pressed`;
//!    - **unclean** again: a later boot started and a source that records shutdowns (a journal,
//!      a syslog with user-space records, `last`/wtmp) covers both boots without one;
//!    - **running**: the last boot, with `still running`, the current `--list-boots` row, or no
//!      end evidence at all;
//!    - **unknown** otherwise (no source covers both this boot and the next).
//!
//! Every decision keeps the records it stands on as [`Cite`]s, quoted by
//! `crate::evidence::cite`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::event::{Cite, RecordedTime, Role};
use crate::facts::{FactKind, SessionEnd, SessionKind};
use crate::formats::FormatKind;
use crate::signals::{Matched, SignalKind};
use crate::source::Source;

/// How far apart (seconds) two sources may date the start of the same boot.
pub const MERGE_WINDOW_S: i64 = 120;

/// How early in a boot (µs of its monotonic clock) a journal entry must be to date the boot's
/// start: the kernel's first records are logged within the first seconds.
pub const JOURNAL_EARLY_US: u64 = 60_000_000;

/// How many evidence records a boot cites at most.
pub const MAX_EVIDENCE: usize = 8;

/// What a piece of end evidence says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// The boot was shut down in order.
    Clean,
    /// The boot ended without a shutdown.
    Unclean,
    /// The boot *before* the one holding this mark ended without a shutdown (journald's
    /// "corrupted or uncleanly shut down" line is logged by the next boot).
    UncleanPrevious,
    /// The boot was still running when the record was written.
    Running,
}

/// One piece of end evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// What it says.
    pub kind: MarkKind,
    /// When it was written, if known.
    pub time: Option<DateTime<Utc>>,
    /// The record.
    pub cite: Cite,
    /// A short name for the evidence (`shutdown_sequence`, `last_crash`…).
    pub why: &'static str,
}

/// A dated record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seen {
    /// Its time.
    pub time: DateTime<Utc>,
    /// The record.
    pub cite: Cite,
}

/// Where a boot's start came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Start {
    /// The start.
    pub time: DateTime<Utc>,
    /// `journal` (an entry of the boot's first minute), `kernel` (`Linux version` line), `last`,
    /// `wtmp`, `list-boots` (`journalctl --list-boots`' first entry of the boot).
    pub from: &'static str,
    /// How precise the source is: the higher, the better.
    pub rank: u8,
    /// The record.
    pub cite: Cite,
}

/// The part of one boot that one source shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Segment {
    /// The source index.
    pub source: usize,
    /// The boot id, when the source names it.
    pub boot_id: Option<String>,
    /// The boot's start, when the source shows it.
    pub start: Option<Start>,
    /// The first dated record of the boot in this source.
    pub first: Option<Seen>,
    /// The last dated record.
    pub last: Option<Seen>,
    /// When the boot ended, as a `last` record's end column says.
    pub ended_at: Option<DateTime<Utc>>,
    /// The end evidence inside the segment.
    pub marks: Vec<Mark>,
    /// Whether the source would have recorded a shutdown (journals, syslog with user-space
    /// records, `last`/wtmp; not dmesg, kern.log or `--list-boots`).
    pub records_shutdown: bool,
}

/// An observation that belongs to whichever boot ran at its time.
#[derive(Clone, Debug, PartialEq)]
pub enum Loose {
    /// End evidence (a `shutdown` record; a login that ended `down` or `crash`).
    Mark(Mark),
    /// A record showing the machine was up (a login).
    Seen(Seen),
}

/// How a boot ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndKind {
    /// Shut down in order.
    Clean,
    /// Stopped without a shutdown (crash, power loss, VM killed).
    Unclean,
    /// Still running at the end of the logs.
    Running,
    /// The logs do not say.
    Unknown,
}

impl EndKind {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            EndKind::Clean => "clean",
            EndKind::Unclean => "unclean",
            EndKind::Running => "running",
            EndKind::Unknown => "unknown",
        }
    }
}

/// One boot of one machine.
#[derive(Clone, Debug, PartialEq)]
pub struct Boot {
    /// The boot id, when a journal or `--list-boots` named it.
    pub boot_id: Option<String>,
    /// The start, when a source shows it.
    pub start: Option<Start>,
    /// The first dated record of the boot.
    pub first: Option<Seen>,
    /// The last dated record of the boot.
    pub last: Option<Seen>,
    /// When it ended (`None` while running or unknown).
    pub end: Option<DateTime<Utc>>,
    /// How it ended.
    pub end_kind: EndKind,
    /// One sentence saying why.
    pub reason: String,
    /// The records the decision stands on, with what each shows.
    pub evidence: Vec<Cited>,
    /// Every source that shows the boot.
    pub sources: BTreeSet<usize>,
    recorders: BTreeSet<usize>,
    marks: Vec<Mark>,
    ended_at: Option<DateTime<Utc>>,
}

impl Boot {
    fn new() -> Boot {
        Boot {
            boot_id: None,
            start: None,
            first: None,
            last: None,
            end: None,
            end_kind: EndKind::Unknown,
            reason: String::new(),
            evidence: Vec::new(),
            sources: BTreeSet::new(),
            recorders: BTreeSet::new(),
            marks: Vec::new(),
            ended_at: None,
        }
    }

    /// The time the boot is ordered by: its start, else its first record.
    pub fn key(&self) -> Option<DateTime<Utc>> {
        self.start
            .as_ref()
            .map(|s| s.time)
            .or(self.first.map(|f| f.time))
    }

    fn see(&mut self, seen: Seen) {
        if self.first.is_none_or(|f| seen.time < f.time) {
            self.first = Some(seen);
        }
        if self.last.is_none_or(|l| seen.time >= l.time) {
            self.last = Some(seen);
        }
    }

    fn absorb(&mut self, seg: Segment) {
        if self.boot_id.is_none() {
            self.boot_id = seg.boot_id;
        }
        if let Some(start) = seg.start {
            let better = match &self.start {
                None => true,
                Some(s) => {
                    (start.rank, std::cmp::Reverse(start.time))
                        > (s.rank, std::cmp::Reverse(s.time))
                }
            };
            if better {
                self.start = Some(start);
            }
        }
        for seen in [seg.first, seg.last].into_iter().flatten() {
            self.see(seen);
        }
        self.ended_at = self.ended_at.max(seg.ended_at);
        self.marks.extend(seg.marks);
        self.sources.insert(seg.source);
        if seg.records_shutdown {
            self.recorders.insert(seg.source);
        }
    }

    fn cite(&mut self, cite: Cite, why: &'static str, time: Option<DateTime<Utc>>) {
        if self.evidence.len() < MAX_EVIDENCE && !self.evidence.iter().any(|c| c.cite == cite) {
            self.evidence.push(Cited { cite, why, time });
        }
    }
}

/// A record a decision stands on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cited {
    /// The record.
    pub cite: Cite,
    /// What it shows (`shutdown_sequence`, `last_record`, `next_boot`…).
    pub why: &'static str,
    /// Its time, when known.
    pub time: Option<DateTime<Utc>>,
}

/// The time a segment is ordered by while merging.
fn seg_key(seg: &Segment) -> Option<DateTime<Utc>> {
    seg.start
        .as_ref()
        .map(|s| s.time)
        .or(seg.first.map(|f| f.time))
}

/// Whether two boot ids may be the same boot.
fn ids_fit(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Merges one machine's observations into its boots, ordered by start, each with its end
/// classified (see the module documentation for the rules).
pub fn assemble(mut segments: Vec<Segment>, loose: Vec<Loose>) -> Vec<Boot> {
    // Segments that show the start first, by start; then the others by first record; undated
    // ones last. Ties by source, for determinism.
    segments.sort_by_key(|s| {
        (
            s.start.is_none(),
            seg_key(s).is_none(),
            seg_key(s),
            s.source,
        )
    });
    let window = Duration::seconds(MERGE_WINDOW_S);
    let mut boots: Vec<Boot> = Vec::new();
    for seg in segments {
        let by_id = seg
            .boot_id
            .as_deref()
            .and_then(|id| boots.iter().position(|b| b.boot_id.as_deref() == Some(id)));
        let target = by_id.or_else(|| {
            let fits = |b: &Boot| {
                !b.sources.contains(&seg.source)
                    && ids_fit(b.boot_id.as_deref(), seg.boot_id.as_deref())
            };
            match (&seg.start, seg.first) {
                (Some(start), _) => boots
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| fits(b))
                    .filter_map(|(i, b)| {
                        let other = b.start.as_ref()?.time;
                        let gap = (other - start.time).abs();
                        (gap <= window).then_some((gap, i))
                    })
                    .min()
                    .map(|(_, i)| i),
                (None, Some(first)) => boots
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.key().is_some_and(|k| k <= first.time))
                    .max_by_key(|(_, b)| b.key())
                    .filter(|(_, b)| fits(b))
                    .map(|(i, _)| i),
                (None, None) => None,
            }
        });
        match target.and_then(|i| boots.get_mut(i)) {
            Some(boot) => boot.absorb(seg),
            None => {
                let mut boot = Boot::new();
                boot.absorb(seg);
                boots.push(boot);
            }
        }
    }
    boots.sort_by_key(|b| (b.key().is_none(), b.key()));

    for item in loose {
        let (time, strict) = match &item {
            Loose::Mark(m) => match m.time {
                Some(t) => (t, m.kind == MarkKind::Clean),
                None => continue,
            },
            Loose::Seen(s) => (s.time, false),
        };
        // A shutdown belongs to the boot before one that starts at the same time.
        let at = boots.iter().rposition(|b| {
            b.key()
                .is_some_and(|k| if strict { k < time } else { k <= time })
        });
        let Some(boot) = at.and_then(|i| boots.get_mut(i)) else {
            continue;
        };
        match item {
            Loose::Mark(m) => {
                boot.sources.insert(m.cite.source());
                boot.recorders.insert(m.cite.source());
                boot.marks.push(m);
            }
            Loose::Seen(s) => {
                boot.sources.insert(s.cite.source());
                boot.recorders.insert(s.cite.source());
                boot.see(s);
            }
        }
    }

    // journald's line about the previous boot's journal marks the boot before it.
    let mut carried: Vec<Vec<Mark>> = vec![Vec::new(); boots.len()];
    let mut orphans = Vec::new();
    for (i, boot) in boots.iter_mut().enumerate() {
        let (previous, own): (Vec<Mark>, Vec<Mark>) = std::mem::take(&mut boot.marks)
            .into_iter()
            .partition(|m| m.kind == MarkKind::UncleanPrevious);
        boot.marks = own;
        match i.checked_sub(1).and_then(|p| carried.get_mut(p)) {
            Some(slot) => slot.extend(previous),
            None => orphans.extend(previous),
        }
    }
    for (boot, marks) in boots.iter_mut().zip(carried) {
        boot.marks.extend(marks.into_iter().map(|m| Mark {
            kind: MarkKind::Unclean,
            ..m
        }));
    }
    if !orphans.is_empty() {
        // The boot before the logs began: known only from the next boot's words.
        let mut boot = Boot::new();
        boot.marks = orphans
            .into_iter()
            .map(|m| Mark {
                kind: MarkKind::Unclean,
                ..m
            })
            .collect();
        boots.insert(0, boot);
    }

    let next_info: Vec<Option<(BTreeSet<usize>, Option<Cite>, Option<DateTime<Utc>>)>> = (0..boots
        .len())
        .map(|i| {
            boots.get(i + 1).map(|n| {
                (
                    n.recorders.clone(),
                    n.start.as_ref().map(|s| s.cite).or(n.first.map(|f| f.cite)),
                    n.key(),
                )
            })
        })
        .collect();
    for (boot, next) in boots.iter_mut().zip(next_info) {
        classify(boot, next);
    }
    boots
}

/// Decides how one boot ended, given what is known of the next one (its shutdown-recording
/// sources, its first record, its start).
fn classify(boot: &mut Boot, next: Option<(BTreeSet<usize>, Option<Cite>, Option<DateTime<Utc>>)>) {
    if let Some(start) = boot.start.clone() {
        boot.cite(start.cite, "boot_start", Some(start.time));
    }
    let of = |kind: MarkKind| -> Vec<Mark> {
        boot.marks
            .iter()
            .filter(|m| m.kind == kind)
            .cloned()
            .collect()
    };
    let (clean, unclean, running) = (
        of(MarkKind::Clean),
        of(MarkKind::Unclean),
        of(MarkKind::Running),
    );
    let last_seen = boot.last.map(|l| l.time);
    let latest = |marks: &[Mark]| marks.iter().filter_map(|m| m.time).max();
    if !unclean.is_empty() {
        boot.end_kind = EndKind::Unclean;
        boot.end = last_seen.or(boot.ended_at);
        boot.reason = if clean.is_empty() {
            "stopped without a shutdown".to_string()
        } else {
            "a shutdown began but did not complete".to_string()
        };
        for m in unclean.iter().chain(&clean) {
            boot.cite(m.cite, m.why, m.time);
        }
        if let Some(l) = boot.last {
            boot.cite(l.cite, "last_record", Some(l.time));
        }
        return;
    }
    let is_last = next.is_none();
    if is_last && !running.is_empty() {
        boot.end_kind = EndKind::Running;
        boot.reason = "still running when the logs were collected".to_string();
        for m in &running {
            boot.cite(m.cite, m.why, m.time);
        }
        return;
    }
    if !clean.is_empty() {
        boot.end_kind = EndKind::Clean;
        boot.end = [latest(&clean), last_seen, boot.ended_at]
            .into_iter()
            .flatten()
            .max();
        boot.reason = "shut down in order".to_string();
        for m in &clean {
            boot.cite(m.cite, m.why, m.time);
        }
        return;
    }
    match next {
        Some((recorders, next_start, next_time)) => {
            if boot.recorders.intersection(&recorders).next().is_some() {
                boot.end_kind = EndKind::Unclean;
                boot.end = last_seen.or(boot.ended_at);
                boot.reason = match next_time {
                    Some(t) => format!(
                        "the next boot started at {} with no shutdown recorded before it",
                        crate::event::rfc3339(t)
                    ),
                    None => "the next boot started with no shutdown recorded before it".to_string(),
                };
                if let Some(l) = boot.last {
                    boot.cite(l.cite, "last_record", Some(l.time));
                }
                if let Some(c) = next_start {
                    boot.cite(c, "next_boot", next_time);
                }
            } else {
                boot.end_kind = EndKind::Unknown;
                boot.end = boot.ended_at;
                boot.reason = "no source that records shutdowns covers both this boot and the next"
                    .to_string();
                if let Some(l) = boot.last {
                    boot.cite(l.cite, "last_record", Some(l.time));
                }
            }
        }
        None => {
            boot.end_kind = EndKind::Running;
            boot.reason = "the last boot seen, with no end recorded".to_string();
            if let Some(l) = boot.last {
                boot.cite(l.cite, "last_record", Some(l.time));
            }
        }
    }
}

/// The boots of one machine.
#[derive(Clone, Debug, PartialEq)]
pub struct MachineBoots {
    /// The machine name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its boots, oldest first.
    pub boots: Vec<Boot>,
}

/// The boot history of every machine of the analysis, machines by name; `linked` says which
/// host each guest runs on (a guest's boot ends at its own host's kill of its VM); `zones` is
/// each machine's zone, which dates the local times of its `--list-boots` rows.
pub fn history(
    sources: &[Source<'_>],
    signals: &[Vec<Matched>],
    linked: &[crate::correlate::Machine],
    zones: &BTreeMap<String, (crate::clock::Zone, String)>,
) -> Vec<MachineBoots> {
    let mut observed: Vec<(Vec<Segment>, Vec<Loose>)> = sources
        .par_iter()
        .zip(signals.par_iter())
        .enumerate()
        .map(|(i, (s, matched))| {
            let zone = zones.get(&s.machine).map(|(z, _)| z);
            observe(i, s, matched, &[], zone)
        })
        .collect();
    // A source that shows no boot of its own (no kernel banner, no boot id: a task index, a
    // vzdump log, a syslog of one service) may run on across a reboot: its records are split
    // at the starts its machine's other sources give, so the old boot ends at its own last
    // record rather than at one written after the next boot began.
    let blind: Vec<usize> = observed
        .iter()
        .enumerate()
        .filter(|(_, (segments, _))| {
            !segments.is_empty()
                && segments
                    .iter()
                    .all(|s| s.start.is_none() && s.boot_id.is_none())
        })
        .map(|(i, _)| i)
        .collect();
    if !blind.is_empty() {
        let mut starts: BTreeMap<&str, (Vec<Segment>, Vec<Loose>)> = BTreeMap::new();
        for (source, (segments, loose)) in sources.iter().zip(&observed) {
            let entry = starts.entry(source.machine.as_str()).or_default();
            entry.0.extend(segments.iter().cloned());
            entry.1.extend(loose.iter().cloned());
        }
        let cuts: BTreeMap<&str, Vec<DateTime<Utc>>> = starts
            .into_iter()
            .map(|(name, (segments, loose))| {
                let mut cuts: Vec<DateTime<Utc>> = assemble(segments, loose)
                    .iter()
                    .filter_map(|b| b.start.as_ref().map(|s| s.time))
                    .collect();
                cuts.sort();
                (name, cuts)
            })
            .collect();
        let redone: Vec<(usize, (Vec<Segment>, Vec<Loose>))> = blind
            .par_iter()
            .filter_map(|&i| {
                let source = sources.get(i)?;
                let machine_cuts = cuts.get(source.machine.as_str())?;
                // Only a source whose records run across a start needs splitting.
                let (segments, _) = observed.get(i)?;
                let first = segments
                    .iter()
                    .filter_map(|s| s.first.map(|f| f.time))
                    .min()?;
                let last = segments
                    .iter()
                    .filter_map(|s| s.last.map(|l| l.time))
                    .max()?;
                if !machine_cuts.iter().any(|c| first < *c && *c <= last) {
                    return None;
                }
                let matched = signals.get(i)?;
                let zone = zones.get(&source.machine).map(|(z, _)| z);
                Some((i, observe(i, source, matched, machine_cuts, zone)))
            })
            .collect();
        for (i, seen) in redone {
            if let Some(slot) = observed.get_mut(i) {
                *slot = seen;
            }
        }
    }
    let mut machines: BTreeMap<&str, (Role, Vec<Segment>, Vec<Loose>)> = BTreeMap::new();
    for (source, (segments, loose)) in sources.iter().zip(observed) {
        let entry = machines
            .entry(source.machine.as_str())
            .or_insert_with(|| (Role::Unknown, Vec::new(), Vec::new()));
        if entry.0 == Role::Unknown {
            entry.0 = source.role;
        }
        entry.1.extend(segments);
        entry.2.extend(loose);
    }
    let kills = host_kills(sources, signals);
    machines
        .into_iter()
        .map(|(name, (role, segments, loose))| {
            let mut boots = assemble(segments, loose);
            let vmid = sources
                .iter()
                .find(|s| s.machine == name && s.vmid.is_some())
                .and_then(|s| s.vmid);
            if role == Role::Guest
                && let Some(vmid) = vmid
            {
                // Its own host's kill: VMIDs repeat across standalone nodes.
                let host = linked
                    .iter()
                    .find(|m| m.name == name)
                    .and_then(|m| m.host.as_deref());
                ended_by_host(&mut boots, &kills, vmid, host);
            }
            MachineBoots {
                name: name.to_string(),
                role,
                boots,
            }
        })
        .collect()
}

/// How long after a guest's last record a host's kill of its VM still ends that boot.
const KILL_AFTER_LAST_S: i64 = 600;

/// The host records that kill or hard-stop a VM: its scope killed by the OOM killer or failed,
/// a `qmstop` task. `(vmid, time, record)`, by time.
fn host_kills<'s>(
    sources: &'s [Source<'_>],
    signals: &[Vec<Matched>],
) -> Vec<(u32, DateTime<Utc>, Cite, &'s str)> {
    let mut kills = Vec::new();
    for (i, (s, matched)) in sources.iter().zip(signals).enumerate() {
        if s.role != Role::Host {
            continue;
        }
        for m in matched {
            let vmid = match &m.kind {
                SignalKind::ScopeOomKilled { vmid } | SignalKind::ScopeFailed { vmid, .. } => {
                    Some(*vmid)
                }
                SignalKind::TaskStart { task, vmid, .. } if task == "qmstop" => *vmid,
                _ => None,
            };
            let event = m.event as usize;
            if let (Some(vmid), Some(t)) = (vmid, s.parsed.events.get(event).and_then(|e| e.time)) {
                kills.push((
                    vmid,
                    t,
                    Cite::Event { source: i, event },
                    s.machine.as_str(),
                ));
            }
        }
    }
    kills.sort_by_key(|k| k.1);
    kills
}

/// A guest's last boot that the logs leave running or undecided ends uncleanly when its host
/// killed the VM after the guest's last record (and nothing of the guest follows).
fn ended_by_host(
    boots: &mut [Boot],
    kills: &[(u32, DateTime<Utc>, Cite, &str)],
    vmid: u32,
    host: Option<&str>,
) {
    let Some(boot) = boots.last_mut() else { return };
    if !matches!(boot.end_kind, EndKind::Running | EndKind::Unknown) {
        return;
    }
    let Some(last) = boot.last else { return };
    let Some((_, at, cite, _)) = kills.iter().find(|(v, t, _, by)| {
        *v == vmid
            && host.is_none_or(|h| h == *by)
            && *t >= last.time
            && (*t - last.time).num_seconds() <= KILL_AFTER_LAST_S
    }) else {
        return;
    };
    boot.end_kind = EndKind::Unclean;
    boot.end = Some(last.time);
    boot.reason = format!(
        "the host killed VM {vmid} at {} with no shutdown of the guest before it",
        crate::event::rfc3339(*at)
    );
    boot.cite(*cite, "host_kill", Some(*at));
}

/// Whether a record before the next kernel banner already belongs to that banner's boot: it
/// lies at or after the boot's start (and the boot was not entered early already).
fn switch_early(
    event: &crate::event::Event<'_>,
    kernel_boot: bool,
    upcoming: Option<(usize, DateTime<Utc>)>,
    early_for: Option<usize>,
) -> bool {
    !kernel_boot
        && event.journal.is_none()
        && matches!((event.time, upcoming), (Some(t), Some((b, start))) if t >= start && early_for != Some(b))
}

/// The kernel banners (`Linux version`) of a line source with the start of their boot, where
/// the kernel lines after the banner carry their uptime: the smallest stamp minus uptime (a line
/// read from the ring buffer later is stamped late, never early), a whole-second stamp taken at
/// the middle of its second.
fn banner_starts(
    parsed: &crate::formats::Parsed<'_>,
    matched: &[Matched],
    order: Option<&[usize]>,
) -> Vec<(usize, DateTime<Utc>)> {
    // Where each event stands in the written order: itself, unless the order is another.
    let position: Option<Vec<usize>> = order.map(|order| {
        let mut position = vec![0usize; order.len()];
        for (pos, &k) in order.iter().enumerate() {
            if let Some(slot) = position.get_mut(k) {
                *slot = pos;
            }
        }
        position
    });
    let mut banners: Vec<usize> = matched
        .iter()
        .filter(|m| m.kind == SignalKind::KernelBoot)
        .map(|m| m.event as usize)
        .filter(|k| {
            parsed
                .events
                .get(*k)
                .is_some_and(|e| e.journal.is_none() && e.ident == Some(b"kernel"))
        })
        .filter_map(|k| position.as_ref().map_or(Some(k), |p| p.get(k).copied()))
        .collect();
    banners.sort_unstable();
    let mut out = Vec::new();
    for (n, &b) in banners.iter().enumerate() {
        let end = banners.get(n + 1).copied().unwrap_or(parsed.events.len());
        let start = (b..end)
            .filter_map(|pos| order.map_or(Some(pos), |o| o.get(pos).copied()))
            .filter_map(|k| parsed.events.get(k))
            .filter(|e| e.ident == Some(b"kernel"))
            .filter_map(|e| {
                let up = e.uptime_us.filter(|u| *u <= 600_000_000)?;
                let t = e.time?;
                // A whole-second stamp was truncated: the line was written within the second
                // after it.
                let half = if t.timestamp_subsec_nanos() == 0 {
                    Duration::milliseconds(500)
                } else {
                    Duration::zero()
                };
                (t + half).checked_sub_signed(Duration::microseconds(i64::try_from(up).ok()?))
            })
            .min();
        if let Some(start) = start {
            out.push((b, start));
        }
    }
    out
}

/// The order a source's records were written in: the order of their bytes in the file, unless
/// the file runs newest first (`journalctl -r`) or goes back in time by more than a clock step
/// does (rotated files joined newest first, as `zcat syslog.*.gz` joins them), which are read
/// in time order. Returns the indexes into the (time-sorted) events in the order to read them,
/// or `None` to read them as they are (no permutation allocated for the common case).
fn written_order(parsed: &crate::formats::Parsed<'_>) -> Option<Vec<usize>> {
    let events = &parsed.events;
    let in_time = None;
    if events.windows(2).all(|w| w[0].offset <= w[1].offset) {
        return in_time;
    }
    let mut by_offset: Vec<usize> = (0..events.len()).collect();
    by_offset.sort_by_key(|&k| events.get(k).map(|e| e.offset));
    let (mut forward, mut backward) = (0usize, 0usize);
    let mut previous = None;
    for t in by_offset
        .iter()
        .filter_map(|&k| events.get(k).and_then(|e| e.time))
    {
        if let Some(p) = previous {
            if t > p {
                forward += 1;
            } else if t < p {
                if p - t > Duration::minutes(CLOCK_STEP_MAX_MIN) {
                    return in_time;
                }
                backward += 1;
            }
        }
        previous = Some(t);
    }
    if backward > forward {
        in_time
    } else {
        Some(by_offset)
    }
}

/// The most (minutes) a clock stepped back within a boot goes back; a file that goes back
/// further is files joined out of order.
const CLOCK_STEP_MAX_MIN: i64 = 60;

/// Identifiers of records that are themselves boot facts (read from the facts instead).
fn is_session_record(ident: Option<&[u8]>) -> bool {
    matches!(ident, Some(b"last" | b"wtmp"))
}

/// The UTC time of a recorded time that the clock stage did not see (a `last` end column),
/// shifted like the record's start: `start_utc` is what the clock stage made of `start`.
fn shifted(
    t: RecordedTime,
    start: RecordedTime,
    start_utc: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match (t, start, start_utc) {
        (RecordedTime::Absolute(t), _, _) => Some(t),
        (RecordedTime::Local(n), RecordedTime::Local(s), Some(u)) => {
            Some(n.and_utc() + (u - s.and_utc()))
        }
        (RecordedTime::Local(n), RecordedTime::Absolute(s), _) => {
            // An absolute start next to a local end: the same offset is the best guess.
            Some(n.and_utc() + (s - s.naive_utc().and_utc()))
        }
        _ => None,
    }
}

/// Reads one source's boot observations. `cuts` are the machine's boot starts as its other
/// sources give them (sorted; empty on the first reading): a dated record of a source that
/// shows no boot of its own belongs to the boot that began last before it. `zone` is the
/// machine's, for the local times of `--list-boots` rows.
pub fn observe(
    index: usize,
    source: &Source<'_>,
    matched: &[Matched],
    cuts: &[DateTime<Utc>],
    zone: Option<&crate::clock::Zone>,
) -> (Vec<Segment>, Vec<Loose>) {
    let parsed = &source.parsed;
    let records_shutdown = parsed
        .events
        .iter()
        .any(|e| !matches!(e.ident, None | Some(b"kernel")) && !is_session_record(e.ident));
    let mut segments: Vec<Segment> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut by_id: BTreeMap<&[u8], usize> = BTreeMap::new();
    let mut current: Option<(u32, usize)> = None;
    // With cuts: the segment of each (source boot, cut) pair, and the cut of the last dated
    // record (an undated one stays where the record before it was).
    let mut by_cut: BTreeMap<(u32, usize), usize> = BTreeMap::new();
    let mut cut_now = 0;
    let mut event_segment: Vec<Option<usize>> = vec![None; parsed.events.len()];
    let new_segment = |segments: &mut Vec<Segment>, counts: &mut Vec<usize>, id: Option<String>| {
        segments.push(Segment {
            source: index,
            boot_id: id,
            records_shutdown,
            ..Segment::default()
        });
        counts.push(0);
        segments.len() - 1
    };
    // rsyslog writes a new boot's first user-space records (journald forwards them) before the
    // kernel banner it reads from the ring buffer later, so in file order they trail the
    // previous boot. The new boot's start, from its kernel lines' uptimes, tells them apart:
    // a record at or after it belongs to the new boot, and the previous boot ends at its own
    // last record.
    //
    // The records are read in the order they were written, not in time order: a clock stepped
    // back early in a boot (NTP correcting a guest that booted on its RTC) stamps the boot's
    // later records before its kernel banner, and they are still the new boot's.
    let order = written_order(parsed);
    let index_at = |pos: usize| order.as_ref().map_or(Some(pos), |o| o.get(pos).copied());
    let banners = banner_starts(parsed, matched, order.as_deref());
    let mut next_banner = 0;
    let mut early_for: Option<usize> = None;
    for pos in 0..parsed.events.len() {
        let Some((k, event)) = index_at(pos).and_then(|k| Some((k, parsed.events.get(k)?))) else {
            continue;
        };
        if is_session_record(event.ident) {
            continue;
        }
        while banners.get(next_banner).is_some_and(|(b, _)| *b < pos) {
            next_banner += 1;
        }
        let upcoming = banners.get(next_banner).copied();
        let signals: Vec<&SignalKind> = crate::signals::kinds_at(matched, k).collect();
        let kernel_boot = signals.contains(&&SignalKind::KernelBoot);
        let journal_id = event.journal.as_ref().and_then(|j| j.boot_id());
        let seg = match journal_id {
            Some(id) => *by_id.entry(id).or_insert_with(|| {
                new_segment(
                    &mut segments,
                    &mut counts,
                    Some(String::from_utf8_lossy(id).to_ascii_lowercase()),
                )
            }),
            None if !cuts.is_empty() => {
                if let Some(t) = event.time {
                    cut_now = cuts.partition_point(|c| *c <= t);
                }
                *by_cut
                    .entry((event.boot, cut_now))
                    .or_insert_with(|| new_segment(&mut segments, &mut counts, None))
            }
            None => match current {
                Some((boot, seg))
                    if boot == event.boot
                        && !switch_early(event, kernel_boot, upcoming, early_for)
                        && !(kernel_boot
                            && early_for != Some(pos)
                            && counts.get(seg).is_some_and(|c| *c > 0)) =>
                {
                    seg
                }
                _ => {
                    if switch_early(event, kernel_boot, upcoming, early_for) {
                        early_for = upcoming.map(|(b, _)| b);
                    }
                    let id = event
                        .boot
                        .checked_sub(1)
                        .and_then(|b| parsed.boots.get(b as usize))
                        .and_then(|m| m.boot_id)
                        .map(|id| String::from_utf8_lossy(id).to_ascii_lowercase());
                    let seg = new_segment(&mut segments, &mut counts, id);
                    current = Some((event.boot, seg));
                    seg
                }
            },
        };
        if let Some(slot) = event_segment.get_mut(k) {
            *slot = Some(seg);
        }
        if let Some(c) = counts.get_mut(seg) {
            *c += 1;
        }
        let Some(segment) = segments.get_mut(seg) else {
            continue;
        };
        let cite = Cite::Event {
            source: index,
            event: k,
        };
        if let Some(t) = event.time {
            let seen = Seen { time: t, cite };
            if segment.first.is_none_or(|f| t < f.time) {
                segment.first = Some(seen);
            }
            if segment.last.is_none_or(|l| t >= l.time) {
                segment.last = Some(seen);
            }
            // A journal entry logged in the boot's first minute (its monotonic clock says so)
            // dates the start: its wall clock minus its monotonic clock is the boot, to the
            // microsecond. The boot's first such entry says it (a clock step later in the boot
            // moves the wall clock, not the monotonic one); later entries only show the boot was
            // up.
            let early_entry = event
                .journal
                .as_ref()
                .and_then(|j| j.monotonic_us())
                .filter(|m| *m < JOURNAL_EARLY_US);
            let candidate = if let Some(mono) = early_entry {
                i64::try_from(mono)
                    .ok()
                    .and_then(|m| t.checked_sub_signed(Duration::microseconds(m)))
                    .map(|at| (at, "journal", 4))
            } else if kernel_boot {
                // A line source's banner is stamped when the ring buffer was read; the kernel
                // lines' uptimes say when the boot began.
                let start = upcoming.filter(|(b, _)| *b == pos).map_or(t, |(_, at)| at);
                Some((start, "kernel", 3))
            } else {
                None
            };
            if let Some((time, from, rank)) = candidate
                && segment
                    .start
                    .as_ref()
                    .is_none_or(|s| s.rank < rank || (s.rank == rank && rank != 4 && time < s.time))
            {
                segment.start = Some(Start {
                    time,
                    from,
                    rank,
                    cite,
                });
            }
        }
        for signal in &signals {
            let (kind, why) = match signal {
                SignalKind::ShutdownSequence => (MarkKind::Clean, "shutdown_sequence"),
                SignalKind::PowerKey => (MarkKind::Clean, "power_key"),
                SignalKind::UncleanJournal => (MarkKind::UncleanPrevious, "journald_unclean"),
                _ => continue,
            };
            segment.marks.push(Mark {
                kind,
                time: event.time,
                cite,
                why,
            });
        }
    }

    for (u, evidence) in parsed.unclean.iter().enumerate() {
        let cite = Cite::Unclean {
            source: index,
            index: u,
        };
        let (seg, why) = match (&evidence.boot_id, evidence.offset) {
            (Some(id), _) => {
                let id = id.to_ascii_lowercase();
                let found = segments
                    .iter()
                    .position(|s| s.boot_id.as_deref() == Some(id.as_str()));
                let seg =
                    found.unwrap_or_else(|| new_segment(&mut segments, &mut counts, Some(id)));
                (Some(seg), "journal_unclean_file")
            }
            (None, Some(offset)) => {
                // journald's own line is read as a signal above.
                let journald_line = parsed
                    .events
                    .iter()
                    .any(|e| e.offset == offset && e.ident == Some(b"systemd-journald"));
                if journald_line {
                    continue;
                }
                let before = parsed
                    .events
                    .iter()
                    .zip(&event_segment)
                    .filter(|(e, _)| e.offset < offset)
                    .filter_map(|(_, s)| *s)
                    .next_back();
                (before, "log_left_unclean")
            }
            (None, None) => {
                let newest = segments
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| Some((s.last?.time, i)))
                    .max()
                    .map(|(_, i)| i);
                (newest, "journal_renamed")
            }
        };
        if let Some(segment) = seg.and_then(|s| segments.get_mut(s)) {
            segment.marks.push(Mark {
                kind: MarkKind::Unclean,
                time: None,
                cite,
                why,
            });
        }
    }

    let mut loose = Vec::new();
    let session_events: BTreeMap<u64, usize> = parsed
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| is_session_record(e.ident))
        .map(|(k, e)| (e.offset, k))
        .collect();
    let from = match parsed.kind {
        FormatKind::Wtmp => "wtmp",
        FormatKind::Wtmpdb => "wtmpdb",
        _ => "last",
    };
    let oldest_listed = parsed
        .facts
        .iter()
        .filter_map(|f| match &f.kind {
            FactKind::ListBoot(row) => Some(row.index),
            _ => None,
        })
        .min();
    for (f, fact) in parsed.facts.iter().enumerate() {
        match &fact.kind {
            FactKind::Session(session) => {
                let event = session_events.get(&fact.offset).copied();
                let cite = match event {
                    Some(event) => Cite::Event {
                        source: index,
                        event,
                    },
                    None => Cite::Fact {
                        source: index,
                        fact: f,
                    },
                };
                let event_time = event
                    .and_then(|k| parsed.events.get(k))
                    .and_then(|e| e.time);
                let start = event_time.or(match session.start {
                    RecordedTime::Absolute(t) => Some(t),
                    _ => None,
                });
                let Some(time) = start else {
                    continue;
                };
                let end_mark = |kind, why| Mark {
                    kind,
                    time: Some(time),
                    cite,
                    why,
                };
                match session.kind {
                    SessionKind::Reboot => {
                        let mut marks = Vec::new();
                        let mut ended_at = None;
                        match session.end {
                            SessionEnd::Crash => {
                                marks.push(end_mark(MarkKind::Unclean, "last_crash"))
                            }
                            SessionEnd::Down => marks.push(end_mark(MarkKind::Clean, "last_down")),
                            SessionEnd::StillRunning => {
                                marks.push(end_mark(MarkKind::Running, "last_still_running"));
                            }
                            SessionEnd::Logout(t) => ended_at = shifted(t, session.start, start),
                            _ => {}
                        }
                        let seen = Seen { time, cite };
                        segments.push(Segment {
                            source: index,
                            boot_id: None,
                            start: Some(Start {
                                time,
                                from,
                                rank: 2,
                                cite,
                            }),
                            first: Some(seen),
                            last: Some(seen),
                            ended_at,
                            marks,
                            records_shutdown: true,
                        });
                    }
                    SessionKind::Shutdown => {
                        loose.push(Loose::Mark(end_mark(MarkKind::Clean, "shutdown_record")));
                    }
                    SessionKind::User => {
                        loose.push(Loose::Seen(Seen { time, cite }));
                        match session.end {
                            SessionEnd::Down => {
                                loose.push(Loose::Mark(end_mark(
                                    MarkKind::Clean,
                                    "login_ended_down",
                                )));
                            }
                            SessionEnd::Crash => loose.push(Loose::Mark(end_mark(
                                MarkKind::Unclean,
                                "login_ended_crash",
                            ))),
                            _ => {}
                        }
                    }
                    SessionKind::Runlevel | SessionKind::TimeChange => {}
                }
            }
            FactKind::ListBoot(row) => {
                let cite = Cite::Fact {
                    source: index,
                    fact: f,
                };
                // A zone abbreviation other than UTC (`CEST`, `BST`) names no one offset: the
                // machine's zone dates the row.
                let at = |t: &Option<RecordedTime>| match t {
                    Some(RecordedTime::Absolute(t)) => Some(Seen { time: *t, cite }),
                    Some(RecordedTime::Local(n)) => Some(Seen {
                        time: zone?.to_utc(*n)?,
                        cite,
                    }),
                    _ => None,
                };
                let marks = if row.index == 0 {
                    vec![Mark {
                        kind: MarkKind::Running,
                        time: None,
                        cite,
                        why: "list_boots_current",
                    }]
                } else {
                    Vec::new()
                };
                // A boot's first journal entry is its kernel's first message, stamped with the
                // boot's start (journald dates the kernel's early messages by their uptime) to
                // the second; but the oldest boot listed may have lost its first entries to the
                // journal's vacuuming.
                let start = (Some(row.index) != oldest_listed)
                    .then(|| at(&row.first))
                    .flatten()
                    .map(|seen| Start {
                        time: seen.time,
                        from: "list-boots",
                        rank: 2,
                        cite,
                    });
                segments.push(Segment {
                    source: index,
                    boot_id: Some(row.boot_id.to_ascii_lowercase()),
                    start,
                    first: at(&row.first),
                    last: at(&row.last),
                    ended_at: None,
                    marks,
                    records_shutdown: false,
                });
            }
            _ => {}
        }
    }
    // A segment with nothing dated and nothing to say cannot be placed.
    segments.retain(|s| s.first.is_some() || s.boot_id.is_some() || !s.marks.is_empty());
    (segments, loose)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_736_726_400 + h * 3600, 0).unwrap()
    }

    fn ev(source: usize, event: usize) -> Cite {
        Cite::Event { source, event }
    }

    /// A syslog-like segment of `source`: a kernel start at hour `from`, records until `to`.
    fn seg(source: usize, from: i64, to: i64, marks: Vec<Mark>) -> Segment {
        Segment {
            source,
            boot_id: None,
            start: Some(Start {
                time: t(from),
                from: "kernel",
                rank: 3,
                cite: ev(source, from as usize),
            }),
            first: Some(Seen {
                time: t(from),
                cite: ev(source, from as usize),
            }),
            last: Some(Seen {
                time: t(to),
                cite: ev(source, to as usize),
            }),
            ended_at: None,
            marks,
            records_shutdown: true,
        }
    }

    fn mark(kind: MarkKind, h: i64, cite: Cite, why: &'static str) -> Mark {
        Mark {
            kind,
            time: Some(t(h)),
            cite,
            why,
        }
    }

    fn kinds(boots: &[Boot]) -> Vec<EndKind> {
        boots.iter().map(|b| b.end_kind).collect()
    }

    #[test]
    fn shutdown_then_silence_then_last_boot() {
        let boots = assemble(
            vec![
                seg(0, 10, 12, vec![]),
                seg(
                    0,
                    0,
                    5,
                    vec![mark(MarkKind::Clean, 5, ev(0, 5), "shutdown_sequence")],
                ),
                seg(0, 6, 9, vec![]),
            ],
            vec![],
        );
        assert_eq!(
            kinds(&boots),
            [EndKind::Clean, EndKind::Unclean, EndKind::Running]
        );
        let starts: Vec<_> = boots.iter().map(|b| b.key()).collect();
        assert_eq!(starts, [Some(t(0)), Some(t(6)), Some(t(10))]);
        assert_eq!(boots[0].end, Some(t(5)));
        // The unclean end is the last sign of life; the next boot's start is cited.
        assert_eq!(boots[1].end, Some(t(9)));
        let whys: Vec<_> = boots[1].evidence.iter().map(|c| c.why).collect();
        assert_eq!(whys, ["boot_start", "last_record", "next_boot"]);
        assert_eq!(boots[2].end, None);
    }

    #[test]
    fn journald_line_marks_the_previous_boot() {
        let journald = mark(MarkKind::UncleanPrevious, 6, ev(0, 60), "journald_unclean");
        let boots = assemble(
            vec![seg(0, 0, 5, vec![]), seg(0, 6, 9, vec![journald.clone()])],
            vec![],
        );
        assert_eq!(kinds(&boots), [EndKind::Unclean, EndKind::Running]);
        assert!(
            boots[0]
                .evidence
                .iter()
                .any(|c| c.why == "journald_unclean")
        );
        // Without a previous boot in the logs, one is added for the evidence.
        let boots = assemble(vec![seg(0, 6, 9, vec![journald])], vec![]);
        assert_eq!(kinds(&boots), [EndKind::Unclean, EndKind::Running]);
        assert_eq!(boots[0].key(), None);
    }

    #[test]
    fn unclean_evidence_wins_over_a_shutdown_that_began() {
        let boots = assemble(
            vec![
                seg(
                    0,
                    0,
                    5,
                    vec![
                        mark(MarkKind::Clean, 4, ev(0, 4), "power_key"),
                        Mark {
                            kind: MarkKind::Unclean,
                            time: None,
                            cite: Cite::Unclean {
                                source: 0,
                                index: 0,
                            },
                            why: "journal_unclean_file",
                        },
                    ],
                ),
                seg(0, 6, 9, vec![]),
            ],
            vec![],
        );
        assert_eq!(boots[0].end_kind, EndKind::Unclean);
        assert_eq!(boots[0].reason, "a shutdown began but did not complete");
    }

    #[test]
    fn same_boot_merges_across_sources_by_id_or_time() {
        let mut journal = seg(1, 0, 4, vec![]);
        journal.boot_id = Some("ab".repeat(16));
        if let Some(s) = journal.start.as_mut() {
            s.time = t(0) + Duration::seconds(90);
            s.rank = 4;
        }
        let list_boots = Segment {
            source: 2,
            boot_id: Some("ab".repeat(16)),
            first: Some(Seen {
                time: t(0),
                cite: Cite::Fact { source: 2, fact: 0 },
            }),
            ..Segment::default()
        };
        let boots = assemble(
            vec![
                seg(0, 0, 5, vec![]),
                journal,
                list_boots,
                seg(0, 6, 9, vec![]),
            ],
            vec![],
        );
        assert_eq!(boots.len(), 2, "{boots:#?}");
        assert_eq!(boots[0].boot_id.as_deref(), Some("ab".repeat(16).as_str()));
        // The journal's boot clock is the most precise start.
        assert_eq!(boots[0].key(), Some(t(0) + Duration::seconds(90)));
        assert_eq!(boots[0].sources.len(), 3);
        // Two starts of one source are two boots, however close.
        let mut quick = seg(0, 0, 0, vec![]);
        if let Some(s) = quick.start.as_mut() {
            s.time = t(0) + Duration::seconds(30);
        }
        let boots = assemble(vec![seg(0, 0, 0, vec![]), quick], vec![]);
        assert_eq!(boots.len(), 2);
    }

    #[test]
    fn no_common_recorder_leaves_the_end_unknown() {
        let mut dmesg = seg(1, 6, 9, vec![]);
        dmesg.records_shutdown = false;
        let boots = assemble(vec![seg(0, 0, 5, vec![]), dmesg], vec![]);
        assert_eq!(kinds(&boots), [EndKind::Unknown, EndKind::Running]);
    }

    #[test]
    fn last_records_crash_shutdown_and_still_running() {
        let reboot = |h: i64, marks: Vec<Mark>| Segment {
            ended_at: None,
            start: Some(Start {
                time: t(h),
                from: "last",
                rank: 2,
                cite: ev(0, h as usize),
            }),
            first: Some(Seen {
                time: t(h),
                cite: ev(0, h as usize),
            }),
            last: Some(Seen {
                time: t(h),
                cite: ev(0, h as usize),
            }),
            marks,
            records_shutdown: true,
            source: 0,
            boot_id: None,
        };
        let boots = assemble(
            vec![
                reboot(0, vec![mark(MarkKind::Unclean, 0, ev(0, 0), "last_crash")]),
                reboot(5, vec![]),
                reboot(
                    9,
                    vec![mark(MarkKind::Running, 9, ev(0, 9), "last_still_running")],
                ),
            ],
            vec![
                // A shutdown record at the very time of the next boot belongs to the one before.
                Loose::Mark(mark(MarkKind::Clean, 9, ev(0, 100), "shutdown_record")),
                Loose::Seen(Seen {
                    time: t(3),
                    cite: ev(0, 101),
                }),
            ],
        );
        assert_eq!(
            kinds(&boots),
            [EndKind::Unclean, EndKind::Clean, EndKind::Running]
        );
        assert_eq!(
            boots[0].end,
            Some(t(3)),
            "the login is the last sign of life"
        );
        assert_eq!(boots[1].end, Some(t(9)));
    }

    #[test]
    fn shifted_end_follows_the_start_offset() {
        let start = chrono::NaiveDate::from_ymd_opt(2024, 12, 2)
            .and_then(|d| d.and_hms_opt(9, 12, 0))
            .unwrap();
        let end = chrono::NaiveDate::from_ymd_opt(2024, 12, 20)
            .and_then(|d| d.and_hms_opt(7, 58, 0))
            .unwrap();
        let start_utc = start.and_utc() - Duration::hours(1);
        assert_eq!(
            shifted(
                RecordedTime::Local(end),
                RecordedTime::Local(start),
                Some(start_utc)
            ),
            Some(end.and_utc() - Duration::hours(1))
        );
        assert_eq!(
            shifted(RecordedTime::Missing, RecordedTime::Local(start), None),
            None
        );
    }
}
