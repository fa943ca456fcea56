//! State proofs against a forger: every way of bending an honest proof (reusing
//! it for another key, changing a step's bit, presenting an inner node as a leaf,
//! an empty-tree proof where the tree is not empty, random hostile proofs) either
//! fails or proves what is true; maximum-depth proofs; known-answer vectors frozen
//! in `tests/golden/state_tree.txt`; and the tree's root checked against a naive
//! recursive oracle, including batches large enough for its threaded path.
//!
//! A deliberate change of the tree's hashing or of the proof encoding regenerates
//! the vectors with `CIVITAS_UPDATE_GOLDEN=1 cargo test -p civitas-state-tree --test
//! state_proofs` and updates docs/storage.md in the same commit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::collections::BTreeMap;

use civitas_state_tree::StateTree;
use civitas_types::codec::BoundedVec;
use civitas_types::state_proof::{
    ProofLeaf, ProofStep, StateProof, bit_at, empty_root, key_hash, leaf_hash, node_hash,
    value_hash, verify_state,
};
use civitas_types::{Hash, decode, encode};
use proptest::prelude::*;

/// A state: key → value.
type State = BTreeMap<Vec<u8>, Vec<u8>>;

fn state(keys: u32) -> State {
    (0..keys)
        .map(|i| {
            (
                format!("key/{i}").into_bytes(),
                format!("value {i}").into_bytes(),
            )
        })
        .collect()
}

fn tree_of(state: &State) -> StateTree {
    StateTree::from_leaves(leaves_of(state)).unwrap()
}

fn leaves_of(state: &State) -> Vec<(Hash, Hash)> {
    state
        .iter()
        .map(|(k, v)| (key_hash(k), value_hash(v)))
        .collect()
}

/// Keys the states above never hold.
fn absent_key(i: u32) -> Vec<u8> {
    format!("absent/{i}").into_bytes()
}

fn proof_with(proof: &StateProof, steps: Vec<ProofStep>) -> StateProof {
    StateProof {
        steps: BoundedVec::try_from_vec(steps).unwrap(),
        leaf: proof.leaf,
    }
}

/// The naive oracle: the root by definition, recursively, from an unordered set
/// — the first bit at which the keys disagree splits them, 0 to the left.
fn oracle_root(leaves: &[(Hash, Hash)]) -> Hash {
    match leaves {
        [] => empty_root(),
        [(key, value)] => leaf_hash(key, value),
        _ => {
            let disagree = |bit: u8| {
                leaves.iter().any(|l| bit_at(&l.0, bit) == 0)
                    && leaves.iter().any(|l| bit_at(&l.0, bit) == 1)
            };
            let bit = (0..=255u8)
                .find(|bit| disagree(*bit))
                .expect("distinct keys");
            let side = |b: u8| -> Vec<(Hash, Hash)> {
                leaves
                    .iter()
                    .filter(|l| bit_at(&l.0, bit) == b)
                    .copied()
                    .collect()
            };
            node_hash(bit, &oracle_root(&side(0)), &oracle_root(&side(1)))
        }
    }
}

/// A claim verifies only if it is true of `state`.
fn assert_sound(root: &Hash, state: &State, key: &[u8], claim: Option<&[u8]>, proof: &StateProof) {
    if verify_state(root, key, claim, proof).is_ok() {
        assert_eq!(
            claim,
            state.get(key).map(Vec::as_slice),
            "a false claim about {key:?} verified with {proof:?}"
        );
    }
}

/// Every claim about `key` a forger might make with `proof`: absence, the key's
/// true value, another key's value, junk.
fn assert_every_claim_sound(root: &Hash, state: &State, key: &[u8], proof: &StateProof) {
    let mut claims: Vec<Option<&[u8]>> = vec![None, Some(b"junk")];
    claims.extend(state.values().take(8).map(|v| Some(v.as_slice())));
    claims.extend(state.get(key).map(|v| Some(v.as_slice())));
    for claim in claims {
        assert_sound(root, state, key, claim, proof);
    }
}

