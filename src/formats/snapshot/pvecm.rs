//! `pvecm status` and `pvecm nodes` (Proxmox VE's cluster manager, printing corosync's quorum
//! state): the nodes of the cluster a bundle's hosts belong to, so each node of a cluster stays a
//! host of its own.
//!
//! ```text
//! Cluster information
//! -------------------
//! Name:             prod
//! Config Version:   2
//! Transport:        knet
//! Secure auth:      on
//!
//! Quorum information
//! ------------------
//! Date:             Mon Mar 10 15:00:30 2025
//! Quorum provider:  corosync_votequorum
//! Nodes:            2
//! Node ID:          0x00000001
//! Ring ID:          1.2d
//! Quorate:          Yes
//!
//! Votequorum information
//! ----------------------
//! Expected votes:   2
//! Highest expected: 2
//! Total votes:      2
//! Quorum:           2
//! Flags:            Quorate
//!
//! Membership information
//! ----------------------
//!     Nodeid      Votes Name
//! 0x00000001          1 10.10.10.1 (local)
//! 0x00000002          1 10.10.10.2
//! ```
//!
//! `pvecm status` (PVE ≥ 6; PVE 5 starts at `Quorum information`, its ring id `1/88`) names
//! each member by its ring address; `pvecm nodes` prints the `Membership information` block alone,
//! with decimal node ids and the node *names* (`         1          1 pve-a (local)`). With a
//! QDevice, a `Qdevice` column of flags (`A,V,NMW`) sits before the name and a row names the
//! `Qdevice` itself. Each member row is a [`FactKind::ClusterMember`]; every other line of the
//! output is a fact line.

use super::Sink;
use crate::facts::{ClusterMember, FactKind};

/// The block titles of the output, each underlined with dashes.
const TITLES: &[&[u8]] = &[
    b"Cluster information",
    b"Quorum information",
    b"Votequorum information",
    b"Membership information",
];

/// The `key: value` keys of the output.
const KEYS: &[&[u8]] = &[
    b"Name",
    b"Config Version",
    b"Transport",
    b"Secure auth",
    b"Date",
    b"Quorum provider",
    b"Nodes",
    b"Node ID",
    b"Ring ID",
    b"Quorate",
    b"Expected votes",
    b"Highest expected",
    b"Total votes",
    b"Quorum",
    b"Flags",
];

/// Whether a line starts the output: a block title followed by its underline.
pub(super) fn starts(text: &[u8], next: Option<&[u8]>) -> bool {
    TITLES.contains(&text.trim_ascii()) && next.is_some_and(is_rule)
}

/// A line of dashes.
fn is_rule(text: &[u8]) -> bool {
    let t = text.trim_ascii();
    !t.is_empty() && t.iter().all(|&b| b == b'-')
}

/// A `key: value` line of the output.
fn pair(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = text.iter().position(|&b| b == b':')?;
    let key = text[..colon].trim_ascii();
    KEYS.contains(&key)
        .then(|| (key, text[colon + 1..].trim_ascii()))
}

/// A node id: hexadecimal (`0x00000001`, `pvecm status`) or decimal (`pvecm nodes`).
fn node_id(word: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(word).ok()?;
    match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// A member row: node id, votes, the QDevice flags when that column is there, the name and
/// ` (local)` on the node the command ran on.
fn member(text: &[u8]) -> Option<(u32, u32, &[u8], bool)> {
    let words: Vec<&[u8]> = text
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let (local, words) = match words.split_last() {
        Some((last, rest)) if *last == b"(local)" => (true, rest),
        _ => (false, &words[..]),
    };
    let (id, votes, name) = match words {
        [id, votes, name] => (id, votes, name),
        [id, votes, flags, name] if flags.iter().all(|b| b.is_ascii_uppercase() || *b == b',') => {
            (id, votes, name)
        }
        _ => return None,
    };
    let votes = std::str::from_utf8(votes).ok()?.parse().ok()?;
    let name_ok = name
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b".-_:[]".contains(b));
    name_ok.then_some((node_id(id)?, votes, *name, local))
}

