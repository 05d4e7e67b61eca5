//! `pvelog timeline`: the merged records, filtered by time window, machine and priority;
//! `--incident N` centres the window on a VM stop the diagnosis found.

use std::io::Write;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, ValueEnum};

use super::{Common, parse_duration, parse_priority, parse_time};
use crate::analysis::Analysis;
use crate::diagnose;
use crate::error::Error;
use crate::output::report::redact::{Redactor, machine_names};
use crate::output::timeline::{Filter, TimelineView};
use crate::output::{ColorWhen, Format, Render};
use crate::timeline::Window;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pvelog timeline bundle.tgz
  pvelog timeline --incident bundle.tgz                 # the verdict's incident, ±15 min
  pvelog timeline --incident=2 --window 5m bundle.tgz   # the second VM stop found
  pvelog timeline --since '2025-07-29 09:50' --until '2025-07-29 10:05' --machine pve1 bundle.tgz
  pvelog timeline --vm 101 --priority warning bundle.tgz
  pvelog timeline --unit pvedaemon --format jsonl bundle.tgz
  pvelog timeline --format csv bundle.tgz > timeline.csv")]
pub(super) struct TimelineArgs {
    #[command(flatten)]
    pub(super) common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
    format: TimelineFormat,
    /// Only events at or after TIME (RFC 3339, or `YYYY-MM-DD[ HH:MM[:SS]]` read as UTC).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    since: Option<DateTime<Utc>>,
    /// Only events at or before TIME.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<DateTime<Utc>>,
    /// Only events within --window of TIME.
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with_all = ["since", "until"])]
    around: Option<DateTime<Utc>>,
    /// Only the window around an incident, host and guest together: without N the verdict's
    /// incident, with `--incident=N` the Nth VM stop found (1-based, in time order; `pvelog
    /// diagnose` lists them). A bare `--incident` never takes the next argument, so it cannot
    /// swallow an INPUT.
    #[arg(long, value_name = "N", num_args = 0..=1, require_equals = true, default_missing_value = "0", conflicts_with_all = ["since", "until", "around"])]
    incident: Option<usize>,
    /// Half-width of the --around and --incident window (`90s`, `15m`, `2h`, `1d`).
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "15m")]
    window: Duration,
    /// Only events of this machine (repeatable).
    #[arg(long = "machine", value_name = "NAME")]
    machines: Vec<String>,
    /// Only events at this syslog priority or more severe (0–7 or a name: err, warning…).
    #[arg(long, value_name = "PRIORITY", value_parser = parse_priority)]
    priority: Option<u8>,
    /// Only events of this guest, by VMID or CTID (repeatable).
    #[arg(long = "vm", value_name = "VMID")]
    vms: Vec<u32>,
    /// Only events of this systemd unit or syslog identifier (`pvedaemon`,
    /// `qemu-server@101.service`; repeatable).
    #[arg(long = "unit", value_name = "UNIT")]
    units: Vec<String>,
    /// Replace IP and MAC addresses, host, user and e-mail names with pseudonyms (host-1,
    /// ip-1…, in order of first appearance); the pseudonyms are listed on stderr.
    #[arg(long)]
    redact: bool,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TimelineFormat {
    /// One record per line, for a person.
    Text,
    /// JSON Lines, one object per record.
    Jsonl,
    /// CSV (RFC 4180) with the JSON Lines keys as header, for spreadsheets.
    Csv,
    /// JSON Lines that Timesketch and OpenSearch import (dated records only).
    Timesketch,
}

