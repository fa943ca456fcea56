//! One simulated network run: nodes, the event loop, the application stand-in.
//!
//! The "application" is a block registry ([`crate::application`]): a proposer's
//! block is a fresh hash registered as a correct block for its height on the
//! proposer's last committed block; Byzantine proposers register defective ones.
//! Voting powers may change along the chain: the set that signs height `h`
//! is derived from the block committed at `h − 2` (activation two heights after
//! the deciding block), the same rule every node applies.
//!
//! Each node has a clock: the genesis time plus simulated real time plus its
//! skew ([`SimConfig::clock_skews_ms`]). An honest proposer waits until its
//! clock passes its parent's time, then puts its clock in the block; every
//! honest validator judges a proposal's timeliness with its own clock when the
//! proposal arrives.

use std::collections::{BTreeMap, BTreeSet};

use civitas_consensus::{Consensus, Timeout};
use civitas_consensus::{ConsensusMessage, Effect, Input, TimeoutParams};
use civitas_types::{
    ChainId, Domain, Hash, PublicKey, QuorumCertificate, SignedProposal, SigningKey, Validator,
    ValidatorSet, check_timely, decode, encode, next_block_time, proposer_wait_ms,
};
use sha2::{Digest, Sha256};

use crate::application::{Application, BlockDefect, BlockInfo, GENESIS_PARENT, GENESIS_TIME_MS};
use crate::checker::{Checker, TimeBound, Violation};
use crate::config::{Sabotage, SimConfig};
use crate::network::{Event, EventQueue, Links, Payload, Window};
use crate::node::{SharedStore, SharedVerifier, SimNode};
use crate::rng::SimRng;

/// Largest consensus message a node accepts; larger ones are dropped unread.
pub const MESSAGE_BYTES_MAX: usize = 64 * 1024;
/// How often a node re-sends its current messages.
const REBROADCAST_MS: u64 = 300;
/// Least time between two block-sync requests of one node.
const SYNC_REQUEST_INTERVAL_MS: u64 = 100;
/// Safety stop: no run processes more events than this.
const EVENTS_MAX: u64 = 5_000_000;

/// Timeouts of simulated validators (scaled to the simulated network's delays).
pub fn sim_timeouts() -> TimeoutParams {
    TimeoutParams {
        propose_ms: 400,
        propose_delta_ms: 100,
        prevote_ms: 200,
        prevote_delta_ms: 100,
        precommit_ms: 200,
        precommit_delta_ms: 100,
    }
}

/// What a run found.
#[derive(Clone, Debug)]
pub struct SimOutcome {
    /// The configuration that ran.
    pub config: SimConfig,
    /// Highest height committed by an honest validator.
    pub heights: u64,
    /// Messages delivered.
    pub messages: u64,
    /// Malformed or oversized messages dropped by receivers.
    pub malformed_dropped: u64,
    /// Invariant violations (empty for a correct run).
    pub violations: Vec<Violation>,
    /// Hash of the whole event trace (same seed ⇒ same hash).
    pub trace_hash: Hash,
    /// Each node's final state, for diagnosis: committed height, round, step.
    pub node_states: Vec<String>,
}

/// A running simulation.
pub struct Simulation {
    pub(crate) config: SimConfig,
    pub(crate) rng: SimRng,
    pub(crate) nodes: Vec<SimNode>,
    pub(crate) conspiracy: BTreeMap<(u64, u32, u64), Hash>,
    chain_id: ChainId,
    queue: EventQueue,
    links: Links,
    pub(crate) now: u64,
    pub(crate) application: Application,
    pub(crate) checker: Checker,
    verifier: SharedVerifier,
    byzantine_keys: BTreeSet<PublicKey>,
    messages: u64,
    malformed_dropped: u64,
    trace: Sha256,
    healed: bool,
    liveness_target: Option<u64>,
    armed_crash: BTreeMap<usize, u64>,
    /// `CIVITAS_SIM_DEBUG` is set: print messages as they are sent.
    debug: bool,
}

