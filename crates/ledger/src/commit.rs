//! Writing the ledger: genesis, committing a block atomically, pruning old state.
//!
//! A block is committed as ONE RocksDB write batch — block, certificate,
//! transaction index, receipts, state changes and their versions, the new state
//! root and the new height — written with `sync`, so the write-ahead log is on disk
//! before `commit` returns. After a crash the store is at the old height or the new
//! one, never between (RocksDB recovers whole batches from its log). The state
//! tree of the new height is computed before the write ([`Ledger::prepare`]) and
//! installed after it; the tree it replaces is freed on the ledger's reclaimer
//! thread (`reclaim.rs`), not on the commit path.

use std::collections::BTreeMap;
use std::fs;

use civitas_state_tree::parallel::both;
use civitas_state_tree::{StateTree, changes_of, leaves_of};
use civitas_types::receipt_leaves::{receipts_root, transaction_receipt_leaf};
use civitas_types::{Block, Hash, QuorumCertificate, encode};
use rocksdb::{WriteBatch, WriteOptions};

use crate::commit_points::{self, CommitPoint};
use crate::error::{BlockRejection, LedgerError, Result};
use crate::proof_cache::ProofCache;
use crate::reclaim::Reclaimer;
use crate::schema;
use crate::store::{Access, ChainIdentity, Ledger, LedgerConfig, Retention, open_database};

/// At most this many old heights are pruned per commit, so that turning pruning
/// on for a long chain does not stall one commit.
const PRUNE_HEIGHTS_PER_COMMIT: u64 = 4;

/// From this many transactions, a commit checks and encodes a block on two threads.
const PARALLEL_COMMIT_TRANSACTIONS: usize = 256;

/// A block's state changes with the state tree they produce, computed before the
/// block is final (the root goes into its header).
pub struct PreparedState {
    base_height: u64,
    writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    tree: StateTree,
}

impl PreparedState {
    /// The state root after the changes.
    pub fn root(&self) -> Hash {
        self.tree.root_hash()
    }

    /// The state tree after the changes.
    pub fn tree(&self) -> &StateTree {
        &self.tree
    }
}

impl Ledger {
    /// Creates a ledger in the empty (or absent) directory `config.path` holding
    /// the genesis state at height 0.
    pub fn create(
        config: LedgerConfig,
        identity: ChainIdentity,
        genesis_state: &BTreeMap<Vec<u8>, Vec<u8>>,
    ) -> Result<Ledger> {
        let entries: Vec<(&Vec<u8>, &Vec<u8>)> = genesis_state.iter().collect();
        // Checks every key before anything is created on disk.
        let tree = StateTree::from_leaves(leaves_of(&entries)?)?;
        ensure_empty_directory(&config)?;
        let db = open_database(&config, Access::Create)?;
        let genesis_hash = identity.genesis_hash;
        let mut ledger = Ledger::new_store(db, config, identity, 0, genesis_hash);
        ledger.tree = tree;
        let mut batch = WriteBatch::default();
        for (key, value) in genesis_state {
            ledger.put_state(&mut batch, key, Some(value), 0)?;
        }
        ledger.put_new_store_metadata(&mut batch)?;
        ledger.write_synced(batch)?;
        Ok(ledger)
    }

    /// A ledger value for a store being created at `height` (genesis, or a
    /// snapshot's height): every progress mark at `height`, an empty tree.
    pub(crate) fn new_store(
        db: rocksdb::DB,
        config: LedgerConfig,
        identity: ChainIdentity,
        height: u64,
        last_block_hash: Hash,
    ) -> Ledger {
        Ledger {
            db,
            config,
            identity,
            height,
            oldest_state: height,
            // Blocks start at 1 on a new chain, at the snapshot's block otherwise.
            first_block: height.max(1),
            pruned_through: height,
            last_block_hash,
            tree: StateTree::new(),
            reclaimer: Reclaimer::start(),
            proof_cache: ProofCache::default(),
        }
    }

