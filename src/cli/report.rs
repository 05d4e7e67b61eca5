//! `pvelog report`: the postmortem attachment. The format comes from `--format` or the output
//! file's extension (`.md`, `.html`, `.json`); the content is the analysis's diagnosis laid out
//! by [`crate::output::report`], with the provenance a forensic report needs: each INPUT's
//! SHA-256 (a directory's files one by one), pvelog's version and the arguments given.

use std::io::{self, Write};
use std::path::Path;

use clap::{Args, ValueEnum};
use sha2::{Digest, Sha256};

use super::Common;
use crate::analysis::Analysis;
use crate::diagnose;
use crate::error::Error;
use crate::output::report::ReportView;
use crate::output::report::model::{self, FileHash, InputHash, Provenance};
use crate::output::{Format, Render};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pvelog report bundle.tgz -o incident.html
  pvelog report bundle.tgz -o incident.md --incident=2 --window 5m
  pvelog report host.tgz guest.tgz --format json --redact > incident.json")]
pub(super) struct ReportArgs {
    #[command(flatten)]
    pub(super) common: Common,
    /// Output format (default: from the -o file's extension; Markdown otherwise).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Only the incident of this VM.
    #[arg(long, value_name = "VMID")]
    vm: Option<u32>,
    /// Report incident N (1-based, in time order; `pvelog diagnose` lists them); without N, the
    /// verdict's incident. Write `--incident=N`: a bare `--incident` never takes the next
    /// argument, so it cannot swallow an INPUT.
    #[arg(long, value_name = "N", num_args = 0..=1, require_equals = true, default_missing_value = "0")]
    incident: Option<usize>,
    /// Half-width of the timeline excerpt around the incident (`90s`, `15m`, `2h`).
    #[arg(long, value_name = "DUR", value_parser = super::parse_duration, default_value = "15m")]
    window: chrono::Duration,
    /// Replace IP and MAC addresses, host, user and e-mail names with pseudonyms (host-1,
    /// ip-1…, in order of first appearance), listed in a redaction summary.
    #[arg(long)]
    redact: bool,
}

/// The report's formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum ReportFormat {
    /// Markdown for GitHub and GitLab.
    Markdown,
    /// One self-contained HTML page.
    Html,
    /// JSON (keys in docs/report-schema.md).
    Json,
}

impl ReportFormat {
    fn from_path(path: &Path) -> Option<ReportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "html" | "htm" => Some(ReportFormat::Html),
            "json" => Some(ReportFormat::Json),
            _ => None,
        }
    }
}

/// The SHA-256 of a reader, lowercase hex, and its length.
fn sha256_of(mut reader: impl io::Read) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let bytes = io::copy(&mut reader, &mut hasher)?;
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, bytes))
}

fn hash_file(path: &Path) -> Result<(String, u64), Error> {
    std::fs::File::open(path)
        .and_then(sha256_of)
        .map_err(|e| Error::Usage(format!("cannot hash {}: {e}", path.display())))
}

/// Every regular file below `dir`, as (`/`-separated relative path, full path), sorted.
fn files_below(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| Error::Usage(format!("cannot list {}: {e}", d.display())))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::Usage(format!("cannot list {}: {e}", d.display())))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| Error::Usage(format!("cannot stat {}: {e}", path.display())))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Each INPUT's hash (stdin: what the bundle read from it).
fn input_hashes(inputs: &[String], analysis: &Analysis<'_>) -> Result<Vec<InputHash>, Error> {
    let mut out = Vec::new();
    for input in inputs {
        if input == "-" {
            let mut hasher = Sha256::new();
            let mut bytes = 0u64;
            for m in &analysis.bundle.members {
                hasher.update(m.bytes());
                bytes += m.bytes().len() as u64;
            }
            let hex: String = hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            out.push(InputHash {
                input: input.clone(),
                kind: "stdin".into(),
                bytes,
                sha256: Some(hex),
                files: Vec::new(),
            });
            continue;
        }
        let path = Path::new(input);
        if path.is_dir() {
            let mut files = Vec::new();
            for (rel, full) in files_below(path)? {
                let (sha256, bytes) = hash_file(&full)?;
                files.push(FileHash {
                    path: rel,
                    bytes,
                    sha256,
                });
            }
            out.push(InputHash {
                input: input.clone(),
                kind: "directory".into(),
                bytes: files.iter().map(|f| f.bytes).sum(),
                sha256: None,
                files,
            });
        } else {
            let (sha256, bytes) = hash_file(path)?;
            out.push(InputHash {
                input: input.clone(),
                kind: "file".into(),
                bytes,
                sha256: Some(sha256),
                files: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// Runs `report` over the analysis.
pub(super) fn run(
    args: &ReportArgs,
    analysis: &Analysis<'_>,
    arguments: Vec<String>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let format = args
        .format
        .or_else(|| {
            args.common
                .output
                .as_deref()
                .and_then(ReportFormat::from_path)
        })
        .unwrap_or(ReportFormat::Markdown);
    let only_vm = super::incident_vm(analysis, args.incident, args.vm)?;
    let diagnosis = diagnose::diagnose(analysis, only_vm);
    let provenance = Provenance {
        pvelog_version: format!("pvelog {}", env!("CARGO_PKG_VERSION")),
        arguments,
        inputs: input_hashes(&args.common.inputs, analysis)?,
    };
    let mut report = model::build(analysis, &diagnosis, provenance, args.window);
    if args.redact {
        let names = crate::output::report::redact::machine_names(analysis);
        crate::output::report::redact::redact(&mut report, names)
            .map_err(|e| Error::Usage(format!("cannot redact the report: {e}")))?;
    }
    let view = ReportView { report: &report };
    view.render(
        match format {
            ReportFormat::Markdown => Format::Markdown,
            ReportFormat::Html => Format::Html,
            ReportFormat::Json => Format::Json,
        },
        out,
    )
    .map_err(Error::Output)?;
    Ok(())
}
