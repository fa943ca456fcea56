//! Timeouts.
//!
//! Timeouts grow linearly with the round (paper: `timeoutX(r) = base + r·delta`),
//! so that after the network stabilises the rounds eventually last long enough for
//! correct validators to hear each other. (The block-time rule lives in
//! `civitas_types::block_time`: the driver applies it and tells the state machine
//! whether a proposal was timely.)

use borsh::{BorshDeserialize, BorshSerialize};

use crate::message::{Round, TimeoutKind};

/// Longest base or per-round timeout accepted in a network's parameters: a
/// minute. Longer would stall a round for longer than any operator would wait.
pub const TIMEOUT_MS_MAX: u64 = 60_000;

/// Durations of the three timeouts, in milliseconds: a consensus parameter of
/// the genesis document (every validator of a network uses the same values).
///
/// Encoding (borsh): the six fields in order, each a `u64` (48 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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

/// Why timeout parameters are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimeoutParamsError {
    /// A base or per-round timeout is zero: a round could end before any
    /// message arrives, or never lengthen until correct validators hear each other.
    #[error("timeout `{0}` is zero; every timeout and its per-round growth must be at least 1 ms")]
    Zero(&'static str),
    /// A timeout is above [`TIMEOUT_MS_MAX`].
    #[error("timeout `{name}` of {value_ms} ms is above the maximum of {TIMEOUT_MS_MAX} ms")]
    TooLong {
        /// The field.
        name: &'static str,
        /// Its value.
        value_ms: u64,
    },
}

impl TimeoutParams {
    /// Checks every field is at least 1 ms and at most [`TIMEOUT_MS_MAX`].
    pub fn validate(&self) -> Result<(), TimeoutParamsError> {
        for (name, value_ms) in [
            ("propose_ms", self.propose_ms),
            ("propose_delta_ms", self.propose_delta_ms),
            ("prevote_ms", self.prevote_ms),
            ("prevote_delta_ms", self.prevote_delta_ms),
            ("precommit_ms", self.precommit_ms),
            ("precommit_delta_ms", self.precommit_delta_ms),
        ] {
            if value_ms == 0 {
                return Err(TimeoutParamsError::Zero(name));
            }
            if value_ms > TIMEOUT_MS_MAX {
                return Err(TimeoutParamsError::TooLong { name, value_ms });
            }
        }
        Ok(())
    }

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
    fn the_defaults_are_valid_and_zero_or_overlong_timeouts_are_refused() {
        assert_eq!(TimeoutParams::default().validate(), Ok(()));
        let zero = TimeoutParams {
            prevote_delta_ms: 0,
            ..TimeoutParams::default()
        };
        assert_eq!(
            zero.validate(),
            Err(TimeoutParamsError::Zero("prevote_delta_ms"))
        );
        let long = TimeoutParams {
            precommit_ms: TIMEOUT_MS_MAX + 1,
            ..TimeoutParams::default()
        };
        assert_eq!(
            long.validate(),
            Err(TimeoutParamsError::TooLong {
                name: "precommit_ms",
                value_ms: TIMEOUT_MS_MAX + 1
            })
        );
    }

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
