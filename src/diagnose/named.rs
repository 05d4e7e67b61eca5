//! Causes outside the four families, named: a kernel panic, watchdog expiry or HA fencing, QEMU
//! dying by a signal. The verdict is then `inconclusive`, with a finding saying what was seen.

use super::context::{Context, find, finding, vm_of_guest_signals};
use super::{Family, Finding, Outcome};
use crate::signals::SignalKind;

/// Causes outside the four families, and stops nothing explains (DESIGN.md §2: the verdict is
/// then `inconclusive`, with a finding naming what was seen).
pub fn named_causes(f: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut named = |pred: fn(&SignalKind) -> bool, confidence, title: &str, outcome: Outcome| {
        let cited = find(f, pred);
        if cited.is_empty() {
            return;
        }
        let mut x = finding(Family::Inconclusive, confidence, title.to_string());
        x.time = cited.first().and_then(|s| f.time(s));
        x.outcome = outcome;
        x.vmids = vm_of_guest_signals(f, &cited);
        x.cites = cited.iter().map(|s| f.cite(s)).collect();
        x.recommendations = vec![
            "read the cited records and the lines around them: the cause lies outside the runbook's four families".to_string(),
        ];
        out.push(x);
    };
    named(
        |k| matches!(k, SignalKind::KernelPanic),
        0.7,
        "a kernel panic or oops (a cause outside the four families)",
        Outcome::Unknown,
    );
    named(
        |k| matches!(k, SignalKind::Fencing),
        0.7,
        "watchdog expiry or HA fencing (a cause outside the four families)",
        Outcome::HostReset,
    );
    named(
        |k| {
            matches!(
                k,
                SignalKind::ScopeFailed { .. } | SignalKind::QemuCrashed { .. }
            )
        },
        0.6,
        "the VM's QEMU process ended abnormally (killed by a signal or crashed), with no OOM line",
        Outcome::VmStopped,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::Kit;

    #[test]
    fn panics_fencing_and_qemu_deaths_are_named_inconclusive_causes() {
        let mut kit = Kit::new();
        kit.guest(101, 0, SignalKind::KernelPanic).host(
            1,
            SignalKind::ScopeFailed {
                vmid: 101,
                result: "signal".into(),
            },
        );
        let index = kit.index();
        let found = named_causes(&kit.context(&index));
        let got: Vec<(Family, f64)> = found.iter().map(|x| (x.family, x.confidence)).collect();
        assert_eq!(
            got,
            vec![(Family::Inconclusive, 0.7), (Family::Inconclusive, 0.6)]
        );
        assert_eq!(found[0].vmids, vec![101]);
        assert!(named_causes(&Kit::new().context(&Kit::new().index())).is_empty());
    }
}
