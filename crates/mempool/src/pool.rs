//! The pool: admission, caps and eviction, block signature checks, cleaning
//! after commits. Ordering for blocks is in `selection.rs`.

use std::collections::HashMap;

use civitas_civic::envelope::TRANSACTION_BYTES_MAX;
use civitas_civic::{BlockContext, Overlay, StateRead, check_admission, is_known_account};
use civitas_types::{AccountId, Hash, SignedTransaction, decode};

use crate::queues::{Pending, Queue, Queues};
use crate::rejection::{InvalidSignatures, MempoolFault, Rejection};
use crate::signatures::{REPLAY_SUB_BATCH_MAX, ToVerify, verify_all, verify_transactions_on};
use crate::verified::VerifiedTransactions;

/// Default of [`MempoolConfig::unknown_transactions_max`]: a tenth of the
/// default pool, so signers the state knows always keep nine tenths.
pub const UNKNOWN_TRANSACTIONS_MAX: usize = 10_000;

/// Default of [`MempoolConfig::unknown_per_block_max`]: the block validity rule
/// itself ([`civitas_civic::UNKNOWN_SIGNERS_PER_BLOCK_MAX`]); a
/// larger configured value is clamped to it, so this pool never builds a block
/// the chain would refuse.
pub const UNKNOWN_PER_BLOCK_MAX: usize = civitas_civic::UNKNOWN_SIGNERS_PER_BLOCK_MAX;

/// Limits of the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MempoolConfig {
    /// Most transactions in the pool.
    pub transactions_max: usize,
    /// Most pending transactions per account.
    pub per_account_max: usize,
    /// How far beyond the account's next sequence a transaction may be.
    pub sequences_ahead_max: u64,
    /// Most verified transactions remembered for block validation.
    pub verified_ids_max: usize,
    /// Most pending transactions from signers the state does not know
    /// (`civitas_civic::is_known_account`), within `transactions_max`.
    pub unknown_transactions_max: usize,
    /// Most transactions from signers the state does not know in one block
    /// this pool builds: each may add one account entry to the state. Never
    /// more than the block rule [`UNKNOWN_PER_BLOCK_MAX`], whatever is set here.
    pub unknown_per_block_max: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            transactions_max: 100_000,
            per_account_max: 64,
            sequences_ahead_max: 16,
            verified_ids_max: 400_000,
            unknown_transactions_max: UNKNOWN_TRANSACTIONS_MAX,
            unknown_per_block_max: UNKNOWN_PER_BLOCK_MAX,
        }
    }
}

/// The transaction pool of one node. `Clone` copies every pending transaction
/// (simulations and benchmarks start from a filled pool).
#[derive(Clone)]
pub struct Mempool {
    pub(crate) config: MempoolConfig,
    /// Accounts the state knows.
    pub(crate) known: Queues,
    /// Accounts the state does not know (fresh keys).
    pub(crate) unknown: Queues,
    ids: HashMap<Hash, (AccountId, u64)>,
    verified: VerifiedTransactions,
}

/// A transaction that passed the cheap checks, waiting for its signatures.
struct Candidate {
    index: usize,
    id: Hash,
    known: bool,
    transaction: SignedTransaction,
}

impl Mempool {
    /// An empty pool.
    pub fn new(config: MempoolConfig) -> Mempool {
        Mempool {
            config,
            known: Queues::default(),
            unknown: Queues::default(),
            ids: HashMap::new(),
            verified: VerifiedTransactions::new(config.verified_ids_max),
        }
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.known.len().saturating_add(self.unknown.len())
    }

