//! Sources: a parsed member with its role (host/guest/unknown) and machine name.
//!
//! Identity comes, in order (DESIGN.md §3), from the path (`host/<name>/`, `guest/<vmid>[-<name>]/`,
//! `vm-101`, a `host-`/`guest-` file-name prefix), then the content (a `-pve` kernel or Proxmox
//! daemons mean a host; `QEMU Standard PC`/`QEMU Virtual CPU` mean a guest), then the host name
//! the records carry. A source that says nothing of itself inherits from a machine of the same
//! name elsewhere in the bundle, from the machine the sources of its folder or its file-name
//! prefix agree on, from the only machine of the role its content gives it, or from the
//! bundle's only machine; where that happened is
//! recorded in [`Source::machine_from`], so `pvelog sources` can show how each name was chosen.

use std::collections::BTreeMap;

use crate::event::Role;
use crate::formats::Parsed;

/// One parsed member and who wrote it.
#[derive(Debug)]
pub struct Source<'b> {
    /// The member path (DESIGN.md §2 `source`).
    pub path: String,
    /// The member's (decompressed) bytes, which the events borrow from and evidence quotes.
    pub data: &'b [u8],
    /// The member's modification time, when known.
    pub mtime: Option<i64>,
    /// Host, guest or unknown.
    pub role: Role,
    /// The machine name.
    pub machine: String,
    /// How the machine name was found: `path`, `records`, `prompt`, `vmid`, `same vmid`,
    /// `same folder`, `same name prefix`, `only machine of its role`, `only machine`, or
    /// `none`.
    pub machine_from: &'static str,
    /// How the role was found: `path`, `content`, `same machine`, or `none`.
    pub role_from: &'static str,
    /// The VMID, for a guest whose path or content names it.
    pub vmid: Option<u32>,
    /// The host name of a shell prompt pasted into the file (`root@pve1:~# dmesg`).
    pub prompt_host: Option<String>,
    /// The parse result.
    pub parsed: Parsed<'b>,
    /// Notes of the clock stage: which reference, zone and anchors were used.
    pub time_notes: Vec<String>,
}

impl Source<'_> {
    /// `path:line` of one of this source's records, or `path@offset` for a binary source (a
    /// journal file), as every output cites records.
    pub fn place(&self, event: &crate::event::Event<'_>) -> String {
        if self.parsed.binary {
            format!("{}@{}", self.path, event.offset)
        } else {
            format!("{}:{}", self.path, event.line)
        }
    }
}

/// What a path says about its machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathIdentity {
    /// The role, when the path says it.
    pub role: Option<Role>,
    /// The machine name, when the path gives one.
    pub machine: Option<String>,
    /// The VMID, when the path gives one.
    pub vmid: Option<u32>,
}

