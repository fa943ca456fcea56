//! Whether a received block may be decided at the height being decided: the
//! `valid(v)` of the Tendermint paper. Header and body checks first (cheap),
//! then signatures, then execution on the last committed state, whose results
//! must be exactly the header's roots. Timeliness is judged apart (it depends
//! on this node's clock and the proposal's round, not on the block alone).

use civitas_civic::upgrade::protocol_version_at;
use civitas_civic::{BlockContext, SUPPORTED_PROTOCOL_VERSIONS};
use civitas_mempool::{InvalidSignatures, Mempool};
use civitas_types::{Block, Hash, Header, SignatureVerifier, ValidatorSet};
use civitas_verify::{Expected, InForce, Parent as VerifyParent, verify_proposed_block};

use crate::config::ChainSpec;
use crate::error::{EngineError, InvalidBlock};
use crate::execution::{
    Executed, ExecutionFailure, PastHeights, Unprepared, execute, execute_unprepared,
};
use crate::store::{ChainRead, ChainStore, Tip};

/// Where the chain stands for the height being decided.
pub struct Parent<'a> {
    /// The last committed block (`None` at the initial height).
    pub tip: Option<&'a Tip>,
    /// The set that signs the height being decided.
    pub validators: &'a ValidatorSet,
    /// The set that signed the parent (to check `last_commit`).
    pub parent_validators: Option<&'a ValidatorSet>,
}

/// A block whose transaction signatures were all verified, with the
/// verdict (ZIP-215 batches, [`Mempool::verify_signatures_on`]). The block
/// cannot be changed once verified, so the verdict is always about exactly
/// its transactions: [`validate_verified`] uses it instead of verifying
/// again. What makes a replay fast: the signatures of one block are verified
/// on other threads while the previous block executes.
pub struct VerifiedBlock {
    block: Block,
    signatures: Result<(), InvalidSignatures>,
}

impl VerifiedBlock {
    /// Verifies every signature of `block`'s transactions on at most
    /// `threads` threads (the verdict does not depend on the count).
    pub fn verify(block: Block, threads: usize) -> VerifiedBlock {
        let signatures = Mempool::verify_signatures_on(&block.transactions, threads);
        VerifiedBlock { block, signatures }
    }

    /// The block.
    pub fn block(&self) -> &Block {
        &self.block
    }

    /// The block, given back.
    pub fn into_block(self) -> Block {
        self.block
    }
}

