//! The council of collectivities: proposals, weighted votes, automatic execution.
//!
//! A council account (one per collectivity) proposes an action citing the hash of
//! the signed deliberation; council accounts vote, weighted by their
//! collectivity's voting power; when the votes in favour exceed two thirds of the
//! council's total power before the proposal expires (block time), the action
//! executes in the same transaction. An action that would endanger the network is
//! refused with a reason (the proposal is closed as refused): a validator set
//! below the configured minimum (never empty), or — with four validators or more —
//! one in which a single collectivity holds a third of the power or more.
//! Validator-set changes take effect `validator_change_delay` heights after the
//! block that decides them; protocol upgrades at the height they name
//! ([`crate::upgrade`]).

use std::collections::BTreeMap;

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, BoundedVec, Hash, PublicKey, Validator, ValidatorSet};

use crate::action::{Propose, Vote};
use crate::aid;
use crate::codes::Code;
use crate::duties;
use crate::handler::BlockContext;
use crate::handler::Failure;
use crate::handler::Outcome;
use crate::keys;
use crate::metadata::first_bad_field;
use crate::model::{
    ChainParameters, Collectivity, Namespace, NamespaceName, Role, RoleGrant, Scope, Siren,
    ValidatorEntry, ValidatorRegistry,
};
use crate::receipt::Event;
use crate::state::{Overlay, StateRead};
use crate::upgrade::{self, UpgradeName};

/// What a proposal does once passed.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum GovernanceAction {
    /// Admits a collectivity to the council.
    AdmitCollectivity(Collectivity) = 0,
    /// Removes a collectivity (it must run no validator).
    RemoveCollectivity(Siren) = 1,
    /// Changes a collectivity's council voting power.
    SetCouncilPower {
        /// The collectivity.
        siren: Siren,
        /// New power (≥ 1).
        voting_power: u64,
    } = 2,
    /// Adds a validator run by a collectivity.
    AddValidator(ValidatorEntry) = 3,
    /// Removes a validator.
    RemoveValidator(PublicKey) = 4,
    /// Replaces a validator's key (same power and collectivity).
    RotateValidatorKey {
        /// The key to retire.
        old: PublicKey,
        /// Its replacement.
        new: PublicKey,
    } = 5,
    /// Changes a validator's consensus power.
    SetValidatorPower {
        /// The validator.
        public_key: PublicKey,
        /// New power (≥ 1).
        power: u64,
    } = 6,
    /// Grants a role.
    GrantRole {
        /// To whom.
        account: AccountId,
        /// The role concerned (with `scope`, it names one grant).
        role: Role,
        /// What the role covers: a collectivity, or one programme, community or namespace of it.
        scope: Scope,
        /// For merchants: accepted categories.
        categories: BoundedVec<u16, 32>,
    } = 7,
    /// Revokes a role.
    RevokeRole {
        /// From whom.
        account: AccountId,
        /// The role concerned (with `scope`, it names one grant).
        role: Role,
        /// What the role covers: a collectivity, or one programme, community or namespace of it.
        scope: Scope,
    } = 8,
    /// Creates a registry namespace.
    CreateNamespace {
        /// Namespace name, e.g. `permits/building` (1–64 bytes of `a-z 0-9 - _ /`).
        name: NamespaceName,
        /// Its collectivity, transfer rules and declared metadata fields.
        namespace: Namespace,
    } = 9,
    /// Changes chain parameters.
    SetParameters(ChainParameters) = 10,
    /// Freezes a programme: no order, execution, spending or schedule until
    /// unfrozen; merchants still redeem.
    FreezeProgramme(u64) = 11,
    /// Lifts a freeze.
    UnfreezeProgramme(u64) = 12,
    /// Replaces a validator's network key (its node's libp2p identity); the
    /// consensus set is unchanged, so it takes effect at once.
    RotateNetworkKey {
        /// The validator, by consensus key.
        validator: PublicKey,
        /// Its new network key.
        network_key: PublicKey,
    } = 13,
    /// Schedules a protocol upgrade, replacing a plan not yet activated
    /// (docs/upgrades.md).
    ScheduleUpgrade {
        /// First height of the new version: 1,000 to 10,000,000 heights after
        /// the deciding block.
        height: u64,
        /// The new protocol version, greater than the one in force.
        version: u32,
        /// Its label, e.g. `civitas-2` (1–32 bytes of `a-z 0-9 - .`).
        name: UpgradeName,
    } = 14,
    /// Cancels the scheduled upgrade before its height.
    CancelUpgrade = 15,
}

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum ProposalStatus {
    /// Open for votes until it expires.
    Open = 0,
    /// Passed and executed.
    Executed = 1,
    /// Passed but refused on execution (the code says why).
    Refused = 2,
    /// Expired before passing.
    Expired = 3,
}

