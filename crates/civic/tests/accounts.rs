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
    Action, StateFault, StateRead, StorageError, account_sequence, is_known_account, keys,
};
use civitas_types::{AccountId, encode};
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
