//! Where an audit reads the chain, and the replay every audit command
//! shares: a node over JSON-RPC (`civitas_getBlocks`, with a credential
//! unless on loopback), or a data directory — a copy of a node's, or a
//! stopped or running node's own — opened read-only through the ledger, its
//! every file's checksums checked first. Either way the blocks go through
//! the same pure audit ([`ChainAudit`]), so the two reports match.

use std::path::{Path, PathBuf};
use std::time::Instant;

use civitas_audit::{AuditError, ChainAudit};
use civitas_genesis::GenesisDocument;
use civitas_ledger::Ledger;
use civitas_rpc_api::{CivitasApiClient, HttpClient};
use civitas_types::{Block, QuorumCertificate, decode};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::{data_dir, resume};
use crate::context::Context;
use crate::exit::CliError;
use crate::node;
use crate::output::emit;

/// Blocks asked for per page over RPC: the API's most (the node may send
/// fewer, by its byte budget); read per batch from a data directory.
const PAGE: u32 = civitas_rpc_api::BLOCKS_LIST_MAX;

/// The chain an audit command reads, and the one input it trusts.
#[derive(Args, Debug, Clone)]
pub struct ChainArgs {
    /// The network's genesis file: the one trusted input.
    #[arg(long, value_name = "FILE")]
    pub genesis: PathBuf,
    /// Read the chain from this data directory instead of a node: a node's
    /// home, its `data/` or its `data/ledger/` directory (a copy, or a
    /// node's own, read-only). Without it, the chain comes from --node.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Start from this snapshot (`--save-snapshot` of an earlier audit, or
    /// one a ledger exported) instead of genesis: it is checked against the validator-set
    /// history from genesis, then only the blocks after it are replayed.
    /// With --data-dir, the node's whole data/ directory is needed (its
    /// record of validator sets beside the ledger).
    #[arg(long, value_name = "FILE")]
    pub from_snapshot: Option<PathBuf>,
}

/// A chain replayed through the audit up to its target height, not yet
/// finished: the caller finishes it (with the last certificate) for a
/// summary, or for the summary and the final state.
pub struct Replay {
    /// The audit, every block given.
    pub audit: ChainAudit,
    /// The certificate of the last block given (`None` at the genesis height).
    pub last_certificate: Option<QuorumCertificate>,
    /// When the replay started (for the report's rate).
    pub started: Instant,
    /// Where the chain was read, for the report ("node URL" or the directory).
    pub source: String,
    /// The height of the last block given (the genesis height's, before the first).
    pub target: u64,
    /// What a data directory keeps beside the last block, checked once the
    /// audit is finished ([`finished`]).
    pub last_kept: data_dir::Beside,
    chain: Source,
    progress: Option<ProgressBar>,
}

impl Replay {
    /// Clears the progress bar, if any.
    pub fn done(&self) {
        if let Some(progress) = &self.progress {
            progress.finish_and_clear();
        }
    }

    /// The block of `height` as the source gives it (for saving the
    /// verified state with its block: the caller checks it is the one the
    /// audit verified).
    pub async fn block(&self, context: &Context, height: u64) -> Result<Block, CliError> {
        let missing = || CliError::failure(format!("{} gave no block {height}", self.source));
        match &self.chain {
            Source::Rpc(client) => {
                let page = node::call(
                    context,
                    "civitas_getBlocks",
                    client.get_blocks(height, Some(1)),
                )
                .await?;
                let view = page
                    .blocks
                    .into_iter()
                    .find(|view| view.height == height)
                    .ok_or_else(missing)?;
                let bytes = civitas_rpc_api::from_hex(&view.block).map_err(|e| {
                    CliError::verification(format!("block {height} is not hex: {e}"))
                })?;
                decode(&bytes).map_err(|e| {
                    CliError::verification(format!("block {height} does not decode: {e}"))
                })
            }
            Source::DataDir(ledger) => ledger
                .block(height)
                .map_err(|e| data_dir::storage(ledger, e))?
                .ok_or_else(missing),
        }
    }
}