/// Most proposals open at once (the expiry hook's index).
pub const OPEN_PROPOSALS_MAX: usize = 1_024;

type OpenProposals = BoundedVec<u64, OPEN_PROPOSALS_MAX>;

/// A council proposal.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Proposal {
    /// Who proposed it (a council account).
    pub proposer: AccountId,
    /// What it does.
    pub action: GovernanceAction,
    /// Hash of the signed deliberation that decided it.
    pub deliberation_hash: Hash,
    /// Block time after which votes are refused.
    pub expires_at_ms: u64,
    /// Power that voted in favour.
    pub power_in_favour: u64,
    /// Power that voted against.
    pub power_against: u64,
    /// Where it stands.
    pub status: ProposalStatus,
    /// The refusal code, if refused.
    pub refusal: Option<u16>,
}

/// The collectivity whose council account is `account`, if any.
fn council_member<S: StateRead>(
    state: &Overlay<'_, S>,
    account: &AccountId,
) -> Result<Collectivity, Failure> {
    let siren = state
        .get::<Siren>(&keys::council_account(account))?
        .ok_or(Failure::Rule(Code::NotCouncilMember))?;
    state
        .get::<Collectivity>(&keys::collectivity(&siren))?
        .ok_or(Failure::Rule(Code::NotCouncilMember))
}

/// Submits a proposal; returns its id in the event.
pub fn propose<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: Propose,
) -> Outcome {
    let Propose {
        action,
        deliberation_hash,
        expires_at_ms,
    } = action;
    council_member(state, signer)?;
    if expires_at_ms <= context.time_ms {
        return Err(Code::ProposalExpired.into());
    }
    let id: u64 = state.get(&keys::proposal_counter())?.unwrap_or(0);
    let next = id.checked_add(1).ok_or(Failure::Rule(Code::Overflow))?;
    state.put(keys::proposal_counter(), &next);
    let proposal = Proposal {
        proposer: *signer,
        action,
        deliberation_hash,
        expires_at_ms,
        power_in_favour: 0,
        power_against: 0,
        status: ProposalStatus::Open,
        refusal: None,
    };
    state.put(keys::proposal(id), &proposal);
    let mut open: OpenProposals = state.get(&keys::open_proposals())?.unwrap_or_default();
    open.try_push(id)
        .map_err(|_| Failure::Rule(Code::TooManyOpenProposals))?;
    state.put(keys::open_proposals(), &open);
    Ok(vec![Event::ProposalSubmitted {
        proposal_id: id,
        deliberation_hash,
    }])
}

