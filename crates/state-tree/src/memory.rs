//! An in-memory versioned state: the values and their state tree together.
//!
//! The engine executes blocks over it, the simulator runs whole networks on it,
//! and an auditor can replay a chain with it, all without a database. Both halves
//! are persistent: a new version shares every value and tree node its writes did
//! not touch with the version it came from, which stays valid (a proposal that
//! loses costs nothing to discard). Its root is the ledger's for the same writes
//! by construction: both turn writes into tree changes with
//! [`crate::changes_of`].

use std::collections::BTreeMap;
use std::fmt;

use civitas_types::Hash;
use civitas_types::state_proof::{StateProof, key_hash};
use rpds::RedBlackTreeMapSync;

use crate::changes::{KeyError, changes_of, leaves_of};
use crate::tree::{StateTree, TreeError};

/// Why a new version of a [`MemoryState`] could not be made; the version it was
/// made from is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// A write's key is refused (empty or too long): a bug in the code that wrote it.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// The state tree broke one of its own invariants: a bug, never caused by input.
    #[error("the state tree broke an invariant: {0}; this is a bug, report it")]
    Tree(#[from] TreeError),
}

/// One version of the state: key → value, with its authenticated tree. Cheap to
/// clone (two reference counts), immutable; [`MemoryState::apply`] makes the next.
#[derive(Clone)]
pub struct MemoryState {
    values: RedBlackTreeMapSync<Vec<u8>, Vec<u8>>,
    tree: StateTree,
}

impl Default for MemoryState {
    fn default() -> Self {
        MemoryState {
            values: RedBlackTreeMapSync::new_sync(),
            tree: StateTree::new(),
        }
    }
}

impl fmt::Debug for MemoryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryState")
            .field("root", &self.root())
            .field("entries", &self.len())
            .finish()
    }
}

impl MemoryState {
    /// The empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// The state holding exactly `entries` (a genesis state, or a snapshot's).
    pub fn from_entries(entries: BTreeMap<Vec<u8>, Vec<u8>>) -> Result<Self, StateError> {
        let pairs: Vec<(&Vec<u8>, &Vec<u8>)> = entries.iter().collect();
        let tree = StateTree::from_leaves(leaves_of(&pairs)?)?;
        let mut values = RedBlackTreeMapSync::new_sync();
        for (key, value) in entries {
            values.insert_mut(key, value);
        }
        Ok(MemoryState { values, tree })
    }

    /// The value at `key`, if any.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.values.get(key).map(Vec::as_slice)
    }

    /// The next version: this one with `writes` (key → new value, `None`
    /// deletes; deleting an absent key changes nothing). `self` is left as it was,
    /// also when a key is refused.
    pub fn apply(
        &self,
        writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    ) -> Result<MemoryState, StateError> {
        let pairs: Vec<(&Vec<u8>, Option<&Vec<u8>>)> = writes
            .iter()
            .map(|(key, value)| (key, value.as_ref()))
            .collect();
        let tree = self.tree.apply(changes_of(&pairs)?)?;
        let mut values = self.values.clone();
        for (key, value) in writes {
            match value {
                Some(value) => values.insert_mut(key, value),
                None => {
                    values.remove_mut(&key);
                }
            }
        }
        Ok(MemoryState { values, tree })
    }

    /// The state root, as headers carry it.
    pub fn root(&self) -> Hash {
        self.tree.root_hash()
    }

    /// The value at `key` (or its absence) with its proof against [`Self::root`],
    /// checked by `civitas_types::verify_state`.
    pub fn prove(&self, key: &[u8]) -> Result<(Option<&[u8]>, StateProof), TreeError> {
        let proof = self.tree.prove(&key_hash(key))?;
        Ok((self.get(key), proof))
    }

    /// The state tree of this version.
    pub fn tree(&self) -> &StateTree {
        &self.tree
    }

    /// How many keys hold a value.
    pub fn len(&self) -> usize {
        self.values.size()
    }

    /// Whether no key holds a value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every (key, value), in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.values
            .iter()
            .map(|(key, value)| (key.as_slice(), value.as_slice()))
    }
}
