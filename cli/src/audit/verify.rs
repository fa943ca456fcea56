//! `civitas audit verify`: the chain replayed from its genesis (from a node
//! or a data directory, [`super::source`]), a summary at the end, the
//! first bad height on failure (exit 5).

use std::time::Instant;

use civitas_audit::AuditSummary;
use serde_json::json;

use super::source::{ChainArgs, rate, replay, report_failure};
use crate::context::Context;
use crate::exit::CliError;
use crate::output::{emit, fields};

/// Runs the audit of the chain of `args` up to `to` (default: its last height).
pub async fn verify(context: &Context, args: &ChainArgs, to: Option<u64>) -> Result<(), CliError> {
    let replayed = replay(context, args, to).await?;
    replayed.done();
    let summary = replayed
        .audit
        .finish(replayed.last_certificate)
        .map_err(|error| report_failure(context, &error))?;
    report_success(context, &summary, &replayed.source, replayed.started)
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
        let mut text = format!(
            "the chain {} verifies from its genesis to height {}\n",
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
