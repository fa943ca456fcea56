//! The engine's vocabulary with its driver (the node or the simulator): what
//! happens to it ([`Input`]) and what it asks to be done ([`Output`]).

use civitas_consensus::message::Round;
use civitas_consensus::{ConsensusMessage, Timeout};
use civitas_types::{Block, Hash, PublicKey, QuorumCertificate};

use crate::error::InvalidBlock;

/// A timer the driver delivers back as [`Input::Timer`] at its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// A consensus round timeout.
    Consensus(Timeout),
    /// The proposer's clock has passed its parent's time: build the proposal.
    Build {
        /// Height.
        height: u64,
        /// Round.
        round: Round,
    },
    /// The heartbeat: start `height` even if no transaction came.
    StartHeight(u64),
}

/// Something that happened to the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A consensus message from a peer, as the network carries it: a vote,
    /// or a proposal with its block (a proposal without its block, or with
    /// another block, is ignored).
    Message {
        /// The signed proposal or vote.
        message: ConsensusMessage,
        /// The proposed block, for a proposal.
        block: Option<Box<Block>>,
    },
    /// A timer set earlier is due.
    Timer(Timer),
    /// A final block fetched by block sync, with its certificate.
    Synced {
        /// The block.
        block: Box<Block>,
        /// Its certificate.
        certificate: QuorumCertificate,
    },
    /// Re-send this validator's current messages (lossy networks).
    Rebroadcast,
}

/// A block the engine committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedBlock {
    /// Its height.
    pub height: u64,
    /// Its hash.
    pub hash: Hash,
    /// Its block time.
    pub time_ms: u64,
    /// How many transactions it carries.
    pub transactions: usize,
    /// Its state root.
    pub state_root: Hash,
}

/// Something the driver must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Send to every peer (the network's consensus envelope: a proposal
    /// travels with its block).
    Broadcast {
        /// The signed proposal or vote.
        message: ConsensusMessage,
        /// The proposed block, for a proposal.
        block: Option<Box<Block>>,
    },
    /// Send to one validator.
    SendTo {
        /// Its consensus key.
        validator: PublicKey,
        /// The signed proposal or vote.
        message: ConsensusMessage,
        /// The proposed block, for a proposal.
        block: Option<Box<Block>>,
    },
    /// Deliver [`Input::Timer`] when the clock reads `at_ms`.
    Schedule {
        /// The timer.
        timer: Timer,
        /// When, by this node's clock.
        at_ms: u64,
    },
    /// A block was committed (durably).
    Committed(CommittedBlock),
    /// A received proposal's block was refused, and why (for logs and metrics).
    Refused {
        /// The block.
        hash: Hash,
        /// Why.
        reason: InvalidBlock,
    },
}
