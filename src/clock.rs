//! The clock stage: puts every event on the UTC time line, using only what the bundle says.
//!
//! Records carry time in many shapes ([`RecordedTime`]). This stage resolves them in an order
//! where each step can use the previous ones:
//!
//! 1. **Reference time** for sources without a year: `--reference-time`, else the manifest's
//!    `collected_at`, else the newest fully dated record of the bundle, else the newest member
//!    modification time. Never the analyst's clock.
//! 2. **Zone** for sources without an offset: `--tz MACHINE=ZONE`, `--tz ZONE`, the machine's
//!    own `timedatectl` or `/etc/timezone`, the manifest's `timezone` (the collecting host's:
//!    not applied to a guest, whose zone the correlation may find), else an offset *derived* from another source of the same machine that carries
//!    offsets and holds the same records (a kern.log next to a `short-iso` journal), else the
//!    offsets the machine's own records were written with (that journal's `+0200` when the
//!    kern.log shares none of its lines), else UTC, recorded as assumed.
//! 3. **Years** are inferred walking backwards from the reference time: the last record takes the
//!    reference's year (the year before if its date lies after the reference), and each step back
//!    that jumps *forward* by more than a day crosses a year boundary (Dec → Jan).
//! 4. **Seconds since boot** (dmesg, `short-monotonic`) are anchored to the wall clock by a boot
//!    time found in dated sources of the same machine: kernel lines that carry both a wall time
//!    and the printk uptime give it exactly; otherwise identical kernel messages in both give it to
//!    the second. A boot nothing else dates is dated by its own records where they carry the wall
//!    clock: an EFI pstore record's file name, a machine-check record's `TIME` field. Unanchored
//!    records keep their seconds since boot and `boot_relative`.
//!
//! 5. **Task ends**: a Proxmox VE task log's status line is placed at its task's end (the task
//!    list's or the journal's), else at the log's last dated line, a lower bound.
//!
//! Every fix is recorded per event ([`TimeQuality`]) and explained per source
//! ([`Source::time_notes`]), so `pvelog sources` shows where each time came from.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset,
    TimeZone, Utc,
};
use serde::Deserialize;

use crate::event::{Event, RecordedTime, TimeFix, TimeQuality};
use crate::formats::FormatKind;
use crate::source::Source;

/// A time zone for sources that carry no offset.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    /// A fixed offset (`+02:00`, `UTC`).
    Fixed(FixedOffset),
    /// A named IANA zone, with its daylight-saving rules (`Europe/Berlin`).
    Named(chrono_tz::Tz),
    /// The offsets a machine's own records were stamped with (`2025-03-30T01:59:58+0100`,
    /// `…T03:00:01+0200`), as `(instant, seconds east of UTC)` oldest first, with every change
    /// of offset kept: a zone whose rules are not named but whose offsets were written down.
    /// A wall time takes the offset in effect at the instant it would be under it.
    Stamped(std::sync::Arc<[(DateTime<Utc>, i32)]>),
}

impl Zone {
    /// Parses `UTC`, `Z`, `+02:00`, `-0500` or an IANA name.
    pub fn parse(text: &str) -> Option<Zone> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
            return FixedOffset::east_opt(0).map(Zone::Fixed);
        }
        if t.starts_with(['+', '-']) {
            let (rest, secs) = crate::formats::common::utc_offset(t.as_bytes()).ok()?;
            return rest
                .is_empty()
                .then(|| FixedOffset::east_opt(secs).map(Zone::Fixed))
                .flatten();
        }
        t.parse::<chrono_tz::Tz>().ok().map(Zone::Named)
    }

    /// The offset in effect at `t` of a [`Zone::Stamped`]: the offset of the stamped record
    /// nearest to it.
    fn stamped_at(points: &[(DateTime<Utc>, i32)], t: DateTime<Utc>) -> Option<i32> {
        let k = points.partition_point(|(p, _)| *p < t);
        let before = k.checked_sub(1).and_then(|i| points.get(i));
        match (before, points.get(k)) {
            (Some(a), Some(b)) => Some(if t - a.0 <= b.0 - t { a.1 } else { b.1 }),
            (Some(a), None) => Some(a.1),
            (None, Some(b)) => Some(b.1),
            (None, None) => None,
        }
    }

    /// Whether `offset` may have held at `t`: the offset written nearest to it, or, between the
    /// last record written with one offset and the first written with the next, either of them
    /// (the change came somewhere in between; which side a record lies on is then its order's to
    /// say, [`Zone::to_utc_before`]).
    fn may_hold(points: &[(DateTime<Utc>, i32)], t: DateTime<Utc>, offset: i32) -> bool {
        let k = points.partition_point(|(p, _)| *p < t);
        match (k.checked_sub(1).and_then(|i| points.get(i)), points.get(k)) {
            (Some(a), Some(b)) if a.1 != b.1 => offset == a.1 || offset == b.1,
            _ => Self::stamped_at(points, t) == Some(offset),
        }
    }

    fn utc() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()))
    }

    /// Local wall time → UTC. In a daylight-saving fold the earlier instant is taken; in a gap the
    /// wall time is moved forward by the gap (as the clock itself was).
    pub fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.to_utc_before(local, None)
    }

    /// Like [`Zone::to_utc`], but in a fold (the hour that repeats when daylight saving ends) the
    /// later instant is taken when it is not after `not_after`, the UTC time of the record that
    /// follows: records are walked backwards, so the second pass through the hour comes first.
    pub fn to_utc_before(
        &self,
        local: NaiveDateTime,
        not_after: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        fn pick<T: TimeZone>(
            r: LocalResult<DateTime<T>>,
            not_after: Option<DateTime<Utc>>,
        ) -> Option<DateTime<Utc>> {
            match r {
                LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                LocalResult::Ambiguous(early, late) => {
                    let late = late.with_timezone(&Utc);
                    Some(match not_after {
                        Some(limit) if late <= limit => late,
                        _ => early.with_timezone(&Utc),
                    })
                }
                LocalResult::None => None,
            }
        }
        match self {
            Zone::Stamped(points) => {
                // Each offset written that holds at the instant it gives: one, or two in a
                // fold (the earlier instant first), none in a gap (the nearest record's).
                let mut offsets: Vec<i32> = points.iter().map(|(_, o)| *o).collect();
                offsets.sort_unstable_by(|a, b| b.cmp(a));
                offsets.dedup();
                let instant = |o: i32| {
                    DateTime::from_naive_utc_and_offset(
                        local - Duration::seconds(i64::from(o)),
                        Utc,
                    )
                };
                let holding: Vec<DateTime<Utc>> = offsets
                    .iter()
                    .map(|&o| instant(o))
                    .zip(&offsets)
                    .filter(|(t, o)| Self::may_hold(points, *t, **o))
                    .map(|(t, _)| t)
                    .collect();
                match holding.as_slice() {
                    [] => {
                        let naive = DateTime::from_naive_utc_and_offset(local, Utc);
                        Self::stamped_at(points, naive).map(instant)
                    }
                    [one] => Some(*one),
                    [early, .., late] => Some(match not_after {
                        Some(limit) if *late <= limit => *late,
                        _ => *early,
                    }),
                }
            }
            Zone::Fixed(o) => pick(o.from_local_datetime(&local), not_after),
            // Gaps are 30 minutes (Lord Howe), an hour, or two (historic double summer time).
            Zone::Named(tz) => pick(tz.from_local_datetime(&local), not_after).or_else(|| {
                [30, 60, 120].into_iter().find_map(|m| {
                    pick(
                        tz.from_local_datetime(&(local + Duration::minutes(m))),
                        not_after,
                    )
                })
            }),
        }
    }

    /// UTC → local wall time.
    pub fn to_local(&self, utc: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Stamped(points) => {
                let offset = Self::stamped_at(points, utc).unwrap_or(0);
                utc.naive_utc() + Duration::seconds(i64::from(offset))
            }
            Zone::Fixed(o) => utc.with_timezone(o).naive_local(),
            Zone::Named(tz) => utc.with_timezone(tz).naive_local(),
        }
    }

    /// `UTC`, `+02:00` or the IANA name.
    pub fn label(&self) -> String {
        match self {
            Zone::Fixed(o) if o.local_minus_utc() == 0 => "UTC".to_string(),
            Zone::Fixed(o) => o.to_string(),
            Zone::Named(tz) => tz.name().to_string(),
            Zone::Stamped(points) => {
                let mut offsets: Vec<i32> = Vec::new();
                for (_, o) in points.iter() {
                    if !offsets.contains(o) {
                        offsets.push(*o);
                    }
                }
                let labels: Vec<String> = offsets
                    .iter()
                    .map(|o| {
                        FixedOffset::east_opt(*o)
                            .map_or_else(|| format!("{o} s"), |f| f.to_string())
                    })
                    .collect();
                labels.join(" then ")
            }
        }
    }
}

/// What the command line says about time.
#[derive(Clone, Debug, Default)]
pub struct ClockOptions {
    /// `--reference-time`.
    pub reference_time: Option<DateTime<Utc>>,
    /// `--tz ZONE`: for every offset-less source without a machine-specific zone.
    pub tz_default: Option<Zone>,
    /// `--tz MACHINE=ZONE`.
    pub tz_machine: BTreeMap<String, Zone>,
}

/// The parts of `manifest.json` the analysis uses (the file may hold more: `pvelog collect`
/// also records its window, incident and commands there).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Manifest {
    /// When the bundle was collected (RFC 3339).
    pub collected_at: Option<String>,
    /// The zone of the machines' offset-less logs.
    pub timezone: Option<String>,
    /// Members kept for the reader that no parser reads (paths relative to the manifest's
    /// INPUT): read as the `context` format rather than guessed at or counted as unparsed.
    #[serde(default)]
    pub context: Vec<String>,
    /// The incident the bundle was collected for (`pvelog collect --vm … --around …`).
    #[serde(default)]
    pub incident: Option<ManifestIncident>,
}

/// `manifest.json`'s `incident`: the VMs and the moment the collection was for (`pvelog
/// collect` writes it: the first `--vm`, every `--vm`, `--around`).
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct ManifestIncident {
    /// The main VM.
    #[serde(default)]
    pub vmid: Option<u32>,
    /// Every VM named.
    #[serde(default)]
    pub vmids: Vec<u32>,
    /// When it happened, RFC 3339.
    #[serde(default)]
    pub time: Option<String>,
}

impl ManifestIncident {
    /// The incident's time, when it parses.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(self.time.as_deref()?)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

impl Manifest {
    /// Parses a manifest; `None` when it is not valid JSON of the expected shape.
    pub fn parse(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice(bytes).ok()
    }
}

/// The bundle-wide outcome of the clock stage.
#[derive(Clone, Debug, Default)]
pub struct ClockSummary {
    /// The bundle-wide reference time for year inference, and where it came from (a machine
    /// with dated records of its own uses those; see `pvelog sources`).
    pub reference: Option<(DateTime<Utc>, String)>,
    /// Whether some reference came from file modification times, which change when a bundle is
    /// copied without preserving them.
    pub reference_from_mtime: bool,
    /// The zone each machine's local time is in, where known, and where it came from: `--tz`,
    /// the machine's own `timedatectl` or `/etc/timezone`, the manifest (for a host: it names
    /// the collecting host's zone), the offset derived for one of its files, else the offsets
    /// its own records were written with. The
    /// correlation reads a host's zone here when a guest's clock keeps it (`localtime: 1`).
    pub zones: BTreeMap<String, (Zone, String)>,
}

/// A reference time and where it came from.
type Reference = (DateTime<Utc>, String);

/// The manifest that applies to `path`: the one at the top of the INPUT the path belongs to.
fn manifest_for<'m>(manifests: &'m [(String, Manifest)], path: &str) -> Option<&'m Manifest> {
    manifests
        .iter()
        .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, m)| m)
}

