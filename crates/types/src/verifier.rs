//! Who checks signatures for a validator: [`SignatureVerifier`], injectable
//! so a simulator can share one memo of verified signatures among its many
//! nodes (each signature is then checked once per run, not once per node),
//! while a node uses [`Zip215Verifier`].

use crate::{
    ChainId, Hash, PublicKey, Signature, ValidatorSet,
    certificate::{CertificateError, QuorumCertificate},
};

/// Checks signatures. Implementations must verify by the ZIP-215 rule
/// ([`crate::verify_digest`]): a memo may remember verdicts, never change them.
pub trait SignatureVerifier {
    /// Whether `signature` by `public_key` over `digest` is valid.
    fn verify(&mut self, public_key: &PublicKey, digest: &Hash, signature: &Signature) -> bool;

    /// Checks that `certificate` makes `block_hash` at `height` final under
    /// `validators` (see [`QuorumCertificate::verify`]), returning the
    /// signers' power. By default its signatures go through one ZIP-215 batch;
    /// a memo overrides this to check them one by one through its cache.
    fn verify_certificate(
        &mut self,
        certificate: &QuorumCertificate,
        chain_id: &ChainId,
        height: u64,
        block_hash: &Hash,
        validators: &ValidatorSet,
    ) -> Result<u64, CertificateError> {
        certificate.verify(chain_id, height, block_hash, validators)
    }
}

/// The verifier of a node: every signature checked by ZIP-215, nothing kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct Zip215Verifier;

impl SignatureVerifier for Zip215Verifier {
    fn verify(&mut self, public_key: &PublicKey, digest: &Hash, signature: &Signature) -> bool {
        crate::verify_digest(public_key, digest, signature).is_ok()
    }
}
