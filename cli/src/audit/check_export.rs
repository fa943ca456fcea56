//! `civitas audit check-export DIR`: reads the export's manifest, replays
//! the chain from its genesis to the height the manifest names, recomputes
//! every file and compares them byte for byte, naming the first differing
//! line of each file (exit 5 on any difference).

use std::collections::BTreeMap;
use std::path::Path;

use civitas_audit::export::{CheckReport, MANIFEST_FILE, ManifestHead, check_export};
use serde_json::json;

use super::export::recompute;
use super::source::{self, ChainArgs};
use crate::context::Context;
use crate::exit::CliError;
use crate::output::emit;

/// The largest file of an export read back (the data files of a large
/// chain stay far below it).
const FILE_BYTES_MAX: u64 = 1 << 30;

/// Runs `audit check-export`.
pub async fn check(context: &Context, dir: &Path, chain: &ChainArgs) -> Result<(), CliError> {
    let found = read_directory(dir)?;
    let manifest = found.get(MANIFEST_FILE).ok_or_else(|| {
        CliError::verification(format!(
            "{}: no {MANIFEST_FILE}, so not an export",
            dir.display()
        ))
    })?;
    let head = ManifestHead::parse(manifest)
        .map_err(|e| CliError::verification(format!("{}: {e}", dir.display())))?;
    let genesis = source::read_genesis(&chain.genesis)?;
    let genesis_hash = genesis.hash().to_string();
    if head.genesis_hash != genesis_hash {
        return Err(CliError::verification(format!(
            "the export is of the chain {} (genesis {}), not of {} (genesis {genesis_hash})",
            head.chain_id,
            head.genesis_hash,
            chain.genesis.display()
        )));
    }
    let (summary, expected) = recompute(context, chain, Some(head.height)).await?;
    if summary.height != head.height {
        return Err(CliError::verification(format!(
            "the export says height {}, but the chain is at height {}",
            head.height, summary.height
        )));
    }
    let report = check_export(&expected, &found);
    print_report(context, dir, &report)
}

/// Every regular file directly in `dir`, by name; a subdirectory or a name
/// that is not UTF-8 counts as an extra file.
fn read_directory(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, CliError> {
    let cannot =
        |e: std::io::Error| CliError::failure(format!("cannot read {}: {e}", dir.display()));
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let metadata = entry.metadata().map_err(cannot)?;
        if !metadata.is_file() {
            files.insert(name, Vec::new());
            continue;
        }
        if metadata.len() > FILE_BYTES_MAX {
            return Err(CliError::verification(format!(
                "{} is larger than any export file ({} bytes)",
                path.display(),
                metadata.len()
            )));
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
        files.insert(name, bytes);
    }
    Ok(files)
}

fn print_report(context: &Context, dir: &Path, report: &CheckReport) -> Result<(), CliError> {
    let differences: Vec<_> = report
        .differences
        .iter()
        .map(|d| json!({"file": d.file(), "difference": d.to_string()}))
        .collect();
    let value = json!({
        "matches": report.matches(),
        "dir": dir.display().to_string(),
        "height": report.height,
        "stateRoot": report.state_root,
        "files": report.files,
        "differences": differences,
    });
    emit(context, &value, || {
        if report.matches() {
            return format!(
                "all {} files match the chain at height {} (state root {})\n",
                report.files, report.height, report.state_root
            );
        }
        let mut text = format!(
            "{} differs from the chain at height {} (state root {}):\n",
            dir.display(),
            report.height,
            report.state_root
        );
        for difference in &report.differences {
            text.push_str(&format!("  {difference}\n"));
        }
        text
    })?;
    if report.matches() {
        Ok(())
    } else {
        let files: Vec<&str> = report.differences.iter().map(|d| d.file()).collect();
        Err(CliError::verification(format!(
            "the export does not match the chain at height {}: {}",
            report.height,
            files.join(", ")
        )))
    }
}
