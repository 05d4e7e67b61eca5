//! Input formats: detection from content and one parser per format.
//!
//! Every text format goes through the same driver ([`parse`]): [`crate::framing`] splits the
//! member into lines, blank and over-long lines are accounted for here, and each remaining line
//! is handed to the format's [`LineParser`]. A parser either emits an [`Event`], attaches the line
//! to the previous record as a continuation, records a banner (a journalctl boot separator), or
//! declares it unparsed. The driver keeps the books so that, for every source,
//! `event lines + banner lines + blank lines + unparsed lines = lines` (DESIGN.md §4, "nothing
//! is lost").
//!
//! Formats are detected from the first lines of content ([`detect`]); file names are only hints,
//! and `--format-override` settles the odd file.

pub mod common;
pub mod context;
pub mod dmesg;
pub mod dmesg_json;
pub mod fragment;
pub mod journal;
pub mod journal_export;
pub mod journal_file;
pub mod journal_json;
pub mod journal_text;
pub mod journal_verbose;
pub mod kubevirt;
pub mod last;
pub mod pve_task_index;
pub mod pve_task_log;
pub mod sel;
pub mod snapshot;
pub mod syslog;
pub mod vzdump;
pub mod wtmp;
pub mod wtmpdb;

use serde::Serialize;

use crate::event::Event;
use crate::facts::Fact;
use crate::framing::{Line, Lines, is_blank};
use crate::limits::{LimitKind, Limits};

/// The formats pvelog reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormatKind {
    /// syslog files: RFC 3164, rsyslog's RFC 3339 file format, RFC 5424.
    Syslog,
    /// `dmesg` output in any of its time formats, and `/dev/kmsg` records.
    Dmesg,
    /// `dmesg --json`: the ring buffer as one JSON document.
    DmesgJson,
    /// journalctl text output (`short*` modes) with its boot banners.
    JournalText,
    /// `journalctl -o verbose`: a header with the cursor, then every field of the entry.
    JournalVerbose,
    /// `journalctl -o export`: the binary-safe export stream.
    JournalExport,
    /// `journalctl -o json`, `json-seq`, `json-pretty`, `json-sse`.
    JournalJson,
    /// Native journal files (`*.journal`, `*.journal~`).
    JournalFile,
    /// `last` text output (util-linux and wtmpdb layouts).
    Last,
    /// Binary utmp/wtmp/btmp records.
    Wtmp,
    /// wtmpdb's SQLite database (`/var/lib/wtmpdb/wtmp.db`, Debian 13 / PVE 9).
    Wtmpdb,
    /// Snapshot command outputs (`qm list`, `/proc/meminfo`, `df`, `zpool status`…); the
    /// variant names the command.
    Snapshot,
    /// KubeVirt component logs (virt-launcher, virt-handler…): JSON lines.
    KubeVirt,
    /// A BMC's system event log as `ipmitool sel list`/`elist` prints it.
    Sel,
    /// The Proxmox VE task lists (`/var/log/pve/tasks/index`, `active`): UPIDs with their end
    /// and status.
    PveTaskIndex,
    /// A Proxmox VE task log (`/var/log/pve/tasks/<H>/<UPID>`): a worker's output and status.
    PveTaskLog,
    /// A per-VM vzdump log (`/var/log/vzdump/qemu-101.log`, `vzdump-qemu-101-….log`).
    Vzdump,
    /// Pasted log lines without timestamps (bare kernel lines, `ident[pid]: msg`, `(XEN) …`):
    /// undated events in file order.
    Fragment,
    /// Files a collection keeps for the reader (named so in its manifest): every line is a
    /// context line, none is unparsed.
    Context,
    /// Content pvelog does not recognize (yet); every line is counted as unparsed.
    Unrecognized,
}

impl FormatKind {
    /// The name used on the command line and in outputs.
    pub fn as_str(self) -> &'static str {
        spec(self).name
    }

    /// Parses a name given on the command line.
    pub fn from_name(name: &str) -> Option<FormatKind> {
        REGISTRY.iter().find(|s| s.name == name).map(|s| s.kind)
    }
}

