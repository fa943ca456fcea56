//! Receipts and events: what each transaction did, committed by the header's
//! `receipts_root` (leaf data: each receipt's encoding, in block order).

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, Hash};

use crate::clearing::Side;
use crate::codes::Code;
use crate::model::{NamespaceName, RecordId, Role, Scope, Siren};

/// The result of one transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Receipt {
    /// The transaction id.
    pub transaction_id: Hash,
    /// 0 for success, else a [`Code`] number.
    pub code: u16,
    /// What changed (empty on failure).
    pub events: Vec<Event>,
}

impl Receipt {
    /// A failed receipt whose refusal is itself recorded (an order that
    /// lapsed at execution): `events` say what the refusal changed.
    pub fn recorded_failure(transaction_id: Hash, code: Code, events: Vec<Event>) -> Receipt {
        Receipt {
            transaction_id,
            code: code.number(),
            events,
        }
    }

    /// A successful receipt.
    pub fn success(transaction_id: Hash, events: Vec<Event>) -> Receipt {
        Receipt {
            transaction_id,
            code: 0,
            events,
        }
    }

    /// A failed receipt: no effect but the consumed sequence number.
    pub fn failure(transaction_id: Hash, code: Code) -> Receipt {
        Receipt {
            transaction_id,
            code: code.number(),
            events: Vec::new(),
        }
    }

    /// Whether the transaction succeeded.
    pub fn is_success(&self) -> bool {
        self.code == 0
    }
}

