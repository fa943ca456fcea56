//! What Byzantine validators send instead of (or besides) their honest messages.
//!
//! A Byzantine node runs the honest engine; its outgoing messages pass through
//! [`Simulation::byzantine_outgoing`], which signs extra or different messages
//! with the node's key directly (bypassing the double-sign guard) and builds
//! other blocks — valid ones with the engine's own `build`, invalid ones by
//! breaking one rule in its honest block — recording each in the run's
//! [`crate::blocks::BlockRegistry`].

use civitas_civic::evidence::EvidencePool;
use civitas_consensus::ConsensusMessage;
use civitas_engine::build::{BuildOn, build};
use civitas_types::{
    AccountId, Block, BoundedBytes, BoundedVec, Domain, DuplicateVoteEvidence, Evidence, Hash,
    Proposal, Signature, SignedProposal, SignedTransaction, SignedVote, SigningKey,
    TransactionBody, Vote, VoteType, encode,
};

use crate::blocks::Defect;
use crate::config::{ByzantineKind, Sabotage};
use crate::network::Payload;
use crate::simulation::{MESSAGE_BYTES_MAX, Simulation};

/// A consensus payload.
fn envelope(message: ConsensusMessage, block: Option<Block>) -> Payload {
    Payload::Consensus {
        message,
        block: block.map(Box::new),
    }
}

impl Simulation {
    /// The (recipient, payload) pairs a Byzantine `node` sends for `message`.
    pub(crate) fn byzantine_outgoing(
        &mut self,
        node: usize,
        kind: ByzantineKind,
        message: ConsensusMessage,
        block: Option<Box<Block>>,
    ) -> Vec<(usize, Payload)> {
        let block = block.map(|b| *b);
        if let Some(block) = &block {
            self.register_block(block, false, None);
        }
        let peers: Vec<usize> = (0..self.nodes.len()).filter(|p| *p != node).collect();
        let to_all = |payload: Payload| -> Vec<(usize, Payload)> {
            peers.iter().map(|p| (*p, payload.clone())).collect()
        };
        let honest = envelope(message.clone(), block.clone());
        match (kind, &message, block) {
            (ByzantineKind::Silent, _, _) => Vec::new(),
            (ByzantineKind::Equivocator, _, block) => {
                let (other, other_block) = self.conflicting(node, &message, block.as_ref());
                let other = envelope(other, other_block);
                let hide = self.config.sabotage == Some(Sabotage::HideEquivocation);
                let mut out: Vec<(usize, Payload)> = peers
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
                    .collect();
                // Gossip would bring both to someone: here, the witness.
                if !hide && let Some(witness) = peers.iter().find(|p| **p == self.witness) {
                    let second = if witness % 2 == 0 { other } else { honest };
                    out.push((*witness, second));
                }
                out
            }
            (ByzantineKind::GarbageVoter, ConsensusMessage::Vote(vote), _) => {
                let garbage = self.random_hash();
                to_all(envelope(self.revote(node, vote, Some(garbage)), None))
            }
            (ByzantineKind::FarFuture, ConsensusMessage::Vote(vote), _) => {
                let mut far = vote.vote.clone();
                far.height = far.height.saturating_add(self.rng.between(2, 1_000_000));
                far.round = self.rng.next_u64() as u32;
                let signed = far.sign(&self.nodes[node].key);
                let mut out = to_all(honest);
                out.extend(to_all(envelope(ConsensusMessage::Vote(signed), None)));
                out
            }
            (ByzantineKind::Malformed, _, _) => {
                let bytes = encode(&message);
                let mut out = to_all(honest);
                let cut = self.rng.below(bytes.len() as u64) as usize;
                out.extend(to_all(Payload::Bytes(bytes[..cut].to_vec())));
                let random: Vec<u8> = (0..self.rng.between(1, 300))
                    .map(|_| self.rng.next_u64() as u8)
                    .collect();
                out.extend(to_all(Payload::Bytes(random)));
                out.extend(to_all(Payload::Bytes(vec![0u8; MESSAGE_BYTES_MAX + 1])));
                out
            }
            (ByzantineKind::InvalidProposer, ConsensusMessage::Proposal(proposal), Some(block)) => {
                let defect = match self.config.sabotage {
                    Some(Sabotage::TrustEverySignature) => Defect::ForgedLastCommit,
                    _ => Defect::DRAWN[self.rng.below(Defect::DRAWN.len() as u64) as usize],
                };
                let invalid = self.defective(node, &block, defect);
                self.replace_block(node, proposal, block, invalid, Some(defect), &peers)
            }
            (ByzantineKind::TimeShifter, ConsensusMessage::Proposal(proposal), Some(block))
                if proposal.proposal.proof_of_lock_round.is_none() =>
            {
                let (shifted, defect) = self.time_shifted(node, &block);
                self.replace_block(node, proposal, block, shifted, defect, &peers)
            }
            (ByzantineKind::Conspirator, _, block) => {
                self.conspire(node, &message, block.as_ref(), &peers)
            }
            _ => to_all(honest),
        }
    }