impl Simulation {
    /// Sets up a network for `config`.
    pub fn new(config: SimConfig) -> Simulation {
        let mut rng = SimRng::new(config.seed);
        let honest_count = config.validators.saturating_sub(config.byzantine.len());
        let nodes: Vec<SimNode> = (0..config.validators)
            .map(|i| {
                let seed = Hash::tagged_parts(
                    Domain::Genesis,
                    &[&config.seed.to_le_bytes(), &(i as u64).to_le_bytes()],
                );
                SimNode {
                    key: SigningKey::from_seed(&seed.0),
                    byzantine: i
                        .checked_sub(honest_count)
                        .and_then(|b| config.byzantine.get(b).copied()),
                    store: SharedStore::default(),
                    consensus: None,
                    chain: Vec::new(),
                    incarnation: 0,
                    last_sync_request_ms: BTreeMap::new(),
                }
            })
            .collect();
        let byzantine_keys = nodes
            .iter()
            .filter(|n| !n.is_honest())
            .map(|n| n.key.public_key())
            .collect();
        let links = Self::draw_links(&config, &mut rng);
        let mut simulation = Simulation {
            chain_id: ChainId::new("civitas-sim").expect("valid chain id"),
            queue: EventQueue::default(),
            links,
            now: 0,
            application: Application::new(config.seed),
            checker: Checker::default(),
            verifier: SharedVerifier::default(),
            byzantine_keys,
            messages: 0,
            malformed_dropped: 0,
            trace: Sha256::new(),
            healed: false,
            liveness_target: None,
            armed_crash: BTreeMap::new(),
            debug: std::env::var_os("CIVITAS_SIM_DEBUG").is_some(),
            conspiracy: BTreeMap::new(),
            nodes,
            rng,
            config,
        };
        simulation.schedule_crashes();
        simulation
            .queue
            .push(simulation.config.fault_phase_ms, Event::Heal);
        simulation
    }

    fn draw_links(config: &SimConfig, rng: &mut SimRng) -> Links {
        let phase = config.fault_phase_ms;
        let n = config.validators as u64;
        let partitions = (0..config.faults.partitions)
            .map(|_| {
                (
                    Window::draw(rng, phase),
                    rng.between(1, (1u64 << n.min(63)).saturating_sub(2).max(1)),
                )
            })
            .collect();
        let one_way = (0..config.faults.asymmetric_links)
            .map(|_| {
                (
                    Window::draw(rng, phase),
                    rng.below(n) as usize,
                    rng.below(n) as usize,
                )
            })
            .collect();
        Links {
            profile: config.faults.clone(),
            partitions,
            one_way,
        }
    }

    fn schedule_crashes(&mut self) {
        for _ in 0..self.config.faults.crashes {
            let node = self.rng.below(self.config.validators as u64) as usize;
            let at = self.rng.below(self.config.fault_phase_ms);
            let down_ms = self.rng.between(50, 1_500);
            let before_send = self
                .rng
                .chance(self.config.faults.crash_before_send_permille);
            self.queue.push(
                at,
                Event::Crash {
                    node,
                    down_ms,
                    before_send,
                },
            );
        }
    }

    /// Runs to the end: the fault phase, then the liveness phase.
    pub fn run(mut self) -> SimOutcome {
        for node in 0..self.nodes.len() {
            self.boot(node);
        }
        let mut processed: u64 = 0;
        while let Some((time, event)) = self.queue.pop() {
            self.now = time;
            processed = processed.saturating_add(1);
            if processed > EVENTS_MAX {
                self.checker
                    .violations
                    .push(Violation::EventLimit { at_ms: time });
                break;
            }
            self.trace_event(&event);
            self.handle(event);
            if self.finished() {
                break;
            }
        }
        self.finish()
    }

