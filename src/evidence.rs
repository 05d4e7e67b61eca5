//! Evidence: citing records and quoting them as they stand in their source.
//!
//! Every decision pvelog shows (a verdict, a boot's end, a clock fix) stands on records, and a
//! postmortem quotes them. A decision keeps a [`Cite`] (a record's position: an event, a
//! snapshot fact or a file's state); this module turns a cite into [`Evidence`]: the source path,
//! the line (none for binary sources), the byte offset and the record's text exactly as it stands
//! in the file, so an SRE can find it with `sed -n Np` (DESIGN.md §2). A [`Source`] holds its
//! bytes, so quoting needs nothing but the sources.
//!
//! A record seen through several sources (the same kernel line in kern.log, the journal and
//! dmesg) is cited once, by its primary copy (the most direct and precise time:
//! [`Analysis::copies`]), with the other places in [`Evidence::also_seen`] ([`cite_primary`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::analysis::Analysis;
pub use crate::event::Cite;
use crate::event::rfc3339;
use crate::source::Source;
use crate::timeline::EventRef;

/// One cited record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// RFC 3339 UTC, or `None` when the record has no wall-clock time.
    pub time: Option<String>,
    /// The source path.
    pub source: String,
    /// 1-based line (`None` for binary sources).
    pub line: Option<u32>,
    /// Byte offset of the record in the (decompressed) member.
    pub offset: u64,
    /// The record as it stands in the source: the whole line(s) for line formats, the MESSAGE
    /// for journal entries.
    pub text: String,
    /// The other places the same record was seen (its copies in other sources).
    pub also_seen: Vec<Seen>,
    /// The signal it carries.
    #[serde(skip)]
    pub signal: &'static str,
}

/// Another place a record was seen: a copy in another source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Seen {
    /// The source path.
    pub source: String,
    /// 1-based line (`None` for binary sources).
    pub line: Option<u32>,
    /// Byte offset of the copy in the (decompressed) member.
    pub offset: u64,
}

impl Evidence {
    /// Evidence with nothing in it, for a cite that names no record.
    pub fn empty() -> Evidence {
        Evidence {
            time: None,
            source: String::new(),
            line: None,
            offset: 0,
            text: String::new(),
            also_seen: Vec::new(),
            signal: "",
        }
    }
}

