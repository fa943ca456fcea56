//! docs/civic-transactions.md's energy worked example, recomputed from its orders:
//! the figures the document states must be those the code produces.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_civic::clearing::{Bid, Side, buyer_line, clear, seller_line};

const DOC: &str = include_str!("../../../docs/civic-transactions.md");

fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn energy_worked_example_matches_the_code() {
    let orders = [
        (Side::Buy, 3_000, 20),
        (Side::Buy, 2_000, 18),
        (Side::Buy, 1_000, 12),
        (Side::Sell, 2_500, 10),
        (Side::Sell, 2_000, 15),
        (Side::Sell, 1_500, 19),
    ];
    // The order table of the document.
    for (number, (side, wh, limit)) in orders.iter().enumerate() {
        let side = if *side == Side::Buy { "buy" } else { "sell" };
        let row = format!("| {number} | {side} | {} | {limit} |", group(*wh));
        assert!(DOC.contains(&row), "missing order row `{row}`");
    }
    let bids: Vec<Bid> = orders
        .iter()
        .enumerate()
        .map(|(n, (side, wh, limit))| Bid {
            number: n as u32,
            side: *side,
            energy_wh: *wh,
            limit_price: *limit,
        })
        .collect();
    let clearing = clear(&bids);
    assert!(DOC.contains(&format!("Volume {} Wh", group(clearing.volume_wh))));
    assert!(
        DOC.contains(&format!("= {}**", clearing.price)),
        "price {}",
        clearing.price
    );
    // Settlement with the documented metering: grid 25, feed-in 5.
    let fill = |n: u32| {
        clearing
            .fills
            .iter()
            .find(|(k, _)| *k == n)
            .map_or(0, |(_, q)| *q)
    };
    let (b0, _) = buyer_line(fill(0), 2_600, clearing.price, 5).unwrap();
    let (b1, _) = buyer_line(fill(1), 1_500, clearing.price, 5).unwrap();
    let (s3, short3) = seller_line(fill(3), 2_000, clearing.price, 25).unwrap();
    let (s4, short4) = seller_line(fill(4), 2_000, clearing.price, 25).unwrap();
    let grid_credit = 25 * (short3 + short4);
    let grid_debit = b0.credit + b1.credit;
    let credits = b0.credit + b1.credit + s3.credit + s4.credit + grid_credit;
    let debits = b0.debit + b1.debit + s3.debit + s4.debit + grid_debit;
    assert_eq!(credits, debits);
    let total = format!(
        "| **total** | **{}** | **{}** |",
        group(credits),
        group(debits)
    );
    assert!(DOC.contains(&total), "missing `{total}`");
    let paid = format!(
        "Buyers pay {} and sellers are paid {} millicents",
        group(b0.debit + b1.debit),
        group(s3.credit + s4.credit)
    );
    assert!(DOC.contains(&paid), "missing `{paid}`");
}
