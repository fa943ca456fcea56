//! Receipt events as `civitas_subscribeEvents` notifies them: one object per
//! public event, with its kind, where it happened, the programme, community
//! or namespace it concerns (what filters match on) and its public fields.
//!
//! Which events and fields are public is docs/privacy.md's table ("Field by
//! field", the event tables): a field readable only by validators, auditors
//! or the person concerned (a beneficiary's pseudonym, an amount paid to a
//! person, a meter's reading) is left out, and an event with nothing public
//! (`RecurringSuspended`, `RecurringSkipped`, `OrderLapsed`,
//! `OrderCancelled`, `EnergyOrderCancelled`) is not served at all. The
//! fields follow the API's conventions: camelCase names, `civ1…` accounts,
//! hex hashes and keys, amounts (u64 values that may pass 2^53) as decimal
//! strings.
//!
//! A credentialed caller (validators, accredited auditors) gets every event
//! ([`full_event`]) with every field typed in `fields`, and `detail`, the
//! event's Rust `Debug` text (readable, not a stable format).
//!
//! A receipt's events ([`receipt_event`], in `civitas_getTransaction` and a
//! committed transaction's status) have every field typed too, for whoever
//! holds the transaction id: the answer already carries the whole receipt's
//! canonical bytes (its proof's leaf), so filtering its readable copy would
//! hide nothing, and a citizen's script needs its own ids from it (an
//! energy order's number, to cancel it).

use crate::encoding::to_hex;
use std::collections::BTreeMap;

use civitas_civic::Event;
use civitas_civic::model::{NamespaceName, RecordId, Role, Scope};
use civitas_types::{AccountId, Hash, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::account::{role_name, scope_view};

/// One public event of a committed block.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventView {
    /// The event's kind, as docs/privacy.md names it (e.g. `RecordWritten`).
    pub kind: String,
    /// Height of the block.
    pub height: u64,
    /// Id of the transaction whose receipt holds it (hex), for credentialed
    /// callers; `null` for the public (an id opens the transaction's whole
    /// receipt through `civitas_getTransaction`) and for an event of the
    /// block itself (scheduled work: recurring payments, expiries).
    pub transaction_id: Option<String>,
    /// The aid programme it concerns, if any.
    pub programme: Option<u64>,
    /// The energy community it concerns, if any.
    pub community: Option<u64>,
    /// The registry namespace it concerns, if any.
    pub namespace: Option<String>,
    /// Its fields, by camelCase name: the public ones in an anonymous
    /// event stream; every one for a credentialed caller and in a receipt.
    pub fields: BTreeMap<String, Value>,
    /// Every field, as the event's Rust `Debug` text: in credentialed
    /// event streams only, `null` elsewhere (receipts included: their
    /// `fields` hold every field).
    pub detail: Option<String>,
}

/// The kinds no anonymous caller is sent (docs/privacy.md: nothing of them is public).
pub const PRIVATE_EVENT_KINDS: &[&str] = &[
    "RecurringSuspended",
    "RecurringSkipped",
    "OrderLapsed",
    "OrderCancelled",
    "EnergyOrderCancelled",
];

/// Every kind: what a credentialed caller's filter may name.
pub const EVENT_KINDS: &[&str] = &[
    "MultisigRegistered",
    "ResidentEnrolled",
    "ResidentRevoked",
    "RoleDelegated",
    "DelegationRevoked",
    "DelegationExpired",
    "RecordWritten",
    "TransferRequested",
    "RecordTransferred",
    "RecordRevoked",
    "ProposalSubmitted",
    "ProposalVoted",
    "ProposalExecuted",
    "ProposalRefused",
    "CollectivityAdmitted",
    "CollectivityRemoved",
    "CouncilPowerChanged",
    "ValidatorSetChanged",
    "RoleGranted",
    "RoleRevoked",
    "NamespaceCreated",
    "ParametersChanged",
    "ProposalExpired",
    "ProgrammeFrozen",
    "ProgrammeUnfrozen",
    "NetworkKeyRotated",
    "MisbehaviourRecorded",
    "UpgradeScheduled",
    "UpgradeCancelled",
    "ProgrammeCreated",
    "BeneficiaryEnrolled",
    "BeneficiaryRevoked",
    "DisbursementOrdered",
    "DisbursementExecuted",
    "DisbursementRejected",
    "AidSpent",
    "SettlementClaimed",
    "ProgrammeClosed",
    "RecurringScheduled",
    "ProgrammeClosing",
    "CommunityCreated",
    "MeterRegistered",
    "EnergyOrderPlaced",
    "SlotCleared",
    "MeterAttested",
    "SlotSettled",
    "RecurringSuspended",
    "RecurringSkipped",
    "OrderLapsed",
    "OrderCancelled",
    "EnergyOrderCancelled",
];

