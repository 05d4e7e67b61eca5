//! `pvelog collect`: on a Proxmox VE host (or inside a guest), run the runbook's commands and read
//! its log files, and write them as one bundle in the layout pvelog reads best (DESIGN.md §3),
//! with a `manifest.json` that pins the collection time, the host's zone and the window, and
//! says how every command went.
//!
//! What the runbook asks an SRE to gather by hand (a dozen commands on the host and in each
//! guest) is a fixed list, so pvelog gathers it itself, the way sosreport or `pvereport` do:
//!
//! - the journal of the window (`journalctl -o export --since @EPOCH --until @EPOCH`: epoch
//!   seconds, so the window never depends on the host's zone), the boot list, `dmesg` with its
//!   raw uptimes, `last -x -F` and the wtmp file, kern.log/syslog/messages with their rotations;
//! - the state: `qm list` and the VM and container configs, memory, disks, pools, sensors,
//!   uptime, clock, versions, pressure, HA, the BMC's event log, SMART, ZFS events, pstore and
//!   crash-dump listings;
//! - the Proxmox VE task lists and the logs of the window's tasks, and the vzdump logs;
//! - with `--guests`, the guest side of each `--vm` through its QEMU guest agent
//!   (`qm guest exec`).
//!
//! Everything streams into the `.tgz` ([`archive::TarGz`]): nothing is written anywhere but the
//! output. Each command runs with a timeout and an output cap ([`command::run`]); a missing,
//! failing or hanging command is recorded in the manifest and the collection goes on. Files are
//! read below `--root` (a mounted disk image, or a test's fake root); commands come from PATH.
//! Every member either has a parser or is listed in the manifest's `context`, so the reader
//! counts none of it as unparsed.

mod archive;
mod command;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::event::rfc3339;
use crate::formats::{self, FormatKind, pve_task_index};

pub use command::Status;

/// Which side of the virtualization boundary the collection runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A Proxmox VE node.
    Host,
    /// A guest (a VM or a container).
    Guest,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Guest => "guest",
        }
    }
}

/// What to collect and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// Start of the window.
    pub since: DateTime<Utc>,
    /// End of the window.
    pub until: DateTime<Utc>,
    /// `--around`: the incident time, when given.
    pub around: Option<DateTime<Utc>>,
    /// `--vm`: the VMs of the incident, first the main one.
    pub vms: Vec<u32>,
    /// `--guests`: also collect inside each `--vm` through its guest agent.
    pub guests: bool,
    /// The directory files are read below (`/` on a live system).
    pub root: PathBuf,
    /// How long one command may run.
    pub command_timeout: Duration,
    /// `--role`; detected when `None` (a `/etc/pve` below the root makes a host).
    pub role: Option<Role>,
    /// Most bytes kept of one command's output or one file.
    pub command_cap: u64,
    /// Most bytes of member data in the bundle.
    pub total_cap: u64,
    /// The collection time.
    pub now: DateTime<Utc>,
}

/// The default cap of one command's output or one file (a command's output is held in memory
/// up to twice this while it is read).
pub const DEFAULT_COMMAND_CAP: u64 = 128 << 20;
/// The default total cap.
pub const DEFAULT_TOTAL_CAP: u64 = 1 << 30;

/// `manifest.json`. `collected_at`, `timezone` and `context` are what the reader uses
/// ([`crate::clock::Manifest`]); the rest documents the collection.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    /// When the collection ran (RFC 3339 UTC).
    pub collected_at: String,
    /// The machine's zone (IANA name), for its offset-less logs.
    pub timezone: Option<String>,
    /// Where the zone was read.
    pub timezone_from: Option<String>,
    /// The machine's name.
    pub hostname: String,
    /// `host` or `guest`.
    pub role: &'static str,
    /// The pvelog that collected.
    pub pvelog_version: &'static str,
    /// The window of the journal, the task logs and the rotated files.
    pub window: Window,
    /// The incident the collection is for, when `--vm` or `--around` named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<Incident>,
    /// The directory files were read below.
    pub root: String,
    /// The caps and the timeout.
    pub limits: LimitsRecord,
    /// Every command run (or tried), in order.
    pub commands: Vec<CommandRecord>,
    /// Every file read (or tried), in order.
    pub files: Vec<FileRecord>,
    /// Each `--vm` with `--guests`: whether its agent answered.
    pub guests: Vec<GuestRecord>,
    /// Members kept for the reader that no parser reads.
    pub context: Vec<String>,
}

/// The collection window.
#[derive(Clone, Debug, Serialize)]
pub struct Window {
    /// Start (RFC 3339 UTC).
    pub since: String,
    /// End (RFC 3339 UTC).
    pub until: String,
}

/// The incident a collection is for: the manifest's `incident`, written here and read by the
/// clock stage with the same type.
pub use crate::clock::ManifestIncident as Incident;

/// The caps and the timeout a collection ran under.
#[derive(Clone, Debug, Serialize)]
pub struct LimitsRecord {
    /// Seconds one command may run.
    pub command_timeout_s: f64,
    /// Bytes kept of one command's output or one file.
    pub command_bytes: u64,
    /// Bytes of member data in the bundle.
    pub total_bytes: u64,
}

