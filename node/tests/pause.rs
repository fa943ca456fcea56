//! A validator paused for 30 s (SIGSTOP) under load, then resumed (SIGCONT):
//! the other three never go longer without a block than a failed round's
//! timeouts allow, and the paused one catches up to the same chain.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::localnet::{PROGRESS_TIMEOUT, all_reach, chain, network, start};
use common::{Node, fresh_multisig};

/// How long the validator stays paused.
const PAUSE: Duration = Duration::from_secs(30);

fn signal(node: &Node, name: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(node.process_id().to_string())
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name} failed");
}

#[test]
fn a_validator_paused_for_30_s_under_load_stalls_no_one_and_catches_up() {
    let directory = tempfile::tempdir().unwrap();
    let (members, genesis_path, genesis) = network(directory.path(), 4);
    let nodes: Vec<Node> = (0..4).map(|n| start(&members, n, &genesis_path)).collect();
    all_reach(&nodes.iter().collect::<Vec<_>>(), 2);

    // Load: fresh transactions to node 0 while the test runs.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (stop, genesis, rpc) = (Arc::clone(&stop), genesis.clone(), nodes[0].rpc_address);
        std::thread::spawn(move || {
            let client = common::Rpc::new(rpc);
            let mut number = 1_000;
            while !stop.load(Ordering::Relaxed) {
                let _ = client.submit(&fresh_multisig(&genesis, number));
                number += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };

    // The longest a height may take with one validator silent: its own turn
    // as proposer fails round 0 (every timeout of round 0), round 1 decides.
    let timeouts = &genesis.consensus.timeouts;
    let round = |r: u64| {
        timeouts.propose_ms
            + timeouts.prevote_ms
            + timeouts.precommit_ms
            + r * (timeouts.propose_delta_ms
                + timeouts.prevote_delta_ms
                + timeouts.precommit_delta_ms)
    };
    let bound = Duration::from_millis(round(0) + round(1) + 5_000);

    signal(&nodes[3], "STOP");
    let paused = Instant::now();
    let (mut height, mut since, mut longest) = (
        nodes[0].rpc.status().unwrap().height,
        Instant::now(),
        Duration::ZERO,
    );
    while paused.elapsed() < PAUSE {
        let now = nodes[0].rpc.status().unwrap().height;
        if now > height {
            longest = longest.max(since.elapsed());
            (height, since) = (now, Instant::now());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    longest = longest.max(since.elapsed());
    signal(&nodes[3], "CONT");
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    eprintln!(
        "paused 30 s: the others reached {height}, longest wait for a block {longest:?} (bound {bound:?})"
    );
    assert!(
        longest <= bound,
        "the network stalled {longest:?}, more than {bound:?}"
    );

    // Resumed, it catches up to the same chain.
    let target = nodes[0].rpc.status().unwrap().height + 1;
    nodes[3].wait_for_height(target, PROGRESS_TIMEOUT);
    all_reach(&nodes.iter().collect::<Vec<_>>(), target);
    let reference = chain(&nodes[0], 1..=target);
    for node in &nodes[1..] {
        assert_eq!(chain(node, 1..=target), reference);
    }
}
