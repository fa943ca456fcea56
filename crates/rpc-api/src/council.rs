//! `civitas_getCollectivity` and `civitas_getProposal`: the council's members
//! and its proposals with each collectivity's vote, read from the civic state
//! (tables `0x10` collectivity, `0x21` proposal, `0x22` proposal vote, `0x23`
//! council power), every entry with its proof against a certified header.
//!
//! All of it is public (docs/privacy.md, "State: governance"): how public
//! bodies voted and what the council decided, and who holds public office
//! for a collectivity: its officials, each role grant (`0x11`) or delegation
//! (`0x12`) whose scope is the collectivity, one of its programmes or
//! communities, or one of its namespaces — merchants excepted (they are
//! `civitas_getMerchant`'s). Each official's entry comes with its proof; the
//! list's completeness does not (roles are keyed by account first, so no
//! single proof covers "every grant of this collectivity").

use crate::encoding::to_hex;
use std::collections::BTreeMap;

use civitas_civic::governance::{GovernanceAction, Proposal, ProposalStatus};
use civitas_civic::keys;
use civitas_civic::model::{
    Collectivity, Delegation, NamespaceName, Role, RoleGrant, Scope, Siren,
};
use civitas_types::{AccountId, DecodeError, decode};
use jsonrpsee::types::ErrorObjectOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::account::{ScopeView, role_name, scope_view};
use crate::codes::code_name;
use crate::errors::invalid_params;
use crate::state::{Certified, ProvenEntry};

/// Most votes one `civitas_getProposal` answer lists (one per collectivity;
/// a larger council's are paged with `votesAfter`).
pub const PROPOSAL_VOTES_MAX: usize = 256;

/// A SIREN parameter: nine digits with a valid Luhn check digit.
pub fn parse_siren(name: &str, siren: u32) -> Result<Siren, ErrorObjectOwned> {
    let parsed = Siren(siren);
    if parsed.is_valid() {
        Ok(parsed)
    } else {
        Err(invalid_params(
            name,
            &format!("{siren} is not a SIREN (nine digits with a valid Luhn check digit)"),
        ))
    }
}

/// `civitas_getCollectivity`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollectivityAnswer {
    /// The SIREN asked for.
    pub siren: u32,
    /// The committed height whose state was read.
    pub height: u64,
    /// The collectivity, or `null` if it is not a council member (the entry
    /// then proves its absence).
    pub collectivity: Option<CollectivityView>,
    /// Its officials (at most [`OFFICIALS_MAX`]), by account then role.
    pub officials: Vec<OfficialView>,
    /// Officials beyond [`OFFICIALS_MAX`] left out.
    pub officials_omitted: u32,
    /// The collectivity entry (`0x10`), then each official's role or
    /// delegation entry, in the order of `officials`, with their proofs.
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against.
    pub certified: Certified,
}

/// Most officials one `civitas_getCollectivity` answer lists.
pub const OFFICIALS_MAX: usize = 256;

/// An account holding public office for a collectivity.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfficialView {
    /// The official's account (`civ1…`).
    pub account: String,
    /// The role (as in `civitas_getAccount`'s roles).
    pub role: String,
    /// What it covers.
    pub scope: ScopeView,
    /// Height of the grant; `null` for a delegation.
    pub granted_at_height: Option<u64>,
    /// For a delegation: who delegated it (`civ1…`); `null` for a grant.
    pub delegated_by: Option<String>,
    /// For a delegation: block time after which it no longer works (ms).
    pub expires_at_ms: Option<u64>,
}

/// What an official's scope belongs to: a collectivity, or a namespace
/// (whose collectivity the caller looks up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Office {
    /// A scope of this collectivity.
    Collectivity(Siren),
    /// A registry namespace's scope.
    Namespace(NamespaceName),
}

