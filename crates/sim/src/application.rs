//! The simulator's stand-in for the application: the blocks that exist and
//! whether each is valid at a height.
//!
//! A block is a hash registered with what the real application would check in
//! it — the height it was built for, its parent, its time (strictly after its
//! parent's, the genesis time for height 1), its size, whether its state root
//! matches the execution of its transactions, whether every transaction is valid.
//! A hash never registered is a block no one can have (its body is unknown).
//! [`Application::verdict`] is the `valid(v)` of the paper, the same for every
//! validator: the parent a block must name at height `h` is the block honest
//! validators committed at `h − 1` (by agreement there is one).

use std::collections::BTreeMap;

use civitas_types::{Domain, Hash, check_after_parent};

/// Largest block body the stand-in application accepts.
pub const BLOCK_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// The parent named by blocks of height 1.
pub const GENESIS_PARENT: Hash = Hash([0; 32]);
/// The genesis time of simulated chains (2026-09-21 UTC), the parent time of
/// block 1; simulated real time 0 is this instant.
pub const GENESIS_TIME_MS: u64 = 1_790_000_000_000;

/// Why a block is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BlockDefect {
    /// No block with this hash was ever built (its body cannot be had).
    Unknown,
    /// Built for another height (e.g. a replayed old block).
    WrongHeight,
    /// Names a parent other than the committed block of the previous height.
    WrongParent,
    /// Its time is not after its parent's.
    TimeNotAfterParent,
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
    /// Its block time (ms since the Unix epoch).
    pub time_ms: u64,
    /// Size of its body.
    pub size_bytes: u64,
    /// Whether its state root matches the execution of its transactions.
    pub state_root_correct: bool,
    /// Whether all its transactions are valid.
    pub transactions_valid: bool,
}

impl BlockInfo {
    /// A correct block for `height` on `parent` at `time_ms`.
    pub fn correct(height: u64, parent: Hash, time_ms: u64) -> BlockInfo {
        BlockInfo {
            height,
            parent,
            time_ms,
            size_bytes: 1_024,
            state_root_correct: true,
            transactions_valid: true,
        }
    }

    /// The first defect the application finds, checking as a validator would:
    /// height, parent and time (header; `parent_time_ms` is the time of the
    /// block it names), then size, transactions and state root.
    fn defect(
        &self,
        height: u64,
        parent: Option<&Hash>,
        parent_time_ms: Option<u64>,
    ) -> Option<BlockDefect> {
        if self.height != height {
            Some(BlockDefect::WrongHeight)
        } else if parent != Some(&self.parent) {
            Some(BlockDefect::WrongParent)
        } else if parent_time_ms.is_none_or(|t| check_after_parent(self.time_ms, t).is_err()) {
            Some(BlockDefect::TimeNotAfterParent)
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
    blocks: BTreeMap<Hash, (BlockInfo, u64)>,
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

    /// Builds a block with `info` at simulated real time `built_at_ms` and
    /// returns its (fresh) hash.
    pub fn build(&mut self, info: BlockInfo, built_at_ms: u64) -> Hash {
        self.built = self.built.saturating_add(1);
        let block = Hash::tagged_parts(
            Domain::Header,
            &[&self.seed.to_le_bytes(), &self.built.to_le_bytes()],
        );
        self.blocks.insert(block, (info, built_at_ms));
        block
    }

    /// What the application knows about `block`, if it exists.
    pub fn info(&self, block: &Hash) -> Option<BlockInfo> {
        self.blocks.get(block).map(|(info, _)| *info)
    }

    /// When `block` was built, in simulated real time (for the checker: no
    /// validator can know it).
    pub fn built_at_ms(&self, block: &Hash) -> Option<u64> {
        self.blocks.get(block).map(|(_, at)| *at)
    }

    /// The time of `block`: the genesis time for [`GENESIS_PARENT`].
    pub fn time_ms(&self, block: &Hash) -> Option<u64> {
        if *block == GENESIS_PARENT {
            return Some(GENESIS_TIME_MS);
        }
        self.blocks.get(block).map(|(info, _)| info.time_ms)
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
            Some((info, _)) => {
                let parent_time_ms = self.time_ms(&info.parent);
                info.defect(height, parent, parent_time_ms)
                    .map_or(Ok(()), Err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_defect_is_found() {
        let mut app = Application::new(1);
        let parent = app.build(
            BlockInfo::correct(4, GENESIS_PARENT, GENESIS_TIME_MS + 10),
            0,
        );
        let good = app.build(BlockInfo::correct(5, parent, GENESIS_TIME_MS + 11), 0);
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
                    ..BlockInfo::correct(5, parent, GENESIS_TIME_MS + 11)
                },
                BlockDefect::Oversized,
            ),
            (
                BlockInfo {
                    time_ms: GENESIS_TIME_MS + 10,
                    ..BlockInfo::correct(5, parent, GENESIS_TIME_MS + 11)
                },
                BlockDefect::TimeNotAfterParent,
            ),
            (
                BlockInfo {
                    state_root_correct: false,
                    ..BlockInfo::correct(5, parent, GENESIS_TIME_MS + 11)
                },
                BlockDefect::BadStateRoot,
            ),
            (
                BlockInfo {
                    transactions_valid: false,
                    ..BlockInfo::correct(5, parent, GENESIS_TIME_MS + 11)
                },
                BlockDefect::BadTransaction,
            ),
        ];
        // Block 1's parent time is the genesis time.
        let at_genesis = app.build(BlockInfo::correct(1, GENESIS_PARENT, GENESIS_TIME_MS), 0);
        assert_eq!(
            app.verdict(&at_genesis, 1, Some(&GENESIS_PARENT)),
            Err(BlockDefect::TimeNotAfterParent)
        );
        for (info, defect) in cases {
            let block = app.build(info, 0);
            assert_eq!(app.verdict(&block, 5, Some(&parent)), Err(defect));
        }
    }
}
