//! Social aid: each happy path and each rejection rule, and the conservation law.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::aid::{Beneficiary, Programme, ProgrammeRules};
use civitas_civic::{Action, Code, Event, keys};
use civitas_types::{BoundedVec, Hash, decode};
use common::*;

const MONTH_MS: u64 = 30 * 24 * 3_600_000;

fn rules(residency_required: bool) -> ProgrammeRules {
    ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 100_000,
        cap_per_period_cents: 20_000,
        period_ms: MONTH_MS,
        starts_at_ms: 1_000_000,
        ends_at_ms: 1_000_000 + 12 * MONTH_MS,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required,
    }
}

/// A world with programme 0 and beneficiaries 50 and 51.
fn world_with_programme() -> World {
    let mut world = World::new();
    let receipt = world.act(ADMINISTRATOR, Action::CreateProgramme(rules(false)));
    assert_eq!(
        receipt.events,
        vec![Event::ProgrammeCreated {
            programme_id: 0,
            budget_cents: 100_000
        }]
    );
    for b in [50, 51] {
        let r = world.act(
            ADMINISTRATOR,
            Action::EnrolBeneficiary(EnrolBeneficiary {
                programme_id: 0,
                beneficiary: account(b),
                eligibility_commitment: Hash([b; 32]),
            }),
        );
        assert!(r.is_success(), "{r:?}");
    }
    world
}

fn programme(world: &World) -> Programme {
    decode(world.state.entries.get(&keys::programme(0)).unwrap()).unwrap()
}

fn beneficiary(world: &World, seed: u8) -> Beneficiary {
    decode(
        world
            .state
            .entries
            .get(&keys::beneficiary(0, &account(seed)))
            .unwrap(),
    )
    .unwrap()
}

fn order(world: &mut World, seed: u8, to: u8, amount: u64) -> civitas_civic::Receipt {
    world.act(
        seed,
        Action::OrderDisbursement(OrderDisbursement {
            programme_id: 0,
            beneficiary: account(to),
            amount_cents: amount,
        }),
    )
}

fn execute(world: &mut World, seed: u8, order_id: u64) -> civitas_civic::Receipt {
    world.act(
        seed,
        Action::ExecuteOrder(ExecuteOrder {
            programme_id: 0,
            order_id,
        }),
    )
}

#[test]
fn order_execute_spend_redeem_close_conserves_the_budget() {
    let mut world = world_with_programme();
    assert!(order(&mut world, ADMINISTRATOR, 50, 15_000).is_success());
    let p = programme(&world);
    assert_eq!((p.unreserved_cents, p.reserved_cents), (85_000, 15_000));
    assert!(p.is_conserved());
    assert!(execute(&mut world, ACCOUNTANT, 0).is_success());
    assert_eq!(beneficiary(&world, 50).balance_cents, 15_000);
    let spend = world.act(
        50,
        Action::Spend(Spend {
            programme_id: 0,
            merchant: account(GROCER),
            amount_cents: 4_000,
        }),
    );
    assert_eq!(
        spend.events,
        vec![Event::AidSpent {
            programme_id: 0,
            beneficiary: account(50),
            merchant: account(GROCER),
            amount_cents: 4_000
        }]
    );
    let redeem = world.act(
        GROCER,
        Action::Redeem(Redeem {
            programme_id: 0,
            amount_cents: 3_000,
        }),
    );
    assert_eq!(
        redeem.events,
        vec![Event::SettlementClaimed {
            programme_id: 0,
            merchant: account(GROCER),
            amount_cents: 3_000
        }]
    );
    let p = programme(&world);
    assert_eq!(
        (
            p.unreserved_cents,
            p.reserved_cents,
            p.beneficiary_balances_cents,
            p.merchant_balances_cents,
            p.redeemed_cents
        ),
        (85_000, 0, 11_000, 1_000, 3_000)
    );
    assert!(p.is_conserved());
    // A pending order, then close: reserve and unspent balance return to the budget.
    assert!(order(&mut world, ADMINISTRATOR, 51, 5_000).is_success());
    let close = world.act(
        ADMINISTRATOR,
        Action::CloseProgramme(CloseProgramme { programme_id: 0 }),
    );
    assert_eq!(
        close.events,
        vec![Event::ProgrammeClosing { programme_id: 0 }]
    );
    // The next block's sweep cancels the order and returns the balances.
    let swept = world.tick();
    assert_eq!(
        swept.block_events,
        vec![
            Event::OrderCancelled {
                programme_id: 0,
                order_id: 1,
                amount_cents: 5_000
            },
            Event::ProgrammeClosed {
                programme_id: 0,
                returned_cents: 16_000
            }
        ]
    );
    let p = programme(&world);
    assert_eq!(
        (
            p.unreserved_cents,
            p.merchant_balances_cents,
            p.redeemed_cents
        ),
        (96_000, 1_000, 3_000)
    );
    assert!(p.is_conserved());
    // The merchant can still redeem after closing; nothing else moves.
    assert!(
        world
            .act(
                GROCER,
                Action::Redeem(Redeem {
                    programme_id: 0,
                    amount_cents: 1_000
                })
            )
            .is_success()
    );
    assert_eq!(
        world
            .act(
                50,
                Action::Spend(Spend {
                    programme_id: 0,
                    merchant: account(GROCER),
                    amount_cents: 1
                })
            )
            .code,
        Code::ProgrammeClosed.number()
    );
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 50, 1).code,
        Code::ProgrammeClosed.number()
    );
}

