//! Driver rules of the simulation that need its internals.

use civitas_types::{Vote, VoteType};

use super::*;
use crate::checker::SignedStep;
use crate::config::FaultProfile;

/// A calm network of four honest validators, node 0 running.
fn calm_network() -> Simulation {
    let mut config = SimConfig::from_seed(4_000_001, 4);
    config.byzantine.clear();
    config.faults = FaultProfile::calm();
    let mut simulation = Simulation::new(config);
    simulation.boot(0);
    simulation
}

/// Node 0's prevote for `block` at height 1, round 5 (a round it never reaches
/// by itself, so nothing else it signs can interfere).
fn own_prevote(simulation: &Simulation, block: Option<Hash>) -> ConsensusMessage {
    let key = &simulation.nodes[0].key;
    let vote = Vote {
        chain_id: simulation.chain_id().clone(),
        vote_type: VoteType::Prevote,
        height: 1,
        round: 5,
        block_hash: block,
        validator: key.public_key(),
    };
    ConsensusMessage::Vote(vote.sign(key))
}

/// A vote an honest node sends to one validator only (catch-up relay) passes
/// the same double-sign check as a broadcast one.
#[test]
fn votes_sent_to_one_validator_pass_the_double_sign_check() {
    let mut simulation = calm_network();
    let nil = own_prevote(&simulation, None);
    let block = own_prevote(&simulation, Some(Hash([0xaa; 32])));
    let peer = simulation.nodes[1].key.public_key();
    simulation.route(
        0,
        vec![
            Output::Broadcast {
                message: nil,
                block: None,
            },
            Output::SendTo {
                validator: peer,
                message: block,
                block: None,
            },
        ],
    );
    assert!(
        simulation.checker.violations.iter().any(|v| matches!(
            v,
            Violation::DoubleSign {
                node: 0,
                height: 1,
                round: 5,
                step: SignedStep::Prevote
            }
        )),
        "violations: {:?}",
        simulation.checker.violations
    );
}
