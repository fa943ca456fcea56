//! SHA-256 hashes with domain separation.
//!
//! Every hashed object has its own [`Domain`]: the hash of an object is
//! `SHA-256(len(tag) as u8 || tag || bytes)`, where `tag` is the domain's ASCII tag
//! and `bytes` its canonical (borsh) encoding. The length prefix makes the framing
//! unambiguous, so the same bytes hashed as a transaction and as a header can never
//! give the same digest (docs/protocol.md, "Hashing").

use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};
use sha2::{Digest, Sha256};

/// Length of a [`Hash`] in bytes.
pub const HASH_LENGTH: usize = 32;

/// A SHA-256 digest.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize,
)]
pub struct Hash(pub [u8; HASH_LENGTH]);

impl Hash {
    /// The all-zero hash, used only where the protocol says "no value" (documented per field).
    pub const ZERO: Hash = Hash([0; HASH_LENGTH]);

    /// Hashes `bytes` in `domain`: `SHA-256(len(tag) || tag || bytes)`.
    pub fn tagged(domain: Domain, bytes: &[u8]) -> Hash {
        Self::tagged_parts(domain, &[bytes])
    }

    /// Hashes the concatenation of `parts` in `domain`, without copying them together.
    pub fn tagged_parts(domain: Domain, parts: &[&[u8]]) -> Hash {
        let tag = domain.tag().as_bytes();
        let mut hasher = Sha256::new();
        // Tags are short ASCII constants (checked by a test); the cast cannot truncate.
        hasher.update([tag.len() as u8]);
        hasher.update(tag);
        for part in parts {
            hasher.update(part);
        }
        Hash(hasher.finalize().into())
    }

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_LENGTH] {
        &self.0
    }

    /// Lower-case hexadecimal form (64 characters).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

/// Why a string is not a hash.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseHashError {
    /// The string is not 64 hexadecimal characters.
    #[error("a hash is 64 hexadecimal characters, got {0} characters")]
    Length(usize),
    /// The string has a character that is not a hexadecimal digit.
    #[error("a hash is hexadecimal: {0}")]
    Hex(#[from] hex::FromHexError),
}

impl FromStr for Hash {
    type Err = ParseHashError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() != HASH_LENGTH * 2 {
            return Err(ParseHashError::Length(text.len()));
        }
        let mut bytes = [0u8; HASH_LENGTH];
        hex::decode_to_slice(text, &mut bytes)?;
        Ok(Hash(bytes))
    }
}

/// The domain of a hash: what kind of object was hashed.
///
/// Each domain has a fixed ASCII tag. Tags are part of the protocol: changing one
/// changes every hash of that kind (a new chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Domain {
    /// A transaction body; the digest is the transaction id, and what signers sign.
    Transaction,
    /// A block header; the digest is the block hash.
    Header,
    /// A vote (prevote or precommit); the digest is what the validator signs.
    Vote,
    /// A proposal; the digest is what the proposer signs.
    Proposal,
    /// A validator set; the digest goes in headers.
    ValidatorSet,
    /// A quorum certificate; the digest is the next header's `last_commit_hash`.
    QuorumCertificate,
    /// A piece of evidence of misbehaviour; the digest is its Merkle leaf data.
    Evidence,
    /// A multisig policy; the digest is the multisig account's id.
    MultisigAccount,
    /// A Merkle tree leaf.
    MerkleLeaf,
    /// A Merkle tree inner node.
    MerkleNode,
    /// The root of an empty Merkle tree.
    MerkleEmpty,
    /// A genesis document; the digest is the `previous_block_hash` of block 1.
    Genesis,
    /// A state key; the digest is the key's path in the state tree.
    StateKey,
    /// A state value.
    StateValue,
    /// A state tree leaf: key hash and value hash.
    StateLeaf,
    /// A state tree inner node: its branching bit and two child hashes.
    StateNode,
    /// The root of an empty state tree.
    StateEmpty,
    /// A whole signed transaction, body and signatures; the digest names one
    /// exact set of signatures, so a node can remember which it verified (the
    /// id names the body only, which many signature lists share).
    SignedTransaction,
}

