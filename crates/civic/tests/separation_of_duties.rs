//! Ordonnateur ≠ comptable between *principals*: whoever executes or rejects an
//! order (or, acting by delegation, its delegator) is never whoever ordered it
//! (or the orderer's delegator), on every path: direct, delegated on either
//! side, both delegated, and a role granted by governance after the order. And
//! no account holds both aid duties in one collectivity.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use civitas_civic::action::*;
use civitas_civic::aid::ProgrammeRules;
use civitas_civic::governance::GovernanceAction;
use civitas_civic::model::{Role, Scope};
use civitas_civic::{Action, Code, Event, Receipt};
use civitas_types::{BoundedVec, Hash};
use common::*;

const MONTH_MS: u64 = 30 * 24 * 3_600_000;
/// The principal who orders first and later becomes a comptable.
const PRINCIPAL: u8 = ADMINISTRATOR;
/// Keys the principal controls and delegates to.
const ORDER_KEY: u8 = 40;
const EXECUTE_KEY: u8 = 41;

fn world_with_programme() -> World {
    let mut world = World::new();
    let rules = ProgrammeRules {
        collectivity: SIREN,
        budget_cents: 100_000,
        cap_per_period_cents: 20_000,
        period_ms: MONTH_MS,
        starts_at_ms: 1_000_000,
        ends_at_ms: 1_000_000 + 12 * MONTH_MS,
        categories: BoundedVec::try_from_vec(vec![FOOD]).unwrap(),
        residency_required: false,
    };
    assert!(
        world
            .act(ADMINISTRATOR, Action::CreateProgramme(rules))
            .is_success()
    );
    let enrol = EnrolBeneficiary {
        programme_id: 0,
        beneficiary: account(50),
        eligibility_commitment: Hash([50; 32]),
    };
    assert!(
        world
            .act(ADMINISTRATOR, Action::EnrolBeneficiary(enrol))
            .is_success()
    );
    world
}

fn delegate(world: &mut World, from: u8, role: Role, to: u8) {
    let delegation = Delegate {
        role,
        scope: Scope::Collectivity(SIREN),
        delegate: account(to),
        expires_at_ms: world.time_ms + MONTH_MS,
        act_hash: Hash([0xac; 32]),
    };
    let receipt = world.act(from, Action::Delegate(delegation));
    assert!(receipt.is_success(), "{receipt:?}");
}

fn order(world: &mut World, by: u8) {
    let order = OrderDisbursement {
        programme_id: 0,
        beneficiary: account(50),
        amount_cents: 1_000,
    };
    let receipt = world.act(by, Action::OrderDisbursement(order));
    assert!(receipt.is_success(), "{receipt:?}");
}

fn execute(world: &mut World, by: u8) -> Receipt {
    let execute = ExecuteOrder {
        programme_id: 0,
        order_id: 0,
    };
    world.act(by, Action::ExecuteOrder(execute))
}

fn reject(world: &mut World, by: u8) -> Receipt {
    let reject = RejectOrder {
        programme_id: 0,
        order_id: 0,
        reason_code: 1,
    };
    world.act(by, Action::RejectOrder(reject))
}

fn role_change(seed: u8, role: Role, grant: bool) -> GovernanceAction {
    let (account, scope) = (account(seed), Scope::Collectivity(SIREN));
    if grant {
        GovernanceAction::GrantRole {
            account,
            role,
            scope,
            categories: BoundedVec::new(),
        }
    } else {
        GovernanceAction::RevokeRole {
            account,
            role,
            scope,
        }
    }
}

/// Governance turns the principal from ordonnateur into comptable.
fn make_principal_a_comptable(world: &mut World) {
    let revoked = world.govern(role_change(PRINCIPAL, Role::AidAdministrator, false));
    assert!(revoked.events.contains(&Event::RoleRevoked {
        account: account(PRINCIPAL),
        role: Role::AidAdministrator,
        scope: Scope::Collectivity(SIREN),
    }));
    let granted = world.govern(role_change(PRINCIPAL, Role::AidAccountant, true));
    assert!(
        granted
            .events
            .iter()
            .any(|e| matches!(e, Event::RoleGranted { .. })),
        "{granted:?}"
    );
}

fn assert_refused(world: &mut World, by: u8) {
    assert_eq!(execute(world, by).code, Code::OrdererCannotExecute.number());
    assert_eq!(reject(world, by).code, Code::OrdererCannotExecute.number());
}

#[test]
fn the_orderer_cannot_execute_its_own_order_directly() {
    let mut world = world_with_programme();
    order(&mut world, PRINCIPAL);
    make_principal_a_comptable(&mut world);
    assert_refused(&mut world, PRINCIPAL);
    assert!(execute(&mut world, ACCOUNTANT).is_success());
}

