//! A deterministic test chain: genesis, blocks of signed transactions with real
//! certificates, and state writes derived from the height, so a test (or a child
//! process in the crash test) can rebuild the exact state of any height.
//! Compiled only for tests or with the `test-support` feature; never in a node.
// Test fixtures: heights and indices are small and chosen by the test itself, so
// overflow and out-of-range indexing are test bugs, and a panic is the right report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use civitas_types::codec::{BoundedBytes, BoundedVec};
use civitas_types::testing::{chain_id, signing_keys, validator_set};
use civitas_types::{
    AccountId, Block, CommitSignature, Domain, Hash, Header, PROTOCOL_VERSION, QuorumCertificate,
    SignedTransaction, SigningKey, TransactionBody, ValidatorSet, merkle,
};

use crate::{ChainIdentity, Ledger, PreparedState};

/// The writes of one height: key → new value (`None` deletes).
pub type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// A chain of `validators` equal validators whose blocks carry `transactions`
/// transactions and `writes` state writes each, over a genesis of `genesis_keys` keys.
pub struct TestChain {
    /// The chain's identity.
    pub identity: ChainIdentity,
    /// The validators' keys, in the validator set's order.
    pub keys: Vec<SigningKey>,
    /// The validator set (every height).
    pub validators: ValidatorSet,
    /// Keys in the genesis state.
    pub genesis_keys: u64,
    /// Transactions per block.
    pub transactions: usize,
    /// State writes per block.
    pub writes: u64,
    signer: SigningKey,
}

/// A block ready to commit.
pub struct NextBlock {
    /// The block.
    pub block: Block,
    /// Its certificate, signed by every validator.
    pub certificate: QuorumCertificate,
    /// Its receipts root's leaves.
    pub receipts: Vec<Vec<u8>>,
    /// Its prepared state.
    pub state: PreparedState,
}

impl TestChain {
    /// A chain with the given shape.
    pub fn new(validators: u8, genesis_keys: u64, transactions: usize, writes: u64) -> TestChain {
        let mut keys = signing_keys(validators);
        keys.sort_by_key(SigningKey::public_key);
        let powers = vec![1; keys.len()];
        TestChain {
            identity: ChainIdentity {
                chain_id: chain_id(),
                genesis_hash: Hash::tagged(Domain::Genesis, b"test chain"),
            },
            validators: validator_set(&keys, &powers),
            keys,
            genesis_keys,
            transactions,
            writes,
            signer: SigningKey::from_seed(&[200; 32]),
        }
    }

    /// The genesis state: keys `k/0..genesis_keys` with 64-byte values.
    pub fn genesis(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        (0..self.genesis_keys)
            .map(|i| (state_key(i), value(i, 0)))
            .collect()
    }

    /// The writes of `height`: rewrites of existing keys, new keys, and a deletion
    /// every few blocks — a function of the height alone.
    pub fn writes_at(&self, height: u64) -> Writes {
        let mut writes = Writes::new();
        let span = self.genesis_keys.max(1);
        for i in 0..self.writes {
            // A multiplicative walk spreads each block's writes over the key space.
            let index = (height
                .wrapping_mul(7_919)
                .wrapping_add(i.wrapping_mul(104_729)))
                % span;
            writes.insert(state_key(index), Some(value(index, height)));
        }
        writes.insert(state_key(span + height), Some(value(height, height)));
        if height.is_multiple_of(3) && height > 3 {
            writes.insert(state_key(span + height - 3), None);
        }
        writes
    }

    /// The whole state after `height`, computed without a store.
    pub fn state_at(&self, height: u64) -> BTreeMap<Vec<u8>, Vec<u8>> {
        let mut state = self.genesis();
        for h in 1..=height {
            for (key, value) in self.writes_at(h) {
                match value {
                    Some(value) => state.insert(key, value),
                    None => state.remove(&key),
                };
            }
        }
        state
    }

