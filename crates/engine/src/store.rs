//! What the engine needs from storage, as one narrow trait: the committed
//! chain's tip, its latest state (read for execution), the root a block's
//! writes would give, the durable commit of a decided block, the validator
//! set in force at a height, and past blocks (for sync and evidence).
//!
//! The node implements it over the RocksDB ledger; [`crate::MemoryStore`]
//! implements it in memory for tests and the simulator. A failure is a typed
//! [`StoreError`], never a panic or a wrong answer: the engine stops on it.

use std::collections::BTreeMap;

use civitas_civic::StateRead;
use civitas_types::{Block, Hash, Header, QuorumCertificate, ValidatorSet};

/// A block's state writes, in key order (`None` deletes).
pub type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The last committed block, as the next height needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tip {
    /// Its header (height, time, the set it announced).
    pub header: Header,
    /// Its hash: the next block's `previous_block_hash`.
    pub hash: Hash,
    /// Its certificate: the next block's `last_commit`.
    pub certificate: QuorumCertificate,
}

/// A decided block, with what the store keeps beside it.
#[derive(Clone, Copy, Debug)]
pub struct Decided<'a> {
    /// The block.
    pub block: &'a Block,
    /// Its certificate.
    pub certificate: &'a QuorumCertificate,
    /// The leaves of its receipts root (block receipt first).
    pub receipt_leaves: &'a [Vec<u8>],
    /// A validator-set change the block decided: the first height it signs,
    /// and the set.
    pub validator_change: Option<&'a (u64, ValidatorSet)>,
}

/// Why storage failed: always a fault of this node, never of a peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The disk or database failed; the text is what it said.
    #[error("storage failed: {0}")]
    Io(String),
    /// The device is full: free space, then restart; nothing committed is lost.
    #[error("the data directory's device is full: free space and restart the node")]
    Full,
    /// What is stored contradicts itself (a damaged data directory).
    #[error(
        "the stored chain is inconsistent: {0}; restore the data directory from a verified snapshot"
    )]
    Corrupt(String),
}

/// A state computed on top of the latest committed one, not yet durable.
pub trait PreparedState {
    /// The state root it has.
    fn root(&self) -> Hash;
}

/// What executing and checking a block reads from the committed chain: its
/// latest state, the validator sets and past block times. Every
/// [`ChainStore`] is one; a replay that keeps the state tree apart from the
/// values (the auditor's, which builds each tree on another thread) is one
/// without being a [`ChainStore`].
pub trait ChainRead {
    /// The latest committed state, read by execution.
    type State: StateRead;

    /// The state after the last committed block.
    fn state(&self) -> &Self::State;

    /// The validator set that signs `height` ([`ChainStore::validator_set`]).
    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError>;

    /// The time of the committed block at `height` ([`ChainStore::block_time`]).
    fn block_time(&self, height: u64) -> Result<Option<u64>, StoreError>;
}

impl<S: ChainStore> ChainRead for S {
    type State = S::State;

    fn state(&self) -> &S::State {
        ChainStore::state(self)
    }

    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError> {
        ChainStore::validator_set(self, height)
    }

    fn block_time(&self, height: u64) -> Result<Option<u64>, StoreError> {
        ChainStore::block_time(self, height)
    }
}

/// The committed chain and state, as the engine reads and extends it.
pub trait ChainStore {
    /// The latest committed state, read by execution.
    type State: StateRead;
    /// A state prepared from a block's writes.
    type Prepared: PreparedState;

    /// The last committed block; `None` before the first.
    fn tip(&self) -> Result<Option<Tip>, StoreError>;

    /// The state after the last committed block (the genesis state before the first).
    fn state(&self) -> &Self::State;

    /// The state `writes` would make on top of the latest committed state,
    /// without changing the store.
    fn prepare(&self, writes: &Writes) -> Result<Self::Prepared, StoreError>;

    /// Makes a candidate block of the next height durable before this
    /// validator signs anything for it (its proposal, or a vote for it): a
    /// validator restarted after signing must still hold the body its
    /// signatures name, or it could decide a block it cannot commit (the
    /// write-ahead role of CometBFT's WAL). Returns once it is durable.
    fn save_candidate(&mut self, block: &Block) -> Result<(), StoreError>;

    /// The candidate blocks saved for the height after the tip.
    fn candidates(&self) -> Result<Vec<Block>, StoreError>;

    /// Makes `decided` and its prepared state durable, and forgets the
    /// candidates of its height; returns once it is durable.
    fn commit(&mut self, decided: Decided<'_>, prepared: Self::Prepared) -> Result<(), StoreError>;

    /// The validator set that signs `height`, for heights up to the tip plus
    /// the changes already decided; `None` beyond what is known.
    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError>;

    /// The committed block at `height` and its certificate.
    fn block(&self, height: u64) -> Result<Option<(Block, QuorumCertificate)>, StoreError>;

    /// The time of the committed block at `height` (what evidence of that
    /// height is judged with). By default read from [`Self::block`]; a store
    /// that drops old blocks keeps their times.
    fn block_time(&self, height: u64) -> Result<Option<u64>, StoreError> {
        Ok(self.block(height)?.map(|(block, _)| block.header.time_ms))
    }
}
