//! Queries of proven state: collectivities, programmes, merchants,
//! communities, slots, records, proposals. Each answer comes with proofs;
//! `--verify` checks them and that the view shown is the proven one.

use civitas_civic::keys;
use civitas_civic::model::{NamespaceName, RecordId, Siren};
use civitas_rpc_api::{
    CivitasApiClient, CollectivityAnswer, CollectivityView, CommunityView, DocumentAnswer,
    HttpClient, MerchantAnswer, MerchantEntries, Office, OfficialView, PeriodFiguresView,
    ProgrammeAnswer, ProgrammeView, ProposalAnswer, RECORD_VERSIONS_MAX, RecordAnswer,
    RecordVersionView, RecordView, SlotFiguresView, VoteView, council_power_text,
    decode_document_entry, namespace_text, period_range, record_id_text,
};
use civitas_types::{AccountId, Hash};
use serde::Serialize;
use serde_json::json;

use super::QueryOptions;
use super::verify::{Proven, Verified, Verifier, after, each_shown, failed, first, same_view};
use crate::context::Context;
use crate::exit::CliError;
use crate::node;
use crate::output::{self, Table, fields};
use crate::tx::parse;

/// What every query runs with.
pub struct Query<'a> {
    /// The command's context.
    pub context: &'a Context,
    /// The node.
    pub client: &'a HttpClient,
    /// `--verify`, `--genesis`.
    pub options: &'a QueryOptions,
}

impl<'a> Query<'a> {
    /// The verifier of `--verify`, if it was given.
    pub(super) fn verifier(&self) -> Result<Option<Verifier<'a>>, CliError> {
        if !self.options.verify {
            return Ok(None);
        }
        Verifier::new(self.context, self.client, self.options.genesis.as_deref()).map(Some)
    }

    /// With `--verify`: checks the answer (`certified`, `entries`, the first
    /// ones at `keys`, read at `height`), runs `views` on the proven
    /// entries, and returns what was established.
    pub(super) async fn verified(
        &self,
        height: u64,
        certified: &civitas_rpc_api::Certified,
        entries: &[&civitas_rpc_api::ProvenEntry],
        keys: &[Vec<u8>],
        views: impl FnOnce(&[Proven]) -> Result<(), CliError>,
    ) -> Result<Option<Verified>, CliError> {
        if !self.options.verify {
            return Ok(None);
        }
        let verifier = Verifier::new(self.context, self.client, self.options.genesis.as_deref())?;
        let (verified, proven) = verifier.check(certified, entries, keys).await?;
        if verified.height != height {
            return Err(failed(format!(
                "the answer says height {height}, its proofs are of height {}",
                verified.height
            )));
        }
        views(&proven)?;
        Ok(Some(verified))
    }

    /// Prints `answer` (and what was verified): JSON, or `human` then the
    /// verification line.
    pub(super) fn print<T: Serialize>(
        &self,
        answer: &T,
        verified: Option<&Verified>,
        human: String,
    ) -> Result<(), CliError> {
        let value = json!({"answer": answer, "verified": verified});
        output::emit(self.context, &value, || match verified {
            Some(verified) => {
                let end = if human.ends_with('\n') { "" } else { "\n" };
                format!("{human}{end}{}\n", verified.line())
            }
            None => human,
        })
    }
}

/// Cents written as a decimal string, as euros.
fn euros(cents: &str) -> String {
    cents
        .parse::<u64>()
        .map(parse::euros)
        .unwrap_or_else(|_| cents.to_owned())
}

