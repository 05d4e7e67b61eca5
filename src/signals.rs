//! Signals: typed facts read from messages, the vocabulary of the diagnosis.
//!
//! One multi-pattern pass (a `regex-automata` meta regex built from every pattern at once)
//! tells which patterns a message matches; small hand-written parsers then pull out the fields
//! (the VMID of `task_memcg=/qemu.slice/101.scope`, the pid, name and RSS of `Killed process`,
//! the type and status of a Proxmox task). Patterns are the real wordings of several kernel,
//! systemd and Proxmox VE generations (REFERENCE.md §7); each kind is tested with them.
//!
//! The table (`TABLE`) is the one list of what pvelog recognizes: each row a pattern, what it
//! signals and the literals one of which every match contains. An analysis matches every record
//! once ([`match_sources`]); [`crate::index`] orders the result in time for the rules.
//!
//! A literal prefilter skips the records that hold none of the table's literals before the
//! patterns run. It must never change a signal: the analysis can run without it
//! ([`Matcher::unfiltered`], `analysis::Options::no_prefilter`), and `tests/prefilter.rs`
//! diagnoses every corpus both ways and requires the same signals and the same output.

use regex_automata::meta::Regex;
use std::sync::atomic::{AtomicUsize, Ordering};

use regex_automata::{Input, PatternSet};
use serde::Serialize;

use crate::event::{Event, RecordedTime};

/// What a message says, for the diagnosis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignalKind {
    /// `kvm invoked oom-killer: gfp_mask=…` (kernels before 2.6.30 without the colon).
    OomInvoked {
        /// The task that asked for memory when it ran out (`CPU 2/KVM`, `mysqld`).
        invoker: String,
    },
    /// `oom-kill:constraint=…,task_memcg=/qemu.slice/101.scope,task=kvm,pid=32969,uid=0`.
    OomConstraint {
        /// VMID from `task_memcg=/qemu.slice/<vmid>.scope`.
        vmid: Option<u32>,
        /// The killed task's name.
        task: Option<String>,
        /// The killed task's pid.
        pid: Option<u32>,
        /// `global_oom` (host memory exhausted) rather than a cgroup limit.
        global: bool,
        /// The task's memory cgroup is a VM's scope (`…/qemu.slice/<vmid>.scope`): the task is
        /// the VM's QEMU process, whatever its name.
        vm_scope: bool,
    },
    /// `Out of memory: Killed process 32969 (kvm) total-vm:…kB, anon-rss:15797740kB, …`.
    OomKilled {
        /// The killed pid.
        pid: Option<u32>,
        /// The killed process name.
        comm: String,
        /// Anonymous RSS in kB at the kill.
        anon_rss_kb: Option<u64>,
        /// A memory cgroup limit (`Memory cgroup out of memory: Killed process`).
        memcg: bool,
    },
    /// `101.scope: A process of this unit has been killed by the OOM killer.` or
    /// `101.scope: Failed with result 'oom-kill'.`
    ScopeOomKilled {
        /// The VM.
        vmid: u32,
    },
    /// `101.scope: Deactivated successfully.` (systemd 247 and later; `101.scope: Succeeded.`
    /// before): a clean stop of the VM's scope.
    ScopeDeactivated {
        /// The VM.
        vmid: u32,
    },
    /// Proxmox VE's `qmeventd` cleaning up after a VM's QEMU process ended (`Starting cleanup
    /// for 101`, `Finished cleanup for 101`): the VM stopped, for whatever reason (an orderly
    /// stop, a kill, a crash all end so). A stop, never its cause.
    VmCleanup {
        /// The VM.
        vmid: u32,
    },
    /// `101.scope: Failed with result 'signal'` and other non-OOM failures.
    ScopeFailed {
        /// The VM.
        vmid: u32,
        /// systemd's result word.
        result: String,
    },
    /// A Proxmox VE task started: `starting task UPID:…:qmstart:101:root@pam:`.
    TaskStart {
        /// Task type (`qmstart`, `qmshutdown`, `qmstop`, `vzdump`, `qmigrate`…).
        task: String,
        /// The whole UPID, which pairs a start with its end.
        upid: String,
        /// The task's id field (a VMID for qm tasks; empty for a whole-node vzdump).
        vmid: Option<u32>,
    },
    /// A Proxmox VE task ended: `end task UPID:…: OK` or an error text.
    TaskEnd {
        /// Task type.
        task: String,
        /// The whole UPID.
        upid: String,
        /// The task's VMID.
        vmid: Option<u32>,
        /// Whether it ended `OK`.
        ok: bool,
    },
    /// `Started 101.scope` (systemd started the VM's scope: the kvm process is starting).
    ScopeStarted {
        /// The VM.
        vmid: u32,
    },
    /// A host record naming a VM's network device (`tap101i0`): the VM's NIC appearing or
    /// going away, so the host speaks of that VM.
    VmNic {
        /// The VM.
        vmid: u32,
    },
    /// The host asked a guest agent to freeze the guest's file systems (`guest-agent
    /// 'fs-freeze'`, logged by vzdump).
    GuestAgentFreeze,
    /// A guest agent froze the guest's file systems (`guest-fsfreeze called`).
    GuestFsFreeze,
    /// A VM's QEMU process crashed: the kernel's `qemu-system-x86[pid]: segfault at …` and
    /// `traps: kvm[pid] general protection fault …` (or a vCPU thread's: `CPU 1/KVM[4043477]:
    /// segfault at 2 …`), Xen crashing a guest domain (`(XEN) Domain 11 (vcpu#1) crashed on
    /// cpu#0:`), QEMU stopping the VM when KVM refused to enter it (`KVM: entry failed,
    /// hardware error 0x80000021`), QEMU's own failed assertion before it aborts
    /// (`kvm: ../block/io.c:1234: bdrv_…: Assertion `…' failed.`, its stderr in the journal or
    /// the domain's log), libvirt's `shutting down, reason=crashed` and `internal error: End of
    /// file from qemu monitor` (QEMU gone without libvirt asking it to quit), Xen's toolstack
    /// losing the domain's QMP socket.
    QemuCrashed {
        /// The crashed process's id, when the line names it (`kvm[74541]: segfault at …`; the
        /// kernel prints the faulting thread's id, the process's own for its main thread).
        pid: Option<u32>,
    },
    /// QEMU could not get memory for the guest: at start (`cannot set up guest memory 'pc.ram':
    /// Cannot allocate memory`) or while running (`Failed to allocate memory: …`, its abort).
    QemuNoMemory {
        /// Said while the VM was being started (QEMU setting up the guest's RAM, KVM's init,
        /// Xen building the domain): the VM never ran. Otherwise a running VM's QEMU or Xen
        /// domain failed to get memory and died.
        starting: bool,
    },
    /// QEMU ended on a signal someone sent it: `terminating on signal 15 from pid …`.
    QemuTerminated,
    /// `VM 101 qmp command failed - VM 101 not running`.
    VmNotRunning {
        /// The VM.
        vmid: u32,
    },
    /// A guest-agent freeze left unanswered (`VM 820 qmp command 'guest-fsfreeze-freeze' failed
    /// - got timeout`, in a backup's log or the journal): the guest may stay frozen.
    FreezeTimeout {
        /// The VM, when the line names it.
        vmid: Option<u32>,
    },
    /// QEMU paused the VM on an I/O error, or reported one (`block I/O error in device`).
    IoErrorPause,
    /// A block-layer or device I/O error (`I/O error, dev sda, sector …`, `Buffer I/O error`,
    /// ATA/SCSI/NVMe errors).
    BlockIoError {
        /// The device, when named.
        device: Option<String>,
    },
    /// A file system error (EXT4/XFS/btrfs) or a remount read-only.
    FsError,
    /// `No space left on device`.
    NoSpace,
    /// LVM thin pool out of data space.
    ThinPoolFull,
    /// A ZFS pool or vdev in a bad state, or a zio error.
    ZfsError,
    /// A ZFS pool suspended on an uncorrectable I/O failure (`Pool 'tank' has encountered an
    /// uncorrectable I/O failure and has been suspended`, zed's `class=io_failure`, `pool I/O
    /// is currently suspended`): every writer to it, VMs included, waits from then on.
    ZfsSuspended,
    /// A machine check the CPU could not correct: `Machine Check Exception`, `Processor context
    /// corrupt`, `Fatal machine check`, an uncorrectable MCE in the BMC's event log.
    MachineCheck,
    /// A machine check the machine could not survive, said beside the machine check itself: the
    /// bank's status with both UC and PCC set (`Bank 4: b604a00100000813`, bits 61 and 57: the
    /// processor's context is corrupt, the kernel panics), `Processor context corrupt`, `Fatal
    /// machine check`, an HPE log's `Status 0xBA000000'…`, ESXi's `requested PSOD`. The host
    /// went down (or is going down) with it.
    MachineCheckFatal,
    /// A machine check notice: `mce: [Hardware Error]: Machine check events logged`, a CMCI storm
    /// — corrected errors the kernel logged, not a fault by themselves.
    MachineCheckNotice,
    /// `EDAC … CE` (corrected) memory error.
    EdacCorrected,
    /// `EDAC … UE` (uncorrected) memory error.
    EdacUncorrected,
    /// CPU temperature above threshold, clock throttled.
    ThermalThrottle,
    /// `critical temperature reached … shutting down`.
    ThermalShutdown,
    /// A shutdown request from outside the guest: `Power key pressed` (ACPI, e.g. `qm shutdown`
    /// without an agent) or the guest agent's `guest-shutdown called` (`qm shutdown` with one).
    PowerKey,
    /// The machine's wall clock was stepped: chrony's `System clock was stepped by N seconds`,
    /// ntpd's `clock_step ±N s`, ntpdate's `step time server … offset ±N sec` (the step, new
    /// clock minus old), or systemd's `Time has been changed` (no amount).
    ClockStep {
        /// The step in microseconds (new clock minus old), when the record says.
        by_us: Option<i64>,
    },
    /// systemd's shutdown sequence (`System is powering down.`, `Reached target … Power-Off`,
    /// `Shutting down.`, `Powering off.`), sysvinit's, the kernel's power-off path, a Windows
    /// guest's User32 event 1074 (`… has initiated the power off of computer …`).
    ShutdownSequence,
    /// A kernel starting (`Linux version …`).
    KernelBoot,
    /// journald: the previous boot's journal was not closed cleanly.
    UncleanJournal,
    /// A kernel panic or oops.
    KernelPanic,
    /// A shell reporting that a job died of SIGKILL (`line 82:    48 Killed    bundle install`,
    /// or a bare `Killed`): the OOM killer's usual trace in a build or job log.
    ShellKilled {
        /// The job's program (`bundle`), else the script that ran it (`/usr/bin/fakeroot`);
        /// empty for a bare `Killed`.
        program: String,
    },
    /// A task blocked for more than 120 seconds (`INFO: task kvm:2613 blocked for more than 120
    /// seconds.`, and the `task:kvm state:D … pid:2613` line that follows it on newer kernels), a
    /// soft or hard lockup, an RCU stall.
    HungTask {
        /// The blocked task's name, when the line names it (`kvm`, `CPU 0/KVM`).
        comm: Option<String>,
        /// Its id: the `task:` line's `tgid:` (the process) where printed, else the task's
        /// (a thread's own id for a thread).
        pid: Option<u32>,
    },
    /// Watchdog expiry or HA fencing.
    Fencing {
        /// The guest an HA manager's line names (`service 'vm:501': state changed from
        /// 'started' to 'fence'`: a guest on the fenced node).
        vmid: Option<u32>,
    },
    /// Trouble a machine runs through without stopping: a failed service, a lost cluster link
    /// or quorum, a lost power-supply redundancy, a network link down.
    Degraded,
    /// A package upgrade (apt, dpkg, unattended-upgrades, dnf, yum).
    PackageUpgrade,
    /// A backup job (vzdump, Proxmox Backup Server client, restic, borg, mysqldump).
    Backup {
        /// `start`, `end`, `running` (vzdump's `INFO: status = running`: the VM whose backup
        /// just started was running) or `progress`.
        phase: &'static str,
        /// The VM being backed up, when named.
        vmid: Option<u32>,
    },
    /// A Proxmox VE storage replication run (`/var/log/pve/replicate/<jobid>`: `103-0: start
    /// replication job`, `103-0: end replication job`, `… end replication job with error: …`):
    /// `zfs send | zfs recv` of the guest's disks to another node.
    Replication {
        /// `start` or `end`.
        phase: &'static str,
        /// The guest replicated: the job id's first number (`103-0`).
        vmid: Option<u32>,
    },
    /// systemd's word that a service died (`postgresql@14-main.service: Failed with result
    /// 'exit-code'`, `Main process exited, code=killed`): inside a guest that ran on, a service
    /// lost.
    ServiceFailed {
        /// The unit, without `.service`.
        unit: String,
    },
    /// A large transfer or import (dd, rsync, docker/podman pull, qm importdisk, a restore).
    LargeTransfer,
    /// A PCIe error that Advanced Error Reporting logged (`AER: Corrected error received`,
    /// `PCIe Bus Error: severity=Uncorrected (Fatal), …`).
    PcieError {
        /// `Uncorrected (Fatal)`: the link or device is lost until reset. Corrected and
        /// non-fatal errors are recovered by the hardware or the driver.
        fatal: bool,
    },
    /// A VM, container or machine stopped in order on purpose, outside the Proxmox task log: an
    /// operator's command at a shell prompt (`qm shutdown 101`, `virsh destroy web`, `multipass
    /// stop cka`, `poweroff`), or the host's service that stops its guests (`Stopping PVE
    /// guests...`, LXC's autoboot service, libvirt-guests).
    OrderlyStop {
        /// Who stopped it.
        by: StopBy,
        /// A hard stop (`qm stop`, `virsh destroy`): the guest was not asked to shut down.
        hard: bool,
        /// The VM or container, when the command names it by number (`qm`, `pct`).
        vmid: Option<u32>,
    },
    /// A guest's kernel panic as the VM's host reports it (QEMU's `GUEST_PANICKED` event, a
    /// `SHUTDOWN` for `guest-panic`): about the guest, never the logging machine.
    GuestPanicked,
    /// systemd's report that the kernel's OOM killer killed a process of a service
    /// (`jenkins.service: A process of this unit has been killed by the OOM killer.`): the
    /// service's kill, counted when the kernel's own kill line is not in the bundle.
    UnitOomKilled {
        /// The unit's name without `.service`.
        unit: String,
    },
    /// The kernel's OOM killer with nothing left to kill (a memory cgroup goes on; the whole
    /// machine panics next).
    OomNoVictim,
    /// The kernel panicking out of memory (`System is deadlocked on memory`, `panic_on_oom`).
    OomPanic,
    /// PCIe Advanced Error Reporting's `AER: Device recovery successful`: the device came back
    /// after an uncorrected error.
    PcieRecovered,
    /// The storage a machine's disks live on stopped answering: an NFS server (`nfs: server
    /// 10.0.0.5 not responding, still trying`, `… timed out`), every path of a multipath device
    /// (`mpatha: remaining active paths: 0`), an NVMe controller gone from the bus (`nvme nvme0:
    /// controller is down; will reset`). I/O to it hangs or fails until it comes back.
    StorageUnreachable,
    /// A requested stop that did not happen: Proxmox VE's `VM quit/powerdown failed` (and `… -
    /// got timeout`) ending a shutdown task without `forceStop`, the guest ignoring the power
    /// button or its agent gone. The VM kept running.
    StopFailed,
    /// A backup that failed and left its VM running: vzdump's `ERROR: Backup of VM 111 failed -
    /// …` (the per-VM log's and the task log's line; a snapshot-mode backup resumes the VM it
    /// froze, `INFO: resuming VM again`) and the job's `INFO: Backup job finished with errors`.
    /// A backup whose VM stopped says so in its own words (`VM 111 not running`), read apart.
    BackupFailed {
        /// The VM whose backup failed, when named.
        vmid: Option<u32>,
    },
    /// A hypervisor's notice that harms nothing: KVM refusing a guest's access to a model-specific
    /// register it does not emulate (`kvm [12633]: vcpu0 unhandled rdmsr: 0x1c9`), Xen's dom0
    /// failing to pass power states to the hypervisor (`xen_acpi_processor: (CX): Hypervisor
    /// error (-14)`); logged in floods and pasted as suspects.
    HypervisorNotice,
}

impl SignalKind {
    /// The snake_case name of the kind, as in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            SignalKind::OomInvoked { .. } => "oom_invoked",
            SignalKind::OomConstraint { .. } => "oom_constraint",
            SignalKind::OomKilled { .. } => "oom_killed",
            SignalKind::ScopeOomKilled { .. } => "scope_oom_killed",
            SignalKind::ScopeDeactivated { .. } => "scope_deactivated",
            SignalKind::VmCleanup { .. } => "vm_cleanup",
            SignalKind::ScopeFailed { .. } => "scope_failed",
            SignalKind::TaskStart { .. } => "task_start",
            SignalKind::TaskEnd { .. } => "task_end",
            SignalKind::ScopeStarted { .. } => "scope_started",
            SignalKind::VmNic { .. } => "vm_nic",
            SignalKind::GuestAgentFreeze => "guest_agent_freeze",
            SignalKind::GuestFsFreeze => "guest_fs_freeze",
            SignalKind::QemuCrashed { .. } => "qemu_crashed",
            SignalKind::QemuTerminated => "qemu_terminated",
            SignalKind::QemuNoMemory { .. } => "qemu_no_memory",
            SignalKind::VmNotRunning { .. } => "vm_not_running",
            SignalKind::FreezeTimeout { .. } => "freeze_timeout",
            SignalKind::IoErrorPause => "io_error_pause",
            SignalKind::BlockIoError { .. } => "block_io_error",
            SignalKind::FsError => "fs_error",
            SignalKind::NoSpace => "no_space",
            SignalKind::ThinPoolFull => "thin_pool_full",
            SignalKind::ZfsError => "zfs_error",
            SignalKind::ZfsSuspended => "zfs_suspended",
            SignalKind::MachineCheck => "machine_check",
            SignalKind::MachineCheckFatal => "machine_check_fatal",
            SignalKind::MachineCheckNotice => "machine_check_notice",
            SignalKind::EdacCorrected => "edac_corrected",
            SignalKind::EdacUncorrected => "edac_uncorrected",
            SignalKind::ThermalThrottle => "thermal_throttle",
            SignalKind::ThermalShutdown => "thermal_shutdown",
            SignalKind::PowerKey => "power_key",
            SignalKind::ClockStep { .. } => "clock_step",
            SignalKind::ShutdownSequence => "shutdown_sequence",
            SignalKind::KernelBoot => "kernel_boot",
            SignalKind::UncleanJournal => "unclean_journal",
            SignalKind::KernelPanic => "kernel_panic",
            SignalKind::ShellKilled { .. } => "shell_killed",
            SignalKind::HungTask { .. } => "hung_task",
            SignalKind::Fencing { .. } => "fencing",
            SignalKind::Degraded => "degraded",
            SignalKind::PackageUpgrade => "package_upgrade",
            SignalKind::Backup { .. } => "backup",
            SignalKind::Replication { .. } => "replication",
            SignalKind::ServiceFailed { .. } => "service_failed",
            SignalKind::LargeTransfer => "large_transfer",
            SignalKind::PcieError { fatal: true } => "pcie_fatal_error",
            SignalKind::PcieError { fatal: false } => "pcie_error",
            SignalKind::HypervisorNotice => "hypervisor_notice",
            SignalKind::OrderlyStop { .. } => "orderly_stop",
            SignalKind::GuestPanicked => "guest_panicked",
            SignalKind::UnitOomKilled { .. } => "unit_oom_killed",
            SignalKind::PcieRecovered => "pcie_recovered",
            SignalKind::StopFailed => "stop_failed",
            SignalKind::BackupFailed { .. } => "backup_failed",
            SignalKind::StorageUnreachable => "storage_unreachable",
            SignalKind::OomNoVictim => "oom_no_victim",
            SignalKind::OomPanic => "oom_panic",
        }
    }
}

/// Who stopped a VM, a container or a machine in order ([`SignalKind::OrderlyStop`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopBy {
    /// An operator's command at a pasted shell prompt.
    Operator,
    /// The host's management layer: a service that stops its guests (pve-guests, LXC's
    /// autoboot, libvirt-guests, LXD), or QEMU's power button pressed from outside.
    Host,
    /// The machine's UPS monitor, shutting the machine down as the battery runs out (NUT's
    /// upsmon, apcupsd).
    Ups,
    /// The guest itself, powering off in order as its host saw it (QEMU's `SHUTDOWN` for
    /// `guest-shutdown`, libvirt's `reason=shutdown`).
    Guest,
}

/// Proxmox VE's task types that stop one guest on purpose: a VM's (`qm shutdown|stop|reboot`)
/// and a container's (`pct shutdown|stop|reboot`).
pub const GUEST_STOP_TASKS: [&str; 6] = [
    "qmshutdown",
    "qmstop",
    "qmreboot",
    "vzshutdown",
    "vzstop",
    "vzreboot",
];

/// Whether a Proxmox VE task type stops one guest on purpose ([`GUEST_STOP_TASKS`]).
pub fn is_guest_stop_task(task: &str) -> bool {
    GUEST_STOP_TASKS.contains(&task)
}

