//! Building committed blocks' state trees from their writes, on the tree
//! worker or the caller's thread: the state tree is only needed for its
//! root, which is compared with the header's, so it may lag behind
//! execution (`super::TREE_LAG`).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use civitas_state_tree::{Change, KeyError, StateError, StateTree};
use civitas_types::Hash;

/// A committed block whose state tree is not built yet.
pub(super) struct Unrooted {
    pub(super) height: u64,
    /// The state root its header claims.
    pub(super) claimed: Hash,
    pub(super) changes: Result<Vec<Change>, KeyError>,
}

/// A block's state tree, built from the previous one.
pub(super) struct Rooted {
    pub(super) height: u64,
    pub(super) claimed: Hash,
    pub(super) tree: Result<StateTree, StateError>,
}

/// A block's state root, computed on the tree worker: the tree itself
/// stays in the [`SharedTree`] for the next block's build.
pub(super) struct Root {
    pub(super) height: u64,
    pub(super) claimed: Hash,
    pub(super) root: Result<Hash, StateError>,
}

impl Unrooted {
    /// Builds the tree after this block from `base`, the tree before it;
    /// frees `base`'s own nodes and the changes where this runs.
    pub(super) fn build(self, base: StateTree) -> Rooted {
        // What `StateTree::after_writes` does, the changes already hashed.
        let tree = self
            .changes
            .map_err(StateError::from)
            .and_then(|changes| base.apply(changes).map_err(StateError::from));
        Rooted {
            height: self.height,
            claimed: self.claimed,
            tree,
        }
    }

    /// Builds the tree after this block from the one `shared` holds (the
    /// tree before it: the tree worker runs its jobs in order, the caller
    /// builds only once none is queued), which it replaces; the root is
    /// compared by the caller.
    pub(super) fn build_shared(self, shared: &SharedTree) -> Root {
        let Rooted {
            height,
            claimed,
            tree,
        } = self.build(shared.take());
        let root = tree.map(|tree| {
            let root = tree.root_hash();
            shared.put(tree);
            root
        });
        Root {
            height,
            claimed,
            root,
        }
    }
}

/// The state tree after the last block whose tree was built, shared by the
/// caller and the tree worker's jobs. Never used by both at once: the jobs
/// run one after the other, and the caller reads it only once every queued
/// job is done (`ChainAudit::settle_queued`).
#[derive(Clone, Default)]
pub(super) struct SharedTree(Arc<Mutex<StateTree>>);

impl SharedTree {
    pub(super) fn new(tree: StateTree) -> SharedTree {
        SharedTree(Arc::new(Mutex::new(tree)))
    }

    /// The tree, leaving an empty one (the tree worker frees the replaced
    /// nodes of its own builds).
    pub(super) fn take(&self) -> StateTree {
        std::mem::take(&mut *self.lock())
    }

    pub(super) fn put(&self, tree: StateTree) {
        *self.lock() = tree;
    }

    /// A handle on the tree (shares its nodes).
    pub(super) fn get(&self) -> StateTree {
        self.lock().clone()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, StateTree> {
        // Poisoned only by a job's panic, which its task passes on.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
