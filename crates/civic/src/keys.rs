//! The state key layout: what state proofs prove.
//!
//! Every key is one prefix byte (the table) followed by the borsh encoding of the
//! entry's identifier; borsh length-prefixes variable-length parts, so no key of
//! one entry is a prefix-collision of another's. docs/civic-transactions.md lists
//! the tables.

use borsh::BorshSerialize;
use civitas_types::{AccountId, Hash, encode};

use crate::model::{NamespaceName, RecordId, Role, Scope, Siren};

/// Table prefixes. Append-only: a prefix is never reused.
pub mod table {
    /// account id → `AccountState`.
    pub const ACCOUNT: u8 = 0x01;
    /// account id → `MultisigPolicy`.
    pub const MULTISIG: u8 = 0x02;
    /// (single entry) → `ChainParameters`.
    pub const PARAMETERS: u8 = 0x03;
    /// SIREN → `Collectivity`.
    pub const COLLECTIVITY: u8 = 0x10;
    /// (account, role, scope) → `RoleGrant`.
    pub const ROLE: u8 = 0x11;
    /// (delegate, role, scope) → `Delegation`.
    pub const DELEGATION: u8 = 0x12;
    /// (SIREN, account) → `Resident`.
    pub const RESIDENT: u8 = 0x13;
    /// council account → SIREN of the collectivity it votes for.
    pub const COUNCIL_ACCOUNT: u8 = 0x14;
    /// (single entry) → `ValidatorRegistry`.
    pub const VALIDATORS: u8 = 0x15;
    /// (single entry) → activation height of the last validator-set change
    /// decided (u64).
    pub const LAST_VALIDATOR_ACTIVATION: u8 = 0x18;
    /// (SIREN, identity commitment) → the resident account it was enrolled
    /// with: a commitment serves one pseudonym only.
    pub const RESIDENT_COMMITMENT: u8 = 0x19;
    /// account → the programme or community `Scope` the pseudonym serves: a
    /// citizen's key serves one programme or community only.
    pub const PSEUDONYM_USE: u8 = 0x1a;
    /// `Offence` (offender, height, round, vote type) → `EvidenceRecord`:
    /// one record per offence, whatever pair of votes proved it.
    pub const EVIDENCE: u8 = 0x1b;
    /// (single entry) → `Upgrades`: the protocol version in force before the
    /// scheduled upgrade, and that upgrade.
    pub const UPGRADES: u8 = 0x1c;
    /// (single entry) → next proposal id (u64).
    pub const PROPOSAL_COUNTER: u8 = 0x20;
    /// proposal id (u64) → `Proposal`.
    pub const PROPOSAL: u8 = 0x21;
    /// (proposal id, SIREN) → vote (bool, true = in favour).
    pub const PROPOSAL_VOTE: u8 = 0x22;
    /// (single entry) → total council voting power (u64).
    pub const COUNCIL_POWER: u8 = 0x23;
    /// (single entry) → ids of open proposals (the expiry hook's index).
    pub const OPEN_PROPOSALS: u8 = 0x24;
    /// (single entry) → live delegations (the expiry hook's index).
    pub const LIVE_DELEGATIONS: u8 = 0x16;
    /// (account, SIREN) → `AidDuty`: the aid duty the account holds there.
    pub const AID_DUTY: u8 = 0x17;
    /// (single entry) → next programme id (u64).
    pub const PROGRAMME_COUNTER: u8 = 0x30;
    /// programme id → `Programme`.
    pub const PROGRAMME: u8 = 0x31;
    /// (programme id, account) → `Beneficiary`.
    pub const BENEFICIARY: u8 = 0x32;
    /// (programme id, order id) → `Order`.
    pub const ORDER: u8 = 0x33;
    /// (programme id, merchant) → balance in cents (u64).
    pub const MERCHANT_BALANCE: u8 = 0x34;
    /// (programme id, schedule id) → `Schedule`.
    pub const SCHEDULE: u8 = 0x35;
    /// (single entry) → ids of programmes with schedules.
    pub const SCHEDULED_PROGRAMMES: u8 = 0x36;
    /// (programme id, n) → the account of the n-th beneficiary enrolled (the
    /// closing sweep's index).
    pub const BENEFICIARY_INDEX: u8 = 0x37;
    /// (single entry) → ids of programmes closing (the sweep hook's index).
    pub const CLOSING_PROGRAMMES: u8 = 0x38;
    /// (programme id, n) → the account of the n-th merchant paid (the
    /// invariant checks' index).
    pub const MERCHANT_INDEX: u8 = 0x39;
    /// programme id → `RecurringRun`: the period the programme's schedules are
    /// (or were last) ordered for and the next schedule to look at (the
    /// recurring queue's entries).
    pub const RECURRING_RUN: u8 = 0x3a;
    /// (single entry) → `RecurringQueue`: the programmes whose run is
    /// unfinished, in the order the recurring hook works through them.
    pub const RECURRING_QUEUE: u8 = 0x3b;
    /// (programme id, period u64) → `PeriodFigures`: the money moved in the
    /// period (public figures, provable).
    pub const PERIOD_FIGURES: u8 = 0x3c;
    /// (single entry) → next community id (u64).
    pub const COMMUNITY_COUNTER: u8 = 0x40;
    /// community id → `Community`.
    pub const COMMUNITY: u8 = 0x41;
    /// (community, meter id) → `Meter`.
    pub const METER: u8 = 0x42;
    /// (community, slot) → `SlotBook`.
    pub const SLOT_BOOK: u8 = 0x43;
    /// (single entry) → ids of all communities (the clearing hook's index).
    pub const COMMUNITIES: u8 = 0x44;
    /// (community, account) → `EnergyAccount`.
    pub const ENERGY_ACCOUNT: u8 = 0x45;
    /// meter commitment → (community, meter id): a commitment registers one
    /// meter on the whole chain (one meter per meter point, and no salted
    /// value shared by two communities' pseudonyms).
    pub const METER_COMMITMENT: u8 = 0x46;
    /// (single entry) → community id (u64) at which the clearing hook resumes;
    /// present only while due slots are left over from a block.
    pub const CLEARING_CURSOR: u8 = 0x47;
    /// (community, slot) → `SlotFigures`: the slot's clearing and settlement
    /// totals (public figures, provable).
    pub const SLOT_FIGURES: u8 = 0x48;
    /// namespace → `Namespace`.
    pub const NAMESPACE: u8 = 0x60;
    /// (namespace, record id) → `Record`.
    pub const RECORD: u8 = 0x61;
    /// (namespace, record id, version) → `RecordVersion`.
    pub const RECORD_VERSION: u8 = 0x62;
    /// (namespace, document hash) → `DocumentEntry`: the record version that
    /// registered the document (inclusion and absence are provable).
    pub const DOCUMENT: u8 = 0x63;
}

