//! wtmpdb's database, `/var/lib/wtmpdb/wtmp.db` (Debian 13 / Proxmox VE 9, REFERENCE.md §5.2):
//! the login and boot history that replaced binary wtmp, as an SQLite file.
//!
//! ```text
//! CREATE TABLE wtmp(ID INTEGER PRIMARY KEY, Type INTEGER, User TEXT NOT NULL, Login INTEGER,
//!                   Logout INTEGER, TTY TEXT, RemoteHost TEXT, Service TEXT) STRICT
//! (1, 1, 'reboot', 1753689605120000, NULL, '~', '6.1.0-25-amd64', NULL)      a boot that crashed
//! (2, 3, 'root',   1753694100000000, 1753696050000000, 'pts/0', '192.0.2.10', NULL)
//! ```
//!
//! Type 1 is a boot (`RemoteHost` holds the kernel release), 2 a runlevel change, 3 a login;
//! `Login` and `Logout` are UTC microseconds, and a boot's `Logout` is its shutdown. The file is
//! read without SQLite: its format is public and stable (the 100-byte header, the schema table
//! on page 1, table B-trees of interior and leaf pages, records of serial types), and only the
//! `wtmp` table is wanted. Every page and cell is bounds-checked; a page visited twice, a cell
//! that overflows its page or a record that does not decode is a problem at its offset, counted
//! unparsed, and the other rows are still read.
//!
//! Accounting counts rows as the "lines" of the source: each row is an event (line 0, the byte
//! offset of its cell) with ident `wtmp` and a message such as `BOOT_TIME line=~ user=reboot
//! host=6.1.0-25-amd64`, and a [`Session`] fact: a row with a `Logout` ended then; a boot without
//! one is `Crash` when a later boot follows, else `StillRunning`; a login without one is `Crash`
//! when a boot follows it, else `StillLoggedIn` (as `wtmpdb last` prints them).
//!
//! # Known deviations
//! - Rows whose payload spills onto overflow pages (over about 4 KB: never written by wtmpdb)
//!   are reported, not read.
//! - Only UTF-8 databases are read (wtmpdb creates no other).

use chrono::{DateTime, Datelike};

use super::{LineProblem, Parsed};
use crate::event::{Event, RecordedTime};
use crate::facts::{Fact, FactKind, Session, SessionEnd, SessionKind};

/// The file's first bytes.
const MAGIC: &[u8] = b"SQLite format 3\0";

/// One value of a record.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Value<'b> {
    Null,
    Int(i64),
    Text(&'b [u8]),
    Other,
}

impl<'b> Value<'b> {
    fn int(self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(v),
            _ => None,
        }
    }

    fn text(self) -> &'b [u8] {
        match self {
            Value::Text(t) => t,
            _ => b"",
        }
    }
}

/// A SQLite variable-length integer at `at`: the value and its length.
fn varint(data: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let b = *data.get(at.checked_add(i)?)?;
        if i == 8 {
            return Some(((v << 8) | u64::from(b), 9));
        }
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// A big-endian integer of `n` bytes (1–8) at `at`, sign-extended.
fn be_int(data: &[u8], at: usize, n: usize) -> Option<i64> {
    let bytes = data.get(at..at.checked_add(n)?)?;
    let mut v: i64 = if bytes.first()? & 0x80 != 0 { -1 } else { 0 };
    for &b in bytes {
        v = (v << 8) | i64::from(b);
    }
    Some(v)
}

/// The values of the record `payload` holds, each with its offset in the payload.
fn record(payload: &[u8]) -> Option<Vec<(Value<'_>, usize)>> {
    let (header_len, n) = varint(payload, 0)?;
    let header_len = usize::try_from(header_len).ok()?;
    if header_len > payload.len() {
        return None;
    }
    let mut at = n;
    let mut body = header_len;
    let mut values = Vec::with_capacity(8);
    while at < header_len {
        let (ty, n) = varint(payload, at)?;
        at += n;
        let (value, len) = match ty {
            0 => (Value::Null, 0),
            1..=6 => {
                let len = [1, 2, 3, 4, 6, 8][usize::try_from(ty - 1).ok()?];
                (Value::Int(be_int(payload, body, len)?), len)
            }
            7 => (Value::Other, 8),
            8 => (Value::Int(0), 0),
            9 => (Value::Int(1), 0),
            t if t >= 12 => {
                let len = usize::try_from((t - 12) / 2).ok()?;
                let bytes = payload.get(body..body.checked_add(len)?)?;
                (
                    if t % 2 == 1 {
                        Value::Text(bytes)
                    } else {
                        Value::Other
                    },
                    len,
                )
            }
            _ => return None,
        };
        if body.checked_add(len)? > payload.len() {
            return None;
        }
        values.push((value, body));
        body += len;
    }
    Some(values)
}

/// One table row: its rowid, its values with their byte offsets in the file, and the byte
/// offset of its cell.
struct Row<'b> {
    rowid: i64,
    values: Vec<(Value<'b>, usize)>,
    offset: usize,
}

/// A database's pages.
struct Db<'b> {
    data: &'b [u8],
    page_size: usize,
    /// Usable bytes per page (the page size less the reserved bytes at each page's end).
    usable: usize,
}

