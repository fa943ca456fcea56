//! The pending transactions of one class of signers (known to the state, or
//! not), per account in sequence order, with an index by queue length so that
//! eviction finds the largest account without scanning every account.

use std::collections::{BTreeMap, BTreeSet};

use civitas_types::{AccountId, Hash, SignedTransaction};

/// One admitted transaction.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// Its id (the body's hash).
    pub(crate) id: Hash,
    /// The transaction as admitted, signatures verified.
    pub(crate) transaction: SignedTransaction,
}

/// One account's pending transactions, by sequence.
pub(crate) type Queue = BTreeMap<u64, Pending>;

/// The queues of one class of signers.
#[derive(Clone, Default)]
pub(crate) struct Queues {
    queues: BTreeMap<AccountId, Queue>,
    /// (queue length, account) for every non-empty queue: the last entry is the
    /// account holding the most (ties: the greatest account id), deterministic.
    by_length: BTreeSet<(usize, AccountId)>,
    len: usize,
}

impl Queues {
    /// Transactions held by this class.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The queue of `account`, if it has one here.
    pub(crate) fn get(&self, account: &AccountId) -> Option<&Queue> {
        self.queues.get(account)
    }

    /// Every queue, in account order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&AccountId, &Queue)> {
        self.queues.iter()
    }

    /// The queues from `start` on, then those before it: a rotated walk that
    /// costs only what the caller consumes.
    pub(crate) fn iter_from(&self, start: AccountId) -> impl Iterator<Item = (&AccountId, &Queue)> {
        self.queues.range(start..).chain(self.queues.range(..start))
    }

    /// The account holding the most, and how many.
    pub(crate) fn largest(&self) -> Option<(AccountId, usize)> {
        self.by_length.last().map(|(len, account)| (*account, *len))
    }

    /// Adds a transaction at `sequence` (the caller checked it is free).
    pub(crate) fn push(&mut self, account: AccountId, sequence: u64, pending: Pending) {
        let queue = self.queues.entry(account).or_default();
        let before = queue.len();
        if queue.insert(sequence, pending).is_none() {
            self.len = self.len.saturating_add(1);
        }
        let after = queue.len();
        self.reindex(account, before, after);
    }

    /// Removes the transaction at `sequence`, if any.
    pub(crate) fn remove(&mut self, account: &AccountId, sequence: u64) -> Option<Pending> {
        let queue = self.queues.get_mut(account)?;
        let before = queue.len();
        let removed = queue.remove(&sequence)?;
        self.after_removal(*account, before);
        Some(removed)
    }

    /// Removes `account`'s highest sequence: what it gives up when evicted.
    pub(crate) fn pop_last(&mut self, account: &AccountId) -> Option<Pending> {
        let queue = self.queues.get_mut(account)?;
        let before = queue.len();
        let (_, removed) = queue.pop_last()?;
        self.after_removal(*account, before);
        Some(removed)
    }

    /// Takes `account`'s whole queue out (to move it to the other class).
    pub(crate) fn take(&mut self, account: &AccountId) -> Option<Queue> {
        let queue = self.queues.remove(account)?;
        self.by_length.remove(&(queue.len(), *account));
        self.len = self.len.saturating_sub(queue.len());
        Some(queue)
    }

    /// Puts a whole queue in (taken from the other class).
    pub(crate) fn put(&mut self, account: AccountId, queue: Queue) {
        for (sequence, pending) in queue {
            self.push(account, sequence, pending);
        }
    }

    fn after_removal(&mut self, account: AccountId, before: usize) {
        self.len = self.len.saturating_sub(1);
        let after = before.saturating_sub(1);
        if after == 0 {
            self.queues.remove(&account);
        }
        self.reindex(account, before, after);
    }

    fn reindex(&mut self, account: AccountId, before: usize, after: usize) {
        if before == after {
            return;
        }
        if before > 0 {
            self.by_length.remove(&(before, account));
        }
        if after > 0 {
            self.by_length.insert((after, account));
        }
    }
}
