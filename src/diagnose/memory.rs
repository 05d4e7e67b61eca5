//! memory_overcommit: the host's OOM killer killed a VM's process.
//!
//! A kill names its VM by its `oom-kill:` line, else by the VM its pid was in that host boot
//! ([`crate::vmpids`]: the finding cites the record that ties them and says how), else by
//! systemd's scope OOM line within a minute.
//!
//! Direct evidence is the kill of a `kvm`/`qemu` process on the host, or systemd's
//! `<vmid>.scope` OOM line (0.85); `global_oom` with the VMID (+0.05), the guest's unclean
//! restart (+0.03) and the runbook's arithmetic (Σ configured VM memory ≥ MemTotal, +0.05)
//! corroborate it. OOM kills of other host processes alone are indirect (0.45).

use std::collections::{BTreeMap, BTreeSet};

use super::context::{
    Cited, Context, find, finding, identify, incident_episode, vm_of_guest_signals,
};
use super::{Family, Finding, Outcome};
use crate::event::Role;
use crate::facts::FactKind;
use crate::index::Entry;
use crate::signals::SignalKind;
use crate::vmpids::PidVm;

/// The VMID of a host OOM kill: from the `oom-kill:` line just before it (same source, same pid),
/// else from the pid's VM in that host boot ([`Context::vm_of_pid`]), else from the systemd
/// scope OOM line nearest to it within a minute.
pub fn kill_vmid(f: &Context<'_>, kill: &Entry, pid: Option<u32>) -> Option<u32> {
    kill_vm(f, kill, pid).map(|(vmid, _)| vmid)
}

/// [`kill_vmid`], with the record that ties the pid to the VM when only the pid map names it.
pub fn kill_vm<'a>(
    f: &Context<'a>,
    kill: &Entry,
    pid: Option<u32>,
) -> Option<(u32, Option<&'a PidVm>)> {
    if let Some(vmid) = constraint_vmid(f, kill, pid) {
        return Some((vmid, None));
    }
    if let Some(vm) = pid.and_then(|pid| f.vm_of_pid(kill, pid)) {
        return Some((vm.vmid, Some(vm)));
    }
    f.nearest_scope_oom(f.time(kill)?, SCOPE_WINDOW_MS)
        .map(|vmid| (vmid, None))
}

/// The VMID of the nearest `oom-kill:` line of the same source and pid at or before the kill
/// that names one (a reused pid must not take an older kill's VM): looked up by (source, pid),
/// not by scanning every signal. Within one source, timeline order is event order.
fn constraint_vmid(f: &Context<'_>, kill: &Entry, pid: Option<u32>) -> Option<u32> {
    let pid = pid?;
    let same: Vec<&Entry> = f.index.with_pid(kill.source, pid).collect();
    let upto = same.partition_point(|s| s.event <= kill.event);
    same[..upto].iter().rev().find_map(|s| match &s.kind {
        SignalKind::OomConstraint { vmid, .. } => *vmid,
        _ => None,
    })
}

/// How far (ms) a systemd scope OOM line may be from a kill to name its VM.
const SCOPE_WINDOW_MS: i64 = 60_000;

