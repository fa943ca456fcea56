//! Closing a programme, spread over blocks so that no block does unbounded work.
//!
//! `CloseProgramme` stops a programme at once (status `Closing`: no order,
//! execution, spending or schedule; merchants still redeem) and queues it here.
//! From the block after the close, at the start of every block
//! ([`begin_block`]) the sweep visits at most
//! [`CLOSING_STEPS_PER_BLOCK`] orders and beneficiaries, in queue order, then
//! order-id and enrolment order: each pending order is cancelled and its reserve
//! returned to the unreserved budget (`OrderCancelled`); each beneficiary's
//! unspent balance is returned to the unreserved budget and zeroed. When a
//! programme's last order and beneficiary are visited it becomes `Closed`
//! (`ProgrammeClosed`, with the total returned). Every step moves money between
//! two places of the conservation law, so the law holds after every block, and
//! is added to the programme's figures for the period of the block's time
//! (released and returned, [`crate::figures`]).

use civitas_types::{AccountId, BoundedVec};

use crate::aid::{
    self, Beneficiary, ClosingCursor, Order, OrderStatus, Programme, ProgrammeStatus,
};
use crate::codes::Code;
use crate::figures::{self, Flow};
use crate::handler::{BlockContext, Failure, overflow};
use crate::keys;
use crate::receipt::Event;
use crate::state::{Overlay, StateFault, StateRead};

/// Most programmes closing at once (the sweep's queue).
pub const CLOSING_PROGRAMMES_MAX: usize = 1_024;
/// Orders and beneficiaries the sweep visits per block, all programmes together.
pub const CLOSING_STEPS_PER_BLOCK: u64 = 1_024;

type ClosingProgrammes = BoundedVec<u64, CLOSING_PROGRAMMES_MAX>;

/// Queues a programme for the sweep.
pub(crate) fn begin<S: StateRead>(
    state: &mut Overlay<'_, S>,
    programme_id: u64,
) -> Result<(), Failure> {
    let mut queue: ClosingProgrammes = state.get(&keys::closing_programmes())?.unwrap_or_default();
    queue
        .try_push(programme_id)
        .map_err(|_| Failure::Rule(Code::TooManyClosingProgrammes))?;
    state.put(keys::closing_programmes(), &queue);
    Ok(())
}

/// The block hook: advances the sweep by at most [`CLOSING_STEPS_PER_BLOCK`] steps.
pub fn begin_block<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
) -> Result<Vec<Event>, StateFault> {
    let queue: ClosingProgrammes = state.get(&keys::closing_programmes())?.unwrap_or_default();
    if queue.is_empty() {
        return Ok(Vec::new());
    }
    let mut budget = CLOSING_STEPS_PER_BLOCK;
    let mut events = Vec::new();
    let mut still_closing = Vec::with_capacity(queue.len());
    for programme_id in queue.iter().copied() {
        let finished = budget > 0 && sweep(state, context, programme_id, &mut budget, &mut events)?;
        if !finished {
            still_closing.push(programme_id);
        }
    }
    let queue = ClosingProgrammes::try_from_vec(still_closing).unwrap_or_default();
    state.put(keys::closing_programmes(), &queue);
    state.commit_transaction();
    Ok(events)
}

/// Sweeps one programme within `budget`; true once it is closed.
fn sweep<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    programme_id: u64,
    budget: &mut u64,
    events: &mut Vec<Event>,
) -> Result<bool, StateFault> {
    let key = keys::programme(programme_id);
    let Some(mut programme) = state.get::<Programme>(&key)? else {
        return Ok(true);
    };
    let mut cursor = programme.closing.unwrap_or_default();
    if context.height <= cursor.closed_at_height {
        return Ok(false);
    }
    let period = programme.period_of(context.time_ms);
    let mut sweep = Sweep {
        programme_id,
        period,
        cursor: &mut cursor,
        budget,
    };
    let swept = cancel_orders(state, &mut programme, &mut sweep, events)
        .and_then(|()| return_balances(state, &mut programme, &mut sweep));
    match swept {
        Ok(()) => {}
        Err(Failure::Fault(fault)) => return Err(fault),
        Err(Failure::Rule(code) | Failure::Recorded { code, .. }) => {
            return Err(StateFault::Inconsistent {
                key: crate::state::hex_of(&key),
                reason: code.reason(),
            });
        }
    }
    let finished = cursor.next_order >= programme.next_order
        && cursor.next_beneficiary >= programme.beneficiary_count;
    if finished {
        programme.status = ProgrammeStatus::Closed;
        programme.closing = None;
        events.push(Event::ProgrammeClosed {
            programme_id,
            returned_cents: cursor.returned_cents,
        });
    } else {
        programme.closing = Some(cursor);
    }
    state.put(key, &programme);
    Ok(finished)
}

