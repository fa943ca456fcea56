//! The encrypted keystore: `HOME/keys/NAME.json`, one file per entry, each a
//! plain key (a 32-byte ed25519 seed) or a citizen secret (a 24-word recovery
//! phrase from which `civitas_keys` derives the identity key and one key per
//! programme and community), sealed under a passphrase.
//!
//! The rest of `civitas` asks this module for a signing key by name
//! ([`signing_key`]) and never sees a file or a passphrase. Format and
//! reasons: docs/decisions/0021-cli-keystore.md.

mod crypto;
mod file;
mod name;
mod passphrase;

use civitas_keys::{CitizenKeys, KeyPath, Network, RecoveryPhrase, Rotation};
use civitas_types::{AccountId, ChainId, SigningKey};
use zeroize::Zeroizing;

use crate::context::Context;
use crate::exit::CliError;

pub use crypto::random_bytes;
pub use file::{KeyFile, Kind, keys_dir, write_new_file};
pub use name::check_name;
pub use passphrase::terminal;

/// Which key of a keystore entry signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derivation {
    /// The entry's identity key.
    Identity,
    /// The entry's key for this aid programme.
    Programme(u64),
    /// The entry's key for this energy community.
    Community(u64),
}

impl Derivation {
    /// The path of this key of a citizen on the network of `chain_id` (first
    /// rotation).
    pub fn key_path(self, chain_id: &ChainId) -> KeyPath {
        let network = Network::from_chain_id(chain_id);
        match self {
            Derivation::Identity => KeyPath::identity(network, Rotation::FIRST),
            Derivation::Programme(id) => KeyPath::programme(network, id, Rotation::FIRST),
            Derivation::Community(id) => KeyPath::community(network, id, Rotation::FIRST),
        }
    }

    /// What the key is for, in words (`identity`, `programme 7`, …).
    pub fn describe(self) -> String {
        match self {
            Derivation::Identity => "identity".to_owned(),
            Derivation::Programme(id) => format!("programme {id}"),
            Derivation::Community(id) => format!("community {id}"),
        }
    }
}

/// A secret to store.
pub enum Secret {
    /// An ed25519 seed.
    Key(Zeroizing<[u8; 32]>),
    /// A citizen's recovery phrase (wiped when dropped).
    Citizen(RecoveryPhrase),
}

impl Secret {
    /// The kind of entry this secret makes.
    pub fn kind(&self) -> Kind {
        match self {
            Secret::Key(_) => Kind::Key,
            Secret::Citizen(_) => Kind::Citizen,
        }
    }

    /// The bytes sealed in the file: the seed, or the phrase's words joined
    /// by single spaces.
    fn plaintext(&self) -> Zeroizing<Vec<u8>> {
        match self {
            Secret::Key(seed) => Zeroizing::new(seed.to_vec()),
            Secret::Citizen(phrase) => {
                Zeroizing::new(phrase.to_phrase_string().as_bytes().to_vec())
            }
        }
    }

    /// The secret as a person writes it down or a file holds it: the seed in
    /// hex, or the 24 words.
    pub fn to_text(&self) -> Zeroizing<String> {
        match self {
            Secret::Key(seed) => Zeroizing::new(hex::encode(seed.as_ref())),
            Secret::Citizen(phrase) => phrase.to_phrase_string(),
        }
    }

    /// The key `derivation` on the network of `chain_id`; a plain key is its
    /// one key whatever is asked.
    pub fn signing_key(&self, derivation: Derivation, chain_id: &ChainId) -> SigningKey {
        match self {
            Secret::Key(seed) => SigningKey::from_seed(seed),
            Secret::Citizen(phrase) => {
                let keys = CitizenKeys::from_recovery_phrase(phrase, "");
                let key = keys.key(&derivation.key_path(chain_id));
                civitas_keys::to_civitas_signing_key(&key)
            }
        }
    }
}

/// The address of a signing key.
pub fn address_of(key: &SigningKey) -> AccountId {
    AccountId::from_public_key(&key.public_key())
}

/// A new random plain key.
pub fn random_key() -> Result<Secret, CliError> {
    let mut seed = Zeroizing::new([0u8; 32]);
    random_bytes(seed.as_mut())?;
    Ok(Secret::Key(seed))
}

/// A new random recovery phrase.
pub fn random_phrase() -> Result<Secret, CliError> {
    let mut entropy = Zeroizing::new([0u8; civitas_keys::ENTROPY_LENGTH]);
    random_bytes(entropy.as_mut())?;
    let phrase = RecoveryPhrase::from_entropy(entropy.as_ref())
        .map_err(|e| CliError::failure(format!("cannot make a recovery phrase: {e}")))?;
    Ok(Secret::Citizen(phrase))
}

