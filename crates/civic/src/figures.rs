//! Public figures kept in state so that each comes with a state proof: a
//! programme's money moved per period (table `0x3c`) and an energy slot's
//! clearing and settlement totals (table `0x48`).
//!
//! A portal proves a figure by reading one key — `0x3c ‖ borsh(programme id u64,
//! period u64)` or `0x48 ‖ borsh(community id u64, slot u64)` — and a state proof
//! of that key against the state root of the block it reports on; a proof of
//! absence shows that nothing moved (a period with no entry moved no money, a slot
//! with no entry has not cleared). docs/civic-transactions.md gives the layouts.
//!
//! **Period figures** are flows: what moved between the places of a programme's
//! conservation law during one of its periods (period `n` is block time in
//! `[starts_at_ms + n × period_ms, starts_at_ms + (n + 1) × period_ms)`, the
//! period the cap counts in; block time before `starts_at_ms` counts in period
//! 0). Each field is one kind of move, so the figures and the programme's
//! balances move together exactly, as [`crate::invariants::check_figures`]
//! checks for every block:
//! `Δunreserved = budget − reserved + released + returned`,
//! `Δreserved = reserved − executed − released`,
//! `Δbeneficiary balances = executed − spent − returned`,
//! `Δmerchant balances = spent − redeemed`, `Δredeemed = redeemed`.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::clearing::Clearing;
use crate::energy::Settlement;
use crate::handler::{Failure, overflow};
use crate::keys;
use crate::state::{Overlay, StateRead};

/// What moved in one programme during one of its periods, in cents. Every
/// field only grows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct PeriodFigures {
    /// Budget allotted (the whole budget, in the period the programme was
    /// created in; no action adds budget later).
    pub budget_cents: u64,
    /// Reserved by orders made in the period (ordonnateur or recurring hook).
    pub reserved_cents: u64,
    /// Executed: paid from the reserve to beneficiaries' balances.
    pub executed_cents: u64,
    /// Spent by beneficiaries at merchants.
    pub spent_cents: u64,
    /// Redeemed by merchants (settlement claims on the collectivity).
    pub redeemed_cents: u64,
    /// Released from the reserve back to the unreserved budget: orders
    /// rejected, lapsed or cancelled by the closing sweep.
    pub released_cents: u64,
    /// Beneficiaries' unspent balances returned to the unreserved budget by
    /// the closing sweep.
    pub returned_cents: u64,
}

/// One kind of move of a programme's money (one field of [`PeriodFigures`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Budget allotted: nowhere → unreserved.
    Budget,
    /// An order: unreserved → reserved.
    Reserved,
    /// An execution: reserved → beneficiary balances.
    Executed,
    /// Spending: beneficiary balances → merchant balances.
    Spent,
    /// Redemption: merchant balances → redeemed.
    Redeemed,
    /// A rejected, lapsed or cancelled order: reserved → unreserved.
    Released,
    /// The closing sweep: beneficiary balances → unreserved.
    Returned,
}

impl PeriodFigures {
    fn field(&mut self, flow: Flow) -> &mut u64 {
        match flow {
            Flow::Budget => &mut self.budget_cents,
            Flow::Reserved => &mut self.reserved_cents,
            Flow::Executed => &mut self.executed_cents,
            Flow::Spent => &mut self.spent_cents,
            Flow::Redeemed => &mut self.redeemed_cents,
            Flow::Released => &mut self.released_cents,
            Flow::Returned => &mut self.returned_cents,
        }
    }
}

/// Adds `amount_cents` of `flow` to the programme's figures for `period`.
pub(crate) fn record<S: StateRead>(
    state: &mut Overlay<'_, S>,
    programme_id: u64,
    period: u64,
    flow: Flow,
    amount_cents: u64,
) -> Result<(), Failure> {
    let key = keys::period_figures(programme_id, period);
    let mut figures: PeriodFigures = state.get(&key)?.unwrap_or_default();
    let field = figures.field(flow);
    *field = field.checked_add(amount_cents).ok_or_else(overflow)?;
    state.put(key, &figures);
    Ok(())
}

/// A slot's public totals: the auction's result once cleared, the
/// settlement's totals once settled. Money in millicents, energy in Wh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SlotFigures {
    /// Uniform clearing price, millicents per Wh.
    pub price: u64,
    /// Energy traded, Wh.
    pub volume_wh: u64,
    /// Whether the slot is settled (the four totals below are 0 until then).
    pub settled: bool,
    /// Debited to buyers at the clearing price.
    pub paid_by_buyers: u64,
    /// Credited to sellers at the clearing price.
    pub paid_to_sellers: u64,
    /// Credited to the grid account: sellers' shortfalls at the grid price.
    pub grid_credit: u64,
    /// Debited to the grid account: buyers' excesses at the feed-in price.
    pub grid_debit: u64,
}

impl SlotFigures {
    /// The figures of a slot just cleared.
    pub fn cleared(clearing: &Clearing) -> SlotFigures {
        SlotFigures {
            price: clearing.price,
            volume_wh: clearing.volume_wh,
            ..SlotFigures::default()
        }
    }

    /// The figures of a slot settled: its clearing and its settlement's totals.
    pub fn settled(clearing: &Clearing, settlement: &Settlement) -> SlotFigures {
        SlotFigures {
            price: clearing.price,
            volume_wh: clearing.volume_wh,
            settled: true,
            paid_by_buyers: settlement.paid_by_buyers,
            paid_to_sellers: settlement.paid_to_sellers,
            grid_credit: settlement.grid.credit,
            grid_debit: settlement.grid.debit,
        }
    }
}
