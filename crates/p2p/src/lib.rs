//! Civitas networking: libp2p (TCP + noise + yamux) among allowlisted peers.
//!
//! - [`identity`]: a node's libp2p identity *is* its consensus key, so the peer id
//!   of every validator follows from the validator set.
//! - [`Allowlist`]: the current validators plus configured observers; connections
//!   from anyone else are refused once the noise handshake names the peer, and
//!   peers removed by governance are disconnected.
//! - Gossip ([`wire`], [`validate`]): one gossipsub topic for transactions and one
//!   for consensus messages, per chain; every message is decoded strictly and
//!   checked before it is forwarded; invalid ones lower the sender's score.
//! - Block sync ([`sync`]): a request-response protocol serving blocks with their
//!   quorum certificates, and the checks a catching-up node applies before it
//!   executes a fetched block (`civitas-verify`'s, so auditors run the same
//!   ones without libp2p); [`catch_up`] drives it for a node that is behind.
//! - [`Network`]: the tokio task that runs the swarm, driven through a
//!   [`NetworkHandle`] and reporting [`NetworkEvent`]s; the messages both sides
//!   speak live in their own module, so neither side imports the other.
//!
//! docs/networking.md describes the protocols, formats and limits.

mod allowlist;
mod behaviour;
pub mod catch_up;
mod codec;
mod config;
mod driver;
mod error;
pub mod identity;
mod messages;
mod rate;
mod service;
pub mod sync;
pub mod validate;
pub mod wire;

pub use allowlist::Allowlist;
pub use catch_up::{CatchUpError, CatchUpReport, SyncTarget, catch_up};
pub use config::{
    GOSSIP_FRAMING_BYTES_MAX, GOSSIP_TRANSACTION_BYTES_MAX, Limits, NetworkConfig,
    TRANSACTIONS_TOPIC_BYTES_MAX,
};
pub use error::{Cause, P2pError};
pub use libp2p::{Multiaddr, PeerId};
pub use messages::{BlockSource, BlockSourceError, GossipStats, Misbehaviour, NetworkEvent};
pub use rate::TokenBucket;
pub use service::{Network, NetworkHandle};
pub use sync::{Refusal, SyncRequest, SyncResponse, SyncStatus, SyncedBlock, VerifyError};
pub use validate::{ConsensusView, Ignored, Offence, TransactionGate, Verdict};
pub use wire::{ConsensusEnvelope, Topic};