/// What became of the lines of one source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineStats {
    /// Lines in the member.
    pub lines: u64,
    /// Lines that are part of an event (first lines and continuation lines).
    pub event_lines: u64,
    /// Banner and separator lines (journalctl `-- Boot … --` and the like).
    pub banner_lines: u64,
    /// Empty or white-space-only lines.
    pub blank_lines: u64,
    /// Lines that fit no record of the format.
    pub unparsed_lines: u64,
    /// Lines that produced a [`Fact`] or belong to one (a table header, a config line) without
    /// being an event.
    pub fact_lines: u64,
    /// Lines of a context file (named so by the bundle's manifest): kept for the reader, not
    /// parsed, not unparsed.
    pub context_lines: u64,
}

impl LineStats {
    /// Whether every line is accounted for.
    pub fn balanced(&self) -> bool {
        self.event_lines
            + self.banner_lines
            + self.blank_lines
            + self.unparsed_lines
            + self.fact_lines
            + self.context_lines
            == self.lines
    }
}

/// An unparsed line kept as an example for `pvelog sources`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnparsedExample {
    /// 1-based line number.
    pub line: u32,
    /// The line, lossily decoded and cut to [`EXAMPLE_CHARS`] characters.
    pub text: String,
}

/// How many unparsed lines are kept as examples per source.
pub const MAX_EXAMPLES: usize = 5;
/// How many characters of an unparsed line an example keeps.
pub const EXAMPLE_CHARS: usize = 160;

/// A boot boundary seen in a source (a journalctl boot banner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootMark<'b> {
    /// The 32-hex-digit boot id, when the banner names one (`-- Boot <id> --`).
    pub boot_id: Option<&'b [u8]>,
    /// 1-based line of the banner.
    pub line: u32,
}

/// Evidence that a boot ended without a clean shutdown, found in how a source was left
/// (a journal file still ONLINE, a `*.journal~` file, a truncated tail).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UncleanEvidence {
    /// The boot the evidence ends, when known (32 hex digits).
    pub boot_id: Option<String>,
    /// Byte offset in the member, when the evidence is at one place.
    pub offset: Option<u64>,
    /// What was seen.
    pub reason: String,
}

/// A problem with one line that the analyst should hear about (not merely an unparsed line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineProblem {
    /// Byte offset of the line in the member.
    pub offset: u64,
    /// 1-based line number.
    pub line: u32,
    /// What is wrong.
    pub reason: String,
}

impl LineProblem {
    /// A line longer than `--max-line-bytes`: it is not parsed.
    pub fn long_line(offset: u64, line: u32, len: usize, max_line: usize) -> LineProblem {
        LineProblem {
            offset,
            line,
            reason: format!(
                "line is {len} bytes, over the {max_line}-byte limit (raise it with {})",
                LimitKind::LineBytes.flag()
            ),
        }
    }

    /// A journal entry with more fields than `--max-entry-fields`: `kept` were read, `dropped`
    /// were not.
    pub fn field_cap(offset: u64, line: u32, kept: usize, dropped: u64) -> LineProblem {
        LineProblem {
            offset,
            line,
            reason: format!(
                "entry has {} fields, over the limit of {kept} (raise it with {}): the rest are not read",
                kept as u64 + dropped,
                LimitKind::EntryFields.flag()
            ),
        }
    }
}