impl OfficialView {
    /// The official of a role grant (`from_table` `0x11`) or delegation
    /// (`0x12`) entry, and what its scope belongs to; `None` for a
    /// merchant's grant (not an office) or another table.
    pub fn decode(key: &[u8], value: &[u8]) -> Result<Option<(Office, OfficialView)>, DecodeError> {
        let (&table, body) = key
            .split_first()
            .ok_or_else(|| DecodeError::Invalid("an empty state key".to_owned()))?;
        let (account, role, scope): (AccountId, Role, Scope) = decode(body)?;
        if role == Role::Merchant {
            return Ok(None);
        }
        let (granted_at_height, delegated_by, expires_at_ms) = match table {
            keys::table::ROLE => {
                let grant: RoleGrant = decode(value)?;
                (Some(grant.granted_at_height), None, None)
            }
            keys::table::DELEGATION => {
                let delegation: Delegation = decode(value)?;
                (
                    None,
                    Some(delegation.delegator.to_string()),
                    Some(delegation.expires_at_ms),
                )
            }
            _ => return Ok(None),
        };
        let office = match &scope {
            Scope::Collectivity(siren)
            | Scope::Programme(siren, _)
            | Scope::Community(siren, _) => Office::Collectivity(*siren),
            Scope::Namespace(name) => Office::Namespace(name.clone()),
        };
        let view = OfficialView {
            account: account.to_string(),
            role: role_name(role).to_owned(),
            scope: scope_view(&scope),
            granted_at_height,
            delegated_by,
            expires_at_ms,
        };
        Ok(Some((office, view)))
    }
}

/// A council member.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollectivityView {
    /// Its SIREN.
    pub siren: u32,
    /// Its official name.
    pub name: String,
    /// Its council voting power (decimal string: a u64).
    pub council_power: String,
    /// The account that votes for it in the council (`civ1…`).
    pub council_account: String,
}

impl CollectivityView {
    /// The view of a stored collectivity's bytes.
    pub fn decode(bytes: &[u8]) -> Result<CollectivityView, DecodeError> {
        let collectivity: Collectivity = decode(bytes)?;
        Ok(CollectivityView {
            siren: collectivity.siren.0,
            name: String::from_utf8_lossy(&collectivity.name).into_owned(),
            council_power: collectivity.voting_power.to_string(),
            council_account: collectivity.council_account.to_string(),
        })
    }
}

/// `civitas_getProposal`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProposalAnswer {
    /// The proposal id asked for.
    pub id: u64,
    /// The committed height whose state was read.
    pub height: u64,
    /// The proposal, or `null` if there is none with this id (the first
    /// entry then proves its absence).
    pub proposal: Option<ProposalView>,
    /// The council's total voting power now (decimal string): a proposal
    /// passes when the power in favour exceeds two thirds of it.
    pub council_power: String,
    /// Each collectivity's vote, in state-key order (at most
    /// [`PROPOSAL_VOTES_MAX`], after `votesAfter` when given).
    pub votes: Vec<VoteView>,
    /// When more votes follow: the SIREN to pass as `votesAfter` for them.
    pub next_votes_after: Option<u32>,
    /// The proposal entry (`0x21`), the council power (`0x23`), then one
    /// vote entry (`0x22`) per vote, in the order of `votes`, each with its
    /// proof. The proofs show each vote listed is recorded; that none is
    /// left out rests on the node (the state tree proves keys, not ranges).
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against.
    pub certified: Certified,
}

/// A council proposal.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProposalView {
    /// The council account that proposed it (`civ1…`).
    pub proposer: String,
    /// What it does once passed.
    pub action: ActionView,
    /// Hash of the signed deliberation that decided it (hex).
    pub deliberation_hash: String,
    /// Block time after which votes are refused, ms since the Unix epoch.
    pub expires_at_ms: u64,
    /// Power that voted in favour (decimal string).
    pub power_in_favour: String,
    /// Power that voted against (decimal string).
    pub power_against: String,
    /// `open`, `executed`, `refused` or `expired`.
    pub status: String,
    /// The civic code that refused it on execution, if refused.
    pub refusal_code: Option<u16>,
    /// That code's name (e.g. `InvalidValidatorSet`), if refused.
    pub refusal_name: Option<String>,
}

/// A governance action: its kind (the `GovernanceAction` variant's name,
/// e.g. `GrantRole`) and its fields, by camelCase name (accounts `civ1…`,
/// keys and hashes hex, powers decimal strings).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionView {
    /// The action's kind.
    pub kind: String,
    /// Its fields.
    pub fields: BTreeMap<String, Value>,
}

/// One collectivity's vote.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VoteView {
    /// The collectivity's SIREN.
    pub collectivity: u32,
    /// Whether it voted in favour.
    pub in_favour: bool,
}

impl ProposalView {
    /// The view of a stored proposal's bytes.
    pub fn decode(bytes: &[u8]) -> Result<ProposalView, DecodeError> {
        let proposal: Proposal = decode(bytes)?;
        let status = match proposal.status {
            ProposalStatus::Open => "open",
            ProposalStatus::Executed => "executed",
            ProposalStatus::Refused => "refused",
            ProposalStatus::Expired => "expired",
        };
        Ok(ProposalView {
            proposer: proposal.proposer.to_string(),
            action: action_view(&proposal.action),
            deliberation_hash: to_hex(proposal.deliberation_hash),
            expires_at_ms: proposal.expires_at_ms,
            power_in_favour: proposal.power_in_favour.to_string(),
            power_against: proposal.power_against.to_string(),
            status: status.to_owned(),
            refusal_code: proposal.refusal,
            refusal_name: proposal.refusal.map(code_name),
        })
    }
}