/// How one command went.
#[derive(Clone, Debug, Serialize)]
pub struct CommandRecord {
    /// The member its output became (none when it printed nothing or nothing fit).
    pub path: Option<String>,
    /// The command and its arguments.
    pub command: Vec<String>,
    /// How it was run inside a guest (`qm guest exec 101`), when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// `ok`, `failed`, `missing`, `timed_out`, `not_started`, `skipped`.
    pub status: &'static str,
    /// Its exit status, when it exited.
    pub exit_status: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
    /// Seconds it ran.
    pub duration_s: f64,
    /// Bytes of output stored.
    pub bytes: u64,
    /// Bytes dropped from the output's start to keep within a cap (the newest data is kept).
    pub cut_bytes: u64,
    /// What went wrong, with the end of its stderr.
    pub error: Option<String>,
}

/// How one file went.
#[derive(Clone, Debug, Serialize)]
pub struct FileRecord {
    /// The member it became (none when it was skipped or could not be read).
    pub path: Option<String>,
    /// Where it was read, as a path on the collected machine.
    pub from: String,
    /// Bytes stored.
    pub bytes: u64,
    /// Bytes dropped from its start to keep within a cap.
    pub cut_bytes: u64,
    /// What part was kept when not all of it (the task list's lines of the window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<String>,
    /// Why it was skipped or could not be read.
    pub error: Option<String>,
}

/// A guest's agent, as the collection found it.
#[derive(Clone, Debug, Serialize)]
pub struct GuestRecord {
    /// The VMID.
    pub vmid: u32,
    /// The folder its files went to.
    pub path: String,
    /// Whether its guest agent answered.
    pub agent: bool,
    /// Why not.
    pub error: Option<String>,
}

/// What a collection did, for the command line's summary.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The manifest written.
    pub manifest: Manifest,
    /// Members written (the manifest included).
    pub members: usize,
    /// Bytes of member data.
    pub bytes: u64,
}

/// How a cut keeps whole records of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Boundary {
    Lines,
    ExportEntries,
    Wtmp,
    Whole,
}

impl Boundary {
    fn at(self, data: &[u8], at: usize) -> usize {
        match self {
            Boundary::Lines => archive::line_boundary(data, at),
            Boundary::ExportEntries => archive::entry_boundary(data, at),
            Boundary::Wtmp => archive::record_boundary(384)(data, at),
            Boundary::Whole => archive::whole(data, at),
        }
    }
}

/// One command of the plan: the member it becomes, its arguments, whether it is context.
struct Item {
    name: String,
    argv: Vec<String>,
    boundary: Boundary,
    host_only: bool,
}

fn item(name: &str, argv: &[&str], host_only: bool) -> Item {
    Item {
        name: name.to_string(),
        argv: argv.iter().map(|s| s.to_string()).collect(),
        boundary: Boundary::Lines,
        host_only,
    }
}

/// The commands of the runbook, in collection order: the small state first, the logs after.
fn commands(opts: &Options, disks: &[String]) -> Vec<Item> {
    let since = format!("@{}", opts.since.timestamp());
    let until = format!("@{}", opts.until.timestamp());
    let mut items = vec![
        item("qm-list.txt", &["qm", "list"], true),
        item("pct-list.txt", &["pct", "list"], true),
        item("free.txt", &["free"], false),
        item("df.txt", &["df"], false),
        item("zpool-status.txt", &["zpool", "status", "-v"], false),
        item("lvs.txt", &["lvs"], false),
        item("pvesm-status.txt", &["pvesm", "status"], true),
        item("sensors.txt", &["sensors"], false),
        item("uptime.txt", &["uptime"], false),
        item("timedatectl.txt", &["timedatectl"], false),
        item("pveversion.txt", &["pveversion", "-v"], true),
        item("ha-manager-status.txt", &["ha-manager", "status"], true),
        item("ipmitool-sel.txt", &["ipmitool", "sel", "elist"], true),
        item("zpool-events.txt", &["zpool", "events"], false),
        item("list-boots.txt", &["journalctl", "--list-boots"], false),
    ];
    for disk in disks {
        let dev = format!("/dev/{disk}");
        items.push(item(
            &format!("smartctl-{disk}.txt"),
            &["smartctl", "-H", "-l", "error", &dev],
            true,
        ));
    }
    items.push(item("dmesg.txt", &["dmesg"], false));
    items.push(item("last-x.txt", &["last", "-x", "-F"], false));
    let mut journal = item(
        "journal.export",
        &[
            "journalctl",
            "-o",
            "export",
            "--since",
            &since,
            "--until",
            &until,
        ],
        false,
    );
    journal.boundary = Boundary::ExportEntries;
    items.push(journal);
    items
}

/// A command pointed at the files below `--root` where it can read them: the journal of the
/// root's `var/log/journal` (`journalctl -D`), `last` of its `var/log/wtmp` (`-f`). Commands
/// that only describe the running machine (`free`, `dmesg`, `qm list`) run as they are.
fn on_root(mut it: Item, root: &Path) -> Item {
    if root == Path::new("/") {
        return it;
    }
    let extra: Option<[String; 2]> = match it.argv.first().map(String::as_str) {
        Some("journalctl") => Some([
            "-D".to_string(),
            root.join("var/log/journal").display().to_string(),
        ]),
        Some("last") => Some([
            "-f".to_string(),
            root.join("var/log/wtmp").display().to_string(),
        ]),
        _ => None,
    };
    if let Some(extra) = extra {
        it.argv.splice(1..1, extra);
    }
    it
}

