//! `civitas audit`: checking the chain without trusting any validator.
//! `verify` replays the whole chain from its genesis document
//! (`civitas_audit::ChainAudit`): certificates, roots, re-execution of every
//! transaction and the civic laws, reporting the first bad height. The chain
//! comes from a node or a data directory ([`source`]).

mod bundle_file;
mod check_export;
mod check_proof;
mod data_dir;
mod export;
mod prove;
mod resume;
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
        /// Save the state the audit verified at its last height, with that
        /// block and its certificate, as a snapshot file (the ledger's format).
        #[arg(long, value_name = "FILE")]
        save_snapshot: Option<std::path::PathBuf>,
    },
    /// Export the open data at a height — money per aid programme and
    /// period, each energy slot's totals, each registry namespace's records
    /// by status; no personal data — as CSV and JSON files with a
    /// manifest.json (chain, height, state root, every file's SHA-256),
    /// computed from the state the whole chain's replay verified. Two
    /// exports of one height are byte-identical (docs/auditor-guide.md).
    #[command(
        after_help = "Example:\n  civitas audit export --height 20 --genesis devnet/genesis.json --credential-file auditor.credential --out open-data"
    )]
    Export {
        #[command(flatten)]
        chain: ChainArgs,
        /// The height to export (default: the chain's last height).
        #[arg(long)]
        height: Option<u64>,
        /// The directory to write the files into (created if needed).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        /// Write into a directory that already holds files (the export's
        /// files are overwritten, others left as they are).
        #[arg(long)]
        force: bool,
    },
    /// Check an export against the chain: replays the chain to the height
    /// its manifest names, recomputes every file and names the first
    /// differing line of each file, a missing or an extra file (exit 5).
    #[command(
        after_help = "Example:\n  civitas audit check-export open-data --genesis devnet/genesis.json --credential-file auditor.credential"
    )]
    CheckExport {
        /// The export's directory.
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
        #[command(flatten)]
        chain: ChainArgs,
    },
    /// Write a proof bundle of one fact — a transaction and its receipt, a
    /// registry record with its versions, a document's record (or proof it
    /// has none), a raw state key — with the certified header it is proven
    /// against and the validator-set history back to genesis: anyone can
    /// check it offline with `check-proof` and the genesis file alone.
    #[command(
        after_help = "Examples:\n  civitas audit prove --record permits/building/PC-2027-0042 --genesis devnet/genesis.json --out permit.proof.json\n  civitas audit prove --file permit.pdf --namespace permits/building --genesis devnet/genesis.json --out document.proof.json"
    )]
    Prove {
        #[command(flatten)]
        args: prove::ProveArgs,
    },
    /// Check a proof bundle offline, with no node: the validator-set history
    /// from the genesis set, the header's certificate, the Merkle or state
    /// proofs; then say in plain words what it proves. Exit 5 if it proves
    /// nothing (forged, truncated, another chain's).
    #[command(
        after_help = "Example:\n  civitas audit check-proof permit.proof.json --genesis devnet/genesis.json"
    )]
    CheckProof {
        /// The bundle.
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// The network's genesis file: the one trusted input.
        #[arg(long, value_name = "FILE")]
        genesis: std::path::PathBuf,
    },
}

/// Runs `command`.
pub fn run(context: &Context, command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::Verify {
            chain,
            to,
            save_snapshot,
        } => crate::runtime()?.block_on(verify::verify(
            context,
            &chain,
            to,
            save_snapshot.as_deref(),
        )),
        AuditCommand::Export {
            chain,
            height,
            out,
            force,
        } => crate::runtime()?.block_on(export::export(
            context,
            export::ExportRequest {
                chain: &chain,
                height,
                out: &out,
                force,
            },
        )),
        AuditCommand::CheckExport { dir, chain } => {
            crate::runtime()?.block_on(check_export::check(context, &dir, &chain))
        }
        AuditCommand::Prove { args } => crate::runtime()?.block_on(prove::prove(context, &args)),
        AuditCommand::CheckProof { file, genesis } => check_proof::check(context, &file, &genesis),
    }
}
