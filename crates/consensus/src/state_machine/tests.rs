//! One test per rule of Algorithm 1, named after the pseudocode lines it covers.
#![allow(clippy::arithmetic_side_effects)]

use super::*;
use civitas_types::testing::{chain_id, signing_keys, validator_set};

use crate::memory_store::MemoryStore;

const HEIGHT: u64 = 1;
const A: Hash = Hash([0xaa; 32]);
const B: Hash = Hash([0xbb; 32]);

/// Four validators of power 1 (quorum 3, f+1 = 2); keys in set order.
struct Net {
    keys: Vec<SigningKey>,
    set: ValidatorSet,
}

impl Net {
    fn new() -> Net {
        let keys = signing_keys(4);
        let set = validator_set(&keys, &[1, 1, 1, 1]);
        let keys = set
            .validators()
            .iter()
            .map(|v| {
                keys.iter()
                    .find(|k| k.public_key() == v.public_key)
                    .unwrap()
                    .clone()
            })
            .collect();
        Net { keys, set }
    }

    fn proposer(&self, round: Round) -> usize {
        proposer_index(&self.set, HEIGHT, round)
    }

    /// A validator that is not the proposer of rounds 0 and 1.
    fn follower(&self) -> usize {
        (0..4)
            .find(|i| *i != self.proposer(0) && *i != self.proposer(1))
            .unwrap()
    }

    fn start(&self, index: usize, store: MemoryStore) -> (Consensus<MemoryStore>, Vec<Effect>) {
        Consensus::start(
            chain_id(),
            self.keys[index].clone(),
            store,
            TimeoutParams::default(),
            HEIGHT,
            self.set.clone(),
        )
        .unwrap()
    }

    fn proposal(&self, round: Round, block: Hash, valid_round: Option<Round>) -> Input {
        let proposer = self.proposer(round);
        let proposal = Proposal {
            chain_id: chain_id(),
            height: HEIGHT,
            round,
            proof_of_lock_round: valid_round,
            block_hash: block,
            proposer: self.keys[proposer].public_key(),
        }
        .sign(&self.keys[proposer]);
        Input::Proposal {
            proposal,
            block_valid: true,
            timely: true,
        }
    }

    fn vote(&self, index: usize, vote_type: VoteType, round: Round, block: Option<Hash>) -> Input {
        Input::Vote(
            Vote {
                chain_id: chain_id(),
                vote_type,
                height: HEIGHT,
                round,
                block_hash: block,
                validator: self.keys[index].public_key(),
            }
            .sign(&self.keys[index]),
        )
    }

    /// Votes from every validator except `me`, the first `count` of them.
    fn votes(
        &self,
        me: usize,
        count: usize,
        vote_type: VoteType,
        round: Round,
        block: Option<Hash>,
    ) -> Vec<Input> {
        (0..4)
            .filter(|i| *i != me)
            .take(count)
            .map(|i| self.vote(i, vote_type, round, block))
            .collect()
    }
}

fn own_votes(effects: &[Effect]) -> Vec<(VoteType, Round, Option<Hash>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast(ConsensusMessage::Vote(v)) => {
                Some((v.vote.vote_type, v.vote.round, v.vote.block_hash))
            }
            _ => None,
        })
        .collect()
}

fn timeouts(effects: &[Effect]) -> Vec<(TimeoutKind, Round)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ScheduleTimeout { timeout, .. } => Some((timeout.kind, timeout.round)),
            _ => None,
        })
        .collect()
}

fn apply_all(node: &mut Consensus<MemoryStore>, inputs: Vec<Input>) -> Vec<Effect> {
    inputs
        .into_iter()
        .flat_map(|input| node.apply(input))
        .collect()
}

fn timeout(kind: TimeoutKind, round: Round) -> Input {
    Input::Timeout(Timeout {
        height: HEIGHT,
        round,
        kind,
    })
}

