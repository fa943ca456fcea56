//! Crash test: a child process commits blocks in a loop and is killed with SIGKILL;
//! after every kill the store must open, be at a height the child reached (never
//! below one it reported committed), hold every block up to that height and none
//! above, have exactly the state root of that height, and, when pruning, still
//! read every retained height exactly.
//!
//! The kills are aimed. The child installs a hook at the commit path's named
//! points (`civitas_ledger::commit_points`, test support only) that reports each
//! point on its stdout and, when `CIVITAS_LEDGER_CRASH_PAUSE=<point>:<n>` is set,
//! stops at the n-th time it reaches that point until it is killed. A kill is
//! thus placed: while the store opens, at a random moment, stopped before or after
//! the synced batch write or around a pruning batch, or just after the child
//! announces the write (landing inside it or just after). Four stores run side by
//! side — archive and pruning, with blocks of 20 transactions (one-thread commit)
//! and of 300 (two-thread commit, from 256) — and the test prints how many kills
//! landed where, mid-commit included, and how long it took.
//!
//! `CIVITAS_CRASH_KILLS=N` sets the number of kills (default 100); the child is this
//! test binary run again with `CIVITAS_LEDGER_CRASH_CHILD` set to its store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use civitas_ledger::commit_points::{self, CommitPoint};
use civitas_ledger::testing::TestChain;
use civitas_ledger::{Ledger, LedgerConfig, Retention, StateTree};
use civitas_types::state_proof::{key_hash, value_hash};

const CHILD_ENV: &str = "CIVITAS_LEDGER_CRASH_CHILD";
const SCENARIO_ENV: &str = "CIVITAS_LEDGER_CRASH_SCENARIO";
const PAUSE_ENV: &str = "CIVITAS_LEDGER_CRASH_PAUSE";
/// Every line the child means for the parent starts with this (libtest writes
/// its own text on the same stream).
const MARK: &str = "@crash ";
/// Pruning scenarios keep this many heights, so every commit prunes one.
const KEEP: u64 = 3;

/// One store's shape: block size and retention.
#[derive(Clone, Copy, Debug)]
struct Scenario {
    name: &'static str,
    transactions: usize,
    pruning: bool,
}

const SCENARIOS: [Scenario; 4] = [
    Scenario {
        name: "archive-small",
        transactions: 20,
        pruning: false,
    },
    Scenario {
        name: "archive-large",
        transactions: 300,
        pruning: false,
    },
    Scenario {
        name: "pruning-small",
        transactions: 20,
        pruning: true,
    },
    Scenario {
        name: "pruning-large",
        transactions: 300,
        pruning: true,
    },
];

impl Scenario {
    fn named(name: &str) -> Scenario {
        *SCENARIOS.iter().find(|s| s.name == name).unwrap()
    }

    fn chain(&self) -> TestChain {
        TestChain::new(1, 2_000, self.transactions, 200)
    }

    fn config(&self, path: &Path) -> LedgerConfig {
        LedgerConfig {
            retention: if self.pruning {
                Retention::Recent(KEEP)
            } else {
                Retention::Archive
            },
            ..LedgerConfig::new(path)
        }
    }
}

// The child.

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARK}{line}").unwrap();
    out.flush().unwrap();
}

/// Where the child stops, from `CIVITAS_LEDGER_CRASH_PAUSE`, and how often it
/// has passed that point.
static PAUSE: OnceLock<Option<(CommitPoint, u64)>> = OnceLock::new();
static PASSED: AtomicU64 = AtomicU64::new(0);

fn parse_pause(text: &str) -> Option<(CommitPoint, u64)> {
    let (point, nth) = text.split_once(':')?;
    Some((CommitPoint::from_name(point)?, nth.parse().ok()?))
}

