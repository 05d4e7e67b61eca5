//! Typed facts: what a snapshot or a login record *states* (a VM's memory, a pool's state, a
//! boot that ended in a crash), as opposed to the events of the timeline.
//!
//! Facts are produced by the `last`/wtmp parsers ([`crate::formats::last`],
//! [`crate::formats::wtmp`]) and the snapshot parsers ([`crate::formats::snapshot`]), and are kept on
//! [`crate::formats::Parsed::facts`] with their provenance: the 1-based line of the record's
//! first line (0 for binary sources) and its byte offset. Units are part of every field name;
//! nothing is converted silently (`kB` in `/proc/meminfo` is KiB and stays KiB, `free` and `df`
//! values are turned into bytes because their unit depends on the flags they were run with).
//!
//! Times are [`RecordedTime`]s, as written: the clock stage owns turning them into UTC. In JSON
//! they are RFC 3339 strings when absolute, `YYYY-MM-DDTHH:MM:SS` when local, `--MM-DDTHH:MM:SS`
//! (ISO 8601's yearless form) when the year is unknown, and null when missing.

use chrono::SecondsFormat;
use serde::{Serialize, Serializer};

use crate::event::RecordedTime;

/// One fact with its provenance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fact {
    /// 1-based line of the record's first line; 0 for binary sources.
    pub line: u32,
    /// Byte offset of the record in the (decompressed) member.
    pub offset: u64,
    /// What the record states.
    pub kind: FactKind,
}

/// What a record states.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FactKind {
    /// A login session, boot, shutdown, runlevel change or clock change (`last`, wtmp).
    Session(Session),
    /// One row of `qm list`.
    QmVm(QmVm),
    /// The main section of `qm config` or `/etc/pve/qemu-server/<vmid>.conf`.
    VmConfig(VmConfig),
    /// `/proc/meminfo`.
    MemInfo(MemInfo),
    /// `free`.
    Free(Free),
    /// One file system row of `df`.
    Df(Df),
    /// One pool of `zpool status`.
    Zpool(Zpool),
    /// `zpool status -x` found nothing to report, or there is no pool.
    ZpoolSummary(ZpoolSummary),
    /// One temperature of `sensors`.
    Sensor(Sensor),
    /// `uptime`.
    Uptime(Uptime),
    /// One row of `journalctl --list-boots`.
    ListBoot(ListBoot),
    /// One VM of another stack's listing (`virsh list`, `kubectl get vmi`, `limactl ls`).
    VmListed(VmListed),
    /// The zone the machine is configured with (`timedatectl`).
    TimeZone(TimeZone),
    /// A node of the Proxmox VE cluster the machine belongs to (`pvecm status`, `pvecm nodes`).
    ClusterMember(ClusterMember),
    /// A VM's state as `qm status <vmid>` printed it, pasted with its prompt.
    VmStatus(VmStatus),
    /// A wall-clock time printed with a zone abbreviation that names one offset (`date`'s
    /// `CEST`, smartctl's `Local Time is: … CEST`): one instant of the machine's UTC offset.
    ClockShown(ClockShown),
    /// One logical volume of `lvs`.
    LogicalVolume(LogicalVolume),
    /// One disk's health as `smartctl -a`/`-H` printed it.
    DiskHealth(DiskHealth),
    /// When the snapshot was taken, as a prompt or a `date` output shows it.
    #[serde(serialize_with = "ser_time_newtype")]
    SnapshotTakenAt(RecordedTime),
}

/// A machine's configured zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimeZone {
    /// The IANA name (`Europe/Berlin`).
    pub name: String,
    /// Whether the hardware clock keeps local time (`RTC in local TZ: yes`).
    pub rtc_local: Option<bool>,
}

/// A member of a Proxmox VE cluster, as `pvecm status` (by ring address) or `pvecm nodes` (by
/// node name) lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClusterMember {
    /// The cluster's name, when the output says it (`Name:` under `Cluster information`).
    pub cluster: Option<String>,
    /// Its corosync node id.
    pub node_id: u32,
    /// Its votes.
    pub votes: u32,
    /// Its name: the node's name (`pvecm nodes`) or its ring address (`pvecm status`).
    pub name: String,
    /// Whether it is the node the command ran on (`(local)`).
    pub local: bool,
}

