//! The signal index: every signal of the analysis's one matching pass, in timeline order, with
//! what the rules ask of it (time, role, machine, the guest's VMID, the pid) and look-ups by
//! kind, by VMID and by machine and pid.
//!
//! The diagnosis rules, the boot history and the reports read signals only through this index:
//! nothing re-detects a message, and no rule scans every signal per signal. Each look-up is built
//! once when the index is ([`SignalIndex::build`]); the rules' windows ("a stop within six hours",
//! "a scope OOM line within a minute") are binary searches over time-sorted lists
//! ([`SignalIndex::times_of`]).
//!
//! The index can also be built by hand ([`SignalIndex::from_entries`]), which is how the rules
//! are unit-tested without a bundle.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::event::{Cite, Role};
use crate::signals::{Matched, SignalKind};
use crate::source::Source;
use crate::timeline::EventRef;

/// One signal and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// What the record says.
    pub kind: SignalKind,
    /// The source index.
    pub source: u32,
    /// The event index in that source.
    pub event: u32,
    /// The record's UTC time, when it has one.
    pub time: Option<DateTime<Utc>>,
    /// The role of its source.
    pub role: Role,
    /// Its machine, an index into [`SignalIndex::machines`].
    pub machine: u32,
    /// The VMID of its source (a guest's), when known.
    pub vmid: Option<u32>,
    /// The process id of the record (`ident[pid]`).
    pub pid: Option<u32>,
    /// Whether the time is only where the record was placed, not its own: a Proxmox VE task
    /// log's undated line put at the task's start. Such a time orders the record but dates no
    /// incident while a copy or a neighbour with its own time exists.
    pub placed: bool,
}

impl Entry {
    /// The record the signal was read from.
    pub fn cite(&self) -> Cite {
        Cite::Event {
            source: self.source as usize,
            event: self.event as usize,
        }
    }
}

/// A machine of the index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexMachine {
    /// Its name.
    pub name: String,
    /// The time of its earliest dated record (any record, not only signals).
    pub first_record: Option<DateTime<Utc>>,
}

/// Every signal of the analysis, in timeline order, with look-ups.
#[derive(Clone, Debug, Default)]
pub struct SignalIndex {
    entries: Vec<Entry>,
    machines: Vec<IndexMachine>,
    /// Positions of each kind's signals, in timeline order.
    by_kind: HashMap<&'static str, Vec<u32>>,
    /// Positions of the signals that name a VMID in their text, in timeline order.
    by_vmid: BTreeMap<u32, Vec<u32>>,
    /// Positions of the signals of each (source, pid), in timeline order.
    by_pid: HashMap<(u32, u32), Vec<u32>>,
    /// Positions of each machine's signals, in timeline order.
    by_machine: Vec<Vec<u32>>,
    /// The task each Proxmox VE task log is the log of, by source index: the UPID its file is
    /// named by, as the signal table keys tasks (`node:pid:pstart:starttime:type:id:user`).
    task_logs: HashMap<u32, String>,
}

/// The VMID a signal's own text names.
pub fn named_vmid(kind: &SignalKind) -> Option<u32> {
    match kind {
        SignalKind::OomConstraint { vmid, .. }
        | SignalKind::TaskStart { vmid, .. }
        | SignalKind::TaskEnd { vmid, .. }
        | SignalKind::Backup { vmid, .. }
        | SignalKind::Replication { vmid, .. }
        | SignalKind::BackupFailed { vmid }
        | SignalKind::Fencing { vmid }
        | SignalKind::FreezeTimeout { vmid } => *vmid,
        SignalKind::ScopeOomKilled { vmid }
        | SignalKind::ScopeDeactivated { vmid }
        | SignalKind::VmCleanup { vmid }
        | SignalKind::ScopeFailed { vmid, .. }
        | SignalKind::ScopeStarted { vmid }
        | SignalKind::VmNic { vmid }
        | SignalKind::VmNotRunning { vmid } => Some(*vmid),
        // A Proxmox container's unit names its CTID.
        SignalKind::UnitOomKilled { unit } => unit.strip_prefix("pve-container@")?.parse().ok(),
        _ => None,
    }
}

/// The pid a signal's own text names (the victim of an OOM kill).
fn named_pid(kind: &SignalKind) -> Option<u32> {
    match kind {
        SignalKind::OomConstraint { pid, .. } | SignalKind::OomKilled { pid, .. } => *pid,
        _ => None,
    }
}

