//! The aid laws (see the parent module's doc), and the per-block check.

use std::collections::BTreeMap;

use civitas_types::{AccountId, decode};

use super::{CheckError, Violation, check_energy_slot};
use crate::aid::{Beneficiary, Order, OrderStatus, Programme, ProgrammeStatus};
use crate::energy::{Community, SlotBook};
use crate::keys::{self, table};
use crate::state::{Overlay, StateRead};

/// The laws on a programme's record: conservation, and nothing held for
/// beneficiaries once closed.
pub fn check_programme(programme_id: u64, programme: &Programme) -> Result<(), Violation> {
    if !programme.is_conserved() {
        let accounted_cents = [
            programme.reserved_cents,
            programme.beneficiary_balances_cents,
            programme.merchant_balances_cents,
            programme.redeemed_cents,
        ]
        .iter()
        .try_fold(programme.unreserved_cents, |sum, part| {
            sum.checked_add(*part)
        });
        return Err(Violation::AidNotConserved {
            programme_id,
            budget_cents: programme.rules.budget_cents,
            accounted_cents,
        });
    }
    let held_cents = programme
        .reserved_cents
        .saturating_add(programme.beneficiary_balances_cents);
    if programme.status == ProgrammeStatus::Closed && held_cents > 0 {
        return Err(Violation::AidClosedWithBalances {
            programme_id,
            held_cents,
        });
    }
    Ok(())
}

/// The laws on a programme's record and on its individual entries: pending
/// orders sum to the reserve, beneficiary and merchant entries to the recorded
/// balances, and no beneficiary is above the cap. Reads every order and every
/// indexed beneficiary and merchant: O(programme size).
pub fn check_programme_entries<S: StateRead>(
    state: &S,
    programme_id: u64,
) -> Result<(), CheckError> {
    let view = Overlay::new(state);
    let Some(programme) = view.get::<Programme>(&keys::programme(programme_id))? else {
        return Ok(());
    };
    check_programme(programme_id, &programme)?;
    let pending = pending_orders(&view, programme_id, &programme)?;
    compare(programme_id, "reserved", programme.reserved_cents, pending)?;
    let balances = beneficiary_balances(&view, programme_id, &programme)?;
    compare(
        programme_id,
        "beneficiary balances",
        programme.beneficiary_balances_cents,
        balances,
    )?;
    let merchants = merchant_balances(&view, programme_id, &programme)?;
    compare(
        programme_id,
        "merchant balances",
        programme.merchant_balances_cents,
        merchants,
    )
}

fn compare(
    programme_id: u64,
    what: &'static str,
    recorded_cents: u64,
    entries_cents: u64,
) -> Result<(), CheckError> {
    if recorded_cents == entries_cents {
        return Ok(());
    }
    Err(Violation::AidFigureOffEntries {
        programme_id,
        what,
        recorded_cents,
        entries_cents,
    }
    .into())
}

fn add(sum: u64, amount: u64) -> Result<u64, CheckError> {
    sum.checked_add(amount)
        .ok_or(CheckError::Broken(Violation::Overflow))
}

fn pending_orders<S: StateRead>(
    view: &Overlay<'_, S>,
    programme_id: u64,
    programme: &Programme,
) -> Result<u64, CheckError> {
    let mut sum = 0u64;
    for order_id in 0..programme.next_order {
        if let Some(order) = view.get::<Order>(&keys::order(programme_id, order_id))?
            && order.status == OrderStatus::Pending
        {
            sum = add(sum, order.amount_cents)?;
        }
    }
    Ok(sum)
}

/// The account at position `n` of a programme index.
fn indexed<S: StateRead>(
    view: &Overlay<'_, S>,
    programme_id: u64,
    what: &'static str,
    key: Vec<u8>,
    position: u64,
) -> Result<AccountId, CheckError> {
    view.get::<AccountId>(&key)?
        .ok_or(CheckError::Broken(Violation::AidIndexGap {
            programme_id,
            what,
            position,
        }))
}

fn beneficiary_balances<S: StateRead>(
    view: &Overlay<'_, S>,
    programme_id: u64,
    programme: &Programme,
) -> Result<u64, CheckError> {
    let mut sum = 0u64;
    for n in 0..programme.beneficiary_count {
        let key = keys::beneficiary_index(programme_id, n);
        let account = indexed(view, programme_id, "beneficiary", key, n)?;
        let Some(entry) = view.get::<Beneficiary>(&keys::beneficiary(programme_id, &account))?
        else {
            continue;
        };
        if entry.ordered_in_period_cents > programme.rules.cap_per_period_cents {
            return Err(Violation::AidCapExceeded {
                programme_id,
                beneficiary: account,
                ordered_cents: entry.ordered_in_period_cents,
                cap_cents: programme.rules.cap_per_period_cents,
            }
            .into());
        }
        sum = add(sum, entry.balance_cents)?;
    }
    Ok(sum)
}

fn merchant_balances<S: StateRead>(
    view: &Overlay<'_, S>,
    programme_id: u64,
    programme: &Programme,
) -> Result<u64, CheckError> {
    let mut sum = 0u64;
    for n in 0..programme.merchant_count {
        let key = keys::merchant_index(programme_id, n);
        let merchant = indexed(view, programme_id, "merchant", key, n)?;
        let balance = view
            .get::<u64>(&keys::merchant_balance(programme_id, &merchant))?
            .unwrap_or(0);
        sum = add(sum, balance)?;
    }
    Ok(sum)
}

/// The per-block checks, on what a block wrote (`writes`, as
/// `execute_block` returns them) over the state after the block: every
/// programme record written keeps its laws ([`check_programme`]) and every
/// slot book written keeps the energy laws ([`check_energy_slot`]).
pub fn check_block<S: StateRead>(
    state_after: &S,
    writes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>,
) -> Result<(), CheckError> {
    let view = Overlay::new(state_after);
    for (key, value) in writes {
        let (Some(prefix), Some(value)) = (key.first(), value) else {
            continue;
        };
        let id_bytes = key.get(1..).unwrap_or_default();
        match *prefix {
            table::PROGRAMME => {
                let programme_id: u64 = decode(id_bytes).map_err(|_| undecodable(key))?;
                let programme: Programme = decode(value).map_err(|_| undecodable(key))?;
                check_programme(programme_id, &programme)?;
            }
            table::SLOT_BOOK => {
                let (community_id, _slot): (u64, u64) =
                    decode(id_bytes).map_err(|_| undecodable(key))?;
                let book: SlotBook = decode(value).map_err(|_| undecodable(key))?;
                if let Some(community) = view.get::<Community>(&keys::community(community_id))? {
                    check_energy_slot(&community, &book)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

pub(super) fn undecodable(key: &[u8]) -> CheckError {
    CheckError::Fault(crate::state::StateFault::Undecodable {
        key: crate::state::hex_of(key),
        reason: "a value written by the block does not decode as its table's type".into(),
    })
}