/// Every kind [`public_event`] serves: what a filter may name.
pub const PUBLIC_EVENT_KINDS: &[&str] = &[
    "MultisigRegistered",
    "ResidentEnrolled",
    "ResidentRevoked",
    "RoleDelegated",
    "DelegationRevoked",
    "DelegationExpired",
    "RecordWritten",
    "TransferRequested",
    "RecordTransferred",
    "RecordRevoked",
    "ProposalSubmitted",
    "ProposalVoted",
    "ProposalExecuted",
    "ProposalRefused",
    "CollectivityAdmitted",
    "CollectivityRemoved",
    "CouncilPowerChanged",
    "ValidatorSetChanged",
    "RoleGranted",
    "RoleRevoked",
    "NamespaceCreated",
    "ParametersChanged",
    "ProposalExpired",
    "ProgrammeFrozen",
    "ProgrammeUnfrozen",
    "NetworkKeyRotated",
    "MisbehaviourRecorded",
    "UpgradeScheduled",
    "UpgradeCancelled",
    "ProgrammeCreated",
    "BeneficiaryEnrolled",
    "BeneficiaryRevoked",
    "DisbursementOrdered",
    "DisbursementExecuted",
    "DisbursementRejected",
    "AidSpent",
    "SettlementClaimed",
    "ProgrammeClosed",
    "RecurringScheduled",
    "ProgrammeClosing",
    "CommunityCreated",
    "MeterRegistered",
    "EnergyOrderPlaced",
    "SlotCleared",
    "MeterAttested",
    "SlotSettled",
];

/// An event's public view being built.
struct Public {
    view: EventView,
}

impl Public {
    fn new(kind: &str) -> Public {
        Public {
            view: EventView {
                kind: kind.to_owned(),
                height: 0,
                transaction_id: None,
                programme: None,
                community: None,
                namespace: None,
                fields: BTreeMap::new(),
                detail: None,
            },
        }
    }

    fn field(mut self, name: &str, value: impl Into<Value>) -> Public {
        self.view.fields.insert(name.to_owned(), value.into());
        self
    }

    fn amount(self, name: &str, value: u64) -> Public {
        self.field(name, value.to_string())
    }

    fn account(self, name: &str, account: &AccountId) -> Public {
        self.field(name, account.to_string())
    }

    fn hash(self, name: &str, hash: &Hash) -> Public {
        self.field(name, to_hex(hash))
    }

    fn key(self, name: &str, key: &PublicKey) -> Public {
        self.field(name, to_hex(key))
    }

    fn programme(mut self, id: u64) -> Public {
        self.view.programme = Some(id);
        self.field("programmeId", id)
    }

    fn community(mut self, id: u64) -> Public {
        self.view.community = Some(id);
        self.field("communityId", id)
    }

    fn namespace(mut self, namespace: &NamespaceName) -> Public {
        let name = String::from_utf8_lossy(&namespace.0).into_owned();
        self.view.namespace = Some(name.clone());
        self.field("namespace", name)
    }

    fn record(self, namespace: &NamespaceName, record_id: &RecordId) -> Public {
        self.namespace(namespace)
            .field("recordId", String::from_utf8_lossy(record_id).into_owned())
    }

    fn role(mut self, role: Role, scope: &Scope) -> Public {
        match scope {
            Scope::Programme(_, id) => self.view.programme = Some(*id),
            Scope::Community(_, id) => self.view.community = Some(*id),
            Scope::Namespace(name) => {
                self.view.namespace = Some(String::from_utf8_lossy(&name.0).into_owned());
            }
            Scope::Collectivity(_) => {}
        }
        let scope = serde_json::to_value(scope_view(scope)).unwrap_or(Value::Null);
        self.field("role", role_name(role)).field("scope", scope)
    }
}

