//! The block hooks' bounds (docs/decisions/0014-block-limits.md): a monthly
//! recurring run for 50,000 beneficiaries and the clearing of more than 4,096
//! slots are spread over successive blocks, never more work per block than the
//! bound, in the documented order, and end in the state an unbounded run
//! reaches in one block.
//!
//! Set-up: programmes and communities are created by transactions; the hooks'
//! inputs (beneficiaries and their schedules, pending slots and their orders)
//! are written straight into the state through an `Overlay`, entry for entry
//! as EnrolBeneficiary, ScheduleRecurring and PlaceEnergyOrder write them
//! (their checks are tested in aid.rs and energy.rs). Signing and executing
//! 100,000 set-up transactions would take minutes in the dev profile.
//! Blocks are then executed by `execute_block` itself, so the protocol's
//! bounds are the ones under test, and every block is checked against the
//! aid, energy and figures laws.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use civitas_civic::action::CreateCommunity;
use civitas_civic::aid::{Beneficiary, Programme, ProgrammeRules};
use civitas_civic::clearing::Side;
use civitas_civic::clearing_queue::{self, CLEARING_STEPS_PER_BLOCK_MAX};
use civitas_civic::energy::{Community, EnergyOrder, PENDING_SLOTS_MAX, SlotBook};
use civitas_civic::model::Scope;
use civitas_civic::recurring::{
    self, RECURRING_STEPS_PER_BLOCK_MAX, RecurringRun, SCHEDULED_PROGRAMMES_MAX, Schedule,
};
use civitas_civic::{
    Action, BlockContext, BlockEvidence, BlockOutcome, Event, MemoryState, Overlay, StateRead,
    StorageError, invariants, keys,
};
use civitas_types::{AccountId, BoundedVec, Hash, decode};
use common::*;

// ---------------------------------------------------------------------------
// Executing blocks.

/// The state after a block, read without copying the whole state: the
/// block's writes over the state before it.
struct After<'a> {
    before: &'a MemoryState,
    writes: &'a BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl StateRead for After<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.writes.get(key) {
            Some(written) => Ok(written.clone()),
            None => self.before.get(key),
        }
    }
}

/// Executes an empty block at `time_ms` (the hooks run with the protocol's
/// bounds), checks the block laws and applies it.
fn block(world: &mut World, time_ms: u64) -> BlockOutcome {
    world.time_ms = time_ms;
    let outcome =
        civitas_civic::execute_block(&world.state, &world.context(), &[], BlockEvidence::none())
            .unwrap();
    let after = After {
        before: &world.state,
        writes: &outcome.writes,
    };
    invariants::check_figures(&world.state, &after, &outcome.writes).unwrap();
    invariants::check_block(&after, &outcome.writes).unwrap();
    world.state.apply(outcome.writes.clone());
    world.height += 1;
    outcome
}

/// Writes through an overlay over `state` (set-up only; see the module doc).
fn write(state: &mut MemoryState, edit: impl FnOnce(&mut Overlay<'_, MemoryState>)) {
    let mut overlay = Overlay::new(&*state);
    edit(&mut overlay);
    overlay.commit_transaction();
    let writes = overlay.into_writes();
    state.apply(writes);
}

fn read<T: borsh::BorshDeserialize>(state: &MemoryState, key: &[u8]) -> Option<T> {
    state.entries.get(key).map(|bytes| decode(bytes).unwrap())
}

// ---------------------------------------------------------------------------
// Recurring disbursements.

const MONTH_MS: u64 = 30 * 24 * 3_600_000;
const PROGRAMMES: u64 = 4;
const BLOCK_MS: u64 = 5_000;

fn rules() -> ProgrammeRules {
    ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 1_000_000_000,
        cap_per_period_cents: 20_000,
        period_ms: MONTH_MS,
        starts_at_ms: 1_000_000,
        ends_at_ms: 1_000_000 + 12 * MONTH_MS,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: false,
    }
}

/// The n-th beneficiary of a programme: its id and n in the account bytes, so
/// an order's beneficiary names the schedule it came from.
fn beneficiary_of(programme_id: u64, n: u64) -> AccountId {
    let mut bytes = [0xbe; 32];
    bytes[..8].copy_from_slice(&programme_id.to_le_bytes());
    bytes[8..16].copy_from_slice(&n.to_le_bytes());
    AccountId(bytes)
}

fn schedule_of(beneficiary: &AccountId) -> (u64, u64) {
    let programme_id = u64::from_le_bytes(beneficiary.0[..8].try_into().unwrap());
    let n = u64::from_le_bytes(beneficiary.0[8..16].try_into().unwrap());
    (programme_id, n)
}

