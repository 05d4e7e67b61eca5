//! Correlation: which guest is which VM on which host, and how far the guest's clock is off.
//!
//! **Identity.** A guest machine gets its VMID from its path (`guest/101-web/`) or, failing that,
//! from the host's snapshots (`qm list` rows, `name:` of a VM config) matched by name; its host is
//! the bundle's only host, or the host whose logs name that VMID (`101.scope`, `tap101i0`,
//! `qmstart:101`).
//!
//! **Clock offset** (guest clock minus host clock, DESIGN.md §2) is bounded by paired records,
//! each giving an interval for the offset from a window of realistic delays between the host's
//! record and the guest's, widened by how finely each time was written (a whole-second stamp
//! stands for the second after it):
//! - the host starts the VM (`Started <vmid>.scope`, else the `qmstart` task) and the guest's
//!   kernel starts 0.3–12 s later ([`BOOT_DELAY`]: firmware, boot loader menu, kernel load);
//!   the guest's boot instant comes from its most precise source: a journal entry's wall clock
//!   minus its monotonic clock (to the microsecond), an anchored dmesg, kernel lines carrying
//!   their uptime, and only failing those the stamp of `Linux version` (written when journald
//!   or rsyslog read the ring buffer, up to 15 s late);
//! - the host asks for a shutdown (`qmshutdown`, `qmreboot`) and the guest hears it (`Power key
//!   pressed`, the agent's `guest-shutdown called`) within 3 s;
//! - vzdump asks the guest agent to freeze (`issuing guest-agent 'fs-freeze' command`, in the
//!   journal or the VM's own vzdump log) and the agent logs `guest-fsfreeze called` within 2 s;
//! - the host kills or stops the VM, and the guest's last record before its next boot (or at the
//!   end of its file) came before that: a one-sided bound.
//!
//! The guest's wall clock may be stepped (chrony's `System clock was stepped by N seconds`,
//! ntpd, systemd's `Time has been changed`): each boot's records are split at the steps into
//! segments, each with its own offset; where the step's amount is logged, the segments' offsets
//! are linked by it and every pair counts for all of them.
//!
//! The intersection of the intervals is the estimate (its middle) with an error bound (half its
//! width). It is applied to the guest's records, marked `clock_aligned`, only when both sides
//! are bounded, the error is at most [`MAX_APPLIED_ERROR_S`] and larger than zero can explain
//! (|offset| > error); otherwise it is reported, not applied. Pairs are looked for around no
//! offset first, then around the offset found, so a guest minutes off still pairs.
//! `--clock-offset MACHINE=±DUR` sets an offset by hand; `--no-align` turns alignment off.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::clock::Zone;
use crate::event::{Event, RecordedTime, Role, TimeFix};
use crate::facts::FactKind;
use crate::signals::{Matched, SignalKind, kinds_at};
use crate::source::Source;

/// Offsets with a larger error (half the width of the interval the pairs leave) are reported
/// but not applied: an applied offset is pinned within ±2 s.
pub const MAX_APPLIED_ERROR_S: f64 = 2.0;

/// What the command line says about alignment.
#[derive(Clone, Debug, Default)]
pub struct AlignOptions {
    /// `--no-align`.
    pub disabled: bool,
    /// `--clock-offset MACHINE=±DUR`: machine name or VMID → offset in seconds.
    pub manual: BTreeMap<String, f64>,
}

/// One machine of the bundle and how it relates to the others (`pvelog sources` `machines`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Machine {
    /// Machine name.
    pub name: String,
    /// host, guest or unknown.
    pub role: &'static str,
    /// The VMID of a guest.
    pub vmid: Option<u32>,
    /// The host a guest runs on.
    pub host: Option<String>,
    /// Guest clock minus host clock, in seconds.
    pub clock_offset_s: Option<f64>,
    /// The error bound of the offset, in seconds.
    pub clock_offset_error_s: Option<f64>,
    /// A one-sided bound when only one side is known: `[lower, upper]`, `null` for unbounded.
    pub clock_offset_bounds_s: Option<(Option<f64>, Option<f64>)>,
    /// Whether the offset was removed from the guest's records.
    pub aligned: bool,
    /// The part of the difference between a guest's times and true UTC that is a zone, not a
    /// clock offset, in seconds east of UTC (already read back from the guest's records;
    /// `clock_offset_s` is what remains): the guest's own zone for its times written without
    /// one (its `timedatectl`, `/etc/timezone`, `--tz`), the host's zone that its clock keeps
    /// when QEMU presents its RTC in local time (`localtime: 1`), or a zone the clock pairs
    /// show. Absent when none (or UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_offset_s: Option<f64>,
    /// Where [`Machine::zone_offset_s`] came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_from: Option<String>,
    /// The pairs and facts that justify the identity and the offset.
    pub evidence: Vec<String>,
    /// When the guest's wall clock was stepped (chrony, ntpd, `Time has been changed`): the
    /// offset of each segment between steps, counted from each boot. The fields above are those
    /// of the segment holding the most records. Empty when the clock never stepped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clock_segments: Vec<ClockSegment>,
}

/// The offset of one segment of a guest's clock: the records from a boot to the first step of
/// its wall clock (segment 0), from there to the next (1), and so on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClockSegment {
    /// Steps since the boot.
    pub segment: usize,
    /// How many of the guest's records lie in it.
    pub records: usize,
    /// Guest clock minus host clock, in seconds.
    pub clock_offset_s: Option<f64>,
    /// The error bound of the offset, in seconds.
    pub clock_offset_error_s: Option<f64>,
    /// A one-sided bound when only one side is known.
    pub clock_offset_bounds_s: Option<(Option<f64>, Option<f64>)>,
    /// Whether the offset was removed from the segment's records.
    pub aligned: bool,
}

fn secs(d: Duration) -> f64 {
    d.num_microseconds().unwrap_or(0) as f64 / 1e6
}

fn describe(source: &Source<'_>, event: &Event<'_>) -> String {
    let place = source.place(event);
    let text: String = String::from_utf8_lossy(&event.message)
        .chars()
        .take(120)
        .collect();
    format!("{place} {text}")
}

