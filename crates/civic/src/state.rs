//! State access: a small key-value trait, and the overlay execution writes through.
//!
//! Execution reads the state as of the previous block through [`StateRead`] and
//! writes into an [`Overlay`]: writes of the current transaction are staged
//! separately, so a failed transaction is rolled back without a trace
//! ([`Overlay::rollback_transaction`]) and a successful one is folded into the
//! block's writes ([`Overlay::commit_transaction`]). At the end of the block the
//! driver applies [`Overlay::into_writes`] to its store in one batch. Iteration
//! order is the byte order of keys (BTreeMap), so it is the same on every node.

use std::collections::BTreeMap;

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{decode, encode};

/// Read access to the state of the previous block.
pub trait StateRead {
    /// The value at `key`, if any.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
}

/// An in-memory state (tests, simulations, genesis building).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryState {
    /// All key-value pairs.
    pub entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl StateRead for MemoryState {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries.get(key).cloned()
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

/// A stored value could not be decoded: the state is corrupt (a local fault; the
/// node must stop, not carry on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt state value at key {key}: {reason}")]
pub struct CorruptState {
    /// Hex of the key.
    pub key: String,
    /// Why it did not decode.
    pub reason: String,
}

/// The block's pending writes over a base state, with a transaction layer on top.
pub struct Overlay<'a, S: StateRead> {
    base: &'a S,
    block: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    transaction: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'a, S: StateRead> Overlay<'a, S> {
    /// An overlay with no writes yet.
    pub fn new(base: &'a S) -> Overlay<'a, S> {
        Overlay {
            base,
            block: BTreeMap::new(),
            transaction: BTreeMap::new(),
        }
    }

    /// The raw value at `key` as seen by the current transaction.
    pub fn get_raw(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(value) = self.transaction.get(key) {
            return value.clone();
        }
        if let Some(value) = self.block.get(key) {
            return value.clone();
        }
        self.base.get(key)
    }

    /// The value at `key`, decoded.
    pub fn get<T: BorshDeserialize>(&self, key: &[u8]) -> Result<Option<T>, CorruptState> {
        match self.get_raw(key) {
            None => Ok(None),
            Some(bytes) => decode(&bytes).map(Some).map_err(|error| CorruptState {
                key: hex_of(key),
                reason: error.to_string(),
            }),
        }
    }

    /// Stages `value` at `key` in the current transaction.
    pub fn put<T: BorshSerialize>(&mut self, key: Vec<u8>, value: &T) {
        self.transaction.insert(key, Some(encode(value)));
    }

    /// Stages the deletion of `key` in the current transaction.
    pub fn delete(&mut self, key: Vec<u8>) {
        self.transaction.insert(key, None);
    }

    /// Keeps the current transaction's writes.
    pub fn commit_transaction(&mut self) {
        let staged = std::mem::take(&mut self.transaction);
        self.block.extend(staged);
    }

    /// Drops the current transaction's writes.
    pub fn rollback_transaction(&mut self) {
        self.transaction.clear();
    }

    /// The block's writes (a transaction still staged is dropped).
    pub fn into_writes(self) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        self.block
    }
}

fn hex_of(bytes: &[u8]) -> String {
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
