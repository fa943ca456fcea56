//! Engines on a lossy network (seeded delays and losses, a crashed and
//! restarted validator, block sync for whoever falls behind): every node
//! commits the same blocks with the same state roots, transactions commit,
//! and no validator ever signs two different votes for one step.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod common;

use civitas_engine::ChainStore;
use common::*;

/// Seeds run by the test (each a few simulated minutes of a 4-validator network).
const SEEDS: u64 = 64;

#[test]
fn under_losses_delays_and_a_crash_every_node_commits_the_same_chain() {
    for seed in 0..SEEDS {
        eprintln!("seed {seed}");
        let faults = Faults {
            seed,
            jitter_ms: 150,
            drop_per_mille: 100,
        };
        let mut net = Net::new(&genesis(4), 4).with_faults(faults);
        let mut submitted = Vec::new();
        for marker in 0..3 {
            let transaction = net.council_proposal(marker);
            net.submit(&transaction);
            submitted.push(transaction);
        }
        net.run_to_height(3);
        // Crash at a seed-chosen moment, anywhere in a round.
        let moment = net.now_ms + (seed * 97) % 1_500;
        net.run_until(moment, |_| false);
        let victim = (seed % 4) as usize;
        let store = net.crash(victim);
        net.run_until(net.now_ms + 4_000, |_| false);
        net.boot(victim, store);
        let target = net.max_height() + 3;
        net.run_to_height(target);

        // The same block and state root at every height, on every node.
        let reference = net.nodes[0].engine.as_ref().unwrap().store().clone();
        for (index, node) in net.nodes.iter().enumerate() {
            let store = node.engine.as_ref().unwrap().store();
            for stored in store.blocks() {
                let height = stored.block.header.height;
                let (block, _) = reference.block(height).unwrap().unwrap();
                assert_eq!(
                    block.hash(),
                    stored.block.hash(),
                    "seed {seed}: node {index} at {height}"
                );
                assert_eq!(
                    block.header.state_root, stored.state_root,
                    "seed {seed}: node {index}"
                );
            }
        }
        for transaction in &submitted {
            let receipt = net.receipt(0, transaction);
            assert!(
                receipt.is_some_and(|r| r.is_success()),
                "seed {seed}: not committed"
            );
        }
    }
}
