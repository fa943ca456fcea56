//! Connections open per client address: at most `max_connections_per_ip`
//! each, so one client cannot take every connection the server allows. The
//! table holds only addresses with a connection open, so it is never larger
//! than `max_connections`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Counts of open connections by client address.
#[derive(Debug)]
pub struct PerAddress {
    max: u32,
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One open connection of an address; dropping it frees its place.
#[derive(Debug)]
pub struct Slot {
    table: Arc<PerAddress>,
    address: IpAddr,
}

impl PerAddress {
    /// At most `max` connections per address (at least 1).
    pub fn new(max: u32) -> Arc<PerAddress> {
        Arc::new(PerAddress {
            max: max.max(1),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more connection of `address`, if it has fewer than
    /// the maximum open.
    pub fn open(table: &Arc<PerAddress>, address: IpAddr) -> Option<Slot> {
        let mut open = table.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(address).or_insert(0);
        if *count >= table.max {
            return None;
        }
        *count = count.saturating_add(1);
        Some(Slot {
            table: Arc::clone(table),
            address,
        })
    }

    /// Addresses with a connection open.
    #[cfg(test)]
    fn addresses(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .table
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn an_address_gets_its_maximum_and_places_come_back_when_closed() {
        let table = PerAddress::new(2);
        let (one, two) = (
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        );
        let first = PerAddress::open(&table, one);
        let second = PerAddress::open(&table, one);
        assert!(first.is_some() && second.is_some());
        assert!(PerAddress::open(&table, one).is_none());
        let other = PerAddress::open(&table, two);
        assert!(other.is_some());
        drop(first);
        assert!(PerAddress::open(&table, one).is_some());
        drop((second, other));
        assert_eq!(table.addresses(), 0);
    }
}
