//! A Byzantine validator proposes a well-signed block whose state root lies:
//! every honest validator refuses it for that reason, none commits it, and
//! the chain goes on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod common;

use civitas_civic::evidence::EvidencePool;
use civitas_consensus::ConsensusMessage;
use civitas_engine::build::{BuildOn, build};
use civitas_engine::{ChainStore, Input, InvalidBlock};
use civitas_mempool::{Mempool, MempoolConfig};
use civitas_types::{Hash, Proposal};
use common::*;

/// Node 3's key proposes, for round 0 of the height node 0 is deciding, a
/// block whose state root is `lie`; returns the proposal and its block.
fn forged_proposal(net: &Net, lie: u8) -> (civitas_types::SignedProposal, civitas_types::Block) {
    let engine = net.nodes[0].engine.as_ref().unwrap();
    let height = engine.height();
    let store = engine.store();
    let tip = store.tip().unwrap().unwrap();
    let on = BuildOn {
        tip: Some(&tip),
        validators_hash: store.validator_set(height).unwrap().unwrap().hash(),
        protocol_version: 1,
        proposer: key(4).public_key(),
        now_ms: net.now_ms,
    };
    let mempool = Mempool::new(MempoolConfig::default());
    let (mut block, _) = build(store, &net.spec, &mempool, &EvidencePool::new(), &on)
        .unwrap_or_else(|_| panic!("the block builds"));
    block.header.state_root = Hash([lie; 32]);
    let proposal = Proposal {
        chain_id: net.spec.chain_id.clone(),
        height,
        round: 0,
        proof_of_lock_round: None,
        block_hash: block.hash(),
        proposer: key(4).public_key(),
    }
    .sign(&key(4));
    (proposal, block)
}

#[test]
fn a_proposer_flooding_one_round_with_blocks_gets_two_judged() {
    let mut net = Net::new(&genesis(4), 4);
    net.run_to_height(2);
    net.crash(3);
    for lie in 1..=5 {
        let (proposal, block) = forged_proposal(&net, lie);
        let engine = net.nodes[0].engine.as_mut().unwrap();
        let outputs = engine
            .handle(
                Input::Message {
                    message: ConsensusMessage::Proposal(proposal),
                    block: Some(Box::new(block)),
                },
                net.now_ms,
            )
            .unwrap();
        net.route(0, outputs);
    }
    assert_eq!(net.nodes[0].refused.len(), 2, "{:?}", net.nodes[0].refused);
}

#[test]
fn a_block_with_a_false_state_root_is_refused_by_every_honest_validator() {
    let mut net = Net::new(&genesis(4), 4);
    net.run_to_height(2);
    net.crash(3);
    let height = net.nodes[0].engine.as_ref().unwrap().height();
    let (proposal, block) = forged_proposal(&net, 0x66);
    let forged = block.hash();
    for node in 0..3 {
        let engine = net.nodes[node].engine.as_mut().unwrap();
        let outputs = engine
            .handle(
                Input::Message {
                    message: ConsensusMessage::Proposal(proposal.clone()),
                    block: Some(Box::new(block.clone())),
                },
                net.now_ms,
            )
            .unwrap();
        net.route(node, outputs);
    }
    net.run_to_height(height + 2);
    for node in &net.nodes[..3] {
        assert_eq!(node.refused, [InvalidBlock::StateRoot]);
        assert!(node.committed.iter().all(|b| b.hash != forged));
    }
}
