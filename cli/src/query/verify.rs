//! `--verify`: checking a node's answer instead of trusting it. The
//! certificate must make the header final under the validator set of that
//! height (at least two thirds of its power, every signature valid), each
//! proven entry must lead to the header's state root, the entries must be
//! the keys asked about, and the readable view must be what the proven bytes
//! decode to.
//!
//! The validator set is the node's answer for that height, checked against
//! the header's `validators_hash`; with `--genesis FILE` the CLI also says
//! whether it is the genesis set. Following every validator change back to
//! genesis is the auditor's whole-chain check (`civitas audit`), not this one.

use civitas_genesis::GenesisDocument;
use civitas_rpc_api::{Certified, CivitasApiClient, HttpClient, ProvenEntry, ValidatorsView};
use civitas_types::{PublicKey, Validator, ValidatorSet};
use serde::Serialize;

use crate::context::Context;
use crate::exit::CliError;
use crate::node;
use crate::tx::parse;

/// What a successful verification established.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    /// The height whose state was proven.
    pub height: u64,
    /// That height's state root (hex).
    pub state_root: String,
    /// Power of the certificate's signers.
    pub signed_power: u64,
    /// Power of the whole validator set.
    pub total_power: u64,
    /// Whether the set is the genesis set (`null` without `--genesis`).
    pub genesis_validator_set: Option<bool>,
    /// Proven entries checked.
    pub entries: usize,
    /// What was proven, in words, when it is not state entries (a
    /// transaction, a header, a block, a validator set, an account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl Verified {
    /// One line for people.
    pub fn line(&self) -> String {
        let set = match self.genesis_validator_set {
            Some(true) => "the genesis validator set",
            Some(false) => "the validator set of that height (not the genesis set)",
            None => "the validator set the node reports for that height",
        };
        let proven = match &self.subject {
            Some(subject) => subject.clone(),
            None => format!(
                "{} proven {} to the state root of height {}",
                self.entries,
                if self.entries == 1 {
                    "entry leads"
                } else {
                    "entries lead"
                },
                self.height
            ),
        };
        format!(
            "verified: {proven}, certified by {} of {} power of {set}",
            self.signed_power, self.total_power
        )
    }
}

/// What `--verify` checks an answer against.
pub struct Verifier<'a> {
    context: &'a Context,
    client: &'a HttpClient,
    genesis: Option<GenesisDocument>,
}

/// A verification failure: exit 5, saying what does not hold.
pub(super) fn failed(what: impl std::fmt::Display) -> CliError {
    CliError::verification(format!("the answer does not verify: {what}"))
}

impl<'a> Verifier<'a> {
    /// A verifier asking `client` for validator sets, with the genesis of
    /// `genesis_file` if given.
    pub fn new(
        context: &'a Context,
        client: &'a HttpClient,
        genesis_file: Option<&std::path::Path>,
    ) -> Result<Verifier<'a>, CliError> {
        let genesis = match genesis_file {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    CliError::failure(format!("cannot read {}: {e}", path.display()))
                })?;
                Some(civitas_genesis::from_json(&text).map_err(|e| {
                    CliError::failure(format!("{} is not a genesis file: {e}", path.display()))
                })?)
            }
        };
        Ok(Verifier {
            context,
            client,
            genesis,
        })
    }

    /// Checks `certified` and every entry of `entries` against it; `keys`
    /// are the keys the first entries must be (in order: an answer without
    /// them fails — a node cannot deny an entry by leaving out its proof).
    /// Returns what was established and the entries' keys and values, in
    /// order.
    pub async fn check(
        &self,
        certified: &Certified,
        entries: &[&ProvenEntry],
        keys: &[Vec<u8>],
    ) -> Result<(Verified, Vec<Proven>), CliError> {
        if entries.len() < keys.len() {
            return Err(failed(format!(
                "{} proven entries, {} asked about",
                entries.len(),
                keys.len()
            )));
        }
        let header = certified
            .header
            .decode_header()
            .map_err(|e| failed(format!("the header does not decode: {e}")))?;
        let certificate = certified
            .certificate
            .decode_certificate()
            .map_err(|e| failed(format!("the certificate does not decode: {e}")))?;
        let set = self.validator_set(header.height).await?;
        if set.hash() != header.validators_hash {
            return Err(failed(format!(
                "the node's validator set for height {} is not the one the header names",
                header.height
            )));
        }
        let signed_power = certificate
            .verify(&header.chain_id, header.height, &header.hash(), &set)
            .map_err(|e| failed(format!("the certificate: {e}")))?;
        let mut proven = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            entry
                .verify(&header.state_root)
                .map_err(|e| failed(format!("proven entry {index}: {e}")))?;
            let key = entry
                .key_bytes()
                .map_err(|e| failed(format!("proven entry {index}: {e}")))?;
            if keys.get(index).is_some_and(|expected| *expected != key) {
                return Err(failed(format!(
                    "proven entry {index} is not the state key asked about"
                )));
            }
            let value = entry
                .value_bytes()
                .map_err(|e| failed(format!("proven entry {index}: {e}")))?;
            proven.push((key, value));
        }
        let genesis_validator_set = match &self.genesis {
            None => None,
            Some(genesis) => {
                let checked = genesis
                    .check()
                    .map_err(|e| CliError::failure(format!("the genesis file: {e}")))?;
                if genesis.chain_id != header.chain_id {
                    return Err(failed(format!(
                        "the header is of chain {}, the genesis of {}",
                        header.chain_id.as_str(),
                        genesis.chain_id.as_str()
                    )));
                }
                Some(checked.validators.hash() == set.hash())
            }
        };
        Ok((
            Verified {
                height: header.height,
                state_root: header.state_root.to_string(),
                signed_power,
                total_power: set.total_voting_power(),
                genesis_validator_set,
                entries: entries.len(),
                subject: None,
            },
            proven,
        ))
    }

    async fn validator_set(&self, height: u64) -> Result<ValidatorSet, CliError> {
        let view = node::call(
            self.context,
            "civitas_getValidators",
            self.client.get_validators(Some(height)),
        )
        .await?;
        ValidatorSet::new(validators_of(&view)?)
            .map_err(|e| failed(format!("the validator set: {e}")))
    }
}

