//! File form → canonical document: every text parsed strictly, every list
//! bounded, each failure naming the field.

use std::str::FromStr;

use civitas_civic::metadata::{FieldName, FieldSpec};
use civitas_civic::model::{
    ChainParameters, Collectivity, Namespace, NamespaceName, Scope, Siren, ValidatorEntry,
};
use civitas_consensus::TimeoutParams;
use civitas_types::{
    AccountId, BlockLimits, BoundedBytes, BoundedVec, ChainId, EvidenceParams, PublicKey,
    TimeParams,
};

use super::convert::{FIELD_KINDS, ROLES};
use super::{
    FileCollectivity, FileGrant, FileNamespace, FileScope, FileValidator, GenesisFile,
    GenesisFileError,
};
use crate::document::{ConsensusParameters, GenesisDocument, GenesisGrant, GenesisNamespace};

fn invalid(field: String, value: &str, expected: &'static str) -> GenesisFileError {
    GenesisFileError::InvalidValue {
        field,
        value: value.to_owned(),
        expected,
    }
}

fn siren(field: String, value: &str) -> Result<Siren, GenesisFileError> {
    const EXPECTED: &str = "a SIREN: nine digits";
    if value.len() != 9 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(field, value, EXPECTED));
    }
    value
        .parse()
        .map(Siren)
        .map_err(|_| invalid(field, value, EXPECTED))
}

fn account(field: String, value: &str) -> Result<AccountId, GenesisFileError> {
    AccountId::from_str(value).map_err(|_| invalid(field, value, "a civ1… account address"))
}

fn public_key(field: String, value: &str) -> Result<PublicKey, GenesisFileError> {
    const EXPECTED: &str = "an ed25519 public key: 64 lower-case hex digits";
    let mut bytes = [0u8; 32];
    if value.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(invalid(field, value, EXPECTED));
    }
    hex::decode_to_slice(value, &mut bytes).map_err(|_| invalid(field, value, EXPECTED))?;
    Ok(PublicKey(bytes))
}

fn bounded<T, const MAX: usize>(
    field: &'static str,
    items: Vec<T>,
) -> Result<BoundedVec<T, MAX>, GenesisFileError> {
    let count = items.len();
    BoundedVec::try_from_vec(items).map_err(|_| GenesisFileError::TooMany {
        field,
        count,
        max: MAX,
    })
}

fn bytes<const MAX: usize>(
    field: String,
    value: &str,
    expected: &'static str,
) -> Result<BoundedBytes<MAX>, GenesisFileError> {
    BoundedBytes::try_from_vec(value.as_bytes().to_vec())
        .map_err(|_| invalid(field, value, expected))
}

fn collectivity(i: usize, c: &FileCollectivity) -> Result<Collectivity, GenesisFileError> {
    Ok(Collectivity {
        siren: siren(format!("collectivities[{i}].siren"), &c.siren)?,
        name: bytes(
            format!("collectivities[{i}].name"),
            &c.name,
            "a name of at most 128 bytes",
        )?,
        voting_power: c.voting_power,
        council_account: account(
            format!("collectivities[{i}].council_account"),
            &c.council_account,
        )?,
    })
}

fn validator(i: usize, v: &FileValidator) -> Result<ValidatorEntry, GenesisFileError> {
    Ok(ValidatorEntry {
        public_key: public_key(format!("validators[{i}].consensus_key"), &v.consensus_key)?,
        network_key: public_key(format!("validators[{i}].network_key"), &v.network_key)?,
        power: v.power,
        siren: siren(format!("validators[{i}].collectivity"), &v.collectivity)?,
    })
}

fn namespace_name(field: String, value: &str) -> Result<NamespaceName, GenesisFileError> {
    bytes(field, value, "a namespace name of at most 64 bytes").map(NamespaceName)
}

fn scope(i: usize, scope: &FileScope) -> Result<Scope, GenesisFileError> {
    let field = || format!("grants[{i}].scope");
    Ok(match scope {
        FileScope::Collectivity(s) => Scope::Collectivity(siren(field(), s)?),
        FileScope::Programme { collectivity, id } => {
            Scope::Programme(siren(field(), collectivity)?, *id)
        }
        FileScope::Community { collectivity, id } => {
            Scope::Community(siren(field(), collectivity)?, *id)
        }
        FileScope::Namespace(name) => Scope::Namespace(namespace_name(field(), name)?),
    })
}

