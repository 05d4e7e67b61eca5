//! Binary utmp/wtmp/btmp files: glibc's 384-byte `struct utmp` records (REFERENCE.md §5.3).
//!
//! ```text
//! off  0 ut_type i16 (+2 pad)   4 ut_pid i32   8 ut_line[32]   40 ut_id[4]   44 ut_user[32]
//!     76 ut_host[256]   332 ut_exit   336 ut_session   340 ut_tv.tv_sec i32   344 tv_usec i32
//!    348 ut_addr_v6[16]   364 reserved[20]
//! ```
//!
//! The byte order (little-endian on x86, big-endian files exist) is decided from the first
//! records. Every record is validated (type 0–9, microseconds below a million, no control bytes
//! in the strings); a record that fails is a problem at its offset and counted as unparsed, the
//! others are still read, and a tail shorter than a record is reported. Times are UTC seconds,
//! so they are [`RecordedTime::Absolute`].
//!
//! Accounting counts records as the "lines" of the source: a record is an event, an EMPTY
//! record is blank, an invalid record or a partial tail is unparsed. Events have line 0 and the
//! record's byte offset, and a message such as `USER_PROCESS pid=1234 line=pts/0 user=root
//! host=192.0.2.10`, ident `wtmp`.
//!
//! [`Session`] facts are built the way util-linux `last -x` pairs records, in file order:
//! records are first normalised like `last` does (a `~` line with user `reboot`, `shutdown` or
//! `runlevel` is a boot, shutdown or runlevel record; elsewhere any record with a user and a
//! line, except `LOGIN`, is a login whatever its type, one without a user is a logout, and user
//! `date` on line `|`/`{` is a clock change). A login ends at the next logout
//! or login on the same line (`Logout`), at a shutdown (`Down`), at a boot (`Crash`), or is
//! still open at the end (`StillLoggedIn`). A boot ends at the shutdown before the next boot
//! (`Logout`), at the next boot without one (`Crash`), or is `StillRunning`. A runlevel record
//! ends at the next runlevel or shutdown record (both are RUN_LVL records), as in `last`.
//!
//! # Known deviations
//! - util-linux prints an open login as `gone - no logout` when its pid no longer exists on
//!   the machine running `last`; offline that cannot be known, so it is `StillLoggedIn`.
//! - util-linux ≤ 2.39 shows a crashed boot's end as the next shutdown; this gives `Crash`, as
//!   util-linux ≥ 2.40 and wtmpdb do.
//! - `date` records (NEW_TIME/OLD_TIME) give events and a `TimeChange` fact without an end.

use chrono::DateTime;

use super::{LineProblem, Parsed};
use crate::event::{Event, RecordedTime};
use crate::facts::{Fact, FactKind, Session, SessionEnd, SessionKind};

/// Size of one record.
pub const RECORD: usize = 384;

/// The `ut_type` names, by value.
const TYPE_NAMES: [&str; 10] = [
    "EMPTY",
    "RUN_LVL",
    "BOOT_TIME",
    "NEW_TIME",
    "OLD_TIME",
    "INIT_PROCESS",
    "LOGIN_PROCESS",
    "USER_PROCESS",
    "DEAD_PROCESS",
    "ACCOUNTING",
];

/// One decoded record.
#[derive(Clone, Copy, Debug)]
struct Raw<'b> {
    ty: i16,
    pid: i32,
    line: &'b [u8],
    user: &'b [u8],
    host: &'b [u8],
    sec: i32,
    usec: i32,
}

fn field(rec: &[u8], at: usize, len: usize) -> &[u8] {
    let f = rec.get(at..at + len).unwrap_or_default();
    let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
    &f[..end]
}

fn i32_at(rec: &[u8], at: usize, be: bool) -> i32 {
    let mut b = [0u8; 4];
    if let Some(s) = rec.get(at..at + 4) {
        b.copy_from_slice(s);
    }
    if be {
        i32::from_be_bytes(b)
    } else {
        i32::from_le_bytes(b)
    }
}

