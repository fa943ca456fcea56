//! A simulated validator: the real consensus core, a signing-state store that
//! survives crashes, and the committed chain (also persisted).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use civitas_consensus::state_machine::SignatureVerifier;
use civitas_consensus::{Consensus, SignState, SignStateStore, StoreError};
use civitas_types::{Hash, PublicKey, QuorumCertificate, Signature, SigningKey};

use crate::config::ByzantineKind;

/// The signing-state store of one node: in memory, but kept across crashes like a
/// synced file. Counts saves, so a test can crash a node right after the n-th one.
#[derive(Clone, Default)]
pub struct SharedStore {
    inner: Rc<RefCell<StoreState>>,
}

#[derive(Default)]
struct StoreState {
    state: Option<SignState>,
    saves: u64,
}

impl SharedStore {
    /// Number of signatures saved so far.
    pub fn saves(&self) -> u64 {
        self.inner.borrow().saves
    }
}

impl SignStateStore for SharedStore {
    fn load(&self) -> Result<Option<SignState>, StoreError> {
        Ok(self.inner.borrow().state.clone())
    }

    fn save(&mut self, state: &SignState) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        inner.state = Some(state.clone());
        inner.saves = inner.saves.saturating_add(1);
        Ok(())
    }
}

/// A signature cache shared by all simulated nodes: each message is verified
/// once, however many nodes receive it (results are a pure function of the input).
#[derive(Clone, Default)]
pub struct SharedVerifier {
    cache: Rc<RefCell<BTreeMap<SignatureCheck, bool>>>,
}

/// One (key, digest, signature) check.
type SignatureCheck = (PublicKey, Hash, Signature);

impl SignatureVerifier for SharedVerifier {
    fn verify(&mut self, public_key: &PublicKey, digest: &Hash, signature: &Signature) -> bool {
        let key = (*public_key, *digest, *signature);
        if let Some(valid) = self.cache.borrow().get(&key) {
            return *valid;
        }
        let valid = civitas_types::verify_digest(public_key, digest, signature).is_ok();
        self.cache.borrow_mut().insert(key, valid);
        valid
    }
}

/// One simulated validator.
pub struct SimNode {
    /// Consensus key.
    pub key: SigningKey,
    /// How it misbehaves, if it does.
    pub byzantine: Option<ByzantineKind>,
    /// Signing state (persisted).
    pub store: SharedStore,
    /// The running core; `None` while crashed (or always, for a silent node).
    pub consensus: Option<Consensus<SharedStore>>,
    /// Committed blocks, height 1 first (persisted).
    pub chain: Vec<(Hash, QuorumCertificate)>,
    /// Bumped at each crash, so timers of an earlier life are ignored.
    pub incarnation: u64,
    /// When it last asked each peer for a block it lacks (per peer, so that a
    /// Byzantine peer that never answers cannot monopolise the requests).
    pub last_sync_request_ms: std::collections::BTreeMap<usize, u64>,
}

impl SimNode {
    /// The next height this node must decide.
    pub fn next_height(&self) -> u64 {
        (self.chain.len() as u64).saturating_add(1)
    }

    /// Whether the node is honest.
    pub fn is_honest(&self) -> bool {
        self.byzantine.is_none()
    }

    /// Whether the node is running.
    pub fn is_up(&self) -> bool {
        self.consensus.is_some()
    }
}
