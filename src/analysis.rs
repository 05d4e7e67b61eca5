//! The pipeline up to the timeline: bundle members → formats → sources → clock → merged order.
//!
//! Members are detected and parsed in parallel (rayon, one task per member); [`open`] starts
//! each member's task as soon as the bundle reader yields it, so a `.tgz`'s members are parsed
//! while the rest is inflated. Every later step is deterministic and does not depend on the
//! thread count or on the order the tasks finish in.

use rayon::prelude::*;

use std::sync::OnceLock;

use crate::boots::{self, MachineBoots};
use crate::bundle::{self, Bundle, Limits, Store};
use crate::clock::{self, ClockOptions, ClockSummary, Manifest};
use crate::correlate::{self, AlignOptions, Machine};
use crate::event::{RecordedTime, Role};
use crate::formats::{self, FormatKind};
use crate::index::SignalIndex;
use crate::signals::{self, Matched, SignalKind};
use crate::source::{self, Source};
use crate::timeline::{self, EventRef};
use crate::vmpids::VmPids;

/// Everything the analysis needs besides the bundle.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Size caps.
    pub limits: Limits,
    /// Time options.
    pub clock: ClockOptions,
    /// `--format-override SUFFIX=KIND`: members whose path ends with SUFFIX are parsed as KIND.
    pub format_overrides: Vec<(String, FormatKind)>,
    /// Host/guest clock alignment.
    pub align: AlignOptions,
    /// Run the signal pass without its literal prefilter ([`signals::Matcher::unfiltered`]):
    /// slower, and never a different answer. Off by default; it exists so that
    /// `tests/prefilter.rs` can prove the prefilter exact, diagnosing every corpus both ways.
    pub no_prefilter: bool,
}

/// The analysed bundle.
#[derive(Debug)]
pub struct Analysis<'b> {
    /// The bundle: its members' bytes, what it could not read and what it skipped.
    pub bundle: &'b Bundle,
    /// Every source, host sources first, then guests, then the rest, each by path.
    pub sources: Vec<Source<'b>>,
    /// The bundle-wide clock decisions.
    pub clock: ClockSummary,
    /// Every machine, with its VMID, host and clock offset.
    pub machines: Vec<Machine>,
    /// Every event, in timeline order.
    pub order: Vec<EventRef>,
    /// Parallel to `order`: the group of a record seen through several sources (the same kernel
    /// line in kern.log, the journal and dmesg), `None` for a record seen once.
    pub dup_groups: Vec<Option<u32>>,
    /// Parallel to `sources`: each source's signals in event order, from the one signal pass.
    pub signals: Vec<Vec<Matched>>,
    /// The time-sorted signal index, built on first use ([`Analysis::index`]).
    index: OnceLock<SignalIndex>,
    /// The boot history, built on first use ([`Analysis::boots`]).
    boots: OnceLock<Vec<MachineBoots>>,
    /// Which VM each asked-about host pid is, built on first use ([`Analysis::vm_pids`]).
    vm_pids: OnceLock<VmPids>,
    /// Each duplicate group's copies in timeline order, and each grouped record's group, built
    /// on first use ([`Analysis::copies`]).
    groups: OnceLock<Groups>,
    /// The paths of the manifests read (one per INPUT at most).
    pub manifests: Vec<String>,
    /// The incident the first manifest naming one was collected for.
    pub incident: Option<crate::clock::ManifestIncident>,
    /// Manifests that could not be read.
    pub manifest_problems: Vec<String>,
}

/// The copies of records seen through several sources. Group ids are dense (0, 1, …), and most
/// records of a bundle with overlapping sources are in one, so both look-ups are vectors: hashing
/// every grouped record was 5% of a diagnosis.
#[derive(Debug, Default)]
struct Groups {
    /// Each group's copies in timeline order, by group id.
    copies: Vec<Vec<EventRef>>,
    /// Each source's records' groups, by event index ([`NO_GROUP`] for a record seen once).
    group_of: Vec<Vec<u32>>,
}

/// A record in no duplicate group.
const NO_GROUP: u32 = u32::MAX;

