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

use civitas_types::state_proof::{key_hash, value_hash};
use civitas_types::{Block, Hash, QuorumCertificate, encode, merkle};
use rocksdb::{WriteBatch, WriteOptions};

use crate::error::{LedgerError, Result};
use crate::parallel::{both, map_on_two_threads};
use crate::reclaim::Reclaimer;
use crate::schema;
use crate::store::{
    BLOCK_RECEIPT_LEAVES, ChainIdentity, Ledger, LedgerConfig, Retention, open_database,
};
use crate::tree::{Change, StateTree};

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
        ensure_empty_directory(&config)?;
        let db = open_database(&config, true)?;
        let entries: Vec<(&Vec<u8>, &Vec<u8>)> = genesis_state.iter().collect();
        let tree = StateTree::from_leaves(crate::store::hash_entries(&entries));
        let ledger = Ledger {
            db,
            config,
            identity,
            height: 0,
            oldest_state: 0,
            first_block: 1,
            pruned_through: 0,
            last_block_hash: Hash::ZERO,
            tree,
            reclaimer: Reclaimer::start(),
        };
        let mut batch = WriteBatch::default();
        for (key, value) in genesis_state {
            check_key(key)?;
            batch.put_cf(ledger.cf(schema::CF_STATE)?, key, value);
            batch.put_cf(
                ledger.cf(schema::CF_VERSIONS)?,
                schema::version_key(key, 0),
                schema::versioned_value(Some(value)),
            );
        }
        batch.put_cf(
            ledger.cf(schema::CF_ROOTS)?,
            schema::height_key(0),
            ledger.tree.root_hash().0,
        );
        let meta = ledger.cf(schema::CF_META)?;
        batch.put_cf(
            meta,
            schema::META_CHAIN_ID,
            ledger.identity.chain_id.as_str(),
        );
        batch.put_cf(meta, schema::META_GENESIS, ledger.identity.genesis_hash.0);
        batch.put_cf(meta, schema::META_HEIGHT, schema::height_key(0));
        batch.put_cf(meta, schema::META_OLDEST_STATE, schema::height_key(0));
        batch.put_cf(meta, schema::META_PRUNED_THROUGH, schema::height_key(0));
        batch.put_cf(meta, schema::META_FIRST_BLOCK, schema::height_key(1));
        // Written last in the same batch: a store without a format was never created.
        batch.put_cf(
            meta,
            schema::META_FORMAT,
            schema::FORMAT_VERSION.to_be_bytes(),
        );
        ledger.write_synced(batch)?;
        let genesis_hash = ledger.identity.genesis_hash;
        Ok(Ledger {
            last_block_hash: genesis_hash,
            ..ledger
        })
    }

    /// Computes the state tree after `writes` (`None` deletes) on top of the latest
    /// height, without changing the store.
    pub fn prepare(&self, writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>) -> Result<PreparedState> {
        let writes: Vec<(Vec<u8>, Option<Vec<u8>>)> = writes.into_iter().collect();
        for (key, _) in &writes {
            check_key(key)?;
        }
        let changes = hash_changes(&writes);
        Ok(PreparedState {
            base_height: self.height,
            tree: self.tree.apply(changes),
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
        self.write_synced(batch)?;
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
        let (state_cf, versions) = (self.cf(schema::CF_STATE)?, self.cf(schema::CF_VERSIONS)?);
        for (key, value) in &state.writes {
            match value {
                Some(value) => batch.put_cf(state_cf, key, value),
                None => batch.delete_cf(state_cf, key),
            }
            let version = schema::versioned_value(value.as_deref());
            batch.put_cf(versions, schema::version_key(key, height), version);
        }
        let changed: Vec<&Vec<u8>> = state.writes.iter().map(|(key, _)| key).collect();
        batch.put_cf(self.cf(schema::CF_CHANGES)?, key, encode(&changed));
        batch.put_cf(self.cf(schema::CF_ROOTS)?, key, state.root().0);
        let meta = self.cf(schema::CF_META)?;
        batch.put_cf(meta, schema::META_HEIGHT, key);
        batch.put_cf(
            meta,
            schema::META_OLDEST_STATE,
            schema::height_key(oldest_state),
        );
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
        let reject = |reason: String| LedgerError::Rejected {
            height: header.height,
            reason,
        };
        if Some(header.height) != self.height.checked_add(1) {
            return Err(reject(format!("the store is at height {}", self.height)));
        }
        if header.chain_id != self.identity.chain_id {
            return Err(reject(format!("it is for chain `{}`", header.chain_id)));
        }
        if header.previous_block_hash != self.last_block_hash {
            return Err(reject("it does not extend the stored chain".to_string()));
        }
        let block_hash = block.hash();
        if certificate.height != header.height || certificate.block_hash != block_hash {
            return Err(reject("the certificate is for another block".to_string()));
        }
        block
            .check_body()
            .map_err(|error| reject(error.to_string()))?;
        if receipts.len()
            != block
                .transactions
                .len()
                .saturating_add(BLOCK_RECEIPT_LEAVES)
        {
            return Err(reject(format!(
                "{} receipts for {} transactions",
                receipts.len(),
                block.transactions.len()
            )));
        }
        if merkle::root_of(receipts) != header.receipts_root {
            return Err(reject(
                "the receipts do not match the receipts root".to_string(),
            ));
        }
        if state.base_height != self.height {
            return Err(reject(format!(
                "its state was prepared on height {}",
                state.base_height
            )));
        }
        if state.root() != header.state_root {
            return Err(reject(format!(
                "its state changes give root {}, the header says {}",
                state.root(),
                header.state_root
            )));
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
            self.db.write(batch).map_err(|error| self.storage(error))?;
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

/// (key hash, value hash or deletion) of each write.
fn hash_changes(writes: &[(Vec<u8>, Option<Vec<u8>>)]) -> Vec<Change> {
    map_on_two_threads(writes, |(key, value)| {
        (key_hash(key), value.as_deref().map(value_hash))
    })
}

pub(crate) fn check_key(key: &[u8]) -> Result<()> {
    if key.len() > usize::from(u16::MAX) {
        return Err(LedgerError::KeyTooLong(key.len()));
    }
    Ok(())
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
