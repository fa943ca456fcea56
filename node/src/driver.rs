//! The engine's thread: the only owner of the engine (and so of the ledger),
//! driven by the wall clock and by commands from the RPC server. It carries
//! out the engine's outputs — timers in a queue ordered by due time, commits
//! logged and published in a [`Snapshot`] — and stops on the first engine
//! error (a storage failure: the message says what to do), or on
//! [`Command::Shutdown`] between two inputs, so a block in flight is either
//! committed whole or not at all.
//!
//! With peers, consensus messages and gossiped transactions come in as
//! commands, and the engine's messages, admitted RPC transactions and new
//! heights go out through the [`Outbox`], which never waits; the engine's
//! current messages are re-sent every [`REBROADCAST_MS`] so lossy gossip
//! converges.
//!
//! The RPC's reads of the chain and state do not come here: they read the
//! [`crate::store::SharedStore`] on the server's threads ([`crate::store`]).
//! This thread reads it, like they do, through a read guard taken for one
//! step and dropped before the engine runs again (the engine's own writes
//! take the write lock).

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use civitas_consensus::ConsensusMessage;
use civitas_engine::{ChainStore, Engine, EngineError, Input, Output, Timer};
use civitas_ledger::TransactionRecord;
use civitas_mempool::Rejection;
use civitas_p2p::{ConsensusEnvelope, SyncedBlock};
use civitas_types::{Block, Hash, PublicKey};
use tokio::sync::oneshot;

use crate::backlog::Ticket;
use crate::duplicate_key::{DuplicateKeyError, DuplicateKeyGuard};
use crate::outbox::{Outbox, ToNetwork};
use crate::rpc::subscriptions::{Commits, publish as publish_commit};
use crate::sign_store::FileSignStore;
use crate::store::{LedgerStore, SharedStore};

/// The node's engine.
pub type NodeEngine = Engine<SharedStore, FileSignStore>;

/// The longest the thread sleeps without looking at its timers.
const IDLE_WAIT_MS: u64 = 1_000;

/// Most due timers fired between two looks at the commands.
const TIMERS_PER_TURN_MAX: usize = 16;

/// How often the engine's current messages are re-sent to peers.
pub const REBROADCAST_MS: u64 = 1_000;

/// Most blocks read from the ledger for one sync request.
pub const SYNC_BLOCKS_MAX: usize = 64;

/// A read of the mempool and the store together, answered by the closure itself.
pub type Inspect = Box<dyn FnOnce(&civitas_mempool::Mempool, &LedgerStore) + Send>;

/// What the RPC server asks of the engine's thread.
pub enum Command {
    /// Admit encoded transactions (one answer per transaction).
    Submit {
        /// Canonical bytes of each transaction.
        transactions: Vec<Vec<u8>>,
        /// The ids, or why each was refused.
        reply: oneshot::Sender<Vec<Result<Hash, Rejection>>>,
    },
    /// A committed transaction with its receipt.
    Transaction {
        /// Its id.
        id: Hash,
        /// The record, `None` if unknown; an error if storage failed.
        reply: oneshot::Sender<Result<Option<TransactionRecord>, String>>,
    },
    /// A read of the mempool (and the store), run on this thread (the
    /// mempool's owner) between two inputs; the closure sends its own
    /// answer. Reads must be bounded: the engine waits meanwhile. Where a
    /// transaction stands, for its subscribers.
    Inspect(Inspect),
    /// A consensus message from a peer.
    Consensus(Box<ConsensusEnvelope>, Ticket),
    /// A transaction gossiped by a peer.
    Gossiped(Vec<u8>, Ticket),
    /// A final block fetched by block sync and verified against its
    /// certificate; the answer says whether the chain now holds its height.
    Synced {
        /// The block with its certificate.
        synced: Box<SyncedBlock>,
        /// The committed height after it, or why it failed.
        reply: std::sync::mpsc::SyncSender<Result<u64, String>>,
    },
    /// Committed blocks with their certificates, for a peer that syncs.
    Blocks {
        /// First height.
        from: u64,
        /// Most blocks (at most [`SYNC_BLOCKS_MAX`] are read).
        limit: usize,
        /// The blocks, or why the ledger could not be read.
        reply: std::sync::mpsc::SyncSender<Result<Vec<SyncedBlock>, String>>,
    },
    /// Catch-up started (`true`) or ended: while it runs, this node's votes
    /// and proposals — for heights the network has decided — are held back.
    CatchingUp(bool),
    /// Stop between two inputs.
    Shutdown,
}

