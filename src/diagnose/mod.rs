//! The diagnosis: why did the VM stop?
//!
//! Signals ([`crate::signals`]) are weighed by rules, one per runbook family (DESIGN.md §1), into
//! findings: a family, a confidence in [0, 1], the evidence lines, what argues against the other
//! families, what is missing, and the runbook's actions. The verdict is the strongest finding;
//! the runner-up stays visible.
//!
//! How confidence is built (the closing note of the issue lists the weights):
//! - each family starts from its strongest *direct* signal (a host kill of the VM's kvm process,
//!   QEMU pausing the VM on an I/O error, a machine check), and corroborating signals add to it;
//! - evidence that is *indirect* only (the guest's journal left unclean, a host reboot without a
//!   shutdown sequence, a corrected memory error, a warning) never reaches 0.8;
//! - what the bundle covers scales it: host and guest logs 1.0, host only 0.95, guest only 0.85,
//!   and 0.05 less again when the whole bundle is a single fragment;
//! - below 0.5 the verdict is `inconclusive`, naming the sources to collect next.
//!
//! One file per family ([`memory`], [`activity`], [`storage`], [`hardware`], [`clean`],
//! [`named`], [`unexplained`]), each reading a [`context::Context`] (the signal index, snapshot
//! facts, the host's unclean boots, coverage) and citing records; [`stops`] says when VMs
//! stopped, [`incidents`] lists the stops, [`escalation`] the runbook's escalation criteria,
//! [`verdict`] ranks the findings, and [`runbook`] holds the actions as data. Records are quoted
//! only at the end ([`diagnose`]), so every rule is unit-tested against a hand-built index.
//!
//! Weights (confidence before the coverage scale of [`context::Context::coverage`]):
//!
//! | family | direct evidence | corroboration | indirect only (capped below 0.8) |
//! |---|---|---|---|
//! | memory_overcommit | host OOM kill of `kvm` 0.85, systemd `<vmid>.scope` OOM line 0.85, QEMU or Xen unable to give the guest its memory 0.75, the kernel's out-of-memory panic or its OOM killer finding nothing to kill 0.75, a service killed by the OOM killer 0.75, an OOM header or the OOM killer's choice (`oom-kill:`, `Task in … killed as a result of limit of …`) alone 0.7 (a VM's process) or 0.65, a job a shell reported `Killed` 0.6 | `global_oom` with the VMID +0.05, the guest's unclean restart +0.03, Σ configured VM memory (configs, `qm list`) ≥ MemTotal +0.05 | OOM kills of other host processes 0.45 |
//! | resource_intensive_operation | memory evidence above, plus an activity running before the kill (backup started and not finished, upgrade, transfer, migration in the 2 h before): memory + 0.02; memory then drops 0.15 | | |
//! | storage_exhaustion | QEMU I/O-error pause 0.9, thin pool full 0.85, `No space left` on the host 0.8, ZFS errors 0.75, block or file-system errors 0.7, a SUSPENDED pool snapshot 0.85, a full root file system in `df` (guest included) 0.6 | +0.05 per further kind, +0.05 for a snapshot showing it | guest-only storage errors 0.6; snapshots alone: pool DEGRADED 0.55, df ≥ 95 % 0.45 (loop, squashfs and snap mounts excluded) |
//! | hardware | thermal shutdown 0.9, machine check 0.85, uncorrected memory error 0.85, fatal PCIe error 0.8 (0.6 when the device recovered) | +0.05 per further kind | corrected memory, machine-check or PCIe errors 0.35, throttling 0.4, host reboot without a shutdown 0.55 |
//! | clean_shutdown | `qmshutdown`/`qmstop` task 0.85, an operator's stop command at a pasted prompt or the host's service stopping its guests 0.8, guest power key + shutdown sequence 0.8, shutdown sequence 0.7 | | scope deactivated 0.6 |
//! | not_a_shutdown | no stop of any kind, and trouble the machine ran through (a corrected or non-fatal error or notice, a hypervisor's notice, a failed service, a lost link, quorum or PSU redundancy, a stop or a backup that failed): 0.55, or the coverage's value if higher | | no stop of any kind and no other finding: 0.65 with guest logs, 0.6 with host logs, 0.45 otherwise |
//! | inconclusive (named cause) | kernel panic 0.7, fencing 0.7, QEMU died by signal 0.6, a VM's process hung in the kernel 0.55, unclean stop with no cause 0.45 | | |

