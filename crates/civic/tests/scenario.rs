//! A realistic month for a demo collectivity, checked against totals computed
//! independently of the state machine: an aid programme for 1,000 beneficiaries
//! with a recurring monthly disbursement, spending and redemption; 48 half-hour
//! slots of a 20-meter energy community; 200 registry records with amendments,
//! transfers and revocations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::aid::{Programme, ProgrammeRules};
use civitas_civic::clearing::Side;
use civitas_civic::energy::{EnergyAccount, grid_account};
use civitas_civic::model::Record;
use civitas_civic::{Action, Event, keys};
use civitas_types::{
    AccountId, BoundedBytes, BoundedVec, Hash, SignedTransaction, SigningKey, TransactionBody,
    decode, encode,
};
use common::*;

const DAY_MS: u64 = 24 * 3_600_000;
const MONTH_MS: u64 = 30 * DAY_MS;
const BENEFICIARIES: usize = 1_000;
const MONTHLY_CENTS: u64 = 15_000;

fn person_key(tag: u8, i: usize) -> SigningKey {
    let mut seed = [tag; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    SigningKey::from_seed(&seed)
}

fn id_of(key: &SigningKey) -> AccountId {
    AccountId::from_public_key(&key.public_key())
}

/// The document of record `i`'s version `version`: each distinct, since a
/// namespace indexes a document hash for one record only (code 609).
fn document(i: usize, version: u8) -> Hash {
    let mut bytes = [version; 32];
    bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
    Hash(bytes)
}

/// Signs `actions` in order with consecutive sequences and executes them as one block.
fn block(world: &mut World, actions: Vec<(SigningKey, Action)>) -> civitas_civic::BlockOutcome {
    let mut next = world.sequences.clone();
    let transactions: Vec<SignedTransaction> = actions
        .into_iter()
        .map(|(key, action)| {
            let signer = id_of(&key);
            let sequence = next.entry(signer).or_insert(0);
            let body = TransactionBody {
                chain_id: chain_id(),
                signer,
                sequence: *sequence,
                expiry_height: u64::MAX,
                payload: BoundedBytes::try_from_vec(encode(&action)).unwrap(),
            };
            *sequence += 1;
            SignedTransaction::sign(body, &[&key]).unwrap()
        })
        .collect();
    let outcome = world.execute(&transactions).unwrap();
    for (receipt, tx) in outcome.receipts.iter().zip(&transactions) {
        assert!(
            receipt.is_success(),
            "{receipt:?} for {:?}",
            decode::<Action>(&tx.body.payload)
        );
    }
    outcome
}

#[test]
fn a_month_of_social_aid() {
    let mut world = World::new();
    let start = world.time_ms;
    let rules = ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 50_000_000,
        cap_per_period_cents: MONTHLY_CENTS,
        period_ms: MONTH_MS,
        starts_at_ms: start,
        ends_at_ms: start + 12 * MONTH_MS,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: false,
    };
    block(
        &mut world,
        vec![(key(ADMINISTRATOR), Action::CreateProgramme(rules))],
    );
    let people: Vec<SigningKey> = (0..BENEFICIARIES).map(|i| person_key(0xa1, i)).collect();
    let mut enrolments = Vec::new();
    for person in &people {
        enrolments.push((
            key(ADMINISTRATOR),
            Action::EnrolBeneficiary(EnrolBeneficiary {
                programme_id: 0,
                beneficiary: id_of(person),
                eligibility_commitment: Hash([7; 32]),
            }),
        ));
        enrolments.push((
            key(ADMINISTRATOR),
            Action::ScheduleRecurring(ScheduleRecurring {
                programme_id: 0,
                beneficiary: id_of(person),
                amount_cents: MONTHLY_CENTS,
            }),
        ));
    }
    block(&mut world, enrolments);
    // The next block's hook orders the month for everyone.
    let outcome = block(&mut world, vec![]);
    let ordered: Vec<u64> = outcome
        .block_events
        .iter()
        .filter_map(|e| match e {
            Event::DisbursementOrdered { order_id, .. } => Some(*order_id),
            _ => None,
        })
        .collect();
    assert_eq!(ordered.len(), BENEFICIARIES);
    // The comptable executes them all.
    block(
        &mut world,
        ordered
            .iter()
            .map(|o| {
                (
                    key(ACCOUNTANT),
                    Action::ExecuteOrder(ExecuteOrder {
                        programme_id: 0,
                        order_id: *o,
                    }),
                )
            })
            .collect(),
    );
    // Beneficiary i spends (i mod 10 + 1) × 10 € at the grocer over the month.
    world.time_ms += 10 * DAY_MS;
    block(
        &mut world,
        people
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    p.clone(),
                    Action::Spend(Spend {
                        programme_id: 0,
                        merchant: account(GROCER),
                        amount_cents: (i as u64 % 10 + 1) * 1_000,
                    }),
                )
            })
            .collect(),
    );
    let spent: u64 = (0..BENEFICIARIES as u64)
        .map(|i| (i % 10 + 1) * 1_000)
        .sum();
    assert_eq!(spent, 5_500_000);
    block(
        &mut world,
        vec![(
            key(GROCER),
            Action::Redeem(Redeem {
                programme_id: 0,
                amount_cents: spent / 2,
            }),
        )],
    );
    let programme: Programme =
        decode(world.state.entries.get(&keys::programme(0)).unwrap()).unwrap();
    let paid = BENEFICIARIES as u64 * MONTHLY_CENTS;
    assert_eq!(programme.beneficiary_balances_cents, paid - spent);
    assert_eq!(programme.merchant_balances_cents, spent / 2);
    assert_eq!(programme.redeemed_cents, spent / 2);
    assert_eq!(programme.reserved_cents, 0);
    assert_eq!(programme.unreserved_cents, 50_000_000 - paid);
    assert!(programme.is_conserved());
    // The next month is ordered again, once.
    world.time_ms = start + MONTH_MS + DAY_MS;
    let outcome = block(&mut world, vec![]);
    assert_eq!(outcome.block_events.len(), BENEFICIARIES);
    assert!(block(&mut world, vec![]).block_events.is_empty());
}

