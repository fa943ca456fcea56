//! Why a transaction was not admitted.

use civitas_civic::EnvelopeError;
use civitas_types::DecodeError;

/// A refusal, with a reason for the submitter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Larger than the transaction size limit before decoding.
    #[error("the transaction is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a canonical transaction encoding.
    #[error("the transaction does not decode: {0}")]
    Malformed(DecodeError),
    /// A civic admission check failed (chain, expiry, authorisation…).
    #[error("{0}")]
    Envelope(EnvelopeError),
    /// The sequence number is already used.
    #[error("sequence {found} is already used; the account's next is {expected}")]
    StaleSequence {
        /// The account's next sequence.
        expected: u64,
        /// The transaction's.
        found: u64,
    },
    /// The sequence number is too far ahead of the account's next one.
    #[error("sequence {found} is more than {ahead_max} ahead of the account's next, {expected}")]
    TooFarAhead {
        /// The account's next sequence.
        expected: u64,
        /// The transaction's.
        found: u64,
        /// How far ahead is allowed.
        ahead_max: u64,
    },
    /// The same transaction id, or another transaction with this sequence, is pending.
    #[error("a transaction with this id or sequence is already pending")]
    Duplicate,
    /// A signature does not verify (ZIP-215).
    #[error("a signature does not verify")]
    BadSignature,
    /// The account already has as many pending transactions as allowed.
    #[error("the account already has {0} pending transactions; wait for some to be included")]
    AccountFull(usize),
    /// The pool is full and this account holds more than its share.
    #[error("the mempool is full; try again later")]
    PoolFull,
}
