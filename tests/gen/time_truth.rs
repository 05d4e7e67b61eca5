//! Time-truth scenarios: host + guest bundles written from a story whose true times are known,
//! with the delays that vary in the world jittered by a seeded generator, and the ground truth
//! beside each bundle (`truth.json`).
//!
//! Each story happens on a Proxmox VE host `pve1` (host clock = true time) running VM 101 `web`,
//! whose clock is off by a known offset, possibly stepped by chrony after boot. The delays are
//! drawn per scenario: the VM start to the guest kernel's start 0.5–10 s (firmware and boot
//! loader vary), the guest agent answering 0.05–0.8 s after the host asks, rsyslog reading the
//! kernel's ring buffer 4–9 s after boot, journald 0.8–2 s. The files are written the way the
//! tools write them: the host's `journalctl -o short-iso-precise`, the guest's `journalctl -o
//! export` (both clocks of every entry), rsyslog's RFC 3339 and traditional formats, dmesg.
//!
//! `cargo run --example gen-time-truth -- corpora/time-truth` writes them;
//! `tests/time_truth_scenarios.rs` checks the written files are what this module writes and
//! that pvelog's times match the truth.

#![allow(dead_code, reason = "the example and the test use different parts")]

#[path = "splitmix.rs"]
mod splitmix;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde_json::{Value, json};

/// A deterministic generator (SplitMix64): the same scenario from the same seed, everywhere.
pub struct Rng(u64);

std::thread_local! {
    /// Mixed into every seed this thread makes: 0 writes the committed scenarios; a test sets
    /// others to tell the same stories with other delays and jitters.
    static SALT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Tells this thread's scenarios with other random delays: `salt` 0 is the committed corpus.
#[allow(dead_code, reason = "only the time-truth test retells the stories")]
pub fn with_salt<T>(salt: u64, f: impl FnOnce() -> T) -> T {
    let before = SALT.with(|s| s.replace(salt));
    let out = f();
    SALT.with(|s| s.set(before));
    out
}

impl Rng {
    /// A generator seeded from a scenario's name (and this thread's salt, see [`with_salt`]).
    pub fn new(name: &str) -> Rng {
        let salt = SALT.with(std::cell::Cell::get);
        Rng(name.bytes().fold(0xcbf2_9ce4_8422_2325 ^ salt, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }))
    }

    fn next(&mut self) -> u64 {
        splitmix::next(&mut self.0)
    }

    /// Uniform in `[lo, hi)`, rounded to the microsecond.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((lo + x * (hi - lo)) * 1e6).round() / 1e6
    }

    /// An integer in `[lo, hi]`.
    pub fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % u64::from(hi - lo + 1)) as u32
    }
}

/// One record: when it truly happened (seconds since the epoch, host clock = truth), who wrote
/// it and what it says. Kernel records carry their uptime.
#[derive(Clone, Debug)]
pub struct Rec {
    /// True time.
    pub t: f64,
    /// Syslog identifier.
    pub ident: &'static str,
    /// Process id.
    pub pid: Option<u32>,
    /// Message.
    pub msg: String,
    /// Seconds since the kernel started (kernel records only).
    pub uptime: Option<f64>,
}

fn rec(t: f64, ident: &'static str, pid: Option<u32>, msg: impl Into<String>) -> Rec {
    Rec {
        t,
        ident,
        pid,
        msg: msg.into(),
        uptime: None,
    }
}

/// A machine: its records, its boots (true kernel start times) and how far its clock is off
/// (from a true time on: guest clock minus true time).
#[derive(Clone, Debug, Default)]
pub struct Machine {
    /// Records, any order.
    pub recs: Vec<Rec>,
    /// True kernel start of each boot, oldest first.
    pub boots: Vec<f64>,
    /// `(from true time, offset)` pieces, sorted.
    pub offsets: Vec<(f64, f64)>,
}

impl Machine {
    /// The machine's clock reading at true time `t`.
    pub fn clock(&self, t: f64) -> f64 {
        let offset = self
            .offsets
            .iter()
            .rev()
            .find(|(from, _)| *from <= t)
            .map_or(0.0, |(_, o)| *o);
        t + offset
    }

    /// The boot running at true time `t`: its index and kernel start.
    fn boot_at(&self, t: f64) -> Option<(usize, f64)> {
        self.boots
            .iter()
            .enumerate()
            .rev()
            .find(|(_, b)| **b <= t)
            .map(|(i, b)| (i, *b))
    }

    fn push(&mut self, r: Rec) {
        self.recs.push(r);
    }

    fn sorted(&self) -> Vec<Rec> {
        let mut v = self.recs.clone();
        v.sort_by(|a, b| a.t.total_cmp(&b.t));
        v
    }
}