/// The commands run inside a guest through its agent, and the member each becomes.
fn guest_commands(opts: &Options) -> Vec<Item> {
    // The guest's journal is asked for by the guest's clock, which may be off by minutes or a
    // zone: a day more on each side keeps the incident inside (the caps bound the rest, and
    // the analysis aligns the clocks).
    let mut wide = opts.clone();
    wide.since -= chrono::Duration::days(1);
    wide.until += chrono::Duration::days(1);
    let opts = &wide;
    let mut items: Vec<Item> = commands(opts, &[])
        .into_iter()
        .filter(|i| {
            !i.host_only
                && !matches!(
                    i.name.as_str(),
                    "zpool-status.txt" | "lvs.txt" | "zpool-events.txt" | "sensors.txt"
                )
        })
        .collect();
    for (name, path) in [
        ("meminfo.txt", "/proc/meminfo"),
        ("timezone.txt", "/etc/timezone"),
        ("var/log/syslog", "/var/log/syslog"),
        ("var/log/kern.log", "/var/log/kern.log"),
        ("var/log/messages", "/var/log/messages"),
    ] {
        items.push(item(name, &["cat", path], false));
    }
    items
}

/// A path component made safe for a member name.
fn safe_name(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "unknown".to_string()
    } else {
        s
    }
}

/// Whether `path` (below `root`) leads out of it through a symlink: an image mounted for
/// `--root` whose `etc/timezone` points at `/etc/shadow`, or whose `var/log` points at the live
/// machine's, must not bring the live machine's files into the bundle.
pub(crate) fn escapes(root: &Path, path: &Path) -> bool {
    if root == Path::new("/") {
        return false;
    }
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => !p.starts_with(r),
        _ => false,
    }
}

/// Reads a small text file below the root: its first line, trimmed.
fn first_line(root: &Path, rel: &str) -> Option<String> {
    let path = root.join(rel);
    if escapes(root, &path) || !path.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

/// The machine's name: `/etc/hostname` below the root, else the kernel's.
pub fn hostname(root: &Path) -> String {
    let name = first_line(root, "etc/hostname")
        .or_else(|| first_line(root, "proc/sys/kernel/hostname"))
        .unwrap_or_else(|| "unknown".to_string());
    // `pve.example.com` names the machine `pve`, as the logs do.
    safe_name(name.split('.').next().unwrap_or(&name))
}

/// The default output name: `pvelog-<hostname>-<UTC time>.tgz`.
pub fn default_output_name(hostname: &str, now: DateTime<Utc>) -> String {
    format!("pvelog-{hostname}-{}.tgz", now.format("%Y%m%dT%H%M%SZ"))
}

/// The machine's zone and where it was read: the `/etc/localtime` link (what the system uses),
/// `/etc/timezone` (Debian's copy, which `timedatectl set-timezone` does not update), or
/// `timedatectl`'s `Time zone:` line.
fn timezone(root: &Path, timedatectl: Option<&[u8]>) -> Option<(String, String)> {
    if let Ok(target) = std::fs::read_link(root.join("etc/localtime")) {
        let t = target.to_string_lossy();
        if let Some((_, zone)) = t.split_once("zoneinfo/") {
            return Some((zone.to_string(), "/etc/localtime".to_string()));
        }
    }
    if let Some(z) = first_line(root, "etc/timezone") {
        return Some((z, "/etc/timezone".to_string()));
    }
    let text = String::from_utf8_lossy(timedatectl?);
    text.lines().find_map(|l| {
        let zone = l
            .trim()
            .strip_prefix("Time zone:")?
            .split_whitespace()
            .next()?;
        Some((zone.to_string(), "timedatectl".to_string()))
    })
}

/// The disks SMART is asked about: whole disks of `/sys/block` below the root.
fn disks(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join("sys/block")) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| {
            ["sd", "nvme", "vd", "hd", "xvd"]
                .iter()
                .any(|p| n.starts_with(p))
        })
        .collect();
    out.sort();
    out
}

/// A file's modification time, epoch seconds.
fn mtime(path: &Path) -> Option<i64> {
    let m = std::fs::metadata(path).ok()?.modified().ok()?;
    let d = m.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(d.as_secs()).ok()
}

/// Reads a file, keeping its newest `cap` bytes; `/proc` files report no size, so it is read
/// to its end rather than by its length.
fn read_file(path: &Path, cap: u64) -> std::io::Result<(Vec<u8>, u64)> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > cap {
        use std::io::Seek;
        f.seek(std::io::SeekFrom::Start(len - cap))?;
        let mut data = Vec::new();
        f.take(cap).read_to_end(&mut data)?;
        return Ok((data, len - cap));
    }
    let mut data = Vec::new();
    // One byte over the cap tells a file that grew (or a /proc file) from one that fits.
    f.take(cap.saturating_add(1)).read_to_end(&mut data)?;
    let mut cut = 0;
    if data.len() as u64 > cap {
        cut = data.len() as u64 - cap;
        data.drain(..usize::try_from(cut).unwrap_or(0));
    }
    Ok((data, cut))
}

/// The files of the plan below the root, each with its member name relative to the machine's
/// folder (the path below the root) and how a cut keeps its records.
struct FilePlan {
    rel: String,
    boundary: Boundary,
    /// Skipped, and why (written before the window).
    skip: Option<String>,
}