#[test]
fn a_rejected_order_frees_its_reserve_and_cap_and_is_decided_once() {
    let mut world = world_with_programme();
    assert!(order(&mut world, ADMINISTRATOR, 50, 1_000).is_success());
    let reject = Action::RejectOrder(RejectOrder {
        programme_id: 0,
        order_id: 0,
        reason_code: 1,
    });
    assert_eq!(
        execute(&mut world, ADMINISTRATOR, 0).code,
        Code::MissingRole.number(),
        "an ordonnateur is no comptable"
    );
    assert!(world.act(ACCOUNTANT, reject).is_success());
    let p = programme(&world);
    assert_eq!((p.unreserved_cents, p.reserved_cents), (100_000, 0));
    assert_eq!(
        beneficiary(&world, 50).ordered_in_period_cents,
        0,
        "the cap is freed"
    );
    assert_eq!(
        execute(&mut world, ACCOUNTANT, 0).code,
        Code::OrderNotPending.number()
    );
    assert_eq!(
        execute(&mut world, ACCOUNTANT, 9).code,
        Code::UnknownOrder.number()
    );
}

#[test]
fn budget_and_cap_are_never_exceeded() {
    let mut world = world_with_programme();
    assert!(order(&mut world, ADMINISTRATOR, 50, 20_000).is_success());
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 50, 1).code,
        Code::CapExceeded.number()
    );
    // Next period: the cap is available again.
    world.time_ms += MONTH_MS;
    assert!(order(&mut world, ADMINISTRATOR, 50, 20_000).is_success());
    for _ in 0..3 {
        world.time_ms += MONTH_MS;
        assert!(order(&mut world, ADMINISTRATOR, 51, 20_000).is_success());
    }
    // 100,000 reserved in all: the budget is exhausted.
    world.time_ms += MONTH_MS;
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 51, 1).code,
        Code::BudgetExceeded.number()
    );
    assert!(programme(&world).is_conserved());
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 51, 0).code,
        Code::InvalidAmount.number()
    );
}

#[test]
fn no_disbursement_to_strangers_revoked_or_outside_the_window() {
    let mut world = world_with_programme();
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 52, 100).code,
        Code::NotBeneficiary.number()
    );
    let revoke = Action::RevokeBeneficiary(RevokeBeneficiary {
        programme_id: 0,
        beneficiary: account(51),
    });
    assert!(world.act(ADMINISTRATOR, revoke.clone()).is_success());
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 51, 100).code,
        Code::BeneficiaryRevoked.number()
    );
    assert_eq!(
        world.act(ADMINISTRATOR, revoke).code,
        Code::BeneficiaryRevoked.number()
    );
    world.time_ms = 1_000_000 + 12 * MONTH_MS;
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 50, 100).code,
        Code::OutsideValidity.number()
    );
    assert_eq!(
        order(&mut world, 9, 50, 100).code,
        Code::MissingRole.number()
    );
    assert_eq!(
        world.act(9, Action::CreateProgramme(rules(false))).code,
        Code::MissingRole.number()
    );
    let mut bad = rules(false);
    bad.period_ms = 0;
    assert_eq!(
        world.act(ADMINISTRATOR, Action::CreateProgramme(bad)).code,
        Code::InvalidProgramme.number()
    );
    assert_eq!(
        world
            .act(
                ADMINISTRATOR,
                Action::EnrolBeneficiary(EnrolBeneficiary {
                    programme_id: 0,
                    beneficiary: account(50),
                    eligibility_commitment: Hash([0; 32])
                })
            )
            .code,
        Code::AlreadyBeneficiary.number()
    );
    assert_eq!(
        order_on(&mut world, 7).code,
        Code::UnknownProgramme.number()
    );
}

