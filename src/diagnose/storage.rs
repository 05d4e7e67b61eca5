//! storage_exhaustion: full disks and thin pools, I/O errors, file-system and ZFS trouble,
//! network storage that stopped answering (NFS, every multipath path), and
//! what the host's `df`, `zpool status` and `lvs` snapshots show. Trouble far from any VM stop is
//! history, not the cause, and is halved. What stopped: a VM paused on the error, a VM stop;
//! nothing (`none`) when the error went back to its writer and nothing anywhere stopped,
//! restarted, was killed or hung; paused when the VMs' QEMU processes hung on a suspended pool;
//! `unknown` when I/O waited otherwise (a thin pool queueing, storage not answering) or
//! something else stopped.

use std::collections::BTreeSet;

use super::context::{Cited, Context, finding, vm_of_guest_signals};
use super::stops::Stops;
use super::{Family, Finding, Outcome};
use crate::event::Role;
use crate::facts::FactKind;
use crate::index::Entry;
use crate::signals::SignalKind;

/// storage_exhaustion: full disks, I/O errors, ZFS trouble.
pub fn storage(f: &Context<'_>) -> Option<Finding> {
    let weight = |k: &SignalKind| -> Option<f64> {
        Some(match k {
            SignalKind::IoErrorPause => 0.9,
            SignalKind::ThinPoolFull => 0.85,
            SignalKind::NoSpace | SignalKind::ZfsSuspended => 0.8,
            SignalKind::ZfsError => 0.75,
            SignalKind::BlockIoError { .. }
            | SignalKind::FsError
            | SignalKind::StorageUnreachable => 0.7,
            _ => return None,
        })
    };
    let cited: Vec<&Entry> = f.signals().filter(|s| weight(&s.kind).is_some()).collect();
    let snapshot = storage_snapshots(f);
    if cited.is_empty() {
        // Snapshots alone: a full or degraded storage, but no error logged.
        let (best, evidence, what) = snapshot?;
        let mut x = finding(
            Family::StorageExhaustion,
            best,
            format!("storage snapshot shows {what}"),
        );
        x.indirect_only = best < FULL_ROOT;
        x.cites = evidence;
        if !anything_stopped(f, true) {
            x.outcome = Outcome::None;
        }
        return Some(x);
    }
    // Evidence near a VM stop explains it; storage trouble days earlier does not.
    let (near, far): (Vec<&Entry>, Vec<&Entry>) = {
        let stops = Stops::or_orderly(f);
        cited.iter().partition(|s| stops.near(s))
    };
    let historical = near.is_empty();
    let cited = if historical { far } else { near };
    let host_side: Vec<&&Entry> = cited.iter().filter(|s| f.role(s) != Role::Guest).collect();
    let basis: Vec<&Entry> = if host_side.is_empty() {
        cited.clone()
    } else {
        host_side.into_iter().copied().collect()
    };
    let best = basis
        .iter()
        .filter_map(|s| weight(&s.kind))
        .fold(0.0, f64::max);
    let kinds: BTreeSet<&str> = basis.iter().map(|s| s.kind.name()).collect();
    let mut confidence = best + 0.05 * (kinds.len().saturating_sub(1)) as f64;
    let guest_only = basis.iter().all(|s| f.role(s) == Role::Guest);
    if guest_only {
        confidence = confidence.min(0.6);
    }
    if historical {
        confidence *= 0.5;
    }
    let devices: BTreeSet<String> = basis
        .iter()
        .filter_map(|s| match &s.kind {
            SignalKind::BlockIoError { device: Some(d) } => Some(d.clone()),
            _ => None,
        })
        .collect();
    let title = format!(
        "storage trouble{}: {}",
        if devices.is_empty() {
            String::new()
        } else {
            format!(" on {}", devices.into_iter().collect::<Vec<_>>().join(", "))
        },
        kinds
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ")
            .replace('_', " ")
    );
    let title = if historical {
        format!("{title} (hours or days before the VM stopped: history, not the cause)")
    } else {
        title
    };
    let mut x = finding(Family::StorageExhaustion, confidence.min(0.95), title);
    x.outcome = if basis.iter().any(|s| s.kind == SignalKind::IoErrorPause) {
        Outcome::VmPaused
    } else if f.signals().any(super::stops::is_stop) {
        Outcome::VmStopped
    } else if basis.iter().any(|s| hangs_io(&s.kind))
        && ran_on(f, &basis)
        && !anything_stopped(f, false)
    {
        // The guest kept logging through the hang (its tasks blocked, its errors): the VM ran on.
        Outcome::None
    } else if anything_stopped(f, true) || basis.iter().any(|s| hangs_io(&s.kind)) {
        Outcome::Unknown
    } else {
        // A full disk or an I/O error is returned to the writer, which fails; with no stop,
        // restart, kill or hang anywhere in the logs, nothing stopped.
        Outcome::None
    };
    x.indirect_only = guest_only || historical;
    // Backups whose writes failed (`ENOSPC` in a vzdump task's log or its per-VM log, `Backup of
    // VM 105 failed - … No space left on device`) while no VM paused or stopped: the backup
    // target is full or failing, which the backups report; no VM's own storage is shown failing.
    // History to mention, not the incident the logs were pulled for.
    if x.outcome == Outcome::None {
        let failed: std::collections::HashSet<(u32, u32)> = f
            .signals()
            .filter(|s| matches!(s.kind, SignalKind::BackupFailed { .. }))
            .map(|s| (s.source, s.event))
            .collect();
        if basis
            .iter()
            .all(|s| f.backup_sources.contains(&s.source) || failed.contains(&(s.source, s.event)))
        {
            x.indirect_only = true;
            x.confidence = x.confidence.min(BACKUP_TARGET_ONLY);
            x.title = format!(
                "{}: only backups failed over it (their target), no VM's storage",
                x.title
            );
        }
    }
    // The incident is the pause when one is dated, else the pool's suspension (the disk errors
    // before it are its cause, not yet the VMs' trouble); a pause known only from an undated
    // status came with the first error returned to the VM, not with the queueing before it.
    // A record's own time first: a task log's undated line is only placed at the task's start.
    let first_dated = |keep: &dyn Fn(&Entry) -> bool| {
        let mut kept = basis.iter().filter(|s| keep(s));
        kept.clone()
            .filter(|s| !s.placed)
            .find_map(|s| f.time(s))
            .or_else(|| kept.find_map(|s| f.time(s)))
    };
    // Errors in episodes (a failing disk's unrecovered reads last night, the write that failed
    // this morning): the one the manifest names, else the last, is the incident's.
    let episode = super::context::incident_episode(
        basis.iter().filter_map(|s| f.time(s)).collect(),
        f.incident_hint,
    );
    let in_episode =
        |s: &Entry| episode.is_none_or(|(from, to)| f.time(s).is_none_or(|t| t >= from && t <= to));
    x.time = first_dated(&|s| s.kind == SignalKind::IoErrorPause && in_episode(s))
        .or_else(|| first_dated(&|s| s.kind == SignalKind::ZfsSuspended && in_episode(s)))
        .or_else(|| first_dated(&|s| s.kind == SignalKind::IoErrorPause))
        .or_else(|| first_dated(&|s| s.kind == SignalKind::ZfsSuspended))
        .or_else(|| {
            (x.outcome == Outcome::VmPaused)
                .then(|| first_dated(&|s| !hangs_io(&s.kind) && in_episode(s)))
                .flatten()
        })
        .or_else(|| first_dated(&in_episode))
        .or_else(|| first_dated(&|_| true));
    x.vmids = vm_of_guest_signals(f, &basis);
    // Nothing stopped, but inside a guest that ran on a service died over the error (a
    // database that PANICs on a full disk, its unit failed): the service is what was lost, at
    // the error that killed it (the first within seconds before the failure).
    if x.outcome == Outcome::None
        && let Some((fail, at)) = basis
            .iter()
            .filter(|s| f.role(s) == Role::Guest)
            .filter_map(|s| Some((s.machine, f.time(s)?)))
            .min_by_key(|(_, t)| *t)
            .and_then(|(machine, first)| {
                f.signals().find_map(|s| {
                    let t = f.time(s)?;
                    (matches!(s.kind, SignalKind::ServiceFailed { .. })
                        && s.machine == machine
                        && t >= first
                        && t - first <= chrono::Duration::minutes(SERVICE_LOST_MIN))
                    .then_some((s, t))
                })
            })
    {
        x.outcome = Outcome::ServiceKilled;
        x.time = basis
            .iter()
            .filter(|s| s.machine == fail.machine)
            .filter_map(|s| f.time(s))
            .filter(|t| *t <= at && at - *t <= chrono::Duration::seconds(SERVICE_ERROR_S))
            .min()
            .or(Some(at));
        x.cites.push(f.cite(fail));
    }
    // Nothing stopped, but the storage's trouble reached a guest's disk: its file system's
    // fatal error (I/O errors on its disk, the journal aborted, remounted read-only) is the
    // damage, the host's first sign of trouble its trigger.
    if x.outcome == Outcome::None
        && let Some(first) = basis
            .iter()
            .filter(|s| f.role(s) != Role::Guest)
            .filter_map(|s| f.time(s))
            .min()
        && let Some(damage) = f
            .signals()
            .filter(|s| {
                f.role(s) == Role::Guest
                    && matches!(
                        s.kind,
                        SignalKind::FsError | SignalKind::BlockIoError { .. }
                    )
            })
            .filter_map(|s| f.time(s))
            .filter(|t| *t >= first && *t - first <= chrono::Duration::hours(1))
            .min()
    {
        x.time = Some(damage);
    }
    // I/O that waits hangs the VMs on that storage: the host's hung-task reports of their QEMU
    // processes name them (by pid: `qm list`'s PID column, the scope's journal entries).
    let mut frozen = false;
    let suspended_at = basis
        .iter()
        .filter(|s| s.kind == SignalKind::ZfsSuspended)
        .find_map(|s| f.time(s));
    if basis.iter().any(|s| hangs_io(&s.kind)) {
        for s in f.signals().filter(|s| f.role(s) != Role::Guest) {
            if let SignalKind::HungTask {
                comm: Some(comm),
                pid: Some(pid),
            } = &s.kind
                && crate::vmpids::is_vm_process(comm)
                && let Some(vm) = f.vm_of_pid(s, *pid)
            {
                if !x.vmids.contains(&vm.vmid) {
                    x.vmids.push(vm.vmid);
                }
                // Hung after the pool was suspended: frozen on it.
                frozen |= suspended_at.is_some_and(|at| f.time(s).is_some_and(|t| t >= at));
            }
        }
        x.vmids.sort_unstable();
    }
    // A suspended pool whose VMs' QEMU processes then hung, with nothing stopped: the VMs are
    // frozen on it, paused in all but QEMU's own word (it logs no pause when I/O waits).
    if frozen && x.outcome == Outcome::Unknown && !f.signals().any(super::stops::is_stop) {
        x.outcome = Outcome::VmPaused;
    }
    // The VMs a host's snapshot shows paused on an I/O error (`qm list`'s STATUS, `qm
    // status`'s `qmpstatus: io-error`).
    if x.outcome == Outcome::VmPaused {
        for fact in f.facts().filter(|fact| fact.role != Role::Guest) {
            let vmid = match &fact.fact.kind {
                FactKind::QmVm(vm) if vm.status == "io-error" => Some(vm.vmid),
                FactKind::VmStatus(v) if v.state == "io-error" => v.vmid,
                _ => None,
            };
            if let Some(vmid) = vmid
                && !x.vmids.contains(&vmid)
            {
                x.vmids.push(vmid);
            }
        }
        x.vmids.sort_unstable();
    }
    // The VMs the operator resumed afterwards were the ones paused (`qm resume`, the GUI's
    // resume), unless someone had suspended them by hand.
    if x.outcome == Outcome::VmPaused
        && let Some(paused) = x.time
    {
        for vmid in resumed_after(f, paused) {
            if !x.vmids.contains(&vmid) {
                x.vmids.push(vmid);
            }
        }
        x.vmids.sort_unstable();
    }
    // Strongest kinds first.
    let mut ordered = basis.clone();
    ordered.sort_by(|a, b| {
        weight(&b.kind)
            .unwrap_or(0.0)
            .total_cmp(&weight(&a.kind).unwrap_or(0.0))
    });
    x.cites = ordered.iter().map(|s| f.cite(s)).collect();
    if let Some((_, evidence, what)) = snapshot {
        x.confidence = (x.confidence + 0.05).min(0.95);
        x.title.push_str(&format!("; the snapshots show {what}"));
        x.cites.extend(evidence);
    }
    Some(x)
}

