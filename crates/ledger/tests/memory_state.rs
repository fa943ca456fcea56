//! The ledger and `civitas_state_tree::MemoryState` give the same state root,
//! the same proofs and the same key refusals for the same writes: the engine and
//! the simulator (which use `MemoryState`) agree with a node's store. A test
//! chain's blocks are committed beside a `MemoryState`, then a table of edge
//! cases is prepared on both.
#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use std::collections::BTreeMap;

use civitas_ledger::testing::{TestChain, state_key, value};
use civitas_ledger::{KeyError, Ledger, LedgerConfig, LedgerError};
use civitas_state_tree::{KEY_BYTES_MAX, MemoryState, StateError};

type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

fn create(dir: &tempfile::TempDir, chain: &TestChain) -> Ledger {
    let config = LedgerConfig::new(dir.path().join("ledger"));
    Ledger::create(config, chain.identity.clone(), &chain.genesis()).unwrap()
}

#[test]
fn committed_blocks_and_memory_state_have_the_same_roots_and_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 300, 3, 40);
    let mut ledger = create(&dir, &chain);
    let mut memory = MemoryState::from_entries(chain.genesis()).unwrap();
    assert_eq!(memory.root(), ledger.state_root());
    for height in 1..=12 {
        memory = memory.apply(chain.writes_at(height)).unwrap();
        chain.commit_next(&mut ledger);
        assert_eq!(memory.root(), ledger.state_root(), "height {height}");
    }
    for index in [0, 7, 150, 299, 300 + 5, 300 + 6, 300 + 12, 10_000] {
        let key = state_key(index);
        let proven = ledger.prove(&key).unwrap();
        let (value, proof) = memory.prove(&key).unwrap();
        assert_eq!(value, proven.value.as_deref(), "key {index}");
        assert_eq!(proof, proven.proof, "key {index}");
    }
}

/// Batches whose shape could make two implementations disagree.
fn edge_cases() -> Vec<(&'static str, Writes)> {
    let put = |key: Vec<u8>, value: &[u8]| (key, Some(value.to_vec()));
    let genesis_key = state_key(3);
    vec![
        ("no writes", Writes::new()),
        (
            "delete an absent key",
            Writes::from([(b"absent".to_vec(), None)]),
        ),
        (
            "rewrite a value unchanged",
            Writes::from([put(genesis_key.clone(), &value(3, 0))]),
        ),
        ("delete a genesis key", Writes::from([(genesis_key, None)])),
        (
            "the longest key and an empty value",
            Writes::from([put(vec![0xab; KEY_BYTES_MAX], b"")]),
        ),
        (
            "delete every genesis key",
            (0..20).map(|i| (state_key(i), None)).collect(),
        ),
        (
            "many new keys at once",
            (0..5_000u32)
                .map(|i| put(format!("new/{i}").into_bytes(), &i.to_be_bytes()))
                .collect(),
        ),
    ]
}

#[test]
fn prepared_roots_equal_memory_state_roots_on_edge_cases() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 20, 1, 5);
    let ledger = create(&dir, &chain);
    let memory = MemoryState::from_entries(chain.genesis()).unwrap();
    for (case, writes) in edge_cases() {
        let prepared = ledger.prepare(writes.clone()).unwrap();
        let applied = memory.apply(writes).unwrap();
        assert_eq!(prepared.root(), applied.root(), "{case}");
    }
}

#[test]
fn the_ledger_and_memory_state_refuse_the_same_keys() {
    let dir = tempfile::tempdir().unwrap();
    let chain = TestChain::new(4, 20, 1, 5);
    let ledger = create(&dir, &chain);
    let memory = MemoryState::from_entries(chain.genesis()).unwrap();
    let refused = [
        (Vec::new(), KeyError::Empty),
        (
            vec![1; KEY_BYTES_MAX + 1],
            KeyError::TooLong {
                length: KEY_BYTES_MAX + 1,
            },
        ),
    ];
    for (key, expected) in refused {
        let writes = Writes::from([(key, Some(b"v".to_vec()))]);
        assert!(
            matches!(ledger.prepare(writes.clone()), Err(LedgerError::Key(ref e)) if *e == expected)
        );
        assert_eq!(memory.apply(writes).unwrap_err(), StateError::Key(expected));
    }
}
