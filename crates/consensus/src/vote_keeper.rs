//! Votes of one height, tallied by round, step and value.
//!
//! Counts, as the paper does, every message of every sender: a validator that
//! votes for two values in one (round, step) counts towards both (quorum
//! intersection still holds: two quorums share an honest validator, who votes
//! once). The second value is also evidence of equivocation. At most
//! [`VALUES_PER_VALIDATOR_MAX`] values are kept per validator and (round, step), so
//! an equivocator cannot fill memory; further ones are reported but not counted.
//! This matters for liveness: an honest validator that first heard an
//! equivocator's other vote must still see the polka the equivocator joined.
//! Also tracks, per round,
//! which validators sent anything (for the round-skip rule). Bounded: a validator
//! may have votes in at most [`FUTURE_ROUNDS_PER_VALIDATOR_MAX`] rounds above the
//! current one, so a Byzantine validator cannot fill memory with far-future rounds.

use std::collections::{BTreeMap, BTreeSet};

use civitas_types::{
    CommitSignature, DuplicateVoteEvidence, Evidence, Hash, SignedVote, ValidatorSet, VoteType,
};

use crate::message::Round;

/// Most distinct values counted per validator for one (round, step).
pub const VALUES_PER_VALIDATOR_MAX: usize = 2;

/// Most rounds above the current one in which one validator's votes are kept.
pub const FUTURE_ROUNDS_PER_VALIDATOR_MAX: usize = 8;

/// Votes of one step of one round.
#[derive(Default, Debug)]
struct VoteSet {
    by_validator: BTreeMap<usize, Vec<SignedVote>>,
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
        let votes_of_validator = set.by_validator.entry(index).or_default();
        if votes_of_validator
            .iter()
            .any(|existing| existing.vote == vote.vote)
        {
            return AddVote::Duplicate;
        }
        let first = votes_of_validator.first().cloned();
        let counted = votes_of_validator.len() < VALUES_PER_VALIDATOR_MAX;
        if counted {
            votes_of_validator.push(vote.clone());
            let value = set.power_by_value.entry(vote.vote.block_hash).or_insert(0);
            *value = value.saturating_add(power);
            if first.is_none() {
                set.power = set.power.saturating_add(power);
            }
        }
        match first {
            None => AddVote::Added,
            Some(existing) => match DuplicateVoteEvidence::new(existing, vote) {
                Ok(evidence) => AddVote::Equivocation(Box::new(Evidence::DuplicateVote(evidence))),
                Err(_) => AddVote::Duplicate,
            },
        }
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
            .filter_map(|(index, votes)| {
                let vote = votes
                    .iter()
                    .find(|v| v.vote.block_hash.as_ref() == Some(block))?;
                Some(CommitSignature {
                    validator_index: u16::try_from(*index).ok()?,
                    signature: vote.signature,
                })
            })
            .collect()
    }

    /// The prevotes for `block` in `round`: a proof of lock (polka) to relay with a
    /// proposal that re-proposes `block` with that valid round.
    pub fn polka(&self, round: Round, block: &Hash) -> Vec<SignedVote> {
        self.rounds.get(&round).map_or_else(Vec::new, |votes| {
            votes
                .prevotes
                .by_validator
                .values()
                .flatten()
                .filter(|vote| vote.vote.block_hash.as_ref() == Some(block))
                .cloned()
                .collect()
        })
    }

    /// Every counted vote of `round`, precommits first.
    pub fn round_votes(&self, round: Round) -> Vec<SignedVote> {
        self.rounds.get(&round).map_or_else(Vec::new, |votes| {
            [&votes.precommits, &votes.prevotes]
                .into_iter()
                .flat_map(|set| set.by_validator.values().flatten().cloned())
                .collect()
        })
    }

    /// Every vote validator `index` cast in rounds up to `last`, oldest first.
    pub fn votes_of(&self, index: usize, last: Round) -> Vec<SignedVote> {
        self.rounds
            .range(..=last)
            .flat_map(|(_, votes)| [&votes.prevotes, &votes.precommits])
            .filter_map(|set| set.by_validator.get(&index)?.first().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests;