#[test]
fn lines_11_to_21_proposer_asks_for_a_value_others_schedule_timeout_propose() {
    let net = Net::new();
    let (mut proposer, effects) = net.start(net.proposer(0), MemoryStore::default());
    assert!(effects.contains(&Effect::GetValue {
        height: HEIGHT,
        round: 0
    }));
    let effects = proposer.apply(Input::ProposeValue {
        height: HEIGHT,
        round: 0,
        block_hash: A,
    });
    assert!(effects.iter().any(|e| matches!(e, Effect::Broadcast(ConsensusMessage::Proposal(p)) if p.proposal.block_hash == A && p.verify().is_ok())));
    // Line 22 on its own proposal: it prevotes it.
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 0, Some(A))]);
    let (_, effects) = net.start(net.follower(), MemoryStore::default());
    assert_eq!(timeouts(&effects), vec![(TimeoutKind::Propose, 0)]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::GetValue { .. })));
}

#[test]
fn line_22_valid_proposal_gets_a_prevote_invalid_gets_nil() {
    let net = Net::new();
    let (mut node, _) = net.start(net.follower(), MemoryStore::default());
    let effects = node.apply(net.proposal(0, A, None));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 0, Some(A))]);
    assert_eq!(node.step(), Step::Prevote);

    let (mut node, _) = net.start(net.follower(), MemoryStore::default());
    let Input::Proposal { proposal, .. } = net.proposal(0, A, None) else {
        unreachable!()
    };
    let effects = node.apply(Input::Proposal {
        proposal,
        block_valid: false,
        timely: true,
    });
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 0, None)]);
}

/// `net.proposal` with the driver's timeliness verdict set to `timely`.
fn with_timely(input: Input, timely: bool) -> Input {
    match input {
        Input::Proposal {
            proposal,
            block_valid,
            ..
        } => Input::Proposal {
            proposal,
            block_valid,
            timely,
        },
        other => other,
    }
}

#[test]
fn line_22_untimely_fresh_proposal_gets_nil_but_its_polka_still_locks() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    let effects = node.apply(with_timely(net.proposal(0, A, None), false));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 0, None)]);
    // A later, timely copy of the same proposal does not count: the first
    // arrival is the one judged.
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(with_timely(net.proposal(0, A, None), false));
    node.apply(timeout(TimeoutKind::Propose, 0));
    assert!(own_votes(&node.apply(net.proposal(0, A, None))).is_empty());
    // The three others found it timely and formed a polka: the block is valid,
    // so lines 36–43 lock it and precommit it (timeliness gates only the prevote).
    let effects = apply_all(&mut node, net.votes(me, 3, VoteType::Prevote, 0, Some(A)));
    assert_eq!(node.locked(), Some((0, A)));
    assert_eq!(own_votes(&effects), vec![(VoteType::Precommit, 0, Some(A))]);
}

#[test]
fn line_28_reproposal_is_judged_by_its_polka_not_its_time() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(timeout(TimeoutKind::Propose, 0));
    node.apply(timeout(TimeoutKind::Prevote, 0));
    node.apply(timeout(TimeoutKind::Precommit, 0));
    apply_all(&mut node, net.votes(me, 3, VoteType::Prevote, 0, Some(B)));
    // B keeps the time it was first proposed with, now too old for this clock.
    let effects = node.apply(with_timely(net.proposal(1, B, Some(0)), false));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 1, Some(B))]);
}

#[test]
fn line_22_locked_validator_prevotes_nil_for_another_block() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(net.proposal(0, A, None));
    apply_all(&mut node, net.votes(me, 2, VoteType::Prevote, 0, Some(A)));
    assert_eq!(node.locked(), Some((0, A)));
    node.apply(timeout(TimeoutKind::Precommit, 0));
    apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, 0, None));
    node.apply(timeout(TimeoutKind::Precommit, 0));
    assert_eq!(node.round(), 1);
    let effects = node.apply(net.proposal(1, B, None));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 1, None)]);
}

