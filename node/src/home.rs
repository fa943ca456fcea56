//! The node's home directory: where each file lives, and the rule that key
//! files are readable by their owner only.
//!
//! ```text
//! HOME/config.toml            the configuration (commented, every default)
//! HOME/consensus_key          the consensus key seed, hex (0600)
//! HOME/network_key            the network key seed, hex (0600)
//! HOME/rpc_credentials        RPC credentials, hashed (0600; civitas-node rpc-credential)
//! HOME/data/ledger/           the RocksDB ledger
//! HOME/data/sign_state        the double-sign guard's state, synced before each signature
//! HOME/data/validator_sets    the validator set of every height (history for evidence)
//! HOME/data/validator_registries  each set's registry entries: network keys, collectivities
//! HOME/data/candidates/       bodies of blocks this validator signed for, not yet committed
//! ```

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use civitas_types::SigningKey;

/// The paths of one home directory.
#[derive(Clone, Debug)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// The home at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Home {
        Home { root: root.into() }
    }

    /// The home directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The configuration file.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// The consensus key file.
    pub fn consensus_key(&self) -> PathBuf {
        self.root.join("consensus_key")
    }

    /// The network key file.
    pub fn network_key(&self) -> PathBuf {
        self.root.join("network_key")
    }

    /// The data directory.
    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The ledger's RocksDB directory.
    pub fn ledger(&self) -> PathBuf {
        self.data().join("ledger")
    }

    /// The signing-state file.
    pub fn sign_state(&self) -> PathBuf {
        self.data().join("sign_state")
    }

    /// The validator-set history file.
    pub fn validator_sets(&self) -> PathBuf {
        self.data().join("validator_sets")
    }

    /// The registry entries of every validator set (see `crate::allowed_peers`).
    pub fn validator_registries(&self) -> PathBuf {
        self.data().join("validator_registries")
    }

    /// The RPC credentials file: `NAME SHA256-OF-TOKEN` per line
    /// (`crate::rpc::credentials`).
    pub fn rpc_credentials(&self) -> PathBuf {
        self.root.join("rpc_credentials")
    }

    /// The candidate bodies directory.
    pub fn candidates(&self) -> PathBuf {
        self.data().join("candidates")
    }
}

/// Writes a fresh random key to `path` (owner read/write only), refusing to
/// overwrite an existing one.
pub fn create_key(path: &Path) -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| anyhow::anyhow!("the operating system gave no randomness: {e}"))?;
    let key = SigningKey::from_seed(&seed);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| {
            format!(
                "cannot create key file {} (does it exist already?)",
                path.display()
            )
        })?;
    writeln!(file, "{}", hex::encode(seed))?;
    file.sync_all()?;
    Ok(key)
}

/// Reads the key at `path`, refusing a file that group or others can read.
pub fn load_key(path: &Path) -> Result<SigningKey> {
    let metadata = fs::metadata(path).with_context(|| {
        format!(
            "cannot read key file {}; create keys with `civitas-node init --home DIR`",
            path.display()
        )
    })?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "key file {} is readable by others (mode {mode:o}); run `chmod 600 {}` and start again",
            path.display(),
            path.display()
        );
    }
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    let bytes = hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok());
    match bytes {
        Some(seed) => Ok(SigningKey::from_seed(&seed)),
        None => bail!(
            "key file {} does not hold a 32-byte hex seed; restore it from your backup",
            path.display()
        ),
    }
}

/// Writes `bytes` to `path` durably: a temporary file, synced, renamed over
/// the old one, and the directory synced (a crash leaves the old or the new
/// file, whole).
pub fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let directory = path.parent().unwrap_or(Path::new("."));
    let temporary = path.with_extension("tmp");
    {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&temporary, path)?;
    fs::File::open(directory)?.sync_all()
}
