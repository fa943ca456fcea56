//! Checks docs/privacy.md's "Deriving keys" test vectors against the code, so
//! the document cannot drift from the bytes. Each `<!-- example: NAME -->` of
//! that section is followed by a fenced block whose text (white space ignored,
//! except between the words of a phrase) must equal the value computed here;
//! and the phrase printed in the document, read back from it, must give the
//! public keys printed there. `CIVITAS_UPDATE_GOLDEN=1` rewrites the blocks
//! after a deliberate change of the scheme.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_keys::slip10::ExtendedKey;
use civitas_keys::{
    CitizenKeys, DerivationPath, KeyPath, Network, RecoveryPhrase, Rotation, account_id, public_key,
};
use civitas_types::ChainId;

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/privacy.md");
const MARKER: &str = "<!-- example: keys_";

/// The example's inputs: the entropy bytes 0x00, 0x01, …, 0x1f, no passphrase,
/// network 1, programme 7, community 3, first rotation.
fn entropy() -> Vec<u8> {
    (0u8..32).collect()
}
const PROGRAMME_ID: u64 = 7;
const COMMUNITY_ID: u64 = 3;
const CHAIN_ID: &str = "civitas-grand-est-1";

fn network() -> Network {
    Network::new(1).unwrap()
}

fn computed_values() -> Vec<(&'static str, String)> {
    let phrase = RecoveryPhrase::from_entropy(&entropy()).unwrap();
    let seed = phrase.seed("");
    let master = ExtendedKey::master(seed.as_bytes()).unwrap();
    let first_child = master.derive(&"m/44'".parse::<DerivationPath>().unwrap());
    let keys = CitizenKeys::from_seed(&seed);
    let identity = KeyPath::identity(network(), Rotation::FIRST);
    let programme = KeyPath::programme(network(), PROGRAMME_ID, Rotation::FIRST);
    let community = KeyPath::community(network(), COMMUNITY_ID, Rotation::FIRST);
    let public = |path: &KeyPath| public_key(&keys.key(path)).to_hex();
    let address = |path: &KeyPath| account_id(&keys.key(path)).to_string();
    vec![
        ("keys_entropy", hex::encode(entropy())),
        ("keys_phrase", phrase.to_phrase_string().to_string()),
        ("keys_seed", hex::encode(seed.as_bytes())),
        ("keys_master_secret_key", hex::encode(master.secret_key())),
        ("keys_master_chain_code", hex::encode(master.chain_code())),
        ("keys_44_secret_key", hex::encode(first_child.secret_key())),
        ("keys_44_chain_code", hex::encode(first_child.chain_code())),
        ("keys_identity_path", identity.to_string()),
        ("keys_identity_public_key", public(&identity)),
        ("keys_identity_address", address(&identity)),
        ("keys_programme_7_path", programme.to_string()),
        ("keys_programme_7_public_key", public(&programme)),
        ("keys_programme_7_address", address(&programme)),
        ("keys_community_3_path", community.to_string()),
        ("keys_community_3_public_key", public(&community)),
        ("keys_community_3_address", address(&community)),
        (
            "keys_network_of_chain_id",
            Network::from_chain_id(&ChainId::new(CHAIN_ID).unwrap())
                .index()
                .to_string(),
        ),
    ]
}

/// The blocks of the document: (name, text inside the fence, byte range of that text).
fn example_blocks(doc: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
    let mut blocks = Vec::new();
    let mut from = 0;
    while let Some(found) = doc[from..].find(MARKER) {
        let name_start = from + found + "<!-- example: ".len();
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

/// Hex wraps at 64 characters; a phrase goes 6 words a line; the rest stays on one line.
fn wrapped(name: &str, value: &str) -> String {
    if name == "keys_phrase" {
        let words: Vec<&str> = value.split(' ').collect();
        return words.chunks(6).map(|line| line.join(" ") + "\n").collect();
    }
    let chars: Vec<char> = value.chars().collect();
    chars
        .chunks(64)
        .map(|c| c.iter().collect::<String>() + "\n")
        .collect()
}

/// A block's text as a value: a phrase's words joined by single spaces, any
/// other value with all white space removed.
fn normalised(name: &str, text: &str) -> String {
    let separator = if name == "keys_phrase" { " " } else { "" };
    text.split_whitespace().collect::<Vec<_>>().join(separator)
}

fn document() -> String {
    let mut doc = std::fs::read_to_string(DOC_PATH).expect("docs/privacy.md");
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        let values = computed_values();
        for (name, _, range) in example_blocks(&doc).into_iter().rev() {
            if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
                doc.replace_range(range, &wrapped(&name, value));
            }
        }
        std::fs::write(DOC_PATH, &doc).unwrap();
    }
    doc
}

fn block(blocks: &[(String, String, std::ops::Range<usize>)], name: &str) -> String {
    let (_, text, _) = blocks
        .iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("docs/privacy.md lacks the example `{name}`"));
    normalised(name, text)
}

#[test]
fn deriving_keys_examples_match_the_code() {
    let doc = document();
    let blocks = example_blocks(&doc);
    let values = computed_values();
    for (name, value) in &values {
        assert_eq!(
            &block(&blocks, name),
            value,
            "docs/privacy.md example `{name}` is out of date"
        );
    }
    for (name, _, _) in &blocks {
        assert!(
            values.iter().any(|(n, _)| n == name),
            "docs/privacy.md has an example `{name}` that no test checks"
        );
    }
}

#[test]
fn phrase_printed_in_the_document_gives_the_printed_keys() {
    let doc = document();
    let blocks = example_blocks(&doc);
    let keys = CitizenKeys::from_phrase(&block(&blocks, "keys_phrase"), "").unwrap();
    for (path_name, key_name) in [
        ("keys_identity_path", "keys_identity_public_key"),
        ("keys_programme_7_path", "keys_programme_7_public_key"),
        ("keys_community_3_path", "keys_community_3_public_key"),
    ] {
        let path: KeyPath = block(&blocks, path_name).parse().unwrap();
        assert_eq!(
            public_key(&keys.key(&path)).to_hex(),
            block(&blocks, key_name),
            "{path_name}"
        );
    }
    assert_eq!(
        public_key(&keys.programme_key(network(), PROGRAMME_ID, Rotation::FIRST)).to_hex(),
        block(&blocks, "keys_programme_7_public_key")
    );
    assert_eq!(
        public_key(&keys.community_key(network(), COMMUNITY_ID, Rotation::FIRST)).to_hex(),
        block(&blocks, "keys_community_3_public_key")
    );
}
