//! `civitas`: the command line of citizens, officials, merchants and
//! operators. Keys in an encrypted keystore, every civic action as a signed
//! transaction, queries with their proofs, and the genesis of a network.
//!
//! Thin over the crates: transactions are `civitas_civic` actions in
//! `civitas_types` envelopes, keys come from `civitas_keys`, the genesis
//! commands drive `civitas_genesis`, and the node is reached through the
//! typed client of `civitas_rpc_api`. Failures print one line on stderr and
//! exit with a documented code ([`exit::Exit`]).

/// mimalloc: the audit's replay allocates and frees tens of thousands of
/// small objects per block (docs/decisions/0022-audit-allocator.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod audit;
mod context;
mod exit;
mod genesis;
mod keys;
mod keystore;
mod node;
mod output;
mod query;
mod tx;

use clap::{Parser, Subcommand};

use crate::context::{Context, GlobalOptions};
use crate::exit::{CliError, Exit};

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "civitas",
    version,
    about = "Sign civic transactions, query the Civitas chain and check its proofs",
    after_help = "Examples:\n  civitas keys new alice\n  civitas query status\n  civitas query programme 0 --verify\n  civitas tx aid spend --key resident-2-aid --programme 0 --merchant civ1na53v0arjhhr9n5eyw983l7fahx0dvwpuu0x7lzsze34cpd35utqm6gnvz --amount 12.50 --wait\n\nExit codes: 0 ok, 1 failure, 2 usage error, 3 transaction rejected, 4 node unreachable, 5 verification failed."
)]
struct Cli {
    #[command(flatten)]
    global: GlobalOptions,
    #[command(subcommand)]
    command: Command,
}

/// The command groups.
#[derive(Subcommand, Debug)]
enum Command {
    /// Keys: create, import, derive per-programme keys, prove a link.
    #[command(subcommand, after_help = "Example:\n  civitas keys list")]
    Keys(keys::KeysCommand),
    /// Sign and submit civic transactions (or build and sign them offline).
    #[command(
        after_help = "Example:\n  civitas tx aid redeem --key grocer --programme 0 --amount 12.50 --wait"
    )]
    Tx(tx::TxArgs),
    /// Read the chain: accounts, programmes, records, blocks…, with proofs.
    #[command(after_help = "Example:\n  civitas query programme 0 --verify")]
    Query(query::QueryArgs),
    /// Check the chain without trusting any validator.
    #[command(
        subcommand,
        after_help = "Example:\n  civitas audit verify --genesis devnet/genesis.json --credential-file auditor.credential"
    )]
    Audit(audit::AuditCommand),
    /// Write, check and hash the genesis document of a network.
    #[command(
        subcommand,
        after_help = "Example:\n  civitas genesis hash genesis.json"
    )]
    Genesis(genesis::GenesisCommand),
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with code 0; usage errors exit 2.
            let _ = error.print();
            return std::process::ExitCode::from(if error.use_stderr() {
                Exit::Usage as u8
            } else {
                0
            });
        }
    };
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}", error.line());
            std::process::ExitCode::from(error.exit as u8)
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let context = Context::new(cli.global)?;
    match cli.command {
        Command::Keys(command) => keys::run(&context, command),
        Command::Tx(command) => tx::run(&context, command),
        Command::Query(command) => query::run(&context, command),
        Command::Genesis(command) => genesis::run(&context, command),
        Command::Audit(command) => audit::run(&context, command),
    }
}

/// A tokio runtime on this thread for the commands that talk to a node.
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(format!("cannot start the async runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
