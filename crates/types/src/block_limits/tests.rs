#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::*;
use crate::certificate::{CommitSignature, QuorumCertificate};
use crate::chain_id::ChainId;
use crate::codec::{BoundedBytes, BoundedVec, decode, encode};
use crate::crypto::{Signature, SigningKey};
use crate::evidence::{DuplicateVoteEvidence, Evidence};
use crate::hash::Hash;
use crate::limits::{
    BLOCK_EVIDENCE_MAX, CHAIN_ID_LENGTH_MAX, TRANSACTION_BYTES_MAX, TRANSACTION_SIGNATURES_MAX,
    VALIDATORS_MAX,
};
use crate::transaction::{SignedTransaction, TransactionBody, TransactionSignature};
use crate::vote::{Vote, VoteType};
use crate::{AccountId, Header};

fn longest_chain_id() -> ChainId {
    ChainId::new(&"c".repeat(CHAIN_ID_LENGTH_MAX)).unwrap()
}

fn header(chain_id: ChainId) -> Header {
    Header {
        version: 1,
        chain_id,
        height: 2,
        time_ms: 1,
        previous_block_hash: Hash::ZERO,
        last_commit_hash: Hash::ZERO,
        transactions_root: Hash::ZERO,
        receipts_root: Hash::ZERO,
        state_root: Hash::ZERO,
        evidence_root: Hash::ZERO,
        validators_hash: Hash::ZERO,
        next_validators_hash: Hash::ZERO,
        proposer: SigningKey::from_seed(&[1; 32]).public_key(),
    }
}

/// A transaction with `signatures` signatures whose payload is `payload_bytes` long.
fn transaction(chain_id: ChainId, payload_bytes: usize, signatures: usize) -> SignedTransaction {
    SignedTransaction {
        body: TransactionBody {
            chain_id,
            signer: AccountId([7; 32]),
            sequence: 1,
            expiry_height: 10,
            payload: BoundedBytes::try_from_vec(vec![0xab; payload_bytes]).unwrap(),
        },
        signatures: BoundedVec::try_from_vec(
            (0..signatures)
                .map(|i| TransactionSignature {
                    public_key: SigningKey::from_seed(&[i as u8 + 1; 32]).public_key(),
                    signature: Signature([1; 64]),
                })
                .collect(),
        )
        .unwrap(),
    }
}

fn block(transactions: Vec<SignedTransaction>) -> Block {
    Block {
        header: header(crate::testing::chain_id()),
        transactions: BoundedVec::try_from_vec(transactions).unwrap(),
        evidence: BoundedVec::new(),
        last_commit: None,
    }
}

/// The largest block shell the format allows: longest chain id, a certificate
/// signed by every validator of the largest set, the most evidence records.
fn largest_shell() -> Block {
    let key = SigningKey::from_seed(&[9; 32]);
    let vote = |hash: u8| {
        Vote {
            chain_id: longest_chain_id(),
            vote_type: VoteType::Precommit,
            height: 1,
            round: 0,
            block_hash: Some(Hash([hash; 32])),
            validator: key.public_key(),
        }
        .sign(&key)
    };
    let evidence = Evidence::DuplicateVote(DuplicateVoteEvidence::new(vote(1), vote(2)).unwrap());
    let signatures = (0..VALIDATORS_MAX)
        .map(|index| CommitSignature {
            validator_index: index as u16,
            signature: Signature([3; 64]),
        })
        .collect();
    Block {
        header: header(longest_chain_id()),
        transactions: BoundedVec::new(),
        evidence: BoundedVec::try_from_vec(vec![evidence; BLOCK_EVIDENCE_MAX]).unwrap(),
        last_commit: Some(QuorumCertificate::new(1, 0, Hash::ZERO, signatures).unwrap()),
    }
}

#[test]
fn defaults_are_4_mib_and_10000_transactions_and_valid() {
    let limits = BlockLimits::default();
    assert_eq!(limits.block_bytes_max, 4 * 1024 * 1024);
    assert_eq!(limits.transactions_max, 10_000);
    assert_eq!(limits.validate(), Ok(()));
}

#[test]
fn validate_accepts_the_edges_and_refuses_beyond_them() {
    let with = |block_bytes_max, transactions_max| BlockLimits {
        block_bytes_max,
        transactions_max,
    };
    assert_eq!(with(BLOCK_BYTES_MAX, 1).validate(), Ok(()));
    assert_eq!(with(BLOCK_BYTES_MIN, 65_536).validate(), Ok(()));
    assert_eq!(
        with(BLOCK_BYTES_MAX + 1, 1).validate(),
        Err(BlockLimitsError::BlockBytesAboveCeiling {
            value: BLOCK_BYTES_MAX + 1
        })
    );
    assert_eq!(
        with(BLOCK_BYTES_MIN - 1, 1).validate(),
        Err(BlockLimitsError::BlockBytesBelowFloor {
            value: BLOCK_BYTES_MIN - 1
        })
    );
    assert_eq!(
        with(BLOCK_BYTES_MIN, 0).validate(),
        Err(BlockLimitsError::TransactionsOutOfRange { value: 0 })
    );
    assert_eq!(
        with(BLOCK_BYTES_MIN, 65_537).validate(),
        Err(BlockLimitsError::TransactionsOutOfRange { value: 65_537 })
    );
}

