//! Proof bundles: one fact about the chain — a transaction and its receipt,
//! or state entries (present or provably absent) — with everything needed to
//! check it offline against the genesis document alone: the certified
//! header it is proven against, and the validator-set history from genesis
//! to that header (for each change, the last header signed by the old set,
//! its certificate, and the new set that header names as next).
//!
//! The format is JSON whose binary fields are `0x` and the lower-case hex of
//! the canonical (borsh) encodings, as the JSON-RPC API writes them (docs/auditor-guide.md, "Proof bundles"), so
//! a verifier in another language needs only borsh, SHA-256 and Ed25519.
//! [`check_bundle`] is the verification; it does no I/O.

mod check;

use serde::{Deserialize, Serialize};

pub use check::{
    BundleError, CheckedBundle, CheckedClaim, FollowedSets, check_bundle, check_claim,
    follow_set_changes,
};

/// The `format` of the bundles this build writes and reads.
pub const BUNDLE_FORMAT: &str = "civitas-proof-bundle/1";

/// Most validator-set changes a bundle may carry (a bound on the work a
/// forged bundle can ask of a verifier).
pub const SET_CHANGES_MAX: usize = 10_000;

/// Most state entries a bundle may carry.
pub const ENTRIES_MAX: usize = 64;

/// A self-contained proof of one fact about a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProofBundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// The chain id.
    pub chain_id: String,
    /// The genesis document's hash (hex): the document the bundle is checked with.
    pub genesis_hash: String,
    /// Every validator-set change from genesis to `header`, oldest first.
    pub set_changes: Vec<SetChange>,
    /// The header the fact is proven against (hex of its borsh encoding).
    pub header: String,
    /// The certificate that made that header's block final (hex, borsh).
    pub certificate: String,
    /// The fact.
    pub claim: Claim,
}

/// One validator-set change: the last header the old set signed, which
/// names the new set as the next one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetChange {
    /// The header (hex, borsh): its `validatorsHash` is the old set's, its
    /// `nextValidatorsHash` the new set's.
    pub header: String,
    /// Its certificate, signed by the old set (hex, borsh).
    pub certificate: String,
    /// The new set: its validators in order (hex of the borsh `Vec<Validator>`).
    pub next_validators: String,
}

/// The fact a bundle proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Claim {
    /// A transaction is in the header's block, with this receipt.
    #[serde(rename_all = "camelCase")]
    Transaction {
        /// The signed transaction (hex, borsh).
        transaction: String,
        /// Its Merkle proof under the header's `transactionsRoot` (hex, borsh).
        transaction_proof: String,
        /// Its receipt, as the receipts root's leaf holds it (hex).
        receipt: String,
        /// The receipt's Merkle proof under the header's `receiptsRoot` (hex, borsh).
        receipt_proof: String,
    },
    /// State entries at the header's height, each present with its value
    /// or provably absent.
    #[serde(rename_all = "camelCase")]
    State {
        /// The entries.
        entries: Vec<StateEntry>,
    },
}

/// One state key, its value (or none) and the proof under the state root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateEntry {
    /// The key (hex).
    pub key: String,
    /// The value (hex), or `null`: the proof then proves the key absent.
    pub value: Option<String>,
    /// The state proof (hex, borsh).
    pub proof: String,
}
