//! The energy community: orders, clearing at gate closure, attestations, settlement.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::clearing::Side;
use civitas_civic::energy::{Community, EnergyAccount, SlotBook, grid_account};
use civitas_civic::invariants::{Violation, check_energy_slot};
use civitas_civic::{Action, Code, Event, keys};
use civitas_types::{BoundedVec, Hash, decode};
use common::*;

const SLOT_MS: u64 = 30 * 60_000;
const GRID: u64 = 25;
const FEED_IN: u64 = 5;

/// The documented example's orders: (meter owner seed, side, Wh, limit).
const ORDERS: [(u8, Side, u64, u64); 6] = [
    (60, Side::Buy, 3_000, 20),
    (61, Side::Buy, 2_000, 18),
    (62, Side::Buy, 1_000, 12),
    (63, Side::Sell, 2_500, 10),
    (64, Side::Sell, 2_000, 15),
    (65, Side::Sell, 1_500, 19),
];

/// A community whose slot 0 starts one slot from now, meters 0..6 for seeds 60..66.
fn world_with_community() -> World {
    let mut world = World::new();
    let create = Action::CreateCommunity(CreateCommunity {
        collectivity: SIREN,
        slot_ms: SLOT_MS,
        first_slot_ms: world.time_ms + SLOT_MS,
        grid_price: GRID,
        feed_in_price: FEED_IN,
    });
    assert_eq!(
        world.act(ENERGY_OPERATOR, create).events,
        vec![Event::CommunityCreated { community_id: 0 }]
    );
    for owner in 60..66u8 {
        let register = Action::RegisterMeter(RegisterMeter {
            community_id: 0,
            commitment: Hash([owner; 32]),
            owner: account(owner),
        });
        assert!(world.act(ENERGY_OPERATOR, register).is_success());
    }
    world
}

fn place(
    world: &mut World,
    owner: u8,
    slot: u64,
    side: Side,
    wh: u64,
    limit: u64,
) -> civitas_civic::Receipt {
    world.act(
        owner,
        Action::PlaceEnergyOrder(PlaceEnergyOrder {
            community_id: 0,
            slot,
            meter_id: u64::from(owner - 60),
            side,
            energy_wh: wh,
            limit_price: limit,
        }),
    )
}

fn attest(world: &mut World, meter: u64, produced: u64, consumed: u64) -> civitas_civic::Receipt {
    world.act(
        ENERGY_OPERATOR,
        Action::AttestMeter(AttestMeter {
            community_id: 0,
            slot: 0,
            meter_id: meter,
            produced_wh: produced,
            consumed_wh: consumed,
        }),
    )
}

/// Slot 0 starts one slot after the creation block's time (the world starts at 1,000,000).
const SLOT_0_START: u64 = 1_000_000 + SLOT_MS;

#[test]
fn worked_example_from_orders_to_settlement() {
    let mut world = world_with_community();
    for (owner, side, wh, limit) in ORDERS {
        assert!(place(&mut world, owner, 0, side, wh, limit).is_success());
    }
    // The block that crosses the slot start clears it.
    world.time_ms = SLOT_0_START;
    let outcome = world.execute(&[]).unwrap();
    assert_eq!(
        outcome.block_events,
        vec![Event::SlotCleared {
            community_id: 0,
            slot: 0,
            price: 16,
            volume_wh: 4_500
        }]
    );
    assert_eq!(
        place(&mut world, 60, 0, Side::Buy, 1, 30).code,
        Code::GateClosed.number(),
        "no order after gate closure"
    );
    // Attest after the slot ends: buyer 0 used 2,600 of 3,000; seller 3 produced 2,000 of 2,500.
    assert_eq!(
        attest(&mut world, 0, 0, 2_600).code,
        Code::SlotNotEnded.number()
    );
    world.time_ms = SLOT_0_START + SLOT_MS;
    let settle = Action::SettleSlot(SettleSlot {
        community_id: 0,
        slot: 0,
    });
    for (meter, produced, consumed) in [(0, 0, 2_600), (1, 0, 1_500), (3, 2_000, 0)] {
        assert!(attest(&mut world, meter, produced, consumed).is_success());
    }
    assert_eq!(
        world.act(ENERGY_OPERATOR, settle.clone()).code,
        Code::MissingAttestation.number()
    );
    assert!(attest(&mut world, 4, 2_000, 0).is_success());
    assert_eq!(
        attest(&mut world, 4, 2_000, 0).code,
        Code::AlreadyAttested.number()
    );
    assert_eq!(
        world.act(9, settle.clone()).code,
        Code::MissingRole.number()
    );
    let receipt = world.act(ENERGY_OPERATOR, settle.clone());
    assert_eq!(
        receipt.events,
        vec![Event::SlotSettled {
            community_id: 0,
            slot: 0,
            paid_by_buyers: 72_000,
            paid_to_sellers: 72_000,
            grid_credit: 12_500,
            grid_debit: 2_000
        }]
    );
    assert_eq!(
        world.act(ENERGY_OPERATOR, settle).code,
        Code::AlreadySettled.number(),
        "no double settlement"
    );
    // Every credit has its debit.
    let accounts: Vec<EnergyAccount> = (60..66u8)
        .map(account)
        .chain([grid_account()])
        .filter_map(|a| {
            world
                .state
                .entries
                .get(&keys::energy_account(0, &a))
                .map(|b| decode(b).unwrap())
        })
        .collect();
    let credits: u64 = accounts.iter().map(|a| a.credit).sum();
    let debits: u64 = accounts.iter().map(|a| a.debit).sum();
    assert_eq!(credits, debits);
    assert_eq!(credits, 72_000 + 12_500 + 2_000);
}

