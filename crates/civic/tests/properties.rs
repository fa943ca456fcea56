//! Property tests over random sequences of civic actions by random actors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::aid::{Beneficiary, Programme, ProgrammeRules, ProgrammeStatus};
use civitas_civic::model::{Role, Scope};
use civitas_civic::{Action, Event, keys};
use civitas_types::{BoundedBytes, BoundedVec, Hash, SignedTransaction, decode};
use common::*;
use proptest::prelude::*;

const NAMESPACES: [&str; 3] = [
    "permits/building",
    "certificates/residence",
    "parking/permits",
];

fn aid_strategy() -> impl Strategy<Value = Action> {
    let person = 50u8..53;
    let amount = prop_oneof![1u64..3_000, 0u64..1, 19_000u64..21_000];
    prop_oneof![
        (person.clone(), any::<u8>()).prop_map(|(p, c)| Action::EnrolBeneficiary(
            EnrolBeneficiary {
                programme_id: 0,
                beneficiary: account(p),
                eligibility_commitment: Hash([c; 32])
            }
        )),
        person
            .clone()
            .prop_map(|p| Action::RevokeBeneficiary(RevokeBeneficiary {
                programme_id: 0,
                beneficiary: account(p)
            })),
        (person.clone(), amount.clone()).prop_map(|(p, a)| Action::OrderDisbursement(
            OrderDisbursement {
                programme_id: 0,
                beneficiary: account(p),
                amount_cents: a
            }
        )),
        (0u64..6).prop_map(|o| Action::ExecuteOrder(ExecuteOrder {
            programme_id: 0,
            order_id: o
        })),
        (0u64..6).prop_map(|o| Action::RejectOrder(RejectOrder {
            programme_id: 0,
            order_id: o,
            reason_code: 1
        })),
        (prop::sample::select(vec![GROCER, JEWELLER]), amount.clone()).prop_map(|(m, a)| {
            Action::Spend(Spend {
                programme_id: 0,
                merchant: account(m),
                amount_cents: a,
            })
        }),
        amount.prop_map(|a| Action::Redeem(Redeem {
            programme_id: 0,
            amount_cents: a
        })),
        Just(Action::CloseProgramme(CloseProgramme { programme_id: 0 })),
    ]
}

fn action_strategy() -> impl Strategy<Value = Action> {
    let ns = prop::sample::select(NAMESPACES.to_vec());
    let record = prop::sample::select(vec!["R-1", "R-2", "R-3"]);
    let person = 5u8..9;
    prop_oneof![
        (person.clone(), any::<u8>()).prop_map(|(p, c)| Action::EnrolResident(EnrolResident {
            collectivity: SIREN,
            resident: account(p),
            identity_commitment: Hash([c; 32])
        })),
        (person.clone(), any::<u16>()).prop_map(|(p, r)| Action::RevokeResident(RevokeResident {
            collectivity: SIREN,
            resident: account(p),
            reason_code: r
        })),
        (person.clone(), 0u64..40_000).prop_map(|(p, e)| Action::Delegate(Delegate {
            role: Role::IdentityRegistrar,
            scope: Scope::Collectivity(SIREN),
            delegate: account(p),
            expires_at_ms: 1_000_000 + e,
            act_hash: Hash([9; 32])
        })),
        person
            .clone()
            .prop_map(|p| Action::RevokeDelegation(RevokeDelegation {
                role: Role::IdentityRegistrar,
                scope: Scope::Collectivity(SIREN),
                delegate: account(p)
            })),
        (
            ns.clone(),
            record.clone(),
            any::<u8>(),
            proptest::option::of(person.clone())
        )
            .prop_map(|(n, r, d, o)| Action::RegisterRecord(RegisterRecord {
                namespace: namespace(n),
                record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap(),
                document_hash: Hash([d; 32]),
                metadata: metadata_for(n, u32::from(d)),
                owner: o.map(account),
            })),
        (ns.clone(), record.clone(), any::<u8>()).prop_map(|(n, r, d)| Action::AmendRecord(
            AmendRecord {
                namespace: namespace(n),
                record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap(),
                document_hash: Hash([d; 32]),
                metadata: metadata_for(n, u32::from(d)),
            }
        )),
        (ns.clone(), record.clone(), person.clone()).prop_map(|(n, r, p)| {
            Action::RequestTransfer(RequestTransfer {
                namespace: namespace(n),
                record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap(),
                new_owner: account(p),
            })
        }),
        (ns.clone(), record.clone()).prop_map(|(n, r)| Action::ApproveTransfer(ApproveTransfer {
            namespace: namespace(n),
            record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap()
        })),
        (ns, record, any::<u16>()).prop_map(|(n, r, c)| Action::RevokeRecord(RevokeRecord {
            namespace: namespace(n),
            record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap(),
            reason_code: c
        })),
    ]
}