/// Links machines and aligns guest clocks. Runs after the clock stage, before the merge.
pub fn correlate(
    sources: &mut [Source<'_>],
    signals: &[Vec<Matched>],
    opts: &AlignOptions,
    zones: &BTreeMap<String, (Zone, String)>,
) -> Vec<Machine> {
    let mut machines: BTreeMap<String, Machine> = BTreeMap::new();
    for s in sources.iter() {
        let m = machines
            .entry(s.machine.clone())
            .or_insert_with(|| Machine {
                name: s.machine.clone(),
                role: s.role.as_str(),
                vmid: None,
                host: None,
                clock_offset_s: None,
                clock_offset_error_s: None,
                clock_offset_bounds_s: None,
                aligned: false,
                zone_offset_s: None,
                zone_from: None,
                evidence: Vec::new(),
                clock_segments: Vec::new(),
            });
        if m.role == Role::Unknown.as_str() {
            m.role = s.role.as_str();
        }
        if m.vmid.is_none()
            && let Some(v) = s.vmid
        {
            m.vmid = Some(v);
            m.evidence
                .push(format!("VMID {v} from the path {}", s.path));
        }
    }
    let hosts: Vec<String> = machines
        .values()
        .filter(|m| m.role == "host")
        .map(|m| m.name.clone())
        .collect();
    // VMIDs by VM name, from the hosts' snapshots.
    let mut by_name: BTreeMap<String, (u32, String)> = BTreeMap::new();
    for s in sources.iter().filter(|s| s.role == Role::Host) {
        for f in &s.parsed.facts {
            let (vmid, name) = match &f.kind {
                FactKind::QmVm(vm) => (Some(vm.vmid), Some(vm.name.clone())),
                FactKind::VmConfig(c) => (c.vmid, c.name.clone()),
                _ => continue,
            };
            if let (Some(v), Some(n)) = (vmid, name) {
                by_name.insert(n, (v, format!("{}:{}", s.path, f.line)));
            }
        }
    }
    let guest_names: Vec<String> = machines
        .values()
        .filter(|m| m.role == "guest")
        .map(|m| m.name.clone())
        .collect();
    for name in &guest_names {
        let Some(m) = machines.get_mut(name) else {
            continue;
        };
        if m.vmid.is_none()
            && let Some((v, place)) = by_name.get(name)
        {
            m.vmid = Some(*v);
            m.evidence.push(format!(
                "VMID {v}: the host lists a VM named {name} ({place})"
            ));
        }
        m.host = match hosts.as_slice() {
            [only] => Some(only.clone()),
            _ => m
                .vmid
                .and_then(|v| host_naming(sources, signals, &hosts, v)),
        };
    }
    for name in &guest_names {
        let Some(m) = machines.get(name).cloned() else {
            continue;
        };
        let manual = opts
            .manual
            .get(name)
            .or_else(|| m.vmid.and_then(|v| opts.manual.get(&v.to_string())))
            .copied();
        // What the VM config says of the guest's RTC: the host's zone, which a guest that reads
        // its RTC as UTC keeps on its clock (pairs are looked for there first).
        let rtc = match (&m.host, m.vmid) {
            (Some(host), Some(vmid)) if manual.is_none() && !opts.disabled => {
                rtc_zone(sources, host, name, vmid, zones)
            }
            _ => None,
        };
        let mut notes: Vec<String> = Vec::new();
        let rtc = rtc.and_then(|r| match r {
            Ok(r) => Some(r),
            Err(note) => {
                notes.push(note);
                None
            }
        });
        let prior = rtc.as_ref().map_or(0.0, |r| r.secs);
        let (mut estimates, classes) = match (manual, &m.host, m.vmid) {
            (Some(o), _, _) => (
                BTreeMap::from([(
                    0,
                    Estimate {
                        offset: Some(o),
                        error: Some(0.0),
                        bounds: None,
                        evidence: vec![format!("set by --clock-offset: {o:+.3} s")],
                    },
                )]),
                BTreeMap::new(),
            ),
            (None, Some(host), Some(vmid)) => estimate(sources, signals, host, name, vmid, prior),
            _ => (BTreeMap::new(), BTreeMap::new()),
        };
        // The RTC's zone first: the segments whose offset is the host's zone (a guest that read
        // its RTC as UTC at boot, until NTP steps its clock) have it read back exactly, and only
        // what remains is a clock offset.
        let mut zone: Option<(f64, String)> = None;
        if let Some(rtc) = &rtc {
            let held: Vec<usize> = estimates
                .iter()
                .filter(|(_, e)| holds_zone(e, rtc.secs))
                .map(|(c, _)| *c)
                .collect();
            if held.is_empty() {
                if estimates
                    .values()
                    .any(|e| e.offset.is_some() || e.bounds.is_some())
                {
                    notes.push(format!(
                        "{}, but the pairs do not put the guest's clock {:+.0} s off: it was set right (NTP, or a guest that keeps its RTC in local time)",
                        rtc.why, rtc.secs
                    ));
                } else {
                    notes.push(format!(
                        "{}; no pair shows whether the guest's clock kept it",
                        rtc.why
                    ));
                }
            } else {
                read_in_rtc_zone(sources, name, rtc, &held, &classes);
                for c in &held {
                    if let Some(e) = estimates.get_mut(c) {
                        e.offset = e.offset.map(|o| o - rtc.secs);
                        e.bounds = e
                            .bounds
                            .map(|(lo, hi)| (lo.map(|x| x - rtc.secs), hi.map(|x| x - rtc.secs)));
                        e.evidence.push(format!(
                            "{:+.0} s of it is the RTC's zone: {}; read back exactly, the pairs leave what remains",
                            rtc.secs, rtc.why
                        ));
                    }
                }
                zone = Some((rtc.secs, rtc.from.clone()));
            }
        }
        // A zone first, an offset second: a guest whose times carry no zone and sit a whole
        // number of quarter hours off logs local time; its records are read in that zone and
        // only what remains is a clock offset.
        if manual.is_none()
            && !opts.disabled
            && zone.is_none()
            && let Some(zone_s) = zone_in_offset(sources, name, &estimates)
        {
            read_in_zone(sources, name, zone_s);
            zone = Some((zone_s, "the clock pairs with the host".to_string()));
            for e in estimates.values_mut() {
                e.offset = e.offset.map(|o| o - zone_s);
                e.bounds = e
                    .bounds
                    .map(|(lo, hi)| (lo.map(|x| x - zone_s), hi.map(|x| x - zone_s)));
                e.evidence.push(format!(
                    "{zone_s:+.0} s of it is a whole number of quarter hours and the guest's times carry no zone: they are local time in UTC{}, read so (pass --tz {name}=ZONE to name the zone)",
                    utc_offset(zone_s)
                ));
            }
        }
        // Applied when the pairs pin the offset down and show the clocks differ: an offset
        // whose error interval holds zero is reported, and the guest's own times are kept.
        let applied: BTreeMap<usize, f64> = estimates
            .iter()
            .filter_map(|(c, e)| {
                let o = e.offset?;
                let pinned = e
                    .error
                    .is_some_and(|e| e <= MAX_APPLIED_ERROR_S && o.abs() > e);
                (!opts.disabled && (manual.is_some() || pinned)).then_some((*c, o))
            })
            .collect();
        let mut records: BTreeMap<usize, usize> = BTreeMap::new();
        for list in classes.values() {
            for c in list {
                *records.entry(*c).or_default() += 1;
            }
        }
        // The headline: the segment most of the guest's records lie in.
        let headline = records
            .iter()
            .max_by_key(|(c, n)| (**n, **c))
            .map_or(0, |(c, _)| *c);
        if !applied.is_empty() {
            align(sources, name, &applied, &classes);
        }
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        // The guest's own zone, in which the clock stage read its times written without one.
        if zone.is_none() {
            zone = own_zone(sources, name, zones);
        }
        let Some(entry) = machines.get_mut(name) else {
            continue;
        };
        entry.evidence.append(&mut notes);
        if let Some((secs, from)) = zone {
            entry.zone_offset_s = Some(secs);
            entry.zone_from = Some(from);
        }
        if let Some(e) = estimates.get(&headline) {
            entry.clock_offset_s = e.offset.map(round);
            entry.clock_offset_error_s = e.error.map(round);
            entry.clock_offset_bounds_s = e.bounds;
            entry.aligned = applied.contains_key(&headline);
            entry.evidence.extend(e.evidence.iter().cloned());
            if !entry.aligned
                && !opts.disabled
                && let (Some(o), Some(err)) = (e.offset, e.error)
            {
                entry.evidence.push(if err > MAX_APPLIED_ERROR_S {
                    format!("not applied: the error exceeds {MAX_APPLIED_ERROR_S} s")
                } else {
                    format!("not applied: {o:+.3} s ± {err:.3} s is consistent with no offset")
                });
            }
        }
        if estimates.len() > 1 {
            entry.clock_segments = estimates
                .iter()
                .map(|(c, e)| ClockSegment {
                    segment: *c,
                    records: records.get(c).copied().unwrap_or(0),
                    clock_offset_s: e.offset.map(round),
                    clock_offset_error_s: e.error.map(round),
                    clock_offset_bounds_s: e.bounds,
                    aligned: applied.contains_key(c),
                })
                .collect();
        }
    }
    machines.into_values().collect()
}

/// The host (of several) whose records name VM `vmid` (its scope, its tap device, its tasks,
/// its OOM constraint: [`crate::index::named_vmid`]'s kinds).
fn host_naming(
    sources: &[Source<'_>],
    signals: &[Vec<Matched>],
    hosts: &[String],
    vmid: u32,
) -> Option<String> {
    hosts
        .iter()
        .find(|h| {
            sources
                .iter()
                .zip(signals)
                .filter(|(s, _)| &&s.machine == h)
                .any(|(_, matched)| matched.iter().any(|m| names_vm(&m.kind) == Some(vmid)))
        })
        .cloned()
}

/// The VMID a host record's signal names.
fn names_vm(kind: &SignalKind) -> Option<u32> {
    match kind {
        SignalKind::OomConstraint { vmid, .. }
        | SignalKind::TaskStart { vmid, .. }
        | SignalKind::TaskEnd { vmid, .. } => *vmid,
        SignalKind::ScopeOomKilled { vmid }
        | SignalKind::ScopeDeactivated { vmid }
        | SignalKind::ScopeFailed { vmid, .. }
        | SignalKind::ScopeStarted { vmid }
        | SignalKind::VmNic { vmid } => Some(*vmid),
        _ => None,
    }
}

/// A clock offset as the pairs give it: the estimate (the middle of the intersected
/// intervals) with its error (half the width), or one-sided bounds, and the pairs behind it.
#[derive(Clone, Debug, Default)]
struct Estimate {
    offset: Option<f64>,
    error: Option<f64>,
    bounds: Option<(Option<f64>, Option<f64>)>,
    evidence: Vec<String>,
}

/// How long after the host's record the guest's record of the same moment comes, in seconds.
#[derive(Clone, Copy, Debug)]
struct Delay {
    min: f64,
    max: f64,
}

/// VM start → guest kernel start: from the VM's scope starting (or the `qmstart` task that
/// starts it) to the guest kernel's clock reading zero. Firmware (SeaBIOS or OVMF, 0.3–2 s), the
/// boot loader's menu timeout (GRUB's default is 5 s on Debian; cloud images use 0–1 s) and
/// loading kernel and initrd (0.5–2 s) put it between 0.3 and 12 s. This pair alone never pins
/// an offset (its window is wider than [`MAX_APPLIED_ERROR_S`] allows); a longer menu timeout
/// shows up as pairs that disagree, never as a wrong offset applied.
const BOOT_DELAY: Delay = Delay {
    min: 0.3,
    max: 12.0,
};
/// Shutdown request → the guest hearing it: the `qmshutdown`/`qmreboot` task starts, sends
/// QMP's `system_powerdown` (or the agent's `guest-shutdown`) within a second or two, and the
/// guest logs `Power key pressed` (or `guest-shutdown called`) at once.
const REQUEST_DELAY: Delay = Delay { min: 0.0, max: 3.0 };
/// vzdump's `issuing guest-agent 'fs-freeze' command` → the agent's `guest-fsfreeze called`.
const FREEZE_DELAY: Delay = Delay { min: 0.0, max: 2.0 };
/// How far (seconds, around the offset expected so far) a guest record is looked for when
/// pairing it with a host record; freezes, one per backup, are unambiguous much further.
const PAIR_WINDOW_S: f64 = 120.0;
/// Freezes are looked for within an hour, and where none is, within the largest difference of
/// two zones (a guest logging local time read as UTC), as long as exactly one is there.
const FREEZE_WINDOW_S: f64 = 3600.0;
const FREEZE_ZONE_WINDOW_S: f64 = 14.0 * 3600.0;
/// Step records this close (guest seconds) are one step: chrony's `System clock was stepped`
/// and systemd's `Time has been changed` that follows it.
const SAME_STEP_S: i64 = 10;

/// A moment seen on one side of a pair: the interval its true time lies in (a whole-second
/// stamp is truncated, so the moment lies in the second after it), in the clock segment of its
/// machine's clock it was read from.
#[derive(Clone, Debug)]
struct Moment {
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
    what: String,
    class: usize,
}

/// A record read, by position: made a [`Moment`] only when it is one.
#[derive(Clone, Copy, Debug)]
struct Seen {
    event: usize,
    t: DateTime<Utc>,
    class: usize,
}

impl Moment {
    fn at(source: &Source<'_>, event: &Event<'_>, t: DateTime<Utc>, class: usize) -> Moment {
        Moment {
            lo: t,
            hi: t + stamp_width(t),
            what: describe(source, event),
            class,
        }
    }

    fn mid(&self) -> DateTime<Utc> {
        self.lo + (self.hi - self.lo) / 2
    }
}

/// How finely a time was written: a whole second (a syslog or `short` stamp, truncated) unless
/// it carries a fraction.
fn stamp_width(t: DateTime<Utc>) -> Duration {
    if t.timestamp_subsec_nanos() == 0 {
        Duration::seconds(1)
    } else {
        Duration::milliseconds(1)
    }
}

/// One interval for the offset of one clock segment, from one pair.
#[derive(Clone, Debug)]
struct Interval {
    class: usize,
    lo: f64,
    hi: f64,
    why: String,
}

/// The interval a pair gives when the guest's record comes `delay` after the host's.
fn paired(h: &Moment, g: &Moment, delay: Delay) -> (f64, f64) {
    (secs(g.lo - h.hi) - delay.max, secs(g.hi - h.lo) - delay.min)
}

/// The host's side of the pairs for one VM.
#[derive(Debug, Default)]
struct HostSide {
    starts: Vec<Moment>,
    requests: Vec<Moment>,
    kills: Vec<Moment>,
    freezes: Vec<Moment>,
}

/// The guest's side: its boots (the kernel's start, from the most precise source), shutdown
/// requests heard, freezes, and the last record before each boot and at the end of each file.
#[derive(Debug, Default)]
struct GuestSide {
    boots: Vec<Moment>,
    requests: Vec<Moment>,
    freezes: Vec<Moment>,
    last_records: Vec<Moment>,
}

/// Follows the boots of one source in file order: a journal's `_BOOT_ID` changing (its first
/// one included) or a kernel banner placed on the wall clock starts one. The id is copied only
/// when it changes.
#[derive(Default)]
struct BootWatch {
    id: Option<Vec<u8>>,
}

impl BootWatch {
    /// Whether record `e` starts a boot, and whether it is the kernel's banner.
    fn step<'k>(
        &mut self,
        e: &Event<'_>,
        kinds: impl Iterator<Item = &'k SignalKind>,
    ) -> (bool, bool) {
        let id = e.journal.as_ref().and_then(|j| j.boot_id());
        let new_id = id.is_some_and(|id| self.id.as_deref() != Some(id));
        if new_id {
            self.id = id.map(<[u8]>::to_vec);
        }
        let banner = is_boot_line(e, kinds);
        (new_id || banner, banner)
    }
}

fn host_side(sources: &[Source<'_>], signals: &[Vec<Matched>], host: &str, vmid: u32) -> HostSide {
    let mut side = HostSide::default();
    let mut task_starts = Vec::new();
    for (s, matched) in sources
        .iter()
        .zip(signals)
        .filter(|(s, _)| s.machine == host)
    {
        // The kvm pid the kernel's `oom-kill:` line names for this VM, and the vzdump worker
        // (pid) whose backup of this VM is under way: the kill and freeze lines name neither.
        // A vzdump log (no pids: one worker) follows its own `Starting Backup of VM N`; a
        // per-VM log the path names is all about its VM.
        let mut killed_pid: Option<u32> = None;
        let mut backing_up: BTreeMap<u32, bool> = BTreeMap::new();
        let vm_log = s.vmid == Some(vmid);
        for group in matched.chunk_by(|a, b| a.event == b.event) {
            let Some(e) = group
                .first()
                .and_then(|m| s.parsed.events.get(m.event as usize))
            else {
                continue;
            };
            // A task log's lines carry no time: placed at the task's start, they date nothing.
            let Some(t) = e
                .time
                .filter(|_| !e.quality.contains(TimeFix::TaskAnchored))
            else {
                continue;
            };
            let (mut start, mut task_start, mut request, mut kill, mut freeze) =
                (false, false, false, false, false);
            for m in group {
                match &m.kind {
                    SignalKind::OomConstraint { vmid: v, pid, .. } => {
                        killed_pid = if *v == Some(vmid) { *pid } else { None };
                    }
                    SignalKind::Backup { phase, vmid: v } => match (*phase, e.pid.unwrap_or(0)) {
                        ("start", pid) if v.is_some() => {
                            backing_up.insert(pid, *v == Some(vmid));
                        }
                        ("end", pid) => {
                            backing_up.remove(&pid);
                        }
                        _ => {}
                    },
                    SignalKind::OomKilled { pid, comm, .. } => {
                        kill |= comm == "kvm" && pid.is_some() && *pid == killed_pid;
                    }
                    SignalKind::TaskStart { task, vmid: v, .. } if *v == Some(vmid) => {
                        task_start |= task == "qmstart";
                        request |= task == "qmshutdown" || task == "qmreboot";
                        kill |= task == "qmstop";
                    }
                    SignalKind::ScopeStarted { vmid: v } => start |= *v == vmid,
                    SignalKind::ScopeOomKilled { vmid: v }
                    | SignalKind::ScopeFailed { vmid: v, .. } => {
                        kill |= *v == vmid;
                    }
                    SignalKind::GuestAgentFreeze => {
                        freeze |=
                            vm_log || backing_up.get(&e.pid.unwrap_or(0)).copied() == Some(true);
                    }
                    _ => {}
                }
            }
            let moment = || Moment::at(s, e, t, 0);
            if start {
                side.starts.push(moment());
            } else if task_start {
                task_starts.push(moment());
            } else if request {
                side.requests.push(moment());
            } else if kill {
                side.kills.push(moment());
            } else if freeze {
                side.freezes.push(moment());
            }
        }
    }
    // The scope's start is the kvm process starting; the task that started it counts only where
    // no scope start follows it within a minute (a host whose journal was not collected).
    for task in task_starts {
        let scoped = side.starts.iter().any(|s| {
            let d = secs(s.lo - task.lo);
            (0.0..=60.0).contains(&d)
        });
        if !scoped {
            side.starts.push(task);
        }
    }
    side
}

/// The clock segment of every record of a guest's sources: 0 from each boot to the first step
/// of its wall clock, 1 after it, and so on. Sources that log the steps count them in file
/// order; a source that does not (a dmesg, a kern.log) takes the segment of the nearest
/// record in time of a source that does.
fn segments(
    sources: &[Source<'_>],
    signals: &[Vec<Matched>],
    guest: &str,
) -> (
    BTreeMap<usize, Vec<usize>>,
    BTreeMap<usize, Vec<Option<f64>>>,
) {
    let mut classes = BTreeMap::new();
    let mut steps: BTreeMap<usize, Vec<Option<f64>>> = BTreeMap::new();
    let mut stepped: Vec<(DateTime<Utc>, usize)> = Vec::new();
    let mut unstepped = Vec::new();
    for (i, (s, matched)) in sources
        .iter()
        .zip(signals)
        .enumerate()
        .filter(|(_, (s, _))| s.machine == guest)
    {
        if !matched
            .iter()
            .any(|m| matches!(m.kind, SignalKind::ClockStep { .. }))
        {
            unstepped.push(i);
            continue;
        }
        let mut class = 0;
        let mut last_step: Option<(DateTime<Utc>, usize)> = None;
        let mut boots = BootWatch::default();
        let mut out = Vec::with_capacity(s.parsed.events.len());
        for (k, e) in s.parsed.events.iter().enumerate() {
            if boots.step(e, kinds_at(matched, k)).0 {
                class = 0;
                last_step = None;
            }
            if let Some(by_us) = kinds_at(matched, k).find_map(|kind| match kind {
                SignalKind::ClockStep { by_us } => Some(*by_us),
                _ => None,
            }) {
                let by = by_us.map(|u| u as f64 / 1e6);
                match (last_step, e.time) {
                    // systemd's notice of the step chrony just made.
                    (Some((at, c)), Some(t)) if (t - at).num_seconds().abs() <= SAME_STEP_S => {
                        if let (Some(by), Some(list)) = (by, steps.get_mut(&c))
                            && let Some(slot) = list.last_mut()
                            && slot.is_none()
                        {
                            *slot = Some(by);
                        }
                    }
                    _ => {
                        class += 1;
                        steps.entry(class).or_default().push(by);
                        last_step = e.time.map(|t| (t, class));
                    }
                }
            }
            out.push(class);
            if let Some(t) = e.time {
                stepped.push((t, class));
            }
        }
        classes.insert(i, out);
    }
    stepped.sort();
    for i in unstepped {
        let Some(s) = sources.get(i) else { continue };
        let out = s
            .parsed
            .events
            .iter()
            .map(|e| {
                let Some(t) = e.time else { return 0 };
                let at = stepped.partition_point(|(x, _)| *x < t);
                let before = at.checked_sub(1).and_then(|j| stepped.get(j));
                let after = stepped.get(at);
                match (before, after) {
                    (Some(b), Some(a)) if (a.0 - t) < (t - b.0) => a.1,
                    (Some(b), _) => b.1,
                    (None, Some(a)) => a.1,
                    (None, None) => 0,
                }
            })
            .collect();
        classes.insert(i, out);
    }
    (classes, steps)
}

/// Whether a record is a kernel's first (`Linux version …`) placed on the wall clock.
fn is_boot_line<'k>(e: &Event<'_>, mut kinds: impl Iterator<Item = &'k SignalKind>) -> bool {
    e.ident == Some(b"kernel")
        && !e.quality.contains(TimeFix::BootRelative)
        && kinds.any(|kind| *kind == SignalKind::KernelBoot)
}

/// The guest's side of the pairs, each record in its clock segment.
fn guest_side(
    sources: &[Source<'_>],
    signals: &[Vec<Matched>],
    guest: &str,
    classes: &BTreeMap<usize, Vec<usize>>,
) -> GuestSide {
    let mut side = GuestSide::default();
    for (i, (s, matched)) in sources
        .iter()
        .zip(signals)
        .enumerate()
        .filter(|(_, (s, _))| s.machine == guest)
    {
        let class_of = |k: usize| classes.get(&i).and_then(|c| c.get(k)).copied().unwrap_or(0);
        // The records read since the last boot line (the newest few): the previous boot's last
        // record is the newest of them that came before the next boot began, since rsyslog
        // writes a new boot's first user-space records before the kernel banner it reads later.
        // Kept as positions: describing every record read (most are never a last record) cost
        // a formatted string per guest record.
        let mut recent: std::collections::VecDeque<Seen> = std::collections::VecDeque::new();
        let mut before_boot: Vec<Seen> = Vec::new();
        let moment = |m: Seen| {
            s.parsed
                .events
                .get(m.event)
                .map(|e| Moment::at(s, e, m.t, m.class))
        };
        let close = |boot: Option<&Moment>, before: &mut Vec<Seen>, out: &mut Vec<Moment>| {
            let last = before.drain(..).rfind(|m| boot.is_none_or(|b| m.t < b.lo));
            out.extend(last.and_then(moment));
        };
        // The boot being read, and the best estimate of its start so far.
        let mut boot: Option<Moment> = None;
        // Whether the boot being read is dated by a stamp only (narrowed by uptimes below).
        let mut narrowable = false;
        let mut boots = BootWatch::default();
        for (k, e) in s.parsed.events.iter().enumerate() {
            let Some(t) = e.time else { continue };
            let class = class_of(k);
            let journal = e.journal.as_deref();
            let (starts, boot_line) = boots.step(e, kinds_at(matched, k));
            if starts {
                // journald stamps every entry with both clocks: the wall clock minus the
                // monotonic one is the boot, to the microsecond, whichever entry says it.
                let from_journal = journal.and_then(|j| {
                    let real = j.realtime_us()?;
                    let mono = j.monotonic_us()?;
                    let at = DateTime::from_timestamp_micros(
                        i64::try_from(real.checked_sub(mono)?).ok()?,
                    )?;
                    Some((at, at + Duration::milliseconds(1)))
                });
                // dmesg placed through its anchor: the boot within the anchor's second.
                let from_monotonic = match e.recorded {
                    RecordedTime::Monotonic { micros } if boot_line => {
                        let at = t - Duration::microseconds(i64::try_from(micros).unwrap_or(0));
                        Some((at - Duration::seconds(1), at + Duration::seconds(1)))
                    }
                    _ => None,
                };
                // Otherwise the stamp of `Linux version`, which journald or rsyslog wrote when
                // it read the ring buffer, up to ~15 s after the kernel started; narrowed below
                // by the kernel lines that carry their uptime.
                narrowable = from_journal.is_none() && from_monotonic.is_none();
                let (lo, hi) = from_journal
                    .or(from_monotonic)
                    .unwrap_or((t - Duration::seconds(15), t + stamp_width(t)));
                if let Some(b) = boot.take() {
                    side.boots.push(b);
                }
                // The boot before it: its newest records are now known; the ones read before
                // this banner wait for this boot's start to be narrowed.
                close(None, &mut before_boot, &mut side.last_records);
                before_boot = std::mem::take(&mut recent).into();
                boot = Some(Moment {
                    lo,
                    hi,
                    what: describe(s, e),
                    class,
                });
            }
            // A kernel line with its uptime, logged while the boot is young: its stamp minus the
            // uptime is at most a second before the boot, and later than it by how long the line
            // waited to be read; the smallest such value over the boot's young kernel lines is
            // the tightest, and the boot lies within the few seconds before it.
            if let (Some(b), Some(up), Some(b"kernel")) = (boot.as_mut(), e.uptime_us, e.ident)
                && narrowable
                && up <= 600_000_000
            {
                let at = t - Duration::microseconds(i64::try_from(up).unwrap_or(0));
                let hi = at + stamp_width(t);
                if hi < b.hi {
                    b.hi = hi;
                    b.lo = hi - Duration::seconds(3);
                }
            }
            let kinds = || kinds_at(matched, k);
            if kinds().any(|kind| *kind == SignalKind::GuestFsFreeze) {
                side.freezes.push(Moment::at(s, e, t, class));
            }
            if kinds().any(|kind| *kind == SignalKind::PowerKey) {
                side.requests.push(Moment::at(s, e, t, class));
            }
            if !boot_line {
                if recent.len() == 64 {
                    recent.pop_front();
                }
                recent.push_back(Seen { event: k, t, class });
                // Once a boot's start is settled (its young kernel lines are read), the records
                // before its banner that came before it are the previous boot's.
                if !before_boot.is_empty()
                    && e.uptime_us.is_none_or(|u| u > 600_000_000)
                    && boot
                        .as_ref()
                        .is_some_and(|b| t > b.hi + Duration::seconds(600))
                {
                    close(boot.as_ref(), &mut before_boot, &mut side.last_records);
                }
            }
        }
        close(boot.as_ref(), &mut before_boot, &mut side.last_records);
        side.boots.extend(boot);
        side.last_records.extend(recent.pop_back().and_then(moment));
    }
    // One boot seen by several sources: the narrowest estimate of it.
    side.boots.sort_by_key(|b| b.lo);
    let mut boots: Vec<Moment> = Vec::new();
    for b in std::mem::take(&mut side.boots) {
        match boots.last_mut() {
            Some(last) if (b.mid() - last.mid()).num_seconds().abs() <= 30 => {
                if b.hi - b.lo < last.hi - last.lo {
                    *last = b;
                }
            }
            _ => boots.push(b),
        }
    }
    side.boots = boots;
    side
}

/// The intervals the pairs give, looking for each guest record around `centre` (the offset
/// expected so far for its segment; 0 at first).
fn pair_up(host: &HostSide, guest: &GuestSide, centre: &dyn Fn(usize) -> f64) -> Vec<Interval> {
    let mut out = Vec::new();
    let near = |h: &Moment, g: &Moment, window: f64, ahead: f64| {
        let d = secs(g.mid() - h.mid()) - centre(g.class);
        (-window..=window).contains(&d).then_some((d - ahead).abs())
    };
    let nearest = |h: &Moment, gs: &[Moment], window: f64, ahead: f64| -> Option<Moment> {
        gs.iter()
            .filter_map(|g| Some((near(h, g, window, ahead)?, g)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, g)| g.clone())
    };
    for h in &host.freezes {
        let within = |window: f64| -> Vec<&Moment> {
            guest
                .freezes
                .iter()
                .filter(|g| near(h, g, window, 0.0).is_some())
                .collect()
        };
        let mut candidates = within(FREEZE_WINDOW_S);
        if candidates.is_empty() {
            // Hours away, only a whole number of quarter hours is a zone; anything else is
            // another backup's freeze.
            candidates = within(FREEZE_ZONE_WINDOW_S)
                .into_iter()
                .filter(|g| {
                    let d = secs(g.mid() - h.mid());
                    (d - (d / 900.0).round() * 900.0).abs() <= 5.0
                })
                .collect();
        }
        // Exactly one guest freeze near the request: otherwise the pair is ambiguous.
        if let [g] = candidates.as_slice() {
            let (lo, hi) = paired(h, g, FREEZE_DELAY);
            out.push(Interval {
                class: g.class,
                lo,
                hi,
                why: format!(
                    "guest-agent freeze: host {} ↔ guest {}: offset in [{lo:+.3}, {hi:+.3}] s",
                    h.what, g.what
                ),
            });
        }
    }
    for h in &host.starts {
        let far = || -> Option<Moment> {
            // Hours away, a boot is the start's only where the difference is a whole number
            // of quarter hours (a guest logging local time read as UTC) give or take its
            // clock's own offset and the boot's delay, and no other boot is that far.
            let candidates: Vec<&Moment> = guest
                .boots
                .iter()
                .filter(|g| near(h, g, FREEZE_ZONE_WINDOW_S, 0.0).is_some())
                .filter(|g| {
                    let d = secs(g.mid() - h.mid());
                    let quarters = (d / 900.0).round();
                    quarters != 0.0
                        && (d - quarters * 900.0).abs() <= ZONE_REMAINDER_S + BOOT_DELAY.max
                })
                .collect();
            match candidates.as_slice() {
                [g] => Some((*g).clone()),
                _ => None,
            }
        };
        if let Some(g) = nearest(h, &guest.boots, PAIR_WINDOW_S, 5.0).or_else(far) {
            let (lo, hi) = paired(h, &g, BOOT_DELAY);
            out.push(Interval {
                class: g.class,
                lo,
                hi,
                why: format!(
                    "VM start: host {} ↔ guest boot {}: offset in [{lo:+.3}, {hi:+.3}] s (the kernel starts {}–{} s after the VM)",
                    h.what, g.what, BOOT_DELAY.min, BOOT_DELAY.max
                ),
            });
        }
    }
    for h in &host.requests {
        if let Some(g) = nearest(h, &guest.requests, PAIR_WINDOW_S, 1.0) {
            let (lo, hi) = paired(h, &g, REQUEST_DELAY);
            out.push(Interval {
                class: g.class,
                lo,
                hi,
                why: format!(
                    "shutdown request: host {} ↔ guest {}: offset in [{lo:+.3}, {hi:+.3}] s",
                    h.what, g.what
                ),
            });
        }
    }
    // Kills: the guest's last record before its next boot (or at the end of its file) came
    // before the host's kill.
    for h in &host.kills {
        if let Some(g) = nearest(h, &guest.last_records, 300.0, 0.0) {
            let lo = secs(g.lo - h.hi);
            out.push(Interval {
                class: g.class,
                lo,
                hi: f64::INFINITY,
                why: format!(
                    "VM killed: host {} ↔ guest's last record {}: offset ≥ {lo:+.3} s (one-sided)",
                    h.what, g.what
                ),
            });
        }
    }
    out
}

/// The steps between consecutive segments, where every record of them gives the amount and
/// they agree within two seconds: segment → its offset minus the previous segment's.
fn links(steps: &BTreeMap<usize, Vec<Option<f64>>>) -> BTreeMap<usize, f64> {
    steps
        .iter()
        .filter_map(|(class, amounts)| {
            let known: Option<Vec<f64>> = amounts.iter().copied().collect();
            let known = known.filter(|k| !k.is_empty())?;
            let (lo, hi) = known
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                    (l.min(x), h.max(x))
                });
            (hi - lo <= 2.0).then(|| (*class, known.iter().sum::<f64>() / known.len() as f64))
        })
        .collect()
}

/// How much to add to an offset of segment `from` to get one of segment `to`, when the steps
/// between them are known.
fn shift(links: &BTreeMap<usize, f64>, from: usize, to: usize) -> Option<f64> {
    let (a, b, sign) = if from <= to {
        (from, to, 1.0)
    } else {
        (to, from, -1.0)
    };
    (a + 1..=b)
        .map(|c| links.get(&c).copied())
        .sum::<Option<f64>>()
        .map(|x| x * sign)
}

/// Intersects the intervals that speak of segment `class` (directly, or through known steps).
fn intersect(
    intervals: &[Interval],
    links: &BTreeMap<usize, f64>,
    class: usize,
    segmented: bool,
) -> Estimate {
    let mut lo = f64::NEG_INFINITY;
    let mut hi = f64::INFINITY;
    let mut evidence = Vec::new();
    for x in intervals {
        let Some(by) = shift(links, x.class, class) else {
            continue;
        };
        lo = lo.max(x.lo + by);
        hi = hi.min(x.hi + by);
        evidence.push(match (segmented, x.class == class) {
            (false, _) => x.why.clone(),
            (true, true) => format!("{} (clock segment {})", x.why, x.class),
            (true, false) => format!(
                "{} (clock segment {}; {by:+.3} s of steps to segment {class})",
                x.why, x.class
            ),
        });
    }
    if evidence.is_empty() {
        return Estimate::default();
    }
    if lo > hi {
        evidence.push(format!(
            "the pairs disagree (lower bound {lo:+.3} s above upper bound {hi:+.3} s): no offset"
        ));
        return Estimate {
            evidence,
            ..Estimate::default()
        };
    }
    let finite = |x: f64| x.is_finite().then_some((x * 1000.0).round() / 1000.0);
    if lo.is_finite() && hi.is_finite() {
        Estimate {
            offset: Some((lo + hi) / 2.0),
            error: Some((hi - lo) / 2.0),
            bounds: None,
            evidence,
        }
    } else {
        Estimate {
            bounds: Some((finite(lo), finite(hi))),
            evidence,
            ..Estimate::default()
        }
    }
}

/// Where an estimate puts the offset, to look for pairs around it.
fn centre_of(e: &Estimate) -> f64 {
    match (e.offset, e.bounds) {
        (Some(o), _) => o,
        (None, Some((Some(lo), _))) if lo > 0.0 => lo,
        (None, Some((_, Some(hi)))) if hi < 0.0 => hi,
        _ => 0.0,
    }
}

/// The offset of each clock segment of one guest (segment 0 alone when its clock never
/// stepped), and the segment of every record.
fn estimate(
    sources: &[Source<'_>],
    signals: &[Vec<Matched>],
    host: &str,
    guest: &str,
    vmid: u32,
    prior: f64,
) -> (BTreeMap<usize, Estimate>, BTreeMap<usize, Vec<usize>>) {
    let (classes, steps) = segments(sources, signals, guest);
    let host_side = host_side(sources, signals, host, vmid);
    let guest_side = guest_side(sources, signals, guest, &classes);
    let links = links(&steps);
    let segmented = !steps.is_empty();
    let all: Vec<usize> = std::iter::once(0).chain(steps.keys().copied()).collect();
    let solve = |intervals: &[Interval]| -> BTreeMap<usize, Estimate> {
        all.iter()
            .map(|&c| (c, intersect(intervals, &links, c, segmented)))
            .collect()
    };
    // First around the offset expected (none, or the host's zone that the guest's RTC keeps),
    // around none when that pairs nothing; then, when that found one, again around it: a guest
    // minutes off pairs its records only once the search looks where they are.
    let mut first = solve(&pair_up(&host_side, &guest_side, &|_| prior));
    if prior != 0.0 && first.values().all(|e| e.evidence.is_empty()) {
        first = solve(&pair_up(&host_side, &guest_side, &|_| 0.0));
    }
    let centres: BTreeMap<usize, f64> = first.iter().map(|(c, e)| (*c, centre_of(e))).collect();
    let estimates = if centres.values().any(|c| c.abs() > 30.0) {
        solve(&pair_up(&host_side, &guest_side, &|c| {
            centres.get(&c).copied().unwrap_or(0.0)
        }))
    } else {
        first
    };
    (estimates, classes)
}

/// The zone a guest's times written without one were read in, when it is its own (not the
/// manifest's, which names the collecting host's) and not UTC: seconds east of UTC at its first
/// such record, and where the zone came from.
fn own_zone(
    sources: &[Source<'_>],
    guest: &str,
    zones: &BTreeMap<String, (Zone, String)>,
) -> Option<(f64, String)> {
    let (zone, from) = zones.get(guest)?;
    let first = sources
        .iter()
        .filter(|s| s.machine == guest)
        .flat_map(|s| s.parsed.events.iter())
        .filter(|e| {
            matches!(
                e.recorded,
                RecordedTime::Local(_) | RecordedTime::Yearless { .. }
            )
        })
        .filter_map(|e| e.time)
        .min()?;
    let secs = (zone.to_local(first) - first.naive_utc()).num_seconds() as f64;
    (secs != 0.0).then(|| {
        (
            secs,
            format!("the guest's zone {} from {from}", zone.label()),
        )
    })
}

/// The host's zone that a guest's clock keeps because QEMU presents its RTC in local time.
///
/// `localtime: 1` in a VM config (and qemu-server's default for a Windows `ostype`) starts QEMU
/// with `-rtc base=localtime`: the emulated CMOS clock shows the *host's* local wall time. What
/// the guest makes of it depends on the guest:
///
/// - Windows keeps its RTC in local time, so its clock is right (that is what the setting is
///   for), and its local times are in the host's zone when, as usual, it is set to the same.
/// - A Linux guest reads the RTC as UTC (`RTC in local TZ: no`, the default): the kernel sets its
///   clock from it at boot (`rtc_cmos … setting system clock to … UTC`), so the guest's clock
///   runs ahead (east of UTC) or behind by exactly the host's UTC offset at that boot, whole
///   quarter hours, and stays so until NTP steps it (a clock step, which starts a new clock
///   segment) — journal microseconds and RFC 3339 stamps included. Logs written without a zone
///   show the host's local time, whatever the guest's zone is said to be.
/// - A Linux guest told its RTC keeps local time (`timedatectl` `RTC in local TZ: yes`) reads it
///   so, and its clock is right.
///
/// So the setting predicts the difference between the guest's times and the host's: the host's
/// UTC offset, exactly. It is taken as that (a zone read back, not an offset estimated) only
/// where the clock pairs agree, segment by segment: a guest whose clock NTP set right shows
/// none, and a clock a whole number of quarter hours off for some other reason does not borrow
/// this explanation. `Err` holds a note when the setting is on but says nothing here.
fn rtc_zone(
    sources: &[Source<'_>],
    host: &str,
    guest: &str,
    vmid: u32,
    zones: &BTreeMap<String, (Zone, String)>,
) -> Option<Result<RtcZone, String>> {
    let (config, place) = sources
        .iter()
        .filter(|s| s.machine == host)
        .flat_map(|s| s.parsed.facts.iter().map(move |f| (s, f)))
        .find_map(|(s, f)| match &f.kind {
            FactKind::VmConfig(c)
                if c.vmid == Some(vmid)
                    || (c.vmid.is_none() && c.name.as_deref() == Some(guest)) =>
            {
                Some((c, format!("{}:{}", s.path, f.line)))
            }
            _ => None,
        })?;
    let (on, why) = config.rtc_in_host_local_time();
    if !on {
        return None;
    }
    let setting = match why {
        "ostype" => format!(
            "ostype: {} in {place} (a Windows type: localtime defaults to on)",
            config.ostype.as_deref().unwrap_or_default()
        ),
        _ => format!("localtime: 1 in {place}"),
    };
    // The guest's own word that it reads the RTC as local time.
    let rtc_local = sources
        .iter()
        .filter(|s| s.machine == guest)
        .flat_map(|s| s.parsed.facts.iter().map(move |f| (s, f)))
        .find_map(|(s, f)| match &f.kind {
            FactKind::TimeZone(z) if z.rtc_local == Some(true) => {
                Some(format!("{}:{}", s.path, f.line))
            }
            _ => None,
        });
    if let Some(at) = rtc_local {
        return Some(Err(format!(
            "{setting}: QEMU presents the RTC in the host's local time, and the guest reads it so (RTC in local TZ: yes, {at}): its clock is not shifted by it"
        )));
    }
    let Some((zone, zone_from)) = zones.get(host) else {
        return Some(Err(format!(
            "{setting}: QEMU presents the RTC in the host's local time, but the host's zone is not known (pass --tz {host}=ZONE)"
        )));
    };
    // The RTC is read at boot: the host's offset then (the guest's first dated record's time).
    let first = sources
        .iter()
        .filter(|s| s.machine == guest)
        .flat_map(|s| s.parsed.events.iter())
        .filter_map(|e| e.time)
        .min()?;
    let secs = (zone.to_local(first) - first.naive_utc()).num_seconds() as f64;
    if secs == 0.0 {
        return None;
    }
    Some(Ok(RtcZone {
        secs,
        why: format!(
            "{setting}: QEMU presents the RTC in the host's local time (UTC{} in {}, from {zone_from}), which the guest read as UTC at boot",
            utc_offset(secs),
            zone.label()
        ),
        from: format!(
            "{setting}; the host's zone {} from {zone_from}",
            zone.label()
        ),
    }))
}

/// The host's zone a guest's clock keeps through its RTC (see [`rtc_zone`]).
#[derive(Clone, Debug)]
struct RtcZone {
    /// The host's UTC offset, seconds east.
    secs: f64,
    /// The explanation, for the evidence and the notes.
    why: String,
    /// Where it came from, in short.
    from: String,
}

/// Whether an estimate puts a segment's offset at the zone `zone_s`: within its error (and a
/// second) when pinned to less than half a quarter hour, or inside its one-sided bound with the
/// bound's end within half a quarter hour of it.
fn holds_zone(e: &Estimate, zone_s: f64) -> bool {
    const HALF_QUARTER: f64 = 450.0;
    match (e.offset, e.error, e.bounds) {
        (Some(o), Some(err), _) => err < HALF_QUARTER && (o - zone_s).abs() <= err + 1.0,
        (_, _, Some((lo, hi))) => {
            let within =
                lo.is_none_or(|lo| lo <= zone_s + 1.0) && hi.is_none_or(|hi| zone_s - 1.0 <= hi);
            let close = lo.is_some_and(|lo| lo > zone_s - HALF_QUARTER)
                || hi.is_some_and(|hi| hi < zone_s + HALF_QUARTER);
            within && close
        }
        _ => false,
    }
}

/// Reads the records of a guest's clock segments `held` back by the RTC's zone: a record
/// written without a zone is then read in the host's zone (`tz_derived`), one written with an
/// offset has the clock's shift removed (`clock_aligned`).
fn read_in_rtc_zone(
    sources: &mut [Source<'_>],
    guest: &str,
    rtc: &RtcZone,
    held: &[usize],
    classes: &BTreeMap<usize, Vec<usize>>,
) {
    let shift = Duration::seconds(rtc.secs as i64);
    for (i, s) in sources
        .iter_mut()
        .enumerate()
        .filter(|(_, s)| s.machine == guest)
    {
        let mut n = 0usize;
        for (k, e) in s.parsed.events.iter_mut().enumerate() {
            let class = classes.get(&i).and_then(|c| c.get(k)).copied().unwrap_or(0);
            if !held.contains(&class) || e.quality.contains(TimeFix::TaskAnchored) {
                continue;
            }
            let Some(t) = e.time else { continue };
            e.time = t.checked_sub_signed(shift);
            match e.recorded {
                RecordedTime::Local(_) | RecordedTime::Yearless { .. } => {
                    e.quality.remove(TimeFix::TzAssumed);
                    e.quality.insert(TimeFix::TzDerived);
                }
                RecordedTime::Absolute(_) => e.quality.insert(TimeFix::ClockAligned),
                _ => {}
            }
            n += 1;
        }
        if n > 0 {
            s.time_notes.push(format!(
                "zone UTC{} of the guest's clock, from {}: {n} records read back by {:+.0} s (see machines)",
                utc_offset(rtc.secs),
                rtc.from,
                rtc.secs
            ));
        }
    }
}

/// `+01:00` for 3600 s.
fn utc_offset(secs: f64) -> String {
    let minutes = (secs / 60.0).round() as i64;
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

/// How far (seconds) a guest's offset may lie from a whole number of quarter hours and still be
/// read as a zone first, the rest as its clock's offset.
const ZONE_REMAINDER_S: f64 = 120.0;

/// The zone a guest's offset is, when it is one: every dated record of the guest was written
/// without a zone (read in UTC or a zone given for the bundle, which is the host's), and the offset is a non-zero whole number of
/// quarter hours within its error (and a second) or within [`ZONE_REMAINDER_S`].
fn zone_in_offset(
    sources: &[Source<'_>],
    guest: &str,
    estimates: &BTreeMap<usize, Estimate>,
) -> Option<f64> {
    // A zone belongs to the machine: every segment with an offset must show the same one (a
    // clock an hour off until chrony stepped it is an offset of its first segment, not a zone).
    let mut zone = None;
    for e in estimates.values() {
        let (Some(o), Some(err)) = (e.offset, e.error) else {
            if e.bounds.is_some() {
                return None;
            }
            continue;
        };
        let quarters = (o / 900.0).round();
        // What is left beside the zone is the clock's own offset: within the pairs' error, or
        // the couple of minutes an unsynchronised clock drifts (a guest in New York whose
        // clock also runs 12 s slow is five hours and 12 s off).
        if quarters == 0.0
            || quarters.abs() > 14.0 * 4.0
            || (o - quarters * 900.0).abs() > (err + 1.0).max(ZONE_REMAINDER_S)
            || zone.is_some_and(|z| z != quarters)
        {
            return None;
        }
        zone = Some(quarters);
    }
    let quarters = zone?;
    let mut dated = sources
        .iter()
        .filter(|s| s.machine == guest)
        .flat_map(|s| s.parsed.events.iter())
        .filter(|e| e.time.is_some() && !e.quality.contains(TimeFix::BootRelative))
        .peekable();
    dated.peek()?;
    dated.all(zoneless).then_some(quarters * 900.0)
}

/// Whether a record's time was written without a zone (a local or yearless stamp), or placed
/// through such records (an anchored dmesg).
fn zoneless(e: &Event<'_>) -> bool {
    matches!(
        e.recorded,
        RecordedTime::Local(_) | RecordedTime::Yearless { .. } | RecordedTime::Monotonic { .. }
    )
}

/// Reads a guest's zone-less records in the zone `zone_s` seconds east of UTC.
fn read_in_zone(sources: &mut [Source<'_>], guest: &str, zone_s: f64) {
    let shift = Duration::seconds(zone_s as i64);
    for s in sources.iter_mut().filter(|s| s.machine == guest) {
        let mut n = 0;
        for e in &mut s.parsed.events {
            if let Some(t) = e.time
                && zoneless(e)
            {
                e.time = t.checked_sub_signed(shift);
                if !matches!(e.recorded, RecordedTime::Monotonic { .. }) {
                    e.quality.remove(TimeFix::TzAssumed);
                    e.quality.insert(TimeFix::TzDerived);
                }
                n += 1;
            }
        }
        if n > 0 {
            s.time_notes.push(format!(
                "zone UTC{} derived from the clock pairs with the host (the records carry none): {n} records read in it",
                utc_offset(zone_s)
            ));
        }
    }
}

/// Removes each segment's offset from the times of the guest's records (`classes` gives the
/// segment of each record; a source missing from it is all segment 0).
fn align(
    sources: &mut [Source<'_>],
    guest: &str,
    offsets: &BTreeMap<usize, f64>,
    classes: &BTreeMap<usize, Vec<usize>>,
) {
    for (i, s) in sources
        .iter_mut()
        .enumerate()
        .filter(|(_, s)| s.machine == guest)
    {
        let mut removed: BTreeMap<usize, usize> = BTreeMap::new();
        for (k, e) in s.parsed.events.iter_mut().enumerate() {
            let class = classes.get(&i).and_then(|c| c.get(k)).copied().unwrap_or(0);
            let Some(offset_s) = offsets.get(&class) else {
                continue;
            };
            if let Some(t) = e.time {
                let shift = Duration::microseconds((offset_s * 1e6).round() as i64);
                e.time = t.checked_sub_signed(shift);
                e.quality.insert(TimeFix::ClockAligned);
                *removed.entry(class).or_default() += 1;
            }
        }
        for (class, n) in removed {
            let Some(offset_s) = offsets.get(&class) else {
                continue;
            };
            s.time_notes.push(if offsets.len() == 1 && class == 0 {
                format!("clock aligned to the host: {offset_s:+.3} s removed (see machines)")
            } else {
                format!(
                    "clock aligned to the host: {offset_s:+.3} s removed from {n} records of clock segment {class} (see machines)"
                )
            });
        }
    }
}
