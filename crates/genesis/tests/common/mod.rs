//! A small valid genesis (one collectivity, one validator, two grants, one
//! namespace) and helpers shared by the tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use civitas_civic::metadata::{FieldKind, FieldName, FieldSpec};
use civitas_civic::model::{
    ChainParameters, Collectivity, Namespace, NamespaceName, Role, Scope, Siren, ValidatorEntry,
};
use civitas_genesis::{ConsensusParameters, GenesisDocument, GenesisGrant, GenesisNamespace};
use civitas_types::{AccountId, BoundedBytes, BoundedVec, ChainId, SigningKey};

/// Grand Lyon's SIREN in the examples (a valid Luhn number).
pub const SIREN: Siren = Siren(200_046_977);

pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

pub fn account(seed: u8) -> AccountId {
    AccountId::from_public_key(&key(seed).public_key())
}

/// The example of docs/genesis.md.
pub fn sample() -> GenesisDocument {
    GenesisDocument {
        protocol_version: 1,
        chain_id: ChainId::new("civitas-example-1").unwrap(),
        genesis_time_ms: 1_798_761_600_000,
        initial_height: 1,
        consensus: ConsensusParameters::default(),
        chain: ChainParameters {
            validators_min: 1,
            validator_change_delay: 2,
        },
        collectivities: BoundedVec::try_from_vec(vec![Collectivity {
            siren: SIREN,
            name: BoundedBytes::try_from_vec(b"Metropole de Lyon".to_vec()).unwrap(),
            voting_power: 1,
            council_account: account(10),
        }])
        .unwrap(),
        validators: BoundedVec::try_from_vec(vec![ValidatorEntry {
            public_key: key(1).public_key(),
            network_key: key(2).public_key(),
            power: 1,
            siren: SIREN,
        }])
        .unwrap(),
        grants: BoundedVec::try_from_vec(vec![
            GenesisGrant {
                account: account(20),
                role: Role::AidAdministrator,
                scope: Scope::Collectivity(SIREN),
                categories: BoundedVec::default(),
            },
            GenesisGrant {
                account: account(21),
                role: Role::Merchant,
                scope: Scope::Programme(SIREN, 0),
                categories: BoundedVec::try_from_vec(vec![1, 4]).unwrap(),
            },
        ])
        .unwrap(),
        namespaces: BoundedVec::try_from_vec(vec![GenesisNamespace {
            name: NamespaceName::from_text("permits/building").unwrap(),
            namespace: Namespace {
                collectivity: SIREN,
                transferable: true,
                transfer_needs_approval: true,
                fields: BoundedVec::try_from_vec(vec![FieldSpec {
                    name: FieldName::from_text("floor_area_m2").unwrap(),
                    kind: FieldKind::Amount,
                }])
                .unwrap(),
            },
        }])
        .unwrap(),
    }
}
