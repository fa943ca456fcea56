//! The rules that make a piece of evidence acceptable in a block: it is for this
//! chain, about a past height, not expired, signed by a validator of the set of
//! its height, and its signatures verify. The caller knows the past: it passes
//! the validator set and block time of the evidence's height. Whether the same
//! offence was already recorded is the state's business (the civic crate).
//!
//! Expiry follows CometBFT (`evidence/verify.go`, `IsEvidenceExpired`):
//! evidence expires only when it is older than **both** bounds, in heights and
//! in time, so neither a burst of fast blocks nor a long halt alone can make an
//! offence unprovable too early.

use borsh::{BorshDeserialize, BorshSerialize};

use super::{Evidence, EvidenceError};
use crate::chain_id::ChainId;
use crate::crypto::PublicKey;
use crate::validator::ValidatorSet;
use crate::vote::VoteType;

/// How long evidence stays includable: a consensus parameter of the genesis
/// document, the same on every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EvidenceParams {
    /// Evidence whose height is more than this many heights below the
    /// including block's is old by height.
    pub max_age_heights: u64,
    /// Evidence whose block is more than this many milliseconds older than the
    /// including block is old by time.
    pub max_age_ms: u64,
}

/// Default maximum age in heights (CometBFT's default).
pub const EVIDENCE_MAX_AGE_HEIGHTS_DEFAULT: u64 = 100_000;
/// Default maximum age in time: 48 hours (CometBFT's default).
pub const EVIDENCE_MAX_AGE_MS_DEFAULT: u64 = 48 * 60 * 60 * 1000;

impl Default for EvidenceParams {
    fn default() -> Self {
        EvidenceParams {
            max_age_heights: EVIDENCE_MAX_AGE_HEIGHTS_DEFAULT,
            max_age_ms: EVIDENCE_MAX_AGE_MS_DEFAULT,
        }
    }
}

/// Why evidence parameters cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceParamsError {
    /// A zero height bound would make evidence of the previous height expire
    /// once its time bound passes, before any proposer could include it.
    #[error("evidence max_age_heights is 0; set it to at least 1 (default 100000)")]
    ZeroMaxAgeHeights,
    /// A zero time bound: same reason, in time.
    #[error("evidence max_age_ms is 0; set it to at least 1 (default 172800000, 48 hours)")]
    ZeroMaxAgeMs,
}

impl EvidenceParams {
    /// Checks that both bounds leave proposers time to include evidence.
    pub fn validate(&self) -> Result<(), EvidenceParamsError> {
        if self.max_age_heights == 0 {
            return Err(EvidenceParamsError::ZeroMaxAgeHeights);
        }
        if self.max_age_ms == 0 {
            return Err(EvidenceParamsError::ZeroMaxAgeMs);
        }
        Ok(())
    }

    /// Whether evidence of an offence `age_heights` heights and `age_ms`
    /// milliseconds before the including block has expired: only when it is
    /// older than both bounds.
    pub fn is_expired(&self, age_heights: u64, age_ms: u64) -> bool {
        age_heights > self.max_age_heights && age_ms > self.max_age_ms
    }
}

/// One offence: a validator signed two different votes for one step. The
/// state records at most one piece of evidence per offence.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct Offence {
    /// The validator's consensus key.
    pub offender: PublicKey,
    /// The height of the votes.
    pub height: u64,
    /// The round of the votes.
    pub round: u32,
    /// Prevote or precommit.
    pub vote_type: VoteType,
}

/// The block that would include evidence: what evidence is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inclusion<'a> {
    /// The network.
    pub chain_id: &'a ChainId,
    /// The including block's height.
    pub height: u64,
    /// The including block's time (ms since the Unix epoch).
    pub time_ms: u64,
    /// The network's evidence parameters.
    pub params: &'a EvidenceParams,
}

/// The validator set that signed the evidence's height, and that height's
/// block time; the caller reads both from its block store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffenceHeight<'a> {
    /// The set that signed the height.
    pub validator_set: &'a ValidatorSet,
    /// The time of the block committed at that height.
    pub time_ms: u64,
}

