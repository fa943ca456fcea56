//! Every genesis check refuses what it should, with its own error: SIRENs,
//! duplicates, council accounts and powers, unknown collectivities, merchant
//! categories, chain parameters, the validator set (empty, below the minimum,
//! duplicate keys, one collectivity able to halt the network) and role grants
//! (both aid duties for one account).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::model::{
    ChainParameters, Collectivity, Namespace, Role, Scope, Siren, ValidatorEntry,
};
use civitas_civic::{GenesisError, GenesisGrant, GenesisState};
use civitas_types::BoundedBytes;
use common::*;

fn collectivity(siren: Siren, council_seed: u8, voting_power: u64) -> Collectivity {
    Collectivity {
        siren,
        name: BoundedBytes::try_from_vec(b"Commune".to_vec()).unwrap(),
        voting_power,
        council_account: account(council_seed),
    }
}

fn validator(seed: u8, siren: Siren, power: u64) -> ValidatorEntry {
    ValidatorEntry {
        public_key: key(seed).public_key(),
        network_key: key(seed.wrapping_add(128)).public_key(),
        power,
        siren,
    }
}

/// Four collectivities with one validator each: a valid genesis.
fn valid() -> GenesisState {
    let sirens = [SIREN, OTHER_SIREN, THIRD_SIREN, FOURTH_SIREN];
    GenesisState {
        collectivities: sirens
            .iter()
            .enumerate()
            .map(|(i, siren)| collectivity(*siren, 200 + i as u8, 10))
            .collect(),
        validators: sirens
            .iter()
            .enumerate()
            .map(|(i, siren)| validator(100 + i as u8, *siren, 10))
            .collect(),
        grants: vec![grant(ADMINISTRATOR, Role::AidAdministrator, SIREN)],
        namespaces: Vec::new(),
        parameters: ChainParameters::default(),
    }
}

fn grant(seed: u8, role: Role, siren: Siren) -> GenesisGrant {
    GenesisGrant {
        account: account(seed),
        role,
        scope: Scope::Collectivity(siren),
        categories: Vec::new(),
    }
}

fn refused(genesis: GenesisState) -> GenesisError {
    genesis.build().expect_err("the genesis must be refused")
}

#[test]
fn a_valid_genesis_builds() {
    assert!(valid().build().is_ok());
}

#[test]
fn an_invalid_siren_is_refused() {
    let mut genesis = valid();
    genesis.collectivities[0].siren = Siren(200_046_978);
    assert!(matches!(refused(genesis), GenesisError::InvalidSiren(_)));
}

#[test]
fn a_collectivity_listed_twice_is_refused() {
    let mut genesis = valid();
    genesis.collectivities.push(collectivity(SIREN, 250, 10));
    assert!(matches!(
        refused(genesis),
        GenesisError::DuplicateCollectivity(_)
    ));
}

#[test]
fn a_zero_council_power_or_a_shared_council_account_is_refused() {
    let mut zero = valid();
    zero.collectivities[1].voting_power = 0;
    assert!(matches!(refused(zero), GenesisError::InvalidCouncil(_)));
    let mut shared = valid();
    shared.collectivities[1].council_account = shared.collectivities[0].council_account;
    assert!(matches!(refused(shared), GenesisError::InvalidCouncil(_)));
}

#[test]
fn references_to_unknown_collectivities_are_refused() {
    let stranger = Siren(732_829_320);
    let mut by_grant = valid();
    by_grant.collectivities.retain(|c| c.siren != stranger);
    by_grant.validators.retain(|v| v.siren != stranger);
    by_grant.grants.push(grant(9, Role::Registrar, stranger));
    assert!(matches!(
        refused(by_grant.clone()),
        GenesisError::UnknownCollectivity(_)
    ));
    let mut by_namespace = by_grant.clone();
    by_namespace.grants.pop();
    by_namespace.namespaces.push((
        namespace("permits/building"),
        Namespace {
            collectivity: stranger,
            transferable: false,
            transfer_needs_approval: false,
            fields: Default::default(),
        },
    ));
    assert!(matches!(
        refused(by_namespace),
        GenesisError::UnknownCollectivity(_)
    ));
    let mut by_validator = by_grant;
    by_validator.grants.pop();
    by_validator.validators.push(validator(120, stranger, 1));
    assert!(matches!(
        refused(by_validator),
        GenesisError::UnknownCollectivity(_)
    ));
}

#[test]
fn an_invalid_namespace_name_is_refused() {
    let mut genesis = valid();
    genesis.namespaces.push((
        namespace("Permits"),
        Namespace {
            collectivity: SIREN,
            transferable: false,
            transfer_needs_approval: false,
            fields: Default::default(),
        },
    ));
    assert!(matches!(refused(genesis), GenesisError::InvalidNamespace));
}

#[test]
fn a_merchant_with_more_than_32_categories_is_refused() {
    let mut genesis = valid();
    let mut merchant = grant(13, Role::Merchant, SIREN);
    merchant.categories = (0..33).collect();
    genesis.grants.push(merchant);
    assert!(matches!(refused(genesis), GenesisError::TooManyCategories));
}

#[test]
fn a_change_delay_out_of_range_or_a_zero_minimum_is_refused() {
    let mut no_delay = valid();
    no_delay.parameters.validator_change_delay = 0;
    assert!(matches!(refused(no_delay), GenesisError::InvalidParameters));
    let mut too_long = valid();
    too_long.parameters.validator_change_delay =
        civitas_civic::model::VALIDATOR_CHANGE_DELAY_MAX + 1;
    assert!(matches!(refused(too_long), GenesisError::InvalidParameters));
    let mut no_minimum = valid();
    no_minimum.parameters.validators_min = 0;
    assert!(matches!(
        refused(no_minimum),
        GenesisError::InvalidParameters
    ));
}

#[test]
fn a_set_below_the_minimum_or_empty_is_refused() {
    let mut small = valid();
    small.parameters.validators_min = 5;
    assert!(matches!(refused(small), GenesisError::UnsafeValidators(_)));
    let mut empty = valid();
    empty.validators.clear();
    assert!(matches!(refused(empty), GenesisError::UnsafeValidators(_)));
}

#[test]
fn duplicate_validator_keys_are_refused() {
    let mut genesis = valid();
    genesis.validators[1].public_key = genesis.validators[0].public_key;
    assert!(matches!(
        refused(genesis),
        GenesisError::UnsafeValidators(_)
    ));
}

#[test]
fn a_collectivity_that_could_halt_the_network_is_refused() {
    let mut genesis = valid();
    // 15 of 45: a third of the power in one collectivity's hands.
    genesis.validators.push(validator(121, SIREN, 5));
    assert!(matches!(
        refused(genesis),
        GenesisError::UnsafeValidators(_)
    ));
}

#[test]
fn both_aid_duties_for_one_account_are_refused() {
    let mut genesis = valid();
    genesis
        .grants
        .push(grant(ADMINISTRATOR, Role::AidAccountant, SIREN));
    assert!(matches!(
        refused(genesis),
        GenesisError::RefusedGrant { .. }
    ));
}

#[test]
fn a_namespace_listed_twice_is_refused() {
    let mut genesis = valid();
    let namespace_entry = (
        namespace("permits/building"),
        Namespace {
            collectivity: SIREN,
            transferable: false,
            transfer_needs_approval: false,
            fields: Default::default(),
        },
    );
    genesis.namespaces.push(namespace_entry.clone());
    genesis.namespaces.push(namespace_entry);
    assert!(matches!(
        refused(genesis),
        GenesisError::DuplicateNamespace(name) if name == "permits/building"
    ));
}
