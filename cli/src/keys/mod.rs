//! Placeholder while the keys commands are written.

use clap::Subcommand;

use crate::context::Context;
use crate::exit::CliError;

/// The keys commands.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {}

/// Runs `command`.
pub fn run(_context: &Context, command: KeysCommand) -> Result<(), CliError> {
    match command {}
}
