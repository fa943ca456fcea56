//! The rule against real signing states: this home's own precommits are
//! accounted for, before and after it moves on; another signer's are not.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use civitas_consensus::Signer;
use civitas_types::{ChainId, CommitSignature, Hash, SigningKey, Vote};

/// A signing state in memory.
#[derive(Default)]
struct Memory(Option<SignState>);

impl SignStateStore for &mut Memory {
    fn load(&self) -> Result<Option<SignState>, StoreError> {
        Ok(self.0.clone())
    }
    fn save(&mut self, state: &SignState) -> Result<(), StoreError> {
        self.0 = Some(state.clone());
        Ok(())
    }
}

fn key() -> SigningKey {
    SigningKey::from_seed(&[7; 32])
}

fn chain() -> ChainId {
    ChainId::new("same-key-test").unwrap()
}

fn vote(vote_type: VoteType, height: u64, round: u32, block: u8) -> Vote {
    Vote {
        chain_id: chain(),
        vote_type,
        height,
        round,
        block_hash: Some(Hash([block; 32])),
        validator: key().public_key(),
    }
}

/// A certificate of (height, round, block) signed by positions 0..3, this
/// key being position 0.
fn certificate(height: u64, round: u32, block: u8) -> QuorumCertificate {
    let precommit = vote(VoteType::Precommit, height, round, block).sign(&key());
    let signatures = (0..3)
        .map(|index| CommitSignature {
            validator_index: index,
            signature: precommit.signature,
        })
        .collect();
    QuorumCertificate::new(height, round, Hash([block; 32]), signatures).unwrap()
}

fn signs(memory: &mut Memory, votes: &[Vote]) {
    let mut signer = Signer::new(key(), memory).unwrap();
    for vote in votes {
        signer.sign_vote(vote.clone(), None).unwrap();
    }
}

#[test]
fn a_home_that_never_signed_accounts_for_nothing() {
    assert!(unaccounted(
        None,
        &certificate(1, 0, 1),
        &key().public_key(),
        0
    ));
}

#[test]
fn a_certificate_without_this_key_says_nothing() {
    assert!(!unaccounted(
        None,
        &certificate(1, 0, 1),
        &key().public_key(),
        5
    ));
}

#[test]
fn own_precommits_are_accounted_for_at_the_mark_and_below_it() {
    let mut memory = Memory::default();
    signs(
        &mut memory,
        &[
            vote(VoteType::Prevote, 5, 0, 1),
            vote(VoteType::Precommit, 5, 0, 1),
        ],
    );
    let me = key().public_key();
    assert!(!unaccounted(
        memory.0.as_ref(),
        &certificate(5, 0, 1),
        &me,
        0
    ));
    assert!(!unaccounted(
        memory.0.as_ref(),
        &certificate(4, 3, 9),
        &me,
        0
    ));
    // On to the next height: height 5 is below the mark.
    signs(&mut memory, &[vote(VoteType::Prevote, 6, 0, 2)]);
    assert!(!unaccounted(
        memory.0.as_ref(),
        &certificate(5, 0, 1),
        &me,
        0
    ));
}

#[test]
fn precommits_this_home_never_signed_are_unaccounted_for() {
    let mut memory = Memory::default();
    signs(&mut memory, &[vote(VoteType::Prevote, 5, 1, 1)]);
    let me = key().public_key();
    let state = memory.0.as_ref();
    // Above the mark: a later height, or a later step of the mark's round.
    assert!(unaccounted(state, &certificate(6, 0, 1), &me, 0));
    assert!(unaccounted(state, &certificate(5, 1, 1), &me, 0));
    // At the mark's height, below it, but not among its votes.
    assert!(unaccounted(state, &certificate(5, 0, 3), &me, 0));
}

#[test]
fn heights_are_named_as_ranges() {
    assert_eq!(HeightList(&[3, 4, 5, 7, 9, 10]).to_string(), "3-5, 7, 9-10");
    assert_eq!(HeightList(&[1]).to_string(), "1");
}
