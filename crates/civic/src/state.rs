//! State access: a small key-value trait, and the overlay execution writes through.
//!
//! Execution reads the state as of the previous block through [`StateRead`] and
//! writes into an [`Overlay`] (one map of the block's writes, with an undo
//! journal for the current transaction; see its documentation). At the end of
//! the block the driver applies [`Overlay::into_writes`] to its store in one
//! batch, in key order, so the output is the same on every node.

use std::collections::{BTreeMap, HashMap};

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{decode, encode};

/// Read access to the state of the previous block.
pub trait StateRead {
    /// The value at `key`, if any; an error when the storage behind it failed
    /// (never a wrong `None`).
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// Whether `key` holds a value. The default reads it; a store that can
    /// answer without copying the value should.
    fn contains(&self, key: &[u8]) -> Result<bool, StorageError> {
        self.get(key).map(|value| value.is_some())
    }
}

/// The storage behind a [`StateRead`] failed (a disk or database error): a local
/// fault, reported to the operator as the storage described it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct StorageError {
    /// The storage's own description of the failure.
    pub reason: String,
}

/// An in-memory state (tests, simulations, genesis building).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryState {
    /// All key-value pairs.
    pub entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl StateRead for MemoryState {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.entries.get(key).cloned())
    }

    fn contains(&self, key: &[u8]) -> Result<bool, StorageError> {
        Ok(self.entries.contains_key(key))
    }
}

impl MemoryState {
    /// Applies a block's writes (`None` deletes).
    pub fn apply(&mut self, writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        for (key, value) in writes {
            match value {
                Some(value) => self.entries.insert(key, value),
                None => self.entries.remove(&key),
            };
        }
    }
}

/// The state could not be read, or a stored value could not be decoded: a
/// local fault; the node must stop, not carry on with a wrong answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateFault {
    /// The storage failed to read the key.
    #[error("the state storage failed to read key {key}: {error}")]
    Unreadable {
        /// Hex of the state key concerned.
        key: String,
        /// What the storage said.
        error: StorageError,
    },
    /// A stored value breaks an invariant the rules maintain (e.g. a programme
    /// whose reserve is smaller than a pending order).
    #[error("inconsistent state at key {key}: {reason}")]
    Inconsistent {
        /// Hex of the state key concerned.
        key: String,
        /// What does not add up.
        reason: &'static str,
    },
    /// The stored value does not decode as the type its table holds.
    #[error("corrupt state value at key {key}: {reason}")]
    Undecodable {
        /// Hex of the state key concerned.
        key: String,
        /// Why it did not decode.
        reason: String,
    },
}

/// The block's pending writes over a base state, with a transaction layer on top.
///
/// Writes go straight into the block's map; an undo journal remembers what each
/// write of the current transaction replaced, so a rollback restores it. One map
/// means one lookup per read. The map is a `HashMap` with the standard randomly
/// keyed SipHash: keys come from transactions, and a predictable hash would let
/// a sender craft colliding keys to slow every validator down.
pub struct Overlay<'a, S: StateRead> {
    base: &'a S,
    block: HashMap<Vec<u8>, Option<Vec<u8>>>,
    journal: Vec<Undo>,
}

/// A position in the current transaction's writes (see [`Overlay::savepoint`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Savepoint(usize);

/// A key and what the block map held for it before the write (`None`: absent).
type Undo = (Vec<u8>, Option<Option<Vec<u8>>>);