/// Independent auction: expand every order into 50-Wh units and match unit by unit.
fn unit_auction(orders: &[(Side, u64, u64)]) -> (u64, u64) {
    let mut buys: Vec<(u64, usize)> = Vec::new();
    let mut sells: Vec<(u64, usize)> = Vec::new();
    for (number, (side, wh, limit)) in orders.iter().enumerate() {
        for _ in 0..wh / 50 {
            match side {
                Side::Buy => buys.push((*limit, number)),
                Side::Sell => sells.push((*limit, number)),
            }
        }
    }
    buys.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    sells.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let matched = buys
        .iter()
        .zip(&sells)
        .take_while(|(b, s)| b.0 >= s.0)
        .count();
    let (last_buy, last_sell) = (buys[matched - 1].0, sells[matched - 1].0);
    (matched as u64 * 50, (last_buy + last_sell) / 2)
}

#[test]
fn forty_eight_energy_slots_of_a_twenty_meter_community() {
    let mut world = World::new();
    const SLOT_MS: u64 = 30 * 60_000;
    let first_slot = world.time_ms + SLOT_MS;
    block(
        &mut world,
        vec![(
            key(ENERGY_OPERATOR),
            Action::CreateCommunity(CreateCommunity {
                collectivity: SIREN,
                slot_ms: SLOT_MS,
                first_slot_ms: first_slot,
                grid_price: 25,
                feed_in_price: 5,
            }),
        )],
    );
    let owners: Vec<SigningKey> = (0..20).map(|m| person_key(0xe1, m)).collect();
    block(
        &mut world,
        owners
            .iter()
            .zip(0u8..)
            .map(|(o, m)| {
                (
                    key(ENERGY_OPERATOR),
                    Action::RegisterMeter(RegisterMeter {
                        community_id: 0,
                        // One meter point each: a commitment is registered once.
                        commitment: Hash([m; 32]),
                        owner: id_of(o),
                    }),
                )
            })
            .collect(),
    );
    // Meters 0..9 sell, 10..19 buy; the same book every slot.
    let book: Vec<(Side, u64, u64)> = (0..20u64)
        .map(|m| {
            if m < 10 {
                (Side::Sell, 1_000 + 100 * m, 10 + m)
            } else {
                (Side::Buy, 800 + 50 * (m - 10), 25 - (m - 10))
            }
        })
        .collect();
    let (expected_volume, expected_price) = unit_auction(&book);
    // Orders for all 48 slots, placed before the first gate closure.
    let mut orders = Vec::new();
    for slot in 0..48u64 {
        for (m, (side, wh, limit)) in book.iter().enumerate() {
            orders.push((
                owners[m].clone(),
                Action::PlaceEnergyOrder(PlaceEnergyOrder {
                    community_id: 0,
                    slot,
                    meter_id: m as u64,
                    side: *side,
                    energy_wh: *wh,
                    limit_price: *limit,
                }),
            ));
        }
    }
    block(&mut world, orders);
    let (mut buyers_paid, mut sellers_paid) = (0u64, 0u64);
    let mut cleared: std::collections::BTreeMap<u64, (u64, u64)> =
        std::collections::BTreeMap::new();
    fn record_clearings(
        cleared: &mut std::collections::BTreeMap<u64, (u64, u64)>,
        events: &[Event],
    ) {
        for event in events {
            if let Event::SlotCleared {
                slot,
                price,
                volume_wh,
                ..
            } = event
            {
                assert!(
                    cleared.insert(*slot, (*volume_wh, *price)).is_none(),
                    "slot {slot} cleared twice"
                );
            }
        }
    }
    for slot in 0..48u64 {
        // The first block at or after the slot's start clears it (here, the block
        // that settles the previous slot, or this one).
        world.time_ms = world.time_ms.max(first_slot + slot * SLOT_MS);
        let events = block(&mut world, vec![]).block_events;
        record_clearings(&mut cleared, &events);
        let (volume_wh, price) = cleared
            .get(&slot)
            .copied()
            .unwrap_or_else(|| panic!("slot {slot} not cleared"));
        assert_eq!(
            (volume_wh, price),
            (expected_volume, expected_price),
            "slot {slot}"
        );
        // After the slot: sellers produced 90% of their offer, buyers used all they bought.
        world.time_ms = first_slot + (slot + 1) * SLOT_MS + 1;
        let mut actions: Vec<(SigningKey, Action)> = book
            .iter()
            .enumerate()
            .map(|(m, (side, wh, _))| {
                let (produced, consumed) = if *side == Side::Sell {
                    (wh * 9 / 10, 0)
                } else {
                    (0, *wh)
                };
                (
                    key(ENERGY_OPERATOR),
                    Action::AttestMeter(AttestMeter {
                        community_id: 0,
                        slot,
                        meter_id: m as u64,
                        produced_wh: produced,
                        consumed_wh: consumed,
                    }),
                )
            })
            .collect();
        actions.push((
            key(ENERGY_OPERATOR),
            Action::SettleSlot(SettleSlot {
                community_id: 0,
                slot,
            }),
        ));
        let settled = block(&mut world, actions);
        record_clearings(&mut cleared, &settled.block_events);
        let Some(Event::SlotSettled {
            paid_by_buyers,
            paid_to_sellers,
            ..
        }) = settled
            .receipts
            .last()
            .and_then(|r| r.events.first())
            .cloned()
        else {
            panic!("slot {slot} not settled");
        };
        assert_eq!(
            paid_by_buyers, paid_to_sellers,
            "money is conserved in slot {slot}"
        );
        assert_eq!(paid_by_buyers, volume_wh * price);
        buyers_paid += paid_by_buyers;
        sellers_paid += paid_to_sellers;
    }
    assert_eq!(cleared.len(), 48);
    assert_eq!(
        cleared.values().map(|(v, _)| v).sum::<u64>(),
        48 * expected_volume
    );
    assert_eq!(buyers_paid, sellers_paid);
    // Across all accounts, credits equal debits.
    let accounts: Vec<EnergyAccount> = owners
        .iter()
        .map(id_of)
        .chain([grid_account()])
        .filter_map(|a| {
            world
                .state
                .entries
                .get(&keys::energy_account(0, &a))
                .map(|b| decode(b).unwrap())
        })
        .collect();
    assert_eq!(
        accounts.iter().map(|a| a.credit).sum::<u64>(),
        accounts.iter().map(|a| a.debit).sum::<u64>()
    );
}

