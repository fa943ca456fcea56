//! The civic workload of simulated chains: the genesis they start from and the
//! transactions a seed submits over a run.
//!
//! A workload is a plan of 10 to 15 *steps* drawn from the seed — an aid
//! programme (created, beneficiaries enrolled, disbursements ordered, executed
//! by a different accountant, spent at a grocer, maybe redeemed), an energy
//! community (created, two meters, a sell and a buy order, maybe a
//! cancellation), a registry record (registered, maybe amended and
//! transferred) and one council motion, proposed and voted through: a
//! `SetValidatorPower` that raises one honest validator, so that a
//! validator-set change runs under the simulator's faults (a role grant when
//! no validator may be raised). Tracks are interleaved at random, governance
//! first more often than not, so the change tends to land in the fault phase.
//!
//! A step's transactions are built once, when the step starts, from the latest
//! committed state (sequences, ids of what earlier steps created), and then
//! returned unchanged until every one of them is committed: losing or
//! re-submitting one is harmless, as identical bytes have one id. A step whose
//! inputs cannot be found (an earlier transaction failed, a state the
//! workload does not recognise) is skipped, so a workload always ends.
//! Everything is a function of the seed and the states passed in: no clock, no
//! ambient randomness.

use std::collections::BTreeMap;

use civitas_civic::action::CreateCommunity;
use civitas_civic::aid::ProgrammeRules;
use civitas_civic::governance::GovernanceAction;
use civitas_civic::{Action, BlockContext, Overlay, StateRead, account_sequence};
use civitas_types::{
    AccountId, BoundedBytes, ChainId, Hash, PublicKey, SignedTransaction, SigningKey,
    TransactionBody, encode,
};
use sha2::{Digest, Sha256};

use crate::rng::SimRng;

mod aid;
mod energy;
mod genesis;
mod governance;
mod registry;
#[cfg(test)]
mod tests;

pub use genesis::{genesis, siren};

/// Genesis time of simulated chains (2026-09-21 UTC): simulated real time 0.
pub const GENESIS_TIME_MS: u64 = 1_790_000_000_000;
/// Voting power of every validator at genesis.
pub const GENESIS_POWER: u64 = 10;
/// The chain id of simulated chains.
pub const CHAIN_ID: &str = "civitas-sim";
/// Heights a transaction stays includable after the block it was built for:
/// far beyond any run, so a lost transaction can always be re-submitted.
pub const EXPIRY_HEIGHTS: u64 = 1_000_000;
/// Most transactions in a simulated block: a light workload needs a handful.
pub const BLOCK_TRANSACTIONS_MAX: u32 = 64;
/// Most steps a workload plans.
pub const STEPS_MAX: usize = 15;

/// Merchant category of the grocer (food), the programme's only category.
const FOOD: u16 = 5411;
/// Merchant category of the pharmacy the fallback motion accredits.
const PHARMACY: u16 = 5912;
/// The registry namespace of the workload (created at genesis).
const NAMESPACE: &str = "permits/building";
const DAY_MS: u64 = 24 * 3_600_000;
/// Ids of what a step created are looked for this far past the counter read
/// when it was built (others may create things too).
const ID_SCAN_MAX: u64 = 64;

/// The officials acting for the first collectivity, each with its own key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Office {
    /// `AidAdministrator` (ordonnateur): creates the programme, enrols, orders.
    Administrator,
    /// `AidAccountant` (comptable): executes orders; never the ordonnateur.
    Accountant,
    /// `Merchant` for food: where beneficiaries spend.
    Grocer,
    /// A merchant accredited by the fallback motion (no genesis role).
    Pharmacy,
    /// `EnergyOperator`: creates the community and registers meters.
    Operator,
    /// `Registrar` of `permits/building`.
    Registrar,
}

/// A 32-byte value derived from a label, a seed and an index (keys, hashes).
fn derive(label: &str, seed: u64, index: u64) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"civitas-sim workload/")
        .chain_update(label.as_bytes())
        .chain_update(seed.to_le_bytes())
        .chain_update(index.to_le_bytes())
        .finalize()
        .into()
}

fn key_of(label: &str, seed: u64, index: u64) -> SigningKey {
    SigningKey::from_seed(&derive(label, seed, index))
}

fn account_of(key: &SigningKey) -> AccountId {
    AccountId::from_public_key(&key.public_key())
}

/// The key of an office (the same on every simulated chain: genesis grants it).
pub fn office_key(office: Office) -> SigningKey {
    key_of("office", 0, office as u64)
}

/// The council account key of collectivity `index` of the genesis.
pub fn council_key(index: usize) -> SigningKey {
    key_of("council", 0, index as u64)
}

/// The chain id of simulated chains.
pub fn chain_id() -> ChainId {
    ChainId::new(CHAIN_ID).expect("the simulated chain id is valid")
}

