//! The tree worker runs up to [`TREE_LAG`] blocks behind: a wrong state root
//! still queued there is named before any later failure. The tree worker is
//! held up here by a job of the test's, so that the queue is as deep as it
//! may be when the later failure is found.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::mpsc::channel;
use std::time::Duration;

use civitas_types::{Block, Hash, encode};

use super::{ChainAudit, TREE_LAG};
use crate::error::AuditFailure;

#[path = "../../benches/support/generator.rs"]
mod generator;

const SEED: u64 = 7;

/// Blocks of 100 transactions; block 1's state root is wrong (and
/// certified: a faulty quorum), block 5 names a wrong receipts root.
fn faulty_chain() -> Vec<Block> {
    let mut generator = generator::ChainGenerator::new(SEED, 100, 40);
    let mut blocks: Vec<Block> = (0..7).map(|_| generator.next_block()).collect();
    blocks[1].header.state_root = Hash([7; 32]);
    blocks[5].header.receipts_root = Hash([9; 32]);
    let set = generator::genesis(SEED).check().unwrap().validators;
    for i in 2..blocks.len() {
        let parent = &blocks[i - 1];
        let hash = parent.hash();
        let certificate = generator::certify(SEED, &set, parent);
        let block = &mut blocks[i];
        block.header.previous_block_hash = hash;
        block.header.last_commit_hash = Block::last_commit_hash(Some(&certificate));
        block.last_commit = Some(certificate);
    }
    blocks
}

#[test]
fn a_bad_root_queued_behind_the_tree_worker_is_named_before_a_later_failure() {
    let blocks = faulty_chain();
    let bad = blocks[1].header.height;
    let mut audit = ChainAudit::new(&generator::genesis(SEED)).unwrap();
    let (release, held) = channel::<()>();
    drop(audit.builder.run(move || held.recv()));
    // Blocks 0 to 4 are committed: 0 to 3 their trees queued behind the
    // held job, 4 not queued yet.
    for block in &blocks[..6] {
        audit.push_bytes(&encode(block)).unwrap();
    }
    assert_eq!(audit.building.len(), TREE_LAG);
    // The call that executes block 5 waits for the queued trees: let the
    // tree worker go on once it is waiting.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        release.send(()).unwrap();
    });
    let error = audit.push_bytes(&encode(&blocks[6])).unwrap_err();
    releaser.join().unwrap();
    assert_eq!(error.height, bad, "{error}");
    assert!(
        matches!(
            *error.failure,
            AuditFailure::InvalidBlock(civitas_engine::InvalidBlock::StateRoot)
        ),
        "{error}"
    );
}
