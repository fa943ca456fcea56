//! The JSON-RPC server's front door: it accepts connections itself, so it
//! knows each client's address, and puts every limit of `[rpc]` in place.
//!
//! - connections: at most `max_connections` open, `max_connections_per_ip`
//!   of them from one address ([`PerAddress`]); one more gets an HTTP 503
//!   with [`TOO_MANY_CONNECTIONS`] and is closed at once (a connection that
//!   sends no request within 30 s is closed by jsonrpsee);
//! - request and response sizes, subscriptions per connection: jsonrpsee's
//!   own limits, set from the configuration;
//! - batch length: jsonrpsee's check, before it decodes the batch's requests
//!   (a batch of 100,000 costs no more than its bytes); the answers to a batch
//!   are assembled here, within `response_bytes_max`
//!   ([`civitas_rpc_api::errors::BATCH_RESPONSE_TOO_LARGE`]);
//! - per-address rate: a token bucket per client IP ([`RateLimiter`]);
//!   each request of a batch takes one token, a refused one gets
//!   [`RATE_LIMITED`];
//! - the per-address limits (rate, connections per address) spare loopback
//!   clients unless `per_ip_limits_for_loopback`: on the node's own machine
//!   are its operator's tools and a reverse proxy, whose clients all share
//!   its address;
//! - credentialed methods (the OpenRPC table's access class): refused
//!   without a valid credential ([`Credentials`], judged once per HTTP
//!   request or WebSocket upgrade);
//! - per-method metrics ([`RpcMetrics`]) for every request that reaches the
//!   middleware (malformed JSON is answered by jsonrpsee before it).

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use civitas_rpc_api::errors::{
    RATE_LIMITED, batch_response_too_large, credential_refused, credential_required, rate_limited,
    too_many_connections, too_many_connections_from_address,
};
use civitas_rpc_api::openrpc::{Access, METHODS};
use hyper::header::AUTHORIZATION;
use jsonrpsee::core::server::BatchResponseBuilder;
use jsonrpsee::server::HttpRequest;
use jsonrpsee::server::middleware::rpc::{
    Batch, BatchEntry, MethodResponse, Notification, Request, RpcServiceBuilder, RpcServiceT,
};
use jsonrpsee::server::{
    BatchRequestConfig, Methods, Server, ServerConfig, ServerHandle, StopHandle,
    serve_with_graceful_shutdown, stop_channel,
};
use jsonrpsee::types::{ErrorObjectOwned, Id};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use super::connections::PerAddress;
use super::credentials::{Caller, Credentials};
use super::metrics::RpcMetrics;
use super::rate_limit::RateLimiter;
use super::tls::HANDSHAKE_TIMEOUT;
use crate::config::RpcConfig;

/// How long the accept loop waits after a failed accept (out of file
/// descriptors, …) before it tries again.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// What every connection's middleware shares.
#[derive(Debug)]
struct Shared {
    credentials: Arc<Credentials>,
    limiter: Mutex<RateLimiter>,
    metrics: RpcMetrics,
    per_second: u32,
    burst: u32,
    response_bytes_max: u32,
}

impl Shared {
    /// Takes one request from `client`'s bucket, or the error to answer
    /// (`None`: a client the per-address limits spare).
    fn admit(&self, client: Option<IpAddr>) -> Result<(), ErrorObjectOwned> {
        let Some(client) = client else {
            return Ok(());
        };
        let mut limiter = self.limiter.lock().unwrap_or_else(PoisonError::into_inner);
        limiter
            .take(client, 1, Instant::now())
            .map_err(|retry| rate_limited(self.per_second, self.burst, retry.0))
    }
}

