//! Admission, ordering, caps, eviction, re-checks, and a flood of junk.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::model::{Role, Scope, Siren};
use civitas_civic::{Action, BlockContext, MemoryState, keys};
use civitas_mempool::{Fault, Mempool, MempoolConfig, Rejection};
use civitas_types::{
    AccountId, BoundedBytes, ChainId, SignedTransaction, SigningKey, TransactionBody,
    TransactionBudget, encode,
};

fn chain_id() -> ChainId {
    ChainId::new("civitas-test").unwrap()
}

fn key(i: u32) -> SigningKey {
    let mut seed = [0x5e; 32];
    seed[..4].copy_from_slice(&i.to_le_bytes());
    SigningKey::from_seed(&seed)
}

fn state() -> MemoryState {
    common::genesis(key(9_999).public_key())
}

/// `state` with account bookkeeping for the keys `signers` (the state knows them).
fn known(mut state: MemoryState, signers: &[u32]) -> MemoryState {
    for signer in signers {
        let account = AccountId::from_public_key(&key(*signer).public_key());
        state.entries.insert(
            keys::account(&account),
            encode(&civitas_civic::model::AccountState::default()),
        );
    }
    state
}

fn context() -> BlockContext {
    BlockContext {
        chain_id: chain_id(),
        height: 10,
        time_ms: 1_000,
        protocol_version: civitas_types::PROTOCOL_VERSION,
    }
}

/// A harmless action (it fails in execution; admission does not look inside).
fn action() -> Action {
    Action::RevokeDelegation(RevokeDelegation {
        role: Role::Registrar,
        scope: Scope::Collectivity(Siren(200_046_977)),
        delegate: AccountId([1; 32]),
    })
}

fn tx(signer: u32, sequence: u64) -> SignedTransaction {
    let key = key(signer);
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: 100,
        payload: BoundedBytes::try_from_vec(encode(&action())).unwrap(),
    };
    SignedTransaction::sign(body, &[&key]).unwrap()
}

fn bytes(transactions: &[SignedTransaction]) -> Vec<Vec<u8>> {
    transactions.iter().map(encode).collect()
}

fn config() -> MempoolConfig {
    MempoolConfig {
        transactions_max: 1_000,
        per_account_max: 8,
        sequences_ahead_max: 4,
        verified_ids_max: 10_000,
        unknown_transactions_max: 1_000,
        unknown_per_block_max: 1_000,
    }
}

#[test]
fn valid_transactions_are_admitted_and_remembered_as_verified() {
    let mut pool = Mempool::new(config());
    let batch = vec![tx(1, 0), tx(1, 1), tx(2, 0)];
    let results = pool.admit_batch(&state(), &context(), &bytes(&batch));
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(pool.len(), 3);
    for t in &batch {
        assert!(pool.is_verified(t));
        assert!(pool.contains(&t.id()));
    }
}

