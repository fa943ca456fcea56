//! The libp2p behaviours a node runs, and their settings.

use std::time::Duration;

use libp2p::allow_block_list::{self, AllowedPeers, BlockedPeers};
use libp2p::connection_limits::{self, ConnectionLimits};
use libp2p::gossipsub::{
    self, MessageAuthenticity, MessageId, PeerScoreParams, PeerScoreThresholds, TopicScoreParams,
    ValidationMode,
};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::NetworkBehaviour;
use sha2::{Digest, Sha256};

use crate::P2pError;
use crate::codec::{SYNC_PROTOCOL, SyncCodec};
use crate::config::Limits;
use crate::wire::{Topic, Topics};

/// Connections at once with one peer (a redial may briefly overlap the old one).
const CONNECTIONS_PER_PEER: u32 = 2;
/// Handshakes in progress from unknown dialers.
const PENDING_INCOMING_MAX: u32 = 64;

/// Everything a node speaks, in the order libp2p consults them on a new connection:
/// the allowlist and the ban list first, so a refused peer gets nothing else.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    pub(crate) allowed: allow_block_list::Behaviour<AllowedPeers>,
    pub(crate) banned: allow_block_list::Behaviour<BlockedPeers>,
    pub(crate) limits: connection_limits::Behaviour,
    pub(crate) gossip: gossipsub::Behaviour,
    pub(crate) sync: request_response::Behaviour<SyncCodec>,
}

impl Behaviour {
    pub(crate) fn new(limits: &Limits, topics: &Topics) -> Result<Behaviour, P2pError> {
        let connection_limits = ConnectionLimits::default()
            .with_max_established_per_peer(Some(CONNECTIONS_PER_PEER))
            .with_max_pending_incoming(Some(PENDING_INCOMING_MAX));
        let sync = request_response::Behaviour::with_codec(
            SyncCodec {
                response_bytes_max: limits.sync_response_bytes_max,
            },
            [(SYNC_PROTOCOL, ProtocolSupport::Full)],
            request_response::Config::default().with_request_timeout(limits.request_timeout),
        );
        Ok(Behaviour {
            allowed: allow_block_list::Behaviour::default(),
            banned: allow_block_list::Behaviour::default(),
            limits: connection_limits::Behaviour::new(connection_limits),
            gossip: gossip(limits, topics)?,
            sync,
        })
    }
}

/// Gossipsub with application validation, content ids and scoring.
///
/// Messages are unsigned at the gossip layer (`Anonymous`): every payload carries
/// its own signatures, and the transport already authenticates the forwarding peer.
fn gossip(limits: &Limits, topics: &Topics) -> Result<gossipsub::Behaviour, P2pError> {
    let mut config = gossipsub::ConfigBuilder::default();
    config
        .validation_mode(ValidationMode::Anonymous)
        .validate_messages()
        .message_id_fn(|message| MessageId::from(Sha256::digest(&message.data).to_vec()))
        .heartbeat_interval(limits.heartbeat)
        .max_transmit_size(limits.consensus_bytes_max)
        .duplicate_cache_time(limits.duplicate_cache);
    for topic in Topic::ALL {
        config.max_transmit_size_for_topic(limits.bytes_max(topic), topics.get(topic).hash());
    }
    let config = config
        .build()
        .map_err(|error| P2pError::setup("gossipsub configuration", error))?;
    let mut behaviour = gossipsub::Behaviour::new(MessageAuthenticity::Anonymous, config)
        .map_err(|error| P2pError::setup("gossipsub", error))?;
    let (params, thresholds) = scoring(topics);
    behaviour
        .with_peer_score(params, thresholds)
        .map_err(|error| P2pError::setup("gossipsub scoring", error))?;
    Ok(behaviour)
}

/// Scores that punish invalid messages and nothing else: peers are few and known,
/// all may share an address (a test, a data centre), and quiet periods are normal.
fn scoring(topics: &Topics) -> (PeerScoreParams, PeerScoreThresholds) {
    let topic = TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: 0.0,
        first_message_deliveries_weight: 0.0,
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        // P4: squared count of rejected messages; ten in a short time graylist a peer,
        // and the count decays by 10% a second (a minute or so to recover).
        invalid_message_deliveries_weight: -10.0,
        invalid_message_deliveries_decay: 0.9,
        ..TopicScoreParams::default()
    };
    let mut params = PeerScoreParams {
        ip_colocation_factor_weight: 0.0,
        decay_interval: Duration::from_secs(1),
        ..PeerScoreParams::default()
    };
    for each in Topic::ALL {
        params.topics.insert(topics.get(each).hash(), topic.clone());
    }
    let thresholds = PeerScoreThresholds {
        gossip_threshold: -100.0,
        publish_threshold: -500.0,
        graylist_threshold: -1_000.0,
        accept_px_threshold: 100.0,
        opportunistic_graft_threshold: 5.0,
    };
    (params, thresholds)
}
