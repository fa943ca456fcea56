//! Civic actions: what a transaction's payload says to do.
//!
//! The payload of a `TransactionBody` is the borsh encoding of one [`Action`].
//! Variants are append-only (their tags are part of the protocol).

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::{AccountId, BoundedBytes, BoundedVec, Hash, PublicKey};

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
}
