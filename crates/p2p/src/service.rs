//! The network task: builds the swarm, then serves commands from the
//! [`NetworkHandle`] and reports [`NetworkEvent`]s, until every handle is dropped.

use std::sync::Arc;

use civitas_types::SigningKey;
use futures::StreamExt;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, SwarmBuilder, noise, tcp, yamux};
use tokio::sync::{mpsc, oneshot};

use crate::behaviour::Behaviour;
use crate::config::NetworkConfig;
use crate::driver::Driver;
use crate::identity::network_keypair;
use crate::sync::{SyncRequest, SyncResponse, SyncStatus, SyncedBlock};
use crate::validate::{ConsensusView, TransactionGate};
use crate::wire::{ConsensusEnvelope, Topics};
use crate::{Allowlist, P2pError};

/// Commands and events queued at most, each way, before senders wait (commands)
/// or events are dropped with a warning (the application is not keeping up).
const QUEUE: usize = 16_384;

/// Where a node's blocks come from when a peer syncs from it (the ledger).
pub trait BlockSource: Send + Sync + 'static {
    /// The heights this node can serve.
    fn status(&self) -> SyncStatus;
    /// Up to `limit` consecutive blocks from `from`, with their certificates.
    fn blocks(&self, from: u64, limit: usize) -> Result<Vec<SyncedBlock>, String>;
}

/// What the network reports to the application.
#[derive(Clone, Debug)]
pub enum NetworkEvent {
    /// A gossiped transaction that the [`TransactionGate`] accepted.
    Transaction {
        /// The peer that forwarded it.
        from: PeerId,
        /// Its encoding.
        bytes: Vec<u8>,
    },
    /// A gossiped proposal or vote that passed [`crate::validate::check_consensus`].
    Consensus {
        /// The peer that forwarded it.
        from: PeerId,
        /// The message (with the block, for a proposal).
        envelope: Box<ConsensusEnvelope>,
    },
    /// The first connection with an allowed peer opened.
    PeerConnected(PeerId),
    /// The last connection with a peer closed.
    PeerDisconnected(PeerId),
}

pub(crate) enum Command {
    Publish {
        consensus: bool,
        bytes: Vec<u8>,
        reply: oneshot::Sender<Result<(), P2pError>>,
    },
    SetView(ConsensusView, oneshot::Sender<Result<(), P2pError>>),
    Request {
        peer: PeerId,
        request: SyncRequest,
        reply: oneshot::Sender<Result<SyncResponse, P2pError>>,
    },
    Dial(Multiaddr, oneshot::Sender<Result<(), P2pError>>),
    Peers(oneshot::Sender<Vec<PeerId>>),
    Report {
        peer: PeerId,
        reason: String,
    },
    Stats(oneshot::Sender<GossipStats>),
}

/// Gossip messages validated since the network started, by verdict. Messages
/// from graylisted peers are dropped by gossipsub before validation and are not
/// counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GossipStats {
    /// Delivered and forwarded.
    pub accepted: u64,
    /// Dropped without blame (stale, rate-limited, not admitted for now).
    pub ignored: u64,
    /// Dropped and counted against the sender.
    pub rejected: u64,
}

impl GossipStats {
    pub(crate) fn count(&mut self, verdict: &crate::Verdict) {
        let counter = match verdict {
            crate::Verdict::Accept => &mut self.accepted,
            crate::Verdict::Ignore(_) => &mut self.ignored,
            crate::Verdict::Reject(_) => &mut self.rejected,
        };
        *counter = counter.saturating_add(1);
    }
}

/// A running network: its handle, its events, and the address it listens on.
pub struct Network {
    /// Commands to the network task (cloneable).
    pub handle: NetworkHandle,
    /// Events from the network task.
    pub events: mpsc::Receiver<NetworkEvent>,
    /// The address actually bound (the configured one, with the port chosen).
    pub listen_address: Multiaddr,
}