fn decode(rec: &[u8], be: bool) -> Raw<'_> {
    let mut t = [0u8; 2];
    if let Some(s) = rec.get(0..2) {
        t.copy_from_slice(s);
    }
    Raw {
        ty: if be {
            i16::from_be_bytes(t)
        } else {
            i16::from_le_bytes(t)
        },
        pid: i32_at(rec, 4, be),
        line: field(rec, 8, 32),
        user: field(rec, 44, 32),
        host: field(rec, 76, 256),
        sec: i32_at(rec, 340, be),
        usec: i32_at(rec, 344, be),
    }
}

/// Why a record is not a utmp record, if it is not.
fn invalid(raw: &Raw<'_>) -> Option<String> {
    if !(0..=9).contains(&raw.ty) {
        return Some(format!("ut_type {} is not 0-9", raw.ty));
    }
    if !(0..1_000_000).contains(&raw.usec) {
        return Some(format!("tv_usec {} is out of range", raw.usec));
    }
    if raw.sec < 0 {
        return Some(format!("tv_sec {} is negative", raw.sec));
    }
    let control = |s: &[u8]| s.iter().any(|&b| b < 0x20 || b == 0x7f);
    if control(raw.line) || control(raw.user) || control(raw.host) {
        return Some("control bytes in ut_line, ut_user or ut_host".to_string());
    }
    None
}

/// The byte order whose first records are all valid (at least one not EMPTY): `Some(true)`
/// for big-endian.
fn byte_order(data: &[u8]) -> Option<bool> {
    [false, true].into_iter().find(|&be| {
        let mut any = false;
        for rec in data.chunks_exact(RECORD).take(4) {
            let raw = decode(rec, be);
            if invalid(&raw).is_some() {
                return false;
            }
            any |= raw.ty != 0 && raw.sec > 0;
        }
        any
    })
}

/// The byte order under which more of the first records are valid (at least one), for reading
/// a file that detection or an override already called utmp.
fn byte_order_lenient(data: &[u8]) -> Option<bool> {
    let valid = |be: bool| {
        data.chunks_exact(RECORD)
            .take(16)
            .filter(|rec| {
                let raw = decode(rec, be);
                invalid(&raw).is_none() && raw.ty != 0
            })
            .count()
    };
    let (le, be) = (valid(false), valid(true));
    match (le, be) {
        (0, 0) => None,
        (le, be) => Some(be > le),
    }
}

/// Whether a member is a utmp-format file: a whole number of records whose first records are
/// valid, or, under a utmp/wtmp/btmp name, a file whose first record is (a truncated or
/// damaged file is still read, its bad records reported).
pub fn recognizes(path: &str, data: &[u8]) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let hinted = ["wtmp", "utmp", "btmp"].iter().any(|h| name.contains(h));
    let first_valid = || {
        [false, true].into_iter().any(|be| {
            let raw = decode(data, be);
            invalid(&raw).is_none() && raw.ty != 0 && raw.sec > 0
        })
    };
    data.len() >= RECORD
        && !data.starts_with(b"SQLite format")
        && ((data.len() % RECORD == 0 && byte_order(data).is_some()) || (hinted && first_valid()))
}

/// A record after `last`'s normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Norm {
    Boot,
    Shutdown,
    Runlevel(u8),
    Login,
    Logout,
    Clock(bool),
    Other,
}

fn normalise(raw: &Raw<'_>) -> Norm {
    let mut ty = raw.ty;
    if raw.line.starts_with(b"~") {
        if raw.user.starts_with(b"shutdown") {
            return Norm::Shutdown;
        }
        if raw.user.starts_with(b"reboot") {
            return Norm::Boot;
        }
        if raw.user.starts_with(b"runlevel") {
            ty = 1;
        }
    } else {
        // last's fixes for old-style and sloppy writers.
        if ty != 8 && !raw.user.is_empty() && !raw.line.is_empty() && raw.user != b"LOGIN" {
            ty = 7;
        }
        if raw.user.is_empty() {
            ty = 8;
        }
        if raw.user == b"date" {
            match raw.line.first() {
                Some(b'|') => ty = 4,
                Some(b'{') => ty = 3,
                _ => {}
            }
        }
    }
    match ty {
        1 => Norm::Runlevel((raw.pid & 0xff) as u8),
        2 => Norm::Boot,
        3 => Norm::Clock(true),
        4 => Norm::Clock(false),
        7 => Norm::Login,
        8 => Norm::Logout,
        _ => Norm::Other,
    }
}

