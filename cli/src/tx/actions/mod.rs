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
}

/// The civic actions, by domain.
#[derive(Subcommand, Debug)]
pub enum ActionCommand {
    /// Residents, roles, delegations, multisig accounts.
    #[command(subcommand)]
    Identity(identity::IdentityCommand),
    /// Council proposals and votes.
    #[command(subcommand)]
    Governance(governance::GovernanceCommand),
    /// Social aid: programmes, beneficiaries, orders, spending, redemption.
    #[command(subcommand)]
    Aid(aid::AidCommand),
    /// Local energy: communities, meters, orders, attestations, settlement.
    #[command(subcommand)]
    Energy(energy::EnergyCommand),
    /// Public registries: records, amendments, transfers, revocations.
    #[command(subcommand)]
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