/// Reads role, machine and VMID from a member path.
///
/// `host/pve1/var/log/syslog` → host `pve1`; `guest/101-web/dmesg.txt` → guest `web`, VMID 101;
/// `guests/vm-102/syslog` → guest, VMID 102; `host-kern.log` → host.
pub fn identify_path(path: &str) -> PathIdentity {
    let parts: Vec<&str> = path.split(['/', '!']).filter(|p| !p.is_empty()).collect();
    let mut id = PathIdentity::default();
    let dirs = parts.len().saturating_sub(1);
    for (i, part) in parts.iter().enumerate() {
        let lower = part.to_ascii_lowercase();
        let next_dir = (i + 1 < dirs).then(|| parts[i + 1]);
        match lower.as_str() {
            "host" | "hosts" | "node" | "nodes" if id.role.is_none() && i < dirs => {
                id.role = Some(Role::Host);
                // `host/var/log/syslog`: the host's file system copied under `host/`, no name.
                id.machine = next_dir
                    .filter(|d| !FILE_SYSTEM_DIRS.contains(&d.to_ascii_lowercase().as_str()))
                    .map(str::to_string);
            }
            "guest" | "guests" | "vm" | "vms" if id.role.is_none() && i < dirs => {
                id.role = Some(Role::Guest);
                if let Some(next) = next_dir {
                    let (vmid, name) = split_vmid(next);
                    // `guests/vm120-web01/`: the VMID after `vm`.
                    id.vmid = vmid.or_else(|| vm_dir(&next.to_ascii_lowercase()));
                    id.machine = name.map(str::to_string);
                }
            }
            _ if i < dirs && id.role.is_none() => {
                if let Some(vmid) = vm_dir(&lower) {
                    id.role = Some(Role::Guest);
                    id.vmid = Some(vmid);
                }
            }
            _ if i == dirs && id.role.is_none() => {
                if lower.starts_with("host-") || lower.starts_with("host_") {
                    id.role = Some(Role::Host);
                } else if lower.starts_with("guest-") || lower.starts_with("guest_") {
                    id.role = Some(Role::Guest);
                    let rest = lower.get(6..).unwrap_or_default();
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    id.vmid = digits.parse().ok().filter(|v| *v >= 100);
                } else if let Some(vmid) = vm_file_prefix(&lower) {
                    // `vm-210-journal.txt` beside `hv07-syslog` in a flat folder.
                    id.role = Some(Role::Guest);
                    id.vmid = Some(vmid);
                }
            }
            _ => {}
        }
    }
    id
}

/// Folders of a machine's file system, or of logs, that name no machine when they follow
/// `host/`.
const FILE_SYSTEM_DIRS: &[&str] = &[
    "var", "etc", "usr", "opt", "srv", "root", "home", "tmp", "proc", "sys", "run", "boot", "lib",
    "log", "logs",
];

/// `101-web` → (101, web); `101` → (101, None); `web` → (None, web).
fn split_vmid(dir: &str) -> (Option<u32>, Option<&str>) {
    let digits = dir.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return (None, Some(dir));
    }
    let vmid = dir.get(..digits).and_then(|d| d.parse().ok());
    let name = dir
        .get(digits..)
        .map(|r| r.trim_start_matches(['-', '_']))
        .filter(|r| !r.is_empty());
    (vmid, name)
}

/// The VMID after a prefix (`vm-210…`, `qemu101…`, a `-` or `_` allowed between), and what
/// follows its digits.
fn numbered<'a>(lower: &'a str, prefixes: &[&str]) -> Option<(u32, &'a str)> {
    let rest = prefixes.iter().find_map(|p| lower.strip_prefix(p))?;
    let rest = rest.trim_start_matches(['-', '_']);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let vmid = rest.get(..digits).filter(|d| !d.is_empty())?.parse().ok()?;
    Some((vmid, rest.get(digits..)?))
}

/// A file named for a guest by its VMID: `vm-210-journal.txt`, `vm210_dmesg.txt` → 210. Not
/// `qemu-101.log` or `lxc-101.log`: those are the host's vzdump logs of the guest.
fn vm_file_prefix(lower: &str) -> Option<u32> {
    let (vmid, after) = numbered(lower, &["vm"])?;
    // The host's files about a VM: its tasks, backups, configuration, status.
    const HOST_SIDE: [&str; 7] = ["task", "vzdump", "backup", "conf", "qm", "status", "pid"];
    let named = after
        .strip_prefix(['-', '_'])
        .is_some_and(|name| !name.is_empty() && !HOST_SIDE.iter().any(|w| name.contains(w)));
    (named && vmid >= 100).then_some(vmid)
}

/// `vm-101`, `vm101`, `vm_101`, `qemu-101`, a container's `ct-203`, `ct203`, `lxc-203`, and with
/// the guest's name after it (`vm-150-erp-app`, `vm120_web01`, `ct203-pg-main`) → 101, 150, 120,
/// 203.
fn vm_dir(lower: &str) -> Option<u32> {
    let (vmid, after) = numbered(lower, &["vm", "qemu", "ct", "lxc", "container"])?;
    let named = after.is_empty()
        || after
            .strip_prefix(['-', '_'])
            .is_some_and(|name| name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()));
    named.then_some(vmid)
}

