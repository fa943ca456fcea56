//! One simulated network run: nodes running the real engine, the event loop,
//! the civic workload, and the checks on every commit.
//!
//! Each node is a `civitas_engine::Engine` over its own in-memory chain store
//! ([`crate::node::SimStore`]), started from one genesis
//! ([`crate::workload::genesis`]) and fed the transactions of a light civic
//! workload ([`crate::workload::Workload`]), which also raises an honest
//! validator's power by governance in half the seeds. Each node has a clock:
//! the genesis time plus simulated real time plus its skew
//! ([`SimConfig::clock_skews_ms`]); the engine reads it as its `now_ms` and
//! asks for timers by it.

mod checks;

use std::collections::{BTreeMap, BTreeSet};

use civitas_consensus::{ConsensusMessage, TimeoutParams};
use civitas_engine::{
    ChainSpec, ChainStore, Engine, EngineConfig, Input, MemoryStore, Output, Timer,
};
use civitas_types::{
    Block, ChainId, Domain, Hash, PublicKey, SigningKey, check_timely, decode, encode,
};
use sha2::{Digest, Sha256};

use crate::blocks::{BlockRecord, BlockRegistry};
use crate::checker::{Checker, Violation};
use crate::config::{ByzantineKind, Sabotage, SimConfig};
use crate::network::{CrashPoint, Event, EventQueue, Links, Payload, Window};
use crate::node::{SharedStore, SharedVerifier, SimNode, SimStore, Tamper, TrustingVerifier};
use crate::reference::Reference;
use crate::rng::SimRng;
use crate::workload::{self, GENESIS_TIME_MS, Workload};

/// Largest raw message a node reads; larger ones are dropped unread.
pub const MESSAGE_BYTES_MAX: usize = 64 * 1024;
/// How often a node re-sends its current messages.
const REBROADCAST_MS: u64 = 300;
/// Least time between two block-sync requests of one node to one peer.
const SYNC_REQUEST_INTERVAL_MS: u64 = 100;
/// Most blocks one sync response carries.
const SYNC_BLOCKS_MAX: u64 = 8;
/// How often the workload submits its current transactions.
const WORKLOAD_INTERVAL_MS: u64 = 250;
/// How long a node with an empty mempool waits before the next height.
const HEARTBEAT_MS: u64 = 100;
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
    /// Transactions in the canonical chain.
    pub transactions: u64,
    /// Workload steps completed.
    pub workload_steps: u64,
    /// Whether the validator-set change was decided.
    pub validator_changed: bool,
    /// Honest refusals of blocks Byzantine proposers built invalid, by defect.
    pub refused: BTreeMap<crate::blocks::Defect, u64>,
    /// Decided blocks lost by a crash before their write (the node decided
    /// them again after its restart, or fetched them by sync).
    pub commits_lost: u64,
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
    /// Conspirators' blocks per (height, round, group).
    pub(crate) conspiracy: BTreeMap<(u64, u32, u64), Block>,
    pub(crate) spec: ChainSpec,
    engine_config: EngineConfig,
    queue: EventQueue,
    links: Links,
    pub(crate) now: u64,
    pub(crate) blocks: BlockRegistry,
    pub(crate) checker: Checker,
    pub(crate) reference: Reference,
    verifier: SharedVerifier,
    pub(crate) byzantine_keys: BTreeSet<PublicKey>,
    /// The honest node every equivocator also sends its conflicting votes to.
    pub(crate) witness: usize,
    workload: Workload,
    pub(crate) refused: BTreeMap<crate::blocks::Defect, u64>,
    commits_lost: u64,
    messages: u64,
    malformed_dropped: u64,
    pub(crate) trace: Sha256,
    healed: bool,
    liveness_target: Option<u64>,
    armed_crash: BTreeMap<usize, (CrashPoint, u64)>,
    /// `CIVITAS_SIM_DEBUG` is set: print messages as they are sent.
    debug: bool,
}

