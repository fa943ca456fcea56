//! The ledger: opening a store safely, and every read.
//!
//! A [`Ledger`] owns one RocksDB database (layout in [`crate::schema`]) and the
//! in-memory state tree of its latest height. Opening checks the store's format,
//! chain and genesis, rebuilds the tree from the stored state and refuses the store
//! if the root differs from the one recorded at commit: damage is found at start,
//! not in the middle of consensus. Writes are in [`crate::commit`] and
//! [`crate::snapshot`].

use std::path::{Path, PathBuf};

use civitas_state_tree::{KEY_BYTES_MAX, StateTree, leaves_of};
use civitas_types::receipt_leaves::transaction_receipt_leaf;
use civitas_types::state_proof::key_hash;
use civitas_types::{
    Block, ChainId, Hash, MerkleProof, MerkleTree, QuorumCertificate, SignedTransaction,
    StateProof, decode, merkle,
};
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType,
    DBRecoveryMode, IteratorMode, Options, ReadOptions,
};

use crate::error::{LedgerError, Result};
use crate::proof_cache::{BlockTrees, ProofCache};
use crate::reclaim::Reclaimer;
use crate::schema::{self, COLUMN_FAMILIES};

/// One raw RocksDB entry, as its iterator yields it.
pub(crate) type KeyValue = (Box<[u8]>, Box<[u8]>);

/// How much old state a ledger keeps. Blocks are always kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retention {
    /// Keep the state of every height (an archive node).
    Archive,
    /// Keep the state of the last `n` heights (`n` ≥ 1); older state reads fail
    /// with [`LedgerError::Pruned`].
    Recent(u64),
}

/// Where and how to keep a ledger.
#[derive(Clone, Debug)]
pub struct LedgerConfig {
    /// The data directory.
    pub path: PathBuf,
    /// How much old state to keep.
    pub retention: Retention,
    /// RocksDB block cache size in bytes.
    pub cache_bytes: usize,
}

impl LedgerConfig {
    /// An archive ledger in `path` with a 256 MiB cache.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LedgerConfig {
            path: path.into(),
            retention: Retention::Archive,
            cache_bytes: 256 << 20,
        }
    }
}

/// Which network a store belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainIdentity {
    /// The chain id.
    pub chain_id: ChainId,
    /// The hash of the genesis document.
    pub genesis_hash: Hash,
}

/// A value read with its proof against the state root of `height`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenValue {
    /// The height whose state was read (the latest).
    pub height: u64,
    /// The state root the proof leads to (the header's `state_root` at `height`).
    pub root: Hash,
    /// The value, or `None` if the key is absent.
    pub value: Option<Vec<u8>>,
    /// The proof, checked by `civitas_types::verify_state`.
    pub proof: StateProof,
}

/// A committed transaction, its receipt, and their proofs against its block's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionRecord {
    /// The block's height.
    pub height: u64,
    /// The transaction's position in the block.
    pub position: u32,
    /// The transaction.
    pub transaction: SignedTransaction,
    /// Proof of the transaction's encoding under the header's `transactions_root`.
    pub transaction_proof: MerkleProof,
    /// The receipt's encoding (leaf `position + 1` of the receipts root).
    pub receipt: Vec<u8>,
    /// Proof of the receipt under the header's `receipts_root`.
    pub receipt_proof: MerkleProof,
}

/// A RocksDB store with the authenticated state of its latest height.
pub struct Ledger {
    pub(crate) db: DB,
    pub(crate) config: LedgerConfig,
    pub(crate) identity: ChainIdentity,
    pub(crate) height: u64,
    pub(crate) oldest_state: u64,
    pub(crate) first_block: u64,
    pub(crate) pruned_through: u64,
    pub(crate) tree: StateTree,
    pub(crate) last_block_hash: Hash,
    /// Drops retired state trees off the commit path.
    pub(crate) reclaimer: Reclaimer,
    /// The last blocks' Merkle trees, for transaction proofs.
    pub(crate) proof_cache: ProofCache,
}

