//! `--from-snapshot FILE`: an audit resumed from a snapshot (one
//! `civitas audit verify --save-snapshot` wrote, or any node's) instead of
//! genesis — the quick check of what came after. The snapshot is trusted
//! only as far as it is proven: the validator-set history from genesis to
//! the chain's tip (as a node answers it, or from a data directory's record
//! of sets, `data_dir::set_changes`) is followed hop by hop from the genesis set (each change's
//! header signed by the set in force and naming the next, as in a proof
//! bundle), the snapshot's block must name the set in force at its height
//! and be final by that set's signatures, and its entries must hash to its
//! block's state root. Blocks after it are then checked as from genesis.

use std::collections::BTreeMap;
use std::path::Path;

use civitas_audit::ChainAudit;
use civitas_audit::bundle::follow_set_changes;
use civitas_genesis::GenesisDocument;
use civitas_ledger::{ChainIdentity, Ledger, SnapshotTrust, read_snapshot, snapshot_height};
use civitas_rpc_api::HttpClient;
use civitas_state_tree::MemoryState;

use super::prove::set_changes;
use super::source::failed;
use crate::context::Context;
use crate::exit::CliError;

/// Where the validator-set history from genesis is read: a node's answers,
/// or a data directory's record of sets beside its ledger. Neither is
/// trusted: each change is checked against the header before it.
pub enum History<'a> {
    /// Bisected over `civitas_getValidators`.
    Node(&'a HttpClient),
    /// The data directory given, and its ledger.
    DataDir(&'a Path, &'a Ledger),
}

/// The audit of `genesis`'s chain resumed from the snapshot at `path`, the
/// validator sets followed from `history` up to `tip`.
pub async fn resume(
    context: &Context,
    history: History<'_>,
    genesis: &GenesisDocument,
    path: &Path,
    tip: u64,
) -> Result<ChainAudit, CliError> {
    check_height(genesis, path, tip)?;
    let (first, until) = (genesis.initial_height.max(1), tip.saturating_add(1));
    let changes = match history {
        History::Node(client) => set_changes(context, client, first, until).await?,
        History::DataDir(dir, ledger) => super::data_dir::set_changes(dir, ledger, first, until)?,
    };
    resume_with(genesis, path, changes)
}

fn unreadable(path: &Path) -> impl Fn(civitas_ledger::LedgerError) -> CliError + '_ {
    move |e| CliError::verification(format!("the snapshot {} is refused: {e}", path.display()))
}

/// Refuses a snapshot outside the chain the audit reads (up to `tip`).
fn check_height(genesis: &GenesisDocument, path: &Path, tip: u64) -> Result<(), CliError> {
    let height = snapshot_height(path).map_err(unreadable(path))?;
    if height < genesis.initial_height || height > tip {
        return Err(CliError::verification(format!(
            "the snapshot {} is of height {height}; the chain read goes from {} to {tip}",
            path.display(),
            genesis.initial_height
        )));
    }
    Ok(())
}

/// Trusts the snapshot at `path` through `changes`, the validator-set
/// history from genesis (each change checked against the set before it).
fn resume_with(
    genesis: &GenesisDocument,
    path: &Path,
    changes: Vec<civitas_audit::bundle::SetChange>,
) -> Result<ChainAudit, CliError> {
    let height = snapshot_height(path).map_err(unreadable(path))?;
    let followed = follow_set_changes(genesis, &changes).map_err(|e| {
        CliError::verification(format!(
            "the chain's validator-set history does not verify: {e}"
        ))
    })?;
    let set = followed
        .by_height
        .range(..=height)
        .next_back()
        .map(|(_, set)| set.clone())
        .ok_or_else(|| {
            CliError::failure(format!("no validator set is known at height {height}"))
        })?;
    let identity = ChainIdentity {
        chain_id: genesis.chain_id.clone(),
        genesis_hash: genesis.hash(),
    };
    let (header, entries) = read_snapshot(path, &identity, &SnapshotTrust::Validators(set))
        .map_err(unreadable(path))?;
    let (Some(block), Some(certificate)) = (header.block, header.certificate) else {
        return Err(CliError::verification(format!(
            "the snapshot {} carries no block: start from genesis instead",
            path.display()
        )));
    };
    let state = MemoryState::from_entries(entries.into_iter().collect::<BTreeMap<_, _>>())
        .map_err(|e| CliError::verification(format!("the snapshot's entries: {e}")))?;
    ChainAudit::from_snapshot(genesis, &state, &block, certificate, followed.by_height)
        .map_err(|e| failed(&e))
}