/// Which patterns exist; the index in [`TABLE`] is the pattern id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pat {
    OomInvoked,
    OomConstraint,
    OomTaskIn,
    UnitOom,
    OomKilled,
    OomKillOld,
    StorageUnreachable,
    HaStop,
    UserspaceOomKill,
    NmiHardware,
    ScopeOom,
    ScopeDeactivated,
    VmCleanup,
    ScopeFailed,
    TaskStart,
    TaskEnd,
    TaskListStart,
    TaskListEnd,
    ScopeStarted,
    VmNic,
    AgentFreeze,
    GuestFreeze,
    QemuCrash,
    QemuNoMemory,
    QemuTerm,
    VmNotRunning,
    FreezeTimeout,
    IoErrorPause,
    BlockIo,
    BufferIo,
    DeviceError,
    FsError,
    FsReadOnly,
    NoSpace,
    ThinFull,
    Zfs,
    ZfsSuspended,
    Mce,
    MceBank,
    MceFatal,
    MceNotice,
    EdacCe,
    EdacUe,
    ThermalThrottle,
    ThermalShutdown,
    PowerKey,
    GuestShutdown,
    ClockStep,
    Shutdown,
    KernelBoot,
    UncleanJournal,
    WindowsShutdown,
    WindowsUnclean,
    Panic,
    ShellKilled,
    HungTask,
    TaskState,
    Fencing,
    Degraded,
    Upgrade,
    Backup,
    Replication,
    ServiceFailed,
    Transfer,
    PcieAer,
    HypervisorNotice,
    QmpEvent,
    LibvirtShutdown,
    OperatorStop,
    HostStopsGuests,
    LxdStop,
    OomNoVictim,
    OomPanic,
    UpsShutdown,
    AgentTimeout,
    ShellUpgrade,
    PcieRecovered,
    StopFailed,
    ForcedStop,
    BackupFailed,
}

/// The program a shell's job report names: the job's first word that is not an environment
/// assignment or a quoted argument, else the script that ran the job
/// (`/usr/bin/fakeroot: line 181:  9686 Killed  FAKEROOTKEY=… "$@"`).
fn job_program(text: &str) -> &str {
    let job = text.split_once(" Killed ").map_or("", |(_, job)| job);
    job.split_ascii_whitespace()
        .find(|w| !w.contains('=') && !w.starts_with(['"', '\'', '$']))
        .or_else(|| text.split_once(": line ").map(|(script, _)| script.trim()))
        .unwrap_or_default()
}

/// The amount of a clock step record, in microseconds: the number after `stepped by`,
/// `clock_step` or `offset`.
fn step_amount(text: &str) -> Option<i64> {
    let after = ["stepped by ", "clock_step ", " offset "]
        .iter()
        .find_map(|k| text.split_once(k).map(|(_, r)| r))?;
    let number = after.split_ascii_whitespace().next()?;
    let seconds: f64 = number.parse().ok()?;
    let micros = (seconds * 1e6).round();
    (micros.is_finite() && micros.abs() < 1e17).then_some(micros as i64)
}

/// One row of the signal table: a pattern, what it signals, and the literals one of which every
/// match contains (the prefilter: a record holding none of them is never run through the
/// patterns).
struct Row {
    pat: Pat,
    regex: &'static str,
    literals: &'static [&'static str],
}

