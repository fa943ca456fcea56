//! Block limits: the consensus parameter bounding a block's size, and the
//! budget a proposer fills.
//!
//! [`BlockLimits`] is set in the genesis document (consensus parameters) and is
//! the same for every validator: a block whose canonical encoding is longer than
//! `block_bytes_max`, or that carries more than `transactions_max` transactions,
//! is invalid ([`BlockLimits::check`]). The values themselves are bounded by the
//! format's hard ceilings in [`crate::limits`], checked by
//! [`BlockLimits::validate`] and on decoding. A proposer turns the limits into a
//! [`TransactionBudget`] (bytes and count left once the header, evidence and
//! certificate are counted) and fills it from its mempool, so the block it
//! proposes is always within the limits. docs/protocol.md, "Block limits".

use borsh::{BorshDeserialize, BorshSerialize};

use crate::block::Block;
use crate::codec::{DecodeError, encoded_len};
use crate::limits::{BLOCK_BYTES_MAX, BLOCK_BYTES_MIN, BLOCK_TRANSACTIONS_MAX};

/// Default `block_bytes_max`: 4 MiB, about 250 largest transactions or
/// thousands of ordinary civic actions (a few hundred bytes each).
pub const DEFAULT_BLOCK_BYTES_MAX: u32 = 4 * 1024 * 1024;
/// Default `transactions_max`: bounds per-block execution work (each transaction
/// costs a signature verification and state reads) whatever their size.
pub const DEFAULT_TRANSACTIONS_MAX: u32 = 10_000;

/// The size limits of a block; a consensus parameter.
///
/// Encoding (borsh): `block_bytes_max: u32`, `transactions_max: u32` (8 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize)]
pub struct BlockLimits {
    /// Largest canonical encoding of a whole block (header, transactions,
    /// evidence, last commit), in bytes; from [`BLOCK_BYTES_MIN`] to [`BLOCK_BYTES_MAX`].
    pub block_bytes_max: u32,
    /// Most transactions in a block; from 1 to [`BLOCK_TRANSACTIONS_MAX`].
    pub transactions_max: u32,
}

impl Default for BlockLimits {
    fn default() -> Self {
        BlockLimits {
            block_bytes_max: DEFAULT_BLOCK_BYTES_MAX,
            transactions_max: DEFAULT_TRANSACTIONS_MAX,
        }
    }
}

/// Why block limits cannot be a consensus parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlockLimitsError {
    /// `block_bytes_max` is above the format's ceiling.
    #[error(
        "block_bytes_max {value} is above the ceiling of {BLOCK_BYTES_MAX} bytes; choose a smaller block size"
    )]
    BlockBytesAboveCeiling {
        /// The value given.
        value: u32,
    },
    /// `block_bytes_max` is below the floor that always fits a largest transaction.
    #[error(
        "block_bytes_max {value} is below the floor of {BLOCK_BYTES_MIN} bytes, which leaves room for one largest transaction; choose a larger block size"
    )]
    BlockBytesBelowFloor {
        /// The value given.
        value: u32,
    },
    /// `transactions_max` is zero or above the format's ceiling.
    #[error(
        "transactions_max {value} is outside 1..={BLOCK_TRANSACTIONS_MAX}; choose a count in that range"
    )]
    TransactionsOutOfRange {
        /// The value given.
        value: u32,
    },
}

/// Why a block is invalid under the block limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlockOverLimit {
    /// The block's encoding is longer than `block_bytes_max`.
    #[error("the block is {size} bytes, more than the {limit}-byte block limit")]
    Bytes {
        /// The block's encoded length.
        size: usize,
        /// `block_bytes_max`.
        limit: u32,
    },
    /// The block carries more transactions than `transactions_max`.
    #[error("the block carries {count} transactions, more than the limit of {limit}")]
    Transactions {
        /// Transactions in the block.
        count: usize,
        /// `transactions_max`.
        limit: u32,
    },
}

impl BlockLimits {
    /// Checks the values against the format's floor and ceilings.
    pub fn validate(&self) -> Result<(), BlockLimitsError> {
        if self.block_bytes_max > BLOCK_BYTES_MAX {
            return Err(BlockLimitsError::BlockBytesAboveCeiling {
                value: self.block_bytes_max,
            });
        }
        if self.block_bytes_max < BLOCK_BYTES_MIN {
            return Err(BlockLimitsError::BlockBytesBelowFloor {
                value: self.block_bytes_max,
            });
        }
        let transactions_ok = usize::try_from(self.transactions_max)
            .is_ok_and(|count| (1..=BLOCK_TRANSACTIONS_MAX).contains(&count));
        if !transactions_ok {
            return Err(BlockLimitsError::TransactionsOutOfRange {
                value: self.transactions_max,
            });
        }
        Ok(())
    }

