//! The Merkle trees of the last blocks whose transactions were asked for.
//!
//! A transaction's proofs come from its block's two trees (transactions and
//! receipts). Rebuilding them per request costs the whole block decoded and
//! one SHA-256 per transaction and per receipt — about 2,000 hashes for a
//! block of 1,000 transactions, for every `civitas_getTransaction`
//! (docs/performance.md, "JSON-RPC reads"). Committed blocks never change, so
//! the decoded block, its receipts and both trees are kept for the last
//! [`PROOF_CACHE_BLOCKS`] blocks read, and proofs are cut from them. Nothing
//! is stored on disk: the storage format is unchanged.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use civitas_types::{Block, MerkleTree};

/// Blocks whose trees are kept. Each holds a decoded block (at most
/// `BLOCK_BYTES_MAX` encoded) and two trees of 32-byte hashes: a few MiB for
/// a block of 1,000 transactions, bounded by eight of the largest blocks.
pub const PROOF_CACHE_BLOCKS: usize = 8;

/// One committed block with what its proofs are cut from.
pub(crate) struct BlockTrees {
    /// The block.
    pub(crate) block: Block,
    /// Its receipts root's leaves.
    pub(crate) receipts: Vec<Vec<u8>>,
    /// The tree of its transactions' encodings.
    pub(crate) transactions_tree: MerkleTree,
    /// The tree of its receipts.
    pub(crate) receipts_tree: MerkleTree,
}

/// The last blocks' trees, most recently used last.
#[derive(Default)]
pub(crate) struct ProofCache {
    blocks: Mutex<VecDeque<(u64, Arc<BlockTrees>)>>,
}

impl ProofCache {
    /// The trees of block `height`, if kept (then marked most recently used).
    pub(crate) fn get(&self, height: u64) -> Option<Arc<BlockTrees>> {
        // A poisoned cache (a panic elsewhere while it was held) is only a miss.
        let mut blocks = self.blocks.lock().ok()?;
        let at = blocks.iter().position(|(h, _)| *h == height)?;
        let entry = blocks.remove(at)?;
        let trees = Arc::clone(&entry.1);
        blocks.push_back(entry);
        Some(trees)
    }

    /// Keeps `trees` for block `height`, dropping the least recently used.
    pub(crate) fn insert(&self, height: u64, trees: Arc<BlockTrees>) {
        let Ok(mut blocks) = self.blocks.lock() else {
            return;
        };
        if blocks.iter().any(|(h, _)| *h == height) {
            return;
        }
        while blocks.len() >= PROOF_CACHE_BLOCKS {
            blocks.pop_front();
        }
        blocks.push_back((height, trees));
    }
}