impl ClusterMember {
    /// Whether the name is a host name rather than an address (`pvecm status` names members by
    /// their ring addresses).
    pub fn is_host_name(&self) -> bool {
        self.name.parse::<std::net::IpAddr>().is_err()
            && !self.name.starts_with('[')
            && self.name.bytes().any(|b| b.is_ascii_alphabetic())
    }
}

/// What kind of `last` record a session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// `reboot   system boot` (BOOT_TIME); the host column holds the kernel release.
    Reboot,
    /// `shutdown system down` (RUN_LVL with user `shutdown`, or runlevel 0/6).
    Shutdown,
    /// `runlevel (to lvl N)`.
    Runlevel,
    /// A user login.
    User,
    /// `date     new time` / `old time`.
    TimeChange,
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "end", content = "time", rename_all = "snake_case")]
pub enum SessionEnd {
    /// A logout (or, for a boot, the shutdown) at this time.
    Logout(#[serde(serialize_with = "ser_time")] RecordedTime),
    /// A boot record followed without a shutdown record in between.
    Crash,
    /// Ended by a clean shutdown.
    Down,
    /// The boot current when `last` ran.
    StillRunning,
    /// A login still open when `last` ran.
    StillLoggedIn,
    /// A login without logout whose process was gone when `last` ran.
    GoneNoLogout,
    /// Not stated.
    Unknown,
}

/// A `last` record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Session {
    /// The record kind.
    pub kind: SessionKind,
    /// The user column (`reboot`, `root`); a trailing `*` marks a name `last` cut.
    pub user: String,
    /// The line column (`pts/0`, `system boot`, `(to lvl 5)`).
    pub tty: String,
    /// The remote host, or the kernel release for system records; empty when not shown.
    pub host: String,
    /// The login (or boot) time.
    #[serde(serialize_with = "ser_time")]
    pub start: RecordedTime,
    /// How it ended.
    pub end: SessionEnd,
    /// The length `last` printed (`(1+02:20)`), in minutes; negative for a clock step.
    pub duration_minutes: Option<i64>,
}

/// One row of `qm list`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QmVm {
    /// The VMID.
    pub vmid: u32,
    /// The VM's name.
    pub name: String,
    /// `running`, `stopped`, `paused`…
    pub status: String,
    /// Configured memory, MiB.
    pub mem_mb: u64,
    /// Size of the boot disk, GiB.
    pub bootdisk_gb: f64,
    /// The kvm process id, `None` for 0 (not running).
    pub pid: Option<u32>,
}

/// The settings of a VM's main configuration section.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VmConfig {
    /// The VMID, when the prompt (`qm config 101`) or the file path shown names it.
    pub vmid: Option<u32>,
    /// `name:`.
    pub name: Option<String>,
    /// `memory:`, MiB.
    pub memory_mb: Option<u64>,
    /// `balloon:`, MiB; 0 disables ballooning.
    pub balloon_mb: Option<u64>,
    /// `cores:`.
    pub cores: Option<u32>,
    /// `sockets:`.
    pub sockets: Option<u32>,
    /// `onboot:`.
    pub onboot: Option<bool>,
    /// `lock:` (`backup`, `snapshot`, `migrate`…): an operation in progress or interrupted.
    pub lock: Option<String>,
    /// `ostype:`.
    pub ostype: Option<String>,
    /// `hugepages:`.
    pub hugepages: Option<String>,
    /// `parent:`: the snapshot the current state derives from.
    pub parent: Option<String>,
    /// `localtime:`: whether QEMU presents the guest's real-time clock in the host's local time
    /// (`-rtc base=localtime`) rather than UTC. Absent, qemu-server turns it on for Windows
    /// `ostype`s ([`VmConfig::rtc_in_host_local_time`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localtime: Option<bool>,
    /// The `[section]` names that follow the main section (snapshots, `PENDING`,
    /// `special:cloudinit`), in order, repeated as written.
    pub sections: Vec<String>,
}

impl VmConfig {
    /// Whether QEMU presents this VM's real-time clock in the host's local time, and why: the
    /// `localtime:` setting when written, else qemu-server's default, which is on for a Windows
    /// `ostype` (`wxp`, `w2k`, `w2k3`, `w2k8`, `wvista`, `win7` … `win11`: Windows keeps its RTC
    /// in local time) and off for every other.
    pub fn rtc_in_host_local_time(&self) -> (bool, &'static str) {
        match (self.localtime, self.ostype.as_deref()) {
            (Some(on), _) => (on, "localtime"),
            (None, Some(os)) if is_windows_ostype(os) => (true, "ostype"),
            (None, _) => (false, "default"),
        }
    }
}

