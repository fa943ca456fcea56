//! The Tendermint state machine of one validator (paper, Algorithm 1).
//!
//! [`Consensus::apply`] takes one [`Input`] and returns the [`Effect`]s to carry
//! out. After every input, the `upon` rules of the paper are evaluated until none
//! fires (each rule function names the pseudocode lines it implements), so the
//! order in which messages arrive never matters, only what has arrived.
//! Thresholds are weighted: "2f+1" is more than two thirds of the height's voting
//! power, "f+1" more than one third.

use std::collections::{BTreeMap, BTreeSet};

use civitas_types::{
    ChainId, Hash, Proposal, PublicKey, QuorumCertificate, Signature, SignedProposal, SignedVote,
    SigningKey, ValidatorSet, Vote, VoteType,
};

use crate::message::{ConsensusMessage, Effect, Input, Round, Step, Timeout, TimeoutKind};
use crate::params::TimeoutParams;
use crate::proposer::proposer_index;
use crate::signer::{Lock, SignStateStore, Signer, SignerError, StoreError};
use crate::vote_keeper::{AddVote, VoteKeeper};

/// Most distinct proposals kept per round (more means an equivocating proposer).
pub const PROPOSALS_PER_ROUND_MAX: usize = 4;
/// Most messages for the next height kept per validator (the message's signer)
/// until that height starts: one validator flooding the buffer fills only its
/// own share. 64 holds an honest validator's votes of 32 rounds; whatever does
/// not fit is re-sent by its rebroadcast once this validator reaches the height.
pub const NEXT_HEIGHT_MESSAGES_PER_VALIDATOR_MAX: usize = 64;
/// Bound on rule evaluations after one input (each firing moves the state forward).
const RULE_FIRINGS_MAX: usize = 64;

/// Checks signatures of consensus messages (defined beside the formats, so
/// the engine's block checks share it): injectable so a simulator can share
/// one cache of verified signatures among many nodes.
pub use civitas_types::{SignatureVerifier, Zip215Verifier};

/// Why the state machine stopped. Only local faults stop it: a peer's bad
/// message is dropped (or, for a provable equivocation, turned into
/// [`Effect::Evidence`]) and never reaches the driver as an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConsensusError {
    /// The signing state could not be loaded or saved (this node's disk): the
    /// validator stops rather than risk signing twice.
    #[error("consensus halted: {0}")]
    Halted(#[from] StoreError),
}

/// Rules that fire at most once per round ("for the first time" in the paper).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum OnceRule {
    PrevoteTimeout,
    LockOrValid,
    PrecommitTimeout,
}

/// A proposal as received, with the driver's verdicts on it.
#[derive(Clone)]
struct ReceivedProposal {
    proposal: SignedProposal,
    /// `valid(v)`: the application's verdict on the block.
    valid: bool,
    /// The block time was timely by this validator's clock on arrival (PBTS).
    timely: bool,
}

/// One validator's consensus state for the current height.
pub struct Consensus<S> {
    chain_id: ChainId,
    signer: Signer<S>,
    verifier: Box<dyn SignatureVerifier>,
    params: TimeoutParams,
    height: u64,
    round: Round,
    step: Step,
    locked: Option<(Round, Hash)>,
    valid: Option<(Round, Hash)>,
    votes: VoteKeeper,
    proposals: BTreeMap<Round, Vec<ReceivedProposal>>,
    fired: BTreeSet<(Round, OnceRule)>,
    evidence_seen: BTreeSet<Hash>,
    helped: BTreeSet<(usize, Round)>,
    next_height: BTreeMap<PublicKey, Vec<Input>>,
    halted: Option<StoreError>,
}

