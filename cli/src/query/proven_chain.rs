//! `--verify` for the chain's own answers: a transaction (its inclusion and
//! receipt proofs), a header, a whole block (its body against its header),
//! a validator set (the hash a certified header names) and an account (its
//! entries, each proven). Each starts
//! from a certified header checked as state answers are ([`Verifier::check`])
//! and then requires the view shown to be what the proven bytes say.

use civitas_audit::bundle::{CheckedClaim, Claim, check_claim};
use civitas_civic::receipt::Receipt;
use civitas_rpc_api::{
    AccountEntries, AccountView, BlockView, Certified, CivitasApiClient, HeaderView, HttpClient,
    ProvenEntry, ReceiptView, TransactionView, ValidatorsView,
};
use civitas_types::{AccountId, QuorumCertificate, ValidatorSet, decode};

use super::verify::{Verified, Verifier, failed, validators_of};
use crate::context::Context;
use crate::exit::CliError;
use crate::node;
use crate::tx::parse;

/// A final header: what was established, the header and its certificate.
type FinalHeader = (Verified, civitas_types::Header, QuorumCertificate);

/// `header` (the node's view of it) with the node's certificate for its
/// height, checked; the header must be of height `asked`.
async fn certified_header(
    verifier: &Verifier<'_>,
    context: &Context,
    client: &HttpClient,
    header: HeaderView,
    asked: u64,
) -> Result<FinalHeader, CliError> {
    if header.height != asked {
        return Err(failed(format!(
            "the node answered with the header of height {} for height {asked}",
            header.height
        )));
    }
    let height = header.height;
    let certificate = node::call(
        context,
        "civitas_getCertificate",
        client.get_certificate(height),
    )
    .await?
    .ok_or_else(|| failed(format!("the node holds no certificate for height {height}")))?;
    let certified = Certified {
        header,
        certificate,
    };
    let (verified, _) = verifier.check(&certified, &[], &[]).await?;
    let decoded = certified
        .header
        .decode_header()
        .map_err(|e| failed(format!("the header does not decode: {e}")))?;
    if HeaderView::from_header(&decoded) != certified.header {
        return Err(failed(
            "the header's fields shown are not what its bytes encode",
        ));
    }
    let certificate = certified
        .certificate
        .decode_certificate()
        .map_err(|e| failed(format!("the certificate does not decode: {e}")))?;
    Ok((verified, decoded, certificate))
}

/// `query transaction --verify`: the transaction and its receipt are in a
/// block whose header is final, and the view shown is theirs.
pub async fn transaction(
    verifier: &Verifier<'_>,
    view: &TransactionView,
) -> Result<Verified, CliError> {
    let proof = view
        .proof
        .as_ref()
        .ok_or_else(|| failed("the node gave no inclusion proof"))?;
    let (mut verified, _) = verifier.check(&proof.certified, &[], &[]).await?;
    let header = proof
        .certified
        .header
        .decode_header()
        .map_err(|e| failed(format!("the header does not decode: {e}")))?;
    let claim = Claim::Transaction {
        transaction: view.transaction.clone(),
        transaction_proof: proof.transaction_proof.clone(),
        receipt: proof.receipt.clone(),
        receipt_proof: proof.receipt_proof.clone(),
    };
    let checked = check_claim(&claim, &header).map_err(failed)?;
    let CheckedClaim::Transaction {
        transaction,
        position,
        receipt,
    } = checked
    else {
        return Err(failed("the proof is not of a transaction"));
    };
    let id = transaction.id();
    let shown_id =
        parse::hash("the transaction id shown", &view.id).map_err(|e| failed(e.message()))?;
    let body = &transaction.body;
    let same = shown_id == id
        && view.height == header.height
        && u64::from(view.position) == position
        && view.signer == body.signer.to_string()
        && view.sequence == body.sequence;
    if !same {
        return Err(failed(
            "the transaction shown (id, height, position, signer or sequence) is not the proven one",
        ));
    }
    let receipt: Receipt =
        decode(&receipt).map_err(|e| failed(format!("the proven receipt does not decode: {e}")))?;
    if ReceiptView::from_receipt(&receipt, header.height) != view.receipt {
        return Err(failed("the receipt shown is not the proven one"));
    }
    // The position shown is the proof's leaf index: checked against the
    // proof, but not proven (the header commits to no count of
    // transactions), so the line does not claim it.
    verified.subject = Some(format!(
        "transaction {} and its receipt are in block {}",
        civitas_rpc_api::to_hex(id),
        header.height
    ));
    Ok(verified)
}

/// `query block --verify`: the header is final and its fields are its bytes'.
pub async fn header(
    verifier: &Verifier<'_>,
    context: &Context,
    client: &HttpClient,
    view: &HeaderView,
    asked: u64,
) -> Result<Verified, CliError> {
    let (mut verified, header, _) =
        certified_header(verifier, context, client, view.clone(), asked).await?;
    verified.subject = Some(format!("the header of block {} is final", header.height));
    Ok(verified)
}

