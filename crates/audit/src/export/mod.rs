//! The open-data export: public aggregates computed from the *verified*
//! final state of a replay ([`crate::ChainAudit::finish_with_state`]) and
//! rendered byte for byte the same way every time, so that anyone can
//! recompute an export from the chain and compare it file by file.
//!
//! Three tables ([`tables`]) — money moved per aid programme and period
//! (state table `0x3c`), each energy slot's clearing and settlement totals
//! (`0x48`), and each registry namespace's records by status (`0x60`,
//! `0x61`) — each as CSV and as JSON ([`render`]), and a `manifest.json`
//! naming the chain, the height, the state root and every data file's
//! SHA-256. No account, pseudonym or one person's amount is exported
//! (docs/privacy.md). [`check`] compares an export read back from disk with
//! the recomputed one and names the first differing line of each file.
//!
//! Pure: no I/O; the caller reads and writes the files. docs/auditor-guide.md
//! ("Open data") documents the formats.

pub mod check;
pub mod render;
pub mod tables;

use std::collections::BTreeMap;

use civitas_state_tree::MemoryState;
use civitas_types::DecodeError;

use crate::summary::AuditSummary;

pub use check::{CheckReport, FileDifference, ManifestError, ManifestHead, check_export};
pub use render::MANIFEST_FILE;
pub use tables::{NamespaceRecords, OpenData, PeriodRow, SlotRow};

/// What an export is computed from: the chain and the height of the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportHeader {
    /// The chain's id.
    pub chain_id: String,
    /// The genesis document's hash (hex).
    pub genesis_hash: String,
    /// The height whose state is exported.
    pub height: u64,
    /// The state root at that height (hex), as its header carries it.
    pub state_root: String,
    /// The block time of that height (ms since the Unix epoch), if a block
    /// was replayed (none at the genesis height).
    pub block_time_ms: Option<u64>,
}

impl ExportHeader {
    /// The header of an export of `state`, the final state of the audit
    /// that `summary` reports.
    pub fn from_audit(summary: &AuditSummary, state: &MemoryState) -> ExportHeader {
        ExportHeader {
            chain_id: summary.chain_id.clone(),
            genesis_hash: summary.genesis_hash.clone(),
            height: summary.height,
            state_root: state.root().to_string(),
            block_time_ms: summary.time_ms,
        }
    }
}

/// A rendered export: file name → exact bytes, `manifest.json` included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// What the export was computed from.
    pub header: ExportHeader,
    /// Every file of the export, by name (sorted).
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Computes and renders the open data of `state` (the verified state at
/// `header.height`).
pub fn export(header: ExportHeader, state: &MemoryState) -> Result<Export, ExportError> {
    let data = OpenData::from_state(state)?;
    Ok(render::render(header, &data))
}

/// Why the open data could not be computed from a state: the state holds a
/// value that is not what its table says (impossible in a verified state;
/// reported, never a panic).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A key or value of a table does not decode.
    #[error("state table 0x{table:02x}: the entry with key {key} does not decode: {error}")]
    Undecodable {
        /// The table (the key's first byte).
        table: u8,
        /// The key (hex).
        key: String,
        /// The decoding error.
        error: DecodeError,
    },
    /// A figure refers to a programme, community or namespace the state
    /// does not hold.
    #[error(
        "state table 0x{table:02x}: the entry with key {key} refers to {missing}, which is not in the state"
    )]
    Dangling {
        /// The table of the entry.
        table: u8,
        /// The key (hex).
        key: String,
        /// What is missing, e.g. "programme 3".
        missing: String,
    },
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(bytes.len().saturating_mul(2));
    for byte in bytes {
        // Writing into a String cannot fail.
        let _ = write!(text, "{byte:02x}");
    }
    text
}
