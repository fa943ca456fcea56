//! JSON-RPC read throughput over WebSocket, with a real `civitas-node`
//! answering `civitas_getTransaction` (the transaction, its receipt and their
//! Merkle proofs with the certified header) and `civitas_getRecord` (a
//! registry record with its state proofs) from `CLIENTS` WebSocket
//! connections, each keeping `IN_FLIGHT` requests outstanding, for `SECONDS`
//! seconds; three runs, the median printed. Not a criterion benchmark: the
//! server is a separate process, and what is measured is requests answered
//! per second. Two chains:
//!
//! - **blocks of 1,000** (the figure): a chain generated offline by
//!   the audit's generator (`crates/audit/benches/support/generator.rs`: the
//!   demo genesis with four validators, the civic mix of orders, executions,
//!   spends and permits, each block executed as a proposer does and certified
//!   by all four), written block by block into a data directory through the
//!   ledger's own `commit` (each block executed again on a replica to get its
//!   writes, its state root checked against the header). The node opens it
//!   as an observer (its key is not one of the four, which are absent): it
//!   serves the chain and never advances. A live single validator cannot
//!   make such blocks: it proposes as soon as its mempool holds anything, and
//!   a block takes at most 256 transactions of fresh signers. Transactions
//!   are asked at random over the whole chain; records over 1,000 permits
//!   (one version each: 2 state proofs).
//! - **demo chain**: the demo activity then 4,000 fresh multisig
//!   registrations submitted at once (small blocks); `getRecord` of the demo
//!   permit (2 versions: 3 state proofs). The figures before issue 18's read
//!   path were taken on this one.
//!
//! A sample answer of each method is checked before measuring: its proofs
//! verify against its header, whose certificate verifies against the
//! genesis validators.
//!
//! cargo bench --workspace --profile dev --bench rpc
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    dead_code
)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../crates/audit/benches/support/generator.rs"]
mod generator;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use civitas_civic::BlockContext;
use civitas_engine::execution::execute;
use civitas_engine::{ChainSpec, ChainStore, Decided, MemoryStore};
use civitas_genesis::GenesisDocument;
use civitas_ledger::{ChainIdentity, Ledger, LedgerConfig};
use civitas_rpc_api::{CivitasApiClient, ws_client};
use common::{DemoHome, Node, fresh_multisig};

/// Transactions committed on the demo chain before measuring.
const TRANSACTIONS: u64 = 4_000;
/// WebSocket connections.
const CLIENTS: usize = 8;
/// Requests each connection keeps outstanding.
const IN_FLIGHT: usize = 8;
/// Length of one run.
const SECONDS: u64 = 5;
/// The generated chain: its seed, block size, blocks and beneficiaries.
const SEED: u64 = 18;
const PER_BLOCK: usize = 1_000;
const BLOCKS: usize = 5;
const BENEFICIARIES: usize = 100;
/// Permits of the generated chain asked for.
const RECORDS: u64 = 1_000;

/// What the clients ask for.
struct Load {
    /// Transaction ids (hex).
    transactions: Vec<String>,
    /// (namespace, record id).
    records: Vec<(String, String)>,
}

fn main() {
    let url_and_load = |node: &Node, load: Load| (format!("ws://{}", node.rpc_address), load);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let generated = generated_chain();
    let node = Node::start(&generated.home, &generated.genesis_path);
    let (url, load) = url_and_load(&node, generated.load());
    runtime.block_on(check_sample(&url, &load, &generated.genesis));
    measure(&runtime, "blocks of 1,000", &url, load);
    drop(node);

    let home = DemoHome::new();
    let node = demo_chain(&home);
    let load = Load {
        transactions: demo_transactions(&home, &node),
        records: vec![(
            civitas_demo::BUILDING_PERMITS.to_owned(),
            civitas_demo::activity::PERMIT_ID.to_owned(),
        )],
    };
    let (url, load) = url_and_load(&node, load);
    runtime.block_on(check_sample(&url, &load, &home.genesis));
    measure(&runtime, "demo chain", &url, load);
}

/// Three runs of each method; prints the median and the runs.
fn measure(runtime: &tokio::runtime::Runtime, chain: &str, url: &str, load: Load) {
    let load = Arc::new(load);
    for method in ["getTransaction", "getRecord"] {
        let mut rates: Vec<f64> = (0..3)
            .map(|_| runtime.block_on(run(url, method, Arc::clone(&load))))
            .collect();
        rates.sort_by(f64::total_cmp);
        eprintln!(
            "{chain}: civitas_{method}: {:.0} requests/s (median of 3 runs of {SECONDS} s: {rates:.0?}), {CLIENTS} WebSocket connections × {IN_FLIGHT} in flight",
            rates[1]
        );
    }
}

