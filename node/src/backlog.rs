//! A bound on what the network queues for the engine thread.
//!
//! The engine thread's command channel is shared with the RPC server (whose
//! own limits bound it) and the network task. Peers' consensus messages and
//! transactions arrive as fast as peers send them; if the engine thread
//! falls behind (a long block execution, a slow disk), an unbounded queue
//! would grow until memory runs out. Each network command carries a
//! [`Ticket`]; while [`BACKLOG_MAX`] tickets are out, the network drops what
//! arrives (counted): consensus rebroadcasts and gossip make up for a lost
//! message, as they do for one lost on the wire.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Most network messages queued for the engine thread.
pub const BACKLOG_MAX: usize = 8_192;

/// The network's share of the engine thread's queue.
#[derive(Clone, Debug, Default)]
pub struct Backlog {
    queued: Arc<AtomicUsize>,
    dropped: Arc<AtomicU64>,
}

/// One queued network message; handing it back (dropping it) frees its place.
#[derive(Debug)]
pub struct Ticket(Arc<AtomicUsize>);

impl Backlog {
    /// A place in the queue, or `None` (counted as dropped) when it is full.
    pub fn ticket(&self) -> Option<Ticket> {
        let taken = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                (queued < BACKLOG_MAX).then(|| queued.saturating_add(1))
            })
            .is_ok();
        if taken {
            Some(Ticket(Arc::clone(&self.queued)))
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            None
        }
    }

    /// Messages dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_full_backlog_drops_and_counts_until_a_ticket_is_handed_back() {
        let backlog = Backlog::default();
        let mut tickets: Vec<Ticket> = (0..BACKLOG_MAX)
            .map(|_| backlog.ticket().unwrap())
            .collect();
        assert!(backlog.ticket().is_none());
        assert!(backlog.ticket().is_none());
        assert_eq!(backlog.dropped(), 2);
        tickets.pop();
        assert!(backlog.ticket().is_some());
    }
}
