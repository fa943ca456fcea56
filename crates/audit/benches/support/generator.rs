//! An offline generator of a valid chain for the whole-chain audit's
//! benchmark and tests, deterministic from a seed.
//!
//! The chain: the demo genesis (`civitas_demo::genesis_for`) with four
//! validators whose keys derive from the seed, block limits raised to the
//! protocol's maxima (8 MiB, 65,536 transactions) so blocks of 10,000 fit.
//! Its transactions, one signature each, cut into blocks of `per_block`:
//!
//! - setup: the aid administrator creates programme 0 (food, at the demo
//!   grocer), then for each of `beneficiaries` keys (derived from the seed)
//!   enrols it, orders it 100,000 € and the accountant executes the order;
//! - then, group after group, the civic mix of the execution benchmark
//!   (crates/civic/benches/execution.rs): an order of 7 € to the next
//!   beneficiary, its execution by the accountant, a spend of 7 € at the
//!   grocer by a beneficiary, a building permit registered by the registrar
//!   (own record id and document hash, owned by a beneficiary). At most
//!   [`NEW_SPENDERS_PER_BLOCK`] beneficiaries sign for the first time in a
//!   block (the chain admits 256 unknown signers per block); the other spends
//!   go round-robin to those already known.
//!
//! Each block is built as a proposer builds one (`civitas_engine::build`):
//! executed with `civitas_engine::execution::execute` on a `MemoryStore`, its
//! roots written into the header, then certified by the precommits of all
//! four validators and committed; the next block carries that certificate.
//! Every transaction succeeds (checked).
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use civitas_civic::Action;
use civitas_civic::BlockContext;
use civitas_civic::action::{
    EnrolBeneficiary, ExecuteOrder, OrderDisbursement, RegisterRecord, Spend,
};
use civitas_civic::aid::ProgrammeRules;
use civitas_civic::metadata::FieldValue;
use civitas_civic::model::NamespaceName;
use civitas_engine::execution::execute;
use civitas_engine::{ChainSpec, ChainStore, Decided, MemoryStore};
use civitas_genesis::GenesisDocument;
use civitas_types::{
    AccountId, Block, BlockLimits, BoundedBytes, BoundedVec, CommitSignature, Domain, Hash, Header,
    QuorumCertificate, SignedTransaction, SigningKey, TransactionBody, ValidatorSet, Vote,
    VoteType, encode,
};

/// Genesis time of generated chains (2026-01-01T00:00:00Z).
pub const GENESIS_TIME_MS: u64 = 1_767_225_600_000;
/// Block time step.
pub const BLOCK_INTERVAL_MS: u64 = 1_000;
/// Most beneficiaries signing for the first time in one block.
pub const NEW_SPENDERS_PER_BLOCK: usize = 200;
/// Beneficiaries of the default chain (as in the civic execution benchmark).
pub const BENEFICIARIES_DEFAULT: usize = 2_500;

const VALIDATORS: usize = 4;

/// A 32-byte key seed for `kind`/`index` of chain `seed`.
fn key(seed: u64, kind: u8, index: u64) -> SigningKey {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8] = kind;
    bytes[9..17].copy_from_slice(&index.to_le_bytes());
    bytes[31] = 0xa7;
    SigningKey::from_seed(&bytes)
}

/// The validators' consensus keys of chain `seed`.
pub fn validator_keys(seed: u64) -> Vec<SigningKey> {
    (0..VALIDATORS as u64).map(|i| key(seed, 1, i)).collect()
}

/// The genesis of chain `seed`.
pub fn genesis(seed: u64) -> GenesisDocument {
    let keys: Vec<_> = (0..VALIDATORS as u64)
        .map(|i| (key(seed, 1, i).public_key(), key(seed, 2, i).public_key()))
        .collect();
    let mut document = civitas_demo::genesis_for(&keys, GENESIS_TIME_MS).unwrap();
    document.consensus.block = BlockLimits {
        block_bytes_max: civitas_types::limits::BLOCK_BYTES_MAX,
        transactions_max: civitas_types::limits::BLOCK_TRANSACTIONS_MAX as u32,
    };
    document
}

fn demo_key(handle: &str) -> SigningKey {
    civitas_demo::accounts()
        .into_iter()
        .find(|a| a.handle == handle)
        .unwrap_or_else(|| panic!("demo account {handle}"))
        .key
}

/// The precommits of every validator of chain `seed` (set `set`) for `block`.
pub fn certify(seed: u64, set: &ValidatorSet, block: &Block) -> QuorumCertificate {
    let signatures = validator_keys(seed)
        .iter()
        .map(|key| {
            let public_key = key.public_key();
            let vote = Vote {
                chain_id: block.header.chain_id.clone(),
                vote_type: VoteType::Precommit,
                height: block.header.height,
                round: 0,
                block_hash: Some(block.hash()),
                validator: public_key,
            };
            CommitSignature {
                validator_index: set.index_of(&public_key).unwrap() as u16,
                signature: vote.sign(key).signature,
            }
        })
        .collect();
    QuorumCertificate::new(block.header.height, 0, block.hash(), signatures).unwrap()
}

