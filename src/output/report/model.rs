//! The report's content, once, for every format: a plain owned tree built from the analysis and
//! its diagnosis, which the JSON renderer serializes as it is and the Markdown and HTML
//! renderers lay out.
//!
//! Nothing here decides anything: the verdict, the times, the reconstruction and the evidence
//! are the diagnosis's; the timeline excerpt, the resource tables, the boots, the clock fixes
//! and the coverage are the analysis's, copied into owned strings (so the whole tree can be
//! redacted as one value, and read back by tests). The keys are the report JSON's contract
//! (`docs/report-schema.md`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::diagnose::Diagnosis;
use crate::event::rfc3339;
use crate::evidence::Evidence;
use crate::facts::FactKind;

/// The version of the report JSON's layout.
pub const SCHEMA_VERSION: u32 = 1;

/// Half-width of the timeline excerpt around the incident, unless `--window` says otherwise.
pub const EXCERPT_HALF_WIDTH: Duration = Duration::minutes(15);

/// Most records in the timeline excerpt.
pub const EXCERPT_MAX: usize = 400;

/// A pause in a source's dated records at least this long is listed as a gap.
pub const GAP: Duration = Duration::hours(1);

/// Most gaps listed per source.
pub const MAX_GAPS: usize = 10;

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The layout version.
    pub schema_version: u32,
    /// Where the report came from: inputs and their hashes, pvelog's version, the flags.
    pub provenance: Provenance,
    /// The verdict.
    pub verdict: Verdict,
    /// The second strongest family.
    pub runner_up: Option<RunnerUp>,
    /// What stopped, when, where.
    pub incident: IncidentSummary,
    /// The runbook's reconstruction.
    pub reconstruction: Reconstruction,
    /// The records around the incident, host and guest.
    pub timeline: Excerpt,
    /// Every finding with its evidence.
    pub findings: Vec<Finding>,
    /// Snapshot numbers: memory, disks, pools, temperatures.
    pub resources: Resources,
    /// Boots per machine.
    pub boots: Vec<MachineBoots>,
    /// Clock decisions: the reference time and each machine's offset.
    pub clock: Clock,
    /// Each source and what it covers.
    pub sources: Vec<SourceCoverage>,
    /// The runbook's actions for the verdict.
    pub actions: Vec<String>,
    /// Escalation criteria that hold.
    pub escalate: Vec<String>,
    /// Each VM stop found.
    pub incidents: Vec<Incident>,
    /// Pseudonyms used, when the report was redacted.
    pub redaction: Option<Redaction>,
}

/// Where the report came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `pvelog x.y.z`.
    pub pvelog_version: String,
    /// The arguments given (the INPUTs by name, the flags as written).
    pub arguments: Vec<String>,
    /// Each INPUT with its SHA-256.
    pub inputs: Vec<InputHash>,
}

/// One INPUT's hash: a file's own, or each file's below a directory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InputHash {
    /// The INPUT as given.
    pub input: String,
    /// `file`, `directory` or `stdin`.
    pub kind: String,
    /// Its size in bytes (a directory: the sum of its files).
    pub bytes: u64,
    /// SHA-256 of a file or of stdin, lowercase hex; `None` for a directory.
    pub sha256: Option<String>,
    /// A directory's files, each with its hash.
    pub files: Vec<FileHash>,
}

/// One file below a directory INPUT.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileHash {
    /// The path below the INPUT, `/`-separated.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// The verdict (as `diagnose` gives it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The family.
    pub family: String,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// What stopped.
    pub outcome: String,
    /// One paragraph.
    pub summary: String,
    /// RFC 3339 UTC.
    pub incident_time: Option<String>,
    /// `[last record, next boot]` where no record marks the moment.
    pub incident_time_bound: Option<[String; 2]>,
    /// The VMs affected.
    pub affected_vms: Vec<u32>,
}

/// The runner-up family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunnerUp {
    /// Its family.
    pub family: String,
    /// Its confidence.
    pub confidence: f64,
}

