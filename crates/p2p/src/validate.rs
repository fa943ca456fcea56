//! Gossip validation: what a node checks before it delivers or forwards a message.
//!
//! Every message gets a [`Verdict`]: `Accept` forwards and delivers it, `Ignore`
//! drops it without blame ([`Ignored`]: stale, rate-limited, not admitted for now,
//! or this node's own failure), `Reject` drops it and lowers the score of the peer
//! that sent it ([`Offence`]: undecodable, forged, wrong chain). Transactions are
//! judged by the application (the mempool admission, through [`TransactionGate`],
//! whose [`Fault`] decides between ignoring and rejecting); consensus messages by
//! [`check_consensus`].

use civitas_consensus::ConsensusMessage;
use civitas_mempool::{Fault, Rejection};
use civitas_types::codec::decode;
use civitas_types::{BlockError, ChainId, DecodeError, PublicKey, ValidatorSet};

use libp2p::gossipsub::TopicHash;

use crate::wire::ConsensusEnvelope;

/// What to do with a gossiped message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid: deliver and forward.
    Accept,
    /// Not useful now, or not judged, and not the sender's fault: drop silently.
    Ignore(Ignored),
    /// Invalid whenever judged: drop, and count it against the sender.
    Reject(Offence),
}

impl Verdict {
    /// The verdict on a transaction the application admitted or refused: the
    /// refusal's [`Fault`] says whether the forwarding peer is to blame. Gossip
    /// forwards only what a peer validated itself, so a transaction invalid for
    /// every node is its forwarder's fault, whoever signed it.
    pub fn of_transaction(admission: Result<(), Rejection>) -> Verdict {
        match admission {
            Ok(()) => Verdict::Accept,
            Err(rejection) => match rejection.fault() {
                Fault::Sender => Verdict::Reject(Offence::Transaction(rejection)),
                Fault::Nobody => Verdict::Ignore(Ignored::Transaction(rejection)),
                Fault::Local => Verdict::Ignore(Ignored::LocalFault(rejection)),
            },
        }
    }
}

/// Why a message was dropped without blaming its sender.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Ignored {
    /// The peer sent more than its share of messages.
    #[error("rate limit")]
    RateLimited,
    /// For a height already decided.
    #[error("stale: height {height}, deciding {deciding}")]
    Stale {
        /// The message's height.
        height: u64,
        /// The height this node decides.
        deciding: u64,
    },
    /// For a height too far ahead to judge.
    #[error("too far ahead: height {height}, deciding {deciding}")]
    TooFarAhead {
        /// The message's height.
        height: u64,
        /// The height this node decides.
        deciding: u64,
    },
    /// Signed by a key this node cannot place in the next height's set, which it
    /// does not know yet.
    #[error("{signer} is not a known validator for height {height}")]
    UnknownSigner {
        /// The signer.
        signer: PublicKey,
        /// The message's height.
        height: u64,
    },
    /// A transaction not admitted now (pool full, duplicate, expired on the way).
    #[error("transaction not admitted: {0}")]
    Transaction(Rejection),
    /// This node could not judge the message (its state is unreadable): the
    /// operator must look, the sender is not to blame.
    #[error("this node cannot judge the transaction: {0}")]
    LocalFault(Rejection),
}

/// Why a message proves its sender at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Offence {
    /// On a topic this chain does not have.
    #[error("message on unknown topic {0}")]
    UnknownTopic(TopicHash),
    /// Not a canonical consensus message.
    #[error("undecodable consensus message: {0}")]
    Undecodable(DecodeError),
    /// For another chain.
    #[error("message for chain {0}")]
    WrongChain(ChainId),
    /// Signed by a key outside the validator set of its height.
    #[error("{signer} is not a validator at height {height}")]
    NotValidator {
        /// The signer.
        signer: PublicKey,
        /// The message's height.
        height: u64,
    },
    /// A proposal without the block it proposes.
    #[error("a proposal without its block")]
    ProposalWithoutBlock,
    /// A vote with a block attached.
    #[error("a vote carrying a block")]
    VoteWithBlock,
    /// A proposal carrying another block than the one it names.
    #[error("the block is not the one the proposal names")]
    BlockNotNamed,
    /// A proposed block whose header does not commit to its body.
    #[error("proposed block: {0}")]
    BlockBody(BlockError),
    /// A signature that does not verify.
    #[error("bad signature from {0}")]
    BadSignature(PublicKey),
    /// A transaction invalid for every node.
    #[error("invalid transaction: {0}")]
    Transaction(Rejection),
}

