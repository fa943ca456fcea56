//! Per-peer rate limits: a token bucket, with time passed in.

use std::time::{Duration, Instant};

/// A token bucket: `burst` tokens at most, refilled at `per_second`.
///
/// Counted in thousandths of a token so that refills over short intervals are not
/// lost to rounding.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    capacity_milli: u64,
    per_second: u64,
    tokens_milli: u64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub fn new(per_second: u32, burst: u32, now: Instant) -> TokenBucket {
        let capacity_milli = u64::from(burst).saturating_mul(1_000);
        TokenBucket {
            capacity_milli,
            per_second: u64::from(per_second),
            tokens_milli: capacity_milli,
            last: now,
        }
    }

    /// Takes one token if there is one at `now`.
    pub fn try_take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens_milli >= 1_000 {
            self.tokens_milli = self.tokens_milli.saturating_sub(1_000);
            true
        } else {
            false
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last);
        if elapsed < Duration::from_millis(1) {
            return;
        }
        let millis = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        // tokens/s × ms = thousandths of a token.
        let added = millis.saturating_mul(self.per_second);
        self.tokens_milli = self
            .tokens_milli
            .saturating_add(added)
            .min(self.capacity_milli);
        self.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_rate_holds() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 5, start);
        assert_eq!((0..20).filter(|_| bucket.try_take(start)).count(), 5);
        // 10 per second: 100 ms buys exactly one more.
        let later = start + Duration::from_millis(100);
        assert!(bucket.try_take(later));
        assert!(!bucket.try_take(later));
        // A long pause refills to the burst, not beyond.
        let much_later = later + Duration::from_secs(60);
        assert_eq!((0..20).filter(|_| bucket.try_take(much_later)).count(), 5);
    }

    #[test]
    fn time_going_backwards_adds_nothing() {
        let start = Instant::now() + Duration::from_secs(1);
        let mut bucket = TokenBucket::new(1_000, 1, start);
        assert!(bucket.try_take(start));
        assert!(!bucket.try_take(start - Duration::from_millis(500)));
    }
}
