//! `civitas genesis`: write, check and hash a network's genesis document.
//!
//! Thin over `civitas_genesis`, the library the node starts from: every
//! command reads the file with `from_json`, changes the file form, lets the
//! library parse the result and writes `to_json`'s canonical text
//! ([`file`]). An edit checks only what it needs (its values parse, the
//! collectivity it names is listed, its entry is not already there), so a
//! document may be incomplete between edits; `validate` runs every rule of
//! `GenesisDocument::check` (docs/genesis.md, "Checks").
//!
//! The examples in the help texts build, in this order in one directory,
//! the example of docs/genesis.md (cli/tests/genesis.rs runs them).

mod edit;
mod file;
mod inspect;
pub(crate) mod time;

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};

use crate::context::Context;
use crate::exit::CliError;

/// The genesis commands.
#[derive(Subcommand, Debug)]
pub enum GenesisCommand {
    /// Creates a genesis file: the chain id and start time, the library's
    /// default consensus rules and chain parameters, no collectivity yet.
    #[command(
        after_help = "Example:\n  civitas genesis new genesis.json --chain-id civitas-example-1 --genesis-time 2027-01-01T00:00:00Z"
    )]
    New(Box<NewArgs>),
    /// Changes the network's parameters: chain id, start, initial height,
    /// consensus rules (timeouts, block limits, block-time window, evidence
    /// age) and chain parameters (docs/genesis.md, "Fields").
    #[command(
        after_help = "Example:\n  civitas genesis set genesis.json --validators-min 1 --validator-change-delay 2"
    )]
    Set(Box<SetArgs>),
    /// Adds a collectivity to the council: its SIREN, its name, its council
    /// voting power and the account that votes for it.
    #[command(
        after_help = "Example:\n  civitas genesis add-collectivity genesis.json --siren 200046977 --name \"Metropole de Lyon\" --council-account civ1gwnjuu2yq9mzmantdrpxm77ly6p24myly36wefrp8epy5ra6l57qa0w4az --voting-power 1"
    )]
    AddCollectivity(Box<AddCollectivityArgs>),
    /// Adds a validator run by a listed collectivity: the two public keys
    /// `civitas-node init` printed in its home, and its consensus power.
    #[command(
        after_help = "Example:\n  civitas genesis add-validator genesis.json --collectivity 200046977 --consensus-key 8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c --network-key 8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394 --power 1"
    )]
    AddValidator(Box<AddValidatorArgs>),
    /// Adds a registry namespace of a listed collectivity, with the typed
    /// fields every record of it gives (name:kind; kinds code, date,
    /// amount, reference, hash, flag).
    #[command(
        after_help = "Example:\n  civitas genesis add-namespace genesis.json --name permits/building --collectivity 200046977 --transferable --transfer-needs-approval --field floor_area_m2:amount"
    )]
    AddNamespace(Box<AddNamespaceArgs>),
    /// Grants a role to an official's (or a merchant's) account, scoped to a
    /// collectivity, one of its programmes or communities (by the id their
    /// creation will get), or a namespace. Roles: identity_registrar,
    /// aid_administrator, aid_accountant, merchant, energy_operator,
    /// registrar. Programmes and communities are not part of a genesis: the
    /// officials granted here create them with their first transactions.
    #[command(
        visible_alias = "add-grant",
        after_help = "Examples:\n  civitas genesis add-official genesis.json --account civ1yzpghaw9hh9vk6zgvvekcgp0k4vemfytu4vkv9t5y9c8qklv48msjlgs8m --role aid_administrator --collectivity 200046977\n  civitas genesis add-official genesis.json --account civ164pq0ksef9maear2m0lv90pwwk6j6k52ggvylm0acqqzfu8rardqf7uh3f --role merchant --collectivity 200046977 --programme 0 --categories 1,4"
    )]
    AddOfficial(Box<AddOfficialArgs>),
    /// Checks every genesis rule (docs/genesis.md, "Checks") and prints a
    /// summary: chain id, collectivities, validators, powers, hash.
    #[command(
        after_help = "Example:\n  civitas genesis validate genesis.json\n\nExit codes: 0 valid; 5 the file is not a genesis document or breaks a rule (one line names it); 1 the file cannot be read."
    )]
    Validate(FileArgs),
    /// Prints the genesis hash (hex): the first block's previous_block_hash,
    /// the value every collectivity compares before starting. It hashes any
    /// well-formed document: run `validate` first.
    #[command(after_help = "Example:\n  civitas genesis hash genesis.json")]
    Hash(FileArgs),
}

