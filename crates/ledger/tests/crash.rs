//! Crash test: a child process commits blocks in a loop and is killed with SIGKILL
//! at random moments; after every kill the store must open, be at a height the
//! child reached (never below one it reported committed), hold every block up to
//! that height and none above, and have exactly the state root of that height.
//!
//! `CIVITAS_CRASH_KILLS=N` sets the number of kills (default 100); the child is this
//! test binary run again with `CIVITAS_LEDGER_CRASH_CHILD` set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use civitas_ledger::testing::TestChain;
use civitas_ledger::{Ledger, LedgerConfig, StateTree};
use civitas_types::state_proof::{key_hash, value_hash};

const CHILD_ENV: &str = "CIVITAS_LEDGER_CRASH_CHILD";

fn chain() -> TestChain {
    TestChain::new(1, 2_000, 20, 200)
}

/// In the child: open the store and commit forever, reporting each height.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Not the child: nothing to do.
    };
    let chain = chain();
    let mut ledger = Ledger::open(LedgerConfig::new(path), Some(&chain.identity)).unwrap();
    let mut out = std::io::stdout();
    writeln!(out, "ready {}", ledger.height()).unwrap();
    out.flush().unwrap();
    loop {
        chain.commit_next(&mut ledger);
        writeln!(out, "committed {}", ledger.height()).unwrap();
        out.flush().unwrap();
    }
}

/// A small deterministic generator (SplitMix64) for the kill delays.
struct Delays(u64);

impl Delays {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The expected state, advanced one height at a time as the store grows.
struct Expected {
    height: u64,
    state: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Expected {
    fn advance_to(&mut self, chain: &TestChain, height: u64) {
        while self.height < height {
            self.height += 1;
            for (key, value) in chain.writes_at(self.height) {
                match value {
                    Some(value) => self.state.insert(key, value),
                    None => self.state.remove(&key),
                };
            }
        }
    }

    fn root(&self) -> civitas_types::Hash {
        let leaves = self
            .state
            .iter()
            .map(|(k, v)| (key_hash(k), value_hash(v)))
            .collect();
        StateTree::from_leaves(leaves).root_hash()
    }
}

fn run_child_and_kill(path: &Path, delay_ms: u64, wait_until_ready: bool) -> Option<u64> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // libtest prints its own text on the child's lines: look for the markers inside.
    let committed = |line: &str| {
        line.rsplit_once("committed ")
            .map(|(_, height)| height.trim().parse::<u64>().unwrap())
    };
    if wait_until_ready {
        loop {
            let line = received
                .recv_timeout(Duration::from_secs(60))
                .expect("child ready");
            if line.contains("ready ") {
                break;
            }
        }
    }
    std::thread::sleep(Duration::from_millis(delay_ms));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap();
    received
        .try_iter()
        .filter_map(|line| committed(&line))
        .max()
}

#[test]
fn store_survives_sigkill_at_random_moments() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let kills: u64 = std::env::var("CIVITAS_CRASH_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let chain = chain();
    let mut expected = Expected {
        height: 0,
        state: chain.genesis(),
    };
    drop(
        Ledger::create(
            LedgerConfig::new(&path),
            chain.identity.clone(),
            &chain.genesis(),
        )
        .unwrap(),
    );
    let mut delays = Delays(0x000c_17a5);
    let mut reported = 0u64;
    let mut previous = 0u64;
    for kill in 0..kills {
        // One kill in five lands while the child is still opening the store.
        let wait_until_ready = kill % 5 != 0;
        let delay = delays.next() % 60;
        if let Some(height) = run_child_and_kill(&path, delay, wait_until_ready) {
            reported = reported.max(height);
        }
        let ledger = Ledger::open(LedgerConfig::new(&path), Some(&chain.identity))
            .unwrap_or_else(|error| panic!("kill {kill}: the store does not open: {error}"));
        let height = ledger.height();
        assert!(
            height >= reported,
            "kill {kill}: height {height} below the reported {reported}"
        );
        assert!(
            height >= previous,
            "kill {kill}: height went back from {previous} to {height}"
        );
        assert!(
            height <= reported + 1,
            "kill {kill}: height {height} beyond {reported} + 1"
        );
        expected.advance_to(&chain, height);
        assert_eq!(
            ledger.state_root(),
            expected.root(),
            "kill {kill}: state root at {height}"
        );
        for h in previous.max(1)..=height {
            let block = ledger
                .block(h)
                .unwrap()
                .unwrap_or_else(|| panic!("block {h} missing"));
            assert!(
                ledger.certificate(h).unwrap().is_some(),
                "certificate {h} missing"
            );
            assert_eq!(
                ledger.receipts(h).unwrap().unwrap().len(),
                block.transactions.len() + 1
            );
            for transaction in block.transactions.iter() {
                assert!(ledger.transaction(&transaction.id()).unwrap().is_some());
            }
        }
        assert!(
            ledger.block(height + 1).unwrap().is_none(),
            "kill {kill}: half a block above"
        );
        previous = height;
        // A commit the child made but was killed before reporting counts as reached.
        reported = reported.max(height);
    }
    println!("{kills} kills, final height {previous}");
    assert!(
        previous > 0,
        "the child never committed: the test tests nothing"
    );
}