/// memory_overcommit: the host killed a VM's kvm process.
pub fn memory(f: &Context<'_>) -> Option<Finding> {
    let mut vm_kills: Vec<(&Entry, Option<u32>)> = Vec::new();
    // Kills whose VM only the pid map names: the pid, the process name and the pair's record.
    let mut by_pid: Vec<(u32, &str, &PidVm)> = Vec::new();
    let mut service_kills: Vec<&Entry> = Vec::new();
    for s in f.signals() {
        if let SignalKind::OomKilled { comm, pid, .. } = &s.kind {
            // A VM's process killed by its host (a guest's own kills are of its services).
            if f.role(s) != Role::Guest && is_vm_process(comm) {
                let vm = kill_vm(f, s, *pid);
                if let (Some((_, Some(how))), Some(pid)) = (vm, *pid) {
                    by_pid.push((pid, comm.as_str(), how));
                }
                vm_kills.push((s, vm.map(|(vmid, _)| vmid)));
            } else {
                service_kills.push(s);
            }
        }
    }
    let scope = find(f, |k| matches!(k, SignalKind::ScopeOomKilled { .. }));
    // systemd's report of a service's OOM kill stands for the kill only when the kernel's own
    // kill lines are not in the bundle (else it would count the same kill twice).
    if service_kills.is_empty() {
        service_kills = find(f, |k| matches!(k, SignalKind::UnitOomKilled { .. }));
        // systemd says one kill in several lines (`systemd-oomd killed 1 process(es) in this
        // unit`, then `Failed with result 'oom-kill'`): one kill per unit and moment.
        let mut seen = BTreeSet::new();
        service_kills.retain(|s| match &s.kind {
            SignalKind::UnitOomKilled { unit } => seen.insert((unit.clone(), f.time(s))),
            _ => true,
        });
    }
    // Kills hours apart (a kill, a restart, a kill again) are incidents of their own: the one
    // nearest the moment the bundle was collected for, else the last.
    let mut scope = scope;
    let times = vm_kills
        .iter()
        .map(|(s, _)| *s)
        .chain(scope.iter().copied())
        .filter_map(|s| f.time(s))
        .collect();
    if let Some((from, to)) = incident_episode(times, f.incident_hint) {
        let inside = |s: &Entry| f.time(s).is_none_or(|t| t >= from && t <= to);
        vm_kills.retain(|(s, _)| inside(s));
        scope.retain(|s| inside(s));
    }
    if vm_kills.is_empty() && scope.is_empty() {
        return no_memory_for_qemu(f)
            .or_else(|| oom_panic(f))
            .or_else(|| service_or_header(f, &service_kills));
    }
    let mut vmids: BTreeSet<u32> = vm_kills.iter().filter_map(|(_, v)| *v).collect();
    for s in &scope {
        if let SignalKind::ScopeOomKilled { vmid } = s.kind {
            vmids.insert(vmid);
        }
    }
    let mut confidence: f64 = 0.85;
    let global = f.signals().any(|s| {
        matches!(&s.kind, SignalKind::OomConstraint { global: true, vmid: Some(v), .. } if vmids.contains(v))
    });
    if global {
        confidence += 0.05;
    }
    let first = vm_kills
        .first()
        .map(|(s, _)| *s)
        .or_else(|| scope.first().copied());
    let time = first.and_then(|s| f.time(s));
    // The guest restarting uncleanly after the kill corroborates it.
    if let Some(t) = time
        && f.signals().any(|s| {
            f.role(s) == Role::Guest
                && matches!(s.kind, SignalKind::UncleanJournal)
                && f.time(s).is_some_and(|u| u >= t)
        })
    {
        confidence += 0.03;
    }
    let arithmetic = memory_arithmetic(f);
    if let Some(a) = &arithmetic
        && a.configured_mb * 1024 >= a.mem_total_kib
    {
        confidence += 0.05;
    }
    let vm_list: Vec<String> = vmids.iter().map(u32::to_string).collect();
    let rss: Option<u64> = vm_kills.iter().find_map(|(s, _)| match &s.kind {
        SignalKind::OomKilled { anon_rss_kb, .. } => *anon_rss_kb,
        _ => None,
    });
    let title = format!(
        "the host ran out of memory and the OOM killer killed the kvm process of VM {}{}",
        if vm_list.is_empty() {
            "(VMID not logged)".to_string()
        } else {
            vm_list.join(", ")
        },
        rss.map(|kb| format!(" ({:.1} GiB resident)", kb as f64 / 1_048_576.0))
            .unwrap_or_default()
    );
    let mut x = finding(Family::MemoryOvercommit, confidence.min(0.95), title);
    x.outcome = Outcome::VmStopped;
    x.vmids = vmids.into_iter().collect();
    x.time = time;
    // The kill, the constraint line, the scope lines, then the invocation.
    let mut cited: Vec<&Entry> = vm_kills.iter().map(|(s, _)| *s).collect();
    cited.extend(find(f, |k| {
        matches!(k, SignalKind::OomConstraint { vmid: Some(_), .. })
    }));
    let kills_and_lines = cited.len();
    cited.extend(scope);
    cited.extend(
        find(f, |k| matches!(k, SignalKind::OomInvoked { .. }))
            .into_iter()
            .take(1),
    );
    x.cites = cited.iter().map(|s| f.cite(s)).collect();
    // The records that tie a kill's pid to its VM, after the kills and their `oom-kill:` lines.
    let rest = x.cites.split_off(kills_and_lines.min(x.cites.len()));
    for (pid, comm, vm) in by_pid {
        identify(&mut x, pid, comm, vm);
    }
    x.cites.extend(rest);
    if let Some(a) = arithmetic {
        let total_gib = a.mem_total_kib as f64 / 1_048_576.0;
        let configured_gib = a.configured_mb as f64 / 1024.0;
        let verdict = if a.configured_mb * 1024 >= a.mem_total_kib {
            "at or above"
        } else {
            "below"
        };
        x.title.push_str(&format!(
            "; the VMs' configured memory, {configured_gib:.1} GiB over {} VMs, is {verdict} the host's {total_gib:.1} GiB",
            a.vms
        ));
        if a.configured_mb * 1024 < a.mem_total_kib {
            x.against.push(format!(
                "configured VM memory ({configured_gib:.1} GiB) is below MemTotal ({total_gib:.1} GiB): something besides the VMs (ZFS ARC, host services, a memory leak) took the rest"
            ));
        }
        x.cites.extend(a.evidence);
    }
    Some(x)
}

