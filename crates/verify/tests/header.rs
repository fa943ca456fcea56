//! Blocks that do not fit the chain: each tampering with the link, the header's
//! rules or the body is refused for its own reason. Tampered headers are
//! certified again by every validator, so the certificate is sound and only the
//! broken rule can refuse the block.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_types::{
    BlockError, BlockTimeError, BoundedVec, ChainId, Hash, PROTOCOL_VERSION, SigningKey,
};
use civitas_verify::{CertifiedBlock, ChainVerifier, InForce, NoPastHeights, VerifyError};
use common::{Chain, GENESIS_HASH, GENESIS_TIME_MS, Validators, resigned, start, validators};

/// A verifier that accepted blocks 1..=`at - 1` of `chain`.
fn verifier_at(validators: &Validators, chain: &Chain, at: u64) -> ChainVerifier {
    let mut verifier = common::verifier(validators);
    for certified in chain.blocks.iter().take(at as usize - 1) {
        verifier.verify_next(certified, &NoPastHeights).unwrap();
    }
    verifier
}

/// The verdict on `certified` as block 2 of `chain`.
fn verify_second(chain: &Chain, certified: &CertifiedBlock) -> Result<Hash, VerifyError> {
    let validators = validators();
    verifier_at(&validators, chain, 2).verify_next(certified, &NoPastHeights)
}

#[test]
fn a_genuine_block_is_accepted_and_its_hash_returned() {
    let chain = Chain::of(&validators(), 2);
    assert_eq!(
        verify_second(&chain, &chain.blocks[1]),
        Ok(chain.blocks[1].block.hash())
    );
}

#[test]
fn a_block_of_another_chain_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    let elsewhere = resigned(&chain.blocks[1], &validators, |header| {
        header.chain_id = ChainId::new("elsewhere").unwrap();
    });
    assert_eq!(
        verify_second(&chain, &elsewhere),
        Err(VerifyError::WrongChain {
            height: 2,
            expected: civitas_types::testing::chain_id(),
            found: ChainId::new("elsewhere").unwrap(),
        })
    );
}

#[test]
fn a_block_at_another_height_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 3);
    assert_eq!(
        verify_second(&chain, &chain.blocks[2]),
        Err(VerifyError::WrongHeight {
            expected: 2,
            found: 3
        })
    );
    let replayed = verify_second(&chain, &chain.blocks[0]);
    assert_eq!(
        replayed,
        Err(VerifyError::WrongHeight {
            expected: 2,
            found: 1
        })
    );
}

#[test]
fn a_block_on_another_parent_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    let fork = resigned(&chain.blocks[1], &validators, |header| {
        header.previous_block_hash = Hash([0x99; 32]);
    });
    assert_eq!(
        verify_second(&chain, &fork),
        Err(VerifyError::WrongParent {
            height: 2,
            expected: chain.blocks[0].block.hash(),
            found: Hash([0x99; 32]),
        })
    );
    // Block 1 must name the genesis document.
    let orphan = resigned(&chain.blocks[0], &validators, |header| {
        header.previous_block_hash = Hash::ZERO;
    });
    assert_eq!(
        common::verifier(&validators).verify_next(&orphan, &NoPastHeights),
        Err(VerifyError::WrongParent {
            height: 1,
            expected: GENESIS_HASH,
            found: Hash::ZERO,
        })
    );
}

#[test]
fn a_block_naming_another_validator_set_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    let others = Validators::new(50, &[1, 1, 1]);
    // Signed and named by another set than the one in force.
    let mut usurped = chain.clone();
    usurped.blocks.pop();
    let block = usurped.next_block(&others, &others, vec![]);
    usurped.push(block, &others);
    assert_eq!(
        verify_second(&chain, &usurped.blocks[1]),
        Err(VerifyError::WrongValidators {
            height: 2,
            expected: validators.set.hash(),
            found: others.set.hash(),
        })
    );
    // The header names a wrong hash, the right validators sign it.
    let misnamed = resigned(&chain.blocks[1], &validators, |header| {
        header.validators_hash = Hash([7; 32]);
    });
    assert!(matches!(
        verify_second(&chain, &misnamed),
        Err(VerifyError::WrongValidators { height: 2, .. })
    ));
}

#[test]
fn a_validator_set_its_parent_did_not_announce_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    // Block 1 announces another set for height 2; block 2 keeps the old one.
    let announcing = resigned(&chain.blocks[0], &validators, |header| {
        header.next_validators_hash = Hash([5; 32]);
    });
    let mut verifier = common::verifier(&validators);
    verifier.verify_next(&announcing, &NoPastHeights).unwrap();
    let mut second = chain.blocks[1].block.clone();
    second.header.previous_block_hash = announcing.block.hash();
    second.header.last_commit_hash = announcing.certificate.hash();
    second.last_commit = Some(announcing.certificate.clone());
    let second = CertifiedBlock {
        certificate: validators.certify(&second),
        block: second,
    };
    assert_eq!(
        verifier.verify_next(&second, &NoPastHeights),
        Err(VerifyError::ValidatorsNotAnnounced {
            height: 2,
            announced: Hash([5; 32]),
            found: validators.set.hash(),
        })
    );
}