/// What the node publishes after each input, for status, health and metrics.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Last committed height (0 before the first block).
    pub height: u64,
    /// Its hash.
    pub last_block_hash: Option<Hash>,
    /// Its block time.
    pub last_block_time_ms: Option<u64>,
    /// The consensus round of the height being decided.
    pub round: u32,
    /// Transactions committed since start.
    pub committed_transactions: u64,
    /// Transactions waiting in the mempool.
    pub mempool_size: usize,
    /// Refused submissions since start, by reason.
    pub rejections: BTreeMap<String, u64>,
    /// Time between the last two blocks, ms.
    pub block_interval_ms: u64,
    /// How long the last commit input took (execution and durable write), ms.
    pub commit_duration_ms: u64,
    /// Received blocks refused since start, by reason.
    pub refused_blocks: u64,
    /// Messages to peers dropped because the network queue was full.
    pub network_dropped: u64,
    /// Messages from peers dropped because the engine's queue was full.
    pub inbound_dropped: u64,
    /// Peers connected now.
    pub peers: u64,
    /// Whether the node is fetching blocks it missed from its peers.
    pub catching_up: bool,
    /// Per validator (consensus key, hex): committed blocks whose certificate
    /// lacks its signature, since the node started.
    pub missed_signatures: BTreeMap<String, u64>,
    /// Whether this node's consensus key is in the validator set of the
    /// height being decided: `false` for an observer, which never signs.
    pub signing: bool,
}

/// The wall clock, ms since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Why the engine's thread stops.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The engine failed (storage, a broken invariant).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Another signer of this validator's key showed in a committed block.
    #[error(transparent)]
    DuplicateKey(#[from] DuplicateKeyError),
}

/// The engine's thread.
pub struct Driver {
    engine: NodeEngine,
    guard: DuplicateKeyGuard,
    timers: BTreeMap<(u64, u64), Timer>,
    sequence: u64,
    snapshot: Arc<RwLock<Snapshot>>,
    outbox: Outbox,
    last_rebroadcast: Instant,
    /// Whether the key was in the set at the last look (`None` before the first).
    signing: Option<bool>,
    /// The validators' network keys last handed to the network.
    allowed_peers: Option<Vec<PublicKey>>,
    /// Whether block sync is catching up (votes are then held back).
    catching_up: bool,
    /// Where commits are published for the RPC subscriptions.
    commits: Commits,
}

impl Driver {
    /// A driver of `engine`, which produced `outputs` when it started;
    /// `guard` looks at every block it commits for another signer of its key;
    /// each commit is published into `commits` for the RPC subscriptions.
    pub fn new(
        engine: NodeEngine,
        outputs: Vec<Output>,
        guard: DuplicateKeyGuard,
        snapshot: Arc<RwLock<Snapshot>>,
        outbox: Outbox,
        commits: Commits,
    ) -> Result<Driver, DriverError> {
        let mut driver = Driver {
            engine,
            guard,
            timers: BTreeMap::new(),
            sequence: 0,
            snapshot,
            outbox,
            last_rebroadcast: Instant::now(),
            signing: None,
            allowed_peers: None,
            catching_up: false,
            commits,
        };
        driver.publish_tip();
        driver.publish_chain_start();
        driver.route(outputs, Instant::now())?;
        Ok(driver)
    }

