//! SLIP-0010 key derivation for ed25519, hardened children only.
//!
//! SLIP-0010 ("Universal private key derivation from master private key")
//! extends BIP-32 to other curves. For ed25519:
//!
//! - master: `I = HMAC-SHA512(key = "ed25519 seed", data = seed)`; the secret
//!   key is `I[0..32]`, the chain code `I[32..64]`;
//! - child `i` (with `i ≥ 2^31`, hardened):
//!   `I = HMAC-SHA512(key = chain code, data = 0x00 ‖ secret key ‖ ser32(i))`,
//!   `ser32` big-endian; again secret key `I[0..32]`, chain code `I[32..64]`.
//!
//! ed25519 has no non-hardened derivation (its public keys cannot be added up
//! the way BIP-32 needs), so an index below 2^31 is refused with
//! [`DerivationError::NotHardened`]. The 32-byte secret key is an RFC 8032
//! secret: the signing key hashes it with SHA-512 and clamps it.

use ed25519_dalek::SigningKey;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;
use zeroize::Zeroize;

use crate::error::DerivationError;
use crate::path::DerivationPath;

/// The hardened bit: index `i'` is `i + 2^31`.
pub const HARDENED: u32 = 0x8000_0000;
/// The shortest seed SLIP-0010 accepts (128 bits).
pub const SEED_LENGTH_MIN: usize = 16;
/// The longest seed SLIP-0010 accepts (512 bits, a BIP-39 seed).
pub const SEED_LENGTH_MAX: usize = 64;
/// The HMAC key of the master derivation, fixed by SLIP-0010 for ed25519.
const MASTER_HMAC_KEY: &[u8] = b"ed25519 seed";
/// HMAC-SHA512's block length: a key up to this long is zero-padded to it.
const HMAC_BLOCK_LENGTH: usize = 128;

/// A node of the derivation tree: a 32-byte secret key and its 32-byte chain
/// code. Both are wiped when the value is dropped; `Debug` shows neither.
#[derive(Clone)]
pub struct ExtendedKey {
    secret_key: [u8; 32],
    chain_code: [u8; 32],
}

impl ExtendedKey {
    /// The master node of `seed` (16 to 64 bytes; a BIP-39 seed has 64).
    pub fn master(seed: &[u8]) -> Result<ExtendedKey, DerivationError> {
        if !(SEED_LENGTH_MIN..=SEED_LENGTH_MAX).contains(&seed.len()) {
            return Err(DerivationError::SeedLength { length: seed.len() });
        }
        Ok(hmac_sha512(MASTER_HMAC_KEY, &[seed]))
    }

    /// The master node of a 64-byte (BIP-39) seed, whose length needs no check.
    pub(crate) fn master_of_bip39_seed(seed: &[u8; 64]) -> ExtendedKey {
        hmac_sha512(MASTER_HMAC_KEY, &[seed])
    }

    /// The child at `index`, which must carry the hardened bit (`i + 2^31`).
    pub fn child(&self, index: u32) -> Result<ExtendedKey, DerivationError> {
        if index < HARDENED {
            return Err(DerivationError::NotHardened { index });
        }
        Ok(self.hardened_child(index))
    }

    /// The node at `path` below this one. Every index of a [`DerivationPath`]
    /// is hardened, so this cannot fail.
    pub fn derive(&self, path: &DerivationPath) -> ExtendedKey {
        let mut node = self.clone();
        for &index in path.indices() {
            node = node.hardened_child(index);
        }
        node
    }

    /// The 32-byte secret key (an RFC 8032 secret); handle with care.
    pub fn secret_key(&self) -> &[u8; 32] {
        &self.secret_key
    }

    /// The 32-byte chain code; as secret as the key: with a public key it is
    /// not enough to derive anything, but with the secret key it yields every
    /// descendant.
    pub fn chain_code(&self) -> &[u8; 32] {
        &self.chain_code
    }

    /// The ed25519 signing key whose secret is [`Self::secret_key`].
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.secret_key)
    }

    /// The 32-byte ed25519 public key (SLIP-0010 writes it with a 0x00 prefix).
    pub fn public_key(&self) -> [u8; 32] {
        self.signing_key().verifying_key().to_bytes()
    }

    /// The hardened child `index | 2^31` (the bit is set whether or not the
    /// caller set it, so this cannot derive a non-hardened child).
    pub(crate) fn hardened_child(&self, index: u32) -> ExtendedKey {
        hmac_sha512(
            &self.chain_code,
            &[&[0x00], &self.secret_key, &(index | HARDENED).to_be_bytes()],
        )
    }
}

impl Drop for ExtendedKey {
    fn drop(&mut self) {
        self.secret_key.zeroize();
        self.chain_code.zeroize();
    }
}

impl std::fmt::Debug for ExtendedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExtendedKey(secret)")
    }
}

/// `HMAC-SHA512(key, parts concatenated)` split into secret key and chain code.
///
/// `key` is at most [`HMAC_BLOCK_LENGTH`] bytes (12 or 32 here). HMAC pads a
/// key shorter than the block with zeros (RFC 2104, step 1), so the padded key
/// given to the fixed-length constructor yields exactly the same MAC, and no
/// impossible error needs handling.
fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> ExtendedKey {
    debug_assert!(key.len() <= HMAC_BLOCK_LENGTH);
    let mut block = [0u8; HMAC_BLOCK_LENGTH];
    for (to, from) in block.iter_mut().zip(key) {
        *to = *from;
    }
    let mut mac = Hmac::<Sha512>::new(&block.into());
    block.zeroize();
    for part in parts {
        mac.update(part);
    }
    let mut output = mac.finalize().into_bytes();
    let mut node = ExtendedKey {
        secret_key: [0; 32],
        chain_code: [0; 32],
    };
    for (to, from) in node.secret_key.iter_mut().zip(output.iter()) {
        *to = *from;
    }
    for (to, from) in node.chain_code.iter_mut().zip(output.iter().skip(32)) {
        *to = *from;
    }
    output.zeroize();
    node
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn padded_key_gives_the_same_mac_as_the_short_key() {
        for key in [&b"ed25519 seed"[..], &[7u8; 32][..], &[][..]] {
            let mut short = Hmac::<Sha512>::new_from_slice(key).unwrap();
            short.update(b"data");
            let node = hmac_sha512(key, &[b"da", b"ta"]);
            let expected = short.finalize().into_bytes();
            assert_eq!(node.secret_key.as_slice(), &expected.as_slice()[..32]);
            assert_eq!(node.chain_code.as_slice(), &expected.as_slice()[32..]);
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let node = ExtendedKey::master(&[1; 16]).unwrap();
        assert_eq!(format!("{node:?}"), "ExtendedKey(secret)");
    }
}
