//! The in-memory versioned state: for any sequence of write batches its root is
//! the root of the resulting state built from scratch, its reads are the state's,
//! every earlier version is unchanged, and proofs of presence and absence verify
//! with `civitas_types::state_proof`; refused keys are typed errors that leave
//! the state as it was. (That its root is the ledger's for the same writes is
//! checked in `crates/ledger/tests/memory_state.rs`, as this crate sits below
//! the ledger.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::BTreeMap;

use civitas_state_tree::{KEY_BYTES_MAX, KeyError, MemoryState, StateError, StateTree, leaves_of};
use civitas_types::state_proof::{empty_root, verify_state};
use proptest::prelude::*;

type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;
type Model = BTreeMap<Vec<u8>, Vec<u8>>;

/// The root of `model` built from scratch, the tree's own way.
fn root_of(model: &Model) -> civitas_types::Hash {
    let entries: Vec<_> = model.iter().collect();
    StateTree::from_leaves(leaves_of(&entries).unwrap())
        .unwrap()
        .root_hash()
}

fn key(i: u16) -> Vec<u8> {
    let mut key = b"k/".to_vec();
    key.extend_from_slice(&i.to_be_bytes());
    key
}

fn batches() -> impl Strategy<Value = Vec<Writes>> {
    // Small key and value spaces make overwrites, deletes of absent keys and
    // re-inserts after deletes common.
    let write =
        (0u16..200, prop::option::of(0u8..4)).prop_map(|(k, v)| (key(k), v.map(|v| vec![v; 5])));
    prop::collection::vec(
        prop::collection::btree_map(
            write.clone().prop_map(|w| w.0),
            write.prop_map(|w| w.1),
            0..60,
        ),
        1..6,
    )
}

fn assert_holds(state: &MemoryState, model: &Model) {
    assert_eq!(state.root(), root_of(model));
    assert_eq!(state.len(), model.len());
    let entries: Vec<(&[u8], &[u8])> = state.iter().collect();
    let expected: Vec<(&[u8], &[u8])> = model
        .iter()
        .map(|(k, v)| (k.as_slice(), v.as_slice()))
        .collect();
    assert_eq!(entries, expected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_version_keeps_its_values_root_and_proofs(batches in batches()) {
        let mut versions = vec![(MemoryState::new(), Model::new())];
        for writes in batches {
            let (state, model) = versions.last().unwrap().clone();
            let mut next_model = model;
            for (k, v) in &writes {
                match v {
                    Some(v) => next_model.insert(k.clone(), v.clone()),
                    None => next_model.remove(k),
                };
            }
            let next = state.apply(writes).unwrap();
            assert_holds(&next, &next_model);
            versions.push((next, next_model));
        }
        // Every earlier version still reads, hashes and proves as it did.
        for (state, model) in &versions {
            assert_holds(state, model);
            let root = state.root();
            for i in 0u16..210 {
                let k = key(i);
                let (value, proof) = state.prove(&k).unwrap();
                prop_assert_eq!(value, model.get(&k).map(Vec::as_slice));
                prop_assert_eq!(state.get(&k), value);
                prop_assert!(verify_state(&root, &k, value, &proof).is_ok());
                let opposite: Option<&[u8]> = match value { Some(_) => None, None => Some(b"x") };
                prop_assert!(verify_state(&root, &k, opposite, &proof).is_err());
            }
        }
    }
}

#[test]
fn the_empty_state_has_the_empty_root_and_proves_absence() {
    let state = MemoryState::new();
    assert!(state.is_empty());
    assert_eq!(state.root(), empty_root());
    let (value, proof) = state.prove(b"k/absent").unwrap();
    assert_eq!(value, None);
    verify_state(&state.root(), b"k/absent", None, &proof).unwrap();
}

#[test]
fn from_entries_equals_applying_the_same_writes_to_the_empty_state() {
    let entries: Model = (0..300).map(|i| (key(i), vec![i as u8; 3])).collect();
    let built = MemoryState::from_entries(entries.clone()).unwrap();
    let applied = MemoryState::new()
        .apply(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect(),
        )
        .unwrap();
    assert_eq!(built.root(), applied.root());
    assert_holds(&built, &entries);
}

#[test]
fn deleting_every_key_returns_to_the_empty_root_and_the_full_version_survives() {
    let entries: Model = (0..50).map(|i| (key(i), b"v".to_vec())).collect();
    let full = MemoryState::from_entries(entries.clone()).unwrap();
    let empty = full
        .apply(entries.keys().map(|k| (k.clone(), None)).collect())
        .unwrap();
    assert_eq!(empty.root(), empty_root());
    assert!(empty.is_empty());
    assert_holds(&full, &entries);
}

#[test]
fn refused_keys_are_typed_errors_and_leave_the_state_unchanged() {
    let state = MemoryState::from_entries(Model::from([(key(1), b"v".to_vec())])).unwrap();
    let root = state.root();
    let empty_key = Writes::from([(key(2), Some(b"w".to_vec())), (Vec::new(), None)]);
    assert_eq!(
        state.apply(empty_key).unwrap_err(),
        StateError::Key(KeyError::Empty)
    );
    let long = vec![7u8; KEY_BYTES_MAX + 1];
    assert_eq!(
        state
            .apply(Writes::from([(long.clone(), Some(b"w".to_vec()))]))
            .unwrap_err(),
        StateError::Key(KeyError::TooLong {
            length: KEY_BYTES_MAX + 1
        })
    );
    assert_eq!(
        MemoryState::from_entries(Model::from([(long, b"w".to_vec())])).unwrap_err(),
        StateError::Key(KeyError::TooLong {
            length: KEY_BYTES_MAX + 1
        })
    );
    assert_eq!(state.root(), root);
    assert_eq!(state.get(&key(2)), None);
    // The longest key is accepted.
    let longest = vec![7u8; KEY_BYTES_MAX];
    let next = state
        .apply(Writes::from([(longest.clone(), Some(b"w".to_vec()))]))
        .unwrap();
    assert_eq!(next.get(&longest), Some(b"w".as_slice()));
}
