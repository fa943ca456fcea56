//! The ids whose signatures this node verified, bounded, oldest forgotten first.

use std::collections::{HashSet, VecDeque};

use civitas_types::Hash;

/// A bounded set of verified transaction ids.
pub(crate) struct VerifiedIds {
    ids: HashSet<Hash>,
    order: VecDeque<Hash>,
    capacity: usize,
}

impl VerifiedIds {
    pub(crate) fn new(capacity: usize) -> VerifiedIds {
        VerifiedIds {
            ids: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    pub(crate) fn insert(&mut self, id: Hash) {
        if self.capacity == 0 || !self.ids.insert(id) {
            return;
        }
        self.order.push_back(id);
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
    }

    pub(crate) fn contains(&self, id: &Hash) -> bool {
        self.ids.contains(id)
    }
}
