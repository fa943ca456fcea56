//! A small world for civic tests: one collectivity with a registrar office, a
//! namespace office and citizens; helpers to sign and execute blocks.
#![allow(dead_code)]

use civitas_civic::metadata::{
    FieldKind, FieldName, FieldSpec, FieldValue, RecordMetadata, Reference,
};
use civitas_civic::model::{
    ChainParameters, Collectivity, Namespace, NamespaceName, Role, Scope, Siren, ValidatorEntry,
};
use civitas_civic::{
    Action, BlockContext, BlockExecutionError, BlockOutcome, GenesisGrant, GenesisState,
    MemoryState, Receipt,
};
use civitas_types::{
    AccountId, BoundedBytes, BoundedVec, ChainId, SignedTransaction, SigningKey, TransactionBody,
    encode,
};
use std::collections::BTreeMap;

pub const SIREN: Siren = Siren(200_046_977);
pub const OTHER_SIREN: Siren = Siren(732_829_320);
pub const THIRD_SIREN: Siren = Siren(213_500_002);
pub const FOURTH_SIREN: Siren = Siren(253_800_007);
/// Council powers 10, 10, 5, 5 (total 30: passing needs more than 20).
pub const COUNCIL: [(Siren, u64); 4] = [
    (SIREN, 10),
    (OTHER_SIREN, 10),
    (THIRD_SIREN, 5),
    (FOURTH_SIREN, 5),
];

/// The council account of the i-th collectivity of [`COUNCIL`] (seed 200 + i).
pub fn council_seed(index: usize) -> u8 {
    200 + index as u8
}

/// The consensus key of the i-th collectivity's validator (seed 100 + i).
pub fn validator_key(index: usize) -> civitas_types::PublicKey {
    key(100 + index as u8).public_key()
}

/// The network key of validator `index` of the test genesis.
pub fn network_key(index: usize) -> civitas_types::PublicKey {
    key(150 + index as u8).public_key()
}

pub fn chain_id() -> ChainId {
    ChainId::new("civitas-test").unwrap()
}

pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

pub fn account(seed: u8) -> AccountId {
    AccountId::from_public_key(&key(seed).public_key())
}

pub fn namespace(name: &str) -> NamespaceName {
    NamespaceName::from_text(name).unwrap()
}

pub fn field(name: &str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name: FieldName::from_text(name).unwrap(),
        kind,
    }
}

pub fn reference(text: &str) -> FieldValue {
    FieldValue::Reference(Reference::try_from_vec(text.as_bytes().to_vec()).unwrap())
}

pub fn metadata(values: Vec<FieldValue>) -> RecordMetadata {
    BoundedVec::try_from_vec(values).unwrap()
}

/// The fields each namespace of the test world declares: building permits carry
/// the nature of works (code), the cadastral parcel, the floor area and the
/// decision date; residence certificates their issue date; parking permits
/// their zone.
pub fn fields_of(ns: &str) -> Vec<FieldSpec> {
    match ns {
        "permits/building" => vec![
            field("nature", FieldKind::Code),
            field("parcel", FieldKind::Reference),
            field("floor_area_m2", FieldKind::Amount),
            field("decided_on", FieldKind::Date),
        ],
        "certificates/residence" => vec![field("issued_on", FieldKind::Date)],
        "parking/permits" => vec![field("zone", FieldKind::Code)],
        _ => vec![],
    }
}

/// Valid metadata for a record of a test namespace, varied by `n`.
pub fn metadata_for(ns: &str, n: u32) -> RecordMetadata {
    // 20,454 days after 1970-01-01 is 2026-01-01.
    let day = 20_454 + n;
    metadata(match ns {
        "permits/building" => vec![
            FieldValue::Code(n % 7),
            reference(&format!("75056-000-AB-{n:04}")),
            FieldValue::Amount(120 + u64::from(n)),
            FieldValue::Date(day),
        ],
        "certificates/residence" => vec![FieldValue::Date(day)],
        "parking/permits" => vec![FieldValue::Code(n % 3)],
        _ => vec![],
    })
}

fn test_namespace(
    ns: &str,
    transferable: bool,
    transfer_needs_approval: bool,
) -> (NamespaceName, Namespace) {
    (
        namespace(ns),
        Namespace {
            collectivity: SIREN,
            transferable,
            transfer_needs_approval,
            fields: BoundedVec::try_from_vec(fields_of(ns)).unwrap(),
        },
    )
}

