//! Receipts and events: what each transaction did, committed by the header's
//! `receipts_root` (leaf data: each receipt's encoding, in block order).

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, Hash, PublicKey, VoteType};

use crate::clearing::Side;
use crate::codes::Code;
use crate::model::{NamespaceName, RecordId, Role, Scope, Siren};

/// The result of one transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Receipt {
    /// Id of the transaction (hash of its body); all zero for the block receipt.
    pub transaction_id: Hash,
    /// 0 for success, else a [`Code`] number.
    pub code: u16,
    /// What changed: empty on failure, except a recorded failure (an order
    /// that lapsed at execution: `OrderLapsed`).
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
        /// The multisig account: the domain-separated hash of its policy.
        account: AccountId,
    } = 0,
    /// A resident was enrolled.
    ResidentEnrolled {
        /// SIREN of the collectivity (the public identifier of a public body).
        collectivity: Siren,
        /// The resident's pseudonymous account (one per programme or community key).
        resident: AccountId,
    } = 1,
    /// A resident's enrolment was revoked.
    ResidentRevoked {
        /// SIREN of the collectivity (the public identifier of a public body).
        collectivity: Siren,
        /// The resident's pseudonymous account (one per programme or community key).
        resident: AccountId,
        /// Reason, a code from the list the collectivity publishes (never free text).
        reason_code: u16,
    } = 2,
    /// A role was delegated.
    RoleDelegated {
        /// Account that holds the role directly and lent it.
        delegator: AccountId,
        /// Account that acts with the role while the delegation lasts.
        delegate: AccountId,
        /// The role concerned (with `scope`, it names one grant).
        role: Role,
        /// What the role covers: a collectivity, or one programme, community or namespace of it.
        scope: Scope,
        /// Expiry (block time).
        expires_at_ms: u64,
    } = 3,
    /// A delegation was withdrawn.
    DelegationRevoked {
        /// Account that acts with the role while the delegation lasts.
        delegate: AccountId,
        /// The role concerned (with `scope`, it names one grant).
        role: Role,
        /// What the role covers: a collectivity, or one programme, community or namespace of it.
        scope: Scope,
    } = 4,
    /// A record version was written (registration is version 1).
    RecordWritten {
        /// Namespace name, e.g. `permits/building`.
        namespace: NamespaceName,
        /// Record id within the namespace, e.g. a permit number.
        record_id: RecordId,
        /// The version written.
        version: u32,
        /// SHA-256 of the document, computed where the document is (the file never leaves its holder).
        document_hash: Hash,
    } = 5,
    /// A transfer was requested and awaits a registrar.
    TransferRequested {
        /// Namespace name, e.g. `permits/building`.
        namespace: NamespaceName,
        /// Record id within the namespace, e.g. a permit number.
        record_id: RecordId,
        /// Account to become the record's owner.
        new_owner: AccountId,
    } = 6,
    /// A record changed owner.
    RecordTransferred {
        /// Namespace name, e.g. `permits/building`.
        namespace: NamespaceName,
        /// Record id within the namespace, e.g. a permit number.
        record_id: RecordId,
        /// The previous owner.
        from: Option<AccountId>,
        /// The new owner.
        to: AccountId,
    } = 7,
    /// A council proposal was submitted.
    ProposalSubmitted {
        /// Proposal id, from the proposal counter (0, 1, …).
        proposal_id: u64,
        /// SHA-256 of the signed deliberation that decided it.
        deliberation_hash: Hash,
    } = 9,
    /// A collectivity voted.
    ProposalVoted {
        /// Proposal id, from the proposal counter (0, 1, …).
        proposal_id: u64,
        /// SIREN of the collectivity (the public identifier of a public body).
        collectivity: Siren,
        /// Its vote.
        in_favour: bool,
    } = 10,
    /// A proposal passed and was executed (its effects' events follow).
    ProposalExecuted {
        /// Proposal id, from the proposal counter (0, 1, …).
        proposal_id: u64,
    } = 11,
    /// A proposal passed but its action was refused.
    ProposalRefused {
        /// Proposal id, from the proposal counter (0, 1, …).
        proposal_id: u64,
        /// Why (an error code).
        code: u16,
    } = 12,
    /// A collectivity joined the council.
    CollectivityAdmitted {
        /// SIREN of the collectivity (the public identifier of a public body).
        collectivity: Siren,
    } = 13,
    /// A collectivity left the council.
    CollectivityRemoved {
        /// SIREN of the collectivity (the public identifier of a public body).
        collectivity: Siren,
    } = 14,
    /// A collectivity's council power changed.
    CouncilPowerChanged {
        /// SIREN of the collectivity (the public identifier of a public body).
        collectivity: Siren,
        /// Council voting power (≥ 1).
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
        /// The role concerned (with `scope`, it names one grant).
        role: Role,
        /// What the role covers: a collectivity, or one programme, community or namespace of it.
        scope: Scope,
    } = 17,
    /// A role was revoked.
    RoleRevoked {
        /// From whom.
        account: AccountId,
        /// The role concerned (with `scope`, it names one grant).
        role: Role,
        /// What the role covers: a collectivity, or one programme, community or namespace of it.
        scope: Scope,
    } = 18,
    /// A registry namespace was created.
    NamespaceCreated {
        /// Namespace name, e.g. `permits/building`.
        namespace: NamespaceName,
    } = 19,
    /// Chain parameters changed.
    ParametersChanged = 20,
    /// An aid programme was created.
    ProgrammeCreated {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Total budget, euro cents.
        budget_cents: u64,
    } = 21,
    /// A beneficiary was enrolled in a programme.
    BeneficiaryEnrolled {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// The beneficiary's account: a pseudonym serving this programme only.
        beneficiary: AccountId,
    } = 22,
    /// A beneficiary's enrolment was revoked.
    BeneficiaryRevoked {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// The beneficiary's account: a pseudonym serving this programme only.
        beneficiary: AccountId,
    } = 23,
    /// A disbursement was ordered (budget reserved).
    DisbursementOrdered {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Order id within the programme, in order of creation (0, 1, …).
        order_id: u64,
        /// The beneficiary's account: a pseudonym serving this programme only.
        beneficiary: AccountId,
        /// Amount in euro cents.
        amount_cents: u64,
    } = 24,
    /// An order was executed (paid to the beneficiary's balance).
    DisbursementExecuted {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Order id within the programme, in order of creation (0, 1, …).
        order_id: u64,
        /// The beneficiary's account: a pseudonym serving this programme only.
        beneficiary: AccountId,
        /// Amount in euro cents.
        amount_cents: u64,
    } = 25,
    /// An order was rejected (reserve returned).
    DisbursementRejected {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Order id within the programme, in order of creation (0, 1, …).
        order_id: u64,
        /// Reason, a code from the list the collectivity publishes (never free text).
        reason_code: u16,
    } = 26,
    /// A beneficiary spent at a merchant.
    AidSpent {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// The beneficiary's account: a pseudonym serving this programme only.
        beneficiary: AccountId,
        /// The merchant's account (a business, accredited by category).
        merchant: AccountId,
        /// Amount in euro cents.
        amount_cents: u64,
    } = 27,
    /// A merchant redeemed: a settlement claim the collectivity pays off-chain.
    SettlementClaimed {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// The merchant's account (a business, accredited by category).
        merchant: AccountId,
        /// Amount in euro cents.
        amount_cents: u64,
    } = 28,
    /// A programme closed; reserves and unspent balances returned to its budget.
    ProgrammeClosed {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Amount returned to the unreserved budget.
        returned_cents: u64,
    } = 29,
    /// A recurring disbursement was scheduled.
    RecurringScheduled {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Schedule id within the programme (0, 1, …).
        schedule_id: u64,
        /// The beneficiary's account: a pseudonym serving this programme only.
        beneficiary: AccountId,
        /// Amount in euro cents.
        amount_cents: u64,
    } = 30,
    /// A recurring disbursement was suspended.
    RecurringSuspended {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Schedule id within the programme (0, 1, …).
        schedule_id: u64,
    } = 31,
    /// A scheduled order could not be made this period.
    RecurringSkipped {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Schedule id within the programme (0, 1, …).
        schedule_id: u64,
        /// Period number: 0 is the programme's first period.
        period: u64,
        /// Why (an error code).
        code: u16,
    } = 32,
    /// An energy community was created.
    CommunityCreated {
        /// Community id, assigned at creation (0, 1, …).
        community_id: u64,
    } = 33,
    /// A meter was registered.
    MeterRegistered {
        /// Community id, assigned at creation (0, 1, …).
        community_id: u64,
        /// Meter id within the community, in order of registration (0, 1, …).
        meter_id: u64,
        /// Account that trades for the meter: a pseudonym serving this community only.
        owner: AccountId,
    } = 34,
    /// An order was placed for a slot.
    EnergyOrderPlaced {
        /// Community id, assigned at creation (0, 1, …).
        community_id: u64,
        /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
        slot: u64,
        /// Position of the order in its slot's book (0, 1, …).
        order_number: u32,
        /// `Buy` (takes energy) or `Sell` (offers it).
        side: Side,
        /// Quantity, Wh.
        energy_wh: u64,
        /// Limit price, millicents per Wh.
        limit_price: u64,
    } = 35,
    /// An order was cancelled.
    EnergyOrderCancelled {
        /// Community id, assigned at creation (0, 1, …).
        community_id: u64,
        /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
        slot: u64,
        /// Position of the order in its slot's book (0, 1, …).
        order_number: u32,
    } = 36,
    /// A slot was cleared at gate closure.
    SlotCleared {
        /// Community id, assigned at creation (0, 1, …).
        community_id: u64,
        /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
        slot: u64,
        /// Uniform price, millicents per Wh.
        price: u64,
        /// Energy traded, Wh.
        volume_wh: u64,
    } = 37,
    /// A meter was attested for a slot.
    MeterAttested {
        /// Community id, assigned at creation (0, 1, …).
        community_id: u64,
        /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
        slot: u64,
        /// Meter id within the community, in order of registration (0, 1, …).
        meter_id: u64,
        /// Energy the meter exported during the slot, Wh.
        produced_wh: u64,
        /// Energy the meter imported during the slot, Wh.
        consumed_wh: u64,
    } = 38,
    /// A slot was settled.
    SlotSettled {
        /// Community id, assigned at creation (0, 1, …).
        community_id: u64,
        /// Slot number: slot n starts at `first_slot_ms + n × slot_ms` (block time).
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
        /// Proposal id, from the proposal counter (0, 1, …).
        proposal_id: u64,
    } = 40,
    /// A delegation's time passed.
    DelegationExpired {
        /// Account that acts with the role while the delegation lasts.
        delegate: AccountId,
        /// The role concerned (with `scope`, it names one grant).
        role: Role,
        /// What the role covers: a collectivity, or one programme, community or namespace of it.
        scope: Scope,
    } = 41,
    /// An order could no longer be paid when the accountant came to execute it
    /// (window over, beneficiary or residency revoked): its reservation went
    /// back to the budget. Carried by the execution's failed receipt.
    OrderLapsed {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Order id within the programme, in order of creation (0, 1, …).
        order_id: u64,
        /// Why it lapsed (the receipt's code).
        code: u16,
    } = 42,
    /// A programme stopped taking orders and began closing; the chain settles
    /// its pending orders and balances over the next blocks.
    ProgrammeClosing {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
    } = 43,
    /// A pending order was cancelled because its programme closed.
    OrderCancelled {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Order id within the programme, in order of creation (0, 1, …).
        order_id: u64,
        /// Amount returned to the unreserved budget, in cents.
        amount_cents: u64,
    } = 44,
    /// Governance froze a programme.
    ProgrammeFrozen {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
    } = 45,
    /// Governance unfroze a programme.
    ProgrammeUnfrozen {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
    } = 46,
    /// Governance gave a validator a new network key; peers admit its node by
    /// the new key from the next block on.
    NetworkKeyRotated {
        /// The validator, by consensus key.
        validator: PublicKey,
        /// Its new network key.
        network_key: PublicKey,
    } = 47,
    /// A block carried valid evidence that a validator signed two different
    /// votes for one step; the offence is recorded in table `0x1b`. The council
    /// decides by governance what follows (nothing is automatic).
    MisbehaviourRecorded {
        /// The validator, by consensus key.
        offender: PublicKey,
        /// The height of the conflicting votes.
        height: u64,
        /// Their round.
        round: u32,
        /// Their type (prevote or precommit).
        vote_type: VoteType,
    } = 48,
    /// Governance scheduled a protocol upgrade (replacing any plan not yet
    /// activated): from `height` on, only binaries running `version` execute
    /// blocks.
    UpgradeScheduled {
        /// First height of the new version.
        height: u64,
        /// The protocol version from that height on.
        version: u32,
    } = 49,
    /// Governance cancelled the upgrade it had scheduled, before its height.
    UpgradeCancelled {
        /// The height the plan had.
        height: u64,
        /// The version the plan had.
        version: u32,
    } = 50,
    /// A record was revoked.
    RecordRevoked {
        /// Namespace name, e.g. `permits/building`.
        namespace: NamespaceName,
        /// Record id within the namespace, e.g. a permit number.
        record_id: RecordId,
        /// Reason, a code from the list the collectivity publishes (never free text).
        reason_code: u16,
    } = 8,
}
