//! Invariants checked continuously during a simulation.
//!
//! - Agreement: no two honest validators commit different blocks at a height.
//! - Validity: every committed block is valid for its height — the checker
//!   re-executes each one on a reference chain of its own ([`Reference`]),
//!   with the engine's `validate`, a memo of real signature verdicts and no
//!   sabotage.
//! - Execution: after each block, every honest validator's state root and
//!   receipts root are the reference's, and the civic laws
//!   (`civitas_civic::invariants`) hold on what it wrote.
//! - Certificates: every committed block has a quorum certificate that verifies
//!   against the validator set of its height (the reference's, which follows
//!   governance).
//! - No honest validator signs two different messages for one (height, round,
//!   step) — whether it broadcasts them or sends them to one peer — and no
//!   evidence in a committed block accuses an honest validator.
//! - No honest validator proposes, prevotes or precommits a block built
//!   invalid, and none refuses an honest validator's block.
//! - Evidence: every equivocator is proven guilty in a committed block.
//! - Block time: committed block times strictly increase; no honest validator
//!   prevotes a fresh proposal that was not timely by its own clock; and every
//!   committed block's time lies within the PBTS bound of the honest clocks
//!   ([`TimeBound`]).
//! - Liveness (judged by the simulation after the final quiet period).
//!
//! Each invariant has a checker check in `tests/checker.rs`: a run that breaks it
//! on purpose and must be caught.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use civitas_civic::invariants::CheckError;
use civitas_consensus::ConsensusMessage;
use civitas_engine::{EngineError, InvalidBlock};
use civitas_types::{CertificateError, Hash, PublicKey, VoteType};

use crate::blocks::Defect;

/// What a signed message is, for the one-signature-per-step rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SignedStep {
    /// A proposal.
    Proposal,
    /// A prevote.
    Prevote,
    /// A precommit.
    Precommit,
}

impl SignedStep {
    fn of(message: &ConsensusMessage) -> SignedStep {
        match message {
            ConsensusMessage::Proposal(_) => SignedStep::Proposal,
            ConsensusMessage::Vote(v) if v.vote.vote_type == VoteType::Prevote => {
                SignedStep::Prevote
            }
            ConsensusMessage::Vote(_) => SignedStep::Precommit,
        }
    }
}

