//! Transactions as files, for offline signing: `tx build` writes the body
//! and no signature, `tx sign` adds one signature per run (each multisig
//! member on their own machine), `tx submit` assembles and sends it. Only
//! `tx submit` (and `tx build` without `--chain-id`, `--sequence` and
//! `--expiry-height`) needs the node.
//!
//! The file is JSON (docs/citizen-guide.md, "Signing offline"): the body's
//! canonical bytes in hex (what is signed is their id), the signatures so
//! far, and readable copies of the envelope for the people who sign — the
//! action as `{"kind", "fields"}` ([`civic_action_view`]: accounts `civ1…`,
//! amounts decimal strings). `tx sign` and `tx submit` refuse a file whose
//! readable copies are not exactly what its body says.

use std::path::Path;

use civitas_civic::Action;
use civitas_rpc_api::{ActionView, civic_action_view};
use civitas_types::{
    AccountId, PublicKey, Signature, SignedTransaction, TransactionBody, TransactionSignature,
    decode, encode,
};
use serde::{Deserialize, Serialize};

use super::actions::{Built, derivation_for};
use super::envelope::{self, NodeFacts};
use super::submit::{self, key_name};
use super::{TxOptions, parse};
use crate::context::Context;
use crate::exit::CliError;
use crate::keystore::{self, Derivation};
use crate::output;

/// The `format` of a transaction file.
/// (`/1` files carried the action as Rust `Debug` text.)
const FORMAT: &str = "civitas-transaction/2";

/// A transaction file.
#[derive(Serialize, Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TransactionFile {
    format: String,
    /// The transaction id (what each signature signs), hex.
    id: String,
    chain_id: String,
    signer: String,
    sequence: u64,
    expiry_height: u64,
    /// Which key of a citizen's secret signs: identity, programme:N or community:N.
    derivation: String,
    /// The action, readable: its kind and fields.
    action: ActionView,
    /// The canonical body, hex: the only field `tx sign` and `tx submit` trust.
    body: String,
    signatures: Vec<SignatureEntry>,
}

/// One signature.
#[derive(Serialize, Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignatureEntry {
    public_key: String,
    signature: String,
}

/// `tx build`: writes the unsigned transaction of `built` to `out`.
pub async fn build(
    context: &Context,
    options: &TxOptions,
    built: &Built,
    out: &Path,
) -> Result<(), CliError> {
    let mut node = NodeFacts::new(context);
    let chain_id = envelope::chain_id(options, &mut node).await?;
    let signer = match (&options.signer, &options.key) {
        (Some(address), _) => parse::account(address)?,
        (None, Some(name)) => {
            let key = keystore::signing_key(context, name, built.derivation, &chain_id)?;
            AccountId::from_public_key(&key.public_key())
        }
        (None, None) => {
            return Err(CliError::usage(
                "whose transaction? give --signer ADDRESS (or --key NAME)",
            ));
        }
    };
    let body = envelope::body(options, &mut node, chain_id, signer, &built.action).await?;
    let file = TransactionFile {
        format: FORMAT.to_owned(),
        id: body.id().to_string(),
        chain_id: body.chain_id.as_str().to_owned(),
        signer: body.signer.to_string(),
        sequence: body.sequence,
        expiry_height: body.expiry_height,
        derivation: derivation_text(built.derivation),
        action: civic_action_view(&built.action),
        body: hex::encode(encode(&body)),
        signatures: Vec::new(),
    };
    write(out, &file)?;
    if let Some(account) = &built.account {
        eprintln!("the transaction creates account {account}");
    }
    output::emit(
        context,
        &serde_json::json!({"file": out.display().to_string(), "id": file.id, "createsAccount": built.account.map(|a| a.to_string())}),
        || {
            format!(
                "wrote {} (transaction {}, unsigned)",
                out.display(),
                file.id
            )
        },
    )
}

/// `tx sign`: adds the signature of `--key` to `path`.
pub fn sign(context: &Context, options: &TxOptions, path: &Path) -> Result<(), CliError> {
    let name = key_name(options)?;
    let mut file = read(path)?;
    let body = body_of(&file)?;
    let derivation = derivation_of(&file.derivation)?;
    let (key, _) =
        keystore::signing_key_for(context, name, derivation, &body.chain_id, Some(body.signer))?;
    let id = body.id();
    let public_key = key.public_key();
    file.signatures
        .retain(|entry| entry.public_key != hex::encode(public_key.0));
    file.signatures.push(SignatureEntry {
        public_key: hex::encode(public_key.0),
        signature: hex::encode(key.sign_digest(&id).0),
    });
    write(path, &file)?;
    output::emit(
        context,
        &serde_json::json!({"file": path.display().to_string(), "id": file.id, "signatures": file.signatures.len()}),
        || {
            format!(
                "signed {} with {name} ({} signature(s) now):\n{}",
                path.display(),
                file.signatures.len(),
                output::fields(&[
                    ("chain", file.chain_id.clone()),
                    ("signer", file.signer.clone()),
                    ("sequence", file.sequence.to_string()),
                    ("expiry height", file.expiry_height.to_string()),
                    (
                        "action",
                        submit::kind_and_fields(&file.action.kind, &file.action.fields)
                    ),
                ])
            )
        },
    )
}

