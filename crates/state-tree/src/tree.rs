//! The authenticated state tree, held in memory.
//!
//! A persistent (copy-on-write) crit-bit tree over key hashes, hashed as
//! `civitas_types::state_proof` defines. Applying a block's changes copies only
//! the paths they touch and shares every other node with the previous version, so
//! the tree before a block stays valid (for proofs, or when a proposal loses) while
//! the new one is computed. Changes are applied as one sorted batch, each touched
//! node is hashed once, and the two halves of a large batch are hashed on two
//! threads. The tree holds hashes only; values live beside it, in the ledger's
//! store or in a [`crate::MemoryState`] (docs/decisions/0009-state-tree.md
//! explains why this shape).

use std::sync::Arc;

use civitas_types::Hash;
use civitas_types::codec::BoundedVec;
use civitas_types::state_proof::{
    KEY_BITS, ProofLeaf, ProofStep, StateProof, bit_at, empty_root, first_difference, leaf_hash,
    node_hash,
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

/// A broken invariant of the tree's own code. No input can cause one: the public
/// functions sort and deduplicate first, and bits strictly increase down every
/// path by construction. Each is reported instead of silently dropping data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// One key hash twice in a batch that must hold distinct keys.
    #[error("key hash {0} appears twice in a batch that must hold distinct keys")]
    DuplicateKey(Hash),
    /// A batch that must be sorted by key hash is not.
    #[error("a batch that must be sorted by key hash is not")]
    Unsorted,
    /// A path with more inner nodes than a key hash has bits.
    #[error(
        "a path has more than {KEY_BITS} inner nodes: its branching bits do not strictly increase"
    )]
    PathTooLong,
}

type Built = Result<Option<Arc<Node>>, TreeError>;

impl StateTree {
    /// The empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the tree of `leaves` (key hash, value hash); on repeated key hashes
    /// the last one wins.
    pub fn from_leaves(mut leaves: Vec<(Hash, Hash)>) -> Result<Self, TreeError> {
        sort_dedup_last(&mut leaves, |leaf| leaf.0);
        Ok(StateTree {
            root: build(&leaves, parallel_depth())?,
        })
    }

    /// The root hash, as headers carry it.
    pub fn root_hash(&self) -> Hash {
        self.root
            .as_ref()
            .map_or_else(empty_root, |root| *root.hash())
    }

    /// The tree after `changes`, whatever their order; on repeated key hashes the
    /// last change wins. `self` is left as it was.
    pub fn apply(&self, mut changes: Vec<Change>) -> Result<StateTree, TreeError> {
        sort_dedup_last(&mut changes, |change| change.0);
        Ok(StateTree {
            root: update(self.root.as_ref(), &changes, parallel_depth())?,
        })
    }

    /// The value hash stored under `key_hash`.
    pub fn get(&self, key_hash: &Hash) -> Result<Option<Hash>, TreeError> {
        let leaf = self.path(key_hash, |_| {})?;
        Ok(leaf
            .filter(|leaf| leaf.key_hash == *key_hash)
            .map(|leaf| leaf.value_hash))
    }

    /// The proof of `key_hash`'s value or absence (see `verify_state`).
    pub fn prove(&self, key_hash: &Hash) -> Result<StateProof, TreeError> {
        let mut steps = BoundedVec::new();
        let mut overflow = false;
        let leaf = self.path(key_hash, |step| {
            overflow |= steps.try_push(step).is_err();
        })?;
        if overflow {
            return Err(TreeError::PathTooLong);
        }
        Ok(StateProof {
            steps,
            leaf: leaf.map(|leaf| ProofLeaf {
                key_hash: leaf.key_hash,
                value_hash: leaf.value_hash,
            }),
        })
    }