/// Rotated log names: `kern.log`, `kern.log.1`, `kern.log.2.gz`, `syslog-20250729.gz`.
fn is_rotation(name: &str, base: &str) -> bool {
    let Some(rest) = name.strip_prefix(base) else {
        return false;
    };
    let rest = rest.strip_suffix(".gz").unwrap_or(rest);
    rest.is_empty()
        || rest
            .strip_prefix('.')
            .or_else(|| rest.strip_prefix('-'))
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
}

/// The files of a directory below the root whose names `keep` accepts, sorted by name.
fn list(root: &Path, dir: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    if escapes(root, &root.join(dir)) {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| keep(n))
        .collect();
    names.sort();
    names.into_iter().map(|n| format!("{dir}/{n}")).collect()
}

/// Rotation order: the live file, then `.1`, `.2.gz`… (newest first, so the total cap keeps
/// the newest data).
fn rotation_key(rel: &str) -> (u64, String) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let n = name
        .trim_end_matches(".gz")
        .rsplit(['.', '-'])
        .next()
        .and_then(|d| d.parse::<u64>().ok())
        .filter(|_| name.contains(|c: char| c.is_ascii_digit()))
        .unwrap_or(0);
    (n, rel.to_string())
}

fn file_plan(root: &Path, opts: &Options) -> Vec<FilePlan> {
    let since = opts.since.timestamp();
    let written_before = |rel: &str| {
        mtime(&root.join(rel)).filter(|&m| m < since).map(|m| {
            format!(
                "last written {}, before the window",
                DateTime::from_timestamp(m, 0).map_or_else(|| m.to_string(), rfc3339)
            )
        })
    };
    let mut plan = Vec::new();
    let plain = |rel: &str, plan: &mut Vec<FilePlan>| {
        if root.join(rel).is_file() {
            plan.push(FilePlan {
                rel: rel.to_string(),
                boundary: Boundary::Lines,
                skip: None,
            });
        }
    };
    plain("etc/timezone", &mut plan);
    plain("proc/meminfo", &mut plan);
    for p in ["cpu", "memory", "io"] {
        plain(&format!("proc/pressure/{p}"), &mut plan);
    }
    for dir in ["etc/pve/qemu-server", "etc/pve/lxc"] {
        for rel in list(root, dir, |n| n.ends_with(".conf")) {
            plain(&rel, &mut plan);
        }
    }
    for base in ["kern.log", "syslog", "messages"] {
        let mut rels = list(root, "var/log", |n| is_rotation(n, base));
        rels.sort_by_key(|r| rotation_key(r));
        for rel in rels {
            plan.push(FilePlan {
                boundary: if rel.ends_with(".gz") {
                    Boundary::Whole
                } else {
                    Boundary::Lines
                },
                skip: written_before(&rel),
                rel,
            });
        }
    }
    if root.join("var/log/wtmp").is_file() {
        plan.push(FilePlan {
            rel: "var/log/wtmp".to_string(),
            boundary: Boundary::Wtmp,
            skip: None,
        });
    }
    for dir in ["var/log/vzdump", "var/lib/vz/dump"] {
        for rel in list(root, dir, |n| n.ends_with(".log")) {
            plan.push(FilePlan {
                boundary: Boundary::Lines,
                skip: written_before(&rel),
                rel,
            });
        }
    }
    plan
}

/// The collection under way: the stream, the options and the manifest being filled.
struct Writer<'o, W: Write> {
    tgz: archive::TarGz<W>,
    opts: &'o Options,
    manifest: Manifest,
    /// Members written.
    members: usize,
    /// The collection time, epoch seconds (the mtime of generated members).
    now: u64,
}