fn utc(t: f64) -> DateTime<Utc> {
    let micros = (t * 1e6).round() as i64;
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// RFC 3339 with microseconds, as pvelog writes it.
pub fn rfc3339(t: f64) -> String {
    utc(t).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The kernel lines of a boot, with their uptimes: the banner and what follows it.
fn kernel_boot(k: f64, host: bool) -> Vec<Rec> {
    let lines: &[(f64, &str)] = if host {
        &[
            (
                0.0,
                "Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z) ()",
            ),
            (
                0.0,
                "Command line: BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro quiet",
            ),
            (0.412_331, "ACPI: Core revision 20230628"),
            (
                1.804_118,
                "ahci 0000:00:17.0: AHCI 0001.0301 32 slots 6 ports 6 Gbps 0x3f impl SATA mode",
            ),
            (
                3.220_907,
                "EXT4-fs (dm-1): mounted filesystem with ordered data mode. Quota mode: none.",
            ),
            (6.901_554, "vmbr0: port 1(enp3s0) entered forwarding state"),
        ]
    } else {
        &[
            (
                0.0,
                "Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)",
            ),
            (
                0.0,
                "Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=5c1d9a0e-7b1e-4d0a-9b1f-2f5e3c4d6a7b ro quiet",
            ),
            (0.318_004, "ACPI: Core revision 20220331"),
            (
                1.102_877,
                "virtio_blk virtio2: [vda] 67108864 512-byte logical blocks (34.4 GB/32.0 GiB)",
            ),
            (
                2.457_190,
                "EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.",
            ),
            (8.733_912, "virtio_net virtio1 ens18: renamed from eth0"),
            (12.604_225, "NET: Registered PF_PACKET protocol family"),
        ]
    };
    lines
        .iter()
        .map(|(up, msg)| Rec {
            t: k + up,
            ident: "kernel",
            pid: None,
            msg: (*msg).to_string(),
            uptime: Some(*up),
        })
        .collect()
}

/// The host's journal as `journalctl -o short-iso-precise` prints it, boots separated by its
/// `-- Boot … --` lines.
fn host_journal(m: &Machine) -> String {
    host_journal_as(m, "pve1", None)
}

/// [`host_journal`] of host `name`, its times printed in zone `tz` (UTC when `None`).
fn host_journal_as(m: &Machine, name: &str, tz: Option<chrono_tz::Tz>) -> String {
    let mut out = String::new();
    let mut boot = m
        .boot_at(m.sorted().first().map_or(0.0, |r| r.t))
        .map(|b| b.0);
    for r in m.sorted() {
        let b = m.boot_at(r.t).map(|b| b.0);
        if b != boot {
            let _ = writeln!(
                out,
                "-- Boot {:032x} --",
                0x5eed_0000_u64 + b.unwrap_or(0) as u64
            );
            boot = b;
        }
        let t = utc(m.clock(r.t));
        let stamp = match tz {
            Some(tz) => t
                .with_timezone(&tz)
                .format("%Y-%m-%dT%H:%M:%S%.6f%z")
                .to_string(),
            None => t.format("%Y-%m-%dT%H:%M:%S%.6f+0000").to_string(),
        };
        let pid = r.pid.map(|p| format!("[{p}]")).unwrap_or_default();
        let _ = writeln!(out, "{stamp} {name} {}{pid}: {}", r.ident, r.msg);
    }
    out
}

/// A guest's journal as `journalctl -o export` writes it: journald reads the kernel's ring buffer
/// `journald_at` seconds after each boot (earlier kernel records are received then), and every
/// entry carries both clocks.
fn guest_export(m: &Machine, journald_at: f64) -> String {
    let mut entries: Vec<(f64, f64, usize, &Rec)> = Vec::new();
    for r in &m.recs {
        let Some((b, k)) = m.boot_at(r.t) else {
            continue;
        };
        let received = match r.uptime {
            Some(up) if up < journald_at => k + journald_at + up / 1000.0,
            _ => r.t,
        };
        entries.push((received, received - k, b, r));
    }
    entries.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = String::new();
    for (received, mono, b, r) in entries {
        let real = (m.clock(received) * 1e6).round() as i64;
        let _ = writeln!(out, "__REALTIME_TIMESTAMP={real}");
        let _ = writeln!(out, "__MONOTONIC_TIMESTAMP={}", (mono * 1e6).round() as i64);
        let _ = writeln!(out, "_BOOT_ID={:032x}", 0xb007_0000_u64 + b as u64);
        let _ = writeln!(out, "_HOSTNAME=web");
        match r.uptime {
            Some(up) => {
                let _ = writeln!(
                    out,
                    "_TRANSPORT=kernel\nPRIORITY=6\nSYSLOG_IDENTIFIER=kernel"
                );
                let _ = writeln!(
                    out,
                    "_SOURCE_MONOTONIC_TIMESTAMP={}",
                    (up * 1e6).round() as i64
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "_TRANSPORT=syslog\nPRIORITY=6\nSYSLOG_IDENTIFIER={}",
                    r.ident
                );
                if let Some(p) = r.pid {
                    let _ = writeln!(out, "_PID={p}");
                }
            }
        }
        let _ = writeln!(out, "MESSAGE={}\n", r.msg);
    }
    out
}

/// A guest's syslog as rsyslog writes it, starting `rsyslog_at` seconds after each boot (the
/// ring buffer's earlier records are stamped when read, their uptime kept in the line).
/// `zone` is the machine's UTC offset for the traditional format; `None` writes RFC 3339.
fn guest_syslog(m: &Machine, rsyslog_at: f64, zone: Option<FixedOffset>) -> String {
    let mut lines: Vec<(f64, String)> = Vec::new();
    for r in &m.recs {
        let Some((_, k)) = m.boot_at(r.t) else {
            continue;
        };
        let written = match r.uptime {
            Some(up) if up < rsyslog_at => k + rsyslog_at + up / 1000.0,
            _ => r.t,
        };
        let text = match r.uptime {
            Some(up) => format!("kernel: [{up:12.6}] {}", r.msg),
            None => match r.pid {
                Some(p) => format!("{}[{p}]: {}", r.ident, r.msg),
                None => format!("{}: {}", r.ident, r.msg),
            },
        };
        lines.push((written, text));
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = String::new();
    for (written, text) in lines {
        let t = utc(m.clock(written));
        let stamp = match zone {
            Some(z) => z
                .from_utc_datetime(&t.naive_utc())
                .format("%b %e %H:%M:%S")
                .to_string(),
            None => t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string(),
        };
        let _ = writeln!(out, "{stamp} web {text}");
    }
    out
}

/// `dmesg` of the guest's last boot: seconds since boot only.
fn guest_dmesg(m: &Machine) -> String {
    let Some(&k) = m.boots.last() else {
        return String::new();
    };
    let mut out = String::new();
    for r in m.sorted() {
        if let Some(up) = r.uptime
            && r.t >= k
        {
            let _ = writeln!(out, "[{up:12.6}] {}", r.msg);
        }
    }
    out
}

/// A scenario: its files (path in the bundle → bytes) and its ground truth.
pub struct Scenario {
    /// Folder name.
    pub name: &'static str,
    /// Bundle files.
    pub files: BTreeMap<String, String>,
    /// `truth.json`.
    pub truth: Value,
}

/// What the guest's formats are.
#[derive(Clone, Copy, PartialEq)]
enum GuestFormat {
    /// `journalctl -o export`.
    Export,
    /// rsyslog RFC 3339 high precision, and dmesg.
    Rfc3339,
    /// rsyslog RFC 3339 high precision alone.
    SyslogOnly,
    /// rsyslog's traditional format (no year, no zone) in a UTC offset, and dmesg.
    Traditional(i32),
}

/// The story's building blocks on a host and its guest.
struct Story {
    rng: Rng,
    host: Machine,
    guest: Machine,
    next_pid: u32,
    upid_n: u32,
}

const VM: u32 = 101;

impl Story {
    fn new(name: &str) -> Story {
        Story {
            rng: Rng::new(name),
            host: Machine::default(),
            guest: Machine::default(),
            next_pid: 40_000,
            upid_n: 0,
        }
    }

    fn pid(&mut self) -> u32 {
        self.next_pid += self.rng.int(3, 400);
        self.next_pid
    }

    /// Ordinary traffic on both machines in `[from, to)`: pvestatd every 10 s on the host, an
    /// application every 8–40 s in the guest (while it runs).
    fn ambient(&mut self, from: f64, to: f64, guest_up: &[(f64, f64)]) {
        let mut t = from + self.rng.uniform(0.0, 10.0);
        while t < to {
            let n = self.rng.int(1, 4);
            self.host.push(rec(
                t,
                "pvestatd",
                Some(1580),
                format!(
                    "status update time ({n}.{:03} seconds)",
                    self.rng.int(0, 999)
                ),
            ));
            t += self.rng.uniform(9.5, 10.5);
        }
        for &(a, b) in guest_up {
            let mut t = a.max(from) + self.rng.uniform(0.5, 3.0);
            while t < b.min(to) {
                let worker = self.rng.int(810, 830);
                self.guest.push(rec(
                    t,
                    "php-fpm8.2",
                    Some(811),
                    format!("[pool www] child {worker} said into stderr: \"request handled\""),
                ));
                t += self.rng.uniform(8.0, 40.0);
            }
        }
    }

    fn upid(&mut self, t: f64, task: &str, id: &str) -> String {
        self.upid_n += 1;
        format!(
            "UPID:pve1:{:08X}:{:08X}:{:08X}:{task}:{id}:root@pam:",
            0x3e00 + self.upid_n,
            0x0089_f200 + self.upid_n,
            t as i64
        )
    }

    /// `qm start`: the task, then the scope (the kvm process) a moment later; the guest's
    /// kernel starts `delay` after the scope. Returns the kernel start.
    fn start(&mut self, t: f64, delay: f64) -> f64 {
        let upid = self.upid(t, "qmstart", &VM.to_string());
        self.host.push(rec(
            t,
            "pvedaemon",
            Some(2211),
            format!("<root@pam> starting task {upid}"),
        ));
        let scope = t + self.rng.uniform(0.2, 0.9);
        self.host.push(rec(
            scope,
            "systemd",
            Some(1),
            format!("Started {VM}.scope."),
        ));
        self.host.push(rec(
            scope + 0.05,
            "kernel",
            None,
            format!("vmbr0: port 2(tap{VM}i0) entered forwarding state"),
        ));
        self.host.push(rec(
            scope + self.rng.uniform(0.8, 1.5),
            "pvedaemon",
            Some(2211),
            format!("<root@pam> end task {upid} OK"),
        ));
        let k = scope + delay;
        self.guest.boots.push(k);
        for r in kernel_boot(k, false) {
            self.guest.push(r);
        }
        k
    }

    /// The host's OOM killer kills the VM's kvm process at `t` (the guest stops then).
    fn oom_kill(&mut self, t: f64) {
        let kvm = 32_969;
        let lines = [
            (0.0, "kernel", None, "kvm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0".to_string()),
            (0.000_2, "kernel", None, format!("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=qemu.slice,mems_allowed=0,global_oom,task_memcg=/qemu.slice/{VM}.scope,task=kvm,pid={kvm},uid=0")),
            (0.000_3, "kernel", None, format!("Out of memory: Killed process {kvm} (kvm) total-vm:17339840kB, anon-rss:15797740kB, file-rss:1536kB, shmem-rss:0kB, UID:0 pgtables:31520kB oom_score_adj:0")),
            (0.31, "systemd", Some(1), format!("{VM}.scope: A process of this unit has been killed by the OOM killer.")),
            (0.35, "kernel", None, format!("vmbr0: port 2(tap{VM}i0) entered disabled state")),
            (0.36, "systemd", Some(1), format!("{VM}.scope: Failed with result 'oom-kill'.")),
        ];
        for (d, ident, pid, msg) in lines {
            self.host.push(rec(t + d, ident, pid, msg));
        }
    }

    /// A vzdump backup of the VM whose guest agent freezes the guest's file systems; returns the
    /// true moment the host asked.
    fn backup(&mut self, t: f64) -> f64 {
        let pid = self.pid();
        let upid = self.upid(t, "vzdump", &VM.to_string());
        self.host.push(rec(
            t,
            "pvedaemon",
            Some(2211),
            format!("<root@pam> starting task {upid}"),
        ));
        let h = |d: f64, msg: &str| rec(t + d, "vzdump", Some(pid), msg.to_string());
        self.host.push(h(0.3, &format!("INFO: starting new backup job: vzdump {VM} --mode snapshot --storage local --compress zstd")));
        self.host
            .push(h(0.4, &format!("INFO: Starting Backup of VM {VM} (qemu)")));
        let ask = t + self.rng.uniform(1.5, 3.0);
        self.host.push(rec(
            ask,
            "vzdump",
            Some(pid),
            "INFO: issuing guest-agent 'fs-freeze' command",
        ));
        let frozen = ask + self.rng.uniform(0.05, 0.8);
        self.guest
            .push(rec(frozen, "qemu-ga", None, "info: guest-fsfreeze called"));
        let thaw = frozen + self.rng.uniform(0.8, 2.0);
        self.host.push(rec(
            thaw,
            "vzdump",
            Some(pid),
            "INFO: issuing guest-agent 'fs-thaw' command",
        ));
        self.guest.push(rec(
            thaw + self.rng.uniform(0.05, 0.5),
            "qemu-ga",
            None,
            "info: guest-fsthaw called",
        ));
        let done = thaw + self.rng.uniform(60.0, 90.0);
        self.host.push(rec(
            done,
            "vzdump",
            Some(pid),
            format!(
                "INFO: Finished Backup of VM {VM} (00:01:{:02})",
                (done - t) as u32 % 60
            ),
        ));
        self.host.push(rec(
            done + 0.2,
            "vzdump",
            Some(pid),
            "INFO: Backup job finished successfully",
        ));
        self.host.push(rec(
            done + 0.3,
            "pvedaemon",
            Some(2211),
            format!("<root@pam> end task {upid} OK"),
        ));
        ask
    }

    /// `qm shutdown`: the guest hears it (the agent's `guest-shutdown`, or ACPI's power key),
    /// shuts down in order, and the scope ends. Returns the task's start and the guest's end.
    fn shutdown(&mut self, t: f64, agent: bool) -> (f64, f64) {
        let upid = self.upid(t, "qmshutdown", &VM.to_string());
        self.host.push(rec(
            t,
            "pvedaemon",
            Some(2211),
            format!("<root@pam> starting task {upid}"),
        ));
        let heard = t + self.rng.uniform(0.05, 0.8);
        if agent {
            self.guest.push(rec(
                heard,
                "qemu-ga",
                None,
                "info: guest-shutdown called, mode: powerdown",
            ));
        } else {
            self.guest.push(rec(
                heard,
                "systemd-logind",
                Some(512),
                "Power key pressed.",
            ));
            self.guest.push(rec(
                heard + 0.002,
                "systemd-logind",
                Some(512),
                "Powering off...",
            ));
        }
        self.guest.push(rec(
            heard + 0.01,
            "systemd-logind",
            Some(512),
            "System is powering down.",
        ));
        self.guest.push(rec(
            heard + 0.4,
            "systemd",
            Some(1),
            "Stopped target multi-user.target - Multi-User System.",
        ));
        self.guest.push(rec(
            heard + 1.9,
            "systemd",
            Some(1),
            "Reached target shutdown.target - System Shutdown.",
        ));
        let end = heard + 2.3;
        self.guest.push(rec(
            end,
            "systemd",
            Some(1),
            "Reached target poweroff.target - System Power Off.",
        ));
        let gone = end + self.rng.uniform(0.3, 1.0);
        self.host.push(rec(
            gone,
            "kernel",
            None,
            format!("vmbr0: port 2(tap{VM}i0) entered disabled state"),
        ));
        self.host.push(rec(
            gone + 0.1,
            "systemd",
            Some(1),
            format!("{VM}.scope: Deactivated successfully."),
        ));
        self.host.push(rec(
            gone + 0.2,
            "pvedaemon",
            Some(2211),
            format!("<root@pam> end task {upid} OK"),
        ));
        (t, end)
    }

    /// chrony steps the guest's clock by `by` seconds at true time `t`.
    fn step(&mut self, t: f64, by: f64) {
        let before = self.guest.clock(t);
        self.guest.offsets.push((t, before - t + by));
        self.guest.push(rec(
            t - 0.3,
            "chronyd",
            Some(598),
            format!("System clock wrong by {by:.6} seconds"),
        ));
        self.guest.push(rec(
            t,
            "chronyd",
            Some(598),
            format!("System clock was stepped by {by:.6} seconds"),
        ));
        self.guest
            .push(rec(t + 0.001, "systemd", Some(1), "Time has been changed"));
    }

    /// The guest's first boot's start-up after its kernel: journald noticing an unclean
    /// previous journal when `unclean`.
    fn guest_userspace(&mut self, k: f64, unclean: bool) {
        self.guest.push(rec(
            k + 1.6,
            "systemd-journald",
            Some(251),
            "Journal started",
        ));
        if unclean {
            self.guest.push(rec(k + 1.7, "systemd-journald", Some(251), "File /var/log/journal/0f2e4a1c9b8d4e7fa3c6d5b4a3928170/system.journal corrupted or uncleanly shut down, renaming and replacing."));
        }
        self.guest.push(rec(
            k + 4.2,
            "systemd",
            Some(1),
            "Reached target multi-user.target - Multi-User System.",
        ));
    }

    fn files(
        &self,
        format: GuestFormat,
        host_files: bool,
        manifest: Value,
        rsyslog_at: f64,
        journald_at: f64,
    ) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        files.insert(
            "manifest.json".to_string(),
            serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n",
        );
        if host_files {
            files.insert(
                "host/pve1/journal.txt".to_string(),
                host_journal(&self.host),
            );
        }
        let dir = format!("guest/{VM}-web");
        match format {
            GuestFormat::Export => {
                files.insert(
                    format!("{dir}/journal.export"),
                    guest_export(&self.guest, journald_at),
                );
            }
            GuestFormat::SyslogOnly => {
                files.insert(
                    format!("{dir}/var/log/syslog"),
                    guest_syslog(&self.guest, rsyslog_at, None),
                );
            }
            GuestFormat::Rfc3339 => {
                files.insert(
                    format!("{dir}/var/log/syslog"),
                    guest_syslog(&self.guest, rsyslog_at, None),
                );
                files.insert(format!("{dir}/dmesg.txt"), guest_dmesg(&self.guest));
            }
            GuestFormat::Traditional(secs) => {
                let zone = FixedOffset::east_opt(secs)
                    .unwrap_or(FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
                files.insert(
                    format!("{dir}/var/log/syslog"),
                    guest_syslog(&self.guest, rsyslog_at, Some(zone)),
                );
                files.insert(format!("{dir}/dmesg.txt"), guest_dmesg(&self.guest));
            }
        }
        files
    }
}

/// The boots of a machine as pvelog should show them, in the timeline's clock (`shift` added to
/// a guest's true times when its offset is not removed).
fn boot_truth(machine: &str, boots: &[(Option<f64>, Option<f64>, &str)], shift: f64) -> Vec<Value> {
    boots
        .iter()
        .map(|(start, end, kind)| {
            json!({
                "machine": machine,
                "start": start.map(|t| rfc3339(t + shift)),
                "end": end.map(|t| rfc3339(t + shift)),
                "end_kind": kind,
            })
        })
        .collect()
}

const T0: f64 = 1_741_615_200.0; // 2025-03-10T14:00:00Z

fn manifest(collected: f64) -> Value {
    json!({
        "collected_at": rfc3339(collected),
        "timezone": "UTC",
        "hostname": "pve1",
    })
}

/// A backup freezes the guest, later the OOM killer kills the VM and it is started again.
fn freeze_then_oom(
    format: GuestFormat,
    name: &'static str,
    offset: f64,
    vzdump_log: bool,
) -> Scenario {
    let mut s = Story::new(name);
    let offset = offset + s.rng.uniform(-0.9, 0.9);
    s.guest.offsets.push((0.0, offset));
    let boot0 = T0 - 86_400.0 * 3.0;
    s.guest.boots.push(boot0);
    let rsyslog_at = s.rng.uniform(4.0, 9.0);
    let journald_at = s.rng.uniform(0.8, 2.0);
    s.backup(T0 + 600.0);
    let kill = T0 + 2400.0 + s.rng.uniform(0.0, 60.0);
    // The guest's application logs until the kill.
    let last = kill - s.rng.uniform(0.2, 1.5);
    s.guest.push(rec(
        last,
        "php-fpm8.2",
        Some(811),
        "[pool www] server reached pm.max_children setting (5), consider raising it",
    ));
    s.oom_kill(kill);
    let delay = s.rng.uniform(0.5, 10.0);
    let at = kill + 300.0 + s.rng.uniform(0.0, 30.0);
    let k = s.start(at, delay);
    s.guest_userspace(k, true);
    let end = k + 900.0;
    s.ambient(T0, end, &[(T0, last - 0.1), (k + 5.0, end)]);
    // The freeze pins the offset whatever the guest's format.
    let pinned = true;
    let mut files = s.files(format, true, manifest(end + 60.0), rsyslog_at, journald_at);
    if vzdump_log {
        // The backup's own log (`/var/log/vzdump/qemu-101.log`), whole seconds in the host's
        // zone, instead of its lines in the journal.
        let mut host = s.host.clone();
        let mut log = String::new();
        for r in host.sorted().iter().filter(|r| r.ident == "vzdump") {
            let _ = writeln!(log, "{} {}", utc(r.t).format("%Y-%m-%d %H:%M:%S"), r.msg);
        }
        host.recs.retain(|r| r.ident != "vzdump");
        files.insert("host/pve1/journal.txt".to_string(), host_journal(&host));
        files.insert(format!("host/pve1/var/log/vzdump/qemu-{VM}.log"), log);
    }
    let mut boots = boot_truth(
        "web",
        &[(None, Some(last), "unclean"), (Some(k), None, "running")],
        0.0,
    );
    boots.push(json!({"machine": "pve1", "start": null, "end": null, "end_kind": "running"}));
    Scenario {
        name,
        files,
        truth: json!({
            "story": "a vzdump backup freezes the guest's file systems through its agent; half an hour later the host's OOM killer kills the VM, which is started again five minutes later",
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "affected_vms": [VM],
            "guest": {"name": "web", "segments": [{"segment": 0, "offset_s": offset, "pinned": pinned}]},
            "delays": {"vm_start_to_kernel_s": delay, "rsyslog_reads_ring_buffer_s": rsyslog_at, "journald_reads_ring_buffer_s": journald_at},
            "boots": boots,
        }),
    }
}

/// An operator shuts the VM down (through the agent or ACPI) and it stays down.
fn operator_shutdown(
    name: &'static str,
    agent: bool,
    format: GuestFormat,
    offset: f64,
) -> Scenario {
    let mut s = Story::new(name);
    let offset = offset + s.rng.uniform(-0.9, 0.9);
    s.guest.offsets.push((0.0, offset));
    s.guest.boots.push(T0 - 86_400.0);
    let rsyslog_at = s.rng.uniform(4.0, 9.0);
    let journald_at = s.rng.uniform(0.8, 2.0);
    let at = T0 + 1800.0 + s.rng.uniform(0.0, 60.0);
    let (task, end) = s.shutdown(at, agent);
    s.ambient(T0, end + 1200.0, &[(T0, task - 0.1)]);
    let files = s.files(
        format,
        true,
        manifest(end + 1300.0),
        rsyslog_at,
        journald_at,
    );
    let mut boots = boot_truth("web", &[(None, Some(end), "clean")], 0.0);
    boots.push(json!({"machine": "pve1", "start": null, "end": null, "end_kind": "running"}));
    Scenario {
        name,
        files,
        truth: json!({
            "story": if agent { "`qm shutdown` through the guest agent (`guest-shutdown called`); the VM stays down" } else { "`qm shutdown` through ACPI (`Power key pressed`); the VM stays down" },
            "family": "clean_shutdown",
            "incident_time": rfc3339(task),
            "incident_bound": null,
            "affected_vms": [VM],
            "guest": {"name": "web", "segments": [{"segment": 0, "offset_s": offset, "pinned": true}]},
            "boots": boots,
        }),
    }
}

/// What [`kill_then_start`] tells, in true seconds: the kill, the guest's last record before
/// it, the guest kernel's start, the story's end, and the VM start's delay to the kernel.
struct Restarted {
    kill: f64,
    last: f64,
    k: f64,
    end: f64,
    delay: f64,
}

/// The guest's last record, the OOM killer killing the VM twenty minutes in, `qm start` four
/// minutes later and the guest's boot, with the ambient records around them.
fn kill_then_start(s: &mut Story) -> Restarted {
    let kill = T0 + 1200.0 + s.rng.uniform(0.0, 60.0);
    let last = kill - s.rng.uniform(0.2, 1.5);
    s.guest.push(rec(
        last,
        "php-fpm8.2",
        Some(811),
        "[pool www] server reached pm.max_children setting (5), consider raising it",
    ));
    s.oom_kill(kill);
    let delay = s.rng.uniform(0.5, 10.0);
    let k = s.start(kill + 240.0, delay);
    s.guest_userspace(k, true);
    let end = k + 600.0;
    s.ambient(T0, end, &[(T0, last - 0.1), (k + 5.0, end)]);
    Restarted {
        kill,
        last,
        k,
        end,
        delay,
    }
}

/// The OOM killer kills the VM and it is started again: only the start and the kill pair the
/// clocks, which leaves the offset too loose to apply.
fn start_only(name: &'static str, format: GuestFormat) -> Scenario {
    let mut s = Story::new(name);
    let offset = 21.0 + s.rng.uniform(-0.9, 0.9);
    s.guest.offsets.push((0.0, offset));
    s.guest.boots.push(T0 - 86_400.0);
    let journald_at = s.rng.uniform(0.8, 2.0);
    let Restarted {
        kill,
        last,
        k,
        end,
        delay,
    } = kill_then_start(&mut s);
    let rsyslog_at = s.rng.uniform(4.0, 9.0);
    let files = s.files(format, true, manifest(end + 60.0), rsyslog_at, journald_at);
    let mut boots = boot_truth(
        "web",
        &[(None, Some(last), "unclean"), (Some(k), None, "running")],
        0.0,
    );
    boots.push(json!({"machine": "pve1", "start": null, "end": null, "end_kind": "running"}));
    Scenario {
        name,
        files,
        truth: json!({
            "story": "the OOM killer kills the VM; `qm start` starts it again; the guest's journal has both clocks of every entry, but only the start and the kill pair the clocks",
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "affected_vms": [VM],
            // Pinned or not depends on the jitter: the kill bounds the offset from below as
            // tightly as the guest's last record came before it.
            "guest": {"name": "web", "segments": [{"segment": 0, "offset_s": offset, "pinned": null}]},
            "delays": {"vm_start_to_kernel_s": delay, "journald_reads_ring_buffer_s": journald_at},
            "boots": boots,
        }),
    }
}

/// The VM starts with its clock well off, chrony steps it 20 s after boot; a backup freeze
/// later, then an OOM kill.
fn clock_step(name: &'static str) -> Scenario {
    let mut s = Story::new(name);
    let before = -25.7 + s.rng.uniform(-0.9, 0.9);
    let by = 31.9 + s.rng.uniform(-0.9, 0.9);
    s.guest.offsets.push((0.0, before));
    let journald_at = s.rng.uniform(0.8, 2.0);
    let delay = s.rng.uniform(0.5, 10.0);
    let k = s.start(T0, delay);
    s.guest_userspace(k, false);
    let stepped = k + s.rng.uniform(15.0, 30.0);
    s.step(stepped, by);
    s.backup(T0 + 1200.0);
    let kill = T0 + 3000.0 + s.rng.uniform(0.0, 60.0);
    let last = kill - s.rng.uniform(0.2, 1.5);
    s.guest.push(rec(
        last,
        "php-fpm8.2",
        Some(811),
        "[pool www] server reached pm.max_children setting (5), consider raising it",
    ));
    s.oom_kill(kill);
    s.ambient(T0 - 600.0, kill + 600.0, &[(k + 5.0, last - 0.1)]);
    let files = s.files(
        GuestFormat::Export,
        true,
        manifest(kill + 700.0),
        6.0,
        journald_at,
    );
    let mut boots = boot_truth("web", &[(Some(k), Some(last), "unclean")], 0.0);
    boots.push(json!({"machine": "pve1", "start": null, "end": null, "end_kind": "running"}));
    Scenario {
        name,
        files,
        truth: json!({
            "story": "`qm start` starts the VM with its clock off; chrony steps it after boot (`System clock was stepped by`, then systemd's `Time has been changed`); a backup freezes the guest later; then the OOM killer kills the VM",
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "affected_vms": [VM],
            "guest": {"name": "web", "segments": [
                {"segment": 0, "offset_s": before, "pinned": true},
                {"segment": 1, "offset_s": before + by, "pinned": true}
            ]},
            "delays": {"vm_start_to_kernel_s": delay, "step_after_boot_s": stepped - k, "journald_reads_ring_buffer_s": journald_at},
            "boots": boots,
        }),
    }
}

/// The host loses power: its journal stops mid-stream and the next boot starts minutes later.
fn power_loss(name: &'static str) -> Scenario {
    let mut s = Story::new(name);
    s.guest.offsets.push((0.0, 0.0));
    s.host.boots.push(T0 - 86_400.0 * 10.0);
    let lost = T0 + 1800.0 + s.rng.uniform(0.0, 60.0);
    // VM 101 runs when the power goes; VM 102 was shut down in order before.
    let delay = s.rng.uniform(0.5, 10.0);
    s.start(T0 + 60.0, delay);
    s.guest.recs.clear();
    let upid = s.upid(T0 + 300.0, "qmshutdown", "102");
    s.host.push(rec(
        T0 + 300.0,
        "pvedaemon",
        Some(2211),
        format!("<root@pam> starting task {upid}"),
    ));
    s.host.push(rec(
        T0 + 305.2,
        "systemd",
        Some(1),
        "102.scope: Deactivated successfully.",
    ));
    s.host.push(rec(
        T0 + 305.3,
        "pvedaemon",
        Some(2211),
        format!("<root@pam> end task {upid} OK"),
    ));
    s.ambient(T0, lost, &[]);
    // Noise right up to the loss, as a busy host has.
    let mut t = T0 + 1700.0;
    while t < lost {
        s.host
            .push(rec(t, "pveproxy", Some(3301), "worker 3302 finished"));
        t += s.rng.uniform(0.5, 2.0);
    }
    let last = s
        .host
        .sorted()
        .iter()
        .filter(|r| r.t < lost)
        .map(|r| r.t)
        .fold(f64::NEG_INFINITY, f64::max);
    let next = lost + s.rng.uniform(180.0, 400.0);
    s.host.boots.push(next);
    let journald_at = s.rng.uniform(0.8, 2.0);
    for r in kernel_boot(next, true) {
        // journald stamps the kernel's early records when it reads them.
        let up = r.uptime.unwrap_or(0.0);
        let t = if up < journald_at {
            next + journald_at + up / 1000.0
        } else {
            r.t
        };
        s.host.push(Rec { t, ..r });
    }
    s.host.push(rec(
        next + journald_at + 0.01,
        "systemd-journald",
        Some(412),
        "Journal started",
    ));
    s.host.push(rec(
        next + 9.0,
        "systemd",
        Some(1),
        "Reached target multi-user.target - Multi-User System.",
    ));
    s.ambient(next + 10.0, next + 600.0, &[]);
    s.host.recs.retain(|r| !(r.t >= lost && r.t < next));
    let mut files = BTreeMap::new();
    files.insert(
        "manifest.json".to_string(),
        serde_json::to_string_pretty(&manifest(next + 700.0)).unwrap_or_default() + "\n",
    );
    files.insert("host/pve1/journal.txt".to_string(), host_journal(&s.host));
    Scenario {
        name,
        files,
        truth: json!({
            "story": "the host loses power while VM 101 runs (VM 102 was shut down in order before): its journal stops among ordinary records and its next boot starts minutes later with no shutdown in between",
            "family": "hardware",
            "incident_time": null,
            "incident_truth": rfc3339(lost),
            "incident_bound": [rfc3339(last), rfc3339(next)],
            "affected_vms": [VM],
            "guest": null,
            "boots": [
                {"machine": "pve1", "start": null, "end": rfc3339(last), "end_kind": "unclean"},
                {"machine": "pve1", "start": rfc3339(next), "end": null, "end_kind": "running"}
            ],
        }),
    }
}

/// Only the guest's journal: the guest was reset from outside (no record of it) and booted again.
fn guest_reset(name: &'static str) -> Scenario {
    let mut s = Story::new(name);
    s.guest.offsets.push((0.0, 0.0));
    s.guest.boots.push(T0 - 86_400.0 * 2.0);
    let reset = T0 + 1800.0 + s.rng.uniform(0.0, 60.0);
    let last = reset - s.rng.uniform(0.2, 1.5);
    s.guest.push(rec(
        last,
        "php-fpm8.2",
        Some(811),
        "[pool www] child 815 said into stderr: \"request handled\"",
    ));
    let k = reset + s.rng.uniform(0.5, 10.0);
    s.guest.boots.push(k);
    for r in kernel_boot(k, false) {
        s.guest.push(r);
    }
    s.guest_userspace(k, true);
    s.ambient(T0, k + 600.0, &[(T0, last - 0.1), (k + 5.0, k + 600.0)]);
    s.host.recs.clear();
    let journald_at = s.rng.uniform(0.8, 2.0);
    let mut files = BTreeMap::new();
    files.insert(
        format!("guest/{VM}-web/journal.export"),
        guest_export(&s.guest, journald_at),
    );
    Scenario {
        name,
        files,
        truth: json!({
            "story": "the guest is reset from outside with nothing logging it; only the guest's journal was collected: its records stop, the next boot's journald finds the journal not closed",
            "family": "inconclusive",
            "incident_time": null,
            "incident_truth": rfc3339(reset),
            "incident_bound": [rfc3339(last), rfc3339(k)],
            "affected_vms": [VM],
            "guest": null,
            "boots": [
                {"machine": "web", "start": null, "end": rfc3339(last), "end_kind": "unclean"},
                {"machine": "web", "start": rfc3339(k), "end": null, "end_kind": "running"}
            ],
        }),
    }
}

/// The guest's clock is right but its rsyslog writes local time (UTC+01:00) without a zone:
/// read as UTC, its records are a whole hour off, and a freeze pins that to the second.
fn guest_other_zone(name: &'static str) -> Scenario {
    let mut s = Story::new(name);
    let error = s.rng.uniform(-0.4, 0.4);
    s.guest.offsets.push((0.0, error));
    s.guest.boots.push(T0 - 86_400.0 * 3.0);
    s.backup(T0 + 600.0);
    let kill = T0 + 2400.0 + s.rng.uniform(0.0, 60.0);
    let last = kill - s.rng.uniform(0.2, 1.5);
    s.guest.push(rec(
        last,
        "php-fpm8.2",
        Some(811),
        "[pool www] server reached pm.max_children setting (5), consider raising it",
    ));
    s.oom_kill(kill);
    s.ambient(T0, kill + 600.0, &[(T0, last - 0.1)]);
    let files = s.files(
        GuestFormat::Traditional(3600),
        true,
        manifest(kill + 700.0),
        6.0,
        1.0,
    );
    Scenario {
        name,
        files,
        truth: json!({
            "story": "the guest's clock is right, but its rsyslog writes local time (CET, UTC+01:00) without a zone; a backup freeze pairs the clocks; then the OOM killer kills the VM",
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "affected_vms": [VM],
            "guest": {"name": "web", "zone_hint": "+01:00", "zone_s": 3600.0, "zone_from": "the clock pairs", "segments": [{"segment": 0, "offset_s": 3600.0 + error, "pinned": true}]},
            "boots": [
                {"machine": "web", "start": null, "end": rfc3339(last), "end_kind": "unclean"},
                {"machine": "pve1", "start": null, "end": null, "end_kind": "running"}
            ],
        }),
    }
}

/// A guest in New York whose rsyslog writes local time (UTC-05:00) without a zone and whose
/// clock also runs 12 s slow; no backup: only the VM's start five hours away (as its records
/// read in UTC) pairs it with the host, and the kill bounds it. The five hours are its zone, the
/// 12 s its clock's offset.
fn guest_other_zone_start_only(name: &'static str) -> Scenario {
    let mut s = Story::new(name);
    let offset = -12.0 + s.rng.uniform(-0.9, 0.9);
    s.guest.offsets.push((0.0, offset));
    s.guest.boots.push(T0 - 86_400.0);
    let Restarted {
        kill,
        last,
        k,
        end,
        delay,
    } = kill_then_start(&mut s);
    let rsyslog_at = s.rng.uniform(4.0, 9.0);
    let files = s.files(
        GuestFormat::Traditional(-18_000),
        true,
        manifest(end + 60.0),
        rsyslog_at,
        1.0,
    );
    let mut boots = boot_truth(
        "web",
        &[(None, Some(last), "unclean"), (Some(k), None, "running")],
        0.0,
    );
    boots.push(json!({"machine": "pve1", "start": null, "end": null, "end_kind": "running"}));
    Scenario {
        name,
        files,
        truth: json!({
            "story": "the guest's rsyslog writes New York time (UTC-05:00) without a zone and its clock runs 12 s slow; the OOM killer kills the VM and `qm start` starts it again: only the start, five hours off as read, and the kill pair the clocks",
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "affected_vms": [VM],
            "guest": {"name": "web", "zone_hint": "-05:00", "zone_s": -18_000.0, "zone_from": "the clock pairs", "segments": [{"segment": 0, "offset_s": -18_000.0 + offset, "pinned": null}]},
            "delays": {"vm_start_to_kernel_s": delay},
            "boots": boots,
        }),
    }
}

/// The night summer time ends in Berlin (2024-10-27, 03:00 CEST → 02:00 CET): the host's
/// kern.log, in local time without a zone, repeats an hour, and the kernel repeats one message
/// every minute; the OOM killer kills VM 101 in the second pass of that hour. The journal,
/// printed with offsets, holds the same kernel records.
fn dst_night(name: &'static str, named: bool, journal_kernel: bool) -> Scenario {
    use chrono_tz::Europe::Berlin;
    let mut s = Story::new(name);
    let start = 1_729_983_600.0; // 2024-10-26T23:00:00Z = 01:00 CEST
    let boot = start - 86_400.0 * 4.0;
    s.host.boots.push(boot);
    let mut t = start + s.rng.uniform(0.0, 30.0);
    let end = start + 4.0 * 3600.0;
    while t < end {
        s.host.push(Rec {
            t,
            ident: "kernel",
            pid: None,
            msg: "perf: interrupt took too long (2505 > 2500), lowering kernel.perf_event_max_sample_rate to 79750".to_string(),
            uptime: Some(t - boot),
        });
        t += s.rng.uniform(58.0, 62.0);
    }
    // 02:30:15 CET, the second time the clock shows it.
    let kill = 1_729_992_615.0 + s.rng.uniform(0.0, 0.9);
    s.oom_kill(kill);
    for r in s
        .host
        .recs
        .iter_mut()
        .filter(|r| r.ident == "kernel" && r.uptime.is_none())
    {
        r.uptime = Some(r.t - boot);
    }
    s.ambient(start, end, &[]);
    let mut journal = String::new();
    let mut kern = String::new();
    let mut kern_truth = Vec::new();
    for r in s.host.sorted() {
        let local = Berlin.from_utc_datetime(&utc(r.t).naive_utc());
        let pid = r.pid.map(|p| format!("[{p}]")).unwrap_or_default();
        // Without the kernel's lines (`journalctl -o short-iso -u pvestatd …`), the journal
        // shares no record with kern.log: only its written offsets say the zone.
        if journal_kernel || r.ident != "kernel" {
            let _ = writeln!(
                journal,
                "{} pve1 {}{pid}: {}",
                local.format("%Y-%m-%dT%H:%M:%S%.6f%z"),
                r.ident,
                r.msg
            );
        }
        if let Some(up) = r.uptime {
            let _ = writeln!(
                kern,
                "{} pve1 kernel: [{up:12.6}] {}",
                local.format("%b %e %H:%M:%S"),
                r.msg
            );
            kern_truth.push(rfc3339(r.t.floor()));
        }
    }
    let mut files = BTreeMap::new();
    let mut manifest = json!({"collected_at": rfc3339(end + 600.0), "hostname": "pve1"});
    if named {
        manifest["timezone"] = json!("Europe/Berlin");
    }
    files.insert(
        "manifest.json".to_string(),
        serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n",
    );
    files.insert("host/pve1/journal.txt".to_string(), journal);
    files.insert("host/pve1/var/log/kern.log".to_string(), kern);
    Scenario {
        name,
        files,
        truth: json!({
            "story": if named { "the night summer time ends, the manifest naming the host's zone (Europe/Berlin): kern.log repeats an hour and a message every minute; the OOM killer kills VM 101 in the repeated hour" } else if journal_kernel { "the night summer time ends, the zone unnamed (derived from the journal's offsets): kern.log repeats an hour and a message every minute; the OOM killer kills VM 101 in the repeated hour" } else { "the night summer time ends, the zone unnamed and the journal (`short-iso`, no kernel lines) sharing no record with kern.log: its written offsets, +0200 then +0100, are followed in time; kern.log repeats an hour and a message every minute; the OOM killer kills VM 101 in the repeated hour" },
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "affected_vms": [VM],
            "guest": null,
            "records": {"host/pve1/var/log/kern.log": kern_truth},
            "boots": [{"machine": "pve1", "start": null, "end": null, "end_kind": "running"}],
        }),
    }
}

/// `/etc/pve/qemu-server/101.conf` of VM 101 `web`, a Debian guest; `extra` lines join the
/// sorted keys where they belong.
fn vm_config(extra: &[&str]) -> String {
    let mut lines = vec![
        "agent: 1",
        "boot: order=scsi0;ide2;net0",
        "cores: 2",
        "cpu: x86-64-v2-AES",
        "ide2: none,media=cdrom",
        "memory: 4096",
        "meta: creation-qemu=9.0.2,ctime=1733495011",
        "name: web",
        "net0: virtio=BC:24:11:5A:0C:3E,bridge=vmbr0,firewall=1",
        "numa: 0",
        "ostype: l26",
        "scsi0: local-lvm:vm-101-disk-0,iothread=1,size=32G",
        "scsihw: virtio-scsi-single",
        "smbios1: uuid=6f1c2a34-8e0b-4c55-9d1e-2b7a4f3c9e10",
        "sockets: 1",
        "vmgenid: 3d9e0f6a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
    ];
    lines.extend_from_slice(extra);
    lines.sort_unstable();
    lines.join("\n") + "\n"
}

/// The guest's kernel setting its clock from the RTC (`hctosys`, `rtc_cmos`) `up` seconds after
/// it started at true time `k`, the RTC showing `rtc_zone` seconds east of UTC: the clock then
/// reads the RTC's whole second as UTC, and is off from the truth by the returned amount.
fn rtc_sets_clock(m: &mut Machine, k: f64, up: f64, rtc_zone: f64) -> f64 {
    let rtc = (k + up + rtc_zone).floor();
    let stamp = utc(rtc).format("%Y-%m-%dT%H:%M:%S");
    m.push(Rec {
        t: k + up,
        ident: "kernel",
        pid: None,
        msg: format!(
            "rtc_cmos 00:00: setting system clock to {stamp} UTC ({})",
            rtc as i64
        ),
        uptime: Some(up),
    });
    rtc - (k + up)
}

/// `localtime: 1` on a Linux VM of a host in Europe/Berlin (CET, UTC+01:00): QEMU presents the
/// RTC in the host's local time, the guest's kernel reads it as UTC at each boot, and with no
/// NTP server in reach its clock runs an hour (and the RTC's fraction of a second) ahead, its
/// journal's microseconds included. Only the VM start and the kill pair the clocks.
fn guest_rtc_localtime(name: &'static str, manifest_zone: bool) -> Scenario {
    let mut s = Story::new(name);
    let zone = 3600.0;
    let journald_at = s.rng.uniform(0.8, 2.0);
    let delay = s.rng.uniform(0.5, 10.0);
    let k = s.start(T0, delay);
    let rtc_at = s.rng.uniform(0.55, 0.75);
    let offset = rtc_sets_clock(&mut s.guest, k, rtc_at, zone);
    s.guest.offsets.push((0.0, offset));
    s.guest_userspace(k, false);
    let kill = T0 + 1800.0 + s.rng.uniform(0.0, 60.0);
    let last = kill - s.rng.uniform(0.2, 1.5);
    s.guest.push(rec(
        last,
        "php-fpm8.2",
        Some(811),
        "[pool www] server reached pm.max_children setting (5), consider raising it",
    ));
    s.oom_kill(kill);
    let delay2 = s.rng.uniform(0.5, 10.0);
    let k2 = s.start(kill + 240.0, delay2);
    let rtc_at2 = s.rng.uniform(0.55, 0.75);
    let offset2 = rtc_sets_clock(&mut s.guest, k2, rtc_at2, zone);
    s.guest.offsets.push((k2, offset2));
    s.guest_userspace(k2, true);
    let end = k2 + 600.0;
    s.ambient(T0 - 600.0, end, &[(k + 5.0, last - 0.1), (k2 + 5.0, end)]);
    let mut files = BTreeMap::new();
    // Without the manifest's zone, the host's zone is the offset its journal writes.
    let mut manifest = json!({
        "collected_at": rfc3339(end + 60.0),
        "timezone": "Europe/Berlin",
        "hostname": "pve1",
    });
    if !manifest_zone && let Some(m) = manifest.as_object_mut() {
        m.remove("timezone");
    }
    files.insert(
        "manifest.json".to_string(),
        serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n",
    );
    files.insert(
        "host/pve1/journal.txt".to_string(),
        host_journal_as(&s.host, "pve1", Some(chrono_tz::Europe::Berlin)),
    );
    files.insert(
        format!("host/pve1/qemu-server/{VM}.conf"),
        vm_config(&["localtime: 1"]),
    );
    files.insert(
        format!("guest/{VM}-web/journal.export"),
        guest_export(&s.guest, journald_at),
    );
    let mut boots = boot_truth(
        "web",
        &[
            (Some(k), Some(last), "unclean"),
            (Some(k2), None, "running"),
        ],
        0.0,
    );
    boots.push(json!({"machine": "pve1", "start": null, "end": null, "end_kind": "running"}));
    Scenario {
        name,
        files,
        truth: json!({
            "story": format!("a Linux VM with `localtime: 1` on a host in Europe/Berlin: QEMU presents the RTC in the host's local time, the guest's kernel reads it as UTC at boot and, no NTP server in reach, its clock runs an hour ahead (its journal's microseconds too); the OOM killer kills the VM and `qm start` starts it again; only the start and the kill pair the clocks{}", if manifest_zone { "" } else { "; the manifest names no zone: the host's is the +0100 its `short-iso` journal writes" }),
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "affected_vms": [VM],
            // The hour is the RTC's zone, read back exactly; what remains (the RTC's fraction
            // of a second, per boot) is too small for the start and the kill to pin.
            "guest": {"name": "web", "zone_s": zone, "zone_from": "localtime: 1", "segments": [{"segment": 0, "offset_s": offset, "pinned": null}]},
            "delays": {"vm_start_to_kernel_s": delay, "offset_after_restart_s": offset2, "journald_reads_ring_buffer_s": journald_at},
            "boots": boots,
        }),
    }
}

/// `timedatectl` in the guest, in New York on the first Monday of summer time (EDT,
/// UTC−04:00), as the guest printed it at collection.
fn guest_timedatectl(at: f64) -> String {
    use chrono_tz::America::New_York;
    let t = utc(at);
    let local = t.with_timezone(&New_York);
    format!(
        "               Local time: {}\n           Universal time: {}\n                 RTC time: {}\n                Time zone: America/New_York (EDT, -0400)\nSystem clock synchronized: yes\n              NTP service: active\n          RTC in local TZ: no\n",
        local.format("%a %Y-%m-%d %H:%M:%S %Z"),
        t.format("%a %Y-%m-%d %H:%M:%S UTC"),
        t.format("%a %Y-%m-%d %H:%M:%S"),
    )
}

/// A guest in New York (its `timedatectl` says so) whose rsyslog writes local time without a
/// zone, four hours behind its UTC host; its clock a few seconds off. Only the VM start and the
/// kill pair the clocks, which cannot reach across hours: the zone must come first.
fn guest_zone_timedatectl(name: &'static str) -> Scenario {
    let mut s = Story::new(name);
    let zone = -4.0 * 3600.0;
    let offset = 4.3 + s.rng.uniform(-0.9, 0.9);
    s.guest.offsets.push((0.0, offset));
    s.guest.boots.push(T0 - 86_400.0);
    let rsyslog_at = s.rng.uniform(4.0, 9.0);
    let Restarted {
        kill,
        last,
        k,
        end,
        delay,
    } = kill_then_start(&mut s);
    let mut files = s.files(
        GuestFormat::Traditional(zone as i32),
        true,
        manifest(end + 60.0),
        rsyslog_at,
        1.0,
    );
    files.insert(
        format!("guest/{VM}-web/timedatectl.txt"),
        guest_timedatectl(s.guest.clock(end + 30.0)),
    );
    let mut boots = boot_truth(
        "web",
        &[(None, Some(last), "unclean"), (Some(k), None, "running")],
        0.0,
    );
    boots.push(json!({"machine": "pve1", "start": null, "end": null, "end_kind": "running"}));
    Scenario {
        name,
        files,
        truth: json!({
            "story": "the guest lives in New York (its `timedatectl`: America/New_York, EDT) and its rsyslog writes local time without a zone, four hours behind its host's UTC; its clock is a few seconds off; the OOM killer kills the VM and `qm start` starts it again; only the start and the kill pair the clocks",
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "affected_vms": [VM],
            "guest": {"name": "web", "zone_s": zone, "zone_from": "timedatectl", "segments": [{"segment": 0, "offset_s": zone + offset, "pinned": null}]},
            "delays": {"vm_start_to_kernel_s": delay, "rsyslog_reads_ring_buffer_s": rsyslog_at},
            "boots": boots,
        }),
    }
}

/// `pvecm status` on node `local` (1 or 2) of the two-node cluster `prod`, taken at `at`.
fn pvecm_status(local: u32, at: f64) -> String {
    let date = utc(at).format("%a %b %e %H:%M:%S %Y");
    let member = |id: u32| {
        format!(
            "0x{id:08x}          1 10.10.10.{id}{}",
            if id == local { " (local)" } else { "" }
        )
    };
    format!(
        "Cluster information\n-------------------\nName:             prod\nConfig Version:   2\nTransport:        knet\nSecure auth:      on\n\n\
         Quorum information\n------------------\nDate:             {date}\nQuorum provider:  corosync_votequorum\nNodes:            2\nNode ID:          0x{local:08x}\nRing ID:          1.2d\nQuorate:          Yes\n\n\
         Votequorum information\n----------------------\nExpected votes:   2\nHighest expected: 2\nTotal votes:      2\nQuorum:           2  \nFlags:            Quorate \n\n\
         Membership information\n----------------------\n    Nodeid      Votes Name\n{}\n{}\n",
        member(1),
        member(2)
    )
}

/// A UPID of node `node`: `pid` and the task's start (epoch seconds, hex) as PVE writes them.
fn upid_of(node: &str, pid: u32, pstart: u32, t: f64, task: &str, id: u32) -> String {
    format!(
        "UPID:{node}:{pid:08X}:{pstart:08X}:{:08X}:{task}:{id}:root@pam:",
        t as i64
    )
}

/// Two nodes of the cluster `prod`, `pve-a` and `pve-b`, collected into a folder each (no
/// `host/` layout: the SRE copied each node's journal and `pvecm status` under its name). VM 101
/// `web` is live-migrated from `pve-a` to `pve-b` (the `qmigrate` task on A, with its task log;
/// the VM started on B for the incoming migration; A's copy of the VM ends in order), then the
/// OOM killer on `pve-b` kills it. VM 102 keeps running on `pve-a`. With `kill_on_source`, the
/// OOM killer on `pve-a` kills VM 102 instead, half an hour after the migration ended there (A's
/// task list `index` beside the task log): the migration's `transferred …` line is no activity
/// at the kill.
fn cluster_migrated_then_killed(name: &'static str, kill_on_source: bool) -> Scenario {
    let mut rng = Rng::new(name);
    let mut a = Machine::default();
    let mut b = Machine::default();
    a.boots.push(T0 - 86_400.0 * 12.0);
    b.boots.push(T0 - 86_400.0 * 12.0);
    // Quorum and cluster file system chatter as the nodes have it.
    for (m, id) in [(&mut a, 1u32), (&mut b, 2u32)] {
        let mut t = T0 + rng.uniform(0.0, 60.0);
        while t < T0 + 3600.0 {
            m.push(rec(
                t,
                "pmxcfs",
                Some(1131),
                "[dcdb] notice: data verification successful",
            ));
            t += 900.0;
        }
        m.push(rec(
            T0 + 5.0 + f64::from(id),
            "corosync",
            Some(1275),
            "  [KNET  ] pmtud: Global data MTU changed to: 1397",
        ));
        let mut t = T0 + rng.uniform(0.0, 10.0);
        while t < T0 + 3600.0 {
            let n = rng.int(1, 4);
            m.push(rec(
                t,
                "pvestatd",
                Some(1580),
                format!("status update time ({n}.{:03} seconds)", rng.int(0, 999)),
            ));
            t += rng.uniform(9.5, 10.5);
        }
    }
    // The migration, started on A.
    let mig = T0 + 600.0 + rng.uniform(0.0, 30.0);
    let task_a = upid_of("pve-a", 0x0003_1a2b, 0x0512_4c7e, mig, "qmigrate", VM);
    a.push(rec(
        mig,
        "pvedaemon",
        Some(2211),
        format!("<root@pam> starting task {task_a}"),
    ));
    // B starts the VM to receive it: `qm start 101 --migratedfrom pve-a …` over ssh.
    let remote = mig + rng.uniform(1.0, 1.8);
    let task_b = upid_of("pve-b", 0x0002_7e11, 0x0498_03aa, remote, "qmstart", VM);
    b.push(rec(
        remote,
        "qm",
        Some(163_345),
        format!("<root@pam> starting task {task_b}"),
    ));
    b.push(rec(
        remote + 0.02,
        "qm",
        Some(163_346),
        format!("start VM {VM}: {task_b}"),
    ));
    let scope_b = remote + rng.uniform(0.3, 0.8);
    b.push(rec(
        scope_b,
        "systemd",
        Some(1),
        format!("Started {VM}.scope."),
    ));
    b.push(rec(
        scope_b + 0.2,
        "kernel",
        None,
        format!("tap{VM}i0: entered promiscuous mode"),
    ));
    b.push(rec(
        scope_b + 0.25,
        "kernel",
        None,
        format!("vmbr0: port 3(tap{VM}i0) entered forwarding state"),
    ));
    b.push(rec(
        scope_b + 1.1,
        "qm",
        Some(163_345),
        format!("<root@pam> end task {task_b} OK"),
    ));
    // The memory copy; A's QEMU exits once B runs the VM.
    let done = scope_b + rng.uniform(6.0, 12.0);
    a.push(rec(
        done + 0.05,
        "kernel",
        None,
        format!("tap{VM}i0: left allmulticast mode"),
    ));
    a.push(rec(
        done + 0.06,
        "kernel",
        None,
        format!("vmbr0: port 2(tap{VM}i0) entered disabled state"),
    ));
    a.push(rec(
        done + 0.4,
        "systemd",
        Some(1),
        format!("{VM}.scope: Deactivated successfully."),
    ));
    a.push(rec(
        done + 0.41,
        "systemd",
        Some(1),
        format!("{VM}.scope: Consumed 2h 3min 12.408s CPU time, 3.9G memory peak."),
    ));
    let finished = done + rng.uniform(2.0, 3.5);
    a.push(rec(
        finished + 0.1,
        "pvedaemon",
        Some(2211),
        format!("<root@pam> end task {task_a} OK"),
    ));
    // The task log on A, whole seconds in the node's zone (UTC).
    let stamp = |t: f64| utc(t).format("%Y-%m-%d %H:%M:%S").to_string();
    let mut tasklog = String::new();
    for (t, line) in [
        (
            mig,
            "use dedicated network address for sending migration traffic (10.10.10.2)".to_string(),
        ),
        (
            mig,
            format!("starting migration of VM {VM} to node 'pve-b' (10.10.10.2)"),
        ),
        (
            mig + 0.4,
            format!("starting VM {VM} on remote node 'pve-b'"),
        ),
        (scope_b + 1.2, "start remote tunnel".to_string()),
        (scope_b + 1.5, "ssh tunnel ver 1".to_string()),
        (
            scope_b + 1.6,
            format!("starting online/live migration on unix:/run/qemu-server/{VM}.migrate"),
        ),
        (scope_b + 1.6, "set migration capabilities".to_string()),
        (
            scope_b + 1.7,
            "migration downtime limit: 100 ms".to_string(),
        ),
        (scope_b + 1.7, "migration cachesize: 512.0 MiB".to_string()),
        (scope_b + 1.7, "set migration parameters".to_string()),
        (
            scope_b + 1.8,
            format!("start migrate command to unix:/run/qemu-server/{VM}.migrate"),
        ),
        (
            scope_b + 2.8,
            "migration active, transferred 1.1 GiB of 4.0 GiB VM-state, 1.1 GiB/s".to_string(),
        ),
        (
            done - 0.5,
            "average migration speed: 819.2 MiB/s - downtime 45 ms".to_string(),
        ),
        (done - 0.5, "migration status: completed".to_string()),
        (
            finished,
            format!(
                "migration finished successfully (duration 00:00:{:02})",
                (finished - mig) as u32
            ),
        ),
    ] {
        let _ = writeln!(tasklog, "{} {line}", stamp(t));
    }
    tasklog.push_str("TASK OK\n");
    // VM 102 on A, untouched: its guest agent pinged by pvestatd.
    a.push(rec(
        T0 + 1500.0,
        "pvedaemon",
        Some(2211),
        "VM 102 qmp command 'guest-ping' failed - got timeout",
    ));
    // The kill, on B (of VM 101), or on A (of VM 102).
    let kill = T0 + 2400.0 + rng.uniform(0.0, 60.0);
    let (kvm, victim, node) = if kill_on_source {
        (2_741, VM + 1, "pve-a")
    } else {
        (163_380, VM, "pve-b")
    };
    let mut killed = Vec::new();
    for (d, ident, pid, msg) in [
        (0.0, "kernel", None, "kvm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0".to_string()),
        (0.000_2, "kernel", None, format!("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=qemu.slice,mems_allowed=0,global_oom,task_memcg=/qemu.slice/{victim}.scope,task=kvm,pid={kvm},uid=0")),
        (0.000_3, "kernel", None, format!("Out of memory: Killed process {kvm} (kvm) total-vm:5339840kB, anon-rss:4197740kB, file-rss:1536kB, shmem-rss:0kB, UID:0 pgtables:9520kB oom_score_adj:0")),
        (0.31, "systemd", Some(1), format!("{victim}.scope: A process of this unit has been killed by the OOM killer.")),
        (0.35, "kernel", None, format!("vmbr0: port 3(tap{victim}i0) entered disabled state")),
        (0.36, "systemd", Some(1), format!("{victim}.scope: Failed with result 'oom-kill'.")),
    ] {
        killed.push(rec(kill + d, ident, pid, msg));
    }
    let on = if kill_on_source { &mut a } else { &mut b };
    for r in killed {
        on.push(r);
    }
    let end = T0 + 3600.0;
    let mut files = BTreeMap::new();
    files.insert(
        "manifest.json".to_string(),
        serde_json::to_string_pretty(
            &json!({"collected_at": rfc3339(end + 60.0), "timezone": "UTC"}),
        )
        .unwrap_or_default()
            + "\n",
    );
    files.insert(
        "pve-a/journal.txt".to_string(),
        host_journal_as(&a, "pve-a", None),
    );
    files.insert(
        "pve-b/journal.txt".to_string(),
        host_journal_as(&b, "pve-b", None),
    );
    files.insert(
        "pve-a/pvecm-status.txt".to_string(),
        pvecm_status(1, end + 30.0),
    );
    files.insert(
        "pve-b/pvecm-status.txt".to_string(),
        pvecm_status(2, end + 40.0),
    );
    let hex = format!("{:X}", (mig as i64) & 0xf);
    let tasklog_path = format!("pve-a/var/log/pve/tasks/{hex}/{task_a}");
    files.insert(tasklog_path.clone(), tasklog);
    if kill_on_source {
        // A's task list: the migration's end as pvedaemon noticed it, whole seconds.
        files.insert(
            "pve-a/var/log/pve/tasks/index".to_string(),
            format!("{task_a} {:08X} OK\n", (finished + 0.1) as i64),
        );
    }
    let (story, affected) = if kill_on_source {
        (
            "a two-node cluster (pve-a, pve-b), each node's journal and `pvecm status` in a folder of its own, A's task list beside the migration's task log: VM 101 is live-migrated from pve-a to pve-b, and half an hour after the migration ended the OOM killer on pve-a kills VM 102",
            VM + 1,
        )
    } else {
        (
            "a two-node cluster (pve-a, pve-b), each node's journal and `pvecm status` in a folder of its own: VM 101 is live-migrated from pve-a to pve-b (qmigrate on A, the VM started on B for the incoming migration, A's copy ends in order), then the OOM killer on pve-b kills it",
            VM,
        )
    };
    Scenario {
        name,
        files,
        truth: json!({
            "story": story,
            "family": "memory_overcommit",
            "incident_time": rfc3339(kill + 0.0003),
            "incident_bound": null,
            "incident_machine": node,
            "affected_vms": [affected],
            "activities_at_incident": 0,
            "task_end": {"source": tasklog_path, "time": rfc3339(finished + 0.1)},
            "guest": null,
            "hosts": ["pve-a", "pve-b"],
            "migration": {"from": "pve-a", "to": "pve-b", "task": task_a, "at": rfc3339(mig), "source_stopped": rfc3339(done + 0.4)},
            "boots": [
                {"machine": "pve-a", "start": null, "end": null, "end_kind": "running"},
                {"machine": "pve-b", "start": null, "end": null, "end_kind": "running"}
            ],
        }),
    }
}

/// Every scenario.
pub fn all() -> Vec<Scenario> {
    vec![
        freeze_then_oom(GuestFormat::Rfc3339, "freeze-pair-rfc3339", 73.2, false),
        freeze_then_oom(GuestFormat::Export, "freeze-pair-journal", -48.6, false),
        freeze_then_oom(
            GuestFormat::Traditional(0),
            "freeze-pair-traditional",
            12.4,
            false,
        ),
        freeze_then_oom(GuestFormat::Export, "freeze-pair-vzdump-log", 31.7, true),
        operator_shutdown("shutdown-agent", true, GuestFormat::Export, -12.6),
        operator_shutdown("shutdown-acpi", false, GuestFormat::Rfc3339, 5.3),
        start_only("start-and-kill-only", GuestFormat::Export),
        start_only("start-and-kill-syslog-only", GuestFormat::SyslogOnly),
        clock_step("clock-step"),
        power_loss("host-power-loss"),
        guest_reset("guest-reset"),
        guest_other_zone("guest-other-zone"),
        guest_other_zone_start_only("guest-other-zone-start-only"),
        guest_rtc_localtime("guest-rtc-localtime", true),
        guest_rtc_localtime("guest-rtc-localtime-host-offsets", false),
        guest_zone_timedatectl("guest-zone-timedatectl"),
        cluster_migrated_then_killed("cluster-migrated-then-killed", false),
        cluster_migrated_then_killed("cluster-killed-after-migrating-away", true),
        dst_night("dst-night-derived", false, true),
        dst_night("dst-night-named", true, true),
        dst_night("dst-night-written", false, false),
    ]
}
