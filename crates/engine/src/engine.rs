//! The engine: the consensus core, the pools and the store, joined.
//!
//! The driver feeds [`Input`]s with its clock reading and carries out the
//! [`Output`]s in order. The engine answers the core's effects: it builds this
//! validator's proposals ([`crate::build`]), judges received blocks
//! ([`crate::validate`], cached per block hash for the height), commits
//! decided blocks through the [`ChainStore`] (durable before the next height
//! starts), cleans the mempool and the evidence pool, and applies validator-set
//! changes at their activation height. After a block it waits for
//! transactions, or for the heartbeat, before starting the next height, unless
//! a peer has already started it.

use std::collections::{BTreeMap, VecDeque};

use civitas_civic::evidence::EvidencePool;
use civitas_civic::upgrade::{protocol_version_at, upgrade_due};
use civitas_civic::{BlockContext, SUPPORTED_PROTOCOL_VERSIONS};
use civitas_consensus::message::Round;
use civitas_consensus::{
    Consensus, ConsensusMessage, Effect, Input as CoreInput, SignStateStore, Step,
};
use civitas_mempool::{Mempool, Rejection};
use civitas_types::{
    Block, Hash, PublicKey, QuorumCertificate, SignatureVerifier, SignedProposal, SigningKey,
    ValidatorSet, Zip215Verifier, check_timely, proposer_wait_ms,
};

use crate::build::{BuildOn, build};
use crate::config::{ChainSpec, EngineConfig};
use crate::error::EngineError;
use crate::execution::{Executed, ExecutionFailure, PastHeights};
use crate::io::{CommittedBlock, Input, Output, Timer};
use crate::store::{ChainStore, Decided, Tip};
use crate::validate::{Parent, validate};

/// Most proposals (with their blocks) kept for one round: the round's
/// proposer sends one; a second is kept so an equivocating proposer is seen,
/// more are dropped, so no proposer can fill memory or crowd out the next
/// round's block.
pub const PROPOSALS_PER_ROUND_MAX: usize = 2;
/// Most proposals of the next height kept until it starts.
pub const PENDING_PROPOSALS_MAX: usize = 8;

/// One admission verdict per submitted transaction: its id, or why it was refused.
pub type Admissions = Vec<Result<Hash, Rejection>>;

/// What this node concluded about a block of the height being decided.
enum Verdict<P> {
    Valid(Box<Executed<P>>),
    /// Refused (the reason went out in [`Output::Refused`]).
    Invalid,
}

/// The replicated application of one node.
pub struct Engine<S: ChainStore, K: SignStateStore> {
    spec: ChainSpec,
    config: EngineConfig,
    store: S,
    consensus: Consensus<K>,
    /// Checks proposals' signatures and the parent certificates blocks carry
    /// (the core checks votes with its own copy).
    verifier: Box<dyn SignatureVerifier>,
    key: PublicKey,
    mempool: Mempool,
    evidence: EvidencePool,
    tip: Option<Tip>,
    /// The height being decided (or waiting to start).
    height: u64,
    /// Whether the consensus core has entered `height`.
    started: bool,
    validators: ValidatorSet,
    parent_validators: Option<ValidatorSet>,
    bodies: BTreeMap<Hash, Block>,
    /// Proposals kept per round of the height being decided.
    proposals_per_round: BTreeMap<Round, usize>,
    verdicts: BTreeMap<Hash, Verdict<S::Prepared>>,
    pending: Vec<(SignedProposal, Block)>,
}

impl<S: ChainStore, K: SignStateStore> Engine<S, K> {
    /// Starts (or restarts) on `store`, resuming the signing state of
    /// `sign_store`, at the clock reading `now_ms`, checking signatures by
    /// ZIP-215. Returns the first outputs.
    pub fn start(
        spec: ChainSpec,
        config: EngineConfig,
        store: S,
        key: SigningKey,
        sign_store: K,
        now_ms: u64,
    ) -> Result<(Self, Vec<Output>), EngineError> {
        Self::start_with_verifier(spec, config, store, key, sign_store, Zip215Verifier, now_ms)
    }

