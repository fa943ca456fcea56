//! The engine's [`ChainStore`] over the RocksDB ledger, with the two things
//! the ledger does not keep: the validator set of every height (a change
//! decided in a block is written, durably, before that block's commit, so a
//! crash between the two only repeats it) and the bodies of blocks this
//! validator signed for, each synced to its own file before the signature.
//! Beside them, each set's network keys ([`crate::allowed_peers`]), which say
//! who may connect.
//!
//! The engine owns a [`SharedStore`]: the [`LedgerStore`] behind a
//! read-write lock whose other handles, [`StoreReads`], serve the RPC's reads
//! on the server's own threads. The engine's thread is the only writer (a
//! commit, a saved candidate); a read holds the read lock for its whole
//! answer, so everything in it (state, proofs, the tip's header and
//! certificate) is of one height. RocksDB and the in-memory tree are safe to
//! read from several threads; reads no longer queue behind each other or
//! behind consensus on the engine's thread, only behind a commit's write.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use civitas_civic::model::ValidatorEntry;
use civitas_civic::{StateRead, StorageError};
use civitas_engine::{ChainStore, Decided, PreparedState, StoreError, Tip, Writes};
use civitas_genesis::{CheckedGenesis, GenesisDocument};
use civitas_ledger::{ChainIdentity, Ledger, LedgerConfig, LedgerError};
use civitas_rpc_api::{CertificateView, Certified, HeaderView};
use civitas_types::{Block, Hash, PublicKey, QuorumCertificate, ValidatorSet, decode, encode};

use crate::allowed_peers::{HistoryError, NetworkKeyHistory};

use crate::home::{Home, write_durably};

/// Heights whose header and certificate views [`LedgerStore::certified`]
/// keeps (a few KiB each).
pub const CERTIFIED_VIEWS_KEPT: usize = 16;

/// The latest committed state, read by execution.
pub struct LedgerView(Ledger);

impl StateRead for LedgerView {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.0.get(key).map_err(|error| StorageError {
            reason: error.to_string(),
        })
    }
}

/// A block's state prepared on the ledger's latest tree.
pub struct Prepared(civitas_ledger::PreparedState);

impl PreparedState for Prepared {
    fn root(&self) -> Hash {
        self.0.root()
    }
}

/// The node's chain store.
pub struct LedgerStore {
    view: LedgerView,
    sets_path: PathBuf,
    candidates_path: PathBuf,
    sets: BTreeMap<u64, ValidatorSet>,
    network_keys: NetworkKeyHistory,
    candidates: Vec<Block>,
    /// The last heights' headers and certificates as the RPC answers them
    /// (most recently used last), built once per height instead of per
    /// request: reading a header decodes every transaction of its block.
    certified_views: Mutex<VecDeque<(u64, Certified)>>,
}

/// A ledger failure, as the engine classifies storage failures: a full device
/// is told apart so the operator frees space.
fn store_error(error: LedgerError) -> StoreError {
    let text = error.to_string();
    match error {
        LedgerError::Corrupt { .. } | LedgerError::Missing(_) => StoreError::Corrupt(text),
        _ if text.contains("No space left") => StoreError::Full,
        _ => StoreError::Io(text),
    }
}

/// A network-key history failure.
fn history_error(error: HistoryError) -> StoreError {
    match error {
        HistoryError::Io(error) => io_error(error),
        other => StoreError::Corrupt(other.to_string()),
    }
}

/// A file failure: a full device, or another I/O error.
fn io_error(error: std::io::Error) -> StoreError {
    if error.kind() == std::io::ErrorKind::StorageFull {
        StoreError::Full
    } else {
        StoreError::Io(error.to_string())
    }
}

impl LedgerStore {
    /// Opens the chain in `home` (creating it from `genesis` the first time),
    /// refusing a data directory of another chain or genesis.
    pub fn open(
        home: &Home,
        genesis: &GenesisDocument,
        checked: &CheckedGenesis,
    ) -> anyhow::Result<LedgerStore> {
        let identity = ChainIdentity {
            chain_id: genesis.chain_id.clone(),
            genesis_hash: checked.hash,
        };
        let config = LedgerConfig::new(home.ledger());
        let exists = fs::read_dir(home.ledger()).is_ok_and(|mut d| d.next().is_some());
        let ledger = if exists {
            Ledger::open(config, Some(&identity))?
        } else {
            fs::create_dir_all(home.data())?;
            Ledger::create(config, identity, &checked.state.entries)?
        };
        let sets_path = home.validator_sets();
        let sets = match fs::read(&sets_path) {
            Ok(bytes) => decode(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{} does not decode ({e}); restore the data directory from a backup or a verified snapshot",
                    sets_path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let sets = BTreeMap::from([(genesis.initial_height, checked.validators.clone())]);
                write_durably(&sets_path, &encode(&sets))?;
                sets
            }
            Err(e) => return Err(e.into()),
        };
        let candidates_path = home.candidates();
        fs::create_dir_all(&candidates_path)?;
        let view = LedgerView(ledger);
        let network_keys =
            NetworkKeyHistory::open(home.validator_registries(), sets.keys().copied(), &view)?;
        let mut store = LedgerStore {
            view,
            sets_path,
            candidates_path,
            sets,
            network_keys,
            candidates: Vec::new(),
            certified_views: Mutex::new(VecDeque::new()),
        };
        store.candidates = store.load_candidates()?;
        Ok(store)
    }

