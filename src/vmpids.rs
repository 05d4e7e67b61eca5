//! Which VM a host process is: a host-wide map from a kvm/QEMU process id to its VMID, per host
//! boot, each pair with the record that shows it.
//!
//! Some records name a VM's process only by its pid: an OOM kill without its `oom-kill:` line, a
//! hung-task report (`INFO: task kvm:2613 blocked for more than 120 seconds.`), a segfault. Three
//! kinds of record tie a pid to a VMID:
//! - a host journal entry (export, JSON, journal file) written by a process of the VM's scope:
//!   its `_SYSTEMD_UNIT` is `<vmid>.scope` (or a `qemu.slice/<vmid>.scope` path) and its `_PID`
//!   the VM's process;
//! - the `qm list` snapshot's PID column;
//! - the OOM killer's `oom-kill:…task_memcg=/qemu.slice/<vmid>.scope,…,pid=N` line (the signal
//!   the matching pass already read: nothing is matched twice).
//!
//! Pids are reused: a pair holds only within the host boot its record was written in (a
//! snapshot's: the last boot the bundle shows), and a pid two VMs claim in one boot names none.
//!
//! The map is built once per analysis ([`VmPids::build`]), and only for the pids some record asks
//! about: those are collected first from the signal index, then each host source is read once,
//! and a journal entry's fields (read lazily from its member) are looked up only for entries of
//! those pids, so the cost stays linear in the records.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::boots::MachineBoots;
use crate::event::{Cite, Role};
use crate::facts::FactKind;
use crate::index::{Entry, SignalIndex};
use crate::signals::SignalKind;
use crate::source::Source;

/// A pid tied to a VM, and how.
#[derive(Clone, Debug, PartialEq)]
pub struct PidVm {
    /// The VM.
    pub vmid: u32,
    /// The record that ties the pid to it.
    pub cite: Cite,
    /// What the record says and where, e.g. `_SYSTEMD_UNIT=101.scope at host/pve1/journal.export:123`.
    pub how: String,
}

/// The host-wide map: (machine, boot, pid) → the VM whose process the pid is.
#[derive(Clone, Debug, Default)]
pub struct VmPids {
    /// Per machine of the signal index, the start times of its boots, sorted.
    boot_starts: Vec<Vec<DateTime<Utc>>>,
    /// (machine, boot, pid) → the VM, or `None` when two VMs claim the pid in that boot.
    pairs: HashMap<(u32, u32, u32), Option<PidVm>>,
}

/// When a claim was made: a record's time, or a snapshot's last boot.
#[derive(Clone, Copy, Debug)]
enum When {
    At(Option<DateTime<Utc>>),
    LastBoot,
}

/// Whether a process name is a VM's: QEMU/KVM (`kvm`, `qemu-system-x86_64` or its 15-byte
/// `comm` `qemu-system-x86`, RHEL's `qemu-kvm`, a vCPU thread `CPU 2/KVM`) or another VMM
/// (firecracker, cloud-hypervisor, crosvm). QEMU's tools (`qemu-img`, `qemu-nbd`, the guest
/// agent `qemu-ga`) are not VMs.
pub fn is_vm_process(comm: &str) -> bool {
    comm == "kvm"
        || comm == "qemu-kvm"
        || comm.starts_with("qemu-system")
        || comm.ends_with("/KVM")
        || matches!(comm, "firecracker" | "cloud-hypervisor" | "crosvm")
}

/// The pid of a VM's process a host signal names without naming the VM: an OOM kill, a hung
/// task, a segfault. A hung task counts only under the process's own name (`kvm`, `qemu-…`): a
/// vCPU thread's report prints the thread's id, which is not the process's.
pub fn asked_pid(e: &Entry) -> Option<u32> {
    if e.role == Role::Guest {
        return None;
    }
    match &e.kind {
        SignalKind::OomKilled {
            pid: Some(pid),
            comm,
            ..
        } if is_vm_process(comm) => Some(*pid),
        SignalKind::HungTask {
            comm: Some(comm),
            pid: Some(pid),
        } if is_vm_process(comm) && !comm.ends_with("/KVM") => Some(*pid),
        SignalKind::QemuCrashed { pid: Some(pid) } => Some(*pid),
        _ => None,
    }
}

/// `101.scope`, `/qemu.slice/101.scope`, `qemu.slice/101.scope` → 101.
fn scope_vmid(unit: &[u8]) -> Option<u32> {
    let unit = std::str::from_utf8(unit).ok()?;
    let last = unit.rsplit('/').next()?;
    let digits = last.strip_suffix(".scope")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if unit.contains('/') && !unit.trim_start_matches('/').starts_with("qemu.slice/") {
        return None;
    }
    digits.parse().ok()
}

