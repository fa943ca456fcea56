//! The pipelined audit (signatures of block n + 1 verified on other threads
//! while block n executes) reaches the same verdict as one block at a
//! time: the same first bad height and reason for any thread count, through
//! `push` and `push_bytes`; and a block's signatures are always checked.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[path = "../benches/support/generator.rs"]
mod generator;

use civitas_audit::{AuditError, AuditFailure, AuditSummary, ChainAudit};
use civitas_engine::execution::ExecutionFailure;
use civitas_engine::validate::{Parent, VerifiedBlock, validate, validate_verified};
use civitas_engine::{ChainSpec, ChainStore, InvalidBlock, MemoryStore};
use civitas_mempool::{InvalidSignatures, Mempool, MempoolConfig};
use civitas_types::{Block, BoundedVec, Hash, QuorumCertificate, Zip215Verifier, encode};

const SEED: u64 = 7;
const PER_BLOCK: usize = 100;
const BENEFICIARIES: usize = 40;
/// Setup: 1 + 3 × 40 = 121 transactions, then the civic mix.
const BLOCKS: usize = 6;

fn chain() -> (generator::ChainGenerator, Vec<Block>, QuorumCertificate) {
    let mut generator = generator::ChainGenerator::new(SEED, PER_BLOCK, BENEFICIARIES);
    let blocks: Vec<Block> = (0..BLOCKS).map(|_| generator.next_block()).collect();
    let last = generator.last_certificate().unwrap();
    (generator, blocks, last)
}

#[derive(Clone, Copy, Debug)]
enum Feed {
    Blocks,
    Bytes,
}

/// Audits `blocks` with `threads` signature threads; the first failure.
fn audit(
    blocks: &[Block],
    last: &QuorumCertificate,
    threads: usize,
    feed: Feed,
) -> Result<AuditSummary, AuditError> {
    let mut audit = ChainAudit::new(&generator::genesis(SEED)).unwrap();
    audit.set_signature_threads(threads);
    for block in blocks {
        match feed {
            Feed::Blocks => audit.push(block.clone())?,
            Feed::Bytes => audit.push_bytes(&encode(block))?,
        }
    }
    audit.finish(Some(last.clone()))
}

/// Every thread count and both feeds give `expected` (height and reason).
fn assert_verdict(blocks: &[Block], last: &QuorumCertificate, expected: (u64, &str)) {
    for threads in [1, 2, 4] {
        for feed in [Feed::Blocks, Feed::Bytes] {
            let error = audit(blocks, last, threads, feed).expect_err("the chain is refused");
            assert_eq!(
                (error.height, error.to_string().as_str()),
                (expected.0, expected.1),
                "{threads} threads, {feed:?}"
            );
        }
    }
}

/// Gives the transaction at `position` of `block` the signature of the one
/// at `position + 4` (the same signer, another message): a valid signature
/// by the right key over the wrong transaction. The forger fixes the
/// transactions root.
fn forge_signature(block: &mut Block, position: usize) {
    let mut transactions = std::mem::take(&mut block.transactions).into_vec();
    assert_eq!(
        transactions[position].body.signer,
        transactions[position + 4].body.signer
    );
    let other = transactions[position + 4].signatures.clone();
    transactions[position].signatures = other;
    block.header.transactions_root = Block::transactions_root(&transactions);
    block.transactions = BoundedVec::try_from_vec(transactions).unwrap();
}

#[test]
fn a_valid_chain_gives_the_same_summary_whatever_the_thread_count() {
    let (generator, blocks, last) = chain();
    let expected = audit(&blocks, &last, 1, Feed::Blocks).unwrap();
    assert_eq!(expected.blocks, BLOCKS as u64);
    assert_eq!(expected.transactions, generator.transactions());
    for threads in [1, 2, 4] {
        for feed in [Feed::Blocks, Feed::Bytes] {
            let summary = audit(&blocks, &last, threads, feed).unwrap();
            assert_eq!(summary, expected, "{threads} threads, {feed:?}");
        }
    }
}

