//! Timeouts.
//!
//! Timeouts grow linearly with the round (paper: `timeoutX(r) = base + r·delta`),
//! so that after the network stabilises the rounds eventually last long enough for
//! correct validators to hear each other. (The block-time rule lives in
//! `civitas_types::block_time`: the driver applies it and tells the state machine
//! whether a proposal was timely.)

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
}
