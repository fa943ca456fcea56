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
use crate::handler::BlockContext;
use crate::handler::Outcome;
use crate::handler::{Failure, overflow};
use crate::keys;
use crate::model::{Collectivity, Resident, Role, Scope, Siren};
use crate::pseudonyms;
use crate::receipt::Event;
use crate::state::{Overlay, StateRead};

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
    /// Fixed rules.
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
    /// Next order id.
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
    state.put(keys::programme(id), &programme);
    Ok(vec![Event::ProgrammeCreated {
        programme_id: id,
        budget_cents,
    }])
}

/// Enrols a beneficiary; the signer is an AidAdministrator of the programme.
pub fn enrol_beneficiary<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: EnrolBeneficiary,
) -> Outcome {
    let EnrolBeneficiary {
        programme_id,
        beneficiary,
        eligibility_commitment,
    } = action;
    let programme = open_programme(state, programme_id)?;
    authorise(
        state,
        signer,
        Role::AidAdministrator,
        &scope_of(&programme, programme_id),
        context.time_ms,
    )?;
    if programme.rules.residency_required {
        require_resident(state, &programme.rules.collectivity, &beneficiary)?;
    }
    let key = keys::beneficiary(programme_id, &beneficiary);
    let existing = state.get::<Beneficiary>(&key)?;
    if existing.as_ref().is_some_and(|b| !b.revoked) {
        return Err(Code::AlreadyBeneficiary.into());
    }
    pseudonyms::claim(state, &beneficiary, scope_of(&programme, programme_id))?;
    // A revoked beneficiary enrolled again keeps its balance and what it was
    // ordered in the current period: the money stays accounted for, and the
    // cap cannot be reset by revoking and enrolling again.
    let entry = match existing {
        Some(revoked) => Beneficiary {
            eligibility_commitment,
            revoked: false,
            enrolment: revoked.enrolment.checked_add(1).ok_or_else(overflow)?,
            ..revoked
        },
        None => {
            index_beneficiary(state, programme, programme_id, &beneficiary)?;
            Beneficiary {
                eligibility_commitment,
                balance_cents: 0,
                period: 0,
                ordered_in_period_cents: 0,
                revoked: false,
                enrolment: 1,
            }
        }
    };
    state.put(key, &entry);
    Ok(vec![Event::BeneficiaryEnrolled {
        programme_id,
        beneficiary,
    }])
}

/// Appends a newly enrolled account to the programme's beneficiary index.
fn index_beneficiary<S: StateRead>(
    state: &mut Overlay<'_, S>,
    mut programme: Programme,
    programme_id: u64,
    beneficiary: &AccountId,
) -> Result<(), Failure> {
    let n = programme.beneficiary_count;
    programme.beneficiary_count = n.checked_add(1).ok_or_else(overflow)?;
    state.put(keys::beneficiary_index(programme_id, n), beneficiary);
    state.put(keys::programme(programme_id), &programme);
    Ok(())
}

/// The live residency enrolment of `account` in `collectivity`.
fn require_resident<S: StateRead>(
    state: &Overlay<'_, S>,
    collectivity: &Siren,
    account: &AccountId,
) -> Result<Resident, Failure> {
    match state.get::<Resident>(&keys::resident(collectivity, account))? {
        Some(resident) if resident.revoked.is_none() => Ok(resident),
        Some(_) => Err(Code::ResidentRevoked.into()),
        None => Err(Code::NotEnrolled.into()),
    }
}

/// Revokes a beneficiary: no new orders or spending; its balance stays in the sum
/// until the programme closes.
pub fn revoke_beneficiary<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: RevokeBeneficiary,
) -> Outcome {
    let RevokeBeneficiary {
        programme_id,
        beneficiary,
    } = action;
    let programme = open_programme(state, programme_id)?;
    authorise(
        state,
        signer,
        Role::AidAdministrator,
        &scope_of(&programme, programme_id),
        context.time_ms,
    )?;
    let key = keys::beneficiary(programme_id, &beneficiary);
    let mut entry = live_beneficiary(state, programme_id, &beneficiary)?;
    entry.revoked = true;
    state.put(key, &entry);
    Ok(vec![Event::BeneficiaryRevoked {
        programme_id,
        beneficiary,
    }])
}

