//! `civitas_getRecord` and `civitas_getRecordByDocument`: a public registry
//! record — its current state, its whole history (every version, kept for
//! good) and whether it is revoked — with the state entries it was read from
//! and their proofs against a certified header ([`crate::state`]). By
//! document hash, the answer proves either where the hash is registered or
//! that it is registered nowhere in the namespace.

use civitas_civic::metadata::FieldValue;
use civitas_civic::model::{DocumentEntry, NamespaceName, Record, RecordId, RecordVersion};
use civitas_types::{DecodeError, decode};
use serde::{Deserialize, Serialize};

use crate::encoding::to_hex;
use crate::state::{Certified, ProvenEntry};

/// Most versions one answer lists (the newest ones; `versionsOmitted` says
/// how many older ones were left out).
pub const RECORD_VERSIONS_MAX: u32 = 64;

/// A record's current state.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordView {
    /// Current version, from 1.
    pub version: u32,
    /// Current owner (`civ1…`), if the record has one.
    pub owner: Option<String>,
    /// Whether it is revoked.
    pub revoked: bool,
    /// The revocation reason code, once revoked.
    pub revocation_code: Option<u16>,
    /// A transfer requested by the owner, waiting for a registrar: the new owner.
    pub pending_transfer: Option<String>,
}

/// One version of a record.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordVersionView {
    /// Its number, from 1.
    pub version: u32,
    /// Hash of the document (hex).
    pub document_hash: String,
    /// The metadata values, in the namespace's field order.
    pub metadata: Vec<FieldValueView>,
    /// The registrar who wrote it (`civ1…`).
    pub registrar: String,
    /// Height at which it was written.
    pub height: u64,
}

/// One metadata value: its kind and the value as text (a code or date as a
/// number, an amount as a decimal string, a reference as text, a hash as
/// hex, a flag as `true`/`false`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldValueView {
    /// `code`, `date` (days since 1970-01-01), `amount`, `reference`, `hash` or `flag`.
    pub kind: String,
    /// The value.
    pub value: String,
}

/// `civitas_getRecord`, and the record part of `civitas_getRecordByDocument`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordAnswer {
    /// The namespace, e.g. `permits/building`.
    pub namespace: String,
    /// The record's id within it.
    pub id: String,
    /// The committed height read.
    pub height: u64,
    /// Its current state; `null` if no such record exists (`entries` then
    /// proves the absence).
    pub record: Option<RecordView>,
    /// Its versions, oldest first (at most [`RECORD_VERSIONS_MAX`], the newest).
    pub versions: Vec<RecordVersionView>,
    /// Older versions left out.
    pub versions_omitted: u32,
    /// The entries read — the record's, then each listed version's — with
    /// their proofs.
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against.
    pub certified: Certified,
}

/// `civitas_getRecordByDocument`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocumentAnswer {
    /// The namespace.
    pub namespace: String,
    /// The document hash asked for (hex).
    pub document_hash: String,
    /// Whether the hash is registered in the namespace.
    pub registered: bool,
    /// The latest version of the record that carries it, if registered.
    pub version: Option<u32>,
    /// The document index's entry, with its proof (of absence when not registered).
    pub entry: ProvenEntry,
    /// The record it belongs to, if registered.
    pub record: Option<RecordAnswer>,
    /// The header the index entry's proof checks against.
    pub certified: Certified,
}

/// A namespace name's text.
pub fn namespace_text(name: &NamespaceName) -> String {
    String::from_utf8_lossy(&name.0).into_owned()
}

/// A record id's text (ids are printable references).
pub fn record_id_text(id: &RecordId) -> String {
    String::from_utf8_lossy(id).into_owned()
}

impl RecordView {
    /// The view of a stored record's bytes.
    pub fn decode(bytes: &[u8]) -> Result<RecordView, DecodeError> {
        let record: Record = decode(bytes)?;
        Ok(RecordView {
            version: record.version,
            owner: record.owner.map(|o| o.to_string()),
            revoked: record.revoked.is_some(),
            revocation_code: record.revoked,
            pending_transfer: record.pending_transfer.map(|a| a.to_string()),
        })
    }
}

impl RecordVersionView {
    /// The view of version `version`'s stored bytes.
    pub fn decode(version: u32, bytes: &[u8]) -> Result<RecordVersionView, DecodeError> {
        let stored: RecordVersion = decode(bytes)?;
        Ok(RecordVersionView {
            version,
            document_hash: to_hex(stored.document_hash),
            metadata: stored.metadata.iter().map(field_value).collect(),
            registrar: stored.registrar.to_string(),
            height: stored.height,
        })
    }
}

/// The document index entry's bytes: the record and version.
pub fn decode_document_entry(bytes: &[u8]) -> Result<(RecordId, u32), DecodeError> {
    let entry: DocumentEntry = decode(bytes)?;
    Ok((entry.record_id, entry.version))
}

pub(crate) fn field_value(value: &FieldValue) -> FieldValueView {
    let (kind, value) = match value {
        FieldValue::Code(code) => ("code", code.to_string()),
        FieldValue::Date(days) => ("date", days.to_string()),
        FieldValue::Amount(amount) => ("amount", amount.to_string()),
        FieldValue::Reference(reference) => {
            ("reference", String::from_utf8_lossy(reference).into_owned())
        }
        FieldValue::Hash(hash) => ("hash", to_hex(hash.0)),
        FieldValue::Flag(flag) => ("flag", flag.to_string()),
    };
    FieldValueView {
        kind: kind.to_owned(),
        value,
    }
}
