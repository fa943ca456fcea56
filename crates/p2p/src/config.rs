//! The network's configuration and limits.

use std::time::Duration;

use civitas_types::ChainId;
use civitas_types::limits::{CHAIN_ID_LENGTH_MAX, TRANSACTION_BYTES_MAX};
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

/// Longest transactions topic name: `/civitas/` (9 bytes), a longest chain id,
/// `/transactions/1` (15 bytes).
pub const TRANSACTIONS_TOPIC_BYTES_MAX: usize = 9 + CHAIN_ID_LENGTH_MAX + 15;

/// What gossipsub adds around a transaction on the wire and counts against the
/// topic's size limit: an anonymous message is a protobuf with the data (tag 1
/// byte, length varint 3 bytes: lengths below 2^21) and the topic name (tag 1
/// byte, length varint 2 bytes: names below 2^14). Anonymous messages carry no
/// source, sequence number, signature or key.
pub const GOSSIP_FRAMING_BYTES_MAX: usize = 1 + 3 + 1 + 2 + TRANSACTIONS_TOPIC_BYTES_MAX;

/// Default limit of a gossiped transaction message: the one transaction limit
/// ([`TRANSACTION_BYTES_MAX`], 16,384) plus its framing (95): 16,479 bytes.
pub const GOSSIP_TRANSACTION_BYTES_MAX: usize = TRANSACTION_BYTES_MAX + GOSSIP_FRAMING_BYTES_MAX;

/// Sizes, rates and timeouts, per peer where it says so.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest gossiped transaction message (bytes): gossipsub checks the
    /// protobuf-encoded message, so the default is [`GOSSIP_TRANSACTION_BYTES_MAX`],
    /// the largest transaction plus its gossip framing.
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
    /// How long gossip remembers a message id: the same bytes are neither
    /// delivered nor forwarded twice, nor published again, within it. A
    /// consensus node re-sending its current votes to peers that missed them
    /// (a restarted validator) needs it shorter than the default.
    pub duplicate_cache: Duration,
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
            transaction_bytes_max: GOSSIP_TRANSACTION_BYTES_MAX,
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
            duplicate_cache: Duration::from_secs(120),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
    use super::*;
    use crate::wire::Topics;

    #[test]
    fn the_transaction_gossip_limit_is_the_transaction_limit_plus_the_longest_framing() {
        let longest = ChainId::new(&"c".repeat(CHAIN_ID_LENGTH_MAX)).unwrap();
        let topic = Topics::new(&longest).get(Topic::Transactions).to_string();
        assert_eq!(topic.len(), TRANSACTIONS_TOPIC_BYTES_MAX);
        // The varints: data lengths up to the limit take 3 bytes, the topic 2 at most.
        const { assert!(TRANSACTION_BYTES_MAX < 1 << 21 && TRANSACTIONS_TOPIC_BYTES_MAX < 1 << 14) };
        assert_eq!(GOSSIP_TRANSACTION_BYTES_MAX, 16_384 + 95);
        assert_eq!(
            Limits::default().transaction_bytes_max,
            GOSSIP_TRANSACTION_BYTES_MAX
        );
    }
}
