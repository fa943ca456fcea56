//! Building this validator's proposal: take evidence and transactions within
//! the block limits, execute them on the last committed state, and write the
//! results into the header. The same execution validates others' blocks, so a
//! block built here passes [`crate::validate::validate`] everywhere.

use civitas_civic::BlockContext;
use civitas_civic::evidence::EvidencePool;
use civitas_mempool::Mempool;
use civitas_types::limits::BLOCK_EVIDENCE_MAX;
use civitas_types::{
    Block, BoundedVec, Hash, Header, PublicKey, TransactionBudget, next_block_time,
};

use crate::config::ChainSpec;
use crate::error::EngineError;
use crate::execution::{Executed, ExecutionFailure, execute};
use crate::store::{ChainStore, Tip};

/// What a proposal is built on.
pub struct BuildOn<'a> {
    /// The last committed block (`None` at the initial height).
    pub tip: Option<&'a Tip>,
    /// The hash of the set that signs the height.
    pub validators_hash: Hash,
    /// The protocol version in force at the height.
    pub protocol_version: u32,
    /// This validator's key.
    pub proposer: PublicKey,
    /// This validator's clock.
    pub now_ms: u64,
}

/// Builds the block for the next height and executes it.
pub fn build<S: ChainStore>(
    store: &S,
    spec: &ChainSpec,
    mempool: &Mempool,
    evidence_pool: &EvidencePool,
    on: &BuildOn<'_>,
) -> Result<(Block, Executed<S::Prepared>), EngineError> {
    let (height, parent_hash, parent_time) = match on.tip {
        Some(tip) => (
            tip.header.height.saturating_add(1),
            tip.hash,
            tip.header.time_ms,
        ),
        None => (spec.initial_height, spec.genesis_hash, spec.genesis_time_ms),
    };
    let last_commit = on.tip.map(|tip| tip.certificate.clone());
    let evidence = BoundedVec::try_from_vec(evidence_pool.select(height, BLOCK_EVIDENCE_MAX))
        .map_err(|_| EngineError::OwnBlockOverLimit("evidence"))?;
    let mut block = Block {
        header: Header {
            version: on.protocol_version,
            chain_id: spec.chain_id.clone(),
            height,
            time_ms: next_block_time(parent_time, on.now_ms),
            previous_block_hash: parent_hash,
            last_commit_hash: Block::last_commit_hash(last_commit.as_ref()),
            transactions_root: Hash::ZERO,
            receipts_root: Hash::ZERO,
            state_root: Hash::ZERO,
            evidence_root: Block::evidence_root(&evidence),
            validators_hash: on.validators_hash,
            next_validators_hash: Hash::ZERO,
            proposer: on.proposer,
        },
        transactions: BoundedVec::default(),
        evidence,
        last_commit,
    };
    let budget = TransactionBudget::for_block(&spec.consensus.block, &block);
    let transactions = BoundedVec::try_from_vec(mempool.select(store.state(), budget, height)?)
        .map_err(|_| EngineError::OwnBlockOverLimit("transactions"))?;
    let context = BlockContext {
        chain_id: spec.chain_id.clone(),
        height,
        time_ms: block.header.time_ms,
        protocol_version: on.protocol_version,
    };
    let executed = match execute(store, spec, &context, &transactions, &block.evidence) {
        Ok(executed) => executed,
        Err(ExecutionFailure::Local(error)) => return Err(error),
        Err(ExecutionFailure::Invalid(invalid)) => {
            return Err(EngineError::OwnBlockInvalid(invalid));
        }
    };
    block.header.transactions_root = Block::transactions_root(&transactions);
    block.header.receipts_root = executed.receipts_root();
    block.header.state_root = executed.state_root();
    block.header.next_validators_hash = executed.next_validators_hash;
    block.transactions = transactions;
    Ok((block, executed))
}