impl<S: SignStateStore> Consensus<S> {
    /// A validator (or observer, if `key` is not in `validators`) starting at
    /// `height`. If the signing state shows an unfinished round of this height (a
    /// restart), the validator resumes it with its lock and re-sends its last
    /// message; otherwise it starts round 0. Returns the first effects.
    pub fn start(
        chain_id: ChainId,
        key: SigningKey,
        store: S,
        params: TimeoutParams,
        height: u64,
        validators: ValidatorSet,
    ) -> Result<(Consensus<S>, Vec<Effect>), ConsensusError> {
        let signer = Signer::new(key, store)?;
        let mut consensus = Consensus {
            chain_id,
            signer,
            verifier: Box::new(Zip215Verifier),
            params,
            height,
            round: 0,
            step: Step::Propose,
            locked: None,
            valid: None,
            votes: VoteKeeper::new(validators.clone()),
            proposals: BTreeMap::new(),
            fired: BTreeSet::new(),
            evidence_seen: BTreeSet::new(),
            helped: BTreeSet::new(),
            next_height: BTreeMap::new(),
            halted: None,
        };
        let mut effects = Vec::new();
        consensus.enter_height(height, validators, &mut effects);
        Ok((consensus, effects))
    }

    /// Replaces the signature verifier (e.g. with a caching one).
    pub fn with_verifier(mut self, verifier: Box<dyn SignatureVerifier>) -> Self {
        self.verifier = verifier;
        self
    }

    /// Current height.
    pub fn height(&self) -> u64 {
        self.height
    }

    /// Current round.
    pub fn round(&self) -> Round {
        self.round
    }

    /// Current step.
    pub fn step(&self) -> Step {
        self.step
    }

    /// The lock: (round, block), if locked.
    pub fn locked(&self) -> Option<(Round, Hash)> {
        self.locked
    }

    /// Why the state machine stopped, if it did (always a local fault).
    pub fn halted(&self) -> Option<ConsensusError> {
        self.halted.map(ConsensusError::Halted)
    }

