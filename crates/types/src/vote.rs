//! Consensus messages that validators sign: votes and proposals.
//!
//! Each message carries the chain id and the signer's key, and is signed as its
//! hash in its own domain (`Vote`, `Proposal`), so a signature can be replayed
//! neither on another network, nor as another kind of message, nor for another
//! validator.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::chain_id::ChainId;
use crate::codec::encode;
use crate::crypto::{PublicKey, Signature, SignatureError, SigningKey, verify_digest};
use crate::hash::{Domain, Hash};

/// The two voting steps of a Tendermint round.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum VoteType {
    /// First voting step: the validator saw a valid proposal (or votes nil).
    Prevote = 0,
    /// Second voting step: the validator saw a polka and locks (or votes nil).
    Precommit = 1,
}

/// A prevote or precommit for a block, or for nothing (nil).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Vote {
    /// The network.
    pub chain_id: ChainId,
    /// Prevote or precommit.
    pub vote_type: VoteType,
    /// The height being decided.
    pub height: u64,
    /// The round within the height.
    pub round: u32,
    /// The block voted for, or `None` for nil.
    pub block_hash: Option<Hash>,
    /// The voting validator's consensus key.
    pub validator: PublicKey,
}

impl Vote {
    /// What the validator signs: the vote's hash in the `Vote` domain.
    pub fn signing_digest(&self) -> Hash {
        Hash::tagged(Domain::Vote, &encode(self))
    }

    /// Signs the vote; `key` must be the vote's validator key.
    pub fn sign(self, key: &SigningKey) -> SignedVote {
        let signature = key.sign_digest(&self.signing_digest());
        SignedVote {
            vote: self,
            signature,
        }
    }
}

/// A vote with its signature.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SignedVote {
    /// The vote.
    pub vote: Vote,
    /// The validator's signature over [`Vote::signing_digest`].
    pub signature: Signature,
}

impl SignedVote {
    /// Checks the signature against the vote's own validator key (ZIP-215).
    pub fn verify(&self) -> Result<(), SignatureError> {
        verify_digest(
            &self.vote.validator,
            &self.vote.signing_digest(),
            &self.signature,
        )
    }
}

/// A proposer's proposal of a block for a round.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Proposal {
    /// The network.
    pub chain_id: ChainId,
    /// The height being decided.
    pub height: u64,
    /// The round of the proposal.
    pub round: u32,
    /// The earlier round in which this block got a polka (`validRound`), if re-proposed.
    pub proof_of_lock_round: Option<u32>,
    /// The proposed block's hash.
    pub block_hash: Hash,
    /// The proposer's consensus key.
    pub proposer: PublicKey,
}

impl Proposal {
    /// What the proposer signs: the proposal's hash in the `Proposal` domain.
    pub fn signing_digest(&self) -> Hash {
        Hash::tagged(Domain::Proposal, &encode(self))
    }

    /// Signs the proposal; `key` must be the proposer key.
    pub fn sign(self, key: &SigningKey) -> SignedProposal {
        let signature = key.sign_digest(&self.signing_digest());
        SignedProposal {
            proposal: self,
            signature,
        }
    }
}

/// A proposal with its signature.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SignedProposal {
    /// The proposal.
    pub proposal: Proposal,
    /// The proposer's signature over [`Proposal::signing_digest`].
    pub signature: Signature,
}

impl SignedProposal {
    /// Checks the signature against the proposal's own proposer key (ZIP-215).
    pub fn verify(&self) -> Result<(), SignatureError> {
        verify_digest(
            &self.proposal.proposer,
            &self.proposal.signing_digest(),
            &self.signature,
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::codec::{DecodeError, decode};

    fn vote(key: &SigningKey) -> Vote {
        Vote {
            chain_id: ChainId::new("civitas-test").unwrap(),
            vote_type: VoteType::Precommit,
            height: 5,
            round: 1,
            block_hash: Some(Hash([9; 32])),
            validator: key.public_key(),
        }
    }

    #[test]
    fn signed_vote_verifies_and_rejects_changes() {
        let key = SigningKey::from_seed(&[4; 32]);
        let signed = vote(&key).sign(&key);
        assert_eq!(signed.verify(), Ok(()));
        assert_eq!(decode::<SignedVote>(&encode(&signed)).unwrap(), signed);
        for change in [
            |v: &mut Vote| v.vote_type = VoteType::Prevote,
            |v: &mut Vote| v.height += 1,
            |v: &mut Vote| v.round += 1,
            |v: &mut Vote| v.block_hash = None,
            |v: &mut Vote| v.chain_id = ChainId::new("other").unwrap(),
        ] {
            let mut changed = signed.clone();
            change(&mut changed.vote);
            assert_eq!(changed.verify(), Err(SignatureError::Invalid));
        }
    }

    #[test]
    fn vote_signature_is_not_a_proposal_signature() {
        let key = SigningKey::from_seed(&[4; 32]);
        let proposal = Proposal {
            chain_id: ChainId::new("civitas-test").unwrap(),
            height: 5,
            round: 1,
            proof_of_lock_round: None,
            block_hash: Hash([9; 32]),
            proposer: key.public_key(),
        };
        let signed = proposal.clone().sign(&key);
        assert_eq!(signed.verify(), Ok(()));
        let forged = SignedProposal {
            proposal,
            signature: vote(&key).sign(&key).signature,
        };
        assert_eq!(forged.verify(), Err(SignatureError::Invalid));
    }

    #[test]
    fn unknown_vote_type_is_refused() {
        assert!(matches!(
            decode::<VoteType>(&[2]),
            Err(DecodeError::Invalid(_))
        ));
        assert_eq!(encode(&VoteType::Precommit), [1]);
    }
}