/// `query collectivity`.
pub async fn collectivity(query: &Query<'_>, siren: u32) -> Result<(), CliError> {
    let answer = node::call(
        query.context,
        "civitas_getCollectivity",
        query.client.get_collectivity(siren),
    )
    .await?;
    let key = keys::collectivity(&parse::siren(siren)?);
    let entries: Vec<_> = answer.entries.iter().collect();
    let mut verified = query
        .verified(
            answer.height,
            &answer.certified,
            &entries,
            &[key],
            |proven| {
                same_view(
                    "collectivity",
                    answer.collectivity.as_ref(),
                    first(proven),
                    CollectivityView::decode,
                )?;
                same_officials(siren, &answer, proven)
            },
        )
        .await?;
    if let Some(verified) = verified.as_mut() {
        verified.subject = Some(format!(
            "the collectivity and its {} official(s) shown are proven at height {} (that it has no other, and that the namespaces named are its, is the node's word)",
            answer.officials.len(),
            verified.height
        ));
    }
    let human = match &answer.collectivity {
        None => format!("no collectivity {siren} at height {}\n", answer.height),
        Some(c) => {
            let mut text = fields(&[
                ("siren", c.siren.to_string()),
                ("name", c.name.clone()),
                ("council power", c.council_power.clone()),
                ("council account", c.council_account.clone()),
                ("height", answer.height.to_string()),
            ]);
            text.push_str(&officials_table(&answer));
            text
        }
    };
    query.print(&answer, verified.as_ref(), human)
}

/// Each official shown is what its proven entry (the one after the
/// collectivity's, in order) decodes to, in an office of this collectivity
/// (a namespace's office is taken to be its on the node's word).
fn same_officials(
    siren: u32,
    answer: &CollectivityAnswer,
    proven: &[Proven],
) -> Result<(), CliError> {
    if answer.siren != siren {
        return Err(failed("the answer is about another collectivity"));
    }
    each_shown(
        "official",
        &answer.officials,
        after(proven, 1),
        |official, key, value| {
            let decoded = value.map(|value| OfficialView::decode(key, value));
            let Some(Ok(Some((office, view)))) = decoded else {
                return false;
            };
            let ours = match office {
                Office::Collectivity(of) => of.0 == siren,
                Office::Namespace(_) => true,
            };
            ours && view == *official
        },
    )
}

/// The officials, one line each, for people.
fn officials_table(answer: &CollectivityAnswer) -> String {
    let mut table = Table::new(&["official", "role", "scope", "since / until"]);
    for official in &answer.officials {
        let scope = &official.scope;
        let scope = match (&scope.namespace, scope.id) {
            (Some(namespace), _) => format!("namespace {namespace}"),
            (None, Some(id)) => format!("{} {id}", scope.kind),
            (None, None) => scope.kind.clone(),
        };
        let when = match (&official.delegated_by, official.expires_at_ms) {
            (Some(by), Some(until)) => format!("delegated by {by} until {until} ms"),
            _ => format!(
                "granted at height {}",
                official.granted_at_height.unwrap_or_default()
            ),
        };
        table.row(vec![
            official.account.clone(),
            official.role.clone(),
            scope,
            when,
        ]);
    }
    let mut text = format!("\nofficials ({})\n", answer.officials.len());
    text.push_str(&table.render());
    if answer.officials_omitted > 0 {
        text.push_str(&format!("… and {} more\n", answer.officials_omitted));
    }
    text
}