/// What a step does. Each track's steps depend on the ones before them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StepKind {
    /// A council account proposes the motion.
    Propose,
    /// Council accounts vote it through: exactly as many as passing needs,
    /// since a vote after the deciding one would fail.
    Vote,
    CreateProgramme,
    /// Enrolments, and the orders too when `merged`.
    Enrol,
    Order,
    Execute,
    Spend,
    Redeem,
    CreateCommunity,
    RegisterMeters,
    PlaceEnergyOrders,
    CancelEnergyOrder,
    RegisterRecord,
    AmendRecord,
    RequestTransfer,
    ApproveTransfer,
}

/// The plan: the tracks' steps interleaved by the seed.
fn plan(rng: &mut SimRng, merged: bool) -> Vec<StepKind> {
    use StepKind::*;
    let mut aid = vec![CreateProgramme, Enrol];
    if !merged {
        aid.push(Order);
    }
    aid.extend([Execute, Spend]);
    let mut energy = vec![CreateCommunity, RegisterMeters, PlaceEnergyOrders];
    let mut registry = vec![RegisterRecord];
    // Ten steps at least; each extra drawn with even odds, within STEPS_MAX.
    let mut total = 10 + usize::from(!merged);
    if rng.chance(500) {
        aid.push(Redeem);
        total += 1;
    }
    if rng.chance(500) {
        energy.push(CancelEnergyOrder);
        total += 1;
    }
    if rng.chance(500) {
        registry.extend([RequestTransfer, ApproveTransfer]);
        total += 2;
    }
    if total < STEPS_MAX && rng.chance(500) {
        registry.insert(1, AmendRecord);
    }
    let mut tracks = [vec![Propose, Vote], aid, energy, registry];
    for track in &mut tracks {
        track.reverse();
    }
    let mut steps = Vec::new();
    loop {
        // Governance weighs three, so the motion usually comes early.
        let weights: Vec<u64> = tracks
            .iter()
            .enumerate()
            .map(|(i, t)| match (t.is_empty(), i) {
                (true, _) => 0,
                (false, 0) => 3,
                (false, _) => 1,
            })
            .collect();
        let total: u64 = weights.iter().sum();
        if total == 0 {
            return steps;
        }
        let mut draw = rng.below(total);
        for (track, weight) in tracks.iter_mut().zip(&weights) {
            if draw < *weight {
                steps.extend(track.pop());
                break;
            }
            draw -= weight;
        }
    }
}

/// The step under way: its transactions, as first built.
#[derive(Clone, Debug)]
struct Step {
    kind: StepKind,
    transactions: Vec<SignedTransaction>,
}

/// What the workload created and must find again in later states.
#[derive(Clone, Debug, Default)]
struct Memory {
    proposal_from: u64,
    deliberation: Option<Hash>,
    proposal_id: Option<u64>,
    programme_from: u64,
    programme_rules: Option<ProgrammeRules>,
    programme_id: Option<u64>,
    orders_from: u64,
    community_from: u64,
    community: Option<CreateCommunity>,
    community_id: Option<u64>,
    energy_slot: Option<u64>,
}

/// A deterministic light civic workload (see the module documentation).
#[derive(Clone, Debug)]
pub struct Workload {
    seed: u64,
    raisable: Vec<PublicKey>,
    beneficiaries: u64,
    merged: bool,
    plan: Vec<StepKind>,
    cursor: usize,
    current: Option<Step>,
    memory: Memory,
    steps_done: u64,
    steps_skipped: u64,
    motion: Option<GovernanceAction>,
    validator_change_done: bool,
}

impl Workload {
    /// A workload drawn from `seed`. `raisable`: consensus keys of validators
    /// whose power the workload's one governance change may raise (the
    /// simulator passes honest validators only; empty: no validator change,
    /// the motion grants a merchant role instead).
    pub fn new(seed: u64, raisable: Vec<PublicKey>) -> Workload {
        let mut rng = SimRng::new(seed);
        let beneficiaries = rng.between(1, 2);
        let merged = rng.chance(500);
        let plan = plan(&mut rng, merged);
        Workload {
            seed,
            raisable,
            beneficiaries,
            merged,
            plan,
            cursor: 0,
            current: None,
            memory: Memory::default(),
            steps_done: 0,
            steps_skipped: 0,
            motion: None,
            validator_change_done: false,
        }
    }