/// A broken invariant (or a run that could not be judged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// Two honest validators committed different blocks at a height.
    Agreement {
        /// The node that committed second.
        node: usize,
        /// Height.
        height: u64,
        /// Its block.
        block: Hash,
        /// The block another honest node committed first.
        first: Hash,
    },
    /// An honest validator committed a block that is not valid for its height.
    Validity {
        /// Node.
        node: usize,
        /// Height.
        height: u64,
        /// The block.
        block: Hash,
        /// Why the reference refuses it.
        reason: InvalidBlock,
    },
    /// An honest validator's state root after a block is not the reference's.
    StateDivergence {
        /// Node.
        node: usize,
        /// Height.
        height: u64,
        /// The reference's root.
        expected: Hash,
        /// The node's.
        found: Hash,
    },
    /// An honest validator's receipts of a block are not the reference's.
    ReceiptsDivergence {
        /// Node.
        node: usize,
        /// Height.
        height: u64,
        /// The reference's receipts root.
        expected: Hash,
        /// The node's.
        found: Hash,
    },
    /// A civic law does not hold on what an honest validator committed.
    CivicLaw {
        /// Node.
        node: usize,
        /// Height.
        height: u64,
        /// The law broken, or the record that cannot be read.
        error: CheckError,
    },
    /// An honest validator refused a block an honest validator built.
    HonestBlockRefused {
        /// The refusing node.
        node: usize,
        /// The block.
        block: Hash,
        /// Why it refused it.
        reason: InvalidBlock,
    },
    /// An equivocating validator was never proven guilty in a committed block.
    EvidenceMissing {
        /// The equivocator.
        offender: PublicKey,
    },
    /// The checker's reference chain failed on its own (a simulator bug).
    ReferenceFailed {
        /// Height.
        height: u64,
        /// Why.
        error: EngineError,
    },
    /// A node's engine stopped with an error.
    EngineFailed {
        /// Node.
        node: usize,
        /// Why.
        error: EngineError,
    },
    /// An honest validator committed with a certificate that does not verify.
    Certificate {
        /// Node.
        node: usize,
        /// Height.
        height: u64,
        /// Why it does not verify.
        error: CertificateError,
    },
    /// An honest validator signed two different messages for one step.
    DoubleSign {
        /// Node.
        node: usize,
        /// Height.
        height: u64,
        /// Round.
        round: u32,
        /// Step.
        step: SignedStep,
    },
    /// An honest validator proposed or voted for a block invalid at that height.
    InvalidBlockSigned {
        /// Node.
        node: usize,
        /// Height.
        height: u64,
        /// Round.
        round: u32,
        /// What it signed.
        step: SignedStep,
        /// The block.
        block: Hash,
        /// What is wrong with it.
        defect: Defect,
    },
    /// An honest validator prevoted a fresh proposal whose block time it had
    /// found not timely by its own clock (and it had no timely or re-proposed
    /// copy of that block in that round).
    UntimelyPrevote {
        /// Node.
        node: usize,
        /// Height.
        height: u64,
        /// Round.
        round: u32,
        /// The block.
        block: Hash,
    },
    /// A committed block's time is not after the previous committed block's.
    TimeNotIncreasing {
        /// Height.
        height: u64,
        /// Its time.
        time_ms: u64,
        /// The previous block's time (the genesis time at height 1).
        previous_ms: u64,
    },
    /// A committed block's time lies outside the PBTS bound of the honest clocks.
    TimeOutOfBounds {
        /// Height.
        height: u64,
        /// Its time.
        time_ms: u64,
        /// The bound it broke.
        bound: TimeBound,
    },
    /// Evidence in a committed block accuses an honest validator.
    EvidenceAgainstHonest {
        /// The accused.
        offender: PublicKey,
        /// Height of the block carrying it.
        height: u64,
    },
    /// Honest validators did not all commit the required heights after the heal.
    Liveness {
        /// Simulated time allowed after the heal.
        bound_ms: u64,
        /// Height each honest validator had to reach.
        target: u64,
        /// (node, committed height) of those that did not.
        laggards: Vec<(usize, u64)>,
    },
    /// A node decided a height other than the next one.
    OutOfOrder {
        /// Node.
        node: usize,
        /// Height decided.
        height: u64,
    },
    /// A node could not start.
    StartFailed {
        /// Node.
        node: usize,
        /// Why.
        error: EngineError,
    },
    /// The run hit the simulator's event limit (a livelock, or a runaway run).
    EventLimit {
        /// Simulated time when it stopped.
        at_ms: u64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Agreement {
                node,
                height,
                block,
                first,
            } => write!(
                f,
                "agreement: node {node} committed {block} at height {height}, another honest node committed {first}"
            ),
            Violation::Validity {
                node,
                height,
                block,
                reason,
            } => write!(
                f,
                "validity: node {node} committed block {block} at height {height}: {reason}"
            ),
            Violation::StateDivergence {
                node,
                height,
                expected,
                found,
            } => write!(
                f,
                "state: node {node}'s state root after height {height} is {found}, the reference's {expected}"
            ),
            Violation::ReceiptsDivergence {
                node,
                height,
                expected,
                found,
            } => write!(
                f,
                "receipts: node {node}'s receipts root of height {height} is {found}, the reference's {expected}"
            ),
            Violation::CivicLaw {
                node,
                height,
                error,
            } => write!(
                f,
                "civic law: after height {height} on node {node}: {error}"
            ),
            Violation::HonestBlockRefused {
                node,
                block,
                reason,
            } => write!(
                f,
                "honest block refused: node {node} refused block {block} of an honest proposer: {reason}"
            ),
            Violation::EvidenceMissing { offender } => write!(
                f,
                "evidence: equivocator {offender} was never proven guilty in a committed block"
            ),
            Violation::ReferenceFailed { height, error } => {
                write!(f, "the reference chain failed at height {height}: {error}")
            }
            Violation::EngineFailed { node, error } => {
                write!(f, "node {node}'s engine stopped: {error}")
            }
            Violation::Certificate {
                node,
                height,
                error,
            } => write!(
                f,
                "certificate: node {node} committed height {height} with a certificate that does not verify: {error}"
            ),
            Violation::DoubleSign {
                node,
                height,
                round,
                step,
            } => write!(
                f,
                "double sign: honest node {node} signed two {step:?} messages for height {height} round {round}"
            ),
            Violation::InvalidBlockSigned {
                node,
                height,
                round,
                step,
                block,
                defect,
            } => write!(
                f,
                "invalid block: honest node {node} signed a {step:?} for block {block} at height {height} round {round}: {defect:?}"
            ),
            Violation::UntimelyPrevote {
                node,
                height,
                round,
                block,
            } => write!(
                f,
                "untimely prevote: honest node {node} prevoted block {block} at height {height} round {round}, whose time was not timely by its clock"
            ),
            Violation::TimeNotIncreasing {
                height,
                time_ms,
                previous_ms,
            } => write!(
                f,
                "block time: height {height} committed with time {time_ms}, not after the previous block's {previous_ms}"
            ),
            Violation::TimeOutOfBounds {
                height,
                time_ms,
                bound,
            } => write!(
                f,
                "block time: height {height} committed with time {time_ms}, outside [{}, {}]",
                bound.lower_ms, bound.upper_ms
            ),
            Violation::EvidenceAgainstHonest { offender, height } => write!(
                f,
                "evidence accuses honest validator {offender} at height {height}"
            ),
            Violation::Liveness {
                bound_ms,
                target,
                laggards,
            } => write!(
                f,
                "liveness: {bound_ms} ms after the heal, honest nodes did not all reach height {target}: (node, height) {laggards:?}"
            ),
            Violation::OutOfOrder { node, height } => {
                write!(f, "node {node} decided height {height} out of order")
            }
            Violation::StartFailed { node, error } => {
                write!(f, "node {node} failed to start: {error}")
            }
            Violation::EventLimit { at_ms } => write!(f, "event limit reached at {at_ms} ms"),
        }
    }
}