/// The result of parsing one member.
#[derive(Clone, Debug)]
pub struct Parsed<'b> {
    /// The format the member was parsed as.
    pub kind: FormatKind,
    /// The specific variant seen most (`syslog-rfc3164`, `journal-short-iso`, `dmesg-ctime`…).
    pub variant: &'static str,
    /// The records, in source order.
    pub events: Vec<Event<'b>>,
    /// Boot boundaries, in source order.
    pub boots: Vec<BootMark<'b>>,
    /// Line accounting.
    pub stats: LineStats,
    /// The first few unparsed lines.
    pub unparsed_examples: Vec<UnparsedExample>,
    /// Lines (or, in binary sources, byte ranges) that could not be read.
    pub problems: Vec<LineProblem>,
    /// Whether the source is binary (journal files): records have no line, only an offset.
    pub binary: bool,
    /// Evidence of an unclean stop that the source's state shows.
    pub unclean: Vec<UncleanEvidence>,
    /// What the parser wants the analyst to know about the source as a whole (file state,
    /// salvage counts).
    pub notes: Vec<String>,
    /// Typed facts the source states (`last` sessions, snapshot values), in source order.
    pub facts: Vec<Fact>,
    /// The line number just after the last line that went into an event.
    after_event_line: u32,
}

impl<'b> Parsed<'b> {
    /// Nothing parsed yet, as `kind`: a placeholder until the member is parsed.
    pub fn empty(kind: FormatKind) -> Self {
        Parsed::new(kind)
    }

    fn new(kind: FormatKind) -> Self {
        Parsed {
            kind,
            variant: kind.as_str(),
            events: Vec::new(),
            boots: Vec::new(),
            stats: LineStats::default(),
            unparsed_examples: Vec::new(),
            problems: Vec::new(),
            binary: false,
            unclean: Vec::new(),
            notes: Vec::new(),
            facts: Vec::new(),
            after_event_line: 0,
        }
    }

    /// Records a new event; it belongs to the current boot segment.
    pub fn push_event(&mut self, mut event: Event<'b>) {
        self.stats.event_lines += u64::from(event.lines);
        event.boot = self.boots.len() as u32;
        self.after_event_line = event.line + event.lines.max(1);
        self.events.push(event);
    }

    /// Attaches `text` (indentation already removed) to the last event as a continuation line.
    /// Returns `false`, and does nothing, when there is no event to attach to.
    pub fn push_continuation(&mut self, text: &[u8]) -> bool {
        match self.events.last_mut() {
            Some(last) => {
                last.push_continuation(text);
                self.stats.event_lines += 1;
                self.after_event_line += 1;
                true
            }
            None => false,
        }
    }

    /// Whether the last line handed to the parser became (part of) an event, so that an
    /// indented line after it can continue it.
    pub fn last_line_was_event(&self, line: &Line<'_>) -> bool {
        !self.events.is_empty() && self.after_event_line == line.number
    }

    /// Starts a new boot segment without a banner line (dmesg whose uptime went back).
    pub fn start_boot_segment(&mut self, line: u32) {
        self.boots.push(BootMark {
            boot_id: None,
            line,
        });
    }

    /// Records a banner or separator line; a boot banner starts a new boot segment.
    pub fn push_banner(&mut self, boot: Option<BootMark<'b>>) {
        self.stats.banner_lines += 1;
        if let Some(mark) = boot {
            self.boots.push(mark);
        }
    }

    /// Records an unparsed line.
    pub fn push_unparsed(&mut self, line: &Line<'_>) {
        self.stats.unparsed_lines += 1;
        if self.unparsed_examples.len() < MAX_EXAMPLES {
            // Cut before decoding: a 1 MiB line must not be decoded whole for 160 characters.
            let head = &line.text[..line.text.len().min(EXAMPLE_CHARS * 4)];
            let text: String = String::from_utf8_lossy(head)
                .chars()
                .take(EXAMPLE_CHARS)
                .collect();
            self.unparsed_examples.push(UnparsedExample {
                line: line.number,
                text,
            });
        }
    }
}

/// A format's line-by-line parser.
pub trait LineParser<'b> {
    /// Looks at the whole member once before the lines are handed over (framing decisions that
    /// one line cannot make). Does nothing by default.
    fn prepare(&mut self, _data: &'b [u8]) {}

    /// Handles one non-blank line that is within the length limit.
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>);

    /// Called once after the last line: a record still open (cut off by the end of the input)
    /// is settled here. Does nothing by default.
    fn finish(&mut self, _out: &mut Parsed<'b>) {}

    /// The variant name to report, once every line was seen.
    fn variant(&self) -> &'static str;
}

