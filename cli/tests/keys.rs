//! `civitas keys` end to end: the built binary run as a subprocess on a fresh
//! home, with the passphrase in CIVITAS_PASSPHRASE (or typed at its prompt on
//! a pseudo-terminal, tests/support/answer_prompts.py).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use civitas_keys::{CitizenKeys, Network, Rotation};
use civitas_types::{AccountId, ChainId, PublicKey};
use serde_json::Value;

/// The test-vector phrase of docs/privacy.md ("Test vectors").
const PHRASE: &str = "abandon amount liar amount expire adjust
cage candy arch gather drum bullet
absurd math era live bid rhythm
alien crouch range attend journey unaware
";
const CHAIN: &str = "civitas-grand-est-1";
/// docs/privacy.md: the network index of `civitas-grand-est-1`.
const NETWORK: u32 = 1_937_367_370;

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_civitas"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("CIVITAS_HOME", self.dir.path().join("home"))
            .env("CIVITAS_PASSPHRASE", "correct horse battery staple")
            .env_remove("CIVITAS_PASSPHRASE_FILE")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs and expects success; the stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs with --json and expects success; the parsed stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).unwrap()
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn key_file(home: &Home, name: &str) -> PathBuf {
    home.path("home").join("keys").join(format!("{name}.json"))
}

/// A key file asking for more argon2id memory than this version allows is
/// refused before any passphrase is asked for (none is available here:
/// asking would be its own error).
#[test]
fn a_key_file_beyond_the_limits_is_refused_before_the_passphrase() {
    let home = Home::new();
    home.ok(&["keys", "new", "alice"]);
    let path = key_file(&home, "alice");
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    file["kdf"]["m_cost_kib"] = serde_json::json!(8u64 * 1024 * 1024);
    std::fs::write(&path, file.to_string()).unwrap();
    let output = home
        .command(&["keys", "export", "alice"])
        .env_remove("CIVITAS_PASSPHRASE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stderr(&output).contains("above this version's limits"),
        "{}",
        stderr(&output)
    );
}

