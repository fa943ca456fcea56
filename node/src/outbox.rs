//! The engine thread's side of the network: what it hands to the network task
//! and what it publishes for the network to read.
//!
//! The engine thread must never wait for the network, so it talks to the
//! network task through a bounded tokio queue with `try_send`: a message that
//! does not fit is dropped and counted (consensus rebroadcasts and round
//! timeouts make up for a lost message; a lost view update is superseded by
//! the next commit's). The committed chain the network needs without asking
//! the engine — the tip, the validators of the next height and the most
//! recent blocks with their certificates — is published in a shared
//! [`ChainView`] after every commit, so block sync and catch-up read it
//! without touching the ledger, which the engine thread owns.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use civitas_p2p::{ConsensusEnvelope, ConsensusView, SyncedBlock};
use civitas_types::{ChainId, Hash, PublicKey, ValidatorSet};
use tokio::sync::mpsc;

/// Messages queued at most from the engine thread to the network task.
pub const OUTBOX_MAX: usize = 4_096;

/// Committed blocks kept in memory for peers that sync (older ones are read
/// from the ledger through the engine thread).
pub const RECENT_BLOCKS_MAX: usize = 128;

/// What the engine thread asks the network task to do.
#[derive(Debug)]
pub enum ToNetwork {
    /// Gossip a proposal (with its block) or a vote.
    Consensus(Box<ConsensusEnvelope>),
    /// Gossip a transaction admitted from RPC.
    Transaction(Vec<u8>),
    /// Judge consensus messages against a new height or validator set.
    View(ConsensusView),
    /// Allow these validators' network keys (and the configured observers);
    /// disconnect any other peer.
    Peers(Vec<PublicKey>),
}

/// The committed chain as the network sees it, published by the engine thread.
#[derive(Clone, Debug)]
pub struct ChainView {
    /// The chain.
    pub chain_id: ChainId,
    /// Last committed height (0 before the first block).
    pub height: u64,
    /// Its hash (the genesis hash before the first block).
    pub last_block_hash: Hash,
    /// The validators of `height + 1`.
    pub next_validators: ValidatorSet,
    /// The chain's first height.
    pub first_height: u64,
    /// The last [`RECENT_BLOCKS_MAX`] committed blocks, by height.
    pub recent: BTreeMap<u64, SyncedBlock>,
}

impl ChainView {
    /// Records a newly committed block (the tip).
    pub fn push(&mut self, synced: SyncedBlock, next_validators: ValidatorSet) {
        self.height = synced.block.header.height;
        self.last_block_hash = synced.block.hash();
        self.next_validators = next_validators;
        self.recent.insert(self.height, synced);
        while self.recent.len() > RECENT_BLOCKS_MAX {
            self.recent.pop_first();
        }
    }

    /// The consensus view of the height being decided.
    pub fn consensus_view(&self) -> ConsensusView {
        ConsensusView {
            chain_id: self.chain_id.clone(),
            height: self.height.saturating_add(1),
            validators: self.next_validators.clone(),
        }
    }
}

/// The shared view.
pub type SharedChainView = Arc<RwLock<ChainView>>;

/// The engine thread's handle on the network.
pub struct Outbox {
    sender: mpsc::Sender<ToNetwork>,
    view: SharedChainView,
    dropped: u64,
}

impl Outbox {
    /// An outbox over `sender`, publishing into `view`.
    pub fn new(sender: mpsc::Sender<ToNetwork>, view: SharedChainView) -> Outbox {
        Outbox {
            sender,
            view,
            dropped: 0,
        }
    }

    /// Queues `message` without waiting; a full or closed queue drops it.
    /// Returns how many messages were dropped so far.
    pub fn send(&mut self, message: ToNetwork) -> u64 {
        if let Err(error) = self.sender.try_send(message) {
            self.dropped = self.dropped.saturating_add(1);
            tracing::debug!(%error, dropped = self.dropped, "network queue: message dropped");
        }
        self.dropped
    }

    /// How many messages were dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Publishes a committed block and tells the network the new height.
    pub fn committed(&mut self, synced: SyncedBlock, next_validators: ValidatorSet) {
        let view = match self.view.write() {
            Ok(mut shared) => {
                shared.push(synced, next_validators);
                shared.consensus_view()
            }
            Err(_) => return,
        };
        self.send(ToNetwork::View(view));
    }

    /// The shared view.
    pub fn view(&self) -> &SharedChainView {
        &self.view
    }
}