impl Ledger {
    /// Opens the ledger in `config.path`, refusing it if it belongs to another chain
    /// or genesis than `expected` (when given), or if its state does not match its
    /// recorded root.
    pub fn open(config: LedgerConfig, expected: Option<&ChainIdentity>) -> Result<Ledger> {
        Ledger::open_with(config, expected, Access::Write)
    }

    /// Opens the ledger in `path` for reading only, with the same checks as
    /// [`Ledger::open`]: an auditor's copy of a node's data directory, or a
    /// running node's (a view of the moment it opened; no lock is taken and
    /// nothing is written, so the copy stays as it was handed over). Every
    /// table file is opened at once, so files a running node compacts away
    /// afterwards stay readable. A torn last write-ahead record (a node killed
    /// mid-write) is ignored, as a node's own restart would; damage anywhere
    /// else is an error. Commits fail with [`LedgerError::Storage`].
    pub fn open_read_only(path: &Path, expected: Option<&ChainIdentity>) -> Result<Ledger> {
        Ledger::open_with(LedgerConfig::new(path), expected, Access::ReadOnly)
    }

    fn open_with(
        config: LedgerConfig,
        expected: Option<&ChainIdentity>,
        access: Access,
    ) -> Result<Ledger> {
        if !config.path.join("CURRENT").exists() {
            return Err(LedgerError::Missing(config.path.clone()));
        }
        let db = open_database(&config, access)?;
        let mut ledger = Ledger {
            identity: read_identity(&db, &config.path)?,
            db,
            config,
            height: 0,
            oldest_state: 0,
            first_block: 0,
            pruned_through: 0,
            tree: StateTree::new(),
            last_block_hash: Hash::ZERO,
            reclaimer: Reclaimer::start(),
            proof_cache: ProofCache::default(),
        };
        if let Some(expected) = expected {
            ledger.check_identity(expected)?;
        }
        ledger.height = ledger.meta_height(schema::META_HEIGHT)?;
        ledger.oldest_state = ledger.meta_height(schema::META_OLDEST_STATE)?;
        ledger.first_block = ledger.meta_height(schema::META_FIRST_BLOCK)?;
        ledger.pruned_through = ledger.meta_height(schema::META_PRUNED_THROUGH)?;
        ledger.tree = ledger.rebuild_tree()?;
        let recorded = ledger.state_root_at(ledger.height)?;
        if ledger.tree.root_hash() != recorded {
            return Err(ledger.corrupt(format!(
                "the stored state hashes to {} but the root recorded at height {} is {recorded}",
                ledger.tree.root_hash(),
                ledger.height
            )));
        }
        ledger.last_block_hash = match ledger.block(ledger.height)? {
            Some(block) => block.hash(),
            None if ledger.height == 0 => ledger.identity.genesis_hash,
            None => return Err(ledger.corrupt(format!("block {} is missing", ledger.height))),
        };
        Ok(ledger)
    }

    fn check_identity(&self, expected: &ChainIdentity) -> Result<()> {
        if self.identity.chain_id != expected.chain_id {
            return Err(LedgerError::WrongChain {
                path: self.config.path.clone(),
                expected: expected.chain_id.clone(),
                found: self.identity.chain_id.clone(),
            });
        }
        if self.identity.genesis_hash != expected.genesis_hash {
            return Err(LedgerError::WrongGenesis {
                path: self.config.path.clone(),
                expected: expected.genesis_hash,
                found: self.identity.genesis_hash,
            });
        }
        Ok(())
    }