/// How long (minutes) after a guest's first storage error a service failing there is taken for
/// the error's doing.
const SERVICE_LOST_MIN: i64 = 30;

/// How long (seconds) before a service's failure the storage error that killed it was logged.
const SERVICE_ERROR_S: i64 = 10;

/// How long (hours) after a pause a resume is taken for the pause's.
const RESUME_WITHIN_H: i64 = 24;

/// The VMs resumed (`qmresume`) within [`RESUME_WITHIN_H`] after `paused`, that no one had
/// suspended by hand (`qmsuspend`) in the day before or since. Any node's: the storage that
/// filled may be shared.
fn resumed_after(f: &Context<'_>, paused: chrono::DateTime<chrono::Utc>) -> Vec<u32> {
    let until = paused + chrono::Duration::hours(RESUME_WITHIN_H);
    // Suspended by hand in the day before the pause or since: resumed for that.
    let suspended: BTreeSet<u32> = f
        .signals()
        .filter_map(|s| host_task_start(f, s))
        .filter(|(task, _, t)| {
            *task == "qmsuspend"
                && *t >= paused - chrono::Duration::hours(RESUME_WITHIN_H)
                && *t <= until
        })
        .map(|(_, vmid, _)| vmid)
        .collect();
    let resumed: BTreeSet<u32> = f
        .signals()
        .filter_map(|s| host_task_start(f, s))
        .filter(|(task, vmid, t)| {
            *task == "qmresume" && *t >= paused && *t <= until && !suspended.contains(vmid)
        })
        .map(|(_, vmid, _)| vmid)
        .collect();
    resumed.into_iter().collect()
}

