//! hardware: machine checks, uncorrected memory errors, fatal PCIe errors and thermal shutdowns
//! on the host near a VM stop; a host boot that ended without a shutdown and with no software
//! cause (power loss or reset, indirect); corrected errors (memory, machine check, PCIe) and
//! throttling as warnings only.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::context::{Cited, Context, UncleanBoot, finding};
use super::stops::Stops;
use super::{Family, Finding, Outcome};
use crate::event::Role;
use crate::index::Entry;
use crate::signals::SignalKind;

/// hardware: machine checks, uncorrected memory errors, thermal shutdown, power loss.
pub fn hardware(f: &Context<'_>) -> Option<Finding> {
    // A fatal PCIe error the device recovered from (`AER: Device recovery successful`) is often
    // a reset quirk of a passed-through device rather than failing hardware.
    let pcie_recovered = f
        .signals()
        .any(|s| matches!(s.kind, SignalKind::PcieRecovered));
    let direct = |k: &SignalKind| -> Option<f64> {
        Some(match k {
            SignalKind::ThermalShutdown => 0.9,
            SignalKind::MachineCheck | SignalKind::EdacUncorrected => 0.85,
            SignalKind::PcieError { fatal: true } if pcie_recovered => 0.6,
            SignalKind::PcieError { fatal: true } => 0.8,
            _ => return None,
        })
    };
    let indirect = |k: &SignalKind| -> Option<f64> {
        Some(match k {
            SignalKind::ThermalThrottle => 0.4,
            SignalKind::EdacCorrected
            | SignalKind::MachineCheckNotice
            | SignalKind::PcieError { fatal: false } => 0.35,
            _ => return None,
        })
    };
    // Computed once: a flood of I/O errors must not rescan every signal per error.
    let stops = Stops::of(f);
    let strong: Vec<&Entry> = f
        .signals()
        .filter(|s| f.role(s) != Role::Guest && direct(&s.kind).is_some() && stops.near(s))
        .collect();
    let weak: Vec<&Entry> = f
        .signals()
        .filter(|s| f.role(s) != Role::Guest && indirect(&s.kind).is_some())
        .collect();
    let power_loss = host_unclean_reboots(f);
    if strong.is_empty() && weak.is_empty() && power_loss.is_empty() {
        return None;
    }
    if !strong.is_empty() {
        let kinds: BTreeSet<&str> = strong.iter().map(|s| s.kind.name()).collect();
        let best = strong
            .iter()
            .filter_map(|s| direct(&s.kind))
            .fold(0.0, f64::max);
        let mut x = finding(
            Family::Hardware,
            (best + 0.05 * kinds.len().saturating_sub(1) as f64).min(0.95),
            format!(
                "hardware fault on the host: {}",
                kinds
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
                    .replace('_', " ")
            ),
        );
        // A machine check the kernel logs as a boot starts reports banks left from before the
        // reset: it dates the boot, not the fault. The first record dated otherwise (the BMC's
        // SEL, a machine check logged while the host ran) is the fault's.
        x.time = strong
            .iter()
            .filter_map(|s| f.time(s))
            .find(|t| replayed_at_boot(f, *t).is_none())
            .or_else(|| strong.first().and_then(|s| f.time(s)));
        // An uncorrected error the host survived (a patrol scrub's, the page offlined) came
        // before the one that brought it down: the incident is the fatal machine check or the
        // panic over it, where one is dated after the first fault.
        if let Some(first) = x.time
            && let Some(fatal) = f
                .signals()
                .filter(|s| {
                    s.role != Role::Guest
                        && matches!(
                            s.kind,
                            SignalKind::MachineCheckFatal | SignalKind::KernelPanic
                        )
                })
                .filter_map(|s| f.time(s))
                .filter(|t| *t >= first && replayed_at_boot(f, *t).is_none())
                .min()
        {
            x.time = Some(fatal);
        }
        // Only replayed records: the fault lies between the boot's last record and the next
        // boot, which reported it.
        if let Some(t) = x.time
            && let Some(boot) = replayed_at_boot(f, t)
            && let (Some(end), Some(next)) = (boot.end, boot.next_start)
        {
            x.time = Some(end);
            x.bound = Some((end, next));
        }
        // The node went down when the kernel panicked or shut itself down over the fault, or
        // when the machine check was one no machine survives (processor context corrupt).
        x.outcome = if f.signals().any(|s| {
            s.role != Role::Guest
                && matches!(
                    s.kind,
                    SignalKind::KernelPanic
                        | SignalKind::ThermalShutdown
                        | SignalKind::MachineCheckFatal
                )
        }) || x
            .time
            .is_some_and(|t| went_down_after(f, &power_loss, t, strong.first().map(|s| s.machine)))
        {
            Outcome::HostReset
        } else {
            Outcome::Unknown
        };
        if x.outcome == Outcome::HostReset
            && let Some(t) = x.time
        {
            x.vmids = running_at(f, t, strong.first().map(|s| s.machine));
        }
        x.cites = strong
            .iter()
            .chain(weak.iter())
            .map(|s| f.cite(s))
            .collect();
        return Some(x);
    }
    if let Some((time, next, evidence)) = power_loss.into_iter().next() {
        let mut x = finding(
            Family::Hardware,
            0.55,
            "the host stopped without a shutdown and no software cause was logged (power loss or reset?)".to_string(),
        );
        x.indirect_only = true;
        x.outcome = Outcome::HostReset;
        x.time = time;
        x.bound = time.zip(next);
        if let Some(t) = time {
            x.vmids = running_at(f, t, reboot_machine(f, &evidence));
        }
        x.cites = evidence;
        return Some(x);
    }
    let (confidence, title, cited): (f64, String, Vec<&Entry>) = {
        let best = weak
            .iter()
            .filter_map(|s| indirect(&s.kind))
            .fold(0.0, f64::max);
        let kinds: BTreeSet<&str> = weak.iter().map(|s| s.kind.name()).collect();
        (
            best,
            format!(
                "hardware warnings on the host (not a fault by themselves): {}",
                kinds
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
                    .replace('_', " ")
            ),
            weak,
        )
    };
    let mut x = finding(Family::Hardware, confidence, title);
    x.indirect_only = true;
    x.time = cited.first().and_then(|s| f.time(s));
    x.cites = cited.iter().map(|s| f.cite(s)).collect();
    Some(x)
}

