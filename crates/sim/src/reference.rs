//! The checker's own copy of the canonical chain: every block first committed
//! by an honest validator is re-executed here, on a store no node touches,
//! with the engine's `validate` and real signature verdicts, whatever a
//! sabotage does to the nodes. What it computes is the truth the nodes'
//! state and receipts roots are compared with.

use std::collections::BTreeMap;

use civitas_engine::execution::ExecutionFailure;
use civitas_engine::validate::{Parent, validate};
use civitas_engine::{
    ChainSpec, ChainStore, Decided, EngineError, InvalidBlock, MemoryStore, StoreError,
};
use civitas_mempool::{Mempool, MempoolConfig};
use civitas_types::{Block, Hash, QuorumCertificate, ValidatorSet};

use crate::node::SharedVerifier;

/// The roots a block's execution gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Roots {
    /// The state root after the block.
    pub state: Hash,
    /// Its receipts root.
    pub receipts: Hash,
}

/// Why the reference could not take a canonical block.
#[derive(Debug)]
pub enum ReferenceError {
    /// The block is invalid.
    Invalid(InvalidBlock),
    /// The reference itself failed (a simulator bug).
    Local(EngineError),
}

/// The reference chain.
pub struct Reference {
    spec: ChainSpec,
    store: MemoryStore,
    verifier: SharedVerifier,
    mempool: Mempool,
    roots: BTreeMap<u64, Roots>,
    /// Set once a canonical block was refused: later heights cannot be judged.
    broken: bool,
}

impl Reference {
    /// A reference chain at genesis (`store`), checking signatures through `verifier`.
    pub fn new(spec: ChainSpec, store: MemoryStore, verifier: SharedVerifier) -> Reference {
        Reference {
            spec,
            store,
            verifier,
            mempool: Mempool::new(MempoolConfig::default()),
            roots: BTreeMap::new(),
            broken: false,
        }
    }

    /// The next height the reference expects.
    pub fn next_height(&self) -> u64 {
        self.spec
            .initial_height
            .saturating_add(self.store.blocks().len() as u64)
    }

    /// Whether a canonical block was refused (later heights are not judged).
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// The roots of `height`, once the reference has it.
    pub fn roots(&self, height: u64) -> Option<Roots> {
        self.roots.get(&height).copied()
    }

    /// The set that signs `height`, as governance made it.
    pub fn validator_set(&self, height: u64) -> Option<ValidatorSet> {
        self.store.validator_set(height).ok().flatten()
    }

    /// The chain and state.
    pub fn store(&self) -> &MemoryStore {
        &self.store
    }

    /// Validates `block`, the canonical block of the next height, executes
    /// it and commits it with `certificate`.
    pub fn extend(
        &mut self,
        block: &Block,
        certificate: &QuorumCertificate,
    ) -> Result<Roots, ReferenceError> {
        let result = self.try_extend(block, certificate);
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    fn try_extend(
        &mut self,
        block: &Block,
        certificate: &QuorumCertificate,
    ) -> Result<Roots, ReferenceError> {
        let local = |e: StoreError| ReferenceError::Local(EngineError::Store(e));
        let height = self.next_height();
        let tip = self.store.tip().map_err(local)?;
        let validators =
            self.store
                .validator_set(height)
                .map_err(local)?
                .ok_or(ReferenceError::Local(EngineError::UnknownValidatorSet(
                    height,
                )))?;
        let parent_validators = match &tip {
            Some(tip) => self.store.validator_set(tip.header.height).map_err(local)?,
            None => None,
        };
        let parent = Parent {
            tip: tip.as_ref(),
            validators: &validators,
            parent_validators: parent_validators.as_ref(),
        };
        let executed = match validate(
            &self.store,
            &self.spec,
            &self.mempool,
            &parent,
            block,
            &mut self.verifier,
        ) {
            Ok(executed) => executed,
            Err(ExecutionFailure::Invalid(reason)) => return Err(ReferenceError::Invalid(reason)),
            Err(ExecutionFailure::Local(error)) => return Err(ReferenceError::Local(error)),
        };
        let roots = Roots {
            state: executed.state_root(),
            receipts: executed.receipts_root(),
        };
        let decided = Decided {
            block,
            certificate,
            receipt_leaves: &executed.receipt_leaves,
            validator_change: executed.outcome.validator_set_change.as_ref(),
        };
        self.store
            .commit(decided, executed.prepared)
            .map_err(local)?;
        self.roots.insert(height, roots);
        Ok(roots)
    }
}
