//! Evidence of validator misbehaviour in civic state: which blocks may carry
//! it, and the one record per offence the council reads (table `0x1b`).
//!
//! A block's evidence is checked before anything else runs: each piece must
//! pass [`Evidence::check`] against the validator set and block time of its
//! own height (looked up through [`ValidatorSets`]), its offence must not be
//! recorded yet (even with another pair of votes) nor appear twice in the
//! block. Any failure makes the whole block invalid. Each accepted piece is
//! recorded under its [`Offence`] and announced by a
//! [`Event::MisbehaviourRecorded`] block event. Nothing else happens: there
//! is no slashing in this chain; the council acts on the record by governance
//! (for instance by removing the validator).

pub mod pool;

use std::collections::{BTreeMap, btree_map::Entry};

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{
    Evidence, EvidenceParams, EvidenceRejection, Hash, Inclusion, Offence, OffenceHeight,
    ValidatorSet,
};

use crate::executor::BlockExecutionError;
use crate::handler::BlockContext;
use crate::keys;
use crate::receipt::Event;
use crate::state::{Overlay, StateFault, StateRead, StorageError};

pub use pool::{EVIDENCE_POOL_MAX, EvidencePool, PoolAdmission};

/// What the state keeps of a recorded offence (table `0x1b`, keyed by the
/// [`Offence`]). The evidence itself stays in the block that carried it; its
/// hash finds it there.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EvidenceRecord {
    /// `H(Evidence, encoding)` of the evidence the block carried.
    pub evidence_hash: Hash,
    /// The height of the block that carried it.
    pub included_at_height: u64,
    /// That block's time (ms since the Unix epoch).
    pub included_at_time_ms: u64,
}

/// A committed height as evidence needs it: the set that signed it and its
/// block time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastHeight {
    /// The validator set that signed the height.
    pub validator_set: ValidatorSet,
    /// The time of the block committed at the height.
    pub time_ms: u64,
}

/// Where execution finds the validator set and block time of a past height:
/// the node's block store, or [`MemoryValidatorSets`] in tests.
pub trait ValidatorSets {
    /// The set and time of committed height `height`, or `None` if no block
    /// was committed there (height 0, or not yet); an error when the storage
    /// behind it failed (never a wrong `None`).
    fn at(&self, height: u64) -> Result<Option<PastHeight>, StorageError>;
}

/// Validator sets and times of past heights, in memory (tests, simulations).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryValidatorSets {
    /// Height → its set and time.
    pub heights: BTreeMap<u64, PastHeight>,
}

impl ValidatorSets for MemoryValidatorSets {
    fn at(&self, height: u64) -> Result<Option<PastHeight>, StorageError> {
        Ok(self.heights.get(&height).cloned())
    }
}

/// Knows no past height: for blocks without evidence, which never ask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoPastHeights;

impl ValidatorSets for NoPastHeights {
    fn at(&self, _height: u64) -> Result<Option<PastHeight>, StorageError> {
        Ok(None)
    }
}

/// A block's evidence, with what checking it needs.
#[derive(Clone, Copy)]
pub struct BlockEvidence<'a> {
    /// The evidence the block carries, in block order.
    pub items: &'a [Evidence],
    /// The network's evidence parameters (genesis consensus parameters).
    pub params: EvidenceParams,
    /// Where the sets and times of past heights are read.
    pub validator_sets: &'a dyn ValidatorSets,
}

impl BlockEvidence<'static> {
    /// A block that carries no evidence.
    pub fn none() -> BlockEvidence<'static> {
        BlockEvidence {
            items: &[],
            params: EvidenceParams::default(),
            validator_sets: &NoPastHeights,
        }
    }
}