/// Seeds: 1 identity registrar, 2 registrar of `permits/building`, 3 registrar of
/// every namespace of the collectivity, 5.. citizens.
pub const IDENTITY_REGISTRAR: u8 = 1;
pub const REGISTRAR: u8 = 2;
pub const CITY_REGISTRAR: u8 = 3;
/// Aid: 10 ordonnateur, 11 comptable, 13 a grocer (food), 14 a jeweller (luxury).
pub const ADMINISTRATOR: u8 = 10;
pub const ACCOUNTANT: u8 = 11;
pub const GROCER: u8 = 13;
pub const JEWELLER: u8 = 14;
pub const FOOD: u16 = 5411;
/// Energy: 15 operator of the collectivity's communities; meters owned by 60..
pub const ENERGY_OPERATOR: u8 = 15;
pub const LUXURY: u16 = 5944;

fn grant(seed: u8, role: Role, scope: Scope, categories: &[u16]) -> GenesisGrant {
    GenesisGrant {
        account: account(seed),
        role,
        scope,
        categories: categories.to_vec(),
    }
}

pub mod state_tree;

pub struct World {
    pub state: MemoryState,
    pub height: u64,
    pub time_ms: u64,
    /// The protocol version of the blocks it executes (the headers').
    pub protocol_version: u32,
    pub sequences: BTreeMap<AccountId, u64>,
}

impl World {
    pub fn new() -> World {
        World::from_genesis(&genesis())
    }

    /// The world after `genesis` (which must build).
    pub fn from_genesis(genesis: &GenesisState) -> World {
        World {
            state: genesis.build().unwrap(),
            height: 1,
            time_ms: 1_000_000,
            protocol_version: civitas_types::PROTOCOL_VERSION,
            sequences: BTreeMap::new(),
        }
    }
}

/// The test world's genesis: the council, the offices' roles and three namespaces.
pub fn genesis() -> GenesisState {
    let collectivities = COUNCIL
        .iter()
        .enumerate()
        .map(|(i, (siren, power))| Collectivity {
            siren: *siren,
            name: BoundedBytes::try_from_vec(b"Commune de test".to_vec()).unwrap(),
            voting_power: *power,
            council_account: account(council_seed(i)),
        })
        .collect();
    let validators = COUNCIL
        .iter()
        .enumerate()
        .map(|(i, (siren, _))| ValidatorEntry {
            public_key: validator_key(i),
            network_key: network_key(i),
            power: 10,
            siren: *siren,
        })
        .collect();
    GenesisState {
        collectivities,
        validators,
        parameters: ChainParameters::default(),
        grants: vec![
            grant(
                IDENTITY_REGISTRAR,
                Role::IdentityRegistrar,
                Scope::Collectivity(SIREN),
                &[],
            ),
            grant(
                REGISTRAR,
                Role::Registrar,
                Scope::Namespace(namespace("permits/building")),
                &[],
            ),
            grant(
                CITY_REGISTRAR,
                Role::Registrar,
                Scope::Collectivity(SIREN),
                &[],
            ),
            grant(
                ADMINISTRATOR,
                Role::AidAdministrator,
                Scope::Collectivity(SIREN),
                &[],
            ),
            grant(
                ACCOUNTANT,
                Role::AidAccountant,
                Scope::Collectivity(SIREN),
                &[],
            ),
            grant(GROCER, Role::Merchant, Scope::Collectivity(SIREN), &[FOOD]),
            grant(
                ENERGY_OPERATOR,
                Role::EnergyOperator,
                Scope::Collectivity(SIREN),
                &[],
            ),
            grant(
                JEWELLER,
                Role::Merchant,
                Scope::Collectivity(SIREN),
                &[LUXURY],
            ),
        ],
        namespaces: vec![
            test_namespace("permits/building", true, true),
            test_namespace("certificates/residence", false, false),
            test_namespace("parking/permits", true, false),
        ],
    }
}

impl World {
    pub fn context(&self) -> BlockContext {
        BlockContext {
            chain_id: chain_id(),
            height: self.height,
            time_ms: self.time_ms,
            protocol_version: self.protocol_version,
        }
    }

