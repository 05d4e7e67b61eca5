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

mod rules;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::analysis::Analysis;
use crate::event::Role;
use crate::evidence::{self, Evidence};
use crate::signals::Signal;

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

/// One supported hypothesis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The family.
    pub family: Family,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// One line saying what was found.
    pub title: String,
    /// The records it stands on.
    pub evidence: Vec<Evidence>,
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
    /// When the incident happened, RFC 3339 UTC.
    pub incident_time: Option<String>,
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

/// What the rules see: every signal with its place, plus what the bundle covers.
pub struct Facts<'a, 'b> {
    /// The analysis.
    pub analysis: &'a Analysis<'b>,
    /// Signals in timeline order.
    pub signals: Vec<Signal>,
    /// Whether the bundle holds host logs.
    pub has_host: bool,
    /// Whether it holds guest logs.
    pub has_guest: bool,
    /// Whether it is a single source (a pasted fragment).
    pub fragment: bool,
    /// Only this VM (`--vm`).
    pub only_vm: Option<u32>,
}

impl<'a, 'b> Facts<'a, 'b> {
    /// Reads the signals of every event, in timeline order.
    pub fn new(analysis: &'a Analysis<'b>, only_vm: Option<u32>) -> Self {
        // The analysis's one signal pass, in timeline order.
        let signals = analysis
            .index()
            .entries()
            .iter()
            .map(|e| Signal {
                kind: e.kind.clone(),
                source: e.source,
                event: e.event,
            })
            .collect();
        let log_sources = || {
            analysis
                .sources
                .iter()
                .filter(|s| !s.parsed.events.is_empty())
        };
        Facts {
            analysis,
            signals,
            has_host: log_sources().any(|s| s.role == Role::Host),
            has_guest: log_sources().any(|s| s.role == Role::Guest),
            fragment: log_sources().count() <= 1,
            only_vm,
        }
    }

    /// The time of a signal's event.
    pub fn time(&self, s: &Signal) -> Option<DateTime<Utc>> {
        self.event(s).time
    }

    /// The event a signal was read from.
    pub fn event(&self, s: &Signal) -> &crate::event::Event<'b> {
        &self.analysis.sources[s.source as usize].parsed.events[s.event as usize]
    }

    /// The role of a signal's source.
    pub fn role(&self, s: &Signal) -> Role {
        self.analysis.sources[s.source as usize].role
    }

    /// The VMID of a guest source.
    pub fn source_vmid(&self, s: &Signal) -> Option<u32> {
        self.analysis.sources[s.source as usize].vmid
    }

    /// The record as evidence, quoted from the source.
    pub fn evidence(&self, s: &Signal) -> Evidence {
        evidence::signal(
            &self.analysis.sources,
            evidence::Cite::Event {
                source: s.source as usize,
                event: s.event as usize,
            },
            s.kind.name(),
        )
    }

    /// Every snapshot fact with the index of its source.
    pub fn facts(&self) -> impl Iterator<Item = (usize, &crate::facts::Fact)> {
        self.analysis
            .sources
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.parsed.facts.iter().map(move |f| (i, f)))
    }

    /// A snapshot fact as evidence, quoted from its source.
    pub fn fact_evidence(&self, source: usize, fact: &crate::facts::Fact) -> Evidence {
        let src = &self.analysis.sources[source];
        let data = src.data;
        Evidence {
            time: None,
            source: src.path.clone(),
            line: (!src.parsed.binary).then_some(fact.line),
            offset: fact.offset,
            text: evidence::quote_lines(data, fact.offset, 1),
            signal: "snapshot",
        }
    }

    /// Scale for how much of the incident the bundle shows.
    pub fn coverage(&self) -> f64 {
        let base = match (self.has_host, self.has_guest) {
            (true, true) => 1.0,
            (true, false) => 0.95,
            (false, true) => 0.85,
            (false, false) => 0.8,
        };
        if self.fragment { base - 0.05 } else { base }
    }
}

/// Diagnoses a bundle.
pub fn diagnose(analysis: &Analysis<'_>, only_vm: Option<u32>) -> Diagnosis {
    let facts = Facts::new(analysis, only_vm);
    rules::run(&facts)
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
