//! The node on the network: starts `civitas-p2p` with this home's network key
//! and the genesis validators' network keys, and bridges it to the engine
//! thread both ways.
//!
//! - Network → engine: consensus messages and gossiped transactions become
//!   [`Command`]s on the engine's channel (sending never waits), at most
//!   [`crate::backlog::BACKLOG_MAX`] queued at a time.
//! - Engine → network: the engine thread's [`Outbox`](crate::outbox::Outbox)
//!   queue is drained by one task that publishes messages and transactions
//!   and moves the network's consensus view to each new height, and the
//!   allowlist to each change of validators ([`crate::allowed_peers`]).
//! - Block sync ([`EngineBlocks`]): the network task serves peers from the
//!   [`ChainView`](crate::outbox::ChainView) the engine thread publishes after
//!   each commit — the last blocks with their certificates, in memory — so
//!   the common case (a peer a few blocks behind) never touches the engine.
//!   Older blocks are asked of the engine thread, the ledger's only owner,
//!   with a reply timeout ([`ENGINE_REPLY_TIMEOUT`]) inside
//!   `tokio::task::block_in_place`, so a busy engine delays that one answer
//!   and never stalls the runtime's other tasks. (A second RocksDB handle
//!   would need the ledger to be shared across threads; a request to the
//!   owner keeps one writer and one reader of record.)
//! - Catch-up: [`crate::catch_up`].

use std::sync::mpsc::Sender;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Result, anyhow};
use civitas_civic::EnvelopeError;
use civitas_mempool::Rejection;
use civitas_p2p::{
    BlockSource, BlockSourceError, Limits, Network, NetworkConfig, NetworkEvent, NetworkHandle,
    SyncStatus, SyncedBlock, TransactionGate,
};
use civitas_types::limits::TRANSACTION_BYTES_MAX;
use civitas_types::{ChainId, PublicKey, SignedTransaction, SigningKey, decode};
use tokio::sync::mpsc;

use crate::backlog::Backlog;
use crate::config::P2pConfig;
use crate::driver::{Command, Snapshot};
use crate::outbox::{SharedChainView, ToNetwork};

/// How long the network task waits for the engine thread to read old blocks.
pub const ENGINE_REPLY_TIMEOUT: Duration = Duration::from_secs(2);

/// How long gossip remembers a message. Rebroadcasts of unchanged votes and
/// proposals (every second) are refused as duplicates within it, so it is
/// what bounds how soon a peer that missed them — a restarted validator, a
/// healed partition — gets them again; longer than gossipsub's message cache
/// window (3 heartbeats, 1.5 s) so no message is asked for twice.
pub const DUPLICATE_CACHE: Duration = Duration::from_secs(5);

/// What the network needs from the node at start.
pub struct NetworkSetup<'a> {
    /// `[p2p]`.
    pub config: &'a P2pConfig,
    /// This home's network key.
    pub network_key: &'a SigningKey,
    /// The network keys of the genesis validators; the engine thread's first
    /// [`ToNetwork::Peers`], queued before the network starts, replaces them
    /// with the chain's current ones.
    pub validator_network_keys: Vec<PublicKey>,
    /// The committed chain, published by the engine thread.
    pub view: SharedChainView,
    /// Commands to the engine thread.
    pub commands: Sender<Command>,
    /// What the engine thread sends to the network.
    pub outbox: mpsc::Receiver<ToNetwork>,
    /// Where peers and catch-up are shown (metrics, health).
    pub snapshot: Arc<RwLock<Snapshot>>,
}

/// Starts the network and its bridge tasks; returns its handle and the
/// address it listens on. Must run inside the node's multi-thread runtime.
pub async fn start(setup: NetworkSetup<'_>) -> Result<(NetworkHandle, civitas_p2p::Multiaddr)> {
    let (chain_id, consensus_view) = {
        let view = setup
            .view
            .read()
            .map_err(|_| anyhow!("the chain view is poisoned"))?;
        (view.chain_id.clone(), view.consensus_view())
    };
    let gate = Arc::new(SignatureGate {
        chain_id: chain_id.clone(),
    });
    let config = NetworkConfig {
        chain_id,
        listen: setup.config.listen.clone(),
        bootstrap: setup.config.peers.clone(),
        observers: setup.config.observers.clone(),
        limits: Limits {
            duplicate_cache: DUPLICATE_CACHE,
            ..Limits::default()
        },
    };
    let blocks = Arc::new(EngineBlocks {
        view: Arc::clone(&setup.view),
        commands: setup.commands.clone(),
    });
    let network = Network::start(
        config,
        setup.network_key,
        consensus_view,
        &setup.validator_network_keys,
        gate,
        blocks,
    )
    .await
    .map_err(|e| anyhow!("cannot start the network: {e}"))?;
    let handle = network.handle.clone();
    tokio::spawn(publish(network.handle.clone(), setup.outbox));
    tokio::spawn(deliver(
        network.events,
        setup.commands.clone(),
        Arc::clone(&setup.snapshot),
    ));
    tokio::spawn(crate::catch_up::run(
        network.handle,
        setup.view,
        setup.commands,
        setup.snapshot,
    ));
    Ok((handle, network.listen_address))
}

