//! The authenticated state tree, held in memory.
//!
//! A persistent (copy-on-write) crit-bit tree over key hashes, hashed as
//! `civitas_types::state_proof` defines. Applying a block's changes copies only
//! the paths they touch and shares every other node with the previous version, so
//! the tree before a block stays valid (for proofs, or when a proposal loses) while
//! the new one is computed. Changes are applied as one sorted batch, each touched
//! node is hashed once, and the two halves of a large batch are hashed on two
//! threads. The tree holds hashes only; values live in the store
//! (docs/decisions/0009-state-tree.md explains why this shape).

use std::sync::Arc;

use civitas_types::Hash;
use civitas_types::codec::BoundedVec;
use civitas_types::state_proof::{
    ProofLeaf, ProofStep, StateProof, bit_at, empty_root, first_difference, leaf_hash, node_hash,
};

use crate::parallel::both;

/// One change to the state: a key hash and its new value hash (`None` deletes).
pub type Change = (Hash, Option<Hash>);

/// Below this many changes (or leaves) a subtree is not worth a thread.
const PARALLEL_MINIMUM: usize = 2048;

/// A version of the authenticated state: cheap to clone, immutable.
#[derive(Clone, Default)]
pub struct StateTree {
    root: Option<Arc<Node>>,
}

enum Node {
    Leaf(Leaf),
    Inner(Inner),
}

struct Leaf {
    key_hash: Hash,
    value_hash: Hash,
    hash: Hash,
}

struct Inner {
    bit: u8,
    /// The key hash of the leftmost leaf: every key below shares its first `bit` bits.
    representative: Hash,
    hash: Hash,
    children: [Arc<Node>; 2],
}

impl Node {
    fn hash(&self) -> &Hash {
        match self {
            Node::Leaf(leaf) => &leaf.hash,
            Node::Inner(inner) => &inner.hash,
        }
    }

    fn representative(&self) -> &Hash {
        match self {
            Node::Leaf(leaf) => &leaf.key_hash,
            Node::Inner(inner) => &inner.representative,
        }
    }

    fn leaf(key_hash: Hash, value_hash: Hash) -> Arc<Node> {
        Arc::new(Node::Leaf(Leaf {
            key_hash,
            value_hash,
            hash: leaf_hash(&key_hash, &value_hash),
        }))
    }
}

impl StateTree {
    /// The empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the tree of `leaves` (key hash, value hash); on repeated key hashes
    /// the last one wins.
    pub fn from_leaves(mut leaves: Vec<(Hash, Hash)>) -> Self {
        sort_dedup_last(&mut leaves, |leaf| leaf.0);
        StateTree {
            root: build(&leaves, parallel_depth()),
        }
    }

    /// The root hash, as headers carry it.
    pub fn root_hash(&self) -> Hash {
        self.root
            .as_ref()
            .map_or_else(empty_root, |root| *root.hash())
    }

    /// The tree after `changes`, whatever their order; on repeated key hashes the
    /// last change wins. `self` is left as it was.
    pub fn apply(&self, mut changes: Vec<Change>) -> StateTree {
        sort_dedup_last(&mut changes, |change| change.0);
        StateTree {
            root: update(self.root.as_ref(), &changes, parallel_depth()),
        }
    }

    /// The value hash stored under `key_hash`.
    pub fn get(&self, key_hash: &Hash) -> Option<Hash> {
        let (_, leaf) = self.path(key_hash, |_| {});
        leaf.filter(|leaf| leaf.key_hash == *key_hash)
            .map(|leaf| leaf.value_hash)
    }

    /// The proof of `key_hash`'s value or absence (see `verify_state`).
    pub fn prove(&self, key_hash: &Hash) -> StateProof {
        let mut steps = BoundedVec::new();
        let (_, leaf) = self.path(key_hash, |step| {
            // Bits strictly increase along a path, so there are at most 256 steps.
            let _ = steps.try_push(step);
        });
        StateProof {
            steps,
            leaf: leaf.map(|leaf| ProofLeaf {
                key_hash: leaf.key_hash,
                value_hash: leaf.value_hash,
            }),
        }
    }

