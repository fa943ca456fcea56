//! Prometheus metrics (`GET /metrics`, text format 0.0.4 encoded by
//! `prometheus-client`) and readiness (`GET /health`: 200 with the height once
//! the node serves its chain) on their own port, apart from JSON-RPC, so
//! monitoring never competes with clients. The JSON-RPC server's per-method
//! metrics ([`RpcMetrics`]) are shown beside the snapshot's.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::driver::Snapshot;
use crate::rpc::metrics::RpcMetrics;

/// Binds `listen` and serves metrics and health from `snapshot` and `rpc`
/// in the background. Returns the bound address.
pub async fn serve(
    listen: SocketAddr,
    snapshot: Arc<RwLock<Snapshot>>,
    rpc: RpcMetrics,
) -> Result<SocketAddr> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen for metrics on {listen} (metrics.listen)"))?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (snapshot, rpc) = (Arc::clone(&snapshot), rpc.clone());
            tokio::spawn(async move {
                let service =
                    service_fn(move |request| answer(request, Arc::clone(&snapshot), rpc.clone()));
                // A client that hangs up mid-request is its own business.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(address)
}

async fn answer(
    request: Request<Incoming>,
    snapshot: Arc<RwLock<Snapshot>>,
    rpc: RpcMetrics,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let current = snapshot.read().map(|s| s.clone()).unwrap_or_default();
    let (status, content_type, body) = match request.uri().path() {
        "/metrics" => (
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            render(&current, &rpc),
        ),
        "/health" if current.catching_up => (
            StatusCode::SERVICE_UNAVAILABLE,
            "application/json",
            format!(
                "{{\"ready\":false,\"catching_up\":true,\"height\":{}}}\n",
                current.height
            ),
        ),
        "/health" => (
            StatusCode::OK,
            "application/json",
            format!("{{\"ready\":true,\"height\":{}}}\n", current.height),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found: try /metrics or /health\n".to_string(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert("content-type", value);
    }
    Ok(response)
}

/// The metrics of `snapshot` and of the RPC server (`rpc`), in the
/// OpenMetrics text format.
pub fn render(snapshot: &Snapshot, rpc: &RpcMetrics) -> String {
    let mut registry = Registry::with_prefix("civitas");
    let gauge = |value: u64| {
        let gauge: Gauge<i64, std::sync::atomic::AtomicI64> = Gauge::default();
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
        gauge
    };
    let counter = |value: u64| {
        let counter: Counter<u64, AtomicU64> = Counter::default();
        counter.inc_by(value);
        counter
    };
    registry.register("height", "Last committed height", gauge(snapshot.height));
    registry.register(
        "round",
        "Consensus round of the height being decided",
        gauge(u64::from(snapshot.round)),
    );
    registry.register(
        "block_interval_milliseconds",
        "Block time between the last two committed blocks",
        gauge(snapshot.block_interval_ms),
    );
    registry.register(
        "commit_duration_milliseconds",
        "Time of the input that committed the last block (execution and durable write)",
        gauge(snapshot.commit_duration_ms),
    );
    registry.register(
        "committed_transactions",
        "Transactions committed since the node started",
        counter(snapshot.committed_transactions),
    );
    registry.register(
        "mempool_size",
        "Transactions waiting in the mempool",
        gauge(snapshot.mempool_size as u64),
    );
    registry.register(
        "refused_blocks",
        "Proposed blocks this node refused since it started",
        counter(snapshot.refused_blocks),
    );
    registry.register("peers", "Connected peers", gauge(snapshot.peers));
    registry.register(
        "network_dropped_messages",
        "Messages to peers dropped because the network queue was full",
        counter(snapshot.network_dropped),
    );
    registry.register(
        "inbound_dropped_messages",
        "Messages from peers dropped because the engine's queue was full",
        counter(snapshot.inbound_dropped),
    );
    let rejections: Family<Vec<(String, String)>, Counter> = Family::default();
    for (reason, count) in &snapshot.rejections {
        rejections
            .get_or_create(&vec![("reason".to_string(), reason.clone())])
            .inc_by(*count);
    }
    let missed: Family<Vec<(String, String)>, Counter> = Family::default();
    for (validator, count) in &snapshot.missed_signatures {
        missed
            .get_or_create(&vec![("validator".to_string(), validator.clone())])
            .inc_by(*count);
    }
    registry.register(
        "missed_signatures",
        "Committed blocks whose certificate lacks the validator's signature, by validator (consensus key)",
        missed,
    );
    registry.register(
        "mempool_rejections",
        "Submitted transactions the mempool refused, by reason",
        rejections,
    );
    rpc.register(&mut registry);
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = encode(&mut text, &registry);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_show_the_snapshot() {
        let mut snapshot = Snapshot {
            height: 42,
            committed_transactions: 7,
            ..Snapshot::default()
        };
        snapshot.rejections.insert("StaleSequence".into(), 3);
        snapshot.missed_signatures.insert("ab12".into(), 2);
        let text = render(&snapshot, &RpcMetrics::default());
        assert!(text.contains("civitas_height 42"), "{text}");
        assert!(
            text.contains("civitas_committed_transactions_total 7"),
            "{text}"
        );
        assert!(
            text.contains("civitas_mempool_rejections_total{reason=\"StaleSequence\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("civitas_missed_signatures_total{validator=\"ab12\"} 2"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn metrics_show_peers_and_dropped_messages() {
        let snapshot = Snapshot {
            peers: 3,
            network_dropped: 2,
            ..Snapshot::default()
        };
        let text = render(&snapshot, &RpcMetrics::default());
        assert!(text.contains("civitas_peers 3"), "{text}");
        assert!(
            text.contains("civitas_network_dropped_messages_total 2"),
            "{text}"
        );
    }
}