    /// Starts `height` (after the previous one was decided and committed) with
    /// the set the application says signs it.
    pub fn start_height(&mut self, height: u64, validators: ValidatorSet) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.halted.is_none() && height > self.height {
            self.enter_height(height, validators, &mut effects);
        }
        effects
    }

    /// Processes one input; returns the effects to carry out, in order.
    pub fn apply(&mut self, input: Input) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.halted.is_some() {
            return effects;
        }
        self.dispatch(input, &mut effects);
        self.evaluate_rules(&mut effects);
        effects
    }

    fn enter_height(&mut self, height: u64, validators: ValidatorSet, effects: &mut Vec<Effect>) {
        self.height = height;
        self.votes = VoteKeeper::new(validators);
        self.proposals.clear();
        self.fired.clear();
        self.evidence_seen.clear();
        self.helped.clear();
        self.locked = None;
        self.valid = None;
        let resumed = self.resume_from_sign_state(effects);
        if !resumed {
            self.start_round(0, effects);
        }
        let buffered = std::mem::take(&mut self.next_height);
        for input in buffered.into_values().flatten() {
            self.dispatch(input, effects);
        }
        self.evaluate_rules(effects);
    }

    /// After a restart in the middle of this height: restore the lock, the round and
    /// the step from the saved signing state, count and re-send the last message.
    fn resume_from_sign_state(&mut self, effects: &mut Vec<Effect>) -> bool {
        let Some(state) = self.signer.last().cloned() else {
            return false;
        };
        if state.last_signed.height() != self.height {
            return false;
        }
        self.round = state.last_signed.round();
        if let Some(lock) = state.lock {
            self.locked = Some((lock.round, lock.block));
            // A lock is a polka: it is also the valid value (lockedRound ≤ validRound).
            self.valid = Some((lock.round, lock.block));
            for vote in lock.polka.iter() {
                if let Some(index) = self.votes.validators().index_of(&vote.vote.validator) {
                    let _ = self.votes.add_vote(index, vote.clone(), self.round);
                }
            }
        }
        for vote in state.height_votes.iter() {
            if let Some(index) = self.own_index() {
                let _ = self.votes.add_vote(index, vote.clone(), self.round);
            }
        }
        self.step = match &state.last_signed {
            ConsensusMessage::Proposal(_) => Step::Propose,
            ConsensusMessage::Vote(v) if v.vote.vote_type == VoteType::Prevote => Step::Prevote,
            ConsensusMessage::Vote(_) => Step::Precommit,
        };
        let kind = match self.step {
            Step::Propose => TimeoutKind::Propose,
            Step::Prevote => TimeoutKind::Prevote,
            _ => TimeoutKind::Precommit,
        };
        self.schedule(kind, effects);
        self.record_own(state.last_signed.clone());
        effects.push(Effect::Broadcast(state.last_signed));
        true
    }

    fn dispatch(&mut self, input: Input, effects: &mut Vec<Effect>) {
        match input {
            Input::Proposal {
                proposal,
                block_valid,
                timely,
            } => self.on_proposal(proposal, block_valid, timely),
            Input::Vote(vote) => self.on_vote(vote, effects),
            Input::Timeout(timeout) => self.on_timeout(timeout, effects),
            Input::ProposeValue {
                height,
                round,
                block_hash,
            } => {
                if height == self.height && round == self.round && self.step == Step::Propose {
                    self.propose(block_hash, None, effects);
                }
            }
            Input::SyncedCommit {
                certificate,
                block_valid,
            } => self.on_synced_commit(certificate, block_valid, effects),
            Input::Rebroadcast => self.rebroadcast(effects),
        }
    }

    /// Keeps a message of the next height until it starts, in its signer's share.
    /// The signer must be a validator of the current height (the next height's set
    /// is not known yet; sets change only through the application, two heights
    /// after the deciding block), so there are at most as many shares as
    /// validators; the signature is checked first, so no one can spend another
    /// validator's share. First come, first kept: nothing is ever evicted.
    fn buffer_next_height(
        &mut self,
        signer: PublicKey,
        digest: Hash,
        signature: &Signature,
        input: Input,
    ) {
        if self.votes.validators().index_of(&signer).is_none() {
            return;
        }
        let share = self.next_height.entry(signer).or_default();
        if share.len() >= NEXT_HEIGHT_MESSAGES_PER_VALIDATOR_MAX || share.contains(&input) {
            return;
        }
        if self.verifier.verify(&signer, &digest, signature) {
            share.push(input);
        }
    }

    fn on_proposal(&mut self, proposal: SignedProposal, block_valid: bool, timely: bool) {
        let (height, round) = (proposal.proposal.height, proposal.proposal.round);
        if height == self.height.saturating_add(1) {
            let (signer, digest) = (
                proposal.proposal.proposer,
                proposal.proposal.signing_digest(),
            );
            let signature = proposal.signature;
            let input = Input::Proposal {
                proposal,
                block_valid,
                timely,
            };
            self.buffer_next_height(signer, digest, &signature, input);
            return;
        }
        if height != self.height || proposal.proposal.chain_id != self.chain_id {
            return;
        }
        let validators = self.votes.validators();
        let expected = proposer_index(validators, height, round);
        let Some(proposer) = validators.get(expected).map(|v| v.public_key) else {
            return;
        };
        let digest = proposal.proposal.signing_digest();
        if proposal.proposal.proposer != proposer
            || !self
                .verifier
                .verify(&proposer, &digest, &proposal.signature)
        {
            return;
        }
        if !self.votes.add_sender(round, expected, self.round) {
            return;
        }
        let list = self.proposals.entry(round).or_default();
        let hash = proposal.proposal.block_hash;
        // The first arrival of a block counts: its arrival time is the one PBTS
        // judges (a later copy, e.g. a rebroadcast, does not make it timely).
        if list.iter().any(|r| r.proposal.proposal.block_hash == hash)
            || list.len() >= PROPOSALS_PER_ROUND_MAX
        {
            return;
        }
        list.push(ReceivedProposal {
            proposal,
            valid: block_valid,
            timely,
        });
    }

    fn on_vote(&mut self, vote: SignedVote, effects: &mut Vec<Effect>) {
        let height = vote.vote.height;
        if height == self.height.saturating_add(1) {
            let (signer, digest) = (vote.vote.validator, vote.vote.signing_digest());
            let signature = vote.signature;
            self.buffer_next_height(signer, digest, &signature, Input::Vote(vote));
            return;
        }
        if height != self.height || vote.vote.chain_id != self.chain_id {
            return;
        }
        let Some(index) = self.votes.validators().index_of(&vote.vote.validator) else {
            return;
        };
        let digest = vote.vote.signing_digest();
        if !self
            .verifier
            .verify(&vote.vote.validator, &digest, &vote.signature)
        {
            return;
        }
        let (round, sender) = (vote.vote.round, vote.vote.validator);
        if round < self.round {
            self.help_catch_up(index, sender, round, effects);
        }
        if let AddVote::Equivocation(evidence) = self.votes.add_vote(index, vote, self.round)
            && self.evidence_seen.insert(evidence.hash())
        {
            effects.push(Effect::Evidence(*evidence));
        }
    }

    /// Paper lines 57–66.
    fn on_timeout(&mut self, timeout: Timeout, effects: &mut Vec<Effect>) {
        if timeout.height != self.height || timeout.round != self.round {
            return;
        }
        match (timeout.kind, self.step) {
            // Line 57: OnTimeoutPropose while step = propose → prevote nil.
            (TimeoutKind::Propose, Step::Propose) => self.vote(VoteType::Prevote, None, effects),
            // Line 61: OnTimeoutPrevote while step = prevote → precommit nil.
            (TimeoutKind::Prevote, Step::Prevote) => self.vote(VoteType::Precommit, None, effects),
            // Line 65: OnTimeoutPrecommit → StartRound(round + 1).
            (TimeoutKind::Precommit, Step::Propose | Step::Prevote | Step::Precommit) => {
                self.start_round(self.round.saturating_add(1), effects)
            }
            _ => {}
        }
    }

    fn on_synced_commit(
        &mut self,
        certificate: QuorumCertificate,
        block_valid: bool,
        effects: &mut Vec<Effect>,
    ) {
        if certificate.height != self.height || self.step == Step::Commit || !block_valid {
            return;
        }
        // Through the injected verifier, like votes: a signature already seen in
        // a precommit is not verified again.
        let verifier = &mut self.verifier;
        let verified = certificate
            .verify_each(
                &self.chain_id,
                self.height,
                &certificate.block_hash,
                self.votes.validators(),
                &mut |key, digest, signature| verifier.verify(key, digest, signature),
            )
            .is_ok();
        if verified {
            self.decide(certificate, effects);
        }
    }

    /// A validator still in an earlier `round` gets every vote of that round this
    /// validator holds, once per rebroadcast period: the paper's liveness argument
    /// assumes gossip relays what any correct validator received (including a
    /// Byzantine validator's votes that it alone may have heard).
    fn help_catch_up(
        &mut self,
        index: usize,
        validator: PublicKey,
        round: Round,
        effects: &mut Vec<Effect>,
    ) {
        if Some(index) == self.own_index() || !self.helped.insert((index, round)) {
            return;
        }
        for vote in self.votes.round_votes(round) {
            effects.push(Effect::SendTo {
                validator,
                message: ConsensusMessage::Vote(vote),
            });
        }
    }

    /// Re-sends this validator's votes of every round of the height so far (a
    /// validator stuck in an earlier round needs them: the algorithm assumes every
    /// message is eventually delivered), and the current round's proposals with
    /// their proof of lock.
    fn rebroadcast(&mut self, effects: &mut Vec<Effect>) {
        self.helped.clear();
        if let Some(index) = self.own_index() {
            for vote in self.votes.votes_of(index, self.round) {
                effects.push(Effect::Broadcast(ConsensusMessage::Vote(vote)));
            }
        }
        let proposals: Vec<SignedProposal> = self
            .proposals
            .get(&self.round)
            .map(|list| {
                list.iter()
                    .filter(|r| r.valid)
                    .map(|r| r.proposal.clone())
                    .collect()
            })
            .unwrap_or_default();
        for proposal in proposals {
            self.relay_proof_of_lock(&proposal, effects);
            effects.push(Effect::Broadcast(ConsensusMessage::Proposal(proposal)));
        }
    }

    /// With a proposal that re-proposes a block from valid round `vr`, the prevotes
    /// of that polka are sent too, so that every validator can check line 28's
    /// condition even if it missed them (the gossip of "proof-of-lock" votes).
    fn relay_proof_of_lock(&self, proposal: &SignedProposal, effects: &mut Vec<Effect>) {
        if let Some(valid_round) = proposal.proposal.proof_of_lock_round {
            for vote in self.votes.polka(valid_round, &proposal.proposal.block_hash) {
                effects.push(Effect::Broadcast(ConsensusMessage::Vote(vote)));
            }
        }
    }

    fn own_index(&self) -> Option<usize> {
        self.votes.validators().index_of(&self.signer.public_key())
    }

    /// Paper lines 11–21: StartRound.
    fn start_round(&mut self, round: Round, effects: &mut Vec<Effect>) {
        self.round = round;
        self.step = Step::Propose;
        let proposer = proposer_index(self.votes.validators(), self.height, round);
        if Some(proposer) == self.own_index() {
            match self.valid {
                Some((valid_round, value)) => self.propose(value, Some(valid_round), effects),
                None => effects.push(Effect::GetValue {
                    height: self.height,
                    round,
                }),
            }
        }
        self.schedule(TimeoutKind::Propose, effects);
    }

    fn schedule(&self, kind: TimeoutKind, effects: &mut Vec<Effect>) {
        effects.push(Effect::ScheduleTimeout {
            timeout: Timeout {
                height: self.height,
                round: self.round,
                kind,
            },
            duration_ms: self.params.duration_ms(kind, self.round),
        });
    }

    fn propose(&mut self, block_hash: Hash, valid_round: Option<Round>, effects: &mut Vec<Effect>) {
        let proposal = Proposal {
            chain_id: self.chain_id.clone(),
            height: self.height,
            round: self.round,
            proof_of_lock_round: valid_round,
            block_hash,
            proposer: self.signer.public_key(),
        };
        match self.signer.sign_proposal(proposal, self.current_lock()) {
            Ok(signed) => {
                self.record_own(ConsensusMessage::Proposal(signed.clone()));
                self.relay_proof_of_lock(&signed, effects);
                effects.push(Effect::Broadcast(ConsensusMessage::Proposal(signed)));
            }
            Err(error) => self.on_sign_error(error),
        }
    }

    /// Signs and sends a vote for the current round; counts it locally.
    fn vote(&mut self, vote_type: VoteType, block_hash: Option<Hash>, effects: &mut Vec<Effect>) {
        self.step = match vote_type {
            VoteType::Prevote => Step::Prevote,
            VoteType::Precommit => Step::Precommit,
        };
        if self.own_index().is_none() {
            return;
        }
        let vote = Vote {
            chain_id: self.chain_id.clone(),
            vote_type,
            height: self.height,
            round: self.round,
            block_hash,
            validator: self.signer.public_key(),
        };
        match self.signer.sign_vote(vote, self.current_lock()) {
            Ok(signed) => {
                self.record_own(ConsensusMessage::Vote(signed.clone()));
                effects.push(Effect::Broadcast(ConsensusMessage::Vote(signed)));
            }
            Err(error) => self.on_sign_error(error),
        }
    }

    /// The lock with its polka, as saved with each signature.
    fn current_lock(&self) -> Option<Lock> {
        let (round, block) = self.locked?;
        let polka = self.votes.polka(round, &block);
        let polka = civitas_types::BoundedVec::try_from_vec(polka).unwrap_or_default();
        Some(Lock {
            round,
            block,
            polka,
        })
    }

    /// Counts this validator's own message as if received.
    fn record_own(&mut self, message: ConsensusMessage) {
        match message {
            ConsensusMessage::Vote(vote) => {
                if let Some(index) = self.own_index() {
                    let _ = self.votes.add_vote(index, vote, self.round);
                }
            }
            ConsensusMessage::Proposal(proposal) => {
                if let Some(index) = self.own_index() {
                    let _ = self
                        .votes
                        .add_sender(proposal.proposal.round, index, self.round);
                }
                let list = self.proposals.entry(proposal.proposal.round).or_default();
                if list.len() < PROPOSALS_PER_ROUND_MAX {
                    // Its own block: built on its own clock after waiting past
                    // the parent's time, so timely by construction.
                    list.push(ReceivedProposal {
                        proposal,
                        valid: true,
                        timely: true,
                    });
                }
            }
        }
    }

    fn on_sign_error(&mut self, error: SignerError) {
        // Regression/Conflict: the guard did its job (e.g. after a restart); stay
        // silent for this step. A store failure stops the validator.
        if let SignerError::Store(fault) = error {
            self.halted = Some(fault);
        }
    }

    fn decide(&mut self, certificate: QuorumCertificate, effects: &mut Vec<Effect>) {
        self.step = Step::Commit;
        effects.push(Effect::Decide {
            height: self.height,
            block_hash: certificate.block_hash,
            certificate,
        });
    }

    fn evaluate_rules(&mut self, effects: &mut Vec<Effect>) {
        for _ in 0..RULE_FIRINGS_MAX {
            if self.step == Step::Commit || self.halted.is_some() {
                return;
            }
            let fired = self.rule_decide(effects)
                || self.rule_skip_round(effects)
                || self.rule_prevote_proposal(effects)
                || self.rule_schedule_prevote_timeout(effects)
                || self.rule_lock_on_polka(effects)
                || self.rule_precommit_nil(effects)
                || self.rule_schedule_precommit_timeout(effects);
            if !fired {
                return;
            }
        }
    }

    fn valid_proposal(&self, round: Round, block: &Hash) -> bool {
        self.proposals.get(&round).is_some_and(|list| {
            list.iter()
                .any(|r| r.valid && r.proposal.proposal.block_hash == *block)
        })
    }

    /// Lines 49–54: a proposal for v in some round r and 2f+1 precommits for v in r → decide v.
    fn rule_decide(&mut self, effects: &mut Vec<Effect>) -> bool {
        let decided = self
            .votes
            .decided_rounds()
            .into_iter()
            .find(|(round, block)| self.valid_proposal(*round, block));
        let Some((round, block)) = decided else {
            return false;
        };
        let signatures = self.votes.commit_signatures(round, &block);
        match QuorumCertificate::new(self.height, round, block, signatures) {
            Ok(certificate) => {
                self.decide(certificate, effects);
                true
            }
            Err(_) => false,
        }
    }

    /// Line 55: f+1 messages of a higher round → StartRound(that round).
    fn rule_skip_round(&mut self, effects: &mut Vec<Effect>) -> bool {
        match self.votes.skip_round(self.round) {
            Some(round) => {
                self.start_round(round, effects);
                true
            }
            None => false,
        }
    }

    /// Lines 22–33: the round's proposal, in step propose → prevote it or nil.
    fn rule_prevote_proposal(&mut self, effects: &mut Vec<Effect>) -> bool {
        if self.step != Step::Propose {
            return false;
        }
        let Some(ReceivedProposal {
            proposal,
            valid,
            timely,
        }) = self
            .proposals
            .get(&self.round)
            .and_then(|l| l.first())
            .cloned()
        else {
            return false;
        };
        let block = proposal.proposal.block_hash;
        let accept = match proposal.proposal.proof_of_lock_round {
            // Line 22 with PBTS (CometBFT's proposer-based timestamps, line 23 of
            // its algorithm): PROPOSAL(h, r, v, −1): valid(v) ∧ timely(v) ∧
            // (lockedRound = −1 ∨ lockedValue = v). An untimely fresh block gets nil.
            None => valid && timely && self.locked.is_none_or(|(_, locked)| locked == block),
            // Line 28: PROPOSAL(h, r, v, vr) ∧ 2f+1 PREVOTE(h, vr, id(v)), 0 ≤ vr < r:
            // valid(v) ∧ (lockedRound ≤ vr ∨ lockedValue = v). Timeliness is not
            // asked: the block keeps its original time, which the polka's 2f+1
            // prevotes (f+1 of them correct) already found timely.
            Some(valid_round) => {
                // A valid round not below the round matches no rule: ignored (the
                // propose timeout will prevote nil). Without the polka: wait for it.
                if valid_round >= self.round
                    || !self
                        .votes
                        .has_quorum_for(valid_round, VoteType::Prevote, Some(block))
                {
                    return false;
                } else {
                    valid
                        && self.locked.is_none_or(|(locked_round, locked)| {
                            locked_round <= valid_round || locked == block
                        })
                }
            }
        };
        self.vote(VoteType::Prevote, accept.then_some(block), effects);
        true
    }

    fn fire_once(&mut self, rule: OnceRule) -> bool {
        self.fired.insert((self.round, rule))
    }

    /// Line 34: 2f+1 prevotes for anything in step prevote, first time → schedule timeoutPrevote.
    fn rule_schedule_prevote_timeout(&mut self, effects: &mut Vec<Effect>) -> bool {
        if self.step == Step::Prevote
            && self.votes.has_quorum_any(self.round, VoteType::Prevote)
            && self.fire_once(OnceRule::PrevoteTimeout)
        {
            self.schedule(TimeoutKind::Prevote, effects);
            return true;
        }
        false
    }

    /// Lines 36–43: proposal for v, valid, and 2f+1 prevotes for v in this round, step ≥
    /// prevote, first time → (if prevote: lock v and precommit v) and validValue = v.
    fn rule_lock_on_polka(&mut self, effects: &mut Vec<Effect>) -> bool {
        if self.step < Step::Prevote || self.fired.contains(&(self.round, OnceRule::LockOrValid)) {
            return false;
        }
        let Some(Some(block)) = self.votes.quorum_value(self.round, VoteType::Prevote) else {
            return false;
        };
        if !self.valid_proposal(self.round, &block) {
            return false;
        }
        self.fire_once(OnceRule::LockOrValid);
        if self.step == Step::Prevote {
            self.locked = Some((self.round, block));
            self.vote(VoteType::Precommit, Some(block), effects);
        }
        self.valid = Some((self.round, block));
        true
    }

    /// Lines 44–46: 2f+1 prevotes for nil in step prevote → precommit nil.
    fn rule_precommit_nil(&mut self, effects: &mut Vec<Effect>) -> bool {
        if self.step == Step::Prevote
            && self
                .votes
                .has_quorum_for(self.round, VoteType::Prevote, None)
        {
            self.vote(VoteType::Precommit, None, effects);
            return true;
        }
        false
    }

    /// Line 47: 2f+1 precommits for anything, first time → schedule timeoutPrecommit.
    fn rule_schedule_precommit_timeout(&mut self, effects: &mut Vec<Effect>) -> bool {
        if self.votes.has_quorum_any(self.round, VoteType::Precommit)
            && self.fire_once(OnceRule::PrecommitTimeout)
        {
            self.schedule(TimeoutKind::Precommit, effects);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests;
