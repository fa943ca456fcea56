//! A small deterministic network of engines for the tests: genesis for `n`
//! validators, an in-memory signing store that survives restarts, and a
//! driver that delivers every output after a fixed delay, in time order.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use civitas_civic::action::{Propose, Vote};
use civitas_civic::governance::GovernanceAction;
use civitas_civic::model::{ChainParameters, Collectivity, Siren, ValidatorEntry};
use civitas_civic::{Action, Event, Receipt};
use civitas_consensus::{SignState, SignStateStore, StoreError};
use civitas_engine::{
    ChainSpec, ChainStore, CommittedBlock, Engine, EngineConfig, Input, InvalidBlock, MemoryStore,
    Output,
};
use civitas_genesis::{ConsensusParameters, GenesisDocument};
use civitas_types::{
    AccountId, BoundedBytes, BoundedVec, ChainId, Hash, SignedTransaction, SigningKey,
    TransactionBody, decode, encode,
};

/// The collectivities (valid Luhn SIRENs): validator `i` is run by `SIRENS[i % 4]`.
pub const SIRENS: [Siren; 4] = [
    Siren(200_046_977),
    Siren(732_829_320),
    Siren(213_500_002),
    Siren(253_800_007),
];
/// Council voting powers: the first collectivity alone holds a majority.
pub const COUNCIL_POWERS: [u64; 4] = [10, 1, 1, 1];
/// Genesis time of the test chains.
pub const GENESIS_TIME_MS: u64 = 1_790_000_000_000;
/// Network delay between any two nodes.
pub const DELAY_MS: u64 = 20;
/// The first collectivity's council account key seed (the others follow).
pub const COUNCIL: u8 = 200;

pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

pub fn account(seed: u8) -> AccountId {
    AccountId::from_public_key(&key(seed).public_key())
}

pub fn validator_entry(index: u8, power: u64) -> ValidatorEntry {
    ValidatorEntry {
        public_key: key(index + 1).public_key(),
        network_key: key(index + 101).public_key(),
        power,
        siren: SIRENS[usize::from(index) % 4],
    }
}

/// A genesis of `n` validators (seeds 1..=n, power 10) run by up to four
/// collectivities (council account seeds [`COUNCIL`] + i).
pub fn genesis(n: u8) -> GenesisDocument {
    GenesisDocument {
        protocol_version: 1,
        chain_id: ChainId::new("engine-test").unwrap(),
        genesis_time_ms: GENESIS_TIME_MS,
        initial_height: 1,
        consensus: ConsensusParameters::default(),
        chain: ChainParameters {
            validators_min: 1,
            validator_change_delay: 2,
        },
        collectivities: BoundedVec::try_from_vec(
            (0..usize::from(n).clamp(1, 4))
                .map(|i| Collectivity {
                    siren: SIRENS[i],
                    name: BoundedBytes::try_from_vec(format!("Collectivite {i}").into_bytes())
                        .unwrap(),
                    voting_power: COUNCIL_POWERS[i],
                    council_account: account(COUNCIL + i as u8),
                })
                .collect(),
        )
        .unwrap(),
        validators: BoundedVec::try_from_vec((0..n).map(|i| validator_entry(i, 10)).collect())
            .unwrap(),
        grants: BoundedVec::default(),
        namespaces: BoundedVec::default(),
    }
}

/// The signing state of one validator, kept across restarts like a synced file.
#[derive(Clone, Default)]
pub struct SharedSignStore(Rc<RefCell<Option<SignState>>>);

impl SignStateStore for SharedSignStore {
    fn load(&self) -> Result<Option<SignState>, StoreError> {
        Ok(self.0.borrow().clone())
    }

    fn save(&mut self, state: &SignState) -> Result<(), StoreError> {
        *self.0.borrow_mut() = Some(state.clone());
        Ok(())
    }
}

pub type TestEngine = Engine<MemoryStore, SharedSignStore>;

/// One node: its engine (None while down) and what survives a crash.
pub struct Node {
    pub engine: Option<TestEngine>,
    pub sign_store: SharedSignStore,
    pub key_seed: u8,
    pub committed: Vec<CommittedBlock>,
    pub refused: Vec<InvalidBlock>,
}