#[test]
fn line_28_proposal_with_newer_polka_unlocks() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    // Locked on A in round 0.
    node.apply(net.proposal(0, A, None));
    apply_all(&mut node, net.votes(me, 2, VoteType::Prevote, 0, Some(A)));
    assert_eq!(node.locked(), Some((0, A)));
    // Round 1: B gets a polka (this node did not see the proposal in time).
    node.apply(timeout(TimeoutKind::Precommit, 0));
    node.apply(timeout(TimeoutKind::Propose, 1));
    apply_all(&mut node, net.votes(me, 3, VoteType::Prevote, 1, Some(B)));
    // Round 2 re-proposes B with valid round 1: lockedRound 0 ≤ 1, so prevote B.
    node.apply(timeout(TimeoutKind::Prevote, 1));
    node.apply(timeout(TimeoutKind::Precommit, 1));
    assert_eq!(node.round(), 2);
    let effects = node.apply(net.proposal(2, B, Some(1)));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 2, Some(B))]);
}

#[test]
fn line_28_waits_for_the_polka_of_the_valid_round() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(timeout(TimeoutKind::Propose, 0));
    node.apply(timeout(TimeoutKind::Prevote, 0));
    node.apply(timeout(TimeoutKind::Precommit, 0));
    let effects = node.apply(net.proposal(1, B, Some(0)));
    assert!(
        own_votes(&effects).is_empty(),
        "no polka for B in round 0 yet"
    );
    let effects = apply_all(&mut node, net.votes(me, 3, VoteType::Prevote, 0, Some(B)));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 1, Some(B))]);
    // A valid round that is not below the proposal's round is refused: prevote nil on timeout.
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(net.proposal(0, A, Some(0)));
    let effects = node.apply(timeout(TimeoutKind::Propose, 0));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 0, None)]);
}

#[test]
fn line_34_prevote_timeout_scheduled_once_on_mixed_quorum() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(net.proposal(0, A, None));
    let mut inputs = net.votes(me, 1, VoteType::Prevote, 0, None);
    inputs.extend(
        net.votes(me, 2, VoteType::Prevote, 0, Some(B))
            .into_iter()
            .skip(1),
    );
    let effects = apply_all(&mut node, inputs);
    assert_eq!(timeouts(&effects), vec![(TimeoutKind::Prevote, 0)]);
    let more = node.apply(net.vote(
        net.votes(me, 3, VoteType::Prevote, 0, None).len(),
        VoteType::Prevote,
        0,
        None,
    ));
    assert!(timeouts(&more).is_empty());
}

#[test]
fn line_36_polka_locks_and_precommits() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(net.proposal(0, A, None));
    let effects = apply_all(&mut node, net.votes(me, 2, VoteType::Prevote, 0, Some(A)));
    assert_eq!(own_votes(&effects), vec![(VoteType::Precommit, 0, Some(A))]);
    assert_eq!(node.locked(), Some((0, A)));
    assert_eq!(node.step(), Step::Precommit);
}

#[test]
fn line_36_polka_after_precommit_updates_valid_value_only() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(timeout(TimeoutKind::Propose, 0));
    node.apply(timeout(TimeoutKind::Prevote, 0));
    assert_eq!(node.step(), Step::Precommit);
    node.apply(net.proposal(0, A, None));
    let effects = apply_all(&mut node, net.votes(me, 3, VoteType::Prevote, 0, Some(A)));
    assert!(own_votes(&effects).is_empty());
    assert_eq!(node.locked(), None);
    // The valid value is re-proposed when this node proposes: move to a round it proposes.
    let round = (1..50).find(|r| net.proposer(*r) == me).unwrap();
    apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, 0, None));
    node.apply(timeout(TimeoutKind::Precommit, 0));
    for r in 1..round {
        node.apply(timeout(TimeoutKind::Propose, r));
        node.apply(timeout(TimeoutKind::Prevote, r));
        apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, r, None));
        node.apply(timeout(TimeoutKind::Precommit, r));
    }
    assert_eq!(node.round(), round);
}