/// Whether a member is an INPUT's manifest (`manifest.json` at the top of the INPUT); returns
/// that INPUT's prefix.
fn manifest_prefix<'p>(prefixes: &'p [String], path: &str) -> Option<&'p str> {
    prefixes
        .iter()
        .find(|p| path.strip_prefix(p.as_str()) == Some("manifest.json"))
        .map(String::as_str)
}

/// A member on its way to becoming a [`Source`]: parsed as soon as it was read, or, when no
/// format recognizes it, waiting for the manifests (a file a manifest lists as context is read
/// as context, not guessed at).
enum Start<'b> {
    Parsed(Source<'b>),
    Undecided {
        source: Source<'b>,
        detected: FormatKind,
    },
}

/// The members of a bundle read by [`open`], parsed or being parsed.
pub struct Started<'b>(Vec<Start<'b>>);

impl std::fmt::Debug for Started<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Started({} members)", self.0.len())
    }
}

/// A member's source, parsed unless its format waits for the manifests.
fn start<'b>(path: String, data: &'b [u8], mtime: Option<i64>, opts: &Options) -> Start<'b> {
    let overridden = opts
        .format_overrides
        .iter()
        .find(|(suffix, _)| path.ends_with(suffix.as_str()))
        .map(|(_, k)| *k);
    let (kind, detected) = match overridden {
        Some(kind) => (Some(kind), kind),
        None => match formats::detect(&path, data) {
            detected @ (FormatKind::Unrecognized | FormatKind::Fragment) => (None, detected),
            detected => (Some(detected), detected),
        },
    };
    let prompt_host = formats::prompt_hostname_in(data);
    let mut source = Source {
        path,
        prompt_host,
        data,
        mtime,
        role: Role::Unknown,
        machine: String::new(),
        machine_from: "none",
        role_from: "none",
        vmid: None,
        parsed: formats::Parsed::empty(detected),
        time_notes: Vec::new(),
    };
    match kind {
        Some(kind) => {
            source.parsed = formats::parse_keeping(kind, data, &opts.limits, &signals::states);
            Start::Parsed(source)
        }
        None => Start::Undecided { source, detected },
    }
}

/// Reads the INPUTs and parses each member as soon as it is read, on the thread pool, while
/// the next is still being read: a `.tgz` is inflated on the calling thread, one member at a
/// time, and each member's parse runs beside the inflation of the ones after it. The members'
/// bytes are kept in `store`, which the records borrow from. [`analyze_started`] goes on from
/// there; the result is the one [`analyze`] gives over [`Bundle::open`].
pub fn open<'s>(store: &'s Store, inputs: &[String], opts: &Options) -> (Bundle, Started<'s>) {
    let prefixes = Bundle::input_prefixes(inputs);
    let (tx, rx) = std::sync::mpsc::channel();
    let opened = rayon::in_place_scope(|scope| {
        let mut index = 0usize;
        Bundle::open_each(inputs, &opts.limits, &mut |member| {
            let at = index;
            index += 1;
            if manifest_prefix(&prefixes, &member.path).is_some() {
                return;
            }
            let data = store.hold(member);
            let (path, mtime) = (member.path.clone(), member.mtime);
            let tx = tx.clone();
            scope.spawn(move |_| {
                // The receiver outlives the scope: a send cannot fail.
                let _ = tx.send((at, start(path, data, mtime, opts)));
            });
        })
    });
    drop(tx);
    let Some(bundle) = opened else {
        // The streamed read could not be exact (see `Bundle::open_each`): read it whole. The
        // first read's buffers stay in the store until it is dropped; this happens only to a
        // bundle over --max-bundle-bytes.
        let bundle = Bundle::open(inputs, &opts.limits);
        let started = start_all(&bundle, |m| store.hold(m), opts);
        return (bundle, started);
    };
    let mut started: Vec<(usize, Start<'s>)> = rx.into_iter().collect();
    started.sort_by_key(|(at, _)| *at);
    (
        bundle,
        Started(started.into_iter().map(|(_, s)| s).collect()),
    )
}

/// Parses the members of a bundle read whole, each member's bytes from `bytes`.
fn start_all<'m, 'b>(
    bundle: &'m Bundle,
    bytes: impl Fn(&'m bundle::Member) -> &'b [u8],
    opts: &Options,
) -> Started<'b> {
    let prefixes = prefixes_of(bundle);
    let members: Vec<(&'m bundle::Member, &'b [u8])> = bundle
        .members
        .iter()
        .filter(|m| manifest_prefix(prefixes, &m.path).is_none())
        .map(|m| (m, bytes(m)))
        .collect();
    Started(
        members
            .into_par_iter()
            .map(|(m, data)| start(m.path.clone(), data, m.mtime, opts))
            .collect(),
    )
}

/// A bundle's INPUT prefixes; a bundle made of members has one, empty.
fn prefixes_of(bundle: &Bundle) -> &[String] {
    static ONE_INPUT: [String; 1] = [String::new()];
    if bundle.prefixes.is_empty() {
        &ONE_INPUT
    } else {
        &bundle.prefixes
    }
}

/// Runs the pipeline over a bundle.
pub fn analyze<'b>(bundle: &'b Bundle, opts: &Options) -> Analysis<'b> {
    let started = start_all(bundle, |m| m.bytes(), opts);
    analyze_started(bundle, started, opts)
}

