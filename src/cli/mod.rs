//! The command line: argument definitions (clap derive) and the glue from arguments to the
//! pipeline and renderers.
//!
//! Exit codes (DESIGN.md §2): [`EXIT_OK`], [`EXIT_USAGE`] for a usage error or when nothing at
//! all could be read, [`EXIT_PARTIAL`] when output was produced but some input could not be read.
//! A broken pipe (`pvelog timeline … | head`) ends quietly with [`EXIT_OK`]. Nothing below this
//! module exits the process.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis::{self, Options};
use crate::bundle::{Bundle, Limits, Store};
use crate::clock::{ClockOptions, Zone};
use crate::correlate::AlignOptions;
use crate::error::Error;
use crate::formats::FormatKind;
use crate::output::boots::BootsView;
use crate::output::sources::SourcesView;
use crate::output::{self, ColorWhen, Format, Render};

/// Success.
pub const EXIT_OK: u8 = 0;
/// `--fail-on` matched the verdict.
pub const EXIT_FAIL_ON: u8 = 1;
/// Usage error, or nothing at all could be read.
pub const EXIT_USAGE: u8 = 2;
/// Output produced, but some input could not be read.
pub const EXIT_PARTIAL: u8 = 3;

/// Offline log forensics for Proxmox VE incidents.
#[derive(Debug, Parser)]
#[command(name = "pvelog", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

mod boots;
mod collect;
mod completions;
mod diagnose;
mod report;
mod sources;
mod timeline;

use boots::BootsArgs;
use diagnose::DiagnoseArgs;
use report::ReportArgs;
use sources::SourcesArgs;
use timeline::TimelineArgs;

#[derive(Debug, Subcommand)]
enum Command {
    /// Print one time-ordered timeline of every source in the bundle.
    Timeline(TimelineArgs),
    /// Say why the VM stopped: verdict, findings and the evidence lines that prove them.
    Diagnose(DiagnoseArgs),
    /// Write a postmortem report (Markdown, HTML or JSON): verdict, reconstruction, timeline,
    /// evidence, resources, boots, clocks, coverage, actions and provenance.
    Report(ReportArgs),
    /// Say what was found: each source, its format, role, machine, time span, counts, clock fixes.
    Sources(SourcesArgs),
    /// Show each machine's boots and how each ended (clean, unclean, running), with evidence.
    Boots(BootsArgs),
    /// On a Proxmox VE host (or inside a guest): run the runbook's commands, read its logs and
    /// write one bundle (.tgz) with a manifest, for `pvelog report`.
    Collect(collect::CollectArgs),
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), the command and every subcommand.
    #[command(after_help = "Examples:\n  pvelog man > pvelog.1 && man ./pvelog.1")]
    Man,
}

/// The output format of `diagnose`, `sources` and `boots`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

/// Options every command takes.
#[derive(Debug, Args)]
struct Common {
    /// Directories, files, .tar, .tar.gz/.tgz, .gz, or `-` for stdin.
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<String>,
    /// Zone for sources that carry no offset: `ZONE` or `MACHINE=ZONE` (repeatable).
    /// ZONE is an IANA name (`Europe/Berlin`), `UTC`, or an offset (`+02:00`).
    #[arg(long = "tz", value_name = "[MACHINE=]ZONE")]
    tz: Vec<String>,
    /// Reference time for sources that carry no year (default: from the bundle).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    reference_time: Option<DateTime<Utc>>,
    /// Parse members whose path ends with SUFFIX as KIND (syslog, dmesg, journal-text).
    #[arg(long = "format-override", value_name = "SUFFIX=KIND", value_parser = parse_override)]
    format_overrides: Vec<(String, FormatKind)>,
    /// Do not align guest clocks to their host's.
    #[arg(long)]
    no_align: bool,
    /// Set a guest's clock offset by hand: MACHINE (a name or a VMID) = its clock minus its
    /// host's (`web=+30s`, `101=-2m`); repeatable.
    #[arg(long = "clock-offset", value_name = "MACHINE=±DUR", value_parser = parse_clock_offset)]
    clock_offsets: Vec<(String, f64)>,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Do not print notes on stderr (problems with the input are still printed).
    #[arg(short, long)]
    quiet: bool,
    /// Largest decompressed size of one member.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_member_bytes)]
    max_member_bytes: u64,
    /// Largest decompressed size of the whole bundle.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_bundle_bytes)]
    max_bundle_bytes: u64,
    /// Deepest nesting of archives in archives.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    max_depth: u32,
    /// Most members read from the bundle.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_members)]
    max_members: usize,
    /// Longest line parsed; longer lines are reported and counted as unparsed.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_line_bytes)]
    max_line_bytes: usize,
    /// Most fields read from one native journal entry; the rest are reported as unreadable.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entry_fields)]
    max_entry_fields: usize,
    /// Largest size one compressed native journal field may decode to.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_object_bytes)]
    max_object_bytes: u64,
    /// Most bytes the compressed fields of one native journal file may decode to together.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_decoded_bytes)]
    max_decoded_bytes: u64,
}

