//! `pvelog collect`: gather the runbook's evidence on a Proxmox VE host (or inside a guest) into
//! one bundle (done by [`crate::collect`]); this file turns the flags into its options, picks
//! the output and prints the summary.

use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, ValueEnum};

use super::{EXIT_OK, parse_duration, parse_time};
use crate::collect::{self, Options, Role};
use crate::error::Error;

/// `--role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum RoleArg {
    Host,
    Guest,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pvelog collect -o incident.tgz --since 2h --vm 101 --guests
  ssh root@pve pvelog collect -o - --around '2025-07-29 09:56' --window 1h > incident.tgz
  pvelog collect --root /mnt/pve-disk --role host --since '2025-07-28' --until '2025-07-30'")]
pub(super) struct CollectArgs {
    /// The bundle to write (`-` for stdout); default `pvelog-<hostname>-<UTC time>.tgz`.
    #[arg(short, long, value_name = "FILE.tgz|-")]
    output: Option<String>,
    /// Replace the output file when it exists (it is never followed through a symlink).
    #[arg(long)]
    force: bool,
    /// Start of the window: a duration before now (`2h`, `1d`) or a TIME. Default: 1d.
    #[arg(long, value_name = "DUR|TIME", conflicts_with = "around")]
    since: Option<String>,
    /// End of the window (TIME). Default: now.
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "around")]
    until: Option<DateTime<Utc>>,
    /// The incident time: the window is TIME ± --window.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    around: Option<DateTime<Utc>>,
    /// Half the window around --around.
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "2h", requires = "around")]
    window: Duration,
    /// A VM of the incident (repeatable; the first is the main one).
    #[arg(long = "vm", value_name = "VMID")]
    vms: Vec<u32>,
    /// Also collect inside each --vm through its QEMU guest agent (`qm guest exec`).
    #[arg(long, requires = "vms")]
    guests: bool,
    /// Read files below DIR instead of / (a mounted disk image); commands still come from PATH.
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// Kill a command (and everything it started) that runs longer than this.
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "30s")]
    command_timeout: Duration,
    /// host or guest (default: host when /etc/pve exists below --root).
    #[arg(long, value_enum)]
    role: Option<RoleArg>,
    /// Most bytes kept of one command's output or one file (the newest are kept).
    #[arg(long, value_name = "BYTES", default_value_t = collect::DEFAULT_COMMAND_CAP)]
    max_command_bytes: u64,
    /// Most bytes in the whole bundle.
    #[arg(long, value_name = "BYTES", default_value_t = collect::DEFAULT_TOTAL_CAP)]
    max_total_bytes: u64,
    /// Do not print the summary on stderr.
    #[arg(short, long)]
    quiet: bool,
}

/// `--since`: a duration before `now`, or a time.
fn since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    if let Ok(d) = parse_duration(text) {
        return Ok(now - d);
    }
    parse_time(text)
        .map_err(|e| Error::Usage(format!("invalid --since '{text}': a duration (2h) or {e}")))
}

/// Runs `collect`.
#[allow(
    clippy::disallowed_methods,
    reason = "collect runs on the machine it collects from: its clock is when the collection happened"
)]
pub(super) fn run(args: &CollectArgs) -> Result<u8, Error> {
    let now = DateTime::<Utc>::from(std::time::SystemTime::now());
    let (from, to) = match args.around {
        Some(t) => (t - args.window, t + args.window),
        None => (
            match &args.since {
                Some(s) => since(s, now)?,
                None => now - Duration::days(1),
            },
            args.until.unwrap_or(now),
        ),
    };
    if from > to {
        return Err(Error::Usage(format!(
            "the window starts ({}) after it ends ({})",
            crate::event::rfc3339(from),
            crate::event::rfc3339(to)
        )));
    }
    if !args.root.is_dir() {
        return Err(Error::Usage(format!(
            "--root {}: not a directory",
            args.root.display()
        )));
    }
    if args.command_timeout <= Duration::zero() {
        return Err(Error::Usage(
            "--command-timeout must be longer than 0s".to_string(),
        ));
    }
    let opts = Options {
        since: from,
        until: to,
        around: args.around,
        vms: args.vms.clone(),
        guests: args.guests,
        root: args.root.clone(),
        command_timeout: args
            .command_timeout
            .to_std()
            .map_err(|_| Error::Usage("--command-timeout must be positive".to_string()))?,
        role: args.role.map(|r| match r {
            RoleArg::Host => Role::Host,
            RoleArg::Guest => Role::Guest,
        }),
        command_cap: args.max_command_bytes,
        total_cap: args.max_total_bytes,
        now,
    };
    let (name, summary) = match args.output.as_deref() {
        Some("-") => {
            let out = io::BufWriter::new(io::stdout().lock());
            let (mut out, summary) = collect::collect(&opts, out)?;
            out.flush()?;
            ("stdout".to_string(), summary)
        }
        path => {
            let path = path.map_or_else(
                || {
                    PathBuf::from(collect::default_output_name(
                        &collect::hostname(&opts.root),
                        now,
                    ))
                },
                PathBuf::from,
            );
            // The bundle holds the machine's logs: readable by its owner only, and never
            // written through a symlink someone placed at a predictable name.
            let mut open = std::fs::OpenOptions::new();
            open.write(true).mode(0o600);
            if args.force {
                if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Err(Error::Usage(format!(
                        "{} is a symlink: not written through",
                        path.display()
                    )));
                }
                open.create(true).truncate(true);
            } else {
                open.create_new(true);
            }
            let file = open.open(&path).map_err(|e| {
                Error::Usage(format!(
                    "cannot create output file {}: {e}{}",
                    path.display(),
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        " (pass --force to replace it)"
                    } else {
                        ""
                    }
                ))
            })?;
            let (out, summary) = collect::collect(&opts, io::BufWriter::new(file))?;
            out.into_inner()
                .map_err(|e| Error::Output(e.into_error()))?
                .sync_all()?;
            (path.display().to_string(), summary)
        }
    };
    if !args.quiet {
        let m = &summary.manifest;
        let count = |s: &str| m.commands.iter().filter(|c| c.status == s).count();
        eprintln!(
            "pvelog: collected {} members ({} bytes) from {} ({}) into {name}: {} commands ok, {} failed, {} missing, {} timed out",
            summary.members,
            summary.bytes,
            m.hostname,
            m.role,
            count("ok"),
            count("failed"),
            count("missing"),
            count("timed_out"),
        );
        for g in m.guests.iter().filter(|g| !g.agent) {
            eprintln!(
                "pvelog: VM {}: no guest agent answered ({}): only its host side was collected",
                g.vmid,
                g.error.as_deref().unwrap_or("no answer")
            );
        }
    }
    Ok(EXIT_OK)
}
