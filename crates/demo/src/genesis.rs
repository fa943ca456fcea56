//! The demo genesis: one validator run by the demo city, its council account,
//! its officials and merchants, and two registry namespaces.
//!
//! Consensus parameters are the genesis crate's defaults (production timeouts
//! and block-time window) with modest blocks: a demo never fills the default
//! 4 MiB, and small limits show an operator where the knob is.

use civitas_civic::metadata::{FieldKind, FieldName, FieldSpec};
use civitas_civic::model::Siren;
use civitas_civic::model::{
    ChainParameters, Collectivity, Namespace, NamespaceName, Role, Scope, ValidatorEntry,
};
use civitas_genesis::{ConsensusParameters, GenesisDocument, GenesisGrant, GenesisNamespace};
use civitas_types::{
    AccountId, BlockLimits, BoundedBytes, BoundedVec, ChainId, PublicKey, SigningKey,
};

use crate::accounts::{Who, derive};
use crate::{
    ASSOCIATIONS, BUILDING_PERMITS, CHAIN_ID, CITY_NAME, CITY_SIREN, COUNCIL_POWER, FOOD, PHARMACY,
    Unfit, VALIDATOR_POWER,
};

/// Largest block of the demo chain, in bytes: 1 MiB.
pub const BLOCK_BYTES_MAX: u32 = 1024 * 1024;
/// Most transactions in a block of the demo chain.
pub const BLOCK_TRANSACTIONS_MAX: u32 = 1_000;

/// The demo genesis for one validator with consensus key `validator` and
/// network key `network` (two different keys), starting at `genesis_time_ms`
/// (ms since the Unix epoch; the caller reads its clock). Chain id
/// [`CHAIN_ID`], initial height 1; the validator has power
/// [`VALIDATOR_POWER`] and is run by the demo city ([`CITY_SIREN`]), whose
/// council account is the demo's `city council`. The grants and namespaces
/// are those [`mod@crate::accounts`] describes. It passes
/// [`GenesisDocument::check`] for any time but 0 and any two different keys.
pub fn genesis(
    validator: &PublicKey,
    network: &PublicKey,
    genesis_time_ms: u64,
) -> GenesisDocument {
    // Only this crate's constants can fail to fit their bounded types, and
    // the crate's tests build this document: no input can make it fail.
    #[allow(clippy::expect_used)]
    build(
        &[(*validator, *network)],
        genesis_time_ms,
        ChainParameters::default(),
    )
    .expect("the demo genesis constants fit their types")
}

/// Most validators [`genesis_for`] accepts: one per collectivity, and the
/// partner collectivities' SIRENs are numbered below this.
pub const LOCALNET_VALIDATORS_MAX: usize = 64;

/// Heights between a validator-set change and the height it applies to on
/// a network of [`genesis_for`]: time for a joining validator's node, admitted
/// by its peers from the deciding block on, to sync the chain and vote from
/// the first height it belongs to.
pub const LOCALNET_VALIDATOR_CHANGE_DELAY: u64 = 60;

/// Why [`genesis_for`] cannot build a genesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatorCount(pub usize);

impl std::fmt::Display for ValidatorCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} validators: a demo network has 1 to {LOCALNET_VALIDATORS_MAX}",
            self.0
        )
    }
}

impl std::error::Error for ValidatorCount {}

/// The demo genesis for a network of several validators, each given as
/// (consensus key, network key): the first is run by the demo city, each
/// other one by a partner collectivity of its own (`Commune partenaire N`,
/// a valid SIREN and a council account derived from N), so no collectivity
/// holds a third of the power. With two validators or more, a
/// validator-set change applies [`LOCALNET_VALIDATOR_CHANGE_DELAY`] heights
/// after the block that decides it. Everything else is [`genesis`]'s (one
/// validator gives exactly [`genesis`]'s document).
pub fn genesis_for(
    validators: &[(PublicKey, PublicKey)],
    genesis_time_ms: u64,
) -> Result<GenesisDocument, ValidatorCount> {
    if validators.is_empty() || validators.len() > LOCALNET_VALIDATORS_MAX {
        return Err(ValidatorCount(validators.len()));
    }
    // One validator is the devnet: no other node to sync, the default delay.
    let chain = if validators.len() > 1 {
        ChainParameters {
            validator_change_delay: LOCALNET_VALIDATOR_CHANGE_DELAY,
            ..ChainParameters::default()
        }
    } else {
        ChainParameters::default()
    };
    build(validators, genesis_time_ms, chain).map_err(|_| ValidatorCount(validators.len()))
}

/// The SIREN of partner collectivity `number` (1..): the first number from
/// 219 901 000 + 100 × `number` whose Luhn checksum holds (one in ten does).
fn partner_siren(number: usize) -> Result<Siren, Unfit> {
    let offset = u32::try_from(number)
        .ok()
        .and_then(|n| n.checked_mul(100))
        .ok_or(Unfit("partner number"))?;
    let base = 219_901_000u32
        .checked_add(offset)
        .ok_or(Unfit("partner SIREN"))?;
    (0..10u32)
        .filter_map(|digit| base.checked_add(digit))
        .map(Siren)
        .find(Siren::is_valid)
        .ok_or(Unfit("partner SIREN"))
}

/// The council key of partner collectivity `number` (1..).
pub(crate) fn partner_council_key(number: usize) -> SigningKey {
    SigningKey::from_seed(&derive("key", &format!("partner council {number}")).0)
}

