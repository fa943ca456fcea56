//! Local energy actions: communities, meters, orders for future slots,
//! attestations of ended slots, settlement. Prices are millicents per Wh.

use civitas_civic::Action;
use civitas_civic::action::{
    AttestMeter, CancelEnergyOrder, CreateCommunity, PlaceEnergyOrder, RegisterMeter, SettleSlot,
};
use civitas_civic::clearing::Side;
use clap::{Args, Subcommand};

use super::Built;
use crate::exit::CliError;
use crate::tx::parse;

/// Local energy actions.
#[derive(Subcommand, Debug)]
pub enum EnergyCommand {
    /// Create an energy community (energy operator of the collectivity).
    #[command(
        after_help = "Example:\n  civitas tx energy create-community --key energy-operator --collectivity 219900016 --slot-length 15m --first-slot 2026-01-01 --grid-price 25 --feed-in-price 6 --wait"
    )]
    CreateCommunity(CreateCommunityArgs),
    /// Register a meter and its owner's community key (energy operator).
    #[command(
        after_help = "Example:\n  civitas tx energy register-meter --key energy-operator --community 1 --commitment 6899d74415a9191c18340868bd05ec9cd49d6e3514a31eea38f69cbdd99c6e45 --owner civ1na53v0arjhhr9n5eyw983l7fahx0dvwpuu0x7lzsze34cpd35utqm6gnvz --wait"
    )]
    RegisterMeter(RegisterMeterArgs),
    /// Offer or ask energy for a future slot (meter owner; a citizen's secret
    /// signs with its key for this community).
    #[command(
        after_help = "Example:\n  civitas tx energy order --key resident-1-energy --community 0 --slot 96 --meter 0 --sell --energy 1500 --limit-price 12 --wait"
    )]
    Order(OrderArgs),
    /// Cancel an order before its slot's gate closes (meter owner).
    #[command(
        after_help = "Example:\n  civitas tx energy cancel --key resident-1-energy --community 0 --slot 96 --order 2 --wait"
    )]
    Cancel(CancelArgs),
    /// Attest what a meter produced and consumed in an ended slot (energy operator).
    #[command(
        after_help = "Example:\n  civitas tx energy attest --key energy-operator --community 1 --slot 0 --meter 0 --produced 1400 --consumed 200 --wait"
    )]
    Attest(AttestArgs),
    /// Settle a cleared, attested slot (energy operator).
    #[command(
        after_help = "Example:\n  civitas tx energy settle --key energy-operator --community 1 --slot 0 --wait"
    )]
    Settle(SlotArgs),
}

/// `create-community`.
#[derive(Args, Debug)]
pub struct CreateCommunityArgs {
    /// The collectivity's SIREN.
    #[arg(long)]
    collectivity: u32,
    /// Length of a slot (e.g. 15m).
    #[arg(long)]
    slot_length: String,
    /// Start of slot 0 (2027-01-01 or milliseconds, block time).
    #[arg(long)]
    first_slot: String,
    /// The grid's selling price, millicents per Wh.
    #[arg(long)]
    grid_price: u64,
    /// The grid's buying (feed-in) price, millicents per Wh.
    #[arg(long)]
    feed_in_price: u64,
}

/// `register-meter`.
#[derive(Args, Debug)]
pub struct RegisterMeterArgs {
    /// The community id.
    #[arg(long)]
    community: u64,
    /// The meter-point commitment, H(salt ‖ meter point) (hex).
    #[arg(long)]
    commitment: String,
    /// The owner's community key (`civitas keys derive --community N`).
    #[arg(long)]
    owner: String,
}

/// `order`.
#[derive(Args, Debug)]
pub struct OrderArgs {
    /// The community id.
    #[arg(long)]
    community: u64,
    /// The slot number.
    #[arg(long)]
    slot: u64,
    /// The meter id.
    #[arg(long)]
    meter: u64,
    /// Ask for energy.
    #[arg(long, conflicts_with = "sell", required_unless_present = "sell")]
    buy: bool,
    /// Offer energy.
    #[arg(long)]
    sell: bool,
    /// Energy, Wh.
    #[arg(long)]
    energy: u64,
    /// Limit price, millicents per Wh.
    #[arg(long)]
    limit_price: u64,
}

/// `cancel`.
#[derive(Args, Debug)]
pub struct CancelArgs {
    /// The community id.
    #[arg(long)]
    community: u64,
    /// The slot number.
    #[arg(long)]
    slot: u64,
    /// The order's position in the slot's book (in the order's receipt).
    #[arg(long)]
    order: u32,
}

/// `attest`.
#[derive(Args, Debug)]
pub struct AttestArgs {
    /// The community id.
    #[arg(long)]
    community: u64,
    /// The slot number.
    #[arg(long)]
    slot: u64,
    /// The meter id.
    #[arg(long)]
    meter: u64,
    /// Energy produced in the slot, Wh.
    #[arg(long)]
    produced: u64,
    /// Energy consumed in the slot, Wh.
    #[arg(long)]
    consumed: u64,
}

/// A slot of a community.
#[derive(Args, Debug)]
pub struct SlotArgs {
    /// The community id.
    #[arg(long)]
    community: u64,
    /// The slot number.
    #[arg(long)]
    slot: u64,
}

impl EnergyCommand {
    /// The action.
    pub fn build(&self) -> Result<Built, CliError> {
        let action = match self {
            EnergyCommand::CreateCommunity(a) => Action::CreateCommunity(CreateCommunity {
                collectivity: parse::siren(a.collectivity)?,
                slot_ms: parse::duration_ms(&a.slot_length)?,
                first_slot_ms: parse::time_ms(&a.first_slot)?,
                grid_price: a.grid_price,
                feed_in_price: a.feed_in_price,
            }),
            EnergyCommand::RegisterMeter(a) => Action::RegisterMeter(RegisterMeter {
                community_id: a.community,
                commitment: parse::hash("the commitment", &a.commitment)?,
                owner: parse::account(&a.owner)?,
            }),
            EnergyCommand::Order(a) => {
                return Ok(Built::derived(Action::PlaceEnergyOrder(PlaceEnergyOrder {
                    community_id: a.community,
                    slot: a.slot,
                    meter_id: a.meter,
                    side: if a.sell { Side::Sell } else { Side::Buy },
                    energy_wh: a.energy,
                    limit_price: a.limit_price,
                })));
            }
            EnergyCommand::Cancel(a) => {
                return Ok(Built::derived(Action::CancelEnergyOrder(
                    CancelEnergyOrder {
                        community_id: a.community,
                        slot: a.slot,
                        order_number: a.order,
                    },
                )));
            }
            EnergyCommand::Attest(a) => Action::AttestMeter(AttestMeter {
                community_id: a.community,
                slot: a.slot,
                meter_id: a.meter,
                produced_wh: a.produced,
                consumed_wh: a.consumed,
            }),
            EnergyCommand::Settle(a) => Action::SettleSlot(SettleSlot {
                community_id: a.community,
                slot: a.slot,
            }),
        };
        Ok(Built::identity(action))
    }
}
