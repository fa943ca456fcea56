//! The double-sign guard: sign only what can never conflict with an earlier signature.
//!
//! The guard remembers the last (height, round, step) it signed and what it
//! signed, and saves that through a [`SignStateStore`] *before* it hands out the
//! signature; the store must make the state durable before `save` returns (the
//! node fsyncs). A request for an earlier (height, round, step) is refused; a
//! request for the same one is answered with the same signature if it is for the
//! same message (so a restarted validator can re-send its last vote), refused
//! otherwise. The saved state also holds the validator's lock, so a restarted
//! validator keeps the lock that Tendermint's safety depends on.

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::limits::VALIDATORS_MAX;
use civitas_types::{
    BoundedVec, Hash, Proposal, Signature, SignedProposal, SignedVote, SigningKey, Vote, VoteType,
};

use crate::message::{ConsensusMessage, Round};

/// Order of signing steps within a round: proposal, then prevote, then precommit.
fn step_rank(message: &ConsensusMessage) -> u8 {
    match message {
        ConsensusMessage::Proposal(_) => 0,
        ConsensusMessage::Vote(v) if v.vote.vote_type == VoteType::Prevote => 1,
        ConsensusMessage::Vote(_) => 2,
    }
}

/// What the guard saves before each signature leaves it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SignState {
    /// The last message signed (its height, round and step are the high-water mark).
    pub last_signed: ConsensusMessage,
    /// The digest that was signed.
    pub digest: Hash,
    /// The validator's lock when it signed, with the polka that justifies it.
    pub lock: Option<Lock>,
    /// This validator's votes of the current height, newest last (at most
    /// [`HEIGHT_VOTES_KEPT_MAX`]): re-sent after a restart, because a validator
    /// left behind in an earlier round may still need them.
    pub height_votes: BoundedVec<SignedVote, HEIGHT_VOTES_KEPT_MAX>,
}

/// Most of a validator's own votes of one height kept in the signing state.
pub const HEIGHT_VOTES_KEPT_MAX: usize = 64;

/// A Tendermint lock (`lockedRound`, `lockedValue`) and its proof: the prevotes of
/// the polka. Kept with the signing state so that a restarted validator both keeps
/// its lock (safety) and can show the polka to others when it re-proposes the
/// block (liveness: without it, the others could wait for that polka forever).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Lock {
    /// Round of the polka.
    pub round: Round,
    /// The locked block.
    pub block: Hash,
    /// The prevotes for `block` in `round`.
    pub polka: BoundedVec<SignedVote, VALIDATORS_MAX>,
}

impl SignState {
    fn position(&self) -> (u64, Round, u8) {
        (
            self.last_signed.height(),
            self.last_signed.round(),
            step_rank(&self.last_signed),
        )
    }
}

/// Durable storage of the signing state, injected by the driver.
pub trait SignStateStore {
    /// The state saved last, if any.
    fn load(&self) -> Result<Option<SignState>, StoreError>;
    /// Saves `state`; when this returns `Ok`, the state survives a crash.
    fn save(&mut self, state: &SignState) -> Result<(), StoreError>;
}

/// Why the guard did not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerError {
    /// The request is for a step before the last one signed.
    #[error("refusing to sign for height {height} round {round}: already signed a later step")]
    Regression {
        /// Requested height.
        height: u64,
        /// Requested round.
        round: Round,
    },
    /// The request is for the step last signed, with a different message.
    #[error("refusing to sign a second, different message for height {height} round {round}")]
    Conflict {
        /// Requested height.
        height: u64,
        /// Requested round.
        round: Round,
    },
    /// The store failed: a local fault; the validator must stop (it cannot prove
    /// what it signed).
    #[error("signing state store failed: {0}")]
    Store(#[from] StoreError),
}

/// Why the signing-state store failed. Always a fault of this node (its disk,
/// file system or saved file), never of a peer: the validator stops rather than
/// sign without a durable record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The saved state could not be read.
    #[error("the signing state could not be read ({0})")]
    Read(std::io::ErrorKind),
    /// The new state could not be made durable.
    #[error("the signing state could not be made durable ({0})")]
    Write(std::io::ErrorKind),
    /// The saved state is there but does not decode: refuse to guess what was signed.
    #[error("the saved signing state is corrupt")]
    Corrupt,
}

