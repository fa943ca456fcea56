//! Deterministic chain objects for the tests: a block at height 1 holding one
//! signed transaction, its receipt, and a certificate for it; a civic state
//! holding one evidence record, read as the node's ledger reads it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use civitas_civic::evidence::EvidenceRecord;
use civitas_civic::{Event, MemoryState, Receipt};
use civitas_rpc_api::EvidenceQuery;
use civitas_types::testing::{chain_id, signing_keys};
use civitas_types::{
    AccountId, Block, BoundedBytes, BoundedVec, CommitSignature, Hash, Header, Offence,
    PROTOCOL_VERSION, QuorumCertificate, SignedTransaction, SigningKey, TransactionBody, VoteType,
    encode,
};

/// The signer of every fixture transaction.
pub fn signer() -> SigningKey {
    signing_keys(1).remove(0)
}

/// A transaction of `signer()` with `sequence`.
pub fn transaction(sequence: u64) -> SignedTransaction {
    let key = signer();
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: 100,
        payload: BoundedBytes::try_from_vec(vec![1, 2, 3]).unwrap(),
    };
    SignedTransaction::sign(body, &[&key]).unwrap()
}

/// Block 1 holding `transaction(0)`.
pub fn block() -> Block {
    let transactions = vec![transaction(0)];
    let header = Header {
        version: PROTOCOL_VERSION,
        chain_id: chain_id(),
        height: 1,
        time_ms: 1_700_000_000_000,
        previous_block_hash: Hash([1; 32]),
        last_commit_hash: Block::last_commit_hash(None),
        transactions_root: Block::transactions_root(&transactions),
        receipts_root: Hash([2; 32]),
        state_root: Hash([3; 32]),
        evidence_root: Block::evidence_root(&[]),
        validators_hash: Hash([4; 32]),
        next_validators_hash: Hash([5; 32]),
        proposer: signer().public_key(),
    };
    Block {
        header,
        transactions: BoundedVec::try_from_vec(transactions).unwrap(),
        evidence: BoundedVec::new(),
        last_commit: None,
    }
}

/// A certificate committing `block` in round `round` (its signature is not
/// checked by the views).
pub fn certificate(block: &Block, round: u32) -> QuorumCertificate {
    let signature = CommitSignature {
        validator_index: 0,
        signature: signer().sign(b"not checked here"),
    };
    QuorumCertificate::new(block.header.height, round, block.hash(), vec![signature]).unwrap()
}

/// A successful receipt for `transaction` with one event.
pub fn receipt(transaction: &SignedTransaction) -> Receipt {
    Receipt::success(
        transaction.id(),
        vec![Event::ProgrammeFrozen { programme_id: 3 }],
    )
}

/// The offence recorded by [`evidence_state`]: `signer()` prevoted twice at
/// height 3, round 1.
pub fn offence() -> Offence {
    Offence {
        offender: signer().public_key(),
        height: 3,
        round: 1,
        vote_type: VoteType::Prevote,
    }
}

/// Its record: block 5 carried the evidence.
pub fn evidence_record() -> EvidenceRecord {
    EvidenceRecord {
        evidence_hash: Hash([9; 32]),
        included_at_height: 5,
        included_at_time_ms: 1_700_000_000_500,
    }
}

/// A civic state holding one evidence record, between entries of the tables
/// on either side of the evidence table (0x1a and 0x1c).
pub fn evidence_state() -> MemoryState {
    let mut state = MemoryState::default();
    state.entries.insert(
        civitas_civic::keys::evidence(&offence()),
        encode(&evidence_record()),
    );
    state.entries.insert(vec![0x1a, 0xff], vec![1]);
    state.entries.insert(vec![0x1c], vec![2]);
    state
}

/// What the node's ledger answers for `query` (`Ledger::scan_prefix`): up to
/// `scan_limit()` entries under the prefix, in key order, after `start_after`.
pub fn scan(state: &MemoryState, query: &EvidenceQuery) -> Vec<(Vec<u8>, Vec<u8>)> {
    let start = query
        .start_after
        .clone()
        .unwrap_or_else(|| query.prefix.clone());
    state
        .entries
        .range(start..)
        .filter(|(key, _)| Some(*key) != query.start_after.as_ref())
        .take_while(|(key, _)| key.starts_with(&query.prefix))
        .take(query.scan_limit())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// The validator set of the fixture block: the signer alone, power 10.
pub fn validator_set() -> civitas_types::ValidatorSet {
    civitas_types::ValidatorSet::new(vec![civitas_types::Validator {
        public_key: signer().public_key(),
        voting_power: 10,
    }])
    .unwrap()
}

/// The signer's account entries: sequence 3, the aid administrator role of
/// the demo city, and a delegation of the registrar role for a namespace.
pub fn account_entries() -> civitas_rpc_api::AccountEntries {
    use civitas_civic::keys;
    use civitas_civic::model::{
        AccountState, Delegation, NamespaceName, Role, RoleGrant, Scope, Siren,
    };
    let account = AccountId::from_public_key(&signer().public_key());
    let city = Scope::Collectivity(Siren(219_900_016));
    let permits = Scope::Namespace(NamespaceName::from_text("permits/building").unwrap());
    civitas_rpc_api::AccountEntries {
        account: Some(encode(&AccountState {
            next_sequence: 3,
            multisig: false,
        })),
        multisig: None,
        roles: vec![(
            keys::role(&account, Role::AidAdministrator, &city),
            encode(&RoleGrant {
                granted_at_height: 1,
                categories: BoundedVec::default(),
            }),
        )],
        delegations: vec![(
            keys::delegation(&account, Role::Registrar, &permits),
            encode(&Delegation {
                delegator: AccountId([7; 32]),
                expires_at_ms: 99,
                act_hash: Hash([4; 32]),
            }),
        )],
    }
}
