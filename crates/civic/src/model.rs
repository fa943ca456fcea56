//! The civic entities as stored in the state (borsh), and their identifiers.
//!
//! No names, addresses or identifiers of people: accounts are pseudonymous keys
//! (still personal data under GDPR, kept apart per programme and community),
//! residents and documents appear only as salted commitments (hashes) whose
//! preimages stay in the enrolling office's files, and SIRENs identify public
//! bodies. docs/privacy.md says, field by field, what each value reveals and
//! who reads it.

use std::fmt;

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::limits::VALIDATORS_MAX;
use civitas_types::{AccountId, BoundedBytes, BoundedVec, Hash, PublicKey};

use crate::metadata::{FieldSpec, RECORD_FIELDS_MAX, REFERENCE_BYTES_MAX, RecordMetadata};

/// Most members of a multisig policy.
pub const MULTISIG_MEMBERS_MAX: usize = 16;
/// Longest collectivity name, in bytes.
pub const COLLECTIVITY_NAME_BYTES_MAX: usize = 128;
/// Longest namespace name, in bytes.
pub const NAMESPACE_BYTES_MAX: usize = 64;
/// Longest record id, in bytes (the same bound as a reference).
pub const RECORD_ID_BYTES_MAX: usize = REFERENCE_BYTES_MAX;

/// A SIREN: the nine-digit public identifier of a French legal entity (here, a
/// public body), with its Luhn check digit. Public, not personal data.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct Siren(pub u32);

impl Siren {
    /// Whether the number has nine digits and a valid Luhn checksum.
    pub fn is_valid(&self) -> bool {
        if self.0 < 100_000_000 || self.0 > 999_999_999 {
            return false;
        }
        let mut sum: u32 = 0;
        let mut rest = self.0;
        for position in 0..9u32 {
            let digit = rest % 10;
            rest /= 10;
            let weighted = if position % 2 == 1 {
                digit.saturating_mul(2)
            } else {
                digit
            };
            let folded = if weighted > 9 {
                weighted.saturating_sub(9)
            } else {
                weighted
            };
            sum = sum.saturating_add(folded);
        }
        sum.is_multiple_of(10)
    }
}

impl fmt::Display for Siren {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:09}", self.0)
    }
}

/// Per-account bookkeeping.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct AccountState {
    /// The sequence number the account's next transaction must carry.
    pub next_sequence: u64,
    /// Whether the account is a multisig account (its policy is in the multisig
    /// table); saves a lookup for the common key accounts.
    pub multisig: bool,
}

/// A k-of-n policy over member keys.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct MultisigPolicy {
    /// Signatures required, 1 ≤ threshold ≤ members.
    pub threshold: u8,
    /// Member keys, strictly increasing.
    pub members: BoundedVec<PublicKey, MULTISIG_MEMBERS_MAX>,
}

/// A role an account can hold (PRODUCT.md, "Identity and roles").
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Role {
    /// Enrols and revokes residents.
    IdentityRegistrar = 0,
    /// Orders aid disbursements (ordonnateur).
    AidAdministrator = 1,
    /// Executes or rejects ordered disbursements (comptable).
    AidAccountant = 2,
    /// Accepts aid vouchers in its categories.
    Merchant = 3,
    /// Runs an energy community.
    EnergyOperator = 4,
    /// Registers, amends, transfers and revokes records in a namespace.
    Registrar = 5,
}

/// What a role applies to: a whole collectivity, or one programme, community or
/// namespace of it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Scope {
    /// Everything of the collectivity.
    Collectivity(Siren) = 0,
    /// One aid programme.
    Programme(Siren, u64) = 1,
    /// One energy community.
    Community(Siren, u64) = 2,
    /// One registry namespace.
    Namespace(NamespaceName) = 3,
}

/// A collectivity of the council.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Collectivity {
    /// Its SIREN.
    pub siren: Siren,
    /// Its official name (public).
    pub name: BoundedBytes<COLLECTIVITY_NAME_BYTES_MAX>,
    /// Council voting power (≥ 1).
    pub voting_power: u64,
    /// The account that votes in the council for it.
    pub council_account: AccountId,
}

/// A consensus validator and the collectivity that runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ValidatorEntry {
    /// Consensus key: signs votes and proposals.
    pub public_key: PublicKey,
    /// Network key: the node's libp2p identity, which peers admit by. Never a
    /// consensus key of the registry, so the consensus key can live in a remote
    /// signer and the node's address survives a consensus-key rotation
    /// (docs/decisions/0011-network-identity.md).
    pub network_key: PublicKey,
    /// Consensus voting power.
    pub power: u64,
    /// The collectivity running it.
    pub siren: Siren,
}

/// The validator registry: every validator, in key order (one value, so a change
/// and its safety check see the whole set).
pub type ValidatorRegistry = BoundedVec<ValidatorEntry, VALIDATORS_MAX>;

/// Chain parameters set by governance.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ChainParameters {
    /// Fewest validators the set may have (≥ 1).
    pub validators_min: u16,
    /// Heights between the block that decides a validator-set change and the
    /// height it applies to (1 ≤ delay ≤ [`VALIDATOR_CHANGE_DELAY_MAX`]). It may always grow; it may shrink only so
    /// far that a change decided now activates no earlier than the last one
    /// scheduled (code 314).
    pub validator_change_delay: u64,
}