    /// Puts `key`'s value (`None`: deleted) at `height`: the latest state and
    /// the key's version at that height.
    pub(crate) fn put_state(
        &self,
        batch: &mut WriteBatch,
        key: &[u8],
        value: Option<&[u8]>,
        height: u64,
    ) -> Result<()> {
        let state = self.cf(schema::CF_STATE)?;
        match value {
            Some(value) => batch.put_cf(state, key, value),
            None => batch.delete_cf(state, key),
        }
        batch.put_cf(
            self.cf(schema::CF_VERSIONS)?,
            schema::version_key(key, height),
            schema::versioned_value(value),
        );
        Ok(())
    }

    /// Puts the metadata of a new store (genesis or imported snapshot), from this
    /// value's height and tree: identity, the height's state root, progress, and
    /// last the format. The one place `meta` is written whole: a store whose batch
    /// holding these did not reach the disk has no format, and does not open.
    pub(crate) fn put_new_store_metadata(&self, batch: &mut WriteBatch) -> Result<()> {
        let key = schema::height_key(self.height);
        batch.put_cf(self.cf(schema::CF_ROOTS)?, key, self.tree.root_hash().0);
        let meta = self.cf(schema::CF_META)?;
        batch.put_cf(meta, schema::META_CHAIN_ID, self.identity.chain_id.as_str());
        batch.put_cf(meta, schema::META_GENESIS, self.identity.genesis_hash.0);
        self.put_progress(batch, self.height, self.oldest_state)?;
        batch.put_cf(
            meta,
            schema::META_PRUNED_THROUGH,
            schema::height_key(self.pruned_through),
        );
        batch.put_cf(
            meta,
            schema::META_FIRST_BLOCK,
            schema::height_key(self.first_block),
        );
        batch.put_cf(
            meta,
            schema::META_FORMAT,
            schema::FORMAT_VERSION.to_be_bytes(),
        );
        Ok(())
    }

    /// Puts the progress every commit moves: the height and the oldest state.
    fn put_progress(&self, batch: &mut WriteBatch, height: u64, oldest_state: u64) -> Result<()> {
        let meta = self.cf(schema::CF_META)?;
        batch.put_cf(meta, schema::META_HEIGHT, schema::height_key(height));
        batch.put_cf(
            meta,
            schema::META_OLDEST_STATE,
            schema::height_key(oldest_state),
        );
        Ok(())
    }

    /// Computes the state tree after `writes` (`None` deletes) on top of the latest
    /// height, without changing the store. The writes become tree changes as a
    /// `civitas_state_tree::MemoryState`'s do, so both give the same root.
    pub fn prepare(&self, writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>) -> Result<PreparedState> {
        let writes: Vec<(Vec<u8>, Option<Vec<u8>>)> = writes.into_iter().collect();
        let changes = changes_of(&writes)?;
        Ok(PreparedState {
            base_height: self.height,
            tree: self.tree.apply(changes)?,
            writes,
        })
    }

    /// Commits `block`, final by `certificate`, with its receipts (the receipts
    /// root's leaves: the block receipt, then one per transaction) and its prepared
    /// state. Checks that the block follows the stored chain and that the header's
    /// roots match the receipts and state; returns once the batch is on disk.
    pub fn commit(
        &mut self,
        block: &Block,
        certificate: &QuorumCertificate,
        receipts: &[Vec<u8>],
        state: PreparedState,
    ) -> Result<()> {
        // The checks and the encodings are independent: one each per core, when
        // the block is large enough to repay starting a thread.
        let (checked, encoded) = both(
            block.transactions.len() >= PARALLEL_COMMIT_TRANSACTIONS,
            || self.check_follows(block, certificate, receipts, &state),
            || EncodedBlock::of(block, receipts),
        );
        let block_hash = checked?;
        let height = block.header.height;
        let oldest_state = self.oldest_state_after(height);
        let batch = self.commit_batch(height, certificate, &encoded, &state, oldest_state)?;
        commit_points::reached(CommitPoint::BeforeWrite, height);
        self.write_synced(batch)?;
        commit_points::reached(CommitPoint::AfterWrite, height);
        self.height = height;
        self.oldest_state = oldest_state;
        self.last_block_hash = block_hash;
        let PreparedState { writes, tree, .. } = state;
        let previous = std::mem::replace(&mut self.tree, tree);
        self.reclaimer.retire(Box::new((previous, writes, encoded)));
        self.prune(PRUNE_HEIGHTS_PER_COMMIT)
    }

