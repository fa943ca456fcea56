//! Two ways of using the machine's second core for one job: the tree's (hashing
//! and building large batches) and the ledger's (checking a block while encoding
//! it).
//!
//! Scoped threads only: nothing outlives the call, the result is the same as on
//! one thread, and a panic on the helper thread (a bug) reaches the caller
//! unchanged.

/// `a()` and `b()`, `a` on a second thread when `parallel`.
pub fn both<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        match a.join() {
            Ok(a) => (a, b),
            Err(payload) => std::panic::resume_unwind(payload),
        }
    })
}

/// `items.map(f)`, the second half on another thread when there are many.
pub fn map_on_two_threads<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    if items.len() < 4096 {
        return items.iter().map(&f).collect();
    }
    let (first, second) = items.split_at(items.len() / 2);
    let (mut out, rest) = both(
        true,
        || first.iter().map(&f).collect::<Vec<U>>(),
        || second.iter().map(&f).collect::<Vec<U>>(),
    );
    out.extend(rest);
    out
}
