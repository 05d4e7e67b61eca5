//! `pvelog diagnose`: why did the VM stop? The verdict is computed once from the analysis and
//! rendered by [`crate::output::diagnose`]; `--fail-on` turns it into an exit code for scripts.

use std::io::Write;

use clap::Args;

use super::{Common, EXIT_FAIL_ON, EXIT_OK, OutputFormat};
use crate::analysis::Analysis;
use crate::diagnose::{self, ALL_FAMILIES, Family};
use crate::error::Error;
use crate::output::diagnose::DiagnosisView;
use crate::output::{ColorWhen, Format, Render};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pvelog diagnose bundle.tgz
  pvelog diagnose --vm 101 host.tgz guest-101.tgz
  pvelog diagnose --incident=2 bundle.tgz
  pvelog diagnose --format json --fail-on any bundle.tgz   # exit 1 on a root cause")]
pub(super) struct DiagnoseArgs {
    #[command(flatten)]
    pub(super) common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Exit with 1 when the verdict is FAMILY (or, with `any`, one of the four root-cause
    /// families): for scripts.
    #[arg(long, value_name = "FAMILY|any", value_parser = parse_fail_on)]
    fail_on: Option<FailOn>,
    /// Only the incident of this VM.
    #[arg(long, value_name = "VMID")]
    vm: Option<u32>,
    /// Diagnose incident N only (1-based, in time order, as listed under `incidents`); a bare
    /// `--incident` is the verdict's. Write `--incident=N`: it never takes the next argument.
    #[arg(long, value_name = "N", num_args = 0..=1, require_equals = true, default_missing_value = "0")]
    incident: Option<usize>,
}

/// What `--fail-on` matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FailOn {
    Any,
    Family(Family),
}

fn parse_fail_on(text: &str) -> Result<FailOn, String> {
    if text == "any" {
        return Ok(FailOn::Any);
    }
    Family::from_name(text).map(FailOn::Family).ok_or_else(|| {
        let names: Vec<&str> = ALL_FAMILIES.iter().map(|f| f.as_str()).collect();
        format!(
            "expected any or one of {}, but found '{text}'",
            names.join(", ")
        )
    })
}

/// Runs `diagnose` over the analysis; returns the exit code `--fail-on` asks for.
pub(super) fn run(
    args: &DiagnoseArgs,
    analysis: &Analysis<'_>,
    format: impl Fn(bool, ColorWhen) -> Format,
    out: &mut dyn Write,
) -> Result<u8, Error> {
    let only_vm = super::incident_vm(analysis, args.incident, args.vm)?;
    let diagnosis = diagnose::diagnose(analysis, only_vm);
    let view = DiagnosisView {
        analysis,
        diagnosis: &diagnosis,
    };
    view.render(
        format(args.format == OutputFormat::Json, ColorWhen::Never),
        out,
    )?;
    let family = diagnosis.verdict.family;
    let hit = match args.fail_on {
        Some(FailOn::Any) => family.is_root_cause(),
        Some(FailOn::Family(f)) => f == family,
        None => false,
    };
    Ok(if hit { EXIT_FAIL_ON } else { EXIT_OK })
}