/// The public view of `event`, found at `height` in the receipt of
/// `transaction_id` (`None`: the block's own receipt); `None` if nothing of
/// it is public.
pub fn public_event(event: &Event, height: u64) -> Option<EventView> {
    let mut view = public_fields(event)?.view;
    view.height = height;
    // No transaction id: an id is known to whoever submitted the transaction,
    // and `civitas_getTransaction` by id serves its full receipt; a public
    // stream of ids would open every receipt to everyone.
    view.transaction_id = None;
    Some(view)
}

/// Every field of `event`, found as [`public_event`]'s, for a credentialed
/// caller: its public view (or, for an event with nothing public, its kind,
/// scope and fields) with `detail`, its `Debug` text.
pub fn full_event(event: &Event, height: u64, transaction_id: Option<&Hash>) -> EventView {
    let mut view = receipt_event(event, height, transaction_id);
    view.detail = Some(format!("{event:?}"));
    view
}

/// Every field of `event`, typed, as a receipt shows it (in
/// `civitas_getTransaction` and a committed transaction's status) to
/// whoever holds the transaction id: the id already opens the whole receipt
/// (its canonical bytes are in the answer's proof), so its readable copy
/// hides nothing more (docs/privacy.md, "Receipts by transaction id").
/// `detail` is `null`: every field is in `fields`.
pub fn receipt_event(event: &Event, height: u64, transaction_id: Option<&Hash>) -> EventView {
    let mut view = match public_fields(event) {
        Some(public) => private_extra(event, public),
        None => private_fields(event),
    }
    .view;
    view.height = height;
    view.transaction_id = transaction_id.map(to_hex);
    view
}

/// `public` (the public view of `event`) with the fields of `event` that
/// are not public (docs/privacy.md's event tables: V+A, holder or aggregate).
fn private_extra(event: &Event, public: Public) -> Public {
    use Event as E;
    match event {
        E::MultisigRegistered { account } => public.account("account", account),
        E::ResidentEnrolled { resident, .. } => public.account("resident", resident),
        E::ResidentRevoked {
            resident,
            reason_code,
            ..
        } => public
            .account("resident", resident)
            .field("reasonCode", *reason_code),
        E::BeneficiaryEnrolled { beneficiary, .. } | E::BeneficiaryRevoked { beneficiary, .. } => {
            public.account("beneficiary", beneficiary)
        }
        E::DisbursementOrdered {
            beneficiary,
            amount_cents,
            ..
        }
        | E::DisbursementExecuted {
            beneficiary,
            amount_cents,
            ..
        }
        | E::RecurringScheduled {
            beneficiary,
            amount_cents,
            ..
        } => public
            .account("beneficiary", beneficiary)
            .amount("amountCents", *amount_cents),
        E::DisbursementRejected { reason_code, .. } => public.field("reasonCode", *reason_code),
        E::AidSpent {
            beneficiary,
            merchant,
            amount_cents,
            ..
        } => public
            .account("beneficiary", beneficiary)
            .account("merchant", merchant)
            .amount("amountCents", *amount_cents),
        E::SettlementClaimed {
            merchant,
            amount_cents,
            ..
        } => public
            .account("merchant", merchant)
            .amount("amountCents", *amount_cents),
        E::MeterRegistered {
            meter_id, owner, ..
        } => public.field("meterId", *meter_id).account("owner", owner),
        E::EnergyOrderPlaced {
            order_number,
            side,
            energy_wh,
            limit_price,
            ..
        } => public
            .field("orderNumber", *order_number)
            .field("side", crate::meter::side_name(*side))
            .amount("energyWh", *energy_wh)
            .amount("limitPrice", *limit_price),
        E::MeterAttested {
            meter_id,
            produced_wh,
            consumed_wh,
            ..
        } => public
            .field("meterId", *meter_id)
            .amount("producedWh", *produced_wh)
            .amount("consumedWh", *consumed_wh),
        _ => public,
    }
}

