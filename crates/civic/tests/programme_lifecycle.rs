//! A programme's life after its orders: orders that lapse before execution,
//! closing over several blocks, freezing by the council, and a collectivity
//! leaving the council. Each test is named after the rule it checks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::aid::{
    Beneficiary, Order, OrderStatus, Programme, ProgrammeRules, ProgrammeStatus,
};
use civitas_civic::closing::CLOSING_STEPS_PER_BLOCK;
use civitas_civic::governance::GovernanceAction;
use civitas_civic::model::{Role, Scope};
use civitas_civic::{Action, Code, Event, Receipt, keys};
use civitas_types::{AccountId, BoundedBytes, BoundedVec, Hash, SignedTransaction, decode};
use common::*;

const MONTH_MS: u64 = 30 * 24 * 3_600_000;
const BENEFICIARY: u8 = 50;

fn rules(residency_required: bool) -> ProgrammeRules {
    ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 100_000_000,
        cap_per_period_cents: 20_000,
        period_ms: MONTH_MS,
        starts_at_ms: 1_000_000,
        ends_at_ms: 1_000_000 + 12 * MONTH_MS,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required,
    }
}

fn programme(world: &World) -> Programme {
    decode(world.state.entries.get(&keys::programme(0)).unwrap()).unwrap()
}

fn order_entry(world: &World, order_id: u64) -> Order {
    decode(world.state.entries.get(&keys::order(0, order_id)).unwrap()).unwrap()
}

fn beneficiary(world: &World, account: &AccountId) -> Beneficiary {
    decode(
        world
            .state
            .entries
            .get(&keys::beneficiary(0, account))
            .unwrap(),
    )
    .unwrap()
}

fn enrol(account: AccountId) -> Action {
    Action::EnrolBeneficiary(EnrolBeneficiary {
        programme_id: 0,
        beneficiary: account,
        eligibility_commitment: Hash([7; 32]),
    })
}

fn order(account: AccountId, amount_cents: u64) -> Action {
    Action::OrderDisbursement(OrderDisbursement {
        programme_id: 0,
        beneficiary: account,
        amount_cents,
    })
}

fn execute(order_id: u64) -> Action {
    Action::ExecuteOrder(ExecuteOrder {
        programme_id: 0,
        order_id,
    })
}

/// A world with programme 0, beneficiary 50 enrolled and one pending order.
fn world_with_pending_order(residency_required: bool) -> World {
    let mut world = World::new();
    assert!(
        world
            .act(
                ADMINISTRATOR,
                Action::CreateProgramme(rules(residency_required))
            )
            .is_success()
    );
    if residency_required {
        let resident = EnrolResident {
            collectivity: SIREN,
            resident: account(BENEFICIARY),
            identity_commitment: Hash([2; 32]),
        };
        assert!(
            world
                .act(IDENTITY_REGISTRAR, Action::EnrolResident(resident))
                .is_success()
        );
    }
    assert!(
        world
            .act(ADMINISTRATOR, enrol(account(BENEFICIARY)))
            .is_success()
    );
    assert!(
        world
            .act(ADMINISTRATOR, order(account(BENEFICIARY), 5_000))
            .is_success()
    );
    assert_eq!(programme(&world).reserved_cents, 5_000);
    world
}

/// The execution fails with `code`, records the lapse, and the reserve is back.
fn assert_lapsed(world: &mut World, code: Code) {
    let receipt = world.act(ACCOUNTANT, execute(0));
    assert_eq!(receipt.code, code.number(), "{receipt:?}");
    assert_eq!(
        receipt.events,
        vec![Event::OrderLapsed {
            programme_id: 0,
            order_id: 0,
            code: code.number()
        }]
    );
    let programme = programme(world);
    assert_eq!(programme.reserved_cents, 0);
    assert_eq!(programme.unreserved_cents, programme.rules.budget_cents);
    assert!(programme.is_conserved());
    assert_eq!(order_entry(world, 0).status, OrderStatus::Lapsed);
    assert_eq!(beneficiary(world, &account(BENEFICIARY)).balance_cents, 0);
    assert_eq!(
        world.act(ACCOUNTANT, execute(0)).code,
        Code::OrderNotPending.number(),
        "a lapsed order is decided"
    );
}

fn revoke_beneficiary(world: &mut World) {
    let revoke = RevokeBeneficiary {
        programme_id: 0,
        beneficiary: account(BENEFICIARY),
    };
    let receipt = world.act(ADMINISTRATOR, Action::RevokeBeneficiary(revoke));
    assert!(receipt.is_success(), "{receipt:?}");
}

