//! Checker checks: for each invariant, a run that breaks it on purpose must be
//! caught. A checker that never reports a violation proves nothing; these tests
//! show each check can see the failure it exists for.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_sim::checker::{Checker, SignedStep, TimeBound};
use civitas_sim::{ByzantineKind, FaultProfile, Sabotage, SimConfig, Violation, run};

/// Seeds tried per check before declaring the checker blind.
const SEEDS_TRIED: u64 = 50;

/// A calm 4-validator run with `byzantine` validators and `sabotage`.
fn config(seed: u64, byzantine: Vec<ByzantineKind>, sabotage: Option<Sabotage>) -> SimConfig {
    let mut config = SimConfig::from_seed(4_900_000 + seed, 4);
    config.faults = FaultProfile::calm();
    config.fault_phase_ms = civitas_sim::config::FAULT_PHASE_MS;
    config.byzantine = byzantine;
    config.sabotage = sabotage;
    // Equal powers: with a raised power, two honest validators could hold more
    // than two thirds and the liveness check's two silent ones would not stall it.
    config.validator_change = false;
    config
}

/// Runs seeds until one reports a violation `caught` recognises.
fn caught_in_some_seed(
    make: impl Fn(u64) -> SimConfig,
    caught: impl Fn(&Violation) -> bool,
) -> bool {
    (0..SEEDS_TRIED).any(|seed| run(make(seed)).violations.iter().any(&caught))
}

#[test]
fn checker_check_agreement_f_plus_one_conspirators_fork_the_chain() {
    assert!(
        caught_in_some_seed(
            |seed| SimConfig::conspiracy(seed, 4),
            |v| matches!(v, Violation::Agreement { .. })
        ),
        "2 conspirators out of 4 never forked the chain: the agreement check is blind"
    );
}

#[test]
fn checker_check_validity_an_invalid_block_committed() {
    assert!(
        caught_in_some_seed(
            |seed| config(
                seed,
                vec![ByzantineKind::InvalidProposer],
                Some(Sabotage::TrustEverySignature)
            ),
            |v| matches!(v, Violation::Validity { .. })
        ),
        "honest validators that trust every signature never committed a block with a forged parent certificate: the validity check (the reference re-execution) is blind"
    );
}

#[test]
fn checker_check_no_honest_prevote_for_an_invalid_block() {
    assert!(
        caught_in_some_seed(
            |seed| config(
                seed,
                vec![ByzantineKind::InvalidProposer],
                Some(Sabotage::TrustEverySignature)
            ),
            |v| matches!(
                v,
                Violation::InvalidBlockSigned {
                    step: SignedStep::Prevote,
                    ..
                }
            )
        ),
        "honest validators that trust every signature never prevoted a block with a forged parent certificate: the check is blind"
    );
}

#[test]
fn checker_check_certificates_a_cut_certificate() {
    assert!(
        caught_in_some_seed(
            |seed| config(seed, Vec::new(), Some(Sabotage::CutCertificates)),
            |v| matches!(v, Violation::Certificate { .. })
        ),
        "certificates cut to one signature were accepted: the certificate check is blind"
    );
}

#[test]
fn checker_check_no_honest_double_sign_an_unguarded_signer() {
    assert!(
        caught_in_some_seed(
            |seed| config(seed, Vec::new(), Some(Sabotage::UnguardedSigner)),
            |v| matches!(v, Violation::DoubleSign { node: 0, .. })
        ),
        "an honest node signing conflicting votes went unseen: the double-sign check is blind"
    );
}

#[test]
fn checker_check_no_evidence_against_honest_an_unguarded_signer_is_accused() {
    assert!(
        caught_in_some_seed(
            |seed| config(seed, Vec::new(), Some(Sabotage::UnguardedSigner)),
            |v| matches!(v, Violation::EvidenceAgainstHonest { .. })
        ),
        "evidence against an honest-counted node went unseen: the evidence check is blind"
    );
}

#[test]
fn checker_check_liveness_f_plus_one_silent_validators_stall_the_chain() {
    assert!(
        caught_in_some_seed(
            |seed| config(seed, vec![ByzantineKind::Silent; 2], None),
            |v| matches!(v, Violation::Liveness { .. })
        ),
        "2 silent validators out of 4 did not stall the chain: the liveness check is blind"
    );
}