/// `query block --full --verify`: the block's header is final, its
/// transactions and evidence are the ones the header commits to, and the
/// view shown is the block's.
pub async fn block(
    verifier: &Verifier<'_>,
    context: &Context,
    client: &HttpClient,
    view: &BlockView,
    asked: u64,
) -> Result<Verified, CliError> {
    let block = view
        .decode_block()
        .map_err(|e| failed(format!("the block does not decode: {e}")))?;
    let header_view = HeaderView::from_header(&block.header);
    let (mut verified, _, certificate) =
        certified_header(verifier, context, client, header_view, asked).await?;
    block
        .check_body()
        .map_err(|e| failed(format!("the block's body is not its header's: {e}")))?;
    if BlockView::from_block(&block, Some(&certificate)) != *view {
        return Err(failed(
            "the block's fields shown are not what its bytes encode",
        ));
    }
    verified.subject = Some(format!(
        "block {} ({} transaction(s), {} piece(s) of evidence) is final and its body is the one its header commits to",
        block.header.height,
        block.transactions.len(),
        block.evidence.len()
    ));
    Ok(verified)
}

/// `query validators --verify`: the set shown is the one a final header
/// names — that height's own header, or for the next height to decide,
/// the last header's `next_validators_hash`.
pub async fn validators(
    verifier: &Verifier<'_>,
    context: &Context,
    client: &HttpClient,
    view: &ValidatorsView,
    asked: Option<u64>,
) -> Result<Verified, CliError> {
    if asked.is_some_and(|asked| asked != view.height) {
        return Err(failed(format!(
            "the node answered with the set of height {} for the one asked",
            view.height
        )));
    }
    let set = ValidatorSet::new(validators_of(view)?)
        .map_err(|e| failed(format!("the validator set shown: {e}")))?;
    let shown_hash =
        parse::hash("the set hash shown", &view.hash).map_err(|e| failed(e.message()))?;
    if shown_hash != set.hash() || view.total_power != set.total_voting_power().to_string() {
        return Err(failed(
            "the set's hash or total power shown is not its validators'",
        ));
    }
    let own = node::call(context, "civitas_getHeader", client.get_header(view.height)).await?;
    let (named, header_view, header_height) = match own {
        Some(header) => (true, header, view.height),
        None => {
            let before = view.height.checked_sub(1).filter(|h| *h >= 1);
            let header = match before {
                Some(height) => {
                    node::call(context, "civitas_getHeader", client.get_header(height)).await?
                }
                None => None,
            };
            let (header, height) = header.zip(before).ok_or_else(|| {
                failed(format!(
                    "no committed header names the set of height {} yet",
                    view.height
                ))
            })?;
            (false, header, height)
        }
    };
    let (mut verified, header, _) =
        certified_header(verifier, context, client, header_view, header_height).await?;
    let expected = if named {
        header.validators_hash
    } else {
        header.next_validators_hash
    };
    if set.hash() != expected {
        return Err(failed(format!(
            "the set shown is not the one block {} names for height {}",
            header.height, view.height
        )));
    }
    verified.subject = Some(format!(
        "this is the set block {} names for height {} (its keys and powers; the network keys and collectivities shown are the node's word)",
        header.height, view.height
    ));
    Ok(verified)
}

/// `query account --verify`: the account's entry, its policy's and each
/// role and delegation shown are proven, and the view is rebuilt from them.
/// That it holds no other role is the node's word (a proof shows an entry,
/// not the absence of all others), and the line says so.
pub async fn account(
    verifier: &Verifier<'_>,
    account: &AccountId,
    view: &AccountView,
) -> Result<Verified, CliError> {
    let certified = view
        .certified
        .as_ref()
        .ok_or_else(|| failed("the node gave no proofs (is a block committed yet?)"))?;
    let entries: Vec<&ProvenEntry> = view.entries.iter().collect();
    let (mut verified, proven) = verifier.check(certified, &entries, &[]).await?;
    if verified.height != view.height {
        return Err(failed(format!(
            "the answer says height {}, its proofs are of height {}",
            view.height, verified.height
        )));
    }
    let rebuilt = AccountEntries::from_proven(account, &proven).map_err(failed)?;
    let proofs = Some((view.entries.clone(), certified.clone()));
    let expected = AccountView::from_entries(account, verified.height, &rebuilt, proofs)
        .map_err(|e| failed(format!("a proven entry does not decode: {e}")))?;
    if expected != *view {
        return Err(failed("the account shown is not the proven one"));
    }
    verified.subject = Some(format!(
        "the account's sequence and policy, its {} role(s) and {} delegation(s) shown are proven at height {} (that it holds no others is the node's word)",
        view.roles.len(),
        view.delegations.len(),
        verified.height
    ));
    Ok(verified)
}
