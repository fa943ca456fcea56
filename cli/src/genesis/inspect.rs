//! The commands that read a genesis file: `validate` (every rule of
//! `GenesisDocument::check`, then a summary) and `hash`.

use std::path::Path;

use serde_json::json;

use super::file::load;
use super::time;
use crate::context::Context;
use crate::exit::{CliError, Exit};
use crate::output::{Table, emit, fields};

/// `civitas genesis validate`: exit 5 with one line naming the broken rule.
pub fn validate(context: &Context, path: &Path) -> Result<(), CliError> {
    let document = load(path, Exit::VerificationFailed)?;
    let checked = document.check().map_err(|e| {
        CliError::verification(format!("{} breaks a genesis rule: {e}", path.display()))
    })?;
    let hash = checked.hash.to_hex();
    let total_power = checked.validators.total_voting_power();
    let council_power = document
        .collectivities
        .iter()
        .fold(0u64, |sum, c| sum.saturating_add(c.voting_power));
    let collectivities: Vec<_> = document
        .collectivities
        .iter()
        .map(|c| {
            let run = document.validators.iter().filter(|v| v.siren == c.siren);
            let (count, power) = run.fold((0usize, 0u64), |(n, p), v| {
                (n.saturating_add(1), p.saturating_add(v.power))
            });
            json!({
                "siren": c.siren.to_string(),
                "name": String::from_utf8_lossy(&c.name),
                "voting_power": c.voting_power,
                "validators": count,
                "validator_power": power,
            })
        })
        .collect();
    let file = path.display().to_string();
    let summary = json!({
        "file": file,
        "valid": true,
        "chain_id": document.chain_id.to_string(),
        "protocol_version": document.protocol_version,
        "genesis_time_ms": document.genesis_time_ms,
        "genesis_time": time::format(document.genesis_time_ms),
        "initial_height": document.initial_height,
        "collectivities": collectivities,
        "council_power": council_power,
        "validators": document.validators.len(),
        "total_power": total_power,
        "grants": document.grants.len(),
        "namespaces": document.namespaces.len(),
        "hash": hash,
    });
    emit(context, &summary, || {
        let mut table = Table::new(&["siren", "name", "council power", "validators", "power"]);
        for c in &collectivities {
            let cell = |key: &str| match c.get(key) {
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(value) => value.to_string(),
                None => String::new(),
            };
            table.row(vec![
                cell("siren"),
                cell("name"),
                cell("voting_power"),
                cell("validators"),
                cell("validator_power"),
            ]);
        }
        format!(
            "{file} is a valid genesis\n{}\n{}",
            fields(&[
                ("chain id", document.chain_id.to_string()),
                ("protocol version", document.protocol_version.to_string()),
                (
                    "genesis time",
                    format!(
                        "{} ({} ms)",
                        time::format(document.genesis_time_ms),
                        document.genesis_time_ms
                    )
                ),
                ("initial height", document.initial_height.to_string()),
                (
                    "collectivities",
                    format!(
                        "{} (council power {council_power})",
                        document.collectivities.len()
                    )
                ),
                (
                    "validators",
                    format!("{} (total power {total_power})", document.validators.len())
                ),
                ("grants", document.grants.len().to_string()),
                ("namespaces", document.namespaces.len().to_string()),
                ("hash", hash.clone()),
            ]),
            table.render()
        )
    })
}

/// `civitas genesis hash`.
pub fn hash(context: &Context, path: &Path) -> Result<(), CliError> {
    let document = load(path, Exit::Failure)?;
    let hash = document.hash().to_hex();
    emit(
        context,
        &json!({ "file": path.display().to_string(), "hash": hash }),
        || hash.clone(),
    )
}