/// Partner collectivity `number` (1..), with power [`COUNCIL_POWER`].
pub(crate) fn partner(number: usize) -> Result<Collectivity, Unfit> {
    let council = partner_council_key(number);
    Ok(Collectivity {
        siren: partner_siren(number)?,
        name: BoundedBytes::try_from_vec(format!("Commune partenaire {number}").into_bytes())
            .map_err(|_| Unfit("partner name"))?,
        voting_power: COUNCIL_POWER,
        council_account: AccountId::from_public_key(&council.public_key()),
    })
}

fn build(
    validators: &[(PublicKey, PublicKey)],
    genesis_time_ms: u64,
    chain: ChainParameters,
) -> Result<GenesisDocument, Unfit> {
    let city = Collectivity {
        siren: CITY_SIREN,
        name: BoundedBytes::try_from_vec(CITY_NAME.as_bytes().to_vec())
            .map_err(|_| Unfit("city name"))?,
        voting_power: COUNCIL_POWER,
        council_account: Who::CityCouncil.address(),
    };
    let mut collectivities = vec![city];
    let mut entries = Vec::with_capacity(validators.len());
    for (number, (validator, network)) in validators.iter().enumerate() {
        let siren = if number == 0 {
            CITY_SIREN
        } else {
            let partner = partner(number)?;
            let siren = partner.siren;
            collectivities.push(partner);
            siren
        };
        entries.push(ValidatorEntry {
            public_key: *validator,
            network_key: *network,
            power: VALIDATOR_POWER,
            siren,
        });
    }
    Ok(GenesisDocument {
        protocol_version: civitas_types::PROTOCOL_VERSION,
        chain_id: chain_id()?,
        genesis_time_ms,
        initial_height: 1,
        consensus: ConsensusParameters {
            block: BlockLimits {
                block_bytes_max: BLOCK_BYTES_MAX,
                transactions_max: BLOCK_TRANSACTIONS_MAX,
            },
            ..ConsensusParameters::default()
        },
        chain,
        collectivities: bounded(collectivities, "collectivities")?,
        validators: bounded(entries, "validators")?,
        grants: bounded(grants()?, "grants")?,
        namespaces: bounded(namespaces()?, "namespaces")?,
    })
}

fn chain_id() -> Result<ChainId, Unfit> {
    ChainId::new(CHAIN_ID).map_err(|_| Unfit("chain id"))
}

fn bounded<T, const MAX: usize>(
    items: Vec<T>,
    what: &'static str,
) -> Result<BoundedVec<T, MAX>, Unfit> {
    BoundedVec::try_from_vec(items).map_err(|_| Unfit(what))
}

/// A namespace name of this crate.
pub(crate) fn namespace_name(text: &'static str) -> Result<NamespaceName, Unfit> {
    NamespaceName::from_text(text).ok_or(Unfit(text))
}

fn grant(who: Who, role: Role, scope: Scope, categories: &[u16]) -> Result<GenesisGrant, Unfit> {
    Ok(GenesisGrant {
        account: who.address(),
        role,
        scope,
        categories: bounded(categories.to_vec(), "merchant categories")?,
    })
}

fn grants() -> Result<Vec<GenesisGrant>, Unfit> {
    let city = || Scope::Collectivity(CITY_SIREN);
    Ok(vec![
        grant(Who::AidAdministrator, Role::AidAdministrator, city(), &[])?,
        grant(Who::AidAccountant, Role::AidAccountant, city(), &[])?,
        grant(Who::EnergyOperator, Role::EnergyOperator, city(), &[])?,
        grant(
            Who::Registrar,
            Role::Registrar,
            Scope::Namespace(namespace_name(BUILDING_PERMITS)?),
            &[],
        )?,
        grant(
            Who::Registrar,
            Role::Registrar,
            Scope::Namespace(namespace_name(ASSOCIATIONS)?),
            &[],
        )?,
        grant(Who::Grocer, Role::Merchant, city(), &[FOOD])?,
        grant(Who::Pharmacy, Role::Merchant, city(), &[PHARMACY])?,
    ])
}

fn field(name: &'static str, kind: FieldKind) -> Result<FieldSpec, Unfit> {
    Ok(FieldSpec {
        name: FieldName::from_text(name).ok_or(Unfit(name))?,
        kind,
    })
}

/// Building permits (transferable with the registrar's approval, as a permit
/// follows the land) and declared associations (not transferable). Fields
/// hold codes, dates, areas and references to things, never people.
fn namespaces() -> Result<Vec<GenesisNamespace>, Unfit> {
    let permits = Namespace {
        collectivity: CITY_SIREN,
        transferable: true,
        transfer_needs_approval: true,
        fields: bounded(
            vec![
                field("nature", FieldKind::Code)?,
                field("parcel", FieldKind::Reference)?,
                field("floor_area_m2", FieldKind::Amount)?,
                field("decided_on", FieldKind::Date)?,
            ],
            "permit fields",
        )?,
    };
    let associations = Namespace {
        collectivity: CITY_SIREN,
        transferable: false,
        transfer_needs_approval: false,
        fields: bounded(
            vec![
                field("purpose", FieldKind::Code)?,
                field("rna_number", FieldKind::Reference)?,
                field("declared_on", FieldKind::Date)?,
                field("public_interest", FieldKind::Flag)?,
            ],
            "association fields",
        )?,
    };
    Ok(vec![
        GenesisNamespace {
            name: namespace_name(BUILDING_PERMITS)?,
            namespace: permits,
        },
        GenesisNamespace {
            name: namespace_name(ASSOCIATIONS)?,
            namespace: associations,
        },
    ])
}
