//! Floods of fresh keys: signers the state does not know take a bounded share
//! of the pool and of each block, and never push out the accounts it knows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::keys::table;
use civitas_civic::{MemoryState, execute_block};
use civitas_mempool::{
    Mempool, MempoolConfig, Rejection, UNKNOWN_PER_BLOCK_MAX, UNKNOWN_TRANSACTIONS_MAX,
};
use civitas_types::{Signature, SignedTransaction, encode};
use common::*;

const FLOOD: u32 = 100_000;
/// Known accounts' keys start here, far from the flood's.
const KNOWN_BASE: u32 = 1_000_000;
const KNOWN: u32 = 3;
const BLOCK: usize = 1_000;

fn admit(
    pool: &mut Mempool,
    state: &MemoryState,
    height: u64,
    txs: &[SignedTransaction],
) -> Vec<Result<civitas_types::Hash, Rejection>> {
    let encoded: Vec<Vec<u8>> = txs.iter().map(encode).collect();
    pool.admit_batch(state, &context_at(height), &encoded)
}

/// New account entries a block's writes add to `state`.
fn new_accounts(
    state: &MemoryState,
    writes: &std::collections::BTreeMap<Vec<u8>, Option<Vec<u8>>>,
) -> usize {
    writes
        .keys()
        .filter(|key| key.first() == Some(&table::ACCOUNT) && !state.entries.contains_key(*key))
        .count()
}