#[test]
fn two_hundred_registry_records() {
    let mut world = World::new();
    let owners: Vec<SigningKey> = (0..200).map(|i| person_key(0xc1, i)).collect();
    let record_id =
        |i: usize| BoundedBytes::try_from_vec(format!("PC-2026-{i:04}").into_bytes()).unwrap();
    let ns = namespace("permits/building");
    block(
        &mut world,
        (0..200)
            .map(|i| {
                (
                    key(REGISTRAR),
                    Action::RegisterRecord(RegisterRecord {
                        namespace: ns.clone(),
                        record_id: record_id(i),
                        document_hash: document(i, 1),
                        metadata: metadata_for("permits/building", i as u32),
                        owner: Some(id_of(&owners[i])),
                    }),
                )
            })
            .collect(),
    );
    // Every 4th record amended twice; every 5th transferred (request + approval);
    // every 10th revoked (after its other changes).
    let amend = |i: usize, h: u8| {
        (
            key(REGISTRAR),
            Action::AmendRecord(AmendRecord {
                namespace: ns.clone(),
                record_id: record_id(i),
                document_hash: document(i, h),
                metadata: metadata_for("permits/building", u32::from(h)),
            }),
        )
    };
    block(
        &mut world,
        (0..200)
            .filter(|i| i % 4 == 0)
            .flat_map(|i| [amend(i, 2), amend(i, 3)])
            .collect(),
    );
    let new_owner = |i: usize| id_of(&owners[(i + 1) % 200]);
    block(
        &mut world,
        (0..200)
            .filter(|i| i % 5 == 0)
            .map(|i| {
                (
                    owners[i].clone(),
                    Action::RequestTransfer(RequestTransfer {
                        namespace: ns.clone(),
                        record_id: record_id(i),
                        new_owner: new_owner(i),
                    }),
                )
            })
            .collect(),
    );
    block(
        &mut world,
        (0..200)
            .filter(|i| i % 5 == 0)
            .map(|i| {
                (
                    key(REGISTRAR),
                    Action::ApproveTransfer(ApproveTransfer {
                        namespace: ns.clone(),
                        record_id: record_id(i),
                    }),
                )
            })
            .collect(),
    );
    block(
        &mut world,
        (0..200)
            .filter(|i| i % 10 == 0)
            .map(|i| {
                (
                    key(REGISTRAR),
                    Action::RevokeRecord(RevokeRecord {
                        namespace: ns.clone(),
                        record_id: record_id(i),
                        reason_code: 7,
                    }),
                )
            })
            .collect(),
    );
    let (mut versions, mut transferred, mut revoked) = (0u32, 0, 0);
    #[allow(clippy::needless_range_loop)] // `i` also names the record and its rules
    for i in 0..200 {
        let record: Record = decode(
            world
                .state
                .entries
                .get(&keys::record(&ns, &record_id(i)))
                .unwrap(),
        )
        .unwrap();
        let expected_version = if i % 4 == 0 { 3 } else { 1 };
        assert_eq!(record.version, expected_version, "record {i}");
        let expected_owner = if i % 5 == 0 {
            new_owner(i)
        } else {
            id_of(&owners[i])
        };
        assert_eq!(record.owner, Some(expected_owner), "record {i}");
        assert_eq!(record.revoked, (i % 10 == 0).then_some(7), "record {i}");
        for v in 1..=record.version {
            assert!(
                world
                    .state
                    .entries
                    .contains_key(&keys::record_version(&ns, &record_id(i), v))
            );
        }
        versions += record.version;
        transferred += usize::from(i % 5 == 0);
        revoked += usize::from(record.revoked.is_some());
    }
    assert_eq!((versions, transferred, revoked), (200 + 2 * 50, 40, 20));
}