/// A host's task start naming a VM: (task, VMID, time).
fn host_task_start<'e>(
    f: &Context<'_>,
    s: &'e Entry,
) -> Option<(&'e str, u32, chrono::DateTime<chrono::Utc>)> {
    match &s.kind {
        SignalKind::TaskStart {
            task,
            vmid: Some(vmid),
            ..
        } if f.role(s) != Role::Guest => Some((task.as_str(), *vmid, f.time(s)?)),
        _ => None,
    }
}

/// How long (minutes) after storage began to hang a guest must still be logging to show its VM
/// ran through the hang.
const RAN_ON_MIN: i64 = 5;

/// Whether a guest's own records show its VM running on well after the storage trouble began
/// (its kernel reporting the hang and the errors, its file system going read-only): I/O that
/// waited then stopped nothing, as far as the logs go.
fn ran_on(f: &Context<'_>, basis: &[&Entry]) -> bool {
    let Some(began) = basis.iter().find_map(|s| f.time(s)) else {
        return false;
    };
    f.signals().any(|s| {
        f.role(s) == Role::Guest
            && f.time(s)
                .is_some_and(|t| t - began >= chrono::Duration::minutes(RAN_ON_MIN))
    })
}

/// Storage trouble after which I/O waits rather than fails: a suspended pool, a thin pool out of
/// data space (queueing), storage that stopped answering. What then stopped is not in the
/// error itself.
fn hangs_io(kind: &SignalKind) -> bool {
    matches!(
        kind,
        SignalKind::ZfsError
            | SignalKind::ZfsSuspended
            | SignalKind::ThinPoolFull
            | SignalKind::StorageUnreachable
    )
}

