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

#[test]
fn a_block_with_a_false_state_root_is_refused_by_every_honest_validator() {
    let mut net = Net::new(&genesis(4), 4);
    net.run_to_height(2);
    net.crash(3);
    let engine = net.nodes[0].engine.as_ref().unwrap();
    let height = engine.height();
    let store = engine.store().clone();
    let tip = store.tip().unwrap().unwrap();
    let on = BuildOn {
        tip: Some(&tip),
        validators_hash: store.validator_set(height).unwrap().unwrap().hash(),
        protocol_version: 1,
        proposer: key(4).public_key(),
        now_ms: net.now_ms,
    };
    let mempool = Mempool::new(MempoolConfig::default());
    let (mut block, _) = build(&store, &net.spec, &mempool, &EvidencePool::new(), &on)
        .unwrap_or_else(|_| panic!("the block builds"));
    block.header.state_root = Hash([0x66; 32]);
    let forged = block.hash();
    let proposal = Proposal {
        chain_id: net.spec.chain_id.clone(),
        height,
        round: 0,
        proof_of_lock_round: None,
        block_hash: forged,
        proposer: key(4).public_key(),
    }
    .sign(&key(4));
    for node in 0..3 {
        let engine = net.nodes[node].engine.as_mut().unwrap();
        let mut outputs = engine
            .handle(Input::Block(Box::new(block.clone())), net.now_ms)
            .unwrap();
        outputs.extend(
            engine
                .handle(
                    Input::Message(ConsensusMessage::Proposal(proposal.clone())),
                    net.now_ms,
                )
                .unwrap(),
        );
        net.route(node, outputs);
    }
    net.run_to_height(height + 2);
    for node in &net.nodes[..3] {
        assert_eq!(node.refused, [InvalidBlock::StateRoot]);
        assert!(node.committed.iter().all(|b| b.hash != forged));
    }
}