/// `query programme`.
pub async fn programme(
    query: &Query<'_>,
    id: u64,
    from_period: Option<u64>,
    periods: Option<u32>,
) -> Result<(), CliError> {
    let answer = node::call(
        query.context,
        "civitas_getProgramme",
        query.client.get_programme(id, from_period, periods),
    )
    .await?;
    let entries: Vec<_> = answer.entries.iter().collect();
    let verified = query
        .verified(
            answer.height,
            &answer.certified,
            &entries,
            &[keys::programme(id)],
            |proven| {
                same_view(
                    "programme",
                    answer.programme.as_ref(),
                    first(proven),
                    ProgrammeView::decode,
                )?;
                same_periods(&answer, from_period, periods)?;
                each_shown(
                    "period",
                    &answer.periods,
                    after(proven, 1),
                    |shown, key, value| {
                        key == keys::period_figures(id, shown.period)
                            && PeriodFiguresView::decode(shown.period, value)
                                .is_ok_and(|decoded| decoded == *shown)
                    },
                )
            },
        )
        .await?;
    let human = match &answer.programme {
        None => format!("no programme {id} at height {}\n", answer.height),
        Some(p) => {
            let mut text = fields(&[
                ("programme", id.to_string()),
                ("collectivity", p.collectivity.to_string()),
                (
                    "status",
                    format!("{}{}", p.status, if p.frozen { " (frozen)" } else { "" }),
                ),
                ("budget", euros(&p.budget_cents)),
                ("cap per period", euros(&p.cap_per_period_cents)),
                ("unreserved", euros(&p.unreserved_cents)),
                ("reserved", euros(&p.reserved_cents)),
                ("beneficiaries hold", euros(&p.beneficiary_balances_cents)),
                ("merchants hold", euros(&p.merchant_balances_cents)),
                ("redeemed", euros(&p.redeemed_cents)),
                ("height", answer.height.to_string()),
            ]);
            let mut table = Table::new(&[
                "period", "budget", "reserved", "executed", "spent", "redeemed",
            ]);
            for period in &answer.periods {
                table.row(vec![
                    period.period.to_string(),
                    euros(&period.budget_cents),
                    euros(&period.reserved_cents),
                    euros(&period.executed_cents),
                    euros(&period.spent_cents),
                    euros(&period.redeemed_cents),
                ]);
            }
            text.push_str(&table.render());
            text
        }
    };
    query.print(&answer, verified.as_ref(), human)
}

/// The periods shown are those asked for (none without a programme): a
/// node cannot leave one out.
fn same_periods(
    answer: &ProgrammeAnswer,
    from_period: Option<u64>,
    periods: Option<u32>,
) -> Result<(), CliError> {
    let asked = period_range(from_period, periods)
        .map_err(|e| CliError::usage(format!("the periods asked for: {}", e.message())))?;
    let shown = answer.periods.iter().map(|period| period.period);
    let same = match answer.programme {
        Some(_) => shown.eq(asked),
        None => answer.periods.is_empty(),
    };
    if same {
        Ok(())
    } else {
        Err(failed("the periods shown are not the ones asked for"))
    }
}

/// `query merchant`.
pub async fn merchant(query: &Query<'_>, programme: u64, address: &str) -> Result<(), CliError> {
    let merchant = parse::account(address)?;
    let answer = node::call(
        query.context,
        "civitas_getMerchant",
        query.client.get_merchant(programme, address.to_owned()),
    )
    .await?;
    let entries: Vec<_> = answer.entries.iter().collect();
    let verified = query
        .verified(
            answer.height,
            &answer.certified,
            &entries,
            &[keys::programme(programme)],
            |proven| same_standing(programme, &merchant, &answer, proven),
        )
        .await?;
    let human = fields(&[
        ("merchant", answer.merchant.clone()),
        ("programme", programme.to_string()),
        ("accredited", answer.accredited.to_string()),
        ("categories", format!("{:?}", answer.accepted_categories)),
        ("height", answer.height.to_string()),
    ]);
    query.print(&answer, verified.as_ref(), human)
}

/// Whether the merchant's standing shown (accredited, grants, categories)
/// in `programme` is what its proven entries say.
fn same_standing(
    programme: u64,
    merchant: &AccountId,
    answer: &MerchantAnswer,
    proven: &[Proven],
) -> Result<(), CliError> {
    if answer.merchant != merchant.to_string() {
        return Err(failed("the answer is about another merchant"));
    }
    let entries = MerchantEntries::from_proven(programme, merchant, proven).map_err(failed)?;
    let standing = entries
        .standing()
        .map_err(|e| failed(format!("a proven entry does not decode: {e}")))?;
    let shown = (
        answer.accredited,
        answer.grants.clone(),
        answer.accepted_categories.clone(),
    );
    if standing == shown {
        Ok(())
    } else {
        Err(failed(
            "the merchant's standing shown is not the proven one",
        ))
    }
}