/// The chain's blocks, from a node or a data directory.
enum Source {
    Rpc(HttpClient),
    DataDir(Box<Ledger>),
}

/// Replays the chain of `args` through the audit up to `to` (default: the
/// source's last height). A block that fails is reported (text or JSON,
/// as `audit verify` does) and ends the command with exit 5.
pub async fn replay(
    context: &Context,
    args: &ChainArgs,
    to: Option<u64>,
) -> Result<Replay, CliError> {
    let genesis = read_genesis(&args.genesis)?;
    let (source, tip, name) = match &args.data_dir {
        Some(dir) => {
            let ledger = data_dir::open(context, dir, &genesis)?;
            let (tip, name) = (ledger.height(), data_dir::name(&ledger));
            (Source::DataDir(Box::new(ledger)), tip, name)
        }
        None => connect(context, &genesis, &args.genesis).await?,
    };
    let target = to.unwrap_or(tip).min(tip);
    let mut audit = match (&args.from_snapshot, &source) {
        (Some(path), Source::Rpc(client)) => {
            let history = resume::History::Node(client);
            resume::resume(context, history, &genesis, path, target).await?
        }
        (Some(path), Source::DataDir(ledger)) => {
            let dir = args.data_dir.as_deref().unwrap_or(Path::new("."));
            let history = resume::History::DataDir(dir, ledger);
            resume::resume(context, history, &genesis, path, target).await?
        }
        (None, _) => ChainAudit::new(&genesis).map_err(|e| failed(&e))?,
    };
    let progress = progress_bar(context, target);
    let started = Instant::now();
    let mut beside = data_dir::Beside::default();
    let mut from = audit.next_height();
    while from <= target {
        let blocks = source.blocks(context, from, target).await?;
        if blocks.is_empty() {
            return Err(CliError::failure(format!(
                "{name} gave no block from height {from}"
            )));
        }
        for block in blocks {
            let pushed = match block {
                Received::Bytes(height, bytes) => audit.push_bytes(&bytes).map(|()| height),
                Received::Stored(stored) => beside.push(&mut audit, *stored),
            };
            match pushed {
                Ok(height) => {
                    if let Some(progress) = &progress {
                        progress.set_position(height);
                        progress.set_message(rate(audit.summary().transactions, started));
                    }
                }
                Err(error) => {
                    if let Some(progress) = &progress {
                        progress.abandon();
                    }
                    return Err(report_failure(context, &error));
                }
            }
        }
        from = audit.next_height();
    }
    let last_certificate = match target {
        height if height < genesis.initial_height => None,
        0 => None,
        height => source.certificate(context, height).await?,
    };
    Ok(Replay {
        audit,
        last_certificate,
        started,
        source: name,
        target,
        last_kept: beside,
        chain: source,
        progress,
    })
}

/// What finishing a replay's audit gave (`finishing`), then what a data
/// directory keeps beside the last block checked against it: only a block
/// verified whole can judge what is kept beside it, so its own failure
/// comes first, as one block at a time.
pub fn finished<T>(
    context: &Context,
    finishing: Result<T, AuditError>,
    last_kept: &mut data_dir::Beside,
) -> Result<T, CliError> {
    let value = finishing.map_err(|error| report_failure(context, &error))?;
    last_kept
        .check_last()
        .map_err(|error| report_failure(context, &error))?;
    Ok(value)
}

/// A block as the source gives it.
enum Received {
    /// Canonical bytes (from RPC), decoded by the audit on another thread.
    Bytes(u64, Vec<u8>),
    /// Decoded by the ledger, with what the store keeps beside it.
    Stored(Box<data_dir::StoredBlock>),
}