fn order_on(world: &mut World, programme_id: u64) -> civitas_civic::Receipt {
    world.act(
        ADMINISTRATOR,
        Action::OrderDisbursement(OrderDisbursement {
            programme_id,
            beneficiary: account(50),
            amount_cents: 1,
        }),
    )
}

#[test]
fn residency_is_checked_when_required() {
    let mut world = World::new();
    assert!(
        world
            .act(ADMINISTRATOR, Action::CreateProgramme(rules(true)))
            .is_success()
    );
    let enrol = |b: u8| {
        Action::EnrolBeneficiary(EnrolBeneficiary {
            programme_id: 0,
            beneficiary: account(b),
            eligibility_commitment: Hash([1; 32]),
        })
    };
    assert_eq!(
        world.act(ADMINISTRATOR, enrol(50)).code,
        Code::NotEnrolled.number()
    );
    let resident = Action::EnrolResident(EnrolResident {
        collectivity: SIREN,
        resident: account(50),
        identity_commitment: Hash([2; 32]),
    });
    assert!(world.act(IDENTITY_REGISTRAR, resident).is_success());
    assert!(world.act(ADMINISTRATOR, enrol(50)).is_success());
    // Residency revoked later: no more orders.
    let revoke = Action::RevokeResident(RevokeResident {
        collectivity: SIREN,
        resident: account(50),
        reason_code: 4,
    });
    assert!(world.act(IDENTITY_REGISTRAR, revoke).is_success());
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 50, 100).code,
        Code::ResidentRevoked.number()
    );
}

#[test]
fn spending_only_at_accredited_merchants_within_balance() {
    let mut world = world_with_programme();
    assert!(order(&mut world, ADMINISTRATOR, 50, 1_000).is_success());
    assert!(execute(&mut world, ACCOUNTANT, 0).is_success());
    let spend = |merchant: u8, amount: u64| {
        Action::Spend(Spend {
            programme_id: 0,
            merchant: account(merchant),
            amount_cents: amount,
        })
    };
    assert_eq!(
        world.act(50, spend(JEWELLER, 100)).code,
        Code::MerchantNotAccredited.number(),
        "wrong category"
    );
    assert_eq!(
        world.act(50, spend(9, 100)).code,
        Code::MerchantNotAccredited.number(),
        "not a merchant"
    );
    assert_eq!(
        world.act(50, spend(GROCER, 1_001)).code,
        Code::InsufficientBalance.number()
    );
    assert_eq!(
        world.act(51, spend(GROCER, 1)).code,
        Code::InsufficientBalance.number()
    );
    assert_eq!(
        world.act(52, spend(GROCER, 1)).code,
        Code::NotBeneficiary.number()
    );
    assert!(world.act(50, spend(GROCER, 1_000)).is_success());
    assert_eq!(
        world
            .act(
                GROCER,
                Action::Redeem(Redeem {
                    programme_id: 0,
                    amount_cents: 1_001
                })
            )
            .code,
        Code::InsufficientBalance.number()
    );
    assert_eq!(
        world
            .act(
                JEWELLER,
                Action::Redeem(Redeem {
                    programme_id: 0,
                    amount_cents: 1
                })
            )
            .code,
        Code::InsufficientBalance.number()
    );
    assert!(programme(&world).is_conserved());
}

fn schedule(world: &mut World, to: u8, amount: u64) -> civitas_civic::Receipt {
    world.act(
        ADMINISTRATOR,
        Action::ScheduleRecurring(ScheduleRecurring {
            programme_id: 0,
            beneficiary: account(to),
            amount_cents: amount,
        }),
    )
}

fn ordered_in(outcome: &civitas_civic::BlockOutcome) -> Vec<(u64, u64)> {
    outcome
        .block_events
        .iter()
        .filter_map(|e| match e {
            Event::DisbursementOrdered {
                order_id,
                amount_cents,
                ..
            } => Some((*order_id, *amount_cents)),
            _ => None,
        })
        .collect()
}

