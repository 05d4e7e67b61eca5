//! `pvelog completions SHELL` and `pvelog man`: shell completion scripts and the man page,
//! generated from the clap definitions, so they never drift from the options they describe.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, EXIT_OK};
use crate::error::Error;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pvelog completions bash > ~/.local/share/bash-completion/completions/pvelog
  pvelog completions zsh > ~/.zfunc/_pvelog
  pvelog completions fish > ~/.config/fish/completions/pvelog.fish")]
pub(super) struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the completion script for the shell.
pub(super) fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<u8, Error> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "pvelog", out);
    Ok(EXIT_OK)
}

/// Writes the man page (roff): the command and each subcommand.
pub(super) fn man(out: &mut dyn Write) -> Result<u8, Error> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd.clone())
        .render(out)
        .map_err(Error::Output)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        clap_mangen::Man::new(sub.clone())
            .title(format!("pvelog-{}", sub.get_name()))
            .render(out)
            .map_err(Error::Output)?;
    }
    Ok(EXIT_OK)
}
