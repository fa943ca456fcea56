//! Ledger benchmarks (docs/performance.md, "Ledger"):
//! - tree: 30,000 changes applied to a 1,000,000-key state tree — the ledger's tree
//!   (`civitas_state_tree::StateTree`, re-exported) and, in the same run, jmt 0.12 with its in-memory store (the candidate it was
//!   measured against; docs/decisions/0009-state-tree.md);
//! - commit: a block of 10,000 transactions and 30,000 state writes on 1,000,000
//!   keys, prepared (tree) and committed (one synced write batch);
//! - reads: random point reads of the latest state, warm cache;
//! - proofs: generating and verifying state proofs.
//!
//! `CIVITAS_BENCH_KEYS` overrides the state size (default 1,000,000).
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::{Duration, Instant};

use civitas_ledger::testing::{NextBlock, TestChain, state_key};
use civitas_ledger::{Ledger, LedgerConfig, StateTree};
use civitas_types::state_proof::{key_hash, value_hash, verify_state};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TRANSACTIONS: usize = 10_000;
const WRITES: u64 = 30_000;

fn state_keys() -> u64 {
    std::env::var("CIVITAS_BENCH_KEYS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

fn chain() -> TestChain {
    TestChain::new(4, state_keys(), TRANSACTIONS, WRITES)
}

fn tree(c: &mut Criterion) {
    let chain = chain();
    let genesis = chain.genesis();
    let leaves: Vec<_> = genesis
        .iter()
        .map(|(k, v)| (key_hash(k), value_hash(v)))
        .collect();
    let base = StateTree::from_leaves(leaves).unwrap();
    let changes: Vec<_> = chain
        .writes_at(1)
        .iter()
        .map(|(k, v)| (key_hash(k), v.as_deref().map(value_hash)))
        .collect();
    let mut group = c.benchmark_group("tree");
    group.sample_size(10);
    group.throughput(Throughput::Elements(changes.len() as u64));
    group.bench_function("civitas_apply_30k_on_1m", |b| {
        b.iter(|| base.apply(changes.clone()).unwrap().root_hash())
    });

    // jmt with its in-memory store, on the same keys and values.
    let store = jmt::mock::MockTreeStore::default();
    let jmt_tree = jmt::JellyfishMerkleTree::<_, sha2_010::Sha256>::new(&store);
    let initial = genesis
        .iter()
        .map(|(k, v)| (jmt::KeyHash::with::<sha2_010::Sha256>(k), Some(v.clone())));
    let (_, batch) = jmt_tree.put_value_set(initial, 0).unwrap();
    store.write_tree_update_batch(batch).unwrap();
    let updates: Vec<_> = chain
        .writes_at(1)
        .into_iter()
        .map(|(k, v)| (jmt::KeyHash::with::<sha2_010::Sha256>(&k), v))
        .collect();
    let mut version = 0;
    group.bench_function("jmt_put_value_set_30k_on_1m", |b| {
        b.iter(|| {
            version += 1;
            let (root, batch) = jmt_tree.put_value_set(updates.clone(), version).unwrap();
            store.write_tree_update_batch(batch).unwrap();
            root
        })
    });
    group.finish();
}

fn ledger_with_state(dir: &tempfile::TempDir, chain: &TestChain) -> Ledger {
    Ledger::create(
        LedgerConfig::new(dir.path().join("ledger")),
        chain.identity.clone(),
        &chain.genesis(),
    )
    .unwrap()
}

fn commit(c: &mut Criterion) {
    let chain = chain();
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = ledger_with_state(&dir, &chain);
    ledger.flush().unwrap();
    let mut group = c.benchmark_group("commit");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(TRANSACTIONS as u64));
    // Each iteration commits a new block; building and signing it is not timed.
    group.bench_function("prepare_10k_tx_30k_writes_on_1m", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let writes = chain.writes_at(ledger.height() + 1);
                let start = Instant::now();
                let prepared = ledger.prepare(writes).unwrap();
                total += start.elapsed();
                std::hint::black_box(prepared.root());
            }
            total
        })
    });
    group.bench_function("write_synced_10k_tx_30k_writes_on_1m", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let NextBlock {
                    block,
                    certificate,
                    receipts,
                    state,
                } = chain.next_block(&ledger);
                let start = Instant::now();
                ledger
                    .commit(&block, &certificate, &receipts, state)
                    .unwrap();
                total += start.elapsed();
            }
            total
        })
    });
    group.bench_function("prepare_and_commit_10k_tx_30k_writes_on_1m", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                // The block is built (and signed) first; its state is prepared again
                // inside the timed section, as a validator does on receiving it.
                let NextBlock {
                    block,
                    certificate,
                    receipts,
                    ..
                } = chain.next_block(&ledger);
                let writes = chain.writes_at(ledger.height() + 1);
                let start = Instant::now();
                let state = ledger.prepare(writes).unwrap();
                ledger
                    .commit(&block, &certificate, &receipts, state)
                    .unwrap();
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

fn reads_and_proofs(c: &mut Criterion) {
    let chain = chain();
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_state(&dir, &chain);
    ledger.flush().unwrap();
    let keys: Vec<Vec<u8>> = (0..100_000u64)
        .map(|i| state_key(i.wrapping_mul(2_654_435_761) % chain.genesis_keys))
        .collect();
    // Warm the cache.
    for key in &keys {
        ledger.get(key).unwrap();
    }
    let mut group = c.benchmark_group("reads");
    group.sample_size(10);
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("random_get_100k_of_1m", |b| {
        b.iter(|| {
            for key in &keys {
                std::hint::black_box(ledger.get(key).unwrap());
            }
        })
    });
    group.finish();

    let proven: Vec<_> = keys
        .iter()
        .take(10_000)
        .map(|k| (k, ledger.prove(k).unwrap()))
        .collect();
    let mut group = c.benchmark_group("proofs");
    group.sample_size(10);
    group.throughput(Throughput::Elements(proven.len() as u64));
    group.bench_function("prove_10k_of_1m", |b| {
        b.iter(|| {
            for (key, _) in &proven {
                std::hint::black_box(ledger.prove(key).unwrap());
            }
        })
    });
    group.bench_function("verify_10k", |b| {
        b.iter(|| {
            for (key, proven) in &proven {
                verify_state(&proven.root, key, proven.value.as_deref(), &proven.proof).unwrap();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, tree, commit, reads_and_proofs);
criterion_main!(benches);
