//! One block received from elsewhere, checked against what the verifier already
//! trusts: the chain it extends and the rules in force at its height.
//!
//! Two depths of checking:
//! - [`verify_synced_block`]: the link (chain, height, parent, validator set),
//!   the body against the header and the certificate against the set. That is
//!   what decides whether a *peer* sent a bad block during sync: a block that
//!   passes is final, signed by more than two thirds of the power.
//! - [`verify_block`]: all of it, plus what an auditor checks of a final block
//!   without executing it: the parent's announced validator set, the proposer,
//!   the protocol version, block time strictly after the parent's, the evidence
//!   and the certificate of the parent the block carries.
//!
//! Execution (state root, receipts, civic laws) is not here: it needs the state.

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_civic::ValidatorSets;
use civitas_types::{
    Block, ChainId, EvidenceParams, Hash, Header, QuorumCertificate, SignatureVerifier,
    ValidatorSet, Zip215Verifier, check_after_parent, decode,
};

use crate::error::VerifyError;
use crate::evidence::check_evidence;

/// A block with the quorum certificate that made it final: what block sync
/// serves (p2p calls it `SyncedBlock`) and what an auditor reads.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CertifiedBlock {
    /// The block.
    pub block: Block,
    /// Its quorum certificate.
    pub certificate: QuorumCertificate,
}

impl CertifiedBlock {
    /// Decodes a certified block strictly (canonical form, bounded sizes): a
    /// certificate naming a validator twice, for instance, is refused here.
    pub fn decode(bytes: &[u8]) -> Result<CertifiedBlock, VerifyError> {
        decode(bytes).map_err(VerifyError::Undecodable)
    }
}

/// The block a new block must extend.
#[derive(Clone, Copy, Debug)]
pub enum Parent<'a> {
    /// Block 1's parent: the genesis document.
    Genesis {
        /// The genesis document's hash.
        hash: Hash,
        /// The genesis time (ms since the Unix epoch).
        time_ms: u64,
    },
    /// A verified block.
    Block {
        /// Its header.
        header: &'a Header,
        /// The validator set that signed it.
        validators: &'a ValidatorSet,
    },
}

impl Parent<'_> {
    /// The height of the block that extends this parent.
    pub fn next_height(&self) -> u64 {
        match self {
            Parent::Genesis { .. } => 1,
            Parent::Block { header, .. } => header.height.saturating_add(1),
        }
    }

    /// The hash the next block names as its parent.
    pub fn hash(&self) -> Hash {
        match self {
            Parent::Genesis { hash, .. } => *hash,
            Parent::Block { header, .. } => header.hash(),
        }
    }

    /// The parent's time: the next block's time must be after it.
    pub fn time_ms(&self) -> u64 {
        match self {
            Parent::Genesis { time_ms, .. } => *time_ms,
            Parent::Block { header, .. } => header.time_ms,
        }
    }
}

/// What is in force at a height, known from executing the blocks before it
/// (or from the genesis document at height 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InForce {
    /// The validator set that signs the height.
    pub validators: ValidatorSet,
    /// The protocol version of the height (civic `protocol_version_at`).
    pub protocol_version: u32,
}

/// Everything [`verify_block`] checks a block against.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The chain being verified.
    pub chain_id: &'a ChainId,
    /// The block it must extend.
    pub parent: Parent<'a>,
    /// The set and version in force at its height.
    pub in_force: &'a InForce,
    /// The chain's evidence parameters (genesis consensus parameters).
    pub evidence_params: &'a EvidenceParams,
    /// The protocol versions this build knows how to check
    /// (`civitas_civic::SUPPORTED_PROTOCOL_VERSIONS` outside tests).
    pub supported_versions: &'a [u32],
}

/// Checks that `synced` is block `height` of `chain_id`, extends `parent`, that
/// its header commits to its body, and that its certificate makes it final
/// under `validators` (the set that signs `height`); returns its hash (the next
/// block's parent). Block sync calls it on every fetched block.
pub fn verify_synced_block(
    chain_id: &ChainId,
    validators: &ValidatorSet,
    height: u64,
    parent: &Hash,
    synced: &CertifiedBlock,
) -> Result<Hash, VerifyError> {
    check_link(chain_id, validators, height, parent, &synced.block.header)?;
    check_body(&synced.block)?;
    check_certificate(chain_id, validators, synced)
}

/// Every check of this crate on `certified`, against `expected`; `past` gives
/// the validator set and time of the heights its evidence is about. Returns
/// the block's hash. Cheap checks first, signatures last.
pub fn verify_block(
    expected: &Expected<'_>,
    past: &dyn ValidatorSets,
    certified: &CertifiedBlock,
) -> Result<Hash, VerifyError> {
    verify_proposed_block(expected, past, &certified.block, &mut Zip215Verifier)?;
    check_certificate(expected.chain_id, &expected.in_force.validators, certified)
}