impl Common {
    fn options(&self) -> Result<Options, Error> {
        let mut clock = ClockOptions {
            reference_time: self.reference_time,
            ..ClockOptions::default()
        };
        let mut tz_machine = BTreeMap::new();
        for spec in &self.tz {
            let (machine, zone) = match spec.split_once('=') {
                Some((m, z)) => (Some(m), z),
                None => (None, spec.as_str()),
            };
            let zone = Zone::parse(zone).ok_or_else(|| {
                Error::Usage(format!(
                    "invalid --tz '{spec}': expected an IANA zone name (Europe/Berlin), UTC, or an offset (+02:00)"
                ))
            })?;
            match machine {
                Some(m) => {
                    tz_machine.insert(m.to_string(), zone);
                }
                None => clock.tz_default = Some(zone),
            }
        }
        clock.tz_machine = tz_machine;
        Ok(Options {
            limits: Limits {
                max_member_bytes: self.max_member_bytes,
                max_bundle_bytes: self.max_bundle_bytes,
                max_depth: self.max_depth,
                max_members: self.max_members,
                max_line_bytes: self.max_line_bytes,
                max_entry_fields: self.max_entry_fields,
                max_object_bytes: self.max_object_bytes,
                max_decoded_bytes: self.max_decoded_bytes,
            },
            clock,
            format_overrides: self.format_overrides.clone(),
            align: AlignOptions {
                disabled: self.no_align,
                manual: self.clock_offsets.iter().cloned().collect(),
            },
            // The command line always filters; only the test that proves the prefilter exact
            // turns it off.
            no_prefilter: false,
        })
    }
}

/// Parses a command-line time: RFC 3339, or `YYYY-MM-DD[ HH:MM[:SS]]` (also with `T`) as UTC.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let t = text.replace('T', " ");
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&t, fmt) {
            return Ok(n.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(&t, "%Y-%m-%d")
        && let Some(n) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(n.and_utc());
    }
    Err(format!(
        "expected RFC 3339 (2025-07-29T10:00:00Z) or YYYY-MM-DD[ HH:MM[:SS]] (UTC), but found '{text}'"
    ))
}

/// Parses a duration: a number and a unit, `s`, `m`, `h` or `d` (`90s`, `15m`, `2h`, `1d`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("expected a duration like 90s, 15m, 2h or 1d, but found '{text}'"))?;
    let secs = match unit {
        "s" | "" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => {
            return Err(format!(
                "unknown duration unit '{unit}' in '{text}': use s, m, h or d"
            ));
        }
    };
    // A century is more than any log spans, and keeps time arithmetic far from chrono's limits.
    const MAX_SECS: i64 = 100 * 366 * 86_400;
    if secs > MAX_SECS {
        return Err(format!("duration '{text}' is longer than a century"));
    }
    Duration::try_seconds(secs).ok_or_else(|| format!("duration '{text}' is too large"))
}

fn parse_priority(text: &str) -> Result<u8, String> {
    const NAMES: [&str; 8] = [
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
    ];
    if let Ok(n) = text.parse::<u8>()
        && n <= 7
    {
        return Ok(n);
    }
    let lower = text.to_ascii_lowercase();
    let lower = match lower.as_str() {
        "error" => "err",
        "warn" => "warning",
        other => other,
    };
    NAMES
        .iter()
        .position(|n| *n == lower)
        .map(|p| p as u8)
        .ok_or_else(|| {
            format!(
                "expected 0-7 or one of {}, but found '{text}'",
                NAMES.join(", ")
            )
        })
}

fn parse_clock_offset(text: &str) -> Result<(String, f64), String> {
    let (machine, dur) = text
        .split_once('=')
        .ok_or_else(|| format!("expected MACHINE=±DUR (web=+30s), but found '{text}'"))?;
    let (sign, dur) = match dur.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, dur.strip_prefix('+').unwrap_or(dur)),
    };
    let d = parse_duration(dur)?;
    Ok((
        machine.to_string(),
        sign * d.num_milliseconds() as f64 / 1000.0,
    ))
}