/// Stores `secret` as the new entry `name`, sealed under the passphrase
/// (asked twice at a terminal). Refuses to replace an entry.
pub fn create(context: &Context, name: &str, secret: &Secret) -> Result<KeyFile, CliError> {
    check_name(name)?;
    if file::exists(context, name)? {
        return Err(CliError::failure(format!(
            "a key named {name} already exists: choose another name, or `civitas keys delete {name} --yes` first"
        )));
    }
    let passphrase = passphrase::passphrase(context, passphrase::Purpose::Create(name))?;
    let kind = secret.kind();
    let sealed = crypto::seal(&passphrase, name, kind.as_str(), &secret.plaintext())?;
    let address = match secret {
        Secret::Key(seed) => Some(address_of(&SigningKey::from_seed(seed)).to_string()),
        Secret::Citizen(_) => None,
    };
    let key_file = KeyFile {
        version: file::FORMAT_VERSION,
        name: name.to_owned(),
        kind,
        address,
        kdf: sealed.kdf,
        cipher: sealed.cipher,
        ciphertext: sealed.ciphertext,
    };
    file::write(context, &key_file)?;
    Ok(key_file)
}

/// The public part of entry `name` (no passphrase needed).
pub fn read(context: &Context, name: &str) -> Result<KeyFile, CliError> {
    file::read(context, name)
}

/// Every entry's public part, by name.
pub fn list(context: &Context) -> Result<Vec<KeyFile>, CliError> {
    file::list(context)
}

/// Deletes entry `name`; returns the file it removed.
pub fn delete(context: &Context, name: &str) -> Result<std::path::PathBuf, CliError> {
    file::delete(context, name)
}

/// Opens entry `name` with the passphrase: its secret.
pub fn unlock(context: &Context, name: &str) -> Result<Secret, CliError> {
    let key_file = file::read(context, name)?;
    // A file this version cannot open (or that asks for too much memory)
    // is refused before anyone types a passphrase for it.
    crypto::check(&key_file.sealed()).map_err(|error| open_error(name, error))?;
    let passphrase = passphrase::passphrase(context, passphrase::Purpose::Open(name))?;
    open(&key_file, &passphrase)
}

fn open_error(name: &str, error: crypto::OpenError) -> CliError {
    match error {
        crypto::OpenError::WrongPassphrase => {
            CliError::failure(format!("wrong passphrase for key {name}"))
        }
        crypto::OpenError::Malformed(why) => {
            CliError::failure(format!("the key file of {name} is unreadable: {why}"))
        }
    }
}

fn open(key_file: &KeyFile, passphrase: &str) -> Result<Secret, CliError> {
    let name = &key_file.name;
    let plaintext = crypto::open(passphrase, name, key_file.kind.as_str(), &key_file.sealed())
        .map_err(|error| open_error(name, error))?;
    match key_file.kind {
        Kind::Key => {
            let seed: [u8; 32] = plaintext.as_slice().try_into().map_err(|_| {
                CliError::failure(format!(
                    "the key file of {name} does not hold a 32-byte seed"
                ))
            })?;
            let seed = Zeroizing::new(seed);
            // The address shown without the passphrase must be the key's.
            let address = address_of(&SigningKey::from_seed(&seed)).to_string();
            if key_file.address.as_deref() != Some(address.as_str()) {
                return Err(CliError::failure(format!(
                    "the key file of {name} shows an address that is not its key's ({address})"
                )));
            }
            Ok(Secret::Key(seed))
        }
        Kind::Citizen => {
            let text = std::str::from_utf8(&plaintext).map_err(|_| {
                CliError::failure(format!("the key file of {name} does not hold a phrase"))
            })?;
            let phrase = RecoveryPhrase::parse(text).map_err(|e| {
                CliError::failure(format!("the key file of {name} holds no valid phrase: {e}"))
            })?;
            Ok(Secret::Citizen(phrase))
        }
    }
}

/// The signing key of entry `name`: a plain key's one key whatever
/// `derivation` says, or a citizen's key `derivation` on the network of
/// `chain_id` (first rotation). Asks for the passphrase.
pub fn signing_key(
    context: &Context,
    name: &str,
    derivation: Derivation,
    chain_id: &ChainId,
) -> Result<SigningKey, CliError> {
    Ok(unlock(context, name)?.signing_key(derivation, chain_id))
}

