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
use crate::model::{Delegation, Namespace, Role, RoleGrant, Scope, Siren};
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

/// The scopes whose holders may act on `scope` — itself, then its
/// collectivity — once that collectivity is checked to be a council member
/// (a role of a collectivity that left authorises nothing).
fn member_scopes<S: StateRead>(
    state: &Overlay<'_, S>,
    scope: &Scope,
) -> Result<Vec<Scope>, Failure> {
    let siren = collectivity_of(state, scope)?.ok_or(Failure::Rule(Code::UnknownNamespace))?;
    if !state.contains(&keys::collectivity(&siren))? {
        return Err(Code::UnknownCollectivity.into());
    }
    let mut scopes = vec![scope.clone()];
    if !matches!(scope, Scope::Collectivity(_)) {
        scopes.push(Scope::Collectivity(siren));
    }
    Ok(scopes)
}

/// The first grant of `role` to `account` on one of `scopes`.
fn grant_on<S: StateRead>(
    state: &Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scopes: &[Scope],
) -> Result<Option<RoleGrant>, Failure> {
    for scope in scopes {
        if let Some(grant) = state.get::<RoleGrant>(&keys::role(account, role, scope))? {
            return Ok(Some(grant));
        }
    }
    Ok(None)
}

/// The grant by which `account` holds `role` directly on `scope`, if any (an
/// error if the scope's collectivity is not a council member).
pub fn direct_grant<S: StateRead>(
    state: &Overlay<'_, S>,
    account: &AccountId,
    role: Role,
    scope: &Scope,
) -> Result<Option<RoleGrant>, Failure> {
    grant_on(state, account, role, &member_scopes(state, scope)?)
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
    let scopes = member_scopes(state, scope)?;
    if let Some(grant) = grant_on(state, account, role, &scopes)? {
        return Ok(Authorisation {
            grant,
            principal: *account,
        });
    }
    let mut expired = false;
    for (position, covering) in scopes.iter().enumerate() {
        let Some(delegation) =
            state.get::<Delegation>(&keys::delegation(account, role, covering))?
        else {
            continue;
        };
        if now_ms >= delegation.expires_at_ms {
            expired = true;
            continue;
        }
        // The delegator must hold the role on the delegated scope or wider.
        let wider = scopes.get(position..).unwrap_or_default();
        if let Some(grant) = grant_on(state, &delegation.delegator, role, wider)? {
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
