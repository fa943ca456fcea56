//! A node's libp2p identity is its network key, apart from its consensus key
//! (docs/decisions/0011-network-identity.md): peers admit the network keys the
//! civic validator registry lists, and follow a rotation decided by governance.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use civitas_p2p::NetworkEvent;
use civitas_p2p::identity::peer_id_of;
use civitas_types::SigningKey;
use civitas_types::testing::{signing_keys, validator_set};
use common::*;

/// Dials `target` from `node` a few times and checks it never stays connected.
async fn never_admitted(node: &civitas_p2p::Network, target: &civitas_p2p::Network) {
    let node_peer = node.handle.local_peer_id();
    for _ in 0..4 {
        let _ = node.handle.dial(address_of(target)).await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(
            !target
                .handle
                .connected_peers()
                .await
                .unwrap()
                .contains(&node_peer),
            "{node_peer} was admitted"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_presenting_its_consensus_key_as_identity_is_refused() {
    let keys = signing_keys(2);
    let set = validator_set(&keys, &[1, 1]);
    let a = start(&keys[0], &set, vec![], Arc::new(NoBlocks)).await;
    // b's node runs with its consensus key as libp2p identity: the registry
    // lists b's network key, so a does not know this peer.
    let impostor = start_as(
        &keys[1],
        &set,
        &validator_network_keys(&set),
        vec![address_of(&a)],
    )
    .await;
    assert_eq!(
        impostor.handle.local_peer_id(),
        peer_id_of(&keys[1].public_key()).unwrap()
    );
    assert_ne!(impostor.handle.local_peer_id(), peer(&keys[1]));
    never_admitted(&impostor, &a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_network_key_is_admitted_and_the_old_one_disconnected() {
    let keys = signing_keys(2);
    let set = validator_set(&keys, &[1, 1]);
    let mut a = start(&keys[0], &set, vec![], Arc::new(NoBlocks)).await;
    let old_b = start(&keys[1], &set, vec![address_of(&a)], Arc::new(NoBlocks)).await;
    wait_connected(&a, &[peer(&keys[1])]).await;

    // Governance rotates b's network key (RotateNetworkKey): the consensus set
    // is unchanged, a allows the registry's new network keys at once.
    let new_key = SigningKey::from_seed(&[0xB2; 32]);
    let registry = vec![network_key(&keys[0]).public_key(), new_key.public_key()];
    a.handle
        .set_validator_peers(registry.clone())
        .await
        .unwrap();
    let gone = next_matching(&mut a, |event| match event {
        NetworkEvent::PeerDisconnected(p) => Some(p),
        _ => None,
    })
    .await;
    assert_eq!(gone, peer(&keys[1]));
    never_admitted(&old_b, &a).await;

    // b's operator restarts the node with the new network key: admitted, and
    // its consensus key (which signs its votes) never changed.
    let new_b = start_as(&new_key, &set, &registry, vec![address_of(&a)]).await;
    let new_peer = peer_id_of(&new_key.public_key()).unwrap();
    assert_eq!(new_b.handle.local_peer_id(), new_peer);
    wait_connected(&a, &[new_peer]).await;
}
