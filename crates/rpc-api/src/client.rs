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
    jsonrpsee_http_client::HttpClientBuilder::default()
        .max_request_size(REQUEST_BYTES_MAX)
        .max_response_size(RESPONSE_BYTES_MAX)
        .request_timeout(REQUEST_TIMEOUT)
        .build(url)
}

/// A WebSocket client connected to the node at `url` (e.g. `ws://127.0.0.1:26657`).
/// Must be called inside a tokio runtime.
pub async fn ws_client(url: &str) -> Result<WsClient, Error> {
    jsonrpsee_ws_client::WsClientBuilder::default()
        .max_request_size(REQUEST_BYTES_MAX)
        .max_response_size(RESPONSE_BYTES_MAX)
        .request_timeout(REQUEST_TIMEOUT)
        .build(url)
        .await
}
