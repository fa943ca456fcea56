//! Named points inside a commit, where the crash test aims its kills.
//!
//! A SIGKILL at a random moment mostly lands while the next block is being built,
//! not inside [`Ledger::commit`](crate::Ledger::commit). So that the crash test
//! (`tests/crash.rs`) can kill a child process exactly before, during and after
//! the synced batch write and between pruning batches, the commit path calls
//! `reached` at each [`CommitPoint`]. Only with the `test-support` feature (or
//! in this crate's unit tests) can a hook be installed (`install`); without it
//! `reached` is empty and compiles to nothing, so a node's release build behaves
//! exactly as if the points were not there. docs/storage.md lists the points.

#[cfg(any(test, feature = "test-support"))]
use std::sync::OnceLock;

/// A point on the commit path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitPoint {
    /// The block is checked and its batch built; nothing is written yet.
    BeforeWrite,
    /// The block's synced batch is on disk; the new tree is not installed yet.
    AfterWrite,
    /// A pruning batch for the given height is built and about to be written.
    BeforePruneWrite,
    /// A pruning batch for the given height is written (unsynced).
    AfterPruneWrite,
}

impl CommitPoint {
    /// Every point, in the order a commit passes them.
    pub const ALL: [CommitPoint; 4] = [
        CommitPoint::BeforeWrite,
        CommitPoint::AfterWrite,
        CommitPoint::BeforePruneWrite,
        CommitPoint::AfterPruneWrite,
    ];

    /// The point's name, as the crash test prints and parses it.
    pub fn name(self) -> &'static str {
        match self {
            CommitPoint::BeforeWrite => "before-write",
            CommitPoint::AfterWrite => "after-write",
            CommitPoint::BeforePruneWrite => "before-prune-write",
            CommitPoint::AfterPruneWrite => "after-prune-write",
        }
    }

    /// The point named `name`.
    pub fn from_name(name: &str) -> Option<CommitPoint> {
        CommitPoint::ALL
            .into_iter()
            .find(|point| point.name() == name)
    }
}

/// What the process does at each point: called with the point and the height
/// being committed (or pruned).
pub type Hook = fn(CommitPoint, u64);

#[cfg(any(test, feature = "test-support"))]
static HOOK: OnceLock<Hook> = OnceLock::new();

/// Installs `hook` for the rest of the process; `false` if one already was.
/// Test support only: a node never installs one.
#[cfg(any(test, feature = "test-support"))]
pub fn install(hook: Hook) -> bool {
    HOOK.set(hook).is_ok()
}

/// The commit path passes `point` at `height`.
#[inline(always)]
pub(crate) fn reached(point: CommitPoint, height: u64) {
    #[cfg(any(test, feature = "test-support"))]
    if let Some(hook) = HOOK.get() {
        hook(point, height);
    }
    #[cfg(not(any(test, feature = "test-support")))]
    let _ = (point, height);
}
