#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
use super::*;
use crate::codec::decode;
use crate::testing::{chain_id, signing_keys, validator_set};

struct Fixture {
    keys: Vec<crate::crypto::SigningKey>,
    set: ValidatorSet,
    block: Hash,
}

/// Four validators with powers 1, 2, 3, 4 (total 10; quorum needs 7).
fn fixture() -> Fixture {
    let keys = signing_keys(4);
    let set = validator_set(&keys, &[1, 2, 3, 4]);
    Fixture {
        keys,
        set,
        block: Hash([0xab; 32]),
    }
}

fn sign_by(f: &Fixture, positions: &[u16]) -> QuorumCertificate {
    let draft = QuorumCertificate {
        height: 10,
        round: 2,
        block_hash: f.block,
        signatures: BoundedVec::new(),
    };
    let signatures = positions
        .iter()
        .map(|&position| {
            let validator = f.set.get(usize::from(position)).unwrap();
            let key = f
                .keys
                .iter()
                .find(|k| k.public_key() == validator.public_key)
                .unwrap();
            let digest = draft
                .precommit(&chain_id(), validator.public_key)
                .signing_digest();
            CommitSignature {
                validator_index: position,
                signature: key.sign_digest(&digest),
            }
        })
        .collect();
    QuorumCertificate::new(10, 2, f.block, signatures).unwrap()
}

fn power_of(f: &Fixture, positions: &[u16]) -> u64 {
    positions
        .iter()
        .map(|p| f.set.get(usize::from(*p)).unwrap().voting_power)
        .sum()
}

#[test]
fn quorum_of_signers_verifies_and_round_trips() {
    let f = fixture();
    // Find the positions of the validators with power 4 and 3: 7 > 20/3.
    let mut positions: Vec<u16> = (0..4)
        .filter(|p| f.set.get(usize::from(*p)).unwrap().voting_power >= 3)
        .collect();
    positions.sort();
    let qc = sign_by(&f, &positions);
    assert_eq!(qc.verify(&chain_id(), 10, &f.block, &f.set), Ok(7));
    assert_eq!(decode::<QuorumCertificate>(&encode(&qc)).unwrap(), qc);
}

#[test]
fn two_thirds_exactly_is_not_a_quorum() {
    let keys = signing_keys(3);
    let set = validator_set(&keys, &[1, 1, 1]);
    let f = Fixture {
        keys,
        set,
        block: Hash([1; 32]),
    };
    let qc = sign_by(&f, &[0, 1]);
    assert_eq!(
        qc.verify(&chain_id(), 10, &f.block, &f.set),
        Err(CertificateError::NoQuorum {
            signed: 2,
            total: 3
        })
    );
    assert_eq!(
        sign_by(&f, &[0, 1, 2]).verify(&chain_id(), 10, &f.block, &f.set),
        Ok(3)
    );
}

#[test]
fn every_subset_is_judged_by_power() {
    let f = fixture();
    for mask in 1u16..16 {
        let positions: Vec<u16> = (0..4).filter(|p| mask & (1 << p) != 0).collect();
        let result = sign_by(&f, &positions).verify(&chain_id(), 10, &f.block, &f.set);
        let power = power_of(&f, &positions);
        if power * 3 > 20 {
            assert_eq!(result, Ok(power), "{positions:?}");
        } else {
            assert!(
                matches!(result, Err(CertificateError::NoQuorum { .. })),
                "{positions:?}"
            );
        }
    }
}

#[test]
fn forged_signature_wrong_chain_height_or_block_fail() {
    let f = fixture();
    let qc = sign_by(&f, &[0, 1, 2, 3]);
    let mut forged = qc.clone();
    let mut list = forged.signatures.to_vec();
    list[2].signature.0[5] ^= 1;
    forged.signatures = BoundedVec::try_from_vec(list).unwrap();
    assert_eq!(
        forged.verify(&chain_id(), 10, &f.block, &f.set),
        Err(CertificateError::BadSignatures(vec![2]))
    );
    let other_chain = ChainId::new("other-chain").unwrap();
    assert!(matches!(
        qc.verify(&other_chain, 10, &f.block, &f.set),
        Err(CertificateError::BadSignatures(bad)) if bad.len() == 4
    ));
    assert!(matches!(
        qc.verify(&chain_id(), 11, &f.block, &f.set),
        Err(CertificateError::WrongBlock { .. })
    ));
    assert!(matches!(
        qc.verify(&chain_id(), 10, &Hash([0; 32]), &f.set),
        Err(CertificateError::WrongBlock { .. })
    ));
    // Same signatures checked against another validator set.
    let other_set = validator_set(&signing_keys(8)[4..], &[1, 2, 3, 4]);
    assert!(qc.verify(&chain_id(), 10, &f.block, &other_set).is_err());
}

#[test]
fn unknown_positions_duplicates_and_empty_lists_are_refused() {
    let f = fixture();
    let mut qc = sign_by(&f, &[0, 1, 2]);
    let mut list = qc.signatures.to_vec();
    list[2].validator_index = 9;
    qc.signatures = BoundedVec::try_from_vec(list).unwrap();
    assert_eq!(
        qc.verify(&chain_id(), 10, &f.block, &f.set),
        Err(CertificateError::UnknownValidator(9))
    );
    let one = sign_by(&f, &[3]).signatures[0];
    assert_eq!(
        QuorumCertificate::new(10, 2, f.block, vec![one, one]),
        Err(CertificateError::Malformed)
    );
    assert_eq!(
        QuorumCertificate::new(10, 2, f.block, vec![]),
        Err(CertificateError::Malformed)
    );
    // A duplicated signer smuggled into the encoding is refused when decoding.
    let mut bytes = encode(&(10u64, 2u32, f.block));
    bytes.extend(encode(&vec![one, one]));
    assert!(matches!(
        decode::<QuorumCertificate>(&bytes),
        Err(DecodeError::NonCanonical { .. })
    ));
}

/// `verify_each` with single ZIP-215 checks gives the same verdict as the batch
/// `verify`, on quorums, non-quorums, forgeries and wrong blocks.
#[test]
fn verify_each_agrees_with_the_batch() {
    let f = fixture();
    let mut single = |key: &PublicKey, digest: &Hash, signature: &Signature| {
        crate::crypto::verify_digest(key, digest, signature).is_ok()
    };
    let mut cases: Vec<QuorumCertificate> = (1u16..16)
        .map(|mask| {
            let positions: Vec<u16> = (0..4).filter(|p| mask & (1 << p) != 0).collect();
            sign_by(&f, &positions)
        })
        .collect();
    let mut forged = sign_by(&f, &[0, 1, 2, 3]);
    let mut list = forged.signatures.to_vec();
    list[1].signature.0[5] ^= 1;
    list[3].signature.0[9] ^= 1;
    forged.signatures = BoundedVec::try_from_vec(list).unwrap();
    cases.push(forged);
    for qc in &cases {
        for (height, block) in [(10, f.block), (11, f.block), (10, Hash([0; 32]))] {
            assert_eq!(
                qc.verify_each(&chain_id(), height, &block, &f.set, &mut single),
                qc.verify(&chain_id(), height, &block, &f.set),
            );
        }
    }
    // A verifier that refuses everything names every position.
    let qc = sign_by(&f, &[0, 2]);
    assert_eq!(
        qc.verify_each(&chain_id(), 10, &f.block, &f.set, &mut |_, _, _| false),
        Err(CertificateError::BadSignatures(vec![0, 2]))
    );
}