/// The application's judgement of gossiped transactions: the mempool's admission
/// (strict decode, chain id, expiry, signature, sequence, caps). Called on the
/// network task, so it must be quick; `Ok` means the transaction was admitted.
pub trait TransactionGate: Send + Sync + 'static {
    /// Judges one encoded transaction from the network.
    fn check(&self, bytes: &[u8]) -> Result<(), Rejection>;
}

/// What a node knows when it judges a consensus message.
#[derive(Clone, Debug)]
pub struct ConsensusView {
    /// The chain.
    pub chain_id: ChainId,
    /// The height being decided (last committed + 1).
    pub height: u64,
    /// The validators of that height.
    pub validators: ValidatorSet,
}

/// Heights above the current one whose messages are still accepted (a peer that
/// has just committed may already vote on the next height).
pub const FUTURE_HEIGHTS: u64 = 1;

/// Decodes and checks a gossiped consensus message against `view`.
pub fn check_consensus(bytes: &[u8], view: &ConsensusView) -> Result<ConsensusEnvelope, Verdict> {
    let envelope: ConsensusEnvelope =
        decode(bytes).map_err(|error| Verdict::Reject(Offence::Undecodable(error)))?;
    let height = envelope.message.height();
    let deciding = view.height;
    if height < deciding {
        return Err(Verdict::Ignore(Ignored::Stale { height, deciding }));
    }
    if height > deciding.saturating_add(FUTURE_HEIGHTS) {
        return Err(Verdict::Ignore(Ignored::TooFarAhead { height, deciding }));
    }
    let (chain_id, signer) = match &envelope.message {
        ConsensusMessage::Proposal(p) => (&p.proposal.chain_id, p.proposal.proposer),
        ConsensusMessage::Vote(v) => (&v.vote.chain_id, v.vote.validator),
    };
    if *chain_id != view.chain_id {
        return Err(Verdict::Reject(Offence::WrongChain(chain_id.clone())));
    }
    if view.validators.index_of(&signer).is_none() {
        // The next height's set may differ: only the current one is known for sure.
        return Err(if height == deciding {
            Verdict::Reject(Offence::NotValidator { signer, height })
        } else {
            Verdict::Ignore(Ignored::UnknownSigner { signer, height })
        });
    }
    check_block_pairing(&envelope)?;
    let signature = match &envelope.message {
        ConsensusMessage::Proposal(p) => p.verify(),
        ConsensusMessage::Vote(v) => v.verify(),
    };
    signature.map_err(|_| Verdict::Reject(Offence::BadSignature(signer)))?;
    Ok(envelope)
}

/// A proposal carries exactly its block, a vote carries none.
fn check_block_pairing(envelope: &ConsensusEnvelope) -> Result<(), Verdict> {
    check_pairing(envelope).map_err(Verdict::Reject)
}

fn check_pairing(envelope: &ConsensusEnvelope) -> Result<(), Offence> {
    match (&envelope.message, &envelope.block) {
        (ConsensusMessage::Proposal(p), Some(block)) => {
            if block.header.height != p.proposal.height || block.hash() != p.proposal.block_hash {
                return Err(Offence::BlockNotNamed);
            }
            block.check_body().map_err(Offence::BlockBody)
        }
        (ConsensusMessage::Proposal(_), None) => Err(Offence::ProposalWithoutBlock),
        (ConsensusMessage::Vote(_), Some(_)) => Err(Offence::VoteWithBlock),
        (ConsensusMessage::Vote(_), None) => Ok(()),
    }
}
