//! Placeholder while the genesis commands are written.

use clap::Subcommand;

use crate::context::Context;
use crate::exit::CliError;

/// The genesis commands.
#[derive(Subcommand, Debug)]
pub enum GenesisCommand {}

/// Runs `command`.
pub fn run(_context: &Context, command: GenesisCommand) -> Result<(), CliError> {
    match command {}
}