/// What changed, for whom: typed so that subscriptions and audits need no parsing.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Event {
    /// A multisig account was registered.
    MultisigRegistered {
        /// Its id.
        account: AccountId,
    } = 0,
    /// A resident was enrolled.
    ResidentEnrolled {
        /// The collectivity.
        collectivity: Siren,
        /// The resident.
        resident: AccountId,
    } = 1,
    /// A resident's enrolment was revoked.
    ResidentRevoked {
        /// The collectivity.
        collectivity: Siren,
        /// The resident.
        resident: AccountId,
        /// Reason code.
        reason_code: u16,
    } = 2,
    /// A role was delegated.
    RoleDelegated {
        /// The delegator.
        delegator: AccountId,
        /// The delegate.
        delegate: AccountId,
        /// The role.
        role: Role,
        /// Its scope.
        scope: Scope,
        /// Expiry (block time).
        expires_at_ms: u64,
    } = 3,
    /// A delegation was withdrawn.
    DelegationRevoked {
        /// The delegate.
        delegate: AccountId,
        /// The role.
        role: Role,
        /// Its scope.
        scope: Scope,
    } = 4,
    /// A record version was written (registration is version 1).
    RecordWritten {
        /// The namespace.
        namespace: NamespaceName,
        /// The record.
        record_id: RecordId,
        /// The version written.
        version: u32,
        /// The document hash of that version.
        document_hash: Hash,
    } = 5,
    /// A transfer was requested and awaits a registrar.
    TransferRequested {
        /// The namespace.
        namespace: NamespaceName,
        /// The record.
        record_id: RecordId,
        /// The requested new owner.
        new_owner: AccountId,
    } = 6,
    /// A record changed owner.
    RecordTransferred {
        /// The namespace.
        namespace: NamespaceName,
        /// The record.
        record_id: RecordId,
        /// The previous owner.
        from: Option<AccountId>,
        /// The new owner.
        to: AccountId,
    } = 7,
    /// A council proposal was submitted.
    ProposalSubmitted {
        /// Its id.
        proposal_id: u64,
        /// The deliberation it cites.
        deliberation_hash: Hash,
    } = 9,
    /// A collectivity voted.
    ProposalVoted {
        /// The proposal.
        proposal_id: u64,
        /// The voting collectivity.
        collectivity: Siren,
        /// Its vote.
        in_favour: bool,
    } = 10,
    /// A proposal passed and was executed (its effects' events follow).
    ProposalExecuted {
        /// The proposal.
        proposal_id: u64,
    } = 11,
    /// A proposal passed but its action was refused.
    ProposalRefused {
        /// The proposal.
        proposal_id: u64,
        /// Why (an error code).
        code: u16,
    } = 12,
    /// A collectivity joined the council.
    CollectivityAdmitted {
        /// Its SIREN.
        collectivity: Siren,
    } = 13,
    /// A collectivity left the council.
    CollectivityRemoved {
        /// Its SIREN.
        collectivity: Siren,
    } = 14,
    /// A collectivity's council power changed.
    CouncilPowerChanged {
        /// Its SIREN.
        collectivity: Siren,
        /// New power.
        voting_power: u64,
    } = 15,
    /// The validator set changed; consensus applies it at `activation_height`.
    ValidatorSetChanged {
        /// First height signed by the new set.
        activation_height: u64,
    } = 16,
    /// A role was granted.
    RoleGranted {
        /// To whom.
        account: AccountId,
        /// The role.
        role: Role,
        /// Its scope.
        scope: Scope,
    } = 17,
    /// A role was revoked.
    RoleRevoked {
        /// From whom.
        account: AccountId,
        /// The role.
        role: Role,
        /// Its scope.
        scope: Scope,
    } = 18,
    /// A registry namespace was created.
    NamespaceCreated {
        /// Its name.
        namespace: NamespaceName,
    } = 19,
    /// Chain parameters changed.
    ParametersChanged = 20,
    /// An aid programme was created.
    ProgrammeCreated {
        /// Its id.
        programme_id: u64,
        /// Its budget.
        budget_cents: u64,
    } = 21,
    /// A beneficiary was enrolled in a programme.
    BeneficiaryEnrolled {
        /// The programme.
        programme_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
    } = 22,
    /// A beneficiary's enrolment was revoked.
    BeneficiaryRevoked {
        /// The programme.
        programme_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
    } = 23,
    /// A disbursement was ordered (budget reserved).
    DisbursementOrdered {
        /// The programme.
        programme_id: u64,
        /// The order.
        order_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
        /// Amount.
        amount_cents: u64,
    } = 24,
    /// An order was executed (paid to the beneficiary's balance).
    DisbursementExecuted {
        /// The programme.
        programme_id: u64,
        /// The order.
        order_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
        /// Amount.
        amount_cents: u64,
    } = 25,
    /// An order was rejected (reserve returned).
    DisbursementRejected {
        /// The programme.
        programme_id: u64,
        /// The order.
        order_id: u64,
        /// Reason code.
        reason_code: u16,
    } = 26,
    /// A beneficiary spent at a merchant.
    AidSpent {
        /// The programme.
        programme_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
        /// The merchant.
        merchant: AccountId,
        /// Amount.
        amount_cents: u64,
    } = 27,
    /// A merchant redeemed: a settlement claim the collectivity pays off-chain.
    SettlementClaimed {
        /// The programme.
        programme_id: u64,
        /// The merchant.
        merchant: AccountId,
        /// Amount.
        amount_cents: u64,
    } = 28,
    /// A programme closed; reserves and unspent balances returned to its budget.
    ProgrammeClosed {
        /// The programme.
        programme_id: u64,
        /// Amount returned to the unreserved budget.
        returned_cents: u64,
    } = 29,
    /// A recurring disbursement was scheduled.
    RecurringScheduled {
        /// The programme.
        programme_id: u64,
        /// The schedule.
        schedule_id: u64,
        /// The beneficiary.
        beneficiary: AccountId,
        /// Amount per period.
        amount_cents: u64,
    } = 30,
    /// A recurring disbursement was suspended.
    RecurringSuspended {
        /// The programme.
        programme_id: u64,
        /// The schedule.
        schedule_id: u64,
    } = 31,
    /// A scheduled order could not be made this period.
    RecurringSkipped {
        /// The programme.
        programme_id: u64,
        /// The schedule.
        schedule_id: u64,
        /// The period skipped.
        period: u64,
        /// Why (an error code).
        code: u16,
    } = 32,
    /// An energy community was created.
    CommunityCreated {
        /// Its id.
        community_id: u64,
    } = 33,
    /// A meter was registered.
    MeterRegistered {
        /// The community.
        community_id: u64,
        /// The meter.
        meter_id: u64,
        /// Its owner.
        owner: AccountId,
    } = 34,
    /// An order was placed for a slot.
    EnergyOrderPlaced {
        /// The community.
        community_id: u64,
        /// The slot.
        slot: u64,
        /// Its number in the slot.
        order_number: u32,
        /// Buy or sell.
        side: Side,
        /// Quantity, Wh.
        energy_wh: u64,
        /// Limit price, millicents per Wh.
        limit_price: u64,
    } = 35,
    /// An order was cancelled.
    EnergyOrderCancelled {
        /// The community.
        community_id: u64,
        /// The slot.
        slot: u64,
        /// Its number.
        order_number: u32,
    } = 36,
    /// A slot was cleared at gate closure.
    SlotCleared {
        /// The community.
        community_id: u64,
        /// The slot.
        slot: u64,
        /// Uniform price, millicents per Wh.
        price: u64,
        /// Energy traded, Wh.
        volume_wh: u64,
    } = 37,
    /// A meter was attested for a slot.
    MeterAttested {
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
    } = 38,
    /// A slot was settled.
    SlotSettled {
        /// The community.
        community_id: u64,
        /// The slot.
        slot: u64,
        /// Paid by buyers, millicents.
        paid_by_buyers: u64,
        /// Paid to sellers, millicents.
        paid_to_sellers: u64,
        /// Owed to the grid (shortfalls), millicents.
        grid_credit: u64,
        /// Owed by the grid (excess), millicents.
        grid_debit: u64,
    } = 39,
    /// A proposal expired without passing.
    ProposalExpired {
        /// The proposal.
        proposal_id: u64,
    } = 40,
    /// A delegation's time passed.
    DelegationExpired {
        /// The delegate.
        delegate: AccountId,
        /// The role.
        role: Role,
        /// Its scope.
        scope: Scope,
    } = 41,
    /// An order could no longer be paid when the accountant came to execute it
    /// (window over, beneficiary or residency revoked): its reservation went
    /// back to the budget. Carried by the execution's failed receipt.
    OrderLapsed {
        /// The programme.
        programme_id: u64,
        /// The order.
        order_id: u64,
        /// Why it lapsed (the receipt's code).
        code: u16,
    } = 42,
    /// A programme stopped taking orders and began closing; the chain settles
    /// its pending orders and balances over the next blocks.
    ProgrammeClosing {
        /// The programme.
        programme_id: u64,
    } = 43,
    /// A pending order was cancelled because its programme closed.
    OrderCancelled {
        /// The programme.
        programme_id: u64,
        /// The order.
        order_id: u64,
        /// Amount returned to the unreserved budget, in cents.
        amount_cents: u64,
    } = 44,
    /// Governance froze a programme.
    ProgrammeFrozen {
        /// The programme.
        programme_id: u64,
    } = 45,
    /// Governance unfroze a programme.
    ProgrammeUnfrozen {
        /// The programme.
        programme_id: u64,
    } = 46,
    /// A record was revoked.
    RecordRevoked {
        /// The namespace.
        namespace: NamespaceName,
        /// The record.
        record_id: RecordId,
        /// Reason code.
        reason_code: u16,
    } = 8,
}
