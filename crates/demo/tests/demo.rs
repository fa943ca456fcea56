//! The demo chain's genesis passes its checks, and its activity succeeds on
//! civic execution however it is split over blocks, with the invariants an
//! auditor checks holding after every block.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::BTreeSet;

use civitas_civic::aid::{Beneficiary, Programme};
use civitas_civic::energy::SlotBook;
use civitas_civic::invariants::{check_block, check_figures, check_programme_entries};
use civitas_civic::model::{NamespaceName, Record, Role, Scope};
use civitas_civic::{Action, BlockContext, BlockEvidence, MemoryState, execute_block, keys};
use civitas_demo::activity::{ORDER_CENTS, ORDER_SLOT, PERMIT_ID, SLOT_MS, SPEND_CENTS};
use civitas_demo::{
    ASSOCIATIONS, BUILDING_PERMITS, CHAIN_ID, CITY_SIREN, DAY_MS, accounts, activity,
    activity_steps, genesis,
};
use civitas_genesis::GenesisDocument;
use civitas_types::{AccountId, PublicKey, SignedTransaction, SigningKey, decode, encode};

/// 2026-09-21 UTC, not on a half hour.
const TIME_MS: u64 = 1_790_000_123_456;

fn validator_keys() -> (PublicKey, PublicKey) {
    (
        SigningKey::from_seed(&[1; 32]).public_key(),
        SigningKey::from_seed(&[2; 32]).public_key(),
    )
}

fn demo_genesis(time_ms: u64) -> GenesisDocument {
    let (validator, network) = validator_keys();
    genesis(&validator, &network, time_ms)
}

fn address(name: &str) -> AccountId {
    accounts()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no demo account {name}"))
        .address
}

/// Executes `blocks` one after the other from `genesis`'s state, block `i` at
/// `times[i]`, checking that every transaction succeeds and the invariants
/// hold after every block. Returns the final state.
fn run(genesis: &GenesisDocument, blocks: &[Vec<SignedTransaction>], times: &[u64]) -> MemoryState {
    assert_eq!(blocks.len(), times.len());
    let mut state = genesis.check().unwrap().state;
    for (index, (transactions, time_ms)) in blocks.iter().zip(times).enumerate() {
        let context = BlockContext {
            chain_id: genesis.chain_id.clone(),
            height: genesis.initial_height + index as u64,
            time_ms: *time_ms,
            protocol_version: genesis.protocol_version,
        };
        let outcome = execute_block(&state, &context, transactions, BlockEvidence::none()).unwrap();
        assert_eq!(outcome.receipts.len(), transactions.len());
        for (receipt, transaction) in outcome.receipts.iter().zip(transactions) {
            let action: Action = decode(&transaction.body.payload).unwrap();
            assert!(
                receipt.is_success(),
                "block {index} at {time_ms}: {action:?} failed: {receipt:?}"
            );
        }
        let before = state.clone();
        state.apply(outcome.writes.clone());
        check_block(&state, &outcome.writes).unwrap();
        check_figures(&before, &state, &outcome.writes).unwrap();
    }
    check_programme_entries(&state, 0).unwrap();
    state
}

/// What the activity leaves: balances, the slot's orders, the amended permit.
fn check_final_state(state: &MemoryState) {
    let get = |key: Vec<u8>| state.entries.get(&key).expect("written by the activity");
    let programme: Programme = decode(get(keys::programme(0))).unwrap();
    assert!(programme.is_conserved());
    assert_eq!(programme.merchant_balances_cents, SPEND_CENTS);
    assert_eq!(
        programme.beneficiary_balances_cents,
        ORDER_CENTS - SPEND_CENTS
    );
    let resident: Beneficiary = decode(get(keys::beneficiary(
        0,
        &address("resident 1, aid pseudonym"),
    )))
    .unwrap();
    assert_eq!(resident.balance_cents, ORDER_CENTS - SPEND_CENTS);
    let grocer: u64 = decode(get(keys::merchant_balance(0, &address("grocer")))).unwrap();
    assert_eq!(grocer, SPEND_CENTS);
    let book: SlotBook = decode(get(keys::slot_book(0, ORDER_SLOT))).unwrap();
    assert_eq!(book.orders.len(), 2);
    assert!(book.clearing.is_none(), "the gate is still open");
    let namespace = NamespaceName::from_text(BUILDING_PERMITS).unwrap();
    let record_id =
        civitas_types::BoundedBytes::try_from_vec(PERMIT_ID.as_bytes().to_vec()).unwrap();
    let record: Record = decode(get(keys::record(&namespace, &record_id))).unwrap();
    assert_eq!(record.version, 2);
    assert_eq!(record.owner, Some(address("resident 3")));
}

