//! Stable error codes of civic transactions.
//!
//! A transaction that breaks a business rule is still included in its block,
//! consumes its sequence number and gets a failed receipt carrying one of these
//! codes. Codes are part of the protocol: never renumbered, never reused. Ranges:
//! 1xx envelope, 2xx identity and roles, 3xx governance, 4xx social aid, 5xx energy, 6xx registries, 9xx
//! arithmetic.

/// Why a civic transaction failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u16)]
pub enum Code {
    /// The payload is not a valid civic action encoding.
    MalformedPayload = 100,
    /// The account acting lacks the role for this action and scope.
    MissingRole = 200,
    /// A delegation's time has passed.
    DelegationExpired = 201,
    /// The collectivity does not exist.
    UnknownCollectivity = 202,
    /// The account is already an enrolled resident.
    AlreadyEnrolled = 203,
    /// The account is not an enrolled resident.
    NotEnrolled = 204,
    /// The resident's enrolment was revoked.
    ResidentRevoked = 205,
    /// A multisig policy is invalid (threshold, member order, size).
    InvalidMultisigPolicy = 206,
    /// The multisig account is already registered.
    MultisigExists = 207,
    /// Delegating to oneself, or an expiry already past.
    InvalidDelegation = 208,
    /// No such delegation.
    UnknownDelegation = 209,
    /// The signer is not the council account of a collectivity.
    NotCouncilMember = 300,
    /// No such proposal.
    UnknownProposal = 301,
    /// The proposal was already executed or refused.
    ProposalClosed = 302,
    /// The proposal's expiry has passed (or would be in the past).
    ProposalExpired = 303,
    /// The collectivity already voted on this proposal.
    AlreadyVoted = 304,
    /// A collectivity to admit is invalid or already known (SIREN, power, council account).
    InvalidCollectivity = 305,
    /// A collectivity still running validators cannot be removed.
    CollectivityRunsValidators = 306,
    /// No such validator.
    UnknownValidator = 307,
    /// The resulting validator set is invalid (duplicate key, zero or excessive power).
    InvalidValidatorSet = 308,
    /// The validator set would be smaller than the configured minimum.
    ValidatorSetTooSmall = 309,
    /// One collectivity would hold a third of the validator power or more.
    CollectivityCouldHalt = 310,
    /// The namespace name is invalid or taken, or a field name is invalid or repeated.
    InvalidNamespace = 311,
    /// Chain parameters out of range.
    InvalidParameters = 312,
    /// Too many proposals open at once.
    TooManyOpenProposals = 313,
    /// The new validator-change delay would let a change activate before one already scheduled.
    ActivationOutOfOrder = 314,
    /// A network key is used twice, or is also a consensus key.
    InvalidNetworkKey = 315,
    /// An upgrade's version is not greater than the protocol version in force.
    UpgradeVersionNotNewer = 316,
    /// An upgrade's height is too close to (or too far from) the deciding block.
    UpgradeHeightOutOfRange = 317,
    /// An upgrade's name is empty or uses characters outside `a-z 0-9 - .`.
    InvalidUpgradeName = 318,
    /// No upgrade is scheduled that has not activated yet.
    NoPendingUpgrade = 319,
    /// Too many live delegations.
    TooManyDelegations = 210,
    /// The account holds the other aid duty (ordonnateur / comptable) in this collectivity.
    ConflictingAidDuties = 211,
    /// This identity commitment was already enrolled for another pseudonym.
    CommitmentReused = 212,
    /// This pseudonym already serves another programme or community.
    PseudonymInUse = 213,
    /// No such programme.
    UnknownProgramme = 400,
    /// The programme is closed.
    ProgrammeClosed = 401,
    /// Programme rules out of range (zero budget or period, empty window).
    InvalidProgramme = 402,
    /// The account is already a beneficiary of the programme.
    AlreadyBeneficiary = 403,
    /// The account is not a beneficiary of the programme.
    NotBeneficiary = 404,
    /// The beneficiary's enrolment is revoked.
    BeneficiaryRevoked = 405,
    /// The block time is outside the programme's validity window.
    OutsideValidity = 406,
    /// An amount of zero.
    InvalidAmount = 407,
    /// The order would put the beneficiary above the cap for the period.
    CapExceeded = 408,
    /// The order exceeds the unreserved budget.
    BudgetExceeded = 409,
    /// No such order.
    UnknownOrder = 410,
    /// The order was already executed or rejected.
    OrderNotPending = 411,
    /// The accountant who executes or rejects must not be the one who ordered.
    OrdererCannotExecute = 412,
    /// The merchant is not accredited for any of the programme's categories.
    MerchantNotAccredited = 413,
    /// The balance is too small for the amount.
    InsufficientBalance = 414,
    /// No such (active) recurring schedule.
    UnknownSchedule = 415,
    /// Too many programmes with recurring schedules.
    TooManySchedules = 416,
    /// The programme is frozen (by governance, or its collectivity left the council).
    ProgrammeFrozen = 417,
    /// Too many programmes closing at once.
    TooManyClosingProgrammes = 418,
    /// No such energy community.
    UnknownCommunity = 500,
    /// Community rules out of range (slot length, prices).
    InvalidCommunity = 501,
    /// No such meter.
    UnknownMeter = 502,
    /// Only the meter's owner may trade for it.
    NotMeterOwner = 503,
    /// The slot has started: no order or cancellation after gate closure.
    GateClosed = 504,
    /// The slot is too far ahead.
    SlotTooFar = 505,
    /// The slot has as many orders or attestations as allowed.
    SlotFull = 506,
    /// No such (uncancelled) order in the slot.
    UnknownEnergyOrder = 507,
    /// The slot has not ended yet.
    SlotNotEnded = 508,
    /// This meter's slot is already attested.
    AlreadyAttested = 509,
    /// The slot is not cleared (no orders, or its start has not come).
    SlotNotCleared = 510,
    /// A meter with matched energy has no attestation yet.
    MissingAttestation = 511,
    /// The slot is already settled.
    AlreadySettled = 512,
    /// A meter with this commitment (meter point) is already registered.
    DuplicateMeter = 513,
    /// The namespace does not exist.
    UnknownNamespace = 600,
    /// A record with this id exists already in the namespace.
    DuplicateRecord = 601,
    /// No such record.
    UnknownRecord = 602,
    /// The record is revoked: it can no longer change.
    RecordRevoked = 603,
    /// The namespace does not allow transfers.
    NotTransferable = 604,
    /// Only the record's owner may request its transfer.
    NotOwner = 605,
    /// No transfer is waiting for approval.
    NoPendingTransfer = 606,
    /// The record id is empty or uses characters outside `A-Z a-z 0-9 - _ / .`.
    InvalidRecord = 607,
    /// The metadata does not give one valid value per namespace field, in order,
    /// of the declared kind.
    InvalidMetadata = 608,
    /// The document hash is already registered in the namespace by another
    /// record (revoked or not).
    DuplicateDocument = 609,
    /// A counter or amount would overflow.
    Overflow = 900,
}