/// Produces the blocks of chain `seed` one by one.
pub struct ChainGenerator {
    seed: u64,
    genesis: GenesisDocument,
    spec: ChainSpec,
    store: MemoryStore,
    per_block: usize,
    beneficiaries: Vec<SigningKey>,
    beneficiary_ids: Vec<AccountId>,
    sequences: std::collections::HashMap<AccountId, u64>,
    admin: SigningKey,
    accountant: SigningKey,
    registrar: SigningKey,
    grocer: AccountId,
    permits: NamespaceName,
    /// Setup transactions still to emit.
    setup: std::collections::VecDeque<(SigningKey, Action)>,
    /// Steady-state groups emitted.
    groups: u64,
    /// Beneficiaries who signed at least once: `0..known`.
    known: usize,
    spend_cursor: usize,
    last_certificate: Option<QuorumCertificate>,
    transactions: u64,
}

impl ChainGenerator {
    /// A generator of chain `seed`, blocks of `per_block` transactions and
    /// `beneficiaries` beneficiaries.
    pub fn new(seed: u64, per_block: usize, beneficiaries: usize) -> ChainGenerator {
        let genesis = genesis(seed);
        let checked = genesis.check().unwrap();
        let spec = ChainSpec::from_genesis(&genesis, genesis.hash());
        let store = MemoryStore::from_genesis(&checked, genesis.initial_height)
            .unwrap()
            .keeping_blocks(1);
        let beneficiaries: Vec<SigningKey> =
            (0..beneficiaries as u64).map(|i| key(seed, 3, i)).collect();
        let beneficiary_ids: Vec<AccountId> = beneficiaries
            .iter()
            .map(|k| AccountId::from_public_key(&k.public_key()))
            .collect();
        let admin = demo_key("aid-administrator");
        let accountant = demo_key("aid-accountant");
        let mut setup = std::collections::VecDeque::new();
        setup.push_back((
            admin.clone(),
            Action::CreateProgramme(ProgrammeRules {
                collectivity: civitas_demo::CITY_SIREN,
                budget_cents: u64::MAX / 4,
                cap_per_period_cents: u64::MAX / 8,
                period_ms: 1_000_000_000_000,
                starts_at_ms: 0,
                ends_at_ms: u64::MAX,
                categories: BoundedVec::try_from_vec(vec![civitas_demo::FOOD]).unwrap(),
                residency_required: false,
            }),
        ));
        for (i, beneficiary) in beneficiary_ids.iter().enumerate() {
            setup.push_back((
                admin.clone(),
                Action::EnrolBeneficiary(EnrolBeneficiary {
                    programme_id: 0,
                    beneficiary: *beneficiary,
                    eligibility_commitment: Hash::tagged(
                        Domain::StateValue,
                        &(i as u64).to_le_bytes(),
                    ),
                }),
            ));
            setup.push_back((
                admin.clone(),
                Action::OrderDisbursement(OrderDisbursement {
                    programme_id: 0,
                    beneficiary: *beneficiary,
                    amount_cents: 10_000_000,
                }),
            ));
            setup.push_back((
                accountant.clone(),
                Action::ExecuteOrder(ExecuteOrder {
                    programme_id: 0,
                    order_id: i as u64,
                }),
            ));
        }
        ChainGenerator {
            seed,
            spec,
            store,
            per_block,
            beneficiaries,
            beneficiary_ids,
            sequences: Default::default(),
            admin,
            accountant,
            registrar: demo_key("registrar"),
            grocer: AccountId::from_public_key(&demo_key("grocer").public_key()),
            permits: NamespaceName::from_text(civitas_demo::BUILDING_PERMITS).unwrap(),
            setup,
            groups: 0,
            known: 0,
            spend_cursor: 0,
            last_certificate: None,
            transactions: 0,
            genesis,
        }
    }

    /// The chain's genesis.
    pub fn genesis(&self) -> &GenesisDocument {
        &self.genesis
    }

    /// Transactions generated so far.
    pub fn transactions(&self) -> u64 {
        self.transactions
    }

    /// The certificate of the last block generated (the audit's `finish`).
    pub fn last_certificate(&self) -> Option<QuorumCertificate> {
        self.last_certificate.clone()
    }

    fn sign(&mut self, key: &SigningKey, action: &Action) -> SignedTransaction {
        let signer = AccountId::from_public_key(&key.public_key());
        let sequence = self.sequences.entry(signer).or_insert(0);
        let body = TransactionBody {
            chain_id: self.genesis.chain_id.clone(),
            signer,
            sequence: *sequence,
            expiry_height: u64::MAX,
            payload: BoundedBytes::try_from_vec(encode(action)).unwrap(),
        };
        *sequence += 1;
        SignedTransaction::sign(body, &[key]).unwrap()
    }

