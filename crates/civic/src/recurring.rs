//! Recurring disbursements: scheduled once by the ordonnateur, ordered by the
//! chain itself at each period, until suspended.
//!
//! At the start of every block ([`begin_block`]), each active schedule whose
//! next period has come is ordered for the current period, exactly as if its
//! ordonnateur had sent `OrderDisbursement` (same checks: role still held,
//! window, beneficiary, cap, budget), then moves to the next period. An order
//! that fails a rule is skipped for that period, with an event saying why; it
//! never stops the block. A schedule is ordered at most once per period, however
//! many periods passed without a block (no catch-up of missed periods: aid is
//! for the present period).
//!
//! **Bounded work per block.** A monthly run for 50,000 beneficiaries cannot
//! happen in one block without blowing past the consensus timeouts, so the work
//! goes through a deterministic queue in state and at most
//! [`RECURRING_STEPS_PER_BLOCK_MAX`] schedules are looked at per block. Each
//! programme has a [`RecurringRun`] (table `0x3a`): the period being ordered
//! and the next schedule id to look at. The [`RecurringQueue`] (table `0x3b`)
//! lists the programmes whose run is unfinished, first queued first. Each block:
//! 1. for each programme with schedules, in the index's order, that is open: if
//!    its period has moved past its run's, the run restarts at schedule 0 for
//!    the new period (schedules not reached in the old period are not caught
//!    up); if the run is behind the programme's schedule count (a new period, or
//!    a schedule added since), the programme is queued unless it already is;
//! 2. the queue is worked through from its front, schedules by increasing id,
//!    one step per schedule looked at (a programme no longer open costs one step
//!    and leaves the queue), until the steps are used up; a finished run leaves
//!    the queue. What is left goes on in the next block, in the same order.
//!
//! So every due schedule is ordered exactly once per period, in schedule order,
//! within a programme and across programmes in queue order; with no bound
//! (`steps_max = usize::MAX`) the result is the former all-at-once run.
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

/// Most schedules looked at by the recurring hook in one block.
pub const RECURRING_STEPS_PER_BLOCK_MAX: usize = 1_024;

/// Programmes that have schedules (the hook's index).
type ScheduledProgrammes = BoundedVec<u64, SCHEDULED_PROGRAMMES_MAX>;

/// Where a programme's recurring run stands (table `0x3a`, per programme).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RecurringRun {
    /// The period being ordered (or last ordered).
    pub period: u64,
    /// The next schedule id to look at; the run is finished when it reaches
    /// the programme's schedule count.
    pub next_schedule: u64,
}

/// The recurring queue (table `0x3b`, single entry): ids of programmes whose
/// run is unfinished, in the order they are worked through. A programme is in
/// it at most once, so it holds at most [`SCHEDULED_PROGRAMMES_MAX`] ids.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RecurringQueue {
    /// Programme ids, front first.
    pub programmes: BoundedVec<u64, SCHEDULED_PROGRAMMES_MAX>,
}

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

/// The block hook: orders due schedules, at most
/// [`RECURRING_STEPS_PER_BLOCK_MAX`] looked at (module doc). Runs in its own
/// transaction layers of the overlay; returns the events.
pub fn begin_block<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
) -> Result<Vec<Event>, StateFault> {
    begin_block_with_limit(state, context, RECURRING_STEPS_PER_BLOCK_MAX)
}

/// [`begin_block`] with `steps_max` schedules looked at at most (tests compare
/// a bounded run with an unbounded one).
pub fn begin_block_with_limit<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    steps_max: usize,
) -> Result<Vec<Event>, StateFault> {
    let mut queue = enqueue_due(state, context)?;
    let mut events = Vec::new();
    let mut steps = 0usize;
    while let Some(programme_id) = queue.programmes.first().copied() {
        if steps >= steps_max {
            break;
        }
        let finished = work_on(
            state,
            context,
            programme_id,
            steps_max,
            &mut steps,
            &mut events,
        )?;
        if !finished {
            break;
        }
        queue.programmes =
            BoundedVec::try_from_vec(queue.programmes.iter().skip(1).copied().collect())
                .unwrap_or_default();
    }
    let key = keys::recurring_queue();
    if queue.programmes.is_empty() {
        if state.contains(&key)? {
            state.delete(key);
        }
    } else {
        state.put(key, &queue);
    }
    state.commit_transaction();
    Ok(events)
}

/// Step 1 of the module doc: restarts runs whose period has moved on and
/// queues the programmes whose run is behind. Returns the queue.
fn enqueue_due<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
) -> Result<RecurringQueue, StateFault> {
    let index: ScheduledProgrammes = state
        .get(&keys::scheduled_programmes())?
        .unwrap_or_default();
    let mut queue: RecurringQueue = state.get(&keys::recurring_queue())?.unwrap_or_default();
    for programme_id in index.iter().copied() {
        let Some(programme) = state.get::<Programme>(&keys::programme(programme_id))? else {
            continue;
        };
        if programme.status != ProgrammeStatus::Open {
            continue;
        }
        let period = programme.period_of(context.time_ms);
        let run_key = keys::recurring_run(programme_id);
        let stored: Option<RecurringRun> = state.get(&run_key)?;
        let run = match stored {
            Some(run) if run.period >= period => run,
            _ => RecurringRun {
                period,
                next_schedule: 0,
            },
        };
        if stored != Some(run) {
            state.put(run_key, &run);
        }
        if run.next_schedule < programme.next_schedule && !queue.programmes.contains(&programme_id)
        {
            // At most one entry per programme of the index: never full.
            let _ = queue.programmes.try_push(programme_id);
        }
    }
    state.commit_transaction();
    Ok(queue)
}

/// Step 2 for one programme: looks at its schedules from the run's cursor
/// while steps are left. Returns whether the run is finished (it leaves the queue).
fn work_on<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    programme_id: u64,
    steps_max: usize,
    steps: &mut usize,
    events: &mut Vec<Event>,
) -> Result<bool, StateFault> {
    let programme = state.get::<Programme>(&keys::programme(programme_id))?;
    let Some(programme) = programme.filter(|p| p.status == ProgrammeStatus::Open) else {
        // Closed since it was queued: one step to drop it.
        *steps = steps.saturating_add(1);
        return Ok(true);
    };
    let run_key = keys::recurring_run(programme_id);
    let mut run: RecurringRun = state.get(&run_key)?.unwrap_or_default();
    while run.next_schedule < programme.next_schedule {
        if *steps >= steps_max {
            break;
        }
        *steps = steps.saturating_add(1);
        let schedule_id = run.next_schedule;
        run.next_schedule = schedule_id.saturating_add(1);
        order_schedule(
            state,
            context,
            programme_id,
            schedule_id,
            run.period,
            events,
        )?;
    }
    state.put(run_key, &run);
    state.commit_transaction();
    Ok(run.next_schedule >= programme.next_schedule)
}

/// Orders one schedule for `period` if it is active and due, in its own
/// transaction layer; a refused order is skipped with its reason.
fn order_schedule<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    programme_id: u64,
    schedule_id: u64,
    period: u64,
    events: &mut Vec<Event>,
) -> Result<(), StateFault> {
    let key = keys::schedule(programme_id, schedule_id);
    let Some(mut schedule) = state.get::<Schedule>(&key)? else {
        return Ok(());
    };
    if !schedule.active || schedule.next_period > period {
        return Ok(());
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
    Ok(())
}
