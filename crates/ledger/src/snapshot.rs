//! State snapshots: export the state at a height to one file, import it into an
//! empty store, verified.
//!
//! File layout (docs/storage.md, "Snapshots"):
//!
//! ```text
//! magic      16 bytes  "civitas-snapshot"
//! format      u32 LE   1
//! header_len  u32 LE, then the header's borsh encoding (SnapshotHeader)
//! entries     entry_count × (key_len u32 LE ‖ key ‖ value_len u32 LE ‖ value),
//!             keys strictly increasing by (length, bytes)
//! checksum    32 bytes: SHA-256 of everything before it
//! ```
//!
//! A snapshot file proves nothing by itself: anyone can write one whose entries,
//! root, block and certificate agree with each other. Import therefore requires
//! something the operator trusts ([`SnapshotTrust`]): the state root itself, or
//! the validator set whose signatures must make the snapshot's block final. It
//! checks the checksum before writing anything, then the chain and genesis, that
//! the block and certificate are of the snapshot's height and carry its root, the
//! trust, and, after writing, that the entries hash to that root.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_state_tree::{StateTree, check_key, leaves_of};
use civitas_types::{Block, ChainId, Hash, QuorumCertificate, ValidatorSet, decode, encode};
use rocksdb::{IteratorMode, WriteBatch};
use sha2::{Digest, Sha256};

use crate::commit::ensure_empty_directory;
use crate::error::{LedgerError, Result, SnapshotRejection};
use crate::schema;
use crate::store::{Access, ChainIdentity, Ledger, LedgerConfig, open_database};

const MAGIC: &[u8; 16] = b"civitas-snapshot";
const SNAPSHOT_FORMAT: u32 = 1;
/// Largest header (it carries one block) and value accepted on import.
const HEADER_BYTES_MAX: u32 = 256 << 20;
const VALUE_BYTES_MAX: u32 = 16 << 20;
const IMPORT_BATCH_ENTRIES: usize = 1 << 16;

/// A snapshot's state entries, (key, value), in (length, bytes) key order.
pub type SnapshotEntries = Vec<(Vec<u8>, Vec<u8>)>;

/// What a snapshot file says about itself.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SnapshotHeader {
    /// The chain.
    pub chain_id: ChainId,
    /// Its genesis document hash.
    pub genesis_hash: Hash,
    /// The height whose state the file holds.
    pub height: u64,
    /// The state root at that height.
    pub state_root: Hash,
    /// The block at that height (`None` at height 0), so a node can continue from it.
    pub block: Option<Block>,
    /// That block's certificate.
    pub certificate: Option<QuorumCertificate>,
    /// How many entries follow.
    pub entry_count: u64,
}

/// What vouches for a snapshot on import. A snapshot is only as good as this:
/// its own root, block and certificate are written by whoever made the file.
#[derive(Clone, Debug)]
pub enum SnapshotTrust {
    /// The state root of the snapshot's height, obtained from a source the
    /// operator trusts (a header read from several validators, a published
    /// checkpoint). The only way to import a height-0 snapshot.
    Root(Hash),
    /// The validator set that signs the snapshot's height: its block must name
    /// this set (`validators_hash`) and its certificate must hold valid
    /// signatures of more than two thirds of the set's power.
    Validators(ValidatorSet),
}

impl Ledger {
    /// Writes the state at `height` (any retained height) to `path`.
    pub fn export_snapshot(&self, height: u64, path: &Path) -> Result<SnapshotHeader> {
        self.check_committed(height)?;
        if height < self.oldest_state {
            return Err(LedgerError::Pruned {
                height,
                oldest: self.oldest_state,
            });
        }
        let entries = self.state_entries_at(height)?;
        let (block, certificate) = if height == 0 {
            (None, None)
        } else {
            (self.block(height)?, self.certificate(height)?)
        };
        let header = SnapshotHeader {
            chain_id: self.identity.chain_id.clone(),
            genesis_hash: self.identity.genesis_hash,
            height,
            state_root: self.state_root_at(height)?,
            block,
            certificate,
            entry_count: u64::try_from(entries.len()).unwrap_or(u64::MAX),
        };
        write_snapshot(path, &header, &entries)?;
        Ok(header)
    }

