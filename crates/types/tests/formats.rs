//! Format tests for every type: round trips, strict decoding, and golden fixtures
//! that freeze each encoding. A deliberate format change regenerates the fixtures
//! with `CIVITAS_UPDATE_GOLDEN=1 cargo test -p civitas-types --test formats` and
//! updates docs/protocol.md in the same commit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod samples;

use std::collections::BTreeMap;
use std::fmt::Debug;

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::limits::TRANSACTION_PAYLOAD_BYTES_MAX;
use civitas_types::*;

const GOLDEN_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/encodings.txt");

/// Checks one value's format and returns its encoding for the golden file.
fn check<T>(name: &str, value: &T) -> Vec<u8>
where
    T: BorshSerialize + BorshDeserialize + PartialEq + Debug,
{
    let bytes = encode(value);
    assert_eq!(&decode::<T>(&bytes).unwrap(), value, "{name}: round trip");
    for cut in 0..bytes.len() {
        assert!(
            decode::<T>(&bytes[..cut]).is_err(),
            "{name}: decoded from {cut} bytes"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        decode::<T>(&longer),
        Err(DecodeError::TrailingBytes(1)),
        "{name}: trailing byte"
    );
    bytes
}

fn all_encodings() -> BTreeMap<&'static str, Vec<u8>> {
    use samples::*;
    let block = block();
    let mut map = BTreeMap::new();
    map.insert(
        "account_id",
        check("account_id", &transaction_body().signer),
    );
    map.insert("chain_id", check("chain_id", &chain_id()));
    map.insert("hash", check("hash", &Hash::tagged(Domain::Genesis, b"")));
    map.insert(
        "transaction_body",
        check("transaction_body", &transaction_body()),
    );
    map.insert(
        "signed_transaction",
        check("signed_transaction", &signed_transaction()),
    );
    map.insert(
        "multisig_transaction",
        check("multisig_transaction", &multisig_transaction()),
    );
    map.insert("validator_set", check("validator_set", &validator_set()));
    map.insert(
        "prevote_nil",
        check("prevote_nil", &vote(VoteType::Prevote, None)),
    );
    map.insert(
        "precommit",
        check(
            "precommit",
            &vote(VoteType::Precommit, Some(Hash([0x42; 32]))),
        ),
    );
    map.insert("proposal", check("proposal", &proposal()));
    map.insert(
        "quorum_certificate",
        check("quorum_certificate", block.last_commit.as_ref().unwrap()),
    );
    map.insert("evidence", check("evidence", &evidence()));
    map.insert(
        "evidence_params",
        check("evidence_params", &EvidenceParams::default()),
    );
    map.insert("offence", check("offence", &evidence().offence()));
    map.insert("header", check("header", &block.header));
    map.insert("block", check("block", &block));
    map.insert(
        "block_limits",
        check("block_limits", &BlockLimits::default()),
    );
    map.insert("merkle_proof", check("merkle_proof", &merkle_proof()));
    map.insert("time_params", check("time_params", &TimeParams::default()));
    map
}

fn render(map: &BTreeMap<&'static str, Vec<u8>>) -> String {
    let mut text = String::from(
        "# Golden encodings of docs/protocol.md's samples (crates/types/tests/samples).\n\
         # name hex; regenerate only for a deliberate format change.\n",
    );
    for (name, bytes) in map {
        text.push_str(&format!("{name} {}\n", hex::encode(bytes)));
    }
    text
}

#[test]
fn encodings_match_the_golden_fixtures() {
    let rendered = render(&all_encodings());
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN_PATH, &rendered).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN_PATH).expect("golden file; see the module doc");
    for (expected, actual) in golden.lines().zip(rendered.lines()) {
        assert_eq!(actual, expected, "encoding changed; see the module doc");
    }
    assert_eq!(golden.lines().count(), rendered.lines().count());
}

