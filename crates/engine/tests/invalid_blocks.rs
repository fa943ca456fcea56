//! A Byzantine proposer's blocks: each rule `validate` enforces refuses a
//! block that breaks it, for that reason, while the honest block built on the
//! same state passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod common;

use civitas_civic::evidence::EvidencePool;
use civitas_engine::build::{BuildOn, build};
use civitas_engine::execution::ExecutionFailure;
use civitas_engine::validate::{Parent, validate};
use civitas_engine::{ChainSpec, ChainStore, InvalidBlock, MemoryStore};
use civitas_mempool::{Mempool, MempoolConfig};
use civitas_types::{Block, BoundedVec, ChainId, Hash, encode};
use civitas_verify::VerifyError;
use common::*;

/// A chain of one validator at height 3, a mempool holding two transactions,
/// and the honest block for height 4.
struct Setup {
    spec: ChainSpec,
    store: MemoryStore,
    mempool: Mempool,
    honest: Block,
}

fn setup() -> Setup {
    let mut net = Net::new(&genesis(1), 1);
    net.run_to_height(3);
    let engine = net.nodes[0].engine.as_ref().unwrap();
    let store = engine.store().clone();
    let mut mempool = Mempool::new(MempoolConfig::default());
    let context = civitas_civic::BlockContext {
        chain_id: net.spec.chain_id.clone(),
        height: 4,
        time_ms: net.now_ms,
        protocol_version: 1,
    };
    let transactions: Vec<Vec<u8>> = (0..2)
        .map(|marker| encode(&net.council_proposal(marker)))
        .collect();
    for result in mempool.admit_batch(store.state(), &context, &transactions) {
        result.unwrap();
    }
    let tip = store.tip().unwrap().unwrap();
    let on = BuildOn {
        tip: Some(&tip),
        validators_hash: store.validator_set(4).unwrap().unwrap().hash(),
        protocol_version: 1,
        proposer: key(1).public_key(),
        now_ms: net.now_ms + 1_000,
    };
    let (honest, _) = build(&store, &net.spec, &mempool, &EvidencePool::new(), &on)
        .unwrap_or_else(|_| panic!("the honest block builds"));
    assert_eq!(honest.transactions.len(), 2);
    Setup {
        spec: net.spec.clone(),
        store,
        mempool,
        honest,
    }
}

/// The verdict on `block` after the chain of `setup`, under `spec`.
fn verdict(setup: &Setup, spec: &ChainSpec, block: &Block) -> Result<(), InvalidBlock> {
    let tip = setup.store.tip().unwrap().unwrap();
    let validators = setup.store.validator_set(4).unwrap().unwrap();
    let parent_validators = setup.store.validator_set(3).unwrap().unwrap();
    let parent = Parent {
        tip: Some(&tip),
        validators: &validators,
        parent_validators: Some(&parent_validators),
    };
    match validate(
        &setup.store,
        spec,
        &setup.mempool,
        &parent,
        block,
        &mut civitas_types::Zip215Verifier,
    ) {
        Ok(_) => Ok(()),
        Err(ExecutionFailure::Invalid(reason)) => Err(reason),
        Err(ExecutionFailure::Local(error)) => panic!("local fault: {error}"),
    }
}

fn refused(setup: &Setup, tamper: impl FnOnce(&mut Block)) -> InvalidBlock {
    let mut block = setup.honest.clone();
    tamper(&mut block);
    verdict(setup, &setup.spec, &block).expect_err("the tampered block must be refused")
}

#[test]
fn the_honest_block_is_valid() {
    let setup = setup();
    assert_eq!(verdict(&setup, &setup.spec, &setup.honest), Ok(()));
}

