//! A small chain built in memory for the verifier's tests: blocks with one
//! transaction each, certified by every validator, each carrying its parent's
//! certificate; and the helpers to tamper with them and re-sign.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use civitas_types::testing::chain_id;
use civitas_types::{
    AccountId, Block, BoundedBytes, BoundedVec, CommitSignature, DuplicateVoteEvidence, Evidence,
    EvidenceParams, Hash, Header, PROTOCOL_VERSION, QuorumCertificate, SignedTransaction,
    SigningKey, TransactionBody, Validator, ValidatorSet, Vote, VoteType,
};
use civitas_verify::{
    CertifiedBlock, ChainStart, ChainVerifier, InForce, MemoryValidatorSets, PastHeight,
};

/// Genesis time of the test chain; block `h` is made at `GENESIS_TIME_MS + h * 1000`.
pub const GENESIS_TIME_MS: u64 = 1_700_000_000_000;

/// The test chain's genesis hash.
pub const GENESIS_HASH: Hash = Hash([0x6e; 32]);

/// Validators with their keys.
#[derive(Clone)]
pub struct Validators {
    /// Keys, in the set's (key) order: position `i` is `keys[i]`.
    pub keys: Vec<SigningKey>,
    /// The set.
    pub set: ValidatorSet,
}

impl Validators {
    /// Validators from the seeds `[first; 32]`, `[first + 1; 32]`, … with `powers`.
    pub fn new(first: u8, powers: &[u64]) -> Validators {
        let mut keys: Vec<SigningKey> = (0..powers.len() as u8)
            .map(|i| SigningKey::from_seed(&[first + i; 32]))
            .collect();
        let set = ValidatorSet::new(
            keys.iter()
                .zip(powers)
                .map(|(key, power)| Validator {
                    public_key: key.public_key(),
                    voting_power: *power,
                })
                .collect(),
        )
        .unwrap();
        keys.sort_by_key(|key| set.index_of(&key.public_key()).unwrap());
        Validators { keys, set }
    }

    /// The set in force with the current protocol version.
    pub fn in_force(&self) -> InForce {
        InForce {
            validators: self.set.clone(),
            protocol_version: PROTOCOL_VERSION,
        }
    }

    /// A certificate for `block` signed by the validators at `positions`.
    pub fn certify_by(&self, block: &Block, positions: &[usize]) -> QuorumCertificate {
        let hash = block.hash();
        let height = block.header.height;
        let signatures = positions
            .iter()
            .map(|&position| {
                let key = &self.keys[position];
                CommitSignature {
                    validator_index: position as u16,
                    signature: sign_precommit(key, height, hash),
                }
            })
            .collect();
        QuorumCertificate::new(height, 0, hash, signatures).unwrap()
    }

    /// A certificate for `block` signed by every validator.
    pub fn certify(&self, block: &Block) -> QuorumCertificate {
        let all: Vec<usize> = (0..self.keys.len()).collect();
        self.certify_by(block, &all)
    }
}

/// `key`'s precommit signature for `block_hash` at `height`, round 0.
pub fn sign_precommit(key: &SigningKey, height: u64, block_hash: Hash) -> civitas_types::Signature {
    let vote = Vote {
        chain_id: chain_id(),
        vote_type: VoteType::Precommit,
        height,
        round: 0,
        block_hash: Some(block_hash),
        validator: key.public_key(),
    };
    key.sign_digest(&vote.signing_digest())
}

/// The four equal validators most tests use.
pub fn validators() -> Validators {
    Validators::new(1, &[1, 1, 1, 1])
}

/// What a verifier of the test chain starts from.
pub fn start(validators: &Validators) -> ChainStart {
    ChainStart {
        chain_id: chain_id(),
        genesis_hash: GENESIS_HASH,
        genesis_time_ms: GENESIS_TIME_MS,
        evidence_params: EvidenceParams::default(),
        in_force: validators.in_force(),
    }
}

/// A verifier at the test chain's genesis.
pub fn verifier(validators: &Validators) -> ChainVerifier {
    ChainVerifier::new(start(validators))
}