    /// `node`'s proposal with `replacement` instead of `block`, to every peer
    /// or, half the time, to the odd ones only while the even ones get the
    /// original (so honest validators disagree on validity and must still never
    /// vote for an invalid block).
    fn replace_block(
        &mut self,
        node: usize,
        proposal: &SignedProposal,
        block: Block,
        replacement: Block,
        defect: Option<Defect>,
        peers: &[usize],
    ) -> Vec<(usize, Payload)> {
        self.register_block(&replacement, false, defect);
        let replaced = self.resign(node, proposal, replacement.hash());
        let replaced = envelope(replaced, Some(replacement));
        let original = envelope(ConsensusMessage::Proposal(proposal.clone()), Some(block));
        let split = self.rng.chance(500);
        peers
            .iter()
            .map(|p| {
                let payload = if split && p % 2 == 0 {
                    &original
                } else {
                    &replaced
                };
                (*p, payload.clone())
            })
            .collect()
    }

    /// `proposal` for `block_hash` instead, signed by `node`.
    fn resign(&self, node: usize, proposal: &SignedProposal, block_hash: Hash) -> ConsensusMessage {
        let changed = Proposal {
            block_hash,
            ..proposal.proposal.clone()
        };
        ConsensusMessage::Proposal(changed.sign(&self.nodes[node].key))
    }

    /// Another valid block of `block`'s height by `node`, stamped `shift` ms
    /// later (so its hash differs), built by the engine's own `build`.
    fn alternative_block(&mut self, node: usize, block: &Block, shift: u64) -> Option<Block> {
        let engine = self.nodes[node].engine.as_ref()?;
        let on = BuildOn {
            tip: engine.tip(),
            validators_hash: block.header.validators_hash,
            protocol_version: block.header.version,
            proposer: self.nodes[node].key.public_key(),
            now_ms: block.header.time_ms.saturating_add(shift),
        };
        let evidence = EvidencePool::new();
        let built = build(
            engine.store(),
            engine.spec(),
            engine.mempool(),
            &evidence,
            &on,
        )
        .ok()?;
        let alternative = built.0;
        self.register_block(&alternative, false, None);
        Some(alternative)
    }

    /// A block for `block`'s height with a shifted time: far ahead of the
    /// proposer's clock (beyond any precision), as far behind as its parent
    /// allows (held back by 1–10 s, but after the parent), or not after its
    /// parent (invalid).
    fn time_shifted(&mut self, node: usize, block: &Block) -> (Block, Option<Defect>) {
        let parent_time = self.parent_time(node);
        let clock = self.clock(node);
        let shift = self.rng.between(1_000, 10_000);
        let precision = self.config.time_params.precision_ms;
        let time_ms = match self.rng.below(3) {
            0 => clock.saturating_add(precision + shift),
            1 => clock
                .saturating_sub(shift)
                .max(parent_time.saturating_add(1)),
            _ => {
                let mut stale = block.clone();
                stale.header.time_ms = parent_time.saturating_sub(self.rng.below(2));
                return (stale, Some(Defect::TimeNotAfterParent));
            }
        };
        let shifted = block.header.time_ms.abs_diff(time_ms);
        let rebuilt = if time_ms >= block.header.time_ms {
            self.alternative_block(node, block, shifted)
        } else {
            self.rebuilt_at(node, block, time_ms)
        };
        (rebuilt.unwrap_or_else(|| block.clone()), None)
    }

