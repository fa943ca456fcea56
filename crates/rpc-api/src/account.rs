//! `civitas_getAccount`: what the chain knows of an account — the sequence
//! its next transaction must carry, its multisig policy, the roles it holds
//! directly and the delegations it received — read from the civic state
//! (tables `0x01` account, `0x02` multisig, `0x11` roles, `0x12` delegations,
//! keyed by the account first, so one prefix scan finds each list).
//!
//! All of it is public: roles and delegations are acts of public office.

use crate::encoding::to_hex;
use civitas_civic::model::{AccountState, Delegation, MultisigPolicy, Role, RoleGrant, Scope};
use civitas_types::{AccountId, DecodeError, decode};
use serde::{Deserialize, Serialize};

/// Most roles, and most delegations, one answer lists.
pub const ACCOUNT_ROLES_MAX: usize = 256;

/// `civitas_getAccount`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountView {
    /// The account (`civ1…`).
    pub address: String,
    /// The committed height whose state was read.
    pub height: u64,
    /// The sequence the account's next transaction must carry (0 for an
    /// account that never signed).
    pub next_sequence: u64,
    /// Its k-of-n policy if it is a multisig account.
    pub multisig: Option<MultisigView>,
    /// Roles it holds directly (granted by governance), in state-key order.
    pub roles: Vec<RoleView>,
    /// Roles delegated to it, in state-key order (expired ones included:
    /// compare `expiresAtMs` with the chain's time).
    pub delegations: Vec<DelegationView>,
}

/// A multisig policy.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MultisigView {
    /// Signatures required.
    pub threshold: u8,
    /// Member accounts (`civ1…`), in key order.
    pub members: Vec<String>,
}

/// What a role applies to.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScopeView {
    /// `collectivity`, `programme`, `community` or `namespace`.
    pub kind: String,
    /// SIREN of the collectivity (`null` for a namespace).
    pub collectivity: Option<u32>,
    /// The programme's or community's id.
    pub id: Option<u64>,
    /// The namespace's name.
    pub namespace: Option<String>,
}

/// A role held directly.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleView {
    /// The role: `identityRegistrar`, `aidAdministrator`, `aidAccountant`,
    /// `merchant`, `energyOperator` or `registrar`.
    pub role: String,
    /// What it covers.
    pub scope: ScopeView,
    /// Height of the grant.
    pub granted_at_height: u64,
    /// For merchants: accepted categories (codes).
    pub categories: Vec<u16>,
}

/// A role delegated to the account.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DelegationView {
    /// The role (as in [`RoleView::role`]).
    pub role: String,
    /// What it covers.
    pub scope: ScopeView,
    /// Who delegated it (`civ1…`).
    pub delegator: String,
    /// Block time after which it no longer works, ms since the Unix epoch.
    pub expires_at_ms: u64,
    /// Hash of the signed act that grants it (hex).
    pub act_hash: String,
}

/// The state entries of one account, as the node reads them.
#[derive(Debug, Default, Clone)]
pub struct AccountEntries {
    /// The account table's value.
    pub account: Option<Vec<u8>>,
    /// The multisig table's value.
    pub multisig: Option<Vec<u8>>,
    /// (key, value) of its roles.
    pub roles: Vec<(Vec<u8>, Vec<u8>)>,
    /// (key, value) of its delegations.
    pub delegations: Vec<(Vec<u8>, Vec<u8>)>,
}

impl AccountView {
    /// The view of `account` at `height` from its state `entries`; a value
    /// that does not decode is the node's corrupt state.
    pub fn from_entries(
        account: &AccountId,
        height: u64,
        entries: &AccountEntries,
    ) -> Result<AccountView, DecodeError> {
        let state: Option<AccountState> = entries.account.as_deref().map(decode).transpose()?;
        let multisig: Option<MultisigPolicy> =
            entries.multisig.as_deref().map(decode).transpose()?;
        let roles = entries
            .roles
            .iter()
            .map(|(key, value)| {
                let (role, scope) = role_and_scope(key)?;
                let grant: RoleGrant = decode(value)?;
                Ok(RoleView {
                    role,
                    scope,
                    granted_at_height: grant.granted_at_height,
                    categories: grant.categories.to_vec(),
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        let delegations = entries
            .delegations
            .iter()
            .map(|(key, value)| {
                let (role, scope) = role_and_scope(key)?;
                let delegation: Delegation = decode(value)?;
                Ok(DelegationView {
                    role,
                    scope,
                    delegator: delegation.delegator.to_string(),
                    expires_at_ms: delegation.expires_at_ms,
                    act_hash: to_hex(delegation.act_hash),
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(AccountView {
            address: account.to_string(),
            height,
            next_sequence: state.map_or(0, |s| s.next_sequence),
            multisig: multisig.map(|policy| MultisigView {
                threshold: policy.threshold,
                members: policy
                    .members
                    .iter()
                    .map(|key| AccountId::from_public_key(key).to_string())
                    .collect(),
            }),
            roles,
            delegations,
        })
    }
}

/// The role and scope a role or delegation key names (table byte, then the
/// canonical encoding of (account, role, scope)).
fn role_and_scope(key: &[u8]) -> Result<(String, ScopeView), DecodeError> {
    let body = key
        .get(1..)
        .ok_or_else(|| DecodeError::Invalid("an empty state key".to_owned()))?;
    let (_, role, scope): (AccountId, Role, Scope) = decode(body)?;
    Ok((role_name(role).to_owned(), scope_view(&scope)))
}

/// The role's name in the API.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::IdentityRegistrar => "identityRegistrar",
        Role::AidAdministrator => "aidAdministrator",
        Role::AidAccountant => "aidAccountant",
        Role::Merchant => "merchant",
        Role::EnergyOperator => "energyOperator",
        Role::Registrar => "registrar",
    }
}

/// The scope's view.
pub fn scope_view(scope: &Scope) -> ScopeView {
    let (kind, collectivity, id, namespace) = match scope {
        Scope::Collectivity(siren) => ("collectivity", Some(siren.0), None, None),
        Scope::Programme(siren, id) => ("programme", Some(siren.0), Some(*id), None),
        Scope::Community(siren, id) => ("community", Some(siren.0), Some(*id), None),
        Scope::Namespace(name) => (
            "namespace",
            None,
            None,
            Some(String::from_utf8_lossy(&name.0).into_owned()),
        ),
    };
    ScopeView {
        kind: kind.to_owned(),
        collectivity,
        id,
        namespace,
    }
}
