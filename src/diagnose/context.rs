//! What the rules see: the signal index, the snapshot facts, the host's unclean boots, which VM a
//! host process's pid is ([`crate::vmpids`]) and what the bundle covers — and nothing of the
//! bundle's bytes.
//!
//! A [`Context`] is built from the analysis ([`Context::from_analysis`]) or by hand
//! ([`Context::new`]), which is how each rule is unit-tested against a small hand-built signal
//! index. Rules cite records ([`Cited`]); the diagnosis quotes them only at the end
//! (`super::diagnose`), so a rule never needs a source's text.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use super::{Family, Finding, runbook};
use crate::analysis::Analysis;
use crate::boots::EndKind;
use crate::event::{Cite, Role};
use crate::facts::Fact;
use crate::index::{Entry, SignalIndex};
use crate::signals::SignalKind;
use crate::vmpids::{PidVm, VmPids};

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
    /// When the boot ended, as far as known: its last record.
    pub end: Option<DateTime<Utc>>,
    /// When the machine's next boot started, when the bundle shows it: with `end`, the bounds
    /// of a stop no record marks.
    pub next_start: Option<DateTime<Utc>>,
    /// The guest's VMID (guest boots only).
    pub vmid: Option<u32>,
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
    /// How many records the bundle holds.
    pub records: usize,
    /// Seconds from its first dated record to its last (0 when undated).
    pub span_secs: i64,
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
    /// The guest boots that ended without a shutdown.
    pub guest_unclean_boots: Vec<UncleanBoot>,
    /// What the bundle covers.
    pub coverage: Coverage,
    /// Only this VM (`--vm`).
    pub only_vm: Option<u32>,
    /// Which VM a host process is, by pid and host boot (none in a hand-built context unless a
    /// test sets it).
    pub vm_pids: Option<&'a VmPids>,
    /// The moment the bundle was collected for, when its manifest names one.
    pub incident_hint: Option<DateTime<Utc>>,
    /// The VM the manifest names as the incident's (`incident.vmid`), when it names one.
    pub incident_vmid: Option<u32>,
    /// The sources that are a backup's own account (a per-VM vzdump log, a vzdump task's log).
    pub backup_sources: HashSet<u32>,
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
    /// When replication runs of each VM (or of no named VM) ended.
    replication_ends: HashMap<Option<u32>, Vec<DateTime<Utc>>>,
    /// When each task (by UPID) ended.
    task_ends: HashMap<String, Vec<DateTime<Utc>>>,
    /// The UPIDs of tasks that ended in error, dated or not.
    failed_tasks: HashSet<String>,
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
            guest_unclean_boots: Vec::new(),
            coverage,
            only_vm,
            vm_pids: None,
            incident_hint: None,
            incident_vmid: None,
            backup_sources: HashSet::new(),
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
            records: log_sources().map(|s| s.parsed.events.len()).sum(),
            span_secs: {
                let times =
                    || log_sources().flat_map(|s| s.parsed.events.iter().filter_map(|e| e.time));
                match (times().min(), times().max()) {
                    (Some(first), Some(last)) => (last - first).num_seconds(),
                    _ => 0,
                }
            },
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
        let unclean = |role: Role| -> Vec<UncleanBoot> {
            analysis
                .boots()
                .iter()
                .filter(|m| m.role == role)
                .flat_map(|m| {
                    let vmid = analysis
                        .machines
                        .iter()
                        .find(|x| x.name == m.name)
                        .and_then(|x| x.vmid);
                    m.boots
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| b.end_kind == EndKind::Unclean)
                        .map(move |(i, b)| UncleanBoot {
                            end: b.end,
                            next_start: m.boots.get(i + 1).and_then(|n| {
                                n.start
                                    .as_ref()
                                    .map(|s| s.time)
                                    .or(n.first.as_ref().map(|f| f.time))
                            }),
                            vmid,
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
                })
                .collect()
        };
        let mut context = Context::new(
            analysis.index(),
            facts,
            unclean(Role::Host),
            coverage,
            only_vm,
        );
        context.guest_unclean_boots = unclean(Role::Guest);
        context.vm_pids = Some(analysis.vm_pids());
        context.incident_hint = analysis.incident.as_ref().and_then(|i| i.time());
        context.incident_vmid = analysis.incident.as_ref().and_then(|i| i.vmid);
        context.backup_sources = analysis
            .sources
            .iter()
            .enumerate()
            .filter(|(_, s)| match s.parsed.kind {
                crate::formats::FormatKind::Vzdump => true,
                crate::formats::FormatKind::PveTaskLog => {
                    crate::formats::pve_task_log::upid_of_path(&s.path).is_some_and(|u| {
                        u.text.split(|&b| b == b':').nth(5) == Some(&b"vzdump"[..])
                    })
                }
                _ => false,
            })
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        context
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

    /// The VM whose process `pid` was, on the machine of signal `s` in the host boot of its
    /// record, when exactly one VM claims the pid there.
    pub fn vm_of_pid(&self, s: &Entry, pid: u32) -> Option<&'a PidVm> {
        self.vm_pids?.vm_of(s.machine, s.time, pid)
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
            let mut replication_ends: HashMap<Option<u32>, Vec<DateTime<Utc>>> = HashMap::new();
            let mut task_ends: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
            let mut failed_tasks = HashSet::new();
            for s in self.signals() {
                if let SignalKind::TaskEnd {
                    upid, ok: false, ..
                } = &s.kind
                {
                    failed_tasks.insert(upid.clone());
                }
                let Some(t) = s.time else { continue };
                match &s.kind {
                    SignalKind::ScopeOomKilled { vmid } => {
                        let slot = scope.entry(t).or_insert(*vmid);
                        *slot = (*slot).min(*vmid);
                    }
                    SignalKind::Backup { phase: "end", vmid } => {
                        backup_ends.entry(*vmid).or_default().push(t);
                    }
                    SignalKind::Replication { phase: "end", vmid } => {
                        replication_ends.entry(*vmid).or_default().push(t);
                    }
                    SignalKind::TaskEnd { upid, .. } => {
                        task_ends.entry(upid.clone()).or_default().push(t);
                    }
                    _ => {}
                }
            }
            for times in backup_ends
                .values_mut()
                .chain(replication_ends.values_mut())
                .chain(task_ends.values_mut())
            {
                times.sort_unstable();
            }
            Lookups {
                scope_ooms: scope.into_iter().collect(),
                backup_ends,
                replication_ends,
                task_ends,
                failed_tasks,
            }
        })
    }

    /// Whether the task with this UPID ended in error (a stop task's `VM quit/powerdown failed`:
    /// it stopped nothing).
    pub fn task_failed(&self, upid: &str) -> bool {
        self.lookups().failed_tasks.contains(upid)
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
        ended_between(&self.lookups().backup_ends, vmid, after, before)
    }

    /// Whether a replication run of `vmid` (or of no named VM) ended strictly between `after`
    /// and `before`.
    pub fn replication_ended_between(
        &self,
        vmid: Option<u32>,
        after: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> bool {
        ended_between(&self.lookups().replication_ends, vmid, after, before)
    }

    /// Whether a backup of any VM ended strictly between `after` and `before`.
    pub fn any_backup_ended_between(&self, after: DateTime<Utc>, before: DateTime<Utc>) -> bool {
        self.lookups()
            .backup_ends
            .values()
            .any(|ends| any_strictly_between(ends, after, before))
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
        identified: Vec::new(),
        against: Vec::new(),
        missing: Vec::new(),
        recommendations: runbook::actions(family),
        indirect_only: false,
        vmids: Vec::new(),
        time: None,
        bound: None,
        outcome: super::Outcome::Unknown,
    }
}

