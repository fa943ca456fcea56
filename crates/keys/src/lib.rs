//! Citizens' keys: one recovery phrase, a separate hardened key per aid
//! programme and per energy community.
//!
//! PRODUCT.md asks that a citizen use a different key in each programme or
//! community they join, while managing one secret. This crate turns that secret
//! into those keys:
//!
//! 1. [`RecoveryPhrase`]: 24 English BIP-39 words (256 bits of entropy and an
//!    8-bit checksum), and its 64-byte BIP-39 [`Seed`] (PBKDF2-HMAC-SHA512, 2048
//!    rounds, salt `"mnemonic" ‖ passphrase`).
//! 2. [`slip10`]: SLIP-0010 ed25519 derivation, hardened children only, so that
//!    no public key reveals anything about a sibling key.
//! 3. [`KeyPath`]: the Civitas path
//!    `m/44'/6515062'/network'/purpose'/id_high'/id_mid'/id_low'/rotation'`,
//!    with the programme or community id split over three indices.
//! 4. [`CitizenKeys`]: phrase in, ed25519 signing keys out.
//!
//! Pure: no I/O, no clock, no randomness of its own (a new phrase's entropy is
//! an argument). Secrets are wiped from memory when dropped, and no `Debug`
//! form shows one. docs/privacy.md ("Deriving keys") describes every byte, with
//! test vectors that `tests/privacy_doc.rs` recomputes; the reasons are in
//! docs/decisions/0012-citizen-key-derivation.md.

mod citizen;
mod error;
mod path;
mod phrase;
pub mod slip10;

pub use citizen::{CitizenKeys, account_id, public_key, to_civitas_signing_key};
pub use error::{DerivationError, PhraseError};
pub use path::{
    COIN_TYPE, DerivationPath, ID_HIGH_BITS, ID_LOW_BITS, ID_MID_BITS, KeyPath, Network,
    PURPOSE_BIP44, Purpose, Rotation, join_id, split_id,
};
pub use phrase::{ENTROPY_LENGTH, RecoveryPhrase, Seed, WORD_COUNT};

/// The ed25519 signing key type this crate returns (ed25519-dalek's; it wipes
/// its secret when dropped and its `Debug` form shows only the public key).
pub use ed25519_dalek::SigningKey;
