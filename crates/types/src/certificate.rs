//! Quorum certificates: the proof that a block is final.
//!
//! A quorum certificate (commit) for block `B` at height `h` holds the precommit
//! signatures for `B` of validators whose power is strictly more than two thirds of
//! the set that signs height `h`. Each entry names its validator by position in
//! that set (key order), positions strictly increasing, so a certificate has one
//! encoding. The precommit each signature covers is rebuilt from the certificate:
//! `Vote { chain_id, Precommit, height, round, Some(block_hash), validator key }`.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::chain_id::ChainId;
use crate::codec::{BoundedVec, DecodeError, encode};
use crate::crypto::{BatchVerifier, PublicKey, Signature};
use crate::hash::{Domain, Hash};
use crate::limits::VALIDATORS_MAX;
use crate::validator::ValidatorSet;
use crate::vote::{Vote, VoteType};

/// One signature to check: the signer's key, the digest it signed, the signature.
type SignatureCheck = (PublicKey, Hash, Signature);

/// One validator's precommit signature inside a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CommitSignature {
    /// The validator's position in the height's validator set.
    pub validator_index: u16,
    /// Its signature over the rebuilt precommit.
    pub signature: Signature,
}

/// The precommits that made a block final.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize)]
pub struct QuorumCertificate {
    /// Height of the committed block.
    pub height: u64,
    /// Round in which it was committed.
    pub round: u32,
    /// Hash of the committed block (its header hash).
    pub block_hash: Hash,
    /// Signatures, `validator_index` strictly increasing, at least one.
    signatures: BoundedVec<CommitSignature, VALIDATORS_MAX>,
}

/// Why a quorum certificate does not prove finality.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// No signature, too many, or positions not strictly increasing.
    #[error(
        "certificate signatures must be 1 to {VALIDATORS_MAX} with strictly increasing validator positions"
    )]
    Malformed,
    /// The certificate is for another height or block than the one being checked.
    #[error(
        "the certificate is for height {found_height} block {found_block}, expected height {expected_height} block {expected_block}"
    )]
    WrongBlock {
        /// Height expected.
        expected_height: u64,
        /// Block expected.
        expected_block: Hash,
        /// Height in the certificate.
        found_height: u64,
        /// Block in the certificate.
        found_block: Hash,
    },
    /// A position is not in the validator set.
    #[error("validator position {0} is outside the validator set")]
    UnknownValidator(u16),
    /// Some signatures do not verify.
    #[error("signatures of validator positions {0:?} in the certificate do not verify")]
    BadSignatures(Vec<u16>),
    /// The signers' power is not a quorum.
    #[error("signers hold {signed} of {total} voting power, which is not more than two thirds")]
    NoQuorum {
        /// Power of the signers.
        signed: u64,
        /// Total power of the set.
        total: u64,
    },
}

impl QuorumCertificate {
    /// Assembles a certificate; signatures may come in any order.
    pub fn new(
        height: u64,
        round: u32,
        block_hash: Hash,
        mut signatures: Vec<CommitSignature>,
    ) -> Result<QuorumCertificate, CertificateError> {
        signatures.sort_by_key(|s| s.validator_index);
        check_positions(&signatures)?;
        let signatures =
            BoundedVec::try_from_vec(signatures).map_err(|_| CertificateError::Malformed)?;
        Ok(QuorumCertificate {
            height,
            round,
            block_hash,
            signatures,
        })
    }

    /// The signatures, by increasing validator position.
    pub fn signatures(&self) -> &[CommitSignature] {
        &self.signatures
    }

    /// The certificate's hash in the `QuorumCertificate` domain: the next header's
    /// `last_commit_hash`.
    pub fn hash(&self) -> Hash {
        Hash::tagged(Domain::QuorumCertificate, &encode(self))
    }

    /// The precommit that validator `public_key` signed for this certificate.
    pub fn precommit(&self, chain_id: &ChainId, public_key: crate::crypto::PublicKey) -> Vote {
        Vote {
            chain_id: chain_id.clone(),
            vote_type: VoteType::Precommit,
            height: self.height,
            round: self.round,
            block_hash: Some(self.block_hash),
            validator: public_key,
        }
    }