/// The soft limit of open files in the text of `/proc/self/limits` (the
/// line `Max open files  <soft> <hard> files`); `None` if absent or unlimited.
pub fn open_files_limit(limits: &str) -> Option<u64> {
    let line = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// Warns when `max_connections` could take more than half the process's open
/// files, which the database and the peers need too.
fn check_open_files(max_connections: u32) {
    let Some(limit) = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .as_deref()
        .and_then(open_files_limit)
    else {
        return;
    };
    if u64::from(max_connections).saturating_mul(2) > limit {
        tracing::warn!(
            max_connections,
            open_files_limit = limit,
            "rpc.max_connections is more than half the process's limit of open files: \
             lower it or raise the limit (ulimit -n, LimitNOFILE=)"
        );
    }
}

/// Binds `listen` and serves `methods` with the limits of `limits`, counting
/// into `metrics` and admitting credentialed callers by `credentials`, until
/// the returned handle stops it.
pub async fn serve(
    listen: SocketAddr,
    limits: &RpcConfig,
    methods: Methods,
    metrics: RpcMetrics,
    credentials: Arc<Credentials>,
) -> Result<(SocketAddr, ServerHandle)> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen for JSON-RPC on {listen} (rpc.listen)"))?;
    let address = listener.local_addr()?;
    check_open_files(limits.max_connections);
    let config = ServerConfig::builder()
        .max_connections(limits.max_connections)
        .max_request_body_size(limits.request_bytes_max)
        .max_response_body_size(limits.response_bytes_max)
        .max_subscriptions_per_connection(limits.subscriptions_per_connection_max)
        .set_batch_request_config(BatchRequestConfig::Limit(limits.batch_requests_max))
        .build();
    let shared = Arc::new(Shared {
        credentials,
        limiter: Mutex::new(RateLimiter::new(
            limits.requests_per_second_per_ip,
            limits.request_burst_per_ip,
        )),
        metrics,
        per_second: limits.requests_per_second_per_ip,
        burst: limits.request_burst_per_ip,
        response_bytes_max: limits.response_bytes_max,
    });
    let tls = match (limits.tls_certificate.is_empty(), limits.tls_key.is_empty()) {
        (false, false) => Some(super::tls::acceptor(
            Path::new(&limits.tls_certificate),
            Path::new(&limits.tls_key),
        )?),
        _ => None,
    };
    let (stop, handle) = stop_channel();
    let accept = Accept {
        tls,
        listener,
        config,
        methods,
        stop,
        shared,
        connections: Arc::new(Semaphore::new(limits.max_connections as usize)),
        max_connections: limits.max_connections,
        per_address: PerAddress::new(limits.max_connections_per_ip),
        max_connections_per_ip: limits.max_connections_per_ip,
        per_ip_limits_for_loopback: limits.per_ip_limits_for_loopback,
    };
    tokio::spawn(accept.run());
    Ok((address, handle))
}

/// The accept loop's state.
struct Accept {
    /// TLS on the port, if configured.
    tls: Option<TlsAcceptor>,
    listener: TcpListener,
    config: ServerConfig,
    methods: Methods,
    stop: StopHandle,
    shared: Arc<Shared>,
    connections: Arc<Semaphore>,
    max_connections: u32,
    per_address: Arc<PerAddress>,
    max_connections_per_ip: u32,
    per_ip_limits_for_loopback: bool,
}

