//! Recurring disbursements: scheduled once by the ordonnateur, ordered by the
//! chain itself at each period, until suspended.
//!
//! At the start of every block ([`begin_block`]), for each programme with
//! schedules, each active schedule whose next period has come is ordered for the
//! current period, exactly as if its ordonnateur had sent `OrderDisbursement`
//! (same checks: role still held, window, beneficiary, cap, budget), then moves to
//! the next period. An order that fails a rule is skipped for that period, with an
//! event saying why; it never stops the block. A schedule is ordered at most once
//! per period, however many periods passed without a block (no catch-up of missed
//! periods: aid is for the present period).

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, BoundedVec};

use crate::action::{OrderDisbursement, ScheduleRecurring, SuspendRecurring};
use crate::aid::{self, Programme, ProgrammeStatus};
use crate::authority::authorise;
use crate::codes::Code;
use crate::handler::BlockContext;
use crate::handler::Failure;
use crate::handler::Outcome;
use crate::keys;
use crate::model::Role;
use crate::receipt::Event;
use crate::state::{Overlay, StateFault, StateRead};

/// Most programmes with recurring schedules.
pub const SCHEDULED_PROGRAMMES_MAX: usize = 4_096;

/// A recurring disbursement.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Schedule {
    /// The beneficiary's account: a pseudonym serving this programme only.
    pub beneficiary: AccountId,
    /// Amount ordered each period, in cents.
    pub amount_cents: u64,
    /// The ordonnateur on whose authority orders are made.
    pub orderer: AccountId,
    /// The first period not yet ordered.
    pub next_period: u64,
    /// False once suspended.
    pub active: bool,
}

/// Programmes that have schedules (the hook's index).
type ScheduledProgrammes = BoundedVec<u64, SCHEDULED_PROGRAMMES_MAX>;

/// Schedules a recurring disbursement (ordonnateur).
pub fn schedule<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: ScheduleRecurring,
) -> Outcome {
    let ScheduleRecurring {
        programme_id,
        beneficiary,
        amount_cents,
    } = action;
    let mut programme = aid::active_programme(state, programme_id)?;
    let scope = aid::scope_of(&programme, programme_id);
    authorise(
        state,
        signer,
        Role::AidAdministrator,
        &scope,
        context.time_ms,
    )?;
    if amount_cents == 0 || amount_cents > programme.rules.cap_per_period_cents {
        return Err(Code::InvalidAmount.into());
    }
    aid::live_beneficiary(state, programme_id, &beneficiary)?;
    let schedule_id = programme.next_schedule;
    programme.next_schedule = schedule_id
        .checked_add(1)
        .ok_or(Failure::Rule(Code::Overflow))?;
    let schedule = Schedule {
        beneficiary,
        amount_cents,
        orderer: *signer,
        next_period: programme.period_of(context.time_ms),
        active: true,
    };
    let mut index: ScheduledProgrammes = state
        .get(&keys::scheduled_programmes())?
        .unwrap_or_default();
    if !index.contains(&programme_id) {
        index
            .try_push(programme_id)
            .map_err(|_| Failure::Rule(Code::TooManySchedules))?;
        state.put(keys::scheduled_programmes(), &index);
    }
    state.put(keys::schedule(programme_id, schedule_id), &schedule);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::RecurringScheduled {
        programme_id,
        schedule_id,
        beneficiary,
        amount_cents,
    }])
}

/// Suspends a schedule (an AidAdministrator of the programme).
pub fn suspend<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: SuspendRecurring,
) -> Outcome {
    let SuspendRecurring {
        programme_id,
        schedule_id,
    } = action;
    let programme = aid::programme(state, programme_id)?;
    let scope = aid::scope_of(&programme, programme_id);
    authorise(
        state,
        signer,
        Role::AidAdministrator,
        &scope,
        context.time_ms,
    )?;
    let key = keys::schedule(programme_id, schedule_id);
    let mut schedule: Schedule = state
        .get(&key)?
        .ok_or(Failure::Rule(Code::UnknownSchedule))?;
    if !schedule.active {
        return Err(Code::UnknownSchedule.into());
    }
    schedule.active = false;
    state.put(key, &schedule);
    Ok(vec![Event::RecurringSuspended {
        programme_id,
        schedule_id,
    }])
}

/// The block hook: orders every schedule due in the current period. Runs in its
/// own transaction layers of the overlay; returns the events.
pub fn begin_block<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
) -> Result<Vec<Event>, StateFault> {
    let index: ScheduledProgrammes = state
        .get(&keys::scheduled_programmes())?
        .unwrap_or_default();
    let mut events = Vec::new();
    for programme_id in index.iter().copied() {
        let Some(programme) = state.get::<Programme>(&keys::programme(programme_id))? else {
            continue;
        };
        if programme.status != ProgrammeStatus::Open {
            continue;
        }
        let period = programme.period_of(context.time_ms);
        for schedule_id in 0..programme.next_schedule {
            let key = keys::schedule(programme_id, schedule_id);
            let Some(mut schedule) = state.get::<Schedule>(&key)? else {
                continue;
            };
            if !schedule.active || schedule.next_period > period {
                continue;
            }
            let ordered = aid::order(
                state,
                context,
                &schedule.orderer,
                OrderDisbursement {
                    programme_id,
                    beneficiary: schedule.beneficiary,
                    amount_cents: schedule.amount_cents,
                },
            );
            match ordered {
                Ok(mut ordered_events) => {
                    state.commit_transaction();
                    events.append(&mut ordered_events);
                }
                Err(Failure::Rule(code) | Failure::Recorded { code, .. }) => {
                    state.rollback_transaction();
                    events.push(Event::RecurringSkipped {
                        programme_id,
                        schedule_id,
                        period,
                        code: code.number(),
                    });
                }
                Err(Failure::Fault(corrupt)) => return Err(corrupt),
            }
            schedule.next_period = period.saturating_add(1);
            state.put(key, &schedule);
            state.commit_transaction();
        }
    }
    Ok(events)
}
