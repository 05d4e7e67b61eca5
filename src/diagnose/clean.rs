//! clean_shutdown: an operator (a `qmshutdown`/`qmstop`/`qmreboot` task, a stop command at a
//! pasted shell prompt), the host's service that stops its guests, or the guest itself (ACPI
//! power button, systemd's shutdown sequence) stopped the VM in order; a later unclean restart of
//! the same guest outweighs it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::context::{Context, find, finding, incident_episode};
use super::{Family, Finding, Outcome};
use crate::event::Role;
use crate::index::Entry;
use crate::signals::{SignalKind, StopBy};

/// How long before a scope's end a live migration of its VM may have started and still be
/// what ended it: a large VM's memory copy over a slow link takes hours.
const MIGRATION_MAX_H: i64 = 12;

/// How long (minutes) before the guest notices its unclean journal its kernel may have booted:
/// journald renames the file within a minute or two of the boot's start.
const HARD_STOP_BOOT_MIN: i64 = 5;

/// Whether a VM's scope ended on a node because the VM was live-migrated away from it: a
/// `qmigrate` task of the same VM, on the same node, started before the scope ended and not
/// ended before it. The source's QEMU exits in order once the target runs the VM (the task then
/// logs `migration finished successfully` and ends), so its scope's end is a handover, not a
/// stop: the VM keeps its VMID and runs on the other node.
pub(super) fn migrated_away(f: &Context<'_>, s: &Entry) -> bool {
    let (SignalKind::ScopeDeactivated { vmid } | SignalKind::VmCleanup { vmid }, Some(t)) =
        (&s.kind, f.time(s))
    else {
        return false;
    };
    f.signals().any(|m| match (&m.kind, f.time(m)) {
        (
            SignalKind::TaskStart {
                task,
                upid,
                vmid: Some(v),
            },
            Some(start),
        ) => {
            task == "qmigrate"
                && v == vmid
                && m.machine == s.machine
                && start <= t
                && t - start <= chrono::Duration::hours(MIGRATION_MAX_H)
                // An end at the start itself is the task log's undated `TASK OK`, placed at
                // the task's start for want of a time: it does not say when the task ended.
                && !f.task_ended_between(upid, Some(start + chrono::Duration::milliseconds(1)), t)
        }
        _ => false,
    })
}

