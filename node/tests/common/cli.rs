//! The `civitas` CLI as a subprocess, against a test node: a fresh keystore
//! home, the node's address and a passphrase in its environment, and the
//! demo accounts' public keys importable by name.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::{BINARY, Node};

/// The passphrase of every test keystore.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// The `civitas` binary, built beside `civitas-node` by a workspace build.
pub fn binary() -> PathBuf {
    let path = Path::new(BINARY).with_file_name("civitas");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --workspace --bins`",
        path.display()
    );
    path
}

/// One run's outcome.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

impl Run {
    fn of(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// A CLI user: a keystore home in a temporary directory, pointed at a node.
pub struct Cli {
    directory: tempfile::TempDir,
    node: String,
}

impl Cli {
    /// A user of `node`.
    pub fn new(node: &Node) -> Cli {
        Cli::at(&format!("http://{}", node.rpc_address))
    }

    /// A user of the node at `url` (which may not exist).
    pub fn at(url: &str) -> Cli {
        Cli {
            directory: tempfile::tempdir().unwrap(),
            node: url.to_owned(),
        }
    }

    /// A path in the user's working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.directory.path().join(name)
    }

    /// The command with the user's environment, run in its directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command
            .args(args)
            .current_dir(self.directory.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CIVITAS_HOME", self.directory.path().join("home"))
            .env("CIVITAS_NODE", &self.node)
            .env("CIVITAS_PASSPHRASE", PASSPHRASE)
            .stdin(Stdio::null());
        command
    }

    /// Runs `civitas ARGS`.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args).output().unwrap())
    }

    /// Runs `civitas ARGS`, which must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code, 0,
            "civitas {args:?} failed:\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    /// Runs `civitas --json ARGS`, which must succeed; its JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        assert_eq!(
            run.code, 0,
            "civitas {all:?} failed:\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run.json()
    }

    /// Imports demo account `account` (e.g. `aid administrator
    /// (ordonnateur)`) as keystore entry `name`; its address.
    pub fn import_demo(&self, name: &str, account: &str) -> String {
        let demo = super::account(account);
        let seed = self.path(&format!("{name}.seed"));
        std::fs::write(&seed, hex::encode(demo.key.seed())).unwrap();
        self.ok(&[
            "keys",
            "import",
            name,
            "--seed-file",
            seed.to_str().unwrap(),
        ]);
        std::fs::remove_file(&seed).unwrap();
        demo.address.to_string()
    }

    /// Writes `text` to file `name` in the working directory; its path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }
}
