//! `civitas audit prove`: a self-contained proof bundle
//! (`civitas_audit::bundle`) of one transaction, one record, one document's
//! record or one raw state key, written to a file anyone can check offline
//! with `civitas audit check-proof` and the genesis document alone.
//!
//! The node gives the fact with its proof and certified header; the
//! validator-set history from genesis to that header is found by bisecting
//! `civitas_getValidators` over the heights (a change is where the set's hash
//! differs), so a year-long chain with a few changes costs a few dozen calls.

use std::path::PathBuf;

use civitas_audit::bundle::{BUNDLE_FORMAT, Claim, ProofBundle, SetChange, StateEntry};
use civitas_rpc_api::{Certified, CivitasApiClient, HttpClient, ProvenEntry};
use civitas_types::encode;
use clap::Args;

use super::check_proof;
use crate::context::Context;
use crate::exit::CliError;
use crate::node;
use crate::query::verify::validators_of;
use crate::tx::parse;

/// What to prove (exactly one), and where to write the bundle.
#[derive(Args, Debug, Clone)]
#[command(group(
    clap::ArgGroup::new("item")
        .required(true)
        .multiple(false)
        .args(["tx", "record", "file", "key"])
))]
pub struct ProveArgs {
    /// A transaction, by id: its inclusion in a certified block and its receipt.
    #[arg(long, value_name = "ID")]
    pub tx: Option<String>,
    /// A registry record, as NAMESPACE/ID (split at the last `/`): its
    /// current state and every version, at the node's latest height.
    #[arg(long, value_name = "NS/ID")]
    pub record: Option<String>,
    /// A document: its record in --namespace, or proof that it has none.
    /// The file is hashed here and never leaves the machine.
    #[arg(long, value_name = "PATH", requires = "namespace")]
    pub file: Option<PathBuf>,
    /// The namespace of --file.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// A raw state key (hex; the node asks for a credential).
    #[arg(long, value_name = "HEX")]
    pub key: Option<String>,
    /// Where to write the bundle (JSON; gzip-compressed when the name ends
    /// in `.gz`).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The network's genesis file: the bundle is checked against it before
    /// it is written, and what it proves is printed.
    #[arg(long, value_name = "FILE")]
    pub genesis: PathBuf,
}

/// Builds the bundle of `args`, checks it against the genesis and writes it.
pub async fn prove(context: &Context, args: &ProveArgs) -> Result<(), CliError> {
    let genesis = super::source::read_genesis(&args.genesis)?;
    let client = node::client(context)?;
    let status = node::call(context, "civitas_status", client.status()).await?;
    let (certified, claim) = fact(context, &client, args).await?;
    let header = certified
        .header
        .decode_header()
        .map_err(|e| CliError::verification(format!("the node's header does not decode: {e}")))?;
    let set_changes = set_changes(
        context,
        &client,
        genesis.initial_height.max(1),
        header.height,
    )
    .await?;
    let bundle = ProofBundle {
        format: BUNDLE_FORMAT.to_owned(),
        chain_id: status.chain_id,
        genesis_hash: status.genesis_hash,
        set_changes,
        header: certified.header.header,
        certificate: certified.certificate.certificate,
        claim,
    };
    let checked = civitas_audit::bundle::check_bundle(&bundle, &genesis).map_err(|e| {
        CliError::verification(format!(
            "the node's answer does not make a valid bundle: {e}"
        ))
    })?;
    super::bundle_file::write(&args.out, &bundle)?;
    check_proof::report(context, &checked, Some(&args.out))
}

/// The fact asked for, with the certified header it is proven against.
async fn fact(
    context: &Context,
    client: &HttpClient,
    args: &ProveArgs,
) -> Result<(Certified, Claim), CliError> {
    if let Some(id) = &args.tx {
        return transaction(context, client, id).await;
    }
    if let Some(record) = &args.record {
        let (namespace, id) = record.rsplit_once('/').ok_or_else(|| {
            CliError::usage(format!(
                "{record:?} is not NAMESPACE/ID (e.g. permits/building/PC-2027-0042)"
            ))
        })?;
        parse::namespace(namespace)?;
        parse::record_id(id)?;
        let answer = node::call(
            context,
            "civitas_getRecord",
            client.get_record(namespace.to_owned(), id.to_owned()),
        )
        .await?;
        return Ok((answer.certified, state_claim(&answer.entries)));
    }
    if let (Some(file), Some(namespace)) = (&args.file, &args.namespace) {
        parse::namespace(namespace)?;
        let hash = parse::file_hash(file)?;
        let answer = node::call(
            context,
            "civitas_getRecordByDocument",
            client.get_record_by_document(namespace.to_owned(), hash.to_string()),
        )
        .await?;
        let mut entries = vec![answer.entry.clone()];
        if let Some(record) = &answer.record {
            entries.extend(record.entries.iter().cloned());
        }
        return Ok((answer.certified, state_claim(&entries)));
    }
    if let Some(key) = &args.key {
        let answer = node::call(
            context,
            "civitas_getStateProof",
            client.get_state_proof(key.to_lowercase()),
        )
        .await?;
        return Ok((answer.certified, state_claim(&[answer.entry])));
    }
    Err(CliError::usage(
        "say what to prove: --tx ID, --record NS/ID, --file PATH --namespace NS or --key HEX",
    ))
}

