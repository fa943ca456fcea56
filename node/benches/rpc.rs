//! JSON-RPC read throughput over WebSocket, with a real `civitas-node`: a
//! node on the demo chain holding 4,000 transactions in large blocks answers
//! `civitas_getTransaction` (the transaction, its receipt and their Merkle
//! proofs with the certified header) and `civitas_getRecord` (a registry
//! record with its state proofs) from `CLIENTS` WebSocket connections, each
//! keeping `IN_FLIGHT` requests outstanding, for `SECONDS` seconds; three
//! runs, the median printed. Not a criterion benchmark: the server is a
//! separate process, and what is measured is requests answered per second.
//!
//! cargo bench --workspace --profile dev --bench rpc
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    dead_code
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use civitas_rpc_api::{CivitasApiClient, ws_client};
use common::{DemoHome, fresh_multisig};

/// Transactions committed before measuring: four blocks of 1,000.
const TRANSACTIONS: u64 = 4_000;
/// WebSocket connections.
const CLIENTS: usize = 8;
/// Requests each connection keeps outstanding.
const IN_FLIGHT: usize = 8;
/// Length of one run.
const SECONDS: u64 = 5;

fn main() {
    let home = DemoHome::new();
    let node = home.start();
    for step in civitas_demo::activity_steps(&home.genesis) {
        let ids: Vec<String> = step.iter().map(|t| node.rpc.submit(t).unwrap()).collect();
        for id in ids {
            node.wait_for_transaction(&id);
        }
    }
    // Submitted in batches of 100 from 8 connections at once, so blocks
    // fill up (the node proposes as soon as its mempool holds anything).
    let loaded = Instant::now();
    let transactions: Vec<_> = (0..TRANSACTIONS)
        .map(|number| fresh_multisig(&home.genesis, number))
        .collect();
    let ids: Vec<String> = transactions.iter().map(|t| t.id().to_hex()).collect();
    std::thread::scope(|scope| {
        for chunk in transactions.chunks(TRANSACTIONS as usize / 8) {
            let address = node.rpc_address;
            scope.spawn(move || {
                for batch in chunk.chunks(100) {
                    let body: Vec<serde_json::Value> = batch
                        .iter()
                        .enumerate()
                        .map(|(n, t)| {
                            serde_json::json!({
                                "jsonrpc": "2.0",
                                "id": n,
                                "method": "civitas_submitTransaction",
                                "params": [hex::encode(civitas_types::encode(t))],
                            })
                        })
                        .collect();
                    let answer =
                        common::post_json(address, &serde_json::Value::from(body).to_string());
                    assert!(!answer.contains("\"error\""), "{answer}");
                }
            });
        }
    });
    let last = node.wait_for_transaction(ids.last().unwrap());
    for id in &ids {
        node.wait_for_transaction(id);
    }
    let mut sizes = std::collections::BTreeMap::new();
    for id in ids.iter().step_by(97) {
        let height = node.rpc.transaction(id).unwrap().unwrap().height;
        let count = node.block(height).transactions.len();
        sizes.insert(height, count);
    }
    eprintln!(
        "{TRANSACTIONS} transactions committed in {:?}, up to height {}; sampled blocks (height: transactions): {sizes:?}",
        loaded.elapsed(),
        last.height
    );
    let url = format!("ws://{}", node.rpc_address);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let ids = Arc::new(ids);
    for method in ["getTransaction", "getRecord"] {
        let mut rates: Vec<f64> = (0..3)
            .map(|_| runtime.block_on(run(&url, method, Arc::clone(&ids))))
            .collect();
        rates.sort_by(f64::total_cmp);
        eprintln!(
            "civitas_{method}: {:.0} requests/s (median of 3 runs of {SECONDS} s: {rates:.0?}), {CLIENTS} WebSocket connections × {IN_FLIGHT} in flight",
            rates[1]
        );
    }
}

/// Requests answered per second over one run.
async fn run(url: &str, method: &'static str, ids: Arc<Vec<String>>) -> f64 {
    let answered = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let mut tasks = Vec::new();
    for client_number in 0..CLIENTS {
        let client = Arc::new(ws_client(url).await.unwrap());
        for lane in 0..IN_FLIGHT {
            let (client, ids, answered) =
                (Arc::clone(&client), Arc::clone(&ids), Arc::clone(&answered));
            tasks.push(tokio::spawn(async move {
                let mut next = client_number * IN_FLIGHT + lane;
                while Instant::now() < deadline {
                    next = (next + 7919) % ids.len();
                    let ok = match method {
                        "getTransaction" => client
                            .get_transaction(ids[next].clone())
                            .await
                            .is_ok_and(|t| t.is_some()),
                        _ => client
                            .get_record(
                                civitas_demo::BUILDING_PERMITS.to_owned(),
                                civitas_demo::activity::PERMIT_ID.to_owned(),
                            )
                            .await
                            .is_ok_and(|r| r.record.is_some()),
                    };
                    assert!(ok, "{method} failed");
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
    }
    let started = Instant::now();
    for task in tasks {
        task.await.unwrap();
    }
    answered.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
