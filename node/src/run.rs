//! `init` and `start`: creating a home, and running a validator (or an
//! observer, whose consensus key is in no validator set) until a
//! signal (SIGINT, SIGTERM: stop intake, let the engine finish its current
//! input, exit 0) or an engine failure (its message, exit 1).

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc::Sender;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result, anyhow, bail};
use civitas_engine::{ChainSpec, Engine, EngineConfig};
use civitas_genesis::GenesisDocument;
use civitas_types::SigningKey;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::config::{Config, LogConfig, LogFormat};
use crate::driver::{Command, Driver, Snapshot, now_ms};
use crate::duplicate_key::DuplicateKeyGuard;
use crate::home::{Home, create_key, load_key};
use crate::network::NetworkSetup;
use crate::outbox::{ChainView, OUTBOX_MAX, Outbox};
use crate::sign_store::FileSignStore;
use crate::store::{LedgerStore, SharedStore, StoreReads};

/// Creates `home`: keys and a commented configuration. Returns the consensus
/// and network keys.
pub fn init(home: &Home) -> Result<(SigningKey, SigningKey)> {
    fs::create_dir_all(home.root())
        .with_context(|| format!("cannot create {}", home.root().display()))?;
    if home.consensus_key().exists() || home.network_key().exists() {
        bail!(
            "{} already holds keys: refusing to replace them (a validator's key is its identity)",
            home.root().display()
        );
    }
    let consensus = create_key(&home.consensus_key())?;
    let network = create_key(&home.network_key())?;
    if !home.config().exists() {
        fs::write(home.config(), crate::config::TEMPLATE)?;
    }
    Ok((consensus, network))
}

/// Reads and checks the configuration of `home`, with environment overrides.
pub fn load_config(home: &Home) -> Result<Config> {
    let text = fs::read_to_string(home.config()).with_context(|| {
        format!(
            "cannot read {}; create the home with `civitas-node init --home {}`",
            home.config().display(),
            home.root().display()
        )
    })?;
    Config::parse(&text, std::env::vars())
}

/// Reads a genesis file.
pub fn read_genesis(path: &Path) -> Result<GenesisDocument> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read the genesis file {}", path.display()))?;
    civitas_genesis::from_json(&text)
        .map_err(|e| anyhow!("the genesis file {} is not valid: {e}", path.display()))
}

