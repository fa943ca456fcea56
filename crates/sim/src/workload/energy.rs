//! The workload's energy community: created by the operator with two meters,
//! a sell and a buy order for a slot whose gate closes at least one slot
//! later, maybe one of them cancelled before gate closure.

use civitas_civic::action::{CancelEnergyOrder, CreateCommunity, PlaceEnergyOrder, RegisterMeter};
use civitas_civic::clearing::Side;
use civitas_civic::energy::{Community, SlotBook};
use civitas_civic::{Action, BlockContext, Overlay, StateRead, keys};
use civitas_types::{Hash, SigningKey};

use super::{GENESIS_TIME_MS, Office, Workload, account_of, derive, find_id, office_key, siren};
use crate::rng::SimRng;

/// Slot length of the energy community.
const SLOT_MS: u64 = 15 * 60_000;
/// An energy order is cancelled only while its gate closes this much later.
const CANCEL_MARGIN_MS: u64 = 5 * 60_000;
/// Meters of the community, each with its owner's key.
const METERS: u64 = 2;

impl Workload {
    pub(super) fn create_community<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let create = CreateCommunity {
            collectivity: siren(0),
            slot_ms: SLOT_MS,
            first_slot_ms: GENESIS_TIME_MS,
            grid_price: rng.between(20, 30),
            feed_in_price: rng.between(2, 8),
        };
        self.memory.community_from = state.get(&keys::community_counter()).ok()?.unwrap_or(0);
        self.memory.community = Some(create.clone());
        Some(vec![(
            office_key(Office::Operator),
            Action::CreateCommunity(create),
        )])
    }

    fn community<S: StateRead>(&mut self, state: &Overlay<'_, S>) -> Option<(u64, Community)> {
        if self.memory.community_id.is_none() {
            let rules = self.memory.community.clone()?;
            let from = self.memory.community_from;
            self.memory.community_id = find_id(state, &keys::community_counter(), from, |id| {
                state
                    .get::<Community>(&keys::community(id))
                    .ok()
                    .flatten()
                    .is_some_and(|c| {
                        (c.collectivity, c.slot_ms, c.first_slot_ms)
                            == (rules.collectivity, rules.slot_ms, rules.first_slot_ms)
                            && (c.grid_price, c.feed_in_price)
                                == (rules.grid_price, rules.feed_in_price)
                    })
            });
        }
        let id = self.memory.community_id?;
        Some((id, state.get(&keys::community(id)).ok()??))
    }

    fn meter_commitment(&self, meter: u64) -> Hash {
        Hash(derive("meter-point", self.seed, meter))
    }

    pub(super) fn register_meters<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (community_id, _) = self.community(state)?;
        let meters = (0..METERS)
            .map(|m| {
                let register = RegisterMeter {
                    community_id,
                    commitment: self.meter_commitment(m),
                    owner: account_of(&self.meter_owner_key(m)),
                };
                (
                    office_key(Office::Operator),
                    Action::RegisterMeter(register),
                )
            })
            .collect();
        Some(meters)
    }

    /// The id of the workload's meter `meter` in `community_id`, if registered.
    fn meter_id<S: StateRead>(
        &self,
        state: &Overlay<'_, S>,
        community_id: u64,
        meter: u64,
    ) -> Option<u64> {
        let key = keys::meter_commitment(&self.meter_commitment(meter));
        let (community, meter_id): (u64, u64) = state.get(&key).ok()??;
        (community == community_id).then_some(meter_id)
    }

    pub(super) fn place_energy_orders<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        context: &BlockContext,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (community_id, community) = self.community(state)?;
        // Two slots ahead: the gate closes at least one slot (15 min) after
        // this block, far beyond any delay a fault causes.
        let slot = community.slot_at(context.time_ms).saturating_add(2);
        self.memory.energy_slot = Some(slot);
        let mut orders = Vec::new();
        for m in 0..METERS {
            let Some(meter_id) = self.meter_id(state, community_id, m) else {
                continue;
            };
            let (side, limit_price) = if m % 2 == 0 {
                (Side::Sell, rng.between(8, 15))
            } else {
                (Side::Buy, rng.between(16, 25))
            };
            let order = PlaceEnergyOrder {
                community_id,
                slot,
                meter_id,
                side,
                energy_wh: rng.between(5, 30) * 100,
                limit_price,
            };
            orders.push((self.meter_owner_key(m), Action::PlaceEnergyOrder(order)));
        }
        Some(orders)
    }

    pub(super) fn cancel_energy_order<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        context: &BlockContext,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (community_id, community) = self.community(state)?;
        let slot = self.memory.energy_slot?;
        if community.slot_start(slot) <= context.time_ms.saturating_add(CANCEL_MARGIN_MS) {
            return None;
        }
        let meter = rng.below(METERS);
        let meter_id = self.meter_id(state, community_id, meter)?;
        let book: SlotBook = state.get(&keys::slot_book(community_id, slot)).ok()??;
        let position = book
            .orders
            .iter()
            .position(|o| o.meter_id == meter_id && !o.cancelled)?;
        let cancel = CancelEnergyOrder {
            community_id,
            slot,
            order_number: u32::try_from(position).ok()?,
        };
        Some(vec![(
            self.meter_owner_key(meter),
            Action::CancelEnergyOrder(cancel),
        )])
    }
}
