//! The large-bundle generator: a deterministic, seeded Proxmox VE host + guests bundle of about a
//! requested uncompressed size, for benchmarks (issue #12) and for a test of the whole pipeline
//! on a big, realistic input.
//!
//! The host `pve1` (zone Europe/Berlin) writes `journalctl -o export` (`journal.export`), the
//! last part of the same entries as `journalctl -o json` (`journal.json`), rsyslog's traditional
//! `var/log/syslog` and `var/log/kern.log` in local time, `last -x` and the snapshots (`qm list`,
//! `/proc/meminfo`, `df -h`, `zpool status`); `manifest.json` names the collection time and the
//! zone. Three guests, `guest/101-web`, `guest/102-db` and `guest/103-mail`, write rsyslog RFC
//! 3339 `var/log/syslog` (kernel lines keep their printk uptime) and `dmesg.txt` (seconds since
//! boot); `101-web` also writes a journal export.
//!
//! Messages come from many real templates (PVE daemons, systemd, kernel, cron, sshd, postfix,
//! nginx and php-fpm, PostgreSQL, dovecot, qemu-ga) with varied numbers, hex ids, addresses,
//! durations and UPIDs, so the bundle compresses about as real logs do (8–12× with gzip).
//!
//! The time span grows with the size: ordinary traffic runs until the bytes written approach the
//! target; then the incident: the host's kernel OOM killer kills VM 101's kvm process (the whole
//! report, `oom-kill:…task_memcg=/qemu.slice/101.scope…`, `Out of memory: Killed process …
//! (kvm)`, systemd's `101.scope` OOM lines), the guest's logs stop, `qm start` runs a few minutes
//! later and the guest boots again (journald: `corrupted or uncleanly shut down`); a few more
//! minutes of traffic follow. Nothing depends on the clock or the machine: the same size and seed
//! write the same bytes.

#[path = "splitmix.rs"]
mod splitmix;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone};
use chrono_tz::Europe::Berlin;
use flate2::{Compression, write::GzEncoder};

/// The first record's time: 2025-07-21T04:00:00Z (06:00 in Berlin).
const T0: i64 = 1_753_070_400_000_000;
/// The host's kernel started two weeks before the first record.
const HOST_BOOT: i64 = T0 - 14 * 86_400_000_000;
/// The affected VM.
const VM: u32 = 101;
/// Seconds from the kill to the end of the logs, at most and at least: a quarter of the bundle's
/// bytes when that fits (so a small bundle stays near its size); 40 % of it before `qm start`.
const TAIL_S: (f64, f64) = (90.0, 520.0);

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Bytes of every file.
    pub bytes: u64,
    /// Files written, relative paths with `/`, sorted.
    pub files: Vec<String>,
    /// First and last record, µs since the epoch.
    pub span: (i64, i64),
    /// When VM 101's kvm process was killed, µs since the epoch.
    pub kill: i64,
}

/// A fixed-seed generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5eed_b0d1_e5ca_1ab1)
    }

    fn next(&mut self) -> u64 {
        splitmix::next(&mut self.0)
    }

    /// Uniform in `[0, n)` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// Uniform in `[lo, hi]`.
    fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// One of `items`.
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// A value that follows a rough power law in `[1, max]`: small values common, large rare.
    fn skewed(&mut self, max: u64) -> u64 {
        let bits = 64 - max.leading_zeros() as u64;
        let cap = 1u64 << self.below(bits.max(1));
        (1 + self.below(cap)).min(max)
    }

    /// A public-looking IPv4 address: a few regular clients, many scanners.
    fn ip(&mut self) -> String {
        if self.below(3) == 0 {
            let n = self.below(40);
            format!("198.51.100.{}", 10 + n * 5)
        } else {
            let first = [
                31, 45, 62, 77, 80, 89, 91, 103, 138, 151, 176, 185, 193, 212,
            ];
            format!(
                "{}.{}.{}.{}",
                first[self.below(first.len() as u64) as usize],
                self.below(256),
                self.below(256),
                1 + self.below(254)
            )
        }
    }
}

/// A file being written, with its byte count.
struct Out {
    file: BufWriter<File>,
    bytes: u64,
}

impl Out {
    fn create(dir: &Path, rel: &str) -> io::Result<Out> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(Out {
            file: BufWriter::with_capacity(1 << 16, File::create(path)?),
            bytes: 0,
        })
    }

    fn put(&mut self, text: &str) -> io::Result<()> {
        self.bytes += text.len() as u64;
        self.file.write_all(text.as_bytes())
    }
}

/// How a record reached the journal.
#[derive(Clone, Copy, PartialEq)]
enum Transport {
    Kernel,
    Syslog,
    Journal,
    Stdout,
    Driver,
}

/// One record of one machine.
struct Rec {
    /// When it was logged (µs).
    t: i64,
    /// Syslog identifier.
    ident: &'static str,
    /// Process id (0: none).
    pid: u32,
    /// Syslog priority.
    prio: u8,
    /// `UNIT=` of a systemd (PID 1) message.
    unit: Option<String>,
    /// When rsyslog wrote it, if later than `t` (a new boot's ring buffer).
    logged: Option<i64>,
    /// When journald received it, if later than `t` (a new boot's ring buffer).
    received: Option<i64>,
    msg: String,
}

fn rec(t: i64, ident: &'static str, pid: u32, msg: String) -> Rec {
    Rec {
        t,
        ident,
        pid,
        prio: 6,
        unit: None,
        logged: None,
        received: None,
        msg,
    }
}

/// What the journal knows of a process writing under `ident`: comm, exe, unit, facility and
/// transport.
fn meta(ident: &str) -> (&'static str, &'static str, &'static str, u8, Transport) {
    match ident {
        "kernel" => ("", "", "", 0, Transport::Kernel),
        "systemd" => (
            "systemd",
            "/usr/lib/systemd/systemd",
            "init.scope",
            3,
            Transport::Journal,
        ),
        "pvestatd" => (
            "pvestatd",
            "/usr/bin/perl",
            "pvestatd.service",
            3,
            Transport::Syslog,
        ),
        "pvedaemon" => (
            "pvedaemon worke",
            "/usr/bin/perl",
            "pvedaemon.service",
            3,
            Transport::Syslog,
        ),
        "pveproxy" => (
            "pveproxy worker",
            "/usr/bin/perl",
            "pveproxy.service",
            3,
            Transport::Syslog,
        ),
        "pvescheduler" => (
            "pvescheduler",
            "/usr/bin/perl",
            "pvescheduler.service",
            3,
            Transport::Syslog,
        ),
        "pmxcfs" => (
            "pmxcfs",
            "/usr/bin/pmxcfs",
            "pve-cluster.service",
            3,
            Transport::Syslog,
        ),
        "qmeventd" => (
            "qmeventd",
            "/usr/sbin/qmeventd",
            "qmeventd.service",
            3,
            Transport::Stdout,
        ),
        "CRON" => (
            "cron",
            "/usr/sbin/cron",
            "cron.service",
            10,
            Transport::Syslog,
        ),
        "sshd" => (
            "sshd",
            "/usr/sbin/sshd",
            "ssh.service",
            10,
            Transport::Syslog,
        ),
        "systemd-logind" => (
            "systemd-logind",
            "/usr/lib/systemd/systemd-logind",
            "systemd-logind.service",
            4,
            Transport::Journal,
        ),
        "chronyd" => (
            "chronyd",
            "/usr/sbin/chronyd",
            "chrony.service",
            3,
            Transport::Syslog,
        ),
        "smartd" => (
            "smartd",
            "/usr/sbin/smartd",
            "smartmontools.service",
            3,
            Transport::Syslog,
        ),
        "nginx" => (
            "nginx",
            "/usr/sbin/nginx",
            "nginx.service",
            23,
            Transport::Syslog,
        ),
        "php-fpm8.2" => (
            "php-fpm8.2",
            "/usr/sbin/php-fpm8.2",
            "php8.2-fpm.service",
            3,
            Transport::Syslog,
        ),
        "qemu-ga" => (
            "qemu-ga",
            "/usr/sbin/qemu-ga",
            "qemu-guest-agent.service",
            3,
            Transport::Syslog,
        ),
        "systemd-journald" => (
            "systemd-journal",
            "/usr/lib/systemd/systemd-journald",
            "systemd-journald.service",
            3,
            Transport::Driver,
        ),
        "systemd-timesyncd" => (
            "systemd-timesyn",
            "/usr/lib/systemd/systemd-timesyncd",
            "systemd-timesyncd.service",
            3,
            Transport::Journal,
        ),
        "postgres" => (
            "postgres",
            "/usr/lib/postgresql/15/bin/postgres",
            "postgresql@15-main.service",
            3,
            Transport::Syslog,
        ),
        "dovecot" => (
            "dovecot",
            "/usr/sbin/dovecot",
            "dovecot.service",
            2,
            Transport::Syslog,
        ),
        _ if ident.starts_with("postfix/") => (
            "smtpd",
            "/usr/lib/postfix/sbin/smtpd",
            "postfix@-.service",
            2,
            Transport::Syslog,
        ),
        _ => ("sh", "/usr/bin/dash", "cron.service", 3, Transport::Syslog),
    }
}

fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Kernel => "kernel",
        Transport::Syslog => "syslog",
        Transport::Journal => "journal",
        Transport::Stdout => "stdout",
        Transport::Driver => "driver",
    }
}

/// A 128-bit id in journald's form (32 lowercase hex digits), from a seed and a name.
fn id128(seed: u64, name: &str) -> String {
    let mut rng = Rng::new(name.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }));
    format!("{:016x}{:016x}", rng.next(), rng.next())
}

/// One machine and the files it writes.
struct Machine {
    name: &'static str,
    host: bool,
    syslog: Out,
    kern: Option<Out>,
    export: Option<Out>,
    json: Option<Out>,
    dmesg: Option<Out>,
    /// Kernel start of the running boot (µs).
    boot: i64,
    boot_id: String,
    machine_id: String,
    seqnum_id: String,
    seqnum: u64,
    seed: u64,
    /// Whether the machine runs (a killed VM writes nothing).
    up: bool,
    /// Last syslog and journal times written, so each file stays in order.
    last_logged: i64,
    last_real: i64,
    /// The syslog stamp of the last second written.
    stamp: (i64, String),
}

impl Machine {
    fn new(
        dir: &Path,
        name: &'static str,
        host: bool,
        boot: i64,
        seed: u64,
    ) -> io::Result<Machine> {
        let base = if host {
            format!("host/{name}")
        } else {
            format!("guest/{}", guest_dir(name))
        };
        let syslog = Out::create(dir, &format!("{base}/var/log/syslog"))?;
        let kern = if host {
            Some(Out::create(dir, &format!("{base}/var/log/kern.log"))?)
        } else {
            None
        };
        let export = if host || name == "web" {
            Some(Out::create(dir, &format!("{base}/journal.export"))?)
        } else {
            None
        };
        Ok(Machine {
            name,
            host,
            syslog,
            kern,
            export,
            json: None,
            dmesg: None,
            boot,
            boot_id: id128(seed, &format!("{name} boot {boot}")),
            machine_id: id128(seed, &format!("{name} machine")),
            seqnum_id: id128(seed, &format!("{name} seqnum")),
            seqnum: 0x4ece7 + seed % 0x10000,
            seed,
            up: true,
            last_logged: 0,
            last_real: 0,
            stamp: (i64::MIN, String::new()),
        })
    }

    fn bytes(&self) -> u64 {
        [&self.kern, &self.export, &self.json, &self.dmesg]
            .iter()
            .filter_map(|o| o.as_ref())
            .map(|o| o.bytes)
            .sum::<u64>()
            + self.syslog.bytes
    }

    /// The syslog stamp of time `t`: traditional local time on the host, RFC 3339 in UTC (with
    /// microseconds) in the guests.
    fn stamp(&mut self, t: i64) -> String {
        let secs = t.div_euclid(1_000_000);
        if self.stamp.0 != secs {
            let utc = DateTime::from_timestamp(secs, 0).unwrap_or_default();
            let text = if self.host {
                Berlin
                    .from_utc_datetime(&utc.naive_utc())
                    .format("%b %e %H:%M:%S")
                    .to_string()
            } else {
                utc.format("%Y-%m-%dT%H:%M:%S").to_string()
            };
            self.stamp = (secs, text);
        }
        if self.host {
            self.stamp.1.clone()
        } else {
            format!("{}.{:06}+00:00", self.stamp.1, t.rem_euclid(1_000_000))
        }
    }

    /// Writes `r` to every file of the machine that holds it.
    fn emit(&mut self, r: &Rec, line: &mut String) -> io::Result<()> {
        let kernel = r.ident == "kernel";
        let uptime = r.t - self.boot;
        // syslog (and kern.log)
        let logged = r.logged.unwrap_or(r.t).max(self.last_logged);
        self.last_logged = logged;
        let stamp = self.stamp(logged);
        line.clear();
        let _ = write!(line, "{stamp} {} {}", self.name, r.ident);
        if r.pid != 0 {
            let _ = write!(line, "[{}]", r.pid);
        }
        line.push_str(": ");
        if kernel && !self.host {
            let _ = write!(
                line,
                "[{:5}.{:06}] ",
                uptime.div_euclid(1_000_000),
                uptime.rem_euclid(1_000_000)
            );
        }
        line.push_str(&r.msg);
        line.push('\n');
        self.syslog.put(line)?;
        if kernel && let Some(kern) = self.kern.as_mut() {
            kern.put(line)?;
        }
        if kernel && let Some(dmesg) = self.dmesg.as_mut() {
            line.clear();
            let _ = writeln!(
                line,
                "[{:5}.{:06}] {}",
                uptime.div_euclid(1_000_000),
                uptime.rem_euclid(1_000_000),
                r.msg
            );
            dmesg.put(line)?;
        }
        if self.export.is_none() {
            return Ok(());
        }
        let fields = self.fields(r);
        if let Some(export) = self.export.as_mut() {
            line.clear();
            for (name, value) in &fields {
                let _ = writeln!(line, "{name}={value}");
            }
            line.push('\n');
            export.put(line)?;
        }
        if let Some(json) = self.json.as_mut() {
            line.clear();
            line.push('{');
            for (i, (name, value)) in fields.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                let _ = write!(line, "\"{name}\":\"");
                json_escape(line, value);
                line.push('"');
            }
            line.push_str("}\n");
            json.put(line)?;
        }
        Ok(())
    }

    /// The journal fields of `r`, in journalctl's order.
    fn fields(&mut self, r: &Rec) -> Vec<(&'static str, String)> {
        let (comm, exe, unit, facility, transport) = meta(r.ident);
        let jitter = 40 + (r.t.rem_euclid(997) * 7) % 900;
        let real = (r.received.unwrap_or(r.t) + jitter).max(self.last_real + 1);
        self.last_real = real;
        let mono = real - self.boot;
        self.seqnum += 1;
        let xor = id128(self.seed, &format!("{}{real}", self.seqnum));
        let mut f: Vec<(&'static str, String)> = Vec::with_capacity(28);
        f.push((
            "__CURSOR",
            format!(
                "s={};i={:x};b={};m={mono:x};t={real:x};x={}",
                self.seqnum_id,
                self.seqnum,
                self.boot_id,
                xor.get(..16).unwrap_or_default()
            ),
        ));
        f.push(("__REALTIME_TIMESTAMP", real.to_string()));
        f.push(("__MONOTONIC_TIMESTAMP", mono.to_string()));
        f.push(("_BOOT_ID", self.boot_id.clone()));
        f.push(("_MACHINE_ID", self.machine_id.clone()));
        f.push(("_HOSTNAME", self.name.to_string()));
        f.push(("PRIORITY", r.prio.to_string()));
        f.push(("SYSLOG_FACILITY", facility.to_string()));
        f.push(("SYSLOG_IDENTIFIER", r.ident.to_string()));
        f.push(("_TRANSPORT", transport_name(transport).to_string()));
        if transport == Transport::Kernel {
            f.push(("_SOURCE_MONOTONIC_TIMESTAMP", (r.t - self.boot).to_string()));
        } else {
            if transport == Transport::Syslog {
                if r.pid != 0 {
                    f.push(("SYSLOG_PID", r.pid.to_string()));
                }
                let stamp = if self.host {
                    self.stamp(r.t)
                } else {
                    DateTime::from_timestamp(r.t.div_euclid(1_000_000), 0)
                        .unwrap_or_default()
                        .format("%b %e %H:%M:%S")
                        .to_string()
                };
                f.push(("SYSLOG_TIMESTAMP", format!("{stamp} ")));
            }
            // A tag without a pid (nginx's syslog) still comes from a process.
            let pid = if r.pid == 0 { 905 } else { r.pid };
            f.push(("_PID", pid.to_string()));
            f.push(("_UID", "0".into()));
            f.push(("_GID", "0".into()));
            f.push(("_COMM", comm.into()));
            f.push(("_EXE", exe.into()));
            f.push(("_CAP_EFFECTIVE", "1ffffffffff".into()));
            f.push(("_SELINUX_CONTEXT", "unconfined".into()));
            if unit == "init.scope" {
                f.push(("_SYSTEMD_CGROUP", "/init.scope".into()));
                f.push(("_SYSTEMD_UNIT", unit.into()));
                f.push(("_SYSTEMD_SLICE", "-.slice".into()));
                f.push(("CODE_FILE", "src/core/unit.c".into()));
                f.push(("CODE_LINE", (5000 + r.msg.len() * 7).to_string()));
                f.push(("CODE_FUNC", "unit_log_resources".into()));
                if let Some(u) = &r.unit {
                    f.push(("UNIT", u.clone()));
                    f.push(("INVOCATION_ID", id128(self.seed, u)));
                }
            } else {
                f.push(("_SYSTEMD_CGROUP", format!("/system.slice/{unit}")));
                f.push(("_SYSTEMD_UNIT", unit.into()));
                f.push(("_SYSTEMD_SLICE", "system.slice".into()));
                f.push((
                    "_SYSTEMD_INVOCATION_ID",
                    id128(self.seed, &format!("{} {unit} {}", self.name, self.boot)),
                ));
            }
            f.push(("_SOURCE_REALTIME_TIMESTAMP", r.t.to_string()));
        }
        f.push(("MESSAGE", r.msg.clone()));
        f
    }
}

