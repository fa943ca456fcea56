//! `civitas genesis`: the examples of every help text, run in order, build
//! the example of docs/genesis.md to the byte and its hash; genesis/example.sh
//! rebuilds the committed example network exactly; the operator guide's
//! walkthrough runs; and bad input gets one clear line and its exit code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use civitas_types::{AccountId, SigningKey};
use sha2::{Digest, Sha256};

const BINARY: &str = env!("CARGO_BIN_EXE_civitas");
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The subcommands, in the order their help examples build a genesis.
const SUBCOMMANDS: [&str; 8] = [
    "new",
    "set",
    "add-collectivity",
    "add-validator",
    "add-namespace",
    "add-official",
    "validate",
    "hash",
];

fn repo(path: &str) -> PathBuf {
    Path::new(REPO).join(path)
}

fn civitas(directory: &Path, args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .current_dir(directory)
        .env_remove("CIVITAS_HOME")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Runs `line` with bash in `directory`, `civitas` on the PATH.
fn shell(directory: &Path, line: &str) -> Output {
    let bin = Path::new(BINARY).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    Command::new("bash")
        .arg("-c")
        .arg(line)
        .current_dir(directory)
        .env("PATH", path)
        .env_remove("CIVITAS_HOME")
        .output()
        .unwrap()
}

/// The example lines of a help text: those under `Example:`/`Examples:`.
fn help_examples(help: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.starts_with("Example") {
            inside = true;
        } else if line.trim().is_empty() {
            inside = false;
        } else if inside {
            lines.push(line.trim().to_owned());
        }
    }
    lines
}

/// The fenced block of `markdown` right after the marker `<!-- name -->`.
fn block_after(markdown: &str, marker: &str) -> String {
    let start = markdown
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker}"));
    let rest = &markdown[start..];
    let open = rest.find("```").unwrap();
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_owned()
}

#[test]
fn every_genesis_command_has_a_help_example_and_they_build_the_documented_example() {
    let directory = tempfile::tempdir().unwrap();
    // Every subcommand listed by `civitas genesis --help` is in SUBCOMMANDS.
    let listing = stdout(&civitas(directory.path(), &["genesis", "--help"]));
    let listed: Vec<&str> = listing
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert_eq!(listed, SUBCOMMANDS.to_vec(), "{listing}");

    let mut outputs = Vec::new();
    for subcommand in SUBCOMMANDS {
        let help = stdout(&civitas(
            directory.path(),
            &["genesis", subcommand, "--help"],
        ));
        let examples = help_examples(&help);
        assert!(!examples.is_empty(), "no example in {subcommand} --help");
        for example in examples {
            assert!(example.starts_with("civitas genesis "), "{example}");
            let output = shell(directory.path(), &example);
            assert!(output.status.success(), "{example}: {output:?}");
            outputs.push(stdout(&output));
        }
    }
    // The result is docs/genesis.md's example, text and hash.
    let doc = std::fs::read_to_string(repo("docs/genesis.md")).unwrap();
    let written = std::fs::read_to_string(directory.path().join("genesis.json")).unwrap();
    assert_eq!(written, block_after(&doc, "<!-- example: genesis.json -->"));
    let hash = block_after(&doc, "<!-- example: genesis hash -->");
    assert_eq!(outputs.last().unwrap().trim(), hash.trim());
}

/// The addresses of genesis/README.md: SHA-256("civitas-example/LABEL") seeds.
fn example_account(label: &str) -> String {
    let digest = Sha256::digest(format!("civitas-example/{label}").as_bytes());
    let seed: [u8; 32] = digest.as_slice().try_into().unwrap();
    AccountId::from_public_key(&SigningKey::from_seed(&seed).public_key()).to_string()
}

#[test]
fn the_example_network_is_rebuilt_exactly_by_its_script_and_is_valid() {
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("example.json");
    let built = Command::new("bash")
        .arg(repo("genesis/example.sh"))
        .arg(repo("genesis/example-keys.txt"))
        .arg(&out)
        .env("CIVITAS_BIN", BINARY)
        .env_remove("GENESIS_TIME")
        .env_remove("CHAIN_ID")
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    assert!(stdout(&built).contains("is a valid genesis"));
    let rebuilt = std::fs::read_to_string(&out).unwrap();
    let committed = std::fs::read_to_string(repo("genesis/example.json")).unwrap();
    assert_eq!(
        rebuilt, committed,
        "genesis/example.json is not what example.sh builds"
    );

    // Valid, and its hash is the one genesis/README.md publishes.
    let document = civitas_genesis::from_json(&committed).unwrap();
    let checked = document.check().unwrap();
    let readme = std::fs::read_to_string(repo("genesis/README.md")).unwrap();
    let hash = block_after(&readme, "<!-- example hash -->");
    assert_eq!(checked.hash.to_hex(), hash.trim());
    let hashed = civitas(&repo("genesis"), &["genesis", "hash", "example.json"]);
    assert_eq!(stdout(&hashed).trim(), hash.trim());
    assert_eq!(checked.validators.len(), 4);
    assert_eq!(document.collectivities.len(), 4);

    // Every account README documents is the one its seed gives, and is in the file.
    for label in [
        "city council",
        "metropole council",
        "syndicate council",
        "ccas council",
        "city registrar",
        "metropole registrar",
        "syndicate energy operator",
        "ccas identity registrar",
        "ccas aid administrator",
        "ccas aid accountant",
        "grocery merchant",
    ] {
        let account = example_account(label);
        assert!(
            readme.contains(&format!("`{label}`")),
            "README lacks {label}"
        );
        assert!(
            readme.contains(&account),
            "README lacks {label}'s {account}"
        );
        assert!(committed.contains(&account), "example.json lacks {label}");
    }
}