async fn transaction(
    context: &Context,
    client: &HttpClient,
    id: &str,
) -> Result<(Certified, Claim), CliError> {
    parse::hash("the transaction id", id)?;
    let view = node::call(
        context,
        "civitas_getTransaction",
        client.get_transaction(id.to_lowercase()),
    )
    .await?
    .ok_or_else(|| {
        CliError::failure(format!(
            "the node knows no committed transaction {id}: check the id, or wait until it is final"
        ))
    })?;
    let proof = view.proof.ok_or_else(|| {
        CliError::verification(format!("the node gave transaction {id} without its proof"))
    })?;
    let claim = Claim::Transaction {
        transaction: view.transaction,
        transaction_proof: proof.transaction_proof,
        receipt: proof.receipt,
        receipt_proof: proof.receipt_proof,
    };
    Ok((proof.certified, claim))
}

fn state_claim(entries: &[ProvenEntry]) -> Claim {
    Claim::State {
        entries: entries
            .iter()
            .map(|entry| StateEntry {
                key: entry.key.clone(),
                value: entry.value.clone(),
                proof: entry.proof.clone(),
            })
            .collect(),
    }
}

/// The validator-set changes that take effect in `(first, height]`, oldest first.
pub(super) async fn set_changes(
    context: &Context,
    client: &HttpClient,
    first: u64,
    height: u64,
) -> Result<Vec<SetChange>, CliError> {
    let mut finder = ChangeFinder {
        context,
        client,
        found: Vec::new(),
    };
    if height > first {
        let low = finder.set_hash(first).await?;
        let high = finder.set_hash(height).await?;
        finder.between(first, low, height, high).await?;
    }
    let mut changes = Vec::with_capacity(finder.found.len());
    for activation in finder.found {
        changes.push(set_change(context, client, activation).await?);
    }
    Ok(changes)
}

/// Bisects the heights for the ones where the validator set changes.
struct ChangeFinder<'a> {
    context: &'a Context,
    client: &'a HttpClient,
    found: Vec<u64>,
}

impl ChangeFinder<'_> {
    async fn set_hash(&self, height: u64) -> Result<String, CliError> {
        Ok(node::call(
            self.context,
            "civitas_getValidators",
            self.client.get_validators(Some(height)),
        )
        .await?
        .hash)
    }

    /// Finds the changes in `(low, high]`, whose sets hash to `low_hash`
    /// and `high_hash`. Equal hashes are taken as no change: a set that
    /// changed and changed back is in force again at `high`, which is all
    /// a bundle needs.
    async fn between(
        &mut self,
        low: u64,
        low_hash: String,
        high: u64,
        high_hash: String,
    ) -> Result<(), CliError> {
        let mut pending = vec![(low, low_hash, high, high_hash)];
        while let Some((low, low_hash, high, high_hash)) = pending.pop() {
            if low_hash == high_hash {
                continue;
            }
            if high <= low.saturating_add(1) {
                self.found.push(high);
                continue;
            }
            let middle = low.saturating_add(high.saturating_sub(low) / 2);
            let middle_hash = self.set_hash(middle).await?;
            // Later half first on the stack: the earlier half is found first.
            pending.push((middle, middle_hash.clone(), high, high_hash));
            pending.push((low, low_hash, middle, middle_hash));
        }
        Ok(())
    }
}

/// The change taking effect at `activation`: the header before it (signed
/// by the old set, naming the new one), its certificate and the new set.
async fn set_change(
    context: &Context,
    client: &HttpClient,
    activation: u64,
) -> Result<SetChange, CliError> {
    let last_of_old = activation.saturating_sub(1);
    let missing =
        |what: &str| CliError::failure(format!("the node has no {what} of height {last_of_old}"));
    let header = node::call(context, "civitas_getHeader", client.get_header(last_of_old))
        .await?
        .ok_or_else(|| missing("header"))?;
    let certificate = node::call(
        context,
        "civitas_getCertificate",
        client.get_certificate(last_of_old),
    )
    .await?
    .ok_or_else(|| missing("certificate"))?;
    let next = node::call(
        context,
        "civitas_getValidators",
        client.get_validators(Some(activation)),
    )
    .await?;
    Ok(SetChange {
        header: header.header,
        certificate: certificate.certificate,
        next_validators: civitas_rpc_api::to_hex(encode(&validators_of(&next)?)),
    })
}