fn revoke_residency(world: &mut World) {
    let revoke = RevokeResident {
        collectivity: SIREN,
        resident: account(BENEFICIARY),
        reason_code: 4,
    };
    let receipt = world.act(IDENTITY_REGISTRAR, Action::RevokeResident(revoke));
    assert!(receipt.is_success(), "{receipt:?}");
}

#[test]
fn executing_an_order_after_the_window_fails_and_releases_its_reservation() {
    let mut world = world_with_pending_order(false);
    world.time_ms = rules(false).ends_at_ms;
    assert_lapsed(&mut world, Code::OutsideValidity);
}

#[test]
fn executing_an_order_for_a_beneficiary_revoked_since_fails_and_releases_its_reservation() {
    let mut world = world_with_pending_order(false);
    revoke_beneficiary(&mut world);
    assert_lapsed(&mut world, Code::BeneficiaryRevoked);
}

#[test]
fn executing_an_order_for_a_resident_revoked_since_fails_and_releases_its_reservation() {
    let mut world = world_with_pending_order(true);
    revoke_residency(&mut world);
    assert_lapsed(&mut world, Code::ResidentRevoked);
}

#[test]
fn a_stranger_cannot_make_an_order_lapse() {
    let mut world = world_with_pending_order(false);
    world.time_ms = rules(false).ends_at_ms;
    assert_eq!(world.act(9, execute(0)).code, Code::MissingRole.number());
    assert_eq!(order_entry(&world, 0).status, OrderStatus::Pending);
    assert_eq!(programme(&world).reserved_cents, 5_000);
}

/// Signs `actions` by `seed` in one block, with consecutive sequences.
fn batch(world: &World, seed: u8, actions: Vec<Action>) -> Vec<SignedTransaction> {
    let first = world.sequences.get(&account(seed)).copied().unwrap_or(0);
    actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            let mut tx = world.transaction(seed, action);
            tx.body.sequence = first + i as u64;
            SignedTransaction::sign(tx.body, &[&key(seed)]).unwrap()
        })
        .collect()
}

fn run_batch(world: &mut World, seed: u8, actions: Vec<Action>) {
    let transactions = batch(world, seed, actions);
    let outcome = world.execute(&transactions).unwrap();
    for receipt in &outcome.receipts {
        assert!(receipt.is_success(), "{receipt:?}");
    }
    let last = transactions.last().unwrap().body.sequence;
    world.sequences.insert(account(seed), last + 1);
}

fn pseudonym(n: u64) -> AccountId {
    let mut bytes = [0x5a; 32];
    bytes[..8].copy_from_slice(&n.to_le_bytes());
    AccountId(bytes)
}

