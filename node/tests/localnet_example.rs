//! `scripts/localnet.sh example`: four validators started on the example
//! network's genesis (genesis/example.sh, built with `civitas genesis` and
//! the homes' own keys) commit blocks together, on the example's chain, and
//! `stop` stops them. Needs the `civitas` binary beside `civitas-node` (a
//! workspace build makes both).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_rpc_api::to_hex;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::Rpc;
use common::localnet::{PROGRESS_TIMEOUT, localnet_base};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/localnet.sh");

/// The `civitas` binary, built beside `civitas-node`.
fn civitas_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_civitas-node")).with_file_name("civitas");
    assert!(
        path.exists(),
        "{} is missing: build the workspace's binaries (cargo build --workspace --bins)",
        path.display()
    );
    path
}

fn localnet(root: &Path, base: u16, argument: &str) -> Output {
    let mut command = Command::new("bash");
    command.arg(SCRIPT).arg(argument);
    for (name, _) in std::env::vars() {
        if name.starts_with("CIVITAS_") {
            command.env_remove(name);
        }
    }
    command
        .env("CIVITAS_LOCALNET", root)
        .env("CIVITAS_LOCALNET_PORT", base.to_string())
        .env("CIVITAS_NODE_BIN", env!("CARGO_BIN_EXE_civitas-node"))
        .env("CIVITAS_BIN", civitas_binary());
    let output = common::run_to_exit(command, Duration::from_secs(60));
    assert!(
        output.status.success(),
        "localnet.sh {argument}: {output:?}"
    );
    output
}

fn rpc_of(stdout: &str, name: &str) -> SocketAddr {
    let line = stdout
        .lines()
        .find(|line| line.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no line for {name} in:\n{stdout}"));
    let url = line.split_whitespace().nth(2).unwrap();
    url.trim_start_matches("http://").parse().unwrap()
}

/// Stops the network when the test ends, whichever way it ends.
struct Running<'a> {
    root: &'a Path,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(SCRIPT)
            .arg("stop")
            .env("CIVITAS_LOCALNET", self.root)
            .output();
    }
}

#[test]
fn the_localnet_script_runs_the_example_network() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("localnet");
    let base = localnet_base(1);
    let _running = Running { root: &root };
    let started = localnet(&root, base, "example");
    let stdout = String::from_utf8(started.stdout).unwrap();
    assert!(stdout.contains("(example genesis)"), "{stdout}");

    // The genesis is the example's, with these homes' keys.
    let genesis = std::fs::read_to_string(root.join("genesis.json")).unwrap();
    let document = civitas_genesis::from_json(&genesis).unwrap();
    let checked = document.check().unwrap();
    assert_eq!(document.collectivities.len(), 4);
    assert_eq!(document.chain_id.to_string(), "civitas-example-localnet");
    for home in ["v0", "v1", "v2", "v3"] {
        let key = common::read_key(&root.join(home).join("consensus_key")).public_key();
        assert!(checked.validators.index_of(&key).is_some(), "{home}");
    }

    let validators: Vec<Rpc> = (0..4)
        .map(|i| Rpc::new(rpc_of(&stdout, &format!("v{i}"))))
        .collect();
    let waiting = Instant::now();
    let height = loop {
        match validators[0].status() {
            Ok(status) if status.height >= 3 => break status.height,
            _ => {
                assert!(
                    waiting.elapsed() < PROGRESS_TIMEOUT,
                    "v0 is not at height 3"
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    for rpc in &validators {
        let status = rpc.status().unwrap();
        assert_eq!(status.chain_id, "civitas-example-localnet");
        assert_eq!(status.genesis_hash, to_hex(checked.hash));
        assert!(status.validator_address.is_some());
        assert!(status.height + 1 >= height, "a validator is behind");
    }

    let stopped = localnet(&root, base, "stop");
    let stdout = String::from_utf8(stopped.stdout).unwrap();
    assert_eq!(stdout.matches("stopped ").count(), 4, "{stdout}");
}
