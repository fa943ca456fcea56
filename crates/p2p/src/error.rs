//! The networking crate's errors.

use civitas_types::PublicKey;

/// What went wrong in the network layer.
#[derive(Debug, thiserror::Error)]
pub enum P2pError {
    /// A public key that cannot name a libp2p peer.
    #[error(
        "key {0} is not a valid ed25519 public key, so it cannot name a peer; check the validator set"
    )]
    PeerKey(PublicKey),
    /// The node's own key could not become a libp2p identity.
    #[error("the node key cannot be used as a network identity: {0}")]
    NodeKey(String),
    /// The transport or a behaviour could not be built.
    #[error("cannot build the network: {0}")]
    Setup(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {reason}; is another node using this port?")]
    Listen {
        /// The configured address.
        address: String,
        /// The transport's reason.
        reason: String,
    },
    /// A dial could not be started.
    #[error("cannot dial {address}: {reason}")]
    Dial {
        /// The address.
        address: String,
        /// The swarm's reason.
        reason: String,
    },
    /// A gossip message could not be published.
    #[error("cannot publish on {topic}: {reason}")]
    Publish {
        /// The topic.
        topic: String,
        /// Gossipsub's reason (e.g. no connected peer subscribes to the topic yet).
        reason: String,
    },
    /// A sync request failed (timeout, refused, connection closed, bad answer).
    #[error("sync request to {peer} failed: {reason}")]
    Request {
        /// The peer asked.
        peer: String,
        /// What happened.
        reason: String,
    },
    /// The network task is no longer running.
    #[error("the network task has stopped")]
    Stopped,
}
