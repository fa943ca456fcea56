//! What can go wrong in the ledger, each case saying what to do about it.
//!
//! Every error says whose fault it is ([`LedgerError::fault`]): bad data from
//! outside (a block or a snapshot: refuse it and ban its source), a local fault
//! (the disk, the store or this node's own code: stop and tell the operator), or
//! a request the store cannot serve (a pruned height: answer the caller). The
//! reasons a block or a snapshot is refused are typed ([`BlockRejection`],
//! [`SnapshotRejection`]) so that callers decide on the variant, never on text.

use std::path::PathBuf;

use civitas_types::{BlockError, CertificateError, ChainId, Hash};

use civitas_state_tree::{KeyError, TreeError};

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
    #[error(
        "the ledger in {path} has storage format {found}; this build reads format {expected}: run a release that reads format {found}, or start a fresh data directory from a verified snapshot (docs/upgrades.md)"
    )]
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
    /// A block that cannot be committed on top of the store; nothing was written.
    #[error("block {height} cannot be committed: {reason}")]
    Rejected {
        /// The block's height.
        height: u64,
        /// Why, and (through [`BlockRejection::fault`]) whose fault it is.
        reason: BlockRejection,
    },
    /// A state key the state refuses (empty, or longer than the storage format
    /// allows): the caller's execution wrote it, so a bug; nothing was written.
    #[error("{0}; this is a bug in the code that wrote it, stop the node and report it")]
    Key(#[from] KeyError),
    /// A snapshot file is damaged, forged or of another chain; nothing was imported.
    #[error("snapshot {path}: {reason}")]
    Snapshot {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong with it.
        reason: SnapshotRejection,
    },
    /// The in-memory state tree broke one of its own invariants: a bug, never
    /// caused by input. The node must stop rather than commit an unknown state.
    #[error("the state tree broke an invariant: {0}; this is a bug, stop the node and report it")]
    Tree(#[from] TreeError),
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

/// Whose fault an error is, and so what the caller does about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Data from outside — a block, its certificate, a snapshot — is bad: refuse
    /// it and lower the score of (or ban) the peer or source that supplied it.
    /// The store is unchanged and the node carries on.
    Peer,
    /// The disk, the store, the configuration or this node's own code is wrong:
    /// stop and tell the operator; carrying on risks an unknown state.
    Local,
    /// The request cannot be served as asked (a pruned or future height, a
    /// non-empty target directory): answer whoever asked; nothing is damaged.
    Request,
}

impl LedgerError {
    /// Whose fault this error is (see [`Fault`]).
    pub fn fault(&self) -> Fault {
        match self {
            LedgerError::Rejected { reason, .. } => reason.fault(),
            LedgerError::Snapshot { .. } => Fault::Peer,
            LedgerError::Pruned { .. }
            | LedgerError::NotCommitted { .. }
            | LedgerError::NotEmpty(_) => Fault::Request,
            LedgerError::Storage { .. }
            | LedgerError::Corrupt { .. }
            | LedgerError::Missing(_)
            | LedgerError::WrongChain { .. }
            | LedgerError::WrongGenesis { .. }
            | LedgerError::Format { .. }
            | LedgerError::Key(_)
            | LedgerError::Tree(_)
            | LedgerError::Io { .. } => Fault::Local,
        }
    }
}

/// Why a block cannot be committed on top of the store.
///
/// The block and its certificate come from a proposer or a peer; the receipts and
/// the prepared state come from this node's own execution. A mismatch between the
/// header and this node's execution is blamed on the block: an honest quorum
/// never certifies a header whose roots its members' execution contradicts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlockRejection {
    /// The block is not at the height after the store's.
    #[error("the store is at height {stored}")]
    NotNext {
        /// The store's height.
        stored: u64,
    },
    /// The block names another chain.
    #[error("it is for chain `{0}`")]
    OtherChain(ChainId),
    /// The block's parent is not the stored tip.
    #[error("it does not extend the stored chain")]
    DoesNotExtend,
    /// The certificate is for another height or block.
    #[error("the certificate is for another block")]
    CertificateForAnotherBlock,
    /// The header does not match the block's body.
    #[error("{0}")]
    Body(BlockError),
    /// The header's receipts root is not the root of this node's receipts.
    #[error("the receipts do not match the receipts root")]
    ReceiptsRoot,
    /// The header's state root is not the root of this node's state changes.
    #[error("its state changes give root {computed}, the header says {header}")]
    StateRoot {
        /// The root of the prepared state.
        computed: Hash,
        /// The header's `state_root`.
        header: Hash,
    },
    /// The caller executed the block into the wrong number of receipts.
    #[error("{receipts} receipts for {transactions} transactions")]
    ReceiptCount {
        /// Receipts given.
        receipts: usize,
        /// Transactions in the block.
        transactions: usize,
    },
    /// The caller prepared the state on another height than the store's.
    #[error("its state was prepared on height {prepared_on}")]
    StalePreparation {
        /// The height the state was prepared on.
        prepared_on: u64,
    },
}