/// A JSON string's body.
fn json_escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// The folder of a guest: `<vmid>-<name>`.
fn guest_dir(name: &str) -> String {
    let vmid = match name {
        "web" => 101,
        "db" => 102,
        _ => 103,
    };
    format!("{vmid}-{name}")
}

/// Machine indexes.
const HOST: usize = 0;
const WEB: usize = 1;
const DB: usize = 2;
const MAIL: usize = 3;

/// The generator's state: the machines, the clock and the records scheduled for later.
struct Gen {
    rng: Rng,
    m: Vec<Machine>,
    /// Records scheduled for later (the end of a task, a session, a mail), sorted by time.
    pending: Vec<(usize, Rec)>,
    next_pid: u32,
    upid_n: u32,
    session: u32,
    line: String,
}

const PATHS: &[&str] = &[
    "/",
    "/index.php",
    "/wp-login.php",
    "/api/v1/orders",
    "/api/v1/cart",
    "/api/v1/products",
    "/static/app.js",
    "/static/app.css",
    "/images/logo.png",
    "/favicon.ico",
    "/robots.txt",
    "/search",
    "/account/login",
    "/account/orders",
    "/checkout",
    "/feed.xml",
    "/.env",
    "/sitemap.xml",
    "/api/v1/session",
    "/product",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/7.88.1",
    "Prometheus/2.45.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
];
const USERS: &[&str] = &[
    "admin",
    "test",
    "user",
    "oracle",
    "postgres",
    "ubuntu",
    "git",
    "ftpuser",
    "deploy",
    "guest",
    "support",
    "hadoop",
    "jenkins",
    "pi",
    "minecraft",
    "steam",
    "es",
    "dev",
    "www",
    "mysql",
];
const TABLES: &[&str] = &[
    "orders",
    "order_items",
    "customers",
    "sessions",
    "products",
    "inventory",
    "audit_log",
    "payments",
    "carts",
    "shipments",
];
const TIMERS: &[(&str, &str)] = &[
    (
        "systemd-tmpfiles-clean.service",
        "Cleanup of Temporary Directories",
    ),
    ("logrotate.service", "Rotate log files"),
    ("man-db.service", "Daily man-db regeneration"),
    (
        "e2scrub_all.service",
        "Online ext4 Metadata Check for All Filesystems",
    ),
    (
        "fstrim.service",
        "Discard unused blocks on filesystems from /etc/fstab",
    ),
    ("sysstat-collect.service", "system activity accounting tool"),
];

impl Gen {
    fn pid(&mut self) -> u32 {
        self.next_pid += 1 + self.rng.below(40) as u32;
        if self.next_pid > 4_000_000 {
            self.next_pid = 3000;
        }
        self.next_pid
    }

    fn later(&mut self, m: usize, r: Rec) {
        let at = self.pending.partition_point(|(_, p)| p.t <= r.t);
        self.pending.insert(at, (m, r));
    }

    fn emit(&mut self, m: usize, r: &Rec) -> io::Result<()> {
        if !self.m[m].up {
            return Ok(());
        }
        let mut line = std::mem::take(&mut self.line);
        let done = self.m[m].emit(r, &mut line);
        self.line = line;
        done
    }

    /// Writes the scheduled records due by `t`.
    fn flush(&mut self, t: i64) -> io::Result<()> {
        let due = self.pending.partition_point(|(_, p)| p.t <= t);
        let recs: Vec<(usize, Rec)> = self.pending.drain(..due).collect();
        for (m, r) in &recs {
            self.emit(*m, r)?;
        }
        Ok(())
    }

    fn upid(&mut self, t: i64, worker: u32, task: &str, id: &str) -> String {
        self.upid_n += 1;
        format!(
            "UPID:pve1:{worker:08X}:{:08X}:{:08X}:{task}:{id}:root@pam:",
            ((t - HOST_BOOT) / 10_000) as u64 & 0xffff_ffff,
            t / 1_000_000
        )
    }

    fn seconds(&mut self, max_ms: u64) -> String {
        let ms = self.rng.skewed(max_ms);
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }

    /// One step of the host's ordinary traffic at `t`.
    fn host(&mut self, t: i64) -> io::Result<()> {
        let r = self.rng.below(100);
        let mut out: Vec<Rec> = Vec::with_capacity(3);
        match r {
            0..=17 => {
                let s = self.seconds(4000);
                out.push(rec(
                    t,
                    "pvestatd",
                    1580,
                    format!("status update time ({s} seconds)"),
                ));
            }
            18..=21 => {
                let msg = match self.rng.below(3) {
                    0 => "[dcdb] notice: data verification successful".to_string(),
                    1 => "[status] notice: received log".to_string(),
                    _ => format!(
                        "[dcdb] notice: wrote {} bytes to /etc/pve/nodes/pve1/lrm_status",
                        100 + self.rng.below(300)
                    ),
                };
                out.push(rec(t, "pmxcfs", 1310, msg));
            }
            22..=29 => {
                let worker = 100_000 + self.rng.below(900_000) as u32;
                let msg = match self.rng.below(4) {
                    0 => "worker exit".to_string(),
                    1 => "starting 1 worker(s)".to_string(),
                    2 => format!("worker {} started", self.pid()),
                    _ => "proxy detected vanished client connection".to_string(),
                };
                let pid = if msg.starts_with("worker exit") || msg.starts_with("proxy") {
                    worker
                } else {
                    1720
                };
                out.push(rec(t, "pveproxy", pid, msg));
            }
            30..=35 => {
                let worker = 2211 + self.rng.below(3) as u32;
                match self.rng.below(3) {
                    0 => out.push(rec(
                        t,
                        "pvedaemon",
                        worker,
                        "<root@pam> successful auth for user 'root@pam'".into(),
                    )),
                    1 => {
                        let task = self.pid();
                        let kind = self.rng.pick(&["vncproxy", "termproxy", "qmconfig"]);
                        let vm = 101 + self.rng.below(3);
                        let upid = self.upid(t, task, kind, &vm.to_string());
                        out.push(rec(
                            t,
                            "pvedaemon",
                            worker,
                            format!("<root@pam> starting task {upid}"),
                        ));
                        let end = t + 2_000_000 + self.rng.below(900_000_000) as i64;
                        self.later(
                            HOST,
                            rec(
                                end,
                                "pvedaemon",
                                worker,
                                format!("<root@pam> end task {upid} OK"),
                            ),
                        );
                    }
                    _ => {
                        let ip = self.rng.ip();
                        out.push(rec(t, "pvedaemon", worker, format!("authentication failure; rhost=::ffff:{ip} user=root@pam msg=no such user ('{}@pam')", self.rng.pick(USERS))));
                    }
                }
            }
            36..=49 => {
                let pid = self.pid();
                let cmd = self.rng.pick(&[
                    "command -v debian-sa1 > /dev/null && debian-sa1 1 1",
                    "cd / && run-parts --report /etc/cron.hourly",
                    "/usr/local/bin/zfs-snapshot-rotate --keep 24",
                    "test -x /usr/sbin/pvesr && /usr/sbin/pvesr run --mail 1",
                    "/usr/local/sbin/check-backup-storage.sh >/dev/null 2>&1",
                ]);
                out.push(rec(
                    t,
                    "CRON",
                    pid,
                    "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)".into(),
                ));
                out.push(rec(
                    t + 1200,
                    "CRON",
                    pid + 1,
                    format!("(root) CMD ({cmd})"),
                ));
                let close = t + 50_000 + self.rng.below(3_000_000) as i64;
                self.later(
                    HOST,
                    rec(
                        close,
                        "CRON",
                        pid,
                        "pam_unix(cron:session): session closed for user root".into(),
                    ),
                );
            }
            50..=59 => self.timer(HOST, t, &mut out),
            60..=71 => self.scanner(t, &mut out),
            72..=79 => self.mail_out(HOST, t),
            80..=87 => {
                let msg = match self.rng.below(4) {
                    0 => format!(
                        "audit: type=1400 audit({}.{:03}:{}): apparmor=\"DENIED\" operation=\"mount\" class=\"mount\" info=\"failed flags match\" error=-13 profile=\"lxc-{}_</var/lib/lxc>\" name=\"/run/systemd/unit-root/\" pid={} comm=\"(ostnamed)\" srcname=\"/\" flags=\"rw, rbind\"",
                        t / 1_000_000,
                        (t / 1000) % 1000,
                        1000 + self.rng.below(90_000),
                        200 + self.rng.below(10),
                        self.rng.int(1000, 4_000_000)
                    ),
                    1 => format!(
                        "x86/split lock detection: #AC: CPU {}/KVM/{} took a split_lock trap at address: 0x{:x}",
                        self.rng.below(16),
                        self.rng.int(30_000, 40_000),
                        0xffff_ffff_8100_0000u64 + self.rng.below(0xff_ffff)
                    ),
                    2 => format!(
                        "kvm: kvm [{}]: ignored rdmsr: 0x{:x} data 0x0",
                        self.rng.int(30_000, 40_000),
                        self.rng
                            .pick(&["4e", "64e", "34", "611", "639", "641", "619", "1c9"])
                            .len()
                            * 0x10
                            + 0x600
                    ),
                    _ => format!(
                        "perf: interrupt took too long ({} > {}), lowering kernel.perf_event_max_sample_rate to {}",
                        2500 + self.rng.below(2000),
                        2500 + self.rng.below(1000),
                        30_000 + self.rng.below(50) * 1000
                    ),
                };
                let mut k = rec(t, "kernel", 0, msg);
                k.prio = 5;
                out.push(k);
            }
            88..=91 => {
                let n = self.rng.below(4);
                let ip = self.rng.ip();
                let msg = match self.rng.below(3) {
                    0 => format!("Selected source {ip} ({n}.debian.pool.ntp.org)"),
                    1 => format!(
                        "Source {ip} replaced with {} ({n}.debian.pool.ntp.org)",
                        self.rng.ip()
                    ),
                    _ => "Can't synchronise: no majority".to_string(),
                };
                out.push(rec(t, "chronyd", 1011, msg));
            }
            92..=95 => {
                let dev = self.rng.pick(&[
                    "/dev/sda [SAT]",
                    "/dev/sdb [SAT]",
                    "/dev/sdc [SAT]",
                    "/dev/sdd [SAT]",
                ]);
                let from = 30 + self.rng.below(30);
                let to = if self.rng.below(2) == 0 {
                    from + 1
                } else {
                    from - 1
                };
                let attr = self
                    .rng
                    .pick(&["194 Temperature_Celsius", "190 Airflow_Temperature_Cel"]);
                out.push(rec(
                    t,
                    "smartd",
                    1005,
                    format!(
                        "Device: {dev}, SMART Usage Attribute: {attr} changed from {} to {}",
                        100 - from,
                        100 - to
                    ),
                ));
            }
            _ => {
                let msg = match self.rng.below(2) {
                    0 => "jobs: cfs-lock 'file-jobs_cfg' error: got lock request timeout",
                    _ => {
                        "replication: cfs-lock 'file-replication_cfg' error: got lock request timeout"
                    }
                };
                out.push(rec(
                    t,
                    "pvescheduler",
                    self.rng.int(300_000, 900_000) as u32,
                    msg.into(),
                ));
            }
        }
        for r in &out {
            self.emit(HOST, r)?;
        }
        Ok(())
    }

    /// A systemd timer's service running and finishing.
    fn timer(&mut self, m: usize, t: i64, out: &mut Vec<Rec>) {
        let (unit, desc) = TIMERS[self.rng.below(TIMERS.len() as u64) as usize];
        out.push(pid1(t, unit, format!("Starting {unit} - {desc}...")));
        let end = t + 20_000 + self.rng.below(2_000_000) as i64;
        self.later(
            m,
            pid1(end, unit, format!("{unit}: Deactivated successfully.")),
        );
        self.later(
            m,
            pid1(end + 300, unit, format!("Finished {unit} - {desc}.")),
        );
        if self.rng.below(3) == 0 {
            let s = self.seconds(9000);
            self.later(
                m,
                pid1(end + 600, unit, format!("{unit}: Consumed {s}s CPU time.")),
            );
        }
    }

    /// An ssh scanner's attempt (or now and then an admin's session) on the host.
    fn scanner(&mut self, t: i64, out: &mut Vec<Rec>) {
        let pid = self.pid();
        let ip = self.rng.ip();
        let port = self.rng.int(1024, 65535);
        if self.rng.below(8) == 0 {
            self.session += 1;
            let s = self.session;
            let key: String = (0..43)
                .map(|_| {
                    let c = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                    char::from(c[self.rng.below(64) as usize])
                })
                .collect();
            out.push(rec(
                t,
                "sshd",
                pid,
                format!(
                    "Accepted publickey for root from {ip} port {port} ssh2: ED25519 SHA256:{key}"
                ),
            ));
            out.push(rec(
                t + 4000,
                "sshd",
                pid,
                "pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)".into(),
            ));
            out.push(rec(
                t + 9000,
                "systemd-logind",
                840,
                format!("New session {s} of user root."),
            ));
            out.push(pid1(
                t + 12_000,
                &format!("session-{s}.scope"),
                format!("Started session-{s}.scope - Session {s} of User root."),
            ));
            let end = t + 60_000_000 + self.rng.below(3_000_000_000) as i64;
            self.later(
                HOST,
                rec(
                    end,
                    "sshd",
                    pid,
                    format!("Received disconnect from {ip} port {port}:11: disconnected by user"),
                ),
            );
            self.later(
                HOST,
                rec(
                    end + 300,
                    "sshd",
                    pid,
                    format!("Disconnected from user root {ip} port {port}"),
                ),
            );
            self.later(
                HOST,
                rec(
                    end + 900,
                    "sshd",
                    pid,
                    "pam_unix(sshd:session): session closed for user root".into(),
                ),
            );
            self.later(
                HOST,
                rec(
                    end + 2000,
                    "systemd-logind",
                    840,
                    format!("Session {s} logged out. Waiting for processes to exit."),
                ),
            );
            self.later(
                HOST,
                pid1(
                    end + 3000,
                    &format!("session-{s}.scope"),
                    format!("session-{s}.scope: Deactivated successfully."),
                ),
            );
            self.later(
                HOST,
                rec(
                    end + 4000,
                    "systemd-logind",
                    840,
                    format!("Removed session {s}."),
                ),
            );
            return;
        }
        let user = self.rng.pick(USERS);
        match self.rng.below(3) {
            0 => {
                out.push(rec(
                    t,
                    "sshd",
                    pid,
                    format!("Invalid user {user} from {ip} port {port}"),
                ));
                out.push(rec(
                    t + 200_000,
                    "sshd",
                    pid,
                    format!("Received disconnect from {ip} port {port}:11: Bye Bye [preauth]"),
                ));
                out.push(rec(
                    t + 200_300,
                    "sshd",
                    pid,
                    format!("Disconnected from invalid user {user} {ip} port {port} [preauth]"),
                ));
            }
            1 => out.push(rec(
                t,
                "sshd",
                pid,
                format!("Connection closed by authenticating user root {ip} port {port} [preauth]"),
            )),
            _ => out.push(rec(
                t,
                "sshd",
                pid,
                format!("Connection closed by {ip} port {port} [preauth]"),
            )),
        }
    }

