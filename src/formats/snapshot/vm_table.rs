//! VM listings of other stacks (REFERENCE.md §10.4, §10.5): `virsh list`, `kubectl get vmi`/`vm`/
//! `pod`, `limactl ls`: which VMs the tool saw, in which state, when the listing was taken.
//!
//! ```text
//!  Id    Name                           State                        virsh (old and new widths)
//! ----------------------------------------------------
//!  249   ocp-master01                   paused
//!  -     win10                          shut off
//! NAME       AGE   PHASE     IP            NODENAME   READY           kubectl get vmi
//! testvmi    2d    Running   10.244.1.12   node01     True
//! NAME     STATUS     SSH                ARCH      DIR                 limactl ls
//! vmnet    Running    127.0.0.1:60105    x86_64    /Users/jan/.lima/vmnet
//! ```
//!
//! A header names the columns: virsh's ` Id  Name  State` (state last, possibly two words:
//! `shut off`, `in shutdown`), or an upper-case `NAME` with a `STATE`, `STATUS` or `PHASE`
//! column. Each row gives a [`VmListed`] fact: the tool, the VM's name, its id where the tool
//! prints one, and its state as written.
//!
//! # Known deviations
//! - Localized virsh headers (`ID Имя Состояние`) are not recognized.
//! - Columns are split on white space: an empty cell (kubectl's IP of a stopped VMI) shifts the
//!   columns after it, so the state is read only from the columns before the first that may be
//!   empty.

use super::{Sink, lossy, words};
use crate::facts::{FactKind, VmListed};

/// Which tool printed the listing, and where its columns are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layout {
    /// ` Id  Name  State`.
    Virsh,
    /// `NAME … STATE|STATUS|PHASE …`: the tool's name and the state column's index.
    Named(&'static str, usize),
}

/// The layout a header line starts, if it is one.
pub(super) fn header(text: &[u8]) -> Option<Layout> {
    let w = words(text);
    if w == [&b"Id"[..], b"Name", b"State"] {
        return Some(Layout::Virsh);
    }
    if w.first() != Some(&&b"NAME"[..]) || w.len() < 3 {
        return None;
    }
    let state = w
        .iter()
        .position(|x| matches!(*x, b"STATE" | b"STATUS" | b"PHASE"))?;
    let has = |name: &[u8]| w.contains(&name);
    let tool = if has(b"SSH") && has(b"ARCH") {
        "limactl"
    } else if has(b"PHASE") && has(b"NODENAME") {
        "kubectl-vmi"
    } else if has(b"RESTARTS") {
        "kubectl-pod"
    } else if has(b"READY") && has(b"AGE") {
        "kubectl-vm"
    } else {
        return None;
    };
    Some(Layout::Named(tool, state))
}

/// States the named tables print (KubeVirt phases and printable statuses, pod statuses, Lima's
/// instance statuses).
const STATES: &[&str] = &[
    "Running",
    "Stopped",
    "Paused",
    "Pending",
    "Scheduling",
    "Scheduled",
    "Succeeded",
    "Failed",
    "Unknown",
    "Broken",
    "Starting",
    "Stopping",
    "Terminating",
    "Migrating",
    "Provisioning",
    "Completed",
    "Error",
    "OOMKilled",
    "CrashLoopBackOff",
    "ContainerCreating",
    "Evicted",
    "ErrorUnschedulable",
    "WaitingForVolumeBinding",
    "DataVolumeError",
];

/// Whether a named table's cell is a state (`ExitCode:137` and `Signal:9` are pod statuses).
fn is_state(cell: &[u8]) -> bool {
    STATES.iter().any(|s| s.as_bytes() == cell)
        || cell.starts_with(b"ExitCode:")
        || cell.starts_with(b"Signal:")
        || cell.starts_with(b"Init:")
}

/// Reads a VM listing.
#[derive(Debug)]
pub(super) struct State {
    layout: Option<Layout>,
}

impl State {
    /// A listing whose header is still to come (a prompt named the command).
    pub(super) fn new() -> State {
        State { layout: None }
    }

    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        if let Some(layout) = header(text) {
            self.layout = Some(layout);
            return true;
        }
        let Some(layout) = self.layout else {
            return false;
        };
        let t = text.trim_ascii();
        if !t.is_empty() && t.iter().all(|&b| b == b'-') {
            return layout == Layout::Virsh;
        }
        let w = words(text);
        let row = match layout {
            Layout::Virsh => {
                let [id, name, state @ ..] = w.as_slice() else {
                    return false;
                };
                let id_ok = *id == b"-" || id.iter().all(u8::is_ascii_digit);
                if !id_ok || state.is_empty() || state.len() > 2 {
                    return false;
                }
                VmListed {
                    tool: "virsh".into(),
                    name: lossy(name),
                    id: (*id != b"-").then(|| lossy(id)),
                    state: lossy(&state.join(&b' ')),
                }
            }
            Layout::Named(tool, state_at) => {
                let (Some(name), Some(state)) = (w.first(), w.get(state_at)) else {
                    return false;
                };
                if text.first().is_some_and(u8::is_ascii_whitespace) || !is_state(state) {
                    return false;
                }
                VmListed {
                    tool: tool.into(),
                    name: lossy(name),
                    id: None,
                    state: lossy(state),
                }
            }
        };
        sink.push(FactKind::VmListed(row));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::snapshot::run_lines;

    fn listed(text: &str) -> Vec<(String, Option<String>, String, String)> {
        let (facts, _) = run_lines(
            text.as_bytes(),
            true,
            State::new(),
            |s, t, sink| s.line(t, sink),
            |_, _| {},
        );
        facts
            .into_iter()
            .filter_map(|f| match f.kind {
                FactKind::VmListed(v) => Some((v.name, v.id, v.state, v.tool)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn virsh_kubectl_and_lima_listings() {
        let rows = listed(
            " Id    Name                           State\n\
             ----------------------------------------------------\n\
             \x20249   ocp-master01                   paused\n\
             \x20-     win10                          shut off\n",
        );
        assert_eq!(
            rows,
            [
                (
                    "ocp-master01".into(),
                    Some("249".into()),
                    "paused".into(),
                    "virsh".into()
                ),
                ("win10".into(), None, "shut off".into(), "virsh".into()),
            ]
        );
        let rows = listed(
            "NAME     STATUS     SSH                ARCH      DIR\n\
             vmnet    Running    127.0.0.1:60105    x86_64    /Users/jan/.lima/vmnet\n",
        );
        assert_eq!(rows[0].2, "Running");
        assert_eq!(rows[0].3, "limactl");
        let rows = listed(
            "NAME      AGE   PHASE     IP            NODENAME   READY\n\
             testvmi   2d    Running   10.244.1.12   node01     True\n",
        );
        assert_eq!(
            (rows[0].0.as_str(), rows[0].2.as_str()),
            ("testvmi", "Running")
        );
    }

    #[test]
    fn other_tables_are_not_listings() {
        assert!(header(b"NAME  USED  AVAIL  REFER  MOUNTPOINT").is_none());
        assert!(header(b"Filesystem Size Used Avail Use% Mounted on").is_none());
        assert!(header(b" Id    Name                           State").is_some());
        // The listing ends where its rows do.
        let rows = listed(
            "NAME     STATUS     SSH                ARCH      DIR\n\
             vmnet    Running    127.0.0.1:60105    x86_64    /Users/jan/.lima/vmnet\n\
             64 bytes from 192.168.105.21: icmp_seq=0 ttl=64 time=0.553 ms\n",
        );
        assert_eq!(rows.len(), 1);
    }
}
