//! The citizen's, the official's and the auditor's guides run as written: every fenced
//! block marked `<!-- test: run -->` in docs/citizen-guide.md and
//! docs/official-guide.md is run in order, by bash with `set -euo
//! pipefail`, in one working directory per guide, against a node with the
//! demo activity committed — with the environment `scripts/devnet.sh`
//! prints (`CIVITAS_HOME`, `CIVITAS_NODE`, `CIVITAS_PASSPHRASE=demo`), the
//! demo seeds in `DEMO_KEYS` and `civitas` on `PATH`. A block that shows a
//! refusal ends in `|| echo "exit code $?"`; the prose after it names the
//! code (`` `exit code N` ``), which must be the one printed; what the
//! paragraph after a block says it prints (`` prints `TEXT` ``, `…` for
//! any text) must be in its output. The
//! auditor's guide (docs/auditor-guide.md) runs the same way, from a
//! directory laid out as it says: `devnet/` and `auditor.credential`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::DemoHome;

const MARKER: &str = "<!-- test: run -->";
const REFUSAL: &str = "|| echo \"exit code $?\"";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// One runnable block: its script, and the exit code the prose after it
/// names (for a block that shows a refusal).
struct Block {
    script: String,
    expected_code: Option<String>,
    /// What the prose says it prints (`` prints `…` ``).
    claims: Vec<String>,
}

/// The blocks of `markdown` marked [`MARKER`], in order.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find(MARKER) {
        rest = &rest[at + MARKER.len()..];
        let open = rest
            .find("```sh\n")
            .expect("a ```sh block after the marker");
        assert!(
            rest[..open].trim().is_empty(),
            "text between a marker and its block: {:?}",
            &rest[..open]
        );
        let body = &rest[open + "```sh\n".len()..];
        let close = body.find("\n```").expect("the block's closing fence");
        let script = body[..close + 1].to_owned();
        let after = &body[close + 4..];
        // The prose, its lines joined (a code span may be wrapped).
        let prose = after[..after.find(MARKER).unwrap_or(after.len())]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let expected_code = prose.find("`exit code ").map(|at| {
            prose[at + "`exit code ".len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        });
        found.push(Block {
            script,
            expected_code,
            // Only the paragraph right after the block speaks of its output.
            claims: printed_claims(&first_paragraph(after)),
        });
        rest = body;
    }
    found
}