/// Parses a whole utmp-format member.
pub fn parse<'b>(data: &'b [u8], out: &mut Parsed<'b>) {
    out.binary = true;
    let Some(be) = byte_order(data).or_else(|| byte_order_lenient(data)) else {
        if !data.is_empty() {
            out.stats.lines = 1;
            out.stats.unparsed_lines = 1;
            out.problems.push(LineProblem {
                offset: 0,
                line: 0,
                reason:
                    "not utmp/wtmp records: the first records do not validate in either byte order"
                        .to_string(),
            });
        }
        return;
    };
    if be {
        out.variant = "wtmp-big-endian";
    }
    let mut pairing = Pairing::default();
    for (i, rec) in data.chunks_exact(RECORD).enumerate() {
        let offset = (i * RECORD) as u64;
        out.stats.lines += 1;
        let raw = decode(rec, be);
        if let Some(why) = invalid(&raw) {
            out.stats.unparsed_lines += 1;
            out.problems.push(LineProblem {
                offset,
                line: 0,
                reason: format!("record at offset {offset}: {why}; skipped"),
            });
            continue;
        }
        if raw.ty == 0 && raw.user.is_empty() {
            out.stats.blank_lines += 1;
            continue;
        }
        let Some(time) = DateTime::from_timestamp(i64::from(raw.sec), raw.usec as u32 * 1000)
        else {
            out.stats.unparsed_lines += 1;
            continue;
        };
        let recorded = RecordedTime::Absolute(time);
        // The fields as stored, byte for byte: messages are never decoded lossily.
        let mut message = Vec::with_capacity(64 + raw.host.len());
        message.extend_from_slice(
            TYPE_NAMES
                .get(raw.ty as usize)
                .copied()
                .unwrap_or("?")
                .as_bytes(),
        );
        message.extend_from_slice(format!(" pid={}", raw.pid).as_bytes());
        for (name, value) in [
            (&b" line="[..], raw.line),
            (b" user=", raw.user),
            (b" host=", raw.host),
        ] {
            message.extend_from_slice(name);
            message.extend_from_slice(value);
        }
        let mut event = Event::new(recorded, b"", 0, offset, b"");
        event.message = message.into();
        event.ident = Some(b"wtmp");
        event.pid = u32::try_from(raw.pid).ok().filter(|&p| p > 0);
        out.push_event(event);
        pairing.record(&raw, normalise(&raw), recorded, offset, out);
    }
    let tail = data.len() % RECORD;
    if tail > 0 {
        let offset = (data.len() - tail) as u64;
        out.stats.lines += 1;
        out.stats.unparsed_lines += 1;
        out.problems.push(LineProblem {
            offset,
            line: 0,
            reason: format!(
                "{tail} bytes at offset {offset} are not a whole {RECORD}-byte record (truncated file)"
            ),
        });
    }
    pairing.finish(out);
}

/// Open sessions while walking the records in file order.
#[derive(Debug, Default)]
struct Pairing {
    /// Open logins: fact index and line.
    logins: Vec<(usize, Vec<u8>)>,
    /// The open boot, and whether a shutdown was seen since it.
    boot: Option<usize>,
    down_since_boot: bool,
    /// The open runlevel record.
    runlevel: Option<usize>,
    /// The last shutdown, waiting for the next boot to end it.
    shutdown: Option<usize>,
}

fn set_end(out: &mut Parsed<'_>, fact: usize, end: SessionEnd) {
    if let Some(FactKind::Session(s)) = out.facts.get_mut(fact).map(|f| &mut f.kind) {
        s.end = end;
    }
}

