//! The energy laws of one slot (see the parent module's doc).

use std::collections::BTreeMap;

use super::Violation;
use crate::clearing::{Clearing, Line, Side};
use crate::energy::{Community, EnergyOrder, MeterLine, Settlement, SlotBook};

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
