//! Weighted, deterministic proposer selection.
//!
//! The validators' powers tile the interval [0, total): validator `i` (in key
//! order) owns `[p_0 + … + p_{i-1}, p_0 + … + p_i)`. For height `h` and round `r`
//! the proposer is the owner of the point `⌊frac((h + r) · φ⁻¹) · total⌋`, where
//! `frac(n · φ⁻¹)` is computed exactly in 64-bit fixed point as
//! `(n · 0x9E3779B97F4A7C15) mod 2^64` (φ the golden ratio). This Weyl sequence is
//! equidistributed with low discrepancy: over any window of heights each validator
//! proposes in proportion to its power, spread out rather than in bursts, and two
//! consecutive rounds land ≈ 0.618 of the interval apart, so a silent proposer is
//! replaced by another at the next round (unless it holds more than ≈ 38% of the
//! power). It needs no state carried between heights.

use civitas_types::ValidatorSet;

/// 2^64 / φ, rounded to odd: the fixed-point golden-ratio step.
const GOLDEN_STEP: u64 = 0x9E37_79B9_7F4A_7C15;

/// Position, in `validators`, of the proposer of (`height`, `round`).
pub fn proposer_index(validators: &ValidatorSet, height: u64, round: u32) -> usize {
    let step = height.wrapping_add(u64::from(round));
    let fraction = step.wrapping_mul(GOLDEN_STEP);
    // fraction / 2^64 · total, exactly, in 128 bits: < total ≤ 2^60.
    let product = u128::from(fraction).wrapping_mul(u128::from(validators.total_voting_power()));
    let point = (product >> 64) as u64;
    let mut end: u64 = 0;
    for (index, validator) in validators.validators().iter().enumerate() {
        end = end.saturating_add(validator.voting_power);
        if point < end {
            return index;
        }
    }
    // Unreachable: point < total = the last `end`.
    validators.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use civitas_types::testing::{signing_keys, validator_set};

    #[test]
    fn proposals_are_proportional_to_power_over_a_window() {
        let keys = signing_keys(4);
        let set = validator_set(&keys, &[1, 2, 3, 4]);
        let mut counts = [0u32; 4];
        for height in 1..=10_000 {
            counts[proposer_index(&set, height, 0)] += 1;
        }
        for (index, count) in counts.iter().enumerate() {
            let expected = set.get(index).unwrap().voting_power as u32 * 1_000;
            assert!(
                count.abs_diff(expected) <= 10,
                "validator {index}: {count} vs {expected}"
            );
        }
    }

    #[test]
    fn consecutive_rounds_change_proposer_for_equal_powers() {
        let keys = signing_keys(7);
        let set = validator_set(&keys, &[1; 7]);
        for height in 1..500 {
            assert_ne!(
                proposer_index(&set, height, 0),
                proposer_index(&set, height, 1)
            );
        }
    }

    #[test]
    fn same_inputs_same_proposer_and_extremes_are_safe() {
        let keys = signing_keys(3);
        let set = validator_set(&keys, &[5, 1, 1 << 40]);
        assert_eq!(proposer_index(&set, 9, 3), proposer_index(&set, 9, 3));
        let _ = proposer_index(&set, u64::MAX, u32::MAX);
        let single = validator_set(&keys[..1], &[1]);
        assert_eq!(proposer_index(&single, 77, 5), 0);
    }
}
