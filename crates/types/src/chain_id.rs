//! The chain id: the name that binds every signature and block to one network.

use std::fmt;
use std::io;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::codec::DecodeError;
use crate::limits::CHAIN_ID_LENGTH_MAX;

/// A network's name, e.g. `civitas-grand-est-1`: 1 to 64 characters among
/// `a-z 0-9 - .`, starting with a letter or digit. Encoded as a borsh string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainId(String);

/// Why a string is not a chain id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChainIdError {
    /// Empty or longer than the limit.
    #[error("a chain id has 1 to {CHAIN_ID_LENGTH_MAX} characters")]
    Length,
    /// A character outside `a-z 0-9 - .`, or a first character that is not a letter or digit.
    #[error("a chain id uses only a-z, 0-9, '-' and '.', and starts with a letter or digit")]
    Character,
}

impl ChainId {
    /// Checks `text` and makes it a chain id.
    pub fn new(text: &str) -> Result<ChainId, ChainIdError> {
        if text.is_empty() || text.len() > CHAIN_ID_LENGTH_MAX {
            return Err(ChainIdError::Length);
        }
        let allowed =
            |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.';
        let first_ok = text
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !first_ok || !text.bytes().all(allowed) {
            return Err(ChainIdError::Character);
        }
        Ok(ChainId(text.to_owned()))
    }

    /// The chain id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ChainId {
    type Err = ChainIdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ChainId::new(text)
    }
}

impl fmt::Display for ChainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ChainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainId({})", self.0)
    }
}

impl BorshSerialize for ChainId {
    fn serialize<W: io::Write>(&self, writer: &mut W) -> io::Result<()> {
        self.0.serialize(writer)
    }
}

impl BorshDeserialize for ChainId {
    fn deserialize_reader<R: io::Read>(reader: &mut R) -> io::Result<Self> {
        let length = u32::deserialize_reader(reader)?;
        if length as usize > CHAIN_ID_LENGTH_MAX {
            return Err(DecodeError::TooLong {
                field: "chain id",
                length: u64::from(length),
                limit: CHAIN_ID_LENGTH_MAX as u64,
            }
            .into_io());
        }
        let mut bytes = [0u8; CHAIN_ID_LENGTH_MAX];
        let slot = bytes.get_mut(..length as usize).unwrap_or_default();
        reader.read_exact(slot)?;
        let text = std::str::from_utf8(slot).map_err(|_| non_canonical())?;
        ChainId::new(text).map_err(|_| non_canonical())
    }
}

fn non_canonical() -> io::Error {
    DecodeError::NonCanonical {
        field: "chain id",
        reason: "characters outside a-z 0-9 - . or empty",
    }
    .into_io()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::codec::{decode, encode};

    #[test]
    fn valid_ids_round_trip() {
        for text in ["civitas-1", "a", "grand-est.test-2", &"x".repeat(64)] {
            let id = ChainId::new(text).unwrap();
            assert_eq!(decode::<ChainId>(&encode(&id)).unwrap(), id);
        }
    }

    #[test]
    fn invalid_ids_are_refused_by_new_and_by_decode() {
        for (text, error) in [
            ("", ChainIdError::Length),
            (&"x".repeat(65) as &str, ChainIdError::Length),
            ("Civitas", ChainIdError::Character),
            ("-civitas", ChainIdError::Character),
            ("civ itas", ChainIdError::Character),
            ("civ\u{e9}", ChainIdError::Character),
        ] {
            assert_eq!(ChainId::new(text), Err(error), "{text:?}");
            let bytes = encode(&text.to_string());
            assert!(decode::<ChainId>(&bytes).is_err(), "{text:?}");
        }
    }

    #[test]
    fn huge_length_prefix_is_refused() {
        assert!(matches!(
            decode::<ChainId>(&[0xff, 0xff, 0xff, 0x7f]),
            Err(DecodeError::TooLong { .. })
        ));
    }
}