fn parse_override(text: &str) -> Result<(String, FormatKind), String> {
    let (suffix, kind) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("expected SUFFIX=KIND, but found '{text}'"))?;
    let kind = FormatKind::from_name(kind).ok_or_else(|| {
        format!("unknown format '{kind}': use syslog, dmesg, journal-text or unrecognized")
    })?;
    Ok((suffix.to_string(), kind))
}

/// The VM that `--incident[=N]` and `--vm` narrow `diagnose` and `report` to: incident N's (N
/// 1-based, in time order), or `--vm`'s; none for a bare `--incident` (the verdict's incident is
/// the whole diagnosis's).
fn incident_vm(
    analysis: &crate::analysis::Analysis<'_>,
    incident: Option<usize>,
    vm: Option<u32>,
) -> Result<Option<u32>, Error> {
    match incident {
        Some(n) if n > 0 => {
            let all = crate::diagnose::diagnose(analysis, vm);
            let pick = all.incidents.get(n - 1).ok_or_else(|| {
                Error::Usage(format!(
                    "--incident={n}: the bundle shows {} incident(s) (VM stops); `pvelog diagnose` lists them",
                    all.incidents.len()
                ))
            })?;
            Ok(pick.vmid.or(vm))
        }
        _ => Ok(vm),
    }
}