#[test]
fn order_and_attestation_rules() {
    let mut world = world_with_community();
    assert_eq!(
        world
            .act(
                61,
                Action::PlaceEnergyOrder(PlaceEnergyOrder {
                    community_id: 0,
                    slot: 0,
                    meter_id: 0,
                    side: Side::Buy,
                    energy_wh: 1,
                    limit_price: 1
                })
            )
            .code,
        Code::NotMeterOwner.number()
    );
    assert_eq!(
        place(&mut world, 60, 10_000, Side::Buy, 1, 1).code,
        Code::SlotTooFar.number()
    );
    assert_eq!(
        place(&mut world, 60, 0, Side::Buy, 0, 1).code,
        Code::InvalidAmount.number()
    );
    assert_eq!(
        world
            .act(
                60,
                Action::PlaceEnergyOrder(PlaceEnergyOrder {
                    community_id: 9,
                    slot: 0,
                    meter_id: 0,
                    side: Side::Buy,
                    energy_wh: 1,
                    limit_price: 1
                })
            )
            .code,
        Code::UnknownCommunity.number()
    );
    // A cancelled order does not trade; only its owner cancels, before gate closure.
    assert!(place(&mut world, 60, 0, Side::Buy, 1_000, 20).is_success());
    assert!(place(&mut world, 63, 0, Side::Sell, 1_000, 10).is_success());
    let cancel = Action::CancelEnergyOrder(CancelEnergyOrder {
        community_id: 0,
        slot: 0,
        order_number: 1,
    });
    assert_eq!(
        world.act(60, cancel.clone()).code,
        Code::NotMeterOwner.number()
    );
    assert!(world.act(63, cancel.clone()).is_success());
    assert_eq!(
        world.act(63, cancel.clone()).code,
        Code::UnknownEnergyOrder.number()
    );
    world.time_ms = SLOT_0_START;
    let outcome = world.execute(&[]).unwrap();
    assert_eq!(
        outcome.block_events,
        vec![Event::SlotCleared {
            community_id: 0,
            slot: 0,
            price: 0,
            volume_wh: 0
        }]
    );
    let book: SlotBook = decode(world.state.entries.get(&keys::slot_book(0, 0)).unwrap()).unwrap();
    assert!(book.clearing.unwrap().fills.is_empty());
    assert_eq!(world.act(63, cancel).code, Code::GateClosed.number());
    // Attestation by someone who is not the operator.
    world.time_ms += SLOT_MS;
    assert_eq!(
        world
            .act(
                60,
                Action::AttestMeter(AttestMeter {
                    community_id: 0,
                    slot: 0,
                    meter_id: 0,
                    produced_wh: 0,
                    consumed_wh: 0
                })
            )
            .code,
        Code::MissingRole.number()
    );
    assert_eq!(
        attest(&mut world, 99, 0, 0).code,
        Code::UnknownMeter.number()
    );
    // The cleared slot settles with no trade at all.
    let receipt = world.act(
        ENERGY_OPERATOR,
        Action::SettleSlot(SettleSlot {
            community_id: 0,
            slot: 0,
        }),
    );
    assert!(receipt.is_success(), "{receipt:?}");
    assert_eq!(
        world
            .act(
                ENERGY_OPERATOR,
                Action::SettleSlot(SettleSlot {
                    community_id: 0,
                    slot: 7
                })
            )
            .code,
        Code::SlotNotCleared.number()
    );
}

