//! resource_intensive_operation: memory ran out while a named activity was running — a backup
//! or a storage replication started and not finished, a migration, restore, clone or disk move,
//! or (in the hour before) a package upgrade or a large transfer on the host or inside the
//! killed VM. A transfer a Proxmox VE task logged (a live migration's `transferred …`) ran
//! while its task ran: once the task ended before the kill, it was not running at it.
//!
//! Without memory running out: a backup's freeze through the guest agent left unanswered
//! ([`freeze_hang`]) hangs the guest, and the stop that followed is the backup's doing; a
//! backup running while its storage stopped answering starved it
//! ([`backup_starved_storage`]).

use chrono::Duration;

use super::context::{Context, find, finding};
use super::{Family, Finding, Outcome};
use crate::event::Role;
use crate::index::Entry;
use crate::signals::SignalKind;

/// How far before a kill an activity counts as running.
const ACTIVITY_WINDOW_H: i64 = 2;

/// What activity a process name is, when it is one: the OOM killer's victim or the task that
/// invoked it being a dump, a backup, an import, a copy, an upgrade or a build says what drove
/// memory out.
pub fn activity_of_process(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let n = n.rsplit('/').next().unwrap_or(&n);
    let is = |names: &[&str]| names.contains(&n);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|x| n.starts_with(x));
    Some(
        if is(&[
            "mysqldump",
            "mariadb-dump",
            "mydumper",
            "myloader",
            "pg_dump",
            "pg_dumpall",
            "pg_restore",
            "pg_basebackup",
            "xtrabackup",
            "mariabackup",
            "restic",
            "borg",
            "vzdump",
            "duplicity",
            "rsnapshot",
            "mongodump",
            "mongorestore",
        ]) || starts(&["clickhouse-back", "proxmox-backup", "pbs-", "vma"])
        {
            "a backup or dump"
        } else if is(&[
            "qemu-img", "rsync", "dd", "cp", "scp", "rclone", "wget", "curl", "skopeo",
        ]) {
            "an import, copy or transfer"
        } else if is(&[
            "apt",
            "apt-get",
            "aptitude",
            "dpkg",
            "unattended-upgr",
            "dnf",
            "yum",
            "zypper",
            "packagekitd",
            "rpm",
        ]) || starts(&["qubes-dom0-upd"])
        {
            "a package upgrade"
        } else if is(&[
            "cc1", "cc1plus", "ld", "rustc", "cargo", "gradle", "mvn", "npm", "yarn", "grunt",
            "webpack", "bundle", "pip", "go", "javac", "fakeroot",
        ]) {
            "a build"
        } else {
            return None;
        },
    )
}

/// The processes the OOM killer killed, and those that invoked it, that are activities.
fn oom_processes<'a>(f: &Context<'a>) -> Vec<(&'a Entry, String)> {
    f.signals()
        .filter_map(|s| {
            let (name, role) = match &s.kind {
                SignalKind::OomKilled { comm, .. } => (comm.as_str(), "killed"),
                SignalKind::OomInvoked { invoker } => (invoker.as_str(), "ran out of memory"),
                SignalKind::ShellKilled { program } => (program.as_str(), "killed"),
                _ => return None,
            };
            let what = activity_of_process(name)?;
            Some((s, format!("{what} ({name} {role})")))
        })
        .collect()
}

