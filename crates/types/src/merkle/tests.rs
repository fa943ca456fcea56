#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
use super::*;

/// RFC 6962 §2.1 MTH, written recursively and independently of the bottom-up builder.
fn reference_root(data: &[Vec<u8>]) -> Hash {
    match data.len() {
        0 => empty_root(),
        1 => leaf_hash(&data[0]),
        n => {
            let k = split_point(n);
            node_hash(&reference_root(&data[..k]), &reference_root(&data[k..]))
        }
    }
}

/// The largest power of two strictly below `n` (n > 1).
fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn leaves(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("leaf {i}").into_bytes()).collect()
}

fn tree(data: &[Vec<u8>]) -> MerkleTree {
    MerkleTree::from_leaf_hashes(data.iter().map(|d| leaf_hash(d)).collect())
}

#[test]
fn split_point_is_largest_power_of_two_below_n() {
    // Guard the reference itself: k < n <= 2k.
    for n in 2..100usize {
        let k = split_point(n);
        assert!(k.is_power_of_two() && k < n && n <= 2 * k, "n={n} k={k}");
    }
}

#[test]
fn roots_match_the_rfc_definition_for_sizes_0_to_33() {
    for n in 0..=33 {
        let data = leaves(n);
        assert_eq!(tree(&data).root(), reference_root(&data), "size {n}");
        assert_eq!(root_of(&data), reference_root(&data), "size {n}");
    }
}

#[test]
fn every_leaf_of_trees_1_to_33_has_a_verifying_proof() {
    for n in 1..=33 {
        let data = leaves(n);
        let tree = tree(&data);
        for (i, leaf) in data.iter().enumerate() {
            let proof = tree.proof(i).unwrap();
            assert_eq!(
                proof.verify(&tree.root(), leaf),
                Ok(()),
                "size {n} leaf {i}"
            );
            assert!(proof.siblings.len() <= 6);
        }
        assert!(tree.proof(n).is_none());
    }
}

#[test]
fn tampered_proofs_are_rejected() {
    for n in 1..=33 {
        let data = leaves(n);
        let tree = tree(&data);
        let root = tree.root();
        for (i, leaf) in data.iter().enumerate() {
            let proof = tree.proof(i).unwrap();
            assert!(proof.verify(&root, b"another leaf").is_err());
            let mut wrong_root = root;
            wrong_root.0[0] ^= 1;
            assert!(proof.verify(&wrong_root, leaf).is_err());
            for s in 0..proof.siblings.len() {
                let mut bad = proof.clone();
                let mut siblings = bad.siblings.to_vec();
                siblings[s].0[31] ^= 0x80;
                bad.siblings = BoundedVec::try_from_vec(siblings).unwrap();
                assert!(bad.verify(&root, leaf).is_err(), "n={n} i={i} s={s}");
            }
            for other in 0..n as u64 + 2 {
                if other != i as u64 {
                    let bad = MerkleProof {
                        leaf_index: other,
                        ..proof.clone()
                    };
                    assert!(bad.verify(&root, leaf).is_err(), "n={n} i={i} as {other}");
                }
            }
            // A size that leaves the leaf outside the tree, or that changes the path's
            // shape, fails. (A size with the same shape recomputes the same root: the
            // root alone does not authenticate the size, as in RFC 9162.)
            for count in [i as u64, n as u64 * 4 + 8] {
                let bad = MerkleProof {
                    leaf_count: count,
                    ..proof.clone()
                };
                assert!(
                    bad.verify(&root, leaf).is_err(),
                    "n={n} i={i} count {count}"
                );
            }
            let mut longer = proof.clone();
            let mut siblings = longer.siblings.to_vec();
            siblings.push(root);
            longer.siblings = BoundedVec::try_from_vec(siblings).unwrap();
            assert!(longer.verify(&root, leaf).is_err());
            if !proof.siblings.is_empty() {
                let mut shorter = proof.clone();
                let mut siblings = shorter.siblings.to_vec();
                siblings.pop();
                shorter.siblings = BoundedVec::try_from_vec(siblings).unwrap();
                assert!(shorter.verify(&root, leaf).is_err());
            }
        }
    }
}

#[test]
fn leaf_and_node_domains_prevent_second_preimages() {
    // An inner node presented as a leaf must not verify: its bytes hash as a leaf
    // differently than as a node.
    let data = leaves(4);
    let tree = tree(&data);
    let left = node_hash(&leaf_hash(&data[0]), &leaf_hash(&data[1]));
    let right = node_hash(&leaf_hash(&data[2]), &leaf_hash(&data[3]));
    let mut fake_leaf = left.0.to_vec();
    fake_leaf.extend_from_slice(&right.0);
    let proof = MerkleProof {
        leaf_index: 0,
        leaf_count: 1,
        siblings: BoundedVec::new(),
    };
    assert!(proof.verify(&tree.root(), &fake_leaf).is_err());
}

#[test]
fn duplicated_last_leaf_changes_the_root() {
    let three = leaves(3);
    let mut four = three.clone();
    four.push(three[2].clone());
    assert_ne!(root_of(&three), root_of(&four));
}

#[test]
fn index_outside_the_tree_is_reported() {
    let proof = MerkleProof {
        leaf_index: 5,
        leaf_count: 5,
        siblings: BoundedVec::new(),
    };
    assert_eq!(
        proof.compute_root(&Hash::ZERO),
        Err(MerkleError::IndexOutOfRange { index: 5, count: 5 })
    );
}
