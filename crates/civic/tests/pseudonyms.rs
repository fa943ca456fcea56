//! A citizen's pseudonyms stay apart on chain (docs/privacy.md): one key per
//! programme or community, one identity commitment per resident pseudonym, and
//! residency attested per programme key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::Action;
use civitas_civic::Code;
use civitas_civic::action::*;
use civitas_civic::aid::ProgrammeRules;
use civitas_types::{AccountId, BoundedVec, Hash};
use common::*;

/// One citizen's two programme keys.
const FOOD_KEY: u8 = 50;
const HEATING_KEY: u8 = 51;

fn rules() -> ProgrammeRules {
    ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 100_000,
        cap_per_period_cents: 20_000,
        period_ms: 30 * 24 * 3_600_000,
        starts_at_ms: 1_000_000,
        ends_at_ms: 40_000_000_000,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: true,
    }
}

fn enrol_resident(key: u8, commitment: u8) -> Action {
    Action::EnrolResident(EnrolResident {
        collectivity: SIREN,
        resident: account(key),
        identity_commitment: Hash([commitment; 32]),
    })
}

fn enrol_beneficiary(programme_id: u64, key: u8) -> Action {
    Action::EnrolBeneficiary(EnrolBeneficiary {
        programme_id,
        beneficiary: account(key),
        eligibility_commitment: Hash([key; 32]),
    })
}

/// Two residency programmes (0 and 1).
fn world() -> World {
    let mut world = World::new();
    for _ in 0..2 {
        assert!(
            world
                .act(ADMINISTRATOR, Action::CreateProgramme(rules()))
                .is_success()
        );
    }
    world
}

#[test]
fn a_key_serves_one_programme_only() {
    let mut world = world();
    assert!(
        world
            .act(IDENTITY_REGISTRAR, enrol_resident(FOOD_KEY, 1))
            .is_success()
    );
    assert!(
        world
            .act(ADMINISTRATOR, enrol_beneficiary(0, FOOD_KEY))
            .is_success()
    );
    assert_eq!(
        world
            .act(ADMINISTRATOR, enrol_beneficiary(1, FOOD_KEY))
            .code,
        Code::PseudonymInUse.number()
    );
    // The same programme again (after a revocation) is the same use.
    let revoke = RevokeBeneficiary {
        programme_id: 0,
        beneficiary: account(FOOD_KEY),
    };
    assert!(
        world
            .act(ADMINISTRATOR, Action::RevokeBeneficiary(revoke))
            .is_success()
    );
    assert!(
        world
            .act(ADMINISTRATOR, enrol_beneficiary(0, FOOD_KEY))
            .is_success()
    );
}

#[test]
fn an_identity_commitment_serves_one_pseudonym_only() {
    let mut world = world();
    assert!(
        world
            .act(IDENTITY_REGISTRAR, enrol_resident(FOOD_KEY, 1))
            .is_success()
    );
    assert_eq!(
        world
            .act(IDENTITY_REGISTRAR, enrol_resident(HEATING_KEY, 1))
            .code,
        Code::CommitmentReused.number()
    );
    assert!(
        world
            .act(IDENTITY_REGISTRAR, enrol_resident(HEATING_KEY, 2))
            .is_success()
    );
}

/// Every state entry whose key or value contains `needle`.
fn entries_mentioning(world: &World, needle: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let contains = |haystack: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
    world
        .state
        .entries
        .iter()
        .filter(|(key, value)| contains(key) || contains(value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

#[test]
fn residency_is_attested_per_programme_key_and_no_state_entry_links_two_keys() {
    let mut world = world();
    for (programme, key, commitment) in [(0, FOOD_KEY, 1), (1, HEATING_KEY, 2)] {
        assert!(
            world
                .act(IDENTITY_REGISTRAR, enrol_resident(key, commitment))
                .is_success()
        );
        assert!(
            world
                .act(ADMINISTRATOR, enrol_beneficiary(programme, key))
                .is_success()
        );
    }
    let AccountId(food) = account(FOOD_KEY);
    let AccountId(heating) = account(HEATING_KEY);
    let food_entries = entries_mentioning(&world, &food);
    let heating_entries = entries_mentioning(&world, &heating);
    assert!(!food_entries.is_empty() && !heating_entries.is_empty());
    for entry in &food_entries {
        assert!(!heating_entries.contains(entry), "an entry names both keys");
    }
    // Nor do the two keys' entries share any 32-byte value (a commitment, say).
    let words = |entries: &[(Vec<u8>, Vec<u8>)]| -> Vec<Vec<u8>> {
        entries
            .iter()
            .flat_map(|(k, v)| [k.clone(), v.clone()])
            .flat_map(|bytes| bytes.windows(32).map(<[u8]>::to_vec).collect::<Vec<_>>())
            .collect()
    };
    let heating_words = words(&heating_entries);
    for word in words(&food_entries) {
        assert!(
            word == food || !heating_words.contains(&word),
            "a 32-byte value appears under both keys"
        );
    }
}

#[test]
fn a_meter_owner_key_serves_one_community_and_no_programme() {
    let mut world = world();
    let community = CreateCommunity {
        collectivity: SIREN,
        slot_ms: 1_800_000,
        first_slot_ms: 0,
        grid_price: 25,
        feed_in_price: 10,
    };
    for _ in 0..2 {
        let receipt = world.act(ENERGY_OPERATOR, Action::CreateCommunity(community.clone()));
        assert!(receipt.is_success(), "{receipt:?}");
    }
    let meter = |community_id: u64, commitment: u8| {
        Action::RegisterMeter(RegisterMeter {
            community_id,
            commitment: Hash([commitment; 32]),
            owner: account(FOOD_KEY),
        })
    };
    assert!(world.act(ENERGY_OPERATOR, meter(0, 1)).is_success());
    assert!(
        world.act(ENERGY_OPERATOR, meter(0, 2)).is_success(),
        "a household's second meter in the same community"
    );
    assert_eq!(
        world.act(ENERGY_OPERATOR, meter(1, 3)).code,
        Code::PseudonymInUse.number()
    );
    assert!(
        world
            .act(IDENTITY_REGISTRAR, enrol_resident(FOOD_KEY, 1))
            .is_success()
    );
    assert_eq!(
        world
            .act(ADMINISTRATOR, enrol_beneficiary(0, FOOD_KEY))
            .code,
        Code::PseudonymInUse.number()
    );
}
