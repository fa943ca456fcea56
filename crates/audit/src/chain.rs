//! [`ChainAudit`]: the chain replayed block by block on a store of the
//! auditor's own, exactly as a validator's engine judges a proposal.
//!
//! A block's certificate travels in the next block (`last_commit`), so a
//! block is executed when it arrives and committed when its certificate
//! does: by the next block, or, for the last one, by [`ChainAudit::finish`].
//!
//! Pipelined on three threads, two of them workers started once per audit
//! (`crate::worker`), not per block: when block `n + 1` arrives its transaction
//! signatures are verified (ZIP-215 batches over
//! [`ChainAudit::set_signature_threads`] threads) while block `n`, verified
//! on the previous call, executes on the caller's thread against the values
//! block `n - 1` left, and the committed blocks' state trees are built from
//! their writes on a third thread (the tree's root is only compared with the
//! header; execution reads the values). The tree worker may run up to
//! [`TREE_LAG`] blocks behind, its builds queued, so that a block does not
//! wait for the slowest of the three stages; the roots are compared in
//! order, each as soon as it is built. The checks keep one block at a
//! time's order, so the first bad height and its reason are the same: a
//! block's state root is compared before anything checked after it is
//! reported — its next validators, its civic laws, its certificate, and
//! everything about later blocks (a failure there first waits for the
//! queued trees and compares their roots, then builds the trees of the
//! blocks after them, up to the last executed one, on the caller's thread
//! and compares theirs). A block's own failure is reported by the call
//! that gives the next block — a wrong state root, through
//! [`ChainAudit::push_bytes`], by one of the [`TREE_LAG`] + 1 calls after
//! that — or by [`ChainAudit::finish`]. Only the tip and a bounded queue of
//! tree work are kept ([`AuditStore`]): memory follows the state, not the
//! chain's length.

use std::collections::{BTreeMap, VecDeque};

use civitas_civic::invariants::{check_block, check_figures, check_programme_entries};
use civitas_civic::keys;
use civitas_engine::execution::{ExecutionFailure, Unprepared};
use civitas_engine::validate::{
    Parent, VerifiedBlock, check_after_state_root, validate_verified_before_state_root,
};
use civitas_engine::{ChainRead, ChainSpec, EngineError, InvalidBlock, StoreError, Tip};
use civitas_genesis::GenesisDocument;
use civitas_state_tree::{
    Change, KeyError, MemoryState, StateError, Writes, changes_of, check_key,
};
use civitas_types::{
    Block, Hash, QuorumCertificate, SignatureVerifier, ValidatorSet, Zip215Verifier, decode,
};

use crate::error::{AuditError, AuditFailure, SnapshotMismatch, StoredMismatch};
use crate::store::{AuditStore, Committed, Written};
use crate::summary::AuditSummary;
use crate::worker::{Task, Worker};
use tree::{Root, SharedTree, Unrooted};

/// A block executed, waiting for its certificate to be committed.
struct Pending {
    block: Block,
    executed: Unprepared,
    /// Its writes as tree changes (key and value hashes): hashed on the
    /// executing thread while the workers run, off the tree worker (the
    /// longest stage with small blocks).
    changes: Result<Vec<Change>, KeyError>,
    /// The first failure of the checks after its state root (next
    /// validators, civic laws), reported once the root is compared.
    after_root: Result<(), AuditError>,
}

/// What a commit is done with: the block and its execution's outcome
/// (tens of thousands of allocations for a large block).
struct Retired {
    _block: Block,
    _executed: Unprepared,
}

/// How many committed blocks' trees may be queued on the tree worker, their
/// roots not compared yet. The queue lets the tree worker run behind the
/// other two stages instead of every block waiting for the slowest; bounded
/// so that memory (each job's changes) stays bounded and a wrong root is
/// reported within a few blocks.
const TREE_LAG: usize = 4;

