//! The auction and settlement formulas: worked cases and properties (every
//! matched limit respected, sellers paid what buyers pay).
#![allow(clippy::arithmetic_side_effects)]
use super::*;
use proptest::prelude::*;

fn bid(number: u32, side: Side, energy_wh: u64, limit_price: u64) -> Bid {
    Bid {
        number,
        side,
        energy_wh,
        limit_price,
    }
}

/// The worked example of docs/civic-transactions.md ("Energy: worked example").
pub(crate) fn worked_example() -> Vec<Bid> {
    vec![
        bid(0, Side::Buy, 3_000, 20),
        bid(1, Side::Buy, 2_000, 18),
        bid(2, Side::Buy, 1_000, 12),
        bid(3, Side::Sell, 2_500, 10),
        bid(4, Side::Sell, 2_000, 15),
        bid(5, Side::Sell, 1_500, 19),
    ]
}

#[test]
fn worked_example_clears_as_documented() {
    let clearing = clear(&worked_example());
    // Buy 0 (20) takes sell 3 (10) 2,500 then sell 4 (15) 500; buy 1 (18) takes
    // sell 4 1,500; buy 1's last 500 at 18 < sell 5's 19 stops. Last matched: 18 and 15.
    assert_eq!(
        clearing.fills,
        vec![(0, 3_000), (1, 1_500), (3, 2_500), (4, 2_000)]
    );
    assert_eq!(clearing.volume_wh, 4_500);
    assert_eq!(clearing.price, 16); // floor((18 + 15) / 2)
}

#[test]
fn no_overlap_no_trade_and_ties_by_order_number() {
    let clearing = clear(&[bid(0, Side::Buy, 100, 10), bid(1, Side::Sell, 100, 11)]);
    assert_eq!(clearing, Clearing::default());
    let clearing = clear(&[
        bid(0, Side::Sell, 100, 10),
        bid(1, Side::Sell, 100, 10),
        bid(2, Side::Buy, 150, 10),
    ]);
    assert_eq!(clearing.fills, vec![(0, 100), (1, 50), (2, 150)]);
    assert_eq!(clearing.price, 10);
}

#[test]
fn settlement_lines_balance_the_worked_example() {
    // Price 16, grid 25, feed-in 5. Seller 3 produced only 2,000 of 2,500; buyer 0
    // consumed 2,600 of 3,000.
    let (seller, shortfall) = seller_line(2_500, 2_000, 16, 25).unwrap();
    assert_eq!(
        (seller, shortfall),
        (
            Line {
                credit: 40_000,
                debit: 12_500
            },
            500
        )
    );
    let (buyer, excess) = buyer_line(3_000, 2_600, 16, 5).unwrap();
    assert_eq!(
        (buyer, excess),
        (
            Line {
                credit: 2_000,
                debit: 48_000
            },
            400
        )
    );
    assert_eq!(seller_line(u64::MAX, 0, 2, 2), None);
}

proptest! {
    #[test]
    fn clearing_respects_limits_and_conserves_energy(orders in proptest::collection::vec((any::<bool>(), 0u64..5_000, 1u64..50), 0..40)) {
        let bids: Vec<Bid> = orders
            .iter()
            .enumerate()
            .map(|(i, (buy, energy, price))| bid(i as u32, if *buy { Side::Buy } else { Side::Sell }, *energy, *price))
            .collect();
        let clearing = clear(&bids);
        let mut bought = 0;
        let mut sold = 0;
        for (number, filled) in &clearing.fills {
            let order = bids[*number as usize];
            prop_assert!(*filled <= order.energy_wh);
            match order.side {
                Side::Buy => { bought += filled; prop_assert!(order.limit_price >= clearing.price); }
                Side::Sell => { sold += filled; prop_assert!(order.limit_price <= clearing.price); }
            }
        }
        prop_assert_eq!(bought, clearing.volume_wh);
        prop_assert_eq!(sold, clearing.volume_wh);
        // Deterministic whatever the input order.
        let mut reversed = bids.clone();
        reversed.reverse();
        prop_assert_eq!(clear(&reversed), clearing);
    }
}