fn grant(i: usize, g: &FileGrant) -> Result<GenesisGrant, GenesisFileError> {
    let role = ROLES
        .iter()
        .find(|(_, name)| *name == g.role)
        .map(|(role, _)| *role)
        .ok_or_else(|| {
            invalid(
                format!("grants[{i}].role"),
                &g.role,
                "a role: identity_registrar, aid_administrator, aid_accountant, merchant, energy_operator or registrar",
            )
        })?;
    Ok(GenesisGrant {
        account: account(format!("grants[{i}].account"), &g.account)?,
        role,
        scope: scope(i, &g.scope)?,
        categories: bounded("grants[].categories", g.categories.clone())?,
    })
}

fn namespace(i: usize, n: &FileNamespace) -> Result<GenesisNamespace, GenesisFileError> {
    let fields = n
        .fields
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let kind = FIELD_KINDS
                .iter()
                .find(|(_, name)| *name == f.kind)
                .map(|(kind, _)| *kind)
                .ok_or_else(|| {
                    invalid(
                        format!("namespaces[{i}].fields[{j}].kind"),
                        &f.kind,
                        "a field kind: code, date, amount, reference, hash or flag",
                    )
                })?;
            let name = bytes(
                format!("namespaces[{i}].fields[{j}].name"),
                &f.name,
                "a field name of at most 32 bytes",
            )?;
            Ok(FieldSpec {
                name: FieldName(name),
                kind,
            })
        })
        .collect::<Result<Vec<_>, GenesisFileError>>()?;
    Ok(GenesisNamespace {
        name: namespace_name(format!("namespaces[{i}].name"), &n.name)?,
        namespace: Namespace {
            collectivity: siren(format!("namespaces[{i}].collectivity"), &n.collectivity)?,
            transferable: n.transferable,
            transfer_needs_approval: n.transfer_needs_approval,
            fields: bounded("namespaces[].fields", fields)?,
        },
    })
}

fn each<F, T, U>(items: &[F], parse: impl Fn(usize, &F) -> Result<T, U>) -> Result<Vec<T>, U> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse(i, item))
        .collect()
}

impl GenesisFile {
    pub(super) fn to_document(&self) -> Result<GenesisDocument, GenesisFileError> {
        let t = &self.consensus.timeouts;
        Ok(GenesisDocument {
            protocol_version: self.protocol_version,
            chain_id: ChainId::from_str(&self.chain_id).map_err(|_| {
                invalid(
                    "chain_id".into(),
                    &self.chain_id,
                    "a chain id: 1 to 64 characters among a-z, 0-9, '-' and '.', starting with a letter or digit",
                )
            })?,
            genesis_time_ms: self.genesis_time_ms,
            initial_height: self.initial_height,
            consensus: ConsensusParameters {
                timeouts: TimeoutParams {
                    propose_ms: t.propose_ms,
                    propose_delta_ms: t.propose_delta_ms,
                    prevote_ms: t.prevote_ms,
                    prevote_delta_ms: t.prevote_delta_ms,
                    precommit_ms: t.precommit_ms,
                    precommit_delta_ms: t.precommit_delta_ms,
                },
                block: BlockLimits {
                    block_bytes_max: self.consensus.block.block_bytes_max,
                    transactions_max: self.consensus.block.transactions_max,
                },
                time: TimeParams {
                    precision_ms: self.consensus.time.precision_ms,
                    message_delay_ms: self.consensus.time.message_delay_ms,
                },
                evidence: EvidenceParams {
                    max_age_heights: self.consensus.evidence.max_age_heights,
                    max_age_ms: self.consensus.evidence.max_age_ms,
                },
            },
            chain: ChainParameters {
                validators_min: self.chain.validators_min,
                validator_change_delay: self.chain.validator_change_delay,
            },
            collectivities: bounded("collectivities", each(&self.collectivities, collectivity)?)?,
            validators: bounded("validators", each(&self.validators, validator)?)?,
            grants: bounded("grants", each(&self.grants, grant)?)?,
            namespaces: bounded("namespaces", each(&self.namespaces, namespace)?)?,
        })
    }
}
