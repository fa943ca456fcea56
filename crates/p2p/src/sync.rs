//! Block sync: the request-response messages, and the checks a node applies to a
//! fetched block before it executes it.
//!
//! A node that is behind asks a peer for its [`SyncStatus`], then for ranges of
//! blocks, each with the quorum certificate that made it final. Nothing fetched
//! is trusted: [`verify_synced_block`] checks the chain link, the body, and the
//! certificate's signatures and power against the validator set of that height,
//! which the caller knows from executing the blocks before it.

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{
    Block, BlockError, CertificateError, ChainId, Hash, QuorumCertificate, ValidatorSet,
};

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

/// A block with the certificate that made it final.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SyncedBlock {
    /// The block.
    pub block: Block,
    /// Its quorum certificate.
    pub certificate: QuorumCertificate,
}

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

/// Why a fetched block is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The block belongs to another chain.
    #[error("block for chain {found}, expected {expected}")]
    WrongChain {
        /// Ours.
        expected: ChainId,
        /// The block's.
        found: ChainId,
    },
    /// Not the height asked for.
    #[error("block at height {found}, expected {expected}")]
    WrongHeight {
        /// The next height.
        expected: u64,
        /// The block's.
        found: u64,
    },
    /// Does not extend our last block.
    #[error("block {height} does not extend our last block")]
    WrongParent {
        /// Its height.
        height: u64,
    },
    /// Signed by another validator set than the one of this height.
    #[error("block {height} names another validator set than ours for that height")]
    WrongValidators {
        /// Its height.
        height: u64,
    },
    /// The header does not commit to the body.
    #[error("block {height}: {source}")]
    Body {
        /// Its height.
        height: u64,
        /// What does not match.
        source: BlockError,
    },
    /// The certificate does not make this block final.
    #[error("block {height}: certificate refused: {source}")]
    Certificate {
        /// Its height.
        height: u64,
        /// Why.
        source: CertificateError,
    },
}

/// Checks that `synced` is block `height` of `chain_id`, extends `parent`, and is
/// final under `validators`; returns its hash (the next block's parent).
pub fn verify_synced_block(
    chain_id: &ChainId,
    validators: &ValidatorSet,
    height: u64,
    parent: &Hash,
    synced: &SyncedBlock,
) -> Result<Hash, SyncError> {
    let header = &synced.block.header;
    if header.chain_id != *chain_id {
        return Err(SyncError::WrongChain {
            expected: chain_id.clone(),
            found: header.chain_id.clone(),
        });
    }
    if header.height != height {
        return Err(SyncError::WrongHeight {
            expected: height,
            found: header.height,
        });
    }
    if header.previous_block_hash != *parent {
        return Err(SyncError::WrongParent { height });
    }
    if header.validators_hash != validators.hash() {
        return Err(SyncError::WrongValidators { height });
    }
    synced
        .block
        .check_body()
        .map_err(|source| SyncError::Body { height, source })?;
    let hash = synced.block.hash();
    synced
        .certificate
        .verify(chain_id, height, &hash, validators)
        .map_err(|source| SyncError::Certificate { height, source })?;
    Ok(hash)
}