/// Seeded network faults: each message is delayed by `DELAY_MS` plus up to
/// `jitter_ms`, and lost with probability `drop_per_mille` / 1000; nodes
/// rebroadcast every `REBROADCAST_MS`.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    pub seed: u64,
    pub jitter_ms: u64,
    pub drop_per_mille: u64,
}

/// How often nodes re-send their current round's messages on a lossy network.
pub const REBROADCAST_MS: u64 = 300;

/// A network of engines driven in simulated time.
pub struct Net {
    /// Faults, if the network is lossy.
    pub faults: Option<Faults>,
    /// Every vote each node signed: (node, height, round, type) → block voted for.
    pub signed: BTreeMap<(usize, u64, u32, u8), Option<Hash>>,
    pub spec: ChainSpec,
    pub genesis_store: MemoryStore,
    pub config: EngineConfig,
    pub nodes: Vec<Node>,
    pub now_ms: u64,
    queue: BTreeMap<(u64, u64), (usize, Input)>,
    sequence: u64,
    /// Transaction sequence numbers per signer seed.
    pub sequences: BTreeMap<u8, u64>,
}

impl Net {
    /// `n` validators on `document`, all started at genesis time + 1 s.
    pub fn new(document: &GenesisDocument, n: u8) -> Net {
        let checked = document.check().unwrap();
        let spec = ChainSpec::from_genesis(document, checked.hash);
        let genesis_store = MemoryStore::from_genesis(&checked, document.initial_height).unwrap();
        let config = EngineConfig {
            heartbeat_ms: 1_000,
            ..EngineConfig::default()
        };
        let mut net = Net {
            faults: None,
            signed: BTreeMap::new(),
            spec,
            genesis_store,
            config,
            nodes: Vec::new(),
            now_ms: GENESIS_TIME_MS + 1_000,
            queue: BTreeMap::new(),
            sequence: 0,
            sequences: BTreeMap::new(),
        };
        for index in 0..n {
            net.nodes.push(Node {
                engine: None,
                sign_store: SharedSignStore::default(),
                key_seed: index + 1,
                committed: Vec::new(),
                refused: Vec::new(),
            });
            let store = net.genesis_store.clone();
            net.boot(usize::from(index), store);
        }
        net
    }

    /// Starts node `index` on `store` (a fresh one, or the one it had).
    pub fn boot(&mut self, index: usize, store: MemoryStore) {
        let node = &self.nodes[index];
        let (engine, outputs) = Engine::start(
            self.spec.clone(),
            self.config,
            store,
            key(node.key_seed),
            node.sign_store.clone(),
            self.now_ms,
        )
        .unwrap();
        self.nodes[index].engine = Some(engine);
        self.route(index, outputs);
    }

    /// Stops node `index` (what it committed stays in its store), returning the store.
    pub fn crash(&mut self, index: usize) -> MemoryStore {
        let engine = self.nodes[index].engine.take().unwrap();
        engine.store().clone()
    }

    fn push(&mut self, at_ms: u64, node: usize, input: Input) {
        self.sequence += 1;
        self.queue.insert((at_ms, self.sequence), (node, input));
    }

    fn index_of(&self, key: &civitas_types::PublicKey) -> Option<usize> {
        self.nodes
            .iter()
            .position(|node| crate::common::key(node.key_seed).public_key() == *key)
    }

    /// Makes the network lossy and starts every node's rebroadcast ticks.
    pub fn with_faults(mut self, faults: Faults) -> Net {
        self.faults = Some(faults);
        for node in 0..self.nodes.len() {
            self.push(self.now_ms + REBROADCAST_MS, node, Input::Rebroadcast);
        }
        self
    }