/// Whether a VM config's `ostype` names a Windows version (qemu-server's `windows_version`).
fn is_windows_ostype(ostype: &str) -> bool {
    matches!(ostype, "wxp" | "w2k" | "w2k3" | "w2k8" | "wvista")
        || ostype
            .strip_prefix("win")
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
}

/// `/proc/meminfo`; `kB` there means KiB.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MemInfo {
    /// `MemTotal`.
    pub mem_total_kib: Option<u64>,
    /// `MemFree`.
    pub mem_free_kib: Option<u64>,
    /// `MemAvailable` (kernel ≥ 3.14).
    pub mem_available_kib: Option<u64>,
    /// `Buffers`.
    pub buffers_kib: Option<u64>,
    /// `Cached`.
    pub cached_kib: Option<u64>,
    /// `Shmem`.
    pub shmem_kib: Option<u64>,
    /// `SwapTotal`.
    pub swap_total_kib: Option<u64>,
    /// `SwapFree`.
    pub swap_free_kib: Option<u64>,
    /// `CommitLimit`.
    pub commit_limit_kib: Option<u64>,
    /// `Committed_AS`.
    pub committed_as_kib: Option<u64>,
    /// `HugePages_Total` (pages).
    pub hugepages_total: Option<u64>,
    /// `HugePages_Free` (pages).
    pub hugepages_free: Option<u64>,
    /// `Hugepagesize`.
    pub hugepagesize_kib: Option<u64>,
}

/// `free`, in bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Free {
    /// `Mem:` total.
    pub mem_total_bytes: Option<u64>,
    /// `Mem:` used.
    pub mem_used_bytes: Option<u64>,
    /// `Mem:` free.
    pub mem_free_bytes: Option<u64>,
    /// `Mem:` shared.
    pub mem_shared_bytes: Option<u64>,
    /// `Mem:` buff/cache (new layout) or buffers + cached (old layout).
    pub mem_buff_cache_bytes: Option<u64>,
    /// `Mem:` available (procps-ng ≥ 3.3.10).
    pub mem_available_bytes: Option<u64>,
    /// `Swap:` total.
    pub swap_total_bytes: Option<u64>,
    /// `Swap:` used.
    pub swap_used_bytes: Option<u64>,
    /// `Swap:` free.
    pub swap_free_bytes: Option<u64>,
    /// How the numbers were scaled: `suffix` (`-h`), `flag` (`-b`/`-k`/`-m`/`-g` in the
    /// prompt), or `assumed-kib` (free's default unit, no flag seen).
    pub scale: &'static str,
}

/// One row of `df`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Df {
    /// The device or pseudo file system.
    pub filesystem: String,
    /// The `Type` column (`df -T`).
    pub fs_type: Option<String>,
    /// Size in bytes (from `-h` suffixes or the block size of the header).
    pub size_bytes: u64,
    /// Used bytes.
    pub used_bytes: u64,
    /// Available bytes.
    pub avail_bytes: u64,
    /// `Use%`; `None` for `-`.
    pub use_percent: Option<u8>,
    /// The mount point, `\040` escapes decoded.
    pub mounted_on: String,
}

/// One vdev row of a pool's `config:` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Vdev {
    /// Name (`rpool`, `mirror-0`, `sda3`, `ata-…-part3`).
    pub name: String,
    /// Depth in the tree: 0 for the pool itself.
    pub depth: u8,
    /// `ONLINE`, `DEGRADED`, `FAULTED`, `OFFLINE`, `UNAVAIL`, `REMOVED`, `AVAIL`, `INUSE`.
    pub state: String,
    /// Read errors (`1.2K` read as 1228).
    pub read_errors: Option<u64>,
    /// Write errors.
    pub write_errors: Option<u64>,
    /// Checksum errors.
    pub cksum_errors: Option<u64>,
    /// Text after the counters (`was /dev/sdb1`, `too many errors`).
    pub note: Option<String>,
}

