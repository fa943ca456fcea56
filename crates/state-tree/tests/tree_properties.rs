//! Property tests of the state tree: for any sequence of write batches, the root
//! equals the root of the final state built from scratch, every present key proves
//! its value, absent keys prove absence, and earlier versions are unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use civitas_state_tree::StateTree;
use civitas_types::state_proof::{key_hash, value_hash, verify_state};
use proptest::prelude::*;

type Batch = Vec<(u16, Option<u8>)>;

fn batches() -> impl Strategy<Value = Vec<Batch>> {
    // Small key and value spaces make overwrites, deletes of absent keys and
    // re-inserts after deletes common.
    prop::collection::vec(
        prop::collection::vec((0u16..300, prop::option::of(0u8..4)), 0..80),
        1..8,
    )
}

fn from_scratch(state: &BTreeMap<Vec<u8>, Vec<u8>>) -> StateTree {
    StateTree::from_leaves(
        state
            .iter()
            .map(|(k, v)| (key_hash(k), value_hash(v)))
            .collect(),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn batched_updates_match_a_rebuild_and_prove(batches in batches()) {
        let mut tree = StateTree::new();
        let mut state: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for batch in &batches {
            let before = tree.clone();
            let before_root = from_scratch(&state).root_hash();
            let mut changes = Vec::new();
            for (key, value) in batch {
                let key = key.to_be_bytes().to_vec();
                let value = value.map(|v| vec![v; 3]);
                changes.push((key_hash(&key), value.as_deref().map(value_hash)));
                match value {
                    Some(value) => state.insert(key, value),
                    None => state.remove(&key),
                };
            }
            tree = tree.apply(changes).unwrap();
            prop_assert_eq!(tree.root_hash(), from_scratch(&state).root_hash());
            prop_assert_eq!(before.root_hash(), before_root);
        }
        let root = tree.root_hash();
        for key in 0u16..310 {
            let key = key.to_be_bytes();
            let proof = tree.prove(&key_hash(&key)).unwrap();
            let value = state.get(key.as_slice());
            prop_assert!(verify_state(&root, &key, value.map(Vec::as_slice), &proof).is_ok());
            // The opposite claim never verifies.
            let opposite: Option<&[u8]> = match value { Some(_) => None, None => Some(b"x") };
            prop_assert!(verify_state(&root, &key, opposite, &proof).is_err());
        }
    }
}