/// Why a block may not include a piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceRejection {
    /// The votes are for another network.
    #[error("the evidence is for chain {found}, not {expected}")]
    WrongChain {
        /// This network.
        expected: ChainId,
        /// The votes' chain.
        found: ChainId,
    },
    /// The offence is at or above the including block's height: only
    /// committed heights have a known validator set and time.
    #[error(
        "the evidence is for height {height}, not below the including block's height {current_height}"
    )]
    FromTheFuture {
        /// The offence's height.
        height: u64,
        /// The including block's height.
        current_height: u64,
    },
    /// Older than both bounds of the evidence parameters.
    #[error(
        "the evidence is {age_heights} heights and {age_ms} ms old; it expires past both {max_age_heights} heights and {max_age_ms} ms"
    )]
    Expired {
        /// Heights between the offence and the including block.
        age_heights: u64,
        /// Milliseconds between the offence's block and the including block.
        age_ms: u64,
        /// The height bound.
        max_age_heights: u64,
        /// The time bound.
        max_age_ms: u64,
    },
    /// The signer was not in the validator set of the offence's height.
    #[error("{offender} was not a validator at height {height}")]
    NotAValidator {
        /// The signer of the votes.
        offender: PublicKey,
        /// The offence's height.
        height: u64,
    },
    /// A signature does not verify (or the votes do not conflict).
    #[error("the evidence is forged: {0}")]
    Forged(EvidenceError),
}

impl Evidence {
    /// The offence this evidence proves.
    pub fn offence(&self) -> Offence {
        match self {
            Evidence::DuplicateVote(pair) => {
                let vote = &pair.first().vote;
                Offence {
                    offender: vote.validator,
                    height: vote.height,
                    round: vote.round,
                    vote_type: vote.vote_type,
                }
            }
        }
    }

    /// Whether the evidence has expired for `inclusion`, its height's block
    /// having been made at `offence_time_ms`. Evidence from the future is not
    /// expired (it is rejected by [`Evidence::check`] for another reason).
    pub fn is_expired(&self, inclusion: &Inclusion<'_>, offence_time_ms: u64) -> bool {
        let age_heights = inclusion.height.saturating_sub(self.height());
        let age_ms = inclusion.time_ms.saturating_sub(offence_time_ms);
        inclusion.params.is_expired(age_heights, age_ms)
    }

    /// Checks the evidence for inclusion in the block `inclusion` describes,
    /// against the validator set and time of its own height. Cheap checks
    /// first; the two signatures last.
    pub fn check(
        &self,
        inclusion: &Inclusion<'_>,
        offence_height: &OffenceHeight<'_>,
    ) -> Result<(), EvidenceRejection> {
        let chain_id = self.chain_id();
        if chain_id != inclusion.chain_id {
            return Err(EvidenceRejection::WrongChain {
                expected: inclusion.chain_id.clone(),
                found: chain_id.clone(),
            });
        }
        let height = self.height();
        if height >= inclusion.height {
            return Err(EvidenceRejection::FromTheFuture {
                height,
                current_height: inclusion.height,
            });
        }
        if self.is_expired(inclusion, offence_height.time_ms) {
            return Err(EvidenceRejection::Expired {
                age_heights: inclusion.height.saturating_sub(height),
                age_ms: inclusion.time_ms.saturating_sub(offence_height.time_ms),
                max_age_heights: inclusion.params.max_age_heights,
                max_age_ms: inclusion.params.max_age_ms,
            });
        }
        let offender = self.offender();
        if offence_height.validator_set.index_of(&offender).is_none() {
            return Err(EvidenceRejection::NotAValidator { offender, height });
        }
        self.verify().map_err(EvidenceRejection::Forged)
    }

