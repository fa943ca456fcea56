//! Civic actions: what a transaction's payload says to do.
//!
//! The payload of a `TransactionBody` is the borsh encoding of one [`Action`].
//! Variants are append-only (their tags are part of the protocol).

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, BoundedVec, Hash, PublicKey};

use crate::aid::ProgrammeRules;
use crate::clearing::Side;
use crate::governance::GovernanceAction;
use crate::metadata::RecordMetadata;
use crate::model::{MULTISIG_MEMBERS_MAX, NamespaceName, RecordId, Role, Scope, Siren};

/// One civic action.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Action {
    /// Registers the k-of-n multisig account of this policy (its id is the policy's hash).
    RegisterMultisig(RegisterMultisig) = 0,
    /// An IdentityRegistrar enrols a resident (pseudonymous account + commitment).
    EnrolResident(EnrolResident) = 1,
    /// An IdentityRegistrar revokes an enrolment.
    RevokeResident(RevokeResident) = 2,
    /// A role holder lends its role (délégation de signature).
    Delegate(Delegate) = 3,
    /// The delegator withdraws a delegation.
    RevokeDelegation(RevokeDelegation) = 4,
    /// A Registrar of the namespace registers a record.
    RegisterRecord(RegisterRecord) = 5,
    /// A Registrar writes a new version of a record.
    AmendRecord(AmendRecord) = 6,
    /// The owner asks to transfer a record (done at once where no approval is needed).
    RequestTransfer(RequestTransfer) = 7,
    /// A Registrar approves the pending transfer.
    ApproveTransfer(ApproveTransfer) = 8,
    /// A Registrar revokes a record.
    RevokeRecord(RevokeRecord) = 9,
    /// A council account proposes a governance action.
    Propose(Propose) = 10,
    /// A council account votes on a proposal.
    Vote(Vote) = 11,
    /// An AidAdministrator creates a programme.
    CreateProgramme(ProgrammeRules) = 12,
    /// An AidAdministrator enrols a beneficiary.
    EnrolBeneficiary(EnrolBeneficiary) = 13,
    /// An AidAdministrator revokes a beneficiary.
    RevokeBeneficiary(RevokeBeneficiary) = 14,
    /// An AidAdministrator (ordonnateur) orders a disbursement.
    OrderDisbursement(OrderDisbursement) = 15,
    /// An AidAccountant (comptable) executes an order.
    ExecuteOrder(ExecuteOrder) = 16,
    /// An AidAccountant rejects an order.
    RejectOrder(RejectOrder) = 17,
    /// A beneficiary spends at a merchant.
    Spend(Spend) = 18,
    /// A merchant redeems its balance.
    Redeem(Redeem) = 19,
    /// An AidAdministrator closes a programme.
    CloseProgramme(CloseProgramme) = 20,
    /// An AidAdministrator schedules a recurring disbursement.
    ScheduleRecurring(ScheduleRecurring) = 21,
    /// An AidAdministrator suspends a recurring disbursement.
    SuspendRecurring(SuspendRecurring) = 22,
    /// An EnergyOperator creates a community.
    CreateCommunity(CreateCommunity) = 23,
    /// The operator registers a meter.
    RegisterMeter(RegisterMeter) = 24,
    /// A meter's owner places an order for a future slot.
    PlaceEnergyOrder(PlaceEnergyOrder) = 25,
    /// A meter's owner cancels an order before gate closure.
    CancelEnergyOrder(CancelEnergyOrder) = 26,
    /// The operator attests a meter for an ended slot.
    AttestMeter(AttestMeter) = 27,
    /// The operator settles a cleared, attested slot.
    SettleSlot(SettleSlot) = 28,
}

/// Registers the k-of-n multisig account of this policy (its id is the policy's hash).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RegisterMultisig {
    /// Signatures required.
    pub threshold: u8,
    /// Member keys, strictly increasing.
    pub members: BoundedVec<PublicKey, MULTISIG_MEMBERS_MAX>,
}

/// An IdentityRegistrar enrols a resident (pseudonymous account + commitment).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EnrolResident {
    /// The enrolling collectivity.
    pub collectivity: Siren,
    /// The resident's account (a per-collectivity pseudonym).
    pub resident: AccountId,
    /// Salted hash of the off-chain identity file.
    pub identity_commitment: Hash,
}

/// An IdentityRegistrar revokes an enrolment.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RevokeResident {
    /// The collectivity.
    pub collectivity: Siren,
    /// The resident's account.
    pub resident: AccountId,
    /// Reason code (documented list).
    pub reason_code: u16,
}

/// A role holder lends its role (délégation de signature).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Delegate {
    /// The role lent.
    pub role: Role,
    /// Its scope.
    pub scope: Scope,
    /// Who receives it.
    pub delegate: AccountId,
    /// Block time after which it stops working.
    pub expires_at_ms: u64,
    /// Hash of the signed act granting it.
    pub act_hash: Hash,
}

/// The delegator withdraws a delegation.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RevokeDelegation {
    /// The role.
    pub role: Role,
    /// Its scope.
    pub scope: Scope,
    /// The delegate.
    pub delegate: AccountId,
}

/// A Registrar of the namespace registers a record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RegisterRecord {
    /// The namespace.
    pub namespace: NamespaceName,
    /// The record's id.
    pub record_id: RecordId,
    /// Hash of the document.
    pub document_hash: Hash,
    /// One value per field of the namespace, in its order.
    pub metadata: RecordMetadata,
    /// Owner, if the record has one.
    pub owner: Option<AccountId>,
}

