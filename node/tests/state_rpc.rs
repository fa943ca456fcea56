//! The public civic state methods against a real node on the demo genesis,
//! after the demo activity and a few more transactions (two council
//! proposals, one voted through; a community with short slots that clears
//! while the test waits): `civitas_getCollectivity`, `civitas_getProgramme`,
//! `civitas_getMerchant`, `civitas_getCommunity`, `civitas_getSlot` and
//! `civitas_getProposal` answer what the activity did, every entry checks
//! against a header whose certificate checks against the genesis
//! validators (altered values do not), unknown ids are `null` with a proof of
//! absence, and malformed parameters get INVALID_PARAMS.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::time::{Duration, Instant};

use civitas_civic::Action;
use civitas_civic::action::{CreateCommunity, PlaceEnergyOrder, RegisterMeter};
use civitas_civic::clearing::Side;
use civitas_civic::governance::GovernanceAction;
use civitas_civic::model::{Role, Scope};
use civitas_demo::activity::{ORDER_CENTS, ORDER_SLOT, PROGRAMME_BUDGET_CENTS, SPEND_CENTS};
use civitas_demo::{CITY_NAME, CITY_SIREN, COUNCIL_POWER, FOOD, PHARMACY};
use civitas_rpc_api::{Certified, CivitasApiClient, INVALID_PARAMS, ProvenEntry, from_hex, to_hex};
use civitas_types::{AccountId, BoundedVec, Hash, SigningKey};
use common::{DemoHome, Node, account, call_error, now_ms, sign};

#[test]
fn civic_state_is_answered_with_proofs_that_check() {
    let home = DemoHome::new();
    let node = home.start_with_activity();
    let merchant = council_business(&home, &node);

    collectivities(&home, &node);
    programmes(&home, &node);
    merchants(&home, &node, &merchant);
    proposals(&home, &node, &merchant);
    communities_and_slots(&home, &node);

    // Still serving.
    node.rpc.status().unwrap();
}

/// Every entry checks against the certified root; the first present one,
/// altered, does not; an absent one claimed present does not.
fn all_check(home: &DemoHome, entries: &[ProvenEntry], certified: &Certified) {
    let root = home.checked_root(certified);
    for entry in entries {
        entry.verify(&root).unwrap();
    }
    let mut forged = entries[0].clone();
    forged.value = Some(match &forged.value {
        Some(value) => {
            let flipped = if value.ends_with('0') { '1' } else { '0' };
            format!("{}{flipped}", &value[..value.len() - 1])
        }
        None => "00".to_owned(),
    });
    assert!(forged.verify(&root).is_err());
}

/// Submits `transaction` and waits until it is committed successfully.
fn commit(node: &Node, transaction: &civitas_types::SignedTransaction) {
    let id = node.rpc.submit(transaction).unwrap();
    let view = node.wait_for_transaction(&id);
    assert!(view.receipt.success, "{view:?}");
}

/// The council proposes, and votes through, a merchant accreditation for
/// programme 0 alone (proposal 0); then proposes a freeze it never votes
/// on (proposal 1). Returns the new merchant's account.
fn council_business(home: &DemoHome, node: &Node) -> AccountId {
    let merchant = AccountId::from_public_key(&SigningKey::from_seed(&[51; 32]).public_key());
    let mut council = civitas_demo::council::Council::new(&home.genesis);
    let expires = now_ms() + 24 * 3_600_000;
    let grant = GovernanceAction::GrantRole {
        account: merchant,
        role: Role::Merchant,
        scope: Scope::Programme(CITY_SIREN, 0),
        categories: BoundedVec::try_from_vec(vec![PHARMACY]).unwrap(),
    };
    commit(node, &council.propose(0, grant, "grant", expires).unwrap());
    commit(node, &council.vote(0, 0).unwrap());
    let freeze = GovernanceAction::FreezeProgramme(0);
    commit(
        node,
        &council.propose(0, freeze, "freeze", expires).unwrap(),
    );
    merchant
}