impl Pairing {
    fn record(
        &mut self,
        raw: &Raw<'_>,
        norm: Norm,
        at: RecordedTime,
        offset: u64,
        out: &mut Parsed<'_>,
    ) {
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let (kind, tty) = match norm {
            Norm::Boot => (SessionKind::Reboot, "system boot".to_string()),
            Norm::Shutdown => (SessionKind::Shutdown, "system down".to_string()),
            Norm::Runlevel(c) => (SessionKind::Runlevel, format!("(to lvl {})", char::from(c))),
            Norm::Clock(new) => (
                SessionKind::TimeChange,
                if new { "new time" } else { "old time" }.to_string(),
            ),
            Norm::Login => (SessionKind::User, lossy(raw.line)),
            Norm::Logout => {
                if let Some(i) = self.logins.iter().position(|(_, l)| l == raw.line) {
                    let (fact, _) = self.logins.remove(i);
                    set_end(out, fact, SessionEnd::Logout(at));
                }
                return;
            }
            Norm::Other => return,
        };
        // What this record ends.
        let is_down = matches!(norm, Norm::Shutdown | Norm::Runlevel(b'0' | b'6'));
        match norm {
            Norm::Boot => {
                for (fact, _) in self.logins.drain(..) {
                    set_end(out, fact, SessionEnd::Crash);
                }
                if let Some(b) = self.boot.take() {
                    if !self.down_since_boot {
                        set_end(out, b, SessionEnd::Crash);
                    }
                }
                if let Some(s) = self.shutdown.take() {
                    set_end(out, s, SessionEnd::Logout(at));
                }
                self.down_since_boot = false;
            }
            Norm::Login => {
                if let Some(i) = self.logins.iter().position(|(_, l)| l == raw.line) {
                    let (fact, _) = self.logins.remove(i);
                    set_end(out, fact, SessionEnd::Logout(at));
                }
            }
            Norm::Shutdown | Norm::Runlevel(_) => {
                if let Some(r) = self.runlevel.take() {
                    set_end(out, r, SessionEnd::Logout(at));
                }
            }
            _ => {}
        }
        if is_down {
            for (fact, _) in self.logins.drain(..) {
                set_end(out, fact, SessionEnd::Down);
            }
            if !self.down_since_boot {
                if let Some(b) = self.boot {
                    set_end(out, b, SessionEnd::Logout(at));
                }
            }
            self.down_since_boot = true;
        }
        let index = out.facts.len();
        let end = match norm {
            Norm::Clock(_) => SessionEnd::Unknown,
            _ => SessionEnd::StillRunning,
        };
        out.facts.push(Fact {
            line: 0,
            offset,
            kind: FactKind::Session(Session {
                kind,
                user: lossy(raw.user),
                tty,
                host: lossy(raw.host),
                start: at,
                end,
                duration_minutes: None,
            }),
        });
        match norm {
            Norm::Boot => self.boot = Some(index),
            Norm::Login => self.logins.push((index, raw.line.to_vec())),
            Norm::Runlevel(_) => self.runlevel = Some(index),
            Norm::Shutdown => self.shutdown = Some(index),
            _ => {}
        }
    }