impl VmPids {
    /// The map of an analysis: its host sources, its signal index and its boot history.
    pub fn build(sources: &[Source<'_>], index: &SignalIndex, boots: &[MachineBoots]) -> VmPids {
        let names: Vec<&str> = index.machines().iter().map(|m| m.name.as_str()).collect();
        let machine_of = |name: &str| -> Option<u32> {
            names
                .iter()
                .position(|n| *n == name)
                .and_then(|i| u32::try_from(i).ok())
        };
        let boot_starts = names
            .iter()
            .map(|name| {
                let mut starts: Vec<DateTime<Utc>> = boots
                    .iter()
                    .filter(|m| m.name == *name && m.role != Role::Guest)
                    .flat_map(|m| m.boots.iter().filter_map(|b| b.key()))
                    .collect();
                starts.sort_unstable();
                starts
            })
            .collect();
        let mut map = VmPids {
            boot_starts,
            pairs: HashMap::new(),
        };
        // The pids some record asks about, per machine: only their journal entries are read.
        let asked: HashSet<(u32, u32)> = index
            .entries()
            .iter()
            .filter_map(|e| Some((e.machine, asked_pid(e)?)))
            .collect();
        if asked.is_empty() {
            return map;
        }
        for (s, source) in sources.iter().enumerate() {
            if source.role == Role::Guest {
                continue;
            }
            let Some(machine) = machine_of(&source.machine) else {
                continue;
            };
            for (e, event) in source.parsed.events.iter().enumerate() {
                let (Some(pid), Some(journal)) = (event.pid, &event.journal) else {
                    continue;
                };
                if !asked.contains(&(machine, pid)) {
                    continue;
                }
                let Some(unit) = journal.value(b"_SYSTEMD_UNIT") else {
                    continue;
                };
                let Some(vmid) = scope_vmid(&unit) else {
                    continue;
                };
                let how = format!(
                    "_SYSTEMD_UNIT={} at {}",
                    String::from_utf8_lossy(&unit),
                    source.place(event)
                );
                map.claim(
                    machine,
                    When::At(event.time),
                    pid,
                    PidVm {
                        vmid,
                        cite: Cite::Event {
                            source: s,
                            event: e,
                        },
                        how,
                    },
                );
            }
        }
        for e in index.entries() {
            if let SignalKind::OomConstraint {
                vmid: Some(vmid),
                pid: Some(pid),
                ..
            } = e.kind
                && e.role != Role::Guest
                && asked.contains(&(e.machine, pid))
            {
                let place = sources
                    .get(e.source as usize)
                    .and_then(|s| Some(s.place(s.parsed.events.get(e.event as usize)?)))
                    .unwrap_or_default();
                map.claim(
                    e.machine,
                    When::At(e.time),
                    pid,
                    PidVm {
                        vmid,
                        cite: e.cite(),
                        how: format!("task_memcg=/qemu.slice/{vmid}.scope at {place}"),
                    },
                );
            }
        }
        for (s, source) in sources.iter().enumerate() {
            if source.role == Role::Guest {
                continue;
            }
            let Some(machine) = machine_of(&source.machine) else {
                continue;
            };
            for (k, fact) in source.parsed.facts.iter().enumerate() {
                if let FactKind::QmVm(vm) = &fact.kind
                    && let Some(pid) = vm.pid
                    && asked.contains(&(machine, pid))
                {
                    let place = if source.parsed.binary {
                        format!("{}@{}", source.path, fact.offset)
                    } else {
                        format!("{}:{}", source.path, fact.line)
                    };
                    map.claim(
                        machine,
                        When::LastBoot,
                        pid,
                        PidVm {
                            vmid: vm.vmid,
                            cite: Cite::Fact { source: s, fact: k },
                            how: format!("`qm list` PID column at {place}"),
                        },
                    );
                }
            }
        }
        map
    }

    /// A map of hand-made pairs (machine, time, pid, VM) over machines whose boots started at
    /// `boot_starts`: for tests of the rules.
    pub fn from_pairs(
        boot_starts: Vec<Vec<DateTime<Utc>>>,
        pairs: Vec<(u32, Option<DateTime<Utc>>, u32, PidVm)>,
    ) -> VmPids {
        let mut map = VmPids {
            boot_starts: boot_starts
                .into_iter()
                .map(|mut s| {
                    s.sort_unstable();
                    s
                })
                .collect(),
            pairs: HashMap::new(),
        };
        for (machine, time, pid, vm) in pairs {
            map.claim(machine, When::At(time), pid, vm);
        }
        map
    }

    /// The boot of `machine` a record of `when` belongs to, by the boots' starts; an undated
    /// record only on a machine with one boot or none (nothing else places it).
    fn boot_of(&self, machine: u32, when: When) -> Option<u32> {
        let starts = self
            .boot_starts
            .get(machine as usize)
            .map_or(&[][..], Vec::as_slice);
        let n = match when {
            When::At(Some(t)) => starts.partition_point(|s| *s <= t).saturating_sub(1),
            When::At(None) => {
                if starts.len() > 1 {
                    return None;
                }
                0
            }
            When::LastBoot => starts.len().saturating_sub(1),
        };
        u32::try_from(n).ok()
    }

    /// Records that `pid` is `vm`'s process in the boot of `when`; a second VM claiming it
    /// leaves it to none.
    fn claim(&mut self, machine: u32, when: When, pid: u32, vm: PidVm) {
        let Some(boot) = self.boot_of(machine, when) else {
            return;
        };
        match self.pairs.entry((machine, boot, pid)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Some(vm));
            }
            std::collections::hash_map::Entry::Occupied(mut slot) => {
                if slot.get().as_ref().is_some_and(|old| old.vmid != vm.vmid) {
                    slot.insert(None);
                }
            }
        }
    }

    /// The VM whose process `pid` was on `machine` at `time` (in that boot), when exactly one VM
    /// claims it.
    pub fn vm_of(&self, machine: u32, time: Option<DateTime<Utc>>, pid: u32) -> Option<&PidVm> {
        let boot = self.boot_of(machine, When::At(time))?;
        self.pairs.get(&(machine, boot, pid))?.as_ref()
    }

    /// How many pids are tied to exactly one VM.
    pub fn len(&self) -> usize {
        self.pairs.values().filter(|v| v.is_some()).count()
    }

    /// Whether no pid is tied to a VM.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(1_753_783_000 + s, 0)
    }

    fn vm(vmid: u32, event: usize) -> PidVm {
        PidVm {
            vmid,
            cite: Cite::Event { source: 0, event },
            how: format!("_SYSTEMD_UNIT={vmid}.scope at host/pve1/journal.export:{event}"),
        }
    }

    #[test]
    fn a_pid_names_its_vm_only_within_its_boot_and_only_when_one_vm_claims_it() {
        // Machine 0 booted at 0 and again at 1000.
        let starts = vec![vec![
            at(0).unwrap_or_default(),
            at(1000).unwrap_or_default(),
        ]];
        let map = VmPids::from_pairs(
            starts,
            vec![
                (0, at(10), 2613, vm(101, 1)),
                (0, at(20), 2613, vm(101, 2)),
                (0, at(30), 4000, vm(101, 3)),
                (0, at(40), 4000, vm(102, 4)),
                (0, at(1010), 2613, vm(103, 5)),
            ],
        );
        // The first record of the pair stands for it.
        assert_eq!(
            map.vm_of(0, at(500), 2613).map(|v| v.cite),
            Some(vm(101, 1).cite)
        );
        // The pid was reused after the reboot.
        assert_eq!(map.vm_of(0, at(2000), 2613).map(|v| v.vmid), Some(103));
        // Two VMs claim 4000 in one boot: none.
        assert!(map.vm_of(0, at(500), 4000).is_none());
        // Another machine, an undated record on a machine of two boots: nothing.
        assert!(map.vm_of(1, at(500), 2613).is_none());
        assert!(map.vm_of(0, None, 2613).is_none());
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn scope_units_name_their_vm() {
        assert_eq!(scope_vmid(b"101.scope"), Some(101));
        assert_eq!(scope_vmid(b"/qemu.slice/101.scope"), Some(101));
        assert_eq!(scope_vmid(b"qemu.slice/101.scope"), Some(101));
        assert_eq!(scope_vmid(b"init.scope"), None);
        assert_eq!(scope_vmid(b"session-3.scope"), None);
        assert_eq!(scope_vmid(b"/user.slice/101.scope"), None);
        assert_eq!(scope_vmid(b"pvedaemon.service"), None);
    }

    #[test]
    fn asked_pids_are_of_vm_processes_on_the_host() {
        let entry = |kind, role| Entry {
            kind,
            source: 0,
            event: 0,
            time: at(0),
            role,
            machine: 0,
            vmid: None,
            pid: None,
            placed: false,
        };
        let hung = |comm: &str| SignalKind::HungTask {
            comm: Some(comm.into()),
            pid: Some(2613),
        };
        assert_eq!(asked_pid(&entry(hung("kvm"), Role::Host)), Some(2613));
        assert_eq!(asked_pid(&entry(hung("kvm"), Role::Guest)), None);
        assert_eq!(asked_pid(&entry(hung("CPU 0/KVM"), Role::Host)), None);
        assert_eq!(asked_pid(&entry(hung("jbd2/sda1-8"), Role::Host)), None);
        let crash = SignalKind::QemuCrashed { pid: Some(74541) };
        assert_eq!(asked_pid(&entry(crash, Role::Unknown)), Some(74541));
    }
}