/// How long (seconds) after a host's boot starts a machine check it logs is taken for the kernel
/// reporting the banks the reset left (its machine-check init reads them within seconds; the
/// journal stamps them when it starts, `rasdaemon` or `mcelog` decode them a little later).
const REPLAYED_WITHIN_S: i64 = 120;

/// The boot that ended without a shutdown and whose successor started up to
/// [`REPLAYED_WITHIN_S`] before `t`: a machine check dated `t` reports that boot's fault.
fn replayed_at_boot<'c>(f: &'c Context<'_>, t: DateTime<Utc>) -> Option<&'c UncleanBoot> {
    f.host_unclean_boots.iter().find(|b| {
        b.next_start
            .is_some_and(|n| t >= n && t - n <= chrono::Duration::seconds(REPLAYED_WITHIN_S))
    })
}

/// How long (minutes) after a fault the host's last record may come for the boot that then
/// ended without a shutdown to have ended over the fault (it hung, then was reset).
const HUNG_AFTER_FAULT_MIN: i64 = 30;

/// Whether a boot of host `machine` (any, when unknown) that ended without a shutdown ended over
/// the fault at `t`: its last record came at the fault or within [`HUNG_AFTER_FAULT_MIN`] after.
fn went_down_after(
    f: &Context<'_>,
    reboots: &[UncleanReboot],
    t: DateTime<Utc>,
    machine: Option<u32>,
) -> bool {
    reboots.iter().any(|reboot| {
        reboot
            .0
            .is_some_and(|e| e >= t && e - t <= chrono::Duration::minutes(HUNG_AFTER_FAULT_MIN))
            // A reset whose records name no machine may be the fault's host's.
            && reboot_machine(f, &reboot.2).is_none_or(|m| machine.is_none_or(|x| x == m))
    })
}

/// The machine whose boot a host reset ended: the one whose records show it.
fn reboot_machine(f: &Context<'_>, evidence: &[Cited]) -> Option<u32> {
    evidence.iter().find_map(|c| match c.cite {
        crate::event::Cite::Event { source, .. } => f
            .signals()
            .find(|s| s.source as usize == source)
            .map(|s| s.machine),
        _ => None,
    })
}