impl SignalIndex {
    /// Builds the index from the analysis: `signals` is parallel to `sources` (each source's
    /// signals in event order), `order` the timeline order of every event.
    pub fn build(sources: &[Source<'_>], signals: &[Vec<Matched>], order: &[EventRef]) -> Self {
        let mut names: Vec<&str> = sources.iter().map(|s| s.machine.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let machine_of: Vec<u32> = sources
            .iter()
            .map(|s| {
                names
                    .binary_search(&s.machine.as_str())
                    .ok()
                    .and_then(|i| u32::try_from(i).ok())
                    .unwrap_or(0)
            })
            .collect();
        let mut machines: Vec<IndexMachine> = names
            .iter()
            .map(|n| IndexMachine {
                name: (*n).to_string(),
                first_record: None,
            })
            .collect();
        for (source, m) in sources.iter().zip(&machine_of) {
            let first = source.parsed.events.iter().filter_map(|e| e.time).min();
            if let (Some(t), Some(slot)) = (first, machines.get_mut(*m as usize)) {
                slot.first_record = Some(slot.first_record.map_or(t, |f| f.min(t)));
            }
        }
        // Where each signalled event stands in the timeline: only events with signals matter,
        // so the signals are sorted by their event's position rather than the events walked.
        let mut position: Vec<HashMap<u32, u32>> = vec![HashMap::new(); sources.len()];
        for (s, matched) in signals.iter().enumerate() {
            for m in matched {
                position[s].insert(m.event, u32::MAX);
            }
        }
        for (pos, r) in order.iter().enumerate() {
            if let Some(slot) = position
                .get_mut(r.source as usize)
                .and_then(|p| p.get_mut(&r.event))
            {
                *slot = u32::try_from(pos).unwrap_or(u32::MAX);
            }
        }
        let mut keyed: Vec<(u32, usize, &Matched)> = Vec::new();
        for (s, matched) in signals.iter().enumerate() {
            for m in matched {
                let pos = position[s].get(&m.event).copied().unwrap_or(u32::MAX);
                keyed.push((pos, s, m));
            }
        }
        // Stable: the signals of one event keep their table order.
        keyed.sort_by_key(|(pos, s, m)| (*pos, *s, m.event));
        let entries = keyed
            .into_iter()
            .filter_map(|(_, s, m)| {
                let source = sources.get(s)?;
                let event = source.parsed.events.get(m.event as usize)?;
                Some(Entry {
                    kind: m.kind.clone(),
                    source: u32::try_from(s).ok()?,
                    event: m.event,
                    time: event.time,
                    role: source.role,
                    machine: machine_of[s],
                    vmid: source.vmid,
                    pid: event.pid,
                    placed: event.quality.contains(crate::event::TimeFix::TaskAnchored),
                })
            })
            .collect();
        let mut index = Self::from_entries(entries, machines);
        index.task_logs = sources
            .iter()
            .enumerate()
            .filter(|(_, s)| s.parsed.kind == crate::formats::FormatKind::PveTaskLog)
            .filter_map(|(i, s)| {
                let upid = crate::formats::pve_task_log::upid_of_path(&s.path)?;
                let key = std::str::from_utf8(upid.text)
                    .ok()?
                    .strip_prefix("UPID:")?
                    .trim_end_matches(':');
                Some((u32::try_from(i).ok()?, key.to_string()))
            })
            .collect();
        index
    }

    /// Marks source `source` as the log of the task `upid` (the signal table's key): for tests of
    /// the rules, which build an index by hand.
    pub fn set_task_log(&mut self, source: u32, upid: &str) {
        self.task_logs.insert(source, upid.to_string());
    }

    /// The task whose log a signal's source is (the signal table's key of its UPID), when the
    /// source is a Proxmox VE task log named by one.
    pub fn task_of(&self, e: &Entry) -> Option<&str> {
        self.task_logs.get(&e.source).map(String::as_str)
    }

    /// An index of hand-made entries (already in timeline order) and machines: for tests of the
    /// rules, and for callers that filter an index.
    pub fn from_entries(entries: Vec<Entry>, machines: Vec<IndexMachine>) -> Self {
        let mut by_kind: HashMap<&'static str, Vec<u32>> = HashMap::new();
        let mut by_vmid: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        let mut by_pid: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        let mut by_machine: Vec<Vec<u32>> = vec![Vec::new(); machines.len()];
        for (i, e) in entries.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            if let Some(list) = by_machine.get_mut(e.machine as usize) {
                list.push(i);
            }
            by_kind.entry(e.kind.name()).or_default().push(i);
            if let Some(v) = named_vmid(&e.kind) {
                by_vmid.entry(v).or_default().push(i);
            }
            if let Some(p) = named_pid(&e.kind) {
                by_pid.entry((e.source, p)).or_default().push(i);
            }
        }
        SignalIndex {
            entries,
            machines,
            by_kind,
            by_vmid,
            by_pid,
            by_machine,
            task_logs: HashMap::new(),
        }
    }

    /// Every signal, in timeline order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The machines, by name.
    pub fn machines(&self) -> &[IndexMachine] {
        &self.machines
    }

    /// The machine of an entry.
    pub fn machine(&self, e: &Entry) -> Option<&IndexMachine> {
        self.machines.get(e.machine as usize)
    }

    /// The signals of one kind (by [`SignalKind::name`]), in timeline order.
    pub fn of(&self, name: &str) -> impl Iterator<Item = &Entry> + '_ {
        self.positions(self.by_kind.get(name))
    }