    /// [`Self::start`] with signatures checked by `verifier` (the simulator's
    /// memo shared by its nodes); the consensus core gets a clone.
    pub fn start_with_verifier<V: SignatureVerifier + Clone + 'static>(
        spec: ChainSpec,
        config: EngineConfig,
        store: S,
        key: SigningKey,
        sign_store: K,
        verifier: V,
        now_ms: u64,
    ) -> Result<(Self, Vec<Output>), EngineError> {
        let tip = store.tip()?;
        let height = tip.as_ref().map_or(spec.initial_height, |tip| {
            tip.header.height.saturating_add(1)
        });
        let validators = known_set(&store, height)?;
        let parent_validators = match &tip {
            Some(tip) => Some(known_set(&store, tip.header.height)?),
            None => None,
        };
        upgrade_due(
            store.state(),
            spec.protocol_version,
            height,
            SUPPORTED_PROTOCOL_VERSIONS,
        )
        .map_err(EngineError::Version)?;
        let public_key = key.public_key();
        let (consensus, effects) = Consensus::start(
            spec.chain_id.clone(),
            key,
            sign_store,
            spec.consensus.timeouts,
            height,
            validators.clone(),
        )?;
        let mut engine = Engine {
            mempool: Mempool::new(config.mempool),
            spec,
            config,
            store,
            consensus: consensus.with_verifier(Box::new(verifier.clone())),
            verifier: Box::new(verifier),
            key: public_key,
            evidence: EvidencePool::new(),
            tip,
            height,
            started: true,
            validators,
            parent_validators,
            bodies: BTreeMap::new(),
            proposals_per_round: BTreeMap::new(),
            verdicts: BTreeMap::new(),
            pending: Vec::new(),
        };
        for block in engine.store.candidates()? {
            if block.header.height == height {
                engine.bodies.insert(block.hash(), block);
            }
        }
        let mut out = Vec::new();
        engine.run(effects, now_ms, &mut out)?;
        Ok((engine, out))
    }

    /// The height being decided.
    pub fn height(&self) -> u64 {
        self.height
    }

    /// The consensus round and step.
    pub fn round_step(&self) -> (Round, Step) {
        (self.consensus.round(), self.consensus.step())
    }

    /// The last committed block.
    pub fn tip(&self) -> Option<&Tip> {
        self.tip.as_ref()
    }

    /// The store (read it for queries).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The transaction pool.
    pub fn mempool(&self) -> &Mempool {
        &self.mempool
    }

    /// The chain's facts.
    pub fn spec(&self) -> &ChainSpec {
        &self.spec
    }

    /// Admits encoded transactions (from RPC or gossip) for the next block;
    /// one result per transaction. A waiting height starts once the pool holds
    /// something a block can take (not a transaction behind a sequence gap).
    pub fn submit(
        &mut self,
        encoded: &[Vec<u8>],
        now_ms: u64,
    ) -> Result<(Admissions, Vec<Output>), EngineError> {
        let context = self.next_context(now_ms)?;
        let results = self
            .mempool
            .admit_batch(self.store.state(), &context, encoded);
        let mut out = Vec::new();
        if !self.started && self.mempool.has_includable(self.store.state())? {
            self.start_height(now_ms, &mut out)?;
        }
        Ok((results, out))
    }

    /// Processes one input at the clock reading `now_ms`.
    pub fn handle(&mut self, input: Input, now_ms: u64) -> Result<Vec<Output>, EngineError> {
        let mut out = Vec::new();
        match input {
            Input::Message { message, block } => {
                self.on_message(message, block, now_ms, &mut out)?;
            }
            Input::Timer(timer) => self.on_timer(timer, now_ms, &mut out)?,
            Input::Synced { block, certificate } => {
                self.on_synced(*block, certificate, now_ms, &mut out)?;
            }
            Input::Rebroadcast => {
                if self.started {
                    let effects = self.consensus.apply(CoreInput::Rebroadcast);
                    self.run(effects, now_ms, &mut out)?;
                }
            }
        }
        Ok(out)
    }

    fn on_message(
        &mut self,
        message: ConsensusMessage,
        block: Option<Box<Block>>,
        now_ms: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let height = message.height();
        if height < self.height || height > self.height.saturating_add(1) {
            return Ok(());
        }
        if height == self.height && !self.started {
            self.start_height(now_ms, out)?;
        }
        match message {
            ConsensusMessage::Vote(vote) => {
                let effects = self.consensus.apply(CoreInput::Vote(vote));
                self.run(effects, now_ms, out)
            }
            ConsensusMessage::Proposal(proposal) => match block {
                Some(block) => self.on_proposal(proposal, *block, now_ms, out),
                None => Ok(()),
            },
        }
    }

    fn on_proposal(
        &mut self,
        proposal: SignedProposal,
        block: Block,
        now_ms: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        // Only a signed proposal of this chain, with its own block, is worth
        // keeping or executing (the core checks that its signer is the
        // round's proposer).
        let hash = proposal.proposal.block_hash;
        if proposal.proposal.chain_id != self.spec.chain_id
            || block.hash() != hash
            || !self.verifier.verify(
                &proposal.proposal.proposer,
                &proposal.proposal.signing_digest(),
                &proposal.signature,
            )
        {
            return Ok(());
        }
        if proposal.proposal.height != self.height {
            if proposal.proposal.height > self.height && self.pending.len() < PENDING_PROPOSALS_MAX
            {
                self.pending.push((proposal, block));
            }
            return Ok(());
        }
        if !self.bodies.contains_key(&hash) {
            let kept = self
                .proposals_per_round
                .entry(proposal.proposal.round)
                .or_insert(0);
            if *kept >= PROPOSALS_PER_ROUND_MAX {
                return Ok(());
            }
            *kept = kept.saturating_add(1);
            self.bodies.insert(hash, block);
        }
        let block_valid = self.judge(&hash, out)?;
        if block_valid {
            self.save_candidate(&hash)?;
        }
        let timely = self.bodies.get(&hash).is_some_and(|block| {
            check_timely(
                block.header.time_ms,
                now_ms,
                proposal.proposal.round,
                &self.spec.consensus.time,
            )
            .is_ok()
        });
        let effects = self.consensus.apply(CoreInput::Proposal {
            proposal,
            block_valid,
            timely,
        });
        self.run(effects, now_ms, out)
    }

    fn on_timer(
        &mut self,
        timer: Timer,
        now_ms: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        match timer {
            Timer::Consensus(timeout) => {
                if self.started && timeout.height == self.height {
                    let effects = self.consensus.apply(CoreInput::Timeout(timeout));
                    self.run(effects, now_ms, out)?;
                }
            }
            Timer::Build { height, round } => {
                if self.started
                    && height == self.height
                    && self.consensus.round() == round
                    && self.consensus.step() == Step::Propose
                {
                    self.propose(round, now_ms, out)?;
                }
            }
            Timer::StartHeight(height) => {
                if height == self.height && !self.started {
                    self.start_height(now_ms, out)?;
                }
            }
        }
        Ok(())
    }

    fn on_synced(
        &mut self,
        block: Block,
        certificate: QuorumCertificate,
        now_ms: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        if block.header.height != self.height || certificate.block_hash != block.hash() {
            return Ok(());
        }
        if !self.started {
            self.start_height(now_ms, out)?;
        }
        let hash = block.hash();
        self.bodies.entry(hash).or_insert(block);
        let block_valid = self.judge(&hash, out)?;
        if block_valid {
            self.save_candidate(&hash)?;
        }
        let effects = self.consensus.apply(CoreInput::SyncedCommit {
            certificate,
            block_valid,
        });
        self.run(effects, now_ms, out)
    }

    /// Makes the body `hash` durable before the core may sign for it.
    fn save_candidate(&mut self, hash: &Hash) -> Result<(), EngineError> {
        match self.bodies.get(hash) {
            Some(block) => Ok(self.store.save_candidate(block)?),
            None => Ok(()),
        }
    }

    /// The verdict on the body `hash` (computed once per height).
    fn judge(&mut self, hash: &Hash, out: &mut Vec<Output>) -> Result<bool, EngineError> {
        if let Some(verdict) = self.verdicts.get(hash) {
            return Ok(matches!(verdict, Verdict::Valid(_)));
        }
        let Some(block) = self.bodies.get(hash) else {
            return Ok(false);
        };
        let parent = Parent {
            tip: self.tip.as_ref(),
            validators: &self.validators,
            parent_validators: self.parent_validators.as_ref(),
        };
        let verdict = match validate(
            &self.store,
            &self.spec,
            &self.mempool,
            &parent,
            block,
            self.verifier.as_mut(),
        ) {
            Ok(executed) => Verdict::Valid(Box::new(executed)),
            Err(ExecutionFailure::Invalid(reason)) => {
                out.push(Output::Refused {
                    hash: *hash,
                    reason,
                });
                Verdict::Invalid
            }
            Err(ExecutionFailure::Local(error)) => return Err(error),
        };
        let valid = matches!(verdict, Verdict::Valid(_));
        self.verdicts.insert(*hash, verdict);
        Ok(valid)
    }

    /// Carries out the core's effects, and those they lead to, in order.
    fn run(
        &mut self,
        effects: Vec<Effect>,
        now_ms: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let mut queue: VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Broadcast(message) => {
                    let block = self.body_of(&message);
                    out.push(Output::Broadcast { message, block });
                }
                Effect::SendTo { validator, message } => {
                    let block = self.body_of(&message);
                    out.push(Output::SendTo {
                        validator,
                        message,
                        block,
                    });
                }
                Effect::ScheduleTimeout {
                    timeout,
                    duration_ms,
                } => out.push(Output::Schedule {
                    timer: Timer::Consensus(timeout),
                    at_ms: now_ms.saturating_add(duration_ms),
                }),
                Effect::GetValue { height, round } => {
                    let parent_time = self
                        .tip
                        .as_ref()
                        .map_or(self.spec.genesis_time_ms, |tip| tip.header.time_ms);
                    let wait = proposer_wait_ms(parent_time, now_ms);
                    if wait > 0 {
                        out.push(Output::Schedule {
                            timer: Timer::Build { height, round },
                            at_ms: now_ms.saturating_add(wait),
                        });
                    } else {
                        queue.extend(self.build_value(round, now_ms)?);
                    }
                }
                Effect::Decide {
                    height,
                    block_hash,
                    certificate,
                } => {
                    self.decide(height, block_hash, certificate, now_ms, out)?;
                }
                Effect::Evidence(evidence) => {
                    // A pool that is full or a piece that fails its own check
                    // is dropped: the core found it in votes it verified.
                    let _ = self.evidence.add(evidence);
                }
            }
        }
        if let Some(error) = self.consensus.halted() {
            return Err(error.into());
        }
        Ok(())
    }

    /// The body of this validator's proposal message, if it is one.
    fn body_of(&self, message: &ConsensusMessage) -> Option<Box<Block>> {
        match message {
            ConsensusMessage::Proposal(proposal) => self
                .bodies
                .get(&proposal.proposal.block_hash)
                .cloned()
                .map(Box::new),
            ConsensusMessage::Vote(_) => None,
        }
    }

    fn propose(
        &mut self,
        round: Round,
        now_ms: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let effects = self.build_value(round, now_ms)?;
        self.run(effects, now_ms, out)
    }

    /// Builds the block for `round` and hands its hash to the core.
    fn build_value(&mut self, round: Round, now_ms: u64) -> Result<Vec<Effect>, EngineError> {
        let version =
            protocol_version_at(self.store.state(), self.spec.protocol_version, self.height)?;
        let on = BuildOn {
            tip: self.tip.as_ref(),
            validators_hash: self.validators.hash(),
            protocol_version: version,
            proposer: self.key,
            now_ms,
        };
        let (block, executed) = build(&self.store, &self.spec, &self.mempool, &self.evidence, &on)?;
        let hash = block.hash();
        self.store.save_candidate(&block)?;
        self.bodies.insert(hash, block);
        self.verdicts
            .insert(hash, Verdict::Valid(Box::new(executed)));
        Ok(self.consensus.apply(CoreInput::ProposeValue {
            height: self.height,
            round,
            block_hash: hash,
        }))
    }

    /// Commits the decided block, then moves to the next height.
    fn decide(
        &mut self,
        height: u64,
        hash: Hash,
        certificate: QuorumCertificate,
        now_ms: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let unknown = || EngineError::DecidedUnknownBlock { height, hash };
        // After a restart the body is a saved candidate not yet judged.
        if !self.verdicts.contains_key(&hash) && self.bodies.contains_key(&hash) {
            self.judge(&hash, out)?;
        }
        let Some(Verdict::Valid(executed)) = self.verdicts.remove(&hash) else {
            return Err(unknown());
        };
        let block = self.bodies.remove(&hash).ok_or_else(unknown)?;
        let executed = *executed;
        let decided = Decided {
            block: &block,
            certificate: &certificate,
            receipt_leaves: &executed.receipt_leaves,
            validator_change: executed.outcome.validator_set_change.as_ref(),
        };
        let state_root = executed.state_root();
        self.store.commit(decided, executed.prepared)?;
        out.push(Output::Committed(CommittedBlock {
            height,
            hash,
            time_ms: block.header.time_ms,
            transactions: block.transactions.len(),
            state_root,
        }));
        self.tip = Some(Tip {
            header: block.header.clone(),
            hash,
            certificate,
        });
        self.advance(now_ms, out)
    }

    /// After a commit: the next height's sets and pools, then wait or start.
    fn advance(&mut self, now_ms: u64, out: &mut Vec<Output>) -> Result<(), EngineError> {
        self.height = self.height.saturating_add(1);
        self.started = false;
        let next_set = known_set(&self.store, self.height)?;
        self.parent_validators = Some(std::mem::replace(&mut self.validators, next_set));
        upgrade_due(
            self.store.state(),
            self.spec.protocol_version,
            self.height,
            SUPPORTED_PROTOCOL_VERSIONS,
        )
        .map_err(EngineError::Version)?;
        let context = self.next_context(now_ms)?;
        self.mempool.on_commit(self.store.state(), &context)?;
        let past = PastHeights { store: &self.store };
        self.evidence
            .prune(
                self.store.state(),
                &context,
                &self.spec.consensus.evidence,
                &past,
            )
            .map_err(|error| match crate::execution::classify(error) {
                ExecutionFailure::Local(error) => error,
                // Pruning judges pooled evidence, not a block: any other
                // failure is the pool's, reported as what it is.
                ExecutionFailure::Invalid(_) => EngineError::EvidencePool,
            })?;
        let height = self.height;
        self.verdicts.clear();
        self.bodies.clear();
        self.proposals_per_round.clear();
        self.pending.retain(|(p, _)| p.proposal.height >= height);
        let early = !self.pending.is_empty();
        // Only what a block can take starts the next height at once: a pool
        // of transactions behind sequence gaps waits for the heartbeat, or
        // it would commit empty blocks back to back until they expire.
        if early || self.mempool.has_includable(self.store.state())? {
            self.start_height(now_ms, out)
        } else {
            out.push(Output::Schedule {
                timer: Timer::StartHeight(height),
                at_ms: now_ms.saturating_add(self.config.heartbeat_ms),
            });
            Ok(())
        }
    }

    /// Enters the height being decided, then replays what arrived early.
    fn start_height(&mut self, now_ms: u64, out: &mut Vec<Output>) -> Result<(), EngineError> {
        self.started = true;
        let effects = self
            .consensus
            .start_height(self.height, self.validators.clone());
        self.run(effects, now_ms, out)?;
        let pending = std::mem::take(&mut self.pending);
        for (proposal, block) in pending {
            self.on_proposal(proposal, block, now_ms, out)?;
        }
        Ok(())
    }

    /// The context of the next block, for admission: its height, and this
    /// node's clock (not before the last block's time) as its time.
    fn next_context(&self, now_ms: u64) -> Result<BlockContext, EngineError> {
        let time_ms = self.tip.as_ref().map_or(now_ms, |tip| {
            now_ms.max(tip.header.time_ms.saturating_add(1))
        });
        Ok(BlockContext {
            chain_id: self.spec.chain_id.clone(),
            height: self.height,
            time_ms,
            protocol_version: protocol_version_at(
                self.store.state(),
                self.spec.protocol_version,
                self.height,
            )?,
        })
    }
}

/// The set that signs `height`, which the store must know.
fn known_set<S: ChainStore>(store: &S, height: u64) -> Result<ValidatorSet, EngineError> {
    store
        .validator_set(height)?
        .ok_or(EngineError::UnknownValidatorSet(height))
}
