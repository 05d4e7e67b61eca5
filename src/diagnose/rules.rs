//! The rules: one per family, each turning signals into a finding with its weights.
//!
//! Weights (confidence before the coverage scale of [`Facts::coverage`]):
//!
//! | family | direct evidence | corroboration | indirect only (capped below 0.8) |
//! |---|---|---|---|
//! | memory_overcommit | host OOM kill of `kvm` 0.85, systemd `<vmid>.scope` OOM line 0.85 | `global_oom` with the VMID +0.05, the guest's unclean restart +0.03, Σ configured VM memory (configs, `qm list`) ≥ MemTotal +0.05 | OOM kills of other host processes 0.45 |
//! | resource_intensive_operation | memory evidence above, plus an activity running before the kill (backup started and not finished, upgrade, transfer, migration in the 2 h before): memory + 0.02; memory then drops 0.15 | | |
//! | storage_exhaustion | QEMU I/O-error pause 0.9, thin pool full 0.85, `No space left` on the host 0.8, ZFS errors 0.75, block or file-system errors 0.7, a SUSPENDED pool snapshot 0.85 | +0.05 per further kind, +0.05 for a snapshot showing it | guest-only storage errors 0.6; snapshots alone: pool DEGRADED 0.55, df ≥ 95 % 0.45 |
//! | hardware | thermal shutdown 0.9, machine check 0.85, uncorrected memory error 0.85 | +0.05 per further kind | corrected memory errors 0.35, throttling 0.4, host reboot without a shutdown 0.55 |
//! | clean_shutdown | `qmshutdown`/`qmstop` task 0.85, guest power key + shutdown sequence 0.8, shutdown sequence 0.7 | | scope deactivated 0.6 |
//! | not_a_shutdown | no stop of any kind and no other finding: 0.65 with guest logs, 0.5 without | | |
//! | inconclusive (named cause) | kernel panic 0.7, fencing 0.7, QEMU died by signal 0.6, unclean stop with no cause 0.45 | | |

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::{Diagnosis, Facts, Family, Finding, Incident, RunnerUp, Verdict};
use crate::event::Role;
use crate::evidence::{self, Evidence};
use crate::signals::{Signal, SignalKind};

/// Evidence that is indirect never reaches this.
const INDIRECT_CAP: f64 = 0.75;
/// Below this, the verdict is `inconclusive`.
const VERDICT_FLOOR: f64 = 0.5;
/// How far before a kill an activity counts as running.
const ACTIVITY_WINDOW_H: i64 = 2;
/// Evidence listed per finding, at most.
const MAX_EVIDENCE: usize = 8;

/// Runs every rule and picks the verdict.
pub(super) fn run(f: &Facts<'_, '_>) -> Diagnosis {
    let mut findings = Vec::new();
    let memory = memory(f);
    if let Some(m) = &memory {
        match activity(f, m) {
            Some(rio) => {
                let mut demoted = m.clone();
                demoted.confidence = (m.confidence - 0.15).max(0.0);
                demoted.against.push(format!(
                    "an activity was running when memory ran out: {}",
                    rio.title
                ));
                findings.push(rio);
                findings.push(demoted);
            }
            None => findings.push(m.clone()),
        }
    }
    findings.extend(storage(f));
    findings.extend(hardware(f));
    findings.extend(clean(f));
    findings.extend(named_causes(f));
    if let Some(n) = not_a_shutdown(f, &findings) {
        findings.push(n);
    }

    let scale = f.coverage();
    for finding in &mut findings {
        let mut c = finding.confidence * scale;
        if finding.indirect_only {
            c = c.min(INDIRECT_CAP);
        }
        finding.confidence = round2(c.clamp(0.0, 1.0));
        finding.evidence.truncate(MAX_EVIDENCE);
        add_missing(f, finding);
    }
    if let Some(vm) = f.only_vm {
        findings.retain(|x| x.vmids.is_empty() || x.vmids.contains(&vm));
    }
    // Strongest first; ties in a fixed family order.
    findings.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
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
        findings,
        incidents,
        escalate,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn finding(family: Family, confidence: f64, title: String) -> Finding {
    Finding {
        family,
        confidence,
        title,
        evidence: Vec::new(),
        against: Vec::new(),
        missing: Vec::new(),
        recommendations: recommendations(family),
        indirect_only: false,
        vmids: Vec::new(),
        time: None,
    }
}

/// Signals matching a predicate.
fn find<'f>(f: &'f Facts<'_, '_>, pred: impl Fn(&SignalKind) -> bool) -> Vec<&'f Signal> {
    f.signals.iter().filter(|s| pred(&s.kind)).collect()
}

