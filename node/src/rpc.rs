//! The JSON-RPC server: `civitas-rpc-api`'s methods (HTTP and WebSocket on one
//! port), answered from the published [`Snapshot`] (status), by the engine's
//! thread through [`Command`]s (submission, blocks, evidence), or — the
//! chain, transaction, account and state reads of [`chain`] and [`state`] —
//! on the server's own threads from the shared store ([`StoreReads`], one
//! read guard per answer); the subscriptions from the commits the engine's
//! thread publishes ([`subscriptions`]).
//! Limits and per-method metrics are the [`guard`]'s.

mod chain;
mod connections;
pub mod credentials;
pub mod guard;
pub mod metrics;
mod rate_limit;
mod state;
pub mod subscriptions;
pub mod tls;

use std::net::SocketAddr;
use std::sync::mpsc::Sender;
use std::sync::{Arc, RwLock};

use anyhow::Result;
use civitas_civic::model::{NamespaceName, RecordId};
use civitas_rpc_api::{
    AccountView, BeneficiaryAnswer, BlockList, BlockView, CertificateView, CivitasApiServer,
    CollectivityAnswer, CommunityAnswer, DocumentAnswer, ErrorObjectOwned, EvidenceList,
    EvidenceQuery, HeaderView, MerchantAnswer, MerchantBalanceAnswer, MeterAnswer, ProgrammeAnswer,
    ProposalAnswer, RecordAnswer, RpcResult, STATE_KEY_BYTES_MAX, SignedQuery, SlotAnswer,
    StateProofAnswer, Status, TransactionView, ValidatorsView, beneficiary_params, check_query,
    internal_error, invalid_params, merchant_balance_params, meter_params, parse_account,
    parse_hash, parse_siren, parse_transaction_hex, period_range, rejection_error, slot_range,
    to_hex,
};
use civitas_types::{Hash, PublicKey};
use jsonrpsee::server::ServerHandle;
use tokio::sync::oneshot;

use crate::config::Config;
use crate::driver::{Command, Snapshot};
use crate::store::{LedgerStore, StoreReads};
use metrics::RpcMetrics;

/// What the status shows besides the chain's progress.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    /// The chain id.
    pub chain_id: String,
    /// The genesis hash.
    pub genesis_hash: Hash,
    /// The protocol version of the genesis.
    pub protocol_version: u32,
    /// This node's consensus key: its validator address while the validator
    /// set holds it (an observer's is in no set).
    pub validator: PublicKey,
}

/// The methods' implementation.
struct RpcNode {
    info: NodeInfo,
    commands: Sender<Command>,
    reads: StoreReads,
    snapshot: Arc<RwLock<Snapshot>>,
}

/// A running server.
pub struct RpcServer {
    /// Where it listens.
    pub address: SocketAddr,
    /// Its per-method metrics, for the metrics port.
    pub metrics: RpcMetrics,
    handle: ServerHandle,
}

impl RpcServer {
    /// Stops accepting requests.
    pub fn stop(&self) {
        // Already stopped is fine.
        let _ = self.handle.stop();
    }
}

/// Binds `config.rpc.listen` and serves in the background, with the limits
/// of `config.rpc`; subscriptions read `commits`.
pub async fn serve(
    config: &Config,
    info: NodeInfo,
    commands: Sender<Command>,
    reads: StoreReads,
    snapshot: Arc<RwLock<Snapshot>>,
    commits: subscriptions::Commits,
    credentials: Arc<credentials::Credentials>,
) -> Result<RpcServer> {
    let subscriptions = subscriptions::RpcSubscriptions::new(
        commands.clone(),
        commits,
        config.rpc.subscription_backlog_max,
        Arc::clone(&credentials),
    );
    let node = RpcNode {
        info,
        commands,
        reads,
        snapshot,
    };
    // `rpc.discover` (the OpenRPC document) is outside the trait's `civitas_`
    // namespace: registered beside its methods (docs/decisions/0019-openrpc.md).
    let mut module = node.into_rpc();
    module
        .merge(civitas_rpc_api::CivitasSubscriptionsServer::into_rpc(
            subscriptions,
        ))
        .map_err(|error| anyhow::anyhow!("cannot register the subscriptions: {error}"))?;
    civitas_rpc_api::openrpc::register_discover(&mut module)
        .map_err(|error| anyhow::anyhow!("cannot register rpc.discover: {error}"))?;
    let metrics = RpcMetrics::new(module.method_names());
    let (address, handle) = guard::serve(
        config.rpc.listen,
        &config.rpc,
        module.into(),
        metrics.clone(),
        credentials,
    )
    .await?;
    Ok(RpcServer {
        address,
        metrics,
        handle,
    })
}

