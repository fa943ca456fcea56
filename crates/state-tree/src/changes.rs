//! From state keys and values to the tree's hashes: which keys the state
//! accepts, and the one conversion of a block's writes (or of a whole state)
//! into tree changes (or leaves).
//!
//! The ledger, the engine, the simulator and the auditor all turn writes into
//! changes here, so they compute the same root by construction, and a key one of
//! them accepts is never refused by another (a block whose writes the ledger
//! could not store would stop every node at commit).

use civitas_types::Hash;
use civitas_types::state_proof::{key_hash, value_hash};

use crate::parallel::map_on_two_threads;
use crate::tree::Change;

/// The longest state key, in bytes. The ledger prefixes each key's stored
/// versions with its length as a u16 (docs/storage.md, "Layout").
pub const KEY_BYTES_MAX: usize = 65_535;

/// A state key the state refuses. Keys come from this node's own execution,
/// so a refused key is a bug in the code that wrote it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The empty key: every state key starts with its table's prefix.
    #[error("a state key is empty; every state key starts with its table's prefix")]
    Empty,
    /// A key longer than [`KEY_BYTES_MAX`].
    #[error(
        "a state key of {length} bytes is longer than the {KEY_BYTES_MAX} bytes the state allows"
    )]
    TooLong {
        /// The key's length in bytes.
        length: usize,
    },
}

/// Whether the state accepts `key`: not empty, at most [`KEY_BYTES_MAX`] bytes.
pub fn check_key(key: &[u8]) -> Result<(), KeyError> {
    if key.is_empty() {
        return Err(KeyError::Empty);
    }
    if key.len() > KEY_BYTES_MAX {
        return Err(KeyError::TooLong { length: key.len() });
    }
    Ok(())
}

/// The tree changes of `writes` (key, new value or `None` to delete), in the
/// same order: (key hash, value hash or deletion). Refuses the whole batch if
/// any key is refused. Large batches are hashed on two threads.
pub fn changes_of<K, V>(writes: &[(K, Option<V>)]) -> Result<Vec<Change>, KeyError>
where
    K: AsRef<[u8]> + Sync,
    V: AsRef<[u8]> + Sync,
{
    for (key, _) in writes {
        check_key(key.as_ref())?;
    }
    Ok(map_on_two_threads(writes, |(key, value)| {
        (
            key_hash(key.as_ref()),
            value.as_ref().map(|value| value_hash(value.as_ref())),
        )
    }))
}

/// The tree leaves of a whole state's `entries` (key, value), in the same order:
/// (key hash, value hash). Refuses them all if any key is refused. Large states
/// are hashed on two threads.
pub fn leaves_of<K, V>(entries: &[(K, V)]) -> Result<Vec<(Hash, Hash)>, KeyError>
where
    K: AsRef<[u8]> + Sync,
    V: AsRef<[u8]> + Sync,
{
    for (key, _) in entries {
        check_key(key.as_ref())?;
    }
    Ok(map_on_two_threads(entries, |(key, value)| {
        (key_hash(key.as_ref()), value_hash(value.as_ref()))
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
    use super::*;

    #[test]
    fn empty_and_over_long_keys_are_refused_and_the_longest_is_accepted() {
        assert_eq!(check_key(b""), Err(KeyError::Empty));
        assert_eq!(check_key(&[7; KEY_BYTES_MAX]), Ok(()));
        assert_eq!(
            check_key(&[7; KEY_BYTES_MAX + 1]),
            Err(KeyError::TooLong {
                length: KEY_BYTES_MAX + 1
            })
        );
    }

    #[test]
    fn one_refused_key_refuses_the_whole_batch() {
        let writes = vec![(b"a".to_vec(), Some(b"1".to_vec())), (Vec::new(), None)];
        assert_eq!(changes_of(&writes), Err(KeyError::Empty));
        let entries = vec![(vec![1u8; KEY_BYTES_MAX + 1], b"1".to_vec())];
        assert!(matches!(leaves_of(&entries), Err(KeyError::TooLong { .. })));
    }

    #[test]
    fn changes_and_leaves_hash_keys_and_values_in_order() {
        let writes = vec![
            (b"b".to_vec(), Some(b"2".to_vec())),
            (b"a".to_vec(), None::<Vec<u8>>),
        ];
        assert_eq!(
            changes_of(&writes).unwrap(),
            vec![
                (key_hash(b"b"), Some(value_hash(b"2"))),
                (key_hash(b"a"), None)
            ]
        );
        let entries = [(b"k".as_slice(), b"v".as_slice())];
        assert_eq!(
            leaves_of(&entries).unwrap(),
            vec![(key_hash(b"k"), value_hash(b"v"))]
        );
    }
}