/// A validator key behind the double-sign guard.
pub struct Signer<S> {
    key: SigningKey,
    store: S,
    last: Option<SignState>,
}

impl<S: SignStateStore> Signer<S> {
    /// Loads the saved state from `store`.
    pub fn new(key: SigningKey, store: S) -> Result<Signer<S>, StoreError> {
        let last = store.load()?;
        Ok(Signer { key, store, last })
    }

    /// The public key.
    pub fn public_key(&self) -> civitas_types::PublicKey {
        self.key.public_key()
    }

    /// The last saved state.
    pub fn last(&self) -> Option<&SignState> {
        self.last.as_ref()
    }

    /// Signs `vote` if the guard allows it, saving the new state first.
    pub fn sign_vote(&mut self, vote: Vote, lock: Option<Lock>) -> Result<SignedVote, SignerError> {
        let digest = vote.signing_digest();
        let signed = SignedVote {
            signature: Signature([0; 64]),
            vote,
        };
        match self.guarded_sign(ConsensusMessage::Vote(signed), digest, lock)? {
            ConsensusMessage::Vote(vote) => Ok(vote),
            ConsensusMessage::Proposal(p) => Err(SignerError::Conflict {
                height: p.proposal.height,
                round: p.proposal.round,
            }),
        }
    }

    /// Signs `proposal` if the guard allows it, saving the new state first.
    pub fn sign_proposal(
        &mut self,
        proposal: Proposal,
        lock: Option<Lock>,
    ) -> Result<SignedProposal, SignerError> {
        let digest = proposal.signing_digest();
        let signed = SignedProposal {
            signature: Signature([0; 64]),
            proposal,
        };
        match self.guarded_sign(ConsensusMessage::Proposal(signed), digest, lock)? {
            ConsensusMessage::Proposal(proposal) => Ok(proposal),
            ConsensusMessage::Vote(v) => Err(SignerError::Conflict {
                height: v.vote.height,
                round: v.vote.round,
            }),
        }
    }

    /// The saved votes of the message's height, plus the message if it is a vote.
    fn height_votes_with(
        &self,
        message: &ConsensusMessage,
    ) -> BoundedVec<SignedVote, HEIGHT_VOTES_KEPT_MAX> {
        let mut votes: Vec<SignedVote> = self
            .last
            .as_ref()
            .filter(|last| last.last_signed.height() == message.height())
            .map(|last| last.height_votes.to_vec())
            .unwrap_or_default();
        if let ConsensusMessage::Vote(vote) = message {
            votes.push(vote.clone());
        }
        let excess = votes.len().saturating_sub(HEIGHT_VOTES_KEPT_MAX);
        votes.drain(..excess);
        BoundedVec::try_from_vec(votes).unwrap_or_default()
    }

    fn guarded_sign(
        &mut self,
        mut unsigned: ConsensusMessage,
        digest: Hash,
        lock: Option<Lock>,
    ) -> Result<ConsensusMessage, SignerError> {
        let (height, round) = (unsigned.height(), unsigned.round());
        let requested = (height, round, step_rank(&unsigned));
        if let Some(last) = &self.last {
            if requested < last.position() {
                return Err(SignerError::Regression { height, round });
            }
            if requested == last.position() {
                return if last.digest == digest {
                    Ok(last.last_signed.clone())
                } else {
                    Err(SignerError::Conflict { height, round })
                };
            }
        }
        let signature = self.key.sign_digest(&digest);
        match &mut unsigned {
            ConsensusMessage::Proposal(p) => p.signature = signature,
            ConsensusMessage::Vote(v) => v.signature = signature,
        }
        let height_votes = self.height_votes_with(&unsigned);
        let state = SignState {
            last_signed: unsigned,
            digest,
            lock,
            height_votes,
        };
        self.store.save(&state)?;
        let signed = state.last_signed.clone();
        self.last = Some(state);
        Ok(signed)
    }
}

#[cfg(test)]
mod tests;