fn key<T: BorshSerialize>(prefix: u8, id: &T) -> Vec<u8> {
    // One allocation: the identifier is encoded straight after the prefix.
    let mut bytes = Vec::with_capacity(KEY_CAPACITY);
    bytes.push(prefix);
    if id.serialize(&mut bytes).is_err() {
        // Writing into a Vec cannot fail; fall back to the two-step form anyway.
        bytes.truncate(1);
        bytes.extend(encode(id));
    }
    bytes
}

/// Room for the longest common keys (prefix, two ids and an account).
const KEY_CAPACITY: usize = 80;

/// Key of an account's bookkeeping.
pub fn account(account: &AccountId) -> Vec<u8> {
    key(table::ACCOUNT, account)
}

/// Key of a multisig account's policy.
pub fn multisig(account: &AccountId) -> Vec<u8> {
    key(table::MULTISIG, account)
}

/// Key of a collectivity.
pub fn collectivity(siren: &Siren) -> Vec<u8> {
    key(table::COLLECTIVITY, siren)
}

/// Key of a role held directly.
pub fn role(account: &AccountId, role: Role, scope: &Scope) -> Vec<u8> {
    key(table::ROLE, &(account, role, scope))
}

/// Key of a delegation to `delegate`.
pub fn delegation(delegate: &AccountId, role: Role, scope: &Scope) -> Vec<u8> {
    key(table::DELEGATION, &(delegate, role, scope))
}

/// Key of a resident of a collectivity.
pub fn resident(siren: &Siren, account: &AccountId) -> Vec<u8> {
    key(table::RESIDENT, &(siren, account))
}

/// Key of a namespace.
pub fn namespace(name: &NamespaceName) -> Vec<u8> {
    key(table::NAMESPACE, name)
}

/// Key of a record's current state.
pub fn record(namespace: &NamespaceName, id: &RecordId) -> Vec<u8> {
    key(table::RECORD, &(namespace, id))
}

/// Key of one version of a record.
pub fn record_version(namespace: &NamespaceName, id: &RecordId, version: u32) -> Vec<u8> {
    key(table::RECORD_VERSION, &(namespace, id, version))
}

/// Key of the chain parameters.
pub fn parameters() -> Vec<u8> {
    vec![table::PARAMETERS]
}

/// Key of a council account's collectivity.
pub fn council_account(account: &AccountId) -> Vec<u8> {
    key(table::COUNCIL_ACCOUNT, account)
}

/// Key of the validator registry.
pub fn validators() -> Vec<u8> {
    vec![table::VALIDATORS]
}

/// Key of the proposal counter.
pub fn proposal_counter() -> Vec<u8> {
    vec![table::PROPOSAL_COUNTER]
}

/// Key of a proposal.
pub fn proposal(id: u64) -> Vec<u8> {
    key(table::PROPOSAL, &id)
}

/// Key of a collectivity's vote on a proposal.
pub fn proposal_vote(id: u64, siren: &Siren) -> Vec<u8> {
    key(table::PROPOSAL_VOTE, &(id, siren))
}

/// Key of the council's total voting power.
pub fn council_power() -> Vec<u8> {
    vec![table::COUNCIL_POWER]
}

/// Key of the programme counter.
pub fn programme_counter() -> Vec<u8> {
    vec![table::PROGRAMME_COUNTER]
}

