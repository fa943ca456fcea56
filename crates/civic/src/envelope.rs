//! Envelope checks, shared by the mempool and block validation.
//!
//! A transaction failing these is not includable: a block containing it is
//! invalid. They run in this order: size, chain id, expiry, signer
//! authorisation, sequence. Signatures themselves are verified (ZIP-215, in batches) by the
//! caller before these checks; here we decide whether the *keys* that signed
//! authorise the signer account.

use civitas_types::{AccountId, ChainId, SignedTransaction};

use crate::handler::BlockContext;
use crate::keys;
use crate::model::{AccountState, MultisigPolicy};
use crate::state::{Overlay, StateFault, StateRead};

/// Largest encoded transaction accepted, in bytes: the one transaction limit,
/// defined in `civitas_types::limits` (civic actions are far smaller: the
/// largest, a record with 16 metadata references of 64 bytes, is about 1.3 KiB).
/// Decoding already refuses a larger transaction; the envelope checks it again
/// for transactions built in memory.
pub use civitas_types::limits::TRANSACTION_BYTES_MAX;

/// Why a transaction cannot be included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Larger than [`TRANSACTION_BYTES_MAX`].
    #[error("the transaction is {size} bytes, more than the {TRANSACTION_BYTES_MAX}-byte limit")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Signed for another network.
    #[error("the transaction is for chain `{found}`, this is `{expected}`")]
    WrongChain {
        /// This network.
        expected: ChainId,
        /// The transaction's.
        found: ChainId,
    },
    /// Its expiry height has passed.
    #[error("the transaction expired at height {expiry}, the block is at {height}")]
    Expired {
        /// Expiry height.
        expiry: u64,
        /// Block height.
        height: u64,
    },
    /// Not the account's next sequence number.
    #[error("sequence {found} is not the account's next one, {expected}")]
    WrongSequence {
        /// What the account expects.
        expected: u64,
        /// What the transaction carries.
        found: u64,
    },
    /// A single-key account signed by another key, or by several keys.
    #[error("a key account's transaction must carry exactly one signature, by its own key")]
    NotSignedByAccountKey,
    /// A multisig account's transaction lacks signatures, or has a non-member's.
    #[error(
        "the multisig account needs {threshold} member signatures, got {members} (and {strangers} by non-members)"
    )]
    MultisigNotSatisfied {
        /// Required.
        threshold: u8,
        /// Member signatures present.
        members: usize,
        /// Non-member signatures present.
        strangers: usize,
    },
    /// The state could not be read.
    #[error(transparent)]
    Corrupt(#[from] StateFault),
}

/// Checks everything but the signatures' validity; returns the account state.
pub fn check_envelope<S: StateRead>(
    state: &Overlay<'_, S>,
    transaction: &SignedTransaction,
    context: &BlockContext,
) -> Result<AccountState, EnvelopeError> {
    let account = check_admission(state, transaction, context)?;
    if transaction.body.sequence != account.next_sequence {
        return Err(EnvelopeError::WrongSequence {
            expected: account.next_sequence,
            found: transaction.body.sequence,
        });
    }
    Ok(account)
}

/// The envelope checks that do not depend on the exact next sequence, for a
/// mempool that also holds future sequences: size, chain id, expiry, and that
/// the signatures' keys authorise the signer. Returns the account state (its
/// `next_sequence` tells where the transaction stands).
pub fn check_admission<S: StateRead>(
    state: &Overlay<'_, S>,
    transaction: &SignedTransaction,
    context: &BlockContext,
) -> Result<AccountState, EnvelopeError> {
    let size = transaction.encoded_len();
    if size > TRANSACTION_BYTES_MAX {
        return Err(EnvelopeError::TooLarge { size });
    }
    let body = &transaction.body;
    if body.chain_id != context.chain_id {
        return Err(EnvelopeError::WrongChain {
            expected: context.chain_id.clone(),
            found: body.chain_id.clone(),
        });
    }
    if body.expiry_height < context.height {
        return Err(EnvelopeError::Expired {
            expiry: body.expiry_height,
            height: context.height,
        });
    }
    let account: AccountState = state.get(&keys::account(&body.signer))?.unwrap_or_default();
    check_authorisation(state, &body.signer, account.multisig, transaction)?;
    Ok(account)
}

fn check_authorisation<S: StateRead>(
    state: &Overlay<'_, S>,
    signer: &AccountId,
    multisig: bool,
    transaction: &SignedTransaction,
) -> Result<(), EnvelopeError> {
    let policy = if multisig {
        state.get::<MultisigPolicy>(&keys::multisig(signer))?
    } else {
        None
    };
    match policy {
        None => match &*transaction.signatures {
            [only] if only.public_key.0 == signer.0 => Ok(()),
            _ => Err(EnvelopeError::NotSignedByAccountKey),
        },
        Some(policy) => {
            // Signature keys are strictly increasing (enforced by decoding), so
            // each member is counted at most once.
            let members = transaction
                .signatures
                .iter()
                .filter(|s| policy.members.binary_search(&s.public_key).is_ok())
                .count();
            let strangers = transaction.signatures.len().saturating_sub(members);
            if members < usize::from(policy.threshold) || strangers > 0 {
                return Err(EnvelopeError::MultisigNotSatisfied {
                    threshold: policy.threshold,
                    members,
                    strangers,
                });
            }
            Ok(())
        }
    }
}