fn collectivities(home: &DemoHome, node: &Node) {
    let rpc = &node.rpc;
    let city = rpc
        .call(async |c| c.get_collectivity(CITY_SIREN.0).await)
        .unwrap();
    let view = city.collectivity.clone().unwrap();
    assert_eq!(view.siren, CITY_SIREN.0);
    assert_eq!(view.name, CITY_NAME);
    assert_eq!(view.council_power, COUNCIL_POWER.to_string());
    assert_eq!(
        view.council_account,
        account("city council").address.to_string()
    );
    assert_eq!(city.certified.header.height, city.height);
    all_check(home, &city.entries, &city.certified);
    // Its officials, each proven: the demo city's administrator, accountant,
    // energy operator and the registrar of its two namespaces; never a
    // merchant.
    let offices: Vec<(String, String)> = city
        .officials
        .iter()
        .map(|o| {
            let scope = o.scope.namespace.clone().unwrap_or(o.scope.kind.clone());
            (o.role.clone(), scope)
        })
        .collect();
    for expected in [
        ("aidAdministrator", "collectivity"),
        ("aidAccountant", "collectivity"),
        ("energyOperator", "collectivity"),
        ("registrar", "permits/building"),
        ("registrar", "civil/associations"),
    ] {
        assert!(
            offices.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {offices:?}"
        );
    }
    assert!(
        city.officials.iter().all(|o| o.role != "merchant"),
        "{offices:?}"
    );
    assert_eq!(city.officials_omitted, 0);
    assert_eq!(city.entries.len(), city.officials.len() + 1);
    for (official, entry) in city.officials.iter().zip(&city.entries[1..]) {
        let key = from_hex(&entry.key).unwrap();
        let value = from_hex(entry.value.as_ref().unwrap()).unwrap();
        let (_, proven) = civitas_rpc_api::OfficialView::decode(&key, &value)
            .unwrap()
            .unwrap();
        assert_eq!(&proven, official);
    }

    // A valid SIREN that is not a member: null, its absence proven.
    let other = rpc
        .call(async |c| c.get_collectivity(732_829_320).await)
        .unwrap();
    assert!(other.collectivity.is_none() && other.entries[0].value.is_none());
    assert!(other.officials.is_empty());
    all_check(home, &other.entries, &other.certified);

    for bad in [123, 219_900_017] {
        let error = call_error(
            rpc.call(async |c| c.get_collectivity(bad).await)
                .unwrap_err(),
        );
        assert_eq!(error.code(), INVALID_PARAMS);
        assert!(error.message().contains("siren"), "{}", error.message());
    }
}

