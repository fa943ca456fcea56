//! `civitas query`: reading the chain. Tables for people, `--json` for
//! scripts (the node's answer as is, plus what `--verify` established).
//! Every state answer carries its proofs; `--verify` checks them
//! ([`verify`]) and exits 5 when they do not hold.

mod chain;
mod own;
mod proven_chain;
mod state;
pub(crate) mod verify;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::exit::CliError;

/// `civitas query`: the proof options and the command.
#[derive(Args, Debug)]
pub struct QueryArgs {
    #[command(flatten)]
    options: QueryOptions,
    #[command(subcommand)]
    command: QueryCommand,
}

/// Options of every query.
#[derive(Args, Debug, Clone)]
pub struct QueryOptions {
    /// Check the answer's proofs against its certified header instead of
    /// trusting the node (exit 5 if they do not hold). Every query but
    /// `status` (which carries no proof: refused, exit 2).
    /// With `--json`, the answer is then `{"answer": …, "verified": …}`.
    #[arg(long, global = true)]
    verify: bool,
    /// The network's genesis file: `--verify` then also says whether the
    /// certificate's signers are the genesis validator set.
    #[arg(long, global = true, value_name = "FILE")]
    genesis: Option<PathBuf>,
}

/// The queries.
#[derive(Subcommand, Debug)]
pub enum QueryCommand {
    /// The node: chain, height, whether it is catching up.
    #[command(after_help = "Example:\n  civitas query status")]
    Status,
    /// An account: next sequence, multisig policy, roles, delegations.
    #[command(
        after_help = "Example:\n  civitas query account civ1qv6sadgkug29ynht6mvjp6lrt74afwsrh0r2as4syuzllgk067eqty3er9"
    )]
    Account {
        /// The address.
        address: String,
    },
    /// A collectivity: name, council, power.
    #[command(after_help = "Example:\n  civitas query collectivity 219900016 --verify")]
    Collectivity {
        /// Its SIREN.
        siren: u32,
    },
    /// A programme: rules, status, money, figures per period.
    #[command(after_help = "Example:\n  civitas query programme 0 --verify")]
    Programme {
        /// The programme id.
        id: u64,
        /// The first period shown.
        #[arg(long)]
        from_period: Option<u64>,
        /// How many periods.
        #[arg(long)]
        periods: Option<u32>,
    },
    /// A merchant's accreditation in a programme.
    #[command(
        after_help = "Example:\n  civitas query merchant --programme 0 civ1ym0ensdfs6a9ph8gkfnfnh2tru034v2lg4mnz2pfe6wta42ljdsqnnf2a8"
    )]
    Merchant {
        /// The programme id.
        #[arg(long)]
        programme: u64,
        /// The merchant's address.
        address: String,
    },
    /// An energy community.
    #[command(after_help = "Example:\n  civitas query community 0")]
    Community {
        /// The community id.
        id: u64,
    },
    /// A slot's totals: price, volume, settlement.
    #[command(after_help = "Example:\n  civitas query slot --community 0 96")]
    Slot {
        /// The community id.
        #[arg(long)]
        community: u64,
        /// The slot number.
        slot: u64,
    },
    /// A record with its versions, by id, or the record of a document file
    /// (hashed here; the file is not sent).
    #[command(
        after_help = "Examples:\n  civitas query record permits/building PC-DEMO-2026-00001 --verify\n  civitas query record permits/building --file permit.pdf --verify"
    )]
    Record {
        /// The namespace.
        namespace: String,
        /// The record id.
        #[arg(required_unless_present = "file")]
        id: Option<String>,
        /// Or a document's file: where is it registered (or proof it is not)?
        #[arg(long, conflicts_with = "id")]
        file: Option<PathBuf>,
    },
    /// A proposal: action, status, votes.
    #[command(after_help = "Example:\n  civitas query proposal 0")]
    Proposal {
        /// The proposal id.
        id: u64,
    },
    /// Your balance in a programme: a query signed with your programme key,
    /// answered only to you.
    #[command(
        after_help = "Example:\n  civitas query balance --key resident-1-aid --programme 0 --verify"
    )]
    Balance {
        /// Your keystore entry.
        #[arg(long)]
        key: String,
        /// The programme id.
        #[arg(long)]
        programme: u64,
    },
    /// What you may redeem as a merchant in a programme: a query signed with
    /// your key, answered only to you.
    #[command(
        after_help = "Example:\n  civitas query merchant-balance --key grocer --programme 0 --verify"
    )]
    MerchantBalance {
        /// Your keystore entry (the merchant's account).
        #[arg(long)]
        key: String,
        /// The programme id.
        #[arg(long)]
        programme: u64,
    },
    /// Your meter's orders, fills and readings slot by slot: a query signed
    /// with your community key, answered only to you.
    #[command(
        after_help = "Example:\n  civitas query meter --key resident-1-energy --community 0 --meter 0 --from-slot 96 --verify"
    )]
    Meter {
        /// Your keystore entry (the meter's owner).
        #[arg(long)]
        key: String,
        /// The community id.
        #[arg(long)]
        community: u64,
        /// The meter id in the community.
        #[arg(long)]
        meter: u64,
        /// The first slot read.
        #[arg(long)]
        from_slot: u64,
        /// How many slots (1 to 336; default 48, a day of 30-minute slots).
        #[arg(long)]
        slots: Option<u32>,
    },
    /// A committed transaction and its receipt.
    #[command(
        after_help = "Example:\n  civitas query transaction 8519d8068b7807ede5702b09400570fdd2ec5eee7f10b29bac515a9f49fbe4a1 --verify"
    )]
    Transaction {
        /// The transaction id (hex).
        id: String,
    },
    /// A block header (whole blocks are for credentialed callers: `--credential-file`).
    #[command(after_help = "Examples:\n  civitas query block 1\n  civitas query block 1 --verify")]
    Block {
        /// The height.
        height: u64,
        /// The whole block, transactions included (needs a credential).
        #[arg(long)]
        full: bool,
    },
    /// The validators at a height (default: the next to decide).
    #[command(
        after_help = "Examples:\n  civitas query validators\n  civitas query validators --height 1 --verify"
    )]
    Validators {
        /// The height.
        #[arg(long)]
        height: Option<u64>,
    },
}

