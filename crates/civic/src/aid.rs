//! Social aid: programmes, beneficiaries, orders (ordonnateur) executed or
//! rejected by a different accountant (comptable), spending at accredited
//! merchants, redemption, closing.
//!
//! Every programme keeps its money in five places, and the conservation law
//! `budget = unreserved + reserved + Σ beneficiary balances + Σ merchant balances + redeemed`
//! holds after every transaction: each action moves an amount from one place to
//! another, with checked arithmetic. The programme record carries the two sums
//! (`beneficiary_balances_cents`, `merchant_balances_cents`) so the law is
//! checkable from one value; tests also check them against the individual entries.
//! Closing a programme stops it at once and settles it over the next blocks
//! ([`crate::closing`]): pending orders are cancelled and unspent beneficiary
//! balances returned to the unreserved budget; merchants keep what they received
//! and can still redeem. A frozen programme (by governance, or because its
//! collectivity left the council) takes no order, execution, spending or
//! schedule; redemption continues.
//!
//! Every move of money is also added to the programme's public figures for the
//! period of the block's time ([`crate::figures`], table `0x3c`), so the
//! figures a portal shows come with a state proof.

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, BoundedVec, Hash};

use crate::action::{
    CloseProgramme, EnrolBeneficiary, ExecuteOrder, OrderDisbursement, Redeem, RejectOrder,
    RevokeBeneficiary, Spend,
};
use crate::authority::authorise;
use crate::closing;
use crate::codes::Code;
use crate::duties;
use crate::figures::{self, Flow};
use crate::handler::BlockContext;
use crate::handler::Outcome;
use crate::handler::{Failure, overflow};
use crate::keys;
use crate::model::{Collectivity, Resident, Role, Scope, Siren};
use crate::pseudonyms;
use crate::receipt::Event;
use crate::state::{Overlay, StateRead};

mod beneficiaries;
mod orders;
mod spending;

pub use beneficiaries::{enrol_beneficiary, revoke_beneficiary};
pub(crate) use beneficiaries::{live_beneficiary, require_resident};
pub(crate) use orders::release_reservation;
pub use orders::{execute_order, order, reject_order};
pub use spending::{redeem, spend};

/// Most merchant categories a programme accepts.
pub const PROGRAMME_CATEGORIES_MAX: usize = 32;

/// Where a programme stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum ProgrammeStatus {
    /// Orders, executions and spending allowed (within the validity window).
    Open = 0,
    /// Closed: the budget not spent is back to unreserved.
    Closed = 1,
    /// Closing: nothing but redemption; the chain is cancelling pending orders
    /// and returning balances, a bounded number per block.
    Closing = 2,
}

/// The rules of a programme, fixed at creation.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ProgrammeRules {
    /// SIREN of the collectivity (the public identifier of a public body).
    pub collectivity: Siren,
    /// Total budget, in cents.
    pub budget_cents: u64,
    /// Most a beneficiary may be ordered per period, in cents.
    pub cap_per_period_cents: u64,
    /// Length of a period (e.g. a month), in ms of block time.
    pub period_ms: u64,
    /// Start of validity (block time, ms).
    pub starts_at_ms: u64,
    /// End of validity (exclusive).
    pub ends_at_ms: u64,
    /// Merchant categories where beneficiaries may spend.
    pub categories: BoundedVec<u16, PROGRAMME_CATEGORIES_MAX>,
    /// Whether beneficiaries must be enrolled residents of the collectivity.
    pub residency_required: bool,
}

/// A programme: its rules and where its money is.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Programme {
    /// The rules fixed at creation (budget, cap, period, window, categories).
    pub rules: ProgrammeRules,
    /// Open, closing or closed.
    pub status: ProgrammeStatus,
    /// Budget neither reserved nor paid.
    pub unreserved_cents: u64,
    /// Budget reserved by pending orders.
    pub reserved_cents: u64,
    /// Σ beneficiary balances.
    pub beneficiary_balances_cents: u64,
    /// Σ merchant balances (received, not yet redeemed).
    pub merchant_balances_cents: u64,
    /// Σ redeemed (settlement claims the collectivity pays off-chain).
    pub redeemed_cents: u64,
    /// Id the next order will get (orders are numbered 0, 1, … per programme).
    pub next_order: u64,
    /// Next recurring-disbursement schedule id.
    pub next_schedule: u64,
    /// Frozen by governance: no order, execution, spending or schedule.
    pub frozen: bool,
    /// Accounts ever enrolled (the length of the beneficiary index).
    pub beneficiary_count: u64,
    /// Merchants ever paid (the length of the merchant index).
    pub merchant_count: u64,
    /// Where the closing sweep stands, while `status` is `Closing`.
    pub closing: Option<ClosingCursor>,
}

/// How far the closing sweep has gone through a programme's orders and
/// beneficiaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ClosingCursor {
    /// First order id not yet visited.
    pub next_order: u64,
    /// First beneficiary index not yet visited.
    pub next_beneficiary: u64,
    /// Cents returned to the unreserved budget so far.
    pub returned_cents: u64,
    /// Height of the block that closed the programme: the sweep starts in
    /// the block after it.
    pub closed_at_height: u64,
}

impl Programme {
    /// Whether the conservation law holds.
    pub fn is_conserved(&self) -> bool {
        [
            self.reserved_cents,
            self.beneficiary_balances_cents,
            self.merchant_balances_cents,
            self.redeemed_cents,
        ]
        .iter()
        .try_fold(self.unreserved_cents, |sum, part| sum.checked_add(*part))
            == Some(self.rules.budget_cents)
    }

