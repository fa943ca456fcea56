//! The demo activity: a few civic transactions that leave something to see
//! on a fresh devnet, signed by the demo accounts.
//!
//! In order (programme 0, community 0, orders and meters numbered from 0, as
//! on any fresh demo chain):
//! 1. Aid: the ordonnateur creates a programme (10,000 € budget, 300 € cap
//!    per beneficiary per 30-day period, valid for a year from genesis, food
//!    and pharmacy accepted), enrols residents 1 and 2 and orders 150 € for
//!    resident 1. Energy: the operator creates a community (30-minute slots
//!    aligned on the half hour, grid 25 c/kWh, feed-in 6 c/kWh) and registers
//!    two meters. Registry: the registrar registers building permit
//!    `PC-DEMO-2026-00001` for resident 3 and amends it (larger floor area).
//! 2. The comptable executes the order; resident 1's energy pseudonym offers
//!    2 kWh and resident 2's bids for 1.5 kWh, for slot 96 (two days after
//!    genesis, when the slot's gate closes).
//! 3. Resident 1 spends 42.50 € at the grocer.
//!
//! Every transaction succeeds when the whole list is committed in this order,
//! split over consecutive blocks in any way, at block times from just after
//! genesis to a day after it (the energy orders must come before their
//! slot's gate closure, two days after genesis). Sequences start at 0 for
//! every signer, as the genesis state has no account entries.

use civitas_civic::Action;
use civitas_civic::action::{
    AmendRecord, CreateCommunity, EnrolBeneficiary, ExecuteOrder, OrderDisbursement,
    PlaceEnergyOrder, RegisterMeter, RegisterRecord, Spend,
};
use civitas_civic::aid::ProgrammeRules;
use civitas_civic::clearing::Side;
use civitas_civic::metadata::{FieldValue, RecordMetadata};
use civitas_civic::model::RecordId;
use civitas_genesis::GenesisDocument;
use civitas_types::{BoundedBytes, BoundedVec, SignedTransaction};

use crate::accounts::{Who, derive};
use crate::genesis::namespace_name;
use crate::signer::Signer;
use crate::{BUILDING_PERMITS, CITY_SIREN, DAY_MS, FOOD, PHARMACY, Unfit};

/// Budget of the demo aid programme: 10,000 €.
pub const PROGRAMME_BUDGET_CENTS: u64 = 1_000_000;
/// Most a beneficiary may be ordered per period: 300 €.
pub const PROGRAMME_CAP_CENTS: u64 = 30_000;
/// The programme's period: 30 days.
pub const PROGRAMME_PERIOD_MS: u64 = 30 * DAY_MS;
/// The disbursement ordered for resident 1: 150 €.
pub const ORDER_CENTS: u64 = 15_000;
/// What resident 1 spends at the grocer: 42.50 €.
pub const SPEND_CENTS: u64 = 4_250;
/// Slot length of the demo energy community: 30 minutes.
pub const SLOT_MS: u64 = 30 * 60 * 1_000;
/// The slot of the demo energy orders: 96 slots of 30 minutes after the slot
/// holding the genesis time, so its gate closes 47.5 to 48 hours after
/// genesis; well within the 336 slots ahead the chain accepts.
pub const ORDER_SLOT: u64 = 96;
/// The demo building permit's number.
pub const PERMIT_ID: &str = "PC-DEMO-2026-00001";

/// The demo activity for `genesis` (a document from [`crate::genesis()`]), in
/// submission order: [`activity_steps`], one step after the other.
///
/// Committed in this order, in one block or many, every transaction
/// succeeds. A node's mempool builds blocks round-robin across signers, so
/// submitting the whole list at once may reorder transactions of different
/// signers; submit [`activity_steps`] one step at a time instead.
pub fn activity(genesis: &GenesisDocument) -> Vec<SignedTransaction> {
    activity_steps(genesis).into_iter().flatten().collect()
}

/// The demo activity in steps: within a step, transactions of different
/// signers never depend on each other, so the step succeeds in any order
/// that keeps each signer's sequences increasing; a step depends on the ones
/// before it, so submit it once they are committed. Chain id from `genesis`,
/// expiry height [`EXPIRY_HEIGHTS`] after its initial height.
pub fn activity_steps(genesis: &GenesisDocument) -> Vec<Vec<SignedTransaction>> {
    // Only this crate's constants can fail to fit their bounded types, and
    // the crate's tests build the activity: no genesis can make it fail.
    #[allow(clippy::expect_used)]
    build(genesis).expect("the demo activity constants fit their types")
}

fn build(genesis: &GenesisDocument) -> Result<Vec<Vec<SignedTransaction>>, Unfit> {
    let time_ms = genesis.genesis_time_ms;
    let steps = [
        [
            aid_setup(time_ms)?,
            energy_setup(time_ms),
            registry(time_ms)?,
        ]
        .concat(),
        vec![
            (
                Who::AidAccountant,
                Action::ExecuteOrder(ExecuteOrder {
                    programme_id: 0,
                    order_id: 0,
                }),
            ),
            energy_order(Who::Resident1Energy, 0, Side::Sell, 2_000, 10),
            energy_order(Who::Resident2Energy, 1, Side::Buy, 1_500, 18),
        ],
        vec![(
            Who::Resident1Aid,
            Action::Spend(Spend {
                programme_id: 0,
                merchant: Who::Grocer.address(),
                amount_cents: SPEND_CENTS,
            }),
        )],
    ];
    let mut signer = Signer::new(genesis);
    steps
        .into_iter()
        .map(|step| {
            step.into_iter()
                .map(|(who, action)| signer.sign(&who.key(), &action))
                .collect()
        })
        .collect()
}

