//! An in-memory state tree for tests that prove state values: the root and
//! proofs of docs/storage.md's crit-bit tree (civitas_types::state_proof), built
//! from a `MemoryState` the naive way (the ledger crate holds the real one).

use civitas_civic::MemoryState;
use civitas_types::Hash;
use civitas_types::state_proof::{
    ProofLeaf, ProofStep, StateProof, bit_at, empty_root, first_difference, key_hash, leaf_hash,
    node_hash, value_hash,
};

/// The state's leaves, sorted by key hash.
fn leaves(state: &MemoryState) -> Vec<ProofLeaf> {
    let mut leaves: Vec<ProofLeaf> = state
        .entries
        .iter()
        .map(|(key, value)| ProofLeaf {
            key_hash: key_hash(key),
            value_hash: value_hash(value),
        })
        .collect();
    leaves.sort_by_key(|leaf| leaf.key_hash.0);
    leaves
}

/// The bit the sorted, distinct `leaves` first branch at (their first and last
/// differ there first).
fn branch_bit(leaves: &[ProofLeaf]) -> u8 {
    let (first, last) = (leaves.first().unwrap(), leaves.last().unwrap());
    first_difference(&first.key_hash, &last.key_hash).unwrap()
}

fn split(leaves: &[ProofLeaf], bit: u8) -> (&[ProofLeaf], &[ProofLeaf]) {
    let at = leaves
        .iter()
        .position(|leaf| bit_at(&leaf.key_hash, bit) == 1)
        .unwrap();
    leaves.split_at(at)
}

fn subtree_hash(leaves: &[ProofLeaf]) -> Hash {
    if let [leaf] = leaves {
        return leaf_hash(&leaf.key_hash, &leaf.value_hash);
    }
    let bit = branch_bit(leaves);
    let (left, right) = split(leaves, bit);
    node_hash(bit, &subtree_hash(left), &subtree_hash(right))
}

/// The state root.
pub fn root(state: &MemoryState) -> Hash {
    let leaves = leaves(state);
    if leaves.is_empty() {
        return empty_root();
    }
    subtree_hash(&leaves)
}

/// The proof of `key`'s value, or of its absence.
pub fn prove(state: &MemoryState, key: &[u8]) -> StateProof {
    let path = key_hash(key);
    let all = leaves(state);
    let mut steps = Vec::new();
    let mut here: &[ProofLeaf] = &all;
    while here.len() > 1 {
        let bit = branch_bit(here);
        let (left, right) = split(here, bit);
        let (taken, other) = if bit_at(&path, bit) == 0 {
            (left, right)
        } else {
            (right, left)
        };
        steps.push(ProofStep {
            bit,
            sibling: subtree_hash(other),
        });
        here = taken;
    }
    StateProof {
        steps: civitas_types::BoundedVec::try_from_vec(steps).unwrap(),
        leaf: here.first().copied(),
    }
}