fn init_logging(log: &LogConfig, format: LogFormat) {
    // Gossipsub warns at every refused duplicate publish, which rebroadcasts
    // are by design: its warnings are kept out unless the filter names it.
    let level = if log.level.contains("libp2p") {
        log.level.clone()
    } else {
        format!("{},libp2p_gossipsub=error", log.level)
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests in one process) keeps the first.
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// What a started node offers the code that started it (devnet).
pub struct Started {
    /// Where JSON-RPC listens.
    pub rpc: SocketAddr,
    /// Where metrics listen.
    pub metrics: SocketAddr,
    /// Commands to the engine.
    pub commands: Sender<Command>,
}

/// `start`: runs a validator from `home` and the genesis file at `genesis`
/// (an observer if the home's consensus key is not a validator);
/// `allow_duplicate_signing` turns the same-key-twice guard's stop into a
/// warning ([`crate::duplicate_key`]).
pub fn start(
    home: &Home,
    genesis: &Path,
    log: Option<LogFormat>,
    allow_duplicate_signing: bool,
) -> Result<()> {
    let genesis = read_genesis(genesis)?;
    start_with(home, genesis, log, allow_duplicate_signing, |_| Ok(()))
}

/// Runs a validator on `genesis`, calling `after` once it serves.
pub fn start_with(
    home: &Home,
    genesis: GenesisDocument,
    log: Option<LogFormat>,
    allow_duplicate_signing: bool,
    after: impl FnOnce(&Started) -> Result<()>,
) -> Result<()> {
    let config = load_config(home)?;
    init_logging(&config.log, log.unwrap_or(config.log.format));
    let key = load_key(&home.consensus_key())?;
    let network_key = load_key(&home.network_key())?;
    let checked = genesis
        .check()
        .map_err(|e| anyhow!("the genesis file is not valid: {e}"))?;
    // A key outside the validator set makes an observer: the driver says so
    // at start, and the consensus core never signs for it.
    let validator = key.public_key();
    let spec = ChainSpec::from_genesis(&genesis, checked.hash);
    let info = crate::rpc::NodeInfo {
        chain_id: genesis.chain_id.to_string(),
        genesis_hash: checked.hash,
        protocol_version: genesis.protocol_version,
        validator,
    };
    let snapshot = Arc::new(RwLock::new(Snapshot::default()));
    let validator_network_keys: Vec<_> = genesis.validators.iter().map(|v| v.network_key).collect();
    let chain_view = Arc::new(RwLock::new(ChainView {
        chain_id: genesis.chain_id.clone(),
        height: genesis.initial_height.saturating_sub(1),
        last_block_hash: checked.hash,
        next_validators: checked.validators.clone(),
        first_height: genesis.initial_height,
        recent: std::collections::BTreeMap::new(),
    }));
    let (outbox_sender, outbox) = tokio::sync::mpsc::channel(OUTBOX_MAX);
    let thread_outbox = Outbox::new(outbox_sender, Arc::clone(&chain_view));
    let (commands, receiver) = std::sync::mpsc::channel();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<Result<StoreReads, String>>();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let engine_config = EngineConfig {
        heartbeat_ms: config.consensus.heartbeat_ms,
        ..EngineConfig::default()
    };
    let thread_home = home.clone();
    let thread_snapshot = Arc::clone(&snapshot);
    let commits = crate::rpc::subscriptions::commits();
    let thread_commits = commits.clone();
    // The engine is built on its own thread, its only owner.
    let engine_thread = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || {
            let mut guard = DuplicateKeyGuard::new(
                validator,
                FileSignStore::new(thread_home.sign_state()),
                allow_duplicate_signing,
            );
            // The guard looks at the ledger before the engine exists: an
            // engine signs as soon as it starts.
            let started = LedgerStore::open(&thread_home, &genesis, &checked).and_then(|store| {
                guard.check_start(&store)?;
                let sign_store = FileSignStore::new(thread_home.sign_state());
                let store = SharedStore::new(store);
                let reads = store.reads();
                Engine::start(spec, engine_config, store, key, sign_store, now_ms())
                    .map(|(engine, outputs)| (engine, outputs, reads))
                    .map_err(anyhow::Error::from)
            });
            let result = match started.and_then(|(engine, outputs, reads)| {
                // The driver publishes the chain view before the network reads it.
                Driver::new(
                    engine,
                    outputs,
                    guard,
                    thread_snapshot,
                    thread_outbox,
                    thread_commits,
                )
                .map(|driver| (driver, reads))
                .map_err(anyhow::Error::from)
            }) {
                Ok((driver, reads)) => {
                    let _ = started_tx.send(Ok(reads));
                    driver
                        .run(receiver)
                        .map_err(|e| anyhow!("the engine stopped: {e}"))
                }
                Err(error) => {
                    let _ = started_tx.send(Err(format!("{error:#}")));
                    Ok(())
                }
            };
            let _ = done_tx.send(result);
        })?;
    let reads = match started_rx.recv() {
        Ok(Ok(reads)) => reads,
        Ok(Err(message)) => bail!("{message}"),
        Err(_) => bail!("the engine thread ended while starting"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        // Signals are caught from before the node serves: a stop asked as soon
        // as it says it serves is a clean stop, not the default kill.
        let signals = Signals::listen()?;
        let (network, p2p_address) = crate::network::start(NetworkSetup {
            config: &config.p2p,
            network_key: &network_key,
            validator_network_keys,
            view: chain_view,
            commands: commands.clone(),
            outbox,
            snapshot: Arc::clone(&snapshot),
        })
        .await?;
        let peer_id = network.local_peer_id();
        let rpc = crate::rpc::serve(
            &config,
            info,
            commands.clone(),
            reads,
            Arc::clone(&snapshot),
            commits,
            Arc::new(crate::rpc::credentials::Credentials::new(
                home.rpc_credentials(),
            )),
        )
        .await?;
        let metrics = crate::metrics::serve(
            config.metrics.listen,
            Arc::clone(&snapshot),
            rpc.metrics.clone(),
        )
        .await?;
        let started = Started {
            rpc: rpc.address,
            metrics,
            commands: commands.clone(),
        };
        tracing::info!(rpc = %rpc.address, metrics = %metrics, p2p = %p2p_address, peer_id = %peer_id, consensus_key = %validator, "serving");
        after(&started)?;
        let stopping = signals.wait_or(done_rx).await?;
        rpc.stop();
        drop(network);
        Ok::<_, anyhow::Error>(stopping)
    });
    let _ = commands.send(Command::Shutdown);
    let joined = engine_thread.join();
    match (outcome?, joined) {
        (Stop::Signal, Ok(())) => {
            tracing::info!("stopped");
            Ok(())
        }
        (Stop::Engine(result), Ok(())) => result,
        (_, Err(_)) => bail!("the engine thread panicked"),
    }
}

/// Why the node stops.
enum Stop {
    /// SIGINT or SIGTERM.
    Signal,
    /// The engine's thread ended, with its result.
    Engine(Result<()>),
}

/// SIGTERM and SIGINT, caught (and remembered until awaited) from [`Signals::listen`] on.
struct Signals {
    terminate: Signal,
    interrupt: Signal,
}

impl Signals {
    fn listen() -> Result<Signals> {
        Ok(Signals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for a signal, or for the engine's thread to end.
    async fn wait_or(mut self, done: tokio::sync::oneshot::Receiver<Result<()>>) -> Result<Stop> {
        tokio::select! {
            _ = self.terminate.recv() => Ok(Stop::Signal),
            _ = self.interrupt.recv() => Ok(Stop::Signal),
            result = done => Ok(Stop::Engine(result.unwrap_or_else(|_| Err(anyhow!("the engine thread ended"))))),
        }
    }
}
