//! Sealing a secret under a passphrase: argon2id stretches the passphrase into
//! a 32-byte key, XChaCha20-Poly1305 encrypts and authenticates the secret with
//! the entry's name and kind as associated data.
//!
//! Parameters and reasons: docs/decisions/0021-cli-keystore.md. Nothing here
//! touches files; `file.rs` stores what this module returns.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::exit::CliError;

/// argon2id memory for new entries, in KiB (64 MiB).
pub const M_COST_KIB: u32 = 64 * 1024;
/// argon2id passes for new entries.
pub const T_COST: u32 = 3;
/// argon2id lanes for new entries.
pub const P_COST: u32 = 1;
/// The salt of a new entry, in bytes.
pub const SALT_LENGTH: usize = 16;
/// XChaCha20-Poly1305's nonce, in bytes.
pub const NONCE_LENGTH: usize = 24;
/// The most memory a key file may ask for (4 GiB): a file is not trusted to
/// make `civitas` allocate without bound.
const M_COST_KIB_MAX: u32 = 4 * 1024 * 1024;
/// The most passes a key file may ask for.
const T_COST_MAX: u32 = 64;
/// The most lanes a key file may ask for.
const P_COST_MAX: u32 = 16;
/// The associated data starts with this, so that a ciphertext made for
/// another purpose (or another version of the format) never opens here.
const AD_PREFIX: &str = "civitas-keystore/v1";

/// How the passphrase became the key (stored in the file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kdf {
    /// Always `argon2id`.
    pub algorithm: String,
    /// Argon2 version (19 = 0x13).
    pub version: u32,
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over the memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
    /// The random salt, hex.
    pub salt: String,
}

/// How the key encrypted the secret (stored in the file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cipher {
    /// Always `xchacha20poly1305`.
    pub algorithm: String,
    /// The random 24-byte nonce, hex.
    pub nonce: String,
}

/// A sealed secret: everything needed to open it again but the passphrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The key derivation.
    pub kdf: Kdf,
    /// The cipher.
    pub cipher: Cipher,
    /// The ciphertext with its 16-byte tag, hex.
    pub ciphertext: String,
}

/// Why a sealed secret did not open.
#[derive(Debug)]
pub enum OpenError {
    /// The tag did not verify: the passphrase is wrong (or the file was altered).
    WrongPassphrase,
    /// The file's parameters are not ones this version reads.
    Malformed(String),
}

/// The associated data of an entry: the format, its name and its kind, so an
/// entry's ciphertext opens only under the name and kind it was made for.
fn associated_data(name: &str, kind: &str) -> Vec<u8> {
    format!("{AD_PREFIX}\0{name}\0{kind}").into_bytes()
}

/// Fills `bytes` from the operating system's random generator.
pub fn random_bytes(bytes: &mut [u8]) -> Result<(), CliError> {
    getrandom::fill(bytes)
        .map_err(|e| CliError::failure(format!("the system random generator failed: {e}")))
}