/// Parses the process arguments and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute_with(&cli, Teardown::Leave) {
        Ok(code) => ExitCode::from(code),
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("pvelog: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// A spinner on stderr naming the stage of a long read, shown only when stderr is a terminal
/// and `--quiet` is off (never in pipes, logs or CI): the bundle's size is not known before it
/// is read, so it says what is happening rather than a percentage.
fn progress(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Whether a command frees its analysis when it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Teardown {
    /// Free it: the caller goes on (a test, a program embedding the library).
    Free,
    /// Leave it to the operating system: the process exits next. Freeing millions of records
    /// one by one took a third of a second on a 1 GiB bundle, after the answer was written.
    Leave,
}

/// Runs a parsed command line and returns the exit code.
pub fn execute(cli: &Cli) -> Result<u8, Error> {
    execute_with(cli, Teardown::Free)
}

fn execute_with(cli: &Cli, teardown: Teardown) -> Result<u8, Error> {
    let common = match &cli.command {
        Command::Completions(a) => {
            let mut out = io::stdout().lock();
            let code = completions::completions(a, &mut out)?;
            out.flush()?;
            return Ok(code);
        }
        Command::Man => {
            let mut out = io::stdout().lock();
            let code = completions::man(&mut out)?;
            out.flush()?;
            return Ok(code);
        }
        Command::Collect(a) => return collect::run(a),
        Command::Timeline(a) => &a.common,
        Command::Diagnose(a) => &a.common,
        Command::Report(a) => &a.common,
        Command::Sources(a) => &a.common,
        Command::Boots(a) => &a.common,
    };
    let options = common.options()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(common.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", common.threads)))?;
    pool.install(|| execute_in_pool(cli, common, &options, teardown))
}

fn execute_in_pool(
    cli: &Cli,
    common: &Common,
    options: &Options,
    teardown: Teardown,
) -> Result<u8, Error> {
    if common.inputs.len() > 1 {
        let names = Bundle::input_names(&common.inputs);
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(Error::Usage(format!(
                    "two INPUTs are named '{name}': their members would get the same paths; rename or link one of them"
                )));
            }
        }
    }
    let progress = progress(common.quiet);
    progress.set_message("reading the bundle");
    // Members are parsed as they are read (a `.tgz` while it is inflated); the store keeps
    // their bytes for as long as the analysis quotes them.
    let store = Store::default();
    let (bundle, started) = analysis::open(&store, &common.inputs, options);
    if bundle.members.is_empty() {
        progress.finish_and_clear();
        return Err(Error::NothingReadable(bundle.problems));
    }
    progress.set_message(format!(
        "analysing {} members ({} MiB)",
        bundle.members.len(),
        bundle
            .members
            .iter()
            .map(|m| m.bytes().len() as u64)
            .sum::<u64>()
            >> 20
    ));
    let analysis = analysis::analyze_started(&bundle, started, options);
    progress.finish_and_clear();
    if !common.quiet {
        for machine in options.clock.tz_machine.keys() {
            if !analysis.sources.iter().any(|s| &s.machine == machine) {
                eprintln!(
                    "pvelog: note: --tz names machine '{}', which is not in the bundle",
                    output::escape::terminal(machine.as_bytes())
                );
            }
        }
        if analysis.clock.reference_from_mtime {
            eprintln!(
                "pvelog: note: some years were inferred from file modification times, which change when a bundle is copied; pin them with --reference-time"
            );
        }
    }

    let mut code = EXIT_OK;
    let mut sink: Box<dyn Write> = match &common.output {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|e| {
            Error::Usage(format!("cannot create output file {}: {e}", path.display()))
        })?),
        None => Box::new(io::stdout().lock()),
    };
    let is_terminal = common.output.is_none() && io::stdout().is_terminal();
    let mut out = io::BufWriter::with_capacity(1 << 16, &mut sink);
    let format = |json: bool, color: ColorWhen| {
        if json {
            Format::Json
        } else {
            Format::Text {
                color: color.enabled(is_terminal),
            }
        }
    };
    match &cli.command {
        Command::Timeline(args) => {
            timeline::run(args, &analysis, common.quiet, format, &mut out)?;
        }
        Command::Diagnose(args) => code = diagnose::run(args, &analysis, format, &mut out)?,
        Command::Report(args) => {
            let arguments = std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            report::run(args, &analysis, arguments, &mut out)?;
        }
        Command::Sources(args) => {
            let view = SourcesView {
                analysis: &analysis,
            };
            view.render(
                format(args.format == OutputFormat::Json, ColorWhen::Never),
                &mut out,
            )?;
        }
        // Written before any input is read (`execute`).
        Command::Completions(_) | Command::Man | Command::Collect(_) => {}
        Command::Boots(args) => {
            let view = BootsView {
                analysis: &analysis,
            };
            view.render(
                format(args.format == OutputFormat::Json, ColorWhen::Never),
                &mut out,
            )?;
        }
    }
    out.flush()?;
    drop(out);

    let mut partial = false;
    for problem in &analysis.manifest_problems {
        eprintln!("pvelog: {}", output::escape::terminal(problem.as_bytes()));
        partial = true;
    }
    for problem in &bundle.problems {
        eprintln!(
            "pvelog: {}",
            output::escape::terminal(problem.to_string().as_bytes())
        );
        partial = true;
    }
    for source in &analysis.sources {
        for p in &source.parsed.problems {
            eprintln!(
                "pvelog: {}: at byte {} (line {}): {}",
                output::escape::terminal(source.path.as_bytes()),
                p.offset,
                p.line,
                p.reason
            );
            partial = true;
        }
    }
    if teardown == Teardown::Leave {
        std::mem::forget(analysis);
        std::mem::forget(bundle);
        std::mem::forget(store);
    }
    // Where several codes apply, the largest wins (DESIGN.md §2).
    Ok(if partial {
        code.max(EXIT_PARTIAL)
    } else {
        code
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations() {
        assert_eq!(
            parse_time("2025-07-29 10:00").unwrap(),
            parse_time("2025-07-29T10:00:00Z").unwrap()
        );
        assert_eq!(
            parse_time("2025-07-29T12:00:00+02:00").unwrap(),
            parse_time("2025-07-29 10:00:00").unwrap()
        );
        assert!(parse_time("yesterday").is_err());
        assert_eq!(parse_duration("90s").unwrap(), Duration::seconds(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::minutes(15));
        assert_eq!(parse_duration("1d").unwrap(), Duration::days(1));
        assert!(parse_duration("5y").is_err());
        assert_eq!(parse_priority("warning"), Ok(4));
        assert_eq!(parse_priority("3"), Ok(3));
    }

    #[test]
    fn quiet_hides_the_progress_spinner() {
        assert!(progress(true).is_hidden());
        // Off a terminal (a pipe, a log, CI) it hides itself too.
        if !io::stderr().is_terminal() {
            assert!(progress(false).is_hidden());
        }
    }

    #[test]
    fn a_bare_incident_flag_takes_no_value() {
        let cli = Cli::try_parse_from(["pvelog", "timeline", "--incident", "bundle.tgz"]);
        let Ok(Cli {
            command: Command::Timeline(args),
        }) = cli
        else {
            panic!("timeline --incident bundle.tgz does not parse");
        };
        assert_eq!(args.common.inputs, ["bundle.tgz"]);
        let cli = Cli::try_parse_from(["pvelog", "report", "--incident", "b.tgz", "-o", "r.md"]);
        assert!(
            matches!(cli, Ok(Cli { command: Command::Report(a) }) if a.common.inputs == ["b.tgz"])
        );
    }
}
