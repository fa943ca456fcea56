//! The mempool: which transactions a node accepts, and in what order it
//! proposes them.
//!
//! Admission ([`Mempool::admit_batch`]) decodes strictly, runs the civic
//! admission checks (size, chain id, expiry, key or multisig authorisation),
//! places the sequence (the account's next one, or a bounded number ahead),
//! drops duplicates, and verifies all the batch's signatures at once by the
//! ZIP-215 rule, split over the machine's cores. Every rejection carries a
//! [`Rejection`] whose text RPC returns to the submitter. Verified ids are
//! remembered ([`Mempool::is_verified`]) so block validation never verifies the
//! same signature twice. The pool is bounded per account and in total; when full,
//! the account holding the most transactions gives up its last one first, so a
//! flood from one account cannot push others out. Blocks are built
//! ([`Mempool::select`]) round-robin across accounts, each account's
//! transactions in sequence order; after a commit ([`Mempool::on_commit`])
//! included, stale and expired transactions leave and the rest are re-checked.

mod pool;
mod rejection;
mod verified;

pub use pool::{Mempool, MempoolConfig};
pub use rejection::Rejection;
