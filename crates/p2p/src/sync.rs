//! Block sync: the request-response messages.
//!
//! A node that is behind asks a peer for its [`SyncStatus`], then for ranges of
//! blocks, each with the quorum certificate that made it final. Nothing fetched
//! is trusted: [`verify_synced_block`] (from `civitas-verify`, so the auditor and
//! the CLI run the same checks without linking libp2p) checks the chain link,
//! the body, and the certificate's signatures and power against the validator
//! set of that height, which the caller knows from executing the blocks before it.

use borsh::{BorshDeserialize, BorshSerialize};

pub use civitas_verify::{VerifyError, verify_synced_block};

/// A sync request.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum SyncRequest {
    /// What heights the peer can serve.
    Status = 0,
    /// Up to `limit` consecutive blocks starting at `from`.
    Blocks {
        /// First height wanted.
        from: u64,
        /// Most blocks wanted (the server may send fewer).
        limit: u16,
    } = 1,
}

/// The heights a peer can serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SyncStatus {
    /// Its last committed height.
    pub height: u64,
    /// The lowest height it still stores.
    pub first_height: u64,
}

/// A block with the certificate that made it final: `civitas-verify`'s
/// [`CertifiedBlock`](civitas_verify::CertifiedBlock), the same bytes.
pub type SyncedBlock = civitas_verify::CertifiedBlock;

/// A sync response.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum SyncResponse {
    /// Answer to [`SyncRequest::Status`].
    Status(SyncStatus) = 0,
    /// Consecutive blocks from the requested height (empty if it has none).
    Blocks(Vec<SyncedBlock>) = 1,
    /// The request was not served, and why.
    Refused(Refusal) = 2,
}

/// Why a server did not answer a sync request. Deliberately coarse: a server's
/// own failures stay in its logs, a peer only learns whether to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, thiserror::Error)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Refusal {
    /// The requester asked more often than the server's per-peer rate allows;
    /// retry later.
    #[error("rate limit: retry later")]
    RateLimited = 0,
    /// The server could not read the blocks (its own fault); ask another peer.
    #[error("the server cannot read these blocks now")]
    Unavailable = 1,
}
