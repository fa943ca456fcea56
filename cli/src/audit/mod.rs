//! `civitas audit`: checking the chain without trusting any validator.
//! `verify` replays the whole chain from its genesis document
//! (`civitas_audit::ChainAudit`): certificates, roots, re-execution of every
//! transaction and the civic laws, reporting the first bad height.

mod verify;

use std::path::PathBuf;

use clap::Subcommand;

use crate::context::Context;
use crate::exit::CliError;

/// The audit commands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Verify the whole chain from its genesis: every certificate against the
    /// validator set in force, every block re-executed, every state root and
    /// receipt recomputed, the aid and energy laws after every block. Reads
    /// whole blocks, so the node asks for a credential (--credential-file)
    /// unless reached over loopback with one.
    #[command(
        after_help = "Example:\n  civitas audit verify --genesis devnet/genesis.json --credential-file auditor.credential"
    )]
    Verify {
        /// The network's genesis file: the one trusted input.
        #[arg(long, value_name = "FILE")]
        genesis: PathBuf,
        /// Stop at this height (default: the node's height when the audit starts).
        #[arg(long)]
        to: Option<u64>,
    },
}

/// Runs `command`.
pub fn run(context: &Context, command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::Verify { genesis, to } => {
            crate::runtime()?.block_on(verify::verify_over_rpc(context, &genesis, to))
        }
    }
}
