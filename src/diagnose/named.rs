//! Causes outside the four families, named: a kernel panic (the machine's own, or a guest's as
//! its host reports it), watchdog expiry or HA fencing, QEMU dying by a signal, a VM's process
//! hung in the kernel. The verdict is then `inconclusive`, with a finding saying what was seen.
//! A QEMU segfault that names its process only by pid names the VM that pid was in that host
//! boot ([`crate::vmpids`]), citing the record that ties them.

use super::context::{Context, find, finding, identify, vm_of_guest_signals};
use super::{Family, Finding, Outcome};
use crate::event::Role;
use crate::facts::FactKind;
use crate::signals::SignalKind;

/// Causes outside the four families, and stops nothing explains (DESIGN.md §2: the verdict is
/// then `inconclusive`, with a finding naming what was seen).
pub fn named_causes(f: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut named = |pred: fn(&SignalKind) -> bool, confidence, title: &str, outcome: Outcome| {
        let cited = find(f, pred);
        if cited.is_empty() {
            return;
        }
        let mut x = finding(Family::Inconclusive, confidence, title.to_string());
        x.time = cited.first().and_then(|s| f.time(s));
        x.outcome = outcome;
        x.vmids = vm_of_guest_signals(f, &cited);
        // A host's record that names its guest (`103.scope: Failed with result 'signal'`,
        // `pve-container@105.service: …`).
        for vmid in cited
            .iter()
            .filter_map(|s| crate::index::named_vmid(&s.kind))
        {
            if !x.vmids.contains(&vmid) {
                x.vmids.push(vmid);
            }
        }
        x.vmids.sort_unstable();
        x.cites = cited.iter().map(|s| f.cite(s)).collect();
        // A node reset by its watchdog (HA fencing) stopped every VM running on it, at the end
        // of the boot the reset cut short: its last record, and the next boot's start as the
        // bound of a stop no record marks.
        if outcome == Outcome::HostReset
            && let Some((first, t)) = cited
                .iter()
                .filter(|s| f.role(s) != Role::Guest)
                .find_map(|s| Some((*s, f.time(s)?)))
        {
            for vmid in super::hardware::running_at(f, t, Some(first.machine)) {
                if !x.vmids.contains(&vmid) {
                    x.vmids.push(vmid);
                }
            }
            if let Some(cut) = f.host_unclean_boots.iter().find(|b| {
                b.end.is_some_and(|end| {
                    end <= t + chrono::Duration::minutes(FENCE_END_MIN)
                        && t - end <= chrono::Duration::minutes(FENCE_END_MIN)
                })
            }) && let (Some(end), Some(next)) = (cut.end, cut.next_start)
            {
                x.time = Some(end);
                x.bound = Some((end, next));
            }
        }
        // A guest's panic known only from an undated paste (its console): the guest's boot that
        // ended uncleanly bounds it, from its last record to its next boot (the latest such
        // boot of the VM).
        if x.time.is_none()
            && let Some(boot) = f
                .guest_unclean_boots
                .iter()
                .filter(|b| b.vmid.is_some_and(|v| x.vmids.contains(&v)))
                .filter(|b| b.end.is_some() && b.next_start.is_some())
                .max_by_key(|b| b.end)
            && let (Some(end), Some(next)) = (boot.end, boot.next_start)
        {
            x.time = Some(end);
            x.bound = Some((end, next));
        }
        // A crash that names its process only by pid: the VM whose process the pid was.
        for s in &cited {
            if let SignalKind::QemuCrashed { pid: Some(pid) }
            | SignalKind::HungTask { pid: Some(pid), .. } = s.kind
                && f.role(s) != Role::Guest
                && let Some(vm) = f.vm_of_pid(s, pid)
            {
                identify(&mut x, pid, "QEMU process", vm);
            }
        }
        x.recommendations = vec![
            "read the cited records and the lines around them: the cause lies outside the runbook's four families".to_string(),
        ];
        out.push(x);
    };
    named(
        |k| matches!(k, SignalKind::KernelPanic | SignalKind::GuestPanicked),
        0.7,
        PANIC,
        Outcome::Unknown,
    );
    named(
        |k| matches!(k, SignalKind::Fencing { .. }),
        0.7,
        "watchdog expiry or HA fencing (a cause outside the four families)",
        Outcome::HostReset,
    );
    named(
        |k| {
            matches!(
                k,
                SignalKind::ScopeFailed { .. } | SignalKind::QemuCrashed { .. }
            )
        },
        0.6,
        "the VM's QEMU process ended abnormally (killed by a signal or crashed), with no OOM line",
        Outcome::VmStopped,
    );
    // A VM's process hung on the host: a named cause when nothing shows the VM running on;
    // with the guest's own logs in the bundle, `not_a_shutdown` weighs it as trouble instead.
    if !f.coverage.has_guest {
        named(
            vm_process_hung,
            0.55,
            "a VM's process hung in the kernel (blocked for minutes): the VM froze waiting on its storage or the host (a cause outside the four families: read the call trace, check the storage's latency)",
            Outcome::Unknown,
        );
    }
    host_went_down_over_panic(f, &mut out);
    held_after_panic(f, &mut out);
    out
}

