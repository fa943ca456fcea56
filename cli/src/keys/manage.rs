//! `keys new`, `list`, `show`, `export`, `import` and `delete`: the life of a
//! keystore entry.

use std::path::Path;

use civitas_keys::RecoveryPhrase;
use civitas_types::ChainId;
use serde_json::json;
use zeroize::Zeroizing;

use crate::context::Context;
use crate::exit::CliError;
use crate::keystore::{self, Derivation, Kind, Secret};
use crate::output::{Table, emit, fields};

/// What is printed on stderr next to a secret.
const SECRET_WARNING: &str = "warning: this is a secret. Anyone who reads it can sign as this key: keep it offline, never send it, and delete any copy you do not need.";

/// `keys new`.
pub fn new(
    context: &Context,
    name: &str,
    citizen: bool,
    chain_id: Option<&ChainId>,
) -> Result<(), CliError> {
    let secret = if citizen {
        keystore::random_phrase()?
    } else {
        keystore::random_key()?
    };
    let stored = keystore::create(context, name, &secret)?;
    let file = keystore::keys_dir(context).join(format!("{name}.json"));
    match &secret {
        Secret::Key(_) => {
            let address = stored.address.clone().unwrap_or_default();
            emit(
                context,
                &json!({ "name": name, "kind": "key", "address": address, "file": file }),
                || {
                    fields(&[
                        ("name", name.to_owned()),
                        ("kind", "key".to_owned()),
                        ("address", address.clone()),
                        ("file", file.display().to_string()),
                    ])
                },
            )
        }
        Secret::Citizen(phrase) => {
            let identity = chain_id.map(|chain_id| {
                keystore::address_of(&secret.signing_key(Derivation::Identity, chain_id))
                    .to_string()
            });
            let words = phrase.to_phrase_string();
            if !context.json {
                // The phrase goes to stderr, where the person at the terminal
                // sees it, not to stdout, which scripts and logs capture.
                eprintln!("{}", phrase_banner(phrase).as_str());
            }
            let mut value = json!({
                "name": name,
                "kind": "citizen",
                "file": file,
                "phrase": words.as_str(),
                "warning": "write the recovery phrase down now, on paper, and keep it safe: it is shown once and gives every key of this citizen",
            });
            if let (Some(chain_id), Some(identity), Some(object)) =
                (chain_id, &identity, value.as_object_mut())
            {
                object.insert("chainId".into(), json!(chain_id.as_str()));
                object.insert("identityAddress".into(), json!(identity));
            }
            emit(context, &value, || {
                let mut pairs = vec![
                    ("name", name.to_owned()),
                    ("kind", "citizen".to_owned()),
                    ("file", file.display().to_string()),
                ];
                if let (Some(chain_id), Some(identity)) = (chain_id, &identity) {
                    pairs.push(("chain id", chain_id.to_string()));
                    pairs.push(("identity address", identity.clone()));
                }
                fields(&pairs)
            })
        }
    }
}

