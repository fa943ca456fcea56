//! A simulated validator: the real engine (consensus core, civic execution,
//! mempool, evidence pool) over an in-memory chain store, with a signing
//! state and a chain that survive crashes like synced files.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use civitas_consensus::{SignState, SignStateStore, StoreError as SignStoreError};
use civitas_engine::{
    ChainStore, Decided, Engine, MemoryStore, MemoryView, StoreError, Tip, Writes,
};
use civitas_state_tree::MemoryState;
use civitas_types::{
    Block, ChainId, Hash, PublicKey, QuorumCertificate, Signature, SignatureVerifier, SigningKey,
    ValidatorSet, certificate::CertificateError,
};

use crate::config::ByzantineKind;

/// The engine of a simulated validator.
pub type SimEngine = Engine<SimStore, SharedStore>;

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
    fn load(&self) -> Result<Option<SignState>, SignStoreError> {
        Ok(self.inner.borrow().state.clone())
    }

    fn save(&mut self, state: &SignState) -> Result<(), SignStoreError> {
        let mut inner = self.inner.borrow_mut();
        inner.state = Some(state.clone());
        inner.saves = inner.saves.saturating_add(1);
        Ok(())
    }
}

/// A signature memo shared by all simulated nodes and the checker: each
/// signature is verified once, however many nodes receive it (a memo of a
/// pure function: verdicts are ZIP-215's).
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

    fn verify_certificate(
        &mut self,
        certificate: &QuorumCertificate,
        chain_id: &ChainId,
        height: u64,
        block_hash: &Hash,
        validators: &ValidatorSet,
    ) -> Result<u64, CertificateError> {
        certificate.verify_each(chain_id, height, block_hash, validators, &mut |k, d, s| {
            self.verify(k, d, s)
        })
    }
}

/// The verifier of honest nodes under [`crate::Sabotage::TrustEverySignature`]:
/// every signature passes (so they accept a forged certificate).
#[derive(Clone, Copy, Default)]
pub struct TrustingVerifier;

impl SignatureVerifier for TrustingVerifier {
    fn verify(&mut self, _: &PublicKey, _: &Hash, _: &Signature) -> bool {
        true
    }

    fn verify_certificate(
        &mut self,
        certificate: &QuorumCertificate,
        chain_id: &ChainId,
        height: u64,
        block_hash: &Hash,
        validators: &ValidatorSet,
    ) -> Result<u64, CertificateError> {
        certificate.verify_each(chain_id, height, block_hash, validators, &mut |_, _, _| {
            true
        })
    }
}

/// A deliberate corruption of what one honest node commits (checker checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// Each committed state gets an extra, undecodable programme record.
    State,
    /// Each block's stored receipts get one byte flipped.
    Receipts,
}