    /// Follows `key_hash`'s bits to a leaf, reporting each inner node passed.
    fn path(&self, key_hash: &Hash, mut on_step: impl FnMut(ProofStep)) -> (usize, Option<&Leaf>) {
        let mut depth = 0usize;
        let mut node = match &self.root {
            Some(root) => root.as_ref(),
            None => return (0, None),
        };
        loop {
            match node {
                Node::Leaf(leaf) => return (depth, Some(leaf)),
                Node::Inner(inner) => {
                    let [left, right] = &inner.children;
                    let (taken, other) = if bit_at(key_hash, inner.bit) == 0 {
                        (left, right)
                    } else {
                        (right, left)
                    };
                    on_step(ProofStep {
                        bit: inner.bit,
                        sibling: *other.hash(),
                    });
                    depth = depth.saturating_add(1);
                    node = taken.as_ref();
                }
            }
        }
    }
}

/// How many levels of a batch are split across threads: enough for every core.
fn parallel_depth() -> u8 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // ceil(log2(cores)), at most 4 levels (16 threads).
    let mut depth = 0u8;
    while (1usize << depth) < cores && depth < 4 {
        depth = depth.saturating_add(1);
    }
    depth
}

/// Sorts by key and keeps the last entry of each key (stable sort keeps input order).
fn sort_dedup_last<T>(items: &mut Vec<T>, key: impl Fn(&T) -> Hash) {
    items.reverse();
    items.sort_by_key(&key);
    items.dedup_by_key(|item| key(item));
}

/// The node branching at `bit` over `zero` (bit 0 side) and `one`, or whichever exists.
fn join(bit: u8, zero: Option<Arc<Node>>, one: Option<Arc<Node>>) -> Option<Arc<Node>> {
    match (zero, one) {
        (Some(left), Some(right)) => Some(Arc::new(Node::Inner(Inner {
            bit,
            representative: *left.representative(),
            hash: node_hash(bit, left.hash(), right.hash()),
            children: [left, right],
        }))),
        (single, None) | (None, single) => single,
    }
}

/// The tree of sorted, distinct `leaves`.
fn build(leaves: &[(Hash, Hash)], parallel: u8) -> Option<Arc<Node>> {
    let (first, last) = match leaves {
        [] => return None,
        [(key_hash, value_hash)] => return Some(Node::leaf(*key_hash, *value_hash)),
        [first, .., last] => (first, last),
    };
    // Distinct sorted hashes: the first and last differ, and every leaf shares the
    // bits before their first difference.
    let bit = first_difference(&first.0, &last.0)?;
    let middle = leaves.partition_point(|leaf| bit_at(&leaf.0, bit) == 0);
    let (zero, one) = leaves.split_at(middle);
    let split = parallel > 0 && zero.len().min(one.len()) >= PARALLEL_MINIMUM;
    let next = parallel.saturating_sub(1);
    let (left, right) = both(split, || build(zero, next), || build(one, next));
    join(bit, left, right)
}

/// `node` after the sorted, distinct `changes`, all of which share the bits that
/// lead to `node`.
fn update(node: Option<&Arc<Node>>, changes: &[Change], parallel: u8) -> Option<Arc<Node>> {
    let Some(node) = node else {
        let inserts: Vec<(Hash, Hash)> = changes
            .iter()
            .filter_map(|(key, value)| value.map(|value| (*key, value)))
            .collect();
        return build(&inserts, parallel);
    };
    let (Some(first), Some(last)) = (changes.first(), changes.last()) else {
        return Some(Arc::clone(node));
    };
    let representative = node.representative();
    let low = first.0.min(*representative);
    let high = last.0.max(*representative);
    let divergence = first_difference(&low, &high);
    match (node.as_ref(), divergence) {
        // Every change is to this very leaf (changes are distinct: there is one).
        (Node::Leaf(_), None) => first.1.map(|value| Node::leaf(first.0, value)),
        (Node::Inner(inner), None) => descend(inner, changes, parallel),
        (Node::Inner(inner), Some(bit)) if bit >= inner.bit => descend(inner, changes, parallel),
        // Some change leaves this subtree's prefix at `bit`: those go beside it.
        (_, Some(bit)) => {
            let middle = changes.partition_point(|change| bit_at(&change.0, bit) == 0);
            let (zero, one) = changes.split_at(middle);
            let (own, beside) = if bit_at(representative, bit) == 0 {
                (zero, one)
            } else {
                (one, zero)
            };
            let kept = update(Some(node), own, parallel);
            let added = update(None, beside, parallel);
            if bit_at(representative, bit) == 0 {
                join(bit, kept, added)
            } else {
                join(bit, added, kept)
            }
        }
    }
}

