//! Deterministic sample values of every type, shared by the format tests and the
//! docs/protocol.md worked example. Changing a sample changes golden fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    dead_code
)]

use civitas_types::*;

pub fn chain_id() -> ChainId {
    ChainId::new("civitas-example-1").unwrap()
}

/// The citizen key of the worked example: seed 0x11 repeated.
pub fn citizen_key() -> SigningKey {
    SigningKey::from_seed(&[0x11; 32])
}

/// Validator keys: seeds 0xa1, 0xa2, 0xa3, 0xa4 repeated.
pub fn validator_keys() -> Vec<SigningKey> {
    (0xa1..=0xa4u8)
        .map(|b| SigningKey::from_seed(&[b; 32]))
        .collect()
}

pub fn validator_set() -> ValidatorSet {
    let powers = [10, 10, 10, 20];
    ValidatorSet::new(
        validator_keys()
            .iter()
            .zip(powers)
            .map(|(key, voting_power)| Validator {
                public_key: key.public_key(),
                voting_power,
            })
            .collect(),
    )
    .unwrap()
}

pub fn transaction_body() -> TransactionBody {
    TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&citizen_key().public_key()),
        sequence: 7,
        expiry_height: 1_000,
        payload: BoundedBytes::try_from_vec(b"civic payload".to_vec()).unwrap(),
    }
}

pub fn signed_transaction() -> SignedTransaction {
    SignedTransaction::sign(transaction_body(), &[&citizen_key()]).unwrap()
}

pub fn multisig_transaction() -> SignedTransaction {
    let keys = validator_keys();
    let mut body = transaction_body();
    body.signer = AccountId::from_multisig_policy(b"2-of-3 policy");
    SignedTransaction::sign(body, &[&keys[0], &keys[2]]).unwrap()
}

pub fn vote(vote_type: VoteType, block_hash: Option<Hash>) -> SignedVote {
    let key = &validator_keys()[0];
    Vote {
        chain_id: chain_id(),
        vote_type,
        height: 2,
        round: 0,
        block_hash,
        validator: key.public_key(),
    }
    .sign(key)
}

pub fn proposal() -> SignedProposal {
    let key = &validator_keys()[1];
    Proposal {
        chain_id: chain_id(),
        height: 2,
        round: 1,
        proof_of_lock_round: Some(0),
        block_hash: Hash([0x42; 32]),
        proposer: key.public_key(),
    }
    .sign(key)
}

/// A certificate for block `block_hash` at `height` signed by all four validators.
pub fn certificate(height: u64, block_hash: Hash) -> QuorumCertificate {
    let set = validator_set();
    let keys = validator_keys();
    let draft = QuorumCertificate::new(
        height,
        0,
        block_hash,
        vec![CommitSignature {
            validator_index: 0,
            signature: Signature([0; 64]),
        }],
    )
    .unwrap();
    let signatures = set
        .validators()
        .iter()
        .enumerate()
        .map(|(index, validator)| {
            let key = keys
                .iter()
                .find(|k| k.public_key() == validator.public_key)
                .unwrap();
            let digest = draft
                .precommit(&chain_id(), validator.public_key)
                .signing_digest();
            CommitSignature {
                validator_index: index as u16,
                signature: key.sign_digest(&digest),
            }
        })
        .collect();
    QuorumCertificate::new(height, 0, block_hash, signatures).unwrap()
}

pub fn evidence() -> Evidence {
    Evidence::DuplicateVote(
        DuplicateVoteEvidence::new(
            vote(VoteType::Prevote, Some(Hash([1; 32]))),
            vote(VoteType::Prevote, Some(Hash([2; 32]))),
        )
        .unwrap(),
    )
}

/// The worked example's block 2: one transaction, the certificate of block 1.
pub fn block() -> Block {
    let set = validator_set();
    let previous_block_hash = Hash([0x01; 32]);
    let last_commit = certificate(1, previous_block_hash);
    let transactions = vec![signed_transaction()];
    let header = Header {
        version: PROTOCOL_VERSION,
        chain_id: chain_id(),
        height: 2,
        time_ms: 1_790_000_000_000,
        previous_block_hash,
        last_commit_hash: last_commit.hash(),
        transactions_root: Block::transactions_root(&transactions),
        receipts_root: Hash([0x3c; 32]),
        state_root: Hash([0x5a; 32]),
        evidence_root: Block::evidence_root(&[]),
        validators_hash: set.hash(),
        next_validators_hash: set.hash(),
        proposer: validator_keys()[1].public_key(),
    };
    Block {
        header,
        transactions: BoundedVec::try_from_vec(transactions).unwrap(),
        evidence: BoundedVec::new(),
        last_commit: Some(last_commit),
    }
}

pub fn merkle_proof() -> MerkleProof {
    let leaves: Vec<Hash> = (0..5u8).map(|i| merkle::leaf_hash(&[i])).collect();
    MerkleTree::from_leaf_hashes(leaves).proof(2).unwrap()
}