    /// The transactions to (re)submit now, given the latest committed state
    /// of the canonical chain and the context of the next block. The current
    /// step's transactions not yet committed (read from the signers' next
    /// sequences); once all are, the next step's. Empty after the last step.
    /// Never panics, whatever the state.
    pub fn next<S: StateRead>(
        &mut self,
        state: &S,
        context: &BlockContext,
    ) -> Vec<SignedTransaction> {
        // Each pass returns, or finishes or skips one step: bounded by the plan.
        for _ in 0..self.plan.len() + 2 {
            if let Some(step) = &self.current {
                let pending = uncommitted(state, &step.transactions);
                if !pending.is_empty() {
                    return pending;
                }
                let kind = step.kind;
                self.current = None;
                self.steps_done += 1;
                if kind == StepKind::Vote {
                    self.validator_change_done = self.motion_executed(state);
                }
            }
            let Some(kind) = self.plan.get(self.cursor).copied() else {
                return Vec::new();
            };
            let index = self.cursor as u64;
            self.cursor += 1;
            // One generator per step: what a step draws does not depend on
            // when earlier steps were built.
            let mut rng = SimRng::new(self.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let overlay = Overlay::new(state);
            let built = self
                .build(kind, &overlay, context, &mut rng)
                .and_then(|actions| sign(state, context, actions));
            match built {
                Some(transactions) if !transactions.is_empty() => {
                    self.current = Some(Step { kind, transactions });
                }
                _ => self.steps_skipped += 1,
            }
        }
        Vec::new()
    }

    /// Number of steps completed so far (for run statistics).
    pub fn steps_done(&self) -> u64 {
        self.steps_done
    }

    /// Number of steps skipped because what they build on was not found.
    pub fn steps_skipped(&self) -> u64 {
        self.steps_skipped
    }

    /// Number of steps planned.
    pub fn steps_planned(&self) -> u64 {
        self.plan.len() as u64
    }

    /// Whether every step is done or skipped.
    pub fn finished(&self) -> bool {
        self.cursor >= self.plan.len() && self.current.is_none()
    }

    /// Whether the validator-set change has been committed (its vote step
    /// passed and the proposal executed).
    pub fn validator_change_done(&self) -> bool {
        self.validator_change_done
    }

    /// The validator change proposed, once proposed: the key and its new power.
    pub fn validator_change(&self) -> Option<(PublicKey, u64)> {
        match self.motion {
            Some(GovernanceAction::SetValidatorPower { public_key, power }) => {
                Some((public_key, power))
            }
            _ => None,
        }
    }

    fn build<S: StateRead>(
        &mut self,
        kind: StepKind,
        state: &Overlay<'_, S>,
        context: &BlockContext,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        match kind {
            StepKind::Propose => self.propose(state, context, rng),
            StepKind::Vote => self.vote(state, rng),
            StepKind::CreateProgramme => self.create_programme(state, rng),
            StepKind::Enrol => self.enrol(state, rng),
            StepKind::Order => self.order(state, rng),
            StepKind::Execute => self.execute(state),
            StepKind::Spend => self.spend(state, rng),
            StepKind::Redeem => self.redeem(state, rng),
            StepKind::CreateCommunity => self.create_community(state, rng),
            StepKind::RegisterMeters => self.register_meters(state),
            StepKind::PlaceEnergyOrders => self.place_energy_orders(state, context, rng),
            StepKind::CancelEnergyOrder => self.cancel_energy_order(state, context, rng),
            StepKind::RegisterRecord => Some(self.register_record(rng)),
            StepKind::AmendRecord => self.amend_record(state, rng),
            StepKind::RequestTransfer => self.request_transfer(state),
            StepKind::ApproveTransfer => self.approve_transfer(state),
        }
    }

    fn beneficiary_key(&self, index: u64) -> SigningKey {
        key_of("beneficiary", self.seed, index)
    }

    fn meter_owner_key(&self, index: u64) -> SigningKey {
        key_of("meter-owner", self.seed, index)
    }

    fn record_owner_key(&self, index: u64) -> SigningKey {
        key_of("record-owner", self.seed, index)
    }
}

/// The first id from `from` below the counter at `counter_key` (at most
/// [`ID_SCAN_MAX`] looked at) that `matches`.
fn find_id<S: StateRead>(
    state: &Overlay<'_, S>,
    counter_key: &[u8],
    from: u64,
    matches: impl Fn(u64) -> bool,
) -> Option<u64> {
    let counter: u64 = state.get(counter_key).ok()??;
    (from..counter.min(from.saturating_add(ID_SCAN_MAX))).find(|id| matches(*id))
}

/// Fisher–Yates with the step's generator.
fn shuffle<T>(items: &mut [T], rng: &mut SimRng) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// Signs `actions` in order, each signer's from its next sequence in `state`.
fn sign<S: StateRead>(
    state: &S,
    context: &BlockContext,
    actions: Vec<(SigningKey, Action)>,
) -> Option<Vec<SignedTransaction>> {
    let mut next: BTreeMap<AccountId, u64> = BTreeMap::new();
    let mut transactions = Vec::with_capacity(actions.len());
    for (key, action) in actions {
        let signer = account_of(&key);
        let sequence = match next.get(&signer) {
            Some(sequence) => *sequence,
            None => account_sequence(state, &signer).ok()?,
        };
        next.insert(signer, sequence.checked_add(1)?);
        let body = TransactionBody {
            chain_id: context.chain_id.clone(),
            signer,
            sequence,
            expiry_height: context.height.saturating_add(EXPIRY_HEIGHTS),
            payload: BoundedBytes::try_from_vec(encode(&action)).ok()?,
        };
        transactions.push(SignedTransaction::sign(body, &[&key]).ok()?);
    }
    Some(transactions)
}

/// The transactions whose sequence `state` has not consumed yet (all of them
/// when a sequence cannot be read).
fn uncommitted<S: StateRead>(
    state: &S,
    transactions: &[SignedTransaction],
) -> Vec<SignedTransaction> {
    transactions
        .iter()
        .filter(|tx| {
            account_sequence(state, &tx.body.signer).map_or(true, |next| next <= tx.body.sequence)
        })
        .cloned()
        .collect()
}