/// The programme, two beneficiaries, one order.
fn aid_setup(genesis_time_ms: u64) -> Result<Vec<(Who, Action)>, Unfit> {
    let rules = ProgrammeRules {
        collectivity: CITY_SIREN,
        budget_cents: PROGRAMME_BUDGET_CENTS,
        cap_per_period_cents: PROGRAMME_CAP_CENTS,
        period_ms: PROGRAMME_PERIOD_MS,
        starts_at_ms: genesis_time_ms,
        ends_at_ms: genesis_time_ms.saturating_add(365 * DAY_MS),
        categories: BoundedVec::try_from_vec(vec![FOOD, PHARMACY])
            .map_err(|_| Unfit("programme categories"))?,
        residency_required: false,
    };
    let enrol = |who: Who, label: &str| {
        (
            Who::AidAdministrator,
            Action::EnrolBeneficiary(EnrolBeneficiary {
                programme_id: 0,
                beneficiary: who.address(),
                eligibility_commitment: derive("eligibility", label),
            }),
        )
    };
    Ok(vec![
        (Who::AidAdministrator, Action::CreateProgramme(rules)),
        enrol(Who::Resident1Aid, "resident-1"),
        enrol(Who::Resident2Aid, "resident-2"),
        (
            Who::AidAdministrator,
            Action::OrderDisbursement(OrderDisbursement {
                programme_id: 0,
                beneficiary: Who::Resident1Aid.address(),
                amount_cents: ORDER_CENTS,
            }),
        ),
    ])
}

/// The community and its two meters.
fn energy_setup(genesis_time_ms: u64) -> Vec<(Who, Action)> {
    // Slots start on the half hour (UTC), as a supplier's metering does.
    let first_slot_ms = genesis_time_ms.saturating_sub(genesis_time_ms % SLOT_MS);
    let meter = |owner: Who, label: &str| {
        (
            Who::EnergyOperator,
            Action::RegisterMeter(RegisterMeter {
                community_id: 0,
                commitment: derive("meter-point", label),
                owner: owner.address(),
            }),
        )
    };
    vec![
        (
            Who::EnergyOperator,
            Action::CreateCommunity(CreateCommunity {
                collectivity: CITY_SIREN,
                slot_ms: SLOT_MS,
                first_slot_ms,
                grid_price: 25,
                feed_in_price: 6,
            }),
        ),
        meter(Who::Resident1Energy, "resident-1"),
        meter(Who::Resident2Energy, "resident-2"),
    ]
}

/// An order of `owner`'s meter for [`ORDER_SLOT`]: energy in Wh, limit price
/// in millicents per Wh.
fn energy_order(
    owner: Who,
    meter_id: u64,
    side: Side,
    energy_wh: u64,
    limit: u64,
) -> (Who, Action) {
    let order = PlaceEnergyOrder {
        community_id: 0,
        slot: ORDER_SLOT,
        meter_id,
        side,
        energy_wh,
        limit_price: limit,
    };
    (owner, Action::PlaceEnergyOrder(order))
}

/// The building permit, registered then amended.
fn registry(genesis_time_ms: u64) -> Result<Vec<(Who, Action)>, Unfit> {
    let namespace = namespace_name(BUILDING_PERMITS)?;
    let record_id: RecordId =
        BoundedBytes::try_from_vec(PERMIT_ID.as_bytes().to_vec()).map_err(|_| Unfit(PERMIT_ID))?;
    // Decided on the genesis day (days since 1970-01-01).
    let decided_on = u32::try_from(genesis_time_ms / DAY_MS).unwrap_or(u32::MAX);
    let register = RegisterRecord {
        namespace: namespace.clone(),
        record_id: record_id.clone(),
        document_hash: derive("document", "permit/version-1"),
        // Nature 1: a new house.
        metadata: permit_metadata(1, 120, decided_on)?,
        owner: Some(Who::Resident3.address()),
    };
    let amend = AmendRecord {
        namespace,
        record_id,
        document_hash: derive("document", "permit/version-2"),
        // Nature 2: a modification of the permit.
        metadata: permit_metadata(2, 135, decided_on)?,
    };
    Ok(vec![
        (Who::Registrar, Action::RegisterRecord(register)),
        (Who::Registrar, Action::AmendRecord(amend)),
    ])
}

fn permit_metadata(
    nature: u32,
    floor_area_m2: u64,
    decided_on: u32,
) -> Result<RecordMetadata, Unfit> {
    let parcel =
        BoundedBytes::try_from_vec(b"DEMO-000-AB-0042".to_vec()).map_err(|_| Unfit("parcel"))?;
    BoundedVec::try_from_vec(vec![
        FieldValue::Code(nature),
        FieldValue::Reference(parcel),
        FieldValue::Amount(floor_area_m2),
        FieldValue::Date(decided_on),
    ])
    .map_err(|_| Unfit("permit metadata"))
}