/// Runs the rest of the pipeline over the members [`open`] read and parsed.
pub fn analyze_started<'b>(
    bundle: &'b Bundle,
    started: Started<'b>,
    opts: &Options,
) -> Analysis<'b> {
    let prefixes = prefixes_of(bundle);
    let is_manifest = |path: &str| manifest_prefix(prefixes, path).is_some();
    let mut manifests = Vec::new();
    let mut manifest_paths = Vec::new();
    let mut manifest_problems = Vec::new();
    for m in bundle.members.iter().filter(|m| is_manifest(&m.path)) {
        let prefix = manifest_prefix(prefixes, &m.path).unwrap_or_default();
        manifest_paths.push(m.path.clone());
        match Manifest::parse(m.bytes()) {
            Some(parsed) => manifests.push((prefix.to_string(), parsed)),
            None => manifest_problems.push(format!(
                "{}: not a JSON object with collected_at/timezone strings: ignored",
                m.path
            )),
        }
    }
    let context: std::collections::HashSet<String> = manifests
        .iter()
        .flat_map(|(prefix, m)| m.context.iter().map(move |c| format!("{prefix}{c}")))
        .collect();
    let mut sources: Vec<Source<'b>> = started
        .0
        .into_par_iter()
        .map(|start| match start {
            Start::Parsed(source) => source,
            Start::Undecided {
                mut source,
                detected,
            } => {
                // A file the manifest keeps as context is read by its parser if one
                // recognizes it, else as context: not guessed at, not unparsed.
                let kind = if context.contains(&source.path) {
                    FormatKind::Context
                } else if detected == FormatKind::Unrecognized
                    && signals::states_a_signal(source.data)
                {
                    // Unshaped lines that still state what the signal table reads (a
                    // server's management log pasted alone) are read as a fragment.
                    FormatKind::Fragment
                } else {
                    detected
                };
                source.parsed =
                    formats::parse_keeping(kind, source.data, &opts.limits, &signals::states);
                source
            }
        })
        .collect();
    for source in &mut sources {
        read_oldest_first(source);
    }
    source::assign_identities(&mut sources);
    sources.sort_by(|a, b| (a.role, &a.path).cmp(&(b.role, &b.path)));
    // The one signal pass: every record matched once, before any time is resolved or aligned.
    let mut signals = match_in_pieces(&sources, !opts.no_prefilter);
    // A task log named by its UPID ends the task its name says.
    for (source, matched) in sources.iter().zip(&mut signals) {
        if source.parsed.kind == FormatKind::PveTaskLog
            && let Some(end) = signals::task_log_end(&source.path, &source.parsed.events)
        {
            let at = matched.partition_point(|m| m.event <= end.event);
            matched.insert(at, end);
        }
    }
    for (source, matched) in sources.iter_mut().zip(&signals) {
        record_unclean_evidence(source, matched);
    }
    let incident = manifests.iter().find_map(|(_, m)| m.incident.clone());
    let clock = clock::resolve(&mut sources, &signals, &opts.clock, &manifests);
    let machines = correlate::correlate(&mut sources, &signals, &opts.align, &clock.zones);
    // A guest's files name its VMID once the correlation linked the guest to one (by the host's
    // `qm list` or VM configs, by name): a folder `guest/webshop/` holds VM 712's records.
    for source in sources
        .iter_mut()
        .filter(|s| s.vmid.is_none() && s.role == crate::event::Role::Guest)
    {
        source.vmid = machines
            .iter()
            .find(|m| m.name == source.machine)
            .and_then(|m| m.vmid);
    }
    let order = timeline::merge(&mut sources, &mut signals);
    let dup_groups = timeline::duplicate_groups(&sources, &order);
    Analysis {
        bundle,
        sources,
        clock,
        machines,
        order,
        dup_groups,
        signals,
        index: OnceLock::new(),
        boots: OnceLock::new(),
        vm_pids: OnceLock::new(),
        groups: OnceLock::new(),
        manifests: manifest_paths,
        incident,
        manifest_problems,
    }
}

