//! Property tests over random sequences of civic actions by random actors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::aid::{Beneficiary, Programme, ProgrammeRules, ProgrammeStatus};
use civitas_civic::model::{Role, Scope};
use civitas_civic::{Action, Event, keys};
use civitas_types::{BoundedBytes, BoundedVec, Hash, SignedTransaction, decode};
use common::*;
use proptest::prelude::*;

const NAMESPACES: [&str; 3] = [
    "permits/building",
    "certificates/residence",
    "parking/permits",
];

fn aid_strategy() -> impl Strategy<Value = Action> {
    let person = 50u8..53;
    let amount = prop_oneof![1u64..3_000, 0u64..1, 19_000u64..21_000];
    prop_oneof![
        (person.clone(), any::<u8>()).prop_map(|(p, c)| Action::EnrolBeneficiary(
            EnrolBeneficiary {
                programme_id: 0,
                beneficiary: account(p),
                eligibility_commitment: Hash([c; 32])
            }
        )),
        person
            .clone()
            .prop_map(|p| Action::RevokeBeneficiary(RevokeBeneficiary {
                programme_id: 0,
                beneficiary: account(p)
            })),
        (person.clone(), amount.clone()).prop_map(|(p, a)| Action::OrderDisbursement(
            OrderDisbursement {
                programme_id: 0,
                beneficiary: account(p),
                amount_cents: a
            }
        )),
        (0u64..6).prop_map(|o| Action::ExecuteOrder(ExecuteOrder {
            programme_id: 0,
            order_id: o
        })),
        (0u64..6).prop_map(|o| Action::RejectOrder(RejectOrder {
            programme_id: 0,
            order_id: o,
            reason_code: 1
        })),
        (prop::sample::select(vec![GROCER, JEWELLER]), amount.clone()).prop_map(|(m, a)| {
            Action::Spend(Spend {
                programme_id: 0,
                merchant: account(m),
                amount_cents: a,
            })
        }),
        amount.prop_map(|a| Action::Redeem(Redeem {
            programme_id: 0,
            amount_cents: a
        })),
        Just(Action::CloseProgramme(CloseProgramme { programme_id: 0 })),
    ]
}

fn action_strategy() -> impl Strategy<Value = Action> {
    let ns = prop::sample::select(NAMESPACES.to_vec());
    let record = prop::sample::select(vec!["R-1", "R-2", "R-3"]);
    let person = 5u8..9;
    prop_oneof![
        (person.clone(), any::<u8>()).prop_map(|(p, c)| Action::EnrolResident(EnrolResident {
            collectivity: SIREN,
            resident: account(p),
            identity_commitment: Hash([c; 32])
        })),
        (person.clone(), any::<u16>()).prop_map(|(p, r)| Action::RevokeResident(RevokeResident {
            collectivity: SIREN,
            resident: account(p),
            reason_code: r
        })),
        (person.clone(), 0u64..40_000).prop_map(|(p, e)| Action::Delegate(Delegate {
            role: Role::IdentityRegistrar,
            scope: Scope::Collectivity(SIREN),
            delegate: account(p),
            expires_at_ms: 1_000_000 + e,
            act_hash: Hash([9; 32])
        })),
        person
            .clone()
            .prop_map(|p| Action::RevokeDelegation(RevokeDelegation {
                role: Role::IdentityRegistrar,
                scope: Scope::Collectivity(SIREN),
                delegate: account(p)
            })),
        (
            ns.clone(),
            record.clone(),
            any::<u8>(),
            proptest::option::of(person.clone())
        )
            .prop_map(|(n, r, d, o)| Action::RegisterRecord(RegisterRecord {
                namespace: namespace(n),
                record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap(),
                document_hash: Hash([d; 32]),
                metadata: metadata_for(n, u32::from(d)),
                owner: o.map(account),
            })),
        (ns.clone(), record.clone(), any::<u8>()).prop_map(|(n, r, d)| Action::AmendRecord(
            AmendRecord {
                namespace: namespace(n),
                record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap(),
                document_hash: Hash([d; 32]),
                metadata: metadata_for(n, u32::from(d)),
            }
        )),
        (ns.clone(), record.clone(), person.clone()).prop_map(|(n, r, p)| {
            Action::RequestTransfer(RequestTransfer {
                namespace: namespace(n),
                record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap(),
                new_owner: account(p),
            })
        }),
        (ns.clone(), record.clone()).prop_map(|(n, r)| Action::ApproveTransfer(ApproveTransfer {
            namespace: namespace(n),
            record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap()
        })),
        (ns, record, any::<u16>()).prop_map(|(n, r, c)| Action::RevokeRecord(RevokeRecord {
            namespace: namespace(n),
            record_id: BoundedBytes::try_from_vec(r.as_bytes().to_vec()).unwrap(),
            reason_code: c
        })),
    ]
}

