//! The subscriptions against a real node on the demo genesis, through the
//! typed WebSocket client and through raw WebSocket JSON: new heads arrive
//! in order, one per height; a submitted transaction's subscription sees it
//! committed with its receipt; events filtered by kind arrive and others do
//! not; a subscriber that never reads is closed with an error notification
//! saying it is too slow, while the node's memory stays bounded and it
//! serves on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use civitas_rpc_api::{
    CivitasApiClient, CivitasSubscriptionsClient, DropReason, EventFilter, EventView,
    SLOW_SUBSCRIBER, TransactionStatus, to_hex,
};
use common::{DemoHome, Node, Spawned};
use jsonrpsee::core::client::Subscription;
use serde_json::{Value, json};

/// How long a test waits for one notification.
const WAIT: Duration = Duration::from_secs(20);

/// How much the node's resident memory may grow while a subscriber does not read.
const RSS_GROWTH_MAX_KB: u64 = 50 * 1024;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The next notification of `subscription`, within [`WAIT`].
async fn next<T: serde::de::DeserializeOwned>(subscription: &mut Subscription<T>) -> T {
    tokio::time::timeout(WAIT, subscription.next())
        .await
        .expect("no notification in time")
        .expect("the subscription ended")
        .unwrap()
}

/// The node's resident memory (VmRSS), in KiB.
fn rss_kb(node: &Node) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", node.process_id())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"))
}

#[test]
fn new_heads_arrive_in_order_one_per_height() {
    let home = DemoHome::new();
    let node = home.start();
    let url = format!("ws://{}", node.rpc_address);
    runtime().block_on(async {
        let client = civitas_rpc_api::ws_client(&url).await.unwrap();
        let mut heads = client.subscribe_new_heads().await.unwrap();
        let first = next(&mut heads).await;
        let mut previous = first.clone();
        for _ in 0..5 {
            let head = next(&mut heads).await;
            assert_eq!(head.height, previous.height + 1);
            assert_eq!(head.previous_block_hash, previous.hash);
            assert_eq!(to_hex(head.decode_header().unwrap().hash()), head.hash);
            previous = head;
        }
        // The same header the node answers for that height.
        let stored = client.get_header(first.height).await.unwrap();
        assert_eq!(stored, Some(first));
    });
}

#[test]
fn a_submitted_transaction_is_seen_committed_with_its_receipt() {
    let home = DemoHome::new();
    let node = home.start();
    let url = format!("ws://{}", node.rpc_address);
    let transaction = civitas_demo::activity_steps(&home.genesis)[0][0].clone();
    runtime().block_on(async {
        let client = civitas_rpc_api::ws_client(&url).await.unwrap();
        let id = client
            .submit_transaction(to_hex(civitas_types::encode(&transaction)))
            .await
            .unwrap();
        let mut status = client.subscribe_transaction(id.clone()).await.unwrap();
        let mut seen = vec![next(&mut status).await];
        if matches!(seen[0], TransactionStatus::Pending { .. }) {
            seen.push(next(&mut status).await);
        }
        let TransactionStatus::Committed {
            id: committed_id,
            height,
            position,
            receipt,
        } = seen.last().unwrap().clone()
        else {
            panic!("not committed: {seen:?}");
        };
        assert_eq!(committed_id, id);
        assert!(receipt.success, "{receipt:?}");
        let stored = client.get_transaction(id.clone()).await.unwrap().unwrap();
        assert_eq!((stored.height, stored.position), (height, position));
        assert_eq!(stored.receipt, receipt);
        if let TransactionStatus::Pending { expiry_height, .. } = &seen[0] {
            assert_eq!(*expiry_height, transaction.body.expiry_height);
        }
        // Final: nothing more comes.
        let after = tokio::time::timeout(Duration::from_secs(1), status.next()).await;
        assert!(after.is_err(), "{after:?}");

        // An id the node has nowhere: dropped at once, reason unknown.
        let mut unknown = client.subscribe_transaction("ab".repeat(32)).await.unwrap();
        match next(&mut unknown).await {
            TransactionStatus::Dropped { reason, .. } => assert_eq!(reason, DropReason::Unknown),
            other => panic!("expected dropped, got {other:?}"),
        }
    });
}