    /// Every (key, value) of the state at `height`, in (length, bytes) key order:
    /// the newest version at or below `height` of each key, when it is a value.
    fn state_entries_at(&self, height: u64) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut current: Option<Vec<u8>> = None;
        let mut value_at_height: Option<Vec<u8>> = None;
        let versions = self.cf(schema::CF_VERSIONS)?;
        for item in self.db.iterator_cf(versions, IteratorMode::Start) {
            let (version_key, value) = item.map_err(|error| self.storage(error))?;
            let (key, version) = schema::split_version_key(&version_key)
                .ok_or_else(|| self.corrupt("a state version key does not decode".to_string()))?;
            let value = schema::read_versioned_value(&value)
                .ok_or_else(|| self.corrupt("a state version does not decode".to_string()))?;
            if current.as_deref() != Some(key) {
                if let (Some(k), Some(v)) = (current.take(), value_at_height.take()) {
                    entries.push((k, v));
                }
                current = Some(key.to_vec());
            }
            // One key's versions come in height order: the last at or below wins.
            if version <= height {
                value_at_height = value.map(<[u8]>::to_vec);
            }
        }
        if let (Some(k), Some(v)) = (current, value_at_height) {
            entries.push((k, v));
        }
        Ok(entries)
    }

    /// Creates a ledger in the empty directory `config.path` from the snapshot at
    /// `path`, for the chain `expected`, vouched for by `trust` (see
    /// [`SnapshotTrust`]). On any failure nothing is left in the directory.
    pub fn import_snapshot(
        config: LedgerConfig,
        path: &Path,
        expected: &ChainIdentity,
        trust: &SnapshotTrust,
    ) -> Result<Ledger> {
        verify_checksum(path)?;
        ensure_empty_directory(&config)?;
        let directory = config.path.clone();
        let result = import_verified(config, path, expected, trust);
        if result.is_err() {
            // Leave no half-imported store behind; the original error matters more
            // than a failure to clean up.
            let _ = std::fs::remove_dir_all(&directory);
        }
        result
    }
}

/// Writes a snapshot file at `path`: `header` and its `entries`, which must
/// be the state of `header.state_root` in (length, bytes) key order (the
/// order [`read_snapshot`] and import check). Used by
/// [`Ledger::export_snapshot`] and by whoever holds a verified state in
/// memory (the auditor, saving the state its replay verified).
pub fn write_snapshot(
    path: &Path,
    header: &SnapshotHeader,
    entries: &[(Vec<u8>, Vec<u8>)],
) -> Result<()> {
    let io = |source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(io)?;
    let mut out = HashingWriter {
        inner: BufWriter::new(file),
        hasher: Sha256::new(),
    };
    let header_bytes = encode(header);
    let header_len = u32::try_from(header_bytes.len()).unwrap_or(u32::MAX);
    out.write_all(MAGIC).map_err(io)?;
    out.write_all(&SNAPSHOT_FORMAT.to_le_bytes()).map_err(io)?;
    out.write_all(&header_len.to_le_bytes()).map_err(io)?;
    out.write_all(&header_bytes).map_err(io)?;
    for (key, value) in entries {
        write_bytes(&mut out, key).map_err(io)?;
        write_bytes(&mut out, value).map_err(io)?;
    }
    let checksum: [u8; 32] = out.hasher.finalize_reset().into();
    out.inner.write_all(&checksum).map_err(io)?;
    let file = out
        .inner
        .into_inner()
        .map_err(|error| io(error.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(())
}

/// Reads and checks the whole snapshot at `path` for the chain `expected`,
/// vouched for by `trust` — the checks of import (checksum, chain, block and
/// certificate of its height, the trust, key order, the entries' root) —
/// without writing anything: its header and its entries, in key order.
pub fn read_snapshot(
    path: &Path,
    expected: &ChainIdentity,
    trust: &SnapshotTrust,
) -> Result<(SnapshotHeader, SnapshotEntries)> {
    let bad = |reason| rejected(path, reason);
    verify_checksum(path)?;
    let mut input = BufReader::new(File::open(path).map_err(|source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    })?);
    let header = read_header(&mut input).map_err(bad)?;
    check_header(&header, expected, trust).map_err(bad)?;
    let mut entries = Vec::new();
    let mut previous: Option<Vec<u8>> = None;
    for _ in 0..header.entry_count {
        let entry = read_entry(&mut input, previous.as_deref()).map_err(bad)?;
        previous = Some(entry.0.clone());
        entries.push(entry);
    }
    let root = StateTree::from_leaves(leaves_of(&entries)?)?.root_hash();
    if root != header.state_root {
        return Err(bad(SnapshotRejection::EntriesRoot {
            computed: root,
            claimed: header.state_root,
        }));
    }
    Ok((header, entries))
}

/// The height the snapshot at `path` says it holds, read from its header
/// alone (nothing checked yet: to choose what to trust before
/// [`read_snapshot`] checks the whole file).
pub fn snapshot_height(path: &Path) -> Result<u64> {
    let mut input = BufReader::new(File::open(path).map_err(|source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    })?);
    read_header(&mut input)
        .map(|header| header.height)
        .map_err(|reason| rejected(path, reason))
}