/// Markers of a Proxmox VE host in message text.
const HOST_MARKERS: &[&[u8]] = &[
    b"-pve ",
    b"-pve)",
    b"pve-manager",
    b"qemu-server",
    b"pvedaemon",
    b"pveproxy",
    b"pvestatd",
    b"pve-cluster",
    b"pmxcfs",
    b"qmeventd",
    b"qemu.slice",
    b"pve-ha-crm",
    b"pve-ha-lrm",
    b"pvescheduler",
    b"pve-firewall",
    b"pve-guests",
    b"watchdog-mux",
    // A backup job's log (the task log, or its lines in the journal): vzdump runs on the host.
    b"starting new backup job: vzdump",
    b"Starting Backup of VM ",
    b"Finished Backup of VM ",
];

/// Markers of a QEMU/KVM guest in message text.
const GUEST_MARKERS: &[&[u8]] = &[
    b"QEMU Standard PC",
    b"QEMU Virtual CPU",
    b"Hypervisor detected: KVM",
    b"DMI: QEMU",
    b"qemu-guest-agent",
    b"virtio_blk virtio",
];

/// How many events of a source the content check reads.
const CONTENT_SCAN_EVENTS: usize = 20_000;

/// What a source's content says about its role.
pub fn identify_content(parsed: &Parsed<'_>) -> Option<Role> {
    let (mut host, mut guest) = (0u32, 0u32);
    for event in parsed.events.iter().take(CONTENT_SCAN_EVENTS) {
        let msg: &[u8] = &event.message;
        let ident = event.ident.unwrap_or_default();
        if HOST_MARKERS
            .iter()
            .any(|m| contains(msg, m) || contains(ident, m))
        {
            host += 1;
        }
        if GUEST_MARKERS.iter().any(|m| contains(msg, m)) {
            guest += 1;
        }
    }
    match (host, guest) {
        (0, 0) => None,
        (h, g) if h >= g => Some(Role::Host),
        _ => Some(Role::Guest),
    }
}

/// The host name most records of a source carry (ties broken by name, for determinism).
pub fn record_hostname(parsed: &Parsed<'_>) -> Option<String> {
    let mut counts: BTreeMap<&[u8], u64> = BTreeMap::new();
    // Counted by runs of one name (a log's records mostly carry the same): one map look-up
    // per run, not per record.
    let mut run: Option<(&[u8], u64)> = None;
    for h in parsed.events.iter().filter_map(|e| e.hostname) {
        match &mut run {
            Some((name, n)) if *name == h => *n += 1,
            _ => {
                if let Some((name, n)) = run.replace((h, 1)) {
                    *counts.entry(name).or_default() += n;
                }
            }
        }
    }
    if let Some((name, n)) = run {
        *counts.entry(name).or_default() += n;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(h, _)| String::from_utf8_lossy(h).into_owned())
}

/// Byte-substring search, in linear time: a naive window scan cost a comparison per byte per
/// marker, seconds for a record of a few MiB (a decoded journal payload).
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && memchr::memmem::find(hay, needle).is_some()
}

