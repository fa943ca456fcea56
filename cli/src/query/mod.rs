//! Placeholder.

use clap::Subcommand;

use crate::context::Context;
use crate::exit::CliError;

/// The query commands.
#[derive(Subcommand, Debug)]
pub enum QueryCommand {}

/// Runs `command`.
pub fn run(_context: &Context, command: QueryCommand) -> Result<(), CliError> {
    match command {}
}