impl RpcNode {
    /// Sends `command` (built around a reply channel) and awaits the answer.
    async fn ask<T>(&self, command: impl FnOnce(oneshot::Sender<T>) -> Command) -> RpcResult<T> {
        let (reply, answer) = oneshot::channel();
        if self.commands.send(command(reply)).is_err() {
            return Err(stopped());
        }
        answer.await.map_err(|_| stopped())
    }
}

impl RpcNode {
    /// Runs `read` against the store, under one read guard so its whole
    /// answer is of one height. It runs here, on the server's thread: reads
    /// are bounded and short, and wait only for a commit's write (not for
    /// the engine's other work, nor for each other).
    async fn query<T: Send + 'static>(
        &self,
        read: impl FnOnce(&LedgerStore) -> RpcResult<T> + Send + 'static,
    ) -> RpcResult<T> {
        let store = self
            .reads
            .read()
            .map_err(|error| internal_error(&error.to_string()))?;
        read(&store)
    }
}

/// The store's last committed height, with its block's hash and time (none
/// before the first block).
fn stored_tip(store: &LedgerStore) -> RpcResult<(u64, Option<Hash>, Option<u64>)> {
    let height = store.ledger().height();
    if height == 0 {
        return Ok((0, None, None));
    }
    let time = civitas_engine::ChainStore::block_time(store, height)
        .map_err(|error| internal_error(&error.to_string()))?;
    Ok((height, Some(store.ledger().last_block_hash()), time))
}

fn stopped() -> ErrorObjectOwned {
    internal_error("the node is stopping; try again once it is back")
}

#[jsonrpsee::core::async_trait]
impl CivitasApiServer for RpcNode {
    async fn status(&self) -> RpcResult<Status> {
        let snapshot = self
            .snapshot
            .read()
            .map(|s| s.clone())
            .map_err(|_| internal_error("the status is poisoned"))?;
        // The tip is the store's, not the driver's snapshot: a block can be
        // read (getTransaction, getBlock) once written, a moment before the
        // driver publishes it, and a client that saw its transaction
        // committed at a height must not then read a lower status.
        let (height, last_block_hash, last_block_time_ms) = self.query(stored_tip).await?;
        Ok(Status {
            chain_id: self.info.chain_id.clone(),
            genesis_hash: to_hex(self.info.genesis_hash),
            height,
            last_block_hash: last_block_hash.map(to_hex),
            last_block_time_ms,
            catching_up: snapshot.catching_up,
            node_version: env!("CARGO_PKG_VERSION").to_string(),
            protocol_version: self.info.protocol_version,
            validator_address: snapshot.signing.then(|| to_hex(self.info.validator)),
        })
    }

    async fn submit_transaction(&self, transaction: String) -> RpcResult<String> {
        let bytes = parse_transaction_hex(&transaction)?;
        let results = self
            .ask(|reply| Command::Submit {
                transactions: vec![bytes],
                reply,
            })
            .await?;
        match results.into_iter().next() {
            Some(Ok(id)) => Ok(to_hex(id)),
            Some(Err(rejection)) => Err(rejection_error(&rejection)),
            None => Err(internal_error("the mempool gave no answer")),
        }
    }