#[test]
fn community_rules() {
    let mut world = World::new();
    let create = |slot_ms: u64, grid: u64, feed_in: u64| {
        Action::CreateCommunity(CreateCommunity {
            collectivity: SIREN,
            slot_ms,
            first_slot_ms: 0,
            grid_price: grid,
            feed_in_price: feed_in,
        })
    };
    assert_eq!(
        world.act(9, create(SLOT_MS, 25, 5)).code,
        Code::MissingRole.number()
    );
    assert_eq!(
        world.act(ENERGY_OPERATOR, create(0, 25, 5)).code,
        Code::InvalidCommunity.number()
    );
    assert_eq!(
        world.act(ENERGY_OPERATOR, create(SLOT_MS, 5, 25)).code,
        Code::InvalidCommunity.number(),
        "feed-in above grid price"
    );
    assert!(
        world
            .act(ENERGY_OPERATOR, create(SLOT_MS, 25, 5))
            .is_success()
    );
    assert_eq!(
        world
            .act(
                9,
                Action::RegisterMeter(RegisterMeter {
                    community_id: 0,
                    commitment: Hash([1; 32]),
                    owner: account(60)
                })
            )
            .code,
        Code::MissingRole.number()
    );
}

/// Settles slot 0 after the given orders and attestations; returns the settlement
/// event and each listed owner's energy account.
fn settle_slot_0(
    orders: &[(u8, Side, u64, u64)],
    metering: &[(u64, u64, u64)],
) -> (Event, Vec<EnergyAccount>) {
    let mut world = world_with_community();
    for (owner, side, wh, limit) in orders {
        assert!(place(&mut world, *owner, 0, *side, *wh, *limit).is_success());
    }
    world.time_ms = SLOT_0_START + SLOT_MS;
    world.execute(&[]).unwrap();
    for (meter, produced, consumed) in metering {
        assert!(attest(&mut world, *meter, *produced, *consumed).is_success());
    }
    let receipt = world.act(
        ENERGY_OPERATOR,
        Action::SettleSlot(SettleSlot {
            community_id: 0,
            slot: 0,
        }),
    );
    assert!(receipt.is_success(), "{receipt:?}");
    let accounts = (60..66u8)
        .map(account)
        .chain([grid_account()])
        .map(|a| {
            world
                .state
                .entries
                .get(&keys::energy_account(0, &a))
                .map_or_else(EnergyAccount::default, |b| decode(b).unwrap())
        })
        .collect();
    (receipt.events[0].clone(), accounts)
}

#[test]
fn a_meter_with_two_sell_orders_is_paid_only_for_energy_it_produced() {
    // Meter 3 sells 1,000 Wh twice but produces 1,000 Wh: it is paid for 2,000 Wh
    // at the clearing price and pays the grid price for the 1,000 Wh it did not
    // deliver (price ⌊(20 + 10) / 2⌋ = 15).
    let (event, accounts) = settle_slot_0(
        &[
            (60, Side::Buy, 2_000, 20),
            (63, Side::Sell, 1_000, 10),
            (63, Side::Sell, 1_000, 10),
        ],
        &[(0, 0, 2_000), (3, 1_000, 0)],
    );
    assert_eq!(
        event,
        Event::SlotSettled {
            community_id: 0,
            slot: 0,
            paid_by_buyers: 15 * 2_000,
            paid_to_sellers: 15 * 2_000,
            grid_credit: GRID * 1_000,
            grid_debit: 0,
        }
    );
    let seller = accounts[3];
    assert_eq!(
        seller,
        EnergyAccount {
            credit: 15 * 2_000,
            debit: GRID * 1_000
        }
    );
    assert_eq!(
        accounts[6],
        EnergyAccount {
            credit: GRID * 1_000,
            debit: 0
        },
        "the grid supplied the shortfall"
    );
}

