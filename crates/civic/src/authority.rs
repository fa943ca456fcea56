//! Who may act: roles held directly, and delegations of them.
//!
//! A role held for a whole collectivity covers every programme, community and
//! namespace of that collectivity. A delegation works while the block time is
//! before its expiry *and* its delegator still holds the role directly; there is
//! no delegation of a delegation.

use civitas_types::AccountId;

use crate::codes::Code;
use crate::handler::Failure;
use crate::keys;
use crate::model::{Delegation, Namespace, Role, RoleGrant, Scope};
use crate::state::{Overlay, StateRead};

/// The scopes whose holders may act on `scope`: itself and its collectivity.
fn covering_scopes<S: StateRead>(
    state: &Overlay<'_, S>,
    scope: &Scope,
) -> Result<Vec<Scope>, Failure> {
    let collectivity = match scope {
        Scope::Collectivity(_) => None,
        Scope::Programme(siren, _) | Scope::Community(siren, _) => Some(*siren),
        Scope::Namespace(name) => state
            .get::<Namespace>(&keys::namespace(name))?
            .map(|namespace| namespace.collectivity),
    };
    let mut scopes = vec![scope.clone()];
    scopes.extend(collectivity.map(Scope::Collectivity));
    Ok(scopes)
}

/// The grant by which `account` holds `role` directly on `scope`, if any.
pub fn direct_grant<S: StateRead>(
    state: &Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scope: &Scope,
) -> Result<Option<RoleGrant>, Failure> {
    for covering in covering_scopes(state, scope)? {
        if let Some(grant) = state.get::<RoleGrant>(&keys::role(account, role, &covering))? {
            return Ok(Some(grant));
        }
    }
    Ok(None)
}

/// Checks that `account` may act with `role` on `scope` at block time `now_ms`,
/// directly or by a live delegation. Returns the grant that applies (the
/// delegator's, for a delegation).
pub fn authorise<S: StateRead>(
    state: &Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scope: &Scope,
    now_ms: u64,
) -> Result<RoleGrant, Failure> {
    if let Some(grant) = direct_grant(state, account, role, scope)? {
        return Ok(grant);
    }
    let mut expired = false;
    for covering in covering_scopes(state, scope)? {
        let Some(delegation) =
            state.get::<Delegation>(&keys::delegation(account, role, &covering))?
        else {
            continue;
        };
        if now_ms >= delegation.expires_at_ms {
            expired = true;
            continue;
        }
        if let Some(grant) = direct_grant(state, &delegation.delegator, role, &covering)? {
            return Ok(grant);
        }
    }
    Err(Failure::Rule(if expired {
        Code::DelegationExpired
    } else {
        Code::MissingRole
    }))
}