/// The variant name seen most often, given per-variant counts (ties go to the earlier name;
/// no records at all gives the first).
pub fn most_seen<const N: usize>(counts: &[u64; N], names: &[&'static str; N]) -> &'static str {
    let best = (0..N).max_by_key(|&i| (counts[i], usize::MAX - i));
    best.map_or(names.first().copied().unwrap_or(""), |i| names[i])
}

/// How a format is recognized ([`detect`] walks [`REGISTRY`] in order).
#[derive(Clone, Copy)]
pub enum Detect {
    /// A signature of the whole member (magic bytes, the shape of the first record), checked
    /// first, in table order: `(path, head, data)`.
    Signature(fn(&str, &[u8], &[u8]) -> bool),
    /// Scored line by line over the first lines: the line formats share line shapes, so
    /// [`detect`] weighs their scores against each other.
    Lines,
    /// Checked, in table order, when no line format recognized a line: `head`.
    Fallback(fn(&[u8]) -> bool),
    /// Chosen when nothing else fits.
    Never,
}

/// One supported format: its kind, how it is detected and how it is parsed.
pub struct FormatSpec {
    /// The kind.
    pub kind: FormatKind,
    /// The name used on the command line and in outputs.
    pub name: &'static str,
    /// How it is recognized.
    pub detect: Detect,
    /// Its parser.
    pub parse: for<'b> fn(&'b [u8], &Limits) -> Parsed<'b>,
}

impl std::fmt::Debug for FormatSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormatSpec")
            .field("name", &self.name)
            .finish()
    }
}