pub(crate) fn live_beneficiary<S: StateRead>(
    state: &Overlay<'_, S>,
    programme_id: u64,
    beneficiary: &AccountId,
) -> Result<Beneficiary, Failure> {
    let entry = state
        .get::<Beneficiary>(&keys::beneficiary(programme_id, beneficiary))?
        .ok_or(Failure::Rule(Code::NotBeneficiary))?;
    if entry.revoked {
        return Err(Code::BeneficiaryRevoked.into());
    }
    Ok(entry)
}

/// Orders a disbursement (ordonnateur): reserves budget, counts against the cap.
pub fn order<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: OrderDisbursement,
) -> Outcome {
    let OrderDisbursement {
        programme_id,
        beneficiary,
        amount_cents,
    } = action;
    let mut programme = active_programme(state, programme_id)?;
    let authorisation = authorise(
        state,
        signer,
        Role::AidAdministrator,
        &scope_of(&programme, programme_id),
        context.time_ms,
    )?;
    let now = context.time_ms;
    if now < programme.rules.starts_at_ms || now >= programme.rules.ends_at_ms {
        return Err(Code::OutsideValidity.into());
    }
    if amount_cents == 0 {
        return Err(Code::InvalidAmount.into());
    }
    let mut entry = live_beneficiary(state, programme_id, &beneficiary)?;
    let resident_enrolment = if programme.rules.residency_required {
        require_resident(state, &programme.rules.collectivity, &beneficiary)?.enrolment
    } else {
        0
    };
    let period = programme.period_of(now);
    if entry.period != period {
        entry.period = period;
        entry.ordered_in_period_cents = 0;
    }
    let ordered = entry
        .ordered_in_period_cents
        .checked_add(amount_cents)
        .ok_or_else(overflow)?;
    if ordered > programme.rules.cap_per_period_cents {
        return Err(Code::CapExceeded.into());
    }
    programme.unreserved_cents = programme
        .unreserved_cents
        .checked_sub(amount_cents)
        .ok_or(Failure::Rule(Code::BudgetExceeded))?;
    programme.reserved_cents = programme
        .reserved_cents
        .checked_add(amount_cents)
        .ok_or_else(overflow)?;
    entry.ordered_in_period_cents = ordered;
    let order_id = programme.next_order;
    programme.next_order = order_id.checked_add(1).ok_or_else(overflow)?;
    let order = Order {
        beneficiary,
        amount_cents,
        orderer: *signer,
        orderer_principal: authorisation.principal,
        period,
        beneficiary_enrolment: entry.enrolment,
        resident_enrolment,
        status: OrderStatus::Pending,
    };
    state.put(keys::order(programme_id, order_id), &order);
    state.put(keys::beneficiary(programme_id, &beneficiary), &entry);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::DisbursementOrdered {
        programme_id,
        order_id,
        beneficiary,
        amount_cents,
    }])
}

/// The pending order, checked to be decided by an accountant who did not order
/// it: nobody behind the execution (signer, principal, multisig members) is
/// behind the order ([`duties::check_separation`]).
fn pending_order<S: StateRead>(
    state: &Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    programme: &Programme,
    programme_id: u64,
    order_id: u64,
) -> Result<Order, Failure> {
    let authorisation = authorise(
        state,
        signer,
        Role::AidAccountant,
        &scope_of(programme, programme_id),
        context.time_ms,
    )?;
    let order = state
        .get::<Order>(&keys::order(programme_id, order_id))?
        .ok_or(Failure::Rule(Code::UnknownOrder))?;
    if order.status != OrderStatus::Pending {
        return Err(Code::OrderNotPending.into());
    }
    duties::check_separation(
        state,
        &[order.orderer, order.orderer_principal],
        &[*signer, authorisation.principal],
    )?;
    Ok(order)
}