    /// A mail through postfix on machine `m`: the host sends its notifications, the mail guest
    /// receives and delivers.
    fn mail_out(&mut self, m: usize, t: i64) {
        let qid = format!("{:010X}", self.rng.next() & 0xff_ffff_ffff);
        let next = format!("{:010X}", self.rng.next() & 0xff_ffff_ffff);
        let host = self.m[m].name;
        let size = 400 + self.rng.skewed(90_000);
        let p = self.pid();
        let mut at = t;
        if m == HOST {
            self.later(
                m,
                rec(
                    at,
                    "postfix/pickup",
                    1402,
                    format!("{qid}: uid=0 from=<root>"),
                ),
            );
        } else {
            let ip = self.rng.ip();
            self.later(
                m,
                rec(
                    at,
                    "postfix/smtpd",
                    p,
                    format!("connect from unknown[{ip}]"),
                ),
            );
            at += 30_000;
            self.later(
                m,
                rec(
                    at,
                    "postfix/smtpd",
                    p,
                    format!("{qid}: client=unknown[{ip}]"),
                ),
            );
            at += 120_000;
            self.later(m, rec(at, "postfix/smtpd", p, format!("disconnect from unknown[{ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5")));
        }
        at += 2000;
        let mid = self.rng.next() & 0xffff_ffff;
        self.later(
            m,
            rec(
                at,
                "postfix/cleanup",
                p + 1,
                format!(
                    "{qid}: message-id=<{}.{mid:x}@{host}.example.net>",
                    t / 1_000_000
                ),
            ),
        );
        at += 1500;
        let rcpts = 1 + self.rng.below(2);
        self.later(m, rec(at, "postfix/qmgr", 1403, format!("{qid}: from=<root@{host}.example.net>, size={size}, nrcpt={rcpts} (queue active)")));
        let delay = self.rng.skewed(4000);
        at += delay as i64 * 1000;
        let to = self
            .rng
            .pick(&["ops", "alerts", "admin", "noc", "backup-reports"]);
        let relay_ip = self.rng.ip();
        let msg = format!(
            "{qid}: to=<{to}@example.com>, relay=mx{}.example.com[{relay_ip}]:25, delay={}.{:02}, delays=0.{:02}/0.{:02}/0.{:02}/0.{:02}, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {next})",
            1 + self.rng.below(3),
            delay / 1000,
            (delay / 10) % 100,
            self.rng.below(100),
            self.rng.below(100),
            self.rng.below(100),
            self.rng.below(100),
        );
        self.later(m, rec(at, "postfix/smtp", p + 2, msg));
        self.later(
            m,
            rec(at + 800, "postfix/qmgr", 1403, format!("{qid}: removed")),
        );
    }

    /// A guest kernel line (the firewall dropping a packet), carrying its printk uptime.
    fn ufw(&mut self, m: usize, t: i64) -> Rec {
        let src = self.rng.ip();
        let dst = match m {
            WEB => "10.10.0.101",
            DB => "10.10.0.102",
            _ => "10.10.0.103",
        };
        let port = *[22u64, 23, 445, 3389, 8080, 5432, 3306, 6379, 1433, 5900]
            .get(self.rng.below(10) as usize)
            .unwrap_or(&22);
        let msg = format!(
            "[UFW BLOCK] IN=ens18 OUT= MAC=bc:24:11:{:02x}:{:02x}:{:02x}:52:54:00:12:34:56:08:00 SRC={src} DST={dst} LEN={} TOS=0x00 PREC=0x00 TTL={} ID={} PROTO=TCP SPT={} DPT={port} WINDOW={} RES=0x00 SYN URGP=0",
            m * 16,
            m * 3,
            m * 7,
            40 + self.rng.below(4) * 4,
            40 + self.rng.below(200),
            self.rng.below(65536),
            self.rng.int(1024, 65535),
            self.rng.pick(&["1024", "65535", "29200", "14600", "64240"]),
        );
        let mut r = rec(t, "kernel", 0, msg);
        r.prio = 4;
        r
    }

