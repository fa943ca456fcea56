//! Catching up: every [`POLL`] the node asks its peers for their height; when
//! a peer is two or more blocks ahead, or one ahead for two polls in a row
//! while this node's height has not moved (consensus would have committed it
//! otherwise), it fetches the missing blocks with `civitas-p2p`'s verified
//! block sync and hands each to the engine thread as `Input::Synced`. From
//! the first verified block on, the engine thread holds back its votes and
//! proposals (they would be for heights its peers have decided) and
//! `/health` says the node is catching up.
//!
//! Gossip judges consensus messages only for the height being decided and
//! the next, so a node more than one block behind sees nothing else of the
//! chain: polling is what notices it, at start, after a restart, or after a
//! partition.

use std::sync::mpsc::Sender;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use civitas_p2p::{
    NetworkHandle, P2pError, PeerId, SyncRequest, SyncResponse, SyncTarget, SyncedBlock, catch_up,
};
use civitas_types::{ChainId, Hash, ValidatorSet};

use crate::driver::{Command, Snapshot};
use crate::outbox::SharedChainView;

/// How often peers' heights are polled.
pub const POLL: Duration = Duration::from_secs(1);

/// How long the engine thread may take to apply one synced block.
pub const APPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// Blocks asked for at a time.
const BATCH: u16 = 32;

/// Polls peers and catches up, until the network or the engine stops.
pub async fn run(
    network: NetworkHandle,
    view: SharedChainView,
    commands: Sender<Command>,
    snapshot: Arc<RwLock<Snapshot>>,
) {
    let mut interval = tokio::time::interval(POLL);
    let mut stalled_at: Option<u64> = None;
    loop {
        interval.tick().await;
        let Some(height) = committed_height(&view) else {
            return;
        };
        let ahead = match peers_ahead(&network, height).await {
            Ok(ahead) => ahead,
            Err(_) => return,
        };
        let far = ahead
            .iter()
            .any(|(_, peer_height)| *peer_height >= height.saturating_add(2));
        let stuck = !ahead.is_empty() && stalled_at == Some(height);
        stalled_at = (!ahead.is_empty()).then_some(height);
        if !(far || stuck) {
            continue;
        }
        let peers: Vec<PeerId> = ahead.into_iter().map(|(peer, _)| peer).collect();
        let Some(current) = Current::read(&view) else {
            return;
        };
        let mut target = EngineTarget {
            view: view.clone(),
            commands: commands.clone(),
            snapshot: Arc::clone(&snapshot),
            current,
            behind: false,
        };
        let outcome = catch_up(&network, &peers, &mut target, BATCH).await;
        if target.behind {
            show_catching_up(&snapshot, &commands, false);
        }
        match outcome {
            Ok(report) => {
                if report.applied > 0 {
                    tracing::info!(
                        applied = report.applied,
                        height = target.height(),
                        "caught up"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "catch-up stopped"),
        }
    }
}

/// `/health` says "not ready" while the node catches up, and the engine
/// thread holds its votes back. Only a verified block proves the node
/// behind: a peer that merely claims a higher height changes neither.
fn show_catching_up(snapshot: &RwLock<Snapshot>, commands: &Sender<Command>, catching_up: bool) {
    if let Ok(mut snapshot) = snapshot.write() {
        snapshot.catching_up = catching_up;
    }
    let _ = commands.send(Command::CatchingUp(catching_up));
}

fn committed_height(view: &SharedChainView) -> Option<u64> {
    view.read().ok().map(|view| view.height)
}

/// Connected peers whose committed height is above `height`.
async fn peers_ahead(network: &NetworkHandle, height: u64) -> Result<Vec<(PeerId, u64)>, P2pError> {
    let mut ahead = Vec::new();
    for peer in network.connected_peers().await? {
        match network.request(peer, SyncRequest::Status).await {
            Ok(SyncResponse::Status(status)) if status.height > height => {
                ahead.push((peer, status.height));
            }
            Err(P2pError::Stopped) => return Err(P2pError::Stopped),
            _ => {}
        }
    }
    Ok(ahead)
}

/// The engine's chain as catch-up extends it.
struct EngineTarget {
    view: SharedChainView,
    commands: Sender<Command>,
    snapshot: Arc<RwLock<Snapshot>>,
    current: Current,
    /// Whether a verified block has shown this node behind.
    behind: bool,
}

/// Why a verified block was not applied: this node's failure.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The engine thread has stopped.
    #[error("the engine thread has stopped")]
    EngineStopped,
    /// It did not answer in time.
    #[error("the engine did not apply the block within {0:?}")]
    Timeout(Duration),
    /// It answered that the block was not committed.
    #[error("{0}")]
    NotCommitted(String),
}

impl SyncTarget for EngineTarget {
    type Error = ApplyError;

    fn chain_id(&self) -> ChainId {
        self.current.chain_id.clone()
    }

    fn height(&self) -> u64 {
        self.current.height
    }

    fn last_block_hash(&self) -> Hash {
        self.current.last_block_hash
    }

    fn next_validators(&self) -> ValidatorSet {
        self.current.next_validators.clone()
    }

    /// Hands the block to the engine thread and waits for its answer, off
    /// the runtime's workers (`block_in_place`), then reads the new tip.
    fn apply(&mut self, synced: SyncedBlock) -> Result<(), ApplyError> {
        if !self.behind {
            self.behind = true;
            show_catching_up(&self.snapshot, &self.commands, true);
        }
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.commands
            .send(Command::Synced {
                synced: Box::new(synced),
                reply,
            })
            .map_err(|_| ApplyError::EngineStopped)?;
        match tokio::task::block_in_place(|| answer.recv_timeout(APPLY_TIMEOUT)) {
            Ok(Ok(_)) => {}
            Ok(Err(reason)) => return Err(ApplyError::NotCommitted(reason)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                return Err(ApplyError::Timeout(APPLY_TIMEOUT));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(ApplyError::EngineStopped);
            }
        }
        self.current = Current::read(&self.view).ok_or(ApplyError::EngineStopped)?;
        Ok(())
    }
}

/// The tip catch-up extends, copied from the shared view.
struct Current {
    chain_id: ChainId,
    height: u64,
    last_block_hash: Hash,
    next_validators: ValidatorSet,
}

impl Current {
    fn read(view: &SharedChainView) -> Option<Current> {
        let view = view.read().ok()?;
        Some(Current {
            chain_id: view.chain_id.clone(),
            height: view.height,
            last_block_hash: view.last_block_hash,
            next_validators: view.next_validators.clone(),
        })
    }
}