/// Every format pvelog reads, in detection order: a new format is one row here, one file in this
/// folder, a fuzz target and a conformance test (ARCHITECTURE.md).
pub const REGISTRY: &[FormatSpec] = &[
    FormatSpec {
        kind: FormatKind::JournalFile,
        name: "journal-file",
        detect: Detect::Signature(|_, head, _| journal_file::recognizes(head)),
        parse: |data, limits| whole(FormatKind::JournalFile, data, limits, journal_file::parse),
    },
    FormatSpec {
        kind: FormatKind::JournalJson,
        name: "journal-json",
        detect: Detect::Signature(|_, head, _| journal_json::recognizes(head)),
        parse: |data, limits| {
            whole(FormatKind::JournalJson, data, limits, |d, l, o| {
                journal_json::parse(d, o, l)
            })
        },
    },
    FormatSpec {
        kind: FormatKind::DmesgJson,
        name: "dmesg-json",
        detect: Detect::Signature(|_, head, _| dmesg_json::recognizes(head)),
        parse: |data, limits| {
            drive(
                FormatKind::DmesgJson,
                data,
                limits,
                dmesg_json::Parser::default(),
            )
        },
    },
    FormatSpec {
        kind: FormatKind::JournalExport,
        name: "journal-export",
        detect: Detect::Signature(|_, head, _| journal_export::recognizes(head)),
        parse: |data, limits| {
            whole(FormatKind::JournalExport, data, limits, |d, l, o| {
                journal_export::parse(d, o, l)
            })
        },
    },
    FormatSpec {
        kind: FormatKind::JournalVerbose,
        name: "journal-verbose",
        detect: Detect::Signature(|_, head, _| journal_verbose::recognizes(head)),
        parse: |data, limits| {
            whole(
                FormatKind::JournalVerbose,
                data,
                limits,
                journal_verbose::parse,
            )
        },
    },
    FormatSpec {
        kind: FormatKind::PveTaskLog,
        name: "pve-task-log",
        detect: Detect::Signature(|path, _, data| pve_task_log::recognizes(path, data)),
        parse: |data, limits| {
            drive(
                FormatKind::PveTaskLog,
                data,
                limits,
                pve_task_log::Parser::default(),
            )
        },
    },
    FormatSpec {
        kind: FormatKind::Wtmpdb,
        name: "wtmpdb",
        detect: Detect::Signature(|_, _, data| wtmpdb::recognizes(data)),
        parse: |data, limits| {
            whole(FormatKind::Wtmpdb, data, limits, |d, _, o| {
                wtmpdb::parse(d, o)
            })
        },
    },
    FormatSpec {
        kind: FormatKind::Wtmp,
        name: "wtmp",
        detect: Detect::Signature(|path, _, data| wtmp::recognizes(path, data)),
        parse: |data, limits| whole(FormatKind::Wtmp, data, limits, |d, _, o| wtmp::parse(d, o)),
    },
    FormatSpec {
        kind: FormatKind::Syslog,
        name: "syslog",
        detect: Detect::Lines,
        parse: |data, limits| drive(FormatKind::Syslog, data, limits, syslog::Parser::default()),
    },
    FormatSpec {
        kind: FormatKind::Dmesg,
        name: "dmesg",
        detect: Detect::Lines,
        parse: |data, limits| drive(FormatKind::Dmesg, data, limits, dmesg::Parser::default()),
    },
    FormatSpec {
        kind: FormatKind::JournalText,
        name: "journal-text",
        detect: Detect::Lines,
        parse: |data, limits| {
            drive(
                FormatKind::JournalText,
                data,
                limits,
                journal_text::Parser::default(),
            )
        },
    },
    FormatSpec {
        kind: FormatKind::Last,
        name: "last",
        detect: Detect::Fallback(last::recognizes),
        parse: last::parse,
    },
    FormatSpec {
        kind: FormatKind::Snapshot,
        name: "snapshot",
        detect: Detect::Fallback(snapshot::recognizes),
        parse: snapshot::parse,
    },
    FormatSpec {
        kind: FormatKind::KubeVirt,
        name: "kubevirt",
        detect: Detect::Fallback(kubevirt::recognizes),
        parse: |data, limits| drive(FormatKind::KubeVirt, data, limits, kubevirt::Parser),
    },
    FormatSpec {
        kind: FormatKind::Sel,
        name: "sel",
        detect: Detect::Fallback(sel::recognizes),
        parse: |data, limits| drive(FormatKind::Sel, data, limits, sel::Parser::default()),
    },
    FormatSpec {
        kind: FormatKind::PveTaskIndex,
        name: "pve-task-index",
        detect: Detect::Fallback(pve_task_index::recognizes),
        parse: |data, limits| {
            drive(
                FormatKind::PveTaskIndex,
                data,
                limits,
                pve_task_index::Parser::default(),
            )
        },
    },
    FormatSpec {
        kind: FormatKind::Vzdump,
        name: "vzdump",
        detect: Detect::Fallback(vzdump::recognizes),
        parse: |data, limits| drive(FormatKind::Vzdump, data, limits, vzdump::Parser::default()),
    },
    FormatSpec {
        kind: FormatKind::Fragment,
        name: "fragment",
        detect: Detect::Fallback(fragment::recognizes),
        parse: |data, limits| {
            drive(
                FormatKind::Fragment,
                data,
                limits,
                fragment::Parser::default(),
            )
        },
    },
    FormatSpec {
        kind: FormatKind::Context,
        name: "context",
        detect: Detect::Never,
        parse: |data, limits| drive(FormatKind::Context, data, limits, context::Parser),
    },
    FormatSpec {
        kind: FormatKind::Unrecognized,
        name: "unrecognized",
        detect: Detect::Never,
        parse: |data, limits| drive(FormatKind::Unrecognized, data, limits, Unrecognized),
    },
];

/// The registry row of `kind`.
pub fn spec(kind: FormatKind) -> &'static FormatSpec {
    REGISTRY
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or(&REGISTRY[REGISTRY.len() - 1])
}

/// Parses `data` as `kind`. Lines longer than `limits.max_line_bytes` are counted as unparsed
/// and reported as problems (naming the flag that raises the limit) rather than parsed.
pub fn parse<'b>(kind: FormatKind, data: &'b [u8], limits: &Limits) -> Parsed<'b> {
    (spec(kind).parse)(data, limits)
}

