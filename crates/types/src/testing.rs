//! Deterministic keys and sets for tests of this crate and of the crates above it.
//! Compiled only for tests or with the `test-support` feature; never in a node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::chain_id::ChainId;
use crate::crypto::SigningKey;
use crate::validator::{Validator, ValidatorSet};

/// The chain id tests use.
pub fn chain_id() -> ChainId {
    ChainId::new("civitas-test").expect("valid chain id")
}

/// `count` distinct keys from the seeds `[1; 32]`, `[2; 32]`, … (at most 255).
pub fn signing_keys(count: u8) -> Vec<SigningKey> {
    (1..=count)
        .map(|i| SigningKey::from_seed(&[i; 32]))
        .collect()
}

/// The set of `keys` with `powers` (same order as the keys).
pub fn validator_set(keys: &[SigningKey], powers: &[u64]) -> ValidatorSet {
    let validators = keys
        .iter()
        .zip(powers)
        .map(|(key, power)| Validator {
            public_key: key.public_key(),
            voting_power: *power,
        })
        .collect();
    ValidatorSet::new(validators).expect("valid validator set")
}
