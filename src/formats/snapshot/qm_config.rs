//! `qm config <vmid>` and `/etc/pve/qemu-server/<vmid>.conf` (REFERENCE.md §8).
//!
//! ```text
//! # locked                                  description comments (the .conf file only)
//! bootdisk: scsi0
//! lock: backup
//! memory: 512
//! name: apache
//!
//! [PENDING]                                 sections: only in the .conf file
//! bios: ovmf
//!
//! [foo]                                     a snapshot
//! memory: 4096
//! ```
//!
//! Only the main section (before the first `[section]`) states the VM's settings; the section
//! names are kept in order (duplicates included, as written), and their lines belong to the
//! fact. `memory` may be a property string (`current=8192`).

use super::{Sink, lossy, number};
use crate::facts::{FactKind, VmConfig};

/// Keys that only a VM config has, used to recognize one without a prompt.
const KNOWN: &[&[u8]] = &[
    b"name",
    b"boot",
    b"bootdisk",
    b"cores",
    b"memory",
    b"balloon",
    b"scsihw",
    b"smbios1",
    b"vmgenid",
    b"ostype",
    b"sockets",
    b"onboot",
    b"agent",
    b"numa",
    b"cpu",
    b"meta",
    b"machine",
    b"vga",
    b"efidisk0",
    b"hotplug",
    b"lock",
    b"parent",
    b"tablet",
    b"kvm",
    b"digest",
    b"hugepages",
    b"localtime",
    b"startdate",
];

/// Whether a line starts a VM config: a config line with a known key, or a comment, followed
/// by a config line with a known key.
pub(super) fn starts(text: &[u8], next: Option<&[u8]>) -> bool {
    let known = |t: &[u8]| entry(t).is_some_and(|(k, _)| KNOWN.contains(&k));
    (known(text) || text.starts_with(b"#")) && next.is_some_and(known)
}

/// `key: value`, unindented; keys are lowercase words with digits, `-` and `_`.
fn entry(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = text.iter().position(|&b| b == b':')?;
    let key = &text[..colon];
    let valid = key.first().is_some_and(u8::is_ascii_lowercase)
        && key
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'));
    let value = text[colon + 1..].strip_prefix(b" ")?;
    valid.then_some((key, value.trim_ascii_end()))
}

/// Reads a config section; the fact is emitted at its end, at its first line.
#[derive(Debug, Default)]
pub(super) struct State {
    at: Option<(u32, u64)>,
    config: VmConfig,
}

