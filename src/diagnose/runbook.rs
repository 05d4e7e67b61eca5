//! The runbook's actions per family, as data: what to do now and in the long term. Every
//! finding of a family carries its row ([`actions`]); reports show them as they stand here.

use super::Family;

/// Each family's actions, immediate first.
pub const ACTIONS: &[(Family, &[&str])] = &[
    (
        Family::MemoryOvercommit,
        &[
            "now: start the VM again (`qm start <vmid>`) and check host memory (`free -h`, `qm list`)",
            "long term: keep the sum of VM memory below host RAM minus what the host and the ZFS ARC need; use ballooning or lower VM memory; cap the ARC (zfs_arc_max); add RAM",
        ],
    ),
    (
        Family::ResourceIntensiveOperation,
        &[
            "now: start the VM again and let the activity finish or reschedule it",
            "long term: schedule backups, upgrades and imports outside busy hours, limit their bandwidth and memory (vzdump bwlimit, ionice), and keep memory headroom for them",
        ],
    ),
    (
        Family::StorageExhaustion,
        &[
            "now: free space on the full storage or replace the failing disk, then resume or restart the VM (`qm resume`/`qm start`)",
            "long term: alert on storage use (df, zpool list, lvs data%) well before 90 %, and check disk health (smartctl, zpool scrub)",
        ],
    ),
    (
        Family::Hardware,
        &[
            "now: check the host's hardware log (BMC/IPMI SEL, `mcelog --ascii`, `sensors`) before restarting VMs on it",
            "long term: replace the faulty component (DIMM, CPU, fan, PSU), test memory, and move VMs off the host until it is fixed",
        ],
    ),
    (
        Family::CleanShutdown,
        &[
            "no fault: confirm who stopped the VM (the user in the task UPID, or the guest's own shutdown) and whether it was planned",
        ],
    ),
    (
        Family::NotAShutdown,
        &[
            "the VM did not stop: investigate the service inside the guest (its logs, resources, configuration)",
        ],
    ),
    (
        Family::Inconclusive,
        &["collect the sources listed as missing and run pvelog again"],
    ),
];

/// The actions of `family`.
pub fn actions(family: Family) -> Vec<String> {
    ACTIONS
        .iter()
        .find(|(f, _)| *f == family)
        .map(|(_, a)| a.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::ALL_FAMILIES;

    #[test]
    fn every_family_has_actions() {
        for family in ALL_FAMILIES {
            assert!(!actions(family).is_empty(), "{family:?}");
        }
        assert_eq!(ACTIONS.len(), ALL_FAMILIES.len());
    }
}
