//! The demo accounts: who acts on the demo chain, with their keys.
//!
//! Each key's RFC 8032 seed is `SHA-256("civitas-demo/key/" || label)` for a
//! fixed label, so every devnet has the same accounts and a person can sign
//! with them from the CLI. These keys are public: they are demo data, never
//! keys to hold anything real.
//!
//! A resident has one key per programme or community (docs/privacy.md): the
//! chain refuses a key serving two, so resident 1's aid pseudonym and energy
//! pseudonym are two accounts.

use civitas_types::{AccountId, Hash, SigningKey};
use sha2::{Digest, Sha256};

/// One demo account: who it stands for, what it may do, its key and address.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    /// Who it stands for, e.g. `aid administrator (ordonnateur)`.
    pub name: &'static str,
    /// A short handle for keystores and file names, e.g. `aid-administrator`.
    pub handle: String,
    /// What it holds or does on the demo chain.
    pub role: &'static str,
    /// Its signing key (public demo data).
    pub key: SigningKey,
    /// Its account id (the public key).
    pub address: AccountId,
}

/// The demo accounts, in the order [`accounts`] lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Who {
    CityCouncil,
    AidAdministrator,
    AidAccountant,
    EnergyOperator,
    Registrar,
    Grocer,
    Pharmacy,
    Resident1Aid,
    Resident2Aid,
    Resident1Energy,
    Resident2Energy,
    Resident3,
}

impl Who {
    const ALL: [Who; 12] = [
        Who::CityCouncil,
        Who::AidAdministrator,
        Who::AidAccountant,
        Who::EnergyOperator,
        Who::Registrar,
        Who::Grocer,
        Who::Pharmacy,
        Who::Resident1Aid,
        Who::Resident2Aid,
        Who::Resident1Energy,
        Who::Resident2Energy,
        Who::Resident3,
    ];

    /// The label its key is derived from (never change one: people type the
    /// addresses they give).
    fn label(self) -> &'static str {
        match self {
            Who::CityCouncil => "city-council",
            Who::AidAdministrator => "aid-administrator",
            Who::AidAccountant => "aid-accountant",
            Who::EnergyOperator => "energy-operator",
            Who::Registrar => "registrar",
            Who::Grocer => "grocer",
            Who::Pharmacy => "pharmacy",
            Who::Resident1Aid => "resident-1/aid",
            Who::Resident2Aid => "resident-2/aid",
            Who::Resident1Energy => "resident-1/energy",
            Who::Resident2Energy => "resident-2/energy",
            Who::Resident3 => "resident-3",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Who::CityCouncil => "city council",
            Who::AidAdministrator => "aid administrator (ordonnateur)",
            Who::AidAccountant => "aid accountant (comptable)",
            Who::EnergyOperator => "energy operator",
            Who::Registrar => "registrar",
            Who::Grocer => "grocer",
            Who::Pharmacy => "pharmacy",
            Who::Resident1Aid => "resident 1, aid pseudonym",
            Who::Resident2Aid => "resident 2, aid pseudonym",
            Who::Resident1Energy => "resident 1, energy pseudonym",
            Who::Resident2Energy => "resident 2, energy pseudonym",
            Who::Resident3 => "resident 3",
        }
    }

    fn role(self) -> &'static str {
        match self {
            Who::CityCouncil => {
                "council account of Commune de Démoville (SIREN 219900016), council power 10"
            }
            Who::AidAdministrator => {
                "AidAdministrator of the city: creates programmes, enrols, orders"
            }
            Who::AidAccountant => "AidAccountant of the city: executes or rejects orders",
            Who::EnergyOperator => "EnergyOperator of the city: communities, meters, attestations",
            Who::Registrar => "Registrar of permits/building and civil/associations",
            Who::Grocer => "Merchant, category 5411 (food)",
            Who::Pharmacy => "Merchant, category 5912 (pharmacy)",
            Who::Resident1Aid => "beneficiary of aid programme 0, paid once, spent at the grocer",
            Who::Resident2Aid => "beneficiary of aid programme 0, nothing ordered yet",
            Who::Resident1Energy => "owner of meter 0 of energy community 0, offers energy",
            Who::Resident2Energy => "owner of meter 1 of energy community 0, bids for energy",
            Who::Resident3 => "owner of building permit PC-DEMO-2026-00001",
        }
    }

    /// Its signing key.
    pub(crate) fn key(self) -> SigningKey {
        SigningKey::from_seed(&derive("key", self.label()).0)
    }

    /// Its account id.
    pub(crate) fn address(self) -> AccountId {
        AccountId::from_public_key(&self.key().public_key())
    }
}

/// A 32-byte value for `label` of `kind` (keys, and the demo's document
/// hashes and commitments, which stand for files nobody holds).
pub(crate) fn derive(kind: &str, label: &str) -> Hash {
    Hash(
        Sha256::new()
            .chain_update(b"civitas-demo/")
            .chain_update(kind.as_bytes())
            .chain_update(b"/")
            .chain_update(label.as_bytes())
            .finalize()
            .into(),
    )
}

/// The demo accounts: the city council, the officials, the two merchants and
/// the residents' pseudonyms, in a fixed order.
pub fn accounts() -> Vec<DemoAccount> {
    Who::ALL
        .iter()
        .map(|who| DemoAccount {
            name: who.name(),
            handle: who.label().replace('/', "-"),
            role: who.role(),
            key: who.key(),
            address: who.address(),
        })
        .collect()
}