#[test]
fn a_wrong_execution_result_is_refused() {
    let setup = setup();
    assert_eq!(
        refused(&setup, |b| b.header.state_root = Hash([9; 32])),
        InvalidBlock::StateRoot
    );
    assert_eq!(
        refused(&setup, |b| b.header.receipts_root = Hash([9; 32])),
        InvalidBlock::ReceiptsRoot
    );
    assert_eq!(
        refused(&setup, |b| b.header.next_validators_hash = Hash([9; 32])),
        InvalidBlock::NextValidators
    );
}

#[test]
fn a_block_of_another_chain_height_parent_or_set_is_refused() {
    let setup = setup();
    assert!(matches!(
        refused(&setup, |b| b.header.chain_id =
            ChainId::new("other").unwrap()),
        InvalidBlock::Verify(VerifyError::WrongChain { .. })
    ));
    assert!(matches!(
        refused(&setup, |b| b.header.height = 5),
        InvalidBlock::Verify(VerifyError::WrongHeight {
            expected: 4,
            found: 5
        })
    ));
    assert!(matches!(
        refused(&setup, |b| b.header.previous_block_hash = Hash([7; 32])),
        InvalidBlock::Verify(VerifyError::WrongParent { .. })
    ));
    assert!(matches!(
        refused(&setup, |b| b.header.validators_hash = Hash([7; 32])),
        InvalidBlock::Verify(VerifyError::WrongValidators { .. })
    ));
    assert!(matches!(
        refused(&setup, |b| b.header.proposer = key(99).public_key()),
        InvalidBlock::Verify(VerifyError::ProposerNotValidator { .. })
    ));
    assert!(matches!(
        refused(&setup, |b| b.header.version = 2),
        InvalidBlock::Verify(VerifyError::WrongProtocolVersion { .. })
    ));
}

#[test]
fn a_block_time_not_after_its_parent_is_refused() {
    let setup = setup();
    let parent_time = setup.store.tip().unwrap().unwrap().header.time_ms;
    assert!(matches!(
        refused(&setup, |b| b.header.time_ms = parent_time),
        InvalidBlock::Verify(VerifyError::StaleTime { .. })
    ));
}

#[test]
fn a_body_that_does_not_match_its_header_is_refused() {
    let setup = setup();
    assert!(matches!(
        refused(&setup, |b| {
            let mut transactions = b.transactions.to_vec();
            transactions.pop();
            b.transactions = BoundedVec::try_from_vec(transactions).unwrap();
        }),
        InvalidBlock::Verify(VerifyError::Body { .. })
    ));
    assert!(matches!(
        refused(&setup, |b| b.last_commit = None),
        InvalidBlock::Verify(VerifyError::Body { .. })
    ));
}

#[test]
fn a_forged_transaction_signature_is_refused() {
    let setup = setup();
    let reason = refused(&setup, |b| {
        let mut transactions = b.transactions.to_vec();
        let mut signatures = transactions[1].signatures.to_vec();
        signatures[0].signature = transactions[0].signatures[0].signature;
        transactions[1].signatures = BoundedVec::try_from_vec(signatures).unwrap();
        b.header.transactions_root = Block::transactions_root(&transactions);
        b.transactions = BoundedVec::try_from_vec(transactions).unwrap();
    });
    assert!(matches!(reason, InvalidBlock::Signatures(_)), "{reason}");
}

#[test]
fn a_forged_last_commit_is_refused() {
    let setup = setup();
    let reason = refused(&setup, |b| {
        let mut commit = b.last_commit.clone().unwrap();
        commit.round += 1;
        b.header.last_commit_hash = Block::last_commit_hash(Some(&commit));
        b.last_commit = Some(commit);
    });
    assert!(
        matches!(reason, InvalidBlock::Verify(VerifyError::LastCommit { .. })),
        "{reason}"
    );
}

#[test]
fn a_block_over_the_limits_is_refused() {
    let setup = setup();
    let mut strict = setup.spec.clone();
    strict.consensus.block.transactions_max = 1;
    let reason = verdict(&setup, &strict, &setup.honest).unwrap_err();
    assert!(matches!(reason, InvalidBlock::OverLimit(_)), "{reason}");
}