/// The key of entry `name` that signs a transaction of `signer` (`None`:
/// the key's own account), and that signer. For a citizen's secret the key
/// is the one `derivation` names, and a programme's or community's key
/// signs only as itself: signing another account's transaction would link
/// the citizen's accounts. (The identity key also signs as a multisig
/// member, for an account not its own.)
pub fn signing_key_for(
    context: &Context,
    name: &str,
    derivation: Derivation,
    chain_id: &ChainId,
    signer: Option<AccountId>,
) -> Result<(SigningKey, AccountId), CliError> {
    let secret = unlock(context, name)?;
    let key = secret.signing_key(derivation, chain_id);
    let own = address_of(&key);
    let signer = signer.unwrap_or(own);
    let derived = match derivation {
        Derivation::Identity => None,
        Derivation::Programme(id) => Some(format!("programme {id}")),
        Derivation::Community(id) => Some(format!("energy community {id}")),
    };
    if let (Secret::Citizen(_), Some(derived)) = (&secret, derived)
        && signer != own
    {
        return Err(CliError::failure(format!(
            "{name}'s key for {derived} is {own}, not the signer {signer}: a citizen's programme or community key signs only its own account's transactions"
        )));
    }
    Ok((key, signer))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    const PHRASE: &str = "abandon amount liar amount expire adjust cage candy arch gather drum bullet absurd math era live bid rhythm alien crouch range attend journey unaware";

    fn context(home: &std::path::Path, passphrase: &str) -> Context {
        let file = home.join(format!("passphrase-{passphrase}"));
        std::fs::write(&file, format!("{passphrase}\nignored second line\n")).unwrap();
        Context {
            home: home.to_owned(),
            node: String::new(),
            credential_file: None,
            ca_file: None,
            passphrase_file: Some(file),
            json: false,
            interactive: false,
        }
    }

    #[test]
    fn a_plain_key_round_trips_and_signs_whatever_the_derivation() {
        let home = tempfile::tempdir().unwrap();
        let context = context(home.path(), "hunter2");
        let secret = Secret::Key(Zeroizing::new([9u8; 32]));
        let stored = create(&context, "alice", &secret).unwrap();
        let chain = ChainId::new("civitas-test-1").unwrap();
        let key = signing_key(&context, "alice", Derivation::Programme(7), &chain).unwrap();
        assert_eq!(key.seed(), [9u8; 32]);
        assert_eq!(stored.address, Some(address_of(&key).to_string()));
    }

    #[test]
    fn a_citizen_gives_the_keys_of_civitas_keys() {
        let home = tempfile::tempdir().unwrap();
        let context = context(home.path(), "hunter2");
        let phrase = RecoveryPhrase::parse(PHRASE).unwrap();
        let stored = create(&context, "camille", &Secret::Citizen(phrase.clone())).unwrap();
        assert_eq!(stored.address, None);
        let chain = ChainId::new("civitas-grand-est-1").unwrap();
        let keys = CitizenKeys::from_recovery_phrase(&phrase, "");
        let network = Network::from_chain_id(&chain);
        let expected = civitas_keys::account_id(&keys.programme_key(network, 7, Rotation::FIRST));
        let key = signing_key(&context, "camille", Derivation::Programme(7), &chain).unwrap();
        assert_eq!(address_of(&key), expected);
    }

    #[test]
    fn a_wrong_passphrase_is_one_clear_line() {
        let home = tempfile::tempdir().unwrap();
        create(
            &context(home.path(), "right"),
            "alice",
            &random_key().unwrap(),
        )
        .unwrap();
        let error = unlock(&context(home.path(), "wrong"), "alice")
            .err()
            .unwrap();
        assert_eq!(error.line(), "error: wrong passphrase for key alice");
    }

    #[test]
    fn an_entry_is_never_replaced() {
        let home = tempfile::tempdir().unwrap();
        let context = context(home.path(), "p");
        create(&context, "alice", &random_key().unwrap()).unwrap();
        assert!(create(&context, "alice", &random_key().unwrap()).is_err());
    }

    #[test]
    fn a_file_copied_under_another_name_is_refused() {
        let home = tempfile::tempdir().unwrap();
        let context = context(home.path(), "p");
        create(&context, "alice", &random_key().unwrap()).unwrap();
        let dir = keys_dir(&context);
        std::fs::copy(dir.join("alice.json"), dir.join("bob.json")).unwrap();
        let error = unlock(&context, "bob").err().unwrap();
        assert!(
            error.line().contains("holds the key named alice"),
            "{}",
            error.line()
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let context = context(home.path(), "p");
        create(&context, "alice", &random_key().unwrap()).unwrap();
        let dir = keys_dir(&context);
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("alice.json")), 0o600);
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }
}
