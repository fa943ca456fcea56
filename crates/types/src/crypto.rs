//! Ed25519 keys and signatures, verified by the ZIP-215 rule only.
//!
//! Signing uses ed25519-dalek; verification, single and batch, uses ed25519-zebra,
//! which implements ZIP-215: the cofactored equation `[8][s]B = [8]R + [8][k]A`, any
//! encoding of A and R accepted if it decodes to a curve point, s required to be
//! canonical (< ℓ). Under that rule a batch passes exactly when every signature in
//! it passes alone, so nodes that batch differently still agree on every block
//! (docs/decisions/0002-zip215-verification.md). No other crate verifies signatures:
//! this module is the one place the rule is chosen.

use std::fmt;

use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha512};

use crate::hash::Hash;

/// Length of a public key in bytes.
pub const PUBLIC_KEY_LENGTH: usize = 32;
/// Length of a signature in bytes.
pub const SIGNATURE_LENGTH: usize = 64;

/// An ed25519 public key as its 32-byte encoding.
///
/// The bytes are kept as received: ZIP-215 accepts non-canonical point encodings,
/// and whether they decode to a point is decided at verification time.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct PublicKey(pub [u8; PUBLIC_KEY_LENGTH]);

impl PublicKey {
    /// Lower-case hexadecimal form.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl AsRef<[u8]> for PublicKey {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// An ed25519 signature: `R` (32 bytes) then `s` (32 bytes, little-endian).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct Signature(pub [u8; SIGNATURE_LENGTH]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.0))
    }
}

/// A secret signing key. Its `Debug` form does not show the secret.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// The key whose RFC 8032 secret is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// A fresh key from a cryptographically secure generator.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::generate(rng))
    }

    /// The 32-byte secret seed; handle with care.
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `message` (RFC 8032 Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message).to_bytes())
    }

    /// Signs a domain-separated digest, the form every Civitas signature takes.
    pub fn sign_digest(&self, digest: &Hash) -> Signature {
        self.sign(digest.as_bytes())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public: {})", self.public_key())
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The public key's bytes do not decode to a curve point.
    #[error("the public key is not a valid curve point encoding")]
    MalformedPublicKey,
    /// The signature does not satisfy the ZIP-215 verification equation.
    #[error("the signature does not verify for this key and message (ZIP-215)")]
    Invalid,
}

/// Verifies one signature by the ZIP-215 rule.
pub fn verify(
    public_key: &PublicKey,
    message: &[u8],
    signature: &Signature,
) -> Result<(), SignatureError> {
    let key = ed25519_zebra::VerificationKey::try_from(public_key.0)
        .map_err(|_| SignatureError::MalformedPublicKey)?;
    key.verify(&ed25519::Signature::from_bytes(&signature.0), message)
        .map_err(|_| SignatureError::Invalid)
}

/// Verifies a signature over a domain-separated digest.
pub fn verify_digest(
    public_key: &PublicKey,
    digest: &Hash,
    signature: &Signature,
) -> Result<(), SignatureError> {
    verify(public_key, digest.as_bytes(), signature)
}

/// Verifies many signatures at once, by the same ZIP-215 rule as [`verify`].
///
/// The batch's random coefficients are derived from a hash of every queued item
/// (Fiat–Shamir), so the outcome is a pure function of the input: the same batch
/// gives the same answer on every node and in every simulator replay. When the
/// batch fails, each item is re-checked alone to say which ones are bad.
#[derive(Default)]
pub struct BatchVerifier {
    items: Vec<ed25519_zebra::batch::Item>,
    transcript: Sha512,
}

impl BatchVerifier {
    /// An empty batch.
    pub fn new() -> BatchVerifier {
        BatchVerifier::default()
    }

    /// An empty batch with room for `capacity` items.
    pub fn with_capacity(capacity: usize) -> BatchVerifier {
        BatchVerifier {
            items: Vec::with_capacity(capacity),
            transcript: Sha512::default(),
        }
    }

    /// Number of queued items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Queues one (key, message, signature) check.
    pub fn queue(&mut self, public_key: &PublicKey, message: &[u8], signature: &Signature) {
        self.transcript.update(public_key.0);
        self.transcript.update(signature.0);
        self.transcript.update((message.len() as u64).to_le_bytes());
        self.transcript.update(message);
        let key = ed25519_zebra::VerificationKeyBytes::from(public_key.0);
        let signature = ed25519::Signature::from_bytes(&signature.0);
        self.items.push((key, signature, message).into());
    }

    /// Queues a check of a signature over a domain-separated digest.
    pub fn queue_digest(&mut self, public_key: &PublicKey, digest: &Hash, signature: &Signature) {
        self.queue(public_key, digest.as_bytes(), signature);
    }