/// Actors: the offices (1, 2, 3, 10, 11, 12), merchants (13, 14), citizens
/// (5..9) and beneficiaries (50..53); any may try any action.
fn step_strategy() -> impl Strategy<Value = Vec<(u8, Action)>> {
    let actor = prop::sample::select(vec![1u8, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 14, 50, 51, 52]);
    let action = prop_oneof![action_strategy(), aid_strategy(), aid_strategy()];
    proptest::collection::vec((actor, action), 1..8)
}

/// The aid invariants of PRODUCT.md, checked on the whole state.
fn check_aid_invariants(world: &World) -> Result<(), TestCaseError> {
    let Some(bytes) = world.state.entries.get(&keys::programme(0)) else {
        return Ok(());
    };
    let programme: Programme = decode(bytes).unwrap();
    prop_assert!(
        programme.is_conserved(),
        "conservation law broken: {programme:?}"
    );
    prop_assert!(programme.unreserved_cents <= programme.rules.budget_cents);
    let mut beneficiaries = 0u64;
    let mut merchants = 0u64;
    for (key, value) in &world.state.entries {
        match key.first() {
            Some(&keys::table::BENEFICIARY) => {
                let entry: Beneficiary = decode(value).unwrap();
                prop_assert!(
                    entry.ordered_in_period_cents <= programme.rules.cap_per_period_cents,
                    "cap exceeded"
                );
                beneficiaries += entry.balance_cents;
            }
            Some(&keys::table::MERCHANT_BALANCE) => merchants += decode::<u64>(value).unwrap(),
            _ => {}
        }
    }
    if programme.status == ProgrammeStatus::Open {
        prop_assert_eq!(beneficiaries, programme.beneficiary_balances_cents);
    } else {
        prop_assert_eq!(programme.beneficiary_balances_cents, 0);
    }
    prop_assert_eq!(merchants, programme.merchant_balances_cents);
    Ok(())
}

fn aid_rules() -> ProgrammeRules {
    ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 60_000,
        cap_per_period_cents: 20_000,
        period_ms: 20_000,
        starts_at_ms: 0,
        ends_at_ms: u64::MAX,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: false,
    }
}

fn sign_block(world: &World, steps: &[(u8, Action)]) -> Vec<SignedTransaction> {
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn blocks_are_deterministic_and_failures_leave_no_trace(blocks in proptest::collection::vec(step_strategy(), 1..8)) {
        let mut world = World::new();
        prop_assert!(world.act(ADMINISTRATOR, Action::CreateProgramme(aid_rules())).is_success());
        for steps in blocks {
            let transactions = sign_block(&world, &steps);
            // Determinism: the same block over the same state, twice.
            let first = civitas_civic::execute_block(&world.state, &world.context(), &transactions).unwrap();
            let second = civitas_civic::execute_block(&world.state.clone(), &world.context(), &transactions).unwrap();
            prop_assert_eq!(&first, &second);
            prop_assert_eq!(first.receipts.len(), transactions.len());
            // Failed transactions: replayed one per block from the same start, a failed
            // one writes nothing but its account's sequence.
            let mut solo = World { state: world.state.clone(), height: world.height, time_ms: world.time_ms, sequences: world.sequences.clone() };
            for (tx, receipt) in transactions.iter().zip(&first.receipts) {
                let alone = civitas_civic::execute_block(&solo.state, &solo.context(), std::slice::from_ref(tx)).unwrap();
                let recorded = !alone.receipts[0].is_success() && !alone.receipts[0].events.is_empty();
                if recorded {
                    // A failure whose refusal is recorded: only an order lapsing.
                    let lapsed = matches!(alone.receipts[0].events[..], [Event::OrderLapsed { .. }]);
                    prop_assert!(lapsed);
                }
                if !alone.receipts[0].is_success() && !recorded {
                    // Beyond what the block's hooks write anyway (an empty block shows
                    // it), a failed transaction writes only its account's sequence.
                    let hooks = civitas_civic::execute_block(&solo.state, &solo.context(), &[]).unwrap();
                    let mut extra = alone.writes.clone();
                    for (key, value) in &hooks.writes {
                        let removed = extra.remove(key);
                        prop_assert_eq!(removed.as_ref(), Some(value));
                    }
                    prop_assert_eq!(extra.keys().cloned().collect::<Vec<_>>(), vec![keys::account(&tx.body.signer)]);
                    prop_assert!(alone.receipts[0].events.is_empty());
                }
                solo.state.apply(alone.writes);
                let _ = receipt;
            }
            // Sequential single-transaction blocks reach the same state as the whole block.
            let mut whole = world.state.clone();
            whole.apply(first.writes.clone());
            prop_assert_eq!(&whole, &solo.state);
            world.execute(&transactions).unwrap();
            check_aid_invariants(&world)?;
        }
    }
}
