//! Public figures (tables 0x3c and 0x48): a programme's figures per period are
//! the sums of its receipts' events in that period, a slot's figures are its
//! clearing and settlement events, and each is provable against the state root.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::BTreeMap;

use civitas_civic::action::*;
use civitas_civic::aid::ProgrammeRules;
use civitas_civic::clearing::Side;
use civitas_civic::figures::{PeriodFigures, SlotFigures};
use civitas_civic::{Action, Code, Event, keys};
use civitas_types::state_proof::verify_state;
use civitas_types::{BoundedVec, Hash, decode};
use common::state_tree::{prove, root};
use common::*;

const MONTH_MS: u64 = 30 * 24 * 3_600_000;
/// The programme starts with the world's clock.
const START_MS: u64 = 1_000_000;

/// A world whose blocks' events are kept with their block time.
struct Logged {
    world: World,
    events: Vec<(u64, Event)>,
}

impl Logged {
    fn new() -> Logged {
        Logged {
            world: World::new(),
            events: Vec::new(),
        }
    }

    /// One action in its own block; returns its receipt code.
    fn act(&mut self, seed: u8, action: Action) -> u16 {
        let time = self.world.time_ms;
        let tx = self.world.transaction(seed, &action);
        let outcome = self.world.execute(&[tx]).unwrap();
        let receipt = &outcome.receipts[0];
        let code = receipt.code;
        for event in outcome.block_events.iter().chain(&receipt.events) {
            self.events.push((time, event.clone()));
        }
        code
    }

    fn tick(&mut self) {
        let time = self.world.time_ms;
        let outcome = self.world.tick();
        for event in outcome.block_events {
            self.events.push((time, event));
        }
    }

    fn ok(&mut self, seed: u8, action: Action) {
        assert_eq!(self.act(seed, action), 0);
    }

    /// The figures the events give, per period of block time.
    fn figures_from_events(&self) -> BTreeMap<u64, PeriodFigures> {
        let mut figures: BTreeMap<u64, PeriodFigures> = BTreeMap::new();
        let mut orders = BTreeMap::new();
        let mut cancelled = 0;
        for (time, event) in &self.events {
            let period = (time - START_MS) / MONTH_MS;
            let f = figures.entry(period).or_default();
            match event {
                Event::ProgrammeCreated { budget_cents, .. } => f.budget_cents += budget_cents,
                Event::DisbursementOrdered {
                    order_id,
                    amount_cents,
                    ..
                } => {
                    orders.insert(*order_id, *amount_cents);
                    f.reserved_cents += amount_cents;
                }
                Event::DisbursementExecuted { amount_cents, .. } => {
                    f.executed_cents += amount_cents
                }
                Event::AidSpent { amount_cents, .. } => f.spent_cents += amount_cents,
                Event::SettlementClaimed { amount_cents, .. } => f.redeemed_cents += amount_cents,
                Event::DisbursementRejected { order_id, .. }
                | Event::OrderLapsed { order_id, .. } => f.released_cents += orders[order_id],
                Event::OrderCancelled { amount_cents, .. } => {
                    cancelled += amount_cents;
                    f.released_cents += amount_cents;
                }
                // The closing total counts cancelled reserves and returned
                // balances together; every cancellation came before it.
                Event::ProgrammeClosed { returned_cents, .. } => {
                    f.returned_cents += returned_cents - cancelled
                }
                _ => {}
            }
        }
        figures.retain(|_, f| *f != PeriodFigures::default());
        figures
    }
}

fn rules() -> ProgrammeRules {
    ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 100_000,
        cap_per_period_cents: 20_000,
        period_ms: MONTH_MS,
        starts_at_ms: START_MS,
        ends_at_ms: START_MS + 12 * MONTH_MS,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: false,
    }
}

fn order(to: u8, amount_cents: u64) -> Action {
    Action::OrderDisbursement(OrderDisbursement {
        programme_id: 0,
        beneficiary: account(to),
        amount_cents,
    })
}

