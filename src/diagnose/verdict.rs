//! Verdict assembly: every rule's finding scaled by coverage and capped when indirect, ranked,
//! what argues against each competitor and what is missing added, the incidents, escalation and
//! the verdict with its runner-up.

use std::collections::{BTreeMap, BTreeSet};

use super::activity::{activity, backup_starved_storage, freeze_hang};
use super::clean::clean;
use super::context::{Context, round2};
use super::escalation::escalate;
use super::hardware::hardware;
use super::incidents::incidents;
use super::memory::{memory, memory_arithmetic};
use super::named::named_causes;
use super::storage::storage;
use super::unexplained::not_a_shutdown;
use super::{Diagnosis, Family, Finding, Outcome, RunnerUp, Verdict};

/// Evidence that is indirect never reaches this.
pub const INDIRECT_CAP: f64 = 0.75;

/// Below this, the verdict is `inconclusive`.
pub const VERDICT_FLOOR: f64 = 0.5;

/// Evidence listed per finding, at most.
pub const MAX_EVIDENCE: usize = 8;

/// Pushes a finding, and, when an activity drove what it found (`rio`), the activity's finding
/// first with the finding demoted below it, saying why.
fn push_beside_activity(
    findings: &mut Vec<Finding>,
    found: Finding,
    rio: Option<Finding>,
    why: &str,
) {
    match rio {
        Some(rio) => {
            let mut demoted = found;
            demoted.confidence = (demoted.confidence - 0.15).max(0.0);
            demoted.against.push(format!("{why}: {}", rio.title));
            findings.push(rio);
            findings.push(demoted);
        }
        None => findings.push(found),
    }
}

/// Runs every rule and picks the verdict.
pub fn run(f: &Context<'_>) -> Diagnosis {
    let mut findings = Vec::new();
    if let Some(m) = memory(f) {
        let rio = activity(f, &m);
        push_beside_activity(
            &mut findings,
            m,
            rio,
            "an activity was running when memory ran out",
        );
    }
    findings.extend(freeze_hang(f));
    if let Some(s) = storage(f) {
        let rio = backup_starved_storage(f, &s);
        push_beside_activity(
            &mut findings,
            s,
            rio,
            "a backup was running when the storage stopped answering",
        );
    }
    findings.extend(hardware(f));
    findings.extend(clean(f));
    demote_planned_stops_before_a_reset(&mut findings);
    demote_storage_after_a_hardware_fault(&mut findings);
    findings.extend(named_causes(f));
    demote_far_from_the_named_incident(&mut findings, f.incident_hint);
    if let Some(n) = not_a_shutdown(f, &findings) {
        findings.push(n);
    }

    let scale = f.coverage();
    let has_arithmetic = memory_arithmetic(f).is_some();
    // The rules' own confidences break ties the coverage floor creates (two direct findings
    // both scaled below the floor and raised to it keep the order their evidence gave them).
    let mut raw_of: BTreeMap<Family, f64> = BTreeMap::new();
    for finding in &mut findings {
        let raw = finding.confidence;
        let slot = raw_of.entry(finding.family).or_insert(raw);
        *slot = slot.max(raw);
        let mut c = raw * scale;
        if finding.indirect_only {
            c = c.min(INDIRECT_CAP);
        } else if raw >= VERDICT_FLOOR {
            // A bundle that shows little lowers confidence, but never pushes a direct signal
            // (a kill, a pause, a fatal machine check) below the floor into `inconclusive`.
            c = c.max(VERDICT_FLOOR);
        }
        finding.confidence = round2(c.clamp(0.0, 1.0));
        finding.cites.truncate(MAX_EVIDENCE);
        add_missing(f, has_arithmetic, finding);
    }
    if let Some(vm) = f.only_vm {
        findings.retain(|x| x.vmids.is_empty() || x.vmids.contains(&vm));
    }
    // Strongest first; ties in a fixed family order.
    let raw = |x: &Finding| raw_of.get(&x.family).copied().unwrap_or(0.0);
    findings.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(raw(b).total_cmp(&raw(a)))
            .then(a.family.cmp(&b.family))
    });
    add_against(&mut findings);

    let incidents = incidents(f, &findings);
    let escalate = escalate(f, &incidents);
    let verdict = verdict(f, &findings);
    let runner_up = findings
        .iter()
        .find(|x| x.family != verdict.family)
        .map(|x| RunnerUp {
            family: x.family,
            confidence: x.confidence,
        });
    Diagnosis {
        verdict,
        runner_up,
        reconstruction: Default::default(),
        findings,
        incidents,
        escalate,
    }
}

