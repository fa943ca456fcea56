//! Ordering for blocks: each account's transactions in sequence order without
//! gaps, accounts round-robin, signers the state knows before unknown ones in
//! each round, and at most `unknown_per_block_max` transactions from unknown
//! signers per block.

use civitas_civic::{StateRead, account_sequence};
use civitas_types::{AccountId, SignedTransaction};

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
    /// Up to `count` transactions for a block: each account's transactions from
    /// its next sequence on, without gaps; accounts taken round-robin — in each
    /// round the accounts the state knows first, then unknown ones while fewer
    /// than `unknown_per_block_max` of theirs are taken — each class starting
    /// at a position that rotates with `rotation` (e.g. the height), so no
    /// account is always first. An unreadable state is an error, never "sequence 0".
    pub fn select<S: StateRead>(
        &self,
        state: &S,
        count: usize,
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
            .min(count);
        // Each run gives at least one transaction in the first round, so
        // `unknown_max` runs are all the unknown signers a block can reach: the
        // walk reads the state for those only, not for every fresh key pending.
        let unknown = runs(
            state,
            self.unknown.iter_from(rotation_start(rotation)),
            unknown_max,
        )?;
        Ok(round_robin(&known, &unknown, count, unknown_max))
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
/// `count` are taken or the runs are exhausted.
fn round_robin(
    known: &[Run<'_>],
    unknown: &[Run<'_>],
    count: usize,
    unknown_max: usize,
) -> Vec<SignedTransaction> {
    let mut selected = Vec::with_capacity(count.min(known.len().saturating_add(unknown.len())));
    let mut unknown_taken = 0usize;
    let mut depth = 0usize;
    while selected.len() < count {
        let mut took_any = false;
        for run in known {
            if selected.len() >= count {
                break;
            }
            if let Some(transaction) = run.get(depth) {
                selected.push((*transaction).clone());
                took_any = true;
            }
        }
        for run in unknown {
            if selected.len() >= count || unknown_taken >= unknown_max {
                break;
            }
            if let Some(transaction) = run.get(depth) {
                selected.push((*transaction).clone());
                unknown_taken = unknown_taken.saturating_add(1);
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

/// The account id at which the unknown signers' round starts for `rotation`.
fn rotation_start(rotation: u64) -> AccountId {
    let mut start = [0u8; 32];
    let spread = rotation.wrapping_mul(ROTATION_SPREAD).to_be_bytes();
    for (byte, value) in start.iter_mut().zip(spread) {
        *byte = value;
    }
    AccountId(start)
}
