//! What Byzantine validators send instead of (or besides) their honest messages.
//!
//! A Byzantine node runs the honest core; its outgoing messages pass through
//! [`Simulation::byzantine_outgoing`], which signs extra or different messages
//! with the node's key directly, bypassing the double-sign guard.

use civitas_consensus::ConsensusMessage;
use civitas_types::{Domain, Hash, Proposal, SignedProposal, SignedVote, encode};

use crate::application::{BLOCK_BYTES_MAX, BlockDefect, BlockInfo};
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
            ByzantineKind::InvalidProposer => match message {
                ConsensusMessage::Proposal(proposal) => {
                    self.invalid_proposals(node, proposal, &peers)
                }
                ConsensusMessage::Vote(_) => to_all(&honest),
            },
            ByzantineKind::TimeShifter => match message {
                ConsensusMessage::Proposal(proposal)
                    if proposal.proposal.proof_of_lock_round.is_none() =>
                {
                    let block = self.time_shifted_block(node, proposal.proposal.height);
                    self.replace_block(node, proposal, block, &peers)
                }
                _ => to_all(&honest),
            },
            ByzantineKind::Conspirator => self.conspire(node, message, &peers),
        }
    }

    /// Replaces the block of `node`'s proposal with an invalid one: for every
    /// peer, or for the odd ones only while the even ones get the valid block (so
    /// honest validators disagree on validity and must still never vote for it).
    fn invalid_proposals(
        &mut self,
        node: usize,
        proposal: &SignedProposal,
        peers: &[usize],
    ) -> Vec<(usize, Vec<u8>)> {
        let defect =
            BlockDefect::BUILDABLE[self.rng.below(BlockDefect::BUILDABLE.len() as u64) as usize];
        let block = self.defective_block(node, proposal.proposal.height, defect);
        self.replace_block(node, proposal, block, peers)
    }

    /// `node`'s proposal with `block` instead of its own, to every peer or, half
    /// the time, to the odd ones only while the even ones get the original.
    fn replace_block(
        &mut self,
        node: usize,
        proposal: &SignedProposal,
        block: Hash,
        peers: &[usize],
    ) -> Vec<(usize, Vec<u8>)> {
        let invalid = Proposal {
            block_hash: block,
            ..proposal.proposal.clone()
        };
        let invalid = encode(&ConsensusMessage::Proposal(
            invalid.sign(&self.nodes[node].key),
        ));
        let valid = encode(&ConsensusMessage::Proposal(proposal.clone()));
        let split = self.rng.chance(500);
        peers
            .iter()
            .map(|p| {
                let bytes = if split && p % 2 == 0 {
                    &valid
                } else {
                    &invalid
                };
                (*p, bytes.clone())
            })
            .collect()
    }

    /// A block for `height` by `node` on its last block, with a shifted time:
    /// far ahead of its clock (beyond any precision), as far behind as its
    /// parent allows (held back by 1–10 s, but after the parent), or not after
    /// its parent (invalid).
    fn time_shifted_block(&mut self, node: usize, height: u64) -> Hash {
        let correct = self.correct_block(node, height);
        let parent_time = self
            .application
            .time_ms(&correct.parent)
            .expect("the parent is a committed block");
        let shift = self.rng.between(1_000, 10_000);
        let precision = self.config.time_params.precision_ms;
        let time_ms = match self.rng.below(3) {
            0 => self.clock(node).saturating_add(precision + shift),
            1 => self
                .clock(node)
                .saturating_sub(shift)
                .max(parent_time.saturating_add(1)),
            _ => parent_time.saturating_sub(self.rng.below(2)),
        };
        self.application
            .build(BlockInfo { time_ms, ..correct }, self.now)
    }

    /// A block for `height` with `defect`, built by `node` on its last block.
    fn defective_block(&mut self, node: usize, height: u64, defect: BlockDefect) -> Hash {
        let tip = self.nodes[node].chain.last().map(|(block, _)| *block);
        let correct = self.correct_block(node, height);
        let info = match defect {
            // Replays the block committed at the previous height when there is one.
            BlockDefect::WrongHeight => match tip {
                Some(previous) => return previous,
                None => BlockInfo {
                    height: height.saturating_add(1),
                    ..correct
                },
            },
            BlockDefect::WrongParent | BlockDefect::Unknown | BlockDefect::TimeNotAfterParent => {
                BlockInfo {
                    parent: self.random_hash(),
                    ..correct
                }
            }
            BlockDefect::Oversized => BlockInfo {
                size_bytes: BLOCK_BYTES_MAX.saturating_add(1),
                ..correct
            },
            BlockDefect::BadStateRoot => BlockInfo {
                state_root_correct: false,
                ..correct
            },
            BlockDefect::BadTransaction => BlockInfo {
                transactions_valid: false,
                ..correct
            },
        };
        self.application.build(info, self.now)
    }

    /// For the [`crate::Sabotage::UnguardedSigner`] checker check: a vote
    /// conflicting with `message`, signed with `node`'s key directly.
    pub(crate) fn unguarded_conflict(
        &mut self,
        node: usize,
        message: &ConsensusMessage,
    ) -> Option<ConsensusMessage> {
        match message {
            ConsensusMessage::Vote(vote)
                if vote.vote.validator == self.nodes[node].key.public_key() =>
            {
                Some(self.conflicting(node, message, None))
            }
            _ => None,
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
                let block = target.unwrap_or_else(|| self.new_block(node, p.proposal.height));
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
                    let block = self.new_block(node, height);
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
