//! Binary Merkle trees for transaction, receipt and evidence roots (RFC 6962 shape).
//!
//! The tree over leaves `d[0..n]` is the Merkle Tree Hash of RFC 6962 §2.1 (RFC 9162
//! §2.1.1), with its two hash prefixes replaced by Civitas domains:
//! - no leaves: `H(MerkleEmpty, "")`;
//! - one leaf: `H(MerkleLeaf, d)`;
//! - `n > 1`: `H(MerkleNode, MTH(d[0..k]) || MTH(d[k..n]))`, `k` the largest power of two below `n`.
//!
//! Built bottom-up, that is: hash pairs level by level; an unpaired last node moves
//! up unchanged (it is never duplicated, so no two leaf lists share a root, unlike
//! Bitcoin's tree). Inclusion proofs are RFC 9162 audit paths, checked by its
//! §2.1.3.2 algorithm.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::codec::BoundedVec;
use crate::hash::{Domain, Hash};
use crate::limits::MERKLE_PROOF_HASHES_MAX;

/// The hash of a leaf's data.
pub fn leaf_hash(data: &[u8]) -> Hash {
    Hash::tagged(Domain::MerkleLeaf, data)
}

/// The hash of an inner node from its children.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash::tagged_parts(Domain::MerkleNode, &[left.as_bytes(), right.as_bytes()])
}

/// The root of a tree without leaves.
pub fn empty_root() -> Hash {
    Hash::tagged(Domain::MerkleEmpty, b"")
}

/// The root of the tree over leaves whose data are `leaves`.
pub fn root_of<T: AsRef<[u8]>>(leaves: &[T]) -> Hash {
    let hashes: Vec<Hash> = leaves.iter().map(|d| leaf_hash(d.as_ref())).collect();
    MerkleTree::from_leaf_hashes(hashes).root()
}

/// A whole tree, kept level by level to answer many proofs.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    /// `levels[0]` are the leaf hashes; the last level holds the root alone.
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// Builds the tree over already-hashed leaves ([`leaf_hash`]).
    pub fn from_leaf_hashes(leaf_hashes: Vec<Hash>) -> MerkleTree {
        let mut levels = vec![leaf_hashes];
        while let Some(level) = levels.last().filter(|level| level.len() > 1) {
            let parent = level
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => node_hash(left, right),
                    [alone] => *alone,
                    _ => empty_root(),
                })
                .collect();
            levels.push(parent);
        }
        MerkleTree { levels }
    }

    /// Number of leaves.
    pub fn leaf_count(&self) -> usize {
        self.levels.first().map_or(0, Vec::len)
    }

    /// The root hash.
    pub fn root(&self) -> Hash {
        match self.levels.last().map(Vec::as_slice) {
            Some([root]) => *root,
            _ => empty_root(),
        }
    }

    /// The inclusion proof of leaf `index`, or `None` if there is no such leaf.
    pub fn proof(&self, index: usize) -> Option<MerkleProof> {
        if index >= self.leaf_count() {
            return None;
        }
        let mut siblings = BoundedVec::new();
        let mut position = index;
        for level in &self.levels {
            let sibling = if !position.is_multiple_of(2) {
                level.get(position.wrapping_sub(1))
            } else {
                level.get(position.wrapping_add(1))
            };
            if let Some(sibling) = sibling {
                siblings.try_push(*sibling).ok()?;
            }
            position /= 2;
        }
        Some(MerkleProof {
            leaf_index: index as u64,
            leaf_count: self.leaf_count() as u64,
            siblings,
        })
    }
}

/// An inclusion proof: the leaf's position, the tree size and the audit path
/// (sibling hashes from the leaf up).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct MerkleProof {
    /// Position of the leaf, from 0.
    pub leaf_index: u64,
    /// Number of leaves in the tree.
    pub leaf_count: u64,
    /// Sibling hashes, leaf level first.
    pub siblings: BoundedVec<Hash, MERKLE_PROOF_HASHES_MAX>,
}

/// Why a Merkle proof does not prove inclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The index is not below the tree size.
    #[error("leaf index {index} is outside a tree of {count} leaves")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        count: u64,
    },
    /// The audit path has the wrong number of hashes for this position and size.
    #[error("the proof has the wrong number of sibling hashes for its position")]
    WrongPathLength,
    /// The path leads to another root.
    #[error("the proof leads to root {computed}, not the expected root")]
    RootMismatch {
        /// The root the proof computes.
        computed: Hash,
    },
}

impl MerkleProof {
    /// The root this proof computes for `leaf` (a [`leaf_hash`]), by RFC 9162 §2.1.3.2.
    pub fn compute_root(&self, leaf: &Hash) -> Result<Hash, MerkleError> {
        if self.leaf_index >= self.leaf_count {
            return Err(MerkleError::IndexOutOfRange {
                index: self.leaf_index,
                count: self.leaf_count,
            });
        }
        let mut index = self.leaf_index;
        let mut last = self.leaf_count.wrapping_sub(1);
        let mut hash = *leaf;
        for sibling in self.siblings.iter() {
            if last == 0 {
                return Err(MerkleError::WrongPathLength);
            }
            if !index.is_multiple_of(2) || index == last {
                hash = node_hash(sibling, &hash);
                while index.is_multiple_of(2) && index != 0 {
                    index >>= 1;
                    last >>= 1;
                }
            } else {
                hash = node_hash(&hash, sibling);
            }
            index >>= 1;
            last >>= 1;
        }
        if last != 0 {
            return Err(MerkleError::WrongPathLength);
        }
        Ok(hash)
    }

    /// Checks that leaf data `data` is in the tree with root `root`.
    pub fn verify(&self, root: &Hash, data: &[u8]) -> Result<(), MerkleError> {
        let computed = self.compute_root(&leaf_hash(data))?;
        if computed != *root {
            return Err(MerkleError::RootMismatch { computed });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