    /// Reads the whole latest state and builds its tree, hashing on every core.
    fn rebuild_tree(&self) -> Result<StateTree> {
        const CHUNK: usize = 1 << 16;
        let mut leaves = Vec::new();
        let mut chunk: Vec<KeyValue> = Vec::with_capacity(CHUNK);
        for item in self
            .db
            .iterator_cf(self.cf(schema::CF_STATE)?, IteratorMode::Start)
        {
            chunk.push(item.map_err(|error| self.storage(error))?);
            if chunk.len() == CHUNK {
                leaves.extend(self.stored_leaves(&chunk)?);
                chunk.clear();
            }
        }
        leaves.extend(self.stored_leaves(&chunk)?);
        Ok(StateTree::from_leaves(leaves)?)
    }

    /// The tree leaves of stored entries; a key no commit could have written
    /// means the store is damaged.
    fn stored_leaves(&self, entries: &[KeyValue]) -> Result<Vec<(Hash, Hash)>> {
        leaves_of(entries).map_err(|error| self.corrupt(format!("a stored state key: {error}")))
    }

    /// The chain this store belongs to.
    pub fn identity(&self) -> &ChainIdentity {
        &self.identity
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &LedgerConfig {
        &self.config
    }

    /// The last committed height (0: genesis only).
    pub fn height(&self) -> u64 {
        self.height
    }

    /// The hash of the last committed block (the genesis hash at height 0).
    pub fn last_block_hash(&self) -> Hash {
        self.last_block_hash
    }

    /// The oldest height whose state can still be read.
    pub fn oldest_state_height(&self) -> u64 {
        self.oldest_state
    }

    /// The first height with a stored block (1, or a snapshot's height).
    pub fn first_block_height(&self) -> u64 {
        self.first_block
    }

    /// The state root at the latest height.
    pub fn state_root(&self) -> Hash {
        self.tree.root_hash()
    }

    /// The state tree of the latest height (for execution and proofs).
    pub fn state_tree(&self) -> &StateTree {
        &self.tree
    }

    /// The state root after `height` (any committed height: roots are never pruned).
    pub fn state_root_at(&self, height: u64) -> Result<Hash> {
        self.check_committed(height)?;
        let bytes = self
            .get_raw(schema::CF_ROOTS, &schema::height_key(height))?
            .ok_or_else(|| self.corrupt(format!("the state root of height {height} is missing")))?;
        let root: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            self.corrupt(format!("the state root of height {height} is not 32 bytes"))
        })?;
        Ok(Hash(root))
    }

    /// The value of `key` at the latest height.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get_raw(schema::CF_STATE, key)
    }

    /// The value of `key` after `height`, for any retained height.
    pub fn get_at(&self, key: &[u8], height: u64) -> Result<Option<Vec<u8>>> {
        self.check_committed(height)?;
        if height == self.height {
            return self.get(key);
        }
        if height < self.oldest_state {
            return Err(LedgerError::Pruned {
                height,
                oldest: self.oldest_state,
            });
        }
        if key.len() > KEY_BYTES_MAX {
            return Ok(None);
        }
        let mut cursor = self.db.raw_iterator_cf(self.cf(schema::CF_VERSIONS)?);
        cursor.seek_for_prev(schema::version_key(key, height));
        cursor.status().map_err(|error| self.storage(error))?;
        let (Some(found), Some(value)) = (cursor.key(), cursor.value()) else {
            return Ok(None);
        };
        match schema::split_version_key(found) {
            Some((found_key, _)) if found_key == key => schema::read_versioned_value(value)
                .map(|value| value.map(<[u8]>::to_vec))
                .ok_or_else(|| self.corrupt("a state version does not decode".to_string())),
            Some(_) => Ok(None),
            None => Err(self.corrupt("a state version key does not decode".to_string())),
        }
    }

    /// The value of `key` at the latest height with its proof.
    pub fn prove(&self, key: &[u8]) -> Result<ProvenValue> {
        Ok(ProvenValue {
            height: self.height,
            root: self.tree.root_hash(),
            value: self.get(key)?,
            proof: self.tree.prove(&key_hash(key))?,
        })
    }

    /// Up to `limit` entries of the latest state whose keys start with `prefix`,
    /// in key order, after `start_after` when given (for paging).
    pub fn scan_prefix(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let start = start_after.unwrap_or(prefix);
        let mode = IteratorMode::From(start, rocksdb::Direction::Forward);
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(schema::CF_STATE)?, mode) {
            let (key, value) = item.map_err(|error| self.storage(error))?;
            if !key.starts_with(prefix) || out.len() >= limit {
                break;
            }
            if start_after.is_some_and(|after| *key == *after) {
                continue;
            }
            out.push((key.into_vec(), value.into_vec()));
        }
        Ok(out)
    }

    /// The block at `height`, if stored.
    pub fn block(&self, height: u64) -> Result<Option<Block>> {
        self.get_decoded(schema::CF_BLOCKS, &schema::height_key(height), "block")
    }

    /// The certificate that made block `height` final, if stored.
    pub fn certificate(&self, height: u64) -> Result<Option<QuorumCertificate>> {
        self.get_decoded(
            schema::CF_CERTIFICATES,
            &schema::height_key(height),
            "certificate",
        )
    }

    /// Blocks `from..` with their certificates, at most `limit`, stopping at the
    /// latest height (for block sync).
    pub fn blocks(&self, from: u64, limit: usize) -> Result<Vec<(Block, QuorumCertificate)>> {
        let mut out = Vec::new();
        let mut height = from.max(self.first_block);
        while height <= self.height && out.len() < limit {
            let block = self.block(height)?;
            let certificate = self.certificate(height)?;
            match (block, certificate) {
                (Some(block), Some(certificate)) => out.push((block, certificate)),
                _ => {
                    return Err(
                        self.corrupt(format!("block {height} or its certificate is missing"))
                    );
                }
            }
            height = height.saturating_add(1);
        }
        Ok(out)
    }

    /// The receipts root's leaves of block `height`, if stored.
    pub fn receipts(&self, height: u64) -> Result<Option<Vec<Vec<u8>>>> {
        self.get_decoded(schema::CF_RECEIPTS, &schema::height_key(height), "receipts")
    }

    /// Where a committed transaction is: its block's height and its
    /// position in the block, if indexed.
    pub fn transaction_location(&self, id: &Hash) -> Result<Option<(u64, u32)>> {
        let Some(location) = self.get_raw(schema::CF_TRANSACTIONS, &id.0)? else {
            return Ok(None);
        };
        schema::read_transaction_location(&location)
            .map(Some)
            .ok_or_else(|| {
                self.corrupt(format!(
                    "the index entry of transaction {id} does not decode"
                ))
            })
    }

    /// A committed transaction by id, with its receipt and both Merkle
    /// proofs, cut from its block's trees (kept for the last blocks read:
    /// [`crate::PROOF_CACHE_BLOCKS`]).
    pub fn transaction(&self, id: &Hash) -> Result<Option<TransactionRecord>> {
        let Some((height, position)) = self.transaction_location(id)? else {
            return Ok(None);
        };
        let missing =
            |what: &str| self.corrupt(format!("{what} of indexed transaction {id} is missing"));
        let trees = self
            .block_trees(height)?
            .ok_or_else(|| missing("the block or its receipts"))?;
        let index = usize::try_from(position).map_err(|_| missing("the position"))?;
        let receipt_index =
            transaction_receipt_leaf(index).ok_or_else(|| missing("the receipt position"))?;
        let transaction = trees
            .block
            .transactions
            .get(index)
            .ok_or_else(|| missing("the transaction"))?;
        let receipt = trees
            .receipts
            .get(receipt_index)
            .ok_or_else(|| missing("the receipt"))?;
        let transaction_proof = trees
            .transactions_tree
            .proof(index)
            .ok_or_else(|| missing("the transaction proof"))?;
        let receipt_proof = trees
            .receipts_tree
            .proof(receipt_index)
            .ok_or_else(|| missing("the receipt proof"))?;
        Ok(Some(TransactionRecord {
            height,
            position,
            transaction: transaction.clone(),
            transaction_proof,
            receipt: receipt.clone(),
            receipt_proof,
        }))
    }

    /// Block `height` with its receipts and both trees: from the cache, or
    /// read, hashed and kept. `None` if the block or its receipts are not
    /// stored.
    fn block_trees(&self, height: u64) -> Result<Option<std::sync::Arc<BlockTrees>>> {
        if let Some(trees) = self.proof_cache.get(height) {
            return Ok(Some(trees));
        }
        let (Some(block), Some(receipts)) = (self.block(height)?, self.receipts(height)?) else {
            return Ok(None);
        };
        let transaction_leaves: Vec<Hash> = block
            .transactions
            .iter()
            .map(|tx| merkle::leaf_hash(&civitas_types::encode(tx)))
            .collect();
        let receipt_leaves: Vec<Hash> = receipts.iter().map(|r| merkle::leaf_hash(r)).collect();
        let trees = std::sync::Arc::new(BlockTrees {
            transactions_tree: MerkleTree::from_leaf_hashes(transaction_leaves),
            receipts_tree: MerkleTree::from_leaf_hashes(receipt_leaves),
            block,
            receipts,
        });
        self.proof_cache
            .insert(height, std::sync::Arc::clone(&trees));
        Ok(Some(trees))
    }

    /// Reads every entry of every column family, checking each block's
    /// checksum on the way (bypassing the cache): damage anywhere in the
    /// store's files — even in tables an audit's replay never reads, such as
    /// the transaction index or old state versions — is a
    /// [`LedgerError::Storage`] naming the file. Returns the entries read.
    pub fn check_checksums(&self) -> Result<u64> {
        let mut entries: u64 = 0;
        for name in COLUMN_FAMILIES {
            let mut options = ReadOptions::default();
            options.set_verify_checksums(true);
            options.fill_cache(false);
            let iterator = self
                .db
                .iterator_cf_opt(self.cf(name)?, options, IteratorMode::Start);
            for item in iterator {
                item.map_err(|error| self.storage(error))?;
                entries = entries.saturating_add(1);
            }
        }
        Ok(entries)
    }

    /// Flushes memtables to files (used before copying a store; commits are
    /// durable without it).
    pub fn flush(&self) -> Result<()> {
        for name in COLUMN_FAMILIES {
            self.db
                .flush_cf(self.cf(name)?)
                .map_err(|error| self.storage(error))?;
        }
        Ok(())
    }

    pub(crate) fn check_committed(&self, height: u64) -> Result<()> {
        if height > self.height {
            return Err(LedgerError::NotCommitted {
                height,
                latest: self.height,
            });
        }
        Ok(())
    }

    pub(crate) fn cf(&self, name: &str) -> Result<&ColumnFamily> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| self.corrupt(format!("column family `{name}` is missing")))
    }

    pub(crate) fn get_raw(&self, cf: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db
            .get_pinned_cf(self.cf(cf)?, key)
            .map(|value| value.map(|value| value.to_vec()))
            .map_err(|error| self.storage(error))
    }

    fn get_decoded<T: borsh::BorshDeserialize>(
        &self,
        cf: &str,
        key: &[u8],
        what: &str,
    ) -> Result<Option<T>> {
        self.get_raw(cf, key)?
            .map(|bytes| {
                decode(&bytes).map_err(|error| {
                    self.corrupt(format!("a stored {what} does not decode: {error}"))
                })
            })
            .transpose()
    }

    fn meta_height(&self, key: &[u8]) -> Result<u64> {
        let name = String::from_utf8_lossy(key).into_owned();
        self.get_raw(schema::CF_META, key)?
            .as_deref()
            .and_then(schema::read_height)
            .ok_or_else(|| self.corrupt(format!("metadata `{name}` is missing or malformed")))
    }

    pub(crate) fn storage(&self, error: rocksdb::Error) -> LedgerError {
        storage_error(&self.config.path, error)
    }

    pub(crate) fn corrupt(&self, what: String) -> LedgerError {
        LedgerError::Corrupt {
            path: self.config.path.clone(),
            what,
        }
    }
}