    /// One step of a guest's ordinary traffic at `t`.
    fn guest(&mut self, m: usize, t: i64) -> io::Result<()> {
        let r = self.rng.below(100);
        let mut out: Vec<Rec> = Vec::with_capacity(2);
        match (m, r) {
            (_, 0..=2) => out.push(self.ufw(m, t)),
            (_, 3..=8) => {
                let msg = self.rng.pick(&[
                    "info: guest-ping called",
                    "info: guest-get-osinfo called",
                    "info: guest-network-get-interfaces called",
                    "info: guest-get-fsinfo called",
                ]);
                out.push(rec(t, "qemu-ga", 602, msg.into()));
            }
            (_, 9..=14) => {
                let pid = self.pid();
                out.push(rec(
                    t,
                    "CRON",
                    pid,
                    "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)".into(),
                ));
                out.push(rec(
                    t + 900,
                    "CRON",
                    pid + 1,
                    "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)".into(),
                ));
                self.later(
                    m,
                    rec(
                        t + 300_000,
                        "CRON",
                        pid,
                        "pam_unix(cron:session): session closed for user root".into(),
                    ),
                );
            }
            (_, 15..=18) => self.timer(m, t, &mut out),
            (_, 19..=20) => {
                let n = self.rng.below(4);
                let ip = self.rng.ip();
                out.push(rec(
                    t,
                    "systemd-timesyncd",
                    533,
                    format!("Timed out waiting for reply from {ip}:123 ({n}.debian.pool.ntp.org)."),
                ));
            }
            (_, 21..=26) => {
                let pid = self.pid();
                let ip = self.rng.ip();
                let port = self.rng.int(1024, 65535);
                let user = self.rng.pick(USERS);
                out.push(rec(
                    t,
                    "sshd",
                    pid,
                    format!("Invalid user {user} from {ip} port {port}"),
                ));
                out.push(rec(
                    t + 150_000,
                    "sshd",
                    pid,
                    format!("Connection closed by invalid user {user} {ip} port {port} [preauth]"),
                ));
            }
            (WEB, 27..=80) => {
                let ip = self.rng.ip();
                let local = DateTime::from_timestamp(t / 1_000_000, 0).unwrap_or_default();
                let path = self.rng.pick(PATHS);
                let query = match self.rng.below(3) {
                    0 => String::new(),
                    1 => format!("?id={}", self.rng.skewed(200_000)),
                    _ => format!(
                        "?page={}&sort={}",
                        self.rng.below(40),
                        self.rng.pick(&["price", "name", "date"])
                    ),
                };
                let status = *[
                    200u64, 200, 200, 200, 200, 304, 301, 404, 403, 499, 500, 502,
                ]
                .get(self.rng.below(12) as usize)
                .unwrap_or(&200);
                let method = if self.rng.below(6) == 0 {
                    "POST"
                } else {
                    "GET"
                };
                let referer = if self.rng.below(3) == 0 {
                    "https://shop.example.net/".to_string()
                } else {
                    "-".to_string()
                };
                let agent = self.rng.pick(AGENTS);
                let bytes = self.rng.skewed(400_000);
                let rt = self.seconds(3000);
                out.push(rec(t, "nginx", 0, format!(
                    "shop.example.net {ip} - - [{}] \"{method} {path}{query} HTTP/{}\" {status} {bytes} \"{referer}\" \"{agent}\" rt={rt}",
                    local.format("%d/%b/%Y:%H:%M:%S +0000"),
                    if self.rng.below(3) == 0 { "2.0" } else { "1.1" },
                )));
            }
            (WEB, _) => {
                let child = self.rng.int(800, 99_999);
                let msg = match self.rng.below(4) {
                    0 => format!(
                        "[pool www] child {child} exited with code 0 after {} seconds from start",
                        self.seconds(900_000)
                    ),
                    1 => format!("[pool www] child {child} started"),
                    2 => format!(
                        "[{}] WARNING: [pool www] child {child}, script '/var/www/shop/public/index.php' (request: \"GET /index.php\") executing too slow ({} sec), logging",
                        DateTime::from_timestamp(t / 1_000_000, 0)
                            .unwrap_or_default()
                            .format("%d-%b-%Y %H:%M:%S"),
                        self.seconds(9000)
                    ),
                    _ => format!(
                        "[pool www] child {child} said into stderr: \"NOTICE: PHP message: cart {} checked out in {} ms\"",
                        self.rng.next() & 0xffff_ffff,
                        self.rng.skewed(5000)
                    ),
                };
                out.push(rec(t, "php-fpm8.2", 811, msg));
            }
            (DB, _) => {
                let pid = self.rng.int(1000, 99_999) as u32;
                let ts = DateTime::from_timestamp(t / 1_000_000, 0)
                    .unwrap_or_default()
                    .format("%Y-%m-%d %H:%M:%S");
                let ms = (t / 1000) % 1000;
                let body = match self.rng.below(6) {
                    0 => "LOG:  checkpoint starting: time".to_string(),
                    1 => format!(
                        "LOG:  checkpoint complete: wrote {} buffers ({}.{}%); 0 WAL file(s) added, 0 removed, {} recycled; write={}s, sync={}s, total={}s; sync files={}, longest={}s, average={}s; distance={} kB, estimate={} kB",
                        self.rng.skewed(20_000),
                        self.rng.below(10),
                        self.rng.below(10),
                        self.rng.below(4),
                        self.seconds(270_000),
                        self.seconds(900),
                        self.seconds(270_000),
                        self.rng.skewed(300),
                        self.seconds(400),
                        self.seconds(50),
                        self.rng.skewed(400_000),
                        self.rng.skewed(400_000)
                    ),
                    2 => format!(
                        "LOG:  automatic vacuum of table \"shop.public.{}\": index scans: {}",
                        self.rng.pick(TABLES),
                        self.rng.below(3)
                    ),
                    3 => format!(
                        "LOG:  connection authorized: user=shop database=shop application_name={} SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
                        self.rng
                            .pick(&["psql", "php", "pg_stat_monitor", "grafana"])
                    ),
                    _ => format!(
                        "LOG:  duration: {}.{:03} ms  statement: SELECT * FROM {} WHERE id = {} AND updated_at > now() - interval '{} minutes'",
                        self.rng.skewed(20_000),
                        self.rng.below(1000),
                        self.rng.pick(TABLES),
                        self.rng.skewed(2_000_000),
                        self.rng.int(1, 120)
                    ),
                };
                out.push(rec(
                    t,
                    "postgres",
                    pid,
                    format!("{ts}.{ms:03} UTC [{pid}] {body}"),
                ));
            }
            (_, 27..=60) => self.mail_out(m, t),
            (_, _) => {
                let user = self.rng.pick(&[
                    "anna", "bob", "carla", "dmitri", "eve", "farid", "greta", "hiro",
                ]);
                let ip = self.rng.ip();
                let session: String = (0..16)
                    .map(|_| {
                        char::from(
                            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                                [self.rng.below(64) as usize],
                        )
                    })
                    .collect();
                let msg = match self.rng.below(3) {
                    0 => format!(
                        "imap-login: Login: user=<{user}@example.net>, method=PLAIN, rip={ip}, lip=10.10.0.103, mpid={}, TLS, session=<{session}>",
                        self.rng.int(1000, 99_999)
                    ),
                    1 => format!(
                        "imap({user}@example.net)<{}><{session}>: Logged out in={} out={} deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
                        self.rng.int(1000, 99_999),
                        self.rng.skewed(9000),
                        self.rng.skewed(900_000)
                    ),
                    _ => format!(
                        "imap-login: Disconnected: Connection closed (no auth attempts in {} secs): user=<>, rip={ip}, lip=10.10.0.103, TLS handshaking, session=<{session}>",
                        self.rng.below(60)
                    ),
                };
                out.push(rec(t, "dovecot", 700, msg));
            }
        }
        for r in &out {
            self.emit(m, r)?;
        }
        Ok(())
    }
}

/// A message of systemd (PID 1) about `unit`.
fn pid1(t: i64, unit: &str, msg: String) -> Rec {
    let mut r = rec(t, "systemd", 1, msg);
    r.unit = Some(unit.to_string());
    r
}

/// The kernel's OOM report on the host, killing VM 101's kvm process `kvm` at `t`.
fn oom_report(t: i64, kvm: u32, others: [u32; 2]) -> Vec<Rec> {
    let mut lines: Vec<String> = vec![
        "kvm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0".into(),
        format!("CPU: 5 PID: {} Comm: kvm Tainted: P           O       6.8.12-4-pve #1", others[0]),
        "Hardware name: Supermicro Super Server/X11SPL-F, BIOS 3.8 05/24/2023".into(),
        "Call Trace:".into(),
        " <TASK>".into(),
        " dump_stack_lvl+0x76/0xa0".into(),
        " dump_header+0x4a/0x240".into(),
        " oom_kill_process+0x10b/0x180".into(),
        " out_of_memory+0x225/0x550".into(),
        " __alloc_pages_slowpath.constprop.0+0xa72/0xe80".into(),
        " __alloc_pages+0x31f/0x350".into(),
        " alloc_pages_mpol+0x91/0x1f0".into(),
        " </TASK>".into(),
        "Mem-Info:".into(),
        "active_anon:3914227 inactive_anon:3822051 isolated_anon:0".into(),
        " active_file:212 inactive_file:96 isolated_file:0".into(),
        " unevictable:39218 dirty:0 writeback:0".into(),
        " slab_reclaimable:31872 slab_unreclaimable:188213".into(),
        " mapped:11297 shmem:15233 pagetables:28114".into(),
        " free:67914 free_pcp:91 free_cma:0".into(),
        "Node 0 DMA: 0*4kB 0*8kB 0*16kB 1*32kB (U) 2*64kB (U) 1*128kB (U) 1*256kB (U) 0*512kB 1*1024kB (U) 1*2048kB (M) 3*4096kB (M) = 15904kB".into(),
        "Node 0 Normal: 1204*4kB (UME) 611*8kB (UME) 302*16kB (UME) 95*32kB (UME) 21*64kB (UM) 4*128kB (M) 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 18616kB".into(),
        "15541 total pagecache pages".into(),
        "Free swap  = 0kB".into(),
        "Total swap = 0kB".into(),
        "8338393 pages RAM".into(),
        "0 pages HighMem/MovableOnly".into(),
        "146372 pages reserved".into(),
        "Tasks state (memory values in pages):".into(),
        "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name".into(),
        "[    601]     0   601    12345      912   110592        0          -250 systemd-journal".into(),
        "[   1120]     0  1120     1917      512    57344        0             0 qmeventd".into(),
        "[   1310]     0  1310   131230     9984   225280        0             0 pmxcfs".into(),
        "[   1580]     0  1580    69421    32768   503808        0             0 pvestatd".into(),
        "[   2211]     0  2211    88214    41530   679936        0             0 pvedaemon worke".into(),
    ];
    let mut table = [
        (kvm, 4_334_960u32, 3_949_435u32, 31_899_648u32),
        (others[0], 6_481_112, 5_902_040, 48_431_104),
        (others[1], 2_216_880, 1_980_117, 16_818_176),
    ];
    table.sort_by_key(|r| r.0);
    for (pid, vm, rss, pt) in table {
        lines.push(format!(
            "[{pid:>7}]     0 {pid:>5} {vm:>8} {rss:>8} {pt:>8}        0             0 kvm"
        ));
    }
    lines.push(format!("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=qemu.slice,mems_allowed=0,global_oom,task_memcg=/qemu.slice/{VM}.scope,task=kvm,pid={kvm},uid=0"));
    lines.push(format!("Out of memory: Killed process {kvm} (kvm) total-vm:17339840kB, anon-rss:15797740kB, file-rss:1536kB, shmem-rss:0kB, UID:0 pgtables:31152kB oom_score_adj:0"));
    let n = lines.len() as i64;
    let mut out: Vec<Rec> = lines
        .into_iter()
        .enumerate()
        .map(|(i, msg)| {
            let mut r = rec(t + i as i64 * 20, "kernel", 0, msg);
            r.prio = if i == 0 || i as i64 >= n - 2 { 3 } else { 4 };
            r
        })
        .collect();
    let after = t + 300_000;
    let mut killed = pid1(
        after,
        &format!("{VM}.scope"),
        format!("{VM}.scope: A process of this unit has been killed by the OOM killer."),
    );
    killed.prio = 4;
    out.push(killed);
    out.push(rec(
        after + 40_000,
        "kernel",
        0,
        format!("vmbr0: port 2(tap{VM}i0) entered disabled state"),
    ));
    out.push(rec(
        after + 41_000,
        "kernel",
        0,
        format!("tap{VM}i0 (unregistering): left allmulticast mode"),
    ));
    out.push(rec(
        after + 42_000,
        "kernel",
        0,
        format!("vmbr0: port 2(tap{VM}i0) entered disabled state"),
    ));
    let mut failed = pid1(
        after + 60_000,
        &format!("{VM}.scope"),
        format!("{VM}.scope: Failed with result 'oom-kill'."),
    );
    failed.prio = 4;
    out.push(failed);
    out.push(pid1(
        after + 61_000,
        &format!("{VM}.scope"),
        format!("{VM}.scope: Consumed 2d 3h 11min 42.118s CPU time."),
    ));
    out.push(rec(after + 380_000, "kernel", 0, format!("oom_reaper: reaped process {kvm} (kvm), now anon-rss:0kB, file-rss:260kB, shmem-rss:0kB")));
    out.push(rec(
        after + 900_000,
        "qmeventd",
        1120,
        format!("Starting cleanup for {VM}"),
    ));
    out.push(rec(
        after + 1_300_000,
        "qmeventd",
        1120,
        format!("Finished cleanup for {VM}"),
    ));
    out
}