impl Accept {
    async fn run(self) {
        let builder = Server::builder()
            .set_config(self.config.clone())
            .to_service_builder();
        loop {
            let (socket, remote) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(_) => {
                        tokio::time::sleep(ACCEPT_RETRY).await;
                        continue;
                    }
                },
                () = self.stop.clone().shutdown() => break,
            };
            let Ok(permit) = Arc::clone(&self.connections).try_acquire_owned() else {
                self.shared.metrics.connection_refused();
                self.refuse(&socket, too_many_connections(self.max_connections));
                continue;
            };
            let address = remote.ip().to_canonical();
            let client =
                (self.per_ip_limits_for_loopback || !address.is_loopback()).then_some(address);
            let slot = match client.map(|client| PerAddress::open(&self.per_address, client)) {
                Some(None) => {
                    self.shared.metrics.connection_refused();
                    self.refuse(
                        &socket,
                        too_many_connections_from_address(self.max_connections_per_ip),
                    );
                    continue;
                }
                Some(Some(slot)) => Some(slot),
                None => None,
            };
            let shared = Arc::clone(&self.shared);
            let middleware = RpcServiceBuilder::new().layer_fn(move |service| Guard {
                service,
                client,
                shared: Arc::clone(&shared),
            });
            // Each HTTP request (or WebSocket upgrade) is judged once, by its
            // Authorization header; its method calls carry the verdict.
            let credentials = Arc::clone(&self.shared.credentials);
            // A token over TLS, or over loopback, did not cross a network in clear.
            let secure = address.is_loopback() || self.tls.is_some();
            let judge = tower::ServiceBuilder::new().map_request(
                move |mut request: HttpRequest<hyper::body::Incoming>| {
                    let header = request
                        .headers()
                        .get(AUTHORIZATION)
                        .map(|value| value.as_bytes());
                    let caller = credentials.caller(secure, header);
                    request.extensions_mut().insert(caller);
                    request
                },
            );
            let mut service = builder
                .clone()
                .set_http_middleware(judge)
                .set_rpc_middleware(middleware)
                .build(self.methods.clone(), self.stop.clone());
            // A WebSocket outlives the HTTP connection it was upgraded from:
            // its places are given back when the session closes.
            let closed = service.on_session_closed();
            let stopped = self.stop.clone().shutdown();
            let metrics = self.shared.metrics.clone();
            metrics.connection_opened();
            let tls = self.tls.clone();
            tokio::spawn(async move {
                // A client that hangs up or times out is its own business.
                let served = match tls {
                    None => serve_with_graceful_shutdown(socket, service, stopped)
                        .await
                        .is_ok(),
                    Some(tls) => {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(socket)).await {
                            Ok(Ok(stream)) => {
                                serve_with_graceful_shutdown(stream, service, stopped)
                                    .await
                                    .is_ok()
                            }
                            // No session began: there is none to wait for.
                            _ => false,
                        }
                    }
                };
                if served {
                    closed.await;
                }
                metrics.connection_closed();
                drop((slot, permit));
            });
        }
    }
}

impl Accept {
    /// Refuses a connection over a limit: HTTP 503 ([`refuse`]) in plain
    /// HTTP; over TLS, where nothing can be said before a handshake, it is
    /// closed.
    fn refuse(&self, socket: &TcpStream, error: ErrorObjectOwned) {
        if self.tls.is_none() {
            refuse(socket, error);
        }
    }
}

/// Answers a connection over a limit with HTTP 503 and `error`
/// ([`TOO_MANY_CONNECTIONS`]), without waiting: one write, whatever the
/// client sent already is read so the close is orderly, then it is closed.
fn refuse(socket: &TcpStream, error: ErrorObjectOwned) {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": error,
    })
    .to_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.try_write(response.as_bytes());
    let mut sink = [0u8; 4096];
    for _ in 0..16 {
        match socket.try_read(&mut sink) {
            Ok(read) if read > 0 => {}
            _ => break,
        }
    }
}

/// Whether the caller may call the request's method: a credentialed method
/// (the OpenRPC table's access class) needs a valid credential.
fn authorized(request: &Request<'_>) -> Result<(), ErrorObjectOwned> {
    let credentialed = METHODS
        .iter()
        .any(|m| m.name == request.method_name() && matches!(m.access, Access::Credentialed));
    if !credentialed {
        return Ok(());
    }
    match request.extensions().get::<Caller>() {
        Some(Caller::Credentialed(_)) => Ok(()),
        Some(Caller::Refused(why)) => Err(credential_refused(why)),
        Some(Caller::Anonymous) | None => Err(credential_required(request.method_name())),
    }
}

/// The middleware of one connection: rate, batch answers, metrics.
#[derive(Clone, Debug)]
struct Guard<S> {
    service: S,
    /// The client's address, if the per-address limits apply to it.
    client: Option<IpAddr>,
    shared: Arc<Shared>,
}

