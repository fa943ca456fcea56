//! The evidence pool: evidence a node has seen (from its own consensus, which
//! detects equivocations, or from peers) and will propose, until a block
//! records it or it expires.
//!
//! Pure and bounded: at most [`EVIDENCE_POOL_MAX`] pieces, one per offence.
//! A proposer calls [`EvidencePool::prune`] against the state of the last
//! committed block and the next block's height and time, then
//! [`EvidencePool::select`]: what it gets passes every rule a block's
//! evidence must pass, so its proposal is never invalid because of evidence.

use std::collections::BTreeMap;

use civitas_types::limits::BLOCK_EVIDENCE_MAX;
use civitas_types::{Evidence, EvidenceParams, Offence};

use super::{ValidatorSets, check_against_past, recorded};
use crate::executor::BlockExecutionError;
use crate::handler::BlockContext;
use crate::state::StateRead;

/// At most this many pieces wait in the pool: four blocks' worth. Evidence
/// beyond it is refused; the offence can still be proven by another node.
pub const EVIDENCE_POOL_MAX: usize = 4 * BLOCK_EVIDENCE_MAX;

/// What [`EvidencePool::add`] did with a piece of evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolAdmission {
    /// Kept, to be proposed.
    Added,
    /// The pool already holds evidence of the same offence.
    AlreadyPending,
    /// The pool holds [`EVIDENCE_POOL_MAX`] pieces.
    Full,
}

/// Pending evidence, oldest offence first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvidencePool {
    /// (offence height, offence) → evidence: iteration yields the oldest
    /// offences first, closest to expiry.
    pending: BTreeMap<(u64, Offence), Evidence>,
}

impl EvidencePool {
    /// An empty pool.
    pub fn new() -> EvidencePool {
        EvidencePool::default()
    }

    /// How many pieces wait.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Keeps `evidence` for a later block, one piece per offence. Its
    /// signatures are checked here so a peer cannot fill the pool with
    /// forgeries; the rest is checked by [`EvidencePool::prune`].
    pub fn add(
        &mut self,
        evidence: Evidence,
    ) -> Result<PoolAdmission, civitas_types::EvidenceError> {
        evidence.verify()?;
        let offence = evidence.offence();
        let key = (offence.height, offence);
        if self.pending.contains_key(&key) {
            return Ok(PoolAdmission::AlreadyPending);
        }
        if self.pending.len() >= EVIDENCE_POOL_MAX {
            return Ok(PoolAdmission::Full);
        }
        self.pending.insert(key, evidence);
        Ok(PoolAdmission::Added)
    }

    /// Drops what a block at `next` may not carry: offences recorded in
    /// `state` (the state after the last committed block), expired evidence,
    /// and evidence that fails against the set of its height. Returns how many
    /// pieces were dropped; an error only when a read failed.
    pub fn prune<S: StateRead>(
        &mut self,
        state: &S,
        next: &BlockContext,
        params: &EvidenceParams,
        validator_sets: &dyn ValidatorSets,
    ) -> Result<usize, BlockExecutionError> {
        let before = self.pending.len();
        let mut keep = BTreeMap::new();
        for (key, evidence) in std::mem::take(&mut self.pending) {
            let (_, offence) = &key;
            // Evidence of a height not yet committed may become valid later:
            // keep it; a block at `next` would still refuse it, so select()
            // skips it.
            if offence.height >= next.height {
                keep.insert(key, evidence);
                continue;
            }
            if recorded(state, offence)?.is_some() {
                continue;
            }
            if check_against_past(next, params, validator_sets, &evidence)?.is_ok() {
                keep.insert(key, evidence);
            }
        }
        self.pending = keep;
        Ok(before.saturating_sub(self.pending.len()))
    }

    /// Up to `max` pieces (never more than [`BLOCK_EVIDENCE_MAX`]) for a block
    /// at height `next_height`, oldest offence first; call
    /// [`EvidencePool::prune`] for that block first.
    pub fn select(&self, next_height: u64, max: usize) -> Vec<Evidence> {
        self.pending
            .iter()
            .filter(|((height, _), _)| *height < next_height)
            .take(max.min(BLOCK_EVIDENCE_MAX))
            .map(|(_, evidence)| evidence.clone())
            .collect()
    }
}
