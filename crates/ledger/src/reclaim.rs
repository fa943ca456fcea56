//! Freeing what a commit leaves behind, off the commit path.
//!
//! Installing a block's state tree retires the previous one. The two share every
//! node the block did not touch, but the previous tree's own nodes — every path
//! from the root to a changed leaf, ≈ 250,000 small allocations for 30,000 changes
//! on 1,000,000 keys — are freed when it is dropped, and that took ≈ 65 ms, a third
//! of a commit (docs/performance.md). A [`Reclaimer`] drops retired values on its
//! own thread instead, while the node goes on to the next height.
//!
//! The queue holds one value: a commit that finds the thread still busy with the
//! previous block's garbage waits for it, so memory stays bounded by two trees'
//! worth of retired nodes however fast blocks come. If the thread cannot be
//! started, or has stopped, values are dropped where they are retired.

use std::sync::mpsc::{SendError, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Something retired: dropped on the reclaimer's thread.
pub(crate) type Garbage = Box<dyn Send>;

/// A thread that drops retired values; stopped and joined when dropped.
pub(crate) struct Reclaimer {
    queue: Option<SyncSender<Garbage>>,
    worker: Option<JoinHandle<()>>,
}

impl Reclaimer {
    /// Starts the thread; without one, [`Reclaimer::retire`] drops in place.
    pub(crate) fn start() -> Reclaimer {
        let (queue, retired) = sync_channel::<Garbage>(1);
        let spawned = std::thread::Builder::new()
            .name("ledger-reclaim".to_string())
            .spawn(move || {
                for garbage in retired {
                    drop(garbage);
                }
            });
        match spawned {
            Ok(worker) => Reclaimer {
                queue: Some(queue),
                worker: Some(worker),
            },
            Err(_) => Reclaimer {
                queue: None,
                worker: None,
            },
        }
    }

    /// Hands `garbage` to the thread, waiting while it is busy with a previous one.
    pub(crate) fn retire(&self, garbage: Garbage) {
        if let Some(queue) = &self.queue
            && let Err(SendError(garbage)) = queue.send(garbage)
        {
            drop(garbage);
        }
    }
}

impl Drop for Reclaimer {
    fn drop(&mut self) {
        // Closing the queue ends the thread's loop once it has dropped what it holds.
        self.queue = None;
        if let Some(worker) = self.worker.take() {
            // A panic in a destructor has nowhere better to go than here; the
            // values it was freeing are gone either way.
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_ledger_holding_a_reclaimer_can_still_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Reclaimer>();
        shareable::<crate::Ledger>();
    }

    #[test]
    fn everything_retired_is_dropped_by_the_time_the_reclaimer_is() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let reclaimer = Reclaimer::start();
        for _ in 0..100 {
            reclaimer.retire(Box::new(Counted(Arc::clone(&dropped))));
        }
        drop(reclaimer);
        assert_eq!(dropped.load(Ordering::SeqCst), 100);
    }

    #[test]
    fn garbage_is_dropped_off_the_retiring_thread() {
        let dropped_on = Arc::new(std::sync::Mutex::new(None));
        struct Where(Arc<std::sync::Mutex<Option<std::thread::ThreadId>>>);
        impl Drop for Where {
            fn drop(&mut self) {
                if let Ok(mut slot) = self.0.lock() {
                    *slot = Some(std::thread::current().id());
                }
            }
        }
        let reclaimer = Reclaimer::start();
        reclaimer.retire(Box::new(Where(Arc::clone(&dropped_on))));
        drop(reclaimer);
        let dropped_on = *dropped_on.lock().unwrap_or_else(|e| e.into_inner());
        assert!(dropped_on.is_some());
        assert_ne!(dropped_on, Some(std::thread::current().id()));
    }
}
