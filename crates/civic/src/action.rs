//! Civic actions: what a transaction's payload says to do.
//!
//! The payload of a `TransactionBody` is the borsh encoding of one [`Action`].
//! Variants are append-only (their tags are part of the protocol).

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, BoundedBytes, BoundedVec, Hash, PublicKey};

use crate::aid::ProgrammeRules;
use crate::clearing::Side;
use crate::governance::GovernanceAction;
use crate::model::{
    MULTISIG_MEMBERS_MAX, NamespaceName, RECORD_METADATA_BYTES_MAX, RecordId, Role, Scope, Siren,
};

/// One civic action.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Action {
    /// Registers the k-of-n multisig account of this policy (its id is the policy's hash).
    RegisterMultisig {
        /// Signatures required.
        threshold: u8,
        /// Member keys, strictly increasing.
        members: BoundedVec<PublicKey, MULTISIG_MEMBERS_MAX>,
    } = 0,
    /// An IdentityRegistrar enrols a resident (pseudonymous account + commitment).
    EnrolResident {
        /// The enrolling collectivity.
        collectivity: Siren,
        /// The resident's account (a per-collectivity pseudonym).
        resident: AccountId,
        /// Salted hash of the off-chain identity file.
        identity_commitment: Hash,
    } = 1,
    /// An IdentityRegistrar revokes an enrolment.
    RevokeResident {
        /// The collectivity.
        collectivity: Siren,
        /// The resident's account.
        resident: AccountId,
        /// Reason code (documented list).
        reason_code: u16,
    } = 2,
    /// A role holder lends its role (délégation de signature).
    Delegate {
        /// The role lent.
        role: Role,
        /// Its scope.
        scope: Scope,
        /// Who receives it.
        delegate: AccountId,
        /// Block time after which it stops working.
        expires_at_ms: u64,
        /// Hash of the signed act granting it.
        act_hash: Hash,
    } = 3,
    /// The delegator withdraws a delegation.
    RevokeDelegation {
        /// The role.
        role: Role,
        /// Its scope.
        scope: Scope,
        /// The delegate.
        delegate: AccountId,
    } = 4,
    /// A Registrar of the namespace registers a record.
    RegisterRecord {
        /// The namespace.
        namespace: NamespaceName,
        /// The record's id.
        record_id: RecordId,
        /// Hash of the document.
        document_hash: Hash,
        /// Non-personal metadata.
        metadata: BoundedBytes<RECORD_METADATA_BYTES_MAX>,
        /// Owner, if the record has one.
        owner: Option<AccountId>,
    } = 5,
    /// A Registrar writes a new version of a record.
    AmendRecord {
        /// The namespace.
        namespace: NamespaceName,
        /// The record's id.
        record_id: RecordId,
        /// Hash of the new document.
        document_hash: Hash,
        /// New metadata.
        metadata: BoundedBytes<RECORD_METADATA_BYTES_MAX>,
    } = 6,
    /// The owner asks to transfer a record (done at once where no approval is needed).
    RequestTransfer {
        /// The namespace.
        namespace: NamespaceName,
        /// The record's id.
        record_id: RecordId,
        /// The new owner.
        new_owner: AccountId,
    } = 7,
    /// A Registrar approves the pending transfer.
    ApproveTransfer {
        /// The namespace.
        namespace: NamespaceName,
        /// The record's id.
        record_id: RecordId,
    } = 8,
    /// A Registrar revokes a record.
    RevokeRecord {
        /// The namespace.
        namespace: NamespaceName,
        /// The record's id.
        record_id: RecordId,
        /// Reason code (documented list).
        reason_code: u16,
    } = 9,
    /// A council account proposes a governance action.
    Propose {
        /// What to do once passed.
        action: GovernanceAction,
        /// Hash of the signed deliberation that decided it.
        deliberation_hash: Hash,
        /// Block time after which votes are refused.
        expires_at_ms: u64,
    } = 10,
    /// A council account votes on a proposal.
    Vote {
        /// The proposal.
        proposal_id: u64,
        /// In favour or against.
        in_favour: bool,
    } = 11,
    /// An AidAdministrator creates a programme.
    CreateProgramme(ProgrammeRules) = 12,
    /// An AidAdministrator enrols a beneficiary.
    EnrolBeneficiary {
        /// The programme.
        programme_id: u64,
        /// The beneficiary (a per-programme pseudonym).
        beneficiary: AccountId,
        /// Salted hash of the eligibility file.
        eligibility_commitment: Hash,
    } = 13,
    /// An AidAdministrator revokes a beneficiary.
    RevokeBeneficiary {
        /// The programme.
        programme_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
    } = 14,
    /// An AidAdministrator (ordonnateur) orders a disbursement.
    OrderDisbursement {
        /// The programme.
        programme_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
        /// Amount.
        amount_cents: u64,
    } = 15,
    /// An AidAccountant (comptable) executes an order.
    ExecuteOrder {
        /// The programme.
        programme_id: u64,
        /// The order.
        order_id: u64,
    } = 16,
    /// An AidAccountant rejects an order.
    RejectOrder {
        /// The programme.
        programme_id: u64,
        /// The order.
        order_id: u64,
        /// Reason code.
        reason_code: u16,
    } = 17,
    /// A beneficiary spends at a merchant.
    Spend {
        /// The programme.
        programme_id: u64,
        /// The merchant.
        merchant: AccountId,
        /// Amount.
        amount_cents: u64,
    } = 18,
    /// A merchant redeems its balance.
    Redeem {
        /// The programme.
        programme_id: u64,
        /// Amount.
        amount_cents: u64,
    } = 19,
    /// An AidAdministrator closes a programme.
    CloseProgramme {
        /// The programme.
        programme_id: u64,
    } = 20,
    /// An AidAdministrator schedules a recurring disbursement.
    ScheduleRecurring {
        /// The programme.
        programme_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
        /// Amount per period.
        amount_cents: u64,
    } = 21,
    /// An AidAdministrator suspends a recurring disbursement.
    SuspendRecurring {
        /// The programme.
        programme_id: u64,
        /// The schedule.
        schedule_id: u64,
    } = 22,
    /// An EnergyOperator creates a community.
    CreateCommunity {
        /// The hosting collectivity.
        collectivity: Siren,
        /// Slot length, ms.
        slot_ms: u64,
        /// Start of slot 0 (block time, ms).
        first_slot_ms: u64,
        /// Grid selling price, millicents per Wh.
        grid_price: u64,
        /// Grid buying (feed-in) price, millicents per Wh.
        feed_in_price: u64,
    } = 23,
    /// The operator registers a meter.
    RegisterMeter {
        /// The community.
        community_id: u64,
        /// Salted hash of the meter point id.
        commitment: Hash,
        /// The owner.
        owner: AccountId,
    } = 24,
    /// A meter's owner places an order for a future slot.
    PlaceEnergyOrder {
        /// The community.
        community_id: u64,
        /// The slot.
        slot: u64,
        /// The meter.
        meter_id: u64,
        /// Buy or sell.
        side: Side,
        /// Quantity, Wh.
        energy_wh: u64,
        /// Limit price, millicents per Wh.
        limit_price: u64,
    } = 25,
    /// A meter's owner cancels an order before gate closure.
    CancelEnergyOrder {
        /// The community.
        community_id: u64,
        /// The slot.
        slot: u64,
        /// The order's number in the slot.
        order_number: u32,
    } = 26,
    /// The operator attests a meter for an ended slot.
    AttestMeter {
        /// The community.
        community_id: u64,
        /// The slot.
        slot: u64,
        /// The meter.
        meter_id: u64,
        /// Produced, Wh.
        produced_wh: u64,
        /// Consumed, Wh.
        consumed_wh: u64,
    } = 27,
    /// The operator settles a cleared, attested slot.
    SettleSlot {
        /// The community.
        community_id: u64,
        /// The slot.
        slot: u64,
    } = 28,
}