    async fn get_block(&self, height: u64) -> RpcResult<Option<BlockView>> {
        let found = self.query(move |store| chain::block(store, height)).await?;
        Ok(found.map(|(block, certificate)| BlockView::from_block(&block, Some(&certificate))))
    }

    async fn get_transaction(&self, id: String) -> RpcResult<Option<TransactionView>> {
        let id = parse_hash("id", &id)?;
        self.query(move |store| chain::transaction(store, &id))
            .await
    }

    async fn get_evidence(
        &self,
        offender: Option<String>,
        start_after: Option<String>,
        limit: Option<u32>,
    ) -> RpcResult<EvidenceList> {
        let query = EvidenceQuery::parse(offender.as_deref(), start_after.as_deref(), limit)?;
        self.query(move |store| chain::evidence(store, &query))
            .await
    }

    async fn get_header(&self, height: u64) -> RpcResult<Option<HeaderView>> {
        self.query(move |store| chain::header(store, height)).await
    }

    async fn get_certificate(&self, height: u64) -> RpcResult<Option<CertificateView>> {
        self.query(move |store| chain::certificate(store, height))
            .await
    }

    async fn get_validators(&self, height: Option<u64>) -> RpcResult<ValidatorsView> {
        self.query(move |store| chain::validators(store, height))
            .await
    }

    async fn get_blocks(&self, from: u64, limit: Option<u32>) -> RpcResult<BlockList> {
        self.query(move |store| chain::blocks(store, from, limit))
            .await
    }

    async fn get_account(&self, address: String) -> RpcResult<AccountView> {
        let account = parse_account("address", &address)?;
        self.query(move |store| chain::account(store, &account))
            .await
    }
    async fn get_state_proof(&self, key: String) -> RpcResult<StateProofAnswer> {
        let key = parse_state_key(&key)?;
        self.query(move |store| state::state_proof(store, &key))
            .await
    }

    async fn get_record(&self, namespace: String, id: String) -> RpcResult<RecordAnswer> {
        let namespace = parse_namespace(&namespace)?;
        let id = RecordId::try_from_vec(id.into_bytes())
            .map_err(|_| invalid_params("id", "a record id is at most 64 bytes"))?;
        self.query(move |store| state::record(store, &namespace, &id))
            .await
    }

    async fn get_record_by_document(
        &self,
        namespace: String,
        document_hash: String,
    ) -> RpcResult<DocumentAnswer> {
        let namespace = parse_namespace(&namespace)?;
        let hash = parse_hash("documentHash", &document_hash)?;
        self.query(move |store| state::document(store, &namespace, &hash))
            .await
    }

    async fn get_collectivity(&self, siren: u32) -> RpcResult<CollectivityAnswer> {
        let siren = parse_siren("siren", siren)?;
        self.query(move |store| state::collectivity(store, &siren))
            .await
    }

    async fn get_programme(
        &self,
        id: u64,
        from_period: Option<u64>,
        periods: Option<u32>,
    ) -> RpcResult<ProgrammeAnswer> {
        let periods = period_range(from_period, periods)?;
        self.query(move |store| state::programme(store, id, periods))
            .await
    }

    async fn get_merchant(&self, programme: u64, merchant: String) -> RpcResult<MerchantAnswer> {
        let merchant = parse_account("merchant", &merchant)?;
        self.query(move |store| state::merchant(store, programme, &merchant))
            .await
    }

    async fn get_community(&self, id: u64) -> RpcResult<CommunityAnswer> {
        self.query(move |store| state::community(store, id)).await
    }

    async fn get_slot(&self, community: u64, slot: u64) -> RpcResult<SlotAnswer> {
        self.query(move |store| state::slot(store, community, slot))
            .await
    }

