//! What settling one slot books: one line per (meter, side), from the sum of that
//! meter's fills on that side and its attestation — never per order, because a
//! meter may place several orders in a slot and its attestation covers them all
//! (the rule is in [`crate::clearing`]'s module doc). Pure: the `SettleSlot`
//! handler books the result, and [`crate::invariants`] checks it.

use std::collections::BTreeMap;

use crate::clearing::{self, Line, Side};
use crate::codes::Code;

use super::{Attestation, Community, SlotBook};

/// One meter's part of a settled slot on one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterLine {
    /// Meter id within the community.
    pub meter_id: u64,
    /// The side of its orders this line settles.
    pub side: Side,
    /// Energy the meter's orders on this side were filled for, summed, Wh.
    pub filled_wh: u64,
    /// Energy the grid made up, Wh: a seller's shortfall (sold, not produced) or
    /// a buyer's excess (bought, not consumed).
    pub grid_wh: u64,
    /// What the meter's owner is credited and debited, millicents.
    pub line: Line,
}

/// Everything settling one slot books.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settlement {
    /// One line per (meter, side) with filled energy, in (meter, side) order.
    pub lines: Vec<MeterLine>,
    /// The grid account's line: credited the shortfalls at the grid price,
    /// debited the excesses at the feed-in price, millicents.
    pub grid: Line,
    /// What buyers are debited at the clearing price, millicents.
    pub paid_by_buyers: u64,
    /// What sellers are credited at the clearing price, millicents.
    pub paid_to_sellers: u64,
}

impl Settlement {
    /// The settlement of a cleared slot: `SlotNotCleared` if it is not cleared,
    /// `MissingAttestation` if a meter with fills is not attested, `Overflow` if
    /// a fill names no order or a sum overflows (neither happens within the
    /// protocol's bounds: 1,024 orders of at most 10 MWh at most 10,000 each).
    pub fn of_slot(community: &Community, book: &SlotBook) -> Result<Settlement, Code> {
        let clearing = book.clearing.as_ref().ok_or(Code::SlotNotCleared)?;
        let mut settlement = Settlement::default();
        for ((meter_id, side), filled_wh) in meter_fills(book)? {
            let attestation = book
                .attestations
                .iter()
                .find(|a| a.meter_id == meter_id)
                .ok_or(Code::MissingAttestation)?;
            let line = meter_line(community, clearing.price, attestation, side, filled_wh)?;
            settlement.add(line)?;
        }
        Ok(settlement)
    }

    fn add(&mut self, meter: MeterLine) -> Result<(), Code> {
        let sum = |a: u64, b: u64| a.checked_add(b).ok_or(Code::Overflow);
        match meter.side {
            Side::Sell => {
                self.paid_to_sellers = sum(self.paid_to_sellers, meter.line.credit)?;
                // The shortfall the seller pays for is energy the grid sold.
                self.grid.credit = sum(self.grid.credit, meter.line.debit)?;
            }
            Side::Buy => {
                self.paid_by_buyers = sum(self.paid_by_buyers, meter.line.debit)?;
                // The excess the buyer is credited for is energy the grid bought.
                self.grid.debit = sum(self.grid.debit, meter.line.credit)?;
            }
        }
        self.lines.push(meter);
        Ok(())
    }
}

/// Each meter's filled energy per side, summed over its orders, Wh.
fn meter_fills(book: &SlotBook) -> Result<BTreeMap<(u64, Side), u64>, Code> {
    let clearing = book.clearing.as_ref().ok_or(Code::SlotNotCleared)?;
    let mut totals: BTreeMap<(u64, Side), u64> = BTreeMap::new();
    for (number, filled_wh) in &clearing.fills {
        let order = usize::try_from(*number)
            .ok()
            .and_then(|n| book.orders.get(n))
            .ok_or(Code::Overflow)?;
        let total = totals.entry((order.meter_id, order.side)).or_insert(0);
        *total = total.checked_add(*filled_wh).ok_or(Code::Overflow)?;
    }
    Ok(totals)
}

fn meter_line(
    community: &Community,
    price: u64,
    attestation: &Attestation,
    side: Side,
    filled_wh: u64,
) -> Result<MeterLine, Code> {
    let (line, grid_wh) = match side {
        Side::Sell => clearing::seller_line(
            filled_wh,
            attestation.produced_wh,
            price,
            community.grid_price,
        ),
        Side::Buy => clearing::buyer_line(
            filled_wh,
            attestation.consumed_wh,
            price,
            community.feed_in_price,
        ),
    }
    .ok_or(Code::Overflow)?;
    Ok(MeterLine {
        meter_id: attestation.meter_id,
        side,
        filled_wh,
        grid_wh,
        line,
    })
}
