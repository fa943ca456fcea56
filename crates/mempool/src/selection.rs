//! Ordering for blocks: each account's transactions in sequence order without
//! gaps, accounts round-robin, signers the state knows before unknown ones in
//! each round, and at most `unknown_per_block_max` transactions from unknown
//! signers per block — all within the block's [`TransactionBudget`] (bytes and
//! count left under the chain's `BlockLimits`).
//!
//! A transaction too big for the bytes left is **skipped, and its account's
//! run ends there** for this block: its later sequences cannot be included
//! without it (that would leave a gap the envelope refuses), while other
//! accounts' smaller transactions may still fit, so one large transaction
//! neither reorders its account's sequences nor stops everyone else's.
//! Selection stops when the count is used up or no transaction can fit.

use civitas_civic::{StateRead, account_sequence};
use civitas_types::{AccountId, SignedTransaction, TransactionBudget};

use crate::pool::Mempool;
use crate::queues::Queue;
use crate::rejection::MempoolFault;

/// Spreads successive rotations over the account-id space (Fibonacci hashing:
/// 2^64 divided by the golden ratio, odd), so that consecutive heights do not
/// start the unknown signers' round at neighbouring ids.
const ROTATION_SPREAD: u64 = 0x9e37_79b9_7f4a_7c15;

/// One account's transactions that can go in the next block, in order.
type Run<'a> = Vec<&'a SignedTransaction>;

impl Mempool {
    /// Transactions for a block, within `budget`: each account's transactions from
    /// its next sequence on, without gaps; accounts taken round-robin — in each
    /// round the accounts the state knows first, then unknown ones while fewer
    /// than `unknown_per_block_max` of theirs are taken — each class starting
    /// at a position that rotates with `rotation` (e.g. the height), so no
    /// account is always first. A transaction over the bytes left is skipped
    /// and ends its account's run (module doc). An unreadable state is an
    /// error, never "sequence 0".
    pub fn select<S: StateRead>(
        &self,
        state: &S,
        budget: TransactionBudget,
        rotation: u64,
    ) -> Result<Vec<SignedTransaction>, MempoolFault> {
        let mut known = runs(state, self.known.iter(), usize::MAX)?;
        if !known.is_empty() {
            let start = rotation.checked_rem(known.len() as u64).unwrap_or(0);
            known.rotate_left(usize::try_from(start).unwrap_or(0));
        }
        let unknown_max = self
            .config
            .unknown_per_block_max
            .min(crate::UNKNOWN_PER_BLOCK_MAX)
            .min(budget.transactions_left());
        // Each run gives at least one transaction in the first round, so
        // `unknown_max` runs are all the unknown signers a block can reach: the
        // walk reads the state for those only, not for every fresh key pending.
        let unknown = runs(
            state,
            self.unknown.iter_from(rotation_start(rotation)),
            unknown_max,
        )?;
        Ok(round_robin(&known, &unknown, budget, unknown_max))
    }

    /// Whether a block could take a transaction now: some account's next
    /// sequence is pending. A pool holding only transactions behind a gap
    /// (a sequence skipped, perhaps on purpose) has nothing for a block, so
    /// the engine waits for its heartbeat instead of committing empty blocks
    /// back to back until they expire. Stops at the first account that has
    /// one; an unreadable state is an error.
    pub fn has_includable<S: StateRead>(&self, state: &S) -> Result<bool, MempoolFault> {
        for (account, queue) in self.known.iter().chain(self.unknown.iter()) {
            let next = account_sequence(state, account)?;
            if queue.contains_key(&next) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The runs of up to `runs_max` accounts, walking `queues` in order.
fn runs<'a, S: StateRead>(
    state: &S,
    queues: impl Iterator<Item = (&'a AccountId, &'a Queue)>,
    runs_max: usize,
) -> Result<Vec<Run<'a>>, MempoolFault> {
    let mut runs = Vec::new();
    for (account, queue) in queues {
        if runs.len() >= runs_max {
            break;
        }
        let next = account_sequence(state, account)?;
        let run: Run<'a> = queue
            .range(next..)
            .zip(next..)
            .take_while(|((sequence, _), expected)| *sequence == expected)
            .map(|((_, pending), _)| &pending.transaction)
            .collect();
        if !run.is_empty() {
            runs.push(run);
        }
    }
    Ok(runs)
}

/// Rounds of one transaction per run, known runs first in each round, until
/// the budget is spent or the runs are exhausted.
fn round_robin(
    known: &[Run<'_>],
    unknown: &[Run<'_>],
    mut budget: TransactionBudget,
    unknown_max: usize,
) -> Vec<SignedTransaction> {
    let capacity = budget
        .transactions_left()
        .min(known.len().saturating_add(unknown.len()));
    let mut selected = Vec::with_capacity(capacity);
    // Runs ended by a transaction that did not fit: known runs first, then unknown.
    let mut ended = vec![false; known.len().saturating_add(unknown.len())];
    let mut unknown_taken = 0usize;
    let mut depth = 0usize;
    loop {
        let mut took_any = false;
        let all_runs = known.iter().map(|run| (run, false));
        let all_runs = all_runs.chain(unknown.iter().map(|run| (run, true)));
        for ((run, is_unknown), run_ended) in all_runs.zip(ended.iter_mut()) {
            if budget.is_exhausted() {
                return selected;
            }
            if *run_ended || (is_unknown && unknown_taken >= unknown_max) {
                continue;
            }
            let Some(transaction) = run.get(depth) else {
                continue;
            };
            if !budget.take(transaction.encoded_len()) {
                *run_ended = true;
                continue;
            }
            selected.push((*transaction).clone());
            took_any = true;
            if is_unknown {
                unknown_taken = unknown_taken.saturating_add(1);
            }
        }
        if !took_any {
            return selected;
        }
        depth = depth.saturating_add(1);
    }
}

/// The account id at which the unknown signers' round starts for `rotation`.
fn rotation_start(rotation: u64) -> AccountId {
    let mut start = [0u8; 32];
    let spread = rotation.wrapping_mul(ROTATION_SPREAD).to_be_bytes();
    for (byte, value) in start.iter_mut().zip(spread) {
        *byte = value;
    }
    AccountId(start)
}
