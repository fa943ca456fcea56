//! Every civic action as readable JSON ([`civic_action_view`]): its kind
//! (the `Action` variant's name, e.g. `OrderDisbursement`) and its fields by
//! camelCase name, in the API's conventions — accounts `civ1…`, keys and
//! hashes hex, amounts (u64 values that may pass 2^53) decimal strings,
//! roles and sides by name; a proposal's governance action nested as its
//! [`ActionView`]. What people read before they sign an offline
//! transaction file (`civitas tx build`).

use crate::encoding::to_hex;
use std::collections::BTreeMap;

use civitas_civic::Action;
use civitas_civic::model::{NamespaceName, RecordId, Role, Scope};
use civitas_types::{AccountId, Hash};
use serde_json::Value;

use crate::account::{role_name, scope_view};
use crate::council::{ActionView, action_view};
use crate::meter::side_name;
use crate::registry::{field_value, namespace_text, record_id_text};

/// Fields under construction.
struct Fields(BTreeMap<String, Value>);

impl Fields {
    fn with(mut self, name: &str, value: impl Into<Value>) -> Fields {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    fn amount(self, name: &str, value: u64) -> Fields {
        self.with(name, value.to_string())
    }

    fn account(self, name: &str, account: &AccountId) -> Fields {
        self.with(name, account.to_string())
    }

    fn hash(self, name: &str, hash: &Hash) -> Fields {
        self.with(name, to_hex(hash))
    }

    fn record(self, namespace: &NamespaceName, id: &RecordId) -> Fields {
        self.with("namespace", namespace_text(namespace))
            .with("recordId", record_id_text(id))
    }

    fn role(self, role: Role, scope: &Scope) -> Fields {
        let scope = serde_json::to_value(scope_view(scope)).unwrap_or(Value::Null);
        self.with("role", role_name(role)).with("scope", scope)
    }

    fn json(self, name: &str, value: impl serde::Serialize) -> Fields {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.with(name, value)
    }
}

/// The readable view of `action`.
pub fn civic_action_view(action: &Action) -> ActionView {
    let (kind, fields) = match action {
        Action::RegisterMultisig(_)
        | Action::EnrolResident(_)
        | Action::RevokeResident(_)
        | Action::Delegate(_)
        | Action::RevokeDelegation(_) => identity(action),
        Action::RegisterRecord(_)
        | Action::AmendRecord(_)
        | Action::RequestTransfer(_)
        | Action::ApproveTransfer(_)
        | Action::RevokeRecord(_) => registry(action),
        Action::Propose(_) | Action::Vote(_) => governance(action),
        Action::CreateCommunity(_)
        | Action::RegisterMeter(_)
        | Action::PlaceEnergyOrder(_)
        | Action::CancelEnergyOrder(_)
        | Action::AttestMeter(_)
        | Action::SettleSlot(_) => energy(action),
        _ => aid(action),
    };
    ActionView {
        kind: kind.to_owned(),
        fields: fields.0,
    }
}

fn new() -> Fields {
    Fields(BTreeMap::new())
}

fn identity(action: &Action) -> (&'static str, Fields) {
    match action {
        Action::RegisterMultisig(a) => (
            "RegisterMultisig",
            new()
                .with("threshold", a.threshold)
                .with("members", a.members.iter().map(to_hex).collect::<Vec<_>>()),
        ),
        Action::EnrolResident(a) => (
            "EnrolResident",
            new()
                .with("collectivity", a.collectivity.0)
                .account("resident", &a.resident)
                .hash("identityCommitment", &a.identity_commitment),
        ),
        Action::RevokeResident(a) => (
            "RevokeResident",
            new()
                .with("collectivity", a.collectivity.0)
                .account("resident", &a.resident)
                .with("reasonCode", a.reason_code),
        ),
        Action::Delegate(a) => (
            "Delegate",
            new()
                .role(a.role, &a.scope)
                .account("delegate", &a.delegate)
                .with("expiresAtMs", a.expires_at_ms)
                .hash("actHash", &a.act_hash),
        ),
        Action::RevokeDelegation(a) => (
            "RevokeDelegation",
            new()
                .role(a.role, &a.scope)
                .account("delegate", &a.delegate),
        ),
        _ => ("Unknown", new()),
    }
}

fn registry(action: &Action) -> (&'static str, Fields) {
    let metadata =
        |m: &civitas_civic::metadata::RecordMetadata| m.iter().map(field_value).collect::<Vec<_>>();
    match action {
        Action::RegisterRecord(a) => (
            "RegisterRecord",
            new()
                .record(&a.namespace, &a.record_id)
                .hash("documentHash", &a.document_hash)
                .json("metadata", metadata(&a.metadata))
                .with("owner", a.owner.as_ref().map(AccountId::to_string)),
        ),
        Action::AmendRecord(a) => (
            "AmendRecord",
            new()
                .record(&a.namespace, &a.record_id)
                .hash("documentHash", &a.document_hash)
                .json("metadata", metadata(&a.metadata)),
        ),
        Action::RequestTransfer(a) => (
            "RequestTransfer",
            new()
                .record(&a.namespace, &a.record_id)
                .account("newOwner", &a.new_owner),
        ),
        Action::ApproveTransfer(a) => ("ApproveTransfer", new().record(&a.namespace, &a.record_id)),
        Action::RevokeRecord(a) => (
            "RevokeRecord",
            new()
                .record(&a.namespace, &a.record_id)
                .with("reasonCode", a.reason_code),
        ),
        _ => ("Unknown", new()),
    }
}

fn governance(action: &Action) -> (&'static str, Fields) {
    match action {
        Action::Propose(a) => (
            "Propose",
            new()
                .json("action", action_view(&a.action))
                .hash("deliberationHash", &a.deliberation_hash)
                .with("expiresAtMs", a.expires_at_ms),
        ),
        Action::Vote(a) => (
            "Vote",
            new()
                .with("proposalId", a.proposal_id)
                .with("inFavour", a.in_favour),
        ),
        _ => ("Unknown", new()),
    }
}

fn aid(action: &Action) -> (&'static str, Fields) {
    match action {
        Action::CreateProgramme(r) => (
            "CreateProgramme",
            new()
                .with("collectivity", r.collectivity.0)
                .amount("budgetCents", r.budget_cents)
                .amount("capPerPeriodCents", r.cap_per_period_cents)
                .with("periodMs", r.period_ms)
                .with("startsAtMs", r.starts_at_ms)
                .with("endsAtMs", r.ends_at_ms)
                .with(
                    "categories",
                    r.categories.iter().copied().collect::<Vec<_>>(),
                )
                .with("residencyRequired", r.residency_required),
        ),
        Action::EnrolBeneficiary(a) => (
            "EnrolBeneficiary",
            new()
                .with("programmeId", a.programme_id)
                .account("beneficiary", &a.beneficiary)
                .hash("eligibilityCommitment", &a.eligibility_commitment),
        ),
        Action::RevokeBeneficiary(a) => (
            "RevokeBeneficiary",
            new()
                .with("programmeId", a.programme_id)
                .account("beneficiary", &a.beneficiary),
        ),
        Action::OrderDisbursement(a) => (
            "OrderDisbursement",
            new()
                .with("programmeId", a.programme_id)
                .account("beneficiary", &a.beneficiary)
                .amount("amountCents", a.amount_cents),
        ),
        Action::ExecuteOrder(a) => (
            "ExecuteOrder",
            new()
                .with("programmeId", a.programme_id)
                .with("orderId", a.order_id),
        ),
        Action::RejectOrder(a) => (
            "RejectOrder",
            new()
                .with("programmeId", a.programme_id)
                .with("orderId", a.order_id)
                .with("reasonCode", a.reason_code),
        ),
        Action::Spend(a) => (
            "Spend",
            new()
                .with("programmeId", a.programme_id)
                .account("merchant", &a.merchant)
                .amount("amountCents", a.amount_cents),
        ),
        Action::Redeem(a) => (
            "Redeem",
            new()
                .with("programmeId", a.programme_id)
                .amount("amountCents", a.amount_cents),
        ),
        Action::CloseProgramme(a) => ("CloseProgramme", new().with("programmeId", a.programme_id)),
        Action::ScheduleRecurring(a) => (
            "ScheduleRecurring",
            new()
                .with("programmeId", a.programme_id)
                .account("beneficiary", &a.beneficiary)
                .amount("amountCents", a.amount_cents),
        ),
        Action::SuspendRecurring(a) => (
            "SuspendRecurring",
            new()
                .with("programmeId", a.programme_id)
                .with("scheduleId", a.schedule_id),
        ),
        _ => ("Unknown", new()),
    }
}

fn energy(action: &Action) -> (&'static str, Fields) {
    match action {
        Action::CreateCommunity(a) => (
            "CreateCommunity",
            new()
                .with("collectivity", a.collectivity.0)
                .with("slotMs", a.slot_ms)
                .with("firstSlotMs", a.first_slot_ms)
                .amount("gridPrice", a.grid_price)
                .amount("feedInPrice", a.feed_in_price),
        ),
        Action::RegisterMeter(a) => (
            "RegisterMeter",
            new()
                .with("communityId", a.community_id)
                .hash("commitment", &a.commitment)
                .account("owner", &a.owner),
        ),
        Action::PlaceEnergyOrder(a) => (
            "PlaceEnergyOrder",
            new()
                .with("communityId", a.community_id)
                .with("slot", a.slot)
                .with("meterId", a.meter_id)
                .with("side", side_name(a.side))
                .amount("energyWh", a.energy_wh)
                .amount("limitPrice", a.limit_price),
        ),
        Action::CancelEnergyOrder(a) => (
            "CancelEnergyOrder",
            new()
                .with("communityId", a.community_id)
                .with("slot", a.slot)
                .with("orderNumber", a.order_number),
        ),
        Action::AttestMeter(a) => (
            "AttestMeter",
            new()
                .with("communityId", a.community_id)
                .with("slot", a.slot)
                .with("meterId", a.meter_id)
                .amount("producedWh", a.produced_wh)
                .amount("consumedWh", a.consumed_wh),
        ),
        Action::SettleSlot(a) => (
            "SettleSlot",
            new()
                .with("communityId", a.community_id)
                .with("slot", a.slot),
        ),
        _ => ("Unknown", new()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use civitas_civic::action::{OrderDisbursement, PlaceEnergyOrder, Vote};
    use civitas_civic::clearing::Side;

    use super::*;

    #[test]
    fn actions_read_as_kind_and_typed_fields() {
        let order = civic_action_view(&Action::OrderDisbursement(OrderDisbursement {
            programme_id: 0,
            beneficiary: AccountId([3; 32]),
            amount_cents: u64::MAX,
        }));
        assert_eq!(order.kind, "OrderDisbursement");
        assert_eq!(order.fields["programmeId"], 0);
        assert_eq!(order.fields["amountCents"], u64::MAX.to_string());
        assert_eq!(order.fields["beneficiary"], AccountId([3; 32]).to_string());
        let energy = civic_action_view(&Action::PlaceEnergyOrder(PlaceEnergyOrder {
            community_id: 1,
            slot: 96,
            meter_id: 0,
            side: Side::Sell,
            energy_wh: 1_500,
            limit_price: 12,
        }));
        assert_eq!(energy.fields["side"], "sell");
        let vote = civic_action_view(&Action::Vote(Vote {
            proposal_id: 4,
            in_favour: true,
        }));
        assert_eq!(
            serde_json::to_value(&vote).unwrap(),
            serde_json::json!({"kind": "Vote", "fields": {"proposalId": 4, "inFavour": true}})
        );
    }
}