#[test]
fn sample_objects_are_valid() {
    use samples::*;
    let block = block();
    assert_eq!(block.check_body(), Ok(()));
    let set = validator_set();
    let commit = block.last_commit.as_ref().unwrap();
    assert_eq!(
        commit.verify(&chain_id(), 1, &block.header.previous_block_hash, &set),
        Ok(50)
    );
    assert_eq!(signed_transaction().verify_signatures(), Ok(()));
    assert_eq!(multisig_transaction().verify_signatures(), Ok(()));
    assert_eq!(proposal().verify(), Ok(()));
    assert_eq!(evidence().verify(), Ok(()));
}

#[test]
fn block_body_mismatches_are_reported() {
    let good = samples::block();
    let mut block = good.clone();
    block.transactions = BoundedVec::new();
    assert_eq!(block.check_body(), Err(BlockError::TransactionsRoot));
    let mut block = good.clone();
    block.evidence = BoundedVec::try_from_vec(vec![samples::evidence()]).unwrap();
    assert_eq!(block.check_body(), Err(BlockError::EvidenceRoot));
    let mut block = good.clone();
    block.last_commit = None;
    assert_eq!(block.check_body(), Err(BlockError::LastCommit));
    let mut block = good.clone();
    let other = samples::certificate(5, good.header.previous_block_hash);
    block.header.last_commit_hash = other.hash();
    block.last_commit = Some(other);
    assert_eq!(
        block.check_body(),
        Err(BlockError::LastCommitHeight {
            expected: 1,
            found: 5
        })
    );
    let mut first = good;
    first.header.height = 1;
    assert_eq!(first.check_body(), Err(BlockError::LastCommit));
    first.last_commit = None;
    first.header.last_commit_hash = Hash::ZERO;
    assert_eq!(first.check_body(), Ok(()));
}

#[test]
fn hashes_of_objects_are_domain_separated() {
    // The same bytes hashed as each kind of object give different digests, and
    // each object's hash is its encoding hashed in its own domain.
    let block = samples::block();
    let header_bytes = encode(&block.header);
    assert_eq!(block.hash(), Hash::tagged(Domain::Header, &header_bytes));
    assert_ne!(
        block.hash(),
        Hash::tagged(Domain::Transaction, &header_bytes)
    );
    let body = samples::transaction_body();
    assert_eq!(body.id(), Hash::tagged(Domain::Transaction, &encode(&body)));
    let set = samples::validator_set();
    assert_eq!(
        set.hash(),
        Hash::tagged(Domain::ValidatorSet, &encode(&set))
    );
}

#[test]
fn unknown_enum_tags_and_bad_option_tags_are_refused() {
    let mut evidence = encode(&samples::evidence());
    evidence[0] = 1;
    assert!(matches!(
        decode::<Evidence>(&evidence),
        Err(DecodeError::Invalid(_))
    ));
    let mut vote = encode(&samples::vote(VoteType::Prevote, None));
    let type_offset = encode(&samples::chain_id()).len();
    vote[type_offset] = 7;
    assert!(matches!(
        decode::<SignedVote>(&vote),
        Err(DecodeError::Invalid(_))
    ));
    let mut block = encode(&samples::block());
    let last = block.len() - encode(samples::block().last_commit.as_ref().unwrap()).len() - 1;
    block[last] = 2;
    assert!(matches!(
        decode::<Block>(&block),
        Err(DecodeError::Invalid(_))
    ));
}

#[test]
fn oversized_payload_and_transaction_count_are_refused_before_reading() {
    let mut body = encode(&samples::transaction_body());
    let payload_len = b"civic payload".len();
    let prefix_at = body.len() - payload_len - 4;
    body[prefix_at..prefix_at + 4]
        .copy_from_slice(&(TRANSACTION_PAYLOAD_BYTES_MAX as u32 + 1).to_le_bytes());
    assert!(matches!(
        decode::<TransactionBody>(&body),
        Err(DecodeError::TooLong { length, .. }) if length == TRANSACTION_PAYLOAD_BYTES_MAX as u64 + 1
    ));
    let header = encode(&samples::block().header);
    let mut block = header.clone();
    block.extend(u32::MAX.to_le_bytes());
    assert!(matches!(
        decode::<Block>(&block),
        Err(DecodeError::TooLong {
            length: 4294967295,
            ..
        })
    ));
}
