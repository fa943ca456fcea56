//! The chain's own records, as `civitas_getHeader`, `civitas_getCertificate`,
//! `civitas_getValidators` and `civitas_getBlocks` return them: what a light
//! client or an auditor needs to check a header against the validator set
//! in force at its height, without whole blocks.
//!
//! Voting powers are u64 values up to 2^60, above JSON's exact integers
//! (2^53): they are decimal strings.

use civitas_types::limits::{BLOCK_BYTES_MAX, VALIDATORS_MAX};
use civitas_types::{DecodeError, Header, PublicKey, QuorumCertificate, ValidatorSet, encode};
use serde::{Deserialize, Serialize};

use crate::encoding::to_hex;
use crate::views::decode_hex;

/// Most blocks one `civitas_getBlocks` call returns.
pub const BLOCKS_LIST_MAX: u32 = 32;

/// Most block bytes (canonical encoding) one `civitas_getBlocks` answer
/// carries: the list stops before the block that would pass it (the first
/// block is always returned). Its hex is twice this, within the response
/// size limit.
pub const BLOCKS_LIST_BYTES_MAX: usize = 8 * 1024 * 1024;

/// `civitas_getBlocks`: consecutive committed blocks.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockList {
    /// The blocks, from the height asked for, in order (none past the last
    /// committed height).
    pub blocks: Vec<crate::views::BlockView>,
    /// The height to ask for next when the answer stopped before the last
    /// committed height (limit or byte budget); `null` otherwise.
    pub next: Option<u64>,
}

/// `civitas_getHeader`: a committed block's header, its fields readable and
/// its canonical bytes in `header`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeaderView {
    /// Height, from 1.
    pub height: u64,
    /// The block hash: the header's hash (hex).
    pub hash: String,
    /// Block format version.
    pub version: u32,
    /// The chain id.
    pub chain_id: String,
    /// Block time chosen by the proposer, ms since the Unix epoch.
    pub time_ms: u64,
    /// Hash of the previous block; at the first height, the genesis document hash.
    pub previous_block_hash: String,
    /// Hash of the previous block's quorum certificate (zeros at the first height).
    pub last_commit_hash: String,
    /// Merkle root over the block's transactions.
    pub transactions_root: String,
    /// Merkle root over the block's receipts.
    pub receipts_root: String,
    /// Root of the state after this block.
    pub state_root: String,
    /// Merkle root over the block's evidence.
    pub evidence_root: String,
    /// Hash of the validator set that signs this height.
    pub validators_hash: String,
    /// Hash of the validator set that signs the next height.
    pub next_validators_hash: String,
    /// The proposer's consensus public key.
    pub proposer: String,
    /// The header's canonical (borsh) encoding, hex: it hashes to `hash`.
    pub header: String,
}

impl HeaderView {
    /// The view of `header`.
    pub fn from_header(header: &Header) -> HeaderView {
        HeaderView {
            height: header.height,
            hash: to_hex(header.hash()),
            version: header.version,
            chain_id: header.chain_id.to_string(),
            time_ms: header.time_ms,
            previous_block_hash: to_hex(header.previous_block_hash),
            last_commit_hash: to_hex(header.last_commit_hash),
            transactions_root: to_hex(header.transactions_root),
            receipts_root: to_hex(header.receipts_root),
            state_root: to_hex(header.state_root),
            evidence_root: to_hex(header.evidence_root),
            validators_hash: to_hex(header.validators_hash),
            next_validators_hash: to_hex(header.next_validators_hash),
            proposer: to_hex(header.proposer),
            header: to_hex(encode(header)),
        }
    }

    /// Decodes `header` (client side); check that it hashes to `hash`.
    pub fn decode_header(&self) -> Result<Header, DecodeError> {
        decode_hex("header", &self.header, HEADER_BYTES_MAX)
    }
}

/// A header's encoding is far below this (a chain id of at most 64 bytes
/// and fixed-size fields).
const HEADER_BYTES_MAX: usize = 1024;

