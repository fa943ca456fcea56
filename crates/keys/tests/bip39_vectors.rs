//! BIP-39 vectors (trezor/python-mnemonic's vectors.json, the 24-word English
//! ones, passphrase "TREZOR"): entropy → words → seed, and the strict errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_keys::{CitizenKeys, PhraseError, RecoveryPhrase};

/// (entropy, words, seed with passphrase "TREZOR").
const VECTORS: [(&str, &str, &str); 4] = [
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
        "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8",
    ),
    (
        "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
        "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
        "bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87",
    ),
    (
        "8080808080808080808080808080808080808080808080808080808080808080",
        "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
        "c0c519bd0e91a2ed54357d9d1ebef6f5af218a153624cf4f2da911a0ed8f7a09e2ef61af0aca007096df430022f7a2b6fb91661a9589097069720d015e4e982f",
    ),
    (
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
        "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
    ),
];

#[test]
fn trezor_vectors_entropy_words_and_seed() {
    for (entropy, words, seed) in VECTORS {
        let from_entropy = RecoveryPhrase::from_entropy(&hex::decode(entropy).unwrap()).unwrap();
        assert_eq!(from_entropy.to_phrase_string().as_str(), words);
        let parsed = RecoveryPhrase::parse(words).unwrap();
        assert_eq!(hex::encode(parsed.seed("TREZOR").as_bytes()), seed);
        assert_eq!(
            hex::encode(from_entropy.seed("TREZOR").as_bytes()),
            seed,
            "{words}"
        );
    }
}

#[test]
fn typed_phrase_is_read_leniently_but_means_the_same() {
    let (_, words, seed) = VECTORS[1];
    let typed = format!("  {}\n", words.to_uppercase().replace(' ', " \t "));
    let parsed = RecoveryPhrase::parse(&typed).unwrap();
    assert_eq!(hex::encode(parsed.seed("TREZOR").as_bytes()), seed);
}

#[test]
fn passphrase_is_nfkd_normalised() {
    let phrase = RecoveryPhrase::parse(VECTORS[0].1).unwrap();
    // "é" composed (NFC) and decomposed (NFD) are one passphrase.
    let composed = phrase.seed("caf\u{e9}");
    let decomposed = phrase.seed("cafe\u{301}");
    assert_eq!(composed.as_bytes(), decomposed.as_bytes());
    assert_ne!(composed.as_bytes(), phrase.seed("cafe").as_bytes());
}

#[test]
fn wrong_word_count_is_refused() {
    // A valid 12-word BIP-39 phrase: Civitas takes 24 words only.
    let twelve = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    assert_eq!(
        RecoveryPhrase::parse(twelve).unwrap_err(),
        PhraseError::WordCount { found: 12 }
    );
    let (_, words, _) = VECTORS[0];
    let missing: Vec<&str> = words.split(' ').skip(1).collect();
    assert_eq!(
        RecoveryPhrase::parse(&missing.join(" ")).unwrap_err(),
        PhraseError::WordCount { found: 23 }
    );
    assert_eq!(
        RecoveryPhrase::parse("").unwrap_err(),
        PhraseError::WordCount { found: 0 }
    );
    assert_eq!(
        CitizenKeys::from_phrase(&format!("{words} art"), "").unwrap_err(),
        PhraseError::WordCount { found: 25 }
    );
}

#[test]
fn unknown_word_is_refused_with_its_position() {
    let (_, words, _) = VECTORS[1];
    let mut list: Vec<&str> = words.split(' ').collect();
    list[4] = "wavy";
    let error = RecoveryPhrase::parse(&list.join(" ")).unwrap_err();
    assert_eq!(error, PhraseError::UnknownWord { position: 5 });
    list[4] = "sausagesausage";
    assert_eq!(
        RecoveryPhrase::parse(&list.join(" ")).unwrap_err(),
        PhraseError::UnknownWord { position: 5 }
    );
    list[4] = "w\u{e2}ve";
    assert_eq!(
        RecoveryPhrase::parse(&list.join(" ")).unwrap_err(),
        PhraseError::UnknownWord { position: 5 }
    );
    let message = error.to_string();
    assert!(message.contains("word 5"), "{message}");
    assert!(
        !message.contains("wavy"),
        "the message repeats a secret word"
    );
}

#[test]
fn wrong_checksum_is_refused() {
    let (_, words, _) = VECTORS[0];
    // Last word "art" → "zoo": every word known, checksum wrong.
    let bad = words.replace(" art", " zoo");
    assert_eq!(
        RecoveryPhrase::parse(&bad).unwrap_err(),
        PhraseError::Checksum
    );
    // Two words swapped.
    let (_, words, _) = VECTORS[2];
    let mut list: Vec<&str> = words.split(' ').collect();
    list.swap(0, 1);
    assert_eq!(
        RecoveryPhrase::parse(&list.join(" ")).unwrap_err(),
        PhraseError::Checksum
    );
}

#[test]
fn entropy_of_the_wrong_length_is_refused() {
    for length in [0, 16, 31, 33, 64] {
        assert_eq!(
            RecoveryPhrase::from_entropy(&vec![0; length]).unwrap_err(),
            PhraseError::EntropyLength { length }
        );
    }
}

#[test]
fn debug_never_shows_the_phrase_or_seed() {
    let (_, words, seed) = VECTORS[3];
    let phrase = RecoveryPhrase::parse(words).unwrap();
    let shown = format!("{phrase:?} {:?}", phrase.seed("TREZOR"));
    assert!(
        !shown.contains("zoo") && !shown.contains(&seed[..16]),
        "{shown}"
    );
    let keys = CitizenKeys::from_recovery_phrase(&phrase, "TREZOR");
    assert_eq!(
        format!("{keys:?}"),
        "CitizenKeys { coin: ExtendedKey(secret) }"
    );
}