/// Actors: the offices (1, 2, 3, 10, 11, 12), merchants (13, 14), citizens
/// (5..9) and beneficiaries (50..53); any may try any action.
fn step_strategy() -> impl Strategy<Value = Vec<(u8, Action)>> {
    let actor = prop::sample::select(vec![1u8, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 14, 50, 51, 52]);
    let action = prop_oneof![action_strategy(), aid_strategy(), aid_strategy()];
    proptest::collection::vec((actor, action), 1..8)
}

/// The aid invariants of PRODUCT.md, checked on the whole state.
fn check_aid_invariants(world: &World) -> Result<(), TestCaseError> {
    let Some(bytes) = world.state.entries.get(&keys::programme(0)) else {
        return Ok(());
    };
    let programme: Programme = decode(bytes).unwrap();
    prop_assert!(
        programme.is_conserved(),
        "conservation law broken: {programme:?}"
    );
    prop_assert!(programme.unreserved_cents <= programme.rules.budget_cents);
    let mut beneficiaries = 0u64;
    let mut merchants = 0u64;
    for (key, value) in &world.state.entries {
        match key.first() {
            Some(&keys::table::BENEFICIARY) => {
                let entry: Beneficiary = decode(value).unwrap();
                prop_assert!(
                    entry.ordered_in_period_cents <= programme.rules.cap_per_period_cents,
                    "cap exceeded"
                );
                beneficiaries += entry.balance_cents;
            }
            Some(&keys::table::MERCHANT_BALANCE) => merchants += decode::<u64>(value).unwrap(),
            _ => {}
        }
    }
    if programme.status == ProgrammeStatus::Open {
        prop_assert_eq!(beneficiaries, programme.beneficiary_balances_cents);
    } else {
        prop_assert_eq!(programme.beneficiary_balances_cents, 0);
    }
    prop_assert_eq!(merchants, programme.merchant_balances_cents);
    Ok(())
}

fn aid_rules() -> ProgrammeRules {
    ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 60_000,
        cap_per_period_cents: 20_000,
        period_ms: 20_000,
        starts_at_ms: 0,
        ends_at_ms: u64::MAX,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: false,
    }
}

