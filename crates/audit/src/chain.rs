//! [`ChainAudit`]: the chain replayed block by block on a store of the
//! auditor's own, exactly as a validator's engine judges a proposal.
//!
//! A block's certificate travels in the next block (`last_commit`), so a
//! block is executed when it arrives and committed when its certificate
//! does: by the next block, or, for the last one, by [`ChainAudit::finish`].

use civitas_civic::invariants::{check_block, check_figures, check_programme_entries};
use civitas_civic::keys;
use civitas_engine::execution::{Executed, ExecutionFailure};
use civitas_engine::validate::{Parent, validate};
use civitas_engine::{ChainSpec, ChainStore, Decided, EngineError, MemoryStore, MemoryView};
use civitas_genesis::GenesisDocument;
use civitas_mempool::{Mempool, MempoolConfig};
use civitas_state_tree::MemoryState;
use civitas_types::{Block, QuorumCertificate, SignatureVerifier, Zip215Verifier, decode};

use crate::error::{AuditError, AuditFailure};
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
    mempool: Mempool,
    verifier: Zip215Verifier,
    pending: Option<Pending>,
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
            store,
            mempool: Mempool::new(MempoolConfig::default()),
            verifier: Zip215Verifier,
            pending: None,
            summary: AuditSummary {
                chain_id: genesis.chain_id.as_str().to_owned(),
                genesis_hash: hash.to_string(),
                ..AuditSummary::default()
            },
        })
    }

    /// The height the next block must have.
    pub fn next_height(&self) -> u64 {
        let executed = u64::from(self.pending.is_some());
        self.spec
            .initial_height
            .saturating_add(self.summary.blocks)
            .saturating_add(executed)
    }

    /// What was checked so far.
    pub fn summary(&self) -> &AuditSummary {
        &self.summary
    }

    /// Checks the canonical (borsh) bytes of the next block.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Result<(), AuditError> {
        let height = self.next_height();
        let block: Block =
            decode(bytes).map_err(|e| AuditError::at(height, AuditFailure::Undecodable(e)))?;
        self.push(block)
    }

    /// Checks the next block: commits the previous one with the certificate
    /// this one carries, then executes this one.
    pub fn push(&mut self, block: Block) -> Result<(), AuditError> {
        let expected = self.next_height();
        if block.header.height != expected {
            return Err(AuditError::at(
                expected,
                AuditFailure::OutOfOrder {
                    expected,
                    got: block.header.height,
                },
            ));
        }
        if let Some(pending) = self.pending.take() {
            let certificate = block.last_commit.clone();
            self.commit(pending, certificate)?;
        }
        let executed = self.execute(&block)?;
        self.pending = Some(Pending { block, executed });
        Ok(())
    }

    /// Ends the audit at the last block given, with its certificate (from
    /// `civitas_getCertificate`, or the store); reconciles every programme's
    /// books on the final state. Returns what was checked.
    pub fn finish(
        mut self,
        last_certificate: Option<QuorumCertificate>,
    ) -> Result<AuditSummary, AuditError> {
        if let Some(pending) = self.pending.take() {
            self.commit(pending, last_certificate)?;
        }
        self.reconcile_programmes()?;
        Ok(self.summary)
    }

    fn local(&self, height: u64, error: impl Into<EngineError>) -> AuditError {
        AuditError::at(height, AuditFailure::Local(error.into()))
    }

    /// Re-executes `block` on the committed chain, as a validator judges a
    /// proposal, and checks the civic laws on what it wrote.
    fn execute(&mut self, block: &Block) -> Result<Executed<MemoryState>, AuditError> {
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
        let executed = validate(
            &self.store,
            &self.spec,
            &self.mempool,
            &parent,
            block,
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
        let decided = Decided {
            block: &block,
            certificate: &certificate,
            receipt_leaves: &executed.receipt_leaves,
            validator_change: executed.outcome.validator_set_change.as_ref(),
        };
        self.store
            .commit(decided, executed.prepared)
            .map_err(|e| self.local(height, e))
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
