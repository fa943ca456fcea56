//! The reads behind the chain and account methods (`getHeader`,
//! `getCertificate`, `getValidators`, `getBlocks`, `getAccount`) and
//! `getTransaction`, run on the server's threads against the shared
//! [`LedgerStore`] under one read guard ([`crate::store`]). Each read is
//! bounded: one height, one set, at most [`BLOCKS_LIST_MAX`] blocks and
//! [`civitas_rpc_api::BLOCKS_LIST_BYTES_MAX`] bytes, at most
//! [`ACCOUNT_ROLES_MAX`] roles and delegations.

use civitas_civic::Receipt;
use civitas_civic::keys::{self, table};
use civitas_engine::ChainStore;
use civitas_rpc_api::{
    ACCOUNT_ROLES_MAX, AccountEntries, AccountView, BLOCKS_LIST_BYTES_MAX, BLOCKS_LIST_MAX,
    BlockList, BlockView, CertificateView, ErrorObjectOwned, EvidenceList, EvidenceQuery,
    HeaderView, InclusionProof, RegistryEntry, TransactionView, ValidatorsView, internal_error,
    invalid_params,
};
use civitas_types::{AccountId, Block, Hash, QuorumCertificate, decode, encode};

use crate::store::LedgerStore;

/// Most evidence entries read from the state for one request: a page of
/// `civitas_getEvidence` and the one entry that says whether more follow.
const EVIDENCE_ENTRIES_MAX: usize = civitas_rpc_api::EVIDENCE_LIST_MAX as usize + 1;

/// A storage failure, as the caller sees it: the node's fault.
fn failed(error: impl std::fmt::Display) -> ErrorObjectOwned {
    internal_error(&format!("the node cannot read its ledger: {error}"))
}

/// `civitas_getHeader`.
pub fn header(store: &LedgerStore, height: u64) -> Result<Option<HeaderView>, ErrorObjectOwned> {
    let block = store.ledger().block(height).map_err(failed)?;
    Ok(block.map(|block| HeaderView::from_header(&block.header)))
}

/// `civitas_getCertificate`.
pub fn certificate(
    store: &LedgerStore,
    height: u64,
) -> Result<Option<CertificateView>, ErrorObjectOwned> {
    let Some(certificate) = store.ledger().certificate(height).map_err(failed)? else {
        return Ok(None);
    };
    let set = store
        .validator_set(height)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("no validator set is recorded for height {height}")))?;
    Ok(Some(CertificateView::from_certificate(&certificate, &set)))
}

/// `civitas_getValidators`: `height` defaults to the next one to decide.
pub fn validators(
    store: &LedgerStore,
    height: Option<u64>,
) -> Result<ValidatorsView, ErrorObjectOwned> {
    let next = store.ledger().height().saturating_add(1);
    let height = height.unwrap_or(next);
    if height > next {
        return Err(invalid_params(
            "height",
            &format!(
                "height {height} is beyond the next one to decide ({next}): its set is not known yet"
            ),
        ));
    }
    let Some(set) = store.validator_set(height).map_err(failed)? else {
        return Err(invalid_params(
            "height",
            &format!("height {height} is before the chain's first"),
        ));
    };
    let entries: Vec<RegistryEntry> = store
        .registry_entries(height)
        .unwrap_or_default()
        .iter()
        .map(|entry| (entry.public_key, entry.network_key, entry.siren.0))
        .collect();
    Ok(ValidatorsView::from_set(height, &set, &entries))
}

/// `civitas_getBlocks`: blocks are read one at a time, so a long range
/// never holds more than the byte budget in memory.
pub fn blocks(
    store: &LedgerStore,
    from: u64,
    limit: Option<u32>,
) -> Result<BlockList, ErrorObjectOwned> {
    let limit = limit.unwrap_or(BLOCKS_LIST_MAX);
    if !(1..=BLOCKS_LIST_MAX).contains(&limit) {
        return Err(invalid_params(
            "limit",
            &format!("the limit is 1 to {BLOCKS_LIST_MAX}, got {limit}"),
        ));
    }
    let ledger = store.ledger();
    let tip = ledger.height();
    let mut views: Vec<BlockView> = Vec::new();
    let mut bytes: usize = 0;
    for height in (from.max(1)..).take(limit as usize) {
        let (Some(block), Some(certificate)) = (
            ledger.block(height).map_err(failed)?,
            ledger.certificate(height).map_err(failed)?,
        ) else {
            break;
        };
        bytes = bytes.saturating_add(encode(&block).len());
        if !views.is_empty() && bytes > BLOCKS_LIST_BYTES_MAX {
            break;
        }
        views.push(BlockView::from_block(&block, Some(&certificate)));
    }
    let next = views
        .last()
        .map(|last| last.height.saturating_add(1))
        .filter(|next| *next <= tip);
    Ok(BlockList {
        blocks: views,
        next,
    })
}

