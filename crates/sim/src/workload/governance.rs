//! The workload's council motion: one council account proposes it, then
//! exactly as many council accounts as passing needs vote for it. The motion
//! raises one raisable validator's power, as far as the quorum-safety rule
//! allows (checked by the rule's own code), or grants a merchant role when no
//! validator may be raised.

use civitas_civic::action::{Propose, Vote};
use civitas_civic::governance::{
    GovernanceAction, Proposal, ProposalStatus, check_validator_safety,
};
use civitas_civic::model::{ChainParameters, Collectivity, Role, Scope, ValidatorRegistry};
use civitas_civic::{Action, BlockContext, Overlay, StateRead, keys};
use civitas_types::{BoundedVec, Hash, SigningKey};

use super::{
    DAY_MS, Office, PHARMACY, Workload, account_of, council_key, derive, find_id, office_key,
    shuffle, siren,
};
use crate::rng::SimRng;

/// Most collectivities looked up when listing the council.
const COUNCIL_SCAN_MAX: usize = 64;

impl Workload {
    pub(super) fn propose<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        context: &BlockContext,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let members = council(state);
        let (proposer, _) = members.get(rng.below(members.len() as u64) as usize)?;
        let action = self
            .power_raise(state, rng)
            .unwrap_or_else(|| GovernanceAction::GrantRole {
                account: account_of(&office_key(Office::Pharmacy)),
                role: Role::Merchant,
                scope: Scope::Collectivity(siren(0)),
                categories: BoundedVec::try_from_vec(vec![PHARMACY]).unwrap_or_default(),
            });
        let deliberation = Hash(derive("deliberation", self.seed, 0));
        self.memory.proposal_from = state.get(&keys::proposal_counter()).ok()?.unwrap_or(0);
        self.memory.deliberation = Some(deliberation);
        self.motion = Some(action.clone());
        let propose = Propose {
            action,
            deliberation_hash: deliberation,
            // A day: votes delayed by any fault still count.
            expires_at_ms: context.time_ms.saturating_add(DAY_MS),
        };
        Some(vec![(council_key(*proposer), Action::Propose(propose))])
    }

    /// A raise of one `raisable` validator (preferably to 20 or 30) that keeps
    /// the quorum-safety rule, checked by the rule's own code.
    fn power_raise<S: StateRead>(
        &self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<GovernanceAction> {
        let registry: ValidatorRegistry = state.get(&keys::validators()).ok()??;
        let parameters: ChainParameters = state.get(&keys::parameters()).ok()??;
        let mut candidates = self.raisable.clone();
        shuffle(&mut candidates, rng);
        let preferred = if rng.chance(500) { [20, 30] } else { [30, 20] };
        for public_key in candidates {
            let Some(current) = registry.iter().find(|v| v.public_key == public_key) else {
                continue;
            };
            let powers = preferred
                .into_iter()
                .chain((current.power.saturating_add(1)..20).rev());
            for power in powers.filter(|p| *p > current.power) {
                let mut entries = registry.to_vec();
                for entry in &mut entries {
                    if entry.public_key == public_key {
                        entry.power = power;
                    }
                }
                if check_validator_safety(&entries, &parameters).is_ok() {
                    return Some(GovernanceAction::SetValidatorPower { public_key, power });
                }
            }
        }
        None
    }

    fn proposal_id<S: StateRead>(&mut self, state: &Overlay<'_, S>) -> Option<u64> {
        if self.memory.proposal_id.is_none() {
            let deliberation = self.memory.deliberation?;
            let from = self.memory.proposal_from;
            self.memory.proposal_id = find_id(state, &keys::proposal_counter(), from, |id| {
                state
                    .get::<Proposal>(&keys::proposal(id))
                    .ok()
                    .flatten()
                    .is_some_and(|p| p.deliberation_hash == deliberation)
            });
        }
        self.memory.proposal_id
    }

    pub(super) fn vote<S: StateRead>(
        &mut self,
        state: &Overlay<'_, S>,
        rng: &mut SimRng,
    ) -> Option<Vec<(SigningKey, Action)>> {
        let proposal_id = self.proposal_id(state)?;
        let proposal: Proposal = state.get(&keys::proposal(proposal_id)).ok()??;
        if proposal.status != ProposalStatus::Open {
            return None;
        }
        let total: u64 = state.get(&keys::council_power()).ok()??;
        let mut members: Vec<(usize, Collectivity)> = council(state)
            .into_iter()
            .filter(|(_, c)| {
                let vote = keys::proposal_vote(proposal_id, &c.siren);
                state.contains(&vote).is_ok_and(|voted| !voted)
            })
            .collect();
        // Strongest first (fewest votes), ties in a seeded order.
        shuffle(&mut members, rng);
        members.sort_by_key(|(_, c)| std::cmp::Reverse(c.voting_power));
        let mut in_favour = u128::from(proposal.power_in_favour);
        let mut votes = Vec::new();
        for (index, member) in members {
            if in_favour * 3 > u128::from(total) * 2 {
                break;
            }
            in_favour += u128::from(member.voting_power);
            let vote = Vote {
                proposal_id,
                in_favour: true,
            };
            votes.push((council_key(index), Action::Vote(vote)));
        }
        (in_favour * 3 > u128::from(total) * 2).then_some(votes)
    }

    pub(super) fn motion_executed<S: StateRead>(&mut self, state: &S) -> bool {
        let overlay = Overlay::new(state);
        let Some(id) = self.proposal_id(&overlay) else {
            return false;
        };
        overlay
            .get::<Proposal>(&keys::proposal(id))
            .ok()
            .flatten()
            .is_some_and(|p| {
                p.status == ProposalStatus::Executed
                    && matches!(p.action, GovernanceAction::SetValidatorPower { .. })
            })
    }
}

/// The council, in genesis order: (index, collectivity) for each collectivity
/// of [`siren`]`(i)` still present, up to the first absent one.
fn council<S: StateRead>(state: &Overlay<'_, S>) -> Vec<(usize, Collectivity)> {
    (0..COUNCIL_SCAN_MAX)
        .map_while(|i| {
            let collectivity = state
                .get::<Collectivity>(&keys::collectivity(&siren(i)))
                .ok()??;
            Some((i, collectivity))
        })
        .filter(|(i, c)| c.council_account == account_of(&council_key(*i)))
        .collect()
}