/// The VMs running on host `machine` (any host when unknown) at `t`, which a host-wide crash
/// stopped: started (their scope, a `qmstart` task) since the host's last boot and not stopped
/// before it (the scope ended, `qmstop`/`qmshutdown`), by the host's records; the guests
/// whose own boot ended without a shutdown within ten minutes before it (or that a backup found
/// running since the host's boot, `status = running`); and the VMs started on the host when it
/// came back (its `startall`, an operator in the first [`RESTORED_WITHIN_MIN`] minutes) unless
/// its records show them stopped before it.
pub fn running_at(f: &Context<'_>, t: DateTime<Utc>, machine: Option<u32>) -> Vec<u32> {
    let mut running: BTreeSet<u32> = BTreeSet::new();
    let mut stopped: BTreeSet<u32> = BTreeSet::new();
    // The VM each backup log is backing up (its last `Starting Backup of VM N`), whose
    // `status = running` line then shows it running.
    let mut backing_up: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    for s in f.signals() {
        if f.role(s) == Role::Guest
            || s.time.is_none_or(|x| x > t)
            || machine.is_some_and(|m| m != s.machine)
        {
            continue;
        }
        match &s.kind {
            // The host booted again: whatever ran before stopped then.
            SignalKind::KernelBoot => {
                running.clear();
                stopped.clear();
            }
            SignalKind::ScopeStarted { vmid } => {
                running.insert(*vmid);
            }
            SignalKind::TaskStart {
                task,
                vmid: Some(vmid),
                ..
            } => match task.as_str() {
                // A console opens only on a running guest, and a reboot leaves it running:
                // both show a VM that was started before the logs began.
                "qmstart" | "vzstart" | "qmreboot" | "vzreboot" | "vncproxy" | "spiceproxy" => {
                    running.insert(*vmid);
                }
                "qmstop" | "qmshutdown" | "vzstop" | "vzshutdown" => {
                    running.remove(vmid);
                    stopped.insert(*vmid);
                }
                _ => {}
            },
            SignalKind::ScopeDeactivated { vmid }
            | SignalKind::ScopeFailed { vmid, .. }
            | SignalKind::ScopeOomKilled { vmid } => {
                running.remove(vmid);
                stopped.insert(*vmid);
            }
            SignalKind::Backup {
                phase: "start",
                vmid: Some(vmid),
            } => {
                backing_up.insert(s.source, *vmid);
            }
            SignalKind::Backup {
                phase: "running", ..
            } => {
                if let Some(vmid) = backing_up.get(&s.source) {
                    running.insert(*vmid);
                    stopped.remove(vmid);
                }
            }
            _ => {}
        }
    }
    // The guests started on that host when it came back (its next boot's `startall`, or an
    // operator restoring what was down in the first minutes after): they ran before the crash
    // too, unless its records show them stopped before it.
    let on_host = |s: &&crate::index::Entry| {
        f.role(s) != Role::Guest && machine.is_none_or(|m| m == s.machine)
    };
    let back = f
        .signals()
        .filter(on_host)
        .filter(|s| {
            matches!(&s.kind, SignalKind::KernelBoot)
                || matches!(&s.kind, SignalKind::TaskStart { task, .. } if task == "startall")
        })
        .filter_map(|s| s.time)
        .find(|at| *at > t)
        .filter(|at| *at - t <= chrono::Duration::hours(BACK_WITHIN_H));
    if let Some(from) = back {
        let until = from + chrono::Duration::minutes(RESTORED_WITHIN_MIN);
        for s in f.signals().filter(on_host) {
            // A start task, or the scope it starts (`pve-guests` names its tasks only in
            // `start VM 120: UPID:…`).
            let started = match &s.kind {
                SignalKind::TaskStart {
                    task,
                    vmid: Some(vmid),
                    ..
                } if matches!(task.as_str(), "qmstart" | "vzstart") => Some(*vmid),
                SignalKind::ScopeStarted { vmid } => Some(*vmid),
                _ => None,
            };
            if let Some(vmid) = started
                && s.time.is_some_and(|at| at >= from && at <= until)
                && !stopped.contains(&vmid)
            {
                running.insert(vmid);
            }
        }
    }
    for b in &f.guest_unclean_boots {
        if let (Some(v), Some(end)) = (b.vmid, b.end)
            && end <= t + chrono::Duration::minutes(1)
            && t - end <= chrono::Duration::minutes(10)
        {
            running.insert(v);
        }
    }
    running.into_iter().collect()
}

/// How long (hours) after a crash the host's next boot may come to be the one that restored its
/// guests.
const BACK_WITHIN_H: i64 = 24;

/// How long (minutes) after a crashed host came back (its boot, its `startall`) the guests
/// started on it are taken for the ones the crash stopped.
const RESTORED_WITHIN_MIN: i64 = 45;

/// A host reset: its last record, the next boot's start, and the records that show it.
pub type UncleanReboot = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Vec<Cited>);