/// The validators of a node's `civitas_getValidators` answer, in its order.
pub fn validators_of(view: &ValidatorsView) -> Result<Vec<Validator>, CliError> {
    view.validators
        .iter()
        .map(|v| {
            Ok(Validator {
                public_key: PublicKey(
                    parse::bytes32("a validator key", &v.public_key)
                        .map_err(|e| failed(e.message()))?,
                ),
                voting_power: v.power.parse().map_err(|_| {
                    failed(format!("the validator power {:?} is not a number", v.power))
                })?,
            })
        })
        .collect()
}

/// A proven state entry: its key and its value (`None`: proven absent).
pub type Proven = (Vec<u8>, Option<Vec<u8>>);

/// The value of the first proven entry, if present.
pub fn first(proven: &[Proven]) -> Option<&[u8]> {
    proven.first().and_then(|(_, value)| value.as_deref())
}

/// Checks that each item shown is one proven entry's, in order: one entry
/// per item, no entry twice (an item listed twice would count twice), and
/// `records(item, key, value)` says whether the entry at `key` holding
/// `value` records that item.
pub fn each_shown<T>(
    what: &str,
    shown: &[T],
    proven: &[Proven],
    records: impl Fn(&T, &[u8], Option<&[u8]>) -> bool,
) -> Result<(), CliError> {
    if shown.len() != proven.len() {
        return Err(failed(format!(
            "{} {what} shown, {} proven",
            shown.len(),
            proven.len()
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, (item, (key, value))) in shown.iter().zip(proven).enumerate() {
        if !seen.insert(key) {
            return Err(failed(format!(
                "{what} {} shown is listed twice",
                index.saturating_add(1)
            )));
        }
        if !records(item, key, value.as_deref()) {
            return Err(failed(format!(
                "{what} {} shown is not the proven one",
                index.saturating_add(1)
            )));
        }
    }
    Ok(())
}

/// The proven entries after the first `skip`.
pub fn after(proven: &[Proven], skip: usize) -> &[Proven] {
    proven.get(skip..).unwrap_or_default()
}

/// Checks that `view` is what `bytes` decode to with `decode`.
pub fn same_view<V: PartialEq + std::fmt::Debug, E: std::fmt::Display>(
    what: &str,
    view: Option<&V>,
    bytes: Option<&[u8]>,
    decode: impl Fn(&[u8]) -> Result<V, E>,
) -> Result<(), CliError> {
    let decoded = bytes
        .map(decode)
        .transpose()
        .map_err(|e| failed(format!("the proven {what} does not decode: {e}")))?;
    if decoded.as_ref() != view {
        return Err(failed(format!("the {what} shown is not the proven one")));
    }
    Ok(())
}
