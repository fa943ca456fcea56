//! Account ids and their human form, `civ1…` bech32m strings.
//!
//! An account id is 32 bytes: for a key account, its ed25519 public key; for a
//! multisig account, the hash of its k-of-n policy in the `MultisigAccount` domain
//! (the civic state machine records the policy). People see ids as bech32m
//! (BIP 350) with the human-readable prefix `civ`; parsing accepts exactly the
//! canonical lower-case form that [`AccountId::to_string`] produces, or its
//! all-upper-case equivalent.

use std::fmt;
use std::str::FromStr;

use bech32::primitives::decode::{CheckedHrpstring, CheckedHrpstringError};
use bech32::{Bech32m, Hrp};
use borsh::{BorshDeserialize, BorshSerialize};

use crate::crypto::PublicKey;
use crate::hash::{Domain, Hash};

/// Human-readable prefix of account addresses.
pub const ACCOUNT_PREFIX: &str = "civ";

/// The id of an account: a public key, or the hash of a multisig policy.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct AccountId(pub [u8; 32]);

impl AccountId {
    /// The account controlled by the single key `public_key`.
    pub fn from_public_key(public_key: &PublicKey) -> AccountId {
        AccountId(public_key.0)
    }

    /// The account of a multisig policy, given the policy's canonical encoding.
    pub fn from_multisig_policy(policy_encoding: &[u8]) -> AccountId {
        AccountId(Hash::tagged(Domain::MultisigAccount, policy_encoding).0)
    }

    /// The id read as a public key (meaningful for key accounts only).
    pub fn as_public_key(&self) -> PublicKey {
        PublicKey(self.0)
    }
}

fn prefix() -> Hrp {
    Hrp::parse_unchecked(ACCOUNT_PREFIX)
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        bech32::encode_lower_to_fmt::<Bech32m, _>(f, prefix(), &self.0).map_err(|_| fmt::Error)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({self})")
    }
}

/// Why a string is not an account address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseAccountError {
    /// Not a bech32m string with a valid checksum (typo, wrong variant, bad characters).
    #[error("not a valid bech32m address ({0}); check the address for typos")]
    Bech32(String),
    /// A valid bech32m string for something else than a Civitas account.
    #[error("the address prefix is `{found}`, a Civitas account address starts with `civ1`")]
    WrongPrefix {
        /// The prefix found.
        found: String,
    },
    /// The payload is not 32 bytes.
    #[error("an account address holds 32 bytes, this one holds {0}")]
    WrongLength(usize),
    /// The string is valid but not in canonical form (mixed case or non-zero padding).
    #[error("the address is not in canonical form; write it in lower case as displayed")]
    NonCanonical,
}

impl From<CheckedHrpstringError> for ParseAccountError {
    fn from(error: CheckedHrpstringError) -> Self {
        ParseAccountError::Bech32(error.to_string())
    }
}

impl FromStr for AccountId {
    type Err = ParseAccountError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let checked = CheckedHrpstring::new::<Bech32m>(text)?;
        if checked.hrp() != prefix() {
            return Err(ParseAccountError::WrongPrefix {
                found: checked.hrp().to_string(),
            });
        }
        let bytes: Vec<u8> = checked.byte_iter().collect();
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|bytes: Vec<u8>| ParseAccountError::WrongLength(bytes.len()))?;
        let account = AccountId(array);
        if account.to_string() != text.to_ascii_lowercase() {
            return Err(ParseAccountError::NonCanonical);
        }
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use bech32::Bech32;

    fn sample() -> AccountId {
        AccountId(core::array::from_fn(|i| i as u8))
    }

    #[test]
    fn display_and_parse_round_trip() {
        let text = sample().to_string();
        assert!(text.starts_with("civ1"), "{text}");
        assert_eq!(text.len(), 3 + 1 + 52 + 6);
        assert_eq!(text.parse::<AccountId>().unwrap(), sample());
        assert_eq!(
            text.to_ascii_uppercase().parse::<AccountId>().unwrap(),
            sample()
        );
    }

    #[test]
    fn every_single_character_typo_is_caught() {
        let text = sample().to_string();
        for position in 4..text.len() {
            let mut typo = text.clone().into_bytes();
            typo[position] = if typo[position] == b'q' { b'p' } else { b'q' };
            let typo = String::from_utf8(typo).unwrap();
            assert!(
                matches!(typo.parse::<AccountId>(), Err(ParseAccountError::Bech32(_))),
                "{typo}"
            );
        }
    }

    #[test]
    fn wrong_prefix_variant_length_and_case_are_refused() {
        let other = bech32::encode::<Bech32m>(Hrp::parse("bc").unwrap(), &sample().0).unwrap();
        assert_eq!(
            other.parse::<AccountId>(),
            Err(ParseAccountError::WrongPrefix { found: "bc".into() })
        );
        // Same prefix and data with the bech32 (not bech32m) checksum.
        let legacy = bech32::encode::<Bech32>(prefix(), &sample().0).unwrap();
        assert!(matches!(
            legacy.parse::<AccountId>(),
            Err(ParseAccountError::Bech32(_))
        ));
        let short = bech32::encode::<Bech32m>(prefix(), &[1u8; 20]).unwrap();
        assert_eq!(
            short.parse::<AccountId>(),
            Err(ParseAccountError::WrongLength(20))
        );
        let mut mixed = sample().to_string();
        mixed.replace_range(5..6, &mixed[5..6].to_ascii_uppercase());
        assert!(mixed.parse::<AccountId>().is_err());
        assert!("".parse::<AccountId>().is_err());
    }

    #[test]
    fn multisig_ids_are_domain_separated_hashes() {
        let policy = b"policy bytes";
        assert_eq!(
            AccountId::from_multisig_policy(policy).0,
            Hash::tagged(Domain::MultisigAccount, policy).0
        );
    }
}
