//! Spending at accredited merchants, and merchants' redemption (which goes on
//! after a programme is frozen or closed).

use civitas_types::AccountId;

use super::*;
use crate::authority::authorise;
use crate::codes::Code;
use crate::figures::{self, Flow};
use crate::handler::{BlockContext, Failure, Outcome, overflow};
use crate::keys;
use crate::model::Role;
use crate::receipt::Event;
use crate::state::{Overlay, StateRead};

/// A beneficiary spends at a merchant accredited for one of the programme's categories.
pub fn spend<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: Spend,
) -> Outcome {
    let Spend {
        programme_id,
        merchant,
        amount_cents,
    } = action;
    let mut programme = active_programme(state, programme_id)?;
    if amount_cents == 0 {
        return Err(Code::InvalidAmount.into());
    }
    let mut beneficiary = live_beneficiary(state, programme_id, signer)?;
    let authorisation = authorise(
        state,
        &merchant,
        Role::Merchant,
        &scope_of(&programme, programme_id),
        context.time_ms,
    )
    .map_err(|failure| match failure {
        Failure::Rule(_) => Failure::Rule(Code::MerchantNotAccredited),
        fault => fault,
    })?;
    if !authorisation
        .grant
        .categories
        .iter()
        .any(|c| programme.rules.categories.contains(c))
    {
        return Err(Code::MerchantNotAccredited.into());
    }
    beneficiary.balance_cents = beneficiary
        .balance_cents
        .checked_sub(amount_cents)
        .ok_or(Failure::Rule(Code::InsufficientBalance))?;
    programme.beneficiary_balances_cents = programme
        .beneficiary_balances_cents
        .checked_sub(amount_cents)
        .ok_or_else(overflow)?;
    programme.merchant_balances_cents = programme
        .merchant_balances_cents
        .checked_add(amount_cents)
        .ok_or_else(overflow)?;
    let merchant_key = keys::merchant_balance(programme_id, &merchant);
    let balance = match state.get::<u64>(&merchant_key)? {
        Some(balance) => balance,
        None => {
            let n = programme.merchant_count;
            programme.merchant_count = n.checked_add(1).ok_or_else(overflow)?;
            state.put(keys::merchant_index(programme_id, n), &merchant);
            0
        }
    };
    state.put(
        merchant_key,
        &balance.checked_add(amount_cents).ok_or_else(overflow)?,
    );
    let period = programme.period_of(context.time_ms);
    figures::record(state, programme_id, period, Flow::Spent, amount_cents)?;
    state.put(keys::beneficiary(programme_id, signer), &beneficiary);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::AidSpent {
        programme_id,
        beneficiary: *signer,
        merchant,
        amount_cents,
    }])
}

/// A merchant redeems: its balance becomes a settlement claim on the collectivity.
pub fn redeem<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: Redeem,
) -> Outcome {
    let Redeem {
        programme_id,
        amount_cents,
    } = action;
    let mut programme = programme(state, programme_id)?;
    if amount_cents == 0 {
        return Err(Code::InvalidAmount.into());
    }
    let merchant_key = keys::merchant_balance(programme_id, signer);
    let balance: u64 = state.get(&merchant_key)?.unwrap_or(0);
    let rest = balance
        .checked_sub(amount_cents)
        .ok_or(Failure::Rule(Code::InsufficientBalance))?;
    programme.merchant_balances_cents = programme
        .merchant_balances_cents
        .checked_sub(amount_cents)
        .ok_or_else(overflow)?;
    programme.redeemed_cents = programme
        .redeemed_cents
        .checked_add(amount_cents)
        .ok_or_else(overflow)?;
    let period = programme.period_of(context.time_ms);
    figures::record(state, programme_id, period, Flow::Redeemed, amount_cents)?;
    state.put(merchant_key, &rest);
    state.put(keys::programme(programme_id), &programme);
    Ok(vec![Event::SettlementClaimed {
        programme_id,
        merchant: *signer,
        amount_cents,
    }])
}