/// What would raise confidence.
fn add_missing(f: &Context<'_>, has_arithmetic: bool, x: &mut Finding) {
    let vm = x.vmids.first().map_or("<vmid>".to_string(), u32::to_string);
    if !f.coverage.has_host {
        x.missing.push(format!(
            "no host logs in the bundle: collect `journalctl -k` and `journalctl -u pvedaemon -u qemu-server@{vm}` (or /var/log/kern.log) from the Proxmox host"
        ));
    }
    if !f.coverage.has_guest && x.family != Family::Hardware {
        x.missing.push(
            "no guest logs: collect the guest's journal of the boot that ended (`journalctl -b -1`) to see its last records".to_string(),
        );
    }
    if matches!(
        x.family,
        Family::MemoryOvercommit | Family::ResourceIntensiveOperation
    ) && !has_arithmetic
    {
        x.missing.push(
            "collect `qm list`, the VM configs (/etc/pve/qemu-server/*.conf) and /proc/meminfo from the host to compare configured VM memory with MemTotal".to_string(),
        );
    }
    if x.family == Family::StorageExhaustion {
        x.missing.push(
            "collect `df -h`, `zpool status` and `lvs` from the host to see which storage is full or failing".to_string(),
        );
    }
    if f.coverage.fragment {
        x.missing.push(
            "the bundle is a single fragment: add the full logs around the incident".to_string(),
        );
    }
}

/// What argues against each finding's competitors.
fn add_against(findings: &mut [Finding]) {
    let present: BTreeSet<Family> = findings
        .iter()
        .filter(|x| x.confidence >= VERDICT_FLOOR)
        .map(|x| x.family)
        .collect();
    let weak: BTreeMap<Family, f64> = findings
        .iter()
        .filter(|x| x.confidence < VERDICT_FLOOR)
        .map(|x| (x.family, x.confidence))
        .collect();
    for x in findings.iter_mut() {
        for (family, absent) in [
            (
                Family::MemoryOvercommit,
                "no OOM kill of a VM process was logged",
            ),
            (
                Family::StorageExhaustion,
                "no I/O error, full disk or ZFS fault was logged",
            ),
            (
                Family::Hardware,
                "no machine check, uncorrected memory error or thermal shutdown was logged",
            ),
            (
                Family::CleanShutdown,
                "no shutdown task or orderly shutdown sequence was logged",
            ),
        ] {
            if family == x.family || present.contains(&family) {
                continue;
            }
            // Say "nothing was logged" only when nothing was.
            let line = match weak.get(&family) {
                Some(c) => format!(
                    "{} evidence was logged, but it is weak or unrelated to the stop ({c:.2})",
                    family.as_str()
                ),
                None => absent.to_string(),
            };
            if !x.against.contains(&line) {
                x.against.push(line);
            }
        }
    }
}

/// Puts a finding just below another's `confidence`, saying why.
fn put_below(x: &mut Finding, confidence: f64, why: String) {
    x.confidence = (confidence - 0.01).max(0.0);
    x.against.push(why);
}