/// Whether the logs show anything stop, restart, hang (with `hangs`) or die: a VM, a service, a
/// guest or the host. Without any of it, trouble the storage logged stopped nothing.
fn anything_stopped(f: &Context<'_>, hangs: bool) -> bool {
    f.signals().any(|s| {
        if !hangs && matches!(s.kind, SignalKind::HungTask { .. }) {
            return false;
        }
        super::stops::is_stop(s)
            || matches!(
                s.kind,
                SignalKind::OomKilled { .. }
                    | SignalKind::UnitOomKilled { .. }
                    | SignalKind::ScopeDeactivated { .. }
                    | SignalKind::VmCleanup { .. }
                    | SignalKind::QemuCrashed { .. }
                    | SignalKind::QemuTerminated
                    | SignalKind::QemuNoMemory { .. }
                    | SignalKind::GuestPanicked
                    | SignalKind::KernelPanic
                    | SignalKind::MachineCheckFatal
                    | SignalKind::ThermalShutdown
                    | SignalKind::ShutdownSequence
                    | SignalKind::PowerKey
                    | SignalKind::OrderlyStop { .. }
                    | SignalKind::Fencing { .. }
                    | SignalKind::ShellKilled { .. }
                    | SignalKind::HungTask { .. }
                    | SignalKind::UncleanJournal
            )
            || matches!(s.kind, SignalKind::KernelBoot) && super::unexplained::earlier_records(f, s)
            || matches!(&s.kind, SignalKind::TaskStart { task, .. }
                if crate::signals::is_guest_stop_task(task))
    })
}

