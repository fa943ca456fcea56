//! The state machine's vocabulary: wire messages, inputs, effects, steps, timeouts.

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{Evidence, Hash, QuorumCertificate, SignedProposal, SignedVote};

/// Round number within a height.
pub type Round = u32;

/// What validators send each other (borsh-encoded on the wire).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum ConsensusMessage {
    /// A signed proposal (the block itself travels beside it).
    Proposal(SignedProposal) = 0,
    /// A signed prevote or precommit.
    Vote(SignedVote) = 1,
}

impl ConsensusMessage {
    /// The height the message is for.
    pub fn height(&self) -> u64 {
        match self {
            ConsensusMessage::Proposal(p) => p.proposal.height,
            ConsensusMessage::Vote(v) => v.vote.height,
        }
    }

    /// The round the message is for.
    pub fn round(&self) -> Round {
        match self {
            ConsensusMessage::Proposal(p) => p.proposal.round,
            ConsensusMessage::Vote(v) => v.vote.round,
        }
    }
}

/// The step of a round (paper: `step_p`), plus `Commit` once the height is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Step {
    /// Waiting for the round's proposal.
    Propose = 0,
    /// Prevoted; waiting for a polka.
    Prevote = 1,
    /// Precommitted; waiting for a decision or the next round.
    Precommit = 2,
    /// Decided; waiting for the driver to start the next height.
    Commit = 3,
}

/// Which timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimeoutKind {
    /// `timeoutPropose`: no valid proposal in time → prevote nil (paper line 57).
    Propose,
    /// `timeoutPrevote`: polka for anything but no decision → precommit nil (line 61).
    Prevote,
    /// `timeoutPrecommit`: quorum of precommits for anything, no decision → next round (line 65).
    Precommit,
}

/// A timeout the driver must deliver back as [`Input::Timeout`] when it expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timeout {
    /// Height it was scheduled at.
    pub height: u64,
    /// Round it was scheduled at.
    pub round: Round,
    /// Which timeout.
    pub kind: TimeoutKind,
}

/// Something that happened, for the state machine to process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A proposal from the network, with the application's verdict on the block it
    /// names (`valid(v)` of the paper: header, transactions, execution results,
    /// block time after the parent's) and whether its block time was timely.
    Proposal {
        /// The signed proposal (signature checked by the state machine).
        proposal: SignedProposal,
        /// Whether the application found the proposed block valid.
        block_valid: bool,
        /// Whether the block's time was timely by this validator's clock when the
        /// proposal arrived (`civitas_types::check_timely` with the proposal's
        /// round; the driver reads the clock, the state machine has none). Only a
        /// fresh proposal (no proof-of-lock round) needs it: a re-proposal is
        /// judged by its polka (PBTS, CometBFT ≥ 1.0).
        timely: bool,
    },
    /// A prevote or precommit from the network (signature checked by the state machine).
    Vote(SignedVote),
    /// A timeout scheduled earlier has expired.
    Timeout(Timeout),
    /// The application's block for this validator's proposal ([`Effect::GetValue`]).
    ProposeValue {
        /// Height asked for.
        height: u64,
        /// Round asked for.
        round: Round,
        /// Hash of the block the application built.
        block_hash: Hash,
    },
    /// A decided block learned by block sync: its certificate (checked against the
    /// height's validator set) and the application's verdict on the block.
    SyncedCommit {
        /// Certificate of the block.
        certificate: QuorumCertificate,
        /// Whether the application found the block valid.
        block_valid: bool,
    },
    /// Re-send this validator's messages of the current round (lossy networks).
    Rebroadcast,
}

/// Something the driver must do, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send to every peer. Its signing state is already saved.
    Broadcast(ConsensusMessage),
    /// Send to one validator only (catch-up help for a validator in an earlier round).
    SendTo {
        /// The recipient's consensus key.
        validator: civitas_types::PublicKey,
        /// The message (signed by whoever signed it; relayed as is).
        message: ConsensusMessage,
    },
    /// Deliver [`Input::Timeout`] after `duration_ms`.
    ScheduleTimeout {
        /// The timeout to deliver.
        timeout: Timeout,
        /// Delay in milliseconds.
        duration_ms: u64,
    },
    /// Build a block for height/round and answer with [`Input::ProposeValue`].
    GetValue {
        /// Height.
        height: u64,
        /// Round.
        round: Round,
    },
    /// The block is final: commit it, then call `start_height` for the next height
    /// with the validator set the application says signs it.
    Decide {
        /// Height decided.
        height: u64,
        /// The block.
        block_hash: Hash,
        /// Proof of finality, to store and put in the next block's `last_commit`.
        certificate: QuorumCertificate,
    },
    /// A validator signed conflicting votes; record the evidence (next blocks carry it).
    Evidence(Evidence),
}
