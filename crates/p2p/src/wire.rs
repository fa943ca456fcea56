//! What travels on the gossip topics.
//!
//! Topic names carry the chain id, so nodes of two chains never exchange a
//! message: `/civitas/<chain-id>/transactions/1` carries one borsh-encoded
//! `SignedTransaction` per message, `/civitas/<chain-id>/consensus/1` one
//! [`ConsensusEnvelope`]. Message ids are the SHA-256 of the payload, so the same
//! bytes are delivered and forwarded once whoever publishes them.

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_consensus::ConsensusMessage;
use civitas_types::{Block, ChainId};
use libp2p::gossipsub::IdentTopic;

/// A consensus message as gossiped: proposals carry the proposed block, votes
/// carry nothing else.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ConsensusEnvelope {
    /// The signed proposal or vote.
    pub message: ConsensusMessage,
    /// The proposed block: present exactly when `message` is a proposal.
    pub block: Option<Block>,
}

/// The two gossip topics of a chain.
#[derive(Clone, Debug)]
pub struct Topics {
    /// Transactions submitted by citizens.
    pub transactions: IdentTopic,
    /// Proposals and votes.
    pub consensus: IdentTopic,
}

impl Topics {
    /// The topics of `chain_id`.
    pub fn new(chain_id: &ChainId) -> Topics {
        Topics {
            transactions: IdentTopic::new(format!("/civitas/{chain_id}/transactions/1")),
            consensus: IdentTopic::new(format!("/civitas/{chain_id}/consensus/1")),
        }
    }
}