#[test]
fn line_44_nil_polka_precommits_nil() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(net.proposal(0, A, None));
    let effects = apply_all(&mut node, net.votes(me, 3, VoteType::Prevote, 0, None));
    assert_eq!(own_votes(&effects), vec![(VoteType::Precommit, 0, None)]);
}

#[test]
fn line_47_precommit_timeout_on_any_quorum_then_line_65_next_round() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    let mut inputs = net.votes(me, 2, VoteType::Precommit, 0, None);
    inputs.push(
        net.votes(me, 3, VoteType::Precommit, 0, Some(B))
            .pop()
            .unwrap(),
    );
    let effects = apply_all(&mut node, inputs);
    assert_eq!(timeouts(&effects), vec![(TimeoutKind::Precommit, 0)]);
    let effects = node.apply(timeout(TimeoutKind::Precommit, 0));
    assert_eq!(node.round(), 1);
    assert_eq!(node.step(), Step::Propose);
    assert!(timeouts(&effects).contains(&(TimeoutKind::Propose, 1)));
}

#[test]
fn line_49_proposal_and_precommit_quorum_decide_with_a_valid_certificate() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, 0, Some(A)));
    assert_eq!(
        node.step(),
        Step::Propose,
        "no decision without the proposal"
    );
    let effects = node.apply(net.proposal(0, A, None));
    let decided = effects.iter().find_map(|e| match e {
        Effect::Decide {
            height,
            block_hash,
            certificate,
        } => Some((*height, *block_hash, certificate.clone())),
        _ => None,
    });
    let (height, block, certificate) = decided.expect("decision");
    assert_eq!((height, block), (HEIGHT, A));
    assert_eq!(certificate.verify(&chain_id(), HEIGHT, &A, &net.set), Ok(3));
    assert_eq!(node.step(), Step::Commit);
    assert!(node.apply(net.proposal(0, B, None)).is_empty());
}

#[test]
fn line_49_decides_for_an_earlier_round_too() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(net.proposal(0, A, None));
    node.apply(timeout(TimeoutKind::Prevote, 0));
    node.apply(timeout(TimeoutKind::Precommit, 0));
    assert_eq!(node.round(), 1);
    let effects = apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, 0, Some(A)));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Decide { block_hash, .. } if *block_hash == A))
    );
}

#[test]
fn line_55_f_plus_one_messages_of_a_higher_round_skip_ahead() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(net.votes(me, 1, VoteType::Prevote, 7, None).remove(0));
    assert_eq!(node.round(), 0, "one third is not enough");
    let others: Vec<usize> = (0..4).filter(|i| *i != me).collect();
    node.apply(net.vote(others[1], VoteType::Precommit, 7, None));
    assert_eq!(node.round(), 7);
}

#[test]
fn lines_57_and_61_timeouts_vote_nil_and_stale_timeouts_are_ignored() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    assert!(
        node.apply(timeout(TimeoutKind::Prevote, 0)).is_empty(),
        "not in step prevote"
    );
    let effects = node.apply(timeout(TimeoutKind::Propose, 0));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 0, None)]);
    let effects = node.apply(timeout(TimeoutKind::Prevote, 0));
    assert_eq!(own_votes(&effects), vec![(VoteType::Precommit, 0, None)]);
    assert!(node.apply(timeout(TimeoutKind::Propose, 0)).is_empty());
    assert!(
        node.apply(Input::Timeout(Timeout {
            height: 9,
            round: 0,
            kind: TimeoutKind::Precommit
        }))
        .is_empty()
    );
}

