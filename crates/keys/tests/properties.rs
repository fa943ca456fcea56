//! Property tests: derivation is deterministic; different programmes,
//! communities, purposes, networks, rotations and seeds give different keys;
//! ids and paths round-trip; phrases round-trip through their words.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_keys::{
    CitizenKeys, DerivationError, KeyPath, Network, Purpose, RecoveryPhrase, Rotation, Seed,
    join_id, split_id,
};
use proptest::prelude::*;

fn seed() -> impl Strategy<Value = [u8; 64]> {
    proptest::array::uniform32(any::<u8>()).prop_flat_map(|first| {
        proptest::array::uniform32(any::<u8>()).prop_map(move |second| {
            let mut bytes = [0; 64];
            bytes[..32].copy_from_slice(&first);
            bytes[32..].copy_from_slice(&second);
            bytes
        })
    })
}

fn key_path() -> impl Strategy<Value = KeyPath> {
    (
        0u32..(1 << 31),
        prop_oneof![
            Just(Purpose::Identity),
            Just(Purpose::Programme),
            Just(Purpose::Community)
        ],
        any::<u64>(),
        0u32..(1 << 31),
    )
        .prop_map(|(network, purpose, id, rotation)| KeyPath {
            network: Network::new(network).unwrap(),
            purpose,
            id: if purpose == Purpose::Identity { 0 } else { id },
            rotation: Rotation::new(rotation).unwrap(),
        })
}

fn public(keys: &CitizenKeys, path: &KeyPath) -> [u8; 32] {
    keys.key(path).verifying_key().to_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn derivation_is_deterministic(seed in seed(), path in key_path()) {
        let first = CitizenKeys::from_seed(&Seed::from_bytes(seed));
        let second = CitizenKeys::from_seed(&Seed::from_bytes(seed));
        prop_assert_eq!(first.key(&path).to_bytes(), second.key(&path).to_bytes());
    }

    #[test]
    fn different_paths_give_different_keys(seed in seed(), a in key_path(), b in key_path()) {
        prop_assume!(a != b);
        let keys = CitizenKeys::from_seed(&Seed::from_bytes(seed));
        prop_assert_ne!(public(&keys, &a), public(&keys, &b));
    }

    #[test]
    fn different_programmes_communities_and_rotations_differ(
        seed in seed(),
        network in 0u32..(1 << 31),
        id in any::<u64>(),
        other in any::<u64>(),
        rotation in 0u32..((1 << 31) - 1),
    ) {
        prop_assume!(id != other);
        let keys = CitizenKeys::from_seed(&Seed::from_bytes(seed));
        let network = Network::new(network).unwrap();
        let first = Rotation::new(rotation).unwrap();
        let next = Rotation::new(rotation + 1).unwrap();
        let programme = keys.programme_key(network, id, first).verifying_key();
        prop_assert_ne!(programme, keys.programme_key(network, other, first).verifying_key());
        prop_assert_ne!(programme, keys.programme_key(network, id, next).verifying_key());
        let community = keys.community_key(network, id, first).verifying_key();
        prop_assert_ne!(community, keys.community_key(network, other, first).verifying_key());
        prop_assert_ne!(community, keys.community_key(network, id, next).verifying_key());
        // The same number as a programme and as a community: two pseudonyms.
        prop_assert_ne!(programme, community);
        prop_assert_ne!(programme, keys.identity_key(network, first).verifying_key());
    }

    #[test]
    fn different_networks_and_seeds_differ(
        seed in seed(),
        other_seed in seed(),
        path in key_path(),
        other_network in 0u32..(1 << 31),
    ) {
        let keys = CitizenKeys::from_seed(&Seed::from_bytes(seed));
        if other_seed != seed {
            let others = CitizenKeys::from_seed(&Seed::from_bytes(other_seed));
            prop_assert_ne!(public(&keys, &path), public(&others, &path));
        }
        let moved = KeyPath { network: Network::new(other_network).unwrap(), ..path };
        if moved != path {
            prop_assert_ne!(public(&keys, &path), public(&keys, &moved));
        }
    }

    #[test]
    fn ids_split_and_join_back(id in any::<u64>()) {
        let parts = split_id(id);
        prop_assert!(parts[0] < (1 << 22) && parts[1] < (1 << 21) && parts[2] < (1 << 21));
        prop_assert_eq!(join_id(parts), Ok(id));
    }

    #[test]
    fn join_refuses_any_wide_part(value in (1u32 << 21)..(1 << 31), which in 0usize..3) {
        let mut parts = [0u32; 3];
        parts[which] = value;
        let refused = matches!(join_id(parts), Err(DerivationError::IdOutOfRange { .. }));
        // id_high holds 22 bits: values below 2^22 fit there.
        prop_assert_eq!(refused, which != 0 || value >= (1 << 22));
    }

    #[test]
    fn paths_print_and_parse_back(path in key_path()) {
        prop_assert_eq!(path.to_string().parse::<KeyPath>(), Ok(path));
        prop_assert_eq!(KeyPath::from_derivation_path(&path.derivation_path()), Ok(path));
    }

    #[test]
    fn text_never_panics_the_phrase_parser(text in "(([a-zA-Z]{1,9}|.{0,3})[ \t\n]{1,2}){0,30}") {
        let _ = RecoveryPhrase::parse(&text);
    }

    #[test]
    fn text_never_panics_the_path_parser(text in "m(/[0-9H']{0,12}){0,10}|.{0,40}") {
        let _ = text.parse::<KeyPath>();
    }
}

proptest! {
    // Each case runs PBKDF2 (2048 rounds of HMAC-SHA512) twice.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn phrases_round_trip_through_their_words(entropy in proptest::array::uniform32(any::<u8>())) {
        let phrase = RecoveryPhrase::from_entropy(&entropy).unwrap();
        prop_assert_eq!(phrase.words().count(), 24);
        let again = RecoveryPhrase::parse(&phrase.to_phrase_string()).unwrap();
        let (seed, seed_again, other) = (phrase.seed(""), again.seed(""), phrase.seed("x"));
        prop_assert_eq!(seed.as_bytes(), seed_again.as_bytes());
        prop_assert_ne!(seed.as_bytes(), other.as_bytes());
    }
}