impl<W: Write> Writer<'_, W> {
    /// Stores a member; returns its path and the bytes stored and cut (by the total cap, on
    /// top of `cut` already made).
    fn store(
        &mut self,
        path: &str,
        data: &[u8],
        mtime: Option<i64>,
        boundary: Boundary,
    ) -> std::io::Result<(Option<String>, u64, u64)> {
        if data.is_empty() {
            return Ok((None, 0, 0));
        }
        let mtime = mtime
            .and_then(|m| u64::try_from(m).ok())
            .unwrap_or(self.now);
        match self
            .tgz
            .append(path, data, mtime, |d, at| boundary.at(d, at))?
        {
            Some(cut) => {
                self.members += 1;
                let stored = data.len() as u64 - cut.bytes;
                let kept = data
                    .get(usize::try_from(cut.bytes).unwrap_or(0)..)
                    .unwrap_or_default();
                let kind = formats::detect(path, kept);
                if matches!(kind, FormatKind::Unrecognized | FormatKind::Fragment) {
                    self.manifest.context.push(path.to_string());
                }
                Ok((Some(path.to_string()), stored, cut.bytes))
            }
            None => Ok((None, 0, data.len() as u64)),
        }
    }

    fn run_command(&mut self, folder: &str, it: &Item) -> std::io::Result<Option<Vec<u8>>> {
        let cap = usize::try_from(self.opts.command_cap).unwrap_or(usize::MAX);
        let out = command::run(&it.argv, self.opts.command_timeout, cap);
        let path = format!("{folder}/{}", it.name);
        let (stored, bytes, cut) = self.store(&path, &out.stdout, None, it.boundary)?;
        self.manifest.commands.push(CommandRecord {
            path: stored,
            command: it.argv.clone(),
            via: None,
            status: out.status.as_str(),
            exit_status: out.exit_code,
            signal: out.signal,
            duration_s: round_ms(out.duration),
            bytes,
            cut_bytes: out.cut + cut,
            error: out.error.or_else(|| {
                (out.cut + cut > 0).then(|| {
                    format!(
                        "output over a cap: its first {} bytes were dropped, the newest kept",
                        out.cut + cut
                    )
                })
            }),
        });
        Ok((out.status == Status::Ok).then_some(out.stdout))
    }

    fn read_file(&mut self, folder: &str, f: &FilePlan) -> std::io::Result<()> {
        let from = format!("/{}", f.rel);
        if let Some(reason) = &f.skip {
            self.manifest.files.push(FileRecord {
                path: None,
                from,
                bytes: 0,
                cut_bytes: 0,
                selected: None,
                error: Some(format!("skipped: {reason}")),
            });
            return Ok(());
        }
        let abs = self.opts.root.join(&f.rel);
        let read = if escapes(&self.opts.root, &abs) {
            Err(std::io::Error::other(
                "a symlink leads out of the root: not read",
            ))
        } else {
            read_file(&abs, self.opts.command_cap)
        };
        match read {
            Ok((mut data, mut cut)) => {
                if cut > 0 {
                    // Keep whole records after a cut made at a byte count; a compressed file
                    // cannot lose its start at all.
                    let at = match f.boundary {
                        Boundary::Wtmp => usize::try_from((384 - cut % 384) % 384).unwrap_or(0),
                        Boundary::Whole => data.len(),
                        b => b.at(&data, 1),
                    }
                    .min(data.len());
                    cut += at as u64;
                    data.drain(..at);
                }
                let path = format!("{folder}/{}", f.rel);
                let (stored, bytes, more) = self.store(&path, &data, mtime(&abs), f.boundary)?;
                self.manifest.files.push(FileRecord {
                    path: stored,
                    from,
                    bytes,
                    cut_bytes: cut + more,
                    selected: None,
                    error: (cut + more > 0).then(|| {
                        if bytes == 0 {
                            "over a cap: not stored".to_string()
                        } else {
                            format!(
                                "over a cap: its first {} bytes were dropped, the newest kept",
                                cut + more
                            )
                        }
                    }),
                });
            }
            Err(e) => self.manifest.files.push(FileRecord {
                path: None,
                from,
                bytes: 0,
                cut_bytes: 0,
                selected: None,
                error: Some(format!("cannot read: {e}")),
            }),
        }
        Ok(())
    }

    /// A listing of directories below the root (pstore, crash dumps): each file's size,
    /// modification time and path.
    fn listing(&mut self, folder: &str, name: &str, dirs: &[&str]) -> std::io::Result<()> {
        let mut text = String::new();
        let mut seen = Vec::new();
        for dir in dirs {
            let mut stack = vec![(dir.to_string(), 0usize)];
            while let Some((rel, depth)) = stack.pop() {
                if escapes(&self.opts.root, &self.opts.root.join(&rel)) {
                    continue;
                }
                let Ok(entries) = std::fs::read_dir(self.opts.root.join(&rel)) else {
                    continue;
                };
                seen.push(format!("/{rel}"));
                let mut entries: Vec<_> = entries.flatten().collect();
                entries.sort_by_key(|e| e.file_name());
                for e in entries {
                    let child = format!("{rel}/{}", e.file_name().to_string_lossy());
                    let Ok(meta) = e.metadata() else { continue };
                    if meta.is_dir() {
                        if depth < 3 {
                            stack.push((child, depth + 1));
                        }
                        continue;
                    }
                    let when = mtime(&e.path())
                        .and_then(|m| DateTime::from_timestamp(m, 0))
                        .map_or_else(|| "-".to_string(), rfc3339);
                    text.push_str(&format!("{:>12} {when} /{child}\n", meta.len()));
                }
            }
        }
        let from = dirs
            .iter()
            .map(|d| format!("/{d}"))
            .collect::<Vec<_>>()
            .join(" ");
        if seen.is_empty() {
            self.manifest.files.push(FileRecord {
                path: None,
                from,
                bytes: 0,
                cut_bytes: 0,
                selected: None,
                error: Some("no such directory".to_string()),
            });
            return Ok(());
        }
        if text.is_empty() {
            text = format!("{} empty\n", seen.join(" "));
        }
        let path = format!("{folder}/{name}");
        let (stored, bytes, cut) = self.store(&path, text.as_bytes(), None, Boundary::Lines)?;
        if let Some(p) = &stored
            && !self.manifest.context.contains(p)
        {
            self.manifest.context.push(p.clone());
        }
        self.manifest.files.push(FileRecord {
            path: stored,
            from,
            bytes,
            cut_bytes: cut,
            selected: Some("a listing: size, modification time and path of each file".to_string()),
            error: None,
        });
        Ok(())
    }

    /// The task lists' lines of tasks overlapping the window, and those tasks' logs.
    fn tasks(&mut self, folder: &str) -> std::io::Result<()> {
        let (since, until) = (self.opts.since.timestamp(), self.opts.until.timestamp());
        let mut logs: BTreeSet<(String, String)> = BTreeSet::new();
        for name in ["index.1", "index", "active"] {
            let rel = format!("var/log/pve/tasks/{name}");
            let abs = self.opts.root.join(&rel);
            if !abs.is_file() || escapes(&self.opts.root, &abs) {
                continue;
            }
            let from = format!("/{rel}");
            let data = match read_file(&abs, self.opts.command_cap) {
                Ok((d, _)) => d,
                Err(e) => {
                    self.manifest.files.push(FileRecord {
                        path: None,
                        from,
                        bytes: 0,
                        cut_bytes: 0,
                        selected: None,
                        error: Some(format!("cannot read: {e}")),
                    });
                    continue;
                }
            };
            let mut kept = Vec::new();
            let (mut total, mut chosen) = (0usize, 0usize);
            for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                total += 1;
                let Some((upid, rest)) = pve_task_index::upid(line) else {
                    continue;
                };
                // ` <endtime> <status>` (index) or ` 0|1[ <endtime>…]` (active): a running task
                // ends now.
                let words: Vec<&[u8]> = rest
                    .split(|&b| b == b' ')
                    .filter(|w| !w.is_empty())
                    .collect();
                let end_word = match words.first() {
                    Some(&b"0") | Some(&b"1") => words.get(1).copied(),
                    other => other.copied(),
                };
                let end = end_word
                    .and_then(|w| std::str::from_utf8(w).ok())
                    .and_then(|w| i64::from_str_radix(w, 16).ok())
                    .unwrap_or(self.opts.now.timestamp());
                if upid.starttime <= until && end >= since {
                    chosen += 1;
                    kept.extend_from_slice(line);
                    kept.push(b'\n');
                    let text = String::from_utf8_lossy(upid.text).into_owned();
                    let dir = String::from_utf8_lossy(
                        upid.starttime_text
                            .last()
                            .map(std::slice::from_ref)
                            .unwrap_or_default(),
                    )
                    .into_owned();
                    logs.insert((dir, text));
                }
            }
            let path = format!("{folder}/{rel}");
            let (stored, bytes, cut) = self.store(&path, &kept, mtime(&abs), Boundary::Lines)?;
            self.manifest.files.push(FileRecord {
                path: stored,
                from,
                bytes,
                cut_bytes: cut,
                selected: Some(format!(
                    "{chosen} of {total} lines: the tasks that ran in the window"
                )),
                error: None,
            });
        }
        for (dir, upid) in logs {
            let rel = format!("var/log/pve/tasks/{dir}/{upid}");
            if self.opts.root.join(&rel).is_file() {
                self.read_file(
                    folder,
                    &FilePlan {
                        rel,
                        boundary: Boundary::Lines,
                        skip: None,
                    },
                )?;
            } else {
                self.manifest.files.push(FileRecord {
                    path: None,
                    from: format!("/{rel}"),
                    bytes: 0,
                    cut_bytes: 0,
                    selected: None,
                    error: Some(
                        "no such file (the task log was removed or never written)".to_string(),
                    ),
                });
            }
        }
        Ok(())
    }

    /// The guest side of VM `vmid` through its agent.
    fn guest(&mut self, vmid: u32) -> std::io::Result<()> {
        let name = first_line_matching(
            &self.opts.root,
            &format!("etc/pve/qemu-server/{vmid}.conf"),
            "name:",
        )
        .or_else(|| {
            first_line_matching(
                &self.opts.root,
                &format!("etc/pve/lxc/{vmid}.conf"),
                "hostname:",
            )
        })
        .map_or_else(|| "vm".to_string(), |n| safe_name(&n));
        let folder = format!("guest/{vmid}-{name}");
        let id = vmid.to_string();
        let ping = command::run(
            &["qm", "guest", "cmd", &id, "ping"].map(str::to_string),
            self.opts.command_timeout,
            4096,
        );
        self.manifest.commands.push(CommandRecord {
            path: None,
            command: ["qm", "guest", "cmd", &id, "ping"]
                .map(str::to_string)
                .to_vec(),
            via: None,
            status: ping.status.as_str(),
            exit_status: ping.exit_code,
            signal: ping.signal,
            duration_s: round_ms(ping.duration),
            bytes: 0,
            cut_bytes: 0,
            error: ping.error.clone(),
        });
        if ping.status != Status::Ok {
            self.manifest.guests.push(GuestRecord {
                vmid,
                path: folder,
                agent: false,
                error: Some(
                    ping.error
                        .unwrap_or_else(|| "the guest agent did not answer".to_string()),
                ),
            });
            return Ok(());
        }
        self.manifest.guests.push(GuestRecord {
            vmid,
            path: folder.clone(),
            agent: true,
            error: None,
        });
        let secs = self.opts.command_timeout.as_secs().max(1).to_string();
        for it in guest_commands(self.opts) {
            let mut argv: Vec<String> = ["qm", "guest", "exec", &id, "--timeout", &secs, "--"]
                .map(str::to_string)
                .to_vec();
            argv.extend(it.argv.iter().cloned());
            // The agent's own wait plus ours: qm returns when the agent gives up.
            let timeout = self.opts.command_timeout + Duration::from_secs(5);
            let cap =
                usize::try_from(self.opts.command_cap.saturating_mul(2)).unwrap_or(usize::MAX);
            let out = command::run(&argv, timeout, cap);
            let mut record = CommandRecord {
                path: None,
                command: it.argv.clone(),
                via: Some(format!("qm guest exec {vmid}")),
                status: out.status.as_str(),
                exit_status: out.exit_code,
                signal: out.signal,
                duration_s: round_ms(out.duration),
                bytes: 0,
                cut_bytes: out.cut,
                error: out.error.clone(),
            };
            if out.status == Status::Ok {
                match agent_result(&out.stdout) {
                    Ok(res) => {
                        record.exit_status = res.exitcode;
                        record.signal = None;
                        let mut data = res.out;
                        let mut cut = 0u64;
                        if data.len() as u64 > self.opts.command_cap {
                            let want =
                                data.len() - usize::try_from(self.opts.command_cap).unwrap_or(0);
                            let at = it.boundary.at(&data, want);
                            cut = at as u64;
                            data.drain(..at.min(data.len()));
                        }
                        let path = format!("{folder}/{}", it.name);
                        let (stored, bytes, more) = self.store(&path, &data, None, it.boundary)?;
                        record.path = stored;
                        record.bytes = bytes;
                        record.cut_bytes = cut + more;
                        record.status = res.status;
                        record.error = res.error;
                    }
                    Err(e) => {
                        record.status = "failed";
                        record.error = Some(e);
                    }
                }
            }
            self.manifest.commands.push(record);
        }
        Ok(())
    }
}