#[test]
fn forged_and_foreign_messages_are_ignored() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    // A proposal signed by someone who is not the round's proposer.
    let not_proposer = (0..4).find(|i| *i != net.proposer(0)).unwrap();
    let fake = Proposal {
        chain_id: chain_id(),
        height: HEIGHT,
        round: 0,
        proof_of_lock_round: None,
        block_hash: A,
        proposer: net.keys[not_proposer].public_key(),
    }
    .sign(&net.keys[not_proposer]);
    assert!(
        node.apply(Input::Proposal {
            proposal: fake,
            block_valid: true,
            timely: true,
        })
        .is_empty()
    );
    // Votes with bad signatures, from outsiders, for another chain: not counted.
    let mut inputs = Vec::new();
    for input in net.votes(me, 3, VoteType::Precommit, 0, None) {
        let Input::Vote(mut vote) = input else {
            unreachable!()
        };
        vote.signature.0[0] ^= 1;
        inputs.push(Input::Vote(vote));
    }
    let outsider = SigningKey::from_seed(&[0xee; 32]);
    for _ in 0..3 {
        inputs.push(Input::Vote(
            Vote {
                chain_id: chain_id(),
                vote_type: VoteType::Precommit,
                height: HEIGHT,
                round: 0,
                block_hash: None,
                validator: outsider.public_key(),
            }
            .sign(&outsider),
        ));
    }
    let other_chain = ChainId::new("other").unwrap();
    for i in (0..4).filter(|i| *i != me) {
        inputs.push(Input::Vote(
            Vote {
                chain_id: other_chain.clone(),
                vote_type: VoteType::Precommit,
                height: HEIGHT,
                round: 0,
                block_hash: None,
                validator: net.keys[i].public_key(),
            }
            .sign(&net.keys[i]),
        ));
    }
    let effects = apply_all(&mut node, inputs);
    assert!(
        timeouts(&effects).is_empty(),
        "no quorum was counted: {effects:?}"
    );
}

#[test]
fn equivocation_produces_evidence_once() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    let other = (0..4).find(|i| *i != me).unwrap();
    node.apply(net.vote(other, VoteType::Prevote, 0, Some(A)));
    let effects = node.apply(net.vote(other, VoteType::Prevote, 0, Some(B)));
    let evidence: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::Evidence(_)))
        .collect();
    assert_eq!(evidence.len(), 1);
    let again = node.apply(net.vote(other, VoteType::Prevote, 0, Some(B)));
    assert!(!again.iter().any(|e| matches!(e, Effect::Evidence(_))));
}

#[test]
fn restart_resumes_round_step_and_lock_without_double_signing() {
    let net = Net::new();
    let me = net.follower();
    let store = MemoryStore::default();
    let (mut node, _) = net.start(me, store.clone());
    node.apply(net.proposal(0, A, None));
    apply_all(&mut node, net.votes(me, 2, VoteType::Prevote, 0, Some(A)));
    assert_eq!(node.locked(), Some((0, A)));
    drop(node);
    let (mut node, effects) = net.start(me, store.clone());
    assert_eq!(
        (node.round(), node.step(), node.locked()),
        (0, Step::Precommit, Some((0, A)))
    );
    assert_eq!(
        own_votes(&effects),
        vec![(VoteType::Precommit, 0, Some(A))],
        "re-sends its last vote"
    );
    assert!(timeouts(&effects).contains(&(TimeoutKind::Precommit, 0)));
    // The lock survives into the next round: B is refused.
    node.apply(timeout(TimeoutKind::Precommit, 0));
    let effects = node.apply(net.proposal(1, B, None));
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 1, None)]);
}

#[test]
fn restart_after_prevote_cannot_prevote_differently() {
    let net = Net::new();
    let me = net.follower();
    let store = MemoryStore::default();
    let (mut node, _) = net.start(me, store.clone());
    node.apply(timeout(TimeoutKind::Propose, 0));
    drop(node);
    let (mut node, effects) = net.start(me, store.clone());
    assert_eq!(own_votes(&effects), vec![(VoteType::Prevote, 0, None)]);
    assert_eq!(node.step(), Step::Prevote);
    // The proposal arrives late: the node must not prevote A in round 0.
    let effects = node.apply(net.proposal(0, A, None));
    assert!(own_votes(&effects).is_empty());
}

