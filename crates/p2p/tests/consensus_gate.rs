//! What gossip validation does with each kind of consensus message: accepted,
//! ignored without blame (stale, too far ahead, unknown next-height signer), or
//! rejected against the sender (undecodable, wrong chain, forged, mismatched block).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use civitas_consensus::ConsensusMessage;
use civitas_ledger::testing::TestChain;
use civitas_ledger::{Ledger, LedgerConfig};
use civitas_p2p::validate::check_consensus;
use civitas_p2p::{ConsensusEnvelope, ConsensusView, Ignored, Offence, Verdict};
use civitas_types::{Block, ChainId, Proposal, SigningKey, encode};
use common::vote_on as vote;

/// A chain at height 1, deciding height 2, with a proposed block for height 2.
struct Fixture {
    chain: TestChain,
    block: Block,
    view: ConsensusView,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let chain = TestChain::new(4, 50, 2, 3);
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(
        LedgerConfig::new(dir.path()),
        chain.identity.clone(),
        &chain.genesis(),
    )
    .unwrap();
    chain.commit_next(&mut ledger);
    let block = chain.next_block(&ledger).block;
    let view = ConsensusView {
        chain_id: chain.identity.chain_id.clone(),
        height: 2,
        validators: chain.validators.clone(),
    };
    Fixture {
        chain,
        block,
        view,
        _dir: dir,
    }
}

fn proposal(f: &Fixture, block: Option<Block>) -> ConsensusEnvelope {
    let proposal = Proposal {
        chain_id: f.view.chain_id.clone(),
        height: 2,
        round: 0,
        proof_of_lock_round: None,
        block_hash: f.block.hash(),
        proposer: f.chain.keys[0].public_key(),
    };
    ConsensusEnvelope {
        message: ConsensusMessage::Proposal(proposal.sign(&f.chain.keys[0])),
        block,
    }
}

fn verdict(f: &Fixture, envelope: &ConsensusEnvelope) -> Result<(), Verdict> {
    check_consensus(&encode(envelope), &f.view).map(|checked| assert_eq!(checked, *envelope))
}

fn rejected(result: Result<(), Verdict>) -> Offence {
    match result {
        Err(Verdict::Reject(offence)) => offence,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn ignored(result: Result<(), Verdict>) -> Ignored {
    match result {
        Err(Verdict::Ignore(reason)) => reason,
        other => panic!("expected the message to be ignored, got {other:?}"),
    }
}

#[test]
fn votes_of_this_and_the_next_height_and_a_proposal_with_its_block_are_accepted() {
    let f = fixture();
    let chain_id = &f.view.chain_id;
    verdict(&f, &vote(chain_id, &f.chain.keys[1], 2)).unwrap();
    verdict(&f, &vote(chain_id, &f.chain.keys[1], 3)).unwrap();
    verdict(&f, &proposal(&f, Some(f.block.clone()))).unwrap();
}

#[test]
fn stale_and_far_future_messages_are_ignored_without_blame() {
    let f = fixture();
    let chain_id = &f.view.chain_id;
    assert_eq!(
        ignored(verdict(&f, &vote(chain_id, &f.chain.keys[1], 1))),
        Ignored::Stale {
            height: 1,
            deciding: 2
        }
    );
    assert_eq!(
        ignored(verdict(&f, &vote(chain_id, &f.chain.keys[1], 4))),
        Ignored::TooFarAhead {
            height: 4,
            deciding: 2
        }
    );
    // The next height's set is not known yet: a stranger there is not proof of fault.
    let stranger = SigningKey::from_seed(&[77; 32]);
    assert_eq!(
        ignored(verdict(&f, &vote(chain_id, &stranger, 3))),
        Ignored::UnknownSigner {
            signer: stranger.public_key(),
            height: 3
        }
    );
}

#[test]
fn forged_foreign_and_malformed_messages_are_rejected() {
    let f = fixture();
    let chain_id = &f.view.chain_id;
    let stranger = SigningKey::from_seed(&[77; 32]);
    assert_eq!(
        rejected(verdict(&f, &vote(chain_id, &stranger, 2))),
        Offence::NotValidator {
            signer: stranger.public_key(),
            height: 2
        }
    );

    let elsewhere = ChainId::new("elsewhere").unwrap();
    assert_eq!(
        rejected(verdict(&f, &vote(&elsewhere, &f.chain.keys[1], 2))),
        Offence::WrongChain(elsewhere.clone())
    );

    let mut tampered = vote(chain_id, &f.chain.keys[1], 2);
    if let ConsensusMessage::Vote(signed) = &mut tampered.message {
        signed.vote.round = 1;
    }
    assert_eq!(
        rejected(verdict(&f, &tampered)),
        Offence::BadSignature(f.chain.keys[1].public_key())
    );

    let bytes = encode(&vote(chain_id, &f.chain.keys[1], 2));
    for junk in [
        bytes[..bytes.len() - 1].to_vec(),
        [bytes.as_slice(), &[0]].concat(),
        vec![9; 40],
        Vec::new(),
    ] {
        match check_consensus(&junk, &f.view) {
            Err(Verdict::Reject(Offence::Undecodable(_))) => {}
            other => panic!("junk not refused as undecodable: {other:?}"),
        }
    }
}

#[test]
fn a_proposal_must_carry_exactly_the_block_it_names_and_a_vote_none() {
    let f = fixture();
    assert_eq!(
        rejected(verdict(&f, &proposal(&f, None))),
        Offence::ProposalWithoutBlock
    );

    let mut other = f.block.clone();
    other.header.time_ms += 1;
    assert_eq!(
        rejected(verdict(&f, &proposal(&f, Some(other)))),
        Offence::BlockNotNamed
    );

    // The header names the right hash but the body was changed under it.
    let mut hollow = f.block.clone();
    hollow.transactions = Default::default();
    assert!(matches!(
        rejected(verdict(&f, &proposal(&f, Some(hollow)))),
        Offence::BlockBody(_)
    ));

    let mut vote_with_block = vote(&f.view.chain_id, &f.chain.keys[1], 2);
    vote_with_block.block = Some(f.block.clone());
    assert_eq!(
        rejected(verdict(&f, &vote_with_block)),
        Offence::VoteWithBlock
    );
}
