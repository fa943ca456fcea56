//! The workload's aid programme: created by the ordonnateur, beneficiaries
//! enrolled and ordered a disbursement, executed by the comptable (never the
//! ordonnateur), spent at the grocer, maybe redeemed by it.

use civitas_civic::action::{EnrolBeneficiary, ExecuteOrder, OrderDisbursement, Redeem, Spend};
use civitas_civic::aid::{Beneficiary, Order, OrderStatus, Programme, ProgrammeRules};
use civitas_civic::{Action, Overlay, StateRead, keys};
use civitas_types::{AccountId, BoundedVec, Hash, SigningKey};

use super::{
    DAY_MS, FOOD, GENESIS_TIME_MS, ID_SCAN_MAX, Office, Workload, account_of, derive, find_id,
    office_key, siren,
};
use crate::rng::SimRng;

impl Workload {
    pub(super) fn create_programme<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        // Valid from genesis for a year, periods of 30 days: every block of a
        // run is inside the window and in period 0, whatever the clocks.
        let rules = ProgrammeRules {
            collectivity: siren(0),
            budget_cents: rng.between(5, 20) * 100_000,
            cap_per_period_cents: 30_000,
            period_ms: 30 * DAY_MS,
            starts_at_ms: GENESIS_TIME_MS,
            ends_at_ms: GENESIS_TIME_MS + 365 * DAY_MS,
            categories: BoundedVec::try_from_vec(vec![FOOD]).ok()?,
            residency_required: false,
        };
        self.memory.programme_from = state.get(&keys::programme_counter()).ok()?.unwrap_or(0);
        self.memory.programme_rules = Some(rules.clone());
        Some(vec![(
            office_key(Office::Administrator),
            Action::CreateProgramme(rules),
        )])
    }

    fn programme<S: StateRead>(&mut self, state: &Overlay<'_, S>) -> Option<(u64, Programme)> {
        if self.memory.programme_id.is_none() {
            let rules = self.memory.programme_rules.clone()?;
            let from = self.memory.programme_from;
            self.memory.programme_id = find_id(state, &keys::programme_counter(), from, |id| {
                state
                    .get::<Programme>(&keys::programme(id))
                    .ok()
                    .flatten()
                    .is_some_and(|p| p.rules == rules)
            });
        }
        let id = self.memory.programme_id?;
        Some((id, state.get(&keys::programme(id)).ok()??))
    }

    pub(super) fn enrol<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (programme_id, programme) = self.programme(state)?;
        let administrator = office_key(Office::Administrator);
        let mut actions: Vec<(SigningKey, Action)> = (0..self.beneficiaries)
            .map(|b| {
                let enrol = EnrolBeneficiary {
                    programme_id,
                    beneficiary: account_of(&self.beneficiary_key(b)),
                    eligibility_commitment: Hash(derive("eligibility", self.seed, b)),
                };
                (administrator.clone(), Action::EnrolBeneficiary(enrol))
            })
            .collect();
        if self.merged {
            // The administrator's orders follow its enrolments in sequence
            // order, so they execute after them wherever they land.
            self.memory.orders_from = programme.next_order;
            actions.extend(self.orders(programme_id, &programme, rng));
        }
        Some(actions)
    }

    fn orders(
        &self,
        programme_id: u64,
        programme: &Programme,
        rng: &mut SimRng,
    ) -> Vec<(SigningKey, Action)> {
        let cap = programme.rules.cap_per_period_cents;
        (0..self.beneficiaries)
            .map(|b| {
                let order = OrderDisbursement {
                    programme_id,
                    beneficiary: account_of(&self.beneficiary_key(b)),
                    amount_cents: rng.between(cap / 10, cap),
                };
                (
                    office_key(Office::Administrator),
                    Action::OrderDisbursement(order),
                )
            })
            .collect()
    }

    pub(super) fn order<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (programme_id, programme) = self.programme(state)?;
        self.memory.orders_from = programme.next_order;
        Some(self.orders(programme_id, &programme, rng))
    }

    pub(super) fn execute<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (programme_id, programme) = self.programme(state)?;
        let ours: Vec<AccountId> = (0..self.beneficiaries)
            .map(|b| account_of(&self.beneficiary_key(b)))
            .collect();
        let from = self.memory.orders_from;
        let to = programme.next_order.min(from.saturating_add(ID_SCAN_MAX));
        let executions = (from..to)
            .filter(|order_id| {
                state
                    .get::<Order>(&keys::order(programme_id, *order_id))
                    .ok()
                    .flatten()
                    .is_some_and(|o| {
                        o.status == OrderStatus::Pending && ours.contains(&o.beneficiary)
                    })
            })
            .map(|order_id| {
                let execute = ExecuteOrder {
                    programme_id,
                    order_id,
                };
                (
                    office_key(Office::Accountant),
                    Action::ExecuteOrder(execute),
                )
            })
            .collect();
        Some(executions)
    }

    pub(super) fn spend<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (programme_id, _) = self.programme(state)?;
        let grocer = account_of(&office_key(Office::Grocer));
        let mut spending = Vec::new();
        for b in 0..self.beneficiaries {
            let key = self.beneficiary_key(b);
            let entry: Option<Beneficiary> = state
                .get(&keys::beneficiary(programme_id, &account_of(&key)))
                .ok()?;
            let balance = entry.map_or(0, |e| e.balance_cents);
            if balance == 0 {
                continue;
            }
            let spend = Spend {
                programme_id,
                merchant: grocer,
                amount_cents: rng.between(balance.div_ceil(2), balance),
            };
            spending.push((key, Action::Spend(spend)));
        }
        Some(spending)
    }

    pub(super) fn redeem<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let (programme_id, _) = self.programme(state)?;
        let grocer = office_key(Office::Grocer);
        let balance: u64 = state
            .get(&keys::merchant_balance(programme_id, &account_of(&grocer)))
            .ok()??;
        if balance == 0 {
            return None;
        }
        let redeem = Redeem {
            programme_id,
            amount_cents: rng.between(1, balance),
        };
        Some(vec![(grocer, Action::Redeem(redeem))])
    }
}