    /// `block` rebuilt by `node` at exactly `time_ms` (after the parent's).
    fn rebuilt_at(&mut self, node: usize, block: &Block, time_ms: u64) -> Option<Block> {
        let mut at = block.clone();
        at.header.time_ms = time_ms;
        self.alternative_block(node, &at, 0)
    }

    /// The time of `node`'s last committed block (the genesis time before any).
    fn parent_time(&self, node: usize) -> u64 {
        self.nodes[node]
            .engine
            .as_ref()
            .and_then(|engine| engine.tip().map(|tip| tip.header.time_ms))
            .unwrap_or(self.spec.genesis_time_ms)
    }

    /// `block` with `defect` built into it (or a close one where the height
    /// does not allow it, e.g. no parent certificate at height 1).
    fn defective(&mut self, node: usize, block: &Block, defect: Defect) -> Block {
        let mut bad = block.clone();
        let height = block.header.height;
        let previous = self.nodes[node].engine.as_ref().and_then(|engine| {
            engine
                .store()
                .memory()
                .blocks()
                .last()
                .map(|b| b.block.clone())
        });
        match defect {
            Defect::WrongHeight => match previous {
                Some(previous) => return previous,
                None => bad.header.height = height.saturating_add(1),
            },
            Defect::WrongParent => bad.header.previous_block_hash = self.random_hash(),
            Defect::BadStateRoot | Defect::TimeNotAfterParent => {
                bad.header.state_root = self.random_hash()
            }
            Defect::BadTransaction => {
                let mut forged = self.throwaway_transaction();
                let mut signatures = forged.signatures.clone().into_vec();
                if let Some(signature) = signatures.first_mut() {
                    signature.signature.0[0] ^= 0xff;
                }
                if let Ok(signatures) = BoundedVec::try_from_vec(signatures) {
                    forged.signatures = signatures;
                }
                let mut transactions = bad.transactions.clone().into_vec();
                transactions.push(forged);
                self.set_transactions(&mut bad, transactions);
            }
            Defect::OverLimits => {
                let one = self.throwaway_transaction();
                let count = self.spec.consensus.block.transactions_max as usize + 1;
                self.set_transactions(&mut bad, vec![one; count]);
            }
            Defect::ForgedEvidence => {
                let evidence = self.forged_evidence(node, height);
                if let Ok(evidence) = BoundedVec::try_from_vec(evidence) {
                    bad.evidence = evidence;
                }
                bad.header.evidence_root = Block::evidence_root(&bad.evidence);
            }
            Defect::ForgedLastCommit => match bad.last_commit.as_mut() {
                Some(commit) => {
                    let forged = commit
                        .signatures()
                        .iter()
                        .map(|s| civitas_types::CommitSignature {
                            validator_index: s.validator_index,
                            signature: Signature([0x5a; 64]),
                        })
                        .collect();
                    if let Ok(forged) = civitas_types::QuorumCertificate::new(
                        commit.height,
                        commit.round,
                        commit.block_hash,
                        forged,
                    ) {
                        *commit = forged;
                    }
                    bad.header.last_commit_hash = Block::last_commit_hash(bad.last_commit.as_ref());
                }
                None => bad.header.state_root = self.random_hash(),
            },
        }
        bad
    }

    fn set_transactions(&self, block: &mut Block, transactions: Vec<SignedTransaction>) {
        if let Ok(transactions) = BoundedVec::try_from_vec(transactions) {
            block.transactions = transactions;
        }
        block.header.transactions_root = Block::transactions_root(&block.transactions);
    }

