//! Property test of a programme's whole life: random orders, executions,
//! rejections, spending, redemption, recurring schedules and suspensions, with
//! the council freezing and unfreezing the programme, its ordonnateur closing it
//! and time passing over periods and past the validity window. After every
//! block the public invariants hold (`civitas_civic::invariants`, which sums the
//! individual entries too; the period figures move with the balances), and
//! nothing pays out of a frozen or closing programme; at the end the period
//! figures of all periods add up to the programme's balances.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::aid::{Programme, ProgrammeRules, ProgrammeStatus};
use civitas_civic::figures::PeriodFigures;
use civitas_civic::governance::GovernanceAction;
use civitas_civic::{Action, Event, keys};
use civitas_types::{BoundedVec, Hash, SignedTransaction, decode};
use common::*;
use proptest::prelude::*;

const PERIOD_MS: u64 = 40_000;
const PEOPLE: std::ops::Range<u8> = 50..54;

fn rules() -> ProgrammeRules {
    ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 90_000,
        cap_per_period_cents: 20_000,
        period_ms: PERIOD_MS,
        starts_at_ms: 0,
        // Long enough for most runs, short enough that some pass the end.
        ends_at_ms: 1_000_000 + 30 * PERIOD_MS,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: false,
    }
}

/// What happens next: a block of transactions, a council decision, or time.
#[derive(Clone, Debug)]
enum Step {
    Block(Vec<(u8, Action)>),
    Freeze,
    Unfreeze,
    Wait(u64),
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![1u64..3_000, 0u64..1, 15_000u64..21_000]
}

fn aid_action() -> impl Strategy<Value = (u8, Action)> {
    let person = PEOPLE;
    prop_oneof![
        person.clone().prop_map(|p| (
            ADMINISTRATOR,
            Action::EnrolBeneficiary(EnrolBeneficiary {
                programme_id: 0,
                beneficiary: account(p),
                eligibility_commitment: Hash([p; 32]),
            })
        )),
        person.clone().prop_map(|p| (
            ADMINISTRATOR,
            Action::RevokeBeneficiary(RevokeBeneficiary {
                programme_id: 0,
                beneficiary: account(p),
            })
        )),
        (person.clone(), amount()).prop_map(|(p, a)| (
            ADMINISTRATOR,
            Action::OrderDisbursement(OrderDisbursement {
                programme_id: 0,
                beneficiary: account(p),
                amount_cents: a,
            })
        )),
        (4u64..16).prop_map(|o| (
            ACCOUNTANT,
            Action::ExecuteOrder(ExecuteOrder {
                programme_id: 0,
                order_id: o
            })
        )),
        (4u64..16).prop_map(|o| (
            ACCOUNTANT,
            Action::ExecuteOrder(ExecuteOrder {
                programme_id: 0,
                order_id: o
            })
        )),
        (4u64..16).prop_map(|o| (
            ACCOUNTANT,
            Action::RejectOrder(RejectOrder {
                programme_id: 0,
                order_id: o,
                reason_code: 1
            })
        )),
        (person.clone(), amount()).prop_map(|(p, a)| (
            p,
            Action::Spend(Spend {
                programme_id: 0,
                merchant: account(GROCER),
                amount_cents: a,
            })
        )),
        amount().prop_map(|a| (
            GROCER,
            Action::Redeem(Redeem {
                programme_id: 0,
                amount_cents: a
            })
        )),
        (person, 1u64..12_000).prop_map(|(p, a)| (
            ADMINISTRATOR,
            Action::ScheduleRecurring(ScheduleRecurring {
                programme_id: 0,
                beneficiary: account(p),
                amount_cents: a,
            })
        )),
        (0u64..4).prop_map(|s| (
            ADMINISTRATOR,
            Action::SuspendRecurring(SuspendRecurring {
                programme_id: 0,
                schedule_id: s
            })
        )),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => proptest::collection::vec(aid_action(), 1..6).prop_map(Step::Block),
        1 => Just(Step::Block(vec![(ADMINISTRATOR, Action::CloseProgramme(CloseProgramme { programme_id: 0 }))])),
        1 => Just(Step::Freeze),
        1 => Just(Step::Unfreeze),
        3 => (1u64..3 * PERIOD_MS).prop_map(Step::Wait),
    ]
}

fn programme(world: &World) -> Programme {
    decode(world.state.entries.get(&keys::programme(0)).unwrap()).unwrap()
}

fn sign(world: &World, steps: &[(u8, Action)]) -> Vec<SignedTransaction> {
    let mut sequences = world.sequences.clone();
    steps
        .iter()
        .map(|(seed, action)| {
            let mut tx = world.transaction(*seed, action);
            let next = sequences.entry(account(*seed)).or_insert(0);
            tx.body.sequence = *next;
            *next += 1;
            SignedTransaction::sign(tx.body, &[&key(*seed)]).unwrap()
        })
        .collect()
}

/// Whether an event pays out (moves budget towards beneficiaries or merchants).
fn pays_out(event: &Event) -> bool {
    matches!(
        event,
        Event::DisbursementOrdered { .. }
            | Event::DisbursementExecuted { .. }
            | Event::AidSpent { .. }
            | Event::RecurringScheduled { .. }
    )
}