    /// Checks `block` against the limits; a block over either is invalid.
    pub fn check(&self, block: &Block) -> Result<(), BlockOverLimit> {
        if !fits_u32(block.transactions.len(), self.transactions_max) {
            return Err(BlockOverLimit::Transactions {
                count: block.transactions.len(),
                limit: self.transactions_max,
            });
        }
        let size = encoded_len(block);
        if !fits_u32(size, self.block_bytes_max) {
            return Err(BlockOverLimit::Bytes {
                size,
                limit: self.block_bytes_max,
            });
        }
        Ok(())
    }

    /// The budget left for transactions in a block whose other parts encode to
    /// `fixed_bytes`: the encoded length of the block with an empty transaction
    /// list (see [`TransactionBudget::for_block`]).
    pub fn budget(&self, fixed_bytes: usize) -> TransactionBudget {
        let limit = usize::try_from(self.block_bytes_max).unwrap_or(usize::MAX);
        TransactionBudget {
            bytes_left: limit.saturating_sub(fixed_bytes),
            transactions_left: usize::try_from(self.transactions_max).unwrap_or(usize::MAX),
        }
    }
}

/// Whether `value` ≤ `limit`, without a lossy cast either way.
fn fits_u32(value: usize, limit: u32) -> bool {
    usize::try_from(limit).map_or(true, |limit| value <= limit)
}

impl BorshDeserialize for BlockLimits {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let limits = BlockLimits {
            block_bytes_max: u32::deserialize_reader(reader)?,
            transactions_max: u32::deserialize_reader(reader)?,
        };
        limits.validate().map_err(|error| {
            let reason = match error {
                BlockLimitsError::BlockBytesAboveCeiling { .. } => {
                    "block_bytes_max is above the 8 MiB ceiling"
                }
                BlockLimitsError::BlockBytesBelowFloor { .. } => {
                    "block_bytes_max is below the 256 KiB floor"
                }
                BlockLimitsError::TransactionsOutOfRange { .. } => {
                    "transactions_max is outside 1..=65536"
                }
            };
            DecodeError::NonCanonical {
                field: "block limits",
                reason,
            }
            .into_io()
        })?;
        Ok(limits)
    }
}

/// What is left for transactions in a block being proposed: bytes and count.
///
/// Adding transactions in order with [`TransactionBudget::take`] until it
/// refuses yields a block that [`BlockLimits::check`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransactionBudget {
    bytes_left: usize,
    transactions_left: usize,
}

impl TransactionBudget {
    /// The budget for `shell`, a block with every part but its transactions
    /// (its transaction list is ignored): `limits` minus the encoded length of
    /// the shell with no transactions.
    pub fn for_block(limits: &BlockLimits, shell: &Block) -> TransactionBudget {
        // Every transaction adds exactly its own encoding to the block: the
        // list's 4-byte count prefix is part of the fixed bytes.
        let transactions_bytes = shell
            .transactions
            .iter()
            .map(|transaction| transaction.encoded_len())
            .fold(0usize, usize::saturating_add);
        limits.budget(encoded_len(shell).saturating_sub(transactions_bytes))
    }

    /// A budget of `bytes` and `transactions` (tests and callers that count the
    /// fixed part themselves).
    pub fn new(bytes: usize, transactions: usize) -> TransactionBudget {
        TransactionBudget {
            bytes_left: bytes,
            transactions_left: transactions,
        }
    }

    /// Bytes left for transactions.
    pub fn bytes_left(&self) -> usize {
        self.bytes_left
    }

    /// Transactions that may still be added.
    pub fn transactions_left(&self) -> usize {
        self.transactions_left
    }

    /// Whether a transaction of `transaction_bytes` encoded bytes would fit.
    pub fn fits(&self, transaction_bytes: usize) -> bool {
        self.transactions_left > 0 && transaction_bytes <= self.bytes_left
    }

    /// Reserves room for a transaction of `transaction_bytes`; `false` (and
    /// nothing reserved) if it does not fit.
    pub fn take(&mut self, transaction_bytes: usize) -> bool {
        if !self.fits(transaction_bytes) {
            return false;
        }
        self.bytes_left = self.bytes_left.saturating_sub(transaction_bytes);
        self.transactions_left = self.transactions_left.saturating_sub(1);
        true
    }

    /// Whether no transaction at all can be added any more: the count is used
    /// up, or fewer bytes are left than the smallest possible transaction.
    pub fn is_exhausted(&self) -> bool {
        self.transactions_left == 0 || self.bytes_left < TRANSACTION_BYTES_MIN
    }
}

/// The smallest encoded transaction: a 1-byte chain id, an empty payload and one
/// signature. Below this many bytes left, no transaction can fit.
pub const TRANSACTION_BYTES_MIN: usize = 4 + 1 + 32 + 8 + 8 + 4 + 4 + 96;

#[cfg(test)]
mod tests;