/// The kind and fields of an event with nothing public.
fn private_fields(event: &Event) -> Public {
    use Event as E;
    match event {
        E::RecurringSuspended {
            programme_id,
            schedule_id,
        } => Public::new("RecurringSuspended")
            .programme(*programme_id)
            .field("scheduleId", *schedule_id),
        E::RecurringSkipped {
            programme_id,
            schedule_id,
            period,
            code,
        } => Public::new("RecurringSkipped")
            .programme(*programme_id)
            .field("scheduleId", *schedule_id)
            .field("period", *period)
            .field("code", *code),
        E::OrderLapsed {
            programme_id,
            order_id,
            code,
        } => Public::new("OrderLapsed")
            .programme(*programme_id)
            .field("orderId", *order_id)
            .field("code", *code),
        E::OrderCancelled {
            programme_id,
            order_id,
            amount_cents,
        } => Public::new("OrderCancelled")
            .programme(*programme_id)
            .field("orderId", *order_id)
            .amount("amountCents", *amount_cents),
        E::EnergyOrderCancelled {
            community_id,
            slot,
            order_number,
        } => Public::new("EnergyOrderCancelled")
            .community(*community_id)
            .field("slot", *slot)
            .field("orderNumber", *order_number),
        // Every other kind has a public view.
        other => {
            let text = format!("{other:?}");
            let kind: String = text
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            Public::new(&kind)
        }
    }
}