/// Gives every source its role and machine, first from its own path and content, then from the
/// other sources of the bundle.
pub fn assign_identities(sources: &mut [Source<'_>]) {
    for source in sources.iter_mut() {
        let from_path = identify_path(&source.path);
        source.vmid = from_path.vmid;
        match from_path.role {
            Some(role) => {
                source.role = role;
                source.role_from = "path";
            }
            None => {
                if let Some(role) = identify_content(&source.parsed) {
                    source.role = role;
                    source.role_from = "content";
                }
            }
        }
        // A Proxmox VE task log is named by its UPID, which names the node that ran the task:
        // a node's own word, wherever the file was copied to (`pve-a/var/log/pve/tasks/8/…`).
        let task_node = (source.parsed.kind == crate::formats::FormatKind::PveTaskLog)
            .then(|| crate::formats::pve_task_log::upid_of_path(&source.path))
            .flatten()
            .and_then(|u| std::str::from_utf8(u.node).ok().map(str::to_string))
            .filter(|n| !n.is_empty());
        if source.role == Role::Unknown && task_node.is_some() {
            source.role = Role::Host;
            source.role_from = "upid";
        }
        // `pvecm` runs on a Proxmox VE node; `pvecm nodes` names it (`pve-a (local)`).
        let members = || {
            source.parsed.facts.iter().filter_map(|f| match &f.kind {
                crate::facts::FactKind::ClusterMember(m) => Some(m),
                _ => None,
            })
        };
        let cluster_local = members()
            .find(|m| m.local && m.is_host_name())
            .map(|m| m.name.clone());
        if source.role == Role::Unknown && members().next().is_some() {
            source.role = Role::Host;
            source.role_from = "pvecm";
        }
        // The records' host names are counted only when the path names no machine: a pass
        // over every record of the bundle otherwise.
        let (machine, from) = match from_path.machine {
            Some(m) => (m, "path"),
            None => match record_hostname(&source.parsed) {
                Some(h) => (h, "records"),
                None if task_node.is_some() => (task_node.unwrap_or_default(), "upid"),
                None if cluster_local.is_some() => (cluster_local.unwrap_or_default(), "pvecm"),
                None => match (&source.prompt_host, source.vmid) {
                    (Some(h), _) => (h.clone(), "prompt"),
                    (None, Some(vmid)) => (format!("vm{vmid}"), "vmid"),
                    (None, None) => (String::new(), "none"),
                },
            },
        };
        source.machine = machine;
        source.machine_from = from;
    }
    // A guest folder named only by its VMID takes the host name its records carry elsewhere.
    let vmid_names: BTreeMap<u32, String> = sources
        .iter()
        .filter(|s| s.machine_from == "records")
        .filter_map(|s| Some((s.vmid?, s.machine.clone())))
        .collect();
    for source in sources.iter_mut() {
        if source.machine_from == "vmid"
            && let Some(name) = source.vmid.and_then(|v| vmid_names.get(&v))
        {
            source.machine = name.clone();
            source.machine_from = "same vmid";
        }
    }
    name_guests_by_their_vm_names(sources);
    share_machines(sources);
    let named: BTreeMap<String, Role> = sources
        .iter()
        .filter(|s| !s.machine.is_empty())
        .map(|s| (s.machine.clone(), s.role))
        .fold(BTreeMap::new(), |mut acc, (m, r)| {
            let slot = acc.entry(m).or_insert(Role::Unknown);
            if *slot == Role::Unknown {
                *slot = r;
            }
            acc
        });
    for source in sources.iter_mut() {
        if source.machine.is_empty() && named.len() == 1 {
            if let Some((name, role)) = named.iter().next() {
                let role_fits =
                    source.role == Role::Unknown || source.role == *role || *role == Role::Unknown;
                if role_fits {
                    source.machine = name.clone();
                    source.machine_from = "only machine";
                }
            }
        }
        if source.machine.is_empty() {
            source.machine = "unknown".to_string();
        }
        if source.role == Role::Unknown
            && let Some(role) = named.get(&source.machine).filter(|r| **r != Role::Unknown)
        {
            source.role = *role;
            source.role_from = "same machine";
        }
    }
    // The nodes a cluster listing names (`pvecm nodes`) are Proxmox VE hosts, each a machine of
    // its own: a node whose files say nothing of Proxmox (kernel lines only) is still a host.
    let nodes: std::collections::BTreeSet<String> = sources
        .iter()
        .flat_map(|s| s.parsed.facts.iter())
        .filter_map(|f| match &f.kind {
            crate::facts::FactKind::ClusterMember(m) if m.is_host_name() => Some(m.name.clone()),
            _ => None,
        })
        .collect();
    for source in sources.iter_mut() {
        if source.role == Role::Unknown && nodes.contains(&source.machine) {
            source.role = Role::Host;
            source.role_from = "cluster node";
        }
    }
}

/// A log that names no machine of itself but whose file or folder is named after a VM the
/// host's snapshots name (`win-sql01-System-events.txt`, `web01/journal.txt` beside `qm list`
/// listing `205 win-sql01`): that guest's, with its VMID. The name must be the whole folder or
/// the file name's first part (up to `-`, `_` or `.` after it), so `web01` does not claim
/// `web012.log`. Snapshots are left alone: `win-sql01.conf` is the host's configuration of it.
fn name_guests_by_their_vm_names(sources: &mut [Source<'_>]) {
    let mut names: BTreeMap<String, Option<u32>> = BTreeMap::new();
    for fact in sources.iter().flat_map(|s| s.parsed.facts.iter()) {
        let (name, vmid) = match &fact.kind {
            crate::facts::FactKind::QmVm(vm) => (vm.name.as_str(), Some(vm.vmid)),
            crate::facts::FactKind::VmConfig(c) => match &c.name {
                Some(name) => (name.as_str(), c.vmid),
                None => continue,
            },
            _ => continue,
        };
        // A name of one or two letters (`db`) would claim too many files.
        if name.len() >= 3 && name.bytes().any(|b| b.is_ascii_alphabetic()) {
            let slot = names.entry(name.to_ascii_lowercase()).or_default();
            *slot = slot.or(vmid);
        }
    }
    if names.is_empty() {
        return;
    }
    let named_after = |path: &str| -> Option<(String, Option<u32>)> {
        let lower = path.to_ascii_lowercase();
        let mut parts = lower.rsplit('/');
        let file = parts.next().unwrap_or_default();
        let folder = parts.next();
        names
            .iter()
            .find(|(name, _)| {
                folder == Some(name.as_str())
                    || file
                        .strip_prefix(name.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '_', '.']))
            })
            .map(|(name, vmid)| (name.clone(), *vmid))
    };
    for source in sources.iter_mut() {
        if !source.machine.is_empty()
            || source.role == Role::Host
            || source.parsed.kind == crate::formats::FormatKind::Snapshot
        {
            continue;
        }
        if let Some((name, vmid)) = named_after(&source.path) {
            source.machine = name;
            source.machine_from = "vm name";
            source.role = Role::Guest;
            source.role_from = "vm name";
            source.vmid = source.vmid.or(vmid);
        }
    }
}

