//! The figures laws (see the parent module's doc): a block's figure writes
//! match the moves of the balances they describe.

use std::collections::{BTreeMap, BTreeSet};

use civitas_types::decode;

use super::{CheckError, Violation};
use crate::aid::Programme;
use crate::energy::{Community, Settlement, SlotBook};
use crate::figures::{PeriodFigures, SlotFigures};
use crate::keys::{self, table};
use crate::state::{Overlay, StateRead};

/// The figures laws on one block: `state_before` and `state_after` are the
/// states before and after it, `writes` what it wrote (as `execute_block`
/// returns them). For every programme whose record or figures the block wrote,
/// the figures the block added (summed over the periods it touched) equal the
/// moves of the programme's balances, and no figure shrank; for every slot
/// whose book or figures it wrote, the figures are the book's clearing and, once
/// settled, its settlement's totals.
pub fn check_figures<S: StateRead, T: StateRead>(
    state_before: &S,
    state_after: &T,
    writes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>,
) -> Result<(), CheckError> {
    let before = Overlay::new(state_before);
    let after = Overlay::new(state_after);
    let mut programmes: BTreeMap<u64, Vec<&[u8]>> = BTreeMap::new();
    let mut slots = BTreeSet::new();
    for key in writes.keys() {
        let (Some(prefix), Some(id_bytes)) = (key.first(), key.get(1..)) else {
            continue;
        };
        match *prefix {
            table::PROGRAMME => {
                let id: u64 = decode(id_bytes).map_err(|_| super::aid::undecodable(key))?;
                programmes.entry(id).or_default();
            }
            table::PERIOD_FIGURES => {
                let (id, _period): (u64, u64) =
                    decode(id_bytes).map_err(|_| super::aid::undecodable(key))?;
                programmes.entry(id).or_default().push(key);
            }
            table::SLOT_BOOK | table::SLOT_FIGURES => {
                let slot: (u64, u64) =
                    decode(id_bytes).map_err(|_| super::aid::undecodable(key))?;
                slots.insert(slot);
            }
            _ => {}
        }
    }
    for (programme_id, figure_keys) in programmes {
        let moved = figures_moved(&before, &after, programme_id, &figure_keys)?;
        let programme_before = before.get::<Programme>(&keys::programme(programme_id))?;
        let programme_after = after.get::<Programme>(&keys::programme(programme_id))?;
        check_programme_figures(
            programme_id,
            programme_before.as_ref(),
            programme_after.as_ref(),
            &moved,
        )?;
    }
    for (community_id, slot) in slots {
        check_slot_figures(&after, community_id, slot)?;
    }
    Ok(())
}

/// What a block added to a programme's figures, summed over the periods it
/// wrote, as signed amounts (`[budget, reserved, executed, spent, redeemed,
/// released, returned]`).
fn figures_moved<S: StateRead, T: StateRead>(
    before: &Overlay<'_, S>,
    after: &Overlay<'_, T>,
    programme_id: u64,
    figure_keys: &[&[u8]],
) -> Result<[i128; 7], CheckError> {
    let mut moved = [0i128; 7];
    for key in figure_keys {
        let old = before.get::<PeriodFigures>(key)?.unwrap_or_default();
        let new = after.get::<PeriodFigures>(key)?.unwrap_or_default();
        for (index, (old, new)) in fields(&old).into_iter().zip(fields(&new)).enumerate() {
            if new < old {
                return Err(Violation::AidFigureShrank {
                    programme_id,
                    before_cents: old,
                    after_cents: new,
                }
                .into());
            }
            if let Some(sum) = moved.get_mut(index) {
                // Differences of u64 amounts: far inside i128.
                *sum = sum.saturating_add(i128::from(new).saturating_sub(i128::from(old)));
            }
        }
    }
    Ok(moved)
}

fn fields(figures: &PeriodFigures) -> [u64; 7] {
    [
        figures.budget_cents,
        figures.reserved_cents,
        figures.executed_cents,
        figures.spent_cents,
        figures.redeemed_cents,
        figures.released_cents,
        figures.returned_cents,
    ]
}

/// A programme's balances as signed amounts (`[budget, unreserved, reserved,
/// beneficiary balances, merchant balances, redeemed]`), all 0 before it exists.
fn balances(programme: Option<&Programme>) -> [i128; 6] {
    programme.map_or([0; 6], |p| {
        [
            p.rules.budget_cents,
            p.unreserved_cents,
            p.reserved_cents,
            p.beneficiary_balances_cents,
            p.merchant_balances_cents,
            p.redeemed_cents,
        ]
        .map(i128::from)
    })
}

/// Each balance of the programme moved by exactly what its figures say.
pub fn check_programme_figures(
    programme_id: u64,
    before: Option<&Programme>,
    after: Option<&Programme>,
    moved: &[i128; 7],
) -> Result<(), Violation> {
    let [
        budget,
        reserved,
        executed,
        spent,
        redeemed,
        released,
        returned,
    ] = *moved;
    let old = balances(before);
    let new = balances(after);
    // Sums of a few u64 amounts: far inside i128, saturating never bites.
    let sum = |plus: &[i128], minus: &[i128]| {
        let added = plus.iter().fold(0i128, |a, b| a.saturating_add(*b));
        minus.iter().fold(added, |a, b| a.saturating_sub(*b))
    };
    let expected = [
        ("budget", budget),
        (
            "unreserved",
            sum(&[budget, released, returned], &[reserved]),
        ),
        ("reserved", sum(&[reserved], &[executed, released])),
        ("beneficiary balances", sum(&[executed], &[spent, returned])),
        ("merchant balances", sum(&[spent], &[redeemed])),
        ("redeemed", redeemed),
    ];
    for ((balance, expected_cents), (old, new)) in
        expected.into_iter().zip(old.into_iter().zip(new))
    {
        let moved_cents = new.saturating_sub(old);
        if moved_cents != expected_cents {
            return Err(Violation::AidFiguresOffBalances {
                programme_id,
                balance,
                moved_cents,
                figures_cents: expected_cents,
            });
        }
    }
    Ok(())
}

/// A slot's figures are its book's clearing and settlement totals.
fn check_slot_figures<S: StateRead>(
    after: &Overlay<'_, S>,
    community_id: u64,
    slot: u64,
) -> Result<(), CheckError> {
    let figures = after.get::<SlotFigures>(&keys::slot_figures(community_id, slot))?;
    let book = after.get::<SlotBook>(&keys::slot_book(community_id, slot))?;
    let community = after.get::<Community>(&keys::community(community_id))?;
    let expected = match (&book, &community) {
        (Some(book), Some(community)) => slot_figures_of(community, book),
        _ => None,
    };
    if figures != expected {
        return Err(Violation::EnergyFiguresOffBook {
            community_id,
            slot,
            figures: Box::new(figures),
            expected: Box::new(expected),
        }
        .into());
    }
    Ok(())
}

/// The figures a slot book gives: none before clearing, the clearing's price
/// and volume once cleared, and the settlement's totals once settled.
pub fn slot_figures_of(community: &Community, book: &SlotBook) -> Option<SlotFigures> {
    let clearing = book.clearing.as_ref()?;
    if !book.settled {
        return Some(SlotFigures::cleared(clearing));
    }
    // A settled slot whose settlement fails is reported by check_energy_slot;
    // here it has no figures to match.
    let settlement = Settlement::of_slot(community, book).ok()?;
    Some(SlotFigures::settled(clearing, &settlement))
}