#[test]
fn demo_genesis_passes_every_check() {
    for time_ms in [TIME_MS, 1, 1_700_000_000_000, 4_102_444_800_000] {
        let document = demo_genesis(time_ms);
        let checked = document.check().unwrap();
        assert_eq!(checked.validators.validators().len(), 1);
        assert_eq!(document.chain_id.as_str(), CHAIN_ID);
        assert_eq!(document.genesis_time_ms, time_ms);
        assert!(CITY_SIREN.is_valid());
        // The file form operators read converts back exactly.
        let json = civitas_genesis::to_json(&document);
        assert_eq!(civitas_genesis::from_json(&json).unwrap(), document);
    }
    let document = demo_genesis(TIME_MS);
    assert_eq!(document.consensus.timeouts, Default::default());
    assert_eq!(document.consensus.time, Default::default());
    assert!(document.consensus.block.transactions_max <= 1_000);
}

#[test]
fn demo_accounts_hold_the_roles_they_claim() {
    let all = accounts();
    let names: BTreeSet<_> = all.iter().map(|a| a.name).collect();
    let addresses: BTreeSet<_> = all.iter().map(|a| a.address).collect();
    assert_eq!(names.len(), all.len());
    assert_eq!(addresses.len(), all.len());
    for account in &all {
        assert_eq!(
            account.address,
            AccountId::from_public_key(&account.key.public_key())
        );
    }
    let document = demo_genesis(TIME_MS);
    assert_eq!(
        document.collectivities[0].council_account,
        address("city council")
    );
    assert!(
        all[0].role.contains(&CITY_SIREN.to_string()),
        "{}",
        all[0].role
    );
    let held: BTreeSet<(AccountId, Role, Scope)> = document
        .grants
        .iter()
        .map(|g| (g.account, g.role, g.scope.clone()))
        .collect();
    let city = Scope::Collectivity(CITY_SIREN);
    let namespace = |text| Scope::Namespace(NamespaceName::from_text(text).unwrap());
    let expected: BTreeSet<(AccountId, Role, Scope)> = [
        (
            address("aid administrator (ordonnateur)"),
            Role::AidAdministrator,
            city.clone(),
        ),
        (
            address("aid accountant (comptable)"),
            Role::AidAccountant,
            city.clone(),
        ),
        (
            address("energy operator"),
            Role::EnergyOperator,
            city.clone(),
        ),
        (
            address("registrar"),
            Role::Registrar,
            namespace(BUILDING_PERMITS),
        ),
        (
            address("registrar"),
            Role::Registrar,
            namespace(ASSOCIATIONS),
        ),
        (address("grocer"), Role::Merchant, city.clone()),
        (address("pharmacy"), Role::Merchant, city),
    ]
    .into_iter()
    .collect();
    assert_eq!(held, expected);
}