    /// The ledger, for queries.
    pub fn ledger(&self) -> &Ledger {
        &self.view.0
    }

    /// The last committed height's header and certificate, as the RPC
    /// answers them, with that height; `None` before the first block.
    pub fn certified_tip(&self) -> Result<Option<(u64, Certified)>, StoreError> {
        let height = self.ledger().height();
        if height == 0 {
            return Ok(None);
        }
        let certified = self.certified(height)?.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "block {height}, the tip, or its certificate is missing"
            ))
        })?;
        Ok(Some((height, certified)))
    }

    /// The header and certificate of committed block `height`, as the RPC
    /// answers them; `None` if not stored. Kept for the last
    /// [`CERTIFIED_VIEWS_KEPT`] heights asked: a committed block and its
    /// certificate never change.
    pub fn certified(&self, height: u64) -> Result<Option<Certified>, StoreError> {
        // A poisoned cache (a panic while it was held) is only a miss.
        if let Ok(mut kept) = self.certified_views.lock()
            && let Some(at) = kept.iter().position(|(h, _)| *h == height)
            && let Some(entry) = kept.remove(at)
        {
            let certified = entry.1.clone();
            kept.push_back(entry);
            return Ok(Some(certified));
        }
        let Some((block, certificate)) = self.block(height)? else {
            return Ok(None);
        };
        let set = self.validator_set(height)?.ok_or_else(|| {
            StoreError::Corrupt(format!("no validator set is recorded for {height}"))
        })?;
        let certified = Certified {
            header: HeaderView::from_header(&block.header),
            certificate: CertificateView::from_certificate(&certificate, &set),
        };
        if let Ok(mut kept) = self.certified_views.lock()
            && !kept.iter().any(|(h, _)| *h == height)
        {
            while kept.len() >= CERTIFIED_VIEWS_KEPT {
                kept.pop_front();
            }
            kept.push_back((height, certified.clone()));
        }
        Ok(Some(certified))
    }

    /// Candidate bodies of the next height from their files (older ones are
    /// committed or abandoned: removed).
    fn load_candidates(&self) -> anyhow::Result<Vec<Block>> {
        let next = self.ledger().height().saturating_add(1);
        let mut candidates = Vec::new();
        for entry in fs::read_dir(&self.candidates_path)? {
            let path = entry?.path();
            let block: Option<Block> = fs::read(&path).ok().and_then(|b| decode(&b).ok());
            match block {
                Some(block) if block.header.height == next => candidates.push(block),
                _ => fs::remove_file(&path)?,
            }
        }
        Ok(candidates)
    }

    /// The network keys that may connect while `height` is decided: current,
    /// scheduled and leaving validators ([`crate::allowed_peers`]).
    pub fn allowed_network_keys(&self, height: u64) -> Result<Vec<PublicKey>, StoreError> {
        let in_force: Vec<PublicKey> = self
            .validator_set(height)?
            .map(|set| set.validators().iter().map(|v| v.public_key).collect())
            .unwrap_or_default();
        self.network_keys
            .allowed(height, &in_force, &self.view)
            .map_err(history_error)
    }

    /// The registry entries recorded for the validator set in force at
    /// `height` (network keys and collectivities), if any.
    pub fn registry_entries(&self, height: u64) -> Option<&[ValidatorEntry]> {
        self.network_keys.entries(height)
    }

    fn candidate_path(&self, block: &Block) -> PathBuf {
        self.candidates_path.join(format!(
            "{}-{}.block",
            block.header.height,
            block.hash().to_hex()
        ))
    }
}

impl ChainStore for LedgerStore {
    type State = LedgerView;
    type Prepared = Prepared;

    fn tip(&self) -> Result<Option<Tip>, StoreError> {
        let height = self.ledger().height();
        if height == 0 {
            return Ok(None);
        }
        match self.block(height)? {
            Some((block, certificate)) => Ok(Some(Tip {
                hash: block.hash(),
                header: block.header,
                certificate,
            })),
            None => Err(StoreError::Corrupt(format!(
                "block {height}, the ledger's tip, is missing"
            ))),
        }
    }

    fn state(&self) -> &LedgerView {
        &self.view
    }

    fn prepare(&self, writes: &Writes) -> Result<Prepared, StoreError> {
        self.ledger()
            .prepare(writes.clone())
            .map(Prepared)
            .map_err(store_error)
    }

    fn save_candidate(&mut self, block: &Block) -> Result<(), StoreError> {
        let hash = block.hash();
        if self.candidates.iter().any(|c| c.hash() == hash) {
            return Ok(());
        }
        write_durably(&self.candidate_path(block), &encode(block)).map_err(io_error)?;
        self.candidates.push(block.clone());
        Ok(())
    }

