//! Real `civitas-node` processes for the end-to-end tests: a fresh home with
//! the demo genesis, a node started on it with any free ports (read back from
//! its JSON log), a blocking JSON-RPC client, plain HTTP for metrics and
//! health, and waits that poll with generous timeouts (two loaded cores).
//! A [`Node`] is killed when dropped, so a failing test leaves no process.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use civitas_demo::DemoAccount;
use civitas_genesis::GenesisDocument;
use civitas_rpc_api::{
    BlockView, CivitasApiClient, EvidenceList, HttpClient, Status, TransactionView,
};
use civitas_types::{
    AccountId, BoundedBytes, PublicKey, SignedTransaction, SigningKey, TransactionBody, encode,
};
use jsonrpsee::core::client::Error as ClientError;

pub mod cli;
pub mod localnet;

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_civitas-node");

/// How long a node may take to serve after it was spawned (RocksDB opening
/// and replay on a loaded machine).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a transaction may take to be committed.
pub const COMMIT_TIMEOUT: Duration = Duration::from_secs(60);

/// The heartbeat the tests run with: empty blocks come quickly.
pub const HEARTBEAT_MS: u64 = 100;

/// A `civitas-node` command with no `CIVITAS_*` variable of the caller's
/// environment, so only what a test sets applies.
pub fn command() -> Command {
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars() {
        if name.starts_with("CIVITAS_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `command` to its end, killing it (and failing) after `timeout`;
/// stdout and stderr are collected.
pub fn run_to_exit(mut command: Command, timeout: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn civitas-node");
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "civitas-node did not exit within {timeout:?}; stderr:\n{}",
                String::from_utf8_lossy(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// `civitas-node init --home HOME`.
pub fn init(home: &Path) -> Output {
    let mut command = command();
    command.arg("init").arg("--home").arg(home);
    run_to_exit(command, Duration::from_secs(30))
}

/// Reads a key file of a home (hex seed).
pub fn read_key(path: &Path) -> SigningKey {
    let text = std::fs::read_to_string(path).unwrap();
    let seed: [u8; 32] = hex::decode(text.trim()).unwrap().try_into().unwrap();
    SigningKey::from_seed(&seed)
}

/// The wall clock, ms since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A fresh home made by `init`, with the demo genesis for its keys written
/// to `genesis.json` beside it. The directory is removed when dropped.
pub struct DemoHome {
    directory: tempfile::TempDir,
    /// The home.
    pub home: PathBuf,
    /// The genesis file.
    pub genesis_path: PathBuf,
    /// The genesis it holds.
    pub genesis: GenesisDocument,
}

impl DemoHome {
    /// Creates the home and its genesis (genesis time: now).
    pub fn new() -> DemoHome {
        let directory = tempfile::tempdir().unwrap();
        let home = directory.path().join("home");
        let output = init(&home);
        assert!(
            output.status.success(),
            "init failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let validator = read_key(&home.join("consensus_key")).public_key();
        let network = read_key(&home.join("network_key")).public_key();
        let genesis = civitas_demo::genesis(&validator, &network, now_ms());
        let genesis_path = directory.path().join("genesis.json");
        std::fs::write(&genesis_path, civitas_genesis::to_json(&genesis)).unwrap();
        DemoHome {
            directory,
            home,
            genesis_path,
            genesis,
        }
    }

    /// A path in the temporary directory, beside the home.
    pub fn path(&self, name: &str) -> PathBuf {
        self.directory.path().join(name)
    }

    /// Starts a node on this home and its genesis, waiting until it answers.
    pub fn start(&self) -> Node {
        Node::start(&self.home, &self.genesis_path)
    }

    /// Starts a node and commits the demo activity, step by step; every
    /// transaction must succeed.
    pub fn start_with_activity(&self) -> Node {
        let node = self.start();
        for step in civitas_demo::activity_steps(&self.genesis) {
            let ids: Vec<String> = step.iter().map(|t| node.rpc.submit(t).unwrap()).collect();
            for id in ids {
                assert!(
                    node.wait_for_transaction(&id).receipt.success,
                    "{id} failed"
                );
            }
        }
        node
    }

    /// The state root of `certified`, once its certificate is checked
    /// against the genesis validator set (the demo chain never changes it).
    pub fn checked_root(&self, certified: &civitas_rpc_api::Certified) -> civitas_types::Hash {
        let root = certified.state_root().unwrap();
        let header = certified.header.decode_header().unwrap();
        let certificate = certified.certificate.decode_certificate().unwrap();
        let set = self.genesis.check().unwrap().validators;
        certificate
            .verify(&self.genesis.chain_id, header.height, &header.hash(), &set)
            .unwrap();
        root
    }
}

/// The RPC credential the test nodes accept (for the credentialed methods:
/// whole blocks, raw state keys) and every [`Rpc`] sends.
pub const TEST_CREDENTIAL: &str = "civitas-e2e-test-credential";

/// Lets `home`'s node accept [`TEST_CREDENTIAL`] (the line
/// `civitas-node rpc-credential add` would write for it), once.
pub fn grant_test_credential(home: &Path) {
    use sha2::Digest;
    let path = home.join("rpc_credentials");
    let line = format!(
        "e2e-tests {}\n",
        hex::encode(sha2::Sha256::digest(TEST_CREDENTIAL.as_bytes()))
    );
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    if !existing.contains(line.trim_end()) {
        std::fs::write(&path, existing + &line).unwrap();
    }
}

/// A blocking JSON-RPC client: jsonrpsee's HTTP client on a runtime of its own.
pub struct Rpc {
    runtime: tokio::runtime::Runtime,
    client: HttpClient,
}

impl Rpc {
    /// A client of the node at `address`.
    pub fn new(address: SocketAddr) -> Rpc {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = {
            let _entered = runtime.enter();
            civitas_rpc_api::http_client_with_credential(
                &format!("http://{address}"),
                Some(TEST_CREDENTIAL),
            )
            .unwrap()
        };
        Rpc { runtime, client }
    }

    /// `civitas_status`.
    pub fn status(&self) -> Result<Status, ClientError> {
        self.runtime.block_on(self.client.status())
    }

    /// `civitas_submitTransaction` with `hex`.
    pub fn submit_hex(&self, hex: &str) -> Result<String, ClientError> {
        self.runtime
            .block_on(self.client.submit_transaction(hex.to_string()))
    }

    /// Submits `transaction` (the hex of its canonical encoding).
    pub fn submit(&self, transaction: &SignedTransaction) -> Result<String, ClientError> {
        self.submit_hex(&hex::encode(encode(transaction)))
    }

    /// `civitas_getBlock`.
    pub fn block(&self, height: u64) -> Result<Option<BlockView>, ClientError> {
        self.runtime.block_on(self.client.get_block(height))
    }

    /// `civitas_getTransaction`.
    pub fn transaction(&self, id: &str) -> Result<Option<TransactionView>, ClientError> {
        self.runtime
            .block_on(self.client.get_transaction(id.to_string()))
    }

    /// `civitas_getEvidence`: the first page of the offences recorded in
    /// state, `offender`'s only when given.
    pub fn evidence(&self, offender: Option<PublicKey>) -> Result<EvidenceList, ClientError> {
        self.runtime.block_on(self.client.get_evidence(
            offender.map(|key| key.to_hex()),
            None,
            None,
        ))
    }

    /// Runs `call` on this client's runtime: any method of the typed client.
    pub fn call<T>(
        &self,
        call: impl AsyncFnOnce(&HttpClient) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        self.runtime.block_on(call(&self.client))
    }
}

/// The node's error object in a client error (`Call`), or a failure saying
/// what came instead.
pub fn call_error(error: ClientError) -> civitas_rpc_api::ErrorObjectOwned {
    match error {
        ClientError::Call(object) => object,
        other => panic!("expected an error object from the node, got {other}"),
    }
}

/// A running `civitas-node start` or `devnet`, killed (SIGKILL) when dropped.
pub struct Node {
    child: Child,
    reader: Option<std::thread::JoinHandle<()>>,
    /// Where JSON-RPC listens.
    pub rpc_address: SocketAddr,
    /// Where metrics and health listen.
    pub metrics_address: SocketAddr,
    /// A client of it.
    pub rpc: Rpc,
    log: Arc<Mutex<Vec<String>>>,
    stdout: Arc<Mutex<String>>,
}

/// A spawned node that may not serve yet.
pub struct Spawned {
    child: Option<Child>,
    reader: Option<std::thread::JoinHandle<()>>,
    addresses: std::sync::mpsc::Receiver<(SocketAddr, SocketAddr)>,
    log: Arc<Mutex<Vec<String>>>,
    stdout: Arc<Mutex<String>>,
}

impl Spawned {
    /// Spawns `civitas-node start --home HOME --genesis GENESIS --log-json`
    /// on any free ports, with [`HEARTBEAT_MS`].
    pub fn new(home: &Path, genesis: &Path) -> Spawned {
        Spawned::with_env(home, genesis, &[])
    }

    /// [`Spawned::new`] with `environment` set over the test defaults.
    pub fn with_env(home: &Path, genesis: &Path, environment: &[(String, String)]) -> Spawned {
        Spawned::with_args(home, genesis, &[], environment)
    }

    /// [`Spawned::with_env`] with more arguments to `start`. The home
    /// accepts [`TEST_CREDENTIAL`], which every [`Rpc`] sends.
    pub fn with_args(
        home: &Path,
        genesis: &Path,
        arguments: &[&str],
        environment: &[(String, String)],
    ) -> Spawned {
        grant_test_credential(home);
        let mut command = command();
        command
            .arg("start")
            .arg("--home")
            .arg(home)
            .arg("--genesis")
            .arg(genesis)
            .args(arguments);
        Spawned::run(command, environment)
    }

    /// Spawns `civitas-node devnet --home HOME --log-json` on any free
    /// ports, with [`HEARTBEAT_MS`].
    pub fn devnet(home: &Path) -> Spawned {
        std::fs::create_dir_all(home).unwrap();
        grant_test_credential(home);
        let mut command = command();
        command.arg("devnet").arg("--home").arg(home);
        Spawned::run(command, &[])
    }

    fn run(mut command: Command, environment: &[(String, String)]) -> Spawned {
        command
            .arg("--log-json")
            .env("CIVITAS_RPC_LISTEN", "127.0.0.1:0")
            .env("CIVITAS_METRICS_LISTEN", "127.0.0.1:0")
            .env("CIVITAS_P2P_LISTEN", "/ip4/127.0.0.1/tcp/0")
            .env("CIVITAS_CONSENSUS_HEARTBEAT_MS", HEARTBEAT_MS.to_string())
            .env("CIVITAS_LOG_LEVEL", "info")
            .envs(environment.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn civitas-node");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (sender, addresses) = std::sync::mpsc::channel();
        let thread_log = Arc::clone(&log);
        // Reads the log to its end: a full pipe would block the node.
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(found) = serving_addresses(&line) {
                    let _ = sender.send(found);
                }
                thread_log.lock().unwrap().push(line);
            }
        });
        let stdout = Arc::new(Mutex::new(String::new()));
        let (pipe, thread_stdout) = (child.stdout.take().unwrap(), Arc::clone(&stdout));
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut text = thread_stdout.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        Spawned {
            child: Some(child),
            reader: Some(reader),
            addresses,
            log,
            stdout,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Kills the process at once (SIGKILL), reaps it, and returns its
    /// whole log.
    pub fn kill(mut self) -> Vec<String> {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        finish(self.reader.take(), &self.log)
    }

    /// Waits until the node serves and answers `status`; fails with its log
    /// if it exits or takes longer than [`START_TIMEOUT`].
    pub fn wait_ready(self) -> Node {
        let node = self.wait_serving();
        node.poll("status to answer", START_TIMEOUT, || node.rpc.status().ok());
        node
    }

    /// Waits until the node logs that it serves, no longer; fails with its
    /// log if it exits or takes longer than [`START_TIMEOUT`].
    pub fn wait_serving(mut self) -> Node {
        let started = Instant::now();
        let mut child = self.child.take().unwrap();
        let (rpc_address, metrics_address) = loop {
            if let Ok(found) = self.addresses.recv_timeout(Duration::from_millis(50)) {
                break found;
            }
            if let Some(status) = child.try_wait().unwrap() {
                finish(self.reader.take(), &self.log);
                panic!(
                    "civitas-node exited ({status}) before serving; log:\n{}",
                    tail(&self.log)
                );
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "civitas-node did not serve within {START_TIMEOUT:?}; log:\n{}",
                    tail(&self.log)
                );
            }
        };
        Node {
            child,
            reader: self.reader.take(),
            rpc_address,
            metrics_address,
            rpc: Rpc::new(rpc_address),
            log: Arc::clone(&self.log),
            stdout: Arc::clone(&self.stdout),
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The `rpc` and `metrics` fields of the JSON log line `serving`.
fn serving_addresses(line: &str) -> Option<(SocketAddr, SocketAddr)> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let fields = value.get("fields")?;
    if fields.get("message")?.as_str()? != "serving" {
        return None;
    }
    let rpc = fields.get("rpc")?.as_str()?.parse().ok()?;
    let metrics = fields.get("metrics")?.as_str()?.parse().ok()?;
    Some((rpc, metrics))
}

/// The whole log of an ended process, once its reader reached the end.
fn finish(reader: Option<std::thread::JoinHandle<()>>, log: &Mutex<Vec<String>>) -> Vec<String> {
    if let Some(reader) = reader {
        let _ = reader.join();
    }
    log.lock().unwrap().clone()
}

/// The blocks a node's JSON log says it committed: (height, hash, state root),
/// the hashes with `0x` as the API writes them (the log has the digits).
pub fn committed_in_log(log: &[String]) -> Vec<(u64, String, String)> {
    log.iter()
        .filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            let fields = value.get("fields")?;
            if fields.get("message")?.as_str()? != "committed" {
                return None;
            }
            Some((
                fields.get("height")?.as_u64()?,
                format!("0x{}", fields.get("hash")?.as_str()?),
                format!("0x{}", fields.get("state_root")?.as_str()?),
            ))
        })
        .collect()
}

fn tail(log: &Mutex<Vec<String>>) -> String {
    let lines = log.lock().unwrap();
    let from = lines.len().saturating_sub(60);
    lines[from..].join("\n")
}

impl Node {
    /// The process id (for signals).
    pub fn process_id(&self) -> u32 {
        self.child.id()
    }

    /// Starts a node on `home` with `genesis` and waits until it answers.
    pub fn start(home: &Path, genesis: &Path) -> Node {
        Spawned::new(home, genesis).wait_ready()
    }

    /// The last lines of its log (JSON lines), for failure messages.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }

    /// What it printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// The whole log so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Calls `probe` every 50 ms until it gives a value; fails with the log
    /// after `timeout`, or at once if the process exited.
    pub fn poll<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl FnMut() -> Option<T>,
    ) -> T {
        let started = Instant::now();
        loop {
            if let Some(value) = probe() {
                return value;
            }
            if started.elapsed() > timeout {
                panic!(
                    "waited {timeout:?} for {what}; node log:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the committed height is at least `height`; returns it.
    pub fn wait_for_height(&self, height: u64, timeout: Duration) -> u64 {
        self.poll(&format!("height {height}"), timeout, || {
            let current = self.rpc.status().ok()?.height;
            (current >= height).then_some(current)
        })
    }

    /// Waits until transaction `id` is committed; returns it with its receipt.
    pub fn wait_for_transaction(&self, id: &str) -> TransactionView {
        self.poll(&format!("transaction {id}"), COMMIT_TIMEOUT, || {
            self.rpc.transaction(id).ok().flatten()
        })
    }

    /// The committed block at `height` (it must exist).
    pub fn block(&self, height: u64) -> BlockView {
        self.rpc
            .block(height)
            .unwrap_or_else(|e| panic!("getBlock({height}): {e}"))
            .unwrap_or_else(|| panic!("no block at height {height}"))
    }

    /// Sends SIGTERM and waits for the exit (failing after `timeout`).
    pub fn terminate(self, timeout: Duration) -> ExitStatus {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill -TERM");
        assert!(sent.success(), "kill -TERM failed");
        self.wait_exit(timeout)
    }

    /// Waits for the process to exit (failing after `timeout`); its status
    /// and its whole log.
    pub fn wait_exit_with_log(mut self, timeout: Duration) -> (ExitStatus, Vec<String>) {
        let log = Arc::clone(&self.log);
        let reader = self.reader.take();
        let status = self.wait_exit(timeout);
        (status, finish(reader, &log))
    }

    /// Waits for the process to exit (failing after `timeout`).
    pub fn wait_exit(mut self, timeout: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if started.elapsed() > timeout {
                panic!(
                    "civitas-node did not exit within {timeout:?}; log:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process at once (SIGKILL), reaps it, and returns its
    /// whole log.
    pub fn kill(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        finish(self.reader.take(), &self.log)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` on `address` over plain HTTP/1.1: the status code and body.
pub fn http_get(address: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    (status, body.to_string())
}

/// The demo account named `name`.
pub fn account(name: &str) -> DemoAccount {
    civitas_demo::accounts()
        .into_iter()
        .find(|account| account.name == name)
        .unwrap_or_else(|| panic!("no demo account {name:?}"))
}

/// Signs `action` for `key`'s account with `sequence`, on `genesis`'s chain,
/// expiring far in the future.
pub fn sign(
    genesis: &GenesisDocument,
    key: &SigningKey,
    sequence: u64,
    action: &civitas_civic::Action,
) -> SignedTransaction {
    let body = TransactionBody {
        chain_id: genesis.chain_id.clone(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: genesis.initial_height + 1_000_000,
        payload: BoundedBytes::try_from_vec(encode(action)).unwrap(),
    };
    SignedTransaction::sign(body, &[key]).unwrap()
}

/// `transaction` with one bit of its (first) signature flipped: it still
/// decodes, but the signature no longer verifies.
pub fn corrupt_signature(transaction: &SignedTransaction) -> String {
    let mut bytes = encode(transaction);
    // The encoding ends with the signatures; the last 64 bytes are the last
    // signature (R then s): flip a bit of R.
    let at = bytes.len() - 64;
    bytes[at] ^= 0x01;
    hex::encode(bytes)
}

/// A cheap transaction that always succeeds, from a fresh key derived from
/// `number`: the registration of that key's own 1-of-1 multisig account.
pub fn fresh_multisig(genesis: &GenesisDocument, number: u64) -> SignedTransaction {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&number.to_le_bytes());
    seed[8..16].copy_from_slice(b"e2e-load");
    let key = SigningKey::from_seed(&seed);
    let action = civitas_civic::Action::RegisterMultisig(civitas_civic::action::RegisterMultisig {
        threshold: 1,
        members: civitas_types::BoundedVec::try_from_vec(vec![key.public_key()]).unwrap(),
    });
    sign(genesis, &key, 0, &action)
}

/// `POST /` of `body` as JSON over plain HTTP/1.1: the response body.
pub fn post_json(address: SocketAddr, body: &str) -> String {
    post_json_as(address, body, None)
}

/// [`post_json`] with `Authorization: Bearer TOKEN` when `token` is given.
pub fn post_json_as(address: SocketAddr, body: &str, token: Option<&str>) -> String {
    let authorization = token
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n{authorization}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_string()
}
