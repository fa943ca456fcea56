//! The laws an auditor runs after every block: each check reads state values
//! and says, with a typed [`Violation`], which law a block broke. Pure, no
//! panics: a check that cannot even finish its arithmetic reports that as a
//! violation too. One section per domain (energy here; the aid conservation law
//! belongs beside it).
//!
//! **Energy** ([`check_energy_slot`]), for a cleared slot:
//! - fills: each names an uncancelled order, within its quantity and limit
//!   (buy limit ≥ price ≥ sell limit); buy fills and sell fills each sum to the
//!   volume; each meter's fills on a side are within its orders' quantities;
//! - once settled, the lines [`Settlement::of_slot`] books (what `SettleSlot`
//!   wrote) are checked against figures recomputed here, per meter and side,
//!   from the fills and attestations: each seller is paid, net of its
//!   shortfall charged at the grid price, for `min(sold, produced)` Wh — never
//!   more than it produced; each buyer is charged, net of its excess credited
//!   at the feed-in price, for `min(bought, consumed)` Wh, the grid taking the
//!   difference; sellers are credited exactly what buyers are debited,
//!   `price × volume`; the grid account is credited the sellers' shortfall
//!   debits and debited the buyers' excess credits.

use std::collections::BTreeMap;

use crate::clearing::{Clearing, Line, Side};
use crate::codes::Code;
use crate::energy::{Community, EnergyOrder, MeterLine, Settlement, SlotBook};

/// A broken law: what broke and the figures that show it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// A fill names no order, or a cancelled one.
    #[error("energy: order {order_number} is filled but does not exist or was cancelled")]
    EnergyFillWithoutOrder {
        /// The fill's order number.
        order_number: u32,
    },
    /// A fill exceeds its order's quantity or crosses its limit.
    #[error(
        "energy: order {order_number} is filled {filled_wh} Wh at price {price}, beyond its quantity or limit"
    )]
    EnergyFillBeyondOrder {
        /// The order number.
        order_number: u32,
        /// Its fill, Wh.
        filled_wh: u64,
        /// The clearing price, millicents per Wh.
        price: u64,
    },
    /// One side's fills do not sum to the slot's volume.
    #[error("energy: {side:?} fills sum to {filled_wh} Wh, the volume is {volume_wh} Wh")]
    EnergyFillsOffVolume {
        /// The side.
        side: Side,
        /// Sum of that side's fills, Wh.
        filled_wh: u64,
        /// The clearing's volume, Wh.
        volume_wh: u64,
    },
    /// A meter's fills on a side exceed what its orders on that side asked for.
    #[error(
        "energy: meter {meter_id} is filled {filled_wh} Wh on {side:?}, its orders ask {ordered_wh} Wh"
    )]
    EnergyMeterOverfilled {
        /// The meter.
        meter_id: u64,
        /// The side.
        side: Side,
        /// Its fills on that side, Wh.
        filled_wh: u64,
        /// Its uncancelled orders' quantities on that side, Wh.
        ordered_wh: u64,
    },
    /// A settled slot whose settlement cannot be computed.
    #[error("energy: the slot is settled but its settlement fails with code {code:?}")]
    EnergySettledWithoutSettlement {
        /// Why the settlement fails (e.g. a meter with fills is not attested).
        code: Code,
    },
    /// A (meter, side) with fills has other than one settlement line, or its line
    /// settles other than the sum of its fills.
    #[error(
        "energy: meter {meter_id} has {lines} {side:?} line(s) settling {settled_wh} Wh, its fills sum to {filled_wh} Wh"
    )]
    EnergyLineOffFills {
        /// The meter.
        meter_id: u64,
        /// The side.
        side: Side,
        /// How many lines the settlement has for it (one is right).
        lines: usize,
        /// The energy those lines settle, Wh.
        settled_wh: u64,
        /// Its fills on that side, summed, Wh.
        filled_wh: u64,
    },
    /// A seller is paid, net of its shortfall, for other than `min(sold, produced)`.
    #[error(
        "energy: seller meter {meter_id} sold {sold_wh} Wh, produced {produced_wh} Wh, is paid net for {paid_wh} Wh"
    )]
    EnergySellerPaidOffProduction {
        /// The meter.
        meter_id: u64,
        /// Its fills on the sell side, Wh.
        sold_wh: u64,
        /// Its attested production, Wh.
        produced_wh: u64,
        /// What it is paid for net of the shortfall charged, Wh.
        paid_wh: u64,
    },
    /// A buyer is charged, net of its excess, for other than `min(bought, consumed)`.
    #[error(
        "energy: buyer meter {meter_id} bought {bought_wh} Wh, consumed {consumed_wh} Wh, is charged net for {charged_wh} Wh"
    )]
    EnergyBuyerChargedOffConsumption {
        /// The meter.
        meter_id: u64,
        /// Its fills on the buy side, Wh.
        bought_wh: u64,
        /// Its attested consumption, Wh.
        consumed_wh: u64,
        /// What it is charged for net of the excess credited, Wh.
        charged_wh: u64,
    },
    /// A meter's money is not its energy at the community's prices.
    #[error("energy: meter {meter_id}'s {side:?} line {found:?} should be {expected:?}")]
    EnergyLineOffPrices {
        /// The meter.
        meter_id: u64,
        /// The side.
        side: Side,
        /// The line booked, millicents.
        found: Line,
        /// The line its energy gives at the community's prices, millicents.
        expected: Line,
    },
    /// Sellers are not credited exactly what buyers are debited, `price × volume`.
    #[error(
        "energy: sellers are credited {paid_to_sellers}, buyers debited {paid_by_buyers}, price × volume is {traded}"
    )]
    EnergyMoneyNotConserved {
        /// Credited to sellers at the clearing price, millicents.
        paid_to_sellers: u64,
        /// Debited to buyers at the clearing price, millicents.
        paid_by_buyers: u64,
        /// Price × volume, millicents.
        traded: u64,
    },
    /// The grid account's line is not the sum of shortfall debits and excess credits.
    #[error("energy: the grid line {grid:?} should be {expected:?}")]
    EnergyGridOffLines {
        /// The grid line booked, millicents.
        grid: Line,
        /// Credit: sellers' shortfall debits; debit: buyers' excess credits, millicents.
        expected: Line,
    },
    /// A sum overflowed while checking (impossible within the protocol's bounds).
    #[error("a sum overflowed while checking the laws")]
    Overflow,
}

