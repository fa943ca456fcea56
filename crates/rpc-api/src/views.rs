//! The JSON objects the methods return, and their construction from the
//! chain's own types (node side) and back to them (client side).
//!
//! Every object: camelCase fields, unknown fields refused, hashes and keys as
//! `0x` and lower-case hex (crate documentation, "Conventions").

use civitas_civic::Receipt;
use civitas_types::limits::BLOCK_BYTES_MAX;
use civitas_types::{
    Block, DecodeError, Hash, QuorumCertificate, SignedTransaction, decode, encode,
};
use serde::{Deserialize, Serialize};

use crate::codes::{code_name, code_reason};
use crate::encoding::to_hex;
use crate::events::{EventView, receipt_event};
use crate::state::InclusionProof;

/// `civitas_status`: the node's view of the chain.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Status {
    /// The network's chain id, e.g. `civitas-grand-est-1`.
    pub chain_id: String,
    /// Hash of the genesis document (hex).
    pub genesis_hash: String,
    /// Height of the last committed block; 0 before the first.
    pub height: u64,
    /// Hash of the last committed block (hex); `null` before the first.
    pub last_block_hash: Option<String>,
    /// Block time of the last committed block, ms since the Unix epoch; `null` before the first.
    pub last_block_time_ms: Option<u64>,
    /// Whether the node is still fetching blocks it missed (its answers lag the network).
    pub catching_up: bool,
    /// Version of the node binary, e.g. `0.1.0`.
    pub node_version: String,
    /// Block and transaction format version the node runs (`civitas_types::PROTOCOL_VERSION`).
    pub protocol_version: u32,
    /// The node's consensus public key (hex) if it is a validator; `null` otherwise.
    pub validator_address: Option<String>,
}

/// `civitas_getBlock`: a committed block, its header fields readable and its
/// canonical bytes in `block` for clients that check it themselves.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockView {
    /// Height, from 1.
    pub height: u64,
    /// The block hash (its header's hash, hex).
    pub hash: String,
    /// Block time chosen by the proposer, ms since the Unix epoch.
    pub time_ms: u64,
    /// The proposer's consensus public key (hex).
    pub proposer: String,
    /// Hash of the previous block; at height 1, the genesis document hash.
    pub previous_block_hash: String,
    /// Root of the state after this block.
    pub state_root: String,
    /// Merkle root over the block's transactions.
    pub transactions_root: String,
    /// Merkle root over the receipts of the block's transactions.
    pub receipts_root: String,
    /// Hash of the validator set that signs this height.
    pub validators_hash: String,
    /// Hash of the validator set that signs the next height.
    pub next_validators_hash: String,
    /// Ids of the block's transactions (hex), in execution order.
    pub transactions: Vec<String>,
    /// Number of pieces of evidence of misbehaviour the block records.
    pub evidence: u32,
    /// Round in which the block was committed, from the quorum certificate the
    /// node holds for it; `null` if the node has none to show.
    pub certificate_round: Option<u32>,
    /// The block's canonical (borsh) encoding, hex: its header hashes to `hash`.
    pub block: String,
}

impl BlockView {
    /// The view of `block`; `certificate` is the quorum certificate that
    /// committed it (from the next block's `last_commit`, or the node's latest
    /// certificate). A certificate for another block is not shown.
    pub fn from_block(block: &Block, certificate: Option<&QuorumCertificate>) -> BlockView {
        let header = &block.header;
        let hash = block.hash();
        let certificate = certificate.filter(|certificate| {
            certificate.block_hash == hash && certificate.height == header.height
        });
        BlockView {
            height: header.height,
            hash: to_hex(hash),
            time_ms: header.time_ms,
            proposer: to_hex(header.proposer),
            previous_block_hash: to_hex(header.previous_block_hash),
            state_root: to_hex(header.state_root),
            transactions_root: to_hex(header.transactions_root),
            receipts_root: to_hex(header.receipts_root),
            validators_hash: to_hex(header.validators_hash),
            next_validators_hash: to_hex(header.next_validators_hash),
            transactions: block
                .transactions
                .iter()
                .map(|transaction| to_hex(transaction.id()))
                .collect(),
            // At most BLOCK_EVIDENCE_MAX (256): the conversion cannot fail.
            evidence: u32::try_from(block.evidence.len()).unwrap_or(u32::MAX),
            certificate_round: certificate.map(|certificate| certificate.round),
            block: to_hex(encode(block)),
        }
    }

