//! The runbook's reconstruction (its Phase 4.1): what was running, when pressure started, the
//! trigger, and the recovery.
//!
//! A postmortem tells the incident as a story: a backup and an upgrade were running on the host,
//! memory warnings began at 10:02, the kernel killed VM 101's `kvm` at 10:05, and `qmstart`
//! brought it back at 10:09 (four minutes down) — or it did not come back within the logs. The
//! verdict already says *why*; this says *in what order*, once, so `diagnose` and every report
//! tell the same story.
//!
//! It reads the verdict (its finding's time is the trigger's, never recomputed) and the signal
//! index: activities and pressure are signals in a window before the trigger, the recovery the
//! first restart of an affected VM after it. [`plan`] works on the index alone (unit-tested
//! against a hand-built one); [`reconstruct`] quotes the records it cites.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{Diagnosis, Outcome};
use crate::analysis::Analysis;
use crate::event::{Role, rfc3339};
use crate::evidence::{self, Evidence};
use crate::index::{Entry, SignalIndex};
use crate::signals::SignalKind;

/// How far before the trigger activities and pressure are looked for: the activity rule's own
/// reach (a backup or upgrade in the two hours before a kill).
pub const LOOKBACK: Duration = Duration::hours(2);

/// A pause longer than this between two pressure warnings starts a new episode.
pub const EPISODE_GAP: Duration = Duration::minutes(30);

/// Most activities listed (the latest ones before the trigger).
pub const MAX_ACTIVITIES: usize = 10;

/// Whether the VM came back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recovery {
    /// A restart of the VM (or the host) follows the trigger in the logs.
    Recovered,
    /// Nothing in the logs shows the VM running again.
    NotRecovered,
    /// Nothing stopped (a service was killed inside a running VM, or no stop at all).
    NotApplicable,
    /// No trigger to start from.
    #[default]
    Unknown,
}

/// One record of the reconstruction: what it shows, where it was written, and the record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// The signal it carries (`backup`, `oom_killed`, `scope_started`…).
    pub kind: &'static str,
    /// The role of the machine that wrote it.
    pub role: Role,
    /// That machine.
    pub machine: String,
    /// The record, quoted.
    #[serde(flatten)]
    pub evidence: Evidence,
}

/// The reconstruction of the verdict's incident (DESIGN.md §2 `reconstruction`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Reconstruction {
    /// Activities (backups, tasks, upgrades, transfers, freezes) on host and guests in the two
    /// hours before the trigger, oldest first.
    pub activities: Vec<Step>,
    /// When the episode's first memory, disk or thermal warning was written.
    pub pressure_start: Option<String>,
    /// That warning.
    pub pressure: Option<Step>,
    /// The record the verdict stands on, at the incident's time.
    pub trigger: Option<Step>,
    /// Whether the VM came back.
    pub recovery: Recovery,
    /// When the VM (or the host) ran again.
    pub recovered_at: Option<String>,
    /// The record that shows it.
    pub recovered_by: Option<Step>,
    /// Seconds from the trigger to the recovery.
    pub downtime_s: Option<f64>,
}

/// The reconstruction before quoting: positions in the index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Activities, oldest first.
    pub activities: Vec<usize>,
    /// The episode's first pressure warning.
    pub pressure: Option<usize>,
    /// The recovery record.
    pub recovered_by: Option<usize>,
    /// Whether the VM came back.
    pub recovery: Recovery,
}

/// Whether a signal is an activity that can load a machine (the runbook's "what was running").
fn is_activity(kind: &SignalKind) -> bool {
    match kind {
        SignalKind::Backup { phase, .. } => *phase != "end",
        SignalKind::TaskStart { task, .. } => !matches!(
            task.as_str(),
            "qmstart" | "qmstop" | "qmshutdown" | "qmreboot" | "vzstart" | "vzstop" | "vzshutdown"
        ),
        SignalKind::PackageUpgrade
        | SignalKind::LargeTransfer
        | SignalKind::GuestFsFreeze
        | SignalKind::GuestAgentFreeze => true,
        _ => false,
    }
}

