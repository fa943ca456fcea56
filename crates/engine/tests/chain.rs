//! Engines on a deterministic in-memory network: blocks are produced at the
//! heartbeat and when transactions come, every node commits the same blocks
//! with the same state roots, governance changes the validator set at its
//! activation height, and a restarted node resumes from its store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod common;

use civitas_civic::governance::GovernanceAction;
use civitas_engine::ChainStore;
use common::*;

/// Every node's committed blocks agree (hash and state root) where they overlap.
fn assert_agreement(net: &Net) {
    let longest = net
        .nodes
        .iter()
        .max_by_key(|n| n.committed.len())
        .unwrap()
        .committed
        .clone();
    for (index, node) in net.nodes.iter().enumerate() {
        for block in &node.committed {
            let reference = longest.iter().find(|b| b.height == block.height).unwrap();
            assert_eq!(
                block, reference,
                "node {index} disagrees at {}",
                block.height
            );
        }
    }
}

#[test]
fn one_validator_makes_empty_blocks_at_the_heartbeat_with_increasing_time() {
    let mut net = Net::new(&genesis(1), 1);
    net.run_to_height(5);
    let blocks = &net.nodes[0].committed;
    assert_eq!(
        blocks.iter().map(|b| b.height).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    for pair in blocks.windows(2) {
        let gap = pair[1].time_ms - pair[0].time_ms;
        assert!(
            gap >= net.config.heartbeat_ms,
            "an empty block came {gap} ms after the previous one, before the heartbeat"
        );
    }
    assert!(blocks.iter().all(|b| b.transactions == 0));
    assert!(blocks[0].time_ms > GENESIS_TIME_MS);
}

#[test]
fn a_transaction_is_committed_without_waiting_for_the_heartbeat() {
    let mut net = Net::new(&genesis(1), 1);
    net.run_to_height(2);
    let before = net.now_ms;
    let propose = net.council_proposal(1);
    net.submit(&propose);
    net.run_to_height(3);
    let block = net.nodes[0].committed.last().unwrap().clone();
    assert_eq!(block.transactions, 1);
    assert!(
        block.time_ms - before < net.config.heartbeat_ms,
        "the block waited for the heartbeat"
    );
    let receipt = net.receipt(0, &propose).unwrap();
    assert!(receipt.is_success(), "{receipt:?}");
    // The store's state root is the one the header carries.
    let engine = net.nodes[0].engine.as_ref().unwrap();
    let (stored, _) = engine.store().block(3).unwrap().unwrap();
    assert_eq!(
        stored.header.state_root,
        engine.store().memory_state().root()
    );
    assert_eq!(stored.header.state_root, block.state_root);
}

#[test]
fn four_validators_commit_the_same_blocks_and_state_roots() {
    let mut net = Net::new(&genesis(4), 4);
    net.run_to_height(3);
    for _ in 0..3 {
        let propose = net.council_proposal(1);
        net.submit(&propose);
    }
    net.run_to_height(8);
    assert_agreement(&net);
    let with_transactions: usize = net.nodes[0].committed.iter().map(|b| b.transactions).sum();
    assert_eq!(with_transactions, 3);
    for node in &net.nodes {
        assert!(node.refused.is_empty(), "{:?}", node.refused);
    }
}

#[test]
fn a_validator_added_by_governance_signs_from_its_activation_height() {
    let mut net = Net::new(&genesis(4), 4);
    net.run_to_height(1);
    let vote = net.govern(GovernanceAction::AddValidator(validator_entry(4, 1)));
    net.run_to_height(net.max_height() + 1);
    let engine = net.nodes[0].engine.as_ref().unwrap();
    let store = engine.store();
    let decided_at = store
        .blocks()
        .iter()
        .find(|b| b.block.transactions.iter().any(|tx| tx.id() == vote))
        .map(|b| b.block.header.height)
        .expect("the vote is committed");
    let activation = decided_at + 2;
    net.run_to_height(activation + 1);
    let store = net.nodes[0].engine.as_ref().unwrap().store();
    let set_before = store.validator_set(activation - 1).unwrap().unwrap();
    let set_after = store.validator_set(activation).unwrap().unwrap();
    assert_eq!(set_before.len(), 4);
    assert_eq!(set_after.len(), 5);
    let (decider, _) = store.block(decided_at).unwrap().unwrap();
    let (before, _) = store.block(activation - 1).unwrap().unwrap();
    let (after, certificate) = store.block(activation).unwrap().unwrap();
    assert_eq!(decider.header.next_validators_hash, set_before.hash());
    assert_eq!(before.header.next_validators_hash, set_after.hash());
    assert_eq!(after.header.validators_hash, set_after.hash());
    certificate
        .verify(&net.spec.chain_id, activation, &after.hash(), &set_after)
        .unwrap();
    assert_agreement(&net);
}

#[test]
fn a_crashed_validator_restarts_from_its_store_and_catches_up_with_the_others() {
    let mut net = Net::new(&genesis(4), 4);
    net.run_to_height(3);
    let store = net.crash(3);
    let crashed_at = store.tip().unwrap().unwrap().header.height;
    // Three of four validators hold more than two thirds: the chain goes on.
    net.run_until(net.now_ms + 5_000, |_| false);
    assert!(net.max_height() > crashed_at);
    net.boot(3, store);
    // Block sync (the p2p layer's job) hands it the blocks it missed.
    net.sync(3, 0);
    let target = net.max_height() + 2;
    net.run_to_height(target);
    assert_agreement(&net);
}

#[test]
fn a_transaction_behind_a_sequence_gap_makes_no_block_before_the_heartbeat() {
    let mut net = Net::new(&genesis(1), 1);
    net.run_to_height(2);
    // Sequence 0 is never sent: sequence 1 waits behind the gap.
    let _never_sent = net.council_proposal(1);
    let behind_the_gap = net.council_proposal(2);
    net.submit(&behind_the_gap);
    net.run_to_height(6);
    let blocks = &net.nodes[0].committed;
    for pair in blocks.windows(2).filter(|pair| pair[0].height >= 2) {
        let gap = pair[1].time_ms - pair[0].time_ms;
        assert!(
            gap >= net.config.heartbeat_ms,
            "block {} came {gap} ms after the previous one: the gapped transaction made it early",
            pair[1].height
        );
        assert_eq!(pair[1].transactions, 0);
    }
}
