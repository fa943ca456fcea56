//! Why a phrase or a path was refused; each message says what was wrong and
//! what to do.

use crate::path::{COIN_TYPE, PURPOSE_BIP44};

/// Why a recovery phrase (or the entropy for a new one) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhraseError {
    /// Not 24 words.
    #[error(
        "a Civitas recovery phrase has 24 words, this one has {found}: write every word of the phrase, separated by spaces"
    )]
    WordCount {
        /// The number of words found.
        found: usize,
    },
    /// A word that is not in the BIP-39 English list (1-based position; the
    /// word itself is not repeated, since it is part of a secret).
    #[error(
        "word {position} of the recovery phrase is not in the BIP-39 English word list: check its spelling against the written phrase"
    )]
    UnknownWord {
        /// Position of the word, counting from 1.
        position: usize,
    },
    /// Every word is known but the checksum does not match.
    #[error(
        "the recovery phrase's checksum does not match: a word is wrong or out of place; compare each word with the written phrase"
    )]
    Checksum,
    /// Entropy for a new phrase of the wrong length.
    #[error(
        "a new recovery phrase needs 32 bytes of entropy, got {length}: take 32 bytes from a cryptographic random generator"
    )]
    EntropyLength {
        /// The number of bytes given.
        length: usize,
    },
}

/// Why a derivation, a path or one of its parts was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DerivationError {
    /// An index without the hardened bit: SLIP-0010 ed25519 has no other kind.
    #[error(
        "index {index} is not hardened: ed25519 keys (SLIP-0010) derive hardened children only; write the index with a trailing ' (which adds 2^31)"
    )]
    NotHardened {
        /// The index as given, without the hardened bit.
        index: u32,
    },
    /// A number that does not fit a hardened index (at most 2^31 − 1).
    #[error("{what} {value} is out of range: it must be at most 2147483647 (2^31 - 1)")]
    IndexOutOfRange {
        /// Which number: "index", "network" or "rotation".
        what: &'static str,
        /// The number given.
        value: u64,
    },
    /// One of the three indices of a programme or community id has more bits
    /// than its share of the id.
    #[error(
        "{part} {value} is out of range: that part of an id holds {bits} bits, so at most {max}"
    )]
    IdOutOfRange {
        /// "id_high", "id_mid" or "id_low".
        part: &'static str,
        /// The index given, without the hardened bit.
        value: u32,
        /// The bits that part holds.
        bits: u32,
        /// The largest value it holds.
        max: u32,
    },
    /// A seed outside SLIP-0010's 128 to 512 bits.
    #[error(
        "a seed has 16 to 64 bytes, this one has {length}: pass the 64-byte seed of the recovery phrase"
    )]
    SeedLength {
        /// The number of bytes given.
        length: usize,
    },
    /// Text that is not a derivation path.
    #[error(
        "not a derivation path ({reason}): write `m` followed by up to 255 levels `/N'`, each N at most 2147483647"
    )]
    PathSyntax {
        /// What is wrong.
        reason: &'static str,
    },
    /// A well-formed path that is not a Civitas key path.
    #[error(
        "not a Civitas key path ({reason}): a Civitas path is m/{PURPOSE_BIP44}'/{COIN_TYPE}'/network'/purpose'/id_high'/id_mid'/id_low'/rotation'"
    )]
    NotCivitasPath {
        /// What is wrong.
        reason: &'static str,
    },
    /// A purpose index this version does not know.
    #[error(
        "purpose {value} is unknown: 0 is the identity key, 1 a programme key, 2 an energy community key"
    )]
    UnknownPurpose {
        /// The purpose index given, without the hardened bit.
        value: u32,
    },
}
