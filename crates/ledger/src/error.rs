//! What can go wrong in the ledger, each case saying what to do about it.

use std::path::PathBuf;

use civitas_types::{ChainId, Hash};

/// What an operator can do when the store is damaged.
pub const REPAIR_ADVICE: &str = "stop the node, move the data directory aside, and either \
import a recent snapshot (`civitas-node snapshot import`) or start empty and let the node \
sync blocks from its peers";

/// A ledger error.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// RocksDB refused an operation; its message names the file when a file is damaged.
    #[error("storage error in {path}: {detail}; if a file is damaged, {REPAIR_ADVICE}")]
    Storage {
        /// The data directory.
        path: PathBuf,
        /// RocksDB's message.
        detail: String,
    },
    /// Something stored does not decode or does not match what it must.
    #[error("the ledger in {path} is damaged: {what}; {REPAIR_ADVICE}")]
    Corrupt {
        /// The data directory.
        path: PathBuf,
        /// What was found wrong.
        what: String,
    },
    /// The directory holds no ledger.
    #[error("no ledger in {0}: create one from a genesis document, or import a snapshot into it")]
    Missing(PathBuf),
    /// The directory already holds a ledger (or other files).
    #[error("{0} is not empty: create and import only write into a new or empty directory")]
    NotEmpty(PathBuf),
    /// The store belongs to another network.
    #[error(
        "the ledger in {path} belongs to chain `{found}`, not `{expected}`: point the node at the right data directory"
    )]
    WrongChain {
        /// The data directory.
        path: PathBuf,
        /// The configured chain.
        expected: ChainId,
        /// The chain the store was created for.
        found: ChainId,
    },
    /// The store was created from another genesis document.
    #[error(
        "the ledger in {path} was created from genesis {found}, not {expected}: the genesis document changed, or this is another network's store"
    )]
    WrongGenesis {
        /// The data directory.
        path: PathBuf,
        /// The configured genesis hash.
        expected: Hash,
        /// The genesis hash the store was created from.
        found: Hash,
    },
    /// The store was written by an incompatible version of this software.
    #[error("the ledger in {path} has storage format {found}; this build reads format {expected}")]
    Format {
        /// The data directory.
        path: PathBuf,
        /// The format this build reads.
        expected: u32,
        /// The format found.
        found: u32,
    },
    /// A state read at a height whose state versions were pruned.
    #[error(
        "the state at height {height} was pruned; the oldest retained height is {oldest} (run an archive node to read older state)"
    )]
    Pruned {
        /// The height asked for.
        height: u64,
        /// The oldest height still readable.
        oldest: u64,
    },
    /// A read at a height above the last committed one.
    #[error("height {height} is not committed yet; the latest height is {latest}")]
    NotCommitted {
        /// The height asked for.
        height: u64,
        /// The last committed height.
        latest: u64,
    },
    /// A block that cannot be committed on top of the store.
    #[error("block {height} cannot be committed: {reason}")]
    Rejected {
        /// The block's height.
        height: u64,
        /// Why.
        reason: String,
    },
    /// A state key longer than the storage format allows.
    #[error("a state key of {0} bytes is longer than the 65,535 bytes the store allows")]
    KeyTooLong(usize),
    /// A snapshot file is unreadable, damaged or does not match.
    #[error("snapshot {path}: {what}")]
    Snapshot {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// Ledger results.
pub type Result<T> = std::result::Result<T, LedgerError>;