    /// A well-signed transaction of a fresh account (harmless in itself).
    fn throwaway_transaction(&mut self) -> SignedTransaction {
        let key = SigningKey::from_seed(&self.random_hash().0);
        let body = TransactionBody {
            chain_id: self.spec.chain_id.clone(),
            signer: AccountId::from_public_key(&key.public_key()),
            sequence: 0,
            expiry_height: 1_000_000,
            payload: BoundedBytes::try_from_vec(vec![0]).unwrap_or_default(),
        };
        SignedTransaction::sign(body, &[&key]).expect("one signer is a valid signer set")
    }

    /// Evidence that the witness signed two prevotes at the previous height,
    /// the votes in fact signed by `node`'s key.
    fn forged_evidence(&mut self, node: usize, height: u64) -> Vec<Evidence> {
        let victim = self.nodes[self.witness].key.public_key();
        let (first, second) = (self.random_hash(), self.random_hash());
        let chain_id = self.spec.chain_id.clone();
        let vote = |block: Hash| Vote {
            chain_id: chain_id.clone(),
            vote_type: VoteType::Prevote,
            height: height.saturating_sub(1).max(1),
            round: 0,
            block_hash: Some(block),
            validator: victim,
        };
        let (a, b) = (vote(first), vote(second));
        let key = &self.nodes[node].key;
        DuplicateVoteEvidence::new(a.sign(key), b.sign(key))
            .map(|evidence| vec![Evidence::DuplicateVote(evidence)])
            .unwrap_or_default()
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
                Some(self.conflicting(node, message, None).0)
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

    /// A message conflicting with `message`: another valid block for a
    /// proposal (with that block), another value for a vote.
    fn conflicting(
        &mut self,
        node: usize,
        message: &ConsensusMessage,
        block: Option<&Block>,
    ) -> (ConsensusMessage, Option<Block>) {
        match (message, block) {
            (ConsensusMessage::Proposal(p), Some(block)) => {
                match self.alternative_block(node, block, 1) {
                    Some(other) => (self.resign(node, p, other.hash()), Some(other)),
                    None => (message.clone(), Some(block.clone())),
                }
            }
            (ConsensusMessage::Proposal(_), None) => (message.clone(), None),
            (ConsensusMessage::Vote(v), _) => {
                let other = match v.vote.block_hash {
                    Some(_) => None,
                    None => Some(self.random_hash()),
                };
                (self.revote(node, v, other), None)
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
        block: Option<&Block>,
        peers: &[usize],
    ) -> Vec<(usize, Payload)> {
        let (height, round) = (message.height(), message.round());
        let honest: Vec<usize> = peers
            .iter()
            .copied()
            .filter(|p| self.nodes[*p].is_honest())
            .collect();
        if let (ConsensusMessage::Proposal(_), Some(block)) = (message, block) {
            for group in 0..2u64 {
                if !self.conspiracy.contains_key(&(height, round, group))
                    && let Some(built) = self.alternative_block(node, block, 1 + group)
                {
                    self.conspiracy.insert((height, round, group), built);
                }
            }
        }
        let mut out = Vec::new();
        for (position, peer) in honest.iter().enumerate() {
            let group = (position % 2) as u64;
            let payload = match self.conspiracy.get(&(height, round, group)).cloned() {
                Some(group_block) => match message {
                    ConsensusMessage::Proposal(p) => {
                        let resigned = self.resign(node, p, group_block.hash());
                        envelope(resigned, Some(group_block))
                    }
                    ConsensusMessage::Vote(v) => {
                        envelope(self.revote(node, v, Some(group_block.hash())), None)
                    }
                },
                None => envelope(message.clone(), block.cloned()),
            };
            out.push((*peer, payload));
        }
        out
    }

    /// A hash no one proposed.
    pub(crate) fn random_hash(&mut self) -> Hash {
        let seed = self.rng.next_u64().to_le_bytes();
        Hash::tagged(Domain::Header, &seed)
    }
}
