//! Envelope rules: transactions that break them make a block invalid.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::{Action, BlockExecutionError, Code, EnvelopeError};
use civitas_types::{BoundedBytes, BoundedVec, ChainId, SignedTransaction, encode};
use common::*;

fn noop() -> Action {
    Action::RevokeDelegation(RevokeDelegation {
        role: civitas_civic::model::Role::Registrar,
        scope: civitas_civic::model::Scope::Collectivity(SIREN),
        delegate: account(99),
    })
}

fn rejected(world: &mut World, tx: SignedTransaction) -> EnvelopeError {
    match world.execute(&[tx]) {
        Err(BlockExecutionError::InvalidTransaction { index: 0, error }) => error,
        other => panic!("expected an invalid transaction, got {other:?}"),
    }
}

#[test]
fn wrong_chain_and_expired_are_refused() {
    let mut world = World::new();
    let mut tx = world.transaction(5, &noop());
    tx.body.chain_id = ChainId::new("other-chain").unwrap();
    let tx = SignedTransaction::sign(tx.body, &[&key(5)]).unwrap();
    assert!(matches!(
        rejected(&mut world, tx),
        EnvelopeError::WrongChain { .. }
    ));
    let mut tx = world.transaction(5, &noop());
    tx.body.expiry_height = world.height - 1;
    let tx = SignedTransaction::sign(tx.body, &[&key(5)]).unwrap();
    assert!(matches!(
        rejected(&mut world, tx),
        EnvelopeError::Expired { .. }
    ));
}

#[test]
fn sequence_must_be_exactly_the_next_one() {
    let mut world = World::new();
    let first = world.transaction(5, &noop());
    world.execute(std::slice::from_ref(&first)).unwrap();
    // Replay of sequence 0.
    assert_eq!(
        rejected(&mut world, first),
        EnvelopeError::WrongSequence {
            expected: 1,
            found: 0
        }
    );
    // Gap: sequence 2 while 1 is expected.
    let mut gap = world.transaction(5, &noop());
    gap.body.sequence = 2;
    let gap = SignedTransaction::sign(gap.body, &[&key(5)]).unwrap();
    assert_eq!(
        rejected(&mut world, gap),
        EnvelopeError::WrongSequence {
            expected: 1,
            found: 2
        }
    );
    // Two in one block, in order: fine.
    let a = world.transaction(5, &noop());
    let mut b = a.clone();
    b.body.sequence = 2;
    let b = SignedTransaction::sign(b.body, &[&key(5)]).unwrap();
    let outcome = civitas_civic::execute_block(
        &world.state,
        &world.context(),
        &[a, b],
        civitas_civic::BlockEvidence::none(),
    )
    .unwrap();
    assert_eq!(outcome.receipts.len(), 2);
}

#[test]
fn key_account_needs_exactly_its_own_signature() {
    let mut world = World::new();
    let tx = world.transaction(5, &noop());
    let by_other = SignedTransaction::sign(tx.body.clone(), &[&key(6)]).unwrap();
    assert_eq!(
        rejected(&mut world, by_other),
        EnvelopeError::NotSignedByAccountKey
    );
    let two = SignedTransaction::sign(tx.body, &[&key(5), &key(6)]).unwrap();
    assert_eq!(
        rejected(&mut world, two),
        EnvelopeError::NotSignedByAccountKey
    );
}

#[test]
fn multisig_needs_threshold_member_signatures_and_no_strangers() {
    let mut world = World::new();
    let mut members: Vec<_> = [10u8, 11, 12]
        .iter()
        .map(|s| key(*s).public_key())
        .collect();
    members.sort();
    let policy = Action::RegisterMultisig(RegisterMultisig {
        threshold: 2,
        members: BoundedVec::try_from_vec(members.clone()).unwrap(),
    });
    let receipt = world.act(5, policy);
    assert!(receipt.is_success());
    let civitas_civic::Event::MultisigRegistered { account: multisig } = receipt.events[0].clone()
    else {
        panic!()
    };
    let body = |sequence: u64| civitas_types::TransactionBody {
        chain_id: chain_id(),
        signer: multisig,
        sequence,
        expiry_height: 1_000,
        payload: BoundedBytes::try_from_vec(encode(&noop())).unwrap(),
    };
    let one = SignedTransaction::sign(body(0), &[&key(10)]).unwrap();
    assert!(matches!(
        rejected(&mut world, one),
        EnvelopeError::MultisigNotSatisfied { members: 1, .. }
    ));
    let stranger = SignedTransaction::sign(body(0), &[&key(10), &key(11), &key(13)]).unwrap();
    assert!(matches!(
        rejected(&mut world, stranger),
        EnvelopeError::MultisigNotSatisfied { strangers: 1, .. }
    ));
    let two = SignedTransaction::sign(body(0), &[&key(12), &key(10)]).unwrap();
    let outcome = world.execute(&[two]).unwrap();
    assert_eq!(
        outcome.receipts[0].code,
        Code::UnknownDelegation.number(),
        "authorised; the action itself fails"
    );
}

#[test]
fn a_transaction_with_the_largest_payload_passes_the_size_check() {
    let mut world = World::new();
    let mut tx = world.transaction(5, &noop());
    tx.body.payload = BoundedBytes::try_from_vec(vec![
            0;
            civitas_types::limits::TRANSACTION_PAYLOAD_BYTES_MAX
        ])
    .unwrap();
    let tx = SignedTransaction::sign(tx.body, &[&key(5)]).unwrap();
    assert!(encode(&tx).len() <= civitas_civic::envelope::TRANSACTION_BYTES_MAX);
    // Included (the payload itself is not an action): only the size is at stake here.
    assert!(world.execute(&[tx]).is_ok());
}

#[test]
fn malformed_payload_fails_but_consumes_the_sequence() {
    let mut world = World::new();
    let mut tx = world.transaction(5, &noop());
    tx.body.payload = BoundedBytes::try_from_vec(vec![0xff, 1, 2]).unwrap();
    let tx = SignedTransaction::sign(tx.body, &[&key(5)]).unwrap();
    let outcome = world.execute(&[tx]).unwrap();
    assert_eq!(outcome.receipts[0].code, Code::MalformedPayload.number());
    assert_eq!(
        outcome.writes.len(),
        1,
        "only the account's sequence changed"
    );
    let next = world.transaction(5, &noop());
    assert_eq!(next.body.sequence, 1);
    world.execute(&[next]).unwrap();
}
