//! Writes the inputs of `scripts/bench-scaling.sh`: bundles whose cost must grow linearly with
//! their size, each next to an "easy" twin of the same number of lines.
//!
//! ```text
//! cargo run --release --example gen-scaling -- [--scale K] OUTDIR
//! ```
//!
//! At `--scale K` it writes, under OUTDIR:
//!
//! - `flood/hard`: a host kern.log (RFC 3164, no year) with 10 000·K `VM … qmp command failed -
//!   VM … not running` lines and 10 000·K `mce: [Hardware Error]: Machine check events logged`
//!   lines, interleaved; `flood/easy` holds as many ordinary lines (cron, pvestatd, pveproxy…).
//! - `oom/hard`: 5 000·K OOM-kill pairs (`oom-kill:constraint=…,task_memcg=/qemu.slice/<vmid>.scope,
//!   task=kvm,pid=…` then `Out of memory: Killed process <pid> (kvm) …`); `oom/easy` as many
//!   ordinary lines.
//! - `files`: 750·K small files of one host holding 30 000·K lines in all, each file its own
//!   stretch of time (as rotated or split logs are): half RFC 3164 without a year or zone, a
//!   quarter rsyslog RFC 3339 with offsets, a quarter `journalctl -o short-iso`; `onefile` holds
//!   the same lines in one file.
//!
//! At K = 4 these are the sizes quoted in the architecture issue (a 7 MB flood of 40 k + 40 k
//! lines, 20 k OOM pairs, 3 000 files of 120 k lines). Every bundle has a `manifest.json` with a
//! `collected_at`, so years never depend on file times; `flood` and `oom` also name the zone,
//! while `files` and `onefile` leave it to pvelog (the yearless files go through the zone
//! derivation). The output is the same for the same arguments: the variable parts come from a
//! fixed-seed generator, never from the clock. Wordings are real ones (REFERENCE.md §7, corpora/).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Flood lines of each kind (stop lines, machine-check lines) at scale 1.
const FLOOD: usize = 10_000;
/// OOM-kill pairs at scale 1.
const OOM_PAIRS: usize = 5_000;
/// Small files at scale 1.
const FILES: usize = 750;
/// Lines over all small files at scale 1.
const FILE_LINES: usize = 30_000;
/// Every bundle's lines are spread over this much time from [`start`].
const SPAN_SECS: i64 = 86_400;

const USAGE: &str = "usage: gen-scaling [--scale K] OUTDIR";