/// Drains the engine thread's outbox into the network. A transaction that
/// could not go out for want of peers (a node just started, a partition) is
/// kept and published again every [`UNSENT_RETRY`] for up to
/// [`UNSENT_KEPT`] ([`UNSENT_MAX`] at most, oldest dropped first): otherwise
/// a transaction submitted to an observer, which never proposes, would wait
/// in its mempool forever. Consensus messages need no such care: the engine
/// rebroadcasts its current ones every second.
async fn publish(network: NetworkHandle, mut outbox: mpsc::Receiver<ToNetwork>) {
    let mut unsent = Unsent::default();
    let mut retry = tokio::time::interval(UNSENT_RETRY);
    loop {
        tokio::select! {
            message = outbox.recv() => {
                let Some(message) = message else { return };
                if publish_one(&network, message, &mut unsent).await.is_err() {
                    return;
                }
            }
            _ = retry.tick(), if !unsent.is_empty() => {
                for (first, bytes) in unsent.take_due(tokio::time::Instant::now()) {
                    match network.publish_transaction(bytes.clone()).await {
                        Err(civitas_p2p::P2pError::Stopped) => return,
                        Err(error) if error.is_publish_retryable() => unsent.keep(bytes, first),
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Publishes `message`; `Err` once the network has stopped.
async fn publish_one(
    network: &NetworkHandle,
    message: ToNetwork,
    unsent: &mut Unsent,
) -> Result<(), civitas_p2p::P2pError> {
    let result = match message {
        ToNetwork::Consensus(envelope) => network.publish_consensus(&envelope).await,
        ToNetwork::Transaction(bytes) => {
            let result = network.publish_transaction(bytes.clone()).await;
            if result.as_ref().is_err_and(|e| e.is_publish_retryable()) {
                unsent.keep(bytes, tokio::time::Instant::now());
            }
            result
        }
        ToNetwork::View(view) => network.set_view(view).await,
        ToNetwork::Peers(network_keys) => network.set_validator_peers(network_keys).await,
    };
    match result {
        Err(civitas_p2p::P2pError::Stopped) => Err(civitas_p2p::P2pError::Stopped),
        // Duplicates (rebroadcasts of unchanged messages) are expected.
        Err(error) => {
            tracing::debug!(%error, "not published");
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

/// How often unsent transactions are published again.
pub const UNSENT_RETRY: Duration = Duration::from_secs(1);
/// How long an unsent transaction is kept: about as long as a transaction
/// waits in a mempool before a block takes it.
pub const UNSENT_KEPT: Duration = Duration::from_secs(60);
/// Most unsent transactions kept.
pub const UNSENT_MAX: usize = 1_024;

/// Transactions no peer could take yet, with when each was first kept.
#[derive(Default)]
struct Unsent(std::collections::VecDeque<(tokio::time::Instant, Vec<u8>)>);

impl Unsent {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps `bytes`, first kept at `first`, dropping the oldest beyond
    /// [`UNSENT_MAX`].
    fn keep(&mut self, bytes: Vec<u8>, first: tokio::time::Instant) {
        self.0.push_back((first, bytes));
        while self.0.len() > UNSENT_MAX {
            self.0.pop_front();
        }
    }

    /// Every transaction still worth a retry at `now`, with when it was
    /// first kept; the list is emptied (a failed retry keeps it again).
    fn take_due(&mut self, now: tokio::time::Instant) -> Vec<(tokio::time::Instant, Vec<u8>)> {
        std::mem::take(&mut self.0)
            .into_iter()
            .filter(|(first, _)| now.saturating_duration_since(*first) < UNSENT_KEPT)
            .collect()
    }
}

/// Hands the network's events to the engine thread, within its
/// [`Backlog`] (what does not fit is dropped and counted).
async fn deliver(
    mut events: mpsc::Receiver<NetworkEvent>,
    commands: Sender<Command>,
    snapshot: Arc<RwLock<Snapshot>>,
) {
    let backlog = Backlog::default();
    let mut peers: u64 = 0;
    while let Some(event) = events.recv().await {
        let command = match event {
            NetworkEvent::Consensus { envelope, .. } => {
                backlog.ticket().map(|t| Command::Consensus(envelope, t))
            }
            NetworkEvent::Transaction { bytes, .. } => {
                backlog.ticket().map(|t| Command::Gossiped(bytes, t))
            }
            NetworkEvent::PeerConnected(peer) => {
                peers = peers.saturating_add(1);
                tracing::info!(%peer, peers, "peer connected");
                show_peers(&snapshot, peers);
                continue;
            }
            NetworkEvent::PeerDisconnected(peer) => {
                peers = peers.saturating_sub(1);
                tracing::info!(%peer, peers, "peer disconnected");
                show_peers(&snapshot, peers);
                continue;
            }
        };
        let Some(command) = command else {
            tracing::debug!(
                dropped = backlog.dropped(),
                "engine queue full: network message dropped"
            );
            if let Ok(mut snapshot) = snapshot.write() {
                snapshot.inbound_dropped = backlog.dropped();
            }
            continue;
        };
        if commands.send(command).is_err() {
            return;
        }
    }
}

fn show_peers(snapshot: &RwLock<Snapshot>, peers: u64) {
    if let Ok(mut snapshot) = snapshot.write() {
        snapshot.peers = peers;
    }
}

/// The gossip gate: what can be judged on the network task without the
/// engine's state, which the engine thread owns (size, canonical decoding,
/// chain, signatures). The engine's mempool admits for real when the
/// transaction reaches it; a transaction forwarded here and refused there
/// (stale sequence, expired, full pool) costs one message per peer.
struct SignatureGate {
    chain_id: ChainId,
}

impl TransactionGate for SignatureGate {
    fn check(&self, bytes: &[u8]) -> Result<(), Rejection> {
        if bytes.len() > TRANSACTION_BYTES_MAX {
            return Err(Rejection::TooLarge {
                size: bytes.len(),
                limit: TRANSACTION_BYTES_MAX,
            });
        }
        let transaction: SignedTransaction = decode(bytes).map_err(Rejection::Malformed)?;
        if transaction.body.chain_id != self.chain_id {
            return Err(Rejection::Envelope(EnvelopeError::WrongChain {
                expected: self.chain_id.clone(),
                found: transaction.body.chain_id,
            }));
        }
        transaction
            .verify_signatures()
            .map_err(|_| Rejection::BadSignature)
    }
}

/// Blocks for peers: recent ones from the published view, older ones from
/// the engine thread.
struct EngineBlocks {
    view: SharedChainView,
    commands: Sender<Command>,
}

/// Why blocks could not be served.
#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error("the chain view is poisoned")]
    Poisoned,
    #[error("the engine thread has stopped")]
    EngineStopped,
    #[error("the engine thread did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the ledger could not be read: {0}")]
    Ledger(String),
}

impl BlockSource for EngineBlocks {
    fn status(&self) -> SyncStatus {
        match self.view.read() {
            Ok(view) => SyncStatus {
                height: view.height,
                first_height: view.first_height,
            },
            Err(_) => SyncStatus {
                height: 0,
                first_height: 0,
            },
        }
    }

    fn blocks(&self, from: u64, limit: usize) -> Result<Vec<SyncedBlock>, BlockSourceError> {
        if let Some(blocks) = self.recent(from, limit)? {
            return Ok(blocks);
        }
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.commands
            .send(Command::Blocks { from, limit, reply })
            .map_err(|_| ServeError::EngineStopped)?;
        let answer = tokio::task::block_in_place(|| answer.recv_timeout(ENGINE_REPLY_TIMEOUT));
        match answer {
            Ok(Ok(blocks)) => Ok(blocks),
            Ok(Err(error)) => Err(ServeError::Ledger(error).into()),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                Err(ServeError::Timeout(ENGINE_REPLY_TIMEOUT).into())
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err(ServeError::EngineStopped.into())
            }
        }
    }
}

impl EngineBlocks {
    /// The blocks from `from` if the recent ones hold it (`Some(empty)` past
    /// the tip), `None` if it is older.
    fn recent(&self, from: u64, limit: usize) -> Result<Option<Vec<SyncedBlock>>, ServeError> {
        let view = self.view.read().map_err(|_| ServeError::Poisoned)?;
        if from > view.height {
            return Ok(Some(Vec::new()));
        }
        match view.recent.first_key_value() {
            Some((first, _)) if *first <= from => Ok(Some(
                view.recent
                    .range(from..)
                    .take(limit)
                    .map(|(_, synced)| synced.clone())
                    .collect(),
            )),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )]

    use super::*;
    use civitas_types::{SigningKey, encode};

    fn a_transaction() -> Vec<u8> {
        let validator = SigningKey::from_seed(&[1; 32]).public_key();
        let network = SigningKey::from_seed(&[2; 32]).public_key();
        let genesis = civitas_demo::genesis(&validator, &network, 1_790_000_000_000);
        let steps = civitas_demo::activity_steps(&genesis);
        encode(&steps[0][0])
    }

    fn gate() -> SignatureGate {
        SignatureGate {
            chain_id: ChainId::new(civitas_demo::CHAIN_ID).unwrap(),
        }
    }

    #[test]
    fn the_gate_passes_a_signed_transaction() {
        assert_eq!(gate().check(&a_transaction()), Ok(()));
    }

    #[test]
    fn the_gate_refuses_what_no_node_would_admit() {
        let mut forged = a_transaction();
        let last = forged.len() - 64;
        forged[last] ^= 1;
        assert_eq!(gate().check(&forged), Err(Rejection::BadSignature));
        assert!(matches!(
            gate().check(&[0xff; 3]),
            Err(Rejection::Malformed(_))
        ));
        assert!(matches!(
            gate().check(&vec![0; TRANSACTION_BYTES_MAX + 1]),
            Err(Rejection::TooLarge { .. })
        ));
        let other = SignatureGate {
            chain_id: ChainId::new("another-chain").unwrap(),
        };
        assert!(matches!(
            other.check(&a_transaction()),
            Err(Rejection::Envelope(EnvelopeError::WrongChain { .. }))
        ));
    }
}
