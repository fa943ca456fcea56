//! The JSON-RPC limits against a real node, over raw HTTP: each bad input
//! gets a clear error (its documented code) and the node still serves
//! afterwards, its resident memory within 50 MB of what it was before —
//! malformed JSON, wrong parameter types, an unknown method, an oversized
//! body, batches too long (up to 100,000 requests), more connections than the
//! limit, a client over its rate. And the per-method metrics count calls and
//! errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use civitas_rpc_api::errors::{RATE_LIMITED, TOO_MANY_CONNECTIONS};
use common::{DemoHome, Node, Spawned, http_get};
use serde_json::{Value, json};

/// How much the node's resident memory may grow over a test's bad inputs.
const RSS_GROWTH_MAX_KB: u64 = 50 * 1024;

/// jsonrpsee's codes for what it refuses before the node's code sees it.
const PARSE_ERROR: i64 = -32700;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const OVERSIZED_REQUEST: i64 = -32007;
const BATCH_TOO_LONG: i64 = -32010;

/// The node's resident memory (VmRSS), in KiB.
fn rss_kb(node: &Node) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", node.process_id())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"))
}

/// An HTTP answer: status code and body.
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// The `error.code` of a single answer.
    fn error_code(&self) -> i64 {
        let value = self.json();
        value["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no error code in {value}"))
    }

    fn error_message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// `POST /` of `body` as JSON over a new HTTP/1.1 connection. The body is
/// written by a thread of its own, so an answer the node gives before it read
/// everything (too large) is still read.
fn post(address: SocketAddr, body: Vec<u8>) -> Answer {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sending = std::thread::spawn(move || {
        // The node may close once it has seen enough: not the test's failure.
        let _ = writer.write_all(&body);
    });
    let mut response = Vec::new();
    let read = stream.read_to_end(&mut response);
    let _ = sending.join();
    if response.is_empty() {
        panic!("no answer from the node: {read:?}");
    }
    let response = String::from_utf8_lossy(&response).to_string();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Answer {
        status,
        body: body.to_string(),
    }
}

/// A call of `method` with `params` as a JSON-RPC request body.
fn call(method: &str, params: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        .to_string()
        .into_bytes()
}

/// A batch of `length` status calls.
fn status_batch(length: usize) -> Vec<u8> {
    let mut body = String::from("[");
    for id in 0..length {
        if id > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"civitas_status"}}"#
        ));
    }
    body.push(']');
    body.into_bytes()
}

/// Fails unless `answer` refuses a batch for its length: jsonrpsee's code
/// and message, id `null`, the limit in `data`.
fn assert_batch_too_long(answer: &Answer) {
    assert_eq!(answer.error_code(), BATCH_TOO_LONG, "{}", answer.body);
    let value = answer.json();
    assert!(value["id"].is_null(), "{}", answer.body);
    assert_eq!(
        value["error"]["message"], "The batch request was too large",
        "{}",
        answer.body
    );
    assert_eq!(
        value["error"]["data"], "Exceeded max limit of 100",
        "{}",
        answer.body
    );
}

/// Fails unless the node answers `civitas_status` over a new connection.
fn assert_serves(node: &Node) {
    let answer = post(node.rpc_address, call("civitas_status", json!([])));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.json()["result"]["height"].is_u64(),
        "{}",
        answer.body
    );
}

/// Fails unless the node's memory grew by less than [`RSS_GROWTH_MAX_KB`].
fn assert_memory_within_bound(node: &Node, before_kb: u64, what: &str) {
    let after_kb = rss_kb(node);
    println!("{what}: RSS {before_kb} KiB before, {after_kb} KiB after");
    assert!(
        after_kb < before_kb + RSS_GROWTH_MAX_KB,
        "{what}: RSS grew from {before_kb} KiB to {after_kb} KiB"
    );
}

/// The value of the sample `name` (its whole name, labels included).
fn sample(metrics: &str, name: &str) -> Option<u64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Starts a node on a fresh demo home with `environment` over the defaults.
fn start(home: &DemoHome, environment: &[(&str, &str)]) -> Node {
    let environment: Vec<(String, String)> = environment
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    Spawned::with_env(&home.home, &home.genesis_path, &environment).wait_ready()
}