    /// The signals of several kinds, in timeline order.
    pub fn of_any<'a>(&'a self, names: &[&str]) -> Vec<&'a Entry> {
        let mut pos: Vec<u32> = names
            .iter()
            .filter_map(|n| self.by_kind.get(n))
            .flatten()
            .copied()
            .collect();
        pos.sort_unstable();
        pos.dedup();
        pos.into_iter()
            .filter_map(|p| self.entries.get(p as usize))
            .collect()
    }

    /// The signals of machine `machine` (an index into [`SignalIndex::machines`]), in timeline
    /// order.
    pub fn on_machine(&self, machine: u32) -> impl Iterator<Item = &Entry> + '_ {
        self.positions(self.by_machine.get(machine as usize))
    }

    /// The signals whose text names VM `vmid`, in timeline order.
    pub fn naming_vm(&self, vmid: u32) -> impl Iterator<Item = &Entry> + '_ {
        self.positions(self.by_vmid.get(&vmid))
    }

    /// The OOM signals of source `source` that name pid `pid` (the `oom-kill:` line and the
    /// `Killed process` line of one kill), in timeline order.
    pub fn with_pid(&self, source: u32, pid: u32) -> impl Iterator<Item = &Entry> + '_ {
        self.positions(self.by_pid.get(&(source, pid)))
    }

    fn positions<'a>(&'a self, list: Option<&'a Vec<u32>>) -> impl Iterator<Item = &'a Entry> + 'a {
        list.into_iter()
            .flatten()
            .filter_map(|p| self.entries.get(*p as usize))
    }

    /// The dated times of the entries that pass `pred`, sorted: for window questions answered
    /// by binary search ([`any_within`]).
    pub fn times_of(&self, pred: impl Fn(&Entry) -> bool) -> Vec<DateTime<Utc>> {
        let mut times: Vec<DateTime<Utc>> = self
            .entries
            .iter()
            .filter(|e| pred(e))
            .filter_map(|e| e.time)
            .collect();
        times.sort_unstable();
        times
    }
}

/// Whether a sorted list of times holds one in `[from, to]`.
pub fn any_within(sorted: &[DateTime<Utc>], from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    let i = sorted.partition_point(|t| *t < from);
    sorted.get(i).is_some_and(|t| *t <= to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(1_753_783_000 + s, 0)
    }

    fn entry(kind: SignalKind, source: u32, event: u32, s: i64) -> Entry {
        Entry {
            kind,
            source,
            event,
            time: at(s),
            role: Role::Host,
            machine: 0,
            vmid: None,
            pid: None,
            placed: false,
        }
    }

    #[test]
    fn look_ups_by_kind_vmid_and_pid() {
        let index = SignalIndex::from_entries(
            vec![
                entry(
                    SignalKind::OomConstraint {
                        vmid: Some(101),
                        task: Some("kvm".into()),
                        pid: Some(7),
                        global: true,
                        vm_scope: true,
                    },
                    0,
                    1,
                    0,
                ),
                entry(
                    SignalKind::OomKilled {
                        pid: Some(7),
                        comm: "kvm".into(),
                        anon_rss_kb: None,
                        memcg: false,
                    },
                    0,
                    2,
                    0,
                ),
                entry(SignalKind::ScopeOomKilled { vmid: 101 }, 1, 0, 1),
                entry(SignalKind::MachineCheck, 0, 3, 60),
            ],
            vec![IndexMachine::default()],
        );
        assert_eq!(index.of("machine_check").count(), 1);
        assert_eq!(index.on_machine(0).count(), 4);
        assert_eq!(index.on_machine(1).count(), 0);
        assert_eq!(index.naming_vm(101).count(), 2);
        assert_eq!(index.with_pid(0, 7).count(), 2);
        assert_eq!(index.with_pid(1, 7).count(), 0);
        assert_eq!(index.of_any(&["scope_oom_killed", "oom_killed"]).len(), 2);
        let times = index.times_of(|e| e.kind == SignalKind::MachineCheck);
        assert!(any_within(&times, at(59).unwrap(), at(61).unwrap()));
        assert!(!any_within(&times, at(0).unwrap(), at(59).unwrap()));
    }
}