    fn finish(self, out: &mut Parsed<'_>) {
        for (fact, _) in self.logins {
            set_end(out, fact, SessionEnd::StillLoggedIn);
        }
        if let Some(s) = self.shutdown {
            set_end(out, s, SessionEnd::Unknown);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FormatKind, parsed_for};

    /// A little-endian record.
    fn rec(ty: i16, pid: i32, line: &str, user: &str, host: &str, sec: i32) -> Vec<u8> {
        let mut r = vec![0u8; RECORD];
        r[0..2].copy_from_slice(&ty.to_le_bytes());
        r[4..8].copy_from_slice(&pid.to_le_bytes());
        r[8..8 + line.len()].copy_from_slice(line.as_bytes());
        r[44..44 + user.len()].copy_from_slice(user.as_bytes());
        r[76..76 + host.len()].copy_from_slice(host.as_bytes());
        r[340..344].copy_from_slice(&sec.to_le_bytes());
        r
    }

    fn sessions<'a>(p: &'a Parsed<'_>) -> Vec<&'a Session> {
        p.facts
            .iter()
            .filter_map(|f| match &f.kind {
                FactKind::Session(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn crash_then_clean_reboot() {
        let t0 = 1_753_689_605; // 2025-07-28T08:00:05Z
        let data: Vec<u8> = [
            rec(2, 0, "~", "reboot", "6.1.0-25-amd64", t0),
            rec(1, 53, "~", "runlevel", "6.1.0-25-amd64", t0 + 7),
            rec(7, 1500, "pts/0", "admin", "198.51.100.7", t0 + 3600),
            rec(2, 0, "~", "reboot", "6.1.0-25-amd64", t0 + 7200),
            rec(7, 901, "pts/0", "root", "192.0.2.10", t0 + 7300),
            rec(8, 901, "pts/0", "", "", t0 + 7400),
            rec(1, 48, "~", "shutdown", "6.1.0-25-amd64", t0 + 8000),
            rec(2, 0, "~", "reboot", "6.1.0-26-amd64", t0 + 8040),
        ]
        .concat();
        assert!(recognizes("wtmp", &data));
        let mut p = parsed_for(FormatKind::Wtmp);
        parse(&data, &mut p);
        assert!(p.binary && p.stats.balanced() && p.problems.is_empty());
        assert_eq!(p.events.len(), 8);
        let s = sessions(&p);
        let summary: Vec<_> = s.iter().map(|s| (s.kind, s.tty.as_str(), s.end)).collect();
        let at = |d: i64| {
            SessionEnd::Logout(RecordedTime::Absolute(
                DateTime::from_timestamp(t0 as i64 + d, 0).unwrap(),
            ))
        };
        assert_eq!(
            summary,
            vec![
                (SessionKind::Reboot, "system boot", SessionEnd::Crash),
                (SessionKind::Runlevel, "(to lvl 5)", at(8000)),
                (SessionKind::User, "pts/0", SessionEnd::Crash),
                (SessionKind::Reboot, "system boot", at(8000)),
                (SessionKind::User, "pts/0", at(7400)),
                (SessionKind::Shutdown, "system down", at(8040)),
                (SessionKind::Reboot, "system boot", SessionEnd::StillRunning),
            ]
        );
    }

    #[test]
    fn garbage_is_rejected_cleanly() {
        let mut data = rec(2, 0, "~", "reboot", "k", 1_700_000_000);
        let mut bad = rec(7, 1, "pts/0", "x", "h", 1_700_000_100);
        bad[0] = 0x55;
        data.extend_from_slice(&bad);
        data.extend_from_slice(&[1, 2, 3]);
        let mut p = parsed_for(FormatKind::Wtmp);
        parse(&data, &mut p);
        assert!(p.stats.balanced(), "{:?}", p.stats);
        assert_eq!(p.stats.unparsed_lines, 2);
        assert_eq!(p.problems.len(), 2);
        assert_eq!(p.problems[0].offset, 384);
        // Text is not wtmp, whatever its size.
        let text = vec![b'a'; RECORD * 2];
        assert!(!recognizes("wtmp", &text));
        let mut p = parsed_for(FormatKind::Wtmp);
        parse(&text, &mut p);
        assert!(p.events.is_empty() && p.stats.balanced());
        assert!(!recognizes("x", &[0u8; RECORD * 3]));
    }

    #[test]
    fn big_endian_records() {
        let mut r = vec![0u8; RECORD];
        r[0..2].copy_from_slice(&2i16.to_be_bytes());
        r[8] = b'~';
        r[44..50].copy_from_slice(b"reboot");
        r[340..344].copy_from_slice(&1_700_000_000i32.to_be_bytes());
        assert!(recognizes("wtmp.BE", &r));
        let mut p = parsed_for(FormatKind::Wtmp);
        parse(&r, &mut p);
        assert_eq!(p.variant, "wtmp-big-endian");
        assert_eq!(sessions(&p)[0].kind, SessionKind::Reboot);
    }
}