impl<'a, S: StateRead> Overlay<'a, S> {
    /// An overlay with no writes yet.
    pub fn new(base: &'a S) -> Overlay<'a, S> {
        Overlay {
            base,
            block: HashMap::new(),
            journal: Vec::new(),
        }
    }

    /// The raw value at `key` as seen by the current transaction.
    pub fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateFault> {
        match self.block.get(key) {
            Some(value) => Ok(value.clone()),
            None => self.read_base(key),
        }
    }

    /// Whether `key` holds a value, as seen by the current transaction (no decoding).
    pub fn contains(&self, key: &[u8]) -> Result<bool, StateFault> {
        match self.block.get(key) {
            Some(value) => Ok(value.is_some()),
            None => self
                .base
                .contains(key)
                .map_err(|error| StateFault::Unreadable {
                    key: hex_of(key),
                    error,
                }),
        }
    }

    fn read_base(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateFault> {
        self.base.get(key).map_err(|error| StateFault::Unreadable {
            key: hex_of(key),
            error,
        })
    }

    /// The value at `key`, decoded.
    pub fn get<T: BorshDeserialize>(&self, key: &[u8]) -> Result<Option<T>, StateFault> {
        // Overlay hits decode in place; only the base's value is fetched.
        let fetched;
        let bytes = match self.block.get(key) {
            Some(Some(bytes)) => bytes.as_slice(),
            Some(None) => return Ok(None),
            None => match self.read_base(key)? {
                Some(value) => {
                    fetched = value;
                    fetched.as_slice()
                }
                None => return Ok(None),
            },
        };
        decode(bytes)
            .map(Some)
            .map_err(|error| StateFault::Undecodable {
                key: hex_of(key),
                reason: error.to_string(),
            })
    }

    fn write(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        let previous = self.block.insert(key.clone(), value);
        self.journal.push((key, previous));
    }

    /// Stages `value` at `key` in the current transaction.
    pub fn put<T: BorshSerialize>(&mut self, key: Vec<u8>, value: &T) {
        self.write(key, Some(encode(value)));
    }

    /// Stages the deletion of `key` in the current transaction.
    pub fn delete(&mut self, key: Vec<u8>) {
        self.write(key, None);
    }

    /// Keeps the current transaction's writes.
    pub fn commit_transaction(&mut self) {
        self.journal.clear();
    }

    /// A mark in the current transaction's writes, for [`Overlay::rollback_to`].
    pub fn savepoint(&self) -> Savepoint {
        Savepoint(self.journal.len())
    }

    /// Drops the writes made since `savepoint`, keeping the transaction's
    /// earlier ones (a refused governance action inside a vote, say).
    pub fn rollback_to(&mut self, savepoint: Savepoint) {
        while self.journal.len() > savepoint.0 {
            let Some((key, previous)) = self.journal.pop() else {
                break;
            };
            self.restore(key, previous);
        }
    }

    fn restore(&mut self, key: Vec<u8>, previous: Option<Option<Vec<u8>>>) {
        match previous {
            Some(value) => {
                self.block.insert(key, value);
            }
            None => {
                self.block.remove(&key);
            }
        }
    }

    /// Drops the current transaction's writes.
    pub fn rollback_transaction(&mut self) {
        self.rollback_to(Savepoint(0));
    }

    /// The block's writes in key order (a transaction still staged is dropped).
    pub fn into_writes(mut self) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        self.rollback_transaction();
        self.block.into_iter().collect()
    }
}

pub(crate) fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_layer_commits_and_rolls_back() {
        let mut base = MemoryState::default();
        base.entries.insert(b"a".to_vec(), encode(&1u32));
        let mut overlay = Overlay::new(&base);
        overlay.put(b"a".to_vec(), &2u32);
        overlay.put(b"b".to_vec(), &3u32);
        assert_eq!(overlay.get::<u32>(b"a"), Ok(Some(2)));
        overlay.rollback_transaction();
        assert_eq!(overlay.get::<u32>(b"a"), Ok(Some(1)));
        assert_eq!(overlay.get::<u32>(b"b"), Ok(None));
        overlay.delete(b"a".to_vec());
        overlay.commit_transaction();
        assert_eq!(overlay.get::<u32>(b"a"), Ok(None));
        let writes = overlay.into_writes();
        base.apply(writes);
        assert!(base.entries.is_empty());
    }

    #[test]
    fn undecodable_value_is_reported_as_corruption() {
        let mut base = MemoryState::default();
        base.entries.insert(b"k".to_vec(), vec![1, 2, 3]);
        let overlay = Overlay::new(&base);
        assert!(overlay.get::<u64>(b"k").is_err());
    }
}