#[test]
fn closing_cancels_pending_orders_and_returns_balances_over_several_blocks() {
    const COUNT: u64 = 700;
    let mut world = World::new();
    assert!(
        world
            .act(ADMINISTRATOR, Action::CreateProgramme(rules(false)))
            .is_success()
    );
    run_batch(
        &mut world,
        ADMINISTRATOR,
        (0..COUNT).map(|n| enrol(pseudonym(n))).collect(),
    );
    run_batch(
        &mut world,
        ADMINISTRATOR,
        (0..COUNT).map(|n| order(pseudonym(n), 1_000 + n)).collect(),
    );
    // Every other order is executed; the rest stay pending.
    run_batch(
        &mut world,
        ACCOUNTANT,
        (0..COUNT).step_by(2).map(execute).collect(),
    );
    let before = programme(&world);
    let returned = before.reserved_cents + before.beneficiary_balances_cents;
    assert!(returned > 0 && before.is_conserved());
    let close = world.act(
        ADMINISTRATOR,
        Action::CloseProgramme(CloseProgramme { programme_id: 0 }),
    );
    assert_eq!(
        close.events,
        vec![Event::ProgrammeClosing { programme_id: 0 }]
    );
    let steps = 2 * COUNT;
    let blocks = steps.div_ceil(CLOSING_STEPS_PER_BLOCK);
    assert!(blocks >= 2, "the run must need several blocks");
    let mut closed_events = Vec::new();
    let mut cancelled = 0;
    for block in 0..blocks + 1 {
        // While closing, orders are refused.
        let refused = world.transaction(ADMINISTRATOR, &order(pseudonym(1), 1));
        let outcome = world.execute(&[refused]).unwrap();
        if block < blocks {
            assert_eq!(outcome.receipts[0].code, Code::ProgrammeClosed.number());
        }
        for event in outcome.block_events {
            match event {
                Event::OrderCancelled { .. } => cancelled += 1,
                Event::ProgrammeClosed { .. } => closed_events.push(event),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(
            programme(&world).is_conserved(),
            "the law holds after every block"
        );
    }
    assert_eq!(cancelled, COUNT / 2);
    assert_eq!(
        closed_events,
        vec![Event::ProgrammeClosed {
            programme_id: 0,
            returned_cents: returned
        }]
    );
    let after = programme(&world);
    assert_eq!(after.status, ProgrammeStatus::Closed);
    assert_eq!(
        (after.reserved_cents, after.beneficiary_balances_cents),
        (0, 0)
    );
    assert_eq!(after.unreserved_cents, after.rules.budget_cents);
    for n in 0..COUNT {
        assert_eq!(beneficiary(&world, &pseudonym(n)).balance_cents, 0);
        let status = order_entry(&world, n).status;
        let expected = if n % 2 == 0 {
            OrderStatus::Executed
        } else {
            OrderStatus::Cancelled
        };
        assert_eq!(status, expected);
    }
}

fn spend(amount_cents: u64) -> Action {
    Action::Spend(Spend {
        programme_id: 0,
        merchant: account(GROCER),
        amount_cents,
    })
}

fn redeem(amount_cents: u64) -> Action {
    Action::Redeem(Redeem {
        programme_id: 0,
        amount_cents,
    })
}

fn schedule() -> Action {
    Action::ScheduleRecurring(ScheduleRecurring {
        programme_id: 0,
        beneficiary: account(BENEFICIARY),
        amount_cents: 100,
    })
}

/// A programme with an executed order, a spending and a second pending order.
fn world_with_activity() -> World {
    let mut world = world_with_pending_order(false);
    assert!(world.act(ACCOUNTANT, execute(0)).is_success());
    assert!(world.act(BENEFICIARY, spend(2_000)).is_success());
    assert!(
        world
            .act(ADMINISTRATOR, order(account(BENEFICIARY), 1_000))
            .is_success()
    );
    world
}

#[test]
fn a_frozen_programme_takes_no_order_execution_spending_or_schedule_but_merchants_redeem() {
    let mut world = world_with_activity();
    assert!(
        world
            .govern(GovernanceAction::FreezeProgramme(0))
            .events
            .contains(&Event::ProgrammeFrozen { programme_id: 0 })
    );
    assert!(programme(&world).frozen);
    let frozen = Code::ProgrammeFrozen.number();
    assert_eq!(
        world
            .act(ADMINISTRATOR, order(account(BENEFICIARY), 1))
            .code,
        frozen
    );
    assert_eq!(world.act(ACCOUNTANT, execute(1)).code, frozen);
    assert_eq!(world.act(BENEFICIARY, spend(1)).code, frozen);
    assert_eq!(world.act(ADMINISTRATOR, schedule()).code, frozen);
    assert!(world.act(GROCER, redeem(500)).is_success());
    assert!(
        world
            .govern(GovernanceAction::UnfreezeProgramme(0))
            .events
            .contains(&Event::ProgrammeUnfrozen { programme_id: 0 })
    );
    assert!(world.act(ACCOUNTANT, execute(1)).is_success());
    assert!(world.act(BENEFICIARY, spend(1)).is_success());
    assert!(programme(&world).is_conserved());
}

#[test]
fn recurring_orders_are_skipped_while_the_programme_is_frozen() {
    let mut world = world_with_activity();
    assert!(world.act(ADMINISTRATOR, schedule()).is_success());
    world.govern(GovernanceAction::FreezeProgramme(0));
    world.time_ms += MONTH_MS;
    let outcome = world.tick();
    assert!(
        outcome.block_events.iter().any(|e| matches!(
            e,
            Event::RecurringSkipped { code, .. } if *code == Code::ProgrammeFrozen.number()
        )),
        "{:?}",
        outcome.block_events
    );
}

fn governed(receipt: &Receipt) -> Result<(), u16> {
    match receipt.events.iter().find_map(|e| match e {
        Event::ProposalRefused { code, .. } => Some(*code),
        _ => None,
    }) {
        Some(code) => Err(code),
        None if receipt
            .events
            .iter()
            .any(|e| matches!(e, Event::ProposalExecuted { .. })) =>
        {
            Ok(())
        }
        None => panic!("not decided: {receipt:?}"),
    }
}

#[test]
fn a_collectivity_leaves_only_without_validators_then_its_roles_stop_and_its_programmes_freeze() {
    let mut world = world_with_activity();
    // A registrar lent its role before the collectivity left.
    const DELEGATE: u8 = 41;
    let delegation = Delegate {
        role: Role::Registrar,
        scope: Scope::Collectivity(SIREN),
        delegate: account(DELEGATE),
        expires_at_ms: world.time_ms + MONTH_MS,
        act_hash: Hash([0xac; 32]),
    };
    assert!(
        world
            .act(CITY_REGISTRAR, Action::Delegate(delegation))
            .is_success()
    );
    let lent = RegisterRecord {
        namespace: namespace("permits/building"),
        record_id: BoundedBytes::try_from_vec(b"PC-0".to_vec()).unwrap(),
        document_hash: Hash([4; 32]),
        metadata: metadata_for("permits/building", 1),
        owner: None,
    };
    let receipt = world.act(DELEGATE, Action::RegisterRecord(lent));
    assert!(receipt.is_success(), "the delegation works: {receipt:?}");
    let remove = GovernanceAction::RemoveCollectivity(SIREN);
    assert_eq!(
        governed(&world.govern(remove.clone())),
        Err(Code::CollectivityRunsValidators.number())
    );
    assert_eq!(
        governed(&world.govern(GovernanceAction::RemoveValidator(validator_key(0)))),
        Ok(())
    );
    assert_eq!(governed(&world.govern(remove)), Ok(()));
    // Its programmes behave as frozen; its officials' roles authorise nothing.
    assert_eq!(
        world
            .act(ADMINISTRATOR, order(account(BENEFICIARY), 1))
            .code,
        Code::ProgrammeFrozen.number()
    );
    assert_eq!(
        world.act(ACCOUNTANT, execute(1)).code,
        Code::ProgrammeFrozen.number()
    );
    assert_eq!(
        world.act(BENEFICIARY, spend(1)).code,
        Code::ProgrammeFrozen.number()
    );
    let close = world.act(
        ADMINISTRATOR,
        Action::CloseProgramme(CloseProgramme { programme_id: 0 }),
    );
    assert_eq!(close.code, Code::UnknownCollectivity.number());
    let record = RegisterRecord {
        namespace: namespace("permits/building"),
        record_id: BoundedBytes::try_from_vec(b"PC-1".to_vec()).unwrap(),
        document_hash: Hash([3; 32]),
        metadata: Default::default(),
        owner: None,
    };
    assert_eq!(
        world
            .act(REGISTRAR, Action::RegisterRecord(record.clone()))
            .code,
        Code::UnknownCollectivity.number()
    );
    // Nor do delegations of its roles.
    assert_eq!(
        world.act(DELEGATE, Action::RegisterRecord(record)).code,
        Code::UnknownCollectivity.number()
    );
    // Its officials can no longer lend their roles either.
    let late = Delegate {
        role: Role::Registrar,
        scope: Scope::Collectivity(SIREN),
        delegate: account(42),
        expires_at_ms: world.time_ms + MONTH_MS,
        act_hash: Hash([0xad; 32]),
    };
    assert_eq!(
        world.act(CITY_REGISTRAR, Action::Delegate(late)).code,
        Code::UnknownCollectivity.number()
    );
    // Merchants still redeem what they received.
    assert!(world.act(GROCER, redeem(2_000)).is_success());
    assert!(programme(&world).is_conserved());
}

#[test]
fn an_order_lapses_when_its_beneficiary_was_revoked_and_enrolled_again_since() {
    let mut world = world_with_pending_order(false);
    revoke_beneficiary(&mut world);
    assert!(
        world
            .act(ADMINISTRATOR, enrol(account(BENEFICIARY)))
            .is_success()
    );
    assert_lapsed(&mut world, Code::BeneficiaryRevoked);
}

#[test]
fn an_order_lapses_when_its_residency_was_revoked_and_enrolled_again_since() {
    let mut world = world_with_pending_order(true);
    revoke_residency(&mut world);
    let again = EnrolResident {
        collectivity: SIREN,
        resident: account(BENEFICIARY),
        identity_commitment: Hash([3; 32]),
    };
    assert!(
        world
            .act(IDENTITY_REGISTRAR, Action::EnrolResident(again))
            .is_success()
    );
    assert_lapsed(&mut world, Code::ResidentRevoked);
}