    fn chain_id(&self) -> &ChainId {
        match self {
            Evidence::DuplicateVote(pair) => &pair.first().vote.chain_id,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
    use super::*;
    use crate::crypto::SigningKey;
    use crate::evidence::DuplicateVoteEvidence;
    use crate::hash::Hash;
    use crate::testing::chain_id;
    use crate::validator::Validator;
    use crate::vote::{SignedVote, Vote};

    const HEIGHT: u64 = 10;
    const TIME_MS: u64 = 1_000_000;

    fn vote(chain: &ChainId, key: &SigningKey, block: u8) -> SignedVote {
        Vote {
            chain_id: chain.clone(),
            vote_type: VoteType::Precommit,
            height: HEIGHT,
            round: 2,
            block_hash: Some(Hash([block; 32])),
            validator: key.public_key(),
        }
        .sign(key)
    }

    fn evidence_on(chain: &ChainId, key: &SigningKey) -> Evidence {
        Evidence::DuplicateVote(
            DuplicateVoteEvidence::new(vote(chain, key, 1), vote(chain, key, 2)).unwrap(),
        )
    }

    fn set_of(keys: &[&SigningKey]) -> ValidatorSet {
        ValidatorSet::new(
            keys.iter()
                .map(|key| Validator {
                    public_key: key.public_key(),
                    voting_power: 1,
                })
                .collect(),
        )
        .unwrap()
    }

    fn check_at(
        evidence: &Evidence,
        set: &ValidatorSet,
        height: u64,
        time_ms: u64,
    ) -> Result<(), EvidenceRejection> {
        let params = EvidenceParams {
            max_age_heights: 100,
            max_age_ms: 10_000,
        };
        let chain = chain_id();
        let inclusion = Inclusion {
            chain_id: &chain,
            height,
            time_ms,
            params: &params,
        };
        evidence.check(
            &inclusion,
            &OffenceHeight {
                validator_set: set,
                time_ms: TIME_MS,
            },
        )
    }

    #[test]
    fn evidence_of_a_validator_of_its_height_is_accepted_and_names_its_offence() {
        let key = SigningKey::from_seed(&[1; 32]);
        let evidence = evidence_on(&chain_id(), &key);
        assert_eq!(
            check_at(&evidence, &set_of(&[&key]), HEIGHT + 1, TIME_MS + 1),
            Ok(())
        );
        assert_eq!(
            evidence.offence(),
            Offence {
                offender: key.public_key(),
                height: HEIGHT,
                round: 2,
                vote_type: VoteType::Precommit,
            }
        );
    }

    #[test]
    fn evidence_at_or_above_the_including_height_is_from_the_future() {
        let key = SigningKey::from_seed(&[1; 32]);
        let evidence = evidence_on(&chain_id(), &key);
        for height in [HEIGHT, HEIGHT - 1] {
            assert!(matches!(
                check_at(&evidence, &set_of(&[&key]), height, TIME_MS + 1),
                Err(EvidenceRejection::FromTheFuture { .. })
            ));
        }
    }

    #[test]
    fn evidence_expires_only_past_both_bounds() {
        let key = SigningKey::from_seed(&[1; 32]);
        let evidence = evidence_on(&chain_id(), &key);
        let set = set_of(&[&key]);
        // Old by height only, by time only, exactly at both bounds: still valid.
        assert_eq!(
            check_at(&evidence, &set, HEIGHT + 101, TIME_MS + 10_000),
            Ok(())
        );
        assert_eq!(
            check_at(&evidence, &set, HEIGHT + 100, TIME_MS + 10_001),
            Ok(())
        );
        assert_eq!(
            check_at(&evidence, &set, HEIGHT + 100, TIME_MS + 10_000),
            Ok(())
        );
        assert_eq!(
            check_at(&evidence, &set, HEIGHT + 101, TIME_MS + 10_001),
            Err(EvidenceRejection::Expired {
                age_heights: 101,
                age_ms: 10_001,
                max_age_heights: 100,
                max_age_ms: 10_000,
            })
        );
    }

    #[test]
    fn a_signer_outside_the_set_of_its_height_is_not_a_validator() {
        let key = SigningKey::from_seed(&[1; 32]);
        let other = SigningKey::from_seed(&[2; 32]);
        let evidence = evidence_on(&chain_id(), &key);
        assert_eq!(
            check_at(&evidence, &set_of(&[&other]), HEIGHT + 1, TIME_MS),
            Err(EvidenceRejection::NotAValidator {
                offender: key.public_key(),
                height: HEIGHT,
            })
        );
    }

    #[test]
    fn a_forged_signature_or_another_chain_is_rejected() {
        let key = SigningKey::from_seed(&[1; 32]);
        let chain = chain_id();
        let mut forged = vote(&chain, &key, 2);
        forged.signature.0[0] ^= 1;
        let evidence = Evidence::DuplicateVote(
            DuplicateVoteEvidence::new(vote(&chain, &key, 1), forged).unwrap(),
        );
        assert!(matches!(
            check_at(&evidence, &set_of(&[&key]), HEIGHT + 1, TIME_MS),
            Err(EvidenceRejection::Forged(EvidenceError::BadSignature(_)))
        ));
        let elsewhere = evidence_on(&ChainId::new("another-chain").unwrap(), &key);
        assert!(matches!(
            check_at(&elsewhere, &set_of(&[&key]), HEIGHT + 1, TIME_MS),
            Err(EvidenceRejection::WrongChain { .. })
        ));
    }

    #[test]
    fn zero_bounds_are_refused_and_defaults_are_valid() {
        assert_eq!(EvidenceParams::default().validate(), Ok(()));
        let zero_heights = EvidenceParams {
            max_age_heights: 0,
            ..EvidenceParams::default()
        };
        assert_eq!(
            zero_heights.validate(),
            Err(EvidenceParamsError::ZeroMaxAgeHeights)
        );
        let zero_ms = EvidenceParams {
            max_age_ms: 0,
            ..EvidenceParams::default()
        };
        assert_eq!(zero_ms.validate(), Err(EvidenceParamsError::ZeroMaxAgeMs));
    }
}