    /// Checks every queued signature. `Ok` if all are valid; otherwise the
    /// positions (in queue order) of the invalid ones.
    pub fn verify(self) -> Result<(), BatchFailure> {
        if self.items.is_empty() {
            return Ok(());
        }
        let mut batch = ed25519_zebra::batch::Verifier::new();
        for item in &self.items {
            batch.queue(item.clone());
        }
        let seed: [u8; 64] = self.transcript.finalize().into();
        if batch.verify(TranscriptRng::new(&seed)).is_ok() {
            return Ok(());
        }
        let invalid = self
            .items
            .into_iter()
            .enumerate()
            .filter(|(_, item)| item.clone().verify_single().is_err())
            .map(|(position, _)| position)
            .collect();
        Err(BatchFailure { invalid })
    }
}

/// The signatures of a batch that did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} signature(s) in the batch do not verify (ZIP-215), at positions {invalid:?}", invalid.len())]
pub struct BatchFailure {
    /// Positions of the invalid items, in the order they were queued.
    pub invalid: Vec<usize>,
}

/// The batch's coefficient generator: SHA-512 in counter mode over a seed that
/// commits to the whole batch. Unpredictable to whoever chose the signatures
/// (they would have to find a batch whose own hash makes a forgery pass).
struct TranscriptRng {
    seed: [u8; 64],
    counter: u64,
    buffer: [u8; 64],
    used: usize,
}

impl TranscriptRng {
    fn new(seed: &[u8; 64]) -> TranscriptRng {
        TranscriptRng {
            seed: *seed,
            counter: 0,
            buffer: [0; 64],
            used: 64,
        }
    }

    fn refill(&mut self) {
        let mut hasher = Sha512::default();
        hasher.update(self.seed);
        hasher.update(self.counter.to_le_bytes());
        self.buffer = hasher.finalize().into();
        self.counter = self.counter.wrapping_add(1);
        self.used = 0;
    }
}

impl rand_core::TryRng for TranscriptRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, destination: &mut [u8]) -> Result<(), Self::Error> {
        for byte in destination {
            if self.used >= self.buffer.len() {
                self.refill();
            }
            *byte = self.buffer.get(self.used).copied().unwrap_or(0);
            self.used = self.used.saturating_add(1);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for TranscriptRng {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::hash::Domain;

    fn key(byte: u8) -> SigningKey {
        SigningKey::from_seed(&[byte; 32])
    }

    #[test]
    fn sign_then_verify_and_tamper() {
        let signer = key(1);
        let digest = Hash::tagged(Domain::Vote, b"vote");
        let signature = signer.sign_digest(&digest);
        assert_eq!(
            verify_digest(&signer.public_key(), &digest, &signature),
            Ok(())
        );
        let other = Hash::tagged(Domain::Proposal, b"vote");
        assert_eq!(
            verify_digest(&signer.public_key(), &other, &signature),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify_digest(&key(2).public_key(), &digest, &signature),
            Err(SignatureError::Invalid)
        );
        let mut flipped = signature;
        flipped.0[10] ^= 1;
        assert!(verify_digest(&signer.public_key(), &digest, &flipped).is_err());
    }

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap();
        let signer = SigningKey::from_seed(&seed.try_into().unwrap());
        assert_eq!(
            signer.public_key().to_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let signature = signer.sign(b"");
        assert_eq!(
            hex::encode(signature.0),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert_eq!(verify(&signer.public_key(), b"", &signature), Ok(()));
    }

    #[test]
    fn malformed_public_key_is_reported() {
        // y = 2 is not the y-coordinate of any point on the curve.
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        let signature = key(1).sign(b"m");
        assert_eq!(
            verify(&PublicKey(bytes), b"m", &signature),
            Err(SignatureError::MalformedPublicKey)
        );
    }

    #[test]
    fn batch_reports_exactly_the_bad_positions() {
        let mut batch = BatchVerifier::new();
        let messages: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; 3]).collect();
        for (i, message) in messages.iter().enumerate() {
            let signer = key(i as u8);
            let mut signature = signer.sign(message);
            if i == 3 || i == 7 {
                signature.0[0] ^= 0x55;
            }
            batch.queue(&signer.public_key(), message, &signature);
        }
        assert_eq!(batch.len(), 10);
        assert_eq!(
            batch.verify(),
            Err(BatchFailure {
                invalid: vec![3, 7]
            })
        );
    }

    #[test]
    fn empty_and_all_valid_batches_pass() {
        assert_eq!(BatchVerifier::new().verify(), Ok(()));
        let mut batch = BatchVerifier::with_capacity(64);
        for i in 0..64u8 {
            let signer = key(i % 5);
            batch.queue(&signer.public_key(), &[i], &signer.sign(&[i]));
        }
        assert_eq!(batch.verify(), Ok(()));
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let text = format!("{:?}", key(9));
        assert!(!text.contains(&hex::encode([9u8; 32])));
        assert!(text.contains(&key(9).public_key().to_hex()));
    }
}
