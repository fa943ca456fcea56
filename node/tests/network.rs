//! Four validators as separate `civitas-node` processes on loopback, one
//! genesis (`civitas-node localnet-genesis`): a transaction submitted to one
//! node commits on all, every node reports the same block hashes and state
//! roots; after a SIGKILL of one validator the other three keep committing,
//! and once restarted it catches up to the same chain, signs again, and no
//! block records a double signature.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_rpc_api::to_hex;

use std::time::{Duration, Instant};

use common::localnet::{PROGRESS_TIMEOUT, all_reach, chain, network, start};
use common::{Node, fresh_multisig};

#[test]
fn four_validators_commit_together_and_a_killed_one_catches_up() {
    let started = Instant::now();
    let directory = tempfile::tempdir().unwrap();
    let (members, genesis_path, genesis) = network(directory.path(), 4);
    let mut nodes: Vec<Node> = (0..4).map(|n| start(&members, n, &genesis_path)).collect();

    // A transaction submitted to one node commits on all.
    let transaction = fresh_multisig(&genesis, 1);
    let id = nodes[0].rpc.submit(&transaction).unwrap();
    for node in &nodes {
        node.wait_for_transaction(&id);
    }
    all_reach(&nodes.iter().collect::<Vec<_>>(), 3);
    let first = chain(&nodes[0], 1..=3);
    for node in &nodes[1..] {
        assert_eq!(chain(node, 1..=3), first, "the nodes disagree");
    }
    eprintln!(
        "4 validators agree on 3 blocks after {:?}",
        started.elapsed()
    );
    for node in &nodes {
        let (_, metrics) = common::http_get(node.metrics_address, "/metrics");
        assert!(metrics.contains("civitas_peers 3"), "{metrics}");
    }

    // SIGKILL one validator: the other three keep committing.
    let killed = nodes.pop().unwrap();
    killed.kill();
    let height = nodes[0].rpc.status().unwrap().height;
    let transaction = fresh_multisig(&genesis, 2);
    let id = nodes[1].rpc.submit(&transaction).unwrap();
    all_reach(&nodes.iter().collect::<Vec<_>>(), height + 8);
    for node in &nodes {
        node.wait_for_transaction(&id);
    }
    eprintln!(
        "3 of 4 validators went from {height} to {} after {:?}",
        height + 8,
        started.elapsed()
    );
    // The blocks it missed count against it, and only against it.
    let killed_key = common::read_key(&members[3].home.join("consensus_key")).public_key();
    let (_, metrics) = common::http_get(nodes[0].metrics_address, "/metrics");
    let missed = |key: &str| {
        let name = format!("civitas_missed_signatures_total{{validator=\"{key}\"}} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&name)?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    assert!(missed(&killed_key.to_string()) >= 8, "{metrics}");
    let alive_key = common::read_key(&members[0].home.join("consensus_key")).public_key();
    assert!(
        missed(&alive_key.to_string()) < missed(&killed_key.to_string()),
        "{metrics}"
    );

    // Restarted, it catches up to the same chain.
    let restarted = start(&members, 3, &genesis_path);
    let target = nodes[0].rpc.status().unwrap().height + 1;
    restarted.wait_for_height(target, PROGRESS_TIMEOUT);
    all_reach(&nodes.iter().collect::<Vec<_>>(), target);
    let reference = chain(&nodes[0], 1..=target);
    assert_eq!(chain(&restarted, 1..=target), reference);
    for node in &nodes[1..] {
        assert_eq!(chain(node, 1..=target), reference);
    }
    restarted.wait_for_transaction(&id);
    let log = restarted.log().join("\n");
    assert!(log.contains("caught up"), "no catch-up in the log");
    assert!(
        log.contains("votes held back") && log.contains("caught up: voting"),
        "the restarted validator did not hold its votes back while catching up"
    );
    // It signs again: a block it proposed is committed.
    let key = to_hex(
        common::read_key(&members[3].home.join("consensus_key"))
            .public_key()
            .0,
    );
    let mut height = target + 1;
    let proposed = nodes[0].poll(
        "a block proposed by the restarted validator",
        PROGRESS_TIMEOUT,
        || {
            let block = nodes[0].rpc.block(height).ok().flatten()?;
            height += 1;
            Some(block.proposer == key).filter(|own| *own)
        },
    );
    assert!(proposed);
    // No double signature: no block records evidence against anyone.
    let last = nodes[0].rpc.status().unwrap().height;
    for height in 1..=last {
        assert_eq!(nodes[0].block(height).evidence, 0, "evidence at {height}");
    }
    eprintln!(
        "the restarted validator caught up to {target} after {:?}",
        started.elapsed()
    );
}

#[test]
fn two_of_four_stopped_halt_the_chain_without_a_fork_and_one_back_resumes_it() {
    let directory = tempfile::tempdir().unwrap();
    let (members, genesis_path, _) = network(directory.path(), 4);
    let mut nodes: Vec<Node> = (0..4).map(|n| start(&members, n, &genesis_path)).collect();
    all_reach(&nodes.iter().collect::<Vec<_>>(), 3);

    // Half the power is gone: no quorum, so at most the block in flight commits.
    nodes.pop().unwrap().kill();
    nodes.pop().unwrap().kill();
    std::thread::sleep(Duration::from_secs(2));
    let halted = nodes[0].rpc.status().unwrap().height;
    std::thread::sleep(Duration::from_secs(5));
    for node in &nodes {
        let height = node.rpc.status().unwrap().height;
        assert!(
            height <= halted + 1,
            "committed {height} without a quorum (halted at {halted})"
        );
    }

    // One back: three of four, the chain resumes, and every node agrees.
    nodes.push(start(&members, 2, &genesis_path));
    all_reach(&nodes.iter().collect::<Vec<_>>(), halted + 3);
    let reference = chain(&nodes[0], 1..=halted + 3);
    for node in &nodes[1..] {
        assert_eq!(chain(node, 1..=halted + 3), reference, "the nodes disagree");
    }
}