    /// Follows `key_hash`'s bits to a leaf, reporting each inner node passed;
    /// refuses a path longer than a key hash has bits.
    fn path(
        &self,
        key_hash: &Hash,
        mut on_step: impl FnMut(ProofStep),
    ) -> Result<Option<&Leaf>, TreeError> {
        let Some(mut node) = self.root.as_deref() else {
            return Ok(None);
        };
        // Bits strictly increase along a path: at most KEY_BITS inner nodes.
        for _ in 0..=KEY_BITS {
            let inner = match node {
                Node::Leaf(leaf) => return Ok(Some(leaf)),
                Node::Inner(inner) => inner,
            };
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
            node = taken.as_ref();
        }
        Err(TreeError::PathTooLong)
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

/// Splits sorted `items` at `bit`: those with the bit 0, then those with it 1.
fn split_at_bit<T>(items: &[T], bit: u8, key: impl Fn(&T) -> &Hash) -> (&[T], &[T]) {
    let middle = items.partition_point(|item| bit_at(key(item), bit) == 0);
    items.split_at(middle)
}

/// The tree of sorted, distinct `leaves`.
fn build(leaves: &[(Hash, Hash)], parallel: u8) -> Built {
    let (first, last) = match leaves {
        [] => return Ok(None),
        [(key_hash, value_hash)] => return Ok(Some(Node::leaf(*key_hash, *value_hash))),
        [first, .., last] => (first, last),
    };
    // Sorted and distinct: the first and last differ, every leaf shares the bits
    // before their first difference, and both sides of it hold a leaf.
    let bit = first_difference(&first.0, &last.0).ok_or(TreeError::DuplicateKey(first.0))?;
    let (zero, one) = split_at_bit(leaves, bit, |leaf| &leaf.0);
    if zero.is_empty() || one.is_empty() {
        return Err(TreeError::Unsorted);
    }
    let split = parallel > 0 && zero.len().min(one.len()) >= PARALLEL_MINIMUM;
    let next = parallel.saturating_sub(1);
    let (left, right) = both(split, || build(zero, next), || build(one, next));
    Ok(join(bit, left?, right?))
}

/// `node` after the sorted, distinct `changes`, all of which share the bits that
/// lead to `node`.
fn update(node: Option<&Arc<Node>>, changes: &[Change], parallel: u8) -> Built {
    let Some(node) = node else {
        let inserts: Vec<(Hash, Hash)> = changes
            .iter()
            .filter_map(|(key, value)| value.map(|value| (*key, value)))
            .collect();
        return build(&inserts, parallel);
    };
    let (Some(first), Some(last)) = (changes.first(), changes.last()) else {
        return Ok(Some(Arc::clone(node)));
    };
    let representative = node.representative();
    let low = first.0.min(*representative);
    let high = last.0.max(*representative);
    match (node.as_ref(), first_difference(&low, &high)) {
        // Every change is to this very leaf: distinct changes hold one.
        (Node::Leaf(_), None) => match changes {
            [(key, value)] => Ok(value.map(|value| Node::leaf(*key, value))),
            _ => Err(TreeError::DuplicateKey(first.0)),
        },
        (Node::Inner(inner), None) => descend(inner, changes, parallel),
        (Node::Inner(inner), Some(bit)) if bit >= inner.bit => descend(inner, changes, parallel),
        // Some change leaves this subtree's prefix at `bit`: those go beside it.
        (_, Some(bit)) => branch_off(node, changes, bit, parallel),
    }
}

/// `node` with `changes`, some of which leave its prefix at `bit`: those are
/// built into a new subtree beside it, under a new inner node at `bit`.
fn branch_off(node: &Arc<Node>, changes: &[Change], bit: u8, parallel: u8) -> Built {
    let (zero, one) = split_at_bit(changes, bit, |change| &change.0);
    let node_side = bit_at(node.representative(), bit);
    let (own, beside) = if node_side == 0 {
        (zero, one)
    } else {
        (one, zero)
    };
    // `bit` is where the node's prefix and some change first differ: with sorted
    // changes at least one lies beside (else this would recurse forever).
    if beside.is_empty() {
        return Err(TreeError::Unsorted);
    }
    let kept = update(Some(node), own, parallel)?;
    let added = update(None, beside, parallel)?;
    Ok(if node_side == 0 {
        join(bit, kept, added)
    } else {
        join(bit, added, kept)
    })
}

/// Splits `changes` at the inner node's bit and updates both children.
fn descend(inner: &Inner, changes: &[Change], parallel: u8) -> Built {
    let (zero, one) = split_at_bit(changes, inner.bit, |change| &change.0);
    let [left, right] = &inner.children;
    let split = parallel > 0 && zero.len().min(one.len()) >= PARALLEL_MINIMUM;
    let next = parallel.saturating_sub(1);
    let (left, right) = both(
        split,
        || update(Some(left), zero, next),
        || update(Some(right), one, next),
    );
    Ok(join(inner.bit, left?, right?))
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
        verify_state(
            &tree.root_hash(),
            b"k",
            None,
            &tree.prove(&key_hash(b"k")).unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn building_equals_inserting_one_by_one_and_in_batches() {
        let pairs = leaves(300);
        let built = StateTree::from_leaves(hashed(&pairs)).unwrap();
        let mut one_by_one = StateTree::new();
        for (k, v) in hashed(&pairs) {
            one_by_one = one_by_one.apply(vec![(k, Some(v))]).unwrap();
        }
        let batched = StateTree::new()
            .apply(
                hashed(&pairs)
                    .into_iter()
                    .rev()
                    .map(|(k, v)| (k, Some(v)))
                    .collect(),
            )
            .unwrap();
        assert_eq!(built.root_hash(), one_by_one.root_hash());
        assert_eq!(built.root_hash(), batched.root_hash());
    }

    #[test]
    fn deleting_everything_returns_to_empty_and_old_versions_survive() {
        let pairs = leaves(100);
        let full = StateTree::from_leaves(hashed(&pairs)).unwrap();
        let empty = full
            .apply(hashed(&pairs).into_iter().map(|(k, _)| (k, None)).collect())
            .unwrap();
        assert_eq!(empty.root_hash(), empty_root());
        assert_eq!(
            full.root_hash(),
            StateTree::from_leaves(hashed(&pairs)).unwrap().root_hash()
        );
        let (k, v) = &pairs[7];
        verify_state(
            &full.root_hash(),
            k,
            Some(v),
            &full.prove(&key_hash(k)).unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn last_change_of_a_key_wins() {
        let tree = StateTree::new()
            .apply(vec![
                (key_hash(b"a"), Some(value_hash(b"1"))),
                (key_hash(b"a"), Some(value_hash(b"2"))),
            ])
            .unwrap();
        assert_eq!(tree.get(&key_hash(b"a")).unwrap(), Some(value_hash(b"2")));
        let tree = tree
            .apply(vec![
                (key_hash(b"a"), None),
                (key_hash(b"a"), Some(value_hash(b"3"))),
            ])
            .unwrap();
        assert_eq!(tree.get(&key_hash(b"a")).unwrap(), Some(value_hash(b"3")));
    }

    #[test]
    fn proofs_of_every_key_and_of_absent_keys_verify() {
        let pairs = leaves(257);
        let tree = StateTree::from_leaves(hashed(&pairs)).unwrap();
        let root = tree.root_hash();
        for (k, v) in &pairs {
            verify_state(&root, k, Some(v), &tree.prove(&key_hash(k)).unwrap()).unwrap();
        }
        for i in 1000u32..1100 {
            let k = i.to_be_bytes();
            verify_state(&root, &k, None, &tree.prove(&key_hash(&k)).unwrap()).unwrap();
        }
    }

    #[test]
    fn parallel_and_serial_builds_agree() {
        let pairs = hashed(&leaves(3 * PARALLEL_MINIMUM as u32));
        let mut sorted = pairs.clone();
        sorted.sort();
        let serial = build(&sorted, 0).unwrap().unwrap();
        let parallel = StateTree::from_leaves(pairs).unwrap();
        assert_eq!(*serial.hash(), parallel.root_hash());
    }

    #[test]
    fn build_reports_a_repeated_key_instead_of_dropping_it() {
        let (a, b) = (key_hash(b"a"), key_hash(b"b"));
        let v = value_hash(b"v");
        let mut twice = vec![(a, v), (a, v)];
        assert_eq!(build(&twice, 0).err(), Some(TreeError::DuplicateKey(a)));
        twice.push((b, v));
        twice.sort();
        assert!(matches!(build(&twice, 0), Err(TreeError::DuplicateKey(_))));
    }

    #[test]
    fn build_and_update_report_an_unsorted_batch_instead_of_recursing_forever() {
        let mut pairs = hashed(&leaves(64));
        pairs.sort();
        pairs.reverse();
        assert_eq!(build(&pairs, 0).err(), Some(TreeError::Unsorted));
        let tree = StateTree::from_leaves(hashed(&leaves(8))).unwrap();
        let mut changes: Vec<Change> = hashed(&leaves(64))
            .into_iter()
            .map(|(k, v)| (k, Some(v)))
            .collect();
        changes.sort();
        changes.reverse();
        assert!(update(tree.root.as_ref(), &changes, 0).is_err());
    }

    /// A tree no code path builds: `depth` inner nodes all branching at bit 0.
    fn too_deep(depth: usize) -> StateTree {
        let leaf = Node::leaf(Hash::ZERO, Hash::ZERO);
        let mut node = Arc::clone(&leaf);
        for _ in 0..depth {
            node = Arc::new(Node::Inner(Inner {
                bit: 0,
                representative: Hash::ZERO,
                hash: Hash::ZERO,
                children: [node, Arc::clone(&leaf)],
            }));
        }
        StateTree { root: Some(node) }
    }

    #[test]
    fn prove_and_get_report_a_path_longer_than_256_steps() {
        assert_eq!(too_deep(256).prove(&Hash::ZERO).unwrap().steps.len(), 256);
        assert_eq!(
            too_deep(257).prove(&Hash::ZERO),
            Err(TreeError::PathTooLong)
        );
        assert_eq!(too_deep(300).get(&Hash::ZERO), Err(TreeError::PathTooLong));
    }
}
