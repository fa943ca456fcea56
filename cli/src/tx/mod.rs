//! Placeholder.

use clap::Subcommand;

use crate::context::Context;
use crate::exit::CliError;

/// The tx commands.
#[derive(Subcommand, Debug)]
pub enum TxCommand {}

/// Runs `command`.
pub fn run(_context: &Context, command: TxCommand) -> Result<(), CliError> {
    match command {}
}
