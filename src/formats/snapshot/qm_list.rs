//! `qm list` (REFERENCE.md §8): a header, then one row per VM.
//!
//! ```text
//!       VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID
//!        101 web01                running    8192              32.00 12345
//!        102 a-name-longer-than-twenty-chars stopped    2048               8.00 0
//! ```
//!
//! A NAME longer than 20 characters pushes the columns over, so a row is split on white space
//! from the right: PID, BOOTDISK, MEM, STATUS; the first word is the VMID and the rest the name.

use super::{Sink, decimal, lossy, number, words};
use crate::facts::{FactKind, QmVm};

/// Statuses `qm list` prints (qmpstatus and the config states).
const STATUSES: &[&[u8]] = &[
    b"running",
    b"stopped",
    b"paused",
    b"prelaunch",
    b"io-error",
    b"suspended",
    b"internal-error",
    b"postmigrate",
    b"finish-migrate",
    b"inmigrate",
    b"restore-vm",
    b"save-vm",
    b"shutdown",
    b"debug",
    b"guest-panicked",
    b"watchdog",
    b"unknown",
];

/// Whether a line is the `qm list` header, or a row no other command prints.
pub(super) fn starts(text: &[u8]) -> bool {
    is_header(text) || row(text).is_some()
}

fn is_header(text: &[u8]) -> bool {
    let t = text.trim_ascii();
    t.starts_with(b"VMID NAME") && t.windows(6).any(|w| w == b"STATUS")
}

fn row(text: &[u8]) -> Option<QmVm> {
    let w = words(text);
    if w.len() < 6 {
        return None;
    }
    let n = w.len();
    let pid = number(w[n - 1])?;
    let bootdisk_gb = decimal(w[n - 2])?;
    let mem_mb = number(w[n - 3])?;
    let status = w[n - 4];
    let vmid = number(w[0])?;
    if !STATUSES.contains(&status) || !(100..=999_999_999).contains(&vmid) {
        return None;
    }
    Some(QmVm {
        vmid,
        name: lossy(&w[1..n - 4].join(&b' ')),
        status: lossy(status),
        mem_mb: u64::from(mem_mb),
        bootdisk_gb,
        pid: (pid > 0).then_some(pid),
    })
}

/// Reads a `qm list` section.
#[derive(Debug, Default)]
pub(super) struct State;

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        if is_header(text) {
            return true;
        }
        match row(text) {
            Some(vm) => {
                sink.push(FactKind::QmVm(vm));
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let table: &[(&str, Option<(u32, &str, &str, u64, f64, Option<u32>)>)] = &[
            (
                "       101 web01                running    8192              32.00 12345     ",
                Some((101, "web01", "running", 8192, 32.0, Some(12345))),
            ),
            (
                "       102 win2019              stopped    4096              60.00 0         ",
                Some((102, "win2019", "stopped", 4096, 60.0, None)),
            ),
            (
                "      9001 a-name-longer-than-twenty-chars io-error   16384            100.00 777",
                Some((
                    9001,
                    "a-name-longer-than-twenty-chars",
                    "io-error",
                    16384,
                    100.0,
                    Some(777),
                )),
            ),
            (
                "      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID",
                None,
            ),
            (
                "       101 web01                sleeping   8192              32.00 12345",
                None,
            ),
            (
                "        12 web01                running    8192              32.00 12345",
                None,
            ),
        ];
        for (line, want) in table {
            let got = row(line.as_bytes()).map(|v| {
                (
                    v.vmid,
                    v.name.clone(),
                    v.status.clone(),
                    v.mem_mb,
                    v.bootdisk_gb,
                    v.pid,
                )
            });
            let want = want.map(|(a, b, c, d, e, f)| (a, b.to_string(), c.to_string(), d, e, f));
            assert_eq!(got, want, "{line}");
        }
        assert!(is_header(
            b"      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       "
        ));
    }
}
