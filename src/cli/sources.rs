//! `pvelog sources`: what was found in the bundle (rendered by [`crate::output::sources`]).

use clap::Args;

use super::{Common, OutputFormat};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pvelog sources bundle.tgz
  pvelog sources --format json bundle.tgz
  pvelog sources --tz pve1=Europe/Berlin --reference-time 2025-07-30 bundle.tgz")]
pub(super) struct SourcesArgs {
    #[command(flatten)]
    pub(super) common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(super) format: OutputFormat,
}