/// How many records of one source one task of the signal pass matches.
const SIGNAL_PIECE: usize = 1 << 16;

/// [`signals::match_sources`] over pieces of at most [`SIGNAL_PIECE`] records, each source's
/// signals put together again: a record's signals depend on the record alone, and a journal of
/// a million records is otherwise one task that the other threads wait for.
fn match_in_pieces(sources: &[Source<'_>], prefilter: bool) -> Vec<Vec<Matched>> {
    let pieces: Vec<(usize, usize, usize)> = sources
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let n = s.parsed.events.len();
            (0..n.div_ceil(SIGNAL_PIECE).max(1))
                .map(move |k| (i, k * SIGNAL_PIECE, ((k + 1) * SIGNAL_PIECE).min(n)))
        })
        .collect();
    let matched = signals::match_sources(&pieces, prefilter, |&(i, from, to)| {
        sources[i].parsed.events.get(from..to).unwrap_or_default()
    });
    let mut out: Vec<Vec<Matched>> = sources.iter().map(|_| Vec::new()).collect();
    for (&(i, from, _), piece) in pieces.iter().zip(matched) {
        let Some(list) = out.get_mut(i) else { continue };
        let from = u32::try_from(from).unwrap_or(u32::MAX);
        list.extend(piece.into_iter().map(|mut m| {
            m.event = m.event.saturating_add(from);
            m
        }));
    }
    out
}

/// Adds the unclean-stop evidence that a source's name or records show: a `*.journal~` file
/// (journald renamed it after finding it damaged or still open), and journald's "File … corrupted
/// or uncleanly shut down, renaming and replacing." line, which is about the boot before the one
/// that logged it.
fn record_unclean_evidence(source: &mut Source<'_>, signals: &[Matched]) {
    if let Some(reason) = formats::journal_file::unclean_from_name(&source.path) {
        source.parsed.unclean.push(formats::UncleanEvidence {
            boot_id: None,
            offset: None,
            reason,
        });
    }
    let found: Vec<formats::UncleanEvidence> = signals
        .iter()
        .filter(|m| m.kind == SignalKind::UncleanJournal)
        .filter_map(|m| source.parsed.events.get(m.event as usize))
        .filter(|e| e.ident == Some(b"systemd-journald"))
        .map(|e| formats::UncleanEvidence {
            boot_id: None,
            offset: Some(e.offset),
            reason: format!(
                "{}: journald found the previous boot's journal not closed cleanly: {}",
                if source.parsed.binary {
                    format!("at byte {}", e.offset)
                } else {
                    format!("line {}", e.line)
                },
                String::from_utf8_lossy(&e.message)
            ),
        })
        .collect();
    source.parsed.unclean.extend(found);
}

