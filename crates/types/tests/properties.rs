//! Property tests: arbitrary bytes never crash a decoder, and arbitrary values
//! round-trip through the canonical encoding.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod samples;

use civitas_types::*;
use proptest::prelude::*;

fn decode_all(bytes: &[u8]) {
    // Each must return Ok or a typed error, never panic or over-allocate.
    let _ = decode::<SignedTransaction>(bytes);
    let _ = decode::<TransactionBody>(bytes);
    let _ = decode::<Block>(bytes);
    let _ = decode::<Header>(bytes);
    let _ = decode::<SignedVote>(bytes);
    let _ = decode::<SignedProposal>(bytes);
    let _ = decode::<QuorumCertificate>(bytes);
    let _ = decode::<ValidatorSet>(bytes);
    let _ = decode::<Evidence>(bytes);
    let _ = decode::<MerkleProof>(bytes);
    let _ = decode::<ChainId>(bytes);
}

fn chain_id_strategy() -> impl Strategy<Value = ChainId> {
    "[a-z0-9][a-z0-9.-]{0,63}".prop_map(|s| ChainId::new(&s).unwrap())
}

fn body_strategy() -> impl Strategy<Value = TransactionBody> {
    (
        chain_id_strategy(),
        any::<[u8; 32]>(),
        any::<u64>(),
        any::<u64>(),
        proptest::collection::vec(any::<u8>(), 0..512),
    )
        .prop_map(
            |(chain_id, signer, sequence, expiry_height, payload)| TransactionBody {
                chain_id,
                signer: AccountId(signer),
                sequence,
                expiry_height,
                payload: BoundedBytes::try_from_vec(payload).unwrap(),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_crash_decoders(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_valid_encodings_never_crash_decoders(
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = encode(&samples::block());
        let at = position.index(bytes.len());
        bytes[at] = byte;
        decode_all(&bytes);
        bytes.truncate(cut.index(bytes.len()));
        decode_all(&bytes);
    }

    #[test]
    fn transactions_round_trip_and_verify(body in body_strategy(), seeds in proptest::collection::btree_set(1u8..=255, 1..4)) {
        let keys: Vec<SigningKey> = seeds.iter().map(|s| SigningKey::from_seed(&[*s; 32])).collect();
        let refs: Vec<&SigningKey> = keys.iter().collect();
        let tx = SignedTransaction::sign(body, &refs).unwrap();
        let bytes = encode(&tx);
        prop_assert_eq!(decode::<SignedTransaction>(&bytes).unwrap(), tx.clone());
        prop_assert!(tx.verify_signatures().is_ok());
    }

    #[test]
    fn account_addresses_round_trip(bytes in any::<[u8; 32]>()) {
        let account = AccountId(bytes);
        prop_assert_eq!(account.to_string().parse::<AccountId>().unwrap(), account);
    }

    #[test]
    fn votes_round_trip(height in any::<u64>(), round in any::<u32>(), block in proptest::option::of(any::<[u8; 32]>()), precommit in any::<bool>()) {
        let key = SigningKey::from_seed(&[3; 32]);
        let vote = Vote {
            chain_id: samples::chain_id(),
            vote_type: if precommit { VoteType::Precommit } else { VoteType::Prevote },
            height,
            round,
            block_hash: block.map(Hash),
            validator: key.public_key(),
        }
        .sign(&key);
        prop_assert_eq!(decode::<SignedVote>(&encode(&vote)).unwrap(), vote.clone());
        prop_assert!(vote.verify().is_ok());
    }

    #[test]
    fn validator_sets_are_canonical_whatever_the_input_order(
        powers in proptest::collection::vec(1u64..1_000_000, 1..20),
        shuffle_seed in any::<u64>(),
    ) {
        let validators: Vec<Validator> = powers
            .iter()
            .enumerate()
            .map(|(i, p)| Validator { public_key: PublicKey([i as u8; 32]), voting_power: *p })
            .collect();
        let mut shuffled = validators.clone();
        let len = shuffled.len();
        for i in 0..len {
            let j = (shuffle_seed.rotate_left(i as u32) as usize) % len;
            shuffled.swap(i, j);
        }
        let a = ValidatorSet::new(validators).unwrap();
        let b = ValidatorSet::new(shuffled).unwrap();
        prop_assert_eq!(a.hash(), b.hash());
        prop_assert_eq!(decode::<ValidatorSet>(&encode(&a)).unwrap(), a);
    }

    #[test]
    fn merkle_proofs_verify_for_random_trees(n in 1usize..200, pick in any::<prop::sample::Index>()) {
        let data: Vec<Vec<u8>> = (0..n).map(|i| (i as u32).to_le_bytes().to_vec()).collect();
        let tree = MerkleTree::from_leaf_hashes(data.iter().map(|d| merkle::leaf_hash(d)).collect());
        let i = pick.index(n);
        let proof = tree.proof(i).unwrap();
        prop_assert!(proof.verify(&tree.root(), &data[i]).is_ok());
        prop_assert_eq!(decode::<MerkleProof>(&encode(&proof)).unwrap(), proof);
    }
}