/// Names VM `vm.vmid` in a finding whose record gave only the pid of its process (`comm`): the
/// VM joins the finding's VMs, the record that ties the pid to it is cited, and a line says how.
pub fn identify(x: &mut Finding, pid: u32, comm: &str, vm: &PidVm) {
    if !x.vmids.contains(&vm.vmid) {
        x.vmids.push(vm.vmid);
        x.vmids.sort_unstable();
    }
    let cited = Cited {
        cite: vm.cite,
        signal: "vm_pid",
        time: None,
    };
    if !x.cites.contains(&cited) {
        x.cites.push(cited);
    }
    let line = format!("pid {pid} is VM {}'s {comm}: {}", vm.vmid, vm.how);
    if !x.identified.contains(&line) {
        x.identified.push(line);
    }
}

/// Signals whose kind passes a predicate, in timeline order.
pub fn find<'a>(f: &Context<'a>, pred: impl Fn(&SignalKind) -> bool) -> Vec<&'a Entry> {
    f.signals().filter(|s| pred(&s.kind)).collect()
}

/// Whether one of `vmid`'s ends (or of no named VM's) in `ends` lies strictly between `after`
/// and `before`.
fn ended_between(
    ends: &HashMap<Option<u32>, Vec<DateTime<Utc>>>,
    vmid: Option<u32>,
    after: DateTime<Utc>,
    before: DateTime<Utc>,
) -> bool {
    ends.get(&vmid)
        .is_some_and(|ends| any_strictly_between(ends, after, before))
}