/// A home whose data directory holds the generated chain, its genesis, and
/// the transactions in it.
struct Generated {
    _directory: tempfile::TempDir,
    home: PathBuf,
    genesis_path: PathBuf,
    genesis: GenesisDocument,
    transactions: Vec<String>,
}

impl Generated {
    fn load(&self) -> Load {
        Load {
            transactions: self.transactions.clone(),
            records: (0..RECORDS)
                .map(|g| {
                    (
                        civitas_demo::BUILDING_PERMITS.to_owned(),
                        format!("GEN-{g:09}"),
                    )
                })
                .collect(),
        }
    }
}

/// Generates [`BLOCKS`] blocks of [`PER_BLOCK`] transactions and commits
/// them into a fresh home's ledger.
fn generated_chain() -> Generated {
    let started = Instant::now();
    let directory = tempfile::tempdir().unwrap();
    let home = directory.path().join("home");
    let output = common::init(&home);
    assert!(output.status.success(), "init failed");
    let mut generator = generator::ChainGenerator::new(SEED, PER_BLOCK, BENEFICIARIES);
    let genesis = generator.genesis().clone();
    let genesis_path = directory.path().join("genesis.json");
    std::fs::write(&genesis_path, civitas_genesis::to_json(&genesis)).unwrap();
    let checked = genesis.check().unwrap();
    let spec = ChainSpec::from_genesis(&genesis, checked.hash);
    std::fs::create_dir_all(home.join("data")).unwrap();
    let identity = ChainIdentity {
        chain_id: genesis.chain_id.clone(),
        genesis_hash: checked.hash,
    };
    let mut ledger = Ledger::create(
        LedgerConfig::new(home.join("data").join("ledger")),
        identity,
        &checked.state.entries,
    )
    .unwrap();
    // The generator keeps its own state; the ledger needs each block's
    // writes, so a replica executes each block again (and checks its root).
    let mut replica = MemoryStore::from_genesis(&checked, genesis.initial_height)
        .unwrap()
        .keeping_blocks(1);
    let mut transactions = Vec::new();
    let mut sizes = Vec::new();
    for _ in 0..BLOCKS {
        let block = generator.next_block();
        let certificate = generator.last_certificate().unwrap();
        let context = BlockContext {
            chain_id: spec.chain_id.clone(),
            height: block.header.height,
            time_ms: block.header.time_ms,
            protocol_version: spec.protocol_version,
        };
        let executed = execute(&replica, &spec, &context, &block.transactions, &[])
            .unwrap_or_else(|_| panic!("block {} executes", block.header.height));
        assert_eq!(executed.state_root(), block.header.state_root);
        let prepared = ledger.prepare(executed.outcome.writes.clone()).unwrap();
        ledger
            .commit(&block, &certificate, &executed.receipt_leaves, prepared)
            .unwrap();
        replica
            .commit(
                Decided {
                    block: &block,
                    certificate: &certificate,
                    receipt_leaves: &executed.receipt_leaves,
                    validator_change: executed.outcome.validator_set_change.as_ref(),
                },
                executed.prepared,
            )
            .unwrap();
        sizes.push(block.transactions.len());
        transactions.extend(block.transactions.iter().map(|t| t.id().to_hex()));
    }
    drop(ledger);
    eprintln!(
        "generated {} transactions in blocks of {sizes:?} in {:?}",
        transactions.len(),
        started.elapsed()
    );
    Generated {
        _directory: directory,
        home,
        genesis_path,
        genesis,
        transactions,
    }
}

/// A node on the demo chain after the demo activity.
fn demo_chain(home: &DemoHome) -> Node {
    let node = home.start();
    for step in civitas_demo::activity_steps(&home.genesis) {
        let ids: Vec<String> = step.iter().map(|t| node.rpc.submit(t).unwrap()).collect();
        for id in ids {
            node.wait_for_transaction(&id);
        }
    }
    node
}