#[test]
fn the_orderer_cannot_execute_through_a_delegate_of_its_accountant_role() {
    let mut world = world_with_programme();
    order(&mut world, PRINCIPAL);
    make_principal_a_comptable(&mut world);
    delegate(&mut world, PRINCIPAL, Role::AidAccountant, EXECUTE_KEY);
    assert_refused(&mut world, EXECUTE_KEY);
}

#[test]
fn an_order_placed_by_a_delegate_cannot_be_executed_by_its_delegator() {
    let mut world = world_with_programme();
    delegate(&mut world, PRINCIPAL, Role::AidAdministrator, ORDER_KEY);
    order(&mut world, ORDER_KEY);
    make_principal_a_comptable(&mut world);
    assert_refused(&mut world, PRINCIPAL);
}

#[test]
fn delegates_of_one_principal_on_both_sides_cannot_complete_an_order() {
    let mut world = world_with_programme();
    delegate(&mut world, PRINCIPAL, Role::AidAdministrator, ORDER_KEY);
    order(&mut world, ORDER_KEY);
    make_principal_a_comptable(&mut world);
    delegate(&mut world, PRINCIPAL, Role::AidAccountant, EXECUTE_KEY);
    assert_refused(&mut world, EXECUTE_KEY);
}

#[test]
fn one_key_delegated_both_duties_by_two_principals_cannot_complete_its_order() {
    let mut world = world_with_programme();
    delegate(&mut world, ADMINISTRATOR, Role::AidAdministrator, ORDER_KEY);
    delegate(&mut world, ACCOUNTANT, Role::AidAccountant, ORDER_KEY);
    order(&mut world, ORDER_KEY);
    assert_refused(&mut world, ORDER_KEY);
    assert!(execute(&mut world, ACCOUNTANT).is_success());
}

#[test]
fn granting_the_other_aid_duty_to_a_holder_of_one_is_refused() {
    let mut world = World::new();
    for (seed, role) in [
        (ADMINISTRATOR, Role::AidAccountant),
        (ACCOUNTANT, Role::AidAdministrator),
    ] {
        let receipt = world.govern(role_change(seed, role, true));
        assert!(
            receipt.events.contains(&Event::ProposalRefused {
                proposal_id: match receipt.events[..] {
                    [
                        Event::ProposalVoted { .. },
                        Event::ProposalRefused { proposal_id, .. },
                    ] => proposal_id,
                    _ => panic!("{receipt:?}"),
                },
                code: Code::ConflictingAidDuties.number(),
            }),
            "{receipt:?}"
        );
    }
}

#[test]
fn delegating_an_aid_duty_to_a_holder_of_the_other_is_refused() {
    let mut world = World::new();
    let delegation = Delegate {
        role: Role::AidAccountant,
        scope: Scope::Collectivity(SIREN),
        delegate: account(ADMINISTRATOR),
        expires_at_ms: world.time_ms + MONTH_MS,
        act_hash: Hash([0xac; 32]),
    };
    let receipt = world.act(ACCOUNTANT, Action::Delegate(delegation));
    assert_eq!(receipt.code, Code::ConflictingAidDuties.number());
}

#[test]
fn a_comptable_cannot_execute_an_order_placed_through_a_multisig_it_belongs_to() {
    use civitas_civic::model::MultisigPolicy;
    use civitas_types::{AccountId, BoundedBytes, SignedTransaction, TransactionBody, encode};
    let mut world = world_with_programme();
    let policy = MultisigPolicy {
        threshold: 1,
        members: BoundedVec::try_from_vec(vec![key(ACCOUNTANT).public_key()]).unwrap(),
    };
    let register = RegisterMultisig {
        threshold: policy.threshold,
        members: policy.members.clone(),
    };
    assert!(
        world
            .act(5, Action::RegisterMultisig(register))
            .is_success()
    );
    let multisig = AccountId::from_multisig_policy(&encode(&policy));
    let delegation = Delegate {
        role: Role::AidAdministrator,
        scope: Scope::Collectivity(SIREN),
        delegate: multisig,
        expires_at_ms: world.time_ms + MONTH_MS,
        act_hash: Hash([0xac; 32]),
    };
    assert!(
        world
            .act(ADMINISTRATOR, Action::Delegate(delegation))
            .is_success()
    );
    // The comptable orders as the multisig, alone (1 of 1)...
    let order = OrderDisbursement {
        programme_id: 0,
        beneficiary: account(50),
        amount_cents: 1_000,
    };
    let body = TransactionBody {
        chain_id: chain_id(),
        signer: multisig,
        sequence: 0,
        expiry_height: world.height + 10,
        payload: BoundedBytes::try_from_vec(encode(&Action::OrderDisbursement(order))).unwrap(),
    };
    let tx = SignedTransaction::sign(body, &[&key(ACCOUNTANT)]).unwrap();
    let outcome = world.execute(&[tx]).unwrap();
    assert!(
        outcome.receipts[0].is_success(),
        "{:?}",
        outcome.receipts[0]
    );
    // ...and may not execute it as itself.
    assert_refused(&mut world, ACCOUNTANT);
}
