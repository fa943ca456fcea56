//! Social aid actions: programmes, beneficiaries, orders and their
//! execution, spending at merchants, redemption, recurring disbursements.

use civitas_civic::Action;
use civitas_civic::action::{
    CloseProgramme, EnrolBeneficiary, ExecuteOrder, OrderDisbursement, Redeem, RejectOrder,
    RevokeBeneficiary, ScheduleRecurring, Spend, SuspendRecurring,
};
use civitas_civic::aid::ProgrammeRules;
use clap::{Args, Subcommand};

use super::{Built, bounded};
use crate::exit::CliError;
use crate::tx::parse;

/// Social aid actions.
#[derive(Subcommand, Debug)]
pub enum AidCommand {
    /// Create a programme (aid administrator of the collectivity).
    #[command(
        after_help = "Example:\n  civitas tx aid create-programme --key aid-administrator --collectivity 219900016 --budget 50000 --cap-per-period 150 --period 30d --starts 2027-01-01 --ends 2031-12-31 --category 5411 --category 5912 --wait"
    )]
    CreateProgramme(CreateProgrammeArgs),
    /// Enrol a beneficiary's programme key (aid administrator).
    #[command(
        after_help = "Example:\n  civitas tx aid enrol --key aid-administrator --programme 0 --beneficiary civ1g78sgtay59pg45zzm4uhgwcz2suqa6xtstcldhuyvryjmupcc2dsa7h8jw --commitment 5f1c0a3e9b7d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468 --wait"
    )]
    Enrol(EnrolArgs),
    /// Revoke a beneficiary (aid administrator).
    #[command(
        after_help = "Example:\n  civitas tx aid revoke-beneficiary --key aid-administrator --programme 0 --beneficiary civ1g78sgtay59pg45zzm4uhgwcz2suqa6xtstcldhuyvryjmupcc2dsa7h8jw --wait"
    )]
    RevokeBeneficiary(BeneficiaryArgs),
    /// Order a disbursement to a beneficiary (ordonnateur: aid administrator).
    #[command(
        after_help = "Examples:\n  civitas tx aid order --key aid-administrator --programme 0 --beneficiary civ19wukzc35wxf04fthp0akv5taft4cerwvgkyl5e87zjzm7kzzvw3q0eekdp --amount 120 --wait\n  civitas tx aid order --key aid-administrator --programme 0 --beneficiary civ1e3uqzyf6vvx8zwds2ze9c5u2z0s4eayd76ptcn9n2lnnm04h528qqfwgfk --amount 40 --wait"
    )]
    Order(AmountToArgs),
    /// Execute an order (comptable: aid accountant, never its orderer).
    #[command(
        after_help = "Example:\n  civitas tx aid execute --key aid-accountant --programme 0 --order 1 --wait"
    )]
    Execute(OrderArgs),
    /// Reject an order (aid accountant), with a reason code.
    #[command(
        after_help = "Example:\n  civitas tx aid reject --key aid-accountant --programme 0 --order 2 --reason 2 --wait"
    )]
    Reject(RejectArgs),
    /// Spend at an accredited merchant (beneficiary; a citizen's secret signs
    /// with its key for this programme).
    #[command(
        after_help = "Example:\n  civitas tx aid spend --key resident-2-aid --programme 0 --merchant civ1na53v0arjhhr9n5eyw983l7fahx0dvwpuu0x7lzsze34cpd35utqm6gnvz --amount 12.50 --wait"
    )]
    Spend(SpendArgs),
    /// Redeem a merchant's balance (merchant).
    #[command(
        after_help = "Example:\n  civitas tx aid redeem --key grocer --programme 0 --amount 12.50 --wait"
    )]
    Redeem(RedeemArgs),
    /// Close a programme: nothing more is ordered or spent (aid administrator).
    #[command(
        after_help = "Example:\n  civitas tx aid close --key aid-administrator --programme 1 --wait"
    )]
    Close(ProgrammeArgs),
    /// Schedule a disbursement every period (aid administrator).
    #[command(
        after_help = "Example:\n  civitas tx aid schedule --key aid-administrator --programme 0 --beneficiary civ19wukzc35wxf04fthp0akv5taft4cerwvgkyl5e87zjzm7kzzvw3q0eekdp --amount 50 --wait"
    )]
    Schedule(AmountToArgs),
    /// Suspend a recurring disbursement (aid administrator).
    #[command(
        after_help = "Example:\n  civitas tx aid suspend --key aid-administrator --programme 0 --schedule 0 --wait"
    )]
    Suspend(SuspendArgs),
}

/// `create-programme`.
#[derive(Args, Debug)]
pub struct CreateProgrammeArgs {
    /// The collectivity's SIREN.
    #[arg(long)]
    collectivity: u32,
    /// The whole budget, in euros.
    #[arg(long)]
    budget: String,
    /// What one beneficiary may receive per period, in euros.
    #[arg(long)]
    cap_per_period: String,
    /// The period (e.g. 30d).
    #[arg(long)]
    period: String,
    /// When spending opens (2027-01-01 or milliseconds).
    #[arg(long)]
    starts: String,
    /// When the programme ends.
    #[arg(long)]
    ends: String,
    /// A spending category merchants may be accredited for, repeated.
    #[arg(long = "category")]
    categories: Vec<u16>,
    /// Beneficiaries must be enrolled residents.
    #[arg(long)]
    residency_required: bool,
}

