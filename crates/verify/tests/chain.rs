//! Walking a chain from genesis: a genuine chain verifies link by link, through
//! a validator-set change; a refused block leaves the verifier where it was.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_types::Hash;
use civitas_verify::{NoPastHeights, VerifyError, verify_synced_block};
use common::{Chain, GENESIS_HASH, Validators, validators};

#[test]
fn a_genuine_chain_verifies_link_by_link_from_genesis() {
    let validators = validators();
    let chain = Chain::of(&validators, 20);
    let mut verifier = common::verifier(&validators);
    assert_eq!(
        (verifier.height(), verifier.parent_hash()),
        (0, GENESIS_HASH)
    );
    for certified in &chain.blocks {
        let hash = verifier.verify_next(certified, &NoPastHeights).unwrap();
        assert_eq!(hash, certified.block.hash());
        assert_eq!(verifier.parent_hash(), hash);
        assert_eq!(verifier.height(), certified.block.header.height);
    }
    assert_eq!(verifier.last_header(), Some(&chain.blocks[19].block.header));
}

#[test]
fn block_sync_s_checks_accept_the_same_genuine_chain() {
    let validators = validators();
    let chain = Chain::of(&validators, 5);
    let chain_id = civitas_types::testing::chain_id();
    let mut parent = GENESIS_HASH;
    for (height, certified) in (1..).zip(&chain.blocks) {
        parent =
            verify_synced_block(&chain_id, &validators.set, height, &parent, certified).unwrap();
    }
    assert_eq!(parent, chain.blocks[4].block.hash());
}

#[test]
fn a_validator_set_change_is_followed_when_the_caller_gives_the_new_set() {
    let old = validators();
    let new = Validators::new(20, &[2, 3, 4]);
    // Blocks 1-3 signed by the old set, block 3 announcing the new one,
    // blocks 4-6 signed by the new set.
    let mut chain = Chain::default();
    for height in 1..=6u64 {
        let signers = if height <= 3 { &old } else { &new };
        let next = if height >= 3 { &new } else { &old };
        let block = chain.next_block(signers, next, vec![]);
        chain.push(block, signers);
    }
    let change = |height: u64| (height == 4).then(|| new.in_force());
    let mut verifier = common::verifier(&old);
    assert_eq!(
        verifier.verify_all(&chain.blocks, change, &NoPastHeights),
        Ok(chain.blocks[5].block.hash())
    );
    assert_eq!(verifier.height(), 6);

    // Without the change, block 4 is refused for naming a set not in force.
    let mut unaware = common::verifier(&old);
    assert_eq!(
        unaware.verify_all(&chain.blocks, |_| None, &NoPastHeights),
        Err(VerifyError::WrongValidators {
            height: 4,
            expected: old.set.hash(),
            found: new.set.hash(),
        })
    );
    assert_eq!(unaware.height(), 3);
}

#[test]
fn a_refused_block_leaves_the_verifier_at_the_last_good_one() {
    let validators = validators();
    let chain = Chain::of(&validators, 3);
    let mut verifier = common::verifier(&validators);
    verifier
        .verify_next(&chain.blocks[0], &NoPastHeights)
        .unwrap();
    let mut tampered = chain.blocks[1].clone();
    tampered.block.header.state_root = Hash([0xff; 32]);
    assert!(matches!(
        verifier.verify_next(&tampered, &NoPastHeights),
        Err(VerifyError::Certificate { height: 2, .. })
    ));
    assert_eq!(verifier.height(), 1);
    assert_eq!(verifier.parent_hash(), chain.blocks[0].block.hash());
    // The genuine block still fits.
    assert_eq!(
        verifier.verify_all(&chain.blocks[1..], |_| None, &NoPastHeights),
        Ok(chain.blocks[2].block.hash())
    );
}