impl Code {
    /// The numeric code.
    pub fn number(self) -> u16 {
        self as u16
    }

    /// A readable reason, for receipts and RPC answers.
    pub fn reason(self) -> &'static str {
        match self {
            Code::MalformedPayload => "the payload is not a valid civic action",
            Code::MissingRole => {
                "the signer does not hold the role this action needs, for this scope"
            }
            Code::DelegationExpired => "the delegation that grants the role has expired",
            Code::UnknownCollectivity => "no such collectivity",
            Code::AlreadyEnrolled => "the account is already an enrolled resident",
            Code::NotEnrolled => "the account is not an enrolled resident",
            Code::ResidentRevoked => "the resident's enrolment is revoked",
            Code::InvalidMultisigPolicy => {
                "a multisig policy needs 1 ≤ threshold ≤ members ≤ 16 and members in increasing order"
            }
            Code::MultisigExists => "this multisig account is already registered",
            Code::InvalidDelegation => {
                "a delegation must go to another account and expire in the future"
            }
            Code::UnknownDelegation => "no such delegation",
            Code::NotCouncilMember => "the signer is not the council account of a collectivity",
            Code::UnknownProposal => "no such proposal",
            Code::ProposalClosed => "the proposal was already executed or refused",
            Code::ProposalExpired => "the proposal has expired",
            Code::AlreadyVoted => "this collectivity already voted on the proposal",
            Code::InvalidCollectivity => {
                "the collectivity is invalid or already known (SIREN, power, council account)"
            }
            Code::CollectivityRunsValidators => "the collectivity still runs validators",
            Code::UnknownValidator => "no such validator",
            Code::InvalidValidatorSet => {
                "the validator set would be invalid (duplicate key, zero or excessive power)"
            }
            Code::ValidatorSetTooSmall => {
                "the validator set would be smaller than the chain's configured minimum"
            }
            Code::CollectivityCouldHalt => {
                "one collectivity would hold a third of the validator power or more and could halt the network"
            }
            Code::InvalidNamespace => {
                "the namespace name is invalid or already taken, or a field name is invalid or repeated"
            }
            Code::InvalidParameters => "chain parameters out of range",
            Code::TooManyOpenProposals => "too many proposals are open at once",
            Code::ActivationOutOfOrder => {
                "with this delay a validator-set change would activate before one already scheduled; wait for it to activate"
            }
            Code::InvalidNetworkKey => {
                "the network key is already another validator's, or is a consensus key: give each node its own network key"
            }
            Code::UpgradeVersionNotNewer => {
                "the upgrade's protocol version must be greater than the version in force"
            }
            Code::UpgradeHeightOutOfRange => {
                "the upgrade height must be 1,000 to 10,000,000 heights after the block that decides it: operators need time to install the new release"
            }
            Code::InvalidUpgradeName => {
                "the upgrade name must be 1 to 32 bytes of a-z, 0-9, '-' and '.'"
            }
            Code::NoPendingUpgrade => {
                "no upgrade is scheduled that has not activated yet: an activated upgrade cannot be cancelled"
            }
            Code::TooManyDelegations => "too many delegations are alive at once",
            Code::CommitmentReused => {
                "this identity commitment is already enrolled for another pseudonym: use a fresh salt per pseudonym"
            }
            Code::PseudonymInUse => {
                "this key already serves another programme or community: derive a separate key for each"
            }
            Code::ConflictingAidDuties => {
                "the account holds the other aid duty in this collectivity: an ordonnateur is never a comptable"
            }
            Code::UnknownProgramme => "no such programme",
            Code::ProgrammeClosed => "the programme is closed",
            Code::InvalidProgramme => "programme rules out of range (budget, period or window)",
            Code::AlreadyBeneficiary => "the account is already a beneficiary of the programme",
            Code::NotBeneficiary => "the account is not a beneficiary of the programme",
            Code::BeneficiaryRevoked => "the beneficiary's enrolment is revoked",
            Code::OutsideValidity => "the block time is outside the programme's validity window",
            Code::InvalidAmount => "the amount must be more than zero",
            Code::CapExceeded => "the order would exceed the beneficiary's cap for the period",
            Code::BudgetExceeded => "the order exceeds the programme's unreserved budget",
            Code::UnknownOrder => "no such order",
            Code::OrderNotPending => "the order was already executed or rejected",
            Code::OrdererCannotExecute => {
                "the accountant who executes or rejects an order cannot be the one who ordered it"
            }
            Code::MerchantNotAccredited => {
                "the merchant is not accredited for any of the programme's categories"
            }
            Code::InsufficientBalance => "the balance is too small for this amount",
            Code::UnknownSchedule => "no such active recurring schedule",
            Code::TooManySchedules => "too many programmes with recurring schedules",
            Code::ProgrammeFrozen => {
                "the programme is frozen (by the council, or its collectivity left the council)"
            }
            Code::TooManyClosingProgrammes => {
                "too many programmes are closing at once; retry in a few blocks"
            }
            Code::UnknownCommunity => "no such energy community",
            Code::InvalidCommunity => "community rules out of range (slot length, prices)",
            Code::UnknownMeter => "no such meter",
            Code::NotMeterOwner => "only the meter's owner may trade for it",
            Code::GateClosed => "the slot has started: orders and cancellations are closed",
            Code::SlotTooFar => "the slot is too far ahead",
            Code::SlotFull => "the slot has as many orders or attestations as allowed",
            Code::UnknownEnergyOrder => "no such order in the slot",
            Code::SlotNotEnded => "the slot has not ended yet",
            Code::AlreadyAttested => "this meter is already attested for the slot",
            Code::SlotNotCleared => "the slot is not cleared",
            Code::MissingAttestation => "a meter with matched energy has no attestation yet",
            Code::AlreadySettled => "the slot is already settled",
            Code::DuplicateMeter => {
                "a meter with this commitment is already registered (a meter point joining another community needs a fresh salt)"
            }
            Code::UnknownNamespace => "no such namespace",
            Code::DuplicateRecord => "a record with this id already exists in the namespace",
            Code::UnknownRecord => "no such record",
            Code::RecordRevoked => "the record is revoked",
            Code::NotTransferable => "records of this namespace cannot be transferred",
            Code::NotOwner => "only the record's owner can ask for its transfer",
            Code::NoPendingTransfer => "no transfer of this record is waiting for approval",
            Code::InvalidRecord => {
                "the record id must be 1 to 64 bytes of A-Z, a-z, 0-9, '-', '_', '/' and '.'"
            }
            Code::InvalidMetadata => {
                "the metadata must give one value per field of the namespace, in order and of its kind, with references of 1 to 64 bytes of A-Z, a-z, 0-9, '-', '_', '/' and '.'"
            }
            Code::DuplicateDocument => {
                "this document hash is already registered in the namespace by another record: look it up instead of registering it again"
            }
            Code::Overflow => "a counter would overflow",
        }
    }
}
