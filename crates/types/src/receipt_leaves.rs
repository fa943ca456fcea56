//! The layout of a header's `receipts_root`: which leaf holds which receipt.
//!
//! Leaf 0 is the block's own receipt (what its hooks did before any
//! transaction); the receipt of the transaction at position `i` is leaf `i + 1`.
//! The receipts' encodings are civic's (docs/civic-transactions.md); this module
//! only fixes their order, so the executor that builds the root and the store
//! that proves one receipt under it cannot disagree.

use crate::hash::Hash;
use crate::merkle;

/// The leaf of the block's own receipt.
pub const BLOCK_RECEIPT_LEAF: usize = 0;

/// The leaf of the receipt of the transaction at `position` in the block, or
/// `None` if no block can have that position.
pub fn transaction_receipt_leaf(position: usize) -> Option<usize> {
    position.checked_add(1)
}

/// The leaves of a block's receipts root, in order: the block's own receipt,
/// then each transaction's in block order.
pub fn receipt_leaves(
    block_receipt: Vec<u8>,
    transaction_receipts: impl IntoIterator<Item = Vec<u8>>,
) -> Vec<Vec<u8>> {
    let mut leaves = vec![block_receipt];
    leaves.extend(transaction_receipts);
    leaves
}

/// The receipts root over `leaves` built by [`receipt_leaves`].
pub fn receipts_root(leaves: &[Vec<u8>]) -> Hash {
    merkle::root_of(leaves)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn the_block_receipt_comes_first_and_each_transaction_follows_in_order() {
        let leaves = receipt_leaves(b"block".to_vec(), [b"t0".to_vec(), b"t1".to_vec()]);
        assert_eq!(leaves[BLOCK_RECEIPT_LEAF], b"block");
        assert_eq!(leaves[transaction_receipt_leaf(0).unwrap()], b"t0");
        assert_eq!(leaves[transaction_receipt_leaf(1).unwrap()], b"t1");
        assert_eq!(transaction_receipt_leaf(usize::MAX), None);
    }

    #[test]
    fn the_root_is_the_merkle_root_of_the_leaves_in_that_order() {
        let leaves = receipt_leaves(b"block".to_vec(), [b"t0".to_vec()]);
        assert_eq!(receipts_root(&leaves), merkle::root_of(&leaves));
        let swapped = vec![b"t0".to_vec(), b"block".to_vec()];
        assert_ne!(receipts_root(&leaves), receipts_root(&swapped));
    }
}
