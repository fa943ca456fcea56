//! What Byzantine validators send instead of (or besides) their honest messages.
//!
//! A Byzantine node runs the honest core; its outgoing messages pass through
//! [`Simulation::byzantine_outgoing`], which signs extra or different messages
//! with the node's key directly, bypassing the double-sign guard.

use civitas_consensus::ConsensusMessage;
use civitas_types::{Domain, Hash, Proposal, SignedVote, encode};

use crate::config::ByzantineKind;
use crate::simulation::{MESSAGE_BYTES_MAX, Simulation};

impl Simulation {
    /// The (recipient, bytes) pairs a Byzantine `node` sends for `message`.
    pub(crate) fn byzantine_outgoing(
        &mut self,
        node: usize,
        kind: ByzantineKind,
        message: &ConsensusMessage,
    ) -> Vec<(usize, Vec<u8>)> {
        let peers: Vec<usize> = (0..self.nodes.len()).filter(|p| *p != node).collect();
        let honest = encode(message);
        let to_all = |bytes: &Vec<u8>| {
            peers
                .iter()
                .map(|p| (*p, bytes.clone()))
                .collect::<Vec<_>>()
        };
        match kind {
            ByzantineKind::Silent => Vec::new(),
            ByzantineKind::Equivocator => {
                let other = encode(&self.conflicting(node, message, None));
                peers
                    .iter()
                    .map(|p| {
                        (
                            *p,
                            if p % 2 == 0 {
                                honest.clone()
                            } else {
                                other.clone()
                            },
                        )
                    })
                    .collect()
            }
            ByzantineKind::GarbageVoter => match message {
                ConsensusMessage::Vote(vote) => {
                    let garbage = self.random_hash();
                    to_all(&encode(&self.revote(node, vote, Some(garbage))))
                }
                ConsensusMessage::Proposal(_) => to_all(&honest),
            },
            ByzantineKind::FarFuture => {
                let mut out = to_all(&honest);
                if let ConsensusMessage::Vote(vote) = message {
                    let mut far = vote.vote.clone();
                    far.height = far.height.saturating_add(self.rng.between(2, 1_000_000));
                    far.round = self.rng.next_u64() as u32;
                    let signed = far.sign(&self.nodes[node].key);
                    out.extend(to_all(&encode(&ConsensusMessage::Vote(signed))));
                }
                out
            }
            ByzantineKind::Malformed => {
                let mut out = to_all(&honest);
                let cut = self.rng.below(honest.len() as u64) as usize;
                out.extend(to_all(&honest[..cut].to_vec()));
                let random: Vec<u8> = (0..self.rng.between(1, 300))
                    .map(|_| self.rng.next_u64() as u8)
                    .collect();
                out.extend(to_all(&random));
                out.extend(to_all(&vec![0u8; MESSAGE_BYTES_MAX + 1]));
                out
            }
            ByzantineKind::Conspirator => self.conspire(node, message, &peers),
        }
    }

    /// The same vote for another value, signed.
    fn revote(&self, node: usize, vote: &SignedVote, block: Option<Hash>) -> ConsensusMessage {
        let mut changed = vote.vote.clone();
        changed.block_hash = block;
        ConsensusMessage::Vote(changed.sign(&self.nodes[node].key))
    }

    /// A message conflicting with `message`: another valid block for a proposal,
    /// another value (or `target`) for a vote.
    fn conflicting(
        &mut self,
        node: usize,
        message: &ConsensusMessage,
        target: Option<Hash>,
    ) -> ConsensusMessage {
        match message {
            ConsensusMessage::Proposal(p) => {
                let block = target.unwrap_or_else(|| self.new_block(p.proposal.height, true));
                let proposal = Proposal {
                    block_hash: block,
                    ..p.proposal.clone()
                };
                ConsensusMessage::Proposal(proposal.sign(&self.nodes[node].key))
            }
            ConsensusMessage::Vote(v) => {
                let other = match (target, v.vote.block_hash) {
                    (Some(t), _) => Some(t),
                    (None, Some(_)) => None,
                    (None, None) => Some(self.random_hash()),
                };
                self.revote(node, v, other)
            }
        }
    }

    /// Split-brain: honest validators are split in two groups by parity; for each
    /// (height, round) whose proposer is a conspirator, each group is shown its own
    /// valid block, and every conspirator votes, to each group, for that group's block.
    fn conspire(
        &mut self,
        node: usize,
        message: &ConsensusMessage,
        peers: &[usize],
    ) -> Vec<(usize, Vec<u8>)> {
        let (height, round) = (message.height(), message.round());
        let honest: Vec<usize> = peers
            .iter()
            .copied()
            .filter(|p| self.nodes[*p].is_honest())
            .collect();
        if let ConsensusMessage::Proposal(_) = message {
            for group in 0..2u64 {
                if !self.conspiracy.contains_key(&(height, round, group)) {
                    let block = self.new_block(height, true);
                    self.conspiracy.insert((height, round, group), block);
                }
            }
        }
        let mut out = Vec::new();
        for (position, peer) in honest.iter().enumerate() {
            let group = (position % 2) as u64;
            let bytes = match self.conspiracy.get(&(height, round, group)).copied() {
                Some(block) => encode(&self.conflicting(node, message, Some(block))),
                None => encode(message),
            };
            out.push((*peer, bytes));
        }
        out
    }

    /// A hash no one proposed.
    pub(crate) fn random_hash(&mut self) -> Hash {
        let seed = self.rng.next_u64().to_le_bytes();
        Hash::tagged(Domain::Header, &seed)
    }
}
