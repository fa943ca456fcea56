//! What an audit checked, for its report.

use serde::Serialize;

/// Counts of what was checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditSummary {
    /// The chain.
    pub chain_id: String,
    /// The genesis document's hash (hex).
    pub genesis_hash: String,
    /// Blocks checked.
    pub blocks: u64,
    /// The last height checked (0 before the first block).
    pub height: u64,
    /// Transactions re-executed.
    pub transactions: u64,
    /// Of which failed their rules (and were recorded as failures, as the
    /// chain did).
    pub failed_transactions: u64,
    /// Certificates checked.
    pub certificates: u64,
    /// Signatures checked in those certificates.
    pub certificate_signatures: u64,
    /// Pieces of evidence checked.
    pub evidence: u64,
    /// Validator-set changes followed.
    pub validator_set_changes: u64,
    /// Aid programmes whose whole books were reconciled at the end.
    pub programmes_reconciled: u64,
    /// The height of the snapshot the audit resumed from (`null`: from genesis).
    pub from_snapshot: Option<u64>,
    /// The state root at the last height (hex).
    pub state_root: String,
    /// The block time of the last height checked (ms since the Unix epoch),
    /// `None` before the first block.
    pub time_ms: Option<u64>,
}