/// The PBTS guarantee for a committed block, in ms since the Unix epoch. Its
/// first polka came from prevotes of f + 1 honest validators at least, each of
/// which found the fresh proposal timely by its own clock at arrival (round
/// `r ≤` the decision round): the time is at most that clock plus the
/// precision — no later than the fastest honest clock at the first commit
/// plus the precision — and at least that clock minus precision and message
/// delay — no earlier than the slowest honest clock when the block was built,
/// minus precision and the decision round's message delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeBound {
    /// Slowest honest clock when the block was built − precision − message
    /// delay of the decision round.
    pub lower_ms: u64,
    /// Fastest honest clock at the first honest commit + precision.
    pub upper_ms: u64,
}

/// How one honest validator received one block in one round.
#[derive(Clone, Copy, Debug, Default)]
struct Arrivals {
    fresh_timely: bool,
    fresh_untimely: bool,
    reproposed: bool,
}

/// The invariant checker of one run.
#[derive(Default)]
pub struct Checker {
    /// First block committed by an honest validator at each height.
    pub canonical: BTreeMap<u64, Hash>,
    /// Time of each canonical block.
    canonical_times: BTreeMap<u64, u64>,
    /// Proposals honest validators received, by (node, height, round, block).
    arrivals: BTreeMap<(usize, u64, u32, Hash), Arrivals>,
    signed: BTreeMap<(PublicKey, u64, u32, SignedStep), Hash>,
    verified_certificates: BTreeSet<Hash>,
    /// Validators proven guilty by evidence in a canonical block.
    pub proven: BTreeSet<PublicKey>,
    /// Violations found.
    pub violations: Vec<Violation>,
}

impl Checker {
    /// Records a message sent by honest validator `node` (key `own_key`), by
    /// broadcast or to one peer. If `node` signed it (it may be relaying someone
    /// else's), flags a conflict with anything it signed before for the same
    /// height, round and step, and a block built with `defect` (what is known
    /// wrong with the message's block at its height; `None` for nil).
    pub fn on_honest_signature(
        &mut self,
        node: usize,
        own_key: &PublicKey,
        message: &ConsensusMessage,
        defect: Option<Defect>,
    ) {
        let (key, digest, block) = match message {
            ConsensusMessage::Proposal(p) => (
                p.proposal.proposer,
                p.proposal.signing_digest(),
                Some(p.proposal.block_hash),
            ),
            ConsensusMessage::Vote(v) => {
                (v.vote.validator, v.vote.signing_digest(), v.vote.block_hash)
            }
        };
        if key != *own_key {
            return;
        }
        let (height, round, step) = (message.height(), message.round(), SignedStep::of(message));
        if let (SignedStep::Prevote, Some(block)) = (step, block) {
            self.check_timely_prevote(node, height, round, block);
        }
        if let (Some(block), Some(defect)) = (block, defect) {
            self.violations.push(Violation::InvalidBlockSigned {
                node,
                height,
                round,
                step,
                block,
                defect,
            });
        }
        match self.signed.get(&(key, height, round, step)) {
            Some(previous) if *previous != digest => self.violations.push(Violation::DoubleSign {
                node,
                height,
                round,
                step,
            }),
            Some(_) => {}
            None => {
                self.signed.insert((key, height, round, step), digest);
            }
        }
    }

