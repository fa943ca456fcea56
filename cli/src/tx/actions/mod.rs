//! Every civic action as a command: its arguments, read into a
//! `civitas_civic::Action`, and which of the signer's keys signs it.

mod aid;
mod energy;
mod governance;
mod identity;
mod registry;

use civitas_civic::Action;
use clap::Subcommand;

use crate::exit::CliError;
use crate::keystore::Derivation;

/// An action and the key of a citizen's secret that signs it (ignored for a
/// plain key): the programme key for a beneficiary's actions, the community
/// key for a meter owner's, the identity key otherwise.
#[derive(Debug)]
pub struct Built {
    /// What the transaction does.
    pub action: Action,
    /// Which derived key signs, when the signer is a citizen's secret.
    pub derivation: Derivation,
    /// The account the action creates, when it creates one (a multisig
    /// account's address is the hash of its policy).
    pub account: Option<civitas_types::AccountId>,
}

impl Built {
    fn identity(action: Action) -> Built {
        Built {
            action,
            derivation: Derivation::Identity,
            account: None,
        }
    }

    /// `action`, signed by the key [`derivation_for`] names.
    fn derived(action: Action) -> Built {
        Built {
            derivation: derivation_for(&action),
            action,
            account: None,
        }
    }
}

/// Which key of a citizen's secret signs `action`: the programme's key for
/// a beneficiary's spending, the community's for a meter owner's orders,
/// the identity key otherwise. One rule for building and for signing a
/// file, so that an edited file cannot have another key sign.
pub fn derivation_for(action: &Action) -> Derivation {
    match action {
        Action::Spend(spend) => Derivation::Programme(spend.programme_id),
        Action::PlaceEnergyOrder(order) => Derivation::Community(order.community_id),
        Action::CancelEnergyOrder(cancel) => Derivation::Community(cancel.community_id),
        _ => Derivation::Identity,
    }
}

/// The civic actions, by domain.
#[derive(Subcommand, Debug)]
pub enum ActionCommand {
    /// Residents, roles, delegations, multisig accounts.
    #[command(
        subcommand,
        after_help = "Example:\n  civitas tx identity revoke-delegation --key aid-administrator --role aid-administrator --scope collectivity:219900016 --to civ1kk7ashz8vwvwl2z24y8h8el94drt06vde9qqhqempsl2nser9mdq29el4h --wait"
    )]
    Identity(identity::IdentityCommand),
    /// Council proposals and votes.
    #[command(
        subcommand,
        after_help = "Example:\n  civitas tx governance vote --key city-council --proposal 0 --yes --wait"
    )]
    Governance(governance::GovernanceCommand),
    /// Social aid: programmes, beneficiaries, orders, spending, redemption.
    #[command(
        subcommand,
        after_help = "Example:\n  civitas tx aid redeem --key grocer --programme 0 --amount 12.50 --wait"
    )]
    Aid(aid::AidCommand),
    /// Local energy: communities, meters, orders, attestations, settlement.
    #[command(
        subcommand,
        after_help = "Example:\n  civitas tx energy order --key resident-1-energy --community 0 --slot 96 --meter 0 --sell --energy 1500 --limit-price 12 --wait"
    )]
    Energy(energy::EnergyCommand),
    /// Public registries: records, amendments, transfers, revocations.
    #[command(
        subcommand,
        after_help = "Example:\n  civitas tx registry approve --key registrar --namespace permits/building --id PC-DEMO-2026-00001 --wait"
    )]
    Registry(registry::RegistryCommand),
}

impl ActionCommand {
    /// The action these arguments describe.
    pub fn build(&self) -> Result<Built, CliError> {
        match self {
            ActionCommand::Identity(command) => command.build(),
            ActionCommand::Governance(command) => command.build(),
            ActionCommand::Aid(command) => command.build(),
            ActionCommand::Energy(command) => command.build(),
            ActionCommand::Registry(command) => command.build(),
        }
    }
}

/// Bounded vectors from the CLI's lists, refusing too many.
fn bounded<T, const MAX: usize>(
    what: &str,
    items: Vec<T>,
) -> Result<civitas_types::BoundedVec<T, MAX>, CliError> {
    civitas_types::BoundedVec::try_from_vec(items)
        .map_err(|all| CliError::usage(format!("{} {what} given; at most {MAX}", all.len())))
}