/// Puts the records of a text log written newest first (`journalctl -r`, as people often paste
/// it) in time order, so that year inference, boots and clock pairs, which read a file from
/// its oldest record on, read it right. A source is newest first when most of its consecutive
/// dated records go back in time.
fn read_oldest_first(source: &mut Source<'_>) {
    if !matches!(
        source.parsed.kind,
        FormatKind::JournalText
            | FormatKind::JournalVerbose
            | FormatKind::Syslog
            | FormatKind::Fragment
    ) {
        return;
    }
    let (mut back, mut forward) = (0usize, 0usize);
    for pair in source.parsed.events.windows(2) {
        let order = match (pair[0].recorded, pair[1].recorded) {
            (RecordedTime::Absolute(a), RecordedTime::Absolute(b)) => a.cmp(&b),
            (RecordedTime::Local(a), RecordedTime::Local(b)) => a.cmp(&b),
            (
                RecordedTime::Yearless {
                    month: m1,
                    day: d1,
                    time: t1,
                },
                RecordedTime::Yearless {
                    month: m2,
                    day: d2,
                    time: t2,
                },
            ) => (m1, d1, t1).cmp(&(m2, d2, t2)),
            _ => continue,
        };
        match order {
            std::cmp::Ordering::Greater => back += 1,
            std::cmp::Ordering::Less => forward += 1,
            std::cmp::Ordering::Equal => {}
        }
    }
    if back >= 3 && back > 3 * forward {
        source.parsed.events.reverse();
        source.time_notes.push(format!(
            "records run newest first ({back} of {} steps between dated records go back in time, as `journalctl -r` writes them): read oldest first",
            back + forward
        ));
    }
}

impl<'b> Analysis<'b> {
    /// The signal index: every signal of the one pass, in timeline order, with its time, role,
    /// machine and VMID, and look-ups by kind. Built once, on first use.
    pub fn index(&self) -> &SignalIndex {
        self.index
            .get_or_init(|| SignalIndex::build(&self.sources, &self.signals, &self.order))
    }

    /// Each machine's boots, built once, on first use, from the sources and their signals.
    pub fn boots(&self) -> &[MachineBoots] {
        self.boots.get_or_init(|| {
            boots::history(
                &self.sources,
                &self.signals,
                &self.machines,
                &self.clock.zones,
            )
        })
    }

    /// The host-wide map from a VM process's pid to its VMID, per host boot, for the pids the
    /// signals name without a VMID. Built once, on first use.
    pub fn vm_pids(&self) -> &VmPids {
        self.vm_pids
            .get_or_init(|| VmPids::build(&self.sources, self.index(), self.boots()))
    }

    /// Every copy of the record `r` when several sources saw it: the primary copy (the most
    /// direct and precise time, then the richest source: [`timeline::primary_copy`]) and the
    /// others, in timeline order. `None` for a record seen once.
    pub fn copies(&self, r: EventRef) -> Option<(EventRef, Vec<EventRef>)> {
        let groups = self.groups.get_or_init(|| {
            let mut g = Groups {
                copies: Vec::new(),
                group_of: self
                    .sources
                    .iter()
                    .map(|s| vec![NO_GROUP; s.parsed.events.len()])
                    .collect(),
            };
            for (&group, r) in self.dup_groups.iter().zip(&self.order) {
                let Some(group) = group else { continue };
                let Ok(at) = usize::try_from(group) else {
                    continue;
                };
                if g.copies.len() <= at {
                    g.copies.resize_with(at + 1, Vec::new);
                }
                if let Some(copies) = g.copies.get_mut(at) {
                    copies.push(*r);
                }
                if let Some(slot) = g
                    .group_of
                    .get_mut(r.source as usize)
                    .and_then(|v| v.get_mut(r.event as usize))
                {
                    *slot = group;
                }
            }
            g
        });
        let group = *groups
            .group_of
            .get(r.source as usize)?
            .get(r.event as usize)
            .filter(|&&g| g != NO_GROUP)?;
        timeline::primary_copy(&self.sources, groups.copies.get(group as usize)?)
    }
}