/// Years outside this range are not taken as evidence of "now" when choosing a reference time
/// (a host without an RTC logs 1970; a corrupt record can say 9999). They are still shown.
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// Places the undated lines of a Proxmox VE task log at the task's start, which the UPID naming
/// the file says (epoch seconds: UTC by definition), each with [`TimeFix::TaskAnchored`]: a task
/// log has no time per line, and its lines happened during the task, not after every dated
/// record of the bundle. The status line is left to [`date_task_ends`]: it was written at the
/// task's end.
fn anchor_task_log(source: &mut Source<'_>) {
    if source.parsed.kind != FormatKind::PveTaskLog {
        return;
    }
    let Some(start) =
        crate::formats::pve_task_log::upid_of_path(&source.path).and_then(|u| u.start())
    else {
        return;
    };
    let status = crate::formats::pve_task_log::status_event(&source.parsed.events);
    let mut anchored = 0usize;
    for (i, event) in source.parsed.events.iter_mut().enumerate() {
        if event.recorded == RecordedTime::Missing && Some(i) != status {
            event.time = Some(start);
            event.quality.insert(TimeFix::TaskAnchored);
            anchored += 1;
        }
    }
    if anchored > 0 {
        source.time_notes.push(format!(
            "{anchored} lines without a time placed at the task's start, {}, from the UPID of the file name",
            crate::event::rfc3339(start)
        ));
    }
}

/// Dates the undated lines of each Proxmox VE task log that a dated log of its machine repeats
/// line for line: a backup task's log holds every VM's section without times, and each per-VM
/// vzdump log (`/var/log/vzdump/qemu-106.log`) the same lines of its VM's section with theirs. Lines are paired by
/// text, only where the text is unique in both logs and the pairs keep both logs' order (so
/// `INFO: resuming VM again`, one per VM, pairs nothing). A paired line takes its copy's time
/// and time fixes; a line with no copy lying between two paired lines whose copies follow each
/// other in the dated log (zstd's `No space left on device`, written between two progress
/// lines) was written between their times: it is placed at the later (it was written by then),
/// still marked [`TimeFix::TaskAnchored`], since its own time is not known.
fn date_task_lines_by_copies(sources: &mut [Source<'_>]) {
    let mut updates: Vec<(
        usize,
        Vec<(usize, DateTime<Utc>, TimeQuality, bool)>,
        String,
    )> = Vec::new();
    // Each vzdump log's dated lines by text, built once: a message seen twice pairs nothing.
    let copies: Vec<(&Source<'_>, HashMap<&[u8], Option<usize>>)> = sources
        .iter()
        .filter(|log| log.parsed.kind == FormatKind::Vzdump)
        .map(|log| {
            let mut at: HashMap<&[u8], Option<usize>> = HashMap::new();
            for (p, e) in log.parsed.events.iter().enumerate() {
                if e.time.is_some() {
                    at.entry(&e.message[..])
                        .and_modify(|x| *x = None)
                        .or_insert(Some(p));
                }
            }
            (log, at)
        })
        .collect();
    for (i, task) in sources.iter().enumerate() {
        if task.parsed.kind != FormatKind::PveTaskLog {
            continue;
        }
        let undated: Vec<usize> = task
            .parsed
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.quality.contains(TimeFix::TaskAnchored))
            .map(|(k, _)| k)
            .collect();
        if undated.is_empty() {
            continue;
        }
        let mut counts: HashMap<&[u8], u32> = HashMap::new();
        for &k in &undated {
            *counts
                .entry(&task.parsed.events[k].message[..])
                .or_default() += 1;
        }
        for (log, at) in copies.iter().filter(|(log, _)| log.machine == task.machine) {
            // Pairs of (task line, copy), unique on both sides, in both logs' order.
            let mut pairs: Vec<(usize, usize)> = Vec::new();
            for &k in &undated {
                let text = &task.parsed.events[k].message[..];
                if counts.get(text) != Some(&1) {
                    continue;
                }
                if let Some(&Some(p)) = at.get(text)
                    && pairs.last().is_none_or(|&(_, q)| p > q)
                {
                    pairs.push((k, p));
                }
            }
            if pairs.is_empty() {
                continue;
            }
            let copy = |p: usize| {
                let e = &log.parsed.events[p];
                e.time.map(|t| (t, e.quality))
            };
            let mut dated = Vec::new();
            let mut between = 0usize;
            for w in pairs.windows(2) {
                let ((a, pa), (b, pb)) = (w[0], w[1]);
                if pb == pa + 1
                    && let Some((t, q)) = copy(pb)
                {
                    for k in undated.iter().copied().filter(|k| *k > a && *k < b) {
                        dated.push((k, t, q, true));
                        between += 1;
                    }
                }
            }
            for &(k, p) in &pairs {
                if let Some((t, q)) = copy(p) {
                    dated.push((k, t, q, false));
                }
            }
            let note = format!(
                "{} lines dated by their copies in {}{}",
                pairs.len(),
                log.path,
                if between > 0 {
                    format!(", {between} more placed between two of them (at the later)")
                } else {
                    String::new()
                }
            );
            // A job's task log holds every VM's section; each VM's vzdump log dates its own.
            updates.push((i, dated, note));
        }
    }
    let mut done: HashSet<(usize, usize)> = HashSet::new();
    for (i, dated, note) in updates {
        let Some(source) = sources.get_mut(i) else {
            continue;
        };
        for (k, t, quality, between) in dated {
            // A line two VMs' logs both repeat keeps the first copy's time.
            if !done.insert((i, k)) {
                continue;
            }
            if let Some(e) = source.parsed.events.get_mut(k) {
                e.time = Some(t);
                e.quality = quality;
                if between {
                    e.quality.insert(TimeFix::TaskAnchored);
                }
            }
        }
        source.time_notes.push(note);
    }
}

/// The key the signal table names a task by (`node:pid:pstart:starttime:type:id:user`, the
/// UPID without `UPID:` and its trailing colon).
fn task_key(upid: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(upid).ok()?;
    Some(text.strip_prefix("UPID:")?.trim_end_matches(':'))
}

/// Dates the status line (`TASK OK`, `TASK ERROR: …`) of each Proxmox VE task log named by its
/// UPID, once every other record has its time: at the task's end as the task list (`index`,
/// `active`: the end time a daemon noticed) or the journal's `end task` line says it (the
/// earliest such end at or after the start); else at the log's last dated line (a migration's
/// lines carry the node's local time), which the end came at or after: a lower bound, said so
/// in the source's notes. A status line nothing dates stays undated: it was written at the
/// task's end, not at its start.
fn date_task_ends(sources: &mut [Source<'_>], signals: &[Vec<crate::signals::Matched>]) {
    let mut ends: HashMap<&str, Vec<(DateTime<Utc>, usize, usize)>> = HashMap::new();
    for (i, (source, matched)) in sources.iter().zip(signals).enumerate() {
        for m in matched {
            if let crate::signals::SignalKind::TaskEnd { upid, .. } = &m.kind
                && let Some(t) = source
                    .parsed
                    .events
                    .get(m.event as usize)
                    .and_then(|e| e.time)
            {
                ends.entry(upid.as_str())
                    .or_default()
                    .push((t, i, m.event as usize));
            }
        }
    }
    let mut dated: Vec<(usize, usize, DateTime<Utc>, String)> = Vec::new();
    let mut undated: Vec<(usize, usize)> = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        if source.parsed.kind != FormatKind::PveTaskLog {
            continue;
        }
        let Some(upid) = crate::formats::pve_task_log::upid_of_path(&source.path) else {
            continue;
        };
        let Some(status) = crate::formats::pve_task_log::status_event(&source.parsed.events) else {
            continue;
        };
        let start = upid.start();
        let listed = task_key(upid.text)
            .and_then(|key| ends.get(key))
            .and_then(|list| {
                list.iter()
                    .filter(|(t, _, _)| start.is_none_or(|s| *t >= s))
                    .min_by_key(|(t, _, _)| *t)
            });
        let last_dated = source
            .parsed
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.recorded != RecordedTime::Missing)
            .filter_map(|(k, e)| Some((e.time?, k)))
            .max_by_key(|(t, _)| *t);
        match (listed, last_dated) {
            (Some(&(t, j, k)), _) => {
                let line = sources[j].parsed.events.get(k).map_or(0, |e| e.line);
                dated.push((
                    i,
                    status,
                    t,
                    format!(
                        "status line placed at the task's end, {}, as {}:{line} says it",
                        crate::event::rfc3339(t),
                        sources[j].path
                    ),
                ));
            }
            (None, Some((t, k))) => {
                let line = source.parsed.events.get(k).map_or(0, |e| e.line);
                dated.push((
                    i,
                    status,
                    t,
                    format!(
                        "status line placed at the log's last dated line ({line}), {}: the task ended then or later (a lower bound; no task list or journal says when)",
                        crate::event::rfc3339(t)
                    ),
                ));
            }
            (None, None) => undated.push((i, status)),
        }
    }
    for (i, status, t, note) in dated {
        if let Some(source) = sources.get_mut(i) {
            if let Some(e) = source.parsed.events.get_mut(status) {
                e.time = Some(t);
                e.quality.insert(TimeFix::TaskAnchored);
            }
            source.time_notes.push(note);
        }
    }
    for (i, _) in undated {
        if let Some(source) = sources.get_mut(i) {
            source.time_notes.push(
                "status line left undated: neither a task list, the journal nor a dated line of the log says when the task ended".to_string(),
            );
        }
    }
}

/// The numeric UTC offset a time stamp ends with (`2025-07-29T11:50:00+0200`,
/// `…T11:50:00.123456+02:00`, dmesg's `…,123456+02:00`), in seconds east of UTC: the offset of
/// the writing machine's zone at that instant. `Z` and zone abbreviations say nothing here.
fn written_offset(stamp: &[u8]) -> Option<i32> {
    let stamp = stamp.trim_ascii_end();
    [6usize, 5].into_iter().find_map(|len| {
        let at = stamp.len().checked_sub(len)?;
        let (head, tail) = stamp.split_at(at);
        let time_before = head.last().is_some_and(u8::is_ascii_digit) && head.contains(&b':');
        let (rest, offset) = crate::formats::common::utc_offset(tail).ok()?;
        (time_before && rest.is_empty() && tail.first().is_some_and(|b| *b == b'+' || *b == b'-'))
            .then_some(offset)
    })
}

/// Keeps the first and last point of each run of one offset (points in time order): the
/// records that say where an offset was in effect and where it changed.
fn offset_runs(points: &mut Vec<(DateTime<Utc>, i32)>) {
    let mut kept: Vec<(DateTime<Utc>, i32)> = Vec::new();
    for (k, p) in points.iter().enumerate() {
        let prev = k.checked_sub(1).and_then(|i| points.get(i));
        let next = points.get(k + 1);
        if prev.is_none_or(|q| q.1 != p.1) || next.is_none_or(|q| q.1 != p.1) {
            kept.push(*p);
        }
    }
    *points = kept;
}

