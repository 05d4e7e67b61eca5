//! The VM stops found in the bundle, each with the family of the finding that explains it:
//! one incident per VM, and kills whose VMID was not logged grouped by time cluster.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::context::Context;
use super::memory::kill_vmid;
use super::{Family, Finding, Incident};
use crate::event::Role;
use crate::signals::SignalKind;

/// Stops without a VMID closer than this to the previous one belong to the same incident.
pub const CLUSTER_GAP_MIN: i64 = 10;

/// The VM stops found.
pub fn incidents(f: &Context<'_>, findings: &[Finding]) -> Vec<Incident> {
    let mut stops: Vec<(Option<u32>, Option<DateTime<Utc>>, String)> = Vec::new();
    let mut seen: BTreeSet<u32> = BTreeSet::new();
    // The time of the latest stop without a VMID (`Some(None)`: it had no time either).
    let mut last_unknown: Option<Option<DateTime<Utc>>> = None;
    for s in f.signals() {
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
        let time = f.time(s);
        match vmid {
            // One incident per VM: its first stop.
            Some(v) => {
                if !seen.insert(v) {
                    continue;
                }
            }
            // Stops whose VM was not logged: one incident per time cluster (a flood of kills
            // is one event), each cluster dated by its first stop.
            None => {
                let joins = match (last_unknown, time) {
                    (Some(Some(prev)), Some(t)) => t - prev <= Duration::minutes(CLUSTER_GAP_MIN),
                    (Some(None), None) => true,
                    _ => false,
                };
                last_unknown = Some(time);
                if joins {
                    continue;
                }
            }
        }
        stops.push((vmid, time, s.kind.name().to_string()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::{Kit, constraint, kill};

    #[test]
    fn one_incident_per_vm_and_per_cluster_of_unnamed_kills() {
        let mut kit = Kit::new();
        for (minute, pid) in [(0, 1), (3, 2), (9, 3), (90, 4)] {
            kit.host(minute, kill(pid, "kvm"));
        }
        kit.host(100, constraint(Some(101), 5))
            .host(100, kill(5, "kvm"))
            .host(101, SignalKind::ScopeOomKilled { vmid: 101 });
        let index = kit.index();
        let got: Vec<Option<u32>> = incidents(&kit.context(&index), &[])
            .iter()
            .map(|i| i.vmid)
            .collect();
        assert_eq!(got, vec![None, None, Some(101)]);
    }
}
