//! The networking crate's errors: each is this node's own failure (a setup that
//! cannot be built, a port in use, a stopped task) or names the peer it concerns;
//! a peer's *misbehaviour* is never an error here but a [`crate::Verdict`] or a
//! [`crate::CatchUpReport`] entry.

use civitas_types::PublicKey;
use libp2p::request_response::OutboundFailure;
use libp2p::swarm::DialError;
use libp2p::{Multiaddr, PeerId, gossipsub};

use crate::wire::Topic;

/// A lower layer's error, kept whole (with its sources) for the operator's logs.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// What went wrong in the network layer.
#[derive(Debug, thiserror::Error)]
pub enum P2pError {
    /// A public key that cannot name a libp2p peer.
    #[error(
        "key {0} is not a valid ed25519 public key, so it cannot name a peer; check the validator set"
    )]
    PeerKey(PublicKey),
    /// The node's own key could not become a libp2p identity.
    #[error("the node key cannot be used as a network identity")]
    NodeKey(#[source] Cause),
    /// The transport or a behaviour could not be built.
    #[error("cannot build the network ({stage})")]
    Setup {
        /// What was being built.
        stage: &'static str,
        /// Why it failed.
        #[source]
        source: Cause,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {address}; is another node using this port?")]
    Listen {
        /// The configured address.
        address: Multiaddr,
        /// The transport's reason.
        #[source]
        source: Cause,
    },
    /// A dial could not be started.
    #[error("cannot dial {address}")]
    Dial {
        /// The address.
        address: Multiaddr,
        /// The swarm's reason.
        #[source]
        source: Box<DialError>,
    },
    /// A gossip message could not be published.
    #[error("cannot publish on the {topic} topic")]
    Publish {
        /// The topic.
        topic: Topic,
        /// Gossipsub's reason (e.g. no connected peer subscribes to the topic yet).
        #[source]
        source: gossipsub::PublishError,
    },
    /// A sync request failed (timeout, refused connection, connection closed,
    /// undecodable answer). Not proof of fault: the peer may be slow or gone.
    #[error("sync request to {peer} failed")]
    Request {
        /// The peer asked.
        peer: PeerId,
        /// What happened.
        #[source]
        source: OutboundFailure,
    },
    /// The network task is no longer running.
    #[error("the network task has stopped")]
    Stopped,
}

impl P2pError {
    /// A setup failure at `stage`.
    pub(crate) fn setup(stage: &'static str, source: impl Into<Cause>) -> P2pError {
        P2pError::Setup {
            stage,
            source: source.into(),
        }
    }

    /// Whether a publish failed only because no peer could take the message
    /// yet (no connected peer subscribes to its topic, or every peer's queue
    /// is full): the same message may go out later. A duplicate, or a
    /// message gossip can never carry, is not worth a retry.
    pub fn is_publish_retryable(&self) -> bool {
        matches!(
            self,
            P2pError::Publish {
                source: gossipsub::PublishError::NoPeersSubscribedToTopic
                    | gossipsub::PublishError::AllQueuesFull(_),
                ..
            }
        )
    }
}