#[test]
fn a_forged_signature_in_the_middle_of_a_block_is_named_alike_by_every_path() {
    let (_, mut blocks, last) = chain();
    forge_signature(&mut blocks[3], 52);
    let height = blocks[3].header.height;
    let expected = format!(
        "height {height}: invalid block: {}",
        InvalidBlock::Signatures(InvalidSignatures {
            positions: vec![52]
        })
    );
    assert_verdict(&blocks, &last, (height, &expected));
}

#[test]
fn a_forged_signature_in_the_last_block_is_named_by_finish() {
    let (_, mut blocks, last) = chain();
    let end = blocks.len() - 1;
    forge_signature(&mut blocks[end], 8);
    forge_signature(&mut blocks[end], 60);
    let height = blocks[end].header.height;
    let expected = format!(
        "height {height}: invalid block: {}",
        InvalidBlock::Signatures(InvalidSignatures {
            positions: vec![8, 60]
        })
    );
    assert_verdict(&blocks, &last, (height, &expected));
}

#[test]
fn an_earlier_bad_block_is_named_before_a_later_forged_signature() {
    let (_, mut blocks, last) = chain();
    blocks[2].header.state_root = Hash([7; 32]);
    forge_signature(&mut blocks[3], 52);
    let height = blocks[2].header.height;
    let expected = format!(
        "height {height}: invalid block: {}",
        InvalidBlock::StateRoot
    );
    assert_verdict(&blocks, &last, (height, &expected));
}

#[test]
fn a_bad_block_before_an_undecodable_one_is_named_first() {
    let (_, mut blocks, _) = chain();
    forge_signature(&mut blocks[2], 52);
    let height = blocks[2].header.height;
    for threads in [1, 2] {
        let mut audit = ChainAudit::new(&generator::genesis(SEED)).unwrap();
        audit.set_signature_threads(threads);
        for block in &blocks[..3] {
            audit.push_bytes(&encode(block)).unwrap();
        }
        let error = audit.push_bytes(&[1, 2, 3]).unwrap_err();
        assert_eq!(error.height, height);
        assert!(matches!(
            *error.failure,
            AuditFailure::InvalidBlock(InvalidBlock::Signatures(_))
        ));
    }
}

#[test]
fn out_of_order_and_undecodable_blocks_leave_the_audit_where_it_was() {
    let (_, blocks, last) = chain();
    let mut audit = ChainAudit::new(&generator::genesis(SEED)).unwrap();
    for block in &blocks[..3] {
        audit.push(block.clone()).unwrap();
    }
    let next = audit.next_height();
    assert_eq!(next, blocks[3].header.height);
    let error = audit.push(blocks[4].clone()).unwrap_err();
    assert!(matches!(*error.failure, AuditFailure::OutOfOrder { .. }));
    let error = audit.push_bytes(&encode(&blocks[4])).unwrap_err();
    assert!(matches!(*error.failure, AuditFailure::OutOfOrder { .. }));
    let error = audit.push_bytes(&[0xff; 7]).unwrap_err();
    assert!(matches!(*error.failure, AuditFailure::Undecodable(_)));
    assert_eq!(audit.next_height(), next);
    for block in &blocks[3..] {
        audit.push_bytes(&encode(block)).unwrap();
    }
    let summary = audit.finish(Some(last)).unwrap();
    assert_eq!(summary.blocks, BLOCKS as u64);
}

/// A verified block carries the verdict of its own signatures: a forged
/// one is refused by `validate_verified` exactly as `validate` refuses it
/// with a pool that verified nothing.
#[test]
fn a_verified_block_with_a_forged_signature_is_still_refused() {
    let (_, mut blocks, _) = chain();
    forge_signature(&mut blocks[0], 4);
    let genesis = generator::genesis(SEED);
    let checked = genesis.check().unwrap();
    let spec = ChainSpec::from_genesis(&genesis, genesis.hash());
    let store = MemoryStore::from_genesis(&checked, genesis.initial_height).unwrap();
    let validators = store
        .validator_set(genesis.initial_height)
        .unwrap()
        .unwrap();
    let parent = Parent {
        tip: None,
        validators: &validators,
        parent_validators: None,
    };
    let reason = |failure: ExecutionFailure| match failure {
        ExecutionFailure::Invalid(reason) => reason.to_string(),
        ExecutionFailure::Local(error) => panic!("local failure {error}"),
    };
    let mempool = Mempool::new(MempoolConfig::default());
    let sequential = validate(
        &store,
        &spec,
        &mempool,
        &parent,
        &blocks[0],
        &mut Zip215Verifier,
    )
    .err()
    .map(reason);
    for threads in [1, 2, 3] {
        let verified = VerifiedBlock::verify(blocks[0].clone(), threads);
        let pipelined = validate_verified(&store, &spec, &parent, &verified, &mut Zip215Verifier)
            .err()
            .map(reason);
        assert_eq!(pipelined, sequential);
    }
    assert_eq!(
        sequential,
        Some(InvalidBlock::Signatures(InvalidSignatures { positions: vec![4] }).to_string())
    );
}