/// One schedule in 97 is suspended: looked at (a step), never ordered.
fn suspended(n: u64) -> bool {
    n % 97 == 96
}

/// Enrols `count` new beneficiaries of `programme_id` and schedules a monthly
/// disbursement to each, writing what EnrolBeneficiary and ScheduleRecurring
/// write (schedule n is for beneficiary n).
fn add_schedules(world: &mut World, programme_id: u64, count: u64) {
    let now = world.time_ms;
    write(&mut world.state, |state| {
        let mut programme: Programme = state.get(&keys::programme(programme_id)).unwrap().unwrap();
        let mut index: BoundedVec<u64, SCHEDULED_PROGRAMMES_MAX> = state
            .get(&keys::scheduled_programmes())
            .unwrap()
            .unwrap_or_default();
        if !index.contains(&programme_id) {
            index.try_push(programme_id).unwrap();
            state.put(keys::scheduled_programmes(), &index);
        }
        for _ in 0..count {
            let n = programme.beneficiary_count;
            assert_eq!(n, programme.next_schedule, "one schedule per beneficiary");
            let beneficiary = beneficiary_of(programme_id, n);
            let entry = Beneficiary {
                eligibility_commitment: Hash([0x11; 32]),
                balance_cents: 0,
                period: 0,
                ordered_in_period_cents: 0,
                revoked: false,
                enrolment: 1,
            };
            state.put(keys::beneficiary(programme_id, &beneficiary), &entry);
            state.put(keys::beneficiary_index(programme_id, n), &beneficiary);
            let scope = Scope::Programme(SIREN, programme_id);
            state.put(keys::pseudonym_use(&beneficiary), &scope);
            let schedule = Schedule {
                beneficiary,
                amount_cents: 1_000 + (n % 10) * 100,
                orderer: account(ADMINISTRATOR),
                next_period: programme.period_of(now),
                active: !suspended(n),
            };
            state.put(keys::schedule(programme_id, n), &schedule);
            programme.beneficiary_count += 1;
            programme.next_schedule += 1;
        }
        state.put(keys::programme(programme_id), &programme);
    });
}

/// Programmes 0 to 3 (A, B, C, D). The index lists D, B, A, C (the order of
/// their first schedule), which is neither id order nor size order: D 5
/// schedules, B 30,000, A 19,990, C 5 — 50,000 in all.
fn world_with_schedules() -> World {
    let mut world = World::new();
    for _ in 0..PROGRAMMES {
        let receipt = world.act(ADMINISTRATOR, Action::CreateProgramme(rules()));
        assert!(receipt.is_success(), "{receipt:?}");
    }
    for (programme_id, count) in [(3, 5), (1, 30_000), (0, 19_990), (2, 5)] {
        add_schedules(&mut world, programme_id, count);
    }
    world
}

/// The schedules a block ordered, as (programme, schedule), in event order.
fn ordered(outcome: &BlockOutcome) -> Vec<(u64, u64)> {
    outcome
        .block_events
        .iter()
        .filter_map(|event| match event {
            Event::DisbursementOrdered {
                programme_id,
                beneficiary,
                ..
            } => {
                let (encoded, n) = schedule_of(beneficiary);
                assert_eq!(encoded, *programme_id);
                Some((*programme_id, n))
            }
            _ => None,
        })
        .collect()
}

/// Schedules looked at so far in the current period (Σ of the runs' cursors),
/// and schedules that exist.
fn progress(state: &MemoryState) -> (u64, u64) {
    let mut looked_at = 0;
    let mut scheduled = 0;
    for programme_id in 0..PROGRAMMES {
        let run: Option<RecurringRun> = read(state, &keys::recurring_run(programme_id));
        looked_at += run.map_or(0, |run| run.next_schedule);
        let programme: Programme = read(state, &keys::programme(programme_id)).unwrap();
        scheduled += programme.next_schedule;
    }
    (looked_at, scheduled)
}

/// The expected order: queue order across programmes (D, B, A, C as the index
/// queued them, then D again for the schedule added while the others were
/// still queued), schedule order within each; suspended ones left out.
fn expected_order() -> Vec<(u64, u64)> {
    let runs = [
        (3, 0..5),
        (1, 0..30_000),
        (0, 0..19_990),
        (2, 0..5),
        (3, 5..6),
    ];
    runs.into_iter()
        .flat_map(|(programme_id, ids)| ids.map(move |n| (programme_id, n)))
        .filter(|(_, n)| !suspended(*n))
        .collect()
}