/// Every check of [`verify_block`] but the block's own certificate: what a
/// validator checks on a proposed block, before anyone has voted for it (the
/// engine then re-executes it). The parent's certificate the block carries is
/// checked through `verifier` (a node's [`Zip215Verifier`], or the
/// simulator's memo shared by its nodes).
pub fn verify_proposed_block(
    expected: &Expected<'_>,
    past: &dyn ValidatorSets,
    block: &Block,
    verifier: &mut dyn SignatureVerifier,
) -> Result<(), VerifyError> {
    let header = &block.header;
    check_link(
        expected.chain_id,
        &expected.in_force.validators,
        expected.parent.next_height(),
        &expected.parent.hash(),
        header,
    )?;
    check_header_rules(expected, header)?;
    check_body(block)?;
    check_evidence(expected, past, block)?;
    check_last_commit(expected, block, verifier)
}

/// Chain, height, parent link and validator set.
fn check_link(
    chain_id: &ChainId,
    validators: &ValidatorSet,
    height: u64,
    parent: &Hash,
    header: &Header,
) -> Result<(), VerifyError> {
    if header.chain_id != *chain_id {
        return Err(VerifyError::WrongChain {
            height,
            expected: chain_id.clone(),
            found: header.chain_id.clone(),
        });
    }
    if header.height != height {
        return Err(VerifyError::WrongHeight {
            expected: height,
            found: header.height,
        });
    }
    if header.previous_block_hash != *parent {
        return Err(VerifyError::WrongParent {
            height,
            expected: *parent,
            found: header.previous_block_hash,
        });
    }
    let expected = validators.hash();
    if header.validators_hash != expected {
        return Err(VerifyError::WrongValidators {
            height,
            expected,
            found: header.validators_hash,
        });
    }
    Ok(())
}

/// What the header must keep beyond the link: the set its parent announced,
/// a proposer of the set, the version in force, time after the parent's.
fn check_header_rules(expected: &Expected<'_>, header: &Header) -> Result<(), VerifyError> {
    let height = header.height;
    if let Parent::Block { header: parent, .. } = expected.parent
        && parent.next_validators_hash != header.validators_hash
    {
        return Err(VerifyError::ValidatorsNotAnnounced {
            height,
            announced: parent.next_validators_hash,
            found: header.validators_hash,
        });
    }
    let in_force = expected.in_force;
    if in_force.validators.index_of(&header.proposer).is_none() {
        return Err(VerifyError::ProposerNotValidator {
            height,
            proposer: header.proposer,
        });
    }
    // A version this build does not know cannot be judged: say so before
    // comparing, so an old verifier never calls a good block invalid.
    if !expected
        .supported_versions
        .contains(&in_force.protocol_version)
    {
        return Err(VerifyError::UnsupportedProtocolVersion {
            height,
            version: in_force.protocol_version,
            supported: expected.supported_versions.to_vec(),
        });
    }
    if header.version != in_force.protocol_version {
        return Err(VerifyError::WrongProtocolVersion {
            height,
            expected: in_force.protocol_version,
            found: header.version,
        });
    }
    check_after_parent(header.time_ms, expected.parent.time_ms())
        .map_err(|source| VerifyError::StaleTime { height, source })
}

fn check_body(block: &Block) -> Result<(), VerifyError> {
    block.check_body().map_err(|source| VerifyError::Body {
        height: block.header.height,
        source,
    })
}

/// The parent's certificate the block carries must make the parent final
/// under the parent's set: the chain itself then proves every block but the
/// last final. (`check_body` already tied it to the previous height.)
fn check_last_commit(
    expected: &Expected<'_>,
    block: &Block,
    verifier: &mut dyn SignatureVerifier,
) -> Result<(), VerifyError> {
    let (Parent::Block { header, validators }, Some(commit)) =
        (expected.parent, block.last_commit.as_ref())
    else {
        return Ok(());
    };
    verifier
        .verify_certificate(
            commit,
            expected.chain_id,
            header.height,
            &header.hash(),
            validators,
        )
        .map(|_| ())
        .map_err(|source| VerifyError::LastCommit {
            height: block.header.height,
            parent_height: header.height,
            source,
        })
}

fn check_certificate(
    chain_id: &ChainId,
    validators: &ValidatorSet,
    certified: &CertifiedBlock,
) -> Result<Hash, VerifyError> {
    let height = certified.block.header.height;
    let hash = certified.block.hash();
    certified
        .certificate
        .verify(chain_id, height, &hash, validators)
        .map_err(|source| VerifyError::Certificate { height, source })?;
    Ok(hash)
}