/// The key [`Tamper::State`] writes: programme 2^64 − 1's record.
pub const TAMPERED_KEY: [u8; 9] = [0x31, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/// How many committed blocks' writes a [`SimStore`] remembers.
const RECENT_WRITES: u64 = 8;

/// A node's chain store: [`MemoryStore`], remembering the writes of each
/// state it prepared (for the civic-law check on what the node commits), and
/// optionally tampering with its commits.
#[derive(Clone)]
pub struct SimStore {
    inner: MemoryStore,
    prepared: RefCell<Vec<(Hash, Writes)>>,
    /// The writes of the last few committed blocks, by height.
    recent_writes: BTreeMap<u64, Writes>,
    tamper: Option<Tamper>,
}

impl SimStore {
    /// A store over `inner`, tampering as `tamper` says.
    pub fn new(inner: MemoryStore, tamper: Option<Tamper>) -> SimStore {
        SimStore {
            inner,
            prepared: RefCell::new(Vec::new()),
            recent_writes: BTreeMap::new(),
            tamper,
        }
    }

    /// The chain and state.
    pub fn memory(&self) -> &MemoryStore {
        &self.inner
    }

    /// The writes of the committed block of `height` (with any tampering),
    /// if it is one of the last few.
    pub fn writes_of(&self, height: u64) -> Option<&Writes> {
        self.recent_writes.get(&height)
    }

    /// The committed block of `height`.
    pub fn stored(&self, height: u64) -> Option<&civitas_engine::StoredBlock> {
        let first = self.inner.blocks().first()?.block.header.height;
        self.inner.blocks().get(height.checked_sub(first)? as usize)
    }

    /// Number of committed blocks.
    pub fn committed(&self) -> u64 {
        self.inner.blocks().len() as u64
    }
}

impl ChainStore for SimStore {
    type State = MemoryView;
    type Prepared = MemoryState;

    fn tip(&self) -> Result<Option<Tip>, StoreError> {
        self.inner.tip()
    }

    fn state(&self) -> &MemoryView {
        self.inner.state()
    }

    fn prepare(&self, writes: &Writes) -> Result<MemoryState, StoreError> {
        let prepared = self.inner.prepare(writes)?;
        self.prepared
            .borrow_mut()
            .push((prepared.root(), writes.clone()));
        Ok(prepared)
    }

    fn save_candidate(&mut self, block: &Block) -> Result<(), StoreError> {
        self.inner.save_candidate(block)
    }

    fn candidates(&self) -> Result<Vec<Block>, StoreError> {
        self.inner.candidates()
    }

    fn commit(&mut self, decided: Decided<'_>, prepared: MemoryState) -> Result<(), StoreError> {
        let root = prepared.root();
        let mut writes = std::mem::take(&mut *self.prepared.borrow_mut())
            .into_iter()
            .find(|(r, _)| *r == root)
            .map(|(_, writes)| writes)
            .unwrap_or_default();
        let (prepared, leaves) = match self.tamper {
            Some(Tamper::State) => {
                let extra = Writes::from([(TAMPERED_KEY.to_vec(), Some(vec![0xff; 3]))]);
                writes.extend(extra.clone());
                let tampered = prepared
                    .apply(extra)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                (tampered, decided.receipt_leaves.to_vec())
            }
            Some(Tamper::Receipts) => {
                let mut leaves = decided.receipt_leaves.to_vec();
                if let Some(byte) = leaves.first_mut().and_then(|leaf| leaf.first_mut()) {
                    *byte ^= 0xff;
                }
                (prepared, leaves)
            }
            None => (prepared, decided.receipt_leaves.to_vec()),
        };
        let height = decided.block.header.height;
        self.recent_writes.insert(height, writes);
        self.recent_writes
            .retain(|h, _| h.saturating_add(RECENT_WRITES) > height);
        self.inner.commit(
            Decided {
                receipt_leaves: &leaves,
                ..decided
            },
            prepared,
        )
    }

    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError> {
        self.inner.validator_set(height)
    }

    fn block(&self, height: u64) -> Result<Option<(Block, QuorumCertificate)>, StoreError> {
        self.inner.block(height)
    }
}

/// One simulated validator.
pub struct SimNode {
    /// Consensus key.
    pub key: SigningKey,
    /// How it misbehaves, if it does.
    pub byzantine: Option<ByzantineKind>,
    /// Signing state (persisted).
    pub sign_store: SharedStore,
    /// The chain and state while the node is down (persisted); while it runs,
    /// the engine holds them.
    pub resting: Option<SimStore>,
    /// The running engine; `None` while crashed (or always, for a silent node).
    pub engine: Option<SimEngine>,
    /// Bumped at each crash, so timers of an earlier life are ignored.
    pub incarnation: u64,
    /// When it last asked each peer for a block it lacks (per peer, so that a
    /// Byzantine peer that never answers cannot monopolise the requests).
    pub last_sync_request_ms: BTreeMap<usize, u64>,
}

impl SimNode {
    /// The store, running or resting.
    pub fn store(&self) -> Option<&SimStore> {
        match &self.engine {
            Some(engine) => Some(engine.store()),
            None => self.resting.as_ref(),
        }
    }

    /// Number of blocks this node committed.
    pub fn committed(&self) -> u64 {
        self.store().map_or(0, SimStore::committed)
    }

    /// Whether the node is honest.
    pub fn is_honest(&self) -> bool {
        self.byzantine.is_none()
    }

    /// Whether the node is running.
    pub fn is_up(&self) -> bool {
        self.engine.is_some()
    }
}