/// Key of a programme.
pub fn programme(id: u64) -> Vec<u8> {
    key(table::PROGRAMME, &id)
}

/// Key of a beneficiary of a programme.
pub fn beneficiary(programme: u64, account: &AccountId) -> Vec<u8> {
    key(table::BENEFICIARY, &(programme, account))
}

/// Key of an order of a programme.
pub fn order(programme: u64, order: u64) -> Vec<u8> {
    key(table::ORDER, &(programme, order))
}

/// Key of a merchant's balance in a programme.
pub fn merchant_balance(programme: u64, merchant: &AccountId) -> Vec<u8> {
    key(table::MERCHANT_BALANCE, &(programme, merchant))
}

/// Key of a recurring schedule.
pub fn schedule(programme: u64, schedule: u64) -> Vec<u8> {
    key(table::SCHEDULE, &(programme, schedule))
}

/// Key of the index of programmes with schedules.
pub fn scheduled_programmes() -> Vec<u8> {
    vec![table::SCHEDULED_PROGRAMMES]
}

/// Key of the community counter.
pub fn community_counter() -> Vec<u8> {
    vec![table::COMMUNITY_COUNTER]
}

/// Key of a community.
pub fn community(id: u64) -> Vec<u8> {
    key(table::COMMUNITY, &id)
}

/// Key of a meter.
pub fn meter(community: u64, meter: u64) -> Vec<u8> {
    key(table::METER, &(community, meter))
}

/// Key of the meter registered with a meter-point commitment.
pub fn meter_commitment(commitment: &Hash) -> Vec<u8> {
    key(table::METER_COMMITMENT, commitment)
}

/// Key of a slot's book.
pub fn slot_book(community: u64, slot: u64) -> Vec<u8> {
    key(table::SLOT_BOOK, &(community, slot))
}

/// Key of the index of communities.
pub fn communities() -> Vec<u8> {
    vec![table::COMMUNITIES]
}

/// Key of an account's energy money in a community.
pub fn energy_account(community: u64, account: &AccountId) -> Vec<u8> {
    key(table::ENERGY_ACCOUNT, &(community, account))
}

/// Key of the index of open proposals.
pub fn open_proposals() -> Vec<u8> {
    vec![table::OPEN_PROPOSALS]
}

/// Key of the index of live delegations.
pub fn live_delegations() -> Vec<u8> {
    vec![table::LIVE_DELEGATIONS]
}

/// Key of the aid duty an account holds in a collectivity.
pub fn aid_duty(account: &AccountId, siren: &Siren) -> Vec<u8> {
    key(table::AID_DUTY, &(account, siren))
}

/// Key of the n-th beneficiary enrolled in a programme.
pub fn beneficiary_index(programme: u64, n: u64) -> Vec<u8> {
    key(table::BENEFICIARY_INDEX, &(programme, n))
}

/// Key of the index of closing programmes.
pub fn closing_programmes() -> Vec<u8> {
    vec![table::CLOSING_PROGRAMMES]
}

/// Key of the upgrade schedule.
pub fn upgrades() -> Vec<u8> {
    vec![table::UPGRADES]
}

/// Key of the activation height of the last validator-set change decided.
pub fn last_validator_activation() -> Vec<u8> {
    vec![table::LAST_VALIDATOR_ACTIVATION]
}

/// Key of the pseudonym an identity commitment was enrolled with.
pub fn resident_commitment(siren: &Siren, commitment: &civitas_types::Hash) -> Vec<u8> {
    key(table::RESIDENT_COMMITMENT, &(siren, commitment))
}

/// Key of the programme or community a pseudonym serves.
pub fn pseudonym_use(account: &AccountId) -> Vec<u8> {
    key(table::PSEUDONYM_USE, account)
}

/// Key of the record of an offence.
pub fn evidence(offence: &civitas_types::Offence) -> Vec<u8> {
    key(table::EVIDENCE, offence)
}

/// Key of the n-th merchant paid by a programme.
pub fn merchant_index(programme: u64, n: u64) -> Vec<u8> {
    key(table::MERCHANT_INDEX, &(programme, n))
}

/// Key of a programme's recurring run.
pub fn recurring_run(programme: u64) -> Vec<u8> {
    key(table::RECURRING_RUN, &programme)
}

/// Key of the recurring queue.
pub fn recurring_queue() -> Vec<u8> {
    vec![table::RECURRING_QUEUE]
}

/// Key of the energy clearing cursor.
pub fn clearing_cursor() -> Vec<u8> {
    vec![table::CLEARING_CURSOR]
}

/// Key of a programme's figures for one period.
pub fn period_figures(programme: u64, period: u64) -> Vec<u8> {
    key(table::PERIOD_FIGURES, &(programme, period))
}

/// Key of a slot's figures.
pub fn slot_figures(community: u64, slot: u64) -> Vec<u8> {
    key(table::SLOT_FIGURES, &(community, slot))
}

/// Key of a document hash's entry in a namespace's index.
pub fn document(namespace: &NamespaceName, document_hash: &Hash) -> Vec<u8> {
    key(table::DOCUMENT, &(namespace, document_hash))
}
