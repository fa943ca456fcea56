//! Checks docs/storage.md's worked state proof against the code: a small state
//! of four civic entries, its root, a proof of presence and a proof of absence
//! with their verification traces, and the proof size bound. Each
//! `<!-- example: NAME -->` block must equal what is computed here (whitespace
//! ignored); `CIVITAS_UPDATE_GOLDEN=1` rewrites the blocks after a deliberate
//! change of the tree's hashing or of the proof encoding.
//!
//! The keys and values are written out byte by byte here, as a verifier without
//! the civic crate would; `crates/civic/tests/civic_doc.rs` checks that they are
//! the civic state's own keys and value encodings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_state_tree::StateTree;
use civitas_types::state_proof::{
    KEY_BITS, ProofLeaf, ProofStep, StateProof, bit_at, key_hash, leaf_hash, node_hash, value_hash,
    verify_state,
};
use civitas_types::{AccountId, BoundedVec, Hash, SigningKey, encode};

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/storage.md");
const MARKER: &str = "<!-- example: ";

fn hex(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The key account whose Ed25519 seed is `seed` repeated.
fn account(seed: u8) -> AccountId {
    AccountId::from_public_key(&SigningKey::from_seed(&[seed; 32]).public_key())
}

fn with_prefix(prefix: u8, rest: &[u8]) -> Vec<u8> {
    let mut key = vec![prefix];
    key.extend_from_slice(rest);
    key
}

/// The documented state: (name, key, value).
fn entries() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    // AccountState { next_sequence: 7, multisig: false }.
    let mut account_state = 7u64.to_le_bytes().to_vec();
    account_state.push(0);
    vec![
        ("account", with_prefix(0x01, &account(5).0), account_state),
        (
            "council_account",
            with_prefix(0x14, &account(200).0),
            200_046_977u32.to_le_bytes().to_vec(),
        ),
        ("proposal_counter", vec![0x20], 3u64.to_le_bytes().to_vec()),
        ("council_power", vec![0x23], 30u64.to_le_bytes().to_vec()),
    ]
}

/// A key the state does not hold: the programme counter (no programme yet).
fn absent_key() -> Vec<u8> {
    vec![0x30]
}

fn tree() -> StateTree {
    StateTree::from_leaves(
        entries()
            .iter()
            .map(|(_, key, value)| (key_hash(key), value_hash(value)))
            .collect(),
    )
    .unwrap()
}

/// The verification steps of docs/storage.md for `proof`, written out.
fn trace(key: &[u8], value: Option<&[u8]>, proof: &StateProof) -> String {
    let path = key_hash(key);
    let leaf = proof.leaf.unwrap();
    let mut lines = vec![format!("path = H(StateKey, key) = {}", path.to_hex())];
    match value {
        Some(value) => lines.push(format!(
            "H(StateValue, value) = {} = leaf.value_hash; leaf.key_hash = path",
            value_hash(value).to_hex()
        )),
        None => lines.push(format!(
            "leaf.key_hash = {} ≠ path; agrees with path at bits {:?}",
            leaf.key_hash.to_hex(),
            proof.steps.iter().map(|s| s.bit).collect::<Vec<_>>()
        )),
    }
    let mut h = leaf_hash(&leaf.key_hash, &leaf.value_hash);
    lines.push(format!(
        "h = H(StateLeaf, leaf.key_hash ‖ leaf.value_hash) = {}",
        h.to_hex()
    ));
    for (index, step) in proof.steps.iter().enumerate().rev() {
        let bit = bit_at(&path, step.bit);
        let (formula, next) = if bit == 0 {
            ("h ‖ sibling", node_hash(step.bit, &h, &step.sibling))
        } else {
            ("sibling ‖ h", node_hash(step.bit, &step.sibling, &h))
        };
        h = next;
        lines.push(format!(
            "step {index}: bit {}, path bit {bit}: h = H(StateNode, {:02x} ‖ {formula}) = {}",
            step.bit,
            step.bit,
            h.to_hex()
        ));
    }
    lines.push("h = root".into());
    lines.join("\n")
}

fn computed_values() -> Vec<(String, String)> {
    let tree = tree();
    let root = tree.root_hash();
    let mut values = Vec::new();
    for (name, key, value) in entries() {
        values.push((format!("state_key_{name}"), hex(&key)));
        values.push((format!("state_value_{name}"), hex(&value)));
    }
    values.push(("state_root".into(), root.to_hex()));
    let (_, key, value) = entries().into_iter().next().unwrap();
    let presence = tree.prove(&key_hash(&key)).unwrap();
    verify_state(&root, &key, Some(&value), &presence).unwrap();
    values.push(("state_proof_presence".into(), hex(encode(&presence))));
    values.push((
        "state_proof_presence_steps".into(),
        trace(&key, Some(&value), &presence),
    ));
    let absent = absent_key();
    let absence = tree.prove(&key_hash(&absent)).unwrap();
    verify_state(&root, &absent, None, &absence).unwrap();
    values.push(("state_key_absent".into(), hex(&absent)));
    values.push(("state_proof_absence".into(), hex(encode(&absence))));
    values.push((
        "state_proof_absence_steps".into(),
        trace(&absent, None, &absence),
    ));
    values
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

/// Hex wrapped at 64 characters; text with spaces as it is.
fn block_text(value: &str) -> String {
    if value.contains(' ') {
        return format!("{value}\n");
    }
    let chars: Vec<char> = value.chars().collect();
    chars
        .chunks(64)
        .map(|c| c.iter().collect::<String>() + "\n")
        .collect()
}

fn without_whitespace(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn worked_state_proof_matches_the_code() {
    let values = computed_values();
    let mut doc = std::fs::read_to_string(DOC_PATH).expect("docs/storage.md");
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        for (name, _, range) in example_blocks(&doc).into_iter().rev() {
            if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
                doc.replace_range(range, &block_text(value));
            }
        }
        std::fs::write(DOC_PATH, &doc).unwrap();
    }
    let blocks = example_blocks(&doc);
    for (name, value) in &values {
        let (_, text, _) = blocks
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("docs/storage.md lacks the example `{name}`"));
        assert_eq!(
            without_whitespace(text),
            without_whitespace(value),
            "docs/storage.md example `{name}` is out of date"
        );
    }
    for (name, _, _) in &blocks {
        assert!(
            values.iter().any(|(n, _)| n == name),
            "docs/storage.md has an example `{name}` that no test checks"
        );
    }
}

#[test]
fn the_documented_proof_size_bound_is_the_largest_encoding() {
    // The most steps a proof can have: bits strictly increase over 0..=255.
    let steps: Vec<ProofStep> = (0..=255u8)
        .map(|bit| ProofStep {
            bit,
            sibling: Hash([bit; 32]),
        })
        .collect();
    assert_eq!(steps.len(), KEY_BITS);
    let proof = StateProof {
        steps: BoundedVec::try_from_vec(steps).unwrap(),
        leaf: Some(ProofLeaf {
            key_hash: Hash([1; 32]),
            value_hash: Hash([2; 32]),
        }),
    };
    let size = encode(&proof).len();
    assert_eq!(size, 256 * 33 + 69);
    let doc = std::fs::read_to_string(DOC_PATH).expect("docs/storage.md");
    assert!(
        doc.contains("at most 8,517 bytes"),
        "docs/storage.md must give the bound, {size} bytes"
    );
}