/// Checks a slot's energy laws (see the module doc). An uncleared slot has
/// nothing to check yet; a cleared one has its fills checked; a settled one its
/// settlement too.
pub fn check_energy_slot(community: &Community, book: &SlotBook) -> Result<(), Violation> {
    let Some(clearing) = &book.clearing else {
        return Ok(());
    };
    let fills = check_fills(book, clearing)?;
    if !book.settled {
        return Ok(());
    }
    let settlement = Settlement::of_slot(community, book)
        .map_err(|code| Violation::EnergySettledWithoutSettlement { code })?;
    check_one_line_per_meter(&settlement, &fills)?;
    for meter_line in &settlement.lines {
        check_meter_line(community, book, clearing.price, meter_line)?;
    }
    check_money(&settlement, clearing)
}

/// The fill laws; returns each (meter, side)'s filled energy, Wh.
fn check_fills(
    book: &SlotBook,
    clearing: &Clearing,
) -> Result<BTreeMap<(u64, Side), u64>, Violation> {
    let mut per_meter: BTreeMap<(u64, Side), u64> = BTreeMap::new();
    let (mut bought_wh, mut sold_wh) = (0u64, 0u64);
    for (number, filled_wh) in &clearing.fills {
        let order = usize::try_from(*number)
            .ok()
            .and_then(|n| book.orders.get(n))
            .filter(|o| !o.cancelled)
            .ok_or(Violation::EnergyFillWithoutOrder {
                order_number: *number,
            })?;
        if !fill_within_order(order, *filled_wh, clearing.price) {
            return Err(Violation::EnergyFillBeyondOrder {
                order_number: *number,
                filled_wh: *filled_wh,
                price: clearing.price,
            });
        }
        let side_total = match order.side {
            Side::Buy => &mut bought_wh,
            Side::Sell => &mut sold_wh,
        };
        *side_total = add(*side_total, *filled_wh)?;
        let meter_total = per_meter.entry((order.meter_id, order.side)).or_insert(0);
        *meter_total = add(*meter_total, *filled_wh)?;
    }
    for (side, filled_wh) in [(Side::Buy, bought_wh), (Side::Sell, sold_wh)] {
        if filled_wh != clearing.volume_wh {
            return Err(Violation::EnergyFillsOffVolume {
                side,
                filled_wh,
                volume_wh: clearing.volume_wh,
            });
        }
    }
    for ((meter_id, side), filled_wh) in &per_meter {
        let ordered_wh = ordered(book, *meter_id, *side)?;
        if *filled_wh > ordered_wh {
            return Err(Violation::EnergyMeterOverfilled {
                meter_id: *meter_id,
                side: *side,
                filled_wh: *filled_wh,
                ordered_wh,
            });
        }
    }
    Ok(per_meter)
}

