//! The verified cache is keyed by body *and* signatures: a block carrying an
//! admitted body with forged signatures gets the same verdict on a node that
//! cached the honest transaction as on a node that never saw it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_mempool::{InvalidSignatures, Mempool, MempoolConfig};
use civitas_types::{BoundedVec, Signature, SignedTransaction, TransactionSignature, encode};
use common::*;

fn forge(honest: &SignedTransaction, signature: Signature) -> SignedTransaction {
    let mut forged = honest.clone();
    forged.signatures = BoundedVec::try_from_vec(vec![TransactionSignature {
        public_key: honest.signatures[0].public_key,
        signature,
    }])
    .unwrap();
    forged
}

#[test]
fn a_cached_id_does_not_vouch_for_other_signatures() {
    let state = genesis(indexed_key(u32::MAX).public_key());
    let honest = indexed_transaction(1, 0);
    // Same body (same id), signatures not by the signer's key over this id.
    let forged_garbage = forge(&honest, Signature([7; 64]));
    let forged_other_message = forge(&honest, indexed_key(1).sign(b"another message"));
    assert_eq!(honest.id(), forged_garbage.id());

    let mut cached = Mempool::new(MempoolConfig::default());
    let results = cached.admit_batch(&state, &context_at(1), &[encode(&honest)]);
    assert!(results[0].is_ok());
    let fresh = Mempool::new(MempoolConfig::default());

    assert!(cached.is_verified(&honest));
    assert!(!cached.is_verified(&forged_garbage));
    for forged in [&forged_garbage, &forged_other_message] {
        let block = vec![indexed_transaction(2, 0), forged.clone()];
        let expected = Err(InvalidSignatures { positions: vec![1] });
        assert_eq!(cached.verify_block_signatures(&block), expected);
        assert_eq!(fresh.verify_block_signatures(&block), expected);
    }
    // The honest block passes on both, from the cache or by verification.
    let block = vec![honest.clone(), indexed_transaction(2, 0)];
    assert_eq!(cached.verify_block_signatures(&block), Ok(()));
    assert_eq!(fresh.verify_block_signatures(&block), Ok(()));
}

#[test]
fn block_signatures_are_judged_per_transaction_across_sub_batches() {
    // 300 transactions (several sub-batches, both cores), every 7th forged: exactly
    // those are named, in order.
    let pool = Mempool::new(MempoolConfig::default());
    let block: Vec<SignedTransaction> = (0..300u32)
        .map(|i| {
            let honest = indexed_transaction(i, 0);
            if i % 7 == 3 {
                forge(&honest, Signature([i as u8; 64]))
            } else {
                honest
            }
        })
        .collect();
    let expected: Vec<usize> = (0..300).filter(|i| i % 7 == 3).collect();
    assert_eq!(
        pool.verify_block_signatures(&block),
        Err(InvalidSignatures {
            positions: expected
        })
    );
}

#[test]
fn a_replay_with_larger_batches_names_the_same_transactions() {
    // 1,200 transactions: batches of up to REPLAY_SUB_BATCH_MAX on 1 to 3
    // threads, and the pool's batches of 64; forged ones sparse, then a run
    // of them, then the very last: every path names exactly those.
    let forged_at = |i: u32| i % 97 == 5 || (600..620).contains(&i) || i == 1199;
    let block: Vec<SignedTransaction> = (0..1200u32)
        .map(|i| {
            let honest = indexed_transaction(i, 0);
            if forged_at(i) {
                forge(&honest, indexed_key(i).sign(b"another message"))
            } else {
                honest
            }
        })
        .collect();
    let expected = Err(InvalidSignatures {
        positions: (0..1200u32)
            .filter(|i| forged_at(*i))
            .map(|i| i as usize)
            .collect(),
    });
    let pool = Mempool::new(MempoolConfig::default());
    assert_eq!(pool.verify_block_signatures(&block), expected);
    for threads in [1, 2, 3] {
        assert_eq!(
            Mempool::verify_signatures_on(&block, threads),
            expected,
            "{threads} threads"
        );
    }
    let honest: Vec<SignedTransaction> = (0..1200u32).map(|i| indexed_transaction(i, 0)).collect();
    assert_eq!(Mempool::verify_signatures_on(&honest, 2), Ok(()));
}