/// A full root file system in `df`: direct evidence.
const FULL_ROOT: f64 = 0.6;

/// Whether a `df` row is the root file system with no space left.
fn full_root(d: &crate::facts::Df) -> bool {
    d.mounted_on == "/" && (d.use_percent == Some(100) || d.avail_bytes == 0 && d.size_bytes > 0)
}

/// The most a storage finding weighs when only backups' own writes failed (their target full
/// or failing) and nothing stopped: below the verdict's floor.
const BACKUP_TARGET_ONLY: f64 = 0.45;

/// How many permanent data errors `zpool status` reports for a pool (`errors: 12 data errors,
/// use '-v' for a list`; 0 for `No known data errors`).
fn data_errors(z: &crate::facts::Zpool) -> u64 {
    z.errors
        .as_deref()
        .and_then(|e| e.strip_suffix(", use '-v' for a list").or(Some(e)))
        .and_then(|e| e.trim().strip_suffix("data errors"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Mounts that are full by construction: loop devices, squashfs images, snaps.
fn always_full(d: &crate::facts::Df) -> bool {
    d.filesystem.starts_with("/dev/loop")
        || d.fs_type.as_deref() == Some("squashfs")
        || d.mounted_on.starts_with("/snap/")
}

/// What host storage snapshots show: file systems at 95 % or more (`df`), pools or vdevs not
/// ONLINE (`zpool status`), thin pools that cannot allocate (`lvs`). Returns (weight,
/// evidence, description).
fn storage_snapshots(f: &Context<'_>) -> Option<(f64, Vec<Cited>, String)> {
    let mut best: f64 = 0.0;
    let mut evidence = Vec::new();
    let mut what = Vec::new();
    for fact in f.facts() {
        match &fact.fact.kind {
            // A full root file system stops every writer on its machine, guest or host: direct
            // evidence of exhaustion. Loop, squashfs and snap mounts are always full.
            FactKind::Df(d) if full_root(d) => {
                best = best.max(FULL_ROOT);
                what.push(format!(
                    "the root file system {}% full",
                    d.use_percent.unwrap_or(100)
                ));
                evidence.push(fact.cited());
            }
            _ if fact.role == Role::Guest => {}
            // A full file system alone may be an unrelated mount (a backup share): weak.
            FactKind::Df(d) if d.use_percent.is_some_and(|p| p >= 95) && !always_full(d) => {
                best = best.max(0.45);
                what.push(format!(
                    "{} {}% full",
                    d.mounted_on,
                    d.use_percent.unwrap_or(0)
                ));
                evidence.push(fact.cited());
            }
            // A thin pool that cannot allocate (out of data or metadata space, failed): every
            // thin volume's writes fail or wait.
            FactKind::LogicalVolume(lv) if lv.thin_pool_full() => {
                best = best.max(0.8);
                what.push(format!("thin pool {}/{} {}", lv.vg, lv.lv, lv.attr));
                evidence.push(fact.cited());
            }
            FactKind::Zpool(z) => {
                let state = z.state.as_deref().unwrap_or("");
                let bad_vdevs = z.vdevs.iter().filter(|v| v.state != "ONLINE").count();
                if state == "SUSPENDED" {
                    best = best.max(0.85);
                } else if data_errors(z) > 0 {
                    // Permanent errors (`errors: 505548 data errors, use '-v' for a list`): the
                    // pool handed corrupt data to its readers, whatever its redundancy.
                    best = best.max(0.75);
                } else if matches!(state, "DEGRADED" | "FAULTED" | "UNAVAIL") || bad_vdevs > 0 {
                    // Redundancy lost, but a degraded pool still serves I/O.
                    best = best.max(0.55);
                } else {
                    continue;
                }
                what.push(match data_errors(z) {
                    0 => format!("pool {} {state}", z.name),
                    n => format!("pool {} {state} with {n} data errors", z.name),
                });
                evidence.push(fact.cited());
            }
            _ => {}
        }
    }
    (!evidence.is_empty()).then(|| (best, evidence, what.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::{Kit, constraint, kill};
    use crate::facts::Df;

    #[test]
    fn permanent_data_errors_are_counted_from_zpool_status() {
        let pool = |errors: &str| crate::facts::Zpool {
            name: "ncdata".into(),
            state: Some("DEGRADED".into()),
            status: None,
            scan: None,
            errors: Some(errors.into()),
            vdevs: Vec::new(),
        };
        assert_eq!(
            data_errors(&pool("505548 data errors, use '-v' for a list")),
            505_548
        );
        assert_eq!(data_errors(&pool("No known data errors")), 0);
        assert_eq!(data_errors(&pool("1 data errors")), 1);
    }

    /// A guest's disk fills, the VM runs on, and its database dies over it a while later: the
    /// service is what was lost, at the error that killed it.
    #[test]
    fn a_guest_service_that_died_on_a_full_disk() {
        let mut kit = Kit::new();
        kit.guest(104, 0, SignalKind::NoSpace)
            .guest(104, 1, SignalKind::NoSpace)
            .guest(104, 5, SignalKind::NoSpace)
            .guest(
                104,
                5,
                SignalKind::ServiceFailed {
                    unit: "postgresql@14-main".into(),
                },
            )
            .guest(104, 9, SignalKind::NoSpace);
        let index = kit.index();
        let x = storage(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::ServiceKilled);
        assert_eq!(x.time, Some(crate::diagnose::context::testkit::at(5)));
        // Without the failure, nothing stopped.
        let mut kit = Kit::new();
        kit.guest(104, 0, SignalKind::NoSpace)
            .guest(104, 9, SignalKind::NoSpace);
        let index = kit.index();
        assert_eq!(
            storage(&kit.context(&index)).unwrap().outcome,
            Outcome::None
        );
    }

    /// The host's NFS storage stops answering; a few minutes later the guest's file system
    /// errors and goes read-only, and nothing stops: the guest's damage is the incident.
    #[test]
    fn a_guests_file_system_damaged_by_the_hosts_storage() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::StorageUnreachable)
            .host(1, SignalKind::StorageUnreachable)
            .guest(601, 5, SignalKind::FsError)
            .host(19, SignalKind::StorageUnreachable);
        let index = kit.index();
        let x = storage(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::None);
        assert_eq!(x.time, Some(crate::diagnose::context::testkit::at(5)));
    }

    #[test]
    fn an_io_error_pause_near_the_stop_is_direct() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::IoErrorPause)
            .host(
                0,
                SignalKind::BlockIoError {
                    device: Some("sdc".into()),
                },
            )
            .host(1, SignalKind::VmNotRunning { vmid: 101 });
        let index = kit.index();
        let x = storage(&kit.context(&index)).unwrap();
        // The strongest kind, +0.05 for the second kind.
        assert!((x.confidence - 0.95).abs() < 1e-9);
        assert!(x.title.contains("on sdc"), "{}", x.title);
        assert!(!x.indirect_only);
        assert_eq!(x.cites.first().map(|c| c.signal), Some("io_error_pause"));
    }

    #[test]
    fn storage_that_hung_while_the_guest_logged_on_stopped_nothing() {
        let hung = SignalKind::HungTask {
            comm: Some("kvm".into()),
            pid: Some(2830),
        };
        // NFS stops answering, the host's kvm and the guest's jbd2 hang, the guest's file
        // system errors a quarter of an hour later: the VM ran on.
        let mut kit = Kit::new();
        kit.host(0, SignalKind::StorageUnreachable)
            .host(3, hung.clone())
            .guest(601, 3, hung.clone())
            .guest(601, 15, SignalKind::FsError);
        let index = kit.index();
        assert_eq!(
            storage(&kit.context(&index)).unwrap().outcome,
            Outcome::None
        );
        // Without the guest's own records after the hang, what stopped is unknown.
        let mut kit = Kit::new();
        kit.host(0, SignalKind::StorageUnreachable).host(3, hung);
        let index = kit.index();
        assert_eq!(
            storage(&kit.context(&index)).unwrap().outcome,
            Outcome::Unknown
        );
    }

    /// Full storage pauses two VMs; QEMU logs no pause, the operator's resumes name them. A VM
    /// suspended by hand and resumed, or resumed days later, is not one of them.
    #[test]
    fn the_vms_resumed_after_a_pause_were_the_ones_paused() {
        use crate::diagnose::context::testkit::task_start;
        let upid = |task: &str, vmid: u32| {
            format!("pve-a:002C6CAC:09E99646:691C827F:{task}:{vmid}:root@pam")
        };
        let mut kit = Kit::new();
        kit.host(0, SignalKind::NoSpace)
            .undated_host(SignalKind::IoErrorPause)
            .host(
                5,
                task_start("qmsuspend", Some(204), &upid("qmsuspend", 204)),
            )
            .host(
                20,
                task_start("qmresume", Some(201), &upid("qmresume", 201)),
            )
            .host(
                25,
                task_start("qmresume", Some(203), &upid("qmresume", 203)),
            )
            .host(
                26,
                task_start("qmresume", Some(204), &upid("qmresume", 204)),
            )
            .host(
                60 * 30,
                task_start("qmresume", Some(205), &upid("qmresume", 205)),
            );
        let index = kit.index();
        let x = storage(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::VmPaused);
        assert_eq!(x.vmids, vec![201, 203]);
    }

    /// A failing disk's reads failed last night; this morning a write fails and the VM pauses
    /// (an undated `io-error`): the pause came with this morning's episode.
    #[test]
    fn an_undated_pause_is_dated_by_the_last_episode_of_errors() {
        use crate::diagnose::context::testkit::at;
        let io = || SignalKind::BlockIoError {
            device: Some("nvme0n1".into()),
        };
        let mut kit = Kit::new();
        kit.host(0, io())
            .host(1, io())
            .host(14 * 60, io())
            .undated_host(SignalKind::IoErrorPause);
        let index = kit.index();
        let x = storage(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::VmPaused);
        assert_eq!(x.time, Some(at(14 * 60)));
    }

    #[test]
    fn trouble_days_before_the_stop_is_history() {
        let mut kit = Kit::new();
        kit.host(-3 * 24 * 60, SignalKind::ThinPoolFull);
        kit.host(0, constraint(Some(101), 1))
            .host(0, kill(1, "kvm"));
        let index = kit.index();
        let x = storage(&kit.context(&index)).unwrap();
        assert!(x.indirect_only);
        assert!((x.confidence - 0.425).abs() < 1e-9);
        assert!(x.title.contains("history, not the cause"));
    }

    #[test]
    fn guest_only_errors_stay_below_direct_evidence() {
        let mut kit = Kit::new();
        kit.guest(101, 0, SignalKind::FsError)
            .guest(101, 0, SignalKind::NoSpace);
        let index = kit.index();
        let x = storage(&kit.context(&index)).unwrap();
        assert!(x.confidence <= 0.6);
        assert!(x.indirect_only);
        assert_eq!(x.vmids, vec![101]);
    }

    #[test]
    fn errors_that_stopped_nothing_say_so_and_hangs_stay_unknown() {
        // A full disk the writer was told about, nothing stopped anywhere: nothing stopped.
        let mut kit = Kit::new();
        kit.guest(101, 0, SignalKind::NoSpace)
            .guest(101, 1, SignalKind::FsError);
        let index = kit.index();
        assert_eq!(
            storage(&kit.context(&index)).unwrap().outcome,
            Outcome::None
        );
        // The same with a service killed after it: what stopped is not the storage's to say.
        kit.guest(
            101,
            2,
            SignalKind::ShellKilled {
                program: "make".into(),
            },
        );
        let index = kit.index();
        assert_eq!(
            storage(&kit.context(&index)).unwrap().outcome,
            Outcome::Unknown
        );
        // A thin pool out of data space queues I/O: whatever waited on it, unknown.
        let mut kit = Kit::new();
        kit.host(0, SignalKind::ThinPoolFull);
        let index = kit.index();
        assert_eq!(
            storage(&kit.context(&index)).unwrap().outcome,
            Outcome::Unknown
        );
    }

    fn df(filesystem: &str, fs_type: Option<&str>, use_percent: u8, mounted_on: &str) -> Df {
        Df {
            filesystem: filesystem.into(),
            fs_type: fs_type.map(str::to_owned),
            size_bytes: 100,
            used_bytes: u64::from(use_percent),
            avail_bytes: 100 - u64::from(use_percent),
            use_percent: Some(use_percent),
            mounted_on: mounted_on.into(),
        }
    }

    #[test]
    fn a_full_root_is_direct_and_images_are_always_full() {
        assert!(full_root(&df("/dev/sda1", None, 100, "/")));
        assert!(!full_root(&df("/dev/sda1", None, 97, "/")));
        assert!(!full_root(&df("/dev/sdb1", None, 100, "/mnt/backup")));
        assert!(always_full(&df("/dev/loop3", None, 100, "/snap/core/1")));
        assert!(always_full(&df(
            "/dev/sr0",
            Some("squashfs"),
            100,
            "/media/cd"
        )));
        assert!(!always_full(&df(
            "/dev/sdb1",
            Some("ext4"),
            100,
            "/mnt/backup"
        )));
    }
}
