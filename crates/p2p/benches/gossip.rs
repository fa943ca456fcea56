//! Gossip throughput between two nodes on loopback (docs/performance.md,
//! "Networking"): signed 1-signature transactions published by one node until the
//! other has validated and delivered them all, with at most `WINDOW` in flight.
//! Two gates on the receiver, in one run: one that accepts every message (the
//! transport and gossip cost alone) and one that decodes strictly and verifies the
//! signature (what a node pays before the mempool).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use civitas_mempool::Rejection;
use civitas_p2p::{Network, NetworkConfig, NetworkEvent, TransactionGate};
use civitas_types::testing::{chain_id, signing_keys, validator_set};
use common::{
    NoBlocks, SignatureGate, address_of, bytes_of, peer, transaction, view, wait_connected,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Transactions per measured iteration.
const BATCH: usize = 10_000;
/// Most published and not yet delivered: gossip drops what overflows its queues.
const WINDOW: usize = 1_000;

struct AcceptAll;

impl TransactionGate for AcceptAll {
    fn check(&self, _: &[u8]) -> Result<(), Rejection> {
        Ok(())
    }
}

/// A sender and a receiver whose gate is `gate`, connected.
async fn pair(gate: Arc<dyn TransactionGate>) -> (Network, Network) {
    let keys = signing_keys(2);
    let set = validator_set(&keys, &[1, 1]);
    let config = |bootstrap| NetworkConfig {
        chain_id: chain_id(),
        listen: "/ip4/127.0.0.1/tcp/0".parse().unwrap(),
        bootstrap,
        observers: Vec::new(),
        limits: common::test_limits(),
    };
    let receiver = Network::start(
        config(vec![]),
        &common::network_key(&keys[0]),
        view(&set, 1),
        &common::validator_network_keys(&set),
        gate,
        Arc::new(NoBlocks),
    )
    .await
    .unwrap();
    let sender = Network::start(
        config(vec![address_of(&receiver)]),
        &common::network_key(&keys[1]),
        view(&set, 1),
        &common::validator_network_keys(&set),
        Arc::new(AcceptAll),
        Arc::new(NoBlocks),
    )
    .await
    .unwrap();
    wait_connected(&receiver, &[peer(&keys[1])]).await;
    // Let gossip learn the subscriptions.
    common::publish_transaction(&sender, bytes_of(&transaction(&keys[1], 0))).await;
    (sender, receiver)
}

/// Sends `transactions` and waits until all are delivered; returns the time taken.
async fn send_all(sender: &Network, receiver: &mut Network, transactions: &[Vec<u8>]) -> Duration {
    let start = Instant::now();
    let (mut published, mut delivered) = (0, 0);
    while delivered < transactions.len() {
        while published < transactions.len() && published - delivered < WINDOW {
            sender
                .handle
                .publish_transaction(transactions[published].clone())
                .await
                .expect("publish within the window");
            published += 1;
        }
        match tokio::time::timeout(Duration::from_secs(20), receiver.events.recv()).await {
            Ok(Some(NetworkEvent::Transaction { .. })) => delivered += 1,
            Ok(Some(_)) => {}
            _ => panic!("delivery stalled at {delivered} of {}", transactions.len()),
        }
    }
    start.elapsed()
}

fn gossip(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let signer = signing_keys(3).pop().unwrap();
    let mut sequence = 1u64;
    let mut group = c.benchmark_group("gossip");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    let gates: [(&str, Arc<dyn TransactionGate>); 2] = [
        ("accept_all", Arc::new(AcceptAll)),
        ("verify_signature", Arc::new(SignatureGate)),
    ];
    for (name, gate) in gates {
        let (sender, mut receiver) = runtime.block_on(pair(gate));
        group.bench_function(format!("two_nodes_{name}"), |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    // Fresh transactions every time: gossip drops what it has seen.
                    let batch: Vec<Vec<u8>> = (0..BATCH)
                        .map(|_| {
                            sequence += 1;
                            bytes_of(&transaction(&signer, sequence))
                        })
                        .collect();
                    total += runtime.block_on(send_all(&sender, &mut receiver, &batch));
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, gossip);
criterion_main!(benches);
