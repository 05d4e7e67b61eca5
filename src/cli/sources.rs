//! `pvelog sources`: what was found in the bundle (rendered by [`crate::output::sources`]).

use clap::Args;

use super::{Common, OutputFormat};

#[derive(Debug, Args)]
pub(super) struct SourcesArgs {
    #[command(flatten)]
    pub(super) common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(super) format: OutputFormat,
}