impl BlockRejection {
    /// Whose fault it is: the block's sender, or this node's caller of `commit`.
    pub fn fault(&self) -> Fault {
        match self {
            BlockRejection::NotNext { .. }
            | BlockRejection::OtherChain(_)
            | BlockRejection::DoesNotExtend
            | BlockRejection::CertificateForAnotherBlock
            | BlockRejection::Body(_)
            | BlockRejection::ReceiptsRoot
            | BlockRejection::StateRoot { .. } => Fault::Peer,
            // Receipts and prepared state are made by this node: a mismatch is a
            // bug in the caller, not something a peer can cause.
            BlockRejection::ReceiptCount { .. } | BlockRejection::StalePreparation { .. } => {
                Fault::Local
            }
        }
    }
}

/// Why a snapshot file is refused. Every case is the file's fault: whoever
/// supplied it (a peer, a download, a backup) is not to be trusted again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotRejection {
    /// Shorter than a checksum.
    #[error("it is {0} bytes, too short to be a snapshot")]
    TooShort(u64),
    /// The trailing SHA-256 does not match the content.
    #[error("its checksum does not match its content: the file is damaged or truncated")]
    Checksum,
    /// The file ends early.
    #[error("it is truncated")]
    Truncated,
    /// The magic bytes are wrong.
    #[error("it is not a Civitas snapshot")]
    NotASnapshot,
    /// Another snapshot format.
    #[error("its snapshot format {0} is not supported by this build")]
    Format(u32),
    /// The header does not decode.
    #[error("its header does not decode")]
    Header,
    /// A length prefix above its limit.
    #[error("it has a field longer than allowed")]
    FieldTooLong,
    /// Another chain or genesis.
    #[error("it is of chain `{chain_id}` (genesis {genesis_hash})")]
    OtherChain {
        /// The snapshot's chain.
        chain_id: ChainId,
        /// The snapshot's genesis hash.
        genesis_hash: Hash,
    },
    /// Its state root is not the one the operator trusts.
    #[error("its state root {found} is not the trusted root {trusted}")]
    UntrustedRoot {
        /// The snapshot's state root.
        found: Hash,
        /// The operator's.
        trusted: Hash,
    },
    /// Above height 0 without its block and certificate, or at 0 with them.
    #[error("a snapshot carries its block and certificate exactly when above height 0")]
    BlockMissing,
    /// Its block or certificate is of another height or block.
    #[error("its block or certificate is not of its height")]
    BlockNotOfItsHeight,
    /// Its state root is not its block header's.
    #[error("its state root is not its block header's")]
    RootNotTheBlocks,
    /// Its block header names another validator set than the trusted one.
    #[error("its block was signed by validator set {header}, not the trusted set {trusted}")]
    OtherValidators {
        /// The header's `validators_hash`.
        header: Hash,
        /// The hash of the set the operator trusts.
        trusted: Hash,
    },
    /// Its certificate does not verify against the trusted validators.
    #[error("its certificate does not verify against the trusted validators: {0}")]
    Certificate(CertificateError),
    /// A height-0 snapshot has no certificate, so validators cannot vouch for it.
    #[error(
        "a height-0 snapshot carries no certificate: import it with the genesis state root as the trusted root"
    )]
    GenesisNeedsRoot,
    /// Keys not strictly increasing.
    #[error("entries are not in strictly increasing key order")]
    EntriesOutOfOrder,
    /// An entry's key is one no state can hold (empty).
    #[error("an entry's key is refused: {0}")]
    Key(KeyError),
    /// The entries do not hash to the root the snapshot claims.
    #[error("its entries hash to {computed}, not to the state root {claimed} it claims")]
    EntriesRoot {
        /// The root of the entries.
        computed: Hash,
        /// The header's `state_root`.
        claimed: Hash,
    },
}
