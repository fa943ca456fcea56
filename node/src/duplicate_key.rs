//! Same key twice: a validator stops before it signs anything more when the
//! chain holds precommits by its consensus key that this home cannot account
//! for — another machine runs with the same key, or this home is an old
//! backup restored while the key went on signing elsewhere. Two signers of
//! one key sooner or later sign two different votes for one round: a double
//! signature, recorded as misbehaviour against the collectivity.
//!
//! # The rule
//!
//! The signing state ([`SignState`]) is durable before any signature leaves
//! the node, and its guard never signs below the last (height, round, step)
//! it signed: that position is the high-water mark of everything this home
//! ever signed, and `height_votes` lists every vote it signed at that height
//! (unless more than [`HEIGHT_VOTES_KEPT_MAX`] of them). A certificate is a
//! set of precommits for one (height, round, block); this key's precommit in
//! it is *unaccounted for* when
//!
//! 1. this home has never signed anything, or
//! 2. the precommit's position (height, round, precommit) is above the
//!    high-water mark: this home never reached it, or
//! 3. it is at the high-water mark's height, the home's votes of that height
//!    are all kept, and none of them is that precommit.
//!
//! A precommit at a lower height proves nothing either way (the home no
//! longer lists what it signed there) and is accepted: the rule never
//! accuses this home's own signatures, after a restart or a crash at any
//! point, because each of them is at or below the mark and, at the mark's
//! height, listed. What it cannot see is a second machine that signs only
//! heights this home also signed, with the same votes (identical messages:
//! ed25519 signatures are deterministic, so no conflict either).
//!
//! # When it looks
//!
//! At start, before the engine exists (so before it can sign), over the last
//! [`START_CHECK_HEIGHTS`] committed heights; then after every committed
//! block, live or synced, at its certificate and at the certificate of the
//! previous height that the block carries (`last_commit`, which may hold
//! precommits that came too late for the first). A block synced from peers
//! is where a restored backup or a second machine shows itself: its heights
//! are above this home's mark.
//!
//! An observer's key is in no validator set, so no certificate can hold a
//! precommit of it: the guard finds nothing and never stops an observer.
//!
//! The operator's override (`start --allow-duplicate-signing`) turns the
//! stop into a warning, for tests and for recovering once the other machine
//! is proven gone (docs/operator-guide.md).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use civitas_consensus::signer::HEIGHT_VOTES_KEPT_MAX;
use civitas_consensus::{ConsensusMessage, SignState, SignStateStore, StoreError};
use civitas_engine::ChainStore;
use civitas_types::{PublicKey, QuorumCertificate, ValidatorSet, VoteType};

use crate::sign_store::FileSignStore;
use crate::store::LedgerStore;

/// How many committed heights, back from the tip, are looked at at start.
pub const START_CHECK_HEIGHTS: u64 = 100;

/// Why the node stops.
#[derive(Debug, thiserror::Error)]
pub enum DuplicateKeyError {
    /// Precommits by this key that this home did not sign.
    #[error(
        "the consensus key {key} signed block(s) at height(s) {heights} that this home has no record of signing: another machine is running with this key, or this home is an old backup. Signing on would risk a double signature, so this node will not sign. Stop the other machine (or find which home is current and run only that one); if you have proven the other signer is gone for good, start once with `civitas-node start --allow-duplicate-signing` (docs/operator-guide.md, \"Same key twice\")",
        heights = HeightList(heights)
    )]
    Unaccounted {
        /// The consensus key.
        key: PublicKey,
        /// The heights of the unaccounted precommits, increasing.
        heights: Vec<u64>,
    },
    /// The signing state could not be read: nothing can be proven.
    #[error("cannot read the signing state to check for a second signer: {0}")]
    SignState(#[from] StoreError),
    /// The ledger could not be read.
    #[error("cannot read committed block {height} to check for a second signer: {reason}")]
    Ledger {
        /// The height read.
        height: u64,
        /// Why it failed.
        reason: String,
    },
}

/// Heights written as ranges: `3-7, 9`.
struct HeightList<'a>(&'a [u64]);

impl std::fmt::Display for HeightList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = String::new();
        let mut heights = self.0.iter().copied().peekable();
        while let Some(first) = heights.next() {
            let mut last = first;
            while let Some(next) = heights.next_if(|h| Some(*h) == last.checked_add(1)) {
                last = next;
            }
            if !text.is_empty() {
                text.push_str(", ");
            }
            if first == last {
                let _ = write!(text, "{first}");
            } else {
                let _ = write!(text, "{first}-{last}");
            }
        }
        f.write_str(&text)
    }
}