/// How long (minutes) after a host's panic its boot may end, without a shutdown, for the node
/// to have gone down over it (a kdump capture, a reset after the hang).
const DOWN_AFTER_PANIC_MIN: i64 = 30;

/// A host's own panic that its boot then ended over (the boot's last record within minutes of
/// it, and no shutdown): the node went down, stopping every VM running on it then.
fn host_went_down_over_panic(f: &Context<'_>, out: &mut [Finding]) {
    let Some(x) = out.iter_mut().find(|x| x.title == PANIC) else {
        return;
    };
    let Some((machine, t)) = find(f, |k| matches!(k, SignalKind::KernelPanic))
        .into_iter()
        .filter(|s| f.role(s) != Role::Guest)
        .find_map(|s| Some((s.machine, f.time(s)?)))
    else {
        return;
    };
    let window = chrono::Duration::minutes(DOWN_AFTER_PANIC_MIN);
    let down = f.host_unclean_boots.iter().any(|b| {
        b.end
            .is_some_and(|end| end >= t - chrono::Duration::minutes(1) && end - t <= window)
    });
    if !down {
        return;
    }
    x.outcome = Outcome::HostReset;
    for vmid in super::hardware::running_at(f, t, Some(machine)) {
        if !x.vmids.contains(&vmid) {
            x.vmids.push(vmid);
        }
    }
    x.vmids.sort_unstable();
}

/// The title of a panic's finding.
const PANIC: &str = "a kernel panic or oops (a cause outside the four families)";

/// A guest QEMU holds stopped after its panic: `qm status` showing `qmpstatus:
/// guest-panicked` (pvpanic with `-action panic=pause`). The VM is paused, not gone: the
/// panic's finding (or, when no panic line is in the bundle, one of its own) names it, with
/// outcome `vm_paused`.
fn held_after_panic(f: &Context<'_>, out: &mut Vec<Finding>) {
    let held: Vec<_> = f
        .facts()
        .filter(|fact| matches!(&fact.fact.kind, FactKind::VmStatus(v) if v.guest_panicked()))
        .collect();
    if held.is_empty() {
        return;
    }
    let held_vms: Vec<u32> = held
        .iter()
        .filter_map(|fact| match &fact.fact.kind {
            FactKind::VmStatus(v) => v.vmid,
            _ => None,
        })
        .collect();
    // The panic finding of the same guest (a host's own panic is another story).
    let same_guest = |x: &Finding| {
        x.title == PANIC
            && !x.vmids.is_empty()
            && (held_vms.is_empty() || x.vmids.iter().any(|v| held_vms.contains(v)))
    };
    let at = match out.iter().position(same_guest) {
        Some(at) => at,
        None => {
            let mut x = finding(
                Family::Inconclusive,
                0.7,
                "a guest panicked and its QEMU holds it stopped (qm status: guest-panicked): a cause outside the four families".to_string(),
            );
            x.recommendations = vec![
                "read the guest's own crash record (a Linux guest's console or kdump, a Windows guest's bug check dump and event 1001) before resetting it: the cause lies outside the runbook's four families".to_string(),
            ];
            out.push(x);
            out.len() - 1
        }
    };
    let x = &mut out[at];
    x.outcome = Outcome::VmPaused;
    for fact in &held {
        if let FactKind::VmStatus(v) = &fact.fact.kind
            && let Some(vmid) = v.vmid
            && !x.vmids.contains(&vmid)
        {
            x.vmids.push(vmid);
        }
        x.cites.push(fact.cited());
    }
    x.vmids.sort_unstable();
}

