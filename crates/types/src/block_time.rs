//! Block time: how a proposer chooses it and what every validator checks.
//!
//! Civitas follows CometBFT's proposer-based timestamps (PBTS, CometBFT ≥ 1.0,
//! `spec/consensus/proposer-based-timestamp/`): the proposer of a *fresh* block
//! puts its own clock reading in the header, and each validator prevotes for it
//! only if the time is [`check_timely`] by the validator's own clock when the
//! proposal arrived, and [`check_after_parent`] (strictly after the parent's
//! time; the genesis time is the parent time of block 1). One proposer can
//! therefore neither hold block time back nor push it ahead by more than the
//! window [`TimeParams`] defines, and block time strictly increases.
//!
//! Everything here is pure: clocks are arguments, never read.
//! docs/decisions/0013-proposer-based-block-time.md gives the reasons.

use borsh::{BorshDeserialize, BorshSerialize};

/// Default [`TimeParams::precision_ms`]: clocks kept by NTP on a regional network
/// agree within tens of milliseconds; 500 ms leaves a wide margin.
pub const PRECISION_MS_DEFAULT: u64 = 500;
/// Default [`TimeParams::message_delay_ms`]: a proposal with its block reaches
/// every validator within 3 s on a regional network.
pub const MESSAGE_DELAY_MS_DEFAULT: u64 = 3_000;
/// Largest precision or message delay [`TimeParams::validate`] accepts: a window
/// of minutes would let one proposer shift block time by minutes.
pub const TIME_PARAM_MS_MAX: u64 = 60_000;
/// Ceiling of the message delay as it grows with the round
/// ([`TimeParams::message_delay_in_round_ms`]): one hour, reached after about
/// 75 rounds from the default (CometBFT caps at 24 h).
pub const MESSAGE_DELAY_IN_ROUND_MS_MAX: u64 = 3_600_000;

/// The synchrony bounds of proposer-based timestamps (consensus parameters:
/// every validator of a network must use the same values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TimeParams {
    /// Largest difference between two correct validators' clocks read at the
    /// same instant (CometBFT's `PRECISION`).
    pub precision_ms: u64,
    /// Longest time a proposal takes to reach every correct validator, in round 0
    /// (CometBFT's `MSGDELAY`); it grows by 10% per round.
    pub message_delay_ms: u64,
}

impl Default for TimeParams {
    fn default() -> Self {
        TimeParams {
            precision_ms: PRECISION_MS_DEFAULT,
            message_delay_ms: MESSAGE_DELAY_MS_DEFAULT,
        }
    }
}

/// Which time parameter an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeParam {
    /// [`TimeParams::precision_ms`].
    Precision,
    /// [`TimeParams::message_delay_ms`].
    MessageDelay,
}

/// Why [`TimeParams`] are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeParamsError {
    /// Zero: no real clock or network meets it, so no proposal would be timely.
    #[error("{0:?} must be at least 1 ms")]
    Zero(TimeParam),
    /// Above [`TIME_PARAM_MS_MAX`].
    #[error("{param:?} of {value_ms} ms is above the maximum of {max_ms} ms")]
    TooLarge {
        /// The parameter.
        param: TimeParam,
        /// Its value.
        value_ms: u64,
        /// The largest accepted.
        max_ms: u64,
    },
}

impl TimeParams {
    /// Checks that both bounds are between 1 ms and [`TIME_PARAM_MS_MAX`].
    pub fn validate(&self) -> Result<(), TimeParamsError> {
        for (param, value_ms) in [
            (TimeParam::Precision, self.precision_ms),
            (TimeParam::MessageDelay, self.message_delay_ms),
        ] {
            if value_ms == 0 {
                return Err(TimeParamsError::Zero(param));
            }
            if value_ms > TIME_PARAM_MS_MAX {
                return Err(TimeParamsError::TooLarge {
                    param,
                    value_ms,
                    max_ms: TIME_PARAM_MS_MAX,
                });
            }
        }
        Ok(())
    }

    /// The message delay allowed for a proposal of `round`: `message_delay_ms`
    /// grown by 10% per round (rounded up to the next millisecond), at most
    /// [`MESSAGE_DELAY_IN_ROUND_MS_MAX`]. As in CometBFT ≥ 1.0
    /// (`SynchronyParams.InRound`), a network whose message delay was set too low
    /// still gets timely proposals after some rounds; the precision, which bounds
    /// how far *ahead* a time may be, never grows.
    pub fn message_delay_in_round_ms(&self, round: u32) -> u64 {
        let mut delay = self.message_delay_ms.min(MESSAGE_DELAY_IN_ROUND_MS_MAX);
        for _ in 0..round {
            if delay >= MESSAGE_DELAY_IN_ROUND_MS_MAX {
                break;
            }
            // At least 1 ms per round, so that even a 1 ms delay grows; the cap
            // is reached after at most a few hundred iterations.
            let growth = delay.div_ceil(10).max(1);
            delay = delay
                .saturating_add(growth)
                .min(MESSAGE_DELAY_IN_ROUND_MS_MAX);
        }
        delay
    }
}

