//! The proven state reads (`getStateProof`, `getRecord`,
//! `getRecordByDocument`, and the civic reads `getCollectivity`,
//! `getProgramme`, `getMerchant`, `getCommunity`, `getSlot`,
//! `getProposal`, and the own-data reads `getBeneficiary`,
//! `getMerchantBalance`, `getMeter`), run on the server's threads against
//! the shared [`LedgerStore`] under one read guard ([`crate::store`]): every
//! entry is proven against the state of the last
//! committed height, and answered with that height's header and
//! certificate, all read between two engine inputs so they agree. Each read
//! is bounded: a programme's periods by [`PROGRAMME_PERIODS_MAX`], a
//! proposal's votes by [`PROPOSAL_VOTES_MAX`].

use std::collections::BTreeMap;
use std::ops::Range;

use civitas_civic::aid::Programme;
use civitas_civic::keys::{self, table};
use civitas_civic::model::{Namespace, NamespaceName, RecordId, Role, Scope, Siren};
use civitas_rpc_api::{
    Certified, CollectivityAnswer, CollectivityView, CommunityAnswer, CommunityView,
    DocumentAnswer, ErrorObjectOwned, MerchantAnswer, MerchantBalanceAnswer, MerchantEntries,
    MeterAnswer, MeterRegistration, MeterSlotView, OFFICIALS_MAX, Office, OfficialView,
    PROPOSAL_VOTES_MAX, PeriodFiguresView, ProgrammeAnswer, ProgrammeView, ProposalAnswer,
    ProposalView, ProvenEntry, RECORD_VERSIONS_MAX, RecordAnswer, RecordVersionView, RecordView,
    SlotAnswer, SlotFiguresView, StateProofAnswer, VoteView, council_power_text,
    decode_document_entry, internal_error, merchant_scopes, namespace_text, record_id_text,
    scope_view, to_hex,
};
use civitas_types::{AccountId, DecodeError, Hash, decode, encode};

use crate::store::LedgerStore;

fn failed(error: impl std::fmt::Display) -> ErrorObjectOwned {
    internal_error(&format!("the node cannot read its ledger: {error}"))
}

/// The last committed height's header and certificate.
pub(super) fn certified(store: &LedgerStore) -> Result<(u64, Certified), ErrorObjectOwned> {
    // Built once per height by the store: reading the tip's header decodes
    // every transaction of its block, too much per request.
    store.certified_tip().map_err(failed)?.ok_or_else(|| {
        internal_error(
            "no block is committed yet: state proofs need a certified header; try again once the chain has started",
        )
    })
}

/// `key`'s entry at the last committed height, with its proof.
pub(super) fn proven(
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
        document_hash: to_hex(document_hash),
        registered: version.is_some(),
        version,
        entry,
        record,
        certified,
    })
}

/// A stored value that does not decode: the node's corrupt state.
fn corrupt(what: &'static str) -> impl Fn(DecodeError) -> ErrorObjectOwned {
    move |error| failed(format!("a stored {what} does not decode: {error}"))
}

/// `civitas_getCollectivity`.
pub fn collectivity(
    store: &LedgerStore,
    siren: &Siren,
) -> Result<CollectivityAnswer, ErrorObjectOwned> {
    let (height, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::collectivity(siren))?;
    let collectivity = value
        .as_deref()
        .map(CollectivityView::decode)
        .transpose()
        .map_err(corrupt("collectivity"))?;
    let mut entries = vec![entry];
    let (officials, officials_omitted) = match collectivity {
        Some(_) => officials_of(store, siren, &mut entries)?,
        None => (Vec::new(), 0),
    };
    Ok(CollectivityAnswer {
        siren: siren.0,
        height,
        collectivity,
        officials,
        officials_omitted,
        entries,
        certified,
    })
}

/// The officials of `siren`: every role grant and delegation (but
/// merchants') whose scope is its own or one of its namespaces', at most
/// [`OFFICIALS_MAX`], each entry with its proof pushed onto `entries`; and
/// how many were left out. Scans both tables: roles are keyed by account.
fn officials_of(
    store: &LedgerStore,
    siren: &Siren,
    entries: &mut Vec<ProvenEntry>,
) -> Result<(Vec<OfficialView>, u32), ErrorObjectOwned> {
    let mut officials = Vec::new();
    let mut omitted: u32 = 0;
    let mut namespaces: BTreeMap<NamespaceName, bool> = BTreeMap::new();
    for table in [keys::table::ROLE, keys::table::DELEGATION] {
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = store
                .ledger()
                .scan_prefix(&[table], after.as_deref(), SCAN_PAGE)
                .map_err(failed)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = Some(last.clone());
            let full = page.len() == SCAN_PAGE;
            for (key, value) in page {
                let Some((office, view)) =
                    OfficialView::decode(&key, &value).map_err(corrupt("role"))?
                else {
                    continue;
                };
                let ours = match office {
                    Office::Collectivity(of) => of == *siren,
                    Office::Namespace(name) => namespace_of(store, &mut namespaces, name, siren)?,
                };
                if !ours {
                    continue;
                }
                if officials.len() == OFFICIALS_MAX {
                    omitted = omitted.saturating_add(1);
                    continue;
                }
                let (entry, _) = proven(store, &key)?;
                entries.push(entry);
                officials.push(view);
            }
            if !full {
                break;
            }
        }
    }
    Ok((officials, omitted))
}