/// Whether a signal is a memory, disk or thermal warning (the runbook's "when pressure started").
fn is_pressure(kind: &SignalKind) -> bool {
    matches!(
        kind,
        SignalKind::OomInvoked { .. }
            | SignalKind::OomConstraint { .. }
            | SignalKind::OomKilled { .. }
            | SignalKind::ScopeOomKilled { .. }
            | SignalKind::NoSpace
            | SignalKind::ThinPoolFull
            | SignalKind::BlockIoError { .. }
            | SignalKind::FsError
            | SignalKind::ZfsError
            | SignalKind::ZfsSuspended
            | SignalKind::IoErrorPause
            | SignalKind::ThermalThrottle
            | SignalKind::ThermalShutdown
            | SignalKind::MachineCheckNotice
            | SignalKind::EdacCorrected
    )
}

/// Whether a signal shows the VM (one of `vmids`, any VM when empty) or, after a host reset, the
/// host running again.
fn is_restart(e: &Entry, vmids: &[u32], outcome: Outcome) -> bool {
    let named = |v: &u32| vmids.is_empty() || vmids.contains(v);
    match &e.kind {
        SignalKind::ScopeStarted { vmid } => named(vmid),
        SignalKind::TaskStart {
            task,
            vmid: Some(vmid),
            ..
        } => task == "qmstart" && named(vmid),
        SignalKind::KernelBoot => match e.role {
            Role::Guest => e.vmid.is_none_or(|v| named(&v)),
            Role::Host => outcome == Outcome::HostReset,
            Role::Unknown => false,
        },
        _ => false,
    }
}

/// The reconstruction around `trigger` (the verdict's time) over the signal index.
pub fn plan(
    index: &SignalIndex,
    trigger: Option<DateTime<Utc>>,
    outcome: Outcome,
    vmids: &[u32],
) -> Plan {
    let Some(t) = trigger else {
        return Plan::default();
    };
    let entries = index.entries();
    let before: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            entries[i]
                .time
                .is_some_and(|time| time <= t && time >= t - LOOKBACK)
        })
        .collect();

    // Tasks that ended before the trigger, and when each VM's backups ended: an activity that
    // was over by then was not running at it (a migration an hour earlier, a finished backup).
    let mut ended_tasks = std::collections::BTreeSet::new();
    let mut backup_ends: std::collections::BTreeMap<Option<u32>, Vec<DateTime<Utc>>> =
        std::collections::BTreeMap::new();
    // Every backup's end, whatever its VM: a guest's freeze belongs to the backup around it.
    let mut any_backup_end: Vec<DateTime<Utc>> = Vec::new();
    for &i in &before {
        let time = entries[i].time;
        match &entries[i].kind {
            SignalKind::TaskEnd { upid, task, .. } => {
                ended_tasks.insert(upid.as_str());
                if task == "vzdump" {
                    any_backup_end.extend(time);
                }
            }
            SignalKind::Backup { phase: "end", vmid } => {
                if let Some(time) = time {
                    backup_ends.entry(*vmid).or_default().push(time);
                    any_backup_end.push(time);
                }
            }
            _ => {}
        }
    }
    let over = |i: usize| match &entries[i].kind {
        SignalKind::TaskStart { upid, .. } => ended_tasks.contains(upid.as_str()),
        // A transfer or an upgrade a task logged (a migration's `transferred …`) was over when
        // its task was.
        SignalKind::LargeTransfer | SignalKind::PackageUpgrade => index
            .task_of(&entries[i])
            .is_some_and(|upid| ended_tasks.contains(upid)),
        SignalKind::Backup { vmid, .. } => entries[i].time.is_some_and(|start| {
            backup_ends
                .get(vmid)
                .is_some_and(|ends| ends.iter().any(|end| *end >= start))
        }),
        SignalKind::GuestAgentFreeze | SignalKind::GuestFsFreeze => entries[i]
            .time
            .is_some_and(|freeze| any_backup_end.iter().any(|end| *end >= freeze)),
        _ => false,
    };
    // The first record of each activity (a backup writes many lines; its start is what counts).
    let mut seen = std::collections::BTreeSet::new();
    let mut activities: Vec<usize> = before
        .iter()
        .copied()
        .filter(|&i| is_activity(&entries[i].kind) && !over(i))
        .filter(|&i| {
            let e = &entries[i];
            let what = match &e.kind {
                SignalKind::TaskStart { upid, .. } => upid.clone(),
                other => other.name().to_string(),
            };
            seen.insert((e.machine, what))
        })
        .collect();
    if activities.len() > MAX_ACTIVITIES {
        activities.drain(..activities.len() - MAX_ACTIVITIES);
    }

    // Walk back from the trigger while the warnings keep coming.
    let mut pressure = None;
    let mut next = t;
    for &i in before.iter().rev() {
        let e = &entries[i];
        let Some(time) = e.time else { continue };
        if !is_pressure(&e.kind) {
            continue;
        }
        if next - time > EPISODE_GAP {
            break;
        }
        pressure = Some(i);
        next = time;
    }

    let (recovery, recovered_by) = match outcome {
        Outcome::None | Outcome::ServiceKilled => (Recovery::NotApplicable, None),
        _ => match (0..entries.len()).find(|&i| {
            entries[i].time.is_some_and(|time| time > t) && is_restart(&entries[i], vmids, outcome)
        }) {
            Some(i) => (Recovery::Recovered, Some(i)),
            None => (Recovery::NotRecovered, None),
        },
    };
    Plan {
        activities,
        pressure,
        recovered_by,
        recovery,
    }
}

