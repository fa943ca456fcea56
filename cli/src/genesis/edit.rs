//! The commands that write a genesis file: `new`, `set` and the `add-…`
//! commands. Each builds its entry in the file form, lets the library parse
//! it ([`super::file::Editor`]), checks only what the edit itself needs
//! (the collectivity it names is listed, the entry is not there yet), and
//! rewrites the file.

use civitas_civic::model::{ChainParameters, Scope, Siren};
use civitas_genesis::{ConsensusParameters, GenesisDocument};
use civitas_types::{BoundedVec, ChainId};
use serde_json::{Value, json};

use super::file::Editor;
use super::time;
use super::{
    AddCollectivityArgs, AddNamespaceArgs, AddOfficialArgs, AddValidatorArgs, NewArgs, SetArgs,
};
use crate::context::Context;
use crate::exit::CliError;
use crate::output::emit;

/// `civitas genesis new`.
pub fn new(context: &Context, args: NewArgs) -> Result<(), CliError> {
    if args.file.exists() && !args.force {
        return Err(CliError::failure(format!(
            "{} exists: edit it with the other `civitas genesis` commands, or pass --force to replace it",
            args.file.display()
        )));
    }
    let genesis_time_ms = genesis_time(&args.genesis_time)?;
    let chain_id = args.chain_id.parse::<ChainId>().map_err(|_| {
        CliError::usage(format!(
            "--chain-id: {:?} is not a chain id: 1 to 64 characters among a-z, 0-9, '-' and '.', starting with a letter or digit",
            args.chain_id
        ))
    })?;
    let document = GenesisDocument {
        protocol_version: civitas_types::PROTOCOL_VERSION,
        chain_id,
        genesis_time_ms,
        initial_height: 1,
        consensus: ConsensusParameters::default(),
        chain: ChainParameters::default(),
        collectivities: BoundedVec::default(),
        validators: BoundedVec::default(),
        grants: BoundedVec::default(),
        namespaces: BoundedVec::default(),
    };
    let editor = Editor::create(&args.file, document)?;
    editor.save()?;
    let file = args.file.display().to_string();
    emit(
        context,
        &json!({
            "file": file,
            "chain_id": args.chain_id,
            "genesis_time_ms": genesis_time_ms,
        }),
        || {
            format!(
                "created {file}: chain {}, starting {}\nnext: civitas genesis add-collectivity {file} …",
                args.chain_id,
                time::format(genesis_time_ms)
            )
        },
    )
}

fn genesis_time(text: &str) -> Result<u64, CliError> {
    time::parse(text).ok_or_else(|| {
        CliError::usage(format!(
            "--genesis-time: {text:?} is not a time: write 2027-01-01T00:00:00Z (UTC), 2027-01-01 or milliseconds since 1970"
        ))
    })
}

/// `civitas genesis set`.
pub fn set(context: &Context, args: SetArgs) -> Result<(), CliError> {
    let mut editor = Editor::open(&args.file)?;
    let mut changes: Vec<(&[&str], &str, Value)> = Vec::new();
    if let Some(chain_id) = &args.chain_id {
        changes.push((&["chain_id"], "--chain-id", json!(chain_id)));
    }
    if let Some(text) = &args.genesis_time {
        changes.push((
            &["genesis_time_ms"],
            "--genesis-time",
            json!(genesis_time(text)?),
        ));
    }
    let numbers: [(&[&str], &str, Option<u64>); 15] = [
        (&["initial_height"], "--initial-height", args.initial_height),
        (
            &["chain", "validators_min"],
            "--validators-min",
            args.validators_min.map(u64::from),
        ),
        (
            &["chain", "validator_change_delay"],
            "--validator-change-delay",
            args.validator_change_delay,
        ),
        (
            &["consensus", "timeouts", "propose_ms"],
            "--propose-ms",
            args.propose_ms,
        ),
        (
            &["consensus", "timeouts", "propose_delta_ms"],
            "--propose-delta-ms",
            args.propose_delta_ms,
        ),
        (
            &["consensus", "timeouts", "prevote_ms"],
            "--prevote-ms",
            args.prevote_ms,
        ),
        (
            &["consensus", "timeouts", "prevote_delta_ms"],
            "--prevote-delta-ms",
            args.prevote_delta_ms,
        ),
        (
            &["consensus", "timeouts", "precommit_ms"],
            "--precommit-ms",
            args.precommit_ms,
        ),
        (
            &["consensus", "timeouts", "precommit_delta_ms"],
            "--precommit-delta-ms",
            args.precommit_delta_ms,
        ),
        (
            &["consensus", "block", "block_bytes_max"],
            "--block-bytes-max",
            args.block_bytes_max.map(u64::from),
        ),
        (
            &["consensus", "block", "transactions_max"],
            "--transactions-max",
            args.transactions_max.map(u64::from),
        ),
        (
            &["consensus", "time", "precision_ms"],
            "--precision-ms",
            args.precision_ms,
        ),
        (
            &["consensus", "time", "message_delay_ms"],
            "--message-delay-ms",
            args.message_delay_ms,
        ),
        (
            &["consensus", "evidence", "max_age_heights"],
            "--evidence-max-age-heights",
            args.evidence_max_age_heights,
        ),
        (
            &["consensus", "evidence", "max_age_ms"],
            "--evidence-max-age-ms",
            args.evidence_max_age_ms,
        ),
    ];
    for (path, option, value) in numbers {
        if let Some(value) = value {
            changes.push((path, option, json!(value)));
        }
    }
    let mut changed = serde_json::Map::new();
    for (path, option, value) in changes {
        let field = path.join(".");
        let last = path.last().copied().unwrap_or_default();
        editor.set(path, value.clone(), &[(last, option)])?;
        changed.insert(field, value);
    }
    editor.save()?;
    let file = args.file.display().to_string();
    emit(
        context,
        &json!({ "file": file, "changed": changed }),
        || {
            let list: Vec<String> = changed.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            format!("set in {file}: {}", list.join(", "))
        },
    )
}

