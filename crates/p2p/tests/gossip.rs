//! Real libp2p nodes on 127.0.0.1: gossip of transactions and consensus
//! messages, the allowlist, and disconnection by governance.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_exchange_transactions_and_consensus_messages() {
    let keys = signing_keys(2);
    let set = validator_set(&keys, &[1, 1]);
    let mut a = start(&keys[0], &set, vec![], Arc::new(NoBlocks)).await;
    let mut b = start(&keys[1], &set, vec![address_of(&a)], Arc::new(NoBlocks)).await;
    wait_connected(&a, &[peer(&keys[1])]).await;

    let tx = bytes_of(&transaction(&keys[1], 1));
    publish_transaction(&b, tx.clone()).await;
    let (from, received) = next_matching(&mut a, |event| match event {
        NetworkEvent::Transaction { from, bytes } => Some((from, bytes)),
        _ => None,
    })
    .await;
    assert_eq!((from, received), (peer(&keys[1]), tx));

    let vote = vote(&keys[0], 1);
    publish_consensus(&a, &vote).await;
    let received = next_matching(&mut b, |event| match event {
        NetworkEvent::Consensus { envelope, .. } => Some(*envelope),
        _ => None,
    })
    .await;
    assert_eq!(received, vote);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_nodes_each_receive_every_other_vote_and_a_relayed_transaction() {
    let keys = signing_keys(4);
    let set = validator_set(&keys, &[1, 1, 1, 1]);
    let first = start(&keys[0], &set, vec![], Arc::new(NoBlocks)).await;
    let hub = address_of(&first);
    let mut nodes = vec![first];
    for key in &keys[1..] {
        nodes.push(start(key, &set, vec![hub.clone()], Arc::new(NoBlocks)).await);
    }
    let others: Vec<_> = keys[1..].iter().map(peer).collect();
    wait_connected(&nodes[0], &others).await;

    for (node, key) in nodes.iter().zip(&keys) {
        publish_consensus(node, &vote(key, 1)).await;
    }
    for (index, node) in nodes.iter_mut().enumerate() {
        let mut voters = BTreeSet::new();
        while voters.len() < 3 {
            let voter = next_matching(node, |event| match event {
                NetworkEvent::Consensus { envelope, .. } => match envelope.message {
                    civitas_consensus::ConsensusMessage::Vote(v) => Some(v.vote.validator),
                    _ => None,
                },
                _ => None,
            })
            .await;
            voters.insert(voter);
        }
        assert!(!voters.contains(&keys[index].public_key()));
    }

    // Node 3 is connected to node 0 only: node 1 gets its transaction through the hub.
    let tx = bytes_of(&transaction(&keys[3], 9));
    publish_transaction(&nodes[3], tx.clone()).await;
    for node in nodes.iter_mut().take(3) {
        let received = next_matching(node, |event| match event {
            NetworkEvent::Transaction { bytes, .. } => Some(bytes),
            _ => None,
        })
        .await;
        assert_eq!(received, tx);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_off_the_allowlist_can_neither_connect_nor_publish() {
    let keys = signing_keys(3);
    let set = validator_set(&keys[..2], &[1, 1]);
    let mut a = start(&keys[0], &set, vec![], Arc::new(NoBlocks)).await;
    let b = start(&keys[1], &set, vec![address_of(&a)], Arc::new(NoBlocks)).await;
    wait_connected(&a, &[peer(&keys[1])]).await;
    // The outsider allows everyone in its own list, and dials a repeatedly.
    let outsider_set = validator_set(&keys, &[1, 1, 1]);
    let outsider = start(
        &keys[2],
        &outsider_set,
        vec![address_of(&a)],
        Arc::new(NoBlocks),
    )
    .await;
    for _ in 0..5 {
        let _ = outsider.handle.dial(address_of(&a)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let outsider_peer = peer(&keys[2]);
        assert!(
            !a.handle
                .connected_peers()
                .await
                .unwrap()
                .contains(&outsider_peer)
        );
        let _ = outsider
            .handle
            .publish_transaction(bytes_of(&transaction(&keys[2], 1)))
            .await;
    }
    // Nothing from the outsider ever reached a; a still hears b.
    let from_b = bytes_of(&transaction(&keys[1], 2));
    publish_transaction(&b, from_b.clone()).await;
    loop {
        match next_matching(&mut a, Some).await {
            NetworkEvent::PeerConnected(p) => assert_ne!(p, peer(&keys[2])),
            NetworkEvent::Transaction { bytes, from } => {
                assert_eq!(from, peer(&keys[1]));
                assert_eq!(bytes, from_b, "a received the outsider's transaction");
                break;
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_removed_by_governance_is_disconnected_and_stays_out() {
    let keys = signing_keys(3);
    let set = validator_set(&keys, &[1, 1, 1]);
    let mut a = start(&keys[0], &set, vec![], Arc::new(NoBlocks)).await;
    let b = start(&keys[1], &set, vec![address_of(&a)], Arc::new(NoBlocks)).await;
    let c = start(
        &keys[2],
        &set,
        vec![address_of(&a), address_of(&b)],
        Arc::new(NoBlocks),
    )
    .await;
    wait_connected(&a, &[peer(&keys[1]), peer(&keys[2])]).await;
    wait_connected(&b, &[peer(&keys[2])]).await;

    // Governance removes c: a and b move to the new set at height 2 and allow
    // the network keys of the registry's validators only.
    let without_c = validator_set(&keys[..2], &[1, 1]);
    for node in [&a, &b] {
        node.handle.set_view(view(&without_c, 2)).await.unwrap();
        node.handle
            .set_validator_peers(validator_network_keys(&without_c))
            .await
            .unwrap();
    }
    let gone = next_matching(&mut a, |event| match event {
        NetworkEvent::PeerDisconnected(p) => Some(p),
        _ => None,
    })
    .await;
    assert_eq!(gone, peer(&keys[2]));
    eventually("c is disconnected from everyone", || async {
        c.handle.connected_peers().await.unwrap().is_empty()
    })
    .await;
    // c keeps redialling (its bootstrap list) and dials by hand: refused each time.
    for _ in 0..4 {
        let _ = c.handle.dial(address_of(&a)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !a.handle
                .connected_peers()
                .await
                .unwrap()
                .contains(&peer(&keys[2]))
        );
        assert!(
            !b.handle
                .connected_peers()
                .await
                .unwrap()
                .contains(&peer(&keys[2]))
        );
    }
    // c's votes no longer count either: a rejects them as from a non-validator.
    let _ = c.handle.publish_consensus(&vote(&keys[2], 2)).await;
    assert!(
        a.handle
            .connected_peers()
            .await
            .unwrap()
            .contains(&peer(&keys[1]))
    );
}
