//! `civitas audit verify` over JSON-RPC: whole blocks fetched in pages
//! (`civitas_getBlocks`), each handed to the pure audit in order; a progress
//! bar on a terminal, a summary at the end, the first bad height on failure
//! (exit 5).

use std::path::Path;
use std::time::Instant;

use civitas_audit::{AuditError, AuditSummary, ChainAudit};
use civitas_rpc_api::CivitasApiClient;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::context::Context;
use crate::exit::CliError;
use crate::node;
use crate::output::{emit, fields};

/// Blocks asked for per page: the API's most (the node may send fewer, by
/// its byte budget).
const PAGE: u32 = civitas_rpc_api::BLOCKS_LIST_MAX;

/// Runs the audit of the node's chain against `genesis_path`.
pub async fn verify_over_rpc(
    context: &Context,
    genesis_path: &Path,
    to: Option<u64>,
) -> Result<(), CliError> {
    let genesis = read_genesis(genesis_path)?;
    let client = node::client(context)?;
    let status = node::call(context, "civitas_status", client.status()).await?;
    if status.genesis_hash != genesis.hash().to_string() {
        return Err(CliError::verification(format!(
            "the node's chain (genesis {}) is not the chain of {} (genesis {})",
            status.genesis_hash,
            genesis_path.display(),
            genesis.hash()
        )));
    }
    let target = to.unwrap_or(status.height).min(status.height);
    let mut audit = ChainAudit::new(&genesis).map_err(|e| failed(&e))?;
    let progress = progress_bar(context, target);
    let started = Instant::now();
    let mut from = audit.next_height();
    while from <= target {
        let page = node::call(
            context,
            "civitas_getBlocks",
            client.get_blocks(from, Some(PAGE)),
        )
        .await?;
        if page.blocks.is_empty() {
            return Err(CliError::failure(format!(
                "the node sent no block from height {from}"
            )));
        }
        for view in page.blocks.iter().filter(|b| b.height <= target) {
            let bytes = hex::decode(&view.block).map_err(|e| {
                CliError::verification(format!("block {} is not hex: {e}", view.height))
            })?;
            if let Err(error) = audit.push_bytes(&bytes) {
                if let Some(progress) = &progress {
                    progress.abandon();
                }
                return report_failure(context, &error);
            }
            if let Some(progress) = &progress {
                progress.set_position(view.height);
                progress.set_message(rate(audit.summary().transactions, started));
            }
        }
        from = audit.next_height();
    }
    let certificate = match target {
        0 => None,
        height => node::call(
            context,
            "civitas_getCertificate",
            client.get_certificate(height),
        )
        .await?
        .map(|view| view.decode_certificate())
        .transpose()
        .map_err(|e| {
            CliError::verification(format!("the last certificate does not decode: {e}"))
        })?,
    };
    let summary = match audit.finish(certificate) {
        Ok(summary) => summary,
        Err(error) => return report_failure(context, &error),
    };
    if let Some(progress) = progress {
        progress.finish_and_clear();
    }
    report_success(context, &summary, started)
}

fn read_genesis(path: &Path) -> Result<civitas_genesis::GenesisDocument, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
    civitas_genesis::from_json(&text)
        .map_err(|e| CliError::failure(format!("{} is not a genesis file: {e}", path.display())))
}

fn failed(error: &AuditError) -> CliError {
    if error.failure.is_verdict() {
        CliError::verification(format!("the chain does not verify at {error}"))
    } else {
        CliError::failure(format!("the audit could not run: {error}"))
    }
}

fn report_failure(context: &Context, error: &AuditError) -> Result<(), CliError> {
    let value =
        json!({"valid": false, "height": error.height, "reason": error.failure.to_string()});
    emit(context, &value, || {
        format!("FAILED at height {}: {}\n", error.height, error.failure)
    })?;
    Err(failed(error))
}

fn report_success(
    context: &Context,
    summary: &AuditSummary,
    started: Instant,
) -> Result<(), CliError> {
    let seconds = started.elapsed().as_secs_f64();
    let value = json!({"valid": true, "summary": summary, "seconds": seconds});
    emit(context, &value, || {
        let mut text = format!(
            "the chain {} verifies from its genesis to height {}\n",
            summary.chain_id, summary.height
        );
        text.push_str(&fields(&[
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

fn rate(transactions: u64, started: Instant) -> String {
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    format!("{:.0} transactions/s", transactions as f64 / seconds)
}

fn progress_bar(context: &Context, target: u64) -> Option<ProgressBar> {
    if !context.interactive {
        return None;
    }
    let bar = ProgressBar::new(target);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} blocks  {msg}  eta {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}