/// Reads one entry, checking its key is storable and follows `previous`.
fn read_entry(
    input: &mut impl Read,
    previous: Option<&[u8]>,
) -> std::result::Result<(Vec<u8>, Vec<u8>), SnapshotRejection> {
    // The length limit is the store's key limit: every key read is storable.
    let key = read_bytes(input, u32::from(u16::MAX))?;
    check_key(&key).map_err(SnapshotRejection::Key)?;
    let value = read_bytes(input, VALUE_BYTES_MAX)?;
    if previous.is_some_and(|p| (p.len(), p) >= (key.len(), key.as_slice())) {
        return Err(SnapshotRejection::EntriesOutOfOrder);
    }
    Ok((key, value))
}

fn import_verified(
    config: LedgerConfig,
    path: &Path,
    expected: &ChainIdentity,
    trust: &SnapshotTrust,
) -> Result<Ledger> {
    let bad = |reason| rejected(path, reason);
    let io = |source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut input = BufReader::new(File::open(path).map_err(io)?);
    let header = read_header(&mut input).map_err(bad)?;
    check_header(&header, expected, trust).map_err(bad)?;
    let last_block_hash = header
        .block
        .as_ref()
        .map_or(expected.genesis_hash, Block::hash);
    let db = open_database(&config, Access::Create)?;
    let mut ledger =
        Ledger::new_store(db, config, expected.clone(), header.height, last_block_hash);
    let leaves = import_entries(&ledger, &mut input, &header).map_err(|error| match error {
        ImportError::File(reason) => bad(reason),
        ImportError::Ledger(error) => error,
    })?;
    ledger.tree = StateTree::from_leaves(leaves)?;
    if ledger.tree.root_hash() != header.state_root {
        return Err(bad(SnapshotRejection::EntriesRoot {
            computed: ledger.tree.root_hash(),
            claimed: header.state_root,
        }));
    }
    let mut batch = WriteBatch::default();
    if let (Some(block), Some(certificate)) = (&header.block, &header.certificate) {
        let key = schema::height_key(header.height);
        batch.put_cf(ledger.cf(schema::CF_BLOCKS)?, key, encode(block));
        batch.put_cf(
            ledger.cf(schema::CF_CERTIFICATES)?,
            key,
            encode(certificate),
        );
    }
    ledger.put_new_store_metadata(&mut batch)?;
    ledger.write_synced(batch)?;
    Ok(ledger)
}

