//! A node's data directory as an audit's source: the ledger opened
//! read-only (`civitas_ledger::Ledger::open_read_only`: no lock, nothing
//! written), every file's checksums checked before the replay, and what the
//! store keeps beside each block — its recorded state root, its receipts,
//! its certificate, which the node serves to others — checked against the
//! block once the audit has verified it. Damage is "storage corruption"
//! (exit 5), never a success.

use std::path::{Path, PathBuf};

use civitas_audit::{AuditError, AuditFailure, ChainAudit, StoredMismatch};
use civitas_genesis::GenesisDocument;
use civitas_ledger::{ChainIdentity, Ledger, LedgerError};
use civitas_types::receipt_leaves::receipts_root;
use civitas_types::{Block, Hash, QuorumCertificate};

use crate::context::Context;
use crate::exit::CliError;
use crate::output;

/// A block read from the store, with what the store keeps beside it.
pub struct StoredBlock {
    block: Block,
    beside: Kept,
}

/// What the store keeps beside a block, to check once the block is verified.
struct Kept {
    height: u64,
    block_hash: Hash,
    header_state_root: Hash,
    header_receipts_root: Hash,
    certificate: QuorumCertificate,
    recorded_state_root: Hash,
    receipts: Option<Vec<Vec<u8>>>,
}

/// The last block pushed, whose store-kept data waits until the audit has
/// verified it (when the next block is pushed, or at the end).
#[derive(Default)]
pub struct Beside {
    waiting: Option<Kept>,
}

impl Beside {
    /// Pushes `stored` into `audit`; the block before it is now verified, so
    /// what the store keeps beside that one is checked. Returns the height.
    pub fn push(&mut self, audit: &mut ChainAudit, stored: StoredBlock) -> Result<u64, AuditError> {
        let StoredBlock { block, beside } = stored;
        audit.push(block)?;
        if let Some(previous) = self.waiting.replace(beside) {
            previous.check_roots()?;
            audit.check_stored_certificate(
                previous.height,
                &previous.block_hash,
                &previous.certificate,
            )?;
        }
        Ok(self.waiting.as_ref().map_or(0, |kept| kept.height))
    }

    /// Checks the last block's recorded roots (its certificate is the one
    /// the audit finishes with).
    pub fn check_last(&mut self) -> Result<(), AuditError> {
        match self.waiting.take() {
            Some(last) => last.check_roots(),
            None => Ok(()),
        }
    }
}

impl Kept {
    fn check_roots(&self) -> Result<(), AuditError> {
        let mismatch = |m| AuditError::at(self.height, AuditFailure::Stored(m));
        if self.recorded_state_root != self.header_state_root {
            return Err(mismatch(StoredMismatch::StateRoot {
                stored: self.recorded_state_root,
                header: self.header_state_root,
            }));
        }
        let receipts = self
            .receipts
            .as_deref()
            .ok_or_else(|| mismatch(StoredMismatch::MissingReceipts))?;
        let stored = receipts_root(receipts);
        if stored != self.header_receipts_root {
            return Err(mismatch(StoredMismatch::ReceiptsRoot {
                stored,
                header: self.header_receipts_root,
            }));
        }
        Ok(())
    }
}

/// Up to `count` blocks from `from`, with what the store keeps beside each.
pub fn stored_blocks(
    ledger: &Ledger,
    from: u64,
    count: usize,
) -> Result<Vec<StoredBlock>, CliError> {
    let read = |e| storage(ledger, e);
    let mut out = Vec::new();
    for (block, certificate) in ledger.blocks(from, count).map_err(read)? {
        let height = block.header.height;
        let beside = Kept {
            height,
            block_hash: block.hash(),
            header_state_root: block.header.state_root,
            header_receipts_root: block.header.receipts_root,
            certificate,
            recorded_state_root: ledger.state_root_at(height).map_err(read)?,
            receipts: ledger.receipts(height).map_err(read)?,
        };
        out.push(StoredBlock { block, beside });
    }
    Ok(out)
}

/// The ledger in `dir` (a node's home, `data/` or `data/ledger/`), opened
/// read-only for the chain of `genesis`, every file's checksums checked.
pub fn open(context: &Context, dir: &Path, genesis: &GenesisDocument) -> Result<Ledger, CliError> {
    let path = ledger_directory(dir)?;
    let identity = ChainIdentity {
        chain_id: genesis.chain_id.clone(),
        genesis_hash: genesis.hash(),
    };
    let spinner = output::spinner(context, "checking the data directory's checksums".into());
    let ledger = Ledger::open_read_only(&path, Some(&identity)).map_err(|e| opening(&path, e))?;
    ledger.check_checksums().map_err(|e| storage(&ledger, e))?;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    let first = ledger.first_block_height();
    if first > genesis.initial_height.max(1) {
        return Err(CliError::failure(format!(
            "the data directory {} holds blocks from height {first} only (its node started from a snapshot): an audit from genesis needs every block, from an archive node",
            path.display()
        )));
    }
    Ok(ledger)
}

/// How reports name the source.
pub fn name(ledger: &Ledger) -> String {
    format!("the data directory {}", ledger.config().path.display())
}

/// The ledger directory (the one with RocksDB's `CURRENT` file) in or under `dir`.
fn ledger_directory(dir: &Path) -> Result<PathBuf, CliError> {
    [
        dir.to_path_buf(),
        dir.join("ledger"),
        dir.join("data").join("ledger"),
    ]
    .into_iter()
    .find(|candidate| candidate.join("CURRENT").is_file())
    .ok_or_else(|| {
        CliError::failure(format!(
            "no ledger in {}: give a node's home directory, its data/ or its data/ledger/ directory",
            dir.display()
        ))
    })
}

/// An error opening the ledger: damage is a failed verification (exit 5),
/// another chain too; anything else (a format of another release, a file
/// that cannot be read) is a plain failure.
fn opening(path: &Path, error: LedgerError) -> CliError {
    match error {
        LedgerError::Storage { .. } | LedgerError::Corrupt { .. } | LedgerError::Tree(_) => {
            CliError::verification(format!(
                "storage corruption in {}: {}",
                path.display(),
                damage(&error)
            ))
        }
        LedgerError::WrongChain { .. } | LedgerError::WrongGenesis { .. } => {
            CliError::verification(format!("{error}"))
        }
        other => CliError::failure(format!("cannot read {}: {other}", path.display())),
    }
}

/// A read error from an opened ledger.
pub fn storage(ledger: &Ledger, error: LedgerError) -> CliError {
    opening(&ledger.config().path, error)
}

/// What the store said was damaged, without the node operator's advice
/// (an auditor's copy is not repaired, it is reported).
fn damage(error: &LedgerError) -> String {
    match error {
        LedgerError::Storage { detail, .. } => detail.clone(),
        LedgerError::Corrupt { what, .. } => what.clone(),
        other => other.to_string(),
    }
}