/// `query community`.
pub async fn community(query: &Query<'_>, id: u64) -> Result<(), CliError> {
    let answer = node::call(
        query.context,
        "civitas_getCommunity",
        query.client.get_community(id),
    )
    .await?;
    let entries: Vec<_> = answer.entries.iter().collect();
    let verified = query
        .verified(
            answer.height,
            &answer.certified,
            &entries,
            &[keys::community(id)],
            |proven| {
                same_view(
                    "community",
                    answer.community.as_ref(),
                    first(proven),
                    CommunityView::decode,
                )
            },
        )
        .await?;
    let human = match &answer.community {
        None => format!("no community {id} at height {}\n", answer.height),
        Some(c) => fields(&[
            ("community", id.to_string()),
            ("collectivity", c.collectivity.to_string()),
            ("slot length", format!("{} ms", c.slot_ms)),
            ("first slot", format!("{} ms", c.first_slot_ms)),
            ("grid price", format!("{} millicents/Wh", c.grid_price)),
            (
                "feed-in price",
                format!("{} millicents/Wh", c.feed_in_price),
            ),
            ("meters", c.meter_count.to_string()),
            ("slots to clear", format!("{:?}", c.pending_slots)),
            ("height", answer.height.to_string()),
        ]),
    };
    query.print(&answer, verified.as_ref(), human)
}

/// `query slot`.
pub async fn slot(query: &Query<'_>, community: u64, slot: u64) -> Result<(), CliError> {
    let answer = node::call(
        query.context,
        "civitas_getSlot",
        query.client.get_slot(community, slot),
    )
    .await?;
    let entries: Vec<_> = answer.entries.iter().collect();
    let verified = query
        .verified(
            answer.height,
            &answer.certified,
            &entries,
            &[keys::slot_figures(community, slot)],
            |proven| {
                same_view(
                    "slot",
                    answer.figures.as_ref(),
                    first(proven),
                    SlotFiguresView::decode,
                )
            },
        )
        .await?;
    let human = match &answer.figures {
        None => format!(
            "no figures for slot {slot} of community {community} at height {}\n",
            answer.height
        ),
        Some(f) => fields(&[
            ("community", community.to_string()),
            ("slot", slot.to_string()),
            ("clearing price", format!("{} millicents/Wh", f.price)),
            ("volume", format!("{} Wh", f.volume_wh)),
            ("settled", f.settled.to_string()),
            ("paid by buyers", f.paid_by_buyers.clone()),
            ("paid to sellers", f.paid_to_sellers.clone()),
            ("height", answer.height.to_string()),
        ]),
    };
    query.print(&answer, verified.as_ref(), human)
}

/// `query record NAMESPACE ID`.
pub async fn record(query: &Query<'_>, namespace: &str, id: &str) -> Result<(), CliError> {
    let namespace_name = parse::namespace(namespace)?;
    let record_id = parse::record_id(id)?;
    let answer = node::call(
        query.context,
        "civitas_getRecord",
        query.client.get_record(namespace.to_owned(), id.to_owned()),
    )
    .await?;
    let verified = verified_record(query, &namespace_name, &record_id, &answer).await?;
    let human = match &answer.record {
        None => format!("no record {namespace}/{id} at height {}\n", answer.height),
        Some(r) => {
            let status = match (r.revoked, r.revocation_code) {
                (true, Some(code)) => format!("revoked (reason {code})"),
                (true, None) => "revoked".to_owned(),
                (false, _) => "valid".to_owned(),
            };
            let mut text = fields(&[
                ("record", format!("{namespace}/{id}")),
                ("status", status),
                ("version", r.version.to_string()),
                (
                    "owner",
                    r.owner.clone().unwrap_or_else(|| "none".to_owned()),
                ),
                (
                    "pending transfer to",
                    r.pending_transfer
                        .clone()
                        .unwrap_or_else(|| "none".to_owned()),
                ),
                ("height", answer.height.to_string()),
            ]);
            let mut table = Table::new(&["version", "height", "document", "registrar"]);
            for version in &answer.versions {
                table.row(vec![
                    version.version.to_string(),
                    version.height.to_string(),
                    version.document_hash.clone(),
                    version.registrar.clone(),
                ]);
            }
            text.push_str(&table.render());
            text
        }
    };
    query.print(&answer, verified.as_ref(), human)
}