/// A genesis file.
#[derive(Args, Debug)]
pub struct FileArgs {
    /// The genesis file (JSON, docs/genesis.md).
    pub file: PathBuf,
}

/// `civitas genesis new`.
#[derive(Args, Debug)]
pub struct NewArgs {
    /// Where to write the genesis file.
    pub file: PathBuf,
    /// The network's name: 1 to 64 of a-z, 0-9, '-' and '.'.
    #[arg(long)]
    pub chain_id: String,
    /// The start, UTC: 2027-01-01T00:00:00Z, 2027-01-01 or milliseconds
    /// since 1970. The first block is later; nodes wait for it.
    #[arg(long, value_name = "TIME")]
    pub genesis_time: String,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `civitas genesis set`: each option given replaces that field.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("change").multiple(true).required(true)))]
pub struct SetArgs {
    /// The genesis file.
    pub file: PathBuf,
    /// chain_id.
    #[arg(long, group = "change")]
    pub chain_id: Option<String>,
    /// genesis_time_ms, written as for `new --genesis-time`.
    #[arg(long, group = "change", value_name = "TIME")]
    pub genesis_time: Option<String>,
    /// initial_height.
    #[arg(long, group = "change")]
    pub initial_height: Option<u64>,
    /// chain.validators_min.
    #[arg(long, group = "change")]
    pub validators_min: Option<u16>,
    /// chain.validator_change_delay (heights).
    #[arg(long, group = "change")]
    pub validator_change_delay: Option<u64>,
    /// consensus.timeouts.propose_ms.
    #[arg(long, group = "change")]
    pub propose_ms: Option<u64>,
    /// consensus.timeouts.propose_delta_ms.
    #[arg(long, group = "change")]
    pub propose_delta_ms: Option<u64>,
    /// consensus.timeouts.prevote_ms.
    #[arg(long, group = "change")]
    pub prevote_ms: Option<u64>,
    /// consensus.timeouts.prevote_delta_ms.
    #[arg(long, group = "change")]
    pub prevote_delta_ms: Option<u64>,
    /// consensus.timeouts.precommit_ms.
    #[arg(long, group = "change")]
    pub precommit_ms: Option<u64>,
    /// consensus.timeouts.precommit_delta_ms.
    #[arg(long, group = "change")]
    pub precommit_delta_ms: Option<u64>,
    /// consensus.block.block_bytes_max.
    #[arg(long, group = "change")]
    pub block_bytes_max: Option<u32>,
    /// consensus.block.transactions_max.
    #[arg(long, group = "change")]
    pub transactions_max: Option<u32>,
    /// consensus.time.precision_ms.
    #[arg(long, group = "change")]
    pub precision_ms: Option<u64>,
    /// consensus.time.message_delay_ms.
    #[arg(long, group = "change")]
    pub message_delay_ms: Option<u64>,
    /// consensus.evidence.max_age_heights.
    #[arg(long, group = "change")]
    pub evidence_max_age_heights: Option<u64>,
    /// consensus.evidence.max_age_ms.
    #[arg(long, group = "change")]
    pub evidence_max_age_ms: Option<u64>,
}