/// How far (minutes) from a fencing record the fenced node's boot may end to be the one the
/// fence cut short.
const FENCE_END_MIN: i64 = 10;

/// A hung-task report of a VM's process (`INFO: task kvm:6747 blocked for more than 120
/// seconds.`, a vCPU thread `CPU 0/KVM`): the VM stood still for minutes. Only the VM process's
/// names count (not `qemu-ga` in a guest, nor `qemu-img`); rules read it on the host's side.
pub fn vm_process_hung(k: &SignalKind) -> bool {
    matches!(k, SignalKind::HungTask { comm: Some(c), .. } if crate::vmpids::is_vm_process(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::Kit;

    /// A guest's panic known only from its console, pasted without times: its boot that ended
    /// uncleanly bounds it, from its last record to its next boot.
    #[test]
    fn an_undated_guest_panic_is_bounded_by_its_unclean_boot() {
        use crate::diagnose::context::UncleanBoot;
        use crate::diagnose::context::testkit::at;
        let mut kit = Kit::new();
        kit.push(
            1,
            Role::Guest,
            Some(107),
            None,
            SignalKind::KernelPanic,
            None,
        );
        let index = kit.index();
        let mut f = kit.context(&index);
        f.guest_unclean_boots = vec![UncleanBoot {
            end: Some(at(0)),
            next_start: Some(at(20)),
            vmid: Some(107),
            evidence: Vec::new(),
        }];
        let found = named_causes(&f);
        let x = found.first().expect("the panic is named");
        assert_eq!(x.vmids, [107]);
        assert_eq!(x.time, Some(at(0)));
        assert_eq!(x.bound, Some((at(0), at(20))));
    }

    /// A host panics; its boot ends there (a kdump capture, then a reset) and the next boot
    /// starts the guests again: the node went down over the panic, stopping the VMs it ran.
    /// A host panic the host logged on through stopped nothing known.
    #[test]
    fn a_host_panic_its_boot_ended_over_reset_the_node() {
        use crate::diagnose::context::UncleanBoot;
        use crate::diagnose::context::testkit::at;
        let mut kit = Kit::new();
        kit.host(0, SignalKind::ScopeStarted { vmid: 100 })
            .host(1, SignalKind::ScopeStarted { vmid: 101 })
            .host(2, SignalKind::ScopeDeactivated { vmid: 101 })
            .host(10, SignalKind::KernelPanic);
        kit.unclean_boots.push(UncleanBoot {
            end: Some(at(10)),
            next_start: Some(at(14)),
            vmid: None,
            evidence: Vec::new(),
        });
        let index = kit.index();
        let found = named_causes(&kit.context(&index));
        assert_eq!(found[0].outcome, Outcome::HostReset);
        assert_eq!(found[0].vmids, vec![100]);

        let mut kit = Kit::new();
        kit.host(0, SignalKind::ScopeStarted { vmid: 100 })
            .host(10, SignalKind::KernelPanic);
        kit.unclean_boots.push(UncleanBoot {
            end: Some(at(300)),
            next_start: Some(at(310)),
            vmid: None,
            evidence: Vec::new(),
        });
        let index = kit.index();
        let found = named_causes(&kit.context(&index));
        assert_eq!(found[0].outcome, Outcome::Unknown);
        assert!(found[0].vmids.is_empty());
    }

    #[test]
    fn panics_fencing_and_qemu_deaths_are_named_inconclusive_causes() {
        let mut kit = Kit::new();
        kit.guest(101, 0, SignalKind::KernelPanic).host(
            1,
            SignalKind::ScopeFailed {
                vmid: 101,
                result: "signal".into(),
            },
        );
        let index = kit.index();
        let found = named_causes(&kit.context(&index));
        let got: Vec<(Family, f64)> = found.iter().map(|x| (x.family, x.confidence)).collect();
        assert_eq!(
            got,
            vec![(Family::Inconclusive, 0.7), (Family::Inconclusive, 0.6)]
        );
        assert_eq!(found[0].vmids, vec![101]);
        assert_eq!(found[1].vmids, vec![101]);
        assert!(named_causes(&Kit::new().context(&Kit::new().index())).is_empty());
    }

    #[test]
    fn a_hung_vm_process_is_a_named_cause_and_other_hung_tasks_are_not() {
        let hung = |comm: &str| SignalKind::HungTask {
            comm: Some(comm.into()),
            pid: Some(6747),
        };
        let mut kit = Kit::new();
        kit.host(0, hung("kvm"));
        let index = kit.index();
        let mut f = kit.context(&index);
        // Host logs only: nothing shows the VM running on.
        f.coverage.has_guest = false;
        let found = named_causes(&f);
        assert_eq!(found.len(), 1);
        assert!((found[0].confidence - 0.55).abs() < 1e-9);
        assert!(found[0].title.contains("hung"), "{}", found[0].title);
        // With the guest's own logs the hang is trouble it ran through (`not_a_shutdown`).
        f.coverage.has_guest = true;
        assert!(named_causes(&f).is_empty());
        let x = crate::diagnose::unexplained::not_a_shutdown(&f, &[]).unwrap();
        assert_eq!(x.family, Family::NotAShutdown);
        assert!(x.title.contains("hung_task"), "{}", x.title);
        // QEMU's guest agent hung inside a guest is no VM process.
        let mut kit = Kit::new();
        kit.host(0, hung("qemu-ga"));
        let index = kit.index();
        let mut f = kit.context(&index);
        f.coverage.has_guest = false;
        assert!(named_causes(&f).is_empty());
        let mut kit = Kit::new();
        kit.host(0, hung("txg_sync"));
        let index = kit.index();
        assert!(named_causes(&kit.context(&index)).is_empty());
    }

    #[test]
    fn a_qemu_segfault_names_the_vm_its_pid_was() {
        use crate::diagnose::context::testkit::at;
        use crate::event::Cite;
        use crate::vmpids::{PidVm, VmPids};
        let mut kit = Kit::new();
        kit.host(0, SignalKind::QemuCrashed { pid: Some(74541) });
        let index = kit.index();
        let pids = VmPids::from_pairs(
            vec![Vec::new()],
            vec![(
                0,
                Some(at(-60)),
                74541,
                PidVm {
                    vmid: 105,
                    cite: Cite::Fact { source: 3, fact: 2 },
                    how: "`qm list` PID column at host/pve1/qm-list.txt:4".into(),
                },
            )],
        );
        let mut f = kit.context(&index);
        assert!(named_causes(&f)[0].vmids.is_empty());
        f.vm_pids = Some(&pids);
        let x = &named_causes(&f)[0];
        assert_eq!(x.vmids, vec![105]);
        assert_eq!(
            x.identified,
            ["pid 74541 is VM 105's QEMU process: `qm list` PID column at host/pve1/qm-list.txt:4"]
        );
        assert_eq!(x.cites.len(), 2);
    }
}