/// Whether a process name is a VM's: QEMU/KVM (`kvm`, `qemu-system-x86_64`, a vCPU thread `CPU 2/KVM`)
/// or another VMM (firecracker, cloud-hypervisor, crosvm).
pub fn is_vm_process(comm: &str) -> bool {
    crate::vmpids::is_vm_process(comm)
}

/// Memory ran out, but no VM process was killed: the OOM killer killed services (on the host,
/// inside a VM that kept running, or in a pasted fragment of either), or only its header was
/// logged. Both are direct evidence that memory ran out (DESIGN.md §1: the family names the
/// cause; the outcome says what stopped).
fn service_or_header(f: &Context<'_>, kills: &[&Entry]) -> Option<Finding> {
    let invoked = find(f, |k| matches!(k, SignalKind::OomInvoked { .. }));
    if kills.is_empty() && invoked.is_empty() {
        return chosen_only(f)
            .or_else(|| shell_killed(f))
            .or_else(|| listed_oom_killed(f));
    }
    if kills.is_empty() {
        let first = invoked.first()?;
        let invoker = match &first.kind {
            SignalKind::OomInvoked { invoker } => invoker.as_str(),
            _ => "",
        };
        let vm = is_vm_process(invoker);
        let mut x = finding(
            Family::MemoryOvercommit,
            if vm { 0.7 } else { 0.65 },
            format!(
                "memory ran out: the OOM killer was invoked by {}{} (the victim is not in the logs)",
                if vm { "the VM's process " } else { "" },
                if invoker.is_empty() {
                    "a task"
                } else {
                    invoker
                }
            ),
        );
        // The OOM killer always kills something. Invoked by a service, with no VM stop, kill,
        // pause or unclean restart anywhere in the logs, what it killed was a service; invoked
        // by a VM's own process, the victim may well be the VM: unknown.
        x.outcome = if vm || f.signals().any(super::stops::is_stop) {
            Outcome::Unknown
        } else {
            Outcome::ServiceKilled
        };
        x.time = first.time;
        x.vmids = vm_of_guest_signals(f, &invoked);
        x.cites = invoked
            .iter()
            .take(MAX_HEADERS)
            .map(|s| f.cite(s))
            .collect();
        return Some(x);
    }
    let names: BTreeSet<&str> = kills
        .iter()
        .filter_map(|s| match &s.kind {
            SignalKind::OomKilled { comm, .. } => Some(comm.as_str()),
            SignalKind::UnitOomKilled { unit } => Some(unit.as_str()),
            _ => None,
        })
        .collect();
    let memcg = kills
        .iter()
        .any(|s| matches!(s.kind, SignalKind::OomKilled { memcg: true, .. }));
    // A host's kill inside a guest's memory cgroup (a container's `/lxc/210/…`) names that
    // guest through its `oom-kill:` line.
    let in_cgroup: BTreeSet<u32> = kills
        .iter()
        .filter(|s| f.role(s) != Role::Guest)
        .filter_map(|s| match &s.kind {
            SignalKind::OomKilled { pid, .. } => constraint_vmid(f, s, *pid),
            _ => None,
        })
        .collect();
    let vmids: Vec<u32> = vm_of_guest_signals(f, kills)
        .into_iter()
        .chain(in_cgroup.iter().copied())
        .collect::<BTreeSet<u32>>()
        .into_iter()
        .collect();
    let guest_only = kills.iter().all(|s| f.role(s) == Role::Guest);
    let whose = if guest_only {
        match vmids.as_slice() {
            [v] => format!("inside VM {v}"),
            _ => "inside the guest".to_string(),
        }
    } else if let [v] = in_cgroup.iter().collect::<Vec<_>>().as_slice() {
        format!("in the memory cgroup of guest {v} (a container's limit, or a VM's)")
    } else if kills.iter().all(|s| f.role(s) == Role::Host) {
        "on the host".to_string()
    } else {
        String::new()
    };
    let mut x = finding(
        Family::MemoryOvercommit,
        0.75,
        format!(
            "memory ran out{}{}: the OOM killer killed {} ({} kill{}); no VM process was killed",
            if whose.is_empty() { "" } else { " " },
            whose,
            names.into_iter().collect::<Vec<_>>().join(", "),
            kills.len(),
            if kills.len() == 1 { "" } else { "s" },
        ),
    );
    if memcg {
        x.title
            .push_str("; a memory cgroup's limit was reached (a container's or a service's)");
    }
    x.outcome = Outcome::ServiceKilled;
    x.time = kills.first().and_then(|s| f.time(s));
    x.vmids = vmids;
    x.cites = kills.iter().map(|s| f.cite(s)).collect();
    x.cites.extend(invoked.iter().take(1).map(|s| f.cite(s)));
    Some(x)
}

