//! The canonical genesis document and its hash.
//!
//! Encoding (borsh, as every Civitas format; docs/genesis.md gives each byte):
//! the fields of [`GenesisDocument`] in declaration order. Lists are bounded
//! so a hostile file cannot make a decoder allocate without limit, and decoding
//! is strict (no trailing bytes), so one document has exactly one encoding and
//! one hash.

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_civic::model::{ChainParameters, Collectivity, Namespace, NamespaceName, Role, Scope};
use civitas_civic::{GenesisGrant as CivicGrant, GenesisState};
use civitas_consensus::TimeoutParams;
use civitas_types::limits::VALIDATORS_MAX;
use civitas_types::{
    AccountId, BlockLimits, BoundedVec, ChainId, DecodeError, Domain, EvidenceParams, Hash,
    TimeParams, decode, encode,
};

use civitas_civic::model::ValidatorEntry;

/// Most collectivities a genesis may list.
pub const COLLECTIVITIES_MAX: usize = 1_024;
/// Most role grants a genesis may list.
pub const GRANTS_MAX: usize = 65_536;
/// Most registry namespaces a genesis may list.
pub const NAMESPACES_MAX: usize = 1_024;
/// Most merchant categories one grant may list (as the GrantRole action).
pub const GRANT_CATEGORIES_MAX: usize = 32;

/// The rules every validator runs consensus by, fixed at genesis.
///
/// Encoding: `timeouts` (48 bytes), `block` (8 bytes), `time` (16 bytes),
/// `evidence` (16 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ConsensusParameters {
    /// Round timeouts and their growth per round.
    pub timeouts: TimeoutParams,
    /// The largest block, in bytes and transactions.
    pub block: BlockLimits,
    /// The proposer-based block-time window.
    pub time: TimeParams,
    /// How long evidence of misbehaviour stays includable.
    pub evidence: EvidenceParams,
}

/// A role granted at genesis (as governance's GrantRole would grant it).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct GenesisGrant {
    /// To whom.
    pub account: AccountId,
    /// The role.
    pub role: Role,
    /// What it covers.
    pub scope: Scope,
    /// For merchants: accepted categories; empty otherwise.
    pub categories: BoundedVec<u16, GRANT_CATEGORIES_MAX>,
}

/// A registry namespace created at genesis.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct GenesisNamespace {
    /// Its name.
    pub name: NamespaceName,
    /// Its collectivity and rules.
    pub namespace: Namespace,
}

/// What a network starts from.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct GenesisDocument {
    /// The protocol version the network starts with (headers carry it).
    pub protocol_version: u32,
    /// The network's name; every transaction and vote signs it.
    pub chain_id: ChainId,
    /// Milliseconds since the Unix epoch (UTC): the first block's time must be
    /// strictly later.
    pub genesis_time_ms: u64,
    /// The height of the first block (1 for a new network; higher when a
    /// network restarts from an exported state).
    pub initial_height: u64,
    /// Consensus rules.
    pub consensus: ConsensusParameters,
    /// Chain parameters governance may later change.
    pub chain: ChainParameters,
    /// The council's collectivities.
    pub collectivities: BoundedVec<Collectivity, COLLECTIVITIES_MAX>,
    /// The validators of the first height, each run by a collectivity.
    pub validators: BoundedVec<ValidatorEntry, VALIDATORS_MAX>,
    /// Officials' and merchants' roles.
    pub grants: BoundedVec<GenesisGrant, GRANTS_MAX>,
    /// Registry namespaces.
    pub namespaces: BoundedVec<GenesisNamespace, NAMESPACES_MAX>,
}

impl GenesisDocument {
    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes a canonical encoding, strictly (no trailing bytes). The
    /// document is not checked: call [`GenesisDocument::check`].
    pub fn decode(bytes: &[u8]) -> Result<GenesisDocument, DecodeError> {
        decode(bytes)
    }

    /// The genesis hash: SHA-256 in the `Genesis` domain over the canonical
    /// encoding. It is the `previous_block_hash` of the first block.
    pub fn hash(&self) -> Hash {
        Hash::tagged(Domain::Genesis, &self.encode())
    }

    /// The civic part, as the civic state machine builds its first state from it.
    pub fn civic_state(&self) -> GenesisState {
        GenesisState {
            collectivities: self.collectivities.to_vec(),
            grants: self
                .grants
                .iter()
                .map(|grant| CivicGrant {
                    account: grant.account,
                    role: grant.role,
                    scope: grant.scope.clone(),
                    categories: grant.categories.to_vec(),
                })
                .collect(),
            namespaces: self
                .namespaces
                .iter()
                .map(|entry| (entry.name.clone(), entry.namespace.clone()))
                .collect(),
            validators: self.validators.to_vec(),
            parameters: self.chain.clone(),
        }
    }
}
