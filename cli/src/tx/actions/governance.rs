//! Governance actions: a council proposes a change of the network (its
//! collectivities, validators, roles, namespaces, parameters, upgrades) and
//! the councils vote on it.

use std::path::PathBuf;

use civitas_civic::Action;
use civitas_civic::action::{Propose, Vote};
use civitas_civic::governance::GovernanceAction;
use civitas_civic::metadata::{FieldKind, FieldName, FieldSpec};
use civitas_civic::model::{ChainParameters, Collectivity, Namespace, ValidatorEntry};
use civitas_civic::upgrade::UpgradeName;
use civitas_types::{BoundedBytes, Hash};
use clap::{Args, Subcommand};

use super::{Built, bounded};
use crate::exit::CliError;
use crate::tx::parse;

/// Governance actions.
#[derive(Subcommand, Debug)]
pub enum GovernanceCommand {
    /// Propose a change, decided by the councils' votes (a council account).
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 grant-role --account civ1kk7ashz8vwvwl2z24y8h8el94drt06vde9qqhqempsl2nser9mdq29el4h --role identity-registrar --scope collectivity:219900016 --wait"
    )]
    Propose(ProposeArgs),
    /// Vote on an open proposal (a council account).
    #[command(
        after_help = "Example:\n  civitas tx governance vote --key city-council --proposal 0 --yes --wait"
    )]
    Vote(VoteArgs),
}

/// `propose`.
#[derive(Args, Debug)]
pub struct ProposeArgs {
    /// The council's deliberation deciding the proposal: its file, hashed here.
    #[arg(long, conflicts_with = "deliberation_hash")]
    deliberation_file: Option<PathBuf>,
    /// Or the deliberation's hash (hex).
    #[arg(long)]
    deliberation_hash: Option<String>,
    /// When the vote closes (2027-03-01 or milliseconds).
    #[arg(long)]
    expires: String,
    #[command(subcommand)]
    change: Change,
}

/// `vote`.
#[derive(Args, Debug)]
pub struct VoteArgs {
    /// The proposal id (in the receipt of `propose`).
    #[arg(long)]
    proposal: u64,
    /// Vote in favour.
    #[arg(long, conflicts_with = "no", required_unless_present = "no")]
    yes: bool,
    /// Vote against.
    #[arg(long)]
    no: bool,
}

