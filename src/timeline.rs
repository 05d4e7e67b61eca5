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

use chrono::{DateTime, Duration, Utc};
use smallvec::SmallVec;

use crate::event::Event;
use crate::signals::Matched;
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
/// in the source) and returns the merged order. `signals` is parallel to `sources`: the event
/// indexes of each source's signals follow their events to their sorted places.
pub fn merge(sources: &mut [Source<'_>], signals: &mut [Vec<Matched>]) -> Vec<EventRef> {
    use rayon::prelude::*;
    sources
        .par_iter_mut()
        .zip(signals.par_iter_mut())
        .for_each(|(s, matched)| {
            let events = &mut s.parsed.events;
            if events.is_sorted_by(|a, b| key(a) <= key(b)) {
                return;
            }
            let mut order: Vec<usize> = (0..events.len()).collect();
            order.sort_by_key(|&i| key(&events[i]));
            let mut new_index = vec![0u32; events.len()];
            for (new, &old) in order.iter().enumerate() {
                new_index[old] = u32::try_from(new).unwrap_or(u32::MAX);
            }
            let mut old: Vec<Option<Event<'_>>> = events.drain(..).map(Some).collect();
            events.extend(order.iter().filter_map(|&i| old[i].take()));
            for m in matched.iter_mut() {
                if let Some(&n) = new_index.get(m.event as usize) {
                    m.event = n;
                }
            }
            // Stable: the signals of one event keep their table order.
            matched.sort_by_key(|m| m.event);
        });

    merged_order(sources, MERGE_PART)
}

/// The merged order of sorted sources, cut into parts of about `part` records merged on the
/// thread pool (the same order for any `part`).
fn merged_order(sources: &[Source<'_>], part: usize) -> Vec<EventRef> {
    use rayon::prelude::*;
    let total: usize = sources.iter().map(|s| s.parsed.events.len()).sum();
    let cuts = merge_cuts(sources, total, part);
    let parts: Vec<Vec<EventRef>> = cuts
        .par_windows(2)
        .map(|w| merge_part(sources, &w[0], &w[1]))
        .collect();
    let mut out = Vec::with_capacity(total);
    for part in parts {
        out.extend(part);
    }
    out
}

/// Merges of at least this many records are cut into parts merged on the thread pool.
const MERGE_PART: usize = 1 << 17;

/// The merge key of event `index` of source `source` (see [`merge`]): among the events of one
/// source, equal keys keep their order by index.
fn merge_key(event: &Event<'_>, source: u32) -> (bool, Option<DateTime<Utc>>, u32, u64) {
    (event.time.is_none(), event.time, source, event.offset)
}

/// Where the merged order is cut into parts: for each cut, every source's position, the
/// positions of a cut being the events that come before one event of the merged order (a
/// sample of every source's, taken at even steps). The first cut is all zeros and the last
/// every source's end, so the parts merged one after the other are the whole merge.
fn merge_cuts(sources: &[Source<'_>], total: usize, part: usize) -> Vec<Vec<usize>> {
    let ends: Vec<usize> = sources.iter().map(|s| s.parsed.events.len()).collect();
    let mut cuts = vec![vec![0; sources.len()]];
    let parts = total / part.max(1);
    if parts >= 2 {
        // Samples every `step` records of each source, ordered as the merge orders them.
        let step = (total / (parts * 8)).max(1);
        let mut samples: Vec<(u32, usize)> = sources
            .iter()
            .enumerate()
            .flat_map(|(si, s)| {
                (step..s.parsed.events.len())
                    .step_by(step)
                    .map(move |i| (si as u32, i))
            })
            .collect();
        let key_of = |&(si, i): &(u32, usize)| {
            let event = &sources[si as usize].parsed.events[i];
            (merge_key(event, si), i)
        };
        samples.sort_by_key(key_of);
        let every = samples.len().div_ceil(parts).max(1);
        for sample in samples.iter().skip(every - 1).step_by(every) {
            let (key, at) = key_of(sample);
            let cut: Vec<usize> = sources
                .iter()
                .enumerate()
                .map(|(r, s)| {
                    if r as u32 == sample.0 {
                        at
                    } else {
                        s.parsed
                            .events
                            .partition_point(|e| merge_key(e, r as u32) < key)
                    }
                })
                .collect();
            cuts.push(cut);
        }
    }
    cuts.push(ends);
    cuts
}

/// The merged order of the events between two cuts of [`merge_cuts`]: a heap of each source's
/// next event.
fn merge_part(sources: &[Source<'_>], from: &[usize], to: &[usize]) -> Vec<EventRef> {
    /// A heap entry: the next unmerged event of one source.
    struct Head<'a, 'b> {
        event: &'a Event<'b>,
        source: u32,
        index: u32,
    }
    impl Head<'_, '_> {
        fn order(&self, other: &Self) -> Ordering {
            merge_key(self.event, self.source).cmp(&merge_key(other.event, other.source))
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

    let len: usize = from.iter().zip(to).map(|(a, b)| b.saturating_sub(*a)).sum();
    let mut out = Vec::with_capacity(len);
    let mut heap = BinaryHeap::with_capacity(sources.len());
    let end_of = |si: usize| to.get(si).copied().unwrap_or(0);
    for (si, s) in sources.iter().enumerate() {
        let at = from.get(si).copied().unwrap_or(0);
        if at < end_of(si)
            && let Some(first) = s.parsed.events.get(at)
        {
            heap.push(Head {
                event: first,
                source: si as u32,
                index: at as u32,
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
        if (next as usize) < end_of(head.source as usize)
            && let Some(event) = events.get(next as usize)
        {
            heap.push(Head {
                event,
                source: head.source,
                index: next,
            });
        }
    }
    out
}

/// How many recent copies of one record are candidates for pairing by printk time.
const MAX_CANDIDATES: usize = 32;

/// How far apart in time two copies of one record may be (REFERENCE.md §9: ±1 s on wall time).
const DUPLICATE_WINDOW_US: i64 = 1_000_000;

/// Groups records that are the same record seen through several sources (kern.log, the journal,
/// dmesg): same machine, identifier and message, from different sources, within a second.
/// Returns, parallel to `order`, the group id of each record (`None` for a record seen once).
///
/// Repeats within one source are never grouped: a line logged twice happened twice, and its
/// count stays exact (plaso's default of dropping repeats is what not to do).
///
/// Copies are always of one machine, so each machine's records are grouped on their own, on the
/// thread pool, and the groups are numbered as one pass over the whole order numbers them: a
/// group gets its id when its second copy is read, the time-window groups first, then those
/// paired by printk time.
pub fn duplicate_groups(sources: &[Source<'_>], order: &[EventRef]) -> Vec<Option<u32>> {
    use rayon::prelude::*;
    // Only a record whose second another source of the same machine also covers can have a
    // copy: rotated files that do not overlap (a directory of journal files) skip the pairing.
    let spans: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>> = sources
        .par_iter()
        .map(|s| {
            let mut times = s.parsed.events.iter().filter_map(|e| e.time);
            let first = times.next()?;
            Some(times.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t))))
        })
        .collect();
    // Whether a source carries printk times (a second clock that pairs kernel records).
    let printk: Vec<bool> = sources
        .par_iter()
        .map(|s| {
            s.parsed.events.iter().any(|e| {
                e.uptime_us.is_some()
                    || matches!(e.recorded, crate::event::RecordedTime::Monotonic { .. })
            })
        })
        .collect();
    let (covers, cover_of) = covers_of(sources, &spans);
    // Only machines with two or more sources that carry printk times pair by them.
    let mut printk_sources: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for (s, _) in sources.iter().zip(&printk).filter(|(_, p)| **p) {
        *printk_sources.entry(s.machine.as_str()).or_default() += 1;
    }
    // Each machine's positions in the order (machines by first appearance).
    let mut machine_of: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    let mut positions: Vec<Vec<usize>> = Vec::new();
    for (pos, r) in order.iter().enumerate() {
        let Some(source) = sources.get(r.source as usize) else {
            continue;
        };
        let next = machine_of.len();
        let m = *machine_of.entry(source.machine.as_str()).or_insert(next);
        if m == positions.len() {
            positions.push(Vec::new());
        }
        if let Some(list) = positions.get_mut(m) {
            list.push(pos);
        }
    }
    let each: Vec<(Vec<Option<u32>>, u32)> = positions
        .par_iter()
        .map(|positions| {
            let sub: Vec<EventRef> = positions
                .iter()
                .filter_map(|&p| order.get(p))
                .copied()
                .collect();
            machine_groups(sources, &sub, (&covers, &cover_of), &printk_sources)
        })
        .collect();
    // Each machine's groups by (pass, the position of its second copy): the whole pass's ids.
    let mut births: Vec<(bool, usize, usize, u32)> = Vec::new();
    for (m, (groups, first_pass)) in each.iter().enumerate() {
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            let Some(g) = *g else { continue };
            let g = g as usize;
            if members.len() <= g {
                members.resize_with(g + 1, Vec::new);
            }
            if let (Some(list), Some(&pos)) = (members.get_mut(g), positions[m].get(i)) {
                list.push(pos);
            }
        }
        for (g, list) in members.iter().enumerate() {
            if let Some(&second) = list.get(1) {
                births.push((g as u32 >= *first_pass, second, m, g as u32));
            }
        }
    }
    births.sort_unstable();
    let mut global: Vec<Vec<u32>> = each.iter().map(|(g, _)| vec![u32::MAX; g.len()]).collect();
    for (id, &(_, _, m, g)) in births.iter().enumerate() {
        if let Some(slot) = global.get_mut(m).and_then(|v| v.get_mut(g as usize)) {
            *slot = u32::try_from(id).unwrap_or(u32::MAX);
        }
    }
    let mut out: Vec<Option<u32>> = vec![None; order.len()];
    for (m, (groups, _)) in each.iter().enumerate() {
        for (i, g) in groups.iter().enumerate() {
            if let (Some(g), Some(&pos)) = (g, positions[m].get(i))
                && let Some(&id) = global.get(m).and_then(|v| v.get(*g as usize))
                && id != u32::MAX
                && let Some(slot) = out.get_mut(pos)
            {
                *slot = Some(id);
            }
        }
    }
    out
}

/// One machine's spans (widened by the window), by start, and over each prefix of them the two
/// latest ends with their sources: whether a source other than `s` covers a time is a binary
/// search, not a pass over every source.
#[derive(Default)]
struct Cover {
    starts: Vec<DateTime<Utc>>,
    latest: Vec<(End, Option<End>)>,
}

/// A span's end and its source.
type End = (DateTime<Utc>, u32);

/// Each machine's [`Cover`], and each source's machine (an index into them).
fn covers_of(
    sources: &[Source<'_>],
    spans: &[Option<(DateTime<Utc>, DateTime<Utc>)>],
) -> (Vec<Cover>, Vec<usize>) {
    let slack = Duration::microseconds(DUPLICATE_WINDOW_US);
    let mut machine_index: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    let mut covers: Vec<Cover> = Vec::new();
    let mut spans_of: Vec<Vec<(DateTime<Utc>, DateTime<Utc>, u32)>> = Vec::new();
    let cover_of: Vec<usize> = sources
        .iter()
        .zip(spans)
        .enumerate()
        .map(|(i, (source, span))| {
            let next = machine_index.len();
            let m = *machine_index.entry(source.machine.as_str()).or_insert(next);
            if m == spans_of.len() {
                spans_of.push(Vec::new());
            }
            if let Some((lo, hi)) = span {
                let lo = lo
                    .checked_sub_signed(slack)
                    .unwrap_or(DateTime::<Utc>::MIN_UTC);
                let hi = hi
                    .checked_add_signed(slack)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                spans_of[m].push((lo, hi, i as u32));
            }
            m
        })
        .collect();
    for mut list in spans_of {
        list.sort_by_key(|&(lo, _, _)| lo);
        let mut cover = Cover::default();
        let mut best: Option<(End, Option<End>)> = None;
        for (lo, hi, i) in list {
            best = Some(match best {
                None => ((hi, i), None),
                Some((first, _)) if hi > first.0 => ((hi, i), Some(first)),
                Some((first, second)) if second.is_none_or(|(end, _)| hi > end) => {
                    (first, Some((hi, i)))
                }
                Some(kept) => kept,
            });
            cover.starts.push(lo);
            cover.latest.extend(best);
        }
        covers.push(cover);
    }
    (covers, cover_of)
}

/// [`duplicate_groups`] over one machine's records (`order`, in timeline order), with every
/// source's time span and whether it carries printk times. Returns the groups, numbered in the
/// order they got their second copy, and how many of them the time-window pass made (the others
/// come from printk times).
fn machine_groups(
    sources: &[Source<'_>],
    order: &[EventRef],
    (covers, cover_of): (&[Cover], &[usize]),
    printk_sources: &foldhash::HashMap<&str, usize>,
) -> (Vec<Option<u32>>, u32) {
    use foldhash::HashMap;
    use std::collections::{BTreeMap, VecDeque};
    type Key<'a> = (&'a str, &'a [u8], &'a [u8]);
    /// A group still open to copies from sources it lacks.
    struct Open {
        first: usize,
        group: Option<u32>,
        sources: SmallVec<[u32; 4]>,
        time: DateTime<Utc>,
    }
    /// The open groups of one key, oldest first, and for each source the first open group it
    /// may still join (groups before it already hold that source): amortized O(1) per record,
    /// even for a flood of one line.
    #[derive(Default)]
    struct KeyState {
        open: VecDeque<Open>,
        popped: usize,
        next_for: BTreeMap<u32, usize>,
    }
    let mut groups: Vec<Option<u32>> = vec![None; order.len()];
    let mut next_group = 0u32;
    let mut states: HashMap<Key<'_>, KeyState> = HashMap::default();
    let mut window: VecDeque<(DateTime<Utc>, Key<'_>)> = VecDeque::new();
    let expired = |old: DateTime<Utc>, now: DateTime<Utc>| {
        (now - old).num_microseconds().unwrap_or(i64::MAX) > DUPLICATE_WINDOW_US
    };
    let covered_elsewhere = |source: u32, t: DateTime<Utc>| {
        let cover = &covers[cover_of[source as usize]];
        let before = cover.starts.partition_point(|&lo| lo <= t);
        let Some(&(first, second)) = before.checked_sub(1).and_then(|p| cover.latest.get(p)) else {
            return false;
        };
        if first.1 != source {
            first.0 >= t
        } else {
            second.is_some_and(|(end, _)| end >= t)
        }
    };
    for (pos, r) in order.iter().enumerate() {
        let source = &sources[r.source as usize];
        let event = &source.parsed.events[r.event as usize];
        let Some(t) = event.time else { continue };
        if !covered_elsewhere(r.source, t) {
            continue;
        }
        // Close the groups that left the window.
        while let Some(&(old, key)) = window.front() {
            if !expired(old, t) {
                break;
            }
            window.pop_front();
            if let Some(state) = states.get_mut(&key) {
                while state.open.front().is_some_and(|o| expired(o.time, t)) {
                    state.open.pop_front();
                    state.popped += 1;
                }
                if state.open.is_empty() {
                    states.remove(&key);
                }
            }
        }
        let key: Key<'_> = (
            source.machine.as_str(),
            event.ident.unwrap_or_default(),
            &event.message,
        );
        let state = states.entry(key).or_default();
        let end = state.popped + state.open.len();
        let mut at = state
            .next_for
            .get(&r.source)
            .copied()
            .unwrap_or(0)
            .max(state.popped);
        while at < end
            && state
                .open
                .get(at - state.popped)
                .is_some_and(|o| o.sources.contains(&r.source))
        {
            at += 1;
        }
        match state
            .open
            .get_mut(at.wrapping_sub(state.popped))
            .filter(|_| at < end)
        {
            Some(o) => {
                let g = *o.group.get_or_insert_with(|| {
                    next_group += 1;
                    next_group - 1
                });
                groups[o.first] = Some(g);
                groups[pos] = Some(g);
                o.sources.push(r.source);
                state.next_for.insert(r.source, at + 1);
            }
            None => {
                state.open.push_back(Open {
                    first: pos,
                    group: None,
                    sources: smallvec::smallvec![r.source],
                    time: t,
                });
                state.next_for.insert(r.source, end + 1);
                window.push_back((t, key));
            }
        }
    }
    // A kernel record carries its printk time in dmesg and in syslog lines written by imklog:
    // the same time and text is the same record, even when the wall times differ (rsyslog reads
    // the ring buffer late at boot).
    let first_pass = next_group;
    let mut by_uptime: HashMap<(&str, u64, &[u8]), Vec<(usize, u32)>> = HashMap::default();
    for (pos, r) in order.iter().enumerate() {
        let source = &sources[r.source as usize];
        if printk_sources
            .get(source.machine.as_str())
            .copied()
            .unwrap_or(0)
            < 2
        {
            continue;
        }
        let event = &source.parsed.events[r.event as usize];
        let uptime = match event.recorded {
            crate::event::RecordedTime::Monotonic { micros } => Some(micros),
            _ => event.uptime_us,
        };
        let Some(up) = uptime else { continue };
        let list = by_uptime
            .entry((source.machine.as_str(), up, &event.message))
            .or_default();
        // Within one boot: the same uptime and text in another boot is another record.
        let close = |p: usize| {
            let other = &order[p];
            let e2 = &sources[other.source as usize].parsed.events[other.event as usize];
            match (event.time, e2.time) {
                (Some(a), Some(b)) => (a - b).num_seconds().abs() <= 600,
                _ => true,
            }
        };
        if groups[pos].is_none()
            && let Some(&(p, _)) = list.iter().find(|(p, src)| {
                *src != r.source
                    && close(*p)
                    && !list.iter().any(|(q, s2)| {
                        groups[*q].is_some() && groups[*q] == groups[*p] && *s2 == r.source
                    })
            })
        {
            let g = *groups[p].get_or_insert_with(|| {
                next_group += 1;
                next_group - 1
            });
            groups[pos] = Some(g);
        }
        list.push((pos, r.source));
        if list.len() > MAX_CANDIDATES {
            list.remove(0);
        }
    }
    (groups, first_pass)
}

/// How good one copy of a record is, larger being better: first how directly its time was
/// written (each inferred part — a year, a zone, a boot anchor — counts against it), then how
/// precisely (fractional digits: the journal's µs over kern.log's whole seconds), then how much
/// its source says of it (journal fields, then priority and identifier).
pub fn copy_rank(source: &Source<'_>, event: &Event<'_>) -> (u8, u8, u8) {
    use crate::event::{RecordedTime, TimeFix};
    let guessed = [
        TimeFix::YearInferred,
        TimeFix::TzAssumed,
        TimeFix::TzDerived,
        TimeFix::BootAnchored,
        TimeFix::BootRelative,
    ]
    .into_iter()
    .filter(|f| event.quality.contains(*f))
    .count();
    let directness = 5u8.saturating_sub(u8::try_from(guessed).unwrap_or(5));
    // Journal entries and printk times are kept in µs.
    let digits = if event.journal.is_some()
        || source.parsed.binary
        || matches!(event.recorded, RecordedTime::Monotonic { .. })
    {
        6
    } else {
        // Digits after the seconds' `.` or `,` in the time as written.
        let text = event.time_text;
        let frac = text
            .iter()
            .rposition(|&b| b == b'.' || b == b',')
            .map_or(0, |p| {
                text[p + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count()
            });
        u8::try_from(frac.min(9)).unwrap_or(9)
    };
    let richness = if event.journal.is_some() {
        3
    } else {
        u8::from(event.priority.is_some()) + u8::from(event.ident.is_some())
    };
    (directness, digits, richness)
}

/// The primary copy of a record seen through several sources (`copies`, in timeline order): the
/// best by [`copy_rank`], the earliest in timeline order on a tie; the others, in timeline order,
/// are where else it was seen. `None` for no copies.
pub fn primary_copy(
    sources: &[Source<'_>],
    copies: &[EventRef],
) -> Option<(EventRef, Vec<EventRef>)> {
    let rank = |r: &EventRef| {
        sources
            .get(r.source as usize)
            .and_then(|s| Some(copy_rank(s, s.parsed.events.get(r.event as usize)?)))
    };
    let best = copies
        .iter()
        .enumerate()
        .max_by(|(i, a), (j, b)| rank(a).cmp(&rank(b)).then(j.cmp(i)))
        .map(|(i, _)| i)?;
    let primary = copies[best];
    let others = copies
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, r)| *r)
        .collect();
    Some((primary, others))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A syslog file of host `pve1` parsed, each record's time set by `place` (its index, the
    /// record), as the clock stage would leave it.
    fn host_syslog<'a>(
        path: String,
        data: &'a [u8],
        mut place: impl FnMut(usize, &mut Event<'a>),
    ) -> Source<'a> {
        let mut parsed = crate::formats::parse(
            crate::formats::FormatKind::Syslog,
            data,
            &crate::limits::Limits::default(),
        );
        for (i, e) in parsed.events.iter_mut().enumerate() {
            place(i, e);
        }
        Source {
            path,
            data,
            mtime: None,
            role: crate::event::Role::Host,
            machine: "pve1".into(),
            machine_from: "path",
            role_from: "path",
            vmid: None,
            prompt_host: None,
            parsed,
            time_notes: Vec::new(),
        }
    }

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

    #[test]
    fn signals_follow_their_events_when_a_source_is_sorted() {
        use crate::event::RecordedTime;
        let data = b"2025-05-28T16:00:00+00:00 pve1 lvm[900]: Logical volume pve/data extended.\n\
2025-05-28T14:21:30+00:00 pve1 pvestatd[1100]: could not write x: No space left on device\n";
        let mut sources = vec![host_syslog("syslog".into(), data, |_, e| {
            if let RecordedTime::Absolute(t) = e.recorded {
                e.time = Some(t);
            }
        })];
        let mut signals =
            vec![crate::signals::Matcher::new().match_events(&sources[0].parsed.events)];
        assert_eq!(signals[0][0].event, 1);
        let order = merge(&mut sources, &mut signals);
        assert_eq!(order.len(), 2);
        let m = &signals[0][0];
        assert_eq!(m.kind, crate::signals::SignalKind::NoSpace);
        let cited = &sources[0].parsed.events[m.event as usize];
        assert!(cited.message.ends_with(b"No space left on device"));
    }

    /// Three syslog sources of one machine with overlapping times, ties, repeated messages
    /// (copies within a second and repeats within one source), printk times and undated
    /// records, sorted as [`merge`] sorts them.
    fn overlapping_sources(data: &[Vec<u8>]) -> Vec<Source<'_>> {
        use crate::event::RecordedTime;
        data.iter()
            .enumerate()
            .map(|(k, body)| {
                let mut source = host_syslog(format!("log{k}"), body, |i, e| {
                    if let RecordedTime::Absolute(t) = e.recorded
                        && i % 17 != 5
                    {
                        e.time = Some(t);
                    }
                });
                source.parsed.events.sort_by_key(key);
                source
            })
            .collect()
    }

    fn overlapping_data() -> Vec<Vec<u8>> {
        let mut seed = 7u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        (0..3)
            .map(|_| {
                let mut body = Vec::new();
                for _ in 0..400 {
                    let (sec, frac, msg) = (next(120), next(3), next(9));
                    let line = if msg < 3 {
                        format!(
                            "2025-05-28T16:{:02}:{:02}.{frac}+00:00 pve1 kernel: [{}.000100] oom {msg}\n",
                            sec / 60,
                            sec % 60,
                            100 + sec
                        )
                    } else {
                        format!(
                            "2025-05-28T16:{:02}:{:02}.{frac}+00:00 pve1 pvestatd[1]: status {msg}\n",
                            sec / 60,
                            sec % 60
                        )
                    };
                    body.extend_from_slice(line.as_bytes());
                }
                body
            })
            .collect()
    }

    #[test]
    fn the_merge_in_parts_is_the_merge_in_one() {
        let data = overlapping_data();
        let sources = overlapping_sources(&data);
        let whole = merged_order(&sources, usize::MAX);
        assert_eq!(whole.len(), 1200);
        let ordered = whole.windows(2).all(|w| {
            let k = |r: &EventRef| {
                let e = &sources[r.source as usize].parsed.events[r.event as usize];
                (merge_key(e, r.source), r.event)
            };
            k(&w[0]) < k(&w[1])
        });
        assert!(ordered);
        for part in [1, 2, 3, 7, 50, 199, 600] {
            assert_eq!(merged_order(&sources, part), whole, "parts of {part}");
        }
    }

    #[test]
    fn the_primary_copy_is_the_most_direct_and_precise_time() {
        use crate::event::{RecordedTime, TimeFix};
        let data = b"Jul 29 11:56:40 pve1 kernel: Out of memory: Killed process 7 (kvm)\n\
2025-07-29T09:56:40.123456+00:00 pve1 kernel: Out of memory: Killed process 7 (kvm)\n";
        let source = |path: &str, body: &'static [u8]| {
            host_syslog(path.into(), body, |_, e| {
                if let RecordedTime::Absolute(t) = e.recorded {
                    e.time = Some(t);
                } else {
                    e.quality.insert(TimeFix::YearInferred);
                    e.quality.insert(TimeFix::TzDerived);
                }
            })
        };
        let (kern, precise) = data.split_at(data.iter().position(|&b| b == b'\n').unwrap() + 1);
        let sources = vec![source("kern.log", kern), source("syslog", precise)];
        assert_eq!(
            copy_rank(&sources[1], &sources[1].parsed.events[0]),
            (5, 6, 1)
        );
        assert_eq!(
            copy_rank(&sources[0], &sources[0].parsed.events[0]),
            (3, 0, 1)
        );
        let copies = [
            EventRef {
                source: 0,
                event: 0,
            },
            EventRef {
                source: 1,
                event: 0,
            },
        ];
        let (primary, also) = primary_copy(&sources, &copies).unwrap();
        assert_eq!(primary, copies[1]);
        assert_eq!(also, vec![copies[0]]);
        // A tie keeps the earliest copy in timeline order.
        let (primary, _) = primary_copy(&sources, &[copies[0], copies[0]]).unwrap();
        assert_eq!(primary, copies[0]);
        assert!(primary_copy(&sources, &[]).is_none());
    }
}