#[test]
fn fifty_thousand_schedules_are_ordered_over_49_blocks_in_queue_order() {
    let mut world = world_with_schedules();
    let start_ms = world.time_ms;
    let initial = world.state.clone();
    let mut order = Vec::new();
    let mut blocks = 0u64;
    loop {
        let time_ms = start_ms + blocks * BLOCK_MS;
        if blocks == 10 {
            // A schedule added to D, whose run finished in block 1: D is queued
            // again, behind the programmes still queued (not first, as in the index).
            world.time_ms = time_ms;
            add_schedules(&mut world, 3, 1);
        }
        let (looked_before, scheduled) = progress(&world.state);
        if looked_before == scheduled && blocks > 10 {
            break;
        }
        let outcome = block(&mut world, time_ms);
        blocks += 1;
        let (looked_after, _) = progress(&world.state);
        let steps = looked_after - looked_before;
        assert!(
            steps <= RECURRING_STEPS_PER_BLOCK_MAX as u64,
            "block {blocks} looked at {steps} schedules"
        );
        let left = scheduled - looked_before;
        assert_eq!(
            steps,
            left.min(RECURRING_STEPS_PER_BLOCK_MAX as u64),
            "block {blocks} did less than it could"
        );
        let this_block = ordered(&outcome);
        assert!(this_block.len() as u64 <= steps);
        order.extend(this_block);
    }
    assert_eq!(blocks, 49, "50,001 schedules at 1,024 a block");
    assert!(!world.state.entries.contains_key(&keys::recurring_queue()));

    let expected = expected_order();
    let distinct: BTreeSet<_> = order.iter().collect();
    assert_eq!(distinct.len(), order.len(), "a schedule was ordered twice");
    assert_eq!(
        order.len(),
        expected.len(),
        "a due schedule was not ordered"
    );
    for (at, (got, want)) in order.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "order number {at} of the run is out of order");
    }

    // Later blocks of the same period order nothing again.
    let again = block(&mut world, start_ms + blocks * BLOCK_MS);
    assert!(ordered(&again).is_empty());

    // The same schedules, all at once with no bound, end in the same state.
    let unbounded = unbounded_recurring_run(initial, start_ms);
    assert_states_equal(&world.state, &unbounded);
    for programme_id in 0..PROGRAMMES {
        invariants::check_programme_entries(&world.state, programme_id).unwrap();
    }
}

/// Runs the recurring hook once with no bound over `state`, the set-up state
/// with D's late schedule added (before any block, at `time_ms`).
fn unbounded_recurring_run(state: MemoryState, time_ms: u64) -> MemoryState {
    let mut world = World {
        state,
        height: 1,
        time_ms,
        protocol_version: civitas_types::PROTOCOL_VERSION,
        sequences: BTreeMap::new(),
    };
    add_schedules(&mut world, 3, 1);
    let context = world.context();
    let mut overlay = Overlay::new(&world.state);
    recurring::begin_block_with_limit(&mut overlay, &context, usize::MAX).unwrap();
    let writes = overlay.into_writes();
    world.state.apply(writes);
    world.state
}

