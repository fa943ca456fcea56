//! Mempool admission rate, signature verification included, on all cores: the
//! best case (an empty pool), a full pool (every newcomer evicts), a batch with
//! 10 % bad signatures, one with a single bad signature, and a flood of fresh
//! keys once their share of the pool is full.
//! Run: `cargo bench -p civitas-mempool --bench admission`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_civic::action::*;
use civitas_civic::model::{
    AccountState, ChainParameters, Collectivity, Role, Scope, Siren, ValidatorEntry,
};
use civitas_civic::{Action, BlockContext, GenesisState, MemoryState, keys};
use civitas_mempool::{Mempool, MempoolConfig, Rejection};
use civitas_types::{
    AccountId, BoundedBytes, BoundedVec, ChainId, SignedTransaction, SigningKey, TransactionBody,
    TransactionSignature, encode,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const BATCH: usize = 4_096;
/// Accounts filling the pool, 16 transactions each: 100,000, the default capacity.
const FILLERS: u32 = 6_250;
const FILLER_BASE: u32 = 1_000_000;
const NEWCOMER_BASE: u32 = 2_000_000;

fn key(i: u32) -> SigningKey {
    let mut seed = [0x4b; 32];
    seed[..4].copy_from_slice(&i.to_le_bytes());
    SigningKey::from_seed(&seed)
}

fn account(i: u32) -> AccountId {
    AccountId::from_public_key(&key(i).public_key())
}

fn chain_id() -> ChainId {
    ChainId::new("civitas-bench-1").unwrap()
}

fn transaction(i: u32, sequence: u64) -> SignedTransaction {
    let action = encode(&Action::RevokeDelegation(RevokeDelegation {
        role: Role::Registrar,
        scope: Scope::Collectivity(Siren(200_046_977)),
        delegate: AccountId([1; 32]),
    }));
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: account(i),
        sequence,
        expiry_height: 1_000,
        payload: BoundedBytes::try_from_vec(action).unwrap(),
    };
    SignedTransaction::sign(body, &[&key(i)]).unwrap()
}

/// A valid-looking signature by the right key over another message.
fn forged(i: u32) -> Vec<u8> {
    let mut t = transaction(i, 0);
    t.signatures = BoundedVec::try_from_vec(vec![TransactionSignature {
        public_key: key(i).public_key(),
        signature: key(i).sign(b"not this transaction"),
    }])
    .unwrap();
    encode(&t)
}

/// Genesis, with account bookkeeping for the fillers and the known newcomers.
fn state() -> MemoryState {
    let siren = Siren(200_046_977);
    let mut state = GenesisState {
        collectivities: vec![Collectivity {
            siren,
            name: BoundedBytes::try_from_vec(b"Ville".to_vec()).unwrap(),
            voting_power: 1,
            council_account: AccountId([9; 32]),
        }],
        validators: vec![ValidatorEntry {
            public_key: key(u32::MAX).public_key(),
            network_key: key(u32::MAX - 1).public_key(),
            power: 1,
            siren,
        }],
        parameters: ChainParameters::default(),
        ..Default::default()
    }
    .build()
    .unwrap();
    let known =
        (FILLER_BASE..FILLER_BASE + FILLERS).chain(NEWCOMER_BASE..NEWCOMER_BASE + BATCH as u32);
    for i in known {
        state
            .entries
            .insert(keys::account(&account(i)), encode(&AccountState::default()));
    }
    state
}

fn admission(c: &mut Criterion) {
    let state = state();
    let context = BlockContext {
        chain_id: chain_id(),
        height: 1,
        time_ms: 0,
        protocol_version: civitas_types::PROTOCOL_VERSION,
    };
    let fresh: Vec<Vec<u8>> = (0..BATCH as u32)
        .map(|i| encode(&transaction(i, 0)))
        .collect();
    let tenth_bad: Vec<Vec<u8>> = (0..BATCH as u32)
        .map(|i| {
            if i % 10 == 0 {
                forged(i)
            } else {
                fresh[i as usize].clone()
            }
        })
        .collect();
    let one_bad: Vec<Vec<u8>> = (0..BATCH as u32)
        .map(|i| {
            if i == BATCH as u32 / 2 {
                forged(i)
            } else {
                fresh[i as usize].clone()
            }
        })
        .collect();
    let known_newcomers: Vec<Vec<u8>> = (NEWCOMER_BASE..NEWCOMER_BASE + BATCH as u32)
        .map(|i| encode(&transaction(i, 0)))
        .collect();
    let mut full = Mempool::new(MempoolConfig::default());
    for i in FILLER_BASE..FILLER_BASE + FILLERS {
        let queue: Vec<Vec<u8>> = (0..16).map(|s| encode(&transaction(i, s))).collect();
        assert!(
            full.admit_batch(&state, &context, &queue)
                .iter()
                .all(Result::is_ok)
        );
    }
    assert_eq!(full.len(), MempoolConfig::default().transactions_max);
    // Fresh keys up to their share of the pool; the batch then finds it full.
    let mut share_full = Mempool::new(MempoolConfig::default());
    let share: Vec<Vec<u8>> = (10_000_000
        ..10_000_000 + MempoolConfig::default().unknown_transactions_max as u32)
        .map(|i| encode(&transaction(i, 0)))
        .collect();
    assert!(
        share_full
            .admit_batch(&state, &context, &share)
            .iter()
            .all(Result::is_ok)
    );

    let mut group = c.benchmark_group("mempool");
    group.sample_size(20);
    group.throughput(Throughput::Elements(BATCH as u64));
    let cases: [(&str, &Mempool, &[Vec<u8>], usize); 5] = [
        (
            "admit_batch_4096_distinct_accounts",
            &Mempool::new(MempoolConfig::default()),
            &fresh,
            BATCH,
        ),
        (
            "admit_batch_4096_known_into_full_pool",
            &full,
            &known_newcomers,
            BATCH,
        ),
        (
            "admit_batch_4096_one_bad_signature",
            &Mempool::new(MempoolConfig::default()),
            &one_bad,
            BATCH - 1,
        ),
        (
            "admit_batch_4096_tenth_bad_signatures",
            &Mempool::new(MempoolConfig::default()),
            &tenth_bad,
            BATCH - BATCH.div_ceil(10),
        ),
        (
            "admit_batch_4096_fresh_keys_share_full",
            &share_full,
            &fresh,
            0,
        ),
    ];
    for (name, start, batch, admitted) in cases {
        group.bench_function(name, |b| {
            b.iter_batched(
                || start.clone(),
                |mut pool| {
                    let results = pool.admit_batch(&state, &context, batch);
                    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), admitted);
                    if admitted == 0 {
                        assert!(matches!(results[0], Err(Rejection::UnknownSignersFull(_))));
                    }
                    pool
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, admission);
criterion_main!(benches);
