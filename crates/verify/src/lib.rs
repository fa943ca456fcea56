//! Civitas verification: the checks anyone can run on a block received from
//! elsewhere — a peer during block sync, a file, an RPC answer — without
//! trusting whoever sent it, and without a database or a network.
//!
//! - [`verify_synced_block`] ([`block`]): chain, height, parent link, validator
//!   set, body against header, certificate signatures and power. Block sync
//!   (crates/p2p) calls it on every fetched block.
//! - [`verify_block`]: all of that, plus the validator set the parent
//!   announced, the proposer, the protocol version, block time after the
//!   parent's, the evidence, and the parent's certificate the block carries.
//! - [`ChainVerifier`] ([`chain`]): walks a chain from its genesis, block by
//!   block; the whole-chain audit grows from it.
//!
//! Every refusal is a [`VerifyError`] naming what was wrong and at which
//! height. Pure: no I/O, no clock, no randomness; what the verifier trusts
//! (the genesis, the validator sets in force, past heights) is an argument.
//! docs/verification.md is the auditor's description.

pub mod block;
pub mod chain;
mod error;
mod evidence;

pub use block::{
    CertifiedBlock, Expected, InForce, Parent, verify_block, verify_proposed_block,
    verify_synced_block,
};
pub use chain::{ChainStart, ChainVerifier};
pub use civitas_civic::evidence::{
    InvalidEvidence, MemoryValidatorSets, NoPastHeights, PastHeight, ValidatorSets,
};
pub use error::VerifyError;
