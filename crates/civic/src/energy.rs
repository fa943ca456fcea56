//! The local energy community (autoconsommation collective): communities,
//! meters, orders for future slots, clearing at gate closure (block hook),
//! operator attestations, settlement. The auction and the settlement formulas
//! are in [`crate::clearing`]; what settling a slot books, one line per meter
//! and side, in [`settlement`].
//!
//! Everything about one slot lives in one value, its [`SlotBook`], so the hook
//! and the settlement read and write it at once. Its public totals (price,
//! volume, then the settlement's money) are also kept apart, in a
//! [`SlotFigures`](crate::figures::SlotFigures) (table `0x48`), written when the
//! slot clears and when it settles, so a portal proves them without the book's
//! per-meter data. Money is in millicents, energy
//! in Wh, prices in millicents per Wh (numerically cents per kWh).

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, BoundedVec, Hash};

use crate::action::{
    AttestMeter, CancelEnergyOrder, CreateCommunity, PlaceEnergyOrder, RegisterMeter, SettleSlot,
};
use crate::authority::authorise;
use crate::clearing::{Clearing, Line, Side};
use crate::codes::Code;
use crate::figures::SlotFigures;
use crate::handler::BlockContext;
use crate::handler::Outcome;
use crate::handler::{Failure, overflow};
use crate::keys;
use crate::model::{Collectivity, Role, Scope, Siren};
use crate::pseudonyms;
use crate::receipt::Event;
use crate::state::{Overlay, StateFault, StateRead};

pub mod settlement;

pub use settlement::{MeterLine, Settlement};

/// Most orders in one slot.
pub const SLOT_ORDERS_MAX: usize = 1_024;
/// How far ahead orders may be placed, in slots.
pub const SLOTS_AHEAD_MAX: u64 = 7 * 48;
/// Most communities (the clearing hook's index).
pub const COMMUNITIES_MAX: usize = 1_024;
/// Most slots of one community waiting to be cleared.
pub const PENDING_SLOTS_MAX: usize = 1_024;
/// Highest limit or community price, millicents per Wh (100 €/kWh).
pub const PRICE_MAX: u64 = 10_000;
/// Largest quantity in one order or attestation, Wh (10 MWh).
pub const ENERGY_WH_MAX: u64 = 10_000_000;

/// A community's rules and bookkeeping.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Community {
    /// SIREN of the collectivity (the public identifier of a public body).
    pub collectivity: Siren,
    /// Slot length (e.g. 30 minutes).
    pub slot_ms: u64,
    /// Start of slot 0 (block time, ms).
    pub first_slot_ms: u64,
    /// Price at which the grid sells (shortfalls), millicents per Wh.
    pub grid_price: u64,
    /// Price at which the grid buys (excess), millicents per Wh.
    pub feed_in_price: u64,
    /// Next meter id.
    pub next_meter: u64,
    /// Slots with orders not yet cleared, increasing.
    pub pending_slots: BoundedVec<u64, PENDING_SLOTS_MAX>,
}

impl Community {
    /// Start of `slot` (saturating).
    pub fn slot_start(&self, slot: u64) -> u64 {
        self.first_slot_ms
            .saturating_add(slot.saturating_mul(self.slot_ms))
    }

    /// The slot containing block time `now_ms`.
    pub fn slot_at(&self, now_ms: u64) -> u64 {
        now_ms
            .saturating_sub(self.first_slot_ms)
            .checked_div(self.slot_ms)
            .unwrap_or(0)
    }
}

/// A meter: a commitment to its meter point id (never in clear) and its owner.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Meter {
    /// Salted hash of the meter point id (PRM), kept by the operator.
    pub commitment: Hash,
    /// The account that trades for it.
    pub owner: AccountId,
}

/// One order of a slot.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EnergyOrder {
    /// Meter id within the community, in order of registration (0, 1, …).
    pub meter_id: u64,
    /// `Buy` (takes energy) or `Sell` (offers it).
    pub side: Side,
    /// Quantity, Wh.
    pub energy_wh: u64,
    /// Limit price, millicents per Wh.
    pub limit_price: u64,
    /// Cancelled before gate closure.
    pub cancelled: bool,
}