/// Records a council vote and, if the proposal passes, executes it.
pub fn vote<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: Vote,
) -> Outcome {
    let Vote {
        proposal_id,
        in_favour,
    } = action;
    let member = council_member(state, signer)?;
    let key = keys::proposal(proposal_id);
    let mut proposal = state
        .get::<Proposal>(&key)?
        .ok_or(Failure::Rule(Code::UnknownProposal))?;
    match proposal.status {
        ProposalStatus::Open => {}
        ProposalStatus::Expired => return Err(Code::ProposalExpired.into()),
        ProposalStatus::Executed | ProposalStatus::Refused => {
            return Err(Code::ProposalClosed.into());
        }
    }
    if context.time_ms >= proposal.expires_at_ms {
        return Err(Code::ProposalExpired.into());
    }
    let vote_key = keys::proposal_vote(proposal_id, &member.siren);
    if state.get::<bool>(&vote_key)?.is_some() {
        return Err(Code::AlreadyVoted.into());
    }
    state.put(vote_key, &in_favour);
    let tally = if in_favour {
        &mut proposal.power_in_favour
    } else {
        &mut proposal.power_against
    };
    *tally = tally
        .checked_add(member.voting_power)
        .ok_or(Failure::Rule(Code::Overflow))?;
    let mut events = vec![Event::ProposalVoted {
        proposal_id,
        collectivity: member.siren,
        in_favour,
    }];
    let total: u64 = state.get(&keys::council_power())?.unwrap_or(0);
    let passed = u128::from(proposal.power_in_favour).saturating_mul(3)
        > u128::from(total).saturating_mul(2);
    if passed {
        // A refused action leaves nothing behind, whatever it wrote before
        // the check that refused it.
        let savepoint = state.savepoint();
        match execute(state, context, &proposal.action) {
            Ok(mut executed) => {
                proposal.status = ProposalStatus::Executed;
                events.push(Event::ProposalExecuted { proposal_id });
                events.append(&mut executed);
            }
            Err(Failure::Rule(code) | Failure::Recorded { code, .. }) => {
                state.rollback_to(savepoint);
                proposal.status = ProposalStatus::Refused;
                proposal.refusal = Some(code.number());
                events.push(Event::ProposalRefused {
                    proposal_id,
                    code: code.number(),
                });
            }
            Err(corrupt) => return Err(corrupt),
        }
    }
    if proposal.status != ProposalStatus::Open {
        let open: OpenProposals = state.get(&keys::open_proposals())?.unwrap_or_default();
        let still_open = open
            .iter()
            .copied()
            .filter(|id| *id != proposal_id)
            .collect();
        state.put(
            keys::open_proposals(),
            &OpenProposals::try_from_vec(still_open).unwrap_or_default(),
        );
    }
    state.put(key, &proposal);
    Ok(events)
}

