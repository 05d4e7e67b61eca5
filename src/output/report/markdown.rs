//! The report as Markdown that renders on GitHub and GitLab: sections with tables, each record
//! quoted whole in a fenced code block, every piece of log text escaped at this boundary
//! ([`escape::markdown`] in text and table cells, [`escape::code_block`] for records), so a `|`
//! cannot split a row, a backtick cannot close a span, `<script>` stays text and no terminal
//! escape byte survives.

use std::io::{self, Write};

use super::clip;
use super::model::{Reconstruction, Record, Report, Step};
use crate::output::escape;

/// Longest message shown in a timeline cell; the findings quote records whole.
const CELL_MAX: usize = 240;

fn e(text: &str) -> String {
    escape::markdown(text)
}

fn opt(text: Option<&str>) -> String {
    text.map_or_else(|| "—".to_string(), e)
}

fn record(out: &mut dyn Write, r: &Record) -> io::Result<()> {
    // Plain escaped text, not a code span: backslash escapes do not work inside one.
    writeln!(out, "- {} — {}", opt(r.time.as_deref()), e(&r.place()))?;
    for s in &r.also_seen {
        writeln!(
            out,
            "  - also seen: {}",
            e(&super::model::place(&s.source, s.line, s.offset))
        )?;
    }
    writeln!(out)?;
    out.write_all(escape::code_block(&r.text).as_bytes())?;
    writeln!(out)
}

fn step(out: &mut dyn Write, label: &str, s: &Step) -> io::Result<()> {
    writeln!(
        out,
        "**{label}** ({}, {} {}):",
        e(&s.kind),
        e(&s.machine),
        e(&s.role)
    )?;
    record(out, &s.record)
}

