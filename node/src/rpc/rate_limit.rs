//! The per-address request rate of the JSON-RPC server: a token bucket per
//! client IP address, in a table of bounded size. Pure: the time is an
//! argument, so the tests need no clock.
//!
//! Each address may make `per_second` requests per second on average and
//! `burst` at once. The table holds at most [`ADDRESSES_MAX`] addresses: when
//! it is full, addresses whose bucket has refilled (they carry no state) are
//! forgotten first, else the one seen longest ago.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

/// Most client addresses whose bucket is kept (about 40 bytes each).
pub const ADDRESSES_MAX: usize = 16_384;

/// Thousandths of a request: the bucket's unit, so slow rates refill smoothly.
const MILLI: u64 = 1_000;

/// A refusal: the address may make one more request after this many
/// milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfterMs(pub u64);

/// One address's bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Thousandths of a request available.
    milli_tokens: u64,
    /// When it was last refilled (and the address last seen).
    refilled: Instant,
}

/// Token buckets of client addresses.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: u64,
    capacity_milli: u64,
    addresses_max: usize,
    buckets: HashMap<IpAddr, Bucket>,
}

impl RateLimiter {
    /// `per_second` requests per second on average, `burst` at once (both
    /// at least 1: a zero is taken as 1).
    pub fn new(per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter::with_addresses_max(per_second, burst, ADDRESSES_MAX)
    }

    /// [`RateLimiter::new`] keeping at most `addresses_max` addresses.
    pub fn with_addresses_max(per_second: u32, burst: u32, addresses_max: usize) -> RateLimiter {
        RateLimiter {
            per_second: u64::from(per_second.max(1)),
            capacity_milli: u64::from(burst.max(1)).saturating_mul(MILLI),
            addresses_max: addresses_max.max(1),
            buckets: HashMap::new(),
        }
    }

    /// Addresses tracked now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Takes `requests` requests from `address`'s bucket at `now`: all of
    /// them, or none and how long to wait.
    pub fn take(
        &mut self,
        address: IpAddr,
        requests: u64,
        now: Instant,
    ) -> Result<(), RetryAfterMs> {
        if !self.buckets.contains_key(&address) && self.buckets.len() >= self.addresses_max {
            self.make_room(now);
        }
        let capacity = self.capacity_milli;
        let bucket = self.buckets.entry(address).or_insert(Bucket {
            milli_tokens: capacity,
            refilled: now,
        });
        let elapsed_us = u64::try_from(now.saturating_duration_since(bucket.refilled).as_micros())
            .unwrap_or(u64::MAX);
        // per_second requests per 10^6 µs = per_second / 1000 thousandths per µs.
        let added = elapsed_us
            .saturating_mul(self.per_second)
            .saturating_div(MILLI);
        bucket.milli_tokens = bucket.milli_tokens.saturating_add(added).min(capacity);
        bucket.refilled = now;
        let wanted = requests.saturating_mul(MILLI);
        match bucket.milli_tokens.checked_sub(wanted) {
            Some(left) => {
                bucket.milli_tokens = left;
                Ok(())
            }
            None => {
                let missing = wanted.saturating_sub(bucket.milli_tokens);
                // missing thousandths at per_second per ms.
                let wait_ms = missing
                    .checked_div(self.per_second)
                    .unwrap_or(u64::MAX)
                    .saturating_add(1);
                Err(RetryAfterMs(wait_ms))
            }
        }
    }

    /// Forgets addresses whose bucket is full again by `now`; if none, the
    /// one seen longest ago.
    fn make_room(&mut self, now: Instant) {
        let (per_second, capacity) = (self.per_second, self.capacity_milli);
        self.buckets.retain(|_, bucket| {
            let elapsed_us =
                u64::try_from(now.saturating_duration_since(bucket.refilled).as_micros())
                    .unwrap_or(u64::MAX);
            let added = elapsed_us.saturating_mul(per_second).saturating_div(MILLI);
            bucket.milli_tokens.saturating_add(added) < capacity
        });
        if self.buckets.len() < self.addresses_max {
            return;
        }
        let oldest = self
            .buckets
            .iter()
            .min_by_key(|(_, bucket)| bucket.refilled)
            .map(|(address, _)| *address);
        if let Some(address) = oldest {
            self.buckets.remove(&address);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

    use super::*;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    fn address(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(n))
    }

    #[test]
    fn a_burst_passes_then_the_rate_refills() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(10, 5);
        for _ in 0..5 {
            limiter.take(address(1), 1, start).unwrap();
        }
        let RetryAfterMs(wait) = limiter.take(address(1), 1, start).unwrap_err();
        assert!((90..=101).contains(&wait), "{wait}");
        // Another address has its own bucket.
        limiter.take(address(2), 1, start).unwrap();
        // 10 per second: one more after 100 ms, not two.
        let later = start + Duration::from_millis(100);
        limiter.take(address(1), 1, later).unwrap();
        limiter.take(address(1), 1, later).unwrap_err();
        // Refilled to the burst, no more, after a long pause.
        let much_later = later + Duration::from_secs(60);
        limiter.take(address(1), 5, much_later).unwrap();
        limiter.take(address(1), 1, much_later).unwrap_err();
    }

    #[test]
    fn a_batch_takes_all_its_requests_or_none() {
        let now = Instant::now();
        let mut limiter = RateLimiter::new(1, 10);
        limiter.take(address(1), 11, now).unwrap_err();
        limiter.take(address(1), 10, now).unwrap();
        let RetryAfterMs(wait) = limiter.take(address(1), 1, now).unwrap_err();
        assert!((1_000..=1_001).contains(&wait), "{wait}");
    }

    #[test]
    fn the_table_stays_bounded_and_forgets_refilled_addresses_first() {
        let start = Instant::now();
        let mut limiter = RateLimiter::with_addresses_max(1, 2, 100);
        for n in 0..100 {
            limiter.take(address(n), 2, start).unwrap();
        }
        assert_eq!(limiter.len(), 100);
        // A new address when all are busy: the oldest goes, the table stays at 100.
        for n in 100..1_000 {
            limiter.take(address(n), 1, start).unwrap();
            assert!(limiter.len() <= 100);
        }
        // Two seconds later every bucket has refilled: all are forgotten at once.
        let later = start + Duration::from_secs(2);
        limiter.take(address(5_000), 1, later).unwrap();
        assert_eq!(limiter.len(), 1);
    }
}
