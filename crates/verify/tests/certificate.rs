//! Forged certificates: each one refused for its own reason, whether it is the
//! certificate of the block itself or the parent's certificate the block carries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use borsh::BorshSerialize;
use civitas_types::{
    Block, CertificateError, CommitSignature, DecodeError, QuorumCertificate, SigningKey, encode,
};
use civitas_verify::{CertifiedBlock, NoPastHeights, VerifyError, verify_synced_block};
use common::{Chain, Validators, sign_precommit, validators, verifier};

/// The verdict on block 1 of `chain` (at genesis) with `certificate`.
fn verify_first(
    validators: &Validators,
    block: &Block,
    certificate: QuorumCertificate,
) -> Result<(), VerifyError> {
    let certified = CertifiedBlock {
        block: block.clone(),
        certificate,
    };
    verifier(validators)
        .verify_next(&certified, &NoPastHeights)
        .map(|_| ())
}

fn first_block(validators: &Validators) -> Block {
    Chain::of(validators, 1).blocks[0].block.clone()
}

#[test]
fn a_certificate_with_a_bad_signature_is_refused_naming_its_position() {
    let validators = validators();
    let block = first_block(&validators);
    let genuine = validators.certify(&block);
    let mut signatures = genuine.signatures().to_vec();
    signatures[2].signature.0[5] ^= 1;
    let forged = QuorumCertificate::new(1, 0, block.hash(), signatures).unwrap();
    assert_eq!(
        verify_first(&validators, &block, forged),
        Err(VerifyError::Certificate {
            height: 1,
            source: CertificateError::BadSignatures(vec![2]),
        })
    );
}

#[test]
fn a_signature_by_a_key_outside_the_set_is_refused() {
    let validators = validators();
    let block = first_block(&validators);
    let outsider = SigningKey::from_seed(&[0xee; 32]);
    // The outsider signs in place of validator 3: the signature is genuine,
    // but not by the key at that position.
    let mut signatures = validators.certify(&block).signatures().to_vec();
    signatures[3].signature = sign_precommit(&outsider, 1, block.hash());
    let impostor = QuorumCertificate::new(1, 0, block.hash(), signatures).unwrap();
    assert_eq!(
        verify_first(&validators, &block, impostor),
        Err(VerifyError::Certificate {
            height: 1,
            source: CertificateError::BadSignatures(vec![3]),
        })
    );
    // Or it claims a position past the end of the set.
    let mut signatures = validators
        .certify_by(&block, &[0, 1, 2])
        .signatures()
        .to_vec();
    signatures.push(CommitSignature {
        validator_index: 4,
        signature: sign_precommit(&outsider, 1, block.hash()),
    });
    let extra = QuorumCertificate::new(1, 0, block.hash(), signatures).unwrap();
    assert_eq!(
        verify_first(&validators, &block, extra),
        Err(VerifyError::Certificate {
            height: 1,
            source: CertificateError::UnknownValidator(4),
        })
    );
}

#[test]
fn a_signer_counted_twice_is_refused_at_decoding_or_by_its_signature() {
    let validators = validators();
    let block = first_block(&validators);
    // Two genuine signatures, the second repeated: three entries, two signers.
    let two = validators.certify_by(&block, &[0, 1]);
    let repeated = two.signatures()[1];
    let mut bytes = Vec::new();
    1u64.serialize(&mut bytes).unwrap();
    0u32.serialize(&mut bytes).unwrap();
    block.hash().serialize(&mut bytes).unwrap();
    vec![two.signatures()[0], repeated, repeated]
        .serialize(&mut bytes)
        .unwrap();
    let mut certified_bytes = encode(&block);
    certified_bytes.extend(bytes);
    assert!(matches!(
        CertifiedBlock::decode(&certified_bytes),
        Err(VerifyError::Undecodable(DecodeError::NonCanonical {
            field: "quorum certificate",
            ..
        }))
    ));
    // Nor can it be assembled in memory.
    assert_eq!(
        QuorumCertificate::new(1, 0, block.hash(), vec![repeated, repeated]),
        Err(CertificateError::Malformed)
    );
    // Copied to the next free position, its signature is not that validator's.
    let copied = CommitSignature {
        validator_index: 2,
        signature: repeated.signature,
    };
    let certificate = QuorumCertificate::new(
        1,
        0,
        block.hash(),
        vec![two.signatures()[0], repeated, copied],
    )
    .unwrap();
    assert_eq!(
        verify_first(&validators, &block, certificate),
        Err(VerifyError::Certificate {
            height: 1,
            source: CertificateError::BadSignatures(vec![2]),
        })
    );
}

