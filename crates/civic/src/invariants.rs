//! The laws an auditor runs after every block: each check reads state values
//! and says, with a typed [`Violation`], which law a block broke. Pure, no
//! panics: a check that cannot even finish its arithmetic reports that as a
//! violation too. [`check_block`] runs the per-block checks on what a block
//! wrote; [`check_programme_entries`] also sums a programme's individual
//! entries (its cost grows with the programme, so an auditor runs it at the end
//! of a run or periodically).
//!
//! **Aid** ([`check_programme`], [`check_programme_entries`]): the conservation
//! law `budget = unreserved + reserved + Σ beneficiary balances + Σ merchant
//! balances + redeemed` on the programme's record; a closed programme holds no
//! reserve and no beneficiary balance; and, over the entries, the reserve is
//! the sum of the pending orders, the recorded sums are the sums of the
//! individual balances, and no beneficiary is above the cap in its period.
//!
//! **Energy** ([`check_energy_slot`]), for a cleared slot:
//! - fills: each names an uncancelled order, within its quantity and limit
//!   (buy limit ≥ price ≥ sell limit); buy fills and sell fills each sum to the
//!   volume; each meter's fills on a side are within its orders' quantities;
//! - once settled, the lines [`Settlement::of_slot`] computes from the slot
//!   book (the lines `SettleSlot` books; the booking into the energy accounts
//!   of table 0x45 is not read here, the property tests check it) are
//!   checked against figures recomputed here, per meter and side,
//!   from the fills and attestations: each seller is paid, net of its
//!   shortfall charged at the grid price, for `min(sold, produced)` Wh — never
//!   more than it produced; each buyer is charged, net of its excess credited
//!   at the feed-in price, for `min(bought, consumed)` Wh, the grid taking the
//!   difference; sellers are credited exactly what buyers are debited,
//!   `price × volume`; the grid account is credited the sellers' shortfall
//!   debits and debited the buyers' excess credits.
//!
//! **Figures** ([`check_figures`], on a block with the states before and
//! after it): for every programme the block touched, the figures it added
//! (table `0x3c`, [`crate::figures`]) equal the moves of the programme's
//! balances — budget, unreserved, reserved, beneficiary and merchant balances,
//! redeemed, each moved by exactly the combination of flows the figures module
//! gives — and no figure shrinks; for every slot the block touched, its figures
//! (table `0x48`) are its book's clearing price and volume and, once settled,
//! the totals [`Settlement::of_slot`](crate::energy::Settlement::of_slot) computes.

mod aid;
mod energy;
mod figures;

pub use aid::{check_block, check_programme, check_programme_entries};
pub use energy::check_energy_slot;
pub use figures::{check_figures, check_programme_figures, slot_figures_of};

use civitas_types::AccountId;

use crate::clearing::{Line, Side};
use crate::codes::Code;
use crate::figures::SlotFigures;
use crate::state::StateFault;

