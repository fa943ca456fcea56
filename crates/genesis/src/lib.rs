//! The genesis document of a Civitas network: what its first state and its
//! consensus rules are, agreed by every collectivity before block 1.
//!
//! - [`GenesisDocument`] ([`document`]): the canonical form, borsh-encoded; its
//!   hash ([`GenesisDocument::hash`], domain `Genesis`) is the
//!   `previous_block_hash` of the first block, so every header commits to it.
//! - [`GenesisDocument::check`] ([`check`]): every rule a genesis must keep, each
//!   refusal a [`GenesisDocumentError`] that says what to fix; it returns the
//!   civic state and the validator set the chain starts with.
//! - [`file`]: the readable JSON form operators write and review, converted to
//!   the canonical form and back exactly.
//!
//! The node's devnet and localnet and the CLI's `civitas genesis` commands all
//! use this crate, so there is one definition of a valid genesis. It is pure:
//! no I/O, no clock (the genesis time is a field), no randomness.
//! docs/genesis.md describes every byte.

pub mod check;
pub mod document;
pub mod file;

pub use check::{CheckedGenesis, GenesisDocumentError};
pub use document::{ConsensusParameters, GenesisDocument, GenesisGrant, GenesisNamespace};
pub use file::{GenesisFileError, from_json, to_json};
