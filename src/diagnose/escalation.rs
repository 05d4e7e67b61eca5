//! The runbook's escalation criteria that hold: several VMs affected, a hardware error on the
//! host, storage corruption, a VM that could not restart.

use std::collections::BTreeSet;

use super::context::Context;
use super::{Family, Incident};
use crate::event::Role;
use crate::signals::SignalKind;

/// The runbook's escalation criteria that hold.
pub fn escalate(f: &Context<'_>, incidents: &[Incident]) -> Vec<String> {
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
        f.signals()
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
    if f.signals().any(|s| {
        matches!(
            s.kind,
            SignalKind::FsError | SignalKind::ZfsError | SignalKind::ZfsSuspended
        )
    }) {
        out.push("storage corruption or file-system errors".to_string());
    }
    if f.signals().any(
        |s| matches!(&s.kind, SignalKind::TaskEnd { task, ok: false, .. } if task == "qmstart"),
    ) {
        out.push("VM could not restart (qmstart failed)".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::{Kit, task_end};

    fn incident(vmid: u32, family: Family) -> Incident {
        Incident {
            vmid: Some(vmid),
            time: None,
            family,
            confidence: 0.9,
            what: String::new(),
        }
    }

    #[test]
    fn the_runbook_criteria_that_hold() {
        let mut kit = Kit::new();
        kit.host(0, SignalKind::MachineCheck)
            .guest(101, 0, SignalKind::ZfsError)
            .host(
                5,
                task_end(
                    "qmstart",
                    Some(101),
                    "pve:1:2:3:qmstart:101:root@pam",
                    false,
                ),
            );
        let index = kit.index();
        let got = escalate(
            &kit.context(&index),
            &[
                incident(101, Family::MemoryOvercommit),
                incident(102, Family::MemoryOvercommit),
                incident(103, Family::CleanShutdown),
            ],
        );
        assert_eq!(
            got,
            vec![
                "multiple VMs affected: 101, 102",
                "hardware error on the host",
                "storage corruption or file-system errors",
                "VM could not restart (qmstart failed)",
            ]
        );
        assert!(escalate(&Kit::new().context(&Kit::new().index()), &[]).is_empty());
    }
}