/// Host boots that ended without a shutdown (from the boot history, per machine), when nothing
/// in the logs explains the reset (fencing, a panic): the records that show it, and when.
pub fn host_unclean_reboots(f: &Context<'_>) -> Vec<UncleanReboot> {
    let explained = f.signals().any(|s| {
        matches!(s.kind, SignalKind::Fencing { .. } | SignalKind::KernelPanic)
            && f.role(s) != Role::Guest
    });
    if explained {
        return Vec::new();
    }
    f.host_unclean_boots
        .iter()
        .map(|b| (b.end, b.next_start, b.evidence.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::UncleanBoot;
    use crate::diagnose::context::testkit::{Kit, at};
    use crate::event::Cite;

    #[test]
    fn machine_checks_on_the_host_are_direct_and_guest_ones_are_not_the_host() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::MachineCheck)
            .host(1, SignalKind::EdacUncorrected)
            .guest(101, 2, SignalKind::MachineCheck);
        let index = kit.index();
        let x = hardware(&kit.context(&index)).unwrap();
        assert!((x.confidence - 0.9).abs() < 1e-9);
        assert_eq!(x.cites.len(), 2);
        assert!(!x.indirect_only);
    }

    #[test]
    fn a_host_crash_stops_the_vms_running_then() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::ScopeStarted { vmid: 101 })
            .host(1, SignalKind::ScopeStarted { vmid: 102 })
            .host(2, SignalKind::ScopeDeactivated { vmid: 102 })
            .host(9, SignalKind::ScopeStarted { vmid: 103 });
        let index = kit.index();
        assert_eq!(running_at(&kit.context(&index), at(5), None), vec![101]);
    }

    #[test]
    fn a_console_on_a_vm_shows_it_running_though_its_start_is_not_in_the_logs() {
        let upid = "pve-b:00250F1C:07CD7FAF:691C5B1C:vncproxy:141:root@pam";
        let mut kit = Kit::new();
        kit.host(0, SignalKind::ScopeStarted { vmid: 140 }).host(
            2,
            SignalKind::TaskStart {
                task: "vncproxy".into(),
                vmid: Some(141),
                upid: upid.into(),
            },
        );
        let index = kit.index();
        assert_eq!(
            running_at(&kit.context(&index), at(5), None),
            vec![140, 141]
        );
    }

    /// A patrol scrub's uncorrected error the host survived, then, 45 minutes on, the fatal
    /// machine check that panicked it: the incident is the fatal one, and the VMs started by
    /// the next boot's `startall` (named by their scopes) ran at it.
    #[test]
    fn a_survived_uncorrected_error_is_not_the_fatal_one() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::EdacUncorrected)
            .host(45, SignalKind::MachineCheckFatal)
            .host(
                49,
                crate::diagnose::context::testkit::task_start(
                    "startall",
                    None,
                    "pve:1:2:3:startall::root@pam",
                ),
            )
            .host(49, SignalKind::ScopeStarted { vmid: 120 })
            .host(50, SignalKind::KernelBoot);
        let index = kit.index();
        let x = hardware(&kit.context(&index)).unwrap();
        assert_eq!(x.time, Some(at(45)));
        assert_eq!(x.outcome, Outcome::HostReset);
        assert_eq!(x.vmids, [120]);
    }

    /// The BMC's SEL dates a processor's internal error; the host hangs, is reset, and its
    /// kernel logs the banks the error left as the next boot starts: the boot's record dates the
    /// boot, the SEL's the fault. With only the replayed record, the fault is bounded by the
    /// boot's last record and the next boot.
    #[test]
    fn a_machine_check_logged_as_the_next_boot_starts_dates_the_boot_not_the_fault() {
        let reset = UncleanBoot {
            end: Some(at(11)),
            next_start: Some(at(14)),
            vmid: None,
            evidence: Vec::new(),
        };
        let mut kit = Kit::new();
        kit.host(10, SignalKind::MachineCheck)
            .host(14, SignalKind::MachineCheckFatal)
            .host(15, SignalKind::MachineCheckFatal);
        kit.unclean_boots.push(reset.clone());
        let index = kit.index();
        let x = hardware(&kit.context(&index)).unwrap();
        assert_eq!((x.time, x.bound), (Some(at(10)), None));
        assert_eq!(x.outcome, Outcome::HostReset);

        let mut kit = Kit::new();
        kit.host(14, SignalKind::MachineCheckFatal);
        kit.unclean_boots.push(reset);
        let index = kit.index();
        let x = hardware(&kit.context(&index)).unwrap();
        assert_eq!((x.time, x.bound), (Some(at(11)), Some((at(11), at(14)))));
    }

    #[test]
    fn corrected_errors_alone_are_warnings() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::EdacCorrected);
        let index = kit.index();
        let x = hardware(&kit.context(&index)).unwrap();
        assert!(x.indirect_only);
        assert!((x.confidence - 0.35).abs() < 1e-9);
    }

    #[test]
    fn an_unexplained_host_reset_is_indirect_power_loss_unless_a_panic_explains_it() {
        let boot = UncleanBoot {
            end: Some(at(0)),
            next_start: Some(at(3)),
            vmid: None,
            evidence: vec![Cited {
                cite: Cite::Event {
                    source: 0,
                    event: 3,
                },
                signal: "",
                time: None,
            }],
        };
        let mut kit = Kit::new();
        kit.host(-5, SignalKind::PackageUpgrade);
        kit.unclean_boots.push(boot);
        let index = kit.index();
        let x = hardware(&kit.context(&index)).unwrap();
        assert!(x.indirect_only);
        assert!((x.confidence - 0.55).abs() < 1e-9);
        assert_eq!(x.time, Some(at(0)));
        assert_eq!(x.bound, Some((at(0), at(3))));

        kit.host(-1, SignalKind::KernelPanic);
        let index = kit.index();
        assert!(hardware(&kit.context(&index)).is_none());
    }

    /// A VM whose start is not in the logs, found running by last night's backup (vzdump's
    /// `status = running` after `Starting Backup of VM 105`), was running when the host died.
    #[test]
    fn a_backup_that_found_a_vm_running_shows_it_running() {
        let backup = |phase, vmid| SignalKind::Backup { phase, vmid };
        let mut kit = Kit::new();
        kit.host(0, backup("start", Some(105)))
            .host(0, backup("running", None))
            .host(1, backup("end", Some(105)))
            .host(2, backup("start", Some(106)))
            .host(3, backup("end", Some(106)));
        let index = kit.index();
        assert_eq!(running_at(&kit.context(&index), at(5), None), vec![105]);
    }

    /// A fatal PCIe error, then the host's boot ending without a shutdown minutes later (it
    /// hung and was reset), then `startall` bringing the guests back: the host went down over
    /// the fault, stopping the VMs that ran then, the ones `startall` restarted included.
    #[test]
    fn a_fault_the_host_then_went_down_over_resets_it_and_startall_names_its_guests() {
        let upid = |task: &str, vmid: &str| {
            format!("pve:000008F4:000008B3:68D150D8:{task}:{vmid}:root@pam")
        };
        let start = |task: &str, vmid: Option<u32>| SignalKind::TaskStart {
            task: task.into(),
            vmid,
            upid: upid(task, &vmid.map_or(String::new(), |v| v.to_string())),
        };
        let mut kit = Kit::new();
        kit.host(0, SignalKind::ScopeStarted { vmid: 101 })
            .host(2, SignalKind::ScopeStarted { vmid: 103 })
            .host(4, SignalKind::ScopeDeactivated { vmid: 103 })
            .host(10, SignalKind::PcieError { fatal: true })
            .host(40, SignalKind::KernelBoot)
            .host(41, start("startall", None))
            .host(41, start("qmstart", Some(101)))
            .host(42, start("qmstart", Some(102)))
            .host(43, start("qmstart", Some(103)))
            // Started by hand twenty minutes after the boot: restored after the crash.
            .host(60, start("qmstart", Some(106)))
            // An hour later: not one the crash stopped.
            .host(100, start("qmstart", Some(104)));
        kit.unclean_boots.push(UncleanBoot {
            end: Some(at(13)),
            next_start: Some(at(40)),
            vmid: None,
            evidence: Vec::new(),
        });
        let index = kit.index();
        let x = hardware(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::HostReset);
        assert_eq!(x.time, Some(at(10)));
        // 103 was stopped before the fault: `startall` starting it again says nothing of it.
        assert_eq!(x.vmids, vec![101, 102, 106]);

        // A host that logged on for an hour after the fault did not go down over it.
        let mut kit = Kit::new();
        kit.host(10, SignalKind::PcieError { fatal: true });
        kit.unclean_boots.push(UncleanBoot {
            end: Some(at(70)),
            next_start: Some(at(80)),
            vmid: None,
            evidence: Vec::new(),
        });
        let index = kit.index();
        assert_eq!(
            hardware(&kit.context(&index)).map(|x| x.outcome),
            Some(Outcome::Unknown)
        );
    }
}
