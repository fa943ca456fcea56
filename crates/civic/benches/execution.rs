//! Civic execution throughput: blocks of 10,000 mixed transactions over the
//! in-memory state, signatures already verified (as in a node, where the mempool
//! verified them). Run: `cargo bench -p civitas-civic --bench execution`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[path = "../tests/common/mod.rs"]
mod common;

use civitas_civic::action::*;
use civitas_civic::aid::ProgrammeRules;
use civitas_civic::{Action, execute_block};
use civitas_types::{
    AccountId, BoundedBytes, BoundedVec, Hash, SignedTransaction, SigningKey, TransactionBody,
    encode,
};
use common::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::collections::BTreeMap;

const PER_KIND: usize = 2_500;

fn beneficiary_key(i: usize) -> SigningKey {
    let mut seed = [0xbe; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    SigningKey::from_seed(&seed)
}

fn signed(key: &SigningKey, sequence: u64, action: &Action) -> SignedTransaction {
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: u64::MAX,
        payload: BoundedBytes::try_from_vec(encode(action)).unwrap(),
    };
    SignedTransaction::sign(body, &[key]).unwrap()
}

struct Sequencer(BTreeMap<AccountId, u64>);

impl Sequencer {
    fn tx(&mut self, key: &SigningKey, action: &Action) -> SignedTransaction {
        let account = AccountId::from_public_key(&key.public_key());
        let sequence = self.0.entry(account).or_insert(0);
        let tx = signed(key, *sequence, action);
        *sequence += 1;
        tx
    }
}

/// A state with a programme, 2,500 funded beneficiaries and 2,500 pending
/// orders; and the block to measure: 2,500 each of orders, executions,
/// spending and record registrations.
fn setup() -> (World, Vec<SignedTransaction>) {
    let mut world = World::new();
    let mut seq = Sequencer(BTreeMap::new());
    let rules = ProgrammeRules {
        collectivity: SIREN,
        budget_cents: u64::MAX / 4,
        cap_per_period_cents: 1_000_000,
        period_ms: 1_000_000_000,
        starts_at_ms: 0,
        ends_at_ms: u64::MAX,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: false,
    };
    let admin = key(ADMINISTRATOR);
    let accountant = key(ACCOUNTANT);
    let mut block = vec![seq.tx(&admin, &Action::CreateProgramme(rules))];
    for i in 0..PER_KIND {
        let beneficiary = AccountId::from_public_key(&beneficiary_key(i).public_key());
        block.push(seq.tx(
            &admin,
            &Action::EnrolBeneficiary(EnrolBeneficiary {
                programme_id: 0,
                beneficiary,
                eligibility_commitment: Hash([1; 32]),
            }),
        ));
        block.push(seq.tx(
            &admin,
            &Action::OrderDisbursement(OrderDisbursement {
                programme_id: 0,
                beneficiary,
                amount_cents: 10_000,
            }),
        ));
        block.push(seq.tx(
            &accountant,
            &Action::ExecuteOrder(ExecuteOrder {
                programme_id: 0,
                order_id: i as u64,
            }),
        ));
        block.push(seq.tx(
            &admin,
            &Action::OrderDisbursement(OrderDisbursement {
                programme_id: 0,
                beneficiary,
                amount_cents: 5_000,
            }),
        ));
    }
    let outcome = execute_block(
        &world.state,
        &world.context(),
        &block,
        civitas_civic::BlockEvidence::none(),
    )
    .unwrap();
    assert!(outcome.receipts.iter().all(|r| r.is_success()));
    world.state.apply(outcome.writes);
    world.height += 1;
    let grocer = AccountId::from_public_key(&key(GROCER).public_key());
    let mut measured = Vec::with_capacity(4 * PER_KIND);
    for i in 0..PER_KIND {
        let beneficiary = AccountId::from_public_key(&beneficiary_key(i).public_key());
        measured.push(seq.tx(
            &admin,
            &Action::OrderDisbursement(OrderDisbursement {
                programme_id: 0,
                beneficiary,
                amount_cents: 100,
            }),
        ));
        measured.push(seq.tx(
            &accountant,
            &Action::ExecuteOrder(ExecuteOrder {
                programme_id: 0,
                order_id: (PER_KIND + i) as u64,
            }),
        ));
        measured.push(seq.tx(
            &beneficiary_key(i),
            &Action::Spend(Spend {
                programme_id: 0,
                merchant: grocer,
                amount_cents: 700,
            }),
        ));
        measured.push(seq.tx(
            &key(CITY_REGISTRAR),
            &Action::RegisterRecord(RegisterRecord {
                namespace: namespace("permits/building"),
                record_id: BoundedBytes::try_from_vec(format!("PC-{i:06}").into_bytes()).unwrap(),
                // One document per record: a namespace refuses a hash
                // another record holds (609).
                document_hash: Hash::tagged(
                    civitas_types::Domain::StateValue,
                    &(i as u64).to_le_bytes(),
                ),
                metadata: metadata_for("permits/building", i as u32),
                owner: Some(beneficiary),
            }),
        ));
    }
    (world, measured)
}

fn execution(c: &mut Criterion) {
    let (world, block) = setup();
    let outcome = execute_block(
        &world.state,
        &world.context(),
        &block,
        civitas_civic::BlockEvidence::none(),
    )
    .unwrap();
    assert!(
        outcome.receipts.iter().all(|r| r.is_success()),
        "every measured transaction succeeds"
    );
    let mut group = c.benchmark_group("civic");
    group.sample_size(20);
    group.throughput(Throughput::Elements(block.len() as u64));
    group.bench_function("execute_block_10000_mixed", |b| {
        b.iter(|| {
            execute_block(
                &world.state,
                &world.context(),
                &block,
                civitas_civic::BlockEvidence::none(),
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, execution);
criterion_main!(benches);