/// Neither a kill nor the report's header, only the OOM killer's choice of a task: the
/// `oom-kill:constraint=…` line, or the `Task in <cgroup> killed as a result of limit of
/// <cgroup>` line of kernels before 4.19 (a paste cut to the memory cgroup's report). Direct
/// evidence that memory ran out, as strong as the header alone.
fn chosen_only(f: &Context<'_>) -> Option<Finding> {
    let chosen = find(f, |k| matches!(k, SignalKind::OomConstraint { .. }));
    let first = chosen.first()?;
    let SignalKind::OomConstraint {
        vmid,
        task,
        global,
        vm_scope,
        ..
    } = &first.kind
    else {
        return None;
    };
    // The only task in a VM's scope is its QEMU process.
    let vm = task.as_deref().map_or(*vm_scope, is_vm_process);
    let whose = match (vmid, vm) {
        (Some(v), true) => format!("the kvm process of VM {v}"),
        (Some(v), false) => format!("{} in guest {v}", task.as_deref().unwrap_or("a task")),
        (None, _) => task.as_deref().unwrap_or("a task").to_string(),
    };
    let mut x = finding(
        Family::MemoryOvercommit,
        if vm { 0.7 } else { 0.65 },
        format!(
            "memory ran out: the OOM killer chose {whose} (the kill itself is not in the logs){}",
            if *global {
                ""
            } else {
                "; a memory cgroup's limit was reached (a container's or a service's)"
            }
        ),
    );
    x.outcome = if vm || f.signals().any(super::stops::is_stop) {
        Outcome::Unknown
    } else {
        Outcome::ServiceKilled
    };
    x.time = f.time(first);
    x.vmids = chosen
        .iter()
        .filter_map(|s| match &s.kind {
            SignalKind::OomConstraint { vmid, .. } => *vmid,
            _ => None,
        })
        .collect::<BTreeSet<u32>>()
        .into_iter()
        .collect();
    x.cites = chosen.iter().take(MAX_HEADERS).map(|s| f.cite(s)).collect();
    Some(x)
}

/// QEMU could not get memory from its host: the VM did not start, or aborted. Direct evidence
/// that the host's memory (or its overcommit limit) was exhausted, without the OOM killer.
fn no_memory_for_qemu(f: &Context<'_>) -> Option<Finding> {
    let failed = find(f, |k| matches!(k, SignalKind::QemuNoMemory { .. }));
    let first = failed.first()?;
    // Failures said only while starting the VM stopped nothing: it never ran.
    let at_start = failed
        .iter()
        .all(|s| matches!(s.kind, SignalKind::QemuNoMemory { starting: true }));
    let title = if at_start {
        "the VM's memory could not be allocated from its host (QEMU or Xen): the VM did not start"
    } else {
        "the VM's memory could not be allocated from its host (QEMU or Xen): the running VM aborted or was crashed"
    };
    let mut x = finding(Family::MemoryOvercommit, QEMU_NO_MEMORY, title.to_string());
    x.outcome = if at_start {
        Outcome::None
    } else {
        Outcome::VmStopped
    };
    x.time = f.time(first);
    x.vmids = failed.iter().filter_map(|s| s.vmid).collect();
    x.vmids.sort_unstable();
    x.vmids.dedup();
    x.cites = failed.iter().take(MAX_HEADERS).map(|s| f.cite(s)).collect();
    Some(x)
}

