//! Clients sized for Civitas: plain HTTP and WebSocket, with the response limit
//! a `getBlock` answer needs. Both implement `CivitasApiClient`.

use std::time::Duration;

use jsonrpsee::core::client::Error;

use crate::{REQUEST_BYTES_MAX, RESPONSE_BYTES_MAX};

/// jsonrpsee's HTTP client (no TLS: `http://` URLs only).
pub use jsonrpsee_http_client::HttpClient;
/// jsonrpsee's WebSocket client (no TLS: `ws://` URLs only).
pub use jsonrpsee_ws_client::WsClient;

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
    jsonrpsee_http_client::HttpClientBuilder::default()
        .max_request_size(REQUEST_BYTES_MAX)
        .max_response_size(RESPONSE_BYTES_MAX)
        .request_timeout(REQUEST_TIMEOUT)
        .set_headers(credential_headers(token)?)
        .build(url)
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
    jsonrpsee_ws_client::WsClientBuilder::default()
        .max_request_size(REQUEST_BYTES_MAX)
        .max_response_size(RESPONSE_BYTES_MAX)
        .request_timeout(REQUEST_TIMEOUT)
        .set_headers(credential_headers(token)?)
        .build(url)
        .await
}
