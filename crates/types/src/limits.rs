//! Hard limits of the formats: what no valid object can exceed.
//!
//! These bound decoding (a length prefix over a limit is refused before any
//! allocation) and are part of the protocol: raising one is a format change.
//! Chain parameters (set by governance) may impose tighter operational limits.

/// Longest chain id, in bytes.
pub const CHAIN_ID_LENGTH_MAX: usize = 64;
/// Largest encoded `SignedTransaction` (body and signatures), in bytes: the one
/// transaction size limit every other one derives from (docs/protocol.md, "Limits").
pub const TRANSACTION_BYTES_MAX: usize = 16 * 1024;
/// The largest a `SignedTransaction` is apart from its payload: a longest chain
/// id (u32 length + 64 bytes), signer 32, sequence 8, expiry height 8, the
/// payload's u32 length, the signature list's u32 count and 16 signatures of
/// 32 + 64 bytes: 1,660 bytes.
pub const TRANSACTION_ENVELOPE_BYTES_MAX: usize =
    4 + CHAIN_ID_LENGTH_MAX + 32 + 8 + 8 + 4 + 4 + TRANSACTION_SIGNATURES_MAX * (32 + 64);
/// Largest transaction payload (the civic action), in bytes: what is left of
/// [`TRANSACTION_BYTES_MAX`] after the largest envelope (14,724), so a
/// transaction of any valid shape fits the one transaction limit.
pub const TRANSACTION_PAYLOAD_BYTES_MAX: usize =
    TRANSACTION_BYTES_MAX - TRANSACTION_ENVELOPE_BYTES_MAX;
/// Most signatures on one transaction (members of a multisig account).
pub const TRANSACTION_SIGNATURES_MAX: usize = 16;
/// Most transactions in one block: the ceiling of the consensus parameter
/// `BlockLimits::transactions_max`.
pub const BLOCK_TRANSACTIONS_MAX: usize = 65_536;
/// Ceiling of the consensus parameter `BlockLimits::block_bytes_max`: 8 MiB.
pub const BLOCK_BYTES_MAX: u32 = 8 * 1024 * 1024;
/// Floor of `BlockLimits::block_bytes_max`: 256 KiB, room for the largest
/// header, certificate and evidence list plus one largest transaction, so no
/// valid transaction can be too big for every block.
pub const BLOCK_BYTES_MIN: u32 = 256 * 1024;
/// Most pieces of evidence in one block.
pub const BLOCK_EVIDENCE_MAX: usize = 256;
/// Most validators in a set (and so signatures in a quorum certificate).
pub const VALIDATORS_MAX: usize = 256;
/// Largest total voting power of a validator set: small enough that sums and the
/// `3 × power` of the quorum rule never overflow a `u64`.
pub const TOTAL_VOTING_POWER_MAX: u64 = 1 << 60;
/// Most sibling hashes in a Merkle proof (trees of up to 2^64 leaves).
pub const MERKLE_PROOF_HASHES_MAX: usize = 64;