/// What stopped, when, where.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    /// The verdict's outcome.
    pub outcome: String,
    /// When.
    pub time: Option<String>,
    /// The VMs.
    pub vms: Vec<u32>,
    /// The machine that wrote the trigger.
    pub machine: Option<String>,
    /// Its role.
    pub role: Option<String>,
    /// The trigger's signal.
    pub trigger: Option<String>,
}

/// A cited record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// RFC 3339 UTC.
    pub time: Option<String>,
    /// The source path.
    pub source: String,
    /// 1-based line, `None` in binary sources.
    pub line: Option<u32>,
    /// Byte offset.
    pub offset: u64,
    /// The record as it stands.
    pub text: String,
    /// Other places it was seen.
    pub also_seen: Vec<Seen>,
}

/// Another place a record was seen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    /// The source path.
    pub source: String,
    /// 1-based line.
    pub line: Option<u32>,
    /// Byte offset.
    pub offset: u64,
}

impl Record {
    fn of(e: &Evidence) -> Record {
        Record {
            time: e.time.clone(),
            source: e.source.clone(),
            line: e.line,
            offset: e.offset,
            text: e.text.clone(),
            also_seen: e
                .also_seen
                .iter()
                .map(|s| Seen {
                    source: s.source.clone(),
                    line: s.line,
                    offset: s.offset,
                })
                .collect(),
        }
    }

    /// Where it stands: `path:line`, or `path@offset` in a binary source.
    pub fn place(&self) -> String {
        place(&self.source, self.line, self.offset)
    }
}

/// `path:line`, or `path@offset` when there is no line.
pub fn place(source: &str, line: Option<u32>, offset: u64) -> String {
    match line {
        Some(l) => format!("{source}:{l}"),
        None => format!("{source}@{offset}"),
    }
}

/// One step of the reconstruction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The signal.
    pub kind: String,
    /// The role of the machine.
    pub role: String,
    /// The machine.
    pub machine: String,
    /// The record.
    #[serde(flatten)]
    pub record: Record,
}

/// The runbook's reconstruction (as `diagnose` gives it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reconstruction {
    /// What was running.
    pub activities: Vec<Step>,
    /// When pressure started.
    pub pressure_start: Option<String>,
    /// The first warning.
    pub pressure: Option<Step>,
    /// The trigger.
    pub trigger: Option<Step>,
    /// `recovered`, `not_recovered`, `not_applicable`, `unknown`.
    pub recovery: String,
    /// When the VM ran again.
    pub recovered_at: Option<String>,
    /// The record that shows it.
    pub recovered_by: Option<Step>,
    /// Seconds down.
    pub downtime_s: Option<f64>,
}

impl Reconstruction {
    /// Said when nothing was logged as running before the trigger.
    pub const NO_ACTIVITY: &'static str = "Running before the trigger: nothing logged.";
    /// Said when no warning preceded the trigger.
    pub const NO_PRESSURE: &'static str = "Pressure: no memory, disk or thermal warning logged.";

    /// The sentence for a recovery no record shows (`None` when `recovered_by` shows it): the
    /// one wording every report format prints.
    pub fn unrecorded_recovery(&self) -> Option<&'static str> {
        if self.recovered_by.is_some() {
            return None;
        }
        Some(match self.recovery.as_str() {
            "not_recovered" => "Recovery: none within the logs.",
            "not_applicable" => "Recovery: not needed, nothing stopped.",
            _ => "Recovery: unknown.",
        })
    }
}

/// The records around the incident.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Excerpt {
    /// Start of the window.
    pub since: Option<String>,
    /// End of the window.
    pub until: Option<String>,
    /// The records, in timeline order (each record once: its primary copy).
    pub events: Vec<ExcerptEvent>,
    /// Records in the window beyond [`EXCERPT_MAX`].
    pub left_out: usize,
}

