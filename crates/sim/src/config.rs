//! What a simulation runs: network size, faults, Byzantine behaviours, phases.
//!
//! [`SimConfig::from_seed`] draws the whole fault mix from the seed itself, so some
//! seeds are calm and some brutal, and a seed alone replays a run.

use crate::rng::SimRng;

/// How a Byzantine validator misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ByzantineKind {
    /// Sends nothing at all.
    Silent,
    /// As proposer, sends different valid blocks to different peers; as voter,
    /// sends conflicting votes to different peers.
    Equivocator,
    /// Votes for random block hashes that no one proposed.
    GarbageVoter,
    /// Also sends signed messages for far-future heights and rounds.
    FarFuture,
    /// Also sends truncated, random and oversized bytes.
    Malformed,
    /// Colludes with the other conspirators to split the honest validators in two
    /// (only meaningful with more than f Byzantine validators: the checker check).
    Conspirator,
}

impl ByzantineKind {
    /// The kinds drawn for ordinary runs (all but the conspiracy).
    pub const ORDINARY: [ByzantineKind; 5] = [
        ByzantineKind::Silent,
        ByzantineKind::Equivocator,
        ByzantineKind::GarbageVoter,
        ByzantineKind::FarFuture,
        ByzantineKind::Malformed,
    ];
}

/// Network and node faults of the fault phase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultProfile {
    /// Probability that a message is lost, per mille.
    pub drop_permille: u64,
    /// Probability that a message is delivered twice, per mille.
    pub duplicate_permille: u64,
    /// Shortest message delay.
    pub delay_min_ms: u64,
    /// Longest message delay (reordering comes from the spread).
    pub delay_max_ms: u64,
    /// Number of partitions (each splits the nodes in two for a while, then heals).
    pub partitions: u64,
    /// Number of one-way link failures (a → b lost, b → a fine) for a while.
    pub asymmetric_links: u64,
    /// Number of node crashes (each node restarts later from its persisted state).
    pub crashes: u64,
    /// Probability, per mille, that a crash strikes between saving a signature and
    /// sending it, rather than at an arbitrary moment.
    pub crash_before_send_permille: u64,
}

impl FaultProfile {
    /// No faults: the liveness phase's network.
    pub fn calm() -> FaultProfile {
        FaultProfile {
            drop_permille: 0,
            duplicate_permille: 0,
            delay_min_ms: 1,
            delay_max_ms: 20,
            partitions: 0,
            asymmetric_links: 0,
            crashes: 0,
            crash_before_send_permille: 0,
        }
    }

    /// A mix drawn from `rng`: a third of the seeds calm, the rest up to brutal.
    pub fn draw(rng: &mut SimRng) -> FaultProfile {
        let intensity = rng.below(3); // 0 calm, 1 rough, 2 brutal
        if intensity == 0 {
            return FaultProfile::calm();
        }
        let scale = intensity;
        FaultProfile {
            drop_permille: rng.below(150 * scale),
            duplicate_permille: rng.below(100 * scale),
            delay_min_ms: rng.between(1, 10),
            delay_max_ms: rng.between(20, 150 * scale),
            partitions: rng.below(2 * scale),
            asymmetric_links: rng.below(3 * scale),
            crashes: rng.below(3 * scale),
            crash_before_send_permille: rng.below(1000),
        }
    }
}

/// A planned crash for restart tests: node 0 crashes right after its n-th
/// signature is saved, before sending it or after sending it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrashAtSignature {
    /// Which signature (0-based, counted over the whole run).
    pub signature: u64,
    /// Crash before the signed message leaves the node (else right after).
    pub before_send: bool,
    /// How long the node stays down.
    pub down_ms: u64,
}

/// One simulation.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The seed everything is drawn from.
    pub seed: u64,
    /// Number of validators.
    pub validators: usize,
    /// Byzantine validators (their positions are the last ones).
    pub byzantine: Vec<ByzantineKind>,
    /// Faults of the fault phase.
    pub faults: FaultProfile,
    /// Length of the fault phase.
    pub fault_phase_ms: u64,
    /// New heights every honest validator must commit after the faults heal.
    pub liveness_heights: u64,
    /// Time allowed for them (the documented liveness bound).
    pub liveness_bound_ms: u64,
    /// Whether voting powers change along the chain (validator-set changes).
    pub changing_powers: bool,
    /// A planned crash (restart tests).
    pub crash_at_signature: Option<CrashAtSignature>,
}

/// Fault phase length of seeded runs.
pub const FAULT_PHASE_MS: u64 = 4_000;
/// Liveness bound: after the heal, every honest validator commits
/// [`LIVENESS_HEIGHTS`] new heights within this much simulated time.
pub const LIVENESS_BOUND_MS: u64 = 30_000;
/// Heights demanded in the liveness phase.
pub const LIVENESS_HEIGHTS: u64 = 3;

impl SimConfig {
    /// The largest number of Byzantine validators `n` equal-power validators tolerate.
    pub fn tolerated(validators: usize) -> usize {
        validators.saturating_sub(1) / 3
    }

    /// A run whose faults and Byzantine validators (at most f) are drawn from `seed`.
    pub fn from_seed(seed: u64, validators: usize) -> SimConfig {
        let mut rng = SimRng::new(seed ^ 0xC1_417A5);
        let faults = FaultProfile::draw(&mut rng);
        let count = rng.below(Self::tolerated(validators) as u64 + 1) as usize;
        let byzantine = (0..count)
            .map(|_| {
                ByzantineKind::ORDINARY[rng.below(ByzantineKind::ORDINARY.len() as u64) as usize
                    % ByzantineKind::ORDINARY.len()]
            })
            .collect();
        SimConfig {
            seed,
            validators,
            byzantine,
            faults,
            fault_phase_ms: FAULT_PHASE_MS,
            liveness_heights: LIVENESS_HEIGHTS,
            liveness_bound_ms: LIVENESS_BOUND_MS,
            changing_powers: rng.chance(500),
            crash_at_signature: None,
        }
    }

    /// The checker check: f + 1 conspirators on a calm network, equal powers.
    pub fn conspiracy(seed: u64, validators: usize) -> SimConfig {
        let count = Self::tolerated(validators).saturating_add(1);
        SimConfig {
            seed,
            validators,
            byzantine: vec![ByzantineKind::Conspirator; count],
            faults: FaultProfile::calm(),
            fault_phase_ms: FAULT_PHASE_MS,
            liveness_heights: 0,
            liveness_bound_ms: 0,
            changing_powers: false,
            crash_at_signature: None,
        }
    }
}