    /// The one write batch of a block: everything [`Ledger::commit`] stores.
    fn commit_batch(
        &self,
        height: u64,
        certificate: &QuorumCertificate,
        encoded: &EncodedBlock,
        state: &PreparedState,
        oldest_state: u64,
    ) -> Result<WriteBatch> {
        let mut batch = WriteBatch::with_capacity_bytes(encoded.batch_size_hint(state));
        let key = schema::height_key(height);
        batch.put_cf(self.cf(schema::CF_BLOCKS)?, key, &encoded.block);
        batch.put_cf(self.cf(schema::CF_CERTIFICATES)?, key, encode(certificate));
        batch.put_cf(self.cf(schema::CF_RECEIPTS)?, key, &encoded.receipts);
        let index = self.cf(schema::CF_TRANSACTIONS)?;
        for (position, id) in (0u32..).zip(&encoded.transaction_ids) {
            batch.put_cf(index, id.0, schema::transaction_location(height, position));
        }
        for (state_key, value) in &state.writes {
            self.put_state(&mut batch, state_key, value.as_deref(), height)?;
        }
        let changed: Vec<&Vec<u8>> = state.writes.iter().map(|(key, _)| key).collect();
        batch.put_cf(self.cf(schema::CF_CHANGES)?, key, encode(&changed));
        batch.put_cf(self.cf(schema::CF_ROOTS)?, key, state.root().0);
        self.put_progress(&mut batch, height, oldest_state)?;
        Ok(batch)
    }

    /// Why `block` cannot be committed next, if it cannot; its hash if it can.
    fn check_follows(
        &self,
        block: &Block,
        certificate: &QuorumCertificate,
        receipts: &[Vec<u8>],
        state: &PreparedState,
    ) -> Result<Hash> {
        let header = &block.header;
        let reject = |reason: BlockRejection| LedgerError::Rejected {
            height: header.height,
            reason,
        };
        if Some(header.height) != self.height.checked_add(1) {
            return Err(reject(BlockRejection::NotNext {
                stored: self.height,
            }));
        }
        if header.chain_id != self.identity.chain_id {
            return Err(reject(BlockRejection::OtherChain(header.chain_id.clone())));
        }
        if header.previous_block_hash != self.last_block_hash {
            return Err(reject(BlockRejection::DoesNotExtend));
        }
        let block_hash = block.hash();
        if certificate.height != header.height || certificate.block_hash != block_hash {
            return Err(reject(BlockRejection::CertificateForAnotherBlock));
        }
        block
            .check_body()
            .map_err(|error| reject(BlockRejection::Body(error)))?;
        // As many leaves as the position a transaction after the last would take.
        let expected_receipts = transaction_receipt_leaf(block.transactions.len());
        if Some(receipts.len()) != expected_receipts {
            return Err(reject(BlockRejection::ReceiptCount {
                receipts: receipts.len(),
                transactions: block.transactions.len(),
            }));
        }
        if receipts_root(receipts) != header.receipts_root {
            return Err(reject(BlockRejection::ReceiptsRoot));
        }
        if state.base_height != self.height {
            return Err(reject(BlockRejection::StalePreparation {
                prepared_on: state.base_height,
            }));
        }
        if state.root() != header.state_root {
            return Err(reject(BlockRejection::StateRoot {
                computed: state.root(),
                header: header.state_root,
            }));
        }
        Ok(block_hash)
    }

    fn oldest_state_after(&self, height: u64) -> u64 {
        match self.config.retention {
            Retention::Archive => self.oldest_state,
            Retention::Recent(keep) => self
                .oldest_state
                .max(height.saturating_add(1).saturating_sub(keep.max(1))),
        }
    }