/// One record of the excerpt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExcerptEvent {
    /// RFC 3339 UTC.
    pub time: Option<String>,
    /// host, guest or unknown.
    pub role: String,
    /// The machine.
    pub machine: String,
    /// The source path.
    pub source: String,
    /// 1-based line.
    pub line: Option<u32>,
    /// Byte offset.
    pub offset: u64,
    /// Syslog priority.
    pub priority: Option<u8>,
    /// `ident[pid]`.
    pub ident: Option<String>,
    /// The message.
    pub message: String,
    /// Whether a finding cites it.
    pub evidence: bool,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The family.
    pub family: String,
    /// Its confidence.
    pub confidence: f64,
    /// One line.
    pub title: String,
    /// The records.
    pub evidence: Vec<Record>,
    /// How a VM named only by its process id was named (`pid 2613 is VM 101's kvm: …`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identified: Vec<String>,
    /// What argues against.
    pub against: Vec<String>,
    /// What is missing.
    pub missing: Vec<String>,
    /// The runbook's actions.
    pub recommendations: Vec<String>,
}

/// Snapshot numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// MemTotal per machine (`/proc/meminfo`, else `free`).
    pub memory: Vec<MemTotal>,
    /// Configured VM memory (`qm config`, else `qm list`).
    pub vms: Vec<VmMemory>,
    /// Σ configured VM memory, MiB.
    pub vm_memory_total_mib: u64,
    /// File systems (`df`).
    pub disks: Vec<Disk>,
    /// ZFS pools (`zpool status`).
    pub pools: Vec<Pool>,
    /// Temperatures (`sensors`).
    pub temperatures: Vec<Temperature>,
}

/// MemTotal of a machine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemTotal {
    /// The machine.
    pub machine: String,
    /// MiB.
    pub mem_total_mib: u64,
    /// Where it was read.
    pub source: String,
}

/// A VM's configured memory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VmMemory {
    /// The VMID.
    pub vmid: Option<u32>,
    /// Its name.
    pub name: Option<String>,
    /// MiB.
    pub memory_mib: u64,
    /// Where it was read.
    pub source: String,
}

/// One file system.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Disk {
    /// The machine.
    pub machine: String,
    /// The device or dataset.
    pub filesystem: String,
    /// The mount point.
    pub mounted_on: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Used bytes.
    pub used_bytes: u64,
    /// Use, percent.
    pub use_percent: Option<u8>,
}

/// One ZFS pool.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    /// The machine.
    pub machine: String,
    /// The pool.
    pub name: String,
    /// ONLINE, DEGRADED…
    pub state: Option<String>,
    /// The errors line.
    pub errors: Option<String>,
}

/// One temperature.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Temperature {
    /// The machine.
    pub machine: String,
    /// chip / label.
    pub sensor: String,
    /// °C.
    pub celsius: Option<f64>,
    /// The critical threshold.
    pub crit_celsius: Option<f64>,
    /// The alarm flag.
    pub alarm: bool,
}

/// One machine's boots.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineBoots {
    /// The machine.
    pub machine: String,
    /// Its role.
    pub role: String,
    /// Its boots, oldest first.
    pub boots: Vec<Boot>,
}

/// One boot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Boot {
    /// The boot id.
    pub boot_id: Option<String>,
    /// When it started.
    pub start: Option<String>,
    /// When it ended.
    pub end: Option<String>,
    /// clean, unclean, running, unknown.
    pub end_kind: String,
    /// Why.
    pub reason: String,
}

/// Clock decisions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Clock {
    /// The reference time for year inference.
    pub reference_time: Option<String>,
    /// Where it came from.
    pub reference_from: Option<String>,
    /// Each machine.
    pub machines: Vec<MachineClock>,
}

/// One machine's clock.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineClock {
    /// The machine.
    pub machine: String,
    /// Its role.
    pub role: String,
    /// Its VMID.
    pub vmid: Option<u32>,
    /// Its host.
    pub host: Option<String>,
    /// Its clock minus its host's, seconds.
    pub clock_offset_s: Option<f64>,
    /// Whether its records were shifted by it.
    pub aligned: bool,
    /// What showed the offset.
    pub evidence: Vec<String>,
}