fn execute<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    action: &GovernanceAction,
) -> Outcome {
    match action {
        GovernanceAction::AdmitCollectivity(collectivity) => admit(state, collectivity),
        GovernanceAction::RemoveCollectivity(siren) => remove_collectivity(state, siren),
        GovernanceAction::SetCouncilPower {
            siren,
            voting_power,
        } => set_council_power(state, siren, *voting_power),
        GovernanceAction::AddValidator(entry) => change_validators(state, context, |set| {
            if set.iter().any(|v| v.public_key == entry.public_key) {
                return Err(Code::InvalidValidatorSet);
            }
            set.push(*entry);
            Ok(())
        }),
        GovernanceAction::RemoveValidator(key) => change_validators(state, context, |set| {
            let before = set.len();
            set.retain(|v| v.public_key != *key);
            if set.len() == before {
                Err(Code::UnknownValidator)
            } else {
                Ok(())
            }
        }),
        GovernanceAction::RotateNetworkKey {
            validator,
            network_key,
        } => rotate_network_key(state, validator, network_key),
        GovernanceAction::RotateValidatorKey { old, new } => {
            change_validators(state, context, |set| {
                if set.iter().any(|v| v.public_key == *new) {
                    return Err(Code::InvalidValidatorSet);
                }
                let entry = set
                    .iter_mut()
                    .find(|v| v.public_key == *old)
                    .ok_or(Code::UnknownValidator)?;
                entry.public_key = *new;
                Ok(())
            })
        }
        GovernanceAction::SetValidatorPower { public_key, power } => {
            change_validators(state, context, |set| {
                let entry = set
                    .iter_mut()
                    .find(|v| v.public_key == *public_key)
                    .ok_or(Code::UnknownValidator)?;
                entry.power = *power;
                Ok(())
            })
        }
        GovernanceAction::GrantRole {
            account,
            role,
            scope,
            categories,
        } => grant_role(state, context, account, *role, scope, categories),
        GovernanceAction::RevokeRole {
            account,
            role,
            scope,
        } => revoke_role(state, account, *role, scope),
        GovernanceAction::CreateNamespace { name, namespace } => {
            if !name.is_valid()
                || first_bad_field(&namespace.fields).is_some()
                || state.get::<Namespace>(&keys::namespace(name))?.is_some()
            {
                return Err(Code::InvalidNamespace.into());
            }
            if state
                .get::<Collectivity>(&keys::collectivity(&namespace.collectivity))?
                .is_none()
            {
                return Err(Code::UnknownCollectivity.into());
            }
            state.put(keys::namespace(name), namespace);
            Ok(vec![Event::NamespaceCreated {
                namespace: name.clone(),
            }])
        }
        GovernanceAction::ScheduleUpgrade {
            height,
            version,
            name,
        } => upgrade::schedule(state, context, *height, *version, name),
        GovernanceAction::CancelUpgrade => upgrade::cancel(state, context),
        GovernanceAction::FreezeProgramme(id) => set_frozen(state, *id, true),
        GovernanceAction::UnfreezeProgramme(id) => set_frozen(state, *id, false),
        GovernanceAction::SetParameters(parameters) => {
            if !parameters.is_valid() {
                return Err(Code::InvalidParameters.into());
            }
            check_activation_order(state, context, parameters)?;
            let registry: ValidatorRegistry = state.get(&keys::validators())?.unwrap_or_default();
            check_validator_safety(&registry, parameters)?;
            state.put(keys::parameters(), parameters);
            Ok(vec![Event::ParametersChanged])
        }
    }
}

fn set_frozen<S: StateRead>(
    state: &mut Overlay<'_, S>,
    programme_id: u64,
    frozen: bool,
) -> Outcome {
    let mut programme = aid::open_programme(state, programme_id)?;
    programme.frozen = frozen;
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![if frozen {
        Event::ProgrammeFrozen { programme_id }
    } else {
        Event::ProgrammeUnfrozen { programme_id }
    }])
}

fn grant_role<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    account: &AccountId,
    role: Role,
    scope: &Scope,
    categories: &BoundedVec<u16, 32>,
) -> Outcome {
    let key = keys::role(account, role, scope);
    if state.get::<RoleGrant>(&key)?.is_none() {
        duties::record_grant(state, account, role, scope)?;
    }
    let grant = RoleGrant {
        granted_at_height: context.height,
        categories: categories.clone(),
    };
    state.put(key, &grant);
    Ok(vec![Event::RoleGranted {
        account: *account,
        role,
        scope: scope.clone(),
    }])
}

fn revoke_role<S: StateRead>(
    state: &mut Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scope: &Scope,
) -> Outcome {
    let key = keys::role(account, role, scope);
    if state.get::<RoleGrant>(&key)?.is_none() {
        return Err(Code::MissingRole.into());
    }
    state.delete(key);
    duties::record_revocation(state, account, role, scope)?;
    Ok(vec![Event::RoleRevoked {
        account: *account,
        role,
        scope: scope.clone(),
    }])
}

fn admit<S: StateRead>(state: &mut Overlay<'_, S>, collectivity: &Collectivity) -> Outcome {
    if !collectivity.siren.is_valid() || collectivity.voting_power == 0 {
        return Err(Code::InvalidCollectivity.into());
    }
    if state
        .get::<Collectivity>(&keys::collectivity(&collectivity.siren))?
        .is_some()
        || state
            .get::<Siren>(&keys::council_account(&collectivity.council_account))?
            .is_some()
    {
        return Err(Code::InvalidCollectivity.into());
    }
    state.put(keys::collectivity(&collectivity.siren), collectivity);
    state.put(
        keys::council_account(&collectivity.council_account),
        &collectivity.siren,
    );
    adjust_council_power(state, 0, collectivity.voting_power)?;
    Ok(vec![Event::CollectivityAdmitted {
        collectivity: collectivity.siren,
    }])
}

