//! The `civitas` CLI as a subprocess, against a test node: a fresh keystore
//! home, the node's address and a passphrase in its environment, and the
//! demo accounts' public keys importable by name.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
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
        command.args(args);
        self.environment(&mut command);
        command
    }

    /// The user's directory and environment, on `command`.
    fn environment<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
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

    /// Runs a shell `line` as the user would type it: bash in the user's
    /// directory and environment, `civitas` on the PATH.
    pub fn shell(&self, line: &str) -> Run {
        let bin = binary();
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new("bash");
        command.arg("-c").arg(line);
        self.environment(&mut command).env("PATH", path);
        Run::of(command.output().unwrap())
    }

    /// Runs `civitas ARGS` with this user's keystore and files but no node
    /// to reach (`CIVITAS_NODE` points at a closed port).
    pub fn run_offline(&self, args: &[&str]) -> Run {
        let mut command = self.command(args);
        command.env("CIVITAS_NODE", "http://127.0.0.1:9");
        Run::of(command.output().unwrap())
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

/// One HTTP/1.1 message (headers and a `content-length` body) from `reader`.
fn read_message(reader: &mut BufReader<TcpStream>) -> Option<(Vec<String>, Vec<u8>)> {
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        headers.push(line);
    }
    let length = headers
        .iter()
        .find_map(|h| {
            let (name, value) = h.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((headers, body))
}

fn write_message(stream: &mut TcpStream, headers: &[String], body: &[u8]) {
    for header in headers {
        if !header.to_ascii_lowercase().starts_with("content-length") {
            stream.write_all(header.as_bytes()).unwrap();
        }
    }
    write!(stream, "content-length: {}\r\n\r\n", body.len()).unwrap();
    stream.write_all(body).unwrap();
}

/// A dishonest node: forwards every HTTP request to `node` and passes its
/// answers through `rewrite`. Its address.
pub fn lying_proxy(
    node: SocketAddr,
    rewrite: impl Fn(&str) -> String + Send + Sync + 'static,
) -> SocketAddr {
    let rewrite = std::sync::Arc::new(rewrite);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let rewrite = std::sync::Arc::clone(&rewrite);
            std::thread::spawn(move || {
                let upstream = TcpStream::connect(node).unwrap();
                let mut client_reader = BufReader::new(client.try_clone().unwrap());
                let mut upstream_reader = BufReader::new(upstream.try_clone().unwrap());
                let (mut client, mut upstream) = (client, upstream);
                while let Some((headers, body)) = read_message(&mut client_reader) {
                    write_message(&mut upstream, &headers, &body);
                    let Some((headers, body)) = read_message(&mut upstream_reader) else {
                        return;
                    };
                    let body = rewrite(&String::from_utf8_lossy(&body));
                    write_message(&mut client, &headers, body.as_bytes());
                }
            });
        }
    });
    address
}

/// A run of `civitas --json audit verify ARGS… [--to TO]`, whatever it ends with.
pub fn audit_verify(cli: &Cli, args: &[&str], to: Option<u64>) -> Run {
    let to = to.map(|to| to.to_string());
    let mut command = vec!["--json", "audit", "verify"];
    command.extend_from_slice(args);
    if let Some(to) = &to {
        command.extend_from_slice(&["--to", to]);
    }
    cli.run(&command)
}

/// The report of `civitas --json audit verify ARGS… --to TO`, with its run
/// time (the one field that differs between runs) taken out.
pub fn verified(cli: &Cli, args: &[&str], to: u64) -> serde_json::Value {
    let run = audit_verify(cli, args, Some(to));
    assert_eq!(run.code, 0, "{args:?}: {run:?}");
    let mut report = run.json();
    assert_eq!(report["valid"], true, "{report}");
    report.as_object_mut().unwrap().remove("seconds");
    report
}

/// Copies `from`, its files and subdirectories, into `to`.
pub fn copy_directory(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_directory(&path, &target);
        } else {
            std::fs::copy(&path, target).unwrap();
        }
    }
}