/// A planned stop (`qm shutdown` of one VM) that came before the host went down stopping other
/// VMs is history, not the incident: the reset is what the bundle was pulled for, even when
/// only indirect evidence shows it. The clean finding is put just below the reset's.
fn demote_planned_stops_before_a_reset(findings: &mut [Finding]) {
    let reset = findings
        .iter()
        .filter(|x| x.family == Family::Hardware && x.outcome == Outcome::HostReset)
        .filter_map(|x| Some((x.time?, x.confidence, x.vmids.clone())))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let Some((at, confidence, stopped)) = reset else {
        return;
    };
    for x in findings
        .iter_mut()
        .filter(|x| x.family == Family::CleanShutdown && x.confidence > confidence)
    {
        let before = x.time.is_none_or(|t| t < at);
        let others = stopped.iter().any(|v| !x.vmids.contains(v));
        if before && others {
            let why = format!(
                "a planned stop that came before the host went down at {}, stopping VM {}",
                crate::event::rfc3339(at),
                stopped
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            put_below(x, confidence, why);
        }
    }
}

/// How far (hours) from the moment the manifest names a finding is another story.
const FAR_FROM_NAMED_H: i64 = 12;

/// When the manifest names the incident's moment and a direct finding at the verdict floor is
/// dated near it, a finding dated far from it (a planned reboot four days before a guest's OOM
/// kill) is another story: it is put just below the strongest such near one.
fn demote_far_from_the_named_incident(
    findings: &mut [Finding],
    hint: Option<chrono::DateTime<chrono::Utc>>,
) {
    let Some(hint) = hint else {
        return;
    };
    let window = chrono::Duration::hours(FAR_FROM_NAMED_H);
    let near = |x: &Finding| x.time.is_some_and(|t| (t - hint).abs() <= window);
    let best_near = findings
        .iter()
        .filter(|x| near(x) && !x.indirect_only && x.confidence >= VERDICT_FLOOR)
        .map(|x| x.confidence)
        .reduce(f64::max);
    let Some(best_near) = best_near else {
        return;
    };
    for x in findings
        .iter_mut()
        .filter(|x| x.time.is_some() && !near(x) && x.confidence >= best_near)
    {
        let why = format!(
            "dated {} hours from the incident the manifest names ({}): another story",
            x.time.map_or(0, |t| (t - hint).num_hours().abs()),
            crate::event::rfc3339(hint)
        );
        put_below(x, best_near, why);
    }
}

/// How long (minutes) after a fatal hardware fault storage trouble is taken for its symptom.
const SYMPTOM_MIN: i64 = 5;

/// Storage that failed within minutes after a fatal hardware fault on the host (a PCIe link
/// that carried the NVMe dying, a machine check) failed because of it: the device dropping off
/// the bus, its I/O errors and the pool suspended on them are symptoms. The storage finding is
/// put just below the fault's.
fn demote_storage_after_a_hardware_fault(findings: &mut [Finding]) {
    let fault = findings
        .iter()
        .filter(|x| x.family == Family::Hardware && !x.indirect_only)
        .filter_map(|x| Some((x.time?, x.confidence, x.title.clone())))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let Some((at, confidence, title)) = fault else {
        return;
    };
    for x in findings
        .iter_mut()
        .filter(|x| x.family == Family::StorageExhaustion && x.confidence >= confidence)
    {
        let after = x
            .time
            .is_some_and(|t| t >= at && t - at <= chrono::Duration::minutes(SYMPTOM_MIN));
        if after {
            let secs = x.time.map_or(0, |t| (t - at).num_seconds());
            let why = format!("it began {secs} s after the {title}: a symptom of the fault");
            put_below(x, confidence, why);
        }
    }
}

/// The verdict from the ranked findings.
fn verdict(f: &Context<'_>, findings: &[Finding]) -> Verdict {
    let top = findings.first();
    let (family, confidence, summary) = match top {
        Some(x) if x.confidence >= VERDICT_FLOOR => (
            x.family,
            x.confidence,
            format!("{}: {}.", x.family.as_str(), x.title),
        ),
        Some(x) => (
            Family::Inconclusive,
            round2(1.0 - x.confidence).min(0.5),
            format!(
                "inconclusive: the strongest finding ({}: {}) has too little evidence ({:.2}); collect the missing sources listed below",
                x.family.as_str(),
                x.title,
                x.confidence
            ),
        ),
        None => (
            Family::Inconclusive,
            0.2,
            "inconclusive: nothing in the bundle speaks of a VM stop or its causes; collect the host's journal and the guest's journal around the incident".to_string(),
        ),
    };
    let chosen = top.filter(|x| x.family == family);
    let mut affected: BTreeSet<u32> = chosen
        .map(|x| x.vmids.iter().copied().collect())
        .unwrap_or_default();
    if let Some(v) = f.only_vm {
        affected.insert(v);
    }
    Verdict {
        family,
        confidence,
        summary,
        outcome: chosen.map_or(Outcome::Unknown, |x| x.outcome),
        incident_time: chosen.and_then(|x| x.time).map(crate::event::rfc3339),
        incident_time_bound: chosen
            .and_then(|x| x.bound)
            .map(|(a, b)| [crate::event::rfc3339(a), crate::event::rfc3339(b)]),
        affected_vms: affected.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::{Kit, constraint, kill};
    use crate::signals::SignalKind;

    #[test]
    fn a_planned_stop_before_the_host_went_down_is_history() {
        use crate::diagnose::context::testkit::{at, task_end, task_start};
        use crate::diagnose::context::{Cited, UncleanBoot};
        const UPID: &str = "pve:000079D3:00083FE1:654BDC03:qmshutdown:102:root@pam";
        let mut kit = Kit::new();
        kit.host(0, SignalKind::ScopeStarted { vmid: 101 })
            .host(5, task_start("qmshutdown", Some(102), UPID))
            .host(6, SignalKind::ScopeDeactivated { vmid: 102 })
            .host(6, task_end("qmshutdown", Some(102), UPID, true));
        kit.unclean_boots.push(UncleanBoot {
            end: Some(at(30)),
            next_start: Some(at(35)),
            vmid: None,
            evidence: vec![Cited {
                cite: crate::event::Cite::Event {
                    source: 0,
                    event: 0,
                },
                signal: "",
                time: None,
            }],
        });
        let index = kit.index();
        let d = run(&kit.context(&index));
        assert_eq!(d.verdict.family, Family::Hardware);
        assert_eq!(d.verdict.affected_vms, vec![101]);
        assert_eq!(d.runner_up.map(|r| r.family), Some(Family::CleanShutdown));
    }

    /// The NVMe's PCIe link dies; half a minute later the device is gone, its I/O fails and the
    /// pool on it is suspended: the fault is the cause, the storage trouble its symptom. Storage
    /// trouble of its own, long after, is not demoted.
    #[test]
    fn storage_failing_minutes_after_a_fatal_hardware_fault_is_its_symptom() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::PcieError { fatal: true })
            .host(
                1,
                SignalKind::BlockIoError {
                    device: Some("nvme0n1".into()),
                },
            )
            .host(1, SignalKind::ZfsSuspended)
            .host(
                2,
                SignalKind::ScopeFailed {
                    vmid: 101,
                    result: "signal".into(),
                },
            );
        let index = kit.index();
        let d = run(&kit.context(&index));
        assert_eq!(d.verdict.family, Family::Hardware);
        assert_eq!(
            d.runner_up.map(|r| r.family),
            Some(Family::StorageExhaustion)
        );
        let storage = d
            .findings
            .iter()
            .find(|x| x.family == Family::StorageExhaustion)
            .unwrap();
        assert!(
            storage
                .against
                .iter()
                .any(|a| a.contains("a symptom of the fault"))
        );

        let mut kit = Kit::new();
        kit.host(0, SignalKind::PcieError { fatal: true })
            .host(30, SignalKind::NoSpace)
            .host(30, SignalKind::IoErrorPause)
            .host(
                31,
                SignalKind::ScopeFailed {
                    vmid: 101,
                    result: "signal".into(),
                },
            );
        let index = kit.index();
        assert_eq!(
            run(&kit.context(&index)).verdict.family,
            Family::StorageExhaustion
        );
    }

    /// The manifest names this afternoon's trouble: a planned reboot four days before is
    /// another story, however orderly and clear.
    #[test]
    fn a_finding_far_from_the_named_incident_is_another_story() {
        use crate::diagnose::context::testkit::at;
        let mut kit = Kit::new();
        kit.guest(112, 0, SignalKind::PowerKey)
            .guest(112, 0, SignalKind::ShutdownSequence)
            .guest(112, 6 * 24 * 60, kill(48211, "postgres"));
        let index = kit.index();
        let mut f = kit.context(&index);
        f.incident_hint = Some(at(6 * 24 * 60 + 1));
        let d = run(&f);
        assert_eq!(d.verdict.family, Family::MemoryOvercommit);
        let clean = d
            .findings
            .iter()
            .find(|x| x.family == Family::CleanShutdown)
            .unwrap();
        assert!(clean.against.iter().any(|a| a.contains("another story")));
    }

    #[test]
    fn the_strongest_finding_wins_scaled_by_coverage_with_a_runner_up() {
        let mut kit = Kit::new();
        kit.host(0, constraint(Some(101), 1))
            .host(0, kill(1, "kvm"))
            .host(0, SignalKind::EdacCorrected);
        let index = kit.index();
        let d = run(&kit.context(&index));
        assert_eq!(d.verdict.family, Family::MemoryOvercommit);
        assert_eq!(d.verdict.affected_vms, vec![101]);
        assert_eq!(d.verdict.confidence, 0.9);
        assert_eq!(d.runner_up.map(|r| r.family), Some(Family::Hardware));
        assert_eq!(d.incidents.len(), 1);

        // Host logs only scale it by 0.95.
        kit.coverage.has_guest = false;
        let d = run(&kit.context(&index));
        assert_eq!(d.verdict.confidence, round2(0.9 * 0.95));
        assert!(
            d.findings[0]
                .missing
                .iter()
                .any(|m| m.contains("no guest logs"))
        );
    }

    #[test]
    fn findings_the_coverage_floor_ties_keep_the_order_of_their_evidence() {
        // A pasted fragment: a backup tool ran out of memory. The activity finding (0.67) and
        // the demoted memory finding (0.5) both scale below the floor and are raised to it.
        let mut kit = Kit::fragment();
        kit.unknown(
            0,
            SignalKind::OomInvoked {
                invoker: "clickhouse-back".into(),
            },
        );
        let index = kit.index();
        let d = run(&kit.context(&index));
        assert_eq!(d.verdict.family, Family::ResourceIntensiveOperation);
        assert_eq!(d.verdict.confidence, 0.5);
        assert_eq!(
            d.runner_up.map(|r| (r.family, r.confidence)),
            Some((Family::MemoryOvercommit, 0.5))
        );
    }

    #[test]
    fn weak_evidence_is_inconclusive_and_nothing_at_all_says_so() {
        // A throttled CPU alone: the VM kept running, nothing stopped.
        let mut kit = Kit::new();
        kit.host(0, SignalKind::ThermalThrottle);
        let index = kit.index();
        assert_eq!(
            run(&kit.context(&index)).verdict.family,
            Family::NotAShutdown
        );
        // With an unclean restart of the guest, the warning does not explain the stop.
        kit.guest(101, 1, SignalKind::PackageUpgrade)
            .guest(101, 5, SignalKind::UncleanJournal);
        let index = kit.index();
        let d = run(&kit.context(&index));
        assert_eq!(d.verdict.family, Family::Inconclusive);
        assert!(d.verdict.summary.contains("too little evidence"));

        let mut empty = Kit::new();
        empty.coverage.no_events = true;
        let index = empty.index();
        let d = run(&empty.context(&index));
        assert_eq!(d.verdict.family, Family::Inconclusive);
        assert_eq!(d.verdict.confidence, 0.2);
    }
}