/// Entries read per page of a table scan.
const SCAN_PAGE: usize = 1_024;

/// Whether namespace `name` belongs to `siren` (remembered in `seen`).
fn namespace_of(
    store: &LedgerStore,
    seen: &mut BTreeMap<NamespaceName, bool>,
    name: NamespaceName,
    siren: &Siren,
) -> Result<bool, ErrorObjectOwned> {
    if let Some(ours) = seen.get(&name) {
        return Ok(*ours);
    }
    let value = store
        .ledger()
        .get(&keys::namespace(&name))
        .map_err(failed)?;
    let ours = match value {
        Some(bytes) => {
            let namespace: Namespace = decode(&bytes).map_err(corrupt("namespace"))?;
            namespace.collectivity == *siren
        }
        None => false,
    };
    seen.insert(name, ours);
    Ok(ours)
}

/// `civitas_getProgramme`: the programme, then its figures for `periods`.
pub fn programme(
    store: &LedgerStore,
    id: u64,
    periods: Range<u64>,
) -> Result<ProgrammeAnswer, ErrorObjectOwned> {
    let (height, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::programme(id))?;
    let programme = value
        .as_deref()
        .map(ProgrammeView::decode)
        .transpose()
        .map_err(corrupt("programme"))?;
    let mut entries = vec![entry];
    let mut figures = Vec::new();
    for period in periods.filter(|_| programme.is_some()) {
        let (entry, value) = proven(store, &keys::period_figures(id, period))?;
        figures.push(
            PeriodFiguresView::decode(period, value.as_deref())
                .map_err(corrupt("period's figures"))?,
        );
        entries.push(entry);
    }
    Ok(ProgrammeAnswer {
        id,
        height,
        programme,
        periods: figures,
        entries,
        certified,
    })
}

/// `civitas_getMerchant`: the programme, its collectivity, and the
/// merchant's grants for the programme and for the collectivity.
pub fn merchant(
    store: &LedgerStore,
    programme_id: u64,
    merchant: &AccountId,
) -> Result<MerchantAnswer, ErrorObjectOwned> {
    let (height, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::programme(programme_id))?;
    let mut entries = vec![entry];
    let mut found = MerchantEntries::default();
    if let Some(bytes) = value {
        let programme: Programme = decode(&bytes).map_err(corrupt("programme"))?;
        let siren = programme.rules.collectivity;
        let (entry, member) = proven(store, &keys::collectivity(&siren))?;
        entries.push(entry);
        found.member = member.is_some();
        for scope in merchant_scopes(siren, programme_id) {
            let (entry, grant) = proven(store, &keys::role(merchant, Role::Merchant, &scope))?;
            entries.push(entry);
            let grant = grant.map(|value| (scope_view(&scope), value));
            if matches!(scope, Scope::Programme(..)) {
                found.programme_grant = grant;
            } else {
                found.collectivity_grant = grant;
            }
        }
        found.programme = Some(bytes);
    }
    let (accredited, grants, accepted_categories) =
        found.standing().map_err(corrupt("merchant entry"))?;
    Ok(MerchantAnswer {
        programme: programme_id,
        merchant: merchant.to_string(),
        height,
        accredited,
        grants,
        accepted_categories,
        entries,
        certified,
    })
}

/// `civitas_getCommunity`.
pub fn community(store: &LedgerStore, id: u64) -> Result<CommunityAnswer, ErrorObjectOwned> {
    let (height, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::community(id))?;
    let community = value
        .as_deref()
        .map(CommunityView::decode)
        .transpose()
        .map_err(corrupt("community"))?;
    Ok(CommunityAnswer {
        id,
        height,
        community,
        entries: vec![entry],
        certified,
    })
}

/// `civitas_getSlot`: the slot's figures, never its book.
pub fn slot(
    store: &LedgerStore,
    community: u64,
    slot: u64,
) -> Result<SlotAnswer, ErrorObjectOwned> {
    let (height, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::slot_figures(community, slot))?;
    let figures = value
        .as_deref()
        .map(SlotFiguresView::decode)
        .transpose()
        .map_err(corrupt("slot's figures"))?;
    Ok(SlotAnswer {
        community,
        slot,
        height,
        figures,
        entries: vec![entry],
        certified,
    })
}

