//! Civitas types: the data every other crate speaks, and its exact bytes.
//!
//! This crate owns the consensus-critical formats: the canonical borsh encoding
//! ([`codec`]), domain-separated SHA-256 hashing ([`hash`]), ed25519 keys with
//! ZIP-215 verification ([`crypto`]), account addresses ([`account`]), the signed
//! transaction envelope ([`transaction`]), validator sets, votes, proposals,
//! quorum certificates, evidence, blocks and headers, the block limits a block
//! must keep ([`block_limits`]), the block-time rule ([`block_time`]), the
//! Merkle trees whose roots headers carry ([`merkle`]), and the state proofs
//! checked against a header's state root ([`state_proof`]). It is pure: no I/O,
//! no clock, no ambient randomness. docs/protocol.md describes every byte.

pub mod account;
pub mod block;
pub mod block_limits;
pub mod block_time;
pub mod certificate;
pub mod chain_id;
pub mod codec;
pub mod crypto;
pub mod evidence;
pub mod hash;
pub mod limits;
pub mod merkle;
pub mod receipt_leaves;
pub mod state_proof;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod transaction;
pub mod validator;
pub mod verifier;
pub mod vote;

pub use account::{AccountId, ParseAccountError};
pub use block::{Block, BlockError, Header, PROTOCOL_VERSION};
pub use block_limits::{BlockLimits, BlockLimitsError, BlockOverLimit, TransactionBudget};
pub use block_time::{
    BlockTimeError, TimeParams, TimeParamsError, check_after_parent, check_timely, next_block_time,
    proposer_wait_ms,
};
pub use certificate::{CertificateError, CommitSignature, QuorumCertificate};
pub use chain_id::{ChainId, ChainIdError};
pub use codec::{BoundedBytes, BoundedVec, DecodeError, decode, encode, encoded_len};
pub use crypto::{
    BatchFailure, BatchVerifier, PublicKey, Signature, SignatureError, SigningKey, verify,
    verify_digest,
};
pub use evidence::{
    DuplicateVoteEvidence, Evidence, EvidenceError, EvidenceParams, EvidenceParamsError,
    EvidenceRejection, Inclusion, Offence, OffenceHeight,
};
pub use hash::{Domain, Hash};
pub use merkle::{MerkleError, MerkleProof, MerkleTree};
pub use state_proof::{StateProof, StateProofError, verify_state};
pub use transaction::{SignedTransaction, TransactionBody, TransactionError, TransactionSignature};
pub use validator::{Validator, ValidatorSet, ValidatorSetError};
pub use verifier::{SignatureVerifier, Zip215Verifier};
pub use vote::{Proposal, SignedProposal, SignedVote, Vote, VoteType};