fn rejected(path: &Path, reason: SnapshotRejection) -> LedgerError {
    LedgerError::Snapshot {
        path: path.to_path_buf(),
        reason,
    }
}

/// Why reading the entries stopped: the file's fault, or the store's.
enum ImportError {
    File(SnapshotRejection),
    Ledger(LedgerError),
}

impl From<LedgerError> for ImportError {
    fn from(error: LedgerError) -> Self {
        ImportError::Ledger(error)
    }
}

impl From<SnapshotRejection> for ImportError {
    fn from(reason: SnapshotRejection) -> Self {
        ImportError::File(reason)
    }
}

/// Reads the header's `entry_count` entries, checks their order, writes them in
/// chunks and returns their leaf hashes.
fn import_entries(
    ledger: &Ledger,
    input: &mut impl Read,
    header: &SnapshotHeader,
) -> std::result::Result<Vec<(Hash, Hash)>, ImportError> {
    let mut leaves = Vec::new();
    let mut chunk: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut previous: Option<Vec<u8>> = None;
    for _ in 0..header.entry_count {
        let (key, value) = read_entry(input, previous.as_deref())?;
        previous = Some(key.clone());
        chunk.push((key, value));
        if chunk.len() == IMPORT_BATCH_ENTRIES {
            leaves.extend(write_entries(ledger, &chunk, header.height)?);
            chunk.clear();
        }
    }
    leaves.extend(write_entries(ledger, &chunk, header.height)?);
    Ok(leaves)
}

/// Checks what the header says against the chain and the operator's trust.
fn check_header(
    header: &SnapshotHeader,
    expected: &ChainIdentity,
    trust: &SnapshotTrust,
) -> std::result::Result<(), SnapshotRejection> {
    let foreign = |chain_id: &ChainId| SnapshotRejection::OtherChain {
        chain_id: chain_id.clone(),
        genesis_hash: header.genesis_hash,
    };
    if header.chain_id != expected.chain_id || header.genesis_hash != expected.genesis_hash {
        return Err(foreign(&header.chain_id));
    }
    let block = match (&header.block, &header.certificate) {
        (None, None) if header.height == 0 => None,
        (Some(block), Some(certificate)) => {
            if block.header.chain_id != expected.chain_id {
                return Err(foreign(&block.header.chain_id));
            }
            check_block_of_height(header, block, certificate)?;
            Some((block, certificate))
        }
        _ => return Err(SnapshotRejection::BlockMissing),
    };
    match (trust, block) {
        (SnapshotTrust::Root(trusted), _) if *trusted != header.state_root => {
            Err(SnapshotRejection::UntrustedRoot {
                found: header.state_root,
                trusted: *trusted,
            })
        }
        (SnapshotTrust::Root(_), _) => Ok(()),
        (SnapshotTrust::Validators(_), None) => Err(SnapshotRejection::GenesisNeedsRoot),
        (SnapshotTrust::Validators(validators), Some((block, certificate))) => {
            check_certified(&expected.chain_id, block, certificate, validators)
        }
    }
}

/// The block and certificate are of the snapshot's height and carry its root.
fn check_block_of_height(
    header: &SnapshotHeader,
    block: &Block,
    certificate: &QuorumCertificate,
) -> std::result::Result<(), SnapshotRejection> {
    if block.header.height != header.height
        || certificate.height != header.height
        || certificate.block_hash != block.hash()
    {
        return Err(SnapshotRejection::BlockNotOfItsHeight);
    }
    if block.header.state_root != header.state_root {
        return Err(SnapshotRejection::RootNotTheBlocks);
    }
    Ok(())
}