/// The reconstruction of a diagnosis's verdict, its records quoted from the analysis.
pub fn reconstruct(analysis: &Analysis<'_>, index: &SignalIndex, d: &Diagnosis) -> Reconstruction {
    let chosen = d.findings.first().filter(|x| x.family == d.verdict.family);
    let trigger_time = chosen.and_then(|x| x.time);
    let plan = plan(
        index,
        trigger_time,
        d.verdict.outcome,
        &d.verdict.affected_vms,
    );
    let step = |i: usize| -> Option<Step> {
        let e = index.entries().get(i)?;
        let evidence = evidence::cite_primary(analysis, e.cite(), e.time)?;
        Some(Step {
            kind: e.kind.name(),
            role: e.role,
            machine: index.machine(e).map(|m| m.name.clone()).unwrap_or_default(),
            evidence,
        })
    };
    // The trigger is the verdict's own record at the incident's time (its first otherwise).
    let trigger = chosen.and_then(|x| {
        let at = trigger_time.map(rfc3339);
        let ev = x
            .evidence
            .iter()
            .find(|e| at.is_some() && e.time == at)
            .or_else(|| x.evidence.first())?;
        let (role, machine) = analysis
            .sources
            .iter()
            .find(|s| s.path == ev.source)
            .map_or((Role::Unknown, String::new()), |s| {
                (s.role, s.machine.clone())
            });
        Some(Step {
            kind: ev.signal,
            role,
            machine,
            evidence: ev.clone(),
        })
    });
    let recovered_by = plan.recovered_by.and_then(step);
    let recovered_time = plan
        .recovered_by
        .and_then(|i| index.entries().get(i))
        .and_then(|e| e.time);
    let downtime_s = match (trigger_time, recovered_time) {
        (Some(a), Some(b)) => Some((b - a).num_milliseconds() as f64 / 1000.0),
        _ => None,
    };
    let pressure = plan.pressure.and_then(step);
    Reconstruction {
        activities: plan.activities.iter().filter_map(|&i| step(i)).collect(),
        pressure_start: pressure.as_ref().and_then(|p| p.evidence.time.clone()),
        pressure,
        trigger,
        recovery: if trigger_time.is_none() && chosen.is_none() {
            Recovery::Unknown
        } else {
            plan.recovery
        },
        recovered_at: recovered_time.map(rfc3339),
        recovered_by,
        downtime_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::{Kit, at, constraint, kill, task_start};

    /// A live migration's `transferred …` line in the migration's task log: listed as running
    /// while the task runs, not once the task ended before the trigger.
    #[test]
    fn a_task_logs_transfer_is_over_when_its_task_is() {
        const MIG: &str = "pve:00031A2B:05124C7E:67CEF2C8:qmigrate:102:root@pam";
        for (ended, listed) in [(true, 0), (false, 1)] {
            let mut kit = Kit::new();
            kit.host(-30, SignalKind::LargeTransfer);
            if ended {
                kit.host(
                    -29,
                    crate::diagnose::context::testkit::task_end("qmigrate", Some(102), MIG, true),
                );
            }
            kit.host(0, constraint(Some(101), 7))
                .host(0, kill(7, "kvm"));
            let mut index = kit.index();
            index.set_task_log(0, MIG);
            let p = plan(&index, Some(at(0)), Outcome::VmStopped, &[101]);
            assert_eq!(p.activities.len(), listed, "ended: {ended}");
        }
    }

    #[test]
    fn a_backup_then_warnings_then_a_kill_then_qmstart() {
        let mut kit = Kit::new();
        kit.host(-200, SignalKind::PackageUpgrade)
            .host(-60, task_start("vzdump", Some(101), "UPID:a"))
            .host(-59, task_start("vzdump", Some(101), "UPID:a"))
            .host(-90, SignalKind::NoSpace)
            .host(
                -10,
                SignalKind::OomInvoked {
                    invoker: "kvm".into(),
                },
            )
            .host(0, constraint(Some(101), 7))
            .host(0, kill(7, "kvm"))
            .host(4, task_start("qmstart", Some(101), "UPID:b"))
            .guest(101, 5, SignalKind::KernelBoot);
        let index = kit.index();
        let p = plan(&index, Some(at(0)), Outcome::VmStopped, &[101]);
        let e = index.entries();
        // The upgrade is older than the look-back; the backup is listed once.
        assert_eq!(p.activities.len(), 1);
        assert_eq!(e[p.activities[0]].time, Some(at(-60)));
        // The disk warning 80 minutes before is another episode: pressure starts at -10.
        assert_eq!(p.pressure.map(|i| e[i].time), Some(Some(at(-10))));
        assert_eq!(p.recovery, Recovery::Recovered);
        assert_eq!(p.recovered_by.map(|i| e[i].time), Some(Some(at(4))));
    }

    #[test]
    fn an_activity_over_before_the_trigger_was_not_running() {
        use crate::diagnose::context::testkit::task_end;
        let mut kit = Kit::new();
        kit.host(-90, task_start("qmigrate", Some(101), "UPID:m"))
            .host(-89, task_end("qmigrate", Some(101), "UPID:m", true))
            .host(
                -50,
                SignalKind::Backup {
                    phase: "start",
                    vmid: Some(102),
                },
            )
            .host(
                -40,
                SignalKind::Backup {
                    phase: "end",
                    vmid: Some(102),
                },
            )
            .host(-45, SignalKind::GuestAgentFreeze)
            .host(-20, task_start("vzdump", Some(103), "UPID:v"))
            .host(-19, SignalKind::GuestAgentFreeze)
            .host(0, kill(7, "kvm"));
        let index = kit.index();
        let p = plan(&index, Some(at(0)), Outcome::VmStopped, &[101]);
        let e = index.entries();
        // Only the backup task still running at the kill, and its freeze; the finished
        // backup's freeze is over too.
        let times: Vec<_> = p.activities.iter().map(|&i| e[i].time).collect();
        assert_eq!(times, [Some(at(-20)), Some(at(-19))]);
    }

    #[test]
    fn no_restart_is_not_recovered_and_a_killed_service_needs_none() {
        let mut kit = Kit::new();
        kit.host(0, kill(7, "kvm"))
            .host(3, task_start("qmstart", Some(102), "UPID:c"));
        let index = kit.index();
        let p = plan(&index, Some(at(0)), Outcome::VmStopped, &[101]);
        assert_eq!(p.recovery, Recovery::NotRecovered);
        assert_eq!(p.recovered_by, None);
        let p = plan(&index, Some(at(0)), Outcome::ServiceKilled, &[101]);
        assert_eq!(p.recovery, Recovery::NotApplicable);
        assert_eq!(plan(&index, None, Outcome::VmStopped, &[]), Plan::default());
    }
}