/// The engine refuses a block not after its parent before anyone can vote
/// for it (`civitas_verify`), and no sabotage of the simulator reaches inside
/// it: this check is fed a decreasing time directly.
#[test]
fn checker_check_block_times_increase_a_time_not_after_its_parent() {
    let mut checker = Checker::default();
    let genesis_ms = 1_000_000;
    let bound = TimeBound {
        lower_ms: 0,
        upper_ms: u64::MAX,
    };
    checker.on_canonical_time(1, genesis_ms + 500, genesis_ms, bound);
    assert!(checker.violations.is_empty(), "{:?}", checker.violations);
    checker.on_canonical_time(2, genesis_ms + 500, genesis_ms, bound);
    assert!(
        checker.violations.iter().any(|v| matches!(
            v,
            Violation::TimeNotIncreasing {
                height: 2,
                time_ms: 1_000_500,
                previous_ms: 1_000_500
            }
        )),
        "a block stamped at its parent's time went unseen: the increasing-time check is blind"
    );
}

#[test]
fn checker_check_same_state_root_a_node_whose_state_diverges() {
    assert!(
        caught_in_some_seed(
            |seed| config(seed, Vec::new(), Some(Sabotage::TamperedState)),
            |v| matches!(v, Violation::StateDivergence { node: 0, .. })
        ),
        "a node committing a state the reference does not have went unseen: the state-root check is blind"
    );
}

#[test]
fn checker_check_same_receipts_root_a_node_whose_receipts_diverge() {
    assert!(
        caught_in_some_seed(
            |seed| config(seed, Vec::new(), Some(Sabotage::TamperedReceipts)),
            |v| matches!(v, Violation::ReceiptsDivergence { node: 0, .. })
        ),
        "a node storing receipts the reference does not have went unseen: the receipts-root check is blind"
    );
}

#[test]
fn checker_check_civic_laws_a_node_that_commits_a_broken_programme() {
    assert!(
        caught_in_some_seed(
            |seed| config(seed, Vec::new(), Some(Sabotage::TamperedState)),
            |v| matches!(v, Violation::CivicLaw { node: 0, .. })
        ),
        "a node committing an unreadable programme record went unseen: the civic-law check is blind"
    );
}

#[test]
fn checker_check_no_honest_block_refused_a_node_that_builds_on_a_diverged_state() {
    assert!(
        caught_in_some_seed(
            |seed| config(seed, Vec::new(), Some(Sabotage::TamperedState)),
            |v| matches!(v, Violation::HonestBlockRefused { .. })
        ),
        "honest blocks refused by honest validators went unseen: the refusal check is blind"
    );
}

#[test]
fn checker_check_evidence_lands_an_equivocation_no_one_can_prove() {
    assert!(
        caught_in_some_seed(
            |seed| config(
                seed,
                vec![ByzantineKind::Equivocator],
                Some(Sabotage::HideEquivocation)
            ),
            |v| matches!(v, Violation::EvidenceMissing { .. })
        ),
        "an equivocator never proven guilty went unseen: the evidence check is blind"
    );
}

#[test]
fn checker_check_no_honest_prevote_for_an_untimely_block() {
    assert!(
        caught_in_some_seed(
            |seed| config(
                seed,
                vec![ByzantineKind::TimeShifter],
                Some(Sabotage::IgnoreBlockTime)
            ),
            |v| matches!(v, Violation::UntimelyPrevote { .. })
        ),
        "honest validators that ignore block time never prevoted a time shifter's block: the timeliness check is blind"
    );
}

#[test]
fn checker_check_block_time_bound_a_shifted_time_committed() {
    assert!(
        caught_in_some_seed(
            |seed| config(
                seed,
                vec![ByzantineKind::TimeShifter],
                Some(Sabotage::IgnoreBlockTime)
            ),
            |v| matches!(v, Violation::TimeOutOfBounds { .. })
        ),
        "honest validators that ignore block time never committed a time shifter's far-off time: the time-bound check is blind"
    );
}