fn execute(order_id: u64) -> Action {
    Action::ExecuteOrder(ExecuteOrder {
        programme_id: 0,
        order_id,
    })
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

fn stored_figures(world: &World, period: u64) -> Option<PeriodFigures> {
    world
        .state
        .entries
        .get(&keys::period_figures(0, period))
        .map(|bytes| decode(bytes).unwrap())
}

/// Two months of one programme: orders executed, rejected and lapsed, spending,
/// redemption, then closing (cancelling an order, returning balances).
fn two_months_of_aid() -> Logged {
    let mut log = Logged::new();
    log.ok(ADMINISTRATOR, Action::CreateProgramme(rules()));
    for b in [50, 51] {
        let enrol = Action::EnrolBeneficiary(EnrolBeneficiary {
            programme_id: 0,
            beneficiary: account(b),
            eligibility_commitment: Hash([b; 32]),
        });
        log.ok(ADMINISTRATOR, enrol);
    }
    log.ok(ADMINISTRATOR, order(50, 15_000));
    log.ok(ADMINISTRATOR, order(51, 10_000));
    log.ok(ADMINISTRATOR, order(50, 3_000));
    log.ok(ACCOUNTANT, execute(0));
    log.ok(ACCOUNTANT, execute(1));
    let reject = Action::RejectOrder(RejectOrder {
        programme_id: 0,
        order_id: 2,
        reason_code: 4,
    });
    log.ok(ACCOUNTANT, reject);
    log.ok(50, spend(4_000));
    log.ok(51, spend(2_500));
    log.ok(GROCER, redeem(5_000));

    // The second month.
    log.world.time_ms = START_MS + MONTH_MS + 10;
    log.ok(ADMINISTRATOR, order(50, 12_000));
    log.ok(ADMINISTRATOR, order(51, 5_000));
    let revoke = Action::RevokeBeneficiary(RevokeBeneficiary {
        programme_id: 0,
        beneficiary: account(51),
    });
    log.ok(ADMINISTRATOR, revoke);
    assert_eq!(
        log.act(ACCOUNTANT, execute(4)),
        Code::BeneficiaryRevoked.number(),
        "order 4 lapses"
    );
    log.ok(ACCOUNTANT, execute(3));
    log.ok(50, spend(1_000));
    log.ok(GROCER, redeem(1_500));
    log.ok(ADMINISTRATOR, order(50, 2_000));
    log.ok(
        ADMINISTRATOR,
        Action::CloseProgramme(CloseProgramme { programme_id: 0 }),
    );
    log.tick();
    log
}

#[test]
fn period_figures_are_the_sums_of_the_periods_events() {
    let log = two_months_of_aid();
    assert!(
        log.events
            .iter()
            .any(|(_, e)| matches!(e, Event::ProgrammeClosed { .. })),
        "the sweep finished"
    );
    let expected = log.figures_from_events();
    assert_eq!(expected.keys().copied().collect::<Vec<_>>(), vec![0, 1]);
    for (period, figures) in &expected {
        assert_eq!(stored_figures(&log.world, *period).as_ref(), Some(figures));
    }
    assert_eq!(
        stored_figures(&log.world, 0),
        Some(PeriodFigures {
            budget_cents: 100_000,
            reserved_cents: 28_000,
            executed_cents: 25_000,
            spent_cents: 6_500,
            redeemed_cents: 5_000,
            released_cents: 3_000,
            returned_cents: 0,
        })
    );
    assert_eq!(
        stored_figures(&log.world, 1),
        Some(PeriodFigures {
            budget_cents: 0,
            reserved_cents: 19_000,
            executed_cents: 12_000,
            spent_cents: 1_000,
            redeemed_cents: 1_500,
            // Order 4 lapsed, order 5 cancelled by the closing.
            released_cents: 7_000,
            // 50 kept 15,000 − 4,000 + 12,000 − 1,000; 51 kept 10,000 − 2,500.
            returned_cents: 29_500,
        })
    );
    assert_eq!(
        stored_figures(&log.world, 2),
        None,
        "nothing moved in period 2"
    );
}

#[test]
fn a_period_figure_and_a_quiet_period_are_provable_against_the_state_root() {
    let log = two_months_of_aid();
    let state_root = root(&log.world.state);
    let key = keys::period_figures(0, 0);
    let value = log.world.state.entries[&key].clone();
    assert_eq!(
        verify_state(
            &state_root,
            &key,
            Some(&value),
            &prove(&log.world.state, &key)
        ),
        Ok(())
    );
    let quiet = keys::period_figures(0, 2);
    assert_eq!(
        verify_state(&state_root, &quiet, None, &prove(&log.world.state, &quiet)),
        Ok(())
    );
}

const SLOT_MS: u64 = 30 * 60_000;
/// Slot 0 starts one slot after the creation block's time.
const SLOT_0_START: u64 = 1_000_000 + SLOT_MS;

fn slot_figures(world: &World) -> Option<SlotFigures> {
    world
        .state
        .entries
        .get(&keys::slot_figures(0, 0))
        .map(|bytes| decode(bytes).unwrap())
}

#[test]
fn slot_figures_are_the_slots_clearing_then_settlement_events() {
    let mut world = World::new();
    let create = Action::CreateCommunity(CreateCommunity {
        collectivity: SIREN,
        slot_ms: SLOT_MS,
        first_slot_ms: world.time_ms + SLOT_MS,
        grid_price: 25,
        feed_in_price: 5,
    });
    assert!(world.act(ENERGY_OPERATOR, create).is_success());
    for owner in 60..66u8 {
        let register = Action::RegisterMeter(RegisterMeter {
            community_id: 0,
            commitment: Hash([owner; 32]),
            owner: account(owner),
        });
        assert!(world.act(ENERGY_OPERATOR, register).is_success());
    }
    // docs/civic-transactions.md's worked example.
    let orders = [
        (60, Side::Buy, 3_000, 20),
        (61, Side::Buy, 2_000, 18),
        (62, Side::Buy, 1_000, 12),
        (63, Side::Sell, 2_500, 10),
        (64, Side::Sell, 2_000, 15),
        (65, Side::Sell, 1_500, 19),
    ];
    for (owner, side, energy_wh, limit_price) in orders {
        let place = Action::PlaceEnergyOrder(PlaceEnergyOrder {
            community_id: 0,
            slot: 0,
            meter_id: u64::from(owner - 60),
            side,
            energy_wh,
            limit_price,
        });
        assert!(world.act(owner, place).is_success());
    }
    assert_eq!(slot_figures(&world), None, "no figures before clearing");

    world.time_ms = SLOT_0_START;
    let cleared = world.tick();
    let [
        Event::SlotCleared {
            price, volume_wh, ..
        },
    ] = cleared.block_events[..]
    else {
        panic!("{:?}", cleared.block_events);
    };
    assert_eq!(
        slot_figures(&world),
        Some(SlotFigures {
            price,
            volume_wh,
            ..SlotFigures::default()
        })
    );

    world.time_ms = SLOT_0_START + SLOT_MS;
    for (meter_id, produced_wh, consumed_wh) in
        [(0, 0, 2_600), (1, 0, 1_500), (3, 2_000, 0), (4, 2_000, 0)]
    {
        let attest = Action::AttestMeter(AttestMeter {
            community_id: 0,
            slot: 0,
            meter_id,
            produced_wh,
            consumed_wh,
        });
        assert!(world.act(ENERGY_OPERATOR, attest).is_success());
    }
    let settle = Action::SettleSlot(SettleSlot {
        community_id: 0,
        slot: 0,
    });
    let receipt = world.act(ENERGY_OPERATOR, settle);
    let [
        Event::SlotSettled {
            paid_by_buyers,
            paid_to_sellers,
            grid_credit,
            grid_debit,
            ..
        },
    ] = receipt.events[..]
    else {
        panic!("{receipt:?}");
    };
    let settled = SlotFigures {
        price,
        volume_wh,
        settled: true,
        paid_by_buyers,
        paid_to_sellers,
        grid_credit,
        grid_debit,
    };
    assert_eq!(slot_figures(&world), Some(settled));
    assert_eq!((price, volume_wh, paid_by_buyers), (16, 4_500, 72_000));

    let state_root = root(&world.state);
    let key = keys::slot_figures(0, 0);
    let value = civitas_types::encode(&settled);
    assert_eq!(
        verify_state(&state_root, &key, Some(&value), &prove(&world.state, &key)),
        Ok(())
    );
}

#[test]
fn check_figures_reports_a_balance_moved_without_its_figure() {
    use civitas_civic::aid::Programme;
    use civitas_civic::invariants::{CheckError, Violation, check_figures};
    use civitas_types::encode;

    let log = two_months_of_aid();
    let before = log.world.state.clone();
    let mut programme: Programme = decode(&before.entries[&keys::programme(0)]).unwrap();
    programme.merchant_balances_cents -= 100;
    programme.redeemed_cents += 100;
    let mut writes = BTreeMap::new();
    writes.insert(keys::programme(0), Some(encode(&programme)));
    let mut after = before.clone();
    after.apply(writes.clone());
    assert_eq!(
        check_figures(&before, &after, &writes),
        Err(CheckError::Broken(Violation::AidFiguresOffBalances {
            programme_id: 0,
            balance: "merchant balances",
            moved_cents: -100,
            figures_cents: 0,
        }))
    );
    // The same move with its redemption counted keeps the law.
    let mut figures = stored_figures(&log.world, 1).unwrap();
    figures.redeemed_cents += 100;
    writes.insert(keys::period_figures(0, 1), Some(encode(&figures)));
    let mut after = before.clone();
    after.apply(writes.clone());
    assert_eq!(check_figures(&before, &after, &writes), Ok(()));
}
