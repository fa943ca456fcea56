//! Why a block is not accepted: one error for every check of this crate, each
//! variant naming what was wrong, at which height, and (in its message) what
//! to do about it.
//!
//! Most variants prove the block, or the source that sent it, wrong; a few say
//! the verifier itself cannot go on (its storage failed, it does not know the
//! rules in force). [`VerifyError::is_invalid_block`] tells them apart, so a
//! caller blames a peer or a file only for the first kind.

use civitas_civic::{InvalidEvidence, StorageError};
use civitas_types::{
    BlockError, BlockTimeError, CertificateError, ChainId, DecodeError, Hash, PublicKey,
};

/// Why a block received from elsewhere is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The bytes are not a canonical certified block (for instance a
    /// certificate that names one validator twice).
    #[error(
        "the bytes are not a canonical block with its certificate: {0}; refuse them and fetch the block from another source"
    )]
    Undecodable(DecodeError),
    /// The block belongs to another chain.
    #[error(
        "block {height} is for chain {found}, expected {expected}: it comes from another network; fetch the block from a node of {expected}"
    )]
    WrongChain {
        /// The height the block was expected at.
        height: u64,
        /// The chain being verified.
        expected: ChainId,
        /// The block's.
        found: ChainId,
    },
    /// Not the next height.
    #[error(
        "block at height {found}, expected height {expected}: ask the source for height {expected}"
    )]
    WrongHeight {
        /// The next height.
        expected: u64,
        /// The block's.
        found: u64,
    },
    /// Does not extend the last verified block (or the genesis document).
    #[error(
        "block {height} names parent {found}, but the verified chain ends with {expected}: it belongs to another history; refuse it"
    )]
    WrongParent {
        /// Its height.
        height: u64,
        /// The hash of the last verified block (the genesis hash at height 1).
        expected: Hash,
        /// The block's `previous_block_hash`.
        found: Hash,
    },
    /// The header names another validator set than the one in force.
    #[error(
        "block {height} names validator set {found}, but set {expected} signs that height: refuse it (or check the validator set you supplied for height {height})"
    )]
    WrongValidators {
        /// Its height.
        height: u64,
        /// The hash of the set in force.
        expected: Hash,
        /// The header's `validators_hash`.
        found: Hash,
    },
    /// The header's validator set is not the one its parent announced.
    #[error(
        "block {height} names validator set {found}, but its parent announced {announced} for this height: the chain contradicts itself; refuse it"
    )]
    ValidatorsNotAnnounced {
        /// Its height.
        height: u64,
        /// The parent header's `next_validators_hash`.
        announced: Hash,
        /// The header's `validators_hash`.
        found: Hash,
    },
    /// The proposer named in the header is not a validator of its height.
    #[error(
        "block {height} names proposer {proposer}, who is not a validator of that height: refuse it"
    )]
    ProposerNotValidator {
        /// Its height.
        height: u64,
        /// The header's proposer.
        proposer: PublicKey,
    },
    /// The header carries another protocol version than the one in force.
    #[error(
        "block {height} carries protocol version {found}, but version {expected} is in force at that height: refuse it"
    )]
    WrongProtocolVersion {
        /// Its height.
        height: u64,
        /// The version in force.
        expected: u32,
        /// The header's version.
        found: u32,
    },
    /// The version in force is one this build cannot check: not the block's
    /// fault, the verifier's.
    #[error(
        "height {height} runs protocol version {version}, which this verifier does not know (it knows {supported:?}): install a release that supports version {version} and verify again"
    )]
    UnsupportedProtocolVersion {
        /// The height.
        height: u64,
        /// The version in force there.
        version: u32,
        /// The versions this build knows.
        supported: Vec<u32>,
    },
    /// The block time is not strictly after its parent's.
    #[error("block {height}: {source}: block time must strictly increase; refuse it")]
    StaleTime {
        /// Its height.
        height: u64,
        /// The two times.
        source: BlockTimeError,
    },
    /// The header does not commit to the body.
    #[error("block {height}: {source}: the body was altered after the header; refuse it")]
    Body {
        /// Its height.
        height: u64,
        /// What does not match.
        source: BlockError,
    },
    /// A piece of evidence the block carries is not acceptable.
    #[error("block {height}, evidence {index}: {source}; refuse the block")]
    Evidence {
        /// Its height.
        height: u64,
        /// The evidence's position in the block.
        index: usize,
        /// Why.
        source: InvalidEvidence,
    },
    /// The verifier could not read the validator set and time of a past
    /// height (its own storage failed): not the block's fault.
    #[error(
        "checking block {height}: reading height {evidence_height} failed: {error}; repair the verifier's storage and verify again"
    )]
    PastHeightUnreadable {
        /// The block's height.
        height: u64,
        /// The height of the evidence that needed it.
        evidence_height: u64,
        /// The storage's description.
        error: StorageError,
    },
    /// The certificate the block carries for its parent does not make the
    /// parent final.
    #[error(
        "block {height}: its last commit does not certify block {parent_height}: {source}; refuse it"
    )]
    LastCommit {
        /// Its height.
        height: u64,
        /// The parent's height.
        parent_height: u64,
        /// Why.
        source: CertificateError,
    },
    /// The certificate does not make this block final.
    #[error("block {height}: certificate refused: {source}; the block is not final, refuse it")]
    Certificate {
        /// Its height.
        height: u64,
        /// Why.
        source: CertificateError,
    },
}

impl VerifyError {
    /// Whether the error proves the block (or whoever sent it) wrong; `false`
    /// when the verifier itself cannot go on (its storage failed, or it does
    /// not know the protocol version in force).
    pub fn is_invalid_block(&self) -> bool {
        !matches!(
            self,
            VerifyError::UnsupportedProtocolVersion { .. }
                | VerifyError::PastHeightUnreadable { .. }
        )
    }
}