#[test]
fn events_filtered_by_kind_arrive_and_others_do_not() {
    let home = DemoHome::new();
    let node = home.start();
    let url = format!("ws://{}", node.rpc_address);
    runtime().block_on(async {
        let client = civitas_rpc_api::ws_client(&url).await.unwrap();
        let mut all = client.subscribe_events(None).await.unwrap();
        let records = EventFilter {
            kinds: Some(vec!["RecordWritten".to_owned()]),
            ..EventFilter::default()
        };
        let mut written = client.subscribe_events(Some(records)).await.unwrap();
        let programme = EventFilter {
            programme: Some(0),
            ..EventFilter::default()
        };
        let mut aid = client.subscribe_events(Some(programme)).await.unwrap();
        // A credentialed caller gets every event, every field in `detail`,
        // and may name a kind that is not public.
        let auditor =
            civitas_rpc_api::ws_client_with_credential(&url, Some(common::TEST_CREDENTIAL))
                .await
                .unwrap();
        let mut everything = auditor.subscribe_events(None).await.unwrap();
        let lapsed = EventFilter {
            kinds: Some(vec!["OrderLapsed".to_owned()]),
            ..EventFilter::default()
        };
        assert!(auditor.subscribe_events(Some(lapsed.clone())).await.is_ok());
        let refused = common::call_error(client.subscribe_events(Some(lapsed)).await.unwrap_err());
        assert_eq!(refused.code(), civitas_rpc_api::INVALID_PARAMS);
        let mut last_height = 0;
        for step in civitas_demo::activity_steps(&home.genesis) {
            for transaction in &step {
                let hex = to_hex(civitas_types::encode(transaction));
                client.submit_transaction(hex).await.unwrap();
            }
            let ids: BTreeSet<String> = step.iter().map(|t| to_hex(t.id())).collect();
            for id in ids {
                let started = Instant::now();
                loop {
                    if let Some(found) = client.get_transaction(id.clone()).await.unwrap() {
                        last_height = last_height.max(found.height);
                        break;
                    }
                    assert!(started.elapsed() < WAIT, "{id} not committed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        // Every public event up to the last activity block, by kind.
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        let mut events: Vec<EventView> = Vec::new();
        // Blocks after the activity are empty: the stream pauses.
        while let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(2), all.next()).await {
            let event = event.unwrap();
            if event.height > last_height {
                break;
            }
            *kinds.entry(event.kind.clone()).or_default() += 1;
            events.push(event);
        }
        println!("public events of the demo activity: {kinds:?}");
        let records_written = kinds.get("RecordWritten").copied().unwrap_or(0);
        assert!(records_written > 0, "{kinds:?}");
        assert!(kinds.len() > 1, "{kinds:?}");
        for _ in 0..records_written {
            let event = next(&mut written).await;
            assert_eq!(event.kind, "RecordWritten");
            assert!(event.namespace.is_some(), "{event:?}");
            assert!(
                event.transaction_id.is_none(),
                "a public event shows no transaction id: {event:?}"
            );
        }
        let programme_events = events.iter().filter(|e| e.programme == Some(0)).count();
        assert!(programme_events > 0, "{kinds:?}");
        for _ in 0..programme_events {
            assert_eq!(next(&mut aid).await.programme, Some(0));
        }
        // Nothing else came: the next ones, if any, are past the activity.
        for subscription in [&mut written, &mut aid] {
            if let Ok(Some(event)) =
                tokio::time::timeout(Duration::from_millis(500), subscription.next()).await
            {
                assert!(event.unwrap().height > last_height);
            }
        }
        // What is not public is never served: no beneficiary in any event.
        for event in &events {
            assert!(!event.fields.contains_key("beneficiary"), "{event:?}");
            assert!(!event.fields.contains_key("amountCents"), "{event:?}");
            assert_eq!(event.detail, None);
        }
        // The credentialed stream: the same events (the demo has none that
        // is not public), each with its public fields and the private ones
        // typed, and every field in its detail.
        for public in &events {
            let full = next(&mut everything).await;
            assert_eq!((&full.kind, full.height), (&public.kind, public.height));
            for (name, value) in &public.fields {
                assert_eq!(full.fields.get(name), Some(value), "{full:?}");
            }
            let detail = full.detail.unwrap();
            assert!(detail.starts_with(&full.kind), "{detail}");
            if full.kind == "DisbursementExecuted" {
                assert!(detail.contains("beneficiary"), "{detail}");
                assert!(
                    full.fields["beneficiary"]
                        .as_str()
                        .unwrap()
                        .starts_with("civ1")
                );
                assert!(full.fields["amountCents"].is_string(), "{:?}", full.fields);
            }
        }
    });
}

/// A minimal WebSocket client over a blocking socket (RFC 6455: masked text
/// frames out, unmasked frames in), for raw JSON.
struct RawSocket {
    stream: TcpStream,
}

impl RawSocket {
    /// Connects to `address`, with a receive buffer of `receive_bytes`
    /// when given (a small one makes a reader that does not read stall the
    /// node's writes soon).
    fn connect(address: SocketAddr, receive_bytes: Option<u32>) -> RawSocket {
        let stream = runtime().block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            if let Some(bytes) = receive_bytes {
                socket.set_recv_buffer_size(bytes).unwrap();
            }
            socket.connect(address).await.unwrap().into_std().unwrap()
        });
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let mut socket = RawSocket { stream };
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        socket.stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        while !answer.ends_with(b"\r\n\r\n") {
            answer.push(socket.byte());
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 101"), "{answer}");
        socket
    }

    fn byte(&mut self) -> u8 {
        let mut byte = [0];
        self.stream.read_exact(&mut byte).unwrap();
        byte[0]
    }

    fn send(&mut self, value: &Value) {
        let payload = value.to_string().into_bytes();
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut frame = vec![0x81];
        match payload.len() {
            length @ 0..=125 => frame.push(0x80 | length as u8),
            length @ 126..=65_535 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(length as u16).to_be_bytes());
            }
            length => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(length as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    /// The next text message, as JSON.
    fn receive(&mut self) -> Value {
        let mut message = Vec::new();
        loop {
            let first = self.byte();
            let second = self.byte();
            let length = match second & 0x7f {
                126 => {
                    let mut bytes = [0; 2];
                    self.stream.read_exact(&mut bytes).unwrap();
                    u64::from(u16::from_be_bytes(bytes))
                }
                127 => {
                    let mut bytes = [0; 8];
                    self.stream.read_exact(&mut bytes).unwrap();
                    u64::from_be_bytes(bytes)
                }
                length => u64::from(length),
            };
            let mut payload = vec![0; length as usize];
            self.stream.read_exact(&mut payload).unwrap();
            match first & 0x0f {
                0x8 => panic!("the node closed the WebSocket"),
                0x9 | 0xa => continue,
                _ => message.extend_from_slice(&payload),
            }
            if first & 0x80 != 0 {
                return serde_json::from_slice(&message).unwrap();
            }
        }
    }

    /// Calls `method` and returns its answer (notifications before it are skipped).
    fn call(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }
}

#[test]
fn raw_websocket_json_subscriptions() {
    let home = DemoHome::new();
    let node = home.start();
    let mut socket = RawSocket::connect(node.rpc_address, None);
    let answer = socket.call(1, "civitas_subscribeNewHeads", json!([]));
    let subscription = answer["result"].clone();
    assert!(
        subscription.is_u64() || subscription.is_string(),
        "{answer}"
    );
    let mut heights = Vec::new();
    while heights.len() < 3 {
        let message = socket.receive();
        assert_eq!(message["method"], "civitas_newHeads", "{message}");
        assert_eq!(message["params"]["subscription"], subscription);
        heights.push(message["params"]["result"]["height"].as_u64().unwrap());
    }
    assert_eq!(heights[1], heights[0] + 1);
    assert_eq!(heights[2], heights[1] + 1);
    let ended = socket.call(2, "civitas_unsubscribeNewHeads", json!([subscription]));
    assert_eq!(ended["result"], json!(true), "{ended}");

    // A transaction by raw JSON: submitted, then followed to its receipt.
    let transaction = civitas_demo::activity_steps(&home.genesis)[0][0].clone();
    let hex = to_hex(civitas_types::encode(&transaction));
    let submitted = socket.call(3, "civitas_submitTransaction", json!([hex]));
    let id = submitted["result"].as_str().unwrap().to_owned();
    let answer = socket.call(4, "civitas_subscribeTransaction", json!({ "id": id }));
    let subscription = answer["result"].clone();
    loop {
        let message = socket.receive();
        if message["params"]["subscription"] != subscription {
            continue;
        }
        assert_eq!(message["method"], "civitas_transactionStatus");
        let status = &message["params"]["result"];
        assert_eq!(status["id"], json!(id));
        if status["status"] == "committed" {
            assert_eq!(status["receipt"]["success"], json!(true), "{status}");
            assert!(status["height"].is_u64(), "{status}");
            break;
        }
        assert_eq!(status["status"], "pending", "{status}");
    }

    // Bad parameters: clear errors.
    let bad = socket.call(5, "civitas_subscribeTransaction", json!(["0x12"]));
    assert_eq!(bad["error"]["code"], json!(-32602), "{bad}");
    let bad = socket.call(
        6,
        "civitas_subscribeEvents",
        json!([{ "kinds": ["MeterReadingStolen"] }]),
    );
    assert_eq!(bad["error"]["code"], json!(-32602), "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("MeterReadingStolen"),
        "{bad}"
    );
}

#[test]
fn a_subscriber_that_never_reads_is_closed_and_the_node_serves_on() {
    let home = DemoHome::new();
    let environment = [(
        "CIVITAS_RPC_SUBSCRIPTION_BACKLOG_MAX".to_owned(),
        "4".to_owned(),
    )];
    let node = Spawned::with_env(&home.home, &home.genesis_path, &environment).wait_ready();
    let before = rss_kb(&node);

    // A connection with a small receive buffer holding as many head
    // subscriptions as it may, then never reading.
    let mut slow = RawSocket::connect(node.rpc_address, Some(4096));
    let mut subscriptions = BTreeSet::new();
    for id in 0..16 {
        let answer = slow.call(id, "civitas_subscribeNewHeads", json!([]));
        subscriptions.insert(answer["result"].to_string());
    }
    assert_eq!(subscriptions.len(), 16);
    // One more is refused: the per-connection limit applies.
    let refused = slow.call(99, "civitas_subscribeNewHeads", json!([]));
    assert_eq!(refused["error"]["code"], json!(-32006), "{refused}");

    // Blocks keep coming (every 100 ms) while it does not read: once the
    // socket's buffers are full (megabytes on loopback), its notifications
    // wait at the node, and the node closes its subscriptions.
    let mut peak = before;
    node.poll(
        "the slow subscriber's subscriptions closed",
        Duration::from_secs(180),
        || {
            peak = peak.max(rss_kb(&node));
            let closes = node
                .log()
                .iter()
                .filter(|line| line.contains("closed a subscription"))
                .count();
            (closes >= 16).then_some(())
        },
    );
    println!("RSS: {before} KiB before, at most {peak} KiB while a subscriber did not read");
    assert!(
        peak < before + RSS_GROWTH_MAX_KB,
        "RSS grew from {before} KiB to {peak} KiB"
    );

    // The node serves others meanwhile: a fresh subscriber gets new heads.
    runtime().block_on(async {
        let url = format!("ws://{}", node.rpc_address);
        let client = civitas_rpc_api::ws_client(&url).await.unwrap();
        let mut heads = client.subscribe_new_heads().await.unwrap();
        let first = next(&mut heads).await;
        assert_eq!(next(&mut heads).await.height, first.height + 1);
        client.status().await.unwrap();
    });

    // What the slow one finds once it reads: notifications, then for each
    // subscription an error notification saying it was too slow, then
    // nothing more from it.
    let mut closed: BTreeMap<String, String> = BTreeMap::new();
    let started = Instant::now();
    while closed.len() < subscriptions.len() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "closed only {closed:?}"
        );
        let message = slow.receive();
        let subscription = message["params"]["subscription"].to_string();
        assert!(
            !closed.contains_key(&subscription),
            "a notification after the close: {message}"
        );
        if let Some(error) = message["params"]["error"].as_str() {
            closed.insert(subscription, error.to_owned());
        } else {
            assert_eq!(message["method"], "civitas_newHeads", "{message}");
        }
    }
    for error in closed.values() {
        assert!(error.contains(SLOW_SUBSCRIBER), "{error}");
    }
    println!("closed with: {:?}", closed.values().next());
    // Closed subscriptions free their places on the connection.
    let again = slow.call(100, "civitas_subscribeNewHeads", json!([]));
    assert!(again["result"].is_u64(), "{again}");
    let after = rss_kb(&node);
    assert!(
        after < before + RSS_GROWTH_MAX_KB,
        "RSS grew from {before} KiB to {after} KiB"
    );
}

#[test]
fn a_transaction_that_expires_pending_is_dropped_as_expired() {
    use civitas_types::{AccountId, BoundedBytes, TransactionBody};

    let home = DemoHome::new();
    let node = home.start();
    let url = format!("ws://{}", node.rpc_address);
    // Sequence 1 of a demo account that never sent 0: it waits in the
    // mempool behind the gap until its expiry height passes.
    let key = civitas_demo::accounts()
        .into_iter()
        .find(|account| account.name.contains("registrar"))
        .unwrap()
        .key;
    let action = civitas_civic::Action::RegisterMultisig(civitas_civic::action::RegisterMultisig {
        threshold: 1,
        members: civitas_types::BoundedVec::try_from_vec(vec![key.public_key()]).unwrap(),
    });
    runtime().block_on(async {
        let client = civitas_rpc_api::ws_client(&url).await.unwrap();
        let height = client.status().await.unwrap().height;
        // Blocks follow each other as fast as the disk allows while the
        // mempool holds something (every few ms): room for the subscription
        // to start before it expires.
        let expiry_height = height + 1_000;
        let body = TransactionBody {
            chain_id: home.genesis.chain_id.clone(),
            signer: AccountId::from_public_key(&key.public_key()),
            sequence: 1,
            expiry_height,
            payload: BoundedBytes::try_from_vec(civitas_types::encode(&action)).unwrap(),
        };
        let transaction = civitas_types::SignedTransaction::sign(body, &[&key]).unwrap();
        let id = client
            .submit_transaction(to_hex(civitas_types::encode(&transaction)))
            .await
            .unwrap();
        let mut status = client.subscribe_transaction(id.clone()).await.unwrap();
        assert_eq!(
            next(&mut status).await,
            TransactionStatus::Pending {
                id: id.clone(),
                expiry_height
            }
        );
        let dropped = tokio::time::timeout(Duration::from_secs(120), status.next())
            .await
            .expect("not dropped in time")
            .expect("the subscription ended")
            .unwrap();
        match dropped {
            TransactionStatus::Dropped { reason, detail, .. } => {
                assert_eq!(reason, DropReason::Expired, "{detail}");
                assert!(detail.contains(&expiry_height.to_string()), "{detail}");
            }
            other => panic!("expected dropped, got {other:?}"),
        }
        let now = client.status().await.unwrap().height;
        assert!(now >= expiry_height, "{now} < {expiry_height}");
        assert_eq!(client.get_transaction(id).await.unwrap(), None);
    });
}

/// The ```json ws blocks of docs/rpc.md (the subscription examples), in order.
fn doc_blocks() -> Vec<Value> {
    let doc = include_str!("../../docs/rpc.md");
    let mut blocks = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find("```json ws\n") {
        let body = &rest[start + "```json ws\n".len()..];
        let end = body.find("```").expect("a closed block");
        blocks.push(
            serde_json::from_str(&body[..end])
                .unwrap_or_else(|e| panic!("a json ws block of docs/rpc.md does not parse ({e})")),
        );
        rest = &body[end + 3..];
    }
    blocks
}

/// Whether `actual` has the shape of `shown`: the same keys (recursively),
/// the same JSON types, arrays both empty or not (first elements compared).
fn assert_same_shape(shown: &Value, actual: &Value, path: &str) {
    match (shown, actual) {
        (Value::Object(shown), Value::Object(actual)) => {
            let keys = |object: &serde_json::Map<String, Value>| {
                object.keys().cloned().collect::<BTreeSet<_>>()
            };
            assert_eq!(keys(shown), keys(actual), "docs/rpc.md at {path}");
            for (key, value) in shown {
                assert_same_shape(value, &actual[key], &format!("{path}.{key}"));
            }
        }
        (Value::Array(shown), Value::Array(actual)) => {
            assert_eq!(shown.is_empty(), actual.is_empty(), "docs/rpc.md at {path}");
            if let (Some(shown), Some(actual)) = (shown.first(), actual.first()) {
                assert_same_shape(shown, actual, &format!("{path}[0]"));
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => {}
        _ => panic!("docs/rpc.md at {path}: shown {shown}, answered {actual}"),
    }
}

impl RawSocket {
    /// The next notification of `subscription`.
    fn notification(&mut self, subscription: &Value) -> Value {
        loop {
            let message = self.receive();
            if message["params"]["subscription"] == *subscription {
                return message;
            }
        }
    }
}

#[test]
fn the_subscription_examples_of_the_rpc_doc_are_what_the_node_sends() {
    let blocks = doc_blocks();
    assert_eq!(
        blocks.len(),
        10,
        "three subscriptions of three blocks, and the slow close"
    );
    let home = DemoHome::new();
    let node = home.start();
    let mut socket = RawSocket::connect(node.rpc_address, None);
    // Request, answer, notification: the answer's id is the request's.
    let subscribe = |socket: &mut RawSocket, request: &Value, answer: &Value| {
        let sent = socket.call(
            request["id"].as_u64().unwrap(),
            request["method"].as_str().unwrap(),
            request["params"].clone(),
        );
        assert_same_shape(answer, &sent, request["method"].as_str().unwrap());
        sent["result"].clone()
    };

    let heads = subscribe(&mut socket, &blocks[0], &blocks[1]);
    assert_same_shape(&blocks[2], &socket.notification(&heads), "civitas_newHeads");
    let ended = socket.call(10, "civitas_unsubscribeNewHeads", json!([heads]));
    assert_eq!(ended["result"], json!(true), "{ended}");

    let events = subscribe(&mut socket, &blocks[6], &blocks[7]);
    for step in civitas_demo::activity_steps(&home.genesis) {
        let ids: Vec<String> = step.iter().map(|t| node.rpc.submit(t).unwrap()).collect();
        for id in ids {
            node.wait_for_transaction(&id);
        }
    }
    let event = socket.notification(&events);
    assert_same_shape(&blocks[8], &event, "civitas_events");
    assert_eq!(event["params"]["result"]["kind"], "RecordWritten");

    let fresh = common::fresh_multisig(&home.genesis, 7);
    let id = node.rpc.submit(&fresh).unwrap();
    let mut request = blocks[3].clone();
    request["params"][0] = json!(id);
    let status = subscribe(&mut socket, &request, &blocks[4]);
    let committed = loop {
        let message = socket.notification(&status);
        if message["params"]["result"]["status"] == "committed" {
            break message;
        }
    };
    assert_same_shape(&blocks[5], &committed, "civitas_transactionStatus");

    let slow = &blocks[9]["params"]["error"];
    assert!(
        slow.as_str().unwrap().starts_with(SLOW_SUBSCRIBER),
        "{slow}"
    );
}
