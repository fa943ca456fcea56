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
    /// SIREN of the collectivity (the public identifier of a public body).
    pub collectivity: Siren,
    /// The pseudonym attested as a resident: one per programme or community
    /// key, each with its own salted commitment (docs/privacy.md).
    pub resident: AccountId,
    /// Salted hash of the off-chain identity file.
    pub identity_commitment: Hash,
}

/// An IdentityRegistrar revokes an enrolment.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RevokeResident {
    /// SIREN of the collectivity (the public identifier of a public body).
    pub collectivity: Siren,
    /// The resident's pseudonymous account (one per programme or community key).
    pub resident: AccountId,
    /// Reason code (documented list).
    pub reason_code: u16,
}

/// A role holder lends its role (délégation de signature).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Delegate {
    /// The role concerned (with `scope`, it names one grant).
    pub role: Role,
    /// What the role covers: a collectivity, or one programme, community or namespace of it.
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
    /// The role concerned (with `scope`, it names one grant).
    pub role: Role,
    /// What the role covers: a collectivity, or one programme, community or namespace of it.
    pub scope: Scope,
    /// Account that acts with the role while the delegation lasts.
    pub delegate: AccountId,
}

/// A Registrar of the namespace registers a record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RegisterRecord {
    /// Namespace name, e.g. `permits/building`.
    pub namespace: NamespaceName,
    /// Record id within the namespace, e.g. a permit number.
    pub record_id: RecordId,
    /// SHA-256 of the document, computed where the document is (the file never leaves its holder).
    pub document_hash: Hash,
    /// One value per field of the namespace, in its order.
    pub metadata: RecordMetadata,
    /// Owner, if the record has one.
    pub owner: Option<AccountId>,
}

/// A Registrar writes a new version of a record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct AmendRecord {
    /// Namespace name, e.g. `permits/building`.
    pub namespace: NamespaceName,
    /// Record id within the namespace, e.g. a permit number.
    pub record_id: RecordId,
    /// Hash of the new document.
    pub document_hash: Hash,
    /// The new version's metadata: one value per field of the namespace, in its order.
    pub metadata: RecordMetadata,
}

/// The owner asks to transfer a record (done at once where no approval is needed).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RequestTransfer {
    /// Namespace name, e.g. `permits/building`.
    pub namespace: NamespaceName,
    /// Record id within the namespace, e.g. a permit number.
    pub record_id: RecordId,
    /// Account to become the record's owner.
    pub new_owner: AccountId,
}

/// A Registrar approves the pending transfer.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ApproveTransfer {
    /// Namespace name, e.g. `permits/building`.
    pub namespace: NamespaceName,
    /// Record id within the namespace, e.g. a permit number.
    pub record_id: RecordId,
}

/// A Registrar revokes a record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RevokeRecord {
    /// Namespace name, e.g. `permits/building`.
    pub namespace: NamespaceName,
    /// Record id within the namespace, e.g. a permit number.
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
    /// Proposal id, from the proposal counter (0, 1, …).
    pub proposal_id: u64,
    /// In favour or against.
    pub in_favour: bool,
}

/// An AidAdministrator enrols a beneficiary.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EnrolBeneficiary {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// The beneficiary (a per-programme pseudonym).
    pub beneficiary: AccountId,
    /// Salted hash of the eligibility file.
    pub eligibility_commitment: Hash,
}

/// An AidAdministrator revokes a beneficiary.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RevokeBeneficiary {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// The beneficiary's account: a pseudonym serving this programme only.
    pub beneficiary: AccountId,
}

/// An AidAdministrator (ordonnateur) orders a disbursement.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct OrderDisbursement {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// The beneficiary's account: a pseudonym serving this programme only.
    pub beneficiary: AccountId,
    /// Amount in euro cents.
    pub amount_cents: u64,
}

/// An AidAccountant (comptable) executes an order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ExecuteOrder {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// Order id within the programme, in order of creation (0, 1, …).
    pub order_id: u64,
}

/// An AidAccountant rejects an order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RejectOrder {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// Order id within the programme, in order of creation (0, 1, …).
    pub order_id: u64,
    /// Reason, a code from the list the collectivity publishes (never free text).
    pub reason_code: u16,
}

/// A beneficiary spends at a merchant.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Spend {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// The merchant's account (a business, accredited by category).
    pub merchant: AccountId,
    /// Amount in euro cents.
    pub amount_cents: u64,
}

/// A merchant redeems its balance.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Redeem {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// Amount in euro cents.
    pub amount_cents: u64,
}

/// An AidAdministrator closes a programme.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CloseProgramme {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
}

/// An AidAdministrator schedules a recurring disbursement.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ScheduleRecurring {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// The beneficiary's account: a pseudonym serving this programme only.
    pub beneficiary: AccountId,
    /// Amount in euro cents.
    pub amount_cents: u64,
}

/// An AidAdministrator suspends a recurring disbursement.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SuspendRecurring {
    /// Programme id, assigned at creation (0, 1, …).
    pub programme_id: u64,
    /// Schedule id within the programme (0, 1, …).
    pub schedule_id: u64,
}

/// An EnergyOperator creates a community.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CreateCommunity {
    /// SIREN of the collectivity (the public identifier of a public body).
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
    /// Community id, assigned at creation (0, 1, …).
    pub community_id: u64,
    /// Salted hash of the meter point id.
    pub commitment: Hash,
    /// Account that trades for the meter: a pseudonym serving this community only.
    pub owner: AccountId,
}

/// A meter's owner places an order for a future slot.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct PlaceEnergyOrder {
    /// Community id, assigned at creation (0, 1, …).
    pub community_id: u64,
    /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
    pub slot: u64,
    /// Meter id within the community, in order of registration (0, 1, …).
    pub meter_id: u64,
    /// `Buy` (takes energy) or `Sell` (offers it).
    pub side: Side,
    /// Quantity, Wh.
    pub energy_wh: u64,
    /// Limit price, millicents per Wh.
    pub limit_price: u64,
}

/// A meter's owner cancels an order before gate closure.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CancelEnergyOrder {
    /// Community id, assigned at creation (0, 1, …).
    pub community_id: u64,
    /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
    pub slot: u64,
    /// Position of the order in its slot's book (0, 1, …).
    pub order_number: u32,
}

/// The operator attests a meter for an ended slot.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct AttestMeter {
    /// Community id, assigned at creation (0, 1, …).
    pub community_id: u64,
    /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
    pub slot: u64,
    /// Meter id within the community, in order of registration (0, 1, …).
    pub meter_id: u64,
    /// Energy the meter exported during the slot, Wh.
    pub produced_wh: u64,
    /// Energy the meter imported during the slot, Wh.
    pub consumed_wh: u64,
}

/// The operator settles a cleared, attested slot.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SettleSlot {
    /// Community id, assigned at creation (0, 1, …).
    pub community_id: u64,
    /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
    pub slot: u64,
}