    fn finished(&mut self) -> bool {
        if !self.healed {
            return false;
        }
        let deadline = self
            .config
            .fault_phase_ms
            .saturating_add(self.config.liveness_bound_ms);
        let Some(target) = self.liveness_target else {
            return true;
        };
        let all_there = self
            .nodes
            .iter()
            .filter(|n| n.is_honest())
            .all(|n| (n.chain.len() as u64) >= target);
        if all_there {
            return true;
        }
        if self.now >= deadline {
            let laggards = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.is_honest() && (n.chain.len() as u64) < target)
                .map(|(i, n)| (i, n.chain.len() as u64))
                .collect();
            self.checker.violations.push(Violation::Liveness {
                bound_ms: self.config.liveness_bound_ms,
                target,
                laggards,
            });
            return true;
        }
        false
    }

    fn finish(mut self) -> SimOutcome {
        self.trace
            .update(self.checker.canonical.len().to_le_bytes());
        let trace_hash = Hash(self.trace.finalize_reset().into());
        let node_states = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| match &n.consensus {
                Some(c) => format!(
                    "node {i} ({:?}): committed {} at height {} round {} step {:?} locked {:?}",
                    n.byzantine,
                    n.chain.len(),
                    c.height(),
                    c.round(),
                    c.step(),
                    c.locked().map(|(r, _)| r)
                ),
                None => format!(
                    "node {i} ({:?}): down, committed {}",
                    n.byzantine,
                    n.chain.len()
                ),
            })
            .collect();
        SimOutcome {
            node_states,
            heights: self
                .checker
                .canonical
                .keys()
                .next_back()
                .copied()
                .unwrap_or(0),
            messages: self.messages,
            malformed_dropped: self.malformed_dropped,
            violations: self.checker.violations,
            trace_hash,
            config: self.config,
        }
    }

    fn trace_event(&mut self, event: &Event) {
        self.trace.update(self.now.to_le_bytes());
        match event {
            Event::Deliver { to, from, payload } => {
                self.trace.update([0, *to as u8, *from as u8]);
                if let Payload::Consensus(bytes) = payload {
                    self.trace.update(bytes);
                }
            }
            Event::Timer { node, timeout, .. } => {
                self.trace.update([1, *node as u8, timeout.kind as u8]);
                self.trace.update(timeout.round.to_le_bytes());
            }
            Event::Rebroadcast { node, .. } => self.trace.update([2, *node as u8]),
            Event::Crash { node, .. } => self.trace.update([3, *node as u8]),
            Event::Restart { node } => self.trace.update([4, *node as u8]),
            Event::Heal => self.trace.update([5]),
            Event::ProposeAfterWait { node, round, .. } => {
                self.trace.update([6, *node as u8]);
                self.trace.update(round.to_le_bytes());
            }
        }
    }

    /// The validator set that signs `height`.
    fn validator_set(&self, height: u64) -> ValidatorSet {
        let deciding = height
            .checked_sub(2)
            .and_then(|h| self.checker.canonical.get(&h));
        let validators = self
            .nodes
            .iter()
            .enumerate()
            .map(|(index, node)| {
                // A far-off clock counts as a fault: it gets a Byzantine
                // validator's power, so faults never exceed a third.
                let fault = !node.is_honest() || self.config.far_clock == Some(index);
                let voting_power = match (self.config.changing_powers && !fault, deciding) {
                    (true, Some(block)) => 1 + u64::from(block.0[0].wrapping_add(index as u8) % 3),
                    _ => 1,
                };
                Validator {
                    public_key: node.key.public_key(),
                    voting_power,
                }
            })
            .collect();
        ValidatorSet::new(validators)
            .expect("simulated validator sets are non-empty with small powers")
    }

    /// Starts (or restarts) a node from its persisted chain and signing state.
    fn boot(&mut self, node: usize) {
        if self.nodes[node].byzantine == Some(crate::config::ByzantineKind::Silent) {
            return;
        }
        let height = self.nodes[node].next_height();
        let set = self.validator_set(height);
        let started = Consensus::start(
            self.chain_id.clone(),
            self.nodes[node].key.clone(),
            self.nodes[node].store.clone(),
            sim_timeouts(),
            height,
            set,
        );
        match started {
            Ok((consensus, effects)) => {
                self.nodes[node].consensus =
                    Some(consensus.with_verifier(Box::new(self.verifier.clone())));
                let incarnation = self.nodes[node].incarnation;
                self.queue.push(
                    self.now.saturating_add(REBROADCAST_MS),
                    Event::Rebroadcast { node, incarnation },
                );
                self.execute(node, effects);
            }
            Err(error) => self
                .checker
                .violations
                .push(Violation::StartFailed { node, error }),
        }
    }

    fn crash(&mut self, node: usize) {
        if self.nodes[node].consensus.take().is_some() {
            self.nodes[node].incarnation = self.nodes[node].incarnation.saturating_add(1);
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Deliver { to, from, payload } => self.deliver(to, from, payload),
            Event::Timer {
                node,
                incarnation,
                timeout,
            } => {
                if self.nodes[node].incarnation == incarnation {
                    self.input(node, Input::Timeout(timeout));
                }
            }
            Event::Rebroadcast { node, incarnation } => {
                if self.nodes[node].incarnation == incarnation && self.nodes[node].is_up() {
                    self.input(node, Input::Rebroadcast);
                    self.queue.push(
                        self.now.saturating_add(REBROADCAST_MS),
                        Event::Rebroadcast { node, incarnation },
                    );
                }
            }
            Event::Crash {
                node,
                down_ms,
                before_send,
            } => {
                if !self.nodes[node].is_up() || self.healed {
                    return;
                }
                if before_send {
                    let at = self.nodes[node].store.saves().saturating_add(1);
                    self.armed_crash.insert(node, at);
                    self.queue.push(
                        self.now.saturating_add(down_ms.saturating_mul(4)),
                        Event::Restart { node },
                    );
                } else {
                    self.crash(node);
                    self.queue
                        .push(self.now.saturating_add(down_ms), Event::Restart { node });
                }
            }
            Event::Restart { node } => {
                self.armed_crash.remove(&node);
                if !self.nodes[node].is_up() {
                    self.boot(node);
                }
            }
            Event::Heal => self.heal(),
            Event::ProposeAfterWait {
                node,
                incarnation,
                height,
                round,
            } => {
                if self.nodes[node].incarnation == incarnation {
                    self.propose_value(node, height, round);
                }
            }
        }
    }

    /// Node `node`'s clock now: genesis time + simulated time + its skew.
    pub(crate) fn clock(&self, node: usize) -> u64 {
        let real = GENESIS_TIME_MS.saturating_add(self.now);
        real.saturating_add_signed(self.config.clock_skew_ms(node))
    }

    /// The time of the last block `node` committed (the genesis time before any).
    fn tip_time(&self, node: usize) -> u64 {
        let tip = self.nodes[node]
            .chain
            .last()
            .map_or(GENESIS_PARENT, |(block, _)| *block);
        self.application
            .time_ms(&tip)
            .expect("committed blocks are registered")
    }

    /// Answers `GetValue`: an honest proposer waits until its clock is past its
    /// parent's time, then builds a block stamped with its clock.
    fn get_value(&mut self, node: usize, height: u64, round: u32) {
        let wait = proposer_wait_ms(self.tip_time(node), self.clock(node));
        if wait == 0 {
            self.propose_value(node, height, round);
        } else {
            let incarnation = self.nodes[node].incarnation;
            self.queue.push(
                self.now.saturating_add(wait),
                Event::ProposeAfterWait {
                    node,
                    incarnation,
                    height,
                    round,
                },
            );
        }
    }

    fn propose_value(&mut self, node: usize, height: u64, round: u32) {
        let block_hash = self.new_block(node, height);
        self.input(
            node,
            Input::ProposeValue {
                height,
                round,
                block_hash,
            },
        );
    }

    fn heal(&mut self) {
        self.healed = true;
        self.links.heal();
        self.armed_crash.clear();
        for node in 0..self.nodes.len() {
            if !self.nodes[node].is_up() {
                self.boot(node);
            }
        }
        if self.config.liveness_heights > 0 {
            let highest = self
                .nodes
                .iter()
                .filter(|n| n.is_honest())
                .map(|n| n.chain.len() as u64)
                .max()
                .unwrap_or(0);
            self.liveness_target = Some(highest.saturating_add(self.config.liveness_heights));
        }
    }

    fn deliver(&mut self, to: usize, from: usize, payload: Payload) {
        if !self.nodes[to].is_up() {
            return;
        }
        self.messages = self.messages.saturating_add(1);
        match payload {
            Payload::Consensus(bytes) => {
                if bytes.len() > MESSAGE_BYTES_MAX {
                    self.malformed_dropped = self.malformed_dropped.saturating_add(1);
                    return;
                }
                match decode::<ConsensusMessage>(&bytes) {
                    Ok(message) => self.receive(to, from, message),
                    Err(_) => self.malformed_dropped = self.malformed_dropped.saturating_add(1),
                }
            }
            Payload::SyncRequest { height } => {
                if self.debug {
                    eprintln!(
                        "{} node {to} sync request from {from} for h{height} (has {})",
                        self.now,
                        self.nodes[to].chain.len()
                    );
                }
                if self.nodes[to].is_honest()
                    && let Some((_, certificate)) = height
                        .checked_sub(1)
                        .and_then(|i| self.nodes[to].chain.get(i as usize))
                {
                    let payload = Payload::SyncResponse {
                        certificate: certificate.clone(),
                    };
                    self.send(to, from, payload);
                }
            }
            Payload::SyncResponse { certificate } => {
                if self.debug {
                    eprintln!(
                        "{} node {to} sync response from {from} for h{} (at {:?})",
                        self.now,
                        certificate.height,
                        self.nodes[to].consensus.as_ref().map(|c| c.height())
                    );
                }
                let block_valid = self.block_valid(to, &certificate.block_hash, certificate.height);
                self.input(
                    to,
                    Input::SyncedCommit {
                        certificate,
                        block_valid,
                    },
                );
            }
        }
    }

    fn receive(&mut self, to: usize, from: usize, message: ConsensusMessage) {
        let current = self.nodes[to].consensus.as_ref().map_or(0, |c| c.height());
        let last_asked = self.nodes[to].last_sync_request_ms.get(&from).copied();
        if message.height() > current
            && last_asked.is_none_or(|at| self.now >= at.saturating_add(SYNC_REQUEST_INTERVAL_MS))
        {
            self.nodes[to].last_sync_request_ms.insert(from, self.now);
            self.send(to, from, Payload::SyncRequest { height: current });
        }
        let input = match message {
            ConsensusMessage::Proposal(proposal) => {
                let block_valid =
                    self.block_valid(to, &proposal.proposal.block_hash, proposal.proposal.height);
                let timely = self.proposal_arrives(to, &proposal);
                Input::Proposal {
                    proposal,
                    block_valid,
                    timely,
                }
            }
            ConsensusMessage::Vote(vote) => Input::Vote(vote),
        };
        self.input(to, input);
    }

    /// Whether `proposal`'s block time is timely by node `to`'s clock now (an
    /// unknown block has no time: not timely), recorded for the checker when
    /// `to` is honest; [`Sabotage::IgnoreBlockTime`] makes honest nodes take it
    /// as timely regardless.
    fn proposal_arrives(&mut self, to: usize, proposal: &SignedProposal) -> bool {
        let p = &proposal.proposal;
        let timely = self.timely_by(to, p);
        if !self.nodes[to].is_honest() {
            return timely;
        }
        let reproposed = p.proof_of_lock_round.is_some();
        self.checker
            .on_proposal_arrival(to, p.height, p.round, p.block_hash, reproposed, timely);
        timely || self.config.sabotage == Some(Sabotage::IgnoreBlockTime)
    }

    /// Whether the block time of `proposal` is timely by `node`'s clock now, in
    /// the proposal's round (an unknown block has no time: not timely).
    fn timely_by(&self, node: usize, proposal: &civitas_types::Proposal) -> bool {
        self.application
            .time_ms(&proposal.block_hash)
            .is_some_and(|time| {
                let params = &self.config.time_params;
                check_timely(time, self.clock(node), proposal.round, params).is_ok()
            })
    }

    /// The application's `valid(v)` as node `to` sees it.
    fn block_valid(&self, to: usize, block: &Hash, height: u64) -> bool {
        let sabotaged =
            self.config.sabotage == Some(Sabotage::AcceptEveryBlock) && self.nodes[to].is_honest();
        sabotaged || self.verdict(block, height).is_ok()
    }

    /// The application's verdict on `block` at `height`: the parent it must name
    /// is the block honest validators committed at `height − 1`.
    pub(crate) fn verdict(&self, block: &Hash, height: u64) -> Result<(), BlockDefect> {
        let parent = match height.checked_sub(1) {
            Some(0) | None => Some(&GENESIS_PARENT),
            Some(previous) => self.checker.canonical.get(&previous),
        };
        self.application.verdict(block, height, parent)
    }

    /// A correct block for `height` on the last block `node` committed, stamped
    /// with `node`'s clock (or 1 ms after its parent, for a proposer that did
    /// not wait): what an honest proposer builds.
    pub(crate) fn new_block(&mut self, node: usize, height: u64) -> Hash {
        let info = self.correct_block(node, height);
        self.application.build(info, self.now)
    }

    /// What [`Self::new_block`] builds, not yet registered.
    pub(crate) fn correct_block(&self, node: usize, height: u64) -> BlockInfo {
        let parent = self.nodes[node]
            .chain
            .last()
            .map_or(GENESIS_PARENT, |(block, _)| *block);
        let time_ms = next_block_time(self.tip_time(node), self.clock(node));
        BlockInfo::correct(height, parent, time_ms)
    }

    fn input(&mut self, node: usize, input: Input) {
        let Some(consensus) = self.nodes[node].consensus.as_mut() else {
            return;
        };
        let effects = consensus.apply(input);
        self.execute(node, effects);
    }

    /// Carries out a node's effects in order, as the real driver would.
    fn execute(&mut self, node: usize, effects: Vec<Effect>) {
        for effect in effects {
            if !self.nodes[node].is_up() {
                return; // crashed part-way: the rest is lost
            }
            match effect {
                Effect::Broadcast(message) => self.broadcast(node, message),
                Effect::SendTo { validator, message } => self.send_to(node, validator, &message),
                Effect::ScheduleTimeout {
                    timeout,
                    duration_ms,
                } => self.schedule_timer(node, timeout, duration_ms),
                Effect::GetValue { height, round } => self.get_value(node, height, round),
                Effect::Decide {
                    height,
                    block_hash,
                    certificate,
                } => self.commit(node, height, block_hash, certificate),
                Effect::Evidence(evidence) => {
                    if self.nodes[node].is_honest() {
                        self.checker.on_evidence(&evidence, &self.byzantine_keys);
                    }
                }
            }
        }
    }

    /// Sends `message` to one validator (catch-up help). Like a broadcast, what an
    /// honest node sends this way passes the checker's signature checks: a relayed
    /// vote may be the node's own.
    fn send_to(&mut self, node: usize, validator: PublicKey, message: &ConsensusMessage) {
        if !self.nodes[node].is_honest() {
            return;
        }
        let Some(peer) = self
            .nodes
            .iter()
            .position(|n| n.key.public_key() == validator)
        else {
            return;
        };
        self.check_honest_signature(node, message);
        self.send(node, peer, Payload::Consensus(encode(message)));
    }

    /// Hands a message honest `node` is sending to the checker, with the
    /// application's verdict on the block it names.
    fn check_honest_signature(&mut self, node: usize, message: &ConsensusMessage) {
        let block = match message {
            ConsensusMessage::Proposal(p) => Some(p.proposal.block_hash),
            ConsensusMessage::Vote(v) => v.vote.block_hash,
        };
        let verdict = block.map_or(Ok(()), |b| self.verdict(&b, message.height()));
        let own_key = self.nodes[node].key.public_key();
        if let ConsensusMessage::Proposal(p) = message
            && p.proposal.proposer == own_key
        {
            // Its own proposal counts as an arrival, judged by its own clock.
            let p = &p.proposal;
            let timely = self.timely_by(node, p);
            let reproposed = p.proof_of_lock_round.is_some();
            self.checker.on_proposal_arrival(
                node,
                p.height,
                p.round,
                p.block_hash,
                reproposed,
                timely,
            );
        }
        self.checker
            .on_honest_signature(node, &own_key, message, verdict);
    }

    fn schedule_timer(&mut self, node: usize, timeout: Timeout, duration_ms: u64) {
        let incarnation = self.nodes[node].incarnation;
        self.queue.push(
            self.now.saturating_add(duration_ms),
            Event::Timer {
                node,
                incarnation,
                timeout,
            },
        );
    }

    fn broadcast(&mut self, node: usize, message: ConsensusMessage) {
        let armed = self.armed_crash.get(&node).copied();
        let planned = self.config.crash_at_signature.filter(|_| node == 0);
        let saves = self.nodes[node].store.saves();
        if let Some(at) = armed
            && saves >= at
        {
            // The signature is saved; the node dies before it leaves.
            self.armed_crash.remove(&node);
            self.crash(node);
            return;
        }
        if let Some(plan) = planned
            && saves == plan.signature.saturating_add(1)
            && self.nodes[node].incarnation == 0
        {
            if !plan.before_send {
                self.send_message(node, &message);
            }
            self.crash(node);
            self.queue.push(
                self.now.saturating_add(plan.down_ms),
                Event::Restart { node },
            );
            return;
        }
        self.send_message(node, &message);
    }

    fn send_message(&mut self, node: usize, message: &ConsensusMessage) {
        if self.debug {
            match message {
                ConsensusMessage::Proposal(p) => eprintln!(
                    "{} node {node} proposes h{} r{} vr {:?} {}",
                    self.now,
                    p.proposal.height,
                    p.proposal.round,
                    p.proposal.proof_of_lock_round,
                    &p.proposal.block_hash.to_hex()[..8]
                ),
                ConsensusMessage::Vote(v)
                    if v.vote.validator == self.nodes[node].key.public_key() =>
                {
                    eprintln!(
                        "{} node {node} {:?} h{} r{} {:?}",
                        self.now,
                        v.vote.vote_type,
                        v.vote.height,
                        v.vote.round,
                        v.vote.block_hash.map(|h| h.to_hex()[..8].to_string())
                    )
                }
                _ => {}
            }
        }
        let outgoing = match self.nodes[node].byzantine {
            None => self.honest_outgoing(node, message),
            Some(kind) => self.byzantine_outgoing(node, kind, message),
        };
        for (peer, bytes) in outgoing {
            self.send(node, peer, Payload::Consensus(bytes));
        }
    }

    /// The (recipient, bytes) pairs of an honest broadcast, checked first.
    fn honest_outgoing(
        &mut self,
        node: usize,
        message: &ConsensusMessage,
    ) -> Vec<(usize, Vec<u8>)> {
        self.check_honest_signature(node, message);
        let mut messages = vec![encode(message)];
        if node == 0 && self.config.sabotage == Some(Sabotage::UnguardedSigner) {
            let conflicting = self.unguarded_conflict(node, message);
            if let Some(conflicting) = conflicting {
                self.check_honest_signature(node, &conflicting);
                messages.push(encode(&conflicting));
            }
        }
        (0..self.nodes.len())
            .filter(|p| *p != node)
            .flat_map(|p| messages.iter().map(move |bytes| (p, bytes.clone())))
            .collect()
    }

    fn send(&mut self, from: usize, to: usize, payload: Payload) {
        if self.links.lost(&mut self.rng, self.now, from, to) {
            return;
        }
        let copies = if self.links.duplicate(&mut self.rng) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let delay = self.links.delay(&mut self.rng);
            self.queue.push(
                self.now.saturating_add(delay),
                Event::Deliver {
                    to,
                    from,
                    payload: payload.clone(),
                },
            );
        }
    }

    fn commit(&mut self, node: usize, height: u64, block: Hash, certificate: QuorumCertificate) {
        if height != self.nodes[node].next_height() {
            self.checker
                .violations
                .push(Violation::OutOfOrder { node, height });
            return;
        }
        if self.nodes[node].is_honest() {
            if !self.checker.canonical.contains_key(&height) {
                self.check_block_time(height, &block, certificate.round);
            }
            let verdict = self.verdict(&block, height);
            let set = self.validator_set(height);
            let checked = match self.config.sabotage {
                Some(Sabotage::CutCertificates) => cut_certificate(&certificate),
                _ => certificate.clone(),
            };
            self.checker.on_honest_commit(
                node,
                height,
                block,
                &checked,
                verdict,
                &self.chain_id,
                &set,
                &mut self.verifier,
            );
        }
        self.trace.update(height.to_le_bytes());
        self.trace.update(block.0);
        self.nodes[node].chain.push((block, certificate));
        let next = height.saturating_add(1);
        let set = self.validator_set(next);
        let effects = match self.nodes[node].consensus.as_mut() {
            Some(consensus) => consensus.start_height(next, set),
            None => Vec::new(),
        };
        self.execute(node, effects);
    }
}

