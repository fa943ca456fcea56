//! `civitas audit verify`: the chain replayed from its genesis (from a node
//! or a data directory, [`super::source`]), a summary at the end, the
//! first bad height on failure (exit 5). `--save-snapshot` writes the
//! state the audit verified, with its block and certificate, in the
//! ledger's snapshot format.

use std::path::Path;
use std::time::Instant;

use civitas_audit::AuditSummary;
use civitas_genesis::GenesisDocument;
use civitas_ledger::SnapshotHeader;
use civitas_state_tree::MemoryState;
use civitas_types::{Block, QuorumCertificate};
use serde_json::json;

use super::source::{ChainArgs, finished, rate, read_genesis, replay};
use crate::context::Context;
use crate::exit::CliError;
use crate::output::{emit, fields};

/// Runs the audit of the chain of `args` up to `to` (default: its last
/// height); with `save`, writes the state it verified there as a snapshot.
pub async fn verify(
    context: &Context,
    args: &ChainArgs,
    to: Option<u64>,
    save: Option<&Path>,
) -> Result<(), CliError> {
    let mut replayed = replay(context, args, to).await?;
    replayed.done();
    let Some(path) = save else {
        let summary = finished(
            context,
            replayed.audit.finish(replayed.last_certificate),
            &mut replayed.last_kept,
        )?;
        return report_success(context, &summary, &replayed.source, replayed.started);
    };
    let block = replayed.block(context, replayed.target).await?;
    let certificate = replayed.last_certificate.clone();
    let (summary, state) = finished(
        context,
        replayed.audit.finish_with_state(replayed.last_certificate),
        &mut replayed.last_kept,
    )?;
    let genesis = read_genesis(&args.genesis)?;
    save_snapshot(&genesis, &state, block, certificate, path)?;
    report_success(context, &summary, &replayed.source, replayed.started)?;
    if !context.json {
        crate::output::stdout(&format!(
            "saved the verified state at height {} to {}\n",
            summary.height,
            path.display()
        ))?;
    }
    Ok(())
}

/// Writes `state` (verified at `block`'s height, final by `certificate`)
/// as a snapshot file: `--from-snapshot` starts a later audit from it.
fn save_snapshot(
    genesis: &GenesisDocument,
    state: &MemoryState,
    block: Block,
    certificate: Option<QuorumCertificate>,
    path: &Path,
) -> Result<(), CliError> {
    let certificate = certificate.ok_or_else(|| {
        CliError::usage(
            "the genesis height has no block to save a snapshot with: audit at least one block",
        )
    })?;
    // The block given again by the source must be the one the audit made
    // final with this certificate, and carry the state verified.
    if certificate.block_hash != block.hash() || block.header.state_root != state.root() {
        return Err(CliError::verification(format!(
            "the block of height {} given again is not the one the audit verified",
            block.header.height
        )));
    }
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = state
        .iter()
        .map(|(key, value)| (key.to_vec(), value.to_vec()))
        .collect();
    // The snapshot order: by length, then bytes.
    entries.sort_by(|(a, _), (b, _)| (a.len(), a).cmp(&(b.len(), b)));
    let header = SnapshotHeader {
        chain_id: genesis.chain_id.clone(),
        genesis_hash: genesis.hash(),
        height: block.header.height,
        state_root: state.root(),
        block: Some(block),
        certificate: Some(certificate),
        entry_count: u64::try_from(entries.len()).unwrap_or(u64::MAX),
    };
    civitas_ledger::write_snapshot(path, &header, &entries)
        .map_err(|e| CliError::failure(format!("cannot save the snapshot: {e}")))
}

fn report_success(
    context: &Context,
    summary: &AuditSummary,
    source: &str,
    started: Instant,
) -> Result<(), CliError> {
    let seconds = started.elapsed().as_secs_f64();
    let value = json!({"valid": true, "summary": summary, "source": source, "seconds": seconds});
    emit(context, &value, || {
        let from = match summary.from_snapshot {
            Some(height) => format!("its snapshot at height {height}"),
            None => "its genesis".to_owned(),
        };
        let mut text = format!(
            "the chain {} verifies from {from} to height {}\n",
            summary.chain_id, summary.height
        );
        text.push_str(&fields(&[
            ("read from", source.to_owned()),
            ("blocks", summary.blocks.to_string()),
            (
                "transactions",
                format!(
                    "{} ({} failed their rules, as recorded)",
                    summary.transactions, summary.failed_transactions
                ),
            ),
            (
                "certificates",
                format!(
                    "{} ({} signatures)",
                    summary.certificates, summary.certificate_signatures
                ),
            ),
            ("evidence", summary.evidence.to_string()),
            (
                "validator-set changes",
                summary.validator_set_changes.to_string(),
            ),
            (
                "programmes reconciled",
                summary.programmes_reconciled.to_string(),
            ),
            ("state root", summary.state_root.clone()),
            (
                "time",
                format!("{seconds:.1} s, {}", rate(summary.transactions, started)),
            ),
        ]));
        text
    })
}
