//! The transactions whose signatures this node verified, bounded, oldest
//! forgotten first.
//!
//! Keyed by [`SignedTransaction::signed_hash`] — body *and* signatures — never
//! by the id, which hashes the body only: a block may carry an admitted body
//! with other, invalid signatures, and a node that trusted the id would accept
//! that block while a node that never saw the body refuses it.

use std::collections::{HashSet, VecDeque};

use civitas_types::{Hash, SignedTransaction};

/// A bounded set of verified signed-transaction hashes.
#[derive(Clone)]
pub(crate) struct VerifiedTransactions {
    hashes: HashSet<Hash>,
    order: VecDeque<Hash>,
    capacity: usize,
}

impl VerifiedTransactions {
    pub(crate) fn new(capacity: usize) -> VerifiedTransactions {
        VerifiedTransactions {
            hashes: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// Remembers that the signatures hashed into `signed_hash` verified.
    pub(crate) fn insert(&mut self, signed_hash: Hash) {
        if self.capacity == 0 || !self.hashes.insert(signed_hash) {
            return;
        }
        self.order.push_back(signed_hash);
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.hashes.remove(&oldest);
            }
        }
    }

    /// Whether exactly this transaction, signatures included, was verified.
    pub(crate) fn contains(&self, transaction: &SignedTransaction) -> bool {
        self.hashes.contains(&transaction.signed_hash())
    }
}