/// Reads a `pvecm status` / `pvecm nodes` section.
#[derive(Debug, Default)]
pub(super) struct State {
    /// The cluster's name (`Name:` under `Cluster information`).
    cluster: Option<String>,
}

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        let t = text.trim_ascii();
        if TITLES.contains(&t) || is_rule(t) {
            return true;
        }
        if let Some((key, value)) = pair(t) {
            if key == b"Name" && !value.is_empty() {
                self.cluster = Some(String::from_utf8_lossy(value).into_owned());
            }
            return true;
        }
        // The table's header: `    Nodeid      Votes Name` (with `Qdevice` between).
        if t.starts_with(b"Nodeid") && t.ends_with(b"Name") {
            return true;
        }
        let Some((node_id, votes, name, local)) = member(t) else {
            return false;
        };
        if name != b"Qdevice" {
            sink.push(FactKind::ClusterMember(ClusterMember {
                cluster: self.cluster.clone(),
                node_id,
                votes,
                name: String::from_utf8_lossy(name).into_owned(),
                local,
            }));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;
    use crate::formats::snapshot::run_lines;

    fn members(text: &str) -> (Vec<(Option<String>, u32, String, bool)>, usize) {
        let (facts, rejected) = run_lines(
            text.as_bytes(),
            true,
            State::default(),
            State::line,
            |_, _| {},
        );
        let members = facts
            .into_iter()
            .filter_map(|f: Fact| match f.kind {
                FactKind::ClusterMember(m) => Some((m.cluster, m.node_id, m.name, m.local)),
                _ => None,
            })
            .collect();
        (members, rejected)
    }

    /// `pvecm status` of PVE 8 (corosync 3, knet), as the Proxmox VE admin guide's cluster
    /// chapter shows it.
    #[test]
    fn pvecm_status() {
        let (m, rejected) = members(concat!(
            "Cluster information\n",
            "-------------------\n",
            "Name:             prod\n",
            "Config Version:   2\n",
            "Transport:        knet\n",
            "Secure auth:      on\n",
            "\n",
            "Quorum information\n",
            "------------------\n",
            "Date:             Mon Mar 10 15:00:30 2025\n",
            "Quorum provider:  corosync_votequorum\n",
            "Nodes:            2\n",
            "Node ID:          0x00000001\n",
            "Ring ID:          1.2d\n",
            "Quorate:          Yes\n",
            "\n",
            "Votequorum information\n",
            "----------------------\n",
            "Expected votes:   2\n",
            "Highest expected: 2\n",
            "Total votes:      2\n",
            "Quorum:           2  \n",
            "Flags:            Quorate \n",
            "\n",
            "Membership information\n",
            "----------------------\n",
            "    Nodeid      Votes Name\n",
            "0x00000001          1 10.10.10.1 (local)\n",
            "0x00000002          1 10.10.10.2\n",
        ));
        assert_eq!(rejected, 0);
        let prod = Some("prod".to_string());
        assert_eq!(
            m,
            [
                (prod.clone(), 1, "10.10.10.1".to_string(), true),
                (prod, 2, "10.10.10.2".to_string(), false),
            ]
        );
    }

    /// `pvecm nodes` names the nodes; a QDevice adds its flags column and a row of its own.
    #[test]
    fn pvecm_nodes_and_a_qdevice() {
        let (m, rejected) = members(concat!(
            "Membership information\n",
            "----------------------\n",
            "    Nodeid      Votes Name\n",
            "         1          1 pve-a (local)\n",
            "         2          1 pve-b\n",
        ));
        assert_eq!(rejected, 0);
        assert_eq!(
            m,
            [
                (None, 1, "pve-a".to_string(), true),
                (None, 2, "pve-b".to_string(), false),
            ]
        );
        let (m, rejected) = members(concat!(
            "Membership information\n",
            "----------------------\n",
            "    Nodeid      Votes    Qdevice Name\n",
            "0x00000001          1    A,V,NMW 192.168.1.11 (local)\n",
            "0x00000002          1    A,V,NMW 192.168.1.12\n",
            "0x00000000          1            Qdevice\n",
        ));
        assert_eq!(rejected, 0);
        assert_eq!(m.len(), 2);
        assert_eq!(m[1], (None, 2, "192.168.1.12".to_string(), false));
        // Not pvecm's lines.
        let (m, rejected) = members("Name: x y z\nsome other text\n0x1 one pve-a\n");
        assert_eq!((m.len(), rejected), (0, 2));
    }

    #[test]
    fn detection_needs_a_title_and_its_rule() {
        assert!(starts(
            b"Membership information",
            Some(b"----------------------")
        ));
        assert!(starts(b"Quorum information", Some(b"------------------")));
        assert!(!starts(
            b"Membership information",
            Some(b"    Nodeid      Votes Name")
        ));
        assert!(!starts(b"Cluster information", None));
    }
}
