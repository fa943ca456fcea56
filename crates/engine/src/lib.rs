//! The replicated application around consensus, shared by the node and the
//! simulator (pure: no I/O, no clock, no randomness — time is an argument).
//!
//! [`Engine`] answers the Tendermint core's effects: it builds this
//! validator's proposals from the mempool and the evidence pool within the
//! block limits ([`build`]), judges received blocks by re-executing them on
//! the last committed state ([`validate`]), commits decided blocks through a
//! [`ChainStore`] and moves to the next height with its validator set. What
//! it does not own is behind narrow traits: the block and state store
//! ([`ChainStore`]; [`MemoryStore`] in memory), the signing-state store
//! (`civitas_consensus::SignStateStore`); network output and timers are
//! [`Output`]s the driver carries out. docs/consensus.md ("The engine")
//! describes it.

pub mod build;
pub mod config;
pub mod engine;
pub mod error;
pub mod execution;
pub mod io;
pub mod memory_store;
pub mod store;
pub mod validate;

pub use config::{ChainSpec, EngineConfig, HEARTBEAT_MS_DEFAULT};
pub use engine::{Admissions, Engine};
pub use error::{EngineError, InvalidBlock};
pub use io::{CommittedBlock, Input, Output, Timer};
pub use memory_store::{MemoryStore, MemoryView, StoredBlock};
pub use store::{ChainRead, ChainStore, Decided, PreparedState, StoreError, Tip, Writes};