/// resource_intensive_operation: memory ran out while a named activity was running: the
/// OOM killer's victim or invoker is the activity, or an activity was logged before the kill
/// (within the window when both are dated; anywhere in a fragment without times).
pub fn activity(f: &Context<'_>, memory: &Finding) -> Option<Finding> {
    if memory.indirect_only {
        return None;
    }
    let mut running: Vec<(&Entry, String)> = oom_processes(f);
    let kill = memory.time;
    // The hosts whose memory ran out: the machines of the memory finding's host records. In a
    // cluster, a transfer or upgrade on another node used none of that node's memory.
    let cited: Vec<usize> = memory
        .cites
        .iter()
        .filter_map(|c| match c.cite {
            crate::event::Cite::Event { source, .. } => Some(source),
            _ => None,
        })
        .collect();
    let kill_hosts: std::collections::BTreeSet<u32> = f
        .signals()
        .filter(|s| s.role == Role::Host && cited.contains(&(s.source as usize)))
        .map(|s| s.machine)
        .collect();
    let on_kill_host = |s: &Entry| {
        s.role != Role::Host || kill_hosts.is_empty() || kill_hosts.contains(&s.machine)
    };
    let in_window = |s: &Entry| match (f.time(s), kill) {
        (Some(t), Some(kill)) => t >= kill - Duration::hours(ACTIVITY_WINDOW_H) && t <= kill,
        // Undated: a pasted fragment, read as one episode.
        _ => true,
    };
    for s in f.signals().filter(|s| in_window(s)) {
        let what =
            match &s.kind {
                SignalKind::Backup {
                    phase: "start",
                    vmid,
                } => {
                    // Still running at the kill: no end of the same backup before it.
                    let ended = f
                        .time(s)
                        .zip(kill)
                        .is_some_and(|(start, kill)| f.backup_ended_between(*vmid, start, kill));
                    if ended {
                        continue;
                    }
                    match vmid {
                        Some(v) => format!("a backup of VM {v} (vzdump)"),
                        None => "a backup job".to_string(),
                    }
                }
                SignalKind::Replication {
                    phase: "start",
                    vmid,
                } => {
                    // Still running at the kill: no end of the same job's run before it.
                    let ended = f.time(s).zip(kill).is_some_and(|(start, kill)| {
                        f.replication_ended_between(*vmid, start, kill)
                    });
                    if ended {
                        continue;
                    }
                    match vmid {
                        Some(v) => format!("a storage replication of VM {v} (pvesr: zfs send)"),
                        None => "a storage replication (pvesr: zfs send)".to_string(),
                    }
                }
                SignalKind::TaskStart { task, upid, .. } => {
                    let name = match task.as_str() {
                        "vzdump" => "a vzdump backup task",
                        "qmigrate" => "a live migration",
                        "qmrestore" => "a restore",
                        "qmclone" => "a clone",
                        "imgcopy" | "qmmove" => "a disk move",
                        _ => continue,
                    };
                    // The same task (its whole UPID) ended before the kill.
                    let started = f.time(s);
                    let ended = kill.is_some_and(|kill| f.task_ended_between(upid, started, kill));
                    if ended {
                        continue;
                    }
                    name.to_string()
                }
                // Upgrades and transfers have no end line: they count in the hour before the kill,
                // on the host or inside the VM that was killed. One a Proxmox VE task logged (a
                // migration's `transferred …`, a backup's) ran while its task ran: it counts only
                // if the task had not ended before the kill.
                SignalKind::PackageUpgrade | SignalKind::LargeTransfer => {
                    let task_ended =
                        f.index.task_of(s).zip(kill).is_some_and(|(upid, kill)| {
                            f.task_ended_between(upid, f.time(s), kill)
                        });
                    // A host's transfer followed by a backup's end before the kill was that
                    // backup's (vzdump's per-VM log: `transferred … in N seconds`, then `Finished
                    // Backup of VM …`): over by the kill.
                    let backup_over = f.role(s) == Role::Host
                        && f.time(s)
                            .zip(kill)
                            .is_some_and(|(t, kill)| f.any_backup_ended_between(t, kill));
                    if task_ended || backup_over {
                        continue;
                    }
                    let near = match (f.time(s), kill) {
                        (Some(t), Some(kill)) => t >= kill - Duration::hours(1),
                        _ => true,
                    };
                    let here = (f.role(s) != Role::Guest && on_kill_host(s))
                        || f.source_vmid(s).is_some_and(|v| memory.vmids.contains(&v));
                    if !(near && here) {
                        continue;
                    }
                    if matches!(s.kind, SignalKind::PackageUpgrade) {
                        "a package upgrade".to_string()
                    } else {
                        "a large transfer or import".to_string()
                    }
                }
                _ => continue,
            };
        running.push((s, what));
    }
    let (first, what) = running.first()?;
    let started = f
        .time(first)
        .map(|t| format!(" (started {})", crate::event::rfc3339(t)))
        .unwrap_or_default();
    let mut x = finding(
        Family::ResourceIntensiveOperation,
        (memory.confidence + 0.02).min(0.95),
        format!("memory ran out while {what} was running{started}"),
    );
    x.outcome = memory.outcome;
    x.vmids = memory.vmids.clone();
    x.time = memory.time;
    x.cites = running.iter().map(|(s, _)| f.cite(s)).collect();
    x.cites.extend(memory.cites.iter().take(2).cloned());
    Some(x)
}

