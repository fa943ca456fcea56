//! [`ChainAudit`]: the chain replayed block by block on a store of the
//! auditor's own, exactly as a validator's engine judges a proposal.
//!
//! A block's certificate travels in the next block (`last_commit`), so a
//! block is executed when it arrives and committed when its certificate
//! does: by the next block, or, for the last one, by [`ChainAudit::finish`].
//!
//! Pipelined: when block `n + 1` arrives its transaction signatures are
//! verified (ZIP-215 batches over [`ChainAudit::set_signature_threads`]
//! threads) while block `n`, verified on the previous call, is executed and
//! committed on the caller's thread. The checks run in the same order as
//! one block at a time, so the first bad height and its reason are the
//! same; a block's own failure is reported by the call that gives the next
//! block (or by [`ChainAudit::finish`]). Only the last block is kept
//! ([`MemoryStore::keeping_blocks`]): memory follows the state, not the
//! chain's length.

use civitas_civic::invariants::{check_block, check_figures, check_programme_entries};
use civitas_civic::keys;
use civitas_engine::execution::{Executed, ExecutionFailure};
use civitas_engine::validate::{Parent, VerifiedBlock, validate_verified};
use civitas_engine::{ChainSpec, ChainStore, Decided, EngineError, MemoryStore, MemoryView};
use civitas_genesis::GenesisDocument;
use civitas_state_tree::MemoryState;
use civitas_types::{Block, Hash, QuorumCertificate, SignatureVerifier, Zip215Verifier, decode};

use crate::error::{AuditError, AuditFailure, StoredMismatch};
use crate::summary::AuditSummary;

/// A block executed, waiting for its certificate to be committed.
struct Pending {
    block: Block,
    executed: Executed<MemoryState>,
}

/// The audit of one chain, from its genesis.
pub struct ChainAudit {
    spec: ChainSpec,
    store: MemoryStore,
    verifier: Zip215Verifier,
    /// The last block received: signatures verified, not executed yet.
    waiting: Option<VerifiedBlock>,
    /// A block executed, waiting for its certificate (between calls only
    /// after a refused block, whose call executed the waiting one).
    pending: Option<Pending>,
    /// The state the last commit replaced: freed on a verifying thread.
    retired: Option<MemoryState>,
    /// Threads verifying a block's signatures.
    threads: usize,
    summary: AuditSummary,
}

impl ChainAudit {
    /// An audit of the chain of `genesis`, which must keep every genesis rule.
    pub fn new(genesis: &GenesisDocument) -> Result<ChainAudit, AuditError> {
        let at_genesis = |failure| AuditError::at(genesis.initial_height, failure);
        let checked = genesis
            .check()
            .map_err(|e| at_genesis(AuditFailure::Genesis(e)))?;
        let hash = genesis.hash();
        let store = MemoryStore::from_genesis(&checked, genesis.initial_height)
            .map_err(|e| at_genesis(AuditFailure::Local(EngineError::Store(e))))?;
        Ok(ChainAudit {
            spec: ChainSpec::from_genesis(genesis, hash),
            store: store.keeping_blocks(1),
            verifier: Zip215Verifier,
            waiting: None,
            pending: None,
            retired: None,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            summary: AuditSummary {
                chain_id: genesis.chain_id.as_str().to_owned(),
                genesis_hash: hash.to_string(),
                ..AuditSummary::default()
            },
        })
    }

    /// Verifies each block's transaction signatures on `threads` threads
    /// (at least 1; by default the machine's cores). The verdicts do not
    /// depend on it.
    pub fn set_signature_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// The threads verifying each block's transaction signatures.
    pub fn signature_threads(&self) -> usize {
        self.threads
    }

    /// The height the next block must have.
    pub fn next_height(&self) -> u64 {
        let executed = u64::from(self.pending.is_some() || self.waiting.is_some());
        self.spec
            .initial_height
            .saturating_add(self.summary.blocks)
            .saturating_add(executed)
    }

    /// What was checked so far.
    pub fn summary(&self) -> &AuditSummary {
        &self.summary
    }