/// The value after `key` on the first line that starts with it.
fn first_line_matching(root: &Path, rel: &str, key: &str) -> Option<String> {
    let path = root.join(rel);
    if escapes(root, &path) || !path.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// What `qm guest exec` reported of a command inside the guest.
struct AgentResult {
    status: &'static str,
    exitcode: Option<i32>,
    out: Vec<u8>,
    error: Option<String>,
}

/// A guest-agent output field: the agent sends base64 (`guest-exec-status`); `qm guest exec`
/// decodes it before printing. Text that is valid base64 with no white space (output without a
/// newline is rare) is decoded; anything else is the output itself.
fn agent_data(text: &str) -> Vec<u8> {
    let looks_encoded =
        !text.is_empty() && text.len() % 4 == 0 && !text.bytes().any(|b| b.is_ascii_whitespace());
    if looks_encoded && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text) {
        return bytes;
    }
    text.as_bytes().to_vec()
}

/// Reads `qm guest exec`'s JSON: `{"exitcode":0,"exited":1,"out-data":"…","err-data":"…"}`.
fn agent_result(stdout: &[u8]) -> Result<AgentResult, String> {
    let v: serde_json::Value = serde_json::from_slice(stdout).map_err(|e| {
        format!(
            "qm guest exec printed no JSON ({e}): {}",
            String::from_utf8_lossy(&stdout[..stdout.len().min(200)])
        )
    })?;
    let out = v
        .get("out-data")
        .and_then(|d| d.as_str())
        .map(agent_data)
        .unwrap_or_default();
    let err = v
        .get("err-data")
        .and_then(|d| d.as_str())
        .map(|e| String::from_utf8_lossy(&agent_data(e)).trim().to_string())
        .unwrap_or_default();
    let exited = v.get("exited").and_then(|e| e.as_i64()) == Some(1);
    let exitcode = v
        .get("exitcode")
        .and_then(|c| c.as_i64())
        .and_then(|c| i32::try_from(c).ok());
    let truncated = v.get("out-truncated").and_then(|t| t.as_bool()) == Some(true);
    let (status, error) = if !exited {
        (
            "timed_out",
            Some("still running in the guest when the agent stopped waiting".to_string()),
        )
    } else if exitcode == Some(0) {
        (
            "ok",
            truncated.then(|| "the agent truncated the output (16 MiB)".to_string()),
        )
    } else {
        let how = exitcode.map_or("no exit status".to_string(), |c| format!("exit status {c}"));
        (
            "failed",
            Some(if err.is_empty() {
                how
            } else {
                format!("{how}: {err}")
            }),
        )
    };
    Ok(AgentResult {
        status,
        exitcode,
        out,
        error,
    })
}