#[test]
fn the_root_equals_a_naive_recursive_oracle() {
    for size in [0u32, 1, 2, 3, 4, 17, 100, 1000] {
        let state = state(size);
        assert_eq!(
            tree_of(&state).root_hash(),
            oracle_root(&leaves_of(&state)),
            "{size} keys"
        );
    }
    // Key hashes sharing long prefixes: crit bits deep in the hash.
    let base = key_hash(b"clustered");
    let clustered: Vec<(Hash, Hash)> = (0..64u8)
        .map(|i| {
            let mut hash = base;
            hash.0[31] = i;
            hash.0[20] ^= i & 0x3;
            (hash, value_hash(&[i]))
        })
        .collect();
    assert_eq!(
        StateTree::from_leaves(clustered.clone())
            .unwrap()
            .root_hash(),
        oracle_root(&clustered)
    );
}

#[test]
fn batches_of_4096_changes_and_more_take_the_threaded_path_and_match_the_oracle() {
    // Both halves of the root hold more than 2,048 changes: with two cores or more
    // the tree hashes them on two threads (tree.rs, PARALLEL_MINIMUM).
    let mut state = state(12_000);
    let tree = tree_of(&state);
    assert_eq!(tree.root_hash(), oracle_root(&leaves_of(&state)));
    let mut changes = Vec::new();
    for i in 0..6_000u32 {
        let key = format!("key/{}", i * 2).into_bytes();
        if i % 3 == 0 {
            state.remove(&key);
            changes.push((key_hash(&key), None));
        } else {
            let value = format!("new {i}").into_bytes();
            changes.push((key_hash(&key), Some(value_hash(&value))));
            state.insert(key, value);
        }
        let added = absent_key(i);
        changes.push((key_hash(&added), Some(value_hash(b"added"))));
        state.insert(added, b"added".to_vec());
    }
    assert!(changes.len() >= 4_096);
    let updated = tree.apply(changes).unwrap();
    assert_eq!(updated.root_hash(), oracle_root(&leaves_of(&state)));
    assert_eq!(updated.root_hash(), tree_of(&state).root_hash());
    for key in [b"key/0".to_vec(), b"key/2".to_vec(), absent_key(5)] {
        let proof = updated.prove(&key_hash(&key)).unwrap();
        let claim = state.get(&key).map(Vec::as_slice);
        verify_state(&updated.root_hash(), &key, claim, &proof).unwrap();
    }
}

#[test]
fn a_present_keys_proof_proves_nothing_false_about_any_other_key() {
    let state = state(64);
    let tree = tree_of(&state);
    let root = tree.root_hash();
    for present in state.keys().take(16) {
        let proof = tree.prove(&key_hash(present)).unwrap();
        for other in state
            .keys()
            .chain(&(0..64).map(absent_key).collect::<Vec<_>>())
        {
            assert_every_claim_sound(&root, &state, other, &proof);
        }
    }
}

#[test]
fn an_absent_keys_proof_proves_nothing_false_about_any_other_key() {
    let state = state(64);
    let tree = tree_of(&state);
    let root = tree.root_hash();
    let mut reused = 0;
    for i in 0..16 {
        let proof = tree.prove(&key_hash(&absent_key(i))).unwrap();
        for other in state.keys().cloned().chain((16..256).map(absent_key)) {
            assert_every_claim_sound(&root, &state, &other, &proof);
            reused += usize::from(verify_state(&root, &other, None, &proof).is_ok());
        }
    }
    // Another absent key whose path ends at the same leaf shares the proof,
    // truthfully: that is what an absence proof is.
    assert!(reused > 0);
}

#[test]
fn changing_a_steps_bit_breaks_the_proof() {
    let state = state(64);
    let tree = tree_of(&state);
    let root = tree.root_hash();
    let keys: Vec<Vec<u8>> = state
        .keys()
        .take(8)
        .cloned()
        .chain((0..8).map(absent_key))
        .collect();
    let mut tried = 0;
    for key in &keys {
        let path = key_hash(key);
        let proof = tree.prove(&path).unwrap();
        let leaf = proof.leaf.unwrap();
        for index in 0..proof.steps.len() {
            let bit = proof.steps[index].bit;
            // ±1, and every bit where the key and the leaf agree.
            let candidates = [bit.checked_sub(1), bit.checked_add(1)]
                .into_iter()
                .flatten()
                .chain((0..=255u8).filter(|b| bit_at(&path, *b) == bit_at(&leaf.key_hash, *b)));
            for changed in candidates.filter(|b| *b != bit) {
                let mut steps = proof.steps.to_vec();
                steps[index].bit = changed;
                let forged = proof_with(&proof, steps);
                let truth = state.get(key).map(Vec::as_slice);
                assert!(
                    verify_state(&root, key, truth, &forged).is_err(),
                    "bit {bit} → {changed} at step {index}"
                );
                assert_every_claim_sound(&root, &state, key, &forged);
                tried += 1;
            }
        }
    }
    assert!(tried > 1_000);
}