/// `civitas_getTransaction`: the transaction, its receipt, and the proof
/// that both are in the block whose header and certificate come with them.
pub fn transaction(
    store: &LedgerStore,
    id: &Hash,
) -> Result<Option<TransactionView>, ErrorObjectOwned> {
    let ledger = store.ledger();
    let Some(record) = ledger.transaction(id).map_err(failed)? else {
        return Ok(None);
    };
    let height = record.height;
    let receipt: Receipt = decode(&record.receipt)
        .map_err(|e| failed(format!("a stored receipt does not decode: {e}")))?;
    // Built once per height and kept: the block's header alone would cost
    // decoding all its transactions per request.
    let certified = store
        .certified(height)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("block {height} or its certificate is missing")))?;
    let proof = InclusionProof::new(
        &record.transaction_proof,
        &record.receipt,
        &record.receipt_proof,
        certified,
    );
    Ok(Some(
        TransactionView::from_parts(*id, height, record.position, &record.transaction, &receipt)
            .with_proof(proof),
    ))
}

/// `civitas_getAccount`: read at the last committed height, each entry
/// with its proof once a block is committed (before, nothing to prove
/// against: the answer is the initial state, without proofs).
pub fn account(store: &LedgerStore, account: &AccountId) -> Result<AccountView, ErrorObjectOwned> {
    let ledger = store.ledger();
    let listed = |table: u8| {
        let mut prefix = vec![table];
        prefix.extend_from_slice(&account.0);
        ledger.scan_prefix(&prefix, None, ACCOUNT_ROLES_MAX)
    };
    let entries = AccountEntries {
        account: ledger.get(&keys::account(account)).map_err(failed)?,
        multisig: ledger.get(&keys::multisig(account)).map_err(failed)?,
        roles: listed(table::ROLE).map_err(failed)?,
        delegations: listed(table::DELEGATION).map_err(failed)?,
    };
    let proofs = if ledger.height() == 0 {
        None
    } else {
        let (_, certified) = super::state::certified(store)?;
        let proven = entries
            .keys(account)
            .iter()
            .map(|key| super::state::proven(store, key).map(|(entry, _)| entry))
            .collect::<Result<Vec<_>, _>>()?;
        Some((proven, certified))
    };
    AccountView::from_entries(account, ledger.height(), &entries, proofs)
        .map_err(|error| failed(format!("a stored account entry does not decode: {error}")))
}

/// `civitas_getBlock`: the committed block at `height` with its
/// certificate (the caller builds the view, after the read guard is gone:
/// encoding a whole block need not delay a commit).
pub fn block(
    store: &LedgerStore,
    height: u64,
) -> Result<Option<(Block, QuorumCertificate)>, ErrorObjectOwned> {
    let ledger = store.ledger();
    let Some(block) = ledger.block(height).map_err(failed)? else {
        return Ok(None);
    };
    let certificate = ledger.certificate(height).map_err(failed)?;
    Ok(certificate.map(|certificate| (block, certificate)))
}

/// `civitas_getEvidence`: a page of the evidence table, read at the last
/// committed height.
pub fn evidence(
    store: &LedgerStore,
    query: &EvidenceQuery,
) -> Result<EvidenceList, ErrorObjectOwned> {
    let ledger = store.ledger();
    let limit = query.scan_limit().min(EVIDENCE_ENTRIES_MAX);
    let entries = ledger
        .scan_prefix(&query.prefix, query.start_after.as_deref(), limit)
        .map_err(failed)?;
    EvidenceList::from_entries(ledger.height(), &entries, query)
        .map_err(|_| failed("a stored evidence record does not decode"))
}