/// [`parse`], keeping as undated events the lines of a snapshot member (a terminal session's
/// command output) that no section reads but for which `states` holds: the caller's test for a
/// line worth reading, which this layer cannot make itself (the signal table sits above it).
pub fn parse_keeping<'b>(
    kind: FormatKind,
    data: &'b [u8],
    limits: &Limits,
    states: &dyn Fn(&[u8]) -> bool,
) -> Parsed<'b> {
    match kind {
        FormatKind::Snapshot => snapshot::parse_keeping(data, limits, states),
        _ => parse(kind, data, limits),
    }
}

/// Runs a parser that reads the whole member itself (the journal encodings are not line-based).
fn whole<'b>(
    kind: FormatKind,
    data: &'b [u8],
    limits: &Limits,
    parser: fn(&'b [u8], &Limits, &mut Parsed<'b>),
) -> Parsed<'b> {
    let mut out = Parsed::new(kind);
    parser(data, limits, &mut out);
    debug_assert!(out.stats.balanced(), "{:?}", out.stats);
    out
}

/// `Parsed::new` for parsers outside this module's driver (tests, benches).
pub fn parsed_for<'b>(kind: FormatKind) -> Parsed<'b> {
    Parsed::new(kind)
}

fn drive<'b, P: LineParser<'b>>(
    kind: FormatKind,
    data: &'b [u8],
    limits: &Limits,
    mut parser: P,
) -> Parsed<'b> {
    let max_line = limits.max_line_bytes;
    let mut out = Parsed::new(kind);
    parser.prepare(data);
    for line in Lines::new(data) {
        out.stats.lines += 1;
        if line.text.len() > max_line {
            out.problems.push(LineProblem::long_line(
                line.offset,
                line.number,
                line.text.len(),
                max_line,
            ));
            out.push_unparsed(&line);
        } else if is_blank(line.text) {
            out.stats.blank_lines += 1;
        } else {
            parser.line(line, &mut out);
        }
    }
    parser.finish(&mut out);
    out.variant = parser.variant();
    debug_assert!(out.stats.balanced(), "{:?}", out.stats);
    out
}

/// The parser for content nobody recognized: every line is unparsed.
struct Unrecognized;

impl<'b> LineParser<'b> for Unrecognized {
    fn line(&mut self, line: Line<'b>, out: &mut Parsed<'b>) {
        out.push_unparsed(&line);
    }

    fn variant(&self) -> &'static str {
        FormatKind::Unrecognized.as_str()
    }
}

/// How many bytes of a member detection looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;
/// How many non-blank lines detection scores.
const SNIFF_LINES: usize = 200;

