//! When VMs stopped, and whether a record lies in the hours before one: storage and hardware
//! trouble counts as a stop's cause only inside [`CAUSE_WINDOW_H`] before it (or shortly after).
//! The stop times are sorted once, so each question is a binary search.

use chrono::{DateTime, Duration, Utc};

use super::context::Context;
use crate::event::Role;
use crate::index::{Entry, any_within};
use crate::signals::SignalKind;

/// Hours before a VM stop in which storage and hardware trouble counts as its cause.
pub const CAUSE_WINDOW_H: i64 = 6;
/// Minutes after a VM stop in which trouble still counts (it is logged as the VM goes down).
pub const AFTER_STOP_MIN: i64 = 15;

/// Whether a signal shows a VM stopping: a host kill of a VM process, a scope's OOM or failure,
/// QEMU pausing on an I/O error, `VM … not running`, or a guest found unclean at its restart.
pub fn is_stop(s: &Entry) -> bool {
    match &s.kind {
        SignalKind::OomKilled { comm, .. } => {
            s.role != Role::Guest && (comm == "kvm" || comm.starts_with("qemu"))
        }
        SignalKind::ScopeOomKilled { .. }
        | SignalKind::ScopeFailed { .. }
        | SignalKind::IoErrorPause
        | SignalKind::VmNotRunning { .. } => true,
        SignalKind::UncleanJournal => s.role == Role::Guest,
        _ => false,
    }
}

/// The dated VM stops of a diagnosis, sorted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stops {
    times: Vec<DateTime<Utc>>,
}

impl Stops {
    /// The stops the signals show.
    pub fn of(f: &Context<'_>) -> Stops {
        Stops {
            times: f.index.times_of(is_stop),
        }
    }

    /// The stops the signals show, or, when none was unclean, the orderly ones (a scope that
    /// ended, a stop task): trouble days before an operator's shutdown is history too.
    pub fn or_orderly(f: &Context<'_>) -> Stops {
        let stops = Stops::of(f);
        if !stops.times.is_empty() {
            return stops;
        }
        Stops {
            times: f.index.times_of(|s| match &s.kind {
                SignalKind::ScopeDeactivated { .. } => s.role != Role::Guest,
                SignalKind::TaskStart { task, .. } => crate::signals::is_guest_stop_task(task),
                _ => false,
            }),
        }
    }

    /// Whether a signal lies in the hours before a VM stop (or shortly after it); true when the
    /// signal has no time or the bundle shows no stop at all (then nothing tells cause from
    /// history).
    pub fn near(&self, s: &Entry) -> bool {
        let Some(t) = s.time else { return true };
        self.times.is_empty()
            || any_within(
                &self.times,
                t - Duration::minutes(AFTER_STOP_MIN),
                t + Duration::hours(CAUSE_WINDOW_H),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::{Context, Coverage};
    use crate::index::{IndexMachine, SignalIndex};

    fn entry(kind: SignalKind, role: Role, minutes: i64) -> Entry {
        Entry {
            kind,
            source: 0,
            event: 0,
            time: DateTime::from_timestamp(1_753_783_000 + minutes * 60, 0),
            role,
            machine: 0,
            vmid: None,
            pid: None,
            placed: false,
        }
    }

    #[test]
    fn trouble_counts_from_six_hours_before_to_a_quarter_hour_after() {
        let kill = SignalKind::OomKilled {
            pid: Some(1),
            comm: "kvm".into(),
            anon_rss_kb: None,
            memcg: false,
        };
        let index = SignalIndex::from_entries(
            vec![entry(kill.clone(), Role::Host, 0)],
            vec![IndexMachine::default()],
        );
        let f = Context::new(&index, Vec::new(), Vec::new(), Coverage::default(), None);
        let stops = Stops::of(&f);
        let at = |m| entry(SignalKind::MachineCheck, Role::Host, m);
        assert!(stops.near(&at(-360)));
        assert!(!stops.near(&at(-361)));
        assert!(stops.near(&at(15)));
        assert!(!stops.near(&at(16)));
        // A guest's own OOM kill is no VM stop; no stop at all makes everything near.
        assert!(!is_stop(&entry(kill, Role::Guest, 0)));
        let empty = SignalIndex::default();
        let g = Context::new(&empty, Vec::new(), Vec::new(), Coverage::default(), None);
        assert!(Stops::of(&g).near(&at(-10_000)));
    }
}
