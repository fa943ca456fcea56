//! `civitas_getEvidence`: the offences of validators that civic state records
//! (table `0x1b`, one record per offence: the council's view), as JSON, and the
//! parameters that select them.
//!
//! A record's state key is the table byte followed by the borsh encoding of its
//! `Offence` (offender, height, round, vote type), and borsh encodes a struct as
//! its fields in order: every record of one offender shares the prefix
//! `0x1b ‖ offender`, so filtering by offender is a prefix scan of the state,
//! in key order. The key itself is the paging cursor (`startAfter`, `next`).

use civitas_civic::evidence::EvidenceRecord;
use civitas_civic::keys::table;
use civitas_types::{DecodeError, Offence, VoteType, decode, encode};
use jsonrpsee::types::ErrorObjectOwned;
use serde::{Deserialize, Serialize};

use crate::encoding::{parse_public_key, to_hex};
use crate::errors::invalid_params;

/// Most offences one `civitas_getEvidence` answer lists (and the default):
/// page with `startAfter` for more.
pub const EVIDENCE_LIST_MAX: u32 = 100;

/// Length of an evidence record's state key: the table byte, the offender's
/// key (32), the height (8), the round (4) and the vote type (1).
const EVIDENCE_KEY_BYTES: usize = 1 + 32 + 8 + 4 + 1;

/// Length of its hexadecimal form.
const EVIDENCE_KEY_HEX_LENGTH: usize = 2 * EVIDENCE_KEY_BYTES;

/// What kind of misbehaviour a record is about.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum OffenceKind {
    /// Two different votes signed by one validator for one height, round and
    /// step (`duplicateVote`): the only offence the chain records today.
    DuplicateVote,
}

/// The voting step of a duplicate vote.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum VoteStep {
    /// `prevote`.
    Prevote,
    /// `precommit`.
    Precommit,
}

impl From<VoteType> for VoteStep {
    fn from(vote_type: VoteType) -> VoteStep {
        match vote_type {
            VoteType::Prevote => VoteStep::Prevote,
            VoteType::Precommit => VoteStep::Precommit,
        }
    }
}

/// One recorded offence: who, when, and the block that recorded it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvidenceView {
    /// The offender's consensus public key (hex).
    pub offender: String,
    /// The kind of offence.
    pub kind: OffenceKind,
    /// The height of the offending votes.
    pub height: u64,
    /// The round of the offending votes.
    pub round: u32,
    /// The step of the offending votes.
    pub vote_type: VoteStep,
    /// Hash of the evidence the recording block carries (hex); the evidence
    /// itself is in that block (`civitas_getBlock`).
    pub evidence_hash: String,
    /// Height of the block that recorded the offence.
    pub included_at_height: u64,
    /// That block's time, ms since the Unix epoch.
    pub included_at_time_ms: u64,
    /// The record's state key (hex): the cursor for `startAfter`.
    pub key: String,
}

impl EvidenceView {
    /// The view of the state entry `key` → `value` of the evidence table; an
    /// error if the key is not an evidence record's or either does not decode.
    pub fn from_entry(key: &[u8], value: &[u8]) -> Result<EvidenceView, DecodeError> {
        let offence = decode_key(key)?;
        let record: EvidenceRecord = decode(value)?;
        Ok(EvidenceView {
            offender: to_hex(offence.offender),
            kind: OffenceKind::DuplicateVote,
            height: offence.height,
            round: offence.round,
            vote_type: offence.vote_type.into(),
            evidence_hash: to_hex(record.evidence_hash),
            included_at_height: record.included_at_height,
            included_at_time_ms: record.included_at_time_ms,
            key: to_hex(key),
        })
    }
}

/// `civitas_getEvidence`: recorded offences in state-key order (by offender's
/// key, then by the encoding of height, round and step).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvidenceList {
    /// The committed height whose state was read.
    pub height: u64,
    /// The offences, at most the `limit` asked for.
    pub offences: Vec<EvidenceView>,
    /// When more offences follow: the `startAfter` of the next page (the last
    /// listed key); `null` when the list is complete.
    pub next: Option<String>,
}

impl EvidenceList {
    /// The answer for `query` from the state `entries` read at `height` in key
    /// order (up to [`EvidenceQuery::scan_limit`]: one entry beyond the limit
    /// says that the list goes on).
    pub fn from_entries(
        height: u64,
        entries: &[(Vec<u8>, Vec<u8>)],
        query: &EvidenceQuery,
    ) -> Result<EvidenceList, DecodeError> {
        let offences = entries
            .iter()
            .take(query.limit)
            .map(|(key, value)| EvidenceView::from_entry(key, value))
            .collect::<Result<Vec<_>, _>>()?;
        let next = if entries.len() > query.limit {
            offences.last().map(|view| view.key.clone())
        } else {
            None
        };
        Ok(EvidenceList {
            height,
            offences,
            next,
        })
    }
}

/// The parameters of `civitas_getEvidence`, checked: which part of the evidence
/// table to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceQuery {
    /// The key prefix: the table, and the offender's key when filtered.
    pub prefix: Vec<u8>,
    /// Read after this key (a previous answer's `next`).
    pub start_after: Option<Vec<u8>>,
    /// Most offences to list, 1 to [`EVIDENCE_LIST_MAX`].
    pub limit: usize,
}