fn round_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// Runs the collection and streams the bundle to `out`; returns `out` and what was done.
pub fn collect<W: Write>(opts: &Options, out: W) -> std::io::Result<(W, Summary)> {
    let root = &opts.root;
    let host = hostname(root);
    let role = opts.role.unwrap_or(if root.join("etc/pve").is_dir() {
        Role::Host
    } else {
        Role::Guest
    });
    let folder = match (role, opts.vms.as_slice()) {
        (Role::Host, _) => format!("host/{host}"),
        (Role::Guest, [vmid]) => format!("guest/{vmid}-{host}"),
        (Role::Guest, _) => format!("guest/{host}"),
    };
    let incident = (!opts.vms.is_empty() || opts.around.is_some()).then(|| Incident {
        vmid: opts.vms.first().copied(),
        vmids: opts.vms.clone(),
        time: opts.around.map(rfc3339),
    });
    let mut w = Writer {
        tgz: archive::TarGz::new(out, opts.total_cap),
        opts,
        manifest: Manifest {
            collected_at: rfc3339(opts.now),
            timezone: None,
            timezone_from: None,
            hostname: host.clone(),
            role: role.as_str(),
            pvelog_version: env!("CARGO_PKG_VERSION"),
            window: Window {
                since: rfc3339(opts.since),
                until: rfc3339(opts.until),
            },
            incident,
            root: root.display().to_string(),
            limits: LimitsRecord {
                command_timeout_s: opts.command_timeout.as_secs_f64(),
                command_bytes: opts.command_cap,
                total_bytes: opts.total_cap,
            },
            commands: Vec::new(),
            files: Vec::new(),
            guests: Vec::new(),
            context: Vec::new(),
        },
        members: 0,
        now: u64::try_from(opts.now.timestamp()).unwrap_or(0),
    };
    let disks = if role == Role::Host {
        disks(root)
    } else {
        Vec::new()
    };
    let mut timedatectl = None;
    for it in commands(opts, &disks)
        .into_iter()
        .map(|it| on_root(it, root))
    {
        if it.host_only && role == Role::Guest {
            continue;
        }
        let out = w.run_command(&folder, &it)?;
        if it.name == "timedatectl.txt" {
            timedatectl = out;
        }
    }
    if let Some((zone, from)) = timezone(root, timedatectl.as_deref()) {
        w.manifest.timezone = Some(zone);
        w.manifest.timezone_from = Some(from);
    }
    for f in file_plan(root, opts) {
        w.read_file(&folder, &f)?;
    }
    if role == Role::Host {
        w.tasks(&folder)?;
    }
    w.listing(
        &folder,
        "pstore-listing.txt",
        &["sys/fs/pstore", "var/lib/systemd/pstore"],
    )?;
    w.listing(&folder, "crash-listing.txt", &["var/crash"])?;
    if opts.guests && role == Role::Host {
        for &vmid in &opts.vms {
            w.guest(vmid)?;
        }
    }
    let manifest = w.manifest.clone();
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| std::io::Error::other(format!("manifest.json: {e}")))?;
    // The manifest is small and must be there: it does not count against the total cap.
    let mut tgz = w.tgz;
    tgz.append_uncapped("manifest.json", &json, w.now)?;
    let bytes = tgz.written;
    let out = tgz.finish()?;
    Ok((
        out,
        Summary {
            manifest,
            members: w.members + 1,
            bytes,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotations() {
        for (name, base, yes) in [
            ("kern.log", "kern.log", true),
            ("kern.log.1", "kern.log", true),
            ("kern.log.2.gz", "kern.log", true),
            ("syslog-20250729.gz", "syslog", true),
            ("syslog-ng.conf", "syslog", false),
            ("messages.bak", "messages", false),
        ] {
            assert_eq!(is_rotation(name, base), yes, "{name}");
        }
        let mut v = vec![
            "var/log/kern.log.2.gz".to_string(),
            "var/log/kern.log".to_string(),
            "var/log/kern.log.1".to_string(),
        ];
        v.sort_by_key(|r| rotation_key(r));
        assert_eq!(
            v,
            [
                "var/log/kern.log",
                "var/log/kern.log.1",
                "var/log/kern.log.2.gz"
            ]
        );
    }

    #[test]
    fn the_journal_window_is_in_epoch_seconds() {
        let t = |s| DateTime::from_timestamp(s, 0).expect("in range");
        let opts = Options {
            since: t(1_753_776_000),
            until: t(1_753_783_200),
            around: None,
            vms: vec![],
            guests: false,
            root: PathBuf::from("/"),
            command_timeout: Duration::from_secs(30),
            role: None,
            command_cap: 1,
            total_cap: 1,
            now: t(1_753_783_200),
        };
        let journal = commands(&opts, &["sda".to_string()])
            .into_iter()
            .find(|i| i.name == "journal.export")
            .expect("journal");
        assert_eq!(
            journal.argv,
            [
                "journalctl",
                "-o",
                "export",
                "--since",
                "@1753776000",
                "--until",
                "@1753783200"
            ]
        );
        assert!(
            commands(&opts, &["sda".to_string()])
                .iter()
                .any(|i| i.argv == ["smartctl", "-H", "-l", "error", "/dev/sda"])
        );
        assert_eq!(
            default_output_name("pve1", t(1_753_783_200)),
            "pvelog-pve1-20250729T100000Z.tgz"
        );
    }

    #[test]
    fn guest_agent_output() {
        // As `qm guest exec` prints it (decoded) and as the agent sends it (base64).
        let r =
            agent_result(br#"{"exitcode":0,"exited":1,"out-data":"Linux web 6.1.0-18-amd64\n"}"#)
                .expect("json");
        assert_eq!(r.out, b"Linux web 6.1.0-18-amd64\n");
        assert_eq!(r.status, "ok");
        let r = agent_result(br#"{"exitcode":0,"exited":1,"out-data":"aGVsbG8K"}"#).expect("json");
        assert_eq!(r.out, b"hello\n");
        let r = agent_result(
            br#"{"exitcode":1,"exited":1,"err-data":"cat: /var/log/messages: No such file or directory\n"}"#,
        )
        .expect("json");
        assert_eq!(r.status, "failed");
        assert_eq!(
            r.error.as_deref(),
            Some("exit status 1: cat: /var/log/messages: No such file or directory")
        );
        let r = agent_result(br#"{"exited":0,"pid":1234}"#).expect("json");
        assert_eq!(r.status, "timed_out");
        assert!(agent_result(b"QEMU guest agent is not running").is_err());
    }
}