pub(crate) fn storage_error(path: &Path, error: rocksdb::Error) -> LedgerError {
    LedgerError::Storage {
        path: path.to_path_buf(),
        detail: error.into_string(),
    }
}

/// How a database is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Created (with every column family) if missing, then read and written.
    Create,
    /// An existing database, read and written.
    Write,
    /// An existing database, read only (see [`Ledger::open_read_only`]).
    ReadOnly,
}

/// Opens (or creates) the database with every column family.
pub(crate) fn open_database(config: &LedgerConfig, access: Access) -> Result<DB> {
    let create = access == Access::Create;
    let cache = Cache::new_lru_cache(config.cache_bytes);
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(&cache);
    table.set_bloom_filter(10.0, false);
    table.set_cache_index_and_filter_blocks(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    let mut family = Options::default();
    family.set_block_based_table_factory(&table);
    family.set_compression_type(DBCompressionType::Lz4);
    // Small memtables: inserting a block's ≈70,000 entries into a skiplist costs
    // more the larger it has grown; 16 MiB commits faster than 128 MiB
    // (docs/performance.md, "Ledger") and bounds memtable memory.
    family.set_write_buffer_size(16 << 20);
    family.set_max_write_buffer_number(4);
    family.set_level_zero_slowdown_writes_trigger(40);
    family.set_level_zero_stop_writes_trigger(64);
    let mut options = Options::default();
    options.create_if_missing(create);
    options.create_missing_column_families(create);
    options.set_paranoid_checks(true);
    options.set_max_background_jobs(2);
    options.set_enable_pipelined_write(true);
    options.set_max_open_files(512);
    let families = COLUMN_FAMILIES
        .iter()
        .map(|name| ColumnFamilyDescriptor::new(*name, family.clone()));
    let opened = if access == Access::ReadOnly {
        options.set_max_open_files(-1);
        options.set_wal_recovery_mode(DBRecoveryMode::TolerateCorruptedTailRecords);
        DB::open_cf_descriptors_read_only(&options, &config.path, families, false)
    } else {
        DB::open_cf_descriptors(&options, &config.path, families)
    };
    opened.map_err(|error| storage_error(&config.path, error))
}

fn read_identity(db: &DB, path: &Path) -> Result<ChainIdentity> {
    let corrupt = |what: &str| LedgerError::Corrupt {
        path: path.to_path_buf(),
        what: what.to_string(),
    };
    let meta = db
        .cf_handle(schema::CF_META)
        .ok_or_else(|| corrupt("column family `meta` is missing"))?;
    let read = |key: &[u8]| {
        db.get_cf(meta, key)
            .map_err(|error| storage_error(path, error))
    };
    let format = read(schema::META_FORMAT)?
        .and_then(|bytes| bytes.as_slice().try_into().ok().map(u32::from_be_bytes))
        .ok_or_else(|| {
            corrupt("the storage format is missing; the store was never fully created")
        })?;
    if format != schema::FORMAT_VERSION {
        return Err(LedgerError::Format {
            path: path.to_path_buf(),
            expected: schema::FORMAT_VERSION,
            found: format,
        });
    }
    let chain_id = read(schema::META_CHAIN_ID)?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| ChainId::new(&text).ok())
        .ok_or_else(|| corrupt("the chain id is missing or malformed"))?;
    let genesis_hash = read(schema::META_GENESIS)?
        .and_then(|bytes| bytes.as_slice().try_into().ok().map(Hash))
        .ok_or_else(|| corrupt("the genesis hash is missing or malformed"))?;
    Ok(ChainIdentity {
        chain_id,
        genesis_hash,
    })
}