/// The block names `validators` and its certificate makes it final under them.
fn check_certified(
    chain_id: &ChainId,
    block: &Block,
    certificate: &QuorumCertificate,
    validators: &ValidatorSet,
) -> std::result::Result<(), SnapshotRejection> {
    if block.header.validators_hash != validators.hash() {
        return Err(SnapshotRejection::OtherValidators {
            header: block.header.validators_hash,
            trusted: validators.hash(),
        });
    }
    certificate
        .verify(chain_id, block.header.height, &block.hash(), validators)
        .map(|_| ())
        .map_err(SnapshotRejection::Certificate)
}

/// Writes one chunk of imported entries (unsynced: the final batch is synced and
/// only it makes the store valid) and returns their leaf hashes.
fn write_entries(
    ledger: &Ledger,
    chunk: &[(Vec<u8>, Vec<u8>)],
    height: u64,
) -> Result<Vec<(Hash, Hash)>> {
    let mut batch = WriteBatch::default();
    for (key, value) in chunk {
        ledger.put_state(&mut batch, key, Some(value), height)?;
    }
    ledger
        .db
        .write(batch)
        .map_err(|error| ledger.storage(error))?;
    // Keys were checked as they were read.
    Ok(leaves_of(chunk)?)
}

/// Checks the trailing SHA-256 against the file's content, reading it once.
fn verify_checksum(path: &Path) -> Result<()> {
    let io = |source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    };
    let length = std::fs::metadata(path).map_err(io)?.len();
    let Some(body) = length.checked_sub(32) else {
        return Err(rejected(path, SnapshotRejection::TooShort(length)));
    };
    let mut input = BufReader::new(File::open(path).map_err(io)?);
    let mut hasher = Sha256::new();
    let mut remaining = body;
    let mut buffer = vec![0u8; 1 << 16];
    while remaining > 0 {
        let want = usize::try_from(remaining.min(1 << 16)).unwrap_or(1 << 16);
        let chunk = buffer.get_mut(..want).unwrap_or_default();
        input.read_exact(chunk).map_err(io)?;
        hasher.update(&*chunk);
        remaining = remaining.saturating_sub(want as u64);
    }
    let mut stored = [0u8; 32];
    input.read_exact(&mut stored).map_err(io)?;
    let computed: [u8; 32] = hasher.finalize().into();
    if computed != stored {
        return Err(rejected(path, SnapshotRejection::Checksum));
    }
    Ok(())
}

fn read_header(input: &mut impl Read) -> std::result::Result<SnapshotHeader, SnapshotRejection> {
    let mut magic = [0u8; 16];
    input
        .read_exact(&mut magic)
        .map_err(|_| SnapshotRejection::Truncated)?;
    if &magic != MAGIC {
        return Err(SnapshotRejection::NotASnapshot);
    }
    let format = read_u32(input)?;
    if format != SNAPSHOT_FORMAT {
        return Err(SnapshotRejection::Format(format));
    }
    let header = read_bytes(input, HEADER_BYTES_MAX)?;
    decode(&header).map_err(|_| SnapshotRejection::Header)
}

fn read_u32(input: &mut impl Read) -> std::result::Result<u32, SnapshotRejection> {
    let mut bytes = [0u8; 4];
    input
        .read_exact(&mut bytes)
        .map_err(|_| SnapshotRejection::Truncated)?;
    Ok(u32::from_le_bytes(bytes))
}

fn read_bytes(input: &mut impl Read, max: u32) -> std::result::Result<Vec<u8>, SnapshotRejection> {
    let length = read_u32(input)?;
    if length > max {
        return Err(SnapshotRejection::FieldTooLong);
    }
    let length = usize::try_from(length).map_err(|_| SnapshotRejection::FieldTooLong)?;
    let mut bytes = vec![0u8; length];
    input
        .read_exact(&mut bytes)
        .map_err(|_| SnapshotRejection::Truncated)?;
    Ok(bytes)
}

fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let length = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "entry too long"))?;
    out.write_all(&length.to_le_bytes())?;
    out.write_all(bytes)
}

/// A writer that hashes what passes through it.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(bytes.get(..written).unwrap_or(bytes));
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