fn main() -> ExitCode {
    let mut scale = 1usize;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--scale" => match args.next().and_then(|k| k.parse().ok()) {
                Some(k) if k > 0 => scale = k,
                _ => {
                    eprintln!("--scale needs a positive integer\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if out.is_none() && !arg.starts_with('-') => out = Some(PathBuf::from(arg)),
            _ => {
                eprintln!("unexpected argument '{arg}'\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match generate(&out, scale) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gen-scaling: {}: {err}", out.display());
            ExitCode::FAILURE
        }
    }
}

fn generate(out: &Path, scale: usize) -> io::Result<()> {
    let with_zone = r#"{"collected_at": "2025-07-31T12:00:00Z", "timezone": "Europe/Berlin"}"#;
    let without_zone = r#"{"collected_at": "2025-07-31T12:00:00Z"}"#;

    // 1. A flood of stop lines and machine-check lines, and its easy twin.
    let n = FLOOD * scale;
    let mut log = bundle(
        &out.join("flood/hard"),
        with_zone,
        "host/pve1/var/log/kern.log",
    )?;
    let mut rng = Rng(1);
    for i in 0..n {
        let t = at(2 * i, 2 * n);
        let vmid = 101 + rng.below(4);
        writeln!(
            log,
            "{} pve1 pvedaemon[{}]: VM {vmid} qmp command failed - VM {vmid} not running",
            rfc3164(t),
            2209 + rng.below(3)
        )?;
        let t = at(2 * i + 1, 2 * n);
        writeln!(
            log,
            "{} pve1 kernel: mce: [Hardware Error]: Machine check events logged",
            rfc3164(t)
        )?;
    }
    log.flush()?;
    easy(&out.join("flood/easy"), with_zone, 2 * n, 2)?;

    // 2. OOM-kill pairs, and the easy twin.
    let n = OOM_PAIRS * scale;
    let mut log = bundle(
        &out.join("oom/hard"),
        with_zone,
        "host/pve1/var/log/kern.log",
    )?;
    let mut rng = Rng(3);
    for i in 0..n {
        let t = rfc3164(at(i, n));
        let vmid = 100 + rng.below(60);
        let pid = 2000 + rng.below(4_000_000);
        let total_vm = 4_000_000 + rng.below(30_000_000);
        let anon = total_vm - rng.below(total_vm / 4);
        writeln!(
            log,
            "{t} pve1 kernel: oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=qemu.slice,mems_allowed=0,global_oom,task_memcg=/qemu.slice/{vmid}.scope,task=kvm,pid={pid},uid=0"
        )?;
        writeln!(
            log,
            "{t} pve1 kernel: Out of memory: Killed process {pid} (kvm) total-vm:{total_vm}kB, anon-rss:{anon}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:{}kB oom_score_adj:0",
            total_vm / 550
        )?;
    }
    log.flush()?;
    easy(&out.join("oom/easy"), with_zone, 2 * n, 4)?;

    // 3. Many small files of one host, and the same lines in one file.
    let files = FILES * scale;
    let lines = FILE_LINES * scale;
    let mut one = bundle(
        &out.join("onefile"),
        without_zone,
        "host/pve1/var/log/all.log",
    )?;
    fs::create_dir_all(out.join("files"))?;
    fs::write(out.join("files/manifest.json"), without_zone)?;
    let mut rng = Rng(5);
    let mut line = 0;
    let mut text = String::new();
    for k in 0..files {
        let count = lines * (k + 1) / files - lines * k / files;
        let path = out.join(format!("files/host/pve1/var/log/split/part-{k:05}.log"));
        fs::create_dir_all(path.parent().unwrap_or(out))?;
        let mut file = BufWriter::new(File::create(path)?);
        for _ in 0..count {
            let t = at(line, lines);
            line += 1;
            text.clear();
            let stamp = match k % 4 {
                0 | 2 => rfc3164(t),
                1 => t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string(),
                _ => t.format("%Y-%m-%dT%H:%M:%S+0000").to_string(),
            };
            ordinary(&mut text, &stamp, &mut rng);
            file.write_all(text.as_bytes())?;
            one.write_all(text.as_bytes())?;
        }
        file.flush()?;
    }
    one.flush()
}

/// Creates `dir` with its manifest and opens the log at `log` (relative to `dir`).
fn bundle(dir: &Path, manifest: &str, log: &str) -> io::Result<BufWriter<File>> {
    let path = dir.join(log);
    fs::create_dir_all(path.parent().unwrap_or(dir))?;
    fs::write(dir.join("manifest.json"), manifest)?;
    Ok(BufWriter::new(File::create(path)?))
}

/// The easy twin: `n` ordinary lines in one kern.log.
fn easy(dir: &Path, manifest: &str, n: usize, seed: u64) -> io::Result<()> {
    let mut log = bundle(dir, manifest, "host/pve1/var/log/kern.log")?;
    let mut rng = Rng(seed);
    let mut text = String::new();
    for i in 0..n {
        text.clear();
        ordinary(&mut text, &rfc3164(at(i, n)), &mut rng);
        log.write_all(text.as_bytes())?;
    }
    log.flush()
}

/// One ordinary line of a Proxmox VE host (no signal of any incident), after `stamp`. The
/// variable parts take few values, as on a real host, so the distinct messages stay few.
fn ordinary(out: &mut String, stamp: &str, rng: &mut Rng) {
    use std::fmt::Write as _;
    let cron = 40_000 + rng.below(200);
    let _ = match rng.below(10) {
        0 => writeln!(
            out,
            "{stamp} pve1 CRON[{cron}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
        ),
        1 => writeln!(
            out,
            "{stamp} pve1 CRON[{}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
            cron + 1
        ),
        2 => writeln!(
            out,
            "{stamp} pve1 CRON[{cron}]: pam_unix(cron:session): session closed for user root"
        ),
        3 | 4 => writeln!(
            out,
            "{stamp} pve1 pvestatd[1580]: status update time ({}.{:03} seconds)",
            rng.below(3),
            rng.below(20) * 50
        ),
        5 => writeln!(
            out,
            "{stamp} pve1 pvedaemon[2211]: <root@pam> successful auth for user 'root@pam'"
        ),
        6 => {
            let worker = 30_000 + rng.below(100);
            writeln!(out, "{stamp} pve1 pveproxy[{worker}]: worker exit")
        }
        7 => writeln!(
            out,
            "{stamp} pve1 pveproxy[1720]: worker {} started",
            30_000 + rng.below(100)
        ),
        8 => writeln!(
            out,
            "{stamp} pve1 pmxcfs[1310]: [dcdb] notice: data verification successful"
        ),
        _ => writeln!(
            out,
            "{stamp} pve1 kernel: perf: interrupt took too long (3169 > 3126), lowering kernel.perf_event_max_sample_rate to 63000"
        ),
    };
}

/// The start of every bundle's lines: 2025-07-29 00:00:00 (UTC for `files`, local otherwise).
fn start() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2025, 7, 29)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::UNIX_EPOCH, |t| t.and_utc())
}

/// The time of line `i` of `n`, spread evenly over [`SPAN_SECS`] (whole seconds, in order).
fn at(i: usize, n: usize) -> DateTime<Utc> {
    let secs = (i as i128 * SPAN_SECS as i128 / n.max(1) as i128) as i64;
    start() + Duration::seconds(secs)
}

/// An RFC 3164 stamp: `Jul 29 09:56:40` (space-padded day, no year, no zone).
fn rfc3164(t: DateTime<Utc>) -> String {
    t.format("%b %e %H:%M:%S").to_string()
}

/// A fixed-seed generator (splitmix64), so the same arguments write the same bytes.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}
