//! The clock stage: puts every event on the UTC time line, using only what the bundle says.
//!
//! Records carry time in many shapes ([`RecordedTime`]). This stage resolves them in an order
//! where each step can use the previous ones:
//!
//! 1. **Reference time** for sources without a year: `--reference-time`, else the manifest's
//!    `collected_at`, else the newest fully dated record of the bundle, else the newest member
//!    modification time. Never the analyst's clock.
//! 2. **Zone** for sources without an offset: `--tz MACHINE=ZONE`, `--tz ZONE`, the manifest's
//!    `timezone`, else an offset *derived* from another source of the same machine that carries
//!    offsets and holds the same records (a kern.log next to a `short-iso` journal), else UTC,
//!    recorded as assumed.
//! 3. **Years** are inferred walking backwards from the reference time: the last record takes the
//!    reference's year (the year before if its date lies after the reference), and each step back
//!    that jumps *forward* by more than a day crosses a year boundary (Dec → Jan).
//! 4. **Seconds since boot** (dmesg, `short-monotonic`) are anchored to the wall clock by a boot
//!    time found in dated sources of the same machine: kernel lines that carry both a wall time
//!    and the printk uptime give it exactly; otherwise identical kernel messages in both give it to
//!    the second. Unanchored records keep their seconds since boot and `boot_relative`.
//!
//! Every fix is recorded per event ([`TimeQuality`]) and explained per source
//! ([`Source::time_notes`]), so `pvelog sources` shows where each time came from.

use std::collections::{BTreeMap, HashMap};

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc,
};
use serde::Deserialize;

use crate::event::{Event, RecordedTime, TimeFix, TimeQuality};
use crate::source::Source;

/// A time zone for sources that carry no offset.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    /// A fixed offset (`+02:00`, `UTC`).
    Fixed(FixedOffset),
    /// A named IANA zone, with its daylight-saving rules (`Europe/Berlin`).
    Named(chrono_tz::Tz),
}

impl Zone {
    /// Parses `UTC`, `Z`, `+02:00`, `-0500` or an IANA name.
    pub fn parse(text: &str) -> Option<Zone> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
            return FixedOffset::east_opt(0).map(Zone::Fixed);
        }
        if t.starts_with(['+', '-']) {
            let (rest, secs) = crate::formats::common::utc_offset(t.as_bytes()).ok()?;
            return rest
                .is_empty()
                .then(|| FixedOffset::east_opt(secs).map(Zone::Fixed))
                .flatten();
        }
        t.parse::<chrono_tz::Tz>().ok().map(Zone::Named)
    }

    fn utc() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()))
    }

    /// Local wall time → UTC. In a daylight-saving fold the earlier instant is taken; in a gap the
    /// wall time is moved forward by the gap (as the clock itself was).
    pub fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        fn pick<T: TimeZone>(r: LocalResult<DateTime<T>>) -> Option<DateTime<Utc>> {
            match r {
                LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
                LocalResult::None => None,
            }
        }
        match self {
            Zone::Fixed(o) => pick(o.from_local_datetime(&local)),
            Zone::Named(tz) => pick(tz.from_local_datetime(&local))
                .or_else(|| pick(tz.from_local_datetime(&(local + Duration::hours(1))))),
        }
    }

    /// UTC → local wall time.
    pub fn to_local(&self, utc: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Fixed(o) => utc.with_timezone(o).naive_local(),
            Zone::Named(tz) => utc.with_timezone(tz).naive_local(),
        }
    }

    /// `UTC`, `+02:00` or the IANA name.
    pub fn label(&self) -> String {
        match self {
            Zone::Fixed(o) if o.local_minus_utc() == 0 => "UTC".to_string(),
            Zone::Fixed(o) => o.to_string(),
            Zone::Named(tz) => tz.name().to_string(),
        }
    }
}