impl Network {
    /// Starts the network of the node whose consensus key is `key`, deciding
    /// `view.height` with `view.validators`. Returns once it listens.
    pub async fn start(
        config: NetworkConfig,
        key: &SigningKey,
        view: ConsensusView,
        gate: Arc<dyn TransactionGate>,
        blocks: Arc<dyn BlockSource>,
    ) -> Result<Network, P2pError> {
        let keypair = network_keypair(key)?;
        let topics = Topics::new(&config.chain_id);
        let allowlist = Allowlist::new(&view.validators, &config.observers)?;
        let limits = config.limits.clone();
        let mut swarm = SwarmBuilder::with_existing_identity(keypair)
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(|error| P2pError::Setup(error.to_string()))?
            .with_behaviour(|_| {
                Behaviour::new(&limits, &topics)
                    .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
            })
            .map_err(|error| P2pError::Setup(error.to_string()))?
            .with_swarm_config(|swarm| {
                swarm.with_idle_connection_timeout(std::time::Duration::from_secs(3_600))
            })
            .build();
        for peer in allowlist.peers() {
            swarm.behaviour_mut().allowed.allow_peer(peer);
        }
        for topic in [&topics.transactions, &topics.consensus] {
            swarm
                .behaviour_mut()
                .gossip
                .subscribe(topic)
                .map_err(|error| P2pError::Setup(error.to_string()))?;
        }
        let listen_address = listen(&mut swarm, &config.listen).await?;
        for address in &config.bootstrap {
            if let Err(error) = swarm.dial(address.clone()) {
                tracing::warn!(%address, %error, "cannot dial bootstrap peer");
            }
        }
        let local_peer_id = *swarm.local_peer_id();
        let (command_sender, commands) = mpsc::channel(QUEUE);
        let (event_sender, events) = mpsc::channel(QUEUE);
        let driver = Driver::new(
            swarm,
            config,
            topics,
            view,
            allowlist,
            gate,
            blocks,
            event_sender,
        );
        tokio::spawn(driver.run(commands));
        Ok(Network {
            handle: NetworkHandle {
                commands: command_sender,
                local_peer_id,
            },
            events,
            listen_address,
        })
    }
}

/// Binds `address` and waits until the transport reports the bound address.
async fn listen(
    swarm: &mut libp2p::Swarm<Behaviour>,
    address: &Multiaddr,
) -> Result<Multiaddr, P2pError> {
    let refused = |reason: String| P2pError::Listen {
        address: address.to_string(),
        reason,
    };
    swarm
        .listen_on(address.clone())
        .map_err(|error| refused(error.to_string()))?;
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { address, .. } => return Ok(address),
            SwarmEvent::ListenerError { error, .. } => return Err(refused(error.to_string())),
            SwarmEvent::ListenerClosed { reason, .. } => {
                return Err(refused(format!("{reason:?}")));
            }
            _ => {}
        }
    }
}

/// Drives the network task; cheap to clone. The task stops when every handle is
/// dropped.
#[derive(Clone, Debug)]
pub struct NetworkHandle {
    commands: mpsc::Sender<Command>,
    local_peer_id: PeerId,
}

impl NetworkHandle {
    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    /// Gossips an encoded transaction (already admitted by the local mempool).
    ///
    /// Fails when no connected peer subscribes yet or every send queue is full.
    /// Gossipsub remembers the bytes even then, so publishing the same bytes again
    /// within two minutes fails as a duplicate.
    pub async fn publish_transaction(&self, bytes: Vec<u8>) -> Result<(), P2pError> {
        self.ask(|reply| Command::Publish {
            consensus: false,
            bytes,
            reply,
        })
        .await?
    }

    /// Gossips a proposal (with its block) or a vote.
    pub async fn publish_consensus(&self, envelope: &ConsensusEnvelope) -> Result<(), P2pError> {
        let bytes = civitas_types::encode(envelope);
        self.ask(|reply| Command::Publish {
            consensus: true,
            bytes,
            reply,
        })
        .await?
    }

    /// Moves to a new height or validator set: consensus messages are judged
    /// against it, and the allowlist follows its validators — peers that are no
    /// longer allowed are disconnected at once.
    pub async fn set_view(&self, view: ConsensusView) -> Result<(), P2pError> {
        self.ask(|reply| Command::SetView(view, reply)).await?
    }

    /// Asks `peer` a sync question.
    pub async fn request(
        &self,
        peer: PeerId,
        request: SyncRequest,
    ) -> Result<SyncResponse, P2pError> {
        self.ask(|reply| Command::Request {
            peer,
            request,
            reply,
        })
        .await?
    }

    /// Dials `address` (the peer must be on the allowlist to stay connected).
    pub async fn dial(&self, address: Multiaddr) -> Result<(), P2pError> {
        self.ask(|reply| Command::Dial(address, reply)).await?
    }

    /// The peers connected now.
    pub async fn connected_peers(&self) -> Result<Vec<PeerId>, P2pError> {
        self.ask(Command::Peers).await
    }

    /// Reports a peer that sent something provably wrong (e.g. a block whose
    /// certificate does not verify): it is disconnected and refused for the
    /// configured ban duration.
    pub async fn report(&self, peer: PeerId, reason: String) -> Result<(), P2pError> {
        self.commands
            .send(Command::Report { peer, reason })
            .await
            .map_err(|_| P2pError::Stopped)
    }

    /// Counts of validated gossip messages, for metrics.
    pub async fn gossip_stats(&self) -> Result<GossipStats, P2pError> {
        self.ask(Command::Stats).await
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, P2pError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| P2pError::Stopped)?;
        answer.await.map_err(|_| P2pError::Stopped)
    }
}
