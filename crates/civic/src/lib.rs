//! The Civitas civic state machine: what the chain is for.
//!
//! Given the state after the previous block and a block's transactions (their
//! signatures already verified), [`execute_block`] produces the state writes, a
//! receipt per transaction with a stable error code on failure, and typed events.
//! Pure and deterministic: no clock but the block's time, no randomness, no
//! floating point, ordered maps only, checked arithmetic. The rules are those of
//! ../shared/PRODUCT.md; docs/civic-transactions.md describes each action.
//!
//! Built so far: envelope checks (chain, expiry, sequence, key and multisig
//! authorisation), identity (multisig accounts, resident enrolment, roles with
//! scopes, time-bounded delegations), governance (council proposals, weighted
//! votes, execution, quorum safety, validator-set changes, protocol upgrades
//! scheduled for a height: [`upgrade`]), social aid
//! (programmes, orders executed by a different accountant, spending,
//! redemption, closing, the conservation law) and registries (register, amend
//! with history, transfer with or without approval, revoke; metadata typed by
//! the fields each namespace declares), with recurring
//! disbursements ordered by a block hook, and the energy community (orders until
//! gate closure, double-auction clearing hook, attestations, settlement per meter
//! and side). Blocks' evidence of validator misbehaviour is checked and
//! recorded for the council ([`evidence`]). [`invariants`] holds the laws an
//! auditor checks after every block.

pub mod accounts;
pub mod action;
pub mod aid;
pub mod authority;
pub mod clearing;
pub mod clearing_queue;
pub mod closing;
pub mod codes;
pub mod duties;
pub mod energy;
pub mod envelope;
pub mod evidence;
pub mod executor;
pub mod figures;
pub mod genesis;
pub mod governance;
pub mod handler;
pub mod identity;
pub mod invariants;
pub mod keys;
pub mod metadata;
pub mod model;
pub mod pseudonyms;
pub mod receipt;
pub mod recurring;
pub mod registry;
pub mod state;
pub mod upgrade;

pub use accounts::{UNKNOWN_SIGNERS_PER_BLOCK_MAX, account_sequence, is_known_account};
pub use action::Action;
pub use codes::Code;
pub use envelope::{EnvelopeError, check_admission, check_envelope};
pub use evidence::{BlockEvidence, InvalidEvidence, MemoryValidatorSets, ValidatorSets};
pub use executor::{BlockExecutionError, BlockOutcome, execute_block};
pub use genesis::{GenesisError, GenesisGrant, GenesisState};
pub use handler::{BlockContext, Failure, Outcome};
pub use receipt::{Event, Receipt};
pub use state::{MemoryState, Overlay, StateFault, StateRead, StorageError};
pub use upgrade::{SUPPORTED_PROTOCOL_VERSIONS, VersionError};