pub mod activity;
pub mod clean;
pub mod context;
pub mod escalation;
pub mod hardware;
pub mod incidents;
pub mod memory;
pub mod named;
pub mod reconstruction;
pub mod runbook;
pub mod stops;
pub mod storage;
pub mod unexplained;
pub mod verdict;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::analysis::Analysis;
use crate::event::TimeFix;
use crate::evidence::{self, Cite, Evidence};
use context::{Cited, Context};

/// The root-cause families and honest outcomes (DESIGN.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// OOM killer messages, total VM allocations at or above host memory.
    MemoryOvercommit,
    /// OOM during a specific activity (backup, upgrade, import, transfer).
    ResourceIntensiveOperation,
    /// Disk full, I/O errors, ZFS degraded.
    StorageExhaustion,
    /// Machine checks, uncorrected memory errors, thermal shutdown, power loss.
    Hardware,
    /// An orderly stop (operator, guest, ACPI power button).
    CleanShutdown,
    /// The VM never stopped.
    NotAShutdown,
    /// Not enough evidence, or a cause outside the families.
    Inconclusive,
}

impl Family {
    /// The snake_case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::MemoryOvercommit => "memory_overcommit",
            Family::ResourceIntensiveOperation => "resource_intensive_operation",
            Family::StorageExhaustion => "storage_exhaustion",
            Family::Hardware => "hardware",
            Family::CleanShutdown => "clean_shutdown",
            Family::NotAShutdown => "not_a_shutdown",
            Family::Inconclusive => "inconclusive",
        }
    }

    /// Parses a family name (for `--fail-on`).
    pub fn from_name(name: &str) -> Option<Family> {
        ALL_FAMILIES.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether this is one of the four root-cause families.
    pub fn is_root_cause(self) -> bool {
        matches!(
            self,
            Family::MemoryOvercommit
                | Family::ResourceIntensiveOperation
                | Family::StorageExhaustion
                | Family::Hardware
        )
    }
}

/// Every family, in output order.
pub const ALL_FAMILIES: [Family; 7] = [
    Family::MemoryOvercommit,
    Family::ResourceIntensiveOperation,
    Family::StorageExhaustion,
    Family::Hardware,
    Family::CleanShutdown,
    Family::NotAShutdown,
    Family::Inconclusive,
];

/// What stopped (DESIGN.md §1 `verdict.outcome`): the family names the cause, the outcome what
/// it did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The VM's process ended.
    VmStopped,
    /// QEMU paused the VM on an I/O error.
    VmPaused,
    /// The whole node went down.
    HostReset,
    /// A process inside a VM that kept running (or on the host) was killed.
    ServiceKilled,
    /// Nothing stopped.
    None,
    /// The logs do not say.
    #[default]
    Unknown,
}

/// One supported hypothesis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The family.
    pub family: Family,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// One line saying what was found.
    pub title: String,
    /// The records it stands on, quoted.
    pub evidence: Vec<Evidence>,
    /// The records it stands on, as the rules cite them (quoted into `evidence` at the end).
    #[serde(skip)]
    pub cites: Vec<Cited>,
    /// How a VM was named where a record gave only its process's pid (`pid 2613 is VM 101's
    /// kvm: _SYSTEMD_UNIT=101.scope at host/pve1/journal.export:123`); absent when none was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identified: Vec<String>,
    /// What argues against the other families (or against this one).
    pub against: Vec<String>,
    /// Evidence that is missing and would raise confidence.
    pub missing: Vec<String>,
    /// The runbook's immediate and long-term actions.
    pub recommendations: Vec<String>,
    /// Whether every piece of evidence is indirect.
    #[serde(skip)]
    pub indirect_only: bool,
    /// The VMs concerned.
    #[serde(skip)]
    pub vmids: Vec<u32>,
    /// When it happened (the strongest evidence).
    #[serde(skip)]
    pub time: Option<DateTime<Utc>>,
    /// Where no record marks the moment (a power loss, a guest reset seen only from inside):
    /// the last record before it and the next boot.
    #[serde(skip)]
    pub bound: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// What stopped, if this finding is the verdict.
    #[serde(skip)]
    pub outcome: Outcome,
}

