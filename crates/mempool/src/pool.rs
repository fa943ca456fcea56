//! The pool: admission, caps and eviction, ordering for blocks, cleaning after commits.

use std::collections::{BTreeMap, HashMap};

use civitas_civic::envelope::TRANSACTION_BYTES_MAX;
use civitas_civic::{BlockContext, Overlay, StateRead, check_admission};
use civitas_types::{AccountId, BatchVerifier, Hash, SignedTransaction, decode};

use crate::rejection::Rejection;
use crate::verified::VerifiedIds;

/// Limits of the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MempoolConfig {
    /// Most transactions in the pool.
    pub transactions_max: usize,
    /// Most pending transactions per account.
    pub per_account_max: usize,
    /// How far beyond the account's next sequence a transaction may be.
    pub sequences_ahead_max: u64,
    /// Most verified ids remembered for block validation.
    pub verified_ids_max: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            transactions_max: 100_000,
            per_account_max: 64,
            sequences_ahead_max: 16,
            verified_ids_max: 400_000,
        }
    }
}

/// One admitted transaction.
#[derive(Clone, Debug)]
struct Pending {
    id: Hash,
    transaction: SignedTransaction,
}

/// The transaction pool of one node.
pub struct Mempool {
    config: MempoolConfig,
    accounts: BTreeMap<AccountId, BTreeMap<u64, Pending>>,
    ids: HashMap<Hash, (AccountId, u64)>,
    verified: VerifiedIds,
    len: usize,
}

/// A transaction that passed the cheap checks, waiting for its signatures.
struct Candidate {
    index: usize,
    id: Hash,
    transaction: SignedTransaction,
}