/// Executes an order (comptable ≠ ordonnateur): reserve → beneficiary balance.
pub fn execute_order<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: ExecuteOrder,
) -> Outcome {
    let ExecuteOrder {
        programme_id,
        order_id,
    } = action;
    let mut programme = active_programme(state, programme_id)?;
    let mut order = pending_order(state, context, signer, &programme, programme_id, order_id)?;
    let mut beneficiary =
        match payable_beneficiary(state, context, &programme, programme_id, &order)? {
            Ok(entry) => entry,
            Err(code) => return lapse(state, programme, programme_id, order_id, order, code),
        };
    let beneficiary_key = keys::beneficiary(programme_id, &order.beneficiary);
    programme.reserved_cents = programme
        .reserved_cents
        .checked_sub(order.amount_cents)
        .ok_or_else(overflow)?;
    programme.beneficiary_balances_cents = programme
        .beneficiary_balances_cents
        .checked_add(order.amount_cents)
        .ok_or_else(overflow)?;
    beneficiary.balance_cents = beneficiary
        .balance_cents
        .checked_add(order.amount_cents)
        .ok_or_else(overflow)?;
    order.status = OrderStatus::Executed;
    state.put(beneficiary_key, &beneficiary);
    state.put(keys::order(programme_id, order_id), &order);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::DisbursementExecuted {
        programme_id,
        order_id,
        beneficiary: order.beneficiary,
        amount_cents: order.amount_cents,
    }])
}

/// The order's beneficiary entry if the order can still be paid, or why it
/// lapsed: the programme's window has ended, or the beneficiary (or, where
/// residency is required, its residency) was revoked since the order.
fn payable_beneficiary<S: StateRead>(
    state: &Overlay<'_, S>,
    context: &BlockContext,
    programme: &Programme,
    programme_id: u64,
    order: &Order,
) -> Result<Result<Beneficiary, Code>, Failure> {
    if context.time_ms >= programme.rules.ends_at_ms {
        return Ok(Err(Code::OutsideValidity));
    }
    // Revoked and enrolled again since the order counts as revoked: the
    // order was made under the earlier enrolment.
    let checked = live_beneficiary(state, programme_id, &order.beneficiary).and_then(|entry| {
        if entry.enrolment != order.beneficiary_enrolment {
            return Err(Code::BeneficiaryRevoked.into());
        }
        if programme.rules.residency_required {
            let resident =
                require_resident(state, &programme.rules.collectivity, &order.beneficiary)?;
            if resident.enrolment != order.resident_enrolment {
                return Err(Code::ResidentRevoked.into());
            }
        }
        Ok(entry)
    });
    match checked {
        Ok(entry) => Ok(Ok(entry)),
        Err(Failure::Rule(code) | Failure::Recorded { code, .. }) => Ok(Err(code)),
        Err(fault) => Err(fault),
    }
}

/// Records a lapsed order: its reserve returns to the budget, and the
/// execution's receipt fails with `code` while keeping that change.
fn lapse<S: StateRead>(
    state: &mut Overlay<'_, S>,
    mut programme: Programme,
    programme_id: u64,
    order_id: u64,
    mut order: Order,
    code: Code,
) -> Outcome {
    release_reservation(state, &mut programme, programme_id, &order)?;
    order.status = OrderStatus::Lapsed;
    state.put(keys::order(programme_id, order_id), &order);
    state.put(keys::programme(programme_id), &programme);
    Err(Failure::Recorded {
        code,
        events: vec![Event::OrderLapsed {
            programme_id,
            order_id,
            code: code.number(),
        }],
    })
}

/// Moves a pending order's amount from reserved back to unreserved and frees
/// it from the beneficiary's cap for its period. The caller writes `programme`.
pub(crate) fn release_reservation<S: StateRead>(
    state: &mut Overlay<'_, S>,
    programme: &mut Programme,
    programme_id: u64,
    order: &Order,
) -> Result<(), Failure> {
    programme.reserved_cents = programme
        .reserved_cents
        .checked_sub(order.amount_cents)
        .ok_or_else(overflow)?;
    programme.unreserved_cents = programme
        .unreserved_cents
        .checked_add(order.amount_cents)
        .ok_or_else(overflow)?;
    let beneficiary_key = keys::beneficiary(programme_id, &order.beneficiary);
    if let Some(mut beneficiary) = state.get::<Beneficiary>(&beneficiary_key)?
        && beneficiary.period == order.period
    {
        beneficiary.ordered_in_period_cents = beneficiary
            .ordered_in_period_cents
            .saturating_sub(order.amount_cents);
        state.put(beneficiary_key, &beneficiary);
    }
    Ok(())
}