/// With `--verify`: the record `answer` shows (of `namespace` and `id`), its
/// view and versions, checked against their proven entries.
async fn verified_record(
    query: &Query<'_>,
    namespace: &NamespaceName,
    id: &RecordId,
    answer: &RecordAnswer,
) -> Result<Option<Verified>, CliError> {
    let entries: Vec<_> = answer.entries.iter().collect();
    query
        .verified(
            answer.height,
            &answer.certified,
            &entries,
            &[keys::record(namespace, id)],
            |proven| {
                if answer.namespace != namespace_text(namespace) || answer.id != record_id_text(id)
                {
                    return Err(failed("the answer is about another record"));
                }
                same_view(
                    "record",
                    answer.record.as_ref(),
                    first(proven),
                    RecordView::decode,
                )?;
                same_versions(answer, namespace, id, proven)
            },
        )
        .await
}

/// Each version shown is what its proven entry records, and they are the
/// record's latest, none left out: numbered up to its version, those
/// before counted as omitted.
fn same_versions(
    answer: &RecordAnswer,
    namespace: &NamespaceName,
    id: &RecordId,
    proven: &[Proven],
) -> Result<(), CliError> {
    let newest = answer.record.as_ref().map_or(0, |record| record.version);
    // The node's rule: the latest RECORD_VERSIONS_MAX, the rest counted.
    let omitted = newest.saturating_sub(RECORD_VERSIONS_MAX);
    let numbers = (omitted.saturating_add(1)..=newest).filter(|_| newest > 0);
    if answer.versions_omitted != omitted || !answer.versions.iter().map(|v| v.version).eq(numbers)
    {
        return Err(failed(format!(
            "the versions shown are not the record's latest {}",
            answer.versions.len()
        )));
    }
    each_shown(
        "version",
        &answer.versions,
        after(proven, 1),
        |shown, key, value| {
            key == keys::record_version(namespace, id, shown.version)
                && value
                    .map(|value| RecordVersionView::decode(shown.version, value))
                    .is_some_and(|decoded| decoded.is_ok_and(|decoded| decoded == *shown))
        },
    )
}

/// `query record NAMESPACE --file PATH`: the file is hashed here.
pub async fn document(
    query: &Query<'_>,
    namespace: &str,
    file: &std::path::Path,
) -> Result<(), CliError> {
    let hash = parse::file_hash(file)?;
    let namespace_name = parse::namespace(namespace)?;
    let key = keys::document(&namespace_name, &hash);
    let answer = node::call(
        query.context,
        "civitas_getRecordByDocument",
        query
            .client
            .get_record_by_document(namespace.to_owned(), hash.to_string()),
    )
    .await?;
    let height = answer.certified.header.height;
    let verified = query
        .verified(
            height,
            &answer.certified,
            &[&answer.entry],
            &[key],
            |proven| same_document(&answer, &hash, first(proven)),
        )
        .await?;
    // The record shown with it is checked as `query record` checks one.
    if let (Some(_), Some(record)) = (&verified, &answer.record) {
        let id = parse::record_id(&record.id).map_err(|e| failed(e.message()))?;
        verified_record(query, &namespace_name, &id, record).await?;
    }
    let human = match (&answer.record, answer.version) {
        (Some(record), version) => format!(
            "document {} is registered in {namespace} as record {} (version {})\n",
            answer.document_hash,
            record.id,
            version.map_or("?".to_owned(), |v| v.to_string())
        ),
        (None, _) => format!(
            "document {} is not registered in {namespace} (at height {})\n",
            answer.document_hash, answer.certified.header.height
        ),
    };
    query.print(&answer, verified.as_ref(), human)
}

