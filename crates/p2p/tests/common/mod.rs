//! Helpers shared by the loopback tests: real libp2p nodes on 127.0.0.1.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use civitas_consensus::ConsensusMessage;
use civitas_ledger::Ledger;
use civitas_mempool::Rejection;
use civitas_p2p::identity::peer_id_of;
use civitas_p2p::{
    BlockSource, BlockSourceError, ConsensusEnvelope, ConsensusView, Limits, Multiaddr, Network,
    NetworkConfig, NetworkEvent, PeerId, SyncStatus, SyncedBlock, TransactionGate,
};
use civitas_types::testing::chain_id;
use civitas_types::{
    AccountId, BoundedBytes, ChainId, PublicKey, SignedTransaction, SigningKey, TransactionBody,
    ValidatorSet, Vote, VoteType, decode, encode,
};
use libp2p::multiaddr::Protocol;

/// Accepts transactions that decode strictly and whose signatures verify.
pub struct SignatureGate;

impl TransactionGate for SignatureGate {
    fn check(&self, bytes: &[u8]) -> Result<(), Rejection> {
        let tx = decode::<SignedTransaction>(bytes).map_err(Rejection::Malformed)?;
        tx.verify_signatures().map_err(|_| Rejection::BadSignature)
    }
}

/// Serves nothing: a node at genesis.
pub struct NoBlocks;

impl BlockSource for NoBlocks {
    fn status(&self) -> SyncStatus {
        SyncStatus {
            height: 0,
            first_height: 1,
        }
    }
    fn blocks(&self, _: u64, _: usize) -> Result<Vec<SyncedBlock>, BlockSourceError> {
        Ok(Vec::new())
    }
}

/// Serves the blocks of a ledger.
pub struct LedgerSource(pub Arc<Mutex<Ledger>>);

impl BlockSource for LedgerSource {
    fn status(&self) -> SyncStatus {
        let ledger = self.0.lock().unwrap();
        SyncStatus {
            height: ledger.height(),
            first_height: ledger.first_block_height(),
        }
    }
    fn blocks(&self, from: u64, limit: usize) -> Result<Vec<SyncedBlock>, BlockSourceError> {
        let ledger = self.0.lock().unwrap();
        let blocks = ledger.blocks(from, limit)?;
        Ok(blocks
            .into_iter()
            .map(|(block, certificate)| SyncedBlock { block, certificate })
            .collect())
    }
}

/// The view of height `height` under `validators`.
pub fn view(validators: &ValidatorSet, height: u64) -> ConsensusView {
    ConsensusView {
        chain_id: chain_id(),
        height,
        validators: validators.clone(),
    }
}

/// Limits with fast heartbeats and redials, for tests.
pub fn test_limits() -> Limits {
    Limits {
        heartbeat: Duration::from_millis(100),
        redial_interval: Duration::from_millis(500),
        ..Limits::default()
    }
}

/// The network key of the node whose consensus key is `key`: a key of its own
/// (never the consensus key), derived here so tests can name any node's peer.
pub fn network_key(key: &SigningKey) -> SigningKey {
    let seed = key.seed().map(|byte| byte ^ 0x5c);
    SigningKey::from_seed(&seed)
}

/// The network keys of `validators`, whose consensus keys are test keys
/// (`signing_keys`): what the civic validator registry would list.
pub fn validator_network_keys(validators: &ValidatorSet) -> Vec<PublicKey> {
    let test_keys = civitas_types::testing::signing_keys(64);
    validators
        .validators()
        .iter()
        .map(|validator| {
            let key = test_keys
                .iter()
                .find(|key| key.public_key() == validator.public_key)
                .expect("validators of test keys");
            network_key(key).public_key()
        })
        .collect()
}

/// Starts a node of `key` on a free loopback port.
pub async fn start(
    key: &SigningKey,
    validators: &ValidatorSet,
    bootstrap: Vec<Multiaddr>,
    blocks: Arc<dyn BlockSource>,
) -> Network {
    start_with(key, validators, bootstrap, blocks, test_limits()).await
}

