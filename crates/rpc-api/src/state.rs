//! State answers a client can check without trusting the node: each state
//! entry comes with its Merkle proof against the state root of a header, and
//! the header with the quorum certificate that made it final
//! ([`Certified`]). A client that knows the validator set of that height
//! (`civitas_getValidators`, or its own record of the chain) checks the
//! certificate, then each entry with [`ProvenEntry::verify`].
//!
//! `civitas_getStateProof` answers one raw key this way; the typed queries
//! (records, …) answer their decoded values next to the entries they come from.

use civitas_types::{DecodeError, Hash, StateProof, StateProofError, decode, verify_state};
use serde::{Deserialize, Serialize};

use crate::chain::{CertificateView, HeaderView};
use crate::encoding::to_hex;

/// Longest raw key `civitas_getStateProof` accepts, in bytes.
pub const STATE_KEY_BYTES_MAX: usize = 512;

/// A proof's encoding is at most 256 steps of 33 bytes and a leaf.
const PROOF_BYTES_MAX: usize = 256 * 33 + 70;

/// The header the proofs of an answer check against, and its certificate.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Certified {
    /// The header of the state's height: its `stateRoot` is what the proofs
    /// lead to.
    pub header: HeaderView,
    /// The certificate that made that block final (its `blockHash` is the
    /// header's hash).
    pub certificate: CertificateView,
}

/// One state entry and its proof.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProvenEntry {
    /// The state key (hex).
    pub key: String,
    /// The value's canonical bytes (hex); `null` if the key is absent — the
    /// proof then proves the absence.
    pub value: Option<String>,
    /// The state proof's canonical (borsh) encoding (hex).
    pub proof: String,
}

/// Why a [`ProvenEntry`] does not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofCheckError {
    /// A field is not the hex or encoding it should be.
    #[error("the answer is malformed: {0}")]
    Malformed(String),
    /// The proof does not lead to the root with this key and value.
    #[error("the proof does not check against the state root: {0}")]
    Proof(#[from] StateProofError),
    /// The header's bytes do not hash to its hash, or the certificate is
    /// for another block.
    #[error("the header is not the certified one: {0}")]
    Header(String),
}

impl ProvenEntry {
    /// The entry of `key` with `value` and its `proof`.
    pub fn new(key: &[u8], value: Option<&[u8]>, proof: &StateProof) -> ProvenEntry {
        ProvenEntry {
            key: to_hex(key),
            value: value.map(to_hex),
            proof: to_hex(civitas_types::encode(proof)),
        }
    }

    /// The key's bytes.
    pub fn key_bytes(&self) -> Result<Vec<u8>, ProofCheckError> {
        hex_bytes("key", &self.key)
    }

    /// The value's bytes, `None` if absent.
    pub fn value_bytes(&self) -> Result<Option<Vec<u8>>, ProofCheckError> {
        self.value
            .as_deref()
            .map(|v| hex_bytes("value", v))
            .transpose()
    }

    /// Checks the entry against `state_root` (a certified header's).
    pub fn verify(&self, state_root: &Hash) -> Result<(), ProofCheckError> {
        let key = self.key_bytes()?;
        let value = self.value_bytes()?;
        if self.proof.len() > 2 * PROOF_BYTES_MAX {
            return Err(ProofCheckError::Malformed(
                "the proof is too long".to_owned(),
            ));
        }
        let proof: StateProof = decode(&hex_bytes("proof", &self.proof)?)
            .map_err(|e: DecodeError| ProofCheckError::Malformed(e.to_string()))?;
        verify_state(state_root, &key, value.as_deref(), &proof)?;
        Ok(())
    }
}

impl Certified {
    /// The header's state root, once its bytes are checked to hash to its
    /// hash and the certificate to name that hash and height. (The
    /// certificate's signatures are checked against the validator set by
    /// the caller, who must know that set independently.)
    pub fn state_root(&self) -> Result<Hash, ProofCheckError> {
        let header = self
            .header
            .decode_header()
            .map_err(|e| ProofCheckError::Malformed(e.to_string()))?;
        let hash = header.hash();
        if to_hex(hash) != self.header.hash {
            return Err(ProofCheckError::Header(
                "its bytes do not hash to its hash".to_owned(),
            ));
        }
        let certificate = self
            .certificate
            .decode_certificate()
            .map_err(|e| ProofCheckError::Malformed(e.to_string()))?;
        if certificate.block_hash != hash || certificate.height != header.height {
            return Err(ProofCheckError::Header(
                "the certificate is for another block".to_owned(),
            ));
        }
        Ok(header.state_root)
    }
}