/// The kind and public fields of `event` (docs/privacy.md's event tables).
fn public_fields(event: &Event) -> Option<Public> {
    use Event as E;
    let public = match event {
        E::MultisigRegistered { .. } => Public::new("MultisigRegistered"),
        E::ResidentEnrolled { collectivity, .. } => {
            Public::new("ResidentEnrolled").field("collectivity", collectivity.0)
        }
        E::ResidentRevoked { collectivity, .. } => {
            Public::new("ResidentRevoked").field("collectivity", collectivity.0)
        }
        E::RoleDelegated {
            delegator,
            delegate,
            role,
            scope,
            expires_at_ms,
        } => Public::new("RoleDelegated")
            .account("delegator", delegator)
            .account("delegate", delegate)
            .role(*role, scope)
            .field("expiresAtMs", *expires_at_ms),
        E::DelegationRevoked {
            delegate,
            role,
            scope,
        } => Public::new("DelegationRevoked")
            .account("delegate", delegate)
            .role(*role, scope),
        E::DelegationExpired {
            delegate,
            role,
            scope,
        } => Public::new("DelegationExpired")
            .account("delegate", delegate)
            .role(*role, scope),
        E::RecordWritten {
            namespace,
            record_id,
            version,
            document_hash,
        } => Public::new("RecordWritten")
            .record(namespace, record_id)
            .field("version", *version)
            .hash("documentHash", document_hash),
        E::TransferRequested {
            namespace,
            record_id,
            new_owner,
        } => Public::new("TransferRequested")
            .record(namespace, record_id)
            .account("newOwner", new_owner),
        E::RecordTransferred {
            namespace,
            record_id,
            from,
            to,
        } => Public::new("RecordTransferred")
            .record(namespace, record_id)
            .field("from", from.as_ref().map(AccountId::to_string))
            .account("to", to),
        E::RecordRevoked {
            namespace,
            record_id,
            reason_code,
        } => Public::new("RecordRevoked")
            .record(namespace, record_id)
            .field("reasonCode", *reason_code),
        E::ProposalSubmitted {
            proposal_id,
            deliberation_hash,
        } => Public::new("ProposalSubmitted")
            .field("proposalId", *proposal_id)
            .hash("deliberationHash", deliberation_hash),
        E::ProposalVoted {
            proposal_id,
            collectivity,
            in_favour,
        } => Public::new("ProposalVoted")
            .field("proposalId", *proposal_id)
            .field("collectivity", collectivity.0)
            .field("inFavour", *in_favour),
        E::ProposalExecuted { proposal_id } => {
            Public::new("ProposalExecuted").field("proposalId", *proposal_id)
        }
        E::ProposalRefused { proposal_id, code } => Public::new("ProposalRefused")
            .field("proposalId", *proposal_id)
            .field("code", *code),
        E::CollectivityAdmitted { collectivity } => {
            Public::new("CollectivityAdmitted").field("collectivity", collectivity.0)
        }
        E::CollectivityRemoved { collectivity } => {
            Public::new("CollectivityRemoved").field("collectivity", collectivity.0)
        }
        E::CouncilPowerChanged {
            collectivity,
            voting_power,
        } => Public::new("CouncilPowerChanged")
            .field("collectivity", collectivity.0)
            .amount("votingPower", *voting_power),
        E::ValidatorSetChanged { activation_height } => {
            Public::new("ValidatorSetChanged").field("activationHeight", *activation_height)
        }
        E::RoleGranted {
            account,
            role,
            scope,
        } => Public::new("RoleGranted")
            .account("account", account)
            .role(*role, scope),
        E::RoleRevoked {
            account,
            role,
            scope,
        } => Public::new("RoleRevoked")
            .account("account", account)
            .role(*role, scope),
        E::NamespaceCreated { namespace } => Public::new("NamespaceCreated").namespace(namespace),
        E::ParametersChanged => Public::new("ParametersChanged"),
        E::ProposalExpired { proposal_id } => {
            Public::new("ProposalExpired").field("proposalId", *proposal_id)
        }
        E::ProgrammeFrozen { programme_id } => {
            Public::new("ProgrammeFrozen").programme(*programme_id)
        }
        E::ProgrammeUnfrozen { programme_id } => {
            Public::new("ProgrammeUnfrozen").programme(*programme_id)
        }
        E::NetworkKeyRotated {
            validator,
            network_key,
        } => Public::new("NetworkKeyRotated")
            .key("validator", validator)
            .key("networkKey", network_key),
        E::MisbehaviourRecorded {
            offender,
            height,
            round,
            vote_type,
        } => Public::new("MisbehaviourRecorded")
            .key("offender", offender)
            .field("height", *height)
            .field("round", *round)
            .field(
                "voteType",
                match vote_type {
                    civitas_types::VoteType::Prevote => "prevote",
                    civitas_types::VoteType::Precommit => "precommit",
                },
            ),
        E::UpgradeScheduled { height, version } => Public::new("UpgradeScheduled")
            .field("height", *height)
            .field("version", *version),
        E::UpgradeCancelled { height, version } => Public::new("UpgradeCancelled")
            .field("height", *height)
            .field("version", *version),
        E::ProgrammeCreated {
            programme_id,
            budget_cents,
        } => Public::new("ProgrammeCreated")
            .programme(*programme_id)
            .amount("budgetCents", *budget_cents),
        E::BeneficiaryEnrolled { programme_id, .. } => {
            Public::new("BeneficiaryEnrolled").programme(*programme_id)
        }
        E::BeneficiaryRevoked { programme_id, .. } => {
            Public::new("BeneficiaryRevoked").programme(*programme_id)
        }
        E::DisbursementOrdered {
            programme_id,
            order_id,
            ..
        } => Public::new("DisbursementOrdered")
            .programme(*programme_id)
            .field("orderId", *order_id),
        E::DisbursementExecuted {
            programme_id,
            order_id,
            ..
        } => Public::new("DisbursementExecuted")
            .programme(*programme_id)
            .field("orderId", *order_id),
        E::DisbursementRejected {
            programme_id,
            order_id,
            ..
        } => Public::new("DisbursementRejected")
            .programme(*programme_id)
            .field("orderId", *order_id),
        E::AidSpent { programme_id, .. } => Public::new("AidSpent").programme(*programme_id),
        E::SettlementClaimed { programme_id, .. } => {
            Public::new("SettlementClaimed").programme(*programme_id)
        }
        E::ProgrammeClosed {
            programme_id,
            returned_cents,
        } => Public::new("ProgrammeClosed")
            .programme(*programme_id)
            .amount("returnedCents", *returned_cents),
        E::RecurringScheduled {
            programme_id,
            schedule_id,
            ..
        } => Public::new("RecurringScheduled")
            .programme(*programme_id)
            .field("scheduleId", *schedule_id),
        E::ProgrammeClosing { programme_id } => {
            Public::new("ProgrammeClosing").programme(*programme_id)
        }
        E::CommunityCreated { community_id } => {
            Public::new("CommunityCreated").community(*community_id)
        }
        E::MeterRegistered { community_id, .. } => {
            Public::new("MeterRegistered").community(*community_id)
        }
        E::EnergyOrderPlaced {
            community_id, slot, ..
        } => Public::new("EnergyOrderPlaced")
            .community(*community_id)
            .field("slot", *slot),
        E::SlotCleared {
            community_id,
            slot,
            price,
            volume_wh,
        } => Public::new("SlotCleared")
            .community(*community_id)
            .field("slot", *slot)
            .amount("price", *price)
            .amount("volumeWh", *volume_wh),
        E::MeterAttested {
            community_id, slot, ..
        } => Public::new("MeterAttested")
            .community(*community_id)
            .field("slot", *slot),
        E::SlotSettled {
            community_id,
            slot,
            paid_by_buyers,
            paid_to_sellers,
            grid_credit,
            grid_debit,
        } => Public::new("SlotSettled")
            .community(*community_id)
            .field("slot", *slot)
            .amount("paidByBuyers", *paid_by_buyers)
            .amount("paidToSellers", *paid_to_sellers)
            .amount("gridCredit", *grid_credit)
            .amount("gridDebit", *grid_debit),
        E::RecurringSuspended { .. }
        | E::RecurringSkipped { .. }
        | E::OrderLapsed { .. }
        | E::OrderCancelled { .. }
        | E::EnergyOrderCancelled { .. } => return None,
    };
    Some(public)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn public_fields_only_and_kinds_listed() {
        let aid = Event::DisbursementExecuted {
            programme_id: 4,
            order_id: 7,
            beneficiary: AccountId([3; 32]),
            amount_cents: 5_000,
        };
        let view = public_event(&aid, 12).unwrap();
        assert_eq!(view.kind, "DisbursementExecuted");
        assert_eq!(view.programme, Some(4));
        assert_eq!(view.transaction_id, None, "ids are not public");
        let full = full_event(&aid, 12, Some(&Hash([1; 32])));
        assert_eq!(full.transaction_id, Some(format!("0x{}", "01".repeat(32))));
        assert_eq!(
            view.fields.keys().collect::<Vec<_>>(),
            ["orderId", "programmeId"]
        );
        assert!(PUBLIC_EVENT_KINDS.contains(&view.kind.as_str()));

        let lapsed = Event::OrderLapsed {
            programme_id: 4,
            order_id: 7,
            code: 405,
        };
        assert_eq!(public_event(&lapsed, 12), None);

        let slot = Event::SlotCleared {
            community_id: 2,
            slot: 9,
            price: 1,
            volume_wh: u64::MAX,
        };
        let view = public_event(&slot, 3).unwrap();
        assert_eq!(view.community, Some(2));
        assert_eq!(view.fields["volumeWh"], Value::String(u64::MAX.to_string()));
        assert_eq!(view.transaction_id, None);
    }

    #[test]
    fn a_credentialed_view_has_every_field_and_every_kind() {
        let aid = Event::DisbursementExecuted {
            programme_id: 4,
            order_id: 7,
            beneficiary: AccountId([3; 32]),
            amount_cents: 5_000,
        };
        let view = full_event(&aid, 12, None);
        let public = public_event(&aid, 12).unwrap().fields;
        assert!(public.iter().all(|(k, v)| view.fields.get(k) == Some(v)));
        assert_eq!(
            view.fields["beneficiary"],
            Value::String(AccountId([3; 32]).to_string())
        );
        assert_eq!(view.fields["amountCents"], Value::String("5000".into()));
        let detail = view.detail.unwrap();
        assert!(
            detail.contains("beneficiary") && detail.contains("5000"),
            "{detail}"
        );

        let lapsed = Event::OrderLapsed {
            programme_id: 4,
            order_id: 7,
            code: 405,
        };
        let view = full_event(&lapsed, 12, None);
        assert_eq!(
            (view.kind.as_str(), view.programme),
            ("OrderLapsed", Some(4))
        );
        assert_eq!(view.fields["code"], Value::from(405));
        for kind in PUBLIC_EVENT_KINDS.iter().chain(PRIVATE_EVENT_KINDS) {
            assert!(EVENT_KINDS.contains(kind), "{kind}");
        }
        assert_eq!(
            EVENT_KINDS.len(),
            PUBLIC_EVENT_KINDS.len() + PRIVATE_EVENT_KINDS.len()
        );
    }
}