impl VoteView {
    /// The vote a stored vote entry records: its key (table byte, then the
    /// proposal id and the SIREN) and its value (a bool).
    pub fn decode(key: &[u8], value: &[u8]) -> Result<VoteView, DecodeError> {
        let body = key
            .get(1..)
            .ok_or_else(|| DecodeError::Invalid("an empty state key".to_owned()))?;
        let (_, siren): (u64, Siren) = decode(body)?;
        Ok(VoteView {
            collectivity: siren.0,
            in_favour: decode(value)?,
        })
    }
}

/// The council's total power as stored (`0x23`, a u64), as a decimal string
/// (`"0"` when absent).
pub fn council_power_text(value: Option<&[u8]>) -> Result<String, DecodeError> {
    Ok(value
        .map(decode::<u64>)
        .transpose()?
        .unwrap_or(0)
        .to_string())
}

/// An action being described.
struct Fields(BTreeMap<String, Value>);

impl Fields {
    fn with(mut self, name: &str, value: impl Into<Value>) -> Fields {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    fn account(self, name: &str, account: &AccountId) -> Fields {
        self.with(name, account.to_string())
    }
}

/// The view of `action`.
pub fn action_view(action: &GovernanceAction) -> ActionView {
    use GovernanceAction as A;
    let fields = Fields(BTreeMap::new());
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let (kind, fields) = match action {
        A::AdmitCollectivity(c) => (
            "AdmitCollectivity",
            fields
                .with("siren", c.siren.0)
                .with("name", text(&c.name))
                .with("councilPower", c.voting_power.to_string())
                .account("councilAccount", &c.council_account),
        ),
        A::RemoveCollectivity(siren) => ("RemoveCollectivity", fields.with("siren", siren.0)),
        A::SetCouncilPower {
            siren,
            voting_power,
        } => (
            "SetCouncilPower",
            fields
                .with("siren", siren.0)
                .with("councilPower", voting_power.to_string()),
        ),
        A::AddValidator(entry) => (
            "AddValidator",
            fields
                .with("publicKey", to_hex(entry.public_key))
                .with("networkKey", to_hex(entry.network_key))
                .with("power", entry.power.to_string())
                .with("siren", entry.siren.0),
        ),
        A::RemoveValidator(key) => ("RemoveValidator", fields.with("publicKey", to_hex(key))),
        A::RotateValidatorKey { old, new } => (
            "RotateValidatorKey",
            fields.with("old", to_hex(old)).with("new", to_hex(new)),
        ),
        A::SetValidatorPower { public_key, power } => (
            "SetValidatorPower",
            fields
                .with("publicKey", to_hex(public_key))
                .with("power", power.to_string()),
        ),
        A::GrantRole {
            account,
            role,
            scope,
            categories,
        } => (
            "GrantRole",
            fields
                .account("account", account)
                .with("role", role_name(*role))
                .with("scope", scope_value(scope))
                .with("categories", categories.to_vec()),
        ),
        A::RevokeRole {
            account,
            role,
            scope,
        } => (
            "RevokeRole",
            fields
                .account("account", account)
                .with("role", role_name(*role))
                .with("scope", scope_value(scope)),
        ),
        A::CreateNamespace { name, namespace } => {
            let declared: Vec<Value> = namespace
                .fields
                .iter()
                .map(|spec| {
                    serde_json::json!({
                        "name": text(&spec.name.0),
                        "kind": format!("{:?}", spec.kind).to_lowercase(),
                    })
                })
                .collect();
            (
                "CreateNamespace",
                fields
                    .with("name", text(&name.0))
                    .with("siren", namespace.collectivity.0)
                    .with("transferable", namespace.transferable)
                    .with("transferNeedsApproval", namespace.transfer_needs_approval)
                    .with("fields", declared),
            )
        }
        A::SetParameters(parameters) => (
            "SetParameters",
            fields
                .with("validatorsMin", parameters.validators_min)
                .with("validatorChangeDelay", parameters.validator_change_delay),
        ),
        A::FreezeProgramme(id) => ("FreezeProgramme", fields.with("programmeId", *id)),
        A::UnfreezeProgramme(id) => ("UnfreezeProgramme", fields.with("programmeId", *id)),
        A::RotateNetworkKey {
            validator,
            network_key,
        } => (
            "RotateNetworkKey",
            fields
                .with("validator", to_hex(validator))
                .with("networkKey", to_hex(network_key)),
        ),
        A::ScheduleUpgrade {
            height,
            version,
            name,
        } => (
            "ScheduleUpgrade",
            fields
                .with("height", *height)
                .with("version", *version)
                .with("name", name.as_text()),
        ),
        A::CancelUpgrade => ("CancelUpgrade", fields),
    };
    ActionView {
        kind: kind.to_owned(),
        fields: fields.0,
    }
}

fn scope_value(scope: &civitas_civic::model::Scope) -> Value {
    serde_json::to_value(scope_view(scope)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use civitas_civic::keys;
    use civitas_civic::model::{Role, Scope};
    use civitas_types::{BoundedBytes, BoundedVec, Hash, encode};

    use super::*;

    const CITY: Siren = Siren(219_900_016);

    #[test]
    fn sirens_are_checked() {
        assert_eq!(parse_siren("siren", CITY.0).unwrap(), CITY);
        for bad in [0, 219_900_017, 1_000_000_000] {
            let error = parse_siren("siren", bad).unwrap_err();
            assert_eq!(error.code(), crate::INVALID_PARAMS);
            assert!(error.message().contains("siren"), "{}", error.message());
        }
    }

    #[test]
    fn a_collectivity_reads_as_stored() {
        let stored = Collectivity {
            siren: CITY,
            name: BoundedBytes::try_from_vec("Commune de Démoville".as_bytes().to_vec()).unwrap(),
            voting_power: u64::MAX,
            council_account: AccountId([7; 32]),
        };
        let view = CollectivityView::decode(&encode(&stored)).unwrap();
        assert_eq!(view.siren, 219_900_016);
        assert_eq!(view.name, "Commune de Démoville");
        assert_eq!(view.council_power, "18446744073709551615");
        assert_eq!(view.council_account, AccountId([7; 32]).to_string());
        assert!(CollectivityView::decode(&[1, 2]).is_err());
    }

    #[test]
    fn a_proposal_and_its_votes_read_as_stored() {
        let stored = Proposal {
            proposer: AccountId([1; 32]),
            action: GovernanceAction::GrantRole {
                account: AccountId([2; 32]),
                role: Role::Merchant,
                scope: Scope::Programme(CITY, 3),
                categories: BoundedVec::try_from_vec(vec![5411]).unwrap(),
            },
            deliberation_hash: Hash([9; 32]),
            expires_at_ms: 1_000,
            power_in_favour: 10,
            power_against: 1 << 60,
            status: ProposalStatus::Refused,
            refusal: Some(1),
        };
        let view = ProposalView::decode(&encode(&stored)).unwrap();
        assert_eq!(view.status, "refused");
        assert_eq!(view.power_against, (1u64 << 60).to_string());
        assert_eq!(view.refusal_code, Some(1));
        assert!(view.refusal_name.is_some());
        assert_eq!(view.action.kind, "GrantRole");
        assert_eq!(view.action.fields["role"], "merchant");
        assert_eq!(view.action.fields["scope"]["kind"], "programme");
        assert_eq!(view.action.fields["scope"]["id"], 3);
        assert_eq!(view.action.fields["categories"], serde_json::json!([5411]));
        assert_eq!(
            view.action.fields["account"],
            AccountId([2; 32]).to_string()
        );

        let key = keys::proposal_vote(4, &CITY);
        let vote = VoteView::decode(&key, &encode(&false)).unwrap();
        assert_eq!((vote.collectivity, vote.in_favour), (CITY.0, false));
        assert!(VoteView::decode(&[], &encode(&true)).is_err());
        assert!(VoteView::decode(&key, &[7]).is_err());

        assert_eq!(council_power_text(Some(&encode(&30u64))).unwrap(), "30");
        assert_eq!(council_power_text(None).unwrap(), "0");
    }

    #[test]
    fn every_action_has_a_kind() {
        let actions = [
            GovernanceAction::RemoveCollectivity(CITY),
            GovernanceAction::FreezeProgramme(2),
            GovernanceAction::CancelUpgrade,
        ];
        let kinds: Vec<String> = actions.iter().map(|a| action_view(a).kind).collect();
        assert_eq!(
            kinds,
            ["RemoveCollectivity", "FreezeProgramme", "CancelUpgrade"]
        );
        assert_eq!(
            action_view(&actions[1]).fields["programmeId"],
            serde_json::json!(2)
        );
    }
}
