//! [`AuditStore`]: what the replay reads while executing a block — the
//! values of the state, the validator sets, the block times and the tip —
//! without the state tree, which [`crate::ChainAudit`] builds on another
//! thread while the next block executes.
//!
//! Only what a replay that moves forward needs is kept: the tip (not the
//! blocks), 8 bytes of block time per height (evidence of any past height is
//! judged with its time) and the validator-set changes.

use std::collections::BTreeMap;

use civitas_civic::{StateRead, StorageError};
use civitas_engine::{ChainRead, StoreError, Tip};
use civitas_genesis::CheckedGenesis;
use civitas_state_tree::{MemoryState, StateTree, Values};
use civitas_types::{Block, Hash, QuorumCertificate, ValidatorSet};

/// A version of the state's values, as the civic state machine reads it.
#[derive(Clone, Default)]
pub(crate) struct ValuesView(pub(crate) Values);

impl StateRead for ValuesView {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.0.get(key).map(<[u8]>::to_vec))
    }

    fn contains(&self, key: &[u8]) -> Result<bool, StorageError> {
        Ok(self.0.get(key).is_some())
    }
}

/// The committed chain as the replay reads it, the state tree apart.
pub(crate) struct AuditStore {
    /// The values after the last committed block.
    values: ValuesView,
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
            values: ValuesView(state.values().clone()),
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
        let store = AuditStore {
            values: ValuesView(state.values().clone()),
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
    pub(crate) fn values(&self) -> &Values {
        &self.values.0
    }

    /// Commits `committed` with the values after it; returns the values it
    /// replaces (for the caller to free where it costs nothing).
    pub(crate) fn commit(
        &mut self,
        committed: Committed<'_>,
        values: Values,
    ) -> Result<Values, StoreError> {
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
        Ok(std::mem::replace(&mut self.values, ValuesView(values)).0)
    }
}

impl ChainRead for AuditStore {
    type State = ValuesView;

    fn state(&self) -> &ValuesView {
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