/// Writes the report as Markdown.
pub fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let v = &r.verdict;
    writeln!(out, "# pvelog incident report\n")?;
    writeln!(
        out,
        "**Verdict:** {} (confidence {:.2}), outcome {}",
        e(&v.family),
        v.confidence,
        e(&v.outcome)
    )?;
    if let Some(ru) = &r.runner_up {
        writeln!(
            out,
            "  \n**Runner-up:** {} ({:.2})",
            e(&ru.family),
            ru.confidence
        )?;
    }
    writeln!(out, "\n> {}\n", e(&v.summary))?;

    writeln!(out, "## Incident\n")?;
    writeln!(out, "| what stopped | when | where | VMs |")?;
    writeln!(out, "|---|---|---|---|")?;
    let i = &r.incident;
    let vms: Vec<String> = i.vms.iter().map(u32::to_string).collect();
    writeln!(
        out,
        "| {} | {} | {} | {} |\n",
        e(&i.outcome),
        match &r.verdict.incident_time_bound {
            Some([from, to]) => crate::output::incident_bound(
                r.verdict.incident_time.as_deref(),
                from,
                to,
                str::to_string
            ),
            None => opt(i.time.as_deref()),
        },
        match (&i.machine, &i.role) {
            (Some(m), Some(role)) => format!("{} ({})", e(m), e(role)),
            _ => "—".to_string(),
        },
        if vms.is_empty() {
            "—".to_string()
        } else {
            vms.join(", ")
        }
    )?;

    writeln!(out, "## Reconstruction\n")?;
    let rc = &r.reconstruction;
    if rc.activities.is_empty() {
        writeln!(out, "{}\n", Reconstruction::NO_ACTIVITY)?;
    }
    for a in &rc.activities {
        step(out, "Running", a)?;
    }
    match &rc.pressure {
        Some(p) => step(out, "Pressure started", p)?,
        None => writeln!(out, "{}\n", Reconstruction::NO_PRESSURE)?,
    }
    if let Some(t) = &rc.trigger {
        step(out, "Trigger", t)?;
    }
    if let Some(by) = &rc.recovered_by {
        if let Some(d) = rc.downtime_s {
            writeln!(out, "Down for {d:.0} s.\n")?;
        }
        step(out, "Recovered", by)?;
    }
    if let Some(text) = rc.unrecorded_recovery() {
        writeln!(out, "{text}\n")?;
    }

    writeln!(out, "## Timeline around the incident\n")?;
    let t = &r.timeline;
    if let (Some(s), Some(u)) = (&t.since, &t.until) {
        writeln!(out, "From {} to {}; evidence in bold.\n", e(s), e(u))?;
    }
    let other = t.events.iter().any(|x| x.role == "unknown");
    if other {
        writeln!(out, "| time | host | guest | other |\n|---|---|---|---|")?;
    } else {
        writeln!(out, "| time | host | guest |\n|---|---|---|")?;
    }
    for x in &t.events {
        let mut text = format!("{}: ", x.machine);
        if let Some(ident) = &x.ident {
            text.push_str(ident);
            text.push_str(": ");
        }
        text.push_str(&x.message);
        let mut cell = e(&clip(&text, CELL_MAX));
        if x.evidence {
            cell = format!("**{cell}**");
        }
        let cells = match (x.role.as_str(), other) {
            ("host", true) => format!("{cell} | | "),
            ("guest", true) => format!(" | {cell} | "),
            (_, true) => format!(" | | {cell}"),
            ("host", false) => format!("{cell} | "),
            _ => format!(" | {cell}"),
        };
        writeln!(out, "| {} | {cells} |", opt(x.time.as_deref()))?;
    }
    if t.left_out > 0 {
        writeln!(
            out,
            "\n{} more records in the window are left out.",
            t.left_out
        )?;
    }
    writeln!(out)?;

    writeln!(out, "## Findings\n")?;
    for (n, f) in r.findings.iter().enumerate() {
        writeln!(
            out,
            "### {}. {} ({:.2}): {}\n",
            n + 1,
            e(&f.family),
            f.confidence,
            e(&f.title)
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
                writeln!(out, "{label}:\n")?;
                for item in list {
                    writeln!(out, "- {}", e(item))?;
                }
                writeln!(out)?;
            }
        }
    }

    writeln!(out, "## Resources\n")?;
    let res = &r.resources;
    if res.memory.is_empty()
        && res.vms.is_empty()
        && res.disks.is_empty()
        && res.pools.is_empty()
        && res.temperatures.is_empty()
    {
        writeln!(
            out,
            "The bundle holds no snapshots (meminfo, qm, df, zpool, sensors).\n"
        )?;
    }
    if !res.memory.is_empty() || !res.vms.is_empty() {
        writeln!(out, "| memory | MiB | source |\n|---|---:|---|")?;
        for m in &res.memory {
            writeln!(
                out,
                "| MemTotal of {} | {} | {} |",
                e(&m.machine),
                m.mem_total_mib,
                e(&m.source)
            )?;
        }
        for vm in &res.vms {
            writeln!(
                out,
                "| VM {} {} | {} | {} |",
                vm.vmid.map_or("?".to_string(), |v| v.to_string()),
                opt(vm.name.as_deref()),
                vm.memory_mib,
                e(&vm.source)
            )?;
        }
        writeln!(
            out,
            "| configured VM memory, total | {} | |\n",
            res.vm_memory_total_mib
        )?;
    }
    if !res.disks.is_empty() {
        writeln!(
            out,
            "| machine | file system | mounted on | size | used | use |\n|---|---|---|---:|---:|---:|"
        )?;
        for d in &res.disks {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                e(&d.machine),
                e(&d.filesystem),
                e(&d.mounted_on),
                d.size_bytes,
                d.used_bytes,
                d.use_percent.map_or("—".to_string(), |p| format!("{p} %"))
            )?;
        }
        writeln!(out)?;
    }
    if !res.pools.is_empty() {
        writeln!(
            out,
            "| machine | pool | state | errors |\n|---|---|---|---|"
        )?;
        for p in &res.pools {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                e(&p.machine),
                e(&p.name),
                opt(p.state.as_deref()),
                opt(p.errors.as_deref())
            )?;
        }
        writeln!(out)?;
    }
    if !res.temperatures.is_empty() {
        writeln!(
            out,
            "| machine | sensor | °C | critical | alarm |\n|---|---|---:|---:|---|"
        )?;
        for t in &res.temperatures {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                e(&t.machine),
                e(&t.sensor),
                t.celsius.map_or("—".to_string(), |c| format!("{c:.1}")),
                t.crit_celsius
                    .map_or("—".to_string(), |c| format!("{c:.1}")),
                if t.alarm { "ALARM" } else { "" }
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Boot history\n")?;
    writeln!(
        out,
        "| machine | boot | start | end | ended |\n|---|---|---|---|---|"
    )?;
    for m in &r.boots {
        for b in &m.boots {
            writeln!(
                out,
                "| {} ({}) | {} | {} | {} | {}: {} |",
                e(&m.machine),
                e(&m.role),
                opt(b.boot_id.as_deref()),
                opt(b.start.as_deref()),
                opt(b.end.as_deref()),
                e(&b.end_kind),
                e(&b.reason)
            )?;
        }
    }
    writeln!(out)?;

    writeln!(out, "## Clock\n")?;
    if let Some(rt) = &r.clock.reference_time {
        writeln!(
            out,
            "Reference time for years: {} (from {}).\n",
            e(rt),
            opt(r.clock.reference_from.as_deref())
        )?;
    }
    writeln!(
        out,
        "| machine | role | VMID | host | clock offset | aligned | why |\n|---|---|---|---|---:|---|---|"
    )?;
    for m in &r.clock.machines {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            e(&m.machine),
            e(&m.role),
            m.vmid.map_or("—".to_string(), |v| v.to_string()),
            opt(m.host.as_deref()),
            m.clock_offset_s
                .map_or("—".to_string(), |s| format!("{s:+.3} s")),
            if m.aligned { "yes" } else { "no" },
            e(&m.evidence.join("; "))
        )?;
    }
    writeln!(out)?;

    writeln!(out, "## Sources and coverage\n")?;
    writeln!(
        out,
        "| source | format | machine | records | unparsed | first | last | undated | time fixes | gaps |\n|---|---|---|---:|---:|---|---|---:|---|---|"
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
        writeln!(
            out,
            "| {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} |",
            e(&s.path),
            e(&s.format),
            e(&s.machine),
            e(&s.role),
            s.events,
            s.unparsed,
            opt(s.first.as_deref()),
            opt(s.last.as_deref()),
            s.undated,
            e(&fixes.join(", ")),
            e(&gaps.join("; "))
        )?;
    }
    writeln!(out)?;

    writeln!(out, "## Actions and escalation\n")?;
    for a in &r.actions {
        writeln!(out, "- {}", e(a))?;
    }
    for x in &r.escalate {
        writeln!(out, "- **Escalate:** {}", e(x))?;
    }
    if r.actions.is_empty() && r.escalate.is_empty() {
        writeln!(out, "None for this verdict.")?;
    }
    writeln!(out)?;

    if !r.incidents.is_empty() {
        writeln!(out, "## Incidents\n")?;
        writeln!(
            out,
            "| # | VM | time | family | confidence |\n|---:|---|---|---|---:|"
        )?;
        for (n, i) in r.incidents.iter().enumerate() {
            writeln!(
                out,
                "| {} | {} | {} | {} | {:.2} |",
                n + 1,
                i.vmid.map_or("?".to_string(), |v| v.to_string()),
                opt(i.time.as_deref()),
                e(&i.family),
                i.confidence
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Provenance\n")?;
    let p = &r.provenance;
    writeln!(out, "- {}", e(&p.pvelog_version))?;
    writeln!(out, "- arguments: {}", e(&p.arguments.join(" ")))?;
    for input in &p.inputs {
        match &input.sha256 {
            Some(h) => writeln!(
                out,
                "- {} {} ({} bytes) SHA-256 {}",
                e(&input.kind),
                e(&input.input),
                input.bytes,
                h
            )?,
            None => writeln!(
                out,
                "- {} {} ({} bytes in {} files):",
                e(&input.kind),
                e(&input.input),
                input.bytes,
                input.files.len()
            )?,
        }
        for f in &input.files {
            writeln!(
                out,
                "  - {} ({} bytes) SHA-256 {}",
                e(&f.path),
                f.bytes,
                f.sha256
            )?;
        }
    }
    if let Some(red) = &r.redaction {
        writeln!(out, "\n## Redaction\n")?;
        writeln!(
            out,
            "Addresses, host, user and e-mail names were replaced by pseudonyms in order of first appearance.\n"
        )?;
        writeln!(out, "| pseudonym | kind | replaced |\n|---|---|---:|")?;
        for ps in &red.pseudonyms {
            writeln!(out, "| {} | {} | {} |", e(&ps.name), e(&ps.kind), ps.count)?;
        }
    }
    Ok(())
}
