//! Timeouts and the block-time rule.
//!
//! Timeouts grow linearly with the round (paper: `timeoutX(r) = base + r·delta`),
//! so that after the network stabilises the rounds eventually last long enough for
//! correct validators to hear each other. Block time is chosen by the proposer
//! and checked by every validator against the previous block's time and its own
//! clock (passed in, never read here).

use crate::message::{Round, TimeoutKind};

/// Durations of the three timeouts, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeoutParams {
    /// `timeoutPropose` in round 0.
    pub propose_ms: u64,
    /// Added to `timeoutPropose` per round.
    pub propose_delta_ms: u64,
    /// `timeoutPrevote` in round 0.
    pub prevote_ms: u64,
    /// Added to `timeoutPrevote` per round.
    pub prevote_delta_ms: u64,
    /// `timeoutPrecommit` in round 0.
    pub precommit_ms: u64,
    /// Added to `timeoutPrecommit` per round.
    pub precommit_delta_ms: u64,
}

impl Default for TimeoutParams {
    /// Defaults for validators on a regional network (tens of ms round trips).
    fn default() -> Self {
        TimeoutParams {
            propose_ms: 3_000,
            propose_delta_ms: 500,
            prevote_ms: 1_000,
            prevote_delta_ms: 500,
            precommit_ms: 1_000,
            precommit_delta_ms: 500,
        }
    }
}

impl TimeoutParams {
    /// Duration of timeout `kind` in `round`, saturating (never overflows).
    pub fn duration_ms(&self, kind: TimeoutKind, round: Round) -> u64 {
        let (base, delta) = match kind {
            TimeoutKind::Propose => (self.propose_ms, self.propose_delta_ms),
            TimeoutKind::Prevote => (self.prevote_ms, self.prevote_delta_ms),
            TimeoutKind::Precommit => (self.precommit_ms, self.precommit_delta_ms),
        };
        base.saturating_add(delta.saturating_mul(u64::from(round)))
    }
}

/// Why a proposed block time is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlockTimeError {
    /// Not after the previous block's time.
    #[error("block time {proposed_ms} is not after the previous block's {previous_ms}")]
    NotMonotonic {
        /// Proposed time.
        proposed_ms: u64,
        /// Previous block's time.
        previous_ms: u64,
    },
    /// Too far ahead of this validator's clock.
    #[error(
        "block time {proposed_ms} is more than {drift_max_ms} ms ahead of local time {local_ms}"
    )]
    InFuture {
        /// Proposed time.
        proposed_ms: u64,
        /// The validator's clock.
        local_ms: u64,
        /// Allowed drift.
        drift_max_ms: u64,
    },
}

/// The block-time rule every validator applies to a proposal: strictly after the
/// previous block's time, and at most `drift_max_ms` ahead of the local clock.
/// (A block time *behind* the local clock is accepted: a slow network must not
/// stop the chain; monotonicity keeps time moving forward.)
pub fn check_block_time(
    previous_ms: u64,
    proposed_ms: u64,
    local_ms: u64,
    drift_max_ms: u64,
) -> Result<(), BlockTimeError> {
    if proposed_ms <= previous_ms {
        return Err(BlockTimeError::NotMonotonic {
            proposed_ms,
            previous_ms,
        });
    }
    if proposed_ms > local_ms.saturating_add(drift_max_ms) {
        return Err(BlockTimeError::InFuture {
            proposed_ms,
            local_ms,
            drift_max_ms,
        });
    }
    Ok(())
}

/// The time a proposer puts in its block: its clock, or just after the previous
/// block if its clock is behind.
pub fn next_block_time(previous_ms: u64, local_ms: u64) -> u64 {
    local_ms.max(previous_ms.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_grow_with_the_round_and_saturate() {
        let params = TimeoutParams::default();
        assert_eq!(params.duration_ms(TimeoutKind::Propose, 0), 3_000);
        assert_eq!(params.duration_ms(TimeoutKind::Propose, 2), 4_000);
        assert_eq!(params.duration_ms(TimeoutKind::Precommit, 1), 1_500);
        assert_eq!(
            params.duration_ms(TimeoutKind::Prevote, u32::MAX),
            1_000 + 500 * u64::from(u32::MAX)
        );
        let huge = TimeoutParams {
            propose_delta_ms: u64::MAX,
            ..params
        };
        assert_eq!(huge.duration_ms(TimeoutKind::Propose, 5), u64::MAX);
    }

    #[test]
    fn block_time_must_advance_and_not_run_ahead() {
        assert_eq!(check_block_time(100, 101, 150, 0), Ok(()));
        assert_eq!(check_block_time(100, 101, 50, 60), Ok(()));
        assert!(matches!(
            check_block_time(100, 100, 200, 10),
            Err(BlockTimeError::NotMonotonic { .. })
        ));
        assert!(matches!(
            check_block_time(100, 311, 300, 10),
            Err(BlockTimeError::InFuture { .. })
        ));
        assert_eq!(check_block_time(100, 310, 300, 10), Ok(()));
        assert_eq!(next_block_time(100, 50), 101);
        assert_eq!(next_block_time(100, 500), 500);
        assert_eq!(next_block_time(u64::MAX, 0), u64::MAX);
    }
}
