//! What the mempool may ask about an account: its next sequence and whether the
//! state knows it; a storage failure is an error, never a default.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::model::{Role, Scope};
use civitas_civic::{
    Action, BlockExecutionError, StateFault, StateRead, StorageError,
    UNKNOWN_SIGNERS_PER_BLOCK_MAX, account_sequence, is_known_account, keys,
};
use civitas_types::{
    AccountId, BoundedBytes, SignedTransaction, SigningKey, TransactionBody, encode,
};
use common::*;

fn noop() -> Action {
    Action::RevokeDelegation(RevokeDelegation {
        role: Role::Registrar,
        scope: Scope::Collectivity(SIREN),
        delegate: account(99),
    })
}

#[test]
fn a_fresh_key_is_unknown_at_sequence_zero_until_a_transaction_of_it_is_included() {
    let mut world = World::new();
    let fresh = account(42);
    assert_eq!(account_sequence(&world.state, &fresh), Ok(0));
    assert_eq!(is_known_account(&world.state, &fresh), Ok(false));
    // Even a failed transaction leaves bookkeeping: the account is known from then on.
    let tx = world.transaction(42, &noop());
    world.execute(&[tx]).unwrap();
    assert_eq!(account_sequence(&world.state, &fresh), Ok(1));
    assert_eq!(is_known_account(&world.state, &fresh), Ok(true));
}

#[test]
fn council_accounts_multisig_policies_and_pseudonyms_are_known() {
    let mut world = World::new();
    assert_eq!(
        is_known_account(&world.state, &account(council_seed(0))),
        Ok(true)
    );
    let pseudonym = AccountId([3; 32]);
    world.state.entries.insert(
        keys::pseudonym_use(&pseudonym),
        encode(&Scope::Collectivity(SIREN)),
    );
    assert_eq!(is_known_account(&world.state, &pseudonym), Ok(true));
    let multisig = AccountId([4; 32]);
    world
        .state
        .entries
        .insert(keys::multisig(&multisig), vec![0]);
    assert_eq!(is_known_account(&world.state, &multisig), Ok(true));
    // A role grant alone does not make an account known (documented limit).
    assert_eq!(
        is_known_account(&world.state, &account(ADMINISTRATOR)),
        Ok(false)
    );
}

/// A store whose disk fails on every read.
struct FailingStore;

impl StateRead for FailingStore {
    fn get(&self, _: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Err(StorageError {
            reason: "disk unreadable".into(),
        })
    }
}

#[test]
fn an_unreadable_state_is_an_error_never_sequence_zero_or_unknown() {
    let fresh = account(42);
    assert!(matches!(
        account_sequence(&FailingStore, &fresh),
        Err(StateFault::Unreadable { .. })
    ));
    assert!(matches!(
        is_known_account(&FailingStore, &fresh),
        Err(StateFault::Unreadable { .. })
    ));
}

/// A transaction of the fresh key numbered `n` (distinct from every test key),
/// with `sequence`.
fn numbered_transaction(world: &World, n: u16, sequence: u64) -> SignedTransaction {
    let mut seed = [0xF0; 32];
    seed[..2].copy_from_slice(&n.to_be_bytes());
    let key = SigningKey::from_seed(&seed);
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: world.height + 100,
        payload: BoundedBytes::try_from_vec(encode(&noop())).unwrap(),
    };
    SignedTransaction::sign(body, &[&key]).unwrap()
}

/// The first transaction of the fresh key numbered `n`.
fn fresh_transaction(world: &World, n: u16) -> SignedTransaction {
    numbered_transaction(world, n, 0)
}

#[test]
fn a_block_with_more_transactions_of_unknown_signers_than_the_bound_is_invalid() {
    let max = UNKNOWN_SIGNERS_PER_BLOCK_MAX;
    let mut world = World::new();
    let over: Vec<SignedTransaction> = (0..=max as u16)
        .map(|n| fresh_transaction(&world, n))
        .collect();
    assert_eq!(
        world.execute(&over),
        Err(BlockExecutionError::TooManyUnknownSigners {
            count: max + 1,
            max
        })
    );
    // At the bound the block is valid, and each fresh signer gains one entry.
    let entries_before = world.state.entries.len();
    world.execute(&over[..max]).unwrap();
    assert_eq!(world.state.entries.len(), entries_before + max);
}

#[test]
fn known_signers_do_not_count_against_the_unknown_signer_bound() {
    let max = UNKNOWN_SIGNERS_PER_BLOCK_MAX;
    let mut world = World::new();
    let mut block: Vec<SignedTransaction> = (0..max as u16)
        .map(|n| fresh_transaction(&world, n))
        .collect();
    // A council account is known from genesis: the 257th transaction is its.
    block.push(world.transaction(council_seed(0), &noop()));
    world.execute(&block).unwrap();
    // The fresh signers of the first block are known in the next: with one
    // new signer more, the block holds 257 transactions and only one unknown.
    let mut again: Vec<SignedTransaction> = (0..max as u16)
        .map(|n| numbered_transaction(&world, n, 1))
        .collect();
    again.push(fresh_transaction(&world, max as u16));
    world.execute(&again).unwrap();
}

#[test]
fn the_unknown_signer_bound_counts_each_signer_once() {
    let max = UNKNOWN_SIGNERS_PER_BLOCK_MAX;
    let mut world = World::new();
    // `max` fresh signers, the first of which signs 300 transactions: the
    // block adds `max` account entries, so it is valid.
    let mut block: Vec<SignedTransaction> = (0..300)
        .map(|sequence| numbered_transaction(&world, 0, sequence))
        .collect();
    block.extend((1..max as u16).map(|n| fresh_transaction(&world, n)));
    let entries_before = world.state.entries.len();
    world.execute(&block).unwrap();
    assert_eq!(world.state.entries.len(), entries_before + max);
}
