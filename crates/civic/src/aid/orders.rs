//! Disbursement orders: ordered by an ordonnateur (reserving budget), then
//! executed or rejected by a comptable who is nobody behind the order; an order
//! that can no longer be paid lapses at execution and releases its reserve.

use civitas_types::AccountId;

use super::*;
use crate::authority::authorise;
use crate::codes::Code;
use crate::figures::{self, Flow};
use crate::handler::{BlockContext, Failure, Outcome, overflow};
use crate::keys;
use crate::model::Role;
use crate::receipt::Event;
use crate::state::{Overlay, StateRead};

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
    figures::record(state, programme_id, period, Flow::Reserved, amount_cents)?;
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
    let period = programme.period_of(context.time_ms);
    let mut beneficiary =
        match payable_beneficiary(state, context, &programme, programme_id, &order)? {
            Ok(entry) => entry,
            Err(code) => {
                let lapsed = Lapsed {
                    programme_id,
                    order_id,
                    period,
                    code,
                };
                return lapse(state, programme, order, lapsed);
            }
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
    figures::record(
        state,
        programme_id,
        period,
        Flow::Executed,
        order.amount_cents,
    )?;
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

/// Which order lapsed, in which period of block time, and why.
struct Lapsed {
    programme_id: u64,
    order_id: u64,
    period: u64,
    code: Code,
}

/// Records a lapsed order: its reserve returns to the budget, and the
/// execution's receipt fails with `code` while keeping that change.
fn lapse<S: StateRead>(
    state: &mut Overlay<'_, S>,
    mut programme: Programme,
    mut order: Order,
    lapsed: Lapsed,
) -> Outcome {
    let Lapsed {
        programme_id,
        order_id,
        period,
        code,
    } = lapsed;
    release_reservation(state, &mut programme, programme_id, period, &order)?;
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

/// Moves a pending order's amount from reserved back to unreserved, adds it
/// to the figures of `period` (the period of block time, not the order's), and
/// frees it from the beneficiary's cap for the order's period. The caller
/// writes `programme`.
pub(crate) fn release_reservation<S: StateRead>(
    state: &mut Overlay<'_, S>,
    programme: &mut Programme,
    programme_id: u64,
    period: u64,
    order: &Order,
) -> Result<(), Failure> {
    figures::record(
        state,
        programme_id,
        period,
        Flow::Released,
        order.amount_cents,
    )?;
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
    let period = programme.period_of(context.time_ms);
    release_reservation(state, &mut programme, programme_id, period, &order)?;
    order.status = OrderStatus::Rejected;
    state.put(keys::order(programme_id, order_id), &order);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::DisbursementRejected {
        programme_id,
        order_id,
        reason_code,
    }])
}
