//! Identity actions: residents, delegations, multisig accounts.

use civitas_civic::Action;
use civitas_civic::action::{
    Delegate, EnrolResident, RegisterMultisig, RevokeDelegation, RevokeResident,
};
use civitas_civic::model::MultisigPolicy;
use civitas_types::{AccountId, Hash, encode};
use clap::{Args, Subcommand};

use super::{Built, bounded};
use crate::exit::CliError;
use crate::tx::parse;

/// Identity actions.
#[derive(Subcommand, Debug)]
pub enum IdentityCommand {
    /// Register a k-of-n multisig account (its address is printed; fund or
    /// grant it roles afterwards).
    #[command(
        after_help = "Example:\n  civitas tx identity register-multisig --key city-council --threshold 2 --member civ1kk7ashz8vwvwl2z24y8h8el94drt06vde9qqhqempsl2nser9mdq29el4h --member civ1qv6sadgkug29ynht6mvjp6lrt74afwsrh0r2as4syuzllgk067eqty3er9 --member civ1wd6d0uptjgl5wd8mqx37tuz4fq0y3he3rajv2l7vlmf80076he0sfjk3l8 --wait"
    )]
    RegisterMultisig(RegisterMultisigArgs),
    /// Enrol a resident of a collectivity (identity registrar).
    #[command(
        after_help = "Example:\n  civitas tx identity enrol-resident --key registrar --collectivity 219900016 --resident civ19wukzc35wxf04fthp0akv5taft4cerwvgkyl5e87zjzm7kzzvw3q0eekdp --commitment 9a8b7c6d5e4f30219a8b7c6d5e4f30219a8b7c6d5e4f30219a8b7c6d5e4f3021 --wait"
    )]
    EnrolResident(EnrolResidentArgs),
    /// Revoke a resident's enrolment (identity registrar).
    #[command(
        after_help = "Example:\n  civitas tx identity revoke-resident --key registrar --collectivity 219900016 --resident civ19wukzc35wxf04fthp0akv5taft4cerwvgkyl5e87zjzm7kzzvw3q0eekdp --reason 1 --wait"
    )]
    RevokeResident(RevokeResidentArgs),
    /// Lend a role to another account until a time (délégation de signature).
    #[command(
        after_help = "Example:\n  civitas tx identity delegate --key aid-administrator --role aid-administrator --scope collectivity:219900016 --to civ1kk7ashz8vwvwl2z24y8h8el94drt06vde9qqhqempsl2nser9mdq29el4h --until 2030-06-30 --act-file arrete.pdf --wait"
    )]
    Delegate(DelegateArgs),
    /// Withdraw a delegation before it expires.
    #[command(
        after_help = "Example:\n  civitas tx identity revoke-delegation --key aid-administrator --role aid-administrator --scope collectivity:219900016 --to civ1kk7ashz8vwvwl2z24y8h8el94drt06vde9qqhqempsl2nser9mdq29el4h --wait"
    )]
    RevokeDelegation(RevokeDelegationArgs),
}

/// `register-multisig`.
#[derive(Args, Debug)]
pub struct RegisterMultisigArgs {
    /// Signatures needed.
    #[arg(long)]
    threshold: u8,
    /// A member: its address (`civitas keys show NAME`) or public key (hex), repeated.
    #[arg(long = "member", required = true)]
    members: Vec<String>,
}

/// `enrol-resident`.
#[derive(Args, Debug)]
pub struct EnrolResidentArgs {
    /// The collectivity's SIREN.
    #[arg(long)]
    collectivity: u32,
    /// The resident's pseudonymous address.
    #[arg(long)]
    resident: String,
    /// The identity commitment, H(salt ‖ identity file), computed by the office (hex).
    #[arg(long)]
    commitment: String,
}

/// `revoke-resident`.
#[derive(Args, Debug)]
pub struct RevokeResidentArgs {
    /// The collectivity's SIREN.
    #[arg(long)]
    collectivity: u32,
    /// The resident's address.
    #[arg(long)]
    resident: String,
    /// The collectivity's reason code.
    #[arg(long)]
    reason: u16,
}

/// `delegate`.
#[derive(Args, Debug)]
pub struct DelegateArgs {
    /// The role lent.
    #[arg(long)]
    role: String,
    /// Where it applies: collectivity:SIREN, programme:SIREN:ID, community:SIREN:ID, namespace:NAME.
    #[arg(long)]
    scope: String,
    /// Who receives it.
    #[arg(long)]
    to: String,
    /// Until when (2027-06-30, 2027-06-30T18:00:00Z, or milliseconds).
    #[arg(long)]
    until: String,
    /// The act (arrêté) that decides the delegation: its file, hashed here.
    #[arg(long, conflicts_with = "act_hash")]
    act_file: Option<std::path::PathBuf>,
    /// Or the act's hash (hex).
    #[arg(long)]
    act_hash: Option<String>,
}

/// `revoke-delegation`.
#[derive(Args, Debug)]
pub struct RevokeDelegationArgs {
    /// The role lent.
    #[arg(long)]
    role: String,
    /// Its scope.
    #[arg(long)]
    scope: String,
    /// Who received it.
    #[arg(long)]
    to: String,
}

impl IdentityCommand {
    /// The action.
    pub fn build(&self) -> Result<Built, CliError> {
        let action = match self {
            IdentityCommand::RegisterMultisig(a) => {
                let mut members = a
                    .members
                    .iter()
                    .map(|m| parse::key_of_account(m))
                    .collect::<Result<Vec<_>, _>>()?;
                // The policy lists its members in increasing order, once each.
                members.sort();
                members.dedup();
                let policy = RegisterMultisig {
                    threshold: a.threshold,
                    members: bounded("members", members)?,
                };
                let account = AccountId::from_multisig_policy(&encode(&MultisigPolicy {
                    threshold: policy.threshold,
                    members: policy.members.clone(),
                }));
                return Ok(Built {
                    action: Action::RegisterMultisig(policy),
                    derivation: crate::keystore::Derivation::Identity,
                    account: Some(account),
                });
            }
            IdentityCommand::EnrolResident(a) => Action::EnrolResident(EnrolResident {
                collectivity: parse::siren(a.collectivity)?,
                resident: parse::account(&a.resident)?,
                identity_commitment: parse::hash("the commitment", &a.commitment)?,
            }),
            IdentityCommand::RevokeResident(a) => Action::RevokeResident(RevokeResident {
                collectivity: parse::siren(a.collectivity)?,
                resident: parse::account(&a.resident)?,
                reason_code: a.reason,
            }),
            IdentityCommand::Delegate(a) => Action::Delegate(Delegate {
                role: parse::role(&a.role)?,
                scope: parse::scope(&a.scope)?,
                delegate: parse::account(&a.to)?,
                expires_at_ms: parse::time_ms(&a.until)?,
                act_hash: act_hash(a)?,
            }),
            IdentityCommand::RevokeDelegation(a) => Action::RevokeDelegation(RevokeDelegation {
                role: parse::role(&a.role)?,
                scope: parse::scope(&a.scope)?,
                delegate: parse::account(&a.to)?,
            }),
        };
        Ok(Built::identity(action))
    }
}

fn act_hash(args: &DelegateArgs) -> Result<Hash, CliError> {
    match (&args.act_file, &args.act_hash) {
        (Some(file), _) => parse::file_hash(file),
        (None, Some(hash)) => parse::hash("the act hash", hash),
        (None, None) => Err(CliError::usage(
            "a delegation names its act: give --act-file FILE or --act-hash HEX",
        )),
    }
}
