//! The careless operator's kill -9, twenty times, under load: a node killed
//! at random moments (SIGKILL, while a client submits transactions) and
//! started again on the same home never loses or rewrites a block it had
//! committed — every height seen before each kill holds the same hash and
//! state root afterwards, the height never goes down, and the chain goes on.
//! With one validator a second signature at a height would show as another
//! block there: this is the double-signing check.
//!
//! The kill moments come from a seeded generator: the seed is printed, and
//! `CIVITAS_E2E_CRASH_SEED=<seed>` replays the same schedule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use civitas_genesis::GenesisDocument;
use common::{COMMIT_TIMEOUT, DemoHome, Node, Rpc, Spawned};

/// How many times the node is killed.
const KILLS: usize = 20;

/// SplitMix64: a small seeded generator, enough for kill moments.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

/// A client that submits cheap transactions (each from a fresh key, so no
/// sequence to keep across kills) to whichever node runs; refusals and
/// connection errors are expected and ignored. Stops when dropped.
struct Load {
    target: Arc<Mutex<Option<SocketAddr>>>,
    stop: Arc<AtomicBool>,
    admitted: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(genesis: GenesisDocument) -> Load {
        let target = Arc::new(Mutex::new(None::<SocketAddr>));
        let stop = Arc::new(AtomicBool::new(false));
        let admitted = Arc::new(AtomicU64::new(0));
        let (thread_target, thread_stop, thread_admitted) = (
            Arc::clone(&target),
            Arc::clone(&stop),
            Arc::clone(&admitted),
        );
        let thread = std::thread::spawn(move || {
            let mut client: Option<(SocketAddr, Rpc)> = None;
            let mut number = 0u64;
            while !thread_stop.load(Ordering::Relaxed) {
                let address = *thread_target.lock().unwrap();
                let Some(address) = address else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                if client.as_ref().is_none_or(|(at, _)| *at != address) {
                    client = Some((address, Rpc::new(address)));
                }
                let rpc = &client.as_ref().unwrap().1;
                number += 1;
                if rpc
                    .submit(&common::fresh_multisig(&genesis, number))
                    .is_ok()
                {
                    thread_admitted.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Load {
            target,
            stop,
            admitted,
            thread: Some(thread),
        }
    }

    fn aim(&self, address: Option<SocketAddr>) {
        *self.target.lock().unwrap() = address;
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the test saw committed: height → (hash, state root).
type Seen = BTreeMap<u64, (String, String)>;

/// Records every committed height up to the node's tip not seen yet, and
/// checks again the ones seen (from this run of the node: cheap, and a block
/// that changed under a running node would be just as wrong).
fn observe(node: &Node, seen: &mut Seen, with_transactions: &mut u64) {
    let Ok(status) = node.rpc.status() else {
        return;
    };
    let first_new = seen.keys().next_back().map_or(1, |h| h + 1);
    for height in first_new..=status.height {
        let Ok(Some(block)) = node.rpc.block(height) else {
            return;
        };
        if !block.transactions.is_empty() {
            *with_transactions += 1;
        }
        seen.insert(height, (block.hash, block.state_root));
    }
}

/// Adds the blocks a killed node logged as committed — the last ones may
/// have come after the last look over RPC — checking those seen already.
/// Returns how many were new.
fn learn_from_log(log: &[String], seen: &mut Seen, kill: usize) -> usize {
    let mut new = 0;
    for (height, hash, state_root) in common::committed_in_log(log) {
        match seen.get(&height) {
            Some(known) => assert_eq!(
                known,
                &(hash, state_root),
                "kill {kill}: the log and getBlock differ at height {height}"
            ),
            None => {
                seen.insert(height, (hash, state_root));
                new += 1;
            }
        }
    }
    new
}

/// After a restart: every height seen is there, unchanged, and the tip is
/// not below the highest seen.
fn check_nothing_lost(node: &Node, seen: &Seen, kill: usize) {
    let highest = seen.keys().next_back().copied().unwrap_or(0);
    let height = node.rpc.status().unwrap().height;
    assert!(
        height >= highest,
        "after kill {kill}: height {height} < {highest} committed before"
    );
    for (height, (hash, state_root)) in seen {
        let block = node.block(*height);
        assert_eq!(
            &block.hash, hash,
            "after kill {kill}: another block at height {height} (a lost block, or a second signature)"
        );
        assert_eq!(
            &block.state_root, state_root,
            "after kill {kill}: another state root at height {height}"
        );
    }
}

#[test]
fn sigkill_at_random_moments_under_load_never_loses_or_rewrites_a_committed_block() {
    let seed = std::env::var("CIVITAS_E2E_CRASH_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(0x00c1_7a5e_ed00_0001_u64);
    eprintln!("crash schedule seed {seed} (replay: CIVITAS_E2E_CRASH_SEED={seed})");
    let mut generator = Generator(seed);
    let test_started = Instant::now();

    let home = DemoHome::new();
    let load = Load::start(home.genesis.clone());
    let mut seen = Seen::new();
    let mut with_transactions = 0;
    let mut node = home.start();
    let mut early_kills = 0;
    let mut only_in_logs = 0;
    for kill in 1..=KILLS {
        load.aim(Some(node.rpc_address));
        let delay = Duration::from_millis(generator.between(100, 700));
        let deadline = Instant::now() + delay;
        while Instant::now() < deadline {
            observe(&node, &mut seen, &mut with_transactions);
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = node.kill();
        load.aim(None);
        only_in_logs += learn_from_log(&log, &mut seen, kill);

        // One time in four, kill it again while it starts (opening its
        // ledger, replaying its signing state), before or after it serves.
        if generator.between(0, 4) == 0 {
            let spawned = Spawned::new(&home.home, &home.genesis_path);
            std::thread::sleep(Duration::from_millis(generator.between(0, 150)));
            only_in_logs += learn_from_log(&spawned.kill(), &mut seen, kill);
            early_kills += 1;
        }

        let restarted = Instant::now();
        node = home.start();
        let serving_after = restarted.elapsed();
        check_nothing_lost(&node, &seen, kill);
        // And it goes on: a height above everything seen.
        let highest = seen.keys().next_back().copied().unwrap_or(0);
        let height = node.wait_for_height(highest + 1, COMMIT_TIMEOUT);
        eprintln!(
            "kill {kill} after {delay:?}: {highest} heights seen; serving again after \
             {serving_after:?}, height {height} after {:?}",
            restarted.elapsed()
        );
    }
    observe(&node, &mut seen, &mut with_transactions);
    let highest = seen.keys().next_back().copied().unwrap_or(0);
    eprintln!(
        "{KILLS} kills ({early_kills} while starting) in {:?}: {highest} heights checked \
         ({only_in_logs} known from the logs only), {with_transactions} with transactions, \
         {} transactions admitted",
        test_started.elapsed(),
        load.admitted.load(Ordering::Relaxed),
    );
    assert!(highest > KILLS as u64, "the chain barely moved: {highest}");
    assert!(
        with_transactions > 0,
        "no block with a transaction: the load did not reach the chain"
    );
}