#[test]
fn a_flood_of_fresh_keys_does_not_crowd_out_known_accounts() {
    let mut state = genesis(indexed_key(u32::MAX).public_key());
    for k in 0..KNOWN {
        make_known(&mut state, &indexed_account(KNOWN_BASE + k));
    }
    let mut pool = Mempool::new(MempoolConfig::default());
    // 100,000 fresh keys, one transaction each, in gossip-sized batches; the
    // known accounts' first transactions arrive in the middle of it.
    let flood: Vec<SignedTransaction> = (0..FLOOD).map(|i| indexed_transaction(i, 0)).collect();
    let mut refused = 0;
    for (n, chunk) in flood.chunks(4_096).enumerate() {
        if n == 12 {
            let known: Vec<SignedTransaction> = (0..KNOWN)
                .map(|k| indexed_transaction(KNOWN_BASE + k, 0))
                .collect();
            assert!(
                admit(&mut pool, &state, 1, &known)
                    .iter()
                    .all(Result::is_ok)
            );
        }
        for result in admit(&mut pool, &state, 1, chunk) {
            match result {
                Ok(_) => {}
                Err(Rejection::UnknownSignersFull(UNKNOWN_TRANSACTIONS_MAX)) => refused += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!(pool.unknown_len(), UNKNOWN_TRANSACTIONS_MAX);
    assert_eq!(refused, FLOOD as usize - UNKNOWN_TRANSACTIONS_MAX);
    assert_eq!(pool.len(), UNKNOWN_TRANSACTIONS_MAX + KNOWN as usize);

    // Blocks: every known account's pending transaction goes in the next block,
    // the flood's share of each block and its new state entries stay bounded,
    // and the flood keeps pushing (the refused keys try again after each block).
    for height in 1..=4u64 {
        let selected = pool
            .select(
                &state,
                civitas_types::TransactionBudget::new(usize::MAX, BLOCK),
                height,
            )
            .unwrap();
        for k in 0..KNOWN {
            let signer = indexed_account(KNOWN_BASE + k);
            assert!(
                selected
                    .iter()
                    .any(|t| t.body.signer == signer && t.body.sequence == height - 1),
                "known account {k} missing from block {height}"
            );
        }
        let outcome = execute_block(
            &state,
            &context_at(height),
            &selected,
            civitas_civic::BlockEvidence::none(),
        )
        .unwrap();
        let added = new_accounts(&state, &outcome.writes);
        assert!(
            added <= UNKNOWN_PER_BLOCK_MAX,
            "block {height} adds {added} accounts"
        );
        assert_eq!(selected.len(), KNOWN as usize + UNKNOWN_PER_BLOCK_MAX);
        state.apply(outcome.writes);
        pool.on_commit(&state, &context_at(height + 1)).unwrap();
        let retry_from = UNKNOWN_TRANSACTIONS_MAX as u32 + (height as u32 - 1) * 4_096;
        let retry: Vec<SignedTransaction> = (retry_from..retry_from + 4_096)
            .map(|i| indexed_transaction(i, 0))
            .collect();
        admit(&mut pool, &state, height + 1, &retry);
        let next: Vec<SignedTransaction> = (0..KNOWN)
            .map(|k| indexed_transaction(KNOWN_BASE + k, height))
            .collect();
        assert!(
            admit(&mut pool, &state, height + 1, &next)
                .iter()
                .all(Result::is_ok)
        );
        assert_eq!(pool.unknown_len(), UNKNOWN_TRANSACTIONS_MAX);
    }
}

fn small_config() -> MempoolConfig {
    MempoolConfig {
        transactions_max: 10,
        per_account_max: 4,
        sequences_ahead_max: 4,
        verified_ids_max: 100,
        unknown_transactions_max: 10,
        unknown_per_block_max: 10,
    }
}

#[test]
fn unknown_signers_never_push_out_known_ones() {
    let mut state = genesis(indexed_key(u32::MAX).public_key());
    for k in 0..20 {
        make_known(&mut state, &indexed_account(KNOWN_BASE + k));
    }
    let mut pool = Mempool::new(small_config());
    let fresh: Vec<SignedTransaction> = (0..10).map(|i| indexed_transaction(i, 0)).collect();
    assert!(
        admit(&mut pool, &state, 1, &fresh)
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(pool.len(), 10);
    // A full pool: each known newcomer pushes an unknown signer's transaction out.
    let known: Vec<SignedTransaction> = (0..10)
        .map(|k| indexed_transaction(KNOWN_BASE + k, 0))
        .collect();
    assert!(
        admit(&mut pool, &state, 1, &known)
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!((pool.len(), pool.unknown_len()), (10, 0));
    // Now unknown signers find no room, and a forged one is refused before its
    // signature costs anything (the pool could not take it anyway).
    let mut forged = indexed_transaction(50, 0);
    forged.signatures =
        civitas_types::BoundedVec::try_from_vec(vec![civitas_types::TransactionSignature {
            public_key: forged.signatures[0].public_key,
            signature: Signature([1; 64]),
        }])
        .unwrap();
    let results = admit(&mut pool, &state, 1, &[indexed_transaction(40, 0), forged]);
    assert_eq!(
        results,
        vec![Err(Rejection::PoolFull), Err(Rejection::PoolFull)]
    );
    // Among known accounts the old rule holds: nobody holds more than a
    // newcomer would, so nobody is pushed out (tests/admission.rs has the rest).
    let results = admit(
        &mut pool,
        &state,
        1,
        &[indexed_transaction(KNOWN_BASE + 10, 0)],
    );
    assert_eq!(results, vec![Err(Rejection::PoolFull)]);
}

#[test]
fn an_account_whose_transaction_was_included_becomes_known() {
    let mut state = genesis(indexed_key(u32::MAX).public_key());
    let mut pool = Mempool::new(small_config());
    let pending = vec![indexed_transaction(1, 0), indexed_transaction(1, 1)];
    assert!(
        admit(&mut pool, &state, 1, &pending)
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(pool.unknown_len(), 2);
    let outcome = execute_block(
        &state,
        &context_at(1),
        &pending[..1],
        civitas_civic::BlockEvidence::none(),
    )
    .unwrap();
    state.apply(outcome.writes);
    pool.on_commit(&state, &context_at(2)).unwrap();
    assert_eq!((pool.len(), pool.unknown_len()), (1, 0));
}