#[test]
fn bad_requests_get_clear_errors_and_the_node_keeps_serving() {
    let home = DemoHome::new();
    let node = start(&home, &[]);
    assert_serves(&node);
    let before = rss_kb(&node);

    let malformed = post(
        node.rpc_address,
        br#"{"jsonrpc":"2.0","id":1,"method":"#.to_vec(),
    );
    assert_eq!(malformed.error_code(), PARSE_ERROR, "{}", malformed.body);
    assert_serves(&node);

    let wrong_type = post(node.rpc_address, call("civitas_getHeader", json!(["ten"])));
    assert_eq!(
        wrong_type.error_code(),
        INVALID_PARAMS,
        "{}",
        wrong_type.body
    );
    assert!(!wrong_type.error_message().is_empty());
    assert_serves(&node);

    let unknown = post(node.rpc_address, call("civitas_noSuchMethod", json!([])));
    assert_eq!(unknown.error_code(), METHOD_NOT_FOUND, "{}", unknown.body);
    assert_serves(&node);

    // 2 MiB: twice the default request size.
    let huge = "ab".repeat(1024 * 1024);
    let oversized = post(
        node.rpc_address,
        call("civitas_submitTransaction", json!([huge])),
    );
    assert_eq!(oversized.status, 413, "{}", oversized.body);
    assert_eq!(
        oversized.error_code(),
        OVERSIZED_REQUEST,
        "{}",
        oversized.body
    );
    assert_serves(&node);

    // One more than the default batch length: refused whole.
    let long = post(node.rpc_address, status_batch(101));
    assert_batch_too_long(&long);
    // The default length is served.
    let served = post(node.rpc_address, status_batch(100));
    assert_eq!(served.json().as_array().map(Vec::len), Some(100));

    // 100,000 requests do not fit the default request size (1 MiB).
    let enormous = post(node.rpc_address, status_batch(100_000));
    assert_eq!(enormous.status, 413, "{}", enormous.body);
    assert_eq!(
        enormous.error_code(),
        OVERSIZED_REQUEST,
        "{}",
        enormous.body
    );
    assert_serves(&node);
    assert_memory_within_bound(&node, before, "bad requests");
}

#[test]
fn a_batch_of_100000_requests_is_refused_whole_when_the_body_size_allows_it() {
    let home = DemoHome::new();
    let node = start(&home, &[("CIVITAS_RPC_REQUEST_BYTES_MAX", "16777216")]);
    assert_serves(&node);
    let before = rss_kb(&node);
    for _ in 0..3 {
        let answer = post(node.rpc_address, status_batch(100_000));
        assert_batch_too_long(&answer);
        assert_serves(&node);
    }
    assert_memory_within_bound(&node, before, "batches of 100,000");
}

