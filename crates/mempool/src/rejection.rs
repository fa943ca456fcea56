//! Why a transaction was not admitted, whose fault that is, and the mempool's
//! own failures.

use civitas_civic::{EnvelopeError, StateFault};
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
    /// A civic admission check failed (chain, expiry, authorisation…). Never
    /// `EnvelopeError::Corrupt`: that one is [`Rejection::StateUnavailable`].
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
    /// The pool is full and no account holds more than its share.
    #[error("the mempool is full; try again later")]
    PoolFull,
    /// The part of the pool open to signers the state does not know yet is full.
    #[error(
        "the mempool holds its maximum of {0} transactions from accounts the chain does not know yet; try again later"
    )]
    UnknownSignersFull(usize),
    /// This node could not read its state: its own fault, not the submitter's.
    #[error("this node cannot read its state: {0}")]
    StateUnavailable(StateFault),
}

/// Who is to blame for a rejection: what gossip does with the peer that sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The transaction is invalid whenever it is judged: whoever sent it is at
    /// fault (a peer's score drops).
    Sender,
    /// Valid, or possibly valid, but not admitted now (full, duplicate, stale,
    /// expired while relayed): nobody is to blame.
    Nobody,
    /// This node failed (its state is unreadable): the operator must look; the
    /// sender is not to blame.
    Local,
}

impl Rejection {
    /// Whose fault the rejection is.
    pub fn fault(&self) -> Fault {
        match self {
            Rejection::TooLarge { .. } | Rejection::Malformed(_) | Rejection::BadSignature => {
                Fault::Sender
            }
            Rejection::Envelope(error) => envelope_fault(error),
            Rejection::StaleSequence { .. }
            | Rejection::TooFarAhead { .. }
            | Rejection::Duplicate
            | Rejection::AccountFull(_)
            | Rejection::PoolFull
            | Rejection::UnknownSignersFull(_) => Fault::Nobody,
            Rejection::StateUnavailable(_) => Fault::Local,
        }
    }

    /// The rejection for a failed civic admission check: a state fault is the
    /// node's, everything else the transaction's.
    pub(crate) fn from_envelope(error: EnvelopeError) -> Rejection {
        match error {
            EnvelopeError::Corrupt(fault) => Rejection::StateUnavailable(fault),
            error => Rejection::Envelope(error),
        }
    }
}

fn envelope_fault(error: &EnvelopeError) -> Fault {
    match error {
        // A transaction may expire, or its sequence be used, while it travels.
        EnvelopeError::Expired { .. } | EnvelopeError::WrongSequence { .. } => Fault::Nobody,
        EnvelopeError::Corrupt(_) => Fault::Local,
        EnvelopeError::TooLarge { .. }
        | EnvelopeError::WrongChain { .. }
        | EnvelopeError::NotSignedByAccountKey
        | EnvelopeError::MultisigNotSatisfied { .. } => Fault::Sender,
    }
}

/// The mempool could not do its work because of this node, not of any input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MempoolFault {
    /// The state could not be read or decoded.
    #[error("the mempool cannot read the state: {0}")]
    StateUnavailable(#[from] StateFault),
}

/// Transactions of a block whose signatures do not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "transactions at positions {positions:?} of the block carry a signature that does not verify"
)]
pub struct InvalidSignatures {
    /// Their positions in the block, increasing.
    pub positions: Vec<usize>,
}
