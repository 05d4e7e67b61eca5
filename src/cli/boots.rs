//! `pvelog boots`: each machine's boots and how each ended (rendered by
//! [`crate::output::boots`]).

use clap::Args;

use super::{Common, OutputFormat};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pvelog boots bundle.tgz
  pvelog boots --format json bundle.tgz")]
pub(super) struct BootsArgs {
    #[command(flatten)]
    pub(super) common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(super) format: OutputFormat,
}