    async fn get_proposal(&self, id: u64, votes_after: Option<u32>) -> RpcResult<ProposalAnswer> {
        let after = votes_after
            .map(|siren| parse_siren("votesAfter", siren))
            .transpose()?;
        self.query(move |store| state::proposal(store, id, after))
            .await
    }

    async fn get_beneficiary(
        &self,
        ext: &jsonrpsee::Extensions,
        programme: u64,
        beneficiary: String,
        query: Option<SignedQuery>,
    ) -> RpcResult<BeneficiaryAnswer> {
        let account = parse_account("beneficiary", &beneficiary)?;
        if !credentialed(ext) {
            check_query(
                &account,
                query.as_ref(),
                &self.info.chain_id,
                "civitas_getBeneficiary",
                &beneficiary_params(programme, &account),
                self.tip()?,
            )?;
        }
        self.query(move |store| state::beneficiary(store, programme, &account))
            .await
    }

    async fn get_merchant_balance(
        &self,
        ext: &jsonrpsee::Extensions,
        programme: u64,
        merchant: String,
        query: Option<SignedQuery>,
    ) -> RpcResult<MerchantBalanceAnswer> {
        let account = parse_account("merchant", &merchant)?;
        if !credentialed(ext) {
            check_query(
                &account,
                query.as_ref(),
                &self.info.chain_id,
                "civitas_getMerchantBalance",
                &merchant_balance_params(programme, &account),
                self.tip()?,
            )?;
        }
        self.query(move |store| state::merchant_balance(store, programme, &account))
            .await
    }

    async fn get_meter(
        &self,
        ext: &jsonrpsee::Extensions,
        community: u64,
        meter: u64,
        from_slot: u64,
        slots: Option<u32>,
        query: Option<SignedQuery>,
    ) -> RpcResult<MeterAnswer> {
        let range = slot_range(from_slot, slots)?;
        let credentialed = credentialed(ext);
        let chain_id = self.info.chain_id.clone();
        // The owner is known only once the meter is read: the check runs
        // on the engine thread, against the height the answer is read at.
        let allowed = move |owner: &civitas_types::AccountId, tip: u64| {
            if credentialed {
                return Ok(());
            }
            check_query(
                owner,
                query.as_ref(),
                &chain_id,
                "civitas_getMeter",
                &meter_params(community, meter, from_slot, slots),
                tip,
            )
        };
        self.query(move |store| state::meter(store, community, meter, range, allowed))
            .await
    }
}

/// Whether the caller presented a valid credential.
fn credentialed(ext: &jsonrpsee::Extensions) -> bool {
    matches!(
        ext.get::<credentials::Caller>(),
        Some(credentials::Caller::Credentialed(_))
    )
}

impl RpcNode {
    /// The last committed height, as published.
    fn tip(&self) -> RpcResult<u64> {
        self.snapshot
            .read()
            .map(|s| s.height)
            .map_err(|_| internal_error("the status is poisoned"))
    }
}

/// A raw state key: `0x` and hex (the prefix may be left out), 1 to
/// [`STATE_KEY_BYTES_MAX`] bytes.
fn parse_state_key(text: &str) -> RpcResult<Vec<u8>> {
    let text = civitas_rpc_api::hex_digits(text);
    if text.is_empty() || text.len() > 2 * STATE_KEY_BYTES_MAX {
        return Err(invalid_params(
            "key",
            &format!("a state key is 0x and 1 to {STATE_KEY_BYTES_MAX} bytes of hex"),
        ));
    }
    hex::decode(text).map_err(|error| invalid_params("key", &format!("not hex: {error}")))
}

/// A registry namespace name, e.g. `permits/building`.
fn parse_namespace(text: &str) -> RpcResult<NamespaceName> {
    NamespaceName::from_text(text)
        .filter(NamespaceName::is_valid)
        .ok_or_else(|| {
            invalid_params(
                "namespace",
                "a namespace is 1 to 64 bytes of a-z 0-9 - _ /, e.g. permits/building",
            )
        })
}
