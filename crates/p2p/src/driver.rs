//! The network task's state and event loop: gossip validation, sync serving,
//! allowlist changes, bans, redials.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use civitas_types::PublicKey;
use futures::StreamExt;
use libp2p::gossipsub::{self, MessageAcceptance};
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, OutboundRequestId};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, Swarm};
use tokio::sync::{mpsc, oneshot};

use crate::behaviour::{Behaviour, BehaviourEvent};
use crate::config::{Limits, NetworkConfig};
use crate::messages::{BlockSource, Command, GossipStats, Misbehaviour, NetworkEvent};
use crate::rate::TokenBucket;
use crate::sync::{Refusal, SyncRequest, SyncResponse};
use crate::validate::{ConsensusView, Ignored, Offence, TransactionGate, Verdict, check_consensus};
use crate::wire::{Topic, Topics};
use crate::{Allowlist, P2pError};

/// How often bans are lifted and bootstrap peers redialled.
const TICK: Duration = Duration::from_millis(500);

type Reply<T> = oneshot::Sender<Result<T, P2pError>>;

pub(crate) struct Driver {
    swarm: Swarm<Behaviour>,
    topics: Topics,
    view: ConsensusView,
    allowlist: Allowlist,
    gate: Arc<dyn TransactionGate>,
    blocks: Arc<dyn BlockSource>,
    events: mpsc::Sender<NetworkEvent>,
    limits: Limits,
    bootstrap: Vec<(PeerId, Multiaddr)>,
    last_redial: Instant,
    pending: HashMap<OutboundRequestId, Reply<SyncResponse>>,
    message_rates: HashMap<PeerId, TokenBucket>,
    request_rates: HashMap<PeerId, TokenBucket>,
    bans: HashMap<PeerId, Instant>,
    stats: GossipStats,
}

