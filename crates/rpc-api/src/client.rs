//! Clients sized for Civitas: HTTP and WebSocket, with the response limit
//! a `getBlock` answer needs. Both implement `CivitasApiClient`. Over TLS
//! (`https://`, `wss://`; rustls with the ring provider, decision 0023) a
//! client trusts the platform's certificate authorities, or only those of a
//! [`TrustedRoots`] (a network's own authority).

use std::sync::Arc;
use std::time::Duration;

use jsonrpsee::core::client::Error;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::{REQUEST_BYTES_MAX, RESPONSE_BYTES_MAX};

/// jsonrpsee's HTTP client (`http://` and `https://`).
pub use jsonrpsee_http_client::HttpClient;
/// jsonrpsee's WebSocket client (`ws://` and `wss://`).
pub use jsonrpsee_ws_client::WsClient;

/// The certificate authorities a client trusts for a node's TLS, instead of
/// the platform's: a TLS client configuration with those roots alone.
#[derive(Clone, Debug)]
pub struct TrustedRoots(Arc<rustls::ClientConfig>);

/// Why certificate authorities could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TrustedRootsError {
    /// A PEM block is not a certificate.
    #[error("not a PEM certificate: {0}")]
    Pem(String),
    /// A certificate is not one rustls can use as a root.
    #[error("not a usable certificate authority: {0}")]
    Certificate(rustls::Error),
    /// No certificate in the text.
    #[error("no certificate found (expected -----BEGIN CERTIFICATE----- blocks)")]
    Empty,
}

impl TrustedRoots {
    /// The authorities of `pem` (one or more `CERTIFICATE` blocks).
    pub fn from_pem(pem: &[u8]) -> Result<TrustedRoots, TrustedRootsError> {
        let mut roots = rustls::RootCertStore::empty();
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|e| TrustedRootsError::Pem(e.to_string()))?;
            roots
                .add(certificate)
                .map_err(TrustedRootsError::Certificate)?;
        }
        if roots.is_empty() {
            return Err(TrustedRootsError::Empty);
        }
        // The provider is given, never the process default (decision 0023).
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TrustedRootsError::Certificate)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TrustedRoots(Arc::new(config)))
    }
}

/// How long a call waits for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP client for the node at `url` (e.g. `http://127.0.0.1:26657`).
pub fn http_client(url: &str) -> Result<HttpClient, Error> {
    http_client_with_credential(url, None)
}

/// An HTTP client for the node at `url` that sends `token` (an RPC
/// credential, from `civitas-node rpc-credential add`) with every request,
/// for the credentialed methods (whole blocks, raw state keys). The node
/// accepts it only over loopback or TLS.
pub fn http_client_with_credential(url: &str, token: Option<&str>) -> Result<HttpClient, Error> {
    http_client_trusting(url, token, None)
}

/// [`http_client_with_credential`], trusting only `roots` over TLS when
/// given (the platform's authorities otherwise).
pub fn http_client_trusting(
    url: &str,
    token: Option<&str>,
    roots: Option<&TrustedRoots>,
) -> Result<HttpClient, Error> {
    let mut builder = jsonrpsee_http_client::HttpClientBuilder::default()
        .max_request_size(REQUEST_BYTES_MAX)
        .max_response_size(RESPONSE_BYTES_MAX)
        .request_timeout(REQUEST_TIMEOUT)
        .set_headers(credential_headers(token)?);
    if let Some(roots) = roots {
        builder = builder.with_custom_cert_store((*roots.0).clone());
    }
    builder.build(url)
}

/// The `Authorization: Bearer TOKEN` header of `token`, if any.
fn credential_headers(token: Option<&str>) -> Result<jsonrpsee_http_client::HeaderMap, Error> {
    let mut headers = jsonrpsee_http_client::HeaderMap::new();
    if let Some(token) = token {
        let value = jsonrpsee_http_client::HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|e| Error::Custom(format!("the credential is not a header value: {e}")))?;
        headers.insert("authorization", value);
    }
    Ok(headers)
}

/// A WebSocket client connected to the node at `url` (e.g. `ws://127.0.0.1:26657`).
/// Must be called inside a tokio runtime.
pub async fn ws_client(url: &str) -> Result<WsClient, Error> {
    ws_client_with_credential(url, None).await
}

/// A WebSocket client connected to the node at `url` that sent `token` (an
/// RPC credential) with its upgrade request: every call on the connection
/// is credentialed. Must be called inside a tokio runtime.
pub async fn ws_client_with_credential(url: &str, token: Option<&str>) -> Result<WsClient, Error> {
    ws_client_trusting(url, token, None).await
}

/// [`ws_client_with_credential`], trusting only `roots` over TLS when
/// given (the platform's authorities otherwise).
pub async fn ws_client_trusting(
    url: &str,
    token: Option<&str>,
    roots: Option<&TrustedRoots>,
) -> Result<WsClient, Error> {
    let mut builder = jsonrpsee_ws_client::WsClientBuilder::default()
        .max_request_size(REQUEST_BYTES_MAX)
        .max_response_size(RESPONSE_BYTES_MAX)
        .request_timeout(REQUEST_TIMEOUT)
        .set_headers(credential_headers(token)?);
    if let Some(roots) = roots {
        builder = builder.with_custom_cert_store((*roots.0).clone());
    }
    builder.build(url).await
}