#[test]
fn recurring_disbursements_are_ordered_by_the_chain_once_per_period() {
    let mut world = world_with_programme();
    assert!(schedule(&mut world, 50, 5_000).is_success());
    // The next block orders it for the current period; later blocks of the same period do not.
    let outcome = world.execute(&[]).unwrap();
    assert_eq!(ordered_in(&outcome), vec![(0, 5_000)]);
    assert!(ordered_in(&world.execute(&[]).unwrap()).is_empty());
    // The order is the ordonnateur's: a comptable executes it, the ordonnateur cannot.
    assert_eq!(
        execute(&mut world, ADMINISTRATOR, 0).code,
        Code::MissingRole.number()
    );
    assert!(execute(&mut world, ACCOUNTANT, 0).is_success());
    // Next period: ordered again, once, even after several periods without blocks.
    world.time_ms += 3 * MONTH_MS;
    assert_eq!(ordered_in(&world.execute(&[]).unwrap()), vec![(1, 5_000)]);
    assert!(ordered_in(&world.execute(&[]).unwrap()).is_empty());
    assert!(programme(&world).is_conserved());
    // Suspended: no more orders.
    let suspend = Action::SuspendRecurring(SuspendRecurring {
        programme_id: 0,
        schedule_id: 0,
    });
    assert_eq!(
        world.act(9, suspend.clone()).code,
        Code::MissingRole.number()
    );
    assert!(world.act(ADMINISTRATOR, suspend.clone()).is_success());
    assert_eq!(
        world.act(ADMINISTRATOR, suspend).code,
        Code::UnknownSchedule.number()
    );
    world.time_ms += MONTH_MS;
    assert!(ordered_in(&world.execute(&[]).unwrap()).is_empty());
}

#[test]
fn a_scheduled_order_that_breaks_a_rule_is_skipped_with_its_reason() {
    let mut world = world_with_programme();
    assert!(order(&mut world, ADMINISTRATOR, 50, 18_000).is_success());
    assert!(schedule(&mut world, 50, 5_000).is_success());
    let outcome = world.execute(&[]).unwrap();
    assert_eq!(
        outcome.block_events,
        vec![Event::RecurringSkipped {
            programme_id: 0,
            schedule_id: 0,
            period: 0,
            code: Code::CapExceeded.number()
        }]
    );
    assert!(programme(&world).is_conserved());
    // Scheduling rules.
    assert_eq!(
        schedule(&mut world, 52, 100).code,
        Code::NotBeneficiary.number()
    );
    assert_eq!(
        schedule(&mut world, 50, 0).code,
        Code::InvalidAmount.number()
    );
    assert_eq!(
        schedule(&mut world, 50, 20_001).code,
        Code::InvalidAmount.number(),
        "above the cap it could never be ordered"
    );
    // The block receipt commits the hook's events: leaf 0 of the receipts root.
    let root = outcome.receipts_root();
    let leaf = civitas_types::encode(&outcome.block_receipt());
    let tree =
        civitas_types::MerkleTree::from_leaf_hashes(vec![civitas_types::merkle::leaf_hash(&leaf)]);
    assert_eq!(tree.root(), root);
}

#[test]
fn a_beneficiary_enrolled_again_keeps_its_balance_and_its_cap_use() {
    let mut world = world_with_programme();
    assert!(order(&mut world, ADMINISTRATOR, 50, 20_000).is_success());
    assert!(execute(&mut world, ACCOUNTANT, 0).is_success());
    let revoke = Action::RevokeBeneficiary(RevokeBeneficiary {
        programme_id: 0,
        beneficiary: account(50),
    });
    assert!(world.act(ADMINISTRATOR, revoke).is_success());
    let enrol = Action::EnrolBeneficiary(EnrolBeneficiary {
        programme_id: 0,
        beneficiary: account(50),
        eligibility_commitment: Hash([9; 32]),
    });
    assert!(world.act(ADMINISTRATOR, enrol).is_success());
    let entry = beneficiary(&world, 50);
    assert_eq!(
        (entry.balance_cents, entry.ordered_in_period_cents),
        (20_000, 20_000)
    );
    assert_eq!(
        order(&mut world, ADMINISTRATOR, 50, 1).code,
        Code::CapExceeded.number(),
        "revoking and enrolling again does not reset the cap"
    );
    world.check_programmes();
}