/// An operator's measurement of one meter for a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Attestation {
    /// Meter id within the community, in order of registration (0, 1, …).
    pub meter_id: u64,
    /// Energy produced (exported), Wh.
    pub produced_wh: u64,
    /// Energy consumed (imported), Wh.
    pub consumed_wh: u64,
}

/// Everything about one slot.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SlotBook {
    /// Orders; an order's number is its position.
    pub orders: BoundedVec<EnergyOrder, SLOT_ORDERS_MAX>,
    /// The auction's result, once cleared.
    pub clearing: Option<Clearing>,
    /// Attestations, one per meter.
    pub attestations: BoundedVec<Attestation, SLOT_ORDERS_MAX>,
    /// Whether the slot was settled.
    pub settled: bool,
}

/// Money owed to and by one account in a community, millicents (settled off-chain).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EnergyAccount {
    /// Owed to the account.
    pub credit: u64,
    /// Owed by the account.
    pub debit: u64,
}

type Communities = BoundedVec<u64, COMMUNITIES_MAX>;

fn community<S: StateRead>(state: &Overlay<'_, S>, id: u64) -> Result<Community, Failure> {
    state
        .get(&keys::community(id))?
        .ok_or(Failure::Rule(Code::UnknownCommunity))
}

fn operator<S: StateRead>(
    state: &Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    community: &Community,
    id: u64,
) -> Result<(), Failure> {
    let scope = Scope::Community(community.collectivity, id);
    authorise(state, signer, Role::EnergyOperator, &scope, context.time_ms).map(|_| ())
}

/// Creates a community; the signer is an EnergyOperator of the collectivity.
pub fn create_community<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: CreateCommunity,
) -> Outcome {
    let CreateCommunity {
        collectivity,
        slot_ms,
        first_slot_ms,
        grid_price,
        feed_in_price,
    } = action;
    if state
        .get::<Collectivity>(&keys::collectivity(&collectivity))?
        .is_none()
    {
        return Err(Code::UnknownCollectivity.into());
    }
    authorise(
        state,
        signer,
        Role::EnergyOperator,
        &Scope::Collectivity(collectivity),
        context.time_ms,
    )?;
    if slot_ms == 0 || grid_price > PRICE_MAX || feed_in_price > grid_price {
        return Err(Code::InvalidCommunity.into());
    }
    let id: u64 = state.get(&keys::community_counter())?.unwrap_or(0);
    state.put(
        keys::community_counter(),
        &id.checked_add(1).ok_or_else(overflow)?,
    );
    let mut index: Communities = state.get(&keys::communities())?.unwrap_or_default();
    index
        .try_push(id)
        .map_err(|_| Failure::Rule(Code::InvalidCommunity))?;
    state.put(keys::communities(), &index);
    let community = Community {
        collectivity,
        slot_ms,
        first_slot_ms,
        grid_price,
        feed_in_price,
        next_meter: 0,
        pending_slots: BoundedVec::new(),
    };
    state.put(keys::community(id), &community);
    Ok(vec![Event::CommunityCreated { community_id: id }])
}

/// Registers a meter (operator).
pub fn register_meter<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: RegisterMeter,
) -> Outcome {
    let RegisterMeter {
        community_id,
        commitment,
        owner,
    } = action;
    let mut community = community(state, community_id)?;
    operator(state, context, signer, &community, community_id)?;
    // One meter per meter point: a second meter would let its owner sell the
    // same production twice, attested twice. Chain-wide: a meter point that
    // joins another community is registered with a fresh salt, so a reused
    // commitment can only be a duplicate or a link between two pseudonyms.
    let by_commitment = keys::meter_commitment(&commitment);
    if state.contains(&by_commitment)? {
        return Err(Code::DuplicateMeter.into());
    }
    // The owner's key serves this community only (docs/privacy.md).
    let scope = Scope::Community(community.collectivity, community_id);
    pseudonyms::claim(state, &owner, scope)?;
    let meter_id = community.next_meter;
    community.next_meter = meter_id.checked_add(1).ok_or_else(overflow)?;
    state.put(by_commitment, &(community_id, meter_id));
    state.put(
        keys::meter(community_id, meter_id),
        &Meter { commitment, owner },
    );
    state.put(keys::community(community_id), &community);
    Ok(vec![Event::MeterRegistered {
        community_id,
        meter_id,
        owner,
    }])
}