/// Settling per order instead of per meter shows here: several lines for one
/// (meter, side), each with part of its fills.
fn check_one_line_per_meter(
    settlement: &Settlement,
    fills: &BTreeMap<(u64, Side), u64>,
) -> Result<(), Violation> {
    // (meter, side) → (lines, energy they settle, Wh).
    let mut settled: BTreeMap<(u64, Side), (usize, u64)> =
        fills.keys().map(|key| (*key, (0, 0))).collect();
    for meter_line in &settlement.lines {
        let (lines, settled_wh) = settled
            .entry((meter_line.meter_id, meter_line.side))
            .or_insert((0, 0));
        *lines = lines.checked_add(1).ok_or(Violation::Overflow)?;
        *settled_wh = add(*settled_wh, meter_line.filled_wh)?;
    }
    for ((meter_id, side), (lines, settled_wh)) in settled {
        let filled_wh = fills.get(&(meter_id, side)).copied().unwrap_or(0);
        if lines != 1 || settled_wh != filled_wh {
            return Err(Violation::EnergyLineOffFills {
                meter_id,
                side,
                lines,
                settled_wh,
                filled_wh,
            });
        }
    }
    Ok(())
}

fn fill_within_order(order: &EnergyOrder, filled_wh: u64, price: u64) -> bool {
    let within_limit = match order.side {
        Side::Buy => order.limit_price >= price,
        Side::Sell => order.limit_price <= price,
    };
    filled_wh <= order.energy_wh && within_limit
}

/// A meter's uncancelled orders' quantities on a side, Wh.
fn ordered(book: &SlotBook, meter_id: u64, side: Side) -> Result<u64, Violation> {
    book.orders
        .iter()
        .filter(|o| o.meter_id == meter_id && o.side == side && !o.cancelled)
        .try_fold(0u64, |total, o| add(total, o.energy_wh))
}

/// One (meter, side) line: energy net of the grid's part, then money.
fn check_meter_line(
    community: &Community,
    book: &SlotBook,
    price: u64,
    meter_line: &MeterLine,
) -> Result<(), Violation> {
    let MeterLine {
        meter_id,
        side,
        filled_wh,
        grid_wh,
        line,
    } = *meter_line;
    // Settlement::of_slot found this attestation (it fails without), so the
    // fallback is never taken; it only spares a panic path.
    let (produced_wh, consumed_wh) = book
        .attestations
        .iter()
        .find(|a| a.meter_id == meter_id)
        .map_or((0, 0), |a| (a.produced_wh, a.consumed_wh));
    let net_wh = filled_wh.checked_sub(grid_wh).ok_or(Violation::Overflow)?;
    let expected = match side {
        Side::Sell => {
            if net_wh != filled_wh.min(produced_wh) {
                return Err(Violation::EnergySellerPaidOffProduction {
                    meter_id,
                    sold_wh: filled_wh,
                    produced_wh,
                    paid_wh: net_wh,
                });
            }
            Line {
                credit: multiply(price, filled_wh)?,
                debit: multiply(community.grid_price, grid_wh)?,
            }
        }
        Side::Buy => {
            if net_wh != filled_wh.min(consumed_wh) {
                return Err(Violation::EnergyBuyerChargedOffConsumption {
                    meter_id,
                    bought_wh: filled_wh,
                    consumed_wh,
                    charged_wh: net_wh,
                });
            }
            Line {
                credit: multiply(community.feed_in_price, grid_wh)?,
                debit: multiply(price, filled_wh)?,
            }
        }
    };
    if line != expected {
        return Err(Violation::EnergyLineOffPrices {
            meter_id,
            side,
            found: line,
            expected,
        });
    }
    Ok(())
}

/// Money: sellers' credits = buyers' debits = price × volume; the grid's line
/// is the other side of the shortfall and excess lines.
fn check_money(settlement: &Settlement, clearing: &Clearing) -> Result<(), Violation> {
    let mut sellers = Line::default();
    let mut buyers = Line::default();
    for meter_line in &settlement.lines {
        let total = match meter_line.side {
            Side::Sell => &mut sellers,
            Side::Buy => &mut buyers,
        };
        total.credit = add(total.credit, meter_line.line.credit)?;
        total.debit = add(total.debit, meter_line.line.debit)?;
    }
    let traded = multiply(clearing.price, clearing.volume_wh)?;
    // What the owners' lines carry, then what the settlement announces.
    for (paid_to_sellers, paid_by_buyers) in [
        (sellers.credit, buyers.debit),
        (settlement.paid_to_sellers, settlement.paid_by_buyers),
    ] {
        if paid_to_sellers != traded || paid_by_buyers != traded {
            return Err(Violation::EnergyMoneyNotConserved {
                paid_to_sellers,
                paid_by_buyers,
                traded,
            });
        }
    }
    let expected = Line {
        credit: sellers.debit,
        debit: buyers.credit,
    };
    if settlement.grid != expected {
        return Err(Violation::EnergyGridOffLines {
            grid: settlement.grid,
            expected,
        });
    }
    Ok(())
}

fn add(a: u64, b: u64) -> Result<u64, Violation> {
    a.checked_add(b).ok_or(Violation::Overflow)
}

fn multiply(a: u64, b: u64) -> Result<u64, Violation> {
    a.checked_mul(b).ok_or(Violation::Overflow)
}