/// The child's hook: report the point; stop there if it is the aimed one.
fn at_point(point: CommitPoint, height: u64) {
    say(&format!("point {} {height}", point.name()));
    if let Some(Some((aimed, nth))) = PAUSE.get()
        && *aimed == point
        && PASSED.fetch_add(1, Ordering::SeqCst) + 1 == *nth
    {
        say("paused");
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// In the child: open the store and commit forever, reporting each height.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Not the child: nothing to do.
    };
    let scenario = Scenario::named(&std::env::var(SCENARIO_ENV).unwrap());
    PAUSE
        .set(std::env::var(PAUSE_ENV).ok().and_then(|p| parse_pause(&p)))
        .unwrap();
    assert!(commit_points::install(at_point));
    let chain = scenario.chain();
    let config = scenario.config(Path::new(&path));
    let mut ledger = Ledger::open(config, Some(&chain.identity)).unwrap();
    say(&format!("ready {}", ledger.height()));
    loop {
        chain.commit_next(&mut ledger);
        say(&format!("committed {}", ledger.height()));
    }
}

// The parent.

/// A small deterministic generator (SplitMix64) for the aims and delays.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Where a kill is aimed.
#[derive(Clone, Copy, Debug)]
enum Aim {
    /// `ms` after the child starts, mostly while it opens the store.
    Opening { ms: u64 },
    /// `ms` after the child is ready: wherever it happens to be.
    Moment { ms: u64 },
    /// Stopped at the `nth` passage of `point`.
    Pause { point: CommitPoint, nth: u64 },
    /// `micros` after the child announces its `nth` batch write: inside the write
    /// or just after it.
    Write { nth: u64, micros: u64 },
}

impl Aim {
    fn choose(random: &mut Random, scenario: Scenario) -> Aim {
        let nth = 1 + random.below(3);
        match random.below(6) {
            0 => Aim::Opening {
                ms: random.below(40),
            },
            1 => Aim::Moment {
                ms: random.below(60),
            },
            2 | 3 => {
                let points: &[CommitPoint] = if scenario.pruning {
                    &CommitPoint::ALL
                } else {
                    &[CommitPoint::BeforeWrite, CommitPoint::AfterWrite]
                };
                let point = points[random.below(points.len() as u64) as usize];
                Aim::Pause { point, nth }
            }
            _ => Aim::Write {
                nth,
                micros: random.below(1_500),
            },
        }
    }
}

/// One line the child meant for the parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Ready(u64),
    Point(CommitPoint, u64),
    Paused,
    Committed(u64),
}

fn parse_event(line: &str) -> Option<Event> {
    let (_, marked) = line.split_once(MARK)?;
    let words: Vec<&str> = marked.split_whitespace().collect();
    let number = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok());
    match *words.first()? {
        "ready" => Some(Event::Ready(number(1)?)),
        "committed" => Some(Event::Committed(number(1)?)),
        "paused" => Some(Event::Paused),
        "point" => Some(Event::Point(
            CommitPoint::from_name(words.get(1)?)?,
            number(2)?,
        )),
        _ => None,
    }
}

/// Runs the child on `path` and kills it as `aim` says; returns its events.
fn run_child_and_kill(path: &Path, scenario: Scenario, aim: Aim) -> Vec<Event> {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, path)
        .env(SCENARIO_ENV, scenario.name)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Aim::Pause { point, nth } = aim {
        command.env(PAUSE_ENV, format!("{}:{nth}", point.name()));
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(event) = parse_event(&line)
                && sender.send(event).is_err()
            {
                break;
            }
        }
    });
    let mut events = Vec::new();
    let mut wait_for = |done: &dyn Fn(&[Event]) -> bool| {
        while !done(&events) {
            let event = received
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("{aim:?}: the child never got there"));
            events.push(event);
        }
    };
    match aim {
        Aim::Opening { ms } => std::thread::sleep(Duration::from_millis(ms)),
        Aim::Moment { ms } => {
            wait_for(&|events| events.iter().any(|e| matches!(e, Event::Ready(_))));
            std::thread::sleep(Duration::from_millis(ms));
        }
        Aim::Pause { .. } => wait_for(&|events| events.contains(&Event::Paused)),
        Aim::Write { nth, micros } => {
            wait_for(&|events| {
                let writes = events
                    .iter()
                    .filter(|e| matches!(e, Event::Point(CommitPoint::BeforeWrite, _)))
                    .count();
                writes as u64 >= nth
            });
            spin(Duration::from_micros(micros));
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap();
    events.extend(received.try_iter());
    events
}

/// Waits `duration` without the scheduler's millisecond granularity.
fn spin(duration: Duration) {
    let start = Instant::now();
    while start.elapsed() < duration {
        std::hint::spin_loop();
    }
}

/// Where a kill landed, from the last thing the child said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Landing {
    Opening,
    BetweenCommits,
    StoppedBeforeWrite,
    InOrJustAfterWrite,
    AfterWrite,
    AroundPruneWrite,
}