/// A programme.
#[derive(Args, Debug)]
pub struct ProgrammeArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
}

/// `enrol`.
#[derive(Args, Debug)]
pub struct EnrolArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
    /// The beneficiary's programme key (`civitas keys derive --programme N`).
    #[arg(long)]
    beneficiary: String,
    /// The eligibility commitment, H(salt ‖ eligibility file) (hex).
    #[arg(long)]
    commitment: String,
}

/// A beneficiary of a programme.
#[derive(Args, Debug)]
pub struct BeneficiaryArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
    /// The beneficiary.
    #[arg(long)]
    beneficiary: String,
}

/// An amount for a beneficiary.
#[derive(Args, Debug)]
pub struct AmountToArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
    /// The beneficiary.
    #[arg(long)]
    beneficiary: String,
    /// In euros.
    #[arg(long)]
    amount: String,
}

/// An order.
#[derive(Args, Debug)]
pub struct OrderArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
    /// The order number (in the receipt of `aid order`).
    #[arg(long)]
    order: u64,
}

/// `reject`.
#[derive(Args, Debug)]
pub struct RejectArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
    /// The order number.
    #[arg(long)]
    order: u64,
    /// The collectivity's reason code.
    #[arg(long)]
    reason: u16,
}

/// `spend`.
#[derive(Args, Debug)]
pub struct SpendArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
    /// The merchant's address.
    #[arg(long)]
    merchant: String,
    /// In euros.
    #[arg(long)]
    amount: String,
}

/// `redeem`.
#[derive(Args, Debug)]
pub struct RedeemArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
    /// In euros.
    #[arg(long)]
    amount: String,
}

/// `suspend`.
#[derive(Args, Debug)]
pub struct SuspendArgs {
    /// The programme id.
    #[arg(long)]
    programme: u64,
    /// The schedule number.
    #[arg(long)]
    schedule: u64,
}

impl AidCommand {
    /// The action.
    pub fn build(&self) -> Result<Built, CliError> {
        let action = match self {
            AidCommand::CreateProgramme(a) => Action::CreateProgramme(ProgrammeRules {
                collectivity: parse::siren(a.collectivity)?,
                budget_cents: parse::cents(&a.budget)?,
                cap_per_period_cents: parse::cents(&a.cap_per_period)?,
                period_ms: parse::duration_ms(&a.period)?,
                starts_at_ms: parse::time_ms(&a.starts)?,
                ends_at_ms: parse::time_ms(&a.ends)?,
                categories: bounded("categories", a.categories.clone())?,
                residency_required: a.residency_required,
            }),
            AidCommand::Enrol(a) => Action::EnrolBeneficiary(EnrolBeneficiary {
                programme_id: a.programme,
                beneficiary: parse::account(&a.beneficiary)?,
                eligibility_commitment: parse::hash("the commitment", &a.commitment)?,
            }),
            AidCommand::RevokeBeneficiary(a) => Action::RevokeBeneficiary(RevokeBeneficiary {
                programme_id: a.programme,
                beneficiary: parse::account(&a.beneficiary)?,
            }),
            AidCommand::Order(a) => Action::OrderDisbursement(OrderDisbursement {
                programme_id: a.programme,
                beneficiary: parse::account(&a.beneficiary)?,
                amount_cents: parse::cents(&a.amount)?,
            }),
            AidCommand::Execute(a) => Action::ExecuteOrder(ExecuteOrder {
                programme_id: a.programme,
                order_id: a.order,
            }),
            AidCommand::Reject(a) => Action::RejectOrder(RejectOrder {
                programme_id: a.programme,
                order_id: a.order,
                reason_code: a.reason,
            }),
            AidCommand::Spend(a) => {
                return Ok(Built::derived(Action::Spend(Spend {
                    programme_id: a.programme,
                    merchant: parse::account(&a.merchant)?,
                    amount_cents: parse::cents(&a.amount)?,
                })));
            }
            AidCommand::Redeem(a) => Action::Redeem(Redeem {
                programme_id: a.programme,
                amount_cents: parse::cents(&a.amount)?,
            }),
            AidCommand::Close(a) => Action::CloseProgramme(CloseProgramme {
                programme_id: a.programme,
            }),
            AidCommand::Schedule(a) => Action::ScheduleRecurring(ScheduleRecurring {
                programme_id: a.programme,
                beneficiary: parse::account(&a.beneficiary)?,
                amount_cents: parse::cents(&a.amount)?,
            }),
            AidCommand::Suspend(a) => Action::SuspendRecurring(SuspendRecurring {
                programme_id: a.programme,
                schedule_id: a.schedule,
            }),
        };
        Ok(Built::identity(action))
    }
}