/// Detects a member's format from its first lines.
///
/// Each candidate format scores the lines it recognizes; the best score wins. journalctl text
/// and syslog share line shapes (`Jul 29 09:56:40 pve1 systemd[1]: …`), so a journalctl-only
/// mark (a boot banner, a zero-padded day below 10, a `+0200` offset without a colon, a
/// `short-full` weekday) tips a tie towards journal text. `path` is only a tie-breaker.
pub fn detect(path: &str, data: &[u8]) -> FormatKind {
    let head = &data[..data.len().min(SNIFF_BYTES)];
    for spec in REGISTRY {
        if let Detect::Signature(recognizes) = spec.detect
            && recognizes(path, head, data)
        {
            return spec.kind;
        }
    }
    if looks_binary(head) {
        return FormatKind::Unrecognized;
    }
    let (mut syslog, mut dmesg, mut journal, mut journal_marks) = (0u32, 0u32, 0u32, 0u32);
    for line in Lines::new(head)
        .filter(|l| !is_blank(l.text))
        .take(SNIFF_LINES)
    {
        // A NUL run before a record (a log left unwritten by an unclean stop) hides nothing.
        let nuls = line.text.iter().take_while(|&&b| b == 0).count();
        if syslog::recognizes(&line.text[nuls..]) {
            syslog += 1;
        }
        if dmesg::recognizes(line.text) {
            dmesg += 1;
        }
        match journal_text::recognizes(line.text) {
            journal_text::Recognized::No => {}
            journal_text::Recognized::Shared => journal += 1,
            journal_text::Recognized::Distinct => {
                journal += 1;
                journal_marks += 1;
            }
        }
    }
    if syslog == 0 && dmesg == 0 && journal == 0 {
        return REGISTRY
            .iter()
            .find(|spec| matches!(spec.detect, Detect::Fallback(recognizes) if recognizes(head)))
            .map_or(FormatKind::Unrecognized, |spec| spec.kind);
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let journal_hint = name.contains("journal");
    let dmesg_hint = name.contains("dmesg") || name.contains("kmsg");
    let journal_score = journal * 2 + journal_marks * 3 + u32::from(journal_hint);
    let syslog_score = syslog * 2 + u32::from(!journal_hint && !dmesg_hint);
    let dmesg_score = dmesg * 2 + u32::from(dmesg_hint);
    if dmesg_score > syslog_score && dmesg_score > journal_score {
        FormatKind::Dmesg
    } else if journal_score > syslog_score {
        FormatKind::JournalText
    } else {
        FormatKind::Syslog
    }
}

/// The host name of the first shell prompt among the first lines (a pasted `root@pve1:~# …`).
/// A prompt whose command reads another machine (`ipmitool -H 10.1.9.13 sel elist` from a jump
/// host, `ssh pve1 journalctl`) names where the command ran, not what its output is about: no
/// name then.
pub fn prompt_hostname_in(data: &[u8]) -> Option<String> {
    let head = &data[..data.len().min(SNIFF_BYTES)];
    let line = Lines::new(head)
        .take(SNIFF_LINES)
        .find(|l| common::prompt_hostname(l.text).is_some())?;
    if common::prompt_command(line.text).is_some_and(runs_elsewhere) {
        return None;
    }
    common::prompt_hostname(line.text).map(|h| String::from_utf8_lossy(h).into_owned())
}

/// Whether a pasted command reads another machine: a remote shell, or a tool pointed at a host
/// (`ipmitool -H`, `-I lanplus`).
fn runs_elsewhere(command: &[u8]) -> bool {
    let words: Vec<&[u8]> = command
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    // The tool past `sudo` and its options (`sudo -u ops ssh …`).
    let mut rest = words.iter().copied().skip_while(|w| *w == b"sudo");
    let mut tool = rest.next();
    while let Some(w) = tool.filter(|w| w.starts_with(b"-")) {
        // An option that takes a value (`-u ops`) skips it too.
        if matches!(w, b"-u" | b"-g" | b"-h" | b"-C") {
            rest.next();
        }
        tool = rest.next();
    }
    let tool = tool.map(|w| w.rsplit(|&b| b == b'/').next().unwrap_or(w));
    let second = rest.next();
    matches!(tool, Some(b"ssh" | b"pdsh" | b"clush" | b"lxc-attach"))
        // Inside a guest: `pct exec 101 -- journalctl`, `qm guest exec 101 …`.
        || tool == Some(b"pct") && second == Some(b"exec")
        || tool == Some(b"qm") && second == Some(b"guest")
        || tool == Some(b"ipmitool")
            && words.iter().any(|w| {
                w.starts_with(b"-H") || w.starts_with(b"-Ilan") || *w == b"lanplus" || *w == b"lan"
            })
}

/// Whether the head looks like binary data (journal files, wtmp, compressed data we could not
/// open): more than a tenth of its first bytes are NUL.
fn looks_binary(head: &[u8]) -> bool {
    // A log that starts with a NUL run (a preallocated or copy-truncated file after an unclean
    // stop) is still text: look past the run, then at how many NULs the text itself holds.
    let start = head.iter().position(|&b| b != 0).unwrap_or(head.len());
    let first = &head[start..head.len().min(start + 512)];
    let nuls = first.iter().filter(|&&b| b == 0).count();
    nuls * 10 > first.len()
}

/// Checks what every parse of `data` must hold, whatever the bytes (the property tests and the
/// fuzz targets assert it): every line is accounted for; every event lies inside the input, on
/// lines that exist; every text an event borrows is borrowed from the input; every recorded time
/// is one RFC 3339 can write; every problem's offset is inside the input. The first violation is
/// returned.
pub fn check_invariants(data: &[u8], parsed: &Parsed<'_>) -> Result<(), String> {
    use crate::event::{Bytes, RecordedTime};
    use chrono::Datelike;
    let stats = &parsed.stats;
    if !stats.balanced() {
        return Err(format!("line statistics do not add up: {stats:?}"));
    }
    let len = data.len() as u64;
    // A binary source counts its records (wtmp) or nothing (journal files) as lines.
    if !parsed.binary && stats.lines != crate::framing::count_lines(data) {
        return Err(format!(
            "{} lines counted, the input has {}",
            stats.lines,
            crate::framing::count_lines(data)
        ));
    }
    let inside = |s: &[u8]| {
        let start = data.as_ptr() as usize;
        let at = s.as_ptr() as usize;
        s.is_empty() || (at >= start && at + s.len() <= start + data.len())
    };
    for (i, e) in parsed.events.iter().enumerate() {
        let what = || format!("event {i} (line {}, offset {})", e.line, e.offset);
        if e.offset >= len.max(1) {
            return Err(format!("{} starts past the input's {len} bytes", what()));
        }
        if !parsed.binary {
            let last = u64::from(e.line) + u64::from(e.lines.max(1)) - 1;
            if e.line == 0 || last > stats.lines {
                return Err(format!(
                    "{} spans lines past the input's {}",
                    what(),
                    stats.lines
                ));
            }
        }
        let borrowed_message = match &e.message {
            Bytes::Borrowed(m) => Some(*m),
            _ => None,
        };
        for (name, text) in [
            ("time text", Some(e.time_text)),
            ("host name", e.hostname),
            ("message", borrowed_message),
        ] {
            if text.is_some_and(|t| !inside(t)) {
                return Err(format!(
                    "{}: its {name} is not borrowed from the input",
                    what()
                ));
            }
        }
        let year = match e.recorded {
            RecordedTime::Absolute(t) => Some(t.year()),
            RecordedTime::Local(t) => Some(t.year()),
            RecordedTime::Yearless { month, day, .. } => {
                if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
                    return Err(format!("{}: impossible month {month} day {day}", what()));
                }
                None
            }
            RecordedTime::Monotonic { .. } | RecordedTime::Missing => None,
        };
        if year.is_some_and(|y| !(0..=9999).contains(&y)) {
            return Err(format!("{}: year {year:?} out of range", what()));
        }
    }
    if let Some(p) = parsed.problems.iter().find(|p| p.offset > len) {
        return Err(format!(
            "problem at offset {} past the input's {len} bytes: {}",
            p.offset, p.reason
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pasted command that reads another machine says nothing of the prompt's machine.
    #[test]
    fn commands_that_read_another_machine() {
        for command in [
            &b"ipmitool -I lanplus -H 10.1.9.13 -U ADMIN -E sel elist"[..],
            b"ipmitool -H10.1.9.13 sel list",
            b"ssh pve1 journalctl -b -1",
            b"sudo -u ops ssh pve2 dmesg",
            b"pct exec 101 -- journalctl -b",
            b"qm guest exec 101 -- dmesg",
        ] {
            assert!(
                runs_elsewhere(command),
                "{}",
                String::from_utf8_lossy(command)
            );
        }
        for command in [
            &b"ipmitool sel elist"[..],
            b"journalctl -b -1",
            b"sudo dmesg -T",
            b"qm status 101 --verbose",
        ] {
            assert!(
                !runs_elsewhere(command),
                "{}",
                String::from_utf8_lossy(command)
            );
        }
        assert_eq!(
            prompt_hostname_in(b"root@jump01:~# ipmitool -I lanplus -H 10.1.9.13 sel elist\n"),
            None
        );
        assert_eq!(
            prompt_hostname_in(b"root@pve1:~# ipmitool sel elist\n").as_deref(),
            Some("pve1")
        );
    }
}
