//! Beneficiaries of a programme: enrolment (once per key, residency attested per
//! key), revocation, and the checks that an account may still receive aid.

use civitas_types::AccountId;

use super::*;
use crate::authority::authorise;
use crate::codes::Code;
use crate::handler::{BlockContext, Failure, Outcome, overflow};
use crate::keys;
use crate::model::Role;
use crate::receipt::Event;
use crate::state::{Overlay, StateRead};

/// Enrols a beneficiary; the signer is an AidAdministrator of the programme.
pub fn enrol_beneficiary<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: EnrolBeneficiary,
) -> Outcome {
    let EnrolBeneficiary {
        programme_id,
        beneficiary,
        eligibility_commitment,
    } = action;
    let programme = open_programme(state, programme_id)?;
    authorise(
        state,
        signer,
        Role::AidAdministrator,
        &scope_of(&programme, programme_id),
        context.time_ms,
    )?;
    if programme.rules.residency_required {
        require_resident(state, &programme.rules.collectivity, &beneficiary)?;
    }
    let key = keys::beneficiary(programme_id, &beneficiary);
    let existing = state.get::<Beneficiary>(&key)?;
    if existing.as_ref().is_some_and(|b| !b.revoked) {
        return Err(Code::AlreadyBeneficiary.into());
    }
    pseudonyms::claim(state, &beneficiary, scope_of(&programme, programme_id))?;
    // A revoked beneficiary enrolled again keeps its balance and what it was
    // ordered in the current period: the money stays accounted for, and the
    // cap cannot be reset by revoking and enrolling again.
    let entry = match existing {
        Some(revoked) => Beneficiary {
            eligibility_commitment,
            revoked: false,
            enrolment: revoked.enrolment.checked_add(1).ok_or_else(overflow)?,
            ..revoked
        },
        None => {
            index_beneficiary(state, programme, programme_id, &beneficiary)?;
            Beneficiary {
                eligibility_commitment,
                balance_cents: 0,
                period: 0,
                ordered_in_period_cents: 0,
                revoked: false,
                enrolment: 1,
            }
        }
    };
    state.put(key, &entry);
    Ok(vec![Event::BeneficiaryEnrolled {
        programme_id,
        beneficiary,
    }])
}

/// Appends a newly enrolled account to the programme's beneficiary index.
fn index_beneficiary<S: StateRead>(
    state: &mut Overlay<'_, S>,
    mut programme: Programme,
    programme_id: u64,
    beneficiary: &AccountId,
) -> Result<(), Failure> {
    let n = programme.beneficiary_count;
    programme.beneficiary_count = n.checked_add(1).ok_or_else(overflow)?;
    state.put(keys::beneficiary_index(programme_id, n), beneficiary);
    state.put(keys::programme(programme_id), &programme);
    Ok(())
}

/// The live residency enrolment of `account` in `collectivity`.
pub(crate) fn require_resident<S: StateRead>(
    state: &Overlay<'_, S>,
    collectivity: &Siren,
    account: &AccountId,
) -> Result<Resident, Failure> {
    match state.get::<Resident>(&keys::resident(collectivity, account))? {
        Some(resident) if resident.revoked.is_none() => Ok(resident),
        Some(_) => Err(Code::ResidentRevoked.into()),
        None => Err(Code::NotEnrolled.into()),
    }
}

/// Revokes a beneficiary: no new orders or spending; its balance stays in the sum
/// until the programme closes.
pub fn revoke_beneficiary<S: StateRead>(
    state: &mut Overlay<'_, S>,
    context: &BlockContext,
    signer: &AccountId,
    action: RevokeBeneficiary,
) -> Outcome {
    let RevokeBeneficiary {
        programme_id,
        beneficiary,
    } = action;
    let programme = open_programme(state, programme_id)?;
    authorise(
        state,
        signer,
        Role::AidAdministrator,
        &scope_of(&programme, programme_id),
        context.time_ms,
    )?;
    let key = keys::beneficiary(programme_id, &beneficiary);
    let mut entry = live_beneficiary(state, programme_id, &beneficiary)?;
    entry.revoked = true;
    state.put(key, &entry);
    Ok(vec![Event::BeneficiaryRevoked {
        programme_id,
        beneficiary,
    }])
}

pub(crate) fn live_beneficiary<S: StateRead>(
    state: &Overlay<'_, S>,
    programme_id: u64,
    beneficiary: &AccountId,
) -> Result<Beneficiary, Failure> {
    let entry = state
        .get::<Beneficiary>(&keys::beneficiary(programme_id, beneficiary))?
        .ok_or(Failure::Rule(Code::NotBeneficiary))?;
    if entry.revoked {
        return Err(Code::BeneficiaryRevoked.into());
    }
    Ok(entry)
}
