//! Every block proposed in a run, as the checker needs them: when it was
//! first sent (simulated time), its block time, and, for the blocks Byzantine
//! proposers build invalid on purpose, what is wrong with them.
//!
//! Validity itself is not judged here: the checker re-executes every
//! committed block on its own reference chain. The registry lets it judge
//! *signatures*: an honest validator must never propose, prevote or
//! precommit a block built defective.

use std::collections::BTreeMap;

use civitas_types::Hash;

/// What a Byzantine proposer built wrong into a block of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Defect {
    /// The previous height's block again (or a block for the wrong height).
    WrongHeight,
    /// A parent other than the committed block of the previous height.
    WrongParent,
    /// A state root other than its execution's.
    BadStateRoot,
    /// A transaction whose signature does not verify.
    BadTransaction,
    /// Evidence whose votes were not signed by the accused.
    ForgedEvidence,
    /// More transactions than the block limits allow.
    OverLimits,
    /// A time not after its parent's.
    TimeNotAfterParent,
    /// A parent certificate (`last_commit`) whose signatures are forged.
    ForgedLastCommit,
}

impl Defect {
    /// The defects an *InvalidProposer* draws from.
    pub const DRAWN: [Defect; 7] = [
        Defect::WrongHeight,
        Defect::WrongParent,
        Defect::BadStateRoot,
        Defect::BadTransaction,
        Defect::ForgedEvidence,
        Defect::OverLimits,
        Defect::ForgedLastCommit,
    ];
}

/// What the run knows of one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRecord {
    /// The height in its header.
    pub height: u64,
    /// Its block time.
    pub time_ms: u64,
    /// Simulated time when it was first sent.
    pub sent_at_ms: u64,
    /// What was built wrong into it, if anything.
    pub defect: Option<Defect>,
    /// Whether an honest validator built it.
    pub by_honest: bool,
}

/// The blocks of one run, by hash.
#[derive(Default)]
pub struct BlockRegistry {
    blocks: BTreeMap<Hash, BlockRecord>,
}

impl BlockRegistry {
    /// Records `hash` (first sending wins: a re-sent block keeps its record).
    pub fn record(&mut self, hash: Hash, record: BlockRecord) {
        self.blocks.entry(hash).or_insert(record);
    }

    /// What is known of `hash`.
    pub fn get(&self, hash: &Hash) -> Option<BlockRecord> {
        self.blocks.get(hash).copied()
    }

    /// What was built wrong into `hash`, if it was built defective.
    pub fn defect(&self, hash: &Hash) -> Option<Defect> {
        self.blocks.get(hash).and_then(|record| record.defect)
    }

    /// What is wrong with `hash` as a block of `height`, if it is known to be
    /// wrong: built defective, or built for another height.
    pub fn defect_at(&self, hash: &Hash, height: u64) -> Option<Defect> {
        let record = self.blocks.get(hash)?;
        match record.defect {
            Some(defect) => Some(defect),
            None if record.height != height => Some(Defect::WrongHeight),
            None => None,
        }
    }
}
