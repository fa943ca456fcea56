//! Property test: whatever is submitted, the pool stays within its bounds and
//! blocks take each account's transactions in order without gaps or repeats.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use civitas_civic::action::*;
use civitas_civic::model::{Role, Scope, Siren};
use civitas_civic::{Action, BlockContext, MemoryState};
use civitas_mempool::{Mempool, MempoolConfig};
use civitas_types::{
    AccountId, BoundedBytes, ChainId, Signature, SignedTransaction, SigningKey, TransactionBody,
    TransactionSignature, encode,
};
use proptest::prelude::*;

fn key(i: u8) -> SigningKey {
    SigningKey::from_seed(&[i.wrapping_add(100); 32])
}

fn state() -> MemoryState {
    common::genesis(key(200).public_key())
}

fn transaction(account: u8, sequence: u64, forged: bool, salt: u8) -> Vec<u8> {
    let key = key(account);
    let action = Action::RevokeDelegation(RevokeDelegation {
        role: Role::Registrar,
        scope: Scope::Collectivity(Siren(200_046_977)),
        delegate: AccountId([salt; 32]),
    });
    let body = TransactionBody {
        chain_id: ChainId::new("civitas-test").unwrap(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: 100,
        payload: BoundedBytes::try_from_vec(encode(&action)).unwrap(),
    };
    let mut tx = SignedTransaction::sign(body, &[&key]).unwrap();
    if forged {
        tx.signatures = civitas_types::BoundedVec::try_from_vec(vec![TransactionSignature {
            public_key: key.public_key(),
            signature: Signature([3; 64]),
        }])
        .unwrap();
    }
    encode(&tx)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bounds_hold_and_blocks_are_ordered(
        batches in proptest::collection::vec(proptest::collection::vec((0u8..6, 0u64..12, any::<bool>(), 0u8..3), 1..30), 1..6),
        rotation in any::<u64>(),
    ) {
        let config = MempoolConfig { transactions_max: 20, per_account_max: 5, sequences_ahead_max: 6, verified_ids_max: 50, unknown_transactions_max: 20, unknown_per_block_max: 100 };
        let mut pool = Mempool::new(config);
        let state = state();
        let context = BlockContext { chain_id: ChainId::new("civitas-test").unwrap(), height: 1, time_ms: 0, protocol_version: civitas_types::PROTOCOL_VERSION };
        for batch in batches {
            let encoded: Vec<Vec<u8>> = batch.iter().map(|(a, s, forged, salt)| transaction(*a, *s, *forged, *salt)).collect();
            let results = pool.admit_batch(&state, &context, &encoded);
            for ((account, sequence, forged, salt), result) in batch.iter().zip(&results) {
                if *forged {
                    prop_assert!(result.is_err(), "a forged signature was admitted");
                }
                if result.is_ok() {
                    let admitted: SignedTransaction = civitas_types::decode(&transaction(*account, *sequence, *forged, *salt)).unwrap();
                    prop_assert!(pool.is_verified(&admitted));
                }
            }
            prop_assert!(pool.len() <= config.transactions_max);
            prop_assert!(pool.unknown_len() <= config.unknown_transactions_max);
            let selected = pool.select(&state, civitas_types::TransactionBudget::new(usize::MAX, 100), rotation).unwrap();
            let mut per_account: BTreeMap<AccountId, Vec<u64>> = BTreeMap::new();
            let mut ids = BTreeSet::new();
            for tx in &selected {
                prop_assert!(ids.insert(tx.id()), "a transaction was selected twice");
                prop_assert!(pool.contains(&tx.id()));
                per_account.entry(tx.body.signer).or_default().push(tx.body.sequence);
            }
            for sequences in per_account.values() {
                prop_assert!(sequences.len() <= config.per_account_max);
                let expected: Vec<u64> = (0..sequences.len() as u64).collect();
                prop_assert_eq!(sequences, &expected, "each account from its next sequence, without gaps");
            }
        }
    }
}