#[test]
fn a_proposer_outside_the_set_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    let stranger = SigningKey::from_seed(&[0x77; 32]).public_key();
    let block = resigned(&chain.blocks[1], &validators, |header| {
        header.proposer = stranger;
    });
    assert_eq!(
        verify_second(&chain, &block),
        Err(VerifyError::ProposerNotValidator {
            height: 2,
            proposer: stranger,
        })
    );
}

#[test]
fn a_block_of_another_protocol_version_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    let newer = resigned(&chain.blocks[1], &validators, |header| {
        header.version = PROTOCOL_VERSION + 1;
    });
    assert_eq!(
        verify_second(&chain, &newer),
        Err(VerifyError::WrongProtocolVersion {
            height: 2,
            expected: PROTOCOL_VERSION,
            found: PROTOCOL_VERSION + 1,
        })
    );
}

#[test]
fn a_version_in_force_that_the_verifier_does_not_know_is_its_own_limit() {
    let validators = validators();
    let chain = Chain::of(&validators, 1);
    let mut verifier = ChainVerifier::with_supported_versions(start(&validators), &[1]);
    verifier.set_in_force(InForce {
        validators: validators.set.clone(),
        protocol_version: 2,
    });
    let upgraded = resigned(&chain.blocks[0], &validators, |header| header.version = 2);
    let error = verifier.verify_next(&upgraded, &NoPastHeights).unwrap_err();
    assert_eq!(
        error,
        VerifyError::UnsupportedProtocolVersion {
            height: 1,
            version: 2,
            supported: vec![1],
        }
    );
    assert!(!error.is_invalid_block());
    // A verifier that knows version 2 accepts it.
    let mut newer = ChainVerifier::with_supported_versions(start(&validators), &[1, 2]);
    newer.set_in_force(InForce {
        validators: validators.set.clone(),
        protocol_version: 2,
    });
    assert_eq!(
        newer.verify_next(&upgraded, &NoPastHeights),
        Ok(upgraded.block.hash())
    );
}

#[test]
fn a_block_time_not_after_its_parent_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    let parent_time_ms = chain.blocks[0].block.header.time_ms;
    for time_ms in [parent_time_ms, parent_time_ms - 1, 0] {
        let stale = resigned(&chain.blocks[1], &validators, |header| {
            header.time_ms = time_ms;
        });
        assert_eq!(
            verify_second(&chain, &stale),
            Err(VerifyError::StaleTime {
                height: 2,
                source: BlockTimeError::NotAfterParent {
                    time_ms,
                    parent_time_ms,
                },
            })
        );
    }
    // Block 1 must come after the genesis time.
    let first = resigned(&chain.blocks[0], &validators, |header| {
        header.time_ms = GENESIS_TIME_MS;
    });
    assert!(matches!(
        common::verifier(&validators).verify_next(&first, &NoPastHeights),
        Err(VerifyError::StaleTime { height: 1, .. })
    ));
}

#[test]
fn a_body_altered_after_the_header_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 3);
    let genuine = &chain.blocks[1];

    let mut dropped = genuine.clone();
    dropped.block.transactions = BoundedVec::new();
    assert_eq!(
        verify_second(&chain, &dropped),
        Err(VerifyError::Body {
            height: 2,
            source: BlockError::TransactionsRoot,
        })
    );

    let mut swapped = genuine.clone();
    swapped.block.transactions = chain.blocks[2].block.transactions.clone();
    assert_eq!(
        verify_second(&chain, &swapped),
        Err(VerifyError::Body {
            height: 2,
            source: BlockError::TransactionsRoot,
        })
    );

    let mut smuggled = genuine.clone();
    smuggled.block.evidence =
        BoundedVec::try_from_vec(vec![common::equivocation(&validators.keys[0], 1)]).unwrap();
    assert_eq!(
        verify_second(&chain, &smuggled),
        Err(VerifyError::Body {
            height: 2,
            source: BlockError::EvidenceRoot,
        })
    );

    let mut no_commit = genuine.clone();
    no_commit.block.last_commit = None;
    assert_eq!(
        verify_second(&chain, &no_commit),
        Err(VerifyError::Body {
            height: 2,
            source: BlockError::LastCommit,
        })
    );
}

#[test]
fn a_block_at_the_wrong_height_blames_the_block_and_says_which_height_to_ask_for() {
    let validators = validators();
    let chain = Chain::of(&validators, 3);
    let error = verify_second(&chain, &chain.blocks[2]).unwrap_err();
    assert!(error.is_invalid_block());
    assert!(
        error.to_string().contains("ask the source for height 2"),
        "{error}"
    );
}
