//! The timeline stage: one total order over the events of every source, and the time filters.
//!
//! The order is `(UTC time, source rank, byte offset)`, where records without a wall-clock time
//! come after every dated record, in source order (DESIGN.md §2). The source rank is the
//! source's position in the bundle (host sources first, then guests, then the rest, each by
//! path), so the key is total and the output is the same for any thread count.
//!
//! Sources are mostly sorted already, so each is sorted on its own (a linear pass when it is
//! already in order) and the sorted runs are merged with a heap rather than re-sorted together.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use crate::event::Event;
use crate::source::Source;

/// A reference to one event: the source index and the event index within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventRef {
    /// Index into the analysed sources.
    pub source: u32,
    /// Index into that source's events.
    pub event: u32,
}

/// Time window filters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// Keep events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Keep events at or before this time.
    pub until: Option<DateTime<Utc>>,
}

impl Window {
    /// Whether any bound is set.
    pub fn is_active(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Whether an event passes. Records without a time fail any active window.
    pub fn admits(&self, time: Option<DateTime<Utc>>) -> bool {
        if !self.is_active() {
            return true;
        }
        match time {
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u),
            None => false,
        }
    }
}

/// The sort key of one event.
fn key(event: &Event<'_>) -> (bool, Option<DateTime<Utc>>, u64) {
    (event.time.is_none(), event.time, event.offset)
}

/// Sorts every source's events by time (stable, so records with the same time keep their order
/// in the source) and returns the merged order.
pub fn merge(sources: &mut [Source<'_>]) -> Vec<EventRef> {
    use rayon::prelude::*;
    sources.par_iter_mut().for_each(|s| {
        let events = &mut s.parsed.events;
        if !events.is_sorted_by(|a, b| key(a) <= key(b)) {
            events.sort_by_key(key);
        }
    });

    /// A heap entry: the next unmerged event of one source.
    struct Head<'a, 'b> {
        event: &'a Event<'b>,
        source: u32,
        index: u32,
    }
    impl Head<'_, '_> {
        fn order(&self, other: &Self) -> Ordering {
            let a = (
                self.event.time.is_none(),
                self.event.time,
                self.source,
                self.event.offset,
            );
            let b = (
                other.event.time.is_none(),
                other.event.time,
                other.source,
                other.event.offset,
            );
            a.cmp(&b)
        }
    }
    impl PartialEq for Head<'_, '_> {
        fn eq(&self, other: &Self) -> bool {
            self.order(other) == Ordering::Equal
        }
    }
    impl Eq for Head<'_, '_> {}
    impl PartialOrd for Head<'_, '_> {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Head<'_, '_> {
        fn cmp(&self, other: &Self) -> Ordering {
            // BinaryHeap is a max-heap: reverse for the smallest key first.
            other.order(self)
        }
    }

    let total: usize = sources.iter().map(|s| s.parsed.events.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut heap = BinaryHeap::with_capacity(sources.len());
    for (si, s) in sources.iter().enumerate() {
        if let Some(first) = s.parsed.events.first() {
            heap.push(Head {
                event: first,
                source: si as u32,
                index: 0,
            });
        }
    }
    while let Some(head) = heap.pop() {
        out.push(EventRef {
            source: head.source,
            event: head.index,
        });
        let events = &sources[head.source as usize].parsed.events;
        let next = head.index + 1;
        if let Some(event) = events.get(next as usize) {
            heap.push(Head {
                event,
                source: head.source,
                index: next,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn window_bounds_are_inclusive_and_undated_fail_active_windows() {
        let t = |s| Utc.timestamp_opt(s, 0).single();
        let w = Window {
            since: t(10),
            until: t(20),
        };
        assert!(w.admits(t(10)) && w.admits(t(20)));
        assert!(!w.admits(t(9)) && !w.admits(t(21)) && !w.admits(None));
        assert!(Window::default().admits(None));
    }
}