/// Why a block time is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlockTimeError {
    /// Not strictly after the parent's time (the genesis time for block 1).
    #[error("block time {time_ms} is not after its parent's time {parent_time_ms}")]
    NotAfterParent {
        /// The block's time.
        time_ms: u64,
        /// The parent's time.
        parent_time_ms: u64,
    },
    /// Further ahead of the validator's clock than the precision allows.
    #[error(
        "block time {time_ms} is more than {precision_ms} ms ahead of the local clock {receive_time_ms}"
    )]
    InFuture {
        /// The proposed time.
        time_ms: u64,
        /// The validator's clock when the proposal arrived.
        receive_time_ms: u64,
        /// The precision.
        precision_ms: u64,
    },
    /// Further behind the validator's clock than precision plus message delay.
    #[error(
        "block time {time_ms} is more than {window_ms} ms behind the local clock {receive_time_ms}"
    )]
    TooOld {
        /// The proposed time.
        time_ms: u64,
        /// The validator's clock when the proposal arrived.
        receive_time_ms: u64,
        /// Precision plus the message delay of the proposal's round.
        window_ms: u64,
    },
}

/// Block time strictly increases: `time_ms` must be after `parent_time_ms` (the
/// genesis time for block 1). Part of a block's validity, checked for every
/// block, re-proposed or fresh, and by block sync.
pub fn check_after_parent(time_ms: u64, parent_time_ms: u64) -> Result<(), BlockTimeError> {
    if time_ms > parent_time_ms {
        Ok(())
    } else {
        Err(BlockTimeError::NotAfterParent {
            time_ms,
            parent_time_ms,
        })
    }
}

/// The PBTS `timely` predicate. A fresh proposal of `round` whose block time is
/// `proposal_time_ms`, received when the validator's clock read
/// `receive_time_ms`, is timely iff
///
/// ```text
/// receive_time − precision − message_delay(round) ≤ proposal_time ≤ receive_time + precision
/// ```
///
/// (CometBFT: `ts ≤ proposalReceiveTime + PRECISION` and
/// `ts ≥ proposalReceiveTime − MSGDELAY − PRECISION`). A validator prevotes nil
/// for a fresh proposal that is not timely; a re-proposal with a proof of lock
/// keeps its original time and is judged by its polka instead.
pub fn check_timely(
    proposal_time_ms: u64,
    receive_time_ms: u64,
    round: u32,
    params: &TimeParams,
) -> Result<(), BlockTimeError> {
    if proposal_time_ms > receive_time_ms.saturating_add(params.precision_ms) {
        return Err(BlockTimeError::InFuture {
            time_ms: proposal_time_ms,
            receive_time_ms,
            precision_ms: params.precision_ms,
        });
    }
    let window_ms = params
        .precision_ms
        .saturating_add(params.message_delay_in_round_ms(round));
    if proposal_time_ms < receive_time_ms.saturating_sub(window_ms) {
        return Err(BlockTimeError::TooOld {
            time_ms: proposal_time_ms,
            receive_time_ms,
            window_ms,
        });
    }
    Ok(())
}

/// The time a proposer puts in a fresh block: its clock `now_ms`, or 1 ms after
/// the parent's time if its clock is not past it yet (an honest proposer first
/// waits [`proposer_wait_ms`], so this only matters to one that cannot wait).
pub fn next_block_time(parent_time_ms: u64, now_ms: u64) -> u64 {
    now_ms.max(parent_time_ms.saturating_add(1))
}

/// How long a proposer whose clock reads `now_ms` waits before building a fresh
/// block on a parent of time `parent_time_ms`: until its clock is past the
/// parent's time (0 if it already is). Proposing `parent + 1` at once instead
/// would put a time ahead of the proposer's own clock into the block, which
/// validators with slower clocks may find not timely; waiting keeps block time
/// equal to a correct clock (CometBFT's proposer wait).
pub fn proposer_wait_ms(parent_time_ms: u64, now_ms: u64) -> u64 {
    parent_time_ms.saturating_add(1).saturating_sub(now_ms)
}

#[cfg(test)]
mod tests;
