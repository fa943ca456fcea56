//! The chain and state in memory: the [`ChainStore`] of tests, the
//! simulator and the auditor. It keeps every block (or, for a replay that
//! only moves forward, the last few: [`MemoryStore::keeping_blocks`]) and the
//! latest state version; a commit replaces the state by the prepared version,
//! so it is as exact as the RocksDB ledger (same tree, same root) without a
//! disk.

use std::collections::BTreeMap;

use civitas_civic::{StateRead, StorageError};
use civitas_genesis::CheckedGenesis;
use civitas_state_tree::MemoryState;
use civitas_types::{Block, Hash, QuorumCertificate, ValidatorSet};

use crate::store::{ChainStore, Decided, PreparedState, StoreError, Tip, Writes};

/// A state version the civic state machine reads.
#[derive(Clone, Debug, Default)]
pub struct MemoryView(pub MemoryState);

impl StateRead for MemoryView {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.0.get(key).map(<[u8]>::to_vec))
    }

    fn contains(&self, key: &[u8]) -> Result<bool, StorageError> {
        Ok(self.0.get(key).is_some())
    }
}

impl PreparedState for MemoryState {
    fn root(&self) -> Hash {
        MemoryState::root(self)
    }
}

/// One committed block with what was stored beside it.
#[derive(Clone, Debug)]
pub struct StoredBlock {
    /// The block.
    pub block: Block,
    /// Its certificate.
    pub certificate: QuorumCertificate,
    /// Its receipts root's leaves.
    pub receipt_leaves: Vec<Vec<u8>>,
    /// The state root after it.
    pub state_root: Hash,
}

/// A whole chain in memory.
#[derive(Clone, Debug)]
pub struct MemoryStore {
    initial_height: u64,
    state: MemoryView,
    /// The committed blocks kept: all, or the last `keep`.
    blocks: Vec<StoredBlock>,
    /// Committed blocks dropped from the front of `blocks`.
    dropped: u64,
    /// Most blocks kept (`None`: every block).
    keep: Option<usize>,
    /// Every committed height's block time, first first: evidence of any
    /// past height is judged with its time, even once its block is dropped.
    times: Vec<u64>,
    /// Candidate blocks of the next height (bodies this validator signed for).
    candidates: Vec<Block>,
    /// Height → the set that signs from that height on.
    validator_sets: BTreeMap<u64, ValidatorSet>,
}

impl MemoryStore {
    /// The store of a chain that starts from `genesis` at `initial_height`.
    pub fn from_genesis(genesis: &CheckedGenesis, initial_height: u64) -> Result<Self, StoreError> {
        let state = MemoryState::from_entries(genesis.state.entries.clone())
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        Ok(MemoryStore {
            initial_height,
            state: MemoryView(state),
            blocks: Vec::new(),
            dropped: 0,
            keep: None,
            times: Vec::new(),
            candidates: Vec::new(),
            validator_sets: BTreeMap::from([(initial_height, genesis.validators.clone())]),
        })
    }

    /// This store, keeping only the last `keep` committed blocks (at least
    /// one: the tip) instead of all: memory then follows the state's size,
    /// not the chain's length, as a replay that only moves forward needs
    /// (the auditor's). [`ChainStore::block`] answers `None` for a dropped
    /// block; the time of every committed height is still kept (8 bytes a
    /// height) for [`ChainStore::block_time`], which evidence needs.
    pub fn keeping_blocks(mut self, keep: usize) -> Self {
        self.keep = Some(keep.max(1));
        self.trim();
        self
    }

    /// The committed blocks kept, first first (every block unless
    /// [`Self::keeping_blocks`]).
    pub fn blocks(&self) -> &[StoredBlock] {
        &self.blocks
    }

    /// Drops the oldest blocks beyond `keep`.
    fn trim(&mut self) {
        if let Some(keep) = self.keep {
            let excess = self.blocks.len().saturating_sub(keep);
            if excess > 0 {
                self.blocks.drain(..excess);
                self.dropped = self.dropped.saturating_add(excess as u64);
            }
        }
    }

    /// The latest state version.
    pub fn memory_state(&self) -> &MemoryState {
        &self.state.0
    }

    /// The position of `height` among the committed heights.
    fn offset_of(&self, height: u64) -> Option<usize> {
        height
            .checked_sub(self.initial_height)
            .and_then(|offset| usize::try_from(offset).ok())
    }

    /// The position of `height`'s block in `blocks`.
    fn index_of(&self, height: u64) -> Option<usize> {
        height
            .checked_sub(self.initial_height)
            .and_then(|offset| offset.checked_sub(self.dropped))
            .and_then(|offset| usize::try_from(offset).ok())
    }
}

impl ChainStore for MemoryStore {
    type State = MemoryView;
    type Prepared = MemoryState;

    fn tip(&self) -> Result<Option<Tip>, StoreError> {
        Ok(self.blocks.last().map(|stored| Tip {
            header: stored.block.header.clone(),
            hash: stored.block.hash(),
            certificate: stored.certificate.clone(),
        }))
    }

    fn state(&self) -> &MemoryView {
        &self.state
    }

    fn prepare(&self, writes: &Writes) -> Result<MemoryState, StoreError> {
        self.state
            .0
            .apply(writes.clone())
            .map_err(|error| StoreError::Corrupt(error.to_string()))
    }

    fn commit(&mut self, decided: Decided<'_>, prepared: MemoryState) -> Result<(), StoreError> {
        let expected = self.initial_height.saturating_add(self.times.len() as u64);
        if decided.block.header.height != expected {
            return Err(StoreError::Corrupt(format!(
                "block {} committed where block {expected} was expected",
                decided.block.header.height
            )));
        }
        if let Some((height, set)) = decided.validator_change {
            self.validator_sets.insert(*height, set.clone());
        }
        self.blocks.push(StoredBlock {
            block: decided.block.clone(),
            certificate: decided.certificate.clone(),
            receipt_leaves: decided.receipt_leaves.to_vec(),
            state_root: prepared.root(),
        });
        self.times.push(decided.block.header.time_ms);
        self.trim();
        self.state = MemoryView(prepared);
        self.candidates.clear();
        Ok(())
    }

    fn save_candidate(&mut self, block: &Block) -> Result<(), StoreError> {
        let hash = block.hash();
        if !self.candidates.iter().any(|c| c.hash() == hash) {
            self.candidates.push(block.clone());
        }
        Ok(())
    }

    fn candidates(&self) -> Result<Vec<Block>, StoreError> {
        Ok(self.candidates.clone())
    }

    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError> {
        Ok(self
            .validator_sets
            .range(..=height)
            .next_back()
            .map(|(_, set)| set.clone()))
    }

    fn block(&self, height: u64) -> Result<Option<(Block, QuorumCertificate)>, StoreError> {
        Ok(self
            .index_of(height)
            .and_then(|index| self.blocks.get(index))
            .map(|stored| (stored.block.clone(), stored.certificate.clone())))
    }

    fn block_time(&self, height: u64) -> Result<Option<u64>, StoreError> {
        Ok(self
            .offset_of(height)
            .and_then(|offset| self.times.get(offset))
            .copied())
    }
}
