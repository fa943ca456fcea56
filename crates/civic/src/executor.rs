//! Block execution: envelope checks, sequence numbers, actions, receipts.
//!
//! For each transaction in block order: the envelope must pass (else the whole
//! block is invalid); the signer's sequence number is consumed; the payload is
//! decoded and its action run in a transaction layer of the overlay, rolled back
//! if the action fails, so a failed transaction leaves no trace but the consumed
//! sequence number and its failed receipt.

use std::collections::BTreeMap;

use civitas_types::{Hash, Validator, ValidatorSet, encode};
use civitas_types::{SignedTransaction, decode, merkle};

use crate::action::Action;
use crate::aid;
use crate::authority::Failure;
use crate::codes::Code;
use crate::energy;
use crate::envelope::{BlockContext, EnvelopeError, check_envelope};
use crate::governance;
use crate::identity::{self, Outcome};
use crate::keys;
use crate::model::ValidatorRegistry;
use crate::receipt::{Event, Receipt};
use crate::recurring;
use crate::registry;
use crate::state::{CorruptState, Overlay, StateRead};

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

    /// The header's `receipts_root`: Merkle root over the encodings of the block
    /// receipt (leaf 0) and then each transaction's receipt (leaf i + 1).
    pub fn receipts_root(&self) -> Hash {
        let mut leaves: Vec<Vec<u8>> = Vec::with_capacity(self.receipts.len().saturating_add(1));
        leaves.push(encode(&self.block_receipt()));
        leaves.extend(self.receipts.iter().map(encode));
        merkle::root_of(&leaves)
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
    /// The state is corrupt: the node must stop.
    #[error(transparent)]
    Corrupt(#[from] CorruptState),
}

/// Executes `transactions` (signatures already verified) over `state`.
pub fn execute_block<S: StateRead>(
    state: &S,
    context: &BlockContext,
    transactions: &[SignedTransaction],
) -> Result<BlockOutcome, BlockExecutionError> {
    let mut overlay = Overlay::new(state);
    // Hooks, in this order: energy slots clear at gate closure, recurring
    // disbursements are ordered, expired proposals close, expired delegations
    // are announced.
    let mut block_events = energy::begin_block(&mut overlay, context)?;
    block_events.extend(recurring::begin_block(&mut overlay, context)?);
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
            Err(Failure::Corrupt(corrupt)) => return Err(corrupt.into()),
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
    // The registry passed the safety check when it was written, so it is a valid set.
    Ok(ValidatorSet::new(validators)
        .ok()
        .map(|set| (activation_height, set)))
}

fn run<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    transaction: &SignedTransaction,
    action: Action,
) -> Outcome {
    let signer = &transaction.body.signer;
    match action {
        Action::RegisterMultisig { threshold, members } => {
            identity::register_multisig(state, threshold, members)
        }
        Action::EnrolResident {
            collectivity,
            resident,
            identity_commitment,
        } => identity::enrol_resident(
            state,
            context,
            signer,
            collectivity,
            resident,
            identity_commitment,
        ),
        Action::RevokeResident {
            collectivity,
            resident,
            reason_code,
        } => identity::revoke_resident(state, context, signer, collectivity, resident, reason_code),
        Action::Delegate {
            role,
            scope,
            delegate,
            expires_at_ms,
            act_hash,
        } => identity::delegate(
            state,
            context,
            signer,
            role,
            scope,
            delegate,
            expires_at_ms,
            act_hash,
        ),
        Action::RevokeDelegation {
            role,
            scope,
            delegate,
        } => identity::revoke_delegation(state, signer, role, scope, delegate),
        Action::RegisterRecord {
            namespace,
            record_id,
            document_hash,
            metadata,
            owner,
        } => registry::register(
            state,
            context,
            signer,
            namespace,
            record_id,
            document_hash,
            metadata,
            owner,
        ),
        Action::AmendRecord {
            namespace,
            record_id,
            document_hash,
            metadata,
        } => registry::amend(
            state,
            context,
            signer,
            namespace,
            record_id,
            document_hash,
            metadata,
        ),
        Action::RequestTransfer {
            namespace,
            record_id,
            new_owner,
        } => registry::request_transfer(state, signer, namespace, record_id, new_owner),
        Action::ApproveTransfer {
            namespace,
            record_id,
        } => registry::approve_transfer(state, context, signer, namespace, record_id),
        Action::RevokeRecord {
            namespace,
            record_id,
            reason_code,
        } => registry::revoke(state, context, signer, namespace, record_id, reason_code),
        Action::Propose {
            action,
            deliberation_hash,
            expires_at_ms,
        } => governance::propose(
            state,
            context,
            signer,
            action,
            deliberation_hash,
            expires_at_ms,
        ),
        Action::Vote {
            proposal_id,
            in_favour,
        } => governance::vote(state, context, signer, proposal_id, in_favour),
        Action::CreateProgramme(rules) => aid::create_programme(state, context, signer, rules),
        Action::EnrolBeneficiary {
            programme_id,
            beneficiary,
            eligibility_commitment,
        } => aid::enrol_beneficiary(
            state,
            context,
            signer,
            programme_id,
            beneficiary,
            eligibility_commitment,
        ),
        Action::RevokeBeneficiary {
            programme_id,
            beneficiary,
        } => aid::revoke_beneficiary(state, context, signer, programme_id, beneficiary),
        Action::OrderDisbursement {
            programme_id,
            beneficiary,
            amount_cents,
        } => aid::order(
            state,
            context,
            signer,
            programme_id,
            beneficiary,
            amount_cents,
        ),
        Action::ExecuteOrder {
            programme_id,
            order_id,
        } => aid::execute_order(state, context, signer, programme_id, order_id),
        Action::RejectOrder {
            programme_id,
            order_id,
            reason_code,
        } => aid::reject_order(state, context, signer, programme_id, order_id, reason_code),
        Action::Spend {
            programme_id,
            merchant,
            amount_cents,
        } => aid::spend(state, context, signer, programme_id, merchant, amount_cents),
        Action::Redeem {
            programme_id,
            amount_cents,
        } => aid::redeem(state, signer, programme_id, amount_cents),
        Action::CloseProgramme { programme_id } => {
            aid::close_programme(state, context, signer, programme_id)
        }
        Action::ScheduleRecurring {
            programme_id,
            beneficiary,
            amount_cents,
        } => recurring::schedule(
            state,
            context,
            signer,
            programme_id,
            beneficiary,
            amount_cents,
        ),
        Action::SuspendRecurring {
            programme_id,
            schedule_id,
        } => recurring::suspend(state, context, signer, programme_id, schedule_id),
        Action::CreateCommunity {
            collectivity,
            slot_ms,
            first_slot_ms,
            grid_price,
            feed_in_price,
        } => energy::create_community(
            state,
            context,
            signer,
            collectivity,
            slot_ms,
            first_slot_ms,
            grid_price,
            feed_in_price,
        ),
        Action::RegisterMeter {
            community_id,
            commitment,
            owner,
        } => energy::register_meter(state, context, signer, community_id, commitment, owner),
        Action::PlaceEnergyOrder {
            community_id,
            slot,
            meter_id,
            side,
            energy_wh,
            limit_price,
        } => energy::place_order(
            state,
            context,
            signer,
            community_id,
            slot,
            meter_id,
            side,
            energy_wh,
            limit_price,
        ),
        Action::CancelEnergyOrder {
            community_id,
            slot,
            order_number,
        } => energy::cancel_order(state, context, signer, community_id, slot, order_number),
        Action::AttestMeter {
            community_id,
            slot,
            meter_id,
            produced_wh,
            consumed_wh,
        } => energy::attest(
            state,
            context,
            signer,
            community_id,
            slot,
            meter_id,
            produced_wh,
            consumed_wh,
        ),
        Action::SettleSlot { community_id, slot } => {
            energy::settle(state, context, signer, community_id, slot)
        }
    }
}
