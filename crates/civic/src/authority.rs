//! Who may act: roles held directly, and delegations of them.
//!
//! A role held for a whole collectivity covers every programme, community and
//! namespace of that collectivity. A delegation works while the block time is
//! before its expiry *and* its delegator still holds the role directly; there is
//! no delegation of a delegation. No role authorises anything once the scope's
//! collectivity has left the council (checked here, at authorisation time, so
//! removing a collectivity does no work proportional to its grants).

use civitas_types::AccountId;

use crate::codes::Code;
use crate::handler::Failure;
use crate::keys;
use crate::model::{Collectivity, Delegation, Namespace, Role, RoleGrant, Scope, Siren};
use crate::state::{Overlay, StateRead};

/// Who may act, and on whose authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorisation {
    /// The grant that applies (the delegator's, for a delegation).
    pub grant: RoleGrant,
    /// The account that holds the role directly: the signer itself, or the
    /// delegator when the signer acts by delegation.
    pub principal: AccountId,
}

/// The collectivity a scope belongs to (`None`: a namespace that does not exist).
pub fn collectivity_of<S: StateRead>(
    state: &Overlay<'_, S>,
    scope: &Scope,
) -> Result<Option<Siren>, Failure> {
    Ok(match scope {
        Scope::Collectivity(siren) | Scope::Programme(siren, _) | Scope::Community(siren, _) => {
            Some(*siren)
        }
        Scope::Namespace(name) => state
            .get::<Namespace>(&keys::namespace(name))?
            .map(|namespace| namespace.collectivity),
    })
}

/// The scopes whose holders may act on `scope`: itself and its collectivity.
fn covering_scopes<S: StateRead>(
    state: &Overlay<'_, S>,
    scope: &Scope,
) -> Result<Vec<Scope>, Failure> {
    let mut scopes = vec![scope.clone()];
    if !matches!(scope, Scope::Collectivity(_)) {
        scopes.extend(collectivity_of(state, scope)?.map(Scope::Collectivity));
    }
    Ok(scopes)
}

/// Refuses a scope whose collectivity is not (or no longer) a council member.
fn require_member<S: StateRead>(state: &Overlay<'_, S>, scope: &Scope) -> Result<(), Failure> {
    let Some(siren) = collectivity_of(state, scope)? else {
        return Err(Code::UnknownNamespace.into());
    };
    match state.get::<Collectivity>(&keys::collectivity(&siren))? {
        Some(_) => Ok(()),
        None => Err(Code::UnknownCollectivity.into()),
    }
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
/// directly or by a live delegation, while the scope's collectivity is a
/// council member. Returns the grant that applies and the principal.
pub fn authorise<S: StateRead>(
    state: &Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scope: &Scope,
    now_ms: u64,
) -> Result<Authorisation, Failure> {
    require_member(state, scope)?;
    if let Some(grant) = direct_grant(state, account, role, scope)? {
        return Ok(Authorisation {
            grant,
            principal: *account,
        });
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
            return Ok(Authorisation {
                grant,
                principal: delegation.delegator,
            });
        }
    }
    Err(Failure::Rule(if expired {
        Code::DelegationExpired
    } else {
        Code::MissingRole
    }))
}
