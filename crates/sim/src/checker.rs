//! Invariants checked continuously during a simulation.
//!
//! - Agreement: no two honest validators commit different blocks at a height.
//! - Validity: every committed block was proposed and is valid.
//! - Certificates: every committed block has a quorum certificate that verifies
//!   against the validator set of its height.
//! - No honest validator signs two different messages for one (height, round, step),
//!   and no evidence ever accuses an honest validator.

use std::collections::{BTreeMap, BTreeSet};

use civitas_consensus::ConsensusMessage;
use civitas_types::{
    ChainId, Evidence, Hash, PublicKey, QuorumCertificate, ValidatorSet, VoteType,
};

/// What the checker knows about a block.
#[derive(Clone, Copy, Debug)]
pub struct BlockInfo {
    /// Height it was built for.
    pub height: u64,
    /// Whether the application finds it valid.
    pub valid: bool,
}

/// The invariant checker of one run.
#[derive(Default)]
pub struct Checker {
    /// First block committed by an honest validator at each height.
    pub canonical: BTreeMap<u64, Hash>,
    signed: BTreeMap<(PublicKey, u64, u32, u8), Hash>,
    verified_certificates: BTreeSet<Hash>,
    /// Violations found, each a human-readable line.
    pub violations: Vec<String>,
}

impl Checker {
    /// Records a message sent by honest validator `node` (key `own_key`): if `node`
    /// signed it (it may be relaying someone else's proposal), flags a conflict with
    /// anything it signed before for the same height, round and step.
    pub fn on_honest_signature(
        &mut self,
        node: usize,
        own_key: &PublicKey,
        message: &ConsensusMessage,
    ) {
        let (key, digest, step) = match message {
            ConsensusMessage::Proposal(p) => (p.proposal.proposer, p.proposal.signing_digest(), 0),
            ConsensusMessage::Vote(v) => {
                let step = if v.vote.vote_type == VoteType::Prevote {
                    1
                } else {
                    2
                };
                (v.vote.validator, v.vote.signing_digest(), step)
            }
        };
        if key != *own_key {
            return;
        }
        let slot = (key, message.height(), message.round(), step);
        match self.signed.get(&slot) {
            Some(previous) if *previous != digest => self.violations.push(format!(
                "double sign: honest node {node} signed two messages for height {} round {} step {step}",
                slot.1, slot.2
            )),
            Some(_) => {}
            None => {
                self.signed.insert(slot, digest);
            }
        }
    }

    /// Checks a commit by an honest validator.
    #[allow(clippy::too_many_arguments)]
    pub fn on_honest_commit(
        &mut self,
        node: usize,
        height: u64,
        block: Hash,
        certificate: &QuorumCertificate,
        block_info: Option<BlockInfo>,
        chain_id: &ChainId,
        validators: &ValidatorSet,
    ) {
        match self.canonical.get(&height) {
            Some(first) if *first != block => self.violations.push(format!(
                "agreement: node {node} committed {block} at height {height}, another honest node committed {first}"
            )),
            Some(_) => {}
            None => {
                self.canonical.insert(height, block);
            }
        }
        match block_info {
            Some(info) if info.valid && info.height == height => {}
            _ => self.violations.push(format!(
                "validity: node {node} committed block {block} at height {height}, which is not a valid proposal for it"
            )),
        }
        let certificate_hash = certificate.hash();
        if self.verified_certificates.contains(&certificate_hash) {
            return;
        }
        match certificate.verify(chain_id, height, &block, validators) {
            Ok(_) => {
                self.verified_certificates.insert(certificate_hash);
            }
            Err(error) => self.violations.push(format!(
                "certificate: node {node} committed height {height} with a certificate that does not verify: {error}"
            )),
        }
    }

    /// Checks evidence reported by a validator: it must verify and accuse a Byzantine one.
    pub fn on_evidence(&mut self, evidence: &Evidence, byzantine_keys: &BTreeSet<PublicKey>) {
        if let Err(error) = evidence.verify() {
            self.violations.push(format!(
                "evidence that does not verify was reported: {error}"
            ));
        }
        if !byzantine_keys.contains(&evidence.offender()) {
            self.violations.push(format!(
                "evidence accuses honest validator {} at height {}",
                evidence.offender(),
                evidence.height()
            ));
        }
    }
}