#[test]
fn encoding_is_two_little_endian_u32_and_decoding_refuses_invalid_limits() {
    let bytes = encode(&BlockLimits::default());
    assert_eq!(hex::encode(&bytes), "0000400010270000");
    assert_eq!(decode::<BlockLimits>(&bytes), Ok(BlockLimits::default()));
    for invalid in [
        BlockLimits {
            block_bytes_max: BLOCK_BYTES_MAX + 1,
            transactions_max: 1,
        },
        BlockLimits {
            block_bytes_max: BLOCK_BYTES_MIN - 1,
            transactions_max: 1,
        },
        BlockLimits {
            block_bytes_max: BLOCK_BYTES_MIN,
            transactions_max: 0,
        },
    ] {
        assert!(matches!(
            decode::<BlockLimits>(&encode(&invalid)),
            Err(DecodeError::NonCanonical { .. })
        ));
    }
}

#[test]
fn encoded_len_counts_exactly_the_encoding() {
    let shell = largest_shell();
    assert_eq!(encoded_len(&shell), encode(&shell).len());
    let full = block(vec![transaction(crate::testing::chain_id(), 100, 2); 3]);
    assert_eq!(encoded_len(&full), encode(&full).len());
}

#[test]
fn the_floor_holds_the_largest_shell_and_one_largest_transaction() {
    let shell = largest_shell();
    let overhead = transaction(longest_chain_id(), 0, TRANSACTION_SIGNATURES_MAX).encoded_len();
    let largest = transaction(
        longest_chain_id(),
        TRANSACTION_BYTES_MAX - overhead,
        TRANSACTION_SIGNATURES_MAX,
    );
    assert_eq!(largest.encoded_len(), TRANSACTION_BYTES_MAX);
    let mut full = shell.clone();
    full.transactions = BoundedVec::try_from_vec(vec![largest.clone()]).unwrap();
    let floor = BlockLimits {
        block_bytes_max: BLOCK_BYTES_MIN,
        transactions_max: 1,
    };
    assert_eq!(floor.check(&full), Ok(()));
    assert!(TransactionBudget::for_block(&floor, &shell).fits(largest.encoded_len()));
}

#[test]
fn check_refuses_a_block_one_transaction_or_one_byte_over() {
    let transactions = vec![transaction(crate::testing::chain_id(), 10_000, 1); 6];
    let full = block(transactions);
    let size = encode(&full).len();
    let exact = BlockLimits {
        block_bytes_max: size as u32,
        transactions_max: 6,
    };
    assert_eq!(exact.check(&full), Ok(()));
    let one_byte_less = BlockLimits {
        block_bytes_max: size as u32 - 1,
        ..exact
    };
    assert_eq!(
        one_byte_less.check(&full),
        Err(BlockOverLimit::Bytes {
            size,
            limit: size as u32 - 1
        })
    );
    let five = BlockLimits {
        transactions_max: 5,
        ..exact
    };
    assert_eq!(
        five.check(&full),
        Err(BlockOverLimit::Transactions { count: 6, limit: 5 })
    );
}

#[test]
fn filling_the_budget_until_it_refuses_gives_a_block_within_the_limits() {
    let limits = BlockLimits {
        block_bytes_max: BLOCK_BYTES_MIN,
        transactions_max: 1_000,
    };
    let shell = block(vec![]);
    let mut budget = TransactionBudget::for_block(&limits, &shell);
    let candidate = transaction(crate::testing::chain_id(), 10_000, 1);
    let mut taken = Vec::new();
    while budget.take(candidate.encoded_len()) {
        taken.push(candidate.clone());
    }
    assert!(budget.bytes_left() < candidate.encoded_len());
    let full = block(taken);
    assert_eq!(limits.check(&full), Ok(()));
    assert_eq!(
        encoded_len(&full) + budget.bytes_left(),
        BLOCK_BYTES_MIN as usize
    );
}

#[test]
fn the_count_limit_exhausts_the_budget() {
    let limits = BlockLimits {
        block_bytes_max: BLOCK_BYTES_MIN,
        transactions_max: 2,
    };
    let mut budget = TransactionBudget::for_block(&limits, &block(vec![]));
    assert!(budget.take(TRANSACTION_BYTES_MIN));
    assert!(budget.take(TRANSACTION_BYTES_MIN));
    assert!(!budget.fits(TRANSACTION_BYTES_MIN));
    assert!(budget.is_exhausted());
    assert_eq!(budget.transactions_left(), 0);
}

#[test]
fn the_smallest_transaction_is_transaction_bytes_min() {
    let smallest = transaction(ChainId::new("c").unwrap(), 0, 1);
    assert_eq!(encode(&smallest).len(), TRANSACTION_BYTES_MIN);
}