impl Landing {
    fn of(events: &[Event]) -> Landing {
        let paused = events.contains(&Event::Paused);
        let last = events.iter().rev().find(|e| **e != Event::Paused);
        match last {
            None => Landing::Opening,
            Some(Event::Ready(_) | Event::Committed(_) | Event::Paused) => Landing::BetweenCommits,
            Some(Event::Point(CommitPoint::BeforeWrite, _)) if paused => {
                Landing::StoppedBeforeWrite
            }
            Some(Event::Point(CommitPoint::BeforeWrite, _)) => Landing::InOrJustAfterWrite,
            Some(Event::Point(CommitPoint::AfterWrite, _)) => Landing::AfterWrite,
            Some(Event::Point(_, _)) => Landing::AroundPruneWrite,
        }
    }

    fn mid_commit(self) -> bool {
        !matches!(self, Landing::Opening | Landing::BetweenCommits)
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
        StateTree::from_leaves(leaves).unwrap().root_hash()
    }
}

/// One store under test and what the parent knows of it.
struct Store {
    scenario: Scenario,
    chain: TestChain,
    path: PathBuf,
    expected: Expected,
    /// The highest height the child reported or the store was found at.
    reported: u64,
}

impl Store {
    fn create(root: &Path, scenario: Scenario) -> Store {
        let chain = scenario.chain();
        let path = root.join(scenario.name);
        drop(
            Ledger::create(
                scenario.config(&path),
                chain.identity.clone(),
                &chain.genesis(),
            )
            .unwrap(),
        );
        Store {
            scenario,
            expected: Expected {
                height: 0,
                state: chain.genesis(),
            },
            chain,
            path,
            reported: 0,
        }
    }

    /// Kills a child as `aim` says and checks the store; returns where it landed
    /// and, for a kill in or just after the write, whether the write had landed.
    fn kill_and_check(&mut self, kill: u64, aim: Aim) -> (Landing, Option<bool>) {
        let events = run_child_and_kill(&self.path, self.scenario, aim);
        let landing = Landing::of(&events);
        for event in &events {
            if let Event::Committed(height) = event {
                self.reported = self.reported.max(*height);
            }
        }
        let context = format!("kill {kill} ({}, {aim:?}, {landing:?})", self.scenario.name);
        let ledger = Ledger::open(LedgerConfig::new(&self.path), Some(&self.chain.identity))
            .unwrap_or_else(|error| panic!("{context}: the store does not open: {error}"));
        let height = ledger.height();
        let previous = self.expected.height;
        assert!(
            height >= self.reported,
            "{context}: height {height} below the reported {}",
            self.reported
        );
        assert!(
            height <= self.reported + 1,
            "{context}: height {height} beyond {} + 1",
            self.reported
        );
        let write_landed = check_landing(&context, &events, landing, height);
        self.expected.advance_to(&self.chain, height);
        assert_eq!(
            ledger.state_root(),
            self.expected.root(),
            "{context}: state root at {height}"
        );
        check_blocks(&context, &ledger, previous.max(1), height);
        if self.scenario.pruning {
            check_retained_state(&context, &ledger, &self.chain);
        }
        // A commit the child made but was killed before reporting counts as reached.
        self.reported = height;
        (landing, write_landed)
    }
}

/// The store's height is exactly what the landing implies; for a kill in or just
/// after the write, says whether the write had reached the store.
fn check_landing(context: &str, events: &[Event], landing: Landing, height: u64) -> Option<bool> {
    let last_point = events.iter().rev().find_map(|e| match e {
        Event::Point(point, h) => Some((*point, *h)),
        _ => None,
    });
    let last_written = events.iter().rev().find_map(|e| match e {
        Event::Point(CommitPoint::AfterWrite, h) => Some(*h),
        _ => None,
    });
    match (landing, last_point) {
        (Landing::StoppedBeforeWrite, Some((_, h))) => {
            assert_eq!(height, h - 1, "{context}: a batch never written was found");
            None
        }
        (Landing::InOrJustAfterWrite, Some((_, h))) => {
            assert!(
                height == h - 1 || height == h,
                "{context}: height {height} for a write of {h}"
            );
            Some(height == h)
        }
        (Landing::AfterWrite | Landing::AroundPruneWrite, _) => {
            let written = last_written.unwrap();
            assert_eq!(height, written, "{context}: a synced batch was lost");
            None
        }
        _ => None,
    }
}