fn derive_key(
    passphrase: &str,
    salt: &[u8],
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
) -> Result<Zeroizing<[u8; 32]>, OpenError> {
    let params = Params::new(m_cost_kib, t_cost, p_cost, Some(32))
        .map_err(|e| OpenError::Malformed(format!("argon2id parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| OpenError::Malformed(format!("argon2id: {e}")))?;
    Ok(key)
}

/// Encrypts `secret` under `passphrase` for the entry `name` of `kind`, with
/// a fresh salt and nonce and this version's parameters.
pub fn seal(passphrase: &str, name: &str, kind: &str, secret: &[u8]) -> Result<Sealed, CliError> {
    let mut salt = [0u8; SALT_LENGTH];
    random_bytes(&mut salt)?;
    let mut nonce = [0u8; NONCE_LENGTH];
    random_bytes(&mut nonce)?;
    let key = derive_key(passphrase, &salt, M_COST_KIB, T_COST, P_COST).map_err(|e| match e {
        OpenError::WrongPassphrase => CliError::failure("cannot derive the key"),
        OpenError::Malformed(why) => CliError::failure(why),
    })?;
    let cipher = XChaCha20Poly1305::new(&Key::from(*key));
    let aad = associated_data(name, kind);
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: secret,
                aad: &aad,
            },
        )
        .map_err(|_| CliError::failure("encryption failed"))?;
    Ok(Sealed {
        kdf: Kdf {
            algorithm: "argon2id".to_owned(),
            version: 0x13,
            m_cost_kib: M_COST_KIB,
            t_cost: T_COST,
            p_cost: P_COST,
            salt: hex::encode(salt),
        },
        cipher: Cipher {
            algorithm: "xchacha20poly1305".to_owned(),
            nonce: hex::encode(nonce),
        },
        ciphertext: hex::encode(ciphertext),
    })
}

/// Whether this version can open `sealed`: its algorithms, and argon2id
/// parameters within the limits. Checked before a passphrase is asked for.
pub fn check(sealed: &Sealed) -> Result<(), OpenError> {
    let kdf = &sealed.kdf;
    if kdf.algorithm != "argon2id" || kdf.version != 0x13 {
        return Err(OpenError::Malformed(format!(
            "unknown key derivation {} version {}",
            kdf.algorithm, kdf.version
        )));
    }
    if kdf.m_cost_kib > M_COST_KIB_MAX || kdf.t_cost > T_COST_MAX || kdf.p_cost > P_COST_MAX {
        return Err(OpenError::Malformed(
            "argon2id parameters above this version's limits (4 GiB, 64 passes, 16 lanes)"
                .to_owned(),
        ));
    }
    if sealed.cipher.algorithm != "xchacha20poly1305" {
        return Err(OpenError::Malformed(format!(
            "unknown cipher {}",
            sealed.cipher.algorithm
        )));
    }
    Ok(())
}

/// Decrypts `sealed` for the entry `name` of `kind` under `passphrase`.
pub fn open(
    passphrase: &str,
    name: &str,
    kind: &str,
    sealed: &Sealed,
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    check(sealed)?;
    let kdf = &sealed.kdf;
    let salt =
        hex::decode(&kdf.salt).map_err(|_| OpenError::Malformed("salt is not hex".into()))?;
    let nonce: [u8; NONCE_LENGTH] = hex::decode(&sealed.cipher.nonce)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| OpenError::Malformed("the nonce is not 24 bytes of hex".into()))?;
    let ciphertext = hex::decode(&sealed.ciphertext)
        .map_err(|_| OpenError::Malformed("the ciphertext is not hex".into()))?;
    let key = derive_key(passphrase, &salt, kdf.m_cost_kib, kdf.t_cost, kdf.p_cost)?;
    let cipher = XChaCha20Poly1305::new(&Key::from(*key));
    let aad = associated_data(name, kind);
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &ciphertext,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| OpenError::WrongPassphrase)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn sealed() -> Sealed {
        seal("correct horse", "alice", "key", &[7u8; 32]).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_under_its_passphrase() {
        let sealed = sealed();
        assert_eq!(sealed.kdf.m_cost_kib, 65536);
        assert_eq!(sealed.kdf.salt.len(), 2 * SALT_LENGTH);
        let opened = open("correct horse", "alice", "key", &sealed).unwrap();
        assert_eq!(opened.as_slice(), &[7u8; 32]);
    }

    #[test]
    fn a_wrong_passphrase_does_not_open_it() {
        assert!(matches!(
            open("wrong horse", "alice", "key", &sealed()),
            Err(OpenError::WrongPassphrase)
        ));
    }

    #[test]
    fn another_name_or_kind_does_not_open_it() {
        let sealed = sealed();
        assert!(open("correct horse", "bob", "key", &sealed).is_err());
        assert!(open("correct horse", "alice", "citizen", &sealed).is_err());
    }

    #[test]
    fn a_tampered_ciphertext_does_not_open() {
        let mut sealed = sealed();
        let mut bytes = hex::decode(&sealed.ciphertext).unwrap();
        bytes[0] ^= 1;
        sealed.ciphertext = hex::encode(bytes);
        assert!(matches!(
            open("correct horse", "alice", "key", &sealed),
            Err(OpenError::WrongPassphrase)
        ));
    }

    #[test]
    fn a_file_cannot_ask_for_unbounded_memory() {
        let mut sealed = sealed();
        sealed.kdf.m_cost_kib = u32::MAX;
        assert!(matches!(
            open("correct horse", "alice", "key", &sealed),
            Err(OpenError::Malformed(_))
        ));
    }
}