impl EvidenceQuery {
    /// Checks the parameters: `offender` a consensus public key (hex),
    /// `start_after` an evidence record's key (hex, within the offender's
    /// records when both are given), `limit` from 1 to [`EVIDENCE_LIST_MAX`]
    /// (default). Errors are [`crate::INVALID_PARAMS`] naming the parameter.
    pub fn parse(
        offender: Option<&str>,
        start_after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<EvidenceQuery, ErrorObjectOwned> {
        let mut prefix = vec![table::EVIDENCE];
        if let Some(offender) = offender {
            prefix.extend(encode(&parse_public_key("offender", offender)?));
        }
        let start_after = start_after
            .map(|text| parse_evidence_key(text, &prefix))
            .transpose()?;
        let limit = limit.unwrap_or(EVIDENCE_LIST_MAX);
        if limit == 0 || limit > EVIDENCE_LIST_MAX {
            return Err(invalid_params(
                "limit",
                &format!("from 1 to {EVIDENCE_LIST_MAX}; got {limit}"),
            ));
        }
        Ok(EvidenceQuery {
            prefix,
            start_after,
            // u32 fits usize on every platform the node runs on.
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
        })
    }

    /// How many state entries to read: one beyond the limit, to know whether
    /// a next page exists.
    pub fn scan_limit(&self) -> usize {
        self.limit.saturating_add(1)
    }
}

/// The `Offence` of an evidence record's state key.
fn decode_key(key: &[u8]) -> Result<Offence, DecodeError> {
    match key.split_first() {
        Some((&table::EVIDENCE, offence)) => decode(offence),
        _ => Err(DecodeError::Invalid(
            "the key is not in the evidence table (0x1b)".to_owned(),
        )),
    }
}

/// Parses `startAfter`: the hex of an evidence record's key under `prefix`.
fn parse_evidence_key(text: &str, prefix: &[u8]) -> Result<Vec<u8>, ErrorObjectOwned> {
    let expected = |problem: &str| {
        invalid_params(
            "startAfter",
            &format!(
                "the `key` (0x and {EVIDENCE_KEY_HEX_LENGTH} hexadecimal digits) of an offence listed by a previous answer; {problem}"
            ),
        )
    };
    let text = crate::encoding::hex_digits(text);
    if text.len() != EVIDENCE_KEY_HEX_LENGTH {
        return Err(expected(&format!("got {} characters", text.len())));
    }
    let key = hex::decode(text).map_err(|error| expected(&error.to_string()))?;
    decode_key(&key).map_err(|error| expected(&error.to_string()))?;
    if !key.starts_with(prefix) {
        return Err(expected("it is another offender's"));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::errors::INVALID_PARAMS;
    use civitas_types::PublicKey;

    fn offence(offender: u8, height: u64) -> Offence {
        Offence {
            offender: PublicKey([offender; 32]),
            height,
            round: 2,
            vote_type: VoteType::Precommit,
        }
    }

    #[test]
    fn the_offender_prefix_is_the_start_of_its_records_keys() {
        let key = civitas_civic::keys::evidence(&offence(7, u64::MAX));
        assert_eq!(key.len(), EVIDENCE_KEY_BYTES);
        let query = EvidenceQuery::parse(Some(&"07".repeat(32)), None, None).unwrap();
        assert!(key.starts_with(&query.prefix));
        assert_eq!(query.prefix.len(), 33);
        assert_eq!(decode_key(&key).unwrap(), offence(7, u64::MAX));
        let other = civitas_civic::keys::evidence(&offence(8, 3));
        assert!(!other.starts_with(&query.prefix));
    }

    #[test]
    fn parameters_are_checked() {
        let all = EvidenceQuery::parse(None, None, None).unwrap();
        assert_eq!(all.prefix, vec![table::EVIDENCE]);
        assert_eq!((all.limit, all.scan_limit()), (100, 101));

        for limit in [0, EVIDENCE_LIST_MAX + 1] {
            let error = EvidenceQuery::parse(None, None, Some(limit)).unwrap_err();
            assert_eq!(error.code(), INVALID_PARAMS);
            assert!(error.message().contains("`limit`"), "{}", error.message());
        }
        assert_eq!(
            EvidenceQuery::parse(None, None, Some(EVIDENCE_LIST_MAX))
                .unwrap()
                .limit,
            100
        );
        let bad_offender = EvidenceQuery::parse(Some("0x07"), None, None).unwrap_err();
        assert!(bad_offender.message().contains("`offender`"));

        let key = civitas_civic::keys::evidence(&offence(7, 5));
        let after = EvidenceQuery::parse(None, Some(&to_hex(&key)), None).unwrap();
        assert_eq!(after.start_after, Some(key.clone()));
        // Another offender's key, a key of another table, not hex, too short.
        let mut other_table = key.clone();
        other_table[0] = table::PSEUDONYM_USE;
        for bad in [
            to_hex(civitas_civic::keys::evidence(&offence(8, 5))),
            to_hex(other_table),
            "zz".repeat(EVIDENCE_KEY_BYTES),
            "07".to_owned(),
        ] {
            let error = EvidenceQuery::parse(Some(&"07".repeat(32)), Some(&bad), None).unwrap_err();
            assert_eq!(error.code(), INVALID_PARAMS);
            assert!(error.message().contains("`startAfter`"), "{bad}");
        }
    }
}
