//! Identity actions: multisig accounts, resident enrolment, delegations.

use civitas_types::{AccountId, BoundedVec, encode};

use crate::action::{Delegate, EnrolResident, RegisterMultisig, RevokeDelegation, RevokeResident};
use crate::authority::{authorise, direct_grant};
use crate::codes::Code;
use crate::duties;
use crate::handler::BlockContext;
use crate::handler::{Failure, Outcome};
use crate::keys;
use crate::model::{
    AccountState, Collectivity, Delegation, MultisigPolicy, Resident, Role, Scope, Siren,
};
use crate::pseudonyms;
use crate::receipt::Event;
use crate::state::{Overlay, StateRead};

/// Registers the multisig account of a policy.
pub fn register_multisig<S: StateRead>(
    state: &mut Overlay<'_, S>,
    action: RegisterMultisig,
) -> Outcome {
    let RegisterMultisig { threshold, members } = action;
    let increasing = members
        .windows(2)
        .all(|pair| matches!(pair, [a, b] if a < b));
    if threshold == 0 || usize::from(threshold) > members.len() || !increasing {
        return Err(Code::InvalidMultisigPolicy.into());
    }
    let policy = MultisigPolicy { threshold, members };
    let account = AccountId::from_multisig_policy(&encode(&policy));
    let key = keys::multisig(&account);
    if state.get::<MultisigPolicy>(&key)?.is_some() {
        return Err(Code::MultisigExists.into());
    }
    state.put(key, &policy);
    let account_key = keys::account(&account);
    let mut bookkeeping: AccountState = state.get(&account_key)?.unwrap_or_default();
    bookkeeping.multisig = true;
    state.put(account_key, &bookkeeping);
    Ok(vec![Event::MultisigRegistered { account }])
}

fn require_collectivity<S: StateRead>(
    state: &Overlay<'_, S>,
    siren: &Siren,
) -> Result<(), Failure> {
    match state.get::<Collectivity>(&keys::collectivity(siren))? {
        Some(_) => Ok(()),
        None => Err(Code::UnknownCollectivity.into()),
    }
}

/// Enrols a resident; the signer must be an IdentityRegistrar of the collectivity.
pub fn enrol_resident<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: EnrolResident,
) -> Outcome {
    let EnrolResident {
        collectivity,
        resident,
        identity_commitment,
    } = action;
    require_collectivity(state, &collectivity)?;
    authorise(
        state,
        signer,
        Role::IdentityRegistrar,
        &Scope::Collectivity(collectivity),
        context.time_ms,
    )?;
    let key = keys::resident(&collectivity, &resident);
    let existing = state.get::<Resident>(&key)?;
    // A revoked resident may be enrolled again, as a new enrolment.
    if existing.as_ref().is_some_and(|e| e.revoked.is_none()) {
        return Err(Code::AlreadyEnrolled.into());
    }
    let enrolment = match existing {
        Some(earlier) => earlier
            .enrolment
            .checked_add(1)
            .ok_or(Failure::Rule(Code::Overflow))?,
        None => 1,
    };
    pseudonyms::claim_commitment(state, &collectivity, &identity_commitment, &resident)?;
    state.put(
        key,
        &Resident {
            identity_commitment,
            enrolled_at_height: context.height,
            revoked: None,
            enrolment,
        },
    );
    Ok(vec![Event::ResidentEnrolled {
        collectivity,
        resident,
    }])
}

/// Revokes an enrolment; the signer must be an IdentityRegistrar of the collectivity.
pub fn revoke_resident<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: RevokeResident,
) -> Outcome {
    let RevokeResident {
        collectivity,
        resident,
        reason_code,
    } = action;
    require_collectivity(state, &collectivity)?;
    authorise(
        state,
        signer,
        Role::IdentityRegistrar,
        &Scope::Collectivity(collectivity),
        context.time_ms,
    )?;
    let key = keys::resident(&collectivity, &resident);
    let Some(mut enrolment) = state.get::<Resident>(&key)? else {
        return Err(Code::NotEnrolled.into());
    };
    if enrolment.revoked.is_some() {
        return Err(Code::ResidentRevoked.into());
    }
    enrolment.revoked = Some(reason_code);
    state.put(key, &enrolment);
    Ok(vec![Event::ResidentRevoked {
        collectivity,
        resident,
        reason_code,
    }])
}

