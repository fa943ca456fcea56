//! The auditor's whole-chain check: from the genesis document, every block
//! in order — its certificate against the validator set in force at its
//! height (following every governance change), its header and body
//! re-executed through the engine's own validation (links, roots, proposer,
//! time, evidence, every transaction through civic), and the civic laws
//! (`civitas_civic::invariants`) on what each block wrote. The first bad
//! height is reported with a typed reason ([`AuditError`]).
//!
//! Pure: no I/O, no clock; blocks come from the caller (an RPC client, a
//! copied data directory, a file) one at a time, and only the last block is
//! kept ([`civitas_engine::MemoryStore::keeping_blocks`]): memory follows the
//! state, not the chain's length. Signatures of the next block are checked
//! in ZIP-215 batches on other threads while the current one executes.
//!
//! Beside it: the open data computed from the verified state ([`export`])
//! and proof bundles, one fact checked offline against the genesis alone
//! ([`bundle`]).

pub mod bundle;
mod chain;
mod error;
pub mod export;
mod store;
mod summary;
mod worker;

pub use chain::ChainAudit;
pub use error::{AuditError, AuditFailure, SnapshotMismatch, StoredMismatch};
pub use summary::AuditSummary;