impl Mempool {
    /// An empty pool.
    pub fn new(config: MempoolConfig) -> Mempool {
        Mempool {
            config,
            accounts: BTreeMap::new(),
            ids: HashMap::new(),
            verified: VerifiedIds::new(config.verified_ids_max),
            len: 0,
        }
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the signatures of transaction `id` were verified by this node.
    pub fn is_verified(&self, id: &Hash) -> bool {
        self.verified.contains(id)
    }

    /// Whether transaction `id` is pending.
    pub fn contains(&self, id: &Hash) -> bool {
        self.ids.contains_key(id)
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
            match self.precheck(&overlay, context, bytes) {
                Ok((id, transaction)) => candidates.push(Candidate {
                    index,
                    id,
                    transaction,
                }),
                Err(rejection) => {
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Err(rejection);
                    }
                }
            }
        }
        let valid = verify_signatures(&candidates);
        for (candidate, signatures_ok) in candidates.into_iter().zip(valid) {
            let result = if signatures_ok {
                self.verified.insert(candidate.id);
                self.insert(candidate.id, candidate.transaction)
            } else {
                Err(Rejection::BadSignature)
            };
            if let Some(slot) = results.get_mut(candidate.index) {
                *slot = result;
            }
        }
        results
    }

    /// Everything but signatures: size, decoding, civic admission, sequence, duplicates.
    fn precheck<S: StateRead>(
        &self,
        state: &Overlay<'_, S>,
        context: &BlockContext,
        bytes: &[u8],
    ) -> Result<(Hash, SignedTransaction), Rejection> {
        if bytes.len() > TRANSACTION_BYTES_MAX {
            return Err(Rejection::TooLarge {
                size: bytes.len(),
                limit: TRANSACTION_BYTES_MAX,
            });
        }
        let transaction: SignedTransaction = decode(bytes).map_err(Rejection::Malformed)?;
        let account = check_admission(state, &transaction, context).map_err(Rejection::Envelope)?;
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
        let taken = self
            .accounts
            .get(&transaction.body.signer)
            .is_some_and(|queue| queue.contains_key(&found));
        if taken || self.ids.contains_key(&id) {
            return Err(Rejection::Duplicate);
        }
        Ok((id, transaction))
    }

    fn insert(&mut self, id: Hash, transaction: SignedTransaction) -> Result<Hash, Rejection> {
        let signer = transaction.body.signer;
        let sequence = transaction.body.sequence;
        let queue_len = self.accounts.get(&signer).map_or(0, BTreeMap::len);
        if self.ids.contains_key(&id)
            || self
                .accounts
                .get(&signer)
                .is_some_and(|q| q.contains_key(&sequence))
        {
            return Err(Rejection::Duplicate);
        }
        if queue_len >= self.config.per_account_max {
            return Err(Rejection::AccountFull(queue_len));
        }
        if self.len >= self.config.transactions_max && !self.evict_for(&signer, queue_len) {
            return Err(Rejection::PoolFull);
        }
        self.accounts
            .entry(signer)
            .or_default()
            .insert(sequence, Pending { id, transaction });
        self.ids.insert(id, (signer, sequence));
        self.len = self.len.saturating_add(1);
        Ok(id)
    }

    /// Makes room for one transaction of `newcomer` (holding `newcomer_len`):
    /// the account holding the most gives up its highest sequence, if it holds
    /// more than the newcomer would.
    fn evict_for(&mut self, newcomer: &AccountId, newcomer_len: usize) -> bool {
        let Some((largest, largest_len)) = self
            .accounts
            .iter()
            .map(|(account, queue)| (*account, queue.len()))
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        else {
            return false;
        };
        if largest == *newcomer || largest_len <= newcomer_len.saturating_add(1) {
            return false;
        }
        let removed = self
            .accounts
            .get_mut(&largest)
            .and_then(|queue| queue.pop_last());
        match removed {
            Some((_, pending)) => {
                self.ids.remove(&pending.id);
                self.len = self.len.saturating_sub(1);
                true
            }
            None => false,
        }
    }

    /// Up to `count` transactions for a block: each account's transactions from
    /// its next sequence on, without gaps; accounts taken round-robin, starting at
    /// a rotating position so no account is always first.
    pub fn select<S: StateRead>(
        &self,
        state: &S,
        count: usize,
        rotation: u64,
    ) -> Vec<SignedTransaction> {
        let overlay = Overlay::new(state);
        let mut runs: Vec<Vec<&SignedTransaction>> = Vec::new();
        for (account, queue) in &self.accounts {
            let next = overlay
                .get::<civitas_civic::model::AccountState>(&civitas_civic::keys::account(account))
                .ok()
                .flatten()
                .unwrap_or_default()
                .next_sequence;
            let run: Vec<&SignedTransaction> = queue
                .range(next..)
                .zip(next..)
                .take_while(|((sequence, _), expected)| *sequence == expected)
                .map(|((_, pending), _)| &pending.transaction)
                .collect();
            if !run.is_empty() {
                runs.push(run);
            }
        }
        if runs.is_empty() {
            return Vec::new();
        }
        let start =
            usize::try_from(rotation.checked_rem(runs.len() as u64).unwrap_or(0)).unwrap_or(0);
        runs.rotate_left(start);
        let mut selected = Vec::with_capacity(count.min(self.len));
        let mut depth = 0;
        while selected.len() < count {
            let mut took_any = false;
            for run in &runs {
                if selected.len() >= count {
                    break;
                }
                if let Some(transaction) = run.get(depth) {
                    selected.push((*transaction).clone());
                    took_any = true;
                }
            }
            if !took_any {
                break;
            }
            depth = depth.saturating_add(1);
        }
        selected
    }

    /// After a commit: drops included and stale transactions (sequence below the
    /// account's next), expired ones, and ones whose keys no longer authorise
    /// their signer (e.g. a multisig policy changed).
    pub fn on_commit<S: StateRead>(&mut self, state: &S, context: &BlockContext) {
        let overlay = Overlay::new(state);
        let mut dropped = Vec::new();
        for (account, queue) in &self.accounts {
            for (sequence, pending) in queue {
                let keep = match check_admission(&overlay, &pending.transaction, context) {
                    Ok(state) => *sequence >= state.next_sequence,
                    Err(_) => false,
                };
                if !keep {
                    dropped.push((*account, *sequence, pending.id));
                }
            }
        }
        for (account, sequence, id) in dropped {
            if let Some(queue) = self.accounts.get_mut(&account) {
                queue.remove(&sequence);
                if queue.is_empty() {
                    self.accounts.remove(&account);
                }
            }
            self.ids.remove(&id);
            self.len = self.len.saturating_sub(1);
        }
    }
}

/// Verifies every candidate's signatures in one batch per core; one verdict each.
fn verify_signatures(candidates: &[Candidate]) -> Vec<bool> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .max(1);
    if candidates.len() < 64 || threads == 1 {
        return verify_chunk(candidates);
    }
    let chunk = candidates.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = candidates
            .chunks(chunk)
            .map(|part| (part.len(), scope.spawn(move || verify_chunk(part))))
            .collect();
        handles
            .into_iter()
            // A verifier thread that died verified nothing: refuse its share.
            .flat_map(|(len, handle)| handle.join().unwrap_or_else(|_| vec![false; len]))
            .collect()
    })
}

fn verify_chunk(candidates: &[Candidate]) -> Vec<bool> {
    let mut batch = BatchVerifier::with_capacity(candidates.len());
    let mut owners = Vec::with_capacity(candidates.len());
    for (position, candidate) in candidates.iter().enumerate() {
        candidate
            .transaction
            .queue_signatures(&candidate.id, &mut batch);
        owners.extend(std::iter::repeat_n(
            position,
            candidate.transaction.signatures.len(),
        ));
    }
    let mut valid = vec![true; candidates.len()];
    if let Err(failure) = batch.verify() {
        for signature in failure.invalid {
            if let Some(flag) = owners
                .get(signature)
                .and_then(|owner| valid.get_mut(*owner))
            {
                *flag = false;
            }
        }
    }
    valid
}