    fn candidates(&self) -> Result<Vec<Block>, StoreError> {
        Ok(self.candidates.clone())
    }

    fn commit(&mut self, decided: Decided<'_>, prepared: Prepared) -> Result<(), StoreError> {
        if let Some((height, set)) = decided.validator_change {
            self.sets.insert(*height, set.clone());
            write_durably(&self.sets_path, &encode(&self.sets)).map_err(io_error)?;
        }
        self.view
            .0
            .commit(
                decided.block,
                decided.certificate,
                decided.receipt_leaves,
                prepared.0,
            )
            .map_err(store_error)?;
        if let Some((height, _)) = decided.validator_change {
            // After the ledger's commit: the registry in state is the one the
            // block decided (a crash in between is repaired at open).
            self.network_keys
                .record(*height, &self.view)
                .map_err(history_error)?;
        }
        for block in std::mem::take(&mut self.candidates) {
            // A leftover file is removed at the next start: not worth stopping for.
            let _ = fs::remove_file(self.candidate_path(&block));
        }
        Ok(())
    }

    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError> {
        Ok(self
            .sets
            .range(..=height)
            .next_back()
            .map(|(_, set)| set.clone()))
    }

    fn block(&self, height: u64) -> Result<Option<(Block, QuorumCertificate)>, StoreError> {
        let block = self.ledger().block(height).map_err(store_error)?;
        let certificate = self.ledger().certificate(height).map_err(store_error)?;
        Ok(block.zip(certificate))
    }
}

/// A poisoned store lock: a thread panicked while writing the store, whose
/// memory may then be half-updated; the node must restart.
fn poisoned() -> StoreError {
    StoreError::Corrupt(
        "the ledger's lock is poisoned (a commit panicked); restart the node".to_string(),
    )
}

/// The engine's store: the [`LedgerStore`] shared with [`StoreReads`].
pub struct SharedStore {
    shared: Arc<RwLock<LedgerStore>>,
    view: SharedView,
}

/// The latest committed state through the shared store, read by execution:
/// each read takes the read lock (never contended by another writer: the
/// engine's thread is the only one).
pub struct SharedView(Arc<RwLock<LedgerStore>>);

impl StateRead for SharedView {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let store = self.0.read().map_err(|_| StorageError {
            reason: poisoned().to_string(),
        })?;
        store.view.get(key)
    }
}

/// A handle for reads from other threads (the RPC server).
#[derive(Clone)]
pub struct StoreReads(Arc<RwLock<LedgerStore>>);

impl StoreReads {
    /// The store, read-locked: hold the guard for one whole answer (so it
    /// is of one height), and take no second guard meanwhile (a waiting
    /// commit would deadlock them).
    pub fn read(&self) -> Result<RwLockReadGuard<'_, LedgerStore>, StoreError> {
        self.0.read().map_err(|_| poisoned())
    }
}

impl SharedStore {
    /// Shares `store`.
    pub fn new(store: LedgerStore) -> SharedStore {
        let shared = Arc::new(RwLock::new(store));
        SharedStore {
            view: SharedView(Arc::clone(&shared)),
            shared,
        }
    }

    /// A handle for reads from other threads.
    pub fn reads(&self) -> StoreReads {
        StoreReads(Arc::clone(&self.shared))
    }

    /// The store, read-locked (see [`StoreReads::read`]).
    pub fn read(&self) -> Result<RwLockReadGuard<'_, LedgerStore>, StoreError> {
        self.shared.read().map_err(|_| poisoned())
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, LedgerStore>, StoreError> {
        self.shared.write().map_err(|_| poisoned())
    }
}

impl ChainStore for SharedStore {
    type State = SharedView;
    type Prepared = Prepared;

    fn tip(&self) -> Result<Option<Tip>, StoreError> {
        self.read()?.tip()
    }

    fn state(&self) -> &SharedView {
        &self.view
    }

    fn prepare(&self, writes: &Writes) -> Result<Prepared, StoreError> {
        self.read()?.prepare(writes)
    }

    fn save_candidate(&mut self, block: &Block) -> Result<(), StoreError> {
        // The file is written and synced under the read lock, the list
        // changed under the write lock: reads do not wait for the sync. This
        // thread is the only writer, so nothing changes in between.
        {
            let store = self.read()?;
            let hash = block.hash();
            if store.candidates.iter().any(|c| c.hash() == hash) {
                return Ok(());
            }
            write_durably(&store.candidate_path(block), &encode(block)).map_err(io_error)?;
        }
        self.write()?.candidates.push(block.clone());
        Ok(())
    }

    fn candidates(&self) -> Result<Vec<Block>, StoreError> {
        self.read()?.candidates()
    }

    fn commit(&mut self, decided: Decided<'_>, prepared: Prepared) -> Result<(), StoreError> {
        self.write()?.commit(decided, prepared)
    }

    fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError> {
        self.read()?.validator_set(height)
    }

    fn block(&self, height: u64) -> Result<Option<(Block, QuorumCertificate)>, StoreError> {
        self.read()?.block(height)
    }
}
