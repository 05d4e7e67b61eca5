//! What the rules see: the signal index, the snapshot facts, the host's unclean boots and what
//! the bundle covers — and nothing of the bundle's bytes.
//!
//! A [`Context`] is built from the analysis ([`Context::from_analysis`]) or by hand
//! ([`Context::new`]), which is how each rule is unit-tested against a small hand-built signal
//! index. Rules cite records ([`Cited`]); the diagnosis quotes them only at the end
//! (`super::diagnose`), so a rule never needs a source's text.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use super::{Family, Finding, runbook};
use crate::analysis::Analysis;
use crate::boots::EndKind;
use crate::event::{Cite, Role};
use crate::facts::Fact;
use crate::index::{Entry, SignalIndex};
use crate::signals::SignalKind;

/// A record a finding cites, with what it shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cited {
    /// The record.
    pub cite: Cite,
    /// The signal kind it carries (`snapshot` for a snapshot fact, empty for a boot record).
    pub signal: &'static str,
    /// A time to show when the record itself has none (a boot's end from `last`).
    pub time: Option<DateTime<Utc>>,
}

/// A snapshot fact and where it stands.
#[derive(Clone, Copy, Debug)]
pub struct FactRef<'a> {
    /// The fact.
    pub fact: &'a Fact,
    /// Its record.
    pub cite: Cite,
    /// The role of its source.
    pub role: Role,
    /// The path of its source.
    pub path: &'a str,
}

impl FactRef<'_> {
    /// The fact as cited evidence.
    pub fn cited(&self) -> Cited {
        Cited {
            cite: self.cite,
            signal: "snapshot",
            time: None,
        }
    }
}

/// A host boot that ended without a shutdown, and the records that show it.
#[derive(Clone, Debug, PartialEq)]
pub struct UncleanBoot {
    /// When the boot ended, as far as known.
    pub end: Option<DateTime<Utc>>,
    /// The records.
    pub evidence: Vec<Cited>,
}

/// How much of the incident the bundle shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// The bundle holds host logs.
    pub has_host: bool,
    /// It holds guest logs.
    pub has_guest: bool,
    /// It is a single source (a pasted fragment).
    pub fragment: bool,
    /// No source has a single record.
    pub no_events: bool,
}

/// Everything a rule reads.
#[derive(Debug)]
pub struct Context<'a> {
    /// The signals, in timeline order.
    pub index: &'a SignalIndex,
    /// Every snapshot fact.
    pub facts: Vec<FactRef<'a>>,
    /// The host boots that ended without a shutdown.
    pub host_unclean_boots: Vec<UncleanBoot>,
    /// What the bundle covers.
    pub coverage: Coverage,
    /// Only this VM (`--vm`).
    pub only_vm: Option<u32>,
    /// Look-ups built on first use.
    lookups: OnceLock<Lookups>,
}

/// Time-sorted look-ups over the index, built once per diagnosis.
#[derive(Debug, Default)]
struct Lookups {
    /// `<vmid>.scope` OOM lines: distinct times, each with its smallest VMID.
    scope_ooms: Vec<(DateTime<Utc>, u32)>,
    /// When backups of each VM (or of no named VM) ended.
    backup_ends: HashMap<Option<u32>, Vec<DateTime<Utc>>>,
    /// When each task (by UPID) ended.
    task_ends: HashMap<String, Vec<DateTime<Utc>>>,
}

impl<'a> Context<'a> {
    /// A context from its parts (tests build one by hand).
    pub fn new(
        index: &'a SignalIndex,
        facts: Vec<FactRef<'a>>,
        host_unclean_boots: Vec<UncleanBoot>,
        coverage: Coverage,
        only_vm: Option<u32>,
    ) -> Self {
        Context {
            index,
            facts,
            host_unclean_boots,
            coverage,
            only_vm,
            lookups: OnceLock::new(),
        }
    }