/// The verdict: the strongest finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The family.
    pub family: Family,
    /// Its confidence.
    pub confidence: f64,
    /// One paragraph for the postmortem.
    pub summary: String,
    /// What stopped.
    pub outcome: Outcome,
    /// When the incident happened, RFC 3339 UTC: the record of the moment the verdict explains
    /// (the kill, the pause, the fatal error, the stop), or where none marks it the last record
    /// before it.
    pub incident_time: Option<String>,
    /// Where no record marks the moment: `[last record before it, next boot]`, RFC 3339 UTC.
    pub incident_time_bound: Option<[String; 2]>,
    /// The VMs affected.
    pub affected_vms: Vec<u32>,
}

/// A VM stop found in the bundle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    /// The VM, when known.
    pub vmid: Option<u32>,
    /// When it stopped.
    pub time: Option<String>,
    /// The family of the finding that explains it.
    pub family: Family,
    /// That finding's confidence.
    pub confidence: f64,
    /// What showed the stop.
    #[serde(skip)]
    pub what: String,
}

/// The whole diagnosis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    /// The verdict.
    pub verdict: Verdict,
    /// The second strongest family, if any.
    pub runner_up: Option<RunnerUp>,
    /// The runbook's reconstruction of the verdict's incident (what ran, pressure, trigger,
    /// recovery).
    pub reconstruction: reconstruction::Reconstruction,
    /// Every finding, strongest first.
    pub findings: Vec<Finding>,
    /// Each VM stop found.
    pub incidents: Vec<Incident>,
    /// Escalation criteria that hold.
    pub escalate: Vec<String>,
}

/// The runner-up family.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunnerUp {
    /// Its family.
    pub family: Family,
    /// Its confidence.
    pub confidence: f64,
}

/// The signals that mark a VM's stop itself (the moment an incident time names).
const STOP_SIGNALS: &[&str] = &[
    "oom_killed",
    "scope_oom_killed",
    "scope_failed",
    "io_error_pause",
    "vm_not_running",
    "qemu_crashed",
    "qemu_terminated",
];

/// Diagnoses the analysed bundle: the rules run over the analysis's signal index, then every
/// cited record is quoted as it stands in its source.
pub fn diagnose(analysis: &Analysis<'_>, only_vm: Option<u32>) -> Diagnosis {
    let context = Context::from_analysis(analysis, only_vm);
    let mut diagnosis = verdict::run(&context);
    // A finding's time is that of the record it stands on; the most precise copy of that record
    // says it best (the journal's microseconds over kern.log's whole second).
    let event_time = |c: Cite| match c {
        Cite::Event { source, event } => analysis
            .sources
            .get(source)
            .and_then(|s| s.parsed.events.get(event))
            .and_then(|e| e.time),
        _ => None,
    };
    // Several stops of one kind (kill, restart, kill again): the one nearest the moment the
    // bundle was collected for, when its manifest names one.
    if let Some(hint) = analysis.incident.as_ref().and_then(|i| i.time()) {
        for finding in &mut diagnosis.findings {
            let nearest = finding
                .cites
                .iter()
                .filter(|c| STOP_SIGNALS.contains(&c.signal))
                .filter_map(|c| event_time(c.cite))
                .min_by_key(|t| (*t - hint).num_milliseconds().abs());
            if let Some(t) = nearest
                && finding.bound.is_none()
            {
                finding.time = Some(t);
            }
        }
    }
    for finding in &mut diagnosis.findings {
        let Some(t) = finding.time else { continue };
        let precise = finding
            .cites
            .iter()
            .filter(|c| event_time(c.cite) == Some(t))
            .filter_map(|c| event_time(evidence::primary(analysis, c.cite).0))
            .find(|p| (*p - t).num_seconds().abs() <= 1);
        if let Some(p) = precise {
            if finding.bound.is_some_and(|(lo, _)| lo == t) {
                finding.bound = finding.bound.map(|(_, hi)| (p, hi));
            }
            finding.time = Some(p);
        }
    }
    for finding in &mut diagnosis.findings {
        unpinned_guest_clock(analysis, finding);
    }
    // The VM the bundle was collected for, when nothing else names one.
    if diagnosis.verdict.affected_vms.is_empty()
        && diagnosis.verdict.family != Family::Inconclusive
        && let Some(vmid) = analysis.incident.as_ref().and_then(|i| i.vmid)
    {
        diagnosis.verdict.affected_vms.push(vmid);
    }
    if let Some(top) = diagnosis
        .findings
        .first()
        .filter(|x| x.family == diagnosis.verdict.family)
    {
        diagnosis.verdict.incident_time = top.time.map(crate::event::rfc3339);
        diagnosis.verdict.incident_time_bound = top
            .bound
            .map(|(a, b)| [crate::event::rfc3339(a), crate::event::rfc3339(b)]);
    }
    for finding in &mut diagnosis.findings {
        // A record carrying two signals (QEMU's pause on a full disk), or seen through several
        // sources, is cited once: by its primary copy, with the other places in `also_seen`.
        let mut seen = std::collections::BTreeSet::new();
        finding.evidence = finding
            .cites
            .iter()
            .filter(|c| seen.insert(evidence::primary(analysis, c.cite).0))
            .map(|c| {
                let mut e = evidence::cite_primary(analysis, c.cite, c.time)
                    .unwrap_or_else(Evidence::empty);
                e.signal = c.signal;
                e
            })
            .collect();
    }
    diagnosis.reconstruction = reconstruction::reconstruct(analysis, context.index, &diagnosis);
    diagnosis
}