fn remove_collectivity<S: StateRead>(state: &mut Overlay<'_, S>, siren: &Siren) -> Outcome {
    let collectivity = state
        .get::<Collectivity>(&keys::collectivity(siren))?
        .ok_or(Failure::Rule(Code::UnknownCollectivity))?;
    let registry: ValidatorRegistry = state.get(&keys::validators())?.unwrap_or_default();
    if registry.iter().any(|v| v.siren == *siren) {
        return Err(Code::CollectivityRunsValidators.into());
    }
    state.delete(keys::collectivity(siren));
    state.delete(keys::council_account(&collectivity.council_account));
    adjust_council_power(state, collectivity.voting_power, 0)?;
    Ok(vec![Event::CollectivityRemoved {
        collectivity: *siren,
    }])
}

fn set_council_power<S: StateRead>(
    state: &mut Overlay<'_, S>,
    siren: &Siren,
    power: u64,
) -> Outcome {
    let mut collectivity = state
        .get::<Collectivity>(&keys::collectivity(siren))?
        .ok_or(Failure::Rule(Code::UnknownCollectivity))?;
    if power == 0 {
        return Err(Code::InvalidCollectivity.into());
    }
    adjust_council_power(state, collectivity.voting_power, power)?;
    collectivity.voting_power = power;
    state.put(keys::collectivity(siren), &collectivity);
    Ok(vec![Event::CouncilPowerChanged {
        collectivity: *siren,
        voting_power: power,
    }])
}

fn adjust_council_power<S: StateRead>(
    state: &mut Overlay<'_, S>,
    remove: u64,
    add: u64,
) -> Result<(), Failure> {
    let total: u64 = state.get(&keys::council_power())?.unwrap_or(0);
    let total = total
        .checked_sub(remove)
        .and_then(|t| t.checked_add(add))
        .ok_or(Failure::Rule(Code::Overflow))?;
    state.put(keys::council_power(), &total);
    Ok(())
}

/// Applies `change` to the validator registry, checks the result, stores it and
/// announces the set with its activation height.
fn change_validators<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    change: impl FnOnce(&mut Vec<ValidatorEntry>) -> Result<(), Code>,
) -> Outcome {
    let registry: ValidatorRegistry = state.get(&keys::validators())?.unwrap_or_default();
    let mut entries = registry.into_vec();
    change(&mut entries)?;
    check_network_keys(&entries)?;
    for entry in &entries {
        if state
            .get::<Collectivity>(&keys::collectivity(&entry.siren))?
            .is_none()
        {
            return Err(Code::UnknownCollectivity.into());
        }
    }
    entries.sort_by_key(|v| v.public_key);
    let registry = ValidatorRegistry::try_from_vec(entries)
        .map_err(|_| Failure::Rule(Code::InvalidValidatorSet))?;
    let parameters: ChainParameters = state.get(&keys::parameters())?.unwrap_or_default();
    check_validator_safety(&registry, &parameters)?;
    state.put(keys::validators(), &registry);
    let activation_height = context
        .height
        .checked_add(parameters.validator_change_delay)
        .ok_or(Failure::Rule(Code::Overflow))?;
    state.put(keys::last_validator_activation(), &activation_height);
    Ok(vec![Event::ValidatorSetChanged { activation_height }])
}