/// One source and what it covers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceCoverage {
    /// The path.
    pub path: String,
    /// The format.
    pub format: String,
    /// Its role.
    pub role: String,
    /// Its machine.
    pub machine: String,
    /// Records parsed.
    pub events: usize,
    /// Lines that could not be parsed.
    pub unparsed: u64,
    /// The earliest dated record.
    pub first: Option<String>,
    /// The latest.
    pub last: Option<String>,
    /// Records without a wall-clock time.
    pub undated: usize,
    /// Time fixes applied, with their counts.
    pub time_quality: BTreeMap<String, usize>,
    /// Pauses of an hour or more between dated records.
    pub gaps: Vec<Gap>,
}

/// A pause in a source's records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// The last record before it.
    pub from: String,
    /// The first after it.
    pub to: String,
}

/// A VM stop found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// The VM.
    pub vmid: Option<u32>,
    /// When.
    pub time: Option<String>,
    /// The family of its finding.
    pub family: String,
    /// Its confidence.
    pub confidence: f64,
}

/// The pseudonyms of a redacted report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Redaction {
    /// Each pseudonym's kind and how often it replaced something.
    pub pseudonyms: Vec<Pseudonym>,
}

/// One pseudonym.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pseudonym {
    /// `host-1`, `ip-1`…
    pub name: String,
    /// `host`, `ip`, `mac`, `email`, `user`.
    pub kind: String,
    /// How many times it was replaced.
    pub count: usize,
}

fn step(s: &crate::diagnose::reconstruction::Step) -> Step {
    Step {
        kind: s.kind.to_string(),
        role: s.role.as_str().to_string(),
        machine: s.machine.clone(),
        record: Record::of(&s.evidence),
    }
}

/// Builds the report from the analysis, its diagnosis and the provenance; the timeline excerpt
/// spans `half_width` either side of the incident.
pub fn build(
    analysis: &Analysis<'_>,
    d: &Diagnosis,
    provenance: Provenance,
    half_width: Duration,
) -> Report {
    let v = &d.verdict;
    let r = &d.reconstruction;
    let chosen = d.findings.first().filter(|x| x.family == v.family);
    Report {
        schema_version: SCHEMA_VERSION,
        provenance,
        verdict: Verdict {
            family: v.family.as_str().to_string(),
            confidence: v.confidence,
            outcome: enum_name(&v.outcome),
            summary: v.summary.clone(),
            incident_time: v.incident_time.clone(),
            incident_time_bound: v.incident_time_bound.clone(),
            affected_vms: v.affected_vms.clone(),
        },
        runner_up: d.runner_up.as_ref().map(|r| RunnerUp {
            family: r.family.as_str().to_string(),
            confidence: r.confidence,
        }),
        incident: IncidentSummary {
            outcome: enum_name(&v.outcome),
            time: v.incident_time.clone(),
            vms: v.affected_vms.clone(),
            machine: r.trigger.as_ref().map(|t| t.machine.clone()),
            role: r.trigger.as_ref().map(|t| t.role.as_str().to_string()),
            trigger: r.trigger.as_ref().map(|t| t.kind.to_string()),
        },
        reconstruction: Reconstruction {
            activities: r.activities.iter().map(step).collect(),
            pressure_start: r.pressure_start.clone(),
            pressure: r.pressure.as_ref().map(step),
            trigger: r.trigger.as_ref().map(step),
            recovery: enum_name(&r.recovery),
            recovered_at: r.recovered_at.clone(),
            recovered_by: r.recovered_by.as_ref().map(step),
            downtime_s: r.downtime_s,
        },
        timeline: excerpt(analysis, d, half_width),
        findings: d
            .findings
            .iter()
            .map(|x| Finding {
                family: x.family.as_str().to_string(),
                confidence: x.confidence,
                title: x.title.clone(),
                evidence: x.evidence.iter().map(Record::of).collect(),
                identified: x.identified.clone(),
                against: x.against.clone(),
                missing: x.missing.clone(),
                recommendations: x.recommendations.clone(),
            })
            .collect(),
        resources: resources(analysis),
        boots: analysis
            .boots()
            .iter()
            .map(|m| MachineBoots {
                machine: m.name.clone(),
                role: m.role.as_str().to_string(),
                boots: m
                    .boots
                    .iter()
                    .map(|b| Boot {
                        boot_id: b.boot_id.clone(),
                        start: b.start.as_ref().map(|s| rfc3339(s.time)),
                        end: b.end.map(rfc3339),
                        end_kind: b.end_kind.as_str().to_string(),
                        reason: b.reason.clone(),
                    })
                    .collect(),
            })
            .collect(),
        clock: Clock {
            reference_time: analysis.clock.reference.as_ref().map(|(t, _)| rfc3339(*t)),
            reference_from: analysis.clock.reference.as_ref().map(|(_, f)| f.clone()),
            machines: analysis
                .machines
                .iter()
                .map(|m| MachineClock {
                    machine: m.name.clone(),
                    role: m.role.to_string(),
                    vmid: m.vmid,
                    host: m.host.clone(),
                    clock_offset_s: m.clock_offset_s,
                    aligned: m.aligned,
                    evidence: m.evidence.clone(),
                })
                .collect(),
        },
        sources: coverage(analysis),
        actions: chosen
            .map(|x| x.recommendations.clone())
            .unwrap_or_default(),
        escalate: d.escalate.clone(),
        incidents: d
            .incidents
            .iter()
            .map(|i| Incident {
                vmid: i.vmid,
                time: i.time.clone(),
                family: i.family.as_str().to_string(),
                confidence: i.confidence,
            })
            .collect(),
        redaction: None,
    }
}

