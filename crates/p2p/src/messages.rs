//! What the application and the network task say to each other: the commands a
//! [`crate::NetworkHandle`] sends, the [`NetworkEvent`]s it gets back, the
//! [`BlockSource`] the task serves sync requests from, and the task's
//! [`GossipStats`]. Both sides import this module; neither imports the other.

use civitas_types::PublicKey;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::oneshot;

use crate::P2pError;
use crate::sync::{SyncRequest, SyncResponse, SyncStatus, SyncedBlock, VerifyError};
use crate::validate::{ConsensusView, Verdict};
use crate::wire::{ConsensusEnvelope, Topic};

/// Where a node's blocks come from when a peer syncs from it (the ledger).
pub trait BlockSource: Send + Sync + 'static {
    /// The heights this node can serve.
    fn status(&self) -> SyncStatus;
    /// Up to `limit` consecutive blocks from `from`, with their certificates. An
    /// error is this node's own (its store is unreadable): it is logged for the
    /// operator and the peer is told only that blocks are unavailable.
    fn blocks(&self, from: u64, limit: usize) -> Result<Vec<SyncedBlock>, BlockSourceError>;
}

/// Why this node could not read the blocks a peer asked for.
pub type BlockSourceError = Box<dyn std::error::Error + Send + Sync>;

/// What the network reports to the application.
#[derive(Clone, Debug)]
pub enum NetworkEvent {
    /// A gossiped transaction that the [`crate::TransactionGate`] admitted.
    Transaction {
        /// The peer that forwarded it.
        from: PeerId,
        /// Its encoding.
        bytes: Vec<u8>,
    },
    /// A gossiped proposal or vote that passed [`crate::validate::check_consensus`].
    Consensus {
        /// The peer that forwarded it.
        from: PeerId,
        /// The message (with the block, for a proposal).
        envelope: Box<ConsensusEnvelope>,
    },
    /// The first connection with an allowed peer opened.
    PeerConnected(PeerId),
    /// The last connection with a peer closed.
    PeerDisconnected(PeerId),
}

/// Something a peer sent that proves it faulty, reported by the application so
/// the peer is disconnected and banned.
#[derive(Debug, thiserror::Error)]
pub enum Misbehaviour {
    /// A synced block that failed verification.
    #[error("sent an invalid block: {0}")]
    InvalidBlock(#[from] VerifyError),
    /// Something the application found provably wrong (e.g. a proposal whose
    /// block re-executes to another state root).
    #[error("{0}")]
    Application(Box<dyn std::error::Error + Send + Sync>),
}

pub(crate) enum Command {
    Publish {
        topic: Topic,
        bytes: Vec<u8>,
        reply: oneshot::Sender<Result<(), P2pError>>,
    },
    SetView(ConsensusView, oneshot::Sender<Result<(), P2pError>>),
    SetValidatorPeers(Vec<PublicKey>, oneshot::Sender<Result<(), P2pError>>),
    Request {
        peer: PeerId,
        request: SyncRequest,
        reply: oneshot::Sender<Result<SyncResponse, P2pError>>,
    },
    Dial(Multiaddr, oneshot::Sender<Result<(), P2pError>>),
    Peers(oneshot::Sender<Vec<PeerId>>),
    Report {
        peer: PeerId,
        misbehaviour: Misbehaviour,
    },
    Stats(oneshot::Sender<GossipStats>),
}

/// Gossip messages validated since the network started, by verdict. Messages
/// from graylisted peers are dropped by gossipsub before validation and are not
/// counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GossipStats {
    /// Delivered and forwarded.
    pub accepted: u64,
    /// Dropped without blame (stale, rate-limited, not admitted for now).
    pub ignored: u64,
    /// Dropped and counted against the sender.
    pub rejected: u64,
}

impl GossipStats {
    pub(crate) fn count(&mut self, verdict: &Verdict) {
        let counter = match verdict {
            Verdict::Accept => &mut self.accepted,
            Verdict::Ignore(_) => &mut self.ignored,
            Verdict::Reject(_) => &mut self.rejected,
        };
        *counter = counter.saturating_add(1);
    }
}
