//! The network task: builds the swarm, then serves commands from the
//! [`NetworkHandle`] and reports [`NetworkEvent`]s, until every handle is dropped.

use std::sync::Arc;

use civitas_types::{PublicKey, SigningKey};
use futures::StreamExt;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, SwarmBuilder, noise, tcp, yamux};
use tokio::sync::{mpsc, oneshot};

use crate::behaviour::Behaviour;
use crate::config::NetworkConfig;
use crate::driver::Driver;
use crate::identity::network_keypair;
use crate::messages::{BlockSource, Command, GossipStats, Misbehaviour, NetworkEvent};
use crate::sync::{SyncRequest, SyncResponse};
use crate::validate::{ConsensusView, TransactionGate};
use crate::wire::{ConsensusEnvelope, Topic, Topics};
use crate::{Allowlist, P2pError};

/// Commands and events queued at most, each way, before senders wait (commands)
/// or events are dropped with a warning (the application is not keeping up).
const QUEUE: usize = 16_384;

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
    /// Starts the network of the node whose network key is `network_key`
    /// (never its consensus key), deciding `view.height` with
    /// `view.validators`, and allowing the validators whose network keys are
    /// `validator_network_keys` (from the civic validator registry) besides
    /// the configured observers. Returns once it listens.
    pub async fn start(
        config: NetworkConfig,
        network_key: &SigningKey,
        view: ConsensusView,
        validator_network_keys: &[PublicKey],
        gate: Arc<dyn TransactionGate>,
        blocks: Arc<dyn BlockSource>,
    ) -> Result<Network, P2pError> {
        let keypair = network_keypair(network_key)?;
        let topics = Topics::new(&config.chain_id);
        let allowlist = Allowlist::new(validator_network_keys, &config.observers)?;
        let behaviour = Behaviour::new(&config.limits, &topics)?;
        let mut swarm = SwarmBuilder::with_existing_identity(keypair)
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(|error| P2pError::setup("transport", error))?
            .with_behaviour(|_| behaviour)
            .map_err(|error| P2pError::setup("behaviours", error))?
            .with_swarm_config(|swarm| {
                swarm.with_idle_connection_timeout(std::time::Duration::from_secs(3_600))
            })
            .build();
        for peer in allowlist.peers() {
            swarm.behaviour_mut().allowed.allow_peer(peer);
        }
        for topic in Topic::ALL {
            swarm
                .behaviour_mut()
                .gossip
                .subscribe(topics.get(topic))
                .map_err(|error| P2pError::setup("gossip subscription", error))?;
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
    let refused = |source: crate::error::Cause| P2pError::Listen {
        address: address.clone(),
        source,
    };
    swarm
        .listen_on(address.clone())
        .map_err(|error| refused(Box::new(error)))?;
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { address, .. } => return Ok(address),
            SwarmEvent::ListenerError { error, .. } => return Err(refused(Box::new(error))),
            SwarmEvent::ListenerClosed { reason, .. } => {
                return Err(refused(match reason {
                    Err(error) => Box::new(error),
                    Ok(()) => "the listener closed before it was bound".into(),
                }));
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
    /// within [`crate::Limits::duplicate_cache`] fails as a duplicate.
    pub async fn publish_transaction(&self, bytes: Vec<u8>) -> Result<(), P2pError> {
        self.ask(|reply| Command::Publish {
            topic: Topic::Transactions,
            bytes,
            reply,
        })
        .await?
    }

    /// Gossips a proposal (with its block) or a vote.
    pub async fn publish_consensus(&self, envelope: &ConsensusEnvelope) -> Result<(), P2pError> {
        let bytes = civitas_types::encode(envelope);
        self.ask(|reply| Command::Publish {
            topic: Topic::Consensus,
            bytes,
            reply,
        })
        .await?
    }

    /// Moves to a new height or validator set: consensus messages are judged
    /// against it.
    pub async fn set_view(&self, view: ConsensusView) -> Result<(), P2pError> {
        self.ask(|reply| Command::SetView(view, reply)).await?
    }

    /// Allows the validators whose network keys are `network_keys` (the civic
    /// validator registry's, after a validator change or a network-key
    /// rotation); peers no longer allowed are disconnected at once.
    pub async fn set_validator_peers(&self, network_keys: Vec<PublicKey>) -> Result<(), P2pError> {
        self.ask(|reply| Command::SetValidatorPeers(network_keys, reply))
            .await?
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
    pub async fn report(&self, peer: PeerId, misbehaviour: Misbehaviour) -> Result<(), P2pError> {
        self.commands
            .send(Command::Report { peer, misbehaviour })
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
