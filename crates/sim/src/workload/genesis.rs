//! The genesis of simulated chains: validators spread over up to four
//! collectivities (more only when four would break quorum safety), the
//! workload's offices in the first one, its registry namespace.

use civitas_civic::metadata::{FieldKind, FieldName, FieldSpec};
use civitas_civic::model::{
    ChainParameters, Collectivity, Namespace, NamespaceName, Role, Scope, Siren, ValidatorEntry,
};
use civitas_genesis::{ConsensusParameters, GenesisDocument, GenesisGrant, GenesisNamespace};
use civitas_types::limits::BLOCK_BYTES_MIN;
use civitas_types::{BlockLimits, BoundedBytes, BoundedVec, EvidenceParams, PublicKey};

use super::{
    BLOCK_TRANSACTIONS_MAX, FOOD, GENESIS_POWER, GENESIS_TIME_MS, NAMESPACE, Office, account_of,
    chain_id, council_key, office_key,
};

/// SIREN of collectivity `index`: four real-looking ones, then generated ones
/// with their Luhn check digit.
pub fn siren(index: usize) -> Siren {
    const FIRST: [u32; 4] = [200_046_977, 732_829_320, 213_500_002, 253_800_007];
    if let Some(known) = FIRST.get(index) {
        return Siren(*known);
    }
    let prefix = 21_000_000 + index as u32;
    // Luhn over nine digits: counting from the right, odd positions are doubled;
    // the prefix's last digit sits at position 1.
    let mut sum = 0;
    let mut rest = prefix;
    for position in 1..=8 {
        let digit = rest % 10;
        rest /= 10;
        let weighted = if position % 2 == 1 { digit * 2 } else { digit };
        sum += if weighted > 9 { weighted - 9 } else { weighted };
    }
    Siren(prefix * 10 + (10 - sum % 10) % 10)
}

/// How many collectivities run `validators` validators of equal power: one
/// each up to four, then four unless one of them would hold a third of the
/// power or more (the quorum-safety rule), in which case the fewest that
/// spread them safely.
pub(super) fn collectivity_count(validators: usize) -> usize {
    if validators < 4 {
        return validators.max(1);
    }
    (4..=validators)
        .find(|count| validators.div_ceil(*count) * 3 < validators)
        .unwrap_or(validators)
}

fn field(name: &str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name: FieldName::from_text(name).expect("field names are short"),
        kind,
    }
}

pub(super) fn namespace_name() -> NamespaceName {
    NamespaceName::from_text(NAMESPACE).expect("the namespace name is short")
}

fn grant(office: Office, role: Role, scope: Scope, categories: &[u16]) -> GenesisGrant {
    GenesisGrant {
        account: account_of(&office_key(office)),
        role,
        scope,
        categories: BoundedVec::try_from_vec(categories.to_vec()).expect("one category"),
    }
}

/// The genesis document of a simulated chain: validator i has consensus key
/// `validators[i].0` and network key `validators[i].1`, power
/// [`GENESIS_POWER`], run by collectivity `i mod c` (c is four for four
/// validators or more, unless four would break quorum safety); chain id
/// [`CHAIN_ID`](super::CHAIN_ID); the simulator's timeouts and block-time window, small blocks;
/// the workload's offices in the first collectivity and its namespace.
/// Council powers are 10 for the first four collectivities and 1 for any
/// other, so at most four votes pass a motion. Panics beyond 256 validators.
pub fn genesis(validators: &[(PublicKey, PublicKey)]) -> GenesisDocument {
    let count = collectivity_count(validators.len());
    let collectivities = (0..count)
        .map(|i| Collectivity {
            siren: siren(i),
            name: BoundedBytes::try_from_vec(format!("Collectivite simulee {i}").into_bytes())
                .expect("short name"),
            voting_power: if i < 4 { 10 } else { 1 },
            council_account: account_of(&council_key(i)),
        })
        .collect();
    let entries = validators
        .iter()
        .enumerate()
        .map(|(i, (consensus, network))| ValidatorEntry {
            public_key: *consensus,
            network_key: *network,
            power: GENESIS_POWER,
            siren: siren(i % count),
        })
        .collect();
    let city = siren(0);
    let namespace = Namespace {
        collectivity: city,
        transferable: true,
        transfer_needs_approval: true,
        fields: BoundedVec::try_from_vec(vec![
            field("nature", FieldKind::Code),
            field("parcel", FieldKind::Reference),
            field("floor_area_m2", FieldKind::Amount),
            field("decided_on", FieldKind::Date),
        ])
        .expect("four fields"),
    };
    let city_scope = Scope::Collectivity(city);
    let grants = vec![
        grant(
            Office::Administrator,
            Role::AidAdministrator,
            city_scope.clone(),
            &[],
        ),
        grant(
            Office::Accountant,
            Role::AidAccountant,
            city_scope.clone(),
            &[],
        ),
        grant(Office::Grocer, Role::Merchant, city_scope.clone(), &[FOOD]),
        grant(Office::Operator, Role::EnergyOperator, city_scope, &[]),
        grant(
            Office::Registrar,
            Role::Registrar,
            Scope::Namespace(namespace_name()),
            &[],
        ),
    ];
    GenesisDocument {
        protocol_version: civitas_types::PROTOCOL_VERSION,
        chain_id: chain_id(),
        genesis_time_ms: GENESIS_TIME_MS,
        initial_height: 1,
        consensus: ConsensusParameters {
            timeouts: crate::simulation::sim_timeouts(),
            block: BlockLimits {
                block_bytes_max: BLOCK_BYTES_MIN,
                transactions_max: BLOCK_TRANSACTIONS_MAX,
            },
            time: crate::config::SIM_TIME_PARAMS,
            evidence: EvidenceParams::default(),
        },
        chain: ChainParameters {
            validators_min: 1,
            validator_change_delay: 2,
        },
        collectivities: BoundedVec::try_from_vec(collectivities).expect("one per validator"),
        validators: BoundedVec::try_from_vec(entries).expect("at most 256 validators"),
        grants: BoundedVec::try_from_vec(grants).expect("five grants"),
        namespaces: BoundedVec::try_from_vec(vec![GenesisNamespace {
            name: namespace_name(),
            namespace,
        }])
        .expect("one namespace"),
    }
}
