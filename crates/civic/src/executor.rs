//! Block execution: evidence, envelope checks, sequence numbers, actions, receipts.
//!
//! After the block-wide signer bound, the block's evidence is checked and
//! recorded ([`crate::evidence`]); one invalid piece makes the block invalid.
//! Then the block hooks run.
//!
//! For each transaction in block order: the envelope must pass (else the whole
//! block is invalid); the signer's sequence number is consumed; the payload is
//! decoded and its action run in a transaction layer of the overlay, rolled back
//! if the action fails, so a failed transaction leaves no trace but the consumed
//! sequence number and its failed receipt.

use std::collections::BTreeMap;

use civitas_types::receipt_leaves::{receipt_leaves, receipts_root};
use civitas_types::{Hash, Validator, ValidatorSet, encode};
use civitas_types::{SignedTransaction, decode};

use crate::accounts::{UNKNOWN_SIGNERS_PER_BLOCK_MAX, check_unknown_signers};
use crate::action::Action;
use crate::aid;
use crate::closing;
use crate::codes::Code;
use crate::energy;
use crate::envelope::{EnvelopeError, check_envelope};
use crate::evidence::{self, BlockEvidence, InvalidEvidence};
use crate::governance;
use crate::handler::BlockContext;
use crate::handler::Failure;
use crate::handler::Outcome;
use crate::identity;
use crate::keys;
use crate::model::ValidatorRegistry;
use crate::receipt::{Event, Receipt};
use crate::recurring;
use crate::registry;
use crate::state::{Overlay, StateFault, StateRead};

/// The result of executing a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOutcome {
    /// What the block's hooks did (scheduled orders...), before any transaction.
    pub block_events: Vec<Event>,
    /// One receipt per transaction, in block order.
    pub receipts: Vec<Receipt>,
    /// The state writes to apply (`None` deletes), in key order.
    pub writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// If governance changed the validators: the new consensus set and the first
    /// height it signs (block height + `validator_change_delay`).
    pub validator_set_change: Option<(u64, ValidatorSet)>,
}

impl BlockOutcome {
    /// The block's own receipt: the hooks' events, under the all-zero transaction id.
    pub fn block_receipt(&self) -> Receipt {
        Receipt::success(Hash::ZERO, self.block_events.clone())
    }

    /// The leaves of the header's `receipts_root`, in the layout of
    /// [`civitas_types::receipt_leaves`]: the block receipt's encoding, then each
    /// transaction receipt's. This is what the ledger stores and proves from.
    pub fn receipt_leaves(&self) -> Vec<Vec<u8>> {
        receipt_leaves(
            encode(&self.block_receipt()),
            self.receipts.iter().map(encode),
        )
    }

    /// The header's `receipts_root`.
    pub fn receipts_root(&self) -> Hash {
        receipts_root(&self.receipt_leaves())
    }
}