/// Every pattern, with what it signals. Written for the wordings of REFERENCE.md §7 across
/// kernel and systemd generations.
const TABLE: &[Row] = &[
    Row {
        pat: Pat::OomInvoked,
        regex: r"invoked oom-killer(?::|,|$)",
        literals: &["invoked oom-killer"],
    },
    Row {
        pat: Pat::OomConstraint,
        regex: r"^oom-kill:constraint=",
        literals: &["oom-kill:constraint="],
    },
    // The memory cgroup's report before kernel 4.19 (`mem_cgroup_print_oom_info`): the cgroup
    // of the task about to be killed and the cgroup whose limit was reached, where newer kernels
    // print `oom-kill:constraint=CONSTRAINT_MEMCG,…,task_memcg=…`.
    Row {
        pat: Pat::OomTaskIn,
        regex: r"^Task in /\S* killed as a result of limit of /",
        literals: &["killed as a result of limit of "],
    },
    Row {
        pat: Pat::OomKilled,
        regex: r"(?:[Oo]ut of memory|Memory cgroup out of memory|Out of memory \(oom_kill_allocating_task\)): (?:Killed process (?:\d+ )?\(|Killed process \d+, UID \d+,? |Kill process \d+ \()",
        literals: &["Killed process ", "Kill process "],
    },
    // The userspace OOM killers: systemd-oomd killing a whole cgroup on memory pressure or swap
    // use (`Killed /system.slice/qemu.slice/101.scope due to memory pressure for /system.slice
    // being 82.13% > 50.00% for > 20s with reclaim activity`), earlyoom signalling the process
    // it chose (`sending SIGTERM to process 2345 uid 0 "kvm": badness 900, VmRSS 16000 MiB`;
    // before 1.6 without the uid, later `oom_score` for `badness`).
    Row {
        pat: Pat::UserspaceOomKill,
        regex: r#"(?:^Killed /\S+ due to (?:memory pressure|swap used)|^sending SIG(?:TERM|KILL) to process \d+(?: uid \d+)? "[^"]*": (?:badness|oom_score) -?\d+, VmRSS \d+ MiB)"#,
        literals: &[
            "Killed /",
            "sending SIGTERM to process ",
            "sending SIGKILL to process ",
        ],
    },
    // Kernels ≤ 5.0: "Out of memory: Kill process N (comm) score …", then "Killed process N (comm) total-vm:…";
    // RHEL 8's 4.18 with the UID in between ("Killed process N (comm), UID 0, total-vm:…").
    Row {
        pat: Pat::OomKillOld,
        regex: r"^Killed process (?:\d+ )?\(.*\)(?:, UID \d+,)? total-vm:",
        literals: &["Killed process "],
    },
    Row {
        pat: Pat::ScopeOom,
        regex: r"^\d+\.scope: (?:A process of this unit has been killed by the OOM killer|Failed with result 'oom-kill')",
        literals: &[".scope: "],
    },
    // systemd's report that the kernel's OOM killer killed a process of a service (systemd 243
    // and later): the service's kill, whatever the kernel's own lines (often in another log).
    Row {
        pat: Pat::UnitOom,
        // systemd's words for a service the kernel's OOM killer or systemd-oomd killed in
        // (`copr-dist-git.service: systemd-oomd killed 1 process(es) in this unit.`), and the
        // result it ends with.
        regex: r"^[\w@.:-]+\.service: (?:A process of this unit has been killed by the OOM killer|systemd-oomd killed \d+ process\(es\) in this unit|Failed with result 'oom-kill')",
        literals: &[
            ".service: A process of this unit has been killed by the OOM killer",
            ".service: systemd-oomd killed ",
            ".service: Failed with result 'oom-kill'",
        ],
    },
    Row {
        pat: Pat::ScopeDeactivated,
        // A Proxmox container's unit ends the same way (`pve-container@105.service:
        // Deactivated successfully.`): its CTID counts as the guest's id.
        regex: r"^(?:\d+\.scope|pve-container@\d+\.service): (?:Deactivated successfully|Succeeded\.$)",
        literals: &[
            ".scope: Deactivated successfully",
            ".scope: Succeeded.",
            ".service: Deactivated successfully",
            ".service: Succeeded.",
        ],
    },
    Row {
        pat: Pat::VmCleanup,
        regex: r"^(?:Starting|Finished) cleanup for \d+$",
        literals: &["cleanup for "],
    },
    Row {
        pat: Pat::ScopeFailed,
        // A Proxmox container's unit failing (`pve-container@105.service: Failed with result
        // 'exit-code'.`) is its container ending uncleanly, as a VM's scope failing is the VM's.
        regex: r"^(?:\d+\.scope|pve-container@\d+\.service): Failed with result '[a-z-]+'",
        literals: &[
            ".scope: Failed with result '",
            ".service: Failed with result '",
        ],
    },
    Row {
        pat: Pat::TaskStart,
        regex: r"starting task UPID:",
        literals: &["starting task UPID:"],
    },
    Row {
        pat: Pat::TaskEnd,
        regex: r"end task UPID:",
        literals: &["end task UPID:"],
    },
    // The task lists (`/var/log/pve/tasks/index`, `active`: formats::pve_task_index): the start
    // event's message is the bare UPID, the end event's the UPID, the end time and the status.
    Row {
        pat: Pat::TaskListStart,
        regex: r"^UPID:[^\s]+:$",
        literals: &["UPID:"],
    },
    Row {
        pat: Pat::TaskListEnd,
        regex: r"^UPID:[^\s]+: (?:[01] )?[0-9A-Fa-f]{8} ",
        literals: &["UPID:"],
    },
    Row {
        pat: Pat::ScopeStarted,
        regex: r"^Started \d+\.scope",
        literals: &["Started "],
    },
    Row {
        pat: Pat::VmNic,
        regex: r"\btap\d+i\d+",
        literals: &["tap"],
    },
    Row {
        pat: Pat::AgentFreeze,
        regex: r"guest-agent 'fs-freeze'",
        literals: &["guest-agent 'fs-freeze'"],
    },
    Row {
        pat: Pat::GuestFreeze,
        regex: r"guest-fsfreeze called",
        literals: &["guest-fsfreeze called"],
    },
    Row {
        pat: Pat::QemuCrash,
        regex: r"(?:^(?:qemu[\w.-]*|kvm|CPU \d+/KVM)\[\d+\]: segfault at |(?:^|\] )Domain [1-9]\d* \(vcpu#\d+\) crashed on cpu#|^KVM: entry failed, hardware error 0x|^traps: (?:qemu[\w.-]*|kvm)\[\d+\] (?:general protection fault|trap invalid opcode|trap divide error) |^(?:kvm|qemu[\w.-]*): [^ ]+:\d+: [^ ]+: Assertion .+ failed\.$|shutting down, reason=crashed|internal error: End of file from qemu monitor|EPOLL error on domain-\d+, close QMP socket)",
        literals: &[
            "segfault at ",
            ") crashed on cpu#",
            "KVM: entry failed, hardware error 0x",
            "general protection fault ",
            "trap invalid opcode ",
            "trap divide error ",
            "Assertion ",
            "reason=crashed",
            "End of file from qemu monitor",
            "close QMP socket",
        ],
    },
    // QEMU's own words when the host cannot give it memory: `qemu_ram_alloc`'s error at start
    // (PVE task logs and per-domain logs: `kvm: cannot set up guest memory 'pc.ram': Cannot
    // allocate memory`), and `qemu_oom_check`'s before it aborts a running VM.
    // Xen's hypervisor unable to back an HVM guest's populate-on-demand memory, then crashing the
    // domain (`(XEN) p2m_pod_demand_populate: Dom24 out of PoD memory! (tot=… ents=… dom24)`):
    // the guest touched more memory than Xen could give it.
    Row {
        pat: Pat::QemuNoMemory,
        regex: r"p2m_pod_demand_populate: Dom\d+ out of PoD memory!",
        literals: &["out of PoD memory!"],
    },
    // The kernel's OOM killer with nothing left to kill (`Out of memory and no killable
    // processes...`: a memory cgroup since 4.19 goes on, the whole machine panics next), and the
    // panic itself (`Kernel panic - not syncing: System is deadlocked on memory`; with
    // `panic_on_oom`, `Kernel panic - not syncing: Out of memory: …`).
    Row {
        pat: Pat::OomNoVictim,
        regex: r"^Out of memory and no killable processes",
        literals: &["Out of memory and no killable processes"],
    },
    Row {
        pat: Pat::OomPanic,
        regex: r"^Kernel panic - not syncing: (?:System is deadlocked on memory|Out of memory)",
        literals: &["Kernel panic - not syncing: "],
    },
    Row {
        pat: Pat::QemuNoMemory,
        // QEMU's own words when the host cannot give a starting guest its RAM: the machine's RAM
        // region (`cannot set up guest memory 'pc.ram'`), a memory backend (`unable to map
        // backing store for guest RAM: Cannot allocate memory`), preallocation
        // (`os_mem_prealloc: Insufficient free host memory pages available to allocate guest
        // RAM`), the allocator's check, KVM itself (`failed to initialize kvm: Cannot allocate
        // memory`; on POWER the guest's hashed page table, `Failed to allocate KVM HPT of order
        // 26 (try smaller maxmem?): Cannot allocate memory`); and Xen's toolstack building a
        // domain (`xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory`,
        // `xl`'s `failed to free memory for the domain` when dom0 cannot balloon down).
        regex: r"(?:cannot set up guest memory '[^']*': Cannot allocate memory|unable to map backing store for guest RAM: Cannot allocate memory|Insufficient free host memory pages available to allocate guest RAM|Failed to allocate memory: |qemu_oom_check|[Ff]ailed to initiali[sz]e (?:kvm|KVM): Cannot allocate memory|Failed to allocate KVM HPT of order \d+.*: Cannot allocate memory|can't allocate low memory for domain|failed to free memory for the domain)",
        literals: &[
            "cannot set up guest memory",
            "unable to map backing store for guest RAM",
            "Insufficient free host memory pages",
            "Failed to allocate memory: ",
            "qemu_oom_check",
            "ailed to initialize kvm: ",
            "ailed to initialize KVM: ",
            "ailed to initialise kvm: ",
            "ailed to initialise KVM: ",
            "Failed to allocate KVM HPT",
            "can't allocate low memory for domain",
            "failed to free memory for the domain",
        ],
    },
    Row {
        pat: Pat::QemuTerm,
        // Without `from pid N` when the sender's pid is 0 or outside QEMU's pid namespace (a
        // container's `docker stop`): REFERENCE.md §10.3.
        regex: r"terminating on signal \d+(?: from pid \d+|$)",
        literals: &["terminating on signal "],
    },
    // qemu-server's freeze through the guest agent timing out (vzdump logs it as `INFO: … qmp
    // command 'guest-fsfreeze-freeze' failed - got timeout` or `ERROR: …`).
    Row {
        pat: Pat::FreezeTimeout,
        regex: r"qmp command 'guest-fsfreeze-freeze' failed - got timeout",
        literals: &["'guest-fsfreeze-freeze' failed"],
    },
    Row {
        pat: Pat::VmNotRunning,
        regex: r"^VM \d+ qmp command .*failed - VM \d+ not running",
        literals: &[" not running"],
    },
    Row {
        pat: Pat::IoErrorPause,
        // oVirt's vdsm says it as libvirt's event reaches it: `abnormal vm stop device ua-… error
        // enospc` and `CPU stopped: onIOError`.
        // `qm status`'s `status: io-error` reads as identifier `status` and message `io-error`
        // when pasted alone (`qmpstatus: io-error` from `--verbose` likewise).
        // KubeVirt's `IOerror` event on the VMI: `VM Paused due to IO error at the volume: disk-0`,
        // `VM Paused due to not enough space on volume: disk-0`.
        regex: r"(?:block I/O error in device|status: io-error|^io-error\s*$|abnormal vm stop device \S+ error \w+|CPU stopped: onIOError|VM Paused due to (?:IO error at the|not enough space on) volume)",
        literals: &[
            "block I/O error in device",
            "VM Paused due to ",
            "io-error",
            "abnormal vm stop device ",
            "CPU stopped: onIOError",
        ],
    },
    Row {
        pat: Pat::BlockIo,
        regex: r"(?:I/O|critical medium|critical target|critical space allocation|timeout|recoverable transport) error, dev [^,\s]+, sector",
        literals: &[" error, dev "],
    },
    Row {
        pat: Pat::BufferIo,
        regex: r"Buffer I/O error on dev(?:ice)? ",
        literals: &["Buffer I/O error on dev"],
    },
    Row {
        pat: Pat::DeviceError,
        regex: r"(?:ata\d+(?:\.\d+)?: (?:failed command|exception Emask|error: \{)|nvme\d+n?\d*: .*I/O (?:Cmd|\d+ QID \d+ timeout)|I/O Error \(sct|sd \d+:\d+:\d+:\d+: \[\w+\] (?:tag#\d+ )?(?:FAILED Result|Sense Key : Medium Error|Add\. Sense: Unrecovered read error))",
        literals: &[
            "failed command",
            "exception Emask",
            "error: {",
            "nvme",
            "I/O Error (sct",
            "FAILED Result",
            "Sense Key : Medium Error",
            "Add. Sense: Unrecovered read error",
        ],
    },
    Row {
        pat: Pat::FsError,
        regex: r"(?:EXT4-fs error|EXT4-fs \([^)]+\): I/O error|XFS \([^)]+\): (?:metadata I/O error|Corruption|[Ll]og I/O [Ee]rror|Filesystem has been shut down|.*Shutting down filesystem)|BTRFS (?:error|critical)|JBD2: .*[Ee]rror|Error number 5 means 'Input/output error'|could not (?:read|write|fsync|open|extend) [^:]*: Input/output error)",
        literals: &[
            "EXT4-fs error",
            "EXT4-fs (",
            "XFS (",
            "BTRFS error",
            "BTRFS critical",
            "JBD2: ",
            "Error number 5 means",
            ": Input/output error",
        ],
    },
    Row {
        pat: Pat::FsReadOnly,
        regex: r"(?:Remounting filesystem read-only|remounting filesystem read-only|forced to remount read-only)",
        literals: &[
            "emounting filesystem read-only",
            "forced to remount read-only",
        ],
    },
    Row {
        pat: Pat::NoSpace,
        // Go programs (LXD, containerd, Docker) spell errno 28 in lower case.
        // vdsm names errno 28 as libvirt's pause reason does: `abnormal vm stop device … error
        // enospc`.
        // Ceph's full OSDs and pools stop every write to them (`Health check failed: 1 full
        // osd(s) (OSD_FULL)`, `POOL_FULL`, an OSD's `full status failsafe engaged`).
        regex: r"(?:(?:No|no) space left on device|abnormal vm stop device \S+ error enospc\b|\b\d+ full osd\(s\)|\bOSD_FULL\b|\bPOOL_FULL\b|full status failsafe engaged)",
        literals: &[
            "No space left on device",
            "no space left on device",
            "abnormal vm stop device ",
            "full osd(s)",
            "OSD_FULL",
            "POOL_FULL",
            "failsafe engaged",
        ],
    },
    // Storage gone: the NFS client's `server … not responding` (`still trying` for a hard
    // mount, `timed out` for a soft one), multipathd's count of a device's paths reaching zero,
    // an NVMe controller dropping off the bus (`nvme nvme0: controller is down; will reset:
    // CSTS=0xffffffff`, `Removing after probe failure status: -19`).
    Row {
        pat: Pat::StorageUnreachable,
        regex: r"(?:^nfs: server \S+ not responding, (?:still trying|timed out)|: remaining active paths: 0$|^nvme nvme\d+: (?:controller is down; will reset|Removing after probe failure))",
        literals: &[
            "nfs: server ",
            "remaining active paths: 0",
            "controller is down; will reset",
            "Removing after probe failure",
        ],
    },
    Row {
        pat: Pat::ThinFull,
        // A pool out of metadata space (dm-thin.c, dm-space-map-metadata.c): the allocation
        // fails with ENOSPC, the transaction is aborted and the pool goes read-only (or fails);
        // writes to every thin volume then error.
        regex: r"(?:switching pool to out-of-data-space|thin: .*out-of-data-space|Thin pool .* is full|thin pool .* 100\.00%|free space in thin pool \S+ reached threshold|Insufficient free space: \d+ extents needed|space map metadata: unable to allocate new metadata block|thin: \S+ metadata operation '\w+' failed: error = -28|thin: \S+ switching pool to (?:read-only|fail(?:ure)?) mode)",
        literals: &[
            "unable to allocate new metadata block",
            "failed: error = -28",
            "switching pool to read-only mode",
            "switching pool to fail",
            "out-of-data-space",
            "Thin pool ",
            "thin pool ",
            "Insufficient free space: ",
        ],
    },
    Row {
        pat: Pat::Zfs,
        regex: r"(?:zio .*error=|ZFS: .*(?:DEGRADED|FAULTED)|[Pp]ool '[^']+' is (?:DEGRADED|FAULTED)|zed: .*(?:vdev|pool).*(?:state|fault)|class=(?:io|data|checksum) |class=statechange .*vdev_state=(?:FAULTED|DEGRADED|REMOVED|UNAVAIL)\b)",
        literals: &[
            "zio ",
            "ZFS: ",
            "pool '",
            "Pool '",
            "zed: ",
            "vdev_state=",
            "class=io ",
            "class=data ",
            "class=checksum ",
        ],
    },
    // A pool suspended on an uncorrectable I/O failure: the kernel's warning, zed's
    // `io_failure` event, the `zpool` command's refusal. I/O to it waits from then on.
    Row {
        pat: Pat::ZfsSuspended,
        regex: r"(?:[Pp]ool '[^']+' (?:has encountered an uncorrectable I/O failure and has been suspended|is SUSPENDED)|ZFS: .*suspended|pool I/O is currently suspended|class=io_failure\b)",
        literals: &[
            "has been suspended",
            "is SUSPENDED",
            "ZFS: ",
            "is currently suspended",
            "class=io_failure",
        ],
    },
    // A fatal hardware error: the CPU's machine check, the firmware's (APEI GHES) record of
    // one, as Linux (`{1}[Hardware Error]: event severity: fatal`) and ESXi's vmkernel
    // (`ApeiHEST: 294: Error Event Severity: Fatal`, before `requested PSOD`) report it.
    Row {
        pat: Pat::Mce,
        regex: r"(?:Machine Check Exception|[Pp]rocessor context corrupt|CPU context corrupt|Fatal [Mm]achine check|Uncorrectable [Mm]achine [Cc]heck|\[Hardware Error\]: .*[Uu]ncorrected|\[Hardware Error\]: event severity: fatal|ApeiHEST: \d+: Error Event Severity: Fatal|Kernel panic - not syncing: (?:Fatal hardware error|Timeout: Not all CPUs entered broadcast exception handler)|\| IERR \| Asserted)",
        literals: &[
            "Machine Check Exception",
            "rocessor context corrupt",
            "CPU context corrupt",
            "Fatal machine check",
            "Fatal Machine check",
            "Uncorrectable Machine Check",
            "Uncorrectable machine check",
            "ncorrected",
            "event severity: fatal",
            "Error Event Severity: Fatal",
            "Kernel panic - not syncing: Fatal hardware error",
            "Kernel panic - not syncing: Timeout: Not all CPUs entered broadcast exception handler",
            "| IERR |",
        ],
    },
    // A BMC's SEL (REFERENCE.md §10.7): the memory controller's ECC events and a CPU's thermal
    // trip, while asserted.
    Row {
        pat: Pat::EdacUe,
        regex: r"\| Uncorrectable ECC[^|]*\| Asserted",
        literals: &["| Uncorrectable ECC"],
    },
    // The same event as a BMC's web interface or health log words it (Supermicro: `Uncorrectable
    // ECC / other uncorrectable memory error @P2-DIMMH2(CPU2) - Assertion`).
    Row {
        pat: Pat::EdacUe,
        regex: r"^Uncorrectable ECC\b.* - Assertion$",
        literals: &["Uncorrectable ECC"],
    },
    Row {
        pat: Pat::EdacCe,
        regex: r"\| Correctable ECC[^|]*\| Asserted",
        literals: &["| Correctable ECC"],
    },
    // The same events in the server vendors' own logs, as their consoles export them: HPE's
    // Integrated Management Log (`DIMM Failure - Uncorrectable Memory Error (Processor 2, DIMM
    // 3)`, `Corrected Memory Error threshold exceeded (Processor 1, Memory Module 4)`), Dell's
    // iDRAC (`MEM0001: Multi-bit memory errors detected on a memory device at location(s)
    // DIMM_A1.`, `MEM0701: Correctable memory error rate exceeded for DIMM_B3.`) and Lenovo's
    // XCC (`An Uncorrectable Error has been detected on DIMM 3 on Subsystem Memory.`).
    Row {
        pat: Pat::EdacUe,
        regex: r"(?:Uncorrectable [Mm]emory [Ee]rror|Multi-bit memory errors? detected|Uncorrectable Error has been detected on DIMM)",
        literals: &[
            "Uncorrectable Memory Error",
            "Uncorrectable memory error",
            "Uncorrectable Memory error",
            "Uncorrectable memory Error",
            "Multi-bit memory error",
            "Uncorrectable Error has been detected on DIMM",
        ],
    },
    Row {
        pat: Pat::EdacCe,
        regex: r"(?:Corrected Memory Error threshold exceeded|(?:^|[^nN])[Cc]orrectable memory error rate (?:has )?exceeded)",
        literals: &[
            "Corrected Memory Error threshold exceeded",
            "orrectable memory error rate ",
        ],
    },
    Row {
        pat: Pat::ThermalShutdown,
        regex: r"\| Thermal Trip \| Asserted",
        literals: &["| Thermal Trip |"],
    },
    // PCIe Advanced Error Reporting (drivers/pci/pcie/aer.c): `AER: [Multiple ]<severity> error
    // received: id=…` (kernels before 5.x: `… error received from <dev>`; 6.x: `… error message
    // received from <dev>`) and `PCIe Bus Error: severity=<severity>, type=…`. The severities
    // read `Corrected`, `Uncorrected (Non-Fatal)`, `Uncorrected (Fatal)`, or in newer kernels
    // `Correctable`, `Uncorrectable (Non-Fatal)`, `Uncorrectable (Fatal)`.
    // The platform's NMIs for a hardware error: a PCI device's system error and an I/O channel
    // check (`NMI: PCI system error (SERR) for reason a1 on CPU 0.`, `NMI: IOCK error (debug
    // interrupt?) for reason 71 on CPU 0.`), typically before `Kernel panic - not syncing: NMI:
    // Not continuing`.
    Row {
        pat: Pat::NmiHardware,
        regex: r"NMI: (?:PCI system error \(SERR\)|IOCK error \(debug interrupt\?\)) for reason",
        literals: &["NMI: PCI system error", "NMI: IOCK error"],
    },
    Row {
        pat: Pat::PcieAer,
        regex: r"(?:PCIe Bus Error: severity=|AER: (?:Multiple )?)(?:Corrected|Correctable|Uncorrect(?:ed|able) \((?:Non-)?Fatal\))(?:,| error)",
        literals: &["PCIe Bus Error: severity=", "AER: "],
    },
    // QEMU's QMP events as management layers log them (libvirt's debug log, multipassd, KubeVirt):
    // `{"timestamp": {…}, "event": "POWERDOWN"}` is the ACPI power button pressed from outside;
    // `"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}` the guest
    // powering itself off in order (`guest-panic`: after a panic); `GUEST_PANICKED` pvpanic's
    // report of a guest kernel panic.
    Row {
        pat: Pat::QmpEvent,
        regex: r#""event": ?"(?:POWERDOWN|SHUTDOWN|GUEST_PANICKED)""#,
        literals: &["\"POWERDOWN\"", "\"SHUTDOWN\"", "\"GUEST_PANICKED\""],
    },
    // libvirt's line in the domain's log when QEMU ends (`qemuProcessStop`): `reason=shutdown`
    // is the guest's own orderly power-off, `destroyed` a hard stop asked of libvirt (`virsh
    // destroy`, a management layer's); `crashed` is read apart, `migrated` and `saved` stopped
    // nothing.
    Row {
        pat: Pat::LibvirtShutdown,
        regex: r"shutting down, reason=(?:shutdown|destroyed)\b",
        literals: &["reason=shutdown", "reason=destroyed"],
    },
    // An operator's command that stops a VM, a container or the machine, read from a pasted
    // shell prompt (the fragment format's `shell` records): Proxmox's qm/pct, libvirt's virsh,
    // Xen's xl, multipass, LXD/Incus, KubeVirt's virtctl and kubectl, VirtualBox, and the
    // machine's own shutdown commands.
    Row {
        pat: Pat::OperatorStop,
        regex: r"^(?:sudo )?(?:(?:qm|pct) (?:stop|shutdown|reboot) |virsh (?:shutdown|destroy|reboot) |xl (?:shutdown|destroy|reboot) |multipass (?:stop|delete|restart)\b|(?:lxc|incus) (?:stop|restart) |virtctl (?:stop|restart) |kubectl delete (?:vmi|vm|virtualmachines?|virtualmachineinstances?)\b|VBoxManage controlvm \S+ (?:poweroff|acpipowerbutton)\b|(?:shutdown|poweroff|halt|reboot)(?:\s|$)|systemctl (?:poweroff|reboot|halt)\b)",
        literals: &[
            "qm ",
            "pct ",
            "virsh ",
            "xl ",
            "multipass ",
            "lxc ",
            "incus ",
            "virtctl ",
            "kubectl delete",
            "VBoxManage controlvm",
            "shutdown",
            "poweroff",
            "halt",
            "reboot",
        ],
    },
    // systemd stopping the host's service that stops every guest in order (at a host shutdown
    // or when the operator stops it): Proxmox VE's pve-guests, LXC's autoboot service,
    // libvirt-guests; systemd 250 and later put the unit's name before its description.
    Row {
        pat: Pat::HostStopsGuests,
        regex: r"^Stopping (?:[\w@.-]+\.service - )?(?:PVE guests|LXC Container Initialization and Autoboot Code|Suspend/Resume Running libvirt Guests|Suspend Active Libvirt Guests|libvirt guests suspend/resume service)\.\.\.",
        literals: &[
            "PVE guests",
            "LXC Container Initialization and Autoboot Code",
            "Running libvirt Guests",
            "Active Libvirt Guests",
            "libvirt guests suspend/resume service",
        ],
    },
    // LXD and Incus stopping an instance in order (logfmt: `msg="Shutting down container"`,
    // newer `msg="Stopping instance"`), for `lxc stop`, a daemon shutdown or a snap refresh.
    Row {
        pat: Pat::LxdStop,
        // Incus's QEMU driver logs `Shutdown started` (with the instance) when it asks a VM to
        // power off.
        regex: r#"(?:msg="?(?:Shutting down|Stopping) (?:container|instance)\b|Shutdown request sent to instance\b|Instance stopped\b.* reason=guest-shutdown\b|(?:^|msg="?|\] )Shutdown started\b)"#,
        literals: &[
            "Shutting down container",
            "Shutting down instance",
            "Stopping container",
            "Stopping instance",
            "Shutdown request sent to instance",
            "Instance stopped",
            "Shutdown started",
        ],
    },
    // Proxmox VE's HA resource manager stopping a guest it manages (its requested state set to
    // `stopped`, or the node's shutdown policy): `stopping service vm:101`.
    Row {
        pat: Pat::HaStop,
        regex: r"^stopping service (?:vm|ct):\d+$",
        literals: &["stopping service "],
    },
    // A UPS monitor shutting the machine down in order as its battery runs out (NUT's upsmon:
    // `Executing automatic power-fail shutdown`, the forced shutdown `Signal 10: User requested
    // FSD`; apcupsd's event `Initiating system shutdown!`).
    Row {
        pat: Pat::UpsShutdown,
        regex: r"(?:^Executing automatic power-fail shutdown|^Signal \d+: User requested FSD|^Initiating system shutdown!$)",
        literals: &[
            "Executing automatic power-fail shutdown",
            "User requested FSD",
            "Initiating system shutdown!",
        ],
    },
    // Proxmox VE's ping or informational query to a VM's guest agent unanswered in time (`VM 115
    // qmp command failed - VM 115 qmp command 'guest-ping' failed - got timeout`): the agent is
    // not installed or not running, and QEMU itself answered. Only these queries: a freeze,
    // thaw, shutdown or exec that times out is trouble of another kind (a guest left frozen).
    Row {
        pat: Pat::AgentTimeout,
        regex: r"qmp command 'guest-(?:ping|info|get-[\w-]+|network-get-interfaces)' failed - got timeout",
        literals: &["' failed - got timeout"],
    },
    // The end of PCIe error recovery after an uncorrected error (`pcieport 0000:00:01.0: AER:
    // Device recovery successful`).
    Row {
        pat: Pat::PcieRecovered,
        regex: r"AER: Device recovery successful",
        literals: &["AER: Device recovery successful"],
    },
    // Proxmox VE's shutdown task when the guest did not power off (qemu-server's `vm_stop`):
    // without `forceStop` it fails (`VM quit/powerdown failed`, `… - got timeout`) and the VM
    // runs on; with it, the VM is killed (`VM quit/powerdown failed - terminating now with
    // SIGTERM`, `VM still running - terminating now with SIGTERM`).
    Row {
        pat: Pat::StopFailed,
        regex: r"VM quit/powerdown failed(?: - got timeout)?\W*$",
        literals: &["VM quit/powerdown failed"],
    },
    // vzdump's account of a backup that failed (`PVE::VZDump::exec_backup_task`: `Backup of VM
    // $vmid failed - $err`; the job's summary `Backup job finished with errors`). The VM ran on
    // unless its own stop is logged: `qemu-server` resumes a VM it froze or suspended.
    Row {
        pat: Pat::BackupFailed,
        regex: r"(?:ERROR: Backup of VM \d+ failed|Backup job finished with errors)",
        literals: &["ERROR: Backup of VM ", "Backup job finished with errors"],
    },
    Row {
        pat: Pat::ForcedStop,
        regex: r"(?:VM quit/powerdown failed|VM still running) - terminating now with SIG(?:TERM|KILL)",
        literals: &["terminating now with SIG"],
    },
    // KVM's notice of a guest reading or writing a model-specific register it does not emulate
    // (`vcpu_unimpl`: `kvm [pid]: vcpu0 unhandled rdmsr: 0x1c9`, in newer kernels with
    // `guest rIP: …` and `ignored` when `ignore_msrs` is set; SmartOS's KVM port logs the same
    // words): harmless, the guest carries on.
    // Xen's dom0 driver failing to hand the firmware's C- or P-states to the hypervisor
    // (`xen_acpi_processor: (CX): Hypervisor error (-14) for ACPI CPU 5`): power management
    // only, printed at boot on many machines. A pasted fragment takes the driver's name for the
    // line's identifier, so the pattern starts after it.
    Row {
        pat: Pat::HypervisorNotice,
        regex: r"\([CP]X\): Hypervisor error \(-\d+\) for ACPI CPU",
        literals: &["): Hypervisor error ("],
    },
    // The kernel's split-lock and bus-lock detection warning about a task (often a guest's
    // vCPU thread) that locked across a cache line: the task is slowed, not stopped
    // (`x86/split lock detection: #AC: qemu-system-x86/4185 took a split_lock trap at address:
    // 0x699e4dc1`, `#DB: … took a bus_lock trap at address: …`).
    Row {
        pat: Pat::HypervisorNotice,
        regex: r"took a (?:split|bus)_lock trap at address",
        literals: &["_lock trap at address"],
    },
    // bhyve's own words for the same (`rdmsr to register 0x684 on vcpu 1`, `wrmsr to register
    // 0x…(0x…) on vcpu 0`), printed on the VM's console.
    Row {
        pat: Pat::HypervisorNotice,
        regex: r"^(?:rd|wr)msr to register 0x[0-9a-fA-F]+(?:\(0x[0-9a-fA-F]+\))? on vcpu \d+",
        literals: &["msr to register 0x"],
    },
    Row {
        pat: Pat::HypervisorNotice,
        regex: r"(?:[Uu]nhandled|[Ii]gnored) (?:rd|wr)msr: 0x",
        literals: &[
            "unhandled rdmsr",
            "unhandled wrmsr",
            "ignored rdmsr",
            "ignored wrmsr",
            "Unhandled rdmsr",
            "Unhandled wrmsr",
            "Ignored rdmsr",
            "Ignored wrmsr",
        ],
    },
    // Of those, the ones that take the machine down: the status register's VAL, UC and PCC bits
    // (63, 61, 57) set in the bank's status (Linux's `Bank N: <16 hex digits>`, an HPE IML's
    // `Status 0xBA000000'00400405`), the kernel's and firmware's own words for it.
    Row {
        pat: Pat::MceFatal,
        regex: r"(?:Bank \d+: [abefABEF][2367abefABEF][0-9a-fA-F]{14}|Status 0x[abefABEF][2367abefABEF][0-9a-fA-F]{6}'|[Pp]rocessor context corrupt|CPU context corrupt|Fatal [Mm]achine check|ApeiHESTNmiHandler requested PSOD|Kernel panic - not syncing: (?:Fatal hardware error|Timeout: Not all CPUs entered broadcast exception handler))",
        literals: &[
            "Bank ",
            "Status 0x",
            "rocessor context corrupt",
            "CPU context corrupt",
            "Fatal machine check",
            "Fatal Machine check",
            "requested PSOD",
            "Kernel panic - not syncing: ",
        ],
    },
    Row {
        pat: Pat::MceBank,
        regex: r"Bank \d+: [0-9a-fA-F]{16}",
        literals: &["Bank "],
    },
    Row {
        pat: Pat::MceNotice,
        // The kernel's NMI handler meeting an NMI no source claims (`Uhhuh. NMI received for
        // unknown reason 2d on CPU 42.`, then `Dazed and confused, but trying to continue`):
        // a platform notice the machine runs through, unless `panic_on_unrecovered_nmi` is set.
        regex: r"(?:Machine check events logged|CMCI storm detected|\[Hardware Error\]: |NMI received for unknown reason|^Dazed and confused, but trying to continue)",
        literals: &[
            "Machine check events logged",
            "CMCI storm detected",
            "[Hardware Error]: ",
            "NMI received for unknown reason",
            "Dazed and confused, but trying to continue",
        ],
    },
    Row {
        pat: Pat::EdacCe,
        regex: r"EDAC .*\d+ CE ",
        literals: &["EDAC "],
    },
    // An uncorrected memory error the kernel met in a process's memory (`mce: Uncorrected
    // hardware memory error in user-access at …`, `Memory failure: 0x…: Sending SIGBUS to
    // kvm:2345 due to hardware memory corruption`): the page's owner is killed.
    Row {
        pat: Pat::EdacUe,
        regex: r"(?:Uncorrected hardware memory error in user-access at|Sending SIGBUS to .+ due to hardware memory corruption)",
        literals: &[
            "Uncorrected hardware memory error in user-access at",
            "due to hardware memory corruption",
        ],
    },
    Row {
        pat: Pat::EdacUe,
        regex: r"EDAC .*\d+ UE ",
        literals: &["EDAC "],
    },
    Row {
        pat: Pat::ThermalThrottle,
        regex: r"temperature above threshold, cpu clock throttled",
        literals: &["temperature above threshold, cpu clock throttled"],
    },
    Row {
        pat: Pat::ThermalShutdown,
        regex: r"[Cc]ritical temperature reached.*shutting down",
        literals: &["ritical temperature reached"],
    },
    Row {
        pat: Pat::PowerKey,
        regex: r"^Power key pressed",
        literals: &["Power key pressed"],
    },
    // KubeVirt's virt-launcher asking the guest to shut down through ACPI (REFERENCE.md §10.5):
    // the power button pressed from outside.
    Row {
        pat: Pat::PowerKey,
        regex: r"^Signaled graceful shutdown(?: for |$)",
        literals: &["Signaled graceful shutdown"],
    },
    // qemu-ga's log of the host's `guest-shutdown` command (`info: guest-shutdown called, mode:
    // powerdown`): the agent's way of pressing the power key.
    Row {
        pat: Pat::GuestShutdown,
        regex: r"guest-shutdown called",
        literals: &["guest-shutdown called"],
    },
    // The command itself as qemu-ga's debug log reads it from its channel (`read data, count: …,
    // data: …`, then `{"arguments":{},"execute":"guest-shutdown"}` on a line of its own).
    Row {
        pat: Pat::GuestShutdown,
        regex: r#""execute" ?: ?"guest-shutdown""#,
        literals: &["\"guest-shutdown\""],
    },
    // chronyd (`LCL_MakeStep`: the correction applied, new minus old), ntpd's event log, ntpdate
    // and systemd's notice of any clock change.
    Row {
        pat: Pat::ClockStep,
        regex: r"(?:^System clock was stepped by -?\d+(?:\.\d+)? seconds|\bclock_step [+-]?\d+(?:\.\d+)? s\b|\bstep time server \S+ offset [+-]?\d+(?:\.\d+)? sec|^Time has been changed$)",
        literals: &[
            "System clock was stepped by",
            "clock_step",
            "step time server",
            "Time has been changed",
        ],
    },
    Row {
        pat: Pat::Shutdown,
        // systemd's own words, also as the kernel's log carries them when PID 1 or its
        // shutdown helper wrote them to the log buffer itself (journald not running: the end of
        // a shutdown), where dmesg and rsyslog's kernel lines keep the writer's tag in the
        // message (`[  296.433040] systemd[1]: Shutting down.`).
        regex: r"^(?:systemd(?:-shutdown)?\[1\]: )?(?:System is powering down|System is rebooting|Powering off\.\.\.|reboot: (?:Power down|Restarting system)|ACPI:(?: PM:)? Preparing to enter system sleep state S5$|kvm: exiting hardware virtualization$|Reached target (?:[\w-]+\.target - )?(?:Power-Off|System Power Off|Reboot|System Reboot|Shutdown|System Shutdown)|Shutting down\.$|Powering off\.$|Rebooting\.$|Journal stopped$|Syncing filesystems and block devices\.$|Sending SIGTERM to remaining processes\.\.\.$|Received SIGTERM from PID 1 \(systemd\)|Stopped target (?:Multi-User System|Graphical Interface|Basic System|Local File Systems|Remote File Systems|Cloud-init target|System Initialization)\.|shutting down for system (?:halt|reboot)$|Switching to runlevel: [06]$)",
        literals: &[
            "System is powering down",
            "System is rebooting",
            "Powering off",
            "reboot: ",
            "Reached target ",
            "Shutting down.",
            "Rebooting.",
            "Journal stopped",
            "Syncing filesystems and block devices.",
            "Sending SIGTERM to remaining processes...",
            "Received SIGTERM from PID 1",
            "Stopped target ",
            "shutting down for system ",
            "Switching to runlevel: ",
            "kvm: exiting hardware virtualization",
            "Preparing to enter system sleep state S5",
        ],
    },
    Row {
        pat: Pat::KernelBoot,
        regex: r"^Linux version \d",
        literals: &["Linux version "],
    },
    Row {
        pat: Pat::UncleanJournal,
        regex: r"corrupted or uncleanly shut down, renaming and replacing",
        literals: &["corrupted or uncleanly shut down"],
    },
    // A Windows guest's System event log as people paste it (Event Viewer's text or
    // `Get-WinEvent`): User32's event 1074, a process asking for the power-off or restart
    // (`The process C:\Windows\System32\svchost.exe (WIN10) has initiated the power off of
    // computer WIN10 on behalf of user NT AUTHORITY\SYSTEM for the following reason: …`; the
    // guest agent's `qemu-ga.exe` when the host asked), is an orderly stop; EventLog's 6008
    // (`The previous system shutdown at 3:12:45 AM on 6/1/2023 was unexpected.`) and
    // Kernel-Power's 41 (`The system has rebooted without cleanly shutting down first.`) the
    // next boot's report of an unclean one.
    Row {
        pat: Pat::WindowsShutdown,
        regex: r"has initiated the (?:power off|restart|shutdown) of computer ",
        literals: &["has initiated the "],
    },
    Row {
        pat: Pat::WindowsUnclean,
        regex: r"(?:The previous system shutdown at .+ was unexpected\.|The system has rebooted without cleanly shutting down first\.)",
        literals: &[
            "The previous system shutdown at ",
            "The system has rebooted without cleanly shutting down first.",
        ],
    },
    // bash's job report (`jobs.c`: `%5d %s  %s` with the signal's description, `Killed` for
    // SIGKILL), after the script's `NAME: line N: ` when a script ran the job; a bare `Killed`
    // when the killed job was the foreground command, glued to the command's last output when
    // that had no line end (a progress line's dots: `Creating an optimized production build
    // .Killed`).
    Row {
        pat: Pat::ShellKilled,
        regex: r"(?:^Killed$|\.Killed$|line \d+: +\d+ Killed +\S)",
        literals: &["Killed"],
    },
    Row {
        pat: Pat::Panic,
        // Windows's record of its own bug check, written at the next boot (event 1001,
        // `The computer has rebooted from a bugcheck.  The bugcheck was: 0x000000d1 (…)`): a
        // guest's blue screen, its kernel's panic.
        regex: r"(?:^Kernel panic - not syncing|^BUG: kernel NULL pointer dereference|^Oops: |^general protection fault|The computer has rebooted from a bugcheck\.)",
        literals: &[
            "The computer has rebooted from a bugcheck.",
            "Kernel panic - not syncing",
            "BUG: kernel NULL pointer dereference",
            "Oops: ",
            "general protection fault",
        ],
    },
    Row {
        pat: Pat::HungTask,
        regex: r"(?:blocked for more than \d+ seconds|soft lockup - CPU#\d+ stuck|hard LOCKUP on cpu|rcu_sched self-detected stall|rcu: INFO: rcu_(?:sched|preempt) detected stalls)",
        literals: &[
            "blocked for more than ",
            "soft lockup - CPU#",
            "hard LOCKUP on cpu",
            "rcu_sched self-detected stall",
            "detected stalls",
        ],
    },
    // `sched_show_task` after a hung-task report (kernels ≥ 5.14; `tgid:` since 6.6):
    // `task:kvm             state:D stack:0     pid:2613  ppid:1      flags:0x00004002`.
    Row {
        pat: Pat::TaskState,
        regex: r"^task:.{1,16}?\s+state:D\s+stack:\s*\d+\s+pid:\s*\d+",
        literals: &["state:D "],
    },
    Row {
        pat: Pat::Fencing,
        regex: r"(?:watchdog expired|watchdog is about to expire|node needs to be fenced|FENCE: Try to fence|fencing: acknowledged|state changed from '[a-z]+' (?:to|=>) 'fence'|Cluster node \S+ will be fenced|Scheduling Node \S+ for STONITH|Lost connection to cluster layer)",
        literals: &[
            "will be fenced",
            "for STONITH",
            "Lost connection to cluster layer",
            "watchdog expired",
            "watchdog is about to expire",
            "node needs to be fenced",
            "FENCE: Try to fence",
            "fencing: acknowledged",
            "'fence'",
        ],
    },
    // Trouble that stops nothing by itself (REFERENCE.md §7): systemd's verdict on a failed
    // unit, corosync losing a link or quorum, PVE HA without its watchdog, a BMC's lost PSU
    // redundancy, a NIC's link going down or its transmit unit hanging (e1000e's `Detected
    // Hardware Unit Hang`, e1000's `Detected Tx Unit Hang`), name resolution failing
    // (systemd-resolved falling back from a DNS server that stopped answering as it should,
    // glibc's `Temporary failure in name resolution`).
    Row {
        pat: Pat::Degraded,
        regex: r"(?:\.service: Failed with result '|within the non-primary component|link: host: \d+ link: \d+ is down|unable to open watchdog socket|Redundancy Lost|Redundancy Degraded|NIC Link is Down|\bLink is Down\b|^NETDEV WATCHDOG: |Detected (?:Hardware|Tx) Unit Hang|^Using degraded feature set \S+ instead of \S+ for DNS server |Temporary failure in name resolution|^UPS \S+ on battery$|^Power failure\.$)",
        literals: &[
            " on battery",
            "Power failure.",
            "NETDEV WATCHDOG: ",
            "Detected Hardware Unit Hang",
            "Detected Tx Unit Hang",
            "Using degraded feature set ",
            "Temporary failure in name resolution",
            ".service: Failed with result '",
            "within the non-primary component",
            " is down",
            "unable to open watchdog socket",
            "Redundancy Lost",
            "Redundancy Degraded",
            "Link is Down",
        ],
    },
    // An operator's package command at a shell prompt (a pasted terminal session): apt's
    // upgrade or install, yum/dnf/zypper's update, upgrade or install (`apt update` only
    // refreshes the lists).
    Row {
        pat: Pat::ShellUpgrade,
        regex: r"(?:^(?:sudo )?apt(?:-get)? (?:-y )?(?:upgrade|dist-upgrade|full-upgrade|install)\b|^(?:sudo )?(?:yum|dnf|zypper) (?:-y )?(?:update|upgrade|install|distro-sync|dup)\b)",
        literals: &["apt ", "apt-get ", "yum ", "dnf ", "zypper "],
    },
    Row {
        pat: Pat::Upgrade,
        regex: r"(?:^Unpacking \S+ \(|^Setting up \S+ \(|^Starting dpkg(?:[^-.\w]|$)|^Starting unattended upgrades|^Packages that will be upgraded|^Commandline: apt(?:-get)? (?:-y )?(?:upgrade|dist-upgrade|full-upgrade|install)|^Upgraded: |^Upgrade: |(?:^|\s)status (?:half-configured|unpacked|installed) \S+|^(?:Running transaction$|Upgrading|Upgraded|Installed): )",
        literals: &[
            "Unpacking ",
            "Setting up ",
            "Starting dpkg",
            "Starting unattended upgrades",
            "Packages that will be upgraded",
            "Commandline: apt",
            "Upgraded: ",
            "Upgrade: ",
            "status half-configured",
            "status unpacked",
            "status installed",
            "Running transaction",
            "Upgrading: ",
            "Installed: ",
        ],
    },
    Row {
        pat: Pat::Backup,
        regex: r"(?:INFO: (?:Starting|Finished) Backup of VM \d+|INFO: status = running$|INFO: starting new backup job|INFO: Backup job finished|ERROR: Backup of VM \d+ failed|proxmox-backup-client|Starting backup: |restic (?:backup|snapshot)|borg (?:create|backup)|^Creating archive at|mysqldump|mariadb-dump|myloader|mydumper|pg_dump)",
        literals: &[
            "Starting Backup of VM ",
            "Finished Backup of VM ",
            "status = running",
            "starting new backup job",
            "Backup job finished",
            "ERROR: Backup of VM ",
            "proxmox-backup-client",
            "Starting backup: ",
            "restic backup",
            "restic snapshot",
            "borg create",
            "borg backup",
            "Creating archive at",
            "mysqldump",
            "mariadb-dump",
            "myloader",
            "mydumper",
            "pg_dump",
        ],
    },
    // systemd on a service that died (a unit's failure, its main process killed or dumping
    // core); `Degraded` reads the failure as trouble too.
    Row {
        pat: Pat::ServiceFailed,
        regex: r"^[\w@.:-]+\.service: (?:Failed with result '|Main process exited, code=(?:killed|dumped))",
        literals: &[
            ".service: Failed with result '",
            ".service: Main process exited, code=",
        ],
    },
    // Proxmox VE's replication log (pve-guest-common `PVE::Replication`): `%F %T <jobid>: msg`,
    // read as a dated fragment; the job id may be read as the line's identifier.
    Row {
        pat: Pat::Replication,
        regex: r"(?:^|\d+-\d+: )(?:start replication job$|end replication job(?:$| with error: ))",
        literals: &["start replication job", "end replication job"],
    },
    Row {
        pat: Pat::Transfer,
        regex: r"(?:(?:^|\s)dd (?:if|of)=|\brsync\b.*(?:sent|receiving|building file list)|(?:docker|podman)(?:\[\d+\])?: .*[Pp]ull|Pulling (?:from|fs layer)|qm importdisk|importing disk|restore vma|qmrestore|INFO: restore |Downloading|transferred \d)",
        literals: &[
            "dd if=",
            "dd of=",
            "rsync",
            "docker",
            "podman",
            "Pulling ",
            "qm importdisk",
            "importing disk",
            "restore vma",
            "qmrestore",
            "INFO: restore ",
            "Downloading",
            "transferred ",
        ],
    },
];

