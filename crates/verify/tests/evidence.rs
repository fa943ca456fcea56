//! The evidence a block carries: genuine evidence against a validator of its
//! height passes; forged, misattributed, future, unknown or repeated evidence
//! is refused with its reason; a verifier whose storage fails says so instead
//! of calling the block invalid.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::StorageError;
use civitas_types::{
    DuplicateVoteEvidence, Evidence, EvidenceError, EvidenceRejection, Hash, SigningKey,
};
use civitas_verify::{
    InvalidEvidence, MemoryValidatorSets, NoPastHeights, PastHeight, ValidatorSets, VerifyError,
};
use common::{Chain, Validators, equivocation, validators};

/// Builds blocks 1 and 2 (the second carrying `evidence`) and verifies them
/// with `past`; the verdict on block 2.
fn verify_with(
    validators: &Validators,
    evidence: Vec<Evidence>,
    past: &dyn ValidatorSets,
) -> Result<Hash, VerifyError> {
    let mut chain = Chain::of(validators, 1);
    let block = chain.next_block(validators, validators, evidence);
    chain.push(block, validators);
    let mut verifier = common::verifier(validators);
    verifier.verify_next(&chain.blocks[0], past)?;
    verifier.verify_next(&chain.blocks[1], past)
}

fn past_of(validators: &Validators) -> MemoryValidatorSets {
    Chain::of(validators, 1).past(validators)
}

#[test]
fn evidence_against_a_validator_of_a_past_height_is_accepted() {
    let validators = validators();
    let evidence = vec![equivocation(&validators.keys[1], 1)];
    assert!(verify_with(&validators, evidence, &past_of(&validators)).is_ok());
}

#[test]
fn forged_evidence_is_refused() {
    let validators = validators();
    let Evidence::DuplicateVote(genuine) = equivocation(&validators.keys[1], 1);
    let mut second = genuine.second().clone();
    second.signature.0[3] ^= 1;
    let forged = Evidence::DuplicateVote(
        DuplicateVoteEvidence::new(genuine.first().clone(), second).unwrap(),
    );
    assert!(matches!(
        verify_with(&validators, vec![forged], &past_of(&validators)),
        Err(VerifyError::Evidence {
            height: 2,
            index: 0,
            source: InvalidEvidence::Rejected(EvidenceRejection::Forged(
                EvidenceError::BadSignature(_)
            )),
        })
    ));
}

#[test]
fn evidence_against_someone_outside_the_set_of_its_height_is_refused() {
    let validators = validators();
    let outsider = SigningKey::from_seed(&[0xbb; 32]);
    assert_eq!(
        verify_with(
            &validators,
            vec![equivocation(&outsider, 1)],
            &past_of(&validators)
        ),
        Err(VerifyError::Evidence {
            height: 2,
            index: 0,
            source: InvalidEvidence::Rejected(EvidenceRejection::NotAValidator {
                offender: outsider.public_key(),
                height: 1,
            }),
        })
    );
}

#[test]
fn evidence_from_the_block_s_own_height_or_an_unknown_one_is_refused() {
    let validators = validators();
    assert_eq!(
        verify_with(
            &validators,
            vec![equivocation(&validators.keys[0], 2)],
            &past_of(&validators)
        ),
        Err(VerifyError::Evidence {
            height: 2,
            index: 0,
            source: InvalidEvidence::Rejected(EvidenceRejection::FromTheFuture {
                height: 2,
                current_height: 2,
            }),
        })
    );
    assert_eq!(
        verify_with(
            &validators,
            vec![equivocation(&validators.keys[0], 1)],
            &NoPastHeights
        ),
        Err(VerifyError::Evidence {
            height: 2,
            index: 0,
            source: InvalidEvidence::UnknownHeight { height: 1 },
        })
    );
}

#[test]
fn the_same_offence_twice_in_one_block_is_refused() {
    let validators = validators();
    let once = equivocation(&validators.keys[2], 1);
    // The same offence proved by another pair of votes.
    let Evidence::DuplicateVote(pair) = &once;
    let key = &validators.keys[2];
    let mut other_vote = pair.first().vote.clone();
    other_vote.block_hash = Some(Hash([9; 32]));
    let again = Evidence::DuplicateVote(
        DuplicateVoteEvidence::new(pair.first().clone(), other_vote.sign(key)).unwrap(),
    );
    assert_eq!(
        verify_with(&validators, vec![once, again], &past_of(&validators)),
        Err(VerifyError::Evidence {
            height: 2,
            index: 1,
            source: InvalidEvidence::RepeatedInBlock { first_index: 0 },
        })
    );
}

/// A store of past heights whose disk failed.
struct BrokenStore;

impl ValidatorSets for BrokenStore {
    fn at(&self, _height: u64) -> Result<Option<PastHeight>, StorageError> {
        Err(StorageError {
            reason: String::from("disk unreadable"),
        })
    }
}

#[test]
fn a_failing_store_of_past_heights_is_the_verifier_s_fault_not_the_block_s() {
    let validators = validators();
    let error = verify_with(
        &validators,
        vec![equivocation(&validators.keys[0], 1)],
        &BrokenStore,
    )
    .unwrap_err();
    assert_eq!(
        error,
        VerifyError::PastHeightUnreadable {
            height: 2,
            evidence_height: 1,
            error: StorageError {
                reason: String::from("disk unreadable"),
            },
        }
    );
    assert!(!error.is_invalid_block());
}