/// A finding dated by a guest's record on a clock the pairs bound but do not pin (an offset
/// estimated with an error above [`crate::correlate::MAX_APPLIED_ERROR_S`], so not applied to the
/// guest's records) is dated honestly: its time is the record's less the estimated offset where
/// the estimate rules out a right clock (|offset| > error), else the record's own, and its bound
/// is the record's time less each end of the estimate, which holds the true moment whenever the
/// pairs do. A finding that already has a bound (its last record and the next boot) keeps it.
fn unpinned_guest_clock(analysis: &Analysis<'_>, finding: &mut Finding) {
    let Some(t) = finding.time else { return };
    if finding.bound.is_some() {
        return;
    }
    let record = |c: Cite| match c {
        Cite::Event { source, event } => {
            let s = analysis.sources.get(source)?;
            let e = s.parsed.events.get(event)?;
            (e.time == Some(t)).then_some((s, e))
        }
        _ => None,
    };
    let on_guest_clock = finding
        .cites
        .iter()
        .find_map(|c| record(c.cite).or_else(|| record(evidence::primary(analysis, c.cite).0)));
    let Some((source, event)) = on_guest_clock else {
        return;
    };
    if event.quality.contains(TimeFix::ClockAligned) {
        return;
    }
    let Some(machine) = analysis
        .machines
        .iter()
        .find(|m| m.name == source.machine && m.role == "guest" && !m.aligned)
    else {
        return;
    };
    let (Some(offset), Some(error)) = (machine.clock_offset_s, machine.clock_offset_error_s) else {
        return;
    };
    if !(offset.is_finite() && error.is_finite()) || error <= crate::correlate::MAX_APPLIED_ERROR_S
    {
        return;
    }
    // Offsets come from the input's times: every step is checked.
    let ms = |s: f64| Duration::try_milliseconds((s * 1000.0).round() as i64);
    let Some((centre, lo, hi)) = ms(offset)
        .and_then(|o| t.checked_sub_signed(o))
        .and_then(|c| {
            let e = ms(error)?;
            Some((c, c.checked_sub_signed(e)?, c.checked_add_signed(e)?))
        })
    else {
        return;
    };
    finding.bound = Some((lo, hi));
    if offset.abs() > error {
        finding.time = Some(centre);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_round_trip() {
        for f in ALL_FAMILIES {
            assert_eq!(Family::from_name(f.as_str()), Some(f));
        }
        assert!(Family::Hardware.is_root_cause() && !Family::Inconclusive.is_root_cause());
    }
}