fn check_block(
    before: &Programme,
    outcome: &civitas_civic::BlockOutcome,
) -> Result<(), TestCaseError> {
    let stopped = before.frozen || before.status != ProgrammeStatus::Open;
    let mut closing = stopped;
    for event in outcome.block_events.iter() {
        prop_assert!(
            !(stopped && pays_out(event)),
            "a hook paid out of a stopped programme: {event:?}"
        );
    }
    for receipt in &outcome.receipts {
        for event in &receipt.events {
            prop_assert!(
                !(closing && pays_out(event)),
                "paid out of a stopped programme: {event:?}"
            );
            if matches!(event, Event::ProgrammeClosing { .. }) {
                closing = true;
            }
        }
    }
    Ok(())
}

fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut world = World::new();
    prop_assert!(
        world
            .act(ADMINISTRATOR, Action::CreateProgramme(rules()))
            .is_success()
    );
    // Everyone starts enrolled with a balance, so that spending is often possible.
    for (n, person) in PEOPLE.enumerate() {
        let enrol = EnrolBeneficiary {
            programme_id: 0,
            beneficiary: account(person),
            eligibility_commitment: Hash([person; 32]),
        };
        prop_assert!(
            world
                .act(ADMINISTRATOR, Action::EnrolBeneficiary(enrol))
                .is_success()
        );
        let order = OrderDisbursement {
            programme_id: 0,
            beneficiary: account(person),
            amount_cents: 5_000,
        };
        prop_assert!(
            world
                .act(ADMINISTRATOR, Action::OrderDisbursement(order))
                .is_success()
        );
        let execute = ExecuteOrder {
            programme_id: 0,
            order_id: n as u64,
        };
        prop_assert!(
            world
                .act(ACCOUNTANT, Action::ExecuteOrder(execute))
                .is_success()
        );
    }
    for step in steps {
        match step {
            Step::Block(actions) => {
                let before = programme(&world);
                let transactions = sign(&world, &actions);
                let outcome = world.execute(&transactions).unwrap();
                check_block(&before, &outcome)?;
            }
            Step::Freeze => {
                world.govern(GovernanceAction::FreezeProgramme(0));
            }
            Step::Unfreeze => {
                world.govern(GovernanceAction::UnfreezeProgramme(0));
            }
            Step::Wait(ms) => {
                world.time_ms += ms;
                let before = programme(&world);
                let outcome = world.tick();
                check_block(&before, &outcome)?;
            }
        }
        let invariants = civitas_civic::invariants::check_programme_entries(&world.state, 0);
        prop_assert!(invariants.is_ok(), "{invariants:?}");
    }
    // Whatever happened, closing at the end settles everything within a few blocks.
    let close = world.act(
        ADMINISTRATOR,
        Action::CloseProgramme(CloseProgramme { programme_id: 0 }),
    );
    let _ = close;
    for _ in 0..3 {
        world.tick();
    }
    let end = programme(&world);
    prop_assert_eq!(end.status, ProgrammeStatus::Closed);
    prop_assert_eq!((end.reserved_cents, end.beneficiary_balances_cents), (0, 0));
    prop_assert_eq!(
        civitas_civic::invariants::check_programme_entries(&world.state, 0),
        Ok(())
    );
    check_figures_total(&world, &end)
}

/// Over the whole life, the period figures (table 0x3c) add up to the
/// programme's balances: `World::execute` checks each block's figures
/// (`invariants::check_figures`); this checks that no period was lost.
fn check_figures_total(world: &World, end: &Programme) -> Result<(), TestCaseError> {
    let mut total = PeriodFigures::default();
    let mut periods = 0;
    for (key, value) in world.state.entries.range(vec![0x3c]..vec![0x3d]) {
        let (programme_id, _period): (u64, u64) = decode(&key[1..]).unwrap();
        prop_assert_eq!(programme_id, 0);
        let f: PeriodFigures = decode(value).unwrap();
        total.budget_cents += f.budget_cents;
        total.reserved_cents += f.reserved_cents;
        total.executed_cents += f.executed_cents;
        total.spent_cents += f.spent_cents;
        total.redeemed_cents += f.redeemed_cents;
        total.released_cents += f.released_cents;
        total.returned_cents += f.returned_cents;
        periods += 1;
    }
    prop_assert!(periods >= 1);
    let t = total;
    prop_assert_eq!(t.budget_cents, end.rules.budget_cents);
    prop_assert_eq!(
        end.unreserved_cents + t.reserved_cents,
        t.budget_cents + t.released_cents + t.returned_cents
    );
    prop_assert_eq!(
        end.reserved_cents + t.executed_cents + t.released_cents,
        t.reserved_cents
    );
    prop_assert_eq!(
        end.beneficiary_balances_cents + t.spent_cents + t.returned_cents,
        t.executed_cents
    );
    prop_assert_eq!(
        end.merchant_balances_cents + t.redeemed_cents,
        t.spent_cents
    );
    prop_assert_eq!(end.redeemed_cents, t.redeemed_cents);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_programme_stays_conserved_and_pays_nothing_while_frozen_or_closing(steps in proptest::collection::vec(step(), 1..25)) {
        run(steps)?;
    }
}
