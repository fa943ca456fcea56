//! The proven state reads (`getStateProof`, `getRecord`,
//! `getRecordByDocument`), run on the engine thread against its
//! [`LedgerStore`]: every entry is proven against the state of the last
//! committed height, and answered with that height's header and
//! certificate, all read between two engine inputs so they agree.

use civitas_civic::keys;
use civitas_civic::model::{NamespaceName, RecordId};
use civitas_engine::ChainStore;
use civitas_rpc_api::{
    CertificateView, Certified, DocumentAnswer, ErrorObjectOwned, HeaderView, ProvenEntry,
    RECORD_VERSIONS_MAX, RecordAnswer, RecordVersionView, RecordView, StateProofAnswer,
    decode_document_entry, internal_error, namespace_text, record_id_text,
};
use civitas_types::Hash;

use crate::store::LedgerStore;

fn failed(error: impl std::fmt::Display) -> ErrorObjectOwned {
    internal_error(&format!("the node cannot read its ledger: {error}"))
}

/// The last committed height's header and certificate.
fn certified(store: &LedgerStore) -> Result<(u64, Certified), ErrorObjectOwned> {
    let ledger = store.ledger();
    let height = ledger.height();
    if height == 0 {
        return Err(internal_error(
            "no block is committed yet: state proofs need a certified header; try again once the chain has started",
        ));
    }
    let block = ledger
        .block(height)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("block {height}, the tip, is missing")))?;
    let certificate = ledger
        .certificate(height)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("the certificate of {height}, the tip, is missing")))?;
    let set = store
        .validator_set(height)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("no validator set is recorded for {height}")))?;
    Ok((
        height,
        Certified {
            header: HeaderView::from_header(&block.header),
            certificate: CertificateView::from_certificate(&certificate, &set),
        },
    ))
}

/// `key`'s entry at the last committed height, with its proof.
fn proven(
    store: &LedgerStore,
    key: &[u8],
) -> Result<(ProvenEntry, Option<Vec<u8>>), ErrorObjectOwned> {
    let proven = store.ledger().prove(key).map_err(failed)?;
    let entry = ProvenEntry::new(key, proven.value.as_deref(), &proven.proof);
    Ok((entry, proven.value))
}

/// `civitas_getStateProof`.
pub fn state_proof(store: &LedgerStore, key: &[u8]) -> Result<StateProofAnswer, ErrorObjectOwned> {
    let (_, certified) = certified(store)?;
    let (entry, _) = proven(store, key)?;
    Ok(StateProofAnswer { entry, certified })
}

/// `civitas_getRecord`.
pub fn record(
    store: &LedgerStore,
    namespace: &NamespaceName,
    id: &RecordId,
) -> Result<RecordAnswer, ErrorObjectOwned> {
    let (height, certified) = certified(store)?;
    let corrupt =
        |e: civitas_types::DecodeError| failed(format!("a stored record does not decode: {e}"));
    let (entry, value) = proven(store, &keys::record(namespace, id))?;
    let record = value
        .as_deref()
        .map(RecordView::decode)
        .transpose()
        .map_err(corrupt)?;
    let mut entries = vec![entry];
    let mut versions = Vec::new();
    let newest = record.as_ref().map_or(0, |r| r.version);
    let oldest = newest
        .saturating_sub(RECORD_VERSIONS_MAX)
        .saturating_add(1)
        .max(1);
    for version in (oldest..=newest).filter(|_| newest > 0) {
        let (entry, value) = proven(store, &keys::record_version(namespace, id, version))?;
        let bytes =
            value.ok_or_else(|| failed(format!("version {version} of a record is missing")))?;
        versions.push(RecordVersionView::decode(version, &bytes).map_err(corrupt)?);
        entries.push(entry);
    }
    Ok(RecordAnswer {
        namespace: namespace_text(namespace),
        id: record_id_text(id),
        height,
        record,
        versions,
        versions_omitted: oldest.saturating_sub(1),
        entries,
        certified,
    })
}

/// `civitas_getRecordByDocument`.
pub fn document(
    store: &LedgerStore,
    namespace: &NamespaceName,
    document_hash: &Hash,
) -> Result<DocumentAnswer, ErrorObjectOwned> {
    let (_, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::document(namespace, document_hash))?;
    let located = value
        .as_deref()
        .map(decode_document_entry)
        .transpose()
        .map_err(|e| failed(format!("a stored document entry does not decode: {e}")))?;
    let (version, record) = match located {
        Some((id, version)) => (Some(version), Some(record(store, namespace, &id)?)),
        None => (None, None),
    };
    Ok(DocumentAnswer {
        namespace: namespace_text(namespace),
        document_hash: document_hash.to_hex(),
        registered: version.is_some(),
        version,
        entry,
        record,
        certified,
    })
}