impl Simulation {
    /// Sets up a network for `config`.
    pub fn new(config: SimConfig) -> Simulation {
        let mut rng = SimRng::new(config.seed);
        let honest_count = config.validators.saturating_sub(config.byzantine.len());
        let key_of = |i: usize, tag: u64| {
            let seed = Hash::tagged_parts(
                Domain::Genesis,
                &[
                    &config.seed.to_le_bytes(),
                    &(i as u64).to_le_bytes(),
                    &tag.to_le_bytes(),
                ],
            );
            SigningKey::from_seed(&seed.0)
        };
        let keys: Vec<(SigningKey, SigningKey)> = (0..config.validators)
            .map(|i| (key_of(i, 0), key_of(i, 1)))
            .collect();
        let (spec, genesis_store) = Self::genesis(&config, &keys);
        let tamper = match config.sabotage {
            Some(Sabotage::TamperedState) => Some(Tamper::State),
            Some(Sabotage::TamperedReceipts) => Some(Tamper::Receipts),
            _ => None,
        };
        let nodes: Vec<SimNode> = keys
            .iter()
            .enumerate()
            .map(|(i, (key, _))| SimNode {
                key: key.clone(),
                byzantine: i
                    .checked_sub(honest_count)
                    .and_then(|b| config.byzantine.get(b).copied()),
                sign_store: SharedStore::default(),
                resting: Some(SimStore::new(
                    genesis_store.clone(),
                    tamper.filter(|_| i == 0),
                )),
                engine: None,
                incarnation: 0,
                last_sync_request_ms: BTreeMap::new(),
            })
            .collect();
        let byzantine_keys = nodes
            .iter()
            .filter(|n| !n.is_honest())
            .map(|n| n.key.public_key())
            .collect();
        let witness = (0..honest_count)
            .find(|i| config.far_clock != Some(*i))
            .unwrap_or(0);
        let raisable = match config.validator_change {
            true => (0..honest_count)
                .filter(|i| config.far_clock != Some(*i))
                .map(|i| nodes[i].key.public_key())
                .collect(),
            false => Vec::new(),
        };
        let links = Self::draw_links(&config, &mut rng);
        let verifier = SharedVerifier::default();
        let mut simulation = Simulation {
            engine_config: EngineConfig {
                heartbeat_ms: HEARTBEAT_MS,
                ..EngineConfig::default()
            },
            reference: Reference::new(spec.clone(), genesis_store, verifier.clone()),
            spec,
            queue: EventQueue::default(),
            links,
            now: 0,
            blocks: BlockRegistry::default(),
            checker: Checker::default(),
            verifier,
            byzantine_keys,
            witness,
            workload: Workload::new(config.seed, raisable),
            refused: BTreeMap::new(),
            commits_lost: 0,
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
        simulation.queue.push(0, Event::Workload);
        simulation
    }

    /// The chain every node starts from: the workload's genesis with the
    /// simulated network's timeouts and block-time window.
    fn genesis(config: &SimConfig, keys: &[(SigningKey, SigningKey)]) -> (ChainSpec, MemoryStore) {
        let public: Vec<(PublicKey, PublicKey)> = keys
            .iter()
            .map(|(consensus, network)| (consensus.public_key(), network.public_key()))
            .collect();
        let mut document = workload::genesis(&public);
        document.consensus.timeouts = sim_timeouts();
        document.consensus.time = config.time_params;
        let checked = document
            .check()
            .expect("the simulated genesis is a valid document");
        let spec = ChainSpec::from_genesis(&document, checked.hash);
        let store = MemoryStore::from_genesis(&checked, document.initial_height)
            .expect("the simulated genesis state builds");
        (spec, store)
    }

    /// The chain id of simulated chains.
    pub fn chain_id(&self) -> &ChainId {
        &self.spec.chain_id
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
            let at_ms = self.rng.below(self.config.fault_phase_ms);
            let down_ms = self.rng.between(50, 1_500);
            let at = if self
                .rng
                .chance(self.config.faults.crash_before_send_permille)
            {
                CrashPoint::BeforeSend
            } else if self
                .rng
                .chance(self.config.faults.crash_before_commit_permille)
            {
                CrashPoint::BeforeCommitWrite
            } else {
                CrashPoint::Now
            };
            self.queue.push(at_ms, Event::Crash { node, down_ms, at });
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

    /// The equivocators not yet proven guilty in a committed block.
    fn unproven_equivocators(&self) -> Vec<PublicKey> {
        self.nodes
            .iter()
            .filter(|n| n.byzantine == Some(ByzantineKind::Equivocator))
            .map(|n| n.key.public_key())
            .filter(|key| !self.checker.proven.contains(key))
            .collect()
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
            .all(|n| n.committed() >= target);
        let unproven = self.unproven_equivocators();
        if all_there && unproven.is_empty() {
            return true;
        }
        if self.now >= deadline {
            let laggards: Vec<(usize, u64)> = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.is_honest() && n.committed() < target)
                .map(|(i, n)| (i, n.committed()))
                .collect();
            if !laggards.is_empty() {
                self.checker.violations.push(Violation::Liveness {
                    bound_ms: self.config.liveness_bound_ms,
                    target,
                    laggards,
                });
            }
            for offender in unproven {
                self.checker
                    .violations
                    .push(Violation::EvidenceMissing { offender });
            }
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
            .map(|(i, n)| match &n.engine {
                Some(engine) => format!(
                    "node {i} ({:?}): committed {} at height {} round/step {:?}",
                    n.byzantine,
                    n.committed(),
                    engine.height(),
                    engine.round_step(),
                ),
                None => format!(
                    "node {i} ({:?}): down, committed {}",
                    n.byzantine,
                    n.committed()
                ),
            })
            .collect();
        let transactions = self
            .reference
            .store()
            .blocks()
            .iter()
            .map(|b| b.block.transactions.len() as u64)
            .sum();
        SimOutcome {
            node_states,
            heights: self
                .checker
                .canonical
                .keys()
                .next_back()
                .copied()
                .unwrap_or(0),
            transactions,
            workload_steps: self.workload.steps_done(),
            validator_changed: self.workload.validator_change_done(),
            refused: self.refused,
            commits_lost: self.commits_lost,
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
                match payload {
                    Payload::Consensus { message, block } => {
                        self.trace.update(encode(message));
                        if let Some(block) = block {
                            self.trace.update(block.hash().0);
                        }
                    }
                    Payload::Bytes(bytes) => self.trace.update(bytes),
                    Payload::SyncRequest { height } => self.trace.update(height.to_le_bytes()),
                    Payload::SyncResponse { blocks } => {
                        for (block, _) in blocks {
                            self.trace.update(block.hash().0);
                        }
                    }
                }
            }
            Event::Timer { node, timer, .. } => {
                self.trace.update([1, *node as u8]);
                self.trace.update(format!("{timer:?}").as_bytes());
            }
            Event::Rebroadcast { node, .. } => self.trace.update([2, *node as u8]),
            Event::Crash { node, .. } => self.trace.update([3, *node as u8]),
            Event::Restart { node } => self.trace.update([4, *node as u8]),
            Event::Heal => self.trace.update([5]),
            Event::Workload => self.trace.update([6]),
        }
    }

    /// Starts (or restarts) a node from its persisted chain and signing state.
    pub(crate) fn boot(&mut self, node: usize) {
        if self.nodes[node].byzantine == Some(ByzantineKind::Silent) || self.nodes[node].is_up() {
            return;
        }
        let Some(store) = self.nodes[node].resting.take() else {
            return;
        };
        let now_ms = self.clock(node);
        let key = self.nodes[node].key.clone();
        let sign_store = self.nodes[node].sign_store.clone();
        let (spec, config) = (self.spec.clone(), self.engine_config);
        let trusting = self.config.sabotage == Some(Sabotage::TrustEverySignature)
            && self.nodes[node].is_honest();
        let started = if trusting {
            Engine::start_with_verifier(
                spec,
                config,
                store,
                key,
                sign_store,
                TrustingVerifier,
                now_ms,
            )
        } else {
            let verifier = self.verifier.clone();
            Engine::start_with_verifier(spec, config, store, key, sign_store, verifier, now_ms)
        };
        match started {
            Ok((engine, outputs)) => {
                self.nodes[node].engine = Some(engine);
                let incarnation = self.nodes[node].incarnation;
                self.queue.push(
                    self.now.saturating_add(REBROADCAST_MS),
                    Event::Rebroadcast { node, incarnation },
                );
                self.route(node, outputs);
            }
            Err(error) => self
                .checker
                .violations
                .push(Violation::StartFailed { node, error }),
        }
    }

    /// Stops `node`; what it made durable is `durable` if given (a commit
    /// lost in the crash), else everything its store holds.
    fn crash(&mut self, node: usize, durable: Option<SimStore>) {
        if let Some(engine) = self.nodes[node].engine.take() {
            self.nodes[node].resting = Some(durable.unwrap_or_else(|| engine.store().clone()));
            self.nodes[node].incarnation = self.nodes[node].incarnation.saturating_add(1);
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Deliver { to, from, payload } => self.deliver(to, from, payload),
            Event::Timer {
                node,
                incarnation,
                timer,
            } => {
                if self.nodes[node].incarnation == incarnation {
                    self.input(node, Input::Timer(timer));
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
            Event::Crash { node, down_ms, at } => self.strike(node, down_ms, at),
            Event::Restart { node } => {
                self.armed_crash.remove(&node);
                self.boot(node);
            }
            Event::Heal => self.heal(),
            Event::Workload => self.submit_workload(),
        }
    }

    /// A crash drawn for the fault phase: at once, or armed for the node's
    /// next signature or next commit.
    fn strike(&mut self, node: usize, down_ms: u64, at: CrashPoint) {
        if !self.nodes[node].is_up() || self.healed {
            return;
        }
        match at {
            CrashPoint::Now => {
                self.crash(node, None);
                self.queue
                    .push(self.now.saturating_add(down_ms), Event::Restart { node });
            }
            CrashPoint::BeforeSend | CrashPoint::BeforeCommitWrite => {
                let saves = self.nodes[node].sign_store.saves().saturating_add(1);
                self.armed_crash.insert(node, (at, saves));
                self.queue.push(
                    self.now.saturating_add(down_ms.saturating_mul(4)),
                    Event::Restart { node },
                );
            }
        }
    }

    /// Node `index`'s clock now: genesis time + simulated time + its skew.
    pub(crate) fn clock(&self, node: usize) -> u64 {
        let real = GENESIS_TIME_MS.saturating_add(self.now);
        real.saturating_add_signed(self.config.clock_skew_ms(node))
    }

    /// The simulated time at which `node`'s clock reads `at_ms`.
    fn when_clock_reads(&self, node: usize, at_ms: u64) -> u64 {
        let offset = GENESIS_TIME_MS.saturating_add_signed(self.config.clock_skew_ms(node));
        at_ms.saturating_sub(offset).max(self.now)
    }

    fn heal(&mut self) {
        self.healed = true;
        self.links.heal();
        self.armed_crash.clear();
        for node in 0..self.nodes.len() {
            self.boot(node);
        }
        if self.config.liveness_heights > 0 {
            let highest = self
                .nodes
                .iter()
                .filter(|n| n.is_honest())
                .map(SimNode::committed)
                .max()
                .unwrap_or(0);
            self.liveness_target = Some(highest.saturating_add(self.config.liveness_heights));
        }
    }

    /// Submits the workload's current transactions to every running node
    /// (as gossip would), then schedules the next submission.
    fn submit_workload(&mut self) {
        let context = civitas_civic::BlockContext {
            chain_id: self.spec.chain_id.clone(),
            height: self.reference.next_height(),
            time_ms: GENESIS_TIME_MS.saturating_add(self.now),
            protocol_version: self.spec.protocol_version,
        };
        let encoded: Vec<Vec<u8>> = self
            .workload
            .next(self.reference.store().state(), &context)
            .iter()
            .map(encode)
            .collect();
        if !encoded.is_empty() {
            for node in 0..self.nodes.len() {
                let now_ms = self.clock(node);
                let Some(engine) = self.nodes[node].engine.as_mut() else {
                    continue;
                };
                match engine.submit(&encoded, now_ms) {
                    Ok((_, outputs)) => self.route(node, outputs),
                    Err(error) => self.fail(node, error),
                }
            }
        }
        self.queue.push(
            self.now.saturating_add(WORKLOAD_INTERVAL_MS),
            Event::Workload,
        );
    }

    /// Node `node`'s engine stopped with `error`: a violation; the node is down.
    fn fail(&mut self, node: usize, error: civitas_engine::EngineError) {
        self.checker
            .violations
            .push(Violation::EngineFailed { node, error });
        self.crash(node, None);
    }

    fn deliver(&mut self, to: usize, from: usize, payload: Payload) {
        if !self.nodes[to].is_up() {
            return;
        }
        self.messages = self.messages.saturating_add(1);
        match payload {
            Payload::Consensus { message, block } => self.receive(to, from, message, block),
            Payload::Bytes(bytes) => {
                let decoded = (bytes.len() <= MESSAGE_BYTES_MAX)
                    .then(|| decode::<ConsensusMessage>(&bytes).ok())
                    .flatten();
                match decoded {
                    Some(message) => self.receive(to, from, message, None),
                    None => self.malformed_dropped = self.malformed_dropped.saturating_add(1),
                }
            }
            Payload::SyncRequest { height } => self.answer_sync(to, from, height),
            Payload::SyncResponse { blocks } => {
                for (block, certificate) in blocks {
                    let block = Box::new(block);
                    self.input(to, Input::Synced { block, certificate });
                }
            }
        }
    }

    /// An honest node answers a sync request with the blocks it has from `height`.
    fn answer_sync(&mut self, node: usize, from: usize, height: u64) {
        if !self.nodes[node].is_honest() {
            return;
        }
        let Some(store) = self.nodes[node].store() else {
            return;
        };
        let blocks: Vec<_> = (height..height.saturating_add(SYNC_BLOCKS_MAX))
            .map_while(|h| {
                store
                    .memory()
                    .blocks()
                    .get(h.checked_sub(1)? as usize)
                    .cloned()
            })
            .map(|stored| (stored.block, stored.certificate))
            .collect();
        if !blocks.is_empty() {
            self.send(node, from, Payload::SyncResponse { blocks });
        }
    }

    fn receive(
        &mut self,
        to: usize,
        from: usize,
        message: ConsensusMessage,
        block: Option<Box<Block>>,
    ) {
        let current = self.nodes[to].engine.as_ref().map_or(0, |e| e.height());
        let last_asked = self.nodes[to].last_sync_request_ms.get(&from).copied();
        if message.height() > current
            && last_asked.is_none_or(|at| self.now >= at.saturating_add(SYNC_REQUEST_INTERVAL_MS))
        {
            self.nodes[to].last_sync_request_ms.insert(from, self.now);
            self.send(to, from, Payload::SyncRequest { height: current });
        }
        let mut now_ms = None;
        if let (ConsensusMessage::Proposal(proposal), Some(block)) = (&message, &block) {
            now_ms = self.proposal_arrives(to, &proposal.proposal, block);
        }
        let input = Input::Message { message, block };
        match now_ms {
            Some(now_ms) => self.input_at(to, input, now_ms),
            None => self.input(to, input),
        }
    }

    /// Records, for the checker, that honest `to` received `proposal` with
    /// `block`, timely or not by its clock. Under
    /// [`Sabotage::IgnoreBlockTime`] returns the clock reading to hand the
    /// engine instead of its own: the block's time, which it always finds timely.
    fn proposal_arrives(
        &mut self,
        to: usize,
        proposal: &civitas_types::Proposal,
        block: &Block,
    ) -> Option<u64> {
        if !self.nodes[to].is_honest() || block.hash() != proposal.block_hash {
            return None;
        }
        let timely = check_timely(
            block.header.time_ms,
            self.clock(to),
            proposal.round,
            &self.config.time_params,
        )
        .is_ok();
        let reproposed = proposal.proof_of_lock_round.is_some();
        self.checker.on_proposal_arrival(
            to,
            proposal.height,
            proposal.round,
            proposal.block_hash,
            reproposed,
            timely,
        );
        (self.config.sabotage == Some(Sabotage::IgnoreBlockTime)).then_some(block.header.time_ms)
    }

    fn input(&mut self, node: usize, input: Input) {
        let now_ms = self.clock(node);
        self.input_at(node, input, now_ms);
    }

    /// Hands `input` to `node`'s engine with its clock reading `now_ms`, and
    /// carries out what it answers; an armed crash before a commit's write
    /// strikes here.
    fn input_at(&mut self, node: usize, input: Input, now_ms: u64) {
        let armed = matches!(
            self.armed_crash.get(&node),
            Some((CrashPoint::BeforeCommitWrite, _))
        );
        let Some(engine) = self.nodes[node].engine.as_mut() else {
            return;
        };
        let before = armed.then(|| engine.store().clone());
        match engine.handle(input, now_ms) {
            Ok(outputs) => {
                let commits = outputs.iter().any(|o| matches!(o, Output::Committed(_)));
                if let (Some(durable), true) = (before, commits) {
                    // Decided, not yet written: the block is lost with the
                    // crash; the signatures saved before it are not.
                    self.armed_crash.remove(&node);
                    self.commits_lost = self.commits_lost.saturating_add(1);
                    self.crash(node, Some(durable));
                    return;
                }
                self.route(node, outputs);
            }
            Err(error) => self.fail(node, error),
        }
    }

    /// Carries out a node's outputs in order, as the real driver would.
    fn route(&mut self, node: usize, outputs: Vec<Output>) {
        for output in outputs {
            if !self.nodes[node].is_up() {
                return; // crashed part-way: the rest is lost
            }
            match output {
                Output::Broadcast { message, block } => self.broadcast(node, message, block),
                Output::SendTo {
                    validator,
                    message,
                    block,
                } => self.send_to(node, validator, message, block),
                Output::Schedule { timer, at_ms } => self.schedule(node, timer, at_ms),
                Output::Committed(committed) => self.on_commit(node, &committed),
                Output::Refused { hash, reason } => self.on_refused(node, hash, reason),
            }
        }
    }

    fn schedule(&mut self, node: usize, timer: Timer, at_ms: u64) {
        let incarnation = self.nodes[node].incarnation;
        let at = self.when_clock_reads(node, at_ms);
        self.queue.push(
            at,
            Event::Timer {
                node,
                incarnation,
                timer,
            },
        );
    }

    /// Sends `message` to one validator (catch-up help). Like a broadcast, what an
    /// honest node sends this way passes the checker's signature checks: a relayed
    /// vote may be the node's own.
    fn send_to(
        &mut self,
        node: usize,
        validator: PublicKey,
        message: ConsensusMessage,
        block: Option<Box<Block>>,
    ) {
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
        self.check_honest_signature(node, &message, block.as_deref());
        self.send(node, peer, Payload::Consensus { message, block });
    }

    /// Records a block a node sends (first sending wins).
    pub(crate) fn register_block(
        &mut self,
        block: &Block,
        by_honest: bool,
        defect: Option<crate::blocks::Defect>,
    ) {
        self.blocks.record(
            block.hash(),
            BlockRecord {
                height: block.header.height,
                time_ms: block.header.time_ms,
                sent_at_ms: self.now,
                defect,
                by_honest,
            },
        );
    }

    /// Hands a message honest `node` is sending to the checker, with what is
    /// known wrong with the block it names.
    fn check_honest_signature(
        &mut self,
        node: usize,
        message: &ConsensusMessage,
        block: Option<&Block>,
    ) {
        if let Some(block) = block {
            self.register_block(block, true, None);
        }
        let named = match message {
            ConsensusMessage::Proposal(p) => Some(p.proposal.block_hash),
            ConsensusMessage::Vote(v) => v.vote.block_hash,
        };
        let defect = named.and_then(|b| self.blocks.defect_at(&b, message.height()));
        let own_key = self.nodes[node].key.public_key();
        if let (ConsensusMessage::Proposal(p), Some(block)) = (message, block)
            && p.proposal.proposer == own_key
        {
            // Its own proposal counts as an arrival, judged by its own clock.
            self.proposal_arrives(node, &p.proposal, block);
        }
        self.checker
            .on_honest_signature(node, &own_key, message, defect);
    }

    fn broadcast(&mut self, node: usize, message: ConsensusMessage, block: Option<Box<Block>>) {
        let armed = self.armed_crash.get(&node).copied();
        let planned = self.config.crash_at_signature.filter(|_| node == 0);
        let saves = self.nodes[node].sign_store.saves();
        if let Some((CrashPoint::BeforeSend, at)) = armed
            && saves >= at
        {
            // The signature is saved; the node dies before it leaves.
            self.armed_crash.remove(&node);
            self.crash(node, None);
            return;
        }
        if let Some(plan) = planned
            && saves == plan.signature.saturating_add(1)
            && self.nodes[node].incarnation == 0
        {
            if !plan.before_send {
                self.send_message(node, message, block);
            }
            self.crash(node, None);
            self.queue.push(
                self.now.saturating_add(plan.down_ms),
                Event::Restart { node },
            );
            return;
        }
        self.send_message(node, message, block);
    }

    fn send_message(&mut self, node: usize, message: ConsensusMessage, block: Option<Box<Block>>) {
        if self.debug {
            self.print_message(node, &message);
        }
        let outgoing = match self.nodes[node].byzantine {
            None => self.honest_outgoing(node, message, block),
            Some(kind) => self.byzantine_outgoing(node, kind, message, block),
        };
        for (peer, payload) in outgoing {
            self.send(node, peer, payload);
        }
    }

    fn print_message(&self, node: usize, message: &ConsensusMessage) {
        match message {
            ConsensusMessage::Proposal(p) => eprintln!(
                "{} node {node} proposes h{} r{} vr {:?} {}",
                self.now,
                p.proposal.height,
                p.proposal.round,
                p.proposal.proof_of_lock_round,
                &p.proposal.block_hash.to_hex()[..8]
            ),
            ConsensusMessage::Vote(v) if v.vote.validator == self.nodes[node].key.public_key() => {
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

    /// The (recipient, payload) pairs of an honest broadcast, checked first.
    fn honest_outgoing(
        &mut self,
        node: usize,
        message: ConsensusMessage,
        block: Option<Box<Block>>,
    ) -> Vec<(usize, Payload)> {
        self.check_honest_signature(node, &message, block.as_deref());
        let mut messages = Vec::new();
        if node == 0 && self.config.sabotage == Some(Sabotage::UnguardedSigner) {
            let conflicting = self.unguarded_conflict(node, &message);
            if let Some(conflicting) = conflicting {
                self.check_honest_signature(node, &conflicting, None);
                messages.push(conflicting);
            }
        }
        messages.insert(0, message);
        (0..self.nodes.len())
            .filter(|p| *p != node)
            .flat_map(|p| {
                messages.iter().map({
                    let block = block.clone();
                    move |message| {
                        (
                            p,
                            Payload::Consensus {
                                message: message.clone(),
                                block: block.clone(),
                            },
                        )
                    }
                })
            })
            .collect()
    }

    pub(crate) fn send(&mut self, from: usize, to: usize, payload: Payload) {
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
}

#[cfg(test)]
mod tests;
