//! not_a_shutdown, or a stop nothing explains: when no root cause or orderly stop accounts for
//! the stops and restarts seen, an `inconclusive` finding cites them; when nothing stopped at
//! all, the VM kept running.

use chrono::Duration;

use super::context::{Context, finding, vm_of_guest_signals};
use super::verdict::VERDICT_FLOOR;
use super::{Family, Finding, Outcome};
use crate::event::Role;
use crate::facts::FactKind;
use crate::index::Entry;
use crate::signals::SignalKind;

/// not_a_shutdown, or an unexplained stop.
pub fn not_a_shutdown(f: &Context<'_>, so_far: &[Finding]) -> Option<Finding> {
    let stop_signals: Vec<&Entry> = f
        .signals()
        .filter(|s| {
            matches!(
                s.kind,
                SignalKind::OomKilled { .. }
                    | SignalKind::ScopeOomKilled { .. }
                    | SignalKind::ScopeFailed { .. }
                    | SignalKind::ScopeDeactivated { .. }
                    | SignalKind::VmCleanup { .. }
                    | SignalKind::VmNotRunning { .. }
                    | SignalKind::UncleanJournal
                    | SignalKind::ShutdownSequence
                    | SignalKind::PowerKey
                    | SignalKind::OrderlyStop { .. }
            ) || (matches!(s.kind, SignalKind::KernelBoot)
                && f.role(s) == Role::Guest
                && earlier_records(f, s))
                || matches!(&s.kind, SignalKind::TaskStart { task, upid, .. }
                    if crate::signals::is_guest_stop_task(task)
                        // A stop task that ended in error stopped nothing.
                        && !f.task_failed(upid))
        })
        .filter(|s| !(matches!(s.kind, SignalKind::OomKilled { .. }) && f.role(s) != Role::Guest))
        // A live migration's handover (the source's scope ends, qmeventd cleans up) and a node's
        // service stopping guests it found none of stopped nothing.
        .filter(|s| !super::clean::migrated_away(f, s) && !super::clean::stopped_no_guest(f, s))
        // A host shutting down in order with no guest left to stop on it (none stopped there
        // in the half hour before).
        .filter(|s| {
            !(f.role(s) == Role::Host
                && matches!(s.kind, SignalKind::ShutdownSequence | SignalKind::PowerKey)
                && f.time(s).is_some_and(|at| {
                    let before = Duration::minutes(super::clean::STOPALL_SPAN_MIN);
                    !super::clean::stopped_something(f, at - before, s.machine)
                }))
        })
        .collect();
    let vm_stopped = stop_signals
        .iter()
        .any(|s| !matches!(s.kind, SignalKind::OomKilled { .. }));
    // Only a root cause explains a stop; an orderly shutdown does not explain an unclean one.
    let explained = so_far
        .iter()
        .any(|x| x.confidence >= VERDICT_FLOOR && x.family.is_root_cause());
    let unclean_stop = stop_signals.iter().any(|s| {
        matches!(
            s.kind,
            SignalKind::UncleanJournal | SignalKind::ScopeFailed { .. }
        ) || (matches!(s.kind, SignalKind::OomKilled { .. }) && f.role(s) == Role::Guest)
    });
    let cleanly_explained = so_far
        .iter()
        .any(|x| x.confidence >= VERDICT_FLOOR && x.family == Family::CleanShutdown);
    if vm_stopped {
        if explained || (cleanly_explained && !unclean_stop) {
            return None;
        }
        // A stop nothing explains.
        let mut x = finding(
            Family::Inconclusive,
            0.45,
            "the VM stopped or restarted uncleanly, and nothing in the bundle says why".to_string(),
        );
        x.indirect_only = true;
        // Seen only from inside the guest (its journal found unclean, its kernel booting again),
        // a reset and an ended process look the same: what stopped is not known.
        x.outcome = if stop_signals.iter().all(|s| {
            f.role(s) == Role::Guest
                && matches!(s.kind, SignalKind::UncleanJournal | SignalKind::KernelBoot)
        }) {
            Outcome::Unknown
        } else {
            Outcome::VmStopped
        };
        // The unclean signs first, the latest one dating the incident; then the restarts.
        let (mut cited, rest): (Vec<&Entry>, Vec<&Entry>) = stop_signals.iter().partition(|s| {
            matches!(
                s.kind,
                SignalKind::UncleanJournal
                    | SignalKind::ScopeFailed { .. }
                    | SignalKind::VmNotRunning { .. }
            )
        });
        cited.reverse();
        x.time = cited
            .first()
            .or(stop_signals.last())
            .and_then(|s| f.time(s));
        cited.extend(
            rest.into_iter()
                .rev()
                .filter(|s| matches!(s.kind, SignalKind::KernelBoot)),
        );
        x.vmids = vm_of_guest_signals(f, &stop_signals);
        x.cites = cited.iter().map(|s| f.cite(s)).collect();
        // No record marks the stop itself: the guest's boot that ended uncleanly bounds it, from
        // its last record to the next boot (the one whose journal found the mess).
        if let Some(seen) = x.time
            && let Some(boot) = f
                .guest_unclean_boots
                .iter()
                .filter(|b| x.vmids.is_empty() || b.vmid.is_some_and(|v| x.vmids.contains(&v)))
                .filter_map(|b| Some((b, (b.next_start? - seen).num_seconds().abs())))
                .filter(|(_, d)| *d <= 600)
                .min_by_key(|(_, d)| *d)
                .map(|(b, _)| b)
            && let (Some(end), Some(next)) = (boot.end, boot.next_start)
        {
            x.time = Some(end);
            x.bound = Some((end, next));
        }
        return Some(x);
    }
    // A listing (virsh, kubectl, limactl) that shows a VM running: seen with no stop, the VM
    // kept running.
    let running: Vec<_> = f
        .facts()
        .filter(|fact| matches!(&fact.fact.kind, FactKind::VmListed(v) if v.running()))
        .collect();
    if explained || cleanly_explained || f.coverage.no_events && running.is_empty() {
        return None;
    }
    // A VM whose process hung in the kernel for minutes did not run on as if nothing happened:
    // with no guest logs to show it running on, the named cause says what was seen. With them,
    // the hang is trouble it ran through.
    if !f.coverage.has_guest
        && f.signals()
            .any(|s| f.role(s) != Role::Guest && super::named::vm_process_hung(&s.kind))
    {
        return None;
    }
    // Live migrations' handovers, of the VM the manifest names when it names one.
    let handovers: Vec<&Entry> = f
        .signals()
        .filter(|s| match s.kind {
            SignalKind::ScopeDeactivated { vmid } => {
                f.incident_vmid.is_none_or(|v| v == vmid) && super::clean::migrated_away(f, s)
            }
            _ => false,
        })
        .collect();
    let guest_ooms: Vec<&Entry> = f
        .signals()
        .filter(|s| f.role(s) == Role::Guest && matches!(s.kind, SignalKind::OomKilled { .. }))
        .collect();
    // Trouble the machine ran through: a corrected error (memory, machine check, PCIe), a
    // notice (a hypervisor's about a guest's register access), a failed service, a lost link,
    // quorum or PSU redundancy, a stop or a backup that failed. Seen with no stop anywhere, it
    // is the reason the logs were pulled and it stopped nothing: direct evidence that the
    // machine kept running.
    let trouble: Vec<&Entry> = f
        .signals()
        .filter(|s| {
            matches!(
                s.kind,
                SignalKind::Degraded
                    | SignalKind::EdacCorrected
                    | SignalKind::MachineCheckNotice
                    | SignalKind::ThermalThrottle
                    | SignalKind::PcieError { fatal: false }
                    | SignalKind::HypervisorNotice
                    | SignalKind::StopFailed
                    | SignalKind::BackupFailed { .. }
            ) || f.role(s) != Role::Guest && super::named::vm_process_hung(&s.kind)
        })
        .collect();
    // The guest's own logs running on without a restart are the best sign it never stopped; the
    // host's logs without a stop, kill or pause of a VM are the next best (DESIGN.md §1: the
    // runbook's first decision point). A fragment of unknown origin shows too little, unless it
    // shows the trouble itself. Absence alone is indirect evidence: capped, never raised to the
    // floor.
    let c = f.coverage;
    let by_coverage = if c.records < FEW_RECORDS && c.span_secs < FEW_SECONDS {
        // A few pasted lines of one moment say nothing about what came after them.
        0.45
    } else if c.has_guest {
        0.65
    } else if c.has_host {
        0.6
    } else {
        0.45
    };
    let mut x = if !guest_ooms.is_empty() {
        let mut x = finding(
            Family::NotAShutdown,
            by_coverage,
            "the guest's own OOM killer killed a process inside the VM, but the VM kept running"
                .to_string(),
        );
        x.indirect_only = true;
        x.cites = guest_ooms.iter().map(|s| f.cite(s)).collect();
        x.time = guest_ooms.first().and_then(|s| f.time(s));
        x.vmids = vm_of_guest_signals(f, &guest_ooms);
        x
    } else if !handovers.is_empty() {
        // A live migration's handover: the VM paused for milliseconds and ran on elsewhere; a
        // monitor watching the source node saw it vanish. The handover the manifest's time is
        // nearest, else the first.
        let mut x = finding(
            Family::NotAShutdown,
            f64::max(by_coverage, 0.6),
            "the VM was live-migrated to another node (its QEMU on the source ended as it moved): it never stopped".to_string(),
        );
        let nearest = handovers
            .iter()
            .filter_map(|s| Some((*s, f.time(s)?)))
            .min_by_key(|(_, t)| {
                f.incident_hint
                    .map_or(0, |hint| (*t - hint).num_milliseconds().abs())
            });
        x.time = nearest.map(|(_, t)| t);
        x.vmids = handovers
            .iter()
            .filter_map(|s| crate::index::named_vmid(&s.kind))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        x.cites = nearest.map(|(s, _)| f.cite(s)).into_iter().collect();
        x.cites.extend(trouble.iter().map(|s| f.cite(s)));
        x
    } else if !trouble.is_empty() || !running.is_empty() {
        let kinds: std::collections::BTreeSet<&str> =
            trouble.iter().map(|s| s.kind.name()).collect();
        let title = if kinds.is_empty() {
            "a VM listing shows the VM running, and nothing in the logs stopped it".to_string()
        } else {
            format!(
                "trouble that stopped nothing ({}): no stop, restart or kill of a VM or the host in the logs{}",
                kinds.into_iter().collect::<Vec<_>>().join(", "),
                if running.is_empty() {
                    ""
                } else {
                    "; a VM listing shows the VM running"
                }
            )
        };
        let mut x = finding(Family::NotAShutdown, f64::max(by_coverage, 0.55), title);
        x.cites = trouble.iter().map(|s| f.cite(s)).collect();
        x.cites.extend(running.iter().map(|fact| fact.cited()));
        // Trouble comes in episodes (a link that flapped Tuesday night and again Thursday
        // morning): the one the manifest names, else the last, is the one the logs were pulled
        // for.
        let times: Vec<_> = trouble.iter().filter_map(|s| f.time(s)).collect();
        x.time = match super::context::incident_episode(times, f.incident_hint) {
            Some((from, _)) => Some(from),
            None => trouble.first().and_then(|s| f.time(s)),
        };
        x
    } else {
        let mut x = finding(
            Family::NotAShutdown,
            by_coverage,
            "no stop, restart or kill of a VM in the logs: the VM kept running (a service-level problem?)".to_string(),
        );
        x.indirect_only = true;
        x
    };
    x.outcome = Outcome::None;
    Some(x)
}

