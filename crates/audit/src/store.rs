//! [`AuditStore`]: what the replay reads while executing a block — the
//! values of the state, the validator sets, the block times and the tip —
//! without the state tree, which [`crate::ChainAudit`] builds on another
//! thread while the next block executes.
//!
//! The values are one map updated in place by each commit, not a persistent
//! version per block: a replay never goes back to an older version, and
//! copying the paths of a persistent map for every write was ≈ 30% of the
//! executing thread's time (with the freeing of the versions replaced,
//! ≈ 10% of the whole replay's CPU). An executed block not yet committed is
//! read as its writes over the committed values ([`Written`]).
//!
//! Only what a replay that moves forward needs is kept: the tip (not the
//! blocks), 8 bytes of block time per height (evidence of any past height is
//! judged with its time) and the validator-set changes.

use std::collections::BTreeMap;

use civitas_civic::{StateRead, StorageError};
use civitas_engine::{ChainRead, StoreError, Tip};
use civitas_genesis::CheckedGenesis;
use civitas_state_tree::{KeyError, MemoryState, StateTree, Values, Writes};
use civitas_types::{Block, Hash, QuorumCertificate, ValidatorSet};

/// The state's values after the last committed block, as the civic state
/// machine reads them. Keys are checked before they are written
/// ([`civitas_state_tree::check_key`]), as a [`Values`] version checks them.
#[derive(Default)]
pub(crate) struct CommittedValues(BTreeMap<Vec<u8>, Vec<u8>>);

impl CommittedValues {
    /// Writes `writes` in place (keys already checked).
    fn apply(&mut self, writes: &Writes) {
        for (key, value) in writes {
            match value {
                Some(value) => {
                    // Overwritten in place: the key is not copied again.
                    if let Some(slot) = self.0.get_mut(key) {
                        slot.clone_from(value);
                    } else {
                        self.0.insert(key.clone(), value.clone());
                    }
                }
                None => {
                    self.0.remove(key);
                }
            }
        }
    }
}

impl StateRead for CommittedValues {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.0.get(key).cloned())
    }

    fn contains(&self, key: &[u8]) -> Result<bool, StorageError> {
        Ok(self.0.contains_key(key))
    }
}

/// The state after an executed block that is not committed yet: its writes
/// over the committed values.
pub(crate) struct Written<'a> {
    /// The values before the block.
    pub(crate) base: &'a CommittedValues,
    /// What the block wrote (`None` deletes).
    pub(crate) writes: &'a Writes,
}

impl StateRead for Written<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.writes.get(key) {
            Some(written) => Ok(written.clone()),
            None => self.base.get(key),
        }
    }

    fn contains(&self, key: &[u8]) -> Result<bool, StorageError> {
        match self.writes.get(key) {
            Some(written) => Ok(written.is_some()),
            None => self.base.contains(key),
        }
    }
}

/// The committed chain as the replay reads it, the state tree apart.
pub(crate) struct AuditStore {
    /// The values after the last committed block.
    values: CommittedValues,
    /// The last committed block.
    tip: Option<Tip>,
    /// The block time of every committed height from `first_timed` on.
    times: Vec<u64>,
    /// The first height whose block time is known: the initial height, or
    /// a snapshot's (evidence about an earlier height cannot be judged).
    first_timed: u64,
    /// Height → the set that signs from that height on.
    validator_sets: BTreeMap<u64, ValidatorSet>,
}

/// A decided block, as the store takes it.
pub(crate) struct Committed<'a> {
    /// The block.
    pub(crate) block: &'a Block,
    /// Its hash.
    pub(crate) hash: Hash,
    /// Its certificate.
    pub(crate) certificate: QuorumCertificate,
    /// A validator-set change it decided: the first height it signs, and the set.
    pub(crate) validator_change: Option<&'a (u64, ValidatorSet)>,
}

impl AuditStore {
    /// The store of the chain of `genesis`, and the genesis state's tree.
    pub(crate) fn from_genesis(
        genesis: &CheckedGenesis,
        initial_height: u64,
    ) -> Result<(AuditStore, StateTree), StoreError> {
        let state = MemoryState::from_entries(genesis.state.entries.clone())
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        let store = AuditStore {
            values: CommittedValues(genesis.state.entries.clone()),
            tip: None,
            times: Vec::new(),
            first_timed: initial_height,
            validator_sets: BTreeMap::from([(initial_height, genesis.validators.clone())]),
        };
        Ok((store, state.tree().clone()))
    }

    /// The store of a chain resumed at a snapshot: `state` after `tip`'s
    /// block (the caller checked it), the validator sets by first height.
    pub(crate) fn from_snapshot(
        state: &MemoryState,
        tip: Tip,
        validator_sets: BTreeMap<u64, ValidatorSet>,
    ) -> (AuditStore, StateTree) {
        let values = state
            .values()
            .iter()
            .map(|(key, value)| (key.to_vec(), value.to_vec()))
            .collect();
        let store = AuditStore {
            values: CommittedValues(values),
            first_timed: tip.header.height,
            times: vec![tip.header.time_ms],
            tip: Some(tip),
            validator_sets,
        };
        (store, state.tree().clone())
    }

    /// The last committed block.
    pub(crate) fn tip(&self) -> Option<&Tip> {
        self.tip.as_ref()
    }

    /// The values after the last committed block.
    pub(crate) fn values(&self) -> &CommittedValues {
        &self.values
    }

    /// The values after the last committed block, as a state version
    /// (built here: every entry copied into a persistent map).
    pub(crate) fn into_values(self) -> Result<Values, KeyError> {
        let entries: Writes = self
            .values
            .0
            .into_iter()
            .map(|(key, value)| (key, Some(value)))
            .collect();
        Values::default().after(&entries)
    }

    /// Commits `committed`, whose block wrote `writes` (keys checked); the
    /// values are updated in place.
    pub(crate) fn commit(
        &mut self,
        committed: Committed<'_>,
        writes: &Writes,
    ) -> Result<(), StoreError> {
        let header = &committed.block.header;
        let expected = self.first_timed.saturating_add(self.times.len() as u64);
        if header.height != expected {
            return Err(StoreError::Corrupt(format!(
                "block {} committed where block {expected} was expected",
                header.height
            )));
        }
        if let Some((height, set)) = committed.validator_change {
            self.validator_sets.insert(*height, set.clone());
        }
        self.times.push(header.time_ms);
        self.tip = Some(Tip {
            header: header.clone(),
            hash: committed.hash,
            certificate: committed.certificate,
        });
        self.values.apply(writes);
        Ok(())
    }
}

impl ChainRead for AuditStore {
    type State = CommittedValues;

    fn state(&self) -> &CommittedValues {
        &self.values
    }

    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError> {
        Ok(self
            .validator_sets
            .range(..=height)
            .next_back()
            .map(|(_, set)| set.clone()))
    }

    fn block_time(&self, height: u64) -> Result<Option<u64>, StoreError> {
        Ok(height
            .checked_sub(self.first_timed)
            .and_then(|offset| usize::try_from(offset).ok())
            .and_then(|offset| self.times.get(offset))
            .copied())
    }
}
