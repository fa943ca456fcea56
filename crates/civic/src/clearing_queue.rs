//! The energy clearing hook, bounded: slots clear at gate closure, at most
//! [`CLEARING_STEPS_PER_BLOCK_MAX`] per block.
//!
//! At the start of every block, each community's pending slots whose start has
//! come (gate closure) are cleared by the double auction ([`crate::clearing`]),
//! one step per slot (a slot holds at most `SLOT_ORDERS_MAX` orders, so a step
//! is bounded too). Gate closure for thousands of slots at once — many
//! communities, or a chain that made no block for a while — cannot all clear
//! in one block without blowing past the consensus timeouts, so the hook stops
//! after [`CLEARING_STEPS_PER_BLOCK_MAX`] slots and goes on in the next block.
//!
//! **Order.** Communities in the order of their index (creation order), each
//! community's due slots in increasing slot order. A block that leaves due
//! slots over records the community it stopped in under the clearing cursor
//! (table `0x47`); the next block starts from that community and wraps round
//! the index, so no community waits behind others for more than one pass. The
//! cursor is deleted once a block clears everything due, so a chain that never
//! falls behind never stores one.
//!
//! Clearing later changes no result: once the gate is closed no order can be
//! placed or cancelled, so a slot's orders, and so its clearing, are the same
//! whichever block clears it. Until it is cleared, a slot cannot be settled.

use civitas_types::BoundedVec;

use crate::clearing::{self, Bid};
use crate::energy::{COMMUNITIES_MAX, Community, SlotBook};
use crate::figures::SlotFigures;
use crate::handler::BlockContext;
use crate::keys;
use crate::receipt::Event;
use crate::state::{Overlay, StateFault, StateRead};

/// Most slots cleared by the clearing hook in one block.
pub const CLEARING_STEPS_PER_BLOCK_MAX: usize = 4_096;

/// The clearing hook with the protocol's bound (module doc).
pub fn begin_block<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
) -> Result<Vec<Event>, StateFault> {
    begin_block_with_limit(state, context, CLEARING_STEPS_PER_BLOCK_MAX)
}

/// The clearing hook clearing at most `steps_max` slots (tests compare a
/// bounded run with an unbounded one).
pub fn begin_block_with_limit<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    steps_max: usize,
) -> Result<Vec<Event>, StateFault> {
    let index: BoundedVec<u64, COMMUNITIES_MAX> =
        state.get(&keys::communities())?.unwrap_or_default();
    let cursor_key = keys::clearing_cursor();
    let cursor: Option<u64> = state.get(&cursor_key)?;
    let start = cursor
        .and_then(|from| index.iter().position(|id| *id == from))
        .unwrap_or(0);
    let (before, after) = index.split_at(start.min(index.len()));
    let mut events = Vec::new();
    let mut steps = 0usize;
    let mut stopped_in = None;
    for community_id in after.iter().chain(before).copied() {
        let finished = clear_due(
            state,
            context,
            community_id,
            steps_max,
            &mut steps,
            &mut events,
        )?;
        if !finished {
            stopped_in = Some(community_id);
            break;
        }
    }
    match stopped_in {
        Some(community_id) => state.put(cursor_key, &community_id),
        None if cursor.is_some() => state.delete(cursor_key),
        None => {}
    }
    state.commit_transaction();
    Ok(events)
}

/// Clears `community_id`'s due slots in increasing order while steps are
/// left; returns whether none is left due.
fn clear_due<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    community_id: u64,
    steps_max: usize,
    steps: &mut usize,
    events: &mut Vec<Event>,
) -> Result<bool, StateFault> {
    let Some(mut community) = state.get::<Community>(&keys::community(community_id))? else {
        return Ok(true);
    };
    let due_count = community
        .pending_slots
        .iter()
        .take_while(|slot| community.slot_start(**slot) <= context.time_ms)
        .count();
    if due_count == 0 {
        return Ok(true);
    }
    let room = steps_max.saturating_sub(*steps);
    let clearing_now = due_count.min(room);
    if clearing_now == 0 {
        return Ok(false);
    }
    // Pending slots are kept increasing, so the due ones are a prefix.
    for slot in community.pending_slots.iter().take(clearing_now).copied() {
        clear_slot(state, community_id, slot, events)?;
    }
    *steps = steps.saturating_add(clearing_now);
    let later: Vec<u64> = community
        .pending_slots
        .iter()
        .skip(clearing_now)
        .copied()
        .collect();
    community.pending_slots = BoundedVec::try_from_vec(later).unwrap_or_default();
    state.put(keys::community(community_id), &community);
    state.commit_transaction();
    Ok(clearing_now == due_count)
}

/// Runs the auction of one slot and records its result.
fn clear_slot<S: StateRead>(
    state: &mut Overlay<'_, S>,
    community_id: u64,
    slot: u64,
    events: &mut Vec<Event>,
) -> Result<(), StateFault> {
    let key = keys::slot_book(community_id, slot);
    let mut book: SlotBook = state.get(&key)?.unwrap_or_default();
    let bids: Vec<Bid> = book
        .orders
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.cancelled)
        .filter_map(|(number, o)| {
            Some(Bid {
                number: u32::try_from(number).ok()?,
                side: o.side,
                energy_wh: o.energy_wh,
                limit_price: o.limit_price,
            })
        })
        .collect();
    let clearing = clearing::clear(&bids);
    events.push(Event::SlotCleared {
        community_id,
        slot,
        price: clearing.price,
        volume_wh: clearing.volume_wh,
    });
    state.put(
        keys::slot_figures(community_id, slot),
        &SlotFigures::cleared(&clearing),
    );
    book.clearing = Some(clearing);
    state.put(key, &book);
    Ok(())
}