/// `tx submit`: assembles `path`'s transaction and submits it.
pub async fn submit(context: &Context, options: &TxOptions, path: &Path) -> Result<(), CliError> {
    let file = read(path)?;
    let body = body_of(&file)?;
    let signatures = file
        .signatures
        .iter()
        .map(|entry| {
            Ok(TransactionSignature {
                public_key: PublicKey(parse::bytes32("a signer's key", &entry.public_key)?),
                signature: Signature(signature_bytes(&entry.signature)?),
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    if signatures.is_empty() {
        return Err(CliError::usage(format!(
            "{} has no signature yet: run `civitas tx sign {} --key NAME` first",
            path.display(),
            path.display()
        )));
    }
    let transaction = SignedTransaction::from_parts(body, signatures)
        .map_err(|e| CliError::failure(format!("{}: {e}", path.display())))?;
    transaction.verify_signatures().map_err(|_| {
        CliError::verification(format!(
            "a signature in {} does not sign this transaction (was the file edited?)",
            path.display()
        ))
    })?;
    let mut node = NodeFacts::new(context);
    submit::submit(context, options, &mut node, &transaction, None).await
}

fn body_of(file: &TransactionFile) -> Result<TransactionBody, CliError> {
    let bytes = hex::decode(&file.body)
        .map_err(|e| CliError::failure(format!("the file's body is not hex: {e}")))?;
    let body: TransactionBody = decode(&bytes)
        .map_err(|e| CliError::failure(format!("the file's body is not a transaction: {e}")))?;
    if body.id().to_string() != file.id {
        return Err(CliError::verification(
            "the file's id is not its body's: the file was edited",
        ));
    }
    // The readable copies are what people read before signing: each must
    // say exactly what the body says, or a file could show one action and
    // sign another.
    let readable = [
        (
            "chainId",
            file.chain_id.clone(),
            body.chain_id.as_str().to_owned(),
        ),
        ("signer", file.signer.clone(), body.signer.to_string()),
        (
            "sequence",
            file.sequence.to_string(),
            body.sequence.to_string(),
        ),
        (
            "expiryHeight",
            file.expiry_height.to_string(),
            body.expiry_height.to_string(),
        ),
    ];
    if let Some((field, _, _)) = readable.iter().find(|(_, shown, signed)| shown != signed) {
        return Err(edited(field));
    }
    let action = action_of(&body)?;
    if file.action != civic_action_view(&action) {
        return Err(edited("action"));
    }
    // Which key signs follows from the action: a file cannot ask for
    // another (a citizen's identity key signing a pseudonym's spending).
    if file.derivation != derivation_text(derivation_for(&action)) {
        return Err(edited("derivation"));
    }
    Ok(body)
}

fn edited(field: &str) -> CliError {
    CliError::verification(format!(
        "the file's {field} is not what its body says: the file was edited; do not sign it"
    ))
}

/// The body's action.
fn action_of(body: &TransactionBody) -> Result<Action, CliError> {
    decode(&body.payload)
        .map_err(|e| CliError::verification(format!("the file's body holds no civic action: {e}")))
}

fn signature_bytes(text: &str) -> Result<[u8; 64], CliError> {
    let bytes =
        hex::decode(text).map_err(|e| CliError::failure(format!("a signature is not hex: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| CliError::failure("a signature is not 64 bytes"))
}

fn derivation_text(derivation: Derivation) -> String {
    match derivation {
        Derivation::Identity => "identity".to_owned(),
        Derivation::Programme(id) => format!("programme:{id}"),
        Derivation::Community(id) => format!("community:{id}"),
    }
}

fn derivation_of(text: &str) -> Result<Derivation, CliError> {
    let refuse = || CliError::failure(format!("the file's derivation {text:?} is not valid"));
    match text.split_once(':') {
        None if text == "identity" => Ok(Derivation::Identity),
        Some(("programme", id)) => Ok(Derivation::Programme(id.parse().map_err(|_| refuse())?)),
        Some(("community", id)) => Ok(Derivation::Community(id.parse().map_err(|_| refuse())?)),
        _ => Err(refuse()),
    }
}

fn read(path: &Path) -> Result<TransactionFile, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
    let not_a_file = |e: serde_json::Error| {
        CliError::failure(format!("{} is not a transaction file: {e}", path.display()))
    };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(not_a_file)?;
    let format = json.get("format").and_then(serde_json::Value::as_str);
    if format != Some(FORMAT) {
        return Err(CliError::failure(format!(
            "{} is a {} file; this civitas reads {FORMAT}: build it again with this civitas",
            path.display(),
            format.unwrap_or("unknown")
        )));
    }
    serde_json::from_value(json).map_err(not_a_file)
}

fn write(path: &Path, file: &TransactionFile) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(file)?;
    std::fs::write(path, text + "\n")
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
}
