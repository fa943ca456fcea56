//! Blocks and block headers.
//!
//! The header is what validators sign (through its hash, the block hash) and what
//! auditors and light clients follow. It commits to everything in the block body
//! by Merkle roots and hashes, and to the results of executing it: Civitas executes
//! a block *before* voting on it, so `state_root` and `receipts_root` of block `h`
//! are the state and receipts after `h` and a quorum certificate for `h` certifies
//! them (docs/decisions/0004-header-commits-to-its-own-execution.md).

use borsh::{BorshDeserialize, BorshSerialize};

use crate::certificate::QuorumCertificate;
use crate::chain_id::ChainId;
use crate::codec::{BoundedVec, encode};
use crate::crypto::PublicKey;
use crate::evidence::Evidence;
use crate::hash::{Domain, Hash};
use crate::limits::{BLOCK_EVIDENCE_MAX, BLOCK_TRANSACTIONS_MAX};
use crate::merkle;
use crate::transaction::SignedTransaction;

/// Version of the block and transaction formats described in docs/protocol.md.
pub const PROTOCOL_VERSION: u32 = 1;

/// A block header.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Header {
    /// Format version; [`PROTOCOL_VERSION`].
    pub version: u32,
    /// The network.
    pub chain_id: ChainId,
    /// Height, from 1.
    pub height: u64,
    /// Block time chosen by the proposer, milliseconds since the Unix epoch (UTC).
    pub time_ms: u64,
    /// Hash of the previous header; at height 1, the genesis document hash.
    pub previous_block_hash: Hash,
    /// Hash of the previous block's quorum certificate; [`Hash::ZERO`] at height 1.
    pub last_commit_hash: Hash,
    /// Merkle root over the block's transactions (leaf data: each signed transaction's encoding).
    pub transactions_root: Hash,
    /// Merkle root over the receipts of this block's transactions, in block order.
    pub receipts_root: Hash,
    /// Root of the authenticated state after executing this block.
    pub state_root: Hash,
    /// Merkle root over the block's evidence (leaf data: each evidence's encoding).
    pub evidence_root: Hash,
    /// Hash of the validator set that signs this height.
    pub validators_hash: Hash,
    /// Hash of the validator set that signs the next height.
    pub next_validators_hash: Hash,
    /// The proposer's consensus key.
    pub proposer: PublicKey,
}

impl Header {
    /// The block hash: the header's hash in the `Header` domain.
    pub fn hash(&self) -> Hash {
        Hash::tagged(Domain::Header, &encode(self))
    }
}

/// A block: header, transactions, evidence and the previous block's certificate.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// Transactions in execution order.
    pub transactions: BoundedVec<SignedTransaction, BLOCK_TRANSACTIONS_MAX>,
    /// Evidence of misbehaviour to record.
    pub evidence: BoundedVec<Evidence, BLOCK_EVIDENCE_MAX>,
    /// The quorum certificate of the previous block; `None` only at height 1.
    pub last_commit: Option<QuorumCertificate>,
}

/// A header field that does not match the block's body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// `transactions_root` is not the root of the transactions.
    #[error("the header's transactions root does not match the block's transactions")]
    TransactionsRoot,
    /// `evidence_root` is not the root of the evidence.
    #[error("the header's evidence root does not match the block's evidence")]
    EvidenceRoot,
    /// `last_commit_hash` does not match `last_commit`, or a certificate is missing/unexpected.
    #[error("the header's last commit hash does not match the block's last commit")]
    LastCommit,
    /// The block's certificate is not for the previous height.
    #[error("the last commit is for height {found}, expected {expected}")]
    LastCommitHeight {
        /// The previous height.
        expected: u64,
        /// The height in the certificate.
        found: u64,
    },
}

impl Block {
    /// The block hash (the header's hash).
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    /// The Merkle root over `transactions` as the header commits to it.
    pub fn transactions_root(transactions: &[SignedTransaction]) -> Hash {
        let leaves: Vec<Vec<u8>> = transactions.iter().map(encode).collect();
        merkle::root_of(&leaves)
    }

    /// The Merkle root over `evidence` as the header commits to it.
    pub fn evidence_root(evidence: &[Evidence]) -> Hash {
        let leaves: Vec<Vec<u8>> = evidence.iter().map(encode).collect();
        merkle::root_of(&leaves)
    }

    /// The `last_commit_hash` a header must carry for `last_commit`.
    pub fn last_commit_hash(last_commit: Option<&QuorumCertificate>) -> Hash {
        last_commit.map_or(Hash::ZERO, QuorumCertificate::hash)
    }

    /// Checks that the header commits to this body: transaction and evidence roots,
    /// and the previous block's certificate (present from height 2, for height − 1).
    /// Signatures, execution results and validator sets are checked by the layers
    /// that know the chain's state.
    pub fn check_body(&self) -> Result<(), BlockError> {
        if self.header.transactions_root != Block::transactions_root(&self.transactions) {
            return Err(BlockError::TransactionsRoot);
        }
        if self.header.evidence_root != Block::evidence_root(&self.evidence) {
            return Err(BlockError::EvidenceRoot);
        }
        if self.header.last_commit_hash != Block::last_commit_hash(self.last_commit.as_ref()) {
            return Err(BlockError::LastCommit);
        }
        match (&self.last_commit, self.header.height.checked_sub(1)) {
            (None, Some(0)) => Ok(()),
            (Some(commit), Some(previous)) if previous > 0 => {
                if commit.height == previous {
                    Ok(())
                } else {
                    Err(BlockError::LastCommitHeight {
                        expected: previous,
                        found: commit.height,
                    })
                }
            }
            _ => Err(BlockError::LastCommit),
        }
    }
}