#[test]
fn demo_account_addresses_are_frozen() {
    // People type these and guides cite them: a change of key derivation or
    // of a label must be deliberate.
    let expected = [
        (
            "city council",
            "civ1xasfz3tpzz7r2k5nae69mk0ulpdxscvew6j9vqg63x3jqcyrs4rsa88sw8",
        ),
        (
            "aid administrator (ordonnateur)",
            "civ1qv6sadgkug29ynht6mvjp6lrt74afwsrh0r2as4syuzllgk067eqty3er9",
        ),
        (
            "aid accountant (comptable)",
            "civ1wd6d0uptjgl5wd8mqx37tuz4fq0y3he3rajv2l7vlmf80076he0sfjk3l8",
        ),
        (
            "energy operator",
            "civ175edtg574jjnq5km6pypc4q9gnj97a8zs75gnwv5emm479hrxmpssv9l7x",
        ),
        (
            "registrar",
            "civ1kk7ashz8vwvwl2z24y8h8el94drt06vde9qqhqempsl2nser9mdq29el4h",
        ),
        (
            "grocer",
            "civ1ym0ensdfs6a9ph8gkfnfnh2tru034v2lg4mnz2pfe6wta42ljdsqnnf2a8",
        ),
        (
            "pharmacy",
            "civ1na53v0arjhhr9n5eyw983l7fahx0dvwpuu0x7lzsze34cpd35utqm6gnvz",
        ),
        (
            "resident 1, aid pseudonym",
            "civ1e3uqzyf6vvx8zwds2ze9c5u2z0s4eayd76ptcn9n2lnnm04h528qqfwgfk",
        ),
        (
            "resident 2, aid pseudonym",
            "civ19wukzc35wxf04fthp0akv5taft4cerwvgkyl5e87zjzm7kzzvw3q0eekdp",
        ),
        (
            "resident 1, energy pseudonym",
            "civ1zsazv3fyqcyt9m3ujmsw0u5r5nyzrdafcqwg82zpy03pkd0ltlqspevcax",
        ),
        (
            "resident 2, energy pseudonym",
            "civ19m7w2ap7ucnagyt46p5g3d7vajcglmf094khq6zw050sn3c6ymwq0pp5t8",
        ),
        (
            "resident 3",
            "civ1g78sgtay59pg45zzm4uhgwcz2suqa6xtstcldhuyvryjmupcc2dsa7h8jw",
        ),
    ];
    let found: Vec<(&str, String)> = accounts()
        .iter()
        .map(|a| (a.name, a.address.to_string()))
        .collect();
    let expected: Vec<(&str, String)> = expected
        .iter()
        .map(|(name, address)| (*name, address.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn demo_activity_succeeds_in_one_block() {
    let document = demo_genesis(TIME_MS);
    let transactions = activity(&document);
    assert_eq!(transactions.len(), 13);
    for time_ms in [TIME_MS + 1_000, TIME_MS + DAY_MS] {
        let state = run(&document, std::slice::from_ref(&transactions), &[time_ms]);
        check_final_state(&state);
    }
}

#[test]
fn demo_activity_succeeds_one_transaction_per_block() {
    let document = demo_genesis(TIME_MS);
    let transactions = activity(&document);
    let blocks: Vec<_> = transactions.iter().map(|tx| vec![tx.clone()]).collect();
    // From a second after genesis to a day after it.
    let step = (DAY_MS - 1_000) / (blocks.len() as u64 - 1);
    let times: Vec<u64> = (0..blocks.len() as u64)
        .map(|i| TIME_MS + 1_000 + i * step)
        .collect();
    assert!(*times.last().unwrap() <= TIME_MS + DAY_MS);
    check_final_state(&run(&document, &blocks, &times));
    // And at a quick devnet's pace, one block a second.
    let quick: Vec<u64> = (1..=blocks.len() as u64)
        .map(|i| TIME_MS + i * 1_000)
        .collect();
    check_final_state(&run(&document, &blocks, &quick));
}

#[test]
fn demo_activity_succeeds_in_any_split() {
    let document = demo_genesis(TIME_MS);
    let transactions = activity(&document);
    let n = transactions.len();
    // Every split into two blocks, and every split into three of which the
    // middle one holds a single transaction.
    for cut in 1..n {
        let blocks = [transactions[..cut].to_vec(), transactions[cut..].to_vec()];
        run(&document, &blocks, &[TIME_MS + 1_000, TIME_MS + DAY_MS]);
    }
    for cut in 0..n - 1 {
        let blocks = [
            transactions[..cut].to_vec(),
            transactions[cut..cut + 1].to_vec(),
            transactions[cut + 1..].to_vec(),
        ];
        run(
            &document,
            &blocks,
            &[TIME_MS + 1, TIME_MS + 2, TIME_MS + DAY_MS],
        );
    }
}

#[test]
fn demo_activity_steps_succeed_in_any_order_of_signers() {
    let document = demo_genesis(TIME_MS);
    let steps = activity_steps(&document);
    assert_eq!(steps.len(), 3);
    assert_eq!(steps.concat(), activity(&document));
    // Two interleavings a mempool could pick: signers in increasing and in
    // decreasing order, each signer's sequences kept increasing.
    for reverse in [false, true] {
        let blocks: Vec<Vec<SignedTransaction>> = steps
            .iter()
            .map(|step| {
                let mut step = step.clone();
                step.sort_by_key(|tx| (tx.body.signer, tx.body.sequence));
                if reverse {
                    step.sort_by_key(|tx| (std::cmp::Reverse(tx.body.signer), tx.body.sequence));
                }
                step
            })
            .collect();
        let times = [TIME_MS + 1_000, TIME_MS + 2_000, TIME_MS + 3_000];
        check_final_state(&run(&document, &blocks, &times));
    }
}

#[test]
fn demo_activity_sequences_start_at_zero_per_signer() {
    let document = demo_genesis(TIME_MS);
    let mut next = std::collections::BTreeMap::new();
    for tx in activity(&document) {
        let expected = next.entry(tx.body.signer).or_insert(0u64);
        assert_eq!(tx.body.sequence, *expected);
        *expected += 1;
        assert_eq!(tx.body.chain_id, document.chain_id);
        assert!(tx.body.expiry_height >= 1_000_000);
    }
}

#[test]
fn demo_energy_orders_wait_for_a_gate_two_days_ahead() {
    for time_ms in [TIME_MS, 1_790_001_000_000, 1_790_000_999_999] {
        let first_slot_ms = time_ms - time_ms % SLOT_MS;
        let gate_ms = first_slot_ms + ORDER_SLOT * SLOT_MS;
        assert!(gate_ms > time_ms + DAY_MS + DAY_MS / 2);
        assert!(gate_ms <= time_ms + 2 * DAY_MS);
    }
}

#[test]
fn demo_same_inputs_same_bytes() {
    let first = demo_genesis(TIME_MS);
    let again = demo_genesis(TIME_MS);
    assert_eq!(first.encode(), again.encode());
    assert_ne!(first.hash(), demo_genesis(TIME_MS + 1).hash());
    let bytes = |document: &GenesisDocument| -> Vec<Vec<u8>> {
        activity(document).iter().map(encode).collect()
    };
    assert_eq!(bytes(&first), bytes(&again));
    assert_ne!(bytes(&first), bytes(&demo_genesis(TIME_MS + DAY_MS)));
    let keys = |list: Vec<civitas_demo::DemoAccount>| -> Vec<[u8; 32]> {
        list.iter().map(|a| a.key.seed()).collect()
    };
    assert_eq!(keys(accounts()), keys(accounts()));
}

#[test]
fn a_demo_network_of_four_validators_passes_every_check_and_runs_the_activity() {
    let keys: Vec<(PublicKey, PublicKey)> = (1..=4u8)
        .map(|n| {
            (
                SigningKey::from_seed(&[n; 32]).public_key(),
                SigningKey::from_seed(&[n + 100; 32]).public_key(),
            )
        })
        .collect();
    let document = civitas_demo::genesis_for(&keys, TIME_MS).unwrap();
    let checked = document.check().unwrap();
    assert_eq!(checked.validators.validators().len(), 4);
    assert_eq!(document.collectivities.len(), 4);
    assert_eq!(
        document.chain.validator_change_delay,
        civitas_demo::LOCALNET_VALIDATOR_CHANGE_DELAY
    );
    let single = civitas_demo::genesis_for(&keys[..1], TIME_MS).unwrap();
    assert_eq!(single, demo_genesis_for(&keys[0], TIME_MS));
    let steps = activity_steps(&document);
    let times: Vec<u64> = (1..=steps.len() as u64)
        .map(|n| TIME_MS + n * 1_000)
        .collect();
    run(&document, &steps, &times);
    assert!(civitas_demo::genesis_for(&[], TIME_MS).is_err());
}

fn demo_genesis_for(keys: &(PublicKey, PublicKey), time_ms: u64) -> GenesisDocument {
    genesis(&keys.0, &keys.1, time_ms)
}