/// A call through the guard: counted, rate-limited, timed.
async fn guarded_call<S>(
    service: &S,
    shared: &Shared,
    client: Option<IpAddr>,
    request: Request<'_>,
) -> MethodResponse
where
    S: RpcServiceT<MethodResponse = MethodResponse> + Send + Sync,
{
    let label = shared.metrics.label(&request.method);
    shared.metrics.request(&label);
    if let Err(error) = shared.admit(client) {
        shared.metrics.error(&label, RATE_LIMITED);
        return MethodResponse::error(request.id, error).with_extensions(request.extensions);
    }
    if let Err(error) = authorized(&request) {
        shared.metrics.error(&label, error.code());
        return MethodResponse::error(request.id, error).with_extensions(request.extensions);
    }
    let started = Instant::now();
    let response = service.call(request).await;
    shared.metrics.latency(&label, started.elapsed());
    if let Some(code) = response.as_error_code() {
        shared.metrics.error(&label, code);
    }
    response
}

impl<S> RpcServiceT for Guard<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let (service, shared, client) =
            (self.service.clone(), Arc::clone(&self.shared), self.client);
        async move { guarded_call(&service, &shared, client, request).await }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let (service, shared, client) =
            (self.service.clone(), Arc::clone(&self.shared), self.client);
        async move {
            let too_large = || {
                MethodResponse::error(
                    Id::Null,
                    batch_response_too_large(shared.response_bytes_max),
                )
            };
            let mut answers =
                BatchResponseBuilder::new_with_limit(shared.response_bytes_max as usize);
            let mut notified = false;
            for entry in batch {
                let answer = match entry {
                    Ok(BatchEntry::Call(request)) => {
                        guarded_call(&service, &shared, client, request).await
                    }
                    Ok(BatchEntry::Notification(notification)) => {
                        notified = true;
                        if shared.admit(client).is_ok() {
                            service.notification(notification).await;
                        }
                        continue;
                    }
                    Err(error) => {
                        let (error, id) = error.into_parts();
                        MethodResponse::error(id, error)
                    }
                };
                if answers.append(answer).is_err() {
                    return too_large();
                }
            }
            if answers.is_empty() && notified {
                MethodResponse::notification()
            } else {
                MethodResponse::from_batch(answers.finish())
            }
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        let (service, shared, client) =
            (self.service.clone(), Arc::clone(&self.shared), self.client);
        async move {
            if shared.admit(client).is_err() {
                return MethodResponse::notification();
            }
            service.notification(notification).await
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use civitas_rpc_api::errors::TOO_MANY_CONNECTIONS;
    use std::net::Ipv4Addr;

    #[test]
    fn the_open_files_limit_is_read_from_proc_limits() {
        let text = "Limit                     Soft Limit           Hard Limit           Units\n\
                    Max processes             63711                63711                processes\n\
                    Max open files            1024                 524288               files\n";
        assert_eq!(open_files_limit(text), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(open_files_limit(unlimited), None);
        assert_eq!(open_files_limit(""), None);
    }

    #[test]
    fn a_client_over_its_rate_gets_the_documented_error() {
        let shared = Shared {
            credentials: Arc::new(Credentials::new("/nonexistent".into())),
            limiter: Mutex::new(RateLimiter::new(1, 2)),
            metrics: RpcMetrics::default(),
            per_second: 1,
            burst: 2,
            response_bytes_max: 1 << 20,
        };
        let client = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        shared.admit(client).unwrap();
        shared.admit(client).unwrap();
        let error = shared.admit(client).unwrap_err();
        // A client the per-address limits spare.
        for _ in 0..10 {
            shared.admit(None).unwrap();
        }
        assert_eq!(error.code(), RATE_LIMITED);
        assert!(error.message().contains("slow down"), "{}", error.message());
        assert_eq!(TOO_MANY_CONNECTIONS, too_many_connections(1).code());
    }
}
