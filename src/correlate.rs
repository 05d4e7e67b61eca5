//! Correlation: which guest is which VM on which host, and how far the guest's clock is off.
//!
//! **Identity.** A guest machine gets its VMID from its path (`guest/101-web/`) or, failing that,
//! from the host's snapshots (`qm list` rows, `name:` of a VM config) matched by name; its host is
//! the bundle's only host, or the host whose logs name that VMID (`101.scope`, `tap101i0`,
//! `qmstart:101`).
//!
//! **Clock offset** (guest clock minus host clock, DESIGN.md §2) is bounded by paired events,
//! each giving an interval for the offset:
//! - the host's vzdump asks the guest agent to freeze (`issuing guest-agent 'fs-freeze'
//!   command`) and the guest agent logs `guest-fsfreeze called`: the same moment, ± 2 s;
//! - the host starts the VM (`qmstart` task, `Started <vmid>.scope`) and the guest's kernel boots
//!   0–30 s later (BIOS and boot loader);
//! - the host kills or stops the VM, and the guest's last record before its next boot came
//!   before that (a one-sided bound).
//!
//! The intersection of the intervals is the estimate (its middle) with an error bound (half its
//! width). It is applied to the guest's records, marked `clock_aligned`, only when both sides
//! are bounded, the error is at most [`MAX_APPLIED_ERROR_S`] and larger than zero can explain
//! (|offset| > error); otherwise it is reported, not applied. `--clock-offset MACHINE=±DUR` sets an offset by hand; `--no-align` turns alignment
//! off.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::event::{Event, RecordedTime, Role, TimeFix};
use crate::facts::FactKind;
use crate::signals::{Matched, SignalKind};
use crate::source::Source;

/// Offsets with a larger error are reported but not applied.
pub const MAX_APPLIED_ERROR_S: f64 = 5.0;
/// Longest time from the host starting a VM to the guest kernel's first record.
const BOOT_DELAY_S: f64 = 30.0;
/// How close the two sides of a guest-agent freeze are.
const FREEZE_SLACK_S: f64 = 2.0;

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
    /// The pairs and facts that justify the identity and the offset.
    pub evidence: Vec<String>,
}

