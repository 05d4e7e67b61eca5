//! The report as one self-contained HTML page: no network, no external fonts, scripts or
//! styles; readable on screen and in print, light and dark.
//!
//! Safety: every piece of text from the bundle goes through [`escape::html`] here, at the
//! renderer boundary, and a Content-Security-Policy meta tag forbids every script
//! (`script-src 'none'`) and allows the one inline stylesheet by its SHA-256 hash (never
//! `unsafe-inline`), so even a payload that slipped through could neither run nor restyle the
//! page. The charts are inline SVG styled by classes and presentation attributes, which the
//! policy does not govern.
//!
//! Charts: an SVG timeline with one lane per machine and source around the incident, a tick
//! per record and one mark (`class="evidence-mark"`) per evidence record the findings cite;
//! and a bar chart of the numbers the bundle has (memory against MemTotal, disk use), or of
//! each source's records when it has no snapshots.

use std::collections::BTreeMap;
use std::io::{self, Write};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::clip;
use super::model::{Reconstruction, Record, Report, Step};
use crate::output::escape;

/// The page's only stylesheet; the CSP names its hash.
const STYLE: &str = r#"
:root { --fg: #1b1f24; --bg: #ffffff; --muted: #57606a; --line: #d0d7de; --mark: #cf222e;
  --host: #0969da; --guest: #8250df; --row: #f6f8fa; --hi: #fff8c5; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --line: #30363d; --mark: #ff7b72;
    --host: #58a6ff; --guest: #bc8cff; --row: #161b22; --hi: #3b2e00; }
}
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg);
  max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid var(--line); margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .2rem .4rem; vertical-align: top;
  text-align: left; overflow-wrap: anywhere; }