impl Simulation {
    /// Checks the time of the block first committed at `height` (decided in
    /// `round`) against the previous block's and the PBTS bound of the honest
    /// clocks ([`TimeBound`]).
    fn check_block_time(&mut self, height: u64, block: &Hash, round: u32) {
        let (Some(time_ms), Some(built_at_ms)) = (
            self.application.time_ms(block),
            self.application.built_at_ms(block),
        ) else {
            return; // an unknown block: the validity check reports it
        };
        let skews = (0..self.nodes.len())
            .filter(|i| self.nodes[*i].is_honest())
            .map(|i| self.config.clock_skew_ms(i));
        let (slowest, fastest) =
            skews.fold((i64::MAX, i64::MIN), |(lo, hi), s| (lo.min(s), hi.max(s)));
        let params = &self.config.time_params;
        let window_ms = params
            .precision_ms
            .saturating_add(params.message_delay_in_round_ms(round));
        let bound = TimeBound {
            lower_ms: GENESIS_TIME_MS
                .saturating_add(built_at_ms)
                .saturating_add_signed(slowest)
                .saturating_sub(window_ms),
            upper_ms: GENESIS_TIME_MS
                .saturating_add(self.now)
                .saturating_add_signed(fastest)
                .saturating_add(params.precision_ms),
        };
        self.checker
            .on_canonical_time(height, time_ms, GENESIS_TIME_MS, bound);
    }
}

/// The certificate with only its first signature (sabotage of a checker check).
fn cut_certificate(certificate: &QuorumCertificate) -> QuorumCertificate {
    let first = certificate.signatures().iter().take(1).copied().collect();
    QuorumCertificate::new(
        certificate.height,
        certificate.round,
        certificate.block_hash,
        first,
    )
    .unwrap_or_else(|_| certificate.clone())
}

#[cfg(test)]
mod tests;