#[test]
fn a_meter_with_two_buy_orders_is_credited_for_energy_it_did_not_use() {
    // Meter 0 buys 1,000 Wh twice but consumes 1,000 Wh: the 1,000 Wh it did not
    // use flow to the grid at the feed-in price.
    let (event, accounts) = settle_slot_0(
        &[
            (60, Side::Buy, 1_000, 20),
            (60, Side::Buy, 1_000, 20),
            (63, Side::Sell, 2_000, 10),
        ],
        &[(0, 0, 1_000), (3, 2_000, 0)],
    );
    assert_eq!(
        event,
        Event::SlotSettled {
            community_id: 0,
            slot: 0,
            paid_by_buyers: 15 * 2_000,
            paid_to_sellers: 15 * 2_000,
            grid_credit: 0,
            grid_debit: FEED_IN * 1_000,
        }
    );
    assert_eq!(
        accounts[0],
        EnergyAccount {
            credit: FEED_IN * 1_000,
            debit: 15 * 2_000
        }
    );
}

#[test]
fn a_meter_that_buys_and_sells_is_settled_once_per_side() {
    // Meter 3 sells 1,500 Wh (two orders) and buys 500 Wh in the same slot; it
    // produced 1,200 and consumed 100. Sell side: shortfall 300; buy side: excess 400.
    let (event, accounts) = settle_slot_0(
        &[
            (60, Side::Buy, 1_500, 20),
            (63, Side::Sell, 1_000, 10),
            (63, Side::Sell, 500, 10),
            (63, Side::Buy, 500, 20),
            (64, Side::Sell, 500, 10),
        ],
        &[(0, 0, 1_500), (3, 1_200, 100), (4, 500, 0)],
    );
    assert_eq!(
        event,
        Event::SlotSettled {
            community_id: 0,
            slot: 0,
            paid_by_buyers: 15 * 2_000,
            paid_to_sellers: 15 * 2_000,
            grid_credit: GRID * 300,
            grid_debit: FEED_IN * 400,
        }
    );
    assert_eq!(
        accounts[3],
        EnergyAccount {
            credit: 15 * 1_500 + FEED_IN * 400,
            debit: GRID * 300 + 15 * 500
        }
    );
}

#[test]
fn a_meter_point_commitment_registers_one_meter_on_the_chain() {
    let mut world = world_with_community();
    let register = |community_id: u64, owner: u8, salt: u8| {
        Action::RegisterMeter(RegisterMeter {
            community_id,
            // Seed 60 is meter 0's commitment (world_with_community's).
            commitment: Hash([salt; 32]),
            owner: account(owner),
        })
    };
    let receipt = world.act(ENERGY_OPERATOR, register(0, 61, 60));
    assert_eq!(receipt.code, Code::DuplicateMeter.number());
    assert!(receipt.events.is_empty());
    let community = CreateCommunity {
        collectivity: SIREN,
        slot_ms: SLOT_MS,
        first_slot_ms: 0,
        grid_price: GRID,
        feed_in_price: FEED_IN,
    };
    assert!(
        world
            .act(ENERGY_OPERATOR, Action::CreateCommunity(community))
            .is_success()
    );
    // In another community too: a reused commitment would link two
    // communities' pseudonyms of one household.
    assert_eq!(
        world.act(ENERGY_OPERATOR, register(1, 70, 60)).code,
        Code::DuplicateMeter.number()
    );
    // The meter point joins it with a fresh salt, and a key of its own.
    assert_eq!(
        world.act(ENERGY_OPERATOR, register(1, 70, 0x9e)).events,
        vec![Event::MeterRegistered {
            community_id: 1,
            meter_id: 0,
            owner: account(70)
        }]
    );
}

/// The worked example's slot, settled, with its community.
fn settled_worked_example() -> (Community, SlotBook) {
    let mut world = world_with_community();
    for (owner, side, wh, limit) in ORDERS {
        assert!(place(&mut world, owner, 0, side, wh, limit).is_success());
    }
    world.time_ms = SLOT_0_START + SLOT_MS;
    world.execute(&[]).unwrap();
    for (meter, produced, consumed) in [(0, 0, 2_600), (1, 0, 1_500), (3, 2_000, 0), (4, 2_000, 0)]
    {
        assert!(attest(&mut world, meter, produced, consumed).is_success());
    }
    let settle = Action::SettleSlot(SettleSlot {
        community_id: 0,
        slot: 0,
    });
    assert!(world.act(ENERGY_OPERATOR, settle).is_success());
    let community: Community =
        decode(world.state.entries.get(&keys::community(0)).unwrap()).unwrap();
    let book: SlotBook = decode(world.state.entries.get(&keys::slot_book(0, 0)).unwrap()).unwrap();
    (community, book)
}

