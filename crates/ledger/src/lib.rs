//! Civitas ledger: the node's durable store.
//!
//! One RocksDB database holds the blocks, their certificates, a transaction index,
//! receipts, the civic state (latest values and every retained version) and the
//! state root of each height ([`schema`] has the layout). The authenticated state
//! tree (from `civitas_state_tree`, the pure crate the engine and the auditor
//! share) is kept in memory for the latest height and rebuilt, and checked against
//! its recorded root, when the store opens. A block commits as one synced
//! write batch ([`commit`]); state can be exported to and imported from verified
//! snapshot files ([`snapshot`]), vouched for by a trusted root or by the
//! validators' signatures. Errors say whose fault they are ([`Fault`]); the crash
//! test aims its kills at named points of the commit path ([`commit_points`]).
//! This is the only crate that links RocksDB.
//! docs/storage.md describes the formats and protocols.

pub mod commit;
pub mod commit_points;
pub mod error;
mod proof_cache;
mod reclaim;
pub mod schema;
pub mod snapshot;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod tamper;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use civitas_state_tree::{Change, KeyError, StateTree, TreeError};
pub use commit::PreparedState;
pub use error::{BlockRejection, Fault, LedgerError, REPAIR_ADVICE, Result, SnapshotRejection};
pub use proof_cache::PROOF_CACHE_BLOCKS;
pub use snapshot::{
    SnapshotEntries, SnapshotHeader, SnapshotTrust, read_snapshot, snapshot_height, write_snapshot,
};
pub use store::{ChainIdentity, Ledger, LedgerConfig, ProvenValue, Retention, TransactionRecord};
