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

use civitas_sim::blocks::Defect;
use civitas_sim::{ByzantineKind, CrashAtSignature, SimConfig, SimOutcome, replay_command, run};

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
        outcome
            .violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  "),
        replay_command(&outcome.config)
    );
}

fn run_shard(validators: usize, shard: u64) {
    let total = seeds_per_count();
    let (mut heights, mut messages, mut malformed, mut seeds) = (0u64, 0u64, 0u64, 0u64);
    let (mut transactions, mut steps, mut changes) = (0u64, 0u64, 0u64);
    let (mut throughout, mut invalid_proposers) = (0u64, 0u64);
    let (mut time_shifters, mut far_clocks) = (0u64, 0u64);
    let first = validators as u64 * 1_000_000;
    for seed in (first..first + total).filter(|s| s % SHARDS == shard) {
        let config = SimConfig::from_seed(seed, validators);
        throughout += u64::from(config.faults_throughout());
        invalid_proposers += u64::from(config.byzantine.contains(&ByzantineKind::InvalidProposer));
        time_shifters += u64::from(config.byzantine.contains(&ByzantineKind::TimeShifter));
        far_clocks += u64::from(config.far_clock.is_some());
        let outcome = run(config);
        assert_clean(&outcome);
        heights += outcome.heights;
        transactions += outcome.transactions;
        steps += outcome.workload_steps;
        changes += u64::from(outcome.validator_changed);
        messages += outcome.messages;
        malformed += outcome.malformed_dropped;
        seeds += 1;
    }
    println!(
        "sim: validators={validators} shard={shard} seeds={seeds} faults_throughout={throughout} invalid_proposer_seeds={invalid_proposers} time_shifter_seeds={time_shifters} far_clock_seeds={far_clocks} heights={heights} transactions={transactions} workload_steps={steps} validator_changes={changes} messages={messages} malformed_dropped={malformed} violations=0"
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
        "heights={} transactions={} workload_steps={} validator_changed={} messages={} malformed_dropped={} trace={}",
        outcome.heights,
        outcome.transactions,
        outcome.workload_steps,
        outcome.validator_changed,
        outcome.messages,
        outcome.malformed_dropped,
        outcome.trace_hash
    );
    for state in &outcome.node_states {
        println!("{state}");
    }
    assert_clean(&outcome);
}

/// Seeds whose faults last the whole long phase exist in the default draw, and
/// stay safe and live (liveness judged after the final quiet period).
#[test]
fn seeds_with_faults_throughout_stay_safe_and_live() {
    let seeds: Vec<u64> = (7_500_000..)
        .filter(|seed| {
            let config = SimConfig::from_seed(*seed, 7);
            config.faults_throughout() && config.faults != civitas_sim::FaultProfile::calm()
        })
        .take(12)
        .collect();
    for seed in seeds {
        let outcome = run(SimConfig::from_seed(seed, 7));
        assert_clean(&outcome);
    }
}

/// Byzantine proposers of invalid blocks (a replayed block, a wrong parent, a
/// bad state root, a badly signed transaction, forged evidence, too many
/// transactions, a forged parent certificate) never get an honest
/// validator's vote, are refused by every honest validator that judges them,
/// and the chain keeps going.
#[test]
fn invalid_proposers_never_get_an_honest_vote() {
    let mut refused = std::collections::BTreeMap::new();
    for validators in [4, 7] {
        for seed in 0..24 {
            let mut config = SimConfig::from_seed(8_000_000 + seed, validators);
            config.byzantine =
                vec![ByzantineKind::InvalidProposer; SimConfig::tolerated(validators)];
            let outcome = run(config);
            assert_clean(&outcome);
            for (defect, count) in outcome.refused {
                *refused.entry(defect).or_insert(0) += count;
            }
        }
    }
    // Every kind of invalid block was built, sent, and refused by honest
    // validators (the replayed block is refused for its height).
    let missing: Vec<_> = Defect::DRAWN
        .iter()
        .filter(|d| **d != Defect::WrongHeight && !refused.contains_key(*d))
        .collect();
    assert!(
        missing.is_empty(),
        "never refused: {missing:?} (refused: {refused:?})"
    );
}

