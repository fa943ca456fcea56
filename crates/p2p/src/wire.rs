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
use libp2p::gossipsub::{IdentTopic, TopicHash};

/// A consensus message as gossiped: proposals carry the proposed block, votes
/// carry nothing else.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ConsensusEnvelope {
    /// The signed proposal or vote.
    pub message: ConsensusMessage,
    /// The proposed block: present exactly when `message` is a proposal.
    pub block: Option<Block>,
}

/// A gossip topic, whatever the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Transactions submitted by citizens.
    Transactions,
    /// Proposals and votes.
    Consensus,
}

impl Topic {
    /// Every topic, in the order a node subscribes to them.
    pub const ALL: [Topic; 2] = [Topic::Transactions, Topic::Consensus];

    /// The topic's name within a chain's namespace.
    fn name(self) -> &'static str {
        match self {
            Topic::Transactions => "transactions",
            Topic::Consensus => "consensus",
        }
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The gossip topics of one chain.
#[derive(Clone, Debug)]
pub(crate) struct Topics {
    transactions: IdentTopic,
    consensus: IdentTopic,
}

impl Topics {
    /// The topics of `chain_id`.
    pub(crate) fn new(chain_id: &ChainId) -> Topics {
        let named = |topic: Topic| IdentTopic::new(format!("/civitas/{chain_id}/{topic}/1"));
        Topics {
            transactions: named(Topic::Transactions),
            consensus: named(Topic::Consensus),
        }
    }

    /// The libp2p topic of `topic` on this chain.
    pub(crate) fn get(&self, topic: Topic) -> &IdentTopic {
        match topic {
            Topic::Transactions => &self.transactions,
            Topic::Consensus => &self.consensus,
        }
    }

    /// Which of this chain's topics `hash` names, if any.
    pub(crate) fn which(&self, hash: &TopicHash) -> Option<Topic> {
        Topic::ALL
            .into_iter()
            .find(|topic| self.get(*topic).hash() == *hash)
    }
}