/// Places an order for a future slot (the meter's owner), before gate closure.
pub fn place_order<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: PlaceEnergyOrder,
) -> Outcome {
    let PlaceEnergyOrder {
        community_id,
        slot,
        meter_id,
        side,
        energy_wh,
        limit_price,
    } = action;
    let mut community = community(state, community_id)?;
    let meter: Meter = state
        .get(&keys::meter(community_id, meter_id))?
        .ok_or(Failure::Rule(Code::UnknownMeter))?;
    if meter.owner != *signer {
        return Err(Code::NotMeterOwner.into());
    }
    if context.time_ms >= community.slot_start(slot) {
        return Err(Code::GateClosed.into());
    }
    if slot
        > community
            .slot_at(context.time_ms)
            .saturating_add(SLOTS_AHEAD_MAX)
    {
        return Err(Code::SlotTooFar.into());
    }
    if energy_wh == 0 || energy_wh > ENERGY_WH_MAX || limit_price > PRICE_MAX {
        return Err(Code::InvalidAmount.into());
    }
    let key = keys::slot_book(community_id, slot);
    let mut book: SlotBook = state.get(&key)?.unwrap_or_default();
    let number = u32::try_from(book.orders.len()).map_err(|_| overflow())?;
    book.orders
        .try_push(EnergyOrder {
            meter_id,
            side,
            energy_wh,
            limit_price,
            cancelled: false,
        })
        .map_err(|_| Failure::Rule(Code::SlotFull))?;
    if !community.pending_slots.contains(&slot) {
        let mut pending = community.pending_slots.to_vec();
        pending.push(slot);
        pending.sort_unstable();
        community.pending_slots =
            BoundedVec::try_from_vec(pending).map_err(|_| Failure::Rule(Code::SlotFull))?;
        state.put(keys::community(community_id), &community);
    }
    state.put(key, &book);
    Ok(vec![Event::EnergyOrderPlaced {
        community_id,
        slot,
        order_number: number,
        side,
        energy_wh,
        limit_price,
    }])
}

/// Cancels an order (its meter's owner), before gate closure.
pub fn cancel_order<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: CancelEnergyOrder,
) -> Outcome {
    let CancelEnergyOrder {
        community_id,
        slot,
        order_number,
    } = action;
    let community = community(state, community_id)?;
    if context.time_ms >= community.slot_start(slot) {
        return Err(Code::GateClosed.into());
    }
    let key = keys::slot_book(community_id, slot);
    let mut book: SlotBook = state
        .get(&key)?
        .ok_or(Failure::Rule(Code::UnknownEnergyOrder))?;
    let mut orders = book.orders.to_vec();
    let order = orders
        .get_mut(usize::try_from(order_number).map_err(|_| overflow())?)
        .filter(|o| !o.cancelled)
        .ok_or(Failure::Rule(Code::UnknownEnergyOrder))?;
    let meter: Meter = state
        .get(&keys::meter(community_id, order.meter_id))?
        .ok_or(Failure::Rule(Code::UnknownMeter))?;
    if meter.owner != *signer {
        return Err(Code::NotMeterOwner.into());
    }
    order.cancelled = true;
    book.orders = BoundedVec::try_from_vec(orders).map_err(|_| overflow())?;
    state.put(key, &book);
    Ok(vec![Event::EnergyOrderCancelled {
        community_id,
        slot,
        order_number,
    }])
}

/// The clearing hook: clears the slots whose gate has closed, at most
/// [`crate::clearing_queue::CLEARING_STEPS_PER_BLOCK_MAX`] per block (the rest
/// in the next blocks; crate::clearing_queue).
pub fn begin_block<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
) -> Result<Vec<Event>, StateFault> {
    crate::clearing_queue::begin_block(state, context)
}

