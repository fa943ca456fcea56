//! `civitas_getCommunity` and `civitas_getSlot`: an energy community's rules
//! and a slot's public totals, read from the civic state (tables `0x41`
//! community, `0x48` slot figures), every entry with its proof against a
//! certified header.
//!
//! Only aggregates (docs/privacy.md, "Energy: half-hourly readings are
//! personal data"): a slot is answered from its figures (`0x48`: clearing
//! price, volume, settlement totals), never from its book (`0x43`), whose
//! proof would reveal every meter's orders and readings; meters (`0x42`) and
//! participants' accounts (`0x45`) are their holders' own data.

use civitas_civic::energy::Community;
use civitas_civic::figures::SlotFigures;
use civitas_types::{DecodeError, decode};
use serde::{Deserialize, Serialize};

use crate::state::{Certified, ProvenEntry};

/// `civitas_getCommunity`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommunityAnswer {
    /// The community id asked for.
    pub id: u64,
    /// The committed height whose state was read.
    pub height: u64,
    /// The community, or `null` if there is none with this id (the entry
    /// then proves its absence).
    pub community: Option<CommunityView>,
    /// The community entry (`0x41`), with its proof.
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against.
    pub certified: Certified,
}

/// An energy community's rules and progress. Prices in millicents per Wh
/// (numerically cents per kWh).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommunityView {
    /// SIREN of its collectivity.
    pub collectivity: u32,
    /// Slot length, ms.
    pub slot_ms: u64,
    /// Start of slot 0 (block time, ms since the Unix epoch).
    pub first_slot_ms: u64,
    /// Price at which the grid sells (shortfalls).
    pub grid_price: u64,
    /// Price at which the grid buys (excess).
    pub feed_in_price: u64,
    /// Meters registered so far.
    pub meter_count: u64,
    /// Slots with orders not yet cleared, increasing.
    pub pending_slots: Vec<u64>,
}

impl CommunityView {
    /// The view of a stored community's bytes.
    pub fn decode(bytes: &[u8]) -> Result<CommunityView, DecodeError> {
        let community: Community = decode(bytes)?;
        Ok(CommunityView {
            collectivity: community.collectivity.0,
            slot_ms: community.slot_ms,
            first_slot_ms: community.first_slot_ms,
            grid_price: community.grid_price,
            feed_in_price: community.feed_in_price,
            meter_count: community.next_meter,
            pending_slots: community.pending_slots.to_vec(),
        })
    }
}

/// `civitas_getSlot`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlotAnswer {
    /// The community asked about.
    pub community: u64,
    /// The slot asked about.
    pub slot: u64,
    /// The committed height whose state was read.
    pub height: u64,
    /// The slot's totals once it has cleared; `null` before (or for a
    /// community or slot that does not exist): the entry proves the absence.
    pub figures: Option<SlotFiguresView>,
    /// The slot-figures entry (`0x48`), with its proof.
    pub entries: Vec<ProvenEntry>,
    /// The header the proofs check against.
    pub certified: Certified,
}

/// A slot's public totals: the auction's result, then the settlement's.
/// Money in millicents and energy in Wh, as decimal strings.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openrpc", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlotFiguresView {
    /// Uniform clearing price, millicents per Wh.
    pub price: u64,
    /// Energy traded.
    pub volume_wh: String,
    /// Whether the slot is settled (the four totals below are 0 until then).
    pub settled: bool,
    /// Debited to buyers at the clearing price.
    pub paid_by_buyers: String,
    /// Credited to sellers at the clearing price.
    pub paid_to_sellers: String,
    /// Credited to the grid account: sellers' shortfalls at the grid price.
    pub grid_credit: String,
    /// Debited to the grid account: buyers' excesses at the feed-in price.
    pub grid_debit: String,
}

impl SlotFiguresView {
    /// The view of a stored slot figures' bytes.
    pub fn decode(bytes: &[u8]) -> Result<SlotFiguresView, DecodeError> {
        let figures: SlotFigures = decode(bytes)?;
        Ok(SlotFiguresView {
            price: figures.price,
            volume_wh: figures.volume_wh.to_string(),
            settled: figures.settled,
            paid_by_buyers: figures.paid_by_buyers.to_string(),
            paid_to_sellers: figures.paid_to_sellers.to_string(),
            grid_credit: figures.grid_credit.to_string(),
            grid_debit: figures.grid_debit.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use civitas_civic::model::Siren;
    use civitas_types::{BoundedVec, encode};

    use super::*;

    #[test]
    fn a_community_reads_as_stored() {
        let stored = Community {
            collectivity: Siren(219_900_016),
            slot_ms: 1_800_000,
            first_slot_ms: 3_600_000,
            grid_price: 25,
            feed_in_price: 6,
            next_meter: 2,
            pending_slots: BoundedVec::try_from_vec(vec![96, 97]).unwrap(),
        };
        let view = CommunityView::decode(&encode(&stored)).unwrap();
        assert_eq!(view.collectivity, 219_900_016);
        assert_eq!((view.slot_ms, view.first_slot_ms), (1_800_000, 3_600_000));
        assert_eq!((view.grid_price, view.feed_in_price), (25, 6));
        assert_eq!(view.meter_count, 2);
        assert_eq!(view.pending_slots, [96, 97]);
        assert!(CommunityView::decode(&[1, 2, 3]).is_err());
    }

    #[test]
    fn slot_figures_read_as_stored() {
        let stored = SlotFigures {
            price: 14,
            volume_wh: 1_500,
            settled: true,
            paid_by_buyers: 21_000,
            paid_to_sellers: 21_000,
            grid_credit: u64::MAX,
            grid_debit: 0,
        };
        let view = SlotFiguresView::decode(&encode(&stored)).unwrap();
        assert_eq!((view.price, view.volume_wh.as_str()), (14, "1500"));
        assert!(view.settled);
        assert_eq!(view.paid_by_buyers, "21000");
        assert_eq!(view.grid_credit, u64::MAX.to_string());
        assert!(SlotFiguresView::decode(&[1]).is_err());
    }
}
