//! The simulator's stand-in for the application: the blocks that exist and
//! whether each is valid at a height.
//!
//! A block is a hash registered with what the real application would check in
//! it — the height it was built for, its parent, its size, whether its state root
//! matches the execution of its transactions, whether every transaction is valid.
//! A hash never registered is a block no one can have (its body is unknown).
//! [`Application::verdict`] is the `valid(v)` of the paper, the same for every
//! validator: the parent a block must name at height `h` is the block honest
//! validators committed at `h − 1` (by agreement there is one).

use std::collections::BTreeMap;

use civitas_types::{Domain, Hash};

/// Largest block body the stand-in application accepts.
pub const BLOCK_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// The parent named by blocks of height 1.
pub const GENESIS_PARENT: Hash = Hash([0; 32]);

/// Why a block is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BlockDefect {
    /// No block with this hash was ever built (its body cannot be had).
    Unknown,
    /// Built for another height (e.g. a replayed old block).
    WrongHeight,
    /// Names a parent other than the committed block of the previous height.
    WrongParent,
    /// Larger than [`BLOCK_BYTES_MAX`].
    Oversized,
    /// Its state root is not the result of executing its transactions.
    BadStateRoot,
    /// One of its transactions is invalid (bad signature, rule broken).
    BadTransaction,
}

impl BlockDefect {
    /// The defects a Byzantine proposer can build into a block of its own.
    pub const BUILDABLE: [BlockDefect; 5] = [
        BlockDefect::WrongHeight,
        BlockDefect::WrongParent,
        BlockDefect::Oversized,
        BlockDefect::BadStateRoot,
        BlockDefect::BadTransaction,
    ];
}

/// What the application knows about a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    /// Height it was built for.
    pub height: u64,
    /// The block it builds on.
    pub parent: Hash,
    /// Size of its body.
    pub size_bytes: u64,
    /// Whether its state root matches the execution of its transactions.
    pub state_root_correct: bool,
    /// Whether all its transactions are valid.
    pub transactions_valid: bool,
}

impl BlockInfo {
    /// A correct block for `height` on `parent`.
    pub fn correct(height: u64, parent: Hash) -> BlockInfo {
        BlockInfo {
            height,
            parent,
            size_bytes: 1_024,
            state_root_correct: true,
            transactions_valid: true,
        }
    }

    /// The first defect the application finds, checking as a validator would:
    /// height and parent (header), then size, transactions and state root.
    fn defect(&self, height: u64, parent: Option<&Hash>) -> Option<BlockDefect> {
        if self.height != height {
            Some(BlockDefect::WrongHeight)
        } else if parent != Some(&self.parent) {
            Some(BlockDefect::WrongParent)
        } else if self.size_bytes > BLOCK_BYTES_MAX {
            Some(BlockDefect::Oversized)
        } else if !self.transactions_valid {
            Some(BlockDefect::BadTransaction)
        } else if !self.state_root_correct {
            Some(BlockDefect::BadStateRoot)
        } else {
            None
        }
    }
}

/// The block registry of one run.
pub struct Application {
    seed: u64,
    built: u64,
    blocks: BTreeMap<Hash, BlockInfo>,
}

impl Application {
    /// An empty registry; block hashes are derived from `seed`.
    pub fn new(seed: u64) -> Application {
        Application {
            seed,
            built: 0,
            blocks: BTreeMap::new(),
        }
    }

    /// Builds a block with `info` and returns its (fresh) hash.
    pub fn build(&mut self, info: BlockInfo) -> Hash {
        self.built = self.built.saturating_add(1);
        let block = Hash::tagged_parts(
            Domain::Header,
            &[&self.seed.to_le_bytes(), &self.built.to_le_bytes()],
        );
        self.blocks.insert(block, info);
        block
    }

    /// What the application knows about `block`, if it exists.
    pub fn info(&self, block: &Hash) -> Option<BlockInfo> {
        self.blocks.get(block).copied()
    }

    /// `valid(v)`: whether `block` is a valid block for `height` on `parent` (the
    /// committed block of `height − 1`, `None` while no honest validator has it).
    pub fn verdict(
        &self,
        block: &Hash,
        height: u64,
        parent: Option<&Hash>,
    ) -> Result<(), BlockDefect> {
        match self.blocks.get(block) {
            None => Err(BlockDefect::Unknown),
            Some(info) => info.defect(height, parent).map_or(Ok(()), Err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_defect_is_found() {
        let mut app = Application::new(1);
        let parent = Hash([7; 32]);
        let good = app.build(BlockInfo::correct(5, parent));
        assert_eq!(app.verdict(&good, 5, Some(&parent)), Ok(()));
        assert_eq!(
            app.verdict(&good, 6, Some(&parent)),
            Err(BlockDefect::WrongHeight)
        );
        assert_eq!(
            app.verdict(&good, 5, Some(&Hash([8; 32]))),
            Err(BlockDefect::WrongParent)
        );
        assert_eq!(app.verdict(&good, 5, None), Err(BlockDefect::WrongParent));
        assert_eq!(
            app.verdict(&Hash([9; 32]), 5, Some(&parent)),
            Err(BlockDefect::Unknown)
        );
        let cases = [
            (
                BlockInfo {
                    size_bytes: BLOCK_BYTES_MAX + 1,
                    ..BlockInfo::correct(5, parent)
                },
                BlockDefect::Oversized,
            ),
            (
                BlockInfo {
                    state_root_correct: false,
                    ..BlockInfo::correct(5, parent)
                },
                BlockDefect::BadStateRoot,
            ),
            (
                BlockInfo {
                    transactions_valid: false,
                    ..BlockInfo::correct(5, parent)
                },
                BlockDefect::BadTransaction,
            ),
        ];
        for (info, defect) in cases {
            let block = app.build(info);
            assert_eq!(app.verdict(&block, 5, Some(&parent)), Err(defect));
        }
    }
}
