//! The network's configuration and limits.

use std::time::Duration;

use civitas_types::ChainId;
use libp2p::{Multiaddr, PeerId};

use crate::wire::Topic;

/// How a node takes part in the network.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// The chain: it names the gossip topics, so two chains never mix.
    pub chain_id: ChainId,
    /// Where to listen, e.g. `/ip4/0.0.0.0/tcp/26656` (`tcp/0`: any free port).
    pub listen: Multiaddr,
    /// Peers to dial at start and whenever the connection drops.
    pub bootstrap: Vec<Multiaddr>,
    /// Non-validator peers allowed to connect (auditors, RPC nodes).
    pub observers: Vec<PeerId>,
    /// Sizes, rates and timeouts.
    pub limits: Limits,
}

/// Sizes, rates and timeouts, per peer where it says so.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest gossiped transaction (bytes, encoded).
    pub transaction_bytes_max: usize,
    /// Largest gossiped consensus message, a proposal with its block included.
    pub consensus_bytes_max: usize,
    /// Gossip messages accepted from one peer per second, sustained.
    pub messages_per_second: u32,
    /// Gossip messages accepted from one peer in a burst.
    pub messages_burst: u32,
    /// Sync requests served to one peer per second, sustained.
    pub sync_requests_per_second: u32,
    /// Sync requests served to one peer in a burst.
    pub sync_requests_burst: u32,
    /// Most blocks in one sync response.
    pub sync_blocks_per_response: u16,
    /// Largest sync response (bytes); a response holds at least one block.
    pub sync_response_bytes_max: usize,
    /// How long a sync request may take.
    pub request_timeout: Duration,
    /// How long a misbehaving peer stays blocked after [`crate::NetworkHandle::report`].
    pub ban_duration: Duration,
    /// How often bootstrap peers that are not connected are dialled again.
    pub redial_interval: Duration,
    /// Gossipsub heartbeat (mesh maintenance).
    pub heartbeat: Duration,
}

impl Limits {
    /// The largest message gossiped on `topic`.
    pub fn bytes_max(&self, topic: Topic) -> usize {
        match topic {
            Topic::Transactions => self.transaction_bytes_max,
            Topic::Consensus => self.consensus_bytes_max,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            // A transaction's payload is at most 32 KiB; signatures and envelope fit in 8 more.
            transaction_bytes_max: 40 * 1024,
            consensus_bytes_max: 16 * 1024 * 1024,
            messages_per_second: 20_000,
            messages_burst: 40_000,
            sync_requests_per_second: 20,
            sync_requests_burst: 40,
            sync_blocks_per_response: 64,
            sync_response_bytes_max: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(20),
            ban_duration: Duration::from_secs(60),
            redial_interval: Duration::from_secs(5),
            heartbeat: Duration::from_millis(500),
        }
    }
}
