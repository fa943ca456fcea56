//! Observers: a node whose consensus key is in no validator set follows the
//! chain and never signs. Four validators list the observer's network key
//! (`p2p.observers`); an observer started from an empty home, long after
//! genesis, catches up from genesis by block sync, keeps following by
//! gossip, serves every block with the validators' hashes and state roots,
//! relays a transaction submitted to it, shows no validator address, and
//! continues after a restart. A node that is neither a validator nor a listed
//! observer gets nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_rpc_api::to_hex;

use std::path::Path;
use std::time::{Duration, Instant};

use common::localnet::{
    Member, PROGRESS_TIMEOUT, all_reach, chain, free_port, network, spawn, start_with_env,
};
use common::{Node, fresh_multisig, init, read_key};

/// The log line an observer writes at start.
const OBSERVER_LINE: &str = "observer: this node follows the chain and never signs";

/// A home made by `init` that no genesis names, as a [`Member`] on a free port.
fn outsider(home: &Path) -> Member {
    let output = init(home);
    assert!(output.status.success(), "init: {output:?}");
    Member {
        home: home.to_path_buf(),
        // Nobody dials it: its peer id is never needed.
        peer_id: String::new(),
        port: free_port(),
    }
}

#[test]
fn an_observer_with_an_empty_home_catches_up_from_genesis_and_serves_the_same_chain() {
    let started = Instant::now();
    let directory = tempfile::tempdir().unwrap();
    let (members, genesis_path, genesis) = network(directory.path(), 4);
    let observer_member = outsider(&directory.path().join("observer"));
    let observer_network_key = read_key(&observer_member.home.join("network_key")).public_key();
    let observer_consensus_key = read_key(&observer_member.home.join("consensus_key")).public_key();

    // The validators admit the observer by its network key.
    let admit = [(
        "CIVITAS_P2P_OBSERVERS".to_string(),
        observer_network_key.to_string(),
    )];
    let nodes: Vec<Node> = (0..4)
        .map(|n| start_with_env(&members, n, &genesis_path, &admit))
        .collect();
    let validators: Vec<&Node> = nodes.iter().collect();
    let transaction = fresh_multisig(&genesis, 1);
    let first_id = nodes[0].rpc.submit(&transaction).unwrap();
    nodes[0].wait_for_transaction(&first_id);
    all_reach(&validators, 20);
    let behind = nodes[0].rpc.status().unwrap().height;
    eprintln!(
        "4 validators at height {behind} after {:?}",
        started.elapsed()
    );

    // The observer starts from nothing, dialling the validators.
    let all: Vec<&Member> = members.iter().collect();
    let observer = spawn(&observer_member, &all, &genesis_path, &[], &[]).wait_ready();
    let log = observer.log().join("\n");
    assert!(log.contains(OBSERVER_LINE), "no observer line:\n{log}");
    let status = observer.rpc.status().unwrap();
    assert_eq!(status.validator_address, None);
    observer.wait_for_height(behind, PROGRESS_TIMEOUT);
    // Logged once the sync batch ends, a little after its blocks count.
    observer.poll("block sync in the log", PROGRESS_TIMEOUT, || {
        observer
            .log()
            .iter()
            .any(|line| line.contains("caught up"))
            .then_some(())
    });
    eprintln!(
        "the observer caught up to {behind} after {:?}",
        started.elapsed()
    );

    // It keeps following, and relays what its RPC clients submit.
    let transaction = fresh_multisig(&genesis, 2);
    let relayed_id = observer.rpc.submit(&transaction).unwrap();
    for node in &nodes {
        node.wait_for_transaction(&relayed_id);
    }
    observer.wait_for_transaction(&relayed_id);
    observer.wait_for_transaction(&first_id);
    let target = nodes[0].rpc.status().unwrap().height + 3;
    observer.wait_for_height(target, PROGRESS_TIMEOUT);
    all_reach(&validators, target);
    let reference = chain(&nodes[0], 1..=target);
    assert_eq!(
        chain(&observer, 1..=target),
        reference,
        "the observer disagrees"
    );
    for node in &nodes[1..] {
        assert_eq!(
            chain(node, 1..=target),
            reference,
            "the validators disagree"
        );
    }
    eprintln!(
        "the observer follows at {target}, same hashes and state roots, after {:?}",
        started.elapsed()
    );

    // It never signed: no signing state, no proposal of its own, no address.
    assert!(
        !observer_member.home.join("data/sign_state").exists(),
        "the observer wrote a signing state"
    );
    let own = to_hex(observer_consensus_key);
    for height in 1..=target {
        assert_ne!(observer.block(height).proposer, own, "height {height}");
    }
    assert_eq!(observer.rpc.status().unwrap().validator_address, None);
    for node in &nodes {
        assert!(node.rpc.status().unwrap().validator_address.is_some());
        assert!(!node.log().join("\n").contains(OBSERVER_LINE));
    }

    // Ready once caught up; a restart continues where it stopped.
    observer.poll("/health to say ready", PROGRESS_TIMEOUT, || {
        let (code, _) = common::http_get(observer.metrics_address, "/health");
        (code == 200).then_some(())
    });
    let stopped_at = observer.rpc.status().unwrap().height;
    assert!(observer.terminate(Duration::from_secs(30)).success());
    let observer = spawn(&observer_member, &all, &genesis_path, &[], &[]).wait_ready();
    let target = stopped_at + 5;
    observer.wait_for_height(target, PROGRESS_TIMEOUT);
    all_reach(&validators, target);
    assert_eq!(chain(&observer, 1..=target), chain(&nodes[0], 1..=target));
    assert!(!observer_member.home.join("data/sign_state").exists());
    assert_eq!(observer.rpc.status().unwrap().validator_address, None);
    eprintln!(
        "the restarted observer follows at {target} after {:?}",
        started.elapsed()
    );

    // A node neither in the set nor listed gets no block while the chain
    // goes on.
    let stranger_member = outsider(&directory.path().join("stranger"));
    let stranger = spawn(&stranger_member, &all, &genesis_path, &[], &[]).wait_ready();
    let from = nodes[0].rpc.status().unwrap().height;
    all_reach(&validators, from + 5);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        stranger.rpc.status().unwrap().height,
        0,
        "a node nobody listed caught up:\n{}",
        stranger.log_tail()
    );
    let (_, metrics) = common::http_get(stranger.metrics_address, "/metrics");
    assert!(metrics.contains("civitas_peers 0"), "{metrics}");
    eprintln!("observer test done after {:?}", started.elapsed());
}
