//! An operator's stop and start: SIGTERM stops the node cleanly (exit 0, in
//! seconds), and the node started again on the same home serves the same
//! chain, block for block, and carries on from it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_rpc_api::to_hex;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{COMMIT_TIMEOUT, DemoHome, Spawned};

#[test]
fn sigterm_exits_zero_and_a_restart_serves_the_same_chain_and_continues() {
    let home = DemoHome::new();
    let node = home.start();
    // Some blocks with transactions, some empty.
    let step = &civitas_demo::activity_steps(&home.genesis)[0];
    for transaction in step {
        node.rpc.submit(transaction).unwrap();
    }
    for transaction in step {
        node.wait_for_transaction(&to_hex(transaction.id()));
    }
    node.wait_for_height(5, COMMIT_TIMEOUT);
    let before = node.rpc.status().unwrap().height;
    let hashes: Vec<(String, String)> = (1..=before)
        .map(|height| {
            let block = node.block(height);
            (block.hash, block.state_root)
        })
        .collect();

    let stopping = Instant::now();
    let status = node.terminate(Duration::from_secs(30));
    assert!(status.success(), "SIGTERM: exit status {status}");
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "SIGTERM took {:?}",
        stopping.elapsed()
    );

    let node = home.start();
    let after = node.rpc.status().unwrap().height;
    assert!(
        after >= before,
        "height {after} after restart < {before} before"
    );
    for (height, (hash, state_root)) in (1..=before).zip(&hashes) {
        let block = node.block(height);
        assert_eq!(
            &block.hash, hash,
            "block {height} changed across the restart"
        );
        assert_eq!(&block.state_root, state_root, "state root {height} changed");
    }
    // It carries on: new blocks, and the transactions committed before.
    node.wait_for_height(before + 2, COMMIT_TIMEOUT);
    for transaction in step {
        let view = node
            .rpc
            .transaction(&to_hex(transaction.id()))
            .unwrap()
            .expect("a transaction committed before the restart");
        assert!(view.receipt.success);
    }
    // A second SIGTERM, right after a restart, is as clean.
    let status = node.terminate(Duration::from_secs(30));
    assert!(status.success(), "second SIGTERM: exit status {status}");
}

#[test]
fn sigterm_as_soon_as_the_node_says_it_serves_is_a_clean_stop() {
    let home = DemoHome::new();
    // The signal races the node's last start-up steps: try it several times,
    // each time from a shell waiting beside the node, so it leaves within
    // microseconds of the `serving` line.
    for attempt in 1..=10 {
        let spawned = Spawned::new(&home.home, &home.genesis_path);
        let mut signaller = Command::new("sh")
            .arg("-c")
            .arg(format!("read go && kill -TERM {}", spawned.pid()))
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let node = spawned.wait_serving();
        signaller.stdin.take().unwrap().write_all(b"go\n").unwrap();
        assert!(signaller.wait().unwrap().success());
        let status = node.wait_exit(Duration::from_secs(30));
        assert!(status.success(), "attempt {attempt}: exit status {status}");
    }
    // The chain is intact and goes on.
    let node = home.start();
    let height = node.rpc.status().unwrap().height;
    node.wait_for_height(height + 1, COMMIT_TIMEOUT);
}
