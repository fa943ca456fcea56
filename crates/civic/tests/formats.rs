//! Golden fixtures of the civic payload: one sample of every [`Action`] variant,
//! encoded. They freeze the encoding a transaction's payload carries; a
//! deliberate format change regenerates them with
//! `CIVITAS_UPDATE_GOLDEN=1 cargo test -p civitas-civic --test formats` and
//! updates docs/civic-transactions.md in the same commit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::Action;
use civitas_civic::action::*;
use civitas_civic::aid::ProgrammeRules;
use civitas_civic::clearing::Side;
use civitas_civic::governance::GovernanceAction;
use civitas_civic::metadata::{FieldKind, FieldValue};
use civitas_civic::model::{Namespace, Role, Scope};
use civitas_types::{BoundedBytes, BoundedVec, Hash, decode, encode};
use common::*;

const GOLDEN_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/actions.txt");

fn hash(byte: u8) -> Hash {
    Hash([byte; 32])
}

fn record_id() -> civitas_civic::model::RecordId {
    BoundedBytes::try_from_vec(b"PC-2026-0042".to_vec()).unwrap()
}

/// One sample per variant, in tag order (two for `Propose`, to freeze the
/// encoding of a namespace's fields as well).
fn samples() -> Vec<(&'static str, Action)> {
    let ns = namespace("permits/building");
    vec![
        (
            "register_multisig",
            Action::RegisterMultisig(RegisterMultisig {
                threshold: 2,
                members: BoundedVec::try_from_vec(vec![key(1).public_key(), key(2).public_key()])
                    .unwrap(),
            }),
        ),
        (
            "enrol_resident",
            Action::EnrolResident(EnrolResident {
                collectivity: SIREN,
                resident: account(5),
                identity_commitment: hash(7),
            }),
        ),
        (
            "revoke_resident",
            Action::RevokeResident(RevokeResident {
                collectivity: SIREN,
                resident: account(5),
                reason_code: 3,
            }),
        ),
        (
            "delegate",
            Action::Delegate(Delegate {
                role: Role::AidAccountant,
                scope: Scope::Programme(SIREN, 4),
                delegate: account(6),
                expires_at_ms: 9_000_000,
                act_hash: hash(8),
            }),
        ),
        (
            "revoke_delegation",
            Action::RevokeDelegation(RevokeDelegation {
                role: Role::AidAccountant,
                scope: Scope::Programme(SIREN, 4),
                delegate: account(6),
            }),
        ),
        (
            "register_record",
            Action::RegisterRecord(RegisterRecord {
                namespace: ns.clone(),
                record_id: record_id(),
                document_hash: hash(9),
                metadata: metadata(vec![
                    FieldValue::Code(3),
                    FieldValue::Date(20_454),
                    FieldValue::Amount(120),
                    reference("75056-000-AB-0123"),
                    FieldValue::Hash(hash(14)),
                    FieldValue::Flag(true),
                ]),
                owner: Some(account(7)),
            }),
        ),
        (
            "amend_record",
            Action::AmendRecord(AmendRecord {
                namespace: ns.clone(),
                record_id: record_id(),
                document_hash: hash(10),
                metadata: metadata(vec![FieldValue::Amount(135)]),
            }),
        ),
        (
            "request_transfer",
            Action::RequestTransfer(RequestTransfer {
                namespace: ns.clone(),
                record_id: record_id(),
                new_owner: account(8),
            }),
        ),
        (
            "approve_transfer",
            Action::ApproveTransfer(ApproveTransfer {
                namespace: ns.clone(),
                record_id: record_id(),
            }),
        ),
        (
            "revoke_record",
            Action::RevokeRecord(RevokeRecord {
                namespace: ns,
                record_id: record_id(),
                reason_code: 2,
            }),
        ),
        (
            "propose",
            Action::Propose(Propose {
                action: GovernanceAction::RemoveCollectivity(OTHER_SIREN),
                deliberation_hash: hash(11),
                expires_at_ms: 5_000_000,
            }),
        ),
        (
            "propose_create_namespace",
            Action::Propose(Propose {
                action: GovernanceAction::CreateNamespace {
                    name: namespace("permits/building"),
                    namespace: Namespace {
                        collectivity: SIREN,
                        transferable: true,
                        transfer_needs_approval: true,
                        fields: BoundedVec::try_from_vec(vec![
                            field("nature", FieldKind::Code),
                            field("decided_on", FieldKind::Date),
                            field("floor_area_m2", FieldKind::Amount),
                            field("parcel", FieldKind::Reference),
                            field("plans", FieldKind::Hash),
                            field("tacit", FieldKind::Flag),
                        ])
                        .unwrap(),
                    },
                },
                deliberation_hash: hash(15),
                expires_at_ms: 5_000_000,
            }),
        ),
        (
            "propose_freeze_programme",
            Action::Propose(Propose {
                action: GovernanceAction::FreezeProgramme(4),
                deliberation_hash: hash(16),
                expires_at_ms: 5_000_000,
            }),
        ),
        (
            "propose_unfreeze_programme",
            Action::Propose(Propose {
                action: GovernanceAction::UnfreezeProgramme(4),
                deliberation_hash: hash(17),
                expires_at_ms: 5_000_000,
            }),
        ),
        (
            "propose_rotate_network_key",
            Action::Propose(Propose {
                action: GovernanceAction::RotateNetworkKey {
                    validator: key(3).public_key(),
                    network_key: key(4).public_key(),
                },
                deliberation_hash: hash(18),
                expires_at_ms: 5_000_000,
            }),
        ),
        (
            "propose_schedule_upgrade",
            Action::Propose(Propose {
                action: GovernanceAction::ScheduleUpgrade {
                    height: 500_000,
                    version: 2,
                    name: civitas_civic::upgrade::UpgradeName::from_text("civitas-2").unwrap(),
                },
                deliberation_hash: hash(19),
                expires_at_ms: 5_000_000,
            }),
        ),
        (
            "propose_cancel_upgrade",
            Action::Propose(Propose {
                action: GovernanceAction::CancelUpgrade,
                deliberation_hash: hash(20),
                expires_at_ms: 5_000_000,
            }),
        ),
        (
            "vote",
            Action::Vote(Vote {
                proposal_id: 3,
                in_favour: true,
            }),
        ),
        (
            "create_programme",
            Action::CreateProgramme(ProgrammeRules {
                collectivity: SIREN,
                budget_cents: 1_000_000,
                cap_per_period_cents: 20_000,
                period_ms: 2_592_000_000,
                starts_at_ms: 1_000_000,
                ends_at_ms: 40_000_000_000,
                categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
                residency_required: true,
            }),
        ),
        (
            "enrol_beneficiary",
            Action::EnrolBeneficiary(EnrolBeneficiary {
                programme_id: 4,
                beneficiary: account(20),
                eligibility_commitment: hash(12),
            }),
        ),
        (
            "revoke_beneficiary",
            Action::RevokeBeneficiary(RevokeBeneficiary {
                programme_id: 4,
                beneficiary: account(20),
            }),
        ),
        (
            "order_disbursement",
            Action::OrderDisbursement(OrderDisbursement {
                programme_id: 4,
                beneficiary: account(20),
                amount_cents: 5_000,
            }),
        ),
        (
            "execute_order",
            Action::ExecuteOrder(ExecuteOrder {
                programme_id: 4,
                order_id: 9,
            }),
        ),
        (
            "reject_order",
            Action::RejectOrder(RejectOrder {
                programme_id: 4,
                order_id: 9,
                reason_code: 1,
            }),
        ),
        (
            "spend",
            Action::Spend(Spend {
                programme_id: 4,
                merchant: account(GROCER),
                amount_cents: 1_250,
            }),
        ),
        (
            "redeem",
            Action::Redeem(Redeem {
                programme_id: 4,
                amount_cents: 1_250,
            }),
        ),
        (
            "close_programme",
            Action::CloseProgramme(CloseProgramme { programme_id: 4 }),
        ),
        (
            "schedule_recurring",
            Action::ScheduleRecurring(ScheduleRecurring {
                programme_id: 4,
                beneficiary: account(20),
                amount_cents: 5_000,
            }),
        ),
        (
            "suspend_recurring",
            Action::SuspendRecurring(SuspendRecurring {
                programme_id: 4,
                schedule_id: 2,
            }),
        ),
        (
            "create_community",
            Action::CreateCommunity(CreateCommunity {
                collectivity: SIREN,
                slot_ms: 1_800_000,
                first_slot_ms: 3_600_000,
                grid_price: 25,
                feed_in_price: 10,
            }),
        ),
        (
            "register_meter",
            Action::RegisterMeter(RegisterMeter {
                community_id: 1,
                commitment: hash(13),
                owner: account(60),
            }),
        ),
        (
            "place_energy_order",
            Action::PlaceEnergyOrder(PlaceEnergyOrder {
                community_id: 1,
                slot: 12,
                meter_id: 3,
                side: Side::Sell,
                energy_wh: 1_500,
                limit_price: 18,
            }),
        ),
        (
            "cancel_energy_order",
            Action::CancelEnergyOrder(CancelEnergyOrder {
                community_id: 1,
                slot: 12,
                order_number: 5,
            }),
        ),
        (
            "attest_meter",
            Action::AttestMeter(AttestMeter {
                community_id: 1,
                slot: 12,
                meter_id: 3,
                produced_wh: 1_400,
                consumed_wh: 200,
            }),
        ),
        (
            "settle_slot",
            Action::SettleSlot(SettleSlot {
                community_id: 1,
                slot: 12,
            }),
        ),
    ]
}

fn render() -> String {
    let mut text = String::from(
        "# Golden encodings of one civic action per variant (crates/civic/tests/formats.rs).\n\
         # name hex; regenerate only for a deliberate format change.\n",
    );
    for (name, action) in samples() {
        text.push_str(&format!("{name} {}\n", hex(&encode(&action))));
    }
    text
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn every_action_round_trips_and_rejects_truncation() {
    for (name, action) in samples() {
        let bytes = encode(&action);
        assert_eq!(decode::<Action>(&bytes).unwrap(), action, "{name}");
        for cut in 0..bytes.len() {
            assert!(decode::<Action>(&bytes[..cut]).is_err(), "{name} at {cut}");
        }
    }
}

#[test]
fn action_encodings_match_the_golden_fixtures() {
    let rendered = render();
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN_PATH, &rendered).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN_PATH).expect("golden file; see the module doc");
    for (expected, actual) in golden.lines().zip(rendered.lines()) {
        assert_eq!(actual, expected, "encoding changed; see the module doc");
    }
    assert_eq!(golden.lines().count(), rendered.lines().count());
}