/// A moment seen on one side of a pair.
#[derive(Clone, Debug)]
struct Moment {
    time: DateTime<Utc>,
    what: String,
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
                evidence: Vec::new(),
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
        let (offset, error, bounds, evidence) = match manual {
            Some(o) => (
                Some(o),
                Some(0.0),
                None,
                vec![format!("set by --clock-offset: {o:+.3} s")],
            ),
            None => match (&m.host, m.vmid) {
                (Some(host), Some(vmid)) => estimate(sources, signals, host, name, vmid),
                _ => (None, None, None, Vec::new()),
            },
        };
        // Applied when the pairs pin the offset down and show the clocks differ: an offset
        // whose error interval holds zero is reported, and the guest's own times are kept.
        let pinned = matches!((offset, error), (Some(o), Some(e)) if e <= MAX_APPLIED_ERROR_S && o.abs() > e);
        let apply = !opts.disabled && offset.is_some() && (manual.is_some() || pinned);
        if apply && let Some(o) = offset {
            align(sources, name, o);
        }
        if let Some(entry) = machines.get_mut(name) {
            entry.clock_offset_s = offset.map(|o| (o * 1000.0).round() / 1000.0);
            entry.clock_offset_error_s = error.map(|e| (e * 1000.0).round() / 1000.0);
            entry.clock_offset_bounds_s = bounds;
            entry.aligned = apply;
            entry.evidence.extend(evidence);
            if !apply
                && !opts.disabled
                && let (Some(o), Some(e)) = (offset, error)
            {
                entry.evidence.push(if e > MAX_APPLIED_ERROR_S {
                    format!("not applied: the error exceeds {MAX_APPLIED_ERROR_S} s")
                } else {
                    format!("not applied: {o:+.3} s ± {e:.3} s is consistent with no offset")
                });
            }
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

/// Offset, error, one-sided bounds and evidence for one guest.
type Estimate = (
    Option<f64>,
    Option<f64>,
    Option<(Option<f64>, Option<f64>)>,
    Vec<String>,
);

/// Intersects the intervals the paired events give.
fn estimate(
    sources: &[Source<'_>],
    signals: &[Vec<Matched>],
    host: &str,
    guest: &str,
    vmid: u32,
) -> Estimate {
    let (mut starts, mut kills, mut freezes_host) = (Vec::new(), Vec::new(), Vec::new());
    for (s, matched) in sources
        .iter()
        .zip(signals)
        .filter(|(s, _)| s.machine == host)
    {
        // The kvm pid the kernel's `oom-kill:` line names for this VM, and the vzdump worker
        // (pid) whose backup of this VM is under way: the kill and freeze lines name neither.
        let mut killed_pid: Option<u32> = None;
        let mut backing_up: BTreeMap<u32, bool> = BTreeMap::new();
        for group in matched.chunk_by(|a, b| a.event == b.event) {
            let Some(e) = group
                .first()
                .and_then(|m| s.parsed.events.get(m.event as usize))
            else {
                continue;
            };
            let Some(t) = e.time else { continue };
            let moment = || Moment {
                time: t,
                what: describe(s, e),
            };
            let (mut start, mut kill, mut freeze) = (false, false, false);
            for m in group {
                match &m.kind {
                    SignalKind::OomConstraint { vmid: v, pid, .. } => {
                        killed_pid = if *v == Some(vmid) { *pid } else { None };
                    }
                    SignalKind::Backup { phase, vmid: v } => match (*phase, e.pid) {
                        ("start", Some(pid)) if v.is_some() => {
                            backing_up.insert(pid, *v == Some(vmid));
                        }
                        ("end", Some(pid)) => {
                            backing_up.remove(&pid);
                        }
                        _ => {}
                    },
                    SignalKind::OomKilled { pid, comm, .. } => {
                        kill |= comm == "kvm" && pid.is_some() && *pid == killed_pid;
                    }
                    SignalKind::TaskStart { task, vmid: v, .. } if *v == Some(vmid) => {
                        start |= task == "qmstart";
                        kill |= task == "qmstop";
                    }
                    SignalKind::ScopeStarted { vmid: v } => start |= *v == vmid,
                    SignalKind::ScopeOomKilled { vmid: v }
                    | SignalKind::ScopeFailed { vmid: v, .. } => {
                        kill |= *v == vmid;
                    }
                    SignalKind::GuestAgentFreeze => {
                        freeze |= e.pid.and_then(|p| backing_up.get(&p).copied()) == Some(true);
                    }
                    _ => {}
                }
            }
            if start {
                starts.push(moment());
            } else if kill {
                kills.push(moment());
            } else if freeze {
                freezes_host.push(moment());
            }
        }
    }
    let (mut boots, mut freezes_guest, mut last_before_boot) = (Vec::new(), Vec::new(), Vec::new());
    for (s, matched) in sources
        .iter()
        .zip(signals)
        .filter(|(s, _)| s.machine == guest)
    {
        let kinds_of = |k: usize| {
            let from = matched.partition_point(|m| (m.event as usize) < k);
            matched[from..]
                .iter()
                .take_while(move |m| m.event as usize == k)
                .map(|m| &m.kind)
        };
        let mut previous: Option<Moment> = None;
        let mut events: Vec<(usize, &Event<'_>)> = s
            .parsed
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.time.is_some())
            .collect();
        events.sort_by_key(|(_, e)| e.time);
        for (k, e) in events {
            let Some(t) = e.time else { continue };
            let moment = Moment {
                time: t,
                what: describe(s, e),
            };
            let boot_line = e.ident == Some(b"kernel")
                && kinds_of(k).any(|kind| *kind == SignalKind::KernelBoot)
                && !e.quality.contains(TimeFix::BootRelative);
            if boot_line {
                // The kernel's first record is the boot itself when its clock is the printk
                // clock (dmesg anchored, or an imklog line with its uptime).
                let boot_time = match (e.recorded, e.uptime_us) {
                    (_, Some(up)) => t - Duration::microseconds(i64::try_from(up).unwrap_or(0)),
                    (RecordedTime::Monotonic { micros }, _) => {
                        t - Duration::microseconds(i64::try_from(micros).unwrap_or(0))
                    }
                    _ => t,
                };
                boots.push(Moment {
                    time: boot_time,
                    what: moment.what.clone(),
                });
                if let Some(p) = previous.take() {
                    last_before_boot.push(p);
                }
            } else if kinds_of(k).any(|kind| *kind == SignalKind::GuestFsFreeze) {
                freezes_guest.push(moment.clone());
            }
            if !boot_line {
                previous = Some(moment);
            }
        }
    }
    let mut lo = f64::NEG_INFINITY;
    let mut hi = f64::INFINITY;
    let mut evidence = Vec::new();
    let mut narrow = |l: f64, h: f64, why: String| {
        lo = lo.max(l);
        hi = hi.min(h);
        evidence.push(why);
    };
    // Freezes: pair each host request with the nearest guest freeze within a minute.
    for h in &freezes_host {
        let candidates: Vec<&Moment> = freezes_guest
            .iter()
            .filter(|g| (g.time - h.time).num_seconds().abs() <= 60)
            .collect();
        // Exactly one guest freeze near the request: otherwise the pair is ambiguous.
        if let [g] = candidates.as_slice() {
            let d = secs(g.time - h.time);
            narrow(
                d - FREEZE_SLACK_S,
                d + FREEZE_SLACK_S,
                format!(
                    "guest-agent freeze: host {} ↔ guest {}: offset {d:+.3} s ± {FREEZE_SLACK_S} s",
                    h.what, g.what
                ),
            );
        }
    }
    // Starts: the first guest boot at or after each start (in guest time, within two minutes).
    for h in &starts {
        if let Some(g) = boots
            .iter()
            .filter(|g| (g.time - h.time).num_seconds().abs() <= 120)
            .min_by_key(|g| (g.time - h.time).num_milliseconds().abs())
        {
            let d = secs(g.time - h.time);
            narrow(
                d - BOOT_DELAY_S,
                d,
                format!(
                    "VM start: host {} ↔ guest boot {}: offset in [{:+.3}, {d:+.3}] s",
                    h.what,
                    g.what,
                    d - BOOT_DELAY_S
                ),
            );
        }
    }
    // Kills: the guest's last record before its next boot came before the host's kill.
    for h in &kills {
        if let Some(g) = last_before_boot
            .iter()
            .filter(|g| (g.time - h.time).num_seconds().abs() <= 300)
            .min_by_key(|g| (g.time - h.time).num_milliseconds().abs())
        {
            let d = secs(g.time - h.time);
            narrow(
                d,
                f64::INFINITY,
                format!(
                    "VM killed: host {} ↔ guest's last record {}: offset ≥ {d:+.3} s",
                    h.what, g.what
                ),
            );
        }
    }
    if evidence.is_empty() {
        return (None, None, None, evidence);
    }
    if lo > hi {
        evidence.push(format!(
            "the pairs disagree (lower bound {lo:+.3} s above upper bound {hi:+.3} s): no offset"
        ));
        return (None, None, None, evidence);
    }
    let finite = |x: f64| x.is_finite().then_some((x * 1000.0).round() / 1000.0);
    if lo.is_finite() && hi.is_finite() {
        (
            (Some((lo + hi) / 2.0)),
            Some((hi - lo) / 2.0),
            None,
            evidence,
        )
    } else {
        (None, None, Some((finite(lo), finite(hi))), evidence)
    }
}

/// Removes `offset_s` from the times of the guest's records.
fn align(sources: &mut [Source<'_>], guest: &str, offset_s: f64) {
    let shift = Duration::microseconds((offset_s * 1e6).round() as i64);
    for s in sources.iter_mut().filter(|s| s.machine == guest) {
        for e in &mut s.parsed.events {
            if let Some(t) = e.time {
                e.time = t.checked_sub_signed(shift);
                e.quality.insert(TimeFix::ClockAligned);
            }
        }
        s.time_notes.push(format!(
            "clock aligned to the host: {offset_s:+.3} s removed (see machines)"
        ));
    }
}