/// The compiled signal table: a literal prefilter and one multi-pattern regex.
pub struct Matcher {
    /// Every literal of every row: a record none of them occurs in carries no signal. `None`
    /// in the matcher that runs every record through the patterns ([`Matcher::unfiltered`]).
    prefilter: Option<aho_corasick::AhoCorasick>,
    regex: Regex,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("patterns", &TABLE.len())
            .field("prefilter", &self.prefilter.is_some())
            .finish()
    }
}

/// Every literal the signal table requires, each once, in table order: one of a row's literals
/// occurs in every record its pattern matches.
pub fn required_literals() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for lit in TABLE.iter().flat_map(|r| r.literals.iter().copied()) {
        if !out.contains(&lit) {
            out.push(lit);
        }
    }
    out
}

impl Matcher {
    /// The process's matcher, compiled on first use: compiling the table costs more than
    /// matching a small bundle, and a process that analyses many (the tests, a fuzz target)
    /// compiles it once.
    pub fn shared() -> &'static Matcher {
        static SHARED: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
        SHARED.get_or_init(Matcher::new)
    }

    /// The process's matcher without the prefilter ([`Matcher::unfiltered`]), compiled on first
    /// use: only an analysis run with `no_prefilter` builds it.
    pub fn shared_unfiltered() -> &'static Matcher {
        static SHARED: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
        SHARED.get_or_init(Matcher::unfiltered)
    }

    /// The table without its literal prefilter: every record goes through the patterns. Slower,
    /// and never different: it exists to prove the prefilter exact (the unit tests match every
    /// sample line both ways; `tests/prefilter.rs` diagnoses every corpus both ways).
    pub fn unfiltered() -> Matcher {
        Matcher::compile(false)
    }

    /// Compiles every pattern into one matcher.
    pub fn new() -> Matcher {
        Matcher::compile(true)
    }

    /// Compiles every pattern into one matcher, with the literal prefilter or without it.
    fn compile(prefilter: bool) -> Matcher {
        let pats: Vec<&str> = TABLE.iter().map(|r| r.regex).collect();
        // MatchKind::All: every pattern that matches is reported, not only the leftmost-first
        // one (a line can carry two signals).
        let regex = Regex::builder()
            .configure(Regex::config().match_kind(regex_automata::MatchKind::All))
            .build_many(&pats)
            .unwrap_or_else(|e| {
                // The patterns are constants; a failure is a bug caught by the unit tests.
                panic!("signal patterns do not compile: {e}")
            });
        // A deterministic automaton over the literals: with more than the 64 literals the SIMD
        // searcher takes, the regex engine's prefilter ran a slower automaton, the largest
        // single cost of the signal pass.
        let prefilter = prefilter.then(|| {
            aho_corasick::AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(required_literals())
                .unwrap_or_else(|e| panic!("signal literals do not compile: {e}"))
        });
        Matcher { prefilter, regex }
    }

    /// The signals one event carries: every pattern that matches its first line, each once.
    pub fn signals(&self, event: &Event<'_>) -> Vec<SignalKind> {
        self.signals_with(&mut self.scratch(), event)
    }

    /// The search state one thread reuses from record to record: the regexes' caches (taken
    /// from their shared pools on every call, they cost a lock and a put-back per record on
    /// every thread but the first) and the pattern set.
    fn scratch(&self) -> Scratch {
        Scratch {
            regex: None,
            set: PatternSet::new(self.regex.pattern_len()),
        }
    }

    /// [`Matcher::signals`] with a thread's search state.
    fn signals_with(&self, scratch: &mut Scratch, event: &Event<'_>) -> Vec<SignalKind> {
        let msg: &[u8] = &event.message;
        // Only the first line: continuation lines (task tables, traces) are not new statements.
        let first = msg
            .get(..memchr::memchr(b'\n', msg).unwrap_or(msg.len()))
            .unwrap_or(msg);
        if let Some(prefilter) = &self.prefilter
            && !prefilter.is_match(first)
        {
            return Vec::new();
        }
        let set = &mut scratch.set;
        set.clear();
        // The cache is made when a record first passes the prefilter: making it costs more
        // than matching a small file, and most files of a large bundle have no candidate.
        let cache = scratch
            .regex
            .get_or_insert_with(|| self.regex.create_cache());
        self.regex
            .which_overlapping_matches_with(cache, &Input::new(first), set);
        let mut out = Vec::new();
        for id in set.iter() {
            let Some(row) = TABLE.get(id.as_usize()) else {
                continue;
            };
            if let Some(kind) = extract(row.pat, first, event) {
                if !out.contains(&kind) {
                    out.push(kind);
                }
            }
        }
        out
    }

    /// The signals of every event of a source, in event order.
    pub fn match_events(&self, events: &[Event<'_>]) -> Vec<Matched> {
        self.match_events_with(&mut self.scratch(), events)
    }

    /// [`Matcher::match_events`] with a thread's search state, kept from source to source.
    fn match_events_with(&self, scratch: &mut Scratch, events: &[Event<'_>]) -> Vec<Matched> {
        let mut out = Vec::new();
        for (i, event) in events.iter().enumerate() {
            let Ok(event_index) = u32::try_from(i) else {
                break;
            };
            for kind in self.signals_with(scratch, event) {
                out.push(Matched {
                    event: event_index,
                    kind,
                });
            }
        }
        out
    }
}

/// One thread's search state for [`Matcher::signals_with`].
struct Scratch {
    regex: Option<regex_automata::meta::Cache>,
    set: PatternSet,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher::new()
    }
}

/// A signal of one event of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The event's index in its source.
    pub event: u32,
    /// What it says.
    pub kind: SignalKind,
}

/// How many whole signal passes ([`match_sources`]) this process has run: one per analysis. A
/// test reads it to prove that no command matches the records twice.
static PASSES: AtomicUsize = AtomicUsize::new(0);

/// How many of those passes ran without the prefilter: a test reads it to prove that
/// `analysis::Options::no_prefilter` reaches the pass.
static UNFILTERED_PASSES: AtomicUsize = AtomicUsize::new(0);

/// The number of signal passes run so far in this process.
pub fn passes() -> usize {
    PASSES.load(Ordering::Relaxed)
}

/// The number of signal passes run so far in this process without the prefilter.
pub fn unfiltered_passes() -> usize {
    UNFILTERED_PASSES.load(Ordering::Relaxed)
}

/// The signal kinds of record `event` of a source, from that source's signals of the pass
/// (which are in record order).
pub fn kinds_at(matched: &[Matched], event: usize) -> impl Iterator<Item = &SignalKind> {
    let from = matched.partition_point(|m| (m.event as usize) < event);
    matched[from..]
        .iter()
        .take_while(move |m| m.event as usize == event)
        .map(|m| &m.kind)
}

