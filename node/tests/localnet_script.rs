//! `scripts/localnet.sh`, run as the operator guide shows it: `4` starts four
//! validators that commit together, `observer` starts the observer they
//! admit (it follows the same chain and signs nothing), `stop` stops all
//! five.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::Rpc;
use common::localnet::{PROGRESS_TIMEOUT, localnet_base};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/localnet.sh");

/// Runs the script with `argument`, its directory `root` and port base `base`.
fn localnet(root: &Path, base: u16, argument: &str) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(SCRIPT)
        .arg(argument)
        .env("CIVITAS_LOCALNET", root)
        .env("CIVITAS_LOCALNET_PORT", base.to_string())
        .env("CIVITAS_NODE_BIN", env!("CARGO_BIN_EXE_civitas-node"));
    for (name, _) in std::env::vars() {
        if name.starts_with("CIVITAS_") && !name.starts_with("CIVITAS_LOCALNET") {
            command.env_remove(name);
        }
    }
    let output = common::run_to_exit(command, Duration::from_secs(60));
    assert!(
        output.status.success(),
        "localnet.sh {argument}: {output:?}"
    );
    output
}

/// The JSON-RPC address the script printed for `name`.
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
    base: u16,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(SCRIPT)
            .arg("stop")
            .env("CIVITAS_LOCALNET", self.root)
            .env("CIVITAS_LOCALNET_PORT", self.base.to_string())
            .output();
    }
}

#[test]
fn the_localnet_script_starts_four_validators_and_an_observer_and_stops_them() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("localnet");
    // Validators use base + 10i (+1, +4), the observer base + 300 (+1, +4).
    let base = localnet_base(0);
    let _running = Running { root: &root, base };
    let started = localnet(&root, base, "4");
    let stdout = String::from_utf8(started.stdout).unwrap();
    let validators: Vec<Rpc> = (0..4)
        .map(|i| Rpc::new(rpc_of(&stdout, &format!("v{i}"))))
        .collect();
    let observed = localnet(&root, base, "observer");
    let observer = Rpc::new(rpc_of(
        &String::from_utf8(observed.stdout).unwrap(),
        "observer",
    ));

    // The homes accept the test credential (whole blocks are credentialed).
    for home in ["v0", "v1", "v2", "v3", "obs"] {
        common::grant_test_credential(&root.join(home));
    }
    let waiting = Instant::now();
    let height = loop {
        match observer.status() {
            Ok(status) if status.height >= 5 => break status.height,
            _ => {
                assert!(
                    waiting.elapsed() < PROGRESS_TIMEOUT,
                    "the observer is not at height 5"
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    for rpc in &validators {
        let status = rpc.status().unwrap();
        assert!(status.height >= height && status.validator_address.is_some());
        assert_eq!(
            rpc.block(height).unwrap().unwrap().hash,
            observer.block(height).unwrap().unwrap().hash
        );
    }
    assert_eq!(observer.status().unwrap().validator_address, None);

    let stopped = localnet(&root, base, "stop");
    let stdout = String::from_utf8(stopped.stdout).unwrap();
    assert_eq!(stdout.matches("stopped ").count(), 5, "{stdout}");
    assert!(observer.status().is_err(), "the observer still answers");
}
