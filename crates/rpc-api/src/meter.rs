//! A meter's own data (`civitas_getMeter`): its registration, its owner's
//! money in the community, and its orders and readings slot by slot —
//! answered to a query signed with the owner's key, or to a credentialed
//! caller (docs/privacy.md, "Energy").
//!
//! The meter entry (`0x42`) and the owner's energy account (`0x45`) come
//! with their state proofs. The orders and readings do not: they live in
//! the slot book (`0x43`), one value per slot holding every meter's orders
//! and readings, and its proof would hand the owner every other household's
//! load curve. The node extracts the meter's lines from each book and
//! serves them unproven (a credentialed caller proves a book with
//! `civitas_getStateProof`).

use crate::encoding::to_hex;
use std::ops::Range;

use civitas_civic::clearing::Side;
use civitas_civic::energy::{EnergyAccount, Meter, SlotBook};
use civitas_types::{AccountId, DecodeError, decode};
use jsonrpsee::types::ErrorObjectOwned;
use serde::{Deserialize, Serialize};

use crate::errors::invalid_params;
use crate::state::{Certified, ProvenEntry};

/// Most slots one `civitas_getMeter` call reads (a week of 30-minute slots).
pub const METER_SLOTS_MAX: u32 = 336;
/// Slots read when `slots` is left out (a day of 30-minute slots).
pub const METER_SLOTS_DEFAULT: u32 = 48;

/// The slots `civitas_getMeter` reads: `slots` (1 to [`METER_SLOTS_MAX`],
/// default [`METER_SLOTS_DEFAULT`]) from `from_slot`.
pub fn slot_range(from_slot: u64, slots: Option<u32>) -> Result<Range<u64>, ErrorObjectOwned> {
    let count = slots.unwrap_or(METER_SLOTS_DEFAULT);
    if count == 0 || count > METER_SLOTS_MAX {
        return Err(invalid_params(
            "slots",
            &format!("read 1 to {METER_SLOTS_MAX} slots at once"),
        ));
    }
    Ok(from_slot..from_slot.saturating_add(u64::from(count)))
}

/// The parameters' encoding of `civitas_getMeter` (what a query signs).
pub fn meter_params(community: u64, meter: u64, from_slot: u64, slots: Option<u32>) -> Vec<u8> {
    civitas_types::encode(&(community, meter, from_slot, slots))
}

/// `civitas_getMeter`: one meter's own data.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeterAnswer {
    /// The energy community.
    pub community: u64,
    /// The meter's id in the community.
    pub meter: u64,
    /// The height whose state answered.
    pub height: u64,
    /// The meter's registration and its owner's account, proven; `null`
    /// (with a proof of absence) if no such meter is registered.
    pub registration: Option<MeterRegistration>,
    /// The slots read in which the meter ordered or was read, in order
    /// (unproven: see the module documentation).
    pub slots: Vec<MeterSlotView>,
    /// The meter entry, then (when registered) the owner's energy account
    /// entry, each with its proof.
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against.
    pub certified: Certified,
}

/// A registered meter and what its owner is owed and owes in the community.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeterRegistration {
    /// The owner (`civ1…`, its pseudonym for the community).
    pub owner: String,
    /// The salted commitment to the meter point number (hex).
    pub commitment: String,
    /// Owed to the owner by settled slots, millicents (decimal).
    pub credit: String,
    /// Owed by the owner, millicents (decimal).
    pub debit: String,
}

impl MeterRegistration {
    /// The registration from the stored meter and energy account values.
    pub fn decode(
        meter: &[u8],
        account: Option<&[u8]>,
    ) -> Result<(MeterRegistration, AccountId), DecodeError> {
        let meter: Meter = decode(meter)?;
        let account: EnergyAccount = account.map(decode).transpose()?.unwrap_or_default();
        Ok((
            MeterRegistration {
                owner: meter.owner.to_string(),
                commitment: to_hex(meter.commitment),
                credit: account.credit.to_string(),
                debit: account.debit.to_string(),
            },
            meter.owner,
        ))
    }
}

/// One slot of a meter: its orders, their fills and its reading.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeterSlotView {
    /// The slot's number.
    pub slot: u64,
    /// The meter's orders in the slot.
    pub orders: Vec<MeterOrderView>,
    /// The operator's reading of the meter for the slot, once attested.
    pub reading: Option<MeterReadingView>,
    /// The slot's clearing price (millicents per Wh), once cleared.
    pub clearing_price: Option<u64>,
    /// Whether the slot is settled.
    pub settled: bool,
}