/// The guest's kernel and services starting at `k` (the kernel's start); journald reads the
/// ring buffer at `journald`, rsyslog at `rsyslog`.
fn guest_boot(k: i64, machine_id: &str) -> Vec<Rec> {
    let kernel = [
        (
            0,
            "Linux version 6.1.0-37-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.140-1 (2025-05-22)",
        ),
        (
            0,
            "Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-37-amd64 root=UUID=5d8bd6a8-7c1b-4b7e-9f6c-2a1f0e4c3b21 ro quiet",
        ),
        (
            0,
            "DMI: QEMU Standard PC (i440FX + PIIX, 1996), BIOS rel-1.16.3-0-ga6ed6b701f0a-prebuilt.qemu.org 04/01/2014",
        ),
        (0, "Hypervisor detected: KVM"),
        (
            163_201,
            "smpboot: CPU0: Common KVM processor (family: 0xf, model: 0x6, stepping: 0x1)",
        ),
        (1_482_113, "EXT4-fs (vda1): recovery complete"),
        (
            1_483_391,
            "EXT4-fs (vda1): mounted filesystem 5d8bd6a8-7c1b-4b7e-9f6c-2a1f0e4c3b21 with ordered data mode. Quota mode: none.",
        ),
        (
            3_901_247,
            "systemd[1]: systemd 252.38-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)",
        ),
        (5_512_344, "virtio_net virtio1 ens18: renamed from eth0"),
    ];
    let journald = k + 4_200_000;
    let rsyslog = k + 6_800_000;
    let mut out = Vec::new();
    for (up, msg) in kernel {
        let mut r = rec(k + up, "kernel", 0, msg.to_string());
        r.received = Some(journald.max(k + up));
        r.logged = Some(rsyslog);
        out.push(r);
    }
    let mut j = rec(
        journald + 90_000,
        "systemd-journald",
        251,
        format!(
            "File /var/log/journal/{machine_id}/system.journal corrupted or uncleanly shut down, renaming and replacing."
        ),
    );
    j.logged = Some(rsyslog);
    j.prio = 4;
    out.push(j);
    for (dt, unit, what) in [
        (5_100_000, "qemu-guest-agent.service", "QEMU Guest Agent"),
        (
            6_400_000,
            "php8.2-fpm.service",
            "The PHP 8.2 FastCGI Process Manager",
        ),
        (
            6_900_000,
            "nginx.service",
            "A high performance web server and a reverse proxy server",
        ),
        (7_000_000, "ssh.service", "OpenBSD Secure Shell server"),
    ] {
        let mut r = pid1(k + dt, unit, format!("Started {unit} - {what}."));
        r.logged = Some(rsyslog.max(k + dt));
        out.push(r);
    }
    out.sort_by_key(|r| r.t);
    out
}

/// `(path, text)` of the host's snapshots and `last -x`, taken at `collected`.
fn snapshots(collected: i64, kvm_new: u32, others: [u32; 2]) -> Vec<(String, String)> {
    let local = |t: i64, fmt: &str| {
        let utc = DateTime::from_timestamp(t / 1_000_000, 0).unwrap_or_default();
        Berlin
            .from_utc_datetime(&utc.naive_utc())
            .format(fmt)
            .to_string()
    };
    let mut qm = format!(
        "{:>10} {:<20} {:<10} {:<10} {:>12} {:<10}\n",
        "VMID", "NAME", "STATUS", "MEM(MB)", "BOOTDISK(GB)", "PID"
    );
    for (vmid, name, mem, disk, pid) in [
        (101, "web", 16384, 64.0, kvm_new),
        (102, "db", 24576, 200.0, others[0]),
        (103, "mail", 8192, 32.0, others[1]),
    ] {
        let _ = writeln!(
            qm,
            "{vmid:>10} {name:<20} {:<10} {mem:<10} {disk:>12.2} {pid:<10}",
            "running"
        );
    }
    let meminfo = "MemTotal:       32767148 kB\nMemFree:          612040 kB\nMemAvailable:    1033804 kB\nBuffers:            2124 kB\nCached:           712480 kB\nSwapCached:            0 kB\nActive:         27345012 kB\nInactive:        3012344 kB\nShmem:             61320 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nDirty:               412 kB\nAnonPages:      29161780 kB\nSlab:            1203456 kB\nCommitLimit:    16383572 kB\nCommitted_AS:   52238012 kB\nVmallocTotal:   34359738367 kB\nHugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\nDirectMap4k:      612204 kB\nDirectMap2M:    20277248 kB\nDirectMap1G:    12582912 kB\n";
    let df = "Filesystem        Size  Used Avail Use% Mounted on\nudev               16G     0   16G   0% /dev\ntmpfs             3.2G  2.1M  3.2G   1% /run\nrpool/ROOT/pve-1  860G   41G  819G   5% /\ntmpfs              16G   46M   16G   1% /dev/shm\nrpool             819G  128K  819G   1% /rpool\nrpool/data        819G  128K  819G   1% /rpool/data\n/dev/fuse         128M   24K  128M   1% /etc/pve\ntmpfs             3.2G     0  3.2G   0% /run/user/0\n";
    let zpool = "  pool: rpool\n state: ONLINE\n  scan: scrub repaired 0B in 00:14:12 with 0 errors on Sun Jul 13 00:38:13 2025\nconfig:\n\n\tNAME                                                   STATE     READ WRITE CKSUM\n\trpool                                                  ONLINE       0     0     0\n\t  mirror-0                                             ONLINE       0     0     0\n\t    nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R123456-part3  ONLINE       0     0     0\n\t    nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R654321-part3  ONLINE       0     0     0\n\nerrors: No known data errors\n";
    let span = collected - T0;
    let mut last = String::new();
    for (i, frac) in [(0, 95u32), (1, 60), (0, 20)] {
        let login = T0 + span / 100 * i64::from(frac);
        let minutes = 7 + i64::from(frac) % 40;
        let logout = login + minutes * 60_000_000;
        let _ = writeln!(
            last,
            "root     pts/{i}        198.51.100.{:<3}    {} - {}  (00:{minutes:02})",
            10 + i * 5,
            local(login, "%a %b %e %H:%M"),
            local(logout, "%H:%M")
        );
    }
    let _ = writeln!(
        last,
        "runlevel (to lvl 5)   6.8.12-4-pve     {}   still running",
        local(HOST_BOOT + 31_000_000, "%a %b %e %H:%M")
    );
    let _ = writeln!(
        last,
        "reboot   system boot  6.8.12-4-pve     {}   still running",
        local(HOST_BOOT, "%a %b %e %H:%M")
    );
    let _ = writeln!(
        last,
        "\nwtmp begins {}",
        local(HOST_BOOT, "%a %b %e %H:%M:%S %Y")
    );
    vec![
        ("host/pve1/qm-list.txt".into(), qm),
        ("host/pve1/meminfo.txt".into(), meminfo.into()),
        ("host/pve1/df.txt".into(), df.into()),
        ("host/pve1/zpool-status.txt".into(), zpool.into()),
        ("host/pve1/last-x.txt".into(), last),
    ]
}