/// Whether some of the sorted `times` lies strictly between `after` and `before`.
fn any_strictly_between(
    times: &[DateTime<Utc>],
    after: DateTime<Utc>,
    before: DateTime<Utc>,
) -> bool {
    let i = times.partition_point(|t| *t <= after);
    times.get(i).is_some_and(|t| *t < before)
}

/// How far apart (minutes) two stops may be and still be one episode: a node's `stopall`, an
/// operator going through the VMs, one night's OOM kills.
pub const EPISODE_GAP_MIN: i64 = 30;

/// The episode an incident is, among stops at `times` (runs less than [`EPISODE_GAP_MIN`]
/// apart): the one holding or nearest `hint` (the manifest's incident time) when given, else the
/// last, as `[first, last]`; `None` when the times make one episode or none.
pub fn incident_episode(
    mut times: Vec<DateTime<Utc>>,
    hint: Option<DateTime<Utc>>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    times.sort();
    let mut episodes: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for t in times {
        match episodes.last_mut() {
            Some((_, last)) if t - *last <= chrono::Duration::minutes(EPISODE_GAP_MIN) => {
                *last = t;
            }
            _ => episodes.push((t, t)),
        }
    }
    if episodes.len() < 2 {
        return None;
    }
    match hint {
        Some(hint) => episodes.into_iter().min_by_key(|(a, b)| {
            if *a <= hint && hint <= *b {
                0
            } else {
                (*a - hint)
                    .num_seconds()
                    .abs()
                    .min((*b - hint).num_seconds().abs())
            }
        }),
        None => episodes.pop(),
    }
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

/// Hand-built signal indexes for the rules' unit tests.
#[cfg(test)]
pub mod testkit {
    use super::*;
    use crate::index::IndexMachine;

    /// Minutes after a fixed instant (2025-07-29 09:56:40 UTC).
    pub fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_753_783_000 + minutes * 60, 0).unwrap_or_default()
    }

    /// Builds an index entry by entry, in timeline order.
    #[derive(Default)]
    pub struct Kit {
        entries: Vec<Entry>,
        /// What the bundle covers (host and guest logs by default in [`Kit::new`]).
        pub coverage: Coverage,
        /// Host boots that ended uncleanly.
        pub unclean_boots: Vec<UncleanBoot>,
    }

    impl Kit {
        /// A kit for a bundle with host and guest logs.
        pub fn new() -> Kit {
            Kit {
                coverage: Coverage {
                    has_host: true,
                    has_guest: true,
                    fragment: false,
                    no_events: false,
                    records: 1000,
                    span_secs: 86_400,
                },
                ..Kit::default()
            }
        }

        /// A kit for a single pasted fragment of unknown origin.
        pub fn fragment() -> Kit {
            Kit {
                coverage: Coverage {
                    has_host: false,
                    has_guest: false,
                    fragment: true,
                    no_events: false,
                    records: 1000,
                    span_secs: 86_400,
                },
                ..Kit::default()
            }
        }

        /// A signal of a machine of unknown role (source 0), at `minutes`.
        pub fn unknown(&mut self, minutes: i64, kind: SignalKind) -> &mut Kit {
            self.push(0, Role::Unknown, None, Some(at(minutes)), kind, None)
        }

        /// A host signal at `minutes`, in source 0.
        pub fn host(&mut self, minutes: i64, kind: SignalKind) -> &mut Kit {
            self.push(0, Role::Host, None, Some(at(minutes)), kind, None)
        }

        /// A host signal with no time (a pasted fragment's record).
        pub fn undated_host(&mut self, kind: SignalKind) -> &mut Kit {
            self.push(0, Role::Host, None, None, kind, None)
        }

        /// A host signal with a pid.
        pub fn host_pid(&mut self, minutes: i64, pid: u32, kind: SignalKind) -> &mut Kit {
            self.push(0, Role::Host, None, Some(at(minutes)), kind, Some(pid))
        }

        /// A signal of guest `vmid` (source 1, machine 1) at `minutes`.
        pub fn guest(&mut self, vmid: u32, minutes: i64, kind: SignalKind) -> &mut Kit {
            self.push(1, Role::Guest, Some(vmid), Some(at(minutes)), kind, None)
        }

        /// Any signal.
        pub fn push(
            &mut self,
            source: u32,
            role: Role,
            vmid: Option<u32>,
            time: Option<DateTime<Utc>>,
            kind: SignalKind,
            pid: Option<u32>,
        ) -> &mut Kit {
            let event = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
            self.entries.push(Entry {
                kind,
                source,
                event,
                time,
                role,
                machine: source.min(1),
                vmid,
                pid,
                placed: false,
            });
            self
        }

        /// The index (entries sorted by time, undated last, as the timeline orders them).
        pub fn index(&self) -> SignalIndex {
            let mut entries = self.entries.clone();
            entries.sort_by_key(|e| (e.time.is_none(), e.time));
            let first = |m: u32| {
                entries
                    .iter()
                    .filter(|e| e.machine == m)
                    .filter_map(|e| e.time)
                    .min()
            };
            let machines = vec![
                IndexMachine {
                    name: "pve1".into(),
                    first_record: first(0),
                },
                IndexMachine {
                    name: "guest".into(),
                    first_record: first(1),
                },
            ];
            SignalIndex::from_entries(entries, machines)
        }

        /// A context over `index` with this kit's coverage and boots.
        pub fn context<'a>(&self, index: &'a SignalIndex) -> Context<'a> {
            Context::new(
                index,
                Vec::new(),
                self.unclean_boots.clone(),
                self.coverage,
                None,
            )
        }
    }

    /// A host OOM kill of pid `pid` (`kvm` or another comm).
    pub fn kill(pid: u32, comm: &str) -> SignalKind {
        SignalKind::OomKilled {
            pid: Some(pid),
            comm: comm.into(),
            anon_rss_kb: Some(4_194_304),
            memcg: false,
        }
    }

    /// The `oom-kill:` constraint line naming VM `vmid` and pid `pid`.
    pub fn constraint(vmid: Option<u32>, pid: u32) -> SignalKind {
        SignalKind::OomConstraint {
            vmid,
            task: Some("kvm".into()),
            pid: Some(pid),
            global: true,
            vm_scope: vmid.is_some(),
        }
    }

    /// A Proxmox task start.
    pub fn task_start(task: &str, vmid: Option<u32>, upid: &str) -> SignalKind {
        SignalKind::TaskStart {
            task: task.into(),
            upid: upid.into(),
            vmid,
        }
    }

    /// A Proxmox task end.
    pub fn task_end(task: &str, vmid: Option<u32>, upid: &str, ok: bool) -> SignalKind {
        SignalKind::TaskEnd {
            task: task.into(),
            upid: upid.into(),
            vmid,
            ok,
        }
    }
}