    /// Checks that this certificate makes block `block_hash` at `height` final
    /// under `validators` (the set that signs that height): every signature
    /// verifies and the signers hold more than two thirds of the power. Returns the
    /// signers' power. Signatures are checked in one ZIP-215 batch.
    pub fn verify(
        &self,
        chain_id: &ChainId,
        height: u64,
        block_hash: &Hash,
        validators: &ValidatorSet,
    ) -> Result<u64, CertificateError> {
        let (signed, checks) = self.signed_precommits(chain_id, height, block_hash, validators)?;
        let mut batch = BatchVerifier::with_capacity(checks.len());
        for (public_key, digest, signature) in checks.iter() {
            batch.queue_digest(public_key, digest, signature);
        }
        batch.verify().map_err(|failure| {
            let positions = failure
                .invalid
                .iter()
                .filter_map(|i| self.signatures.get(*i).map(|s| s.validator_index))
                .collect();
            CertificateError::BadSignatures(positions)
        })?;
        self.check_quorum(signed, validators)
    }

    /// [`Self::verify`], with each signature checked by `verify_signature`
    /// instead of a batch: for a caller that already holds a cache of verified
    /// signatures (e.g. one shared with its consensus votes). `verify_signature`
    /// must apply the ZIP-215 rule (`crate::verify_digest`); batch and single
    /// ZIP-215 verification agree on every input.
    pub fn verify_each(
        &self,
        chain_id: &ChainId,
        height: u64,
        block_hash: &Hash,
        validators: &ValidatorSet,
        verify_signature: &mut dyn FnMut(&PublicKey, &Hash, &Signature) -> bool,
    ) -> Result<u64, CertificateError> {
        let (signed, checks) = self.signed_precommits(chain_id, height, block_hash, validators)?;
        let invalid: Vec<u16> = checks
            .iter()
            .zip(self.signatures.iter())
            .filter(|((public_key, digest, signature), _)| {
                !verify_signature(public_key, digest, signature)
            })
            .map(|(_, entry)| entry.validator_index)
            .collect();
        if !invalid.is_empty() {
            return Err(CertificateError::BadSignatures(invalid));
        }
        self.check_quorum(signed, validators)
    }

    /// The block check, then each signature's (key, digest, signature) with the
    /// signers' total power.
    fn signed_precommits(
        &self,
        chain_id: &ChainId,
        height: u64,
        block_hash: &Hash,
        validators: &ValidatorSet,
    ) -> Result<(u64, Vec<SignatureCheck>), CertificateError> {
        if self.height != height || self.block_hash != *block_hash {
            return Err(CertificateError::WrongBlock {
                expected_height: height,
                expected_block: *block_hash,
                found_height: self.height,
                found_block: self.block_hash,
            });
        }
        let mut checks = Vec::with_capacity(self.signatures.len());
        let mut signed: u64 = 0;
        for entry in self.signatures.iter() {
            let validator = validators
                .get(usize::from(entry.validator_index))
                .ok_or(CertificateError::UnknownValidator(entry.validator_index))?;
            let digest = self
                .precommit(chain_id, validator.public_key)
                .signing_digest();
            checks.push((validator.public_key, digest, entry.signature));
            // Powers are distinct members of one set: the sum is at most its total.
            signed = signed.saturating_add(validator.voting_power);
        }
        Ok((signed, checks))
    }

    fn check_quorum(
        &self,
        signed: u64,
        validators: &ValidatorSet,
    ) -> Result<u64, CertificateError> {
        if !validators.is_quorum(signed) {
            return Err(CertificateError::NoQuorum {
                signed,
                total: validators.total_voting_power(),
            });
        }
        Ok(signed)
    }
}

fn check_positions(signatures: &[CommitSignature]) -> Result<(), CertificateError> {
    let increasing = signatures
        .windows(2)
        .all(|pair| matches!(pair, [a, b] if a.validator_index < b.validator_index));
    if signatures.is_empty() || !increasing {
        return Err(CertificateError::Malformed);
    }
    Ok(())
}

impl BorshDeserialize for QuorumCertificate {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let height = u64::deserialize_reader(reader)?;
        let round = u32::deserialize_reader(reader)?;
        let block_hash = Hash::deserialize_reader(reader)?;
        let signatures = BoundedVec::deserialize_reader(reader)?;
        check_positions(&signatures).map_err(|_| {
            DecodeError::NonCanonical {
                field: "quorum certificate",
                reason: "validator positions must be strictly increasing, at least one",
            }
            .into_io()
        })?;
        Ok(QuorumCertificate {
            height,
            round,
            block_hash,
            signatures,
        })
    }
}

#[cfg(test)]
mod tests;