impl<'b> Db<'b> {
    fn open(data: &'b [u8]) -> Option<Db<'b>> {
        if !data.starts_with(MAGIC) {
            return None;
        }
        let page_size = match be_int(data, 16, 2)? as u16 {
            1 => 65_536,
            n if n >= 512 && n.is_power_of_two() => usize::from(n),
            _ => return None,
        };
        let reserved = usize::from(*data.get(20)?);
        // Text encoding 1 is UTF-8; 0 in an empty database.
        if !matches!(be_int(data, 56, 4)?, 0 | 1) {
            return None;
        }
        let usable = page_size.checked_sub(reserved).filter(|u| *u >= 480)?;
        Some(Db {
            data,
            page_size,
            usable,
        })
    }

    /// The bytes of page `n` (1-based).
    fn page(&self, n: u32) -> Option<(usize, &'b [u8])> {
        let start = usize::try_from(n)
            .ok()?
            .checked_sub(1)?
            .checked_mul(self.page_size)?;
        Some((
            start,
            self.data.get(start..start.checked_add(self.page_size)?)?,
        ))
    }

    /// Every row of the table B-tree rooted at page `root`, in rowid order; `problems` gets the
    /// offset and reason of every page or cell that could not be read.
    fn rows(&self, root: u32, problems: &mut Vec<(usize, String)>) -> Vec<Row<'b>> {
        let mut rows = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                problems.push((0, format!("page {n} is linked twice (a loop): read once")));
                continue;
            }
            let Some((start, page)) = self.page(n) else {
                problems.push((0, format!("page {n} lies beyond the end of the file")));
                continue;
            };
            // Page 1 starts with the 100-byte file header.
            let head = if n == 1 { 100 } else { 0 };
            let Some(&kind) = page.get(head) else {
                continue;
            };
            let cells = be_int(page, head + 3, 2).unwrap_or(0);
            let (header, interior) = match kind {
                0x0d => (8, false),
                0x05 => (12, true),
                _ => {
                    problems.push((start, format!("page {n} is not a table B-tree page")));
                    continue;
                }
            };
            let mut children = Vec::new();
            for c in 0..usize::try_from(cells).unwrap_or(0) {
                let Some(ptr) = be_int(page, head + header + 2 * c, 2)
                    .and_then(|p| usize::try_from(p).ok())
                    .filter(|p| *p < self.usable)
                else {
                    problems.push((start, format!("page {n}: cell {c}'s pointer is invalid")));
                    continue;
                };
                if interior {
                    match be_int(page, ptr, 4).and_then(|p| u32::try_from(p).ok()) {
                        Some(child) => children.push(child),
                        None => problems.push((start + ptr, format!("page {n}: a bad child"))),
                    }
                    continue;
                }
                match self.leaf_cell(page, ptr) {
                    Some((rowid, from, values)) => rows.push(Row {
                        rowid,
                        values: values
                            .into_iter()
                            .map(|(v, at)| (v, start + from + at))
                            .collect(),
                        offset: start + ptr,
                    }),
                    None => problems.push((
                        start + ptr,
                        format!(
                            "page {n}: a row that does not decode (or spills onto overflow pages)"
                        ),
                    )),
                }
            }
            if interior {
                match be_int(page, head + 8, 4).and_then(|p| u32::try_from(p).ok()) {
                    Some(right) => children.push(right),
                    None => problems.push((start, format!("page {n}: a bad right-most child"))),
                }
            }
            // Left to right: the stack pops the last pushed first.
            stack.extend(children.into_iter().rev());
        }
        rows.sort_by_key(|r| r.rowid);
        rows
    }

    /// A table leaf cell at `ptr` of `page`: its rowid, where its payload starts in the page,
    /// and its values; `None` when it does not decode or its payload does not fit the page.
    #[allow(
        clippy::type_complexity,
        reason = "one private helper's result, named by its doc"
    )]
    fn leaf_cell(
        &self,
        page: &'b [u8],
        ptr: usize,
    ) -> Option<(i64, usize, Vec<(Value<'b>, usize)>)> {
        let (size, n) = varint(page, ptr)?;
        let (rowid, m) = varint(page, ptr.checked_add(n)?)?;
        let size = usize::try_from(size).ok()?;
        // Larger payloads start on the page and continue on overflow pages.
        if size > self.usable.checked_sub(35)? {
            return None;
        }
        let from = ptr.checked_add(n)?.checked_add(m)?;
        let payload = page.get(from..from.checked_add(size)?)?;
        Some((rowid as i64, from, record(payload)?))
    }

    /// The root page of table `name`, from the schema on page 1.
    fn table_root(&self, name: &[u8]) -> Option<u32> {
        let mut problems = Vec::new();
        self.rows(1, &mut problems).into_iter().find_map(|row| {
            let v = |i: usize| row.values.get(i).map(|(v, _)| *v);
            (v(0)?.text() == b"table" && v(1)?.text() == name)
                .then(|| u32::try_from(v(3)?.int()?).ok())
                .flatten()
        })
    }
}

