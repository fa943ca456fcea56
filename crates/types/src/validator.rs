//! Validators and validator sets.
//!
//! A validator set is the list of (consensus key, voting power) that signs blocks
//! at a height. Its canonical form is sorted by public key with no duplicates, one
//! to [`VALIDATORS_MAX`] members, every power at least 1 and the total at most
//! [`TOTAL_VOTING_POWER_MAX`]; decoding refuses anything else, so a set has exactly
//! one encoding and one hash.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::codec::{BoundedVec, DecodeError, encode};
use crate::crypto::PublicKey;
use crate::hash::{Domain, Hash};
use crate::limits::{TOTAL_VOTING_POWER_MAX, VALIDATORS_MAX};

/// One validator: its consensus key and voting power.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Validator {
    /// The key that signs this validator's votes and proposals.
    pub public_key: PublicKey,
    /// Voting power, at least 1.
    pub voting_power: u64,
}

/// A canonical validator set.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize)]
pub struct ValidatorSet {
    validators: BoundedVec<Validator, VALIDATORS_MAX>,
    #[borsh(skip)]
    total_voting_power: u64,
}

/// Why a list of validators is not a valid set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorSetError {
    /// No validator: a network without validators cannot make progress.
    #[error("a validator set cannot be empty")]
    Empty,
    /// More validators than the format allows.
    #[error("a validator set has at most {VALIDATORS_MAX} validators, got {0}")]
    TooMany(usize),
    /// A validator with zero power.
    #[error("validator {0} has zero voting power")]
    ZeroPower(PublicKey),
    /// The same key twice.
    #[error("validator {0} appears twice")]
    Duplicate(PublicKey),
    /// The powers add up to more than the limit.
    #[error("total voting power exceeds {TOTAL_VOTING_POWER_MAX}")]
    PowerOverflow,
}

impl ValidatorSet {
    /// Builds the canonical set from `validators` in any order.
    pub fn new(mut validators: Vec<Validator>) -> Result<ValidatorSet, ValidatorSetError> {
        validators.sort_by_key(|validator| validator.public_key);
        for pair in validators.windows(2) {
            if let [first, second] = pair
                && first.public_key == second.public_key
            {
                return Err(ValidatorSetError::Duplicate(first.public_key));
            }
        }
        Self::from_sorted(validators)
    }

    fn from_sorted(validators: Vec<Validator>) -> Result<ValidatorSet, ValidatorSetError> {
        if validators.is_empty() {
            return Err(ValidatorSetError::Empty);
        }
        let mut total: u64 = 0;
        for validator in &validators {
            if validator.voting_power == 0 {
                return Err(ValidatorSetError::ZeroPower(validator.public_key));
            }
            total = total
                .checked_add(validator.voting_power)
                .filter(|sum| *sum <= TOTAL_VOTING_POWER_MAX)
                .ok_or(ValidatorSetError::PowerOverflow)?;
        }
        let validators = BoundedVec::try_from_vec(validators)
            .map_err(|all| ValidatorSetError::TooMany(all.len()))?;
        Ok(ValidatorSet {
            validators,
            total_voting_power: total,
        })
    }

    /// The validators, sorted by public key.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// Number of validators.
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// Always false: a set has at least one validator.
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// Sum of all voting powers.
    pub fn total_voting_power(&self) -> u64 {
        self.total_voting_power
    }

    /// The validator at `index` (its position in key order).
    pub fn get(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }

    /// The position of `public_key` in the set.
    pub fn index_of(&self, public_key: &PublicKey) -> Option<usize> {
        self.validators
            .binary_search_by(|v| v.public_key.cmp(public_key))
            .ok()
    }

    /// Whether `power` is a quorum: strictly more than two thirds of the total.
    pub fn is_quorum(&self, power: u64) -> bool {
        // Both sides are below 2^62 (power ≤ total ≤ 2^60), so neither overflows.
        power.saturating_mul(3) > self.total_voting_power.saturating_mul(2)
    }

    /// The set's hash in the `ValidatorSet` domain; headers carry it.
    pub fn hash(&self) -> Hash {
        Hash::tagged(Domain::ValidatorSet, &encode(self))
    }
}

impl BorshDeserialize for ValidatorSet {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let validators = BoundedVec::<Validator, VALIDATORS_MAX>::deserialize_reader(reader)?;
        let sorted = validators
            .windows(2)
            .all(|pair| matches!(pair, [a, b] if a.public_key < b.public_key));
        if !sorted {
            return Err(non_canonical("keys must be strictly increasing"));
        }
        ValidatorSet::from_sorted(validators.into_vec()).map_err(|error| match error {
            ValidatorSetError::Empty => non_canonical("empty set"),
            ValidatorSetError::ZeroPower(_) => non_canonical("zero voting power"),
            _ => non_canonical("total voting power over the limit"),
        })
    }
}

fn non_canonical(reason: &'static str) -> std::io::Error {
    DecodeError::NonCanonical {
        field: "validator set",
        reason,
    }
    .into_io()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::codec::decode;

    fn validator(byte: u8, power: u64) -> Validator {
        Validator {
            public_key: PublicKey([byte; 32]),
            voting_power: power,
        }
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let a = ValidatorSet::new(vec![validator(3, 1), validator(1, 2)]).unwrap();
        let b = ValidatorSet::new(vec![validator(1, 2), validator(3, 1)]).unwrap();
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.total_voting_power(), 3);
        assert_eq!(a.index_of(&PublicKey([3; 32])), Some(1));
        assert_eq!(decode::<ValidatorSet>(&encode(&a)).unwrap(), a);
    }

    #[test]
    fn invalid_sets_are_refused() {
        assert_eq!(ValidatorSet::new(vec![]), Err(ValidatorSetError::Empty));
        assert!(matches!(
            ValidatorSet::new(vec![validator(1, 0)]),
            Err(ValidatorSetError::ZeroPower(_))
        ));
        assert!(matches!(
            ValidatorSet::new(vec![validator(1, 1), validator(1, 2)]),
            Err(ValidatorSetError::Duplicate(_))
        ));
        assert_eq!(
            ValidatorSet::new(vec![
                validator(1, 1 << 59),
                validator(2, 1 << 59),
                validator(3, 1)
            ]),
            Err(ValidatorSetError::PowerOverflow)
        );
        let many = (0..=VALIDATORS_MAX)
            .map(|i| Validator {
                public_key: PublicKey(core::array::from_fn(|j| (i >> (8 * (j % 2))) as u8)),
                voting_power: 1,
            })
            .collect();
        assert_eq!(
            ValidatorSet::new(many),
            Err(ValidatorSetError::TooMany(VALIDATORS_MAX + 1))
        );
    }

    #[test]
    fn decoding_refuses_unsorted_empty_and_zero_power() {
        let unsorted = encode(&vec![validator(2, 1), validator(1, 1)]);
        let empty = encode(&Vec::<Validator>::new());
        let zero = encode(&vec![validator(1, 0)]);
        for bytes in [unsorted, empty, zero] {
            assert!(matches!(
                decode::<ValidatorSet>(&bytes),
                Err(DecodeError::NonCanonical { .. })
            ));
        }
    }

    #[test]
    fn quorum_is_strictly_more_than_two_thirds() {
        let set = ValidatorSet::new((1..=4).map(|i| validator(i, 1)).collect()).unwrap();
        assert!(!set.is_quorum(2));
        assert!(set.is_quorum(3));
        let set = ValidatorSet::new((1..=3).map(|i| validator(i, 1)).collect()).unwrap();
        assert!(!set.is_quorum(2));
        assert!(set.is_quorum(3));
    }
}