fn programmes(home: &DemoHome, node: &Node) {
    let rpc = &node.rpc;
    let answer = rpc
        .call(async |c| c.get_programme(0, None, Some(2)).await)
        .unwrap();
    let programme = answer.programme.clone().unwrap();
    assert_eq!(programme.collectivity, CITY_SIREN.0);
    assert_eq!(programme.budget_cents, PROGRAMME_BUDGET_CENTS.to_string());
    assert_eq!(programme.categories, [FOOD, PHARMACY]);
    assert_eq!(
        (programme.status.as_str(), programme.frozen),
        ("open", false)
    );
    assert_eq!(
        programme.unreserved_cents,
        (PROGRAMME_BUDGET_CENTS - ORDER_CENTS).to_string()
    );
    assert_eq!(programme.reserved_cents, "0");
    assert_eq!(
        programme.beneficiary_balances_cents,
        (ORDER_CENTS - SPEND_CENTS).to_string()
    );
    assert_eq!(programme.merchant_balances_cents, SPEND_CENTS.to_string());
    assert_eq!(programme.redeemed_cents, "0");
    assert_eq!(
        (
            programme.order_count,
            programme.beneficiary_count,
            programme.merchant_count
        ),
        (1, 2, 1)
    );
    assert_eq!(programme.closed_at_height, None);

    // Everything happened in period 0; period 1 moved nothing (proven absent).
    assert_eq!(answer.periods.len(), 2);
    assert_eq!(answer.entries.len(), 3);
    let first = &answer.periods[0];
    assert_eq!(first.period, 0);
    assert_eq!(first.budget_cents, PROGRAMME_BUDGET_CENTS.to_string());
    assert_eq!(first.reserved_cents, ORDER_CENTS.to_string());
    assert_eq!(first.executed_cents, ORDER_CENTS.to_string());
    assert_eq!(first.spent_cents, SPEND_CENTS.to_string());
    assert_eq!(first.redeemed_cents, "0");
    let second = &answer.periods[1];
    assert_eq!((second.period, second.budget_cents.as_str()), (1, "0"));
    assert!(answer.entries[2].value.is_none());
    all_check(home, &answer.entries, &answer.certified);

    // The default range: 12 periods from 0; a later range by name.
    let default = rpc
        .call(async |c| c.get_programme(0, None, None).await)
        .unwrap();
    assert_eq!(default.periods.len(), 12);
    let later = rpc
        .call(async |c| c.get_programme(0, Some(5), Some(1)).await)
        .unwrap();
    assert_eq!(later.periods[0].period, 5);

    // An unknown programme: null, no periods, its absence proven.
    let unknown = rpc
        .call(async |c| c.get_programme(77, None, None).await)
        .unwrap();
    assert!(unknown.programme.is_none() && unknown.periods.is_empty());
    assert_eq!(unknown.entries.len(), 1);
    all_check(home, &unknown.entries, &unknown.certified);

    for (from, periods) in [(None, Some(0)), (None, Some(25)), (Some(u64::MAX), None)] {
        let error = call_error(
            rpc.call(async |c| c.get_programme(0, from, periods).await)
                .unwrap_err(),
        );
        assert_eq!(error.code(), INVALID_PARAMS, "{from:?} {periods:?}");
    }
}

fn merchants(home: &DemoHome, node: &Node, accredited_by_council: &AccountId) {
    let rpc = &node.rpc;
    // The grocer: accredited for the whole city in food, which programme 0 takes.
    let grocer = account("grocer").address.to_string();
    let answer = rpc
        .call(async |c| c.get_merchant(0, grocer.clone()).await)
        .unwrap();
    assert!(answer.accredited);
    assert_eq!(answer.accepted_categories, [FOOD]);
    assert_eq!(answer.grants.len(), 1);
    assert_eq!(answer.grants[0].scope.kind, "collectivity");
    assert_eq!(answer.grants[0].categories, [FOOD]);
    // Programme, collectivity, grant for the programme (absent), for the city.
    assert_eq!(answer.entries.len(), 4);
    assert!(answer.entries[2].value.is_none() && answer.entries[3].value.is_some());
    all_check(home, &answer.entries, &answer.certified);

    // The merchant the council accredited for programme 0 alone.
    let granted = accredited_by_council.to_string();
    let answer = rpc
        .call(async |c| c.get_merchant(0, granted).await)
        .unwrap();
    assert!(answer.accredited);
    assert_eq!(answer.grants[0].scope.kind, "programme");
    assert_eq!(answer.grants[0].scope.id, Some(0));
    assert_eq!(answer.accepted_categories, [PHARMACY]);
    all_check(home, &answer.entries, &answer.certified);

    // A stranger: not accredited, both grants proven absent.
    let stranger = AccountId([3; 32]).to_string();
    let answer = rpc
        .call(async |c| c.get_merchant(0, stranger.clone()).await)
        .unwrap();
    assert!(!answer.accredited && answer.grants.is_empty());
    assert!(answer.entries[2].value.is_none() && answer.entries[3].value.is_none());
    all_check(home, &answer.entries, &answer.certified);

    // An unknown programme: only its absence.
    let answer = rpc
        .call(async |c| c.get_merchant(9, grocer.clone()).await)
        .unwrap();
    assert!(!answer.accredited);
    assert_eq!(answer.entries.len(), 1);
    all_check(home, &answer.entries, &answer.certified);

    let error = call_error(
        rpc.call(async |c| c.get_merchant(0, format!("x{stranger}")).await)
            .unwrap_err(),
    );
    assert_eq!(error.code(), INVALID_PARAMS);
    assert!(error.message().contains("merchant"), "{}", error.message());
}