#[test]
fn connections_over_the_limit_are_refused_and_the_node_serves_after_they_close() {
    const LIMIT: usize = 8;
    let home = DemoHome::new();
    let node = start(&home, &[("CIVITAS_RPC_MAX_CONNECTIONS", "8")]);
    assert_serves(&node);
    let before = rss_kb(&node);

    // The test's own client may keep one connection open: it counts too.
    // (Let the connections of the checks above finish closing.)
    std::thread::sleep(Duration::from_millis(300));
    let opened: Vec<TcpStream> = (0..LIMIT + 4)
        .map(|_| TcpStream::connect_timeout(&node.rpc_address, Duration::from_secs(10)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let mut refused = 0;
    for mut stream in &opened {
        stream.set_nonblocking(true).unwrap();
        let mut buffer = [0u8; 4096];
        match stream.read(&mut buffer) {
            Ok(read) if read > 0 => {
                let text = String::from_utf8_lossy(&buffer[..read]).to_string();
                assert!(text.starts_with("HTTP/1.1 503"), "{text}");
                assert!(text.contains(&TOO_MANY_CONNECTIONS.to_string()), "{text}");
                refused += 1;
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            other => panic!("unexpected read: {other:?}"),
        }
    }
    assert!(
        (4..=5).contains(&refused),
        "{refused} of {} connections refused with a limit of {LIMIT}",
        opened.len()
    );
    drop(opened);

    // Served again once they are closed.
    let started = Instant::now();
    loop {
        let mut probe =
            TcpStream::connect_timeout(&node.rpc_address, Duration::from_secs(10)).unwrap();
        probe
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut buffer = [0u8; 16];
        // A refused connection is answered at once; an accepted one waits
        // for a request.
        let accepted = matches!(probe.read(&mut buffer), Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut);
        drop(probe);
        if accepted {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the node still refuses connections after the extra ones closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_serves(&node);
    let (_, metrics) = http_get(node.metrics_address, "/metrics");
    let counted = sample(&metrics, "civitas_rpc_refused_connections_total").unwrap_or(0);
    assert!(counted >= 4, "{metrics}");
    assert_memory_within_bound(&node, before, "connections over the limit");
}

#[test]
fn one_address_cannot_take_every_connection() {
    let home = DemoHome::new();
    let node = start(
        &home,
        &[
            ("CIVITAS_RPC_MAX_CONNECTIONS", "16"),
            ("CIVITAS_RPC_MAX_CONNECTIONS_PER_IP", "3"),
            ("CIVITAS_RPC_PER_IP_LIMITS_FOR_LOOPBACK", "true"),
        ],
    );
    assert_serves(&node);
    std::thread::sleep(Duration::from_millis(300));
    // The test's own client may hold one of this address's three.
    let opened: Vec<TcpStream> = (0..6)
        .map(|_| TcpStream::connect_timeout(&node.rpc_address, Duration::from_secs(10)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let mut refused = 0;
    for mut stream in &opened {
        stream.set_nonblocking(true).unwrap();
        let mut buffer = [0u8; 4096];
        match stream.read(&mut buffer) {
            Ok(read) if read > 0 => {
                let text = String::from_utf8_lossy(&buffer[..read]).to_string();
                assert!(text.starts_with("HTTP/1.1 503"), "{text}");
                assert!(text.contains("your address"), "{text}");
                refused += 1;
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            other => panic!("unexpected read: {other:?}"),
        }
    }
    assert!((3..=4).contains(&refused), "{refused} of 6 refused");
    drop(opened);
    let started = Instant::now();
    while post_status_refused(node.rpc_address) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the address is still refused after its connections closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_serves(&node);
}

/// Whether a new connection is refused at once (a 503 comes before any
/// request is sent).
fn post_status_refused(address: SocketAddr) -> bool {
    let mut probe = TcpStream::connect_timeout(&address, Duration::from_secs(10)).unwrap();
    probe
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buffer = [0u8; 16];
    !matches!(probe.read(&mut buffer), Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut)
}

#[test]
fn a_client_over_its_rate_is_told_to_slow_down_then_served_again() {
    let home = DemoHome::new();
    let node = start(
        &home,
        &[
            ("CIVITAS_RPC_REQUESTS_PER_SECOND_PER_IP", "5"),
            ("CIVITAS_RPC_REQUEST_BURST_PER_IP", "10"),
            ("CIVITAS_RPC_PER_IP_LIMITS_FOR_LOOPBACK", "true"),
        ],
    );
    let before = rss_kb(&node);
    // Whatever the start used refills: 10 at 5 per second.
    std::thread::sleep(Duration::from_millis(2_500));
    let mut served = 0;
    let mut refused = Vec::new();
    let started = Instant::now();
    for _ in 0..30 {
        let answer = post(node.rpc_address, call("civitas_status", json!([])));
        assert_eq!(answer.status, 200, "{}", answer.body);
        if answer.json()["result"].is_object() {
            served += 1;
        } else {
            refused.push(answer);
        }
    }
    // The burst, and what the rate refilled while the requests were made.
    let refilled = (started.elapsed().as_millis() as usize).div_ceil(200);
    assert!(
        (10..=11 + refilled).contains(&served),
        "{served} of 30 served in {:?}",
        started.elapsed()
    );
    assert_eq!(served + refused.len(), 30);
    let last = refused.last().expect("some refused");
    assert_eq!(last.error_code(), i64::from(RATE_LIMITED), "{}", last.body);
    assert!(last.error_message().contains("slow down"), "{}", last.body);
    let wait = last.json()["error"]["data"]["retryAfterMs"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retryAfterMs: {}", last.body));
    assert!((1..=1_000).contains(&wait), "{wait}");

    // A batch takes a token per request: refused entries say so one by one.
    let batch = post(node.rpc_address, status_batch(5));
    let codes: Vec<Option<i64>> = batch
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|answer| answer["error"]["code"].as_i64())
        .collect();
    assert!(
        codes.contains(&Some(i64::from(RATE_LIMITED))),
        "{}",
        batch.body
    );

    std::thread::sleep(Duration::from_millis(wait + 1_000));
    assert_serves(&node);
    let (_, metrics) = http_get(node.metrics_address, "/metrics");
    let limited =
        format!("civitas_rpc_errors_total{{method=\"civitas_status\",code=\"{RATE_LIMITED}\"}}");
    assert!(
        sample(&metrics, &limited).unwrap_or(0) >= refused.len() as u64,
        "{metrics}"
    );
    assert_memory_within_bound(&node, before, "a client over its rate");
}

#[test]
fn loopback_clients_are_spared_the_per_address_limits_by_default() {
    let home = DemoHome::new();
    let node = start(
        &home,
        &[
            ("CIVITAS_RPC_REQUESTS_PER_SECOND_PER_IP", "1"),
            ("CIVITAS_RPC_REQUEST_BURST_PER_IP", "1"),
            ("CIVITAS_RPC_MAX_CONNECTIONS_PER_IP", "1"),
        ],
    );
    // Five batches of 100 and five connections at once: all served.
    let opened: Vec<TcpStream> = (0..5)
        .map(|_| TcpStream::connect_timeout(&node.rpc_address, Duration::from_secs(10)).unwrap())
        .collect();
    for _ in 0..5 {
        let answers = post(node.rpc_address, status_batch(100)).json();
        let answers = answers.as_array().unwrap();
        assert_eq!(answers.len(), 100);
        assert!(
            answers.iter().all(|answer| answer["result"].is_object()),
            "{answers:?}"
        );
    }
    drop(opened);
    assert_serves(&node);
}

#[test]
fn per_method_metrics_count_calls_errors_and_latency() {
    let home = DemoHome::new();
    let node = start(&home, &[]);
    let ok = post(node.rpc_address, call("civitas_getHeader", json!([1])));
    assert!(ok.json()["error"].is_null(), "{}", ok.body);
    let bad = post(node.rpc_address, call("civitas_getHeader", json!(["one"])));
    assert_eq!(bad.error_code(), INVALID_PARAMS);
    let unknown = post(node.rpc_address, call("made_up", json!([])));
    assert_eq!(unknown.error_code(), METHOD_NOT_FOUND);

    let (status, metrics) = http_get(node.metrics_address, "/metrics");
    assert_eq!(status, 200);
    let value = |name: &str| sample(&metrics, name).unwrap_or_else(|| panic!("{name}:\n{metrics}"));
    assert_eq!(
        value("civitas_rpc_requests_total{method=\"civitas_getHeader\"}"),
        2
    );
    assert_eq!(
        value("civitas_rpc_errors_total{method=\"civitas_getHeader\",code=\"-32602\"}"),
        1
    );
    assert_eq!(
        value("civitas_rpc_request_duration_seconds_count{method=\"civitas_getHeader\"}"),
        2
    );
    assert_eq!(value("civitas_rpc_requests_total{method=\"unknown\"}"), 1);
    assert_eq!(
        value("civitas_rpc_errors_total{method=\"unknown\",code=\"-32601\"}"),
        1
    );
    assert!(!metrics.contains("made_up"), "{metrics}");
    assert!(value("civitas_rpc_requests_total{method=\"civitas_status\"}") >= 1);
    assert!(metrics.contains("\ncivitas_rpc_connections "), "{metrics}");
}

#[test]
fn over_websocket_the_rate_and_the_connection_limit_apply_too() {
    use civitas_rpc_api::CivitasApiClient;
    use jsonrpsee::core::client::Error as ClientError;

    let home = DemoHome::new();
    let node = start(
        &home,
        &[
            ("CIVITAS_RPC_REQUESTS_PER_SECOND_PER_IP", "5"),
            ("CIVITAS_RPC_REQUEST_BURST_PER_IP", "10"),
            ("CIVITAS_RPC_MAX_CONNECTIONS", "4"),
            ("CIVITAS_RPC_PER_IP_LIMITS_FOR_LOOPBACK", "true"),
        ],
    );
    let before = rss_kb(&node);
    std::thread::sleep(Duration::from_millis(2_500));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("ws://{}", node.rpc_address);
    runtime.block_on(async {
        let client = civitas_rpc_api::ws_client(&url).await.unwrap();
        let (mut served, mut refused) = (0, 0);
        for _ in 0..20 {
            match client.status().await {
                Ok(_) => served += 1,
                Err(ClientError::Call(error)) if error.code() == RATE_LIMITED => refused += 1,
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
        assert!(
            served >= 10 && refused >= 5,
            "{served} served, {refused} refused"
        );

        // Each WebSocket holds a connection: with this one (and perhaps the
        // test's HTTP client), at most 3 more fit in 4.
        let mut opened = Vec::new();
        let mut failed = 0;
        for _ in 0..5 {
            match civitas_rpc_api::ws_client(&url).await {
                Ok(more) => opened.push(more),
                Err(_) => failed += 1,
            }
        }
        assert!(opened.len() <= 3, "{} more WebSockets opened", opened.len());
        assert!(failed >= 2, "{failed} refused");
        // The WebSockets hold their places at the door too: a plain
        // connection is refused at once while they are open.
        assert!(post_status_refused(node.rpc_address));
        drop(opened);
        drop(client);
    });
    // Closed connections free their places; the rate refills.
    std::thread::sleep(Duration::from_millis(2_500));
    runtime.block_on(async {
        let started = Instant::now();
        let client = loop {
            if let Ok(client) = civitas_rpc_api::ws_client(&url).await {
                break client;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no WebSocket accepted after the others closed"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        client.status().await.unwrap();
    });
    assert_serves(&node);
    assert_memory_within_bound(
        &node,
        before,
        "WebSocket over its rate and the connection limit",
    );
}