/// A reader that has gone away (`civitas keys list | head -c0`) ends the
/// output quietly with success, not a panic (exit 101): the pipe's read end
/// is closed before the command starts, so its first write fails.
#[test]
fn a_closed_output_pipe_ends_the_command_quietly() {
    let home = Home::new();
    home.ok(&["keys", "new", "alice"]);
    for args in [&["keys", "list"][..], &["keys", "list", "--json"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = home.command(args).stdout(writer).output().unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert_eq!(stderr(&output), "", "{args:?}");
    }
}

#[test]
fn a_plain_key_is_created_listed_shown_exported_and_imported() {
    let home = Home::new();
    let created = home.json(&["keys", "new", "alice"]);
    let address = created["address"].as_str().unwrap().to_owned();
    assert!(address.starts_with("civ1"));
    assert_eq!(created["kind"], "key");

    let listed = home.json(&["keys", "list"]);
    assert_eq!(listed[0]["name"], "alice");
    assert_eq!(listed[0]["address"], address.as_str());
    assert!(home.ok(&["keys", "list"]).contains(&address));

    assert_eq!(
        home.json(&["keys", "show", "alice"])["address"],
        address.as_str()
    );

    let exported = home.json(&["keys", "export", "alice"]);
    let seed = exported["seed"].as_str().unwrap();
    assert_eq!(seed.len(), 64);
    std::fs::write(home.path("alice.seed"), seed).unwrap();
    let imported = home.json(&["keys", "import", "alice2", "--seed-file", "alice.seed"]);
    assert_eq!(imported["address"], address.as_str());

    // Export to a file: 0600, and importable.
    home.ok(&["keys", "export", "alice", "--out", "again.seed"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.path("again.seed"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = home.json(&["keys", "import", "alice3", "--seed-file", "again.seed"]);
    assert_eq!(again["address"], address.as_str());
    // An existing name is never replaced.
    let output = home.run(&["keys", "import", "alice3", "--seed-file", "again.seed"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_known_seed_gives_its_known_address() {
    // RFC 8032, section 7.1, test 1: secret key and public key.
    let home = Home::new();
    std::fs::write(
        home.path("rfc8032.seed"),
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\n",
    )
    .unwrap();
    let imported = home.json(&["keys", "import", "rfc", "--seed-file", "rfc8032.seed"]);
    let mut public = [0u8; 32];
    hex::decode_to_slice(
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        &mut public,
    )
    .unwrap();
    let expected = AccountId::from_public_key(&PublicKey(public)).to_string();
    assert_eq!(imported["address"], expected.as_str());
    // A plain key ignores the derivation: the same address for any programme.
    let shown = home.json(&[
        "keys",
        "show",
        "rfc",
        "--programme",
        "7",
        "--chain-id",
        CHAIN,
    ]);
    assert_eq!(shown["address"], expected.as_str());
}

#[test]
fn a_citizen_derives_the_keys_of_the_privacy_test_vectors() {
    let home = Home::new();
    std::fs::write(home.path("camille.phrase"), PHRASE).unwrap();
    let imported = home.json(&[
        "keys",
        "import",
        "camille",
        "--phrase-file",
        "camille.phrase",
    ]);
    assert_eq!(imported["kind"], "citizen");
    assert_eq!(imported["address"], Value::Null);

    let keys = CitizenKeys::from_phrase(PHRASE, "").unwrap();
    let network = Network::from_chain_id(&ChainId::new(CHAIN).unwrap());
    assert_eq!(network.index(), NETWORK);

    let derived = home.json(&[
        "keys",
        "derive",
        "camille",
        "--programme",
        "7",
        "--chain-id",
        CHAIN,
    ]);
    assert_eq!(
        derived["path"],
        format!("m/44'/6515062'/{NETWORK}'/1'/0'/0'/7'/0'")
    );
    let programme = civitas_keys::account_id(&keys.programme_key(network, 7, Rotation::FIRST));
    assert_eq!(derived["address"], programme.to_string().as_str());
    // Stable: the same again.
    let again = home.json(&[
        "keys",
        "derive",
        "camille",
        "--programme",
        "7",
        "--chain-id",
        CHAIN,
    ]);
    assert_eq!(again, derived);

    let community = home.json(&[
        "keys",
        "derive",
        "camille",
        "--community",
        "3",
        "--chain-id",
        CHAIN,
    ]);
    assert_eq!(
        community["path"],
        format!("m/44'/6515062'/{NETWORK}'/2'/0'/0'/3'/0'")
    );
    let expected = civitas_keys::account_id(&keys.community_key(network, 3, Rotation::FIRST));
    assert_eq!(community["address"], expected.to_string().as_str());

    let identity = home.json(&["keys", "show", "camille", "--chain-id", CHAIN]);
    assert_eq!(
        identity["path"],
        format!("m/44'/6515062'/{NETWORK}'/0'/0'/0'/0'/0'")
    );
    let expected = civitas_keys::account_id(&keys.identity_key(network, Rotation::FIRST));
    assert_eq!(identity["address"], expected.to_string().as_str());

    // A citizen's address needs a chain id; a plain key has no derived keys.
    assert_eq!(
        home.run(&["keys", "show", "camille"]).status.code(),
        Some(2)
    );
    home.ok(&["keys", "new", "plain"]);
    let output = home.run(&[
        "keys",
        "derive",
        "plain",
        "--programme",
        "7",
        "--chain-id",
        CHAIN,
    ]);
    assert_eq!(output.status.code(), Some(2));
    // derive needs --programme or --community.
    let output = home.run(&["keys", "derive", "camille", "--chain-id", CHAIN]);
    assert_eq!(output.status.code(), Some(2));

    // The exported phrase is the imported one.
    let exported = home.json(&["keys", "export", "camille"]);
    assert_eq!(
        exported["phrase"].as_str().unwrap(),
        PHRASE.split_whitespace().collect::<Vec<_>>().join(" ")
    );
}

#[test]
fn a_new_citizen_phrase_is_shown_once_and_not_stored_in_the_clear() {
    let home = Home::new();
    let output = home.run(&["keys", "new", "camille", "--citizen", "--chain-id", CHAIN]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let err = stderr(&output);
    assert!(err.contains("24. "), "{err}");
    let created = home.json(&["keys", "new", "dominique", "--citizen"]);
    let phrase = created["phrase"].as_str().unwrap();
    assert_eq!(phrase.split(' ').count(), 24);
    let file = std::fs::read_to_string(key_file(&home, "dominique")).unwrap();
    assert!(!file.contains(phrase));
    assert!(
        !file.contains("address"),
        "a citizen's file shows no address: {file}"
    );
    assert!(
        !stdout.contains("1. "),
        "the phrase is not on stdout: {stdout}"
    );
}

#[test]
fn a_link_proof_verifies_and_a_tampered_one_fails_with_exit_5() {
    let home = Home::new();
    std::fs::write(home.path("camille.phrase"), PHRASE).unwrap();
    home.ok(&[
        "keys",
        "import",
        "camille",
        "--phrase-file",
        "camille.phrase",
    ]);
    let challenge = "CCAS Strasbourg 2026-12-02 #4821";
    let proof_text = home.ok(&[
        "keys",
        "prove-link",
        "camille",
        "--programme",
        "7",
        "--chain-id",
        CHAIN,
        "--challenge",
        challenge,
    ]);
    let proof: Value = serde_json::from_str(&proof_text).unwrap();
    let derived = home.json(&[
        "keys",
        "derive",
        "camille",
        "--programme",
        "7",
        "--chain-id",
        CHAIN,
    ]);
    let identity = home.json(&["keys", "show", "camille", "--chain-id", CHAIN]);
    assert_eq!(proof["derived"], derived["address"]);
    assert_eq!(proof["identity"], identity["address"]);
    std::fs::write(home.path("proof.json"), &proof_text).unwrap();

    let checked = home.json(&["keys", "check-link", "proof.json", "--challenge", challenge]);
    assert_eq!(checked["valid"], true);
    assert_eq!(checked["id"], 7);
    assert_eq!(checked["purpose"], "programme");

    // Another challenge than the office's: exit 5.
    let output = home.run(&[
        "keys",
        "check-link",
        "proof.json",
        "--challenge",
        "another day",
    ]);
    assert_eq!(output.status.code(), Some(5));

    // A flipped signature bit: exit 5, one line.
    let mut tampered = proof.clone();
    let signature = tampered["derived_signature"].as_str().unwrap().to_owned();
    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { "1" } else { "0" },
        &signature[1..]
    );
    tampered["derived_signature"] = Value::String(flipped);
    std::fs::write(home.path("tampered.json"), tampered.to_string()).unwrap();
    let output = home.run(&["keys", "check-link", "tampered.json"]);
    assert_eq!(output.status.code(), Some(5));
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));

    // Another programme, statement rewritten to match: the signatures fail.
    let mut moved = proof.clone();
    moved["id"] = Value::from(8);
    moved["statement"] = Value::String(
        proof["statement"]
            .as_str()
            .unwrap()
            .replace("programme 7", "programme 8"),
    );
    std::fs::write(home.path("moved.json"), moved.to_string()).unwrap();
    let output = home.run(&["keys", "check-link", "moved.json"]);
    assert_eq!(output.status.code(), Some(5));
    assert!(stderr(&output).contains("signature"), "{}", stderr(&output));

    // Written to a file with --out.
    home.ok(&[
        "keys",
        "prove-link",
        "camille",
        "--community",
        "3",
        "--chain-id",
        CHAIN,
        "--challenge",
        challenge,
        "--out",
        "community.json",
    ]);
    home.ok(&["keys", "check-link", "community.json"]);
}

#[test]
fn a_wrong_passphrase_is_one_line_and_exit_1() {
    let home = Home::new();
    home.ok(&["keys", "new", "alice"]);
    let output = home
        .command(&["keys", "export", "alice"])
        .env("CIVITAS_PASSPHRASE", "wrong")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "error: wrong passphrase for key alice\n");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_passphrase_file_is_read_and_a_missing_passphrase_is_a_usage_error() {
    let home = Home::new();
    std::fs::write(home.path("pass"), "from the file\n").unwrap();
    let output = home
        .command(&["keys", "new", "alice", "--passphrase-file", "pass"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // The file's passphrase, not the environment's, sealed it.
    let output = home.run(&["keys", "export", "alice"]);
    assert_eq!(output.status.code(), Some(1));
    let output = home
        .command(&["keys", "export", "alice"])
        .env("CIVITAS_PASSPHRASE_FILE", home.path("pass"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // No file, no variable, no terminal: a usage error, not a hang.
    let output = home
        .command(&["keys", "export", "alice"])
        .env_remove("CIVITAS_PASSPHRASE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("CIVITAS_PASSPHRASE"));
}

/// Runs `civitas ARGS` on a terminal (a pty that tests/support's
/// `answer_prompts.py` drives) with no passphrase given otherwise, typing
/// each answer once its prompt is shown and echo is off, as a person
/// would; everything the terminal showed.
fn at_a_terminal(home: &Home, args: &[&str], answers: &[(&str, &str)]) -> (Option<i32>, String) {
    let driver = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/answer_prompts.py"
    );
    let mut command = Command::new("python3");
    command.arg(driver);
    for (prompt, answer) in answers {
        command.arg(prompt).arg(answer);
    }
    let output = command
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_civitas"))
        .args(args)
        .current_dir(home.dir.path())
        .env("CIVITAS_HOME", home.dir.path().join("home"))
        .env_remove("CIVITAS_PASSPHRASE")
        .env_remove("CIVITAS_PASSPHRASE_FILE")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn at_a_terminal_the_passphrase_is_asked_twice_for_a_new_key_and_never_echoed() {
    let home = Home::new();
    let secret = "typed at the prompt";
    let new = "New passphrase for key alice: ";
    let again = "Same passphrase again: ";
    let (code, shown) = at_a_terminal(
        &home,
        &["keys", "new", "alice"],
        &[(new, secret), (again, secret)],
    );
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains(new) && shown.contains(again), "{shown}");
    assert!(
        !shown.contains(secret),
        "the passphrase was echoed: {shown}"
    );
    // It sealed the key: it opens it again, the environment's does not.
    let open = "Passphrase for key alice: ";
    let (code, shown) = at_a_terminal(&home, &["keys", "export", "alice"], &[(open, secret)]);
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        !shown.contains(secret),
        "the passphrase was echoed: {shown}"
    );
    assert_eq!(
        home.run(&["keys", "export", "alice"]).status.code(),
        Some(1)
    );
    // Two different answers: nothing is created.
    let (code, shown) = at_a_terminal(
        &home,
        &["keys", "new", "bob"],
        &[("New passphrase for key bob: ", secret), (again, "another")],
    );
    assert_eq!(code, Some(2), "{shown}");
    assert!(shown.contains("the two passphrases differ"), "{shown}");
    assert!(!home.ok(&["keys", "list"]).contains("bob"));
}

#[cfg(unix)]
#[test]
fn a_key_file_open_to_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    home.ok(&["keys", "new", "alice"]);
    let path = key_file(&home, "alice");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = home.run(&["keys", "show", "alice"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("chmod 600 {}", path.display())),
        "{err}"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    home.ok(&["keys", "show", "alice"]);
}

#[test]
fn delete_needs_yes_and_an_unknown_key_says_how_to_list() {
    let home = Home::new();
    home.ok(&["keys", "new", "alice"]);
    let output = home.run(&["keys", "delete", "alice"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--yes"));
    assert!(key_file(&home, "alice").exists());
    home.json(&["keys", "delete", "alice", "--yes"]);
    assert!(!key_file(&home, "alice").exists());
    let output = home.run(&["keys", "show", "alice"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("civitas keys list"),
        "{}",
        stderr(&output)
    );
    assert_eq!(home.json(&["keys", "list"]), serde_json::json!([]));
    // Names are checked.
    assert_eq!(home.run(&["keys", "new", "Alice"]).status.code(), Some(2));
    assert_eq!(
        home.run(&["keys", "new", "../alice"]).status.code(),
        Some(2)
    );
}

/// Splits an example line into arguments (double quotes group words).
fn split(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    args.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            c => {
                current.push(c);
                any = true;
            }
        }
    }
    if any {
        args.push(current);
    }
    args
}

#[test]
fn every_example_runs_in_order_on_a_fresh_home() {
    let home = Home::new();
    let subcommands = [
        "new",
        "list",
        "show",
        "export",
        "import",
        "derive",
        "prove-link",
        "check-link",
        "delete",
    ];
    for subcommand in subcommands {
        let help = home.ok(&["keys", subcommand, "--help"]);
        let examples: Vec<&str> = help
            .split("Example:")
            .nth(1)
            .unwrap_or_else(|| panic!("`keys {subcommand}` has no example"))
            .lines()
            .map(str::trim)
            .skip_while(|line| line.is_empty())
            .take_while(|line| line.starts_with("civitas "))
            .collect();
        assert!(!examples.is_empty(), "`keys {subcommand}`: {help}");
        for example in examples {
            let args = split(example);
            let args: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
            home.ok(&args);
        }
    }
    assert!(!Path::new(&key_file(&home, "camille-laptop")).exists());
}
