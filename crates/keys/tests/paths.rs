//! The Civitas key path: its layout, the id split, parsing and the strict
//! errors (non-hardened index, out-of-range numbers, foreign paths).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_keys::slip10::{ExtendedKey, HARDENED};
use civitas_keys::{
    CitizenKeys, DerivationError, DerivationPath, KeyPath, Network, Purpose, Rotation, Seed,
    join_id, split_id,
};
use civitas_types::ChainId;

fn network(index: u32) -> Network {
    Network::new(index).unwrap()
}

fn rotation(index: u32) -> Rotation {
    Rotation::new(index).unwrap()
}

#[test]
fn layout_of_each_purpose() {
    assert_eq!(
        KeyPath::identity(network(1), Rotation::FIRST).to_string(),
        "m/44'/6515062'/1'/0'/0'/0'/0'/0'"
    );
    assert_eq!(
        KeyPath::programme(network(1), 7, rotation(2)).to_string(),
        "m/44'/6515062'/1'/1'/0'/0'/7'/2'"
    );
    assert_eq!(
        KeyPath::community(network(0), 3, Rotation::FIRST).to_string(),
        "m/44'/6515062'/0'/2'/0'/0'/3'/0'"
    );
    assert_eq!(
        KeyPath::programme(network(2147483647), u64::MAX, rotation(2147483647)).to_string(),
        "m/44'/6515062'/2147483647'/1'/4194303'/2097151'/2097151'/2147483647'"
    );
}

#[test]
fn id_split_is_22_21_21_bits() {
    assert_eq!(split_id(0), [0, 0, 0]);
    assert_eq!(split_id(7), [0, 0, 7]);
    assert_eq!(split_id(1 << 21), [0, 1, 0]);
    assert_eq!(split_id(1 << 42), [1, 0, 0]);
    assert_eq!(
        split_id(u64::MAX),
        [(1 << 22) - 1, (1 << 21) - 1, (1 << 21) - 1]
    );
    // 0x0123456789abcdef: bits 63..42, 41..21 and 20..0.
    assert_eq!(split_id(0x0123_4567_89ab_cdef), [18641, 736333, 773615]);
    for id in [
        0,
        7,
        1 << 21,
        (1 << 42) - 1,
        0x0123_4567_89ab_cdef,
        u64::MAX,
    ] {
        assert_eq!(join_id(split_id(id)), Ok(id));
    }
}

#[test]
fn id_part_wider_than_its_share_is_refused() {
    assert_eq!(
        join_id([1 << 22, 0, 0]),
        Err(DerivationError::IdOutOfRange {
            part: "id_high",
            value: 1 << 22,
            bits: 22,
            max: (1 << 22) - 1
        })
    );
    assert_eq!(
        join_id([0, 1 << 21, 0]),
        Err(DerivationError::IdOutOfRange {
            part: "id_mid",
            value: 1 << 21,
            bits: 21,
            max: (1 << 21) - 1
        })
    );
    let error = "m/44'/6515062'/0'/1'/0'/0'/2097152'/0'"
        .parse::<KeyPath>()
        .unwrap_err();
    assert_eq!(
        error,
        DerivationError::IdOutOfRange {
            part: "id_low",
            value: 1 << 21,
            bits: 21,
            max: (1 << 21) - 1
        }
    );
    assert!(error.to_string().contains("at most 2097151"), "{error}");
}

#[test]
fn non_hardened_index_is_refused() {
    let master = ExtendedKey::master(&[0; 32]).unwrap();
    assert_eq!(
        master.child(0).unwrap_err(),
        DerivationError::NotHardened { index: 0 }
    );
    assert_eq!(
        master.child(HARDENED - 1).unwrap_err(),
        DerivationError::NotHardened {
            index: HARDENED - 1
        }
    );
    assert!(master.child(HARDENED).is_ok());
    assert_eq!(
        "m/44'/6515062'/0/0'".parse::<DerivationPath>().unwrap_err(),
        DerivationError::NotHardened { index: 0 }
    );
    assert_eq!(
        DerivationPath::new(vec![HARDENED, 5]).unwrap_err(),
        DerivationError::NotHardened { index: 5 }
    );
    let message = DerivationError::NotHardened { index: 5 }.to_string();
    assert!(
        message.contains("hardened children only") && message.contains('\''),
        "{message}"
    );
}

#[test]
fn numbers_beyond_a_hardened_index_are_refused() {
    assert_eq!(
        Network::new(HARDENED).unwrap_err(),
        DerivationError::IndexOutOfRange {
            what: "network",
            value: u64::from(HARDENED)
        }
    );
    assert_eq!(
        Rotation::new(u32::MAX).unwrap_err(),
        DerivationError::IndexOutOfRange {
            what: "rotation",
            value: u64::from(u32::MAX)
        }
    );
    assert_eq!(
        "m/2147483648'".parse::<DerivationPath>().unwrap_err(),
        DerivationError::IndexOutOfRange {
            what: "index",
            value: 2147483648
        }
    );
    assert!(matches!(
        "m/99999999999999999999999'".parse::<DerivationPath>(),
        Err(DerivationError::IndexOutOfRange { what: "index", .. })
    ));
}