/// How long after its storage stopped answering a guest's unclean end is still the starvation's
/// doing.
const STARVED_STOP_H: i64 = 2;

/// resource_intensive_operation without memory running out: the storage stopped answering (NFS
/// `server … not responding`, every multipath path lost) while a backup was running, and
/// nothing else was wrong with it (no error returned, nothing full, nothing paused). A slow
/// backup target or a saturated pool starved every writer on it; a guest that stopped over it
/// (its watchdog reset it, its kernel hung) stopped for the backup. `storage` is the storage
/// finding; the stop is the guest's unclean end after it, bounded by its last record and its
/// next boot, when the bundle holds the guest's logs.
pub fn backup_starved_storage(f: &Context<'_>, storage: &Finding) -> Option<Finding> {
    let waits_only = !storage.cites.is_empty()
        && storage
            .cites
            .iter()
            .all(|c| c.signal == SignalKind::StorageUnreachable.name());
    let at = storage.time?;
    if !waits_only {
        return None;
    }
    // A backup started before the storage stopped answering and not ended by then.
    let backup = f.signals().find(|s| {
        f.role(s) != Role::Guest
            && f.time(s).is_some_and(|t| {
                t <= at
                    && at - t <= Duration::hours(BACKUP_RUNNING_H)
                    && match &s.kind {
                        SignalKind::Backup {
                            phase: "start",
                            vmid,
                        } => !f.backup_ended_between(*vmid, t, at),
                        SignalKind::TaskStart { task, upid, .. } if task == "vzdump" => {
                            !f.task_ended_between(upid, Some(t), at)
                        }
                        _ => false,
                    }
            })
    })?;
    let what = match &backup.kind {
        SignalKind::Backup {
            vmid: Some(vmid), ..
        } => format!("a backup of VM {vmid} (vzdump)"),
        _ => "a vzdump backup task".to_string(),
    };
    let mut x = finding(
        Family::ResourceIntensiveOperation,
        (storage.confidence + 0.02).min(0.95),
        format!(
            "the storage stopped answering while {what} was running (started {}), with no error or full disk: the backup's I/O starved it",
            f.time(backup)
                .map(crate::event::rfc3339)
                .unwrap_or_default()
        ),
    );
    x.outcome = storage.outcome;
    x.vmids = storage.vmids.clone();
    x.time = storage.time;
    // The guest that stopped over it: its boot that ended uncleanly after the storage stopped
    // answering, from its last record to its next boot.
    if let Some(boot) = f
        .guest_unclean_boots
        .iter()
        .filter(|b| x.vmids.is_empty() || b.vmid.is_some_and(|v| x.vmids.contains(&v)))
        .filter(|b| {
            b.end
                .is_some_and(|end| end >= at && end - at <= Duration::hours(STARVED_STOP_H))
        })
        .min_by_key(|b| b.end)
        && let (Some(end), Some(next)) = (boot.end, boot.next_start)
    {
        x.time = Some(end);
        x.bound = Some((end, next));
    }
    x.cites = vec![f.cite(backup)];
    x.cites.extend(storage.cites.iter().cloned());
    Some(x)
}

/// How long a backup may have run when the storage stopped answering and still be running.
const BACKUP_RUNNING_H: i64 = 12;

