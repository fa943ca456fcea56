//! The README's quick start, run: `civitas-node devnet` prints what the README
//! shows (addresses and home aside), the requests it tells newcomers to try
//! answer, and the status it shows has the fields the node returns.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::time::{Duration, Instant};

use common::{COMMIT_TIMEOUT, Spawned, http_get, post_json};

const README: &str = include_str!("../../README.md");

/// The fenced block of `language` that follows `marker` in the README.
fn block_after(marker: &str, language: &str) -> String {
    let start = README.find(marker).expect("marker in README");
    let fence = format!("```{language}\n");
    let open = start + README[start..].find(&fence).expect("block after marker") + fence.len();
    let close = open + README[open..].find("```").expect("closed block");
    README[open..close].to_string()
}

#[test]
fn the_quick_start_prints_what_the_readme_shows_and_its_requests_answer() {
    let home = tempfile::tempdir().unwrap();
    let devnet = home.path().join("devnet");
    let node = Spawned::devnet(&devnet).wait_ready();
    let started = Instant::now();
    while !node.stdout().contains("Stop with Ctrl-C") {
        assert!(started.elapsed() < COMMIT_TIMEOUT, "{}", node.stdout());
        std::thread::sleep(Duration::from_millis(50));
    }
    // The README shows the default addresses and a home named `devnet`.
    let printed = node
        .stdout()
        .replace(&node.rpc_address.to_string(), "127.0.0.1:26657")
        .replace(&node.metrics_address.to_string(), "127.0.0.1:26660")
        .replace(&devnet.display().to_string(), "devnet")
        .replace(
            &common::cli::binary().display().to_string(),
            "target/debug/civitas",
        );
    let shown = block_after("It prints:", "text");
    let mut rest = printed.as_str();
    for line in shown.lines().filter(|line| line.trim() != "...") {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("README line {line:?} not printed (in order):\n{printed}"));
        rest = &rest[at + line.len()..];
    }

    // Each request of "Try:", as curl would send it.
    for line in shown.lines().filter(|l| l.trim_start().starts_with("curl")) {
        if let Some((_, rest)) = line.split_once("-d '") {
            let body = rest.split_once('\'').unwrap().0;
            let answer: serde_json::Value =
                serde_json::from_str(&post_json(node.rpc_address, body)).unwrap();
            assert!(answer.get("result").is_some(), "{body} answered {answer}");
        } else {
            let (status, metrics) = http_get(node.metrics_address, "/metrics");
            assert_eq!(status, 200);
            assert!(metrics.contains("civitas_height"), "{metrics}");
        }
    }

    // The CLI lines, as a shell would run them (the import loop unrolled).
    run_cli_lines(&shown, &devnet, node.rpc_address);

    // The status the README shows has exactly the fields the node returns.
    let shown: serde_json::Value =
        serde_json::from_str(block_after("and `civitas_status` answers", "json").trim()).unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"civitas_status","params":[]}"#;
    let actual: serde_json::Value =
        serde_json::from_str(&post_json(node.rpc_address, body)).unwrap();
    let keys = |value: &serde_json::Value| {
        let mut keys: Vec<String> = value["result"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&shown), keys(&actual));
    assert_eq!(actual["result"]["chainId"], shown["result"]["chainId"]);
}

/// Runs the README's `civitas` lines against the devnet: the `export` line
/// sets the environment, the `for seed in …` loop imports each seed file,
/// and every other `target/debug/civitas …` line must succeed.
fn run_cli_lines(shown: &str, devnet: &std::path::Path, rpc: std::net::SocketAddr) {
    let export = shown
        .lines()
        .find_map(|line| line.trim().strip_prefix("export "))
        .expect("an export line");
    let mut environment: Vec<(String, String)> = export
        .split_whitespace()
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            let value = value
                .replace("devnet/", &format!("{}/", devnet.display()))
                .replace("127.0.0.1:26657", &rpc.to_string());
            (name.to_owned(), value)
        })
        .collect();
    environment.push(("PATH".into(), std::env::var("PATH").unwrap_or_default()));
    let civitas = |args: &[&str]| {
        let output = std::process::Command::new(common::cli::binary())
            .args(args)
            .env_clear()
            .envs(environment.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "civitas {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let lines: Vec<&str> = shown.lines().map(str::trim).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("for seed in devnet/demo-keys/*.seed"))
    );
    let mut seeds: Vec<_> = std::fs::read_dir(devnet.join("demo-keys"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    seeds.sort();
    assert_eq!(seeds.len(), civitas_demo::accounts().len());
    for seed in &seeds {
        let name = seed.file_stem().unwrap().to_str().unwrap();
        civitas(&[
            "keys",
            "import",
            name,
            "--seed-file",
            seed.to_str().unwrap(),
        ]);
    }
    let commands: Vec<&str> = lines
        .iter()
        .filter_map(|line| line.strip_prefix("target/debug/civitas "))
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().collect();
        civitas(&args);
    }
}
