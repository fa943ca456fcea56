//! The authenticated state tree's hashing rules and its proofs.
//!
//! The state is a set of (key, value) byte strings. Its root is the hash of a
//! binary crit-bit (Patricia) tree over the keys' hashes `H(StateKey, key)`, read
//! most significant bit first:
//!
//! - empty state: `H(StateEmpty, "")`;
//! - a leaf: `H(StateLeaf, key_hash ‖ value_hash)` with `value_hash = H(StateValue, value)`;
//! - an inner node: `H(StateNode, bit ‖ left ‖ right)`, where `bit` (0..=255) is the
//!   first bit at which the key hashes below it differ; keys with that bit 0 are on
//!   the left. Bits along any root-to-leaf path strictly increase.
//!
//! The shape depends only on the set of keys, never on the order of the writes that
//! produced it. A [`StateProof`] is the path from the root to the leaf reached by
//! following a key hash's bits: it proves the key's value (the leaf is the key's) or
//! its absence (the leaf is another key's, or the tree is empty). [`verify_state`]
//! needs nothing but the root, which a header carries. docs/storage.md gives the
//! bytes of a proof.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::codec::BoundedVec;
use crate::hash::{Domain, Hash};

/// Bits in a key hash, and so the most steps a proof can have.
pub const KEY_BITS: usize = 256;

/// The root of the empty state.
pub fn empty_root() -> Hash {
    Hash::tagged(Domain::StateEmpty, b"")
}

/// A key's path in the tree.
pub fn key_hash(key: &[u8]) -> Hash {
    Hash::tagged(Domain::StateKey, key)
}

/// The hash of a value, as a leaf commits to it.
pub fn value_hash(value: &[u8]) -> Hash {
    Hash::tagged(Domain::StateValue, value)
}

/// The hash of a leaf.
pub fn leaf_hash(key_hash: &Hash, value_hash: &Hash) -> Hash {
    Hash::tagged_parts(Domain::StateLeaf, &[&key_hash.0, &value_hash.0])
}

/// The hash of an inner node branching at `bit`.
pub fn node_hash(bit: u8, left: &Hash, right: &Hash) -> Hash {
    Hash::tagged_parts(Domain::StateNode, &[&[bit], &left.0, &right.0])
}

/// Bit `index` of `hash`, most significant bit of byte 0 first: 0 or 1.
pub fn bit_at(hash: &Hash, index: u8) -> u8 {
    let byte = hash.0.get(usize::from(index / 8)).copied().unwrap_or(0);
    // index % 8 is at most 7: the shift never underflows.
    (byte >> (7u8.wrapping_sub(index % 8))) & 1
}

/// The index of the first bit at which `a` and `b` differ, or `None` if equal.
pub fn first_difference(a: &Hash, b: &Hash) -> Option<u8> {
    a.0.iter()
        .zip(b.0.iter())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .and_then(|(index, (x, y))| {
            // index < 32 and leading_zeros < 8, so the sum is below 256.
            let bit = index
                .wrapping_mul(8)
                .wrapping_add((x ^ y).leading_zeros() as usize);
            u8::try_from(bit).ok()
        })
}

/// One inner node on a proof's path: where it branches and the other child's hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ProofStep {
    /// The node's branching bit.
    pub bit: u8,
    /// The hash of the child the path does not take.
    pub sibling: Hash,
}

/// The leaf a proof's path ends at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ProofLeaf {
    /// The leaf's key hash: the proven key's for inclusion, another key's for absence.
    pub key_hash: Hash,
    /// The leaf's value hash.
    pub value_hash: Hash,
}

/// A proof that a key has a value, or has none, under a state root.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct StateProof {
    /// The inner nodes from the root down, at most [`KEY_BITS`].
    pub steps: BoundedVec<ProofStep, KEY_BITS>,
    /// The leaf the path ends at; `None` only for the empty state.
    pub leaf: Option<ProofLeaf>,
}

/// Why a state proof does not prove what it was asked to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateProofError {
    /// The proof's bits do not strictly increase from the root down.
    #[error("proof steps must branch at strictly increasing bits (step {0} does not)")]
    BitsNotIncreasing(usize),
    /// The proof's leaf is not on the key's path.
    #[error("the proof's leaf is not on the key's path (bit {0} differs)")]
    LeafOffPath(u8),
    /// A value was claimed but the leaf belongs to another key (the key is absent).
    #[error("the key is absent under this root, but a value was claimed")]
    KeyAbsent,
    /// Absence was claimed but the leaf is the key's own.
    #[error("the key is present under this root, but absence was claimed")]
    KeyPresent,
    /// The leaf is the key's but commits to another value.
    #[error("the key has a different value under this root")]
    ValueMismatch,
    /// An empty-state proof with steps, or for a claimed value.
    #[error("an empty-state proof has no steps and proves only absence")]
    MalformedEmpty,
    /// The path hashes to another root.
    #[error("the proof does not lead to the root: computed {computed}, expected {expected}")]
    RootMismatch {
        /// The root the proof leads to.
        computed: Hash,
        /// The root it was checked against.
        expected: Hash,
    },
}

