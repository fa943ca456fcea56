//! Gossip validation: what a node checks before it delivers or forwards a message.
//!
//! Every message gets a [`Verdict`]: `Accept` forwards and delivers it, `Ignore`
//! drops it without blame (stale, rate-limited, already known), `Reject` drops it
//! and lowers the score of the peer that sent it (undecodable, forged, wrong
//! chain). Transactions are judged by the application (the mempool admission,
//! through [`TransactionGate`]); consensus messages by [`check_consensus`].

use civitas_consensus::ConsensusMessage;
use civitas_types::codec::decode;
use civitas_types::{ChainId, ValidatorSet};

use crate::wire::ConsensusEnvelope;

/// What to do with a gossiped message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid: deliver and forward.
    Accept,
    /// Not useful now, not the sender's fault: drop silently.
    Ignore(String),
    /// Invalid: drop, and count it against the sender.
    Reject(String),
}

/// The application's judgement of gossiped transactions: the mempool's admission
/// (strict decode, chain id, expiry, signature, sequence, caps). Called on the
/// network task, so it must be quick; `Accept` means the transaction was admitted.
pub trait TransactionGate: Send + Sync + 'static {
    /// Judges one encoded transaction from the network.
    fn check(&self, bytes: &[u8]) -> Verdict;
}

/// What a node knows when it judges a consensus message.
#[derive(Clone, Debug)]
pub struct ConsensusView {
    /// The chain.
    pub chain_id: ChainId,
    /// The height being decided (last committed + 1).
    pub height: u64,
    /// The validators of that height.
    pub validators: ValidatorSet,
}

/// Heights above the current one whose messages are still accepted (a peer that
/// has just committed may already vote on the next height).
pub const FUTURE_HEIGHTS: u64 = 1;

/// Decodes and checks a gossiped consensus message against `view`.
pub fn check_consensus(bytes: &[u8], view: &ConsensusView) -> Result<ConsensusEnvelope, Verdict> {
    let envelope: ConsensusEnvelope = decode(bytes)
        .map_err(|error| Verdict::Reject(format!("undecodable consensus message: {error}")))?;
    let height = envelope.message.height();
    if height < view.height {
        return Err(Verdict::Ignore(format!(
            "stale: height {height}, deciding {}",
            view.height
        )));
    }
    if height > view.height.saturating_add(FUTURE_HEIGHTS) {
        return Err(Verdict::Ignore(format!(
            "too far ahead: height {height}, deciding {}",
            view.height
        )));
    }
    let (chain_id, signer) = match &envelope.message {
        ConsensusMessage::Proposal(p) => (&p.proposal.chain_id, p.proposal.proposer),
        ConsensusMessage::Vote(v) => (&v.vote.chain_id, v.vote.validator),
    };
    if *chain_id != view.chain_id {
        return Err(Verdict::Reject(format!("message for chain {chain_id}")));
    }
    if view.validators.index_of(&signer).is_none() {
        // The next height's set may differ: only the current one is known for sure.
        return Err(if height == view.height {
            Verdict::Reject(format!("{signer} is not a validator at height {height}"))
        } else {
            Verdict::Ignore(format!("{signer} is not a known validator"))
        });
    }
    check_block_pairing(&envelope)?;
    let signature = match &envelope.message {
        ConsensusMessage::Proposal(p) => p.verify(),
        ConsensusMessage::Vote(v) => v.verify(),
    };
    signature.map_err(|_| Verdict::Reject(format!("bad signature from {signer}")))?;
    Ok(envelope)
}

/// A proposal carries exactly its block, a vote carries none.
fn check_block_pairing(envelope: &ConsensusEnvelope) -> Result<(), Verdict> {
    match (&envelope.message, &envelope.block) {
        (ConsensusMessage::Proposal(p), Some(block)) => {
            if block.header.height != p.proposal.height || block.hash() != p.proposal.block_hash {
                return Err(Verdict::Reject(
                    "the block is not the one the proposal names".to_string(),
                ));
            }
            block
                .check_body()
                .map_err(|error| Verdict::Reject(format!("proposed block: {error}")))
        }
        (ConsensusMessage::Proposal(_), None) => {
            Err(Verdict::Reject("a proposal without its block".to_string()))
        }
        (ConsensusMessage::Vote(_), Some(_)) => {
            Err(Verdict::Reject("a vote carrying a block".to_string()))
        }
        (ConsensusMessage::Vote(_), None) => Ok(()),
    }
}