impl Driver {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        swarm: Swarm<Behaviour>,
        config: NetworkConfig,
        topics: Topics,
        view: ConsensusView,
        allowlist: Allowlist,
        gate: Arc<dyn TransactionGate>,
        blocks: Arc<dyn BlockSource>,
        events: mpsc::Sender<NetworkEvent>,
    ) -> Driver {
        let bootstrap = config
            .bootstrap
            .iter()
            .filter_map(|address| Some((peer_of(address)?, address.clone())))
            .collect();
        Driver {
            swarm,
            topics,
            view,
            allowlist,
            gate,
            blocks,
            events,
            limits: config.limits,
            bootstrap,
            last_redial: Instant::now(),
            pending: HashMap::new(),
            message_rates: HashMap::new(),
            request_rates: HashMap::new(),
            bans: HashMap::new(),
            stats: GossipStats::default(),
        }
    }

    pub(crate) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.command(command),
                    None => break,
                },
                event = self.swarm.select_next_some() => self.swarm_event(event),
                _ = tick.tick() => self.tick(Instant::now()),
            }
        }
        tracing::debug!("network task stopped: every handle was dropped");
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Publish {
                topic,
                bytes,
                reply,
            } => {
                let result = self
                    .swarm
                    .behaviour_mut()
                    .gossip
                    .publish(self.topics.get(topic).clone(), bytes)
                    .map(|_| ())
                    .map_err(|source| P2pError::Publish { topic, source });
                let _ = reply.send(result);
            }
            Command::SetView(view, reply) => {
                self.view = view;
                let _ = reply.send(Ok(()));
            }
            Command::SetValidatorPeers(network_keys, reply) => {
                let _ = reply.send(self.set_validator_peers(&network_keys));
            }
            Command::Request {
                peer,
                request,
                reply,
            } => {
                let id = self.swarm.behaviour_mut().sync.send_request(&peer, request);
                self.pending.insert(id, reply);
            }
            Command::Dial(address, reply) => {
                let result = self
                    .swarm
                    .dial(address.clone())
                    .map_err(|source| P2pError::Dial {
                        address,
                        source: Box::new(source),
                    });
                let _ = reply.send(result);
            }
            Command::Peers(reply) => {
                let _ = reply.send(self.swarm.connected_peers().copied().collect());
            }
            Command::Report { peer, misbehaviour } => {
                self.ban(peer, &misbehaviour, Instant::now());
            }
            Command::Stats(reply) => {
                let _ = reply.send(self.stats);
            }
        }
    }

    /// Allows the validators whose network keys are `network_keys`; peers no
    /// longer allowed (a validator removed, or a network key rotated away) are
    /// disconnected.
    fn set_validator_peers(&mut self, network_keys: &[PublicKey]) -> Result<(), P2pError> {
        let next = self.allowlist.with_validators(network_keys)?;
        let behaviour = self.swarm.behaviour_mut();
        for peer in self.allowlist.removed_in(&next) {
            tracing::info!(%peer, "peer is no longer allowed: disconnecting");
            // Disallowing also closes the peer's open connections.
            behaviour.allowed.disallow_peer(peer);
        }
        for peer in self.allowlist.added_in(&next) {
            behaviour.allowed.allow_peer(peer);
        }
        self.allowlist = next;
        Ok(())
    }

    fn ban(&mut self, peer: PeerId, misbehaviour: &Misbehaviour, now: Instant) {
        tracing::warn!(%peer, %misbehaviour, "banning peer");
        // Blocking closes its connections and refuses new ones until lifted.
        self.swarm.behaviour_mut().banned.block_peer(peer);
        self.bans.insert(
            peer,
            now.checked_add(self.limits.ban_duration).unwrap_or(now),
        );
    }

    fn tick(&mut self, now: Instant) {
        let expired: Vec<PeerId> = self
            .bans
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(peer, _)| *peer)
            .collect();
        for peer in expired {
            self.bans.remove(&peer);
            self.swarm.behaviour_mut().banned.unblock_peer(peer);
        }
        if now.saturating_duration_since(self.last_redial) >= self.limits.redial_interval {
            self.last_redial = now;
            self.redial();
        }
    }

    fn redial(&mut self) {
        for (peer, address) in &self.bootstrap {
            if !self.swarm.is_connected(peer)
                && self.allowlist.contains(peer)
                && !self.bans.contains_key(peer)
                && let Err(error) = self.swarm.dial(address.clone())
            {
                tracing::debug!(%address, %error, "redial failed");
            }
        }
    }

    fn swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Gossip(event)) => self.gossip_event(event),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) => self.sync_event(event),
            SwarmEvent::ConnectionEstablished {
                peer_id,
                num_established,
                ..
            } if num_established.get() == 1 => self.emit(NetworkEvent::PeerConnected(peer_id)),
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                self.message_rates.remove(&peer_id);
                self.request_rates.remove(&peer_id);
                self.emit(NetworkEvent::PeerDisconnected(peer_id));
            }
            SwarmEvent::IncomingConnectionError { error, .. } => {
                tracing::debug!(%error, "incoming connection refused");
            }
            _ => {}
        }
    }

    fn gossip_event(&mut self, event: gossipsub::Event) {
        let gossipsub::Event::Message {
            propagation_source: from,
            message_id,
            message,
        } = event
        else {
            return;
        };
        let limits = &self.limits;
        let bucket = self.message_rates.entry(from).or_insert_with(|| {
            TokenBucket::new(
                limits.messages_per_second,
                limits.messages_burst,
                Instant::now(),
            )
        });
        let verdict = if !bucket.try_take(Instant::now()) {
            Verdict::Ignore(Ignored::RateLimited)
        } else {
            match self.topics.which(&message.topic) {
                Some(Topic::Transactions) => self.judge_transaction(from, message.data),
                Some(Topic::Consensus) => self.judge_consensus(from, &message.data),
                None => Verdict::Reject(Offence::UnknownTopic(message.topic)),
            }
        };
        self.stats.count(&verdict);
        let acceptance = match &verdict {
            Verdict::Accept => MessageAcceptance::Accept,
            Verdict::Ignore(Ignored::LocalFault(rejection)) => {
                tracing::error!(%rejection, "cannot judge gossiped transactions");
                MessageAcceptance::Ignore
            }
            Verdict::Ignore(_) => MessageAcceptance::Ignore,
            Verdict::Reject(offence) => {
                tracing::debug!(%from, %offence, "rejected gossip");
                MessageAcceptance::Reject
            }
        };
        self.swarm
            .behaviour_mut()
            .gossip
            .report_message_validation_result(&message_id, &from, acceptance);
    }

    fn judge_transaction(&mut self, from: PeerId, bytes: Vec<u8>) -> Verdict {
        let verdict = Verdict::of_transaction(self.gate.check(&bytes));
        if verdict == Verdict::Accept {
            self.emit(NetworkEvent::Transaction { from, bytes });
        }
        verdict
    }

    fn judge_consensus(&mut self, from: PeerId, bytes: &[u8]) -> Verdict {
        match check_consensus(bytes, &self.view) {
            Ok(envelope) => {
                self.emit(NetworkEvent::Consensus {
                    from,
                    envelope: Box::new(envelope),
                });
                Verdict::Accept
            }
            Err(verdict) => verdict,
        }
    }

    fn sync_event(&mut self, event: request_response::Event<SyncRequest, SyncResponse>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    let response = self.serve(peer, request);
                    if self
                        .swarm
                        .behaviour_mut()
                        .sync
                        .send_response(channel, response)
                        .is_err()
                    {
                        tracing::debug!(%peer, "sync requester went away before the response");
                    }
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(reply) = self.pending.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                if let Some(reply) = self.pending.remove(&request_id) {
                    let _ = reply.send(Err(P2pError::Request {
                        peer,
                        source: error,
                    }));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "inbound sync request failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    /// Answers a sync request within the rate and size limits.
    fn serve(&mut self, peer: PeerId, request: SyncRequest) -> SyncResponse {
        let limits = &self.limits;
        let bucket = self.request_rates.entry(peer).or_insert_with(|| {
            TokenBucket::new(
                limits.sync_requests_per_second,
                limits.sync_requests_burst,
                Instant::now(),
            )
        });
        if !bucket.try_take(Instant::now()) {
            return SyncResponse::Refused(Refusal::RateLimited);
        }
        match request {
            SyncRequest::Status => SyncResponse::Status(self.blocks.status()),
            SyncRequest::Blocks { from, limit } => {
                let limit = limit.min(self.limits.sync_blocks_per_response);
                match self.blocks.blocks(from, usize::from(limit)) {
                    Ok(blocks) => SyncResponse::Blocks(within_budget(
                        blocks,
                        self.limits.sync_response_bytes_max,
                    )),
                    Err(error) => {
                        tracing::error!(%peer, from, %error, "cannot read blocks to serve");
                        SyncResponse::Refused(Refusal::Unavailable)
                    }
                }
            }
        }
    }

    fn emit(&self, event: NetworkEvent) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.events.try_send(event) {
            tracing::warn!("application not keeping up: network event dropped");
        }
    }
}

