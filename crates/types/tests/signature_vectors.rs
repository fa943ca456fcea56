//! ZIP-215 edge cases: single and batch verification must agree with each vector's
//! `zip215_valid`, alone and mixed into batches of valid signatures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_types::{BatchVerifier, PublicKey, Signature, SigningKey, verify};
use serde::Deserialize;

#[derive(Deserialize)]
struct SpeccheckFile {
    cases: Vec<SpeccheckCase>,
}

#[derive(Deserialize)]
struct SpeccheckCase {
    index: usize,
    message: String,
    pub_key: String,
    signature: String,
    zip215_valid: bool,
}

#[derive(Deserialize)]
struct SmallOrderFile {
    message_hex: String,
    cases: Vec<SmallOrderCase>,
}

#[derive(Deserialize)]
struct SmallOrderCase {
    index: usize,
    pub_key: String,
    signature: String,
    zip215_valid: bool,
}

struct Case {
    name: String,
    public_key: PublicKey,
    message: Vec<u8>,
    signature: Signature,
    expected: bool,
}

fn array<const N: usize>(text: &str) -> [u8; N] {
    hex::decode(text).unwrap().try_into().unwrap()
}

fn all_cases() -> Vec<Case> {
    let speccheck: SpeccheckFile =
        serde_json::from_str(include_str!("vectors/ed25519-speccheck.json")).unwrap();
    let small: SmallOrderFile =
        serde_json::from_str(include_str!("vectors/ed25519-small-order.json")).unwrap();
    let small_message = hex::decode(&small.message_hex).unwrap();
    let mut cases: Vec<Case> = speccheck
        .cases
        .into_iter()
        .map(|c| Case {
            name: format!("speccheck #{}", c.index),
            public_key: PublicKey(array(&c.pub_key)),
            message: hex::decode(&c.message).unwrap(),
            signature: Signature(array(&c.signature)),
            expected: c.zip215_valid,
        })
        .collect();
    cases.extend(small.cases.into_iter().map(|c| Case {
        name: format!("small-order #{}", c.index),
        public_key: PublicKey(array(&c.pub_key)),
        message: small_message.clone(),
        signature: Signature(array(&c.signature)),
        expected: c.zip215_valid,
    }));
    assert_eq!(cases.len(), 12 + 196);
    cases
}

#[test]
fn single_verification_gives_the_zip215_answer() {
    for case in all_cases() {
        let valid = verify(&case.public_key, &case.message, &case.signature).is_ok();
        assert_eq!(valid, case.expected, "{}", case.name);
    }
}

#[test]
fn batch_of_one_gives_the_zip215_answer() {
    for case in all_cases() {
        let mut batch = BatchVerifier::new();
        batch.queue(&case.public_key, &case.message, &case.signature);
        assert_eq!(batch.verify().is_ok(), case.expected, "{}", case.name);
    }
}

#[test]
fn each_vector_among_honest_signatures_is_judged_alone() {
    let honest: Vec<(SigningKey, Vec<u8>)> = (1..=7u8)
        .map(|i| (SigningKey::from_seed(&[i; 32]), vec![i; 40]))
        .collect();
    for case in all_cases() {
        let mut batch = BatchVerifier::new();
        for (key, message) in &honest[..3] {
            batch.queue(&key.public_key(), message, &key.sign(message));
        }
        batch.queue(&case.public_key, &case.message, &case.signature);
        for (key, message) in &honest[3..] {
            batch.queue(&key.public_key(), message, &key.sign(message));
        }
        match batch.verify() {
            Ok(()) => assert!(case.expected, "{} passed in a batch", case.name),
            Err(failure) => {
                assert!(!case.expected, "{} failed in a batch", case.name);
                assert_eq!(failure.invalid, vec![3], "{}", case.name);
            }
        }
    }
}

#[test]
fn all_valid_vectors_in_one_batch_pass_and_one_invalid_is_found() {
    let cases = all_cases();
    let mut batch = BatchVerifier::new();
    for case in cases.iter().filter(|c| c.expected) {
        batch.queue(&case.public_key, &case.message, &case.signature);
    }
    assert_eq!(batch.verify(), Ok(()));
    let invalid: Vec<&Case> = cases.iter().filter(|c| !c.expected).collect();
    assert!(!invalid.is_empty());
    let mut batch = BatchVerifier::new();
    let mut expected_positions = Vec::new();
    for (position, case) in cases.iter().enumerate() {
        batch.queue(&case.public_key, &case.message, &case.signature);
        if !case.expected {
            expected_positions.push(position);
        }
    }
    assert_eq!(batch.verify().unwrap_err().invalid, expected_positions);
}
