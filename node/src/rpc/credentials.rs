//! Credentials for the methods of credentialed callers (validators,
//! accredited auditors): whole blocks, raw state keys.
//!
//! - **Stored hashed**: `HOME/rpc_credentials` holds one line per credential,
//!   `NAME SHA256-OF-TOKEN` (hex); the token itself is shown once, by
//!   `civitas-node rpc-credential add`, and never stored. Tokens are 32
//!   random bytes, so a fast hash is enough: nothing to brute-force.
//! - **Revocable without restart**: the node re-reads the file whenever its
//!   modification time changes (looked at on each credentialed request), so
//!   `civitas-node rpc-credential revoke NAME` takes effect at the next request;
//!   an event stream opened with the token asks again at each commit
//!   ([`Credentials::still_accepts`]) and closes.
//! - **Only over loopback or TLS**: a token sent in clear from another
//!   address is refused without being looked at — it crossed the network in
//!   clear. The node serves TLS itself (`rpc.tls_certificate`, `super::tls`),
//!   or a TLS-terminating reverse proxy on the same machine
//!   (docs/operator-guide.md) forwards over loopback.
//!
//! The caller is judged once per HTTP request (or WebSocket upgrade) from its
//! `Authorization: Bearer TOKEN` header, and carried to the method calls as
//! a [`Caller`] extension; the guard refuses credentialed methods to callers
//! without one.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// Who is calling, as the HTTP request's `Authorization` header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No credential sent.
    Anonymous,
    /// A valid credential.
    Credentialed(Credential),
    /// A credential the node does not accept, and why.
    Refused(&'static str),
}

/// A credential a caller presented and the node accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// Its name (`rpc-credential add --name`).
    pub name: String,
    /// Its token's hash: what revocation removes from the file.
    hash: [u8; 32],
}

/// The credentials file, re-read when it changes.
#[derive(Debug)]
pub struct Credentials {
    path: PathBuf,
    loaded: Mutex<Loaded>,
}

#[derive(Debug, Default)]
struct Loaded {
    modified: Option<SystemTime>,
    by_hash: BTreeMap<[u8; 32], String>,
}

/// SHA-256 of `token`.
fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The (name, hash) lines of a credentials file's `text`; comments (`#`)
/// and blank lines skipped, malformed lines refused with their number.
fn parse(text: &str) -> Result<Vec<(String, [u8; 32])>> {
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(name), Some(digest), None) = (fields.next(), fields.next(), fields.next()) else {
            bail!(
                "line {}: expected `NAME SHA256-HEX`",
                number.saturating_add(1)
            );
        };
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(digest, &mut bytes).with_context(|| {
            format!(
                "line {}: the hash is not 64 hex digits",
                number.saturating_add(1)
            )
        })?;
        entries.push((name.to_owned(), bytes));
    }
    Ok(entries)
}

impl Credentials {
    /// The credentials of the file at `path` (none while it does not exist).
    pub fn new(path: PathBuf) -> Credentials {
        Credentials {
            path,
            loaded: Mutex::new(Loaded::default()),
        }
    }

    /// The caller of a request that came over loopback or TLS or not
    /// (`secure`), with `authorization` (the header's value, if any).
    pub fn caller(&self, secure: bool, authorization: Option<&[u8]>) -> Caller {
        let Some(header) = authorization else {
            return Caller::Anonymous;
        };
        if !secure {
            return Caller::Refused(
                "credentials are accepted only over loopback or TLS (set rpc.tls_certificate and rpc.tls_key, or put a TLS reverse proxy on the node's machine)",
            );
        }
        let Some(token) = std::str::from_utf8(header)
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
        else {
            return Caller::Refused("the Authorization header is not `Bearer TOKEN`");
        };
        let hash = hash(token.trim());
        match self.name_of(&hash) {
            Some(name) => Caller::Credentialed(Credential { name, hash }),
            None => Caller::Refused("unknown or revoked credential"),
        }
    }

    /// Whether `credential` is still accepted (re-reading the file if it
    /// changed): an open subscription asks at each commit, so revoking a
    /// credential ends the streams opened with it.
    pub fn still_accepts(&self, credential: &Credential) -> bool {
        self.name_of(&credential.hash).as_deref() == Some(credential.name.as_str())
    }

    /// The name of the credential whose token hashes to `hash`, re-reading
    /// the file if it changed.
    fn name_of(&self, hash: &[u8; 32]) -> Option<String> {
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        let modified = fs::metadata(&self.path).and_then(|m| m.modified()).ok();
        if modified != loaded.modified {
            match fs::read_to_string(&self.path)
                .map_err(anyhow::Error::from)
                .and_then(|text| parse(&text))
            {
                Ok(entries) => {
                    loaded.by_hash = entries.into_iter().map(|(n, h)| (h, n)).collect();
                }
                // A missing file is no credential; a damaged one accepts none
                // (revoking by damaging the file must not keep old tokens).
                Err(error) => {
                    if modified.is_some() {
                        tracing::error!(path = %self.path.display(), %error, "the RPC credentials file is unreadable: no credential is accepted");
                    }
                    loaded.by_hash.clear();
                }
            }
            loaded.modified = modified;
        }
        loaded.by_hash.get(hash).cloned()
    }
}

