//! Separation of the aid duties (French public accounting): the ordonnateur who
//! orders a payment (`AidAdministrator`) is never the comptable who executes it
//! (`AidAccountant`).
//!
//! Two rules keep them apart. Here: no account holds both duties in one
//! collectivity, whatever the scopes — a grant, a genesis grant or a delegation
//! of one duty to a holder of the other is refused (`ConflictingAidDuties`).
//! The per-(account, collectivity) [`AidDuty`] entry counts the account's direct
//! grants of its duty there, so the check is one lookup. In aid
//! ([`check_separation`]): the people behind an order and behind its execution
//! must differ — each side's signer and principal, and for a multisig account
//! its member keys — which also covers roles that change hands between the
//! order and its execution, and a comptable ordering through a multisig it
//! belongs to.

use std::collections::BTreeSet;

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::AccountId;

use crate::authority::collectivity_of;
use crate::codes::Code;
use crate::handler::{Failure, overflow};
use crate::keys;
use crate::model::{MultisigPolicy, Role, Scope};
use crate::state::{Overlay, StateRead};

/// The aid duty an account holds directly in one collectivity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct AidDuty {
    /// `AidAdministrator` or `AidAccountant`.
    pub role: Role,
    /// Direct grants of that role the account holds in the collectivity (≥ 1:
    /// the entry is deleted with the last one).
    pub grants: u32,
}

/// The other aid duty, for the two aid roles; `None` for every other role.
fn opposite(role: Role) -> Option<Role> {
    match role {
        Role::AidAdministrator => Some(Role::AidAccountant),
        Role::AidAccountant => Some(Role::AidAdministrator),
        _ => None,
    }
}

fn duty_key<S: StateRead>(
    state: &Overlay<'_, S>,
    account: &AccountId,
    scope: &Scope,
) -> Result<Vec<u8>, Failure> {
    let siren = collectivity_of(state, scope)?.ok_or(Failure::Rule(Code::UnknownNamespace))?;
    Ok(keys::aid_duty(account, &siren))
}

/// Refuses `role` for `account` on `scope` if the account holds the other aid
/// duty directly in the scope's collectivity (grants and delegations alike).
pub fn check_compatible<S: StateRead>(
    state: &Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scope: &Scope,
) -> Result<(), Failure> {
    let Some(other) = opposite(role) else {
        return Ok(());
    };
    match state.get::<AidDuty>(&duty_key(state, account, scope)?)? {
        Some(duty) if duty.role == other => Err(Code::ConflictingAidDuties.into()),
        _ => Ok(()),
    }
}

/// Records a new direct grant (call only when the grant did not exist before).
pub fn record_grant<S: StateRead>(
    state: &mut Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scope: &Scope,
) -> Result<(), Failure> {
    if opposite(role).is_none() {
        return Ok(());
    }
    check_compatible(state, account, role, scope)?;
    let key = duty_key(state, account, scope)?;
    let grants = match state.get::<AidDuty>(&key)? {
        Some(duty) => duty.grants.checked_add(1).ok_or_else(overflow)?,
        None => 1,
    };
    state.put(key, &AidDuty { role, grants });
    Ok(())
}

/// Records the revocation of an existing direct grant.
pub fn record_revocation<S: StateRead>(
    state: &mut Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scope: &Scope,
) -> Result<(), Failure> {
    if opposite(role).is_none() {
        return Ok(());
    }
    let key = duty_key(state, account, scope)?;
    match state.get::<AidDuty>(&key)? {
        Some(duty) if duty.grants > 1 => {
            let grants = duty.grants.saturating_sub(1);
            state.put(key, &AidDuty { grants, ..duty });
        }
        _ => state.delete(key),
    }
    Ok(())
}

/// The accounts behind `accounts`: each of them and, for a multisig account,
/// the key account of each of its members.
fn people_behind<S: StateRead>(
    state: &Overlay<'_, S>,
    accounts: &[AccountId],
) -> Result<BTreeSet<AccountId>, Failure> {
    let mut people = BTreeSet::new();
    for account in accounts {
        // A signer acting on its own authority is its own principal: look its
        // policy up once.
        if !people.insert(*account) {
            continue;
        }
        if let Some(policy) = state.get::<MultisigPolicy>(&keys::multisig(account))? {
            people.extend(policy.members.iter().map(AccountId::from_public_key));
        }
    }
    Ok(people)
}

/// Refuses an execution (or rejection) of an order when anyone behind it —
/// signer, principal, or a member of either if it is a multisig account — is
/// behind the order too (`OrdererCannotExecute`).
pub fn check_separation<S: StateRead>(
    state: &Overlay<'_, S>,
    ordered_by: &[AccountId],
    executed_by: &[AccountId],
) -> Result<(), Failure> {
    let ordering = people_behind(state, ordered_by)?;
    let executing = people_behind(state, executed_by)?;
    if ordering.is_disjoint(&executing) {
        Ok(())
    } else {
        Err(Code::OrdererCannotExecute.into())
    }
}