/// The VMID of a host OOM kill: from the `oom-kill:` line just before it (same source, same pid),
/// else from a systemd scope OOM line within a minute.
fn kill_vmid(f: &Facts<'_, '_>, kill: &Signal, pid: Option<u32>) -> Option<u32> {
    let constraint = f.signals.iter().find_map(|s| match &s.kind {
        SignalKind::OomConstraint { vmid, pid: p, .. }
            if s.source == kill.source && p.is_some() && *p == pid && s.event <= kill.event =>
        {
            *vmid
        }
        _ => None,
    });
    constraint.or_else(|| {
        let t = f.time(kill)?;
        f.signals
            .iter()
            .filter_map(|s| match s.kind {
                SignalKind::ScopeOomKilled { vmid } => {
                    let gap = (f.time(s)? - t).num_milliseconds().abs();
                    (gap <= 60_000).then_some((gap, vmid))
                }
                _ => None,
            })
            .min()
            .map(|(_, vmid)| vmid)
    })
}

/// memory_overcommit: the host killed a VM's kvm process.
fn memory(f: &Facts<'_, '_>) -> Option<Finding> {
    let mut vm_kills: Vec<(&Signal, Option<u32>)> = Vec::new();
    let mut other_kills = Vec::new();
    for s in &f.signals {
        if let SignalKind::OomKilled { comm, pid, .. } = &s.kind {
            if f.role(s) == Role::Guest {
                continue;
            }
            if comm == "kvm" || comm.starts_with("qemu") {
                vm_kills.push((s, kill_vmid(f, s, *pid)));
            } else {
                other_kills.push(s);
            }
        }
    }
    let scope = find(f, |k| matches!(k, SignalKind::ScopeOomKilled { .. }));
    if vm_kills.is_empty() && scope.is_empty() {
        if other_kills.is_empty() {
            return None;
        }
        let mut x = finding(
            Family::MemoryOvercommit,
            0.45,
            format!(
                "the host's OOM killer killed {} process(es), but no VM process",
                other_kills.len()
            ),
        );
        x.indirect_only = true;
        x.time = other_kills.first().and_then(|s| f.time(s));
        x.evidence = other_kills.iter().map(|s| f.evidence(s)).collect();
        return Some(x);
    }
    let mut vmids: BTreeSet<u32> = vm_kills.iter().filter_map(|(_, v)| *v).collect();
    for s in &scope {
        if let SignalKind::ScopeOomKilled { vmid } = s.kind {
            vmids.insert(vmid);
        }
    }
    let mut confidence: f64 = 0.85;
    let global = f.signals.iter().any(|s| {
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
        && f.signals.iter().any(|s| {
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
    x.vmids = vmids.into_iter().collect();
    x.time = time;
    // The kill, the constraint line, the scope lines, then the invocation.
    let mut cited: Vec<&Signal> = vm_kills.iter().map(|(s, _)| *s).collect();
    cited.extend(find(f, |k| {
        matches!(k, SignalKind::OomConstraint { vmid: Some(_), .. })
    }));
    cited.extend(scope);
    cited.extend(
        find(f, |k| matches!(k, SignalKind::OomInvoked { .. }))
            .into_iter()
            .take(1),
    );
    x.evidence = cited.iter().map(|s| f.evidence(s)).collect();
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
        x.evidence.extend(a.evidence);
    }
    Some(x)
}

/// The runbook's arithmetic: configured VM memory against the host's MemTotal.
struct MemoryArithmetic {
    configured_mb: u64,
    vms: usize,
    mem_total_kib: u64,
    evidence: Vec<Evidence>,
}

/// Sums the memory of the VMs the host snapshots list (a VM config's `memory:` where there is
/// one, else the `qm list` column) and compares it with `/proc/meminfo`'s MemTotal.
fn memory_arithmetic(f: &Facts<'_, '_>) -> Option<MemoryArithmetic> {
    use crate::facts::FactKind;
    use std::collections::BTreeMap;
    let mut per_vm: BTreeMap<u32, (u64, Evidence)> = BTreeMap::new();
    let mut mem_total = None;
    for (i, fact) in f.facts() {
        if f.analysis.sources[i].role == Role::Guest {
            continue;
        }
        match &fact.kind {
            FactKind::QmVm(vm) => {
                per_vm
                    .entry(vm.vmid)
                    .or_insert_with(|| (vm.mem_mb, f.fact_evidence(i, fact)));
            }
            FactKind::VmConfig(c) => {
                let vmid = c
                    .vmid
                    .or_else(|| vmid_from_config_path(&f.analysis.sources[i].path));
                if let (Some(vmid), Some(mb)) = (vmid, c.memory_mb) {
                    per_vm.insert(vmid, (mb, f.fact_evidence(i, fact)));
                }
            }
            FactKind::MemInfo(m) => {
                if let Some(kib) = m.mem_total_kib {
                    mem_total = Some((kib, f.fact_evidence(i, fact)));
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
    let mut evidence: Vec<Evidence> = per_vm.into_values().map(|(_, e)| e).collect();
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

/// resource_intensive_operation: memory ran out while a named activity was running.
fn activity(f: &Facts<'_, '_>, memory: &Finding) -> Option<Finding> {
    if memory.indirect_only {
        return None;
    }
    let kill = memory.time?;
    let from = kill - Duration::hours(ACTIVITY_WINDOW_H);
    let in_window = |s: &Signal| f.time(s).is_some_and(|t| t >= from && t <= kill);
    let mut running: Vec<(&Signal, String)> = Vec::new();
    for s in f.signals.iter().filter(|s| in_window(s)) {
        let what = match &s.kind {
            SignalKind::Backup {
                phase: "start",
                vmid,
            } => {
                // Still running at the kill: no end of the same backup before it.
                let ended = f.signals.iter().any(|e| {
                    matches!(&e.kind, SignalKind::Backup { phase: "end", vmid: v } if v == vmid)
                        && f.time(e)
                            .is_some_and(|t| t > f.time(s).unwrap_or(t) && t < kill)
                });
                if ended {
                    continue;
                }
                match vmid {
                    Some(v) => format!("a backup of VM {v} (vzdump)"),
                    None => "a backup job".to_string(),
                }
            }
            SignalKind::TaskStart { task, upid, .. } => {
                let name = match task.as_str() {
                    "vzdump" => "a vzdump backup task",
                    "qmigrate" => "a live migration",
                    "qmrestore" => "a restore",
                    "qmclone" => "a clone",
                    "imgcopy" | "qmmove" => "a disk move",
                    _ => continue,
                };
                // The same task (its whole UPID) ended before the kill.
                let started = f.time(s);
                let ended = f.signals.iter().any(|e| {
                    matches!(&e.kind, SignalKind::TaskEnd { upid: u, .. } if u == upid)
                        && f.time(e)
                            .is_some_and(|t| t < kill && started.is_none_or(|st| t >= st))
                });
                if ended {
                    continue;
                }
                name.to_string()
            }
            // Upgrades and transfers have no end line: they count in the hour before the kill,
            // on the host or inside the VM that was killed.
            SignalKind::PackageUpgrade | SignalKind::LargeTransfer => {
                let near = f.time(s).is_some_and(|t| t >= kill - Duration::hours(1));
                let here = f.role(s) != Role::Guest
                    || f.source_vmid(s).is_some_and(|v| memory.vmids.contains(&v));
                if !(near && here) {
                    continue;
                }
                if matches!(s.kind, SignalKind::PackageUpgrade) {
                    "a package upgrade".to_string()
                } else {
                    "a large transfer or import".to_string()
                }
            }
            _ => continue,
        };
        running.push((s, what));
    }
    let (first, what) = running.first()?;
    let mut x = finding(
        Family::ResourceIntensiveOperation,
        (memory.confidence + 0.02).min(0.95),
        format!(
            "memory ran out while {what} was running (started {})",
            f.time(first).map(crate::event::rfc3339).unwrap_or_default()
        ),
    );
    x.vmids = memory.vmids.clone();
    x.time = memory.time;
    x.evidence = running.iter().map(|(s, _)| f.evidence(s)).collect();
    x.evidence.extend(memory.evidence.iter().take(2).cloned());
    Some(x)
}

/// storage_exhaustion: full disks, I/O errors, ZFS trouble.
fn storage(f: &Facts<'_, '_>) -> Option<Finding> {
    let weight = |k: &SignalKind| -> Option<f64> {
        Some(match k {
            SignalKind::IoErrorPause => 0.9,
            SignalKind::ThinPoolFull => 0.85,
            SignalKind::NoSpace => 0.8,
            SignalKind::ZfsError => 0.75,
            SignalKind::BlockIoError { .. } | SignalKind::FsError => 0.7,
            _ => return None,
        })
    };
    let cited: Vec<&Signal> = f
        .signals
        .iter()
        .filter(|s| weight(&s.kind).is_some())
        .collect();
    let snapshot = storage_snapshots(f);
    if cited.is_empty() {
        // Snapshots alone: a full or degraded storage, but no error logged.
        let (best, evidence, what) = snapshot?;
        let mut x = finding(
            Family::StorageExhaustion,
            best,
            format!("storage snapshot shows {what}"),
        );
        x.indirect_only = true;
        x.evidence = evidence;
        return Some(x);
    }
    // Evidence near a VM stop explains it; storage trouble days earlier does not.
    let (near, far): (Vec<&Signal>, Vec<&Signal>) = {
        let stops = stop_times(f);
        cited.iter().partition(|s| near_a_stop(f, &stops, s))
    };
    let historical = near.is_empty();
    let cited = if historical { far } else { near };
    let host_side: Vec<&&Signal> = cited.iter().filter(|s| f.role(s) != Role::Guest).collect();
    let basis: Vec<&Signal> = if host_side.is_empty() {
        cited.clone()
    } else {
        host_side.into_iter().copied().collect()
    };
    let best = basis
        .iter()
        .filter_map(|s| weight(&s.kind))
        .fold(0.0, f64::max);
    let kinds: BTreeSet<&str> = basis.iter().map(|s| s.kind.name()).collect();
    let mut confidence = best + 0.05 * (kinds.len().saturating_sub(1)) as f64;
    let guest_only = basis.iter().all(|s| f.role(s) == Role::Guest);
    if guest_only {
        confidence = confidence.min(0.6);
    }
    if historical {
        confidence *= 0.5;
    }
    let devices: BTreeSet<String> = basis
        .iter()
        .filter_map(|s| match &s.kind {
            SignalKind::BlockIoError { device: Some(d) } => Some(d.clone()),
            _ => None,
        })
        .collect();
    let title = format!(
        "storage trouble{}: {}",
        if devices.is_empty() {
            String::new()
        } else {
            format!(" on {}", devices.into_iter().collect::<Vec<_>>().join(", "))
        },
        kinds
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ")
            .replace('_', " ")
    );
    let title = if historical {
        format!("{title} (hours or days before the VM stopped: history, not the cause)")
    } else {
        title
    };
    let mut x = finding(Family::StorageExhaustion, confidence.min(0.95), title);
    x.indirect_only = guest_only || historical;
    x.time = basis.first().and_then(|s| f.time(s));
    x.vmids = vm_of_guest_signals(f, &basis);
    // Strongest kinds first.
    let mut ordered = basis.clone();
    ordered.sort_by(|a, b| {
        weight(&b.kind)
            .unwrap_or(0.0)
            .total_cmp(&weight(&a.kind).unwrap_or(0.0))
    });
    x.evidence = ordered.iter().map(|s| f.evidence(s)).collect();
    if let Some((_, evidence, what)) = snapshot {
        x.confidence = (x.confidence + 0.05).min(0.95);
        x.title.push_str(&format!("; the snapshots show {what}"));
        x.evidence.extend(evidence);
    }
    Some(x)
}

/// What host storage snapshots show: file systems at 95 % or more (`df`), pools or vdevs not
/// ONLINE (`zpool status`). Returns (weight, evidence, description).
fn storage_snapshots(f: &Facts<'_, '_>) -> Option<(f64, Vec<Evidence>, String)> {
    use crate::facts::FactKind;
    let mut best: f64 = 0.0;
    let mut evidence = Vec::new();
    let mut what = Vec::new();
    for (i, fact) in f.facts() {
        if f.analysis.sources[i].role == Role::Guest {
            continue;
        }
        match &fact.kind {
            // A full file system alone may be an unrelated mount (a backup share): weak.
            FactKind::Df(d) if d.use_percent.is_some_and(|p| p >= 95) => {
                best = best.max(0.45);
                what.push(format!(
                    "{} {}% full",
                    d.mounted_on,
                    d.use_percent.unwrap_or(0)
                ));
                evidence.push(f.fact_evidence(i, fact));
            }
            FactKind::Zpool(z) => {
                let state = z.state.as_deref().unwrap_or("");
                let bad_vdevs = z.vdevs.iter().filter(|v| v.state != "ONLINE").count();
                if state == "SUSPENDED" {
                    best = best.max(0.85);
                } else if matches!(state, "DEGRADED" | "FAULTED" | "UNAVAIL") || bad_vdevs > 0 {
                    // Redundancy lost, but a degraded pool still serves I/O.
                    best = best.max(0.55);
                } else {
                    continue;
                }
                what.push(format!("pool {} {state}", z.name));
                evidence.push(f.fact_evidence(i, fact));
            }
            _ => {}
        }
    }
    (!evidence.is_empty()).then(|| (best, evidence, what.join(", ")))
}

/// Hours before a VM stop in which storage and hardware trouble counts as its cause.
const CAUSE_WINDOW_H: i64 = 6;

/// When VMs stopped: host kills and scope failures, QEMU's I/O-error pauses, guests found
/// unclean when they restarted.
fn stop_times(f: &Facts<'_, '_>) -> Vec<DateTime<Utc>> {
    f.signals
        .iter()
        .filter(|s| match &s.kind {
            SignalKind::OomKilled { comm, .. } => {
                f.role(s) != Role::Guest && (comm == "kvm" || comm.starts_with("qemu"))
            }
            SignalKind::ScopeOomKilled { .. }
            | SignalKind::ScopeFailed { .. }
            | SignalKind::IoErrorPause
            | SignalKind::VmNotRunning { .. } => true,
            SignalKind::UncleanJournal => f.role(s) == Role::Guest,
            _ => false,
        })
        .filter_map(|s| f.time(s))
        .collect()
}

/// Whether a signal lies in the hours before a VM stop (or shortly after it); true when the
/// bundle shows no stop at all (then nothing tells cause from history).
fn near_a_stop(f: &Facts<'_, '_>, stops: &[DateTime<Utc>], s: &Signal) -> bool {
    let Some(t) = f.time(s) else { return true };
    stops.is_empty()
        || stops.iter().any(|stop| {
            t >= *stop - Duration::hours(CAUSE_WINDOW_H) && t <= *stop + Duration::minutes(15)
        })
}

/// hardware: machine checks, uncorrected memory errors, thermal shutdown, power loss.
fn hardware(f: &Facts<'_, '_>) -> Option<Finding> {
    let direct = |k: &SignalKind| -> Option<f64> {
        Some(match k {
            SignalKind::ThermalShutdown => 0.9,
            SignalKind::MachineCheck | SignalKind::EdacUncorrected => 0.85,
            _ => return None,
        })
    };
    let indirect = |k: &SignalKind| -> Option<f64> {
        Some(match k {
            SignalKind::ThermalThrottle => 0.4,
            SignalKind::EdacCorrected => 0.35,
            _ => return None,
        })
    };
    // Computed once: a flood of I/O errors must not rescan every signal per error.
    let stops = stop_times(f);
    let strong: Vec<&Signal> = f
        .signals
        .iter()
        .filter(|s| {
            f.role(s) != Role::Guest && direct(&s.kind).is_some() && near_a_stop(f, &stops, s)
        })
        .collect();
    let weak: Vec<&Signal> = f
        .signals
        .iter()
        .filter(|s| f.role(s) != Role::Guest && indirect(&s.kind).is_some())
        .collect();
    let power_loss = host_unclean_reboots(f);
    if strong.is_empty() && weak.is_empty() && power_loss.is_empty() {
        return None;
    }
    if !strong.is_empty() {
        let kinds: BTreeSet<&str> = strong.iter().map(|s| s.kind.name()).collect();
        let best = strong
            .iter()
            .filter_map(|s| direct(&s.kind))
            .fold(0.0, f64::max);
        let mut x = finding(
            Family::Hardware,
            (best + 0.05 * kinds.len().saturating_sub(1) as f64).min(0.95),
            format!(
                "hardware fault on the host: {}",
                kinds
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
                    .replace('_', " ")
            ),
        );
        x.time = strong.first().and_then(|s| f.time(s));
        x.evidence = strong
            .iter()
            .chain(weak.iter())
            .map(|s| f.evidence(s))
            .collect();
        return Some(x);
    }
    if let Some((time, evidence)) = power_loss.into_iter().next() {
        let mut x = finding(
            Family::Hardware,
            0.55,
            "the host stopped without a shutdown and no software cause was logged (power loss or reset?)".to_string(),
        );
        x.indirect_only = true;
        x.time = time;
        x.evidence = evidence;
        return Some(x);
    }
    let (confidence, title, cited): (f64, String, Vec<&Signal>) = {
        let best = weak
            .iter()
            .filter_map(|s| indirect(&s.kind))
            .fold(0.0, f64::max);
        let kinds: BTreeSet<&str> = weak.iter().map(|s| s.kind.name()).collect();
        (
            best,
            format!(
                "hardware warnings on the host (not a fault by themselves): {}",
                kinds
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
                    .replace('_', " ")
            ),
            weak,
        )
    };
    let mut x = finding(Family::Hardware, confidence, title);
    x.indirect_only = true;
    x.time = cited.first().and_then(|s| f.time(s));
    x.evidence = cited.iter().map(|s| f.evidence(s)).collect();
    Some(x)
}

/// Host boots that ended without a shutdown (from the boot history, per machine), when nothing
/// in the logs explains the reset (fencing, a panic): the records that show it, and when.
fn host_unclean_reboots(f: &Facts<'_, '_>) -> Vec<(Option<DateTime<Utc>>, Vec<Evidence>)> {
    let explained = f.signals.iter().any(|s| {
        matches!(s.kind, SignalKind::Fencing | SignalKind::KernelPanic) && f.role(s) != Role::Guest
    });
    if explained {
        return Vec::new();
    }
    f.analysis
        .boots()
        .iter()
        .filter(|m| m.role == Role::Host)
        .flat_map(|m| &m.boots)
        .filter(|b| b.end_kind == crate::boots::EndKind::Unclean)
        .map(|b| {
            let evidence = b
                .evidence
                .iter()
                .filter_map(|c| evidence::cite(&f.analysis.sources, c.cite, c.time))
                .collect();
            (b.end, evidence)
        })
        .collect()
}

/// clean_shutdown: an operator or guest asked for the stop.
fn clean(f: &Facts<'_, '_>) -> Option<Finding> {
    let tasks: Vec<&Signal> = find(f, |k| {
        matches!(k, SignalKind::TaskStart { task, .. } | SignalKind::TaskEnd { task, .. }
            if matches!(task.as_str(), "qmshutdown" | "qmstop" | "qmreboot"))
    });
    let guest_seq: Vec<&Signal> = f
        .signals
        .iter()
        .filter(|s| {
            f.role(s) != Role::Host
                && matches!(s.kind, SignalKind::PowerKey | SignalKind::ShutdownSequence)
        })
        .collect();
    let deactivated = find(f, |k| matches!(k, SignalKind::ScopeDeactivated { .. }));
    let (confidence, title, indirect) = if !tasks.is_empty() {
        let vm = tasks.iter().find_map(|s| match &s.kind {
            SignalKind::TaskStart { task, vmid, .. } | SignalKind::TaskEnd { task, vmid, .. } => {
                Some(format!(
                    "{task} of VM {}",
                    vmid.map_or("?".to_string(), |v| v.to_string())
                ))
            }
            _ => None,
        });
        (
            0.85,
            format!(
                "the VM was stopped by a Proxmox task: {}",
                vm.unwrap_or_default()
            ),
            false,
        )
    } else if guest_seq
        .iter()
        .any(|s| matches!(s.kind, SignalKind::PowerKey))
    {
        (
            0.8,
            "the guest got an ACPI power-button press and shut down in order".to_string(),
            false,
        )
    } else if !guest_seq.is_empty() {
        (
            0.7,
            "the guest went through systemd's shutdown sequence".to_string(),
            false,
        )
    } else if !deactivated.is_empty() {
        (
            0.6,
            "the VM's scope ended without error on the host".to_string(),
            true,
        )
    } else {
        return None;
    };
    let mut x = finding(Family::CleanShutdown, confidence, title);
    x.indirect_only = indirect;
    // A later unclean restart of the guest is the incident, not this orderly stop.
    let latest_clean = tasks
        .iter()
        .chain(guest_seq.iter())
        .chain(deactivated.iter())
        .filter_map(|s| f.time(s))
        .max();
    let clean_vms: BTreeSet<u32> = cited_vmids(f, &tasks, &guest_seq, &deactivated);
    let later_unclean = f.signals.iter().find(|s| {
        f.role(s) == Role::Guest
            && matches!(s.kind, SignalKind::UncleanJournal)
            && f.time(s).zip(latest_clean).is_some_and(|(u, c)| u > c)
            && (clean_vms.is_empty() || f.source_vmid(s).is_some_and(|v| clean_vms.contains(&v)))
    });
    if let Some(u) = later_unclean {
        x.confidence = 0.3;
        x.against.push(format!(
            "the guest restarted uncleanly later ({}): that stop was not an orderly one",
            f.time(u).map(crate::event::rfc3339).unwrap_or_default()
        ));
    }
    let mut cited: Vec<&Signal> = tasks;
    cited.extend(guest_seq);
    cited.extend(deactivated);
    x.time = cited.first().and_then(|s| f.time(s));
    x.vmids = cited
        .iter()
        .filter_map(|s| match &s.kind {
            SignalKind::TaskStart { vmid, .. } | SignalKind::TaskEnd { vmid, .. } => *vmid,
            SignalKind::ScopeDeactivated { vmid } => Some(*vmid),
            _ => f.source_vmid(s),
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    x.evidence = cited.iter().map(|s| f.evidence(s)).collect();
    Some(x)
}

/// The VMs an orderly stop concerns.
fn cited_vmids(
    f: &Facts<'_, '_>,
    tasks: &[&Signal],
    guest_seq: &[&Signal],
    deactivated: &[&Signal],
) -> BTreeSet<u32> {
    tasks
        .iter()
        .chain(guest_seq)
        .chain(deactivated)
        .filter_map(|s| match &s.kind {
            SignalKind::TaskStart { vmid, .. } | SignalKind::TaskEnd { vmid, .. } => *vmid,
            SignalKind::ScopeDeactivated { vmid } => Some(*vmid),
            _ => f.source_vmid(s),
        })
        .collect()
}

/// Causes outside the four families, and stops nothing explains (DESIGN.md §2: the verdict is
/// then `inconclusive`, with a finding naming what was seen).
fn named_causes(f: &Facts<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut named = |pred: fn(&SignalKind) -> bool, confidence, title: &str| {
        let cited = find(f, pred);
        if cited.is_empty() {
            return;
        }
        let mut x = finding(Family::Inconclusive, confidence, title.to_string());
        x.time = cited.first().and_then(|s| f.time(s));
        x.vmids = vm_of_guest_signals(f, &cited);
        x.evidence = cited.iter().map(|s| f.evidence(s)).collect();
        x.recommendations = vec![
            "read the cited records and the lines around them: the cause lies outside the runbook's four families".to_string(),
        ];
        out.push(x);
    };
    named(
        |k| matches!(k, SignalKind::KernelPanic),
        0.7,
        "a kernel panic or oops (a cause outside the four families)",
    );
    named(
        |k| matches!(k, SignalKind::Fencing),
        0.7,
        "watchdog expiry or HA fencing (a cause outside the four families)",
    );
    named(
        |k| matches!(k, SignalKind::ScopeFailed { .. }),
        0.6,
        "the VM's QEMU process ended abnormally (killed by a signal or crashed), with no OOM line",
    );
    out
}

/// not_a_shutdown, or an unexplained stop.
fn not_a_shutdown(f: &Facts<'_, '_>, so_far: &[Finding]) -> Option<Finding> {
    // A guest's kernel boot is a restart only when the guest logged something before it: the
    // first lines of a dmesg, or of a log that begins at boot, are no stop.
    let mut first_seen: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    for source in &f.analysis.sources {
        if let Some(t) = source.parsed.events.iter().filter_map(|e| e.time).min() {
            let slot = first_seen.entry(source.machine.as_str()).or_insert(t);
            *slot = (*slot).min(t);
        }
    }
    let stop_signals: Vec<&Signal> = f
        .signals
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                SignalKind::OomKilled { .. }
                    | SignalKind::ScopeOomKilled { .. }
                    | SignalKind::ScopeFailed { .. }
                    | SignalKind::ScopeDeactivated { .. }
                    | SignalKind::VmNotRunning { .. }
                    | SignalKind::UncleanJournal
                    | SignalKind::ShutdownSequence
                    | SignalKind::PowerKey
            ) || (matches!(s.kind, SignalKind::KernelBoot)
                && f.role(s) == Role::Guest
                && earlier_records(f, &first_seen, s))
                || matches!(&s.kind, SignalKind::TaskStart { task, .. } if matches!(task.as_str(), "qmstop" | "qmshutdown" | "qmreboot"))
        })
        .filter(|s| !(matches!(s.kind, SignalKind::OomKilled { .. }) && f.role(s) != Role::Guest))
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
        // The unclean signs first, the latest one dating the incident; then the restarts.
        let (mut cited, rest): (Vec<&Signal>, Vec<&Signal>) = stop_signals.iter().partition(|s| {
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
        x.evidence = cited.iter().map(|s| f.evidence(s)).collect();
        return Some(x);
    }
    if explained
        || cleanly_explained
        || f.analysis
            .sources
            .iter()
            .all(|s| s.parsed.events.is_empty())
    {
        return None;
    }
    let guest_ooms: Vec<&Signal> = f
        .signals
        .iter()
        .filter(|s| f.role(s) == Role::Guest && matches!(s.kind, SignalKind::OomKilled { .. }))
        .collect();
    // The guest's own logs running on without a restart are the best sign it never stopped.
    let confidence = if f.has_guest { 0.65 } else { 0.5 };
    let title = if guest_ooms.is_empty() {
        "no stop, restart or kill of a VM in the logs: the VM kept running (a service-level problem?)".to_string()
    } else {
        "the guest's own OOM killer killed a process inside the VM, but the VM kept running"
            .to_string()
    };
    let mut x = finding(Family::NotAShutdown, confidence, title);
    x.evidence = guest_ooms.iter().map(|s| f.evidence(s)).collect();
    x.time = guest_ooms.first().and_then(|s| f.time(s));
    x.vmids = vm_of_guest_signals(f, &guest_ooms);
    Some(x)
}

/// Whether the machine of `s` logged anything more than a second before it.
fn earlier_records(
    f: &Facts<'_, '_>,
    first_seen: &BTreeMap<&str, DateTime<Utc>>,
    s: &Signal,
) -> bool {
    let machine = f.analysis.sources[s.source as usize].machine.as_str();
    match (first_seen.get(machine), f.time(s)) {
        (Some(first), Some(t)) => *first < t - Duration::seconds(1),
        _ => false,
    }
}

/// VMIDs named by guest sources of the signals.
fn vm_of_guest_signals(f: &Facts<'_, '_>, signals: &[&Signal]) -> Vec<u32> {
    signals
        .iter()
        .filter_map(|s| f.source_vmid(s))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// What would raise confidence.
fn add_missing(f: &Facts<'_, '_>, x: &mut Finding) {
    let vm = x.vmids.first().map_or("<vmid>".to_string(), u32::to_string);
    if !f.has_host {
        x.missing.push(format!(
            "no host logs in the bundle: collect `journalctl -k` and `journalctl -u pvedaemon -u qemu-server@{vm}` (or /var/log/kern.log) from the Proxmox host"
        ));
    }
    if !f.has_guest && x.family != Family::Hardware {
        x.missing.push(
            "no guest logs: collect the guest's journal of the boot that ended (`journalctl -b -1`) to see its last records".to_string(),
        );
    }
    if matches!(
        x.family,
        Family::MemoryOvercommit | Family::ResourceIntensiveOperation
    ) && memory_arithmetic(f).is_none()
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
    if f.fragment {
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

/// The VM stops found.
fn incidents(f: &Facts<'_, '_>, findings: &[Finding]) -> Vec<Incident> {
    let mut stops: Vec<(Option<u32>, Option<DateTime<Utc>>, String)> = Vec::new();
    for s in &f.signals {
        let vmid = match &s.kind {
            SignalKind::OomKilled { comm, pid, .. }
                if f.role(s) != Role::Guest && (comm == "kvm" || comm.starts_with("qemu")) =>
            {
                kill_vmid(f, s, *pid)
            }
            SignalKind::ScopeOomKilled { vmid } | SignalKind::ScopeFailed { vmid, .. } => {
                Some(*vmid)
            }
            SignalKind::TaskStart { task, vmid, .. }
                if matches!(task.as_str(), "qmstop" | "qmshutdown") =>
            {
                *vmid
            }
            SignalKind::UncleanJournal if f.role(s) == Role::Guest => f.source_vmid(s),
            _ => continue,
        };
        if stops.iter().any(|(v, _, _)| v.is_some() && *v == vmid) {
            continue;
        }
        stops.push((vmid, f.time(s), s.kind.name().to_string()));
    }
    if let Some(vm) = f.only_vm {
        stops.retain(|(v, _, _)| *v == Some(vm) || v.is_none());
    }
    stops
        .into_iter()
        .map(|(vmid, time, what)| {
            let explaining = findings
                .iter()
                .find(|x| vmid.is_some_and(|v| x.vmids.contains(&v)))
                .or_else(|| findings.first());
            Incident {
                vmid,
                time: time.map(crate::event::rfc3339),
                family: explaining.map_or(Family::Inconclusive, |x| x.family),
                confidence: explaining.map_or(0.0, |x| x.confidence),
                what,
            }
        })
        .collect()
}

/// The runbook's escalation criteria that hold.
fn escalate(f: &Facts<'_, '_>, incidents: &[Incident]) -> Vec<String> {
    let mut out = Vec::new();
    // A planned stop (qm shutdown/stop) is not an affected VM.
    let vms: BTreeSet<u32> = incidents
        .iter()
        .filter(|i| i.family != Family::CleanShutdown)
        .filter_map(|i| i.vmid)
        .collect();
    if vms.len() >= 2 {
        out.push(format!(
            "multiple VMs affected: {}",
            vms.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let any = |pred: fn(&SignalKind) -> bool| {
        f.signals
            .iter()
            .any(|s| f.role(s) != Role::Guest && pred(&s.kind))
    };
    if any(|k| {
        matches!(
            k,
            SignalKind::MachineCheck | SignalKind::EdacUncorrected | SignalKind::ThermalShutdown
        )
    }) {
        out.push("hardware error on the host".to_string());
    }
    if f.signals
        .iter()
        .any(|s| matches!(s.kind, SignalKind::FsError | SignalKind::ZfsError))
    {
        out.push("storage corruption or file-system errors".to_string());
    }
    if f.signals.iter().any(
        |s| matches!(&s.kind, SignalKind::TaskEnd { task, ok: false, .. } if task == "qmstart"),
    ) {
        out.push("VM could not restart (qmstart failed)".to_string());
    }
    out
}

/// The verdict from the ranked findings.
fn verdict(f: &Facts<'_, '_>, findings: &[Finding]) -> Verdict {
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
        incident_time: chosen.and_then(|x| x.time).map(crate::event::rfc3339),
        affected_vms: affected.into_iter().collect(),
    }
}

/// The runbook's immediate and long-term actions per family.
fn recommendations(family: Family) -> Vec<String> {
    let r: &[&str] = match family {
        Family::MemoryOvercommit => &[
            "now: start the VM again (`qm start <vmid>`) and check host memory (`free -h`, `qm list`)",
            "long term: keep the sum of VM memory below host RAM minus what the host and the ZFS ARC need; use ballooning or lower VM memory; cap the ARC (zfs_arc_max); add RAM",
        ],
        Family::ResourceIntensiveOperation => &[
            "now: start the VM again and let the activity finish or reschedule it",
            "long term: schedule backups, upgrades and imports outside busy hours, limit their bandwidth and memory (vzdump bwlimit, ionice), and keep memory headroom for them",
        ],
        Family::StorageExhaustion => &[
            "now: free space on the full storage or replace the failing disk, then resume or restart the VM (`qm resume`/`qm start`)",
            "long term: alert on storage use (df, zpool list, lvs data%) well before 90 %, and check disk health (smartctl, zpool scrub)",
        ],
        Family::Hardware => &[
            "now: check the host's hardware log (BMC/IPMI SEL, `mcelog --ascii`, `sensors`) before restarting VMs on it",
            "long term: replace the faulty component (DIMM, CPU, fan, PSU), test memory, and move VMs off the host until it is fixed",
        ],
        Family::CleanShutdown => &[
            "no fault: confirm who stopped the VM (the user in the task UPID, or the guest's own shutdown) and whether it was planned",
        ],
        Family::NotAShutdown => &[
            "the VM did not stop: investigate the service inside the guest (its logs, resources, configuration)",
        ],
        Family::Inconclusive => &["collect the sources listed as missing and run pvelog again"],
    };
    r.iter().map(|s| s.to_string()).collect()
}