/// The kernel out of memory with nothing left to kill, or panicking over it (`Out of memory and no
/// killable processes...`, `Kernel panic - not syncing: System is deadlocked on memory`): the
/// machine that logged it died of memory. A guest's panic stopped its VM; a host's reset it.
fn oom_panic(f: &Context<'_>) -> Option<Finding> {
    let panics = find(f, |k| matches!(k, SignalKind::OomPanic));
    let no_victim = find(f, |k| matches!(k, SignalKind::OomNoVictim));
    let (first, title) = match (panics.first(), no_victim.first()) {
        (Some(first), _) => (*first, "the kernel panicked out of memory"),
        (None, Some(first)) => (
            *first,
            "memory ran out and the OOM killer found nothing left to kill",
        ),
        (None, None) => return None,
    };
    let mut x = finding(Family::MemoryOvercommit, OOM_PANIC, title.to_string());
    // A panic stops its machine; a victimless OOM of a memory cgroup goes on.
    x.outcome = match (panics.is_empty(), f.role(first)) {
        (false, Role::Guest) => Outcome::VmStopped,
        (false, Role::Host) => Outcome::HostReset,
        _ => Outcome::Unknown,
    };
    let panics: Vec<&Entry> = panics.into_iter().chain(no_victim).collect();
    x.time = panics.iter().find_map(|s| f.time(s));
    x.vmids = vm_of_guest_signals(f, &panics);
    x.cites = panics.iter().take(MAX_HEADERS).map(|s| f.cite(s)).collect();
    Some(x)
}

/// The kernel's own report that memory ran out with nothing to kill, or its panic over it.
const OOM_PANIC: f64 = 0.75;

/// QEMU's own allocation failure.
const QEMU_NO_MEMORY: f64 = 0.75;

/// A job a shell reported `Killed` (SIGKILL), with no kernel OOM report in the bundle: on Linux
/// an unexplained SIGKILL of a job is the OOM killer's usual trace (the kernel's report is in a
/// log the poster did not include), so it is memory evidence, weaker than the kernel's own line.
fn shell_killed(f: &Context<'_>) -> Option<Finding> {
    let killed = find(f, |k| matches!(k, SignalKind::ShellKilled { .. }));
    let first = killed.first()?;
    let program = match &first.kind {
        SignalKind::ShellKilled { program } if !program.is_empty() => program.as_str(),
        _ => "a job",
    };
    let mut x = finding(
        Family::MemoryOvercommit,
        SHELL_KILLED,
        format!(
            "a shell reported {program} killed with SIGKILL, the OOM killer's usual trace (the kernel's OOM report is not in the logs)"
        ),
    );
    x.outcome = Outcome::ServiceKilled;
    x.time = f.time(first);
    x.vmids = vm_of_guest_signals(f, &killed);
    x.cites = killed.iter().take(MAX_HEADERS).map(|s| f.cite(s)).collect();
    Some(x)
}

/// A listing that shows a VM or its pod `OOMKilled` (`kubectl get pod`: `virt-launcher-testvm-x
/// 0/2 OOMKilled 0 5m`), with no kernel report in the bundle: the kubelet's word that the
/// container's memory cgroup killed it. A KubeVirt VM's launcher pod holds its QEMU: the VM
/// stopped; another pod's container (an importer, a service) is a service killed.
fn listed_oom_killed(f: &Context<'_>) -> Option<Finding> {
    let listed: Vec<_> = f
        .facts()
        .filter(|fact| {
            matches!(&fact.fact.kind, crate::facts::FactKind::VmListed(v) if v.state == "OOMKilled")
        })
        .collect();
    let first = listed.first()?;
    let crate::facts::FactKind::VmListed(v) = &first.fact.kind else {
        return None;
    };
    let vm = v.tool != "kubectl-pod" || v.name.starts_with("virt-launcher-");
    let mut x = finding(
        Family::MemoryOvercommit,
        LISTED_OOM_KILLED,
        format!(
            "a listing shows {} {} OOMKilled: its container's memory limit was reached (the kernel's OOM report is not in the logs)",
            if vm { "the VM's pod" } else { "pod" },
            v.name
        ),
    );
    x.outcome = if vm {
        Outcome::VmStopped
    } else {
        Outcome::ServiceKilled
    };
    x.cites = listed.iter().map(|fact| fact.cited()).collect();
    Some(x)
}

/// A listing's `OOMKilled` without the kernel's report: the kubelet's word, as weak as a shell's
/// `Killed`.
const LISTED_OOM_KILLED: f64 = SHELL_KILLED;

/// A shell's `Killed` without the kernel's report: memory evidence, the weakest of its kind.
const SHELL_KILLED: f64 = 0.6;

/// OOM headers cited at most when no victim was logged.
const MAX_HEADERS: usize = 3;

/// The runbook's arithmetic: configured VM memory against the host's MemTotal.
pub struct MemoryArithmetic {
    configured_mb: u64,
    vms: usize,
    mem_total_kib: u64,
    evidence: Vec<Cited>,
}