/// How long after a freeze left unanswered a stop of the same VM is still the hang's remedy.
const FREEZE_STOP_H: i64 = 12;

/// resource_intensive_operation: a backup asked the guest agent to freeze the guest's file
/// systems and the freeze timed out (`qmp command 'guest-fsfreeze-freeze' failed - got
/// timeout`): the guest hangs on its frozen disks until it is thawed or stopped. The VM's stop
/// within hours after it (a `qmstop`, `qmshutdown`, `qmreset` or `qmreboot` task, its scope
/// ending) is the incident, the backup its cause; with no stop logged, what stopped is unknown.
pub fn freeze_hang(f: &Context<'_>) -> Option<Finding> {
    let timeouts = find(f, |k| matches!(k, SignalKind::FreezeTimeout { .. }));
    let first = timeouts.first()?;
    let vmid = timeouts
        .iter()
        .find_map(|s| crate::index::named_vmid(&s.kind).or_else(|| f.source_vmid(s)));
    let at = f.time(first);
    // A hung guest ignores a shutdown: the hard stop (or the scope's end) that followed is what
    // stopped it, a shutdown or reboot only when nothing harder is logged.
    let stop_of = |hard: bool| {
        at.zip(vmid).and_then(|(at, vmid)| {
            f.signals().find(|s| {
                f.time(s)
                    .is_some_and(|t| t >= at && t - at <= Duration::hours(FREEZE_STOP_H))
                    && match &s.kind {
                        SignalKind::TaskStart {
                            task,
                            vmid: Some(v),
                            ..
                        } => {
                            *v == vmid
                                && if hard {
                                    matches!(task.as_str(), "qmstop" | "qmreset")
                                } else {
                                    matches!(task.as_str(), "qmshutdown" | "qmreboot")
                                }
                        }
                        SignalKind::ScopeDeactivated { vmid: v }
                        | SignalKind::ScopeFailed { vmid: v, .. } => hard && *v == vmid,
                        _ => false,
                    }
            })
        })
    };
    let stop = stop_of(true).or_else(|| stop_of(false));
    let vm = vmid.map_or_else(|| "the VM".to_string(), |v| format!("VM {v}"));
    let mut x = finding(
        Family::ResourceIntensiveOperation,
        if stop.is_some() { 0.8 } else { 0.6 },
        match stop {
            Some(_) => format!(
                "a backup's guest-agent freeze of {vm} timed out and left the guest hanging on its frozen file systems; the VM was then stopped"
            ),
            None => format!(
                "a backup's guest-agent freeze of {vm} timed out: the guest may hang on its frozen file systems"
            ),
        },
    );
    x.outcome = if stop.is_some() {
        Outcome::VmStopped
    } else {
        Outcome::Unknown
    };
    x.time = stop.and_then(|s| f.time(s)).or(at);
    x.vmids = vmid.into_iter().collect();
    let requests = find(f, |k| matches!(k, SignalKind::GuestAgentFreeze));
    x.cites = timeouts.iter().map(|s| f.cite(s)).collect();
    x.cites.extend(stop.map(|s| f.cite(s)));
    x.cites.extend(
        requests
            .iter()
            .filter(|s| at.zip(f.time(s)).is_none_or(|(at, t)| t <= at))
            .take(1)
            .map(|s| f.cite(s)),
    );
    x.recommendations = vec![
        "now: check the guest agent inside the VM (qemu-ga running, its fsfreeze hooks) and thaw or restart the VM".to_string(),
        "long term: update qemu-guest-agent, exclude what blocks a freeze (fsfreeze hooks, bind mounts), or back the VM up without the agent's freeze (`agent: 1,freeze-fs-on-backup=0`)".to_string(),
    ];
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::context::testkit::{Kit, at, constraint, kill, task_end, task_start};
    use crate::diagnose::memory::memory;

    fn rio(kit: &Kit) -> Option<Finding> {
        let index = kit.index();
        let f = kit.context(&index);
        activity(&f, &memory(&f)?)
    }

    fn killed_at_zero(kit: &mut Kit) {
        kit.host(0, constraint(Some(105), 1))
            .host(0, kill(1, "kvm"));
    }

    #[test]
    fn a_backup_running_at_the_kill_is_the_activity() {
        let mut kit = Kit::new();
        kit.host(
            -30,
            SignalKind::Backup {
                phase: "start",
                vmid: Some(105),
            },
        );
        killed_at_zero(&mut kit);
        let x = rio(&kit).unwrap();
        assert_eq!(x.family, Family::ResourceIntensiveOperation);
        assert!(x.title.contains("a backup of VM 105"), "{}", x.title);
        assert_eq!(x.vmids, vec![105]);
    }

    #[test]
    fn a_finished_backup_or_task_is_not_running() {
        let mut kit = Kit::new();
        kit.host(
            -30,
            SignalKind::Backup {
                phase: "start",
                vmid: Some(105),
            },
        )
        .host(
            -10,
            SignalKind::Backup {
                phase: "end",
                vmid: Some(105),
            },
        )
        .host(
            -50,
            task_start("vzdump", None, "pve:1:2:3:vzdump::root@pam"),
        )
        .host(
            -5,
            task_end("vzdump", None, "pve:1:2:3:vzdump::root@pam", true),
        );
        killed_at_zero(&mut kit);
        assert!(rio(&kit).is_none());
    }

    /// NFS not answering while a backup runs, with nothing else wrong with the storage: the
    /// backup starved it. With an I/O error returned too, or the backup over, it is the
    /// storage's trouble.
    #[test]
    fn a_backup_running_while_its_storage_stops_answering_starved_it() {
        let run = |end: Option<i64>, error: bool| {
            let mut kit = Kit::new();
            kit.host(
                -50,
                SignalKind::Backup {
                    phase: "start",
                    vmid: Some(400),
                },
            )
            .host(0, SignalKind::StorageUnreachable)
            .host(20, SignalKind::ScopeDeactivated { vmid: 412 });
            if let Some(end) = end {
                kit.host(
                    end,
                    SignalKind::Backup {
                        phase: "end",
                        vmid: Some(400),
                    },
                );
            }
            if error {
                kit.host(1, SignalKind::BlockIoError { device: None });
            }
            let index = kit.index();
            let f = kit.context(&index);
            let storage = crate::diagnose::storage::storage(&f)?;
            backup_starved_storage(&f, &storage)
        };
        let x = run(Some(90), false).expect("the backup ran on past the stall");
        assert_eq!(x.family, Family::ResourceIntensiveOperation);
        assert!(x.title.contains("a backup of VM 400"), "{}", x.title);
        assert!(run(Some(-5), false).is_none(), "the backup was over");
        assert!(run(None, true).is_none(), "an I/O error is the storage's");
    }

    /// A storage replication run (`103-0: start replication job`) still sending when another
    /// VM's kvm is killed drove memory out; one that ended before the kill did not.
    #[test]
    fn a_replication_still_running_at_the_kill() {
        let replication = |end: Option<i64>| {
            let mut kit = Kit::new();
            kit.unknown(
                -4,
                SignalKind::Replication {
                    phase: "start",
                    vmid: Some(103),
                },
            );
            if let Some(end) = end {
                kit.unknown(
                    end,
                    SignalKind::Replication {
                        phase: "end",
                        vmid: Some(103),
                    },
                );
            }
            killed_at_zero(&mut kit);
            rio(&kit)
        };
        let x = replication(Some(12)).expect("ended after the kill");
        assert!(x.title.contains("replication of VM 103"), "{}", x.title);
        assert!(replication(None).is_some());
        assert!(replication(Some(-1)).is_none(), "ended before the kill");
    }

    /// A live migration's task log (`2025-03-10 14:10:20 migration active, transferred 1.1 GiB
    /// of 4.0 GiB VM-state, 1.1 GiB/s`) on the node that later kills a VM: the transfer ran
    /// while the task ran. Ended (`TASK OK`, the journal's `end task … OK`) before the kill, it
    /// was not running at the kill; still running at the kill, it was.
    #[test]
    fn a_task_logs_transfer_runs_only_while_its_task_runs() {
        const MIG: &str = "pve:00031A2B:05124C7E:67CEF2C8:qmigrate:102:root@pam";
        let kit = |end: Option<i64>| {
            // The task log is source 0, as the kill's journal is here: only its transfer and
            // upgrade lines ask which task they ran in.
            let mut kit = Kit::new();
            kit.host(-30, SignalKind::LargeTransfer);
            if let Some(end) = end {
                kit.host(end, task_end("qmigrate", Some(102), MIG, true));
            }
            killed_at_zero(&mut kit);
            kit
        };
        let run = |kit: &Kit| {
            let mut index = kit.index();
            index.set_task_log(0, MIG);
            let f = kit.context(&index);
            activity(&f, &memory(&f)?)
        };
        assert!(run(&kit(Some(-29))).is_none(), "ended before the kill");
        let x = run(&kit(None)).expect("still running at the kill");
        assert!(x.title.contains("a large transfer"), "{}", x.title);
        let x = run(&kit(Some(5))).expect("ended after the kill");
        assert!(x.title.contains("a large transfer"), "{}", x.title);
    }

    #[test]
    fn a_host_transfer_followed_by_a_backups_end_was_over_by_the_kill() {
        // vzdump's per-VM log: `transferred 64.00 GiB in 247 seconds`, then `Finished Backup
        // of VM 105`, then the kill 48 minutes later.
        let mut kit = Kit::new();
        kit.host(-48, SignalKind::LargeTransfer).host(
            -47,
            SignalKind::Backup {
                phase: "end",
                vmid: Some(105),
            },
        );
        killed_at_zero(&mut kit);
        assert!(rio(&kit).is_none());
        // No backup ended in between: the transfer may still have been running.
        let mut kit = Kit::new();
        kit.host(-48, SignalKind::LargeTransfer);
        killed_at_zero(&mut kit);
        assert!(rio(&kit).is_some());
    }

    #[test]
    fn a_freeze_left_unanswered_then_a_stop_is_the_backups_doing() {
        let upid = "pve:0012AB34:0ABCDEF0:691D2A29:qmstop:820:root@pam";
        let mut kit = Kit::new();
        kit.host(-90, SignalKind::GuestAgentFreeze)
            .host(-30, SignalKind::FreezeTimeout { vmid: Some(820) })
            .host(0, task_start("qmstop", Some(820), upid));
        let index = kit.index();
        let x = freeze_hang(&kit.context(&index)).unwrap();
        assert_eq!(x.family, Family::ResourceIntensiveOperation);
        assert_eq!(x.outcome, Outcome::VmStopped);
        assert_eq!(x.vmids, vec![820]);
        assert_eq!(x.time, Some(at(0)));
        assert_eq!(x.cites.len(), 3);
        // No stop of that VM: the guest may hang, nothing more is known.
        let mut kit = Kit::new();
        kit.host(-30, SignalKind::FreezeTimeout { vmid: Some(820) })
            .host(0, task_start("qmstop", Some(821), upid));
        let index = kit.index();
        let x = freeze_hang(&kit.context(&index)).unwrap();
        assert_eq!(x.outcome, Outcome::Unknown);
        assert!(x.confidence < 0.7);
        assert!(freeze_hang(&Kit::new().context(&Kit::new().index())).is_none());
    }

    #[test]
    fn upgrades_count_only_in_the_hour_before_the_kill() {
        let mut kit = Kit::new();
        kit.host(-90, SignalKind::PackageUpgrade);
        killed_at_zero(&mut kit);
        assert!(rio(&kit).is_none());
        let mut kit = Kit::new();
        kit.host(-20, SignalKind::PackageUpgrade);
        killed_at_zero(&mut kit);
        assert!(rio(&kit).unwrap().title.contains("a package upgrade"));
    }
}
