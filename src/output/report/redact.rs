//! `--redact`: a report that leaves the building names no address, host, user or mailbox.
//!
//! Every string value of the report (log text, paths, summaries, provenance) is scanned in
//! document order for IPv4 and IPv6 addresses, MAC addresses, e-mail addresses, user names
//! (`root@pam`, `for user alice`, `USER=bob`) and the bundle's machine names, and each distinct
//! value is replaced by a pseudonym of its kind numbered in order of first appearance
//! (`host-1`, `ip-1`, `mac-1`, `email-1`, `user-1`), the same throughout the report. A
//! pseudonym is never derived from the value (a hash of an address can be reversed by trying
//! them all). The summary lists the pseudonyms and how often each was used, not what they
//! replace.
//!
//! The report is redacted as its JSON text, string values only (keys are left alone), and read
//! back, so every format renders the redacted tree and no field can be forgotten. Timeline
//! exports are redacted line by line with the same [`Redactor`] (JSON Lines: string values;
//! CSV and text: the whole line), their summary going to stderr.

use std::collections::BTreeMap;

use regex_automata::meta::Regex;

use super::model::{Pseudonym, Redaction, Report};

/// Patterns in priority order (an earlier one wins an overlap at the same start), with their
/// kind. Where a pattern has a capture group, only the group is replaced (`root` of `root@pam`).
const PATTERNS: &[(&str, &str)] = &[
    (
        "email",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    ),
    ("user", r"\b([a-z_][a-z0-9_.-]*)@(?:pam|pve|pbs|ldap|ad)\b"),
    (
        "user",
        r"(?:\bfor user|\bby user|\buser=|\bUSER=|\bruser=|\blogname=|\bacct=)\s?([A-Za-z_][A-Za-z0-9_.-]*)",
    ),
    ("user", r"CRON\[[0-9]+\]: \(([A-Za-z_][A-Za-z0-9_.-]*)\)"),
    (
        "user",
        r"\b(?:Accepted|Failed) [a-z-]+ for (?:invalid user )?([A-Za-z_][A-Za-z0-9_.-]*) from",
    ),
    ("user", r"\bInvalid user ([A-Za-z_][A-Za-z0-9_.-]*) from"),
    ("mac", r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b"),
    (
        "ip",
        r"\b(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}\b",
    ),
    (
        "ip",
        r"\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b|\b(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?\b",
    ),
];

/// One replacement found in a string: byte range, kind.
struct Hit {
    start: usize,
    end: usize,
    kind: &'static str,
}

/// Pseudonyms for one output: the same value gets the same name throughout.
pub struct Redactor {
    patterns: Vec<(&'static str, Regex)>,
    hosts: Vec<String>,
    names: BTreeMap<(&'static str, String), String>,
    counts: BTreeMap<String, usize>,
    order: Vec<(String, &'static str)>,
    next: BTreeMap<&'static str, usize>,
}

/// A name continues through letters, digits and `_`; a `-` ends it, so `101-web` and
/// `pve1-backup` give the name away and are redacted.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Redactor {
    fn hits(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (kind, re) in &self.patterns {
            for caps in re.captures_iter(text) {
                let span = caps.get_group(1).or_else(|| caps.get_group(0));
                if let Some(span) = span {
                    hits.push(Hit {
                        start: span.start,
                        end: span.end,
                        kind,
                    });
                }
            }
        }
        let bytes = text.as_bytes();
        for host in &self.hosts {
            for (at, _) in text.match_indices(host.as_str()) {
                let end = at + host.len();
                let before = at.checked_sub(1).and_then(|i| bytes.get(i)).copied();
                let after = bytes.get(end).copied();
                if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
                    hits.push(Hit {
                        start: at,
                        end,
                        kind: "host",
                    });
                }
            }
        }
        // Earliest first, the longest at one start; overlaps dropped.
        hits.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut kept: Vec<Hit> = Vec::new();
        for h in hits {
            if kept.last().is_none_or(|k| h.start >= k.end) {
                kept.push(h);
            }
        }
        kept
    }

    fn pseudonym(&mut self, kind: &'static str, value: &str) -> String {
        let key = (kind, value.to_string());
        if let Some(name) = self.names.get(&key) {
            let name = name.clone();
            *self.counts.entry(name.clone()).or_insert(0) += 1;
            return name;
        }
        let n = self.next.entry(kind).or_insert(0);
        *n += 1;
        let name = format!("{kind}-{n}");
        self.names.insert(key, name.clone());
        self.counts.insert(name.clone(), 1);
        self.order.push((name.clone(), kind));
        name
    }

    fn redact(&mut self, text: &str) -> String {
        let hits = self.hits(text);
        if hits.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for h in hits {
            let (Some(keep), Some(value)) = (text.get(at..h.start), text.get(h.start..h.end))
            else {
                continue;
            };
            out.push_str(keep);
            let name = self.pseudonym(h.kind, value);
            out.push_str(&name);
            at = h.end;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        out
    }
}

/// Rewrites every string value (not key) of a JSON text in document order.
fn map_string_values(json: &str, mut f: impl FnMut(&str) -> String) -> serde_json::Result<String> {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let end = (i + 1).min(bytes.len());
        i = end;
        let mut j = end;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if bytes.get(j) == Some(&b':') {
            continue;
        }
        let token = json.get(start..end).unwrap_or_default();
        let value: String = serde_json::from_str(token)?;
        out.push_str(json.get(copied..start).unwrap_or_default());
        out.push_str(&serde_json::to_string(&f(&value))?);
        copied = end;
    }
    out.push_str(json.get(copied..).unwrap_or_default());
    Ok(out)
}

impl Redactor {
    /// A redactor that also replaces the machine names given (the bundle's hosts and guests).
    pub fn new(machines: impl IntoIterator<Item = String>) -> Redactor {
        let mut hosts: Vec<String> = machines
            .into_iter()
            // A number is a VMID, not a name; very short names would hit ordinary words.
            .filter(|h| h.len() >= 3 && !h.bytes().all(|b| b.is_ascii_digit()) && h != "unknown")
            .collect();
        // Longest first, so `pve10` is not taken for `pve1`.
        hosts.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        hosts.dedup();
        Redactor {
            patterns: PATTERNS
                .iter()
                .filter_map(|(kind, p)| Regex::new(p).ok().map(|re| (*kind, re)))
                .collect(),
            hosts,
            names: BTreeMap::new(),
            counts: BTreeMap::new(),
            order: Vec::new(),
            next: BTreeMap::new(),
        }
    }

    /// Redacts a piece of text (a CSV or text line).
    pub fn text(&mut self, text: &str) -> String {
        self.redact(text)
    }

    /// Redacts the string values of one JSON text, keys left alone.
    pub fn json(&mut self, json: &str) -> serde_json::Result<String> {
        map_string_values(json, |s| self.redact(s))
    }

    /// The pseudonyms used so far, in order of first appearance, with their counts.
    pub fn summary(&self) -> Vec<Pseudonym> {
        self.order
            .iter()
            .map(|(name, kind)| Pseudonym {
                name: name.clone(),
                kind: kind.to_string(),
                count: self.counts.get(name).copied().unwrap_or(0),
            })
            .collect()
    }
}

/// The names a bundle gives its machines: each machine's, its host's, and every host name its
/// records carry (a syslog line's `pve1.example.org`), for [`Redactor::new`].
pub fn machine_names(analysis: &crate::analysis::Analysis<'_>) -> Vec<String> {
    let mut names: std::collections::BTreeSet<String> = analysis
        .machines
        .iter()
        .flat_map(|m| std::iter::once(m.name.clone()).chain(m.host.clone()))
        .chain(analysis.sources.iter().map(|s| s.machine.clone()))
        .chain(
            analysis
                .sources
                .iter()
                .filter_map(|s| s.prompt_host.clone()),
        )
        .collect();
    for s in &analysis.sources {
        for e in &s.parsed.events {
            if let Some(h) = e.hostname
                && let Ok(h) = std::str::from_utf8(h)
                && !names.contains(h)
            {
                names.insert(h.to_string());
            }
        }
    }
    names.into_iter().collect()
}

/// Redacts the report in place and adds the redaction summary; `names` are the bundle's
/// machine and host names ([`machine_names`]), the report's own machines are added.
pub fn redact(report: &mut Report, names: Vec<String>) -> serde_json::Result<()> {
    let mut r = Redactor::new(
        names
            .into_iter()
            .chain(
                report
                    .clock
                    .machines
                    .iter()
                    .map(|m| m.machine.clone())
                    .chain(report.sources.iter().map(|s| s.machine.clone()))
                    .chain(report.boots.iter().map(|b| b.machine.clone()))
                    .chain(report.clock.machines.iter().filter_map(|m| m.host.clone())),
            )
            .collect::<Vec<_>>(),
    );
    let json = serde_json::to_string(report)?;
    let redacted = r.json(&json)?;
    *report = serde_json::from_str(&redacted)?;
    report.redaction = Some(Redaction {
        pseudonyms: r.summary(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(hosts: &[&str]) -> Redactor {
        Redactor::new(hosts.iter().map(|h| h.to_string()))
    }

    #[test]
    fn pseudonyms_follow_first_appearance_and_stay_the_same() {
        let mut r = redactor(&["pve1"]);
        assert_eq!(
            r.redact(
                "Jul 29 11:56:40 pve1 sshd[1]: Accepted publickey for alice from 10.0.0.7 port 22"
            ),
            "Jul 29 11:56:40 host-1 sshd[1]: Accepted publickey for user-1 from ip-1 port 22"
        );
        assert_eq!(
            r.redact(
                "pvedaemon[2211]: <root@pam> starting task UPID:pve1:0000:qmstart:101:root@pam:"
            ),
            "pvedaemon[2211]: <user-2@pam> starting task UPID:host-1:0000:qmstart:101:user-2@pam:"
        );
        assert_eq!(
            r.redact("tap101i0 52:54:00:12:34:56 to 10.0.0.9, 10.0.0.7; mail ops@example.com; pam_unix(sshd:session): session opened for user bob"),
            "tap101i0 mac-1 to ip-2, ip-1; mail email-1; pam_unix(sshd:session): session opened for user user-3"
        );
        assert_eq!(
            r.redact("fe80::1 and 2001:db8:0:0:0:0:0:1"),
            "ip-3 and ip-4"
        );
        // Neither times nor a longer name are touched; a name in a compound is.
        assert_eq!(
            r.redact("11:56:40 pve10 pve1-backup"),
            "11:56:40 pve10 host-1-backup"
        );
        assert_eq!(
            r.redact("CRON[40212]: (root) CMD (true)"),
            "CRON[40212]: (user-2) CMD (true)"
        );
        assert_eq!(r.counts.get("host-1"), Some(&3));
        assert_eq!(
            r.redact("sshd[9]: Failed password for invalid user admin from 10.0.0.7 port 2"),
            "sshd[9]: Failed password for invalid user user-4 from ip-1 port 2"
        );
        // A longer host name is taken whole, before the short one it contains.
        let mut r = redactor(&["pve1", "pve1.example.org"]);
        assert_eq!(r.redact("pve1.example.org pve1"), "host-1 host-2");
    }

    #[test]
    fn keys_are_left_alone() {
        let json = r#"{"machine": "pve1", "text": "a \"pve1\" b"}"#;
        let out = map_string_values(json, |s| s.replace("pve1", "host-1")).unwrap_or_default();
        assert_eq!(out, r#"{"machine": "host-1", "text": "a \"host-1\" b"}"#);
    }
}