/// Adds credential `name` to the file at `path` (created 0600): returns the
/// token, which is shown once and stored only hashed.
pub fn add(path: &Path, name: &str) -> Result<String> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '#') {
        bail!("a credential name is one word without `#`, e.g. audit-chamber");
    }
    let existing = match fs::read_to_string(path) {
        Ok(text) => parse(&text).with_context(|| format!("{}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if existing.iter().any(|(n, _)| n == name) {
        bail!("a credential named {name} exists: revoke it first, or choose another name");
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| anyhow::anyhow!("the operating system gave no randomness: {e}"))?;
    let token = hex::encode(secret);
    let mut file = fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    writeln!(file, "{name} {}", hex::encode(hash(&token)))?;
    file.sync_all()?;
    Ok(token)
}

/// Removes credential `name`; whether it existed.
pub fn revoke(path: &Path, name: &str) -> Result<bool> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let entries = parse(&text).with_context(|| format!("{}", path.display()))?;
    let kept: Vec<&(String, [u8; 32])> = entries.iter().filter(|(n, _)| n != name).collect();
    if kept.len() == entries.len() {
        return Ok(false);
    }
    let body: String = kept
        .iter()
        .map(|(n, h)| format!("{n} {}\n", hex::encode(h)))
        .collect();
    crate::home::write_durably(path, body.as_bytes())?;
    Ok(true)
}

/// The names of the credentials in the file at `path`.
pub fn list(path: &Path) -> Result<Vec<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(parse(&text)?.into_iter().map(|(n, _)| n).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn bearer(token: &str) -> Vec<u8> {
        format!("Bearer {token}").into_bytes()
    }

    #[test]
    fn a_token_is_accepted_over_loopback_until_revoked_and_never_from_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rpc_credentials");
        let token = add(&path, "audit-chamber").unwrap();
        let other = add(&path, "validator-2").unwrap();
        let credentials = Credentials::new(path.clone());
        let Caller::Credentialed(accepted) = credentials.caller(true, Some(&bearer(&token))) else {
            panic!("the token is refused");
        };
        assert_eq!(accepted.name, "audit-chamber");
        assert!(credentials.still_accepts(&accepted));
        assert!(
            matches!(credentials.caller(false, Some(&bearer(&token))), Caller::Refused(why) if why.contains("loopback"))
        );
        assert_eq!(credentials.caller(true, None), Caller::Anonymous);
        assert!(matches!(
            credentials.caller(true, Some(b"Basic abc")),
            Caller::Refused(_)
        ));
        assert!(matches!(
            credentials.caller(true, Some(&bearer("00"))),
            Caller::Refused(_)
        ));
        // Revoked: refused at the next request, the other one still works.
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(revoke(&path, "audit-chamber").unwrap());
        assert!(matches!(
            credentials.caller(true, Some(&bearer(&token))),
            Caller::Refused(_)
        ));
        assert!(!credentials.still_accepts(&accepted));
        assert!(matches!(
            credentials.caller(true, Some(&bearer(&other))),
            Caller::Credentialed(Credential { name, .. }) if name == "validator-2"
        ));
        assert_eq!(list(&path).unwrap(), vec!["validator-2".to_owned()]);
        assert!(!revoke(&path, "audit-chamber").unwrap());
        // Added again under the same name, with a new token: streams opened
        // with the revoked token stay closed.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let renewed = add(&path, "audit-chamber").unwrap();
        assert!(matches!(
            credentials.caller(true, Some(&bearer(&renewed))),
            Caller::Credentialed(Credential { name, .. }) if name == "audit-chamber"
        ));
        assert!(!credentials.still_accepts(&accepted));
    }

    #[test]
    fn the_file_holds_hashes_only_and_refuses_a_second_credential_of_one_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rpc_credentials");
        let token = add(&path, "auditor").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&token));
        assert!(text.contains(&hex::encode(hash(&token))));
        assert!(add(&path, "auditor").is_err());
        assert!(add(&path, "two words").is_err());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_damaged_file_accepts_no_credential() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rpc_credentials");
        let token = add(&path, "auditor").unwrap();
        let credentials = Credentials::new(path.clone());
        assert!(matches!(
            credentials.caller(true, Some(&bearer(&token))),
            Caller::Credentialed(_)
        ));
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&path, "auditor not-hex\n").unwrap();
        assert!(matches!(
            credentials.caller(true, Some(&bearer(&token))),
            Caller::Refused(_)
        ));
    }
}
