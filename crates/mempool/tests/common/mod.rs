//! The smallest valid civic state: one collectivity and one validator.

use civitas_civic::model::{ChainParameters, Collectivity, Siren, ValidatorEntry};
use civitas_civic::{GenesisState, MemoryState};
use civitas_types::{AccountId, BoundedBytes, PublicKey};

/// The collectivity of the test state.
pub const SIREN: Siren = Siren(200_046_977);

/// A genesis state whose only validator is `validator`.
pub fn genesis(validator: PublicKey) -> MemoryState {
    GenesisState {
        collectivities: vec![Collectivity {
            siren: SIREN,
            name: BoundedBytes::try_from_vec(b"Ville".to_vec()).expect("short name"),
            voting_power: 1,
            council_account: AccountId([9; 32]),
        }],
        validators: vec![ValidatorEntry {
            public_key: validator,
            power: 1,
            siren: SIREN,
        }],
        parameters: ChainParameters::default(),
        ..Default::default()
    }
    .build()
    .expect("valid genesis")
}
