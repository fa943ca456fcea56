//! Why a block is invalid (a peer's fault: vote nil, drop it) and why the
//! engine stopped (this node's fault: the operator must act).

use civitas_civic::{BlockExecutionError, StateFault, StorageError, VersionError};
use civitas_consensus::ConsensusError;
use civitas_mempool::{InvalidSignatures, MempoolFault};
use civitas_types::{BlockOverLimit, Hash};
use civitas_verify::VerifyError;

use crate::store::StoreError;

/// A rule a received block breaks. Every honest validator reaches the same
/// verdict on the same block: the checks read only the block, the chain and
/// the state of the previous height.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBlock {
    /// A rule anyone can check on the block alone (chain, height, parent,
    /// validator set, proposer, version, time, body, evidence, last commit).
    #[error(transparent)]
    Verify(VerifyError),
    /// Over the block limits.
    #[error(transparent)]
    OverLimit(#[from] BlockOverLimit),
    /// A transaction signature does not verify.
    #[error(transparent)]
    Signatures(#[from] InvalidSignatures),
    /// Execution refused the block (envelope, evidence, signer bound).
    #[error(transparent)]
    Execution(BlockExecutionError),
    /// The header's `receipts_root` is not the receipts of its execution.
    #[error("receipts_root does not match the block's execution")]
    ReceiptsRoot,
    /// The header's `state_root` is not the state after its execution.
    #[error("state_root does not match the state after the block")]
    StateRoot,
    /// The header's `next_validators_hash` is not the set of the next height.
    #[error("next_validators_hash does not match the next height's validator set")]
    NextValidators,
}

/// Why the engine stopped. Always this node's fault; each says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The block or state store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The committed state is corrupt.
    #[error(
        "the committed state is corrupt: {0}; restore the data directory from a verified snapshot"
    )]
    State(#[from] StateFault),
    /// A past height could not be read for evidence.
    #[error("height {height} could not be read: {error}")]
    PastHeight {
        /// The height.
        height: u64,
        /// What the store said.
        error: StorageError,
    },
    /// The mempool could not read the state.
    #[error(transparent)]
    Mempool(#[from] MempoolFault),
    /// The signing state could not be saved: no signature may leave.
    #[error(transparent)]
    Consensus(#[from] ConsensusError),
    /// The network moved to a protocol version this binary does not run.
    #[error(transparent)]
    Version(VersionError),
    /// A received block could not be judged here (a protocol version this
    /// build does not know, or a past height unreadable).
    #[error(transparent)]
    Unverifiable(VerifyError),
    /// The store holds no validator set for a height it must know.
    #[error("the validator set of height {0} is unknown: the store is incomplete")]
    UnknownValidatorSet(u64),
    /// Consensus decided a block this node never had (cannot happen with an
    /// honest store; the node stops rather than guess).
    #[error("height {height} was decided for block {hash}, which this node does not hold")]
    DecidedUnknownBlock {
        /// The height.
        height: u64,
        /// The block.
        hash: Hash,
    },
    /// Cleaning the evidence pool after a commit failed on something other
    /// than storage: a bug; stop.
    #[error("the evidence pool could not be cleaned after a commit; this is a bug, report it")]
    EvidencePool,
    /// The pools gave more than a block can carry: a bug; stop.
    #[error("the block this node built carries too many {0}")]
    OwnBlockOverLimit(&'static str),
    /// This node built a block that it finds invalid: a bug; stop.
    #[error("the block this node built is invalid: {0}")]
    OwnBlockInvalid(InvalidBlock),
}