/// What a proposal changes.
#[derive(Subcommand, Debug)]
pub enum Change {
    /// Admit a collectivity and its council.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 admit-collectivity --siren 200046977 --name \"Metropole de Demoville\" --power 10 --council civ100s5lza42shukfdexfxm7y078fpkc3v0wtuqud89qrrhtz66x0rq4dtd55 --wait"
    )]
    AdmitCollectivity {
        /// Its SIREN.
        #[arg(long)]
        siren: u32,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its council's voting power.
        #[arg(long)]
        power: u64,
        /// Its council account.
        #[arg(long)]
        council: String,
    },
    /// Remove a collectivity.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 remove-collectivity --siren 200046977 --wait"
    )]
    RemoveCollectivity {
        /// Its SIREN.
        #[arg(long)]
        siren: u32,
    },
    /// Change a council's voting power.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 set-council-power --siren 219900016 --power 20 --wait"
    )]
    SetCouncilPower {
        /// The collectivity's SIREN.
        #[arg(long)]
        siren: u32,
        /// The new power.
        #[arg(long)]
        power: u64,
    },
    /// Add a validator (active after the chain's change delay).
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 add-validator --consensus-key 8af401859bffb8dfef71676b26a91f2b0ff2cc66929f24249f2f87c842672af2 --network-key 6f592d69ed226a0913eb04b16d34a3947530c6144af6f09091a2174fe5a0f126 --power 10 --collectivity 219900016 --wait"
    )]
    AddValidator {
        /// Its consensus public key (hex).
        #[arg(long)]
        consensus_key: String,
        /// Its network public key (hex).
        #[arg(long)]
        network_key: String,
        /// Its voting power.
        #[arg(long)]
        power: u64,
        /// The collectivity that runs it.
        #[arg(long)]
        collectivity: u32,
    },
    /// Remove a validator.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 remove-validator --consensus-key 8af401859bffb8dfef71676b26a91f2b0ff2cc66929f24249f2f87c842672af2 --wait"
    )]
    RemoveValidator {
        /// Its consensus public key (hex).
        #[arg(long)]
        consensus_key: String,
    },
    /// Replace a validator's consensus key.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 rotate-validator-key --old 8af401859bffb8dfef71676b26a91f2b0ff2cc66929f24249f2f87c842672af2 --new 9172ca06006f8633e316f594167d74598f6bcc7e1ed4556491c051f14a51389f --wait"
    )]
    RotateValidatorKey {
        /// The old key (hex).
        #[arg(long)]
        old: String,
        /// The new key (hex).
        #[arg(long)]
        new: String,
    },
    /// Change a validator's power.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 set-validator-power --consensus-key 8af401859bffb8dfef71676b26a91f2b0ff2cc66929f24249f2f87c842672af2 --power 5 --wait"
    )]
    SetValidatorPower {
        /// Its consensus public key (hex).
        #[arg(long)]
        consensus_key: String,
        /// The new power.
        #[arg(long)]
        power: u64,
    },
    /// Replace a validator's network key.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 rotate-network-key --consensus-key 8af401859bffb8dfef71676b26a91f2b0ff2cc66929f24249f2f87c842672af2 --network-key fc6047de3bf4f20c85e761beae416bc81928dea9a893ca8d687d0047053ac460 --wait"
    )]
    RotateNetworkKey {
        /// Its consensus public key (hex).
        #[arg(long)]
        consensus_key: String,
        /// The new network key (hex).
        #[arg(long)]
        network_key: String,
    },
    /// Grant a role to an account.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 grant-role --account civ1ym0ensdfs6a9ph8gkfnfnh2tru034v2lg4mnz2pfe6wta42ljdsqnnf2a8 --role merchant --scope programme:219900016:0 --category 5411 --wait"
    )]
    GrantRole {
        /// The account.
        #[arg(long)]
        account: String,
        /// The role.
        #[arg(long)]
        role: String,
        /// Where it applies.
        #[arg(long)]
        scope: String,
        /// For a merchant: a category it is accredited for, repeated.
        #[arg(long = "category")]
        categories: Vec<u16>,
    },
    /// Revoke an account's role.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 revoke-role --account civ1na53v0arjhhr9n5eyw983l7fahx0dvwpuu0x7lzsze34cpd35utqm6gnvz --role merchant --scope collectivity:219900016 --wait"
    )]
    RevokeRole {
        /// The account.
        #[arg(long)]
        account: String,
        /// The role.
        #[arg(long)]
        role: String,
        /// Where it applied.
        #[arg(long)]
        scope: String,
    },
    /// Create a registry namespace.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 create-namespace --name permits/demolition --collectivity 219900016 --transferable --transfer-needs-approval --field nature:code --field parcel:reference --field decided_on:date --wait"
    )]
    CreateNamespace {
        /// Its name, e.g. permits/building.
        #[arg(long)]
        name: String,
        /// The collectivity that keeps it.
        #[arg(long)]
        collectivity: u32,
        /// Records can change owner.
        #[arg(long)]
        transferable: bool,
        /// A registrar approves each transfer.
        #[arg(long)]
        transfer_needs_approval: bool,
        /// A field NAME:KIND (kind: code, date, amount, reference, hash, flag), repeated, in order.
        #[arg(long = "field")]
        fields: Vec<String>,
    },
    /// Change the chain's parameters.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 set-parameters --validators-min 1 --validator-change-delay 2 --wait"
    )]
    SetParameters {
        /// Fewest validators the set may shrink to.
        #[arg(long)]
        validators_min: u16,
        /// Heights between a decided validator change and its activation.
        #[arg(long)]
        validator_change_delay: u64,
    },
    /// Freeze a programme (no orders, executions or spending).
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 freeze-programme --programme 0 --wait"
    )]
    FreezeProgramme {
        /// The programme id.
        #[arg(long)]
        programme: u64,
    },
    /// Unfreeze a programme.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 unfreeze-programme --programme 0 --wait"
    )]
    UnfreezeProgramme {
        /// The programme id.
        #[arg(long)]
        programme: u64,
    },
    /// Schedule a protocol upgrade at a height.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 schedule-upgrade --height 5000000 --version 2 --name civitas-2 --wait"
    )]
    ScheduleUpgrade {
        /// The height it takes effect.
        #[arg(long)]
        height: u64,
        /// The protocol version from then on.
        #[arg(long)]
        version: u32,
        /// Its name.
        #[arg(long)]
        name: String,
    },
    /// Cancel the scheduled upgrade.
    #[command(
        after_help = "Example:\n  civitas tx governance propose --key city-council --deliberation-file deliberation.pdf --expires 2030-03-01 cancel-upgrade --wait"
    )]
    CancelUpgrade,
}

impl GovernanceCommand {
    /// The action.
    pub fn build(&self) -> Result<Built, CliError> {
        let action = match self {
            GovernanceCommand::Propose(a) => Action::Propose(Propose {
                action: a.change.action()?,
                deliberation_hash: deliberation_hash(a)?,
                expires_at_ms: parse::time_ms(&a.expires)?,
            }),
            GovernanceCommand::Vote(a) => Action::Vote(Vote {
                proposal_id: a.proposal,
                in_favour: a.yes,
            }),
        };
        Ok(Built::identity(action))
    }
}

fn deliberation_hash(args: &ProposeArgs) -> Result<Hash, CliError> {
    match (&args.deliberation_file, &args.deliberation_hash) {
        (Some(file), _) => parse::file_hash(file),
        (None, Some(hash)) => parse::hash("the deliberation hash", hash),
        (None, None) => Err(CliError::usage(
            "a proposal names its deliberation: give --deliberation-file FILE or --deliberation-hash HEX",
        )),
    }
}

