//! A Byzantine validator floods the transaction topic with 100,000 invalid
//! transactions while an honest one keeps sending valid ones: every valid one is
//! delivered, no invalid one is, and the receiver's memory stays bounded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use civitas_p2p::NetworkEvent;
use civitas_types::testing::{signing_keys, validator_set};
use common::*;

const JUNK: u32 = 100_000;
const VALID: u64 = 100;

/// Resident memory of this process, in bytes (Linux).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_transactions_get_through_a_flood_of_invalid_ones() {
    let keys = signing_keys(3);
    let set = validator_set(&keys, &[1, 1, 1]);
    let mut receiver = start(&keys[0], &set, vec![], Arc::new(NoBlocks)).await;
    let hub = address_of(&receiver);
    let flooder = start(&keys[1], &set, vec![hub.clone()], Arc::new(NoBlocks)).await;
    let honest = start(&keys[2], &set, vec![hub], Arc::new(NoBlocks)).await;
    wait_connected(&receiver, &[peer(&keys[1]), peer(&keys[2])]).await;
    // Gossip needs a heartbeat or two to learn who subscribes to what.
    publish_transaction(&flooder, vec![0xee; 64]).await;
    publish_transaction(&honest, bytes_of(&transaction(&keys[2], 0))).await;
    let before = resident_bytes();

    let flood = tokio::spawn(async move {
        let mut sent = 0u32;
        let mut attempts = 0u64;
        while sent < JUNK {
            attempts += 1;
            // A distinct payload every attempt: gossip remembers even a message
            // whose publication failed, and refuses it again as a duplicate.
            let mut junk = attempts.to_be_bytes().to_vec();
            junk.resize(96, 0xee);
            match flooder.handle.publish_transaction(junk).await {
                Ok(()) => sent += 1,
                // The send queue to the receiver is full: the flood is throttled.
                Err(_) => tokio::task::yield_now().await,
            }
        }
        (sent, attempts, flooder)
    });
    let valid: BTreeSet<Vec<u8>> = (1..=VALID)
        .map(|sequence| bytes_of(&transaction(&keys[2], sequence)))
        .collect();
    for tx in &valid {
        publish_transaction(&honest, tx.clone()).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let mut delivered = BTreeSet::new();
    while !delivered.is_superset(&valid) {
        let (from, bytes) = next_matching(&mut receiver, |event| match event {
            NetworkEvent::Transaction { from, bytes } => Some((from, bytes)),
            _ => None,
        })
        .await;
        assert_eq!(
            from,
            peer(&keys[2]),
            "a transaction from the flooder was delivered"
        );
        delivered.insert(bytes);
    }
    let (sent, attempts, _flooder) = flood.await.unwrap();
    assert_eq!(sent, JUNK);
    let grown = resident_bytes().saturating_sub(before);
    assert!(
        grown < 256 << 20,
        "memory grew by {grown} bytes during the flood ({attempts} publish attempts)"
    );
    // The flood did reach the receiver, which rejected the first junk it checked
    // and then graylisted the flooder, so most of it was dropped unexamined.
    let stats = receiver.handle.gossip_stats().await.unwrap();
    eprintln!("{stats:?}");
    assert!(stats.rejected >= 10, "{stats:?}");
    assert!(
        stats.rejected + stats.ignored < u64::from(JUNK) / 2,
        "{stats:?}"
    );
    // Nothing from the flood is left queued for the application either.
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(event) = receiver.events.try_recv() {
        if let NetworkEvent::Transaction { from, .. } = event {
            assert_eq!(from, peer(&keys[2]));
        }
    }
}
