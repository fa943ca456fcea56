//! `civitas-node`: the validator a collectivity's operator runs.
//!
//! `init` creates a home (keys readable by their owner only, a commented
//! `config.toml`); `start` runs a validator (or an observer) from a home and
//! a genesis file;
//! `devnet` runs a one-validator demo chain. docs/operator-guide.md is the
//! manual.

mod allowed_peers;
mod backlog;
mod catch_up;
mod config;
mod devnet;
mod driver;
mod duplicate_key;
mod home;
mod localnet;
mod metrics;
mod network;
mod outbox;
mod rpc;
mod run;
mod sign_store;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::LogFormat;

/// The Civitas validator node.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates a home directory: consensus and network keys (mode 0600) and a
    /// commented config.toml with every default.
    ///
    /// Example: civitas-node init --home /var/lib/civitas
    Init {
        /// The home directory to create (must not hold keys already).
        #[arg(long, env = "CIVITAS_NODE_HOME")]
        home: PathBuf,
    },
    /// Runs a validator from HOME with the chain's genesis file; a home
    /// whose consensus key is not a validator runs as an observer (follows
    /// the chain, serves RPC, never signs).
    ///
    /// Example: civitas-node start --home /var/lib/civitas --genesis genesis.json
    Start {
        /// The home directory (`civitas-node init` made it).
        #[arg(long, env = "CIVITAS_NODE_HOME")]
        home: PathBuf,
        /// The chain's genesis file (JSON, docs/genesis.md).
        #[arg(long, env = "CIVITAS_GENESIS")]
        genesis: PathBuf,
        /// Log as JSON lines instead of the config's format.
        #[arg(long)]
        log_json: bool,
        /// Sign even if this validator's consensus key signed recent blocks
        /// that this home has no record of signing (another machine with the
        /// same key, or an old backup). Dangerous: both signers will sign,
        /// and the double signature is recorded against the validator. Only
        /// for tests, or once the other machine is proven gone for good
        /// (docs/operator-guide.md, "Same key twice").
        #[arg(long, hide_short_help = true)]
        allow_duplicate_signing: bool,
    },
    /// Runs a one-validator demo chain with demo collectivity, officials,
    /// residents, merchants, programme, energy community and registry, and
    /// prints what to try next.
    ///
    /// Example: civitas-node devnet --home ./devnet
    Devnet {
        /// The devnet's home (created on first use, reused afterwards).
        #[arg(long, env = "CIVITAS_NODE_HOME", default_value = "devnet")]
        home: PathBuf,
        /// Log as JSON lines instead of the config's format.
        #[arg(long)]
        log_json: bool,
    },
    /// Manages the credentials of RPC callers allowed the credentialed
    /// methods (whole blocks, raw state keys): validators, accredited
    /// auditors. Stored hashed in HOME/rpc_credentials; a running node sees
    /// changes at its next request.
    ///
    /// Example: civitas-node rpc-credential add --home /var/lib/civitas --name audit-chamber
    RpcCredential {
        #[command(subcommand)]
        action: CredentialAction,
    },
    /// Writes one demo genesis for several homes (scripts/localnet.sh) and
    /// prints each home's peer id, one per line.
    #[command(hide = true)]
    LocalnetGenesis {
        /// The homes, comma-separated, each made by `init`.
        #[arg(long, value_delimiter = ',', required = true)]
        homes: Vec<PathBuf>,
        /// Where to write the genesis.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum CredentialAction {
    /// Creates a credential and prints its token, once (give it to the
    /// caller over a safe channel; it sends `Authorization: Bearer TOKEN`).
    ///
    /// Example: civitas-node rpc-credential add --home /var/lib/civitas --name audit-chamber
    Add {
        /// The home directory.
        #[arg(long, env = "CIVITAS_NODE_HOME")]
        home: PathBuf,
        /// A name for the caller (one word), e.g. audit-chamber.
        #[arg(long)]
        name: String,
    },
    /// Revokes a credential; the node refuses it from its next request.
    ///
    /// Example: civitas-node rpc-credential revoke --home /var/lib/civitas --name audit-chamber
    Revoke {
        /// The home directory.
        #[arg(long, env = "CIVITAS_NODE_HOME")]
        home: PathBuf,
        /// The credential's name.
        #[arg(long)]
        name: String,
    },
    /// Lists the credentials' names.
    ///
    /// Example: civitas-node rpc-credential list --home /var/lib/civitas
    List {
        /// The home directory.
        #[arg(long, env = "CIVITAS_NODE_HOME")]
        home: PathBuf,
    },
}

/// Runs an `rpc-credential` action.
fn credential(action: CredentialAction) -> anyhow::Result<()> {
    use crate::rpc::credentials;
    match action {
        CredentialAction::Add { home, name } => {
            let token = credentials::add(&home::Home::new(home).rpc_credentials(), &name)?;
            println!("{token}");
            eprintln!(
                "credential {name} added; its token (above) is shown only now: give it to the caller, who sends `Authorization: Bearer <token>` over loopback or TLS"
            );
        }
        CredentialAction::Revoke { home, name } => {
            if !credentials::revoke(&home::Home::new(home).rpc_credentials(), &name)? {
                anyhow::bail!("no credential named {name}");
            }
            eprintln!("credential {name} revoked");
        }
        CredentialAction::List { home } => {
            for name in credentials::list(&home::Home::new(home).rpc_credentials())? {
                println!("{name}");
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init { home } => run::init(&home::Home::new(home.clone())).map(|(consensus, network)| {
            println!(
                "created {home}\n  consensus key {}\n  network key   {}\nnext: give the consensus and network keys to your network's genesis, then run\n  civitas-node start --home {home} --genesis genesis.json",
                consensus.public_key(),
                network.public_key(),
                home = home.display(),
            );
        }),
        Command::Start {
            home,
            genesis,
            log_json,
            allow_duplicate_signing,
        } => run::start(
            &home::Home::new(home),
            &genesis,
            log_json.then_some(LogFormat::Json),
            allow_duplicate_signing,
        ),
        Command::Devnet { home, log_json } => {
            devnet::run(&home::Home::new(home), log_json.then_some(LogFormat::Json))
        }
        Command::RpcCredential { action } => credential(action),
        Command::LocalnetGenesis { homes, out } => {
            localnet::genesis(&homes, &out).map(|peers| {
                for peer in peers {
                    println!("{peer}");
                }
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("civitas-node: {error:#}");
            ExitCode::FAILURE
        }
    }
}