/// A Registrar writes a new version of a record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct AmendRecord {
    /// The namespace.
    pub namespace: NamespaceName,
    /// The record's id.
    pub record_id: RecordId,
    /// Hash of the new document.
    pub document_hash: Hash,
    /// The new version's metadata: one value per field of the namespace, in its order.
    pub metadata: RecordMetadata,
}

/// The owner asks to transfer a record (done at once where no approval is needed).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RequestTransfer {
    /// The namespace.
    pub namespace: NamespaceName,
    /// The record's id.
    pub record_id: RecordId,
    /// The new owner.
    pub new_owner: AccountId,
}

/// A Registrar approves the pending transfer.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ApproveTransfer {
    /// The namespace.
    pub namespace: NamespaceName,
    /// The record's id.
    pub record_id: RecordId,
}

/// A Registrar revokes a record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RevokeRecord {
    /// The namespace.
    pub namespace: NamespaceName,
    /// The record's id.
    pub record_id: RecordId,
    /// Reason code (documented list).
    pub reason_code: u16,
}

/// A council account proposes a governance action.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Propose {
    /// What to do once passed.
    pub action: GovernanceAction,
    /// Hash of the signed deliberation that decided it.
    pub deliberation_hash: Hash,
    /// Block time after which votes are refused.
    pub expires_at_ms: u64,
}

/// A council account votes on a proposal.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Vote {
    /// The proposal.
    pub proposal_id: u64,
    /// In favour or against.
    pub in_favour: bool,
}

/// An AidAdministrator enrols a beneficiary.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EnrolBeneficiary {
    /// The programme.
    pub programme_id: u64,
    /// The beneficiary (a per-programme pseudonym).
    pub beneficiary: AccountId,
    /// Salted hash of the eligibility file.
    pub eligibility_commitment: Hash,
}

/// An AidAdministrator revokes a beneficiary.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RevokeBeneficiary {
    /// The programme.
    pub programme_id: u64,
    /// The beneficiary.
    pub beneficiary: AccountId,
}

/// An AidAdministrator (ordonnateur) orders a disbursement.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct OrderDisbursement {
    /// The programme.
    pub programme_id: u64,
    /// The beneficiary.
    pub beneficiary: AccountId,
    /// Amount.
    pub amount_cents: u64,
}

/// An AidAccountant (comptable) executes an order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ExecuteOrder {
    /// The programme.
    pub programme_id: u64,
    /// The order.
    pub order_id: u64,
}

/// An AidAccountant rejects an order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RejectOrder {
    /// The programme.
    pub programme_id: u64,
    /// The order.
    pub order_id: u64,
    /// Reason code.
    pub reason_code: u16,
}

/// A beneficiary spends at a merchant.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Spend {
    /// The programme.
    pub programme_id: u64,
    /// The merchant.
    pub merchant: AccountId,
    /// Amount.
    pub amount_cents: u64,
}

/// A merchant redeems its balance.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Redeem {
    /// The programme.
    pub programme_id: u64,
    /// Amount.
    pub amount_cents: u64,
}

/// An AidAdministrator closes a programme.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CloseProgramme {
    /// The programme.
    pub programme_id: u64,
}

/// An AidAdministrator schedules a recurring disbursement.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ScheduleRecurring {
    /// The programme.
    pub programme_id: u64,
    /// The beneficiary.
    pub beneficiary: AccountId,
    /// Amount per period.
    pub amount_cents: u64,
}

/// An AidAdministrator suspends a recurring disbursement.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SuspendRecurring {
    /// The programme.
    pub programme_id: u64,
    /// The schedule.
    pub schedule_id: u64,
}

/// An EnergyOperator creates a community.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CreateCommunity {
    /// The hosting collectivity.
    pub collectivity: Siren,
    /// Slot length, ms.
    pub slot_ms: u64,
    /// Start of slot 0 (block time, ms).
    pub first_slot_ms: u64,
    /// Grid selling price, millicents per Wh.
    pub grid_price: u64,
    /// Grid buying (feed-in) price, millicents per Wh.
    pub feed_in_price: u64,
}

/// The operator registers a meter.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RegisterMeter {
    /// The community.
    pub community_id: u64,
    /// Salted hash of the meter point id.
    pub commitment: Hash,
    /// The owner.
    pub owner: AccountId,
}

/// A meter's owner places an order for a future slot.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct PlaceEnergyOrder {
    /// The community.
    pub community_id: u64,
    /// The slot.
    pub slot: u64,
    /// The meter.
    pub meter_id: u64,
    /// Buy or sell.
    pub side: Side,
    /// Quantity, Wh.
    pub energy_wh: u64,
    /// Limit price, millicents per Wh.
    pub limit_price: u64,
}

/// A meter's owner cancels an order before gate closure.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CancelEnergyOrder {
    /// The community.
    pub community_id: u64,
    /// The slot.
    pub slot: u64,
    /// The order's number in the slot.
    pub order_number: u32,
}

/// The operator attests a meter for an ended slot.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct AttestMeter {
    /// The community.
    pub community_id: u64,
    /// The slot.
    pub slot: u64,
    /// The meter.
    pub meter_id: u64,
    /// Produced, Wh.
    pub produced_wh: u64,
    /// Consumed, Wh.
    pub consumed_wh: u64,
}

/// The operator settles a cleared, attested slot.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SettleSlot {
    /// The community.
    pub community_id: u64,
    /// The slot.
    pub slot: u64,
}