/// Whether the answer says what the proven document entry (`entry`)
/// records: registered or not, and where (the record's id and version).
fn same_document(
    answer: &DocumentAnswer,
    hash: &Hash,
    entry: Option<&[u8]>,
) -> Result<(), CliError> {
    if parse::hash("the document hash shown", &answer.document_hash).ok() != Some(*hash) {
        return Err(failed("the answer is about another document"));
    }
    let located = entry
        .map(decode_document_entry)
        .transpose()
        .map_err(|e| failed(format!("the proven document entry does not decode: {e}")))?;
    let shown = answer
        .record
        .as_ref()
        .map(|record| record.id.clone())
        .zip(answer.version);
    let proven = located.map(|(id, version)| (record_id_text(&id), version));
    if answer.registered == proven.is_some() && shown == proven {
        Ok(())
    } else {
        Err(failed(
            "where the document is registered (or that it is not) is not what the proof says",
        ))
    }
}

/// The council power and each vote shown are what the proven entries
/// (`proven`: the council power's, then one per vote) record.
fn same_votes(id: u64, answer: &ProposalAnswer, proven: &[Proven]) -> Result<(), CliError> {
    let Some(((_, power), votes)) = proven.split_first() else {
        return Err(failed("the council's power is not proven"));
    };
    let power = council_power_text(power.as_deref())
        .map_err(|e| failed(format!("the proven council power does not decode: {e}")))?;
    if power != answer.council_power {
        return Err(failed("the council power shown is not the proven one"));
    }
    each_shown("vote", &answer.votes, votes, |shown, key, value| {
        key == keys::proposal_vote(id, &Siren(shown.collectivity))
            && value
                .map(|value| VoteView::decode(key, value))
                .is_some_and(|decoded| decoded.is_ok_and(|decoded| decoded == *shown))
    })
}

/// `query proposal`.
pub async fn proposal(query: &Query<'_>, id: u64) -> Result<(), CliError> {
    let answer = node::call(
        query.context,
        "civitas_getProposal",
        query.client.get_proposal(id, None),
    )
    .await?;
    let entries: Vec<_> = answer.entries.iter().collect();
    let mut verified = query
        .verified(
            answer.height,
            &answer.certified,
            &entries,
            &[keys::proposal(id), keys::council_power()],
            |proven| {
                same_view(
                    "proposal",
                    answer.proposal.as_ref(),
                    first(proven),
                    civitas_rpc_api::ProposalView::decode,
                )?;
                same_votes(id, &answer, after(proven, 1))
            },
        )
        .await?;
    if let Some(verified) = verified.as_mut() {
        verified.subject = Some(format!(
            "the proposal, the council's power and the {} vote(s) shown are proven at height {} (that no other vote is recorded is the node's word)",
            answer.votes.len(),
            verified.height
        ));
    }
    let human = match &answer.proposal {
        None => format!("no proposal {id} at height {}\n", answer.height),
        Some(p) => {
            let mut text = fields(&[
                ("proposal", id.to_string()),
                ("status", p.status.clone()),
                ("proposer", p.proposer.clone()),
                ("action", serde_json::to_string(&p.action)?),
                (
                    "in favour",
                    format!("{} of {}", p.power_in_favour, answer.council_power),
                ),
                ("against", p.power_against.clone()),
                ("height", answer.height.to_string()),
            ]);
            let mut table = Table::new(&["collectivity", "vote"]);
            for vote in &answer.votes {
                table.row(vec![
                    vote.collectivity.to_string(),
                    if vote.in_favour { "for" } else { "against" }.to_owned(),
                ]);
            }
            text.push_str(&table.render());
            text
        }
    };
    query.print(&answer, verified.as_ref(), human)
}
