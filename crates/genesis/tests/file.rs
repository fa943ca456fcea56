//! The JSON file form: exact round trips, strict parsing with errors that name
//! the field, and docs/genesis.md's example recomputed from the doc itself.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_genesis::{GenesisFileError, from_json, to_json};
use common::*;

const DOC: &str = include_str!("../../../docs/genesis.md");

/// The text of the first fenced block of `language` after `marker` in the doc.
fn doc_block(marker: &str, language: &str) -> String {
    let start = DOC.find(marker).expect("marker in docs/genesis.md");
    let fence = format!("```{language}\n");
    let open = DOC[start..].find(&fence).expect("fenced block") + start + fence.len();
    let close = DOC[open..].find("```").expect("closing fence") + open;
    DOC[open..close].to_string()
}

#[test]
fn a_document_survives_the_file_form_exactly() {
    let document = sample();
    let text = to_json(&document);
    assert_eq!(from_json(&text).unwrap(), document);
    assert_eq!(to_json(&from_json(&text).unwrap()), text);
}

#[test]
fn the_doc_example_is_the_canonical_file_of_the_sample_with_its_hash_and_bytes() {
    let text = doc_block("<!-- example: genesis.json -->", "json");
    let document = from_json(&text).unwrap();
    assert_eq!(document, sample());
    assert_eq!(to_json(&document), text, "the doc's JSON is not canonical");
    let checked = document.check().unwrap();
    let hash = doc_block("<!-- example: genesis hash -->", "text");
    assert_eq!(hash.trim(), checked.hash.to_hex());
    let encoding: String = doc_block("<!-- example: genesis encoding -->", "text")
        .lines()
        .map(|line| {
            line.split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect::<String>()
        })
        .collect();
    assert_eq!(encoding, hex::encode(document.encode()));
}

fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<(), GenesisFileError> {
    let mut value: serde_json::Value = serde_json::from_str(&to_json(&sample())).unwrap();
    edit(&mut value);
    from_json(&value.to_string()).map(|_| ())
}

fn invalid_field(result: Result<(), GenesisFileError>) -> String {
    match result {
        Err(GenesisFileError::InvalidValue { field, .. }) => field,
        other => panic!("expected an invalid value, got {other:?}"),
    }
}

#[test]
fn an_unknown_field_is_refused_not_ignored() {
    let error = with(|v| v["consensus"]["block"]["block_byte_max"] = 1.into()).unwrap_err();
    assert!(matches!(error, GenesisFileError::Json(_)));
    assert!(error.to_string().contains("block_byte_max"), "{error}");
}

#[test]
fn each_malformed_value_is_refused_naming_its_field() {
    assert_eq!(
        invalid_field(with(|v| v["validators"][0]["network_key"] = "ab".into())),
        "validators[0].network_key"
    );
    assert_eq!(
        invalid_field(with(|v| {
            v["validators"][0]["consensus_key"] = key(1).public_key().to_hex().to_uppercase().into()
        })),
        "validators[0].consensus_key"
    );
    assert_eq!(
        invalid_field(with(|v| v["collectivities"][0]["siren"] = "20004697".into())),
        "collectivities[0].siren"
    );
    assert_eq!(
        invalid_field(with(|v| v["grants"][0]["role"] = "mayor".into())),
        "grants[0].role"
    );
    assert_eq!(
        invalid_field(with(|v| v["grants"][1]["account"] = "civ1nope".into())),
        "grants[1].account"
    );
    assert_eq!(
        invalid_field(with(
            |v| v["namespaces"][0]["fields"][0]["kind"] = "text".into()
        )),
        "namespaces[0].fields[0].kind"
    );
    assert_eq!(
        invalid_field(with(|v| v["chain_id"] = "Civitas".into())),
        "chain_id"
    );
}

#[test]
fn an_oversized_list_is_refused_before_it_is_checked() {
    let error = with(|v| v["grants"][1]["categories"] = (0..33).collect::<Vec<u16>>().into());
    assert!(matches!(
        error,
        Err(GenesisFileError::TooMany {
            max: 32,
            count: 33,
            ..
        })
    ));
}