#[test]
fn each_rejection_has_its_reason() {
    let mut pool = Mempool::new(config());
    let state = state();
    let mut bad_signature = tx(1, 0);
    bad_signature.signatures =
        civitas_types::BoundedVec::try_from_vec(vec![civitas_types::TransactionSignature {
            public_key: bad_signature.signatures[0].public_key,
            signature: key(2).sign(b"something else"),
        }])
        .unwrap();
    let mut other_chain = tx(3, 0);
    other_chain.body.chain_id = ChainId::new("other").unwrap();
    let other_chain = SignedTransaction::sign(other_chain.body, &[&key(3)]).unwrap();
    let mut expired = tx(4, 0);
    expired.body.expiry_height = 9;
    let expired = SignedTransaction::sign(expired.body, &[&key(4)]).unwrap();
    let wrong_key = SignedTransaction::sign(tx(5, 0).body, &[&key(6)]).unwrap();
    let mut input = bytes(&[
        bad_signature,
        other_chain,
        expired,
        wrong_key,
        tx(7, 5),
        tx(8, 0),
        tx(8, 0),
    ]);
    input.push(vec![1, 2, 3]);
    input.push(vec![0; 20_000]);
    let results = pool.admit_batch(&state, &context(), &input);
    assert_eq!(results[0], Err(Rejection::BadSignature));
    assert!(matches!(
        results[1],
        Err(Rejection::Envelope(
            civitas_civic::EnvelopeError::WrongChain { .. }
        ))
    ));
    assert!(matches!(
        results[2],
        Err(Rejection::Envelope(
            civitas_civic::EnvelopeError::Expired { .. }
        ))
    ));
    assert!(matches!(
        results[3],
        Err(Rejection::Envelope(
            civitas_civic::EnvelopeError::NotSignedByAccountKey
        ))
    ));
    assert_eq!(
        results[4],
        Err(Rejection::TooFarAhead {
            expected: 0,
            found: 5,
            ahead_max: 4
        })
    );
    assert!(results[5].is_ok());
    assert_eq!(results[6], Err(Rejection::Duplicate));
    assert!(matches!(results[7], Err(Rejection::Malformed(_))));
    assert!(matches!(results[8], Err(Rejection::TooLarge { .. })));
    assert_eq!(pool.len(), 1);
    // Whose fault: a bad transaction is the sender's; a duplicate or a sequence
    // too far ahead is nobody's (it may be valid later, or already known).
    for sender in [0, 1, 3, 7, 8] {
        assert_eq!(results[sender].as_ref().unwrap_err().fault(), Fault::Sender);
    }
    for nobody in [2, 4, 6] {
        assert_eq!(results[nobody].as_ref().unwrap_err().fault(), Fault::Nobody);
    }
    // Reasons read well for the submitter.
    assert!(
        results[4]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("ahead")
    );
}

#[test]
fn blocks_take_each_account_in_sequence_order_without_gaps_fairly() {
    let mut pool = Mempool::new(config());
    // Known accounts: their round starts at an index that moves with the rotation.
    let state = known(state(), &[1, 2, 3]);
    // Account 1: 0, 1, 2 and 4 (gap at 3); account 2: 0, 1; account 3: 1 only (gap at 0).
    let batch = vec![
        tx(1, 2),
        tx(1, 0),
        tx(1, 4),
        tx(1, 1),
        tx(2, 1),
        tx(2, 0),
        tx(3, 1),
    ];
    assert!(
        pool.admit_batch(&state, &context(), &bytes(&batch))
            .iter()
            .all(Result::is_ok)
    );
    let selected = pool
        .select(&state, TransactionBudget::new(usize::MAX, 100), 0)
        .unwrap();
    let order: Vec<(AccountId, u64)> = selected
        .iter()
        .map(|t| (t.body.signer, t.body.sequence))
        .collect();
    assert_eq!(
        selected.len(),
        5,
        "account 1's 4 and account 3's 1 wait for their gaps"
    );
    for account in [1, 2] {
        let signer = AccountId::from_public_key(&key(account).public_key());
        let sequences: Vec<u64> = order
            .iter()
            .filter(|(a, _)| *a == signer)
            .map(|(_, s)| *s)
            .collect();
        assert!(
            sequences.windows(2).all(|w| w[1] == w[0] + 1),
            "{sequences:?}"
        );
        assert_eq!(sequences[0], 0);
    }
    // Round-robin: the first two picks are from different accounts.
    assert_ne!(order[0].0, order[1].0);
    // Limits.
    assert_eq!(
        pool.select(&state, TransactionBudget::new(usize::MAX, 3), 0)
            .unwrap()
            .len(),
        3
    );
    assert_ne!(
        pool.select(&state, TransactionBudget::new(usize::MAX, 1), 0)
            .unwrap()[0]
            .body
            .signer,
        pool.select(&state, TransactionBudget::new(usize::MAX, 1), 1)
            .unwrap()[0]
            .body
            .signer,
        "rotation changes who goes first"
    );
}

/// A transaction whose payload is `payload_bytes` of junk (admission does not
/// decode payloads).
fn tx_of_size(signer: u32, sequence: u64, payload_bytes: usize) -> SignedTransaction {
    let key = key(signer);
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: 100,
        payload: BoundedBytes::try_from_vec(vec![7; payload_bytes]).unwrap(),
    };
    SignedTransaction::sign(body, &[&key]).unwrap()
}