/// One of a meter's orders.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeterOrderView {
    /// The order's number in the slot (what `cancel` names).
    pub number: u32,
    /// `buy` or `sell`.
    pub side: String,
    /// Quantity, Wh.
    pub energy_wh: u64,
    /// Limit price, millicents per Wh.
    pub limit_price: u64,
    /// Cancelled before gate closure.
    pub cancelled: bool,
    /// Energy matched at clearing, Wh (`null` until the slot clears).
    pub filled_wh: Option<u64>,
}

/// A meter's reading for one slot.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeterReadingView {
    /// Energy produced (exported), Wh.
    pub produced_wh: u64,
    /// Energy consumed (imported), Wh.
    pub consumed_wh: u64,
}

/// The name of an order's side.
pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

impl MeterSlotView {
    /// Meter `meter`'s lines in the stored book of `slot`; `None` if the
    /// meter neither ordered nor was read in it.
    pub fn from_book(slot: u64, meter: u64, book: &[u8]) -> Result<Option<Self>, DecodeError> {
        let book: SlotBook = decode(book)?;
        let filled = |number: u32| {
            book.clearing.as_ref().map(|clearing| {
                clearing
                    .fills
                    .iter()
                    .find(|(n, _)| *n == number)
                    .map_or(0, |(_, wh)| *wh)
            })
        };
        let orders: Vec<MeterOrderView> = book
            .orders
            .iter()
            .zip(0u32..)
            .filter(|(order, _)| order.meter_id == meter)
            .map(|(order, number)| MeterOrderView {
                number,
                side: side_name(order.side).to_owned(),
                energy_wh: order.energy_wh,
                limit_price: order.limit_price,
                cancelled: order.cancelled,
                filled_wh: filled(number),
            })
            .collect();
        let reading = book
            .attestations
            .iter()
            .find(|a| a.meter_id == meter)
            .map(|a| MeterReadingView {
                produced_wh: a.produced_wh,
                consumed_wh: a.consumed_wh,
            });
        if orders.is_empty() && reading.is_none() {
            return Ok(None);
        }
        Ok(Some(MeterSlotView {
            slot,
            orders,
            reading,
            clearing_price: book.clearing.as_ref().map(|c| c.price),
            settled: book.settled,
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use civitas_civic::clearing::Clearing;
    use civitas_civic::energy::{Attestation, EnergyOrder};
    use civitas_types::encode;

    use super::*;

    fn order(meter_id: u64, side: Side, energy_wh: u64) -> EnergyOrder {
        EnergyOrder {
            meter_id,
            side,
            energy_wh,
            limit_price: 12,
            cancelled: false,
        }
    }

    #[test]
    fn a_meters_slot_shows_its_own_orders_fills_and_reading_only() {
        let mut book = SlotBook::default();
        book.orders.try_push(order(0, Side::Sell, 2_000)).unwrap();
        book.orders.try_push(order(1, Side::Buy, 1_500)).unwrap();
        book.orders.try_push(order(0, Side::Buy, 10)).unwrap();
        let bytes = encode(&book);
        let mine = MeterSlotView::from_book(96, 0, &bytes).unwrap().unwrap();
        assert_eq!(
            mine.orders.iter().map(|o| o.number).collect::<Vec<_>>(),
            [0, 2]
        );
        assert_eq!(mine.orders[0].side, "sell");
        assert_eq!(mine.orders[0].filled_wh, None, "not cleared yet");
        assert!(MeterSlotView::from_book(96, 5, &bytes).unwrap().is_none());

        book.clearing = Some(Clearing {
            price: 15,
            fills: vec![(0, 1_500), (1, 1_500)],
            volume_wh: 1_500,
        });
        book.attestations
            .try_push(Attestation {
                meter_id: 1,
                produced_wh: 0,
                consumed_wh: 1_400,
            })
            .unwrap();
        let theirs = MeterSlotView::from_book(96, 1, &encode(&book))
            .unwrap()
            .unwrap();
        assert_eq!(theirs.orders.len(), 1);
        assert_eq!(theirs.orders[0].filled_wh, Some(1_500));
        assert_eq!(theirs.clearing_price, Some(15));
        assert_eq!(
            theirs.reading,
            Some(MeterReadingView {
                produced_wh: 0,
                consumed_wh: 1_400
            })
        );
        let mine = MeterSlotView::from_book(96, 0, &encode(&book))
            .unwrap()
            .unwrap();
        assert_eq!(mine.orders[1].filled_wh, Some(0), "unmatched");
        assert_eq!(mine.reading, None, "another meter's reading is not mine");
    }

    #[test]
    fn the_slot_count_is_bounded() {
        assert_eq!(slot_range(96, None).unwrap(), 96..144);
        assert!(slot_range(0, Some(0)).is_err());
        assert!(slot_range(0, Some(METER_SLOTS_MAX + 1)).is_err());
        assert_eq!(slot_range(u64::MAX, Some(2)).unwrap(), u64::MAX..u64::MAX);
    }
}