#[test]
fn the_operator_guide_walkthrough_runs() {
    let guide = std::fs::read_to_string(repo("docs/operator-guide.md")).unwrap();
    let section = &guide[guide.find("## Writing a genesis").expect("the section")..];
    let mut ran = 0;
    let mut rest = section;
    // The blocks run in order, in one directory, as a reader would.
    let directory = tempfile::tempdir().unwrap();
    while let Some(at) = rest.find("<!-- test: run -->") {
        let block = block_after(rest, "<!-- test: run -->");
        let script = format!("set -euo pipefail\n{block}");
        let output = shell(directory.path(), &script);
        assert!(output.status.success(), "{block}\n{output:?}");
        if block.contains("|| echo \"exit code $?\"") {
            assert!(stdout(&output).contains("exit code 5"), "{output:?}");
            assert!(
                stderr(&output).contains("breaks a genesis rule"),
                "{output:?}"
            );
        }
        ran += 1;
        rest = &rest[at + 1..];
    }
    assert!(ran >= 1, "no walkthrough marked <!-- test: run -->");
}

/// A valid one-collectivity genesis in `directory`, built by the help examples.
fn valid_genesis(directory: &Path) -> PathBuf {
    for subcommand in &SUBCOMMANDS[..6] {
        let help = stdout(&civitas(directory, &["genesis", subcommand, "--help"]));
        for example in help_examples(&help) {
            assert!(shell(directory, &example).status.success());
        }
    }
    directory.join("genesis.json")
}

/// Fails with `code` and exactly one line on stderr; returns it.
fn fails(output: &Output, code: i32) -> String {
    assert_eq!(output.status.code(), Some(code), "{output:?}");
    let line = stderr(output);
    assert_eq!(line.trim_end().lines().count(), 1, "{line}");
    assert!(line.starts_with("error: "), "{line}");
    line
}

#[test]
fn validate_names_the_broken_rule_in_one_line_with_code_5() {
    let directory = tempfile::tempdir().unwrap();
    let file = valid_genesis(directory.path());
    let text = std::fs::read_to_string(&file).unwrap();
    let cases = [
        // Two collectivities would be fine; the same SIREN twice is not.
        (
            text.replacen("\"initial_height\": 1", "\"initial_height\": 0", 1),
            "initial_height is 0",
        ),
        (
            text.replacen("\"propose_ms\": 3000", "\"propose_ms\": 0", 1),
            "consensus.timeouts",
        ),
        (
            text.replacen("\"validators_min\": 1", "\"validators_min\": 2", 1),
            "validator",
        ),
        (
            text.replacen("\"voting_power\": 1", "\"voting_power\": 0", 1),
            "zero council power",
        ),
    ];
    for (broken, rule) in cases {
        assert_ne!(broken, text);
        std::fs::write(&file, &broken).unwrap();
        let output = civitas(directory.path(), &["genesis", "validate", "genesis.json"]);
        let line = fails(&output, 5);
        assert!(
            line.contains("breaks a genesis rule") && line.contains(rule),
            "{line}"
        );
    }
}

#[test]
fn unreadable_and_malformed_files_get_one_clear_line() {
    let directory = tempfile::tempdir().unwrap();
    let dir = directory.path();
    // A missing file: exit 1 for every command.
    for args in [
        vec!["genesis", "validate", "missing.json"],
        vec!["genesis", "hash", "missing.json"],
        vec![
            "genesis",
            "add-validator",
            "missing.json",
            "--collectivity",
            "200046977",
            "--consensus-key",
            "00",
            "--network-key",
            "00",
        ],
    ] {
        let line = fails(&civitas(dir, &args), 1);
        assert!(line.contains("cannot read missing.json"), "{line}");
    }
    // Malformed JSON: validate says where, exit 5; an edit refuses it, exit 1.
    std::fs::write(dir.join("bad.json"), "{ \"protocol_version\": 1,, }").unwrap();
    let line = fails(&civitas(dir, &["genesis", "validate", "bad.json"]), 5);
    assert!(
        line.contains("bad.json") && line.contains("line 1"),
        "{line}"
    );
    let line = fails(
        &civitas(
            dir,
            &["genesis", "set", "bad.json", "--initial-height", "2"],
        ),
        1,
    );
    assert!(line.contains("bad.json"), "{line}");
    // A misspelt field is refused by name.
    let file = valid_genesis(dir);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("\"chain_id\"", "\"chain_name\"", 1)).unwrap();
    let line = fails(&civitas(dir, &["genesis", "validate", "genesis.json"]), 5);
    assert!(line.contains("chain_name"), "{line}");
}