#[test]
fn store_failure_halts_before_anything_is_sent() {
    let net = Net::new();
    let me = net.follower();
    let store = MemoryStore::default();
    let (mut node, _) = net.start(me, store.clone());
    *store.fail.borrow_mut() = true;
    let effects = node.apply(net.proposal(0, A, None));
    assert!(own_votes(&effects).is_empty());
    assert_eq!(
        node.halted(),
        Some(ConsensusError::Halted(StoreError::Write(
            std::io::ErrorKind::StorageFull
        )))
    );
    assert!(node.apply(timeout(TimeoutKind::Propose, 0)).is_empty());
}

#[test]
fn next_height_messages_are_buffered_and_replayed() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    let next = |i: usize| {
        Input::Vote(
            Vote {
                chain_id: chain_id(),
                vote_type: VoteType::Precommit,
                height: HEIGHT + 1,
                round: 0,
                block_hash: None,
                validator: net.keys[i].public_key(),
            }
            .sign(&net.keys[i]),
        )
    };
    let others: Vec<usize> = (0..4).filter(|i| *i != me).collect();
    for i in &others {
        assert!(node.apply(next(*i)).is_empty());
    }
    node.apply(net.proposal(0, A, None));
    let effects = apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, 0, Some(A)));
    assert!(effects.iter().any(|e| matches!(e, Effect::Decide { .. })));
    let effects = node.start_height(HEIGHT + 1, net.set.clone());
    assert!(
        timeouts(&effects).contains(&(TimeoutKind::Precommit, 0)),
        "buffered precommits counted: {effects:?}"
    );
}

/// A validator flooding the next height (thousands of distinct, validly signed
/// votes) fills only its own share of the buffer: the messages another validator
/// sends afterwards are still kept and counted when the height starts.
#[test]
fn next_height_buffer_is_bounded_per_validator() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    let next = |i: usize, vote_type: VoteType, round: Round| {
        Input::Vote(
            Vote {
                chain_id: chain_id(),
                vote_type,
                height: HEIGHT + 1,
                round,
                block_hash: None,
                validator: net.keys[i].public_key(),
            }
            .sign(&net.keys[i]),
        )
    };
    let others: Vec<usize> = (0..4).filter(|i| *i != me).collect();
    let (flooder, rest) = (others[0], &others[1..]);
    node.apply(next(flooder, VoteType::Precommit, 0));
    for round in 1..=5_000 {
        node.apply(next(flooder, VoteType::Prevote, round));
    }
    for i in rest {
        node.apply(next(*i, VoteType::Precommit, 0));
    }
    node.apply(net.proposal(0, A, None));
    let effects = apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, 0, Some(A)));
    assert!(effects.iter().any(|e| matches!(e, Effect::Decide { .. })));
    let effects = node.start_height(HEIGHT + 1, net.set.clone());
    assert!(
        timeouts(&effects).contains(&(TimeoutKind::Precommit, 0)),
        "the other validators' precommits were kept despite the flood: {:?}",
        timeouts(&effects)
    );
}

/// Next-height messages whose signature does not verify are not buffered, so no
/// one can use up an honest validator's share in its name.
#[test]
fn next_height_buffer_keeps_only_verified_messages() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    let others: Vec<usize> = (0..4).filter(|i| *i != me).collect();
    let (forger, victim) = (others[0], others[1]);
    // The forger signs votes in the victim's name with its own key.
    for round in 0..1_000 {
        let forged = Vote {
            chain_id: chain_id(),
            vote_type: VoteType::Prevote,
            height: HEIGHT + 1,
            round,
            block_hash: None,
            validator: net.keys[victim].public_key(),
        }
        .sign(&net.keys[forger]);
        node.apply(Input::Vote(forged));
    }
    for i in &others {
        node.apply(Input::Vote(
            Vote {
                chain_id: chain_id(),
                vote_type: VoteType::Precommit,
                height: HEIGHT + 1,
                round: 0,
                block_hash: None,
                validator: net.keys[*i].public_key(),
            }
            .sign(&net.keys[*i]),
        ));
    }
    node.apply(net.proposal(0, A, None));
    apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, 0, Some(A)));
    let effects = node.start_height(HEIGHT + 1, net.set.clone());
    assert!(timeouts(&effects).contains(&(TimeoutKind::Precommit, 0)));
}