fn proposals(home: &DemoHome, node: &Node, merchant: &AccountId) {
    let rpc = &node.rpc;
    let council = account("city council").address.to_string();

    // Proposal 0: the city voted in favour with its whole power; executed.
    let answer = rpc.call(async |c| c.get_proposal(0, None).await).unwrap();
    let proposal = answer.proposal.clone().unwrap();
    assert_eq!(proposal.proposer, council);
    assert_eq!(proposal.status, "executed");
    assert_eq!(proposal.power_in_favour, COUNCIL_POWER.to_string());
    assert_eq!(proposal.power_against, "0");
    assert_eq!(proposal.refusal_code, None);
    assert_eq!(proposal.action.kind, "GrantRole");
    assert_eq!(proposal.action.fields["account"], merchant.to_string());
    assert_eq!(proposal.action.fields["role"], "merchant");
    assert_eq!(answer.council_power, COUNCIL_POWER.to_string());
    assert_eq!(answer.votes.len(), 1);
    assert_eq!(answer.votes[0].collectivity, CITY_SIREN.0);
    assert!(answer.votes[0].in_favour);
    assert_eq!(answer.next_votes_after, None);
    // Proposal, council power, one vote.
    assert_eq!(answer.entries.len(), 3);
    all_check(home, &answer.entries, &answer.certified);

    // Paging: no vote after the city's; a votesAfter that is no SIREN is refused.
    let after = rpc
        .call(async |c| c.get_proposal(0, Some(CITY_SIREN.0)).await)
        .unwrap();
    assert!(after.votes.is_empty() && after.next_votes_after.is_none());
    assert_eq!(after.entries.len(), 2);
    let error = call_error(
        rpc.call(async |c| c.get_proposal(0, Some(123)).await)
            .unwrap_err(),
    );
    assert_eq!(error.code(), INVALID_PARAMS);
    assert!(
        error.message().contains("votesAfter"),
        "{}",
        error.message()
    );

    // Proposal 1: open, no vote yet.
    let answer = rpc.call(async |c| c.get_proposal(1, None).await).unwrap();
    let proposal = answer.proposal.clone().unwrap();
    assert_eq!(proposal.status, "open");
    assert_eq!(proposal.action.kind, "FreezeProgramme");
    assert_eq!(proposal.action.fields["programmeId"], 0);
    assert_eq!(proposal.power_in_favour, "0");
    assert!(answer.votes.is_empty());
    all_check(home, &answer.entries, &answer.certified);

    // No proposal 2: null, its absence proven.
    let answer = rpc.call(async |c| c.get_proposal(2, None).await).unwrap();
    assert!(answer.proposal.is_none() && answer.votes.is_empty());
    all_check(home, &answer.entries, &answer.certified);
}