/// Whether `key`, at position `index` of the set that signed `certificate`,
/// precommitted in it without this home's signing state `state` accounting
/// for it (the module's rule).
pub fn unaccounted(
    state: Option<&SignState>,
    certificate: &QuorumCertificate,
    key: &PublicKey,
    index: u16,
) -> bool {
    if !certificate
        .signatures()
        .iter()
        .any(|s| s.validator_index == index)
    {
        return false;
    }
    let Some(state) = state else {
        return true;
    };
    let last = &state.last_signed;
    let mark = (last.height(), last.round(), step_rank(last));
    let precommit = (certificate.height, certificate.round, PRECOMMIT_RANK);
    if precommit > mark {
        return true;
    }
    certificate.height == last.height()
        && state.height_votes.len() < HEIGHT_VOTES_KEPT_MAX
        && !state.height_votes.iter().any(|v| {
            v.vote.vote_type == VoteType::Precommit
                && v.vote.validator == *key
                && v.vote.round == certificate.round
                && v.vote.block_hash == Some(certificate.block_hash)
        })
}

/// The signing step's rank within a round, as the signing guard orders them.
const PRECOMMIT_RANK: u8 = 2;

fn step_rank(message: &ConsensusMessage) -> u8 {
    match message {
        ConsensusMessage::Proposal(_) => 0,
        ConsensusMessage::Vote(v) if v.vote.vote_type == VoteType::Prevote => 1,
        ConsensusMessage::Vote(_) => PRECOMMIT_RANK,
    }
}

/// The guard of one node: its key, its signing state, and the operator's
/// choice.
pub struct DuplicateKeyGuard {
    key: PublicKey,
    sign_state: FileSignStore,
    allow: bool,
    warned: bool,
}

impl DuplicateKeyGuard {
    /// The guard of `key`, reading the signing state of `sign_state`;
    /// `allow` is the operator's override.
    pub fn new(key: PublicKey, sign_state: FileSignStore, allow: bool) -> DuplicateKeyGuard {
        if allow {
            tracing::warn!(
                validator = %key,
                "--allow-duplicate-signing: the same-key-twice guard is OFF; if another machine signs with this key, both will sign and the double signature will be recorded against this validator"
            );
        }
        DuplicateKeyGuard {
            key,
            sign_state,
            allow,
            warned: false,
        }
    }

    /// The consensus key it guards.
    pub fn key(&self) -> PublicKey {
        self.key
    }

    /// At start: the last [`START_CHECK_HEIGHTS`] committed heights.
    pub fn check_start(&mut self, store: &LedgerStore) -> Result<(), DuplicateKeyError> {
        let tip = store.ledger().height();
        let from = tip.saturating_sub(START_CHECK_HEIGHTS).saturating_add(1);
        self.check_heights(store, from..=tip)
    }

    /// After the block at `height` was committed: its certificate and the
    /// one it carries of the previous height.
    pub fn check_committed(
        &mut self,
        store: &LedgerStore,
        height: u64,
    ) -> Result<(), DuplicateKeyError> {
        self.check_heights(store, height..=height)
    }

    fn check_heights(
        &mut self,
        store: &LedgerStore,
        heights: std::ops::RangeInclusive<u64>,
    ) -> Result<(), DuplicateKeyError> {
        let state = self.sign_state.load()?;
        let mut found = BTreeSet::new();
        for height in heights {
            let ledger = |reason: String| DuplicateKeyError::Ledger { height, reason };
            let Some((block, certificate)) =
                store.block(height).map_err(|e| ledger(e.to_string()))?
            else {
                continue;
            };
            for certificate in std::iter::once(&certificate).chain(block.last_commit.as_ref()) {
                let set = store
                    .validator_set(certificate.height)
                    .map_err(|e| ledger(e.to_string()))?;
                let Some(index) = set.as_ref().and_then(|set| index_of(set, &self.key)) else {
                    continue;
                };
                if unaccounted(state.as_ref(), certificate, &self.key, index) {
                    found.insert(certificate.height);
                }
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        let heights: Vec<u64> = found.into_iter().collect();
        if !self.allow {
            return Err(DuplicateKeyError::Unaccounted {
                key: self.key,
                heights,
            });
        }
        // Once: the other signer shows in nearly every block from now on.
        if !self.warned {
            self.warned = true;
            tracing::warn!(
                validator = %self.key,
                heights = %HeightList(&heights),
                "this key signed blocks this home has no record of signing: another signer is running; signing on anyway because of --allow-duplicate-signing"
            );
        }
        Ok(())
    }
}

/// `key`'s position in `set`.
fn index_of(set: &ValidatorSet, key: &PublicKey) -> Option<u16> {
    set.validators()
        .iter()
        .position(|v| v.public_key == *key)
        .and_then(|i| u16::try_from(i).ok())
}

#[cfg(test)]
mod tests;