/// Sums the memory of the VMs the host snapshots list (a VM config's `memory:` where there is
/// one, else the `qm list` column) and compares it with `/proc/meminfo`'s MemTotal.
pub fn memory_arithmetic(f: &Context<'_>) -> Option<MemoryArithmetic> {
    let mut per_vm: BTreeMap<u32, (u64, Cited)> = BTreeMap::new();
    let mut mem_total = None;
    for fact in f.facts() {
        if fact.role == Role::Guest {
            continue;
        }
        match &fact.fact.kind {
            FactKind::QmVm(vm) => {
                per_vm
                    .entry(vm.vmid)
                    .or_insert_with(|| (vm.mem_mb, fact.cited()));
            }
            FactKind::VmConfig(c) => {
                let vmid = c.vmid.or_else(|| vmid_from_config_path(fact.path));
                if let (Some(vmid), Some(mb)) = (vmid, c.memory_mb) {
                    per_vm.insert(vmid, (mb, fact.cited()));
                }
            }
            FactKind::MemInfo(m) => {
                if let Some(kib) = m.mem_total_kib {
                    mem_total = Some((kib, fact.cited()));
                }
            }
            _ => {}
        }
    }
    let (mem_total_kib, total_evidence) = mem_total?;
    if per_vm.is_empty() {
        return None;
    }
    let configured_mb = per_vm.values().map(|(mb, _)| *mb).sum();
    let vms = per_vm.len();
    let mut evidence: Vec<Cited> = per_vm.into_values().map(|(_, e)| e).collect();
    evidence.push(total_evidence);
    Some(MemoryArithmetic {
        configured_mb,
        vms,
        mem_total_kib,
        evidence,
    })
}

