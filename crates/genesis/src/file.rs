//! The readable form of a genesis document: JSON that operators write, review
//! and sign off, converted to the canonical [`GenesisDocument`] and back
//! exactly (`from_json(&to_json(doc)) == doc`, and `to_json` of a parsed
//! canonical file gives the same text).
//!
//! Keys are lower-case hex, accounts `civ1…` addresses, SIRENs nine-digit
//! strings, roles and field kinds snake_case names; times are milliseconds
//! since the Unix epoch (UTC), so no calendar library stands between the file
//! and the hash. Unknown fields are refused, so a typo never passes silently.

use serde::{Deserialize, Serialize};

mod convert;
mod parse;

use crate::document::GenesisDocument;

/// Why a genesis file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum GenesisFileError {
    /// Not JSON of the genesis shape (the message gives line and column).
    #[error("the genesis file is not valid: {0}")]
    Json(#[from] serde_json::Error),
    /// A value is not of its field's form.
    #[error("{field}: {value:?} is not {expected}")]
    InvalidValue {
        /// Where, e.g. `validators[2].network_key`.
        field: String,
        /// The value found.
        value: String,
        /// What the field takes.
        expected: &'static str,
    },
    /// A list has more items than the format allows.
    #[error("{field}: {count} items, at most {max} are allowed")]
    TooMany {
        /// The list.
        field: &'static str,
        /// How many were given.
        count: usize,
        /// The bound.
        max: usize,
    },
}

/// Parses a genesis file into the canonical document (not yet checked: call
/// [`GenesisDocument::check`]).
pub fn from_json(text: &str) -> Result<GenesisDocument, GenesisFileError> {
    let file: GenesisFile = serde_json::from_str(text)?;
    file.to_document()
}

/// The canonical JSON text of a document: two-space indentation, fields in
/// format order, a final newline.
pub fn to_json(document: &GenesisDocument) -> String {
    let file = GenesisFile::from_document(document);
    // Serialising plain structs of strings and integers cannot fail.
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenesisFile {
    protocol_version: u32,
    chain_id: String,
    genesis_time_ms: u64,
    initial_height: u64,
    consensus: FileConsensus,
    chain: FileChain,
    collectivities: Vec<FileCollectivity>,
    validators: Vec<FileValidator>,
    grants: Vec<FileGrant>,
    namespaces: Vec<FileNamespace>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConsensus {
    timeouts: FileTimeouts,
    block: FileBlock,
    time: FileTime,
    evidence: FileEvidence,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEvidence {
    max_age_heights: u64,
    max_age_ms: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTimeouts {
    propose_ms: u64,
    propose_delta_ms: u64,
    prevote_ms: u64,
    prevote_delta_ms: u64,
    precommit_ms: u64,
    precommit_delta_ms: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBlock {
    block_bytes_max: u32,
    transactions_max: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTime {
    precision_ms: u64,
    message_delay_ms: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileChain {
    validators_min: u16,
    validator_change_delay: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCollectivity {
    siren: String,
    name: String,
    voting_power: u64,
    council_account: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileValidator {
    consensus_key: String,
    network_key: String,
    power: u64,
    collectivity: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileGrant {
    account: String,
    role: String,
    scope: FileScope,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    categories: Vec<u16>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum FileScope {
    Collectivity(String),
    Programme { collectivity: String, id: u64 },
    Community { collectivity: String, id: u64 },
    Namespace(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileNamespace {
    name: String,
    collectivity: String,
    transferable: bool,
    transfer_needs_approval: bool,
    fields: Vec<FileField>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileField {
    name: String,
    kind: String,
}
