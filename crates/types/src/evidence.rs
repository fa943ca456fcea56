//! Evidence of validator misbehaviour, carried in blocks.
//!
//! Today one kind exists: two votes signed by the same validator for the same
//! height, round and step but different blocks (equivocation). The pair is stored
//! in canonical order (smaller signing digest first), so a given equivocation has
//! exactly one encoding and one hash, and a block cannot carry it twice unnoticed.
//! [`rules`] says when a block may carry it.

pub mod rules;

pub use rules::{
    EVIDENCE_MAX_AGE_HEIGHTS_DEFAULT, EVIDENCE_MAX_AGE_MS_DEFAULT, EvidenceParams,
    EvidenceParamsError, EvidenceRejection, Inclusion, Offence, OffenceHeight,
};

use borsh::{BorshDeserialize, BorshSerialize};

use crate::codec::{DecodeError, encode};
use crate::crypto::{PublicKey, SignatureError};
use crate::hash::{Domain, Hash};
use crate::vote::SignedVote;

/// A piece of evidence.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Evidence {
    /// Two conflicting votes by one validator.
    DuplicateVote(DuplicateVoteEvidence) = 0,
}

impl Evidence {
    /// The evidence's hash in the `Evidence` domain.
    pub fn hash(&self) -> Hash {
        Hash::tagged(Domain::Evidence, &encode(self))
    }

    /// The validator that misbehaved.
    pub fn offender(&self) -> PublicKey {
        match self {
            Evidence::DuplicateVote(pair) => pair.first.vote.validator,
        }
    }

    /// The height of the misbehaviour.
    pub fn height(&self) -> u64 {
        match self {
            Evidence::DuplicateVote(pair) => pair.first.vote.height,
        }
    }

    /// Checks the evidence's signatures; its structure was checked when it was built
    /// or decoded. Whether the offender was a validator at that height is for the
    /// caller, who knows the validator sets.
    pub fn verify(&self) -> Result<(), EvidenceError> {
        match self {
            Evidence::DuplicateVote(pair) => pair.verify(),
        }
    }
}

/// Two votes that together prove an equivocation.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize)]
pub struct DuplicateVoteEvidence {
    first: SignedVote,
    second: SignedVote,
}

/// Why two votes are not evidence of equivocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// The votes differ in chain, validator, height, round or step.
    #[error("the votes are not for the same chain, validator, height, round and step")]
    NotSameSlot,
    /// The votes are for the same block: no conflict.
    #[error("the votes are for the same block; there is no conflict")]
    NoConflict,
    /// A vote's signature does not verify.
    #[error("a vote's signature does not verify: {0}")]
    BadSignature(SignatureError),
}

impl DuplicateVoteEvidence {
    /// Builds the evidence from two conflicting votes, in either order.
    pub fn new(a: SignedVote, b: SignedVote) -> Result<DuplicateVoteEvidence, EvidenceError> {
        let (first, second) = if a.vote.signing_digest() <= b.vote.signing_digest() {
            (a, b)
        } else {
            (b, a)
        };
        check_structure(&first, &second)?;
        Ok(DuplicateVoteEvidence { first, second })
    }

    /// The vote with the smaller signing digest.
    pub fn first(&self) -> &SignedVote {
        &self.first
    }

    /// The vote with the larger signing digest.
    pub fn second(&self) -> &SignedVote {
        &self.second
    }

    fn verify(&self) -> Result<(), EvidenceError> {
        self.first.verify().map_err(EvidenceError::BadSignature)?;
        self.second.verify().map_err(EvidenceError::BadSignature)
    }
}

fn check_structure(first: &SignedVote, second: &SignedVote) -> Result<(), EvidenceError> {
    let (a, b) = (&first.vote, &second.vote);
    let same_slot = a.chain_id == b.chain_id
        && a.validator == b.validator
        && a.height == b.height
        && a.round == b.round
        && a.vote_type == b.vote_type;
    if !same_slot {
        return Err(EvidenceError::NotSameSlot);
    }
    if a.block_hash == b.block_hash {
        return Err(EvidenceError::NoConflict);
    }
    Ok(())
}

impl BorshDeserialize for DuplicateVoteEvidence {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let first = SignedVote::deserialize_reader(reader)?;
        let second = SignedVote::deserialize_reader(reader)?;
        let ordered = first.vote.signing_digest() < second.vote.signing_digest();
        if !ordered || check_structure(&first, &second).is_err() {
            return Err(DecodeError::NonCanonical {
                field: "duplicate vote evidence",
                reason: "two conflicting votes for one slot, smaller signing digest first",
            }
            .into_io());
        }
        Ok(DuplicateVoteEvidence { first, second })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::codec::decode;
    use crate::crypto::SigningKey;
    use crate::testing::chain_id;
    use crate::vote::{Vote, VoteType};

    fn vote(key: &SigningKey, block: Option<Hash>) -> SignedVote {
        Vote {
            chain_id: chain_id(),
            vote_type: VoteType::Prevote,
            height: 3,
            round: 0,
            block_hash: block,
            validator: key.public_key(),
        }
        .sign(key)
    }

    #[test]
    fn equivocation_is_evidence_in_either_order() {
        let key = SigningKey::from_seed(&[1; 32]);
        let a = vote(&key, Some(Hash([1; 32])));
        let b = vote(&key, None);
        let one = DuplicateVoteEvidence::new(a.clone(), b.clone()).unwrap();
        let two = DuplicateVoteEvidence::new(b, a).unwrap();
        assert_eq!(one, two);
        let evidence = Evidence::DuplicateVote(one);
        assert_eq!(evidence.verify(), Ok(()));
        assert_eq!(evidence.offender(), key.public_key());
        assert_eq!(evidence.height(), 3);
        assert_eq!(decode::<Evidence>(&encode(&evidence)).unwrap(), evidence);
    }

    #[test]
    fn non_conflicting_or_mismatched_votes_are_not_evidence() {
        let key = SigningKey::from_seed(&[1; 32]);
        let other = SigningKey::from_seed(&[2; 32]);
        let a = vote(&key, Some(Hash([1; 32])));
        assert_eq!(
            DuplicateVoteEvidence::new(a.clone(), a.clone()),
            Err(EvidenceError::NoConflict)
        );
        assert_eq!(
            DuplicateVoteEvidence::new(a.clone(), vote(&other, None)),
            Err(EvidenceError::NotSameSlot)
        );
        let mut later = vote(&key, None);
        later.vote.round = 1;
        assert_eq!(
            DuplicateVoteEvidence::new(a, later),
            Err(EvidenceError::NotSameSlot)
        );
    }

    #[test]
    fn forged_signature_and_wrong_order_are_caught() {
        let key = SigningKey::from_seed(&[1; 32]);
        let a = vote(&key, Some(Hash([1; 32])));
        let mut b = vote(&key, Some(Hash([2; 32])));
        b.signature.0[0] ^= 1;
        let evidence = Evidence::DuplicateVote(DuplicateVoteEvidence::new(a, b).unwrap());
        assert!(matches!(
            evidence.verify(),
            Err(EvidenceError::BadSignature(_))
        ));
        let Evidence::DuplicateVote(pair) = &evidence;
        let mut swapped = vec![0u8];
        swapped.extend(encode(pair.second()));
        swapped.extend(encode(pair.first()));
        assert!(matches!(
            decode::<Evidence>(&swapped),
            Err(DecodeError::NonCanonical { .. })
        ));
    }
}