/// The audit of one chain, from its genesis.
pub struct ChainAudit {
    spec: ChainSpec,
    store: AuditStore,
    /// The state tree of the last block whose tree was built: that of the
    /// last block whose root was compared once `building` is empty.
    tree: SharedTree,
    /// The last committed block, if its tree is not being built yet.
    unrooted: Option<Unrooted>,
    /// Trees being built on the tree worker, oldest first (at most
    /// [`TREE_LAG`] between calls): their roots are compared in this order.
    building: VecDeque<Task<Root>>,
    verifier: Zip215Verifier,
    /// The last block received: signatures verified, not executed yet.
    waiting: Option<VerifiedBlock>,
    /// A block executed, waiting for its certificate (between calls only
    /// after a refused block, whose call executed the waiting one).
    pending: Option<Pending>,
    /// What the last commit is done with: freed on the receiving worker,
    /// off the thread that executes.
    retired: Option<Retired>,
    /// Threads verifying a block's signatures.
    threads: usize,
    /// Decodes and verifies the next block, frees the retired block.
    receiver: Worker,
    /// Builds the committed blocks' state trees, in order (up to
    /// [`TREE_LAG`] + 1 queued).
    builder: Worker,
    /// The height of the first block this audit checks: the genesis's
    /// initial height, or the one after a snapshot's.
    first_height: u64,
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
        let (store, tree) = AuditStore::from_genesis(&checked, genesis.initial_height)
            .map_err(|e| at_genesis(AuditFailure::Local(EngineError::Store(e))))?;
        Ok(ChainAudit {
            spec: ChainSpec::from_genesis(genesis, hash),
            store,
            tree: SharedTree::new(tree),
            unrooted: None,
            building: VecDeque::new(),
            verifier: Zip215Verifier,
            waiting: None,
            pending: None,
            retired: None,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            receiver: Worker::start("audit-receive"),
            builder: Worker::start("audit-tree"),
            first_height: genesis.initial_height,
            summary: AuditSummary {
                chain_id: genesis.chain_id.as_str().to_owned(),
                genesis_hash: hash.to_string(),
                ..AuditSummary::default()
            },
        })
    }

    /// An audit of the chain of `genesis` resumed from a snapshot: `state`
    /// after `block`, final by `certificate`, under the validator sets
    /// `sets` (by first height; the caller follows them from genesis, e.g.
    /// `crate::bundle::follow_set_changes`). Checked here: the state is the
    /// block's, the block is of this chain and names the set in force, its
    /// certificate makes it final under that set, and it announces the set
    /// `sets` gives for the next height. Blocks before it are not checked.
    pub fn from_snapshot(
        genesis: &GenesisDocument,
        state: &MemoryState,
        block: &Block,
        certificate: QuorumCertificate,
        sets: BTreeMap<u64, ValidatorSet>,
    ) -> Result<ChainAudit, AuditError> {
        let height = block.header.height;
        let refused = |failure| AuditError::at(height, failure);
        let mut audit = ChainAudit::new(genesis)?;
        let in_force = |h: u64| sets.range(..=h).next_back().map(|(_, set)| set.clone());
        let set = in_force(height).ok_or_else(|| {
            refused(AuditFailure::Local(EngineError::UnknownValidatorSet(
                height,
            )))
        })?;
        let snapshot = |reason| refused(AuditFailure::Snapshot(reason));
        if block.header.chain_id != genesis.chain_id || height < genesis.initial_height {
            return Err(snapshot(SnapshotMismatch::OtherChain));
        }
        if state.root() != block.header.state_root {
            return Err(snapshot(SnapshotMismatch::StateRoot));
        }
        if block.header.validators_hash != set.hash() {
            return Err(snapshot(SnapshotMismatch::ValidatorSet));
        }
        if in_force(height.saturating_add(1)).map(|next| next.hash())
            != Some(block.header.next_validators_hash)
        {
            return Err(snapshot(SnapshotMismatch::NextValidatorSet));
        }
        certificate
            .verify(&genesis.chain_id, height, &block.hash(), &set)
            .map_err(|e| refused(AuditFailure::Certificate(e)))?;
        let tip = Tip {
            header: block.header.clone(),
            hash: block.hash(),
            certificate,
        };
        let (store, tree) = AuditStore::from_snapshot(state, tip, sets);
        audit.store = store;
        audit.tree = SharedTree::new(tree);
        audit.first_height = height.saturating_add(1);
        audit.summary.height = height;
        audit.summary.time_ms = Some(block.header.time_ms);
        audit.summary.state_root = state.root().to_string();
        audit.summary.from_snapshot = Some(height);
        Ok(audit)
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
        self.first_height
            .saturating_add(self.summary.blocks)
            .saturating_add(executed)
    }

    /// What was checked so far. Between calls the last committed blocks'
    /// state roots (up to [`TREE_LAG`] + 1 of them) may not be compared yet:
    /// `state_root` is the last one that was.
    pub fn summary(&self) -> &AuditSummary {
        &self.summary
    }

    /// Checks the canonical (borsh) bytes of the next block. They are
    /// decoded and the block's signatures verified on other threads while
    /// the previous block executes; it is committed once this block's
    /// certificate for it is known.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Result<(), AuditError> {
        let expected = self.next_height();
        let threads = self.threads;
        // Copied for the receiving worker (a fraction of decoding's cost).
        let bytes = bytes.to_vec();
        let (received, executed) = self.overlapped(move || {
            let block: Block = decode(&bytes)?;
            if block.header.height != expected {
                return Ok(Err(block.header.height));
            }
            Ok(Ok(VerifiedBlock::verify(block, threads)))
        })?;
        executed?;
        let verified = match received {
            Ok(Ok(verified)) => verified,
            Ok(Err(got)) => {
                let error = AuditError::at(expected, AuditFailure::OutOfOrder { expected, got });
                return Err(self.first_failure(error));
            }
            Err(e) => {
                let error = AuditError::at(expected, AuditFailure::Undecodable(e));
                return Err(self.first_failure(error));
            }
        };
        if let Some(pending) = self.pending.take() {
            self.commit(pending, verified.block().last_commit.clone())?;
        }
        self.waiting = Some(verified);
        Ok(())
    }

    /// Checks the next block: executes the previous one and commits it with
    /// the certificate this one carries, while this one's signatures are
    /// verified on other threads. Unlike [`Self::push_bytes`], returns once
    /// the previous block is wholly verified, its state root compared (its
    /// tree built on this thread): a caller that then checks what it keeps
    /// beside that block (a data directory's recorded roots) gets the
    /// verdict one block at a time gives.
    pub fn push(&mut self, block: Block) -> Result<(), AuditError> {
        let expected = self.next_height();
        if block.header.height != expected {
            self.catch_up()?;
            self.pending_root()?;
            return Err(AuditError::at(
                expected,
                AuditFailure::OutOfOrder {
                    expected,
                    got: block.header.height,
                },
            ));
        }
        let certificate = block.last_commit.clone();
        let threads = self.threads;
        let (verified, executed) =
            self.overlapped(move || VerifiedBlock::verify(block, threads))?;
        executed?;
        if let Some(pending) = self.pending.take() {
            self.commit(pending, certificate)?;
        }
        self.waiting = Some(verified);
        self.settle_now()
    }

    /// Runs `receive` on the receiving worker (which also frees the retired
    /// block), queues the unrooted block's tree on the tree worker, and
    /// executes the waiting block on this thread; then compares the roots
    /// already built, and waits for the oldest builds while more than
    /// [`TREE_LAG`] are queued. A root's failure comes first. Returns what
    /// `receive` gave and the execution's verdict (every queued root, then
    /// the waiting block's, compared first if a check after it failed).
    fn overlapped<R: Send + 'static>(
        &mut self,
        receive: impl FnOnce() -> R + Send + 'static,
    ) -> Result<(R, Result<(), AuditError>), AuditError> {
        let waiting = self.waiting.take();
        let retired = self.retired.take();
        let receiving = self.receiver.run(move || {
            drop(retired);
            receive()
        });
        if let Some(unrooted) = self.unrooted.take() {
            let shared = self.tree.clone();
            let task = self.builder.run(move || unrooted.build_shared(&shared));
            self.building.push_back(task);
        }
        let executed = self.execute_waiting(waiting);
        // A helper's panic (a bug) is passed on by `join`.
        let received = receiving.join();
        let executed = match executed {
            Ok(()) => {
                self.settle_built()?;
                self.settle_queued(TREE_LAG)?;
                self.pending_after_root()
            }
            Err(error) => Err(self.first_failure(error)),
        };
        Ok((received, executed))
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
        mut self,
        last_certificate: Option<QuorumCertificate>,
    ) -> Result<AuditSummary, AuditError> {
        self.finish_checks(last_certificate)?;
        Ok(self.summary)
    }

    /// [`ChainAudit::finish`], also returning the verified final state (the
    /// state at the summary's height), from which the open data is computed
    /// (`crate::export`).
    pub fn finish_with_state(
        mut self,
        last_certificate: Option<QuorumCertificate>,
    ) -> Result<(AuditSummary, MemoryState), AuditError> {
        self.finish_checks(last_certificate)?;
        // Every committed block's root was compared: the tree is the values'.
        let tree = self.tree.take();
        let height = self.summary.height;
        let values = self.store.into_values().map_err(|e| {
            AuditError::at(
                height,
                AuditFailure::Local(EngineError::Store(StoreError::Corrupt(
                    StateError::Key(e).to_string(),
                ))),
            )
        })?;
        let state = MemoryState::from_parts(values, tree);
        Ok((self.summary, state))
    }

    /// What [`ChainAudit::finish`] checks: the waiting and pending blocks,
    /// the last one committed with `last_certificate`, its root compared,
    /// then every programme's books.
    fn finish_checks(
        &mut self,
        last_certificate: Option<QuorumCertificate>,
    ) -> Result<(), AuditError> {
        self.catch_up()?;
        if let Some(pending) = self.pending.take() {
            self.commit(pending, last_certificate)?;
        }
        self.settle_now()?;
        self.reconcile_programmes()
    }

    /// Executes the waiting block, if any, so that it stands where one block
    /// at a time would have left it: executed, waiting for its certificate.
    /// The last committed block's root is compared first.
    fn catch_up(&mut self) -> Result<(), AuditError> {
        self.settle_now()?;
        let waiting = self.waiting.take();
        self.execute_waiting(waiting)?;
        self.pending_after_root()
    }

    /// Executes `waiting`, if any, into the pending block. A failure of the
    /// checks after its state root is kept in the pending block
    /// ([`Self::pending_after_root`]).
    fn execute_waiting(&mut self, waiting: Option<VerifiedBlock>) -> Result<(), AuditError> {
        if let Some(verified) = waiting {
            let executed = self.execute(&verified)?;
            let after_root = self.check_after_root(verified.block(), &executed);
            let changes = tree_changes(&executed.outcome.writes);
            self.pending = Some(Pending {
                block: verified.into_block(),
                executed,
                changes,
                after_root,
            });
        }
        Ok(())
    }

    /// The failure of the pending block's checks after its state root, if
    /// any, reported after its root is compared (built here, on this
    /// thread: only on the way to a failure).
    fn pending_after_root(&mut self) -> Result<(), AuditError> {
        if !matches!(&self.pending, Some(pending) if pending.after_root.is_err()) {
            return Ok(());
        }
        // A block that failed is not kept, as when its execution fails.
        match self.pending.take() {
            Some(Pending {
                block,
                executed,
                after_root: Err(error),
                ..
            }) => Err(self.after_root_of(&block, &executed.outcome.writes, error)),
            _ => Ok(()),
        }
    }

    fn local(&self, height: u64, error: impl Into<EngineError>) -> AuditError {
        AuditError::at(height, AuditFailure::Local(error.into()))
    }

    /// Re-executes `block` on the committed chain, as a validator judges a
    /// proposal, up to its state root; its written keys are checked as a
    /// new state version checks them.
    fn execute(&mut self, verified: &VerifiedBlock) -> Result<Unprepared, AuditError> {
        let block = verified.block();
        let height = block.header.height;
        let tip = self.store.tip();
        let validators = self
            .store
            .validator_set(height)
            .map_err(|e| self.local(height, e))?
            .ok_or_else(|| self.local(height, EngineError::UnknownValidatorSet(height)))?;
        let parent_validators = match tip {
            Some(tip) => self
                .store
                .validator_set(tip.header.height)
                .map_err(|e| self.local(height, e))?,
            None => None,
        };
        let parent = Parent {
            tip,
            validators: &validators,
            parent_validators: parent_validators.as_ref(),
        };
        let executed = validate_verified_before_state_root(
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
        for key in executed.outcome.writes.keys() {
            check_key(key).map_err(|e| {
                self.local(height, StoreError::Corrupt(StateError::Key(e).to_string()))
            })?;
        }
        Ok(executed)
    }

    /// The checks after a block's state root: the next validators it
    /// announces, then the civic laws on what it wrote.
    fn check_after_root(&self, block: &Block, executed: &Unprepared) -> Result<(), AuditError> {
        let height = block.header.height;
        check_after_state_root(&executed.next_validators_hash, &block.header)
            .map_err(|reason| AuditError::at(height, AuditFailure::InvalidBlock(reason)))?;
        let before = self.store.values();
        let after = Written {
            base: before,
            writes: &executed.outcome.writes,
        };
        let law = |error| AuditError::at(height, AuditFailure::Law(error));
        check_block(&after, &executed.outcome.writes).map_err(law)?;
        check_figures(before, &after, &executed.outcome.writes).map_err(law)
    }

    /// Compares a built root with its header's.
    fn settle(&mut self, root: Root) -> Result<(), AuditError> {
        let root = self.checked_root(root)?;
        self.summary.state_root = root.to_string();
        Ok(())
    }

    /// A built root, if it is its header's.
    fn checked_root(&self, root: Root) -> Result<Hash, AuditError> {
        let height = root.height;
        let hash = root.root.map_err(|e| {
            self.local(
                height,
                EngineError::Store(StoreError::Corrupt(e.to_string())),
            )
        })?;
        if hash != root.claimed {
            return Err(AuditError::at(
                height,
                AuditFailure::InvalidBlock(InvalidBlock::StateRoot),
            ));
        }
        Ok(hash)
    }

    /// Compares, in order, the queued roots the tree worker already built,
    /// without waiting for it.
    fn settle_built(&mut self) -> Result<(), AuditError> {
        while let Some(task) = self.building.pop_front() {
            match task.try_join() {
                Ok(root) => self.settle_or_drain(root)?,
                Err(unfinished) => {
                    self.building.push_front(unfinished);
                    break;
                }
            }
        }
        Ok(())
    }

    /// Waits for the oldest queued trees until at most `keep` are queued,
    /// comparing their roots in order.
    fn settle_queued(&mut self, keep: usize) -> Result<(), AuditError> {
        while self.building.len() > keep {
            match self.building.pop_front() {
                Some(task) => self.settle_or_drain(task.join())?,
                None => break,
            }
        }
        Ok(())
    }

    /// Compares `root`; on a failure, waits for the builds queued after it
    /// (nothing runs on the tree once a failure is reported) and ignores
    /// them: the earliest failure is the one reported.
    fn settle_or_drain(&mut self, root: Root) -> Result<(), AuditError> {
        let settled = self.settle(root);
        if settled.is_err() {
            for task in std::mem::take(&mut self.building) {
                let _ignored = task.join();
            }
        }
        settled
    }

    /// `error`, a failure found after every block before it was checked,
    /// unless one of those comes first: a queued or unrooted block's root,
    /// then the pending block's (executed, its certificate still to come)
    /// root or a check after it — as one block at a time would have found
    /// them before looking at the next block.
    fn first_failure(&mut self, error: AuditError) -> AuditError {
        let earlier = self
            .settle_now()
            .and_then(|()| self.pending_after_root())
            .and_then(|()| self.pending_root());
        match earlier {
            Ok(()) => error,
            Err(first) => first,
        }
    }

    /// Compares the pending block's root, its tree built here from a handle
    /// on the last built one (every earlier root compared); the pending block
    /// stays, to be committed when its certificate comes.
    fn pending_root(&self) -> Result<(), AuditError> {
        let Some(pending) = &self.pending else {
            return Ok(());
        };
        let header = &pending.block.header;
        let root = self
            .tree
            .get()
            .after_writes(&pending.executed.outcome.writes)
            .map(|tree| tree.root_hash());
        self.checked_root(Root {
            height: header.height,
            claimed: header.state_root,
            root,
        })
        .map(|_| ())
    }

    /// Compares every queued root, then builds the unrooted block's tree
    /// here and compares its root.
    fn settle_now(&mut self) -> Result<(), AuditError> {
        self.settle_queued(0)?;
        match self.unrooted.take() {
            Some(unrooted) => {
                let root = unrooted.build_shared(&self.tree);
                self.settle(root)
            }
            None => Ok(()),
        }
    }

    /// `error`, a failure after the state root of `block` (executed, not
    /// committed), unless a queued root or that root is not its header's,
    /// which come first.
    fn after_root_of(&mut self, block: &Block, writes: &Writes, error: AuditError) -> AuditError {
        if let Err(first) = self.settle_queued(0) {
            return first;
        }
        let root = Root {
            height: block.header.height,
            claimed: block.header.state_root,
            root: self
                .tree
                .get()
                .after_writes(writes)
                .map(|tree| tree.root_hash()),
        };
        match self.checked_root(root) {
            Ok(_) => error,
            Err(first) => first,
        }
    }

    /// Checks `certificate` of the pending block against the set in force
    /// at its height, then commits it; its tree is built on the next call
    /// (its root compared first if the certificate fails).
    fn commit(
        &mut self,
        pending: Pending,
        certificate: Option<QuorumCertificate>,
    ) -> Result<(), AuditError> {
        let Pending {
            block,
            executed,
            changes,
            after_root,
        } = pending;
        let height = block.header.height;
        let hash = block.hash();
        let checked = after_root.and_then(|()| self.check_certificate(&block, &hash, certificate));
        let certificate = match checked {
            Ok(certificate) => certificate,
            Err(error) => {
                return Err(self.after_root_of(&block, &executed.outcome.writes, error));
            }
        };
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
        summary.time_ms = Some(block.header.time_ms);
        let committed = Committed {
            block: &block,
            hash,
            certificate,
            validator_change: executed.outcome.validator_set_change.as_ref(),
        };
        let written = self.store.commit(committed, &executed.outcome.writes);
        written.map_err(|e| {
            let error = self.local(height, e);
            self.after_root_of(&block, &executed.outcome.writes, error)
        })?;
        self.unrooted = Some(Unrooted {
            height,
            claimed: block.header.state_root,
            changes,
        });
        self.retired = Some(Retired {
            _block: block,
            _executed: executed,
        });
        Ok(())
    }

    /// `certificate` of `block` (hash `hash`), checked against the set in
    /// force at its height.
    fn check_certificate(
        &mut self,
        block: &Block,
        hash: &Hash,
        certificate: Option<QuorumCertificate>,
    ) -> Result<QuorumCertificate, AuditError> {
        let height = block.header.height;
        let certificate =
            certificate.ok_or(AuditError::at(height, AuditFailure::MissingCertificate))?;
        let validators = self
            .store
            .validator_set(height)
            .map_err(|e| self.local(height, e))?
            .ok_or_else(|| self.local(height, EngineError::UnknownValidatorSet(height)))?;
        self.verifier
            .verify_certificate(&certificate, &self.spec.chain_id, height, hash, &validators)
            .map_err(|e| AuditError::at(height, AuditFailure::Certificate(e)))?;
        Ok(certificate)
    }

    /// Every programme's books, entry by entry, on the final state.
    fn reconcile_programmes(&mut self) -> Result<(), AuditError> {
        let height = self.summary.height;
        let state = self.store.values();
        let count: u64 = civitas_civic::state::Overlay::new(state)
            .get(&keys::programme_counter())
            .map_err(|e| self.local(height, EngineError::State(e)))?
            .unwrap_or(0);
        for id in 0..count {
            check_programme_entries(state, id)
                .map_err(|error| AuditError::at(height, AuditFailure::Law(error)))?;
        }
        self.summary.programmes_reconciled = count;
        Ok(())
    }
}

/// `writes` as the state tree's changes, in the order
/// `StateTree::after_writes` makes them.
fn tree_changes(writes: &Writes) -> Result<Vec<Change>, KeyError> {
    let pairs: Vec<(&Vec<u8>, Option<&Vec<u8>>)> = writes
        .iter()
        .map(|(key, value)| (key, value.as_ref()))
        .collect();
    changes_of(&pairs)
}

mod tree;

#[cfg(test)]
mod tests;
