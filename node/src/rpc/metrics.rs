//! Per-method metrics of the JSON-RPC server: requests, errors (by code) and
//! latency, by method name, plus connections open and refused. The server's
//! middleware (`rpc::guard`) counts; the metrics port (`metrics`) shows them
//! in the `civitas_rpc_` family.
//!
//! Labels are bounded: a method the node does not serve is counted as
//! `unknown`, so a client cannot create series by inventing names.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The label of a method the node does not serve.
pub const UNKNOWN_METHOD: &str = "unknown";

type Labels = Vec<(String, String)>;

/// Latency buckets, in seconds: 100 µs to about 3.3 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_1, 2.0, 16))
}

/// The RPC server's metrics; clones share the same counters.
#[derive(Clone, Debug)]
pub struct RpcMetrics {
    methods: Arc<BTreeSet<String>>,
    requests: Family<Labels, Counter<u64, AtomicU64>>,
    errors: Family<Labels, Counter<u64, AtomicU64>>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    connections: Gauge<i64, AtomicI64>,
    refused_connections: Counter<u64, AtomicU64>,
}

impl Default for RpcMetrics {
    fn default() -> RpcMetrics {
        RpcMetrics::new(std::iter::empty::<&str>())
    }
}

impl RpcMetrics {
    /// Metrics for a server serving `methods` (their names are the labels).
    pub fn new<'a>(methods: impl IntoIterator<Item = &'a str>) -> RpcMetrics {
        RpcMetrics {
            methods: Arc::new(methods.into_iter().map(str::to_owned).collect()),
            requests: Family::default(),
            errors: Family::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            connections: Gauge::default(),
            refused_connections: Counter::default(),
        }
    }

    /// The label of `method`: its name if served, else [`UNKNOWN_METHOD`].
    pub fn label(&self, method: &str) -> String {
        if self.methods.contains(method) {
            method.to_owned()
        } else {
            UNKNOWN_METHOD.to_owned()
        }
    }

    /// Counts a request to `method` (a [`RpcMetrics::label`]).
    pub fn request(&self, method: &str) {
        self.requests
            .get_or_create(&vec![("method".to_owned(), method.to_owned())])
            .inc();
    }

    /// Counts an error answer with `code` to `method`.
    pub fn error(&self, method: &str, code: i32) {
        self.errors
            .get_or_create(&vec![
                ("method".to_owned(), method.to_owned()),
                ("code".to_owned(), code.to_string()),
            ])
            .inc();
    }

    /// Records how long `method` took to answer.
    pub fn latency(&self, method: &str, took: Duration) {
        self.latency
            .get_or_create(&vec![("method".to_owned(), method.to_owned())])
            .observe(took.as_secs_f64());
    }

    /// A connection was accepted.
    pub fn connection_opened(&self) {
        self.connections.inc();
    }

    /// An accepted connection ended.
    pub fn connection_closed(&self) {
        self.connections.dec();
    }

    /// A connection was refused (too many open).
    pub fn connection_refused(&self) {
        self.refused_connections.inc();
    }

    /// Adds these metrics to `registry` (prefix `civitas`: `civitas_rpc_…`).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "rpc_requests",
            "JSON-RPC requests received, by method (each request of a batch counts; `unknown`: a method the node does not serve)",
            self.requests.clone(),
        );
        registry.register(
            "rpc_errors",
            "JSON-RPC requests answered with an error, by method and error code",
            self.errors.clone(),
        );
        registry.register(
            "rpc_request_duration_seconds",
            "Time to answer a JSON-RPC request that reached its method, by method",
            self.latency.clone(),
        );
        registry.register(
            "rpc_connections",
            "JSON-RPC connections open (HTTP and WebSocket)",
            self.connections.clone(),
        );
        registry.register(
            "rpc_refused_connections",
            "JSON-RPC connections refused because rpc.max_connections were open",
            self.refused_connections.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::text::encode;

    #[test]
    fn counts_by_method_and_unknown_names_share_one_label() {
        let metrics = RpcMetrics::new(["civitas_status"]);
        let status = metrics.label("civitas_status");
        metrics.request(&status);
        metrics.latency(&status, Duration::from_millis(2));
        for invented in ["a", "b", "c"] {
            let label = metrics.label(invented);
            metrics.request(&label);
            metrics.error(&label, -32601);
        }
        metrics.connection_refused();
        let mut registry = Registry::with_prefix("civitas");
        metrics.clone().register(&mut registry);
        let mut text = String::new();
        encode(&mut text, &registry).unwrap_or_default();
        for expected in [
            "civitas_rpc_requests_total{method=\"civitas_status\"} 1",
            "civitas_rpc_requests_total{method=\"unknown\"} 3",
            "civitas_rpc_errors_total{method=\"unknown\",code=\"-32601\"} 3",
            "civitas_rpc_request_duration_seconds_count{method=\"civitas_status\"} 1",
            "civitas_rpc_refused_connections_total 1",
        ] {
            assert!(text.contains(expected), "{expected} missing from:\n{text}");
        }
    }
}