/// The folder a machine's file system was copied into, for a file copied with its path under
/// `etc/` or `var/log/`: `host/pve1/` of `host/pve1/var/log/syslog`, the bundle's top (empty)
/// of `etc/timezone`.
fn file_system_root(path: &str) -> Option<&str> {
    [("var/log/", "/var/log/"), ("etc/", "/etc/")]
        .iter()
        .find_map(|(top, inner)| {
            let at = if path.starts_with(top) {
                0
            } else {
                path.find(inner)? + 1
            };
            path.get(..at)
        })
}

/// A source that names no machine of itself takes the machine its neighbours agree on: the
/// sources of the same folder, else those whose file names share its prefix (`pve1-dmesg.txt`
/// beside `pve1-journal.txt`), else, when its content gave it a role, the bundle's only
/// machine of that role. Content wins: a neighbour of another role is not followed, so a flat
/// paste folder holding host and guest files keeps them apart.
fn share_machines(sources: &mut [Source<'_>]) {
    let folder = |path: &str| path.rsplit_once('/').map_or("", |(dir, _)| dir).to_string();
    let prefix = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        name.split(['-', '_', '.'])
            .next()
            .filter(|p| p.len() >= 2 && p.len() < name.len())
            .map(str::to_string)
    };
    // A guest's file named after its VM sits where it was pasted, not where its machine's
    // files are: it says nothing of its neighbours.
    let neighbour = |s: &&Source<'_>| !s.machine.is_empty() && s.machine_from != "vm name";
    let named: Vec<(String, Option<String>, String, Role)> = sources
        .iter()
        .filter(neighbour)
        .map(|s| (folder(&s.path), prefix(&s.path), s.machine.clone(), s.role))
        .collect();
    let roots: Vec<Option<String>> = sources
        .iter()
        .filter(neighbour)
        .map(|s| file_system_root(&s.path).map(str::to_string))
        .collect();
    let fits = |mine: Role, theirs: Role| {
        mine == Role::Unknown || theirs == Role::Unknown || mine == theirs
    };
    // The one machine the candidates agree on.
    let agreed = |candidates: Vec<(&String, Role)>| -> Option<(String, Role)> {
        let mut it = candidates.into_iter();
        let (first, role) = it.next()?;
        it.all(|(m, _)| m == first).then(|| (first.clone(), role))
    };
    for source in sources.iter_mut().filter(|s| s.machine.is_empty()) {
        let (dir, pre) = (folder(&source.path), prefix(&source.path));
        let role = source.role;
        // In its folder, the machines of its own role first (a host's dmesg beside the host's
        // kern.log and a guest's syslog), then any that fits.
        let in_folder = |same_role: bool| {
            agreed(
                named
                    .iter()
                    .filter(|(d, _, _, _)| *d == dir)
                    .filter(|(_, _, _, r)| {
                        if same_role {
                            role != Role::Unknown && *r == role
                        } else {
                            fits(role, *r)
                        }
                    })
                    .map(|(_, _, m, r)| (m, *r))
                    .collect(),
            )
        };
        // A file deeper than its machine's logs (`101/etc/timezone` beside `101/journal.txt`,
        // `pve1/qemu-server/101.conf`) takes the machine of the nearest folder above that has
        // named sources, but not from the bundle's top, where a host's files sit beside the
        // guests' folders (a file at the top itself does take what its neighbours there agree
        // on, its own role first).
        let parents = || {
            let mut dir = dir.as_str();
            std::iter::from_fn(move || {
                let (up, _) = dir.rsplit_once('/')?;
                dir = up;
                Some(up)
            })
            .take(2)
            .find(|up| named.iter().any(|(d, _, _, _)| d == up))
            .and_then(|up| {
                agreed(
                    named
                        .iter()
                        .filter(|(d, _, _, r)| d == up && fits(role, *r))
                        .map(|(_, _, m, r)| (m, *r))
                        .collect(),
                )
            })
        };
        // A machine's files copied with their paths (`etc/timezone`, `var/log/syslog`, under
        // the same folder): one machine's file system. A file beside the copied tree
        // (`host/timedatectl.txt` beside `host/var/log/kern.log`) is of that machine too.
        let same_root = || {
            let root = file_system_root(&source.path)
                .map(str::to_string)
                .unwrap_or_else(|| {
                    if dir.is_empty() {
                        dir.clone()
                    } else {
                        format!("{dir}/")
                    }
                });
            agreed(
                named
                    .iter()
                    .zip(&roots)
                    .filter(|(_, r)| r.as_deref() == Some(root.as_str()))
                    .filter(|((_, _, _, r), _)| fits(role, *r))
                    .map(|((_, _, m, r), _)| (m, *r))
                    .collect(),
            )
        };
        let same_folder = in_folder(true)
            .or_else(|| in_folder(false))
            .or_else(parents)
            .or_else(same_root);
        let same_prefix = || {
            agreed(
                named
                    .iter()
                    .filter(|(_, p, _, r)| p.is_some() && *p == pre && fits(role, *r))
                    .map(|(_, _, m, r)| (m, *r))
                    .collect(),
            )
        };
        // Across the bundle only when every machine's role is known.
        let same_role = || {
            (role != Role::Unknown && named.iter().all(|(_, _, _, r)| *r != Role::Unknown))
                .then(|| {
                    agreed(
                        named
                            .iter()
                            .filter(|(_, _, _, r)| *r == role)
                            .map(|(_, _, m, r)| (m, *r))
                            .collect(),
                    )
                })
                .flatten()
        };
        let found = same_folder
            .map(|x| (x, "same folder"))
            .or_else(|| same_prefix().map(|x| (x, "same name prefix")))
            .or_else(|| same_role().map(|x| (x, "only machine of its role")));
        if let Some(((machine, their_role), from)) = found {
            source.machine = machine;
            source.machine_from = from;
            if source.role == Role::Unknown && their_role != Role::Unknown {
                source.role = their_role;
                source.role_from = "same machine";
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_copied_with_its_path_has_its_machines_root() {
        assert_eq!(file_system_root("etc/timezone"), Some(""));
        assert_eq!(file_system_root("var/log/syslog"), Some(""));
        assert_eq!(
            file_system_root("host/pve1/var/log/syslog"),
            Some("host/pve1/")
        );
        assert_eq!(
            file_system_root("host/pve1/etc/pve/qemu-server/101.conf"),
            Some("host/pve1/")
        );
        assert_eq!(file_system_root("guest/101/journal.txt"), None);
        assert_eq!(file_system_root("netc/timezone"), None);
    }

    #[test]
    fn paths_name_role_machine_and_vmid() {
        let cases: &[(&str, Option<Role>, Option<&str>, Option<u32>)] = &[
            (
                "host/pve1/var/log/kern.log",
                Some(Role::Host),
                Some("pve1"),
                None,
            ),
            (
                "guest/101-web/dmesg.txt",
                Some(Role::Guest),
                Some("web"),
                Some(101),
            ),
            ("guest/102/syslog", Some(Role::Guest), None, Some(102)),
            (
                "bundle/vm-103/var/log/syslog",
                Some(Role::Guest),
                None,
                Some(103),
            ),
            (
                "logs/host.tgz!host/pve/journal.txt",
                Some(Role::Host),
                Some("pve"),
                None,
            ),
            ("host-kern.log", Some(Role::Host), None, None),
            // The host's file system copied under `host/`: no machine name in the path.
            ("host/var/log/kern.log", Some(Role::Host), None, None),
            (
                "host/etc/pve/qemu-server/120.conf",
                Some(Role::Host),
                None,
                None,
            ),
            ("guest-104-syslog", Some(Role::Guest), None, Some(104)),
            ("vm-210-journal.txt", Some(Role::Guest), None, Some(210)),
            // A guest's folder named `vm-<vmid>-<name>`, at the top or under `guests/`.
            (
                "vm-150-erp-app/journal.txt",
                Some(Role::Guest),
                None,
                Some(150),
            ),
            (
                "guests/vm120-web01/journal.json",
                Some(Role::Guest),
                Some("vm120-web01"),
                Some(120),
            ),
            ("flat/vm210_dmesg.txt", Some(Role::Guest), None, Some(210)),
            // A container's folder: `ct<ctid>-<name>`.
            (
                "ct203-pg-main/journal.txt",
                Some(Role::Guest),
                None,
                Some(203),
            ),
            ("lxc-204/syslog", Some(Role::Guest), None, Some(204)),
            // The host's vzdump logs of a guest, and a guest's name alone, are not the guest's.
            ("var/log/vzdump/qemu-101.log", None, None, None),
            ("vm-210.conf", None, None, None),
            ("vm-101-tasks.log", None, None, None),
            ("vm101_vzdump.log", None, None, None),
            ("var/log/syslog", None, None, None),
            ("host.log", None, None, None),
        ];
        for &(path, role, machine, vmid) in cases {
            let id = identify_path(path);
            assert_eq!(id.role, role, "{path}");
            assert_eq!(id.machine.as_deref(), machine, "{path}");
            assert_eq!(id.vmid, vmid, "{path}");
        }
    }
}
