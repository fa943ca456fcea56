//! Key files on disk: `HOME/keys/NAME.json`, their JSON form, and the rules
//! for touching them — created 0600 in a 0700 directory, written atomically
//! (a temporary file, then a link that fails rather than overwrite), and
//! refused when group or others may read them.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::exit::CliError;
use crate::keystore::crypto::{Cipher, Kdf, Sealed, random_bytes};
use crate::keystore::name::check_name;

/// The version of the key file format this module writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// What a key file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A 32-byte ed25519 seed: one key, one address.
    Key,
    /// A citizen's 24-word recovery phrase: every key of the citizen.
    Citizen,
}

impl Kind {
    /// The kind as written in the file (and bound into the ciphertext).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Key => "key",
            Kind::Citizen => "citizen",
        }
    }
}

/// A key file as stored: public data in the clear, the secret sealed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The entry's name (also its file name, and bound into the ciphertext).
    pub name: String,
    /// What the secret is.
    pub kind: Kind,
    /// A plain key's `civ1…` address. None for a citizen: its addresses depend
    /// on the network, and storing them would put the citizen's pseudonyms
    /// side by side in a file that needs no passphrase to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// How the passphrase became the key.
    pub kdf: Kdf,
    /// How the secret was encrypted.
    pub cipher: Cipher,
    /// The secret, encrypted, with its tag (hex).
    pub ciphertext: String,
}

impl KeyFile {
    /// The sealed part.
    pub fn sealed(&self) -> Sealed {
        Sealed {
            kdf: self.kdf.clone(),
            cipher: self.cipher.clone(),
            ciphertext: self.ciphertext.clone(),
        }
    }
}

/// The keystore's directory.
pub fn keys_dir(context: &Context) -> PathBuf {
    context.home.join("keys")
}

/// The file of entry `name` (checked).
pub fn key_path(context: &Context, name: &str) -> Result<PathBuf, CliError> {
    check_name(name)?;
    Ok(keys_dir(context).join(format!("{name}.json")))
}

/// Whether entry `name` exists.
pub fn exists(context: &Context, name: &str) -> Result<bool, CliError> {
    Ok(key_path(context, name)?.exists())
}

/// Refuses a file that group or others may read or write: a key file open
/// to them is a secret (sealed, but attackable offline) shared with them.
#[cfg(unix)]
fn check_permissions(path: &Path, metadata: &fs::Metadata) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    if metadata.permissions().mode() & 0o077 != 0 {
        return Err(CliError::failure(format!(
            "the key file {path} is open to other users: run `chmod 600 {path}`",
            path = path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path, _metadata: &fs::Metadata) -> Result<(), CliError> {
    Ok(())
}

/// Reads entry `name`, refusing a missing entry, open permissions and a file
/// whose content is not the entry it is named after.
pub fn read(context: &Context, name: &str) -> Result<KeyFile, CliError> {
    let path = key_path(context, name)?;
    if !path.exists() {
        return Err(CliError::failure(format!(
            "no key named {name} in {}: see `civitas keys list`",
            keys_dir(context).display()
        )));
    }
    read_path(&path, name)
}

fn read_path(path: &Path, name: &str) -> Result<KeyFile, CliError> {
    let metadata = fs::metadata(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
    check_permissions(path, &metadata)?;
    let text = fs::read_to_string(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
    let file: KeyFile = serde_json::from_str(&text)
        .map_err(|e| CliError::failure(format!("{} is not a key file: {e}", path.display())))?;
    if file.version != FORMAT_VERSION {
        return Err(CliError::failure(format!(
            "{} has key file version {}; this civitas reads version {FORMAT_VERSION}",
            path.display(),
            file.version
        )));
    }
    if file.name != name {
        return Err(CliError::failure(format!(
            "{} holds the key named {}: rename it back to {}.json",
            path.display(),
            file.name,
            file.name
        )));
    }
    Ok(file)
}

/// Every entry, by name.
pub fn list(context: &Context) -> Result<Vec<KeyFile>, CliError> {
    let dir = keys_dir(context);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(CliError::failure(format!(
                "cannot read {}: {e}",
                dir.display()
            )));
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| CliError::failure(format!("cannot read {}: {e}", dir.display())))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        // Temporary files and anything not named like a key are not entries.
        if check_name(name).is_err() {
            continue;
        }
        files.push(read_path(&entry.path(), name)?);
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Creates the keystore directory, 0700.
fn create_dir(dir: &Path) -> Result<(), CliError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))
}

/// Writes `bytes` to the new file `path`, 0600, refusing to overwrite: first
/// to a temporary file beside it, synced, then linked to `path` (a link fails
/// if `path` exists, where a rename would replace it), so `path` either does
/// not exist or holds all of `bytes`.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| CliError::usage(format!("{} is not a file name", path.display())))?;
    let mut suffix = [0u8; 8];
    random_bytes(&mut suffix)?;
    let temporary = dir.join(format!(".{file_name}.tmp-{}", hex::encode(suffix)));
    let result = write_then_link(&temporary, path, bytes);
    let _ = fs::remove_file(&temporary);
    result?;
    // The directory entry itself is made durable too (best effort: not every
    // platform can open a directory).
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn write_then_link(temporary: &Path, path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let write = |options: &fs::OpenOptions| -> std::io::Result<()> {
        let mut file = options.open(temporary)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    write(&options)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", temporary.display())))?;
    fs::hard_link(temporary, path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::failure(format!(
                "{} already exists: remove it first or choose another name",
                path.display()
            ))
        } else {
            CliError::failure(format!("cannot write {}: {e}", path.display()))
        }
    })
}

/// Stores a new entry; refuses to replace one.
pub fn write(context: &Context, file: &KeyFile) -> Result<PathBuf, CliError> {
    let path = key_path(context, &file.name)?;
    if path.exists() {
        return Err(CliError::failure(format!(
            "a key named {} already exists: choose another name, or `civitas keys delete {} --yes` first",
            file.name, file.name
        )));
    }
    create_dir(&keys_dir(context))?;
    let mut text = serde_json::to_string_pretty(file)?;
    text.push('\n');
    write_new_file(&path, text.as_bytes())?;
    Ok(path)
}

/// Deletes entry `name`.
pub fn delete(context: &Context, name: &str) -> Result<PathBuf, CliError> {
    // No permission check: deleting a key file open to others is the fix,
    // not a risk.
    let path = key_path(context, name)?;
    if !path.exists() {
        return Err(CliError::failure(format!(
            "no key named {name} in {}: see `civitas keys list`",
            keys_dir(context).display()
        )));
    }
    fs::remove_file(&path)
        .map_err(|e| CliError::failure(format!("cannot delete {}: {e}", path.display())))?;
    Ok(path)
}