/// Rejects an order (comptable ≠ ordonnateur): reserve → unreserved, cap freed.
pub fn reject_order<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: RejectOrder,
) -> Outcome {
    let RejectOrder {
        programme_id,
        order_id,
        reason_code,
    } = action;
    let mut programme = open_programme(state, programme_id)?;
    let mut order = pending_order(state, context, signer, &programme, programme_id, order_id)?;
    release_reservation(state, &mut programme, programme_id, &order)?;
    order.status = OrderStatus::Rejected;
    state.put(keys::order(programme_id, order_id), &order);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::DisbursementRejected {
        programme_id,
        order_id,
        reason_code,
    }])
}

/// A beneficiary spends at a merchant accredited for one of the programme's categories.
pub fn spend<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: Spend,
) -> Outcome {
    let Spend {
        programme_id,
        merchant,
        amount_cents,
    } = action;
    let mut programme = active_programme(state, programme_id)?;
    if amount_cents == 0 {
        return Err(Code::InvalidAmount.into());
    }
    let mut beneficiary = live_beneficiary(state, programme_id, signer)?;
    let authorisation = authorise(
        state,
        &merchant,
        Role::Merchant,
        &scope_of(&programme, programme_id),
        context.time_ms,
    )
    .map_err(|failure| match failure {
        Failure::Rule(_) => Failure::Rule(Code::MerchantNotAccredited),
        fault => fault,
    })?;
    if !authorisation
        .grant
        .categories
        .iter()
        .any(|c| programme.rules.categories.contains(c))
    {
        return Err(Code::MerchantNotAccredited.into());
    }
    beneficiary.balance_cents = beneficiary
        .balance_cents
        .checked_sub(amount_cents)
        .ok_or(Failure::Rule(Code::InsufficientBalance))?;
    programme.beneficiary_balances_cents = programme
        .beneficiary_balances_cents
        .checked_sub(amount_cents)
        .ok_or_else(overflow)?;
    programme.merchant_balances_cents = programme
        .merchant_balances_cents
        .checked_add(amount_cents)
        .ok_or_else(overflow)?;
    let merchant_key = keys::merchant_balance(programme_id, &merchant);
    let balance = match state.get::<u64>(&merchant_key)? {
        Some(balance) => balance,
        None => {
            let n = programme.merchant_count;
            programme.merchant_count = n.checked_add(1).ok_or_else(overflow)?;
            state.put(keys::merchant_index(programme_id, n), &merchant);
            0
        }
    };
    state.put(
        merchant_key,
        &balance.checked_add(amount_cents).ok_or_else(overflow)?,
    );
    state.put(keys::beneficiary(programme_id, signer), &beneficiary);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::AidSpent {
        programme_id,
        beneficiary: *signer,
        merchant,
        amount_cents,
    }])
}

/// A merchant redeems: its balance becomes a settlement claim on the collectivity.
pub fn redeem<S: StateRead>(
    state: &mut Overlay<'_, S>,
    signer: &AccountId,
    action: Redeem,
) -> Outcome {
    let Redeem {
        programme_id,
        amount_cents,
    } = action;
    let mut programme = programme(state, programme_id)?;
    if amount_cents == 0 {
        return Err(Code::InvalidAmount.into());
    }
    let merchant_key = keys::merchant_balance(programme_id, signer);
    let balance: u64 = state.get(&merchant_key)?.unwrap_or(0);
    let rest = balance
        .checked_sub(amount_cents)
        .ok_or(Failure::Rule(Code::InsufficientBalance))?;
    programme.merchant_balances_cents = programme
        .merchant_balances_cents
        .checked_sub(amount_cents)
        .ok_or_else(overflow)?;
    programme.redeemed_cents = programme
        .redeemed_cents
        .checked_add(amount_cents)
        .ok_or_else(overflow)?;
    state.put(merchant_key, &rest);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::SettlementClaimed {
        programme_id,
        merchant: *signer,
        amount_cents,
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