/// `civitas_getStateProof`: one raw key's entry at the last committed height.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateProofAnswer {
    /// The entry and its proof.
    pub entry: ProvenEntry,
    /// The header it checks against.
    pub certified: Certified,
}

fn hex_bytes(field: &str, text: &str) -> Result<Vec<u8>, ProofCheckError> {
    crate::encoding::from_hex(text)
        .map_err(|e| ProofCheckError::Malformed(format!("{field} is not hex: {e}")))
}

/// Proof that a transaction and its receipt are in a certified block:
/// Merkle proofs of the transaction's encoding under the header's
/// `transactionsRoot` and of the receipt's encoding under its
/// `receiptsRoot`, and that block's header with its certificate.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InclusionProof {
    /// The Merkle proof of the transaction (canonical encoding, hex).
    pub transaction_proof: String,
    /// The receipt's canonical encoding (hex): the receipts tree's leaf.
    pub receipt: String,
    /// The Merkle proof of the receipt (canonical encoding, hex).
    pub receipt_proof: String,
    /// The block's header and certificate.
    pub certified: Certified,
}

/// A Merkle proof's encoding: two u64, a length and at most 64 hashes.
const MERKLE_PROOF_BYTES_MAX: usize = 8 + 8 + 4 + 64 * 32;

impl InclusionProof {
    /// The proof of `transaction_proof` and `receipt` (its encoding) with
    /// `receipt_proof`, in the block `certified`.
    pub fn new(
        transaction_proof: &civitas_types::MerkleProof,
        receipt: &[u8],
        receipt_proof: &civitas_types::MerkleProof,
        certified: Certified,
    ) -> InclusionProof {
        InclusionProof {
            transaction_proof: to_hex(civitas_types::encode(transaction_proof)),
            receipt: to_hex(receipt),
            receipt_proof: to_hex(civitas_types::encode(receipt_proof)),
            certified,
        }
    }

    /// Checks that `transaction` (the canonical bytes of the transaction, as
    /// `TransactionView::transaction` carries them, hex) and this proof's
    /// receipt are in the certified block, and that the receipt is that
    /// transaction's (by the id it carries: a Merkle proof's leaf index is
    /// the prover's word, as the header commits to no count of
    /// transactions). Returns the receipt's bytes. Whether the certificate
    /// makes the header final is the caller's to check.
    pub fn verify(&self, transaction: &str) -> Result<Vec<u8>, ProofCheckError> {
        self.certified.state_root()?;
        let header = self
            .certified
            .header
            .decode_header()
            .map_err(|e| ProofCheckError::Malformed(e.to_string()))?;
        let merkle =
            |field: &str, text: &str| -> Result<civitas_types::MerkleProof, ProofCheckError> {
                if text.len() > 2 * MERKLE_PROOF_BYTES_MAX {
                    return Err(ProofCheckError::Malformed(format!("{field} is too long")));
                }
                decode(&hex_bytes(field, text)?)
                    .map_err(|e: DecodeError| ProofCheckError::Malformed(e.to_string()))
            };
        let transaction = hex_bytes("transaction", transaction)?;
        merkle("transactionProof", &self.transaction_proof)?
            .verify(&header.transactions_root, &transaction)
            .map_err(|e| {
                ProofCheckError::Header(format!("the transaction is not in the block: {e}"))
            })?;
        let receipt = hex_bytes("receipt", &self.receipt)?;
        merkle("receiptProof", &self.receipt_proof)?
            .verify(&header.receipts_root, &receipt)
            .map_err(|e| {
                ProofCheckError::Header(format!("the receipt is not in the block: {e}"))
            })?;
        let named: civitas_civic::receipt::Receipt =
            decode(&receipt).map_err(|e: DecodeError| ProofCheckError::Malformed(e.to_string()))?;
        let signed: civitas_types::SignedTransaction = decode(&transaction)
            .map_err(|e: DecodeError| ProofCheckError::Malformed(e.to_string()))?;
        if named.transaction_id != signed.id() {
            return Err(ProofCheckError::Header(format!(
                "the receipt proven is transaction {}'s, not this one's",
                named.transaction_id
            )));
        }
        Ok(receipt)
    }
}