/// The listed collectivity `siren` (parsed by the library as part of the
/// entry that names it), or a failure saying to add it first.
fn listed(editor: &Editor, siren: Siren, option: &str) -> Result<(), CliError> {
    if editor
        .document
        .collectivities
        .iter()
        .any(|c| c.siren == siren)
    {
        Ok(())
    } else {
        Err(CliError::failure(format!(
            "{option} {siren}: {} lists no such collectivity; add it first with `civitas genesis add-collectivity`",
            editor.path().display()
        )))
    }
}

/// The last entry of a list the editor just appended to.
fn last<T: Clone>(items: &[T]) -> Result<T, CliError> {
    items
        .last()
        .cloned()
        .ok_or_else(|| CliError::failure("the edit added nothing"))
}

/// `civitas genesis add-collectivity`.
pub fn add_collectivity(context: &Context, args: AddCollectivityArgs) -> Result<(), CliError> {
    let mut editor = Editor::open(&args.file)?;
    let before = editor.document.collectivities.to_vec();
    let entry = json!({
        "siren": args.siren,
        "name": args.name,
        "voting_power": args.voting_power,
        "council_account": args.council_account,
    });
    editor.push(
        "collectivities",
        entry.clone(),
        &[
            ("siren", "--siren"),
            ("name", "--name"),
            ("council_account", "--council-account"),
        ],
    )?;
    let added = last(&editor.document.collectivities)?;
    if !added.siren.is_valid() {
        return Err(CliError::usage(format!(
            "--siren: {} is not a valid SIREN: its last digit is a Luhn check digit",
            args.siren
        )));
    }
    if args.voting_power == 0 {
        return Err(CliError::usage(
            "--voting-power: a council power is at least 1",
        ));
    }
    if before.iter().any(|c| c.siren == added.siren) {
        return Err(CliError::failure(format!(
            "{} already lists collectivity {}",
            args.file.display(),
            added.siren
        )));
    }
    editor.save()?;
    let file = args.file.display().to_string();
    emit(context, &json!({ "file": file, "added": entry }), || {
        format!(
            "added collectivity {} ({}, council power {}) to {file}",
            added.siren, args.name, args.voting_power
        )
    })
}

/// `civitas genesis add-validator`.
pub fn add_validator(context: &Context, args: AddValidatorArgs) -> Result<(), CliError> {
    let mut editor = Editor::open(&args.file)?;
    let before = editor.document.validators.to_vec();
    let entry = json!({
        "consensus_key": args.consensus_key,
        "network_key": args.network_key,
        "power": args.power,
        "collectivity": args.collectivity,
    });
    editor.push(
        "validators",
        entry.clone(),
        &[
            ("consensus_key", "--consensus-key"),
            ("network_key", "--network-key"),
            ("collectivity", "--collectivity"),
        ],
    )?;
    let added = last(&editor.document.validators)?;
    listed(&editor, added.siren, "--collectivity")?;
    if args.power == 0 {
        return Err(CliError::usage(
            "--power: a validator's power is at least 1",
        ));
    }
    if before.iter().any(|v| v.public_key == added.public_key) {
        return Err(CliError::failure(format!(
            "{} already lists a validator with consensus key {}",
            args.file.display(),
            args.consensus_key
        )));
    }
    editor.save()?;
    let file = args.file.display().to_string();
    emit(context, &json!({ "file": file, "added": entry }), || {
        format!(
            "added a validator of collectivity {} (power {}) to {file}",
            added.siren, args.power
        )
    })
}

