//! A state the node cannot read is the node's fault: a typed error, never
//! "sequence 0", never blamed on the sender, and the pool is left as it was.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::cell::Cell;

use civitas_civic::{MemoryState, StateFault, StateRead, StorageError};
use civitas_mempool::{Fault, Mempool, MempoolConfig, MempoolFault, Rejection};
use civitas_types::encode;
use common::*;

/// A state whose disk can be made to fail.
struct Flaky {
    inner: MemoryState,
    failing: Cell<bool>,
}

impl StateRead for Flaky {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        if self.failing.get() {
            return Err(StorageError {
                reason: "disk unreadable".into(),
            });
        }
        self.inner.get(key)
    }
}

#[test]
fn an_unreadable_state_is_a_local_fault_never_sequence_zero() {
    let mut inner = genesis(indexed_key(u32::MAX).public_key());
    // Account 1 has used sequences 0..5: reading "0" would propose stale transactions.
    let account = indexed_account(1);
    inner.entries.insert(
        civitas_civic::keys::account(&account),
        encode(&civitas_civic::model::AccountState {
            next_sequence: 5,
            multisig: false,
        }),
    );
    let state = Flaky {
        inner,
        failing: Cell::new(false),
    };
    let mut pool = Mempool::new(MempoolConfig::default());
    let admitted = pool.admit_batch(
        &state,
        &context_at(1),
        &[encode(&indexed_transaction(1, 5))],
    );
    assert!(admitted[0].is_ok(), "{admitted:?}");

    state.failing.set(true);
    let refused = pool.admit_batch(
        &state,
        &context_at(1),
        &[encode(&indexed_transaction(2, 0))],
    );
    assert!(
        matches!(
            &refused[0],
            Err(Rejection::StateUnavailable(StateFault::Unreadable { .. }))
        ),
        "{refused:?}"
    );
    assert_eq!(refused[0].as_ref().unwrap_err().fault(), Fault::Local);
    assert!(matches!(
        pool.select(
            &state,
            civitas_types::TransactionBudget::new(usize::MAX, 10),
            0
        ),
        Err(MempoolFault::StateUnavailable(
            StateFault::Unreadable { .. }
        ))
    ));
    assert!(matches!(
        pool.on_commit(&state, &context_at(2)),
        Err(MempoolFault::StateUnavailable(_))
    ));
    assert_eq!(pool.len(), 1, "a failed re-check drops nothing");

    state.failing.set(false);
    let selected = pool
        .select(
            &state,
            civitas_types::TransactionBudget::new(usize::MAX, 10),
            0,
        )
        .unwrap();
    assert_eq!(selected.len(), 1);
    assert_eq!(selected[0].body.sequence, 5);
}
