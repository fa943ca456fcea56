//! Checks docs/protocol.md's worked example against the code, so the document
//! cannot drift from the bytes. Each `<!-- example: NAME -->` in the document is
//! followed by a fenced block whose text (whitespace ignored) must equal the value
//! computed here. `CIVITAS_UPDATE_GOLDEN=1` rewrites the blocks after a deliberate
//! format change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod samples;

use civitas_types::*;

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/protocol.md");
const MARKER: &str = "<!-- example: ";

fn computed_values() -> Vec<(&'static str, String)> {
    use samples::*;
    let body = transaction_body();
    let tx = signed_transaction();
    let block = block();
    let set = validator_set();
    let commit = block.last_commit.clone().unwrap();
    let first_validator = set.validators()[0].public_key;
    vec![
        ("citizen_seed", hex::encode(citizen_key().seed())),
        ("citizen_public_key", citizen_key().public_key().to_hex()),
        ("citizen_address", body.signer.to_string()),
        ("transaction_body", hex::encode(encode(&body))),
        ("transaction_id", body.id().to_hex()),
        (
            "transaction_signature",
            hex::encode(tx.signatures[0].signature.0),
        ),
        ("signed_transaction", hex::encode(encode(&tx))),
        (
            "transaction_leaf_hash",
            merkle::leaf_hash(&encode(&tx)).to_hex(),
        ),
        ("validator_set", hex::encode(encode(&set))),
        ("validators_hash", set.hash().to_hex()),
        (
            "precommit_digest",
            commit
                .precommit(&chain_id(), first_validator)
                .signing_digest()
                .to_hex(),
        ),
        ("last_commit", hex::encode(encode(&commit))),
        ("last_commit_hash", commit.hash().to_hex()),
        ("empty_merkle_root", merkle::empty_root().to_hex()),
        ("header", hex::encode(encode(&block.header))),
        ("block_hash", block.hash().to_hex()),
        ("block_limits", hex::encode(encode(&BlockLimits::default()))),
        ("evidence", hex::encode(encode(&evidence()))),
        ("evidence_hash", evidence().hash().to_hex()),
        (
            "evidence_params",
            hex::encode(encode(&EvidenceParams::default())),
        ),
    ]
}

/// The blocks of the document: (name, text inside the fence, byte range of that text).
fn example_blocks(doc: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
    let mut blocks = Vec::new();
    let mut from = 0;
    while let Some(found) = doc[from..].find(MARKER) {
        let name_start = from + found + MARKER.len();
        let name_end = name_start + doc[name_start..].find(" -->").expect("marker end");
        let name = doc[name_start..name_end].to_string();
        let fence = name_end + doc[name_end..].find("```").expect("opening fence");
        let content_start = fence + doc[fence..].find('\n').expect("fence line") + 1;
        let content_end = content_start + doc[content_start..].find("```").expect("closing fence");
        blocks.push((
            name,
            doc[content_start..content_end].to_string(),
            content_start..content_end,
        ));
        from = content_end + 3;
    }
    blocks
}

fn wrapped(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    chars
        .chunks(64)
        .map(|c| c.iter().collect::<String>() + "\n")
        .collect()
}

#[test]
fn worked_example_matches_the_code() {
    let values = computed_values();
    let mut doc = std::fs::read_to_string(DOC_PATH).expect("docs/protocol.md");
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        for (name, _, range) in example_blocks(&doc).into_iter().rev() {
            if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
                doc.replace_range(range, &wrapped(value));
            }
        }
        std::fs::write(DOC_PATH, &doc).unwrap();
    }
    let blocks = example_blocks(&doc);
    for (name, value) in &values {
        let (_, text, _) = blocks
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("docs/protocol.md lacks the example `{name}`"));
        let text: String = text.split_whitespace().collect();
        assert_eq!(
            &text, value,
            "docs/protocol.md example `{name}` is out of date"
        );
    }
    for (name, _, _) in &blocks {
        assert!(
            values.iter().any(|(n, _)| n == name),
            "docs/protocol.md has an example `{name}` that no test checks"
        );
    }
}

#[test]
fn worked_example_objects_verify() {
    let tx = samples::signed_transaction();
    assert_eq!(
        verify_digest(
            &samples::citizen_key().public_key(),
            &tx.id(),
            &tx.signatures[0].signature
        ),
        Ok(())
    );
    let block = samples::block();
    assert_eq!(
        block.header.transactions_root,
        merkle::leaf_hash(&encode(&tx))
    );
}

#[test]
fn fixtures_are_what_protocol_md_says() {
    use samples::*;
    // `hash`: the Genesis domain over no bytes.
    let mut framed = vec![18u8];
    framed.extend_from_slice(b"civitas/v1/genesis");
    assert_eq!(
        Hash::tagged(Domain::Genesis, b"").0.to_vec(),
        sha256(&framed)
    );
    // `merkle_proof`: leaf 2 of the leaves 00..04, three siblings.
    let proof = merkle_proof();
    assert_eq!((proof.leaf_index, proof.leaf_count), (2, 5));
    let leaf = |i: u8| merkle::leaf_hash(&[i]);
    let siblings: Vec<Hash> = proof.siblings.iter().copied().collect();
    assert_eq!(siblings[0], leaf(3));
    assert_eq!(siblings[2], leaf(4));
    let root = MerkleTree::from_leaf_hashes((0..5).map(leaf).collect()).root();
    assert_eq!(proof.verify(&root, &[2]), Ok(()));
    // `multisig_transaction`: the stand-in policy bytes, signed by seeds a3 then a1.
    let tx = multisig_transaction();
    assert_eq!(
        tx.body.signer,
        AccountId::from_multisig_policy(b"2-of-3 policy")
    );
    let keys = validator_keys();
    let signers: Vec<PublicKey> = tx.signatures.iter().map(|s| s.public_key).collect();
    assert_eq!(signers, vec![keys[2].public_key(), keys[0].public_key()]);
    assert!(signers[0].to_hex().starts_with("acf12b4a"));
    assert!(signers[1].to_hex().starts_with("bc7cbcb5"));
    assert_eq!(tx.verify_signatures(), Ok(()));
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}
