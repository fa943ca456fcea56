//! Civitas authenticated state, pure: the state tree whose root every header
//! carries, its proofs, and an in-memory versioned state built on it.
//!
//! The tree ([`tree`]) is a copy-on-write crit-bit tree over key hashes, hashed
//! as `civitas_types::state_proof` defines; [`changes`] says which keys the state
//! accepts and is the one place writes become tree changes; [`memory`] keeps
//! values and tree together as cheap immutable versions. The ledger persists the
//! values in RocksDB and holds the tree of its latest height; the engine, the
//! simulator and the auditor use [`MemoryState`]: the same root by construction.
//!
//! Pure: no disk, network, clock or randomness. Large batches are hashed on a
//! second thread (scoped, joined before returning); the result never depends on
//! it. docs/storage.md ("The state tree") gives the hashing and the proof format;
//! docs/decisions/0009-state-tree.md says why this shape.

pub mod changes;
pub mod memory;
pub mod parallel;
pub mod tree;

pub use changes::{KEY_BYTES_MAX, KeyError, changes_of, check_key, leaves_of};
pub use memory::{MemoryState, StateError, Values, Writes};
pub use tree::{Change, StateTree, TreeError};