/// `…/qemu-server/101.conf` → 101.
fn vmid_from_config_path(path: &str) -> Option<u32> {
    path.rsplit('/').next()?.strip_suffix(".conf")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::{Kit, at, constraint, kill};

    #[test]
    fn a_kvm_kill_with_its_constraint_line_names_the_vm() {
        let mut kit = Kit::new();
        kit.host(
            0,
            SignalKind::OomInvoked {
                invoker: "kvm".into(),
            },
        )
        .host(0, constraint(Some(101), 4242))
        .host(0, kill(4242, "kvm"));
        let index = kit.index();
        let f = kit.context(&index);
        let x = memory(&f).unwrap();
        assert_eq!(x.family, Family::MemoryOvercommit);
        assert_eq!(x.vmids, vec![101]);
        // 0.85 for the kill, +0.05 for global_oom naming the VM.
        assert!((x.confidence - 0.9).abs() < 1e-9);
        assert!(!x.indirect_only);
        let cited: Vec<&str> = x.cites.iter().map(|c| c.signal).collect();
        assert_eq!(cited, ["oom_killed", "oom_constraint", "oom_invoked"]);
    }

    #[test]
    fn the_vmid_comes_from_the_same_source_and_pid_or_a_scope_line_within_a_minute() {
        let mut kit = Kit::new();
        // Another source's constraint for the same pid does not name this kill's VM.
        kit.push(
            5,
            Role::Host,
            None,
            Some(crate::diagnose::context::testkit::at(0)),
            constraint(Some(999), 7),
            None,
        );
        kit.host(1, kill(7, "kvm"))
            .host(2, SignalKind::ScopeOomKilled { vmid: 102 });
        let index = kit.index();
        let f = kit.context(&index);
        let k = f.signals().find(|s| s.kind.name() == "oom_killed").unwrap();
        assert_eq!(kill_vmid(&f, k, Some(7)), Some(102));

        let mut far = Kit::new();
        far.host(0, kill(7, "kvm"))
            .host(2, SignalKind::ScopeOomKilled { vmid: 102 });
        let index = far.index();
        let f = far.context(&index);
        let k = f.signals().next().unwrap();
        assert_eq!(kill_vmid(&f, k, Some(7)), None);
    }

    #[test]
    fn a_kill_without_its_constraint_line_takes_the_vm_its_pid_was_in_that_boot() {
        use crate::event::Cite;
        use crate::vmpids::VmPids;
        let mut kit = Kit::new();
        kit.host(0, kill(2613, "kvm"))
            .host(0, SignalKind::ScopeOomKilled { vmid: 102 });
        let index = kit.index();
        let journal = Cite::Event {
            source: 0,
            event: 40,
        };
        let pids = VmPids::from_pairs(
            vec![vec![at(-600)]],
            vec![(
                0,
                Some(at(-30)),
                2613,
                PidVm {
                    vmid: 101,
                    cite: journal,
                    how: "_SYSTEMD_UNIT=101.scope at host/pve1/journal.export:123".into(),
                },
            )],
        );
        let mut f = kit.context(&index);
        f.vm_pids = Some(&pids);
        let x = memory(&f).unwrap();
        // The pid's own VM, not the nearest scope line's alone.
        assert_eq!(x.vmids, vec![101, 102]);
        assert_eq!(
            x.identified,
            ["pid 2613 is VM 101's kvm: _SYSTEMD_UNIT=101.scope at host/pve1/journal.export:123"]
        );
        let cited: Vec<&str> = x.cites.iter().map(|c| c.signal).collect();
        assert_eq!(cited, ["oom_killed", "vm_pid", "scope_oom_killed"]);
        assert_eq!(x.cites[1].cite, journal);

        // Without the map, the nearest scope line names it, as before; a boot later, the pid
        // is someone else's.
        let g = kit.context(&index);
        assert_eq!(memory(&g).unwrap().vmids, vec![102]);
        let rebooted = VmPids::from_pairs(
            vec![vec![at(-600), at(-10)]],
            vec![(
                0,
                Some(at(-30)),
                2613,
                PidVm {
                    vmid: 101,
                    cite: journal,
                    how: String::new(),
                },
            )],
        );
        let mut h = kit.context(&index);
        h.vm_pids = Some(&rebooted);
        let x = memory(&h).unwrap();
        assert_eq!(x.vmids, vec![102]);
        assert!(x.identified.is_empty());
    }

    #[test]
    fn a_reused_pid_takes_the_vm_of_its_own_kill() {
        let mut kit = Kit::new();
        kit.host(0, constraint(Some(101), 7))
            .host(0, kill(7, "kvm"))
            .host(60, constraint(Some(102), 7))
            .host(60, kill(7, "kvm"));
        let index = kit.index();
        let f = kit.context(&index);
        let kills: Vec<&Entry> = f
            .signals()
            .filter(|s| s.kind.name() == "oom_killed")
            .collect();
        assert_eq!(kill_vmid(&f, kills[0], Some(7)), Some(101));
        assert_eq!(kill_vmid(&f, kills[1], Some(7)), Some(102));
    }

    #[test]
    fn a_service_killed_by_the_oom_killer_is_memory_evidence_of_its_own() {
        // On the host: no VM process was killed, the service was.
        let mut kit = Kit::new();
        kit.host(0, kill(10, "pmxcfs"));
        let index = kit.index();
        let x = memory(&kit.context(&index)).unwrap();
        assert!(!x.indirect_only);
        assert!((x.confidence - 0.75).abs() < 1e-9);
        assert_eq!(x.outcome, Outcome::ServiceKilled);
        assert!(x.title.contains("on the host"), "{}", x.title);

        // Inside a VM that kept running: the guest's own OOM killer names its cause.
        let mut guest = Kit::new();
        guest.guest(101, 0, kill(10, "mysqld"));
        let index = guest.index();
        let x = memory(&guest.context(&index)).unwrap();
        assert_eq!(x.vmids, vec![101]);
        assert_eq!(x.outcome, Outcome::ServiceKilled);
        assert!(x.title.contains("inside VM 101"), "{}", x.title);

        // On the host, inside container 210's memory cgroup (`oom_memcg=/lxc/210`): the
        // container is named.
        let mut ct = Kit::new();
        ct.host_pid(0, 1_822_714, constraint(Some(210), 1_822_714))
            .host_pid(0, 1_822_714, kill(1_822_714, "java"));
        let index = ct.index();
        let x = memory(&ct.context(&index)).unwrap();
        assert_eq!(x.vmids, vec![210]);
        assert_eq!(x.outcome, Outcome::ServiceKilled);
        assert!(x.title.contains("guest 210"), "{}", x.title);
    }

    #[test]
    fn kills_hours_apart_are_incidents_of_their_own() {
        let mut kit = Kit::new();
        kit.host_pid(-600, 41, constraint(Some(401), 41))
            .host_pid(-600, 41, kill(41, "kvm"))
            .host_pid(0, 42, constraint(Some(402), 42))
            .host_pid(0, 42, kill(42, "kvm"));
        let index = kit.index();
        // The last, by default.
        let x = memory(&kit.context(&index)).unwrap();
        assert_eq!(x.vmids, vec![402]);
        assert_eq!(x.time, Some(at(0)));
        // The one the manifest's incident time is nearest.
        let mut f = kit.context(&index);
        f.incident_hint = Some(at(-590));
        let x = memory(&f).unwrap();
        assert_eq!(x.vmids, vec![401]);
        assert_eq!(x.time, Some(at(-600)));
    }

    #[test]
    fn an_oom_header_alone_is_memory_evidence() {
        let mut kit = Kit::new();
        kit.host(
            0,
            SignalKind::OomInvoked {
                invoker: "CPU 0/KVM".into(),
            },
        );
        let index = kit.index();
        let x = memory(&kit.context(&index)).unwrap();
        assert!((x.confidence - 0.7).abs() < 1e-9);
        assert_eq!(x.outcome, Outcome::Unknown);
        assert!(
            x.title.contains("the VM's process CPU 0/KVM"),
            "{}",
            x.title
        );
        assert!(is_vm_process("qemu-system-x86_64") && is_vm_process("firecracker"));
        assert!(!is_vm_process("mysqld"));
    }

    #[test]
    fn the_oom_killers_choice_alone_is_memory_evidence() {
        // A container's memory cgroup report cut before the kill (`Task in /lxc/105/… killed
        // as a result of limit of /lxc/105`): a service in CT 105 lost.
        let mut kit = Kit::new();
        kit.host(
            0,
            SignalKind::OomConstraint {
                vmid: Some(105),
                task: None,
                pid: None,
                global: false,
                vm_scope: false,
            },
        );
        let index = kit.index();
        let x = memory(&kit.context(&index)).unwrap();
        assert_eq!(x.family, Family::MemoryOvercommit);
        assert!((x.confidence - 0.65).abs() < 1e-9);
        assert_eq!(x.outcome, Outcome::ServiceKilled);
        assert_eq!(x.vmids, vec![105]);
        assert!(x.title.contains("a memory cgroup's limit"), "{}", x.title);
        // A VM's scope named by the old memcg line: its only task is the VM's QEMU process.
        let mut kit = Kit::new();
        kit.host(
            0,
            SignalKind::OomConstraint {
                vmid: Some(101),
                task: None,
                pid: None,
                global: false,
                vm_scope: true,
            },
        );
        let index = kit.index();
        let x = memory(&kit.context(&index)).unwrap();
        assert!((x.confidence - 0.7).abs() < 1e-9);
        assert_eq!(x.outcome, Outcome::Unknown);
        assert!(x.title.contains("the kvm process of VM 101"), "{}", x.title);
        // The `oom-kill:` line of a VM's kvm without its kill line: the VM may be gone.
        let mut kit = Kit::new();
        kit.host(0, constraint(Some(101), 4242));
        let index = kit.index();
        let x = memory(&kit.context(&index)).unwrap();
        assert!((x.confidence - 0.7).abs() < 1e-9);
        assert_eq!(x.outcome, Outcome::Unknown);
        assert!(x.title.contains("the kvm process of VM 101"), "{}", x.title);
    }

    #[test]
    fn a_job_a_shell_reports_killed_is_weak_memory_evidence() {
        let mut kit = Kit::new();
        kit.guest(
            101,
            0,
            SignalKind::ShellKilled {
                program: "bundle".into(),
            },
        );
        let index = kit.index();
        let x = memory(&kit.context(&index)).unwrap();
        assert_eq!(x.family, Family::MemoryOvercommit);
        assert_eq!(x.outcome, Outcome::ServiceKilled);
        assert!((x.confidence - SHELL_KILLED).abs() < 1e-9);
        assert!(x.title.contains("bundle"));
    }

    #[test]
    fn a_service_that_ran_out_of_memory_with_no_stop_anywhere_lost_a_service() {
        let invoked = || SignalKind::OomInvoked {
            invoker: "mysqld".into(),
        };
        let mut kit = Kit::new();
        kit.guest(101, 0, invoked());
        let index = kit.index();
        let x = memory(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::ServiceKilled);
        // A stop elsewhere in the logs leaves the victim open.
        kit.host(1, SignalKind::VmNotRunning { vmid: 101 });
        let index = kit.index();
        assert_eq!(
            memory(&kit.context(&index)).unwrap().outcome,
            Outcome::Unknown
        );
    }

    #[test]
    fn qemu_without_memory_for_its_guest_stopped_the_vm_or_never_started_it() {
        for (starting, outcome) in [(false, Outcome::VmStopped), (true, Outcome::None)] {
            let mut kit = Kit::new();
            kit.push(
                0,
                Role::Host,
                Some(101),
                Some(at(0)),
                SignalKind::QemuNoMemory { starting },
                None,
            );
            let index = kit.index();
            let x = memory(&kit.context(&index)).unwrap();
            assert_eq!(x.outcome, outcome);
            assert_eq!(x.vmids, vec![101]);
            assert!((x.confidence - QEMU_NO_MEMORY).abs() < 1e-9);
        }
    }
}