/// `civitas_getProposal`: the proposal, the council's power, and its votes
/// after `votes_after`'s (found by a scan of the proposal's vote keys, each
/// then proven).
pub fn proposal(
    store: &LedgerStore,
    id: u64,
    votes_after: Option<Siren>,
) -> Result<ProposalAnswer, ErrorObjectOwned> {
    let (height, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::proposal(id))?;
    let proposal = value
        .as_deref()
        .map(ProposalView::decode)
        .transpose()
        .map_err(corrupt("proposal"))?;
    let (power_entry, power) = proven(store, &keys::council_power())?;
    let council_power = council_power_text(power.as_deref()).map_err(corrupt("council power"))?;
    let mut entries = vec![entry, power_entry];
    let mut votes = Vec::new();
    let mut more = false;
    if proposal.is_some() {
        let mut prefix = vec![table::PROPOSAL_VOTE];
        prefix.extend(encode(&id));
        let after = votes_after.map(|siren| keys::proposal_vote(id, &siren));
        let mut found = store
            .ledger()
            .scan_prefix(
                &prefix,
                after.as_deref(),
                PROPOSAL_VOTES_MAX.saturating_add(1),
            )
            .map_err(failed)?;
        more = found.len() > PROPOSAL_VOTES_MAX;
        found.truncate(PROPOSAL_VOTES_MAX);
        for (key, _) in found {
            let (entry, value) = proven(store, &key)?;
            let value = value.ok_or_else(|| failed("a vote scanned is not in the state"))?;
            votes.push(VoteView::decode(&key, &value).map_err(corrupt("vote"))?);
            entries.push(entry);
        }
    }
    let next_votes_after = votes.last().filter(|_| more).map(|vote| vote.collectivity);
    Ok(ProposalAnswer {
        id,
        height,
        proposal,
        council_power,
        votes,
        next_votes_after,
        entries,
        certified,
    })
}

/// `civitas_getBeneficiary` (the caller's right to read it is checked before).
pub fn beneficiary(
    store: &LedgerStore,
    programme: u64,
    beneficiary: &civitas_types::AccountId,
) -> Result<civitas_rpc_api::BeneficiaryAnswer, ErrorObjectOwned> {
    let (_, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::beneficiary(programme, beneficiary))?;
    civitas_rpc_api::BeneficiaryAnswer::from_entry(
        programme,
        beneficiary,
        value.as_deref(),
        entry,
        certified,
    )
    .map_err(|e| failed(format!("a stored beneficiary does not decode: {e}")))
}

/// `civitas_getMerchantBalance` (the caller's right to read it is checked before).
pub fn merchant_balance(
    store: &LedgerStore,
    programme: u64,
    merchant: &AccountId,
) -> Result<MerchantBalanceAnswer, ErrorObjectOwned> {
    let (_, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::merchant_balance(programme, merchant))?;
    MerchantBalanceAnswer::from_entry(programme, merchant, value.as_deref(), entry, certified)
        .map_err(corrupt("merchant balance"))
}

/// `civitas_getMeter`: the meter and its owner's energy account, proven,
/// then the meter's lines in each slot of `slots` (from the slot books,
/// unproven). `allowed` checks the caller's right against the owner (and
/// the last committed height) once the meter is read; an unregistered
/// meter is answered to anyone.
pub fn meter(
    store: &LedgerStore,
    community: u64,
    meter: u64,
    slots: Range<u64>,
    allowed: impl FnOnce(&AccountId, u64) -> Result<(), ErrorObjectOwned>,
) -> Result<MeterAnswer, ErrorObjectOwned> {
    let (height, certified) = certified(store)?;
    let (entry, value) = proven(store, &keys::meter(community, meter))?;
    let mut entries = vec![entry];
    let Some(meter_bytes) = value else {
        return Ok(MeterAnswer {
            community,
            meter,
            height,
            registration: None,
            slots: Vec::new(),
            entries,
            certified,
        });
    };
    let meter_value: civitas_civic::energy::Meter =
        decode(&meter_bytes).map_err(corrupt("meter"))?;
    allowed(&meter_value.owner, height)?;
    let (account_entry, account) =
        proven(store, &keys::energy_account(community, &meter_value.owner))?;
    entries.push(account_entry);
    let (registration, _) = MeterRegistration::decode(&meter_bytes, account.as_deref())
        .map_err(corrupt("meter or energy account"))?;
    let mut lines = Vec::new();
    for slot in slots {
        let book = store
            .ledger()
            .get(&keys::slot_book(community, slot))
            .map_err(failed)?;
        if let Some(book) = book {
            lines.extend(
                MeterSlotView::from_book(slot, meter, &book).map_err(corrupt("slot book"))?,
            );
        }
    }
    Ok(MeterAnswer {
        community,
        meter,
        height,
        registration: Some(registration),
        slots: lines,
        entries,
        certified,
    })
}
