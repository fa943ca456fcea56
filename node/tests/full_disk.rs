//! A full disk stops the node cleanly, with a message saying to free space,
//! and loses nothing committed; once space is freed it starts again and goes
//! on. The data directory is a 48 MiB tmpfs the test mounts (root only: where
//! mounting is not allowed the test says so and checks nothing).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{COMMIT_TIMEOUT, DemoHome, Node, fresh_multisig};

/// A mounted tmpfs, unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size: &str) -> Option<Mount> {
        fs::create_dir_all(at).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .ok()?;
        mounted.status.success().then(|| Mount(at.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the filesystem of `dir` with one file until the device is full.
fn fill(file: &Path) {
    let mut out = fs::File::create(file).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while out.write_all(&chunk).is_ok() {}
    let _ = out.sync_all();
}

#[test]
fn a_full_disk_stops_the_node_cleanly_and_it_resumes_once_space_is_freed() {
    let home = DemoHome::new();
    let Some(_mount) = Mount::tmpfs(&home.home.join("data"), "48m") else {
        println!("skipped: this machine does not let the test mount a tmpfs (needs root)");
        return;
    };
    let node = home.start();
    let reached = node.wait_for_height(3, COMMIT_TIMEOUT);
    let mut seen = Vec::new();
    for height in 1..=reached {
        seen.push((height, node.block(height).hash));
    }

    fill(&home.home.join("data").join("filler"));
    // Keep the node writing: transactions and blocks, until it stops.
    for number in 0.. {
        if node.rpc.status().is_err() {
            break;
        }
        let _ = node.rpc.submit(&fresh_multisig(&home.genesis, number));
        std::thread::sleep(Duration::from_millis(20));
        assert!(number < 3_000, "the node never stopped on a full disk");
    }
    let (status, log) = node.wait_exit_with_log(COMMIT_TIMEOUT);
    assert!(
        !status.success(),
        "a full disk must stop the node with a failure status"
    );
    println!(
        "the node stopped with: {}",
        log.last().map_or("", String::as_str)
    );
    let text = log.join("\n").to_lowercase();
    assert!(
        text.contains("full") || text.contains("no space left"),
        "the node's last words do not say the disk is full:\n{}",
        log.iter()
            .rev()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );

    fs::remove_file(home.home.join("data").join("filler")).unwrap();
    let node = Node::start(&home.home, &home.genesis_path);
    let (last, _) = *seen.last().unwrap();
    node.wait_for_height(last + 2, COMMIT_TIMEOUT);
    for (height, hash) in seen {
        assert_eq!(node.block(height).hash, hash, "block {height} changed");
    }
}