fn communities_and_slots(home: &DemoHome, node: &Node) {
    let rpc = &node.rpc;
    // Community 0: the demo's, its orders for slot 96 waiting to clear.
    let answer = rpc.call(async |c| c.get_community(0).await).unwrap();
    let community = answer.community.clone().unwrap();
    assert_eq!(community.collectivity, CITY_SIREN.0);
    assert_eq!(community.slot_ms, civitas_demo::activity::SLOT_MS);
    assert_eq!((community.grid_price, community.feed_in_price), (25, 6));
    assert_eq!(community.meter_count, 2);
    assert_eq!(community.pending_slots, [ORDER_SLOT]);
    all_check(home, &answer.entries, &answer.certified);

    // Slot 96 has not cleared (its gate closes two days after genesis):
    // no figures, proven absent; never its orders.
    let slot = rpc.call(async |c| c.get_slot(0, ORDER_SLOT).await).unwrap();
    assert!(slot.figures.is_none());
    assert_eq!(slot.entries.len(), 1);
    assert_eq!(
        slot.entries[0].key,
        to_hex(civitas_civic::keys::slot_figures(0, ORDER_SLOT))
    );
    all_check(home, &slot.entries, &slot.certified);

    // Unknown community: null, proven absent.
    let answer = rpc.call(async |c| c.get_community(42).await).unwrap();
    assert!(answer.community.is_none());
    all_check(home, &answer.entries, &answer.certified);

    // A community of 2-second slots, a sell and a buy for a slot a few
    // seconds ahead: once it clears, its totals are served and proven.
    let (community, slot) = short_slot_trade(home, node);
    let deadline = Instant::now() + Duration::from_secs(90);
    let cleared = loop {
        let answer = rpc
            .call(async |c| c.get_slot(community, slot).await)
            .unwrap();
        if answer.figures.is_some() {
            break answer;
        }
        assert!(Instant::now() < deadline, "slot {slot} never cleared");
        std::thread::sleep(Duration::from_millis(200));
    };
    let figures = cleared.figures.clone().unwrap();
    assert_eq!(figures.volume_wh, "1500");
    assert!((10..=18).contains(&figures.price), "{figures:?}");
    assert!(!figures.settled);
    assert_eq!(figures.paid_by_buyers, "0");
    all_check(home, &cleared.entries, &cleared.certified);

    // Malformed parameters: a string where an id goes.
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"civitas_getSlot","params":["zero",1]}"#;
    let raw: serde_json::Value =
        serde_json::from_str(&common::post_json(node.rpc_address, body)).unwrap();
    assert_eq!(raw["error"]["code"], INVALID_PARAMS, "{raw}");
}

/// Community 1 (2-second slots), two meters of fresh keys, a sell of 2 kWh
/// at 10 and a buy of 1.5 kWh at 18 for a slot about 8 seconds ahead.
fn short_slot_trade(home: &DemoHome, node: &Node) -> (u64, u64) {
    let operator = account("energy operator");
    let rpc = &node.rpc;
    let address = operator.address.to_string();
    let mut sequence = rpc
        .call(async |c| c.get_account(address).await)
        .unwrap()
        .next_sequence;
    let mut by_operator = |action: Action| {
        let transaction = sign(&home.genesis, &operator.key, sequence, &action);
        sequence += 1;
        commit(node, &transaction);
    };
    let slot_ms = 2_000;
    let first_slot_ms = now_ms() - now_ms() % slot_ms;
    by_operator(Action::CreateCommunity(CreateCommunity {
        collectivity: CITY_SIREN,
        slot_ms,
        first_slot_ms,
        grid_price: 25,
        feed_in_price: 6,
    }));
    let owners = [
        SigningKey::from_seed(&[61; 32]),
        SigningKey::from_seed(&[62; 32]),
    ];
    for (n, owner) in owners.iter().enumerate() {
        by_operator(Action::RegisterMeter(RegisterMeter {
            community_id: 1,
            commitment: Hash([70 + n as u8; 32]),
            owner: AccountId::from_public_key(&owner.public_key()),
        }));
    }
    let slot = (now_ms() - first_slot_ms) / slot_ms + 4;
    let orders = [(Side::Sell, 2_000, 10), (Side::Buy, 1_500, 18)];
    let ids: Vec<String> = owners
        .iter()
        .zip(orders)
        .enumerate()
        .map(|(meter, (owner, (side, energy_wh, limit_price)))| {
            let order = Action::PlaceEnergyOrder(PlaceEnergyOrder {
                community_id: 1,
                slot,
                meter_id: meter as u64,
                side,
                energy_wh,
                limit_price,
            });
            node.rpc
                .submit(&sign(&home.genesis, owner, 0, &order))
                .unwrap()
        })
        .collect();
    for id in ids {
        let view = node.wait_for_transaction(&id);
        assert!(view.receipt.success, "{view:?}");
    }
    (1, slot)
}