impl Domain {
    /// Every domain, in tag order; used to check that tags are distinct.
    pub const ALL: [Domain; 18] = [
        Domain::Transaction,
        Domain::Header,
        Domain::Vote,
        Domain::Proposal,
        Domain::ValidatorSet,
        Domain::QuorumCertificate,
        Domain::Evidence,
        Domain::MultisigAccount,
        Domain::MerkleLeaf,
        Domain::MerkleNode,
        Domain::MerkleEmpty,
        Domain::Genesis,
        Domain::StateKey,
        Domain::StateValue,
        Domain::StateLeaf,
        Domain::StateNode,
        Domain::StateEmpty,
        Domain::SignedTransaction,
    ];

    /// The domain's ASCII tag, hashed before the object's bytes.
    pub const fn tag(self) -> &'static str {
        match self {
            Domain::Transaction => "civitas/v1/transaction",
            Domain::Header => "civitas/v1/header",
            Domain::Vote => "civitas/v1/vote",
            Domain::Proposal => "civitas/v1/proposal",
            Domain::ValidatorSet => "civitas/v1/validator-set",
            Domain::QuorumCertificate => "civitas/v1/quorum-certificate",
            Domain::Evidence => "civitas/v1/evidence",
            Domain::MultisigAccount => "civitas/v1/multisig-account",
            Domain::MerkleLeaf => "civitas/v1/merkle-leaf",
            Domain::MerkleNode => "civitas/v1/merkle-node",
            Domain::MerkleEmpty => "civitas/v1/merkle-empty",
            Domain::Genesis => "civitas/v1/genesis",
            Domain::StateKey => "civitas/v1/state-key",
            Domain::StateValue => "civitas/v1/state-value",
            Domain::StateLeaf => "civitas/v1/state-leaf",
            Domain::StateNode => "civitas/v1/state-node",
            Domain::StateEmpty => "civitas/v1/state-empty",
            Domain::SignedTransaction => "civitas/v1/signed-transaction",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn tags_are_distinct_short_ascii() {
        let tags: BTreeSet<&str> = Domain::ALL.iter().map(|d| d.tag()).collect();
        assert_eq!(tags.len(), Domain::ALL.len());
        for tag in tags {
            assert!(tag.len() < 256 && tag.is_ascii(), "{tag}");
        }
    }

    #[test]
    fn same_bytes_in_different_domains_hash_differently() {
        let bytes = b"the same bytes";
        let hashes: BTreeSet<Hash> = Domain::ALL
            .iter()
            .map(|d| Hash::tagged(*d, bytes))
            .collect();
        assert_eq!(hashes.len(), Domain::ALL.len());
    }

    #[test]
    fn tagged_hash_is_sha256_of_length_tag_and_bytes() {
        let mut framed = vec![Domain::Vote.tag().len() as u8];
        framed.extend_from_slice(Domain::Vote.tag().as_bytes());
        framed.extend_from_slice(b"abc");
        let expected: [u8; 32] = Sha256::digest(&framed).into();
        assert_eq!(Hash::tagged(Domain::Vote, b"abc"), Hash(expected));
        assert_eq!(
            Hash::tagged_parts(Domain::Vote, &[b"a", b"", b"bc"]),
            Hash(expected)
        );
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let hash = Hash::tagged(Domain::Header, b"x");
        assert_eq!(hash.to_string().parse::<Hash>().unwrap(), hash);
        assert_eq!("ab".parse::<Hash>(), Err(ParseHashError::Length(2)));
        assert!(matches!(
            "zz".repeat(32).parse::<Hash>(),
            Err(ParseHashError::Hex(_))
        ));
    }
}