    /// Records that honest `node` received (or made) a proposal of `block` at
    /// `height` and `round`: a fresh one (`reproposed` false) that its clock
    /// found `timely` or not, or a re-proposal with a proof of lock.
    pub fn on_proposal_arrival(
        &mut self,
        node: usize,
        height: u64,
        round: u32,
        block: Hash,
        reproposed: bool,
        timely: bool,
    ) {
        let arrivals = self
            .arrivals
            .entry((node, height, round, block))
            .or_default();
        if reproposed {
            arrivals.reproposed = true;
        } else if timely {
            arrivals.fresh_timely = true;
        } else {
            arrivals.fresh_untimely = true;
        }
    }

    /// A prevote for `block` is allowed only if `node` got it in that round in a
    /// form that permits it: fresh and timely, or re-proposed (judged by its
    /// polka). Having only untimely fresh copies of it is a violation.
    fn check_timely_prevote(&mut self, node: usize, height: u64, round: u32, block: Hash) {
        let arrivals = self
            .arrivals
            .get(&(node, height, round, block))
            .copied()
            .unwrap_or_default();
        if arrivals.fresh_untimely && !arrivals.fresh_timely && !arrivals.reproposed {
            self.violations.push(Violation::UntimelyPrevote {
                node,
                height,
                round,
                block,
            });
        }
    }

    /// Checks the time of the block first committed at `height`: after the
    /// previous committed block's (`genesis_time_ms` at height 1) and within
    /// `bound`.
    pub fn on_canonical_time(
        &mut self,
        height: u64,
        time_ms: u64,
        genesis_time_ms: u64,
        bound: TimeBound,
    ) {
        let previous_ms = match height.checked_sub(1) {
            Some(0) | None => Some(genesis_time_ms),
            Some(previous) => self.canonical_times.get(&previous).copied(),
        };
        self.canonical_times.insert(height, time_ms);
        if let Some(previous_ms) = previous_ms
            && time_ms <= previous_ms
        {
            self.violations.push(Violation::TimeNotIncreasing {
                height,
                time_ms,
                previous_ms,
            });
        }
        if time_ms < bound.lower_ms || time_ms > bound.upper_ms {
            self.violations.push(Violation::TimeOutOfBounds {
                height,
                time_ms,
                bound,
            });
        }
        // Forget arrivals of heights well below the committed one, every 8
        // heights: a validator that far behind catches up by block sync, and a
        // forgotten arrival can only hide a violation, never invent one.
        if height.is_multiple_of(8) {
            let stale = height.saturating_sub(8);
            self.arrivals.retain(|(_, h, _, _), _| *h >= stale);
        }
    }

    /// Checks a commit by an honest validator: agreement, and its
    /// certificate (`certificate_valid`: the result of checking it against
    /// the set of its height, `None` if this certificate was checked before).
    pub fn on_honest_commit(
        &mut self,
        node: usize,
        height: u64,
        block: Hash,
        certificate_hash: Hash,
        check_certificate: impl FnOnce() -> Result<u64, CertificateError>,
    ) {
        match self.canonical.get(&height) {
            Some(first) if *first != block => self.violations.push(Violation::Agreement {
                node,
                height,
                block,
                first: *first,
            }),
            Some(_) => {}
            None => {
                self.canonical.insert(height, block);
            }
        }
        if self.verified_certificates.contains(&certificate_hash) {
            return;
        }
        match check_certificate() {
            Ok(_) => {
                self.verified_certificates.insert(certificate_hash);
            }
            Err(error) => self.violations.push(Violation::Certificate {
                node,
                height,
                error,
            }),
        }
    }

    /// Records the evidence of a canonical block: each offender must be a
    /// Byzantine validator (`byzantine_keys`).
    pub fn on_canonical_evidence(
        &mut self,
        height: u64,
        offenders: impl IntoIterator<Item = PublicKey>,
        byzantine_keys: &BTreeSet<PublicKey>,
    ) {
        for offender in offenders {
            if !byzantine_keys.contains(&offender) {
                self.violations
                    .push(Violation::EvidenceAgainstHonest { offender, height });
            }
            self.proven.insert(offender);
        }
    }
}