/// Why a check that reads the state could not say yes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// A law is broken.
    #[error(transparent)]
    Broken(#[from] Violation),
    /// The state could not be read (a local fault, not a verdict on the chain).
    #[error(transparent)]
    Fault(#[from] StateFault),
}

/// A broken law: what broke and the figures that show it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// A fill names no order, or a cancelled one.
    #[error("energy: order {order_number} is filled but does not exist or was cancelled")]
    EnergyFillWithoutOrder {
        /// Position of the order in its slot's book (0, 1, …).
        order_number: u32,
    },
    /// A fill exceeds its order's quantity or crosses its limit.
    #[error(
        "energy: order {order_number} is filled {filled_wh} Wh at price {price}, beyond its quantity or limit"
    )]
    EnergyFillBeyondOrder {
        /// Position of the order in its slot's book (0, 1, …).
        order_number: u32,
        /// Its fill, Wh.
        filled_wh: u64,
        /// The clearing price, millicents per Wh.
        price: u64,
    },
    /// One side's fills do not sum to the slot's volume.
    #[error("energy: {side:?} fills sum to {filled_wh} Wh, the volume is {volume_wh} Wh")]
    EnergyFillsOffVolume {
        /// `Buy` (takes energy) or `Sell` (offers it).
        side: Side,
        /// Sum of that side's fills, Wh.
        filled_wh: u64,
        /// The clearing's volume, Wh.
        volume_wh: u64,
    },
    /// A meter's fills on a side exceed what its orders on that side asked for.
    #[error(
        "energy: meter {meter_id} is filled {filled_wh} Wh on {side:?}, its orders ask {ordered_wh} Wh"
    )]
    EnergyMeterOverfilled {
        /// Meter id within the community, in order of registration (0, 1, …).
        meter_id: u64,
        /// `Buy` (takes energy) or `Sell` (offers it).
        side: Side,
        /// Its fills on that side, Wh.
        filled_wh: u64,
        /// Its uncancelled orders' quantities on that side, Wh.
        ordered_wh: u64,
    },
    /// A settled slot whose settlement cannot be computed.
    #[error("energy: the slot is settled but its settlement fails with code {code:?}")]
    EnergySettledWithoutSettlement {
        /// Why the settlement fails (e.g. a meter with fills is not attested).
        code: Code,
    },
    /// A (meter, side) with fills has other than one settlement line, or its line
    /// settles other than the sum of its fills.
    #[error(
        "energy: meter {meter_id} has {lines} {side:?} line(s) settling {settled_wh} Wh, its fills sum to {filled_wh} Wh"
    )]
    EnergyLineOffFills {
        /// Meter id within the community, in order of registration (0, 1, …).
        meter_id: u64,
        /// `Buy` (takes energy) or `Sell` (offers it).
        side: Side,
        /// How many lines the settlement has for it (one is right).
        lines: usize,
        /// The energy those lines settle, Wh.
        settled_wh: u64,
        /// Its fills on that side, summed, Wh.
        filled_wh: u64,
    },
    /// A seller is paid, net of its shortfall, for other than `min(sold, produced)`.
    #[error(
        "energy: seller meter {meter_id} sold {sold_wh} Wh, produced {produced_wh} Wh, is paid net for {paid_wh} Wh"
    )]
    EnergySellerPaidOffProduction {
        /// Meter id within the community, in order of registration (0, 1, …).
        meter_id: u64,
        /// Its fills on the sell side, Wh.
        sold_wh: u64,
        /// Its attested production, Wh.
        produced_wh: u64,
        /// What it is paid for net of the shortfall charged, Wh.
        paid_wh: u64,
    },
    /// A buyer is charged, net of its excess, for other than `min(bought, consumed)`.
    #[error(
        "energy: buyer meter {meter_id} bought {bought_wh} Wh, consumed {consumed_wh} Wh, is charged net for {charged_wh} Wh"
    )]
    EnergyBuyerChargedOffConsumption {
        /// Meter id within the community, in order of registration (0, 1, …).
        meter_id: u64,
        /// Its fills on the buy side, Wh.
        bought_wh: u64,
        /// Its attested consumption, Wh.
        consumed_wh: u64,
        /// What it is charged for net of the excess credited, Wh.
        charged_wh: u64,
    },
    /// A meter's money is not its energy at the community's prices.
    #[error("energy: meter {meter_id}'s {side:?} line {found:?} should be {expected:?}")]
    EnergyLineOffPrices {
        /// Meter id within the community, in order of registration (0, 1, …).
        meter_id: u64,
        /// `Buy` (takes energy) or `Sell` (offers it).
        side: Side,
        /// The line booked, millicents.
        found: Line,
        /// The line its energy gives at the community's prices, millicents.
        expected: Line,
    },
    /// Sellers are not credited exactly what buyers are debited, `price × volume`.
    #[error(
        "energy: sellers are credited {paid_to_sellers}, buyers debited {paid_by_buyers}, price × volume is {traded}"
    )]
    EnergyMoneyNotConserved {
        /// Credited to sellers at the clearing price, millicents.
        paid_to_sellers: u64,
        /// Debited to buyers at the clearing price, millicents.
        paid_by_buyers: u64,
        /// Price × volume, millicents.
        traded: u64,
    },
    /// The grid account's line is not the sum of shortfall debits and excess credits.
    #[error("energy: the grid line {grid:?} should be {expected:?}")]
    EnergyGridOffLines {
        /// The grid line booked, millicents.
        grid: Line,
        /// Credit: sellers' shortfall debits; debit: buyers' excess credits, millicents.
        expected: Line,
    },
    /// A programme's money does not add up to its budget.
    #[error(
        "aid: programme {programme_id} accounts for {accounted_cents:?} cents of its {budget_cents}-cent budget"
    )]
    AidNotConserved {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Its budget, cents.
        budget_cents: u64,
        /// unreserved + reserved + balances + redeemed, cents (`None`: overflows).
        accounted_cents: Option<u64>,
    },
    /// A closed programme still holds a reserve or beneficiary balances.
    #[error(
        "aid: closed programme {programme_id} still holds {held_cents} cents for beneficiaries"
    )]
    AidClosedWithBalances {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Reserved plus beneficiary balances, cents.
        held_cents: u64,
    },
    /// A programme's recorded figure differs from the sum of its entries.
    #[error(
        "aid: programme {programme_id} records {recorded_cents} cents of {what}, its entries sum to {entries_cents}"
    )]
    AidFigureOffEntries {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Which figure: `reserved`, `beneficiary balances` or `merchant balances`.
        what: &'static str,
        /// The figure on the programme's record, cents.
        recorded_cents: u64,
        /// The sum of the entries, cents.
        entries_cents: u64,
    },
    /// A beneficiary was ordered more than the cap in a period.
    #[error(
        "aid: beneficiary {beneficiary} of programme {programme_id} is ordered {ordered_cents} cents in a period, the cap is {cap_cents}"
    )]
    AidCapExceeded {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// The beneficiary's account: a pseudonym serving this programme only.
        beneficiary: AccountId,
        /// Ordered in its current period, cents.
        ordered_cents: u64,
        /// The programme's cap per period, cents.
        cap_cents: u64,
    },
    /// An index entry the rules maintain is missing (beneficiary or merchant index).
    #[error("aid: programme {programme_id}'s {what} index has no entry {position}")]
    AidIndexGap {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Which index.
        what: &'static str,
        /// The missing position.
        position: u64,
    },
    /// A programme's balance moved otherwise than its period figures say.
    #[error(
        "aid: programme {programme_id}'s {balance} moved by {moved_cents} cents in the block, its figures say {figures_cents}"
    )]
    AidFiguresOffBalances {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// Which balance: `budget`, `unreserved`, `reserved`, `beneficiary
        /// balances`, `merchant balances` or `redeemed`.
        balance: &'static str,
        /// How much it moved (after − before), cents.
        moved_cents: i128,
        /// How much the figures the block added say it moved, cents.
        figures_cents: i128,
    },
    /// A period figure went down (figures only add up what moved).
    #[error(
        "aid: a period figure of programme {programme_id} went from {before_cents} to {after_cents} cents"
    )]
    AidFigureShrank {
        /// Programme id, assigned at creation (0, 1, …).
        programme_id: u64,
        /// The figure before the block, cents.
        before_cents: u64,
        /// The figure after it, cents.
        after_cents: u64,
    },
    /// A slot's figures are not its book's clearing and settlement totals.
    #[error(
        "energy: slot {slot} of community {community_id} has figures {figures:?}, its book gives {expected:?}"
    )]
    EnergyFiguresOffBook {
        /// Community id, assigned at creation (0, 1, …).
        community_id: u64,
        /// Slot number.
        slot: u64,
        /// The figures in state (table `0x48`); boxed to keep `Violation` small.
        figures: Box<Option<SlotFigures>>,
        /// The figures its book gives.
        expected: Box<Option<SlotFigures>>,
    },
    /// A sum overflowed while checking (impossible within the protocol's bounds).
    #[error("a sum overflowed while checking the laws")]
    Overflow,
}