/// A guest's boot-time kernel lines for its `dmesg.txt` (a guest that booted before the logs).
fn dmesg_boot(out: &mut Out) -> io::Result<()> {
    for r in guest_boot(0, "") {
        if r.ident == "kernel" {
            out.put(&format!(
                "[{:5}.{:06}] {}\n",
                r.t / 1_000_000,
                r.t % 1_000_000,
                r.msg
            ))?;
        }
    }
    Ok(())
}

/// Writes a bundle of about `size` bytes under `dir` from `seed`.
pub fn generate(dir: &Path, size: u64, seed: u64) -> io::Result<Summary> {
    fs::create_dir_all(dir)?;
    let mut rng = Rng::new(seed);
    let kvm = [
        rng.int(30_000, 40_000) as u32,
        rng.int(2000, 2999) as u32,
        rng.int(3000, 3999) as u32,
    ];
    let mut g = Gen {
        m: vec![
            Machine::new(dir, "pve1", true, HOST_BOOT, seed)?,
            Machine::new(
                dir,
                "web",
                false,
                T0 - 3 * 86_400_000_000 - 12_345_678,
                seed,
            )?,
            Machine::new(dir, "db", false, T0 - 5 * 86_400_000_000 - 2_345_678, seed)?,
            Machine::new(dir, "mail", false, T0 - 9 * 86_400_000_000 - 345_678, seed)?,
        ],
        rng,
        pending: Vec::new(),
        next_pid: 40_000,
        upid_n: 0,
        session: 400,
        line: String::new(),
    };
    for m in [DB, MAIL] {
        let mut dmesg = Out::create(dir, &format!("guest/{}/dmesg.txt", guest_dir(g.m[m].name)))?;
        dmesg_boot(&mut dmesg)?;
        g.m[m].dmesg = Some(dmesg);
    }
    let total = |g: &Gen| g.m.iter().map(Machine::bytes).sum::<u64>();
    let mut t = T0;
    let mut kill: Option<i64> = None;
    let mut boot_at: Option<i64> = None;
    let mut end = i64::MAX;
    let mut web_quiet = 0;
    loop {
        t += 20_000 + g.rng.below(560_000) as i64;
        if t >= end {
            break;
        }
        if let Some(k) = boot_at
            && t >= k
        {
            boot_at = None;
            let web = &mut g.m[WEB];
            web.boot = k;
            web.boot_id = id128(seed, &format!("web boot {k}"));
            web.up = true;
            web.dmesg = Some(Out::create(dir, "guest/101-web/dmesg.txt")?);
        }
        g.flush(t)?;
        let bytes = total(&g);
        if kill.is_none() {
            let rate = bytes as f64 / ((t - T0) as f64 / 1e6);
            let tail_s = (0.25 * size as f64 / rate).clamp(TAIL_S.0, TAIL_S.1);
            if g.m[HOST].json.is_none()
                && bytes as f64 >= 0.6 * (size as f64 - rate * tail_s as f64)
            {
                g.m[HOST].json = Some(Out::create(dir, "host/pve1/journal.json")?);
            }
            if t - T0 >= 60_000_000 && bytes as f64 + rate * tail_s as f64 >= size as f64 {
                let k = t + 500_000;
                kill = Some(k);
                let (web_pending, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut g.pending)
                    .into_iter()
                    .partition(|(m, _)| *m == WEB);
                drop(web_pending);
                g.pending = rest;
                g.m[WEB].up = false;
                for r in oom_report(k, kvm[0], [kvm[1], kvm[2]]) {
                    g.later(HOST, r);
                }
                let start = k + (tail_s * 0.4 * 1e6) as i64;
                let worker = 2212;
                let task = g.pid();
                let upid = g.upid(start, task, "qmstart", &VM.to_string());
                let mut host = vec![
                    rec(
                        start,
                        "pvedaemon",
                        worker,
                        format!("<root@pam> starting task {upid}"),
                    ),
                    rec(
                        start + 2000,
                        "pvedaemon",
                        task,
                        format!("start VM {VM}: {upid}"),
                    ),
                    pid1(
                        start + 420_000,
                        &format!("{VM}.scope"),
                        format!("Started {VM}.scope."),
                    ),
                ];
                for (i, msg) in [
                    format!("tap{VM}i0: entered promiscuous mode"),
                    format!("vmbr0: port 2(tap{VM}i0) entered blocking state"),
                    format!("vmbr0: port 2(tap{VM}i0) entered disabled state"),
                    format!("tap{VM}i0: entered allmulticast mode"),
                    format!("vmbr0: port 2(tap{VM}i0) entered blocking state"),
                    format!("vmbr0: port 2(tap{VM}i0) entered forwarding state"),
                ]
                .into_iter()
                .enumerate()
                {
                    host.push(rec(start + 610_000 + i as i64 * 300, "kernel", 0, msg));
                }
                host.push(rec(
                    start + 1_400_000,
                    "pvedaemon",
                    worker,
                    format!("<root@pam> end task {upid} OK"),
                ));
                for r in host {
                    g.later(HOST, r);
                }
                let k_guest = start + 2_100_000;
                boot_at = Some(k_guest);
                let machine_id = g.m[WEB].machine_id.clone();
                for r in guest_boot(k_guest, &machine_id) {
                    g.later(WEB, r);
                }
                web_quiet = k_guest + 9_000_000;
                end = k + (tail_s * 1e6) as i64;
            }
        }
        let pick = g.rng.below(100);
        match pick {
            0..=44 => g.host(t)?,
            45..=74 if kill.is_none() || t >= web_quiet => g.guest(WEB, t)?,
            45..=74 => {}
            75..=86 => g.guest(DB, t)?,
            _ => g.guest(MAIL, t)?,
        }
    }
    g.flush(end)?;
    let collected = end + 60_000_000;
    let mut files = Vec::new();
    let mut bytes = 0;
    for m in &mut g.m {
        for out in [
            Some(&mut m.syslog),
            m.kern.as_mut(),
            m.export.as_mut(),
            m.json.as_mut(),
            m.dmesg.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            out.file.flush()?;
            bytes += out.bytes;
        }
    }
    let mut extra = snapshots(collected, kvm[0] + 4711, [kvm[1], kvm[2]]);
    let when = DateTime::from_timestamp(collected / 1_000_000, 0).unwrap_or_default();
    extra.push((
        "manifest.json".into(),
        format!(
            "{{\"collected_at\": \"{}\", \"timezone\": \"Europe/Berlin\"}}\n",
            when.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    ));
    for (rel, text) in &extra {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, text)?;
        bytes += text.len() as u64;
    }
    walk(dir, dir, &mut files)?;
    files.sort();
    Ok(Summary {
        bytes,
        files,
        span: (T0, end),
        kill: kill.unwrap_or(end),
    })
}

/// Every file below `dir`, relative with `/`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Packs `files` (relative to `dir`, as [`generate`] lists them) into a `.tar.gz` written to
/// `out`, with fixed metadata (the same bundle packs to the same bytes); returns the bytes written.
pub fn pack(dir: &Path, files: &[String], out: impl Write) -> io::Result<u64> {
    struct Count<W>(W, u64);
    impl<W: Write> Write for Count<W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = self.0.write(buf)?;
            self.1 += n as u64;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.0.flush()
        }
    }
    let mut tar = tar::Builder::new(GzEncoder::new(Count(out, 0), Compression::default()));
    for rel in files {
        let path = dir.join(rel);
        let len = fs::metadata(&path)?.len();
        let mut header = tar::Header::new_gnu();
        header.set_size(len);
        header.set_mode(0o644);
        header.set_mtime(1_753_785_000);
        header.set_cksum();
        tar.append_data(&mut header, rel, File::open(path)?)?;
    }
    let mut count = tar.into_inner()?.finish()?;
    count.flush()?;
    Ok(count.1)
}

/// Parses a size: bytes, or a number with `K`, `M`, `G` (powers of 1024, with or without `iB`).
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (n, unit) = text.split_at(digits);
    let n: u64 = n.parse().ok()?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return None,
    };
    n.checked_mul(1 << shift)
}