/// Checks that under `root`, `key` has `value` (`Some`) or no value (`None`).
pub fn verify_state(
    root: &Hash,
    key: &[u8],
    value: Option<&[u8]>,
    proof: &StateProof,
) -> Result<(), StateProofError> {
    let path = key_hash(key);
    let Some(leaf) = proof.leaf else {
        if !proof.steps.is_empty() || value.is_some() {
            return Err(StateProofError::MalformedEmpty);
        }
        return compare_root(empty_root(), root);
    };
    check_steps(&path, &leaf, &proof.steps)?;
    match value {
        Some(_) if leaf.key_hash != path => return Err(StateProofError::KeyAbsent),
        Some(value) if leaf.value_hash != value_hash(value) => {
            return Err(StateProofError::ValueMismatch);
        }
        None if leaf.key_hash == path => return Err(StateProofError::KeyPresent),
        _ => {}
    }
    let computed = proof.steps.iter().rev().fold(
        leaf_hash(&leaf.key_hash, &leaf.value_hash),
        |below, step| {
            if bit_at(&path, step.bit) == 0 {
                node_hash(step.bit, &below, &step.sibling)
            } else {
                node_hash(step.bit, &step.sibling, &below)
            }
        },
    );
    compare_root(computed, root)
}

/// Bits strictly increase, and the leaf agrees with the key at every branching bit.
fn check_steps(path: &Hash, leaf: &ProofLeaf, steps: &[ProofStep]) -> Result<(), StateProofError> {
    let mut previous: Option<u8> = None;
    for (index, step) in steps.iter().enumerate() {
        if previous.is_some_and(|bit| step.bit <= bit) {
            return Err(StateProofError::BitsNotIncreasing(index));
        }
        if bit_at(path, step.bit) != bit_at(&leaf.key_hash, step.bit) {
            return Err(StateProofError::LeafOffPath(step.bit));
        }
        previous = Some(step.bit);
    }
    Ok(())
}

fn compare_root(computed: Hash, expected: &Hash) -> Result<(), StateProofError> {
    if computed == *expected {
        Ok(())
    } else {
        Err(StateProofError::RootMismatch {
            computed,
            expected: *expected,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn bits_are_read_most_significant_first() {
        let mut hash = Hash::ZERO;
        hash.0[0] = 0b1000_0000;
        hash.0[31] = 0b0000_0001;
        assert_eq!(bit_at(&hash, 0), 1);
        assert_eq!(bit_at(&hash, 1), 0);
        assert_eq!(bit_at(&hash, 255), 1);
        assert_eq!(first_difference(&hash, &Hash::ZERO), Some(0));
        assert_eq!(first_difference(&hash, &hash), None);
        let mut other = hash;
        other.0[31] = 0;
        assert_eq!(first_difference(&hash, &other), Some(255));
    }

    #[test]
    fn empty_state_proves_absence_only() {
        let proof = StateProof {
            steps: BoundedVec::new(),
            leaf: None,
        };
        verify_state(&empty_root(), b"k", None, &proof).unwrap();
        assert_eq!(
            verify_state(&empty_root(), b"k", Some(b"v"), &proof),
            Err(StateProofError::MalformedEmpty)
        );
        assert!(matches!(
            verify_state(&Hash::ZERO, b"k", None, &proof),
            Err(StateProofError::RootMismatch { .. })
        ));
    }

    #[test]
    fn single_leaf_proves_its_value_and_others_absence() {
        let leaf = ProofLeaf {
            key_hash: key_hash(b"k"),
            value_hash: value_hash(b"v"),
        };
        let root = leaf_hash(&leaf.key_hash, &leaf.value_hash);
        let proof = StateProof {
            steps: BoundedVec::new(),
            leaf: Some(leaf),
        };
        verify_state(&root, b"k", Some(b"v"), &proof).unwrap();
        verify_state(&root, b"other", None, &proof).unwrap();
        assert_eq!(
            verify_state(&root, b"k", Some(b"w"), &proof),
            Err(StateProofError::ValueMismatch)
        );
        assert_eq!(
            verify_state(&root, b"k", None, &proof),
            Err(StateProofError::KeyPresent)
        );
        assert_eq!(
            verify_state(&root, b"other", Some(b"v"), &proof),
            Err(StateProofError::KeyAbsent)
        );
    }
}
