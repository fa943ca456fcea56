//! The demo chain `civitas-node devnet` runs: a one-validator network of one
//! city, with everything a person needs to try Civitas.
//!
//! - [`genesis()`] ([`mod@genesis`]): chain `civitas-devnet`, the caller's
//!   validator run by the demo city, its council, officials (ordonnateur,
//!   comptable, energy operator, registrar of two namespaces) and two
//!   accredited merchants.
//! - [`accounts()`] ([`mod@accounts`]): the demo accounts — officials, merchants,
//!   residents — with their keys, derived from fixed labels.
//! - [`activity()`] and [`activity_steps()`] ([`mod@activity`]): a little civic
//!   activity signed by those accounts (an aid programme paying a resident who
//!   spends at the grocer, an energy community with a sell and a buy order, a
//!   building permit registered and amended), so a fresh devnet already shows
//!   something.
//!
//! Everything here is public demo data: the keys are derived from labels
//! anyone can read in this file, so they must never hold anything real. The
//! crate is pure: the genesis time is an argument (the caller reads its clock),
//! there is no I/O and no randomness, and the same inputs always give the same
//! bytes.

pub mod accounts;
pub mod activity;
pub mod council;
pub mod genesis;
mod signer;

use civitas_civic::model::Siren;

pub use accounts::{DemoAccount, accounts};
pub use activity::{activity, activity_steps};
pub use genesis::{
    LOCALNET_VALIDATOR_CHANGE_DELAY, LOCALNET_VALIDATORS_MAX, ValidatorCount, genesis, genesis_for,
};

/// The chain id of the demo network.
pub const CHAIN_ID: &str = "civitas-devnet";
/// SIREN of the demo city. The département part `99` is the one INSEE gives to
/// places abroad, so no French commune holds this number; its Luhn digit is valid.
pub const CITY_SIREN: Siren = Siren(219_900_016);
/// Official name of the demo city.
pub const CITY_NAME: &str = "Commune de Démoville";
/// Consensus voting power of the demo validator.
pub const VALIDATOR_POWER: u64 = 10;
/// Council voting power of the demo city.
pub const COUNCIL_POWER: u64 = 10;
/// Merchant category of the grocer (food).
pub const FOOD: u16 = 5411;
/// Merchant category of the pharmacy.
pub const PHARMACY: u16 = 5912;
/// The registry namespace of building permits.
pub const BUILDING_PERMITS: &str = "permits/building";
/// The registry namespace of declared associations.
pub const ASSOCIATIONS: &str = "civil/associations";
/// Heights after the genesis's initial height until which the demo
/// transactions stay includable: far beyond any demo session.
pub const EXPIRY_HEIGHTS: u64 = 1_000_000;
/// A day of block time, in ms.
pub const DAY_MS: u64 = 24 * 60 * 60 * 1_000;

/// A constant of this crate that does not fit its bounded type: a bug of the
/// crate, found by its tests (no input can cause it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unfit(pub(crate) &'static str);