/// What the command line says about time.
#[derive(Clone, Debug, Default)]
pub struct ClockOptions {
    /// `--reference-time`.
    pub reference_time: Option<DateTime<Utc>>,
    /// `--tz ZONE`: for every offset-less source without a machine-specific zone.
    pub tz_default: Option<Zone>,
    /// `--tz MACHINE=ZONE`.
    pub tz_machine: BTreeMap<String, Zone>,
}

/// The parts of `manifest.json` the clock uses.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Manifest {
    /// When the bundle was collected (RFC 3339).
    pub collected_at: Option<String>,
    /// The zone of the machines' offset-less logs.
    pub timezone: Option<String>,
}

impl Manifest {
    /// Parses a manifest; `None` when it is not valid JSON of the expected shape.
    pub fn parse(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice(bytes).ok()
    }
}

/// The bundle-wide outcome of the clock stage.
#[derive(Clone, Debug, Default)]
pub struct ClockSummary {
    /// The reference time for year inference, and where it came from.
    pub reference: Option<(DateTime<Utc>, String)>,
}

/// Resolves the time of every event of every source.
pub fn resolve(
    sources: &mut [Source<'_>],
    opts: &ClockOptions,
    manifest: Option<&Manifest>,
) -> ClockSummary {
    let reference = reference_time(sources, opts, manifest);
    let manifest_zone = manifest
        .and_then(|m| m.timezone.as_deref())
        .and_then(Zone::parse);

    // Pass 1: absolute times, and sources whose zone is given.
    let mut pending = Vec::new();
    for (i, source) in sources.iter_mut().enumerate() {
        let given = opts
            .tz_machine
            .get(&source.machine)
            .map(|z| (z.clone(), "--tz for this machine"))
            .or_else(|| opts.tz_default.clone().map(|z| (z, "--tz")))
            .or_else(|| manifest_zone.clone().map(|z| (z, "manifest.json")));
        let needs_zone = source.parsed.events.iter().any(|e| {
            matches!(
                e.recorded,
                RecordedTime::Local(_) | RecordedTime::Yearless { .. }
            )
        });
        for event in &mut source.parsed.events {
            if let RecordedTime::Absolute(t) = event.recorded {
                event.time = Some(t);
            }
        }
        if !needs_zone {
            continue;
        }
        match given {
            Some((zone, origin)) => {
                source
                    .time_notes
                    .push(format!("zone {} from {origin}", zone.label()));
                apply_zone(source, &zone, TimeQuality::default(), reference.as_ref());
            }
            None => pending.push(i),
        }
    }

    // Pass 2: offsets derived from dated sources of the same machine, else UTC assumed.
    for i in pending {
        let derived = derive_offset(sources, i);
        let source = &mut sources[i];
        let (zone, quality) = match derived {
            Some(d) => {
                source.time_notes.push(format!(
                    "offset {} derived from {} identical records in {}",
                    d.zone.label(),
                    d.votes,
                    d.from
                ));
                (d.zone, quality_of(TimeFix::TzDerived))
            }
            None => {
                source.time_notes.push(
                    "no offset written and none known for this machine: UTC assumed (set --tz)"
                        .to_string(),
                );
                (Zone::utc(), quality_of(TimeFix::TzAssumed))
            }
        };
        apply_zone(source, &zone, quality, reference.as_ref());
    }

    // Pass 3: seconds since boot.
    for i in 0..sources.len() {
        anchor_monotonic(sources, i);
    }

    ClockSummary { reference }
}

fn quality_of(fix: TimeFix) -> TimeQuality {
    let mut q = TimeQuality::default();
    q.insert(fix);
    q
}

/// Step 1: the reference time for year inference.
fn reference_time(
    sources: &[Source<'_>],
    opts: &ClockOptions,
    manifest: Option<&Manifest>,
) -> Option<(DateTime<Utc>, String)> {
    if let Some(t) = opts.reference_time {
        return Some((t, "--reference-time".to_string()));
    }
    if let Some(t) = manifest
        .and_then(|m| m.collected_at.as_deref())
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    {
        return Some((
            t.with_timezone(&Utc),
            "manifest.json collected_at".to_string(),
        ));
    }
    let newest = sources
        .iter()
        .flat_map(|s| {
            s.parsed
                .events
                .iter()
                .filter_map(move |e| match e.recorded {
                    RecordedTime::Absolute(t) => Some((t, &s.path)),
                    _ => None,
                })
        })
        .max_by_key(|(t, _)| *t);
    if let Some((t, path)) = newest {
        return Some((t, format!("newest dated record (in {path})")));
    }
    sources
        .iter()
        .filter_map(|s| Some((s.mtime?, &s.path)))
        .max_by_key(|(m, _)| *m)
        .and_then(|(m, path)| {
            Some((
                DateTime::from_timestamp(m, 0)?,
                format!("newest file modification time (of {path})"),
            ))
        })
}

/// Converts the Local and Yearless times of a source with `zone`, inferring years.
fn apply_zone(
    source: &mut Source<'_>,
    zone: &Zone,
    base: TimeQuality,
    reference: Option<&(DateTime<Utc>, String)>,
) {
    let reference_local = reference.map(|(t, _)| zone.to_local(*t));
    let mut year_notes = false;
    let mut unplaced = 0u64;
    // Walk backwards: year inference needs the *next* record's date.
    let mut next: Option<NaiveDateTime> = None;
    for event in source.parsed.events.iter_mut().rev() {
        let local = match event.recorded {
            RecordedTime::Local(naive) => Some(naive),
            RecordedTime::Yearless { month, day, time } => {
                year_notes = true;
                match reference_local {
                    Some(r) => infer_year(month, day, time, next.unwrap_or(r))
                        .inspect(|_| event.quality.insert(TimeFix::YearInferred)),
                    None => None,
                }
            }
            _ => continue,
        };
        match local.and_then(|l| zone.to_utc(l).map(|u| (l, u))) {
            Some((l, utc)) => {
                next = Some(l);
                event.time = Some(utc);
                for fix in base.iter() {
                    event.quality.insert(fix);
                }
            }
            None => unplaced += 1,
        }
    }
    if year_notes {
        match reference {
            Some((t, origin)) => source.time_notes.push(format!(
                "years inferred backwards from {} ({origin})",
                t.format("%Y-%m-%dT%H:%M:%SZ")
            )),
            None => source.time_notes.push(
                "no year written and no reference time in the bundle: records left undated (set --reference-time)"
                    .to_string(),
            ),
        }
    }
    if unplaced > 0 && reference.is_some() {
        source.time_notes.push(format!(
            "{unplaced} records with impossible dates left undated"
        ));
    }
}

/// The year for a yearless date, given the (local) time of the record that follows it, or the
/// reference time for the last record. Going backwards, a date more than a day *after* the
/// following one belongs to the previous year.
fn infer_year(
    month: u32,
    day: u32,
    time: chrono::NaiveTime,
    following: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let slack = Duration::days(1);
    let mut year = following.year();
    // Feb 29 exists only in leap years: walk back to one.
    for _ in 0..8 {
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
            let candidate = date.and_time(time);
            if candidate <= following + slack {
                return Some(candidate);
            }
        }
        year -= 1;
    }
    None
}

/// A zone derived from overlapping records.
struct Derived {
    zone: Zone,
    votes: usize,
    from: String,
}

/// A record's identity across sources: identifier and message.
type RecordKey<'a> = (&'a [u8], &'a [u8]);

/// How many records of a source the derivation compares.
const DERIVE_SAMPLE: usize = 50_000;

/// Derives the offset of source `i` (whose records have no offset) from the dated sources of the
/// same machine: the same record (identifier and message) appears in both, and the difference
/// between its local wall time and its UTC time, rounded to a quarter hour, is the offset.
fn derive_offset(sources: &[Source<'_>], i: usize) -> Option<Derived> {
    let target = &sources[i];
    let mut dated: HashMap<RecordKey<'_>, Vec<DateTime<Utc>>> = HashMap::new();
    let mut from: Vec<&str> = Vec::new();
    for (j, other) in sources.iter().enumerate() {
        if j == i || other.machine != target.machine || other.machine == "unknown" {
            continue;
        }
        let before = dated.len();
        for event in &other.parsed.events {
            if let RecordedTime::Absolute(t) = event.recorded {
                let slot = dated
                    .entry((event.ident.unwrap_or_default(), &event.message[..]))
                    .or_default();
                if slot.len() < 4 {
                    slot.push(t);
                }
            }
        }
        if dated.len() > before {
            from.push(&other.path);
        }
    }
    if dated.is_empty() {
        return None;
    }
    let mut votes: BTreeMap<i64, usize> = BTreeMap::new();
    for event in target.parsed.events.iter().take(DERIVE_SAMPLE) {
        let Some(times) = dated.get(&(event.ident.unwrap_or_default(), &event.message[..])) else {
            continue;
        };
        for t in times {
            let local = match event.recorded {
                RecordedTime::Local(n) => n,
                RecordedTime::Yearless { month, day, time } => {
                    match NaiveDate::from_ymd_opt(t.year(), month, day) {
                        Some(d) => d.and_time(time),
                        None => continue,
                    }
                }
                _ => continue,
            };
            let diff = (local - t.naive_utc()).num_seconds();
            let rounded = ((diff as f64) / 900.0).round() as i64 * 900;
            if rounded.abs() <= 14 * 3600 && (diff - rounded).abs() <= 120 {
                *votes.entry(rounded).or_default() += 1;
            }
        }
    }
    let total: usize = votes.values().sum();
    let (&offset, &best) = votes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?;
    if best * 10 < total * 6 {
        return None;
    }
    Some(Derived {
        zone: Zone::Fixed(FixedOffset::east_opt(i32::try_from(offset).ok()?)?),
        votes: best,
        from: from.join(", "),
    })
}

/// Longest delay accepted between the kernel printing a record and journald receiving it.
const JOURNAL_KMSG_DELAY_US: u64 = 30_000_000;

/// A boot time candidate: wall time of the boot, and the quality of the record that gave it.
#[derive(Clone, Copy)]
struct BootCandidate {
    boot: DateTime<Utc>,
    quality: TimeQuality,
}

/// Anchors the seconds-since-boot records of source `i`, boot segment by boot segment.
fn anchor_monotonic(sources: &mut [Source<'_>], i: usize) {
    let segments: Vec<u32> = {
        let mut segs: Vec<u32> = sources[i]
            .parsed
            .events
            .iter()
            .filter(|e| matches!(e.recorded, RecordedTime::Monotonic { .. }))
            .map(|e| e.boot)
            .collect();
        segs.dedup();
        segs.sort_unstable();
        segs.dedup();
        segs
    };
    for segment in segments {
        let anchor = find_boot_anchor(sources, i, segment);
        let source = &mut sources[i];
        match &anchor {
            Some((found, note)) => {
                source.time_notes.push(note.clone());
                for event in source
                    .parsed
                    .events
                    .iter_mut()
                    .filter(|e| e.boot == segment)
                {
                    if let RecordedTime::Monotonic { micros } = event.recorded {
                        let offset =
                            Duration::microseconds(i64::try_from(micros).unwrap_or(i64::MAX));
                        event.time = found.boot.checked_add_signed(offset);
                        event.quality = found.quality;
                        event.quality.insert(TimeFix::BootAnchored);
                    }
                }
            }
            None => {
                let n = source
                    .parsed
                    .events
                    .iter()
                    .filter(|e| e.boot == segment)
                    .count();
                source.time_notes.push(format!(
                    "{n} records in seconds since boot with no boot time in the bundle to anchor them: kept boot-relative"
                ));
                for event in source
                    .parsed
                    .events
                    .iter_mut()
                    .filter(|e| e.boot == segment)
                {
                    if matches!(event.recorded, RecordedTime::Monotonic { .. }) {
                        event.quality.insert(TimeFix::BootRelative);
                    }
                }
            }
        }
    }
}

/// Finds the boot time of one boot segment of a monotonic source from dated sources of the same
/// machine.
fn find_boot_anchor(
    sources: &[Source<'_>],
    i: usize,
    segment: u32,
) -> Option<(BootCandidate, String)> {
    let target = &sources[i];
    let mut by_uptime: HashMap<(u64, &[u8]), ()> = HashMap::new();
    let mut by_text: HashMap<&[u8], Vec<u64>> = HashMap::new();
    for event in target.parsed.events.iter().filter(|e| e.boot == segment) {
        if let RecordedTime::Monotonic { micros } = event.recorded {
            by_uptime.insert((micros, &event.message[..]), ());
            let slot = by_text.entry(&event.message[..]).or_default();
            if slot.len() < 4 {
                slot.push(micros);
            }
        }
    }
    let mut exact = Vec::new();
    let mut journal: BTreeMap<Vec<u8>, Vec<BootCandidate>> = BTreeMap::new();
    let mut textual = Vec::new();
    let mut exact_from = BTreeMap::new();
    let mut journal_from = BTreeMap::new();
    let mut text_from = BTreeMap::new();
    for (j, other) in sources.iter().enumerate() {
        if j == i || other.machine != target.machine || other.machine == "unknown" {
            continue;
        }
        for event in &other.parsed.events {
            let Some(t) = event.time else { continue };
            if matches!(event.recorded, RecordedTime::Monotonic { .. }) {
                continue;
            }
            if let Some(up) = event.uptime_us
                && by_uptime.contains_key(&(up, &event.message[..]))
            {
                let boot = t - Duration::microseconds(i64::try_from(up).unwrap_or(i64::MAX));
                exact.push(BootCandidate {
                    boot,
                    quality: event.quality,
                });
                *exact_from.entry(other.path.as_str()).or_insert(0usize) += 1;
                continue;
            }
            if event.ident != Some(b"kernel") {
                continue;
            }
            // A journal entry carries both clocks of its boot: once its message shows it is the
            // boot of this segment, realtime − monotonic is that boot's start, to the µs.
            // journald receives a kernel record after the kernel printed it, within seconds (it
            // reads the ring buffer's backlog when it starts), so the two clocks must agree.
            if let (Some(j), RecordedTime::Absolute(realtime)) = (&event.journal, event.recorded)
                && let Some(mono) = j.monotonic_us()
                && let Some(ups) = by_text.get(&event.message[..])
            {
                if ups
                    .iter()
                    .any(|&up| mono >= up && mono - up <= JOURNAL_KMSG_DELAY_US)
                {
                    let boot =
                        realtime - Duration::microseconds(i64::try_from(mono).unwrap_or(i64::MAX));
                    journal
                        .entry(j.boot_id().unwrap_or_default().to_vec())
                        .or_default()
                        .push(BootCandidate {
                            boot,
                            quality: event.quality,
                        });
                    *journal_from.entry(other.path.as_str()).or_insert(0usize) += 1;
                }
                continue;
            }
            if let Some(ups) = by_text.get(&event.message[..]) {
                for &up in ups {
                    let boot = t - Duration::microseconds(i64::try_from(up).unwrap_or(i64::MAX));
                    textual.push(BootCandidate {
                        boot,
                        quality: event.quality,
                    });
                }
                *text_from.entry(other.path.as_str()).or_insert(0usize) += 1;
            }
        }
    }
    let names = |m: &BTreeMap<&str, usize>| m.keys().copied().collect::<Vec<_>>().join(", ");
    if let Some((c, n, spread)) = best_cluster(&mut exact, 1) {
        let note = format!(
            "boot {} anchored at {} from {n} kernel records carrying the same uptime in {} (spread {spread:.3} s)",
            segment + 1,
            c.boot.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            names(&exact_from)
        );
        return Some((c, note));
    }
    // The journal boot that shares the most kernel records with this segment (the latest one on
    // a tie: a dmesg is usually taken during the last boot).
    let best_boot = journal
        .iter_mut()
        .max_by_key(|(_, cands)| (cands.len(), cands.iter().map(|c| c.boot).max()));
    if let Some((boot_id, cands)) = best_boot
        && let Some((c, n, spread)) = best_cluster(cands, 1)
    {
        let note = format!(
            "boot {} anchored at {} from {n} identical kernel messages of journal boot {} in {}, whose entries carry both clocks (spread {spread:.3} s)",
            segment + 1,
            c.boot.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            String::from_utf8_lossy(boot_id),
            names(&journal_from)
        );
        return Some((c, note));
    }
    if let Some((c, n, spread)) = best_cluster(&mut textual, 2) {
        let note = format!(
            "boot {} anchored at {} from {n} identical kernel messages in {} (spread {spread:.3} s)",
            segment + 1,
            c.boot.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            names(&text_from)
        );
        return Some((c, note));
    }
    None
}

/// The boot time from candidates `wall − uptime`: the lowest group of candidates within two
/// seconds of each other that holds at least `support` of them (fewer when there are fewer), as
/// (median candidate with the union of qualities, group size, spread in seconds).
///
/// Why the lowest: a record is written *after* the kernel printed it, so `wall − uptime` is never
/// earlier than the boot (up to the second lost when the wall time has no fraction), but it is
/// later for records read late, such as the ring buffer that rsyslog reads in one burst when it
/// starts. Live records sit at the bottom; the support requirement keeps one stray low value
/// (a clock stepped back) from winning alone.
fn best_cluster(cands: &mut [BootCandidate], min: usize) -> Option<(BootCandidate, usize, f64)> {
    if cands.len() < min || cands.is_empty() {
        return None;
    }
    cands.sort_by_key(|c| c.boot);
    let support = min.max(2).min(cands.len());
    let window = Duration::seconds(2);
    let group = (0..cands.len()).find_map(|start| {
        let len = cands[start..]
            .iter()
            .take_while(|c| c.boot - cands[start].boot <= window)
            .count();
        (len >= support).then(|| &cands[start..start + len])
    })?;
    let mut chosen = group[group.len() / 2];
    for c in group {
        for fix in c.quality.iter() {
            chosen.quality.insert(fix);
        }
    }
    let spread = (group[group.len() - 1].boot - group[0].boot)
        .num_microseconds()
        .unwrap_or(0) as f64
        / 1e6;
    Some((chosen, group.len(), spread))
}

/// Seconds since boot of an event, for outputs.
pub fn monotonic_seconds(event: &Event<'_>) -> Option<f64> {
    match event.recorded {
        RecordedTime::Monotonic { micros } => Some(micros as f64 / 1e6),
        _ => event.uptime_us.map(|u| u as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn at(y: i32, mo: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn year_inference_crosses_new_year_backwards() {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap();
        // Reference 2026-01-02: a Jan 1 record is this year, a Dec 31 record last year.
        let r = at(2026, 1, 2, 0);
        assert_eq!(infer_year(1, 1, noon, r).unwrap().year(), 2026);
        assert_eq!(
            infer_year(12, 31, noon, at(2026, 1, 1, 12)).unwrap().year(),
            2025
        );
        // A record a few hours after the reference (clock skew) stays in the same year.
        assert_eq!(infer_year(1, 2, noon, r).unwrap().year(), 2026);
        // Feb 29 walks back to a leap year.
        assert_eq!(
            infer_year(2, 29, noon, at(2027, 3, 1, 0)).unwrap().year(),
            2024
        );
    }

    #[test]
    fn zones_parse_and_convert() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let utc = berlin.to_utc(at(2025, 7, 29, 11)).unwrap();
        assert_eq!(utc.naive_utc(), at(2025, 7, 29, 9));
        let fixed = Zone::parse("+0530").unwrap();
        assert_eq!(fixed.label(), "+05:30");
        assert!(Zone::parse("Mars/Olympus").is_none());
        // The spring-forward gap moves forward with the clock.
        let gap = berlin.to_utc(at(2025, 3, 30, 2)).unwrap();
        assert_eq!(gap.naive_utc(), at(2025, 3, 30, 1));
    }
}
