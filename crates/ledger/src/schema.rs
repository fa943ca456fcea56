//! The on-disk layout: column families and the encoding of their keys.
//!
//! docs/storage.md is the reference; this module is its code. Heights are 8-byte
//! big-endian so that byte order is height order.

/// The storage format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Store identity and progress (keys below).
pub const CF_META: &str = "meta";
/// height → `Block` encoding.
pub const CF_BLOCKS: &str = "blocks";
/// height → `QuorumCertificate` encoding (the certificate of that block).
pub const CF_CERTIFICATES: &str = "certificates";
/// transaction id → height ‖ position (u32 big-endian).
pub const CF_TRANSACTIONS: &str = "tx_index";
/// height → borsh `Vec<Vec<u8>>`: the receipts root's leaves, in order.
pub const CF_RECEIPTS: &str = "receipts";
/// state key → value, at the latest height.
pub const CF_STATE: &str = "state";
/// version key (below) → versioned value (below): every value a key took.
pub const CF_VERSIONS: &str = "state_versions";
/// height → borsh `Vec<Vec<u8>>`: the state keys the block changed (for pruning).
pub const CF_CHANGES: &str = "state_changes";
/// height → the 32-byte state root after that height.
pub const CF_ROOTS: &str = "state_roots";

/// Every column family, in creation order.
pub const COLUMN_FAMILIES: [&str; 9] = [
    CF_META,
    CF_BLOCKS,
    CF_CERTIFICATES,
    CF_TRANSACTIONS,
    CF_RECEIPTS,
    CF_STATE,
    CF_VERSIONS,
    CF_CHANGES,
    CF_ROOTS,
];

/// Meta: the storage format, u32 big-endian.
pub const META_FORMAT: &[u8] = b"format";
/// Meta: the chain id's UTF-8 bytes.
pub const META_CHAIN_ID: &[u8] = b"chain_id";
/// Meta: the genesis document hash.
pub const META_GENESIS: &[u8] = b"genesis_hash";
/// Meta: the last committed height.
pub const META_HEIGHT: &[u8] = b"height";
/// Meta: the oldest height whose state can be read.
pub const META_OLDEST_STATE: &[u8] = b"oldest_state";
/// Meta: the lowest height whose changes have been pruned (pruning's progress).
pub const META_PRUNED_THROUGH: &[u8] = b"pruned_through";
/// Meta: the first height with a stored block (1, or a snapshot's height + 0).
pub const META_FIRST_BLOCK: &[u8] = b"first_block";

/// A height as a key: 8 bytes big-endian.
pub fn height_key(height: u64) -> [u8; 8] {
    height.to_be_bytes()
}

/// Reads an 8-byte big-endian height.
pub fn read_height(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

// The state's key limit is what the u16 length prefix of a version key can say.
const _: () = assert!(civitas_state_tree::KEY_BYTES_MAX == u16::MAX as usize);

/// The version key of `key` at `height`: `len(key)` (u16 big-endian) ‖ key ‖ height.
/// The length prefix keeps one key's versions contiguous and apart from its
/// extensions; callers check `key.len() <= u16::MAX`.
pub fn version_key(key: &[u8], height: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len().saturating_add(10));
    out.extend_from_slice(&version_prefix_len(key).to_be_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(&height.to_be_bytes());
    out
}

fn version_prefix_len(key: &[u8]) -> u16 {
    u16::try_from(key.len()).unwrap_or(u16::MAX)
}

/// Splits a version key into (state key, height).
pub fn split_version_key(bytes: &[u8]) -> Option<(&[u8], u64)> {
    let (length, rest) = bytes.split_first_chunk::<2>()?;
    let (key, height) = rest.split_at_checked(usize::from(u16::from_be_bytes(*length)))?;
    Some((key, read_height(height)?))
}

/// A versioned value: `0x00` (deleted at that height) or `0x01 ‖ value`.
pub fn versioned_value(value: Option<&[u8]>) -> Vec<u8> {
    match value {
        None => vec![0],
        Some(value) => {
            let mut out = Vec::with_capacity(value.len().saturating_add(1));
            out.push(1);
            out.extend_from_slice(value);
            out
        }
    }
}

/// Reads a versioned value; `None` if the bytes are not one.
pub fn read_versioned_value(bytes: &[u8]) -> Option<Option<&[u8]>> {
    match bytes.split_first()? {
        (0, []) => Some(None),
        (1, value) => Some(Some(value)),
        _ => None,
    }
}

/// A transaction's place: height ‖ position, both big-endian.
pub fn transaction_location(height: u64, position: u32) -> [u8; 12] {
    let mut out = [0u8; 12];
    let (h, p) = out.split_at_mut(8);
    h.copy_from_slice(&height.to_be_bytes());
    p.copy_from_slice(&position.to_be_bytes());
    out
}

/// Reads a transaction's place.
pub fn read_transaction_location(bytes: &[u8]) -> Option<(u64, u32)> {
    let (height, position) = bytes.split_first_chunk::<8>()?;
    let position: [u8; 4] = position.try_into().ok()?;
    Some((u64::from_be_bytes(*height), u32::from_be_bytes(position)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn version_keys_round_trip_and_sort_by_key_then_height() {
        let a1 = version_key(b"a", 1);
        let a2 = version_key(b"a", 2);
        let ab = version_key(b"ab", 0);
        assert!(a1 < a2 && a2 < ab);
        assert_eq!(split_version_key(&a2), Some((&b"a"[..], 2)));
        assert_eq!(split_version_key(&a2[..a2.len() - 1]), None);
        assert_eq!(split_version_key(&[0, 5, 1]), None);
    }

    #[test]
    fn versioned_values_round_trip_and_reject_garbage() {
        assert_eq!(read_versioned_value(&versioned_value(None)), Some(None));
        assert_eq!(
            read_versioned_value(&versioned_value(Some(b"v"))),
            Some(Some(&b"v"[..]))
        );
        assert_eq!(read_versioned_value(&[]), None);
        assert_eq!(read_versioned_value(&[0, 1]), None);
        assert_eq!(read_versioned_value(&[2]), None);
    }

    #[test]
    fn transaction_locations_round_trip() {
        let bytes = transaction_location(7, 3);
        assert_eq!(read_transaction_location(&bytes), Some((7, 3)));
        assert_eq!(read_transaction_location(&bytes[..11]), None);
    }
}
