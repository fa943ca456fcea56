//! The careless operator's mistakes, each refused at start with a message
//! that names the problem: a key file readable by others, a genesis file
//! that is not one, the data directory of another chain or genesis, an
//! unknown configuration key, and `init` over existing keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use civitas_types::ChainId;
use common::{DemoHome, command, init, run_to_exit};

/// `civitas-node start` on `home` and `genesis`, run to its end (a refusal
/// must come within a minute; a node that starts instead is killed).
fn start_to_exit(home: &Path, genesis: &Path) -> Output {
    let mut start = command();
    start
        .arg("start")
        .arg("--home")
        .arg(home)
        .arg("--genesis")
        .arg(genesis)
        .env("CIVITAS_RPC_LISTEN", "127.0.0.1:0")
        .env("CIVITAS_METRICS_LISTEN", "127.0.0.1:0")
        .env("CIVITAS_P2P_LISTEN", "/ip4/127.0.0.1/tcp/0");
    run_to_exit(start, Duration::from_secs(60))
}

/// Checks that `output` is a failure whose stderr contains each of `expected`.
fn assert_refused(output: &Output, expected: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "expected a refusal, got {}; stderr:\n{stderr}",
        output.status
    );
    for text in expected {
        assert!(stderr.contains(text), "no {text:?} in stderr:\n{stderr}");
    }
    stderr
}

#[test]
fn a_consensus_key_readable_by_others_is_refused() {
    let home = DemoHome::new();
    let key = home.home.join("consensus_key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = start_to_exit(&home.home, &home.genesis_path);
    assert_refused(
        &output,
        &[
            "readable by others",
            &key.display().to_string(),
            "chmod 600",
        ],
    );
    // Nothing was created from it.
    assert!(!home.home.join("data").join("ledger").exists());
}

#[test]
fn a_genesis_file_that_is_not_a_genesis_is_refused_by_name() {
    let home = DemoHome::new();
    let truncated: String = civitas_genesis::to_json(&home.genesis)
        .chars()
        .take(100)
        .collect();
    for (name, text) in [
        ("not-json.json", "this is not JSON"),
        ("empty-object.json", "{}"),
        ("truncated.json", truncated.as_str()),
    ] {
        let path = home.path(name);
        std::fs::write(&path, text).unwrap();
        let output = start_to_exit(&home.home, &path);
        assert_refused(&output, &[&path.display().to_string(), "not valid"]);
    }
    let missing = home.path("missing.json");
    let output = start_to_exit(&home.home, &missing);
    assert_refused(&output, &[&missing.display().to_string()]);
}

#[test]
fn the_data_directory_of_another_genesis_or_chain_is_refused() {
    let home = DemoHome::new();
    let node = home.start();
    node.wait_for_height(1, common::COMMIT_TIMEOUT);
    assert!(node.terminate(Duration::from_secs(30)).success());
    let ledger = home.home.join("data").join("ledger");
    let ledger_name = ledger.display().to_string();

    // Same chain id, another genesis time: another genesis document.
    let mut other_time = home.genesis.clone();
    other_time.genesis_time_ms += 1;
    let path = home.path("other-time.json");
    std::fs::write(&path, civitas_genesis::to_json(&other_time)).unwrap();
    let output = start_to_exit(&home.home, &path);
    assert_refused(&output, &[&ledger_name, "was created from genesis"]);

    // Another chain id.
    let mut other_chain = home.genesis.clone();
    other_chain.chain_id = ChainId::new("civitas-elsewhere").unwrap();
    let path = home.path("other-chain.json");
    std::fs::write(&path, civitas_genesis::to_json(&other_chain)).unwrap();
    let output = start_to_exit(&home.home, &path);
    assert_refused(
        &output,
        &[
            &ledger_name,
            "belongs to chain `civitas-devnet`, not `civitas-elsewhere`",
        ],
    );

    // The right genesis still starts.
    let node = home.start();
    assert!(node.rpc.status().unwrap().height >= 1);
}

#[test]
fn an_unknown_configuration_key_is_refused_by_name() {
    let home = DemoHome::new();
    std::fs::write(
        home.home.join("config.toml"),
        "[rpc]\nlisten_address = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let output = start_to_exit(&home.home, &home.genesis_path);
    assert_refused(&output, &["unknown key `listen_address` in [rpc]"]);

    std::fs::write(home.home.join("config.toml"), "[p2p]\nport = 1\n").unwrap();
    let output = start_to_exit(&home.home, &home.genesis_path);
    assert_refused(&output, &["unknown key `port` in [p2p]"]);

    std::fs::write(home.home.join("config.toml"), "[gossip]\nport = 1\n").unwrap();
    let output = start_to_exit(&home.home, &home.genesis_path);
    assert_refused(&output, &["unknown section [gossip]"]);
}

#[test]
fn init_twice_refuses_to_replace_the_keys() {
    let directory = tempfile::tempdir().unwrap();
    let home = directory.path().join("home");
    assert!(init(&home).status.success());
    let keys = |name: &str| std::fs::read(home.join(name)).unwrap();
    let (consensus, network) = (keys("consensus_key"), keys("network_key"));
    for name in ["consensus_key", "network_key"] {
        let mode = std::fs::metadata(home.join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }

    let output = init(&home);
    assert_refused(&output, &["already holds keys", "refusing to replace"]);
    assert_eq!(keys("consensus_key"), consensus);
    assert_eq!(keys("network_key"), network);

    // One key left is enough to refuse: the other is not recreated either.
    std::fs::remove_file(home.join("network_key")).unwrap();
    let output = init(&home);
    assert_refused(&output, &["refusing to replace"]);
    assert_eq!(keys("consensus_key"), consensus);
    assert!(!home.join("network_key").exists());
}