#[test]
fn synced_commit_decides_only_with_a_valid_certificate() {
    let net = Net::new();
    let me = net.follower();
    let (mut donor, _) = net.start(me, MemoryStore::default());
    donor.apply(net.proposal(0, A, None));
    let effects = apply_all(
        &mut donor,
        net.votes(me, 3, VoteType::Precommit, 0, Some(A)),
    );
    let certificate = effects
        .iter()
        .find_map(|e| match e {
            Effect::Decide { certificate, .. } => Some(certificate.clone()),
            _ => None,
        })
        .unwrap();
    let lagging = (0..4).find(|i| *i != me).unwrap();
    let (mut node, _) = net.start(lagging, MemoryStore::default());
    let forged = QuorumCertificate::new(HEIGHT, 0, B, certificate.signatures().to_vec()).unwrap();
    assert!(
        node.apply(Input::SyncedCommit {
            certificate: forged,
            block_valid: true
        })
        .is_empty()
    );
    assert!(
        node.apply(Input::SyncedCommit {
            certificate: certificate.clone(),
            block_valid: false
        })
        .is_empty()
    );
    let effects = node.apply(Input::SyncedCommit {
        certificate,
        block_valid: true,
    });
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Decide { block_hash, .. } if *block_hash == A))
    );
}

#[test]
fn validator_set_changes_apply_at_the_height_they_are_given_for() {
    // Height 2 is signed by a set without validator `gone`, and with doubled power
    // for `heavy`: votes from `gone` no longer count; `heavy` with one more makes a quorum.
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    node.apply(net.proposal(0, A, None));
    apply_all(&mut node, net.votes(me, 3, VoteType::Precommit, 0, Some(A)));
    assert_eq!(node.step(), Step::Commit);
    let others: Vec<usize> = (0..4).filter(|i| *i != me).collect();
    let (gone, heavy) = (others[0], others[1]);
    let next_set = ValidatorSet::new(
        (0..4)
            .filter(|i| *i != gone)
            .map(|i| civitas_types::Validator {
                public_key: net.keys[i].public_key(),
                voting_power: if i == heavy { 2 } else { 1 },
            })
            .collect(),
    )
    .unwrap();
    node.start_height(HEIGHT + 1, next_set);
    let vote = |i: usize| {
        Input::Vote(
            Vote {
                chain_id: chain_id(),
                vote_type: VoteType::Prevote,
                height: HEIGHT + 1,
                round: 0,
                block_hash: None,
                validator: net.keys[i].public_key(),
            }
            .sign(&net.keys[i]),
        )
    };
    // Total power 4 (quorum > 8/3, i.e. 3). `gone` is ignored; `heavy` (2) + me (1) = 3.
    assert!(timeouts(&node.apply(vote(gone))).is_empty());
    node.apply(timeout_at(HEIGHT + 1, TimeoutKind::Propose, 0));
    let effects = node.apply(vote(heavy));
    assert!(
        timeouts(&effects).contains(&(TimeoutKind::Prevote, 0)),
        "heavy + me = 3 of 4 is a quorum under the new set: {effects:?}"
    );
}

fn timeout_at(height: u64, kind: TimeoutKind, round: Round) -> Input {
    Input::Timeout(Timeout {
        height,
        round,
        kind,
    })
}