/// Every block up to `height` is stored whole, and nothing above it.
fn check_blocks(context: &str, ledger: &Ledger, from: u64, height: u64) {
    for h in from..=height {
        let block = ledger
            .block(h)
            .unwrap()
            .unwrap_or_else(|| panic!("{context}: block {h} missing"));
        assert!(
            ledger.certificate(h).unwrap().is_some(),
            "{context}: certificate {h} missing"
        );
        assert_eq!(
            ledger.receipts(h).unwrap().unwrap().len(),
            block.transactions.len() + 1
        );
        for position in [0, block.transactions.len() - 1] {
            let id = block.transactions[position].id();
            assert!(
                ledger.transaction(&id).unwrap().is_some(),
                "{context}: index of block {h}"
            );
        }
    }
    assert!(
        ledger.block(height + 1).unwrap().is_none(),
        "{context}: half a block above"
    );
}

/// Pruning kept every retained height readable: the oldest one, for each key the
/// later heights changed (the keys whose older versions pruning deletes).
fn check_retained_state(context: &str, ledger: &Ledger, chain: &TestChain) {
    let oldest = ledger.oldest_state_height();
    assert!(
        oldest + KEEP > ledger.height(),
        "{context}: oldest retained {oldest}"
    );
    let state = chain.state_at(oldest);
    for h in oldest + 1..=ledger.height() {
        for key in chain.writes_at(h).keys() {
            assert_eq!(
                ledger.get_at(key, oldest).unwrap().as_ref(),
                state.get(key),
                "{context}: {key:?} at the oldest retained height {oldest}"
            );
        }
    }
}

#[test]
fn store_survives_sigkill_aimed_inside_commit() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let kills: u64 = std::env::var("CIVITAS_CRASH_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let start = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut stores: Vec<Store> = SCENARIOS
        .iter()
        .map(|s| Store::create(dir.path(), *s))
        .collect();
    let mut random = Random(0x000c_17a5);
    let mut landings: BTreeMap<Landing, u64> = BTreeMap::new();
    let mut in_write = (0u64, 0u64); // (kills in or just after a write, of which the write had landed)
    for kill in 0..kills {
        let store = &mut stores[(kill % 4) as usize];
        let aim = Aim::choose(&mut random, store.scenario);
        let (landing, write_landed) = store.kill_and_check(kill, aim);
        *landings.entry(landing).or_default() += 1;
        if let Some(landed) = write_landed {
            in_write.0 += 1;
            in_write.1 += u64::from(landed);
        }
    }
    let mid_commit: u64 = landings
        .iter()
        .filter(|(l, _)| l.mid_commit())
        .map(|(_, n)| n)
        .sum();
    println!(
        "{kills} kills in {:.1} s: {mid_commit} mid-commit; by landing {landings:?}; \
         {} in or just after the batch write, of which {} after it reached the log; final heights {:?}",
        start.elapsed().as_secs_f64(),
        in_write.0,
        in_write.1,
        stores
            .iter()
            .map(|s| (s.scenario.name, s.expected.height))
            .collect::<Vec<_>>()
    );
    for store in &stores {
        assert!(
            store.expected.height > 0,
            "{}: the child never committed",
            store.scenario.name
        );
    }
    if kills >= 100 {
        // Aimed kills are two thirds of the schedule: most must land mid-commit.
        assert!(
            mid_commit * 3 >= kills,
            "only {mid_commit} of {kills} kills landed mid-commit"
        );
        for landing in [
            Landing::StoppedBeforeWrite,
            Landing::AfterWrite,
            Landing::AroundPruneWrite,
        ] {
            assert!(
                landings.contains_key(&landing),
                "no kill landed {landing:?}"
            );
        }
    }
}