/// `civitas genesis add-collectivity`.
#[derive(Args, Debug)]
pub struct AddCollectivityArgs {
    /// The genesis file.
    pub file: PathBuf,
    /// Its SIREN: nine digits, Luhn check digit last.
    #[arg(long)]
    pub siren: String,
    /// Its official name (public; at most 128 bytes).
    #[arg(long)]
    pub name: String,
    /// The civ1… account that votes in the council for it.
    #[arg(long)]
    pub council_account: String,
    /// Its council voting power (at least 1).
    #[arg(long, default_value_t = 1)]
    pub voting_power: u64,
}

/// `civitas genesis add-validator`.
#[derive(Args, Debug)]
pub struct AddValidatorArgs {
    /// The genesis file.
    pub file: PathBuf,
    /// The SIREN of the collectivity running it (already listed).
    #[arg(long, value_name = "SIREN")]
    pub collectivity: String,
    /// Its consensus public key (64 hex digits, printed by `civitas-node init`).
    #[arg(long, value_name = "HEX")]
    pub consensus_key: String,
    /// Its network public key (64 hex digits, printed by `civitas-node init`).
    #[arg(long, value_name = "HEX")]
    pub network_key: String,
    /// Its consensus voting power (at least 1).
    #[arg(long, default_value_t = 1)]
    pub power: u64,
}

/// `civitas genesis add-namespace`.
#[derive(Args, Debug)]
pub struct AddNamespaceArgs {
    /// The genesis file.
    pub file: PathBuf,
    /// Its name, e.g. permits/building (a-z, 0-9, '-', '_', '/').
    #[arg(long)]
    pub name: String,
    /// The SIREN of its collectivity (already listed).
    #[arg(long, value_name = "SIREN")]
    pub collectivity: String,
    /// Records may change owner.
    #[arg(long)]
    pub transferable: bool,
    /// A transfer needs a registrar's approval.
    #[arg(long)]
    pub transfer_needs_approval: bool,
    /// A field every record gives, NAME:KIND, in order (repeat the option).
    #[arg(long = "field", value_name = "NAME:KIND")]
    pub fields: Vec<String>,
}

/// `civitas genesis add-official`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("scope").required(true).args(["collectivity", "namespace"])))]
pub struct AddOfficialArgs {
    /// The genesis file.
    pub file: PathBuf,
    /// The civ1… account receiving the role.
    #[arg(long)]
    pub account: String,
    /// The role (identity_registrar, aid_administrator, aid_accountant,
    /// merchant, energy_operator, registrar).
    #[arg(long)]
    pub role: String,
    /// Scope: this collectivity (with --programme or --community: one of its
    /// programmes or communities).
    #[arg(long, value_name = "SIREN")]
    pub collectivity: Option<String>,
    /// Scope: programme ID of --collectivity.
    #[arg(
        long,
        value_name = "ID",
        requires = "collectivity",
        conflicts_with = "community"
    )]
    pub programme: Option<u64>,
    /// Scope: energy community ID of --collectivity.
    #[arg(long, value_name = "ID", requires = "collectivity")]
    pub community: Option<u64>,
    /// Scope: this registry namespace (already listed).
    #[arg(long, value_name = "NAME")]
    pub namespace: Option<String>,
    /// For a merchant: the categories it accepts, comma-separated codes.
    #[arg(long, value_delimiter = ',')]
    pub categories: Vec<u16>,
}

/// Runs `command`.
pub fn run(context: &Context, command: GenesisCommand) -> Result<(), CliError> {
    match command {
        GenesisCommand::New(args) => edit::new(context, *args),
        GenesisCommand::Set(args) => edit::set(context, *args),
        GenesisCommand::AddCollectivity(args) => edit::add_collectivity(context, *args),
        GenesisCommand::AddValidator(args) => edit::add_validator(context, *args),
        GenesisCommand::AddNamespace(args) => edit::add_namespace(context, *args),
        GenesisCommand::AddOfficial(args) => edit::add_official(context, *args),
        GenesisCommand::Validate(args) => inspect::validate(context, &args.file),
        GenesisCommand::Hash(args) => inspect::hash(context, &args.file),
    }
}