/// One programme's sweep in this block: where it stands and what is left of
/// the block's step budget.
struct Sweep<'s> {
    programme_id: u64,
    /// The period of the block's time, the one the figures count the moves in.
    period: u64,
    cursor: &'s mut ClosingCursor,
    budget: &'s mut u64,
}

/// Cancels the pending orders the budget reaches.
fn cancel_orders<S: StateRead>(
    state: &mut Overlay<'_, S>,
    programme: &mut Programme,
    sweep: &mut Sweep<'_>,
    events: &mut Vec<Event>,
) -> Result<(), Failure> {
    let (programme_id, period) = (sweep.programme_id, sweep.period);
    let cursor = &mut *sweep.cursor;
    let budget = &mut *sweep.budget;
    while cursor.next_order < programme.next_order && *budget > 0 {
        let order_id = cursor.next_order;
        cursor.next_order = order_id.checked_add(1).ok_or_else(overflow)?;
        *budget = budget.saturating_sub(1);
        let key = keys::order(programme_id, order_id);
        let Some(mut order) = state.get::<Order>(&key)? else {
            continue;
        };
        if order.status != OrderStatus::Pending {
            continue;
        }
        aid::release_reservation(state, programme, programme_id, period, &order)?;
        order.status = OrderStatus::Cancelled;
        state.put(key, &order);
        cursor.returned_cents = cursor
            .returned_cents
            .checked_add(order.amount_cents)
            .ok_or_else(overflow)?;
        events.push(Event::OrderCancelled {
            programme_id,
            order_id,
            amount_cents: order.amount_cents,
        });
    }
    Ok(())
}

/// Returns the unspent balances of the beneficiaries the budget reaches.
fn return_balances<S: StateRead>(
    state: &mut Overlay<'_, S>,
    programme: &mut Programme,
    sweep: &mut Sweep<'_>,
) -> Result<(), Failure> {
    let (programme_id, period) = (sweep.programme_id, sweep.period);
    let cursor = &mut *sweep.cursor;
    let budget = &mut *sweep.budget;
    while cursor.next_beneficiary < programme.beneficiary_count && *budget > 0 {
        let n = cursor.next_beneficiary;
        cursor.next_beneficiary = n.checked_add(1).ok_or_else(overflow)?;
        *budget = budget.saturating_sub(1);
        let Some(account) = state.get::<AccountId>(&keys::beneficiary_index(programme_id, n))?
        else {
            continue;
        };
        let key = keys::beneficiary(programme_id, &account);
        let Some(mut beneficiary) = state.get::<Beneficiary>(&key)? else {
            continue;
        };
        let balance = beneficiary.balance_cents;
        if balance == 0 {
            continue;
        }
        programme.beneficiary_balances_cents = programme
            .beneficiary_balances_cents
            .checked_sub(balance)
            .ok_or_else(overflow)?;
        programme.unreserved_cents = programme
            .unreserved_cents
            .checked_add(balance)
            .ok_or_else(overflow)?;
        cursor.returned_cents = cursor
            .returned_cents
            .checked_add(balance)
            .ok_or_else(overflow)?;
        beneficiary.balance_cents = 0;
        figures::record(state, programme_id, period, Flow::Returned, balance)?;
        state.put(key, &beneficiary);
    }
    Ok(())
}