/// `civitas genesis add-namespace`.
pub fn add_namespace(context: &Context, args: AddNamespaceArgs) -> Result<(), CliError> {
    let mut editor = Editor::open(&args.file)?;
    let before = editor.document.namespaces.to_vec();
    let fields = args
        .fields
        .iter()
        .map(|field| {
            let (name, kind) = field.split_once(':').ok_or_else(|| {
                CliError::usage(format!(
                    "--field: {field:?} is not NAME:KIND (e.g. floor_area_m2:amount)"
                ))
            })?;
            Ok(json!({ "name": name, "kind": kind }))
        })
        .collect::<Result<Vec<Value>, CliError>>()?;
    let entry = json!({
        "name": args.name,
        "collectivity": args.collectivity,
        "transferable": args.transferable,
        "transfer_needs_approval": args.transfer_needs_approval,
        "fields": fields,
    });
    editor.push(
        "namespaces",
        entry.clone(),
        &[
            ("name", "--name or --field"),
            ("collectivity", "--collectivity"),
            ("kind", "--field"),
            ("fields", "--field"),
        ],
    )?;
    let added = last(&editor.document.namespaces)?;
    listed(&editor, added.namespace.collectivity, "--collectivity")?;
    if !added.name.is_valid() {
        return Err(CliError::usage(format!(
            "--name: {:?} is not a namespace name: use a-z, 0-9, '-', '_' and '/'",
            args.name
        )));
    }
    if let Some(field) = added.namespace.fields.iter().find(|f| !f.name.is_valid()) {
        return Err(CliError::usage(format!(
            "--field: {:?} is not a field name: use 1 to 32 of a-z, 0-9 and '_'",
            String::from_utf8_lossy(&field.name.0)
        )));
    }
    if before.iter().any(|n| n.name == added.name) {
        return Err(CliError::failure(format!(
            "{} already lists namespace {}",
            args.file.display(),
            args.name
        )));
    }
    editor.save()?;
    let file = args.file.display().to_string();
    emit(context, &json!({ "file": file, "added": entry }), || {
        format!(
            "added namespace {} of collectivity {} ({} fields) to {file}",
            args.name,
            added.namespace.collectivity,
            added.namespace.fields.len()
        )
    })
}

/// `civitas genesis add-official`.
pub fn add_official(context: &Context, args: AddOfficialArgs) -> Result<(), CliError> {
    let mut editor = Editor::open(&args.file)?;
    let scope = match (&args.collectivity, &args.namespace) {
        (_, Some(namespace)) => json!({ "namespace": namespace }),
        (Some(siren), None) => match (args.programme, args.community) {
            (Some(id), _) => json!({ "programme": { "collectivity": siren, "id": id } }),
            (None, Some(id)) => json!({ "community": { "collectivity": siren, "id": id } }),
            (None, None) => json!({ "collectivity": siren }),
        },
        (None, None) => {
            return Err(CliError::usage(
                "give the scope: --collectivity SIREN (with --programme or --community) or --namespace NAME",
            ));
        }
    };
    let mut entry = json!({
        "account": args.account,
        "role": args.role.replace('-', "_"),
        "scope": scope,
    });
    if let Some(object) = entry.as_object_mut()
        && !args.categories.is_empty()
    {
        object.insert("categories".into(), json!(args.categories));
    }
    let scope_option = if args.namespace.is_some() {
        "--namespace"
    } else {
        "--collectivity"
    };
    editor.push(
        "grants",
        entry.clone(),
        &[
            ("account", "--account"),
            ("role", "--role"),
            ("scope", scope_option),
            ("categories", "--categories"),
        ],
    )?;
    let added = last(&editor.document.grants)?;
    match &added.scope {
        Scope::Collectivity(siren) | Scope::Programme(siren, _) | Scope::Community(siren, _) => {
            listed(&editor, *siren, "--collectivity")?;
        }
        Scope::Namespace(name) => {
            if !editor.document.namespaces.iter().any(|n| n.name == *name) {
                return Err(CliError::failure(format!(
                    "--namespace {}: {} lists no such namespace; add it first with `civitas genesis add-namespace`",
                    String::from_utf8_lossy(&name.0),
                    args.file.display()
                )));
            }
        }
    }
    let grants = &editor.document.grants;
    if grants
        .iter()
        .take(grants.len().saturating_sub(1))
        .any(|g| g.account == added.account && g.role == added.role && g.scope == added.scope)
    {
        return Err(CliError::failure(format!(
            "{} already grants {} this role in this scope",
            args.file.display(),
            args.account
        )));
    }
    editor.save()?;
    let file = args.file.display().to_string();
    let role = entry
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    emit(context, &json!({ "file": file, "added": entry }), || {
        format!("granted {role} to {} in {file}", args.account)
    })
}