    /// A transaction by key `seed` with its next sequence (not yet consumed).
    pub fn transaction(&self, seed: u8, action: &Action) -> SignedTransaction {
        self.raw_transaction(seed, encode(action))
    }

    /// A transaction by key `seed` carrying `payload` as is (e.g. a malformed action).
    pub fn raw_transaction(&self, seed: u8, payload: Vec<u8>) -> SignedTransaction {
        let signer = account(seed);
        let body = TransactionBody {
            chain_id: chain_id(),
            signer,
            sequence: self.sequences.get(&signer).copied().unwrap_or(0),
            expiry_height: self.height + 100,
            payload: BoundedBytes::try_from_vec(payload).unwrap(),
        };
        SignedTransaction::sign(body, &[&key(seed)]).unwrap()
    }

    /// Executes a block of transactions and applies it.
    pub fn execute(
        &mut self,
        transactions: &[SignedTransaction],
    ) -> Result<BlockOutcome, BlockExecutionError> {
        self.execute_with_evidence(transactions, civitas_civic::BlockEvidence::none())
    }

    /// Executes a block carrying `evidence` and applies it.
    pub fn execute_with_evidence(
        &mut self,
        transactions: &[SignedTransaction],
        evidence: civitas_civic::BlockEvidence<'_>,
    ) -> Result<BlockOutcome, BlockExecutionError> {
        let outcome =
            civitas_civic::execute_block(&self.state, &self.context(), transactions, evidence)?;
        let before = self.state.clone();
        self.state.apply(outcome.writes.clone());
        if let Err(violation) =
            civitas_civic::invariants::check_figures(&before, &self.state, &outcome.writes)
        {
            panic!("block {} breaks a figures law: {violation}", self.height);
        }
        // Every block of every test keeps the laws an auditor checks.
        if let Err(violation) = civitas_civic::invariants::check_block(&self.state, &outcome.writes)
        {
            panic!("block {} breaks a law: {violation}", self.height);
        }
        for tx in transactions {
            self.sequences.insert(tx.body.signer, tx.body.sequence + 1);
        }
        self.height += 1;
        self.time_ms += 5_000;
        Ok(outcome)
    }

    /// Passes a governance action: council 0 proposes, councils 0, 1 and 2 vote
    /// in favour (25 of 30); returns the deciding vote's receipt.
    pub fn govern(&mut self, action: civitas_civic::governance::GovernanceAction) -> Receipt {
        let propose = civitas_civic::action::Propose {
            action,
            deliberation_hash: civitas_types::Hash([0xde; 32]),
            expires_at_ms: self.time_ms + 600_000,
        };
        let receipt = self.act(council_seed(0), Action::Propose(propose));
        let proposal_id = match receipt.events[..] {
            [civitas_civic::Event::ProposalSubmitted { proposal_id, .. }] => proposal_id,
            _ => panic!("proposal refused: {receipt:?}"),
        };
        let mut last = receipt;
        for council in 0..3 {
            let vote = civitas_civic::action::Vote {
                proposal_id,
                in_favour: true,
            };
            last = self.act(council_seed(council), Action::Vote(vote));
            assert!(last.is_success(), "{last:?}");
        }
        last
    }

    /// Executes an empty block (the hooks run); returns its outcome.
    pub fn tick(&mut self) -> BlockOutcome {
        self.execute(&[]).unwrap()
    }

    /// Checks the aid laws over every entry of every programme.
    pub fn check_programmes(&self) {
        let count: u64 = self
            .state
            .entries
            .get(&civitas_civic::keys::programme_counter())
            .map(|bytes| civitas_types::decode(bytes).unwrap())
            .unwrap_or(0);
        for id in 0..count {
            if let Err(error) = civitas_civic::invariants::check_programme_entries(&self.state, id)
            {
                panic!("programme {id}: {error}");
            }
        }
    }

    /// Executes one action by `seed` in its own block; returns its receipt.
    pub fn act(&mut self, seed: u8, action: Action) -> Receipt {
        self.act_raw(seed, encode(&action))
    }

    /// Executes one payload by `seed` in its own block; returns its receipt.
    pub fn act_raw(&mut self, seed: u8, payload: Vec<u8>) -> Receipt {
        let tx = self.raw_transaction(seed, payload);
        let mut outcome = self.execute(&[tx]).unwrap();
        outcome.receipts.remove(0)
    }
}