    /// The next pseudo-random number of the fault generator (SplitMix64).
    fn random(&mut self) -> u64 {
        let Some(faults) = self.faults.as_mut() else {
            return 0;
        };
        faults.seed = faults.seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = faults.seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Sends `input` to `to` over the (possibly lossy) network.
    fn send(&mut self, to: usize, input: Input) {
        let mut at = self.now_ms + DELAY_MS;
        if let Some(faults) = self.faults {
            if self.random() % 1000 < faults.drop_per_mille {
                return;
            }
            at += self.random() % (faults.jitter_ms + 1);
        }
        self.push(at, to, input);
    }

    /// Records a vote node `from` signed; panics if it signed another for the same step.
    fn record_signature(&mut self, from: usize, message: &civitas_consensus::ConsensusMessage) {
        if let civitas_consensus::ConsensusMessage::Vote(vote) = message {
            let v = &vote.vote;
            let step = (from, v.height, v.round, v.vote_type as u8);
            if let Some(earlier) = self.signed.insert(step, v.block_hash) {
                assert_eq!(
                    earlier, v.block_hash,
                    "node {from} signed two votes for {step:?}"
                );
            }
        }
    }

    /// Carries out node `from`'s outputs.
    pub fn route(&mut self, from: usize, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Broadcast { message, block } => {
                    self.record_signature(from, &message);
                    for to in (0..self.nodes.len()).filter(|to| *to != from) {
                        let message = message.clone();
                        let block = block.clone();
                        self.send(to, Input::Message { message, block });
                    }
                }
                Output::SendTo {
                    validator,
                    message,
                    block,
                } => {
                    if let Some(to) = self.index_of(&validator) {
                        self.send(to, Input::Message { message, block });
                    }
                }
                Output::Schedule { timer, at_ms } => {
                    self.push(at_ms.max(self.now_ms), from, Input::Timer(timer));
                }
                Output::Committed(block) => self.nodes[from].committed.push(block),
                Output::Refused { reason, .. } => self.nodes[from].refused.push(reason),
            }
        }
    }

    /// Delivers events until `until` returns true or `deadline_ms` passes.
    pub fn run_until(&mut self, deadline_ms: u64, until: impl Fn(&Net) -> bool) -> bool {
        while !until(self) {
            if self
                .queue
                .first_key_value()
                .is_none_or(|((at_ms, _), _)| *at_ms > deadline_ms)
            {
                return false;
            }
            let Some(((at_ms, _), (node, input))) = self.queue.pop_first() else {
                return false;
            };
            self.now_ms = self.now_ms.max(at_ms);
            if input == Input::Rebroadcast {
                self.push(self.now_ms + REBROADCAST_MS, node, Input::Rebroadcast);
                self.catch_up(node);
            }
            let Some(engine) = self.nodes[node].engine.as_mut() else {
                continue;
            };
            let outputs = engine.handle(input, self.now_ms).unwrap();
            self.route(node, outputs);
        }
        true
    }

    /// Runs until every running node has committed `height`.
    pub fn run_to_height(&mut self, height: u64) {
        let deadline = self.now_ms + 600_000;
        let reached = self.run_until(deadline, |net| {
            net.nodes
                .iter()
                .filter(|n| n.engine.is_some())
                .all(|n| n.committed.last().is_some_and(|b| b.height >= height))
        });
        let states: Vec<String> = self
            .nodes
            .iter()
            .map(|n| match &n.engine {
                Some(e) => format!("h{} {:?}", e.height(), e.round_step()),
                None => "down".into(),
            })
            .collect();
        assert!(
            reached,
            "height {height} not reached by every node: {states:?} at {}",
            self.now_ms
        );
    }

    /// A transaction by key `seed` with its next sequence.
    pub fn transaction(&mut self, seed: u8, action: &Action) -> SignedTransaction {
        let sequence = self.sequences.entry(seed).or_insert(0);
        let body = TransactionBody {
            chain_id: self.spec.chain_id.clone(),
            signer: account(seed),
            sequence: *sequence,
            expiry_height: 10_000,
            payload: BoundedBytes::try_from_vec(encode(action)).unwrap(),
        };
        *sequence += 1;
        SignedTransaction::sign(body, &[&key(seed)]).unwrap()
    }

    /// A council proposal (a harmless parameter change, told apart by
    /// `marker`): a transaction that succeeds, for workloads.
    pub fn council_proposal(&mut self, marker: u8) -> SignedTransaction {
        self.transaction(
            COUNCIL,
            &Action::Propose(Propose {
                action: GovernanceAction::SetParameters(ChainParameters {
                    validators_min: 1,
                    validator_change_delay: 2,
                }),
                deliberation_hash: Hash([marker; 32]),
                expires_at_ms: GENESIS_TIME_MS + 3_600_000,
            }),
        )
    }

    /// Submits `transaction` to every running node's pool (as gossip would).
    pub fn submit(&mut self, transaction: &SignedTransaction) {
        let bytes = encode(transaction);
        for index in 0..self.nodes.len() {
            let Some(engine) = self.nodes[index].engine.as_mut() else {
                continue;
            };
            let (results, outputs) = engine
                .submit(std::slice::from_ref(&bytes), self.now_ms)
                .unwrap();
            assert!(results[0].is_ok(), "node {index} refused: {:?}", results[0]);
            self.route(index, outputs);
        }
    }

    /// The receipt of `transaction` in node `index`'s store.
    pub fn receipt(&self, index: usize, transaction: &SignedTransaction) -> Option<Receipt> {
        let engine = self.nodes[index].engine.as_ref()?;
        let id = transaction.id();
        engine.store().blocks().iter().find_map(|stored| {
            let position = stored
                .block
                .transactions
                .iter()
                .position(|tx| tx.id() == id)?;
            // Leaf 0 is the block receipt.
            decode(&stored.receipt_leaves[position + 1]).ok()
        })
    }

    /// Proposes `action` to the council and votes for it (one collectivity).
    pub fn govern(&mut self, action: GovernanceAction) -> Hash {
        let propose = self.transaction(
            COUNCIL,
            &Action::Propose(Propose {
                action,
                deliberation_hash: Hash([0xde; 32]),
                expires_at_ms: GENESIS_TIME_MS + 3_600_000,
            }),
        );
        self.submit(&propose);
        let height = self.max_height() + 1;
        self.run_to_height(height);
        let receipt = self
            .receipt(0, &propose)
            .expect("the proposal is committed");
        let proposal_id = receipt
            .events
            .iter()
            .find_map(|e| match e {
                Event::ProposalSubmitted { proposal_id, .. } => Some(*proposal_id),
                _ => None,
            })
            .unwrap_or_else(|| panic!("proposal refused: {receipt:?}"));
        let vote = self.transaction(
            COUNCIL,
            &Action::Vote(Vote {
                proposal_id,
                in_favour: true,
            }),
        );
        self.submit(&vote);
        vote.id()
    }

    /// Feeds node `to` the blocks node `from` committed above `to`'s tip, as
    /// block sync would.
    pub fn sync(&mut self, to: usize, from: usize) {
        let source = self.nodes[from].engine.as_ref().unwrap().store().clone();
        loop {
            let engine = self.nodes[to].engine.as_mut().unwrap();
            let next = engine.height();
            let Some((block, certificate)) = source.block(next).unwrap() else {
                break;
            };
            let outputs = engine
                .handle(
                    Input::Synced {
                        block: Box::new(block),
                        certificate,
                    },
                    self.now_ms,
                )
                .unwrap();
            self.route(to, outputs);
            if self.nodes[to].engine.as_ref().unwrap().height() == next {
                panic!("node {to} did not commit synced block {next}");
            }
        }
    }

    /// Block sync on a lossy network: a running node behind another one
    /// fetches the blocks it missed from the most advanced running node.
    fn catch_up(&mut self, node: usize) {
        let Some(height) = self.nodes[node].engine.as_ref().map(|e| e.height()) else {
            return;
        };
        let ahead = (0..self.nodes.len())
            .filter(|i| *i != node)
            .filter_map(|i| Some((self.nodes[i].engine.as_ref()?.height(), i)))
            .max();
        if let Some((their_height, from)) = ahead
            && their_height > height
        {
            self.sync(node, from);
        }
    }

    /// Highest height committed by any node.
    pub fn max_height(&self) -> u64 {
        self.nodes
            .iter()
            .filter_map(|n| n.committed.last().map(|b| b.height))
            .max()
            .unwrap_or(0)
    }
}
