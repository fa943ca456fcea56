//! Running a block through civic execution on the latest committed state:
//! the one path both a proposer (building) and a validator (checking) take, so
//! they compute the same receipts, writes, state root and next validator set.

use civitas_civic::evidence::PastHeight;
use civitas_civic::{
    BlockContext, BlockEvidence, BlockExecutionError, BlockOutcome, StorageError, ValidatorSets,
    execute_block,
};
use civitas_types::{Evidence, Hash, SignedTransaction};

use crate::config::ChainSpec;
use crate::error::{EngineError, InvalidBlock};
use crate::store::{ChainRead, ChainStore, PreparedState, StoreError};

/// A block executed on the latest committed state, ready to commit if decided.
pub struct Executed<P> {
    /// Receipts, writes and any validator-set change.
    pub outcome: BlockOutcome,
    /// The receipts root's leaves (block receipt first).
    pub receipt_leaves: Vec<Vec<u8>>,
    /// The state after the block.
    pub prepared: P,
    /// The hash of the set that signs the next height.
    pub next_validators_hash: Hash,
}

impl<P: PreparedState> Executed<P> {
    /// The header's `state_root`.
    pub fn state_root(&self) -> Hash {
        self.prepared.root()
    }

    /// The header's `receipts_root`.
    pub fn receipts_root(&self) -> Hash {
        civitas_types::receipt_leaves::receipts_root(&self.receipt_leaves)
    }
}

/// Why execution did not produce a result: the block is invalid, or this node
/// failed (it must stop).
pub enum ExecutionFailure {
    /// The block breaks a rule.
    Invalid(InvalidBlock),
    /// A local fault.
    Local(EngineError),
}

impl From<StoreError> for ExecutionFailure {
    fn from(error: StoreError) -> Self {
        ExecutionFailure::Local(EngineError::Store(error))
    }
}

/// A block executed on the latest committed state, its writes not yet
/// applied to any state: what [`Executed`] holds but the prepared state.
pub struct Unprepared {
    /// Receipts, writes and any validator-set change.
    pub outcome: BlockOutcome,
    /// The receipts root's leaves (block receipt first).
    pub receipt_leaves: Vec<Vec<u8>>,
    /// The hash of the set that signs the next height.
    pub next_validators_hash: Hash,
}

impl Unprepared {
    /// The header's `receipts_root`.
    pub fn receipts_root(&self) -> Hash {
        civitas_types::receipt_leaves::receipts_root(&self.receipt_leaves)
    }
}

/// Executes `transactions` and `evidence` at `context` on `store`'s state.
pub fn execute<S: ChainStore>(
    store: &S,
    spec: &ChainSpec,
    context: &BlockContext,
    transactions: &[SignedTransaction],
    evidence: &[Evidence],
) -> Result<Executed<S::Prepared>, ExecutionFailure> {
    let Unprepared {
        outcome,
        receipt_leaves,
        next_validators_hash,
    } = execute_unprepared(store, spec, context, transactions, evidence)?;
    let prepared = store.prepare(&outcome.writes)?;
    Ok(Executed {
        outcome,
        receipt_leaves,
        prepared,
        next_validators_hash,
    })
}

/// [`execute`] without preparing the state after the block: the caller
/// applies [`BlockOutcome::writes`] itself (the auditor, which builds the
/// state tree on another thread).
pub fn execute_unprepared<S: ChainRead>(
    store: &S,
    spec: &ChainSpec,
    context: &BlockContext,
    transactions: &[SignedTransaction],
    evidence: &[Evidence],
) -> Result<Unprepared, ExecutionFailure> {
    let past = PastHeights { store };
    let block_evidence = BlockEvidence {
        items: evidence,
        params: spec.consensus.evidence,
        validator_sets: &past,
    };
    let outcome =
        execute_block(store.state(), context, transactions, block_evidence).map_err(classify)?;
    let next_height = context.height.saturating_add(1);
    let next_validators_hash = match &outcome.validator_set_change {
        Some((activation, set)) if *activation == next_height => set.hash(),
        _ => store
            .validator_set(next_height)?
            .ok_or_else(|| {
                ExecutionFailure::Local(EngineError::Store(StoreError::Corrupt(format!(
                    "the validator set of height {next_height} is unknown"
                ))))
            })?
            .hash(),
    };
    Ok(Unprepared {
        receipt_leaves: outcome.receipt_leaves(),
        outcome,
        next_validators_hash,
    })
}

/// A block that cannot be executed is invalid, unless the reason is this
/// node's own storage.
pub(crate) fn classify(error: BlockExecutionError) -> ExecutionFailure {
    match error {
        BlockExecutionError::Corrupt(fault) => ExecutionFailure::Local(EngineError::State(fault)),
        BlockExecutionError::PastHeightUnreadable { height, error } => {
            ExecutionFailure::Local(EngineError::PastHeight { height, error })
        }
        invalid => ExecutionFailure::Invalid(InvalidBlock::Execution(invalid)),
    }
}

/// Past heights' validator sets and block times, read from the store (for
/// evidence).
pub(crate) struct PastHeights<'a, S> {
    pub(crate) store: &'a S,
}

impl<S: ChainRead> ValidatorSets for PastHeights<'_, S> {
    fn at(&self, height: u64) -> Result<Option<PastHeight>, StorageError> {
        let unreadable = |error: StoreError| StorageError {
            reason: error.to_string(),
        };
        let Some(time_ms) = self.store.block_time(height).map_err(unreadable)? else {
            return Ok(None);
        };
        let Some(validator_set) = self.store.validator_set(height).map_err(unreadable)? else {
            return Ok(None);
        };
        Ok(Some(PastHeight {
            validator_set,
            time_ms,
        }))
    }
}