    /// The next block on top of `ledger`, with its certificate and prepared state.
    pub fn next_block(&self, ledger: &Ledger) -> NextBlock {
        let height = ledger.height() + 1;
        let state = ledger.prepare(self.writes_at(height)).expect("prepare");
        let transactions: Vec<SignedTransaction> = (0..self.transactions)
            .map(|i| self.transaction(height, i as u64))
            .collect();
        let receipts = receipts_of(height, &transactions);
        let last_commit = ledger
            .certificate(ledger.height())
            .expect("read certificate");
        let header = Header {
            version: PROTOCOL_VERSION,
            chain_id: self.identity.chain_id.clone(),
            height,
            time_ms: height * 1_000,
            previous_block_hash: ledger.last_block_hash(),
            last_commit_hash: Block::last_commit_hash(last_commit.as_ref()),
            transactions_root: Block::transactions_root(&transactions),
            receipts_root: merkle::root_of(&receipts),
            state_root: state.root(),
            evidence_root: Block::evidence_root(&[]),
            validators_hash: self.validators.hash(),
            next_validators_hash: self.validators.hash(),
            proposer: self.keys[0].public_key(),
        };
        let block = Block {
            header,
            transactions: BoundedVec::try_from_vec(transactions).expect("block size"),
            evidence: BoundedVec::new(),
            last_commit,
        };
        let certificate = self.certify(&block);
        NextBlock {
            block,
            certificate,
            receipts,
            state,
        }
    }

    /// Executes `block` (fetched, e.g. by block sync) on top of `ledger` the way
    /// this chain does: its receipts and prepared state, ready for `commit`.
    pub fn execute(&self, ledger: &Ledger, block: &Block) -> (Vec<Vec<u8>>, PreparedState) {
        let height = block.header.height;
        let state = ledger.prepare(self.writes_at(height)).expect("prepare");
        (receipts_of(height, &block.transactions), state)
    }

    /// A certificate for `block` signed by every validator.
    pub fn certify(&self, block: &Block) -> QuorumCertificate {
        let unsigned = QuorumCertificate::new(
            block.header.height,
            0,
            block.hash(),
            vec![CommitSignature {
                validator_index: 0,
                signature: self.keys[0].sign(b"placeholder"),
            }],
        )
        .expect("certificate");
        let signatures = self
            .keys
            .iter()
            .enumerate()
            .map(|(index, key)| {
                let vote = unsigned.precommit(&self.identity.chain_id, key.public_key());
                CommitSignature {
                    validator_index: index as u16,
                    signature: key.sign_digest(&vote.signing_digest()),
                }
            })
            .collect();
        QuorumCertificate::new(block.header.height, 0, block.hash(), signatures)
            .expect("certificate")
    }

    /// Builds and commits the next block.
    pub fn commit_next(&self, ledger: &mut Ledger) {
        let next = self.next_block(ledger);
        ledger
            .commit(&next.block, &next.certificate, &next.receipts, next.state)
            .expect("commit");
    }

    fn transaction(&self, height: u64, index: u64) -> SignedTransaction {
        let body = TransactionBody {
            chain_id: self.identity.chain_id.clone(),
            signer: AccountId::from_public_key(&self.signer.public_key()),
            sequence: height * 100_000 + index,
            expiry_height: height + 10,
            payload: BoundedBytes::try_from_vec(vec![7; 64]).expect("payload"),
        };
        SignedTransaction::sign(body, &[&self.signer]).expect("sign")
    }
}

/// A block's receipts root leaves: its height, then each transaction id.
fn receipts_of(height: u64, transactions: &[SignedTransaction]) -> Vec<Vec<u8>> {
    let mut receipts = vec![format!("block {height}").into_bytes()];
    receipts.extend(transactions.iter().map(|tx| tx.id().0.to_vec()));
    receipts
}

/// The state key of index `i`.
pub fn state_key(i: u64) -> Vec<u8> {
    format!("k/{i:010}").into_bytes()
}

/// A 64-byte value for key `i` written at `height`.
pub fn value(i: u64, height: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&i.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out.resize(64, 0xab);
    out
}