    /// The period of block time `now_ms` (0 for the first).
    pub fn period_of(&self, now_ms: u64) -> u64 {
        now_ms
            .saturating_sub(self.rules.starts_at_ms)
            .checked_div(self.rules.period_ms)
            .unwrap_or(0)
    }
}

/// A beneficiary of a programme.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Beneficiary {
    /// Salted hash of the eligibility file (kept by the office).
    pub eligibility_commitment: Hash,
    /// Balance to spend, in cents.
    pub balance_cents: u64,
    /// The period `ordered_in_period_cents` counts.
    pub period: u64,
    /// Ordered (pending or executed) in that period, in cents.
    pub ordered_in_period_cents: u64,
    /// Whether the enrolment is revoked.
    pub revoked: bool,
    /// How many times this pseudonym was enrolled in the programme (1 the
    /// first time): an order made under an earlier enrolment lapses.
    pub enrolment: u32,
}

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum OrderStatus {
    /// Reserved, waiting for the accountant.
    Pending = 0,
    /// Paid to the beneficiary's balance.
    Executed = 1,
    /// Rejected: the reserve went back to the budget.
    Rejected = 2,
    /// Could no longer be paid at execution (window over, beneficiary or
    /// residency revoked): the reserve went back to the budget.
    Lapsed = 3,
    /// Cancelled by the programme's closing: the reserve went back to the budget.
    Cancelled = 4,
}

/// A disbursement order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Order {
    /// The beneficiary's account: a pseudonym serving this programme only.
    pub beneficiary: AccountId,
    /// Amount, in cents.
    pub amount_cents: u64,
    /// The account that signed the order (an ordonnateur or its delegate).
    pub orderer: AccountId,
    /// The ordonnateur on whose authority it was ordered: `orderer` itself, or
    /// its delegator.
    pub orderer_principal: AccountId,
    /// The period it counts in (for the cap).
    pub period: u64,
    /// The beneficiary's enrolment it was ordered under.
    pub beneficiary_enrolment: u32,
    /// The beneficiary's residency enrolment it was ordered under (0 when the
    /// programme does not require residency).
    pub resident_enrolment: u32,
    /// Where it stands.
    pub status: OrderStatus,
}

pub(crate) fn programme<S: StateRead>(
    state: &Overlay<'_, S>,
    id: u64,
) -> Result<Programme, Failure> {
    state
        .get::<Programme>(&keys::programme(id))?
        .ok_or(Failure::Rule(Code::UnknownProgramme))
}

pub(crate) fn open_programme<S: StateRead>(
    state: &Overlay<'_, S>,
    id: u64,
) -> Result<Programme, Failure> {
    let programme = programme(state, id)?;
    if programme.status != ProgrammeStatus::Open {
        return Err(Code::ProgrammeClosed.into());
    }
    Ok(programme)
}

/// An open programme that may pay: not frozen, its collectivity still a
/// council member.
pub(crate) fn active_programme<S: StateRead>(
    state: &Overlay<'_, S>,
    id: u64,
) -> Result<Programme, Failure> {
    let programme = open_programme(state, id)?;
    let member = state.contains(&keys::collectivity(&programme.rules.collectivity))?;
    if programme.frozen || !member {
        return Err(Code::ProgrammeFrozen.into());
    }
    Ok(programme)
}

pub(crate) fn scope_of(programme: &Programme, id: u64) -> Scope {
    Scope::Programme(programme.rules.collectivity, id)
}

/// Creates a programme; the signer is an AidAdministrator of the collectivity.
pub fn create_programme<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    rules: ProgrammeRules,
) -> Outcome {
    if state
        .get::<Collectivity>(&keys::collectivity(&rules.collectivity))?
        .is_none()
    {
        return Err(Code::UnknownCollectivity.into());
    }
    authorise(
        state,
        signer,
        Role::AidAdministrator,
        &Scope::Collectivity(rules.collectivity),
        context.time_ms,
    )?;
    if rules.period_ms == 0 || rules.ends_at_ms <= rules.starts_at_ms || rules.budget_cents == 0 {
        return Err(Code::InvalidProgramme.into());
    }
    let id: u64 = state.get(&keys::programme_counter())?.unwrap_or(0);
    state.put(
        keys::programme_counter(),
        &id.checked_add(1).ok_or_else(overflow)?,
    );
    let budget_cents = rules.budget_cents;
    let programme = Programme {
        rules,
        status: ProgrammeStatus::Open,
        unreserved_cents: budget_cents,
        reserved_cents: 0,
        beneficiary_balances_cents: 0,
        merchant_balances_cents: 0,
        redeemed_cents: 0,
        next_order: 0,
        next_schedule: 0,
        frozen: false,
        beneficiary_count: 0,
        merchant_count: 0,
        closing: None,
    };
    let period = programme.period_of(context.time_ms);
    figures::record(state, id, period, Flow::Budget, budget_cents)?;
    state.put(keys::programme(id), &programme);
    Ok(vec![Event::ProgrammeCreated {
        programme_id: id,
        budget_cents,
    }])
}

/// Closes a programme: it stops at once (status `Closing`); the closing sweep
/// ([`crate::closing`]) then returns reserves and unspent balances to the budget
/// over the next blocks and marks it `Closed`.
pub fn close_programme<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: CloseProgramme,
) -> Outcome {
    let CloseProgramme { programme_id } = action;
    let mut programme = open_programme(state, programme_id)?;
    authorise(
        state,
        signer,
        Role::AidAdministrator,
        &scope_of(&programme, programme_id),
        context.time_ms,
    )?;
    closing::begin(state, programme_id)?;
    programme.status = ProgrammeStatus::Closing;
    programme.closing = Some(ClosingCursor {
        closed_at_height: context.height,
        ..ClosingCursor::default()
    });
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::ProgrammeClosing { programme_id }])
}