/// The state tree of block n is built on another thread while block n + 1
/// executes: its root is still compared before anything checked after it.
mod deferred_state_root {
    use super::*;

    fn state_root_error(height: u64) -> String {
        format!(
            "height {height}: invalid block: {}",
            InvalidBlock::StateRoot
        )
    }

    #[test]
    fn a_bad_state_root_is_named_before_the_next_blocks_bad_roots() {
        let (_, mut blocks, last) = chain();
        blocks[2].header.state_root = Hash([7; 32]);
        blocks[3].header.state_root = Hash([8; 32]);
        blocks[3].header.receipts_root = Hash([9; 32]);
        let height = blocks[2].header.height;
        assert_verdict(&blocks, &last, (height, &state_root_error(height)));
    }

    #[test]
    fn a_bad_state_root_is_named_before_its_own_next_validators() {
        let (_, mut blocks, last) = chain();
        blocks[2].header.state_root = Hash([7; 32]);
        blocks[2].header.next_validators_hash = Hash([6; 32]);
        let height = blocks[2].header.height;
        assert_verdict(&blocks, &last, (height, &state_root_error(height)));
    }

    #[test]
    fn next_validators_alone_are_named_after_a_good_state_root() {
        let (_, mut blocks, last) = chain();
        blocks[2].header.next_validators_hash = Hash([6; 32]);
        let height = blocks[2].header.height;
        let expected = format!(
            "height {height}: invalid block: {}",
            InvalidBlock::NextValidators
        );
        assert_verdict(&blocks, &last, (height, &expected));
    }

    #[test]
    fn a_bad_state_root_is_named_before_its_certificate_and_an_undecodable_next_block() {
        // Changing the header changes the block's hash: the certificate
        // block 3 carries for it no longer signs it.
        let (_, mut blocks, _) = chain();
        blocks[2].header.state_root = Hash([7; 32]);
        let height = blocks[2].header.height;
        for threads in [1, 2] {
            let mut audit = ChainAudit::new(&generator::genesis(SEED)).unwrap();
            audit.set_signature_threads(threads);
            let mut first = None;
            for bytes in blocks[..4].iter().map(encode).chain([vec![1, 2, 3]]) {
                if let Err(error) = audit.push_bytes(&bytes) {
                    first = Some(error);
                    break;
                }
            }
            let error = first.expect("the chain is refused");
            assert_eq!(error.to_string(), state_root_error(height), "{threads}");
        }
    }

    #[test]
    fn a_bad_state_root_is_named_before_an_undecodable_or_misplaced_next_block() {
        // Block 3 is given whole, its certificate never: the next thing
        // given is garbage, or block 5 where block 4 is due.
        let (_, mut blocks, _) = chain();
        blocks[3].header.state_root = Hash([7; 32]);
        let height = blocks[3].header.height;
        for threads in [1, 2] {
            for (feed, next) in [
                (Feed::Bytes, vec![1, 2, 3]),
                (Feed::Bytes, encode(&blocks[5])),
                (Feed::Blocks, encode(&blocks[5])),
            ] {
                let mut audit = ChainAudit::new(&generator::genesis(SEED)).unwrap();
                audit.set_signature_threads(threads);
                for block in &blocks[..4] {
                    match feed {
                        Feed::Blocks => audit.push(block.clone()).unwrap(),
                        Feed::Bytes => audit.push_bytes(&encode(block)).unwrap(),
                    }
                }
                let error = match feed {
                    Feed::Blocks => audit.push(blocks[5].clone()).unwrap_err(),
                    Feed::Bytes => audit.push_bytes(&next).unwrap_err(),
                };
                assert_eq!(
                    error.to_string(),
                    state_root_error(height),
                    "{threads} threads, {feed:?}, {} bytes next",
                    next.len()
                );
            }
        }
    }