    /// Removes state versions no retained height can read, for up to `heights`
    /// heights: for each key changed at a height `g` ≤ the oldest retained height,
    /// the version before `g` is unreachable. Idempotent; its progress is stored
    /// with its deletions, so a crash only repeats work.
    pub fn prune(&mut self, heights: u64) -> Result<()> {
        let mut budget = heights;
        while self.pruned_through < self.oldest_state && budget > 0 {
            let height = self.pruned_through.saturating_add(1);
            let mut batch = WriteBatch::default();
            let changes = self.cf(schema::CF_CHANGES)?;
            let key = schema::height_key(height);
            let changed: Vec<Vec<u8>> = match self.get_raw(schema::CF_CHANGES, &key)? {
                Some(bytes) => civitas_types::decode(&bytes).map_err(|error| {
                    self.corrupt(format!(
                        "the changes of height {height} do not decode: {error}"
                    ))
                })?,
                None => Vec::new(),
            };
            let versions = self.cf(schema::CF_VERSIONS)?;
            let mut cursor = self.db.raw_iterator_cf(versions);
            for state_key in &changed {
                cursor.seek_for_prev(schema::version_key(state_key, height.saturating_sub(1)));
                cursor.status().map_err(|error| self.storage(error))?;
                if let Some(found) = cursor.key()
                    && schema::split_version_key(found)
                        .is_some_and(|(k, _)| k == state_key.as_slice())
                {
                    batch.delete_cf(versions, found);
                }
            }
            batch.delete_cf(changes, key);
            batch.put_cf(self.cf(schema::CF_META)?, schema::META_PRUNED_THROUGH, key);
            commit_points::reached(CommitPoint::BeforePruneWrite, height);
            self.db.write(batch).map_err(|error| self.storage(error))?;
            commit_points::reached(CommitPoint::AfterPruneWrite, height);
            self.pruned_through = height;
            budget = budget.saturating_sub(1);
        }
        Ok(())
    }

    pub(crate) fn write_synced(&self, batch: WriteBatch) -> Result<()> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .map_err(|error| self.storage(error))
    }
}

/// The parts of a block's batch that take time to encode, made beside its checks.
struct EncodedBlock {
    block: Vec<u8>,
    receipts: Vec<u8>,
    transaction_ids: Vec<Hash>,
}

impl EncodedBlock {
    fn of(block: &Block, receipts: &[Vec<u8>]) -> EncodedBlock {
        EncodedBlock {
            block: encode(block),
            receipts: encode(receipts),
            transaction_ids: block.transactions.iter().map(|tx| tx.id()).collect(),
        }
    }

    /// Roughly the batch's size, so that it is allocated once (a hint: saturating).
    fn batch_size_hint(&self, state: &PreparedState) -> usize {
        const PER_ENTRY: usize = 32; // record tag, family id, lengths, version suffix
        let state_bytes = state.writes.iter().fold(0usize, |total, (key, value)| {
            let value = value.as_ref().map_or(0, Vec::len);
            // Once in `state`, once in `state_versions`, and the key in `changes`.
            let entry = key
                .len()
                .saturating_add(PER_ENTRY)
                .saturating_mul(3)
                .saturating_add(value.saturating_mul(2));
            total.saturating_add(entry)
        });
        let index_bytes = self
            .transaction_ids
            .len()
            .saturating_mul(32 + 12 + PER_ENTRY);
        [
            self.block.len(),
            self.receipts.len(),
            index_bytes,
            state_bytes,
            4096,
        ]
        .into_iter()
        .fold(0usize, usize::saturating_add)
    }
}

/// Refuses a directory that exists and has anything in it.
pub(crate) fn ensure_empty_directory(config: &LedgerConfig) -> Result<()> {
    let io = |source| LedgerError::Io {
        path: config.path.clone(),
        source,
    };
    match fs::read_dir(&config.path) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(LedgerError::NotEmpty(config.path.clone()));
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(&config.path).map_err(io)
        }
        Err(error) => Err(io(error)),
    }
}