/// Runs `timeline` over the analysis.
pub(super) fn run(
    args: &TimelineArgs,
    analysis: &Analysis<'_>,
    quiet: bool,
    format: impl Fn(bool, ColorWhen) -> Format,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let around = match args.incident {
        Some(n) => Some(incident_time(analysis, n, quiet)?),
        None => args.around,
    };
    let window = match around {
        Some(t) => Window {
            since: Some(t - args.window),
            until: Some(t + args.window),
        },
        None => Window {
            since: args.since,
            until: args.until,
        },
    };
    let filter = Filter {
        window,
        machines: args.machines.clone(),
        max_priority: args.priority,
        vms: args.vms.clone(),
        units: args.units.clone(),
    };
    let view = TimelineView {
        analysis,
        filter: &filter,
    };
    let format = match args.format {
        TimelineFormat::Csv => Format::Csv,
        TimelineFormat::Timesketch => Format::Timesketch,
        f => format(f == TimelineFormat::Jsonl, args.color),
    };
    let rendered = if args.redact {
        // Rendered whole, then redacted line by line: one set of pseudonyms for the output.
        let mut buf = Vec::new();
        let rendered = view.render(format, &mut buf).map_err(Error::Output)?;
        redact(analysis, format, &buf, out)?;
        rendered
    } else {
        view.render(format, out).map_err(Error::Output)?
    };
    if rendered.undated_not_exported > 0 && !quiet {
        eprintln!(
            "pvelog: note: {} records without a wall-clock time were left out: Timesketch needs a time",
            rendered.undated_not_exported
        );
    }
    if rendered.undated_left_out > 0 && !quiet {
        eprintln!(
            "pvelog: note: {} records without a wall-clock time were left out by the time window",
            rendered.undated_left_out
        );
    }
    Ok(())
}

/// Writes `rendered` with its names and addresses replaced, and lists the pseudonyms on
/// stderr.
fn redact(
    analysis: &Analysis<'_>,
    format: Format,
    rendered: &[u8],
    out: &mut dyn Write,
) -> Result<(), Error> {
    let mut r = Redactor::new(machine_names(analysis));
    let text = String::from_utf8_lossy(rendered);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let redacted = match format {
            Format::Json | Format::Timesketch if !body.is_empty() => r
                .json(body)
                .map_err(|e| Error::Usage(format!("cannot redact a JSON line: {e}")))?,
            _ => r.text(body),
        };
        out.write_all(redacted.as_bytes())?;
        out.write_all(end.as_bytes())?;
    }
    let names: Vec<String> = r
        .summary()
        .iter()
        .map(|p| format!("{} ({}, {}×)", p.name, p.kind, p.count))
        .collect();
    eprintln!(
        "pvelog: redacted: {}",
        if names.is_empty() {
            "nothing to replace".to_string()
        } else {
            names.join(", ")
        }
    );
    Ok(())
}

/// The time of incident `n` (1-based, in time order) of the bundle, or of the verdict's
/// incident for 0 (the first incident when the verdict has no time).
fn incident_time(analysis: &Analysis<'_>, n: usize, quiet: bool) -> Result<DateTime<Utc>, Error> {
    let diagnosis = diagnose::diagnose(analysis, None);
    // A verdict without a time (inconclusive) falls back to the first VM stop found.
    let n =
        if n == 0 && diagnosis.verdict.incident_time.is_none() && !diagnosis.incidents.is_empty() {
            1
        } else {
            n
        };
    if n == 0 {
        let v = &diagnosis.verdict;
        let time = v
            .incident_time
            .as_deref()
            .and_then(|t| parse_time(t).ok())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--incident: the verdict ({}) has no incident time; `pvelog diagnose` lists the incidents, `--incident=N` picks one",
                    v.family.as_str()
                ))
            })?;
        if !quiet {
            let vms: Vec<String> = v.affected_vms.iter().map(u32::to_string).collect();
            eprintln!(
                "pvelog: the verdict's incident: VM {} at {} ({}, {:.2})",
                if vms.is_empty() {
                    "?".to_string()
                } else {
                    vms.join(", ")
                },
                v.incident_time.as_deref().unwrap_or_default(),
                v.family.as_str(),
                v.confidence
            );
        }
        return Ok(time);
    }
    let incidents = &diagnosis.incidents;
    let pick = n
        .checked_sub(1)
        .and_then(|i| incidents.get(i))
        .ok_or_else(|| {
            Error::Usage(format!(
                "--incident={n}: the bundle shows {} incident(s) (VM stops); `pvelog diagnose` lists them",
                incidents.len()
            ))
        })?;
    let time = pick
        .time
        .as_deref()
        .and_then(|t| parse_time(t).ok())
        .ok_or_else(|| {
            Error::Usage(format!(
                "--incident={n}: the incident has no wall-clock time"
            ))
        })?;
    if !quiet {
        eprintln!(
            "pvelog: incident {n} of {}: VM {} at {} ({}, {:.2})",
            incidents.len(),
            pick.vmid.map_or("?".to_string(), |v| v.to_string()),
            pick.time.as_deref().unwrap_or_default(),
            pick.family.as_str(),
            pick.confidence
        );
    }
    Ok(time)
}