/// Byzantine time shifters (times far ahead, held back, or not after the
/// parent) never get an honest prevote for an untimely or invalid block, every
/// committed time stays within the PBTS bound, and the chain keeps going.
#[test]
fn time_shifters_never_move_block_time() {
    for validators in [4, 7] {
        for seed in 0..24 {
            let mut config = SimConfig::from_seed(8_500_000 + seed, validators);
            config.byzantine = vec![ByzantineKind::TimeShifter; SimConfig::tolerated(validators)];
            // f shifters use up the fault budget: no far-off clock besides.
            if let Some(node) = config.far_clock.take() {
                config.clock_skews_ms[node] = 0;
            }
            let outcome = run(config);
            assert_clean(&outcome);
        }
    }
}

/// Validators that crash between deciding a block and writing it — the block
/// lost, the signatures that decided it kept — restart at the height below,
/// never sign anything conflicting, and commit the same block again (or
/// fetch it by sync): the chain loses nothing final. Every crash of these
/// seeds that does not strike before a send strikes there.
#[test]
fn validators_crashed_between_decision_and_write_lose_nothing_final() {
    let mut lost = 0;
    for seed in 0..40 {
        let mut config = SimConfig::from_seed(8_700_000 + seed, 4);
        config.faults.crashes = config.faults.crashes.max(3);
        config.faults.crash_before_send_permille = 0;
        config.faults.crash_before_commit_permille = 1000;
        let outcome = run(config);
        assert_clean(&outcome);
        lost += outcome.commits_lost;
    }
    assert!(
        lost >= 20,
        "only {lost} commits were lost to crashes: the test tests little"
    );
}

/// Seeds with one honest validator's clock far off (ahead or behind) exist in
/// the default draw, and stay safe and live.
#[test]
fn seeds_with_a_far_off_clock_stay_safe_and_live() {
    let seeds: Vec<u64> = (7_600_000..)
        .filter(|seed| SimConfig::from_seed(*seed, 7).far_clock.is_some())
        .take(12)
        .collect();
    for seed in seeds {
        let outcome = run(SimConfig::from_seed(seed, 7));
        assert_clean(&outcome);
    }
}

/// Trace hashes of a few seeds (faults throughout, invalid proposers and other
/// Byzantine validators, 4, 7 and 10 validators), recorded once. A machine,
/// compiler or dependency version that runs these seeds differently fails here,
/// which a same-process comparison cannot show. When a change is *meant* to
/// change runs (the fault draw, the event order, a message format, consensus
/// behaviour), regenerate them deliberately and say so in the commit:
///
/// ```sh
/// CIVITAS_SIM_PRINT_GOLDEN=1 cargo test -p civitas-sim --test simulation trace_hashes_match_the_golden_values -- --nocapture
/// ```
const GOLDEN_TRACES: [(u64, usize, &str); 3] = [
    (
        4_000_003,
        4,
        "c1803713bb66a75ab66284a00657cd2289aa0c3d8c37e5f0c4b896584b79301e",
    ),
    (
        7_000_056,
        7,
        "f8ecd053b87e830f8d4f24ad4002e013d183be819d005bae76d78a216c85b86b",
    ),
    (
        10_000_003,
        10,
        "ae19a77ff12e09eac116263fd3e9b5319ac6fc773a298a7ae6fc449b92dff390",
    ),
];

#[test]
fn trace_hashes_match_the_golden_values() {
    let print = std::env::var_os("CIVITAS_SIM_PRINT_GOLDEN").is_some();
    for (seed, validators, golden) in GOLDEN_TRACES {
        let outcome = run(SimConfig::from_seed(seed, validators));
        assert_clean(&outcome);
        let trace = outcome.trace_hash.to_hex();
        if print {
            println!("    ({seed}, {validators}, \"{trace}\"),");
        } else {
            assert_eq!(
                trace, golden,
                "seed {seed} ({validators} validators) ran differently from the recorded run; if the change is meant to change runs, regenerate GOLDEN_TRACES (see its comment)"
            );
        }
    }
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
fn a_validator_killed_at_every_signing_step_never_double_signs() {
    // Node 0 crashes right after its n-th signature is saved, before or after it is
    // sent, for every signature of its first heights (proposals, prevotes,
    // precommits, in several rounds), then restarts from its persisted state.
    for signature in 0..24 {
        for before_send in [true, false] {
            let mut config = SimConfig::from_seed(4_500_000 + signature, 4);
            config.byzantine.clear();
            config.faults = civitas_sim::FaultProfile::calm();
            config.fault_phase_ms = civitas_sim::config::FAULT_PHASE_MS;
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