/// Splits `changes` at the inner node's bit and updates both children.
fn descend(inner: &Inner, changes: &[Change], parallel: u8) -> Option<Arc<Node>> {
    let middle = changes.partition_point(|change| bit_at(&change.0, inner.bit) == 0);
    let (zero, one) = changes.split_at(middle);
    let [left, right] = &inner.children;
    let split = parallel > 0 && zero.len().min(one.len()) >= PARALLEL_MINIMUM;
    let next = parallel.saturating_sub(1);
    let (left, right) = both(
        split,
        || update(Some(left), zero, next),
        || update(Some(right), one, next),
    );
    join(inner.bit, left, right)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use civitas_types::state_proof::{key_hash, value_hash, verify_state};

    fn leaves(n: u32) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..n)
            .map(|i| (i.to_be_bytes().to_vec(), format!("v{i}").into_bytes()))
            .collect()
    }

    fn hashed(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<(Hash, Hash)> {
        pairs
            .iter()
            .map(|(k, v)| (key_hash(k), value_hash(v)))
            .collect()
    }

    #[test]
    fn empty_tree_has_the_empty_root_and_proves_absence() {
        let tree = StateTree::new();
        assert_eq!(tree.root_hash(), empty_root());
        verify_state(&tree.root_hash(), b"k", None, &tree.prove(&key_hash(b"k"))).unwrap();
    }

    #[test]
    fn building_equals_inserting_one_by_one_and_in_batches() {
        let pairs = leaves(300);
        let built = StateTree::from_leaves(hashed(&pairs));
        let mut one_by_one = StateTree::new();
        for (k, v) in hashed(&pairs) {
            one_by_one = one_by_one.apply(vec![(k, Some(v))]);
        }
        let batched = StateTree::new().apply(
            hashed(&pairs)
                .into_iter()
                .rev()
                .map(|(k, v)| (k, Some(v)))
                .collect(),
        );
        assert_eq!(built.root_hash(), one_by_one.root_hash());
        assert_eq!(built.root_hash(), batched.root_hash());
    }

    #[test]
    fn deleting_everything_returns_to_empty_and_old_versions_survive() {
        let pairs = leaves(100);
        let full = StateTree::from_leaves(hashed(&pairs));
        let empty = full.apply(hashed(&pairs).into_iter().map(|(k, _)| (k, None)).collect());
        assert_eq!(empty.root_hash(), empty_root());
        assert_eq!(
            full.root_hash(),
            StateTree::from_leaves(hashed(&pairs)).root_hash()
        );
        let (k, v) = &pairs[7];
        verify_state(&full.root_hash(), k, Some(v), &full.prove(&key_hash(k))).unwrap();
    }

    #[test]
    fn last_change_of_a_key_wins() {
        let tree = StateTree::new().apply(vec![
            (key_hash(b"a"), Some(value_hash(b"1"))),
            (key_hash(b"a"), Some(value_hash(b"2"))),
        ]);
        assert_eq!(tree.get(&key_hash(b"a")), Some(value_hash(b"2")));
        let tree = tree.apply(vec![
            (key_hash(b"a"), None),
            (key_hash(b"a"), Some(value_hash(b"3"))),
        ]);
        assert_eq!(tree.get(&key_hash(b"a")), Some(value_hash(b"3")));
    }

    #[test]
    fn proofs_of_every_key_and_of_absent_keys_verify() {
        let pairs = leaves(257);
        let tree = StateTree::from_leaves(hashed(&pairs));
        let root = tree.root_hash();
        for (k, v) in &pairs {
            verify_state(&root, k, Some(v), &tree.prove(&key_hash(k))).unwrap();
        }
        for i in 1000u32..1100 {
            let k = i.to_be_bytes();
            verify_state(&root, &k, None, &tree.prove(&key_hash(&k))).unwrap();
        }
    }

    #[test]
    fn parallel_and_serial_builds_agree() {
        let pairs = hashed(&leaves(3 * PARALLEL_MINIMUM as u32));
        let mut sorted = pairs.clone();
        sorted.sort();
        let serial = build(&sorted, 0).unwrap();
        let parallel = StateTree::from_leaves(pairs);
        assert_eq!(*serial.hash(), parallel.root_hash());
    }
}