/// Fewer records than this, within less than [`FEW_SECONDS`], cannot show that nothing stopped.
const FEW_RECORDS: usize = 5;

/// See [`FEW_RECORDS`].
const FEW_SECONDS: i64 = 600;

/// Whether the machine of `s` logged anything more than a second before it: a guest's kernel
/// boot is a restart only then (the first lines of a dmesg, or of a log that begins at boot,
/// are no stop).
/// Whether a machine's records begin more than a second before this signal: a boot after them
/// is a restart, not the start of the logs.
pub(super) fn earlier_records(f: &Context<'_>, s: &Entry) -> bool {
    match (f.machine_first_record(s), f.time(s)) {
        (Some(first), Some(t)) => first < t - Duration::seconds(1),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::Kit;

    #[test]
    fn an_unclean_restart_nothing_explains_is_an_indirect_inconclusive() {
        let mut kit = Kit::new();
        kit.guest(101, 0, SignalKind::PackageUpgrade)
            .guest(101, 5, SignalKind::KernelBoot)
            .guest(101, 5, SignalKind::UncleanJournal);
        let index = kit.index();
        let x = not_a_shutdown(&kit.context(&index), &[]).unwrap();
        assert_eq!(x.family, Family::Inconclusive);
        assert!(x.indirect_only);
        assert_eq!(x.vmids, vec![101]);
        let cited: Vec<&str> = x.cites.iter().map(|c| c.signal).collect();
        assert_eq!(cited, ["unclean_journal", "kernel_boot"]);
        // Seen from inside the guest only, a reset and an ended process look the same.
        assert_eq!(x.outcome, Outcome::Unknown);

        kit.host(
            4,
            SignalKind::ScopeFailed {
                vmid: 101,
                result: "signal".into(),
            },
        );
        let index = kit.index();
        let x = not_a_shutdown(&kit.context(&index), &[]).unwrap();
        assert_eq!(x.outcome, Outcome::VmStopped);
    }

    /// A link that flapped two nights ago and again this morning: the episode the manifest
    /// names, else the last, is the incident.
    #[test]
    fn trouble_in_episodes_is_dated_by_the_named_or_last_one() {
        use crate::diagnose::context::testkit::at;
        let mut kit = Kit::new();
        kit.host(0, SignalKind::Degraded)
            .host(1, SignalKind::Degraded)
            .host(3000, SignalKind::Degraded)
            .host(3001, SignalKind::Degraded);
        let index = kit.index();
        let mut f = kit.context(&index);
        assert_eq!(not_a_shutdown(&f, &[]).unwrap().time, Some(at(3000)));
        f.incident_hint = Some(at(2));
        assert_eq!(not_a_shutdown(&f, &[]).unwrap().time, Some(at(0)));
    }

    #[test]
    fn a_guest_whose_log_begins_at_boot_did_not_restart() {
        let mut kit = Kit::new();
        kit.guest(101, 0, SignalKind::KernelBoot)
            .guest(101, 30, SignalKind::PackageUpgrade);
        let index = kit.index();
        let x = not_a_shutdown(&kit.context(&index), &[]).unwrap();
        assert_eq!(x.family, Family::NotAShutdown);
        assert!((x.confidence - 0.65).abs() < 1e-9);
    }

    #[test]
    fn an_empty_bundle_says_nothing() {
        let mut kit = Kit::new();
        kit.coverage.no_events = true;
        let index = kit.index();
        assert!(not_a_shutdown(&kit.context(&index), &[]).is_none());
    }

    #[test]
    fn trouble_that_stopped_nothing_is_direct_even_in_a_fragment_of_unknown_origin() {
        let mut kit = Kit::fragment();
        kit.unknown(0, SignalKind::MachineCheckNotice)
            .unknown(0, SignalKind::EdacCorrected);
        let index = kit.index();
        let x = not_a_shutdown(&kit.context(&index), &[]).unwrap();
        assert_eq!(x.family, Family::NotAShutdown);
        assert_eq!(x.outcome, Outcome::None);
        assert!(!x.indirect_only);
        assert!((x.confidence - 0.55).abs() < 1e-9);
        assert_eq!(x.cites.len(), 2);
    }

    #[test]
    fn trouble_beside_a_stop_is_no_sign_of_running_on() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::Degraded)
            .host(1, SignalKind::VmNotRunning { vmid: 101 });
        let index = kit.index();
        let x = not_a_shutdown(&kit.context(&index), &[]).unwrap();
        assert_eq!(x.family, Family::Inconclusive);
    }

    #[test]
    fn a_few_pasted_lines_cannot_show_that_nothing_stopped() {
        let mut kit = Kit::new();
        kit.coverage.records = 1;
        kit.coverage.span_secs = 0;
        kit.host(0, SignalKind::PackageUpgrade);
        let index = kit.index();
        let x = not_a_shutdown(&kit.context(&index), &[]).unwrap();
        assert!((x.confidence - 0.45).abs() < 1e-9);
        assert!(x.indirect_only);
    }
}
