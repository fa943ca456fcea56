//! The double auction that clears an energy slot, and the settlement formulas.
//! Pure functions over plain values: docs/civic-transactions.md gives the rules
//! and a worked example that a test checks.
//!
//! **Clearing.** Buy orders are ranked by limit price, highest first; sell orders
//! by limit price, lowest first; ties by order number (earlier first). The best
//! remaining buy is matched with the best remaining sell while the buy's limit is
//! at least the sell's, for the smaller of their remaining quantities. All matched
//! energy trades at one price: the midpoint of the last matched buy and sell
//! limits, rounded down — no lower than any matched sell limit, no higher than any
//! matched buy limit.
//!
//! **Settlement** (after the operator's attestations) is **per meter and side,
//! never per order**: a meter may place several orders in a slot, but its
//! attestation measures the whole slot, so all of one meter's fills on a side
//! are summed into `q` and each formula below is applied once per (meter, side).
//! (Per order, a meter with two filled 1,000 Wh sells that produced 1,000 Wh
//! would be paid for 2,000 Wh with no shortfall.) At clearing price `P`, grid
//! price `G` (the grid sells) and feed-in price `F` (the grid buys):
//! - a meter that sold `q` in all and produced `p` is credited `P·q` and, for
//!   the shortfall `s = q − min(q, p)` the grid supplied instead, debited `G·s`:
//!   net, it is paid for `min(q, p)`, never more than it produced;
//! - a meter that bought `q` in all and consumed `c` is debited `P·q` and, for
//!   the excess `e = q − min(q, c)` it did not use, which flows to the grid,
//!   credited `F·e`: net, it is charged for `min(q, c)`;
//! - a meter that both sold and bought has one line per side;
//! - the grid account is credited `G·Σs` and debited `F·Σe`.
//!
//! So sellers are paid exactly what buyers pay (`P·Q`), every credit has its
//! debit, and energy balances: `Q = Σ delivered + Σ s = Σ used + Σ e`.
//! [`crate::energy::Settlement`] applies the rule; [`crate::invariants`] checks it.

use borsh::{BorshDeserialize, BorshSerialize};

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Side {
    /// Wants energy.
    Buy = 0,
    /// Offers energy.
    Sell = 1,
}

/// One order as the auction sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bid {
    /// Order number in the slot (ties: lower first).
    pub number: u32,
    /// `Buy` (takes energy) or `Sell` (offers it).
    pub side: Side,
    /// Quantity, Wh.
    pub energy_wh: u64,
    /// Limit price, millicents per Wh (= cents per kWh).
    pub limit_price: u64,
}

/// The auction's result.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Clearing {
    /// Uniform price, millicents per Wh (0 when nothing matched).
    pub price: u64,
    /// Matched energy per order number, Wh (orders with no match are absent).
    pub fills: Vec<(u32, u64)>,
    /// Total energy traded, Wh.
    pub volume_wh: u64,
}

/// Clears a slot's orders.
pub fn clear(orders: &[Bid]) -> Clearing {
    let mut buys: Vec<Bid> = orders
        .iter()
        .copied()
        .filter(|o| o.side == Side::Buy && o.energy_wh > 0)
        .collect();
    let mut sells: Vec<Bid> = orders
        .iter()
        .copied()
        .filter(|o| o.side == Side::Sell && o.energy_wh > 0)
        .collect();
    buys.sort_by(|a, b| {
        b.limit_price
            .cmp(&a.limit_price)
            .then(a.number.cmp(&b.number))
    });
    sells.sort_by(|a, b| {
        a.limit_price
            .cmp(&b.limit_price)
            .then(a.number.cmp(&b.number))
    });
    let mut fills: Vec<(u32, u64)> = Vec::new();
    let (mut buy_index, mut sell_index) = (0usize, 0usize);
    let (mut buy_left, mut sell_left) = (0u64, 0u64);
    let mut last_prices = None;
    let mut volume_wh: u64 = 0;
    while let (Some(buy), Some(sell)) = (buys.get(buy_index), sells.get(sell_index)) {
        if buy.limit_price < sell.limit_price {
            break;
        }
        if buy_left == 0 {
            buy_left = buy.energy_wh;
        }
        if sell_left == 0 {
            sell_left = sell.energy_wh;
        }
        let quantity = buy_left.min(sell_left);
        add_fill(&mut fills, buy.number, quantity);
        add_fill(&mut fills, sell.number, quantity);
        volume_wh = volume_wh.saturating_add(quantity);
        last_prices = Some((buy.limit_price, sell.limit_price));
        buy_left = buy_left.saturating_sub(quantity);
        sell_left = sell_left.saturating_sub(quantity);
        if buy_left == 0 {
            buy_index = buy_index.saturating_add(1);
        }
        if sell_left == 0 {
            sell_index = sell_index.saturating_add(1);
        }
    }
    // floor((buy + sell) / 2) without overflow.
    let price = last_prices.map_or(0, |(buy, sell): (u64, u64)| {
        (buy / 2)
            .saturating_add(sell / 2)
            .saturating_add((buy % 2).saturating_add(sell % 2) / 2)
    });
    fills.sort_unstable();
    Clearing {
        price,
        fills,
        volume_wh,
    }
}

fn add_fill(fills: &mut Vec<(u32, u64)>, number: u32, quantity: u64) {
    match fills.iter_mut().find(|(n, _)| *n == number) {
        Some((_, total)) => *total = total.saturating_add(quantity),
        None => fills.push((number, quantity)),
    }
}

/// What one meter's owner is credited and debited for a slot, in millicents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// Credited.
    pub credit: u64,
    /// Debited.
    pub debit: u64,
}

/// A seller's line: one meter sold `sold_wh` in all its sell orders of the slot
/// and produced `produced_wh`. Returns the line (millicents) and the shortfall
/// (Wh); `None` on overflow.
pub fn seller_line(
    sold_wh: u64,
    produced_wh: u64,
    price: u64,
    grid_price: u64,
) -> Option<(Line, u64)> {
    let shortfall = sold_wh.checked_sub(sold_wh.min(produced_wh))?;
    let line = Line {
        credit: sold_wh.checked_mul(price)?,
        debit: shortfall.checked_mul(grid_price)?,
    };
    Some((line, shortfall))
}

/// A buyer's line: one meter bought `bought_wh` in all its buy orders of the slot
/// and consumed `consumed_wh`. Returns the line (millicents) and the excess
/// (Wh); `None` on overflow.
pub fn buyer_line(
    bought_wh: u64,
    consumed_wh: u64,
    price: u64,
    feed_in_price: u64,
) -> Option<(Line, u64)> {
    let excess = bought_wh.checked_sub(bought_wh.min(consumed_wh))?;
    let line = Line {
        credit: excess.checked_mul(feed_in_price)?,
        debit: bought_wh.checked_mul(price)?,
    };
    Some((line, excess))
}

#[cfg(test)]
mod tests;