/// The first paragraph of `text` (after leading blank lines), its lines
/// joined.
fn first_paragraph(text: &str) -> String {
    let text = text.trim_start();
    let end = text.find("\n\n").unwrap_or(text.len());
    text[..end].split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The code spans `prose` says a block prints: each `` prints `TEXT` ``.
fn printed_claims(prose: &str) -> Vec<String> {
    let mut claims = Vec::new();
    let mut rest = prose;
    while let Some(at) = rest.find("prints `") {
        rest = &rest[at + "prints `".len()..];
        let Some(end) = rest.find('`') else { break };
        claims.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    claims
}

/// Whether `output` (whitespace runs made one space, as in the prose) shows
/// `claim`, each `…` in it standing for any text.
fn shows(output: &str, claim: &str) -> bool {
    let output = output.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut rest = output.as_str();
    for part in claim
        .split('…')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Runs docs/`guide`'s blocks against a fresh demo node; at least
/// `at_least` of them.
fn run_guide(guide: &str, at_least: usize) {
    run_guide_prepared(guide, at_least, |_, _| {});
}

/// [`run_guide`], with `prepare` laying out the working directory (given
/// with the demo home) before the first block.
fn run_guide_prepared(guide: &str, at_least: usize, prepare: impl Fn(&Path, &DemoHome)) {
    let started = Instant::now();
    let markdown = std::fs::read_to_string(repo(&format!("docs/{guide}"))).unwrap();
    let blocks = blocks(&markdown);
    assert!(
        blocks.len() >= at_least,
        "{guide}: {} blocks marked {MARKER}, expected at least {at_least}",
        blocks.len()
    );

    let home = DemoHome::new();
    let node = home.start_with_activity();
    // What `civitas-node devnet` writes: each demo account's seed.
    let demo_keys = home.path("demo-keys");
    std::fs::create_dir_all(&demo_keys).unwrap();
    for account in civitas_demo::accounts() {
        std::fs::write(
            demo_keys.join(format!("{}.seed", account.handle)),
            hex::encode(account.key.seed()) + "\n",
        )
        .unwrap();
    }
    let keystore = tempfile::tempdir().unwrap();
    let directory = tempfile::tempdir().unwrap();
    prepare(directory.path(), &home);
    let bin = common::cli::binary().parent().unwrap().to_owned();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    for (number, block) in blocks.iter().enumerate() {
        let at = Instant::now();
        let mut command = Command::new("bash");
        for (name, _) in std::env::vars() {
            if name.starts_with("CIVITAS_") {
                command.env_remove(name);
            }
        }
        let output = command
            .arg("-c")
            .arg(format!("set -euo pipefail\n{}", block.script))
            .current_dir(directory.path())
            .env("PATH", &path)
            .env("CIVITAS_HOME", keystore.path())
            .env("CIVITAS_NODE", format!("http://{}", node.rpc_address))
            .env("CIVITAS_PASSPHRASE", "demo")
            .env("DEMO_KEYS", &demo_keys)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let shown = format!(
            "{guide}, block {}:\n{}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            number + 1,
            block.script
        );
        assert!(
            output.status.success(),
            "failed ({:?}): {shown}",
            output.status
        );
        if block.script.contains(REFUSAL) {
            let code = block
                .expected_code
                .as_deref()
                .filter(|code| !code.is_empty())
                .unwrap_or_else(|| panic!("no `exit code N` in the prose after: {shown}"));
            assert!(
                stdout.contains(&format!("exit code {code}\n")),
                "expected exit code {code}: {shown}"
            );
        } else {
            assert!(
                !stdout.contains("exit code "),
                "a refusal in a block not written as one: {shown}"
            );
        }
        for claim in &block.claims {
            assert!(
                shows(&format!("{stdout}\n{stderr}"), claim),
                "the prose says it prints `{claim}`: {shown}"
            );
        }
        eprintln!("{guide}: block {} ran in {:.1?}", number + 1, at.elapsed());
    }
    eprintln!(
        "{guide}: {} blocks ran in {:.1?}",
        blocks.len(),
        started.elapsed()
    );
}

#[test]
fn the_citizen_guide_runs() {
    run_guide("citizen-guide.md", 20);
}

#[test]
fn the_official_guide_runs() {
    run_guide("official-guide.md", 25);
}

/// The auditor's guide runs from the directory that holds `devnet/` (its
/// genesis file, and its data directory: the test node's) and the
/// auditor's credential, as the guide says.
#[test]
fn the_auditor_guide_runs() {
    run_guide_prepared("auditor-guide.md", 10, |directory, home| {
        let devnet = directory.join("devnet");
        std::fs::create_dir_all(&devnet).unwrap();
        std::fs::copy(&home.genesis_path, devnet.join("genesis.json")).unwrap();
        std::os::unix::fs::symlink(home.home.join("data"), devnet.join("data")).unwrap();
        std::fs::write(
            directory.join("auditor.credential"),
            common::TEST_CREDENTIAL,
        )
        .unwrap();
    });
}

/// The prose's claims of output are found (a wrapped code span included),
/// and one is shown only by output holding its parts in order.
#[test]
fn what_the_prose_says_a_block_prints_is_found_and_matched() {
    let claims: usize = ["citizen-guide.md", "official-guide.md", "auditor-guide.md"]
        .iter()
        .map(|guide| std::fs::read_to_string(repo(&format!("docs/{guide}"))).unwrap())
        .map(|markdown| {
            blocks(&markdown)
                .iter()
                .map(|b| b.claims.len())
                .sum::<usize>()
        })
        .sum();
    assert!(claims >= 8, "{claims} claims of output found");
    let claim = "error: the node refused the transaction: … needs 2 member signatures, got 1 …";
    assert!(shows(
        "error: the node refused the transaction: invalid (the multisig account\n   needs 2 member signatures, got 1)",
        claim
    ));
    assert!(!shows(
        "error: the node refused the transaction: got 1",
        claim
    ));
    assert!(!shows(
        "got 1 … needs 2 member signatures",
        "needs 2 … got 1 … needs 2"
    ));
}
