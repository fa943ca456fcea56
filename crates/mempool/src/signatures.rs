//! Signature verification for admission and blocks: ZIP-215 batches of bounded
//! size, spread over the machine's cores.
//!
//! A batch that fails is re-checked item by item (that is how
//! `BatchVerifier::verify` names the bad signatures), so the size of a batch
//! bounds what one bad signature costs: at most [`SIGNATURE_SUB_BATCH_MAX`]
//! single verifications, however large the submission. One huge batch would
//! let a single forged signature force every signature of it through a second,
//! single check. Sub-batches rather than bisection: with this crate's measured
//! costs (docs/performance.md, a single check ≈ 1.6× a batched one at 64)
//! bisecting a sub-batch of 64 costs about as much as re-checking it, and
//! more when bad signatures are dense.

use civitas_types::{BatchVerifier, Hash, SignedTransaction};

/// Most signatures verified in one batch. Larger batches are only ≈ 12 %
/// cheaper per signature (64 → 256, docs/performance.md) but double what a bad
/// signature costs.
pub const SIGNATURE_SUB_BATCH_MAX: usize = 64;

/// Most signatures in one batch of a replay ([`crate::Mempool::verify_signatures_on`]):
/// a replay stops at the first bad block, so what a bad signature costs does
/// not matter, and a batch of 256 is ≈ 12 % cheaper per signature than one of 64.
pub const REPLAY_SUB_BATCH_MAX: usize = 256;

/// Below this many transactions, verifying on one thread beats starting others.
const PARALLEL_TRANSACTIONS_MIN: usize = 64;

/// A transaction to verify, with its id (what its signatures sign).
pub(crate) struct ToVerify<'a> {
    /// The transaction id.
    pub(crate) id: Hash,
    /// The transaction.
    pub(crate) transaction: &'a SignedTransaction,
}

/// Whether each transaction's signatures all verify, in input order, on all
/// cores.
pub(crate) fn verify_all(items: &[ToVerify<'_>]) -> Vec<bool> {
    verify_all_on(items, available_threads(), SIGNATURE_SUB_BATCH_MAX)
}

/// The machine's cores (at least 1).
pub(crate) fn available_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .max(1)
}

/// Whether each transaction's signatures all verify, in input order, on at
/// most `threads` threads, in batches of at most `batch_max` signatures (the
/// verdicts depend on neither: a failed batch is judged item by item).
pub(crate) fn verify_all_on(items: &[ToVerify<'_>], threads: usize, batch_max: usize) -> Vec<bool> {
    // Enough batches for every thread.
    let batch_max = batch_max
        .min(items.len().div_ceil(threads.max(1)))
        .max(SIGNATURE_SUB_BATCH_MAX.min(batch_max));
    let sub_batches = split(items, batch_max);
    let threads = threads.max(1);
    if items.len() < PARALLEL_TRANSACTIONS_MIN || threads == 1 || sub_batches.len() < 2 {
        return sub_batches
            .iter()
            .flat_map(|part| verify_batch(part))
            .collect();
    }
    let per_thread = sub_batches.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = sub_batches
            .chunks(per_thread)
            .map(|group| {
                let count: usize = group.iter().map(|part| part.len()).sum();
                let handle = scope.spawn(move || {
                    group
                        .iter()
                        .flat_map(|part| verify_batch(part))
                        .collect::<Vec<bool>>()
                });
                (count, handle)
            })
            .collect();
        handles
            .into_iter()
            // A verifier thread that died verified nothing: refuse its share.
            .flat_map(|(count, handle)| handle.join().unwrap_or_else(|_| vec![false; count]))
            .collect()
    })
}

/// Whether each of `transactions`' signatures all verify, in input order, on
/// at most `threads` threads, in batches of at most `batch_max` signatures:
/// for a replay, which verifies every transaction of a block. Each thread
/// takes a run of consecutive transactions, computes their ids and verifies
/// them, and the calling thread takes the first run: one thread started per
/// extra share of a block instead of one per share and per phase (ids, then
/// signatures), which with small blocks cost as much as a tenth of the
/// verification. The verdicts depend on neither count (a failed batch is
/// judged item by item).
pub(crate) fn verify_transactions_on(
    transactions: &[SignedTransaction],
    threads: usize,
    batch_max: usize,
) -> Vec<bool> {
    let threads = threads.max(1);
    if transactions.len() < PARALLEL_TRANSACTIONS_MIN || threads == 1 {
        return verify_share(transactions, batch_max);
    }
    let mut shares = transactions.chunks(transactions.len().div_ceil(threads));
    let first = shares.next().unwrap_or_default();
    std::thread::scope(|scope| {
        let others: Vec<_> = shares
            .map(|share| {
                let handle = scope.spawn(move || verify_share(share, batch_max));
                (share.len(), handle)
            })
            .collect();
        let mut valid = verify_share(first, batch_max);
        for (count, handle) in others {
            // A verifier thread that died verified nothing: refuse its share.
            valid.extend(handle.join().unwrap_or_else(|_| vec![false; count]));
        }
        valid
    })
}

/// Whether each of `transactions`' signatures all verify, in order, on this
/// thread, in batches of at most `batch_max` signatures.
fn verify_share(transactions: &[SignedTransaction], batch_max: usize) -> Vec<bool> {
    let items: Vec<ToVerify<'_>> = transactions
        .iter()
        .map(|transaction| ToVerify {
            id: transaction.id(),
            transaction,
        })
        .collect();
    split(&items, batch_max)
        .iter()
        .flat_map(|part| verify_batch(part))
        .collect()
}

/// Cuts `items` into consecutive runs of at most `batch_max` signatures (a
/// transaction is never split; one with more signatures than that is a run
/// of its own).
fn split<'s, 'a>(items: &'s [ToVerify<'a>], batch_max: usize) -> Vec<&'s [ToVerify<'a>]> {
    let mut parts = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let mut signatures = 0usize;
        let mut take = 0usize;
        for item in rest {
            let more = item.transaction.signatures.len();
            if take > 0 && signatures.saturating_add(more) > batch_max {
                break;
            }
            signatures = signatures.saturating_add(more);
            take = take.saturating_add(1);
        }
        let (part, tail) = rest.split_at(take.min(rest.len()));
        parts.push(part);
        rest = tail;
    }
    parts
}

/// One batch: all valid, or each transaction judged by its own signatures.
fn verify_batch(items: &[ToVerify<'_>]) -> Vec<bool> {
    let mut batch = BatchVerifier::with_capacity(items.len());
    let mut owners = Vec::with_capacity(items.len());
    for (position, item) in items.iter().enumerate() {
        item.transaction.queue_signatures(&item.id, &mut batch);
        owners.extend(std::iter::repeat_n(
            position,
            item.transaction.signatures.len(),
        ));
    }
    let mut valid = vec![true; items.len()];
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