/// The operator attests a meter's production and consumption for an ended slot.
pub fn attest<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: AttestMeter,
) -> Outcome {
    let AttestMeter {
        community_id,
        slot,
        meter_id,
        produced_wh,
        consumed_wh,
    } = action;
    let community = community(state, community_id)?;
    operator(state, context, signer, &community, community_id)?;
    if context.time_ms < community.slot_start(slot.saturating_add(1)) {
        return Err(Code::SlotNotEnded.into());
    }
    if state
        .get::<Meter>(&keys::meter(community_id, meter_id))?
        .is_none()
    {
        return Err(Code::UnknownMeter.into());
    }
    if produced_wh > ENERGY_WH_MAX || consumed_wh > ENERGY_WH_MAX {
        return Err(Code::InvalidAmount.into());
    }
    let key = keys::slot_book(community_id, slot);
    let mut book: SlotBook = state.get(&key)?.unwrap_or_default();
    if book.settled {
        return Err(Code::AlreadySettled.into());
    }
    if book.attestations.iter().any(|a| a.meter_id == meter_id) {
        return Err(Code::AlreadyAttested.into());
    }
    book.attestations
        .try_push(Attestation {
            meter_id,
            produced_wh,
            consumed_wh,
        })
        .map_err(|_| Failure::Rule(Code::SlotFull))?;
    state.put(key, &book);
    Ok(vec![Event::MeterAttested {
        community_id,
        slot,
        meter_id,
        produced_wh,
        consumed_wh,
    }])
}

/// The operator settles a cleared, fully attested slot — once: one line per
/// (meter, side), see [`Settlement::of_slot`].
pub fn settle<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: SettleSlot,
) -> Outcome {
    let SettleSlot { community_id, slot } = action;
    let community = community(state, community_id)?;
    operator(state, context, signer, &community, community_id)?;
    let key = keys::slot_book(community_id, slot);
    let mut book: SlotBook = state
        .get(&key)?
        .ok_or(Failure::Rule(Code::SlotNotCleared))?;
    if book.settled {
        return Err(Code::AlreadySettled.into());
    }
    let settlement = Settlement::of_slot(&community, &book)?;
    for meter_line in &settlement.lines {
        let meter: Meter = state
            .get(&keys::meter(community_id, meter_line.meter_id))?
            .ok_or(Failure::Rule(Code::UnknownMeter))?;
        book_line(state, community_id, &meter.owner, meter_line.line)?;
    }
    book_line(state, community_id, &grid_account(), settlement.grid)?;
    book.settled = true;
    if let Some(clearing) = &book.clearing {
        state.put(
            keys::slot_figures(community_id, slot),
            &SlotFigures::settled(clearing, &settlement),
        );
    }
    state.put(key, &book);
    Ok(vec![Event::SlotSettled {
        community_id,
        slot,
        paid_by_buyers: settlement.paid_by_buyers,
        paid_to_sellers: settlement.paid_to_sellers,
        grid_credit: settlement.grid.credit,
        grid_debit: settlement.grid.debit,
    }])
}

/// The communities' grid account: a domain-separated hash, like multisig ids,
/// so no one holds a key for it (the all-zero id would be a small-order point,
/// which ZIP-215 lets anyone "sign" for).
pub fn grid_account() -> AccountId {
    AccountId(
        Hash::tagged(
            civitas_types::Domain::MultisigAccount,
            b"civitas energy grid account",
        )
        .0,
    )
}

fn book_line<S: StateRead>(
    state: &mut Overlay<'_, S>,
    community_id: u64,
    account: &AccountId,
    line: Line,
) -> Result<(), Failure> {
    let key = keys::energy_account(community_id, account);
    let mut entry: EnergyAccount = state.get(&key)?.unwrap_or_default();
    entry.credit = entry.credit.checked_add(line.credit).ok_or_else(overflow)?;
    entry.debit = entry.debit.checked_add(line.debit).ok_or_else(overflow)?;
    state.put(key, &entry);
    Ok(())
}