/// The bytes of a `SyncResponse::Blocks` besides its blocks: the variant's tag
/// and the vector's u32 length.
const BLOCKS_RESPONSE_OVERHEAD: usize = 1 + 4;

/// The longest prefix of `blocks` whose `SyncResponse::Blocks` encoding fits
/// `budget` bytes; at least one block, so sync never stalls (a block is at most
/// the consensus message limit, well under the response limit).
fn within_budget(blocks: Vec<crate::SyncedBlock>, budget: usize) -> Vec<crate::SyncedBlock> {
    let mut used = BLOCKS_RESPONSE_OVERHEAD;
    let mut kept = Vec::with_capacity(blocks.len());
    for block in blocks {
        // Counted without building the bytes: the codec encodes the response once.
        let size = borsh::object_length(&block).unwrap_or(usize::MAX);
        used = used.saturating_add(size);
        if used > budget && !kept.is_empty() {
            break;
        }
        kept.push(block);
    }
    kept
}

/// The peer named by an address's `/p2p/<id>` component.
fn peer_of(address: &Multiaddr) -> Option<PeerId> {
    address.iter().find_map(|protocol| match protocol {
        Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use civitas_ledger::testing::{NextBlock, TestChain};
    use civitas_ledger::{Ledger, LedgerConfig};

    use super::within_budget;
    use crate::config::Limits;
    use crate::{SyncResponse, SyncedBlock};

    /// `count` copies of one block of `transactions` transactions (the budget
    /// only looks at sizes).
    fn blocks(transactions: usize, count: usize) -> Vec<SyncedBlock> {
        let chain = TestChain::new(4, 100, transactions, 5);
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(
            LedgerConfig::new(dir.path()),
            chain.identity.clone(),
            &chain.genesis(),
        )
        .unwrap();
        let NextBlock {
            block, certificate, ..
        } = chain.next_block(&ledger);
        vec![SyncedBlock { block, certificate }; count]
    }

    fn response_length(blocks: &[SyncedBlock]) -> usize {
        civitas_types::encode(&SyncResponse::Blocks(blocks.to_vec())).len()
    }

    #[test]
    fn a_full_response_stops_at_the_configured_byte_budget() {
        let budget = Limits::default().sync_response_bytes_max;
        // ≈ 2 MiB per block: twenty of them are more than 32 MiB.
        let offered = blocks(10_000, 20);
        let one = response_length(&offered[..1]);
        assert!(
            one > 1 << 20,
            "a block of {one} bytes is too small for this test"
        );
        let kept = within_budget(offered.clone(), budget);
        assert!(kept.len() < offered.len(), "the budget cut nothing");
        assert_eq!(kept[..], offered[..kept.len()], "not a prefix");
        assert!(response_length(&kept) <= budget);
        // The budget is filled: one more block would not have fitted.
        assert!(response_length(&offered[..=kept.len()]) > budget);
    }

    #[test]
    fn everything_is_sent_when_it_fits_and_nothing_from_nothing() {
        let offered = blocks(20, 5);
        let all = response_length(&offered);
        assert_eq!(within_budget(offered.clone(), all), offered);
        assert!(within_budget(Vec::new(), all).is_empty());
    }

    #[test]
    fn one_block_is_sent_even_if_it_alone_exceeds_the_budget() {
        let offered = blocks(20, 3);
        let kept = within_budget(offered.clone(), 100);
        assert_eq!(kept, offered[..1]);
    }

    #[test]
    fn every_cut_is_the_longest_prefix_that_fits() {
        let offered = blocks(20, 6);
        for count in 1..=offered.len() {
            let budget = response_length(&offered[..count]);
            let kept = within_budget(offered.clone(), budget);
            assert_eq!(kept.len(), count, "budget {budget}");
        }
    }
}
