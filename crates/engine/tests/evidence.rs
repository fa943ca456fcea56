//! A validator that signs two different prevotes for one step is caught: the
//! honest validators' consensus cores turn the pair into evidence, the next
//! proposer carries it in a block, and execution records the offence in
//! state, once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod common;

use civitas_civic::{Event, Receipt};
use civitas_consensus::ConsensusMessage;
use civitas_engine::Input;
use civitas_types::{Hash, Vote, VoteType, decode};
use common::*;

/// Node 3's key signs a prevote for `block` at `height`, round 0.
fn prevote(net: &Net, height: u64, block: Hash) -> ConsensusMessage {
    ConsensusMessage::Vote(
        Vote {
            chain_id: net.spec.chain_id.clone(),
            vote_type: VoteType::Prevote,
            height,
            round: 0,
            block_hash: Some(block),
            validator: key(4).public_key(),
        }
        .sign(&key(4)),
    )
}

#[test]
fn an_equivocating_validator_is_recorded_once_in_a_later_block() {
    let mut net = Net::new(&genesis(4), 4);
    net.run_to_height(2);
    // Node 3 turns Byzantine: it stops running its engine and equivocates.
    net.crash(3);
    let height = net.nodes[0].engine.as_ref().unwrap().height();
    for block in [Hash([1; 32]), Hash([2; 32])] {
        let message = prevote(&net, height, block);
        for node in 0..3 {
            let engine = net.nodes[node].engine.as_mut().unwrap();
            let outputs = engine
                .handle(
                    Input::Message {
                        message: message.clone(),
                        block: None,
                    },
                    net.now_ms,
                )
                .unwrap();
            net.route(node, outputs);
        }
    }
    net.run_to_height(height + 4);
    let store = net.nodes[0].engine.as_ref().unwrap().store();
    let carrying: Vec<u64> = store
        .blocks()
        .iter()
        .filter(|b| !b.block.evidence.is_empty())
        .map(|b| b.block.header.height)
        .collect();
    assert_eq!(carrying.len(), 1, "evidence carried by blocks {carrying:?}");
    let including = &store.blocks()[usize::try_from(carrying[0] - 1).unwrap()];
    assert!(including.block.header.height > height);
    let block_receipt: Receipt = decode(&including.receipt_leaves[0]).unwrap();
    assert!(
        block_receipt.events.iter().any(|event| matches!(
            event,
            Event::MisbehaviourRecorded { offender, height: at, .. }
                if *offender == key(4).public_key() && *at == height
        )),
        "{block_receipt:?}"
    );
}