/// The one signal pass of an analysis: every record of every source matched against the table,
/// sources in parallel. Returns, parallel to `events_of`, each source's signals in event order.
/// `prefilter` is true but in the test that proves the prefilter changes no signal
/// ([`Matcher::unfiltered`]).
pub fn match_sources<'a, 'b: 'a, T: Sync>(
    items: &'a [T],
    prefilter: bool,
    events_of: impl Fn(&'a T) -> &'a [Event<'b>] + Sync,
) -> Vec<Vec<Matched>> {
    use rayon::prelude::*;
    PASSES.fetch_add(1, Ordering::Relaxed);
    let matcher = if prefilter {
        Matcher::shared()
    } else {
        UNFILTERED_PASSES.fetch_add(1, Ordering::Relaxed);
        Matcher::shared_unfiltered()
    };
    items
        .par_iter()
        .map_init(
            || matcher.scratch(),
            |scratch, item| matcher.match_events_with(scratch, events_of(item)),
        )
        .collect()
}

/// The task end a Proxmox VE task log states by its status line (`TASK OK`, `TASK WARNINGS:
/// n`, `TASK ERROR: …`), when the log is named by its UPID (`/var/log/pve/tasks/<H>/<UPID>`):
/// the file's name says which task ended, as the journal's `end task <UPID> <status>` and the
/// task list's `<UPID> <endtime> <status>` do. `events` are the log's.
pub fn task_log_end(path: &str, events: &[Event<'_>]) -> Option<Matched> {
    use crate::formats::pve_task_log::{status_event, upid_of_path};
    let upid = upid_of_path(path)?;
    let status = status_event(events)?;
    let text = std::str::from_utf8(upid.text).ok()?;
    let parsed = Upid::parse(text.strip_prefix("UPID:")?)?;
    let line = events.get(status)?.message.trim_ascii();
    Some(Matched {
        event: u32::try_from(status).ok()?,
        kind: SignalKind::TaskEnd {
            task: parsed.task,
            upid: parsed.id,
            vmid: parsed.vmid,
            ok: !line.starts_with(b"TASK ERROR"),
        },
    })
}

/// How much of an unrecognized member [`states_a_signal`] reads: a paste worth reading as a
/// fragment says what it says near its top.
const STATEMENT_HEAD: usize = 64 * 1024;

/// Whether a member no format recognized holds, among its first lines, a line the signal table
/// reads as a statement (`DIMM Failure - Uncorrectable Memory Error (Processor 2, DIMM 3)` from
/// a server's management log, a tool's `No space left on device`): such a member is a fragment
/// of log text, read line by line so the statement is not lost among unparsed lines. Binary data
/// (a NUL byte in the head) never is.
pub fn states_a_signal(data: &[u8]) -> bool {
    let head = data.get(..STATEMENT_HEAD).unwrap_or(data);
    if memchr::memchr(0, head).is_some() {
        return false;
    }
    crate::framing::Lines::new(head).any(|line| states(line.text))
}

/// Whether one line, read as an undated record of its own, states what the signal table reads.
pub fn states(line: &[u8]) -> bool {
    let text = line.trim_ascii();
    if text.is_empty() {
        return false;
    }
    let matcher = Matcher::shared();
    let mut scratch = matcher.scratch();
    let event = Event::new(RecordedTime::Missing, b"", 0, 0, text);
    !matcher.signals_with(&mut scratch, &event).is_empty()
}

/// The identifier of an event, or empty.
fn ident<'a>(event: &'a Event<'_>) -> &'a [u8] {
    event.ident.unwrap_or_default()
}

/// Pulls the fields out of a message that matched `pat`.
fn extract(pat: Pat, msg: &[u8], event: &Event<'_>) -> Option<SignalKind> {
    let text = String::from_utf8_lossy(msg);
    let text = text.as_ref();
    Some(match pat {
        Pat::OomInvoked => SignalKind::OomInvoked {
            invoker: text
                .split_once(" invoked oom-killer")
                .map_or("", |(who, _)| who)
                .to_string(),
        },
        Pat::OomConstraint => SignalKind::OomConstraint {
            vmid: vmid_in_scope_path(text),
            task: kv(text, "task=").map(str::to_string),
            pid: kv(text, "pid=").and_then(|p| p.parse().ok()),
            global: text.contains("global_oom"),
            vm_scope: kv(text, "task_memcg=").is_some_and(is_vm_scope),
        },
        Pat::OomTaskIn => {
            let task_cgroup = text
                .strip_prefix("Task in ")
                .and_then(|r| r.split_once(" killed as a result"))
                .map_or("", |(path, _)| path);
            SignalKind::OomConstraint {
                vmid: vmid_in_scope_path(&format!("task_memcg={task_cgroup}")),
                task: None,
                pid: None,
                global: false,
                vm_scope: is_vm_scope(task_cgroup),
            }
        }
        Pat::OomKilled | Pat::OomKillOld => {
            let after = text
                .split_once("Killed process ")
                .or_else(|| text.split_once("Kill process "))?
                .1;
            // `Killed process (comm)`: some kernels and pastes give no pid. 2.6.18 (RHEL 5):
            // `Killed process 7919, UID 504, (oracle).`, pasted also without the parentheses.
            let (pid, rest) = match after.strip_prefix('(') {
                Some(rest) => ("", rest),
                None => match after.split_once(", UID ") {
                    Some((pid, uid_rest)) if pid.bytes().all(|b| b.is_ascii_digit()) => {
                        let comm = uid_rest
                            .trim_start_matches(|c: char| c.is_ascii_digit())
                            .trim_start_matches([',', ' '])
                            .trim_start_matches('(');
                        (pid, comm.trim_end_matches(['.', ')']))
                    }
                    _ => after.split_once(" (")?,
                },
            };
            let comm = rest.rsplit_once(")").map_or(rest, |(c, _)| c);
            // The comm ends at the `)` before ` total-vm` or ` score` (a comm may hold
            // parentheses).
            let end = rest
                .find(") total-vm")
                .or_else(|| rest.find(")total-vm"))
                .or_else(|| rest.find("), UID "))
                .or_else(|| rest.find(") score "));
            let comm = match end {
                Some(end) => rest.get(..end).unwrap_or(comm),
                None => comm,
            };
            SignalKind::OomKilled {
                pid: pid.parse().ok(),
                comm: comm.to_string(),
                anon_rss_kb: kv(text, "anon-rss:")
                    .and_then(|v| v.trim_end_matches("kB").parse().ok()),
                memcg: text.starts_with("Memory cgroup out of memory"),
            }
        }
        Pat::UserspaceOomKill => {
            if !matches!(ident(event), b"systemd-oomd" | b"earlyoom" | b"") {
                return None;
            }
            if let Some(rest) = text.strip_prefix("Killed ") {
                // A cgroup: a VM's scope, a service, or whatever else it was.
                let cgroup = rest.split(' ').next()?;
                let leaf = cgroup.rsplit('/').next()?;
                if let Some(vmid) = leaf
                    .strip_suffix(".scope")
                    .and_then(|v| v.parse().ok())
                    .filter(|_| is_vm_scope(cgroup))
                {
                    SignalKind::ScopeOomKilled { vmid }
                } else if let Some(unit) = leaf.strip_suffix(".service") {
                    SignalKind::UnitOomKilled {
                        unit: unit.to_string(),
                    }
                } else {
                    SignalKind::OomKilled {
                        pid: None,
                        comm: leaf.to_string(),
                        anon_rss_kb: None,
                        memcg: false,
                    }
                }
            } else {
                let rest = text.split_once(" to process ")?.1;
                let pid = rest.split(' ').next()?.parse().ok();
                let comm = rest.split_once('"')?.1.split_once("\":")?.0;
                let rss_mib: Option<u64> = rest
                    .split_once("VmRSS ")
                    .and_then(|(_, v)| v.split(' ').next()?.parse().ok());
                SignalKind::OomKilled {
                    pid,
                    comm: comm.to_string(),
                    anon_rss_kb: rss_mib.map(|m| m * 1024),
                    memcg: false,
                }
            }
        }
        Pat::UnitOom => SignalKind::UnitOomKilled {
            unit: text
                .split_once(".service: ")
                .map_or("", |(unit, _)| unit)
                .to_string(),
        },
        Pat::ScopeOom => SignalKind::ScopeOomKilled {
            vmid: scope_vmid(text)?,
        },
        Pat::ScopeDeactivated => SignalKind::ScopeDeactivated {
            vmid: scope_vmid(text)?,
        },
        // Only qmeventd's words: another program's cleanup of a numbered thing is not a VM's.
        Pat::VmCleanup if ident(event) == b"qmeventd" || ident(event).is_empty() => {
            SignalKind::VmCleanup {
                vmid: text.rsplit_once(' ')?.1.parse().ok()?,
            }
        }
        Pat::VmCleanup => return None,
        Pat::ScopeFailed => {
            let result = text
                .split_once("Failed with result '")?
                .1
                .split('\'')
                .next()?;
            if result == "oom-kill" {
                return None;
            }
            SignalKind::ScopeFailed {
                vmid: scope_vmid(text)?,
                result: result.to_string(),
            }
        }
        Pat::TaskStart => {
            let upid = Upid::parse(text.split_once("UPID:")?.1)?;
            SignalKind::TaskStart {
                task: upid.task,
                upid: upid.id,
                vmid: upid.vmid,
            }
        }
        Pat::TaskEnd => {
            let rest = text.split_once("UPID:")?.1;
            let upid = Upid::parse(rest)?;
            let status = upid.rest.trim();
            SignalKind::TaskEnd {
                task: upid.task,
                upid: upid.id,
                vmid: upid.vmid,
                ok: status == "OK" || status.starts_with("OK"),
            }
        }
        Pat::TaskListStart => {
            let upid = Upid::parse(text.strip_prefix("UPID:")?)?;
            SignalKind::TaskStart {
                task: upid.task,
                upid: upid.id,
                vmid: upid.vmid,
            }
        }
        Pat::TaskListEnd => {
            let upid = Upid::parse(text.strip_prefix("UPID:")?)?;
            // ` [0|1 ]ENDTIME STATUS` (the `0|1` of the `active` list).
            let rest = upid.rest.trim_start();
            let rest = rest
                .strip_prefix("0 ")
                .or_else(|| rest.strip_prefix("1 "))
                .unwrap_or(rest);
            let status = rest.split_once(' ')?.1.trim();
            SignalKind::TaskEnd {
                task: upid.task,
                upid: upid.id,
                vmid: upid.vmid,
                ok: status == "OK" || status.starts_with("WARNINGS: "),
            }
        }
        Pat::ScopeStarted => SignalKind::ScopeStarted {
            vmid: text
                .strip_prefix("Started ")?
                .split_once(".scope")?
                .0
                .parse()
                .ok()?,
        },
        Pat::VmNic => SignalKind::VmNic {
            vmid: text.match_indices("tap").find_map(|(at, _)| {
                let rest = text.get(at + 3..)?;
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                let after = rest.get(digits..)?;
                (digits > 0 && after.starts_with('i'))
                    .then(|| rest.get(..digits)?.parse().ok())
                    .flatten()
            })?,
        },
        Pat::AgentFreeze => SignalKind::GuestAgentFreeze,
        Pat::QemuCrash => SignalKind::QemuCrashed {
            // `kvm[74541]: segfault at …`, `traps: kvm[74541] general protection fault …`.
            pid: text
                .strip_prefix("traps: ")
                .unwrap_or(text)
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .filter(|_| !text.contains("Assertion "))
                .and_then(|(pid, _)| pid.parse().ok()),
        },
        Pat::QemuNoMemory => SignalKind::QemuNoMemory {
            // A running guest's failures: Xen's populate-on-demand running dry, QEMU's allocator
            // check and its `Failed to allocate memory` abort. The rest are said at start.
            starting: ![
                "out of PoD memory",
                "qemu_oom_check",
                "Failed to allocate memory: ",
            ]
            .iter()
            .any(|w| text.contains(w)),
        },
        Pat::QemuTerm => SignalKind::QemuTerminated,
        Pat::GuestFreeze => SignalKind::GuestFsFreeze,
        Pat::VmNotRunning => SignalKind::VmNotRunning {
            vmid: text.strip_prefix("VM ")?.split(' ').next()?.parse().ok()?,
        },
        Pat::IoErrorPause => SignalKind::IoErrorPause,
        Pat::FreezeTimeout => SignalKind::FreezeTimeout {
            vmid: text
                .split_once("VM ")
                .and_then(|(_, rest)| rest.split(' ').next())
                .and_then(|id| id.parse().ok()),
        },
        Pat::BlockIo => SignalKind::BlockIoError {
            device: text
                .split_once(", dev ")
                .and_then(|(_, r)| r.split([',', ' ']).next())
                .map(str::to_string),
        },
        Pat::BufferIo => SignalKind::BlockIoError {
            device: text
                .split_once(" on dev ")
                .or_else(|| text.split_once(" on device "))
                .and_then(|(_, r)| r.split([',', ' ']).next())
                .map(str::to_string),
        },
        Pat::DeviceError => SignalKind::BlockIoError {
            device: device_name(text),
        },
        Pat::FsError | Pat::FsReadOnly => SignalKind::FsError,
        // Ceph clearing a health check says the trouble is over.
        Pat::NoSpace if text.contains("Health check cleared") => return None,
        Pat::NoSpace => SignalKind::NoSpace,
        Pat::ThinFull => SignalKind::ThinPoolFull,
        Pat::Zfs => SignalKind::ZfsError,
        Pat::ZfsSuspended => SignalKind::ZfsSuspended,
        Pat::Mce => SignalKind::MachineCheck,
        Pat::MceNotice => SignalKind::MachineCheckNotice,
        Pat::MceFatal => SignalKind::MachineCheckFatal,
        // The bank's status register says whether the error was corrected: bit 61 (UC) set is
        // an uncorrected error, whatever the surrounding words.
        Pat::MceBank => {
            let (_, rest) = text.split_once("Bank ")?;
            let (_, hex) = rest.split_once(": ")?;
            let status = u64::from_str_radix(hex.get(..16)?, 16).ok()?;
            if status & (1 << 61) != 0 {
                SignalKind::MachineCheck
            } else {
                SignalKind::MachineCheckNotice
            }
        }
        Pat::EdacCe => SignalKind::EdacCorrected,
        Pat::EdacUe => SignalKind::EdacUncorrected,
        Pat::ThermalThrottle => SignalKind::ThermalThrottle,
        Pat::ThermalShutdown => SignalKind::ThermalShutdown,
        Pat::PowerKey | Pat::GuestShutdown => SignalKind::PowerKey,
        Pat::ClockStep => SignalKind::ClockStep {
            by_us: step_amount(text),
        },
        Pat::Shutdown => {
            // Only PID 1 speaks of the system's shutdown: a user's own systemd instance logs
            // `Reached target shutdown.target` at every logout. logind, journald,
            // systemd-shutdown and the kernel (`reboot: Power down`) speak of it too.
            let id = ident(event);
            let allowed = match id {
                b"systemd" => event.pid.is_none_or(|p| p == 1),
                b"systemd-journald" | b"systemd-logind" | b"systemd-shutdown" | b"" => true,
                // sysvinit's `shutdown` and `init` (`shutting down for system halt`,
                // `Switching to runlevel: 0`).
                b"shutdown" | b"init" => {
                    text.starts_with("shutting down for system ")
                        || text.starts_with("Switching to runlevel: ")
                }
                // KVM leaves VMX/SVM mode from the reboot path (`kvm_shutdown`), never from a
                // panic's or a watchdog's emergency restart.
                b"kernel" => {
                    text.starts_with("reboot: ")
                        || text.starts_with("kvm: exiting hardware virtualization")
                        // The power-off path (`kernel_power_off`) asking the firmware for S5.
                        || text.starts_with("ACPI: PM: Preparing to enter system sleep state S5")
                        || text.starts_with("ACPI: Preparing to enter system sleep state S5")
                        || text.starts_with("systemd[1]: ")
                        || text.starts_with("systemd-shutdown[1]: ")
                }
                _ => false,
            };
            if !allowed {
                return None;
            }
            SignalKind::ShutdownSequence
        }
        Pat::KernelBoot => SignalKind::KernelBoot,
        Pat::UncleanJournal | Pat::WindowsUnclean => SignalKind::UncleanJournal,
        Pat::WindowsShutdown => SignalKind::ShutdownSequence,
        Pat::Panic => SignalKind::KernelPanic,
        Pat::ShellKilled => SignalKind::ShellKilled {
            program: job_program(text).to_owned(),
        },
        Pat::HungTask => {
            // `INFO: task NAME:PID blocked for more than N seconds.`; NAME may hold `:` and spaces.
            let task = text
                .split_once("task ")
                .and_then(|(_, r)| r.split_once(" blocked for more than "))
                .and_then(|(task, _)| task.rsplit_once(':'));
            SignalKind::HungTask {
                comm: task.map(|(comm, _)| comm.to_string()),
                pid: task.and_then(|(_, pid)| pid.parse().ok()),
            }
        }
        Pat::TaskState => {
            let rest = text.strip_prefix("task:")?;
            let (comm, fields) = rest.split_once(" state:D")?;
            let number = |key: &str| -> Option<u32> {
                fields
                    .split_once(key)?
                    .1
                    .split_ascii_whitespace()
                    .next()?
                    .parse()
                    .ok()
            };
            SignalKind::HungTask {
                comm: Some(comm.trim_end().to_string()),
                pid: number(" tgid:").or_else(|| number(" pid:")),
            }
        }
        Pat::Fencing => SignalKind::Fencing {
            vmid: text
                .split_once("service '")
                .and_then(|(_, rest)| rest.split_once('\''))
                .and_then(|(sid, _)| sid.split_once(':'))
                .and_then(|(_, id)| id.parse().ok()),
        },
        // A container's unit failing is its container's stop (`ScopeFailed`), not a service's.
        Pat::Degraded
            if text.starts_with("pve-container@") && text.contains(": Failed with result '") =>
        {
            return None;
        }
        Pat::Degraded => SignalKind::Degraded,
        Pat::Upgrade => SignalKind::PackageUpgrade,
        // An operator's command read from a prompt only.
        Pat::ShellUpgrade => {
            if ident(event) != crate::formats::fragment::SHELL {
                return None;
            }
            SignalKind::PackageUpgrade
        }
        // A container's unit is its stop (`ScopeFailed`), not a service's.
        Pat::ServiceFailed if text.starts_with("pve-container@") => return None,
        Pat::ServiceFailed => SignalKind::ServiceFailed {
            unit: text.split_once(".service: ")?.0.to_string(),
        },
        Pat::Replication => {
            // The job id `<vmid>-<n>`: before the message, or the line's identifier.
            let job = |t: &[u8]| -> Option<u32> {
                let (vmid, n) = std::str::from_utf8(t).ok()?.split_once('-')?;
                n.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
                vmid.parse().ok()
            };
            let id = text
                .split_once(": ")
                .map(|(id, _)| id.as_bytes())
                .unwrap_or_else(|| ident(event));
            SignalKind::Replication {
                phase: if text.contains("start replication job") {
                    "start"
                } else {
                    "end"
                },
                vmid: job(id),
            }
        }
        Pat::Backup => SignalKind::Backup {
            phase: if text.contains("Starting Backup")
                || text.contains("starting new backup job")
                || text.contains("Starting backup")
            {
                "start"
            } else if text.contains("Finished Backup")
                || text.contains("Backup job finished")
                || text.contains("Backup of VM") && text.contains("failed")
            {
                "end"
            } else if text.ends_with("status = running") {
                // vzdump found the VM it is about to back up running.
                "running"
            } else {
                "progress"
            },
            vmid: text
                .split_once("Backup of VM ")
                .and_then(|(_, r)| r.split([' ', ')']).next()?.parse().ok()),
        },
        Pat::Transfer => SignalKind::LargeTransfer,
        Pat::PcieAer => SignalKind::PcieError {
            fatal: text.contains("(Fatal)"),
        },
        Pat::NmiHardware => SignalKind::PcieError { fatal: true },
        Pat::StorageUnreachable => SignalKind::StorageUnreachable,
        Pat::HaStop if ident(event) == b"pve-ha-lrm" || ident(event).is_empty() => {
            SignalKind::OrderlyStop {
                by: StopBy::Host,
                hard: false,
                vmid: text.rsplit_once(':')?.1.parse().ok(),
            }
        }
        Pat::HaStop => return None,
        Pat::HypervisorNotice => SignalKind::HypervisorNotice,
        // QMP events are about the guest, whatever machine logged them: kinds of their own, not
        // the logging machine's power key, shutdown sequence or panic.
        Pat::QmpEvent => {
            if text.contains("\"POWERDOWN\"") {
                SignalKind::OrderlyStop {
                    by: StopBy::Host,
                    hard: false,
                    vmid: None,
                }
            } else if text.contains("\"GUEST_PANICKED\"") || text.contains("\"guest-panic\"") {
                SignalKind::GuestPanicked
            } else if text.contains("\"guest-shutdown\"") {
                SignalKind::OrderlyStop {
                    by: StopBy::Guest,
                    hard: false,
                    vmid: None,
                }
            } else {
                // The host quitting QEMU (`host-signal`, `host-qmp-quit`): who did is elsewhere.
                return None;
            }
        }
        Pat::LibvirtShutdown if text.contains("reason=destroyed") => SignalKind::OrderlyStop {
            by: StopBy::Host,
            hard: true,
            vmid: None,
        },
        Pat::LibvirtShutdown => SignalKind::OrderlyStop {
            by: StopBy::Guest,
            hard: false,
            vmid: None,
        },
        Pat::OperatorStop => {
            // Only an operator's command read from a prompt, never a log message that happens
            // to start with the same words.
            if ident(event) != crate::formats::fragment::SHELL {
                return None;
            }
            let words: Vec<&str> = text.split_ascii_whitespace().collect();
            let words = words.strip_prefix(&["sudo"]).unwrap_or(&words);
            // `shutdown -c` cancels a scheduled shutdown; `--help` stops nothing.
            if words.iter().any(|w| matches!(*w, "-c" | "--help")) {
                return None;
            }
            let vmid = match words {
                [tool, _, id, ..] if matches!(*tool, "qm" | "pct") => id.parse().ok(),
                _ => None,
            };
            let hard = match words {
                [tool, verb, ..] => {
                    matches!(
                        (*tool, *verb),
                        ("qm" | "pct", "stop") | ("virsh" | "xl", "destroy")
                    ) || *tool == "VBoxManage" && words.contains(&"poweroff")
                }
                _ => false,
            };
            SignalKind::OrderlyStop {
                by: StopBy::Operator,
                hard,
                vmid,
            }
        }
        Pat::HostStopsGuests => SignalKind::OrderlyStop {
            by: StopBy::Host,
            hard: false,
            vmid: None,
        },
        // Only LXD's or Incus's own lines: they name the instance's action or project. An instance
        // stopped for `guest-shutdown` powered itself off; the others are LXD's doing.
        Pat::LxdStop => {
            if !["action=", "project=", "instance="]
                .iter()
                .any(|k| text.contains(k))
            {
                return None;
            }
            SignalKind::OrderlyStop {
                by: if text.contains("reason=guest-shutdown") {
                    StopBy::Guest
                } else {
                    StopBy::Host
                },
                hard: false,
                vmid: None,
            }
        }
        Pat::AgentTimeout => SignalKind::HypervisorNotice,
        Pat::OomNoVictim => SignalKind::OomNoVictim,
        Pat::OomPanic => SignalKind::OomPanic,
        Pat::UpsShutdown => SignalKind::OrderlyStop {
            by: StopBy::Ups,
            hard: false,
            vmid: None,
        },
        Pat::PcieRecovered => SignalKind::PcieRecovered,
        Pat::StopFailed => SignalKind::StopFailed,
        Pat::BackupFailed => SignalKind::BackupFailed {
            vmid: text
                .split_once("Backup of VM ")
                .and_then(|(_, r)| r.split(' ').next()?.parse().ok()),
        },
        Pat::ForcedStop => SignalKind::OrderlyStop {
            by: StopBy::Host,
            hard: true,
            vmid: None,
        },
    })
}

/// The device a driver error names: `sd 2:0:0:0: [sdb] …` → sdb, `nvme nvme0: …` → nvme0,
/// `nvme0n1: …` → nvme0n1, `ata3.00: …` → ata3.00.
fn device_name(text: &str) -> Option<String> {
    if let Some(rest) = text.strip_prefix("sd ")
        && let Some((_, after)) = rest.split_once('[')
    {
        return after.split(']').next().map(str::to_string);
    }
    let rest = text.strip_prefix("nvme ").unwrap_or(text);
    rest.split([':', ' '])
        .next()
        .filter(|d| !d.is_empty())
        .map(str::to_string)
}

/// `key=value` up to the next `,` or white space.
fn kv<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let rest = text.get(start..)?;
    Some(rest.split([',', ' ']).next().unwrap_or(rest))
}

/// `…/qemu.slice/101.scope…` → 101; a Proxmox container's cgroup `/lxc/101/…` or
/// `/lxc/101,` → 101 (the CTID counts as the guest's id).
pub fn vmid_in_scope_path(text: &str) -> Option<u32> {
    if let Some((_, rest)) = text.split_once("task_memcg=/lxc/") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = rest.get(digits.len()..)?;
        if after.is_empty() || after.starts_with(['/', ',', ' ']) {
            return digits.parse().ok();
        }
    }
    let rest = text.split_once("qemu.slice/")?.1;
    let digits = rest.strip_suffix(".scope").unwrap_or(rest);
    let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
    rest.get(digits.len()..)?
        .starts_with(".scope")
        .then(|| digits.parse().ok())?
}

