//! `civitas tx`: every civic action as a signed transaction. Online, a
//! command builds the envelope with the signer's next sequence (asked from
//! the node), signs, submits and, with `--wait`, follows it until final.
//! Offline, `tx build` writes an unsigned file, `tx sign` adds signatures
//! (one per multisig member, on their own machines) and `tx submit` sends it.

mod actions;
mod envelope;
mod file;
pub mod parse;
mod submit;
mod wait;

use std::path::PathBuf;

use clap::{Args, Subcommand};

pub use actions::ActionCommand;
pub use submit::receipt_text;

use crate::context::Context;
use crate::exit::CliError;

/// `civitas tx`: the signing options and the command.
#[derive(Args, Debug)]
pub struct TxArgs {
    #[command(flatten)]
    options: TxOptions,
    #[command(subcommand)]
    command: TxCommand,
}

/// How a transaction is signed and followed (accepted after any subcommand).
#[derive(Args, Debug, Clone)]
pub struct TxOptions {
    /// The keystore entry that signs (`civitas keys list`). A citizen's
    /// secret signs with its key for the programme or community acted in.
    #[arg(long, global = true, value_name = "NAME")]
    key: Option<String>,
    /// The signing account, when it is not the key's own (a multisig
    /// account; for `tx build`).
    #[arg(long, global = true, value_name = "ADDRESS")]
    signer: Option<String>,
    /// The sequence to use (default: the account's next, from the node).
    #[arg(long, global = true)]
    sequence: Option<u64>,
    /// The last height the transaction may be included at (default: the
    /// node's height + 1000).
    #[arg(long, global = true)]
    expiry_height: Option<u64>,
    /// The chain id (default: the node's).
    #[arg(long, global = true, value_name = "ID")]
    chain_id: Option<String>,
    /// Follow the transaction until it is final and print its receipt.
    #[arg(long, global = true)]
    wait: bool,
    /// How long `--wait` waits, e.g. 60s.
    #[arg(long, global = true, default_value = "60s")]
    timeout: String,
}

/// The `tx` commands.
#[derive(Subcommand, Debug)]
pub enum TxCommand {
    #[command(flatten)]
    Action(ActionCommand),
    /// Build an unsigned transaction file, to sign offline and submit later.
    #[command(
        after_help = "Example:\n  civitas tx build --out transfer.tx.json --signer civ1uqsd9r7npdak4p42pq55m49te4tjqnqa57xy7u9h3pnzullaytgs7aj9w2 --sequence 0 --expiry-height 1000000 --chain-id civitas-devnet registry transfer --namespace permits/building --id PC-2027-0042 --to civ1g78sgtay59pg45zzm4uhgwcz2suqa6xtstcldhuyvryjmupcc2dsa7h8jw"
    )]
    Build {
        /// Where to write the unsigned transaction.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(subcommand)]
        action: ActionCommand,
    },
    /// Add a signature to a transaction file (each multisig member in turn).
    #[command(
        after_help = "Examples:\n  civitas tx sign transfer.tx.json --key registrar\n  civitas tx sign transfer.tx.json --key aid-administrator"
    )]
    Sign {
        /// The transaction file.
        file: PathBuf,
    },
    /// Submit a signed transaction file.
    #[command(after_help = "Example:\n  civitas tx submit transfer.tx.json --wait")]
    Submit {
        /// The transaction file.
        file: PathBuf,
    },
}

/// Runs `args`.
pub fn run(context: &Context, args: TxArgs) -> Result<(), CliError> {
    let runtime = crate::runtime()?;
    let options = &args.options;
    match args.command {
        TxCommand::Action(action) => {
            runtime.block_on(submit::sign_and_submit(context, options, &action.build()?))
        }
        TxCommand::Build { out, action } => {
            runtime.block_on(file::build(context, options, &action.build()?, &out))
        }
        TxCommand::Sign { file } => file::sign(context, options, &file),
        TxCommand::Submit { file } => runtime.block_on(file::submit(context, options, &file)),
    }
}
