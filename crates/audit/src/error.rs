//! Why an audit stopped: the height and a typed reason.

use civitas_civic::invariants::CheckError;
use civitas_engine::{EngineError, InvalidBlock};
use civitas_genesis::GenesisDocumentError;
use civitas_types::{CertificateError, DecodeError};

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