/// One zone per machine from the offsets its own records were stamped with (a `short-iso`
/// journal's `+0200`, rsyslog's RFC 3339 `+02:00`), for the machines in `wanted`: one offset
/// gives that fixed offset, several (a daylight-saving change in the window) a
/// [`Zone::Stamped`] that follows them in time. Each with the first file that carried them.
fn stamped_zones(
    sources: &[Source<'_>],
    wanted: &BTreeSet<&str>,
) -> BTreeMap<String, (Zone, String)> {
    let mut points: BTreeMap<&str, (Vec<(DateTime<Utc>, i32)>, &str)> = BTreeMap::new();
    for source in sources
        .iter()
        .filter(|s| wanted.contains(s.machine.as_str()))
    {
        // The ends of each run of one offset in record order, kept as they are read: a
        // journal of millions of lines gives a handful of points, not millions.
        let mut own: Vec<(DateTime<Utc>, i32)> = Vec::new();
        let mut run: Option<((DateTime<Utc>, i32), (DateTime<Utc>, i32))> = None;
        let stamped = source
            .parsed
            .events
            .iter()
            .filter_map(|e| match e.recorded {
                RecordedTime::Absolute(t) => Some((t, written_offset(e.time_text)?)),
                _ => None,
            });
        for p in stamped {
            match &mut run {
                Some((_, last)) if last.1 == p.1 => *last = p,
                _ => {
                    own.extend(run.take().into_iter().flat_map(|(f, l)| [f, l]));
                    run = Some((p, p));
                }
            }
        }
        own.extend(run.into_iter().flat_map(|(f, l)| [f, l]));
        // A clock printed with its zone's abbreviation (`date`'s `CEST`, smartctl's `Local
        // Time is: … CEST`): the machine's offset at that instant.
        own.extend(source.parsed.facts.iter().filter_map(|f| match &f.kind {
            crate::facts::FactKind::ClockShown(c) => match c.at {
                RecordedTime::Absolute(t) => Some((t, c.offset_s)),
                _ => None,
            },
            _ => None,
        }));
        if own.is_empty() {
            continue;
        }
        own.sort_by_key(|p| p.0);
        offset_runs(&mut own);
        let slot = points
            .entry(source.machine.as_str())
            .or_insert_with(|| (Vec::new(), source.path.as_str()));
        slot.0.extend(own);
    }
    points
        .into_iter()
        .filter_map(|(machine, (mut list, path))| {
            list.sort_by_key(|p| p.0);
            offset_runs(&mut list);
            let first = list.first()?.1;
            let zone = if list.iter().all(|p| p.1 == first) {
                Zone::Fixed(FixedOffset::east_opt(first)?)
            } else {
                Zone::Stamped(list.into())
            };
            Some((machine.to_string(), (zone, path.to_string())))
        })
        .collect()
}

/// Pass 2 of [`resolve`] for one source whose zone was not given: the offset derived for it,
/// else its machine's (derived for another of its files, else the offsets its records carry),
/// else UTC assumed, applied. Returns whether a year came from a file modification time.
fn apply_derived(
    source: &mut Source<'_>,
    derived: Option<Derived>,
    (machine_zone, stamped): (
        &BTreeMap<String, (Zone, String)>,
        &BTreeMap<String, (Zone, String)>,
    ),
    reference: Option<&Reference>,
) -> bool {
    // The machine's zone from one of the maps, and how it was known.
    let of_machine = |zones: &BTreeMap<String, (Zone, String)>, how: &str| {
        let (zone, from) = zones.get(&source.machine)?;
        Some(Derived {
            zones: Zones::One(zone.clone()),
            note: format!(
                "offset {} of machine {}, {how} {from}",
                zone.label(),
                source.machine
            ),
        })
    };
    let derived = derived
        .or_else(|| of_machine(machine_zone, "as derived for"))
        .or_else(|| of_machine(stamped, "as its own records carry it in"));
    let (zones, quality) = match derived {
        Some(d) => {
            source.time_notes.push(d.note);
            (d.zones, quality_of(TimeFix::TzDerived))
        }
        None => {
            source.time_notes.push(
                "no offset written and none known for this machine: UTC assumed (set --tz)"
                    .to_string(),
            );
            (Zones::One(Zone::utc()), quality_of(TimeFix::TzAssumed))
        }
    };
    let inferred = apply_zone(source, &zones, quality, reference);
    inferred && from_mtime(reference)
}

/// Pass 1 of [`resolve`] for one source: its absolute times, its task log anchored, and its
/// zone applied when one is given (a flag, the machine's configuration, the manifest). Returns
/// the source's reference time, whether its zone is still to be derived, and whether a year came
/// from a file modification time.
fn pass_one(
    source: &mut Source<'_>,
    opts: &ClockOptions,
    manifests: &[(String, Manifest)],
    (newest, bundle_newest): (&BTreeMap<String, DateTime<Utc>>, Option<DateTime<Utc>>),
    configured: &HashMap<String, (Zone, String)>,
) -> (Option<Reference>, bool, bool) {
    let manifest = manifest_for(manifests, &source.path);
    let reference = reference_time(source, opts, manifest, newest, bundle_newest);
    for event in &mut source.parsed.events {
        if let RecordedTime::Absolute(t) = event.recorded {
            event.time = Some(t);
        }
    }
    anchor_task_log(source);
    let needs_zone = source.parsed.events.iter().any(|e| {
        matches!(
            e.recorded,
            RecordedTime::Local(_) | RecordedTime::Yearless { .. }
        )
    });
    if !needs_zone {
        return (reference, false, false);
    }
    let manifest_zone = manifest
        .and_then(|m| m.timezone.as_deref())
        .map(|text| (text, Zone::parse(text)));
    if let Some((text, None)) = manifest_zone {
        source.time_notes.push(format!(
            "manifest.json timezone '{text}' is not a zone name or offset: ignored"
        ));
    }
    // A flag first, then the machine's own configuration, then the manifest, which names the
    // collecting host's zone: a guest keeps its own (derived, or found from its host's records
    // by the correlation), as a VM's clock need not be in its host's zone.
    let manifest_zone = manifest_zone.filter(|_| source.role != crate::event::Role::Guest);
    let given = opts
        .tz_machine
        .get(&source.machine)
        .map(|z| (z.clone(), "--tz for this machine".to_string()))
        .or_else(|| opts.tz_default.clone().map(|z| (z, "--tz".to_string())))
        .or_else(|| configured.get(&source.machine).cloned())
        .or_else(|| {
            manifest_zone
                .and_then(|(_, z)| z)
                .map(|z| (z, "manifest.json".to_string()))
        });
    match given {
        Some((zone, origin)) => {
            source
                .time_notes
                .push(format!("zone {} from {origin}", zone.label()));
            let zones = Zones::One(zone);
            let inferred = apply_zone(source, &zones, TimeQuality::default(), reference.as_ref());
            let mtime = inferred && from_mtime(reference.as_ref());
            (reference, false, mtime)
        }
        None => (reference, true, false),
    }
}

/// The zone known for each machine (see [`ClockSummary::zones`]), in the order a source's zone
/// is taken in: the derived one, then the one its records' written offsets show, last.
fn machine_zones(
    sources: &[Source<'_>],
    opts: &ClockOptions,
    manifests: &[(String, Manifest)],
    configured: &HashMap<String, (Zone, String)>,
    (derived, stamped): (
        BTreeMap<String, (Zone, String)>,
        BTreeMap<String, (Zone, String)>,
    ),
) -> BTreeMap<String, (Zone, String)> {
    let mut zones = BTreeMap::new();
    for source in sources.iter().filter(|s| s.machine != "unknown") {
        if zones.contains_key(&source.machine) {
            continue;
        }
        let manifest = manifest_for(manifests, &source.path)
            .filter(|_| source.role == crate::event::Role::Host)
            .and_then(|m| Zone::parse(m.timezone.as_deref()?));
        let zone = opts
            .tz_machine
            .get(&source.machine)
            .map(|z| (z.clone(), "--tz for this machine".to_string()))
            .or_else(|| opts.tz_default.clone().map(|z| (z, "--tz".to_string())))
            .or_else(|| configured.get(&source.machine).cloned())
            .or_else(|| manifest.map(|z| (z, "manifest.json".to_string())))
            .or_else(|| {
                derived
                    .get(&source.machine)
                    .map(|(z, from)| (z.clone(), format!("derived for {from}")))
            })
            .or_else(|| {
                stamped
                    .get(&source.machine)
                    .map(|(z, from)| (z.clone(), format!("the offsets written in {from}")))
            });
        if let Some(zone) = zone {
            zones.insert(source.machine.clone(), zone);
        }
    }
    zones
}

/// Newest dated records kept per machine to choose a robust reference.
const NEWEST_KEPT: usize = 1000;

/// Resolves the time of every event of every source. `manifests` are `(INPUT prefix, manifest)`;
/// `signals` are the signal pass's, parallel to `sources` (a task's end dates its log's status
/// line).
pub fn resolve(
    sources: &mut [Source<'_>],
    signals: &[Vec<crate::signals::Matched>],
    opts: &ClockOptions,
    manifests: &[(String, Manifest)],
) -> ClockSummary {
    let newest = newest_dated(sources);
    let bundle_newest = robust_newest(newest.values().flatten().copied().collect());
    // Each machine's, once: a machine of fifty thousand files asked for it fifty thousand times.
    let newest: BTreeMap<String, DateTime<Utc>> = newest
        .into_iter()
        .filter_map(|(machine, times)| Some((machine, robust_newest(times)?)))
        .collect();
    let mut summary = ClockSummary::default();

    // The zone each machine says it is configured with (`timedatectl` among its snapshots).
    let mut configured: HashMap<String, (Zone, String)> = HashMap::new();
    for source in sources.iter() {
        for fact in &source.parsed.facts {
            if let crate::facts::FactKind::TimeZone(z) = &fact.kind
                && let Some(zone) = Zone::parse(&z.name)
            {
                let what = if source.parsed.variant == "snapshot-timezone" {
                    "/etc/timezone"
                } else {
                    "timedatectl"
                };
                configured
                    .entry(source.machine.clone())
                    .or_insert_with(|| (zone, format!("{what} in {}:{}", source.path, fact.line)));
            }
        }
    }

    // Pass 1: absolute times, and sources whose zone is given. Each source on its own, on the
    // thread pool.
    use rayon::prelude::*;
    let firsts: Vec<(Option<Reference>, bool, bool)> = sources
        .par_iter_mut()
        .map(|source| {
            pass_one(
                source,
                opts,
                manifests,
                (&newest, bundle_newest),
                &configured,
            )
        })
        .collect();
    let mut pending = Vec::new();
    let mut references: Vec<Option<Reference>> = Vec::with_capacity(sources.len());
    for (i, (reference, needs_derived, inferred)) in firsts.into_iter().enumerate() {
        if needs_derived {
            pending.push(i);
        }
        summary.reference_from_mtime |= inferred;
        references.push(reference);
    }
    let collected = manifests.iter().find_map(|(prefix, m)| {
        let t = DateTime::parse_from_rfc3339(m.collected_at.as_deref()?).ok()?;
        Some((
            t.with_timezone(&Utc),
            format!("{prefix}manifest.json collected_at"),
        ))
    });
    summary.reference = collected
        .or_else(|| bundle_newest.map(|t| (t, "newest dated record of the bundle".to_string())));
    if let Some(t) = opts.reference_time {
        summary.reference = Some((t, "--reference-time".to_string()));
    }

    // Pass 2: offsets derived from dated sources of the same machine, else UTC assumed. The
    // derivation only reads recorded times, which applying a zone leaves alone, so every
    // pending source is derived first, from one index of each machine's dated records.
    let derived: Vec<Option<Derived>> = {
        let dated = DatedRecords::of(sources, &pending);
        let sources = &*sources;
        pending
            .par_iter()
            .map(|&i| derive_offset(sources, &dated, i))
            .collect()
    };
    // One zone per machine: a source with no record of its own to derive from (a `last -x`, a
    // snapshot, a log whose lines the other files do not share) takes the offset derived for
    // another file of its machine. A piecewise derivation (a daylight-saving change) is tied to
    // its own file's records and is not handed on.
    let mut machine_zone: BTreeMap<String, (Zone, String)> = BTreeMap::new();
    for (&i, d) in pending.iter().zip(&derived) {
        if let Some(Derived {
            zones: Zones::One(zone),
            ..
        }) = d
            && sources[i].machine != "unknown"
        {
            machine_zone
                .entry(sources[i].machine.clone())
                .or_insert_with(|| (zone.clone(), sources[i].path.clone()));
        }
    }
    // A machine none of whose files could be paired takes the offsets its own records were
    // stamped with (a journal's `+0200` beside a kern.log of other lines, a `last -x`). A host
    // nothing else names a zone for keeps them as its zone too, which a guest whose clock keeps
    // the host's local time (`localtime: 1`) is read against.
    let zone_named = |m: &str| {
        opts.tz_default.is_some()
            || opts.tz_machine.contains_key(m)
            || configured.contains_key(m)
            || machine_zone.contains_key(m)
    };
    let manifest_zone = |s: &Source<'_>| {
        manifest_for(manifests, &s.path)
            .and_then(|m| Zone::parse(m.timezone.as_deref()?))
            .is_some()
    };
    let unzoned: BTreeSet<&str> = pending
        .iter()
        .filter_map(|&i| sources.get(i))
        .chain(
            sources
                .iter()
                .filter(|s| s.role == crate::event::Role::Host && !manifest_zone(s)),
        )
        .map(|s| s.machine.as_str())
        .filter(|m| *m != "unknown" && !m.is_empty() && !zone_named(m))
        .collect();
    let stamped = stamped_zones(sources, &unzoned);
    // Each pending source's derivation, applied on the thread pool.
    let mut plan: Vec<Option<Option<Derived>>> = (0..sources.len()).map(|_| None).collect();
    for (i, derived) in pending.into_iter().zip(derived) {
        if let Some(slot) = plan.get_mut(i) {
            *slot = Some(derived);
        }
    }
    let inferred_any = sources
        .par_iter_mut()
        .zip(plan)
        .zip(&references)
        .map(|((source, plan), reference)| {
            let Some(derived) = plan else { return false };
            apply_derived(
                source,
                derived,
                (&machine_zone, &stamped),
                reference.as_ref(),
            )
        })
        .reduce(|| false, |a, b| a || b);
    summary.reference_from_mtime |= inferred_any;
    summary.zones = machine_zones(
        sources,
        opts,
        manifests,
        &configured,
        (machine_zone, stamped),
    );

    // Pass 3: seconds since boot, no later than the bundle's newest wall-clock record allows.
    let newest_dated = sources
        .par_iter()
        .filter_map(|s| {
            s.parsed
                .events
                .iter()
                .filter(|e| !matches!(e.recorded, RecordedTime::Monotonic { .. }))
                .filter_map(|e| e.time)
                .max()
        })
        .max();
    for i in 0..sources.len() {
        anchor_monotonic(sources, i, newest_dated);
    }
    // Pass 4: a task log's lines that a dated log of the same task repeats (a backup's per-VM
    // vzdump log) take that copy's time, now that it is placed; then the status line, at the
    // task's end, now that every end is dated.
    date_task_lines_by_copies(sources);
    date_task_ends(sources, signals);

    // Times that RFC 3339 cannot print (an offset pushed a year-9999 record past the end of the
    // calendar) are not placed on the time line.
    sources.par_iter_mut().for_each(|source| {
        let mut dropped = 0;
        for event in &mut source.parsed.events {
            if event.time.is_some_and(|t| !(1..=9999).contains(&t.year())) {
                event.time = None;
                dropped += 1;
            }
        }
        if dropped > 0 {
            source.time_notes.push(format!(
                "{dropped} records with times outside the years 1–9999 left undated"
            ));
        }
    });
    summary
}

fn quality_of(fix: TimeFix) -> TimeQuality {
    let mut q = TimeQuality::default();
    q.insert(fix);
    q
}

/// The newest plausible fully dated records of each machine (at most [`NEWEST_KEPT`] each).
///
/// Each source's newest are found on the thread pool, reading its records newest first (a log
/// is mostly in time order, so once the heap is full most records are older than all it keeps
/// and cost one comparison), then kept per machine: the newest of a machine are the newest of
/// its sources' newest.
fn newest_dated(sources: &[Source<'_>]) -> BTreeMap<String, Vec<DateTime<Utc>>> {
    use rayon::prelude::*;
    fn keep(heap: &mut BinaryHeap<Reverse<DateTime<Utc>>>, t: DateTime<Utc>) {
        if heap.len() >= NEWEST_KEPT && heap.peek().is_some_and(|Reverse(oldest)| t <= *oldest) {
            // Pushed, it would be the one popped (or one equal to it).
            return;
        }
        heap.push(Reverse(t));
        if heap.len() > NEWEST_KEPT {
            heap.pop();
        }
    }
    let each: Vec<BinaryHeap<Reverse<DateTime<Utc>>>> = sources
        .par_iter()
        .map(|source| {
            let mut heap = BinaryHeap::new();
            for event in source.parsed.events.iter().rev() {
                // A date with its year but no zone (`dmesg -T`, a BMC's event list, `last`'s
                // full times) is within a day of its instant read as UTC: near enough to say
                // which year the yearless records beside it are in.
                let t = match event.recorded {
                    RecordedTime::Absolute(t) => Some(t),
                    RecordedTime::Local(naive) => Some(naive.and_utc()),
                    _ => None,
                };
                if let Some(t) = t
                    && heap
                        .peek()
                        .is_none_or(|Reverse(oldest)| heap.len() < NEWEST_KEPT || t > *oldest)
                    && PLAUSIBLE_YEARS.contains(&t.year())
                {
                    keep(&mut heap, t);
                }
            }
            // When a snapshot was taken (`timedatectl`'s `Universal time`, a `date` pasted
            // with its output): the collection's own "now", on the machine's clock.
            for fact in &source.parsed.facts {
                if let crate::facts::FactKind::SnapshotTakenAt(recorded) = &fact.kind {
                    let t = match recorded {
                        RecordedTime::Absolute(t) => *t,
                        RecordedTime::Local(naive) => naive.and_utc(),
                        _ => continue,
                    };
                    if PLAUSIBLE_YEARS.contains(&t.year()) {
                        keep(&mut heap, t);
                    }
                }
            }
            heap
        })
        .collect();
    let mut heaps: BTreeMap<String, BinaryHeap<Reverse<DateTime<Utc>>>> = BTreeMap::new();
    for (source, newest) in sources.iter().zip(each) {
        let heap = heaps.entry(source.machine.clone()).or_default();
        for Reverse(t) in newest {
            keep(heap, t);
        }
    }
    heaps
        .into_iter()
        .filter(|(_, h)| !h.is_empty())
        .map(|(m, h)| (m, h.into_iter().map(|Reverse(t)| t).collect()))
        .collect()
}

/// The newest time that is backed by other records: at least three (or all, when fewer) within
/// the day before it. One stray far-future record does not move the reference.
fn robust_newest(mut times: Vec<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    times.sort_unstable();
    let support = times.len().min(3);
    (0..times.len()).rev().find_map(|k| {
        let from = times[k] - Duration::days(1);
        let start = times.partition_point(|t| *t < from);
        (k + 1 - start >= support).then_some(times[k])
    })
}

/// Step 1: the reference time for year inference of one source: `--reference-time`, the
/// manifest's `collected_at`, the newest well-supported dated record of the same machine, of the
/// bundle, else the newest file modification time.
fn reference_time(
    source: &Source<'_>,
    opts: &ClockOptions,
    manifest: Option<&Manifest>,
    newest: &BTreeMap<String, DateTime<Utc>>,
    bundle_newest: Option<DateTime<Utc>>,
) -> Option<Reference> {
    if let Some(t) = opts.reference_time {
        return Some((t, "--reference-time".to_string()));
    }
    if let Some(t) = manifest
        .and_then(|m| m.collected_at.as_deref())
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    {
        return Some((
            t.with_timezone(&Utc),
            "manifest.json collected_at".to_string(),
        ));
    }
    if let Some(&t) = newest.get(&source.machine) {
        return Some((t, format!("newest dated record of {}", source.machine)));
    }
    if let Some(t) = bundle_newest {
        return Some((t, "newest dated record of the bundle".to_string()));
    }
    let t = DateTime::from_timestamp(source.mtime?, 0)?;
    Some((t, MTIME_ORIGIN.to_string()))
}

/// Where a reference time taken from a file's modification time came from.
const MTIME_ORIGIN: &str = "file modification time (pin it with --reference-time)";

/// The zone of an offset-less source: one zone, or offsets derived piecewise (a daylight-saving
/// change inside the file) as `(event index, offset)` pairs in source order.
#[derive(Clone, Debug)]
enum Zones {
    One(Zone),
    Piecewise(Vec<(usize, FixedOffset)>),
}

impl Zones {
    /// The zone for the event at `index`: the offset of the nearest record that had one.
    fn at(&self, index: usize) -> Zone {
        match self {
            Zones::One(z) => z.clone(),
            Zones::Piecewise(anchors) => {
                let k = anchors.partition_point(|(i, _)| *i < index);
                let nearest = match (
                    k.checked_sub(1).and_then(|p| anchors.get(p)),
                    anchors.get(k),
                ) {
                    (Some(a), Some(b)) if index - a.0 <= b.0 - index => a,
                    (Some(a), None) => a,
                    (_, Some(b)) => b,
                    (None, None) => return Zone::utc(),
                };
                Zone::Fixed(nearest.1)
            }
        }
    }
}

/// Whether a reference time came from a file's modification time.
fn from_mtime(reference: Option<&Reference>) -> bool {
    reference.is_some_and(|(_, origin)| origin == MTIME_ORIGIN)
}

/// Converts the Local and Yearless times of a source, inferring years; `true` when some year
/// was inferred from the reference.
fn apply_zone(
    source: &mut Source<'_>,
    zones: &Zones,
    base: TimeQuality,
    reference: Option<&Reference>,
) -> bool {
    let n = source.parsed.events.len();
    // `last` prints the newest record first; every other text log, the oldest.
    let newest_first = source.parsed.kind == FormatKind::Last;
    let newest = if newest_first { 0 } else { n.saturating_sub(1) };
    let reference_local = reference.map(|(t, _)| zones.at(newest).to_local(*t));
    let mut year_notes = false;
    let mut inferred = false;
    let mut unplaced = 0u64;
    let mut pinned = 0u64;
    let mut from_weekday = false;
    // Walk from the newest record back in time: year inference needs the *next* record's date,
    // and a daylight-saving fold is resolved by the next record's UTC time.
    let mut next: Option<(NaiveDateTime, DateTime<Utc>)> = None;
    let order: Vec<usize> = if newest_first {
        (0..n).collect()
    } else {
        (0..n).rev().collect()
    };
    for index in order {
        let Some(event) = source.parsed.events.get_mut(index) else {
            continue;
        };
        let local = match event.recorded {
            RecordedTime::Local(naive) => Some(naive),
            RecordedTime::Yearless { month, day, time } => {
                year_notes = true;
                match reference_local {
                    Some(r) => infer_year(month, day, time, next.map_or(r, |n| n.0)).map(|t| {
                        event.quality.insert(TimeFix::YearInferred);
                        // A printed weekday (`last`'s `Thu May  8`) pins the year among the
                        // few around the inferred one, and beats the reference it came from.
                        match pinned_by_weekday(event.time_text, t) {
                            Some(p) if p != t => {
                                pinned += 1;
                                from_weekday = true;
                                p
                            }
                            _ => {
                                // Carried from a record whose weekday pinned it, the year did
                                // not come from the reference.
                                inferred |= !from_weekday;
                                t
                            }
                        }
                    }),
                    None => None,
                }
            }
            _ => continue,
        };
        let zone = zones.at(index);
        match local.and_then(|l| zone.to_utc_before(l, next.map(|n| n.1)).map(|u| (l, u))) {
            Some((l, utc)) => {
                next = Some((l, utc));
                event.time = Some(utc);
                for fix in base.iter() {
                    event.quality.insert(fix);
                }
            }
            None => unplaced += 1,
        }
    }
    if year_notes {
        match reference {
            Some((t, origin)) => source.time_notes.push(format!(
                "years inferred backwards from {} ({origin})",
                t.format("%Y-%m-%dT%H:%M:%SZ")
            )),
            None => source.time_notes.push(
                "no year written and no reference time in the bundle: records left undated (set --reference-time)"
                    .to_string(),
            ),
        }
    }
    if pinned > 0 {
        source.time_notes.push(format!(
            "{pinned} records took the year their printed weekday fits, not the one inferred"
        ));
    }
    if unplaced > 0 && reference.is_some() {
        source.time_notes.push(format!(
            "{unplaced} records with impossible dates left undated"
        ));
    }
    inferred
}

/// The year a record's printed weekday (`Thu May  8 10:00`) fits, nearest to the inferred
/// `t` within six years (earlier first at equal distance); `None` when the text starts with no
/// weekday or the weekday already fits.
fn pinned_by_weekday(text: &[u8], t: NaiveDateTime) -> Option<NaiveDateTime> {
    const DAYS: [(&[u8], chrono::Weekday); 7] = [
        (b"Mon", chrono::Weekday::Mon),
        (b"Tue", chrono::Weekday::Tue),
        (b"Wed", chrono::Weekday::Wed),
        (b"Thu", chrono::Weekday::Thu),
        (b"Fri", chrono::Weekday::Fri),
        (b"Sat", chrono::Weekday::Sat),
        (b"Sun", chrono::Weekday::Sun),
    ];
    let word = text.get(..3)?;
    if text.get(3).is_some_and(|b| !b.is_ascii_whitespace()) {
        return None;
    }
    let (_, weekday) = DAYS.iter().find(|(w, _)| w.eq_ignore_ascii_case(word))?;
    if t.weekday() == *weekday {
        return None;
    }
    (1..=6)
        .flat_map(|d| [-d, d])
        .filter_map(|d| {
            let date = NaiveDate::from_ymd_opt(t.year() + d, t.month(), t.day())?;
            (date.weekday() == *weekday).then(|| date.and_time(t.time()))
        })
        .next()
}

/// The year for a yearless date, given the (local) time of the record that follows it, or the
/// reference time for the last record. Going backwards, a date more than a day *after* the
/// following one belongs to the previous year.
fn infer_year(
    month: u32,
    day: u32,
    time: chrono::NaiveTime,
    following: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let slack = Duration::days(1);
    let mut year = following.year();
    // Feb 29 exists only in leap years: walk back to one.
    for _ in 0..8 {
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
            let candidate = date.and_time(time);
            if candidate <= following + slack {
                return Some(candidate);
            }
        }
        year -= 1;
    }
    None
}

/// A zone derived from overlapping records.
struct Derived {
    zones: Zones,
    note: String,
}

/// A record's identity across sources: identifier and message.
type RecordKey<'a> = (&'a [u8], &'a [u8]);

/// How many records of a source the derivation compares.
const DERIVE_SAMPLE: usize = 50_000;

/// Dated copies of a record the derivation compares when the copies cannot be paired in sequence.
const DERIVE_TWINS: usize = 4;

/// Dated copies of a record kept per source, to pair a message the machine repeats (every
/// minute, say) copy by copy: the n-th copy in one source is the n-th in the other when both
/// hold the same number. Pairing such a message by its first copies would match records a
/// whole number of quarter hours apart.
const DERIVE_SEQUENCE: usize = 1024;

/// The fully dated records of each machine that has sources waiting for a zone, indexed once
/// so that deriving the zone of every source costs one pass over the machine's records, not
/// one per source ([`derive_offset`] reads it with the source's own records left out).
struct DatedRecords<'a> {
    machines: HashMap<&'a str, MachineDated<'a>>,
}

/// One machine's dated records.
#[derive(Default)]
struct MachineDated<'a> {
    /// Per record key, its first dated copies in source order, as (source, time): at most
    /// [`DERIVE_SEQUENCE`] from each source (one more marks a source that holds more) and four
    /// times that in all, which still holds the first copies outside any one source.
    twins: HashMap<RecordKey<'a>, Vec<(usize, DateTime<Utc>)>>,
    /// The sources that are first to hold some key, in source order.
    firsts: BTreeSet<usize>,
    /// Per source, the next source holding a key this source is first to hold: left out of its
    /// own derivation, the source hands those keys to them.
    seconds: HashMap<usize, BTreeSet<usize>>,
}

