//! A node's data directory as an audit's source: the ledger opened
//! read-only (`civitas_ledger::Ledger::open_read_only`: no lock, nothing
//! written), every file's checksums checked before the replay, and what the
//! store keeps beside each block — its recorded state root, its receipts,
//! its certificate, which the node serves to others — checked against the
//! block once the audit has verified it. Damage is "storage corruption"
//! (exit 5), never a success.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use civitas_audit::bundle::SetChange;
use civitas_audit::{AuditError, AuditFailure, ChainAudit, StoredMismatch};
use civitas_genesis::GenesisDocument;
use civitas_ledger::{ChainIdentity, Ledger, LedgerError};
use civitas_types::receipt_leaves::receipts_root;
use civitas_types::{Block, Hash, QuorumCertificate, ValidatorSet, decode, encode};

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

/// The validator-set changes that take effect in `(first, until]`, oldest
/// first, as a proof bundle carries them, from the node's record of its sets
/// beside the ledger (`data/validator_sets`) and the ledger's headers and
/// certificates. The record is not trusted: `follow_set_changes` checks each
/// change against the header before it, signed by the set in force.
pub fn set_changes(
    dir: &Path,
    ledger: &Ledger,
    first: u64,
    until: u64,
) -> Result<Vec<SetChange>, CliError> {
    let path = ledger_directory(dir)?
        .parent()
        .map(|data| data.join("validator_sets"))
        .ok_or_else(|| CliError::failure("the ledger directory has no parent".to_owned()))?;
    let bytes = std::fs::read(&path).map_err(|e| {
        CliError::failure(format!(
            "cannot read {} (the node's validator sets, beside its ledger; copy the node's whole data/ directory): {e}",
            path.display()
        ))
    })?;
    let sets: BTreeMap<u64, ValidatorSet> = decode(&bytes)
        .map_err(|e| CliError::verification(format!("{} does not decode: {e}", path.display())))?;
    sets.range(first.saturating_add(1)..=until)
        .map(|(&activation, set)| set_change(ledger, activation, set))
        .collect()
}

/// The change taking effect at `activation`: the header before it (signed
/// by the old set, naming the new one), its certificate and the new set.
fn set_change(ledger: &Ledger, activation: u64, set: &ValidatorSet) -> Result<SetChange, CliError> {
    let last_of_old = activation.saturating_sub(1);
    let missing = || {
        CliError::failure(format!(
            "the data directory has no block {last_of_old}, before the validator set of height {activation}"
        ))
    };
    let block = ledger
        .block(last_of_old)
        .map_err(|e| storage(ledger, e))?
        .ok_or_else(missing)?;
    let certificate = ledger
        .certificate(last_of_old)
        .map_err(|e| storage(ledger, e))?
        .ok_or_else(missing)?;
    Ok(SetChange {
        header: civitas_rpc_api::to_hex(encode(&block.header)),
        certificate: civitas_rpc_api::to_hex(encode(&certificate)),
        next_validators: civitas_rpc_api::to_hex(encode(&set.validators().to_vec())),
    })
}