    /// Checks the canonical (borsh) bytes of the next block. They are
    /// decoded and the block's signatures verified on other threads while
    /// the previous block executes; it is committed once this block's
    /// certificate for it is known.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Result<(), AuditError> {
        let expected = self.next_height();
        let waiting = self.waiting.take();
        let retired = self.retired.take();
        let threads = self.threads;
        let (received, executed) = std::thread::scope(|scope| {
            let receiving = scope.spawn(move || {
                drop(retired);
                let block: Block = decode(bytes)?;
                if block.header.height != expected {
                    return Ok(Err(block.header.height));
                }
                Ok(Ok(VerifiedBlock::verify(block, threads)))
            });
            let executed = self.execute_waiting(waiting);
            (receiving.join(), executed)
        });
        // The receiving thread panics only on a bug: pass it on.
        let received = received.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        executed?;
        let verified = match received {
            Ok(Ok(verified)) => verified,
            Ok(Err(got)) => {
                return Err(AuditError::at(
                    expected,
                    AuditFailure::OutOfOrder { expected, got },
                ));
            }
            Err(e) => return Err(AuditError::at(expected, AuditFailure::Undecodable(e))),
        };
        if let Some(pending) = self.pending.take() {
            self.commit(pending, verified.block().last_commit.clone())?;
        }
        self.waiting = Some(verified);
        Ok(())
    }

    /// Checks the next block: executes the previous one and commits it with
    /// the certificate this one carries, while this one's signatures are
    /// verified on other threads.
    pub fn push(&mut self, block: Block) -> Result<(), AuditError> {
        let expected = self.next_height();
        if block.header.height != expected {
            self.catch_up()?;
            return Err(AuditError::at(
                expected,
                AuditFailure::OutOfOrder {
                    expected,
                    got: block.header.height,
                },
            ));
        }
        let certificate = block.last_commit.clone();
        let waiting = self.waiting.take();
        let retired = self.retired.take();
        let threads = self.threads;
        let (verified, advanced) = std::thread::scope(|scope| {
            let verifying = scope.spawn(move || {
                drop(retired);
                VerifiedBlock::verify(block, threads)
            });
            let advanced = self.advance(waiting, certificate);
            (verifying.join(), advanced)
        });
        // The verifying thread panics only on a bug: pass it on.
        let verified = verified.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        advanced?;
        self.waiting = Some(verified);
        Ok(())
    }

    /// Checks a certificate kept beside the chain (a data directory's, which
    /// a node serves) for the committed block of `height` with hash
    /// `block_hash`, against the validator set in force at that height.
    /// The caller vouches for the hash: it must be the block this audit
    /// committed at `height`.
    pub fn check_stored_certificate(
        &self,
        height: u64,
        block_hash: &Hash,
        certificate: &QuorumCertificate,
    ) -> Result<(), AuditError> {
        let validators = self
            .store
            .validator_set(height)
            .map_err(|e| self.local(height, e))?
            .ok_or_else(|| self.local(height, EngineError::UnknownValidatorSet(height)))?;
        certificate
            .verify(&self.spec.chain_id, height, block_hash, &validators)
            .map(|_power| ())
            .map_err(|e| {
                AuditError::at(height, AuditFailure::Stored(StoredMismatch::Certificate(e)))
            })
    }

    /// Ends the audit at the last block given, with its certificate (from
    /// `civitas_getCertificate`, or the store); reconciles every programme's
    /// books on the final state. Returns what was checked.
    pub fn finish(
        self,
        last_certificate: Option<QuorumCertificate>,
    ) -> Result<AuditSummary, AuditError> {
        self.finish_with_state(last_certificate)
            .map(|(summary, _state)| summary)
    }

    /// [`ChainAudit::finish`], also returning the verified final state (the
    /// state at the summary's height), from which the open data is computed
    /// (`crate::export`).
    pub fn finish_with_state(
        mut self,
        last_certificate: Option<QuorumCertificate>,
    ) -> Result<(AuditSummary, MemoryState), AuditError> {
        self.catch_up()?;
        if let Some(pending) = self.pending.take() {
            self.commit(pending, last_certificate)?;
        }
        self.reconcile_programmes()?;
        let state = self.store.memory_state().clone();
        Ok((self.summary, state))
    }

    /// Executes the waiting block, if any, and commits the executed one with
    /// `certificate` (the one the next block carries).
    fn advance(
        &mut self,
        waiting: Option<VerifiedBlock>,
        certificate: Option<QuorumCertificate>,
    ) -> Result<(), AuditError> {
        self.execute_waiting(waiting)?;
        match self.pending.take() {
            Some(pending) => self.commit(pending, certificate),
            None => Ok(()),
        }
    }

    /// Executes the waiting block, if any, so that it stands where one block
    /// at a time would have left it: executed, waiting for its certificate.
    fn catch_up(&mut self) -> Result<(), AuditError> {
        let waiting = self.waiting.take();
        self.execute_waiting(waiting)
    }

    /// Executes `waiting`, if any, into the pending block.
    fn execute_waiting(&mut self, waiting: Option<VerifiedBlock>) -> Result<(), AuditError> {
        if let Some(verified) = waiting {
            let executed = self.execute(&verified)?;
            self.pending = Some(Pending {
                block: verified.into_block(),
                executed,
            });
        }
        Ok(())
    }

    fn local(&self, height: u64, error: impl Into<EngineError>) -> AuditError {
        AuditError::at(height, AuditFailure::Local(error.into()))
    }

    /// Re-executes `block` on the committed chain, as a validator judges a
    /// proposal, and checks the civic laws on what it wrote.
    fn execute(&mut self, verified: &VerifiedBlock) -> Result<Executed<MemoryState>, AuditError> {
        let block = verified.block();
        let height = block.header.height;
        let tip = self.store.tip().map_err(|e| self.local(height, e))?;
        let validators = self
            .store
            .validator_set(height)
            .map_err(|e| self.local(height, e))?
            .ok_or_else(|| self.local(height, EngineError::UnknownValidatorSet(height)))?;
        let parent_validators = match &tip {
            Some(tip) => self
                .store
                .validator_set(tip.header.height)
                .map_err(|e| self.local(height, e))?,
            None => None,
        };
        let parent = Parent {
            tip: tip.as_ref(),
            validators: &validators,
            parent_validators: parent_validators.as_ref(),
        };
        let executed = validate_verified(
            &self.store,
            &self.spec,
            &parent,
            verified,
            &mut self.verifier,
        )
        .map_err(|failure| match failure {
            ExecutionFailure::Invalid(reason) => {
                AuditError::at(height, AuditFailure::InvalidBlock(reason))
            }
            ExecutionFailure::Local(error) => self.local(height, error),
        })?;
        let before = MemoryView(self.store.memory_state().clone());
        let after = MemoryView(executed.prepared.clone());
        let law = |error| AuditError::at(height, AuditFailure::Law(error));
        check_block(&after, &executed.outcome.writes).map_err(law)?;
        check_figures(&before, &after, &executed.outcome.writes).map_err(law)?;
        Ok(executed)
    }

    /// Checks `certificate` of the pending block against the set in force
    /// at its height, then commits it.
    fn commit(
        &mut self,
        pending: Pending,
        certificate: Option<QuorumCertificate>,
    ) -> Result<(), AuditError> {
        let Pending { block, executed } = pending;
        let height = block.header.height;
        let certificate =
            certificate.ok_or(AuditError::at(height, AuditFailure::MissingCertificate))?;
        let validators = self
            .store
            .validator_set(height)
            .map_err(|e| self.local(height, e))?
            .ok_or_else(|| self.local(height, EngineError::UnknownValidatorSet(height)))?;
        self.verifier
            .verify_certificate(
                &certificate,
                &self.spec.chain_id,
                height,
                &block.hash(),
                &validators,
            )
            .map_err(|e| AuditError::at(height, AuditFailure::Certificate(e)))?;
        let state_root = executed.state_root();
        let summary = &mut self.summary;
        summary.blocks = summary.blocks.saturating_add(1);
        summary.height = height;
        summary.transactions = summary
            .transactions
            .saturating_add(block.transactions.len() as u64);
        summary.failed_transactions = summary.failed_transactions.saturating_add(
            executed
                .outcome
                .receipts
                .iter()
                .filter(|r| !r.is_success())
                .count() as u64,
        );
        summary.certificates = summary.certificates.saturating_add(1);
        summary.certificate_signatures = summary
            .certificate_signatures
            .saturating_add(certificate.signatures().len() as u64);
        summary.evidence = summary.evidence.saturating_add(block.evidence.len() as u64);
        if executed.outcome.validator_set_change.is_some() {
            summary.validator_set_changes = summary.validator_set_changes.saturating_add(1);
        }
        summary.state_root = state_root.to_string();
        summary.time_ms = Some(block.header.time_ms);
        let decided = Decided {
            block: &block,
            certificate: &certificate,
            receipt_leaves: &executed.receipt_leaves,
            validator_change: executed.outcome.validator_set_change.as_ref(),
        };
        let replaced = self.store.memory_state().clone();
        self.store
            .commit(decided, executed.prepared)
            .map_err(|e| self.local(height, e))?;
        self.retired = Some(replaced);
        Ok(())
    }

    /// Every programme's books, entry by entry, on the final state.
    fn reconcile_programmes(&mut self) -> Result<(), AuditError> {
        let height = self.summary.height;
        let state = MemoryView(self.store.memory_state().clone());
        let count: u64 = civitas_civic::state::Overlay::new(&state)
            .get(&keys::programme_counter())
            .map_err(|e| self.local(height, EngineError::State(e)))?
            .unwrap_or(0);
        for id in 0..count {
            check_programme_entries(&state, id)
                .map_err(|error| AuditError::at(height, AuditFailure::Law(error)))?;
        }
        self.summary.programmes_reconciled = count;
        Ok(())
    }
}