#[test]
fn an_inner_node_presented_as_a_leaf_is_refused() {
    let state = state(64);
    let tree = tree_of(&state);
    let root = tree.root_hash();
    for key in state.keys().take(16) {
        let path = key_hash(key);
        let proof = tree.prove(&path).unwrap();
        let leaf = proof.leaf.unwrap();
        // The hash of each node on the path, from the leaf up.
        let mut below = leaf_hash(&leaf.key_hash, &leaf.value_hash);
        for depth in (0..proof.steps.len()).rev() {
            let step = proof.steps[depth];
            let (left, right) = if bit_at(&path, step.bit) == 0 {
                (below, step.sibling)
            } else {
                (step.sibling, below)
            };
            below = node_hash(step.bit, &left, &right);
            // The node at `depth` as a leaf: its children, or its own hash as a value.
            for fake in [
                ProofLeaf {
                    key_hash: left,
                    value_hash: right,
                },
                ProofLeaf {
                    key_hash: path,
                    value_hash: below,
                },
            ] {
                let forged = StateProof {
                    steps: BoundedVec::try_from_vec(proof.steps[..depth].to_vec()).unwrap(),
                    leaf: Some(fake),
                };
                assert_every_claim_sound(&root, &state, key, &forged);
                assert!(verify_state(&root, key, None, &forged).is_err());
            }
        }
    }
}

#[test]
fn an_empty_tree_proof_with_steps_or_against_a_non_empty_root_is_refused() {
    let state = state(8);
    let tree = tree_of(&state);
    let root = tree.root_hash();
    let key = state.keys().next().unwrap();
    let empty = StateTree::new().prove(&key_hash(key)).unwrap();
    assert_eq!(empty.leaf, None);
    assert!(empty.steps.is_empty());
    assert!(verify_state(&empty_root(), key, None, &empty).is_ok());
    assert!(verify_state(&root, key, None, &empty).is_err());
    assert!(verify_state(&root, &absent_key(0), None, &empty).is_err());
    let with_steps = StateProof {
        steps: tree.prove(&key_hash(key)).unwrap().steps,
        leaf: None,
    };
    for claim in [None, Some(&b"value 0"[..])] {
        assert!(verify_state(&root, key, claim, &with_steps).is_err());
        assert!(verify_state(&empty_root(), key, claim, &with_steps).is_err());
    }
}

/// A tree whose `deep` key has a 256-step path: for every bit, one leaf whose
/// key hash differs from `deep`'s at that bit only.
fn deepest_tree(deep: &[u8]) -> StateTree {
    let base = key_hash(deep);
    let mut leaves = vec![(base, value_hash(b"deep"))];
    for bit in 0..=255u8 {
        let mut other = base;
        other.0[usize::from(bit / 8)] ^= 0x80 >> (bit % 8);
        leaves.push((other, value_hash(&[bit])));
    }
    StateTree::from_leaves(leaves).unwrap()
}

#[test]
fn a_256_step_proof_verifies_and_takes_256_x_33_plus_69_bytes() {
    let tree = deepest_tree(b"deep");
    let root = tree.root_hash();
    let proof = tree.prove(&key_hash(b"deep")).unwrap();
    assert_eq!(proof.steps.len(), 256);
    let bits: Vec<u8> = proof.steps.iter().map(|s| s.bit).collect();
    assert_eq!(bits, (0..=255u8).collect::<Vec<_>>());
    verify_state(&root, b"deep", Some(b"deep"), &proof).unwrap();
    assert!(verify_state(&root, b"deep", None, &proof).is_err());
    // docs/storage.md: count (4) + 256 steps (33 each) + leaf tag (1) + leaf (64).
    let bytes = encode(&proof);
    assert_eq!(bytes.len(), 256 * 33 + 69);
    assert_eq!(decode::<StateProof>(&bytes).unwrap(), proof);
    // A 257th step does not decode.
    let mut longer = bytes.clone();
    longer[..4].copy_from_slice(&257u32.to_le_bytes());
    longer.splice(4..4, [0u8; 33]);
    assert!(decode::<StateProof>(&longer).is_err());
    // Other keys prove their absence, never the deep key's value.
    for i in 0..64 {
        let key = absent_key(i);
        let proof = tree.prove(&key_hash(&key)).unwrap();
        verify_state(&root, &key, None, &proof).unwrap();
        assert!(verify_state(&root, &key, Some(b"deep"), &proof).is_err());
    }
}