/// clean_shutdown: an operator or guest asked for the stop.
pub fn clean(f: &Context<'_>) -> Option<Finding> {
    let mut tasks: Vec<&Entry> = find(f, |k| {
        matches!(k, SignalKind::TaskStart { task, .. } | SignalKind::TaskEnd { task, .. }
            if crate::signals::is_guest_stop_task(task) || task == "stopall")
    });
    // A stop task that ended in error did not stop its VM (`VM quit/powerdown failed - got
    // timeout`: the guest ignored the request; a forced stop ends `OK` or with warnings).
    tasks.retain(|s| match &s.kind {
        SignalKind::TaskStart { upid, .. } | SignalKind::TaskEnd { upid, .. } => {
            !f.task_failed(upid)
        }
        _ => true,
    });
    let guest_seq: Vec<&Entry> = f
        .signals()
        .filter(|s| {
            f.role(s) != Role::Host
                && matches!(s.kind, SignalKind::PowerKey | SignalKind::ShutdownSequence)
        })
        .collect();
    // The node's service stopping every guest (`stopall`, `Stopping pve-guests.service`) that
    // found none running (the operator had stopped or migrated them all away before a reboot)
    // stopped nothing.
    tasks.retain(|s| !stopped_no_guest(f, s));
    let mut orderly = find(f, |k| matches!(k, SignalKind::OrderlyStop { .. }));
    orderly.retain(|s| !stopped_no_guest(f, s));
    let mut deactivated = find(f, |k| matches!(k, SignalKind::ScopeDeactivated { .. }));
    deactivated.retain(|s| !migrated_away(f, s));
    let terminated = find(f, |k| matches!(k, SignalKind::QemuTerminated));
    let (confidence, title, indirect) = if !tasks.is_empty() {
        let vm = tasks.iter().find_map(|s| match &s.kind {
            // `pve-guests` stopping every guest as the node shuts down or reboots.
            SignalKind::TaskStart { task, .. } | SignalKind::TaskEnd { task, .. }
                if task == "stopall" =>
            {
                Some("stopall (every guest, as the node shut down)".to_string())
            }
            SignalKind::TaskStart { task, vmid, .. } | SignalKind::TaskEnd { task, vmid, .. } => {
                let what = if task.starts_with("vz") {
                    "container"
                } else {
                    "VM"
                };
                Some(format!(
                    "{task} of {what} {}",
                    vmid.map_or("?".to_string(), |v| v.to_string())
                ))
            }
            _ => None,
        });
        // A reboot brought the VM back: an orderly restart, weaker than a stop that left it
        // down beside another cause.
        let reboots = tasks.iter().all(|s| {
            matches!(&s.kind, SignalKind::TaskStart { task, .. } | SignalKind::TaskEnd { task, .. } if task.ends_with("reboot"))
        });
        if reboots {
            (
                REBOOT_TASK,
                format!(
                    "the VM was restarted in order by a Proxmox task: {}",
                    vm.unwrap_or_default()
                ),
                false,
            )
        } else {
            (
                0.85,
                format!(
                    "the VM was stopped by a Proxmox task: {}",
                    vm.unwrap_or_default()
                ),
                false,
            )
        }
    } else if !orderly.is_empty() {
        let (by, hard) = orderly.iter().find_map(|s| match s.kind {
            SignalKind::OrderlyStop { by, hard, .. } => Some((by, hard)),
            _ => None,
        })?;
        let title = match (by, hard) {
            (StopBy::Operator, true) => {
                "an operator's command stopped it on purpose (a hard stop: the guest was not asked to shut down)"
            }
            (StopBy::Operator, false) => "an operator's command shut it down",
            (StopBy::Host, _) => {
                "the host stopped it on purpose (its management layer, or its UPS monitor shutting down)"
            }
            (StopBy::Guest, _) => "the guest powered itself off in order, as its host saw it",
            (StopBy::Ups, _) => {
                "the machine's UPS monitor shut it down in order as the battery ran out"
            }
        };
        // An operator's command read from a paste has no time: it may as well be what was typed
        // afterwards, to recover. Beside another cause it says little.
        let undated_commands_only = orderly.iter().all(|s| {
            matches!(
                s.kind,
                SignalKind::OrderlyStop {
                    by: StopBy::Operator,
                    ..
                }
            ) && f.time(s).is_none()
        });
        let other_cause = f.signals().any(|s| is_cause(&s.kind));
        if undated_commands_only && other_cause {
            (
                UNDATED_COMMAND_BESIDE_A_CAUSE,
                format!(
                    "{title} (the command has no time: it may have been typed afterwards, to recover)"
                ),
                true,
            )
        } else {
            (0.8, title.to_string(), false)
        }
    } else if guest_seq
        .iter()
        .any(|s| matches!(s.kind, SignalKind::PowerKey))
    {
        (
            0.8,
            "the guest got an ACPI power-button press and shut down in order".to_string(),
            false,
        )
    } else if !guest_seq.is_empty() {
        (
            0.7,
            "the guest went through an orderly shutdown sequence (its init's, or Windows' power-off)".to_string(),
            false,
        )
    } else if !terminated.is_empty() {
        (
            0.7,
            "QEMU ended on a signal another process sent it (the host's toolstack or an operator stopping the VM)".to_string(),
            false,
        )
    } else if !deactivated.is_empty() {
        (
            0.6,
            "the VM's scope ended without error on the host".to_string(),
            true,
        )
    } else {
        return None;
    };
    deactivated.extend(terminated);
    let mut x = finding(Family::CleanShutdown, confidence, title);
    // A UPS monitor shuts down the machine it runs on: a host's reset, or its guest's stop.
    let ups = orderly.iter().find(|s| {
        matches!(
            s.kind,
            SignalKind::OrderlyStop {
                by: StopBy::Ups,
                ..
            }
        )
    });
    x.outcome = match ups.map(|s| f.role(s)) {
        Some(Role::Host | Role::Unknown) => Outcome::HostReset,
        _ => Outcome::VmStopped,
    };
    x.indirect_only = indirect;
    // A later unclean restart of the guest is the incident, not this orderly stop.
    let latest_clean = tasks
        .iter()
        .chain(orderly.iter())
        .chain(guest_seq.iter())
        .chain(deactivated.iter())
        .filter_map(|s| f.time(s))
        .max();
    let clean_vms: BTreeSet<u32> = cited_vmids(f, &tasks, &orderly, &guest_seq, &deactivated);
    // A hard stop (`qm stop`, `pct stop`) gives the guest no shutdown: the boot after it finds
    // its journal unclean, which is that stop's mark, not a later unclean restart. Not after an
    // orderly shutdown of the VM failed in the hour before: that stop ended a hung guest.
    // Read once: the failed orderly stops (a VM's, or any `StopFailed`) and each guest's boots.
    let mut failed_stops: Vec<(Option<u32>, DateTime<Utc>)> = Vec::new();
    let mut guest_boots: BTreeMap<u32, Vec<DateTime<Utc>>> = BTreeMap::new();
    for s in f.signals() {
        let Some(t) = f.time(s) else { continue };
        match &s.kind {
            SignalKind::StopFailed => failed_stops.push((None, t)),
            SignalKind::TaskStart {
                task,
                vmid: Some(v),
                upid,
            } if task != "qmstop" && task != "vzstop" && f.task_failed(upid) => {
                failed_stops.push((Some(*v), t));
            }
            SignalKind::KernelBoot => {
                if let Some(v) = f.source_vmid(s) {
                    guest_boots.entry(v).or_default().push(t);
                }
            }
            _ => {}
        }
    }
    let shutdown_failed = |v: u32, at: DateTime<Utc>| {
        failed_stops.iter().any(|(x, t)| {
            x.is_none_or(|x| x == v) && *t <= at && at - *t <= chrono::Duration::minutes(60)
        })
    };
    let hard_stopped: BTreeMap<u32, DateTime<Utc>> = tasks
        .iter()
        .filter_map(|s| match &s.kind {
            SignalKind::TaskStart {
                task,
                vmid: Some(v),
                ..
            } if matches!(task.as_str(), "qmstop" | "vzstop") => Some((*v, f.time(s)?)),
            _ => None,
        })
        .filter(|(v, at)| !shutdown_failed(*v, *at))
        .collect();
    let first_boot_after_hard_stop = |s: &Entry| {
        let (Some(v), Some(u)) = (f.source_vmid(s), f.time(s)) else {
            return false;
        };
        hard_stopped.get(&v).is_some_and(|stop| {
            // No boot of that guest between the stop and the one that found the mess.
            let before = u - chrono::Duration::minutes(HARD_STOP_BOOT_MIN);
            !guest_boots
                .get(&v)
                .is_some_and(|boots| boots.iter().any(|t| t > stop && *t < before))
        })
    };
    let later_unclean = f.signals().find(|s| {
        f.role(s) == Role::Guest
            && matches!(s.kind, SignalKind::UncleanJournal)
            && f.time(s).zip(latest_clean).is_some_and(|(u, c)| u > c)
            && (clean_vms.is_empty() || f.source_vmid(s).is_some_and(|v| clean_vms.contains(&v)))
            && !first_boot_after_hard_stop(s)
    });
    if let Some(u) = later_unclean {
        x.confidence = 0.3;
        x.against.push(format!(
            "the guest restarted uncleanly later ({}): that stop was not an orderly one",
            f.time(u).map(crate::event::rfc3339).unwrap_or_default()
        ));
    }
    let mut cited: Vec<&Entry> = tasks;
    cited.extend(orderly);
    cited.extend(guest_seq);
    cited.extend(deactivated);
    // The incident is the episode of orderly stops (stops less than half an hour apart, as a
    // node's stopall or an operator going through VMs) the manifest names, else the last:
    // yesterday's `qm shutdown`, or a guest's own reboot hours before, is another story.
    let episode = incident_episode(
        cited.iter().filter_map(|s| f.time(s)).collect(),
        f.incident_hint,
    );
    let in_episode = |s: &&&Entry| {
        episode.is_none_or(|(first, last)| f.time(s).is_none_or(|t| t >= first && t <= last))
    };
    // The stop was asked at the episode's first record on the host's clock (a UPS daemon's
    // shutdown comes before the stopall it starts); a guest's clock may be off.
    x.time = cited
        .iter()
        .filter(in_episode)
        .filter(|s| f.role(s) != Role::Guest)
        .filter_map(|s| f.time(s))
        .min()
        .or_else(|| cited.iter().filter(in_episode).find_map(|s| f.time(s)));
    // `pve-guests` stopping every guest, then the node booting again, is the node shutting down
    // or rebooting in order: the whole node went down (a stopall the GUI's bulk stop started
    // leaves it up). One that found no guest running (the operator had stopped them all
    // before rebooting) stopped nothing.
    let node_down = cited.iter().filter(in_episode).any(|s| {
        matches!(&s.kind, SignalKind::TaskStart { task, .. } | SignalKind::TaskEnd { task, .. }
            if task == "stopall")
            && f.time(s)
                .is_some_and(|at| stopped_something(f, at, s.machine))
            && f.time(s).is_some_and(|at| {
                f.signals().any(|b| {
                    matches!(b.kind, SignalKind::KernelBoot)
                        && b.machine == s.machine
                        && f.role(b) != Role::Guest
                        && f.time(b).is_some_and(|bt| {
                            bt > at && bt - at <= chrono::Duration::minutes(NODE_BACK_MIN)
                        })
                })
            })
    });
    if node_down {
        x.outcome = Outcome::HostReset;
    }
    x.vmids = cited
        .iter()
        .filter(in_episode)
        .filter_map(|s| match &s.kind {
            SignalKind::TaskStart { vmid, .. } | SignalKind::TaskEnd { vmid, .. } => *vmid,
            SignalKind::ScopeDeactivated { vmid } => Some(*vmid),
            SignalKind::OrderlyStop { vmid, .. } => vmid.or_else(|| f.source_vmid(s)),
            _ => f.source_vmid(s),
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // An operator going through several VMs, most of which came back: the incident is the
    // VM (or VMs) left down, stopped when its own stop was asked (the one that worked: a
    // shutdown that timed out stopped nothing).
    if x.outcome == Outcome::VmStopped
        && x.vmids.len() > 1
        && let Some(last) = episode
            .map(|(_, last)| last)
            .or_else(|| cited.iter().filter_map(|s| f.time(s)).max())
    {
        let back: BTreeSet<u32> = f
            .signals()
            .filter(|s| f.role(s) != Role::Guest && f.time(s).is_some_and(|t| t > last))
            .filter_map(|s| match &s.kind {
                SignalKind::ScopeStarted { vmid } => Some(*vmid),
                SignalKind::TaskStart {
                    task,
                    vmid: Some(vmid),
                    ..
                } if matches!(task.as_str(), "qmstart" | "vzstart") => Some(*vmid),
                _ => None,
            })
            .collect();
        let down: Vec<u32> = x
            .vmids
            .iter()
            .copied()
            .filter(|v| !back.contains(v))
            .collect();
        if !down.is_empty() && down.len() < x.vmids.len() {
            let names_down = |s: &&&Entry| match &s.kind {
                SignalKind::TaskStart { vmid, .. } | SignalKind::TaskEnd { vmid, .. } => {
                    vmid.is_some_and(|v| down.contains(&v))
                }
                SignalKind::ScopeDeactivated { vmid } => down.contains(vmid),
                _ => false,
            };
            if let Some(t) = cited
                .iter()
                .filter(in_episode)
                .filter(names_down)
                .filter(|s| f.role(s) != Role::Guest)
                .filter_map(|s| f.time(s))
                .min()
            {
                x.time = Some(t);
            }
            // Name the stop of the VM left down, not the first of the round.
            if let Some((task, vmid)) =
                cited
                    .iter()
                    .filter(in_episode)
                    .filter(names_down)
                    .find_map(|s| match &s.kind {
                        SignalKind::TaskStart {
                            task,
                            vmid: Some(v),
                            ..
                        } => Some((task.as_str(), *v)),
                        _ => None,
                    })
            {
                x.title = format!(
                    "the VM was stopped by a Proxmox task: {task} of VM {vmid} (the others stopped with it were started again)"
                );
            }
            x.vmids = down;
        }
    }
    x.cites = cited.iter().map(|s| f.cite(s)).collect();
    Some(x)
}

/// Whether a record of the node's service stopping every guest (a `stopall` task, the host's
/// `Stopping pve-guests.service`) found none running: nothing stopped on that node in the half
/// hour on either side of it.
pub(super) fn stopped_no_guest(f: &Context<'_>, s: &Entry) -> bool {
    let all = match &s.kind {
        SignalKind::TaskStart { task, .. } | SignalKind::TaskEnd { task, .. } => task == "stopall",
        SignalKind::OrderlyStop {
            by: StopBy::Host,
            vmid: None,
            ..
        } => f.role(s) != Role::Guest,
        _ => false,
    };
    // Only where the node's logs show its guests' lifecycle (their scopes, their tasks): a
    // paste of the stop alone does not show what it found.
    let shows_guests = || {
        f.signals().any(|g| {
            g.machine == s.machine
                && matches!(
                    &g.kind,
                    SignalKind::ScopeStarted { .. } | SignalKind::ScopeDeactivated { .. }
                )
        })
    };
    // A task's end (or its log's status, placed at its start) may come after the stops it
    // made, its start before them: the half hour on either side.
    all && shows_guests()
        && f.time(s).is_some_and(|at| {
            !stopped_something(
                f,
                at - chrono::Duration::minutes(STOPALL_SPAN_MIN),
                s.machine,
            ) && !stopped_something(f, at, s.machine)
        })
}

/// How long after a `stopall` started its guests' stops are its doing.
pub(super) const STOPALL_SPAN_MIN: i64 = 30;

/// Whether a `stopall` that started at `at` on `machine` stopped a guest: a VM's scope or QEMU
/// ended, or a guest stop task ran, on that machine in the half hour after it.
pub(super) fn stopped_something(
    f: &Context<'_>,
    at: chrono::DateTime<chrono::Utc>,
    machine: u32,
) -> bool {
    f.signals().any(|s| {
        s.machine == machine
            && f.role(s) != Role::Guest
            && f.time(s)
                .is_some_and(|t| t >= at && t - at <= chrono::Duration::minutes(STOPALL_SPAN_MIN))
            && match &s.kind {
                SignalKind::ScopeDeactivated { .. } => !migrated_away(f, s),
                SignalKind::ScopeFailed { .. } | SignalKind::QemuTerminated => true,
                SignalKind::TaskStart { task, .. } => {
                    task != "stopall" && crate::signals::is_guest_stop_task(task)
                }
                _ => false,
            }
    })
}

/// A `qmreboot`/`vzreboot` task alone: the VM came back.
const REBOOT_TASK: f64 = 0.7;

/// The VMs an orderly stop concerns.
pub fn cited_vmids(
    f: &Context<'_>,
    tasks: &[&Entry],
    orderly: &[&Entry],
    guest_seq: &[&Entry],
    deactivated: &[&Entry],
) -> BTreeSet<u32> {
    tasks
        .iter()
        .chain(orderly)
        .chain(guest_seq)
        .chain(deactivated)
        .filter_map(|s| match &s.kind {
            SignalKind::TaskStart { vmid, .. } | SignalKind::TaskEnd { vmid, .. } => *vmid,
            SignalKind::ScopeDeactivated { vmid } => Some(*vmid),
            SignalKind::OrderlyStop { vmid, .. } => vmid.or_else(|| f.source_vmid(s)),
            _ => f.source_vmid(s),
        })
        .collect()
}

/// An undated operator's command beside another cause: below the verdict floor.
const UNDATED_COMMAND_BESIDE_A_CAUSE: f64 = 0.45;

/// Whether a signal is a cause of a stop of its own (a kill, a hang, a panic, a storage or
/// hardware fault): beside one, an undated stop command may be the remediation.
fn is_cause(kind: &SignalKind) -> bool {
    matches!(
        kind,
        SignalKind::OomKilled { .. }
            | SignalKind::OomInvoked { .. }
            | SignalKind::OomConstraint { .. }
            | SignalKind::OomNoVictim
            | SignalKind::OomPanic
            | SignalKind::ScopeOomKilled { .. }
            | SignalKind::UnitOomKilled { .. }
            | SignalKind::HungTask { .. }
            | SignalKind::KernelPanic
            | SignalKind::GuestPanicked
            | SignalKind::QemuCrashed { .. }
            | SignalKind::IoErrorPause
            | SignalKind::BlockIoError { .. }
            | SignalKind::NoSpace
            | SignalKind::ThinPoolFull
            | SignalKind::ZfsError
            | SignalKind::ZfsSuspended
            | SignalKind::MachineCheck
            | SignalKind::EdacUncorrected
            | SignalKind::ThermalShutdown
            | SignalKind::Fencing { .. }
            | SignalKind::PcieError { fatal: true }
    )
}

/// How long (minutes) after a `stopall` the node's next boot shows it went down with it.
const NODE_BACK_MIN: i64 = 24 * 60;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::{Kit, at, task_end, task_start};

    /// `pve-guests` stopping every guest is the node going down in order: the outcome is the
    /// node's, not one VM's.
    #[test]
    fn a_stopall_is_the_whole_node_going_down() {
        const STOPALL: &str = "pve01:001D733D:0B173B64:68085B00:stopall::root@pam";
        const SHUTDOWN: &str = "pve01:001D94EC:0B178B64:68085BCD:qmshutdown:101:root@pam";
        let mut kit = Kit::new();
        kit.host(0, task_start("stopall", None, STOPALL))
            .host(1, task_start("qmshutdown", Some(101), SHUTDOWN))
            .host(2, SignalKind::ScopeDeactivated { vmid: 101 })
            .host(2, task_end("qmshutdown", Some(101), SHUTDOWN, true))
            .host(3, task_end("stopall", None, STOPALL, true))
            .host(5, SignalKind::KernelBoot);
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::HostReset);
        assert_eq!(x.time, Some(at(0)));
    }

    /// An operator shuts three VMs down for maintenance, then reboots the node: the stopall
    /// found nothing running (not the node's reset of its guests), the two VMs started again
    /// after it are not the incident, the one left down is, stopped when its stop was asked.
    #[test]
    fn a_maintenance_round_names_the_vm_left_down() {
        const A: &str = "pve:1:2:3:qmshutdown:311:root@pam";
        const B: &str = "pve:1:2:4:qmshutdown:312:root@pam";
        const C: &str = "pve:1:2:5:qmstop:310:root@pam";
        const ALL: &str = "pve:1:2:6:stopall::root@pam";
        let mut kit = Kit::new();
        kit.host(0, task_start("qmshutdown", Some(311), A))
            .host(1, SignalKind::ScopeDeactivated { vmid: 311 })
            .host(2, task_start("qmshutdown", Some(312), B))
            .host(3, SignalKind::ScopeDeactivated { vmid: 312 })
            .host(4, task_start("qmstop", Some(310), C))
            .host(4, SignalKind::ScopeDeactivated { vmid: 310 })
            .host(12, task_start("stopall", None, ALL))
            .host(12, task_end("stopall", None, ALL, true))
            .host(14, SignalKind::KernelBoot)
            .host(15, SignalKind::ScopeStarted { vmid: 311 })
            .host(15, SignalKind::ScopeStarted { vmid: 312 });
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::VmStopped);
        assert_eq!(x.vmids, [310]);
        assert_eq!(x.time, Some(at(4)));
        assert!(x.title.contains("qmstop of VM 310"), "{}", x.title);
    }

    const UPID: &str = "pve:000079D3:00083FE1:654BDC03:qmshutdown:103:root@pam";

    #[test]
    fn a_scope_ended_by_a_live_migration_is_no_stop() {
        let mig = "UPID:pve-a:00031A2B:05124C7E:67CEF2C8:qmigrate:101:root@pam:";
        // The source node's QEMU exits once the target runs the VM, inside the task.
        let mut kit = Kit::new();
        kit.host(-12, task_start("qmigrate", Some(101), mig))
            .host(0, SignalKind::ScopeDeactivated { vmid: 101 })
            .host(3, task_end("qmigrate", Some(101), mig, true));
        let index = kit.index();
        assert!(clean(&kit.context(&index)).is_none());
        // After the migration ended, the scope's end is a stop again.
        let mut kit = Kit::new();
        kit.host(-12, task_start("qmigrate", Some(101), mig))
            .host(-9, task_end("qmigrate", Some(101), mig, true))
            .host(0, SignalKind::ScopeDeactivated { vmid: 101 });
        let index = kit.index();
        assert!(clean(&kit.context(&index)).is_some());
        // Another VM's migration says nothing of this one.
        let mut kit = Kit::new();
        kit.host(-12, task_start("qmigrate", Some(102), mig))
            .host(0, SignalKind::ScopeDeactivated { vmid: 101 });
        let index = kit.index();
        assert!(clean(&kit.context(&index)).is_some());
    }

    #[test]
    fn a_reboot_task_is_an_orderly_restart_weaker_than_a_stop() {
        let upid = "pve:001A189A:07BC7318:68CACB23:qmreboot:211:root@pam";
        let mut kit = Kit::new();
        kit.host(0, task_start("qmreboot", Some(211), upid))
            .host(1, task_end("qmreboot", Some(211), upid, true));
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert!((x.confidence - REBOOT_TASK).abs() < 1e-9);
        assert!(x.title.contains("restarted in order"), "{}", x.title);
        assert_eq!(x.vmids, vec![211]);
    }

    #[test]
    fn the_incident_is_the_last_episode_of_orderly_stops() {
        // VM 121 shut down in the morning; VM 120 in the evening, its task, then its scope.
        let (a, b) = (
            "pve:001B0C44:0810D64A:687973A0:qmshutdown:121:root@pam",
            "pve:001510A6:042737BC:6847FF35:qmshutdown:120:root@pam",
        );
        let mut kit = Kit::new();
        kit.host(-480, task_start("qmshutdown", Some(121), a))
            .host(-479, task_end("qmshutdown", Some(121), a, true))
            .host(0, task_start("qmshutdown", Some(120), b))
            .host(1, SignalKind::ScopeDeactivated { vmid: 120 })
            .host(1, task_end("qmshutdown", Some(120), b, true));
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert_eq!(x.vmids, vec![120]);
        assert_eq!(x.time, Some(at(0)));
        // Stops minutes apart (an operator going through the VMs) are one episode.
        let mut kit = Kit::new();
        kit.host(-12, task_start("qmshutdown", Some(121), a))
            .host(0, task_start("qmshutdown", Some(120), b));
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert_eq!(x.vmids, vec![120, 121]);
        assert_eq!(x.time, Some(at(-12)));
    }

    #[test]
    fn an_operators_command_is_a_stop_on_purpose_unless_it_may_be_the_remedy() {
        let stop = |hard| SignalKind::OrderlyStop {
            by: StopBy::Operator,
            hard,
            vmid: Some(101),
        };
        // A dated command alone (a terminal session with times, say).
        let mut kit = Kit::new();
        kit.host(0, stop(true));
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert!((x.confidence - 0.8).abs() < 1e-9);
        assert!(x.title.contains("hard stop"), "{}", x.title);
        assert_eq!(x.vmids, vec![101]);
        // An undated command beside a hung VM process: it may be what was typed to recover.
        let mut kit = Kit::new();
        kit.undated_host(stop(false)).host(
            0,
            SignalKind::HungTask {
                comm: Some("kvm".into()),
                pid: Some(6747),
            },
        );
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert!(x.confidence < 0.5, "{}", x.confidence);
        assert!(x.indirect_only);
        assert!(x.title.contains("typed afterwards"), "{}", x.title);
        // The guest powering itself off, as its host saw it; the time of a dated record.
        let mut kit = Kit::new();
        kit.host(
            3,
            SignalKind::OrderlyStop {
                by: StopBy::Guest,
                hard: false,
                vmid: None,
            },
        );
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert!(x.title.contains("powered itself off"), "{}", x.title);
        assert!(x.time.is_some());
    }

    #[test]
    fn a_shutdown_task_is_a_clean_stop_of_its_vm() {
        let mut kit = Kit::new();
        kit.host(0, task_start("qmshutdown", Some(103), UPID))
            .host(1, SignalKind::ScopeDeactivated { vmid: 103 })
            .host(1, task_end("qmshutdown", Some(103), UPID, true));
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert_eq!(x.family, Family::CleanShutdown);
        assert!((x.confidence - 0.85).abs() < 1e-9);
        assert_eq!(x.vmids, vec![103]);
        assert!(x.title.contains("qmshutdown of VM 103"));
    }

    #[test]
    fn a_shutdown_task_that_failed_stopped_nothing() {
        let mut kit = Kit::new();
        kit.host(0, task_start("qmshutdown", Some(103), UPID))
            .host(180, task_end("qmshutdown", Some(103), UPID, false))
            .host(180, SignalKind::StopFailed);
        let index = kit.index();
        assert!(clean(&kit.context(&index)).is_none());
    }

    #[test]
    fn a_hard_stop_leaves_the_next_boot_unclean_and_stays_the_stop() {
        const STOP: &str = "pve:000079D3:00083FE1:654BDC03:qmstop:103:root@pam";
        let mut kit = Kit::new();
        kit.host(0, task_start("qmstop", Some(103), STOP))
            .host(0, SignalKind::ScopeDeactivated { vmid: 103 })
            .host(0, task_end("qmstop", Some(103), STOP, true))
            .guest(103, 37, SignalKind::KernelBoot)
            .guest(103, 37, SignalKind::UncleanJournal);
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert!((x.confidence - 0.85).abs() < 1e-9, "{x:?}");
        assert!(x.against.is_empty(), "{:?}", x.against);
        // After an orderly shutdown that failed (the guest hung), the hard stop ended a hang:
        // the unclean boot after it weighs against an orderly stop again.
        const SHUTDOWN: &str = "pve:000079D0:00083F00:654BDB00:qmshutdown:103:root@pam";
        let mut hung = Kit::new();
        hung.host(-10, task_start("qmshutdown", Some(103), SHUTDOWN))
            .host(-1, task_end("qmshutdown", Some(103), SHUTDOWN, false))
            .host(0, task_start("qmstop", Some(103), STOP))
            .host(0, SignalKind::ScopeDeactivated { vmid: 103 })
            .host(0, task_end("qmstop", Some(103), STOP, true))
            .guest(103, 37, SignalKind::KernelBoot)
            .guest(103, 37, SignalKind::UncleanJournal);
        let index = hung.index();
        let x = clean(&hung.context(&index)).unwrap();
        assert!((x.confidence - 0.3).abs() < 1e-9, "{x:?}");
        // A boot in between, then another unclean one: a later crash, not the stop's mark.
        kit.guest(103, 40, SignalKind::KernelBoot)
            .guest(103, 90, SignalKind::KernelBoot)
            .guest(103, 90, SignalKind::UncleanJournal);
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert!((x.confidence - 0.3).abs() < 1e-9);
    }

    #[test]
    fn a_later_unclean_restart_of_the_same_guest_outweighs_it() {
        let mut kit = Kit::new();
        kit.guest(103, 0, SignalKind::PowerKey)
            .guest(103, 0, SignalKind::ShutdownSequence)
            .guest(103, 60, SignalKind::UncleanJournal);
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert!((x.confidence - 0.3).abs() < 1e-9);
        assert!(x.against[0].contains("restarted uncleanly later"));
    }

    #[test]
    fn a_scope_ending_alone_is_indirect() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::ScopeDeactivated { vmid: 101 });
        let index = kit.index();
        let x = clean(&kit.context(&index)).unwrap();
        assert!(x.indirect_only);
        assert!((x.confidence - 0.6).abs() < 1e-9);
    }
}