    /// Decodes `block` (client side). The caller should check that its hash is
    /// `hash` before trusting the other fields.
    pub fn decode_block(&self) -> Result<Block, DecodeError> {
        decode_hex("block", &self.block, BLOCK_BYTES_MAX as usize)
    }
}

/// `civitas_getTransaction`: a committed transaction, where it is, and its receipt.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransactionView {
    /// The transaction id (hash of its body, hex).
    pub id: String,
    /// Height of the block that holds it.
    pub height: u64,
    /// Its position in that block, from 0.
    pub position: u32,
    /// The signer account, as its `civ1…` address.
    pub signer: String,
    /// The signer's sequence number it used.
    pub sequence: u64,
    /// The signed transaction's canonical (borsh) encoding, hex.
    pub transaction: String,
    /// What executing it did.
    pub receipt: ReceiptView,
    /// Proof that the transaction and its receipt are in a certified block
    /// (a node always gives it; `null` only in a view built without one).
    pub proof: Option<InclusionProof>,
}

impl TransactionView {
    /// The view of `transaction`, committed at `height`, `position`, with id `id`
    /// (its `id()`, often already at hand where it is stored) and `receipt`.
    pub fn from_parts(
        id: Hash,
        height: u64,
        position: u32,
        transaction: &SignedTransaction,
        receipt: &Receipt,
    ) -> TransactionView {
        TransactionView {
            id: to_hex(id),
            height,
            position,
            signer: transaction.body.signer.to_string(),
            sequence: transaction.body.sequence,
            transaction: to_hex(encode(transaction)),
            receipt: ReceiptView::from_receipt(receipt, height),
            proof: None,
        }
    }

    /// The same view with its inclusion proof.
    pub fn with_proof(self, proof: InclusionProof) -> TransactionView {
        TransactionView {
            proof: Some(proof),
            ..self
        }
    }

    /// Decodes `transaction` (client side); its `id()` should be `id`.
    pub fn decode_transaction(&self) -> Result<SignedTransaction, DecodeError> {
        decode_hex(
            "transaction",
            &self.transaction,
            civitas_types::limits::TRANSACTION_BYTES_MAX,
        )
    }
}

/// A transaction's receipt: success or the civic code of its failure, and the events.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceiptView {
    /// Whether the transaction succeeded (`code` 0).
    pub success: bool,
    /// 0 for success, else the civic error code (stable numbers, docs/protocol.md).
    pub code: u16,
    /// The code's name: `Ok`, a civic code name such as `BudgetExceeded`, or
    /// `Unknown` for a code newer than the node's build.
    pub code_name: String,
    /// The code's readable reason; `null` for success.
    pub reason: Option<String>,
    /// What changed, one typed object per event, every field in `fields`
    /// (whoever holds the transaction id reads the whole receipt: its bytes
    /// are in the proof); `transactionId` is the receipt's, `detail` `null`.
    pub events: Vec<EventView>,
}

impl ReceiptView {
    /// The view of `receipt`, committed at `height`.
    pub fn from_receipt(receipt: &Receipt, height: u64) -> ReceiptView {
        ReceiptView {
            success: receipt.is_success(),
            code: receipt.code,
            code_name: code_name(receipt.code),
            reason: code_reason(receipt.code).map(str::to_owned),
            events: receipt
                .events
                .iter()
                .map(|event| receipt_event(event, height, Some(&receipt.transaction_id)))
                .collect(),
        }
    }
}

/// Decodes hex `text` of at most `bytes_max` bytes as a `T`; text that is not hex
/// is reported as [`DecodeError::Invalid`].
pub(crate) fn decode_hex<T: borsh::BorshDeserialize>(
    field: &'static str,
    text: &str,
    bytes_max: usize,
) -> Result<T, DecodeError> {
    let text = crate::encoding::hex_digits(text);
    let length = text.len() / 2;
    if length > bytes_max {
        return Err(DecodeError::TooLong {
            field,
            length: length as u64,
            limit: bytes_max as u64,
        });
    }
    let bytes = hex::decode(text)
        .map_err(|error| DecodeError::Invalid(format!("{field} is not hex: {error}")))?;
    decode(&bytes)
}
