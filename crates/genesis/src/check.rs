//! Every rule a genesis document must keep, checked in one place.
//!
//! The order is the document's: version, chain, time and height, consensus
//! parameters, then the civic state (collectivities, namespaces, grants,
//! validators and chain parameters, checked by the civic state machine itself,
//! so a genesis can never hold what governance would refuse) and the consensus
//! validator set. The first broken rule is reported, saying what to fix.

use civitas_civic::GenesisError;
use civitas_civic::state::MemoryState;
use civitas_civic::upgrade::{SUPPORTED_PROTOCOL_VERSIONS, VersionError, check_genesis_version};
use civitas_consensus::TimeoutParamsError;
use civitas_types::{
    BlockLimitsError, EvidenceParamsError, Hash, TimeParamsError, Validator, ValidatorSet,
    ValidatorSetError,
};

use crate::document::GenesisDocument;

/// Why a genesis document is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisDocumentError {
    /// The document names a protocol version this build does not run (the
    /// civic state machine's list, the one that also stops a node at an
    /// upgrade it cannot execute).
    #[error("{0}")]
    Version(#[from] VersionError),
    /// `initial_height` is 0: heights start at 1.
    #[error("initial_height is 0; the first block's height must be at least 1")]
    InitialHeightZero,
    /// `genesis_time_ms` is 0: the Unix epoch is never a real network's start.
    #[error(
        "genesis_time_ms is 0; set it to the agreed start time, in milliseconds since 1970-01-01 UTC"
    )]
    GenesisTimeZero,
    /// Timeouts out of range.
    #[error("consensus.timeouts: {0}")]
    Timeouts(#[from] TimeoutParamsError),
    /// Block limits out of range.
    #[error("consensus.block: {0}")]
    BlockLimits(#[from] BlockLimitsError),
    /// Block-time window out of range.
    #[error("consensus.time: {0}")]
    Time(#[from] TimeParamsError),
    /// Evidence bounds out of range.
    #[error("consensus.evidence: {0}")]
    Evidence(#[from] EvidenceParamsError),
    /// A collectivity's name is not UTF-8 text: the file form could not show it.
    #[error("collectivity {0}: its name is not UTF-8 text")]
    NameNotText(String),
    /// The civic state is refused (collectivities, namespaces, grants,
    /// validators' collectivities, network keys, quorum safety, chain parameters).
    #[error("{0}")]
    Civic(#[from] GenesisError),
    /// The validators do not form a consensus validator set.
    #[error("validators: {0}")]
    ValidatorSet(#[from] ValidatorSetError),
}

/// A document that passed every check, with what the chain starts from.
#[derive(Clone, Debug)]
pub struct CheckedGenesis {
    /// The genesis hash: the first block's `previous_block_hash`.
    pub hash: Hash,
    /// The civic state before the first block.
    pub state: MemoryState,
    /// The validator set of the first height.
    pub validators: ValidatorSet,
}

impl GenesisDocument {
    /// Checks every rule and returns the hash, first state and validator set.
    pub fn check(&self) -> Result<CheckedGenesis, GenesisDocumentError> {
        check_genesis_version(self.protocol_version, SUPPORTED_PROTOCOL_VERSIONS)?;
        if self.genesis_time_ms == 0 {
            return Err(GenesisDocumentError::GenesisTimeZero);
        }
        if self.initial_height == 0 {
            return Err(GenesisDocumentError::InitialHeightZero);
        }
        self.consensus.timeouts.validate()?;
        self.consensus.block.validate()?;
        self.consensus.time.validate()?;
        self.consensus.evidence.validate()?;
        if let Some(c) = self
            .collectivities
            .iter()
            .find(|c| std::str::from_utf8(&c.name).is_err())
        {
            return Err(GenesisDocumentError::NameNotText(c.siren.to_string()));
        }
        let state = self.civic_state().build()?;
        let validators = ValidatorSet::new(
            self.validators
                .iter()
                .map(|entry| Validator {
                    public_key: entry.public_key,
                    voting_power: entry.power,
                })
                .collect(),
        )?;
        Ok(CheckedGenesis {
            hash: self.hash(),
            state,
            validators,
        })
    }
}
