//! Canonical document → file form (cannot fail: every canonical value has a text).

use civitas_civic::metadata::FieldKind;
use civitas_civic::model::{Role, Scope};

use super::{
    FileBlock, FileChain, FileCollectivity, FileConsensus, FileEvidence, FileField, FileGrant,
    FileNamespace, FileScope, FileTime, FileTimeouts, FileValidator, GenesisFile,
};
use crate::document::GenesisDocument;

/// The file name of each role (the order of [`ROLES`] is the tag order).
pub(super) const ROLES: [(Role, &str); 6] = [
    (Role::IdentityRegistrar, "identity_registrar"),
    (Role::AidAdministrator, "aid_administrator"),
    (Role::AidAccountant, "aid_accountant"),
    (Role::Merchant, "merchant"),
    (Role::EnergyOperator, "energy_operator"),
    (Role::Registrar, "registrar"),
];

/// The file name of each field kind.
pub(super) const FIELD_KINDS: [(FieldKind, &str); 6] = [
    (FieldKind::Code, "code"),
    (FieldKind::Date, "date"),
    (FieldKind::Amount, "amount"),
    (FieldKind::Reference, "reference"),
    (FieldKind::Hash, "hash"),
    (FieldKind::Flag, "flag"),
];

fn role_name(role: Role) -> &'static str {
    ROLES
        .iter()
        .find(|(known, _)| *known == role)
        .map_or("unknown", |(_, name)| name)
}

fn kind_name(kind: FieldKind) -> &'static str {
    FIELD_KINDS
        .iter()
        .find(|(known, _)| *known == kind)
        .map_or("unknown", |(_, name)| name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scope(scope: &Scope) -> FileScope {
    match scope {
        Scope::Collectivity(siren) => FileScope::Collectivity(siren.to_string()),
        Scope::Programme(siren, id) => FileScope::Programme {
            collectivity: siren.to_string(),
            id: *id,
        },
        Scope::Community(siren, id) => FileScope::Community {
            collectivity: siren.to_string(),
            id: *id,
        },
        Scope::Namespace(name) => FileScope::Namespace(text(&name.0)),
    }
}

impl GenesisFile {
    pub(super) fn from_document(document: &GenesisDocument) -> GenesisFile {
        let timeouts = &document.consensus.timeouts;
        GenesisFile {
            protocol_version: document.protocol_version,
            chain_id: document.chain_id.to_string(),
            genesis_time_ms: document.genesis_time_ms,
            initial_height: document.initial_height,
            consensus: FileConsensus {
                timeouts: FileTimeouts {
                    propose_ms: timeouts.propose_ms,
                    propose_delta_ms: timeouts.propose_delta_ms,
                    prevote_ms: timeouts.prevote_ms,
                    prevote_delta_ms: timeouts.prevote_delta_ms,
                    precommit_ms: timeouts.precommit_ms,
                    precommit_delta_ms: timeouts.precommit_delta_ms,
                },
                block: FileBlock {
                    block_bytes_max: document.consensus.block.block_bytes_max,
                    transactions_max: document.consensus.block.transactions_max,
                },
                time: FileTime {
                    precision_ms: document.consensus.time.precision_ms,
                    message_delay_ms: document.consensus.time.message_delay_ms,
                },
                evidence: FileEvidence {
                    max_age_heights: document.consensus.evidence.max_age_heights,
                    max_age_ms: document.consensus.evidence.max_age_ms,
                },
            },
            chain: FileChain {
                validators_min: document.chain.validators_min,
                validator_change_delay: document.chain.validator_change_delay,
            },
            collectivities: document
                .collectivities
                .iter()
                .map(|c| FileCollectivity {
                    siren: c.siren.to_string(),
                    name: text(&c.name),
                    voting_power: c.voting_power,
                    council_account: c.council_account.to_string(),
                })
                .collect(),
            validators: document
                .validators
                .iter()
                .map(|v| FileValidator {
                    consensus_key: v.public_key.to_hex(),
                    network_key: v.network_key.to_hex(),
                    power: v.power,
                    collectivity: v.siren.to_string(),
                })
                .collect(),
            grants: document
                .grants
                .iter()
                .map(|g| FileGrant {
                    account: g.account.to_string(),
                    role: role_name(g.role).to_owned(),
                    scope: scope(&g.scope),
                    categories: g.categories.to_vec(),
                })
                .collect(),
            namespaces: document
                .namespaces
                .iter()
                .map(|n| FileNamespace {
                    name: text(&n.name.0),
                    collectivity: n.namespace.collectivity.to_string(),
                    transferable: n.namespace.transferable,
                    transfer_needs_approval: n.namespace.transfer_needs_approval,
                    fields: n
                        .namespace
                        .fields
                        .iter()
                        .map(|f| FileField {
                            name: text(&f.name.0),
                            kind: kind_name(f.kind).to_owned(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