/// Why a block cannot be executed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockExecutionError {
    /// A transaction is not includable: the block is invalid.
    #[error("transaction {index} of the block is not includable: {error}")]
    InvalidTransaction {
        /// Its position.
        index: usize,
        /// Why.
        error: EnvelopeError,
    },
    /// More distinct signers the state does not know than a block may carry
    /// ([`crate::UNKNOWN_SIGNERS_PER_BLOCK_MAX`]): the block is invalid.
    #[error(
        "the block carries transactions of {count} signers the state does not know; at most {max} are allowed"
    )]
    TooManyUnknownSigners {
        /// How many distinct unknown signers it carries.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// A piece of the block's evidence may not be carried: the block is invalid.
    #[error("evidence {index} of the block is invalid: {reason}")]
    InvalidEvidence {
        /// Its position.
        index: usize,
        /// Why.
        reason: InvalidEvidence,
    },
    /// The validator set or time of a past height could not be read: a local
    /// fault; the node must stop.
    #[error("the validator set and time of height {height} could not be read: {error}")]
    PastHeightUnreadable {
        /// The height looked up.
        height: u64,
        /// What the storage said.
        error: crate::state::StorageError,
    },
    /// The state is corrupt: the node must stop.
    #[error(transparent)]
    Corrupt(#[from] StateFault),
}

/// Executes `transactions` (signatures already verified) over `state`, after
/// checking and recording the block's `evidence`.
pub fn execute_block<S: StateRead>(
    state: &S,
    context: &BlockContext,
    transactions: &[SignedTransaction],
    evidence: BlockEvidence<'_>,
) -> Result<BlockOutcome, BlockExecutionError> {
    check_unknown_signers(state, transactions.iter().map(|tx| &tx.body.signer))?.map_err(
        |count| BlockExecutionError::TooManyUnknownSigners {
            count,
            max: UNKNOWN_SIGNERS_PER_BLOCK_MAX,
        },
    )?;
    let mut overlay = Overlay::new(state);
    // Evidence before the hooks: a block with invalid evidence is refused
    // before any costly work.
    let mut block_events = evidence::record_block_evidence(&mut overlay, context, &evidence)?;
    // Hooks, in this order: energy slots clear at gate closure, recurring
    // disbursements are ordered, closing programmes are swept, expired
    // proposals close, expired delegations are announced.
    block_events.extend(energy::begin_block(&mut overlay, context)?);
    block_events.extend(recurring::begin_block(&mut overlay, context)?);
    block_events.extend(closing::begin_block(&mut overlay, context)?);
    block_events.extend(governance::expire_proposals(&mut overlay, context)?);
    block_events.extend(identity::expire_delegations(&mut overlay, context)?);
    let mut receipts = Vec::with_capacity(transactions.len());
    for (index, transaction) in transactions.iter().enumerate() {
        let mut account =
            check_envelope(&overlay, transaction, context).map_err(|error| match error {
                EnvelopeError::Corrupt(corrupt) => BlockExecutionError::Corrupt(corrupt),
                error => BlockExecutionError::InvalidTransaction { index, error },
            })?;
        let id = transaction.id();
        // The sequence check above guarantees next_sequence < u64::MAX is reachable
        // only after 2^64 transactions; saturate rather than wrap.
        account.next_sequence = account.next_sequence.saturating_add(1);
        overlay.put(keys::account(&transaction.body.signer), &account);
        overlay.commit_transaction();
        let outcome = match decode::<Action>(&transaction.body.payload) {
            Ok(action) => run(&mut overlay, context, transaction, action),
            Err(_) => Err(Failure::Rule(Code::MalformedPayload)),
        };
        match outcome {
            Ok(events) => {
                overlay.commit_transaction();
                receipts.push(Receipt::success(id, events));
            }
            Err(Failure::Rule(code)) => {
                overlay.rollback_transaction();
                receipts.push(Receipt::failure(id, code));
            }
            Err(Failure::Recorded { code, events }) => {
                overlay.commit_transaction();
                receipts.push(Receipt::recorded_failure(id, code, events));
            }
            Err(Failure::Fault(fault)) => return Err(fault.into()),
        }
    }
    let validator_set_change = validator_set_change(&overlay, &receipts)?;
    Ok(BlockOutcome {
        block_events,
        receipts,
        writes: overlay.into_writes(),
        validator_set_change,
    })
}

/// The set after the block's last validator change, with its activation height.
fn validator_set_change<S: StateRead>(
    overlay: &Overlay<'_, S>,
    receipts: &[Receipt],
) -> Result<Option<(u64, ValidatorSet)>, BlockExecutionError> {
    let activation = receipts
        .iter()
        .flat_map(|r| r.events.iter())
        .filter_map(|e| match e {
            Event::ValidatorSetChanged { activation_height } => Some(*activation_height),
            _ => None,
        })
        .next_back();
    let Some(activation_height) = activation else {
        return Ok(None);
    };
    let registry: ValidatorRegistry = overlay.get(&keys::validators())?.unwrap_or_default();
    let validators = registry
        .iter()
        .map(|v| Validator {
            public_key: v.public_key,
            voting_power: v.power,
        })
        .collect();
    // The registry passed the safety check when it was written: a registry
    // that is no valid set is a corrupt state, never a change to drop.
    let set = ValidatorSet::new(validators).map_err(|_| StateFault::Inconsistent {
        key: crate::state::hex_of(&keys::validators()),
        reason: "the validator registry is not a valid validator set",
    })?;
    Ok(Some((activation_height, set)))
}

fn run<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    transaction: &SignedTransaction,
    action: Action,
) -> Outcome {
    let signer = &transaction.body.signer;
    match action {
        Action::RegisterMultisig(action) => identity::register_multisig(state, action),
        Action::EnrolResident(action) => identity::enrol_resident(state, context, signer, action),
        Action::RevokeResident(action) => identity::revoke_resident(state, context, signer, action),
        Action::Delegate(action) => identity::delegate(state, context, signer, action),
        Action::RevokeDelegation(action) => identity::revoke_delegation(state, signer, action),
        Action::RegisterRecord(action) => registry::register(state, context, signer, action),
        Action::AmendRecord(action) => registry::amend(state, context, signer, action),
        Action::RequestTransfer(action) => registry::request_transfer(state, signer, action),
        Action::ApproveTransfer(action) => {
            registry::approve_transfer(state, context, signer, action)
        }
        Action::RevokeRecord(action) => registry::revoke(state, context, signer, action),
        Action::Propose(action) => governance::propose(state, context, signer, action),
        Action::Vote(action) => governance::vote(state, context, signer, action),
        Action::CreateProgramme(rules) => aid::create_programme(state, context, signer, rules),
        Action::EnrolBeneficiary(action) => aid::enrol_beneficiary(state, context, signer, action),
        Action::RevokeBeneficiary(action) => {
            aid::revoke_beneficiary(state, context, signer, action)
        }
        Action::OrderDisbursement(action) => aid::order(state, context, signer, action),
        Action::ExecuteOrder(action) => aid::execute_order(state, context, signer, action),
        Action::RejectOrder(action) => aid::reject_order(state, context, signer, action),
        Action::Spend(action) => aid::spend(state, context, signer, action),
        Action::Redeem(action) => aid::redeem(state, context, signer, action),
        Action::CloseProgramme(action) => aid::close_programme(state, context, signer, action),
        Action::ScheduleRecurring(action) => recurring::schedule(state, context, signer, action),
        Action::SuspendRecurring(action) => recurring::suspend(state, context, signer, action),
        Action::CreateCommunity(action) => energy::create_community(state, context, signer, action),
        Action::RegisterMeter(action) => energy::register_meter(state, context, signer, action),
        Action::PlaceEnergyOrder(action) => energy::place_order(state, context, signer, action),
        Action::CancelEnergyOrder(action) => energy::cancel_order(state, context, signer, action),
        Action::AttestMeter(action) => energy::attest(state, context, signer, action),
        Action::SettleSlot(action) => energy::settle(state, context, signer, action),
    }
}
