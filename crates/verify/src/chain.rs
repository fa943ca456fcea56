//! Walking a chain from its genesis: each block verified against the one
//! before it, the whole-chain audit's skeleton.
//!
//! A [`ChainVerifier`] starts from what the genesis document fixes (chain id,
//! hash, time, evidence parameters, the first validator set and protocol
//! version) and accepts blocks one at a time, in height order, with
//! [`verify_block`]. It keeps only the last verified header and the rules in
//! force, so memory does not grow with the chain. Validator-set changes and
//! protocol upgrades come from executing the blocks, which this crate does not
//! do: the caller says what is in force from the next height on
//! ([`ChainVerifier::set_in_force`]), or gives a function of the height
//! ([`ChainVerifier::verify_all`]).

use civitas_civic::{SUPPORTED_PROTOCOL_VERSIONS, ValidatorSets};
use civitas_types::{ChainId, EvidenceParams, Hash, Header};

use crate::block::{CertifiedBlock, Expected, InForce, Parent, verify_block};
use crate::error::VerifyError;

/// What the genesis document fixes for a verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainStart {
    /// The network.
    pub chain_id: ChainId,
    /// The genesis document's hash: block 1's parent.
    pub genesis_hash: Hash,
    /// The genesis time (ms since the Unix epoch): block 1's time is after it.
    pub genesis_time_ms: u64,
    /// The chain's evidence parameters.
    pub evidence_params: EvidenceParams,
    /// The validator set and protocol version of height 1.
    pub in_force: InForce,
}

/// Verifies successive blocks of one chain from its genesis.
#[derive(Clone, Debug)]
pub struct ChainVerifier {
    start: ChainStart,
    supported_versions: Vec<u32>,
    /// The set and version of the next height.
    next_in_force: InForce,
    /// The last verified header with the set that signed it.
    last: Option<(Header, InForce)>,
}

impl ChainVerifier {
    /// A verifier at genesis that knows this build's protocol versions
    /// ([`SUPPORTED_PROTOCOL_VERSIONS`]).
    pub fn new(start: ChainStart) -> ChainVerifier {
        ChainVerifier::with_supported_versions(start, SUPPORTED_PROTOCOL_VERSIONS)
    }

    /// A verifier at genesis that knows the protocol versions `supported`
    /// (tests of upgrades; a real verifier uses [`ChainVerifier::new`]).
    pub fn with_supported_versions(start: ChainStart, supported: &[u32]) -> ChainVerifier {
        ChainVerifier {
            next_in_force: start.in_force.clone(),
            start,
            supported_versions: supported.to_vec(),
            last: None,
        }
    }

    /// The last verified height (0 at genesis).
    pub fn height(&self) -> u64 {
        self.last.as_ref().map_or(0, |(header, _)| header.height)
    }

    /// The hash the next block must name as its parent: the last verified
    /// block's, or the genesis hash.
    pub fn parent_hash(&self) -> Hash {
        self.parent().hash()
    }

    /// The last verified header, if any.
    pub fn last_header(&self) -> Option<&Header> {
        self.last.as_ref().map(|(header, _)| header)
    }

    /// What the next block is checked against.
    pub fn next_in_force(&self) -> &InForce {
        &self.next_in_force
    }

    /// Sets the validator set and protocol version in force from the next
    /// height on (after a validator-set change or an upgrade took effect).
    pub fn set_in_force(&mut self, in_force: InForce) {
        self.next_in_force = in_force;
    }

    /// Verifies the next block; on success the verifier moves to it and
    /// returns its hash (the next block's parent). On failure nothing changes.
    pub fn verify_next(
        &mut self,
        certified: &CertifiedBlock,
        past: &dyn ValidatorSets,
    ) -> Result<Hash, VerifyError> {
        let expected = Expected {
            chain_id: &self.start.chain_id,
            parent: self.parent(),
            in_force: &self.next_in_force,
            evidence_params: &self.start.evidence_params,
            supported_versions: &self.supported_versions,
        };
        let hash = verify_block(&expected, past, certified)?;
        self.last = Some((certified.block.header.clone(), self.next_in_force.clone()));
        Ok(hash)
    }

    /// Verifies `blocks` in order. Before each, `change_at(height)` may return
    /// the set and version in force from that height on (a validator-set
    /// change or an upgrade); `None` keeps the previous height's. Returns the
    /// last block's hash (the parent hash at genesis for no blocks); stops at
    /// the first error, the verifier then standing at the block before it.
    pub fn verify_all<'b, I, F>(
        &mut self,
        blocks: I,
        mut change_at: F,
        past: &dyn ValidatorSets,
    ) -> Result<Hash, VerifyError>
    where
        I: IntoIterator<Item = &'b CertifiedBlock>,
        F: FnMut(u64) -> Option<InForce>,
    {
        for certified in blocks {
            if let Some(in_force) = change_at(self.height().saturating_add(1)) {
                self.next_in_force = in_force;
            }
            self.verify_next(certified, past)?;
        }
        Ok(self.parent_hash())
    }

    fn parent(&self) -> Parent<'_> {
        match &self.last {
            None => Parent::Genesis {
                hash: self.start.genesis_hash,
                time_ms: self.start.genesis_time_ms,
            },
            Some((header, in_force)) => Parent::Block {
                header,
                validators: &in_force.validators,
            },
        }
    }
}