    /// Runs until `Shutdown` (or every sender is gone): `Ok`; or until the
    /// engine fails: the error.
    pub fn run(mut self, commands: Receiver<Command>) -> Result<(), DriverError> {
        loop {
            self.fire_due_timers()?;
            self.rebroadcast_if_due()?;
            let now = now_ms();
            let wait = self
                .timers
                .first_key_value()
                .map_or(IDLE_WAIT_MS, |((at, _), _)| at.saturating_sub(now))
                .min(IDLE_WAIT_MS);
            match commands.recv_timeout(Duration::from_millis(wait)) {
                Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
                Ok(command) => self.command(command)?,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }

    fn rebroadcast_if_due(&mut self) -> Result<(), DriverError> {
        if self.last_rebroadcast.elapsed() >= Duration::from_millis(REBROADCAST_MS) {
            self.last_rebroadcast = Instant::now();
            self.input(Input::Rebroadcast)?;
        }
        Ok(())
    }

    /// Fires the due timers, at most [`TIMERS_PER_TURN_MAX`]: a height's
    /// timer can schedule the next one due at once (blocks back to back
    /// while the mempool holds anything), and commands must not wait for
    /// that to stop.
    fn fire_due_timers(&mut self) -> Result<(), DriverError> {
        for _ in 0..TIMERS_PER_TURN_MAX {
            let now = now_ms();
            let due = match self.timers.first_key_value() {
                Some(((at, _), _)) => *at <= now,
                None => false,
            };
            if !due {
                return Ok(());
            }
            if let Some((_, timer)) = self.timers.pop_first() {
                self.input(Input::Timer(timer))?;
            }
        }
        Ok(())
    }

    fn input(&mut self, input: Input) -> Result<(), DriverError> {
        let started = Instant::now();
        let outputs = self.engine.handle(input, now_ms())?;
        self.route(outputs, started)
    }

    fn command(&mut self, command: Command) -> Result<(), DriverError> {
        match command {
            Command::Submit {
                transactions,
                reply,
            } => {
                let started = Instant::now();
                let (results, outputs) = self.engine.submit(&transactions, now_ms())?;
                self.count_rejections(&results);
                for (bytes, result) in transactions.into_iter().zip(&results) {
                    if result.is_ok() {
                        self.outbox.send(ToNetwork::Transaction(bytes));
                    }
                }
                let _ = reply.send(results);
                self.route(outputs, started)?;
            }
            Command::Consensus(envelope, _ticket) => {
                let ConsensusEnvelope { message, block } = *envelope;
                self.input(Input::Message {
                    message,
                    block: block.map(Box::new),
                })?;
            }
            Command::CatchingUp(catching_up) => {
                if catching_up != self.catching_up {
                    tracing::info!(
                        catching_up,
                        "{}",
                        if catching_up {
                            "behind peers: catching up by block sync; votes held back"
                        } else {
                            "caught up: voting"
                        }
                    );
                }
                self.catching_up = catching_up;
            }
            Command::Gossiped(bytes, _ticket) => {
                let started = Instant::now();
                let (_, outputs) = self.engine.submit(&[bytes], now_ms())?;
                self.route(outputs, started)?;
            }
            Command::Synced { synced, reply } => {
                let SyncedBlock { block, certificate } = *synced;
                let height = block.header.height;
                self.input(Input::Synced {
                    block: Box::new(block),
                    certificate,
                })?;
                let committed = self.engine.height().saturating_sub(1);
                let _ = reply.send(if committed >= height {
                    Ok(committed)
                } else {
                    Err(format!("block {height} was not committed (at {committed})"))
                });
            }
            Command::Blocks { from, limit, reply } => {
                let blocks = self
                    .store()?
                    .ledger()
                    .blocks(from, limit.min(SYNC_BLOCKS_MAX))
                    .map(|blocks| {
                        blocks
                            .into_iter()
                            .map(|(block, certificate)| SyncedBlock { block, certificate })
                            .collect()
                    })
                    .map_err(|e| e.to_string());
                let _ = reply.send(blocks);
            }
            Command::Transaction { id, reply } => {
                let record = self
                    .store()?
                    .ledger()
                    .transaction(&id)
                    .map_err(|e| e.to_string());
                let _ = reply.send(record);
            }
            Command::Inspect(inspect) => inspect(self.engine.mempool(), &*self.store()?),
            Command::Shutdown => {}
        }
        Ok(())
    }

    /// The store, read-locked for one step: dropped before the engine runs
    /// again. A poisoned lock stops the node, as any storage failure.
    fn store(&self) -> Result<std::sync::RwLockReadGuard<'_, LedgerStore>, DriverError> {
        Ok(self.engine.store().read().map_err(EngineError::from)?)
    }

    fn count_rejections(&mut self, results: &[Result<Hash, Rejection>]) {
        if let Ok(mut snapshot) = self.snapshot.write() {
            for rejection in results.iter().filter_map(|r| r.as_ref().err()) {
                let count = snapshot
                    .rejections
                    .entry(civitas_rpc_api::errors::rejection_reason(rejection).to_string())
                    .or_insert(0);
                *count = count.saturating_add(1);
            }
            snapshot.mempool_size = self.engine.mempool().len();
        }
    }

    /// Carries out outputs in order. A message for one validator is
    /// gossiped to all: gossip has no direct send, and a vote or proposal is
    /// public anyway. Stops at a committed block that shows another signer
    /// of this validator's key: what follows it (the next height's
    /// signatures) never leaves the node.
    fn route(&mut self, outputs: Vec<Output>, started: Instant) -> Result<(), DriverError> {
        for output in outputs {
            match output {
                Output::Broadcast { message, block } | Output::SendTo { message, block, .. } => {
                    self.broadcast(message, block);
                }
                Output::Schedule { timer, at_ms } => {
                    self.sequence = self.sequence.wrapping_add(1);
                    self.timers.insert((at_ms, self.sequence), timer);
                }
                Output::Committed(block) => {
                    tracing::info!(
                        height = block.height,
                        hash = %block.hash,
                        transactions = block.transactions,
                        state_root = %block.state_root,
                        "committed"
                    );
                    if let Ok(mut snapshot) = self.snapshot.write() {
                        let elapsed = started.elapsed().as_millis();
                        snapshot.commit_duration_ms = u64::try_from(elapsed).unwrap_or(u64::MAX);
                        snapshot.block_interval_ms = snapshot
                            .last_block_time_ms
                            .map_or(0, |t| block.time_ms.saturating_sub(t));
                        snapshot.committed_transactions = snapshot
                            .committed_transactions
                            .saturating_add(block.transactions as u64);
                    }
                    self.count_missed_signatures(block.height);
                    self.publish_tip();
                    self.publish_chain(block.height);
                    publish_commit(&self.commits, &*self.store()?, block.height);
                    self.publish_peers();
                    let store = self.engine.store().read().map_err(EngineError::from)?;
                    self.guard.check_committed(&store, block.height)?;
                }
                Output::Refused { hash, reason } => {
                    tracing::warn!(%hash, %reason, "refused a proposed block");
                    if let Ok(mut snapshot) = self.snapshot.write() {
                        snapshot.refused_blocks = snapshot.refused_blocks.saturating_add(1);
                    }
                }
            }
        }
        if let Ok(mut snapshot) = self.snapshot.write() {
            snapshot.round = self.engine.round_step().0;
            snapshot.mempool_size = self.engine.mempool().len();
        }
        Ok(())
    }

    /// Gossips a vote or proposal, unless the node is catching up: its
    /// messages are then for a height its peers have decided, useless to
    /// them, and it votes once it stands where they do.
    fn broadcast(&mut self, message: ConsensusMessage, block: Option<Box<Block>>) {
        if self.catching_up {
            return;
        }
        let envelope = ConsensusEnvelope {
            message,
            block: block.map(|b| *b),
        };
        let dropped = self.outbox.send(ToNetwork::Consensus(Box::new(envelope)));
        if let Ok(mut snapshot) = self.snapshot.write() {
            snapshot.network_dropped = dropped;
        }
    }

    /// Publishes the committed block `height` for peers, and the new height.
    fn publish_chain(&mut self, height: u64) {
        let store = self.engine.store();
        let block = store.block(height);
        let validators = store.validator_set(height.saturating_add(1));
        match (block, validators) {
            (Ok(Some((block, certificate))), Ok(Some(validators))) => {
                self.outbox
                    .committed(SyncedBlock { block, certificate }, validators);
            }
            // The engine reads the same store next and stops on a failure;
            // peers only miss this block from this node meanwhile.
            (Err(error), _) | (_, Err(error)) => {
                tracing::error!(height, %error, "cannot read a committed block for peers");
            }
            _ => tracing::error!(
                height,
                "a committed block or the next validator set is missing"
            ),
        }
    }

    /// Hands the network the validators' network keys allowed while the next
    /// height is decided, when they changed: governance added a validator
    /// (admitted at once, to sync before its activation), removed one
    /// (disconnected at its removal height) or rotated a network key.
    fn publish_peers(&mut self) {
        let height = self.engine.height();
        let allowed = self
            .engine
            .store()
            .read()
            .and_then(|store| store.allowed_network_keys(height));
        match allowed {
            Ok(keys) if self.allowed_peers.as_ref() != Some(&keys) => {
                tracing::info!(
                    height,
                    validators = keys.len(),
                    "validators allowed to connect changed"
                );
                let dropped = self.outbox.dropped();
                // A full queue drops it: tried again at the next commit.
                if self.outbox.send(ToNetwork::Peers(keys.clone())) == dropped {
                    self.allowed_peers = Some(keys);
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(height, %error, "cannot read the validators' network keys");
            }
        }
    }

    /// Publishes the chain the engine starts from.
    fn publish_chain_start(&mut self) {
        self.publish_peers();
        let committed = self.engine.height().saturating_sub(1);
        if self.engine.tip().is_some() {
            self.publish_chain(committed);
        } else {
            let view = self.outbox.view().read().ok().map(|v| v.consensus_view());
            if let Some(view) = view {
                self.outbox.send(ToNetwork::View(view));
            }
        }
    }

    /// Counts the validators of `height`'s set absent from its certificate
    /// (a precommit that came after the quorum is not in it either: the
    /// chain's own record of who signed, as CometBFT's missed blocks).
    fn count_missed_signatures(&mut self, height: u64) {
        let Ok(store) = self.engine.store().read() else {
            return;
        };
        // The certificate alone: decoding the whole block per commit is waste.
        let (Ok(Some(certificate)), Ok(Some(set))) = (
            store.ledger().certificate(height),
            store.validator_set(height),
        ) else {
            return;
        };
        let signed: std::collections::BTreeSet<u16> = certificate
            .signatures()
            .iter()
            .map(|s| s.validator_index)
            .collect();
        if let Ok(mut snapshot) = self.snapshot.write() {
            for (index, validator) in set.validators().iter().enumerate() {
                let present = u16::try_from(index).is_ok_and(|i| signed.contains(&i));
                let count = snapshot
                    .missed_signatures
                    .entry(validator.public_key.to_string())
                    .or_insert(0);
                if !present {
                    *count = count.saturating_add(1);
                }
            }
        }
    }

    /// Publishes whether this node signs at the height being decided, and
    /// logs when that changes: an observer's key is in no set, so the
    /// consensus core never signs for it (it votes and proposes only at
    /// heights whose set holds its key); a key added by governance signs
    /// from its activation height.
    fn publish_role(&mut self) {
        let key = self.guard.key();
        let height = self.engine.height();
        let signing = self
            .engine
            .store()
            .validator_set(height)
            .ok()
            .flatten()
            .is_some_and(|set| set.validators().iter().any(|v| v.public_key == key));
        match (self.signing, signing) {
            (None, false) => tracing::info!(
                consensus_key = %key,
                height,
                "observer: this node follows the chain and never signs (its consensus key is not in the validator set)"
            ),
            (Some(true), false) => tracing::warn!(
                consensus_key = %key,
                height,
                "observer: this node's consensus key left the validator set; it follows the chain and no longer signs"
            ),
            (Some(false), true) => tracing::info!(
                consensus_key = %key,
                height,
                "validator: this node's consensus key joined the validator set; it signs from this height"
            ),
            _ => {}
        }
        self.signing = Some(signing);
        if let Ok(mut snapshot) = self.snapshot.write() {
            snapshot.signing = signing;
        }
    }

    fn publish_tip(&mut self) {
        self.publish_role();
        let tip = self.engine.tip().cloned();
        if let Ok(mut snapshot) = self.snapshot.write() {
            snapshot.height = tip.as_ref().map_or(0, |t| t.header.height);
            snapshot.last_block_hash = tip.as_ref().map(|t| t.hash);
            snapshot.last_block_time_ms = tip.as_ref().map(|t| t.header.time_ms);
        }
    }
}