/// Starts a node whose libp2p identity is `network_key`, allowing the
/// validators whose network keys are `allowed` (for tests of the identity itself).
pub async fn start_as(
    network_key: &SigningKey,
    validators: &ValidatorSet,
    allowed: &[PublicKey],
    bootstrap: Vec<Multiaddr>,
) -> Network {
    let config = NetworkConfig {
        chain_id: chain_id(),
        listen: "/ip4/127.0.0.1/tcp/0".parse().unwrap(),
        bootstrap,
        observers: Vec::new(),
        limits: test_limits(),
    };
    Network::start(
        config,
        network_key,
        view(validators, 1),
        allowed,
        Arc::new(SignatureGate),
        Arc::new(NoBlocks),
    )
    .await
    .unwrap()
}

/// Starts a node with explicit limits.
pub async fn start_with(
    key: &SigningKey,
    validators: &ValidatorSet,
    bootstrap: Vec<Multiaddr>,
    blocks: Arc<dyn BlockSource>,
    limits: Limits,
) -> Network {
    let config = NetworkConfig {
        chain_id: chain_id(),
        listen: "/ip4/127.0.0.1/tcp/0".parse().unwrap(),
        bootstrap,
        observers: Vec::new(),
        limits,
    };
    Network::start(
        config,
        &network_key(key),
        view(validators, 1),
        &validator_network_keys(validators),
        Arc::new(SignatureGate),
        blocks,
    )
    .await
    .unwrap()
}

/// The address to dial `network` at, naming its peer.
pub fn address_of(network: &Network) -> Multiaddr {
    network
        .listen_address
        .clone()
        .with(Protocol::P2p(network.handle.local_peer_id()))
}

/// The peer id of the node whose consensus key is `key` (its network key's).
pub fn peer(key: &SigningKey) -> PeerId {
    peer_id_of(&network_key(key).public_key()).unwrap()
}

/// Waits until `network` is connected to every peer of `peers`.
pub async fn wait_connected(network: &Network, peers: &[PeerId]) {
    eventually("connected", || async {
        let connected = network.handle.connected_peers().await.unwrap();
        peers.iter().all(|p| connected.contains(p))
    })
    .await;
}

/// Polls `condition` every 50 ms for up to 20 s.
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Waits for the next event matching `select`, for up to 20 s.
pub async fn next_matching<T>(
    network: &mut Network,
    mut select: impl FnMut(NetworkEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let event = tokio::time::timeout_at(deadline, network.events.recv())
            .await
            .expect("timed out waiting for a network event")
            .expect("network stopped");
        if let Some(found) = select(event) {
            return found;
        }
    }
}

/// A signed transaction from `key` with sequence `sequence`.
pub fn transaction(key: &SigningKey, sequence: u64) -> SignedTransaction {
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: AccountId::from_public_key(&key.public_key()),
        sequence,
        expiry_height: 100,
        payload: BoundedBytes::try_from_vec(vec![1; 32]).unwrap(),
    };
    SignedTransaction::sign(body, &[key]).unwrap()
}

/// A signed prevote of `key` at `height` for nothing.
pub fn vote(key: &SigningKey, height: u64) -> ConsensusEnvelope {
    vote_on(&chain_id(), key, height)
}

/// A signed prevote of `key` at `height` of chain `chain`, for nothing.
pub fn vote_on(chain: &ChainId, key: &SigningKey, height: u64) -> ConsensusEnvelope {
    let vote = Vote {
        chain_id: chain.clone(),
        vote_type: VoteType::Prevote,
        height,
        round: 0,
        block_hash: None,
        validator: key.public_key(),
    };
    ConsensusEnvelope {
        message: ConsensusMessage::Vote(vote.sign(key)),
        block: None,
    }
}

/// Publishes `bytes` as a transaction, retrying while no peer subscribes yet.
pub async fn publish_transaction(network: &Network, bytes: Vec<u8>) {
    for _ in 0..200 {
        if network
            .handle
            .publish_transaction(bytes.clone())
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("could not publish: no subscribed peer");
}

/// Publishes a consensus message, retrying while no peer subscribes yet.
pub async fn publish_consensus(network: &Network, envelope: &ConsensusEnvelope) {
    for _ in 0..200 {
        if network.handle.publish_consensus(envelope).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("could not publish: no subscribed peer");
}

/// The encoding of `tx`.
pub fn bytes_of(tx: &SignedTransaction) -> Vec<u8> {
    encode(tx)
}
