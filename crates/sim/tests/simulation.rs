//! Simulator runs of the default test suite. Seeds are split over several tests so
//! the test runner spreads them over the cores. `CIVITAS_SIM_SEEDS=N` runs N
//! seeds per validator count instead (the long mode: `CIVITAS_SIM_SEEDS=33334`
//! gives 100,000 seeds in all).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_sim::{CrashAtSignature, SimConfig, SimOutcome, replay_command, run};

/// Default seeds per validator count (4, 7 and 10 validators: 2,010 in all).
const DEFAULT_SEEDS: u64 = 670;
/// Tests each count is split into.
const SHARDS: u64 = 2;

fn seeds_per_count() -> u64 {
    std::env::var("CIVITAS_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEEDS)
}

fn assert_clean(outcome: &SimOutcome) {
    assert!(
        outcome.violations.is_empty(),
        "seed {} with {} validators found violations:\n  {}\nreplay: {}",
        outcome.config.seed,
        outcome.config.validators,
        outcome.violations.join("\n  "),
        replay_command(&outcome.config)
    );
}

fn run_shard(validators: usize, shard: u64) {
    let total = seeds_per_count();
    let (mut heights, mut messages, mut malformed, mut seeds) = (0u64, 0u64, 0u64, 0u64);
    let first = validators as u64 * 1_000_000;
    for seed in (first..first + total).filter(|s| s % SHARDS == shard) {
        let outcome = run(SimConfig::from_seed(seed, validators));
        assert_clean(&outcome);
        heights += outcome.heights;
        messages += outcome.messages;
        malformed += outcome.malformed_dropped;
        seeds += 1;
    }
    println!(
        "sim: validators={validators} shard={shard} seeds={seeds} heights={heights} messages={messages} malformed_dropped={malformed} violations=0"
    );
}

#[test]
fn seeds_4_validators_shard_0() {
    run_shard(4, 0);
}
#[test]
fn seeds_4_validators_shard_1() {
    run_shard(4, 1);
}
#[test]
fn seeds_7_validators_shard_0() {
    run_shard(7, 0);
}
#[test]
fn seeds_7_validators_shard_1() {
    run_shard(7, 1);
}
#[test]
fn seeds_10_validators_shard_0() {
    run_shard(10, 0);
}
#[test]
fn seeds_10_validators_shard_1() {
    run_shard(10, 1);
}

#[test]
fn replay_one_seed() {
    let seed = std::env::var("CIVITAS_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7_000_123);
    let validators = std::env::var("CIVITAS_SIM_VALIDATORS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let config = SimConfig::from_seed(seed, validators);
    println!("config: {config:#?}");
    let outcome = run(config);
    println!(
        "heights={} messages={} malformed_dropped={} trace={}",
        outcome.heights, outcome.messages, outcome.malformed_dropped, outcome.trace_hash
    );
    for state in &outcome.node_states {
        println!("{state}");
    }
    assert_clean(&outcome);
}

#[test]
fn same_seed_same_trace() {
    for (seed, validators) in [(4_000_017, 4), (7_000_031, 7), (10_000_005, 10)] {
        let a = run(SimConfig::from_seed(seed, validators));
        let b = run(SimConfig::from_seed(seed, validators));
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}");
        assert_eq!((a.heights, a.messages), (b.heights, b.messages));
        let c = run(SimConfig::from_seed(seed + 1, validators));
        assert_ne!(
            a.trace_hash, c.trace_hash,
            "different seeds, different runs"
        );
    }
}

#[test]
fn checker_finds_the_fork_made_by_f_plus_one_conspirators() {
    let mut found = None;
    for seed in 0..200 {
        let outcome = run(SimConfig::conspiracy(seed, 4));
        if outcome
            .violations
            .iter()
            .any(|v| v.starts_with("agreement"))
        {
            found = Some(seed);
            break;
        }
    }
    assert!(
        found.is_some(),
        "2 conspirators out of 4 never forked the chain: the checker is blind"
    );
}

#[test]
fn a_validator_killed_at_every_signing_step_never_double_signs() {
    // Node 0 crashes right after its n-th signature is saved, before or after it is
    // sent, for every signature of its first heights (proposals, prevotes,
    // precommits, in several rounds), then restarts from its persisted state.
    for signature in 0..24 {
        for before_send in [true, false] {
            let mut config = SimConfig::from_seed(4_500_000 + signature, 4);
            config.byzantine.clear();
            config.faults = civitas_sim::FaultProfile::calm();
            config.crash_at_signature = Some(CrashAtSignature {
                signature,
                before_send,
                down_ms: 700,
            });
            let outcome = run(config);
            assert_clean(&outcome);
            assert!(
                outcome.heights >= 3,
                "signature {signature}: only {} heights",
                outcome.heights
            );
        }
    }
}
