//! Why an audit stopped: the height and a typed reason.

use civitas_civic::invariants::CheckError;
use civitas_engine::{EngineError, InvalidBlock};
use civitas_genesis::GenesisDocumentError;
use civitas_types::{CertificateError, DecodeError, Hash};

/// The first bad height of a chain, and what was wrong there.
#[derive(Debug, thiserror::Error)]
#[error("height {height}: {failure}")]
pub struct AuditError {
    /// The height of the block (or certificate) that failed.
    pub height: u64,
    /// What was wrong (boxed: results stay small on the happy path).
    pub failure: Box<AuditFailure>,
}

impl AuditError {
    /// `failure` at `height`.
    pub fn at(height: u64, failure: AuditFailure) -> AuditError {
        AuditError {
            height,
            failure: Box::new(failure),
        }
    }
}

/// What was wrong at a height.
#[derive(Debug, thiserror::Error)]
pub enum AuditFailure {
    /// The block is not the next of the chain, or not valid: a broken link,
    /// a root that is not what re-execution gives, a bad transaction
    /// signature, a wrong proposer or time, bad evidence…
    #[error("invalid block: {0}")]
    InvalidBlock(InvalidBlock),
    /// The genesis document breaks a genesis rule.
    #[error("invalid genesis: {0}")]
    Genesis(GenesisDocumentError),
    /// The block's bytes are not a block.
    #[error("the block does not decode: {0}")]
    Undecodable(DecodeError),
    /// The block's certificate does not make it final under the validator
    /// set in force at its height.
    #[error("invalid certificate: {0}")]
    Certificate(CertificateError),
    /// No certificate was given for the block.
    #[error("no certificate for the block")]
    MissingCertificate,
    /// A block was given out of order.
    #[error("expected the block of height {expected}, got {got}")]
    OutOfOrder {
        /// The height the audit was at.
        expected: u64,
        /// The height given.
        got: u64,
    },
    /// The state the chain reached breaks a civic law.
    #[error("a civic law is broken: {0}")]
    Law(CheckError),
    /// What a data directory keeps beside a block (its recorded state root,
    /// its receipts, its certificate) is not what the verified block says:
    /// a node serving from that store would answer falsely.
    #[error("the data directory's copy disagrees with the chain: {0}")]
    Stored(StoredMismatch),
    /// The snapshot an audit resumes from is not the chain's.
    #[error("the snapshot is not this chain's: {0}")]
    Snapshot(SnapshotMismatch),
    /// The auditor's own machinery failed (not a verdict on the chain).
    #[error("the audit itself failed: {0}")]
    Local(EngineError),
}

impl AuditFailure {
    /// Whether the failure is a verdict on the chain (as opposed to the
    /// auditor's own machinery failing).
    pub fn is_verdict(&self) -> bool {
        !matches!(self, AuditFailure::Local(_))
    }
}

/// How a data directory's derived data disagrees with the verified chain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoredMismatch {
    /// The state root the store recorded at the height is not the header's.
    #[error("the store records state root {stored}, the block's header says {header}")]
    StateRoot {
        /// The root the store recorded.
        stored: Hash,
        /// The verified header's `state_root`.
        header: Hash,
    },
    /// The stored receipts do not hash to the header's receipts root.
    #[error("the stored receipts hash to {stored}, the block's header says {header}")]
    ReceiptsRoot {
        /// The root of the stored receipt leaves.
        stored: Hash,
        /// The verified header's `receipts_root`.
        header: Hash,
    },
    /// The store has no receipts for the block.
    #[error("the store has no receipts for the block")]
    MissingReceipts,
    /// The stored certificate does not make the verified block final.
    #[error("the stored certificate is invalid: {0}")]
    Certificate(CertificateError),
}

/// Why a snapshot cannot start an audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotMismatch {
    /// Its block is of another chain or before the genesis height.
    #[error("its block is of another chain")]
    OtherChain,
    /// Its state is not the state its block's header names.
    #[error("its state does not hash to its block's state root")]
    StateRoot,
    /// Its block is signed by another set than the one in force at its height.
    #[error("its block names another validator set than the one in force at its height")]
    ValidatorSet,
    /// Its block announces another next set than the history gives.
    #[error("its block announces another next validator set than the validator-set history gives")]
    NextValidatorSet,
}