/// `civitas_getCertificate`: the quorum certificate that made a block final.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateView {
    /// Height of the block it commits.
    pub height: u64,
    /// Round in which the block was committed.
    pub round: u32,
    /// Hash of the committed block.
    pub block_hash: String,
    /// The precommit signatures, by validator index.
    pub signatures: Vec<CommitSignatureView>,
    /// Power of the signers, over `totalPower` of the height's set (decimal).
    pub signed_power: String,
    /// Total power of the validator set of that height (decimal).
    pub total_power: String,
    /// The certificate's canonical (borsh) encoding, hex.
    pub certificate: String,
}

/// One validator's precommit in a certificate.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommitSignatureView {
    /// Its position in the height's validator set.
    pub validator_index: u16,
    /// The validator's consensus public key; `null` if the index is not in the set.
    pub validator: Option<String>,
    /// The ed25519 signature over the rebuilt precommit (hex).
    pub signature: String,
}

impl CertificateView {
    /// The view of `certificate`, whose signers are indices into `set`
    /// (the validator set of its height).
    pub fn from_certificate(
        certificate: &QuorumCertificate,
        set: &ValidatorSet,
    ) -> CertificateView {
        let mut signed_power: u64 = 0;
        let signatures = certificate
            .signatures()
            .iter()
            .map(|signature| {
                let validator = set.get(usize::from(signature.validator_index));
                if let Some(validator) = validator {
                    signed_power = signed_power.saturating_add(validator.voting_power);
                }
                CommitSignatureView {
                    validator_index: signature.validator_index,
                    validator: validator.map(|v| to_hex(v.public_key)),
                    signature: to_hex(signature.signature.0),
                }
            })
            .collect();
        CertificateView {
            height: certificate.height,
            round: certificate.round,
            block_hash: to_hex(certificate.block_hash),
            signatures,
            signed_power: signed_power.to_string(),
            total_power: set.total_voting_power().to_string(),
            certificate: to_hex(encode(certificate)),
        }
    }

    /// Decodes `certificate` (client side).
    pub fn decode_certificate(&self) -> Result<QuorumCertificate, DecodeError> {
        // Per signature: a 2-byte index and a 64-byte signature.
        decode_hex("certificate", &self.certificate, 64 + VALIDATORS_MAX * 66)
    }
}

/// `civitas_getValidators`: the validator set in force at a height.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidatorsView {
    /// The height asked for.
    pub height: u64,
    /// The set's hash: the `validatorsHash` of that height's header.
    pub hash: String,
    /// Total voting power (decimal).
    pub total_power: String,
    /// The validators, in the set's order (by consensus key): a
    /// certificate's `validatorIndex` is a position in this list.
    pub validators: Vec<ValidatorView>,
}

/// One validator of a set.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidatorView {
    /// Consensus public key (hex).
    pub public_key: String,
    /// Voting power (decimal).
    pub power: String,
    /// Network public key of its node (hex), as the registry held it when
    /// the set was decided; `null` if the node has no record of it.
    pub network_key: Option<String>,
    /// SIREN of the collectivity that runs it; `null` if unknown to the node.
    pub collectivity: Option<u32>,
}

/// What the registry says of one validator: (consensus key, network key, SIREN).
pub type RegistryEntry = (PublicKey, PublicKey, u32);

impl ValidatorsView {
    /// The view of `set`, in force at `height`, with the registry `entries`
    /// recorded for it.
    pub fn from_set(height: u64, set: &ValidatorSet, entries: &[RegistryEntry]) -> ValidatorsView {
        ValidatorsView {
            height,
            hash: to_hex(set.hash()),
            total_power: set.total_voting_power().to_string(),
            validators: set
                .validators()
                .iter()
                .map(|validator| {
                    let entry = entries.iter().find(|e| e.0 == validator.public_key);
                    ValidatorView {
                        public_key: to_hex(validator.public_key),
                        power: validator.voting_power.to_string(),
                        network_key: entry.map(|e| to_hex(e.1)),
                        collectivity: entry.map(|e| e.2),
                    }
                })
                .collect(),
        }
    }
}

/// Checks `BLOCK_BYTES_MAX` against the byte budget at compile time: one
/// block always fits an answer.
const _: () = assert!(BLOCKS_LIST_BYTES_MAX >= BLOCK_BYTES_MAX as usize);
