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

use crate::changes::{KeyError, changes_of, check_key, leaves_of};
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

/// A block's writes: key → new value, `None` deletes.
pub type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The values of one state version without its tree: what execution reads.
/// Cheap to clone (a reference count), immutable; [`Values::after`] makes
/// the next. A replay that builds each block's tree on another thread keeps
/// the two halves apart ([`StateTree::after_writes`]) and joins them with
/// [`MemoryState::from_parts`].
#[derive(Clone)]
pub struct Values {
    map: RedBlackTreeMapSync<Vec<u8>, Vec<u8>>,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            map: RedBlackTreeMapSync::new_sync(),
        }
    }
}

impl Values {
    /// The value at `key`, if any.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.map.get(key).map(Vec::as_slice)
    }

    /// How many keys hold a value.
    pub fn len(&self) -> usize {
        self.map.size()
    }

    /// Whether no key holds a value.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every (key, value), in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.map
            .iter()
            .map(|(key, value)| (key.as_slice(), value.as_slice()))
    }

    /// The next version: these values with `writes`, refused (and `self`
    /// unchanged) on a key [`MemoryState::apply`] refuses.
    pub fn after(&self, writes: &Writes) -> Result<Values, KeyError> {
        for key in writes.keys() {
            check_key(key)?;
        }
        Ok(self.with(
            writes
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        ))
    }

    /// These values with `writes`, whose keys are checked.
    fn with(&self, writes: impl Iterator<Item = (Vec<u8>, Option<Vec<u8>>)>) -> Values {
        let mut map = self.map.clone();
        for (key, value) in writes {
            match value {
                Some(value) => map.insert_mut(key, value),
                None => {
                    map.remove_mut(&key);
                }
            }
        }
        Values { map }
    }
}

impl StateTree {
    /// This tree after `writes`: the tree half of [`MemoryState::apply`].
    pub fn after_writes(&self, writes: &Writes) -> Result<StateTree, StateError> {
        let pairs: Vec<(&Vec<u8>, Option<&Vec<u8>>)> = writes
            .iter()
            .map(|(key, value)| (key, value.as_ref()))
            .collect();
        Ok(self.apply(changes_of(&pairs)?)?)
    }
}

/// One version of the state: key → value, with its authenticated tree. Cheap to
/// clone (two reference counts), immutable; [`MemoryState::apply`] makes the next.
#[derive(Clone, Default)]
pub struct MemoryState {
    values: Values,
    tree: StateTree,
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
        let values =
            Values::default().with(entries.into_iter().map(|(key, value)| (key, Some(value))));
        Ok(MemoryState { values, tree })
    }

    /// The state of `values` and `tree`, built apart from one version by
    /// the same writes ([`Values::after`], [`StateTree::after_writes`]). The
    /// caller vouches that they match: nothing here can check it short of
    /// rebuilding the tree.
    pub fn from_parts(values: Values, tree: StateTree) -> MemoryState {
        MemoryState { values, tree }
    }

    /// The values, without the tree.
    pub fn values(&self) -> &Values {
        &self.values
    }

    /// The value at `key`, if any.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.values.get(key)
    }

    /// The next version: this one with `writes` (key → new value, `None`
    /// deletes; deleting an absent key changes nothing). `self` is left as it was,
    /// also when a key is refused.
    pub fn apply(&self, writes: Writes) -> Result<MemoryState, StateError> {
        let tree = self.tree.after_writes(&writes)?;
        let values = self.values.with(writes.into_iter());
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
        self.values.len()
    }

    /// Whether no key holds a value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every (key, value), in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.values.iter()
    }
}
