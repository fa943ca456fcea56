#![allow(clippy::arithmetic_side_effects)]
use super::*;
use civitas_types::testing::{chain_id, signing_keys, validator_set};
use civitas_types::{SigningKey, Vote};

struct Fixture {
    keys: Vec<SigningKey>,
    keeper: VoteKeeper,
}

/// Four validators, powers 1, 1, 1, 1 (quorum 3, one third = 2 needed for > 1/3).
fn fixture() -> Fixture {
    let keys = signing_keys(4);
    let set = validator_set(&keys, &[1, 1, 1, 1]);
    // Order keys as the set orders them so that index i is keys[i].
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
    Fixture {
        keys,
        keeper: VoteKeeper::new(set),
    }
}

fn vote(
    f: &Fixture,
    index: usize,
    vote_type: VoteType,
    round: Round,
    value: Option<Hash>,
) -> SignedVote {
    Vote {
        chain_id: chain_id(),
        vote_type,
        height: 1,
        round,
        block_hash: value,
        validator: f.keys[index].public_key(),
    }
    .sign(&f.keys[index])
}

#[test]
fn quorum_needs_more_than_two_thirds() {
    let mut f = fixture();
    let block = Some(Hash([1; 32]));
    for index in 0..2 {
        let v = vote(&f, index, VoteType::Prevote, 0, block);
        assert_eq!(f.keeper.add_vote(index, v, 0), AddVote::Added);
    }
    assert_eq!(f.keeper.quorum_value(0, VoteType::Prevote), None);
    assert!(!f.keeper.has_quorum_any(0, VoteType::Prevote));
    let v = vote(&f, 2, VoteType::Prevote, 0, None);
    f.keeper.add_vote(2, v, 0);
    assert!(f.keeper.has_quorum_any(0, VoteType::Prevote));
    assert_eq!(f.keeper.quorum_value(0, VoteType::Prevote), None);
    let v = vote(&f, 3, VoteType::Prevote, 0, block);
    f.keeper.add_vote(3, v, 0);
    assert!(f.keeper.has_quorum_for(0, VoteType::Prevote, block));
}

#[test]
fn duplicate_is_ignored_and_conflict_is_evidence_counted_for_both_values() {
    let mut f = fixture();
    let first = vote(&f, 1, VoteType::Precommit, 0, Some(Hash([1; 32])));
    assert_eq!(f.keeper.add_vote(1, first.clone(), 0), AddVote::Added);
    assert_eq!(f.keeper.add_vote(1, first, 0), AddVote::Duplicate);
    let second = vote(&f, 1, VoteType::Precommit, 0, None);
    match f.keeper.add_vote(1, second, 0) {
        AddVote::Equivocation(evidence) => {
            assert_eq!(evidence.offender(), f.keys[1].public_key());
            assert_eq!(evidence.verify(), Ok(()));
        }
        other => panic!("expected evidence, got {other:?}"),
    }
    // Counted for both values, but once in the "any value" total.
    assert_eq!(f.keeper.commit_signatures(0, &Hash([1; 32])).len(), 1);
    for index in [0, 2] {
        let v = vote(&f, index, VoteType::Precommit, 0, None);
        f.keeper.add_vote(index, v, 0);
    }
    assert!(f.keeper.has_quorum_for(0, VoteType::Precommit, None));
    // A third value from the equivocator is reported but not counted.
    let third = vote(&f, 1, VoteType::Precommit, 0, Some(Hash([3; 32])));
    assert!(matches!(
        f.keeper.add_vote(1, third, 0),
        AddVote::Equivocation(_)
    ));
    assert!(f.keeper.commit_signatures(0, &Hash([3; 32])).is_empty());
}

#[test]
fn equivocator_counts_towards_the_polka_it_joined() {
    // Validator 3 first told us "nil", then (relayed) its prevote for B: with 0, 1
    // and 3 for B there is a polka for B.
    let mut f = fixture();
    let block = Some(Hash([0xb; 32]));
    let nil = vote(&f, 3, VoteType::Prevote, 0, None);
    f.keeper.add_vote(3, nil, 0);
    for index in [0, 1] {
        let v = vote(&f, index, VoteType::Prevote, 0, block);
        f.keeper.add_vote(index, v, 0);
    }
    assert!(!f.keeper.has_quorum_for(0, VoteType::Prevote, block));
    let joined = vote(&f, 3, VoteType::Prevote, 0, block);
    assert!(matches!(
        f.keeper.add_vote(3, joined, 0),
        AddVote::Equivocation(_)
    ));
    assert!(f.keeper.has_quorum_for(0, VoteType::Prevote, block));
    assert_eq!(f.keeper.polka(0, &Hash([0xb; 32])).len(), 3);
}

#[test]
fn round_skip_needs_more_than_one_third_of_senders() {
    let mut f = fixture();
    let v = vote(&f, 0, VoteType::Prevote, 5, None);
    f.keeper.add_vote(0, v, 0);
    assert_eq!(f.keeper.skip_round(0), None);
    assert!(f.keeper.add_sender(5, 3, 0));
    assert_eq!(f.keeper.skip_round(0), Some(5));
    assert_eq!(f.keeper.skip_round(5), None);
}

#[test]
fn far_future_rounds_are_bounded_per_validator() {
    let mut f = fixture();
    for round in 1..=FUTURE_ROUNDS_PER_VALIDATOR_MAX as u32 {
        let v = vote(&f, 0, VoteType::Prevote, round * 1000, None);
        assert_eq!(f.keeper.add_vote(0, v, 0), AddVote::Added);
    }
    let v = vote(&f, 0, VoteType::Prevote, u32::MAX, None);
    assert_eq!(f.keeper.add_vote(0, v, 0), AddVote::TooFarAhead);
    // Other validators are unaffected, and past/current rounds are always kept.
    let v = vote(&f, 1, VoteType::Prevote, u32::MAX, None);
    assert_eq!(f.keeper.add_vote(1, v, 0), AddVote::Added);
    let v = vote(&f, 0, VoteType::Prevote, 0, None);
    assert_eq!(f.keeper.add_vote(0, v, 0), AddVote::Added);
}

#[test]
fn commit_signatures_are_those_for_the_block() {
    let mut f = fixture();
    let block = Hash([9; 32]);
    for index in 0..4 {
        let value = if index == 2 { None } else { Some(block) };
        let v = vote(&f, index, VoteType::Precommit, 1, value);
        f.keeper.add_vote(index, v, 1);
    }
    let signatures = f.keeper.commit_signatures(1, &block);
    assert_eq!(
        signatures
            .iter()
            .map(|s| s.validator_index)
            .collect::<Vec<_>>(),
        vec![0, 1, 3]
    );
    assert_eq!(f.keeper.decided_rounds(), vec![(1, block)]);
}