impl State {
    pub(super) fn new(vmid: Option<u32>) -> State {
        State {
            at: None,
            config: VmConfig {
                vmid,
                ..VmConfig::default()
            },
        }
    }

    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        let main = self.config.sections.is_empty();
        if text.starts_with(b"#") {
            self.at.get_or_insert((sink.line, sink.offset));
            return true;
        }
        if let Some(name) = text
            .trim_ascii_end()
            .strip_prefix(b"[")
            .and_then(|t| t.strip_suffix(b"]"))
        {
            if self.at.is_none() || name.is_empty() {
                return false;
            }
            self.config.sections.push(lossy(name));
            return true;
        }
        let Some((key, value)) = entry(text) else {
            return false;
        };
        self.at.get_or_insert((sink.line, sink.offset));
        if !main {
            return true;
        }
        let c = &mut self.config;
        let text_value = || Some(lossy(value));
        match key {
            b"name" => c.name = text_value(),
            b"memory" => {
                let v = value.strip_prefix(b"current=").unwrap_or(value);
                let v = v.split(|&b| b == b',').next().unwrap_or_default();
                c.memory_mb = number(v).map(u64::from);
            }
            b"balloon" => c.balloon_mb = number(value).map(u64::from),
            b"cores" => c.cores = number(value),
            b"sockets" => c.sockets = number(value),
            b"onboot" => c.onboot = Some(value == b"1"),
            b"lock" => c.lock = text_value(),
            b"ostype" => c.ostype = text_value(),
            b"hugepages" => c.hugepages = text_value(),
            b"parent" => c.parent = text_value(),
            // A property of type boolean: qemu-server writes `1`/`0`, and also parses these.
            b"localtime" => {
                c.localtime = match value.to_ascii_lowercase().as_slice() {
                    b"1" | b"yes" | b"on" | b"true" => Some(true),
                    b"0" | b"no" | b"off" | b"false" => Some(false),
                    _ => None,
                }
            }
            _ => {}
        }
        true
    }

    pub(super) fn finish(self, sink: &mut Sink<'_>) {
        if let Some((line, offset)) = self.at {
            sink.push_at(line, offset, FactKind::VmConfig(self.config));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

    fn run(vmid: Option<u32>, text: &str) -> (Vec<Fact>, usize) {
        crate::formats::snapshot::run_lines(
            text.as_bytes(),
            true,
            State::new(vmid),
            State::line,
            State::finish,
        )
    }

    fn config(f: &Fact) -> &VmConfig {
        match &f.kind {
            FactKind::VmConfig(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn locked_conf_file() {
        // The shape of qemu-server's parse-config-input/locked.conf.
        let (facts, rejected) = run(
            Some(1422),
            "# locked\nbootdisk: scsi0\ncores: 1\nide2: none,media=cdrom\nlock: backup\n\
             memory: 512\nname: apache\nnet0: virtio=92:38:11:FD:ED:87,bridge=vmbr0,firewall=1\n\
             numa: 0\nostype: l26\nsockets: 1\nvmgenid: 0\n",
        );
        assert_eq!(rejected, 0);
        let c = config(&facts[0]);
        assert_eq!(c.vmid, Some(1422));
        assert_eq!(c.name.as_deref(), Some("apache"));
        assert_eq!(
            (c.memory_mb, c.cores, c.sockets),
            (Some(512), Some(1), Some(1))
        );
        assert_eq!(c.lock.as_deref(), Some("backup"));
        assert_eq!(facts[0].line, 1);
    }

    #[test]
    fn only_the_main_section_counts() {
        // The shape of parse-config-input/duplicate-sections.conf.
        let (facts, rejected) = run(
            None,
            "boot: order=scsi0\ncores: 2\nmemory: 4096\nname: deb122\nparent: foo\nballoon: 2048\nonboot: 1\n\n\
             [PENDING]\nbios: ovmf\n\n[PENDING]\nvga: qxl\n\n[special:cloudinit]\nname: deb12\n\n\
             [foo]\ncores: 4\nmemory: 8192\nname: deb1223\nsnaptime: 1737548747\n",
        );
        assert_eq!(rejected, 0);
        let c = config(&facts[0]);
        assert_eq!(c.name.as_deref(), Some("deb122"));
        assert_eq!(
            (c.memory_mb, c.balloon_mb, c.cores),
            (Some(4096), Some(2048), Some(2))
        );
        assert_eq!(c.onboot, Some(true));
        assert_eq!(c.parent.as_deref(), Some("foo"));
        assert_eq!(
            c.sections,
            ["PENDING", "PENDING", "special:cloudinit", "foo"]
        );
    }

    #[test]
    fn the_rtc_in_local_time_from_localtime_or_a_windows_ostype() {
        // `qm config` prints its keys sorted; a Linux VM someone set to keep local time.
        let (facts, _) = run(
            Some(101),
            "agent: 1\nboot: order=scsi0;net0\ncores: 2\nlocaltime: 1\nmemory: 4096\nname: web\n\
             net0: virtio=BC:24:11:5A:0C:3E,bridge=vmbr0\nostype: l26\nscsi0: local-lvm:vm-101-disk-0,size=32G\n",
        );
        let c = config(&facts[0]);
        assert_eq!(c.localtime, Some(true));
        assert_eq!(c.rtc_in_host_local_time(), (true, "localtime"));
        // Windows without the key: qemu-server's default turns it on; written as 0, it is off.
        let (facts, _) = run(
            Some(102),
            "cores: 4\nmemory: 8192\nname: dc01\nostype: win11\n",
        );
        assert_eq!(config(&facts[0]).rtc_in_host_local_time(), (true, "ostype"));
        let (facts, _) = run(
            Some(103),
            "cores: 4\nlocaltime: 0\nmemory: 8192\nname: dc02\nostype: w2k8\n",
        );
        assert_eq!(
            config(&facts[0]).rtc_in_host_local_time(),
            (false, "localtime")
        );
        let (facts, _) = run(
            Some(104),
            "cores: 1\nmemory: 512\nname: apache\nostype: l26\n",
        );
        assert_eq!(
            config(&facts[0]).rtc_in_host_local_time(),
            (false, "default")
        );
    }

    #[test]
    fn recognition() {
        assert!(starts(b"boot: order=scsi0", Some(b"cores: 2")));
        assert!(starts(b"#web server", Some(b"agent: 1")));
        assert!(!starts(b"hello: world", Some(b"foo: bar")));
        assert!(!starts(b"MemTotal: 1 kB", Some(b"MemFree: 1 kB")));
        assert_eq!(
            entry(b"memory: current=8192").map(|e| e.0),
            Some(&b"memory"[..])
        );
        assert_eq!(entry(b"  pool: rpool"), None);
    }
}
