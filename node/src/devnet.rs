//! `civitas-node devnet`: a one-validator demo chain in a home of its own —
//! created on first use (keys, config, the demo genesis of `civitas-demo`
//! stamped with the current time), reused afterwards — with the demo
//! activity submitted on a fresh chain, and what to try next printed.

use std::fs;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use civitas_genesis::GenesisDocument;
use civitas_types::{SignedTransaction, encode};

use crate::config::LogFormat;
use crate::driver::{Command, now_ms};
use crate::home::{Home, load_key};
use crate::run::{Started, init, read_genesis, start_with};

/// Runs the devnet in `home`.
pub fn run(home: &Home, log: Option<LogFormat>) -> Result<()> {
    if !home.consensus_key().exists() {
        init(home)?;
        println!("created the devnet home {}", home.root().display());
    }
    let genesis_path = home.root().join("genesis.json");
    let genesis = if genesis_path.exists() {
        read_genesis(&genesis_path)?
    } else {
        let validator = load_key(&home.consensus_key())?.public_key();
        let network = load_key(&home.network_key())?.public_key();
        let genesis = civitas_demo::genesis(&validator, &network, now_ms());
        fs::write(&genesis_path, civitas_genesis::to_json(&genesis))
            .with_context(|| format!("cannot write {}", genesis_path.display()))?;
        genesis
    };
    write_demo_keys(home)?;
    let steps = civitas_demo::activity_steps(&genesis);
    let root = home.root().display().to_string();
    start_with(home, genesis.clone(), log, false, move |started| {
        let commands = started.commands.clone();
        std::thread::Builder::new()
            .name("demo-activity".into())
            .spawn(move || submit_steps(&commands, &steps))?;
        print_welcome(started, &genesis, &root);
        Ok(())
    })
}

/// Writes each demo account's seed (public demo data) to
/// `HOME/demo-keys/HANDLE.seed`, for `civitas keys import`.
fn write_demo_keys(home: &Home) -> Result<()> {
    let directory = home.root().join("demo-keys");
    fs::create_dir_all(&directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    for account in civitas_demo::accounts() {
        let path = directory.join(format!("{}.seed", account.handle));
        fs::write(&path, hex::encode(account.key.seed()) + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// How long the demo waits for one step to be committed.
const STEP_WAIT: Duration = Duration::from_secs(60);

/// Submits the demo activity step by step: a step's transactions depend on
/// the previous step's being committed (the mempool interleaves signers).
/// Steps already committed (a devnet run again) are skipped.
fn submit_steps(commands: &Sender<Command>, steps: &[Vec<SignedTransaction>]) {
    for (number, step) in steps.iter().enumerate() {
        if step
            .last()
            .is_some_and(|last| committed(commands, last.id()))
        {
            continue;
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let transactions = step.iter().map(encode).collect();
        if commands
            .send(Command::Submit {
                transactions,
                reply,
            })
            .is_err()
        {
            return;
        }
        if let Ok(results) = answer.blocking_recv() {
            for refused in results.iter().filter_map(|r| r.as_ref().err()) {
                tracing::warn!(step = number, %refused, "demo transaction refused");
            }
        }
        let Some(last) = step.last().map(SignedTransaction::id) else {
            continue;
        };
        let started = Instant::now();
        while !committed(commands, last) {
            if started.elapsed() > STEP_WAIT {
                tracing::warn!(
                    step = number,
                    "demo step not committed in time; stopping the demo"
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        tracing::info!(step = number, "demo step committed");
    }
}

fn committed(commands: &Sender<Command>, id: civitas_types::Hash) -> bool {
    let (reply, answer) = tokio::sync::oneshot::channel();
    commands.send(Command::Transaction { id, reply }).is_ok()
        && matches!(answer.blocking_recv(), Ok(Ok(Some(_))))
}

fn print_welcome(started: &Started, genesis: &GenesisDocument, root: &str) {
    let rpc = started.rpc;
    let call = |method: &str, params: &str| {
        format!(
            "curl -s -H 'content-type: application/json' -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{method}\",\"params\":{params}}}' http://{rpc}"
        )
    };
    println!(
        "Civitas devnet `{}` is running (one validator).",
        genesis.chain_id
    );
    println!("  JSON-RPC  http://{rpc}  (HTTP and WebSocket)");
    println!(
        "  metrics   http://{}/metrics   readiness http://{}/health",
        started.metrics, started.metrics
    );
    println!("  home      {root}   genesis {root}/genesis.json");
    println!();
    println!("Try:");
    println!("  {}", call("civitas_status", "[]"));
    println!("  {}", call("civitas_getHeader", "[1]"));
    println!(
        "  curl -s http://{}/metrics | grep civitas_height",
        started.metrics
    );
    println!();
    println!("Demo accounts (public demo keys: never use them for anything real):");
    for account in civitas_demo::accounts() {
        println!(
            "  {:<20} {:<34} {}",
            account.handle, account.name, account.address
        );
    }
    println!();
    let civitas = civitas_command();
    println!("Act as them with the civitas CLI (a demo keystore, passphrase \"demo\"):");
    println!("  export CIVITAS_HOME={root}/cli CIVITAS_PASSPHRASE=demo CIVITAS_NODE=http://{rpc}");
    println!(
        "  for seed in {root}/demo-keys/*.seed; do {civitas} keys import \"$(basename \"$seed\" .seed)\" --seed-file \"$seed\"; done"
    );
    println!("  {civitas} query programme 0 --verify");
    println!(
        "  {civitas} tx aid order --key aid-administrator --programme 0 --beneficiary {} --amount 20 --wait",
        civitas_demo::accounts()
            .iter()
            .find(|a| a.handle == "resident-2-aid")
            .map_or(String::new(), |a| a.address.to_string())
    );
    println!();
    println!(
        "Stop with Ctrl-C; run again to continue this chain, or delete {root} to start afresh."
    );
}

/// How to run the `civitas` CLI built beside this binary (relative to the
/// working directory when under it, as `target/debug/civitas` after
/// `scripts/devnet.sh`, whatever `CARGO_TARGET_DIR` is); `civitas` (from
/// the `PATH`) when there is none beside it.
fn civitas_command() -> String {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("civitas")))
        .filter(|path| path.is_file());
    let Some(path) = beside else {
        return "civitas".to_owned();
    };
    let shown = std::env::current_dir()
        .ok()
        .and_then(|here| {
            path.strip_prefix(here)
                .ok()
                .map(std::path::Path::to_path_buf)
        })
        .unwrap_or(path)
        .display()
        .to_string();
    // The lines are meant to be pasted into a shell.
    if shown.contains(|c: char| c.is_whitespace() || c == '\'') {
        format!("'{}'", shown.replace('\'', "'\\''"))
    } else {
        shown
    }
}