#[test]
fn edits_check_their_own_values_and_leave_the_file_unchanged_on_refusal() {
    let directory = tempfile::tempdir().unwrap();
    let dir = directory.path();
    let file = valid_genesis(dir);
    let before = std::fs::read_to_string(&file).unwrap();
    let account = "civ1gwnjuu2yq9mzmantdrpxm77ly6p24myly36wefrp8epy5ra6l57qa0w4az";
    let key = "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";
    let cases: [(Vec<&str>, i32, &str); 9] = [
        (
            vec![
                "add-collectivity",
                "genesis.json",
                "--siren",
                "12345",
                "--name",
                "X",
                "--council-account",
                account,
            ],
            2,
            "--siren",
        ),
        (
            vec![
                "add-collectivity",
                "genesis.json",
                "--siren",
                "200046978",
                "--name",
                "X",
                "--council-account",
                account,
            ],
            2,
            "Luhn",
        ),
        (
            vec![
                "add-collectivity",
                "genesis.json",
                "--siren",
                "200046977",
                "--name",
                "X",
                "--council-account",
                account,
            ],
            1,
            "already lists collectivity 200046977",
        ),
        (
            vec![
                "add-collectivity",
                "genesis.json",
                "--siren",
                "216901231",
                "--name",
                "X",
                "--council-account",
                "civ1nope",
            ],
            2,
            "--council-account",
        ),
        (
            vec![
                "add-validator",
                "genesis.json",
                "--collectivity",
                "216901231",
                "--consensus-key",
                key,
                "--network-key",
                key,
            ],
            1,
            "no such collectivity",
        ),
        (
            vec![
                "add-validator",
                "genesis.json",
                "--collectivity",
                "200046977",
                "--consensus-key",
                "XYZ",
                "--network-key",
                key,
            ],
            2,
            "--consensus-key",
        ),
        (
            vec![
                "add-official",
                "genesis.json",
                "--account",
                account,
                "--role",
                "mayor",
                "--collectivity",
                "200046977",
            ],
            2,
            "--role",
        ),
        (
            vec![
                "add-official",
                "genesis.json",
                "--account",
                account,
                "--role",
                "registrar",
                "--namespace",
                "permits/other",
            ],
            1,
            "no such namespace",
        ),
        (
            vec![
                "add-namespace",
                "genesis.json",
                "--name",
                "roads",
                "--collectivity",
                "200046977",
                "--field",
                "width:metres",
            ],
            2,
            "--field",
        ),
    ];
    for (args, code, message) in cases {
        let mut all = vec!["genesis"];
        all.extend(args.iter().copied());
        let line = fails(&civitas(dir, &all), code);
        assert!(line.contains(message), "{args:?}: {line}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            before,
            "{args:?} changed the file"
        );
    }
    // new refuses to replace a file.
    let line = fails(
        &civitas(
            dir,
            &[
                "genesis",
                "new",
                "genesis.json",
                "--chain-id",
                "x",
                "--genesis-time",
                "2027-01-01",
            ],
        ),
        1,
    );
    assert!(line.contains("--force"), "{line}");
    let line = fails(
        &civitas(
            dir,
            &[
                "genesis",
                "new",
                "other.json",
                "--chain-id",
                "x",
                "--genesis-time",
                "soon",
            ],
        ),
        2,
    );
    assert!(line.contains("--genesis-time"), "{line}");
}

#[test]
fn json_output_for_scripts() {
    let directory = tempfile::tempdir().unwrap();
    let dir = directory.path();
    valid_genesis(dir);
    let output = civitas(dir, &["--json", "genesis", "validate", "genesis.json"]);
    assert!(output.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["valid"], true);
    assert_eq!(summary["chain_id"], "civitas-example-1");
    assert_eq!(summary["total_power"], 1);
    assert_eq!(summary["collectivities"][0]["siren"], "200046977");
    let hash = civitas(dir, &["genesis", "hash", "genesis.json", "--json"]);
    let hash: serde_json::Value = serde_json::from_slice(&hash.stdout).unwrap();
    assert_eq!(hash["hash"], summary["hash"]);
    let output = civitas(
        dir,
        &[
            "--json",
            "genesis",
            "set",
            "genesis.json",
            "--initial-height",
            "7",
        ],
    );
    let changed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(changed["changed"]["initial_height"], 7);
}