    #[test]
    fn a_bad_state_root_in_the_last_block_is_named_by_finish() {
        let (_, mut blocks, last) = chain();
        let end = blocks.len() - 1;
        blocks[end].header.state_root = Hash([7; 32]);
        let height = blocks[end].header.height;
        assert_verdict(&blocks, &last, (height, &state_root_error(height)));
    }

    #[test]
    fn a_bad_state_root_in_the_block_before_the_last_is_named_by_finish() {
        let (_, mut blocks, last) = chain();
        let end = blocks.len() - 2;
        blocks[end].header.state_root = Hash([7; 32]);
        forge_signature(&mut blocks[end + 1], 8);
        let height = blocks[end].header.height;
        assert_verdict(&blocks, &last, (height, &state_root_error(height)));
    }

    /// Re-links the blocks after `from` (whose header was changed) as a
    /// faulty quorum would certify them: each names its parent's new hash
    /// and carries its parent's new certificate. Returns the last block's.
    fn relink(blocks: &mut [Block], from: usize) -> QuorumCertificate {
        let set = generator::genesis(SEED).check().unwrap().validators;
        for i in from + 1..blocks.len() {
            let parent = &blocks[i - 1];
            let hash = parent.hash();
            let certificate = generator::certify(SEED, &set, parent);
            let block = &mut blocks[i];
            block.header.previous_block_hash = hash;
            block.header.last_commit_hash = Block::last_commit_hash(Some(&certificate));
            block.last_commit = Some(certificate);
        }
        generator::certify(SEED, &set, &blocks[blocks.len() - 1])
    }

    /// The tree may lag several blocks: a certified block with a wrong
    /// root, whose certificate and next block are good, is still named
    /// before a forged signature three blocks later.
    #[test]
    fn a_certified_bad_state_root_is_named_before_a_later_blocks_failure() {
        let (_, mut blocks, _) = chain();
        blocks[1].header.state_root = Hash([7; 32]);
        forge_signature(&mut blocks[4], 52);
        let last = relink(&mut blocks, 1);
        let height = blocks[1].header.height;
        assert_verdict(&blocks, &last, (height, &state_root_error(height)));
    }

    #[test]
    fn the_summary_names_the_last_blocks_state_root() {
        let (generator, blocks, last) = chain();
        let summary = audit(&blocks, &last, 2, Feed::Bytes).unwrap();
        let end = &blocks[blocks.len() - 1].header;
        assert_eq!(summary.state_root, end.state_root.to_string());
        assert_eq!(summary.height, end.height);
        assert_eq!(summary.transactions, generator.transactions());
    }
}

/// `push` returns once the previous block is wholly verified, so a caller
/// checking what a data directory keeps beside that block (its recorded
/// state root) after the next push never judges an unverified block.
#[test]
fn push_names_a_bad_state_root_by_the_call_that_gives_the_next_block() {
    let (_, mut blocks, _) = chain();
    blocks[2].header.state_root = Hash([7; 32]);
    let height = blocks[2].header.height;
    for threads in [1, 2] {
        let mut audit = ChainAudit::new(&generator::genesis(SEED)).unwrap();
        audit.set_signature_threads(threads);
        for block in &blocks[..3] {
            audit.push(block.clone()).unwrap();
        }
        let error = audit.push(blocks[3].clone()).unwrap_err();
        assert_eq!(
            (error.height, error.to_string()),
            (
                height,
                format!(
                    "height {height}: invalid block: {}",
                    InvalidBlock::StateRoot
                )
            ),
            "{threads} threads"
        );
        assert_eq!(
            audit.summary().state_root,
            blocks[1].header.state_root.to_string()
        );
    }
}