/// How a block's transaction signatures are judged.
enum Signatures<'a> {
    /// By the mempool: those it verified are not checked again.
    Mempool(&'a Mempool),
    /// Already verified ([`VerifiedBlock`]).
    Verified(&'a Result<(), InvalidSignatures>),
}

/// Checks `block` as the next block after `parent` and executes it; the
/// parent certificate it carries is checked through `verifier`.
pub fn validate<S: ChainStore>(
    store: &S,
    spec: &ChainSpec,
    mempool: &Mempool,
    parent: &Parent<'_>,
    block: &Block,
    verifier: &mut dyn SignatureVerifier,
) -> Result<Executed<S::Prepared>, ExecutionFailure> {
    validate_with(
        store,
        spec,
        Signatures::Mempool(mempool),
        parent,
        block,
        verifier,
    )
}

/// [`validate`] for a block whose transaction signatures are verified
/// already: the same checks in the same order, the same verdict, the
/// signatures' verdict taken from `verified`.
pub fn validate_verified<S: ChainStore>(
    store: &S,
    spec: &ChainSpec,
    parent: &Parent<'_>,
    verified: &VerifiedBlock,
    verifier: &mut dyn SignatureVerifier,
) -> Result<Executed<S::Prepared>, ExecutionFailure> {
    validate_with(
        store,
        spec,
        Signatures::Verified(&verified.signatures),
        parent,
        &verified.block,
        verifier,
    )
}

fn validate_with<S: ChainStore>(
    store: &S,
    spec: &ChainSpec,
    signatures: Signatures<'_>,
    parent: &Parent<'_>,
    block: &Block,
    verifier: &mut dyn SignatureVerifier,
) -> Result<Executed<S::Prepared>, ExecutionFailure> {
    check_before_execution(store, spec, signatures, parent, block, verifier)?;
    let executed = execute(
        store,
        spec,
        &context_of(block),
        &block.transactions,
        &block.evidence,
    )?;
    let invalid = ExecutionFailure::Invalid;
    if executed.receipts_root() != block.header.receipts_root {
        return Err(invalid(InvalidBlock::ReceiptsRoot));
    }
    if executed.state_root() != block.header.state_root {
        return Err(invalid(InvalidBlock::StateRoot));
    }
    check_after_state_root(&executed.next_validators_hash, &block.header)
        .map_err(invalid)
        .map(|()| executed)
}

/// [`validate_verified`] up to the state root, which it leaves to the
/// caller with the checks after it: header, body, signatures, execution and
/// the receipts root, in the same order. For a replay that builds the
/// state tree on another thread: it applies the writes, compares the
/// tree's root with the header's (a mismatch is [`InvalidBlock::StateRoot`])
/// and then runs [`check_after_state_root`]; a failure of either, or of
/// anything checked later, is reported only once the root was compared, so
/// the verdict is [`validate_verified`]'s.
pub fn validate_verified_before_state_root<S: ChainRead>(
    store: &S,
    spec: &ChainSpec,
    parent: &Parent<'_>,
    verified: &VerifiedBlock,
    verifier: &mut dyn SignatureVerifier,
) -> Result<Unprepared, ExecutionFailure> {
    let block = &verified.block;
    check_before_execution(
        store,
        spec,
        Signatures::Verified(&verified.signatures),
        parent,
        block,
        verifier,
    )?;
    let executed = execute_unprepared(
        store,
        spec,
        &context_of(block),
        &block.transactions,
        &block.evidence,
    )?;
    if executed.receipts_root() != block.header.receipts_root {
        return Err(ExecutionFailure::Invalid(InvalidBlock::ReceiptsRoot));
    }
    Ok(executed)
}

/// What is checked after the state root: the set announced for the next
/// height (`next_validators_hash`, from the block's execution).
pub fn check_after_state_root(
    next_validators_hash: &Hash,
    header: &Header,
) -> Result<(), InvalidBlock> {
    if *next_validators_hash != header.next_validators_hash {
        return Err(InvalidBlock::NextValidators);
    }
    Ok(())
}

/// What is checked before execution: the header and body, the block
/// limits, the transaction signatures.
fn check_before_execution<S: ChainRead>(
    store: &S,
    spec: &ChainSpec,
    signatures: Signatures<'_>,
    parent: &Parent<'_>,
    block: &Block,
    verifier: &mut dyn SignatureVerifier,
) -> Result<(), ExecutionFailure> {
    check_header(store, spec, parent, block, verifier)?;
    let invalid = |reason: InvalidBlock| ExecutionFailure::Invalid(reason);
    spec.consensus
        .block
        .check(block)
        .map_err(|e| invalid(e.into()))?;
    match signatures {
        Signatures::Mempool(mempool) => mempool.verify_block_signatures(&block.transactions),
        Signatures::Verified(verdict) => verdict.clone(),
    }
    .map_err(|e| invalid(e.into()))
}

/// The context a block executes in, from its header.
fn context_of(block: &Block) -> BlockContext {
    let header = &block.header;
    BlockContext {
        chain_id: header.chain_id.clone(),
        height: header.height,
        time_ms: header.time_ms,
        protocol_version: header.version,
    }
}

/// The checks anyone can run on the block (`civitas_verify`): chain, height,
/// parent, validator set in force and announced, proposer, protocol version,
/// time after the parent's, body against header, evidence, last commit.
fn check_header<S: ChainRead>(
    store: &S,
    spec: &ChainSpec,
    parent: &Parent<'_>,
    block: &Block,
    verifier: &mut dyn SignatureVerifier,
) -> Result<(), ExecutionFailure> {
    let height = parent.tip.map_or(spec.initial_height, |tip| {
        tip.header.height.saturating_add(1)
    });
    let in_force = InForce {
        validators: parent.validators.clone(),
        protocol_version: protocol_version_at(store.state(), spec.protocol_version, height)
            .map_err(|fault| ExecutionFailure::Local(fault.into()))?,
    };
    let verify_parent = match (parent.tip, parent.parent_validators) {
        (Some(tip), Some(validators)) => VerifyParent::Block {
            header: &tip.header,
            validators,
        },
        _ => VerifyParent::Genesis {
            hash: spec.genesis_hash,
            time_ms: spec.genesis_time_ms,
        },
    };
    let expected = Expected {
        chain_id: &spec.chain_id,
        parent: verify_parent,
        in_force: &in_force,
        evidence_params: &spec.consensus.evidence,
        supported_versions: SUPPORTED_PROTOCOL_VERSIONS,
    };
    let past = PastHeights { store };
    verify_proposed_block(&expected, &past, block, verifier).map_err(|error| {
        if error.is_invalid_block() {
            ExecutionFailure::Invalid(InvalidBlock::Verify(error))
        } else {
            ExecutionFailure::Local(EngineError::Unverifiable(error))
        }
    })
}