impl Change {
    fn action(&self) -> Result<GovernanceAction, CliError> {
        let key = |text: &str| parse::public_key("the key", text);
        Ok(match self {
            Change::AdmitCollectivity {
                siren,
                name,
                power,
                council,
            } => GovernanceAction::AdmitCollectivity(Collectivity {
                siren: parse::siren(*siren)?,
                name: BoundedBytes::try_from_vec(name.as_bytes().to_vec()).map_err(|_| {
                    CliError::usage(format!(
                        "the name has more than {} bytes",
                        civitas_civic::model::COLLECTIVITY_NAME_BYTES_MAX
                    ))
                })?,
                voting_power: *power,
                council_account: parse::account(council)?,
            }),
            Change::RemoveCollectivity { siren } => {
                GovernanceAction::RemoveCollectivity(parse::siren(*siren)?)
            }
            Change::SetCouncilPower { siren, power } => GovernanceAction::SetCouncilPower {
                siren: parse::siren(*siren)?,
                voting_power: *power,
            },
            Change::AddValidator {
                consensus_key,
                network_key,
                power,
                collectivity,
            } => GovernanceAction::AddValidator(ValidatorEntry {
                public_key: key(consensus_key)?,
                network_key: key(network_key)?,
                power: *power,
                siren: parse::siren(*collectivity)?,
            }),
            Change::RemoveValidator { consensus_key } => {
                GovernanceAction::RemoveValidator(key(consensus_key)?)
            }
            Change::RotateValidatorKey { old, new } => GovernanceAction::RotateValidatorKey {
                old: key(old)?,
                new: key(new)?,
            },
            Change::SetValidatorPower {
                consensus_key,
                power,
            } => GovernanceAction::SetValidatorPower {
                public_key: key(consensus_key)?,
                power: *power,
            },
            Change::RotateNetworkKey {
                consensus_key,
                network_key,
            } => GovernanceAction::RotateNetworkKey {
                validator: key(consensus_key)?,
                network_key: key(network_key)?,
            },
            Change::GrantRole {
                account,
                role,
                scope,
                categories,
            } => GovernanceAction::GrantRole {
                account: parse::account(account)?,
                role: parse::role(role)?,
                scope: parse::scope(scope)?,
                categories: bounded("categories", categories.clone())?,
            },
            Change::RevokeRole {
                account,
                role,
                scope,
            } => GovernanceAction::RevokeRole {
                account: parse::account(account)?,
                role: parse::role(role)?,
                scope: parse::scope(scope)?,
            },
            Change::CreateNamespace {
                name,
                collectivity,
                transferable,
                transfer_needs_approval,
                fields,
            } => GovernanceAction::CreateNamespace {
                name: parse::namespace(name)?,
                namespace: Namespace {
                    collectivity: parse::siren(*collectivity)?,
                    transferable: *transferable,
                    transfer_needs_approval: *transfer_needs_approval,
                    fields: bounded(
                        "fields",
                        fields
                            .iter()
                            .map(|f| field_spec(f))
                            .collect::<Result<_, _>>()?,
                    )?,
                },
            },
            Change::SetParameters {
                validators_min,
                validator_change_delay,
            } => GovernanceAction::SetParameters(ChainParameters {
                validators_min: *validators_min,
                validator_change_delay: *validator_change_delay,
            }),
            Change::FreezeProgramme { programme } => GovernanceAction::FreezeProgramme(*programme),
            Change::UnfreezeProgramme { programme } => {
                GovernanceAction::UnfreezeProgramme(*programme)
            }
            Change::ScheduleUpgrade {
                height,
                version,
                name,
            } => GovernanceAction::ScheduleUpgrade {
                height: *height,
                version: *version,
                name: UpgradeName::from_text(name)
                    .filter(UpgradeName::is_valid)
                    .ok_or_else(|| CliError::usage(format!("{name:?} is not an upgrade name")))?,
            },
            Change::CancelUpgrade => GovernanceAction::CancelUpgrade,
        })
    }
}

/// A namespace field `NAME:KIND`.
fn field_spec(text: &str) -> Result<FieldSpec, CliError> {
    let refuse = || {
        CliError::usage(format!(
            "{text:?} is not a field: write NAME:KIND with a name of a-z 0-9 _ and a kind among code, date, amount, reference, hash, flag"
        ))
    };
    let (name, kind) = text.split_once(':').ok_or_else(refuse)?;
    let kind = match kind {
        "code" => FieldKind::Code,
        "date" => FieldKind::Date,
        "amount" => FieldKind::Amount,
        "reference" | "ref" => FieldKind::Reference,
        "hash" => FieldKind::Hash,
        "flag" => FieldKind::Flag,
        _ => return Err(refuse()),
    };
    let name = FieldName::from_text(name)
        .filter(FieldName::is_valid)
        .ok_or_else(refuse)?;
    Ok(FieldSpec { name, kind })
}