/// Whether a member is wtmpdb's database: an SQLite file whose schema holds a `wtmp` table.
pub fn recognizes(data: &[u8]) -> bool {
    Db::open(data).is_some_and(|db| db.table_root(b"wtmp").is_some())
}

/// The columns of wtmpdb's table, in order.
const ID: usize = 0;
const TYPE: usize = 1;
const USER: usize = 2;
const LOGIN: usize = 3;
const LOGOUT: usize = 4;
const TTY: usize = 5;
const HOST: usize = 6;

/// A UTC time of microseconds, within the years RFC 3339 can write.
fn micros(v: i64) -> Option<RecordedTime> {
    DateTime::from_timestamp_micros(v)
        .filter(|t| (1..=9999).contains(&t.year()))
        .map(RecordedTime::Absolute)
}

/// Parses a wtmpdb database into events and session facts.
pub fn parse<'b>(data: &'b [u8], out: &mut Parsed<'b>) {
    out.binary = true;
    let db = Db::open(data);
    let root = db.as_ref().and_then(|db| db.table_root(b"wtmp"));
    let (Some(db), Some(root)) = (db, root) else {
        if !data.is_empty() {
            out.stats.lines = 1;
            out.stats.unparsed_lines = 1;
            out.problems.push(LineProblem {
                offset: 0,
                line: 0,
                reason: "not a wtmpdb database: no SQLite header or no wtmp table".to_string(),
            });
        }
        return;
    };
    let mut problems = Vec::new();
    let rows = db.rows(root, &mut problems);
    for (offset, reason) in problems {
        out.stats.lines += 1;
        out.stats.unparsed_lines += 1;
        out.problems.push(LineProblem {
            offset: offset as u64,
            line: 0,
            reason,
        });
    }
    // When each boot began, to end the boots and logins without a logout.
    let boots: Vec<i64> = rows
        .iter()
        .filter(|r| r.values.get(TYPE).and_then(|(v, _)| v.int()) == Some(1))
        .filter_map(|r| r.values.get(LOGIN)?.0.int())
        .collect();
    for row in rows {
        out.stats.lines += 1;
        let get = |i: usize| row.values.get(i).map_or(Value::Null, |(v, _)| *v);
        let id = get(ID).int().unwrap_or(row.rowid);
        let (ty, user, login) = (get(TYPE).int(), get(USER).text(), get(LOGIN).int());
        let Some(start) = login.and_then(micros) else {
            out.stats.unparsed_lines += 1;
            out.problems.push(LineProblem {
                offset: row.offset as u64,
                line: 0,
                reason: format!("row {id} has no login time"),
            });
            continue;
        };
        let (tty, host) = (get(TTY).text(), get(HOST).text());
        let type_name = match ty {
            Some(1) => "BOOT_TIME",
            Some(2) => "RUN_LVL",
            Some(3) => "USER_PROCESS",
            _ => "?",
        };
        let mut message = Vec::with_capacity(48 + host.len());
        message.extend_from_slice(type_name.as_bytes());
        for (name, value) in [(&b" line="[..], tty), (b" user=", user), (b" host=", host)] {
            message.extend_from_slice(name);
            message.extend_from_slice(value);
        }
        let logout = get(LOGOUT).int().and_then(micros);
        if logout.is_none() && get(LOGOUT) != Value::Null {
            out.problems.push(LineProblem {
                offset: row.offset as u64,
                line: 0,
                reason: format!("row {id}: its logout is not a time (read as no logout)"),
            });
        }
        if let Some(RecordedTime::Absolute(t)) = logout {
            message.extend_from_slice(format!(" logout={}", crate::event::rfc3339(t)).as_bytes());
        }
        let mut event = Event::new(start, b"", 0, row.offset as u64, b"");
        event.message = message.into();
        event.ident = Some(b"wtmp");
        out.push_event(event);
        // A boot's logout is its shutdown: an event and a `shutdown` session of their own at that
        // time, located at the logout value (as `wtmpdb last -x` shows `shutdown system down`).
        if ty == Some(1)
            && let (Some(down), Some(&(_, at))) = (logout, row.values.get(LOGOUT))
        {
            let mut shutdown = Event::new(down, b"", 0, at as u64, b"");
            let mut text = b"RUN_LVL line=~ user=shutdown host=".to_vec();
            text.extend_from_slice(host);
            shutdown.message = text.into();
            shutdown.ident = Some(b"wtmp");
            // The row is already counted as the boot's event.
            shutdown.lines = 0;
            out.push_event(shutdown);
            out.facts.push(Fact {
                line: 0,
                offset: at as u64,
                kind: FactKind::Session(Session {
                    kind: SessionKind::Shutdown,
                    user: "shutdown".to_string(),
                    tty: "system down".to_string(),
                    host: String::from_utf8_lossy(host).into_owned(),
                    start: down,
                    end: SessionEnd::Logout(down),
                    duration_minutes: None,
                }),
            });
        }
        let later_boot = login.is_some_and(|l| boots.iter().any(|b| *b > l));
        let end = match logout {
            Some(t) => SessionEnd::Logout(t),
            None if later_boot => SessionEnd::Crash,
            None if ty == Some(1) => SessionEnd::StillRunning,
            None => SessionEnd::StillLoggedIn,
        };
        let kind = match ty {
            Some(1) => SessionKind::Reboot,
            Some(2) => SessionKind::Runlevel,
            _ => SessionKind::User,
        };
        out.facts.push(Fact {
            line: 0,
            offset: row.offset as u64,
            kind: FactKind::Session(Session {
                kind,
                user: String::from_utf8_lossy(user).into_owned(),
                tty: if kind == SessionKind::Reboot {
                    "system boot".to_string()
                } else {
                    String::from_utf8_lossy(tty).into_owned()
                },
                host: String::from_utf8_lossy(host).into_owned(),
                start,
                end,
                duration_minutes: None,
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_records() {
        assert_eq!(varint(&[0x05], 0), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00], 0), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9], 0), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81], 0), None);
        // Header of 4 bytes: NULL, int8, text of 2; body: 7, "hi".
        let payload = [4, 0, 1, 17, 7, b'h', b'i'];
        assert_eq!(
            record(&payload),
            Some(vec![
                (Value::Null, 4),
                (Value::Int(7), 4),
                (Value::Text(b"hi"), 5)
            ])
        );
        // A text longer than the payload.
        assert_eq!(record(&[3, 1, 41, 7]), None);
        assert_eq!(be_int(&[0xff, 0xfe], 0, 2), Some(-2));
    }

    #[test]
    fn not_a_database() {
        assert!(!recognizes(b"SQLite format 3\0short"));
        assert!(!recognizes(
            b"reboot   system boot  6.1.0-26-amd64   Tue Jul 29 10:21 - still running"
        ));
        let mut out = crate::formats::parsed_for(crate::formats::FormatKind::Wtmpdb);
        parse(b"SQLite format 3\0short", &mut out);
        assert!(out.stats.balanced(), "{:?}", out.stats);
        assert_eq!(out.problems.len(), 1);
    }
}