    /// The next block's actions (unsigned), in order.
    fn actions(&mut self) -> Vec<(SigningKey, Action)> {
        let mut actions = Vec::with_capacity(self.per_block);
        while actions.len() < self.per_block {
            let Some(next) = self.setup.pop_front() else {
                break;
            };
            actions.push(next);
        }
        let beneficiaries = self.beneficiaries.len() as u64;
        let mut new_spenders = 0;
        while actions.len() + 4 <= self.per_block {
            let g = self.groups;
            self.groups += 1;
            let to = self.beneficiary_ids[(g % beneficiaries) as usize];
            actions.push((
                self.admin.clone(),
                Action::OrderDisbursement(OrderDisbursement {
                    programme_id: 0,
                    beneficiary: to,
                    amount_cents: 700,
                }),
            ));
            actions.push((
                self.accountant.clone(),
                Action::ExecuteOrder(ExecuteOrder {
                    programme_id: 0,
                    order_id: beneficiaries + g,
                }),
            ));
            let spender =
                if self.known < self.beneficiaries.len() && new_spenders < NEW_SPENDERS_PER_BLOCK {
                    new_spenders += 1;
                    self.known += 1;
                    self.known - 1
                } else {
                    self.spend_cursor = (self.spend_cursor + 1) % self.known.max(1);
                    self.spend_cursor
                };
            actions.push((
                self.beneficiaries[spender].clone(),
                Action::Spend(Spend {
                    programme_id: 0,
                    merchant: self.grocer,
                    amount_cents: 700,
                }),
            ));
            let decided_on = (GENESIS_TIME_MS / 86_400_000) as u32;
            actions.push((
                self.registrar.clone(),
                Action::RegisterRecord(RegisterRecord {
                    namespace: self.permits.clone(),
                    record_id: BoundedBytes::try_from_vec(format!("GEN-{g:09}").into_bytes())
                        .unwrap(),
                    document_hash: Hash::tagged_parts(
                        Domain::StateValue,
                        &[b"generated permit", &g.to_le_bytes()],
                    ),
                    metadata: BoundedVec::try_from_vec(vec![
                        FieldValue::Code(1),
                        FieldValue::Reference(
                            BoundedBytes::try_from_vec(
                                format!("GEN-{:03}-AB-{:04}", g % 1000, g % 10_000).into_bytes(),
                            )
                            .unwrap(),
                        ),
                        FieldValue::Amount(80 + g % 200),
                        FieldValue::Date(decided_on),
                    ])
                    .unwrap(),
                    owner: Some(to),
                }),
            ));
        }
        actions
    }

    /// Builds, certifies and commits the next block; returns it.
    pub fn next_block(&mut self) -> Block {
        let actions = self.actions();
        let transactions: Vec<SignedTransaction> = actions
            .iter()
            .map(|(key, action)| self.sign(key, action))
            .collect();
        let transactions = BoundedVec::try_from_vec(transactions).unwrap();
        let tip = self.store.tip().unwrap();
        let (height, parent_hash) = match &tip {
            Some(tip) => (tip.header.height + 1, tip.hash),
            None => (self.spec.initial_height, self.spec.genesis_hash),
        };
        let validators = self.store.validator_set(height).unwrap().unwrap();
        let last_commit = tip.as_ref().map(|tip| tip.certificate.clone());
        let proposer = validators.validators()[(height as usize) % validators.len()].public_key;
        let time_ms = GENESIS_TIME_MS + height * BLOCK_INTERVAL_MS;
        let context = BlockContext {
            chain_id: self.spec.chain_id.clone(),
            height,
            time_ms,
            protocol_version: self.spec.protocol_version,
        };
        let executed = execute(&self.store, &self.spec, &context, &transactions, &[])
            .unwrap_or_else(|_| panic!("block {height} executes"));
        if let Some((index, receipt)) = executed
            .outcome
            .receipts
            .iter()
            .enumerate()
            .find(|(_, r)| !r.is_success())
        {
            panic!("block {height}: transaction {index} failed: {receipt:?}");
        }
        let evidence = BoundedVec::default();
        let block = Block {
            header: Header {
                version: self.spec.protocol_version,
                chain_id: self.spec.chain_id.clone(),
                height,
                time_ms,
                previous_block_hash: parent_hash,
                last_commit_hash: Block::last_commit_hash(last_commit.as_ref()),
                transactions_root: Block::transactions_root(&transactions),
                receipts_root: executed.receipts_root(),
                state_root: executed.state_root(),
                evidence_root: Block::evidence_root(&evidence),
                validators_hash: validators.hash(),
                next_validators_hash: executed.next_validators_hash,
                proposer,
            },
            transactions,
            evidence,
            last_commit,
        };
        let certificate = certify(self.seed, &validators, &block);
        self.store
            .commit(
                Decided {
                    block: &block,
                    certificate: &certificate,
                    receipt_leaves: &executed.receipt_leaves,
                    validator_change: executed.outcome.validator_set_change.as_ref(),
                },
                executed.prepared,
            )
            .unwrap();
        self.transactions += block.transactions.len() as u64;
        self.last_certificate = Some(certificate);
        block
    }
}
