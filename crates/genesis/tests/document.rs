//! The canonical genesis document: its hash, strict decoding, every check with
//! the error it gives, and the golden encoding that freezes the format.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::GenesisError;
use civitas_civic::model::Siren;
use civitas_civic::{SUPPORTED_PROTOCOL_VERSIONS, VersionError};
use civitas_consensus::TimeoutParamsError;
use civitas_genesis::{GenesisDocument, GenesisDocumentError};
use civitas_types::{
    BoundedBytes, BoundedVec, Domain, EvidenceParamsError, Hash, TimeParamsError,
    ValidatorSetError, encode,
};
use common::*;

const GOLDEN_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/genesis.txt");

fn refused(edit: impl FnOnce(&mut GenesisDocument)) -> GenesisDocumentError {
    let mut document = sample();
    edit(&mut document);
    document
        .check()
        .expect_err("the edited genesis must be refused")
}

#[test]
fn the_sample_passes_and_its_hash_is_the_genesis_domain_hash_of_its_encoding() {
    let document = sample();
    let checked = document.check().unwrap();
    assert_eq!(
        checked.hash,
        Hash::tagged(Domain::Genesis, &encode(&document))
    );
    assert_eq!(checked.validators.len(), 1);
    assert_eq!(
        checked.validators.validators()[0].public_key,
        key(1).public_key()
    );
    assert!(!checked.state.entries.is_empty());
}

#[test]
fn decoding_is_strict_and_gives_back_the_same_document() {
    let document = sample();
    let bytes = document.encode();
    assert_eq!(GenesisDocument::decode(&bytes).unwrap(), document);
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(GenesisDocument::decode(&longer).is_err());
    assert!(GenesisDocument::decode(&bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn any_change_to_the_document_changes_its_hash() {
    let base = sample().hash();
    let mut later = sample();
    later.genesis_time_ms += 1;
    let mut slower = sample();
    slower.consensus.timeouts.propose_ms += 1;
    let mut other_network_key = sample();
    other_network_key.validators =
        BoundedVec::try_from_vec(vec![civitas_civic::model::ValidatorEntry {
            network_key: key(3).public_key(),
            ..sample().validators[0]
        }])
        .unwrap();
    for changed in [later, slower, other_network_key] {
        assert_ne!(changed.hash(), base);
    }
}

#[test]
fn an_unknown_protocol_version_is_refused_naming_the_supported_ones() {
    let error = refused(|d| d.protocol_version = 2);
    assert_eq!(
        error,
        GenesisDocumentError::Version(VersionError::UnsupportedGenesisVersion {
            version: 2,
            supported: SUPPORTED_PROTOCOL_VERSIONS.to_vec()
        })
    );
    assert!(error.to_string().contains("lists version 2"));
}

#[test]
fn a_zero_genesis_time_or_initial_height_is_refused() {
    assert_eq!(
        refused(|d| d.genesis_time_ms = 0),
        GenesisDocumentError::GenesisTimeZero
    );
    assert_eq!(
        refused(|d| d.initial_height = 0),
        GenesisDocumentError::InitialHeightZero
    );
}

#[test]
fn consensus_parameters_out_of_range_are_refused() {
    assert_eq!(
        refused(|d| d.consensus.timeouts.prevote_ms = 0),
        GenesisDocumentError::Timeouts(TimeoutParamsError::Zero("prevote_ms"))
    );
    assert!(matches!(
        refused(|d| d.consensus.block.transactions_max = 0),
        GenesisDocumentError::BlockLimits(_)
    ));
    assert!(matches!(
        refused(|d| d.consensus.time.precision_ms = 0),
        GenesisDocumentError::Time(TimeParamsError::Zero(_))
    ));
    assert_eq!(
        refused(|d| d.consensus.evidence.max_age_heights = 0),
        GenesisDocumentError::Evidence(EvidenceParamsError::ZeroMaxAgeHeights)
    );
    assert_eq!(
        refused(|d| d.consensus.evidence.max_age_ms = 0),
        GenesisDocumentError::Evidence(EvidenceParamsError::ZeroMaxAgeMs)
    );
}

#[test]
fn the_civic_rules_refuse_what_governance_would_refuse() {
    // A validator run by a collectivity that is not in the council.
    let mut validators = sample().validators.to_vec();
    validators[0].siren = Siren(732_829_320);
    let unknown = refused(|d| d.validators = BoundedVec::try_from_vec(validators).unwrap());
    assert_eq!(
        unknown,
        GenesisDocumentError::Civic(GenesisError::UnknownCollectivity("732829320".into()))
    );
    // A network key that is the validator's own consensus key.
    let mut same = sample().validators.to_vec();
    same[0].network_key = same[0].public_key;
    assert!(matches!(
        refused(|d| d.validators = BoundedVec::try_from_vec(same).unwrap()),
        GenesisDocumentError::Civic(GenesisError::UnsafeValidators(_))
    ));
    // No validator at all.
    assert!(matches!(
        refused(|d| d.validators = BoundedVec::default()),
        GenesisDocumentError::Civic(GenesisError::UnsafeValidators(_))
    ));
    // Chain parameters out of range.
    assert_eq!(
        refused(|d| d.chain.validator_change_delay = 0),
        GenesisDocumentError::Civic(GenesisError::InvalidParameters)
    );
}

#[test]
fn a_zero_power_validator_is_refused() {
    let mut validators = sample().validators.to_vec();
    validators[0].power = 0;
    let error = refused(|d| d.validators = BoundedVec::try_from_vec(validators).unwrap());
    assert!(
        matches!(
            error,
            GenesisDocumentError::Civic(GenesisError::UnsafeValidators(_))
                | GenesisDocumentError::ValidatorSet(ValidatorSetError::ZeroPower(_))
        ),
        "{error:?}"
    );
}

#[test]
fn a_collectivity_name_that_is_not_text_is_refused() {
    let mut collectivities = sample().collectivities.to_vec();
    collectivities[0].name = BoundedBytes::try_from_vec(vec![0xff, 0xfe]).unwrap();
    assert_eq!(
        refused(|d| d.collectivities = BoundedVec::try_from_vec(collectivities).unwrap()),
        GenesisDocumentError::NameNotText("200046977".into())
    );
}

#[test]
fn the_sample_encoding_and_hash_match_the_golden_fixture() {
    let document = sample();
    let actual = format!(
        "encoding {}\nhash {}\n",
        hex::encode(document.encode()),
        document.hash().to_hex()
    );
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN_PATH, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(GOLDEN_PATH).unwrap();
    assert_eq!(
        actual, expected,
        "the genesis format changed; regenerate with CIVITAS_UPDATE_GOLDEN=1 and update docs/genesis.md"
    );
}