impl<'a> DatedRecords<'a> {
    /// Indexes the machines of the `pending` sources (never `unknown`).
    fn of(sources: &'a [Source<'_>], pending: &[usize]) -> Self {
        let mut machines: HashMap<&'a str, MachineDated<'a>> = pending
            .iter()
            .map(|&i| sources[i].machine.as_str())
            .filter(|m| *m != "unknown")
            .map(|m| (m, MachineDated::default()))
            .collect();
        for (j, source) in sources.iter().enumerate() {
            let Some(machine) = machines.get_mut(source.machine.as_str()) else {
                continue;
            };
            for event in &source.parsed.events {
                if let RecordedTime::Absolute(t) = event.recorded {
                    let twins = machine
                        .twins
                        .entry((event.ident.unwrap_or_default(), &event.message[..]))
                        .or_default();
                    let own = twins.iter().rev().take_while(|(s, _)| *s == j).count();
                    if twins.len() < 4 * DERIVE_SEQUENCE && own <= DERIVE_SEQUENCE {
                        twins.push((j, t));
                    }
                }
            }
        }
        for machine in machines.values_mut() {
            for twins in machine.twins.values() {
                // The first source holds at most DERIVE_TWINS copies, so the next one is kept.
                let first = twins[0].0;
                machine.firsts.insert(first);
                if let Some(&(second, _)) = twins.iter().find(|(s, _)| *s != first) {
                    machine.seconds.entry(first).or_default().insert(second);
                }
            }
        }
        DatedRecords { machines }
    }
}

