//! `civitas audit`: checking the chain without trusting any validator.
//! `verify` replays the whole chain from its genesis document
//! (`civitas_audit::ChainAudit`): certificates, roots, re-execution of every
//! transaction and the civic laws, reporting the first bad height. The chain
//! comes from a node or a data directory ([`source`]).

mod source;
mod verify;

use clap::Subcommand;

pub use source::ChainArgs;

use crate::context::Context;
use crate::exit::CliError;

/// The audit commands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Verify the whole chain from its genesis: every certificate against the
    /// validator set in force, every block re-executed, every state root and
    /// receipt recomputed, the aid and energy laws after every block. Over
    /// RPC it reads whole blocks, so the node asks for a credential
    /// (--credential-file); with --data-dir it reads a node's data directory
    /// (a copy, read-only), every file's checksums checked first: damage is
    /// reported as storage corruption (exit 5).
    #[command(
        after_help = "Examples:\n  civitas audit verify --genesis devnet/genesis.json --credential-file auditor.credential\n  civitas audit verify --genesis devnet/genesis.json --data-dir devnet --to 5"
    )]
    Verify {
        #[command(flatten)]
        chain: ChainArgs,
        /// Stop at this height (default: the node's height when the audit starts).
        #[arg(long)]
        to: Option<u64>,
    },
}

/// Runs `command`.
pub fn run(context: &Context, command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::Verify { chain, to } => {
            crate::runtime()?.block_on(verify::verify(context, &chain, to))
        }
    }
}