#[test]
fn the_energy_invariant_names_the_law_a_slot_breaks() {
    let (community, book) = settled_worked_example();
    assert_eq!(check_energy_slot(&community, &book), Ok(()));
    // A fill beyond the volume.
    let mut broken = book.clone();
    let clearing = broken.clearing.as_mut().unwrap();
    clearing.fills[1].1 += 1; // buy 1: 1,501 of its 2,000 Wh
    assert_eq!(
        check_energy_slot(&community, &broken),
        Err(Violation::EnergyFillsOffVolume {
            side: Side::Buy,
            filled_wh: 4_501,
            volume_wh: 4_500
        })
    );
    // A fill of a cancelled order.
    let mut broken = book.clone();
    let mut orders = broken.orders.to_vec();
    orders[3].cancelled = true;
    broken.orders = BoundedVec::try_from_vec(orders).unwrap();
    assert_eq!(
        check_energy_slot(&community, &broken),
        Err(Violation::EnergyFillWithoutOrder { order_number: 3 })
    );
    // Settled although a meter with fills is not attested.
    let mut broken = book.clone();
    broken.attestations = BoundedVec::try_from_vec(book.attestations[1..].to_vec()).unwrap();
    assert_eq!(
        check_energy_slot(&community, &broken),
        Err(Violation::EnergySettledWithoutSettlement {
            code: Code::MissingAttestation
        })
    );
    // A price below a matched sell's limit (sell 4 asked 15).
    let mut broken = book;
    broken.clearing.as_mut().unwrap().price = 14;
    assert_eq!(
        check_energy_slot(&community, &broken),
        Err(Violation::EnergyFillBeyondOrder {
            order_number: 4,
            filled_wh: 2_000,
            price: 14
        })
    );
}

mod conservation {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any orders, any metering: settlement pays sellers what buyers pay, and
        /// every credit has its debit.
        #[test]
        fn settled_slots_conserve_money(
            orders in proptest::collection::vec((0u8..6, any::<bool>(), 1u64..5_000, 0u64..40), 1..20),
            metering in proptest::collection::vec((0u64..6_000, 0u64..6_000), 6),
        ) {
            let mut world = world_with_community();
            for (meter, buy, wh, limit) in &orders {
                let side = if *buy { Side::Buy } else { Side::Sell };
                prop_assert!(place(&mut world, 60 + meter, 0, side, *wh, *limit).is_success());
            }
            world.time_ms = SLOT_0_START + SLOT_MS;
            world.execute(&[]).unwrap();
            for (meter, (produced, consumed)) in metering.iter().enumerate() {
                prop_assert!(attest(&mut world, meter as u64, *produced, *consumed).is_success());
            }
            let receipt = world.act(ENERGY_OPERATOR, Action::SettleSlot(SettleSlot { community_id: 0, slot: 0 }));
            let Some(Event::SlotSettled { paid_by_buyers, paid_to_sellers, grid_credit, grid_debit, .. }) = receipt.events.first().cloned() else {
                panic!("not settled: {receipt:?}");
            };
            prop_assert_eq!(paid_by_buyers, paid_to_sellers);
            let accounts: Vec<EnergyAccount> = (60..66u8)
                .map(account)
                .chain([grid_account()])
                .filter_map(|a| world.state.entries.get(&keys::energy_account(0, &a)).map(|b| decode(b).unwrap()))
                .collect();
            let credits: u64 = accounts.iter().map(|a| a.credit).sum();
            let debits: u64 = accounts.iter().map(|a| a.debit).sum();
            prop_assert_eq!(credits, debits);
            // Sellers' shortfall debits are the grid's credit, buyers' feed-in credits
            // the grid's debit: both sides carry P·Q + G·Σs + F·Σe.
            prop_assert_eq!(credits, paid_to_sellers + grid_credit + grid_debit);
        }
    }
}