/// The snake_case name serde gives a unit enum variant.
fn enum_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The records within `half_width` of the incident (the first [`EXCERPT_MAX`] when the verdict
/// has no time), each once, by its primary copy.
fn excerpt(analysis: &Analysis<'_>, d: &Diagnosis, half_width: Duration) -> Excerpt {
    let at = d
        .verdict
        .incident_time
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let (since, until) = match at {
        Some(t) => (Some(t - half_width), Some(t + half_width)),
        None => (None, None),
    };
    let cited: BTreeSet<(String, u64)> = d
        .findings
        .iter()
        .flat_map(|x| &x.evidence)
        .flat_map(|e| {
            std::iter::once((e.source.clone(), e.offset))
                .chain(e.also_seen.iter().map(|s| (s.source.clone(), s.offset)))
        })
        .collect();
    let mut events = Vec::new();
    let mut left_out = 0;
    for r in &analysis.order {
        let Some(source) = analysis.sources.get(r.source as usize) else {
            continue;
        };
        let Some(event) = source.parsed.events.get(r.event as usize) else {
            continue;
        };
        let inside = match (since, until, event.time) {
            (Some(s), Some(u), Some(t)) => t >= s && t <= u,
            (Some(_), Some(_), None) => false,
            _ => true,
        };
        if !inside {
            continue;
        }
        if analysis.copies(*r).is_some_and(|(p, _)| p != *r) {
            continue;
        }
        if events.len() >= EXCERPT_MAX {
            left_out += 1;
            continue;
        }
        let ident = event.ident.map(|i| {
            let i = String::from_utf8_lossy(i);
            match event.pid {
                Some(pid) => format!("{i}[{pid}]"),
                None => i.into_owned(),
            }
        });
        events.push(ExcerptEvent {
            time: event.time.map(rfc3339),
            role: source.role.as_str().to_string(),
            machine: source.machine.clone(),
            source: source.path.clone(),
            line: (!source.parsed.binary).then_some(event.line),
            offset: event.offset,
            priority: event.priority,
            ident,
            message: String::from_utf8_lossy(&event.message).into_owned(),
            evidence: cited.contains(&(source.path.clone(), event.offset)),
        });
    }
    Excerpt {
        since: since.map(rfc3339),
        until: until.map(rfc3339),
        events,
        left_out,
    }
}

fn resources(analysis: &Analysis<'_>) -> Resources {
    let mut res = Resources::default();
    let mut qm_list = Vec::new();
    for s in &analysis.sources {
        for f in &s.parsed.facts {
            match &f.kind {
                FactKind::MemInfo(m) => {
                    if let Some(kib) = m.mem_total_kib {
                        res.memory.push(MemTotal {
                            machine: s.machine.clone(),
                            mem_total_mib: kib / 1024,
                            source: s.path.clone(),
                        });
                    }
                }
                FactKind::Free(m) => {
                    if let Some(b) = m.mem_total_bytes
                        && !res.memory.iter().any(|x| x.machine == s.machine)
                    {
                        res.memory.push(MemTotal {
                            machine: s.machine.clone(),
                            mem_total_mib: b / (1024 * 1024),
                            source: s.path.clone(),
                        });
                    }
                }
                FactKind::VmConfig(c) => {
                    if let Some(mb) = c.memory_mb {
                        res.vms.push(VmMemory {
                            vmid: c.vmid,
                            name: c.name.clone(),
                            memory_mib: mb,
                            source: s.path.clone(),
                        });
                    }
                }
                FactKind::QmVm(q) => qm_list.push(VmMemory {
                    vmid: Some(q.vmid),
                    name: Some(q.name.clone()),
                    memory_mib: q.mem_mb,
                    source: s.path.clone(),
                }),
                FactKind::Df(df) => res.disks.push(Disk {
                    machine: s.machine.clone(),
                    filesystem: df.filesystem.clone(),
                    mounted_on: df.mounted_on.clone(),
                    size_bytes: df.size_bytes,
                    used_bytes: df.used_bytes,
                    use_percent: df.use_percent,
                }),
                FactKind::Zpool(z) => res.pools.push(Pool {
                    machine: s.machine.clone(),
                    name: z.name.clone(),
                    state: z.state.clone(),
                    errors: z.errors.clone(),
                }),
                FactKind::Sensor(t) => res.temperatures.push(Temperature {
                    machine: s.machine.clone(),
                    sensor: format!("{} / {}", t.chip, t.label),
                    celsius: t.celsius,
                    crit_celsius: t.crit_celsius,
                    alarm: t.alarm,
                }),
                _ => {}
            }
        }
    }
    // A VM's config wins over its `qm list` row.
    for q in qm_list {
        if !res.vms.iter().any(|v| v.vmid.is_some() && v.vmid == q.vmid) {
            res.vms.push(q);
        }
    }
    res.vms
        .sort_by(|a, b| (a.vmid, &a.source).cmp(&(b.vmid, &b.source)));
    res.vm_memory_total_mib = res.vms.iter().map(|v| v.memory_mib).sum();
    res
}

fn coverage(analysis: &Analysis<'_>) -> Vec<SourceCoverage> {
    analysis
        .sources
        .iter()
        .map(|s| {
            let events = &s.parsed.events;
            let mut times: Vec<DateTime<Utc>> = events.iter().filter_map(|e| e.time).collect();
            times.sort_unstable();
            let mut quality = BTreeMap::new();
            for e in events {
                for fix in e.quality.iter() {
                    *quality.entry(fix.as_str().to_string()).or_insert(0) += 1;
                }
            }
            let gaps = times
                .windows(2)
                .filter(|w| w[1] - w[0] >= GAP)
                .take(MAX_GAPS)
                .map(|w| Gap {
                    from: rfc3339(w[0]),
                    to: rfc3339(w[1]),
                })
                .collect();
            SourceCoverage {
                path: s.path.clone(),
                format: s.parsed.variant.to_string(),
                role: s.role.as_str().to_string(),
                machine: s.machine.clone(),
                events: events.len(),
                unparsed: s.parsed.stats.unparsed_lines,
                first: times.first().copied().map(rfc3339),
                last: times.last().copied().map(rfc3339),
                undated: events.iter().filter(|e| e.time.is_none()).count(),
                time_quality: quality,
                gaps,
            }
        })
        .collect()
}