#[test]
fn signers_with_two_thirds_of_the_power_or_less_do_not_make_a_block_final() {
    // Powers 1, 1, 1, 3 (in seed order): total 6, and two thirds is exactly 4.
    let validators = Validators::new(1, &[1, 1, 1, 3]);
    let block = first_block(&validators);
    let heavy = validators
        .keys
        .iter()
        .position(|key| key.public_key() == SigningKey::from_seed(&[4; 32]).public_key())
        .unwrap();
    let light = (0..4).find(|position| *position != heavy).unwrap();
    let exactly_two_thirds = validators.certify_by(&block, &[light, heavy]);
    assert_eq!(
        verify_first(&validators, &block, exactly_two_thirds),
        Err(VerifyError::Certificate {
            height: 1,
            source: CertificateError::NoQuorum {
                signed: 4,
                total: 6
            },
        })
    );
    let others: Vec<usize> = (0..4).filter(|position| *position != heavy).collect();
    let light_ones = validators.certify_by(&block, &others);
    assert!(matches!(
        verify_first(&validators, &block, light_ones),
        Err(VerifyError::Certificate {
            source: CertificateError::NoQuorum { signed: 3, .. },
            ..
        })
    ));
    let all_but_one_light: Vec<usize> = (0..4).filter(|position| *position != light).collect();
    assert_eq!(
        verify_first(
            &validators,
            &block,
            validators.certify_by(&block, &all_but_one_light)
        ),
        Ok(())
    );
}

#[test]
fn a_certificate_for_another_block_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    let other = chain.blocks[1].certificate.clone();
    assert!(matches!(
        verify_first(&validators, &chain.blocks[0].block, other),
        Err(VerifyError::Certificate {
            height: 1,
            source: CertificateError::WrongBlock { .. },
        })
    ));
}

#[test]
fn a_forged_certificate_of_the_parent_inside_the_block_is_refused() {
    let validators = validators();
    let chain = Chain::of(&validators, 2);
    let parent = &chain.blocks[0];
    let mut forged = parent.certificate.signatures().to_vec();
    forged[0].signature.0[0] ^= 1;
    let forged = QuorumCertificate::new(1, 0, parent.block.hash(), forged).unwrap();
    // The header commits to the forged certificate and the validators sign it:
    // the body matches, only the certificate's signatures are wrong.
    let mut block = chain.blocks[1].block.clone();
    block.header.last_commit_hash = forged.hash();
    block.last_commit = Some(forged);
    let certified = CertifiedBlock {
        certificate: validators.certify(&block),
        block,
    };
    let mut verifier = verifier(&validators);
    verifier.verify_next(parent, &NoPastHeights).unwrap();
    assert_eq!(
        verifier.verify_next(&certified, &NoPastHeights),
        Err(VerifyError::LastCommit {
            height: 2,
            parent_height: 1,
            source: CertificateError::BadSignatures(vec![0]),
        })
    );
}

#[test]
fn block_sync_refuses_a_forged_certificate_too() {
    let validators = validators();
    let chain = Chain::of(&validators, 1);
    let genuine = &chain.blocks[0];
    let chain_id = civitas_types::testing::chain_id();
    let parent = common::GENESIS_HASH;
    assert_eq!(
        verify_synced_block(&chain_id, &validators.set, 1, &parent, genuine),
        Ok(genuine.block.hash())
    );
    let mut signatures = genuine.certificate.signatures().to_vec();
    signatures[1].signature.0[9] ^= 1;
    let forged = CertifiedBlock {
        block: genuine.block.clone(),
        certificate: QuorumCertificate::new(1, 0, genuine.block.hash(), signatures).unwrap(),
    };
    assert_eq!(
        verify_synced_block(&chain_id, &validators.set, 1, &parent, &forged),
        Err(VerifyError::Certificate {
            height: 1,
            source: CertificateError::BadSignatures(vec![1]),
        })
    );
}
