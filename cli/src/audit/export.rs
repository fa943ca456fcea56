//! `civitas audit export`: the open data (docs/auditor-guide.md, "Open
//! data") computed from the chain's *verified* state at a height — the
//! chain replayed from its genesis through the audit first — and written
//! as CSV and JSON files with a `manifest.json` into a directory.

use std::path::{Path, PathBuf};

use civitas_audit::AuditSummary;
use civitas_audit::export::{self, Export, ExportHeader};
use serde_json::json;

use super::source::{self, ChainArgs};
use crate::context::Context;
use crate::exit::CliError;
use crate::output::{emit, fields};

/// What `audit export` was asked for.
pub struct ExportRequest<'a> {
    /// Where the chain comes from, and its genesis.
    pub chain: &'a ChainArgs,
    /// The height to export (default: the source's last height).
    pub height: Option<u64>,
    /// The directory to write into.
    pub out: &'a Path,
    /// Whether to write into a directory that already holds files.
    pub force: bool,
}

/// Runs `audit export`.
pub async fn export(context: &Context, request: ExportRequest<'_>) -> Result<(), CliError> {
    refuse_non_empty(request.out, request.force)?;
    let (summary, exported) = recompute(context, request.chain, request.height).await?;
    if let Some(height) = request.height.filter(|h| *h != summary.height) {
        return Err(CliError::failure(format!(
            "the chain is at height {}: there is no height {height} to export yet",
            summary.height
        )));
    }
    write_files(request.out, &exported)?;
    report(context, request.out, &exported)
}

/// Replays the chain to `height` and computes its export from the verified
/// final state. A chain that does not verify ends the command (exit 5).
pub async fn recompute(
    context: &Context,
    chain: &ChainArgs,
    height: Option<u64>,
) -> Result<(AuditSummary, Export), CliError> {
    let mut replay = source::replay(context, chain, height).await?;
    replay.done();
    let (summary, state) = source::finished(
        context,
        replay.audit.finish_with_state(replay.last_certificate),
        &mut replay.last_kept,
    )?;
    let header = ExportHeader::from_audit(&summary, &state);
    let exported = export::export(header, &state).map_err(|e| {
        CliError::failure(format!(
            "the open data could not be computed at height {}: {e}",
            summary.height
        ))
    })?;
    Ok((summary, exported))
}

/// Refuses to write into a directory that holds anything, unless `force`.
fn refuse_non_empty(out: &Path, force: bool) -> Result<(), CliError> {
    let mut entries = match std::fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(CliError::failure(format!(
                "cannot read {}: {e}",
                out.display()
            )));
        }
    };
    if entries.next().is_some() && !force {
        return Err(CliError::failure(format!(
            "{} is not empty: choose an empty directory, or add --force to overwrite the export's files there",
            out.display()
        )));
    }
    Ok(())
}

/// Writes every file of `exported` into `out` (created if needed).
fn write_files(out: &Path, exported: &Export) -> Result<(), CliError> {
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", out.display())))?;
    for (name, bytes) in &exported.files {
        let path: PathBuf = out.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

fn report(context: &Context, out: &Path, exported: &Export) -> Result<(), CliError> {
    let header = &exported.header;
    let files: Vec<_> = exported
        .files
        .iter()
        .map(|(name, bytes)| json!({"name": name, "bytes": bytes.len()}))
        .collect();
    let value = json!({
        "dir": out.display().to_string(),
        "chainId": header.chain_id,
        "height": header.height,
        "stateRoot": header.state_root,
        "files": files,
    });
    emit(context, &value, || {
        let mut text = format!(
            "exported the open data of {} at height {} to {}\n",
            header.chain_id,
            header.height,
            out.display()
        );
        text.push_str(&fields(&[
            ("state root", header.state_root.clone()),
            (
                "files",
                exported
                    .files
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ]));
        text
    })
}