/// One way of bending a proof.
#[derive(Clone, Debug)]
enum Mutation {
    SetBit(usize, u8),
    SetSibling(usize, usize),
    RandomSibling(usize, [u8; 32]),
    DropStep(usize),
    InsertStep(usize, u8, usize),
    SwapSteps(usize, usize),
    LeafOf(usize),
    RandomLeaf([u8; 32], [u8; 32]),
    NoLeaf,
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetBit(i, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SetSibling(i, j)),
        (any::<usize>(), any::<[u8; 32]>()).prop_map(|(i, h)| Mutation::RandomSibling(i, h)),
        any::<usize>().prop_map(Mutation::DropStep),
        (any::<usize>(), any::<u8>(), any::<usize>())
            .prop_map(|(i, b, j)| Mutation::InsertStep(i, b, j)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SwapSteps(i, j)),
        any::<usize>().prop_map(Mutation::LeafOf),
        (any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(|(k, v)| Mutation::RandomLeaf(k, v)),
        Just(Mutation::NoLeaf),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Applies `mutation`, drawing siblings and leaves from `pool` (the honest
/// tree's own hashes, the likeliest material for a forgery).
fn bend(proof: &mut StateProof, mutation: &Mutation, pool: &[(Hash, Hash)], nodes: &[Hash]) {
    let mut steps = proof.steps.to_vec();
    let at = |i: usize, len: usize| if len == 0 { None } else { Some(i % len) };
    match mutation {
        Mutation::SetBit(i, bit) => {
            if let Some(i) = at(*i, steps.len()) {
                steps[i].bit = *bit;
            }
        }
        Mutation::SetSibling(i, j) => {
            if let Some(i) = at(*i, steps.len()) {
                steps[i].sibling = nodes[j % nodes.len()];
            }
        }
        Mutation::RandomSibling(i, hash) => {
            if let Some(i) = at(*i, steps.len()) {
                steps[i].sibling = Hash(*hash);
            }
        }
        Mutation::DropStep(i) => {
            if let Some(i) = at(*i, steps.len()) {
                steps.remove(i);
            }
        }
        Mutation::InsertStep(i, bit, j) => {
            let i = i % (steps.len() + 1);
            if steps.len() < 256 {
                steps.insert(
                    i,
                    ProofStep {
                        bit: *bit,
                        sibling: nodes[j % nodes.len()],
                    },
                );
            }
        }
        Mutation::SwapSteps(i, j) => {
            if let (Some(i), Some(j)) = (at(*i, steps.len()), at(*j, steps.len())) {
                steps.swap(i, j);
            }
        }
        Mutation::LeafOf(i) => {
            let (key_hash, value_hash) = pool[i % pool.len()];
            proof.leaf = Some(ProofLeaf {
                key_hash,
                value_hash,
            });
        }
        Mutation::RandomLeaf(key, value) => {
            proof.leaf = Some(ProofLeaf {
                key_hash: Hash(*key),
                value_hash: Hash(*value),
            });
        }
        Mutation::NoLeaf => proof.leaf = None,
        Mutation::Truncate(n) => steps.truncate(n % (steps.len() + 1)),
    }
    proof.steps = BoundedVec::try_from_vec(steps).unwrap();
}

/// Every node hash of every honest proof of `tree` for `keys`: siblings a forger
/// can copy.
fn node_pool(tree: &StateTree, keys: &[Vec<u8>]) -> Vec<Hash> {
    let mut nodes: Vec<Hash> = keys
        .iter()
        .flat_map(|k| tree.prove(&key_hash(k)).unwrap().steps.to_vec())
        .map(|step| step.sibling)
        .collect();
    nodes.push(tree.root_hash());
    nodes.sort();
    nodes.dedup();
    nodes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn hostile_proofs_never_panic_and_prove_at_most_the_truth(
        source in 0usize..96,
        // Half the time the proof's own key: bent honest proofs are the likeliest
        // to verify.
        other_target in prop::option::of(0usize..96),
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let state = state(64);
        let tree = tree_of(&state);
        let root = tree.root_hash();
        let keys: Vec<Vec<u8>> = state.keys().cloned().chain((0..32).map(absent_key)).collect();
        let pool = leaves_of(&state);
        let nodes = node_pool(&tree, &keys);
        let mut proof = tree.prove(&key_hash(&keys[source])).unwrap();
        for mutation in &mutations {
            bend(&mut proof, mutation, &pool, &nodes);
        }
        let key = &keys[other_target.unwrap_or(source)];
        let mut verified: Vec<Option<Vec<u8>>> = Vec::new();
        let mut claims: Vec<Option<Vec<u8>>> = vec![None, Some(b"junk".to_vec())];
        claims.extend(state.values().cloned().map(Some));
        for claim in claims {
            if verify_state(&root, key, claim.as_deref(), &proof).is_ok() {
                verified.push(claim);
            }
        }
        // For each key at most one claim verifies, and only the true one.
        prop_assert!(verified.len() <= 1, "{:?} all verified for {:?}", verified, key);
        if let Some(claim) = verified.first() {
            prop_assert_eq!(claim.as_ref(), state.get(key));
        }
    }
}

// Known answers.

const GOLDEN_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/state_tree.txt");

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The vectors, in file order: small trees' roots and their proofs' bytes.
fn vectors() -> Vec<(&'static str, Vec<u8>)> {
    let one: State = [(b"a".to_vec(), b"1".to_vec())].into();
    let two: State = [
        (b"a".to_vec(), b"1".to_vec()),
        (b"b".to_vec(), b"2".to_vec()),
    ]
    .into();
    let (one_tree, two_tree) = (tree_of(&one), tree_of(&two));
    let prove = |tree: &StateTree, key: &[u8]| encode(&tree.prove(&key_hash(key)).unwrap());
    vec![
        ("empty_root", empty_root().0.to_vec()),
        ("one_leaf_root", one_tree.root_hash().0.to_vec()),
        ("two_leaf_root", two_tree.root_hash().0.to_vec()),
        ("empty_proof", prove(&StateTree::new(), b"a")),
        ("one_leaf_proof_a", prove(&one_tree, b"a")),
        ("one_leaf_proof_absent_b", prove(&one_tree, b"b")),
        ("two_leaf_proof_a", prove(&two_tree, b"a")),
        ("two_leaf_proof_b", prove(&two_tree, b"b")),
        ("two_leaf_proof_absent_c", prove(&two_tree, b"c")),
    ]
}

#[test]
fn known_answers_match_the_golden_fixtures() {
    let rendered: String = std::iter::once(
        "# State tree known answers (tests/state_proofs.rs); name hex. Regenerate only\n\
         # for a deliberate change of the tree's hashing or proof encoding.\n"
            .to_string(),
    )
    .chain(
        vectors()
            .iter()
            .map(|(name, bytes)| format!("{name} {}\n", hex(bytes))),
    )
    .collect();
    if std::env::var_os("CIVITAS_UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN_PATH, &rendered).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN_PATH).expect("golden file; see the module doc");
    for (expected, actual) in golden.lines().zip(rendered.lines()) {
        assert_eq!(
            actual, expected,
            "a known answer changed; see the module doc"
        );
    }
    assert_eq!(golden.lines().count(), rendered.lines().count());
}

#[test]
fn the_known_answers_are_the_definitions_worked_by_hand() {
    let (a, b) = (
        (key_hash(b"a"), value_hash(b"1")),
        (key_hash(b"b"), value_hash(b"2")),
    );
    assert_eq!(
        tree_of(&[(b"a".to_vec(), b"1".to_vec())].into()).root_hash(),
        leaf_hash(&a.0, &a.1)
    );
    let bit = (0..=255u8)
        .find(|bit| bit_at(&a.0, *bit) != bit_at(&b.0, *bit))
        .unwrap();
    let (left, right) = if bit_at(&a.0, bit) == 0 {
        (a, b)
    } else {
        (b, a)
    };
    let expected = node_hash(
        bit,
        &leaf_hash(&left.0, &left.1),
        &leaf_hash(&right.0, &right.1),
    );
    let two: State = [
        (b"a".to_vec(), b"1".to_vec()),
        (b"b".to_vec(), b"2".to_vec()),
    ]
    .into();
    assert_eq!(tree_of(&two).root_hash(), expected);
}