    /// Number of pending transactions whose signer the state does not know.
    pub fn unknown_len(&self) -> usize {
        self.unknown.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether exactly `transaction` — its body and its signatures — was
    /// verified by this node. Another transaction with the same id (same body,
    /// other signatures) is not.
    pub fn is_verified(&self, transaction: &SignedTransaction) -> bool {
        self.verified.contains(transaction)
    }

    /// Whether a transaction with id `id` is pending. (Ids hash the body only:
    /// this says nothing about signatures.)
    pub fn contains(&self, id: &Hash) -> bool {
        self.ids.contains_key(id)
    }

    /// The pending transaction with id `id`, as admitted (what a client
    /// following it reads its expiry height from).
    pub fn transaction(&self, id: &Hash) -> Option<&SignedTransaction> {
        let (account, sequence) = self.ids.get(id)?;
        [&self.known, &self.unknown]
            .into_iter()
            .find_map(|class| class.get(account)?.get(sequence))
            .map(|pending| &pending.transaction)
    }

    /// Checks the signatures of a block's transactions. Those this node
    /// verified, body and signatures byte for byte, are not checked again; the
    /// others are verified in bounded batches. Every node reaches the same
    /// verdict whatever it cached.
    pub fn verify_block_signatures(
        &self,
        transactions: &[SignedTransaction],
    ) -> Result<(), InvalidSignatures> {
        let mut positions = Vec::new();
        let mut unchecked = Vec::new();
        for (position, transaction) in transactions.iter().enumerate() {
            if !self.verified.contains(transaction) {
                positions.push(position);
                unchecked.push(ToVerify {
                    id: transaction.id(),
                    transaction,
                });
            }
        }
        let invalid: Vec<usize> = positions
            .into_iter()
            .zip(verify_all(&unchecked))
            .filter(|(_, valid)| !valid)
            .map(|(position, _)| position)
            .collect();
        if invalid.is_empty() {
            Ok(())
        } else {
            Err(InvalidSignatures { positions: invalid })
        }
    }

    /// Checks the signatures of a block's transactions as
    /// [`Self::verify_block_signatures`] does for a node that verified none of
    /// them: every one, in ZIP-215 batches of at most
    /// [`crate::REPLAY_SUB_BATCH_MAX`] spread over `threads` threads (the
    /// verdict, bad positions included, is the same for any count and batch
    /// size). For a replay (the auditor), with no pool.
    pub fn verify_signatures_on(
        transactions: &[SignedTransaction],
        threads: usize,
    ) -> Result<(), InvalidSignatures> {
        let invalid: Vec<usize> =
            verify_transactions_on(transactions, threads, REPLAY_SUB_BATCH_MAX)
                .into_iter()
                .enumerate()
                .filter(|(_, valid)| !valid)
                .map(|(position, _)| position)
                .collect();
        if invalid.is_empty() {
            Ok(())
        } else {
            Err(InvalidSignatures { positions: invalid })
        }
    }

    /// Admits a batch of encoded transactions against `state` (the latest
    /// committed state) for the next block `context`. One result per input, in order.
    pub fn admit_batch<S: StateRead>(
        &mut self,
        state: &S,
        context: &BlockContext,
        encoded: &[Vec<u8>],
    ) -> Vec<Result<Hash, Rejection>> {
        let overlay = Overlay::new(state);
        let mut results: Vec<Result<Hash, Rejection>> =
            vec![Err(Rejection::Duplicate); encoded.len()];
        let mut candidates = Vec::new();
        for (index, bytes) in encoded.iter().enumerate() {
            match self.precheck(&overlay, state, context, bytes) {
                Ok((id, known, transaction)) => candidates.push(Candidate {
                    index,
                    id,
                    known,
                    transaction,
                }),
                Err(rejection) => set(&mut results, index, Err(rejection)),
            }
        }
        let to_verify: Vec<ToVerify<'_>> = candidates
            .iter()
            .map(|candidate| ToVerify {
                id: candidate.id,
                transaction: &candidate.transaction,
            })
            .collect();
        let valid = verify_all(&to_verify);
        for (candidate, signatures_ok) in candidates.into_iter().zip(valid) {
            let result = if signatures_ok {
                self.insert(candidate.id, candidate.known, candidate.transaction)
            } else {
                Err(Rejection::BadSignature)
            };
            set(&mut results, candidate.index, result);
        }
        results
    }

    /// Everything but signatures: size, decoding, civic admission, sequence,
    /// duplicates, and whether there is room (so a flood that would be refused
    /// anyway costs no signature check). Returns the id and whether the state
    /// knows the signer.
    fn precheck<S: StateRead>(
        &self,
        overlay: &Overlay<'_, S>,
        state: &S,
        context: &BlockContext,
        bytes: &[u8],
    ) -> Result<(Hash, bool, SignedTransaction), Rejection> {
        if bytes.len() > TRANSACTION_BYTES_MAX {
            return Err(Rejection::TooLarge {
                size: bytes.len(),
                limit: TRANSACTION_BYTES_MAX,
            });
        }
        let transaction: SignedTransaction = decode(bytes).map_err(Rejection::Malformed)?;
        let account =
            check_admission(overlay, &transaction, context).map_err(Rejection::from_envelope)?;
        let (expected, found) = (account.next_sequence, transaction.body.sequence);
        if found < expected {
            return Err(Rejection::StaleSequence { expected, found });
        }
        if found > expected.saturating_add(self.config.sequences_ahead_max) {
            return Err(Rejection::TooFarAhead {
                expected,
                found,
                ahead_max: self.config.sequences_ahead_max,
            });
        }
        let id = transaction.id();
        let signer = transaction.body.signer;
        if self.ids.contains_key(&id) || self.queue(&signer).is_some_and(|q| q.contains_key(&found))
        {
            return Err(Rejection::Duplicate);
        }
        let known = is_known_account(state, &signer).map_err(Rejection::StateUnavailable)?;
        self.room_for(&signer, known)?;
        Ok((id, known, transaction))
    }

    /// The pending queue of `account`, in whichever class it is.
    pub(crate) fn queue(&self, account: &AccountId) -> Option<&Queue> {
        self.known
            .get(account)
            .or_else(|| self.unknown.get(account))
    }

    fn queue_len(&self, account: &AccountId) -> usize {
        self.queue(account).map_or(0, Queue::len)
    }

    /// Whether one more transaction of `signer` fits, evicting as
    /// [`Mempool::make_room`] would; changes nothing.
    fn room_for(&self, signer: &AccountId, known: bool) -> Result<(), Rejection> {
        let queue_len = self.queue_len(signer);
        if queue_len >= self.config.per_account_max {
            return Err(Rejection::AccountFull(queue_len));
        }
        if !known && self.unknown.len() >= self.config.unknown_transactions_max {
            return match evictable(&self.unknown, signer, queue_len) {
                Some(_) => Ok(()),
                None => Err(Rejection::UnknownSignersFull(
                    self.config.unknown_transactions_max,
                )),
            };
        }
        if self.len() < self.config.transactions_max
            || self.victim(signer, known, queue_len).is_some()
        {
            Ok(())
        } else {
            Err(Rejection::PoolFull)
        }
    }

    /// Who gives up a transaction when the pool is full and `signer` (holding
    /// `queue_len`) arrives: any unknown signer's yields to a known signer; otherwise
    /// the largest account of the newcomer's class, if it holds more than the
    /// newcomer would. Unknown signers never push out known ones.
    fn victim(
        &self,
        signer: &AccountId,
        known: bool,
        queue_len: usize,
    ) -> Option<(bool, AccountId)> {
        if known {
            if let Some((account, _)) = self.unknown.largest() {
                return Some((false, account));
            }
            evictable(&self.known, signer, queue_len).map(|account| (true, account))
        } else {
            evictable(&self.unknown, signer, queue_len).map(|account| (false, account))
        }
    }

    fn insert(
        &mut self,
        id: Hash,
        known: bool,
        transaction: SignedTransaction,
    ) -> Result<Hash, Rejection> {
        let signer = transaction.body.signer;
        let sequence = transaction.body.sequence;
        // Earlier transactions of the same batch may have taken the id, the
        // sequence or the room since the precheck.
        if self.ids.contains_key(&id)
            || self
                .queue(&signer)
                .is_some_and(|q| q.contains_key(&sequence))
        {
            return Err(Rejection::Duplicate);
        }
        self.room_for(&signer, known)?;
        self.make_room(&signer, known);
        self.verified.insert(transaction.signed_hash());
        let class = if known {
            &mut self.known
        } else {
            &mut self.unknown
        };
        class.push(signer, sequence, Pending { id, transaction });
        self.ids.insert(id, (signer, sequence));
        Ok(id)
    }

    /// Evicts one transaction if the newcomer's class or the pool is full
    /// (the caller checked with [`Mempool::room_for`] that someone can yield).
    fn make_room(&mut self, signer: &AccountId, known: bool) {
        let queue_len = self.queue_len(signer);
        let victim = if !known && self.unknown.len() >= self.config.unknown_transactions_max {
            evictable(&self.unknown, signer, queue_len).map(|account| (false, account))
        } else if self.len() >= self.config.transactions_max {
            self.victim(signer, known, queue_len)
        } else {
            None
        };
        if let Some((victim_known, account)) = victim {
            let class = if victim_known {
                &mut self.known
            } else {
                &mut self.unknown
            };
            if let Some(evicted) = class.pop_last(&account) {
                self.ids.remove(&evicted.id);
            }
        }
    }

    /// After a commit: drops included and stale transactions (sequence below the
    /// account's next), expired ones, and ones whose keys no longer authorise
    /// their signer (e.g. a multisig policy changed); moves accounts the state
    /// now knows (their first transaction was included) among the known. An
    /// unreadable state is an error and leaves the pool as it was.
    pub fn on_commit<S: StateRead>(
        &mut self,
        state: &S,
        context: &BlockContext,
    ) -> Result<(), MempoolFault> {
        let overlay = Overlay::new(state);
        let mut dropped = Vec::new();
        let mut now_known = Vec::new();
        for (known, class) in [(true, &self.known), (false, &self.unknown)] {
            for (account, queue) in class.iter() {
                for (sequence, pending) in queue {
                    if !still_admissible(&overlay, &pending.transaction, *sequence, context)? {
                        dropped.push((known, *account, *sequence));
                    }
                }
                if !known && is_known_account(state, account)? {
                    now_known.push(*account);
                }
            }
        }
        for (known, account, sequence) in dropped {
            let class = if known {
                &mut self.known
            } else {
                &mut self.unknown
            };
            if let Some(removed) = class.remove(&account, sequence) {
                self.ids.remove(&removed.id);
            }
        }
        for account in now_known {
            if let Some(queue) = self.unknown.take(&account) {
                self.known.put(account, queue);
            }
        }
        Ok(())
    }
}

/// Whether a pending transaction may stay after a commit; a state fault is an error.
fn still_admissible<S: StateRead>(
    overlay: &Overlay<'_, S>,
    transaction: &SignedTransaction,
    sequence: u64,
    context: &BlockContext,
) -> Result<bool, MempoolFault> {
    match check_admission(overlay, transaction, context).map_err(Rejection::from_envelope) {
        Ok(account) => Ok(sequence >= account.next_sequence),
        Err(Rejection::StateUnavailable(fault)) => Err(MempoolFault::StateUnavailable(fault)),
        Err(_) => Ok(false),
    }
}

/// The largest account of `class` if it holds more than `signer` would after
/// one more (`queue_len + 1`), and is not `signer` itself.
fn evictable(class: &Queues, signer: &AccountId, queue_len: usize) -> Option<AccountId> {
    let (largest, largest_len) = class.largest()?;
    (largest != *signer && largest_len > queue_len.saturating_add(1)).then_some(largest)
}

fn set<T>(results: &mut [T], index: usize, value: T) {
    if let Some(slot) = results.get_mut(index) {
        *slot = value;
    }
}
