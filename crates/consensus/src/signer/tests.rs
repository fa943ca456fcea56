//! The double-sign guard: refusals, re-sent signatures, store failures.

use super::*;
use civitas_types::testing::chain_id;

use crate::memory_store::MemoryStore;

fn vote(
    key: &SigningKey,
    vote_type: VoteType,
    height: u64,
    round: u32,
    block: Option<Hash>,
) -> Vote {
    Vote {
        chain_id: chain_id(),
        vote_type,
        height,
        round,
        block_hash: block,
        validator: key.public_key(),
    }
}

fn prevote_for_lock() -> SignedVote {
    vote(&key(), VoteType::Prevote, 1, 0, Some(Hash([1; 32]))).sign(&key())
}

fn key() -> SigningKey {
    SigningKey::from_seed(&[5; 32])
}

#[test]
fn signs_in_order_and_saves_before_returning() {
    let store = MemoryStore::default();
    let mut signer = Signer::new(key(), store.clone()).unwrap();
    let prevote = signer
        .sign_vote(vote(&key(), VoteType::Prevote, 1, 0, None), None)
        .unwrap();
    assert_eq!(prevote.verify(), Ok(()));
    assert_eq!(
        store.state.borrow().as_ref().unwrap().last_signed,
        ConsensusMessage::Vote(prevote)
    );
    let polka = BoundedVec::try_from_vec(vec![prevote_for_lock()]).unwrap();
    let lock = Some(Lock {
        round: 0,
        block: Hash([1; 32]),
        polka,
    });
    signer
        .sign_vote(
            vote(&key(), VoteType::Precommit, 1, 0, Some(Hash([1; 32]))),
            lock.clone(),
        )
        .unwrap();
    assert_eq!(store.state.borrow().as_ref().unwrap().lock, lock);
    signer
        .sign_vote(vote(&key(), VoteType::Prevote, 1, 1, None), lock)
        .unwrap();
    signer
        .sign_vote(vote(&key(), VoteType::Prevote, 2, 0, None), None)
        .unwrap();
}

#[test]
fn refuses_earlier_steps_and_conflicting_messages() {
    let mut signer = Signer::new(key(), MemoryStore::default()).unwrap();
    signer
        .sign_vote(vote(&key(), VoteType::Precommit, 3, 2, None), None)
        .unwrap();
    assert!(matches!(
        signer.sign_vote(vote(&key(), VoteType::Prevote, 3, 2, None), None),
        Err(SignerError::Regression { .. })
    ));
    assert!(matches!(
        signer.sign_vote(vote(&key(), VoteType::Precommit, 3, 1, None), None),
        Err(SignerError::Regression { .. })
    ));
    assert!(matches!(
        signer.sign_vote(vote(&key(), VoteType::Precommit, 2, 9, None), None),
        Err(SignerError::Regression { .. })
    ));
    assert!(matches!(
        signer.sign_vote(
            vote(&key(), VoteType::Precommit, 3, 2, Some(Hash([1; 32]))),
            None
        ),
        Err(SignerError::Conflict { .. })
    ));
}

#[test]
fn restart_keeps_the_high_water_mark_and_resigns_identically() {
    let store = MemoryStore::default();
    let first = {
        let mut signer = Signer::new(key(), store.clone()).unwrap();
        signer
            .sign_vote(
                vote(&key(), VoteType::Prevote, 4, 0, Some(Hash([2; 32]))),
                None,
            )
            .unwrap()
    };
    // "Crash": a new signer over the same store.
    let mut signer = Signer::new(key(), store.clone()).unwrap();
    let again = signer
        .sign_vote(
            vote(&key(), VoteType::Prevote, 4, 0, Some(Hash([2; 32]))),
            None,
        )
        .unwrap();
    assert_eq!(again, first);
    assert!(matches!(
        signer.sign_vote(vote(&key(), VoteType::Prevote, 4, 0, None), None),
        Err(SignerError::Conflict { .. })
    ));
}

#[test]
fn proposals_come_before_prevotes_in_a_round() {
    let mut signer = Signer::new(key(), MemoryStore::default()).unwrap();
    let proposal = Proposal {
        chain_id: chain_id(),
        height: 1,
        round: 0,
        proof_of_lock_round: None,
        block_hash: Hash([3; 32]),
        proposer: key().public_key(),
    };
    signer.sign_proposal(proposal.clone(), None).unwrap();
    signer
        .sign_vote(
            vote(&key(), VoteType::Prevote, 1, 0, Some(Hash([3; 32]))),
            None,
        )
        .unwrap();
    assert!(matches!(
        signer.sign_proposal(proposal, None),
        Err(SignerError::Regression { .. })
    ));
}

#[test]
fn store_failure_is_reported_and_nothing_is_signed() {
    let store = MemoryStore::default();
    *store.fail.borrow_mut() = true;
    let mut signer = Signer::new(key(), store.clone()).unwrap();
    assert!(matches!(
        signer.sign_vote(vote(&key(), VoteType::Prevote, 1, 0, None), None),
        Err(SignerError::Store(StoreError::Write(
            std::io::ErrorKind::StorageFull
        )))
    ));
    assert!(signer.last().is_none());
}
