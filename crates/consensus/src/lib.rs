//! Tendermint consensus for Civitas, as a pure state machine.
//!
//! [`Consensus`] implements the algorithm of Buchman, Kwon and Milosevic, "The
//! latest gossip on BFT consensus" (2018), Algorithm 1, with weighted voting. It
//! does no I/O: the driver (the node, or the simulator) feeds it [`Input`]s —
//! messages, timeouts, the application's answers — and carries out the
//! [`Effect`]s it returns, in order: broadcast a message, schedule a timeout, ask
//! the application for a block, commit a decided block, record evidence. Time is
//! never read, only scheduled; nothing is random. Before any signature leaves the
//! state machine, the signing state is saved through the injected
//! [`SignStateStore`] (see [`signer`]), so a validator restarted at any moment
//! never signs two different messages for one step. docs/consensus.md describes it.

#[cfg(test)]
mod memory_store;
pub mod message;
pub mod params;
pub mod proposer;
pub mod signer;
pub mod state_machine;
pub mod vote_keeper;

pub use message::{ConsensusMessage, Effect, Input, Step, Timeout, TimeoutKind};
pub use params::{TIMEOUT_MS_MAX, TimeoutParams, TimeoutParamsError};
pub use proposer::proposer_index;
pub use signer::{SignState, SignStateStore, Signer, SignerError, StoreError};
pub use state_machine::{Consensus, ConsensusError};
pub use vote_keeper::VoteKeeper;