/// Event `event` of source `source` as evidence, quoted as it stands in the source: the whole
/// line(s) for line formats, the MESSAGE for journal entries and binary records (DESIGN.md §2),
/// the `msg` of a `dmesg --json` record (whose lines are JSON keys, one a line).
/// `None` when the indexes name no event. `signal` is left empty for the caller.
pub fn event(sources: &[Source<'_>], source: usize, event: usize) -> Option<Evidence> {
    let src = sources.get(source)?;
    let ev = src.parsed.events.get(event)?;
    let text = if src.parsed.binary
        || ev.journal.is_some()
        || src.parsed.kind == crate::formats::FormatKind::DmesgJson
    {
        String::from_utf8_lossy(&ev.message).into_owned()
    } else {
        quote_lines(src.data, ev.offset, ev.lines.max(1))
    };
    Some(Evidence {
        time: ev.time.map(rfc3339),
        source: src.path.clone(),
        line: (!src.parsed.binary).then_some(ev.line),
        offset: ev.offset,
        text,
        also_seen: Vec::new(),
        signal: "",
    })
}

/// A cited record as evidence, quoted as it stands in its source; `time` stands in when the
/// record itself carries none the clock stage resolved.
pub fn cite(sources: &[Source<'_>], cite: Cite, time: Option<DateTime<Utc>>) -> Option<Evidence> {
    let src = sources.get(cite.source())?;
    let fallback_time = time.map(rfc3339);
    match cite {
        Cite::Event { source, event: e } => {
            let mut evidence = event(sources, source, e)?;
            if evidence.time.is_none() {
                evidence.time = fallback_time;
            }
            Some(evidence)
        }
        Cite::Fact { fact, .. } => {
            let f = src.parsed.facts.get(fact)?;
            Some(Evidence {
                time: fallback_time,
                source: src.path.clone(),
                line: (!src.parsed.binary).then_some(f.line),
                offset: f.offset,
                text: quote_lines(src.data, f.offset, 1),
                also_seen: Vec::new(),
                signal: "",
            })
        }
        Cite::Unclean { index, .. } => {
            let u = src.parsed.unclean.get(index)?;
            let line = match u.offset {
                Some(off) if !src.parsed.binary => {
                    let upto = usize::try_from(off)
                        .unwrap_or(usize::MAX)
                        .min(src.data.len());
                    let newlines = src
                        .data
                        .get(..upto)
                        .map_or(0, |d| bytecount::count(d, b'\n'));
                    u32::try_from(newlines + 1).ok()
                }
                _ => None,
            };
            Some(Evidence {
                time: fallback_time,
                source: src.path.clone(),
                line,
                offset: u.offset.unwrap_or(0),
                text: u.reason.clone(),
                also_seen: Vec::new(),
                signal: "",
            })
        }
    }
}

/// The primary copy of a cited record and the other copies, when several sources saw it; the
/// cite itself and no copies otherwise (a snapshot fact, a record seen once).
pub fn primary(analysis: &Analysis<'_>, at: Cite) -> (Cite, Vec<EventRef>) {
    let Cite::Event { source, event } = at else {
        return (at, Vec::new());
    };
    let (Ok(source), Ok(event)) = (u32::try_from(source), u32::try_from(event)) else {
        return (at, Vec::new());
    };
    match analysis.copies(EventRef { source, event }) {
        Some((p, others)) => (
            Cite::Event {
                source: p.source as usize,
                event: p.event as usize,
            },
            others,
        ),
        None => (at, Vec::new()),
    }
}

/// A cited record as evidence, by its primary copy, listing where else it was seen.
pub fn cite_primary(
    analysis: &Analysis<'_>,
    at: Cite,
    time: Option<DateTime<Utc>>,
) -> Option<Evidence> {
    let (at, others) = primary(analysis, at);
    let mut evidence = cite(&analysis.sources, at, time)?;
    evidence.also_seen = others
        .iter()
        .filter_map(|r| {
            let src = analysis.sources.get(r.source as usize)?;
            let ev = src.parsed.events.get(r.event as usize)?;
            Some(Seen {
                source: src.path.clone(),
                line: (!src.parsed.binary).then_some(ev.line),
                offset: ev.offset,
            })
        })
        .collect();
    Some(evidence)
}

/// A cited record as evidence for a signal of kind `signal`; an empty record when the cite names
/// none (a cite always comes from the analysis, so this is a bug guard, not a path for input).
pub fn signal(sources: &[Source<'_>], at: Cite, signal: &'static str) -> Evidence {
    let mut evidence = cite(sources, at, None).unwrap_or_else(Evidence::empty);
    evidence.signal = signal;
    evidence
}

/// The record starting at `offset` (the line containing it, to be exact), `lines` lines long,
/// with its line ends removed: what an SRE sees with `sed -n Np`.
pub fn quote_lines(data: &[u8], offset: u64, lines: u32) -> String {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(data.len());
    let line_start = data[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let mut end = line_start;
    for _ in 0..lines {
        match data[end..].iter().position(|&b| b == b'\n') {
            Some(p) => end += p + 1,
            None => {
                end = data.len();
                break;
            }
        }
    }
    let text = &data[line_start..end];
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    String::from_utf8_lossy(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_whole_records() {
        let data = b"first line\nsecond line\r\n  continued\nlast";
        assert_eq!(quote_lines(data, 0, 1), "first line");
        assert_eq!(quote_lines(data, 11, 2), "second line\r\n  continued");
        assert_eq!(quote_lines(data, 15, 1), "second line");
        assert_eq!(quote_lines(data, 37, 1), "last");
        assert_eq!(quote_lines(data, 999, 1), "last");
    }
}