    /// The context of an analysis: its signal index, its snapshot facts, its host boots that
    /// ended uncleanly and its coverage.
    pub fn from_analysis(analysis: &'a Analysis<'_>, only_vm: Option<u32>) -> Self {
        let log_sources = || {
            analysis
                .sources
                .iter()
                .filter(|s| !s.parsed.events.is_empty())
        };
        let coverage = Coverage {
            has_host: log_sources().any(|s| s.role == Role::Host),
            has_guest: log_sources().any(|s| s.role == Role::Guest),
            fragment: log_sources().count() <= 1,
            no_events: log_sources().next().is_none(),
        };
        let facts = analysis
            .sources
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.parsed
                    .facts
                    .iter()
                    .enumerate()
                    .map(move |(k, fact)| FactRef {
                        fact,
                        cite: Cite::Fact { source: i, fact: k },
                        role: s.role,
                        path: &s.path,
                    })
            })
            .collect();
        let host_unclean_boots = analysis
            .boots()
            .iter()
            .filter(|m| m.role == Role::Host)
            .flat_map(|m| &m.boots)
            .filter(|b| b.end_kind == EndKind::Unclean)
            .map(|b| UncleanBoot {
                end: b.end,
                evidence: b
                    .evidence
                    .iter()
                    .map(|c| Cited {
                        cite: c.cite,
                        signal: "",
                        time: c.time,
                    })
                    .collect(),
            })
            .collect();
        Context::new(
            analysis.index(),
            facts,
            host_unclean_boots,
            coverage,
            only_vm,
        )
    }

    /// Every signal, in timeline order.
    pub fn signals(&self) -> std::slice::Iter<'a, Entry> {
        self.index.entries().iter()
    }

    /// The time of a signal's record.
    pub fn time(&self, s: &Entry) -> Option<DateTime<Utc>> {
        s.time
    }

    /// The role of a signal's source.
    pub fn role(&self, s: &Entry) -> Role {
        s.role
    }

    /// The VMID of a signal's source (a guest's).
    pub fn source_vmid(&self, s: &Entry) -> Option<u32> {
        s.vmid
    }

    /// A signal's record, to cite.
    pub fn cite(&self, s: &Entry) -> Cited {
        Cited {
            cite: s.cite(),
            signal: s.kind.name(),
            time: None,
        }
    }

    /// Every snapshot fact.
    pub fn facts(&self) -> impl Iterator<Item = &FactRef<'a>> {
        self.facts.iter()
    }

    /// Scale for how much of the incident the bundle shows.
    pub fn coverage(&self) -> f64 {
        let c = self.coverage;
        let base = match (c.has_host, c.has_guest) {
            (true, true) => 1.0,
            (true, false) => 0.95,
            (false, true) => 0.85,
            (false, false) => 0.8,
        };
        if c.fragment { base - 0.05 } else { base }
    }

    /// When the earliest record of a signal's machine was written.
    pub fn machine_first_record(&self, s: &Entry) -> Option<DateTime<Utc>> {
        self.index.machine(s).and_then(|m| m.first_record)
    }

    fn lookups(&self) -> &Lookups {
        self.lookups.get_or_init(|| {
            let mut scope: BTreeMap<DateTime<Utc>, u32> = BTreeMap::new();
            let mut backup_ends: HashMap<Option<u32>, Vec<DateTime<Utc>>> = HashMap::new();
            let mut task_ends: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
            for s in self.signals() {
                let Some(t) = s.time else { continue };
                match &s.kind {
                    SignalKind::ScopeOomKilled { vmid } => {
                        let slot = scope.entry(t).or_insert(*vmid);
                        *slot = (*slot).min(*vmid);
                    }
                    SignalKind::Backup { phase: "end", vmid } => {
                        backup_ends.entry(*vmid).or_default().push(t);
                    }
                    SignalKind::TaskEnd { upid, .. } => {
                        task_ends.entry(upid.clone()).or_default().push(t);
                    }
                    _ => {}
                }
            }
            for times in backup_ends.values_mut().chain(task_ends.values_mut()) {
                times.sort_unstable();
            }
            Lookups {
                scope_ooms: scope.into_iter().collect(),
                backup_ends,
                task_ends,
            }
        })
    }

    /// The VMID of the `<vmid>.scope` OOM line nearest to `t` within `window_ms`; the smaller
    /// VMID on a tie.
    pub fn nearest_scope_oom(&self, t: DateTime<Utc>, window_ms: i64) -> Option<u32> {
        let list = &self.lookups().scope_ooms;
        let i = list.partition_point(|(x, _)| *x < t);
        let gap = |k: usize| {
            list.get(k)
                .map(|(x, v)| ((*x - t).num_milliseconds().abs(), *v))
        };
        let candidates = [i.checked_sub(1).and_then(gap), gap(i)];
        candidates
            .into_iter()
            .flatten()
            .filter(|(g, _)| *g <= window_ms)
            .min()
            .map(|(_, v)| v)
    }

    /// Whether a backup of `vmid` (or of no named VM) ended strictly between `after` and
    /// `before`.
    pub fn backup_ended_between(
        &self,
        vmid: Option<u32>,
        after: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> bool {
        self.lookups().backup_ends.get(&vmid).is_some_and(|ends| {
            let i = ends.partition_point(|t| *t <= after);
            ends.get(i).is_some_and(|t| *t < before)
        })
    }

    /// Whether the task with this UPID ended at or after `from` (when known) and before
    /// `before`.
    pub fn task_ended_between(
        &self,
        upid: &str,
        from: Option<DateTime<Utc>>,
        before: DateTime<Utc>,
    ) -> bool {
        self.lookups().task_ends.get(upid).is_some_and(|ends| {
            let i = from.map_or(0, |f| ends.partition_point(|t| *t < f));
            ends.get(i).is_some_and(|t| *t < before)
        })
    }
}

/// Confidence rounded to two decimals, as every output shows it.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A finding of `family` with its runbook's actions and nothing cited yet.
pub fn finding(family: Family, confidence: f64, title: String) -> Finding {
    Finding {
        family,
        confidence,
        title,
        evidence: Vec::new(),
        cites: Vec::new(),
        against: Vec::new(),
        missing: Vec::new(),
        recommendations: runbook::actions(family),
        indirect_only: false,
        vmids: Vec::new(),
        time: None,
    }
}

/// Signals whose kind passes a predicate, in timeline order.
pub fn find<'a>(f: &Context<'a>, pred: impl Fn(&SignalKind) -> bool) -> Vec<&'a Entry> {
    f.signals().filter(|s| pred(&s.kind)).collect()
}

/// VMIDs named by the guest sources of the signals.
pub fn vm_of_guest_signals(f: &Context<'_>, signals: &[&Entry]) -> Vec<u32> {
    signals
        .iter()
        .filter_map(|s| f.source_vmid(s))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}
