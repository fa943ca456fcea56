#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
use super::*;
use proptest::prelude::*;

const PARAMS: TimeParams = TimeParams {
    precision_ms: 500,
    message_delay_ms: 3_000,
};

#[test]
fn defaults_are_valid_and_absurd_values_are_refused() {
    assert_eq!(TimeParams::default(), PARAMS);
    assert_eq!(TimeParams::default().validate(), Ok(()));
    let zero_precision = TimeParams {
        precision_ms: 0,
        ..PARAMS
    };
    assert_eq!(
        zero_precision.validate(),
        Err(TimeParamsError::Zero(TimeParam::Precision))
    );
    let zero_delay = TimeParams {
        message_delay_ms: 0,
        ..PARAMS
    };
    assert_eq!(
        zero_delay.validate(),
        Err(TimeParamsError::Zero(TimeParam::MessageDelay))
    );
    let huge = TimeParams {
        message_delay_ms: TIME_PARAM_MS_MAX + 1,
        ..PARAMS
    };
    assert_eq!(
        huge.validate(),
        Err(TimeParamsError::TooLarge {
            param: TimeParam::MessageDelay,
            value_ms: TIME_PARAM_MS_MAX + 1,
            max_ms: TIME_PARAM_MS_MAX,
        })
    );
    let edge = TimeParams {
        precision_ms: TIME_PARAM_MS_MAX,
        message_delay_ms: 1,
    };
    assert_eq!(edge.validate(), Ok(()));
}

#[test]
fn block_time_must_be_after_the_parent() {
    assert_eq!(check_after_parent(101, 100), Ok(()));
    assert_eq!(
        check_after_parent(100, 100),
        Err(BlockTimeError::NotAfterParent {
            time_ms: 100,
            parent_time_ms: 100
        })
    );
    assert!(check_after_parent(0, u64::MAX).is_err());
}

#[test]
fn the_timely_window_is_precision_ahead_and_precision_plus_delay_behind() {
    let receive = 1_000_000;
    // Edges included.
    assert_eq!(check_timely(receive + 500, receive, 0, &PARAMS), Ok(()));
    assert_eq!(check_timely(receive - 3_500, receive, 0, &PARAMS), Ok(()));
    assert_eq!(
        check_timely(receive + 501, receive, 0, &PARAMS),
        Err(BlockTimeError::InFuture {
            time_ms: receive + 501,
            receive_time_ms: receive,
            precision_ms: 500
        })
    );
    assert_eq!(
        check_timely(receive - 3_501, receive, 0, &PARAMS),
        Err(BlockTimeError::TooOld {
            time_ms: receive - 3_501,
            receive_time_ms: receive,
            window_ms: 3_500
        })
    );
    // Near zero and near the top, nothing overflows.
    assert_eq!(check_timely(0, 10, 0, &PARAMS), Ok(()));
    assert_eq!(check_timely(u64::MAX, u64::MAX - 1, 0, &PARAMS), Ok(()));
}

#[test]
fn message_delay_grows_ten_percent_per_round_up_to_the_cap() {
    assert_eq!(PARAMS.message_delay_in_round_ms(0), 3_000);
    assert_eq!(PARAMS.message_delay_in_round_ms(1), 3_300);
    assert_eq!(PARAMS.message_delay_in_round_ms(2), 3_630);
    assert_eq!(PARAMS.message_delay_in_round_ms(3), 3_993);
    // Rounded up: 3,993 + 400.
    assert_eq!(PARAMS.message_delay_in_round_ms(4), 4_393);
    assert_eq!(
        PARAMS.message_delay_in_round_ms(u32::MAX),
        MESSAGE_DELAY_IN_ROUND_MS_MAX
    );
    let tiny = TimeParams {
        precision_ms: 1,
        message_delay_ms: 1,
    };
    assert_eq!(tiny.message_delay_in_round_ms(3), 4);
    assert_eq!(
        tiny.message_delay_in_round_ms(u32::MAX),
        MESSAGE_DELAY_IN_ROUND_MS_MAX
    );
    // An old time refused in round 0 is timely a few rounds later; the future
    // bound never moves.
    let receive = 1_000_000;
    assert!(check_timely(receive - 4_000, receive, 0, &PARAMS).is_err());
    assert_eq!(check_timely(receive - 4_000, receive, 2, &PARAMS), Ok(()));
    assert!(check_timely(receive + 501, receive, 1_000, &PARAMS).is_err());
}

#[test]
fn the_proposer_uses_its_clock_or_waits_past_the_parent() {
    assert_eq!(next_block_time(100, 500), 500);
    assert_eq!(next_block_time(100, 50), 101);
    assert_eq!(next_block_time(100, 100), 101);
    assert_eq!(next_block_time(u64::MAX, 0), u64::MAX);
    assert_eq!(proposer_wait_ms(100, 500), 0);
    assert_eq!(proposer_wait_ms(100, 101), 0);
    assert_eq!(proposer_wait_ms(100, 100), 1);
    assert_eq!(proposer_wait_ms(100, 40), 61);
    assert_eq!(proposer_wait_ms(u64::MAX, 0), u64::MAX);
}

fn params() -> impl Strategy<Value = TimeParams> {
    (1..=TIME_PARAM_MS_MAX, 1..=TIME_PARAM_MS_MAX).prop_map(|(precision_ms, message_delay_ms)| {
        TimeParams {
            precision_ms,
            message_delay_ms,
        }
    })
}

proptest! {
    /// PBTS liveness: a correct proposer that waits past its parent's time and
    /// proposes its clock is timely for every correct validator whose clock is
    /// within the precision of its own and that receives the proposal within the
    /// message delay; and its block time is after the parent.
    #[test]
    fn a_correct_proposal_is_timely_and_after_its_parent(
        params in params(),
        parent in 1_000_000_000u64..2_000_000_000,
        proposer_clock in 1_000_000_000u64..2_000_000_000,
        skew in 0.0f64..=1.0,
        behind in any::<bool>(),
        delay in 0.0f64..=1.0,
        round in 0u32..200,
    ) {
        let wait = proposer_wait_ms(parent, proposer_clock);
        let now = proposer_clock + wait;
        prop_assert!(now > parent);
        let time = next_block_time(parent, now);
        prop_assert_eq!(time, now);
        prop_assert!(check_after_parent(time, parent).is_ok());
        let skew = (skew * params.precision_ms as f64) as u64;
        let delay = (delay * params.message_delay_ms as f64) as u64;
        let validator_clock = if behind { now - skew } else { now + skew };
        let receive = validator_clock + delay;
        prop_assert!(check_timely(time, receive, round, &params).is_ok());
    }

    /// Timely means inside the window, for any inputs; the window only widens
    /// with the round.
    #[test]
    fn timely_means_inside_the_window(
        params in params(),
        time in any::<u64>(),
        receive in any::<u64>(),
        round in 0u32..300,
    ) {
        let delay = params.message_delay_in_round_ms(round);
        prop_assert!(delay >= params.message_delay_ms);
        prop_assert!(delay <= MESSAGE_DELAY_IN_ROUND_MS_MAX);
        prop_assert!(params.message_delay_in_round_ms(round + 1) >= delay);
        let timely = check_timely(time, receive, round, &params).is_ok();
        let inside = u128::from(time) <= u128::from(receive) + u128::from(params.precision_ms)
            && u128::from(time) + u128::from(params.precision_ms) + u128::from(delay)
                >= u128::from(receive);
        prop_assert_eq!(timely, inside);
        if timely {
            prop_assert!(check_timely(time, receive, round + 1, &params).is_ok());
        }
    }
}
