//! What the engine runs by: the chain's genesis facts and consensus
//! parameters (the same on every node), and this node's own choices.

use civitas_genesis::{ConsensusParameters, GenesisDocument};
use civitas_mempool::MempoolConfig;
use civitas_types::{ChainId, Hash};

/// Default [`EngineConfig::heartbeat_ms`]: an empty block every ten seconds
/// when nothing happens, so block time and the chain's liveness stay visible.
pub const HEARTBEAT_MS_DEFAULT: u64 = 10_000;

/// The chain's facts, fixed by its genesis document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSpec {
    /// The network.
    pub chain_id: ChainId,
    /// The genesis hash: the first block's parent.
    pub genesis_hash: Hash,
    /// The first block's time must be strictly later.
    pub genesis_time_ms: u64,
    /// The first block's height.
    pub initial_height: u64,
    /// The protocol version the chain started with.
    pub protocol_version: u32,
    /// Timeouts, block limits, time window, evidence bounds.
    pub consensus: ConsensusParameters,
}

impl ChainSpec {
    /// The facts of `document` (already checked), whose hash is `genesis_hash`.
    pub fn from_genesis(document: &GenesisDocument, genesis_hash: Hash) -> ChainSpec {
        ChainSpec {
            chain_id: document.chain_id.clone(),
            genesis_hash,
            genesis_time_ms: document.genesis_time_ms,
            initial_height: document.initial_height,
            protocol_version: document.protocol_version,
            consensus: document.consensus,
        }
    }
}

/// This node's choices (they may differ between nodes without harm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// After a block, how long to wait for transactions before starting the
    /// next height with an empty block.
    pub heartbeat_ms: u64,
    /// The transaction pool's bounds.
    pub mempool: MempoolConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            heartbeat_ms: HEARTBEAT_MS_DEFAULT,
            mempool: MempoolConfig::default(),
        }
    }
}
