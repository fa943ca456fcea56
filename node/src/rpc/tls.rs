//! TLS inside the RPC server: HTTPS and WSS on `rpc.listen` from a PEM
//! certificate chain and key (`rpc.tls_certificate`, `rpc.tls_key`),
//! rustls with the ring provider (docs/decisions/0023-rpc-tls.md). A client
//! that has not finished its handshake within [`HANDSHAKE_TIMEOUT`] is
//! dropped, so a connection slot cannot be held by a silent socket. Over TLS
//! a credential is accepted from any address: it did not cross the network
//! in clear (`super::credentials`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// How long a client has to complete its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The acceptor for the certificate chain at `certificate` and the key at
/// `key` (PEM files), refusing files that do not hold them or do not match.
pub fn acceptor(certificate: &Path, key: &Path) -> Result<TlsAcceptor> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .with_context(|| format!("cannot read rpc.tls_certificate {}", certificate.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| {
            format!(
                "rpc.tls_certificate {} is not a PEM certificate chain",
                certificate.display()
            )
        })?;
    if chain.is_empty() {
        anyhow::bail!(
            "rpc.tls_certificate {} holds no certificate (expected PEM `BEGIN CERTIFICATE` blocks)",
            certificate.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| {
        format!(
            "rpc.tls_key {} is not a PEM private key (PKCS#8, PKCS#1 or SEC1)",
            key.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("the TLS provider offers no safe protocol version")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("rpc.tls_key is not the key of rpc.tls_certificate's first certificate")?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
