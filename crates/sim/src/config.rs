//! What a simulation runs: network size, faults, Byzantine behaviours, phases.
//!
//! [`SimConfig::from_seed`] draws the whole fault mix from the seed itself, so some
//! seeds are calm and some brutal, and a seed alone replays a run.

use civitas_types::TimeParams;

use crate::rng::SimRng;

/// How a Byzantine validator misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ByzantineKind {
    /// Sends nothing at all.
    Silent,
    /// As proposer, sends different valid blocks to different peers; as voter,
    /// sends conflicting votes to different peers, and both to the first peer
    /// (as gossip would bring both to someone), so its offence can be proven.
    Equivocator,
    /// Votes for random block hashes that no one proposed.
    GarbageVoter,
    /// Also sends signed messages for far-future heights and rounds.
    FarFuture,
    /// Also sends truncated, random and oversized bytes.
    Malformed,
    /// As proposer, proposes invalid blocks (a replayed block, a wrong parent,
    /// a bad state root, a transaction with a bad signature, forged evidence,
    /// too many transactions, a forged parent certificate), to every peer or,
    /// half the time, to half of them while the others get its valid block.
    InvalidProposer,
    /// As proposer of a fresh block, puts a shifted time in it: far ahead of its
    /// clock, as far behind as the parent allows, or not after the parent (an
    /// invalid block), to every peer or, half the time, to half of them while
    /// the others get its correct block.
    TimeShifter,
    /// Colludes with the other conspirators to split the honest validators in two
    /// (only meaningful with more than f Byzantine validators: the checker check).
    Conspirator,
}

impl ByzantineKind {
    /// The kinds drawn for ordinary runs (all but the conspiracy).
    pub const ORDINARY: [ByzantineKind; 7] = [
        ByzantineKind::Silent,
        ByzantineKind::Equivocator,
        ByzantineKind::GarbageVoter,
        ByzantineKind::FarFuture,
        ByzantineKind::Malformed,
        ByzantineKind::InvalidProposer,
        ByzantineKind::TimeShifter,
    ];
}