/// The phrase in four numbered lines of six words, with the warning.
fn phrase_banner(phrase: &RecoveryPhrase) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::from(
        "Your recovery phrase. Write it down now, on paper, in order; it is shown\nonce and gives every key of this citizen. Keep it offline and never share it.\n\n",
    ));
    let words: Vec<&str> = phrase.words().collect();
    for (row, six) in words.chunks(6).enumerate() {
        let mut line = Zeroizing::new(String::new());
        for (column, word) in six.iter().enumerate() {
            let position = row
                .saturating_mul(6)
                .saturating_add(column)
                .saturating_add(1);
            line.push_str(&format!("{position:>2}. {word:<10}"));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `keys list`.
pub fn list(context: &Context) -> Result<(), CliError> {
    let entries = keystore::list(context)?;
    let value: Vec<_> = entries
        .iter()
        .map(|entry| json!({ "name": entry.name, "kind": entry.kind.as_str(), "address": entry.address }))
        .collect();
    emit(context, &value, || {
        if entries.is_empty() {
            return format!(
                "no keys in {}: create one with `civitas keys new NAME`",
                keystore::keys_dir(context).display()
            );
        }
        let mut table = Table::new(&["name", "kind", "address"]);
        for entry in &entries {
            let address = entry.address.clone().unwrap_or_else(|| {
                "(per network: civitas keys show NAME --chain-id ID)".to_owned()
            });
            table.row(vec![
                entry.name.clone(),
                entry.kind.as_str().to_owned(),
                address,
            ]);
        }
        table.render()
    })
}

/// `keys show`.
pub fn show(
    context: &Context,
    name: &str,
    derivation: Derivation,
    chain_id: Option<&ChainId>,
) -> Result<(), CliError> {
    let entry = keystore::read(context, name)?;
    match entry.kind {
        Kind::Key => {
            let address = entry.address.clone().unwrap_or_default();
            emit(
                context,
                &json!({ "name": name, "kind": "key", "address": address }),
                || {
                    fields(&[
                        ("name", name.to_owned()),
                        ("kind", "key".to_owned()),
                        ("address", address.clone()),
                    ])
                },
            )
        }
        Kind::Citizen => {
            let chain_id = chain_id.ok_or_else(|| {
                CliError::usage(format!(
                    "{name} is a citizen: its addresses depend on the network, add --chain-id ID"
                ))
            })?;
            super::derive::print_derived(context, name, derivation, chain_id)
        }
    }
}

/// `keys export`.
pub fn export(context: &Context, name: &str, out: Option<&Path>) -> Result<(), CliError> {
    let secret = keystore::unlock(context, name)?;
    let kind = secret.kind();
    let text = secret.to_text();
    let field = match kind {
        Kind::Key => "seed",
        Kind::Citizen => "phrase",
    };
    eprintln!("{SECRET_WARNING}");
    match out {
        Some(path) => {
            let mut content = Zeroizing::new(text.as_str().to_owned());
            content.push('\n');
            keystore::write_new_file(path, content.as_bytes())?;
            emit(
                context,
                &json!({ "name": name, "kind": kind.as_str(), "file": path }),
                || {
                    format!(
                        "wrote the {field} of {name} to {} (mode 0600)",
                        path.display()
                    )
                },
            )
        }
        None => {
            let mut value = json!({ "name": name, "kind": kind.as_str() });
            if let Some(object) = value.as_object_mut() {
                object.insert(field.into(), json!(text.as_str()));
            }
            emit(context, &value, || text.as_str().to_owned())
        }
    }
}

/// Reads a secret file into a wiped string.
fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, CliError> {
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))
}

/// A 32-byte seed from hex (white space around it and a `0x` ignored).
fn parse_seed(text: &str) -> Result<Zeroizing<[u8; 32]>, CliError> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(digits, seed.as_mut()).map_err(|_| {
        CliError::usage("a seed file holds 64 hexadecimal digits (a 32-byte ed25519 seed)")
    })?;
    Ok(seed)
}

fn parse_phrase(text: &str) -> Result<RecoveryPhrase, CliError> {
    RecoveryPhrase::parse(text).map_err(|e| CliError::usage(format!("not a recovery phrase: {e}")))
}

/// `keys import`.
pub fn import(
    context: &Context,
    name: &str,
    seed_file: Option<&Path>,
    phrase_file: Option<&Path>,
) -> Result<(), CliError> {
    keystore::check_name(name)?;
    let secret = match (seed_file, phrase_file) {
        (Some(path), _) => Secret::Key(parse_seed(&read_secret_file(path)?)?),
        (None, Some(path)) => Secret::Citizen(parse_phrase(&read_secret_file(path)?)?),
        (None, None) if keystore::terminal() => {
            let typed = rpassword::prompt_password("Recovery phrase (24 words, not shown): ")
                .map(Zeroizing::new)
                .map_err(|e| CliError::failure(format!("cannot read the phrase: {e}")))?;
            Secret::Citizen(parse_phrase(&typed)?)
        }
        (None, None) => {
            return Err(CliError::usage(
                "give --seed-file FILE or --phrase-file FILE (no terminal to type a phrase on)",
            ));
        }
    };
    let stored = keystore::create(context, name, &secret)?;
    let kind = stored.kind.as_str();
    emit(
        context,
        &json!({ "name": name, "kind": kind, "address": stored.address }),
        || {
            let mut pairs = vec![("name", name.to_owned()), ("kind", kind.to_owned())];
            if let Some(address) = &stored.address {
                pairs.push(("address", address.clone()));
            }
            fields(&pairs)
        },
    )
}

/// `keys delete`.
pub fn delete(context: &Context, name: &str, yes: bool) -> Result<(), CliError> {
    keystore::check_name(name)?;
    if !yes {
        return Err(CliError::usage(format!(
            "deleting {name} destroys its secret unless you wrote it down or exported it: add --yes to confirm"
        )));
    }
    let path = keystore::delete(context, name)?;
    emit(context, &json!({ "name": name, "deleted": path }), || {
        format!("deleted {name} ({})", path.display())
    })
}