/// Why a block may not carry a piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEvidence {
    /// The evidence fails the protocol's rules (chain, age, validator set, signatures).
    #[error(transparent)]
    Rejected(#[from] EvidenceRejection),
    /// No block was committed at the evidence's height, so nothing signed there.
    #[error(
        "no block was committed at height {height}; there is no validator set to check against"
    )]
    UnknownHeight {
        /// The evidence's height.
        height: u64,
    },
    /// The state already records this offence (perhaps with another pair of votes).
    #[error("the offence was already recorded at height {included_at_height}; drop this evidence")]
    AlreadyRecorded {
        /// The height of the block that recorded it.
        included_at_height: u64,
    },
    /// The block carries the same offence twice.
    #[error("the block already carries evidence of the same offence at position {first_index}")]
    RepeatedInBlock {
        /// The position of the first piece of evidence of this offence.
        first_index: usize,
    },
}

/// The record of `offence` in `state`, if any (the pool drops what is recorded).
pub fn recorded<S: StateRead>(
    state: &S,
    offence: &Offence,
) -> Result<Option<EvidenceRecord>, StateFault> {
    let key = keys::evidence(offence);
    let bytes = state.get(&key).map_err(|error| StateFault::Unreadable {
        key: crate::state::hex_of(&key),
        error,
    })?;
    bytes
        .map(|bytes| {
            civitas_types::decode(&bytes).map_err(|error| StateFault::Undecodable {
                key: crate::state::hex_of(&key),
                reason: error.to_string(),
            })
        })
        .transpose()
}

/// Checks one piece of evidence for a block at `context` against the set and
/// time of its height (whether its offence is recorded is checked apart):
/// `Ok(Err(_))` when a block may not carry it, `Err(_)` when a read failed.
pub fn check_against_past(
    context: &BlockContext,
    params: &EvidenceParams,
    validator_sets: &dyn ValidatorSets,
    evidence: &Evidence,
) -> Result<Result<(), InvalidEvidence>, BlockExecutionError> {
    let height = evidence.height();
    // Evidence from the future is refused before any lookup: the store knows
    // nothing of heights not yet committed.
    if height >= context.height {
        return Ok(Err(EvidenceRejection::FromTheFuture {
            height,
            current_height: context.height,
        }
        .into()));
    }
    let past = validator_sets
        .at(height)
        .map_err(|error| BlockExecutionError::PastHeightUnreadable { height, error })?;
    let Some(past) = past else {
        return Ok(Err(InvalidEvidence::UnknownHeight { height }));
    };
    let inclusion = Inclusion {
        chain_id: &context.chain_id,
        height: context.height,
        time_ms: context.time_ms,
        params,
    };
    let offence_height = OffenceHeight {
        validator_set: &past.validator_set,
        time_ms: past.time_ms,
    };
    Ok(evidence
        .check(&inclusion, &offence_height)
        .map_err(InvalidEvidence::from))
}

/// Checks and records a block's evidence; returns the block events. The first
/// invalid piece makes the block invalid.
pub(crate) fn record_block_evidence<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    evidence: &BlockEvidence<'_>,
) -> Result<Vec<Event>, BlockExecutionError> {
    let mut seen: BTreeMap<Offence, usize> = BTreeMap::new();
    let mut events = Vec::with_capacity(evidence.items.len());
    for (index, item) in evidence.items.iter().enumerate() {
        let offence = item.offence();
        let invalid = |reason| BlockExecutionError::InvalidEvidence { index, reason };
        match seen.entry(offence) {
            Entry::Occupied(first) => {
                return Err(invalid(InvalidEvidence::RepeatedInBlock {
                    first_index: *first.get(),
                }));
            }
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
        let key = keys::evidence(&offence);
        if let Some(record) = state.get::<EvidenceRecord>(&key)? {
            return Err(invalid(InvalidEvidence::AlreadyRecorded {
                included_at_height: record.included_at_height,
            }));
        }
        check_against_past(context, &evidence.params, evidence.validator_sets, item)?
            .map_err(invalid)?;
        state.put(
            key,
            &EvidenceRecord {
                evidence_hash: item.hash(),
                included_at_height: context.height,
                included_at_time_ms: context.time_ms,
            },
        );
        events.push(Event::MisbehaviourRecorded {
            offender: offence.offender,
            height: offence.height,
            round: offence.round,
            vote_type: offence.vote_type,
        });
    }
    state.commit_transaction();
    Ok(events)
}