/// Runs `args`.
pub fn run(context: &Context, args: QueryArgs) -> Result<(), CliError> {
    let runtime = crate::runtime()?;
    runtime.block_on(run_async(context, &args.options, args.command))
}

async fn run_async(
    context: &Context,
    options: &QueryOptions,
    command: QueryCommand,
) -> Result<(), CliError> {
    let client = crate::node::client(context)?;
    let query = state::Query {
        context,
        client: &client,
        options,
    };
    match command {
        QueryCommand::Status => chain::status(&query).await,
        QueryCommand::Account { address } => chain::account(&query, &address).await,
        QueryCommand::Transaction { id } => chain::transaction(&query, &id).await,
        QueryCommand::Block { height, full } => chain::block(&query, height, full).await,
        QueryCommand::Validators { height } => chain::validators(&query, height).await,
        QueryCommand::Collectivity { siren } => state::collectivity(&query, siren).await,
        QueryCommand::Programme {
            id,
            from_period,
            periods,
        } => state::programme(&query, id, from_period, periods).await,
        QueryCommand::Merchant { programme, address } => {
            state::merchant(&query, programme, &address).await
        }
        QueryCommand::Community { id } => state::community(&query, id).await,
        QueryCommand::Slot { community, slot } => state::slot(&query, community, slot).await,
        QueryCommand::Record {
            namespace,
            id,
            file,
        } => match (id, file) {
            (_, Some(file)) => state::document(&query, &namespace, &file).await,
            (Some(id), None) => state::record(&query, &namespace, &id).await,
            (None, None) => Err(CliError::usage("give a record id or --file PATH")),
        },
        QueryCommand::Proposal { id } => state::proposal(&query, id).await,
        QueryCommand::Balance { key, programme } => own::balance(&query, &key, programme).await,
        QueryCommand::MerchantBalance { key, programme } => {
            own::merchant_balance(&query, &key, programme).await
        }
        QueryCommand::Meter {
            key,
            community,
            meter,
            from_slot,
            slots,
        } => {
            let asked = own::MeterQuestion {
                community,
                meter,
                from_slot,
                slots,
            };
            own::meter(&query, &key, &asked).await
        }
    }
}