/// Whether a memory cgroup path is a VM's scope (`/qemu.slice/101.scope`, `/machine.slice/…`
/// is libvirt's and names no VMID).
fn is_vm_scope(path: &str) -> bool {
    path.split_once("qemu.slice/")
        .and_then(|(_, rest)| rest.strip_suffix(".scope"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// `101.scope: …` → 101.
fn scope_vmid(text: &str) -> Option<u32> {
    match text.split_once(".scope: ") {
        Some((id, _)) => id.parse().ok(),
        None => text
            .strip_prefix("pve-container@")?
            .split_once(".service: ")?
            .0
            .parse()
            .ok(),
    }
}

/// A Proxmox task id: `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:` (the caller
/// strips `UPID:`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Upid {
    /// `node:pid:pstart:starttime:type:id:user`, without what follows.
    id: String,
    task: String,
    vmid: Option<u32>,
    /// What follows the UPID (the status of an `end task`).
    rest: String,
}

impl Upid {
    fn parse(text: &str) -> Option<Upid> {
        let mut parts = text.splitn(8, ':');
        let _node = parts.next()?;
        let _pid = parts.next()?;
        let _pstart = parts.next()?;
        let _start = parts.next()?;
        let task = parts.next()?.to_string();
        let id = parts.next()?;
        let _user = parts.next()?;
        let rest = parts.next().unwrap_or_default().to_string();
        if task.is_empty() || !task.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let id_len = text.len().saturating_sub(rest.len());
        Some(Upid {
            id: text
                .get(..id_len)
                .unwrap_or(text)
                .trim_end_matches(':')
                .to_string(),
            task,
            vmid: id.parse().ok(),
            rest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::RecordedTime;

    fn kinds(ident: &'static [u8], msg: &'static [u8]) -> Vec<SignalKind> {
        let mut e = Event::new(RecordedTime::Missing, b"", 1, 0, msg);
        e.ident = Some(ident);
        signals_checked(&e)
    }

    /// The signals of `e`, once the prefilter is shown exact on its line: wherever one of the
    /// table's patterns matches the first line, the compiled prefilter matches it too, and the
    /// matcher without the prefilter finds the same signals. Every sample line of these tests
    /// goes through here.
    fn signals_checked(e: &Event<'_>) -> Vec<SignalKind> {
        let matcher = Matcher::shared();
        let first = e.message.split(|&b| b == b'\n').next().unwrap_or_default();
        let mut set = PatternSet::new(matcher.regex.pattern_len());
        matcher
            .regex
            .which_overlapping_matches(&Input::new(first), &mut set);
        let prefilter = matcher
            .prefilter
            .as_ref()
            .expect("the shared matcher filters");
        if !set.is_empty() {
            assert!(
                prefilter.is_match(first),
                "{:?} matches {:?} but the prefilter does not",
                set.iter()
                    .filter_map(|id| TABLE.get(id.as_usize()))
                    .map(|row| row.pat)
                    .collect::<Vec<_>>(),
                String::from_utf8_lossy(first)
            );
        }
        let got = matcher.signals(e);
        assert_eq!(
            got,
            Matcher::shared_unfiltered().signals(e),
            "{}",
            String::from_utf8_lossy(first)
        );
        got
    }

    fn one(ident: &'static [u8], msg: &'static [u8]) -> SignalKind {
        let k = kinds(ident, msg);
        assert_eq!(k.len(), 1, "{}: {k:?}", String::from_utf8_lossy(msg));
        k.into_iter().next().unwrap()
    }

    /// vzdump says in what state it found the VM it backs up: `running` shows it was, for a VM
    /// whose start is not in the logs; `stopped` says nothing of a stop.
    #[test]
    fn a_backup_that_found_its_vm_running() {
        assert_eq!(
            one(b"", b"INFO: status = running"),
            SignalKind::Backup {
                phase: "running",
                vmid: None
            }
        );
        assert!(kinds(b"", b"INFO: status = stopped").is_empty());
    }

    /// 2.6.18 (RHEL 5) names the victim after its pid and UID, as posted with and without the
    /// parentheses.
    #[test]
    fn an_old_kernels_kill_line_names_pid_uid_and_comm() {
        for line in [
            &b"Out of memory: Killed process 7919, UID 504, (oracle)."[..],
            b"Out of memory: Killed process 7919, UID 504 oracle",
        ] {
            match one(b"kernel", line) {
                SignalKind::OomKilled { pid, comm, .. } => {
                    assert_eq!((pid, comm.as_str()), (Some(7919), "oracle"));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn oom_report_of_a_pve_host() {
        assert_eq!(
            one(b"kernel", b"kvm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0"),
            SignalKind::OomInvoked {
                invoker: "kvm".into()
            }
        );
        assert_eq!(
            one(b"kernel", b"oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=ns,mems_allowed=0,global_oom,task_memcg=/qemu.slice/101.scope,task=kvm,pid=32969,uid=0"),
            SignalKind::OomConstraint {
                vmid: Some(101),
                task: Some("kvm".into()),
                pid: Some(32969),
                global: true,
                vm_scope: true
            }
        );
        assert_eq!(
            one(b"kernel", b"Out of memory: Killed process 32969 (kvm) total-vm:17339840kB, anon-rss:15797740kB, file-rss:1536kB, shmem-rss:0kB, UID:0 pgtables:31152kB oom_score_adj:0"),
            SignalKind::OomKilled {
                pid: Some(32969),
                comm: "kvm".into(),
                anon_rss_kb: Some(15_797_740),
                memcg: false
            }
        );
        // RHEL 8's 4.18: the UID between the comm and the sizes, in both lines' shapes.
        for line in [
            &b"Out of memory: Killed process 2345 (kvm), UID 107, total-vm:17000000kB, anon-rss:16000000kB, file-rss:0kB, shmem-rss:0kB"[..],
            b"Killed process 2345 (kvm), UID 107, total-vm:17000000kB, anon-rss:16000000kB, file-rss:0kB, shmem-rss:0kB",
        ] {
            assert_eq!(
                one(b"kernel", line),
                SignalKind::OomKilled {
                    pid: Some(2345),
                    comm: "kvm".into(),
                    anon_rss_kb: Some(16_000_000),
                    memcg: false
                },
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // Kernel 4.x wording (PVE 5/6).
        assert_eq!(
            one(b"kernel", b"Killed process 1234 (kvm) total-vm:8421112kB, anon-rss:4194304kB, file-rss:0kB, shmem-rss:0kB"),
            SignalKind::OomKilled {
                pid: Some(1234),
                comm: "kvm".into(),
                anon_rss_kb: Some(4_194_304),
                memcg: false
            }
        );
        assert!(matches!(
            one(b"kernel", b"Memory cgroup out of memory: Killed process 4411 (php-fpm8.2) total-vm:912340kB, anon-rss:501234kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:1234kB oom_score_adj:0"),
            SignalKind::OomKilled { memcg: true, .. }
        ));
    }

    #[test]
    fn systemd_scope_lines() {
        for msg in [
            &b"101.scope: A process of this unit has been killed by the OOM killer."[..],
            b"101.scope: Failed with result 'oom-kill'.",
        ] {
            let k = kinds(b"systemd", Box::leak(msg.to_vec().into_boxed_slice()));
            assert_eq!(k, vec![SignalKind::ScopeOomKilled { vmid: 101 }]);
        }
        assert_eq!(
            one(b"systemd", b"102.scope: Deactivated successfully."),
            SignalKind::ScopeDeactivated { vmid: 102 }
        );
        assert_eq!(
            one(b"systemd", b"102.scope: Succeeded."),
            SignalKind::ScopeDeactivated { vmid: 102 }
        );
        assert_eq!(
            one(
                b"systemd",
                b"pve-container@105.service: Deactivated successfully."
            ),
            SignalKind::ScopeDeactivated { vmid: 105 }
        );
        assert!(kinds(b"systemd", b"pvedaemon.service: Deactivated successfully.").is_empty());
        assert_eq!(
            one(b"pve-ha-lrm", b"stopping service vm:101"),
            SignalKind::OrderlyStop {
                by: StopBy::Host,
                hard: false,
                vmid: Some(101)
            }
        );
        assert_eq!(
            one(b"qmeventd", b"Starting cleanup for 102"),
            SignalKind::VmCleanup { vmid: 102 }
        );
        assert_eq!(
            one(b"qmeventd", b"Finished cleanup for 102"),
            SignalKind::VmCleanup { vmid: 102 }
        );
        assert_eq!(
            one(b"systemd", b"103.scope: Failed with result 'signal'."),
            SignalKind::ScopeFailed {
                vmid: 103,
                result: "signal".into()
            }
        );
        assert_eq!(
            one(
                b"systemd",
                b"pve-container@105.service: Failed with result 'exit-code'."
            ),
            SignalKind::ScopeFailed {
                vmid: 105,
                result: "exit-code".into()
            }
        );
    }

    #[test]
    fn proxmox_tasks() {
        assert_eq!(
            one(b"pvedaemon", b"<root@pam> starting task UPID:pve1:00003E8A:0089F2A1:68889C04:qmstart:101:root@pam:"),
            SignalKind::TaskStart {
                task: "qmstart".into(),
                upid: "pve1:00003E8A:0089F2A1:68889C04:qmstart:101:root@pam".into(),
                vmid: Some(101)
            }
        );
        assert_eq!(
            one(b"pvedaemon", b"<root@pam> end task UPID:suprox:000080BD:000C41F2:65DE37EA:qmstart:101:root@pam: start failed: QEMU exited with code 1"),
            SignalKind::TaskEnd {
                task: "qmstart".into(),
                upid: "suprox:000080BD:000C41F2:65DE37EA:qmstart:101:root@pam".into(),
                vmid: Some(101),
                ok: false
            }
        );
        assert_eq!(
            one(b"pvedaemon", b"<root@pam> end task UPID:pve:000079D3:00083FE1:654BDC03:qmshutdown:103:root@pam: OK"),
            SignalKind::TaskEnd {
                task: "qmshutdown".into(),
                upid: "pve:000079D3:00083FE1:654BDC03:qmshutdown:103:root@pam".into(),
                vmid: Some(103),
                ok: true
            }
        );
        assert_eq!(
            one(
                b"pvescheduler",
                b"starting task UPID:pve-ny:00016B49:0D2A1F3E:6955BF7F:vzdump::root@pam:"
            ),
            SignalKind::TaskStart {
                task: "vzdump".into(),
                upid: "pve-ny:00016B49:0D2A1F3E:6955BF7F:vzdump::root@pam".into(),
                vmid: None
            }
        );
        assert_eq!(
            one(
                b"pvedaemon",
                b"VM 101 qmp command failed - VM 101 not running"
            ),
            SignalKind::VmNotRunning { vmid: 101 }
        );
    }

    /// The task lists' events (formats::pve_task_index): a bare UPID starts a task, a UPID with
    /// an end time and a status ends it; warnings are a task that ran to its end.
    #[test]
    fn proxmox_task_lists() {
        assert_eq!(
            one(
                b"pve-task",
                b"UPID:pve:000079D3:00083FE1:654BDC03:qmstart:101:root@pam:"
            ),
            SignalKind::TaskStart {
                task: "qmstart".into(),
                upid: "pve:000079D3:00083FE1:654BDC03:qmstart:101:root@pam".into(),
                vmid: Some(101)
            }
        );
        for (line, ok) in [
            (
                "UPID:pve1:0003B004:0161D0A0:6543AD10:vzdump::root@pam: 6543B2E0 job errors",
                false,
            ),
            (
                "UPID:suprox:000080BD:000C41F2:65DE37EA:qmstart:101:root@pam: 65DE37EE start failed: QEMU exited with code 1",
                false,
            ),
            (
                "UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam: 654BE017 OK",
                true,
            ),
            (
                "UPID:pve:0003C76F:00F0CD27:6AB6D538:vzshutdown:333:root@pam: 1 6AB6D54A OK",
                true,
            ),
            (
                "UPID:pve1:0003B004:0161D0A0:6543AD10:vzdump::root@pam: 6543B2E0 WARNINGS: 2",
                true,
            ),
            (
                "UPID:pve1:0003B004:0161D0A0:6543AD10:vzdump::root@pam: 6543B2E0 unexpected status",
                false,
            ),
        ] {
            let k = one(
                b"pve-task",
                Box::leak(line.as_bytes().to_vec().into_boxed_slice()),
            );
            assert!(
                matches!(&k, SignalKind::TaskEnd { ok: o, .. } if *o == ok),
                "{line}: {k:?}"
            );
        }
        assert!(
            kinds(
                b"pve-task",
                b"UPID:pve:000079D3:00083FE1:654BDC03:qmstart:101:root@pam: 0"
            )
            .is_empty()
        );
    }

    #[test]
    fn storage_wordings_of_several_kernels() {
        for (msg, want) in [
            (&b"blk_update_request: I/O error, dev sda, sector 123456"[..], "block_io_error"),
            (b"print_req_error: I/O error, dev sdb, sector 123456 flags 801", "block_io_error"),
            (b"I/O error, dev sda, sector 123456 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2", "block_io_error"),
            (b"critical space allocation error, dev dm-4, sector 9823 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 2", "block_io_error"),
            (b"Buffer I/O error on dev dm-999, logical block 123, lost async page write", "block_io_error"),
            (b"nvme0n1: I/O Cmd(0x2) @ LBA 12345, 8 blocks, I/O Error (sct 0x2 / sc 0x81)", "block_io_error"),
            (b"ata1.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x0", "block_io_error"),
            (b"EXT4-fs error (device dm-1): ext4_find_entry:1580: inode #2: comm systemd: reading directory lblock 0", "fs_error"),
            (b"EXT4-fs (dm-1): Remounting filesystem read-only", "fs_error"),
            // A database told EIO by the OS: InnoDB's and PostgreSQL's wordings.
            (b"2026-04-06 19:40:15 0 [ERROR] InnoDB: Error number 5 means 'Input/output error'", "fs_error"),
            (b"ERROR:  could not read block 12 in file \"base/16384/2619\": Input/output error", "fs_error"),
            (b"XFS (dm-0): metadata I/O error in \"xfs_buf_ioend+0x1a0/0x3c0 [xfs]\" at daddr 0x1 len 8 error 5", "fs_error"),
            (b"device-mapper: thin: 253:4: switching pool to out-of-data-space (queue IO) mode", "thin_pool_full"),
            // Out of metadata space.
            (b"device-mapper: space map metadata: unable to allocate new metadata block", "thin_pool_full"),
            (b"device-mapper: thin: 253:4: metadata operation 'dm_thin_insert_block' failed: error = -28", "thin_pool_full"),
            (b"device-mapper: thin: 253:4: switching pool to read-only mode", "thin_pool_full"),
            (b"device-mapper: thin: 253:4: switching pool to failure mode", "thin_pool_full"),
            (b"WARNING: Pool zpool 'rpool' has encountered an uncorrectable I/O failure and has been suspended.", "zfs_suspended"),
            (b"eid=1191 class=io_failure pool='tank'", "zfs_suspended"),
            (b"cannot open 'tank': pool I/O is currently suspended", "zfs_suspended"),
            (b"error: chmod /var/lib/lxd/containers/my-container/backup.yaml: no space left on device", "no_space"),
            (b"block I/O error in device 'drive-virtio-disk0': No space left on device (28)", "no_space"),
        ] {
            let k = kinds(b"kernel", Box::leak(msg.to_vec().into_boxed_slice()));
            assert!(k.iter().any(|k| k.name() == want), "{}: {k:?}", String::from_utf8_lossy(msg));
        }
        assert_eq!(
            one(b"kernel", b"I/O error, dev sda, sector 123456 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2"),
            SignalKind::BlockIoError { device: Some("sda".into()) }
        );
        // One line, two signals: QEMU paused the VM, and the disk is full.
        assert_eq!(
            kinds(
                b"QEMU",
                b"kvm: block I/O error in device 'drive-scsi0': No space left on device (28)"
            ),
            vec![SignalKind::IoErrorPause, SignalKind::NoSpace]
        );
        assert!(
            kinds(
                b"postgres",
                b"could not write to file \"base/pgsql_tmp\": No space left on device"
            )
            .contains(&SignalKind::NoSpace)
        );
    }

    #[test]
    fn hardware_and_shutdown_wordings() {
        for (ident, msg, want) in [
            (&b"kernel"[..], &b"mce: [Hardware Error]: Machine check events logged"[..], "machine_check_notice"),
            (b"kernel", b"mce: [Hardware Error]: CPU 1: Machine Check Exception: 4 Bank 0: b200000080060001", "machine_check"),
            (b"kernel", b"mce: [Hardware Error]: Machine check: Processor context corrupt", "machine_check"),
            (b"kernel", b"Kernel panic - not syncing: Fatal machine check", "machine_check"),
            (b"kernel", b"Kernel panic - not syncing: Fatal machine check", "machine_check_fatal"),
            (b"kernel", b"Kernel panic - not syncing: Fatal hardware error!", "machine_check_fatal"),
            (b"kernel", b"Kernel panic - not syncing: Fatal hardware error!", "machine_check"),
            (b"kernel", b"Kernel panic - not syncing: Timeout: Not all CPUs entered broadcast exception handler", "machine_check_fatal"),
            (b"kernel", b"mce: Uncorrected hardware memory error in user-access at 3f8a1c000", "edac_uncorrected"),
            (b"kernel", b"Memory failure: 0x3f8a1c: Sending SIGBUS to kvm:2345 due to hardware memory corruption", "edac_uncorrected"),
            (b"upsmon", b"UPS ups@localhost on battery", "degraded"),
            (b"apcupsd", b"Power failure.", "degraded"),
            (b"", b"2023-06-01 10:00:00.000+0000: shutting down, reason=destroyed", "orderly_stop"),
            // Bank status b2…: VAL, UC and PCC set; the processor's context is lost.
            (b"kernel", b"mce: [Hardware Error]: CPU 1: Machine Check Exception: 4 Bank 0: b200000080060001", "machine_check_fatal"),
            (b"kernel", b"mce: [Hardware Error]: CPU 10: Machine Check: 0 Bank 5: bea0000000000108", "machine_check_fatal"),
            (b"", b"LOG: Uncorrectable Machine Check Exception (Board 0, Processor 1, APIC ID 0x00000003, Bank 0x00000005, Status 0xBA000000'00400405, Address 0x00000000'00000000, Misc 0x00000000'00000000)", "machine_check_fatal"),
            (b"", b"cpu0:2098206)NMI: 1031: ApeiHESTNmiHandler requested PSOD", "machine_check_fatal"),
            (b"kernel", b"Kernel panic: CPU context corrupt", "machine_check"),
            (b"", b"LOG: Uncorrectable Machine Check Exception (Board 0, Processor 1, APIC ID 0x00000010, Bank 0x00000005)", "machine_check"),
            (b"kernel", b"CMCI storm detected: switching to poll mode", "machine_check_notice"),
            (b"pengine", b"warning: Cluster node node5.domian will be fenced: mode1:3 failed there", "fencing"),
            (b"pengine", b"warning: Scheduling Node node5.domian for STONITH", "fencing"),
            (b"pacemaker-controld", b"crit: Lost connection to cluster layer, shutting down", "fencing"),
            (b"qubesd", b"vm.Vault: Start failed:   Cannot create new thin volume, free space in thin pool qubes_dom0/vm-pool reached threshold.", "thin_pool_full"),
            (b"lvm", b"Insufficient free space: 41183 extents needed, but only 24498 available", "thin_pool_full"),
            (b"systemd", b"Stopped target Multi-User System.", "shutdown_sequence"),
            (b"kernel", b"qemu-system-x86[74541]: segfault at 0 ip 000055aec7deca87 sp 00007ffed953e900 error 4 in qemu-system-x86_64[55aec79c7000+5de000] likely on CPU 1 (core 1, socket 0)", "qemu_crashed"),
            (b"", b"2025-11-18 12:31:50.336+0000: shutting down, reason=crashed", "qemu_crashed"),
            (b"kernel", b"CPU 1/KVM[4043477]: segfault at 2 ip 0000557976af6f37 sp 00007f28459d9eb0 error 4 in qemu-system-x86_64 (deleted)[5579768ca000+44e000]", "qemu_crashed"),
            (b"xen", b"[526158.312740] Domain 11 (vcpu#1) crashed on cpu#0:", "qemu_crashed"),
            (b"xen", b"Domain 3 (vcpu#0) crashed on cpu#3:", "qemu_crashed"),
            (b"kernel", b"traps: kvm[2911] general protection fault ip:5581a3b2c3d4 sp:7ffd2a1b3c40 error:0 in qemu-system-x86_64[5581a3400000+5e2000]", "qemu_crashed"),
            (b"QEMU", b"kvm: ../block/io.c:1926: bdrv_co_write_req_prepare: Assertion `child->perm & BLK_PERM_WRITE' failed.", "qemu_crashed"),
            (b"", b"qemu-system-x86_64: ../softmmu/physmem.c:3252: address_space_unmap: Assertion `mr != NULL' failed.", "qemu_crashed"),
            (b"kernel", b"kvm: exiting hardware virtualization", "shutdown_sequence"),
            (b"", b"The process C:\\Windows\\System32\\svchost.exe (WIN10) has initiated the power off of computer WIN10 on behalf of user NT AUTHORITY\\SYSTEM for the following reason: No title for this reason could be found", "shutdown_sequence"),
            (b"", b"The previous system shutdown at 3:12:45 AM on 6/1/2023 was unexpected.", "unclean_journal"),
            (b"", b"The system has rebooted without cleanly shutting down first. This error could be caused if the system stopped responding, crashed, or lost power unexpectedly.", "unclean_journal"),
            (b"kernel", b"ACPI: PM: Preparing to enter system sleep state S5", "shutdown_sequence"),
            (b"kernel", b"ACPI: Preparing to enter system sleep state S5", "shutdown_sequence"),
            (b"QEMU", b"KVM: entry failed, hardware error 0x80000021", "qemu_crashed"),
            (b"libvirtd", b"2023-06-01 10:00:00.000+0000: 900: error : qemuMonitorIO:578 : internal error: End of file from qemu monitor", "qemu_crashed"),
            (b"kernel", b"NETDEV WATCHDOG: eno1 (e1000e): transmit queue 0 timed out", "degraded"),
            (b"kernel", b"e1000e 0000:00:1f.6 eno1: Detected Hardware Unit Hang:", "degraded"),
            (b"kernel", b"JBD2: Error -5 detected when updating journal superblock for dm-1-8.", "fs_error"),
            (b"", b"qemu-system-x86_64: terminating on signal 15 from pid 4242 (/usr/sbin/libvirtd)", "qemu_terminated"),
            (b"", b"qemu-system-x86_64: terminating on signal 15", "qemu_terminated"),
            (b"", b"/usr/local/bin/drone: line 82:    48 Killed                  bundle install", "shell_killed"),
            (b"", b"Killed", "shell_killed"),
            (b"", b"info  - Creating an optimized production build .Killed", "shell_killed"),
            (b"", b"cpu0:2098206)ApeiHEST: 294: Error Event Severity: Fatal", "machine_check"),
            (b"", b"kvm: cannot set up guest memory 'pc.ram': Cannot allocate memory", "qemu_no_memory"),
            (b"", b"2020-10-20T17:47:47.443254Z qemu-system-x86_64: unable to map backing store for guest RAM: Cannot allocate memory", "qemu_no_memory"),
            (b"", b"qemu-system-x86_64: os_mem_prealloc: Insufficient free host memory pages available to allocate guest RAM", "qemu_no_memory"),
            (b"kernel", b"x86/split lock detection: #AC: qemu-system-x86/4185 took a split_lock trap at address: 0x699e4dc1", "hypervisor_notice"),
            (b"kernel", b"x86/split lock detection: #DB: qemu-system-x86/2917 took a bus_lock trap at address: 0x7f2b8a0f1d40", "hypervisor_notice"),
            (b"", b"Failed to allocate memory: Resource temporarily unavailable", "qemu_no_memory"),
            (b"", b"xc: error: panic: xc_dom_boot.c:122: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory", "qemu_no_memory"),
            (b"", b"failed to free memory for the domain", "qemu_no_memory"),
            (b"", b"2019-03-12 13:44:52,142+0100 INFO  (libvirt/events) [virt.vm] (vmId='4c9a3b4e-2fb1-4f61-9d4e-6b1d4a2c7f10') CPU stopped: onIOError (vm:6062)", "io_error_pause"),
            (b"status", b"io-error", "io_error_pause"),
            (b"qmpstatus", b"io-error", "io_error_pause"),
            (b"", b"2019-03-12 13:44:52,150+0100 INFO  (libvirt/events) [virt.vm] (vmId='4c9a3b4e-2fb1-4f61-9d4e-6b1d4a2c7f10') abnormal vm stop device ua-1b6f0e8c-7b2d-4d3e-9a55-0f3c2d1e6a77 error eio (vm:5042)", "io_error_pause"),
            (b"", b"c910f03c09k11: [c910f03c09k10]: Error: internal error: qemu unexpectedly closed the monitor: 2020-03-04T08:18:02.756831Z qemu-kvm: Failed to allocate KVM HPT of order 26 (try smaller maxmem?): Cannot allocate memory", "qemu_no_memory"),
            (b"", b"qemu-system-x86_64: failed to initialize kvm: Cannot allocate memory", "qemu_no_memory"),
            (b"", b"failed to initialize KVM: Cannot allocate memory", "qemu_no_memory"),
            (b"virt-launcher", b"Signaled graceful shutdown for testvmi-txhzt", "power_key"),
            (b"", b"{\"arguments\":{},\"execute\":\"guest-shutdown\"}", "power_key"),
            (b"", b"VM Paused due to IO error at the volume: disk-0", "io_error_pause"),
            (b"", b"VM Paused due to not enough space on volume: rootdisk", "io_error_pause"),
            (b"", b"rdmsr to register 0x684 on vcpu 1", "hypervisor_notice"),
            (b"", b"wrmsr to register 0x48(0x1) on vcpu 0", "hypervisor_notice"),
            (b"sel", b"Memory #0x88 | Uncorrectable ECC (CPU0_G1) | Asserted", "edac_uncorrected"),
            (b"sel", b"Memory #0x88 | Correctable ECC logging limit reached | Asserted", "edac_corrected"),
            (b"sel", b"Processor #0x04 | IERR | Asserted", "machine_check"),
            (b"", b"DIMM Failure - Uncorrectable Memory Error (Processor 2, DIMM 3)", "edac_uncorrected"),
            (b"", b"MEM0001: Multi-bit memory errors detected on a memory device at location(s) DIMM_A1.", "edac_uncorrected"),
            (b"", b"An Uncorrectable Error has been detected on DIMM 3 on Subsystem Memory.", "edac_uncorrected"),
            (b"", b"Corrected Memory Error threshold exceeded (Processor 1, Memory Module 4)", "edac_corrected"),
            (b"", b"MEM0701: Correctable memory error rate exceeded for DIMM_B3.", "edac_corrected"),
            (b"sel", b"Processor #0x04 | Thermal Trip | Asserted", "thermal_shutdown"),
            (b"sel", b"Power Unit #0x44 | Redundancy Lost | Asserted", "degraded"),
            (b"", b"LOG: Uncorrectable machine check exception (Board 0, Processor 1)", "machine_check"),
            (b"kernel", b"mce: [Hardware Error]: CPU 3: Machine Check: 0 Bank 8: cc00008000010090", "machine_check_notice"),
            (b"kernel", b"mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 4: be00000000800400", "machine_check"),
            (b"kernel", b"EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 (channel:1 slot:0 page:0x1 offset:0x0 grain:32 syndrome:0x0)", "edac_corrected"),
            (b"kernel", b"EDAC MC0: 1 UE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0", "edac_uncorrected"),
            (b"kernel", b"CPU0: Core temperature above threshold, cpu clock throttled (total events = 1)", "thermal_throttle"),
            (b"kernel", b"thermal thermal_zone4: critical temperature reached (128 C), shutting down", "thermal_shutdown"),
            (b"kernel", b"Critical temperature reached (100 C), shutting down", "thermal_shutdown"),
            (b"systemd-logind", b"Power key pressed short.", "power_key"),
            (b"systemd-logind", b"Power key pressed.", "power_key"),
            (b"systemd-logind", b"System is powering down.", "shutdown_sequence"),
            (b"systemd", b"Reached target poweroff.target - System Power Off.", "shutdown_sequence"),
            (b"systemd", b"Reached target Power-Off.", "shutdown_sequence"),
            (b"kernel", b"systemd[1]: Shutting down.", "shutdown_sequence"),
            (b"kernel", b"systemd-shutdown[1]: Syncing filesystems and block devices.", "shutdown_sequence"),
            (b"kernel", b"Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z) ()", "kernel_boot"),
            (b"systemd-journald", b"File /var/log/journal/0f2e/system.journal corrupted or uncleanly shut down, renaming and replacing.", "unclean_journal"),
            (b"kernel", b"Kernel panic - not syncing: Fatal exception", "kernel_panic"),
            // Get-WinEvent's row of a Windows guest's bug check, as pasted.
            (b"", "2/18/2025 9:36:27 AM          1001 Error            The computer has rebooted from a bugcheck.  The bugcheck was: 0x000000d1 (0x0000000000000010, 0x0000000000000002, 0x0000000000000000, 0xfffff8057a2c1d3e). A dump was saved in: C:\\Windows\\MEMORY.DMP.".as_bytes(), "kernel_panic"),
            (b"kernel", b"INFO: task kworker/u16:2:123 blocked for more than 120 seconds.", "hung_task"),
            (b"watchdog-mux", b"client watchdog expired - disable watchdog updates", "fencing"),
            (b"vzdump", b"INFO: Starting Backup of VM 101 (qemu)", "backup"),
            // `/var/log/pve/replicate/103-0`, the job id read as the identifier or not.
            (b"103-0", b"start replication job", "replication"),
            (b"systemd", b"postgresql@14-main.service: Failed with result 'exit-code'.", "service_failed"),
            (b"systemd", b"mysql.service: Main process exited, code=killed, status=9/KILL", "service_failed"),
            (b"", b"103-0: end replication job", "replication"),
            (b"", b"103-0: end replication job with error: command 'set -o pipefail && pvesm export local-zfs:vm-103-disk-1 zfs - -with-snapshots 1' failed: exit code 255", "replication"),
            (b"apt", b"Commandline: apt-get -y dist-upgrade", "package_upgrade"),
            (b"dpkg", b"status installed pve-manager:amd64 8.2.7", "package_upgrade"),
            (b"dockerd", b"Pulling fs layer", "large_transfer"),
        ] {
            let k = kinds(ident, Box::leak(msg.to_vec().into_boxed_slice()));
            assert!(k.iter().any(|k| k.name() == want), "{}: {k:?}", String::from_utf8_lossy(msg));
        }
        // An uncorrected error the processor survived (UC without PCC: `bc…` has bit 57 clear)
        // and a corrected one are not fatal.
        for line in [
            &b"mce: [Hardware Error]: CPU 2: Machine Check: 0 Bank 7: bc00000000010090"[..],
            b"mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 17: 9c2040000000011b",
        ] {
            assert!(
                !kinds(b"kernel", line).contains(&SignalKind::MachineCheckFatal),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // Boot-time registration of the power button is not a press.
        assert!(kinds(b"kernel", b"ACPI: button: Power Button [PWRF]").is_empty());
        // A service quoting the shutdown words is not systemd's sequence.
        assert!(kinds(b"myapp", b"System is powering down.").is_empty());
        assert!(matches!(
            one(b"vzdump", b"INFO: Finished Backup of VM 101 (00:12:34)"),
            SignalKind::Backup {
                phase: "end",
                vmid: Some(101)
            }
        ));
    }

    #[test]
    fn hung_tasks_and_segfaults_name_their_process() {
        let hung = |comm: &str, pid| SignalKind::HungTask {
            comm: Some(comm.into()),
            pid: Some(pid),
        };
        assert_eq!(
            one(
                b"kernel",
                b"INFO: task kvm:2613 blocked for more than 120 seconds."
            ),
            hung("kvm", 2613)
        );
        assert_eq!(
            one(
                b"kernel",
                b"INFO: task CPU 0/KVM:2650 blocked for more than 241 seconds."
            ),
            hung("CPU 0/KVM", 2650)
        );
        assert_eq!(
            one(
                b"kernel",
                b"task:kvm             state:D stack:0     pid:2613  ppid:1      flags:0x00004002"
            ),
            hung("kvm", 2613)
        );
        // Kernels since 6.6 print the thread group: the process a thread belongs to.
        assert_eq!(
            one(b"kernel", b"task:CPU 1/KVM       state:D stack:0     pid:2651  tgid:2613  ppid:1      flags:0x00004002"),
            hung("CPU 1/KVM", 2613)
        );
        // A task dump of running or sleeping tasks is no hung task.
        assert!(
            kinds(
                b"kernel",
                b"task:kvm             state:S stack:0     pid:2613  ppid:1      flags:0x00004002"
            )
            .is_empty()
        );
        assert_eq!(
            one(b"kernel", b"kvm[74541]: segfault at 0 ip 000055aec7deca87 sp 00007ffed953e900 error 4 in qemu-system-x86_64[55aec79c7000+5de000]"),
            SignalKind::QemuCrashed { pid: Some(74541) }
        );
        assert_eq!(
            one(b"kernel", b"traps: kvm[2911] general protection fault ip:5581a3b2c3d4 sp:7ffd2a1b3c40 error:0 in qemu-system-x86_64[5581a3400000+5e2000]"),
            SignalKind::QemuCrashed { pid: Some(2911) }
        );
        assert_eq!(
            one(b"QEMU", b"kvm: ../block/io.c:1926: bdrv_co_write_req_prepare: Assertion `child->perm & BLK_PERM_WRITE' failed."),
            SignalKind::QemuCrashed { pid: None }
        );
        assert_eq!(
            one(
                b"",
                b"2025-11-18 12:31:50.336+0000: shutting down, reason=crashed"
            ),
            SignalKind::QemuCrashed { pid: None }
        );
    }

    #[test]
    fn review_wordings() {
        // A user's own systemd instance at logout is not the system shutting down.
        let mut e = Event::new(
            RecordedTime::Missing,
            b"",
            1,
            0,
            b"Reached target shutdown.target - Shutdown.",
        );
        e.ident = Some(b"systemd");
        e.pid = Some(2100);
        assert!(signals_checked(&e).is_empty());
        e.pid = Some(1);
        assert_eq!(signals_checked(&e), vec![SignalKind::ShutdownSequence]);
        assert_eq!(
            one(b"kernel", b"reboot: Power down"),
            SignalKind::ShutdownSequence
        );
        assert_eq!(
            one(b"systemd-logind", b"Powering off..."),
            SignalKind::ShutdownSequence
        );
        assert_eq!(
            one(
                b"pve-ha-crm",
                b"node 'pve2': state changed from 'unknown' => 'fence'"
            ),
            SignalKind::Fencing { vmid: None }
        );
        assert_eq!(
            one(
                b"pve-ha-crm",
                b"service 'vm:501': state changed from 'started' to 'fence'"
            ),
            SignalKind::Fencing { vmid: Some(501) }
        );
        for (ident, msg) in [
            (&b"corosync"[..], &b"  [QUORUM] This node is within the non-primary component and will NOT provide any services."[..]),
            (b"corosync", b"  [KNET  ] link: host: 3 link: 0 is down"),
            (b"pve-ha-crm", b"ERROR: unable to open watchdog socket - No such file or directory"),
            (b"kernel", b"e1000e: eno1 NIC Link is Down"),
            (b"kernel", b"e1000 0000:00:03.0 enp0s3: Detected Tx Unit Hang"),
            (b"systemd-resolved", b"Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 10.40.0.53."),
            (b"sshd", b"error: getaddrinfo: Temporary failure in name resolution"),
            (b"kernel", b"ixgbe 0000:01:00.0 enp1s0f0: NIC Link is Down"),
        ] {
            assert_eq!(one(ident, msg), SignalKind::Degraded, "{}", String::from_utf8_lossy(msg));
        }
        // A failed service is trouble, and a service lost.
        assert_eq!(
            kinds(
                b"systemd",
                b"pve-ha-crm.service: Failed with result 'exit-code'."
            ),
            [
                SignalKind::Degraded,
                SignalKind::ServiceFailed {
                    unit: "pve-ha-crm".into()
                }
            ]
        );
        assert_eq!(
            one(
                b"kernel",
                b"watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:123]"
            ),
            SignalKind::HungTask {
                comm: None,
                pid: None
            }
        );
        assert_eq!(
            one(b"kernel", b"sd 2:0:0:0: [sdb] tag#9 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s"),
            SignalKind::BlockIoError { device: Some("sdb".into()) }
        );
        assert_eq!(
            one(b"kernel", b"nvme nvme0: I/O 123 QID 4 timeout, aborting"),
            SignalKind::BlockIoError {
                device: Some("nvme0".into())
            }
        );
        // LVM's autoextend trigger and a database's own counters are not storage failures.
        assert!(kinds(b"kernel", b"device-mapper: thin: 253:4: reached low water mark for data device: sending event.").is_empty());
        assert!(kinds(b"postgres", b"stats: io-error=0 reads=12").is_empty());
    }

    #[test]
    fn ordinary_lines_carry_no_signal() {
        for msg in [
            &b"pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"[..],
            b"status update time (5.108 seconds)",
        ] {
            let k = kinds(b"x", Box::leak(msg.to_vec().into_boxed_slice()));
            assert!(k.is_empty(), "{}: {k:?}", String::from_utf8_lossy(msg));
        }
    }

    #[test]
    fn vm_lifecycle_records_of_the_host_and_guest() {
        assert_eq!(
            one(b"kernel", b"vmbr0: port 2(tap101i0) entered disabled state"),
            SignalKind::VmNic { vmid: 101 }
        );
        assert_eq!(
            one(b"systemd", b"Started 101.scope."),
            SignalKind::ScopeStarted { vmid: 101 }
        );
        assert_eq!(
            one(b"vzdump", b"INFO: issuing guest-agent 'fs-freeze' command"),
            SignalKind::GuestAgentFreeze
        );
        assert_eq!(
            one(b"qemu-ga", b"info: guest-fsfreeze called"),
            SignalKind::GuestFsFreeze
        );
        // Debian 12's daily dpkg database backup timer is no package upgrade.
        assert!(
            kinds(
                b"systemd",
                b"Starting dpkg-db-backup.service - Daily dpkg database backup service..."
            )
            .is_empty()
        );
        // A word that merely contains "tap" names no VM.
        assert!(kinds(b"kernel", b"tapping the bridge").is_empty());
    }

    #[test]
    fn clock_steps_and_agent_shutdowns() {
        // chronyd on RHEL 8 and Debian (public logs), ntpd, ntpdate, systemd.
        assert_eq!(
            one(b"chronyd", b"System clock was stepped by 4.005564 seconds"),
            SignalKind::ClockStep {
                by_us: Some(4_005_564)
            }
        );
        assert_eq!(
            one(
                b"chronyd",
                b"System clock was stepped by -32400.283303 seconds"
            ),
            SignalKind::ClockStep {
                by_us: Some(-32_400_283_303)
            }
        );
        assert_eq!(
            one(b"ntpd", b"0.0.0.0 c61c 0c clock_step +3.123456 s"),
            SignalKind::ClockStep {
                by_us: Some(3_123_456)
            }
        );
        assert_eq!(
            one(
                b"ntpdate",
                b"step time server 192.168.0.1 offset -1.234567 sec"
            ),
            SignalKind::ClockStep {
                by_us: Some(-1_234_567)
            }
        );
        assert_eq!(
            one(b"systemd", b"Time has been changed"),
            SignalKind::ClockStep { by_us: None }
        );
        // Only the step itself, not chrony's estimate before it.
        assert!(kinds(b"chronyd", b"System clock wrong by 4.005564 seconds").is_empty());
        assert_eq!(
            one(b"qemu-ga", b"info: guest-shutdown called, mode: powerdown"),
            SignalKind::PowerKey
        );
    }

    #[test]
    fn an_operators_package_command() {
        for line in [
            &b"sudo yum update"[..],
            b"yum update",
            b"dnf -y upgrade",
            b"apt-get install -y qemu-guest-agent",
            b"sudo apt full-upgrade",
        ] {
            assert_eq!(
                one(b"shell", line),
                SignalKind::PackageUpgrade,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        assert!(kinds(b"shell", b"apt update").is_empty());
        assert!(kinds(b"shell", b"yum history").is_empty());
    }

    #[test]
    fn qmp_events_and_libvirts_end_of_a_domain() {
        // multipassd's debug log of QMP events, as posted in canonical/multipass#2531.
        assert_eq!(
            one(b"", br#"[debug] [current-pewee] QMP: {"timestamp": {"seconds": 1650385233, "microseconds": 141876}, "event": "POWERDOWN"}"#),
            SignalKind::OrderlyStop {
                by: StopBy::Host,
                hard: false,
                vmid: None
            }
        );
        assert_eq!(
            one(b"", br#"[debug] [current-pewee] QMP: {"timestamp": {"seconds": 1650385237, "microseconds": 121608}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}"#),
            SignalKind::OrderlyStop {
                by: StopBy::Guest,
                hard: false,
                vmid: None
            }
        );
        assert_eq!(
            one(b"", br#"QMP: {"timestamp": {"seconds": 1650385237, "microseconds": 1}, "event": "GUEST_PANICKED", "data": {"action": "pause"}}"#),
            SignalKind::GuestPanicked
        );
        assert!(
            kinds(
                b"",
                br#"QMP: {"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-signal"}}"#
            )
            .is_empty()
        );
        assert_eq!(
            one(
                b"",
                b"2023-03-01 10:12:44.123+0000: shutting down, reason=shutdown"
            ),
            SignalKind::OrderlyStop {
                by: StopBy::Guest,
                hard: false,
                vmid: None
            }
        );
        // `virsh destroy`: a hard stop asked of libvirt; a migration or a save stopped nothing.
        assert_eq!(
            one(
                b"",
                b"2023-03-01 10:12:44.123+0000: shutting down, reason=destroyed"
            ),
            SignalKind::OrderlyStop {
                by: StopBy::Host,
                hard: true,
                vmid: None
            }
        );
        for line in [
            &b"2023-03-01 10:12:44.123+0000: shutting down, reason=migrated"[..],
            b"2023-03-01 10:12:44.123+0000: shutting down, reason=saved",
        ] {
            assert!(kinds(b"", line).is_empty());
        }
    }

    #[test]
    fn memory_the_hypervisor_or_the_kernel_could_not_find() {
        // Xen (xen-orchestra#10226, QubesOS/qubes-issues#4135), as posted.
        assert_eq!(
            one(b"xen", b"p2m_pod_demand_populate: Dom124 out of PoD memory! (tot=1049115 ents=3145696 dom0)"),
            SignalKind::QemuNoMemory { starting: false }
        );
        assert_eq!(
            one(
                b"",
                b"kvm: cannot set up guest memory 'pc.ram': Cannot allocate memory"
            ),
            SignalKind::QemuNoMemory { starting: true }
        );
        // A 128 MB QEMU guest's console (krabs#8), as posted.
        assert_eq!(
            one(b"", b"Out of memory and no killable processes..."),
            SignalKind::OomNoVictim
        );
        let k = kinds(
            b"kernel",
            b"Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled",
        );
        assert!(k.contains(&SignalKind::OomPanic), "{k:?}");
        // apcupsd's event, and an application announcing its own shutdown.
        assert!(matches!(
            one(b"apcupsd", b"Initiating system shutdown!"),
            SignalKind::OrderlyStop {
                by: StopBy::Ups,
                ..
            }
        ));
        assert!(kinds(b"myapp", b"Initiating system shutdown of worker pool").is_empty());
        assert!(matches!(
            one(b"upsmon", b"Signal 12: User requested FSD"),
            SignalKind::OrderlyStop {
                by: StopBy::Ups,
                ..
            }
        ));
        let k = kinds(
            b"",
            b"Kernel panic - not syncing: System is deadlocked on memory",
        );
        assert!(
            k.contains(&SignalKind::OomPanic) && k.contains(&SignalKind::KernelPanic),
            "{k:?}"
        );
        // A UPS monitor's orderly shutdown (NUT's upsmon, as posted in IceWhaleTech/ZimaOS#588).
        assert_eq!(
            one(b"nut-monitor", b"Executing automatic power-fail shutdown"),
            SignalKind::OrderlyStop {
                by: StopBy::Ups,
                hard: false,
                vmid: None
            }
        );
    }

    #[test]
    fn wordings_of_other_tools_and_older_systems() {
        let table: &[(&[u8], &[u8], SignalKind)] = &[
            (b"systemd-oomd", b"Killed /system.slice/qemu.slice/101.scope due to memory pressure for /system.slice being 82.13% > 50.00% for > 20s with reclaim activity", SignalKind::ScopeOomKilled { vmid: 101 }),
            (b"systemd-oomd", b"Killed /user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope due to memory pressure for /user.slice/user-1000.slice/user@1000.service being 58.43% > 50.00% for > 20s with reclaim activity", SignalKind::OomKilled { pid: None, comm: "app-gnome-firefox-4242.scope".into(), anon_rss_kb: None, memcg: false }),
            (b"systemd-oomd", b"Killed /system.slice/postgresql.service due to swap used (91.24%) being more than 90.00%", SignalKind::UnitOomKilled { unit: "postgresql".into() }),
            (b"systemd", b"copr-dist-git.service: systemd-oomd killed 1 process(es) in this unit.", SignalKind::UnitOomKilled { unit: "copr-dist-git".into() }),
            (b"systemd", b"copr-dist-git.service: Failed with result 'oom-kill'.", SignalKind::UnitOomKilled { unit: "copr-dist-git".into() }),
            (b"earlyoom", br#"sending SIGTERM to process 2345 uid 0 "kvm": badness 900, VmRSS 16000 MiB"#, SignalKind::OomKilled { pid: Some(2345), comm: "kvm".into(), anon_rss_kb: Some(16_384_000), memcg: false }),
            (b"earlyoom", br#"sending SIGKILL to process 812 "qemu-system-x86": badness 870, VmRSS 7710 MiB"#, SignalKind::OomKilled { pid: Some(812), comm: "qemu-system-x86".into(), anon_rss_kb: Some(7_895_040), memcg: false }),
            (b"kernel", b"XFS (dm-3): Log I/O Error (0x2) detected at xlog_ioend_work+0x6e/0x70 [xfs] (fs/xfs/xfs_log.c:1378).  Shutting down filesystem.", SignalKind::FsError),
            (b"kernel", b"WARNING: Pool 'rpool' has encountered an uncorrectable I/O failure and has been suspended.", SignalKind::ZfsSuspended),
            (b"zed", b"eid=42 class=statechange pool='rpool' vdev=ata-ST4000-part3 vdev_state=FAULTED", SignalKind::ZfsError),
            (b"ceph-mon", b"cluster [ERR] Health check failed: 1 full osd(s) (OSD_FULL)", SignalKind::NoSpace),
            (b"kernel", b"{1}[Hardware Error]: event severity: fatal", SignalKind::MachineCheck),
            (b"kernel", b"NMI: PCI system error (SERR) for reason a1 on CPU 0.", SignalKind::PcieError { fatal: true }),
            (b"kernel", b"NMI: IOCK error (debug interrupt?) for reason 71 on CPU 0.", SignalKind::PcieError { fatal: true }),
            (b"shutdown", b"shutting down for system halt", SignalKind::ShutdownSequence),
            (b"init", b"Switching to runlevel: 6", SignalKind::ShutdownSequence),
            (b"kernel", b"Uhhuh. NMI received for unknown reason 3d on CPU 0.", SignalKind::MachineCheckNotice),
            (b"kernel", b"nfs: server 192.168.1.10 not responding, still trying", SignalKind::StorageUnreachable),
            (b"kernel", b"nfs: server nas.lan not responding, timed out", SignalKind::StorageUnreachable),
            (b"multipathd", b"mpatha: remaining active paths: 0", SignalKind::StorageUnreachable),
            (b"kernel", b"nvme nvme0: controller is down; will reset: CSTS=0xffffffff, PCI_STATUS=0xffff", SignalKind::StorageUnreachable),
            (b"kernel", b"nvme nvme0: Removing after probe failure status: -19", SignalKind::StorageUnreachable),
            (b"kernel", b"Dazed and confused, but trying to continue", SignalKind::MachineCheckNotice),
        ];
        for (ident, line, want) in table {
            let got = kinds(ident, line);
            assert!(
                got.contains(want),
                "{}: {got:?}",
                String::from_utf8_lossy(line)
            );
        }
        // What these words do not say.
        for (ident, line) in [
            (
                &b"ceph-mon"[..],
                &b"cluster [INF] Health check cleared: OSD_FULL (was: 1 full osd(s))"[..],
            ),
            (
                b"ceph-mon",
                b"cluster [WRN] Health check failed: 1 nearfull osd(s) (OSD_NEARFULL)",
            ),
            (
                b"zed",
                b"eid=7 class=statechange pool='rpool' vdev=ata-ST4000-part3 vdev_state=ONLINE",
            ),
            (b"kernel", b"{1}[Hardware Error]: event severity: corrected"),
            (b"init", b"Switching to runlevel: 2"),
            (b"kernel", b"nfs: server 192.168.1.10 OK"),
            (b"multipathd", b"mpatha: remaining active paths: 1"),
            (b"myapp", b"shutting down for system halt"),
            (b"myapp", b"Killed /tmp/x due to memory pressure"),
        ] {
            let got = kinds(ident, line);
            assert!(
                !got.iter().any(|k| matches!(
                    k,
                    SignalKind::NoSpace
                        | SignalKind::StorageUnreachable
                        | SignalKind::ZfsError
                        | SignalKind::ZfsSuspended
                        | SignalKind::MachineCheck
                        | SignalKind::ShutdownSequence
                        | SignalKind::OomKilled { .. }
                )),
                "{}: {got:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn a_replication_run_names_its_guest() {
        assert_eq!(
            kinds(b"103-0", b"start replication job"),
            [SignalKind::Replication {
                phase: "start",
                vmid: Some(103)
            }]
        );
        assert_eq!(
            kinds(b"", b"103-0: end replication job"),
            [SignalKind::Replication {
                phase: "end",
                vmid: Some(103)
            }]
        );
        assert!(kinds(b"", b"we will start replication job soon").is_empty());
    }

    #[test]
    fn a_backup_that_failed() {
        // A PBS backup of VM 111 whose QMP command timed out (REFERENCE.md §10), as the task
        // log, the per-VM log and the syslog copy write it; then the job's summary.
        for (ident, line) in [
            (
                &b""[..],
                &b"ERROR: Backup of VM 111 failed - VM 111 qmp command 'backup' failed - got timeout"[..],
            ),
            (
                b"vzdump",
                b"ERROR: Backup of VM 101 failed - unable to open file '/var/lib/vz/dump/vzdump-qemu-101-2024_01_01-01_00_00.vma.dat' - No space left on device",
            ),
        ] {
            let got = kinds(ident, line);
            assert!(
                got.iter()
                    .any(|k| matches!(k, SignalKind::BackupFailed { vmid: Some(_) })),
                "{got:?}"
            );
        }
        assert_eq!(
            kinds(b"vzdump", b"INFO: Backup job finished with errors"),
            [
                SignalKind::BackupFailed { vmid: None },
                SignalKind::Backup {
                    phase: "end",
                    vmid: None
                }
            ]
        );
        assert!(
            !kinds(b"vzdump", b"INFO: Backup job finished successfully")
                .iter()
                .any(|k| matches!(k, SignalKind::BackupFailed { .. }))
        );
    }

    #[test]
    fn a_proxmox_shutdown_task_that_failed_or_forced_the_stop() {
        for line in [
            &b"TASK ERROR: VM quit/powerdown failed"[..],
            b"`TASK ERROR: VM quit/powerdown failed`",
            b"TASK ERROR: VM quit/powerdown failed - got timeout",
        ] {
            assert_eq!(
                kinds(b"", line),
                [SignalKind::StopFailed],
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        for line in [
            &b"VM quit/powerdown failed - terminating now with SIGTERM"[..],
            b"VM still running - terminating now with SIGTERM",
        ] {
            assert_eq!(
                kinds(b"", line),
                [SignalKind::OrderlyStop {
                    by: StopBy::Host,
                    hard: true,
                    vmid: None
                }],
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn vdsm_pausing_a_vm_on_a_full_disk_is_both_a_pause_and_no_space() {
        let got = kinds(b"", b"2019-03-12 13:44:52,150+0100 INFO  (libvirt/events) [virt.vm] (vmId='4c9a3b4e-2fb1-4f61-9d4e-6b1d4a2c7f10') abnormal vm stop device ua-1b6f0e8c-7b2d-4d3e-9a55-0f3c2d1e6a77 error enospc (vm:5042)");
        assert!(got.contains(&SignalKind::IoErrorPause), "{got:?}");
        assert!(got.contains(&SignalKind::NoSpace), "{got:?}");
    }

    #[test]
    fn lxd_stopping_instances_and_a_silent_guest_agent() {
        // As posted in lxc/lxd#4193.
        assert_eq!(
            one(b"", br#"action=shutdown created=2018-01-11T21:10:03+0000 ephemeral=false lvl=info msg="Shutting down container" name=container01 t=2018-01-20T21:16:58+0000 timeout=30s used=2018-01-20T12:11:09+0000"#),
            SignalKind::OrderlyStop { by: StopBy::Host, hard: false, vmid: None }
        );
        assert_eq!(
            one(b"", br#"time="2024-03-01T10:00:00Z" level=info msg="Stopping instance" instance=c1 project=default"#),
            SignalKind::OrderlyStop { by: StopBy::Host, hard: false, vmid: None }
        );
        // As posted in a Proxmox host's journal (proxmox-ip2tag#2).
        assert_eq!(
            one(
                b"qm",
                b"VM 115 qmp command failed - VM 115 qmp command 'guest-ping' failed - got timeout"
            ),
            SignalKind::HypervisorNotice
        );
        // A freeze left unanswered is no harmless notice: the guest may stay frozen.
        assert_eq!(
            one(b"pvedaemon", b"VM 101 qmp command failed - VM 101 qmp command 'guest-fsfreeze-freeze' failed - got timeout"),
            SignalKind::FreezeTimeout { vmid: Some(101) }
        );
        // LXD's text log (canonical/lxd#14816), as posted.
        assert_eq!(
            one(b"", b"DEBUG  [2025-01-16T12:12:33Z] Shutdown request sent to instance             instance=win11test instanceType=virtual-machine project=default"),
            SignalKind::OrderlyStop { by: StopBy::Host, hard: false, vmid: None }
        );
        // Incus's monitor (`incus monitor --pretty`), as posted in lxc/incus#3261.
        assert_eq!(
            one(b"", b"DEBUG  [2026-04-30T10:47:51Z] [d1-dom0.sstdc] Shutdown started              instance=zrelay-ix-5e15a4 instanceType=virtual-machine project=default timeout=10m0s"),
            SignalKind::OrderlyStop { by: StopBy::Host, hard: false, vmid: None }
        );
        assert!(kinds(b"", b"Shutdown started by user request").is_empty());
        // Only LXD's own lines: a Go tool's `Stopping container` names no instance action.
        assert!(kinds(b"", br#"level=info msg="Stopping container" id=3f2a"#).is_empty());
        assert_eq!(
            one(
                b"kernel",
                b"pcieport 0000:00:01.0: AER: Device recovery successful"
            ),
            SignalKind::PcieRecovered
        );
    }

    #[test]
    fn orderly_stops_by_an_operator_or_the_host() {
        for (line, vmid) in [
            (&b"qm shutdown 101"[..], Some(101)),
            (b"sudo pct stop 105", Some(105)),
            (b"virsh destroy web01", None),
            (b"multipass stop cka", None),
            (b"lxc stop c1", None),
            (b"virtctl stop testvm", None),
            (b"kubectl delete vmi testvmi", None),
            (b"shutdown -h now", None),
            (b"poweroff", None),
        ] {
            assert!(
                matches!(
                    one(b"shell", line),
                    SignalKind::OrderlyStop { by: StopBy::Operator, vmid: v, .. } if v == vmid
                ),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // A hard stop pulls the plug; `shutdown -c` cancels one.
        assert_eq!(
            one(b"shell", b"qm stop 101"),
            SignalKind::OrderlyStop {
                by: StopBy::Operator,
                hard: true,
                vmid: Some(101)
            }
        );
        assert_eq!(
            one(b"shell", b"qm shutdown 101"),
            SignalKind::OrderlyStop {
                by: StopBy::Operator,
                hard: false,
                vmid: Some(101)
            }
        );
        assert!(matches!(
            one(b"shell", b"virsh destroy web01"),
            SignalKind::OrderlyStop { hard: true, .. }
        ));
        assert!(kinds(b"shell", b"shutdown -c").is_empty());
        assert!(kinds(b"shell", b"qm stop --help").is_empty());
        // A package command is an operator's only at a prompt.
        assert!(kinds(b"cron", b"apt-get install -y foo").is_empty());
        // The same words in a log message are no command.
        assert!(kinds(b"pvedaemon", b"qm shutdown 101").is_empty());
        assert!(kinds(b"shell", b"qm list").is_empty());
        assert!(kinds(b"shell", b"virsh list --all").is_empty());
        // A Debian host stopping its LXC containers (lxc/lxc#2081), as posted; Proxmox VE's
        // guests at a host shutdown; systemd 250's wording.
        for line in [
            &b"Stopping LXC Container Initialization and Autoboot Code..."[..],
            b"Stopping PVE guests...",
            b"Stopping pve-guests.service - PVE guests...",
            b"Stopping Suspend/Resume Running libvirt Guests...",
        ] {
            assert_eq!(
                one(b"systemd", line),
                SignalKind::OrderlyStop {
                    by: StopBy::Host,
                    hard: false,
                    vmid: None
                },
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn a_services_oom_kill_and_a_bmcs_uncorrectable_ecc_event() {
        // A Fedora droplet's journal (nodejs/node#38622), as posted.
        assert_eq!(
            one(
                b"systemd",
                b"jenkins.service: A process of this unit has been killed by the OOM killer."
            ),
            SignalKind::UnitOomKilled {
                unit: "jenkins".into()
            }
        );
        // A Supermicro BMC's health event (openstreetmap/operations#1364), as posted.
        assert_eq!(
            one(
                b"",
                b"Uncorrectable ECC / other uncorrectable memory error @P2-DIMMH2(CPU2) - Assertion"
            ),
            SignalKind::EdacUncorrected
        );
        assert!(
            kinds(
                b"",
                b"Uncorrectable ECC / other uncorrectable memory error @P2-DIMMH2(CPU2) - Deassertion"
            )
            .is_empty()
        );
    }

    #[test]
    fn pcie_errors_and_hypervisor_notices() {
        // A Proxmox VE 9 host's journal (kernel 7.0, `Correctable` wording), as posted.
        for line in [
            &b"pcieport 0000:80:1b.4: AER: Multiple Correctable error message received from 0000:80:1b.4"[..],
            b"pcieport 0000:80:1b.4: PCIe Bus Error: severity=Correctable, type=Transaction Layer, (Receiver ID)",
            b"pcieport 0000:80:1b.4: AER: Multiple Uncorrectable (Non-Fatal) error message received from 0000:80:1b.4",
            // The wording of kernels 3.x to 5.x (`aer_error_severity_string`).
            b"pcieport 0000:00:1c.0: AER: Corrected error received: id=00e0",
            b"pcieport 0000:00:1c.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, id=00e0(Receiver ID)",
            b"pcieport 0000:00:03.0: AER: Uncorrected (Non-Fatal) error received: 0000:03:00.0",
        ] {
            assert_eq!(
                one(b"kernel", line),
                SignalKind::PcieError { fatal: false },
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        for line in [
            &b"pcieport 0000:00:03.0: AER: Uncorrected (Fatal) error received: 0000:03:00.0"[..],
            b"nvidia 0000:03:00.0: PCIe Bus Error: severity=Uncorrected (Fatal), type=Transaction Layer, (Requester ID)",
            b"pcieport 0000:00:01.0: AER: Multiple Uncorrectable (Fatal) error message received from 0000:01:00.0",
        ] {
            assert_eq!(
                one(b"kernel", line),
                SignalKind::PcieError { fatal: true },
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // The detail lines after the header are not errors of their own.
        assert!(kinds(b"kernel", b"pcieport 0000:80:1b.4:    [15] HeaderOF").is_empty());
        assert!(kinds(b"kernel", b"aer_ratelimit: 110 callbacks suppressed").is_empty());
        assert!(
            kinds(
                b"kernel",
                b"pcieport 0000:00:1c.0: AER: enabled with IRQ 122"
            )
            .is_empty()
        );
        for line in [
            &b"kvm [12633]: vcpu0 unhandled rdmsr: 0x1c9"[..],
            b"kvm [2471]: vcpu1, guest rIP: 0xffffffff8106b7e4 ignored rdmsr: 0x140 data 0x0",
            b"kvm: [ID 391722 kern.info] unhandled wrmsr: 0x0 data 0",
            b"xen_acpi_processor: (CX): Hypervisor error (-14) for ACPI CPU 5",
            b"xen_acpi_processor: (PX): Hypervisor error (-19) for ACPI CPU0",
        ] {
            assert_eq!(
                one(b"kernel", line),
                SignalKind::HypervisorNotice,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // A pasted line whose driver name was read as its identifier (Qubes OS dom0 console).
        assert_eq!(
            one(
                b"xen_acpi_processor",
                b"(CX): Hypervisor error (-14) for ACPI CPU 5"
            ),
            SignalKind::HypervisorNotice
        );
    }

    /// Every row's literals are required: each sample line a pattern matches holds one of them,
    /// so the prefilter never hides a match. The compiled prefilter is checked too: every
    /// literal matches itself, and every sample line (here and in every other test of
    /// this module, through `signals_checked`) gets the same signals without the prefilter.
    /// `tests/prefilter.rs` checks the same on every corpus, whole bundles diagnosed both ways.
    #[test]
    fn every_match_holds_one_of_its_rows_literals() {
        let samples: &[&str] = &[
            "kvm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0",
            "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=ns,mems_allowed=0,global_oom,task_memcg=/qemu.slice/101.scope,task=kvm,pid=32969,uid=0",
            "Out of memory: Killed process 32969 (kvm) total-vm:17339840kB, anon-rss:15797740kB",
            "Killed process 1234 (kvm) total-vm:8421112kB, anon-rss:4194304kB",
            "101.scope: A process of this unit has been killed by the OOM killer.",
            "System clock was stepped by -1.707730 seconds",
            "0.0.0.0 c61c 0c clock_step +3.123456 s",
            "Time has been changed",
            "info: guest-shutdown called, mode: powerdown",
            "101.scope: Failed with result 'oom-kill'.",
            "102.scope: Deactivated successfully.",
            "103.scope: Failed with result 'signal'.",
            "<root@pam> starting task UPID:pve1:00003E8A:0089F2A1:68889C04:qmstart:101:root@pam:",
            "<root@pam> end task UPID:pve:000079D3:00083FE1:654BDC03:qmshutdown:103:root@pam: OK",
            "UPID:pve:000079D3:00083FE1:654BDC03:qmstart:101:root@pam:",
            "UPID:pve:000079D3:00083FE1:654BDC03:vncproxy:103:root@pam: 654BE017 OK",
            "Started 101.scope.",
            "vmbr0: port 2(tap101i0) entered disabled state",
            "INFO: issuing guest-agent 'fs-freeze' command",
            "info: guest-fsfreeze called",
            "VM 101 qmp command failed - VM 101 not running",
            "kvm: block I/O error in device 'drive-scsi0': No space left on device (28)",
            "I/O error, dev sda, sector 123456 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2",
            "Buffer I/O error on dev dm-999, logical block 123, lost async page write",
            "nvme0n1: I/O Cmd(0x2) @ LBA 12345, 8 blocks, I/O Error (sct 0x2 / sc 0x81)",
            "ata1.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x0",
            "sd 2:0:0:0: [sdb] tag#9 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s",
            "nvme nvme0: I/O 123 QID 4 timeout, aborting",
            "EXT4-fs error (device dm-1): ext4_find_entry:1580: inode #2: comm systemd: reading directory lblock 0",
            "EXT4-fs (dm-1): Remounting filesystem read-only",
            "XFS (dm-0): metadata I/O error in \"xfs_buf_ioend+0x1a0/0x3c0 [xfs]\" at daddr 0x1 len 8 error 5",
            "device-mapper: thin: 253:4: switching pool to out-of-data-space (queue IO) mode",
            "WARNING: Pool zpool 'rpool' has encountered an uncorrectable I/O failure and has been suspended.",
            "mce: [Hardware Error]: Machine check events logged",
            "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0",
            "EDAC MC0: 1 UE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0",
            "CPU0: Core temperature above threshold, cpu clock throttled (total events = 1)",
            "thermal thermal_zone4: critical temperature reached (128 C), shutting down",
            "Critical temperature reached (100 C), shutting down",
            "Power key pressed short.",
            "System is powering down.",
            "Reached target poweroff.target - System Power Off.",
            "reboot: Power down",
            "Linux version 6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP",
            "File /var/log/journal/0f2e/system.journal corrupted or uncleanly shut down, renaming and replacing.",
            "Kernel panic - not syncing: Fatal exception",
            "INFO: task kworker/u16:2:123 blocked for more than 120 seconds.",
            "watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:123]",
            "client watchdog expired - disable watchdog updates",
            "node 'pve2': state changed from 'unknown' => 'fence'",
            "Commandline: apt-get -y dist-upgrade",
            "status installed pve-manager:amd64 8.2.7",
            "INFO: Starting Backup of VM 101 (qemu)",
            "Pulling fs layer",
        ];
        let regexes: Vec<Regex> = TABLE.iter().map(|r| Regex::new(r.regex).unwrap()).collect();
        let mut matched_rows = 0;
        for line in samples {
            let mut e = Event::new(RecordedTime::Missing, b"", 1, 0, line.as_bytes());
            e.ident = Some(b"kernel");
            signals_checked(&e);
            for (row, re) in TABLE.iter().zip(&regexes) {
                if re.is_match(line.as_bytes()) {
                    matched_rows += 1;
                    assert!(
                        row.literals.iter().any(|l| line.contains(l)),
                        "{:?} matched {line:?} without one of its literals {:?}",
                        row.pat,
                        row.literals
                    );
                }
            }
        }
        assert!(matched_rows >= samples.len());
        // Every row has literals, and the list the prefilter is built from holds them all.
        let all = required_literals();
        for row in TABLE {
            assert!(!row.literals.is_empty(), "{:?}", row.pat);
            assert!(row.literals.iter().all(|l| all.contains(l)));
        }
        // The prefilter is compiled from them: each literal, and each inside other text, matches
        // as itself.
        let prefilter = Matcher::shared()
            .prefilter
            .as_ref()
            .expect("the shared matcher filters");
        for lit in &all {
            for text in [lit.to_string(), format!("x {lit} y")] {
                assert!(prefilter.is_match(text.as_bytes()), "{lit:?} in {text:?}");
            }
        }
        assert!(Matcher::shared_unfiltered().prefilter.is_none());
    }

    #[test]
    fn oom_wordings_of_old_kernels_containers_and_other_vmms() {
        assert_eq!(
            one(b"kernel", b"CPU 2/KVM invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=872"),
            SignalKind::OomInvoked { invoker: "CPU 2/KVM".into() }
        );
        // 2.6 kernels: no colon after the word.
        assert_eq!(
            one(
                b"kernel",
                b"mysqld invoked oom-killer, gfp_mask=0x201da, order=0, oomkilladj=0"
            ),
            SignalKind::OomInvoked {
                invoker: "mysqld".into()
            }
        );
        assert_eq!(
            one(
                b"kernel",
                b"Out of memory: Kill process 6643 (mysqld) score 375 or sacrifice child"
            ),
            SignalKind::OomKilled {
                pid: Some(6643),
                comm: "mysqld".into(),
                anon_rss_kb: None,
                memcg: false
            }
        );
        assert!(matches!(
            one(b"kernel", b"Memory cgroup out of memory: Killed process (php-fpm) total-vm:912340kB, anon-rss:501234kB, file-rss:0kB"),
            SignalKind::OomKilled { pid: None, memcg: true, .. }
        ));
        // A Proxmox container's cgroup names its CTID.
        assert_eq!(
            one(b"kernel", b"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=pulse.service,mems_allowed=0,oom_memcg=/lxc/703/ns/system.slice/pulse.service,task_memcg=/lxc/703/ns/system.slice/pulse.service,task=pulse,pid=3783517,uid=100999"),
            SignalKind::OomConstraint { vmid: Some(703), task: Some("pulse".into()), pid: Some(3_783_517), global: false, vm_scope: false }
        );
        // Kernels before 4.19: the memory cgroup's report names the task's cgroup and the one
        // whose limit was reached (an LXD container's, as posted; a Proxmox container's).
        assert_eq!(
            one(b"kernel", b"Task in /lxc.payload/tryit-select/system.slice/lxd.service killed as a result of limit of /lxc.payload/tryit-select"),
            SignalKind::OomConstraint { vmid: None, task: None, pid: None, global: false, vm_scope: false }
        );
        assert_eq!(
            one(b"kernel", b"Task in /lxc/105/ns/system.slice/mariadb.service killed as a result of limit of /lxc/105"),
            SignalKind::OomConstraint { vmid: Some(105), task: None, pid: None, global: false, vm_scope: false }
        );
        assert_eq!(
            one(b"kernel", b"Task in /qemu.slice/101.scope killed as a result of limit of /qemu.slice/101.scope"),
            SignalKind::OomConstraint { vmid: Some(101), task: None, pid: None, global: false, vm_scope: true }
        );
        assert!(matches!(
            one(b"kernel", b"Out of memory: Killed process 3120 (firecracker) total-vm:4202960kB, anon-rss:4175940kB, file-rss:0kB, shmem-rss:4kB, UID:0 pgtables:8240kB oom_score_adj:0"),
            SignalKind::OomKilled { pid: Some(3120), .. }
        ));
    }
}
