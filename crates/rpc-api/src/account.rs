//! `civitas_getAccount`: what the chain knows of an account — the sequence
//! its next transaction must carry, its multisig policy, the roles it holds
//! directly and the delegations it received — read from the civic state
//! (tables `0x01` account, `0x02` multisig, `0x11` roles, `0x12` delegations,
//! keyed by the account first, so one prefix scan finds each list).
//!
//! All of it is public: roles and delegations are acts of public office.
//!
//! Each entry comes with its proof (once a block is committed): the
//! account's, its multisig policy's (present or absent), then each role's
//! and each delegation's listed. A verifier rebuilds the view from the
//! proven entries ([`AccountEntries::from_proven`]). That the account holds
//! no role beyond those listed is the node's word: a proof shows an entry,
//! not the absence of every other.

use crate::encoding::to_hex;
use crate::{Certified, ProvenEntry};
use civitas_civic::keys::{self, table};
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
    /// The entries read, each with its proof: the account's, its multisig
    /// policy's, then each role's and each delegation's, in the order
    /// listed (empty before the first block).
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against (`null` before the first block).
    pub certified: Option<Certified>,
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

/// Why proven entries are not an account's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountProofError {
    /// The first two entries are not the account's and its policy's.
    #[error("proven entry {0} is not the account's key it should be")]
    WrongKey(usize),
    /// A listed role or delegation is not one of this account's.
    #[error("proven entry {0} is not a role or delegation of this account")]
    NotListed(usize),
    /// A listed role or delegation is proven absent.
    #[error("proven entry {0} is absent: the role or delegation shown does not exist")]
    Absent(usize),
    /// Too few entries.
    #[error("the proofs do not cover the account and its policy")]
    Missing,
}

impl AccountEntries {
    /// The keys of these entries, in the order an answer proves them: the
    /// account's, its multisig policy's, then each role's and delegation's.
    pub fn keys(&self, account: &AccountId) -> Vec<Vec<u8>> {
        let mut keys = vec![keys::account(account), keys::multisig(account)];
        keys.extend(self.roles.iter().map(|(key, _)| key.clone()));
        keys.extend(self.delegations.iter().map(|(key, _)| key.clone()));
        keys
    }

    /// The entries of `account` from proven (key, value) pairs, in the
    /// order of [`AccountEntries::keys`].
    pub fn from_proven(
        account: &AccountId,
        proven: &[(Vec<u8>, Option<Vec<u8>>)],
    ) -> Result<AccountEntries, AccountProofError> {
        let [(account_key, state), (policy_key, policy), listed @ ..] = proven else {
            return Err(AccountProofError::Missing);
        };
        if *account_key != keys::account(account) {
            return Err(AccountProofError::WrongKey(0));
        }
        if *policy_key != keys::multisig(account) {
            return Err(AccountProofError::WrongKey(1));
        }
        let mut entries = AccountEntries {
            account: state.clone(),
            multisig: policy.clone(),
            ..AccountEntries::default()
        };
        let mut previous: Option<&Vec<u8>> = None;
        for (index, (key, value)) in listed
            .iter()
            .enumerate()
            .map(|(i, e)| (i.saturating_add(2), e))
        {
            let value = value.clone().ok_or(AccountProofError::Absent(index))?;
            let list = match key.first() {
                Some(&table::ROLE) => &mut entries.roles,
                Some(&table::DELEGATION) => &mut entries.delegations,
                _ => return Err(AccountProofError::NotListed(index)),
            };
            // In state-key order, each once (roles, table 0x11, first).
            let in_order = previous.is_none_or(|previous| previous < key);
            if key.get(1..33) != Some(account.0.as_slice()) || !in_order {
                return Err(AccountProofError::NotListed(index));
            }
            list.push((key.clone(), value));
            previous = Some(key);
        }
        Ok(entries)
    }
}

impl AccountView {
    /// The view of `account` at `height` from its state `entries`, with the
    /// `proofs` of those entries and their certified header if a block is
    /// committed; a value that does not decode is the node's corrupt state.
    pub fn from_entries(
        account: &AccountId,
        height: u64,
        entries: &AccountEntries,
        proofs: Option<(Vec<ProvenEntry>, Certified)>,
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
            entries: proofs.as_ref().map(|(e, _)| e.clone()).unwrap_or_default(),
            certified: proofs.map(|(_, c)| c),
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use civitas_civic::model::Siren;

    fn someone(byte: u8) -> AccountId {
        AccountId([byte; 32])
    }

    fn role_key(account: &AccountId, siren: u32) -> Vec<u8> {
        keys::role(account, Role::Merchant, &Scope::Collectivity(Siren(siren)))
    }

    fn delegation_key(account: &AccountId) -> Vec<u8> {
        keys::delegation(
            account,
            Role::AidAdministrator,
            &Scope::Collectivity(Siren(1)),
        )
    }

    /// The account's, its policy's (absent), two roles and a delegation.
    fn proven(account: &AccountId) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        vec![
            (keys::account(account), Some(vec![1])),
            (keys::multisig(account), None),
            (role_key(account, 1), Some(vec![2])),
            (role_key(account, 2), Some(vec![3])),
            (delegation_key(account), Some(vec![4])),
        ]
    }

    #[test]
    fn proven_entries_in_order_rebuild_the_account() {
        let account = someone(7);
        let entries = AccountEntries::from_proven(&account, &proven(&account)).unwrap();
        assert_eq!(entries.account, Some(vec![1]));
        assert_eq!(entries.multisig, None);
        assert_eq!(entries.roles.len(), 2);
        assert_eq!(entries.delegations.len(), 1);
        assert_eq!(
            entries.keys(&account),
            proven(&account)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn entries_that_are_not_the_accounts_are_refused() {
        let account = someone(7);
        let mut wrong_first = proven(&account);
        wrong_first[0].0 = keys::account(&someone(8));
        let mut other_role = proven(&account);
        other_role[2].0 = role_key(&someone(8), 1);
        let mut repeated = proven(&account);
        repeated[3] = repeated[2].clone();
        let mut delegation_first = proven(&account);
        delegation_first.swap(2, 4);
        let mut absent = proven(&account);
        absent[3].1 = None;
        let cases = [
            (wrong_first, AccountProofError::WrongKey(0)),
            (other_role, AccountProofError::NotListed(2)),
            (repeated, AccountProofError::NotListed(3)),
            (delegation_first, AccountProofError::NotListed(3)),
            (absent, AccountProofError::Absent(3)),
            (proven(&account)[..1].to_vec(), AccountProofError::Missing),
        ];
        for (entries, expected) in cases {
            assert_eq!(
                AccountEntries::from_proven(&account, &entries).unwrap_err(),
                expected
            );
        }
    }
}