/// (signer, sequence) of each selected transaction, sorted: which account
/// goes first depends on the rotation, and each account's own order is checked
/// by the ordering test above.
fn picks(selected: &[SignedTransaction]) -> Vec<(u32, u64)> {
    let mut picks: Vec<(u32, u64)> = selected
        .iter()
        .map(|t| {
            let signer = (1..=2)
                .find(|i| AccountId::from_public_key(&key(*i).public_key()) == t.body.signer)
                .unwrap();
            (signer, t.body.sequence)
        })
        .collect();
    picks.sort_unstable();
    picks
}

#[test]
fn a_transaction_over_the_bytes_left_is_skipped_and_ends_only_its_accounts_run() {
    let mut pool = Mempool::new(config());
    let state = known(state(), &[1, 2]);
    // Account 1: small, large, small; account 2: three small ones.
    let batch = vec![
        tx_of_size(1, 0, 100),
        tx_of_size(1, 1, 10_000),
        tx_of_size(1, 2, 100),
        tx_of_size(2, 0, 100),
        tx_of_size(2, 1, 100),
        tx_of_size(2, 2, 100),
    ];
    assert!(
        pool.admit_batch(&state, &context(), &bytes(&batch))
            .iter()
            .all(Result::is_ok)
    );
    let small = batch[0].encoded_len();
    let large = batch[1].encoded_len();
    // Room for five small transactions, not for the large one.
    let budget = TransactionBudget::new(5 * small + 10, 100);
    let selected = pool.select(&state, budget, 0).unwrap();
    assert_eq!(
        picks(&selected),
        vec![(1, 0), (2, 0), (2, 1), (2, 2)],
        "account 1's sequence 2 waits behind the large one; account 2 goes on"
    );
    let used: usize = selected.iter().map(SignedTransaction::encoded_len).sum();
    assert!(used <= 5 * small + 10);
    // With room for it, the large one goes in its place and account 1 follows on.
    let roomy = TransactionBudget::new(5 * small + large, 100);
    assert_eq!(
        picks(&pool.select(&state, roomy, 0).unwrap()),
        vec![(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]
    );
}

#[test]
fn selection_stops_at_the_count_or_when_no_transaction_fits() {
    let mut pool = Mempool::new(config());
    let state = known(state(), &[1, 2]);
    let batch = vec![tx(1, 0), tx(1, 1), tx(2, 0), tx(2, 1)];
    assert!(
        pool.admit_batch(&state, &context(), &bytes(&batch))
            .iter()
            .all(Result::is_ok)
    );
    let two = TransactionBudget::new(usize::MAX, 2);
    assert_eq!(pool.select(&state, two, 0).unwrap().len(), 2);
    let too_few_bytes = TransactionBudget::new(batch[0].encoded_len() - 1, 100);
    assert!(pool.select(&state, too_few_bytes, 0).unwrap().is_empty());
    let exactly_one = TransactionBudget::new(batch[0].encoded_len(), 100);
    assert_eq!(pool.select(&state, exactly_one, 0).unwrap().len(), 1);
}

#[test]
fn per_account_and_global_caps_evict_the_largest_account_first() {
    let mut pool = Mempool::new(MempoolConfig {
        transactions_max: 10,
        per_account_max: 8,
        sequences_ahead_max: 8,
        verified_ids_max: 100,
        unknown_transactions_max: 10,
        unknown_per_block_max: 10,
    });
    // Accounts the state knows: the eviction rule within one class.
    let state = known(state(), &[1, 2, 3, 4]);
    let flood: Vec<SignedTransaction> = (0..9).map(|s| tx(1, s)).collect();
    let results = pool.admit_batch(&state, &context(), &bytes(&flood));
    assert_eq!(results[8], Err(Rejection::AccountFull(8)));
    assert_eq!(pool.len(), 8);
    // Two other accounts fill the pool, then a third pushes out account 1's last.
    assert!(
        pool.admit_batch(&state, &context(), &bytes(&[tx(2, 0), tx(3, 0), tx(4, 0)]))
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(pool.len(), 10);
    assert!(
        !pool.contains(&tx(1, 7).id()),
        "the flooding account gave up its highest sequence"
    );
    assert!(pool.contains(&tx(1, 6).id()));
    // The flooder itself cannot push anyone out.
    assert_eq!(
        pool.admit_batch(&state, &context(), &bytes(&[tx(1, 7)]))[0],
        Err(Rejection::PoolFull)
    );
}

#[test]
fn after_a_commit_included_stale_and_expired_transactions_leave() {
    let mut pool = Mempool::new(config());
    let mut state = state();
    let mut short_lived = tx(2, 0);
    short_lived.body.expiry_height = 10;
    let short_lived = SignedTransaction::sign(short_lived.body, &[&key(2)]).unwrap();
    let batch = vec![tx(1, 0), tx(1, 1), tx(1, 2), short_lived];
    assert!(
        pool.admit_batch(&state, &context(), &bytes(&batch))
            .iter()
            .all(Result::is_ok)
    );
    // A block included account 1's first two transactions.
    let signer = AccountId::from_public_key(&key(1).public_key());
    state.entries.insert(
        keys::account(&signer),
        encode(&civitas_civic::model::AccountState {
            next_sequence: 2,
            multisig: false,
        }),
    );
    pool.on_commit(
        &state,
        &BlockContext {
            height: 11,
            ..context()
        },
    )
    .unwrap();
    assert_eq!(pool.len(), 1);
    assert!(pool.contains(&tx(1, 2).id()));
    assert_eq!(
        pool.select(&state, TransactionBudget::new(usize::MAX, 10), 0)
            .unwrap()
            .len(),
        1
    );
    // The stale sequence is now refused at admission.
    assert_eq!(
        pool.admit_batch(&state, &context(), &bytes(&[tx(1, 1)]))[0],
        Err(Rejection::StaleSequence {
            expected: 2,
            found: 1
        })
    );
}

#[test]
fn a_flood_of_junk_from_one_peer_does_not_stop_valid_transactions() {
    // 100,000 invalid transactions (bad signatures, garbage, stale) interleaved
    // with valid ones from 200 accounts: every valid one is admitted, no junk
    // stays, and the pool never exceeds its bound.
    let mut pool = Mempool::new(MempoolConfig {
        transactions_max: 500,
        per_account_max: 4,
        sequences_ahead_max: 4,
        verified_ids_max: 1_000,
        unknown_transactions_max: 500,
        unknown_per_block_max: 500,
    });
    let state = state();
    let forged = {
        let mut t = tx(1, 0);
        t.signatures =
            civitas_types::BoundedVec::try_from_vec(vec![civitas_types::TransactionSignature {
                public_key: t.signatures[0].public_key,
                signature: civitas_types::Signature([7; 64]),
            }])
            .unwrap();
        encode(&t)
    };
    let mut admitted = 0;
    let mut junk_sent = 0;
    for round in 0..100u32 {
        let mut batch: Vec<Vec<u8>> = Vec::with_capacity(1_002);
        for j in 0..1_000u32 {
            batch.push(match j % 3 {
                0 => forged.clone(),
                1 => (0..(j % 50)).map(|b| b as u8).collect(),
                _ => {
                    let mut stale = encode(&tx(1, 0));
                    stale[10] ^= 0xff;
                    stale
                }
            });
        }
        junk_sent += batch.len();
        batch.push(encode(&tx(1_000 + round * 2, 0)));
        batch.push(encode(&tx(1_001 + round * 2, 0)));
        let results = pool.admit_batch(&state, &context(), &batch);
        assert!(results[..1_000].iter().all(Result::is_err));
        admitted += results[1_000..].iter().filter(|r| r.is_ok()).count();
        assert!(pool.len() <= 500);
    }
    assert_eq!(junk_sent, 100_000);
    assert_eq!(admitted, 200);
    assert_eq!(pool.len(), 200);
}