/// Derives the offset of source `i` (whose records have no offset) from the dated sources of the
/// same machine: the same record (identifier and message) appears in both, and the difference
/// between its local wall time and its UTC time, rounded to a quarter hour, is the offset. When
/// the matches show more than one offset (a daylight-saving change inside the file), each record
/// takes the offset of the nearest matched record.
fn derive_offset(sources: &[Source<'_>], dated: &DatedRecords<'_>, i: usize) -> Option<Derived> {
    let target = &sources[i];
    let machine = dated.machines.get(target.machine.as_str())?;
    // The other sources that bring a record no earlier other source holds: those first to
    // hold a key, and, for the keys this source is first to hold, the next source holding them.
    let from: BTreeSet<usize> = machine
        .firsts
        .iter()
        .copied()
        .filter(|&j| j != i)
        .chain(machine.seconds.get(&i).into_iter().flatten().copied())
        .collect();
    if from.is_empty() {
        return None;
    }
    let from: Vec<&str> = from.iter().map(|&j| sources[j].path.as_str()).collect();
    let key =
        |e: &'_ crate::event::Event<'_>| (e.ident.unwrap_or_default().to_vec(), e.message.to_vec());
    let mut copies: HashMap<(Vec<u8>, Vec<u8>), usize> = HashMap::new();
    for event in target.parsed.events.iter().take(DERIVE_SAMPLE) {
        if machine
            .twins
            .contains_key(&(event.ident.unwrap_or_default(), &event.message[..]))
        {
            *copies.entry(key(event)).or_default() += 1;
        }
    }
    let mut seen: HashMap<(Vec<u8>, Vec<u8>), usize> = HashMap::new();
    let mut others_of: HashMap<usize, Vec<(usize, DateTime<Utc>)>> = HashMap::new();
    let mut anchors: Vec<(usize, i64)> = Vec::new();
    // The UTC time of each anchor's twin, beside it.
    let mut anchored_at: Vec<DateTime<Utc>> = Vec::new();
    for (index, event) in target.parsed.events.iter().enumerate().take(DERIVE_SAMPLE) {
        let Some(twins) = machine
            .twins
            .get(&(event.ident.unwrap_or_default(), &event.message[..]))
        else {
            continue;
        };
        let k = key(event);
        let total = copies.get(&k).copied().unwrap_or(0);
        let nth = {
            let n = seen.entry(k).or_default();
            *n += 1;
            *n - 1
        };
        // A repeated record pairs with the same copy of a source holding as many; a rare one
        // with its first few copies elsewhere; a frequent one without such a source says
        // nothing.
        // The copies outside this source, gathered once per record key (a message repeated
        // every minute is looked up once per copy).
        let others = others_of
            .entry(twins.as_ptr() as usize)
            .or_insert_with(|| twins.iter().copied().filter(|(s, _)| *s != i).collect());
        let sequence = others
            .chunk_by(|a, b| a.0 == b.0)
            .find(|run| run.len() == total && total <= DERIVE_SEQUENCE)
            .and_then(|run| run.get(nth).copied());
        let candidates: Vec<(usize, DateTime<Utc>)> = match sequence {
            Some(twin) if total > 1 => vec![twin],
            _ if total <= DERIVE_TWINS => others.iter().copied().take(DERIVE_TWINS).collect(),
            _ => Vec::new(),
        };
        // The offset that explains this record best, over its dated twins in the other
        // sources and, for a yearless record, the years around the twin's (New Year's Eve in
        // UTC is not in local). Two offsets explaining it equally well (a message logged at
        // the same wall time in both passes through the hour a daylight-saving change repeats,
        // paired with both copies) say nothing.
        let explained: Vec<(i64, i64, DateTime<Utc>)> = candidates
            .iter()
            .flat_map(|(_, t)| {
                let local = match event.recorded {
                    RecordedTime::Local(n) => vec![n],
                    RecordedTime::Yearless { month, day, time } => (t.year() - 1..=t.year() + 1)
                        .filter_map(|y| {
                            Some(NaiveDate::from_ymd_opt(y, month, day)?.and_time(time))
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                local
                    .into_iter()
                    .map(move |l| ((l - t.naive_utc()).num_seconds(), *t))
            })
            .filter_map(|(diff, t)| {
                let rounded = ((diff as f64) / 900.0).round() as i64 * 900;
                (rounded.abs() <= 14 * 3600 && (diff - rounded).abs() <= 120).then_some((
                    (diff - rounded).abs(),
                    rounded,
                    t,
                ))
            })
            .collect();
        let best = explained.iter().min().copied();
        let ambiguous = best.is_some_and(|(closest, offset, _)| {
            explained
                .iter()
                .any(|(rest, other, _)| *other != offset && *rest <= closest + DERIVE_TIE_S)
        });
        if let Some((_, offset, t)) = best.filter(|_| !ambiguous) {
            anchors.push((index, offset));
            anchored_at.push(t);
        }
    }
    let mut votes: BTreeMap<i64, usize> = BTreeMap::new();
    for (_, offset) in &anchors {
        *votes.entry(*offset).or_default() += 1;
    }
    let (&top, &top_votes) = votes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?;
    let from = from.join(", ");
    let label = |secs: i64| {
        FixedOffset::east_opt(i32::try_from(secs).unwrap_or(0))
            .map_or_else(String::new, |o| Zone::Fixed(o).label())
    };
    if votes.len() == 1 {
        return Some(Derived {
            zones: Zones::One(Zone::Fixed(FixedOffset::east_opt(
                i32::try_from(top).ok()?,
            )?)),
            note: format!(
                "offset {} derived from {top_votes} identical records in {from}",
                label(top)
            ),
        });
    }
    // Several offsets. A daylight-saving change gives two runs in source order, each offset
    // holding its own stretch; scattered disagreement is noise, and a clear majority decides.
    let switches = anchors.windows(2).filter(|w| w[0].1 != w[1].1).count();
    if switches <= 2 {
        let offsets: Vec<String> = votes.keys().map(|o| label(*o)).collect();
        let pieces = anchors
            .iter()
            .filter_map(|(i, o)| Some((*i, FixedOffset::east_opt(i32::try_from(*o).ok()?)?)))
            .collect();
        return Some(Derived {
            zones: Zones::Piecewise(pieces),
            note: format!(
                "offsets {} derived piecewise (a daylight-saving change?) from {} identical records in {from}; each record takes the offset of the nearest one",
                offsets.join(" and "),
                anchors.len()
            ),
        });
    }
    if let Some((pieces, zone, left_out)) = daylight_saving_change(&anchors, &anchored_at, top) {
        let offsets: Vec<String> = {
            let mut seen: Vec<i64> = Vec::new();
            for (_, o) in &pieces {
                let o = i64::from(o.local_minus_utc());
                if !seen.contains(&o) {
                    seen.push(o);
                }
            }
            seen.into_iter().map(label).collect()
        };
        let n = pieces.len();
        return Some(Derived {
            zones: Zones::Piecewise(pieces),
            note: format!(
                "offsets {} derived piecewise (a daylight-saving change, where zones such as {zone} make it) from {n} identical records in {from}, {left_out} pairings that fit neither left out; each record takes the offset of the nearest one",
                offsets.join(" then ")
            ),
        });
    }
    let total = anchors.len();
    if top_votes * 10 < total * 8 {
        return None;
    }
    Some(Derived {
        zones: Zones::One(Zone::Fixed(FixedOffset::east_opt(
            i32::try_from(top).ok()?,
        )?)),
        note: format!(
            "offset {} derived from {top_votes} of {total} identical records in {from} (the others disagree)",
            label(top)
        ),
    })
}

/// A daylight-saving change among a source's anchors (record index, offset, in source order, with
/// the UTC time of each one's twin), once the pairings that fit neither side are left out: the
/// majority offset `top` and one an hour or half an hour from it, each holding its own stretch
/// (a lone anchor inside the other's stretch is noise), switching once where some real zone
/// switches between them. A copy of a message paired with another occurrence of it scatters
/// offsets; a real zone's change does not. Returns the anchors kept, a zone that makes the
/// change, and how many anchors were left out.
fn daylight_saving_change(
    anchors: &[(usize, i64)],
    times: &[DateTime<Utc>],
    top: i64,
) -> Option<(Vec<(usize, FixedOffset)>, &'static str, usize)> {
    let mut others: Vec<i64> = anchors
        .iter()
        .map(|(_, o)| *o)
        .filter(|o| matches!((o - top).abs(), 1800 | 3600))
        .collect();
    others.sort_unstable();
    others.dedup();
    for other in others {
        let kept: Vec<(usize, i64, DateTime<Utc>)> = anchors
            .iter()
            .zip(times)
            .filter(|((_, o), _)| *o == top || *o == other)
            .map(|((i, o), t)| (*i, *o, *t))
            .collect();
        // A lone anchor between two of the other offset is noise.
        let kept: Vec<(usize, i64, DateTime<Utc>)> = kept
            .iter()
            .enumerate()
            .filter(|(k, (_, o, _))| {
                let before = k.checked_sub(1).and_then(|p| kept.get(p)).map(|a| a.1);
                let after = kept.get(k + 1).map(|a| a.1);
                !matches!((before, after), (Some(b), Some(a)) if b == a && a != *o)
            })
            .map(|(_, a)| *a)
            .collect();
        let switches: Vec<usize> = (1..kept.len())
            .filter(|&k| kept.get(k - 1).map(|a| a.1) != kept.get(k).map(|a| a.1))
            .collect();
        let [at] = switches.as_slice() else {
            continue;
        };
        let (Some(last), Some(first)) = (kept.get(at - 1), kept.get(*at)) else {
            continue;
        };
        let offset_at = |tz: &chrono_tz::Tz, t: DateTime<Utc>| {
            i64::from(
                tz.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc(),
            )
        };
        // Named after a zone people know where one fits (Europe/Vienna rather than
        // Africa/Ceuta).
        let zone = chrono_tz::TZ_VARIANTS
            .iter()
            .filter(|tz| offset_at(tz, last.2) == last.1 && offset_at(tz, first.2) == first.1)
            .min_by_key(|tz| {
                !["Europe/", "America/", "Australia/"]
                    .iter()
                    .any(|p| tz.name().starts_with(p))
            });
        let Some(zone) = zone else {
            continue;
        };
        let pieces = kept
            .iter()
            .filter_map(|(i, o, _)| Some((*i, FixedOffset::east_opt(i32::try_from(*o).ok()?)?)))
            .collect();
        return Some((pieces, zone.name(), anchors.len() - kept.len()));
    }
    None
}

/// How close (seconds) two offsets' explanations of one record must be for the record to say
/// nothing about which holds: copies of one record are written within a second or two.
const DERIVE_TIE_S: i64 = 2;

/// How long (hours) after the bundle's newest wall-clock record a ring buffer's last record may
/// be placed: a dmesg read a while after the journal was exported still fits, another boot's
/// start (weeks off for a long-running host's kdump dmesg) does not.
const ANCHOR_SLACK_H: i64 = 24;

/// Longest delay accepted between the kernel printing a record and journald receiving it.
const JOURNAL_KMSG_DELAY_US: u64 = 30_000_000;

/// A boot time candidate: wall time of the boot, and the quality of the record that gave it.
#[derive(Clone, Copy)]
struct BootCandidate {
    boot: DateTime<Utc>,
    quality: TimeQuality,
}

/// `time − µs`, or `None` when it leaves chrono's range.
fn minus_micros(time: DateTime<Utc>, micros: u64) -> Option<DateTime<Utc>> {
    time.checked_sub_signed(Duration::microseconds(i64::try_from(micros).ok()?))
}

/// Anchors the seconds-since-boot records of source `i`, boot segment by boot segment; a boot
/// that would put the segment's last record more than [`ANCHOR_SLACK_H`] after `newest_dated`
/// (the bundle's newest wall-clock record) is not the segment's.
fn anchor_monotonic(sources: &mut [Source<'_>], i: usize, newest_dated: Option<DateTime<Utc>>) {
    let mut segments: Vec<u32> = sources[i]
        .parsed
        .events
        .iter()
        .filter(|e| matches!(e.recorded, RecordedTime::Monotonic { .. }))
        .map(|e| e.boot)
        .collect();
    segments.sort_unstable();
    segments.dedup();
    for segment in segments {
        let anchor = find_boot_anchor(sources, i, segment, newest_dated)
            .or_else(|| pstore_anchor(&sources[i], segment))
            .or_else(|| mce_anchor(&sources[i], segment));
        let source = &mut sources[i];
        let monotonic = |e: &&mut Event<'_>| {
            e.boot == segment && matches!(e.recorded, RecordedTime::Monotonic { .. })
        };
        match &anchor {
            Some((found, note)) => {
                source.time_notes.push(note.clone());
                for event in source.parsed.events.iter_mut().filter(monotonic) {
                    if let RecordedTime::Monotonic { micros } = event.recorded {
                        event.time = i64::try_from(micros)
                            .ok()
                            .map(Duration::microseconds)
                            .and_then(|d| found.boot.checked_add_signed(d));
                        event.quality = found.quality;
                        event.quality.insert(if event.time.is_some() {
                            TimeFix::BootAnchored
                        } else {
                            TimeFix::BootRelative
                        });
                    }
                }
            }
            None => {
                let n = source.parsed.events.iter_mut().filter(monotonic).count();
                source.time_notes.push(format!(
                    "{n} records in seconds since boot with no boot time in the bundle to anchor them: kept boot-relative"
                ));
                for event in source.parsed.events.iter_mut().filter(monotonic) {
                    event.quality.insert(TimeFix::BootRelative);
                }
            }
        }
    }
}

/// The largest seconds since boot (µs) of a boot segment of a source.
fn last_uptime(source: &Source<'_>, segment: u32) -> Option<u64> {
    source
        .parsed
        .events
        .iter()
        .filter(|e| e.boot == segment)
        .filter_map(|e| match e.recorded {
            RecordedTime::Monotonic { micros } => Some(micros),
            _ => None,
        })
        .max()
}

/// The boot of an EFI pstore record (`dmesg-efi-<id>`) from the record's own time: the kernel
/// names the file by `(seconds * 100 + part) * 1000 + count`, the seconds being when the
/// record was written, as the machine went down; its last line (the largest uptime) was
/// written then. Used when no other source of the machine shares the crashed boot's records.
fn pstore_anchor(source: &Source<'_>, segment: u32) -> Option<(BootCandidate, String)> {
    let name = source.path.rsplit('/').next()?;
    let id: u64 = name.strip_prefix("dmesg-efi-")?.parse().ok()?;
    let written = DateTime::from_timestamp(i64::try_from(id / 100_000).ok()?, 0)?;
    if !PLAUSIBLE_YEARS.contains(&written.year()) {
        return None;
    }
    let last_uptime = last_uptime(source, segment)?;
    let boot = minus_micros(written, last_uptime)?;
    Some((
        BootCandidate {
            boot,
            quality: TimeQuality::default(),
        },
        format!(
            "boot anchored at {} by the pstore record's own time ({} names the second it was written, {}; its last line then): to the second",
            crate::event::rfc3339(boot),
            name,
            crate::event::rfc3339(written)
        ),
    ))
}

/// The epoch seconds of a machine-check record's `PROCESSOR <vendor>:<cpuid> TIME <epoch> SOCKET`
/// line (`__print_mce`; EDAC's sbridge/skx drivers print the same fields).
fn mce_epoch(message: &[u8]) -> Option<i64> {
    let at = memchr::memmem::find(message, b"PROCESSOR ")?;
    let rest = &message[at..];
    let time = memchr::memmem::find(rest, b" TIME ")? + b" TIME ".len();
    let digits = &rest[time..];
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 || !digits[len..].starts_with(b" SOCKET ") {
        return None;
    }
    std::str::from_utf8(&digits[..len]).ok()?.parse().ok()
}

/// The boot of a seconds-since-boot segment that holds a machine-check record, from the record's
/// own `TIME` field: the kernel stamps it with the wall clock when it logs the error (whole
/// seconds) and prints the record at once, so `TIME + 0.5 s − uptime` is the boot within half a
/// second. A machine whose clock keeps local time (an RTC set to local time by another OS) dates
/// its records in that zone. A
/// console tail or kdump dmesg of a fatal machine check has no other date. Used when no other
/// source of the machine shares the boot's records and no pstore name dates it.
fn mce_anchor(source: &Source<'_>, segment: u32) -> Option<(BootCandidate, String)> {
    let mut boots: Vec<(DateTime<Utc>, u32)> = Vec::new();
    for event in &source.parsed.events {
        let RecordedTime::Monotonic { micros } = event.recorded else {
            continue;
        };
        if event.boot != segment {
            continue;
        }
        let Some(epoch) = mce_epoch(&event.message) else {
            continue;
        };
        let Some(logged) = DateTime::from_timestamp(epoch, 0) else {
            continue;
        };
        if !PLAUSIBLE_YEARS.contains(&logged.year()) {
            continue;
        }
        // TIME is the wall clock's whole second when the error was logged, the uptime when it
        // was printed just after: the boot lies within a second after `TIME − uptime`. Its
        // middle is within half a second of the truth.
        let Some(boot) = minus_micros(logged, micros)
            .and_then(|b| b.checked_add_signed(Duration::milliseconds(500)))
        else {
            continue;
        };
        boots.push((boot, event.line));
    }
    let &(boot, line) = boots.first()?;
    // Several records must tell the same boot (within the second each is rounded to).
    if boots
        .iter()
        .any(|(b, _)| (*b - boot).num_seconds().abs() > 1)
    {
        return None;
    }
    Some((
        BootCandidate {
            boot,
            quality: TimeQuality::default(),
        },
        format!(
            "boot anchored at {} by the machine-check record's own TIME field ({}:{}, the wall clock when the error was logged, less its uptime{}): to the second",
            crate::event::rfc3339(boot),
            source.path,
            line,
            if boots.len() > 1 {
                format!("; {} records agree", boots.len())
            } else {
                String::new()
            }
        ),
    ))
}

/// How many copies of one message a monotonic segment pairs by text (more are too repetitive to
/// tell apart).
const TEXT_COPIES: usize = 4;

/// Candidates grouped by the boot they came from: (source index, boot key).
type BootGroups = BTreeMap<(usize, Vec<u8>), Vec<BootCandidate>>;

/// Finds the boot time of one boot segment of a monotonic source from dated sources of the same
/// machine.
///
/// Candidates are grouped by the boot of the dated record (a journal's boot id; in a syslog
/// file, a stretch between two kernel starts, where the printed uptime goes back or `Linux
/// version` appears), because the first kernel lines of every boot read the same. The boot that
/// shares the most records with the segment wins; on a tie the latest, since a dmesg is usually
/// taken during the last boot, and the note says so.
fn find_boot_anchor(
    sources: &[Source<'_>],
    i: usize,
    segment: u32,
    newest_dated: Option<DateTime<Utc>>,
) -> Option<(BootCandidate, String)> {
    let target = &sources[i];
    // A ring buffer's last record was printed before the bundle was collected: a boot that
    // would put it days after every dated record is another boot's, however many of its
    // messages (the boot banner, printed alike at every boot) match.
    let last_uptime = last_uptime(target, segment).unwrap_or(0);
    let plausible = |boot: DateTime<Utc>| {
        newest_dated.is_none_or(|newest| {
            let slack = Duration::hours(ANCHOR_SLACK_H);
            i64::try_from(last_uptime)
                .ok()
                .and_then(|up| boot.checked_add_signed(Duration::microseconds(up)))
                .is_some_and(|last| {
                    newest
                        .checked_add_signed(slack)
                        .is_none_or(|lim| last <= lim)
                })
        })
    };
    let mut by_uptime: HashSet<(u64, &[u8])> = HashSet::new();
    // Each message's uptimes in the segment, in order (the first few, and how many there are).
    let mut by_text: HashMap<&[u8], (Vec<u64>, usize)> = HashMap::new();
    for event in target.parsed.events.iter().filter(|e| e.boot == segment) {
        if let RecordedTime::Monotonic { micros } = event.recorded {
            by_uptime.insert((micros, &event.message[..]));
            let slot = by_text.entry(&event.message[..]).or_default();
            if slot.0.len() < TEXT_COPIES {
                slot.0.push(micros);
            }
            slot.1 += 1;
        }
    }
    // A dated copy of a message the segment holds, kept to be paired once all are seen:
    // (source, kernel boot) → message → times in order.
    let mut copies: HashMap<(usize, u64), HashMap<&[u8], Vec<(DateTime<Utc>, TimeQuality)>>> =
        HashMap::new();
    let mut exact = BootGroups::new();
    let mut journal = BootGroups::new();
    let mut textual = BootGroups::new();
    for (j, other) in sources.iter().enumerate() {
        if j == i || other.machine != target.machine || other.machine == "unknown" {
            continue;
        }
        let mut kernel_boot = 0u64;
        let mut last_uptime: Option<u64> = None;
        let mut last_banner_boot = 0u32;
        for event in &other.parsed.events {
            // Where this record's kernel boot starts (for sources without boot ids).
            let restarts = event.boot != last_banner_boot
                || event
                    .uptime_us
                    .zip(last_uptime)
                    .is_some_and(|(now, before)| now < before)
                || (event.ident == Some(b"kernel") && event.message.starts_with(b"Linux version "));
            if restarts {
                kernel_boot += 1;
            }
            last_banner_boot = event.boot;
            last_uptime = event.uptime_us.or(last_uptime);
            let Some(t) = event.time else { continue };
            if matches!(event.recorded, RecordedTime::Monotonic { .. }) {
                continue;
            }
            let text_key = || (j, kernel_boot.to_le_bytes().to_vec());
            let candidate = |boot| BootCandidate {
                boot,
                quality: event.quality,
            };
            if let Some(up) = event.uptime_us
                && by_uptime.contains(&(up, &event.message[..]))
            {
                if let Some(boot) = minus_micros(t, up) {
                    exact.entry(text_key()).or_default().push(candidate(boot));
                }
                continue;
            }
            if event.ident != Some(b"kernel") {
                continue;
            }
            let Some((ups, _)) = by_text.get(&event.message[..]) else {
                continue;
            };
            // A journal entry carries both clocks of its boot: once its message shows it is the
            // boot of this segment, realtime − monotonic is that boot's start, to the µs.
            // journald receives a kernel record after the kernel printed it, within seconds (it
            // reads the ring buffer's backlog when it starts), so the two clocks must agree.
            if let (Some(jf), RecordedTime::Absolute(realtime)) = (&event.journal, event.recorded)
                && let Some(mono) = jf.monotonic_us()
            {
                if ups
                    .iter()
                    .any(|&up| mono >= up && mono - up <= JOURNAL_KMSG_DELAY_US)
                    && let Some(boot) = minus_micros(realtime, mono)
                {
                    let key = (j, jf.boot_id().unwrap_or_default().to_vec());
                    journal.entry(key).or_default().push(candidate(boot));
                }
                continue;
            }
            let times = copies
                .entry((j, kernel_boot))
                .or_default()
                .entry(&event.message[..])
                .or_default();
            if times.len() < 4 * TEXT_COPIES {
                times.push((t, event.quality));
            }
        }
    }
    // A ring buffer keeps a boot's newest records (a dmesg read late in the boot, a pstore dump
    // of the moments before a crash): a message the dated source logged more often than the
    // segment holds it pairs copy by copy from the last, not with its first occurrence.
    for ((j, kernel_boot), messages) in copies {
        for (message, times) in messages {
            let Some((ups, count)) = by_text.get(message) else {
                continue;
            };
            let pairs: Vec<(u64, (DateTime<Utc>, TimeQuality))> =
                if *count == ups.len() && times.len() < 4 * TEXT_COPIES {
                    let n = ups.len().min(times.len());
                    ups[ups.len() - n..]
                        .iter()
                        .copied()
                        .zip(times[times.len() - n..].iter().copied())
                        .collect()
                } else {
                    // Too many copies to tell which is which: every pairing, as before.
                    ups.iter()
                        .flat_map(|&up| times.iter().map(move |t| (up, *t)))
                        .collect()
                };
            for (up, (t, quality)) in pairs {
                if let Some(boot) = minus_micros(t, up) {
                    textual
                        .entry((j, kernel_boot.to_le_bytes().to_vec()))
                        .or_default()
                        .push(BootCandidate { boot, quality });
                }
            }
        }
    }
    let classes: [(&mut BootGroups, usize, &str); 3] = [
        (&mut exact, 1, "kernel records carrying the same uptime"),
        (
            &mut journal,
            1,
            "identical kernel messages of a journal boot, whose entries carry both clocks",
        ),
        (&mut textual, 2, "identical kernel messages"),
    ];
    for (groups, min, what) in classes {
        let mut ranked: Vec<(&(usize, Vec<u8>), &mut Vec<BootCandidate>)> =
            groups.iter_mut().collect();
        ranked.sort_by_key(|(_, c)| std::cmp::Reverse((c.len(), c.iter().map(|b| b.boot).max())));
        let tie = ranked.len() > 1 && ranked[0].1.len() == ranked[1].1.len();
        let Some(((source_index, _), (c, n, spread))) = ranked
            .into_iter()
            .filter_map(|(key, cands)| Some((key, best_cluster(cands, min)?)))
            .find(|(_, (c, _, _))| plausible(c.boot))
        else {
            continue;
        };
        let tie_note = if tie {
            "; other boots matched as well, the latest was taken"
        } else {
            ""
        };
        let note = format!(
            "boot {} anchored at {} from {n} {what} in {} (spread {spread:.3} s){tie_note}",
            segment + 1,
            c.boot.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            sources[*source_index].path
        );
        return Some((c, note));
    }
    None
}

/// The boot time from candidates `wall − uptime`: the lowest group of candidates within two
/// seconds of each other that holds at least `support` of them (fewer when there are fewer), as
/// (median candidate with the union of qualities, group size, spread in seconds).
///
/// Why the lowest: a record is written *after* the kernel printed it, so `wall − uptime` is never
/// earlier than the boot (up to the second lost when the wall time has no fraction), but it is
/// later for records read late, such as the ring buffer that rsyslog reads in one burst when it
/// starts. Live records sit at the bottom; the support requirement keeps one stray low value
/// (a clock stepped back) from winning alone.
fn best_cluster(cands: &mut [BootCandidate], min: usize) -> Option<(BootCandidate, usize, f64)> {
    if cands.len() < min || cands.is_empty() {
        return None;
    }
    cands.sort_by_key(|c| c.boot);
    let support = min.max(2).min(cands.len());
    let window = Duration::seconds(2);
    let group = (0..cands.len()).find_map(|start| {
        let len = cands[start..]
            .iter()
            .take_while(|c| c.boot - cands[start].boot <= window)
            .count();
        (len >= support).then(|| &cands[start..start + len])
    })?;
    let mut chosen = group[group.len() / 2];
    for c in group {
        for fix in c.quality.iter() {
            chosen.quality.insert(fix);
        }
    }
    let spread = (group[group.len() - 1].boot - group[0].boot)
        .num_microseconds()
        .unwrap_or(0) as f64
        / 1e6;
    Some((chosen, group.len(), spread))
}

/// Seconds since boot of an event, for outputs.
pub fn monotonic_seconds(event: &Event<'_>) -> Option<f64> {
    match event.recorded {
        RecordedTime::Monotonic { micros } => Some(micros as f64 / 1e6),
        _ => event.uptime_us.map(|u| u as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    #[test]
    fn a_machine_check_record_gives_its_epoch() {
        let table: [(&[u8], Option<i64>); 6] = [
            // __print_mce, 5.x and later.
            (
                b"mce: [Hardware Error]: PROCESSOR 0:a06a4 TIME 1789764426 SOCKET 0 APIC 1 microcode ffffffff",
                Some(1_789_764_426),
            ),
            // Older kernels: no "mce: " prefix, no microcode.
            (
                b"[Hardware Error]: PROCESSOR 0:206d7 TIME 1409062262 SOCKET 0 APIC 0",
                Some(1_409_062_262),
            ),
            // EDAC sbridge prints the same fields.
            (
                b"EDAC sbridge MC1: PROCESSOR 0:306e4 TIME 1519356496 SOCKET 1 APIC 20",
                Some(1_519_356_496),
            ),
            (b"mce: [Hardware Error]: TSC 81e92c67b77", None),
            (b"PROCESSOR 0:306e4 TIME abc SOCKET 1", None),
            (b"PROCESSOR 0:306e4 TIME 1519356496", None),
        ];
        for (line, want) in table {
            assert_eq!(mce_epoch(line), want, "{}", String::from_utf8_lossy(line));
        }
    }

    fn at(y: i32, mo: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn year_inference_crosses_new_year_backwards() {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap();
        // Reference 2026-01-02: a Jan 1 record is this year, a Dec 31 record last year.
        let r = at(2026, 1, 2, 0);
        assert_eq!(infer_year(1, 1, noon, r).unwrap().year(), 2026);
        assert_eq!(
            infer_year(12, 31, noon, at(2026, 1, 1, 12)).unwrap().year(),
            2025
        );
        // A record a few hours after the reference (clock skew) stays in the same year.
        assert_eq!(infer_year(1, 2, noon, r).unwrap().year(), 2026);
        // Feb 29 walks back to a leap year.
        assert_eq!(
            infer_year(2, 29, noon, at(2027, 3, 1, 0)).unwrap().year(),
            2024
        );
    }

    #[test]
    fn one_stray_far_future_record_does_not_move_the_reference() {
        let t = |y, mo, d| Utc.from_utc_datetime(&at(y, mo, d, 12));
        let times = vec![
            t(2025, 7, 28),
            t(2025, 7, 29),
            t(2025, 7, 29),
            t(2025, 7, 29),
            t(2027, 6, 1),
        ];
        assert_eq!(robust_newest(times), Some(t(2025, 7, 29)));
        assert_eq!(robust_newest(vec![t(2025, 1, 1)]), Some(t(2025, 1, 1)));
        assert_eq!(robust_newest(Vec::new()), None);
    }

    #[test]
    fn a_stamp_says_its_writers_offset_when_it_ends_in_a_numeric_one() {
        let table: [(&[u8], Option<i32>); 9] = [
            (b"2025-07-29T11:50:00+0200", Some(7200)),
            (b"2025-07-29T11:50:00.123456+02:00", Some(7200)),
            (b"2025-07-29T11:50:00,123456-04:00", Some(-14_400)),
            (b"2025-07-29T09:50:00+00:00", Some(0)),
            // `Z`, an abbreviation, journal microseconds and a bare date say nothing.
            (b"2025-07-29T09:50:00Z", None),
            (b"Tue 2025-07-29 11:50:00 CEST", None),
            (b"1753782600000000", None),
            (b"2025-07-29", None),
            (b"Jul 29 11:50:00", None),
        ];
        for (stamp, want) in table {
            assert_eq!(
                written_offset(stamp),
                want,
                "{}",
                String::from_utf8_lossy(stamp)
            );
        }
    }

    /// Offsets written across the night summer time ends in Berlin: a wall time takes the
    /// offset in effect at the instant it gives; in the repeated hour, the earlier instant
    /// unless the next record allows the later.
    #[test]
    fn a_stamped_zone_follows_its_offsets_in_time() {
        let utc = |h: u32, m: u32| {
            Utc.from_utc_datetime(&(at(2025, 10, 26, h) + Duration::minutes(i64::from(m))))
        };
        let mut points = vec![
            (utc(20, 0) - Duration::days(1), 7200),
            (utc(0, 59), 7200),
            (utc(1, 1), 3600),
            (utc(1, 30), 3600),
            (utc(4, 0), 3600),
        ];
        offset_runs(&mut points);
        assert_eq!(points.len(), 4, "the middle of a run is not kept");
        let zone = Zone::Stamped(points.into());
        assert_eq!(zone.label(), "+02:00 then +01:00");
        let local = |h: u32, m: u32| at(2025, 10, 26, h) + Duration::minutes(i64::from(m));
        assert_eq!(
            zone.to_utc(local(1, 30)),
            Some(utc(23, 30) - Duration::days(1))
        );
        assert_eq!(zone.to_utc(local(2, 30)), Some(utc(0, 30)));
        assert_eq!(
            zone.to_utc_before(local(2, 30), Some(utc(2, 0))),
            Some(utc(1, 30))
        );
        assert_eq!(zone.to_utc(local(4, 0)), Some(utc(3, 0)));
        assert_eq!(zone.to_local(utc(3, 0)), local(4, 0));
    }

    #[test]
    fn a_daylight_saving_change_stands_out_from_scattered_pairings() {
        // Vienna's autumn change, 2025-10-26 01:00 UTC: +02:00 anchors, one paired with another
        // occurrence of its message (+03:00, between two +02:00), then a +01:00 one.
        let at = |h: u32, m: u32| {
            NaiveDate::from_ymd_opt(2025, 10, 26)
                .and_then(|d| d.and_hms_opt(h, m, 0))
                .map(|t| t.and_utc())
                .unwrap()
        };
        let anchors = [(3, 7200), (9, 7200), (12, 10800), (15, 7200), (20, 3600)];
        let times = [at(0, 10), at(0, 30), at(0, 40), at(0, 55), at(1, 5)];
        let (pieces, zone, left_out) =
            daylight_saving_change(&anchors, &times, 7200).expect("a change");
        assert_eq!(left_out, 1);
        assert!(zone.starts_with("Europe/"), "{zone}");
        let kept: Vec<(usize, i32)> = pieces
            .iter()
            .map(|(i, o)| (*i, o.local_minus_utc()))
            .collect();
        assert_eq!(kept, [(3, 7200), (9, 7200), (15, 7200), (20, 3600)]);
        // The same switch on a day no zone changes between those offsets is noise.
        let july = |h: u32, m: u32| {
            NaiveDate::from_ymd_opt(2025, 7, 14)
                .and_then(|d| d.and_hms_opt(h, m, 0))
                .map(|t| t.and_utc())
                .unwrap()
        };
        let times = [
            july(0, 10),
            july(0, 30),
            july(0, 40),
            july(0, 55),
            july(1, 5),
        ];
        assert!(daylight_saving_change(&anchors, &times, 7200).is_none());
    }

    #[test]
    fn between_its_last_summer_and_first_winter_record_either_offset_may_hold() {
        let utc = |h: u32, m: u32| {
            Utc.from_utc_datetime(&(at(2025, 10, 26, h) + Duration::minutes(i64::from(m))))
        };
        let local = |h: u32, m: u32| at(2025, 10, 26, h) + Duration::minutes(i64::from(m));
        // The journal wrote +02:00 last at 23:40 UTC and +01:00 first at 01:30 UTC. A record at
        // 02:50 local is 00:50 UTC (summer time, though nearer the first winter record) or
        // 01:50 UTC: its order says which.
        let zone = Zone::Stamped(
            vec![
                (utc(20, 0) - Duration::days(1), 7200),
                (utc(23, 40) - Duration::days(1), 7200),
                (utc(1, 30), 3600),
                (utc(4, 0), 3600),
            ]
            .into(),
        );
        // Followed by a first-pass record at 02:51 (00:51 UTC): the earlier instant.
        assert_eq!(
            zone.to_utc_before(local(2, 50), Some(utc(0, 51))),
            Some(utc(0, 50))
        );
        // Followed by a second-pass record at 02:51 (01:51 UTC): the later instant.
        assert_eq!(
            zone.to_utc_before(local(2, 50), Some(utc(1, 51))),
            Some(utc(1, 50))
        );
    }

    #[test]
    fn zones_parse_and_convert() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let utc = berlin.to_utc(at(2025, 7, 29, 11)).unwrap();
        assert_eq!(utc.naive_utc(), at(2025, 7, 29, 9));
        let fixed = Zone::parse("+0530").unwrap();
        assert_eq!(fixed.label(), "+05:30");
        assert!(Zone::parse("Mars/Olympus").is_none());
        // In the autumn fold, the later instant when the next record allows it.
        let fold = at(2025, 10, 26, 2) + Duration::minutes(10);
        let early = berlin.to_utc_before(fold, None).unwrap();
        let late_limit = Utc.from_utc_datetime(&at(2025, 10, 26, 1)) + Duration::minutes(20);
        let late = berlin.to_utc_before(fold, Some(late_limit)).unwrap();
        assert_eq!(
            early.naive_utc(),
            at(2025, 10, 26, 0) + Duration::minutes(10)
        );
        assert_eq!(
            late.naive_utc(),
            at(2025, 10, 26, 1) + Duration::minutes(10)
        );
        // The spring-forward gap moves forward with the clock.
        let gap = berlin.to_utc(at(2025, 3, 30, 2)).unwrap();
        assert_eq!(gap.naive_utc(), at(2025, 3, 30, 1));
    }
}