fn assert_states_equal(bounded: &MemoryState, unbounded: &MemoryState) {
    let keys: BTreeSet<_> = bounded
        .entries
        .keys()
        .chain(unbounded.entries.keys())
        .collect();
    for key in keys {
        assert_eq!(
            bounded.entries.get(key),
            unbounded.entries.get(key),
            "state differs at key {}",
            hex(key)
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------
// Energy clearing.

const SLOT_MS: u64 = 900_000;
const COMMUNITIES: u64 = 10;
const SLOTS: u64 = PENDING_SLOTS_MAX as u64;

/// A slot's orders, varied by community and slot so clearings differ.
fn book_of(community_id: u64, slot: u64) -> SlotBook {
    let order = |meter_id, side, energy_wh, limit_price| EnergyOrder {
        meter_id,
        side,
        energy_wh,
        limit_price,
        cancelled: false,
    };
    let orders = vec![
        order(0, Side::Buy, 1_000 + (slot % 5) * 100, 20),
        order(
            1,
            Side::Sell,
            800 + ((slot + community_id) % 7) * 100,
            8 + slot % 9,
        ),
    ];
    SlotBook {
        orders: BoundedVec::try_from_vec(orders).unwrap(),
        ..SlotBook::default()
    }
}

/// Ten communities (index order 0 to 9), each with 1,024 pending slots with
/// orders. Community 0's slot 0 starts at `first_ms`; the others' slots start
/// 24 slots earlier. Returns `first_ms`.
fn world_with_pending_slots() -> (World, u64) {
    let mut world = World::new();
    let first_ms = world.time_ms + 24 * SLOT_MS;
    for community_id in 0..COMMUNITIES {
        let offset = if community_id == 0 { 0 } else { 24 * SLOT_MS };
        let create = Action::CreateCommunity(CreateCommunity {
            collectivity: SIREN,
            slot_ms: SLOT_MS,
            first_slot_ms: first_ms - offset,
            grid_price: 25,
            feed_in_price: 6,
        });
        let receipt = world.act(ENERGY_OPERATOR, create);
        assert!(receipt.is_success(), "{receipt:?}");
    }
    write(&mut world.state, |state| {
        for community_id in 0..COMMUNITIES {
            let key = keys::community(community_id);
            let mut community: Community = state.get(&key).unwrap().unwrap();
            community.pending_slots = BoundedVec::try_from_vec((0..SLOTS).collect()).unwrap();
            state.put(key, &community);
            for slot in 0..SLOTS {
                state.put(
                    keys::slot_book(community_id, slot),
                    &book_of(community_id, slot),
                );
            }
        }
    });
    (world, first_ms)
}

fn cleared(outcome: &BlockOutcome) -> Vec<(u64, u64)> {
    outcome
        .block_events
        .iter()
        .filter_map(|event| match event {
            Event::SlotCleared {
                community_id, slot, ..
            } => Some((*community_id, *slot)),
            _ => None,
        })
        .collect()
}

fn slots(community_id: u64, range: std::ops::Range<u64>) -> Vec<(u64, u64)> {
    range.map(|slot| (community_id, slot)).collect()
}

/// The clearing cursor: the community the last block stopped in.
fn cursor(state: &MemoryState) -> Option<u64> {
    read(state, &keys::clearing_cursor())
}

#[test]
fn ten_thousand_due_slots_clear_over_three_blocks_from_the_cursor() {
    let (mut world, first_ms) = world_with_pending_slots();
    let initial = world.state.clone();
    // At `due_ms` community 0's slots 0..1000 are due and the others' 1,024
    // each (10,216); 24 slot lengths later community 0's last 24 are too.
    let due_ms = first_ms + 999 * SLOT_MS;
    let late_ms = due_ms + 24 * SLOT_MS;
    let expected = [
        (
            due_ms,
            [slots(0, 0..1_000), slots(1, 0..SLOTS), slots(2, 0..SLOTS)]
                .into_iter()
                .chain([slots(3, 0..SLOTS), slots(4, 0..24)])
                .flatten()
                .collect(),
            Some(4),
        ),
        (
            late_ms,
            [slots(4, 24..SLOTS), slots(5, 0..SLOTS), slots(6, 0..SLOTS)]
                .into_iter()
                .chain([slots(7, 0..SLOTS), slots(8, 0..24)])
                .flatten()
                .collect(),
            Some(8),
        ),
        // From the cursor round the index: 8, 9, then 0's late slots.
        (
            late_ms + BLOCK_MS,
            [
                slots(8, 24..SLOTS),
                slots(9, 0..SLOTS),
                slots(0, 1_000..SLOTS),
            ]
            .into_iter()
            .flatten()
            .collect(),
            None,
        ),
        (late_ms + 2 * BLOCK_MS, Vec::new(), None),
    ];
    let mut all = Vec::new();
    for (number, (time_ms, want, cursor_after)) in expected.into_iter().enumerate() {
        let outcome = block(&mut world, time_ms);
        let this_block = cleared(&outcome);
        assert!(
            this_block.len() <= CLEARING_STEPS_PER_BLOCK_MAX,
            "block {number} cleared {} slots",
            this_block.len()
        );
        assert_eq!(this_block.len(), want.len(), "block {number}'s count");
        assert!(this_block == want, "block {number} cleared out of order");
        assert_eq!(cursor(&world.state), cursor_after, "after block {number}");
        all.extend(this_block);
    }
    let distinct: BTreeSet<_> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "a slot was cleared twice");
    assert_eq!(all.len() as u64, COMMUNITIES * SLOTS);

    // The same slots cleared at once with no bound end in the same state.
    let mut unbounded = initial;
    let context = BlockContext {
        time_ms: late_ms,
        ..world.context()
    };
    let mut overlay = Overlay::new(&unbounded);
    let events =
        clearing_queue::begin_block_with_limit(&mut overlay, &context, usize::MAX).unwrap();
    assert_eq!(events.len() as u64, COMMUNITIES * SLOTS);
    let writes = overlay.into_writes();
    unbounded.apply(writes);
    assert_states_equal(&world.state, &unbounded);
}
