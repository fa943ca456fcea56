//! The mempool: which transactions a node accepts, and in what order it
//! proposes them.
//!
//! Admission ([`Mempool::admit_batch`]) decodes strictly, runs the civic
//! admission checks (size, chain id, expiry, key or multisig authorisation),
//! places the sequence (the account's next one, or a bounded number ahead),
//! drops duplicates, checks there is room, and verifies the signatures of what
//! is left by the ZIP-215 rule in batches of at most
//! [`SIGNATURE_SUB_BATCH_MAX`] signatures, split over the machine's cores.
//! Every rejection carries a typed [`Rejection`] whose text RPC returns to the
//! submitter and whose [`Fault`] says who is to blame. Verified transactions
//! are remembered by the hash of their body *and* signatures, so block
//! validation ([`Mempool::verify_block_signatures`]) verifies each signature
//! once per node and every node reaches the same verdict.
//!
//! The pool is bounded per account and in total, and signers the state does
//! not know (fresh keys, `civitas_civic::is_known_account`) may hold at most
//! `unknown_transactions_max` of it and never push out a known signer. When
//! full, the account of the newcomer's class holding the most gives up its last
//! transaction first (an index by queue length finds it). Blocks are built
//! ([`Mempool::select`]) round-robin across accounts, known signers first in
//! each round, at most `unknown_per_block_max` transactions of unknown signers
//! per block; after a commit ([`Mempool::on_commit`]) included, stale and
//! expired transactions leave and the rest are re-checked. docs/mempool.md
//! states the rules.

mod pool;
mod queues;
mod rejection;
mod selection;
mod signatures;
mod verified;

pub use pool::{Mempool, MempoolConfig, UNKNOWN_PER_BLOCK_MAX, UNKNOWN_TRANSACTIONS_MAX};
pub use rejection::{Fault, InvalidSignatures, MempoolFault, Rejection};
pub use signatures::{REPLAY_SUB_BATCH_MAX, SIGNATURE_SUB_BATCH_MAX};