/// One pool of `zpool status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Zpool {
    /// `pool:`.
    pub name: String,
    /// `state:`.
    pub state: Option<String>,
    /// `status:` (continuation lines joined with a space).
    pub status: Option<String>,
    /// `scan:`.
    pub scan: Option<String>,
    /// `errors:`.
    pub errors: Option<String>,
    /// The `config:` table.
    pub vdevs: Vec<Vdev>,
}

/// `zpool status` without a pool table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZpoolSummary {
    /// `all pools are healthy` (`-x`).
    AllHealthy,
    /// `no pools available`.
    NoPools,
}

/// One temperature of `sensors`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sensor {
    /// The chip line (`coretemp-isa-0000`).
    pub chip: String,
    /// The label (`Package id 0`, `Composite`, `temp1`).
    pub label: String,
    /// The reading, °C; `None` for `N/A`.
    pub celsius: Option<f64>,
    /// `high =`, °C.
    pub high_celsius: Option<f64>,
    /// `crit =`, °C.
    pub crit_celsius: Option<f64>,
    /// `ALARM` was printed.
    pub alarm: bool,
}

/// `uptime`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Uptime {
    /// The wall time printed first (`10:30:00`), local, no date.
    pub time_of_day: Option<String>,
    /// How long the machine had been up, seconds (minute resolution).
    pub up_seconds: Option<u64>,
    /// Logged-in users.
    pub users: Option<u32>,
    /// Load averages over 1, 5 and 15 minutes.
    pub load: Option<[f64; 3]>,
    /// `uptime -s`: when the machine booted, local time.
    #[serde(serialize_with = "ser_opt_time")]
    pub since: Option<RecordedTime>,
}

/// One VM of a listing: `virsh list`, `kubectl get vmi`/`vm`/`pod`, `limactl ls`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VmListed {
    /// The tool that printed it: `virsh`, `kubectl-vmi`, `kubectl-vm`, `kubectl-pod`, `limactl`.
    pub tool: String,
    /// The VM's (or pod's) name.
    pub name: String,
    /// Its id, where the tool prints one (virsh's domain id; `-` when not running is `None`).
    pub id: Option<String>,
    /// Its state as written: `running`, `paused`, `shut off`, `Running`, `OOMKilled`…
    pub state: String,
}

impl VmListed {
    /// Whether the listing shows it running.
    pub fn running(&self) -> bool {
        self.state.eq_ignore_ascii_case("running")
    }
}

/// A VM's state as `qm status <vmid>` printed it (`status: running`; with `--verbose` also
/// the QMP run state, `qmpstatus: guest-panicked`), when the operator looked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VmStatus {
    /// The VMID the command named.
    pub vmid: Option<u32>,
    /// `status` or `qmpstatus`.
    pub key: String,
    /// The state as written: `running`, `stopped`, `paused`, `io-error`, `guest-panicked`…
    pub state: String,
}

impl VmStatus {
    /// Whether the guest panicked and QEMU holds it stopped (pvpanic's `GUEST_PANICKED` with
    /// `-action panic=pause`).
    pub fn guest_panicked(&self) -> bool {
        self.state == "guest-panicked"
    }
}

/// A wall-clock time printed with its zone's abbreviation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClockShown {
    /// The instant, in UTC.
    #[serde(serialize_with = "ser_time")]
    pub at: RecordedTime,
    /// The offset the abbreviation stands for, seconds east of UTC.
    pub offset_s: i32,
    /// The abbreviation as written (`CEST`).
    pub abbreviation: String,
}

/// One logical volume as `lvs` printed it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogicalVolume {
    /// `LV` (hidden volumes bracketed: `[data_tmeta]`).
    pub lv: String,
    /// `VG`.
    pub vg: String,
    /// `Attr`, ten characters: the first the type (`t` thin pool, `V` thin volume), the ninth
    /// the health (`D` out of data space, `M` metadata read-only, `F` failed, `p` partial).
    pub attr: String,
    /// `LSize` as written (`<3.13t`).
    pub size: String,
    /// A thin volume's pool.
    pub pool: Option<String>,
    /// `Data%`.
    pub data_percent: Option<f64>,
    /// `Meta%` (thin pools).
    pub meta_percent: Option<f64>,
}

