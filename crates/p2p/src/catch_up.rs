//! Catching up: fetches the blocks a node is missing from its peers, verifies each
//! against the chain the node already has, and hands it to the application to
//! execute and commit.
//!
//! Peers are asked in the order given. A peer that answers badly (timeout, refusal,
//! nothing to offer) is passed over for this round; a peer that sends a block that
//! fails [`verify_synced_block`] is reported to the network (disconnected and
//! banned) and not asked again. The catch-up ends when a whole round of peers
//! brings no new block.
//!
//! Faults are told apart: a peer's (an invalid block) is in the
//! [`CatchUpReport`] and the peer is banned; this node's own (a final block its
//! application cannot apply, a stopped network) is a [`CatchUpError`] that stops
//! the catch-up for the operator to see.

use civitas_types::{ChainId, Hash, ValidatorSet};
use libp2p::PeerId;

use crate::messages::Misbehaviour;
use crate::sync::{SyncRequest, SyncResponse, SyncedBlock, VerifyError, verify_synced_block};
use crate::{NetworkHandle, P2pError};

/// The chain a node is catching up: what it has, and how to extend it.
pub trait SyncTarget {
    /// Why a verified block could not be applied.
    type Error: std::error::Error + Send + Sync + 'static;
    /// The chain.
    fn chain_id(&self) -> ChainId;
    /// The last committed height.
    fn height(&self) -> u64;
    /// The hash of the last committed block (the genesis hash at height 0).
    fn last_block_hash(&self) -> Hash;
    /// The validator set that signs height `height() + 1`, known from executing
    /// the blocks before it.
    fn next_validators(&self) -> ValidatorSet;
    /// Executes and commits a block that [`verify_synced_block`] accepted. An
    /// error stops the catch-up: a final block that does not execute to its own
    /// header is not a peer's fault but a fork or a bug, for an operator to see.
    fn apply(&mut self, synced: SyncedBlock) -> Result<(), Self::Error>;
}

/// What a catch-up did.
#[derive(Debug, Default)]
pub struct CatchUpReport {
    /// Blocks applied.
    pub applied: u64,
    /// Peers that sent a block that failed verification, and why; each was
    /// reported to the network.
    pub faulty: Vec<(PeerId, VerifyError)>,
}

/// Why a catch-up stopped before no peer was ahead: always this node's own
/// failure, never a peer's.
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError<E: std::error::Error + 'static> {
    /// A verified block could not be applied.
    #[error(
        "block {height} is final but could not be applied; the node stops syncing so an operator can look"
    )]
    Apply {
        /// Its height.
        height: u64,
        /// The application's reason.
        #[source]
        source: E,
    },
    /// The network task stopped.
    #[error(transparent)]
    Network(#[from] P2pError),
}

/// How one peer's turn ended.
enum Turn {
    /// It has nothing more to give now (or failed to answer).
    Done,
    /// It sent an invalid block.
    Faulty(VerifyError),
}

/// Fetches, verifies and applies blocks from `peers` until none of them is ahead,
/// asking for `batch` blocks at a time.
pub async fn catch_up<T: SyncTarget>(
    network: &NetworkHandle,
    peers: &[PeerId],
    target: &mut T,
    batch: u16,
) -> Result<CatchUpReport, CatchUpError<T::Error>> {
    let mut report = CatchUpReport::default();
    loop {
        let before = report.applied;
        for peer in peers {
            if report.faulty.iter().any(|(faulty, _)| faulty == peer) {
                continue;
            }
            if let Turn::Faulty(error) =
                sync_from(network, *peer, target, batch, &mut report).await?
            {
                tracing::warn!(%peer, %error, "peer sent an invalid block; banning it");
                network
                    .report(*peer, Misbehaviour::InvalidBlock(error.clone()))
                    .await?;
                report.faulty.push((*peer, error));
            }
        }
        if report.applied == before {
            return Ok(report);
        }
    }
}

/// Takes blocks from `peer` while it is ahead.
async fn sync_from<T: SyncTarget>(
    network: &NetworkHandle,
    peer: PeerId,
    target: &mut T,
    batch: u16,
    report: &mut CatchUpReport,
) -> Result<Turn, CatchUpError<T::Error>> {
    let status = match ask(network, peer, SyncRequest::Status).await? {
        Some(SyncResponse::Status(status)) => status,
        _ => return Ok(Turn::Done),
    };
    while target.height() < status.height {
        let from = target.height().saturating_add(1);
        if from < status.first_height {
            tracing::debug!(%peer, from, first = status.first_height, "peer has pruned the blocks we need");
            return Ok(Turn::Done);
        }
        let blocks = match ask(network, peer, SyncRequest::Blocks { from, limit: batch }).await? {
            Some(SyncResponse::Blocks(blocks)) if !blocks.is_empty() => blocks,
            _ => return Ok(Turn::Done),
        };
        if blocks.len() > usize::from(batch) {
            tracing::warn!(%peer, sent = blocks.len(), batch, "peer sent more blocks than asked");
        }
        for synced in blocks.into_iter().take(usize::from(batch)) {
            let height = target.height().saturating_add(1);
            // The target may have moved on by itself meanwhile (consensus
            // committed while the batch was in flight): blocks it already
            // has are skipped, not held against the peer that sent them.
            if synced.block.header.height < height {
                continue;
            }
            let checked = verify_synced_block(
                &target.chain_id(),
                &target.next_validators(),
                height,
                &target.last_block_hash(),
                &synced,
            );
            if let Err(error) = checked {
                return Ok(Turn::Faulty(error));
            }
            target
                .apply(synced)
                .map_err(|source| CatchUpError::Apply { height, source })?;
            report.applied = report.applied.saturating_add(1);
        }
    }
    Ok(Turn::Done)
}

/// Asks `peer`; a failed request (timeout, closed connection) is `None`, a
/// stopped network an error.
async fn ask(
    network: &NetworkHandle,
    peer: PeerId,
    request: SyncRequest,
) -> Result<Option<SyncResponse>, P2pError> {
    match network.request(peer, request).await {
        Ok(response) => {
            if let SyncResponse::Refused(reason) = &response {
                tracing::debug!(%peer, %reason, "sync request refused");
            }
            Ok(Some(response))
        }
        Err(P2pError::Stopped) => Err(P2pError::Stopped),
        Err(error) => {
            tracing::debug!(%peer, %error, "sync request failed");
            Ok(None)
        }
    }
}