#[test]
fn a_validator_in_an_earlier_round_is_sent_that_rounds_votes_once_per_period() {
    let net = Net::new();
    let me = net.follower();
    let (mut node, _) = net.start(me, MemoryStore::default());
    let others: Vec<usize> = (0..4).filter(|i| *i != me).collect();
    // Round 0: precommits (nil) from two others, then a timeout moves this node on.
    apply_all(&mut node, net.votes(me, 2, VoteType::Precommit, 0, None));
    node.apply(timeout(TimeoutKind::Propose, 0));
    node.apply(timeout(TimeoutKind::Prevote, 0));
    node.apply(timeout(TimeoutKind::Precommit, 0));
    assert_eq!(node.round(), 1);
    // The laggard (still in round 0) sends its round-0 prevote: it gets the round's votes.
    let laggard = others[2];
    let effects = node.apply(net.vote(laggard, VoteType::Prevote, 0, None));
    let sent: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendTo {
                validator,
                message: ConsensusMessage::Vote(v),
            } => Some((*validator, v.vote.round)),
            _ => None,
        })
        .collect();
    assert!(
        sent.len() >= 4,
        "precommits of 2 others + own prevote and precommit: {sent:?}"
    );
    assert!(
        sent.iter()
            .all(|(to, round)| *to == net.keys[laggard].public_key() && *round == 0)
    );
    // Not again until the next rebroadcast period.
    let again = node.apply(net.vote(laggard, VoteType::Precommit, 0, None));
    assert!(!again.iter().any(|e| matches!(e, Effect::SendTo { .. })));
    node.apply(Input::Rebroadcast);
    let later = node.apply(net.vote(laggard, VoteType::Prevote, 0, None));
    assert!(later.iter().any(|e| matches!(e, Effect::SendTo { .. })));
}

/// Every message an effect carries that `key` signed.
fn signed_by(effects: &[Effect], key: &PublicKey) -> usize {
    effects
        .iter()
        .filter(|e| match e {
            Effect::Broadcast(message) | Effect::SendTo { message, .. } => match message {
                ConsensusMessage::Vote(v) => v.vote.validator == *key,
                ConsensusMessage::Proposal(p) => p.proposal.proposer == *key,
            },
            _ => false,
        })
        .count()
}

#[test]
fn an_observer_follows_every_rule_and_never_signs_or_asks_for_a_value() {
    let net = Net::new();
    let observer = SigningKey::from_seed(&[0x0b; 32]);
    let key = observer.public_key();
    assert!(net.set.index_of(&key).is_none());
    let store = MemoryStore::default();
    let (mut node, mut effects) = Consensus::start(
        chain_id(),
        observer,
        store.clone(),
        TimeoutParams::default(),
        HEIGHT,
        net.set.clone(),
    )
    .unwrap();
    // Round 0 fails: its proposal never comes, every timeout fires, and the
    // others' nil votes move it on (lines 57, 61, 65); round 1 decides.
    let mut inputs = vec![timeout(TimeoutKind::Propose, 0)];
    inputs.extend(net.votes(4, 3, VoteType::Prevote, 0, None));
    inputs.push(timeout(TimeoutKind::Prevote, 0));
    inputs.extend(net.votes(4, 3, VoteType::Precommit, 0, None));
    inputs.push(timeout(TimeoutKind::Precommit, 0));
    inputs.push(Input::Rebroadcast);
    inputs.push(net.proposal(1, A, None));
    inputs.extend(net.votes(4, 3, VoteType::Prevote, 1, Some(A)));
    inputs.push(Input::Rebroadcast);
    inputs.extend(net.votes(4, 3, VoteType::Precommit, 1, Some(A)));
    effects.extend(apply_all(&mut node, inputs));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Decide { block_hash, .. } if *block_hash == A)),
        "the observer decides with the others"
    );
    assert_eq!(signed_by(&effects, &key), 0);
    assert!(!effects.iter().any(|e| matches!(e, Effect::GetValue { .. })));
    assert!(store.state.borrow().is_none(), "nothing was ever signed");
    assert!(node.halted().is_none());
}