/// Lends a role the signer holds directly.
pub fn delegate<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: Delegate,
) -> Outcome {
    let Delegate {
        role,
        scope,
        delegate,
        expires_at_ms,
        act_hash,
    } = action;
    if delegate == *signer || expires_at_ms <= context.time_ms {
        return Err(Code::InvalidDelegation.into());
    }
    if direct_grant(state, signer, role, &scope)?.is_none() {
        return Err(Code::MissingRole.into());
    }
    duties::check_compatible(state, &delegate, role, &scope)?;
    let delegation = Delegation {
        delegator: *signer,
        expires_at_ms,
        act_hash,
    };
    state.put(keys::delegation(&delegate, role, &scope), &delegation);
    let reference = DelegationRef {
        delegate,
        role,
        scope: scope.clone(),
    };
    let mut live: LiveDelegations = state.get(&keys::live_delegations())?.unwrap_or_default();
    if !live.contains(&reference) {
        live.try_push(reference)
            .map_err(|_| Failure::Rule(Code::TooManyDelegations))?;
        state.put(keys::live_delegations(), &live);
    }
    Ok(vec![Event::RoleDelegated {
        delegator: *signer,
        delegate,
        role,
        scope,
        expires_at_ms,
    }])
}

/// Withdraws a delegation; only its delegator may.
pub fn revoke_delegation<S: StateRead>(
    state: &mut Overlay<'_, S>,
    signer: &AccountId,
    action: RevokeDelegation,
) -> Outcome {
    let RevokeDelegation {
        role,
        scope,
        delegate,
    } = action;
    let key = keys::delegation(&delegate, role, &scope);
    match state.get::<Delegation>(&key)? {
        Some(delegation) if delegation.delegator == *signer => {
            state.delete(key);
            forget_delegation(
                state,
                &DelegationRef {
                    delegate,
                    role,
                    scope: scope.clone(),
                },
            )?;
            Ok(vec![Event::DelegationRevoked {
                delegate,
                role,
                scope,
            }])
        }
        Some(_) => Err(Code::MissingRole.into()),
        None => Err(Code::UnknownDelegation.into()),
    }
}

/// Most delegations alive at once (the expiry hook's index).
pub const LIVE_DELEGATIONS_MAX: usize = 4_096;

/// Which delegation: the key of its entry.
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct DelegationRef {
    /// Account that acts with the role while the delegation lasts.
    pub delegate: AccountId,
    /// The role concerned (with `scope`, it names one grant).
    pub role: Role,
    /// What the role covers: a collectivity, or one programme, community or namespace of it.
    pub scope: Scope,
}

type LiveDelegations = BoundedVec<DelegationRef, LIVE_DELEGATIONS_MAX>;

fn forget_delegation<S: StateRead>(
    state: &mut Overlay<'_, S>,
    reference: &DelegationRef,
) -> Result<(), Failure> {
    let live: LiveDelegations = state.get(&keys::live_delegations())?.unwrap_or_default();
    let kept: Vec<DelegationRef> = live.iter().filter(|r| *r != reference).cloned().collect();
    state.put(
        keys::live_delegations(),
        &LiveDelegations::try_from_vec(kept).unwrap_or_default(),
    );
    Ok(())
}

/// The block hook: announces every delegation whose time has passed (it stopped
/// working at that block time already; the entry stays, as the record of it).
pub fn expire_delegations<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
) -> Result<Vec<Event>, crate::state::StateFault> {
    let live: LiveDelegations = state.get(&keys::live_delegations())?.unwrap_or_default();
    let mut events = Vec::new();
    let mut kept = Vec::with_capacity(live.len());
    for reference in live.iter() {
        let key = keys::delegation(&reference.delegate, reference.role, &reference.scope);
        match state.get::<Delegation>(&key)? {
            Some(delegation) if delegation.expires_at_ms <= context.time_ms => {
                events.push(Event::DelegationExpired {
                    delegate: reference.delegate,
                    role: reference.role,
                    scope: reference.scope.clone(),
                });
            }
            Some(_) => kept.push(reference.clone()),
            None => {}
        }
    }
    if kept.len() != live.len() {
        state.put(
            keys::live_delegations(),
            &LiveDelegations::try_from_vec(kept).unwrap_or_default(),
        );
        state.commit_transaction();
    }
    Ok(events)
}