/// A deliberate break of the *honest* side, for checker checks only: each makes
/// one invariant fail, so a test can show the checker sees it. Never drawn from a
/// seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sabotage {
    /// Honest validators' signature checks accept everything, and invalid
    /// proposers forge the parent certificate their blocks carry: honest
    /// validators prevote, and may commit, such a block.
    TrustEverySignature,
    /// Honest node 0 signs, besides each of its votes, a conflicting one, with
    /// its key directly (its double-sign guard bypassed, like the same key on two
    /// machines).
    UnguardedSigner,
    /// Honest validators commit with their certificate cut to one signature.
    CutCertificates,
    /// Honest validators take every proposal as timely, whatever its block time
    /// (so they prevote, and may commit, a time shifter's block).
    IgnoreBlockTime,
    /// Honest node 0's store adds an undecodable programme record to every
    /// state it commits (its state root, and a civic law, then break).
    TamperedState,
    /// Honest node 0's store flips a byte of every block's receipts.
    TamperedReceipts,
    /// Equivocators never send both of their conflicting votes to one
    /// validator, so no honest validator can prove the offence.
    HideEquivocation,
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
    /// Probability, per mille, that a crash not before a send strikes between
    /// deciding a block and writing it (the commit is lost, the signatures
    /// are not), rather than at an arbitrary moment.
    pub crash_before_commit_permille: u64,
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
            crash_before_commit_permille: 0,
        }
    }

    /// A mix drawn from `rng` for a fault phase of `phase_ms`: a third of the
    /// seeds calm, the rest up to brutal. Partitions, link failures and crashes
    /// are as frequent in a long phase as in a short one.
    pub fn draw(rng: &mut SimRng, phase_ms: u64) -> FaultProfile {
        let intensity = rng.below(3); // 0 calm, 1 rough, 2 brutal
        if intensity == 0 {
            return FaultProfile::calm();
        }
        let scale = intensity;
        let per_phase = |count: u64| count.saturating_mul(phase_ms) / FAULT_PHASE_MS;
        FaultProfile {
            drop_permille: rng.below(150 * scale),
            duplicate_permille: rng.below(100 * scale),
            delay_min_ms: rng.between(1, 10),
            delay_max_ms: rng.between(20, 150 * scale),
            partitions: rng.below(per_phase(2 * scale)),
            asymmetric_links: rng.below(per_phase(3 * scale)),
            crashes: rng.below(per_phase(3 * scale)),
            crash_before_send_permille: rng.below(1000),
            crash_before_commit_permille: rng.below(1000),
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
    /// Whether the civic workload raises an honest validator's power by
    /// governance (a validator-set change).
    pub validator_change: bool,
    /// A planned crash (restart tests).
    pub crash_at_signature: Option<CrashAtSignature>,
    /// A deliberate break of the honest side (checker checks only).
    pub sabotage: Option<Sabotage>,
    /// Each validator's clock minus the simulated real time, in ms.
    pub clock_skews_ms: Vec<i64>,
    /// The honest validator whose clock is far off, if any (it counts against
    /// the f faults the network tolerates: drawn only when fewer than f
    /// validators are Byzantine, and its power is never raised).
    pub far_clock: Option<usize>,
    /// The block-time window every validator applies.
    pub time_params: TimeParams,
}

/// The simulated network's block-time window, scaled like its timeouts (400 ms
/// propose against the real 3 s): 100 ms precision, 400 ms message delay.
pub const SIM_TIME_PARAMS: TimeParams = TimeParams {
    precision_ms: 100,
    message_delay_ms: 400,
};
/// Share of the seeds, per mille, with one honest validator's clock far off
/// (when fewer than f validators are Byzantine).
pub const FAR_CLOCK_PERMILLE: u64 = 150;
/// How far off a far clock is: between these, ahead or behind.
pub const FAR_CLOCK_SKEW_MS: (u64, u64) = (1_000, 20_000);

/// Fault phase length of most seeded runs.
pub const FAULT_PHASE_MS: u64 = 4_000;
/// Fault phase length of the seeds with faults throughout the run: many rounds
/// of partitions, crashes and loss, liveness judged only after it.
pub const FAULT_PHASE_THROUGHOUT_MS: u64 = 12_000;
/// Share of the seeds with faults, per mille, whose faults last
/// [`FAULT_PHASE_THROUGHOUT_MS`] (a fifth of all seeds).
pub const FAULTS_THROUGHOUT_PERMILLE: u64 = 300;
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
        let throughout = rng.chance(FAULTS_THROUGHOUT_PERMILLE);
        let phase_ms = if throughout {
            FAULT_PHASE_THROUGHOUT_MS
        } else {
            FAULT_PHASE_MS
        };
        let faults = FaultProfile::draw(&mut rng, phase_ms);
        // A calm seed gains nothing from a long phase but run time.
        let fault_phase_ms = if faults == FaultProfile::calm() {
            FAULT_PHASE_MS
        } else {
            phase_ms
        };
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
            fault_phase_ms,
            liveness_heights: LIVENESS_HEIGHTS,
            liveness_bound_ms: LIVENESS_BOUND_MS,
            validator_change: rng.chance(500),
            crash_at_signature: None,
            sabotage: None,
            clock_skews_ms: Vec::new(),
            far_clock: None,
            time_params: SIM_TIME_PARAMS,
        }
        .with_clocks_drawn(&mut rng)
    }

    /// Draws every validator's clock skew: within ±precision/2 (so any two
    /// differ by at most the precision), and in some seeds one honest
    /// validator's far off, when the Byzantine ones leave room for a fault.
    fn with_clocks_drawn(mut self, rng: &mut SimRng) -> SimConfig {
        let half = self.time_params.precision_ms / 2;
        self.clock_skews_ms = (0..self.validators)
            .map(|_| rng.between(0, 2 * half) as i64 - half as i64)
            .collect();
        let honest = self.validators.saturating_sub(self.byzantine.len());
        if rng.chance(FAR_CLOCK_PERMILLE)
            && self.byzantine.len() < Self::tolerated(self.validators)
            && honest > 0
        {
            let node = rng.below(honest as u64) as usize;
            let skew = rng.between(FAR_CLOCK_SKEW_MS.0, FAR_CLOCK_SKEW_MS.1) as i64;
            self.clock_skews_ms[node] = if rng.chance(500) { skew } else { -skew };
            self.far_clock = Some(node);
        }
        self
    }

    /// Node `index`'s clock skew (0 if none was drawn).
    pub fn clock_skew_ms(&self, index: usize) -> i64 {
        self.clock_skews_ms.get(index).copied().unwrap_or(0)
    }

    /// Whether the faults last the whole long phase rather than the usual 4 s.
    pub fn faults_throughout(&self) -> bool {
        self.fault_phase_ms > FAULT_PHASE_MS
    }

    /// The agreement checker check: f + 1 conspirators on a calm network, equal powers.
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
            validator_change: false,
            crash_at_signature: None,
            sabotage: None,
            clock_skews_ms: vec![0; validators],
            far_clock: None,
            time_params: SIM_TIME_PARAMS,
        }
    }
}
