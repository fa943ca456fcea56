//! `civitas audit check-proof FILE --genesis FILE`: a proof bundle checked
//! offline — no node — against the genesis document alone
//! (`civitas_audit::bundle::check_bundle`), and what it proves said in plain
//! words: which transaction is in which block with which receipt, which
//! record or document is registered (by whom, at which height, revoked or
//! not), which key is provably absent. Any failure exits 5.

use std::path::Path;

use civitas_audit::bundle::{CheckedBundle, CheckedClaim, check_bundle};
use civitas_civic::model::{DocumentEntry, NamespaceName, Record, RecordId, RecordVersion};
use civitas_civic::receipt::Receipt;
use civitas_rpc_api::{code_name, code_reason, namespace_text, record_id_text};
use civitas_types::{Hash, decode};
use serde_json::json;

use crate::context::Context;
use crate::exit::CliError;
use crate::output::emit;

/// Checks the bundle in `path` against the genesis in `genesis_path`.
pub fn check(context: &Context, path: &Path, genesis_path: &Path) -> Result<(), CliError> {
    let genesis = super::source::read_genesis(genesis_path)?;
    let bundle = super::bundle_file::read(path)?;
    let checked = check_bundle(&bundle, &genesis)
        .map_err(|e| CliError::verification(format!("{} proves nothing: {e}", path.display())))?;
    report(context, &checked, None)
}

/// Prints what `checked` proves (`written`: the file just written, if any).
pub fn report(
    context: &Context,
    checked: &CheckedBundle,
    written: Option<&Path>,
) -> Result<(), CliError> {
    let header = &checked.header;
    let facts = facts(checked);
    let value = json!({
        "valid": true,
        "written": written.map(|p| p.display().to_string()),
        "chainId": header.chain_id.as_str(),
        "height": header.height,
        "blockHash": header.hash().to_string(),
        "blockTimeMs": header.time_ms,
        "signedPower": checked.signed_power,
        "totalPower": checked.total_power,
        "validatorSetChanges": checked.set_changes,
        "facts": facts,
    });
    emit(context, &value, || {
        let mut text = String::new();
        if let Some(path) = written {
            text.push_str(&format!("wrote {}\n", path.display()));
        }
        for fact in &facts {
            text.push_str(fact);
            text.push('\n');
        }
        text.push_str(&format!(
            "proven against block {} of {} (hash {}), certified by {} of {} voting power of the validator set reached from genesis through {} change(s)\n",
            header.height,
            header.chain_id.as_str(),
            header.hash(),
            checked.signed_power,
            checked.total_power,
            checked.set_changes
        ));
        text
    })
}

/// The claim in plain words, one sentence per fact.
fn facts(checked: &CheckedBundle) -> Vec<String> {
    let height = checked.header.height;
    match &checked.claim {
        CheckedClaim::Transaction {
            transaction,
            receipt,
            ..
        } => {
            // Not its position: a Merkle path does not prove one (the header
            // commits to no count of transactions).
            let body = &transaction.body;
            vec![format!(
                "transaction {} by {} (sequence {}) is in block {height}; {}",
                transaction.id(),
                body.signer,
                body.sequence,
                receipt_words(receipt)
            )]
        }
        CheckedClaim::State(entries) => entries
            .iter()
            .map(|(key, value)| entry_words(key, value.as_deref(), height))
            .collect(),
    }
}

fn receipt_words(receipt: &[u8]) -> String {
    match decode::<Receipt>(receipt) {
        Ok(receipt) if receipt.is_success() => {
            format!("it succeeded ({} event(s) recorded)", receipt.events.len())
        }
        Ok(receipt) => format!(
            "it failed with code {} ({}): {}",
            receipt.code,
            code_name(receipt.code),
            code_reason(receipt.code).unwrap_or("no reason known to this build")
        ),
        Err(_) => "its receipt is in a format this build does not read".to_owned(),
    }
}

/// One proven state entry in words, by its table.
fn entry_words(key: &[u8], value: Option<&[u8]>, height: u64) -> String {
    use civitas_civic::keys::table;
    let Some((&prefix, rest)) = key.split_first() else {
        return "an empty key".to_owned();
    };
    let described = match prefix {
        table::RECORD => decode::<(NamespaceName, RecordId)>(rest)
            .ok()
            .map(|(namespace, id)| record_words(&namespace, &id, value, height)),
        table::RECORD_VERSION => decode::<(NamespaceName, RecordId, u32)>(rest)
            .ok()
            .map(|(namespace, id, version)| version_words(&namespace, &id, version, value)),
        table::DOCUMENT => decode::<(NamespaceName, Hash)>(rest)
            .ok()
            .map(|(namespace, hash)| document_words(&namespace, &hash, value, height)),
        _ => None,
    };
    described.unwrap_or_else(|| match value {
        Some(value) => format!(
            "state key {} holds {} bytes at height {height} (value {})",
            hex::encode(key),
            value.len(),
            hex::encode(value)
        ),
        None => format!(
            "state key {} is absent at height {height}",
            hex::encode(key)
        ),
    })
}

fn record_words(
    namespace: &NamespaceName,
    id: &RecordId,
    value: Option<&[u8]>,
    height: u64,
) -> String {
    let name = format!("{}/{}", namespace_text(namespace), record_id_text(id));
    match value.map(decode::<Record>) {
        None => format!("record {name} does not exist at height {height}"),
        Some(Err(_)) => format!("record {name} exists, in a format this build does not read"),
        Some(Ok(record)) => {
            let status = match record.revoked {
                Some(code) => format!("revoked (reason code {code})"),
                None => "not revoked".to_owned(),
            };
            format!(
                "record {name} is at version {}, {status} at height {height}",
                record.version
            )
        }
    }
}

fn version_words(
    namespace: &NamespaceName,
    id: &RecordId,
    version: u32,
    value: Option<&[u8]>,
) -> String {
    let name = format!("{}/{}", namespace_text(namespace), record_id_text(id));
    match value.map(decode::<RecordVersion>) {
        None => format!("record {name} has no version {version}"),
        Some(Err(_)) => {
            format!("version {version} of {name} is in a format this build does not read")
        }
        Some(Ok(entry)) => format!(
            "version {version} of {name}: document {} registered by {} at height {}",
            entry.document_hash, entry.registrar, entry.height
        ),
    }
}

fn document_words(
    namespace: &NamespaceName,
    hash: &Hash,
    value: Option<&[u8]>,
    height: u64,
) -> String {
    let namespace = namespace_text(namespace);
    match value.map(decode::<DocumentEntry>) {
        None => format!(
            "document {hash} is not registered in {namespace} at height {height} (proof of absence)"
        ),
        Some(Err(_)) => format!(
            "document {hash} is registered in {namespace}, in a format this build does not read"
        ),
        Some(Ok(entry)) => format!(
            "document {hash} is registered in {namespace} as record {}, version {}",
            record_id_text(&entry.record_id),
            entry.version
        ),
    }
}