td:first-child { white-space: nowrap; }
tbody tr:nth-child(even) { background: var(--row); }
tr.evidence td { background: var(--hi); font-weight: 600; }
pre { background: var(--row); border: 1px solid var(--line); padding: .4rem; overflow-x: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.verdict { font-size: 1.2rem; } .muted { color: var(--muted); }
svg { width: 100%; height: auto; background: var(--bg); border: 1px solid var(--line); }
svg text { fill: var(--fg); font: 11px system-ui, sans-serif; }
svg .axis { stroke: var(--muted); } svg .tick { stroke: var(--muted); }
svg .tick.host { stroke: var(--host); } svg .tick.guest { stroke: var(--guest); }
svg .evidence-mark { fill: var(--mark); stroke: var(--bg); }
svg .bar { fill: var(--host); } svg .bar.total { fill: var(--guest); }
svg .bar.over { fill: var(--mark); } svg .track { fill: var(--row); stroke: var(--line); }
@media print { body { max-width: none; margin: 0; font-size: 10pt; color: #000; background: #fff; }
  pre, tr { break-inside: avoid; } svg { border: none; } }
"#;

fn h(text: &str) -> String {
    escape::html(text)
}

fn opt(text: Option<&str>) -> String {
    text.map_or_else(|| "—".to_string(), h)
}

/// The Content-Security-Policy: nothing from anywhere, the inline stylesheet by hash.
pub fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; script-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

fn parse(t: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn record(out: &mut dyn Write, r: &Record) -> io::Result<()> {
    write!(
        out,
        "<p class=\"muted\">{} — <code>{}</code>",
        opt(r.time.as_deref()),
        h(&r.place())
    )?;
    for s in &r.also_seen {
        write!(
            out,
            "<br>also seen: <code>{}</code>",
            h(&super::model::place(&s.source, s.line, s.offset))
        )?;
    }
    writeln!(out, "</p>\n<pre>{}</pre>", h(&r.text))
}

fn step(out: &mut dyn Write, label: &str, s: &Step) -> io::Result<()> {
    writeln!(
        out,
        "<h3>{label}: {} <span class=\"muted\">({} {})</span></h3>",
        h(&s.kind),
        h(&s.machine),
        h(&s.role)
    )?;
    record(out, &s.record)
}

/// The evidence records every finding cites, each once: (source, offset) → the record.
fn evidence_records(r: &Report) -> BTreeMap<(String, u64), &Record> {
    let mut all = BTreeMap::new();
    for f in &r.findings {
        for e in &f.evidence {
            all.entry((e.source.clone(), e.offset)).or_insert(e);
        }
    }
    all
}

/// The SVG timeline: a lane per machine and source, a tick per record of the excerpt, a mark
/// per evidence record (undated ones in a column of their own at the right).
fn timeline_svg(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let evidence = evidence_records(r);
    let mut times: Vec<DateTime<Utc>> = r
        .timeline
        .events
        .iter()
        .filter_map(|e| e.time.as_deref().and_then(parse))
        .chain(
            evidence
                .values()
                .filter_map(|e| e.time.as_deref().and_then(parse)),
        )
        .chain(r.timeline.since.as_deref().and_then(parse))
        .chain(r.timeline.until.as_deref().and_then(parse))
        .collect();
    times.sort_unstable();
    let (Some(&t0), Some(&t1)) = (times.first(), times.last()) else {
        times.clear();
        return writeln!(
            out,
            "<svg id=\"timeline-chart\" class=\"chart\" viewBox=\"0 0 900 40\" role=\"img\" aria-label=\"timeline\"><text x=\"10\" y=\"24\">no dated records</text></svg>"
        );
    };
    let mut lanes: Vec<(String, String)> = Vec::new();
    let mut lane_of = |role: &str, machine: &str, source: &str| -> usize {
        let key = (format!("{machine} ({role})"), source.to_string());
        match lanes.iter().position(|l| *l == key) {
            Some(i) => i,
            None => {
                lanes.push(key);
                lanes.len() - 1
            }
        }
    };
    struct Tick {
        lane: usize,
        x: Option<DateTime<Utc>>,
        role: String,
    }
    let mut ticks = Vec::new();
    for e in &r.timeline.events {
        let lane = lane_of(&e.role, &e.machine, &e.source);
        ticks.push(Tick {
            lane,
            x: e.time.as_deref().and_then(parse),
            role: e.role.clone(),
        });
    }
    let role_of = |source: &str| {
        r.sources
            .iter()
            .find(|s| s.path == source)
            .map(|s| (s.role.clone(), s.machine.clone()))
            .unwrap_or_default()
    };
    let marks: Vec<(usize, Option<DateTime<Utc>>, &Record)> = evidence
        .values()
        .map(|e| {
            let (role, machine) = role_of(&e.source);
            (
                lane_of(&role, &machine, &e.source),
                e.time.as_deref().and_then(parse),
                *e,
            )
        })
        .collect();
    const LEFT: f64 = 260.0;
    const PLOT: f64 = 560.0;
    const UNDATED_X: f64 = 860.0;
    const LANE_H: f64 = 22.0;
    let span = (t1 - t0).num_milliseconds().max(1) as f64;
    let x_of = |t: Option<DateTime<Utc>>| match t {
        Some(t) => LEFT + PLOT * ((t - t0).num_milliseconds() as f64 / span),
        None => UNDATED_X,
    };
    let height = 40.0 + LANE_H * lanes.len() as f64;
    writeln!(
        out,
        "<svg id=\"timeline-chart\" class=\"chart\" viewBox=\"0 0 900 {height:.0}\" role=\"img\" aria-label=\"timeline of records per machine and source, evidence marked\">"
    )?;
    for (i, (who, source)) in lanes.iter().enumerate() {
        let y = 20.0 + LANE_H * i as f64;
        writeln!(
            out,
            "<text x=\"4\" y=\"{:.1}\">{}</text><line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.0}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>",
            y + 4.0,
            h(&clip(&format!("{who} {source}"), 40)),
            LEFT + PLOT
        )?;
    }
    for t in &ticks {
        let y = 20.0 + LANE_H * t.lane as f64;
        writeln!(
            out,
            "<line class=\"tick {}\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            h(&t.role),
            y - 6.0,
            y + 6.0,
            x = x_of(t.x)
        )?;
    }
    for (lane, x, e) in &marks {
        let y = 20.0 + LANE_H * *lane as f64;
        writeln!(
            out,
            "<circle class=\"evidence-mark\" cx=\"{:.1}\" cy=\"{y:.1}\" r=\"5\"><title>{} {}: {}</title></circle>",
            x_of(*x),
            opt(e.time.as_deref()),
            h(&e.place()),
            h(&clip(&e.text, 200))
        )?;
    }
    let axis_y = height - 10.0;
    writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{axis_y:.0}\">{}</text><text x=\"{:.0}\" y=\"{axis_y:.0}\" text-anchor=\"end\">{}</text><text x=\"{UNDATED_X}\" y=\"{axis_y:.0}\" text-anchor=\"middle\">undated</text></svg>",
        h(&crate::event::rfc3339(t0)),
        LEFT + PLOT,
        h(&crate::event::rfc3339(t1))
    )
}

/// A horizontal bar chart: (label, value, maximum, class).
fn bars(
    out: &mut dyn Write,
    id: &str,
    title: &str,
    rows: &[(String, f64, f64, &str)],
) -> io::Result<()> {
    const LEFT: f64 = 300.0;
    const WIDTH: f64 = 560.0;
    let height = 30.0 + 22.0 * rows.len() as f64;
    writeln!(
        out,
        "<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 900 {height:.0}\" role=\"img\" aria-label=\"{}\"><text x=\"4\" y=\"16\">{}</text>",
        h(title),
        h(title)
    )?;
    for (i, (label, value, max, class)) in rows.iter().enumerate() {
        let y = 24.0 + 22.0 * i as f64;
        let w = if *max > 0.0 {
            (WIDTH * value / max).clamp(0.0, WIDTH)
        } else {
            0.0
        };
        writeln!(
            out,
            "<text x=\"4\" y=\"{:.0}\">{}</text><rect class=\"track\" x=\"{LEFT}\" y=\"{y:.0}\" width=\"{WIDTH}\" height=\"16\"/><rect class=\"bar {class}\" x=\"{LEFT}\" y=\"{y:.0}\" width=\"{w:.1}\" height=\"16\"/>",
            y + 12.0,
            h(&clip(label, 46))
        )?;
    }
    writeln!(out, "</svg>")
}

/// The numbers the bundle has: memory (MemTotal, configured VM memory, each VM), disk use; or
/// each source's records when it has no snapshot.
fn numbers_svg(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let res = &r.resources;
    let mut rows: Vec<(String, f64, f64, &str)> = Vec::new();
    let mem_max = res
        .memory
        .iter()
        .map(|m| m.mem_total_mib)
        .chain([res.vm_memory_total_mib])
        .max()
        .unwrap_or(0) as f64;
    for m in &res.memory {
        rows.push((
            format!("MemTotal {} ({} MiB)", m.machine, m.mem_total_mib),
            m.mem_total_mib as f64,
            mem_max,
            "total",
        ));
    }
    if !res.vms.is_empty() {
        let over = res
            .memory
            .iter()
            .any(|m| res.vm_memory_total_mib >= m.mem_total_mib);
        rows.push((
            format!("VM memory configured ({} MiB)", res.vm_memory_total_mib),
            res.vm_memory_total_mib as f64,
            mem_max,
            if over { "over" } else { "" },
        ));
        for vm in &res.vms {
            rows.push((
                format!(
                    "VM {} {} ({} MiB)",
                    vm.vmid.map_or("?".to_string(), |v| v.to_string()),
                    vm.name.as_deref().unwrap_or(""),
                    vm.memory_mib
                ),
                vm.memory_mib as f64,
                mem_max,
                "",
            ));
        }
    }
    for d in &res.disks {
        if let Some(p) = d.use_percent {
            rows.push((
                format!("{} {} {p} %", d.machine, d.mounted_on),
                f64::from(p),
                100.0,
                if p >= 95 { "over" } else { "" },
            ));
        }
    }
    if rows.is_empty() {
        let max = r.sources.iter().map(|s| s.events).max().unwrap_or(0) as f64;
        for s in &r.sources {
            rows.push((
                format!("{} ({} records)", s.path, s.events),
                s.events as f64,
                max,
                "",
            ));
        }
        return bars(
            out,
            "numbers-chart",
            "records per source (the bundle has no memory or disk snapshot)",
            &rows,
        );
    }
    bars(out, "numbers-chart", "memory (MiB) and disk use", &rows)
}

fn table_head(out: &mut dyn Write, cols: &[&str]) -> io::Result<()> {
    write!(out, "<table><thead><tr>")?;
    for c in cols {
        write!(out, "<th>{c}</th>")?;
    }
    writeln!(out, "</tr></thead><tbody>")
}

fn row(out: &mut dyn Write, class: &str, cells: &[String]) -> io::Result<()> {
    if class.is_empty() {
        write!(out, "<tr>")?;
    } else {
        write!(out, "<tr class=\"{class}\">")?;
    }
    for c in cells {
        write!(out, "<td>{c}</td>")?;
    }
    writeln!(out, "</tr>")
}

/// Writes the report as one HTML page.
pub fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let v = &r.verdict;
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        content_security_policy()
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">"
    )?;
    writeln!(
        out,
        "<title>pvelog report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        h(&v.family)
    )?;
    writeln!(out, "<h1>pvelog incident report</h1>")?;
    writeln!(
        out,
        "<p class=\"verdict\"><strong>{}</strong> (confidence {:.2}), outcome <strong>{}</strong>{}</p>",
        h(&v.family),
        v.confidence,
        h(&v.outcome),
        r.runner_up.as_ref().map_or(String::new(), |ru| format!(
            "; runner-up {} ({:.2})",
            h(&ru.family),
            ru.confidence
        ))
    )?;
    writeln!(out, "<blockquote>{}</blockquote>", h(&v.summary))?;

    writeln!(out, "<h2>Incident</h2>")?;
    table_head(out, &["what stopped", "when", "where", "VMs"])?;
    let i = &r.incident;
    let vms: Vec<String> = i.vms.iter().map(u32::to_string).collect();
    row(
        out,
        "",
        &[
            h(&i.outcome),
            match &r.verdict.incident_time_bound {
                Some([from, to]) => {
                    crate::output::incident_bound(r.verdict.incident_time.as_deref(), from, to, h)
                }
                None => opt(i.time.as_deref()),
            },
            match (&i.machine, &i.role) {
                (Some(m), Some(role)) => format!("{} ({})", h(m), h(role)),
                _ => "—".to_string(),
            },
            if vms.is_empty() {
                "—".to_string()
            } else {
                vms.join(", ")
            },
        ],
    )?;
    writeln!(out, "</tbody></table>")?;

    writeln!(out, "<h2>Reconstruction</h2>")?;
    let rc = &r.reconstruction;
    if rc.activities.is_empty() {
        writeln!(out, "<p>{}</p>", Reconstruction::NO_ACTIVITY)?;
    }
    for a in &rc.activities {
        step(out, "Running", a)?;
    }
    match &rc.pressure {
        Some(p) => step(out, "Pressure started", p)?,
        None => writeln!(out, "<p>{}</p>", Reconstruction::NO_PRESSURE)?,
    }
    if let Some(t) = &rc.trigger {
        step(out, "Trigger", t)?;
    }
    if let Some(by) = &rc.recovered_by {
        if let Some(d) = rc.downtime_s {
            writeln!(out, "<p>Down for {d:.0} s.</p>")?;
        }
        step(out, "Recovered", by)?;
    }
    if let Some(text) = rc.unrecorded_recovery() {
        writeln!(out, "<p>{text}</p>")?;
    }

    writeln!(out, "<h2>Timeline around the incident</h2>")?;
    timeline_svg(out, r)?;
    let t = &r.timeline;
    if let (Some(s), Some(u)) = (&t.since, &t.until) {
        writeln!(
            out,
            "<p class=\"muted\">From {} to {}; evidence highlighted.</p>",
            h(s),
            h(u)
        )?;
    }
    let other = t.events.iter().any(|x| x.role == "unknown");
    if other {
        table_head(out, &["time", "host", "guest", "other"])?;
    } else {
        table_head(out, &["time", "host", "guest"])?;
    }
    for x in &t.events {
        let mut text = format!("{}: ", x.machine);
        if let Some(ident) = &x.ident {
            text.push_str(ident);
            text.push_str(": ");
        }
        text.push_str(&x.message);
        let cell = h(&text);
        let (host, guest, rest) = match x.role.as_str() {
            "host" => (cell, String::new(), String::new()),
            "guest" => (String::new(), cell, String::new()),
            _ => (String::new(), String::new(), cell),
        };
        let class = if x.evidence { "evidence" } else { "" };
        if other {
            row(out, class, &[opt(x.time.as_deref()), host, guest, rest])?;
        } else {
            row(out, class, &[opt(x.time.as_deref()), host, guest])?;
        }
    }
    writeln!(out, "</tbody></table>")?;
    if t.left_out > 0 {
        writeln!(
            out,
            "<p>{} more records in the window are left out.</p>",
            t.left_out
        )?;
    }

    writeln!(out, "<h2>Findings</h2>")?;
    for (n, f) in r.findings.iter().enumerate() {
        writeln!(
            out,
            "<h3>{}. {} ({:.2}): {}</h3>",
            n + 1,
            h(&f.family),
            f.confidence,
            h(&f.title)
        )?;
        for ev in &f.evidence {
            record(out, ev)?;
        }
        for (label, list) in [
            ("VMs named by their process id", &f.identified),
            ("Against", &f.against),
            ("Missing", &f.missing),
            ("Actions", &f.recommendations),
        ] {
            if !list.is_empty() {
                writeln!(out, "<p>{label}:</p><ul>")?;
                for item in list {
                    writeln!(out, "<li>{}</li>", h(item))?;
                }
                writeln!(out, "</ul>")?;
            }
        }
    }

    writeln!(out, "<h2>Resources</h2>")?;
    numbers_svg(out, r)?;
    let res = &r.resources;
    if !res.memory.is_empty() || !res.vms.is_empty() {
        table_head(out, &["memory", "MiB", "source"])?;
        for m in &res.memory {
            row(
                out,
                "",
                &[
                    format!("MemTotal of {}", h(&m.machine)),
                    m.mem_total_mib.to_string(),
                    h(&m.source),
                ],
            )?;
        }
        for vm in &res.vms {
            row(
                out,
                "",
                &[
                    format!(
                        "VM {} {}",
                        vm.vmid.map_or("?".to_string(), |v| v.to_string()),
                        opt(vm.name.as_deref())
                    ),
                    vm.memory_mib.to_string(),
                    h(&vm.source),
                ],
            )?;
        }
        row(
            out,
            "",
            &[
                "configured VM memory, total".to_string(),
                res.vm_memory_total_mib.to_string(),
                String::new(),
            ],
        )?;
        writeln!(out, "</tbody></table>")?;
    }
    if !res.disks.is_empty() {
        table_head(
            out,
            &[
                "machine",
                "file system",
                "mounted on",
                "size",
                "used",
                "use",
            ],
        )?;
        for d in &res.disks {
            row(
                out,
                "",
                &[
                    h(&d.machine),
                    h(&d.filesystem),
                    h(&d.mounted_on),
                    d.size_bytes.to_string(),
                    d.used_bytes.to_string(),
                    d.use_percent.map_or("—".to_string(), |p| format!("{p} %")),
                ],
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    if !res.pools.is_empty() {
        table_head(out, &["machine", "pool", "state", "errors"])?;
        for p in &res.pools {
            row(
                out,
                "",
                &[
                    h(&p.machine),
                    h(&p.name),
                    opt(p.state.as_deref()),
                    opt(p.errors.as_deref()),
                ],
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    if !res.temperatures.is_empty() {
        table_head(out, &["machine", "sensor", "°C", "critical", "alarm"])?;
        for t in &res.temperatures {
            row(
                out,
                "",
                &[
                    h(&t.machine),
                    h(&t.sensor),
                    t.celsius.map_or("—".to_string(), |c| format!("{c:.1}")),
                    t.crit_celsius
                        .map_or("—".to_string(), |c| format!("{c:.1}")),
                    if t.alarm {
                        "ALARM".to_string()
                    } else {
                        String::new()
                    },
                ],
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }

    writeln!(out, "<h2>Boot history</h2>")?;
    table_head(out, &["machine", "boot", "start", "end", "ended"])?;
    for m in &r.boots {
        for b in &m.boots {
            row(
                out,
                "",
                &[
                    format!("{} ({})", h(&m.machine), h(&m.role)),
                    opt(b.boot_id.as_deref()),
                    opt(b.start.as_deref()),
                    opt(b.end.as_deref()),
                    format!("{}: {}", h(&b.end_kind), h(&b.reason)),
                ],
            )?;
        }
    }
    writeln!(out, "</tbody></table>")?;

    writeln!(out, "<h2>Clock</h2>")?;
    if let Some(rt) = &r.clock.reference_time {
        writeln!(
            out,
            "<p>Reference time for years: {} (from {}).</p>",
            h(rt),
            opt(r.clock.reference_from.as_deref())
        )?;
    }
    table_head(
        out,
        &[
            "machine",
            "role",
            "VMID",
            "host",
            "clock offset",
            "aligned",
            "why",
        ],
    )?;
    for m in &r.clock.machines {
        row(
            out,
            "",
            &[
                h(&m.machine),
                h(&m.role),
                m.vmid.map_or("—".to_string(), |v| v.to_string()),
                opt(m.host.as_deref()),
                m.clock_offset_s
                    .map_or("—".to_string(), |s| format!("{s:+.3} s")),
                if m.aligned { "yes" } else { "no" }.to_string(),
                h(&m.evidence.join("; ")),
            ],
        )?;
    }
    writeln!(out, "</tbody></table>")?;

    writeln!(out, "<h2>Sources and coverage</h2>")?;
    table_head(
        out,
        &[
            "source",
            "format",
            "machine",
            "records",
            "unparsed",
            "first",
            "last",
            "undated",
            "time fixes",
            "gaps",
        ],
    )?;
    for s in &r.sources {
        let fixes: Vec<String> = s
            .time_quality
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let gaps: Vec<String> = s
            .gaps
            .iter()
            .map(|g| format!("{} to {}", g.from, g.to))
            .collect();
        row(
            out,
            "",
            &[
                h(&s.path),
                h(&s.format),
                format!("{} ({})", h(&s.machine), h(&s.role)),
                s.events.to_string(),
                s.unparsed.to_string(),
                opt(s.first.as_deref()),
                opt(s.last.as_deref()),
                s.undated.to_string(),
                h(&fixes.join(", ")),
                h(&gaps.join("; ")),
            ],
        )?;
    }
    writeln!(out, "</tbody></table>")?;

    writeln!(out, "<h2>Actions and escalation</h2><ul>")?;
    for a in &r.actions {
        writeln!(out, "<li>{}</li>", h(a))?;
    }
    for x in &r.escalate {
        writeln!(out, "<li><strong>Escalate:</strong> {}</li>", h(x))?;
    }
    if r.actions.is_empty() && r.escalate.is_empty() {
        writeln!(out, "<li>None for this verdict.</li>")?;
    }
    writeln!(out, "</ul>")?;

    if !r.incidents.is_empty() {
        writeln!(out, "<h2>Incidents</h2>")?;
        table_head(out, &["#", "VM", "time", "family", "confidence"])?;
        for (n, i) in r.incidents.iter().enumerate() {
            row(
                out,
                "",
                &[
                    (n + 1).to_string(),
                    i.vmid.map_or("?".to_string(), |v| v.to_string()),
                    opt(i.time.as_deref()),
                    h(&i.family),
                    format!("{:.2}", i.confidence),
                ],
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }

    writeln!(out, "<h2>Provenance</h2><ul>")?;
    let p = &r.provenance;
    writeln!(out, "<li>{}</li>", h(&p.pvelog_version))?;
    writeln!(
        out,
        "<li>arguments: <code>{}</code></li>",
        h(&p.arguments.join(" "))
    )?;
    for input in &p.inputs {
        match &input.sha256 {
            Some(sum) => writeln!(
                out,
                "<li>{} <code>{}</code> ({} bytes) SHA-256 <code>{}</code></li>",
                h(&input.kind),
                h(&input.input),
                input.bytes,
                h(sum)
            )?,
            None => {
                writeln!(
                    out,
                    "<li>{} <code>{}</code> ({} bytes in {} files)<ul>",
                    h(&input.kind),
                    h(&input.input),
                    input.bytes,
                    input.files.len()
                )?;
                for f in &input.files {
                    writeln!(
                        out,
                        "<li><code>{}</code> ({} bytes) SHA-256 <code>{}</code></li>",
                        h(&f.path),
                        f.bytes,
                        h(&f.sha256)
                    )?;
                }
                writeln!(out, "</ul></li>")?;
            }
        }
    }
    writeln!(out, "</ul>")?;
    if let Some(red) = &r.redaction {
        writeln!(out, "<h2>Redaction</h2>")?;
        writeln!(
            out,
            "<p>Addresses, host, user and e-mail names were replaced by pseudonyms in order of first appearance.</p>"
        )?;
        table_head(out, &["pseudonym", "kind", "replaced"])?;
        for ps in &red.pseudonyms {
            row(out, "", &[h(&ps.name), h(&ps.kind), ps.count.to_string()])?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "</body>\n</html>")
}