impl LogicalVolume {
    /// Whether this is a thin pool that cannot allocate: out of data or metadata space (its
    /// `Data%` or `Meta%` at 100, or its health flag `D` or `M`), or failed.
    pub fn thin_pool_full(&self) -> bool {
        let attr = self.attr.as_bytes();
        attr.first() == Some(&b't')
            && (matches!(attr.get(8), Some(b'D' | b'M' | b'F'))
                || self.data_percent.is_some_and(|p| p >= 100.0)
                || self.meta_percent.is_some_and(|p| p >= 100.0))
    }
}

/// One disk's health as `smartctl` printed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiskHealth {
    /// `Device Model:` or `Model Number:`.
    pub model: Option<String>,
    /// `Serial Number:`.
    pub serial: Option<String>,
    /// The overall verdict: `SMART overall-health self-assessment test result: PASSED`
    /// (ATA, NVMe) or `SMART Health Status: OK` (SCSI) is `true`, `FAILED!` is `false`.
    pub passed: Option<bool>,
    /// What the drive warns of, as written under the verdict (`- media has been placed in read
    /// only mode`).
    pub warnings: Vec<String>,
    /// NVMe `Percentage Used:` (wear; above 100 the drive outlived its rated endurance).
    pub percentage_used: Option<u32>,
}

/// One row of `journalctl --list-boots`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListBoot {
    /// The boot offset (`0` current, `-1` previous…).
    pub index: i64,
    /// 32 hex digits.
    pub boot_id: String,
    /// First entry of the boot.
    #[serde(serialize_with = "ser_opt_time")]
    pub first: Option<RecordedTime>,
    /// Last entry of the boot.
    #[serde(serialize_with = "ser_opt_time")]
    pub last: Option<RecordedTime>,
    /// The zone abbreviation printed with the times (`UTC`, `CEST`), when any.
    pub zone: Option<String>,
}

/// The text form of a recorded time (see the module documentation).
pub fn time_text(t: &RecordedTime) -> Option<String> {
    match t {
        RecordedTime::Absolute(t) => Some(t.to_rfc3339_opts(SecondsFormat::Micros, true)),
        RecordedTime::Local(n) => Some(n.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
        RecordedTime::Yearless { month, day, time } => Some(format!(
            "--{month:02}-{day:02}T{}",
            time.format("%H:%M:%S%.f")
        )),
        RecordedTime::Monotonic { micros } => Some(format!("+{micros}us")),
        RecordedTime::Missing => None,
    }
}

fn ser_time<S: Serializer>(t: &RecordedTime, s: S) -> Result<S::Ok, S::Error> {
    time_text(t).serialize(s)
}

fn ser_time_newtype<S: Serializer>(t: &RecordedTime, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct At {
        time: Option<String>,
    }
    At { time: time_text(t) }.serialize(s)
}

fn ser_opt_time<S: Serializer>(t: &Option<RecordedTime>, s: S) -> Result<S::Ok, S::Error> {
    t.as_ref().and_then(time_text).serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone, Utc};

    #[test]
    fn facts_serialize_with_their_type_and_times() {
        let fact = Fact {
            line: 3,
            offset: 120,
            kind: FactKind::Session(Session {
                kind: SessionKind::Reboot,
                user: "reboot".into(),
                tty: "system boot".into(),
                host: "6.1.0-25-amd64".into(),
                start: RecordedTime::Yearless {
                    month: 7,
                    day: 29,
                    time: NaiveTime::from_hms_opt(10, 3, 0).unwrap(),
                },
                end: SessionEnd::Crash,
                duration_minutes: None,
            }),
        };
        let json = serde_json::to_string(&fact).unwrap();
        assert!(json.contains(r#""type":"session""#), "{json}");
        assert!(json.contains(r#""start":"--07-29T10:03:00""#), "{json}");
        assert!(json.contains(r#""end":{"end":"crash"}"#), "{json}");
        let at = Fact {
            line: 1,
            offset: 0,
            kind: FactKind::SnapshotTakenAt(RecordedTime::Absolute(
                Utc.with_ymd_and_hms(2025, 7, 29, 10, 30, 0).unwrap(),
            )),
        };
        let json = serde_json::to_string(&at).unwrap();
        assert!(
            json.contains(r#""type":"snapshot_taken_at","time":"2025-07-29T10:30:00.000000Z""#),
            "{json}"
        );
    }
}