/// Submits [`TRANSACTIONS`] fresh multisig registrations in batches of 100
/// from 8 connections at once; their ids once committed.
fn demo_transactions(home: &DemoHome, node: &Node) -> Vec<String> {
    let loaded = Instant::now();
    let transactions: Vec<_> = (0..TRANSACTIONS)
        .map(|number| fresh_multisig(&home.genesis, number))
        .collect();
    let ids: Vec<String> = transactions.iter().map(|t| t.id().to_hex()).collect();
    std::thread::scope(|scope| {
        for chunk in transactions.chunks(TRANSACTIONS as usize / 8) {
            let address = node.rpc_address;
            scope.spawn(move || {
                for batch in chunk.chunks(100) {
                    let body: Vec<serde_json::Value> = batch
                        .iter()
                        .enumerate()
                        .map(|(n, t)| {
                            serde_json::json!({
                                "jsonrpc": "2.0",
                                "id": n,
                                "method": "civitas_submitTransaction",
                                "params": [hex::encode(civitas_types::encode(t))],
                            })
                        })
                        .collect();
                    let answer =
                        common::post_json(address, &serde_json::Value::from(body).to_string());
                    assert!(!answer.contains("\"error\""), "{answer}");
                }
            });
        }
    });
    let last = node.wait_for_transaction(ids.last().unwrap());
    for id in &ids {
        node.wait_for_transaction(id);
    }
    let mut sizes = std::collections::BTreeMap::new();
    for id in ids.iter().step_by(97) {
        let height = node.rpc.transaction(id).unwrap().unwrap().height;
        let count = node.block(height).transactions.len();
        sizes.insert(height, count);
    }
    eprintln!(
        "{TRANSACTIONS} transactions committed in {:?}, up to height {}; sampled blocks (height: transactions): {sizes:?}",
        loaded.elapsed(),
        last.height
    );
    ids
}

/// The state root of `certified`, once its certificate is checked against
/// `genesis`'s validators (neither chain changes them).
fn checked_root(
    genesis: &GenesisDocument,
    certified: &civitas_rpc_api::Certified,
) -> civitas_types::Hash {
    let root = certified.state_root().unwrap();
    let header = certified.header.decode_header().unwrap();
    let certificate = certified.certificate.decode_certificate().unwrap();
    let set = genesis.check().unwrap().validators;
    certificate
        .verify(&genesis.chain_id, header.height, &header.hash(), &set)
        .unwrap();
    root
}

/// Checks the proofs of a few answers of each method.
async fn check_sample(url: &str, load: &Load, genesis: &GenesisDocument) {
    let client = ws_client(url).await.unwrap();
    let step = (load.transactions.len() / 7).max(1);
    for id in load.transactions.iter().step_by(step) {
        let view = client.get_transaction(id.clone()).await.unwrap().unwrap();
        let proof = view.proof.as_ref().unwrap();
        checked_root(genesis, &proof.certified);
        proof.verify(&view.transaction).unwrap();
    }
    let step = (load.records.len() / 7).max(1);
    for (namespace, id) in load.records.iter().step_by(step) {
        let answer = client
            .get_record(namespace.clone(), id.clone())
            .await
            .unwrap();
        assert!(answer.record.is_some(), "{namespace} {id}");
        let root = checked_root(genesis, &answer.certified);
        for entry in &answer.entries {
            entry.verify(&root).unwrap();
        }
    }
}

/// Requests answered per second over one run.
async fn run(url: &str, method: &'static str, load: Arc<Load>) -> f64 {
    let answered = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let mut tasks = Vec::new();
    for client_number in 0..CLIENTS {
        let client = Arc::new(ws_client(url).await.unwrap());
        for lane in 0..IN_FLIGHT {
            let (client, load, answered) = (
                Arc::clone(&client),
                Arc::clone(&load),
                Arc::clone(&answered),
            );
            tasks.push(tokio::spawn(async move {
                let mut next = client_number * IN_FLIGHT + lane;
                while Instant::now() < deadline {
                    // A stride prime to the lengths: requests spread over
                    // every block and record.
                    next = next.wrapping_add(7919);
                    let ok = match method {
                        "getTransaction" => {
                            let id = &load.transactions[next % load.transactions.len()];
                            client
                                .get_transaction(id.clone())
                                .await
                                .is_ok_and(|t| t.is_some())
                        }
                        _ => {
                            let (namespace, id) = &load.records[next % load.records.len()];
                            client
                                .get_record(namespace.clone(), id.clone())
                                .await
                                .is_ok_and(|r| r.record.is_some())
                        }
                    };
                    assert!(ok, "{method} failed");
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
    }
    let started = Instant::now();
    for task in tasks {
        task.await.unwrap();
    }
    answered.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
