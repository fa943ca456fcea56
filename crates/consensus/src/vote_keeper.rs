//! Votes of one height, tallied by round, step and value.
//!
//! Keeps the first vote of each validator for each (round, step); a second,
//! different vote is equivocation and becomes evidence. Also tracks, per round,
//! which validators sent anything (for the round-skip rule). Bounded: a validator
//! may have votes in at most [`FUTURE_ROUNDS_PER_VALIDATOR_MAX`] rounds above the
//! current one, so a Byzantine validator cannot fill memory with far-future rounds.

use std::collections::{BTreeMap, BTreeSet};

use civitas_types::{
    CommitSignature, DuplicateVoteEvidence, Evidence, Hash, SignedVote, ValidatorSet, VoteType,
};

use crate::message::Round;

/// Most rounds above the current one in which one validator's votes are kept.
pub const FUTURE_ROUNDS_PER_VALIDATOR_MAX: usize = 8;

/// Votes of one step of one round.
#[derive(Default, Debug)]
struct VoteSet {
    by_validator: BTreeMap<usize, SignedVote>,
    power_by_value: BTreeMap<Option<Hash>, u64>,
    power: u64,
}

/// Everything heard in one round.
#[derive(Default, Debug)]
struct RoundVotes {
    prevotes: VoteSet,
    precommits: VoteSet,
    senders: BTreeSet<usize>,
    sender_power: u64,
}

impl RoundVotes {
    fn set(&self, vote_type: VoteType) -> &VoteSet {
        match vote_type {
            VoteType::Prevote => &self.prevotes,
            VoteType::Precommit => &self.precommits,
        }
    }
}

/// What adding a vote did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddVote {
    /// A new vote, counted.
    Added,
    /// The same vote again; nothing changed.
    Duplicate,
    /// A second, different vote from the same validator for the same round and step.
    Equivocation(Box<Evidence>),
    /// Dropped: the validator already has votes in too many future rounds.
    TooFarAhead,
}

/// The votes of one height.
#[derive(Debug)]
pub struct VoteKeeper {
    validators: ValidatorSet,
    rounds: BTreeMap<Round, RoundVotes>,
}

impl VoteKeeper {
    /// An empty tally for a height signed by `validators`.
    pub fn new(validators: ValidatorSet) -> VoteKeeper {
        VoteKeeper {
            validators,
            rounds: BTreeMap::new(),
        }
    }

    /// The validator set of the height.
    pub fn validators(&self) -> &ValidatorSet {
        &self.validators
    }

    fn power_of(&self, index: usize) -> u64 {
        self.validators.get(index).map_or(0, |v| v.voting_power)
    }

    fn future_rounds_of(&self, index: usize, current: Round) -> usize {
        self.rounds
            .range(current.saturating_add(1)..)
            .filter(|(_, votes)| votes.senders.contains(&index))
            .count()
    }

    /// Notes that validator `index` sent something in `round` (round-skip rule).
    /// Returns false if that round is too far ahead for this validator.
    pub fn add_sender(&mut self, round: Round, index: usize, current: Round) -> bool {
        let known = self
            .rounds
            .get(&round)
            .is_some_and(|r| r.senders.contains(&index));
        if known {
            return true;
        }
        if round > current
            && self.future_rounds_of(index, current) >= FUTURE_ROUNDS_PER_VALIDATOR_MAX
        {
            return false;
        }
        let power = self.power_of(index);
        let votes = self.rounds.entry(round).or_default();
        votes.senders.insert(index);
        votes.sender_power = votes.sender_power.saturating_add(power);
        true
    }

    /// Adds a vote (signature already checked) from validator `index`.
    pub fn add_vote(&mut self, index: usize, vote: SignedVote, current: Round) -> AddVote {
        let round = vote.vote.round;
        if !self.add_sender(round, index, current) {
            return AddVote::TooFarAhead;
        }
        let power = self.power_of(index);
        let votes = self.rounds.entry(round).or_default();
        let set = match vote.vote.vote_type {
            VoteType::Prevote => &mut votes.prevotes,
            VoteType::Precommit => &mut votes.precommits,
        };
        if let Some(existing) = set.by_validator.get(&index) {
            if existing.vote == vote.vote {
                return AddVote::Duplicate;
            }
            return match DuplicateVoteEvidence::new(existing.clone(), vote) {
                Ok(evidence) => AddVote::Equivocation(Box::new(Evidence::DuplicateVote(evidence))),
                Err(_) => AddVote::Duplicate,
            };
        }
        let value = set.power_by_value.entry(vote.vote.block_hash).or_insert(0);
        *value = value.saturating_add(power);
        set.power = set.power.saturating_add(power);
        set.by_validator.insert(index, vote);
        AddVote::Added
    }

    /// The value (block or nil) that more than two thirds voted for in `round`, if any.
    pub fn quorum_value(&self, round: Round, vote_type: VoteType) -> Option<Option<Hash>> {
        let set = self.rounds.get(&round)?.set(vote_type);
        set.power_by_value
            .iter()
            .find(|(_, power)| self.validators.is_quorum(**power))
            .map(|(value, _)| *value)
    }

    /// Whether more than two thirds voted for `value` in `round`.
    pub fn has_quorum_for(&self, round: Round, vote_type: VoteType, value: Option<Hash>) -> bool {
        self.quorum_value(round, vote_type) == Some(value)
    }

    /// Whether votes of any values from more than two thirds arrived in `round`.
    pub fn has_quorum_any(&self, round: Round, vote_type: VoteType) -> bool {
        self.rounds
            .get(&round)
            .is_some_and(|r| self.validators.is_quorum(r.set(vote_type).power))
    }

    /// The lowest round above `current` from which validators holding more than one
    /// third of the power sent something (paper line 55), if any.
    pub fn skip_round(&self, current: Round) -> Option<Round> {
        let third = |power: u64| power.saturating_mul(3) > self.validators.total_voting_power();
        self.rounds
            .range(current.saturating_add(1)..)
            .find(|(_, votes)| third(votes.sender_power))
            .map(|(round, _)| *round)
    }

    /// Rounds with precommit quorums for a block, in increasing order.
    pub fn decided_rounds(&self) -> Vec<(Round, Hash)> {
        self.rounds
            .keys()
            .filter_map(
                |round| match self.quorum_value(*round, VoteType::Precommit) {
                    Some(Some(hash)) => Some((*round, hash)),
                    _ => None,
                },
            )
            .collect()
    }

    /// The precommit signatures for `block` in `round`, for a quorum certificate.
    pub fn commit_signatures(&self, round: Round, block: &Hash) -> Vec<CommitSignature> {
        let Some(votes) = self.rounds.get(&round) else {
            return Vec::new();
        };
        votes
            .precommits
            .by_validator
            .iter()
            .filter(|(_, vote)| vote.vote.block_hash.as_ref() == Some(block))
            .filter_map(|(index, vote)| {
                Some(CommitSignature {
                    validator_index: u16::try_from(*index).ok()?,
                    signature: vote.signature,
                })
            })
            .collect()
    }

    /// This validator's own vote of `round` and `vote_type`, if counted.
    pub fn vote_of(&self, index: usize, round: Round, vote_type: VoteType) -> Option<&SignedVote> {
        self.rounds
            .get(&round)?
            .set(vote_type)
            .by_validator
            .get(&index)
    }
}

#[cfg(test)]
mod tests;