/// One signed transaction for block `height`.
fn transaction(height: u64) -> SignedTransaction {
    let key = SigningKey::from_seed(&[0xa0; 32]);
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence: height,
        expiry_height: height + 10,
        payload: BoundedBytes::try_from_vec(vec![height as u8; 8]).unwrap(),
    };
    SignedTransaction::sign(body, &[&key]).unwrap()
}

/// A chain being built: its certified blocks so far.
#[derive(Clone, Default)]
pub struct Chain {
    /// Blocks 1, 2, …
    pub blocks: Vec<CertifiedBlock>,
}

impl Chain {
    /// `length` blocks signed by `validators`, no evidence.
    pub fn of(validators: &Validators, length: u64) -> Chain {
        let mut chain = Chain::default();
        for _ in 0..length {
            let block = chain.next_block(validators, validators, vec![]);
            chain.push(block, validators);
        }
        chain
    }

    /// The next block, unsigned: signed at its height by `signers`, announcing
    /// `next` for the height after, carrying `evidence`.
    pub fn next_block(
        &self,
        signers: &Validators,
        next: &Validators,
        evidence: Vec<Evidence>,
    ) -> Block {
        let height = self.blocks.len() as u64 + 1;
        let (previous_block_hash, last_commit) = match self.blocks.last() {
            None => (GENESIS_HASH, None),
            Some(parent) => (parent.block.hash(), Some(parent.certificate.clone())),
        };
        let transactions = vec![transaction(height)];
        let header = Header {
            version: PROTOCOL_VERSION,
            chain_id: chain_id(),
            height,
            time_ms: GENESIS_TIME_MS + height * 1_000,
            previous_block_hash,
            last_commit_hash: Block::last_commit_hash(last_commit.as_ref()),
            transactions_root: Block::transactions_root(&transactions),
            receipts_root: Hash([0x33; 32]),
            state_root: Hash([height as u8; 32]),
            evidence_root: Block::evidence_root(&evidence),
            validators_hash: signers.set.hash(),
            next_validators_hash: next.set.hash(),
            proposer: signers.keys[height as usize % signers.keys.len()].public_key(),
        };
        Block {
            header,
            transactions: BoundedVec::try_from_vec(transactions).unwrap(),
            evidence: BoundedVec::try_from_vec(evidence).unwrap(),
            last_commit,
        }
    }

    /// Certifies `block` by every one of `signers` and appends it.
    pub fn push(&mut self, block: Block, signers: &Validators) {
        let certificate = signers.certify(&block);
        self.blocks.push(CertifiedBlock { block, certificate });
    }

    /// Past heights (set and time) of this chain, all signed by `validators`.
    pub fn past(&self, validators: &Validators) -> MemoryValidatorSets {
        let mut past = MemoryValidatorSets::default();
        for certified in &self.blocks {
            past.heights.insert(
                certified.block.header.height,
                PastHeight {
                    validator_set: validators.set.clone(),
                    time_ms: certified.block.header.time_ms,
                },
            );
        }
        past
    }
}

/// `block` with its header changed by `change`, certified again by every
/// validator: the validators themselves signed the bad block, so only the rule
/// it breaks can refuse it.
pub fn resigned(
    certified: &CertifiedBlock,
    signers: &Validators,
    change: impl FnOnce(&mut Header),
) -> CertifiedBlock {
    let mut block = certified.block.clone();
    change(&mut block.header);
    let certificate = signers.certify(&block);
    CertifiedBlock { block, certificate }
}

/// Evidence that `key` signed two precommits at `height`.
pub fn equivocation(key: &SigningKey, height: u64) -> Evidence {
    let vote = |block: u8| {
        Vote {
            chain_id: chain_id(),
            vote_type: VoteType::Precommit,
            height,
            round: 0,
            block_hash: Some(Hash([block; 32])),
            validator: key.public_key(),
        }
        .sign(key)
    };
    Evidence::DuplicateVote(DuplicateVoteEvidence::new(vote(1), vote(2)).unwrap())
}