impl ChainParameters {
    /// Whether the parameters are in range: at least one validator, and a
    /// validator-set change delay of at least one height (a change never
    /// applies to the height that decides it) and at most
    /// [`VALIDATOR_CHANGE_DELAY_MAX`].
    pub fn is_valid(&self) -> bool {
        self.validators_min >= 1
            && (1..=VALIDATOR_CHANGE_DELAY_MAX).contains(&self.validator_change_delay)
    }
}

/// Longest validator-set change delay, in heights (about a day of one-second
/// blocks): a change must take effect while the council still remembers it.
pub const VALIDATOR_CHANGE_DELAY_MAX: u64 = 100_000;

impl Default for ChainParameters {
    fn default() -> Self {
        ChainParameters {
            validators_min: 1,
            validator_change_delay: 2,
        }
    }
}

/// A role held directly, granted by governance.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RoleGrant {
    /// Height of the grant.
    pub granted_at_height: u64,
    /// For merchants: the accepted categories (codes); empty otherwise.
    pub categories: BoundedVec<u16, 32>,
}

/// A délégation de signature: a role lent for a bounded time, citing its act.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Delegation {
    /// The holder who delegated (must still hold the role directly).
    pub delegator: AccountId,
    /// Block time after which the delegation no longer works.
    pub expires_at_ms: u64,
    /// Hash of the signed act (arrêté) that grants it.
    pub act_hash: Hash,
}

/// A resident enrolled by a collectivity.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Resident {
    /// Salted hash of the off-chain identity file (only the office can open it).
    pub identity_commitment: Hash,
    /// Height of enrolment.
    pub enrolled_at_height: u64,
    /// Revocation reason code, once revoked.
    pub revoked: Option<u16>,
    /// How many times this pseudonym was enrolled (1 the first time): an
    /// order made under an earlier enrolment lapses.
    pub enrolment: u32,
}

/// A registry namespace name, e.g. `permits/building`: 1 to 64 bytes of
/// `a-z 0-9 - _ /`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct NamespaceName(pub BoundedBytes<NAMESPACE_BYTES_MAX>);

impl NamespaceName {
    /// Whether the name uses only the allowed characters and is not empty.
    pub fn is_valid(&self) -> bool {
        !self.0.is_empty()
            && self.0.iter().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'/')
            })
    }

    /// The name from text (unchecked; see [`NamespaceName::is_valid`]).
    pub fn from_text(text: &str) -> Option<NamespaceName> {
        BoundedBytes::try_from_vec(text.as_bytes().to_vec())
            .ok()
            .map(NamespaceName)
    }
}

/// A registry namespace.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Namespace {
    /// SIREN of the collectivity (the public identifier of a public body).
    pub collectivity: Siren,
    /// Whether records can change owner.
    pub transferable: bool,
    /// Whether a transfer needs a registrar's approval after the owner's request.
    pub transfer_needs_approval: bool,
    /// The metadata every record version gives, in this order; names valid and
    /// unique. Fixed at creation, so a record's history always reads the same way.
    pub fields: BoundedVec<FieldSpec, RECORD_FIELDS_MAX>,
}

/// A record's id within its namespace (e.g. a permit number): 1 to 64 bytes of
/// `A-Z a-z 0-9 - _ / .`, checked by [`crate::metadata::is_reference`].
pub type RecordId = BoundedBytes<RECORD_ID_BYTES_MAX>;

/// The current state of a record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Record {
    /// Current version, from 1.
    pub version: u32,
    /// Current owner, if the record has one.
    pub owner: Option<AccountId>,
    /// Revocation reason code, once revoked.
    pub revoked: Option<u16>,
    /// A transfer requested by the owner, waiting for a registrar.
    pub pending_transfer: Option<AccountId>,
}

/// One version of a record (kept forever: the history).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RecordVersion {
    /// Hash of the document (hashed locally; the file never leaves its holder).
    pub document_hash: Hash,
    /// One value per field of the namespace, in its order (codes, dates, amounts,
    /// references to things, hashes, flags: no free text about people).
    pub metadata: RecordMetadata,
    /// The registrar who wrote this version.
    pub registrar: AccountId,
    /// Height at which it was written.
    pub height: u64,
}

/// Where a document hash is registered in a namespace (the document index,
/// table `0x63`): the record and the latest of its versions carrying the hash.
/// Kept when the record is revoked — the record says it is revoked — so a hash
/// stays bound to one record for good.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct DocumentEntry {
    /// The record the document belongs to.
    pub record_id: RecordId,
    /// The latest version of that record whose `document_hash` is this hash.
    pub version: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siren_luhn_check() {
        // 732 829 320 is a well-known valid SIREN; changing a digit breaks it.
        assert!(Siren(732_829_320).is_valid());
        assert!(!Siren(732_829_321).is_valid());
        assert!(!Siren(12_345).is_valid());
        assert_eq!(Siren(200_046_977).to_string(), "200046977");
    }

    #[test]
    fn namespace_names() {
        assert!(NamespaceName::from_text("permits/building").is_some_and(|n| n.is_valid()));
        assert!(!NamespaceName::from_text("Permits").is_some_and(|n| n.is_valid()));
        assert!(!NamespaceName::from_text("").is_some_and(|n| n.is_valid()));
        assert!(NamespaceName::from_text(&"a".repeat(65)).is_none());
    }
}