/// Gives `validator` a new network key. The registry keeps its safety checks
/// (network keys distinct from each other and from every consensus key).
fn rotate_network_key<S: StateRead>(
    state: &mut Overlay<'_, S>,
    validator: &PublicKey,
    network_key: &PublicKey,
) -> Outcome {
    let registry: ValidatorRegistry = state.get(&keys::validators())?.unwrap_or_default();
    let mut entries = registry.into_vec();
    let entry = entries
        .iter_mut()
        .find(|v| v.public_key == *validator)
        .ok_or(Code::UnknownValidator)?;
    entry.network_key = *network_key;
    check_network_keys(&entries)?;
    let registry = ValidatorRegistry::try_from_vec(entries)
        .map_err(|_| Failure::Rule(Code::InvalidValidatorSet))?;
    state.put(keys::validators(), &registry);
    Ok(vec![Event::NetworkKeyRotated {
        validator: *validator,
        network_key: *network_key,
    }])
}

/// Network keys are distinct from one another and from every consensus key of
/// the registry: one key never serves two nodes, nor both roles.
pub(crate) fn check_network_keys(entries: &[ValidatorEntry]) -> Result<(), Code> {
    let mut seen = std::collections::BTreeSet::new();
    for entry in entries {
        if !seen.insert(entry.network_key) {
            return Err(Code::InvalidNetworkKey);
        }
    }
    if entries.iter().any(|v| seen.contains(&v.public_key)) {
        return Err(Code::InvalidNetworkKey);
    }
    Ok(())
}

/// Validator-set changes activate in the order they were decided: a new delay
/// is refused if a change decided now would activate before the last change
/// already scheduled.
fn check_activation_order<S: StateRead>(
    state: &Overlay<'_, S>,
    context: &BlockContext,
    parameters: &ChainParameters,
) -> Result<(), Failure> {
    let scheduled: u64 = state.get(&keys::last_validator_activation())?.unwrap_or(0);
    let earliest = context
        .height
        .checked_add(parameters.validator_change_delay)
        .ok_or(Failure::Rule(Code::Overflow))?;
    if earliest < scheduled {
        return Err(Code::ActivationOutOfOrder.into());
    }
    Ok(())
}

/// The quorum-safety rule for a validator set; returns the consensus set.
pub fn check_validator_safety(
    registry: &[ValidatorEntry],
    parameters: &ChainParameters,
) -> Result<ValidatorSet, Failure> {
    let minimum = usize::from(parameters.validators_min.max(1));
    if registry.len() < minimum {
        return Err(Code::ValidatorSetTooSmall.into());
    }
    let set = ValidatorSet::new(
        registry
            .iter()
            .map(|v| Validator {
                public_key: v.public_key,
                voting_power: v.power,
            })
            .collect(),
    )
    .map_err(|_| Failure::Rule(Code::InvalidValidatorSet))?;
    if registry.len() >= 4 {
        let mut by_collectivity: BTreeMap<Siren, u64> = BTreeMap::new();
        for entry in registry {
            let power = by_collectivity.entry(entry.siren).or_insert(0);
            *power = power.saturating_add(entry.power);
        }
        let total = u128::from(set.total_voting_power());
        if by_collectivity
            .values()
            .any(|power| u128::from(*power).saturating_mul(3) >= total)
        {
            return Err(Code::CollectivityCouldHalt.into());
        }
    }
    Ok(set)
}

/// The block hook: closes every open proposal whose expiry has come.
pub fn expire_proposals<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
) -> Result<Vec<Event>, crate::state::StateFault> {
    let open: OpenProposals = state.get(&keys::open_proposals())?.unwrap_or_default();
    let mut events = Vec::new();
    let mut still_open = Vec::with_capacity(open.len());
    for id in open.iter().copied() {
        let key = keys::proposal(id);
        match state.get::<Proposal>(&key)? {
            Some(mut proposal) if proposal.expires_at_ms <= context.time_ms => {
                proposal.status = ProposalStatus::Expired;
                state.put(key, &proposal);
                events.push(Event::ProposalExpired { proposal_id: id });
            }
            Some(_) => still_open.push(id),
            None => {}
        }
    }
    if still_open.len() != open.len() {
        state.put(
            keys::open_proposals(),
            &OpenProposals::try_from_vec(still_open).unwrap_or_default(),
        );
        state.commit_transaction();
    }
    Ok(events)
}