impl Source {
    /// Blocks from `from`, at most a page, none above `target`.
    async fn blocks(
        &self,
        context: &Context,
        from: u64,
        target: u64,
    ) -> Result<Vec<Received>, CliError> {
        match self {
            Source::Rpc(client) => {
                let page = node::call(
                    context,
                    "civitas_getBlocks",
                    client.get_blocks(from, Some(PAGE)),
                )
                .await?;
                page.blocks
                    .into_iter()
                    .filter(|view| view.height <= target)
                    .map(|view| {
                        civitas_rpc_api::from_hex(&view.block)
                            .map(|bytes| Received::Bytes(view.height, bytes))
                            .map_err(|e| {
                                CliError::verification(format!(
                                    "block {} is not hex: {e}",
                                    view.height
                                ))
                            })
                    })
                    .collect()
            }
            Source::DataDir(ledger) => {
                let count = target
                    .saturating_sub(from)
                    .saturating_add(1)
                    .min(PAGE.into());
                let count = usize::try_from(count).unwrap_or(usize::MAX);
                Ok(data_dir::stored_blocks(ledger, from, count)?
                    .into_iter()
                    .map(|stored| Received::Stored(Box::new(stored)))
                    .collect())
            }
        }
    }

    /// The certificate that made block `height` final.
    async fn certificate(
        &self,
        context: &Context,
        height: u64,
    ) -> Result<Option<QuorumCertificate>, CliError> {
        match self {
            Source::Rpc(client) => node::call(
                context,
                "civitas_getCertificate",
                client.get_certificate(height),
            )
            .await?
            .map(|view| view.decode_certificate())
            .transpose()
            .map_err(|e| {
                CliError::verification(format!("the last certificate does not decode: {e}"))
            }),
            Source::DataDir(ledger) => ledger
                .certificate(height)
                .map_err(|e| data_dir::storage(ledger, e)),
        }
    }
}

/// The node, checked to serve the chain of `genesis`.
async fn connect(
    context: &Context,
    genesis: &GenesisDocument,
    genesis_path: &Path,
) -> Result<(Source, u64, String), CliError> {
    let client = node::client(context)?;
    let status = node::call(context, "civitas_status", client.status()).await?;
    let expected = civitas_rpc_api::to_hex(genesis.hash());
    if status.genesis_hash != expected {
        return Err(CliError::verification(format!(
            "the node's chain (genesis {}) is not the chain of {} (genesis {expected})",
            status.genesis_hash,
            genesis_path.display(),
        )));
    }
    Ok((
        Source::Rpc(client),
        status.height,
        format!("the node at {}", context.node),
    ))
}

/// Reads and parses a genesis file.
pub fn read_genesis(path: &Path) -> Result<GenesisDocument, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
    civitas_genesis::from_json(&text)
        .map_err(|e| CliError::failure(format!("{} is not a genesis file: {e}", path.display())))
}

/// The exit for an audit error: a verdict on the chain is exit 5; an audit
/// that could not run is exit 1.
pub fn failed(error: &AuditError) -> CliError {
    if error.failure.is_verdict() {
        CliError::verification(format!("the chain does not verify at {error}"))
    } else {
        CliError::failure(format!("the audit could not run: {error}"))
    }
}

/// Prints the failure report (text or JSON) and returns the exit for it.
pub fn report_failure(context: &Context, error: &AuditError) -> CliError {
    let value =
        json!({"valid": false, "height": error.height, "reason": error.failure.to_string()});
    let printed = emit(context, &value, || {
        format!("FAILED at height {}: {}\n", error.height, error.failure)
    });
    match printed {
        Ok(()) => failed(error),
        Err(e) => e,
    }
}

/// Transactions per second since `started`, for people.
pub fn rate(transactions: u64, started: Instant) -> String {
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    format!("{:.0} transactions/s", transactions as f64 / seconds)
}

fn progress_bar(context: &Context, target: u64) -> Option<ProgressBar> {
    if !context.interactive {
        return None;
    }
    let bar = ProgressBar::new(target);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} blocks  {msg}  eta {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}