#[test]
fn seed_length_is_checked() {
    for length in [0, 15, 65] {
        assert_eq!(
            ExtendedKey::master(&vec![1; length]).unwrap_err(),
            DerivationError::SeedLength { length }
        );
    }
    assert!(ExtendedKey::master(&[1; 16]).is_ok());
    assert!(ExtendedKey::master(&[1; 64]).is_ok());
}

#[test]
fn malformed_and_foreign_paths_are_refused() {
    for text in [
        "", "n/0'", "m/", "m/0'/", "m/-1'", "m/1''", "m/ 1'", "m/0x1'", "m/1h",
    ] {
        assert!(
            matches!(
                text.parse::<DerivationPath>(),
                Err(DerivationError::PathSyntax { .. })
            ),
            "{text:?} was accepted"
        );
    }
    let too_deep = format!("m{}", "/0'".repeat(256));
    assert!(matches!(
        too_deep.parse::<DerivationPath>(),
        Err(DerivationError::PathSyntax { .. })
    ));
    assert!(
        format!("m{}", "/0'".repeat(255))
            .parse::<DerivationPath>()
            .is_ok()
    );
    for text in [
        "m/44'/6515062'/0'/1'/0'/0'/7'",
        "m/44'/501'/0'/1'/0'/0'/7'/0'",
        "m/45'/6515062'/0'/1'/0'/0'/7'/0'",
        "m/44'/6515062'/0'/0'/0'/0'/1'/0'",
    ] {
        assert!(
            matches!(
                text.parse::<KeyPath>(),
                Err(DerivationError::NotCivitasPath { .. })
            ),
            "{text} was accepted"
        );
    }
    assert_eq!(
        "m/44'/6515062'/0'/3'/0'/0'/7'/0'"
            .parse::<KeyPath>()
            .unwrap_err(),
        DerivationError::UnknownPurpose { value: 3 }
    );
}

#[test]
fn paths_parse_back_and_h_means_hardened() {
    let path = KeyPath::community(network(5), 0x0123_4567_89ab_cdef, rotation(1));
    assert_eq!(path.to_string().parse::<KeyPath>().unwrap(), path);
    assert_eq!(
        path.to_string()
            .replace('\'', "H")
            .parse::<KeyPath>()
            .unwrap(),
        path
    );
    assert_eq!(
        "m".parse::<DerivationPath>().unwrap().indices(),
        &[] as &[u32]
    );
    assert_eq!(Purpose::from_index(2).unwrap(), Purpose::Community);
}

#[test]
fn citizen_keys_match_plain_slip10_derivation_of_the_path() {
    let seed = Seed::from_bytes([9; 64]);
    let keys = CitizenKeys::from_seed(&seed);
    let master = ExtendedKey::master(seed.as_bytes()).unwrap();
    for path in [
        KeyPath::identity(network(0), Rotation::FIRST),
        KeyPath::programme(network(1), 7, Rotation::FIRST),
        KeyPath::community(network(1), 3, rotation(4)),
        KeyPath::programme(network(1), u64::MAX, rotation(2147483647)),
    ] {
        let expected = master.derive(&path.derivation_path()).signing_key();
        assert_eq!(keys.key(&path).to_bytes(), expected.to_bytes(), "{path}");
    }
    let n = network(1);
    assert_eq!(
        keys.identity_key(n, Rotation::FIRST).to_bytes(),
        keys.key(&KeyPath::identity(n, Rotation::FIRST)).to_bytes()
    );
    assert_eq!(
        keys.programme_key(n, 7, Rotation::FIRST).to_bytes(),
        keys.key(&KeyPath::programme(n, 7, Rotation::FIRST))
            .to_bytes()
    );
    assert_eq!(
        keys.community_key(n, 3, Rotation::FIRST).to_bytes(),
        keys.key(&KeyPath::community(n, 3, Rotation::FIRST))
            .to_bytes()
    );
}

#[test]
fn conversions_to_civitas_types_agree() {
    let keys = CitizenKeys::from_seed(&Seed::from_bytes([3; 64]));
    let key = keys.programme_key(network(1), 7, Rotation::FIRST);
    let public = civitas_keys::public_key(&key);
    assert_eq!(public.0, key.verifying_key().to_bytes());
    let civitas = civitas_keys::to_civitas_signing_key(&key);
    assert_eq!(civitas.public_key(), public);
    assert_eq!(
        civitas_keys::account_id(&key),
        civitas_types::AccountId::from_public_key(&public)
    );
    let shown = format!("{key:?} {civitas:?}");
    assert!(!shown.contains(&hex::encode(key.to_bytes())), "{shown}");
    // A signature made with the derived key verifies by the chain's rule.
    let signature = civitas.sign(b"civitas");
    assert_eq!(
        civitas_types::verify(&public, b"civitas", &signature),
        Ok(())
    );
}

#[test]
fn network_of_a_chain_id() {
    let a = Network::from_chain_id(&ChainId::new("civitas-grand-est-1").unwrap());
    let b = Network::from_chain_id(&ChainId::new("civitas-devnet").unwrap());
    assert_ne!(a, b);
    assert!(a.index() < HARDENED && b.index() < HARDENED);
    assert_eq!(
        a,
        Network::from_chain_id(&ChainId::new("civitas-grand-est-1").unwrap())
    );
}