fn sign_block(world: &World, steps: &[(u8, Action)]) -> Vec<SignedTransaction> {
    let mut sequences = world.sequences.clone();
    steps
        .iter()
        .map(|(seed, action)| {
            let mut tx = world.transaction(*seed, action);
            let next = sequences.entry(account(*seed)).or_insert(0);
            tx.body.sequence = *next;
            *next += 1;
            SignedTransaction::sign(tx.body, &[&key(*seed)]).unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn blocks_are_deterministic_and_failures_leave_no_trace(blocks in proptest::collection::vec(step_strategy(), 1..8)) {
        let mut world = World::new();
        prop_assert!(world.act(ADMINISTRATOR, Action::CreateProgramme(aid_rules())).is_success());
        for steps in blocks {
            let transactions = sign_block(&world, &steps);
            // Determinism: the same block over the same state, twice.
            let first = civitas_civic::execute_block(&world.state, &world.context(), &transactions, civitas_civic::BlockEvidence::none()).unwrap();
            let second = civitas_civic::execute_block(&world.state.clone(), &world.context(), &transactions, civitas_civic::BlockEvidence::none()).unwrap();
            prop_assert_eq!(&first, &second);
            prop_assert_eq!(first.receipts.len(), transactions.len());
            // Failed transactions: replayed one per block from the same start, a failed
            // one writes nothing but its account's sequence.
            let mut solo = World { state: world.state.clone(), height: world.height, time_ms: world.time_ms, protocol_version: world.protocol_version, sequences: world.sequences.clone() };
            for (tx, receipt) in transactions.iter().zip(&first.receipts) {
                let alone = civitas_civic::execute_block(&solo.state, &solo.context(), std::slice::from_ref(tx), civitas_civic::BlockEvidence::none()).unwrap();
                let recorded = !alone.receipts[0].is_success() && !alone.receipts[0].events.is_empty();
                if recorded {
                    // A failure whose refusal is recorded: only an order lapsing.
                    let lapsed = matches!(alone.receipts[0].events[..], [Event::OrderLapsed { .. }]);
                    prop_assert!(lapsed);
                }
                if !alone.receipts[0].is_success() && !recorded {
                    // Beyond what the block's hooks write anyway (an empty block shows
                    // it), a failed transaction writes only its account's sequence.
                    let hooks = civitas_civic::execute_block(&solo.state, &solo.context(), &[], civitas_civic::BlockEvidence::none()).unwrap();
                    let mut extra = alone.writes.clone();
                    for (key, value) in &hooks.writes {
                        let removed = extra.remove(key);
                        prop_assert_eq!(removed.as_ref(), Some(value));
                    }
                    prop_assert_eq!(extra.keys().cloned().collect::<Vec<_>>(), vec![keys::account(&tx.body.signer)]);
                    prop_assert!(alone.receipts[0].events.is_empty());
                }
                solo.state.apply(alone.writes);
                let _ = receipt;
            }
            // Sequential single-transaction blocks reach the same state as the whole block.
            let mut whole = world.state.clone();
            whole.apply(first.writes.clone());
            prop_assert_eq!(&whole, &solo.state);
            world.execute(&transactions).unwrap();
            check_aid_invariants(&world)?;
        }
    }
}

mod energy {
    //! Energy slots over random books: several orders per meter, on both sides,
    //! over two slots, some cancelled, metered at random. After every block each
    //! slot it touched passes `check_energy_slot`; each settlement's bookings are
    //! compared with a computation of this file's own, per meter and side.
    use super::*;
    use civitas_civic::clearing::Side;
    use civitas_civic::energy::{Community, EnergyAccount, SlotBook, grid_account};
    use civitas_civic::invariants::check_energy_slot;
    use civitas_civic::{BlockOutcome, Event};
    use civitas_types::AccountId;

    const SLOT_MS: u64 = 30 * 60_000;
    const GRID: u64 = 25;
    const FEED_IN: u64 = 5;
    /// Meters 0..4, owned by seeds 60..64.
    const METERS: u8 = 4;

    fn owner(meter: u8) -> u8 {
        60 + meter
    }

    fn accounts() -> Vec<AccountId> {
        (0..METERS)
            .map(|m| account(owner(m)))
            .chain([grid_account()])
            .collect()
    }

    fn balances(world: &World) -> Vec<EnergyAccount> {
        accounts()
            .iter()
            .map(|a| {
                world
                    .state
                    .entries
                    .get(&keys::energy_account(0, a))
                    .map_or_else(EnergyAccount::default, |b| decode(b).unwrap())
            })
            .collect()
    }

    /// What settling `book` must book, computed here: (credit, debit) per meter
    /// owner in meter order, then the grid's; and the SlotSettled figures.
    fn expected(book: &SlotBook) -> (Vec<(u64, u64)>, Event) {
        let clearing = book.clearing.clone().unwrap();
        let price = clearing.price;
        let mut sold = [0u64; METERS as usize];
        let mut bought = [0u64; METERS as usize];
        for (number, wh) in &clearing.fills {
            let order = &book.orders[*number as usize];
            match order.side {
                Side::Sell => sold[order.meter_id as usize] += wh,
                Side::Buy => bought[order.meter_id as usize] += wh,
            }
        }
        assert_eq!(sold.iter().sum::<u64>(), clearing.volume_wh);
        assert_eq!(bought.iter().sum::<u64>(), clearing.volume_wh);
        let mut lines = vec![(0u64, 0u64); METERS as usize + 1];
        let (mut shortfalls, mut excesses) = (0, 0);
        for meter in 0..METERS as usize {
            let metered = book
                .attestations
                .iter()
                .find(|a| a.meter_id == meter as u64);
            let (produced, consumed) = metered.map_or((0, 0), |a| (a.produced_wh, a.consumed_wh));
            // Energy law: a seller is paid, net of its shortfall, for what it
            // delivered and no more; a buyer is charged, net of its excess, for
            // what it used; the grid takes the difference.
            let delivered = sold[meter].min(produced);
            let shortfall = sold[meter] - delivered;
            let used = bought[meter].min(consumed);
            let excess = bought[meter] - used;
            assert!(delivered <= produced && used <= consumed);
            lines[meter] = (
                price * sold[meter] + FEED_IN * excess,
                GRID * shortfall + price * bought[meter],
            );
            shortfalls += shortfall;
            excesses += excess;
        }
        lines[METERS as usize] = (GRID * shortfalls, FEED_IN * excesses);
        let traded = price * clearing.volume_wh;
        let event = Event::SlotSettled {
            community_id: 0,
            slot: 0,
            paid_by_buyers: traded,
            paid_to_sellers: traded,
            grid_credit: GRID * shortfalls,
            grid_debit: FEED_IN * excesses,
        };
        (lines, event)
    }

    /// Executes a block, then checks every slot it touched, and each settlement
    /// it made against [`expected`].
    fn block(world: &mut World, steps: &[(u8, Action)]) -> Result<BlockOutcome, TestCaseError> {
        let before = balances(world);
        let outcome = world.execute(&sign_block(world, steps)).unwrap();
        let community: Community = decode(&world.state.entries[&keys::community(0)]).unwrap();
        for (key, value) in &outcome.writes {
            if key.first() == Some(&keys::table::SLOT_BOOK) {
                let book: SlotBook = decode(value.as_ref().unwrap()).unwrap();
                let checked = check_energy_slot(&community, &book);
                prop_assert_eq!(checked, Ok(()), "slot key {:?}", key);
            }
        }
        let settled: Vec<Event> = outcome
            .receipts
            .iter()
            .flat_map(|r| r.events.iter())
            .filter(|e| matches!(e, Event::SlotSettled { .. }))
            .cloned()
            .collect();
        prop_assert!(settled.len() <= 1, "one settlement per block here");
        if let Some(Event::SlotSettled { slot, .. }) = settled.first() {
            let book: SlotBook = decode(&world.state.entries[&keys::slot_book(0, *slot)]).unwrap();
            let (lines, event) = expected(&book);
            let Event::SlotSettled {
                paid_by_buyers,
                paid_to_sellers,
                grid_credit,
                grid_debit,
                ..
            } = event
            else {
                unreachable!()
            };
            prop_assert_eq!(
                &settled[0],
                &Event::SlotSettled {
                    community_id: 0,
                    slot: *slot,
                    paid_by_buyers,
                    paid_to_sellers,
                    grid_credit,
                    grid_debit
                }
            );
            let after = balances(world);
            for (index, (credit, debit)) in lines.iter().enumerate() {
                prop_assert_eq!(
                    after[index].credit - before[index].credit,
                    *credit,
                    "credit of account {}",
                    index
                );
                prop_assert_eq!(
                    after[index].debit - before[index].debit,
                    *debit,
                    "debit of account {}",
                    index
                );
            }
            // Money: what sellers are credited at the price is what buyers are
            // debited, and every credit has its debit.
            prop_assert_eq!(paid_by_buyers, paid_to_sellers);
            let credits: u64 = lines.iter().map(|l| l.0).sum();
            let debits: u64 = lines.iter().map(|l| l.1).sum();
            prop_assert_eq!(credits, debits);
        }
        Ok(outcome)
    }

    fn order_strategy() -> impl Strategy<Value = (u64, bool, u64, u64)> {
        // (slot, buy, Wh, limit): small quantities and a narrow price band, so
        // that books cross, partial fills happen and meters often miss their
        // quantities.
        (0u64..2, any::<bool>(), 1u64..3_000, 0u64..40)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn settled_slots_keep_the_energy_and_money_laws(
            per_meter in proptest::collection::vec(proptest::collection::vec(order_strategy(), 2..5), METERS as usize),
            cancels in proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
            metering in proptest::collection::vec((0u64..4_000, 0u64..4_000), 2 * METERS as usize),
            late in proptest::option::of(0u8..METERS),
            chunk in 1usize..6,
        ) {
            let mut world = World::new();
            let first_slot_ms = world.time_ms + SLOT_MS;
            let mut setup = vec![(ENERGY_OPERATOR, Action::CreateCommunity(CreateCommunity {
                collectivity: SIREN, slot_ms: SLOT_MS, first_slot_ms, grid_price: GRID, feed_in_price: FEED_IN,
            }))];
            for meter in 0..METERS {
                setup.push((ENERGY_OPERATOR, Action::RegisterMeter(RegisterMeter {
                    community_id: 0, commitment: Hash([owner(meter); 32]), owner: account(owner(meter)),
                })));
            }
            block(&mut world, &setup)?;
            // Orders, meters interleaved: (owner, slot, order number in the slot).
            let mut placed: Vec<(u8, u64, u32)> = Vec::new();
            let mut numbers = [0u32; 2];
            let mut steps = Vec::new();
            for round in 0..5 {
                for meter in 0..METERS {
                    let Some((slot, buy, energy_wh, limit_price)) = per_meter[meter as usize].get(round).copied() else { continue };
                    let side = if buy { Side::Buy } else { Side::Sell };
                    steps.push((owner(meter), Action::PlaceEnergyOrder(PlaceEnergyOrder {
                        community_id: 0, slot, meter_id: u64::from(meter), side, energy_wh, limit_price,
                    })));
                    placed.push((owner(meter), slot, numbers[slot as usize]));
                    numbers[slot as usize] += 1;
                }
            }
            for chunk in steps.chunks(chunk) {
                let outcome = block(&mut world, chunk)?;
                prop_assert!(outcome.receipts.iter().all(|r| r.is_success()), "{:?}", outcome.receipts);
            }
            let cancels: Vec<(u8, Action)> = cancels.iter().map(|index| {
                let (seed, slot, order_number) = *index.get(&placed);
                (seed, Action::CancelEnergyOrder(CancelEnergyOrder { community_id: 0, slot, order_number }))
            }).collect();
            block(&mut world, &cancels)?;
            // Gate closure of slot 0, then of slot 1 (the end of slot 0).
            world.time_ms = first_slot_ms;
            block(&mut world, &[])?;
            world.time_ms = first_slot_ms + SLOT_MS;
            block(&mut world, &[])?;
            for slot in 0..2u64 {
                let attest = |meter: u8| (ENERGY_OPERATOR, Action::AttestMeter(AttestMeter {
                    community_id: 0, slot, meter_id: u64::from(meter),
                    produced_wh: metering[slot as usize * METERS as usize + meter as usize].0,
                    consumed_wh: metering[slot as usize * METERS as usize + meter as usize].1,
                }));
                let settle = (ENERGY_OPERATOR, Action::SettleSlot(SettleSlot { community_id: 0, slot }));
                // One meter may be attested late: settling before it fails if it
                // has fills, and the slot settles once whatever the order.
                let mut first: Vec<(u8, Action)> = (0..METERS).filter(|m| Some(*m) != late).map(attest).collect();
                first.push(settle.clone());
                block(&mut world, &first)?;
                let mut second: Vec<(u8, Action)> = late.map(attest).into_iter().collect();
                second.push(settle);
                block(&mut world, &second)?;
                let book: SlotBook = decode(&world.state.entries[&keys::slot_book(0, slot)]).unwrap();
                // A slot nobody ordered for is never cleared, so never settled.
                let ordered = placed.iter().any(|(_, s, _)| *s == slot);
                prop_assert_eq!(book.settled, ordered, "slot {}", slot);
                world.time_ms += SLOT_MS;
            }
        }
    }
}
